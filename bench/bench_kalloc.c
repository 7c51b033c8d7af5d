/* Kernel allocator benchmarks: kmalloc/kfree, kmem_cache_alloc/free,
 * vmalloc/vfree (profile tiny) and cma_alloc/cma_release of 16 pages
 * (profile cma) on the reference, called directly and through the
 * executor (oracle only, cheap checks). Prints medians of RUNS runs. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/bench_util.h"
#include "mmfuzz/harness.h"
#include "reference/cma.h"
#include "reference/mm.h"
#include "reference/slab.h"
#include "reference/vmalloc.h"

#define RUNS 5
#define ROUNDS 2000
#define LIVE 32


enum kind { KMALLOC, CACHE, VMALLOC, CMA, NR_KINDS };
#define CMA_PAGES 16

static unsigned profile_of(enum kind k)
{
	unsigned idx = 0;
	if (k == CMA && !mmf_profile_find("cma", &idx)) {
		fprintf(stderr, "bench: no cma profile\n");
		exit(1);
	}
	return idx;
}
static const uint32_t sizes[8] = { 8, 32, 96, 128, 192, 256, 1024, 4096 };

/* One round: LIVE allocations then LIVE frees; returns ops per second. */
static double direct(enum kind k)
{
	struct mmf_machine m;
	mmf_machine_init(&m, mmf_profile_get(profile_of(k)), MMF_MUT_NONE);
	uint64_t addr[LIVE];
	uint32_t pfn[LIVE];
	uint32_t cache = 0;
	int err;
	double t0 = bench_now();
	unsigned long ops = 0;
	for (unsigned r = 0; r < ROUNDS; r++) {
		mmf_machine_reset(&m);
		if (k == CACHE)
			mmf_kmem_cache_create(&m, "bench", 200, 0, SLAB_HWCACHE_ALIGN, 0, &cache, &err);
		for (unsigned i = 0; i < LIVE; i++) {
			if (k == KMALLOC)
				mmf_kmalloc(&m, sizes[i % 8], GFP_KERNEL, 0, 0, &addr[i], &err);
			else if (k == CACHE)
				mmf_kmem_cache_alloc(&m, cache, GFP_KERNEL, 0, 0, &addr[i], &err);
			else if (k == VMALLOC)
				mmf_vmalloc(&m, 3 * 4096, GFP_KERNEL, 0, 0, &addr[i], &err);
			else
				mmf_cma_alloc(&m, 0, CMA_PAGES, 0, 0, &pfn[i], &err);
		}
		for (unsigned i = 0; i < LIVE; i++) {
			if (k == KMALLOC)
				mmf_kfree(&m, addr[i], 0);
			else if (k == CACHE)
				mmf_kmem_cache_free(&m, cache, addr[i], 0);
			else if (k == VMALLOC)
				mmf_vfree(&m, addr[i], 0);
			else
				mmf_cma_release(&m, 0, pfn[i], CMA_PAGES);
		}
		ops += 2 * LIVE;
	}
	double dt = bench_now() - t0;
	mmf_machine_fini(&m);
	return (double)ops / dt;
}

/* The same pattern as a sequence through the executor. */
static double executor(enum kind k)
{
	static struct mmf_seq seq;
	seq.version = MMF_FORMAT_VERSION;
	seq.profile = (uint8_t)profile_of(k);
	seq.nops = 0;
	if (k == CACHE)
		seq.ops[seq.nops++] = (struct mmf_op){ MMF_OP_CACHE_CREATE, 0, 0, 4, 200 };
	for (unsigned i = 0; i < LIVE; i++) {
		if (k == KMALLOC)
			seq.ops[seq.nops++] = (struct mmf_op){ MMF_OP_KMALLOC, (uint8_t)i, 0, 0, sizes[i % 8] };
		else if (k == CACHE)
			seq.ops[seq.nops++] = (struct mmf_op){ MMF_OP_CACHE_ALLOC, (uint8_t)i, 0, 0, 0 };
		else if (k == VMALLOC)
			seq.ops[seq.nops++] = (struct mmf_op){ MMF_OP_VMALLOC, (uint8_t)i, 0, 0, 3 * 4096 };
		else
			seq.ops[seq.nops++] = (struct mmf_op){ MMF_OP_CMA_ALLOC, (uint8_t)i, 0, 0, CMA_PAGES };
	}
	static const uint8_t frees[NR_KINDS] = { MMF_OP_KFREE, MMF_OP_CACHE_FREE, MMF_OP_VFREE, MMF_OP_CMA_RELEASE };
	for (unsigned i = 0; i < LIVE; i++)
		seq.ops[seq.nops++] = (struct mmf_op){ frees[k], (uint8_t)i, 0, 0, 0 };
	struct mmf_exec_config cfg = { .cheap_checks = 1, .skip_end_checks = 1 };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	struct mmf_finding f;
	mmf_exec_run(ex, &seq, &f);
	double t0 = bench_now();
	for (unsigned r = 0; r < ROUNDS; r++)
		if (mmf_exec_run(ex, &seq, &f) != 0) {
			fprintf(stderr, "bench: unexpected %s %s\n", f.signature, f.detail);
			exit(1);
		}
	double dt = bench_now() - t0;
	mmf_exec_destroy(ex);
	return (double)ROUNDS * 2 * LIVE / dt;
}

int main(void)
{
	static const char *const names[NR_KINDS] = { "kmalloc/kfree", "kmem_cache_alloc/free", "vmalloc/vfree (3 pages)",
						     "cma_alloc/release (16 pages)" };
	for (int k = 0; k < NR_KINDS; k++) {
		double v[RUNS], w[RUNS];
		for (int r = 0; r < RUNS; r++)
			v[r] = direct((enum kind)k);
		for (int r = 0; r < RUNS; r++)
			w[r] = executor((enum kind)k);
		double d = bench_median(v, RUNS), e = bench_median(w, RUNS);
		printf("bench: %-7s %-28s direct %10.0f ops/s  executor %10.0f ops/s  (%.2fx)\n",
		       mmf_profile_get(profile_of((enum kind)k))->name, names[k], d, e, d / e);
	}
	return 0;
}
