/* The swap cache and the moves in and out of swap (mm/swap_state.c,
 * mm/page_io.c, and do_swap_page()'s and unuse_pte()'s ends of
 * mm/memory.c and mm/swapfile.c).
 *
 * A page is in the swap cache from add_to_swap() (reclaim chose it) until
 * it is freed or folio_free_swap() lets the slot go; meanwhile the cache
 * holds one reference and the slot SWAP_HAS_CACHE. Reading a slot in
 * allocates a page (GFP_HIGHUSER_MOVABLE), puts it in the swap cache and
 * on the LRU, and reads the slots around it ahead (swap_cluster_readahead():
 * the device is taken for a rotational one, so not swap_vma_readahead();
 * nor SWP_SYNCHRONOUS_IO, so every read goes through the cache). */
#include <errno.h>
#include <string.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/swap.h"

int mmf_add_to_swap(struct mmf_machine *m, uint32_t pfn)
{
	uint32_t e = mmf_swap_alloc_slot(m);
	if (!e)
		return -1;
	struct mmf_page *p = page_w(m, pfn);
	p->flags |= PG_swapcache | PG_dirty; /* folio_mark_dirty(): its contents are not in the slot yet */
	p->swap = e;
	p->refcount++;
	mmf_swap_cache_set(m, e, pfn, 1);
	return 0;
}

void mmf_delete_from_swap_cache(struct mmf_machine *m, uint32_t pfn)
{
	struct mmf_page *p = page_w(m, pfn);
	if (!(p->flags & PG_swapcache))
		return;
	uint32_t e = p->swap;
	p->flags &= ~PG_swapcache;
	p->swap = 0;
	mmf_swap_cache_set(m, e, MMF_NIL, 0);
	mmf_user_page_put(m, pfn);
}

int mmf_folio_free_swap(struct mmf_machine *m, uint32_t pfn)
{
	const struct mmf_page *p = pfn_to_page(m, pfn);
	if (!(p->flags & PG_swapcache) || mmf_swap_count(m, p->swap))
		return 0;
	page_w(m, pfn)->flags |= PG_dirty; /* folio_set_dirty(): nothing else holds its contents now */
	mmf_delete_from_swap_cache(m, pfn);
	return 1;
}

static int zero_filled(const struct mmf_machine *m, const uint8_t *b)
{
	for (unsigned i = 0; i < AS_PAGE_SIZE; i++)
		if (b[i])
			return 0;
	return 1;
}

int mmf_swap_writepage(struct mmf_machine *m, uint32_t pfn)
{
	struct mmf_page *p = page_w(m, pfn);
	p->flags &= ~PG_dirty; /* folio_clear_dirty_for_io() */
	if (m->k.swap_zeromap && zero_filled(m, mmf_page_bytes(m, pfn))) {
		/* swap_zeromap_folio_set(): a bit, no I/O, done (the slot's
		 * bytes are zeroes all the same, what a read gives) */
		mmf_swap_write_slot(m, p->swap, mmf_page_bytes(m, pfn), p->token);
		m->vm.pswpout--;
		m->vm.swpout_zero++;
		return 0;
	}
	if (mmf_zswap_store(m, pfn))
		return 0; /* zswpout: no I/O, done */
	mmf_swap_write_slot(m, p->swap, mmf_page_bytes(m, pfn), p->token);
	/* a disk's write is still under way when pageout() returns (the
	 * contents are in the slot already: nothing writes the page while it
	 * is unmapped and isolated) */
	return m->k.swap_async;
}

/* read_swap_cache_async(): a new page for slot e, read from it, in the
 * swap cache and on the LRU. MMF_NIL out of memory. */
static uint32_t read_slot(struct mmf_machine *m, uint32_t e, int ahead)
{
	uint32_t pfn = mmf_anon_page_alloc(m);
	if (pfn == MMF_NIL)
		return pfn;
	/* the allocation may have reclaimed, or killed a process whose entry
	 * was the slot's last: a slot nothing names any more is not read */
	if (!mmf_swap_count(m, e) || mmf_swap_cache_lookup(m, e) != MMF_NIL) {
		mmf_user_page_put(m, pfn);
		return ahead ? MMF_NIL : mmf_swap_cache_lookup(m, e);
	}
	struct mmf_page *p = page_w(m, pfn);
	p->flags |= PG_swapcache | (ahead ? PG_readahead : 0);
	p->swap = e;
	mmf_swap_cache_set(m, e, pfn, 1); /* the allocation's reference is the cache's */
	if (mmf_zswap_load(m, e, pfn))
		return pfn; /* zswpin */
	uint32_t from = MUTANT(m, SWAPIN_READS_NEIGHBOUR) ? e + 1 : e;
	const uint64_t *slot = mmf_swap_data(m, from);
	const uint8_t *bytes = mmf_swap_bytes(m, from);
	p->token = slot ? *slot : 0;
	if (bytes)
		memcpy(mmf_page_bytes(m, pfn), bytes, AS_PAGE_SIZE);
	if (m->k.swap_zeromap && bytes && zero_filled(m, bytes))
		m->vm.swpin_zero++; /* the zeromap's bit: zeroes, no read */
	else
		m->vm.pswpin++;
	return pfn;
}

uint32_t mmf_swapin(struct mmf_machine *m, uint32_t e, int *major)
{
	*major = 0;
	uint32_t pfn = mmf_swap_cache_lookup(m, e);
	if (pfn != MMF_NIL) {
		/* swap_cache_get_folio(): a page read ahead counts as a hit */
		if (pfn_to_page(m, pfn)->flags & PG_readahead) {
			page_w(m, pfn)->flags &= ~PG_readahead;
			mmf_swap_readahead_hit(m);
		}
		return pfn;
	}
	if (!mmf_swap_count(m, e))
		return MMF_NIL; /* nothing names the slot: a bad entry */
	*major = 1;
	/* swap_cluster_readahead(): the aligned window around the slot, in
	 * order; pages ahead are best effort, the one asked for is not */
	uint32_t off = swp_offset(e), win = mmf_swapin_nr_pages(m, off), end = mmf_swap_device_end(m, e);
	uint32_t start = off & ~(win - 1), stop = start + win;
	if (win <= 1)
		start = off, stop = off + 1;
	for (uint32_t o = start ? start : 1; o < off; o++) {
		uint32_t oe = swp_entry(swp_type(e), o);
		if (!mmf_swap_count(m, oe) || mmf_swap_cache_lookup(m, oe) != MMF_NIL)
			continue;
		if (read_slot(m, oe, 1) == MMF_NIL)
			break;
	}
	pfn = read_slot(m, e, 0);
	if (pfn == MMF_NIL)
		return pfn;
	m->reclaim_held[1] = pfn; /* reading ahead must not reclaim it */
	for (uint32_t o = off + 1; o < stop && o < end; o++) {
		uint32_t oe = swp_entry(swp_type(e), o);
		if (!mmf_swap_count(m, oe) || mmf_swap_cache_lookup(m, oe) != MMF_NIL)
			continue;
		if (read_slot(m, oe, 1) == MMF_NIL)
			break;
	}
	m->reclaim_held[1] = MMF_NIL;
	return pfn;
}

int mmf_unuse_pte(struct mmf_machine *m, struct mmf_mm *mm, const struct mmf_vma *v, uint64_t addr, uint64_t *pte)
{
	(void)mm;
	uint32_t e = mmf_pte_to_swp(*pte);
	int major;
	uint32_t pfn = mmf_swapin(m, e, &major);
	if (pfn == MMF_NIL)
		return -1;
	uint64_t old = *pte;
	uint64_t pgoff = v->pgoff + ((addr - v->start) >> AS_PAGE_SHIFT);
	mmf_anon_map_swapped(m, v, pfn, pgoff, (old & PTE_SWP_EXCLUSIVE) != 0);
	/* unuse_pte(): present and old, as the VMA's protections say, but
	 * never writable (the next write takes a write fault) */
	*pte = ((uint64_t)pfn << MMF_PAGE_SHIFT) | PTE_PRESENT | PTE_USER |
	       ((old & PTE_SWP_SOFT_DIRTY) ? PTE_SOFTDIRTY : 0);
	if (!(v->flags & VM_ACCESS_FLAGS))
		*pte = (*pte & ~PTE_PRESENT) | PTE_PROTNONE;
	mmf_mlock_vma_folio(m, v, *pte); /* folio_add_anon_rmap_pte()'s mlock */
	mmf_swap_free(m, e);
	mmf_folio_free_swap(m, pfn);
	return 0;
}

void mmf_swap_count_refs(const struct mmf_machine *m, unsigned type, uint32_t *refs, uint32_t end)
{
	struct mmf_machine *mw = (struct mmf_machine *)m; /* lookups without allocation do not write */
	for (unsigned p = 0; p < MMF_NPROCS; p++) {
		struct mmf_mm *mm = mmf_as_mm(mw, p);
		for (uint32_t i = 0; mm && mm->pgd != MMF_NIL && i < mm->nr; i++) {
			const struct mmf_vma *v = &mm->vma[i];
			for (uint64_t a = v->start; a < v->end; a += AS_PAGE_SIZE) {
				const uint64_t *pte = mmf_pte_lookup(mw, mm, a, 0);
				if (!pte || !pte_is_swap(*pte) || pte_swp_type(*pte) != type)
					continue;
				uint64_t off = pte_swp_offset(*pte);
				if (off < end)
					refs[off]++;
			}
		}
	}
	mmf_shmem_swap_refs(m, type, refs, end);
}
