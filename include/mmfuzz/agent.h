/* Running an adapter out of process: an agent program's main.
 *
 * An agent is a program that carries one adapter table and serves it to
 * mmfuzz over pipes (fork server and workers; mmfuzz/wire.h has
 * the protocol). Use one when the system under test must not share a
 * process with mmfuzz: an allocator that replaces malloc, code built
 * without sanitizers, code that may crash or hang. mmfuzz starts the agent
 * with `--adapter PATH` (or by name for the agents it installs) and finds
 * crashes, hangs and runaway memory as findings. */
#ifndef MMFUZZ_AGENT_H
#define MMFUZZ_AGENT_H
#if defined(MMF_LAYER_ORACLE)
#error "the oracle (reference/) does not include the adapter ABI or the harness: mmfuzz/result.h, profile.h, kernel.h, gfp.h and ops.h are its vocabulary"
#endif

#include "mmfuzz/adapter.h"

/* Serves ad until mmfuzz closes the connection; returns main's exit status
 * (2 when the program was not started by mmfuzz). */
int mmf_agent_main(const struct mmf_adapter *ad);

#endif
