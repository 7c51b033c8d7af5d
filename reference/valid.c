/* buddy_is_valid(): the full walk, and the cheap per-op check.
 * A failure names its invariant in a tag ("buddy_unmerged: ..."), which
 * becomes the check part of a finding's signature. */
#include <stdarg.h>
#include <stdio.h>

#include "reference/mm.h"
#include "reference/internal.h"

static int in_zone(const struct mmf_zone *z, uint32_t pfn)
{
	return pfn >= z->start_pfn && pfn - z->start_pfn < z->nr_pages;
}

/* Marks [pfn, pfn + n) as accounted for in the scratch bitmap; a frame
 * marked twice is a frame two owners believe they have. Whole words at a
 * time where the block allows, since the walk visits every frame. */
static int account(const struct mmf_machine *m, const struct mmf_zone *z,
		   uint32_t pfn, uint32_t n, const char *what, char *msg, size_t cap)
{
	if (!in_zone(z, pfn) || !in_zone(z, pfn + n - 1))
		return mmf_fail(msg, cap, "buddy_bounds: %s block pfn %u+%u leaves zone %s",
			        what, pfn, n, mmf_zone_names[z->type]);
	uint64_t *bm = m->scratch;
	for (uint32_t p = pfn; p < pfn + n;) {
		uint32_t bit = p & 63, take = 64 - bit;
		if (take > pfn + n - p)
			take = pfn + n - p;
		uint64_t mask = (take == 64 ? ~0ull : ((1ull << take) - 1)) << bit;
		uint64_t dup = bm[p >> 6] & mask;
		if (dup)
			return mmf_fail(msg, cap, "buddy_accounting: pfn %u in %s block %u is already accounted",
				        (p & ~63u) + (uint32_t)__builtin_ctzll(dup), what, pfn);
		bm[p >> 6] |= mask;
		p += take;
	}
	return 0;
}

static int accounted(const struct mmf_machine *m, uint32_t pfn)
{
	return (m->scratch[pfn >> 6] >> (pfn & 63)) & 1;
}

static int walk_list(const struct mmf_machine *m, const struct mmf_list *l,
		     uint32_t *count, char *msg, size_t cap)
{
	uint32_t prev = MMF_NIL, n = 0;
	for (uint32_t pfn = l->head; pfn != MMF_NIL; pfn = m->mem_map[pfn].next) {
		if (pfn >= m->end_pfn)
			return mmf_fail(msg, cap, "list_links: pfn %u out of range", pfn);
		if (m->mem_map[pfn].prev != prev)
			return mmf_fail(msg, cap, "list_links: pfn %u prev %u, expected %u",
				        pfn, m->mem_map[pfn].prev, prev);
		prev = pfn;
		if (++n > m->end_pfn)
			return mmf_fail(msg, cap, "list_links: cycle through pfn %u", pfn);
	}
	if (l->tail != prev)
		return mmf_fail(msg, cap, "list_links: tail %u, last entry %u", l->tail, prev);
	*count = n;
	return 0;
}

static int scan_page(const struct mmf_machine *m, uint32_t pfn, uint64_t *allocated,
		     char *msg, size_t cap)
{
	const struct mmf_page *p = &m->mem_map[pfn];
	if (p->zone == 0xff)
		return 0;
	const struct mmf_zone *z = &m->zones[p->zone];
	if (p->flags & PG_cma_alloc) {
		if (p->flags & (PG_allocated | PG_buddy | PG_pcp) || p->refcount != 1)
			return mmf_fail(msg, cap, "cma_page: pfn %u handed out by cma_alloc has flags %#x refcount %d",
				        pfn, p->flags, p->refcount);
		if (account(m, z, pfn, 1, "cma_alloc'd", msg, cap))
			return -1;
		*allocated += 1;
	} else if (p->flags & PG_allocated) {
		if (pfn & ((1u << p->order) - 1))
			return mmf_fail(msg, cap, "alloc_alignment: block pfn %u not aligned to order %u", pfn, p->order);
		/* the owner's reference, plus pins (a free hugetlb page has none:
		 * the pool's own count holds it, hugetlb.c's walker checks it) */
		if (p->refcount < ((p->flags & PG_hugetlb) ? 0 : 1))
			return mmf_fail(msg, cap, "page_refcount: allocated pfn %u refcount %d", pfn, p->refcount);
		if (account(m, z, pfn, 1u << p->order, "allocated", msg, cap))
			return -1;
		*allocated += 1u << p->order;
	} else if ((p->flags & PG_buddy) && !accounted(m, pfn)) {
		return mmf_fail(msg, cap, "buddy_flags: pfn %u marked free but on no list", pfn);
	}
	return 0;
}

static int buddy_walk(const struct mmf_machine *m, int exhaustive, char *msg, size_t cap)
{
	memset(m->scratch, 0, ((m->end_pfn + 63) / 64) * sizeof(uint64_t));
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct mmf_zone *z = &m->zones[zi];
		uint64_t free_pages = 0, free_cma = 0;
		for (unsigned o = 0; o < MMF_MAX_ORDER; o++) {
			const struct mmf_free_area *area = &z->free_area[o];
			uint32_t n, ncma;
			if (walk_list(m, &area->list, &n, msg, cap) || walk_list(m, &area->cma, &ncma, msg, cap))
				return -1;
			if (n + ncma != area->nr_free || ncma != area->nr_cma)
				return mmf_fail(msg, cap, "buddy_counters: zone %s order %u lists hold %u + %u CMA, nr_free %u (%u CMA)",
					        mmf_zone_names[z->type], o, n, ncma, area->nr_free, area->nr_cma);
			for (int cl = 0; cl < 2; cl++)
			for (uint32_t pfn = cl ? area->cma.head : area->list.head; pfn != MMF_NIL; pfn = m->mem_map[pfn].next) {
				const struct mmf_page *p = &m->mem_map[pfn];
				if (is_cma_pfn(m, pfn) != cl)
					return mmf_fail(msg, cap, "cma_list: free block pfn %u order %u on the %s list", pfn, o,
						        cl ? "CMA" : "ordinary");
				if (!(p->flags & PG_buddy) || p->order != o ||
				    (p->flags & (PG_pcp | PG_allocated | PG_slab | PG_large_kmalloc)))
					return mmf_fail(msg, cap, "buddy_flags: pfn %u on order-%u list has flags %#x order %u",
						        pfn, o, p->flags, p->order);
				if (pfn & ((1u << o) - 1))
					return mmf_fail(msg, cap, "buddy_alignment: free block pfn %u not aligned to order %u", pfn, o);
				if (p->flags & (PG_cma_alloc | PG_isolated))
					return mmf_fail(msg, cap, "buddy_flags: free pfn %u has flags %#x", pfn, p->flags);
				if (account(m, z, pfn, 1u << o, "free", msg, cap))
					return -1;
				if (o < MMF_MAX_ORDER - 1) {
					uint32_t b = pfn ^ (1u << o);
					if (in_zone(z, b) && (m->mem_map[b].flags & PG_buddy) && m->mem_map[b].order == o)
						return mmf_fail(msg, cap, "buddy_unmerged: free buddies %u and %u of order %u",
							        pfn < b ? pfn : b, pfn < b ? b : pfn, o);
				}
			}
			free_pages += (uint64_t)(n + ncma) << o;
			free_cma += (uint64_t)ncma << o;
		}
		if (free_pages != z->nr_free_pages)
			return mmf_fail(msg, cap, "buddy_counters: zone %s NR_FREE_PAGES %u, lists hold %llu",
				        mmf_zone_names[z->type], z->nr_free_pages, (unsigned long long)free_pages);
		if (free_cma != z->nr_free_cma)
			return mmf_fail(msg, cap, "cma_counters: zone %s NR_FREE_CMA_PAGES %u, CMA lists hold %llu",
				        mmf_zone_names[z->type], z->nr_free_cma, (unsigned long long)free_cma);
		for (unsigned c = 0; c < m->prof->nr_cpus; c++) {
			const struct mmf_pcp *pcp = &z->pcp[c];
			uint32_t n;
			if (walk_list(m, &pcp->list, &n, msg, cap))
				return -1;
			if (n != pcp->count)
				return mmf_fail(msg, cap, "pcp_counters: zone %s cpu %u list holds %u, count %u",
					        mmf_zone_names[z->type], c, n, pcp->count);
			if (pcp->count >= pcp->high)
				return mmf_fail(msg, cap, "pcp_high: zone %s cpu %u count %u reached high %u",
					        mmf_zone_names[z->type], c, pcp->count, pcp->high);
			for (uint32_t pfn = pcp->list.head; pfn != MMF_NIL; pfn = m->mem_map[pfn].next) {
				const struct mmf_page *p = &m->mem_map[pfn];
				if (!(p->flags & PG_pcp) || (p->flags & (PG_buddy | PG_allocated)))
					return mmf_fail(msg, cap, "pcp_flags: pfn %u on pcp list has flags %#x", pfn, p->flags);
				if (account(m, z, pfn, 1, "pcp", msg, cap))
					return -1;
			}
		}
	}
	/* Allocated blocks and stray free marks are found by their flags. Every
	 * change to a struct page goes through page_w(), which logs the pfn for
	 * reset, and the boot image was walked exhaustively at init; so pages
	 * off the dirty list still hold their valid boot state, and looking at
	 * the dirty ones is exact. The exhaustive walk looks at every page. */
	uint64_t allocated = 0;
	uint32_t n = exhaustive ? m->end_pfn : m->nr_dirty;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t pfn = exhaustive ? i : m->dirty_list[i];
		if (scan_page(m, pfn, &allocated, msg, cap))
			return -1;
	}
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct mmf_zone *z = &m->zones[zi];
		for (uint32_t pfn = z->start_pfn; pfn < z->start_pfn + z->nr_pages;) {
			if ((pfn & 63) == 0 && pfn + 64 <= z->start_pfn + z->nr_pages && m->scratch[pfn >> 6] == ~0ull) {
				pfn += 64;
				continue;
			}
			if (!accounted(m, pfn))
				return mmf_fail(msg, cap, "buddy_accounting: pfn %u is neither free, on a pcp list nor allocated", pfn);
			pfn++;
		}
	}
	if (allocated != m->nr_allocated)
		return mmf_fail(msg, cap, "alloc_counters: %llu pages allocated, counter says %u",
			        (unsigned long long)allocated, m->nr_allocated);
	return 0;
}

int mmf_buddy_is_valid(const struct mmf_machine *m, char *msg, size_t cap)
{
	return buddy_walk(m, 0, msg, cap);
}

int mmf_buddy_is_valid_exhaustive(const struct mmf_machine *m, char *msg, size_t cap)
{
	return buddy_walk(m, 1, msg, cap);
}

/* Counters agree in every zone whose lists changed since the last call
 * (O(orders) each), no pcp list reached high, and every page is somewhere:
 * free + pcp + allocated = managed (O(zones x cpus)). */
int mmf_buddy_cheap_check(struct mmf_machine *m, char *msg, size_t cap)
{
	uint64_t total = m->nr_allocated;
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct mmf_zone *z = &m->zones[zi];
		if (m->touched_zones & (1u << zi)) {
			uint64_t free_pages = 0, free_cma = 0;
			for (unsigned o = 0; o < MMF_MAX_ORDER; o++) {
				free_pages += (uint64_t)z->free_area[o].nr_free << o;
				free_cma += (uint64_t)z->free_area[o].nr_cma << o;
			}
			if (free_pages != z->nr_free_pages)
				return mmf_fail(msg, cap, "buddy_counters: zone %s NR_FREE_PAGES %u, nr_free sums to %llu",
					        mmf_zone_names[z->type], z->nr_free_pages, (unsigned long long)free_pages);
			if (free_cma != z->nr_free_cma)
				return mmf_fail(msg, cap, "cma_counters: zone %s NR_FREE_CMA_PAGES %u, CMA nr_free sums to %llu",
					        mmf_zone_names[z->type], z->nr_free_cma, (unsigned long long)free_cma);
		}
		total += z->nr_free_pages;
		for (unsigned c = 0; c < m->prof->nr_cpus; c++) {
			if (z->pcp[c].count >= z->pcp[c].high)
				return mmf_fail(msg, cap, "pcp_high: zone %s cpu %u count %u reached high %u",
					        mmf_zone_names[z->type], c, z->pcp[c].count, z->pcp[c].high);
			total += z->pcp[c].count;
		}
	}
	m->touched_zones = 0;
	if (total != m->managed_pages)
		return mmf_fail(msg, cap, "buddy_conservation: free + pcp + allocated = %llu, managed %u",
			        (unsigned long long)total, m->managed_pages);
	return 0;
}
