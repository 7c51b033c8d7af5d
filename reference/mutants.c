/* The reference's seeded bugs: name, subsystem, and what goes wrong. */
#include <string.h>

#include "reference/mutants.h"

const struct mmf_mutant_desc mmf_reference_mutants[MMF_NR_MUTANTS - 1] = {
	{ "buddy_pfn_order3", "buddy", "__find_buddy_pfn adds 1<<order instead of xor for order >= 3" },
	{ "merge_stops_early", "buddy", "__free_one_page stops merging one order below the top (no order-10 blocks form)" },
	{ "pcp_high_off_by_one", "pcp", "free_unref_page trims when count > high instead of >= high" },
	{ "fallback_forbidden_zone", "zonelist", "the zonelist walk admits one zone type above gfp_zone()" },
	{ "atomic_reserve_ignored", "watermark", "__zone_watermark_ok ignores the __GFP_HIGH/atomic reserves" },
	{ "free_counted_twice", "buddy", "a merge reaching order 4 adds the block to NR_FREE_PAGES twice" },
	{ "zero_skips_tail", "page_alloc", "__GFP_ZERO clears only the first page of a high-order block" },
	{ "drain_loses_page", "pcp", "a pcp trim or drain that empties the list loses its last page" },
	{ "expand_wrong_half", "buddy", "expand hands out the upper half and frees the lower one" },
	{ "lowmem_reserve_ignored", "watermark", "__zone_watermark_ok ignores lowmem_reserve" },
	{ "vmalloc_no_guard_page", "vmalloc", "areas are placed without the guard page after them" },
	{ "vmalloc_overlap_at_end", "vmalloc", "the free-area search accepts a fit that runs one page past the free block's end" },
	{ "vmalloc_purge_twice", "vmalloc", "purging a lazily freed area gives its range back to the free tree twice" },
	{ "vmalloc_lazy_count_lost", "vmalloc", "vfree does not add to the lazy counter, so freed ranges are never purged" },
	{ "vmalloc_to_page_off_by_one", "vmalloc", "vmalloc_to_page answers with the page after the right one" },
};

int mmf_mutant_lookup(const char *name)
{
	if (!name || !*name)
		return MMF_MUT_NONE;
	for (unsigned i = 0; i < MMF_NR_MUTANTS - 1; i++)
		if (strcmp(mmf_reference_mutants[i].name, name) == 0)
			return (int)i + 1;
	return -1;
}
