/* Shared pieces of the mmfuzz command line. Only the CLI prints and picks
 * exit statuses: 0 no finding, 1 finding, 2 bad input or usage, 3 the
 * environment failed (cannot write --out, an adapter cannot start), 4 a
 * campaign whose findings were all flaky (none came back when replayed). */
#ifndef MMF_HARNESS_CLI_H
#define MMF_HARNESS_CLI_H
#if defined(MMF_LAYER_ORACLE) || defined(MMF_LAYER_ADAPTERS)
#error "a header of the harness, which the oracle and the built-in adapters do not include"
#endif

#include "mmfuzz/harness.h"

#define EXIT_CLEAN 0
#define EXIT_FINDING 1
#define EXIT_BADINPUT 2
#define EXIT_ENV 3
#define EXIT_FLAKY 4

/* Options every command that runs sequences shares. */
struct cli_target {
	const char *adapter; /* NULL: simple, or reference when a mutant is set */
	const char *mutant;
	int no_exact;
	int no_known; /* --no-known: the adapter's known differences are findings too */
	int walk_full; /* --walk full: end walks check everything, changed or not */
	struct mmf_open_opts open; /* --isolate, --op-timeout, --mem-limit */
	const char *oracle_mutant; /* fidelity --oracle-mutant: a bug in the oracle, judged by the adapter */
	/* The default campaign: besides simple, this machine's kernel
	 * (host-linux, probed) for the address-space family, where its agent
	 * can run (built, and root's /proc/kpagecount readable). */
	int with_kernel;
	int keep_going; /* fidelity: go on past disagreements, counting each */
};

/* Options are parsed with getopt_long: each command has a table of its
 * options, the target's (CLI_TARGET_OPTIONS) among them where it runs
 * sequences, and a function that takes one option at a time. Options and
 * operands may come in any order; "--" ends the options. */
#include <getopt.h>
enum {
	CLI_OPT_ADAPTER = 0x100, CLI_OPT_MUTANT, CLI_OPT_ORACLE_MUTANT, CLI_OPT_NO_EXACT, CLI_OPT_NO_KNOWN,
	CLI_OPT_ISOLATE, CLI_OPT_OP_TIMEOUT, CLI_OPT_MEM_LIMIT, CLI_OPT_WALK,
	CLI_OPT_OWN = 0x200 /* a command's own long-only options from here */
};
#define CLI_TARGET_OPTIONS                                                                                             \
	{ "adapter", required_argument, NULL, CLI_OPT_ADAPTER }, { "mutant", required_argument, NULL, CLI_OPT_MUTANT }, \
		{ "oracle-mutant", required_argument, NULL, CLI_OPT_ORACLE_MUTANT },                                   \
		{ "no-exact", no_argument, NULL, CLI_OPT_NO_EXACT }, { "no-known", no_argument, NULL, CLI_OPT_NO_KNOWN }, \
		{ "isolate", required_argument, NULL, CLI_OPT_ISOLATE },                                               \
		{ "op-timeout", required_argument, NULL, CLI_OPT_OP_TIMEOUT },                                         \
		{ "mem-limit", required_argument, NULL, CLI_OPT_MEM_LIMIT }, { "walk", required_argument, NULL, CLI_OPT_WALK }
#define CLI_HELP_OPTION { "help", no_argument, NULL, 'h' }
/* One option: 0, or -1 after printing why it is wrong. */
typedef int (*cli_opt_fn)(void *ctx, int code, const char *arg);
/* Runs getopt_long over argv (shortopts without the leading ':'); -h and
 * --help print usage. Returns EXIT_BADINPUT on a bad option (printed),
 * EXIT_CLEAN after --help, or -1 to go on with the operands at
 * argv[*first..argc) (getopt_long moves them last). */
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *opts,
	       const char *usage, cli_opt_fn fn, void *ctx, int *first);
/* A target option (CLI_OPT_ADAPTER ... CLI_OPT_MEM_LIMIT) into t: 1 taken,
 * 0 not one, -1 a bad value (printed). */
int cli_target_set(struct cli_target *t, int code, const char *arg);
/* --profile NAME into *profile (its index): 0, or -1 after printing why not. */
int cli_profile(const char *cmd, const char *arg, int *profile);
/* A non-negative integer option: 0, or -1 after printing why not. */
int cli_number(const char *cmd, const char *opt, const char *arg, unsigned long long *v);
/* Builds the executor for t; prints and returns NULL on error. */
#define CLI_TARGET_HELP                                                                                                \
	"  --adapter NAME   system under test (default: simple; reference with --mutant):\n"                           \
	"                   a built-in name, an agent (glibc, jemalloc, tcmalloc, mimalloc),\n"                        \
	"                   ./NAME.so (a plugin) or the path of an agent program\n"                                  \
	"  --mutant NAME    switch on a seeded bug in the reference\n"                                                 \
	"  --isolate fork   run the adapter in a forked worker per sequence (agents always\n"                           \
	"                   are, NAME.so plugins unless --isolate none)\n"                                             \
	"  --op-timeout MS  a worker's op that takes longer is a finding \"timeout\" (default 5000)\n"                 \
	"  --mem-limit MB   a worker with more resident memory is a finding \"rlimit\" (default 2048)\n"     \
	"  --no-known       raise the differences the adapter lists as known as findings too\n"                      \
	"  --walk full      the oracle's end-of-sequence walks check everything, also what the\n"                    \
	"                   sequence cannot have changed (default: touched, which skips the\n"                   \
	"                   boot-time linear map while its tables are as boot built them)\n"                      \
	"  --oracle-mutant NAME  switch a seeded bug on in the oracle itself and let the\n"                          \
	"                   adapter judge it (the oracle's walkers off): does a real system\n"                       \
	"                   show the bug?\n"
struct mmf_exec *cli_make_exec(const struct cli_target *t, FILE *trace, int full_each_op);
/* The exit status for the last cli_make_exec that failed: EXIT_BADINPUT
 * (a bad name or plugin), or EXIT_ENV (its process could not start). */
extern int cli_make_exec_status;
const char *cli_adapter_name(const struct cli_target *t);
/* The adapter the last cli_make_exec opened, and the kernel it added
 * (with_kernel; NULL when none). */
extern const struct mmf_adapter *cli_adapter;
extern const struct mmf_adapter *cli_kernel_adapter;
/* The kernel knobs the last executor's oracle runs with ("" for the
 * profiles' defaults), for reproducers and reports. */
extern char cli_kernel[1024];
/* The level family fam is compared at by any of them. */
enum mmf_level cli_level(unsigned fam);
/* The --adapter a finding of adapter `name` replays with ("" for the
 * first adapter's own). */
const char *cli_replay_adapter(const struct cli_target *t, const char *name);

/* The generator flags an adapter's capabilities call for (MMF_GEN_*). */
unsigned cli_gen_flags(const struct mmf_adapter *ad);
/* The capabilities every system compared in the address-space family has
 * (mmf_gen_config's as_caps; 0: none compared there). */
uint64_t cli_gen_as_caps(void);
/* The capabilities the generator draws for (0: all), see harness/cli.c. */
uint64_t cli_gen_caps(void);
/* --errors PCT: the share of address-space ops aimed at an error path, as
 * mmf_gen_config's errors (PCT + 1). 0, or -1 after saying why. */
int cli_errors(const char *cmd, const char *arg, unsigned *errors);
#define CLI_ERRORS_HELP                                                                                        \
	"  --errors PCT     the percent of address-space ops aimed at an error path on\n"                       \
	"                   purpose (generator 3 on; default 10)\n"

/* What the comparison covered (cli_coverage.c): per op, reads, depth.
 * first (may be NULL): each op's first disagreements of a sequence. */
void cli_print_coverage(FILE *fp, const struct mmf_exec_stats *st, const uint64_t *first);
int cli_fuzz(int argc, char **argv);
int cli_fidelity(int argc, char **argv);
int cli_minimize(int argc, char **argv);
int cli_export_c(int argc, char **argv);
int cli_corpus_merge(int argc, char **argv, int prune);
/* 0 if v can name a file or folder; else prints why (an empty path) and
 * returns -1: "" must never mean the current or the root folder. */
int cli_path_ok(const char *cmd, const char *opt, const char *v);
/* Loads FILE into seq; prints the diagnostic and returns -1 on bad input. */
int cli_load(const char *path, struct mmf_seq *seq, enum mmf_input_kind *kind);
int cli_save_finding(const char *dir, const struct mmf_seq *seq, const struct mmf_finding *f,
		     const struct cli_target *t, char *path_out, size_t cap);

#endif
