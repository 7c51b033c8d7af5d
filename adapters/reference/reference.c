/* The reference as an adapter: the oracle itself, and the system under
 * test when a mutant is switched on (then compared exactly with a clean
 * copy). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "mmfuzz/adapter.h"
#include "reference/as.h"
#include "reference/cma.h"
#include "reference/mempool.h"
#include "reference/mm.h"
#include "reference/slab.h"
#include "reference/swap.h"
#include "reference/vmalloc.h"

static enum mmf_result ref_create(const struct mmf_adapter_config *cfg, void **ctx,
				  char *err, size_t cap)
{
	int mut = mmf_mutant_lookup(cfg->mutant);
	if (mut < 0) {
		snprintf(err, cap, "reference has no mutant '%s' (see: mmfuzz adapters --mutants)",
			 cfg->mutant);
		return MMF_UNSUPPORTED;
	}
	struct mmf_machine *m = malloc(sizeof(*m));
	if (!m || mmf_machine_init(m, cfg->profile, (enum mmf_mutant)mut)) {
		free(m);
		snprintf(err, cap, "out of memory for profile %s", cfg->profile->name);
		return MMF_REFUSED;
	}
	char why[200] = "";
	if (mmf_kernel_parse(cfg->kernel, &m->k, why, sizeof(why)) || mmf_kernel_modelled(&m->k, why, sizeof(why))) {
		mmf_machine_fini(m);
		free(m);
		snprintf(err, cap, "the reference cannot stand for this kernel: %s", why);
		return MMF_REFUSED;
	}
	m->walk_full = cfg->walk_full;
	*ctx = m;
	return MMF_OK;
}

static void ref_destroy(void *ctx)
{
	mmf_machine_fini(ctx);
	free(ctx);
}

static enum mmf_result ref_reset(void *ctx)
{
	mmf_machine_reset(ctx);
	return MMF_OK;
}

/* Once the machine has seen a broken structure every op answers corrupt;
 * check() says what broke. It is also the point between ops: an OOM
 * victim that was the op's own process dies now, and a kswapd its
 * allocations woke runs now (vmscan.c's deterministic stand-in for a
 * thread running beside them). */
static enum mmf_result guarded(struct mmf_machine *m, enum mmf_result r)
{
	if (!m->corrupt[0]) {
		mmf_oom_op_end(m);
		mmf_kswapd_run(m);
		mmf_thp_settle(m); /* huge PMDs reclaim, migration or a kill split or emptied */
	}
	return m->corrupt[0] ? MMF_CORRUPT : r;
}

/* An address-space op of process proc begins: the OOM killer's current. */
static void enter(struct mmf_machine *m, unsigned proc)
{
	if (m->as)
		m->as->current = proc < MMF_NPROCS ? (int)proc : -1;
}

static enum mmf_result ref_alloc_pages(void *ctx, const struct mmf_page_req *req,
				       uint64_t *pfn, int *err)
{
	uint32_t p = 0;
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	enum mmf_result r = mmf_alloc_pages(ctx, req->gfp, req->order, req->cpu, req->node, &p, err);
	*pfn = p;
	return guarded(ctx, r);
}

static enum mmf_result ref_free_pages(void *ctx, uint64_t pfn, unsigned order, unsigned cpu)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	return guarded(ctx, mmf_free_pages(ctx, (uint32_t)pfn, order, cpu));
}

static enum mmf_result ref_write_page(void *ctx, uint64_t pfn, uint64_t token)
{
	struct mmf_machine *m = ctx;
	if (pfn >= m->end_pfn)
		return MMF_CORRUPT;
	page_w(m, (uint32_t)pfn)->token = token;
	return MMF_OK;
}

static enum mmf_result ref_read_page(void *ctx, uint64_t pfn, uint64_t *token)
{
	struct mmf_machine *m = ctx;
	if (pfn >= m->end_pfn)
		return MMF_CORRUPT;
	*token = pfn_to_page(m, (uint32_t)pfn)->token;
	return MMF_OK;
}

static enum mmf_result ref_drain_pcp(void *ctx, unsigned cpu)
{
	struct mmf_machine *m = ctx;
	if (cpu >= m->prof->nr_cpus)
		return MMF_REFUSED;
	if (guarded(m, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	mmf_pcp_drain_cpu(m, cpu);
	return guarded(m, MMF_OK);
}

static enum mmf_result ref_report(void *ctx, unsigned kind, char *buf, size_t cap,
				  size_t *len)
{
	int n;
	switch (kind) {
	case MMF_REPORT_BUDDYINFO: n = mmf_report_buddyinfo(ctx, buf, cap); break;
	case MMF_REPORT_ZONEINFO: n = mmf_report_zoneinfo(ctx, buf, cap); break;
	case MMF_REPORT_VMSTAT: n = mmf_report_vmstat(ctx, buf, cap); break;
	case MMF_REPORT_SLABINFO: n = mmf_report_slabinfo(ctx, buf, cap); break;
	case MMF_REPORT_MEMINFO: n = mmf_report_meminfo(ctx, buf, cap); break;
	case MMF_REPORT_VMALLOCINFO: n = mmf_report_vmallocinfo(ctx, buf, cap); break;
	case MMF_REPORT_CMA: n = mmf_report_cma(ctx, buf, cap); break;
	case MMF_REPORT_SWAPS: n = mmf_report_swaps(ctx, buf, cap); break;
	case MMF_REPORT_OOM: n = mmf_report_oom(ctx, buf, cap); break;
	case MMF_REPORT_ZSWAP: n = mmf_report_zswap(ctx, buf, cap); break;
	default: return MMF_UNSUPPORTED;
	}
	*len = (size_t)n < cap ? (size_t)n : cap - 1;
	return MMF_OK;
}

static enum mmf_result ref_check(void *ctx, enum mmf_check_grade grade, char *msg,
				 size_t cap)
{
	const struct mmf_machine *m = ctx;
	if (m->corrupt[0]) {
		snprintf(msg, cap, "%s", m->corrupt);
		return MMF_CORRUPT;
	}
	int r = grade == MMF_CHECK_FULL ? mmf_buddy_is_valid(ctx, msg, cap)
					: mmf_buddy_cheap_check(ctx, msg, cap);
	if (!r && grade == MMF_CHECK_FULL)
		r = mmf_slub_is_valid(ctx, msg, cap);
	if (!r && grade == MMF_CHECK_FULL)
		r = mmf_mempool_is_valid(ctx, msg, cap);
	if (!r && grade == MMF_CHECK_FULL) {
		/* The vmalloc walk covers the whole range: only when used. */
		struct mmf_vmalloc_stats st;
		mmf_vmalloc_stats(ctx, &st);
		if (st.nr_busy || st.nr_lazy || st.nr_free != 1)
			r = mmf_vmalloc_is_valid(ctx, msg, cap);
	}
	if (!r && grade == MMF_CHECK_FULL)
		r = mmf_cma_is_valid(ctx, msg, cap);
	if (!r && grade == MMF_CHECK_FULL)
		r = mmf_as_vma_is_valid(ctx, msg, cap);
	if (!r && grade == MMF_CHECK_FULL)
		r = mmf_lru_is_valid(ctx, msg, cap);
	if (!r && grade == MMF_CHECK_FULL)
		r = mmf_swap_is_valid(ctx, msg, cap);
	if (!r && grade == MMF_CHECK_FULL)
		r = mmf_zswap_is_valid(ctx, msg, cap);
	return r ? MMF_CORRUPT : MMF_OK;
}

static enum mmf_result ref_kmalloc(void *ctx, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node,
				   uint64_t *addr, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	return guarded(ctx, mmf_kmalloc(ctx, size, gfp, cpu, node, addr, err));
}

static enum mmf_result ref_kfree(void *ctx, uint64_t addr, unsigned cpu)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	return guarded(ctx, mmf_kfree(ctx, addr, cpu));
}

static enum mmf_result ref_krealloc(void *ctx, uint64_t addr, uint64_t size, uint32_t gfp, unsigned cpu,
				    unsigned node, uint64_t *new_addr, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	return guarded(ctx, mmf_krealloc(ctx, addr, size, gfp, cpu, node, new_addr, err));
}

static enum mmf_result ref_ksize(void *ctx, uint64_t addr, uint64_t *usable)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	return guarded(ctx, mmf_ksize(ctx, addr, usable));
}

static enum mmf_result ref_obj_write(void *ctx, uint64_t addr, uint64_t val)
{
	return guarded(ctx, mmf_obj_write(ctx, addr, val));
}

static enum mmf_result ref_obj_read(void *ctx, uint64_t addr, uint64_t *val)
{
	return guarded(ctx, mmf_obj_read(ctx, addr, val));
}

static enum mmf_result ref_cache_create(void *ctx, const char *name, uint32_t size, uint32_t align,
					uint32_t flags, int ctor, uint64_t *cache, int *err)
{
	uint32_t id = 0;
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	enum mmf_result r = mmf_kmem_cache_create(ctx, name, size, align, flags, ctor, &id, err);
	*cache = id;
	return guarded(ctx, r);
}

static enum mmf_result ref_cache_destroy(void *ctx, uint64_t cache, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	return guarded(ctx, mmf_kmem_cache_destroy(ctx, (uint32_t)cache, err));
}

static enum mmf_result ref_cache_alloc(void *ctx, uint64_t cache, uint32_t gfp, unsigned cpu, unsigned node,
				       uint64_t *addr, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	return guarded(ctx, mmf_kmem_cache_alloc(ctx, (uint32_t)cache, gfp, cpu, node, addr, err));
}

static enum mmf_result ref_cache_free(void *ctx, uint64_t cache, uint64_t addr, unsigned cpu)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	return guarded(ctx, mmf_kmem_cache_free(ctx, (uint32_t)cache, addr, cpu));
}

static enum mmf_result ref_vmalloc(void *ctx, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node,
				   uint64_t *addr, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	if (size == 0) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	return guarded(ctx, mmf_vmalloc(ctx, size, gfp, cpu, node, addr, err));
}

static enum mmf_result ref_vfree(void *ctx, uint64_t addr, unsigned cpu)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	return guarded(ctx, mmf_vfree(ctx, addr, cpu));
}

static enum mmf_result ref_vmalloc_to_pfn(void *ctx, uint64_t addr, uint64_t *pfn)
{
	uint32_t p;
	if (mmf_vmalloc_to_pfn(ctx, addr, &p))
		return guarded(ctx, MMF_REFUSED);
	*pfn = p;
	return guarded(ctx, MMF_OK);
}

static enum mmf_result ref_vmem_write(void *ctx, uint64_t addr, uint64_t token)
{
	uint32_t p;
	if (mmf_vmalloc_to_pfn(ctx, addr, &p))
		return MMF_CORRUPT;
	return ref_write_page(ctx, p, token);
}

static enum mmf_result ref_vmem_read(void *ctx, uint64_t addr, uint64_t *token)
{
	uint32_t p;
	if (mmf_vmalloc_to_pfn(ctx, addr, &p))
		return MMF_CORRUPT;
	return ref_read_page(ctx, p, token);
}

static enum mmf_result ref_pool_create(void *ctx, uint32_t min_nr, uint64_t size, unsigned cpu, unsigned node,
				       uint64_t *pool, int *err)
{
	uint32_t id = 0;
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	enum mmf_result r = mmf_mempool_create(ctx, min_nr, size, cpu, node, &id, err);
	*pool = id;
	return guarded(ctx, r);
}

static enum mmf_result ref_pool_destroy(void *ctx, uint64_t pool, unsigned cpu)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	return guarded(ctx, mmf_mempool_destroy(ctx, (uint32_t)pool, cpu));
}

static enum mmf_result ref_pool_alloc(void *ctx, uint64_t pool, uint32_t gfp, unsigned cpu, unsigned node,
				      uint64_t *addr, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	return guarded(ctx, mmf_mempool_alloc(ctx, (uint32_t)pool, gfp, cpu, node, addr, err));
}

static enum mmf_result ref_pool_free(void *ctx, uint64_t pool, uint64_t addr, unsigned cpu)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	return guarded(ctx, mmf_mempool_free(ctx, (uint32_t)pool, addr, cpu));
}

static enum mmf_result ref_cma_alloc(void *ctx, unsigned area, uint32_t count, unsigned align, unsigned cpu,
				     uint64_t *pfn, int *err)
{
	uint32_t p = 0;
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	enum mmf_result r = mmf_cma_alloc(ctx, area, count, align, cpu, &p, err);
	*pfn = p;
	return guarded(ctx, r);
}

static enum mmf_result ref_cma_release(void *ctx, unsigned area, uint64_t pfn, uint32_t count)
{
	struct mmf_machine *m = ctx;
	if (guarded(m, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	if (pfn >= m->end_pfn)
		return MMF_REFUSED;
	return guarded(m, mmf_cma_release(m, area, (uint32_t)pfn, count));
}

static enum mmf_result ref_pin_page(void *ctx, uint64_t pfn)
{
	struct mmf_machine *m = ctx;
	if (guarded(m, MMF_OK) != MMF_OK || pfn >= m->end_pfn)
		return MMF_CORRUPT;
	return guarded(m, mmf_page_pin(m, (uint32_t)pfn));
}

static enum mmf_result ref_unpin_page(void *ctx, uint64_t pfn)
{
	struct mmf_machine *m = ctx;
	if (guarded(m, MMF_OK) != MMF_OK || pfn >= m->end_pfn)
		return MMF_CORRUPT;
	return guarded(m, mmf_page_unpin(m, (uint32_t)pfn));
}

static unsigned ref_moved(void *ctx, uint64_t *old_pfn, uint64_t *new_pfn, unsigned cap)
{
	return mmf_cma_moves(ctx, old_pfn, new_pfn, cap);
}

/* Every address-space op ends with the CPU's LRU batches drained
 * (lru_add_drain()): the comparison point is a quiescent CPU, as the Linux
 * agents make it (adapters/linux/task.c: what stays in a batch across ops
 * depends on whatever else runs on the CPU). */
static enum mmf_result as_result(struct mmf_machine *m, int r)
{
	mmf_thp_settle(m); /* huge PMDs the op split or emptied */
	mmf_lru_drain(m);
	return guarded(m, r ? MMF_REFUSED : MMF_OK);
}

static enum mmf_result ref_mmap(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
				uint64_t *out, int *err)
{
	enter(ctx, proc);
	return as_result(ctx, mmf_as_mmap(ctx, proc, addr, len, prot, flags, out, err));
}

static enum mmf_result ref_munmap(void *ctx, unsigned proc, uint64_t addr, uint64_t len, int *err)
{
	enter(ctx, proc);
	return as_result(ctx, mmf_as_munmap(ctx, proc, addr, len, err));
}

static enum mmf_result ref_mprotect(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, int *err)
{
	enter(ctx, proc);
	return as_result(ctx, mmf_as_mprotect(ctx, proc, addr, len, prot, err));
}

static enum mmf_result ref_proc_report(void *ctx, unsigned proc, unsigned kind, char *buf, size_t cap, size_t *len)
{
	int n;
	switch (kind) {
	case MMF_PROC_MAPS: n = mmf_as_report_maps(ctx, proc, buf, cap); break;
	case MMF_PROC_SMAPS: n = mmf_as_report_smaps(ctx, proc, buf, cap);
		break;
	case MMF_PROC_PAGEMAP: n = mmf_as_report_pagemap(ctx, proc, buf, cap); break;
	default: return MMF_UNSUPPORTED;
	}
	*len = (size_t)n < cap ? (size_t)n : cap - 1;
	return MMF_OK;
}

static enum mmf_result ref_mem_access(void *ctx, unsigned proc, uint64_t addr, int write, uint64_t token, int *fault,
				      uint64_t *value, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	enter(ctx, proc);
	return as_result(ctx, mmf_as_access(ctx, proc, addr, write, token, fault, value, err));
}

static enum mmf_result ref_fork(void *ctx, unsigned parent, unsigned child, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	enter(ctx, parent);
	return as_result(ctx, mmf_as_fork(ctx, parent, child, err));
}

static enum mmf_result ref_exit(void *ctx, unsigned proc, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	enter(ctx, proc);
	return as_result(ctx, mmf_as_exit(ctx, proc, err));
}

static enum mmf_result ref_madvise(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned advice, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	enter(ctx, proc);
	return as_result(ctx, mmf_as_madvise(ctx, proc, addr, len, advice, err));
}

static enum mmf_result ref_brk(void *ctx, unsigned proc, uint64_t addr, uint64_t *out)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	enter(ctx, proc);
	*out = mmf_as_brk(ctx, proc, addr);
	mmf_thp_settle(ctx);
	mmf_lru_drain(ctx);
	return guarded(ctx, MMF_OK);
}

static enum mmf_result ref_mremap(void *ctx, unsigned proc, uint64_t addr, uint64_t old_len, uint64_t new_len,
				  unsigned flags, uint64_t new_addr, uint64_t *out, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	enter(ctx, proc);
	return as_result(ctx, mmf_as_mremap(ctx, proc, addr, old_len, new_len, flags, new_addr, out, err));
}

static enum mmf_result ref_as_call(void *ctx, const struct mmf_as_call *c, char *buf, size_t cap, size_t *len,
				   int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	int machine_wide = c->code == MMF_OP_SWAPON || c->code == MMF_OP_SWAPOFF || c->code == MMF_OP_KSWAPD ||
			   c->code == MMF_OP_DROP_CACHES || c->code == MMF_OP_RECLAIM || c->code == MMF_OP_ZSWAP;
	enter(ctx, machine_wide ? MMF_NPROCS : c->proc);
	int r = mmf_as_call(ctx, c, buf, cap, len, err);
	return r == -2 ? MMF_UNSUPPORTED : as_result(ctx, r);
}
static enum mmf_result ref_rmap(void *ctx, unsigned proc, uint64_t addr, char *buf, size_t cap, size_t *len)
{
	int n = mmf_as_report_rmap(ctx, proc, addr, buf, cap);
	*len = (size_t)n < cap ? (size_t)n : cap - 1;
	return MMF_OK;
}

static enum mmf_result ref_ftruncate(void *ctx, unsigned file, uint64_t size, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	if (size & 4095) { /* the model's files are whole pages */
		*err = EINVAL;
		return MMF_UNSUPPORTED;
	}
	return as_result(ctx, mmf_as_ftruncate(ctx, file, size >> 12, err));
}

static enum mmf_result ref_mmap_file(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned prot,
				     unsigned flags, unsigned file, uint64_t offset, uint64_t *out, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	enter(ctx, proc);
	if (offset & 4095) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	return as_result(ctx, mmf_as_mmap_file(ctx, proc, addr, len, prot, flags, file, offset >> 12, out, err));
}

static enum mmf_result ref_mmap_pfn(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned prot,
				    unsigned flags, uint64_t offset, uint64_t *out, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	enter(ctx, proc); /* the device's buffer is allocated in its name */
	if (offset & 4095) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	return as_result(ctx, mmf_as_mmap_pfn(ctx, proc, addr, len, prot, flags, offset >> 12, out, err));
}

static enum mmf_result ref_clear_refs(void *ctx, unsigned proc, unsigned value, int *err)
{
	if (guarded(ctx, MMF_OK) != MMF_OK)
		return MMF_CORRUPT;
	enter(ctx, proc);
	return as_result(ctx, mmf_as_clear_refs(ctx, proc, value, err));
}

static const struct mmf_adapter reference_adapter = {
	.abi_version = MMF_ADAPTER_ABI_VERSION,
	.size = sizeof(struct mmf_adapter),
	.name = "reference",
	.description = "the oracle: Linux's buddy allocator with pcp lists, zones, watermarks and GFP semantics",
	.caps = MMF_CAP_PAGE_ALLOC | MMF_CAP_PAGE_CONTENTS | MMF_CAP_PCP | MMF_CAP_REPORTS | MMF_CAP_CHECK |
		MMF_CAP_KMALLOC | MMF_CAP_OBJ_CONTENTS | MMF_CAP_KMEM_CACHE | MMF_CAP_VMALLOC | MMF_CAP_MEMPOOL |
		MMF_CAP_CMA | MMF_CAP_AS | MMF_CAP_AS_FILE | MMF_CAP_AS_PFN | MMF_CAP_SOFT_DIRTY | MMF_CAP_AS_CALL |
		MMF_CAP_MLOCKALL | MMF_CAP_SWAP | MMF_CAP_RECLAIM | MMF_CAP_OOM | MMF_CAP_ZSWAP | MMF_CAP_MEM_FILL |
		MMF_CAP_HUGETLB,
	.level = { [MMF_FAM_PAGE] = MMF_LEVEL_EXACT, [MMF_FAM_OBJ] = MMF_LEVEL_EXACT,
		   [MMF_FAM_VMALLOC] = MMF_LEVEL_EXACT, [MMF_FAM_AS] = MMF_LEVEL_EXACT },
	.create = ref_create,
	.destroy = ref_destroy,
	.reset = ref_reset,
	.alloc_pages = ref_alloc_pages,
	.free_pages = ref_free_pages,
	.write_page = ref_write_page,
	.read_page = ref_read_page,
	.drain_pcp = ref_drain_pcp,
	.report = ref_report,
	.check = ref_check,
	.mutants = mmf_reference_mutants,
	.nr_mutants = MMF_NR_WIRED_MUTANTS,
	.kmalloc = ref_kmalloc,
	.kfree = ref_kfree,
	.krealloc = ref_krealloc,
	.ksize = ref_ksize,
	.obj_write = ref_obj_write,
	.obj_read = ref_obj_read,
	.cache_create = ref_cache_create,
	.cache_destroy = ref_cache_destroy,
	.cache_alloc = ref_cache_alloc,
	.cache_free = ref_cache_free,
	.vmalloc = ref_vmalloc,
	.vfree = ref_vfree,
	.vmalloc_to_pfn = ref_vmalloc_to_pfn,
	.vmem_write = ref_vmem_write,
	.vmem_read = ref_vmem_read,
	.pool_create = ref_pool_create,
	.pool_destroy = ref_pool_destroy,
	.pool_alloc = ref_pool_alloc,
	.pool_free = ref_pool_free,
	.cma_alloc = ref_cma_alloc,
	.cma_release = ref_cma_release,
	.pin_page = ref_pin_page,
	.unpin_page = ref_unpin_page,
	.moved = ref_moved,
	.mmap = ref_mmap,
	.munmap = ref_munmap,
	.mprotect = ref_mprotect,
	.proc_report = ref_proc_report,
	.mem_access = ref_mem_access,
	.proc_fork = ref_fork,
	.proc_exit = ref_exit,
	.madvise = ref_madvise,
	.as_call = ref_as_call,
	.brk = ref_brk,
	.mremap = ref_mremap,
	.rmap = ref_rmap,
	.ftruncate = ref_ftruncate,
	.mmap_file = ref_mmap_file,
	.mmap_pfn = ref_mmap_pfn,
	.clear_refs = ref_clear_refs,
};

const struct mmf_adapter *mmf_adapter_reference(void) { return &reference_adapter; }

uint64_t mmf_reference_pressure(void *ctx)
{
	const struct mmf_machine *m = ctx;
	return m ? m->vm.alloc_fail + m->vm.oom_kill + m->vm.oom_no_victim + m->vm.pgscan_kswapd + m->vm.pgscan_direct
		 : 0;
}

void mmf_reference_depth(void *ctx, struct mmf_depth *out)
{
	const struct mmf_machine *m = ctx;
	*out = m && m->as ? m->as->depth : (struct mmf_depth){ .procs_max = 1 };
	if (!m)
		return;
	uint64_t stalls = 0;
	for (unsigned t = 0; t < MMF_NR_ZONE_TYPES; t++)
		stalls += m->vm.allocstall[t];
	out->kswapd_runs = (uint32_t)m->vm.pageoutrun;
	out->direct_reclaims = (uint32_t)stalls;
	out->swapouts = (uint32_t)m->vm.pswpout;
	out->swapins = (uint32_t)m->vm.pswpin;
	out->zswap_writebacks = (uint32_t)m->vm.zswpwb;
	out->oom_kills = (uint32_t)m->vm.oom_kill;
	if (m->as) {
		out->huge_faults = m->as->hstate.faults;
		out->huge_cows = m->as->hstate.cow;
		out->huge_reservations = m->as->hstate.reservations;
		out->huge_surplus = m->as->hstate.surplus_allocs;
		out->thp_faults = m->as->depth.thp_faults;
		out->thp_splits = m->as->depth.thp_splits;
		out->thp_collapses = m->as->depth.thp_collapses;
	}
}
