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

#endif
