/* mremap (mm/mremap.c, Linux 6.17+): shrinking, growing in place, moving
 * (MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP), and moving every VMA of
 * a range at once. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/swap.h"
#include "reference/textbuf.h"
#include "reference/internal.h"
#include "reference/vma.h"

/* The checks of check_prep_vma() for a move or a growth, made before
 * anything is unmapped: may [addr, addr + old_len) move or grow to
 * new_len? old_len 0 duplicates a shared mapping (a private one cannot
 * be). */
static int remap_is_valid(struct mmf_mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len, unsigned flags, int *err)
{
	const struct mmf_vma *v = mmf_vma_find(mm, addr);
	*err = EINVAL;
	if (!old_len && !(v->flags & (VM_SHARED | VM_MAYSHARE)))
		return -1;
	if ((flags & MMF_MREMAP_DONTUNMAP) && (v->flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -1; /* the old range stays mapped: it must be able to fault */
	if (old_len > new_len)
		old_len = new_len; /* a shrink may unmap across VMAs; what moves may not */
	*err = EFAULT;
	if (old_len > v->end - addr)
		return -1; /* not across VMAs */
	if (new_len != old_len && (v->flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -1;
	return 0;
}

/* move_ptes(): the mapped ptes of [old, old + len) to [new, new + len)
 * (move_hugetlb_page_tables(): the leaves of a hugetlb range). */
static int move_ptes(struct mmf_machine *m, struct mmf_mm *mm, uint64_t old, uint64_t new_addr, uint64_t len)
{
	const struct mmf_vma *hv = mmf_vma_find(mm, old);
	if (hv && (hv->flags & VM_HUGETLB)) {
		for (uint64_t off = 0; off < len; off += HUGE_SIZE) {
			uint64_t *s = mmf_hugetlb_leaf(m, mm, old + off);
			if (!s)
				continue;
			uint64_t e = *s;
			*s = 0;
			uint64_t *d = mmf_pmd_lookup(m, mm, new_addr + off, 1);
			if (!d) {
				*s = e; /* no memory for a table: it stays, and the old range with it */
				return -1;
			}
			*d = e;
		}
		return 0;
	}
	for (uint64_t off = 0; off < len && mm->pgd != MMF_NIL; off += AS_PAGE_SIZE) {
		/* move_huge_pmd(): a whole huge PMD to an aligned place */
		const uint64_t hsize = 512ull << AS_PAGE_SHIFT;
		if (mm->nr_thp && len - off >= hsize && mmf_thp_move_pmd(m, mm, old + off, new_addr + off)) {
			off += hsize - AS_PAGE_SIZE;
			continue;
		}
		uint64_t *s = mmf_pte_lookup(m, mm, old + off, 0);
		if (!s || !*s || (!(*s & PTE_MAPPED) && !pte_is_swap(*s)))
			continue;
		uint64_t pte = *s;
		if (pte_is_swap(pte)) { /* a swap entry moves with its soft-dirty bit set (move_soft_dirty_pte()) */
			*s = 0;
			uint64_t *d = mmf_pte_lookup(m, mm, new_addr + off, 1);
			if (!d) {
				mmf_free_swap_and_cache(m, mmf_pte_to_swp(pte));
				return -1;
			}
			*d = pte | PTE_SWP_SOFT_DIRTY;
			continue;
		}
		*s = 0;
		uint64_t *d = mmf_pte_lookup(m, mm, new_addr + off, 1);
		if (!d) {
			mmf_pte_release(m, pte); /* no memory for a table: the page goes */
			return -1;
		}
		*d = MUTANT(m, MREMAP_LOSES_PTES) ? 0 : pte | ((pte & PTE_PRESENT) ? PTE_SOFTDIRTY : 0); /* move_soft_dirty_pte() */
		if (MUTANT(m, MREMAP_LOSES_PTES))
			mmf_pte_release(m, pte);
	}
	return 0;
}

/* move_vma(): a copy of the VMA at the target (offset and anon_vma
 * kept, so it merges only where those allow), the ptes moved, the old
 * range unmapped (or, with DONTUNMAP, left mapped and empty). */
static int move_vma(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len,
		    uint64_t target, unsigned flags, uint64_t *out, int *err)
{
	int r;
	struct mmf_vma src = *mmf_vma_find(mm, addr);
	uint64_t pgoff = src.pgoff + ((addr - src.start) >> AS_PAGE_SHIFT);
	uint64_t npages = new_len >> AS_PAGE_SHIFT;
	if (!src.shmem && !(src.flags & (VM_SHARED | VM_PFNMAP | VM_HUGETLB)) && !src.anon_vma)
		pgoff = target >> AS_PAGE_SHIFT; /* copy_vma(): never faulted, so it may merge where it lands */
	if (mmf_vma_map_range(m, mm, target, target + new_len, src.flags, pgoff, src.shmem, src.anon_vma, src.chain)) {
		*err = ENOMEM;
		return -1;
	}
	if (src.huge) { /* the copy shares the file and the resv_map; the old range gives up ownership */
		struct mmf_vma *nv = mmf_vma_find(mm, target);
		nv->huge = src.huge;
		nv->huge_flags = src.huge_flags;
		mmf_hugetlb_obj_get(m, src.huge);
		uint32_t i = mmf_vma_index(mm, addr);
		if (mm->vma[i].start < addr && mmf_vma_split(m, mm, i, addr) == 0)
			i++;
		if (mm->vma[i].end > addr + old_len)
			mmf_vma_split(m, mm, i, addr + old_len);
		mm->vma[i].huge_flags &= (uint8_t)~HPAGE_RESV_OWNER; /* clear_vma_resv_huge_pages() */
	}
	if (src.flags & VM_ACCOUNT)
		mm->committed += npages;
	mmf_vm_stat_account(mm, src.flags, (int64_t)npages);
	if (src.flags & VM_LOCKED)
		mm->locked_vm += npages;
	if (move_ptes(m, mm, addr, target, old_len)) {
		*err = ENOMEM;
		return -1;
	}
	if (!(flags & MMF_MREMAP_DONTUNMAP) && old_len) {
		if ((r = mmf_vma_unmap_region(m, mm, addr, addr + old_len))) {
			*err = r == -EINVAL ? EINVAL : ENOMEM;
			return -1;
		}
	} else if (flags & MMF_MREMAP_DONTUNMAP) {
		/* the old VMA always loses its lock; locked_vm is left alone */
		struct mmf_vma *old = mmf_vma_find(mm, addr);
		if (old && (old->flags & VM_LOCKED)) {
			old->flags &= ~(VM_LOCKED | VM_LOCKONFAULT);
			old->unmerged = 1;
		}
		/* a VMA moved whole has no use for its anon_vma links
		 * (unlink_anon_vmas()): a fork no longer copies the ptes that
		 * faults put there later */
		if (old && old->start == addr && old->end == addr + old_len && old->anon_vma) {
			old->anon_vma = 0;
			old->chain = 0;
			old->unmerged = 1;
		}
	}
	if ((src.flags & VM_LOCKED) && new_len > old_len) /* the grown part, faulted in */
		mmf_mm_populate(m, mmf_mm_proc(m, mm), target + old_len, new_len - old_len, 1);
	*out = target;
	return 0;
}

/* remap_move() (Linux 6.17+): MREMAP_FIXED without a change of size moves
 * every VMA in [addr, addr + len), each to the same distance from the
 * last as at the source (the gaps between them kept, and what lies in
 * the target's gaps left alone). No gap at the start. */
static int remap_move(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr, uint64_t len, unsigned flags,
		      uint64_t new_addr, uint64_t *out, int *err)
{
	int r;
	uint64_t end = addr + len, cursor = addr, target = new_addr, last_end = 0;
	int seen = 0;
	while (cursor < end) {
		uint32_t i = mmf_vma_index(mm, cursor);
		if (i >= mm->nr || mm->vma[i].start >= end)
			break;
		const struct mmf_vma *v = &mm->vma[i];
		if (!seen && addr < v->start)
			break; /* a gap at the start */
		/* from the cursor: with DONTUNMAP the source stays mapped */
		uint64_t from = v->start > cursor ? v->start : cursor, to = v->end < end ? v->end : end;
		uint64_t dest = target + (seen ? v->start - last_end : 0);
		last_end = v->end;
		if (remap_is_valid(mm, from, to - from, to - from, flags, err))
			return -1;
		if ((r = mmf_vma_unmap_region(m, mm, dest, dest + (to - from)))) {
			*err = r == -EINVAL ? EINVAL : ENOMEM;
			return -1;
		}
		if (!mmf_vma_find(mm, from)) {
			*err = EFAULT;
			return -1;
		}
		uint64_t moved;
		if (move_vma(m, mm, from, to - from, to - from, dest, flags, &moved, err))
			return -1;
		if (!seen)
			*out = dest;
		seen = 1;
		target = dest + (to - from);
		cursor = to;
	}
	if (!seen) {
		*err = EFAULT;
		return -1;
	}
	return 0;
}

/* mremap_to(): MREMAP_FIXED to new_addr (what is there unmapped first),
 * or MREMAP_DONTUNMAP to a free place; a shrinking range loses its tail
 * first. */
static int mremap_to(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t addr, uint64_t old_len,
		     uint64_t new_len, unsigned flags, uint64_t new_addr, uint64_t *out, int *err)
{
	int r;
	uint64_t target;
	if (remap_is_valid(mm, addr, old_len, new_len, flags, err))
		return -1;
	if (new_len > old_len && !mmf_mlock_future_ok(m, mm, v->flags, new_len - old_len)) {
		*err = EAGAIN;
		return -1;
	}
	if (flags & MMF_MREMAP_FIXED) {
		if ((r = mmf_vma_unmap_region(m, mm, new_addr, new_addr + new_len))) {
			*err = r == -EINVAL ? EINVAL : ENOMEM;
			return -1;
		}
		if (!mmf_vma_find(mm, addr)) {
			*err = EFAULT;
			return -1;
		}
	}
	if (old_len > new_len) { /* shrink_vma(): the tail goes first */
		if ((r = mmf_vma_unmap_region(m, mm, addr + new_len, addr + old_len))) {
			*err = r == -EINVAL ? EINVAL : ENOMEM;
			return -1;
		}
		old_len = new_len;
		if (!mmf_vma_find(mm, addr)) {
			*err = EFAULT;
			return -1;
		}
	}
	if (flags & MMF_MREMAP_FIXED)
		target = new_addr;
	else /* DONTUNMAP alone: new_addr is a hint */
		target = mmf_vma_range_free(mm, new_addr, new_addr + new_len) ? new_addr : mmf_vma_topdown(mm, new_len);
	if (!target) {
		*err = ENOMEM;
		return -1;
	}
	return move_vma(m, mm, addr, old_len, new_len, target, flags, out, err);
}

/* expand_vma(): grown in place where the space after it is free, else
 * moved where MREMAP_MAYMOVE allows. */
static int expand_vma(struct mmf_machine *m, unsigned proc, struct mmf_mm *mm, uint64_t addr, uint64_t old_len,
		      uint64_t new_len, unsigned flags, uint64_t *out, int *err)
{
	struct mmf_vma *v;
	uint64_t target;
	if (remap_is_valid(mm, addr, old_len, new_len, flags, err))
		return -1;
	v = mmf_vma_find(mm, addr);
	if (!mmf_mlock_future_ok(m, mm, v->flags, new_len - old_len)) {
		*err = EAGAIN;
		return -1;
	}
	uint64_t end = addr + new_len;
	if (v->end == addr + old_len && mmf_vma_range_free(mm, v->end, v->end + (new_len - old_len))) { /* in place */
		end = v->end + (new_len - old_len);
		uint32_t i = (uint32_t)(v - mm->vma);
		uint64_t npages = (end - v->end) >> AS_PAGE_SHIFT;
		struct mmf_vma *next = i + 1 < mm->nr ? &mm->vma[i + 1] : NULL;
		uint64_t vpages = (v->end - v->start) >> AS_PAGE_SHIFT;
		if (v->flags & VM_ACCOUNT)
			mm->committed += npages;
		if (v->flags & VM_LOCKED)
			mm->locked_vm += npages;
		mmf_vm_stat_account(mm, v->flags, (int64_t)npages);
		int lock = (v->flags & VM_LOCKED) != 0;
		v->end = end;
		/* vma_merge_extend(): the grown VMA may now touch next */
		if (next && mmf_vma_merge_before(m, next, end, v->flags, v->shmem, v->anon_vma, v, v->pgoff, vpages + npages) &&
		    mmf_vma_anon_both_ok(v, next)) {
			v->end = next->end;
			mmf_vma_inherit_anon(v, next);
			v->unmerged |= next->unmerged; /* next's right neighbour may stay apart from it */
			mmf_vma_remove(mm, i + 1);
		}
		if (lock)
			mmf_mm_populate(m, proc, addr + old_len, new_len - old_len, 1);
		*out = addr;
		return 0;
	}
	if (!(flags & MMF_MREMAP_MAYMOVE)) {
		*err = ENOMEM;
		return -1;
	}
	target = mmf_vma_topdown(mm, new_len); /* get_unmapped_area() without a hint */
	if (!target) {
		*err = ENOMEM;
		return -1;
	}
	return move_vma(m, mm, addr, old_len, new_len, target, flags, out, err);
}

int mmf_as_mremap(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t old_len, uint64_t new_len,
		  unsigned flags, uint64_t new_addr, uint64_t *out, int *err)
{
	int r;
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	*out = 0;
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	/* check_mremap_params() */
	int implies_new = (flags & (MMF_MREMAP_FIXED | MMF_MREMAP_DONTUNMAP)) != 0;
	*err = EINVAL;
	if ((flags & ~(MMF_MREMAP_MAYMOVE | MMF_MREMAP_FIXED | MMF_MREMAP_DONTUNMAP)) || (addr & (AS_PAGE_SIZE - 1)) ||
	    !new_len)
		return -1;
	if (implies_new && ((new_addr & (AS_PAGE_SIZE - 1)) || !(flags & MMF_MREMAP_MAYMOVE) ||
			    ((flags & MMF_MREMAP_DONTUNMAP) && old_len != new_len)))
		return -1;
	old_len = (old_len + AS_PAGE_SIZE - 1) & ~(AS_PAGE_SIZE - 1);
	new_len = (new_len + AS_PAGE_SIZE - 1) & ~(AS_PAGE_SIZE - 1);
	const struct mmf_vma *hv = mmf_vma_find(mm, addr);
	if (hv && (hv->flags & VM_HUGETLB)) { /* align_hugetlb(): whole huge pages, never grown */
		old_len = (old_len + HUGE_SIZE - 1) & HUGE_MASK;
		new_len = (new_len + HUGE_SIZE - 1) & HUGE_MASK;
		if ((addr & ~HUGE_MASK) || (implies_new && (new_addr & ~HUGE_MASK)) || new_len > old_len)
			return -1;
	}
	if (implies_new && new_addr < addr + old_len && addr < new_addr + new_len)
		return -1; /* vrm_overlaps() */
	m->as->used = 1;
	if ((flags & MMF_MREMAP_FIXED) && old_len == new_len)
		return remap_move(m, mm, addr, old_len, flags, new_addr, out, err);
	struct mmf_vma *v = mmf_vma_find(mm, addr); /* vma_lookup() */
	if (!v) {
		*err = EFAULT;
		return -1;
	}
	if (implies_new)
		return mremap_to(m, mm, v, addr, old_len, new_len, flags, new_addr, out, err);
	if (new_len == old_len) { /* mremap_at(): nothing to do */
		*out = addr;
		return 0;
	}
	if (new_len < old_len) { /* shrink_vma(): whatever is there goes */
		if ((r = mmf_vma_unmap_region(m, mm, addr + new_len, addr + old_len))) {
			*err = r == -EINVAL ? EINVAL : ENOMEM;
			return -1;
		}
		*out = addr;
		return 0;
	}
	return expand_vma(m, proc, mm, addr, old_len, new_len, flags, out, err);
}
