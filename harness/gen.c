/* The seeded generator behind `mmfuzz fuzz` and the property tests: each
 * sequence is a pure function of its seed. Per sequence it picks a subset
 * of op kinds (swarm testing) and keeps a rough idea of which slots are
 * live, so frees and reads mostly hit something. */
#include <stddef.h>
#include <string.h>

#include "harness/gen_internal.h"
#include "mmfuzz/gfp.h"
#include "mmfuzz/harness.h"
#include "mmfuzz/profile.h"

uint64_t mmf_seed_mix(uint64_t campaign_seed, uint64_t index)
{
	struct rng r = { campaign_seed ^ (index * 0xd1342543de82ef95ull) };
	return next(&r);
}

static const mmf_gfp_t gfp_pool[] = {
	GFP_KERNEL, GFP_KERNEL, GFP_KERNEL, GFP_ATOMIC, GFP_ATOMIC, GFP_NOWAIT, GFP_USER,
	GFP_HIGHUSER_MOVABLE, GFP_NOIO, GFP_NOFS, __GFP_HIGH,
	GFP_KERNEL | __GFP_DMA, GFP_KERNEL | __GFP_DMA32, GFP_ATOMIC | __GFP_DMA,
	GFP_NOWAIT | __GFP_DMA32, GFP_KERNEL | __GFP_NORETRY, GFP_KERNEL | __GFP_RETRY_MAYFAIL,
	GFP_ATOMIC | __GFP_NOMEMALLOC,
};

static mmf_gfp_t pick_gfp(struct rng *r)
{
	mmf_gfp_t g = gfp_pool[below(r, sizeof(gfp_pool) / sizeof(gfp_pool[0]))];
	if (below(r, 4) == 0)
		g |= __GFP_ZERO;
	if (below(r, 8) == 0)
		g |= __GFP_THISNODE;
	if (below(r, 32) == 0)
		g |= __GFP_MEMALLOC;
	if (below(r, 32) == 0)
		g = (mmf_gfp_t)next(r);
	return mmf_gfp_canonical(g);
}

static unsigned pick_order(struct rng *r, unsigned max_order)
{
	if (max_order == 0)
		return 0;
	switch (below(r, 8)) {
	case 0: case 1: case 2: case 3: return 0;
	case 4: return 1 + below(r, 3);
	case 5: case 6: return 3 + below(r, 5);
	default: return 8 + below(r, 3);
	}
}

/* Object sizes: small ones, the kmalloc class edges, medium, large
 * (kmalloc_large), and a few above the 128 KiB limit. */
static uint32_t pick_size(struct rng *r)
{
	static const uint32_t edges[] = { 1, 7, 8, 9, 16, 17, 32, 33, 64, 65, 96, 97, 128, 129, 192, 193, 256, 257,
					  512, 513, 1024, 2048, 4096, 4097, 8192, 8193, 16384, 65536, 131072 };
	switch (below(r, 20)) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9:
		return 1 + below(r, 256);
	case 10: case 11: case 12: case 13:
		return edges[below(r, sizeof(edges) / sizeof(edges[0]))];
	case 14: case 15: case 16:
		return 1 + below(r, 8192);
	case 17: case 18:
		return 8193 + below(r, 131072 - 8192);
	default:
		return 131073 + below(r, 8192);
	}
}

/* The slot state an op wants (ops.def's gen column): 1 a live one, 0 an
 * empty one, -1 either. */
static int wants_live(unsigned code)
{
	unsigned w = mmf_optable[code].gen_slots;
	return w == GEN_LIVE ? 1 : w == GEN_EMPTY ? 0 : -1;
}

/* The fields of an op whose row has no shaping of its own below, by kind:
 * address-space ranges near each other and near the last mapping, so
 * they meet what exists; anything else uniform over its range. */
static void shape_fields(struct rng *r, struct mmf_op *op, unsigned profile, unsigned proc, uint32_t span,
			 uint32_t last_map)
{
	const struct mmf_opdesc *d = &mmf_optable[op->code];
	for (unsigned i = 0; i < d->nfields; i++) {
		uint32_t v, range = mmf_field_range(d->f[i].kind, profile);
		switch (d->f[i].kind) {
		case FK_PROC: v = proc; break;
		case FK_VPAGE: v = below(r, 2) ? last_map : below(r, 8) ? below(r, span) : below(r, MMF_AS_WINDOW_PAGES); break;
		case FK_NPAGES: v = below(r, 8) ? 1 + below(r, 16) : below(r, 16) ? below(r, 256) : below(r, 4097); break;
		default: v = range ? below(r, range) : (uint32_t)next(r); break;
		}
		mmf_field_set(op, d->f[i].loc, v);
	}
}

/* The page family: orders and GFP masks as the allocator sees them, CMA
 * ranges. Each shape_* returns 0 for an op of another family. */
static int shape_page(struct gen *g, unsigned k, struct draw *d, struct mmf_op *op)
{
	switch (k) {
	case MMF_OP_ALLOC_PAGES:
		op->code = MMF_OP_ALLOC_PAGES;
		op->a = (uint8_t)pick_order(&g->r, g->max_order);
		op->arg = pick_gfp(&g->r);
		if (g->movable_bias && below(&g->r, 2))
			op->arg = mmf_gfp_canonical((op->arg & ~(uint32_t)__GFP_RECLAIMABLE) | __GFP_MOVABLE);
		op->b = (uint8_t)(d->cpu | d->node << 4);
		g->live[d->slot] = 1;
		return 1;
	case MMF_OP_CMA_ALLOC:
		op->code = MMF_OP_CMA_ALLOC;
		op->a = (uint8_t)(below(&g->r, 8) ? below(&g->r, g->p->nr_cma) : below(&g->r, MMF_CMA_AREA_RANGE));
		/* Mostly small ranges; sometimes up to a whole area. */
		op->arg = below(&g->r, 4) ? 1 + below(&g->r, 64) : below(&g->r, 8) ? below(&g->r, 4608) : 0;
		op->b = (uint8_t)(d->cpu | (below(&g->r, 2) ? 0 : below(&g->r, 16)) << 4);
		g->cmalive[d->slot] = 1;
		return 1;
	case MMF_OP_CMA_RELEASE:
		op->code = MMF_OP_CMA_RELEASE;
		g->cmalive[d->slot] = 0;
		return 1;
	case MMF_OP_PIN_PAGE:
	case MMF_OP_UNPIN_PAGE:
		op->code = k == MMF_OP_PIN_PAGE ? MMF_OP_PIN_PAGE : MMF_OP_UNPIN_PAGE;
		return 1;
	case MMF_OP_FREE_PAGES:
		op->code = MMF_OP_FREE_PAGES;
		op->b = (uint8_t)d->cpu;
		g->live[d->slot] = 0;
		return 1;
	case MMF_OP_WRITE_PAGE:
	case MMF_OP_READ_PAGE:
		op->code = k == MMF_OP_WRITE_PAGE ? MMF_OP_WRITE_PAGE : MMF_OP_READ_PAGE;
		op->a = (uint8_t)next(&g->r);
		op->arg = below(&g->r, 2) ? below(&g->r, 4) : below(&g->r, 1024);
		return 1;
	case MMF_OP_DRAIN_PCP:
		op->code = MMF_OP_DRAIN_PCP;
		op->b = (uint8_t)d->cpu;
		return 1;
	case MMF_OP_REPORT:
		op->code = MMF_OP_REPORT;
		/* version 6 adds swaps and oom; before, the seven there were */
		op->a = (uint8_t)below(&g->r, g->version >= 6 ? MMF_NR_REPORTS : MMF_REPORT_SWAPS);
		return 1;
	case MMF_OP_CHECK:
		op->code = MMF_OP_CHECK;
		return 1;
	default:
		return 0;
	}
}

/* The object family: sizes around the kmalloc classes (a favourite one
 * fills slabs), and caches. */
/* The object family's mempools, and the malloc-style ops. */
static int shape_obj_pools(struct gen *g, unsigned k, struct draw *d, struct mmf_op *op)
{
	switch (k) {
	case MMF_OP_CALLOC: {
		/* mostly small arrays; now and then a count that overflows
		 * n * size or gives a product past any address space
		 * (2^48 and up: refused at once, nothing to touch) */
		op->code = MMF_OP_CALLOC;
		uint32_t cnt = below(&g->r, 4) ? 1 + below(&g->r, 16) : below(&g->r, 1024);
		uint32_t size = below(&g->r, 2) ? pick_size(&g->r) % 65536 : 1 + below(&g->r, 64);
		op->a = (uint8_t)(below(&g->r, 10) ? 0 : 48 + below(&g->r, 16));
		op->arg = cnt | size << 16;
		g->olive[d->slot] = 1;
		return 1;
	}
	case MMF_OP_MEMALIGN: {
		op->code = MMF_OP_MEMALIGN;
		/* powers of two to a few pages, and the invalid ones: 0,
		 * 1..4 (below a pointer), 24, 40, 56 ..., very large */
		op->a = (uint8_t)(below(&g->r, 4) ? 3 + below(&g->r, 10) : below(&g->r, 2) ? below(&g->r, 3) : below(&g->r, 2) ? 30 + below(&g->r, 8) : below(&g->r, 256));
		uint32_t size = pick_size(&g->r);
		unsigned shift = below(&g->r, 12) ? 0 : 12 + below(&g->r, 4); /* 2^48 and up: ENOMEM */
		op->arg = size;
		op->b = (uint8_t)(below(&g->r, 3) | shift << 4);
		g->olive[d->slot] = 1;
		return 1;
	}
	case MMF_OP_REALLOC: {
		op->code = MMF_OP_REALLOC;
		op->arg = below(&g->r, 4) ? g->fav_size : pick_size(&g->r);
		op->b = (uint8_t)(below(&g->r, 6) ? 0 : 12 + below(&g->r, 4)); /* 2^48 and up: refused, the block kept */
		g->olive[d->slot] = 1;
		return 1;
	}
	case MMF_OP_MEMPOOL_CREATE:
		op->code = MMF_OP_MEMPOOL_CREATE;
		d->slot = below(&g->r, MMF_NPOOLS);
		g->plive[d->slot] = 1;
		op->a = (uint8_t)(below(&g->r, 8) ? 1 + below(&g->r, 8) : below(&g->r, 33));
		op->arg = below(&g->r, 2) ? g->fav_size : pick_size(&g->r);
		op->b = (uint8_t)(d->cpu | d->node << 4);
		return 1;
	case MMF_OP_MEMPOOL_DESTROY:
		op->code = MMF_OP_MEMPOOL_DESTROY;
		d->slot = below(&g->r, MMF_NPOOLS);
		g->plive[d->slot] = 0;
		op->b = (uint8_t)d->cpu;
		return 1;
	case MMF_OP_MEMPOOL_ALLOC:
		op->code = MMF_OP_MEMPOOL_ALLOC;
		op->a = (uint8_t)below(&g->r, MMF_NPOOLS);
		for (unsigned tries = 0; tries < 8 && !g->plive[op->a]; tries++)
			op->a = (uint8_t)below(&g->r, MMF_NPOOLS);
		g->frompool[d->slot] = 1;
		/* mostly the atomic masks a pool's users pass: GFP_NOWAIT
		 * fails at the min watermark, so the reserve gets used */
		op->arg = below(&g->r, 2) ? 2 + below(&g->r, 2) /* GFP_ATOMIC, GFP_NOWAIT */ : below(&g->r, MMF_GFP_SEL_RANGE);
		op->b = (uint8_t)(d->cpu | d->node << 4);
		g->olive[d->slot] = 1;
		return 1;
	case MMF_OP_MEMPOOL_FREE:
		op->code = MMF_OP_MEMPOOL_FREE;
		op->b = (uint8_t)d->cpu;
		for (unsigned tries = 0; tries < 16 && !g->frompool[d->slot]; tries++)
			d->slot = below(&g->r, MMF_NSLOTS);
		g->frompool[d->slot] = 0;
		g->olive[d->slot] = 0;
		return 1;
	default:
		return 0;
	}
}

static int shape_obj(struct gen *g, unsigned k, struct draw *d, struct mmf_op *op)
{
	switch (k) {
	case MMF_OP_KMALLOC:
	case MMF_OP_KREALLOC:
		op->code = k == MMF_OP_KMALLOC ? MMF_OP_KMALLOC : MMF_OP_KREALLOC;
		op->arg = below(&g->r, 2) ? g->fav_size : below(&g->r, 16) ? pick_size(&g->r) : 0;
		op->a = (uint8_t)(below(&g->r, 3) ? below(&g->r, 2) : below(&g->r, MMF_GFP_SEL_RANGE));
		op->b = (uint8_t)(d->cpu | d->node << 4);
		g->olive[d->slot] = 1;
		return 1;
	case MMF_OP_KFREE:
	case MMF_OP_CACHE_FREE:
		op->code = k == MMF_OP_KFREE ? MMF_OP_KFREE : MMF_OP_CACHE_FREE;
		op->b = (uint8_t)d->cpu;
		g->olive[d->slot] = 0;
		return 1;
	case MMF_OP_KSIZE:
		op->code = MMF_OP_KSIZE;
		return 1;
	case MMF_OP_OBJ_WRITE:
	case MMF_OP_OBJ_READ:
		op->code = k == MMF_OP_OBJ_WRITE ? MMF_OP_OBJ_WRITE : MMF_OP_OBJ_READ;
		op->a = (uint8_t)next(&g->r);
		op->arg = below(&g->r, 2) ? below(&g->r, 4) : below(&g->r, 16384);
		return 1;
	case MMF_OP_CACHE_CREATE:
		op->code = MMF_OP_CACHE_CREATE;
		d->slot = d->cache;
		op->arg = below(&g->r, 2) ? g->fav_size % 4097 : below(&g->r, 3) ? 1 + below(&g->r, 512) : below(&g->r, 32769);
		op->a = (uint8_t)(below(&g->r, 2) ? 0 : below(&g->r, 13));
		op->b = (uint8_t)(below(&g->r, 2) ? 0 : below(&g->r, 16));
		g->clive[d->cache] = 1;
		return 1;
	case MMF_OP_CACHE_DESTROY:
		op->code = MMF_OP_CACHE_DESTROY;
		d->slot = d->cache;
		g->clive[d->cache] = 0;
		return 1;
	case MMF_OP_CACHE_ALLOC:
		op->code = MMF_OP_CACHE_ALLOC;
		for (unsigned tries = 0; tries < 8 && !g->clive[d->cache]; tries++)
			d->cache = below(&g->r, MMF_NCACHES);
		op->a = (uint8_t)d->cache;
		op->arg = below(&g->r, 3) ? below(&g->r, 2) : below(&g->r, MMF_GFP_SEL_RANGE);
		op->b = (uint8_t)(d->cpu | d->node << 4);
		g->olive[d->slot] = 1;
		return 1;
	default:
		return 0;
	}
}

/* The vmalloc family: mostly small areas, sometimes up to 4 MiB. */
static int shape_vmalloc(struct gen *g, unsigned k, struct draw *d, struct mmf_op *op)
{
	switch (k) {
	case MMF_OP_VMALLOC:
		op->code = MMF_OP_VMALLOC;
		/* Mostly small areas; sometimes up to 4 MiB, so the lazy
		 * purge threshold and the VA range are reached. */
		op->arg = below(&g->r, 4) ? 1 + below(&g->r, 8 * 4096) : below(&g->r, 4) ? 1 + below(&g->r, 4u << 20) : 0;
		op->a = (uint8_t)(below(&g->r, 3) ? below(&g->r, 2) : below(&g->r, MMF_GFP_SEL_RANGE));
		op->b = (uint8_t)(d->cpu | d->node << 4);
		g->vlive[d->slot] = 1;
		return 1;
	case MMF_OP_VFREE:
		op->code = MMF_OP_VFREE;
		op->b = (uint8_t)d->cpu;
		g->vlive[d->slot] = 0;
		return 1;
	case MMF_OP_VWRITE:
	case MMF_OP_VREAD:
	case MMF_OP_VMALLOC_TO_PAGE:
		op->code = k == MMF_OP_VWRITE ? MMF_OP_VWRITE : k == MMF_OP_VREAD ? MMF_OP_VREAD : MMF_OP_VMALLOC_TO_PAGE;
		op->a = (uint8_t)next(&g->r);
		op->arg = below(&g->r, 2) ? below(&g->r, 4) : below(&g->r, 1024);
		return 1;
	default:
		return 0;
	}
}

/* The address-space family: ranges near each other so they touch, split
 * and merge; accesses that come back to the same pages. */
/* The address-space family's processes, accesses and reports: accesses
 * come back to the same pages (COW needs write, fork, write, read). */
static int shape_as_procs(struct gen *g, unsigned k, struct draw *d, struct mmf_op *op)
{
	switch (k) {
	case MMF_OP_CLEAR_REFS:
		op->code = MMF_OP_CLEAR_REFS;
		op->b = (uint8_t)((below(&g->r, 2) ? 4 : below(&g->r, 8)) | d->as_proc << 4);
		return 1;
	case MMF_OP_PROC_REPORT:
		op->code = MMF_OP_PROC_REPORT;
		op->a = (uint8_t)below(&g->r, MMF_NR_PROC_REPORTS);
		op->b = (uint8_t)(d->as_proc << 4);
		return 1;
	case MMF_OP_FORK: {
		unsigned child = below(&g->r, MMF_NPROCS);
		for (unsigned tries = 0; tries < 8 && ((g->proc_live >> child) & 1); tries++)
			child = below(&g->r, MMF_NPROCS);
		op->code = MMF_OP_FORK;
		op->b = (uint8_t)(child | d->as_proc << 4);
		if ((g->proc_live >> d->as_proc) & 1)
			g->proc_live |= (uint8_t)(1u << child);
		return 1;
	}
	case MMF_OP_EXIT:
		op->code = MMF_OP_EXIT;
		op->b = (uint8_t)(d->as_proc << 4);
		g->proc_live &= (uint8_t)~(1u << d->as_proc);
		return 1;
	case MMF_OP_RMAP:
		op->code = MMF_OP_RMAP;
		op->arg = g->last_page;
		op->b = (uint8_t)(d->as_proc << 4);
		return 1;
	case MMF_OP_MEM_READ:
	case MMF_OP_MEM_WRITE:
	case MMF_OP_MEM_EXEC:
		op->code = k == MMF_OP_MEM_READ ? MMF_OP_MEM_READ : k == MMF_OP_MEM_EXEC ? MMF_OP_MEM_EXEC : MMF_OP_MEM_WRITE;
		op->arg = below(&g->r, 2) ? g->last_page : below(&g->r, 16) ? below(&g->r, g->as_span + 8) : below(&g->r, MMF_AS_WINDOW_PAGES);
		g->last_page = op->arg;
		op->a = (uint8_t)next(&g->r);
		op->b = (uint8_t)(d->as_proc << 4);
		return 1;
	default:
		return 0;
	}
}

static int shape_as(struct gen *g, unsigned k, struct draw *d, struct mmf_op *op)
{
	switch (k) {
	case MMF_OP_MADVISE:
	case MMF_OP_MMAP:
	case MMF_OP_MUNMAP:
	case MMF_OP_MPROTECT: {
		op->code = (uint8_t)k;
		/* Near each other, so ranges touch, overlap, split and merge. */
		uint32_t start = below(&g->r, 8) ? below(&g->r, g->as_span) : below(&g->r, MMF_AS_WINDOW_PAGES);
		uint32_t npages = below(&g->r, 8) ? 1 + below(&g->r, 8) : below(&g->r, 16) ? below(&g->r, 256) : below(&g->r, 4097);
		op->arg = start | npages << 16;
		if (k == MMF_OP_MMAP)
			g->last_map = start;
		unsigned prot = below(&g->r, 2) ? 3 : below(&g->r, 8);
		op->b = (uint8_t)(prot | d->as_proc << 4);
		if (k == MMF_OP_MADVISE) {
			static const uint8_t adv[] = { 4, 4, 4, 10, 11, 18, 19, 0, 1, 2, 3, 8, 16, 17, 20, 21 };
			op->a = (uint8_t)(below(&g->r, 8) ? adv[below(&g->r, sizeof(adv))] : below(&g->r, 32));
			op->b = (uint8_t)(d->as_proc << 4);
		}
		if (k == MMF_OP_MMAP) {
			static const uint8_t fl[] = { 0x02, 0x02, 0x02, 0x04, 0x20, 0x00, 0x12, 0x01 | 0x02 };
			op->a = (uint8_t)(below(&g->r, 8) ? fl[below(&g->r, sizeof(fl))] : below(&g->r, 64));
		}
		return 1;
	}
	case MMF_OP_FTRUNCATE:
		op->code = MMF_OP_FTRUNCATE;
		op->b = (uint8_t)(below(&g->r, 4) ? below(&g->r, 2) : below(&g->r, MMF_NFILES));
		op->arg = below(&g->r, 8) ? below(&g->r, 40) : below(&g->r, MMF_AS_WINDOW_PAGES + 1);
		return 1;
	case MMF_OP_MMAP_FILE:
	case MMF_OP_MMAP_PFN: {
		op->code = k == MMF_OP_MMAP_FILE ? MMF_OP_MMAP_FILE : MMF_OP_MMAP_PFN;
		uint32_t start = below(&g->r, 8) ? below(&g->r, g->as_span) : below(&g->r, MMF_AS_WINDOW_PAGES);
		uint32_t npages = below(&g->r, 8) ? 1 + below(&g->r, 8) : below(&g->r, 16) ? below(&g->r, 64) : below(&g->r, 4097);
		op->arg = start | npages << 16;
		g->last_map = start;
		unsigned prot = below(&g->r, 2) ? 3 : below(&g->r, 8);
		op->b = (uint8_t)(prot | d->as_proc << 4);
		/* shared or private, mostly FIXED so mappings meet; sometimes POPULATE */
		static const uint8_t fl[] = { 0x03, 0x03, 0x02, 0x02, 0x01, 0x00, 0x0b, 0x0a, 0x05 };
		unsigned flags = below(&g->r, 8) ? fl[below(&g->r, sizeof(fl))] : below(&g->r, 64);
		if (k == MMF_OP_MMAP_FILE)
			op->a = (uint8_t)(flags | (below(&g->r, 4) ? below(&g->r, 2) : below(&g->r, MMF_NFILES)) << 6);
		else
			op->a = (uint8_t)(flags | (below(&g->r, 8) ? 1 : 0)); /* the device wants MAP_SHARED */
		op->slot = (uint8_t)(below(&g->r, 4) ? below(&g->r, 8) : below(&g->r, 256));
		return 1;
	}
	case MMF_OP_MREMAP: {
		op->code = MMF_OP_MREMAP;
		uint32_t start = below(&g->r, 2) ? g->last_map : below(&g->r, 8) ? below(&g->r, g->as_span) : below(&g->r, MMF_AS_WINDOW_PAGES);
		uint32_t dest = below(&g->r, 2) ? below(&g->r, g->as_span * 2) : below(&g->r, MMF_AS_WINDOW_PAGES);
		op->arg = start | dest << 16;
		op->slot = (uint8_t)(below(&g->r, 8) ? 1 + below(&g->r, 8) : below(&g->r, 256));
		op->a = (uint8_t)(below(&g->r, 8) ? 1 + below(&g->r, 12) : below(&g->r, 256));
		static const uint8_t mf[] = { 1, 1, 0, 3, 3, 5, 1 };
		op->b = (uint8_t)((below(&g->r, 8) ? mf[below(&g->r, sizeof(mf))] : below(&g->r, 8)) | d->as_proc << 4);
		if ((op->b & 4) && below(&g->r, 4))
			op->a = op->slot; /* DONTUNMAP wants equal lengths */
		return 1;
	}
	case MMF_OP_BRK:
		op->code = MMF_OP_BRK;
		op->arg = 1024 + (below(&g->r, 8) ? below(&g->r, 32) : below(&g->r, MMF_AS_WINDOW_PAGES - 1024));
		op->b = (uint8_t)(d->as_proc << 4);
		return 1;
	default:
		return 0;
	}
}

/* Version 3's object family: sizes at and around the class edges (a block
 * that fills its class's whole usable size, and one byte past it); one
 * class filled with a run of allocations, then drained newest first, so
 * slabs fill and empty; realloc chains growing one object; calloc after
 * frees; writes to an object's last word. */
static uint32_t pick_size_v3(struct gen *g)
{
	static const uint32_t edges[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192 };
	if (below(&g->r, 2))
		return pick_size(&g->r);
	uint32_t e = edges[below(&g->r, sizeof(edges) / sizeof(edges[0]))];
	return e - 1 + below(&g->r, 3); /* one short, exactly, one over */
}

/* The kind a pattern under way wants next (0: none). */
static unsigned obj_pattern(struct gen *g, const unsigned *w)
{
	if (g->fill_left && w[MMF_OP_KMALLOC]) {
		if (--g->fill_left == 0)
			g->drain_left = below(&g->r, 4) ? g->nostack : 0;
		return MMF_OP_KMALLOC;
	}
	if (g->drain_left && w[MMF_OP_KFREE]) {
		g->drain_left--;
		return MMF_OP_KFREE;
	}
	if (g->onext_kind) {
		unsigned k = g->onext_kind;
		g->onext_kind = 0;
		if (w[k]) {
			g->onext_pending = 1;
			return k;
		}
	}
	if (g->calloc_next) { /* calloc after a free: the freed block, zeroed */
		g->calloc_next = 0;
		if (w[MMF_OP_CALLOC])
			return MMF_OP_CALLOC;
	}
	if (g->chain_left) {
		g->chain_left--;
		return w[MMF_OP_KREALLOC] ? MMF_OP_KREALLOC : w[MMF_OP_REALLOC] ? MMF_OP_REALLOC : 0;
	}
	return 0;
}

static void ostack_remove(struct gen *g, unsigned slot)
{
	for (unsigned i = 0; i < g->nostack; i++)
		if (g->ostack[i] == slot) {
			memmove(g->ostack + i, g->ostack + i + 1, --g->nostack - i);
			return;
		}
}

/* Reshapes an object op the version 2 way drew; starts patterns. */
static void shape_obj_v3_op(struct gen *g, struct draw *d, struct mmf_op *op)
{
	if (g->onext_pending && op->code != MMF_OP_OBJ_READ)
		d->slot = g->onext_slot; /* the object the queued op was for */
	switch (op->code) {
	case MMF_OP_MEMPOOL_ALLOC:
		/* freed and taken again: the free must refill the reserve the
		 * alloc emptied, or the second alloc shows it */
		if (!g->onext_pending && below(&g->r, 3) == 0)
			g->onext_kind = MMF_OP_MEMPOOL_FREE, g->onext_slot = (uint8_t)d->slot;
		break;
	case MMF_OP_MEMPOOL_FREE:
		if (g->onext_pending)
			g->onext_kind = MMF_OP_MEMPOOL_ALLOC, g->onext_slot = (uint8_t)d->slot;
		break;
	case MMF_OP_KMALLOC:
	case MMF_OP_CALLOC:
	case MMF_OP_MEMALIGN:
		if (op->code == MMF_OP_KMALLOC) {
			if (g->fill_size)
				op->arg = g->fill_size;
			else if (below(&g->r, 2))
				op->arg = pick_size_v3(g);
			if (!g->fill_left && !g->drain_left && below(&g->r, 16) == 0) { /* fill one class */
				g->fill_size = (uint32_t)op->arg;
				g->fill_left = 8 + below(&g->r, 40);
				g->nostack = 0;
			}
		}
		g->osize[d->slot] = op->code == MMF_OP_KMALLOC ? (uint32_t)op->arg : 64;
		ostack_remove(g, d->slot);
		if (g->nostack < MMF_NSLOTS)
			g->ostack[g->nostack++] = (uint8_t)d->slot;
		break;
	case MMF_OP_KFREE:
	case MMF_OP_CACHE_FREE:
		if (g->nostack && (g->drain_left || below(&g->r, 2)))
			d->slot = g->ostack[g->nostack - 1]; /* the newest: what empties a slab */
		if (!g->drain_left && !g->fill_left)
			g->fill_size = 0;
		ostack_remove(g, d->slot);
		if (op->code == MMF_OP_KFREE && !g->drain_left && below(&g->r, 3) == 0)
			g->calloc_next = 1;
		break;
	case MMF_OP_KREALLOC:
	case MMF_OP_REALLOC: {
		uint32_t was = g->osize[d->slot];
		if (g->chain_slot) {
			d->slot = g->chain_slot - 1;
			uint32_t grown = g->osize[d->slot] + 1 + below(&g->r, g->osize[d->slot] + 64);
			op->arg = op->code == MMF_OP_KREALLOC ? grown % 65536 : grown;
			if (!g->chain_left)
				g->chain_slot = 0;
		} else if (below(&g->r, 4) == 0) { /* a chain: the same object grown again and again */
			g->chain_slot = d->slot + 1;
			g->chain_left = 2 + below(&g->r, 6);
		}
		g->osize[d->slot] = (uint32_t)op->arg;
		if (was >= 8 && below(&g->r, 2)) { /* then the old last word: what the move had to copy */
			g->onext_kind = MMF_OP_OBJ_READ;
			g->onext_slot = (uint8_t)d->slot;
			g->onext_word = was / 8 - 1;
		}
		break;
	}
	case MMF_OP_OBJ_WRITE:
	case MMF_OP_OBJ_READ:
		if (g->onext_pending) { /* the queued read */
			d->slot = g->onext_slot;
			op->arg = g->onext_word;
		} else if (g->osize[d->slot] >= 8 && below(&g->r, 2)) {
			op->arg = g->osize[d->slot] / 8 - 1; /* the last whole word */
			if (op->code == MMF_OP_OBJ_WRITE && !g->chain_left && below(&g->r, 3) == 0)
				g->chain_slot = d->slot + 1, g->chain_left = 1; /* grown next: the copy must keep it */
		}
		break;
	default:
		break;
	}
}

/* ... and a queued op is one no longer. */
static void shape_obj_v3(struct gen *g, struct draw *d, struct mmf_op *op)
{
	shape_obj_v3_op(g, d, op);
	g->onext_pending = 0;
}

/* The profile, the seed and the swarm of families; the number of ops. */
static unsigned draw_header(struct rng *r, const struct mmf_gen_config *cfg, unsigned maxops, struct mmf_seq *out,
			    unsigned *pick)
{
	out->version = MMF_FORMAT_VERSION;
	/* The profiles of the adapter's user page size, in their order (the
	 * 4 KiB ones come first, so their draws are what they always were). */
	unsigned elig[256], nelig = 0, want = (cfg->flags & MMF_GEN_AS_8K) ? 13 : 12;
	for (unsigned i = 0; i < mmf_profile_count() && nelig < 256; i++)
		if (mmf_profile_as_shift(mmf_profile_get(i)) == want &&
		    (!mmf_profile_get(i)->flat || (cfg->flags & MMF_GEN_FLAT)))
			elig[nelig++] = i;
	out->profile = (uint8_t)(cfg->profile >= 0 ? (unsigned)cfg->profile : elig[below(r, nelig)]);
	if ((cfg->flags & MMF_GEN_NO_SOFT_DIRTY) && cfg->profile < 0)
		while (mmf_profile_get(out->profile)->soft_dirty) /* another draw, the same for every run */
			out->profile = (uint8_t)elig[below(r, nelig)];
	out->seed = (uint32_t)next(r);
	/* Swarm over families: the page family alone, objects alone, or both. */
	unsigned fams = cfg->families ? cfg->families : (1u << MMF_NR_FAMILIES) - 1;
	do
		*pick = 1 + below(r, (1u << MMF_NR_FAMILIES) - 1);
	while ((*pick & fams) == 0);
	*pick &= fams;
	if ((cfg->flags & MMF_GEN_AS_ALONE) && (*pick & (1u << MMF_FAM_AS)) && (*pick & ~(1u << MMF_FAM_AS)))
		*pick = below(r, 2) ? 1u << MMF_FAM_AS : *pick & ~(1u << MMF_FAM_AS);
	out->swarm = (uint16_t)(*pick == (1u << MMF_NR_FAMILIES) - 1 ? 0 : *pick);
	return below(r, 4) == 0 ? 1 + below(r, 16) : 1 + below(r, maxops);
}

/* Op kinds in code order; one of a family's kinds is left out of a
 * sequence now and then (swarm testing over kinds), except those the row
 * draws always. Kinds a version of the generator predates, and the
 * malloc-style ones without MMF_GEN_MALLOC, take no draw, so each
 * version's sequences stay what they were. Returns the weights' total. */
static unsigned draw_weights(struct gen *g, const struct mmf_gen_config *cfg, unsigned pick, unsigned *w)
{
	unsigned version = cfg->version && cfg->version < MMF_GEN_VERSION ? cfg->version : MMF_GEN_VERSION, total = 0;
	for (unsigned k = 1; k < MMF_NR_OPCODES; k++) {
		const struct mmf_opdesc *d = &mmf_optable[k];
		if (d->gen_since > version || (d->cap == MMF_CAP_MALLOC && !(cfg->flags & MMF_GEN_MALLOC)))
			continue;
		w[k] = ((pick >> d->family) & 1) && (d->gen_always || below(&g->r, 4)) ? d->gen_weight : 0;
		if (d->cap == MMF_CAP_CMA && !g->p->nr_cma)
			w[k] = 0; /* no CMA areas: the ops would all be refused */
		if (version >= 3 && d->family == MMF_FAM_AS && cfg->as_caps && (d->cap & ~cfg->as_caps))
			w[k] = 0; /* some system compared cannot run it: skipped for all */
		else if (d->family != MMF_FAM_AS && cfg->caps && (d->cap & ~cfg->caps))
			w[k] = 0; /* the oracle alone would run it */
		else if (((pick >> d->family) & 1) && !(d->cap == MMF_CAP_CMA && !g->p->nr_cma))
			g->ok[k] = 1;
		total += w[k];
	}
	return total;
}

/* Some sequences that mix pages with objects or vmalloc squeeze memory
 * with the largest blocks, so the object allocators run short: mempool
 * reserves, fallbacks and refusals get exercised. It leaves one block, or
 * (keep 0) none: the smaller blocks go too, a few of each order. */
static void squeeze(struct gen *g, unsigned keep, unsigned maxops, struct mmf_seq *out)
{
	unsigned blocks = g->p->end_pfn >> (MMF_MAX_ORDER - 1);
	for (unsigned b = 0; b + keep < blocks && b < 48 && out->nops < maxops; b++) {
		struct mmf_op op = { MMF_OP_ALLOC_PAGES, (uint8_t)(MMF_NSLOTS - 1 - b), MMF_MAX_ORDER - 1, 0, GFP_KERNEL };
		g->live[op.slot] = 1;
		if (mmf_op_canonical(&op, out->profile, out->swarm))
			out->ops[out->nops++] = op;
	}
	for (unsigned o = MMF_MAX_ORDER - 2; !keep && o >= 3 && out->nops < maxops; o--)
		for (unsigned b = 0; b < 3 && out->nops < maxops; b++) {
			struct mmf_op op = { MMF_OP_ALLOC_PAGES, (uint8_t)((o - 3) * 3 + b), (uint8_t)o, 0,
					     GFP_KERNEL }; /* slots 0-20, below the big blocks' */
			g->live[op.slot] = 1;
			if (mmf_op_canonical(&op, out->profile, out->swarm))
				out->ops[out->nops++] = op;
		}
}

static void put_op(struct mmf_op op, unsigned maxops, struct mmf_seq *out)
{
	if (out->nops < maxops && mmf_op_canonical(&op, out->profile, out->swarm))
		out->ops[out->nops++] = op;
}

/* A free slot of state[] (a random one when all are taken). */
static unsigned free_slot(struct gen *g, const uint8_t *state)
{
	unsigned s = below(&g->r, MMF_NSLOTS);
	for (unsigned i = 0; i < MMF_NSLOTS && state[s]; i++)
		s = (s + 1) % MMF_NSLOTS;
	return s;
}

/* Version 4: a mempool leaned on when memory is short. Created with
 * elements of a page or more (each its own slab or its own pages), memory
 * squeezed, more elements taken than the reserve holds (kmalloc fails:
 * the reserve serves, newest first, then refuses), some given back (they
 * refill the reserve, not the allocator), kmalloc tried again (it must
 * still fail), the pool taken from again, destroyed (what its reserve
 * held goes back), and large blocks asked for (they exist only where the
 * right elements went back). */
static void pool_scenario(struct gen *g, unsigned maxops, struct mmf_seq *out)
{
	static const uint32_t sizes[] = { 2048, 4096, 8192, 12288, 16384, 32768 };
	unsigned pool = below(&g->r, MMF_NPOOLS), m = 2 + below(&g->r, 5), cpu = below(&g->r, g->p->nr_cpus);
	uint32_t size = sizes[below(&g->r, sizeof(sizes) / sizeof(sizes[0]))];
	uint8_t slots[16];
	put_op((struct mmf_op){ MMF_OP_MEMPOOL_CREATE, (uint8_t)pool, (uint8_t)m, (uint8_t)cpu, size }, maxops, out);
	g->plive[pool] = 1;
	if (g->ok[MMF_OP_ALLOC_PAGES])
		squeeze(g, below(&g->r, 2), maxops, out);
	unsigned taken = m + 1 + below(&g->r, 3);
	for (unsigned i = 0; i < taken && i < 16; i++) {
		slots[i] = (uint8_t)free_slot(g, g->olive);
		g->olive[slots[i]] = g->frompool[slots[i]] = 1;
		put_op((struct mmf_op){ MMF_OP_MEMPOOL_ALLOC, slots[i], (uint8_t)pool, (uint8_t)cpu, 2 + below(&g->r, 2) },
		       maxops, out);
	}
	unsigned back = 1 + below(&g->r, m);
	for (unsigned i = 0; i < back; i++) {
		unsigned j = below(&g->r, 2) ? i : taken - 1 - i;
		g->olive[slots[j]] = g->frompool[slots[j]] = 0;
		put_op((struct mmf_op){ MMF_OP_MEMPOOL_FREE, slots[j], 0, (uint8_t)cpu, 0 }, maxops, out);
	}
	if (g->ok[MMF_OP_KMALLOC])
		for (unsigned i = 0; i < 2; i++) {
			unsigned s = free_slot(g, g->olive);
			g->olive[s] = 1;
			put_op((struct mmf_op){ MMF_OP_KMALLOC, (uint8_t)s, 3, (uint8_t)cpu, size }, maxops, out);
		}
	unsigned s = free_slot(g, g->olive);
	g->olive[s] = g->frompool[s] = 1;
	put_op((struct mmf_op){ MMF_OP_MEMPOOL_ALLOC, (uint8_t)s, (uint8_t)pool, (uint8_t)cpu, 3 }, maxops, out);
	if (g->ok[MMF_OP_MEMPOOL_DESTROY] && below(&g->r, 2)) {
		put_op((struct mmf_op){ MMF_OP_MEMPOOL_DESTROY, (uint8_t)pool, 0, (uint8_t)cpu, 0 }, maxops, out);
		g->plive[pool] = 0;
	}
	if (g->ok[MMF_OP_ALLOC_PAGES])
		for (unsigned o = 0; o < 4; o++) {
			unsigned ps = free_slot(g, g->live);
			g->live[ps] = 1;
			put_op((struct mmf_op){ MMF_OP_ALLOC_PAGES, (uint8_t)ps, (uint8_t)(1 + o), 0, GFP_KERNEL }, maxops, out);
		}
}

/* Version 4: slabs emptied when memory is short. Memory squeezed, one
 * large class filled (each object a slab of its own or a few to a slab,
 * as the fallback order gives), every object freed newest first (the
 * empty slabs beyond min_partial go back to the buddy allocator), then
 * blocks of the slabs' orders asked for: they exist only where the slabs
 * went back. */
static void slab_scenario(struct gen *g, unsigned maxops, struct mmf_seq *out)
{
	unsigned cpu = below(&g->r, g->p->nr_cpus), n = 24 + below(&g->r, 40), at = 0;
	uint32_t size = below(&g->r, 2) ? 8192 : 4096;
	uint8_t slots[MMF_NSLOTS];
	squeeze(g, 0, maxops, out);
	for (unsigned i = 0; i < n; i++) {
		unsigned s = free_slot(g, g->olive);
		if (g->olive[s])
			break;
		g->olive[s] = 1;
		g->osize[s] = size;
		slots[at++] = (uint8_t)s;
		put_op((struct mmf_op){ MMF_OP_KMALLOC, (uint8_t)s, 0, (uint8_t)cpu, size }, maxops, out);
	}
	while (at) {
		unsigned s = slots[--at];
		g->olive[s] = 0;
		put_op((struct mmf_op){ MMF_OP_KFREE, (uint8_t)s, 0, (uint8_t)cpu, 0 }, maxops, out);
	}
	for (unsigned o = 0; o < 8; o++) {
		unsigned ps = free_slot(g, g->live);
		g->live[ps] = 1;
		put_op((struct mmf_op){ MMF_OP_ALLOC_PAGES, (uint8_t)ps, (uint8_t)(o & 3), 0, GFP_KERNEL }, maxops, out);
	}
}

/* Version 4: blocks written to the last page, freed, and asked for again
 * zeroed (the same blocks come back first): every page must read zero. */
static void zero_scenario(struct gen *g, unsigned maxops, struct mmf_seq *out)
{
	unsigned cpu = below(&g->r, g->p->nr_cpus);
	for (unsigned o = 1 + below(&g->r, 2); o <= 3; o++) {
		unsigned s = free_slot(g, g->live), last = (1u << o) - 1;
		if (g->live[s])
			return;
		uint32_t gfp = pick_gfp(&g->r);
		put_op((struct mmf_op){ MMF_OP_ALLOC_PAGES, (uint8_t)s, (uint8_t)o, (uint8_t)cpu, gfp }, maxops, out);
		put_op((struct mmf_op){ MMF_OP_WRITE_PAGE, (uint8_t)s, (uint8_t)next(&g->r), 0, last }, maxops, out);
		put_op((struct mmf_op){ MMF_OP_WRITE_PAGE, (uint8_t)s, (uint8_t)next(&g->r), 0, below(&g->r, last) },
		       maxops, out);
		put_op((struct mmf_op){ MMF_OP_FREE_PAGES, (uint8_t)s, 0, (uint8_t)cpu, 0 }, maxops, out);
		put_op((struct mmf_op){ MMF_OP_ALLOC_PAGES, (uint8_t)s, (uint8_t)o, (uint8_t)cpu,
					mmf_gfp_canonical(gfp | __GFP_ZERO) },
		       maxops, out);
		g->live[s] = 1;
		put_op((struct mmf_op){ MMF_OP_READ_PAGE, (uint8_t)s, 0, 0, last }, maxops, out);
	}
}

/* Version 4: a CMA area taken back from its borrowers. Movable blocks
 * allocated (after a squeeze, now and then, so they land in the areas),
 * each written, some pinned by a second user, then cma_alloc over an area
 * (what is borrowed must move, with its contents; a pinned block cannot),
 * every block read back, the range released. */
static void cma_scenario(struct gen *g, unsigned maxops, struct mmf_seq *out)
{
	unsigned cpu = below(&g->r, g->p->nr_cpus), n = 8 + below(&g->r, 24), at = 0;
	uint8_t slots[MMF_NSLOTS];
	if (below(&g->r, 2))
		squeeze(g, 1, maxops, out);
	for (unsigned i = 0; i < n; i++) {
		unsigned s = free_slot(g, g->live);
		if (g->live[s])
			break;
		g->live[s] = 1;
		slots[at++] = (uint8_t)s;
		put_op((struct mmf_op){ MMF_OP_ALLOC_PAGES, (uint8_t)s, (uint8_t)below(&g->r, 3), (uint8_t)cpu,
					GFP_HIGHUSER_MOVABLE },
		       maxops, out);
		put_op((struct mmf_op){ MMF_OP_WRITE_PAGE, (uint8_t)s, (uint8_t)next(&g->r), 0, below(&g->r, 4) }, maxops,
		       out);
	}
	if (!at)
		return;
	if (g->ok[MMF_OP_PIN_PAGE])
		for (unsigned i = below(&g->r, 3); i > 0; i--)
			put_op((struct mmf_op){ MMF_OP_PIN_PAGE, slots[below(&g->r, at)], 0, 0, 0 }, maxops, out);
	unsigned c = free_slot(g, g->cmalive);
	g->cmalive[c] = 1;
	put_op((struct mmf_op){ MMF_OP_CMA_ALLOC, (uint8_t)c, (uint8_t)below(&g->r, g->p->nr_cma), (uint8_t)cpu,
				below(&g->r, 2) ? 64 + below(&g->r, 448) : 1 + below(&g->r, 64) },
	       maxops, out);
	for (unsigned i = 0; i < at; i++)
		put_op((struct mmf_op){ MMF_OP_READ_PAGE, slots[i], 0, 0, below(&g->r, 4) }, maxops, out);
	if (g->ok[MMF_OP_CMA_RELEASE] && below(&g->r, 2)) {
		g->cmalive[c] = 0;
		put_op((struct mmf_op){ MMF_OP_CMA_RELEASE, (uint8_t)c, 0, 0, 0 }, maxops, out);
	}
}

/* The per-op draws: a slot in the state the op wants (mostly), the cpu
 * (biased), a node, a cache, and a process that exists (mostly). */
static void draw_common(struct gen *g, unsigned k, int one_cpu, unsigned cpu_bias, struct draw *d)
{
	unsigned fam = mmf_optable[k].family;
	const uint8_t *state = k == MMF_OP_CMA_ALLOC || k == MMF_OP_CMA_RELEASE ? g->cmalive
			       : fam == MMF_FAM_VMALLOC			       ? g->vlive
			       : fam != MMF_FAM_PAGE			       ? g->olive
									       : g->live;
	d->slot = below(&g->r, MMF_NSLOTS);
	for (unsigned tries = 0; tries < 8 && wants_live(k) >= 0; tries++) {
		if (state[d->slot] == wants_live(k))
			break;
		d->slot = below(&g->r, MMF_NSLOTS);
	}
	d->cpu = one_cpu || below(&g->r, 3) ? cpu_bias : below(&g->r, g->p->nr_cpus);
	d->node = below(&g->r, g->p->nr_nodes);
	d->cache = below(&g->r, MMF_NCACHES);
	d->as_proc = below(&g->r, MMF_NPROCS);
	for (unsigned tries = 0; tries < 8 && !((g->proc_live >> d->as_proc) & 1); tries++)
		d->as_proc = below(&g->r, MMF_NPROCS);
}

unsigned mmf_gen_profile(uint64_t seed, const struct mmf_gen_config *cfg)
{
	static struct mmf_seq head; /* draw_header writes its header only */
	struct rng r = { 0 };
	unsigned pick;
	r.s = seed;
	draw_header(&r, cfg, cfg->max_ops ? cfg->max_ops : 200, &head, &pick);
	return head.profile;
}

void mmf_gen_sequence(uint64_t seed, const struct mmf_gen_config *cfg, struct mmf_seq *out)
{
	static struct gen g;
	memset(&g, 0, offsetof(struct gen, sh)); /* the shadow resets itself, when used */
	g.r.s = seed;
	g.version = cfg->version && cfg->version < MMF_GEN_VERSION ? cfg->version : MMF_GEN_VERSION;
	unsigned maxops = cfg->max_ops ? cfg->max_ops : 200, pick, w[MMF_NR_OPCODES] = { 0 };
	if (maxops > MMF_MAX_OPS)
		maxops = MMF_MAX_OPS;
	unsigned n = draw_header(&g.r, cfg, maxops, out, &pick);
	g.p = mmf_profile_get(out->profile);
	unsigned total = draw_weights(&g, cfg, pick, w);
	g.w = w;
	/* Version 3: one sequence in eight is long (hundreds to thousands of
	 * ops, as --max-ops allows), for bugs that need many ops. */
	if (g.version >= 3 && maxops > 256 && below(&g.r, 8) == 0)
		n = 256 + below(&g.r, maxops - 255);
	unsigned cap = g.version >= 3 ? maxops : MMF_MAX_OPS, run_left = 0, run_exact = 0, run_len = 0;
	if (g.version >= 3) { /* forks, three times as often: COW, rmap and fork's own rules need them */
		total += 2 * w[MMF_OP_FORK];
		w[MMF_OP_FORK] *= 3;
	}
	struct mmf_op run_op = { 0 };
	/* Bursty sequences repeat the previous kind of op, which is how a
	 * pcp list fills to its high mark or a zone runs dry. */
	unsigned burst = below(&g.r, 3) == 0 ? 2 + below(&g.r, 14) : 0;
	unsigned k = MMF_OP_ALLOC_PAGES;
	g.movable_bias = g.p->nr_cma && below(&g.r, 2);
	unsigned cpu_bias = below(&g.r, g.p->nr_cpus);
	/* Some sequences stay on one cpu with order-0 pages only: the pcp
	 * lists' own workload. */
	int one_cpu = below(&g.r, 3) == 0;
	g.max_order = below(&g.r, 4) == 0 ? 0 : MMF_MAX_ORDER - 1;
	g.fav_size = pick_size(&g.r);
	g.as_span = 16u << below(&g.r, 4);
	g.proc_live = 1;
	int shadow = g.version >= 3 && (pick >> MMF_FAM_AS) & 1;
	if (shadow) {
		mmf_gen_as_begin(&g);
		g.sh.errors = cfg->errors ? cfg->errors - 1 : MMF_GEN_ERRORS_DEFAULT;
		g.sh.as_caps = cfg->as_caps;
	}
	out->nops = 0;
	/* The squeeze comes first, or after a few ops (so pools exist and hold
	 * their reserves when memory runs out). */
	int squeezing = (pick & 1u) && (pick & 6u) && below(&g.r, 2) == 0;
	unsigned squeeze_at = squeezing && below(&g.r, 2) ? below(&g.r, n / 2 + 1) : 0, squeeze_keep = below(&g.r, 2);
	/* version 4: one sequence in four with pools leans on one */
	unsigned pool_at = ~0u, slab_at = ~0u, cma_at = ~0u, zero_at = ~0u;
	if (g.version >= 4 && g.ok[MMF_OP_MEMPOOL_CREATE] && g.ok[MMF_OP_MEMPOOL_ALLOC] && g.ok[MMF_OP_MEMPOOL_FREE] &&
	    below(&g.r, 4) == 0)
		pool_at = below(&g.r, n / 2 + 1);
	if (g.version >= 4 && g.ok[MMF_OP_KMALLOC] && g.ok[MMF_OP_KFREE] && g.ok[MMF_OP_ALLOC_PAGES] &&
	    below(&g.r, 4) == 0)
		slab_at = below(&g.r, n / 2 + 1);
	if (g.version >= 4 && g.p->nr_cma && g.ok[MMF_OP_CMA_ALLOC] && g.ok[MMF_OP_ALLOC_PAGES] && below(&g.r, 3) == 0)
		cma_at = below(&g.r, n / 2 + 1);
	if (g.version >= 4 && g.ok[MMF_OP_ALLOC_PAGES] && g.ok[MMF_OP_FREE_PAGES] && g.ok[MMF_OP_WRITE_PAGE] &&
	    g.ok[MMF_OP_READ_PAGE] && below(&g.r, 4) == 0)
		zero_at = below(&g.r, n / 2 + 1);
	/* version 6: one sequence in twelve fills the machine (swap, reclaim,
	 * the OOM killer), where every system compared can be under pressure
	 * and three processes' windows hold more than the machine has */
	unsigned pressure_at = ~0u;
	if (g.version >= 6 && shadow && g.ok[MMF_OP_KSWAPD] && g.ok[MMF_OP_MMAP] && g.ok[MMF_OP_MEM_WRITE] &&
	    g.ok[MMF_OP_MEM_READ] && g.ok[MMF_OP_FORK] && mmf_gen_pressure_fits(&g) && below(&g.r, 12) == 0)
		pressure_at = below(&g.r, n / 2 + 1);
	/* and where the system can swap but has no reclaim op, one in eight
	 * sends pages to swap by hand */
	unsigned swap_at = ~0u;
	if (g.version >= 6 && shadow && !g.ok[MMF_OP_KSWAPD] && g.ok[MMF_OP_SWAPON] && g.ok[MMF_OP_SWAPOFF] &&
	    g.ok[MMF_OP_MMAP] && g.ok[MMF_OP_MADVISE] && g.ok[MMF_OP_MINCORE] && g.ok[MMF_OP_MEM_WRITE] &&
	    g.ok[MMF_OP_MEM_READ] && g.ok[MMF_OP_PROC_REPORT] && g.ok[MMF_OP_MUNMAP] && below(&g.r, 8) == 0)
		swap_at = below(&g.r, n / 2 + 1);
	/* version 7: one in six builds a hugetlb pool and maps it */
	unsigned huge_at = ~0u;
	if (g.version >= 7 && shadow && g.ok[MMF_OP_MMAP_HUGE] && g.ok[MMF_OP_HUGETLB_POOL] && g.ok[MMF_OP_MEM_WRITE] &&
	    g.ok[MMF_OP_MEM_READ] && g.ok[MMF_OP_PROC_REPORT] && g.ok[MMF_OP_MUNMAP] && g.ok[MMF_OP_MADVISE] &&
	    g.ok[MMF_OP_MPROTECT] && g.ok[MMF_OP_MREMAP] && g.ok[MMF_OP_MINCORE] && below(&g.r, 6) == 0)
		huge_at = below(&g.r, n / 2 + 1);
	/* version 8: one in six (of the profiles of 4 KiB pages) builds THPs */
	unsigned thp_at = ~0u;
	if (g.version >= 8 && shadow && mmf_profile_as_shift(g.p) == 12 && g.ok[MMF_OP_MMAP] && g.ok[MMF_OP_MEM_WRITE] &&
	    g.ok[MMF_OP_MEM_READ] && g.ok[MMF_OP_PROC_REPORT] && g.ok[MMF_OP_MUNMAP] && g.ok[MMF_OP_MADVISE] &&
	    g.ok[MMF_OP_MPROTECT] && g.ok[MMF_OP_MREMAP] && g.ok[MMF_OP_MINCORE] && below(&g.r, 6) == 0)
		thp_at = below(&g.r, n / 2 + 1);
	for (unsigned i = 0; i < n; i++) {
		if (i == thp_at)
			mmf_gen_as_thp_trip(&g, cap, out);
		if (i == huge_at)
			mmf_gen_as_huge_trip(&g, cap, out);
		if (i == pressure_at)
			mmf_gen_as_pressure(&g, cap, out);
		if (i == swap_at)
			mmf_gen_as_swap_trip(&g, cap, out);
		if (squeezing && i == squeeze_at)
			squeeze(&g, squeeze_keep, maxops, out);
		if (i == pool_at)
			pool_scenario(&g, maxops, out);
		if (i == slab_at)
			slab_scenario(&g, maxops, out);
		if (i == cma_at)
			cma_scenario(&g, maxops, out);
		if (i == zero_at)
			zero_scenario(&g, maxops, out);
		if (run_left && run_exact) { /* a run: the same op again */
			run_left--;
			if (out->nops < cap)
				out->ops[out->nops++] = run_op;
			continue;
		}
		unsigned queued = 0, qproc = 0, as_queued = 0;
		if (run_left) { /* a run of one kind, each op its own slot */
			run_left--, k = queued = run_op.code;
			if (!run_left && k == MMF_OP_ALLOC_PAGES && w[MMF_OP_FREE_PAGES] && below(&g.r, 4))
				run_left = run_len, run_op.code = MMF_OP_FREE_PAGES; /* then drained */
		}
		if (shadow && !queued) { /* what the last ops asked to follow them */
			queued = mmf_gen_as_queued(&g, &qproc);
			if (queued && (g.version >= 4 ? g.ok[queued] : w[queued]))
				k = as_queued = queued;
			else if (queued && g.version >= 4)
				queued = 0, g.sh.hint = GEN_NO_HINT, g.sh.arg = 0; /* its hint is no other op's */
			else
				queued = 0;
		}
		if (!queued && g.version >= 3 && (queued = obj_pattern(&g, w)))
			k = queued;
		if (!queued && (!burst || below(&g.r, burst) == 0)) {
			unsigned x = below(&g.r, total);
			k = 1;
			while (x >= w[k])
				x -= w[k++];
		}
		struct mmf_op op = { 0 };
		struct draw d;
		draw_common(&g, k, one_cpu, cpu_bias, &d);
		if (shadow && mmf_optable[k].family == MMF_FAM_AS) {
			g.sh.dequeued = as_queued != 0;
			if (!mmf_gen_as_shape(&g, k, queued ? qproc : mmf_gen_as_proc(&g), &op))
				continue;
			d.slot = op.slot;
		} else if (!shape_page(&g, k, &d, &op) && !shape_obj(&g, k, &d, &op) && !shape_obj_pools(&g, k, &d, &op) &&
		    !shape_vmalloc(&g, k, &d, &op) && !shape_as(&g, k, &d, &op) && !shape_as_procs(&g, k, &d, &op)) {
			/* rows the generator shapes by field kind */
			op.code = (uint8_t)k;
			shape_fields(&g.r, &op, out->profile, d.as_proc, g.as_span, g.last_map);
			d.slot = op.slot;
		}
		if (g.version >= 3 && mmf_optable[k].family == MMF_FAM_OBJ)
			shape_obj_v3(&g, &d, &op);
		if (queued && k == MMF_OP_ALLOC_PAGES && run_op.code == MMF_OP_ALLOC_PAGES)
			op.a = run_op.a, op.arg = run_op.arg; /* one order (and mask) filled */
		op.slot = (uint8_t)d.slot;
		if (out->nops < cap && mmf_op_canonical(&op, out->profile, out->swarm)) {
			out->ops[out->nops++] = op;
			/* Version 3: now and then a run of it, dozens of times:
			 * the op itself where it names no slot (an access, a
			 * report), the kind where each wants its own (a class or
			 * an order filled) */
			if (g.version >= 3 && !run_left && below(&g.r, 64) == 0) {
				unsigned fam = mmf_optable[k].family;
				run_exact = fam == MMF_FAM_AS || mmf_optable[k].gen_slots == GEN_ANY;
				if (fam != MMF_FAM_AS || k == MMF_OP_MEM_READ || k == MMF_OP_MEM_WRITE || k == MMF_OP_MADVISE ||
				    k == MMF_OP_MPROTECT || k == MMF_OP_PROC_REPORT || k == MMF_OP_MINCORE)
					run_left = run_len = 4 + below(&g.r, 60);
				run_op = op;
			}
		}
	}
}
