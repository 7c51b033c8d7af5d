/* Executor internals shared by the per-family step files. */
#ifndef MMF_HARNESS_EXEC_INTERNAL_H
#define MMF_HARNESS_EXEC_INTERNAL_H
#if defined(MMF_LAYER_ORACLE) || defined(MMF_LAYER_ADAPTERS)
#error "a header of the harness, which the oracle and the built-in adapters do not include"
#endif

#include <stdint.h>

#include "harness/optable.h"
#include "mmfuzz/harness.h"

#define MAX_PROFILES 8
#define NWRITES 4
#define REPORT_CAP (256u << 10) /* smaps of a few hundred VMAs */

enum outcome { OUT_OK, OUT_REFUSED, OUT_UNSUPPORTED, OUT_SKIPPED };

struct slot {
	uint8_t live;
	uint8_t order;
	uint8_t zeroed;
	uint8_t nw;
	uint8_t movable; /* allocated with a movable mask: cma_alloc may migrate it */
	uint8_t pins;    /* pin_page calls not yet undone */
	uint64_t pfn;
	uint32_t widx[NWRITES]; /* pages written, most recent last */
	uint64_t wtok[NWRITES];
};

/* An object as the harness knows it: where, how big, what was written. */
struct oslot {
	uint8_t live;
	uint8_t nw;
	uint8_t from_cache; /* kmem_cache_alloc'd: cache_free may return it */
	uint8_t from_pool;  /* mempool_alloc'd, from pool slot `pool` */
	uint8_t pool;
	uint64_t addr;
	uint64_t size;
	uint64_t usable;
	uint64_t zero_limit; /* unwritten bytes below this must read zero */
	uint64_t cache_id;
	uint8_t kind; /* enum mmf_alloc_kind */
	uint32_t widx[NWRITES];
	uint64_t wtok[NWRITES];
};

/* A vmalloc area: where, how many pages, the frames seen behind them. */
#define VMAX_PAGES 1025
struct vslot {
	uint8_t live;
	uint8_t nw;
	uint8_t zeroed;
	uint64_t addr;
	uint32_t npages;
	uint32_t *pfn; /* VMAX_PAGES entries, from the target's pool */
	uint32_t widx[NWRITES];
	uint64_t wtok[NWRITES];
};

struct pslot {
	uint8_t live;
	uint64_t id;
	uint32_t min_nr;
	uint32_t out; /* taken through mempool_alloc, not yet given back */
	uint64_t size;
};

struct cslot {
	uint8_t live;
	uint64_t id;
	uint32_t size, align;
};

/* A cma_alloc'd range. */
struct cmaslot {
	uint8_t live;
	uint8_t area;
	uint32_t count;
	uint64_t pfn;
};

struct target {
	const struct mmf_adapter *ad;
	const char *mutant;
	const char *name; /* in signatures */
	enum mmf_level level[MMF_NR_FAMILIES];
	void *ctx[MAX_PROFILES];
	uint64_t *owned[MAX_PROFILES]; /* bit per frame in a live block */
	/* MMF_CAP_COUNTERS: free_pages as the first reset found it */
	uint64_t free_base[MAX_PROFILES];
	uint8_t free_known[MAX_PROFILES];
	struct slot slots[MMF_NSLOTS];
	struct oslot oslots[MMF_NSLOTS];
	struct cslot cslots[MMF_NCACHES];
	struct pslot pslots[MMF_NPOOLS];
	struct vslot vslots[MMF_NSLOTS];
	struct cmaslot cmaslots[MMF_NSLOTS];
	/* Bit s set while oslots[s] (vslots[s]) is live: the disjointness
	 * checks visit live ones only. Changed only through oslot_live() and
	 * vslot_live(), which keep it equal to the slots' own flags. */
	uint64_t olive, vlive;
#if MMF_NSLOTS > 64
#error "olive and vlive hold a bit per slot"
#endif
	uint32_t *vpfn_pool;
	/* this op's outcome */
	enum outcome out;
	int err;
	uint64_t pfn;
	uint64_t token;
	int fault; /* of a memory access: 0, SIGSEGV, SIGBUS */
	char *report;
	size_t report_len;
	/* A known difference in an op's outcome left this target in another
	 * state than the oracle's: the rest of the sequence is not compared
	 * (its crashes and hangs still are). */
	int diverged;
	int pressured; /* the oracle ran short of memory: nothing of t is compared any more */
	/* A known difference was accepted in this sequence: the adapter may
	 * hold what the harness did not record, so its counters go unchecked. */
	int known_seen;
	/* Compared in none of the families this sequence uses: neither reset
	 * nor checked (an agent's fresh worker costs a fork). */
	int idle;
	/* persistent worker (harness/remote_run.c): ctx[] came from the
	 * server, which destroys it; its adapter was reset after the last
	 * clean sequence, so the next prepare() does not reset it again */
	unsigned adopted;    /* a bit per profile */
	unsigned reset_done; /* a bit per profile */
};

struct mmf_exec {
	struct mmf_exec_config cfg;
	unsigned nt;
	struct target t[MMF_MAX_TARGETS];
	struct mmf_exec_stats stats;
	const struct mmf_seq *seq;
	struct mmf_op_bounds bounds[MAX_PROFILES][MMF_NR_OPCODES]; /* canonical records */
	unsigned last_prof; /* profile whose bitmaps the slots refer to */
	unsigned next_prof; /* 1 + the next run's profile (mmf_exec_next_profile), or 0 */
	int not_counting;
	unsigned family; /* of the op being run, for signatures */
	int as_used;     /* an address-space op ran in this sequence */
	int counters;    /* some target keeps counters (MMF_CAP_COUNTERS) */
	int kg_found;    /* keep_going: the run's first disagreement is in kg_first */
	struct mmf_finding kg_first;
	char kernel[1024]; /* the knobs the systems under test declared, which the oracle runs with */
	char msg[400];
	uint32_t *progress; /* 1 + the op being run, for a worker's mmfuzz (remote_run.c) */
	int no_persist;     /* the worker could not run whole sequences: op by op (exec_worker.c) */
	unsigned runner;    /* 1 + the profile whose worker runs every profile's sequences, or 0 */
};

static inline int has(const struct target *t, uint64_t cap) { return (t->ad->caps & cap) != 0; }

static inline void oslot_live(struct target *t, unsigned slot, int on)
{
	t->oslots[slot].live = (uint8_t)(on != 0);
	t->olive = on ? t->olive | 1ull << slot : t->olive & ~(1ull << slot);
}

static inline void vslot_live(struct target *t, unsigned slot, int on)
{
	t->vslots[slot].live = (uint8_t)(on != 0);
	t->vlive = on ? t->vlive | 1ull << slot : t->vlive & ~(1ull << slot);
}

int mmf_exec_finding(struct mmf_exec *ex, struct mmf_finding *f, const struct target *t, uint32_t step,
		     const char *op, const char *check, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* The finding of ex->msg, "tag: detail" as an adapter's check says it. */
int mmf_exec_check_finding(struct mmf_exec *ex, struct mmf_finding *f, const struct target *t, uint32_t step,
			   const char *op);
int mmf_exec_corrupt_finding(struct mmf_exec *ex, struct mmf_finding *f, const struct target *t, uint32_t step,
			     const char *op, unsigned prof);
/* Compares this op's outcome of every target with the oracle's. */
int mmf_exec_compare(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const char *op);
uint64_t mmf_exec_token(const struct mmf_exec *ex, uint32_t step, uint8_t salt);
/* 0 when t's report text equals the oracle's, else a finding naming the
 * first line that differs. */
int mmf_exec_report_differs(struct mmf_exec *ex, struct mmf_finding *f, const struct target *t, uint32_t step,
			    const char *op, const char *check, const char *what);

/* Frame ownership, shared by the page and vmalloc families. */
void mmf_exec_owned_set(uint64_t *bm, uint64_t pfn, uint32_t n, int on);
int mmf_exec_owned_any(const uint64_t *bm, uint64_t pfn, uint32_t n, uint64_t *hit);


/* exec_cma.c */
/* Drops a page slot's pins before its block is freed; 0 or a finding. */
int mmf_exec_unpin_all(struct mmf_exec *ex, struct mmf_finding *f, struct target *t, uint32_t step, unsigned prof,
		       struct slot *s);

/* exec_as.c */
/* Every process's reports, oracle against each semantic target. */
/* A /proc/PID report (MMF_PROC_*) as semantic comparison sees it
 * (harness/procfmt.c): into out, its length. */
size_t mmf_proc_normalize(unsigned kind, const char *in, size_t len, char *out, size_t cap);
int mmf_exec_compare_proc_reports(struct mmf_exec *ex, struct mmf_finding *f, unsigned prof, uint32_t step);

/* The executor's steps, one per op's row in mmfuzz/ops.def (its step
 * column): each runs the op on every target and compares; 0 or 1 with a
 * finding in f. */
#define MMF_OP(NAME, name, code, fam, cap, step, ...)                                                             \
	int mmf_exec_step_##step(struct mmf_exec *ex, struct mmf_finding *f, uint32_t at, const struct mmf_op *op, \
				 unsigned prof);
#include "mmfuzz/ops.def"
#undef MMF_OP

#endif
