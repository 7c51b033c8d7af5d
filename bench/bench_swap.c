/* Reference memory pressure: what reclaim, swap and zswap cost in the
 * model, medians of RUNS runs on the x86_64 profile (96 MiB).
 *
 *   reclaim 10,000 pages   proactive reclaim (memory.reclaim) of 10,000
 *                          written anonymous pages to a swap device, or
 *                          to zswap (lz4) when they hold half noise
 *   swap round trip        one written page: MADV_PAGEOUT, then a read
 *                          fault that brings it back; per second
 *   zswap round trip       the same through zswap (lz4, zstd), in MB/s of
 *                          pages, beside the library's own compress +
 *                          decompress of the same page
 */
#include <lz4.h>
#include <stdio.h>
#include <string.h>
#include <zstd.h>

#include "bench/bench_util.h"
#include "mmfuzz/ops.h"
#include "mmfuzz/profile.h"
#include "reference/as.h"
#include "reference/mm.h"
#include "reference/swap.h"

#define RUNS 7
#define PG 4096ull
#define AT(p) (MMF_AS_WINDOW_BASE + (uint64_t)(p) * PG)

static struct mmf_machine mach;

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_swap: %s failed\n", what);
		exit(1);
	}
}

static void call(unsigned code, unsigned who, uint64_t len, uint32_t flags)
{
	struct mmf_as_call c = { code, who, AT(0), len, flags, 0 };
	char buf[64];
	size_t n;
	int err;
	must(mmf_as_call(&mach, &c, buf, sizeof(buf), &n, &err) == 0, "as_call");
}

static uint64_t access(unsigned proc, unsigned page, int kind, uint64_t token)
{
	int fault, err;
	uint64_t v;
	must(mmf_as_access(&mach, proc, AT(page), kind, token, &fault, &v, &err) == 0 && !fault, "access");
	return v;
}

/* Three processes with n/3 written pages each (fill pattern p, or a word). */
static void fill_memory(unsigned n, int pattern)
{
	int err;
	uint64_t out;
	for (unsigned proc = 0; proc < 3; proc++) {
		if (proc)
			must(mmf_as_fork(&mach, 0, proc, &err) == 0, "fork");
		unsigned each = n / 3 + (proc < n % 3);
		must(mmf_as_mmap(&mach, proc, AT(0), each * PG, 3, MMF_MAP_FIXED, &out, &err) == 0, "mmap");
		for (unsigned i = 0; i < each; i++)
			access(proc, i, pattern >= 0 ? MMF_ACCESS_FILL : MMF_ACCESS_WRITE, pattern >= 0 ? (uint64_t)pattern : i + 1);
	}
	mmf_lru_drain(&mach);
}

static double reclaim_10000(int zswap)
{
	double v[RUNS];
	for (int r = 0; r < RUNS; r++) {
		mmf_machine_reset(&mach);
		if (zswap)
			call(MMF_OP_ZSWAP, 0, 50 * PG, 1);
		call(MMF_OP_SWAPON, 0, 16000 * PG, 0);
		fill_memory(12000, zswap ? 2 : -1);
		int err;
		double t0 = bench_now();
		must(mmf_proactive_reclaim(&mach, 10000, &err) == 0, "reclaim of 10,000 pages");
		v[r] = (bench_now() - t0) * 1e3;
	}
	return bench_median(v, RUNS);
}

/* Round trips per second of one page (out by MADV_PAGEOUT, in by a read). */
static double round_trips(int zswap, int zstd)
{
	const unsigned iters = 4000;
	double v[RUNS];
	for (int r = 0; r < RUNS; r++) {
		mmf_machine_reset(&mach);
		if (zswap)
			call(MMF_OP_ZSWAP, 0, 20 * PG, 1 | (zstd ? 2 : 0));
		call(MMF_OP_SWAPON, 0, 1000 * PG, 0);
		int err;
		uint64_t out;
		must(mmf_as_mmap(&mach, 0, AT(0), PG, 3, MMF_MAP_FIXED, &out, &err) == 0, "mmap");
		access(0, 0, MMF_ACCESS_FILL, 2); /* half noise: zswap keeps it compressed */
		double t0 = bench_now();
		for (unsigned i = 0; i < iters; i++) {
			must(mmf_as_madvise(&mach, 0, AT(0), PG, MMF_MADV_PAGEOUT, &err) == 0, "pageout");
			access(0, 0, MMF_ACCESS_READ, 0);
			access(0, 0, MMF_ACCESS_WRITE, 1); /* dirty again: the next pageout writes */
		}
		v[r] = iters / (bench_now() - t0);
	}
	return bench_median(v, RUNS);
}

/* The library alone: compress + decompress of the same half-noise page. */
static double library_mbps(int zstd)
{
	static uint8_t page[PG], out[2 * PG], back[PG];
	for (unsigned i = 0; i < 512; i++) {
		uint64_t w = mmf_fill_word(2, i);
		memcpy(page + 8 * i, &w, 8);
	}
	LZ4_stream_t *ls = LZ4_createStream();
	ZSTD_CCtx *zc = ZSTD_createCCtx();
	ZSTD_DCtx *zd = ZSTD_createDCtx();
	const unsigned iters = 20000;
	double v[RUNS];
	for (int r = 0; r < RUNS; r++) {
		double t0 = bench_now();
		for (unsigned i = 0; i < iters; i++) {
			if (zstd) {
				size_t n = ZSTD_compressCCtx(zc, out, sizeof(out), page, PG, 1);
				must(ZSTD_decompressDCtx(zd, back, PG, out, n) == PG, "zstd");
			} else {
				int n = LZ4_compress_fast_extState(ls, (const char *)page, (char *)out, PG, sizeof(out), 1);
				must(LZ4_decompress_safe((const char *)out, (char *)back, n, PG) == PG, "lz4");
			}
		}
		v[r] = iters * PG / (bench_now() - t0) / 1e6;
	}
	LZ4_freeStream(ls);
	ZSTD_freeCCtx(zc);
	ZSTD_freeDCtx(zd);
	return bench_median(v, RUNS);
}

int main(void)
{
	unsigned idx;
	const struct mmf_profile *p = mmf_profile_find("x86_64", &idx);
	must(p && mmf_machine_init(&mach, p, MMF_MUT_NONE) == 0, "machine init");
	double ms = reclaim_10000(0);
	printf("bench: swap reclaim of 10,000 pages to a device     %10.2f ms (%.0f pages/s)\n", ms, 10000 / ms * 1e3);
	ms = reclaim_10000(1);
	printf("bench: swap reclaim of 10,000 pages to zswap (lz4)  %10.2f ms (%.0f pages/s)\n", ms, 10000 / ms * 1e3);
	printf("bench: swap round trips (out + in), device          %10.0f /s\n", round_trips(0, 0));
	double lz = round_trips(1, 0), zs = round_trips(1, 1);
	printf("bench: swap round trips (out + in), zswap lz4       %10.0f /s  %7.1f MB/s  (lz4 alone %7.1f MB/s)\n", lz,
	       lz * PG / 1e6, library_mbps(0));
	printf("bench: swap round trips (out + in), zswap zstd      %10.0f /s  %7.1f MB/s  (zstd alone %6.1f MB/s)\n", zs,
	       zs * PG / 1e6, library_mbps(1));
	char msg[256];
	must(mmf_lru_is_valid(&mach, msg, sizeof(msg)) == 0 && mmf_swap_is_valid(&mach, msg, sizeof(msg)) == 0, msg);
	mmf_machine_fini(&mach);
	return 0;
}
