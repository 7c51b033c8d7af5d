/* brk (mm/mmap.c's brk and do_brk_flags): the heap VMA grown or shrunk. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/textbuf.h"
#include "reference/internal.h"
#include "reference/vma.h"

/* brk(): the new break, or the old one when the request cannot be met
 * (below start_brk, or no free page left after the new end). Growing
 * extends the heap VMA (do_brk_flags) when it can merge, else makes one. */
uint64_t mmf_as_brk(struct mmf_machine *m, unsigned proc, uint64_t brk)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	if (!mm)
		return 0;
	m->as->used = 1;
	uint64_t page = AS_PAGE_SIZE;
	if (brk < mm->start_brk)
		return mm->brk;
	uint64_t newbrk = (brk + page - 1) & ~(page - 1), oldbrk = (mm->brk + page - 1) & ~(page - 1);
	if (newbrk == oldbrk) {
		mm->brk = brk;
		return brk;
	}
	if (brk <= mm->brk) {
		/* the heap VMA must be there to shrink: nothing in [newbrk,
		 * oldbrk) (unmapped by hand) leaves the break where it is */
		uint32_t h = mmf_vma_index(mm, newbrk);
		if (h >= mm->nr || mm->vma[h].start >= oldbrk)
			return mm->brk;
		if (mmf_vma_unmap_region(m, mm, newbrk, oldbrk))
			return mm->brk;
		mm->brk = brk;
		return brk;
	}
	/* the first VMA at or above the old break must leave a page free */
	uint32_t i = mmf_vma_index(mm, oldbrk);
	if (i < mm->nr && mm->vma[i].start < newbrk + (MUTANT(m, BRK_NO_GUARD_PAGE) ? 0 : page))
		return mm->brk;
	uint32_t flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT | mm->def_flags;
	if (!mmf_mlock_future_ok(m, mm, flags, newbrk - oldbrk))
		return mm->brk; /* check_brk_limits() */
	struct mmf_vma *prev = i > 0 ? &mm->vma[i - 1] : NULL;
	uint64_t npages = (newbrk - oldbrk) >> AS_PAGE_SHIFT;
	/* brkvma = vma_prev_limit(start_brk): the VMA before the old break
	 * if it reaches above start_brk */
	if (prev && prev->end > mm->start_brk &&
	    mmf_vma_merge_after(m, prev, oldbrk, flags, 0, 0, NULL, oldbrk >> AS_PAGE_SHIFT)) {
		prev->end = newbrk;
		prev->flags |= VM_SOFTDIRTY; /* do_brk_flags() */
	} else {
		struct mmf_vma v = { .start = oldbrk, .end = newbrk, .pgoff = oldbrk >> AS_PAGE_SHIFT,
				     .flags = flags | VM_SOFTDIRTY };
		if (mmf_vma_insert(mm, i, &v))
			return mm->brk;
	}
	mm->committed += npages;
	mmf_vm_stat_account(mm, flags, (int64_t)npages);
	if (flags & VM_LOCKED)
		mm->locked_vm += npages;
	mm->brk = brk;
	if (flags & VM_LOCKED) /* mm_populate() of the new part */
		mmf_mm_populate(m, proc, oldbrk, newbrk - oldbrk, 1);
	return brk;
}
