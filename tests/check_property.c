/* Property: for generated sequences from a logged seed, the clean
 * reference and the simple allocator never disagree at safety level, the
 * oracle's invariants always hold, and a second reference compared exactly
 * agrees with the oracle op by op: N sequences of each family alone, and
 * N mixing them all. MMFUZZ_SEED=<n> reproduces a run; MMFUZZ_PROPERTY_N
 * sets N (default 1500). On failure the minimized reproducer is printed in
 * the text form. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mmfuzz/harness.h"
#include "tests/check_run.h"

static unsigned long long seed;
static unsigned count = 1500;
static struct mmf_seq seq;

START_TEST(reference_and_simple_agree)
{
	struct mmf_exec_config cfg = { .suts = { mmf_adapter_simple(), mmf_adapter_reference() }, .nr_suts = 2, .walk_full = 1,
				       .cheap_checks = 1 };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	ck_assert_msg(ex != NULL, "%s", err);
	/* _i: one family alone, or (the last) all of them */
	unsigned fams = _i < MMF_NR_FAMILIES ? 1u << _i : 0;
	struct mmf_gen_config gc = { -1, 300, fams, 0, 0, 0, 0, 0 };
	for (unsigned n = 0; n < count; n++) {
		struct mmf_finding f;
		mmf_gen_sequence(mmf_seed_mix(seed + (unsigned)_i * 0x9e3779b9ull, n), &gc, &seq);
		if (mmf_exec_run(ex, &seq, &f) != 0) {
			mmf_shrink(ex, &seq, &f);
			char *text = mmf_seq_to_text(&seq);
			printf("property failed: seed %llu, %s, sequence %u\n%s\nat op %u: %s\n%s", seed,
			       fams ? mmf_family_name((unsigned)_i) : "all families", n, f.signature, f.step, f.detail,
			       text ? text : "");
			free(text);
			ck_abort_msg("%s (MMFUZZ_SEED=%llu)", f.signature, seed);
		}
	}
	mmf_exec_destroy(ex);
}
END_TEST

/* A sequence of the latest generator is a function of its own seed: drawn
 * again after others, it comes out the same (generator 3's did not: it
 * kept what the last sequence left queued). */
START_TEST(a_sequence_is_a_function_of_its_seed)
{
	static struct mmf_seq a;
	unsigned fams = _i < MMF_NR_FAMILIES ? 1u << _i : 0;
	struct mmf_gen_config gc = { -1, 200, fams, 0, 0, 0, 0, 0 };
	for (unsigned n = 0; n < 300; n++) {
		mmf_gen_sequence(mmf_seed_mix(seed, n), &gc, &a);
		mmf_gen_sequence(mmf_seed_mix(seed + 1, n), &gc, &seq);
		mmf_gen_sequence(mmf_seed_mix(seed, n), &gc, &seq);
		ck_assert_msg(a.nops == seq.nops && !memcmp(a.ops, seq.ops, a.nops * sizeof(a.ops[0])),
			      "sequence %u of seed %llu differs when drawn again (families %#x)", n, seed, fams);
	}
}
END_TEST

/* mmf_gen_profile (the campaign's hint to wake the next sequence's
 * workers) names the profile mmf_gen_sequence draws, whatever the flags
 * that change the draw. */
START_TEST(gen_profile_is_the_sequence_s)
{
	static const unsigned flags[] = { 0, MMF_GEN_NO_SOFT_DIRTY, MMF_GEN_AS_8K, MMF_GEN_FLAT,
					  MMF_GEN_MALLOC | MMF_GEN_AS_ALONE | MMF_GEN_NO_SOFT_DIRTY };
	for (unsigned k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
		struct mmf_gen_config gc = { _i == 0 ? -1 : (int)(_i - 1), 200, 0, flags[k], 0, 0, 0, 0 };
		for (unsigned n = 0; n < 400; n++) {
			uint64_t sd = mmf_seed_mix(seed, n);
			mmf_gen_sequence(sd, &gc, &seq);
			ck_assert_msg(mmf_gen_profile(sd, &gc) == seq.profile,
				      "sequence %u of seed %llu: profile %u drawn, mmf_gen_profile says %u (flags %#x)", n,
				      seed, seq.profile, mmf_gen_profile(sd, &gc), flags[k]);
		}
	}
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
	tcase_add_loop_test(tc, reference_and_simple_agree, 0, MMF_NR_FAMILIES + 1);
	tcase_add_loop_test(tc, a_sequence_is_a_function_of_its_seed, 0, MMF_NR_FAMILIES + 1);
	tcase_add_loop_test(tc, gen_profile_is_the_sequence_s, 0, 2);
	suite_add_tcase(su, tc);
	return mmf_check_run(su, 1);
}
