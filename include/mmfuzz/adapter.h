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
};

struct mmf_page_req {
	uint32_t gfp;   /* canonical GFP mask (mmfuzz/gfp.h) */
	uint8_t order;  /* < MMF_MAX_ORDER */
	uint8_t cpu;    /* < profile->nr_cpus */
	uint8_t node;   /* preferred node, < profile->nr_nodes */
};

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

	/* Page family. On MMF_OK *pfn is the first frame of a naturally
	 * aligned block of 2^order frames. On MMF_REFUSED *err is an errno. */
	enum mmf_result (*alloc_pages)(void *ctx, const struct mmf_page_req *req,
				       uint64_t *pfn, int *err);
	enum mmf_result (*free_pages)(void *ctx, uint64_t pfn, unsigned order,
				      unsigned cpu);
	/* Page contents are modelled as one 64-bit token per frame. */
	enum mmf_result (*write_page)(void *ctx, uint64_t pfn, uint64_t token);
	enum mmf_result (*read_page)(void *ctx, uint64_t pfn, uint64_t *token);
	enum mmf_result (*drain_pcp)(void *ctx, unsigned cpu);

	/* Writes report `kind` (enum mmf_report_kind) into buf, NUL-terminated;
	 * *len is its length without the NUL. */
	enum mmf_result (*report)(void *ctx, unsigned kind, char *buf, size_t cap,
				  size_t *len);
	/* Runs the adapter's own invariant walkers. On a broken invariant
	 * returns MMF_CORRUPT with "tag: detail" in msg; the tag names the
	 * check in a finding's signature. */
	enum mmf_result (*check)(void *ctx, enum mmf_check_grade grade, char *msg,
				 size_t cap);

	/* Seeded bugs this adapter can switch on at create time. */
	const struct mmf_mutant_desc *mutants;
	unsigned nr_mutants;

	/* Object family. Addresses are the adapter's own; 0 is NULL. The same
	 * four entries drive malloc-style allocators (kmalloc = malloc with a
	 * GFP mask they may ignore, ksize = malloc_usable_size). kmalloc(0)
	 * may answer any non-NULL address that is never dereferenced (the
	 * kernel's ZERO_SIZE_PTR). On MMF_REFUSED *err is an errno. */
	enum mmf_result (*kmalloc)(void *ctx, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node,
				   uint64_t *addr, int *err);
	enum mmf_result (*kfree)(void *ctx, uint64_t addr, unsigned cpu);
	/* A refusal leaves the old object as it was. */
	enum mmf_result (*krealloc)(void *ctx, uint64_t addr, uint64_t size, uint32_t gfp, unsigned cpu,
				    unsigned node, uint64_t *new_addr, int *err);
	enum mmf_result (*ksize)(void *ctx, uint64_t addr, uint64_t *usable);
	/* Eight bytes at addr (8-aligned, inside a live object). */
	enum mmf_result (*obj_write)(void *ctx, uint64_t addr, uint64_t val);
	enum mmf_result (*obj_read)(void *ctx, uint64_t addr, uint64_t *val);
	/* kmem_cache_*; flags are SLAB_RED_ZONE/SLAB_POISON/SLAB_HWCACHE_ALIGN
	 * (reference/slab.h values), ctor asks for a constructor. Destroying
	 * a cache with live objects may be refused (EBUSY). */
	enum mmf_result (*cache_create)(void *ctx, const char *name, uint32_t size, uint32_t align,
					uint32_t flags, int ctor, uint64_t *cache, int *err);
	enum mmf_result (*cache_destroy)(void *ctx, uint64_t cache, int *err);
	enum mmf_result (*cache_alloc)(void *ctx, uint64_t cache, uint32_t gfp, unsigned cpu, unsigned node,
				       uint64_t *addr, int *err);
	enum mmf_result (*cache_free)(void *ctx, uint64_t cache, uint64_t addr, unsigned cpu);

	/* vmalloc family. vmalloc(0) is refused (EINVAL). Contents are one
	 * token per page, addressed by the page's virtual address. */
	enum mmf_result (*vmalloc)(void *ctx, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node,
				   uint64_t *addr, int *err);
	enum mmf_result (*vfree)(void *ctx, uint64_t addr, unsigned cpu);
	enum mmf_result (*vmalloc_to_pfn)(void *ctx, uint64_t addr, uint64_t *pfn);
	enum mmf_result (*vmem_write)(void *ctx, uint64_t addr, uint64_t token);
	enum mmf_result (*vmem_read)(void *ctx, uint64_t addr, uint64_t *token);

	/* mempool, kmalloc-backed: elements are objects of `size` bytes that
	 * obj_write/obj_read reach. pool_alloc must not fail while fewer than
	 * min_nr elements are out. */
	enum mmf_result (*pool_create)(void *ctx, uint32_t min_nr, uint64_t size, unsigned cpu, unsigned node,
				       uint64_t *pool, int *err);
	enum mmf_result (*pool_destroy)(void *ctx, uint64_t pool, unsigned cpu);
	enum mmf_result (*pool_alloc)(void *ctx, uint64_t pool, uint32_t gfp, unsigned cpu, unsigned node,
				      uint64_t *addr, int *err);
	enum mmf_result (*pool_free)(void *ctx, uint64_t pool, uint64_t addr, unsigned cpu);

	/* CMA, in the page family. Areas are the profile's (profile->cma);
	 * an area the profile lacks is refused (EINVAL), as is count 0. On
	 * MMF_OK *pfn is the first of count frames, aligned to 2^min(align, 8)
	 * and inside the area. Movable page-family blocks (allocated with
	 * __GFP_MOVABLE and not __GFP_RECLAIMABLE) may be migrated by
	 * cma_alloc; `moved` then pops (old head, new head) pairs, and the
	 * block keeps its order and contents. A pinned block never moves. */
	enum mmf_result (*cma_alloc)(void *ctx, unsigned area, uint32_t count, unsigned align, unsigned cpu,
				     uint64_t *pfn, int *err);
	enum mmf_result (*cma_release)(void *ctx, unsigned area, uint64_t pfn, uint32_t count);
	enum mmf_result (*pin_page)(void *ctx, uint64_t pfn);
	enum mmf_result (*unpin_page)(void *ctx, uint64_t pfn);
	unsigned (*moved)(void *ctx, uint64_t *old_pfn, uint64_t *new_pfn, unsigned cap);

	/* Address spaces. proc is a process number (0 exists from the start);
	 * addresses are user virtual addresses, lengths in bytes. mmap flags
	 * and prot are the op's (reference/as.h MMF_MAP_*, PROT_* bits); on
	 * MMF_OK *out is the mapping's address. A refusal carries Linux's
	 * errno (EINVAL, ENOMEM, EEXIST; ESRCH for a process that does not
	 * exist). proc_report writes /proc/PID/<kind> (MMF_PROC_MAPS). */
	enum mmf_result (*mmap)(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
				uint64_t *out, int *err);
	enum mmf_result (*munmap)(void *ctx, unsigned proc, uint64_t addr, uint64_t len, int *err);
	enum mmf_result (*mprotect)(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, int *err);
	enum mmf_result (*proc_report)(void *ctx, unsigned proc, unsigned kind, char *buf, size_t cap, size_t *len);
	/* One access to the page at addr (write: MMF_ACCESS_READ, _WRITE or
	 * _EXEC, an instruction fetch): *fault is 0, SIGSEGV or SIGBUS. A
	 * write XORs token into the page's 64-bit word (token % 512); a read
	 * gives the XOR of the page's 512 words in *value (0 for never-written
	 * anonymous memory). A refusal (ENOMEM) is a fault the kernel could
	 * not serve. */
	enum mmf_result (*mem_access)(void *ctx, unsigned proc, uint64_t addr, int write, uint64_t token, int *fault,
				      uint64_t *value, int *err);
	/* fork of process parent into the unused slot child; exit of proc. */
	enum mmf_result (*proc_fork)(void *ctx, unsigned parent, unsigned child, int *err);
	enum mmf_result (*proc_exit)(void *ctx, unsigned proc, int *err);
	/* madvise(advice: Linux's value); brk() answers the break after the
	 * call in *out (the old one when it could not move), never refusing. */
	enum mmf_result (*madvise)(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned advice, int *err);
	enum mmf_result (*brk)(void *ctx, unsigned proc, uint64_t addr, uint64_t *out);
	/* mremap(flags: Linux's MREMAP_* values); *out is the new address. */
	enum mmf_result (*mremap)(void *ctx, unsigned proc, uint64_t addr, uint64_t old_len, uint64_t new_len,
				  unsigned flags, uint64_t new_addr, uint64_t *out, int *err);
	/* Who maps the frame behind proc's page at addr: lines "process
	 * address" (hex) in process then address order, or "none". */
	enum mmf_result (*rmap)(void *ctx, unsigned proc, uint64_t addr, char *buf, size_t cap, size_t *len);

	/* Files (MMF_CAP_AS_FILE): MMF_NFILES memfd-like files, open in every
	 * process and empty at reset. ftruncate sets a file's size in bytes;
	 * mmap_file maps file from byte offset (flags as for mmap). */
	enum mmf_result (*ftruncate)(void *ctx, unsigned file, uint64_t size, int *err);
	enum mmf_result (*mmap_file)(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
				     unsigned file, uint64_t offset, uint64_t *out, int *err);
	/* The PFN device (MMF_CAP_AS_PFN): mmap of its MMF_PFN_PAGES-page
	 * buffer from byte offset, which a driver maps with remap_pfn_range(). */
	enum mmf_result (*mmap_pfn)(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
				    uint64_t offset, uint64_t *out, int *err);
	/* Soft-dirty (MMF_CAP_SOFT_DIRTY): write value to /proc/PID/clear_refs. */
	enum mmf_result (*clear_refs)(void *ctx, unsigned proc, unsigned value, int *err);

	/* malloc-style allocators (MMF_CAP_MALLOC): kmalloc/kfree/krealloc/
	 * ksize are malloc/free/realloc/malloc_usable_size, and:
	 * calloc(nmemb, size); memalign by kind (MMF_MEMALIGN_*) with the C
	 * library's argument order. On MMF_REFUSED *err is the errno (for
	 * posix_memalign its return value) and *addr what the result pointer
	 * holds after the call: posix_memalign's *memptr, preset by the adapter
	 * to MMF_UNTOUCHED, or the NULL the others return. */
	enum mmf_result (*calloc)(void *ctx, uint64_t nmemb, uint64_t size, uint64_t *addr, int *err);
	enum mmf_result (*memalign)(void *ctx, unsigned kind, uint64_t align, uint64_t size, uint64_t *addr, int *err);

	/* Known, accepted differences: NULL-terminated strings "op-check:
	 * reason", e.g. "calloc-errno: mimalloc leaves errno alone", or
	 * "op-check[text]: reason" for only the findings whose detail contains
	 * text. A finding that matches one is counted and reported, not
	 * raised, and the sequence goes on. Read only when size covers it. */
	const char *const *known;

	/* The kernel behaviour this system shows where Linux kernels differ
	 * ("name=value ..." with mmfuzz/kernel.h's knob names), found by
	 * probing it with real accesses before the first create; the oracle
	 * then runs with these values. NULL or "": nothing to declare. Read
	 * only when size covers it. */
	const char *kernel;

	/* Syscall-like address-space ops (MMF_CAP_AS_CALL): one entry for
	 * every row of mmfuzz/ops.def whose step is as_call, told apart by
	 * call->code. A refusal carries Linux's errno. What the call reads
	 * back goes into buf as text, NUL-terminated, its length in *len
	 * (mincore's vector: one '0' or '1' per page, the low bit of each
	 * byte). An op the adapter does not know answers MMF_UNSUPPORTED. */
	enum mmf_result (*as_call)(void *ctx, const struct mmf_as_call *call, char *buf, size_t cap, size_t *len,
				   int *err);
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
/* Page allocations a reference context has failed since its reset. A
 * system with memory of its own (a real kernel) has another capacity than
 * the profile: once the reference has run out, what either does next is
 * no longer comparable at semantic level. */
uint64_t mmf_reference_alloc_failures(void *ctx);
const struct mmf_adapter *mmf_adapter_simple(void);
unsigned mmf_builtin_adapter_count(void);
const struct mmf_adapter *mmf_builtin_adapter(unsigned i);
const struct mmf_adapter *mmf_adapter_find(const char *name);

/* Checks a table against this ABI; 0 if usable, else -1 with a reason. */
int mmf_adapter_validate(const struct mmf_adapter *ad, char *err, size_t cap);

const char *mmf_result_name(enum mmf_result r);
const char *mmf_level_name(enum mmf_level l);

#endif
