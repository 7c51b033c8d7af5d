/* Shared by the benchmarks: a monotonic clock and the median of n runs. */
#ifndef MMF_BENCH_UTIL_H
#define MMF_BENCH_UTIL_H

#include <stdlib.h>

#include "harness/clock.h"

static inline double bench_now(void) { return mmf_now(); }

static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Sorts v in place. */
static inline double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), bench_cmp);
	return v[n / 2];
}

#endif
