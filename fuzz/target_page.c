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
#include "mmfuzz/ops.h"
/* libFuzzer reads its flags after this hook, so a default added here is
 * one the command line can still override: -max_len of 64 records (a
 * header and 64 ops of MMF_RECORD_SIZE bytes), where libFuzzer would
 * otherwise grow inputs to 4096 bytes, 511 ops, most of them cut off at
 * the first failing allocation. */
static void add_defaults(int *argc, char ***argv)
{
	static char max_len[32];
	static char *args[256];
	if (!argc || !argv || *argc < 1 || *argc > 250)
		return;
	for (int i = 1; i < *argc; i++)
		if (!strncmp((*argv)[i], "-max_len=", 9))
			return;
	snprintf(max_len, sizeof(max_len), "-max_len=%d", MMF_HEADER_SIZE + 64 * MMF_RECORD_SIZE);
	args[0] = (*argv)[0];
	args[1] = max_len;
	for (int i = 1; i < *argc; i++)
		args[i + 1] = (*argv)[i];
	args[*argc + 1] = NULL;
	*argc += 1;
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
