/* Fuzz target: every family, reference oracle vs the simple allocator, or
 * vs a mutated reference alone when MMFUZZ_MUTANT names one (or when built
 * with MMFUZZ_BUILTIN_MUTANT). Inputs are read as `mmfuzz replay` reads a
 * file, so any crash artifact replays there. Keeps no state beyond the
 * executor, which resets every adapter before each run. A finding prints
 * its signature and aborts at a site chosen by its check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mmf_exec *ex;

#ifdef MMFUZZ_LIBFUZZER_DEFAULTS
/* libFuzzer reads its flags after this hook, so a default added here is
 * one the command line can still override.
 *   -entropic_feature_frequency_threshold=32: an input here touches
 *   thousands of features, and while each has been seen fewer times than
 *   the threshold (255 by default) entropic keeps it on its list of rare
 *   features and searches that list for every feature of every run; in
 *   the first seconds of a campaign that search was a quarter of the
 *   time. At 32 the list is trimmed sooner; the schedule stays entropic. */
static void add_defaults(int *argc, char ***argv)
{
	static const char *const flags[] = { "-entropic_feature_frequency_threshold=" };
	static const char *const vals[] = { "-entropic_feature_frequency_threshold=32" };
	static char *args[256];
	if (!argc || !argv || *argc < 1 || *argc > 250)
		return;
	int n = 0;
	args[n++] = (*argv)[0];
	for (unsigned f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		int given = 0;
		for (int i = 1; i < *argc; i++)
			given |= !strncmp((*argv)[i], flags[f], strlen(flags[f]));
		if (!given)
			args[n++] = (char *)vals[f];
	}
	for (int i = 1; i < *argc; i++)
		args[n++] = (*argv)[i];
	args[n] = NULL;
	*argc = n;
	*argv = args;
}
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
#ifdef MMFUZZ_LIBFUZZER_DEFAULTS
	add_defaults(argc, argv);
#else
	(void)argc;
	(void)argv;
#endif
	if (ex)
		return 0;
	const char *mutant = getenv("MMFUZZ_MUTANT");
#ifdef MMFUZZ_BUILTIN_MUTANT
	if (!mutant || !*mutant)
		mutant = MMFUZZ_BUILTIN_MUTANT;
#endif
	struct mmf_exec_config cfg = {
		.suts = { mmf_adapter_simple() },
		.nr_suts = 1,
		.max_level = MMF_LEVEL_EXACT,
		.cheap_checks = 1,
	};
	if (mutant && *mutant) {
		/* as `mmfuzz fuzz --mutant`: the mutated reference alone against
		 * the oracle, so no op is skipped for a system that lacks it (the
		 * simple allocator has no address spaces) */
		cfg.suts[0] = mmf_adapter_reference();
		cfg.mutants[0] = mutant;
	}
	char err[256];
	ex = mmf_exec_create(&cfg, err, sizeof(err));
	if (!ex) {
		fprintf(stderr, "fuzz_page: %s\n", err);
		exit(2);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ex)
		LLVMFuzzerInitialize(NULL, NULL);
	return mmf_fuzz_one(ex, data, size);
}
