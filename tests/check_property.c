/* Property: for generated sequences from a logged seed, the clean
 * reference and the simple allocator never disagree at safety level, the
 * oracle's invariants always hold, and a second reference compared exactly
 * agrees with the oracle op by op. MMFUZZ_SEED=<n> reproduces a run;
 * MMFUZZ_PROPERTY_N sets how many sequences (default 3000). On failure the
 * shrunk reproducer is printed in the text form. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "mmfuzz/harness.h"
#include "tests/check_run.h"

static unsigned long long seed;
static unsigned count = 3000;
static struct mmf_seq seq;

START_TEST(reference_and_simple_agree)
{
	struct mmf_exec_config cfg = { .suts = { mmf_adapter_simple(), mmf_adapter_reference() }, .nr_suts = 2,
				       .cheap_checks = 1 };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	ck_assert_msg(ex != NULL, "%s", err);
	struct mmf_gen_config gc = { -1, 300, 0 };
	for (unsigned n = 0; n < count; n++) {
		struct mmf_finding f;
		mmf_gen_sequence(mmf_seed_mix(seed, n), &gc, &seq);
		if (mmf_exec_run(ex, &seq, &f) != 0) {
			mmf_shrink(ex, &seq, &f);
			char *text = mmf_seq_to_text(&seq);
			printf("property failed: seed %llu sequence %u\n%s\nat op %u: %s\n%s", seed, n, f.signature,
			       f.step, f.detail, text ? text : "");
			free(text);
			ck_abort_msg("%s (MMFUZZ_SEED=%llu)", f.signature, seed);
		}
	}
	mmf_exec_destroy(ex);
}
END_TEST

int main(void)
{
	const char *s = getenv("MMFUZZ_SEED");
	const char *n = getenv("MMFUZZ_PROPERTY_N");
	seed = s && *s ? strtoull(s, NULL, 0) : (unsigned long long)time(NULL) ^ (unsigned long long)getpid() << 20;
	if (n && *n)
		count = (unsigned)strtoul(n, NULL, 0);
	printf("property seed: %llu (reproduce: MMFUZZ_SEED=%llu ctest -R property)\n", seed, seed);
	fflush(stdout);
	Suite *su = suite_create("property");
	TCase *tc = tcase_create("page");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, reference_and_simple_agree);
	suite_add_tcase(su, tc);
	return mmf_check_run(su, 1);
}
