/* Reference address spaces: what faults, mmap/munmap and fork cost in the
 * model, medians of RUNS runs on the x86_64 profile.
 *
 *   write fault       a fresh anonymous page for each of 1,000 pages
 *   read fault        the zero page for each of 1,000 pages
 *   COW fault         the child's first write to each page after fork
 *   file fault        a shared memfd mapping's page-cache page
 *   mmap+munmap       16 pages, MAP_FIXED, never touched
 *   mmap+fault+munmap 16 pages, each written once, then unmapped
 *   fork              a process with 1,000 written pages (ptes copied and
 *                     write-protected), and its exit
 */
#include <stdio.h>
#include <string.h>

#include "bench/bench_util.h"
#include "mmfuzz/profile.h"
#include "reference/as.h"
#include "reference/mm.h"

#define RUNS 9
#define NPAGES 1000
#define PG 4096ull
#define AT(p) (MMF_AS_WINDOW_BASE + (uint64_t)(p) * PG)

static struct mmf_machine mach;

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_as: %s failed\n", what);
		exit(1);
	}
}

static void map(unsigned page, unsigned n, unsigned flags)
{
	uint64_t out;
	int err;
	must(mmf_as_mmap(&mach, 0, AT(page), n * PG, 3, MMF_MAP_FIXED | flags, &out, &err) == 0, "mmap");
}

static void touch(unsigned proc, unsigned page, unsigned n, int write)
{
	int fault, err;
	uint64_t v;
	for (unsigned i = 0; i < n; i++)
		must(mmf_as_access(&mach, proc, AT(page + i), write, 1, &fault, &v, &err) == 0 && !fault, "access");
}

/* ns per page of touching NPAGES pages after setup(). */
static double per_fault(void (*setup)(void), unsigned proc, int write)
{
	double v[RUNS];
	for (int r = 0; r < RUNS; r++) {
		mmf_machine_reset(&mach);
		setup();
		double t0 = bench_now();
		touch(proc, 0, NPAGES, write);
		v[r] = (bench_now() - t0) * 1e9 / NPAGES;
	}
	return bench_median(v, RUNS);
}

static void setup_anon(void) { map(0, NPAGES, 0); }

static void setup_forked(void)
{
	int err;
	map(0, NPAGES, 0);
	touch(0, 0, NPAGES, 1);
	must(mmf_as_fork(&mach, 0, 1, &err) == 0, "fork");
}

static void setup_file(void)
{
	int err;
	uint64_t out;
	must(mmf_as_ftruncate(&mach, 0, NPAGES, &err) == 0, "ftruncate");
	must(mmf_as_mmap_file(&mach, 0, AT(0), NPAGES * PG, 3, MMF_MAP_FIXED | MMF_MAP_SHARED, 0, 0, &out, &err) == 0,
	     "mmap_file");
}

static double mmap_munmap(int fault)
{
	double v[RUNS];
	const unsigned iters = 2000;
	for (int r = 0; r < RUNS; r++) {
		mmf_machine_reset(&mach);
		double t0 = bench_now();
		for (unsigned i = 0; i < iters; i++) {
			unsigned page = (i * 16) % 2048;
			int err;
			map(page, 16, 0);
			if (fault)
				touch(0, page, 16, 1);
			must(mmf_as_munmap(&mach, 0, AT(page), 16 * PG, &err) == 0, "munmap");
		}
		v[r] = (bench_now() - t0) * 1e9 / iters;
	}
	return bench_median(v, RUNS);
}

int main(void)
{
	unsigned idx;
	const struct mmf_profile *p = mmf_profile_find("x86_64", &idx);
	must(p && mmf_machine_init(&mach, p, MMF_MUT_NONE) == 0, "machine init");
	printf("bench: as write fault (fresh anonymous page)       %10.1f ns/fault\n", per_fault(setup_anon, 0, 1));
	printf("bench: as read fault (zero page)                   %10.1f ns/fault\n", per_fault(setup_anon, 0, 0));
	printf("bench: as COW fault (child's first write)          %10.1f ns/fault\n", per_fault(setup_forked, 1, 1));
	printf("bench: as shared file fault (page cache)           %10.1f ns/fault\n", per_fault(setup_file, 0, 1));
	printf("bench: as mmap+munmap of 16 pages                  %10.1f ns/pair\n", mmap_munmap(0));
	printf("bench: as mmap+16 write faults+munmap              %10.1f ns/round\n", mmap_munmap(1));
	double f[RUNS], e[RUNS];
	for (int r = 0; r < RUNS; r++) {
		mmf_machine_reset(&mach);
		map(0, NPAGES, 0);
		touch(0, 0, NPAGES, 1);
		int err;
		double t0 = bench_now();
		must(mmf_as_fork(&mach, 0, 1, &err) == 0, "fork");
		double t1 = bench_now();
		must(mmf_as_exit(&mach, 1, &err) == 0, "exit");
		f[r] = (t1 - t0) * 1e6;
		e[r] = (bench_now() - t1) * 1e6;
	}
	printf("bench: as fork of a 1000-page process              %10.1f us\n", bench_median(f, RUNS));
	printf("bench: as exit of that child                       %10.1f us\n", bench_median(e, RUNS));
	char msg[256];
	must(mmf_as_vma_is_valid(&mach, msg, sizeof(msg)) == 0, msg);
	mmf_machine_fini(&mach);
	return 0;
}
