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
	{ "slub_freelist_double_insert", "slub", "__slab_free pushes the object onto the slab's freelist twice when inuse is 2" },
	{ "kmalloc_class_96_192", "kmalloc", "kmalloc_index puts 97..128-byte requests in the 96-byte class" },
	{ "slub_partial_leak", "slub", "a full slab that gets a free object is put on no list (leaked)" },
	{ "slub_align_lost", "slub", "calculate_alignment ignores the requested alignment (always 8)" },
	{ "slub_min_partial_ignored", "slub", "empty slabs are never given back to the buddy" },
	{ "ksize_too_big", "kmalloc", "ksize reports 8 bytes more than the object's slot" },
	{ "krealloc_short_copy", "kmalloc", "krealloc copies only half of the old object" },
	{ "vmalloc_no_guard_page", "vmalloc", "areas are placed without the guard page after them" },
	{ "vmalloc_overlap_at_end", "vmalloc", "the free-area search accepts a fit that runs one page past the free block's end" },
	{ "vmalloc_purge_twice", "vmalloc", "purging a lazily freed area gives its range back to the free tree twice" },
	{ "vmalloc_lazy_count_lost", "vmalloc", "vfree does not add to the lazy counter, so freed ranges are never purged" },
	{ "vmalloc_to_page_off_by_one", "vmalloc", "vmalloc_to_page answers with the page after the right one" },
	{ "mempool_reserve_not_used", "mempool", "mempool_alloc never falls back to the reserve" },
	{ "mempool_free_skips_refill", "mempool", "mempool_free gives elements back to kfree even below min_nr" },
	{ "mempool_create_short", "mempool", "mempool_create fills min_nr - 1 elements" },
	{ "mempool_destroy_leaks", "mempool", "mempool_destroy forgets to free the reserve" },
	{ "mempool_reserve_fifo", "mempool", "the reserve hands out its oldest element instead of the newest" },
	{ "cma_borrowed_not_migrated", "cma", "alloc_contig_range hands out the range without migrating the movable pages borrowed in it" },
	{ "cma_bitmap_off_by_one", "cma", "cma_alloc marks one bit fewer than the allocation covers" },
	{ "cma_release_short", "cma", "cma_release frees count - 1 pages but clears the whole bitmap range" },
	{ "cma_align_ignored", "cma", "cma_alloc ignores the requested alignment" },
	{ "cma_lends_to_unmovable", "cma", "every request may borrow CMA pages (ALLOC_CMA without __GFP_MOVABLE)" },
	{ "cma_free_drift", "cma", "taking an order-0 block off a CMA free list leaves NR_FREE_CMA_PAGES as it was" },
	{ "cma_migrate_no_copy", "cma", "migration out of a CMA range moves the page without copying its contents" },
	{ "cma_migrates_pinned", "cma", "alloc_contig_range migrates pinned pages (the extra references are not counted)" },
	{ "vma_merge_ignores_account", "vma", "VMAs merge although one is VM_ACCOUNT and the other VM_NORESERVE" },
	{ "munmap_leaves_tail", "vma", "munmap over several VMAs leaves the last one mapped" },
	{ "mmap_noreplace_replaces", "vma", "MAP_FIXED_NOREPLACE over a mapping replaces it instead of failing with EEXIST" },
	{ "mprotect_split_off_by_one", "vma", "mprotect splits a VMA one page past the end of the range" },
	{ "mprotect_hole_ignored", "vma", "mprotect over a hole returns 0 instead of ENOMEM" },
	{ "pgtable_never_freed", "pgtable", "free_pgd_range frees no page-table pages" },
	{ "zap_skips_last_pte", "pgtable", "zapping a range of several pages leaves its last pte mapped" },
	{ "read_fault_allocates", "fault", "a read fault on anonymous memory allocates a page instead of mapping the zero page (on a kernel without the zero page, zero_page=0: maps it all the same)" },
	{ "mprotect_keeps_write", "fault", "mprotect removing PROT_WRITE leaves the ptes writable" },
	{ "fork_keeps_write", "fork", "fork copies private writable ptes without write-protecting them" },
	{ "cow_no_copy", "fault", "breaking COW gives a fresh page without copying the old contents" },
	{ "exit_leaks_pgd", "fork", "exit leaves the page tables and the pages they map behind" },
	{ "madv_dontneed_ignored", "vma", "MADV_DONTNEED keeps the pages (private memory reads its old data, not zeroes)" },
	{ "wipeonfork_copies", "fork", "fork copies a VM_WIPEONFORK VMA's pages into the child" },
	{ "brk_no_guard_page", "vma", "brk grows up to the next VMA without leaving a page free" },
	{ "mremap_loses_ptes", "vma", "mremap moving a VMA drops its pages instead of moving their ptes" },
	{ "truncate_keeps_cows", "file", "truncating a file leaves private copy-on-write copies past the new end mapped" },
	{ "mapcount_not_raised", "rmap", "mapping an existing page takes a reference but does not raise its mapcount" },
	{ "dontneed_drops_cache", "file", "MADV_DONTNEED on a shared file mapping drops the page cache too (zeroing the file)" },
	{ "fork_unchained_anon_vma", "rmap", "fork gives the child an anon_vma not chained to the parent's: rmap misses shared pages" },
	{ "fork_skips_pfn_ptes", "fork", "fork copies no ptes for a VM_PFNMAP VMA, whose faults cannot rebuild them" },
	{ "softdirty_not_cleared", "softdirty", "clear_refs 4 write-protects ptes but leaves their soft-dirty bits" },
	{ "softdirty_keeps_vma_flag", "softdirty", "clear_refs 4 leaves VM_SOFTDIRTY set, so every page still reads soft-dirty" },
	{ "vunmap_leaves_pte", "vmalloc", "vfree leaves the last page's kernel pte: the freed page stays reachable" },
	{ "mlock_no_populate", "vma", "mlock sets VM_LOCKED but faults no page in, as if every lock were MLOCK_ONFAULT" },
	{ "munlock_keeps_locked", "vma", "munlock and munlockall leave VM_LOCKED on the VMAs" },
	{ "mlock_hole_ignored", "vma", "mlock and munlock over a hole return 0 instead of ENOMEM" },
	{ "fork_keeps_mlock", "fork", "fork copies VM_LOCKED into the child's VMAs" },
	{ "mincore_anon_only", "vma", "mincore reports a file page not mapped here as absent although it is in the page cache" },
	{ "msync_invalidates_locked", "vma", "msync(MS_INVALIDATE) over a locked VMA succeeds instead of failing with EBUSY" },
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
