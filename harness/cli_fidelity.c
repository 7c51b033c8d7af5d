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
	"of sequences that agree to the end; per op kind how many ops ran, how many\n"
	"the system answered itself and had compared, every disagreement (a\n"
	"sequence goes on past its first) and the first of each sequence, and the\n"
	"oracle's outcomes; the share of reads that returned data; and how deep the\n"
	"address spaces went (fork generations, COW breaks). Each distinct disagreement is\n"
	"minimized and saved as a reproducer under DIR, as `mmfuzz fuzz` saves\n"
	"findings. Differences the adapter lists as known are counted apart.\n"
	"\n"
	"  -n N             sequences to run (default 10000)\n"
	"  --seed N         first seed (default 1: runs are comparable)\n"
	CLI_TARGET_HELP
	"  --profile NAME   run only this machine profile (default: all)\n"
	"  --max-ops N      longest generated sequence (default 60)\n"
	"  --generator N    the generator version to draw with (default: the latest)\n"
	CLI_ERRORS_HELP
	"  --out DIR        save disagreements here (default: fidelity)\n"
	"  --no-shrink      save disagreements as found\n"

	"  -q, --quiet      no progress line\n"
	"\n"
	"A disagreement is replayed on fresh systems (up to 3 times); one that never\n"
	"comes back is flaky: it depends on the system's own state, not on the ops\n"
	"(a live kernel's compaction or reclaim moving pages the sequence shares),\n"
	"is counted apart and saved as found under DIR/flaky/.\n"
	"\n"
	"Exit status: 0 all agree, 1 some disagreement that came back, 2 bad usage,\n"
	"3 the adapter could not run, 4 every disagreement was flaky.\n";

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

/* One run's settings and tallies. */
struct fidelity {
	struct cli_target t;
	unsigned long long n, seed, agreed, ran, flaky;
	unsigned max_ops, generator, errors, ndis;
	int profile, shrink, quiet;
	const char *out;
	uint64_t bad[MMF_NR_OPCODES + 1]; /* [MMF_NR_OPCODES]: the final comparison */
	struct disagreement dis[256];
};

enum { OPT_SEED = CLI_OPT_OWN, OPT_MAX_OPS, OPT_GENERATOR, OPT_ERRORS, OPT_PROFILE, OPT_OUT, OPT_NO_SHRINK };
static const struct option fidelity_options[] = {
	CLI_TARGET_OPTIONS,
	CLI_HELP_OPTION,
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "max-ops", required_argument, NULL, OPT_MAX_OPS },
	{ "generator", required_argument, NULL, OPT_GENERATOR },
	{ "errors", required_argument, NULL, OPT_ERRORS },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "no-shrink", no_argument, NULL, OPT_NO_SHRINK },
	{ "quiet", no_argument, NULL, 'q' },
	{ 0 },
};

static int fidelity_option(void *ctx, int code, const char *arg)
{
	struct fidelity *fd = ctx;
	unsigned long long v;
	int r = cli_target_set(&fd->t, code, arg);
	if (r)
		return r < 0 ? -1 : 0;
	switch (code) {
	case 'n': return cli_number("fidelity", "-n", arg, &fd->n);
	case OPT_SEED: return cli_number("fidelity", "--seed", arg, &fd->seed);
	case OPT_MAX_OPS:
	case OPT_GENERATOR: {
		int ops = code == OPT_MAX_OPS;
		unsigned most = ops ? MMF_MAX_OPS : MMF_GEN_VERSION;
		if (cli_number("fidelity", ops ? "--max-ops" : "--generator", arg, &v))
			return -1;
		if (v == 0 || v > most) {
			fprintf(stderr, "mmfuzz fidelity: %s must be 1..%u\n", ops ? "--max-ops" : "--generator", most);
			return -1;
		}
		*(ops ? &fd->max_ops : &fd->generator) = (unsigned)v;
		return 0;
	}
	case OPT_ERRORS: return cli_errors("fidelity", arg, &fd->errors);
	case OPT_PROFILE: return cli_profile("fidelity", arg, &fd->profile);
	case OPT_OUT: fd->out = arg; return cli_path_ok("fidelity", "--out", arg);
	case OPT_NO_SHRINK: fd->shrink = 0; return 0;
	case 'q': fd->quiet = 1; return 0;
	default: return -1;
	}
}

/* Does a disagreement come back when its sequence runs on fresh systems
 * (each adapter created anew, as `mmfuzz replay` would)? Up to 3 runs. */
static int comes_back(struct mmf_exec *ex, const struct mmf_seq *seq, const struct mmf_finding *f)
{
	int back = 0;
	mmf_exec_set_counting(ex, 0);
	for (int k = 0; k < 3 && !back; k++) {
		struct mmf_finding g;
		mmf_exec_restart(ex, seq->profile);
		back = mmf_exec_run(ex, seq, &g) == 1 && !strcmp(g.signature, f->signature);
	}
	mmf_exec_set_counting(ex, 1);
	return back;
}

/* A sequence that disagreed: counted under its op, and a new signature
 * minimized and saved (a flaky one as found, its signature ending in
 * -flaky). 0, or EXIT_ENV when it could not be saved. */
static int disagreed(struct fidelity *fd, struct mmf_exec *ex, struct mmf_seq *seq, struct mmf_finding *f,
		     unsigned long long k, int tty)
{
	int code = f->step < seq->nops ? seq->ops[f->step].code : -1;
	if (code < 0)
		code = op_code(f->op);
	fd->bad[code >= 0 && code < MMF_NR_OPCODES ? (unsigned)code : MMF_NR_OPCODES]++;
	unsigned d = 0;
	while (d < fd->ndis && strcmp(fd->dis[d].signature, f->signature))
		d++;
	if (d < fd->ndis) {
		fd->dis[d].count++;
		return 0;
	}
	if (fd->ndis == sizeof(fd->dis) / sizeof(fd->dis[0]))
		return 0;
	fd->ndis++;
	snprintf(fd->dis[d].signature, sizeof(fd->dis[d].signature), "%s", f->signature);
	fd->dis[d].count = 1;
	fd->dis[d].first = k;
	unsigned before = seq->nops;
	int flaky = strlen(f->signature) > 6 && !strcmp(f->signature + strlen(f->signature) - 6, "-flaky");
	if (fd->shrink && !flaky) {
		mmf_exec_set_counting(ex, 0);
		struct mmf_min_config mc = { 0, 0, 30 };
		struct mmf_min_stats ms;
		mmf_minimize(ex, seq, f, &mc, &ms);
		mmf_exec_set_counting(ex, 1);
	}
	if (tty && !fd->quiet)
		fputc('\n', stderr);
	if (flaky)
		printf("%s\n  sequence #%llu, %u ops, FLAKY: not reproduced in 3 replays on fresh systems, kept as found\n  %s\n",
		       f->signature, k, before, f->detail);
	else
		printf("%s\n  sequence #%llu, %u ops, shrunk to %u\n  %s\n", f->signature, k, before, seq->nops, f->detail);
	int e = cli_save_finding(fd->out, seq, f, &fd->t, fd->dis[d].where, sizeof(fd->dis[d].where));
	if (e) {
		fprintf(stderr, "mmfuzz fidelity: cannot save under %s: %s\n", fd->out, strerror(e));
		return EXIT_ENV;
	}
	printf("  saved %s/repro.txt\n", fd->dis[d].where);
	fflush(stdout);
	return 0;
}

/* The table: sequences agreeing, ops run and disagreeing per kind, the
 * adapter's known differences, and the disagreements saved. */
static void print_table(const struct fidelity *fd, const struct mmf_exec_stats *st, double secs)
{
	const uint64_t *bad = fd->bad;
	printf("fidelity: %s vs oracle, %llu sequences (seed %llu, at most %u ops), %.1f s\n", cli_adapter_name(&fd->t),
	       fd->ran, fd->seed, fd->max_ops, secs);
	printf("  sequences agreeing to the end  %llu of %llu  %.2f%%\n", fd->agreed, fd->ran,
	       fd->ran ? 100.0 * (double)fd->agreed / (double)fd->ran : 100.0);
	printf("  flaky: disagreed once, agreed in 3 fresh replays  %llu  (agreeing where it reproduces: %.2f%%)\n",
	       fd->flaky, fd->ran ? 100.0 * (double)(fd->agreed + fd->flaky) / (double)fd->ran : 100.0);
	uint64_t all = 0, all_bad = 0;
	for (unsigned c = 0; c < MMF_NR_OPCODES; c++)
		all += st->per_op[c][0] + st->per_op[c][1], all_bad += st->disagreed[c];
	all_bad += st->disagreed[MMF_NR_OPCODES];
	printf("  ops agreeing  %llu of %llu  %.2f%% (every disagreement counted: a sequence goes on past its first)\n",
	       (unsigned long long)(all - all_bad), (unsigned long long)all,
	       all ? 100.0 * (double)(all - all_bad) / (double)all : 100.0);
	cli_print_coverage(stdout, st, bad);
	const char *const *known = cli_adapter->size >= MMF_ADAPTER_SIZE_KNOWN ? cli_adapter->known : NULL;
	for (unsigned i = 0; known && known[i] && i < MMF_MAX_KNOWN; i++)
		printf("  known, not counted as a disagreement: %llu x %s\n", (unsigned long long)st->known[i], known[i]);
	printf("  not compared past the oracle running short of memory: %llu sequences\n", (unsigned long long)st->oracle_oom);
	printf("  not compared past a hugetlb op on a profile of several nodes: %llu sequences\n",
	       (unsigned long long)st->oracle_numa);
	for (unsigned d = 0; d < fd->ndis; d++)
		printf("  disagreement %s  x%llu, first in sequence #%llu, saved in %s\n", fd->dis[d].signature,
		       fd->dis[d].count, fd->dis[d].first, fd->dis[d].where);
}

int cli_fidelity(int argc, char **argv)
{
	static struct fidelity fd;
	fd = (struct fidelity){ .n = 10000, .seed = 1, .max_ops = 60, .profile = -1, .shrink = 1, .out = "fidelity" };
	int operands, st = cli_getopt("fidelity", argc, argv, "hn:q", fidelity_options, usage_fidelity, fidelity_option,
				      &fd, &operands);
	if (st >= 0)
		return st;
	if (operands < argc || !fd.t.adapter) {
		fprintf(stderr, operands < argc ? "mmfuzz fidelity: unexpected argument '%s'\n"
						: "mmfuzz fidelity: which system? --adapter NAME (see: mmfuzz adapters)\n",
			argv[operands < argc ? operands : 0]);
		return EXIT_BADINPUT;
	}
	struct mmf_dir prior; /* temp files of runs killed mid-write go first */
	if (mmf_dir_open(fd.out, 0, &prior) == 0) {
		mmf_dir_sweep(&prior, 2);
		mmf_dir_close(&prior);
	}
	fd.t.keep_going = 1;
	struct mmf_exec *ex = cli_make_exec(&fd.t, NULL, 0);
	if (!ex)
		return cli_make_exec_status;
	unsigned fams = 0;
	for (unsigned fam = 0; fam < MMF_NR_FAMILIES; fam++)
		if (cli_adapter->level[fam] != MMF_LEVEL_NONE)
			fams |= 1u << fam;
	struct mmf_gen_config gc = { fd.profile, fd.max_ops, fams, cli_gen_flags(cli_adapter), fd.generator, fd.errors,
				     cli_gen_as_caps(), 0 };
	fprintf(stderr, "mmfuzz fidelity: adapter %s vs oracle, %llu sequences from seed %llu, generator %u\n",
		cli_adapter_name(&fd.t), fd.n, fd.seed, fd.generator ? fd.generator : MMF_GEN_VERSION);
	static struct mmf_seq seq;
	double start = mmf_now(), last = start;
	int tty = isatty(2), status = EXIT_CLEAN;
	for (unsigned long long k = 0; k < fd.n; k++, fd.ran++) {
		double tnow = mmf_now();
		if (!fd.quiet && tnow - last >= (tty ? 1.0 : 10.0)) {
			last = tnow;
			fprintf(stderr, "%s#%llu  %.0fs  agree %llu  disagreements %llu (%u distinct)%s", tty ? "\r" : "", k,
				tnow - start, fd.agreed, k - fd.agreed, fd.ndis, tty ? "   " : "\n");
		}
		mmf_gen_sequence(mmf_seed_mix(fd.seed, k), &gc, &seq);
		struct mmf_finding f;
		int r = mmf_exec_run(ex, &seq, &f);
		if (r < 0) {
			fprintf(stderr, "\nmmfuzz fidelity: cannot run: %s\n", f.detail);
			status = EXIT_ENV;
			break;
		}
		if (r == 0) {
			fd.agreed++;
			continue;
		}
		if (!comes_back(ex, &seq, &f)) {
			fd.flaky++;
			char s[sizeof(f.signature)];
			snprintf(s, sizeof(s), "%.150s-flaky", f.signature);
			snprintf(f.signature, sizeof(f.signature), "%s", s);
		}
		if ((status = disagreed(&fd, ex, &seq, &f, k, tty)))
			break;
	}
	if (tty && !fd.quiet)
		fputc('\n', stderr);
	print_table(&fd, mmf_exec_stats(ex), mmf_now() - start);
	mmf_exec_destroy(ex);
	if (status == EXIT_CLEAN && fd.agreed < fd.ran)
		status = fd.agreed + fd.flaky == fd.ran ? EXIT_FLAKY : EXIT_FINDING;
	return status;
}
