/* Minimization benchmark: a 2,000-op reproducer of a planted bug whose
 * shortest reproducer is known (tests/planted.h: 20 kmallocs hidden among
 * page and vmalloc ops) shrunk by mmf_minimize, as `mmfuzz fuzz` and
 * `mmfuzz minimize` do. Prints, over k seeds of noise, the median time,
 * the median length reached against the minimum, and the runs taken.
 *
 * usage: bench_shrink [-k N] [-n OPS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "tests/planted.h"

static struct mmf_seq seq;

int main(int argc, char **argv)
{
	int k = 5;
	unsigned nops = 2000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-k") && i + 1 < argc)
			k = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			nops = (unsigned)atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_shrink [-k N] [-n OPS]\n");
			return 2;
		}
	}
	if (k < 1 || k > 64 || nops < 2 * PLANTED_MIN || nops > MMF_MAX_OPS) {
		fprintf(stderr, "bench_shrink: -k 1..64, -n %u..%u\n", 2 * PLANTED_MIN, MMF_MAX_OPS);
		return 2;
	}
	struct mmf_exec_config cfg = { .suts = { planted_adapter() }, .nr_suts = 1, .cheap_checks = 1,
				       .max_level = MMF_LEVEL_EXACT };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	if (!ex) {
		fprintf(stderr, "bench_shrink: %s\n", err);
		return 3;
	}
	double secs[64], len[64], runs[64];
	for (int s = 0; s < k; s++) {
		planted_build(&seq, nops, (uint64_t)s + 1);
		struct mmf_finding f;
		if (mmf_exec_run(ex, &seq, &f) != 1 || !strstr(f.signature, "kmalloc-corrupt")) {
			fprintf(stderr, "bench_shrink: seed %d: the planted bug did not show (%s)\n", s + 1,
				f.found ? f.signature : "no finding");
			return 1;
		}
		struct mmf_min_config mc = { 0, 0, 300 };
		struct mmf_min_stats st;
		mmf_minimize(ex, &seq, &f, &mc, &st);
		secs[s] = st.seconds, len[s] = st.ops_after, runs[s] = (double)st.runs;
		printf("  seed %d: %u -> %u ops (minimum %d) in %lu runs, %.2f s\n", s + 1, st.ops_before, st.ops_after,
		       PLANTED_MIN, st.runs, st.seconds);
	}
	printf("bench: shrink %u-op planted reproducer: median time          %8.2f s\n", nops, bench_median(secs, k));
	printf("bench: shrink %u-op planted reproducer: median length        %8.0f ops (minimum %d, %.2fx)\n", nops,
	       bench_median(len, k), PLANTED_MIN, bench_median(len, k) / PLANTED_MIN);
	printf("bench: shrink %u-op planted reproducer: median runs          %8.0f\n", nops, bench_median(runs, k));
	mmf_exec_destroy(ex);
	return 0;
}
