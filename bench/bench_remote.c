/* What isolation costs: the same sequences of malloc-style ops against
 * glibc's adapter in process (the plugin loaded with --isolate none),
 * through the glibc agent program's fork server (how the real-allocator
 * adapters always run), through `mmfuzz agent` serving the plugin (how
 * the mmfuzz command isolates a plugin), and through a fork of this
 * process (the library's fallback without an agent program); each out of
 * process both with a fresh worker for every sequence (as replays run)
 * and with persistent workers (as mmfuzz fuzz runs: --worker-reuse
 * 1000). Prints ns per op and per sequence, medians of 7 runs, and the
 * ratios. Unpinned, as mmfuzz runs; BENCH_PIN=1 pins to one core (as
 * MMFUZZ_PIN=1 does: no spinning, a wake-up per call).
 * usage: bench_remote [AGENT_DIR]   (default: the build's agents/) */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "harness/remote.h"
#include "mmfuzz/harness.h"

#define SEQS 300

static struct mmf_seq seqs[SEQS];

static int measure(const char *what, const char *adapter, enum mmf_isolate iso, unsigned reuse, double *ns_op,
		   double *us_seq)
{
	mmf_remote_set_reuse(reuse);
	struct mmf_open_opts o = { iso, 5000, 2048ull << 20 };
	char err[512];
	const struct mmf_adapter *ad = mmf_adapter_open(adapter, &o, err, sizeof(err));
	if (!ad) {
		fprintf(stderr, "bench_remote: %s: %s\n", what, err);
		return -1;
	}
	struct mmf_exec_config cfg = { .suts = { ad }, .nr_suts = 1, .max_level = MMF_LEVEL_SAFETY, .cheap_checks = 1 };
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	if (!ex) {
		fprintf(stderr, "bench_remote: %s: %s\n", what, err);
		return -1;
	}
	struct mmf_finding f;
	mmf_exec_run(ex, &seqs[0], &f); /* start the server outside the clock */
	double op[7], sq[7];
	for (int rep = 0; rep < 7; rep++) {
		uint64_t ops0 = mmf_exec_stats(ex)->ops;
		double t0 = bench_now();
		for (unsigned i = 0; i < SEQS; i++)
			if (mmf_exec_run(ex, &seqs[i], &f) != 0) {
				fprintf(stderr, "bench_remote: %s: sequence %u: %s\n", what, i, f.found ? f.signature : f.detail);
				mmf_exec_destroy(ex);
				return -1;
			}
		double dt = bench_now() - t0;
		op[rep] = dt * 1e9 / (double)(mmf_exec_stats(ex)->ops - ops0);
		sq[rep] = dt * 1e6 / SEQS;
	}
	*ns_op = bench_median(op, 7);
	*us_seq = bench_median(sq, 7);
	printf("bench: glibc %-30s %-10s %8.0f ns/op %8.1f us/sequence\n", what, iso == MMF_ISOLATE_NONE ? "" : reuse > 1 ? "persistent" : "fresh",
	       *ns_op, *us_seq);
	mmf_exec_destroy(ex);
	return 0;
}

int main(int argc, char **argv)
{
	char dir[4096], plugin[4200], agent[4200];
	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	else {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
		dir[n > 0 ? n : 0] = 0;
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
		strncat(dir, "/../agents", sizeof(dir) - strlen(dir) - 1);
	}
	snprintf(plugin, sizeof(plugin), "%s/mmfuzz-malloc-glibc.so", dir);
	snprintf(agent, sizeof(agent), "%s/mmfuzz-agent-glibc", dir);
	const char *pin = getenv("BENCH_PIN");
	if (pin && !strcmp(pin, "1")) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(sched_getcpu() > 0 ? sched_getcpu() : 0, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	struct mmf_gen_config gc = { 0, 100, 1u << MMF_FAM_OBJ, MMF_GEN_MALLOC, 0, 0, 0, 0 };
	for (unsigned i = 0; i < SEQS; i++)
		mmf_gen_sequence(mmf_seed_mix(1, i), &gc, &seqs[i]);
	double in_op, in_seq, op[2], seq[2], x, y;
	if (measure("in process", plugin, MMF_ISOLATE_NONE, 1, &in_op, &in_seq))
		return 1;
	for (unsigned k = 0; k < 2; k++)
		if (measure("fork server (agent program)", agent, MMF_ISOLATE_DEFAULT, k ? MMF_REMOTE_REUSE_DEFAULT : 1,
			    &op[k], &seq[k]))
			return 1;
	/* a plugin as the mmfuzz command runs it: served by `mmfuzz agent` */
	char self[4200];
	snprintf(self, sizeof(self), "%s/../mmfuzz", dir);
	mmf_adapter_set_agent_program(self);
	if (measure("fork server (mmfuzz agent)", plugin, MMF_ISOLATE_FORK, MMF_REMOTE_REUSE_DEFAULT, &x, &y))
		return 1;
	/* without an agent program: a fork of this (large) process */
	mmf_adapter_set_agent_program(NULL);
	if (measure("fork server (fork of caller)", plugin, MMF_ISOLATE_FORK, MMF_REMOTE_REUSE_DEFAULT, &x, &y))
		return 1;
	printf("bench: glibc agent, fresh / in process, per op                %8.1fx\n", op[0] / in_op);
	printf("bench: glibc agent, persistent / in process, per op           %8.1fx\n", op[1] / in_op);
	return 0;
}
