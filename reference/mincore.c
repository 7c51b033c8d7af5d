/* mincore() (mm/mincore.c): which pages of a range are resident, one byte
 * per page. A mapped pte (present, or made inaccessible by PROT_NONE)
 * counts, the zero page too; where no pte is, a file or shared mapping
 * asks its page cache and private anonymous memory says 0. The range walks
 * VMA by VMA from a VMA that holds its start: ENOMEM at the first hole
 * (vma_lookup()), the vector then only partly written (the op reads it
 * back only on success). Every mapping here may be asked (can_do_mincore():
 * the files are the caller's own). */
#include <errno.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/swap.h"
#include "reference/textbuf.h"

/* mincore_pte_range() and __mincore_unmapped_range() for one page. */
static int page_incore(struct mmf_machine *m, struct mmf_mm *mm, const struct mmf_vma *v, uint64_t addr)
{
	if (v->flags & VM_HUGETLB)
		return mmf_hugetlb_incore(m, mm, v, addr);
	const uint64_t *pte = mm->pgd == MMF_NIL ? NULL : mmf_pte_lookup(m, mm, addr, 0);
	if (pte && (*pte & PTE_MAPPED))
		return 1;
	if (pte && pte_is_swap(*pte)) /* mincore_page() of the swap cache */
		return mmf_swap_cache_lookup(m, mmf_pte_to_swp(*pte)) != MMF_NIL;
	if (!v->shmem || MUTANT(m, MINCORE_ANON_ONLY))
		return 0;
	uint32_t e = mmf_shmem_entry(m, v->shmem, v->pgoff + ((addr - v->start) >> AS_PAGE_SHIFT));
	if (shmem_is_swap(e)) /* filemap_get_incore_folio(): out in swap, in the swap cache? */
		return mmf_swap_cache_lookup(m, e & ~SHMEM_SWAP_BIT) != MMF_NIL;
	return e != MMF_NIL;
}

int mmf_as_mincore(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	struct mmf_mm *mm = mmf_as_mm(m, c->proc);
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	if (c->addr & (AS_PAGE_SIZE - 1)) {
		*err = EINVAL;
		return -1;
	}
	m->as->used = 1;
	uint64_t end = c->addr + ((c->len + AS_PAGE_SIZE - 1) & ~(AS_PAGE_SIZE - 1));
	for (uint64_t addr = c->addr; addr < end;) {
		struct mmf_vma *v = mmf_vma_find(mm, addr);
		if (!v) {
			*err = ENOMEM;
			return -1;
		}
		for (; addr < end && addr < v->end; addr += AS_PAGE_SIZE)
			mmf_out_put(o, "%c", '0' + page_incore(m, mm, v, addr));
	}
	return 0;
}
