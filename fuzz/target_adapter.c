/* Fuzz target for one adapter linked in (mmfuzz_add_adapter builds it):
 * the adapter whose mmf_adapter_entry() is in the same program against
 * the oracle, at the levels the adapter declares, or with MMFUZZ_MUTANT
 * set, one of its mutants switched on. Built with clang it is a libFuzzer
 * target; with any other compiler, a replay driver over saved inputs.
 * Installed with the SDK: uses the public headers only. */
#include <stdio.h>
#include <stdlib.h>

#include "mmfuzz/harness.h"

const struct mmf_adapter *mmf_adapter_entry(void);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mmf_exec *ex;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	if (ex)
		return 0;
	const char *mutant = getenv("MMFUZZ_MUTANT");
	struct mmf_exec_config cfg = {
		.suts = { mmf_adapter_entry() },
		.mutants = { mutant && *mutant ? mutant : NULL },
		.nr_suts = 1,
		.max_level = MMF_LEVEL_EXACT,
		.cheap_checks = 1,
	};
	char err[256];
	ex = mmf_exec_create(&cfg, err, sizeof(err));
	if (!ex) {
		fprintf(stderr, "fuzz target: %s\n", err);
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
