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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
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
