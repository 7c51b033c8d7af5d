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
static struct mmf_seq seq;

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
	struct mmf_diag d;
	if (mmf_seq_load(data, size, &seq, NULL, &d) != MMF_LOAD_OK)
		return -1;
	struct mmf_finding f;
	int r = mmf_exec_run(ex, &seq, &f);
	if (r < 0) {
		fprintf(stderr, "fuzz target: cannot run: %s\n", f.detail);
		exit(2);
	}
	if (r == 1) {
		fprintf(stderr, "%s\n  at op %u: %s\n", f.signature, f.step, f.detail);
		mmf_finding_abort(&f);
	}
	return 0;
}
