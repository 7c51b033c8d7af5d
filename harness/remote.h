/* Remote adapters: a system under test served by a fork server in another
 * process (harness/remote.c), so that a crash, a hang or runaway memory
 * becomes a finding and the campaign goes on. */
#ifndef MMF_HARNESS_REMOTE_H
#define MMF_HARNESS_REMOTE_H
#if defined(MMF_LAYER_ORACLE) || defined(MMF_LAYER_ADAPTERS)
#error "a header of the harness, which the oracle and the built-in adapters do not include"
#endif

#include <stddef.h>
#include <stdint.h>

#include "mmfuzz/adapter.h"

struct mmf_remote_opts {
	unsigned op_timeout_ms; /* per op; 0: 5000 */
	uint64_t mem_limit;     /* bytes resident in a worker; 0: no limit */
};

/* A table that runs inner in forked workers of a fork of this process. */
const struct mmf_adapter *mmf_remote_fork(const struct mmf_adapter *inner, const struct mmf_remote_opts *o,
					  char *err, size_t cap);
/* A table served by the agent program at path (mmf_agent_main), run
 * with up to two arguments (NULL: none). */
const struct mmf_adapter *mmf_remote_exec(const char *path, const struct mmf_remote_opts *o, char *err,
					  size_t cap);
const struct mmf_adapter *mmf_remote_exec_args(const char *path, const char *arg1, const char *arg2,
					       const struct mmf_remote_opts *o, char *err, size_t cap);

/* From time t on (mmf_now(); 0: never), a call still waiting for its
 * worker kills it and answers MMF_CORRUPT with check() "stopped: ...": the
 * caller's time is up (mmfuzz fuzz --time). Not a finding of the adapter. */
void mmf_remote_set_stop(double t);
#define MMF_REMOTE_STOPPED "stopped"

/* Persistent workers. At the end of a sequence that ended clean, the
 * executor asks each remote target to recycle its worker: the worker runs
 * the adapter's own reset (which must bring it back to the state right
 * after create). mmf_remote_recycle returns -1 if ad is no remote table,
 * 1 if the worker died in its reset (a finding: check() says how), else
 * 0. Whether the next sequence runs on that worker is set by
 * mmf_remote_set_reuse: up to n sequences per worker (1, the default: a
 * fresh worker every sequence, as replays want); a worker is forked afresh
 * after a finding too, and every time for an adapter without reset. It
 * returns the setting it replaces. */
#define MMF_REMOTE_REUSE_DEFAULT 1000

/* Batches. Over the ring, a call whose answer the executor only checks
 * for MMF_OK (obj_write) is not sent at once: it goes with the next call
 * that waits for its answer, in one W_BATCH, or when the executor
 * flushes. Before each obj_write the executor marks the step and
 * the op name it would charge a failure to (mmf_remote_mark); it flushes
 * every remote target at the end of a sequence and before it records any
 * finding (mmf_remote_flush: 1 if a deferred call failed or its worker
 * died, check() saying how; 0 else; -1 for no remote table), and asks
 * mmf_remote_fail_site where such a failure belongs: the mark of the call
 * that failed, so a finding keeps the op, step and signature it would
 * have had answered at once. */
void mmf_remote_mark(uint32_t step, const char *op);

/* Deferred reads and frees. A call the executor checks only for MMF_OK
 * (kfree, free_kind, cache_free, obj_write) is deferred as above, and so
 * is a read of a word whose value it knows: mmf_remote_expect, which
 * answers -1 for a table it cannot defer for (no remote table, or one
 * served through pipes: read the word yourself), 1 if the worker is
 * dead (a corrupt finding), else 0. strict: a read answered neither
 * MMF_OK nor MMF_CORRUPT fails it too. The note, set with the mark
 * (mmf_remote_mark_as), says what such a failure means, and
 * mmf_remote_failure gives it back with what the worker answered, so
 * the executor raises the finding it would have raised answered at once:
 * 1 if the failure of this sequence's dead worker was such an answer. */
enum mmf_remote_kind {
	MMF_REMOTE_PLAIN,    /* a write */
	MMF_REMOTE_WORD,     /* a word written earlier (word, block) */
	MMF_REMOTE_ZEROED,   /* a word of a zeroed block (word, block) */
	MMF_REMOTE_FREE,     /* a free of block */
};
struct mmf_remote_note {
	enum mmf_remote_kind kind;
	uint32_t word;
	uint64_t block;
};
struct mmf_remote_failure {
	uint32_t step;
	const char *op;
	struct mmf_remote_note note;
	enum mmf_result result; /* the deferred call's answer */
	enum mmf_result read;   /* a W_EXPECT: obj_read's own answer */
	uint64_t got, want;     /* a W_EXPECT: what it read, what it should have */
};
void mmf_remote_mark_as(uint32_t step, const char *op, const struct mmf_remote_note *note);
int mmf_remote_expect(const struct mmf_adapter *ad, void *ctx, uint64_t addr, uint64_t want, int strict);
int mmf_remote_failure(const struct mmf_adapter *ad, void *ctx, struct mmf_remote_failure *fl);
int mmf_remote_flush(const struct mmf_adapter *ad, void *ctx);
int mmf_remote_fail_site(const struct mmf_adapter *ad, void *ctx, uint32_t *step, const char **op);
int mmf_remote_recycle(const struct mmf_adapter *ad, void *ctx);
/* A recycled worker sleeps until its profile's next sequence; this wakes
 * it ahead of that sequence's first call (the executor calls it before it
 * resets anything else), so that it is spinning when the call comes. */
void mmf_remote_wake(const struct mmf_adapter *ad, void *ctx);
/* A worker that will not serve another sequence (its adapter has no
 * reset, or the sequence ended in a finding) ends with its sequence, not
 * when the next one on its target starts: what it holds goes now (the
 * Linux agent's swap devices and the machine's swap lock, which another
 * target's sequence may be waiting for). */
void mmf_remote_retire(const struct mmf_adapter *ad, void *ctx);
unsigned mmf_remote_set_reuse(unsigned n);
/* Whole sequences in the worker (W_RUN, harness/exec_worker.c): on (1,
 * the default) where the agent offers it, or every call its own round
 * trip (0). */
void mmf_remote_set_persistent(int on);
/* Whether ad is an out-of-process adapter's proxy. */
int mmf_remote_adapter(const struct mmf_adapter *ad);
/* Whether ctx's workers take whole sequences now: never with
 * mmf_remote_set_persistent(0), an adapter without reset, or workers that
 * serve fewer than this many sequences each (--worker-reuse). */
#define MMF_REMOTE_RUN_MIN_REUSE 16
int mmf_remote_can_run(const struct mmf_adapter *ad, void *ctx);
/* W_RUN of payload with the config flags, posted to ctx's worker (a
 * fresh one if its last cannot serve on): 0, or -2 when it cannot run
 * sequences now (then run this one op by op). */
int mmf_remote_run_post(const struct mmf_adapter *ad, void *ctx, uint64_t flags, const void *payload, uint32_t len);
/* Its answer: 0 with the worker's answer (struct mmf_wire_run and what
 * follows; valid until the next call) in *answer, *answer_len; -1 when
 * the worker died, hung, outgrew its limit or the campaign's time ran
 * out (mmf_remote_why says which); -2 when it took the request for a
 * malformed one. *progress: 1 + the op the worker was in, 0 before the
 * first. */
int mmf_remote_run_wait(const struct mmf_adapter *ad, void *ctx, const char **answer, uint32_t *answer_len,
			uint32_t *progress);
/* W_RUNs answered so far. */
unsigned long mmf_remote_runs(void);
/* "tag: detail" of how ctx's last worker ended, "" if it did not. */
const char *mmf_remote_why(const struct mmf_adapter *ad, void *ctx);
/* Workers forked, sequences run on a worker reset by its adapter, and
 * whether any call went through the shared-memory ring. */
void mmf_remote_counts(unsigned long *forked, unsigned long *reused, int *ring);

#endif
