/* Machine profiles: the physical layout a sequence runs on (page size,
 * nodes and their distances, zones, per-cpu list sizes, reserves). Every
 * adapter is created for one profile; the binary header names it. */
#ifndef MMFUZZ_PROFILE_H
#define MMFUZZ_PROFILE_H

#include <stdint.h>

/* Zone types in Linux's order; a zone's index is its type. */
enum mmf_zone_type {
	MMF_ZONE_DMA,
	MMF_ZONE_DMA32,
	MMF_ZONE_NORMAL,
	MMF_ZONE_HIGHMEM,
	MMF_ZONE_MOVABLE,
	MMF_NR_ZONE_TYPES
};

#define MMF_MAX_NODES 4
#define MMF_MAX_CPUS 4
#define MMF_MAX_ZONES 8 /* zones over all nodes */
#define MMF_MAX_ORDER 11 /* orders 0..10; order 10 is 4 MiB at 4 KiB pages */

struct mmf_zone_desc {
	uint8_t node;
	uint8_t type; /* enum mmf_zone_type */
	uint32_t start_pfn;
	uint32_t nr_pages;
};

/* A CMA area (mm/cma.c): reserved at boot from the profile, handed to the
 * buddy as MIGRATE_CMA pageblocks that lend themselves to movable
 * allocations, and taken back whole by cma_alloc(). The model wants
 * base_pfn and count aligned to MAX_ORDER_NR_PAGES, so no buddy block ever
 * mixes CMA and other pages (Linux gets the same from its pageblock
 * migratetype checks). order_per_bit: one bitmap bit covers 2^k pages. */
#define MMF_MAX_CMA 4
struct mmf_cma_desc {
	const char *name;
	uint32_t base_pfn;
	uint32_t count;
	uint8_t order_per_bit;
};

struct mmf_profile {
	const char *name;
	const char *summary;
	unsigned page_shift;
	unsigned nr_cpus;
	unsigned nr_nodes;
	unsigned nr_zones;
	/* Zones sorted by start_pfn; within a node, by type. */
	struct mmf_zone_desc zones[MMF_MAX_ZONES];
	uint8_t distance[MMF_MAX_NODES][MMF_MAX_NODES];
	/* Bit per zone type compiled in (CONFIG_ZONE_DMA and friends):
	 * gfp_zone() maps an absent type to ZONE_NORMAL, as Linux does. */
	unsigned configured_zone_types;
	unsigned pcp_batch;
	unsigned pcp_high;
	uint32_t end_pfn;        /* one past the last pfn */
	unsigned pt_levels;      /* page-table levels: 4 (48-bit VA, the default) or 5 (57-bit) */
	unsigned soft_dirty;     /* CONFIG_MEM_SOFT_DIRTY: "sd" in smaps, bit 55 in pagemap */
	/* The page size of user address spaces, when it is larger than the
	 * frame (0: page_shift). A user page, and a page-table page, is then
	 * a buddy block of 2^(as_page_shift - page_shift) frames; VMAs,
	 * faults, fault-around, smaps and pagemap all count in these pages.
	 * The kernel's own side (slab, vmalloc, its page table) keeps
	 * page_shift. Such a profile is drawn only for an adapter whose
	 * pages have that size (MMF_CAP_AS_8K), or when named. */
	unsigned as_page_shift;
	/* CONFIG_CMA and its areas; nr_cma 0 reads as a kernel without CMA
	 * (no CmaTotal/CmaFree in meminfo, no CMA counters in vmstat). */
	unsigned nr_cma;
	struct mmf_cma_desc cma[MMF_MAX_CMA];
	/* The profile for zone-agnostic page allocators (MMF_CAP_PAGE_FLAT):
	 * one node, one zone over pfns [0, end_pfn), no zone rules. Drawn
	 * only for such adapters, or when named. */
	unsigned flat;
};

/* The CMA area holding pfn (index into p->cma), or -1. */
int mmf_profile_cma_of(const struct mmf_profile *p, uint32_t pfn);

unsigned mmf_profile_count(void);
/* log2 of a user page: as_page_shift, or page_shift when that is 0. */
unsigned mmf_profile_as_shift(const struct mmf_profile *p);
/* NULL when idx >= mmf_profile_count(). */
const struct mmf_profile *mmf_profile_get(unsigned idx);
/* Looks a profile up by name; sets *idx; NULL if unknown. */
const struct mmf_profile *mmf_profile_find(const char *name, unsigned *idx);

/* The zone (index into zones[]) holding pfn, or -1. */
int mmf_profile_zone_of(const struct mmf_profile *p, uint32_t pfn);
/* gfp_zone(): the highest zone type a request may use. */
enum mmf_zone_type mmf_profile_gfp_zone(const struct mmf_profile *p, uint32_t gfp);

extern const char *const mmf_zone_names[MMF_NR_ZONE_TYPES];

#endif
