/* Zone set-up and the watermark test: min/low/high per zone from
 * min_free_kbytes, lowmem_reserve from the reserve ratios, fallback
 * zonelists by node distance, and __zone_watermark_ok(). */
#include "reference/mm.h"

/* sysctl_lowmem_reserve_ratio defaults: DMA 256, DMA32 256, Normal 32;
 * 0 means the zone keeps nothing back. */
static const unsigned lowmem_reserve_ratio[MMF_NR_ZONE_TYPES] = { 256, 256, 32, 0, 0 };

static unsigned int_sqrt(unsigned long x)
{
	unsigned long r = 0;
	while ((r + 1) * (r + 1) <= x)
		r++;
	return (unsigned)r;
}

/* min_free_kbytes = sqrt(lowmem_kbytes * 16), clamped to [128, 262144]. */
static uint32_t min_free_pages(const struct mmf_machine *m)
{
	unsigned long lowmem_kb = 0;
	unsigned kb_per_page = 1u << (m->prof->page_shift - 10);
	for (unsigned i = 0; i < m->nr_zones; i++)
		if (m->zones[i].type <= MMF_ZONE_NORMAL)
			lowmem_kb += (unsigned long)m->zones[i].nr_pages * kb_per_page;
	unsigned long kb = int_sqrt(lowmem_kb * 16);
	if (kb < 128)
		kb = 128;
	if (kb > 262144)
		kb = 262144;
	return (uint32_t)(kb / kb_per_page);
}

/* __setup_per_zone_wmarks(): min in proportion to the zone's share of
 * lowmem (zones up to Normal); HighMem and Movable zones get a small fixed
 * min, managed/1024 clamped to [32, 128]. low, high and promo each a step
 * above, the step being the larger of a quarter of the proportional share
 * (for HighMem and Movable too: Linux caps only their min) and
 * watermark_scale_factor (10 = 0.1%) of the zone. */
static void setup_wmarks(struct mmf_machine *m)
{
	uint32_t pages_min = min_free_pages(m);
	uint64_t lowmem = 0;
	for (unsigned i = 0; i < m->nr_zones; i++)
		if (m->zones[i].type <= MMF_ZONE_NORMAL)
			lowmem += m->zones[i].nr_pages;
	for (unsigned i = 0; i < m->nr_zones; i++) {
		struct mmf_zone *z = &m->zones[i];
		uint32_t share = lowmem ? (uint32_t)((uint64_t)pages_min * z->nr_pages / lowmem) : 0, tmp = share;
		if (z->type > MMF_ZONE_NORMAL || !lowmem) {
			tmp = z->nr_pages / 1024;
			tmp = tmp < 32 ? 32 : tmp > 128 ? 128 : tmp;
		}
		uint32_t step = share >> 2;
		uint32_t scale = (uint32_t)((uint64_t)z->nr_pages * 10 / 10000);
		if (scale > step)
			step = scale;
		z->wmark[WMARK_MIN] = tmp;
		z->wmark[WMARK_LOW] = tmp + step;
		z->wmark[WMARK_HIGH] = tmp + 2 * step;
		z->wmark[WMARK_PROMO] = tmp + 3 * step;
	}
}

/* setup_per_zone_lowmem_reserve(): a lower zone keeps back, against a
 * request that could have used zones up to type j, the managed pages of
 * the zones above it on its node up to j, divided by its ratio. */
static void setup_lowmem_reserve(struct mmf_machine *m)
{
	for (unsigned i = 0; i < m->nr_zones; i++) {
		struct mmf_zone *z = &m->zones[i];
		unsigned ratio = lowmem_reserve_ratio[z->type];
		uint64_t above = 0;
		for (unsigned j = z->type + 1; j < MMF_NR_ZONE_TYPES; j++) {
			for (unsigned k = 0; k < m->nr_zones; k++)
				if (m->zones[k].node == z->node && m->zones[k].type == j)
					above += m->zones[k].nr_pages;
			z->lowmem_reserve[j] = ratio ? (uint32_t)(above / ratio) : 0;
		}
	}
}

/* build_zonelists() with find_next_best_node(): the local node first, then
 * by distance, a node below the local one counting one further (Linux's
 * tie-break), then by id; each node's zones from the highest type down. */
static void setup_zonelists(struct mmf_machine *m)
{
	const struct mmf_profile *p = m->prof;
	for (unsigned nid = 0; nid < p->nr_nodes; nid++) {
		unsigned order[MMF_MAX_NODES], key[MMF_MAX_NODES], n = 0;
		for (unsigned k = 0; k < p->nr_nodes; k++) {
			order[n] = k;
			key[n++] = k == nid ? 0 : p->distance[nid][k] + (k < nid) + 1;
		}
		for (unsigned a = 1; a < n; a++) /* insertion sort: stable, so ties keep id order */
			for (unsigned b = a; b > 0 && key[b] < key[b - 1]; b--) {
				unsigned t = key[b];
				key[b] = key[b - 1];
				key[b - 1] = t;
				t = order[b];
				order[b] = order[b - 1];
				order[b - 1] = t;
			}
		unsigned len = 0;
		for (unsigned k = 0; k < n; k++)
			for (int t = MMF_NR_ZONE_TYPES - 1; t >= 0; t--)
				for (unsigned zi = 0; zi < m->nr_zones; zi++)
					if (m->zones[zi].node == order[k] && m->zones[zi].type == (unsigned)t)
						m->zonelist[nid][len++] = (uint8_t)zi;
		m->zonelist_len[nid] = (uint8_t)len;
	}
}

void mmf_zone_setup(struct mmf_machine *m)
{
	setup_wmarks(m);
	setup_lowmem_reserve(m);
	setup_zonelists(m);
}

/* __zone_watermark_ok(). __GFP_HIGH (ALLOC_MIN_RESERVE) may dip into half
 * of min; a non-blocking one (GFP_ATOMIC) a further quarter of what is
 * left, so GFP_ATOMIC stops at 3/8 of min (mm/page_alloc.c; the seed notes
 * round this to "a quarter"). GFP_NOWAIT gets no reserve at all.
 * Free CMA pages count only for requests that may take them (ALLOC_CMA). */
int mmf_zone_watermark_ok(const struct mmf_machine *m, const struct mmf_zone *z,
			  unsigned order, uint32_t mark, unsigned highest_zoneidx,
			  unsigned alloc_flags)
{
	int64_t min = mark;
	int64_t free_pages = (int64_t)z->nr_free_pages - ((1 << order) - 1);
	/* Free CMA pages do not count for a request that may not use them. */
	if (!(alloc_flags & ALLOC_CMA))
		free_pages -= z->nr_free_cma;

	if ((alloc_flags & ALLOC_RESERVES) && !MUTANT(m, ATOMIC_RESERVE_IGNORED)) {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	uint32_t reserve = MUTANT(m, LOWMEM_RESERVE_IGNORED) ? 0 : z->lowmem_reserve[highest_zoneidx];
	if (free_pages <= min + reserve)
		return 0;
	if (order == 0)
		return 1;
	for (unsigned o = order; o < MMF_MAX_ORDER; o++) {
		const struct mmf_free_area *area = &z->free_area[o];
		if (area->nr_free > area->nr_cma || ((alloc_flags & ALLOC_CMA) && area->nr_cma))
			return 1;
	}
	return 0;
}

unsigned mmf_zonelist_nodes(const struct mmf_machine *m, unsigned nid, unsigned highest, mmf_gfp_t gfp, uint8_t *nodes)
{
	unsigned n = 0;
	uint8_t done = 0;
	for (unsigned i = 0; i < m->zonelist_len[nid]; i++) {
		const struct mmf_zone *z = &m->zones[m->zonelist[nid][i]];
		if (z->type > highest || (done & (1u << z->node)) || ((gfp & __GFP_THISNODE) && z->node != nid))
			continue;
		done |= (uint8_t)(1u << z->node);
		nodes[n++] = z->node;
	}
	return n;
}
