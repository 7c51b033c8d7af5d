/* Specification of the reference vmalloc, scenario by scenario: placement
 * with guard pages, lazy freeing and purges, VA and page exhaustion,
 * vmalloc_to_page, __GFP_ZERO, /proc/vmallocinfo, meminfo and reset; then
 * each seeded vmalloc mutant run through the same scenarios to show that
 * one of them notices.
 *
 * Scenarios are tables: one row per operation and the state expected after
 * it. Addresses are in pages from VMALLOC_START ("at"); every area holds
 * its pages plus one guard page, so a 3-page vmalloc at page 0 leaves the
 * next one at page 4:
 *
 *     page  0   1   2   3   4   5   6 ...
 *          [ a   a   a   g ][ b   g ][ free ...
 *
 * After every row both walkers run (vmalloc's and the buddy's), and the
 * buddy's allocated page count must equal the pages vmalloc holds and the
 * kernel page-table pages that map them (a PMD and a PTE table for the
 * first area; they stay when areas go): these scenarios allocate nothing
 * else, so any difference is a leak. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "reference/mm.h"
#include "reference/as.h"
#include "reference/vmalloc.h"

#include "tests/check_probe.h"
#include "tests/check_run.h"

#define PG 4096ull /* every profile used here has 4 KiB pages */
#define PAGES(n) ((uint64_t)(n) * PG)
#define NOMEM (-1L)
#define MAX_SLOTS 16400

/* ---- soft expectations ------------------------------------------------- */

/* struct probe and EXPECT: tests/check_probe.h */

static int boot(struct mmf_machine *m, const char *profile, enum mmf_mutant mut)
{
	const struct mmf_profile *p = mmf_profile_find(profile, NULL);
	return p ? mmf_machine_init(m, p, mut) : -1;
}

/* Both walkers and the leak check; "" when all hold. */
static void walk(const struct mmf_machine *m, char *msg, size_t cap)
{
	struct mmf_vmalloc_stats st;
	msg[0] = 0;
	if (mmf_vmalloc_is_valid(m, msg, cap) || mmf_buddy_is_valid(m, msg, cap))
		return;
	mmf_vmalloc_stats(m, &st);
	if (st.nr_vmalloc_pages + m->nr_pagetables != m->nr_allocated)
		snprintf(msg, cap, "leak: buddy has %u pages out, vmalloc holds %llu and %u page tables",
			 m->nr_allocated, (unsigned long long)st.nr_vmalloc_pages, m->nr_pagetables);
}

static long page_of(uint64_t addr)
{
	return (long)((addr - MMF_VMALLOC_START) / PG);
}

/* Free pages the buddy can hand out: NR_FREE_PAGES plus the pcp lists. */
static uint64_t free_and_pcp(const struct mmf_machine *m)
{
	uint64_t n = 0;
	for (unsigned z = 0; z < m->nr_zones; z++) {
		n += m->zones[z].nr_free_pages;
		for (unsigned c = 0; c < MMF_MAX_CPUS; c++)
			n += m->zones[z].pcp[c].count;
	}
	return n;
}

/* ---- the table runner ---------------------------------------------------- */

enum op {
	END,
	ALLOC, /* vmalloc(bytes) into slot, slot+1, ... (rep times) */
	FREE,  /* vfree(slot) */
	CYCLE, /* vmalloc(bytes) then vfree at once, rep times */
	PURGE, /* purge_vmap_area_lazy() */
	RESET, /* mmf_machine_reset() */
};

struct step {
	enum op op;
	unsigned slot;
	uint64_t bytes;
	unsigned rep;       /* 0 means 1 */
	long at;            /* ALLOC/CYCLE: page of the last area, or NOMEM */
	int64_t lazy;       /* vmap_lazy_nr after the row */
	unsigned busy, free, nlazy; /* areas in each tree after the row */
	uint64_t used;      /* pages vmalloc holds after the row */
};

static uint64_t slots[MAX_SLOTS];

static void run_table(struct probe *p, const char *profile, enum mmf_mutant mut,
		      const struct step *steps)
{
	struct mmf_machine m = { 0 };
	char msg[256];
	if (boot(&m, profile, mut)) {
		snprintf(p->fail, sizeof(p->fail), "boot %s failed", profile);
		return;
	}
	for (unsigned i = 0; steps[i].op != END; i++) {
		const struct step *s = &steps[i];
		unsigned rep = s->rep ? s->rep : 1;
		long at = -2;
		for (unsigned r = 0; r < rep; r++) {
			uint64_t addr = 0;
			int err = 0;
			enum mmf_result res;
			switch (s->op) {
			case ALLOC:
			case CYCLE:
				res = mmf_vmalloc(&m, s->bytes, GFP_KERNEL, 0, 0, &addr, &err);
				EXPECT(p, res == MMF_OK || (res == MMF_REFUSED && err == ENOMEM),
				       "row %u: vmalloc(%llu) result %d err %d", i,
				       (unsigned long long)s->bytes, res, err);
				at = res == MMF_OK ? page_of(addr) : NOMEM;
				if (s->op == ALLOC)
					slots[s->slot + r] = addr;
				else if (res == MMF_OK)
					EXPECT(p, mmf_vfree(&m, addr, 0) == MMF_OK, "row %u: vfree failed", i);
				break;
			case FREE:
				EXPECT(p, mmf_vfree(&m, slots[s->slot], 1) == MMF_OK,
				       "row %u: vfree(slot %u) failed", i, s->slot);
				break;
			case PURGE:
				mmf_vmalloc_purge(&m);
				break;
			case RESET:
				mmf_machine_reset(&m);
				break;
			case END:
				break;
			}
		}
		if (s->op == ALLOC || s->op == CYCLE)
			EXPECT(p, at == s->at, "row %u: area at page %ld, expected %ld", i, at, s->at);
		walk(&m, msg, sizeof(msg));
		EXPECT(p, !msg[0], "row %u: %s", i, msg);
		struct mmf_vmalloc_stats st;
		mmf_vmalloc_stats(&m, &st);
		EXPECT(p, st.lazy_nr == s->lazy, "row %u: vmap_lazy_nr %lld, expected %lld", i,
		       (long long)st.lazy_nr, (long long)s->lazy);
		EXPECT(p, st.nr_busy == s->busy && st.nr_free == s->free && st.nr_lazy == s->nlazy,
		       "row %u: busy/free/lazy areas %u/%u/%u, expected %u/%u/%u", i, st.nr_busy,
		       st.nr_free, st.nr_lazy, s->busy, s->free, s->nlazy);
		EXPECT(p, st.nr_vmalloc_pages == s->used, "row %u: %llu pages held, expected %llu", i,
		       (unsigned long long)st.nr_vmalloc_pages, (unsigned long long)s->used);
	}
out:
	mmf_machine_fini(&m);
}

/* ---- scenarios ---------------------------------------------------------- */

/* Placement, guard pages, and a freed range that stays out of reach until
 * a purge merges it back:
 *
 *   after row 5:  [s0 . . g][lazy  ][s2 . g][s3 g][ free ...
 *   after row 7:  [s0 . . g][s4 g  ][s2 . g][s3 g][ free ...            */
static const struct step layout_steps[] = {
	/* op     slot bytes     rep at   lazy busy free nlazy used */
	{ ALLOC,  0, PAGES(3),   0, 0,    0, 1, 1, 0, 3 }, /* first lands at VMALLOC_START */
	{ ALLOC,  1, 1,          0, 4,    0, 2, 1, 0, 4 }, /* after 3 pages + guard */
	{ ALLOC,  2, PAGES(2),   0, 6,    0, 3, 1, 0, 6 },
	{ FREE,   1, 0,          0, 0,    2, 2, 1, 1, 5 }, /* pages back, range lazy */
	{ ALLOC,  3, PAGES(1),   0, 9,    2, 3, 1, 1, 6 }, /* the lazy hole is not reused */
	{ PURGE,  0, 0,          0, 0,    0, 3, 2, 0, 6 }, /* hole 4-6 is free now */
	{ ALLOC,  4, PAGES(1),   0, 4,    0, 4, 1, 0, 7 }, /* and taken: lowest fit */
	{ FREE,   0, 0,          0, 0,    4, 3, 1, 1, 4 },
	{ FREE,   4, 0,          0, 0,    6, 2, 1, 1, 3 }, /* lazy 0-4 and 4-6 merge */
	{ PURGE,  0, 0,          0, 0,    0, 2, 2, 0, 3 },
	{ END },
};

/* A hole one page too small must be passed over:
 *   [s0 g][hole][s2 g][ free ...   -> a 2-page area goes to page 6. */
static const struct step hole_steps[] = {
	{ ALLOC, 0, PAGES(1), 0, 0, 0, 1, 1, 0, 1 },
	{ ALLOC, 1, PAGES(1), 0, 2, 0, 2, 1, 0, 2 },
	{ ALLOC, 2, PAGES(1), 0, 4, 0, 3, 1, 0, 3 },
	{ FREE,  1, 0,        0, 0, 2, 2, 1, 1, 2 },
	{ PURGE, 0, 0,        0, 0, 0, 2, 2, 0, 2 },
	{ ALLOC, 3, PAGES(2), 0, 6, 0, 3, 2, 0, 4 }, /* needs 3 pages, hole has 2 */
	{ ALLOC, 4, PAGES(1), 0, 2, 0, 4, 1, 0, 5 }, /* fits the hole exactly */
	{ END },
};

/* tiny has 2 cpus: lazy_max_pages = fls(2) * 8 MiB / 4 KiB = 4096. Each
 * cycle leaves 256 pages lazy (255 + guard), merged into one range; the
 * 17th cycle crosses 4096 and the purge gives everything back. */
static const struct step threshold_steps[] = {
	{ ALLOC, 0, PAGES(1),   0, 0,    0,    1, 1, 0, 1 },
	{ CYCLE, 0, PAGES(255), 16, 3842, 4096, 1, 1, 1, 1 }, /* at the limit, not above */
	{ CYCLE, 0, PAGES(255), 1, 4098, 0,    1, 1, 0, 1 }, /* 4352 > 4096: purged */
	{ ALLOC, 1, PAGES(1),   0, 2,    0,    2, 1, 0, 2 }, /* coalesced: right after s0 */
	{ END },
};

/* x86_64 (4 cpus, lazy_max_pages 6144): 16384 one-page areas fill the
 * 32768-page window; a full window refuses, and a lazy range comes back
 * only through the purge that a failed fit triggers. */
static const struct step exhaust_va_steps[] = {
	{ ALLOC, 0,     PAGES(1), 16384, 32766, 0, 16384, 0, 0, 16384 },
	{ ALLOC, 16384, PAGES(1), 0, NOMEM,     0, 16384, 0, 0, 16384 },
	{ FREE,  100,   0,        0, 0,         2, 16383, 0, 1, 16383 },
	{ ALLOC, 16385, PAGES(1), 0, 200,       0, 16384, 0, 0, 16384 }, /* purge, retry */
	{ FREE,  200,   0,        0, 0,         2, 16383, 0, 1, 16383 },
	{ FREE,  201,   0,        0, 0,         4, 16382, 0, 1, 16382 },
	{ ALLOC, 16386, PAGES(3), 0, 400,       0, 16383, 0, 0, 16385 },
	{ ALLOC, 16387, PAGES(1), 0, NOMEM,     0, 16383, 0, 0, 16385 },
	{ RESET, 0,     0,        0, 0,         0, 0, 1, 0, 0 },
	{ ALLOC, 0,     PAGES(1), 0, 0,         0, 1, 1, 0, 1 },
	{ END },
};

static void scn_layout(struct probe *p, enum mmf_mutant mut)
{
	run_table(p, "tiny", mut, layout_steps);
}

static void scn_hole(struct probe *p, enum mmf_mutant mut)
{
	run_table(p, "tiny", mut, hole_steps);
}

static void scn_threshold(struct probe *p, enum mmf_mutant mut)
{
	run_table(p, "tiny", mut, threshold_steps);
}

static void scn_exhaust_va(struct probe *p, enum mmf_mutant mut)
{
	run_table(p, "x86_64", mut, exhaust_va_steps);
}

/* vmalloc_to_page: on a fresh machine the pages vmalloc answers for are
 * exactly the pages the buddy has out; the guard page and unmapped
 * addresses answer nothing. The hot page on the pcp list goes first, so
 * the area is not physically contiguous. */
static void scn_to_pfn(struct probe *p, enum mmf_mutant mut)
{
	struct mmf_machine m = { 0 };
	char msg[256];
	EXPECT(p, boot(&m, "tiny", mut) == 0, "boot");
	uint32_t a, b, c, pfn;
	int err;
	EXPECT(p, mmf_alloc_pages(&m, GFP_KERNEL, 0, 0, 0, &a, &err) == MMF_OK, "alloc a");
	EXPECT(p, mmf_alloc_pages(&m, GFP_KERNEL, 0, 0, 0, &b, &err) == MMF_OK, "alloc b");
	EXPECT(p, mmf_alloc_pages(&m, GFP_KERNEL, 0, 0, 0, &c, &err) == MMF_OK, "alloc c");
	EXPECT(p, mmf_free_pages(&m, b, 0, 0) == MMF_OK, "free b");
	uint64_t addr;
	EXPECT(p, mmf_vmalloc(&m, PAGES(5), GFP_KERNEL, 0, 0, &addr, &err) == MMF_OK, "vmalloc");
	uint32_t got[5];
	for (unsigned i = 0; i < 5; i++) {
		EXPECT(p, mmf_vmalloc_to_pfn(&m, addr + i * PG + 123, &got[i]) == 0, "page %u unmapped", i);
		EXPECT(p, got[i] < m.end_pfn && (m.mem_map[got[i]].flags & PG_allocated) &&
			  got[i] != a && got[i] != c,
		       "page %u: pfn %u is not one of the area's pages", i, got[i]);
		for (unsigned j = 0; j < i; j++)
			EXPECT(p, got[i] != got[j], "pages %u and %u both pfn %u", j, i, got[i]);
	}
	EXPECT(p, got[0] == b, "first page pfn %u, expected the hot pcp page %u", got[0], b);
	EXPECT(p, got[1] != got[0] + 1, "pages 0 and 1 physically contiguous (%u, %u)", got[0], got[1]);
	/* Exactly those five plus a and c are out. */
	unsigned out = 0;
	for (uint32_t pf = 0; pf < m.end_pfn; pf++)
		out += (m.mem_map[pf].flags & PG_allocated) != 0;
	EXPECT(p, m.nr_pagetables == 2, "%u kernel page tables for the first area, expected a PMD and a PTE table",
	       m.nr_pagetables);
	EXPECT(p, out == 7 + 2, "%u pages allocated, expected 7 and 2 tables", out);
	EXPECT(p, mmf_vmalloc_to_pfn(&m, addr + 5 * PG, &pfn) == -1, "guard page mapped");
	EXPECT(p, mmf_vmalloc_to_pfn(&m, addr + 6 * PG, &pfn) == -1, "free page mapped");
	EXPECT(p, mmf_vmalloc_to_pfn(&m, MMF_VMALLOC_END, &pfn) == -1, "end of window mapped");
	EXPECT(p, mmf_vfree(&m, addr, 0) == MMF_OK, "vfree");
	EXPECT(p, mmf_vmalloc_to_pfn(&m, addr, &pfn) == -1, "freed area still mapped");
	EXPECT(p, mmf_vmalloc_is_valid(&m, msg, sizeof(msg)) == 0, "%s", msg);
out:
	mmf_machine_fini(&m);
}

/* Page exhaustion on tiny (4096 pages): more than all of RAM is refused
 * before any address space is taken; 4000 pages fail at the watermark,
 * and everything taken so far goes back: no pages leak, and the range
 * (with the nested page-list area, 4000 * 8 bytes = 8 pages) is lazy. */
static void scn_exhaust_pages(struct probe *p, enum mmf_mutant mut)
{
	struct mmf_machine m = { 0 };
	char msg[256];
	uint64_t addr;
	int err = 0;
	struct mmf_vmalloc_stats st;
	EXPECT(p, boot(&m, "tiny", mut) == 0, "boot");
	uint64_t before = free_and_pcp(&m);
	EXPECT(p, mmf_vmalloc(&m, PAGES(4097), GFP_KERNEL, 0, 0, &addr, &err) == MMF_REFUSED &&
			  err == ENOMEM, "4097 pages not refused");
	mmf_vmalloc_stats(&m, &st);
	EXPECT(p, st.nr_busy == 0 && st.nr_lazy == 0 && st.lazy_nr == 0, "a refused request took VA");
	err = 0;
	EXPECT(p, mmf_vmalloc(&m, PAGES(4000), GFP_KERNEL, 0, 0, &addr, &err) == MMF_REFUSED &&
			  err == ENOMEM, "4000 pages not refused");
	EXPECT(p, m.nr_allocated == m.nr_pagetables, "%u pages leaked", m.nr_allocated - m.nr_pagetables);
	EXPECT(p, free_and_pcp(&m) + m.nr_pagetables == before, "free+pcp %llu, was %llu",
	       (unsigned long long)free_and_pcp(&m), (unsigned long long)before);
	mmf_vmalloc_stats(&m, &st);
	EXPECT(p, st.nr_busy == 0 && st.nr_lazy == 1 && st.lazy_nr == 4001 + 9,
	       "busy %u lazy %u lazy_nr %lld, expected 0, 1, 4010", st.nr_busy, st.nr_lazy,
	       (long long)st.lazy_nr);
	walk(&m, msg, sizeof(msg));
	EXPECT(p, !msg[0], "%s", msg);
	EXPECT(p, mmf_vmalloc(&m, PAGES(1), GFP_KERNEL, 0, 0, &addr, &err) == MMF_OK, "vmalloc 1");
	EXPECT(p, page_of(addr) == 4010, "next area at page %ld, expected 4010", page_of(addr));
	EXPECT(p, mmf_vfree(&m, addr, 0) == MMF_OK, "vfree");
	walk(&m, msg, sizeof(msg));
	EXPECT(p, !msg[0], "%s", msg);
	EXPECT(p, m.nr_allocated == m.nr_pagetables && free_and_pcp(&m) + m.nr_pagetables == before,
	       "pages not all back");
out:
	mmf_machine_fini(&m);
}

/* __GFP_ZERO: pages that held data come back zeroed; without it, the old
 * contents show through (the same pcp pages are reused). */
static void scn_zero(struct probe *p, enum mmf_mutant mut)
{
	struct mmf_machine m = { 0 };
	uint64_t addr;
	int err;
	uint32_t pfn[4];
	EXPECT(p, boot(&m, "tiny", mut) == 0, "boot");
	for (int round = 0; round < 2; round++) {
		mmf_gfp_t gfp = round ? GFP_KERNEL | __GFP_ZERO : GFP_KERNEL;
		for (unsigned i = 0; i < 4; i++) {
			EXPECT(p, mmf_alloc_pages(&m, GFP_KERNEL, 0, 0, 0, &pfn[i], &err) == MMF_OK, "alloc");
			page_w(&m, pfn[i])->token = 0xabc0 + i;
		}
		for (unsigned i = 0; i < 4; i++)
			EXPECT(p, mmf_free_pages(&m, pfn[i], 0, 0) == MMF_OK, "free");
		EXPECT(p, mmf_vmalloc(&m, PAGES(4), gfp, 0, 0, &addr, &err) == MMF_OK, "vmalloc");
		unsigned dirty = 0;
		for (unsigned i = 0; i < 4; i++) {
			uint32_t f;
			EXPECT(p, mmf_vmalloc_to_pfn(&m, addr + i * PG, &f) == 0, "unmapped");
			dirty += m.mem_map[f].token != 0;
		}
		EXPECT(p, dirty == (round ? 0u : 4u), "round %d: %u of 4 pages hold old tokens", round, dirty);
		EXPECT(p, mmf_vfree(&m, addr, 0) == MMF_OK, "vfree");
	}
out:
	mmf_machine_fini(&m);
}

/* /proc/vmallocinfo and meminfo for a small scenario. The 600-page area
 * keeps its page list (4800 bytes) in a nested 2-page vmalloc ("vpages"),
 * placed after it; the freed 1-byte area is listed as unpurged. */
static const char info_expected[] =
	"0xffffc90000000000-0xffffc90000004000   16384 mmf_vmalloc+0x0/0x0 pages=3 vmalloc N0=3\n"
	"0xffffc90000006000-0xffffc9000025f000 2461696 mmf_vmalloc+0x0/0x0 pages=600 vmalloc vpages N0=600\n"
	"0xffffc9000025f000-0xffffc90000262000   12288 mmf_vmalloc+0x0/0x0 pages=2 vmalloc N0=2\n"
	"0xffffc90000004000-0xffffc90000006000    8192 unpurged vm_area\n";

static void scn_info(struct probe *p, enum mmf_mutant mut)
{
	struct mmf_machine m = { 0 };
	static char buf[4096];
	uint64_t a, b, c, total, used, chunk;
	int err;
	EXPECT(p, boot(&m, "tiny", mut) == 0, "boot");
	EXPECT(p, mmf_report_vmallocinfo(&m, buf, sizeof(buf)) == 0 && !buf[0], "boot vmallocinfo not empty");
	EXPECT(p, mmf_vmalloc(&m, PAGES(3), GFP_KERNEL, 0, 0, &a, &err) == MMF_OK, "a");
	EXPECT(p, mmf_vmalloc(&m, 1, GFP_KERNEL, 0, 0, &b, &err) == MMF_OK, "b");
	EXPECT(p, mmf_vmalloc(&m, PAGES(600), GFP_KERNEL, 0, 0, &c, &err) == MMF_OK, "c");
	EXPECT(p, mmf_vfree(&m, b, 0) == MMF_OK, "vfree b");
	mmf_report_vmallocinfo(&m, buf, sizeof(buf));
	EXPECT(p, strcmp(buf, info_expected) == 0, "vmallocinfo:\n%.400s", buf);
	mmf_vmalloc_meminfo(&m, &total, &used, &chunk);
	EXPECT(p, total == 131072 && used == (3 + 600 + 2) * 4 && chunk == 0,
	       "meminfo %llu %llu %llu", (unsigned long long)total, (unsigned long long)used,
	       (unsigned long long)chunk);
	/* vfree of the big area frees its nested page-list area too. */
	EXPECT(p, mmf_vfree(&m, c, 0) == MMF_OK, "vfree c");
	mmf_vmalloc_meminfo(&m, &total, &used, &chunk);
	EXPECT(p, used == 12, "VmallocUsed %llu kB after vfree, expected 12", (unsigned long long)used);
out:
	mmf_machine_fini(&m);
}

/* ---- tests: the scenarios as specification ---------------------------- */

typedef void (*scenario_fn)(struct probe *, enum mmf_mutant);

static void expect_pass(scenario_fn fn)
{
	struct probe p = { "" };
	fn(&p, MMF_MUT_NONE);
	ck_assert_msg(!p.fail[0], "%s", p.fail);
}

START_TEST(t_layout) { expect_pass(scn_layout); }
END_TEST
START_TEST(t_hole) { expect_pass(scn_hole); }
END_TEST
START_TEST(t_threshold) { expect_pass(scn_threshold); }
END_TEST
START_TEST(t_exhaust_va) { expect_pass(scn_exhaust_va); }
END_TEST
START_TEST(t_exhaust_pages) { expect_pass(scn_exhaust_pages); }
END_TEST
START_TEST(t_to_pfn) { expect_pass(scn_to_pfn); }
END_TEST
START_TEST(t_zero) { expect_pass(scn_zero); }
END_TEST
START_TEST(t_info) { expect_pass(scn_info); }
END_TEST

/* Per-node counts: on numa2, pages asked from node 1 show as N1. */
START_TEST(t_info_numa)
{
	struct mmf_machine m = { 0 };
	char buf[512];
	uint64_t a;
	int err;
	ck_assert_int_eq(boot(&m, "numa2", MMF_MUT_NONE), 0);
	ck_assert_int_eq(mmf_vmalloc(&m, PAGES(2), GFP_KERNEL, 0, 1, &a, &err), MMF_OK);
	mmf_report_vmallocinfo(&m, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0xffffc90000000000-0xffffc90000003000   12288 mmf_vmalloc+0x0/0x0 pages=2 vmalloc N1=2\n");
	mmf_machine_fini(&m);
}
END_TEST

/* Reset returns to boot: nothing listed, one free area, the next vmalloc
 * at VMALLOC_START, both walkers happy. */
START_TEST(t_reset)
{
	struct mmf_machine m = { 0 };
	char buf[256], msg[256];
	uint64_t a, b;
	int err;
	ck_assert_int_eq(boot(&m, "tiny", MMF_MUT_NONE), 0);
	ck_assert_int_eq(mmf_vmalloc(&m, PAGES(700), GFP_KERNEL, 0, 0, &a, &err), MMF_OK);
	ck_assert_int_eq(mmf_vmalloc(&m, PAGES(2), GFP_KERNEL, 1, 0, &b, &err), MMF_OK);
	ck_assert_int_eq(mmf_vfree(&m, b, 0), MMF_OK);
	mmf_machine_reset(&m);
	ck_assert_int_eq(mmf_report_vmallocinfo(&m, buf, sizeof(buf)), 0);
	struct mmf_vmalloc_stats st;
	mmf_vmalloc_stats(&m, &st);
	ck_assert_uint_eq(st.nr_busy + st.nr_lazy, 0);
	ck_assert_uint_eq(st.nr_free, 1);
	ck_assert_uint_eq(st.largest_free, MMF_VMALLOC_SIZE);
	ck_assert_msg(mmf_vmalloc_is_valid(&m, msg, sizeof(msg)) == 0, "%s", msg);
	ck_assert_msg(mmf_buddy_is_valid_exhaustive(&m, msg, sizeof(msg)) == 0, "%s", msg);
	uint32_t pfn;
	ck_assert_int_eq(mmf_vmalloc_to_pfn(&m, a, &pfn), -1); /* page table cleared */
	ck_assert_int_eq(mmf_vmalloc(&m, PAGES(1), GFP_KERNEL, 0, 0, &a, &err), MMF_OK);
	ck_assert_uint_eq(a, MMF_VMALLOC_START);
	mmf_machine_fini(&m);
}
END_TEST

/* Contract edges: vfree(NULL) is a no-op; vfree of an address that is not
 * an area's start is the caller's bug (MMF_CORRUPT) and changes nothing;
 * size 0 is EINVAL. */
START_TEST(t_edges)
{
	struct mmf_machine m = { 0 };
	char msg[256];
	uint64_t a;
	int err = 0;
	ck_assert_int_eq(boot(&m, "tiny", MMF_MUT_NONE), 0);
	ck_assert_int_eq(mmf_vmalloc(&m, 0, GFP_KERNEL, 0, 0, &a, &err), MMF_REFUSED);
	ck_assert_int_eq(err, EINVAL);
	ck_assert_int_eq(mmf_vmalloc(&m, PAGES(2), GFP_KERNEL, 0, 0, &a, &err), MMF_OK);
	ck_assert_int_eq(mmf_vfree(&m, 0, 0), MMF_OK);
	ck_assert_int_eq(mmf_vfree(&m, a + PG, 0), MMF_CORRUPT);
	ck_assert_int_eq(mmf_vfree(&m, a + PAGES(5), 0), MMF_CORRUPT);
	ck_assert_msg(mmf_vmalloc_is_valid(&m, msg, sizeof(msg)) == 0, "%s", msg);
	ck_assert_uint_eq(m.nr_allocated, 2 + m.nr_pagetables);
	ck_assert_uint_eq(m.nr_pagetables, 2);
	ck_assert_int_eq(mmf_vfree(&m, a, 0), MMF_OK);
	ck_assert_int_eq(mmf_vfree(&m, a, 0), MMF_CORRUPT); /* double vfree */
	mmf_machine_fini(&m);
}
END_TEST

/* mmf_kpt_first_mapped (the walker's question for a range that should map
 * nothing: the first mapped page) agrees with asking page by page, over
 * random ranges of a vmalloc space holding areas and the holes freed ones
 * left, within pte tables and across them. */
START_TEST(t_first_mapped)
{
	struct mmf_machine m = { 0 };
	uint64_t rng = 12345, a[24] = { 0 }, top = MMF_VMALLOC_START;
	int err = 0;
#define RND(n) ((rng = rng * 6364136223846793005ull + 1442695040888963407ull), (rng >> 33) % (n))
	ck_assert_int_eq(boot(&m, "tiny", MMF_MUT_NONE), 0);
	for (unsigned i = 0; i < 24; i++) {
		ck_assert_int_eq(mmf_vmalloc(&m, PAGES(1 + RND(i % 4 ? 40 : 600)), GFP_KERNEL, 0, 0, &a[i], &err), MMF_OK);
		if (a[i] + PAGES(601) > top)
			top = a[i] + PAGES(601);
	}
	for (unsigned i = 0; i < 24; i += 2 + (unsigned)RND(2))
		ck_assert_int_eq(mmf_vfree(&m, a[i], 0), MMF_OK);
	unsigned hits = 0;
	for (unsigned k = 0; k < 3000; k++) {
		uint64_t span = (top - MMF_VMALLOC_START) / PG + 1024;
		uint64_t s = MMF_VMALLOC_START + PAGES(RND(span)), e = s + PAGES(RND(k % 2 ? 8 : 2048));
		uint64_t want = e, got;
		uint32_t wpfn = MMF_NIL, gpfn = MMF_NIL;
		for (uint64_t va = s; va < e; va += PG)
			if ((wpfn = mmf_kpt_lookup(&m, va)) != MMF_NIL) {
				want = va;
				break;
			}
		got = mmf_kpt_first_mapped(&m, s, e, &gpfn);
		ck_assert_msg(got == want, "[%#llx, %#llx): first mapped %#llx, page by page %#llx", (unsigned long long)s,
			      (unsigned long long)e, (unsigned long long)got, (unsigned long long)want);
		if (want < e) {
			ck_assert_uint_eq(gpfn, wpfn);
			hits++;
		}
	}
	ck_assert_msg(hits > 300 && hits < 2900, "%u of 3000 ranges map something", hits);
	mmf_machine_fini(&m);
#undef RND
}
END_TEST

/* ---- tests: every mutant is caught ------------------------------------- */

static const struct {
	const char *name;
	scenario_fn fn;
} scenarios[] = {
	{ "layout", scn_layout },         { "hole", scn_hole },
	{ "threshold", scn_threshold },   { "exhaust_va", scn_exhaust_va },
	{ "exhaust_pages", scn_exhaust_pages }, { "to_pfn", scn_to_pfn },
	{ "zero", scn_zero },             { "info", scn_info },
};
#define NR_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* Which scenario must notice which mutant, and by what: a walker tag or
 * the expectation that breaks first. */
static const struct {
	enum mmf_mutant mutant;
	const char *scenario;
	const char *evidence;
} catches[] = {
	{ MMF_MUT_VMALLOC_NO_GUARD_PAGE, "layout", "row 0: vmalloc_guard" },
	{ MMF_MUT_VMALLOC_NO_GUARD_PAGE, "exhaust_va", "row 0: area at page 16383, expected 32766" },
	{ MMF_MUT_VMALLOC_NO_GUARD_PAGE, "info", "vmallocinfo" },
	{ MMF_MUT_VMALLOC_OVERLAP_AT_END, "hole", "row 5: area at page 2, expected 6" },
	{ MMF_MUT_VMALLOC_PURGE_TWICE, "layout", "row 5: vmalloc_overlap" },
	{ MMF_MUT_VMALLOC_PURGE_TWICE, "threshold", "vmalloc_overlap" },
	{ MMF_MUT_VMALLOC_LAZY_COUNT_LOST, "layout", "row 3: vmalloc_counters" },
	{ MMF_MUT_VMALLOC_LAZY_COUNT_LOST, "threshold", "vmalloc_counters" },
	{ MMF_MUT_VMALLOC_TO_PAGE_OFF_BY_ONE, "to_pfn", "page 0:" },
	{ MMF_MUT_VUNMAP_LEAVES_PTE, "to_pfn", "vmalloc_pte: lazy page" },
	{ MMF_MUT_VUNMAP_LEAVES_PTE, "layout", "vmalloc_pte" },
};

START_TEST(t_mutants_caught)
{
	/* The named scenario catches the mutant with the named evidence. */
	for (unsigned i = 0; i < sizeof(catches) / sizeof(catches[0]); i++) {
		scenario_fn fn = NULL;
		for (unsigned s = 0; s < NR_SCENARIOS; s++)
			if (strcmp(scenarios[s].name, catches[i].scenario) == 0)
				fn = scenarios[s].fn;
		ck_assert_ptr_nonnull(fn);
		struct probe p = { "" };
		fn(&p, catches[i].mutant);
		ck_assert_msg(strstr(p.fail, catches[i].evidence) != NULL,
			      "mutant %s, scenario %s: expected \"%s\", got \"%s\"",
			      mmf_reference_mutants[catches[i].mutant - 1].name, catches[i].scenario,
			      catches[i].evidence, p.fail);
	}
}
END_TEST

START_TEST(t_mutants_all_detected)
{
	/* Across all scenarios, each vmalloc mutant breaks at least one, and
	 * the table above lists one pair per mutant. */
	for (int mut = MMF_MUT_VMALLOC_NO_GUARD_PAGE; mut <= MMF_MUT_VMALLOC_TO_PAGE_OFF_BY_ONE; mut++) {
		unsigned caught = 0, listed = 0;
		for (unsigned s = 0; s < NR_SCENARIOS; s++) {
			struct probe p = { "" };
			scenarios[s].fn(&p, (enum mmf_mutant)mut);
			if (p.fail[0]) {
				caught++;
				printf("  %-28s %-14s %s\n", mmf_reference_mutants[mut - 1].name,
				       scenarios[s].name, p.fail);
			}
		}
		for (unsigned i = 0; i < sizeof(catches) / sizeof(catches[0]); i++)
			listed += catches[i].mutant == (enum mmf_mutant)mut;
		ck_assert_msg(caught > 0, "mutant %s survives every scenario",
			      mmf_reference_mutants[mut - 1].name);
		ck_assert_msg(listed > 0, "mutant %s has no entry in catches[]",
			      mmf_reference_mutants[mut - 1].name);
	}
}
END_TEST

static Suite *vmalloc_suite(void)
{
	Suite *s = suite_create("vmalloc");
	TCase *tc = tcase_create("spec");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_layout);
	tcase_add_test(tc, t_first_mapped);
	tcase_add_test(tc, t_hole);
	tcase_add_test(tc, t_threshold);
	tcase_add_test(tc, t_exhaust_va);
	tcase_add_test(tc, t_exhaust_pages);
	tcase_add_test(tc, t_to_pfn);
	tcase_add_test(tc, t_zero);
	tcase_add_test(tc, t_info);
	tcase_add_test(tc, t_info_numa);
	tcase_add_test(tc, t_reset);
	tcase_add_test(tc, t_edges);
	suite_add_tcase(s, tc);
	TCase *mt = tcase_create("mutants");
	tcase_set_timeout(mt, 120);
	tcase_add_test(mt, t_mutants_caught);
	tcase_add_test(mt, t_mutants_all_detected);
	suite_add_tcase(s, mt);
	return s;
}

int main(void)
{
	return mmf_check_run(vmalloc_suite(), 1);
}
