/* fork() and exit() of modelled processes (kernel/fork.c dup_mmap,
 * mm/memory.c copy_page_range, kernel/exit.c exit_mmap).
 *
 * fork copies every VMA but VM_DONTCOPY ones. A child VMA of a VMA with an
 * anon_vma gets an anon_vma of its own chained to the parent's (two
 * anon_vma_chain entries, so it no longer merges as freely), and its ptes
 * are copied: private writable (COW) mappings are write-protected in
 * parent and child alike, each copied pte taking a reference on its page.
 * VMAs without an anon_vma (never written, or shmem) copy no ptes: the
 * child faults them in, from the zero page or the shmem object. PFN
 * mappings have no fault handler: their ptes are always copied.
 *
 * exit unmaps everything, frees every page-table page and the pgd, and the
 * process slot is free for another fork. */
#include <errno.h>
#include <stdlib.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/swap.h"

static int copy_ptes(struct mmf_machine *m, struct mmf_mm *src, struct mmf_mm *dst, const struct mmf_vma *v)
{
	struct mmf_depth *depth = &m->as->depth;
	int cow = (v->flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
	/* copy_pmd_range(): the child gets a pte table (and the tables above
	 * it) wherever the parent has one in the VMA's range, empty or not */
	const uint64_t pmd_span = 1ull << (2 * AS_PAGE_SHIFT - 3);
	for (uint64_t a = v->start & ~(pmd_span - 1); a < v->end; a += pmd_span) {
		const uint64_t *sp = src->pgd == MMF_NIL ? NULL : mmf_pmd_lookup(m, src, a, 0);
		if (!sp || !(*sp & PTE_PRESENT) || (*sp & PTE_PS))
			continue;
		if ((dst->pgd == MMF_NIL && mmf_pgd_alloc(m, dst)) ||
		    !mmf_pte_lookup(m, dst, a < v->start ? v->start : a, 1))
			return -1;
	}
	for (uint64_t a = v->start; a < v->end; a += AS_PAGE_SIZE) {
		uint64_t *s = mmf_pte_lookup(m, src, a, 0);
		if (!s || !*s || (!(*s & PTE_MAPPED) && !pte_is_swap(*s)))
			continue;
		if (dst->pgd == MMF_NIL && mmf_pgd_alloc(m, dst))
			return -1;
		uint64_t *d = mmf_pte_lookup(m, dst, a, 1);
		if (!d)
			return -1;
		s = mmf_pte_lookup(m, src, a, 0); /* tables are stable, but be plain about it */
		if (pte_is_swap(*s)) {
			/* copy_nonpresent_pte(): one more reference on the slot, the
			 * entry no longer exclusive on either side */
			if (mmf_swap_duplicate(m, mmf_pte_to_swp(*s)))
				return -1;
			*s &= ~PTE_SWP_EXCLUSIVE;
			*d = *s;
			continue;
		}
		if (cow && !MUTANT(m, FORK_KEEPS_WRITE))
			*s &= ~PTE_RW;
		/* the child's copy is old; clean too where the mapping is shared */
		*d = *s & ~(uint64_t)(PTE_ACCESSED | ((v->flags & VM_SHARED) ? PTE_DIRTY : 0));
		if (pte_has_page(*s)) { /* page_dup_rmap(), get_page() */
			struct mmf_page *pg = page_w(m, pte_pfn(*s));
			pg->refcount++;
			pg->mapcount++;
			depth->pages_shared++;
		}
	}
	return 0;
}

int mmf_as_fork(struct mmf_machine *m, unsigned parent, unsigned child, int *err)
{
	struct mmf_mm *src = mmf_as_mm(m, parent);
	if (!src || child >= MMF_NPROCS) {
		*err = ESRCH;
		return -1;
	}
	struct mmf_proc *c = &m->as->proc[child];
	if (c->live) {
		*err = EEXIST; /* the op names a slot already in use */
		return -1;
	}
	m->as->used = 1;
	c->live = 1;
	c->pid = m->as->next_pid++;
	c->oom_score_adj = m->as->proc[parent].oom_score_adj; /* the signal struct's copy */
	c->oom_score_adj_min = m->as->proc[parent].oom_score_adj_min;
	m->as->forking = (int)child; /* not on the task list while its mm is copied */
	struct mmf_mm *dst = &c->mm;
	mmf_mm_setup(m, dst);
	dst->mmap_base = src->mmap_base;
	dst->start_brk = src->start_brk;
	dst->brk = src->brk;
	for (uint32_t i = 0; i < src->nr; i++) {
		struct mmf_vma v = src->vma[i];
		if (v.flags & VM_DONTCOPY)
			continue;
		if ((v.flags & VM_LOCKED) && !MUTANT(m, FORK_KEEPS_MLOCK)) { /* dup_mmap(): a child starts unlocked */
			v.flags &= ~(VM_LOCKED | VM_LOCKONFAULT);
			v.unmerged = 1;
		}
		if ((v.flags & VM_WIPEONFORK) && !MUTANT(m, WIPEONFORK_COPIES)) { /* a clean slate in the child */
			v.anon_vma = 0;
			v.chain = 0;
		} else if (v.anon_vma) { /* anon_vma_fork(): chained to the parent's */
			v.anon_vma = mmf_anon_vma_new(m, MUTANT(m, FORK_UNCHAINED_ANON_VMA) ? 0 : v.anon_vma);
			v.chain = (uint8_t)(src->vma[i].chain < 255 ? src->vma[i].chain + 1 : 255);
		}
		if (mmf_vma_append(dst, &v)) {
			int e2;
			m->as->forking = -1;
			mmf_as_exit(m, child, &e2);
			*err = ENOMEM;
			return -1;
		}
		if (v.shmem)
			mmf_shmem_get(m, v.shmem);
		if (v.huge) { /* hugetlb_dup_vma_private(): no reservations of its own */
			mmf_hugetlb_obj_get(m, v.huge);
			if (!(v.flags & VM_MAYSHARE) && !MUTANT(m, HUGETLB_FORK_KEEPS_OWNER))
				dst->vma[dst->nr - 1].huge_flags = 0;
		}
		dst->total_vm += (v.end - v.start) >> AS_PAGE_SHIFT;
		if ((v.flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
			dst->data_vm += (v.end - v.start) >> AS_PAGE_SHIFT;
		if (v.flags & VM_ACCOUNT)
			dst->committed += (v.end - v.start) >> AS_PAGE_SHIFT;
		/* vma_needs_copy(): a shared hugetlb mapping's leaves come back by faults */
		if ((v.flags & VM_HUGETLB) && src->vma[i].anon_vma && mmf_hugetlb_copy(m, src, dst, &src->vma[i])) {
			int e2;
			m->as->forking = -1;
			mmf_as_exit(m, child, &e2);
			*err = ENOMEM;
			return -1;
		}
		/* vma_needs_copy(): ptes only where faults could not rebuild them */
		if (!(v.flags & VM_HUGETLB) && (v.anon_vma || (v.flags & VM_PFNMAP)) && !(MUTANT(m, FORK_SKIPS_PFN_PTES) && (v.flags & VM_PFNMAP)) &&
		    (copy_ptes(m, src, dst, &src->vma[i]) || mmf_thp_copy(m, src, dst, &src->vma[i]))) {
			int e2;
			m->as->forking = -1;
			mmf_as_exit(m, child, &e2); /* a failed fork leaves no child */
			*err = ENOMEM;
			return -1;
		}
	}
	m->as->forking = -1;
	struct mmf_depth *depth = &m->as->depth;
	unsigned gen = m->as->generation[parent] + 1u, alive = 0;
	m->as->generation[child] = (uint8_t)gen;
	for (unsigned p = 0; p < MMF_NPROCS; p++)
		alive += m->as->proc[p].live;
	depth->forks++;
	if (gen > depth->fork_depth_max)
		depth->fork_depth_max = gen;
	if (alive > depth->procs_max)
		depth->procs_max = alive;
	return 0;
}

int mmf_as_exit(struct mmf_machine *m, unsigned proc, int *err)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	m->as->used = 1;
	if (!MUTANT(m, EXIT_LEAKS_PGD))
		mmf_pgd_free(m, mm); /* zaps every pte, then the tables */
	for (uint32_t i = 0; i < mm->nr; i++) {
		if (mm->vma[i].shmem)
			mmf_shmem_put(m, mm->vma[i].shmem);
		if (mm->vma[i].huge)
			mmf_hugetlb_vma_close(m, &mm->vma[i]);
	}
	mmf_mm_setup(m, mm);
	m->as->proc[proc].live = 0;
	return 0;
}
