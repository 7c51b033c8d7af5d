/* mmfuzz fidelity: how often the oracle and a real system agree. Runs N
 * generated sequences of the families the adapter is compared in, counts
 * per op kind how many ops ran and at how many the two first disagreed,
 * and saves each distinct disagreement as a minimized reproducer. The
 * default seed is fixed, so two runs measure the same sequences. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/clock.h"
#include "harness/cli.h"
#include "harness/fileio.h"
#include "mmfuzz/profile.h"

static const char usage_fidelity[] =
	"usage: mmfuzz fidelity --adapter NAME [options]\n"
	"\n"
	"Measures agreement between the oracle and a real system: runs N seeded\n"
	"sequences (the families the adapter is compared in) and prints the share\n"
	"of sequences that agree to the end, and per op kind the share of ops that\n"
	"agreed (an op counts as a disagreement when the sequence first diverges\n"
	"there; the ops after it are not run). Each distinct disagreement is\n"
	"minimized and saved as a reproducer under DIR, as `mmfuzz fuzz` saves\n"
	"findings. Differences the adapter lists as known are counted apart.\n"
	"\n"
	"  -n N             sequences to run (default 10000)\n"
	"  --seed N         first seed (default 1: runs are comparable)\n"
	CLI_TARGET_HELP
	"  --profile NAME   run only this machine profile (default: all)\n"
	"  --max-ops N      longest generated sequence (default 60)\n"
	"  --out DIR        save disagreements here (default: fidelity)\n"
	"  --no-shrink      save disagreements as found\n"

	"  -q, --quiet      no progress line\n"
	"\n"
	"Exit status: 0 all agree, 1 some disagreement, 2 bad usage, 3 the\n"
	"adapter could not run.\n";

struct disagreement {
	char signature[160];
	char where[4608];
	unsigned long long count, first;
};

static int op_code(const char *name)
{
	for (unsigned c = 0; c < MMF_NR_OPCODES; c++)
		if (!strcmp(mmf_op_name(c), name))
			return (int)c;
	return -1;
}

int cli_fidelity(int argc, char **argv)
{
	struct cli_target t = { 0 };
	unsigned long long n = 10000, seed = 1;
	unsigned max_ops = 60;
	int profile = -1, shrink = 1, quiet = 0;
	const char *out = "fidelity";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r = cli_target_opt(&t, argc, argv, &i);
		if (r < 0)
			return EXIT_BADINPUT;
		if (r)
			continue;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage_fidelity, stdout);
			return EXIT_CLEAN;
		} else if (!strcmp(a, "--no-shrink")) {
			shrink = 0;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = 1;
		} else if (i + 1 < argc && (!strcmp(a, "-n") || !strcmp(a, "--seed") || !strcmp(a, "--max-ops"))) {
			char *end;
			const char *x = argv[++i];
			errno = 0;
			unsigned long long v = strtoull(x, &end, 10);
			if (!*x || *end || errno || *x == '-') {
				fprintf(stderr, "mmfuzz fidelity: %s needs a non-negative number, got '%s'\n", a, x);
				return EXIT_BADINPUT;
			}
			if (!strcmp(a, "-n"))
				n = v;
			else if (!strcmp(a, "--seed"))
				seed = v;
			else if (v == 0 || v > MMF_MAX_OPS) {
				fprintf(stderr, "mmfuzz fidelity: --max-ops must be 1..%d\n", MMF_MAX_OPS);
				return EXIT_BADINPUT;
			} else
				max_ops = (unsigned)v;
		} else if (i + 1 < argc && !strcmp(a, "--profile")) {
			unsigned idx;
			if (!mmf_profile_find(argv[++i], &idx)) {
				fprintf(stderr, "mmfuzz fidelity: unknown profile '%s' (see: mmfuzz adapters)\n", argv[i]);
				return EXIT_BADINPUT;
			}
			profile = (int)idx;
		} else if (i + 1 < argc && !strcmp(a, "--out")) {
			out = argv[++i];
			if (cli_path_ok("fidelity", a, out))
				return EXIT_BADINPUT;
		} else {
			fprintf(stderr, "mmfuzz fidelity: unknown option or missing value: '%s'\n%s", a, usage_fidelity);
			return EXIT_BADINPUT;
		}
	}
	if (!t.adapter) {
		fprintf(stderr, "mmfuzz fidelity: which system? --adapter NAME (see: mmfuzz adapters)\n");
		return EXIT_BADINPUT;
	}
	struct mmf_dir prior; /* temp files of runs killed mid-write go first */
	if (mmf_dir_open(out, 0, &prior) == 0) {
		mmf_dir_sweep(&prior, 2);
		mmf_dir_close(&prior);
	}
	struct mmf_exec *ex = cli_make_exec(&t, NULL, 0);
	if (!ex)
		return cli_make_exec_status;
	unsigned fams = 0;
	for (unsigned fam = 0; fam < MMF_NR_FAMILIES; fam++)
		if (cli_adapter->level[fam] != MMF_LEVEL_NONE)
			fams |= 1u << fam;
	struct mmf_gen_config gc = { profile, max_ops, fams, cli_gen_flags(cli_adapter), 0 };
	fprintf(stderr, "mmfuzz fidelity: adapter %s vs oracle, %llu sequences from seed %llu\n", cli_adapter_name(&t), n,
		seed);

	static uint64_t bad[MMF_NR_OPCODES + 1]; /* [MMF_NR_OPCODES]: the final comparison */
	static struct disagreement dis[256];
	unsigned ndis = 0;
	unsigned long long agreed = 0, ran = 0;
	static struct mmf_seq seq;
	double start = mmf_now(), last = start;
	int tty = isatty(2), status = EXIT_CLEAN;
	for (unsigned long long k = 0; k < n; k++, ran++) {
		double tnow = mmf_now();
		if (!quiet && tnow - last >= (tty ? 1.0 : 10.0)) {
			last = tnow;
			fprintf(stderr, "%s#%llu  %.0fs  agree %llu  disagreements %llu (%u distinct)%s", tty ? "\r" : "", k,
				tnow - start, agreed, k - agreed, ndis, tty ? "   " : "\n");
		}
		mmf_gen_sequence(mmf_seed_mix(seed, k), &gc, &seq);
		struct mmf_finding f;
		int r = mmf_exec_run(ex, &seq, &f);
		if (r < 0) {
			fprintf(stderr, "\nmmfuzz fidelity: cannot run: %s\n", f.detail);
			status = EXIT_ENV;
			break;
		}
		if (r == 0) {
			agreed++;
			continue;
		}
		int code = f.step < seq.nops ? seq.ops[f.step].code : -1;
		if (code < 0)
			code = op_code(f.op);
		bad[code >= 0 && code < MMF_NR_OPCODES ? (unsigned)code : MMF_NR_OPCODES]++;
		unsigned d = 0;
		while (d < ndis && strcmp(dis[d].signature, f.signature))
			d++;
		if (d < ndis) {
			dis[d].count++;
			continue;
		}
		if (ndis == sizeof(dis) / sizeof(dis[0]))
			continue;
		ndis++;
		snprintf(dis[d].signature, sizeof(dis[d].signature), "%s", f.signature);
		dis[d].count = 1;
		dis[d].first = k;
		unsigned before = seq.nops;
		if (shrink) {
			mmf_exec_set_counting(ex, 0);
			struct mmf_min_config mc = { 0, 0, 30 };
			struct mmf_min_stats ms;
			mmf_minimize(ex, &seq, &f, &mc, &ms);
			mmf_exec_set_counting(ex, 1);
		}
		if (tty && !quiet)
			fputc('\n', stderr);
		printf("%s\n  sequence #%llu, %u ops, shrunk to %u\n  %s\n", f.signature, k, before, seq.nops, f.detail);
		int e = cli_save_finding(out, &seq, &f, &t, dis[d].where, sizeof(dis[d].where));
		if (e) {
			fprintf(stderr, "mmfuzz fidelity: cannot save under %s: %s\n", out, strerror(e));
			status = EXIT_ENV;
			break;
		}
		printf("  saved %s/repro.txt\n", dis[d].where);
		fflush(stdout);
	}
	if (tty && !quiet)
		fputc('\n', stderr);
	const struct mmf_exec_stats *st = mmf_exec_stats(ex);
	double secs = mmf_now() - start;
	printf("fidelity: %s vs oracle, %llu sequences (seed %llu, at most %u ops), %.1f s\n", cli_adapter_name(&t), ran,
	       seed, max_ops, secs);
	printf("  sequences agreeing to the end  %llu of %llu  %.2f%%\n", agreed, ran,
	       ran ? 100.0 * (double)agreed / (double)ran : 100.0);
	printf("  %-14s %10s %10s %9s\n", "op", "ran", "disagreed", "agree");
	uint64_t all = 0, all_bad = 0;
	for (unsigned c = 0; c < MMF_NR_OPCODES; c++) {
		uint64_t done = st->per_op[c][0] + st->per_op[c][1];
		if (!done && !bad[c])
			continue;
		all += done, all_bad += bad[c];
		printf("  %-14s %10llu %10llu %8.2f%%\n", mmf_op_name(c), (unsigned long long)done,
		       (unsigned long long)bad[c], done ? 100.0 * (double)(done - bad[c]) / (double)done : 0.0);
	}
	if (bad[MMF_NR_OPCODES])
		printf("  %-14s %10llu %10llu  (maps compared after the last op)\n", "end", ran,
		       (unsigned long long)bad[MMF_NR_OPCODES]);
	printf("  %-14s %10llu %10llu %8.2f%%\n", "all ops", (unsigned long long)all,
	       (unsigned long long)(all_bad + bad[MMF_NR_OPCODES]),
	       all ? 100.0 * (double)(all - all_bad - bad[MMF_NR_OPCODES]) / (double)all : 100.0);
	const char *const *known = cli_adapter->size >= MMF_ADAPTER_SIZE_KNOWN ? cli_adapter->known : NULL;
	for (unsigned i = 0; known && known[i] && i < MMF_MAX_KNOWN; i++)
		printf("  known, not counted as a disagreement: %llu x %s\n", (unsigned long long)st->known[i], known[i]);
	printf("  not compared past the oracle running out of memory: %llu sequences\n", (unsigned long long)st->oracle_oom);
	for (unsigned d = 0; d < ndis; d++)
		printf("  disagreement %s  x%llu, first in sequence #%llu, saved in %s\n", dis[d].signature, dis[d].count,
		       dis[d].first, dis[d].where);
	mmf_exec_destroy(ex);
	if (status == EXIT_CLEAN && agreed < ran)
		status = EXIT_FINDING;
	return status;
}
