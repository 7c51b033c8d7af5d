/* The adapter ABI: how mmfuzz drives a system under test.
 *
 * An adapter is a const table of operations plus capability bits. The
 * harness creates one context per machine profile, resets it before every
 * sequence and calls one table entry per op. Every entry returns an
 * enum mmf_result; "refused" (the contract allows a no) and "unsupported"
 * (the adapter cannot do this op) are never bugs by themselves, but an op
 * whose capability bit is set must not answer "unsupported".
 *
 * A shared-object adapter exports one symbol, MMF_ADAPTER_ENTRY, returning
 * its table; the harness refuses a table whose abi_version it does not
 * know or whose size is smaller than the fields its capabilities need.
 * New entries are only ever appended, behind a new capability bit. */
#ifndef MMFUZZ_ADAPTER_H
#define MMFUZZ_ADAPTER_H
#if defined(MMF_LAYER_ORACLE)
#error "the oracle (reference/) does not include the adapter ABI or the harness: mmfuzz/result.h, profile.h, kernel.h, gfp.h and ops.h are its vocabulary"
#endif

#include <stddef.h>
#include <stdint.h>

#include "mmfuzz/ops.h"
#include "mmfuzz/profile.h"
#include "mmfuzz/result.h"

#define MMF_ADAPTER_ABI_VERSION 1 /* entries appended since: object family */
#define MMF_ADAPTER_ENTRY "mmf_adapter_entry"

/* The level at which a family of an adapter is compared with the oracle. */
enum mmf_level {
	MMF_LEVEL_NONE,     /* family not driven */
	MMF_LEVEL_SAFETY,   /* no crash, memory in bounds/aligned/disjoint, contents kept */
	MMF_LEVEL_SEMANTIC, /* plus the same results as the oracle */
	MMF_LEVEL_EXACT,    /* plus the same frame numbers and reports */
};

/* Capability bits. */
#define MMF_CAP_NONE 0u /* an op (mmfuzz/ops.def) that needs nothing of its own */
#define MMF_CAP_PAGE_ALLOC (1u << 0)    /* alloc_pages, free_pages */
#define MMF_CAP_PAGE_CONTENTS (1u << 1) /* write_page, read_page */
#define MMF_CAP_PCP (1u << 2)           /* drain_pcp */
#define MMF_CAP_REPORTS (1u << 3)       /* report: buddyinfo, zoneinfo, vmstat */
#define MMF_CAP_CHECK (1u << 4)         /* check: the adapter's own walkers */
#define MMF_CAP_KMALLOC (1u << 5)       /* kmalloc, kfree, krealloc, ksize (malloc-style too) */
#define MMF_CAP_OBJ_CONTENTS (1u << 6)  /* obj_write, obj_read */
#define MMF_CAP_KMEM_CACHE (1u << 7)    /* cache_create/destroy, cache_alloc/free */
#define MMF_CAP_VMALLOC (1u << 8)       /* vmalloc, vfree, vmalloc_to_pfn, vmem_write/read */
#define MMF_CAP_MEMPOOL (1u << 9)       /* pool_create/destroy, pool_alloc/free */
#define MMF_CAP_CMA (1u << 10)          /* cma_alloc/release, pin/unpin_page, moved */
#define MMF_CAP_AS (1u << 11)           /* mmap, munmap, mprotect, proc_report, mem_access, fork, exit */
#define MMF_CAP_AS_FILE (1u << 12)      /* ftruncate, mmap_file: memfd-like files */
#define MMF_CAP_AS_PFN (1u << 13)       /* mmap_pfn: a driver's VM_PFNMAP buffer */
#define MMF_CAP_SOFT_DIRTY (1u << 14)   /* clear_refs, and pagemap's soft-dirty bit */
#define MMF_CAP_MALLOC (1u << 15)       /* kmalloc is malloc: aligned to max_align_t, not to its size */
#define MMF_CAP_AS_8K (1u << 16)        /* its user pages are 8 KiB: it runs the profiles whose are (sparc64) */
#define MMF_CAP_AS_CALL (1u << 17)      /* as_call: the syscall-like address-space ops (ops.def) */
#define MMF_CAP_MLOCKALL (1u << 18)     /* as_call also for the whole-process locks (mlockall, munlockall) */
/* A zone-agnostic page allocator: any frame of [0, profile->end_pfn)
 * serves any request. The harness then checks a block's range, alignment
 * and disjointness only, not Linux's zone, node and CMA placement; the
 * page family is compared at safety level at most. */
#define MMF_CAP_PAGE_FLAT (1u << 19)
#define MMF_CAP_COUNTERS (1u << 20)  /* counter: the allocator's own accounting, checked against what is live */
#define MMF_CAP_FREE_KIND (1u << 21) /* free_kind instead of kfree: told how the object was allocated */
#define MMF_CAP_SWAP (1u << 22)      /* as_call for swapon and swapoff: swap devices it may turn on and off */
#define MMF_CAP_RECLAIM (1u << 23)   /* as_call for kswapd, drop_caches and proactive reclaim */
#define MMF_CAP_OOM (1u << 24)       /* as_call for oom_score_adj (and an OOM killer to judge) */
#define MMF_CAP_ZSWAP (1u << 25)     /* as_call for zswap's parameters */
#define MMF_CAP_MEM_FILL (1u << 26)  /* mem_access with MMF_ACCESS_FILL: a whole page written */
#define MMF_CAP_HUGETLB (1u << 27)   /* as_call for the hugetlb pool and MAP_HUGETLB mappings */

/* The counters an adapter may keep (the counter entry; MMF_UNSUPPORTED for
 * one it does not). The harness reads them after every op of their family
 * and at every reset:
 *   MMF_COUNTER_FREE_PAGES  frames it could still hand out. It must go down
 *       by 2^order with every block allocated and up with every block
 *       freed, and be back at its value after create at every reset.
 *   MMF_COUNTER_ALLOCATED_BYTES  bytes in live objects as it counts them:
 *       at least the bytes asked for, at most the usable sizes (ksize) of
 *       the live objects (not bounded above while a 0-byte object is
 *       live: its usable size is not asked), 0 when none is live. */
enum mmf_counter { MMF_COUNTER_FREE_PAGES, MMF_COUNTER_ALLOCATED_BYTES, MMF_NR_COUNTERS };

/* How an object was allocated, as free_kind is told. */
enum mmf_alloc_kind {
	MMF_ALLOC_MALLOC,  /* kmalloc / malloc */
	MMF_ALLOC_CALLOC,  /* calloc */
	MMF_ALLOC_REALLOC, /* what krealloc / realloc answered */
	MMF_ALLOC_POSIX_MEMALIGN,
	MMF_ALLOC_ALIGNED_ALLOC,
	MMF_ALLOC_MEMALIGN,
};

/* Graded checks: cheap ones run after every op, full walks at the end. */
enum mmf_check_grade { MMF_CHECK_CHEAP, MMF_CHECK_FULL };

struct mmf_adapter_config {
	const struct mmf_profile *profile;
	unsigned profile_index;
	const char *mutant; /* NULL or a name from the adapter's mutant list */
	/* Kernel behaviour knobs ("name=value ...", mmfuzz/kernel.h) the
	 * reference runs with; NULL: the profile's defaults. Other adapters
	 * may ignore it. */
	const char *kernel;
	/* Invariant walks check everything, also what cannot have changed
	 * since the last walk (the reference's --walk full). Adapters may
	 * ignore it. Appended: read it only from a harness that sets it. */
	int walk_full;
};

struct mmf_page_req {
	uint32_t gfp;   /* canonical GFP mask (mmfuzz/gfp.h) */
	uint8_t order;  /* < MMF_MAX_ORDER */
	uint8_t cpu;    /* < profile->nr_cpus */
	uint8_t node;   /* preferred node, < profile->nr_nodes */
};

/* Preprocessor helpers for the entry rows (mmfuzz/adapter.def): a
 * parameter tuple (kind, type, name) as the C parameter(s) it stands for,
 * and a macro applied to each element of a parenthesized list. */
#define MMF_PP_CAT_(a, b) a##b
#define MMF_PP_CAT(a, b) MMF_PP_CAT_(a, b)
#define MMF_PP_UNPAREN(...) __VA_ARGS__
#define MMF_PP_N(...) MMF_PP_N_(__VA_ARGS__, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define MMF_PP_N_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, N, ...) N
#define MMF_PP_EACH(f, list) MMF_PP_EACH_I(f, MMF_PP_UNPAREN list)
#define MMF_PP_EACH_I(f, ...) MMF_PP_CAT(MMF_PP_EACH_, MMF_PP_N(__VA_ARGS__))(f, __VA_ARGS__)
#define MMF_PP_EACH_1(f, x) f x
#define MMF_PP_EACH_2(f, x, ...) f x MMF_PP_EACH_1(f, __VA_ARGS__)
#define MMF_PP_EACH_3(f, x, ...) f x MMF_PP_EACH_2(f, __VA_ARGS__)
#define MMF_PP_EACH_4(f, x, ...) f x MMF_PP_EACH_3(f, __VA_ARGS__)
#define MMF_PP_EACH_5(f, x, ...) f x MMF_PP_EACH_4(f, __VA_ARGS__)
#define MMF_PP_EACH_6(f, x, ...) f x MMF_PP_EACH_5(f, __VA_ARGS__)
#define MMF_PP_EACH_7(f, x, ...) f x MMF_PP_EACH_6(f, __VA_ARGS__)
#define MMF_PP_EACH_8(f, x, ...) f x MMF_PP_EACH_7(f, __VA_ARGS__)
#define MMF_PP_EACH_9(f, x, ...) f x MMF_PP_EACH_8(f, __VA_ARGS__)
#define MMF_PP_EACH_10(f, x, ...) f x MMF_PP_EACH_9(f, __VA_ARGS__)
#define MMF_PARAM_DECL(kind, type, name) MMF_PP_CAT(MMF_PARAM_DECL_, kind)(type, name)
#define MMF_PARAM_DECL_I(type, name) , type name
#define MMF_PARAM_DECL_S(type, name) , type name
#define MMF_PARAM_DECL_REQ(type, name) , type name
#define MMF_PARAM_DECL_CALL(type, name) , type name
#define MMF_PARAM_DECL_O(type, name) , type *name
#define MMF_PARAM_DECL_OA(type, name) , type *name
#define MMF_PARAM_DECL_E(type, name) , int *name
#define MMF_PARAM_DECL_T(type, name) , char *buf, size_t cap, size_t *len

struct mmf_adapter {
	uint32_t abi_version; /* MMF_ADAPTER_ABI_VERSION */
	uint32_t size;        /* sizeof(struct mmf_adapter) at build time */
	const char *name;     /* short, [a-z0-9_]: appears in signatures */
	const char *description;
	uint64_t caps;
	uint8_t level[MMF_NR_FAMILIES];

	/* Creates a context for cfg->profile. On failure returns MMF_REFUSED
	 * (or MMF_UNSUPPORTED for an unknown mutant) with a message in err. */
	enum mmf_result (*create)(const struct mmf_adapter_config *cfg, void **ctx,
				  char *err, size_t errcap);
	void (*destroy)(void *ctx);
	/* Back to the state right after create. */
	enum mmf_result (*reset)(void *ctx);

	/* The entries and data after these: one row each in
	 * mmfuzz/adapter.def, where each is documented. */
#define MMF_ENTRY(name, cap, params) enum mmf_result (*name)(void *ctx MMF_PP_EACH(MMF_PARAM_DECL, params));
#define MMF_ENTRY_OWN(name, cap, ret, cparams) ret(*name) cparams;
#define MMF_DATA(type, name) type name;
#include "mmfuzz/adapter.def"
#undef MMF_DATA
#undef MMF_ENTRY_OWN
#undef MMF_ENTRY
};

#define MMF_MAX_KNOWN 32

#define MMF_MEMALIGN_POSIX 0   /* posix_memalign(&p, align, size) */
#define MMF_MEMALIGN_ALIGNED 1 /* aligned_alloc(align, size) */
#define MMF_MEMALIGN_LEGACY 2  /* memalign(align, size) */
#define MMF_UNTOUCHED 0x5ee5ee5ee5ee5ee0ull

/* The table size an adapter needs: the entries before the CMA ones, and
 * the entries up to those of the last group it declares. */
#define MMF_ADAPTER_SIZE_BASE offsetof(struct mmf_adapter, cma_alloc)
#define MMF_ADAPTER_SIZE_CMA offsetof(struct mmf_adapter, mmap)
#define MMF_ADAPTER_SIZE_AS offsetof(struct mmf_adapter, ftruncate)
#define MMF_ADAPTER_SIZE_AS_FILE offsetof(struct mmf_adapter, mmap_pfn)
#define MMF_ADAPTER_SIZE_AS_PFN offsetof(struct mmf_adapter, clear_refs)
#define MMF_ADAPTER_SIZE_SOFT_DIRTY offsetof(struct mmf_adapter, calloc)
#define MMF_ADAPTER_SIZE_MALLOC offsetof(struct mmf_adapter, known)
#define MMF_ADAPTER_SIZE_KNOWN (offsetof(struct mmf_adapter, known) + sizeof(const char *const *))
#define MMF_ADAPTER_SIZE_KERNEL (offsetof(struct mmf_adapter, kernel) + sizeof(const char *))
#define MMF_ADAPTER_SIZE_AS_CALL (offsetof(struct mmf_adapter, as_call) + sizeof(void (*)(void)))
#define MMF_ADAPTER_SIZE_COUNTERS (offsetof(struct mmf_adapter, counter) + sizeof(void (*)(void)))
#define MMF_ADAPTER_SIZE_FREE_KIND (offsetof(struct mmf_adapter, free_kind) + sizeof(void (*)(void)))

/* kmem_cache_create() flag values the object family uses. */
#define MMF_SLAB_RED_ZONE 0x00000400u
#define MMF_SLAB_POISON 0x00000800u
#define MMF_SLAB_HWCACHE_ALIGN 0x00002000u

/* The kernel knobs the adapter declares, or NULL. */
static inline const char *mmf_adapter_kernel(const struct mmf_adapter *ad)
{
	return ad && ad->size >= MMF_ADAPTER_SIZE_KERNEL && ad->kernel && *ad->kernel ? ad->kernel : NULL;
}

typedef const struct mmf_adapter *(*mmf_adapter_entry_fn)(void);

/* Built-in adapters. */
const struct mmf_adapter *mmf_adapter_reference(void);
/* How often a reference context's small machine has felt memory
 * pressure since its reset: page allocations it failed, pages kswapd or
 * direct reclaim scanned, processes the OOM killer killed (or found none
 * to kill). A system with memory of its own (a real kernel) has another
 * capacity than the profile: once the reference has run short, what
 * either does and shows next is no longer comparable at semantic level. */
uint64_t mmf_reference_pressure(void *ctx);
/* How deep the sequence since the reference context's reset went. */
void mmf_reference_depth(void *ctx, struct mmf_depth *out);
const struct mmf_adapter *mmf_adapter_simple(void);
unsigned mmf_builtin_adapter_count(void);
const struct mmf_adapter *mmf_builtin_adapter(unsigned i);
const struct mmf_adapter *mmf_adapter_find(const char *name);

/* Checks a table against this ABI; 0 if usable, else -1 with a reason. */
int mmf_adapter_validate(const struct mmf_adapter *ad, char *err, size_t cap);

const char *mmf_result_name(enum mmf_result r);
const char *mmf_level_name(enum mmf_level l);

#endif
