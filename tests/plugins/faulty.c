/* A test plugin whose failures are the point: a malloc-style adapter on the
 * C library's malloc that, behind a mutant, segfaults, hangs or runs away
 * with memory at its 100th call in a sequence, or breaks one C/POSIX rule
 * of malloc-style allocators. It keeps the counter allocated_bytes and
 * takes frees through free_kind, refusing one told the wrong kind. Built a
 * few more times with
 * FAULTY_BAD set to be refused at load: a wrong ABI version ("abi"), no
 * entry symbol ("nosym"), capabilities its table does not back ("caps");
 * and once (FAULTY_KNOWN) listing the calloc overflow as a known difference. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmfuzz/adapter.h"

/* What it knows of each live block, to keep the counter allocated_bytes
 * and to check that free_kind is told the kind each block was allocated
 * with (a wrong kind is MMF_CORRUPT: a finding). */
#define NREC 1024
struct rec {
	uint64_t addr, usable;
	unsigned kind;
};

struct ctx {
	unsigned calls;
	int mode; /* 0 none, 1 segv, 2 hang, 3 runaway */
	unsigned nrec;
	uint64_t allocated;
	struct rec rec[NREC];
};

static struct rec *rec_find(struct ctx *c, uint64_t addr)
{
	for (unsigned i = 0; i < c->nrec; i++)
		if (c->rec[i].addr == addr)
			return &c->rec[i];
	return NULL;
}

static void rec_add(struct ctx *c, uint64_t addr, unsigned kind)
{
	uint64_t usable = malloc_usable_size((void *)(uintptr_t)addr);
	c->allocated += usable;
	if (c->nrec < NREC)
		c->rec[c->nrec++] = (struct rec){ addr, usable, kind };
}

/* Forgets addr; its kind, or -1 when it was not live. */
static int rec_drop(struct ctx *c, uint64_t addr)
{
	struct rec *r = rec_find(c, addr);
	if (!r)
		return -1;
	int kind = (int)r->kind;
	c->allocated -= r->usable;
	*r = c->rec[--c->nrec];
	return kind;
}

static const struct mmf_mutant_desc mutants[] = {
	{ "segv_at_100", "test", "the 100th call of a sequence dereferences NULL" },
	{ "hang_at_100", "test", "the 100th call of a sequence never returns" },
	{ "runaway_at_100", "test", "from the 100th call on, every call keeps 32 MiB more" },
	{ "calloc_no_overflow_check", "test", "calloc allocates n * size as it wraps around" },
	{ "memalign_touches_out", "test", "a failed posix_memalign stores NULL in *memptr" },
	{ "aligned_alloc_any_align", "test", "aligned_alloc rounds an alignment that is no power of two up" },
	{ "realloc_errno_zero", "test", "a failed realloc leaves errno at 0" },
	{ "count_misses_realloc", "test", "allocated_bytes is not updated by a realloc" },
	{ "segv_once", "test",
	  "the 100th call segfaults in the first sequence to get there, never again (a marker file $FAULTY_ONCE, or "
	  "the working directory's faulty-once): a crash that depends on state outside the sequence" },
	{ "reset_segv", "test", "reset dereferences NULL when a sequence left a block live" },
	{ "segv_in_write", "test", "the first obj_write from the 100th call of a sequence on dereferences NULL" },
};
#define NMUTANTS (sizeof(mutants) / sizeof(mutants[0]))
enum { CALLOC_OVF = 4, MEMALIGN_OUT, ALIGNED_ANY, REALLOC_ERRNO, COUNT_REALLOC, SEGV_ONCE, RESET_SEGV, SEGV_IN_WRITE };

static enum mmf_result f_create(const struct mmf_adapter_config *cfg, void **out, char *err, size_t cap)
{
	(void)err, (void)cap;
	struct ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return MMF_REFUSED;
	for (unsigned i = 0; cfg->mutant && i < NMUTANTS; i++)
		if (!strcmp(cfg->mutant, mutants[i].name))
			c->mode = (int)i + 1;
	if (cfg->mutant && !c->mode) {
		free(c);
		return MMF_UNSUPPORTED;
	}
	*out = c;
	return MMF_OK;
}

static void f_destroy(void *ctx) { free(ctx); }

/* Back to the state after create: the blocks the sequence left live are
 * freed (a worker may serve the next sequence). */
static enum mmf_result f_reset(void *ctx)
{
	struct ctx *c = ctx;
	if (c->mode == RESET_SEGV && c->nrec) {
		volatile uintptr_t bad = 8;
		*(volatile int *)bad = 0;
	}
	for (unsigned i = 0; i < c->nrec; i++)
		if (c->rec[i].addr != 16) /* not ZERO_SIZE_PTR */
			free((void *)(uintptr_t)c->rec[i].addr);
	c->calls = 0;
	c->nrec = 0;
	c->allocated = 0;
	return MMF_OK;
}

char *volatile faulty_kept[1024];

static void tick(struct ctx *c)
{
	if (++c->calls < 100 || !c->mode)
		return;
	if (c->mode == 1 && c->calls == 100) {
		volatile uintptr_t bad = 8; /* the first page is never mapped */
		*(volatile int *)bad = 0;
	}
	if (c->mode == SEGV_ONCE && c->calls == 100) {
		const char *mark = getenv("FAULTY_ONCE");
		int fd = open(mark && *mark ? mark : "faulty-once", O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd >= 0) {
			close(fd);
			volatile uintptr_t bad = 8;
			*(volatile int *)bad = 0;
		}
	}
	if (c->mode == 2 && c->calls == 100)
		for (volatile int spin = 1; spin;)
			;
	if (c->mode == 3) {
		/* kept where the compiler must assume it is read, so the leak stays */
		char *p = malloc(32u << 20);
		if (p)
			memset(p, 1, 32u << 20); /* resident, never freed */
		faulty_kept[c->calls % 1024] = p;
	}
}

static enum mmf_result f_kmalloc(void *ctx, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node, uint64_t *addr,
				 int *err)
{
	(void)cpu, (void)node;
	tick(ctx);
	void *p = (gfp & (1u << 8)) ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
	if (!p) {
		*err = 12;
		return MMF_REFUSED;
	}
	*addr = (uintptr_t)p;
	rec_add(ctx, *addr, MMF_ALLOC_MALLOC);
	return MMF_OK;
}

static enum mmf_result f_kfree(void *ctx, uint64_t addr, unsigned cpu)
{
	(void)cpu;
	tick(ctx);
	rec_drop(ctx, addr);
	free((void *)(uintptr_t)addr);
	return MMF_OK;
}

static enum mmf_result f_free_kind(void *ctx, uint64_t addr, unsigned kind, unsigned cpu)
{
	(void)cpu;
	tick(ctx);
	int had = rec_drop(ctx, addr);
	if (had >= 0 && (unsigned)had != kind)
		return MMF_CORRUPT; /* told another kind than the block's */
	free((void *)(uintptr_t)addr);
	return MMF_OK;
}

static enum mmf_result f_counter(void *ctx, unsigned which, uint64_t *value)
{
	if (which != MMF_COUNTER_ALLOCATED_BYTES)
		return MMF_UNSUPPORTED;
	*value = ((struct ctx *)ctx)->allocated;
	return MMF_OK;
}

static enum mmf_result f_krealloc(void *ctx, uint64_t addr, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node,
				  uint64_t *new_addr, int *err)
{
	(void)cpu, (void)node;
	tick(ctx);
	struct ctx *c = ctx;
	struct rec *old = addr ? rec_find(c, addr) : NULL;
	uint64_t old_usable = old ? old->usable : 0;
	unsigned old_kind = old ? old->kind : MMF_ALLOC_REALLOC;
	void *p = !addr && (gfp & (1u << 8)) ? calloc(1, size ? size : 1) : realloc((void *)(uintptr_t)addr, size ? size : 1);
	if (!p) {
		*err = c->mode == REALLOC_ERRNO ? 0 : 12;
		return MMF_REFUSED;
	}
	*new_addr = (uintptr_t)p;
	if (c->mode == COUNT_REALLOC && old && malloc_usable_size(p) != old_usable) {
		old->addr = *new_addr; /* the count stays as it was */
		return MMF_OK;
	}
	if (addr)
		rec_drop(c, addr);
	/* a block that stays where it was keeps its kind */
	rec_add(c, *new_addr, old && *new_addr == addr ? old_kind : MMF_ALLOC_REALLOC);
	return MMF_OK;
}

static enum mmf_result f_ksize(void *ctx, uint64_t addr, uint64_t *usable)
{
	(void)ctx;
	*usable = malloc_usable_size((void *)(uintptr_t)addr);
	return MMF_OK;
}

static enum mmf_result f_obj_write(void *ctx, uint64_t addr, uint64_t val)
{
	tick(ctx);
	if (((struct ctx *)ctx)->mode == SEGV_IN_WRITE && ((struct ctx *)ctx)->calls >= 100) {
		volatile uintptr_t bad = 8;
		*(volatile int *)bad = 0;
	}
	memcpy((void *)(uintptr_t)addr, &val, 8);
	return MMF_OK;
}

static enum mmf_result f_obj_read(void *ctx, uint64_t addr, uint64_t *val)
{
	tick(ctx);
	memcpy(val, (const void *)(uintptr_t)addr, 8);
	return MMF_OK;
}

static enum mmf_result f_calloc(void *ctx, uint64_t nmemb, uint64_t size, uint64_t *addr, int *err)
{
	tick(ctx);
	errno = 0;
	void *p = ((struct ctx *)ctx)->mode == CALLOC_OVF ? calloc(1, nmemb * size) : calloc(nmemb, size);
	*addr = (uintptr_t)p;
	*err = errno;
	if (p)
		rec_add(ctx, *addr, MMF_ALLOC_CALLOC);
	return p ? MMF_OK : MMF_REFUSED;
}

static enum mmf_result f_memalign(void *ctx, unsigned kind, uint64_t align, uint64_t size, uint64_t *addr, int *err)
{
	struct ctx *c = ctx;
	tick(ctx);
	void *p = (void *)(uintptr_t)MMF_UNTOUCHED;
	if (c->mode == ALIGNED_ANY && kind == MMF_MEMALIGN_ALIGNED && align && (align & (align - 1)) && align < 4096) {
		while (align & (align - 1))
			align += align & -align;
	}
	int e = kind == MMF_MEMALIGN_POSIX || !align || (align & (align - 1)) ? posix_memalign(&p, align, size)
									       : (p = aligned_alloc(align, size)) ? 0 : ENOMEM;
	if (e && c->mode == MEMALIGN_OUT && kind == MMF_MEMALIGN_POSIX)
		p = NULL;
	*addr = (uintptr_t)p;
	*err = e;
	if (!e)
		rec_add(c, *addr, MMF_ALLOC_POSIX_MEMALIGN + kind);
	return e ? MMF_REFUSED : MMF_OK;
}

static const struct mmf_adapter table = {
#if defined(FAULTY_BAD_ABI)
	.abi_version = MMF_ADAPTER_ABI_VERSION + 7,
#else
	.abi_version = MMF_ADAPTER_ABI_VERSION,
#endif
	.size = sizeof(struct mmf_adapter),
	.name = "faulty",
	.description = "test plugin that crashes, hangs or runs away on purpose",
#if defined(FAULTY_BAD_CAPS)
	.caps = MMF_CAP_KMALLOC | MMF_CAP_OBJ_CONTENTS | MMF_CAP_MALLOC | MMF_CAP_VMALLOC, /* no vmalloc entries */
#else
	.caps = MMF_CAP_KMALLOC | MMF_CAP_OBJ_CONTENTS | MMF_CAP_MALLOC | MMF_CAP_COUNTERS | MMF_CAP_FREE_KIND,
#endif
	.level = { [MMF_FAM_OBJ] = MMF_LEVEL_SAFETY },
	.create = f_create,
	.destroy = f_destroy,
	.reset = f_reset,
	.mutants = mutants,
	.nr_mutants = NMUTANTS,
#if defined(FAULTY_KNOWN)
	.known = (const char *const[]){ "calloc-overflow: this build accepts it, to test known differences", NULL },
#endif
	.kmalloc = f_kmalloc,
	.kfree = f_kfree,
	.krealloc = f_krealloc,
	.ksize = f_ksize,
	.obj_write = f_obj_write,
	.obj_read = f_obj_read,
	.calloc = f_calloc,
	.memalign = f_memalign,
	.counter = f_counter,
	.free_kind = f_free_kind,
};

#if !defined(FAULTY_BAD_NOSYM)
const struct mmf_adapter *mmf_adapter_entry(void);
const struct mmf_adapter *mmf_adapter_entry(void) { return &table; }
#else
const struct mmf_adapter *mmf_adapter_entri(void);
const struct mmf_adapter *mmf_adapter_entri(void) { return &table; }
#endif
