/* Page-family benchmarks: buddy ops per second called directly, the same
 * ops through the executor (cheap checks per op; plus the end-of-input
 * walks; full walks per op), the campaign's real set-up (oracle + simple),
 * and the per-input reset cost per profile, of the reference alone and of
 * the whole executor. Prints the median of RUNS runs of each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_util.h"
#include "mmfuzz/harness.h"
#include "reference/mm.h"

#define NSEQ 2000
#define RUNS 5

static struct mmf_seq *seqs;
static unsigned long long total_ops;


/* Sequences of alloc_pages/free_pages only, on one profile. */
static void make_seqs(int profile)
{
	struct mmf_gen_config gc = { profile, 400, 0, 0, 0, 0, 0, 0 };
	total_ops = 0;
	for (unsigned i = 0; i < NSEQ; i++) {
		struct mmf_seq *s = &seqs[i];
		mmf_gen_sequence(mmf_seed_mix(99, i), &gc, s);
		unsigned k = 0;
		for (unsigned j = 0; j < s->nops; j++)
			if (s->ops[j].code == MMF_OP_ALLOC_PAGES || s->ops[j].code == MMF_OP_FREE_PAGES)
				s->ops[k++] = s->ops[j];
		s->nops = k;
		total_ops += k;
	}
}

static volatile uint32_t sink;
/* Ops that did something (an alloc into an empty slot, a free of a live
 * one); the rest are skipped in the direct loop and the executor alike. */
static unsigned long long acting_ops;

static double run_direct(int profile)
{
	struct mmf_machine m;
	mmf_machine_init(&m, mmf_profile_get((unsigned)profile), MMF_MUT_NONE);
	double t0 = bench_now();
	acting_ops = 0;
	for (unsigned i = 0; i < NSEQ; i++) {
		const struct mmf_seq *s = &seqs[i];
		uint32_t pfn[MMF_NSLOTS];
		uint8_t order[MMF_NSLOTS], live[MMF_NSLOTS] = { 0 };
		mmf_machine_reset(&m);
		for (unsigned j = 0; j < s->nops; j++) {
			const struct mmf_op *op = &s->ops[j];
			if (op->code == MMF_OP_ALLOC_PAGES) {
				if (live[op->slot])
					continue;
				acting_ops++;
				int err;
				if (mmf_alloc_pages(&m, op->arg, op->a, mmf_op_cpu(op), mmf_op_node(op), &pfn[op->slot], &err) == MMF_OK) {
					live[op->slot] = 1;
					order[op->slot] = op->a;
				}
			} else if (live[op->slot]) {
				acting_ops++;
				mmf_free_pages(&m, pfn[op->slot], order[op->slot], mmf_op_cpu(op));
				live[op->slot] = 0;
			}
		}
		sink += m.nr_allocated;
	}
	double dt = bench_now() - t0;
	mmf_machine_fini(&m);
	return (double)total_ops / dt;
}

static double run_exec(int nsuts, int cheap, int full_each, int end_checks)
{
	struct mmf_exec_config cfg = { .nr_suts = (unsigned)nsuts, .cheap_checks = cheap,
				       .full_checks_every_op = full_each, .skip_end_checks = !end_checks };
	cfg.suts[0] = mmf_adapter_simple();
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	struct mmf_finding f;
	unsigned n = full_each ? NSEQ / 20 : NSEQ;
	unsigned long long ops = 0;
	mmf_exec_run(ex, &seqs[0], &f); /* create the contexts outside the timing */
	double t0 = bench_now();
	for (unsigned i = 0; i < n; i++) {
		if (mmf_exec_run(ex, &seqs[i], &f) != 0) {
			fprintf(stderr, "bench: unexpected finding %s\n", f.signature);
			exit(1);
		}
		ops += seqs[i].nops;
	}
	double dt = bench_now() - t0;
	mmf_exec_destroy(ex);
	return (double)ops / dt;
}

/* Reset after a typical input: a generated sequence of up to 200 ops. */
static double run_reset(int profile)
{
	struct mmf_machine m;
	struct mmf_gen_config gc = { profile, 200, 0, 0, 0, 0, 0, 0 };
	static struct mmf_seq s;
	mmf_machine_init(&m, mmf_profile_get((unsigned)profile), MMF_MUT_NONE);
	double total = 0;
	unsigned n = 2000;
	for (unsigned i = 0; i < n; i++) {
		mmf_gen_sequence(mmf_seed_mix(7, i), &gc, &s);
		uint32_t pfn[MMF_NSLOTS];
		uint8_t order[MMF_NSLOTS], live[MMF_NSLOTS] = { 0 };
		for (unsigned j = 0; j < s.nops; j++) {
			const struct mmf_op *op = &s.ops[j];
			int err;
			if (op->code == MMF_OP_ALLOC_PAGES && !live[op->slot]) {
				if (mmf_alloc_pages(&m, op->arg, op->a, mmf_op_cpu(op), mmf_op_node(op), &pfn[op->slot], &err) == MMF_OK) {
					live[op->slot] = 1;
					order[op->slot] = op->a;
				}
			} else if (op->code == MMF_OP_FREE_PAGES && live[op->slot]) {
				mmf_free_pages(&m, pfn[op->slot], order[op->slot], mmf_op_cpu(op));
				live[op->slot] = 0;
			}
		}
		double t0 = bench_now();
		mmf_machine_reset(&m);
		total += bench_now() - t0;
	}
	mmf_machine_fini(&m);
	return total / n * 1e6;
}

/* The executor's own per-input reset (every adapter's reset plus its slot
 * table): an empty sequence run right after a generated one. */
static double run_exec_reset(int profile)
{
	struct mmf_exec_config cfg = { .nr_suts = 1, .cheap_checks = 1, .skip_end_checks = 1 };
	cfg.suts[0] = mmf_adapter_simple();
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	struct mmf_gen_config gc = { profile, 200, 0, 0, 0, 0, 0, 0 };
	static struct mmf_seq s, empty;
	struct mmf_finding f;
	empty.profile = (uint8_t)profile;
	double total = 0;
	unsigned n = 2000;
	for (unsigned i = 0; i < n; i++) {
		mmf_gen_sequence(mmf_seed_mix(7, i), &gc, &s);
		mmf_exec_run(ex, &s, &f);
		double t0 = bench_now();
		mmf_exec_run(ex, &empty, &f);
		total += bench_now() - t0;
	}
	mmf_exec_destroy(ex);
	return total / n * 1e6;
}

struct exec_case {
	const char *label;
	int nsuts, cheap, full_each, end;
};

static const struct exec_case exec_cases[] = {
	{ "executor, cheap checks, ops/s      ", 0, 1, 0, 0 },
	{ "executor, cheap + end walks, ops/s ", 0, 1, 0, 1 },
	{ "executor, full walk every op, ops/s", 0, 0, 1, 1 },
	{ "campaign (oracle + simple), ops/s  ", 1, 1, 0, 1 },
};

int main(void)
{
	seqs = calloc(NSEQ, sizeof(*seqs));
	if (!seqs)
		return 1;
	static const char *const pnames[] = { "tiny", "x86_64" };
	double v[RUNS];
	for (int p = 0; p < 2; p++) {
		unsigned idx;
		mmf_profile_find(pnames[p], &idx);
		make_seqs((int)idx);
		for (int r = 0; r < RUNS; r++)
			v[r] = run_direct((int)idx);
		double direct = bench_median(v, RUNS);
		printf("bench: %-7s direct buddy ops/s                   %12.0f  (%.1f ns/op; %.0f%% of ops act)\n", pnames[p],
		       direct, 1e9 / direct, 100.0 * (double)acting_ops / (double)total_ops);
		for (unsigned c = 0; c < sizeof(exec_cases) / sizeof(exec_cases[0]); c++) {
			const struct exec_case *e = &exec_cases[c];
			for (int r = 0; r < RUNS; r++)
				v[r] = run_exec(e->nsuts, e->cheap, e->full_each, e->end);
			double x = bench_median(v, RUNS);
			printf("bench: %-7s %s %12.0f  (%.1f ns/op, %.2fx direct)\n", pnames[p], e->label, x, 1e9 / x,
			       direct / x);
		}
	}
	for (int p = 0; p < 2; p++) {
		unsigned idx;
		mmf_profile_find(pnames[p], &idx);
		for (int r = 0; r < RUNS; r++)
			v[r] = run_reset((int)idx);
		printf("bench: %-7s reference reset after an input       %12.2f  us (machine %u pages)\n", pnames[p],
		       bench_median(v, RUNS), mmf_profile_get(idx)->end_pfn);
		for (int r = 0; r < RUNS; r++)
			v[r] = run_exec_reset((int)idx);
		printf("bench: %-7s executor reset (oracle + simple)     %12.2f  us\n", pnames[p], bench_median(v, RUNS));
	}
	free(seqs);
	return 0;
}
