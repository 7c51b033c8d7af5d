/* CMA, the contiguous memory allocator (mm/cma.c, alloc_contig_range()).
 *
 * Each area of the profile is reserved at boot and handed to the buddy as
 * CMA pageblocks: its free blocks sit on the zones' CMA lists, where only
 * movable requests may borrow them (page_alloc.c). cma_alloc(count, align)
 * finds a free run in the area's bitmap (one bit per 2^order_per_bit
 * pages, first fit at the requested alignment, CONFIG_CMA_ALIGNMENT capped
 * at order 8), then alloc_contig_range() takes the pages back:
 *
 *   1. drain the zone's pcp lists and isolate the pageblocks around the
 *      range (their free pages leave the free lists, so nothing borrows
 *      them again meanwhile);
 *   2. migrate every borrowed page in the range: a new block for it
 *      (GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL, anywhere but the
 *      isolated pageblocks), contents copied, the old block freed into the
 *      isolated range. The caller learns old -> new through mmf_cma_moves();
 *   3. hand out [start, end) and give the rest of the isolated pageblocks
 *      back to the buddy.
 *
 * A page that cannot move (pinned: its refcount holds more than the
 * owner's reference; or not movable at all) makes the range busy (EBUSY):
 * the bitmap bits are cleared and the next aligned range is tried. A
 * migration target that cannot be allocated ends the attempt (ENOMEM), as
 * in Linux. One difference: the model looks for pages that cannot move
 * before moving any, where Linux migrates what it can first and fails
 * afterwards in test_pages_isolated(); only the frames moved pages end up
 * in differ.
 *
 * Page-family blocks allocated with a movable mask stand in for Linux's
 * movable pages (LRU pages, until the model has address spaces):
 * migratable unless pinned. mmf_page_pin()/unpin() are get_page()/
 * put_page() by a second user, such as a short-term GUP pin for I/O. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "reference/cma.h"
#include "reference/mm.h"
#include "reference/textbuf.h"
#include "reference/internal.h"

#define PAGEBLOCK_ORDER 9 /* pageblock_order: HPAGE_PMD_ORDER on x86-64 and arm64/4K */
#define CMA_ALIGNMENT 8   /* CONFIG_CMA_ALIGNMENT */
#define MAX_PINS 64

struct cma_area {
	const struct mmf_cma_desc *d;
	uint32_t nbits;
	uint64_t *bitmap;
	uint64_t alloc_pages_success, alloc_pages_fail, release_pages_success;
};

struct cma_move {
	uint32_t old_pfn, new_pfn;
};

struct mmf_cma_state {
	unsigned nr;
	struct cma_area area[MMF_MAX_CMA];
	int used; /* a bitmap changed since reset */
	uint64_t alloc_success, alloc_fail; /* /proc/vmstat cma_alloc_success/fail */
	uint32_t nmoves, moves_read;
	struct cma_move *moves;  /* end_pfn entries: one op cannot move more */
	uint32_t *work;          /* end_pfn entries: blocks to migrate */
};

static int bit_test(const uint64_t *bm, uint32_t i) { return (bm[i >> 6] >> (i & 63)) & 1; }
static void bit_put(uint64_t *bm, uint32_t i, int on)
{
	if (on)
		bm[i >> 6] |= 1ull << (i & 63);
	else
		bm[i >> 6] &= ~(1ull << (i & 63));
}

int mmf_cma_init(struct mmf_machine *m)
{
	const struct mmf_profile *p = m->prof;
	if (!p->nr_cma)
		return 0;
	struct mmf_cma_state *c = calloc(1, sizeof(*c));
	m->cma = c;
	m->cma_block = calloc((m->end_pfn >> (MMF_MAX_ORDER - 1)) + 1, 1);
	if (!c || !m->cma_block)
		return -1;
	c->moves = calloc(m->end_pfn, sizeof(*c->moves));
	c->work = calloc(m->end_pfn, sizeof(*c->work));
	if (!c->moves || !c->work)
		return -1;
	c->nr = p->nr_cma;
	uint32_t block = 1u << (MMF_MAX_ORDER - 1);
	for (unsigned i = 0; i < c->nr; i++) {
		const struct mmf_cma_desc *d = &p->cma[i];
		int z = mmf_profile_zone_of(p, d->base_pfn);
		if (!d->count || (d->base_pfn | d->count) & (block - 1) || z < 0 ||
		    z != mmf_profile_zone_of(p, d->base_pfn + d->count - 1) || d->order_per_bit > CMA_ALIGNMENT)
			return -1; /* a profile the model cannot boot */
		struct cma_area *a = &c->area[i];
		a->d = d;
		a->nbits = d->count >> d->order_per_bit;
		a->bitmap = calloc((a->nbits + 63) / 64, sizeof(uint64_t));
		if (!a->bitmap)
			return -1;
		for (uint32_t b = d->base_pfn; b < d->base_pfn + d->count; b += block)
			m->cma_block[b >> (MMF_MAX_ORDER - 1)] = (uint8_t)(i + 1);
		m->zones[z].cma_pages += d->count;
	}
	return 0;
}

void mmf_cma_fini(struct mmf_machine *m)
{
	struct mmf_cma_state *c = m->cma;
	if (c) {
		for (unsigned i = 0; i < c->nr; i++)
			free(c->area[i].bitmap);
		free(c->moves);
		free(c->work);
		free(c);
	}
	free(m->cma_block);
	m->cma = NULL;
	m->cma_block = NULL;
}

void mmf_cma_reset(struct mmf_machine *m)
{
	struct mmf_cma_state *c = m->cma;
	if (!c)
		return;
	for (unsigned i = 0; i < c->nr; i++) {
		struct cma_area *a = &c->area[i];
		if (c->used)
			memset(a->bitmap, 0, ((a->nbits + 63) / 64) * sizeof(uint64_t));
		a->alloc_pages_success = a->alloc_pages_fail = a->release_pages_success = 0;
	}
	c->used = 0;
	c->alloc_success = c->alloc_fail = 0;
	c->nmoves = c->moves_read = 0;
}

/* The block holding pfn: a free buddy block or an allocated block (its
 * head and order), or a single page (CMA-allocated, on a pcp list, or
 * corrupt). */
enum blk { BLK_FREE, BLK_ALLOC, BLK_PAGE };
static enum blk block_at(const struct mmf_machine *m, uint32_t pfn, uint32_t *head, unsigned *order)
{
	for (unsigned o = 0; o < MMF_MAX_ORDER; o++) {
		uint32_t h = pfn & ~((1u << o) - 1);
		const struct mmf_page *p = pfn_to_page(m, h);
		if ((p->flags & (PG_buddy | PG_allocated)) && p->order == o) {
			*head = h;
			*order = o;
			return p->flags & PG_buddy ? BLK_FREE : BLK_ALLOC;
		}
	}
	*head = pfn;
	*order = 0;
	return BLK_PAGE;
}

/* Can the allocated block at head move? Movable, only the owner's
 * reference, and no allocator of the model's own holds it. */
static int movable(const struct mmf_machine *m, const struct mmf_page *p)
{
	/* User pages are mapped by ptes that migration would have to follow
	 * (rmap): not yet, so they do not move; nor do hugetlb pages. */
	return (p->flags & PG_movable) && !(p->flags & (PG_slab | PG_large_kmalloc | PG_cma_alloc | PG_anon | PG_hugetlb)) &&
	       (p->refcount == 1 || MUTANT(m, CMA_MIGRATES_PINNED));
}

static void isolate_page(struct mmf_machine *m, uint32_t pfn)
{
	page_w(m, pfn)->flags |= PG_isolated;
}

/* Gives a free page back to the buddy, one page at a time so the merges
 * happen as the pages come back. */
static void free_to_buddy(struct mmf_machine *m, struct mmf_zone *z, uint32_t pfn)
{
	struct mmf_page *p = page_w(m, pfn);
	p->flags &= ~PG_isolated;
	p->refcount = 0;
	mmf_buddy_free_one(m, z, pfn, 0, 0);
}

/* start_isolate_page_range(): every free page of [s0, e0) off the free
 * lists; the parts of a free block outside go straight back. */
static void isolate_range(struct mmf_machine *m, struct mmf_zone *z, uint32_t s0, uint32_t e0)
{
	for (uint32_t pfn = s0; pfn < e0;) {
		uint32_t h;
		unsigned o;
		enum blk k = block_at(m, pfn, &h, &o);
		if (k == BLK_FREE) {
			mmf_buddy_del_free(m, z, h, o);
			for (uint32_t q = h; q < h + (1u << o); q++)
				if (q >= s0 && q < e0)
					isolate_page(m, q);
			for (uint32_t q = h; q < h + (1u << o); q++)
				if (q < s0 || q >= e0)
					free_to_buddy(m, z, q);
		}
		pfn = h + (1u << o);
	}
}

/* undo_isolate_page_range(): what is still isolated goes back. */
static void unisolate_range(struct mmf_machine *m, struct mmf_zone *z, uint32_t s0, uint32_t e0)
{
	for (uint32_t pfn = s0; pfn < e0; pfn++)
		if (pfn_to_page(m, pfn)->flags & PG_isolated)
			free_to_buddy(m, z, pfn);
}

/* One borrowed block to a new home. */
static int migrate_block(struct mmf_machine *m, struct mmf_zone *z, uint32_t old, unsigned cpu,
			 uint32_t s0, uint32_t e0)
{
	struct mmf_cma_state *c = m->cma;
	unsigned order = pfn_to_page(m, old)->order;
	uint32_t new_pfn;
	int err;
	if (mmf_alloc_pages(m, GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL, order, cpu, z->node, &new_pfn,
			    &err) != MMF_OK)
		return -ENOMEM;
	if (!MUTANT(m, CMA_MIGRATE_NO_COPY))
		for (uint32_t i = 0; i < 1u << order; i++)
			page_w(m, new_pfn + i)->token = pfn_to_page(m, old + i)->token;
	struct mmf_page *o = page_w(m, old);
	if (MUTANT(m, CMA_MIGRATES_PINNED))
		page_w(m, new_pfn)->refcount = o->refcount; /* the pins follow */
	o->flags &= ~(PG_allocated | PG_movable);
	o->order = 0;
	o->refcount = 0;
	m->nr_allocated -= 1u << order;
	m->vm.pgfree += 1u << order;
	for (uint32_t q = old; q < old + (1u << order); q++) {
		if (q >= s0 && q < e0)
			isolate_page(m, q);
		else
			free_to_buddy(m, z, q);
	}
	c->moves[c->nmoves].old_pfn = old;
	c->moves[c->nmoves].new_pfn = new_pfn;
	c->nmoves++;
	return 0;
}

/* alloc_contig_range(start, end, MIGRATE_CMA): 0, -EBUSY or -ENOMEM. */
static int alloc_contig_range(struct mmf_machine *m, uint32_t start, uint32_t end, unsigned cpu)
{
	struct mmf_cma_state *c = m->cma;
	struct mmf_zone *z = &m->zones[pfn_to_page(m, start)->zone];
	uint32_t pb = 1u << PAGEBLOCK_ORDER;
	uint32_t s0 = start & ~(pb - 1), e0 = (end + pb - 1) & ~(pb - 1);
	if (s0 < z->start_pfn)
		s0 = z->start_pfn;
	if (e0 > z->start_pfn + z->nr_pages)
		e0 = z->start_pfn + z->nr_pages;
	mmf_pcp_drain_zone(m, z);
	isolate_range(m, z, s0, e0);

	/* The blocks to move, and whether anything cannot. */
	uint32_t nwork = 0;
	for (uint32_t pfn = start; pfn < end;) {
		uint32_t h;
		unsigned o;
		enum blk k = block_at(m, pfn, &h, &o);
		const struct mmf_page *p = pfn_to_page(m, h);
		if (k == BLK_PAGE && (p->flags & PG_isolated)) {
			/* free, and ours now */
		} else if (k == BLK_ALLOC && movable(m, p)) {
			if (!MUTANT(m, CMA_BORROWED_NOT_MIGRATED))
				c->work[nwork++] = h;
		} else {
			unisolate_range(m, z, s0, e0);
			return -EBUSY;
		}
		pfn = h + (1u << o);
	}
	for (uint32_t i = 0; i < nwork; i++)
		if (migrate_block(m, z, c->work[i], cpu, s0, e0)) {
			unisolate_range(m, z, s0, e0);
			return -ENOMEM;
		}
	for (uint32_t pfn = start; pfn < end; pfn++) {
		if (!(pfn_to_page(m, pfn)->flags & PG_isolated))
			continue; /* only the mutant leaves a page behind */
		struct mmf_page *p = page_w(m, pfn);
		p->flags = (p->flags & ~PG_isolated) | PG_cma_alloc;
		p->refcount = 1;
		m->nr_allocated++;
	}
	unisolate_range(m, z, s0, e0);
	return 0;
}

/* bitmap_find_next_zero_area_off(); >= size when there is no such run. */
static uint32_t find_zero_area(const uint64_t *bm, uint32_t size, uint32_t start, uint32_t nr,
			       uint32_t mask, uint32_t offset)
{
	for (;;) {
		while (start < size && bit_test(bm, start))
			start++;
		uint32_t index = ((start + offset + mask) & ~mask) - offset;
		uint32_t end = index + nr;
		if (end > size || index >= size)
			return size;
		uint32_t i = index;
		while (i < end && !bit_test(bm, i))
			i++;
		if (i == end)
			return index;
		start = i + 1;
	}
}

enum mmf_result mmf_cma_alloc(struct mmf_machine *m, unsigned area, uint32_t count, unsigned align,
			      unsigned cpu, uint32_t *pfn_out, int *err)
{
	struct mmf_cma_state *c = m->cma;
	if (!c || area >= c->nr || !count || cpu >= m->prof->nr_cpus) {
		*err = EINVAL; /* cma_alloc(NULL, ...) or count 0: NULL */
		return MMF_REFUSED;
	}
	struct cma_area *a = &c->area[area];
	unsigned opb = a->d->order_per_bit;
	if (align > CMA_ALIGNMENT)
		align = CMA_ALIGNMENT;
	if (MUTANT(m, CMA_ALIGN_IGNORED))
		align = 0;
	uint32_t mask = align > opb ? (1u << (align - opb)) - 1 : 0;
	uint32_t offset = align > opb ? (a->d->base_pfn & ((1u << align) - 1)) >> opb : 0;
	uint32_t nbits = (uint32_t)(((uint64_t)count + (1u << opb) - 1) >> opb);
	uint32_t start = 0;
	int ret = -ENOMEM;
	c->nmoves = c->moves_read = 0;
	for (;;) {
		uint32_t no = nbits > a->nbits ? a->nbits : find_zero_area(a->bitmap, a->nbits, start, nbits, mask, offset);
		if (no >= a->nbits)
			break;
		uint32_t set = MUTANT(m, CMA_BITMAP_OFF_BY_ONE) && nbits > 1 ? nbits - 1 : nbits;
		for (uint32_t i = 0; i < set; i++)
			bit_put(a->bitmap, no + i, 1);
		c->used = 1;
		uint32_t pfn = a->d->base_pfn + (no << opb);
		ret = alloc_contig_range(m, pfn, pfn + count, cpu);
		if (ret == 0) {
			a->alloc_pages_success += count;
			c->alloc_success++;
			*pfn_out = pfn;
			return MMF_OK;
		}
		for (uint32_t i = 0; i < nbits; i++)
			bit_put(a->bitmap, no + i, 0);
		if (ret != -EBUSY)
			break;
		start = no + mask + 1;
	}
	a->alloc_pages_fail += count;
	c->alloc_fail++;
	*err = -ret;
	return MMF_REFUSED;
}

/* cma_release(): false (refused) for pages outside the area; a page in
 * the range that cma_alloc() did not hand out is a bad_page(). */
enum mmf_result mmf_cma_release(struct mmf_machine *m, unsigned area, uint32_t pfn, uint32_t count)
{
	struct mmf_cma_state *c = m->cma;
	if (!c || area >= c->nr)
		return MMF_REFUSED;
	struct cma_area *a = &c->area[area];
	if (!count || pfn < a->d->base_pfn || pfn - a->d->base_pfn >= a->d->count ||
	    count > a->d->base_pfn + a->d->count - pfn)
		return MMF_REFUSED;
	for (uint32_t q = pfn; q < pfn + count; q++) {
		const struct mmf_page *p = pfn_to_page(m, q);
		if (!(p->flags & PG_cma_alloc) || p->refcount != 1)
			return MMF_CORRUPT;
	}
	struct mmf_zone *z = &m->zones[pfn_to_page(m, pfn)->zone];
	uint32_t nfree = MUTANT(m, CMA_RELEASE_SHORT) && count > 1 ? count - 1 : count;
	for (uint32_t q = pfn; q < pfn + nfree; q++) {
		struct mmf_page *p = page_w(m, q);
		p->flags &= ~PG_cma_alloc;
		m->nr_allocated--;
		m->vm.pgfree++;
		free_to_buddy(m, z, q);
	}
	unsigned opb = a->d->order_per_bit;
	uint32_t no = (pfn - a->d->base_pfn) >> opb;
	uint32_t nbits = (uint32_t)(((uint64_t)count + (1u << opb) - 1) >> opb);
	for (uint32_t i = 0; i < nbits; i++)
		bit_put(a->bitmap, no + i, 0);
	a->release_pages_success += count;
	return MMF_OK;
}

unsigned mmf_cma_moves(struct mmf_machine *m, uint64_t *old_pfn, uint64_t *new_pfn, unsigned cap)
{
	struct mmf_cma_state *c = m->cma;
	unsigned n = 0;
	if (!c)
		return 0;
	while (n < cap && c->moves_read < c->nmoves) {
		old_pfn[n] = c->moves[c->moves_read].old_pfn;
		new_pfn[n] = c->moves[c->moves_read].new_pfn;
		c->moves_read++;
		n++;
	}
	return n;
}

/* get_page() on an allocated block's head by a second user. */
enum mmf_result mmf_page_pin(struct mmf_machine *m, uint32_t pfn)
{
	const struct mmf_page *p = pfn_to_page(m, pfn);
	if (pfn >= m->end_pfn || !(p->flags & PG_allocated) || p->refcount < 1)
		return MMF_CORRUPT;
	if (p->refcount >= MAX_PINS)
		return MMF_REFUSED;
	page_w(m, pfn)->refcount++;
	return MMF_OK;
}

/* put_page() of that second reference; the owner's stays. */
enum mmf_result mmf_page_unpin(struct mmf_machine *m, uint32_t pfn)
{
	const struct mmf_page *p = pfn_to_page(m, pfn);
	if (pfn >= m->end_pfn || !(p->flags & PG_allocated) || p->refcount < 2)
		return MMF_CORRUPT;
	page_w(m, pfn)->refcount--;
	return MMF_OK;
}

/* The bitmap agrees with the pages (a bit is set exactly when the first
 * page it covers was handed out, and no page of a clear bit was), and no
 * page touched since reset is an unmovable allocation inside an area. */
int mmf_cma_is_valid(const struct mmf_machine *m, char *msg, size_t cap)
{
	const struct mmf_cma_state *c = m->cma;
	if (!c)
		return 0;
	for (unsigned i = 0; c->used && i < c->nr; i++) {
		const struct cma_area *a = &c->area[i];
		unsigned opb = a->d->order_per_bit;
		for (uint32_t b = 0; b < a->nbits; b++) {
			uint32_t pfn = a->d->base_pfn + (b << opb);
			int set = bit_test(a->bitmap, b);
			if (set != !!(pfn_to_page(m, pfn)->flags & PG_cma_alloc))
				return mmf_fail(msg, cap, "cma_bitmap: %s bit %u is %s, pfn %u %s", a->d->name, b,
					        set ? "set" : "clear", pfn,
					        set ? "was not handed out" : "was handed out by cma_alloc");
			for (uint32_t q = pfn + 1; !set && q < pfn + (1u << opb); q++)
				if (pfn_to_page(m, q)->flags & PG_cma_alloc)
					return mmf_fail(msg, cap, "cma_bitmap: %s bit %u is clear, pfn %u was handed out",
						        a->d->name, b, q);
		}
	}
	for (uint32_t i = 0; i < m->nr_dirty; i++) {
		uint32_t pfn = m->dirty_list[i];
		const struct mmf_page *p = &m->mem_map[pfn];
		if (p->flags & PG_isolated)
			return mmf_fail(msg, cap, "cma_isolated: pfn %u is still isolated", pfn);
		if ((p->flags & PG_allocated) && !(p->flags & PG_movable) && is_cma_pfn(m, pfn))
			return mmf_fail(msg, cap, "cma_unmovable: unmovable block at pfn %u order %u inside a CMA area", pfn,
				        p->order);
		if ((p->flags & PG_cma_alloc) && !is_cma_pfn(m, pfn))
			return mmf_fail(msg, cap, "cma_bitmap: pfn %u outside every area is marked as cma_alloc'd", pfn);
	}
	return 0;
}

/* used and maxchunk as debugfs computes them: bits in pages. */
static void area_usage(const struct cma_area *a, uint64_t *used, uint64_t *maxchunk)
{
	uint32_t u = 0, run = 0, best = 0;
	for (uint32_t b = 0; b < a->nbits; b++) {
		if (bit_test(a->bitmap, b)) {
			u++;
			run = 0;
		} else if (++run > best) {
			best = run;
		}
	}
	*used = (uint64_t)u << a->d->order_per_bit;
	*maxchunk = (uint64_t)best << a->d->order_per_bit;
}

/* One line per area: debugfs's base_pfn, count, order_per_bit, used and
 * maxchunk (/sys/kernel/debug/cma/<name>/) and the sysfs page counters
 * (/sys/kernel/mm/cma/<name>/). */
int mmf_report_cma(const struct mmf_machine *m, char *buf, size_t cap)
{
	struct mmf_out o = { buf, cap, 0 };
	const struct mmf_cma_state *c = m->cma;
	if (c)
		mmf_out_put(&o, "# name       base_pfn    count order_per_bit     used maxchunk alloc_pages_success "
				"alloc_pages_fail release_pages_success\n");
	for (unsigned i = 0; c && i < c->nr; i++) {
		const struct cma_area *a = &c->area[i];
		uint64_t used, maxchunk;
		area_usage(a, &used, &maxchunk);
		mmf_out_put(&o, "%-10s %9u %8u %13u %8llu %8llu %19llu %16llu %21llu\n", a->d->name, a->d->base_pfn,
			    a->d->count, a->d->order_per_bit, (unsigned long long)used, (unsigned long long)maxchunk,
			    (unsigned long long)a->alloc_pages_success, (unsigned long long)a->alloc_pages_fail,
			    (unsigned long long)a->release_pages_success);
	}
	return mmf_out_finish(&o);
}

void mmf_cma_vmstat(const struct mmf_machine *m, uint64_t *success, uint64_t *fail_count)
{
	*success = m->cma ? m->cma->alloc_success : 0;
	*fail_count = m->cma ? m->cma->alloc_fail : 0;
}
