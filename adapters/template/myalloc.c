/* myalloc: a template adapter, and a small allocator to check with it.
 *
 * Copy this file to start an adapter for your own allocator: keep the
 * table at the bottom, replace the my_* functions with calls into your
 * allocator, and delete the allocator in the middle. README.md beside this
 * file walks through building it against an installed mmfuzz and running
 * `mmfuzz fuzz --adapter ./myalloc.so`.
 *
 * The allocator is deliberately simple: size classes of 16 bytes up to
 * 4 KiB and of 4 KiB up to 1 MiB, a LIFO free list per class, blocks carved
 * from one arena with a 16-byte header in front (so every block is
 * 16-aligned), aligned blocks carved at the alignment. It also carries
 * four planted bugs (mutants, switched on by `--mutant NAME`), the kind a
 * real allocator has: the harness must find each one.
 *
 * What the harness checks for a malloc-style adapter (MMF_CAP_MALLOC): no
 * crash, no hang; blocks aligned as C requires, never overlapping within
 * their usable size, usable size at least what was asked, contents kept
 * until freed (and across realloc up to the smaller size), calloc zeroed
 * and refusing an overflowing n * size with ENOMEM, posix_memalign's
 * EINVAL and ENOMEM with *memptr untouched, aligned_alloc refusing an
 * alignment that is no power of two. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "mmfuzz/adapter.h"

/* ---- the allocator ------------------------------------------------------ */

#define ARENA (256ull << 20)
#define HDR 16u
#define SMALL_MAX 4096u
#define LARGE_MAX (1u << 20)
#define NCLASSES (SMALL_MAX / 16 + LARGE_MAX / 4096 + 1)
/* What realloc(p, 0) answers here, as the kernel's krealloc does: an
 * address that is never dereferenced, and that free() must accept. */
#define ZERO_SIZE_PTR 16u

enum mutant { M_NONE, M_OVERLAP, M_REALLOC_TAIL, M_CALLOC_DIRTY, M_MISALIGN };

struct block {
	uint64_t size;      /* the class's bytes: what malloc_usable_size says */
	struct block *next; /* on a free list */
};

struct myalloc {
	uint8_t *arena, *top;
	struct block *free[NCLASSES];
	uint8_t *last_freed; /* for the planted overlap bug */
	enum mutant mutant;
};

static unsigned class_of(uint64_t size)
{
	if (size <= SMALL_MAX)
		return (unsigned)((size + 15) / 16);
	return SMALL_MAX / 16 + (unsigned)((size + 4095) / 4096);
}

static uint64_t class_bytes(unsigned c) { return c <= SMALL_MAX / 16 ? c * 16ull : (c - SMALL_MAX / 16) * 4096ull; }

static struct block *hdr(void *p) { return (struct block *)((uint8_t *)p - HDR); }

/* A block from the arena with its payload aligned to align (>= 16). */
static void *carve(struct myalloc *m, unsigned c, uint64_t align)
{
	uintptr_t payload = ((uintptr_t)m->top + HDR + align - 1) & ~(uintptr_t)(align - 1);
	if (payload + class_bytes(c) > (uintptr_t)m->arena + ARENA)
		return NULL;
	m->top = (uint8_t *)payload + class_bytes(c);
	hdr((void *)payload)->size = class_bytes(c);
	return (void *)payload;
}

static void *my_malloc(struct myalloc *m, uint64_t size, int *recycled)
{
	*recycled = 0;
	if (size > LARGE_MAX)
		return NULL;
	unsigned c = class_of(size ? size : 1);
	if (m->free[c]) {
		struct block *b = m->free[c];
		m->free[c] = b->next;
		*recycled = 1;
		return (uint8_t *)b + HDR;
	}
	return carve(m, c, 16);
}

static void my_free(struct myalloc *m, void *p)
{
	if (!p)
		return;
	struct block *b = hdr(p);
	unsigned c = class_of(b->size);
	b->next = m->free[c];
	m->free[c] = b;
	/* Planted bug: two neighbours freed one after the other "coalesce"
	 * into a block of the doubled class, but the first stays on its own
	 * list too, so two later allocations can share its memory. */
	if (m->mutant == M_OVERLAP && m->last_freed && (uint8_t *)p == m->last_freed + b->size + HDR &&
	    b->size <= SMALL_MAX / 2) {
		struct block *first = hdr(m->last_freed);
		unsigned c2 = class_of(b->size * 2);
		first->size = class_bytes(c2);
		first->next = m->free[c2];
		m->free[c2] = first;
	}
	m->last_freed = p;
}

/* ---- the adapter -------------------------------------------------------- */

static const struct mmf_mutant_desc mutants[] = {
	{ "overlap_after_free_pattern", "myalloc", "freeing two neighbours in a row puts the first on two free lists" },
	{ "realloc_loses_tail", "myalloc", "realloc that moves a block leaves its last 16 bytes behind" },
	{ "calloc_recycled_dirty", "myalloc", "calloc zeroes fresh blocks only, not ones taken from a free list" },
	{ "misalign_64", "myalloc", "aligned allocation at 64 bytes and more is only 32-aligned" },
};

static enum mmf_result my_create(const struct mmf_adapter_config *cfg, void **ctx, char *err, size_t cap)
{
	static struct myalloc m;
	memset(&m, 0, sizeof(m));
	for (unsigned i = 0; cfg->mutant && i < sizeof(mutants) / sizeof(mutants[0]); i++)
		if (!strcmp(cfg->mutant, mutants[i].name))
			m.mutant = (enum mutant)(i + 1);
	if (cfg->mutant && m.mutant == M_NONE)
		return MMF_UNSUPPORTED; /* an unknown mutant */
	m.arena = mmap(NULL, ARENA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m.arena == MAP_FAILED) {
		(void)err, (void)cap;
		return MMF_REFUSED;
	}
	m.top = m.arena;
	*ctx = &m;
	return MMF_OK;
}

static void my_destroy(void *ctx)
{
	struct myalloc *m = ctx;
	munmap(m->arena, ARENA);
}

/* Back to the state right after create. (Under the default fork-server
 * isolation every sequence starts in a fresh worker and this is not even
 * called; with --isolate none it is.) */
static enum mmf_result my_reset(void *ctx)
{
	struct myalloc *m = ctx;
	madvise(m->arena, (size_t)(m->top - m->arena), MADV_DONTNEED); /* zero again */
	m->top = m->arena;
	memset(m->free, 0, sizeof(m->free));
	m->last_freed = NULL;
	return MMF_OK;
}

/* kmalloc is malloc for a malloc-style adapter; the GFP mask only asks for
 * zeroing (__GFP_ZERO, 0x100), which is calloc(1, size). */
static enum mmf_result my_kmalloc(void *ctx, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node,
				  uint64_t *addr, int *err)
{
	(void)cpu, (void)node;
	int recycled;
	void *p = my_malloc(ctx, size, &recycled);
	if (!p) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	if (gfp & 0x100u)
		memset(p, 0, size);
	*addr = (uintptr_t)p;
	return MMF_OK;
}

static enum mmf_result my_kfree(void *ctx, uint64_t addr, unsigned cpu)
{
	(void)cpu;
	if (addr != ZERO_SIZE_PTR)
		my_free(ctx, (void *)(uintptr_t)addr);
	return MMF_OK;
}

static enum mmf_result my_krealloc(void *ctx, uint64_t addr, uint64_t size, uint32_t gfp, unsigned cpu,
				   unsigned node, uint64_t *new_addr, int *err)
{
	struct myalloc *m = ctx;
	void *old = addr == ZERO_SIZE_PTR ? NULL : (void *)(uintptr_t)addr;
	if (!old)
		return my_kmalloc(ctx, size, gfp, cpu, node, new_addr, err);
	uint64_t have = hdr(old)->size;
	if (size <= have && size) {
		*new_addr = addr; /* still fits */
		return MMF_OK;
	}
	if (size == 0) { /* as glibc: free, and answer "no block" */
		my_free(m, old);
		*new_addr = ZERO_SIZE_PTR;
		return MMF_OK;
	}
	int recycled;
	void *p = my_malloc(m, size, &recycled);
	if (!p) {
		*err = ENOMEM; /* the old block stays as it was */
		return MMF_REFUSED;
	}
	/* planted bug: the header's size taken off a size that never had it */
	memcpy(p, old, m->mutant == M_REALLOC_TAIL ? have - HDR : have);
	my_free(m, old);
	*new_addr = (uintptr_t)p;
	return MMF_OK;
}

static enum mmf_result my_ksize(void *ctx, uint64_t addr, uint64_t *usable)
{
	(void)ctx;
	*usable = addr == ZERO_SIZE_PTR ? 0 : hdr((void *)(uintptr_t)addr)->size;
	return MMF_OK;
}

static enum mmf_result my_obj_write(void *ctx, uint64_t addr, uint64_t val)
{
	(void)ctx;
	memcpy((void *)(uintptr_t)addr, &val, 8);
	return MMF_OK;
}

static enum mmf_result my_obj_read(void *ctx, uint64_t addr, uint64_t *val)
{
	(void)ctx;
	memcpy(val, (const void *)(uintptr_t)addr, 8);
	return MMF_OK;
}

static enum mmf_result my_calloc(void *ctx, uint64_t nmemb, uint64_t size, uint64_t *addr, int *err)
{
	struct myalloc *m = ctx;
	uint64_t total;
	*addr = 0;
	if (__builtin_mul_overflow(nmemb, size, &total)) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	int recycled;
	void *p = my_malloc(m, total, &recycled);
	if (!p) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	if (recycled && m->mutant != M_CALLOC_DIRTY)
		memset(p, 0, total); /* fresh arena memory is zero already */
	*addr = (uintptr_t)p;
	return MMF_OK;
}

static enum mmf_result my_memalign(void *ctx, unsigned kind, uint64_t align, uint64_t size, uint64_t *addr,
				   int *err)
{
	struct myalloc *m = ctx;
	int pow2 = align && !(align & (align - 1));
	*addr = kind == MMF_MEMALIGN_POSIX ? MMF_UNTOUCHED : 0; /* what *memptr or the result holds on failure */
	if (!pow2 || (kind == MMF_MEMALIGN_POSIX && align % sizeof(void *))) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	if (size > LARGE_MAX || align > 4096) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	uint64_t eff = align < 16 ? 16 : align;
	if (m->mutant == M_MISALIGN && eff >= 64)
		eff = 32;
	void *p = carve(m, class_of(size ? size : 1), eff);
	if (!p) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	*addr = (uintptr_t)p;
	return MMF_OK;
}

static const struct mmf_adapter table = {
	.abi_version = MMF_ADAPTER_ABI_VERSION,
	.size = sizeof(struct mmf_adapter),
	.name = "myalloc", /* [a-z0-9_]: appears in finding signatures */
	.description = "template adapter: a size-class allocator with four planted bugs",
	/* what this adapter can do; every entry named by a bit must be set */
	.caps = MMF_CAP_KMALLOC | MMF_CAP_OBJ_CONTENTS | MMF_CAP_MALLOC,
	/* how it is compared with the oracle: a new allocator gets safety */
	.level = { [MMF_FAM_OBJ] = MMF_LEVEL_SAFETY },
	.create = my_create,
	.destroy = my_destroy,
	.reset = my_reset,
	.mutants = mutants,
	.nr_mutants = sizeof(mutants) / sizeof(mutants[0]),
	.kmalloc = my_kmalloc,
	.kfree = my_kfree,
	.krealloc = my_krealloc,
	.ksize = my_ksize,
	.obj_write = my_obj_write,
	.obj_read = my_obj_read,
	.calloc = my_calloc,
	.memalign = my_memalign,
	.known = NULL, /* "op-check: reason" lines for differences you accept */
};

/* The one symbol mmfuzz looks for in a plugin. */
const struct mmf_adapter *mmf_adapter_entry(void);
const struct mmf_adapter *mmf_adapter_entry(void) { return &table; }
