/* hugetlb (mm/hugetlb.c, fs/hugetlbfs): the pool of 2 MiB pages and its
 * reservations, and the MAP_HUGETLB mappings that use them.
 *
 * Glossary:
 *   hstate    the pool of one huge page size (the model has 2 MiB only)
 *   persistent  nr_huge_pages - surplus_huge_pages: what nr_hugepages set
 *   surplus   pages allocated past nr_hugepages, under
 *             nr_overcommit_hugepages; they go back to the buddy when freed
 *   resv      pages promised to mappings at mmap time and not yet faulted
 *             (HugePages_Rsvd); free - resv is what any other fault may take
 *   object    the hugetlbfs file behind one MAP_HUGETLB mmap (Linux's
 *             anon_hugepage inode): its resv_map, and for shared mappings
 *             its page cache
 *   owner     a private mapping's VMAs made by the mmap itself
 *             (HPAGE_RESV_OWNER): only they hold its reservations; a fork's
 *             child gets none, and may lose a page to its parent's COW
 *             (HPAGE_RESV_UNMAPPED: its next fault there is a SIGBUS)
 *
 * A huge page is an order-9 block from the buddy (GFP_HIGHUSER_MOVABLE,
 * __GFP_THISNODE per node when the pool grows) with PG_hugetlb on its head;
 * a user page table maps it with one PMD leaf (PTE_PS). Its 512 frames
 * keep their own tokens and bytes, as any user page does. */
#ifndef MMF_REFERENCE_HUGETLB_H
#define MMF_REFERENCE_HUGETLB_H

#include <stdint.h>

#include "mmfuzz/ops.h"
#include "mmfuzz/profile.h"

#define HUGE_ORDER 9u
#define HUGE_NR (1u << HUGE_ORDER)
#define HUGE_SIZE (2ull << 20)
#define HUGE_MASK (~(HUGE_SIZE - 1))
/* Objects at once (a sequence's MAP_HUGETLB mmaps whose VMAs live), and
 * huge pages per object: the window holds 8. */
#define MMF_HUGE_OBJS 64
#define HUGE_OBJ_PAGES (MMF_AS_WINDOW_PAGES / HUGE_NR)

/* vma->huge_flags, as hugetlb.c's vm_private_data bits */
#define HPAGE_RESV_OWNER 1u
#define HPAGE_RESV_UNMAPPED 2u

struct huge_obj {
	uint16_t users;  /* VMAs that map it; 0: the slot is free (unless dying) */
	uint8_t shared;  /* MAP_SHARED: its pages live in page[] */
	uint8_t npages;  /* i_size in huge pages */
	uint8_t dying;   /* its last VMA closed inside an mmap: the file goes when the call returns */
	uint32_t page[HUGE_OBJ_PAGES]; /* shared: the page cache (head pfns, MMF_NIL: a hole) */
	uint8_t resv[HUGE_OBJ_PAGES];  /* a reservation is held for this index, not yet used */
};

struct mmf_hstate {
	uint32_t nr, free, surplus, overcommit; /* nr_huge_pages, free_, surplus_, nr_overcommit_ */
	/* resv_huge_pages: unsigned long in Linux, and it wraps as Linux's
	 * does (HugePages_Rsvd 18446744073709551615) when an owner closes
	 * a VMA whose page a fork's child still maps with its reservation
	 * to be restored at the free */
	uint64_t resv;
	uint32_t nr_node[MMF_MAX_NODES], free_node[MMF_MAX_NODES], surplus_node[MMF_MAX_NODES];
	uint32_t freelist[MMF_MAX_NODES]; /* hugepage_freelists: head pfns linked by page->next, MMF_NIL ends */
	uint8_t next_nid_to_alloc, next_nid_to_free;
	uint64_t alloc_success, alloc_fail; /* htlb_buddy_alloc_success/fail */
	/* what a report shows of a sequence's reach (struct mmf_depth) */
	uint32_t faults, cow, reservations, surplus_allocs;
	/* inside mmap_huge: a file whose last VMA closes is released (its
	 * page cache and unused reservations) when the call returns, as the
	 * kernel's deferred fput() does */
	uint8_t defer_release;
	struct huge_obj obj[MMF_HUGE_OBJS + 1]; /* by id; 0 unused */
};

#endif
