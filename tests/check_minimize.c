/* The minimizer on inputs that crash or hang the system under test: a
 * wrapper around the simple adapter raises SIGSEGV on an order-5
 * allocation once a block has been freed (or spins for ever on order 6).
 * With each candidate in a forked child, both shrink to the three ops that
 * matter (an allocation, its free, the fatal allocation), keeping the
 * crash's or the timeout's signature; and a plain finding shrinks to the
 * same signature it started with, each field as small as still fails. */
#include <check.h>
#include <signal.h>
#include <string.h>

#include "mmfuzz/harness.h"

#include "tests/check_run.h"
#include "tests/planted.h"

static struct mmf_adapter crashy;
static enum mmf_result (*inner_alloc)(void *, const struct mmf_page_req *, uint64_t *, int *);
static enum mmf_result (*inner_free)(void *, uint64_t, unsigned, unsigned);
static enum mmf_result (*inner_reset)(void *);
static int freed;

static enum mmf_result c_alloc(void *ctx, const struct mmf_page_req *req, uint64_t *pfn, int *err)
{
	if (freed && req->order == 5)
		raise(SIGSEGV);
	while (freed && req->order == 6)
		; /* a hang */
	return inner_alloc(ctx, req, pfn, err);
}

static enum mmf_result c_free(void *ctx, uint64_t pfn, unsigned order, unsigned cpu)
{
	freed = 1;
	return inner_free(ctx, pfn, order, cpu);
}

static enum mmf_result c_reset(void *ctx)
{
	freed = 0;
	return inner_reset(ctx);
}

static struct mmf_exec *make(void)
{
	crashy = *mmf_adapter_simple();
	crashy.name = "crashy";
	inner_alloc = crashy.alloc_pages;
	inner_free = crashy.free_pages;
	inner_reset = crashy.reset;
	crashy.alloc_pages = c_alloc;
	crashy.free_pages = c_free;
	crashy.reset = c_reset;
	struct mmf_exec_config cfg = { .suts = { &crashy }, .nr_suts = 1, .cheap_checks = 1 };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	ck_assert_msg(ex != NULL, "%s", err);
	return ex;
}

/* 40 generated page ops, then alloc order 2, its free, alloc of `fatal`. */
static void build(struct mmf_seq *s, unsigned fatal)
{
	struct mmf_gen_config gc = { 0, 40, 1u << MMF_FAM_PAGE, 0, 0, 0, 0, 0 };
	mmf_gen_sequence(11, &gc, s);
	unsigned w = 0;
	for (unsigned i = 0; i < s->nops; i++) /* nothing fatal before the end */
		if (s->ops[i].code != MMF_OP_FREE_PAGES && s->ops[i].code != MMF_OP_ALLOC_PAGES)
			s->ops[w++] = s->ops[i];
	s->nops = w;
	s->ops[s->nops++] = (struct mmf_op){ MMF_OP_ALLOC_PAGES, 60, 2, 0, 0xcc0 /* GFP_KERNEL */ };
	s->ops[s->nops++] = (struct mmf_op){ MMF_OP_FREE_PAGES, 60, 0, 0, 0 };
	s->ops[s->nops++] = (struct mmf_op){ MMF_OP_ALLOC_PAGES, 61, (uint8_t)fatal, 0, 0xcc0 };
	for (unsigned i = 0; i < s->nops; i++)
		ck_assert(mmf_op_canonical(&s->ops[i], s->profile, s->swarm));
}

static struct mmf_seq seq;

START_TEST(t_crash_and_hang_shrink)
{
	struct mmf_exec *ex = make();
	const char *want[] = { "MMFUZZ: crash-SEGV", "MMFUZZ: timeout" };
	for (unsigned k = 0; k < 2; k++) {
		build(&seq, 5 + k);
		struct mmf_finding f;
		ck_assert_int_eq(mmf_run_isolated(ex, &seq, &f, 0.5), 1);
		ck_assert_str_eq(f.signature, want[k]);
		struct mmf_min_config mc = { .fork_each = 1, .timeout = 0.2 };
		struct mmf_min_stats st;
		mmf_minimize(ex, &seq, &f, &mc, &st);
		ck_assert_str_eq(f.signature, want[k]);
		ck_assert_msg(seq.nops == 3, "%s: %u -> %u ops", want[k], st.ops_before, seq.nops);
		ck_assert_uint_eq(seq.ops[0].code, MMF_OP_ALLOC_PAGES);
		ck_assert_uint_eq(seq.ops[1].code, MMF_OP_FREE_PAGES);
		ck_assert_uint_eq(seq.ops[2].a, 5 + k);
		/* still the same in a fresh child: nothing left behind */
		ck_assert_int_eq(mmf_run_isolated(ex, &seq, &f, 0.5), 1);
		ck_assert_str_eq(f.signature, want[k]);
	}
	mmf_exec_destroy(ex);
}
END_TEST

/* A 2,000-op reproducer of a bug that needs 20 ops (tests/planted.h)
 * shrinks to within 1.5x of that minimum, keeping its signature; the time
 * it takes is bench_shrink's to measure (the cap here only stops a
 * runaway). */
START_TEST(t_long_reproducer_shrinks)
{
	struct mmf_exec_config cfg = { .suts = { planted_adapter() }, .nr_suts = 1, .cheap_checks = 1,
				       .max_level = MMF_LEVEL_EXACT };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	ck_assert_msg(ex != NULL, "%s", err);
	planted_build(&seq, 2000, 1);
	ck_assert_uint_eq(seq.nops, 2000);
	struct mmf_finding f;
	ck_assert_int_eq(mmf_exec_run(ex, &seq, &f), 1);
	ck_assert_str_eq(f.signature, "MMFUZZ: planted-obj-kmalloc-corrupt");
	ck_assert_uint_eq(f.step, 1999); /* the bug needs every one of the 20 */
	struct mmf_min_config mc = { 0, 0, 600 };
	struct mmf_min_stats st;
	mmf_minimize(ex, &seq, &f, &mc, &st);
	printf("planted: %u -> %u ops in %lu runs, %.2f s\n", st.ops_before, st.ops_after, st.runs, st.seconds);
	ck_assert_str_eq(f.signature, "MMFUZZ: planted-obj-kmalloc-corrupt");
	ck_assert_msg(seq.nops * 2 <= PLANTED_MIN * 3, "%u ops, more than 1.5 x %d", seq.nops, PLANTED_MIN);
	ck_assert_uint_ge(seq.nops, PLANTED_MIN);
	unsigned kmallocs = 0;
	for (unsigned i = 0; i < seq.nops; i++)
		kmallocs += seq.ops[i].code == MMF_OP_KMALLOC;
	ck_assert_uint_eq(kmallocs, PLANTED_MIN);
	mmf_exec_destroy(ex);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("minimize");
	TCase *tc = tcase_create("isolated");
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, t_crash_and_hang_shrink);
	tcase_add_test(tc, t_long_reproducer_shrinks);
	suite_add_tcase(s, tc);
	return mmf_check_run(s, 0);
}
