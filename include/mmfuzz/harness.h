/* The executor: runs a sequence on the oracle and on systems under test,
 * checks every step and returns a verdict with a one-line signature
 * "MMFUZZ: <adapter>-<family>-<op>-<check>". Library code: it never exits
 * and never prints unless given a trace stream. */
#ifndef MMFUZZ_HARNESS_H
#define MMFUZZ_HARNESS_H
#if defined(MMF_LAYER_ORACLE)
#error "the oracle (reference/) does not include the adapter ABI or the harness: mmfuzz/result.h, profile.h, kernel.h, gfp.h and ops.h are its vocabulary"
#endif

#include <stdint.h>
#include <stdio.h>

#include "mmfuzz/adapter.h"
#include "mmfuzz/ops.h"

#define MMF_MAX_TARGETS 4

struct mmf_finding {
	int found;
	uint32_t step; /* index of the op that failed; nops when at the end */
	char adapter[32];
	char family[16];
	char op[24];
	char check[48];
	char signature[160];
	char detail[512];
};

struct mmf_exec_config {
	/* Systems under test, compared with the oracle (a clean reference).
	 * mutants[i] (may be NULL) is switched on in suts[i]. */
	const struct mmf_adapter *suts[MMF_MAX_TARGETS - 1];
	const char *mutants[MMF_MAX_TARGETS - 1];
	unsigned nr_suts;
	/* Highest level used for any comparison: MMF_LEVEL_EXACT normally;
	 * MMF_LEVEL_SEMANTIC measures what a new allocator would get. */
	enum mmf_level max_level;
	/* Cheap checks after every op (1) or only full walks at the end (0). */
	int cheap_checks;
	/* Full walks after every op as well (slow; for replay -v). */
	int full_checks_every_op;
	/* Skip the full walks and report comparison at the end of a sequence
	 * (benchmarks measuring per-op cost only). */
	int skip_end_checks;
	/* When non-NULL, each op and every target's outcome is printed. */
	FILE *trace;
	/* Raise the differences the adapters list as known as findings too. */
	int no_known;
	/* A reference mutant switched on in the oracle itself (NULL: none):
	 * the systems under test judge it, and the oracle's own walkers are
	 * not run. What `mmfuzz fidelity --oracle-mutant` measures: whether a
	 * real system shows the bug. */
	const char *oracle_mutant;
	/* Kernel knobs ("name=value ...", mmfuzz/kernel.h) for the oracle,
	 * before those the systems under test declare; NULL: none. */
	const char *kernel;
	/* Go on past a disagreement with the oracle, counting every one in
	 * the statistics (fidelity); the run's finding is the first. Off while
	 * statistics are not counted (minimizing). */
	int keep_going;
	/* The oracle's end walks check everything (the property tests), not
	 * only what a sequence can have changed. */
	int walk_full;
	/* Time every phase into the statistics' cost[] (costs a clock read
	 * per phase per op). */
	int cost;
};

/* Opening an adapter by what a user names: a built-in adapter, an
 * installed agent (glibc, jemalloc, ...: the program mmfuzz-agent-NAME
 * beside mmfuzz, in MMFUZZ_AGENT_DIR or in ../libexec/mmfuzz), a shared
 * object exporting MMF_ADAPTER_ENTRY (a path ending in .so), or an agent
 * program's path. Agents always run out of process; so do plugins unless
 * isolate is MMF_ISOLATE_NONE, and built-in adapters when it is
 * MMF_ISOLATE_FORK. A worker that crashes, outlives
 * op_timeout_ms (default 5000) or holds more than mem_limit bytes resident
 * (0: no limit) becomes a finding; the campaign goes on. NULL with a
 * message in err when the adapter cannot be found or fails the ABI. */
enum mmf_isolate { MMF_ISOLATE_DEFAULT, MMF_ISOLATE_FORK, MMF_ISOLATE_NONE };
struct mmf_open_opts {
	enum mmf_isolate isolate;
	unsigned op_timeout_ms;
	uint64_t mem_limit;
};
/* On failure returns NULL with err set, and errno EINVAL (a bad name, a
 * plugin or agent that refused its table) or EIO (its process could not
 * start: it exited, crashed or hung before it said hello). */
const struct mmf_adapter *mmf_adapter_open(const char *name, const struct mmf_open_opts *o, char *err, size_t cap);
/* Kills every fork server and worker this process started, and what they
 * left (for a signal handler: only async-signal-safe calls). */
void mmf_remote_kill_all(void);
/* The program that serves isolated adapters (`PROGRAM agent NAME`): set
 * by the mmfuzz command to itself. Unset, isolation forks the calling
 * process instead (slower per sequence when that process is large). */
void mmf_adapter_set_agent_program(const char *exe);
/* The installed agent program for name; 0, or -1 if there is none. */
int mmf_agent_path(const char *name, char *out, size_t cap);

/* Per-run statistics (what the campaign sums up in its report). */
/* Outcomes as the statistics index them: ok, a fault, or a refusal by
 * its errno (1..MMF_NR_OUTCOMES - 4; larger ones share the last). */
enum { MMF_OUTCOME_OK, MMF_OUTCOME_SEGV, MMF_OUTCOME_BUS, MMF_OUTCOME_ERRNO };
#define MMF_NR_OUTCOMES 64
/* The name of outcome i ("ok", "SIGSEGV", "ENOMEM", ...). */
const char *mmf_outcome_name(unsigned i);

/* Where a run's time goes (mmfuzz fuzz --cost). The execute phases hold
 * the ops' own time in every system, an out-of-process one's round trips
 * included; checks are the walks after each op, end walks and end
 * compare those after the last op. */
enum mmf_cost_phase {
	MMF_COST_RESET,	      /* systems reset or created, slots cleared */
	MMF_COST_EXEC_PAGE,   /* ops of the page family */
	MMF_COST_EXEC_OBJ,    /* ... object family */
	MMF_COST_EXEC_VMALLOC,/* ... vmalloc family */
	MMF_COST_EXEC_AS,     /* ... address-space family */
	MMF_COST_CHECKS,      /* cheap checks after each op, adapters' counters */
	MMF_COST_END_WALKS,   /* the full invariant walks at the end */
	MMF_COST_END_COMPARE, /* the reports compared at the end */
	MMF_NR_COST
};

struct mmf_exec_stats {
	uint64_t ops;
	uint64_t per_op[MMF_NR_OPCODES][4]; /* [code][ok, refused, unsupported, skipped] */
	uint64_t known[MMF_MAX_KNOWN];      /* hits of each known difference the adapter lists */
	uint64_t oracle_oom; /* sequences a real system stopped being compared in: the oracle's machine ran short of memory */
	uint64_t oracle_numa; /* ... a hugetlb op on a profile of several nodes (per-node pools) */
	/* What the comparison covered. The oracle's outcome of each op it ran
	 * (mmf_outcome_index()); the ops a system under test answered itself
	 * and had compared (not skipped, not a process slot the agent knows
	 * to be empty or busy, not an address the agent places); every
	 * disagreement per op, [MMF_NR_OPCODES] at the end (all of them with
	 * keep_going, else the first of each sequence). */
	uint64_t outcome[MMF_NR_OPCODES][MMF_NR_OUTCOMES];
	uint64_t answered[MMF_NR_OPCODES];
	uint64_t disagreed[MMF_NR_OPCODES + 1];
	uint64_t reads, reads_data; /* mem_reads run, and those that read data (no fault, not zero) */
	/* How deep the address-space sequences went (mmfuzz/result.h's struct
	 * mmf_depth, summed or as histograms over the sequences that used
	 * address spaces). */
	uint64_t as_seqs, forking_seqs;
	uint64_t fork_depth[MMF_NPROCS + 1]; /* sequences that forked, by their deepest generation */
	uint64_t procs_max[MMF_NPROCS + 1];  /* sequences by the most processes alive at once */
	uint64_t forks, cow_breaks, pages_shared;
	/* memory pressure the oracle went through (struct mmf_depth's) */
	uint64_t kswapd_runs, direct_reclaims, swapouts, swapins, zswap_writebacks, oom_kills;
	uint64_t huge_faults, huge_cows, huge_reservations, huge_surplus; /* hugetlb (struct mmf_depth's) */
	uint64_t thp_faults, thp_splits, thp_collapses;                   /* THP (struct mmf_depth's) */
	/* Seconds per phase, measured when mmf_exec_config.cost is set
	 * (enum mmf_cost_phase). */
	double cost[MMF_NR_COST];
};

struct mmf_exec;

/* Creates an executor; on failure returns NULL with a message in err. */
struct mmf_exec *mmf_exec_create(const struct mmf_exec_config *cfg, char *err,
				 size_t cap);
void mmf_exec_destroy(struct mmf_exec *ex);

/* Runs one sequence from a clean state. Returns 1 with *f filled on a
 * finding, 0 on a clean run, -1 when an adapter could not be set up
 * (f->detail says why). */
int mmf_exec_run(struct mmf_exec *ex, const struct mmf_seq *seq,
		 struct mmf_finding *f);
/* mmf_exec_run for a campaign: with one system under test, out of process
 * in an agent that carries the executor, the whole sequence runs in its
 * worker (harness/exec_worker.c); findings are the worker's, to be
 * replayed op by op before they are believed. Otherwise mmf_exec_run. */
int mmf_exec_run_campaign(struct mmf_exec *ex, const struct mmf_seq *seq,
			  struct mmf_finding *f);
/* The same in two halves, so that sequences of other profiles run in
 * their workers meanwhile: post (1 if seq went to a worker, 0 if it is to
 * be run with mmf_exec_run), then collect its result (as mmf_exec_run's)
 * in the order posted, or drop it unseen (its statistics not counted). */
int mmf_exec_campaign_post(struct mmf_exec *ex, const struct mmf_seq *seq);
int mmf_exec_campaign_collect(struct mmf_exec *ex, const struct mmf_seq *seq,
			      struct mmf_finding *f);
void mmf_exec_campaign_drop(struct mmf_exec *ex, const struct mmf_seq *seq);
const struct mmf_exec_stats *mmf_exec_stats(const struct mmf_exec *ex);
/* The kernel knobs the oracle runs with beyond its profile's defaults:
 * cfg->kernel, then what the systems under test declared ("" for none). */
const char *mmf_exec_kernel(const struct mmf_exec *ex);
/* Stops (0) or resumes (1) counting runs into the statistics. */
void mmf_exec_set_counting(struct mmf_exec *ex, int on);
/* Times every phase into the statistics' cost[] from now on (on) or not. */
void mmf_exec_set_cost(struct mmf_exec *ex, int on);
/* Destroys every system's context for profile prof (for an out-of-process
 * adapter: its fork server), so the next sequence on it starts from a
 * fresh create, as `mmfuzz replay` would. */
void mmf_exec_restart(struct mmf_exec *ex, unsigned prof);
/* The profile of the sequence the next mmf_exec_run will run, when the
 * caller knows it (mmf_gen_profile): out-of-process workers of that
 * profile are woken at the end of this run's ops, so that they are awake
 * when it starts. Used once. */
void mmf_exec_next_profile(struct mmf_exec *ex, unsigned prof);

/* Aborts at a call site that depends on the finding's check, so crash
 * deduplication by stack keeps distinct bugs apart. */
_Noreturn void mmf_finding_abort(const struct mmf_finding *f);
/* A fuzz target's LLVMFuzzerTestOneInput: loads the input as `mmfuzz
 * replay` would (-1: rejected), runs it, and on a finding prints the
 * signature and aborts at the check's site; exits 2 when an adapter
 * cannot be set up. */
int mmf_fuzz_one(struct mmf_exec *ex, const uint8_t *data, size_t size);
/* The name of the abort site taken (for a SIGABRT handler or a debugger). */
extern const char *volatile mmf_abort_site;

/* The seeded PRNG generator behind `mmfuzz fuzz` and the property tests. */
struct mmf_gen_config {
	int profile;       /* -1: pick per sequence */
	unsigned max_ops;  /* longest sequence generated */
	unsigned families; /* bit per family to draw from; 0: all */
	unsigned flags;    /* MMF_GEN_* */
	unsigned version;  /* generator version (0: MMF_GEN_VERSION, the latest) */
	/* From version 3: the percent of address-space ops aimed at an error
	 * path on purpose, plus one (0: the default, MMF_GEN_ERRORS_DEFAULT) */
	unsigned errors;
	/* From version 3: the capabilities every system compared in the
	 * address-space family has; ops that need another are not drawn
	 * (they would be skipped for all). 0: any. */
	uint64_t as_caps;
	/* The capabilities of the system under test: ops of the page, object
	 * and vmalloc families that need another are not drawn (only the
	 * oracle would run them). 0: any (the oracle is the system tested). */
	uint64_t caps;
};
#define MMF_GEN_ERRORS_DEFAULT 10
/* The generator's version. A version's sequences are a pure function of
 * (seed, config) for ever: a new op kind is drawn from the version that
 * adds it on (its row's gen column), so older versions replay the same
 * sequences from the same seeds. Reports and reproducers name it. */
#define MMF_GEN_VERSION 8
/* Also draw the malloc-style ops (calloc, memalign, realloc), for adapters
 * with MMF_CAP_MALLOC; without it sequences are as they always were. */
#define MMF_GEN_MALLOC 1u
/* Draw only profiles without CONFIG_MEM_SOFT_DIRTY: for an address-space
 * adapter without MMF_CAP_SOFT_DIRTY (a kernel built without it, whose
 * VmFlags and pagemap cannot show it). */
#define MMF_GEN_NO_SOFT_DIRTY 2u
/* Draw only the profiles with 8 KiB user pages (sparc64), for an adapter
 * with MMF_CAP_AS_8K; without it, only those with 4 KiB pages. */
#define MMF_GEN_AS_8K 4u
/* The address-space family never shares a sequence with the others: a real
 * kernel compared there has memory of its own, which the page, object and
 * vmalloc ops of the model's small machine do not use up. */
#define MMF_GEN_AS_ALONE 8u
/* Also draw the flat profile, for a zone-agnostic page allocator
 * (MMF_CAP_PAGE_FLAT); without it the draws are as they always were. */
#define MMF_GEN_FLAT 16u
void mmf_gen_sequence(uint64_t seed, const struct mmf_gen_config *cfg,
		      struct mmf_seq *out);
/* The profile mmf_gen_sequence(seed, cfg) draws, without the rest. */
unsigned mmf_gen_profile(uint64_t seed, const struct mmf_gen_config *cfg);
uint64_t mmf_seed_mix(uint64_t campaign_seed, uint64_t index);

/* The minimizer (harness/shrink.c): cuts after the failing op, removes
 * runs of ops (halving their length), makes fields smaller, repeated
 * until nothing changes; a candidate counts only when it fails with the
 * same signature. With fork_each every candidate runs in a forked child
 * (timeout seconds, default 10), so crashing and hanging inputs shrink
 * too. time_limit (seconds, 0 none) bounds the whole minimization.
 * Returns the runs spent; *f becomes the minimized input's finding. */
struct mmf_min_config {
	int fork_each;
	double timeout;
	double time_limit;
};
struct mmf_min_stats {
	unsigned ops_before, ops_after;
	unsigned long runs;
	double seconds;
};
unsigned mmf_minimize(struct mmf_exec *ex, struct mmf_seq *seq, struct mmf_finding *f,
		      const struct mmf_min_config *cfg, struct mmf_min_stats *st);
/* mmf_minimize in process, without limits. */
unsigned mmf_shrink(struct mmf_exec *ex, struct mmf_seq *seq,
		    struct mmf_finding *f);
/* One run in a forked child: a crash gives the finding "MMFUZZ:
 * crash-<SIGNAL>", no verdict within timeout seconds "MMFUZZ: timeout". */
int mmf_run_isolated(struct mmf_exec *ex, const struct mmf_seq *seq, struct mmf_finding *f, double timeout);

#endif
