/* A test plugin that attacks mmfuzz instead of allocating well: a
 * malloc-style adapter on the C library's malloc that, behind a mutant,
 * at the 50th call of a sequence leaves processes behind, kills its own
 * fork server, hangs or crashes -- or, for "chaos", whichever of those
 * the size that call asks for picks (only allocating calls count, so
 * every sequence replays the same way) --
 * or whose check reports a message with a line break in it.
 * Its create sleeps HOSTILE_CREATE_SLEEP seconds when that is set.
 * Built a few more times to attack at load: a constructor that exits 0
 * (HOSTILE_CTOR_EXIT) or crashes (HOSTILE_CTOR_SEGV), a mutant named to
 * climb out of --out (HOSTILE_BAD_MUTANT). */
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmfuzz/adapter.h"

enum { NONE, ORPHANS, KILL_PARENT, HANG, CRASH, CHAOS, NEWLINE };

static const struct mmf_mutant_desc mutants[] = {
	{ "orphans", "test", "the 50th call forks processes that leave its group and outlive it" },
	{ "kill_parent", "test", "the 50th call kills the fork server" },
	{ "hang", "test", "the 50th call never returns" },
	{ "crash", "test", "the 50th call dereferences NULL" },
	{ "chaos", "test", "the 50th call does one of the above, picked by its size" },
	{ "newline_detail", "test", "check reports a message with a line break in it" },
#if defined(HOSTILE_BAD_MUTANT)
	{ "../../../escaped", "test", "a name that climbs out of --out" },
#endif
};
#define NMUTANTS (sizeof(mutants) / sizeof(mutants[0]))

struct ctx {
	unsigned calls;
	int mode;
};

#if defined(HOSTILE_CTOR_EXIT) || defined(HOSTILE_CTOR_SEGV)
__attribute__((constructor)) static void at_load(void)
{
#if defined(HOSTILE_CTOR_EXIT)
	exit(0);
#else
	volatile uintptr_t bad = 8;
	*(volatile int *)bad = 0;
#endif
}
#endif

static enum mmf_result h_create(const struct mmf_adapter_config *cfg, void **out, char *err, size_t cap)
{
	(void)err, (void)cap;
	const char *slow = getenv("HOSTILE_CREATE_SLEEP"); /* seconds */
	if (slow)
		sleep((unsigned)atoi(slow));
	struct ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return MMF_REFUSED;
	for (unsigned i = 0; cfg->mutant && i < NMUTANTS; i++)
		if (!strcmp(cfg->mutant, mutants[i].name))
			c->mode = (int)i + 1;
	*out = c;
	return MMF_OK;
}

static void h_destroy(void *ctx) { free(ctx); }

static enum mmf_result h_reset(void *ctx)
{
	((struct ctx *)ctx)->calls = 0;
	return MMF_OK;
}

/* Processes that escape the worker's group (setsid) and its children
 * (a double fork), and sleep on. */
static void leave_orphans(void)
{
	for (int i = 0; i < 2; i++) {
		pid_t p = fork();
		if (p == 0) {
			setsid();
			if (i == 1 && fork() > 0)
				_exit(0); /* the grandchild is orphaned at once */
			for (;;)
				pause();
		}
	}
}

static void attack(struct ctx *c, uint64_t size)
{
	if (++c->calls != 50 || !c->mode)
		return;
	int mode = c->mode == CHAOS ? ORPHANS + (int)(size % 5) : c->mode;
	switch (mode) {
	case ORPHANS: leave_orphans(); break;
	case KILL_PARENT: kill(getppid(), SIGKILL); break;
	case HANG:
		for (volatile int spin = 1; spin;)
			;
		break;
	case CRASH: {
		volatile uintptr_t bad = 8; /* the first page is never mapped */
		*(volatile int *)bad = 0;
		break;
	}
	default: break; /* chaos's fifth choice: nothing */
	}
}

static enum mmf_result h_kmalloc(void *ctx, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node, uint64_t *addr,
				 int *err)
{
	(void)gfp, (void)cpu, (void)node;
	attack(ctx, size);
	void *p = malloc(size ? size : 1);
	if (!p) {
		*err = 12;
		return MMF_REFUSED;
	}
	*addr = (uintptr_t)p;
	return MMF_OK;
}

static enum mmf_result h_kfree(void *ctx, uint64_t addr, unsigned cpu)
{
	(void)ctx, (void)cpu;
	free((void *)(uintptr_t)addr);
	return MMF_OK;
}

static enum mmf_result h_krealloc(void *ctx, uint64_t addr, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node,
				  uint64_t *new_addr, int *err)
{
	(void)gfp, (void)cpu, (void)node;
	attack(ctx, size);
	void *p = realloc((void *)(uintptr_t)addr, size ? size : 1);
	if (!p) {
		*err = 12;
		return MMF_REFUSED;
	}
	*new_addr = (uintptr_t)p;
	return MMF_OK;
}

static enum mmf_result h_ksize(void *ctx, uint64_t addr, uint64_t *usable)
{
	(void)ctx;
	*usable = malloc_usable_size((void *)(uintptr_t)addr);
	return MMF_OK;
}

static enum mmf_result h_calloc(void *ctx, uint64_t nmemb, uint64_t size, uint64_t *addr, int *err)
{
	attack(ctx, size);
	void *p = calloc(nmemb, size);
	*addr = (uintptr_t)p;
	*err = p ? 0 : 12;
	return p ? MMF_OK : MMF_REFUSED;
}

static enum mmf_result h_memalign(void *ctx, unsigned kind, uint64_t align, uint64_t size, uint64_t *addr, int *err)
{
	(void)kind;
	attack(ctx, size);
	void *p = NULL;
	int e = posix_memalign(&p, align, size);
	*addr = e ? (uint64_t)MMF_UNTOUCHED : (uintptr_t)p;
	*err = e;
	return e ? MMF_REFUSED : MMF_OK;
}

static enum mmf_result h_check(void *ctx, enum mmf_check_grade grade, char *msg, size_t cap)
{
	(void)grade;
	struct ctx *c = ctx;
	if (c->mode != NEWLINE || c->calls < 3)
		return MMF_OK;
	/* what a careless plugin prints: a line break, then what looks like
	 * an op line and a NUL-free control byte */
	strncpy(msg, "bad_state: two lines\nkmalloc slot=1 size=8\x01 after", cap - 1);
	msg[cap - 1] = 0;
	return MMF_CORRUPT;
}

static const struct mmf_adapter table = {
	.abi_version = MMF_ADAPTER_ABI_VERSION,
	.size = sizeof(struct mmf_adapter),
	.name = "hostile",
	.description = "test plugin that attacks the harness on purpose",
	.caps = MMF_CAP_KMALLOC | MMF_CAP_MALLOC | MMF_CAP_CHECK,
	.level = { [MMF_FAM_OBJ] = MMF_LEVEL_SAFETY },
	.create = h_create,
	.destroy = h_destroy,
	.reset = h_reset,
	.check = h_check,
	.mutants = mutants,
	.nr_mutants = NMUTANTS,
	.kmalloc = h_kmalloc,
	.kfree = h_kfree,
	.krealloc = h_krealloc,
	.ksize = h_ksize,
	.calloc = h_calloc,
	.memalign = h_memalign,
};

const struct mmf_adapter *mmf_adapter_entry(void);
const struct mmf_adapter *mmf_adapter_entry(void) { return &table; }
