/* A worker that runs whole sequences (W_RUN): the far side of a campaign
 * in whole-sequence mode. An agent that links mmfuzz's core carries
 * harness/remote_run.c and offers MMF_WIRE_F_RUN; one that links only
 * remote_serve.c (the Linux agent, agents of a sanitized build) leaves
 * mmf_agent_run undefined, and mmfuzz drives it op by op. */
#ifndef MMF_HARNESS_REMOTE_RUN_H
#define MMF_HARNESS_REMOTE_RUN_H

#include <stdint.h>

#include "mmfuzz/adapter.h"
#include "mmfuzz/wire.h"

/* W_RUN's answer, at the start of its payload; then the finding (struct
 * mmf_finding) when run == 1, then the statistics it added (see
 * mmf_exec_stats_take in harness/exec.c). */
struct mmf_wire_run {
	int32_t run;      /* 0 clean, 1 a finding, -1 the executor could not start (detail: why) */
	uint32_t reusable; /* the adapter's reset after a clean run answered MMF_OK */
	uint32_t finding_len, stats_len;
};

/* Runs W_RUN's request q (payload in) in this worker, whose adapter is
 * ad with context ctx on profile prof; answers into out (at most cap
 * bytes), its length in *outlen. *progress is set to 1 + each op's index
 * as it starts (how mmfuzz times each op). */
int mmf_agent_run(const struct mmf_adapter *ad, void *ctx, unsigned prof, const struct mmf_wire_req *q,
		  const char *in, char *out, uint32_t cap, uint32_t *outlen, uint32_t *progress)
	__attribute__((weak));

/* exec_worker.c: the executor's side of it. */
struct mmf_exec;
struct mmf_seq;
/* Target `target` of ex uses ctx (created elsewhere, never destroyed by
 * ex) on profile prof; 0, or -1 without memory. */
int mmf_exec_adopt(struct mmf_exec *ex, unsigned target, unsigned prof, void *ctx);
/* Resets the target's context for profile prof after a clean run (0, or
 * -1 if its reset did not answer MMF_OK): the next run on it starts
 * without another reset, as an op-by-op worker's does. */
int mmf_exec_reset_after(struct mmf_exec *ex, unsigned target, unsigned prof);
/* *word is set to 1 + the index of each op as it starts (0: none). */
void mmf_exec_set_progress(struct mmf_exec *ex, uint32_t *word);
/* The statistics gathered since the last call, moved into out as (word,
 * value) pairs: their bytes, 0 if cap is too small (they are lost then). */
size_t mmf_exec_stats_take(struct mmf_exec *ex, const struct mmf_seq *seq, void *out, size_t cap);
/* Adds what mmf_exec_stats_take gave; -1 if it is not that. */
int mmf_exec_stats_apply(struct mmf_exec *ex, const void *in, size_t len);
/* W_RUN's payload for seq into buf and the config flags into *flags: its
 * length, 0 if it does not fit. */
size_t mmf_exec_run_request(const struct mmf_exec *ex, const struct mmf_seq *seq, char *buf, size_t cap,
			    uint64_t *flags);

#endif
