/* Specification of the reference buddy allocator, scenario by scenario:
 * boot layout, split and merge, per-cpu lists, watermarks per GFP mask,
 * zone and node fallback, __GFP_ZERO, reset, and vmstat counters.
 *
 * Each test starts from a freshly booted machine, does a few operations
 * and lists the state it expects. The numbers are Linux's: where a value
 * comes from a formula in mm/page_alloc.c the comment shows the sum. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "reference/mm.h"

#include "tests/check_run.h"

/* ---- helpers ---------------------------------------------------------- */

static void boot(struct mmf_machine *m, const char *profile)
{
	const struct mmf_profile *p = mmf_profile_find(profile, NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(mmf_machine_init(m, p, MMF_MUT_NONE), 0);
}

/* Both walks agree: the one scoped to touched pages and the exhaustive. */
static void assert_valid(const struct mmf_machine *m)
{
	char msg[256] = "";
	ck_assert_msg(mmf_buddy_is_valid(m, msg, sizeof(msg)) == 0, "%s", msg);
	ck_assert_msg(mmf_buddy_is_valid_exhaustive(m, msg, sizeof(msg)) == 0, "exhaustive: %s", msg);
}

/* 1 and *pfn set when the request was granted, 0 when refused (ENOMEM). */
static int try_alloc(struct mmf_machine *m, mmf_gfp_t gfp, unsigned order,
		     unsigned cpu, unsigned nid, uint32_t *pfn)
{
	int err = 0;
	*pfn = MMF_NIL;
	enum mmf_result r = mmf_alloc_pages(m, gfp, order, cpu, nid, pfn, &err);
	if (r == MMF_OK)
		return 1;
	ck_assert_int_eq(r, MMF_REFUSED);
	ck_assert_int_eq(err, ENOMEM);
	return 0;
}

static uint32_t alloc_ok(struct mmf_machine *m, mmf_gfp_t gfp, unsigned order,
			 unsigned cpu, unsigned nid)
{
	uint32_t pfn;
	ck_assert_msg(try_alloc(m, gfp, order, cpu, nid, &pfn),
		      "gfp %#x order %u nid %u cpu %u refused", gfp, order, nid, cpu);
	return pfn;
}

static void free_ok(struct mmf_machine *m, uint32_t pfn, unsigned order, unsigned cpu)
{
	ck_assert_int_eq(mmf_free_pages(m, pfn, order, cpu), MMF_OK);
}

static void drain_all_cpus(struct mmf_machine *m)
{
	for (unsigned c = 0; c < m->prof->nr_cpus; c++)
		mmf_pcp_drain_cpu(m, c);
}

static void assert_nr_free(const struct mmf_zone *z, const uint32_t want[MMF_MAX_ORDER])
{
	for (unsigned o = 0; o < MMF_MAX_ORDER; o++)
		ck_assert_msg(z->free_area[o].nr_free == want[o],
			      "order %u: nr_free %u, expected %u", o, z->free_area[o].nr_free, want[o]);
}

static void assert_buddyinfo(const struct mmf_machine *m, const char *want)
{
	char got[1024];
	mmf_report_buddyinfo(m, got, sizeof(got));
	ck_assert_str_eq(got, want);
}

static int is_free_block(const struct mmf_machine *m, uint32_t pfn, unsigned order)
{
	const struct mmf_page *p = &m->mem_map[pfn];
	return (p->flags & PG_buddy) && p->order == order;
}

/* Takes pages out of zone 0 of a one-zone machine with __GFP_MEMALLOC
 * (no watermarks) until exactly `target` pages are free in the buddy and
 * every pcp list is empty: the largest block that fits first, then an
 * order-0 page whose pcp batch is drained back. */
static void fill_to(struct mmf_machine *m, uint32_t target)
{
	struct mmf_zone *z = &m->zones[0];
	ck_assert_uint_eq(m->nr_zones, 1);
	while (z->nr_free_pages > target) {
		uint32_t excess = z->nr_free_pages - target, pfn;
		unsigned order = 31u - (unsigned)__builtin_clz(excess);
		if (order > MMF_MAX_ORDER - 1)
			order = MMF_MAX_ORDER - 1;
		while (!try_alloc(m, __GFP_MEMALLOC, order, 0, 0, &pfn)) {
			ck_assert_uint_gt(order, 0); /* no block that large left */
			order--;
		}
		if (order == 0)
			mmf_pcp_drain_cpu(m, 0);
	}
	drain_all_cpus(m);
	ck_assert_uint_eq(z->nr_free_pages, target);
}

/* Allocates with gfp until refused; counts grants; every granted pfn must
 * lie in [lo, hi). */
static unsigned alloc_until_refused(struct mmf_machine *m, mmf_gfp_t gfp, unsigned order,
				    unsigned nid, uint32_t lo, uint32_t hi)
{
	unsigned n = 0;
	uint32_t pfn;
	while (try_alloc(m, gfp, order, 0, nid, &pfn)) {
		ck_assert_msg(pfn >= lo && pfn < hi, "grant %u: pfn %u outside [%u, %u)", n, pfn, lo, hi);
		ck_assert_uint_lt(++n, m->end_pfn);
	}
	return n;
}

/* ---- 1. boot ---------------------------------------------------------- */

/* Boot frees every zone in naturally aligned chunks of at most order 10.
 *                                  order:  0      1      2      3      4      5      6      7      8      9     10 */
static const struct {
	const char *profile;
	const char *buddyinfo;
} boot_rows[] = {
	{ "tiny", /* pfn 0-4095: four order-10 blocks */
	  "Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0      4 \n" },
	{ "x86_64", /* DMA 0-255 is one order-8 block; DMA32 256 (o8), 512 (o9), 1024.. (15 x o10) */
	  "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      0      0 \n"
	  "Node 0, zone    DMA32      0      0      0      0      0      0      0      0      1      1     15 \n"
	  "Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0      8 \n" },
	{ "numa2",
	  "Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0      2 \n"
	  "Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0      2 \n"
	  "Node 1, zone   Normal      0      0      0      0      0      0      0      0      0      0      4 \n" },
};

START_TEST(boot_buddyinfo)
{
	struct mmf_machine m;
	boot(&m, boot_rows[_i].profile);
	assert_buddyinfo(&m, boot_rows[_i].buddyinfo);
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* tiny's order-10 list, head to tail, is in ascending pfn order (each
 * chunk went to the tail); nothing is on a pcp list or allocated. */
START_TEST(boot_tiny_free_list)
{
	static const uint32_t want[] = { 0, 1024, 2048, 3072 };
	struct mmf_machine m;
	boot(&m, "tiny");
	const struct mmf_zone *z = &m.zones[0];
	uint32_t pfn = z->free_area[10].list.head;
	for (unsigned i = 0; i < 4; i++, pfn = m.mem_map[pfn].next) {
		ck_assert_uint_eq(pfn, want[i]);
		ck_assert(is_free_block(&m, pfn, 10));
	}
	ck_assert_uint_eq(pfn, MMF_NIL);
	ck_assert_uint_eq(z->nr_free_pages, 4096);
	ck_assert_uint_eq(z->pcp[0].count + z->pcp[1].count, 0);
	ck_assert_uint_eq(m.nr_allocated, 0);
	ck_assert_uint_eq(m.nr_dirty, 0);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- 2. split --------------------------------------------------------- */

/* An order-2 request on fresh tiny splits the first order-10 block:
 *
 *   pfn  0    4    8      16      32  ...  512        1024  2048  3072
 *        [AA][o2][ o3 ][  o4  ][ o5 ] ... [   o9   ]  [o10] [o10] [o10]
 *
 * leaving one free block at each order 2..9 and the untouched three. */
START_TEST(split_order2)
{
	static const uint32_t want_nr_free[MMF_MAX_ORDER] = { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 3 };
	static const struct { uint32_t pfn; unsigned order; } want_free[] = {
		{ 4, 2 }, { 8, 3 }, { 16, 4 }, { 32, 5 }, { 64, 6 }, { 128, 7 },
		{ 256, 8 }, { 512, 9 }, { 1024, 10 }, { 2048, 10 }, { 3072, 10 },
	};
	struct mmf_machine m;
	boot(&m, "tiny");
	ck_assert_uint_eq(alloc_ok(&m, GFP_KERNEL, 2, 0, 0), 0);
	assert_nr_free(&m.zones[0], want_nr_free);
	for (unsigned i = 0; i < sizeof(want_free) / sizeof(want_free[0]); i++)
		ck_assert_msg(is_free_block(&m, want_free[i].pfn, want_free[i].order),
			      "pfn %u is not a free order-%u block", want_free[i].pfn, want_free[i].order);
	ck_assert(m.mem_map[0].flags & PG_allocated);
	ck_assert_uint_eq(m.mem_map[0].order, 2);
	ck_assert_uint_eq(m.zones[0].nr_free_pages, 4096 - 4);
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- 3. merge --------------------------------------------------------- */

START_TEST(merge_restores_boot)
{
	struct mmf_machine m;
	boot(&m, "tiny");
	uint32_t pfn = alloc_ok(&m, GFP_KERNEL, 2, 0, 0);
	free_ok(&m, pfn, 2, 0);
	assert_buddyinfo(&m, boot_rows[0].buddyinfo);
	ck_assert_uint_eq(m.zones[0].nr_free_pages, 4096);
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* Two buddies A (pfn 0) and B (pfn 2^order) of one order, freed in either
 * order: the first waits alone on its order's list (its buddy is still
 * out); the second merges all the way back to four order-10 blocks. At
 * order 3 freeing B second must find its buddy below it (8 ^ 8 = 0). The
 * full walk after each step also rules out a free block beside a free
 * buddy.                          order:  0  1  2  3  4  5  6  7  8  9 10 */
static const struct {
	unsigned order;
	int a_first;
	uint32_t both_out[MMF_MAX_ORDER], one_back[MMF_MAX_ORDER];
} merge_rows[] = {
	{ 2, 1, { 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 3 }, { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 3 } },
	{ 2, 0, { 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 3 }, { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 3 } },
	{ 3, 1, { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 3 }, { 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 3 } },
	{ 3, 0, { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 3 }, { 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 3 } },
};

START_TEST(merge_buddies_either_order)
{
	static const uint32_t all_back[MMF_MAX_ORDER] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4 };
	const unsigned order = merge_rows[_i].order;
	struct mmf_machine m;
	boot(&m, "tiny");
	uint32_t a = alloc_ok(&m, GFP_KERNEL, order, 0, 0);
	uint32_t b = alloc_ok(&m, GFP_KERNEL, order, 0, 0);
	ck_assert_uint_eq(a, 0);
	ck_assert_uint_eq(b, 1u << order);
	assert_nr_free(&m.zones[0], merge_rows[_i].both_out);

	uint32_t first = merge_rows[_i].a_first ? a : b, second = merge_rows[_i].a_first ? b : a;
	free_ok(&m, first, order, 0);
	assert_nr_free(&m.zones[0], merge_rows[_i].one_back);
	ck_assert(is_free_block(&m, first, order));
	assert_valid(&m);

	free_ok(&m, second, order, 0);
	assert_nr_free(&m.zones[0], all_back);
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- 4. per-cpu lists ------------------------------------------------- */

START_TEST(pcp_profile_sizes)
{
	struct mmf_machine m;
	boot(&m, "tiny");
	ck_assert_uint_eq(m.zones[0].pcp[0].batch, 8);
	ck_assert_uint_eq(m.zones[0].pcp[0].high, 48);
	mmf_machine_fini(&m);
}
END_TEST

/* The first order-0 request on cpu 0 refills the empty list with a batch
 * of 8 from the buddy (pfn 0..7, added at the tail, so ascending) and
 * hands out the hot end, pfn 0. The buddy split one order-10 block and
 * counts all 8 as gone:
 *
 *   pcp[0]: 1 2 3 4 5 6 7     buddy: 8(o3) 16(o4) ... 512(o9) + 3 x o10 */
START_TEST(pcp_refill_by_batch)
{
	static const uint32_t want_nr_free[MMF_MAX_ORDER] = { 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 3 };
	struct mmf_machine m;
	boot(&m, "tiny");
	const struct mmf_zone *z = &m.zones[0];
	ck_assert_uint_eq(alloc_ok(&m, GFP_KERNEL, 0, 0, 0), 0);
	ck_assert_uint_eq(z->pcp[0].count, 7);
	ck_assert_uint_eq(z->pcp[1].count, 0);
	ck_assert_uint_eq(z->nr_free_pages, 4096 - 8);
	assert_nr_free(z, want_nr_free);
	uint32_t pfn = z->pcp[0].list.head;
	for (uint32_t want = 1; want <= 7; want++, pfn = m.mem_map[pfn].next)
		ck_assert_uint_eq(pfn, want);
	ck_assert_uint_eq(pfn, MMF_NIL);
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* Frees go to the hot end and allocations take the hot end: last freed,
 * first reused. The buddy does not see any of it. */
START_TEST(pcp_hot_end_reuse)
{
	struct mmf_machine m;
	boot(&m, "tiny");
	uint32_t a = alloc_ok(&m, GFP_KERNEL, 0, 0, 0);
	uint32_t b = alloc_ok(&m, GFP_KERNEL, 0, 0, 0);
	ck_assert_uint_eq(a, 0);
	ck_assert_uint_eq(b, 1);
	free_ok(&m, a, 0, 0);
	free_ok(&m, b, 0, 0);
	ck_assert_uint_eq(m.zones[0].pcp[0].list.head, b);
	ck_assert_uint_eq(alloc_ok(&m, GFP_KERNEL, 0, 0, 0), b);
	ck_assert_uint_eq(alloc_ok(&m, GFP_KERNEL, 0, 0, 0), a);
	ck_assert_uint_eq(m.zones[0].nr_free_pages, 4096 - 8);
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* A page freed on cpu 0 stays on cpu 0's list: cpu 1 refills its own
 * batch (pfn 8..15) rather than take it.
 *
 *   pcp[0]: X 1 2 3 4 5 6 7     pcp[1]: 9 10 11 12 13 14 15 */
START_TEST(pcp_per_cpu)
{
	struct mmf_machine m;
	boot(&m, "tiny");
	const struct mmf_zone *z = &m.zones[0];
	uint32_t x = alloc_ok(&m, GFP_KERNEL, 0, 0, 0);
	free_ok(&m, x, 0, 0);
	uint32_t y = alloc_ok(&m, GFP_KERNEL, 0, 1, 0);
	ck_assert_uint_ne(y, x);
	ck_assert_uint_eq(y, 8);
	ck_assert_uint_eq(z->pcp[0].count, 8);
	ck_assert_uint_eq(z->pcp[1].count, 7);
	ck_assert_uint_eq(alloc_ok(&m, GFP_KERNEL, 0, 0, 0), x);
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* 48 pages (pfn 0..47) out on cpu 0, then all freed there in that order.
 * The 48th free brings the list to high, so the batch of 8 coldest
 * (first freed: 0..7) goes back to the buddy, where they merge into one
 * order-3 block at pfn 0. The list never holds `high` pages after a free. */
START_TEST(pcp_trim_at_high)
{
	struct mmf_machine m;
	boot(&m, "tiny");
	const struct mmf_zone *z = &m.zones[0];
	const uint32_t high = z->pcp[0].high, batch = z->pcp[0].batch;
	for (uint32_t i = 0; i < high; i++)
		ck_assert_uint_eq(alloc_ok(&m, GFP_KERNEL, 0, 0, 0), i);
	ck_assert_uint_eq(z->pcp[0].count, 0);
	ck_assert_uint_eq(z->free_area[3].nr_free, 0);
	ck_assert_uint_eq(z->nr_free_pages, 4096 - high);
	for (uint32_t i = 0; i < high; i++) {
		free_ok(&m, i, 0, 0);
		ck_assert_uint_lt(z->pcp[0].count, high);
	}
	ck_assert_uint_eq(z->pcp[0].count, high - batch);
	ck_assert_uint_eq(z->nr_free_pages, 4096 - high + batch);
	ck_assert(is_free_block(&m, 0, 3));
	ck_assert_uint_eq(z->free_area[3].nr_free, 1);
	for (uint32_t pfn = 0; pfn < batch; pfn++)
		ck_assert(!(m.mem_map[pfn].flags & PG_pcp));
	for (uint32_t pfn = batch; pfn < high; pfn++)
		ck_assert(m.mem_map[pfn].flags & PG_pcp);
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* Draining cpu 0 after one order-0 request returns its 7 pages to the
 * buddy: NR_FREE_PAGES rises by 7 and they merge up to the page still out,
 * leaving one free block at every order below 10:
 *
 *   pfn 0 out, 1(o0) 2(o1) 4(o2) 8(o3) ... 512(o9), 3 x o10 */
START_TEST(pcp_drain)
{
	struct mmf_machine m;
	boot(&m, "tiny");
	const struct mmf_zone *z = &m.zones[0];
	alloc_ok(&m, GFP_KERNEL, 0, 0, 0);
	uint32_t count = z->pcp[0].count, before = z->nr_free_pages;
	ck_assert_uint_eq(count, 7);
	mmf_pcp_drain_cpu(&m, 0);
	ck_assert_uint_eq(z->pcp[0].count, 0);
	ck_assert_uint_eq(z->pcp[0].list.head, MMF_NIL);
	ck_assert_uint_eq(z->nr_free_pages, before + count);
	assert_buddyinfo(&m,
		"Node 0, zone   Normal      1      1      1      1      1      1      1      1      1      1      3 \n");
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- 5. watermarks per GFP mask --------------------------------------- */

/* min_free_kbytes = int_sqrt(lowmem_kbytes * 16) = sqrt(16384 * 16) = 512
 * KiB = 128 pages, all of it tiny's one zone's. low and high are each a
 * step of max(min / 4, 0.1% of the zone) = max(32, 4) = 32 above. Nothing
 * sits above Normal, so no lowmem_reserve. */
START_TEST(wmark_formula_tiny)
{
	struct mmf_machine m;
	boot(&m, "tiny");
	const struct mmf_zone *z = &m.zones[0];
	ck_assert_uint_eq(z->wmark[WMARK_MIN], 128);
	ck_assert_uint_eq(z->wmark[WMARK_LOW], 160);
	ck_assert_uint_eq(z->wmark[WMARK_HIGH], 192);
	for (unsigned t = 0; t < MMF_NR_ZONE_TYPES; t++)
		ck_assert_uint_eq(z->lowmem_reserve[t], 0);
	mmf_machine_fini(&m);
}
END_TEST

/* A Movable zone beside tiny's Normal one: its min is capped to
 * managed/1024 clamped to [32, 128] = 32, but its low/high step is a
 * quarter of the share it would have had as lowmem (128 * 4096 / 4096 =
 * 128, so 32), not of the capped min: low 64, high 96. */
START_TEST(wmark_formula_movable)
{
	struct mmf_profile p = *mmf_profile_find("tiny", NULL);
	p.name = "tiny+movable";
	p.nr_zones = 2;
	p.zones[1] = (struct mmf_zone_desc){ 0, MMF_ZONE_MOVABLE, 4096, 4096 };
	p.end_pfn = 8192;
	struct mmf_machine m;
	ck_assert_int_eq(mmf_machine_init(&m, &p, MMF_MUT_NONE), 0);
	ck_assert_uint_eq(m.zones[0].wmark[WMARK_MIN], 128);
	ck_assert_uint_eq(m.zones[0].wmark[WMARK_LOW], 160);
	const struct mmf_zone *z = &m.zones[1];
	ck_assert_uint_eq(z->wmark[WMARK_MIN], 32);
	ck_assert_uint_eq(z->wmark[WMARK_LOW], 64);
	ck_assert_uint_eq(z->wmark[WMARK_HIGH], 96);
	mmf_machine_fini(&m);
}
END_TEST

/* Free-page levels relative to the zone's min mark. __zone_watermark_ok()
 * refuses when free <= the floor a mask earns:
 *   min                   no reserve (GFP_KERNEL, GFP_NOWAIT)
 *   half = min - min/2    ALLOC_MIN_RESERVE (__GFP_HIGH)
 *   atomic = half - half/4  ALLOC_MIN_RESERVE|ALLOC_NON_BLOCK (GFP_ATOMIC;
 *                         __GFP_HIGH without __GFP_DIRECT_RECLAIM)
 * so each floor is the last level that fails, one above it the first that
 * succeeds. With min = 128: half = 64, atomic = 48. */
enum level { MIN_PLUS_1, AT_MIN, HALF_PLUS_1, AT_HALF, ATOMIC_PLUS_1, AT_ATOMIC, ONE, ZERO };

static uint32_t level_pages(uint32_t min, enum level l)
{
	uint32_t half = min - min / 2, atomic = half - half / 4;
	switch (l) {
	case MIN_PLUS_1: return min + 1;
	case AT_MIN: return min;
	case HALF_PLUS_1: return half + 1;
	case AT_HALF: return half;
	case ATOMIC_PLUS_1: return atomic + 1;
	case AT_ATOMIC: return atomic;
	case ONE: return 1;
	case ZERO: return 0;
	}
	return 0;
}

static const struct {
	const char *name;
	mmf_gfp_t gfp;
	enum level level;
	int expect_ok;
} wmark_rows[] = {
	{ "GFP_KERNEL", GFP_KERNEL, MIN_PLUS_1, 1 },
	{ "GFP_KERNEL", GFP_KERNEL, AT_MIN, 0 },
	{ "GFP_NOWAIT", GFP_NOWAIT, MIN_PLUS_1, 1 },
	{ "GFP_NOWAIT", GFP_NOWAIT, AT_MIN, 0 },
	{ "__GFP_HIGH|GFP_KERNEL", __GFP_HIGH | GFP_KERNEL, AT_MIN, 1 },
	{ "__GFP_HIGH|GFP_KERNEL", __GFP_HIGH | GFP_KERNEL, HALF_PLUS_1, 1 },
	{ "__GFP_HIGH|GFP_KERNEL", __GFP_HIGH | GFP_KERNEL, AT_HALF, 0 },
	{ "GFP_ATOMIC", GFP_ATOMIC, AT_HALF, 1 },
	{ "GFP_ATOMIC", GFP_ATOMIC, ATOMIC_PLUS_1, 1 },
	{ "GFP_ATOMIC", GFP_ATOMIC, AT_ATOMIC, 0 },
	{ "__GFP_HIGH", __GFP_HIGH, ATOMIC_PLUS_1, 1 },
	{ "__GFP_HIGH", __GFP_HIGH, AT_ATOMIC, 0 },
	/* __GFP_NOMEMALLOC takes away ALLOC_NON_BLOCK's extra quarter. */
	{ "GFP_ATOMIC|__GFP_NOMEMALLOC", GFP_ATOMIC | __GFP_NOMEMALLOC, HALF_PLUS_1, 1 },
	{ "GFP_ATOMIC|__GFP_NOMEMALLOC", GFP_ATOMIC | __GFP_NOMEMALLOC, AT_HALF, 0 },
	/* ALLOC_NO_WATERMARKS: anything there is. */
	{ "GFP_KERNEL|__GFP_MEMALLOC", GFP_KERNEL | __GFP_MEMALLOC, AT_ATOMIC, 1 },
	{ "GFP_KERNEL|__GFP_MEMALLOC", GFP_KERNEL | __GFP_MEMALLOC, ONE, 1 },
	{ "GFP_KERNEL|__GFP_MEMALLOC", GFP_KERNEL | __GFP_MEMALLOC, ZERO, 0 },
	{ "GFP_KERNEL|__GFP_MEMALLOC|__GFP_NOMEMALLOC", GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOMEMALLOC, AT_MIN, 0 },
};

START_TEST(wmark_per_gfp)
{
	struct mmf_machine m;
	boot(&m, "tiny");
	const struct mmf_zone *z = &m.zones[0];
	uint32_t level = level_pages(z->wmark[WMARK_MIN], wmark_rows[_i].level);
	fill_to(&m, level);
	uint32_t pfn;
	int ok = try_alloc(&m, wmark_rows[_i].gfp, 0, 0, 0, &pfn);
	ck_assert_msg(ok == wmark_rows[_i].expect_ok, "%s order 0 with %u free (min %u): %s, expected %s",
		      wmark_rows[_i].name, level, z->wmark[WMARK_MIN], ok ? "granted" : "refused",
		      wmark_rows[_i].expect_ok ? "granted" : "refused");
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- 6. zone and node fallback ---------------------------------------- */

#define X86_DMA_END 256u
#define X86_NORMAL_START 16384u
#define X86_END 24576u

/* x86_64: min_free_kbytes = int_sqrt(98304 * 16) = 1254 KiB = 313 pages,
 * shared by zone size: DMA 313*256/24576 = 3, DMA32 313*16128/24576 = 205,
 * Normal 313*8192/24576 = 104; steps max(min/4, 0.1%) = 0, 51, 26.
 * lowmem_reserve[j] = pages of the zones above up to j / ratio (256 for
 * DMA and DMA32): DMA 16128/256 = 63 against DMA32, 24320/256 = 95 against
 * Normal; DMA32 8192/256 = 32 against Normal. */
static const struct {
	uint32_t min, low, high, reserve_dma32, reserve_normal;
} x86_zone_rows[] = {
	{ 3, 3, 3, 63, 95 },      /* DMA */
	{ 205, 256, 307, 0, 32 }, /* DMA32 */
	{ 104, 130, 156, 0, 0 },  /* Normal */
};

START_TEST(x86_64_wmarks_and_reserves)
{
	struct mmf_machine m;
	boot(&m, "x86_64");
	const struct mmf_zone *z = &m.zones[_i];
	ck_assert_uint_eq(z->wmark[WMARK_MIN], x86_zone_rows[_i].min);
	ck_assert_uint_eq(z->wmark[WMARK_LOW], x86_zone_rows[_i].low);
	ck_assert_uint_eq(z->wmark[WMARK_HIGH], x86_zone_rows[_i].high);
	ck_assert_uint_eq(z->lowmem_reserve[MMF_ZONE_DMA32], x86_zone_rows[_i].reserve_dma32);
	ck_assert_uint_eq(z->lowmem_reserve[MMF_ZONE_NORMAL], x86_zone_rows[_i].reserve_normal);
	mmf_machine_fini(&m);
}
END_TEST

START_TEST(fallback_kernel_normal_first)
{
	struct mmf_machine m;
	boot(&m, "x86_64");
	uint32_t pfn = alloc_ok(&m, GFP_KERNEL, 0, 0, 0);
	ck_assert_uint_ge(pfn, X86_NORMAL_START);
	ck_assert_uint_lt(pfn, X86_END);
	mmf_machine_fini(&m);
}
END_TEST

/* Order-1 GFP_KERNEL requests come from Normal until Normal is at its low
 * mark (free - 1 <= low), then from DMA32, the next zone down; DMA is not
 * touched while DMA32 has plenty. */
START_TEST(fallback_kernel_to_dma32)
{
	struct mmf_machine m;
	boot(&m, "x86_64");
	const struct mmf_zone *normal = &m.zones[2];
	uint32_t pfn;
	unsigned from_normal = 0;
	while ((pfn = alloc_ok(&m, GFP_KERNEL, 1, 0, 0)) >= X86_NORMAL_START)
		ck_assert_uint_lt(++from_normal, 8192);
	ck_assert_uint_gt(from_normal, 0);
	ck_assert_uint_ge(pfn, X86_DMA_END);
	ck_assert_uint_ge(normal->nr_free_pages, normal->wmark[WMARK_LOW]);
	ck_assert_uint_le(normal->nr_free_pages, normal->wmark[WMARK_LOW] + 1);
	ck_assert_uint_eq(m.zones[1].pgalloc, 2);
	ck_assert_uint_eq(m.zones[0].nr_free_pages, 256);
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* Order-1 GFP_DMA32 until refused: never a Normal pfn, Normal untouched;
 * DMA32 down to its min (205/206 free), then DMA down to its min plus the
 * reserve it keeps against DMA32 requests (3 + 63). */
START_TEST(gfp_dma32_never_normal)
{
	struct mmf_machine m;
	boot(&m, "x86_64");
	unsigned n = alloc_until_refused(&m, GFP_KERNEL | __GFP_DMA32, 1, 0, 0, X86_NORMAL_START);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(m.zones[2].nr_free_pages, 8192);
	for (unsigned zi = 0; zi < 2; zi++) {
		const struct mmf_zone *z = &m.zones[zi];
		uint32_t mark = z->wmark[WMARK_MIN] + z->lowmem_reserve[MMF_ZONE_DMA32];
		ck_assert_msg(z->nr_free_pages >= mark && z->nr_free_pages <= mark + 1,
			      "zone %s: %u free, expected %u or %u", mmf_zone_names[z->type],
			      z->nr_free_pages, mark, mark + 1);
	}
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* GFP_DMA until refused: only pfns below 256, DMA32 and Normal untouched,
 * DMA down to its min (no reserve against a DMA request). */
START_TEST(gfp_dma_only_dma)
{
	struct mmf_machine m;
	boot(&m, "x86_64");
	const struct mmf_zone *dma = &m.zones[0];
	unsigned n = alloc_until_refused(&m, GFP_KERNEL | __GFP_DMA, 1, 0, 0, X86_DMA_END);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(m.zones[1].nr_free_pages, 16128);
	ck_assert_uint_eq(m.zones[2].nr_free_pages, 8192);
	ck_assert_uint_ge(dma->nr_free_pages, dma->wmark[WMARK_MIN]);
	ck_assert_uint_le(dma->nr_free_pages, dma->wmark[WMARK_MIN] + 1);
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* GFP_KERNEL until refused: each lower zone stops at min plus the reserve
 * it keeps against a Normal request (DMA 3 + 95, DMA32 205 + 32), and the
 * DMA pages so protected still serve a GFP_DMA request. */
START_TEST(lowmem_reserve_protects_lower_zones)
{
	struct mmf_machine m;
	boot(&m, "x86_64");
	alloc_until_refused(&m, GFP_KERNEL, 1, 0, 0, X86_END);
	for (unsigned zi = 0; zi < 3; zi++) {
		const struct mmf_zone *z = &m.zones[zi];
		uint32_t mark = z->wmark[WMARK_MIN] + z->lowmem_reserve[MMF_ZONE_NORMAL];
		ck_assert_msg(z->nr_free_pages >= mark && z->nr_free_pages <= mark + 1,
			      "zone %s: %u free, expected %u or %u", mmf_zone_names[z->type],
			      z->nr_free_pages, mark, mark + 1);
	}
	uint32_t pfn = alloc_ok(&m, GFP_KERNEL | __GFP_DMA, 1, 0, 0);
	ck_assert_uint_lt(pfn, X86_DMA_END);
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* numa2, node 1 (pfn 4096-8191): __GFP_THISNODE never leaves the node and
 * is refused once node 1 is at min; the same request without it falls
 * back to node 0's Normal zone (pfn 2048-4095), the nearest other zone. */
START_TEST(thisnode_stays_on_node)
{
	struct mmf_machine m;
	boot(&m, "numa2");
	unsigned n = alloc_until_refused(&m, GFP_KERNEL | __GFP_THISNODE, 1, 1, 4096, 8192);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(m.zones[0].nr_free_pages, 2048);
	ck_assert_uint_eq(m.zones[1].nr_free_pages, 2048);
	uint32_t pfn = alloc_ok(&m, GFP_KERNEL, 1, 0, 1);
	ck_assert_uint_ge(pfn, 2048);
	ck_assert_uint_lt(pfn, 4096);
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- 7. __GFP_ZERO ---------------------------------------------------- */

/* Write tokens into a block, free it, take the same block back: with
 * __GFP_ZERO every frame reads 0; without it the old contents are still
 * there (the model, like Linux without init_on_free, does not clear on
 * free), which shows the first rows can fail. */
static const struct {
	unsigned order;
	mmf_gfp_t gfp;
	int expect_zero;
} zero_rows[] = {
	{ 2, GFP_KERNEL | __GFP_ZERO, 1 },
	{ 0, GFP_KERNEL | __GFP_ZERO, 1 },
	{ 2, GFP_KERNEL, 0 },
};

START_TEST(gfp_zero_clears_block)
{
	struct mmf_machine m;
	boot(&m, "tiny");
	unsigned order = zero_rows[_i].order;
	uint32_t pfn = alloc_ok(&m, GFP_KERNEL, order, 0, 0);
	for (uint32_t i = 0; i < (1u << order); i++)
		page_w(&m, pfn + i)->token = 0xa110c000u + i;
	free_ok(&m, pfn, order, 0);
	ck_assert_uint_eq(alloc_ok(&m, zero_rows[_i].gfp, order, 0, 0), pfn);
	for (uint32_t i = 0; i < (1u << order); i++) {
		uint64_t want = zero_rows[_i].expect_zero ? 0 : 0xa110c000u + i;
		ck_assert_msg(m.mem_map[pfn + i].token == want, "pfn %u token %#llx, expected %#llx",
			      pfn + i, (unsigned long long)m.mem_map[pfn + i].token, (unsigned long long)want);
	}
	mmf_machine_fini(&m);
}
END_TEST

/* ---- 8. reset --------------------------------------------------------- */

START_TEST(reset_restores_boot)
{
	struct mmf_machine m;
	boot(&m, "tiny");
	uint32_t kept[16];
	for (unsigned i = 0; i < 16; i++)
		kept[i] = alloc_ok(&m, i % 3 ? GFP_KERNEL : GFP_ATOMIC, i % 11, i % 2, 0);
	for (unsigned i = 0; i < 16; i += 2)
		free_ok(&m, kept[i], i % 11, (i / 2) % 2);
	mmf_machine_reset(&m);
	assert_buddyinfo(&m, boot_rows[0].buddyinfo);
	assert_valid(&m);
	ck_assert_uint_eq(m.nr_dirty, 0);
	ck_assert_uint_eq(m.nr_allocated, 0);
	ck_assert_uint_eq(m.zones[0].pcp[0].count + m.zones[0].pcp[1].count, 0);
	ck_assert_uint_eq(m.zones[0].nr_free_pages, 4096);
	ck_assert_int_eq(memcmp(m.mem_map, m.boot_map, m.end_pfn * sizeof(*m.mem_map)), 0);
	static const struct mmf_vmstat zero;
	ck_assert_int_eq(memcmp(&m.vm, &zero, sizeof(zero)), 0);
	ck_assert_uint_eq(alloc_ok(&m, GFP_KERNEL, 2, 0, 0), 0);
	mmf_machine_fini(&m);
}
END_TEST

/* Reset costs what the run touched: one order-0 request writes about 16
 * struct pages (the split of one order-10 block and a batch of 8), not
 * tiny's 4096. */
START_TEST(reset_cost_is_proportional)
{
	struct mmf_machine m;
	boot(&m, "tiny");
	ck_assert_uint_eq(m.nr_dirty, 0);
	alloc_ok(&m, GFP_KERNEL, 0, 0, 0);
	ck_assert_uint_gt(m.nr_dirty, 0);
	ck_assert_uint_lt(m.nr_dirty, 20);
	mmf_machine_reset(&m);
	ck_assert_uint_eq(m.nr_dirty, 0);
	ck_assert_int_eq(memcmp(m.mem_map, m.boot_map, m.end_pfn * sizeof(*m.mem_map)), 0);
	assert_valid(&m);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- 9. vmstat counters ----------------------------------------------- */

static uint64_t allocstalls(const struct mmf_vmstat *vm)
{
	uint64_t n = 0;
	for (unsigned t = 0; t < MMF_NR_ZONE_TYPES; t++)
		n += vm->allocstall[t];
	return n;
}

/* A refused request at a given level on tiny, and the counters it moves:
 * allocstall once per direct-reclaim attempt (nothing to reclaim here),
 * oom_kill when a low-order blocking request reaches the OOM path, which
 * __GFP_NORETRY, __GFP_RETRY_MAYFAIL and costly orders (> 3) never do.
 * There the OOM killer kills process 0 (badness 0, but the only task),
 * which frees nothing; the request reclaims once more and, with nothing
 * left to kill, fails (Linux would panic). */
static const struct {
	const char *name;
	mmf_gfp_t gfp;
	unsigned order;
	enum level level;
	unsigned allocstall, oom_kill;
} vmstat_rows[] = {
	{ "GFP_KERNEL", GFP_KERNEL, 0, AT_MIN, 2, 1 },
	{ "GFP_KERNEL|__GFP_NORETRY", GFP_KERNEL | __GFP_NORETRY, 0, AT_MIN, 1, 0 },
	{ "GFP_KERNEL|__GFP_RETRY_MAYFAIL", GFP_KERNEL | __GFP_RETRY_MAYFAIL, 0, AT_MIN, 1, 0 },
	{ "GFP_KERNEL order 4", GFP_KERNEL, 4, AT_MIN, 1, 0 },
	/* costly + NORETRY gives up after (absent) compaction, before reclaim */
	{ "GFP_KERNEL|__GFP_NORETRY order 4", GFP_KERNEL | __GFP_NORETRY, 4, AT_MIN, 0, 0 },
	/* without __GFP_FS the OOM killer is not invoked (Linux retries for ever) */
	{ "GFP_NOFS", GFP_NOFS, 0, AT_MIN, 1, 0 },
	{ "GFP_NOWAIT", GFP_NOWAIT, 0, AT_MIN, 0, 0 },
	{ "GFP_ATOMIC", GFP_ATOMIC, 0, AT_ATOMIC, 0, 0 },
};

START_TEST(vmstat_on_failure)
{
	struct mmf_machine m;
	boot(&m, "tiny");
	fill_to(&m, level_pages(m.zones[0].wmark[WMARK_MIN], vmstat_rows[_i].level));
	struct mmf_vmstat before = m.vm;
	uint32_t pfn;
	ck_assert_msg(!try_alloc(&m, vmstat_rows[_i].gfp, vmstat_rows[_i].order, 0, 0, &pfn),
		      "%s granted", vmstat_rows[_i].name);
	ck_assert_uint_eq(m.vm.alloc_fail - before.alloc_fail, 1);
	ck_assert_uint_eq(allocstalls(&m.vm) - allocstalls(&before), vmstat_rows[_i].allocstall);
	ck_assert_uint_eq(m.vm.oom_kill - before.oom_kill, vmstat_rows[_i].oom_kill);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- the OOM path ---------------------------------------------------- */

/* Linux's __alloc_pages_may_oom() gives up before out_of_memory() for
 * __GFP_THISNODE ("The OOM killer may not free memory on a specific node")
 * and for highest_zoneidx < ZONE_NORMAL ("The OOM killer does not
 * needlessly kill tasks for lowmem"): the request fails after direct
 * reclaim with no OOM invocation. (The reference once counted oom_kill
 * here; these rows failed against it.)
 *
 * Exhaustion uses GFP_NOWAIT with the same zone and node bits (it moves
 * neither counter), order 0, so every zone the probe may use is at or
 * below its min mark. */
static const struct {
	const char *profile;
	const char *name;
	mmf_gfp_t gfp;
} divergence_rows[] = {
	{ "tiny", "GFP_KERNEL|__GFP_THISNODE", GFP_KERNEL | __GFP_THISNODE },
	{ "x86_64", "GFP_KERNEL|__GFP_DMA", GFP_KERNEL | __GFP_DMA },
	{ "x86_64", "GFP_KERNEL|__GFP_DMA32", GFP_KERNEL | __GFP_DMA32 },
};

START_TEST(linux_no_oom_for_thisnode_or_lowmem)
{
	struct mmf_machine m;
	boot(&m, divergence_rows[_i].profile);
	mmf_gfp_t gfp = divergence_rows[_i].gfp;
	alloc_until_refused(&m, GFP_NOWAIT | (gfp & (GFP_ZONEMASK | __GFP_THISNODE)), 0, 0, 0, m.end_pfn);
	struct mmf_vmstat before = m.vm;
	uint32_t pfn;
	ck_assert_msg(!try_alloc(&m, gfp, 0, 0, 0, &pfn), "%s granted", divergence_rows[_i].name);
	ck_assert_uint_eq(allocstalls(&m.vm) - allocstalls(&before), 1);
	ck_assert_msg(m.vm.oom_kill == before.oom_kill,
		      "%s on %s: oom_kill +%llu, Linux does not invoke the OOM killer here",
		      divergence_rows[_i].name, divergence_rows[_i].profile,
		      (unsigned long long)(m.vm.oom_kill - before.oom_kill));
	mmf_machine_fini(&m);
}
END_TEST

/* ---- suite ------------------------------------------------------------ */


/* ---- 10. run paths: the same as step by step ---------------------------- */

/* mmf_buddy_take_run() (a pcp refill from one block) and
 * mmf_alloc_pages_bulk() (a vmalloc's pages) skip steps that change
 * nothing they do not also change. Twin machines, one taking the run
 * paths and one (no_run_paths) every step, go through the same random
 * allocations, bulk requests, frees and drains, under memory pressure,
 * on every profile and with each seeded bug of the page allocator on:
 * every answer and every struct page, list, counter and event must stay
 * equal. */
static const enum mmf_mutant run_mutants[] = {
	MMF_MUT_NONE, MMF_MUT_BUDDY_PFN_ORDER3, MMF_MUT_MERGE_STOPS_EARLY, MMF_MUT_PCP_HIGH_OFF_BY_ONE,
	MMF_MUT_FALLBACK_FORBIDDEN_ZONE, MMF_MUT_ATOMIC_RESERVE_IGNORED, MMF_MUT_FREE_COUNTED_TWICE,
	MMF_MUT_ZERO_SKIPS_TAIL, MMF_MUT_DRAIN_LOSES_PAGE, MMF_MUT_EXPAND_WRONG_HALF,
	MMF_MUT_LOWMEM_RESERVE_IGNORED, MMF_MUT_CMA_LENDS_TO_UNMOVABLE, MMF_MUT_CMA_FREE_DRIFT,
};

static void assert_twins(const struct mmf_machine *a, const struct mmf_machine *b, unsigned step)
{
	ck_assert_msg(memcmp(a->mem_map, b->mem_map, a->end_pfn * sizeof(*a->mem_map)) == 0,
		      "step %u: struct pages differ", step);
	ck_assert_msg(memcmp(&a->vm, &b->vm, sizeof(a->vm)) == 0, "step %u: vmstat differs (pgfree %llu/%llu kswapd %llu/%llu fail %llu/%llu oom %llu/%llu)", step,
		      (unsigned long long)a->vm.pgfree, (unsigned long long)b->vm.pgfree, (unsigned long long)a->vm.kswapd_wake, (unsigned long long)b->vm.kswapd_wake,
		      (unsigned long long)a->vm.alloc_fail, (unsigned long long)b->vm.alloc_fail, (unsigned long long)a->vm.oom_kill, (unsigned long long)b->vm.oom_kill);
	ck_assert_uint_eq(a->nr_allocated, b->nr_allocated);
	ck_assert_str_eq(a->corrupt, b->corrupt);
	for (unsigned i = 0; i < a->nr_zones; i++) {
		const struct mmf_zone *x = &a->zones[i], *y = &b->zones[i];
		ck_assert_msg(memcmp(x->free_area, y->free_area, sizeof(x->free_area)) == 0,
			      "step %u: zone %u free lists differ", step, i);
		ck_assert_msg(memcmp(x->pcp, y->pcp, sizeof(x->pcp)) == 0, "step %u: zone %u pcp differs", step, i);
		ck_assert_uint_eq(x->nr_free_pages, y->nr_free_pages);
		ck_assert_uint_eq(x->nr_free_cma, y->nr_free_cma);
		ck_assert_uint_eq(x->pgalloc, y->pgalloc);
	}
}

START_TEST(run_paths_equal_steps)
{
	static const mmf_gfp_t gfps[] = {
		GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT, GFP_KERNEL | __GFP_ZERO, GFP_DMA32, GFP_KERNEL | __GFP_DMA,
		GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_THISNODE, GFP_KERNEL | __GFP_NORETRY | __GFP_HIGHMEM,
	};
	unsigned np = mmf_profile_count(), nm = (unsigned)(sizeof(run_mutants) / sizeof(run_mutants[0]));
	const struct mmf_profile *p = mmf_profile_get((unsigned)_i % np);
	enum mmf_mutant mut = run_mutants[(unsigned)_i / np];
	ck_assert_uint_lt((unsigned)_i / np, nm);
	struct mmf_machine a, b;
	ck_assert_int_eq(mmf_machine_init(&a, p, mut), 0);
	ck_assert_int_eq(mmf_machine_init(&b, p, mut), 0);
	b.no_run_paths = 1;
	static struct { uint32_t pfn; uint8_t order, cpu; } live[8192];
	unsigned nlive = 0, bulk_pages = 0;
	uint64_t r = 0x9e3779b97f4a7c15ull * (uint64_t)(_i + 1);
#define RND() (r ^= r << 13, r ^= r >> 7, r ^= r << 17, r)
	for (unsigned step = 0; step < 1500; step++) {
		unsigned what = (unsigned)(RND() % 100), cpu = (unsigned)(RND() % p->nr_cpus);
		unsigned nid = (unsigned)(RND() % p->nr_nodes);
		mmf_gfp_t gfp = gfps[RND() % (sizeof(gfps) / sizeof(gfps[0]))];
		if (what < 40) {
			uint32_t n = 1 + (uint32_t)(RND() % 96), pa[96], pb[96];
			int ea = 0, eb = 0;
			uint32_t got = mmf_alloc_pages_bulk(&a, gfp, cpu, nid, n, pa, &ea), gb = 0;
			while (gb < n && mmf_alloc_pages(&b, gfp, 0, cpu, nid, &pb[gb], &eb) == MMF_OK)
				gb++;
			ck_assert_uint_eq(got, gb);
			ck_assert_int_eq(memcmp(pa, pb, got * sizeof(*pa)), 0);
			if (got < n)
				ck_assert_int_eq(ea, eb);
			bulk_pages += got;
			for (uint32_t i = 0; i < got; i++)
				if (nlive < sizeof(live) / sizeof(live[0]))
					live[nlive++] = (typeof(live[0])){ pa[i], 0, (uint8_t)cpu };
				else
					ck_assert_int_eq(mmf_free_pages(&a, pa[i], 0, cpu), mmf_free_pages(&b, pa[i], 0, cpu));
		} else if (what < 60) {
			unsigned order = RND() % 3 ? 0 : (unsigned)(RND() % MMF_MAX_ORDER);
			uint32_t xa = MMF_NIL, xb = MMF_NIL;
			int ea = 0, eb = 0;
			enum mmf_result ra = mmf_alloc_pages(&a, gfp, order, cpu, nid, &xa, &ea);
			ck_assert_int_eq(ra, mmf_alloc_pages(&b, gfp, order, cpu, nid, &xb, &eb));
			ck_assert_uint_eq(xa, xb);
			ck_assert_int_eq(ea, eb);
			if (ra == MMF_OK && nlive < sizeof(live) / sizeof(live[0]))
				live[nlive++] = (typeof(live[0])){ xa, (uint8_t)order, (uint8_t)cpu };
		} else if (what < 97) {
			for (unsigned k = (unsigned)(RND() % 24); k-- && nlive;) {
				unsigned i = (unsigned)(RND() % nlive);
				ck_assert_int_eq(mmf_free_pages(&a, live[i].pfn, live[i].order, cpu),
						 mmf_free_pages(&b, live[i].pfn, live[i].order, cpu));
				live[i] = live[--nlive];
			}
		} else {
			mmf_pcp_drain_cpu(&a, cpu);
			mmf_pcp_drain_cpu(&b, cpu);
		}
		if (step % 8 == 0)
			assert_twins(&a, &b, step);
	}
#undef RND
	assert_twins(&a, &b, 1500);
	ck_assert_uint_gt(bulk_pages, 1000);
	/* Memory ran short on the way (except where the seeded bug lets
	 * every request take any zone: x86_64's 96 MiB then hold out). */
	if (mut != MMF_MUT_FALLBACK_FORBIDDEN_ZONE)
		ck_assert_uint_gt(a.vm.alloc_fail, 0);
	mmf_machine_fini(&a);
	mmf_machine_fini(&b);
}
END_TEST

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *buddy_suite(void)
{
	Suite *s = suite_create("buddy");
	TCase *tc;

	tc = tcase_create("boot");
	tcase_add_loop_test(tc, boot_buddyinfo, 0, NROWS(boot_rows));
	tcase_add_test(tc, boot_tiny_free_list);
	suite_add_tcase(s, tc);

	tc = tcase_create("split_merge");
	tcase_add_test(tc, split_order2);
	tcase_add_test(tc, merge_restores_boot);
	tcase_add_loop_test(tc, merge_buddies_either_order, 0, NROWS(merge_rows));
	suite_add_tcase(s, tc);

	tc = tcase_create("pcp");
	tcase_add_test(tc, pcp_profile_sizes);
	tcase_add_test(tc, pcp_refill_by_batch);
	tcase_add_test(tc, pcp_hot_end_reuse);
	tcase_add_test(tc, pcp_per_cpu);
	tcase_add_test(tc, pcp_trim_at_high);
	tcase_add_test(tc, pcp_drain);
	suite_add_tcase(s, tc);

	tc = tcase_create("watermarks");
	tcase_add_test(tc, wmark_formula_tiny);
	tcase_add_test(tc, wmark_formula_movable);
	tcase_add_loop_test(tc, wmark_per_gfp, 0, NROWS(wmark_rows));
	suite_add_tcase(s, tc);

	tc = tcase_create("fallback");
	tcase_add_loop_test(tc, x86_64_wmarks_and_reserves, 0, NROWS(x86_zone_rows));
	tcase_add_test(tc, fallback_kernel_normal_first);
	tcase_add_test(tc, fallback_kernel_to_dma32);
	tcase_add_test(tc, gfp_dma32_never_normal);
	tcase_add_test(tc, gfp_dma_only_dma);
	tcase_add_test(tc, lowmem_reserve_protects_lower_zones);
	tcase_add_test(tc, thisnode_stays_on_node);
	suite_add_tcase(s, tc);

	tc = tcase_create("zero");
	tcase_add_loop_test(tc, gfp_zero_clears_block, 0, NROWS(zero_rows));
	suite_add_tcase(s, tc);

	tc = tcase_create("reset");
	tcase_add_test(tc, reset_restores_boot);
	tcase_add_test(tc, reset_cost_is_proportional);
	suite_add_tcase(s, tc);

	tc = tcase_create("vmstat");
	tcase_add_loop_test(tc, vmstat_on_failure, 0, NROWS(vmstat_rows));
	suite_add_tcase(s, tc);

	tc = tcase_create("run_paths");
	tcase_add_loop_test(tc, run_paths_equal_steps, 0, (int)(mmf_profile_count() * NROWS(run_mutants)));
	suite_add_tcase(s, tc);

	tc = tcase_create("oom_path");
	tcase_add_loop_test(tc, linux_no_oom_for_thisnode_or_lowmem, 0, NROWS(divergence_rows));
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return mmf_check_run(buddy_suite(), 1);
}
