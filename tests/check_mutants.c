/* Every seeded mutant of the reference is caught by the built-in campaign
 * within a bounded number of generated sequences, by the reference (not
 * the oracle), and its shrunk reproducer gives the same signature on every
 * replay and none without the mutant. The campaign seed is fixed, so the
 * number of sequences needed is the same on every run. The campaign here
 * drives the family of the mutant's subsystem and the page family (memory
 * pressure comes from there: a mempool's reserve is only used when the
 * page allocator says no); `mmfuzz fuzz --mutant` (cli_mutant_replay)
 * drives them all. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "mmfuzz/harness.h"

#include "tests/check_run.h"

#define CAMPAIGN_SEED 20261127ull
#define BOUND 150000

static struct mmf_seq seq;

static unsigned family_of(const char *subsystem)
{
	static const char *const obj[] = { "slub", "kmalloc", "mempool" }, *const as[] = { "vma", "pgtable", "fault", "fork", "file", "rmap", "softdirty", "swap", "vmscan", "oom", "hugetlb", "thp" };
	for (unsigned i = 0; i < 3; i++)
		if (!strcmp(subsystem, obj[i]))
			return MMF_FAM_OBJ;
	for (unsigned i = 0; i < sizeof(as) / sizeof(as[0]); i++)
		if (!strcmp(subsystem, as[i]))
			return MMF_FAM_AS;
	return !strcmp(subsystem, "vmalloc") ? MMF_FAM_VMALLOC : MMF_FAM_PAGE;
}

START_TEST(mutant_is_caught)
{
	const struct mmf_adapter *ref = mmf_adapter_reference();
	const char *name = ref->mutants[_i].name;
	struct mmf_exec_config cfg = { .suts = { ref }, .mutants = { name }, .nr_suts = 1, .cheap_checks = 1 };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	ck_assert_msg(ex != NULL, "%s", err);
	struct mmf_gen_config gc = { -1, 200, 1u << family_of(ref->mutants[_i].subsystem) | 1u << MMF_FAM_PAGE, 0, 0, 0, 0, 0 };
	struct mmf_finding f;
	unsigned n;
	for (n = 0; n < BOUND; n++) {
		mmf_gen_sequence(mmf_seed_mix(CAMPAIGN_SEED, n), &gc, &seq);
		if (mmf_exec_run(ex, &seq, &f) == 1)
			break;
	}
	ck_assert_msg(n < BOUND, "mutant %s survived %d sequences", name, BOUND);
	ck_assert_str_eq(f.adapter, "reference");
	unsigned before = seq.nops;
	mmf_shrink(ex, &seq, &f);
	printf("mutant %-24s caught after %5u sequences by %-16s (%u -> %u ops) %s\n", name, n + 1, f.check, before,
	       seq.nops, f.signature);
	char sig[sizeof(f.signature)];
	strcpy(sig, f.signature);
	for (int k = 0; k < 10; k++) {
		ck_assert_int_eq(mmf_exec_run(ex, &seq, &f), 1);
		ck_assert_str_eq(f.signature, sig);
	}
	mmf_exec_destroy(ex);
	cfg.mutants[0] = NULL;
	ex = mmf_exec_create(&cfg, err, sizeof(err));
	ck_assert_msg(mmf_exec_run(ex, &seq, &f) == 0, "clean reference fails the reproducer: %s", f.signature);
	mmf_exec_destroy(ex);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mutants");
	TCase *tc = tcase_create("caught");
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, mutant_is_caught, 0, (int)mmf_adapter_reference()->nr_mutants);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mmf_check_run(suite(), 0);
}
