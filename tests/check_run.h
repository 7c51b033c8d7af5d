/* Runs one Check suite and turns its result into an exit status; the
 * summary line ("100%: Checks: N, Failures: 0, Errors: 0") stays visible. */
#ifndef MMF_TESTS_CHECK_RUN_H
#define MMF_TESTS_CHECK_RUN_H

#include <check.h>

static inline int mmf_check_run(Suite *s, int fork)
{
	SRunner *sr = srunner_create(s);
	if (!fork)
		srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
