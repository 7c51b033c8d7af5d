/* mmfuzz: the command line. fuzz | replay | show | adapters. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/fileio.h"
#include "mmfuzz/adapter.h"
#include "mmfuzz/agent.h"
#include "mmfuzz/profile.h"

static const char usage_main[] =
	"usage: mmfuzz <command> [options]\n"
	"\n"
	"commands:\n"
	"  fuzz       run a seeded random campaign against an adapter (the main job)\n"
	"  fidelity   measure how often the oracle and a real system agree, per op kind\n"
	"  replay     run saved inputs (binary, text or raw fuzzer bytes) and give verdicts\n"
	"  show       print any input as the text form\n"
	"  adapters   list adapters, their comparison levels, profiles and mutants\n"
	"  corpus     generate a deterministic seed corpus; merge and prune corpora\n"
	"  minimize   shrink a failing input to a small reproducer\n"
	"  export-c   turn an input into a standalone C program or a Check test\n"
	"  agent      serve an adapter to another mmfuzz over descriptors 3-6 (internal)\n"
	"\n"
	"Each command takes --help. Exit status: 0 no finding, 1 finding,\n"
	"2 bad input or usage, 3 environment error, 4 (fuzz) findings that were\n"
	"all flaky: none came back when replayed on fresh systems.\n";

unsigned cli_gen_flags(const struct mmf_adapter *ad)
{
	unsigned fl = 0;
	if (ad->caps & MMF_CAP_MALLOC)
		fl |= MMF_GEN_MALLOC;
	if ((ad->caps & MMF_CAP_AS) && !(ad->caps & MMF_CAP_SOFT_DIRTY))
		fl |= MMF_GEN_NO_SOFT_DIRTY;
	if (ad->caps & MMF_CAP_AS_8K)
		fl |= MMF_GEN_AS_8K;
	if (ad->caps & MMF_CAP_PAGE_FLAT)
		fl |= MMF_GEN_FLAT;
	return fl;
}

uint64_t cli_gen_caps(void)
{
	/* The built-in adapters draw everything: a campaign of simple vs the
	 * oracle exercises the oracle's own walkers, reports and CMA too. A
	 * plugin or agent gets only the ops it can run. */
	for (unsigned i = 0; cli_adapter && i < mmf_builtin_adapter_count(); i++)
		if (cli_adapter == mmf_builtin_adapter(i))
			return 0;
	return cli_adapter ? cli_adapter->caps | MMF_CAP_NONE : 0;
}

uint64_t cli_gen_as_caps(void)
{
	uint64_t caps = ~0ull;
	if (cli_adapter && cli_adapter->level[MMF_FAM_AS] != MMF_LEVEL_NONE)
		caps &= cli_adapter->caps;
	if (cli_kernel_adapter)
		caps &= cli_kernel_adapter->caps;
	return caps == ~0ull ? 0 : caps;
}

int cli_errors(const char *cmd, const char *arg, unsigned *errors)
{
	unsigned long long v;
	if (cli_number(cmd, "--errors", arg, &v))
		return -1;
	if (v > 100) {
		fprintf(stderr, "mmfuzz %s: --errors is a percent, 0..100, got '%s'\n", cmd, arg);
		return -1;
	}
	*errors = (unsigned)v + 1;
	return 0;
}

static const char usage_replay[] =
	"usage: mmfuzz replay [options] FILE...\n"
	"\n"
	"Runs each input from a clean state against the oracle and the adapter and\n"
	"prints its verdict; a finding prints its signature line.\n"
	"FILE is a saved container (MMFZ...), a text trace, or raw fuzzer bytes.\n"
	"\n"
	CLI_TARGET_HELP
	"  --no-exact       compare at most at semantic level\n"
	"  --full-checks    run the full invariant walks after every op\n"
	"  -v, --verbose    print every op and each target's outcome\n";

static const char usage_show[] =
	"usage: mmfuzz show FILE...\n"
	"       mmfuzz show --binary -o OUT FILE\n"
	"\n"
	"Prints each input as the text form (one op per line). Binary garbage is\n"
	"decoded by design; a bad text file gets FILE:LINE:COL: message.\n"
	"With --binary, writes FILE's canonical binary form (an MMFZ container)\n"
	"to OUT instead, e.g. to turn a hand-written trace into a corpus entry.\n";

static const char usage_adapters[] =
	"usage: mmfuzz adapters [--mutants] [ADAPTER...]\n"
	"\n"
	"Lists the built-in adapters with their capabilities and comparison levels,\n"
	"and the machine profiles. --mutants lists the seeded bugs of each adapter.\n"
	"Given adapters (a name, an agent or a plugin ./NAME.so), lists those\n"
	"instead: their levels, capabilities and mutants.\n";

static const char usage_corpus[] =
	"usage: mmfuzz corpus generate -o DIR [--seed N] [-n COUNT] [--max-ops N] [--profile NAME] [--generator N]\n"
	"       mmfuzz corpus merge OUT IN...   (see: mmfuzz corpus merge --help)\n"
	"       mmfuzz corpus prune DIR\n"
	"\n"
	"Writes COUNT seed inputs (default 32) as DIR/seed-NNNN.mmfz, each a pure\n"
	"function of the seed (default 1), so the committed corpus can be rebuilt\n"
	"byte for byte (with the --generator version it was made with; default the\n"
	"latest). Sequences are at most --max-ops long (default 64).\n";

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

int cli_target_set(struct cli_target *t, int code, const char *v)
{
	char *end;
	unsigned long long n;
	switch (code) {
	case CLI_OPT_ADAPTER: t->adapter = v; return 1;
	case CLI_OPT_MUTANT: t->mutant = v; return 1;
	case CLI_OPT_ORACLE_MUTANT: t->oracle_mutant = v; return 1;
	case CLI_OPT_NO_EXACT: t->no_exact = 1; return 1;
	case CLI_OPT_NO_KNOWN: t->no_known = 1; return 1;
	case CLI_OPT_WALK:
		if (strcmp(v, "full") && strcmp(v, "touched")) {
			fprintf(stderr, "mmfuzz: --walk takes full or touched, not '%s'\n", v);
			return -1;
		}
		t->walk_full = !strcmp(v, "full");
		return 1;
	case CLI_OPT_ISOLATE:
		if (strcmp(v, "fork") && strcmp(v, "none")) {
			fprintf(stderr, "mmfuzz: --isolate takes fork or none, not '%s'\n", v);
			return -1;
		}
		t->open.isolate = !strcmp(v, "fork") ? MMF_ISOLATE_FORK : MMF_ISOLATE_NONE;
		return 1;
	case CLI_OPT_OP_TIMEOUT:
	case CLI_OPT_MEM_LIMIT:
		n = strtoull(v, &end, 10);
		if (end == v || *end || n == 0 || n > (1ull << 20)) {
			fprintf(stderr, "mmfuzz: %s wants a positive number, not '%s'\n",
				code == CLI_OPT_OP_TIMEOUT ? "--op-timeout" : "--mem-limit", v);
			return -1;
		}
		if (code == CLI_OPT_OP_TIMEOUT)
			t->open.op_timeout_ms = (unsigned)n;
		else
			t->open.mem_limit = n << 20;
		return 1;
	default: return 0;
	}
}

int cli_profile(const char *cmd, const char *arg, int *profile)
{
	unsigned idx;
	if (!mmf_profile_find(arg, &idx)) {
		fprintf(stderr, "mmfuzz %s: unknown profile '%s' (see: mmfuzz adapters)\n", cmd, arg);
		return -1;
	}
	*profile = (int)idx;
	return 0;
}

int cli_number(const char *cmd, const char *opt, const char *arg, unsigned long long *v)
{
	char *end;
	errno = 0;
	*v = strtoull(arg, &end, 0);
	if (!*arg || *end || errno || *arg == '-') {
		fprintf(stderr, "mmfuzz %s: %s needs a non-negative number, got '%s'\n", cmd, opt, arg);
		return -1;
	}
	return 0;
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *opts,
	       const char *usage, cli_opt_fn fn, void *ctx, int *first)
{
	char so[64];
	snprintf(so, sizeof(so), ":%s", shortopts);
	optind = 0; /* a fresh scan (GNU getopt), whatever ran before */
	opterr = 0;
	for (int ch; (ch = getopt_long(argc, argv, so, opts, NULL)) != -1;) {
		if (ch == 'h') {
			fputs(usage, stdout);
			return EXIT_CLEAN;
		}
		if (ch == ':' || ch == '?') {
			char shortname[3] = { '-', (char)optopt, 0 };
			const char *what = optopt && optopt < 0x100 ? shortname : argv[optind - 1];
			fprintf(stderr, ch == ':' ? "mmfuzz %s: %s needs a value\n%s" : "mmfuzz %s: unknown option '%s'\n%s",
				cmd, what, usage);
			return EXIT_BADINPUT;
		}
		if (fn(ctx, ch, optarg))
			return EXIT_BADINPUT;
	}
	*first = optind;
	return -1;
}

const char *cli_adapter_name(const struct cli_target *t)
{
	if (t->adapter)
		return t->adapter;
	return t->mutant ? "reference" : "simple";
}

/* Under AddressSanitizer (the asan preset), an allocation too large to
 * serve returns NULL as it does without it, instead of ending the run: a
 * plugin asked for 2^60 bytes must get to answer ENOMEM. Read by the
 * sanitizer's runtime at start; unused otherwise. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

const struct mmf_adapter *cli_adapter;
const struct mmf_adapter *cli_kernel_adapter;
char cli_kernel[1024];

enum mmf_level cli_level(unsigned fam)
{
	enum mmf_level a = cli_adapter ? (enum mmf_level)cli_adapter->level[fam] : MMF_LEVEL_NONE;
	enum mmf_level k = cli_kernel_adapter ? (enum mmf_level)cli_kernel_adapter->level[fam] : MMF_LEVEL_NONE;
	return a > k ? a : k;
}

const char *cli_replay_adapter(const struct cli_target *t, const char *name)
{
	if (cli_kernel_adapter && !strcmp(name, cli_kernel_adapter->name))
		return "host-linux";
	return t->adapter ? t->adapter : "";
}

/* The default campaign's second system under test: this machine's
 * kernel for the address-space family, or NULL with the reason printed. */
static const struct mmf_adapter *open_kernel(const struct mmf_open_opts *o)
{
	char path[4200], why[512];
	if (mmf_agent_path("host-linux", path, sizeof(path))) {
		fprintf(stderr, "mmfuzz: address-space family against the oracle's own checks only: the host-linux "
				"agent is not built\n");
		return NULL;
	}
	if (access("/proc/kpagecount", R_OK)) {
		fprintf(stderr, "mmfuzz: address-space family against the oracle's own checks only: host-linux needs "
				"root (/proc/kpagecount)\n");
		return NULL;
	}
	const struct mmf_adapter *k = mmf_adapter_open("host-linux", o, why, sizeof(why));
	if (!k)
		fprintf(stderr, "mmfuzz: address-space family against the oracle's own checks only: %s\n", why);
	return k;
}

int cli_make_exec_status = EXIT_BADINPUT;

struct mmf_exec *cli_make_exec(const struct cli_target *t, FILE *trace, int full_each_op)
{
	cli_make_exec_status = EXIT_BADINPUT;
	const char *name = cli_adapter_name(t);
	struct mmf_open_opts o = t->open;
	if (!o.mem_limit)
		o.mem_limit = 2048ull << 20;
	char why[512];
	const struct mmf_adapter *ad = mmf_adapter_open(name, &o, why, sizeof(why));
	if (!ad) {
		cli_make_exec_status = errno == EIO ? EXIT_ENV : EXIT_BADINPUT;
		fprintf(stderr, "mmfuzz: %s\n", why);
		return NULL;
	}
	cli_adapter = ad;
	/* An adapter served out of process answers each op through shared
	 * memory (mmfuzz/wire.h's ring), each side spinning briefly for the
	 * other on its own core. MMFUZZ_PIN=1 pins this process (and so its
	 * agent) to the core it started on instead: the ring is then used
	 * without spinning, each op waking the other process once. */
	const char *pin = getenv("MMFUZZ_PIN");
	if (ad != mmf_adapter_find(name) && pin && !strcmp(pin, "1")) {
		int cpu = sched_getcpu();
		cpu_set_t set;
		CPU_ZERO(&set);
		if (cpu >= 0) {
			CPU_SET(cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
	}
	if (t->oracle_mutant) {
		const struct mmf_adapter *ref = mmf_adapter_reference();
		unsigned k = 0;
		while (k < ref->nr_mutants && strcmp(ref->mutants[k].name, t->oracle_mutant))
			k++;
		if (k == ref->nr_mutants) {
			fprintf(stderr, "mmfuzz: the reference has no mutant '%s' (see: mmfuzz adapters --mutants)\n",
				t->oracle_mutant);
			return NULL;
		}
	}
	if (t->mutant) {
		int known = 0;
		for (unsigned i = 0; i < ad->nr_mutants; i++)
			known |= !strcmp(ad->mutants[i].name, t->mutant);
		if (!known) {
			fprintf(stderr, "mmfuzz: adapter %s has no mutant '%s' (see: mmfuzz adapters --mutants)\n",
				ad->name, t->mutant);
			return NULL;
		}
	}
	cli_kernel_adapter = t->with_kernel && !t->adapter && !t->mutant ? open_kernel(&o) : NULL;
	struct mmf_exec_config cfg = {
		.suts = { ad, cli_kernel_adapter },
		.mutants = { t->mutant },
		.nr_suts = cli_kernel_adapter ? 2 : 1,
		.max_level = t->no_exact ? MMF_LEVEL_SEMANTIC : MMF_LEVEL_EXACT,
		.cheap_checks = 1,
		.full_checks_every_op = full_each_op,
		.trace = trace,
		.no_known = t->no_known,
		.walk_full = t->walk_full,
		.oracle_mutant = t->oracle_mutant,
		.keep_going = t->keep_going,
	};
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	if (!ex) {
		fprintf(stderr, "mmfuzz: %s\n", err);
		cli_make_exec_status = EXIT_BADINPUT;
	}
	else
		snprintf(cli_kernel, sizeof(cli_kernel), "%s", mmf_exec_kernel(ex));
	return ex;
}

int cli_path_ok(const char *cmd, const char *opt, const char *v)
{
	if (v && *v)
		return 0;
	fprintf(stderr, "mmfuzz %s: %s needs a path, not an empty string\n", cmd, opt);
	return -1;
}

/* Loads FILE into seq; prints the diagnostic and returns -1 on bad input. */
int cli_load(const char *path, struct mmf_seq *seq, enum mmf_input_kind *kind)
{
	uint8_t *buf;
	size_t len;
	int e = mmf_read_file(path, &buf, &len);
	if (e) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(e));
		return -1;
	}
	struct mmf_diag d;
	enum mmf_load_result r = mmf_seq_load(buf, len, seq, kind, &d);
	free(buf);
	if (r == MMF_LOAD_OK)
		return 0;
	if (d.line)
		fprintf(stderr, "%s:%d:%d: %s\n", path, d.line, d.col, d.msg);
	else
		fprintf(stderr, "%s: %s\n", path, d.msg);
	return -1;
}

static int show_binary(const char *in, const char *out)
{
	static struct mmf_seq seq;
	static uint8_t buf[MMF_MAGIC_SIZE + MMF_HEADER_SIZE + MMF_MAX_OPS * MMF_RECORD_SIZE];
	if (cli_load(in, &seq, NULL))
		return EXIT_BADINPUT;
	memcpy(buf, MMF_MAGIC, MMF_MAGIC_SIZE);
	size_t n = mmf_seq_encode(&seq, buf + MMF_MAGIC_SIZE, sizeof(buf) - MMF_MAGIC_SIZE);
	int e = mmf_write_atomic(out, buf, n + MMF_MAGIC_SIZE);
	if (e) {
		fprintf(stderr, "mmfuzz show: cannot write %s: %s\n", out, strerror(e));
		return EXIT_ENV;
	}
	return EXIT_CLEAN;
}

static int cmd_show(int argc, char **argv)
{
	if (wants_help(argc, argv) || argc < 2) {
		fputs(usage_show, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_BADINPUT : EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "--binary")) {
		if (argc != 5 || strcmp(argv[2], "-o")) {
			fprintf(stderr, "mmfuzz show: --binary takes -o OUT and one FILE\n%s", usage_show);
			return EXIT_BADINPUT;
		}
		return cli_path_ok("show", "-o", argv[3]) ? EXIT_BADINPUT : show_binary(argv[4], argv[3]);
	}
	static struct mmf_seq seq;
	int status = EXIT_CLEAN;
	for (int i = 1; i < argc; i++) {
		if (cli_load(argv[i], &seq, NULL)) {
			status = EXIT_BADINPUT;
			continue;
		}
		char *text = mmf_seq_to_text(&seq);
		if (!text)
			return EXIT_ENV;
		if (argc > 2)
			printf("# %s\n", argv[i]);
		fputs(text, stdout);
		free(text);
	}
	return status;
}

enum { OPT_FULL_CHECKS = CLI_OPT_OWN, OPT_MUTANTS, OPT_SEED, OPT_MAX_OPS, OPT_PROFILE, OPT_GENERATOR };
static const struct option replay_options[] = {
	CLI_TARGET_OPTIONS,
	CLI_HELP_OPTION,
	{ "verbose", no_argument, NULL, 'v' },
	{ "full-checks", no_argument, NULL, OPT_FULL_CHECKS },
	{ 0 },
};

struct replay_args {
	struct cli_target t;
	int verbose, full;
};

static int replay_option(void *ctx, int code, const char *arg)
{
	struct replay_args *ra = ctx;
	int r = cli_target_set(&ra->t, code, arg);
	if (r)
		return r < 0 ? -1 : 0;
	if (code == 'v')
		ra->verbose = 1;
	else if (code == OPT_FULL_CHECKS)
		ra->full = 1;
	return 0;
}

static int cmd_replay(int argc, char **argv)
{
	struct replay_args ra = { { 0 }, 0, 0 };
	int first, st = cli_getopt("replay", argc, argv, "hv", replay_options, usage_replay, replay_option, &ra, &first);
	if (st >= 0)
		return st;
	struct cli_target t = ra.t;
	int verbose = ra.verbose, full = ra.full, nfiles = argc - first;
	char **files = argv + first;
	if (!nfiles) {
		fprintf(stderr, "mmfuzz replay: no input files\n%s", usage_replay);
		return EXIT_BADINPUT;
	}
	struct mmf_exec *ex = cli_make_exec(&t, verbose ? stdout : NULL, full);
	if (!ex)
		return cli_make_exec_status;
	static struct mmf_seq seq;
	int bad = 0, found = 0, envfail = 0;
	for (int i = 0; i < nfiles; i++) {
		enum mmf_input_kind kind;
		if (cli_load(files[i], &seq, &kind)) {
			bad = 1;
			continue;
		}
		struct mmf_finding f;
		int r = mmf_exec_run(ex, &seq, &f);
		if (r < 0) {
			fprintf(stderr, "%s: cannot run: %s\n", files[i], f.detail);
			envfail = 1;
		} else if (r == 1) {
			char line[MMF_OP_TEXT_MAX] = "end of sequence";
			if (f.step < seq.nops)
				mmf_op_format(&seq.ops[f.step], seq.profile, line, sizeof(line));
			printf("%s: %s\n", files[i], f.signature);
			printf("  at op %u: %s\n  %s\n", f.step, line, f.detail);
			found = 1;
		} else {
			printf("%s: ok (%u ops, profile %s, %s)\n", files[i], seq.nops,
			       mmf_profile_get(seq.profile)->name,
			       kind == MMF_INPUT_TEXT ? "text" : kind == MMF_INPUT_CONTAINER ? "binary" : "raw bytes");
		}
	}
	mmf_exec_destroy(ex);
	return bad ? EXIT_BADINPUT : envfail ? EXIT_ENV : found ? EXIT_FINDING : EXIT_CLEAN;
}

static void print_caps(uint64_t caps)
{
	static const char *const names[] = { "page_alloc", "page_contents", "pcp",	   "reports",	 "check",
					     "kmalloc",	   "obj_contents",  "kmem_cache", "vmalloc",	 "mempool",
					     "cma",	   "as",	    "as_file",	  "as_pfn",	 "soft_dirty",
					     "malloc",	   "as_8k",	    "as_call",	  "mlockall",	 "page_flat",
					     "counters",   "free_kind",	    "swap",	  "reclaim",	 "oom",
					     "zswap",	   "mem_fill",	    "hugetlb" };
	const char *sep = "";
	for (unsigned b = 0; b < sizeof(names) / sizeof(names[0]); b++)
		if (caps & (1ull << b)) {
			printf("%s%s", sep, names[b]);
			sep = ",";
		}
}

static int flag_option(void *ctx, int code, const char *arg)
{
	(void)arg;
	*(int *)ctx = code == OPT_MUTANTS;
	return 0;
}

static int cmd_adapters(int argc, char **argv)
{
	static const struct option opts[] = { CLI_HELP_OPTION, { "mutants", no_argument, NULL, OPT_MUTANTS }, { 0 } };
	int mutants = 0, first;
	int st = cli_getopt("adapters", argc, argv, "h", opts, usage_adapters, flag_option, &mutants, &first);
	if (st >= 0)
		return st;
	for (int i = first; i < argc; i++) {
		char err[512];
		struct mmf_open_opts oo = { 0 };
		const struct mmf_adapter *ad = mmf_adapter_open(argv[i], &oo, err, sizeof(err));
		if (!ad) {
			fprintf(stderr, "mmfuzz adapters: %s\n", err);
			return errno == EIO ? EXIT_ENV : EXIT_BADINPUT;
		}
		if (mutants) {
			for (unsigned k = 0; k < ad->nr_mutants; k++)
				printf("%-12s %-26s %-11s %s\n", ad->name, ad->mutants[k].name, ad->mutants[k].subsystem,
				       ad->mutants[k].description);
			continue;
		}
		printf("%s: page:%s obj:%s vmalloc:%s as:%s caps=", ad->name, mmf_level_name(ad->level[MMF_FAM_PAGE]),
		       mmf_level_name(ad->level[MMF_FAM_OBJ]), mmf_level_name(ad->level[MMF_FAM_VMALLOC]),
		       mmf_level_name(ad->level[MMF_FAM_AS]));
		print_caps(ad->caps);
		printf(" mutants=%u\n  %s\n", ad->nr_mutants, ad->description ? ad->description : "");
	}
	if (first < argc)
		return EXIT_CLEAN;
	if (mutants) {
		printf("%-12s %-26s %-11s %s\n", "adapter", "mutant", "subsystem", "what goes wrong");
		for (unsigned i = 0; i < mmf_builtin_adapter_count(); i++) {
			const struct mmf_adapter *ad = mmf_builtin_adapter(i);
			for (unsigned k = 0; k < ad->nr_mutants; k++)
				printf("%-12s %-26s %-11s %s\n", ad->name, ad->mutants[k].name,
				       ad->mutants[k].subsystem, ad->mutants[k].description);
		}
		return EXIT_CLEAN;
	}
	printf("adapters:\n");
	for (unsigned i = 0; i < mmf_builtin_adapter_count(); i++) {
		const struct mmf_adapter *ad = mmf_builtin_adapter(i);
		printf("  %-10s page:%-8s obj:%-8s vmalloc:%-8s as:%-8s caps=", ad->name,
		       mmf_level_name(ad->level[MMF_FAM_PAGE]), mmf_level_name(ad->level[MMF_FAM_OBJ]),
		       mmf_level_name(ad->level[MMF_FAM_VMALLOC]), mmf_level_name(ad->level[MMF_FAM_AS]));
		print_caps(ad->caps);
		printf("  mutants=%u\n             %s\n", ad->nr_mutants, ad->description);
	}
	/* the agent programs, where they were built; what each compares and
	 * (for a real kernel) what it probed, from its own table */
	static const struct {
		const char *name, *missing;
	} agents[] = {
		{ "glibc", "build it first" },		{ "jemalloc", "its library was missing" },
		{ "tcmalloc", "its library was missing" }, { "mimalloc", "its library was missing" },
		{ "host-linux", "build it first" },	{ "qemu-aarch64", "no cross compiler" },
		{ "qemu-arm", "no cross compiler" },	{ "qemu-sparc64", "no cross compiler" },
	};
	printf("agents (out of process):\n");
	for (unsigned i = 0; i < sizeof(agents) / sizeof(agents[0]); i++) {
		char path[4200], err[256], levels[96] = "";
		if (mmf_agent_path(agents[i].name, path, sizeof(path))) {
			printf("  %-12s not built (%s; ci/setup installs it)\n", agents[i].name, agents[i].missing);
			continue;
		}
		struct mmf_open_opts oo = { 0 };
		const struct mmf_adapter *ad = mmf_adapter_open(agents[i].name, &oo, err, sizeof(err));
		for (unsigned f = 0; ad && f < MMF_NR_FAMILIES; f++)
			if (ad->level[f] != MMF_LEVEL_NONE)
				snprintf(levels + strlen(levels), sizeof(levels) - strlen(levels), "%s%s: %s",
					 levels[0] ? ", " : "", mmf_family_name(f), mmf_level_name(ad->level[f]));
		printf("  %-12s %-30s %s\n", agents[i].name, ad ? levels : "(does not start)", path);
		printf("  %-12s %s\n", "", ad ? ad->description : err);
		if (ad && ad->level[MMF_FAM_AS] != MMF_LEVEL_NONE) /* a real kernel's agent: what it probed */
			printf("  %-12s kernel: %s\n", "", mmf_adapter_kernel(ad) ? mmf_adapter_kernel(ad) : "(declares nothing)");
	}
	printf("plugins: --adapter ./NAME.so (see adapters/template/)\n");
	printf("profiles:\n");
	for (unsigned i = 0; i < mmf_profile_count(); i++) {
		const struct mmf_profile *p = mmf_profile_get(i);
		printf("  %-8s %s\n", p->name, p->summary);
	}
	return EXIT_CLEAN;
}

struct corpus_args {
	const char *dir;
	unsigned long long seed, count, max_ops;
	unsigned generator;
	int profile;
};

static int corpus_option(void *ctx, int code, const char *arg)
{
	struct corpus_args *ca = ctx;
	unsigned long long v;
	switch (code) {
	case 'o': ca->dir = arg; return cli_path_ok("corpus", "-o", arg);
	case 'n': return cli_number("corpus", "-n", arg, &ca->count);
	case OPT_SEED: return cli_number("corpus", "--seed", arg, &ca->seed);
	case OPT_PROFILE: return cli_profile("corpus", arg, &ca->profile);
	default: /* --max-ops, --generator */
		if (cli_number("corpus", code == OPT_MAX_OPS ? "--max-ops" : "--generator", arg, &v))
			return -1;
		if (v < 1 || v > (code == OPT_MAX_OPS ? MMF_MAX_OPS : MMF_GEN_VERSION)) {
			fprintf(stderr, "mmfuzz corpus: %s out of range: %s\n", code == OPT_MAX_OPS ? "--max-ops" : "--generator",
				arg);
			return -1;
		}
		*(code == OPT_MAX_OPS ? &ca->max_ops : &v) = v;
		if (code == OPT_GENERATOR)
			ca->generator = (unsigned)v;
		return 0;
	}
}

static int cmd_corpus(int argc, char **argv)
{
	if (wants_help(argc, argv)) {
		fputs(usage_corpus, stdout);
		return EXIT_CLEAN;
	}
	if (argc >= 2 && (!strcmp(argv[1], "merge") || !strcmp(argv[1], "prune")))
		return cli_corpus_merge(argc - 1, argv + 1, !strcmp(argv[1], "prune"));
	if (argc < 2 || strcmp(argv[1], "generate")) {
		fprintf(stderr, "mmfuzz corpus: expected 'generate', 'merge' or 'prune'\n%s", usage_corpus);
		return EXIT_BADINPUT;
	}
	struct corpus_args ca = { NULL, 1, 32, 64, 0, -1 };
	static const struct option opts[] = {
		CLI_HELP_OPTION,
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "max-ops", required_argument, NULL, OPT_MAX_OPS },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "generator", required_argument, NULL, OPT_GENERATOR },
		{ 0 },
	};
	int first, st = cli_getopt("corpus", argc - 1, argv + 1, "ho:n:", opts, usage_corpus, corpus_option, &ca, &first);
	if (st >= 0)
		return st;
	if (first < argc - 1) {
		fprintf(stderr, "mmfuzz corpus: unexpected argument '%s'\n%s", argv[1 + first], usage_corpus);
		return EXIT_BADINPUT;
	}
	const char *dir = ca.dir;
	unsigned long long seed = ca.seed, count = ca.count, max_ops = ca.max_ops;
	unsigned generator = ca.generator;
	int profile = ca.profile;
	if (!dir) {
		fprintf(stderr, "mmfuzz corpus: -o DIR is required\n%s", usage_corpus);
		return EXIT_BADINPUT;
	}
	struct mmf_dir out;
	int e = mmf_dir_open(dir, 1, &out);
	if (e) {
		fprintf(stderr, "mmfuzz corpus: cannot create %s: %s\n", dir, strerror(e));
		return EXIT_ENV;
	}
	static struct mmf_seq seq;
	static uint8_t buf[MMF_MAGIC_SIZE + MMF_HEADER_SIZE + MMF_MAX_OPS * MMF_RECORD_SIZE];
	struct mmf_gen_config gc = { profile, (unsigned)max_ops, 0, 0, generator, 0, 0, 0 };
	for (unsigned long long i = 0; i < count; i++) {
		char name[64];
		mmf_gen_sequence(mmf_seed_mix(seed, i), &gc, &seq);
		memcpy(buf, MMF_MAGIC, MMF_MAGIC_SIZE);
		size_t n = mmf_seq_encode(&seq, buf + MMF_MAGIC_SIZE, sizeof(buf) - MMF_MAGIC_SIZE);
		snprintf(name, sizeof(name), "seed-%04llu.mmfz", i);
		e = mmf_dir_write(&out, name, buf, n + MMF_MAGIC_SIZE);
		if (e) {
			fprintf(stderr, "mmfuzz corpus: cannot write %s/%s: %s\n", dir, name, strerror(e));
			mmf_dir_close(&out);
			return EXIT_ENV;
		}
	}
	mmf_dir_close(&out);
	printf("wrote %llu inputs to %s (seed %llu)\n", count, dir, seed);
	return EXIT_CLEAN;
}

/* mmfuzz agent NAME: how this program serves a plugin or an isolated
 * built-in adapter to itself. A fresh, small process forks each worker,
 * which is much cheaper than forking the campaign's own process with its
 * oracle in it. */
static int cmd_agent(int argc, char **argv)
{
	if (argc != 2 || wants_help(argc, argv)) {
		fprintf(argc == 2 ? stdout : stderr,
			"usage: mmfuzz agent NAME|PATH.so\n\nServes one adapter over descriptors 3-6 to the mmfuzz "
			"that started it\n(as --isolate fork and plugins do); not for use by hand.\n");
		return argc == 2 ? EXIT_CLEAN : EXIT_BADINPUT;
	}
	/* A plugin's constructor runs as it loads, here: a crash there is
	 * the signal's own death, whatever a sanitizer in this process would
	 * make of it, as in the workers (remote_serve.c). */
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };
	for (unsigned i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], SIG_DFL);
	struct mmf_open_opts o = { MMF_ISOLATE_NONE, 0, 0 };
	char why[512];
	const struct mmf_adapter *ad = mmf_adapter_open(argv[1], &o, why, sizeof(why));
	if (!ad) {
		fprintf(stderr, "mmfuzz agent: %s\n", why);
		return EXIT_BADINPUT;
	}
	return mmf_agent_main(ad);
}

/* SIGTERM, SIGINT or SIGHUP: the servers and workers go first, and what
 * they left, then this process dies of the signal as it would have. */
static void on_stop_signal(int sig)
{
	mmf_remote_kill_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int run_command(int argc, char **argv);

int main(int argc, char **argv)
{
	int agent = argc >= 2 && !strcmp(argv[1], "agent");
	if (!agent) {
		/* A pipe to an adapter or to a reader that went away is EPIPE
		 * and a clear message, never a silent death. Whatever is
		 * orphaned below our servers comes back here to be killed. */
		signal(SIGPIPE, SIG_IGN);
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		static const int stops[] = { SIGTERM, SIGINT, SIGHUP };
		for (unsigned i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
			struct sigaction sa = { .sa_handler = on_stop_signal };
			sigaction(stops[i], &sa, NULL);
		}
	}
	int status = run_command(argc, argv);
	if (agent)
		return status;
	mmf_remote_kill_all();
	/* output that did not reach its file (a full disk, a closed pipe) is
	 * an environment error, not a clean run */
	errno = 0;
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		fprintf(stderr, "mmfuzz: cannot write the output: %s\n", strerror(errno ? errno : EIO));
		return EXIT_ENV;
	}
	return status;
}

static int run_command(int argc, char **argv)
{
	/* plugins and isolated adapters are served by this same program */
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		mmf_adapter_set_agent_program(self);
	}
	if (argc < 2) {
		fputs(usage_main, stderr);
		return EXIT_BADINPUT;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage_main, stdout);
		return EXIT_CLEAN;
	}
	if (!strcmp(cmd, "--version")) {
		printf("mmfuzz %s (format %d, adapter ABI %d)\n", MMFUZZ_VERSION, MMF_FORMAT_VERSION,
		       MMF_ADAPTER_ABI_VERSION);
		return EXIT_CLEAN;
	}
	if (!strcmp(cmd, "fuzz"))
		return cli_fuzz(argc - 1, argv + 1);
	if (!strcmp(cmd, "fidelity"))
		return cli_fidelity(argc - 1, argv + 1);
	if (!strcmp(cmd, "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (!strcmp(cmd, "show"))
		return cmd_show(argc - 1, argv + 1);
	if (!strcmp(cmd, "adapters"))
		return cmd_adapters(argc - 1, argv + 1);
	if (!strcmp(cmd, "corpus"))
		return cmd_corpus(argc - 1, argv + 1);
	if (!strcmp(cmd, "minimize"))
		return cli_minimize(argc - 1, argv + 1);
	if (!strcmp(cmd, "export-c"))
		return cli_export_c(argc - 1, argv + 1);
	if (!strcmp(cmd, "agent"))
		return cmd_agent(argc - 1, argv + 1);
	fprintf(stderr, "mmfuzz: unknown command '%s'\n%s", cmd, usage_main);
	return EXIT_BADINPUT;
}
