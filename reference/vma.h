/* The VMA layer's own vocabulary (reference/vma.c), shared by the files of
 * the system calls built on it: mmap.c, mprotect.c, madvise.c, brk.c,
 * mremap.c, mlock.c. Indices are into mm->vma, sorted by address. */
#ifndef MMF_REFERENCE_VMA_H
#define MMF_REFERENCE_VMA_H

#include "reference/as.h"

#define PAGES(v) (((v)->end - (v)->start) >> AS_PAGE_SHIFT)

/* PROT_* bits as vm_flags. */
static inline uint32_t mmf_prot_to_flags(unsigned prot)
{
	return (prot & 1 ? VM_READ : 0) | (prot & 2 ? VM_WRITE : 0) | (prot & 4 ? VM_EXEC : 0);
}

/* The process an mm belongs to. */
unsigned mmf_mm_proc(const struct mmf_machine *m, const struct mmf_mm *mm);
/* The array's edits: 0, or -1 out of memory. Splitting VMA i at `at`
 * makes [start, at) VMA i and [at, end) VMA i + 1. */
int mmf_vma_insert(struct mmf_mm *mm, uint32_t i, const struct mmf_vma *v);
void mmf_vma_remove(struct mmf_mm *mm, uint32_t i);
int mmf_vma_split(struct mmf_machine *m, struct mmf_mm *mm, uint32_t i, uint64_t at);
/* Merging: may a range with these properties (from VMA src, or new)
 * join prev from above, or next from below; may prev and next both join
 * it (their anon_vmas agree); a merged VMA's anon_vma. */
int mmf_vma_merge_after(const struct mmf_machine *m, const struct mmf_vma *prev, uint64_t start, uint32_t flags,
			uint32_t shmem, uint32_t anon_vma, const struct mmf_vma *src, uint64_t pgoff);
int mmf_vma_merge_before(const struct mmf_machine *m, const struct mmf_vma *next, uint64_t end, uint32_t flags,
			 uint32_t shmem, uint32_t anon_vma, const struct mmf_vma *src, uint64_t pgoff, uint64_t npages);
int mmf_vma_anon_both_ok(const struct mmf_vma *prev, const struct mmf_vma *next);
void mmf_vma_inherit_anon(struct mmf_vma *dst, const struct mmf_vma *src);
/* [start, end), where no VMA is, becomes mapped: merged into a neighbour
 * or a VMA of its own. 0, or -1 out of memory. */
int mmf_vma_map_range(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end, uint32_t flags,
		      uint64_t pgoff, uint32_t shmem, uint32_t anon_vma, uint8_t chain);
/* vm_stat_account(): total_vm and data_vm. */
void mmf_vm_stat_account(struct mmf_mm *mm, uint32_t flags, int64_t npages);
/* do_vmi_align_munmap(): [start, end) unmapped, its VMAs gone, their
 * tables freed between the neighbours that stay. 0, or -1 out of memory. */
int mmf_vma_unmap_region(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end);
/* No VMA in [addr, end)? */
int mmf_vma_range_free(struct mmf_mm *mm, uint64_t addr, uint64_t end);
/* vm_unmapped_area() top down: the highest free range of len below
 * mmap_base, or 0. */
uint64_t mmf_vma_topdown(const struct mmf_mm *mm, uint64_t len);

#endif
