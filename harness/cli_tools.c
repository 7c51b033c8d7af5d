/* mmfuzz minimize and mmfuzz export-c: turning a failing input into the
 * smallest reproducer, and that into a C program or a Check test. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/fileio.h"
#include "mmfuzz/profile.h"

static const char usage_minimize[] =
	"usage: mmfuzz minimize [options] IN -o OUT\n"
	"\n"
	"Shrinks a failing input while it fails with the same signature: cut after\n"
	"the failing op, remove runs of ops (halving), make fields smaller, until\n"
	"nothing changes. Each candidate runs in a forked child with a timeout, so\n"
	"inputs that crash or hang shrink too. OUT ending in .txt gets the text\n"
	"form (with the signature as a comment), anything else a binary container.\n"
	"Exit status 1 when the input fails (OUT written), 0 when it does not.\n"
	"\n"
	CLI_TARGET_HELP
	"  --no-exact       compare at most at semantic level\n"
	"  --timeout SEC    per candidate (default 10)\n"
	"  --max-time SEC   for the whole minimization (default: none)\n"
	"  --no-fork        run candidates in this process (faster; no crash safety)\n";

static const char usage_export[] =
	"usage: mmfuzz export-c [options] IN -o OUT.c\n"
	"\n"
	"Writes a standalone C program that replays IN against the adapter through\n"
	"the public API and exits 1 when it finds what IN finds (0: no finding,\n"
	"2: a different one). Build it from the source tree with:\n"
	"  cc -std=gnu11 -Iinclude OUT.c build/default/libmmfuzz_core.a -llz4 -lzstd -o repro\n"
	"With --check, OUT.c is a Check test case instead, asserting that the\n"
	"sequence runs clean (it fails while the bug is there); it switches the\n"
	"mutant on only when compiled with -DMMF_REPRO_MUTANT='\"NAME\"':\n"
	"  cc -std=gnu11 -Iinclude OUT.c build/default/libmmfuzz_core.a -llz4 -lzstd -lcheck -lsubunit -lm -lrt -pthread -o t\n"
	"\n"
	"  --adapter NAME   system under test (default: simple; reference with --mutant)\n"
	"  --mutant NAME    switch on a seeded bug in the reference\n"
	"  --no-exact       compare at most at semantic level\n"
	"  --check          a Check test case instead of a program\n";

/* Writes seq to path: text (with comment lines) for .txt, else a container. */
static int save(const char *path, const struct mmf_seq *seq, const char *comment)
{
	size_t pl = strlen(path);
	if (pl > 4 && !strcmp(path + pl - 4, ".txt")) {
		char *text = mmf_seq_to_text(seq);
		if (!text)
			return ENOMEM;
		size_t cap = strlen(text) + strlen(comment) + 8;
		char *doc = malloc(cap);
		if (!doc) {
			free(text);
			return ENOMEM;
		}
		int n = snprintf(doc, cap, "%s%s", comment, text);
		int e = mmf_write_atomic(path, doc, (size_t)n);
		free(doc);
		free(text);
		return e;
	}
	static uint8_t buf[MMF_MAGIC_SIZE + MMF_HEADER_SIZE + MMF_MAX_OPS * MMF_RECORD_SIZE];
	memcpy(buf, MMF_MAGIC, MMF_MAGIC_SIZE);
	size_t n = mmf_seq_encode(seq, buf + MMF_MAGIC_SIZE, sizeof(buf) - MMF_MAGIC_SIZE);
	return mmf_write_atomic(path, buf, n + MMF_MAGIC_SIZE);
}

/* Common option parsing: target options, -o OUT, one input; extra flags
 * through the callback. */
struct args {
	struct cli_target t;
	const char *in, *out;
	double timeout, max_time;
	int no_fork, check;
};

enum { OPT_TIMEOUT = CLI_OPT_OWN, OPT_MAX_TIME, OPT_NO_FORK, OPT_CHECK, OPT_DRY_RUN };
static const struct option tool_options[] = {
	CLI_TARGET_OPTIONS,
	CLI_HELP_OPTION,
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-time", required_argument, NULL, OPT_MAX_TIME },
	{ "no-fork", no_argument, NULL, OPT_NO_FORK },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ 0 },
};
static const char *tool_cmd;

static int tool_option(void *ctx, int code, const char *arg)
{
	struct args *a = ctx;
	int r = cli_target_set(&a->t, code, arg);
	if (r)
		return r < 0 ? -1 : 0;
	switch (code) {
	case 'o': a->out = arg; return cli_path_ok(tool_cmd, "-o", arg);
	case OPT_TIMEOUT:
	case OPT_MAX_TIME: {
		char *end;
		double v = strtod(arg, &end);
		if (*end || !(v > 0)) {
			fprintf(stderr, "mmfuzz %s: %s needs a positive number of seconds\n", tool_cmd,
				code == OPT_TIMEOUT ? "--timeout" : "--max-time");
			return -1;
		}
		*(code == OPT_TIMEOUT ? &a->timeout : &a->max_time) = v;
		return 0;
	}
	case OPT_NO_FORK: a->no_fork = 1; return 0;
	case OPT_CHECK: a->check = 1; return 0;
	default: return -1;
	}
}

/* Target options, -o OUT, one input. An exit status, or -1 to go on. */
static int parse(int argc, char **argv, const char *cmd, const char *usage, struct args *a)
{
	int first;
	tool_cmd = cmd;
	int st = cli_getopt(cmd, argc, argv, "ho:", tool_options, usage, tool_option, a, &first);
	if (st >= 0)
		return st;
	if (first + 1 < argc) {
		fprintf(stderr, "mmfuzz %s: one input only ('%s' and '%s')\n", cmd, argv[first], argv[first + 1]);
		return EXIT_BADINPUT;
	}
	a->in = first < argc ? argv[first] : NULL;
	if (!a->in || !a->out) {
		fprintf(stderr, "mmfuzz %s: needs an input and -o OUT\n%s", cmd, usage);
		return EXIT_BADINPUT;
	}
	return -1;
}

/* Both commands: --help, options, the input loaded and run once (in a
 * child unless --no-fork). Returns an exit status to stop with, or -1 to
 * go on with *ex, *f and *r (the run's verdict). */
static int first_run(int argc, char **argv, const char *cmd, const char *usage, struct args *a, struct mmf_seq *seq,
		     struct mmf_exec **ex, struct mmf_finding *f, int *r)
{
	int st = parse(argc, argv, cmd, usage, a);
	if (st >= 0)
		return st;
	if (cli_load(a->in, seq, NULL))
		return EXIT_BADINPUT;
	*ex = cli_make_exec(&a->t, NULL, 0);
	if (!*ex)
		return cli_make_exec_status;
	*r = a->no_fork ? mmf_exec_run(*ex, seq, f) : mmf_run_isolated(*ex, seq, f, a->timeout);
	if (*r < 0) {
		fprintf(stderr, "%s: cannot run: %s\n", a->in, f->detail);
		mmf_exec_destroy(*ex);
		return EXIT_ENV;
	}
	return -1;
}

int cli_minimize(int argc, char **argv)
{
	struct args a = { .timeout = 10 };
	static struct mmf_seq seq;
	struct mmf_exec *ex;
	struct mmf_finding f;
	int r = 0, st0 = first_run(argc, argv, "minimize", usage_minimize, &a, &seq, &ex, &f, &r);
	if (st0 >= 0)
		return st0;
	if (r == 0) {
		printf("%s: no finding: nothing to minimize\n", a.in);
		mmf_exec_destroy(ex);
		return EXIT_CLEAN;
	}
	printf("%s: %s\n", a.in, f.signature);
	struct mmf_min_config mc = { .fork_each = !a.no_fork, .timeout = a.timeout, .time_limit = a.max_time };
	struct mmf_min_stats st;
	mmf_minimize(ex, &seq, &f, &mc, &st);
	mmf_exec_destroy(ex);
	char comment[1024];
	snprintf(comment, sizeof(comment), "# %s\n# %s\n# minimized from %s: %u ops -> %u\n", f.signature, f.detail, a.in,
		 st.ops_before, st.ops_after);
	int e = save(a.out, &seq, comment);
	if (e) {
		fprintf(stderr, "mmfuzz minimize: cannot write %s: %s\n", a.out, strerror(e));
		return EXIT_ENV;
	}
	printf("  ops %u -> %u, %lu runs, %.2f s\n  wrote %s\n", st.ops_before, st.ops_after, st.runs, st.seconds, a.out);
	return EXIT_FINDING;
}

/* The sequence as a C initializer. */
static void emit_seq(FILE *fp, const struct mmf_seq *seq)
{
	fprintf(fp, "static const struct mmf_op ops[] = {\n");
	for (unsigned i = 0; i < seq->nops; i++) {
		char line[MMF_OP_TEXT_MAX];
		mmf_op_format(&seq->ops[i], seq->profile, line, sizeof(line));
		for (char *c = line; *c; c++)
			if (*c == '*' || *c == '/')
				*c = '.'; /* nothing can end the comment */
		fprintf(fp, "\t{ %u, %u, %u, %u, %#xu }, /* %s */\n", seq->ops[i].code, seq->ops[i].slot, seq->ops[i].a,
			seq->ops[i].b, seq->ops[i].arg, line);
	}
	fprintf(fp, "};\n\n");
	fprintf(fp,
		"static void load(struct mmf_seq *seq)\n{\n"
		"\tmemset(seq, 0, sizeof(*seq));\n"
		"\tseq->version = %u;\n\tseq->profile = %u; /* %s */\n\tseq->swarm = %#x;\n\tseq->seed = %#xu;\n"
		"\tseq->nops = sizeof(ops) / sizeof(ops[0]);\n"
		"\tmemcpy(seq->ops, ops, sizeof(ops));\n}\n\n",
		seq->version, seq->profile, mmf_profile_get(seq->profile)->name, seq->swarm, seq->seed);
}

static void emit_exec(FILE *fp, const struct cli_target *t, const char *mutant_expr)
{
	fprintf(fp,
		"static struct mmf_exec *make(void)\n{\n"
		"\tconst struct mmf_adapter *ad = mmf_adapter_find(\"%s\");\n"
		"\tif (!ad)\n\t\treturn NULL;\n"
		"\tstruct mmf_exec_config cfg = { .suts = { ad }, .mutants = { %s }, .nr_suts = 1,\n"
		"\t\t\t\t       .max_level = %s, .cheap_checks = 1 };\n"
		"\tchar err[256];\n\tstruct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));\n"
		"\tif (!ex)\n\t\tfprintf(stderr, \"repro: %%s\\n\", err);\n\treturn ex;\n}\n\n",
		cli_adapter_name(t), mutant_expr, t->no_exact ? "MMF_LEVEL_SEMANTIC" : "MMF_LEVEL_EXACT");
}

int cli_export_c(int argc, char **argv)
{
	struct args a = { .timeout = 10 };
	static struct mmf_seq seq;
	struct mmf_exec *ex;
	struct mmf_finding f;
	int r = 0, st0 = first_run(argc, argv, "export-c", usage_export, &a, &seq, &ex, &f, &r);
	if (st0 >= 0)
		return st0;
	mmf_exec_destroy(ex);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	if (!fp)
		return EXIT_ENV;
	char sig[200];
	snprintf(sig, sizeof(sig), "%s", r == 1 ? f.signature : "");
	for (char *c = sig; *c; c++)
		if (*c == '"' || *c == '\\' || *c == '*')
			*c = '_';
	fprintf(fp, "/* Generated by mmfuzz export-c from %s.\n", a.in);
	fprintf(fp, " * Adapter %s%s%s; when exported it gave: %s\n", cli_adapter_name(&a.t), a.t.mutant ? ", mutant " : "",
		a.t.mutant ? a.t.mutant : "", r == 1 ? sig : "no finding");
	if (a.check)
		fprintf(fp, " * A Check test: the sequence must run clean. Build (from the source tree):\n"
			    " *   cc -std=gnu11 -Iinclude THIS.c build/default/libmmfuzz_core.a -llz4 -lzstd -lcheck -lsubunit -lm -lrt -pthread\n"
			    " * and with -DMMF_REPRO_MUTANT='\"NAME\"' to switch a reference mutant on. */\n");
	else
		fprintf(fp, " * Build (from the source tree):\n"
			    " *   cc -std=gnu11 -Iinclude THIS.c build/default/libmmfuzz_core.a -llz4 -lzstd -o repro\n"
			    " * Exit status: 1 the same finding, 2 another one, 0 none, 3 cannot run. */\n");
	fprintf(fp, "#include <stdio.h>\n#include <string.h>\n\n");
	if (a.check)
		fprintf(fp, "#include <check.h>\n\n");
	fprintf(fp, "#include \"mmfuzz/harness.h\"\n\n");
	fprintf(fp, "#define EXPECTED \"%s\"\n", sig);
	char mut[160];
	if (a.check) {
		fprintf(fp, "#ifndef MMF_REPRO_MUTANT\n#define MMF_REPRO_MUTANT NULL\n#endif\n\n");
		snprintf(mut, sizeof(mut), "MMF_REPRO_MUTANT");
	} else {
		snprintf(mut, sizeof(mut), a.t.mutant ? "\"%s\"" : "NULL", a.t.mutant ? a.t.mutant : "");
	}
	emit_seq(fp, &seq);
	emit_exec(fp, &a.t, mut);
	if (a.check) {
		fprintf(fp,
			"START_TEST(repro_runs_clean)\n{\n"
			"\tstatic struct mmf_seq seq;\n\tload(&seq);\n"
			"\tstruct mmf_exec *ex = make();\n\tck_assert_ptr_nonnull(ex);\n"
			"\tstruct mmf_finding f;\n\tint r = mmf_exec_run(ex, &seq, &f);\n"
			"\tck_assert_msg(r == 0, \"%%s: %%s\", r == 1 ? f.signature : \"cannot run\", f.detail);\n"
			"\tmmf_exec_destroy(ex);\n}\nEND_TEST\n\n"
			"int main(void)\n{\n"
			"\tSuite *s = suite_create(\"repro\");\n\tTCase *tc = tcase_create(\"repro\");\n"
			"\ttcase_add_test(tc, repro_runs_clean);\n\tsuite_add_tcase(s, tc);\n"
			"\tSRunner *sr = srunner_create(s);\n\tsrunner_run_all(sr, CK_NORMAL);\n"
			"\tint failed = srunner_ntests_failed(sr);\n\tsrunner_free(sr);\n\treturn failed ? 1 : 0;\n}\n");
	} else {
		fprintf(fp,
			"int main(void)\n{\n"
			"\tstatic struct mmf_seq seq;\n\tload(&seq);\n"
			"\tstruct mmf_exec *ex = make();\n\tif (!ex)\n\t\treturn 3;\n"
			"\tstruct mmf_finding f;\n\tint r = mmf_exec_run(ex, &seq, &f);\n\tmmf_exec_destroy(ex);\n"
			"\tif (r < 0) {\n\t\tfprintf(stderr, \"repro: cannot run: %%s\\n\", f.detail);\n\t\treturn 3;\n\t}\n"
			"\tif (r == 0) {\n\t\tprintf(\"no finding\\n\");\n\t\treturn 0;\n\t}\n"
			"\tprintf(\"%%s\\n  at op %%u: %%s\\n\", f.signature, f.step, f.detail);\n"
			"\treturn strcmp(f.signature, EXPECTED) == 0 ? 1 : 2;\n}\n");
	}
	fclose(fp);
	int e = mmf_write_atomic(a.out, buf, len);
	free(buf);
	if (e) {
		fprintf(stderr, "mmfuzz export-c: cannot write %s: %s\n", a.out, strerror(e));
		return EXIT_ENV;
	}
	printf("wrote %s (%u ops, %s)\n", a.out, seq.nops, r == 1 ? f.signature : "no finding");
	return EXIT_CLEAN;
}

/* ---- corpus merge and prune -------------------------------------------- */

/* Operation-level coverage of one input: each (op, oracle outcome) it
 * reached, each pair of consecutive opcodes, and its finding's signature
 * (hashed), as bits. */
#define FEAT_OUTCOME 0
#define FEAT_PAIR (MMF_NR_OPCODES * 4)
#define FEAT_SIG (FEAT_PAIR + MMF_NR_OPCODES * MMF_NR_OPCODES)
#define NR_FEATS (FEAT_SIG + 1024)
typedef uint64_t featset[(NR_FEATS + 63) / 64];

static void features(struct mmf_exec *ex, const struct mmf_seq *seq, featset out)
{
	memset(out, 0, sizeof(featset));
	static struct mmf_exec_stats before;
	before = *mmf_exec_stats(ex);
	struct mmf_finding f;
	int r = mmf_exec_run(ex, seq, &f);
	const struct mmf_exec_stats *after = mmf_exec_stats(ex);
	for (unsigned op = 0; op < MMF_NR_OPCODES; op++)
		for (unsigned k = 0; k < 4; k++)
			if (after->per_op[op][k] > before.per_op[op][k]) {
				unsigned b = FEAT_OUTCOME + op * 4 + k;
				out[b / 64] |= 1ull << (b % 64);
			}
	for (unsigned i = 1; i < seq->nops; i++) {
		unsigned b = FEAT_PAIR + seq->ops[i - 1].code * MMF_NR_OPCODES + seq->ops[i].code;
		out[b / 64] |= 1ull << (b % 64);
	}
	if (r == 1) {
		uint32_t h = 2166136261u;
		for (const char *c = f.signature; *c; c++)
			h = (h ^ (uint8_t)*c) * 16777619u;
		unsigned b = FEAT_SIG + h % 1024;
		out[b / 64] |= 1ull << (b % 64);
	}
}

/* Adds fs to have; how many features were new. */
static unsigned add_new(featset have, const featset fs)
{
	unsigned n = 0;
	for (unsigned i = 0; i < sizeof(featset) / 8; i++) {
		n += (unsigned)__builtin_popcountll(fs[i] & ~have[i]);
		have[i] |= fs[i];
	}
	return n;
}

struct entry {
	char *path;
	size_t size;
};

static int by_size(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return x->size < y->size ? -1 : x->size > y->size ? 1 : strcmp(x->path, y->path);
}

/* Regular files of dir (not hidden, not our temp files), appended. */
static int list_dir(const char *dir, struct entry **v, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp."))
			continue;
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			struct entry *nv = realloc(*v, *cap * sizeof(**v));
			if (!nv) {
				closedir(d);
				return ENOMEM;
			}
			*v = nv;
		}
		(*v)[*n].path = strdup(path);
		(*v)[(*n)++].size = (size_t)st.st_size;
	}
	closedir(d);
	return 0;
}

static const char usage_merge[] =
	"usage: mmfuzz corpus merge [--adapter NAME] OUT IN...\n"
	"       mmfuzz corpus prune [--adapter NAME] [--dry-run] DIR\n"
	"\n"
	"merge copies into OUT the inputs of the IN folders that add operation-level\n"
	"coverage to what OUT already has: an (op, outcome) pair the oracle has not\n"
	"reached, a new pair of consecutive ops, or a new finding's signature;\n"
	"smaller inputs are taken first. prune deletes from DIR the inputs that add\n"
	"nothing to the smaller ones before them. Files that do not load are\n"
	"reported and left alone. Copies are canonical containers, named by their\n"
	"content's hash, written atomically.\n";

/* Every input of the folders into *v; for merge, OUT's own (the first
 * *base) count as covered in have. 0, or -1 when a folder could not be
 * read (said). */
static int list_inputs(struct mmf_exec *ex, const char *cmd, const char **dirs, int nd, int prune, featset have,
		       struct entry **v, size_t *n, size_t *cap, size_t *base)
{
	static featset fs;
	static struct mmf_seq seq;
	int bad = 0;
	for (int k = 0; k < nd; k++) {
		int e = list_dir(dirs[k], v, n, cap);
		if (e) {
			fprintf(stderr, "mmfuzz %s: cannot read %s: %s\n", cmd, dirs[k], strerror(e));
			bad = -1;
		}
		if (k == 0 && !prune) {
			for (size_t i = 0; i < *n; i++)
				if (!cli_load((*v)[i].path, &seq, NULL)) {
					features(ex, &seq, fs);
					add_new(have, fs);
				}
			*base = *n;
		}
	}
	return bad;
}

/* seq as a canonical container in dir, named by its content's hash: 0,
 * or -1 after saying why not. */
static int save_by_hash(struct mmf_dir *dir, const struct mmf_seq *seq, const char *cmd, const char *dirname)
{
	static uint8_t buf[MMF_MAGIC_SIZE + MMF_HEADER_SIZE + MMF_MAX_OPS * MMF_RECORD_SIZE];
	memcpy(buf, MMF_MAGIC, MMF_MAGIC_SIZE);
	size_t len = mmf_seq_encode(seq, buf + MMF_MAGIC_SIZE, sizeof(buf) - MMF_MAGIC_SIZE) + MMF_MAGIC_SIZE;
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t b = 0; b < len; b++)
		h = (h ^ buf[b]) * 1099511628211ull;
	char name[64];
	snprintf(name, sizeof(name), "%016llx.mmfz", (unsigned long long)h);
	int e = mmf_dir_write(dir, name, buf, len);
	if (e)
		fprintf(stderr, "mmfuzz %s: cannot write %s/%s: %s\n", cmd, dirname, name, strerror(e));
	return e ? -1 : 0;
}

/* merge and prune: the target's options, and --dry-run (noted in check) */
static int merge_option(void *ctx, int code, const char *arg)
{
	struct args *a = ctx;
	int r = cli_target_set(&a->t, code, arg);
	if (r)
		return r < 0 ? -1 : 0;
	a->check = code == OPT_DRY_RUN;
	return 0;
}

int cli_corpus_merge(int argc, char **argv, int prune)
{
	struct args ma = { .timeout = 0 };
	const char *cmd = prune ? "corpus prune" : "corpus merge";
	static const struct option opts[] = { CLI_TARGET_OPTIONS, CLI_HELP_OPTION,
					      { "dry-run", no_argument, NULL, OPT_DRY_RUN }, { 0 } };
	int first, st = cli_getopt(cmd, argc, argv, "h", opts, usage_merge, merge_option, &ma, &first);
	if (st >= 0)
		return st;
	if (ma.check && !prune) {
		fprintf(stderr, "mmfuzz %s: --dry-run is prune's\n%s", cmd, usage_merge);
		return EXIT_BADINPUT;
	}
	struct cli_target t = ma.t;
	int dry = ma.check, nd = 0;
	const char **dirs = calloc((size_t)argc + 1, sizeof(char *));
	if (!dirs)
		return EXIT_ENV;
	for (int i = first; i < argc; i++) {
		if (cli_path_ok(cmd, "a folder", argv[i]))
			return free(dirs), EXIT_BADINPUT;
		dirs[nd++] = argv[i];
	}
	if (prune ? nd != 1 : nd < 2) {
		fprintf(stderr, "mmfuzz %s: %s\n%s", cmd, prune ? "one folder" : "OUT and at least one IN", usage_merge);
		free(dirs);
		return EXIT_BADINPUT;
	}
	struct mmf_dir outdir = { -1, "" };
	int e = prune ? 0 : mmf_dir_open(dirs[0], 1, &outdir);
	if (e) {
		fprintf(stderr, "mmfuzz %s: cannot create %s: %s\n", cmd, dirs[0], strerror(e));
		free(dirs);
		return EXIT_ENV;
	}
	struct mmf_exec *ex = cli_make_exec(&t, NULL, 0);
	if (!ex) {
		free(dirs);
		mmf_dir_close(&outdir);
		return cli_make_exec_status;
	}
	static featset have, fs;
	memset(have, 0, sizeof(have));
	static struct mmf_seq seq;
	struct entry *v = NULL;
	size_t n = 0, cap = 0, base = 0;
	int status = EXIT_CLEAN;
	if (list_inputs(ex, cmd, dirs, nd, prune, have, &v, &n, &cap, &base))
		status = EXIT_BADINPUT;
	if (n > base)
		qsort(v + base, n - base, sizeof(*v), by_size);
	unsigned kept = 0, dropped = 0, bad = 0, feats = 0;
	for (size_t i = base; i < n; i++) {
		if (cli_load(v[i].path, &seq, NULL)) {
			bad++;
			continue;
		}
		features(ex, &seq, fs);
		unsigned add = add_new(have, fs);
		feats += add;
		if (prune) {
			if (add)
				kept++;
			else if (!dry && unlink(v[i].path)) {
				fprintf(stderr, "mmfuzz %s: cannot delete %s: %s\n", cmd, v[i].path, strerror(errno));
				status = EXIT_ENV;
			} else
				dropped++;
			continue;
		}
		if (!add) {
			dropped++;
			continue;
		}
		if (save_by_hash(&outdir, &seq, cmd, dirs[0])) {
			status = EXIT_ENV;
			break;
		}
		kept++;
	}
	printf("%s: %zu inputs read, %u %s, %u %s, %u not loadable; %u new features\n", cmd, n - base, kept,
	       prune ? "kept" : "added", dropped, prune ? (dry ? "would go" : "deleted") : "left out", bad, feats);
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	free(dirs);
	mmf_dir_close(&outdir);
	mmf_exec_destroy(ex);
	return status == EXIT_CLEAN && bad ? EXIT_BADINPUT : status;
}
