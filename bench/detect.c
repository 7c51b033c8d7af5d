/* Detection benchmark: how good is the built-in campaign at finding bugs?
 *
 * For every seeded mutant of the reference, the campaign `mmfuzz fuzz
 * --mutant NAME --seed S` runs (in process, on one core) for seeds 1..k
 * until it finds the bug or the time runs out; each finding is minimized.
 * The table gives, per mutant: caught k/k, the median seconds to catch,
 * the median minimized length, and which kind of check caught it (an
 * invariant walker, a safety property, a semantic comparison, an exact
 * comparison). Then every mutant again with exact comparison switched off,
 * which is all a user's new allocator gets. The libFuzzer comparison is
 * bench/detect-libfuzzer.sh.
 *
 * usage: detect [-k N] [--time S] [--semantic-time S] [--mutant NAME] [--generator N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "mmfuzz/harness.h"

static const char *kind_of(const char *check)
{
	static const char *const safety[] = { "range", "alignment", "zone", "node", "overlap", "contents", "zeroed",
					      "free_refused", "null", "usable", "reserve", "unmapped", "frame_shared",
					      "remapped", "destroy_refused", "fixed", "cma_unmovable", "migrate_pinned",
					      "cma_counters", "moved" };
	static const char *const semantic[] = { "result", "errno", "address", "fault", "value", "report", "unsupported" };
	if (!strncmp(check, "exact_", 6))
		return "exact";
	if (!strncmp(check, "same_", 5))
		return "semantic";
	for (unsigned i = 0; i < sizeof(semantic) / sizeof(semantic[0]); i++)
		if (!strcmp(check, semantic[i]))
			return "semantic";
	for (unsigned i = 0; i < sizeof(safety) / sizeof(safety[0]); i++)
		if (!strcmp(check, safety[i]))
			return "safety";
	return "walker";
}

struct result {
	int caught;
	double secs, min_secs;
	unsigned ops;
	char check[48];
};

static struct mmf_seq seq;
static unsigned generator; /* 0: the latest */

static struct result campaign(const char *mutant, uint64_t seed, double limit, enum mmf_level level)
{
	struct result res = { 0 };
	struct mmf_exec_config cfg = { .suts = { mmf_adapter_reference() }, .mutants = { mutant }, .nr_suts = 1,
				       .max_level = level, .cheap_checks = 1 };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	if (!ex) {
		fprintf(stderr, "detect: %s\n", err);
		exit(3);
	}
	struct mmf_gen_config gc = { -1, 200, 0, 0, generator, 0, 0, 0 };
	double t0 = bench_now();
	struct mmf_finding f;
	for (uint64_t n = 0;; n++) {
		if ((n & 15) == 0 && bench_now() - t0 > limit)
			break;
		mmf_gen_sequence(mmf_seed_mix(seed, n), &gc, &seq);
		if (mmf_exec_run(ex, &seq, &f) != 1)
			continue;
		res.caught = 1;
		res.secs = bench_now() - t0;
		snprintf(res.check, sizeof(res.check), "%s", f.check);
		struct mmf_min_stats st;
		mmf_minimize(ex, &seq, &f, NULL, &st);
		res.ops = st.ops_after;
		res.min_secs = st.seconds;
		break;
	}
	mmf_exec_destroy(ex);
	return res;
}

static double median_d(double *v, int n) { return n ? bench_median(v, n) : 0; }

int main(int argc, char **argv)
{
	int k = 5;
	double limit = 60, sem_limit = 60;
	const char *only = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-k") && i + 1 < argc)
			k = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--time") && i + 1 < argc)
			limit = atof(argv[++i]);
		else if (!strcmp(argv[i], "--semantic-time") && i + 1 < argc)
			sem_limit = atof(argv[++i]);
		else if (!strcmp(argv[i], "--mutant") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--generator") && i + 1 < argc)
			generator = (unsigned)atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: detect [-k N] [--time S] [--semantic-time S] [--mutant NAME] [--generator N]\n");
			return 2;
		}
	}
	if (k < 1 || k > 64)
		k = 5;
	const struct mmf_adapter *ref = mmf_adapter_reference();
	if (generator > MMF_GEN_VERSION) {
		fprintf(stderr, "detect: --generator 1..%d\n", MMF_GEN_VERSION);
		return 2;
	}
	printf("detect: built-in campaign, generator %u, %d seeds per mutant, %.0f s each (exact off: %.0f s)\n",
	       generator ? generator : MMF_GEN_VERSION, k, limit, sem_limit);
	printf("%-28s %6s %8s %5s %-9s %-18s | %6s %8s %-9s\n", "mutant", "caught", "median_s", "ops", "check", "by",
	       "no-exact", "median_s", "check");
	static double all_secs[4096], all_ops[4096], all_min[4096], all_ssecs[4096];
	int na = 0, nsa = 0, all_caught = 1, nm = 0, sem_caught_all = 0;
	for (unsigned m = 0; m < ref->nr_mutants; m++) {
		const char *name = ref->mutants[m].name;
		if (only && strcmp(only, name))
			continue;
		nm++;
		double secs[64], ops[64], ssecs[64];
		int caught = 0, scaught = 0;
		char check[48] = "-", kind[16] = "-", scheck[16] = "-";
		for (int s = 1; s <= k; s++) {
			struct result r = campaign(name, (uint64_t)s, limit, MMF_LEVEL_EXACT);
			if (r.caught) {
				secs[caught] = r.secs;
				ops[caught++] = r.ops;
				all_secs[na] = r.secs;
				all_min[na] = r.min_secs;
				all_ops[na++] = r.ops;
				snprintf(check, sizeof(check), "%s", r.check);
				snprintf(kind, sizeof(kind), "%s", kind_of(r.check));
			}
			struct result q = campaign(name, (uint64_t)s, sem_limit, MMF_LEVEL_SEMANTIC);
			if (q.caught) {
				ssecs[scaught++] = q.secs;
				all_ssecs[nsa++] = q.secs;
				snprintf(scheck, sizeof(scheck), "%s", kind_of(q.check));
			}
		}
		all_caught &= caught == k;
		sem_caught_all += scaught == k;
		printf("%-28s %3d/%-2d %8.2f %5.0f %-9s %-18.18s | %3d/%-2d %8.2f %-9s\n", name, caught, k,
		       median_d(secs, caught), median_d(ops, caught), kind, check, scaught, k, median_d(ssecs, scaught),
		       scheck);
		fflush(stdout);
	}
	printf("bench: detect mutants caught in all %d seeds (exact on)      %4d of %d%s\n", k, all_caught ? nm : -1, nm,
	       all_caught ? "" : "  (NOT all)");
	printf("bench: detect mutants caught in all %d seeds (exact off)     %4d of %d\n", k, sem_caught_all, nm);
	printf("bench: detect median seconds to catch                      %8.3f s\n", median_d(all_secs, na));
	printf("bench: detect median seconds to catch (exact off)          %8.3f s\n", median_d(all_ssecs, nsa));
	printf("bench: detect median minimized reproducer                  %8.0f ops\n", median_d(all_ops, na));
	printf("bench: detect median minimization time                     %8.3f s\n", median_d(all_min, na));
	return 0;
}
