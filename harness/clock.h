/* The harness's one clock: seconds on CLOCK_MONOTONIC, for deadlines and
 * rates only (verdicts never read it). */
#ifndef MMF_HARNESS_CLOCK_H
#define MMF_HARNESS_CLOCK_H
#if defined(MMF_LAYER_ORACLE) || defined(MMF_LAYER_ADAPTERS)
#error "a header of the harness, which the oracle and the built-in adapters do not include"
#endif

#include <time.h>

static inline double mmf_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
