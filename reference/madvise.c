/* madvise (mm/madvise.c): each mapped part of the range advised; holes
 * are skipped but make the answer ENOMEM; an advice a VMA refuses stops the
 * walk. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/textbuf.h"
#include "reference/internal.h"
#include "reference/vma.h"

static int madvise_known(unsigned advice)
{
	switch (advice) {
	case MMF_MADV_NORMAL: case MMF_MADV_RANDOM: case MMF_MADV_SEQUENTIAL: case MMF_MADV_WILLNEED:
	case MMF_MADV_DONTNEED: case MMF_MADV_FREE: case MMF_MADV_DONTFORK: case MMF_MADV_DOFORK:
	case MMF_MADV_DONTDUMP: case MMF_MADV_DODUMP: case MMF_MADV_WIPEONFORK: case MMF_MADV_KEEPONFORK:
	case MMF_MADV_COLD: case MMF_MADV_PAGEOUT: case MMF_MADV_REMOVE: case MMF_MADV_MERGEABLE:
	case MMF_MADV_UNMERGEABLE: case MMF_MADV_HUGEPAGE: case MMF_MADV_NOHUGEPAGE: case MMF_MADV_POPULATE_READ:
	case MMF_MADV_POPULATE_WRITE: case MMF_MADV_DONTNEED_LOCKED: case MMF_MADV_COLLAPSE:
		return 1;
	default:
		return 0;
	}
}

/* madvise_vma_behavior() for [start, end) inside VMA i. */
static int madvise_vma(struct mmf_machine *m, unsigned proc, struct mmf_mm *mm, uint32_t i, uint64_t start,
		       uint64_t end, unsigned advice)
{
	struct mmf_vma *v = &mm->vma[i];
	uint32_t nf = v->flags;
	switch (advice) {
	case MMF_MADV_POPULATE_READ:
	case MMF_MADV_POPULATE_WRITE: { /* madvise_populate(): faults, as GUP takes them */
		int write = advice == MMF_MADV_POPULATE_WRITE;
		if ((v->flags & (VM_PFNMAP | VM_IO)) || !(v->flags & (write ? VM_WRITE : VM_READ)))
			return -EINVAL; /* incompatible mapping or permissions */
		for (uint64_t a = start; a < end; a += AS_PAGE_SIZE) {
			int r = mmf_as_gup_touch(m, proc, a, write ? MMF_ACCESS_WRITE : MMF_ACCESS_READ);
			if (r)
				return r < 0 ? -ENOMEM : r == SIGBUS ? -EFAULT : -EINVAL;
		}
		return 0;
	}
	case MMF_MADV_REMOVE: /* madvise_remove(): a hole punched in the file */
		if (v->flags & VM_LOCKED)
			return -EINVAL;
		if (v->flags & VM_HUGETLB) {
			if ((v->flags & (VM_SHARED | VM_MAYWRITE)) != (VM_SHARED | VM_MAYWRITE))
				return -EACCES;
			mmf_hugetlb_punch(m, v, start, end); /* hugetlbfs_punch_hole() */
			return 0;
		}
		if (!v->shmem)
			return -EINVAL;
		if ((v->flags & (VM_SHARED | VM_MAYWRITE)) != (VM_SHARED | VM_MAYWRITE))
			return -EACCES;
		mmf_shmem_remove(m, v->shmem, v->pgoff + ((start - v->start) >> AS_PAGE_SHIFT),
				 v->pgoff + ((end - v->start) >> AS_PAGE_SHIFT));
		return 0;
	case MMF_MADV_COLLAPSE: /* madvise_collapse(): whatever the THP mode */
		return mmf_thp_collapse(m, proc, mm, v, start, end);
	case MMF_MADV_MERGEABLE: /* ksm_madvise(): only where KSM could merge */
		if (v->flags & (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO | VM_DONTEXPAND))
			return 0;
		nf |= VM_MERGEABLE;
		break;
	case MMF_MADV_UNMERGEABLE: nf &= ~VM_MERGEABLE; break;
	case MMF_MADV_HUGEPAGE: nf = (nf & ~VM_NOHUGEPAGE) | VM_HUGEPAGE; break;
	case MMF_MADV_NOHUGEPAGE: nf = (nf & ~VM_HUGEPAGE) | VM_NOHUGEPAGE; break;
	case MMF_MADV_DONTNEED_LOCKED: /* as DONTNEED, locked VMAs too */
	case MMF_MADV_DONTNEED: /* zap_page_range_single(): ptes go, tables stay */
		if (v->flags & VM_HUGETLB) { /* whole huge pages from an aligned start, the end rounded down */
			if (start & ~HUGE_MASK)
				return -EINVAL;
			if (!MUTANT(m, MADV_DONTNEED_IGNORED))
				mmf_hugetlb_unmap(m, mm, start, MUTANT(m, HUGETLB_DONTNEED_ROUNDS_UP)
									? (end + HUGE_SIZE - 1) & HUGE_MASK
									: end & HUGE_MASK);
			return 0;
		}
		if ((v->flags & VM_PFNMAP) || ((v->flags & VM_LOCKED) && advice == MMF_MADV_DONTNEED))
			return -EINVAL; /* madvise_dontneed_free_valid_vma() */
		if (!MUTANT(m, MADV_DONTNEED_IGNORED))
			mmf_unmap_range(m, mm, start, end);
		if (m->k.pt_reclaim) /* zap_pte_range()'s try_get_and_clear_pmd(): whole tables only */
			mmf_reclaim_pt(m, mm, start, end);
		if (MUTANT(m, DONTNEED_DROPS_CACHE) && v->shmem && (v->flags & VM_SHARED))
			mmf_shmem_punch(m, v->shmem, v->pgoff + ((start - v->start) >> AS_PAGE_SHIFT),
					v->pgoff + ((end - v->start) >> AS_PAGE_SHIFT));
		return 0;
	case MMF_MADV_FREE: /* lazy free: clean, and with nothing reclaimed the data stays */
		if (v->shmem || (v->flags & (VM_PFNMAP | VM_LOCKED | VM_HUGETLB)))
			return -EINVAL;
		mmf_lru_drain(m); /* madvise_free_single_vma() */
		mmf_thp_lru_prep(m, mm, start, end);
		mmf_as_lazyfree(m, mm, start, end);
		m->as->thp.nr_skip = 0;
		return 0;
	case MMF_MADV_WILLNEED:
		return 0;
	case MMF_MADV_COLD: /* deactivated: young bits cleared where this mm alone maps the page */
		if (v->flags & (VM_PFNMAP | VM_LOCKED | VM_HUGETLB))
			return -EINVAL; /* can_madv_lru_vma() */
		mmf_lru_drain(m); /* madvise_cold() */
		mmf_thp_lru_prep(m, mm, start, end);
		mmf_as_cold(m, mm, start, end);
		m->as->thp.nr_skip = 0;
		return 0;
	case MMF_MADV_PAGEOUT: /* no swap: only clean lazy-free pages can go, and do */
		if (v->flags & (VM_PFNMAP | VM_LOCKED | VM_HUGETLB))
			return -EINVAL; /* can_madv_lru_vma() */
		mmf_lru_drain(m); /* madvise_pageout() */
		mmf_thp_lru_prep(m, mm, start, end);
		mmf_as_pageout(m, mm, start, end);
		m->as->thp.nr_skip = 0;
		return 0;
	case MMF_MADV_NORMAL: nf &= ~(VM_SEQ_READ | VM_RAND_READ); break;
	case MMF_MADV_RANDOM: nf = (nf & ~VM_SEQ_READ) | VM_RAND_READ; break;
	case MMF_MADV_SEQUENTIAL: nf = (nf & ~VM_RAND_READ) | VM_SEQ_READ; break;
	case MMF_MADV_DONTFORK: nf |= VM_DONTCOPY; break;
	case MMF_MADV_DOFORK:
		if (v->flags & VM_IO)
			return -EINVAL;
		nf &= ~VM_DONTCOPY;
		break;
	case MMF_MADV_DONTDUMP: nf |= VM_DONTDUMP; break;
	case MMF_MADV_DODUMP:
		if ((v->flags & VM_SPECIAL) && !(v->flags & VM_HUGETLB))
			return -EINVAL;
		nf &= ~VM_DONTDUMP;
		break;
	case MMF_MADV_WIPEONFORK:
		if (v->shmem || (v->flags & (VM_SHARED | VM_HUGETLB))) /* a file behind it */
			return -EINVAL;
		nf |= VM_WIPEONFORK;
		break;
	case MMF_MADV_KEEPONFORK: nf &= ~VM_WIPEONFORK; break;
	}
	if (nf == v->flags)
		return 0;
	int r = mmf_vma_modify_flags(m, mm, i, start, end, nf);
	return r == -EINVAL ? -EINVAL : r ? -ENOMEM : 0;
}

/* madvise(): each mapped part of the range; holes are skipped but make
 * the answer ENOMEM; an advice a VMA refuses stops the walk. */
int mmf_as_madvise(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, unsigned advice, int *err)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	if ((addr & (AS_PAGE_SIZE - 1)) || !madvise_known(advice)) {
		*err = EINVAL;
		return -1;
	}
	len = (len + AS_PAGE_SIZE - 1) & ~(AS_PAGE_SIZE - 1);
	if (!len)
		return 0;
	m->as->used = 1;
	uint64_t end = addr + len, s = addr;
	int unmapped = 0;
	for (;;) {
		uint32_t i = mmf_vma_index(mm, s);
		if (i >= mm->nr) {
			*err = ENOMEM;
			return -1;
		}
		if (s < mm->vma[i].start) {
			if (advice == MMF_MADV_POPULATE_READ || advice == MMF_MADV_POPULATE_WRITE) {
				*err = ENOMEM; /* populating stops at the hole */
				return -1;
			}
			unmapped = 1;
			s = mm->vma[i].start;
			if (s >= end)
				break;
		}
		uint64_t tmp = mm->vma[i].end < end ? mm->vma[i].end : end;
		int r = madvise_vma(m, proc, mm, i, s, tmp, advice);
		if (r) {
			*err = -r;
			return -1;
		}
		s = tmp;
		if (s >= end)
			break;
	}
	if (unmapped) {
		*err = ENOMEM;
		return -1;
	}
	return 0;
}
