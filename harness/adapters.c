/* The built-in adapters, and the checks any adapter table must pass. */
#include <stdio.h>
#include <string.h>

#include "mmfuzz/adapter.h"
#include "mmfuzz/kernel.h"

static const struct mmf_adapter *(*const builtins[])(void) = {
	mmf_adapter_reference,
	mmf_adapter_simple,
};

#define NR_BUILTINS (sizeof(builtins) / sizeof(builtins[0]))

unsigned mmf_builtin_adapter_count(void) { return NR_BUILTINS; }

const struct mmf_adapter *mmf_builtin_adapter(unsigned i)
{
	return i < NR_BUILTINS ? builtins[i]() : NULL;
}

const struct mmf_adapter *mmf_adapter_find(const char *name)
{
	for (unsigned i = 0; i < NR_BUILTINS; i++)
		if (strcmp(builtins[i]()->name, name) == 0)
			return builtins[i]();
	return NULL;
}

int mmf_adapter_validate(const struct mmf_adapter *ad, char *err, size_t cap)
{
	if (!ad) {
		snprintf(err, cap, "no adapter table");
		return -1;
	}
	if (ad->abi_version != MMF_ADAPTER_ABI_VERSION) {
		snprintf(err, cap, "adapter ABI version %u, this mmfuzz speaks %d", ad->abi_version,
			 MMF_ADAPTER_ABI_VERSION);
		return -1;
	}
	size_t need_size = (ad->caps & (MMF_CAP_AS_CALL | MMF_CAP_MLOCKALL)) ? MMF_ADAPTER_SIZE_AS_CALL
			   : (ad->caps & MMF_CAP_MALLOC)       ? MMF_ADAPTER_SIZE_MALLOC
			   : (ad->caps & MMF_CAP_SOFT_DIRTY) ? MMF_ADAPTER_SIZE_SOFT_DIRTY
			   : (ad->caps & MMF_CAP_AS_PFN)   ? MMF_ADAPTER_SIZE_AS_PFN
			   : (ad->caps & MMF_CAP_AS_FILE)  ? MMF_ADAPTER_SIZE_AS_FILE
			   : (ad->caps & MMF_CAP_AS)       ? MMF_ADAPTER_SIZE_AS
			   : (ad->caps & MMF_CAP_CMA)      ? MMF_ADAPTER_SIZE_CMA
							   : MMF_ADAPTER_SIZE_BASE;
	if (ad->size < need_size) {
		snprintf(err, cap, "adapter table is %u bytes, ABI %d with these capabilities needs %zu", ad->size,
			 MMF_ADAPTER_ABI_VERSION, need_size);
		return -1;
	}
	if (!ad->name || !*ad->name || strlen(ad->name) > 24 ||
	    strspn(ad->name, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(ad->name)) {
		snprintf(err, cap, "adapter name must be 1-24 characters of [a-z0-9_]");
		return -1;
	}
	if (!ad->create || !ad->destroy || !ad->reset) {
		snprintf(err, cap, "adapter %s lacks create, destroy or reset", ad->name);
		return -1;
	}
	const char *kernel = mmf_adapter_kernel(ad);
	struct mmf_kernel k;
	char why[160];
	mmf_kernel_defaults(NULL, &k);
	if (kernel && mmf_kernel_parse(kernel, &k, why, sizeof(why))) {
		snprintf(err, cap, "adapter %s declares its kernel wrongly: %s", ad->name, why);
		return -1;
	}
	struct {
		uint64_t cap;
		const void *fn;
		const char *what;
	} need[] = {
		{ MMF_CAP_PAGE_ALLOC, (const void *)ad->alloc_pages, "alloc_pages" },
		{ MMF_CAP_PAGE_ALLOC, (const void *)ad->free_pages, "free_pages" },
		{ MMF_CAP_PAGE_CONTENTS, (const void *)ad->write_page, "write_page" },
		{ MMF_CAP_PAGE_CONTENTS, (const void *)ad->read_page, "read_page" },
		{ MMF_CAP_PCP, (const void *)ad->drain_pcp, "drain_pcp" },
		{ MMF_CAP_REPORTS, (const void *)ad->report, "report" },
		{ MMF_CAP_CHECK, (const void *)ad->check, "check" },
		{ MMF_CAP_KMALLOC, (const void *)ad->kmalloc, "kmalloc" },
		{ MMF_CAP_KMALLOC, (const void *)ad->kfree, "kfree" },
		{ MMF_CAP_KMALLOC, (const void *)ad->krealloc, "krealloc" },
		{ MMF_CAP_KMALLOC, (const void *)ad->ksize, "ksize" },
		{ MMF_CAP_OBJ_CONTENTS, (const void *)ad->obj_write, "obj_write" },
		{ MMF_CAP_OBJ_CONTENTS, (const void *)ad->obj_read, "obj_read" },
		{ MMF_CAP_KMEM_CACHE, (const void *)ad->cache_create, "cache_create" },
		{ MMF_CAP_KMEM_CACHE, (const void *)ad->cache_destroy, "cache_destroy" },
		{ MMF_CAP_KMEM_CACHE, (const void *)ad->cache_alloc, "cache_alloc" },
		{ MMF_CAP_KMEM_CACHE, (const void *)ad->cache_free, "cache_free" },
		{ MMF_CAP_VMALLOC, (const void *)ad->vmalloc, "vmalloc" },
		{ MMF_CAP_VMALLOC, (const void *)ad->vfree, "vfree" },
		{ MMF_CAP_VMALLOC, (const void *)ad->vmalloc_to_pfn, "vmalloc_to_pfn" },
		{ MMF_CAP_VMALLOC, (const void *)ad->vmem_write, "vmem_write" },
		{ MMF_CAP_VMALLOC, (const void *)ad->vmem_read, "vmem_read" },
		{ MMF_CAP_MEMPOOL, (const void *)ad->pool_create, "pool_create" },
		{ MMF_CAP_MEMPOOL, (const void *)ad->pool_destroy, "pool_destroy" },
		{ MMF_CAP_MEMPOOL, (const void *)ad->pool_alloc, "pool_alloc" },
		{ MMF_CAP_MEMPOOL, (const void *)ad->pool_free, "pool_free" },
		{ MMF_CAP_CMA, (const void *)ad->cma_alloc, "cma_alloc" },
		{ MMF_CAP_CMA, (const void *)ad->cma_release, "cma_release" },
		{ MMF_CAP_CMA, (const void *)ad->pin_page, "pin_page" },
		{ MMF_CAP_CMA, (const void *)ad->unpin_page, "unpin_page" },
		{ MMF_CAP_CMA, (const void *)ad->moved, "moved" },
		{ MMF_CAP_AS, (const void *)ad->mmap, "mmap" },
		{ MMF_CAP_AS, (const void *)ad->munmap, "munmap" },
		{ MMF_CAP_AS, (const void *)ad->mprotect, "mprotect" },
		{ MMF_CAP_AS, (const void *)ad->proc_report, "proc_report" },
		{ MMF_CAP_AS, (const void *)ad->mem_access, "mem_access" },
		{ MMF_CAP_AS, (const void *)ad->proc_fork, "proc_fork" },
		{ MMF_CAP_AS, (const void *)ad->proc_exit, "proc_exit" },
		{ MMF_CAP_AS, (const void *)ad->madvise, "madvise" },
		{ MMF_CAP_AS, (const void *)ad->brk, "brk" },
		{ MMF_CAP_AS, (const void *)ad->mremap, "mremap" },
		{ MMF_CAP_AS, (const void *)ad->rmap, "rmap" },
		{ MMF_CAP_AS_FILE, (const void *)ad->ftruncate, "ftruncate" },
		{ MMF_CAP_AS_FILE, (const void *)ad->mmap_file, "mmap_file" },
		{ MMF_CAP_AS_PFN, (const void *)ad->mmap_pfn, "mmap_pfn" },
		{ MMF_CAP_SOFT_DIRTY, (const void *)ad->clear_refs, "clear_refs" },
		{ MMF_CAP_MALLOC, (const void *)ad->calloc, "calloc" },
		{ MMF_CAP_MALLOC, (const void *)ad->memalign, "memalign" },
		{ MMF_CAP_MALLOC, (const void *)ad->kmalloc, "kmalloc" },
		{ MMF_CAP_AS_CALL | MMF_CAP_MLOCKALL, ad->size >= MMF_ADAPTER_SIZE_AS_CALL ? (const void *)ad->as_call : NULL,
		  "as_call" },
	};
	for (unsigned i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if ((ad->caps & need[i].cap) && !need[i].fn) {
			snprintf(err, cap, "adapter %s declares the capability for %s but has no %s entry",
				 ad->name, need[i].what, need[i].what);
			return -1;
		}
	for (unsigned f = 0; f < MMF_NR_FAMILIES; f++) {
		if (ad->level[f] > MMF_LEVEL_EXACT) {
			snprintf(err, cap, "adapter %s: bad comparison level %u", ad->name, ad->level[f]);
			return -1;
		}
	}
	/* A mutant's name becomes a folder under --out and a word in the
	 * reproducer's replay line: it must be safe as both. */
	for (unsigned i = 0; i < ad->nr_mutants; i++) {
		const char *m = ad->mutants ? ad->mutants[i].name : NULL;
		if (!m || !*m || strlen(m) > 40 || strspn(m, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(m)) {
			snprintf(err, cap, "adapter %s: mutant %u's name must be 1-40 characters of [a-z0-9_]", ad->name,
				 i);
			return -1;
		}
	}
	const char *const *known = ad->size >= MMF_ADAPTER_SIZE_KNOWN ? ad->known : NULL;
	for (unsigned i = 0; known && known[i]; i++) {
		const char *colon = strchr(known[i], ':'), *dash = strchr(known[i], '-');
		if (i >= MMF_MAX_KNOWN || !colon || !dash || dash > colon || !colon[1]) {
			snprintf(err, cap, "adapter %s: known difference %u must read \"op-check: reason\" (at most %d)",
				 ad->name, i, MMF_MAX_KNOWN);
			return -1;
		}
	}
	if (ad->level[MMF_FAM_PAGE] != MMF_LEVEL_NONE && !(ad->caps & MMF_CAP_PAGE_ALLOC)) {
		snprintf(err, cap, "adapter %s is compared on the page family but lacks MMF_CAP_PAGE_ALLOC",
			 ad->name);
		return -1;
	}
	return 0;
}

const char *mmf_result_name(enum mmf_result r)
{
	switch (r) {
	case MMF_OK: return "ok";
	case MMF_REFUSED: return "refused";
	case MMF_UNSUPPORTED: return "unsupported";
	case MMF_CORRUPT: return "corrupt";
	}
	return "?";
}

const char *mmf_level_name(enum mmf_level l)
{
	switch (l) {
	case MMF_LEVEL_NONE: return "none";
	case MMF_LEVEL_SAFETY: return "safety";
	case MMF_LEVEL_SEMANTIC: return "semantic";
	case MMF_LEVEL_EXACT: return "exact";
	}
	return "?";
}
