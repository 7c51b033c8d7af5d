/* Specification of the reference CMA, scenario by scenario, on the "cma"
 * profile (DMA32 pfn 0-8191 with the area "reserved" at 4096-8191, one
 * page per bit; Normal 8192-16383 with "cma1" at 12288-13311, two pages
 * per bit):
 *
 *   boot        every CMA page free on the CMA lists; CmaTotal/CmaFree
 *   unmovable   unmovable requests never get CMA pages, and fail while
 *               CMA pages are still free (the watermark leaves them out)
 *   borrow      a movable request takes CMA first once CMA is more than
 *               half of the zone's free pages
 *   bitmap      cma_alloc's first fit, alignment (capped at order 8),
 *               order_per_bit, release, and the debugfs/sysfs counters
 *   errors      area or count out of range, an area too small
 *   migrate     a borrowed page moves out of the range, contents and all
 *   pinned      a pinned page makes its range busy: the next one is tried
 *   nomem       no home for a borrowed page: ENOMEM, nothing lost
 *
 * After every scenario the buddy's walker and CMA's run. Then each CMA
 * mutant goes through the same scenarios, and one of them must notice. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "reference/cma.h"
#include "reference/mm.h"

#include "tests/check_probe.h"
#include "tests/check_run.h"

#define RES_BASE 4096u
#define RES_COUNT 4096u
#define CMA1_BASE 12288u
#define MOVABLE_DMA32 (GFP_USER | __GFP_MOVABLE | __GFP_DMA32)


static int in_res(uint32_t pfn) { return pfn >= RES_BASE && pfn < RES_BASE + RES_COUNT; }

/* Both walkers and the cheap check; "" when all hold. */
static void walk(struct mmf_machine *m, char *msg, size_t cap)
{
	msg[0] = 0;
	if (mmf_buddy_is_valid(m, msg, cap) || mmf_cma_is_valid(m, msg, cap) || mmf_buddy_cheap_check(m, msg, cap))
		return;
	if (m->corrupt[0])
		snprintf(msg, cap, "%s", m->corrupt);
}

static unsigned long meminfo_kb(const struct mmf_machine *m, const char *label)
{
	char buf[2048];
	mmf_report_meminfo(m, buf, sizeof(buf));
	const char *l = strstr(buf, label);
	unsigned long v = ~0ul;
	if (l)
		sscanf(l + strlen(label), "%lu", &v);
	return v;
}

static unsigned long cma_field(const struct mmf_machine *m, const char *area, unsigned col)
{
	char buf[1024];
	mmf_report_cma(m, buf, sizeof(buf));
	const char *l = strstr(buf, area);
	unsigned long v[8] = { 0 };
	if (!l || sscanf(l + strlen(area), "%lu %lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3], &v[4],
			 &v[5], &v[6], &v[7]) != 8)
		return ~0ul;
	return v[col];
}
enum { C_BASE, C_COUNT, C_OPB, C_USED, C_MAXCHUNK, C_SUCCESS, C_FAIL, C_RELEASE };

static void s_boot(struct mmf_machine *m, struct probe *p)
{
	EXPECT(p, m->zones[0].cma_pages == RES_COUNT && m->zones[0].nr_free_cma == RES_COUNT,
	       "DMA32 cma %u, free cma %u", m->zones[0].cma_pages, m->zones[0].nr_free_cma);
	EXPECT(p, m->zones[1].cma_pages == 1024 && m->zones[1].nr_free_cma == 1024, "Normal cma %u, free cma %u",
	       m->zones[1].cma_pages, m->zones[1].nr_free_cma);
	EXPECT(p, meminfo_kb(m, "CmaTotal:") == 5120 * 4 && meminfo_kb(m, "CmaFree:") == 5120 * 4,
	       "CmaTotal %lu kB, CmaFree %lu kB", meminfo_kb(m, "CmaTotal:"), meminfo_kb(m, "CmaFree:"));
	EXPECT(p, cma_field(m, "reserved", C_MAXCHUNK) == RES_COUNT && cma_field(m, "cma1", C_OPB) == 1,
	       "cma report: reserved maxchunk %lu, cma1 order_per_bit %lu", cma_field(m, "reserved", C_MAXCHUNK),
	       cma_field(m, "cma1", C_OPB));
out:;
}

static void s_unmovable(struct mmf_machine *m, struct probe *p)
{
	uint32_t pfn;
	int err, n = 0;
	while (mmf_alloc_pages(m, GFP_KERNEL, 0, 0, 0, &pfn, &err) == MMF_OK) {
		EXPECT(p, mmf_profile_cma_of(m->prof, pfn) < 0,
		       "GFP_KERNEL page %u is in a CMA area", pfn);
		EXPECT(p, ++n < 20000, "GFP_KERNEL never fails");
	}
	EXPECT(p, m->zones[0].nr_free_cma == RES_COUNT && m->zones[1].nr_free_cma == 1024,
	       "CMA pages went to unmovable requests: free cma %u/%u", m->zones[0].nr_free_cma, m->zones[1].nr_free_cma);
	/* A movable request still gets memory: CMA is not reserved for cma_alloc. */
	EXPECT(p, mmf_alloc_pages(m, MOVABLE_DMA32, 3, 0, 0, &pfn, &err) == MMF_OK && in_res(pfn),
	       "a movable request after exhaustion did not borrow from the area");
out:;
}

static void s_borrow(struct mmf_machine *m, struct probe *p)
{
	uint32_t pfn, first;
	int err;
	/* Equal halves: CMA (4096) is not more than half of 8192 free. */
	EXPECT(p, mmf_alloc_pages(m, MOVABLE_DMA32, 1, 0, 0, &first, &err) == MMF_OK && !in_res(first),
	       "first movable block at %u, expected outside the area", first);
	EXPECT(p, mmf_alloc_pages(m, MOVABLE_DMA32, 1, 0, 0, &pfn, &err) == MMF_OK && pfn == RES_BASE,
	       "second movable block at %u, expected the area's first pages %u", pfn, RES_BASE);
	EXPECT(p, (pfn_to_page(m, pfn)->flags & PG_movable), "borrowed block not marked movable");
	EXPECT(p, mmf_free_pages(m, pfn, 1, 0) == MMF_OK, "free refused");
	EXPECT(p, m->zones[0].nr_free_cma == RES_COUNT, "free CMA %u after the free", m->zones[0].nr_free_cma);
out:;
}

static void s_bitmap(struct mmf_machine *m, struct probe *p)
{
	uint32_t a, b, c, d, e, f;
	int err;
	EXPECT(p, mmf_cma_alloc(m, 0, 3, 0, 0, &a, &err) == MMF_OK && a == RES_BASE, "3 pages at %u", a);
	EXPECT(p, mmf_cma_alloc(m, 0, 5, 4, 0, &b, &err) == MMF_OK && b == RES_BASE + 16, "5 pages align 4 at %u", b);
	EXPECT(p, mmf_cma_alloc(m, 0, 2, 0, 0, &c, &err) == MMF_OK && c == RES_BASE + 3, "2 pages at %u", c);
	/* align 12 is capped at CONFIG_CMA_ALIGNMENT (8). */
	EXPECT(p, mmf_cma_alloc(m, 0, 1, 12, 0, &d, &err) == MMF_OK && d == RES_BASE + 256, "align 12 at %u", d);
	EXPECT(p, cma_field(m, "reserved", C_USED) == 11 && cma_field(m, "reserved", C_SUCCESS) == 11,
	       "reserved used %lu, success %lu", cma_field(m, "reserved", C_USED), cma_field(m, "reserved", C_SUCCESS));
	EXPECT(p, mmf_cma_release(m, 0, a, 3) == MMF_OK, "release of %u+3 refused", a);
	EXPECT(p, mmf_cma_alloc(m, 0, 4, 0, 0, &e, &err) == MMF_OK && e == RES_BASE + 5, "4 pages after release at %u",
	       e);
	/* Two pages per bit: 3 pages take two bits, the next range starts 4 pages on. */
	EXPECT(p, mmf_cma_alloc(m, 1, 3, 0, 0, &f, &err) == MMF_OK && f == CMA1_BASE, "cma1 3 pages at %u", f);
	EXPECT(p, mmf_cma_alloc(m, 1, 1, 0, 0, &f, &err) == MMF_OK && f == CMA1_BASE + 4, "cma1 1 page at %u", f);
	EXPECT(p, cma_field(m, "cma1", C_USED) == 6, "cma1 used %lu", cma_field(m, "cma1", C_USED));
	EXPECT(p, cma_field(m, "reserved", C_RELEASE) == 3, "reserved released %lu", cma_field(m, "reserved", C_RELEASE));
	/* 12 pages out of reserved, 4 of cma1 (3 + 1) */
	EXPECT(p, meminfo_kb(m, "CmaFree:") == (5120 - 12 - 4) * 4, "CmaFree %lu kB", meminfo_kb(m, "CmaFree:"));
	EXPECT(p, mmf_cma_release(m, 0, RES_BASE - 1, 2) == MMF_REFUSED, "release outside the area accepted");
out:;
}

static void s_errors(struct mmf_machine *m, struct probe *p)
{
	uint32_t pfn;
	int err = 0;
	EXPECT(p, mmf_cma_alloc(m, 0, 0, 0, 0, &pfn, &err) == MMF_REFUSED && err == EINVAL, "count 0: err %d", err);
	EXPECT(p, mmf_cma_alloc(m, 2, 1, 0, 0, &pfn, &err) == MMF_REFUSED && err == EINVAL, "area 2: err %d", err);
	EXPECT(p, mmf_cma_alloc(m, 0, RES_COUNT + 1, 0, 0, &pfn, &err) == MMF_REFUSED && err == ENOMEM,
	       "more than the area: err %d", err);
	EXPECT(p, mmf_cma_alloc(m, 0, RES_COUNT, 0, 0, &pfn, &err) == MMF_OK && pfn == RES_BASE, "whole area at %u", pfn);
	EXPECT(p, mmf_cma_alloc(m, 0, 1, 0, 0, &pfn, &err) == MMF_REFUSED && err == ENOMEM, "full area: err %d", err);
	EXPECT(p, cma_field(m, "reserved", C_FAIL) == RES_COUNT + 2, "alloc_pages_fail %lu", cma_field(m, "reserved", C_FAIL));
out:;
}

/* A movable page borrowed at the area's start (see s_borrow). */
static uint32_t borrow_one(struct mmf_machine *m, struct probe *p)
{
	uint32_t pfn, x;
	int err;
	if (mmf_alloc_pages(m, MOVABLE_DMA32, 1, 0, 0, &x, &err) != MMF_OK ||
	    mmf_alloc_pages(m, MOVABLE_DMA32, 0, 0, 0, &pfn, &err) != MMF_OK || pfn != RES_BASE) {
		snprintf(p->fail, sizeof(p->fail), "could not borrow the area's first page");
		return MMF_NIL;
	}
	page_w(m, pfn)->token = 0x5eed;
	return pfn;
}

static void s_migrate(struct mmf_machine *m, struct probe *p)
{
	uint32_t old = borrow_one(m, p), got;
	uint64_t o[4], n[4];
	int err;
	if (old == MMF_NIL)
		return;
	EXPECT(p, mmf_cma_alloc(m, 0, RES_COUNT, 0, 1, &got, &err) == MMF_OK && got == RES_BASE,
	       "whole-area cma_alloc over a borrowed page: err %d", err);
	unsigned k = mmf_cma_moves(m, o, n, 4);
	EXPECT(p, k == 1 && o[0] == old && !in_res((uint32_t)n[0]), "%u moves, first %llu -> %llu", k,
	       (unsigned long long)o[0], (unsigned long long)n[0]);
	const struct mmf_page *np = pfn_to_page(m, (uint32_t)n[0]);
	EXPECT(p, np->token == 0x5eed && (np->flags & PG_allocated) && (np->flags & PG_movable),
	       "moved page holds %#llx flags %#x", (unsigned long long)np->token, np->flags);
	EXPECT(p, (pfn_to_page(m, old)->flags & PG_cma_alloc), "old frame not handed out");
	EXPECT(p, mmf_cma_moves(m, o, n, 4) == 0, "moves given twice");
	EXPECT(p, mmf_free_pages(m, (uint32_t)n[0], 0, 0) == MMF_OK, "free at the new frame refused");
	EXPECT(p, mmf_cma_release(m, 0, got, RES_COUNT) == MMF_OK, "release refused");
	EXPECT(p, m->zones[0].nr_free_cma == RES_COUNT, "free CMA %u after release", m->zones[0].nr_free_cma);
out:;
}

static void s_pinned(struct mmf_machine *m, struct probe *p)
{
	uint32_t pin = borrow_one(m, p), got;
	int err = 0;
	uint64_t o[4], n[4];
	if (pin == MMF_NIL)
		return;
	EXPECT(p, mmf_page_pin(m, pin) == MMF_OK, "pin refused");
	EXPECT(p, mmf_cma_alloc(m, 0, RES_COUNT, 0, 0, &got, &err) == MMF_REFUSED && err == EBUSY,
	       "whole area over a pinned page: err %d", err);
	EXPECT(p, mmf_cma_moves(m, o, n, 4) == 0, "a pinned page moved");
	/* The first fit holds the pinned page; the next aligned range does not. */
	EXPECT(p, mmf_cma_alloc(m, 0, 8, 0, 0, &got, &err) == MMF_OK && got == pin + 1, "8 pages at %u", got);
	EXPECT(p, mmf_page_unpin(m, pin) == MMF_OK && mmf_page_unpin(m, pin) == MMF_CORRUPT, "unpin balance");
	EXPECT(p, mmf_free_pages(m, pin, 0, 0) == MMF_OK, "free after unpin refused");
out:;
}

/* Every page is free, on a pcp list or allocated. */
static uint32_t pages_held(const struct mmf_machine *m)
{
	uint32_t n = m->nr_allocated;
	for (unsigned z = 0; z < m->nr_zones; z++) {
		n += m->zones[z].nr_free_pages;
		for (unsigned c = 0; c < m->prof->nr_cpus; c++)
			n += m->zones[z].pcp[c].count;
	}
	return n;
}

static void s_nomem(struct mmf_machine *m, struct probe *p)
{
	uint32_t pfn, n = 0;
	int err = 0;
	while (mmf_alloc_pages(m, GFP_USER | __GFP_MOVABLE, 0, 0, 0, &pfn, &err) == MMF_OK)
		EXPECT(p, ++n < 20000, "never full");
	uint32_t before = pages_held(m), alloc_before = m->nr_allocated;
	EXPECT(p, m->zones[0].nr_free_cma < RES_COUNT / 8, "the area was not borrowed from: %u free", m->zones[0].nr_free_cma);
	EXPECT(p, mmf_cma_alloc(m, 0, RES_COUNT, 0, 0, &pfn, &err) == MMF_REFUSED && err == ENOMEM,
	       "whole area with nowhere to migrate to: err %d", err);
	EXPECT(p, pages_held(m) == before && m->nr_allocated == alloc_before,
	       "pages lost: free + pcp + allocated %u, was %u; allocated %u, was %u", pages_held(m), before,
	       m->nr_allocated, alloc_before);
	EXPECT(p, cma_field(m, "reserved", C_USED) == 0, "bitmap left set after failure");
out:;
}

typedef void (*scenario_fn)(struct mmf_machine *, struct probe *);
static const struct {
	const char *name;
	scenario_fn fn;
} scenarios[] = {
	{ "boot", s_boot },	    { "unmovable", s_unmovable }, { "borrow", s_borrow }, { "bitmap", s_bitmap },
	{ "errors", s_errors },	    { "migrate", s_migrate },	  { "pinned", s_pinned }, { "nomem", s_nomem },
};
#define NR_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* Runs one scenario on a fresh (reset) machine; "" when it and the walkers hold. */
static void run_scenario(struct mmf_machine *m, unsigned i, char *msg, size_t cap)
{
	struct probe p = { "" };
	mmf_machine_reset(m);
	scenarios[i].fn(m, &p);
	if (p.fail[0]) {
		snprintf(msg, cap, "%s: %s", scenarios[i].name, p.fail);
		return;
	}
	char w[400];
	walk(m, w, sizeof(w));
	snprintf(msg, cap, w[0] ? "%s: walker: %s" : "", scenarios[i].name, w);
}

static struct mmf_machine mach;

START_TEST(t_scenario)
{
	const struct mmf_profile *prof = mmf_profile_find("cma", NULL);
	ck_assert_ptr_nonnull(prof);
	ck_assert_int_eq(mmf_machine_init(&mach, prof, MMF_MUT_NONE), 0);
	char msg[600];
	run_scenario(&mach, (unsigned)_i, msg, sizeof(msg));
	ck_assert_msg(!msg[0], "%s", msg);
	/* Reset gives back the boot state: the scenario again, same answer. */
	run_scenario(&mach, (unsigned)_i, msg, sizeof(msg));
	ck_assert_msg(!msg[0], "after reset: %s", msg);
	mmf_machine_fini(&mach);
}
END_TEST

static const enum mmf_mutant cma_mutants[] = {
	MMF_MUT_CMA_BORROWED_NOT_MIGRATED, MMF_MUT_CMA_BITMAP_OFF_BY_ONE, MMF_MUT_CMA_RELEASE_SHORT,
	MMF_MUT_CMA_ALIGN_IGNORED,	   MMF_MUT_CMA_LENDS_TO_UNMOVABLE, MMF_MUT_CMA_FREE_DRIFT,
	MMF_MUT_CMA_MIGRATE_NO_COPY,	   MMF_MUT_CMA_MIGRATES_PINNED,
};

START_TEST(t_mutant_noticed)
{
	enum mmf_mutant mut = cma_mutants[_i];
	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_find("cma", NULL), mut), 0);
	char msg[600] = "";
	for (unsigned i = 0; i < NR_SCENARIOS && !msg[0]; i++)
		run_scenario(&mach, i, msg, sizeof(msg));
	ck_assert_msg(msg[0], "mutant %s passes every CMA scenario", mmf_reference_mutants[mut - 1].name);
	printf("mutant %-26s noticed by %s\n", mmf_reference_mutants[mut - 1].name, msg);
	mmf_machine_fini(&mach);
}
END_TEST

/* Profiles without CMA keep their behaviour: no CMA lines, cma_alloc refused. */
START_TEST(t_no_cma_profile)
{
	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_find("x86_64", NULL), MMF_MUT_NONE), 0);
	char buf[2048];
	mmf_report_meminfo(&mach, buf, sizeof(buf));
	ck_assert_ptr_null(strstr(buf, "Cma"));
	uint32_t pfn;
	int err = 0;
	ck_assert_int_eq(mmf_cma_alloc(&mach, 0, 1, 0, 0, &pfn, &err), MMF_REFUSED);
	ck_assert_int_eq(err, EINVAL);
	ck_assert_int_eq(mmf_report_cma(&mach, buf, sizeof(buf)), 0);
	mmf_machine_fini(&mach);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cma");
	TCase *tc = tcase_create("scenarios");
	tcase_add_loop_test(tc, t_scenario, 0, NR_SCENARIOS);
	tcase_add_test(tc, t_no_cma_profile);
	suite_add_tcase(s, tc);
	tc = tcase_create("mutants");
	tcase_add_loop_test(tc, t_mutant_noticed, 0, sizeof(cma_mutants) / sizeof(cma_mutants[0]));
	suite_add_tcase(s, tc);
	return mmf_check_run(s, 0);
}
