/* mprotect (mm/mprotect.c): each VMA of the range takes the new
 * protection, its ptes changed with it; ENOMEM at a hole, what came before
 * it staying changed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/textbuf.h"
#include "reference/internal.h"
#include "reference/vma.h"

/* mprotect_fixup() for the part [start, end) of VMA i: the new flags, then
 * a merge with a neighbour, or splits. 0, or -1 when out of memory. */
static int mprotect_fixup(struct mmf_machine *m, unsigned proc, struct mmf_mm *mm, uint32_t i, uint64_t start,
			  uint64_t end, uint32_t newflags)
{
	struct mmf_vma *v = &mm->vma[i];
	uint32_t oldflags = v->flags;
	uint64_t npages = (end - start) >> AS_PAGE_SHIFT;
	if (newflags == oldflags)
		return 0; /* before any accounting, as in Linux */
	if ((oldflags & VM_HUGETLB) &&
	    ((start > v->start && (start & ~HUGE_MASK)) || (end < v->end && (end & ~HUGE_MASK))))
		return -EINVAL; /* vma_modify_flags() cannot split it there */
	if (newflags & VM_WRITE) {
		if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE | VM_HUGETLB))) {
			newflags |= VM_ACCOUNT;
			mm->committed += npages;
		}
	} else if ((oldflags & VM_ACCOUNT) && !v->shmem && !v->anon_vma) {
		/* Linux 6.x gives the charge back when a never-faulted private
		 * mapping stops being writable. */
		newflags &= ~VM_ACCOUNT;
		mm->committed -= npages;
	}
	if (newflags == oldflags)
		return 0;
	if (((newflags ^ oldflags) & VM_ACCESS_FLAGS) && (oldflags & VM_HUGETLB))
		mmf_hugetlb_change_protection(m, mm, start, end, newflags);
	else if ((newflags ^ oldflags) & VM_ACCESS_FLAGS)
		mmf_as_change_protection(m, mm, start, end, newflags);
	if (mmf_vma_modify_flags(m, mm, i, start, end, newflags))
		return -1;
	/* mlocked private memory made writable: COW broken now */
	const struct mmf_vma *nv = mmf_vma_find(mm, start); /* none only in a VMA set a mutant broke */
	if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED && (newflags & VM_WRITE) && nv)
		mmf_vma_populate(m, proc, nv, start, end);
	return 0;
}

int mmf_as_mprotect(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, int *err)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	if (addr & (AS_PAGE_SIZE - 1)) {
		*err = EINVAL;
		return -1;
	}
	if (!len)
		return 0;
	len = (len + AS_PAGE_SIZE - 1) & ~(AS_PAGE_SIZE - 1);
	uint64_t end = addr + len;
	m->as->used = 1;
	uint32_t i = mmf_vma_index(mm, addr);
	if (i >= mm->nr || mm->vma[i].start > addr) {
		*err = ENOMEM; /* nothing changed */
		return -1;
	}
	uint32_t newbits = mmf_prot_to_flags(prot);
	uint64_t nstart = addr;
	for (;;) {
		struct mmf_vma *v = &mm->vma[i];
		uint32_t newflags = (v->flags & ~VM_ACCESS_FLAGS) | newbits;
		uint64_t tmp = v->end < end ? v->end : end;
		int r = mprotect_fixup(m, proc, mm, i, nstart, tmp, newflags);
		if (r) {
			*err = r == -EINVAL ? EINVAL : ENOMEM;
			return -1;
		}
		/* on from the end of the VMA that now holds tmp - 1: a merge with
		 * the next VMA (already so) may have taken it past tmp, as the
		 * kernel's vma_iter_end() does */
		nstart = mm->vma[mmf_vma_index(mm, tmp - 1)].end;
		if (nstart >= end)
			return 0;
		i = mmf_vma_index(mm, nstart);
		if (i >= mm->nr || mm->vma[i].start != nstart) {
			if (MUTANT(m, MPROTECT_HOLE_IGNORED))
				return 0;
			*err = ENOMEM; /* a hole: what came before it stays changed */
			return -1;
		}
	}
}
