/* Machine profiles: fixed physical layouts, scaled down from real machines
 * so that random sequences reach exhaustion, watermarks and fallbacks. */
#include <string.h>

#include "mmfuzz/gfp.h"
#include "mmfuzz/profile.h"

const char *const mmf_zone_names[MMF_NR_ZONE_TYPES] = {
	"DMA", "DMA32", "Normal", "HighMem", "Movable",
};

#define ZT(t) (1u << MMF_ZONE_##t)

static const struct mmf_profile profiles[] = {
	{
		.name = "tiny",
		.summary = "16 MiB, one node, one zone (Normal), 2 cpus",
		.page_shift = 12,
		.nr_cpus = 2,
		.nr_nodes = 1,
		.nr_zones = 1,
		.zones = { { 0, MMF_ZONE_NORMAL, 0, 4096 } },
		.distance = { { 10 } },
		.configured_zone_types = ZT(NORMAL) | ZT(MOVABLE), /* ZONE_MOVABLE always exists */
		.pcp_batch = 8,
		.pcp_high = 48,
		.end_pfn = 4096,
	},
	{
		/* x86_64's zones scaled by 1/64 in the boundaries that matter:
		 * DMA 0-1 MiB, DMA32 1-64 MiB, Normal 64-96 MiB. DMA32 starts
		 * at an order-8 boundary, so order-9/10 blocks never cross. */
		.name = "x86_64",
		.summary = "96 MiB, one node, DMA 0-1M / DMA32 1-64M / Normal 64-96M, 4 cpus",
		.page_shift = 12,
		.nr_cpus = 4,
		.nr_nodes = 1,
		.nr_zones = 3,
		.zones = { { 0, MMF_ZONE_DMA, 0, 256 },
			   { 0, MMF_ZONE_DMA32, 256, 16128 },
			   { 0, MMF_ZONE_NORMAL, 16384, 8192 } },
		.distance = { { 10 } },
		.configured_zone_types = ZT(DMA) | ZT(DMA32) | ZT(NORMAL) | ZT(MOVABLE),
		.pcp_batch = 8,
		.pcp_high = 48,
		.end_pfn = 24576,
	},
	{
		.name = "numa2",
		.summary = "32 MiB, two nodes (distance 20): node0 DMA32 0-8M + Normal 8-16M, node1 Normal 16-32M, 2 cpus, 5-level page tables",
		.page_shift = 12,
		.nr_cpus = 2,
		.nr_nodes = 2,
		.nr_zones = 3,
		.zones = { { 0, MMF_ZONE_DMA32, 0, 2048 },
			   { 0, MMF_ZONE_NORMAL, 2048, 2048 },
			   { 1, MMF_ZONE_NORMAL, 4096, 4096 } },
		.distance = { { 10, 20 }, { 20, 10 } },
		.configured_zone_types = ZT(DMA32) | ZT(NORMAL) | ZT(MOVABLE),
		.pcp_batch = 8,
		.pcp_high = 48,
		.end_pfn = 8192,
		.pt_levels = 5, /* a large server: LA57 */
		.soft_dirty = 1, /* and a distribution kernel's CONFIG_MEM_SOFT_DIRTY */
	},
	{
		/* An arm64-like machine with CMA: the default global area
		 * ("reserved", the name dma_contiguous_reserve gives it) in
		 * low memory, half of DMA32, so movable requests borrow from it
		 * early (__rmqueue takes CMA first once it is more than half of
		 * the free pages); and a second, small area with two pages per
		 * bitmap bit in Normal, as a device-tree "shared-dma-pool"
		 * would add, borrowed from only when the rest runs out. */
		.name = "cma",
		.summary = "64 MiB, one node, DMA32 0-32M / Normal 32-64M, 2 cpus, CMA reserved 16M@16M and cma1 4M@48M (2 pages/bit)",
		.page_shift = 12,
		.nr_cpus = 2,
		.nr_nodes = 1,
		.nr_zones = 2,
		.zones = { { 0, MMF_ZONE_DMA32, 0, 8192 },
			   { 0, MMF_ZONE_NORMAL, 8192, 8192 } },
		.distance = { { 10 } },
		.configured_zone_types = ZT(DMA32) | ZT(NORMAL) | ZT(MOVABLE),
		.pcp_batch = 8,
		.pcp_high = 48,
		.end_pfn = 16384,
		.nr_cma = 2,
		.cma = { { "reserved", 4096, 4096, 0 }, { "cma1", 12288, 1024, 1 } },
	},
	{
		/* sparc64's 8 KiB pages for user address spaces (as QEMU's
		 * sparc64 guests have them): each user page and page-table
		 * page is an order-1 block, a table holds 1024 entries, four
		 * levels map 53 bits. Drawn only when asked for (it is last,
		 * so the other profiles' draws stay as they were). */
		.name = "sparc64",
		.summary = "32 MiB, one node, Normal only, 2 cpus, 8 KiB user pages (order-1 blocks of 4 KiB frames)",
		.page_shift = 12,
		.as_page_shift = 13,
		.nr_cpus = 2,
		.nr_nodes = 1,
		.nr_zones = 1,
		.zones = { { 0, MMF_ZONE_NORMAL, 0, 8192 } },
		.distance = { { 10 } },
		.configured_zone_types = ZT(NORMAL) | ZT(MOVABLE),
		.pcp_batch = 8,
		.pcp_high = 48,
		.end_pfn = 8192,
	},
	{
		/* For a page allocator that knows no zones: frames [0, N) in one
		 * zone that every GFP mask may use (no DMA or DMA32 is compiled
		 * in, so gfp_zone() reads them as Normal). Drawn only for an
		 * adapter with MMF_CAP_PAGE_FLAT, or when named. */
		.name = "flat",
		.summary = "32 MiB, one node, one zone, no zone rules: pfns [0, 8192), 2 cpus",
		.page_shift = 12,
		.nr_cpus = 2,
		.nr_nodes = 1,
		.nr_zones = 1,
		.zones = { { 0, MMF_ZONE_NORMAL, 0, 8192 } },
		.distance = { { 10 } },
		.configured_zone_types = ZT(NORMAL) | ZT(MOVABLE),
		.pcp_batch = 8,
		.pcp_high = 48,
		.end_pfn = 8192,
		.flat = 1,
	},
};

#define NR_PROFILES (sizeof(profiles) / sizeof(profiles[0]))

unsigned mmf_profile_count(void) { return NR_PROFILES; }

unsigned mmf_profile_as_shift(const struct mmf_profile *p) { return p->as_page_shift ? p->as_page_shift : p->page_shift; }

const struct mmf_profile *mmf_profile_get(unsigned idx)
{
	return idx < NR_PROFILES ? &profiles[idx] : NULL;
}

const struct mmf_profile *mmf_profile_find(const char *name, unsigned *idx)
{
	for (unsigned i = 0; i < NR_PROFILES; i++) {
		if (strcmp(profiles[i].name, name) == 0) {
			if (idx)
				*idx = i;
			return &profiles[i];
		}
	}
	return NULL;
}

int mmf_profile_zone_of(const struct mmf_profile *p, uint32_t pfn)
{
	for (unsigned i = 0; i < p->nr_zones; i++) {
		const struct mmf_zone_desc *z = &p->zones[i];
		if (pfn >= z->start_pfn && pfn - z->start_pfn < z->nr_pages)
			return (int)i;
	}
	return -1;
}

int mmf_profile_cma_of(const struct mmf_profile *p, uint32_t pfn)
{
	for (unsigned i = 0; i < p->nr_cma; i++)
		if (pfn >= p->cma[i].base_pfn && pfn - p->cma[i].base_pfn < p->cma[i].count)
			return (int)i;
	return -1;
}

/* GFP_ZONE_TABLE: DMA beats DMA32 beats HIGHMEM; MOVABLE with HIGHMEM
 * selects ZONE_MOVABLE, with nothing else the normal zone. A type the
 * kernel was built without falls back to ZONE_NORMAL (OPT_ZONE_*). */
enum mmf_zone_type mmf_profile_gfp_zone(const struct mmf_profile *p, uint32_t gfp)
{
	enum mmf_zone_type t;
	if (gfp & __GFP_DMA)
		t = MMF_ZONE_DMA;
	else if (gfp & __GFP_DMA32)
		t = MMF_ZONE_DMA32;
	else if ((gfp & (__GFP_HIGHMEM | __GFP_MOVABLE)) == (__GFP_HIGHMEM | __GFP_MOVABLE))
		t = MMF_ZONE_MOVABLE;
	else if (gfp & __GFP_HIGHMEM)
		t = MMF_ZONE_HIGHMEM;
	else
		t = MMF_ZONE_NORMAL;
	if (!(p->configured_zone_types & (1u << t)))
		t = MMF_ZONE_NORMAL;
	return t;
}
