/* Reference huge pages: what hugetlb costs in the model, medians of RUNS
 * runs on the x86_64 profile (96 MiB), the pool holding 8 pages.
 *
 *   2 MiB fault      a write to a reserved MAP_HUGETLB page: the page from
 *                    the pool, zeroed (512 frames' tokens and bytes), its
 *                    PMD leaf; then MADV_DONTNEED gives it back. Per second.
 *   2 MiB COW copy   a fork's child writes the page: a new page, all 512
 *                    frames copied; the child's exit frees it. Per second.
 *   pool resize      nr_hugepages 0 -> 8 -> 0: 8 order-9 blocks from the
 *                    buddy and back. Per second.
 *   THP fault        a write to a MADV_HUGEPAGE slot: an order-9 block from
 *                    the buddy split into 512 zeroed user pages, the huge
 *                    PMD; then MADV_DONTNEED of the whole 2 MiB frees them
 *                    and the table. Per second.
 *   THP split        the same fault, then munmap of one 4 KiB page in it:
 *                    the settle splits the PMD (the 511 ptes stay); then
 *                    MADV_DONTNEED of the rest. Per second.
 */
#include <stdio.h>
#include <string.h>

#include "bench/bench_util.h"
#include "mmfuzz/ops.h"
#include "mmfuzz/profile.h"
#include "reference/as.h"
#include "reference/mm.h"

#define RUNS 7
#define PG 4096ull
#define HUGE (2ull << 20)
#define AT(slot) (MMF_AS_WINDOW_BASE + (uint64_t)(slot) * HUGE)

static struct mmf_machine mach;

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_huge: %s failed\n", what);
		exit(1);
	}
}

static void call(unsigned code, unsigned proc, uint64_t addr, uint64_t len, uint32_t flags)
{
	struct mmf_as_call c = { code, proc, addr, len, flags, 0 };
	char buf[256];
	size_t n;
	int err;
	must(mmf_as_call(&mach, &c, buf, sizeof(buf), &n, &err) == 0, "as_call");
}

static void write_page(unsigned proc, uint64_t addr)
{
	int fault, err;
	uint64_t v;
	must(mmf_as_access(&mach, proc, addr, MMF_ACCESS_WRITE, 1, &fault, &v, &err) == 0 && !fault, "write");
}

static double faults_per_second(void)
{
	const unsigned iters = 2000;
	double v[RUNS];
	for (int r = 0; r < RUNS; r++) {
		mmf_machine_reset(&mach);
		call(MMF_OP_HUGETLB_POOL, 0, 0, 8 * PG, 0);
		call(MMF_OP_MMAP_HUGE, 0, AT(0), HUGE, MMF_MAP_FIXED | 3u << 8);
		int err;
		double t0 = bench_now();
		for (unsigned i = 0; i < iters; i++) {
			write_page(0, AT(0));
			must(mmf_as_madvise(&mach, 0, AT(0), HUGE, MMF_MADV_DONTNEED, &err) == 0, "dontneed");
		}
		v[r] = iters / (bench_now() - t0);
	}
	return bench_median(v, RUNS);
}

static double cows_per_second(void)
{
	const unsigned iters = 1000;
	double v[RUNS];
	for (int r = 0; r < RUNS; r++) {
		mmf_machine_reset(&mach);
		call(MMF_OP_HUGETLB_POOL, 0, 0, 8 * PG, 0);
		call(MMF_OP_MMAP_HUGE, 0, AT(0), HUGE, MMF_MAP_FIXED | 3u << 8);
		write_page(0, AT(0));
		int err;
		double t0 = bench_now();
		for (unsigned i = 0; i < iters; i++) {
			must(mmf_as_fork(&mach, 0, 1, &err) == 0, "fork");
			write_page(1, AT(0)); /* the copy */
			must(mmf_as_exit(&mach, 1, &err) == 0, "exit");
		}
		v[r] = iters / (bench_now() - t0);
	}
	return bench_median(v, RUNS);
}

/* Faults of a THP at slot 0, each followed by a whole-PMD DONTNEED, or
 * (split) by a 4 KiB munmap that splits it and a DONTNEED of the rest. */
static double thp_per_second(int split)
{
	const unsigned iters = 500;
	double v[RUNS];
	for (int r = 0; r < RUNS; r++) {
		mmf_machine_reset(&mach);
		int err;
		uint64_t out;
		must(mmf_as_mmap(&mach, 0, AT(0), 2 * HUGE, 3, MMF_MAP_FIXED, &out, &err) == 0, "mmap");
		must(mmf_as_madvise(&mach, 0, AT(0), 2 * HUGE, MMF_MADV_HUGEPAGE, &err) == 0, "madvise");
		double t0 = bench_now();
		for (unsigned i = 0; i < iters; i++) {
			write_page(0, AT(0) + 8 * PG);
			mmf_thp_settle(&mach);
			must(mach.as->proc[0].mm.nr_thp == 1, "a THP fault");
			if (split) {
				must(mmf_as_munmap(&mach, 0, AT(0), PG, &err) == 0, "munmap");
				mmf_thp_settle(&mach);
				must(mach.as->proc[0].mm.nr_thp == 0, "the split");
				must(mmf_as_mmap(&mach, 0, AT(0), PG, 3, MMF_MAP_FIXED, &out, &err) == 0, "mmap");
			}
			must(mmf_as_madvise(&mach, 0, AT(0), HUGE, MMF_MADV_DONTNEED, &err) == 0, "dontneed");
			mmf_thp_settle(&mach);
			if (split) /* the table the split left goes with the VMA's hole */
				must(mmf_as_munmap(&mach, 0, AT(0), HUGE, &err) == 0 &&
					     mmf_as_mmap(&mach, 0, AT(0), HUGE, 3, MMF_MAP_FIXED, &out, &err) == 0 &&
					     mmf_as_madvise(&mach, 0, AT(0), HUGE, MMF_MADV_HUGEPAGE, &err) == 0,
				     "remap");
			mmf_lru_drain(&mach);
		}
		v[r] = iters / (bench_now() - t0);
	}
	return bench_median(v, RUNS);
}

static double resizes_per_second(void)
{
	const unsigned iters = 2000;
	double v[RUNS];
	for (int r = 0; r < RUNS; r++) {
		mmf_machine_reset(&mach);
		double t0 = bench_now();
		for (unsigned i = 0; i < iters; i++) {
			call(MMF_OP_HUGETLB_POOL, 0, 0, 8 * PG, 0);
			call(MMF_OP_HUGETLB_POOL, 0, 0, 0, 0);
		}
		v[r] = iters / (bench_now() - t0);
	}
	return bench_median(v, RUNS);
}

int main(void)
{
	unsigned idx;
	const struct mmf_profile *p = mmf_profile_find("x86_64", &idx);
	must(p && mmf_machine_init(&mach, p, MMF_MUT_NONE) == 0, "machine init");
	double f = faults_per_second();
	printf("bench: hugetlb 2 MiB fault (+ MADV_DONTNEED)       %10.0f /s  (%.2f us each)\n", f, 1e6 / f);
	double c = cows_per_second();
	printf("bench: hugetlb 2 MiB COW copy (fork, write, exit)  %10.0f /s  (%.2f us each)\n", c, 1e6 / c);
	printf("bench: hugetlb pool resize 0 -> 8 -> 0 pages       %10.0f /s\n", resizes_per_second());
	double t = thp_per_second(0);
	printf("bench: THP 2 MiB fault (+ MADV_DONTNEED)           %10.0f /s  (%.2f us each)\n", t, 1e6 / t);
	double s = thp_per_second(1);
	printf("bench: THP fault + split (4 KiB munmap) + unmap    %10.0f /s  (%.2f us each)\n", s, 1e6 / s);
	char msg[256];
	must(mmf_as_vma_is_valid(&mach, msg, sizeof(msg)) == 0, msg);
	mmf_machine_fini(&mach);
	return 0;
}
