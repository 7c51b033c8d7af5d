/* Soft expectations for scenario tests: a scenario records its first
 * broken expectation instead of aborting, so the same scenario serves as
 * specification (no mutant: must stay empty) and as mutant detector (a
 * mutant: must not). EXPECT jumps to the scenario's `out:` label. */
#ifndef MMF_TESTS_CHECK_PROBE_H
#define MMF_TESTS_CHECK_PROBE_H

#include <stdio.h>

struct probe {
	char fail[600];
};

#define EXPECT(p, cond, ...)                                                   \
	do {                                                                   \
		if (!(cond)) {                                                 \
			snprintf((p)->fail, sizeof((p)->fail), __VA_ARGS__);   \
			goto out;                                              \
		}                                                              \
	} while (0)

#endif
