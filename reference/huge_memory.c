/* Transparent huge pages of private anonymous memory (mm/huge_memory.c,
 * mm/khugepaged.c's MADV_COLLAPSE): 2 MiB PMDs on profiles of 4 KiB pages.
 *
 * A PMD that maps a THP is the pte table Linux deposits under it
 * (pgtable_trans_huge_deposit), holding the 512 ptes __split_huge_pmd()
 * would write, with PMD_THP set on the PMD entry. So every pte-level path
 * of the model sees the subpages, and what the PMD changes is decided here:
 *  - faults: do_huge_pmd_anonymous_page() maps a new THP, or the huge zero
 *    page on a read; do_huge_pmd_wp_page() reuses an exclusive THP, else
 *    splits the PMD and lets the pte fault copy one small page (5.8+);
 *  - one accessed and one dirty bit for the whole PMD: an access sets them
 *    on all 512 ptes, and a clear of any one clears all (settle);
 *  - splits. Linux splits a PMD before an op that covers part of it. Here
 *    every address-space op ends with mmf_thp_settle(), which splits (clears
 *    PMD_THP; thp_split_pmd) each PMD the op left unlike a huge leaf: not
 *    all 512 ptes present with the same bits over the frames of one folio,
 *    or its 2 MiB no longer inside one VMA. A PMD the op emptied whole
 *    (zap_huge_pmd()) loses its table instead.
 * The folio: its order-9 block is split into 512 order-0 user pages at
 * once, each with its own refcount, mapcount and LRU place (mapcounts count
 * the PMD's mappings as Linux's per-page mapcount does). So a split PMD
 * leaves no large folio: the deferred split queue, and the memory a
 * partly unmapped folio holds until it runs, are not modelled. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "reference/as.h"
#include "reference/internal.h"
#include "reference/mm.h"
#include "reference/swap.h"
#include "reference/textbuf.h"

#define HPAGE_NR 512u
#define HPAGE_PMD_SIZE (2ull << 20) /* THP is only on profiles of 4 KiB pages */

static uint64_t *ptes_of(struct mmf_machine *m, uint64_t pmd)
{
	return (uint64_t *)(m->bytes + (((pmd & PTE_PFN_MASK) >> MMF_PAGE_SHIFT) << MMF_PAGE_SHIFT));
}

static void split_pmd(struct mmf_machine *m, uint64_t *pmd);
static int vma_anon(const struct mmf_vma *v);

/* The PMD entry for addr when it maps a THP, else NULL. A VMA boundary
 * moved inside its 2 MiB (a split, a merge's adjustment) split it then, in
 * Linux (vma_adjust_trans_huge()): so it is split here, at its next use. */
uint64_t *mmf_thp_pmd(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr)
{
	if (!mm->nr_thp || mm->pgd == MMF_NIL)
		return NULL;
	uint64_t *pmd = mmf_pmd_entry(m, mm, addr);
	if (!pmd || !(*pmd & PMD_THP) || !(*pmd & PTE_PRESENT))
		return NULL;
	uint64_t haddr = addr & ~(HPAGE_PMD_SIZE - 1);
	const struct mmf_vma *v = mmf_vma_find(mm, haddr);
	if ((!v || v->start > haddr || v->end < haddr + HPAGE_PMD_SIZE || !vma_anon(v)) &&
	    !MUTANT(m, THP_PARTIAL_MUNMAP_KEEPS_PMD)) {
		split_pmd(m, pmd);
		return NULL;
	}
	return pmd;
}

static int profile_has_thp(const struct mmf_machine *m) { return AS_PAGE_SHIFT == 12 && !AS_PAGE_ORDER; }

/* vma_is_anonymous() and not hugetlb: where the model has THPs. */
static int vma_anon(const struct mmf_vma *v)
{
	return !v->shmem && !(v->flags & (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO | VM_HUGETLB));
}

/* thp_vma_suitable_order(): the aligned 2 MiB around addr inside v. */
static int suitable(const struct mmf_vma *v, uint64_t addr)
{
	uint64_t haddr = addr & ~(HPAGE_PMD_SIZE - 1);
	return haddr >= v->start && haddr + HPAGE_PMD_SIZE <= v->end;
}

/* __thp_vma_allowable_orders() for the PMD order of an anonymous VMA:
 * sysfs applies the enabled mode (faults, smaps; MADV_COLLAPSE ignores
 * it); in_pf skips the size check (the fault checks its own 2 MiB). */
int mmf_thp_vma_allowable(const struct mmf_machine *m, const struct mmf_vma *v, int sysfs, int in_pf)
{
	if (!profile_has_thp(m) || !vma_anon(v) || (v->flags & VM_NOHUGEPAGE))
		return 0;
	if (sysfs && !(m->k.thp == 2 || (m->k.thp == 1 && (v->flags & VM_HUGEPAGE))))
		return 0;
	return in_pf || (v->end >= HPAGE_PMD_SIZE && suitable(v, v->end - HPAGE_PMD_SIZE));
}

static void list_add(struct mmf_mm *mm, uint64_t haddr)
{
	for (uint32_t i = 0; i < mm->nr_thp; i++)
		if (mm->thp[i] == haddr)
			return;
	mm->thp[mm->nr_thp++] = haddr;
}

static int list_full(const struct mmf_mm *mm) { return mm->nr_thp >= MMF_THP_PER_MM; }

/* vma_alloc_anon_folio_pmd(): an order-9 block (GFP_TRANSHUGE_LIGHT: the
 * model neither reclaims nor compacts for it), zeroed, split at once into
 * 512 anonymous user pages of v at pgoff.., each on the LRU. */
static uint32_t thp_alloc(struct mmf_machine *m, const struct mmf_vma *v, uint64_t pgoff)
{
	uint32_t head;
	int err;
	const mmf_gfp_t gfp = (GFP_HIGHUSER_MOVABLE & ~__GFP_RECLAIM) | __GFP_NOWARN | __GFP_NOMEMALLOC | __GFP_ZERO;
	if (mmf_alloc_pages(m, gfp, 9, 0, 0, &head, &err) != MMF_OK)
		return MMF_NIL;
	uint32_t movable = pfn_to_page(m, head)->flags & PG_movable;
	for (uint32_t i = 0; i < HPAGE_NR; i++) {
		struct mmf_page *p = page_w(m, head + i);
		p->refcount = 1;
		p->order = 0;
		p->flags |= PG_allocated | movable | PG_anon | PG_large;
		p->mapping = v->anon_vma;
		p->index = pgoff + i;
		p->mapcount = 0;
		m->nr_anon++;
		memset(mmf_page_bytes(m, head + i), 0, AS_PAGE_SIZE);
		mmf_lru_add(m, head + i);
	}
	return head;
}

/* Fills the table under pmd with the 512 ptes of a PMD mapping head (or
 * the huge zero page: head MMF_NIL), marks the PMD, lists it. */
static void map_pmd(struct mmf_machine *m, struct mmf_mm *mm, const struct mmf_vma *v, uint64_t *pmd, uint64_t haddr,
		    uint32_t head, uint64_t bits)
{
	uint64_t *t = ptes_of(m, *pmd);
	for (uint32_t i = 0; i < HPAGE_NR; i++) {
		if (head == MMF_NIL) {
			t[i] = bits | PTE_ZERO_PAGE;
			continue;
		}
		page_w(m, head + i)->mapcount++;
		t[i] = ((uint64_t)(head + i) << MMF_PAGE_SHIFT) | bits;
	}
	/* mlock_vma_folio() once the folio is mapped whole */
	for (uint32_t i = 0; head != MMF_NIL && (v->flags & VM_LOCKED) && i < HPAGE_NR; i++)
		mmf_mlock_vma_folio(m, v, t[i]);
	*pmd |= PMD_THP;
	list_add(mm, haddr);
}

/* The PMD entry of a huge fault at addr with the pte table under it made:
 * NULL when the PMD is not none (a table is there) or no memory. */
static uint64_t *none_pmd_table(struct mmf_machine *m, struct mmf_mm *mm, uint64_t haddr)
{
	uint64_t *pmd = mm->pgd == MMF_NIL ? NULL : mmf_pmd_entry(m, mm, haddr);
	if (pmd && *pmd)
		return NULL;
	if ((mm->pgd == MMF_NIL && mmf_pgd_alloc(m, mm)) || !mmf_pte_lookup(m, mm, haddr, 1))
		return NULL;
	return mmf_pmd_entry(m, mm, haddr);
}

int mmf_thp_fault(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t addr, int write)
{
	uint64_t haddr = addr & ~(HPAGE_PMD_SIZE - 1);
	if (!mmf_thp_vma_allowable(m, v, 1, 1) || !suitable(v, addr) || list_full(mm))
		return 0;
	uint64_t *pmd = mm->pgd == MMF_NIL ? NULL : mmf_pmd_entry(m, mm, haddr);
	if (pmd && *pmd)
		return 0; /* a pte table is there: the fault goes to it */
	mmf_anon_vma_prepare(m, mm, v);
	struct mmf_thp *s = &m->as->thp;
	uint64_t pgoff = v->pgoff + ((haddr - v->start) >> AS_PAGE_SHIFT);
	if (!write && m->k.thp_zero_page && m->k.zero_page) {
		if (!(pmd = none_pmd_table(m, mm, haddr)))
			return -1;
		if (!s->zero_allocated) { /* get_huge_zero_folio(): made once */
			s->zero_allocated = 1;
			s->zero_page_alloc++;
		}
		map_pmd(m, mm, v, pmd, haddr, MMF_NIL, PTE_BASE);
		return 1;
	}
	uint32_t head = thp_alloc(m, v, pgoff);
	if (head == MMF_NIL) {
		s->fault_fallback++;
		return 0;
	}
	if (!(pmd = none_pmd_table(m, mm, haddr))) {
		for (uint32_t i = 0; i < HPAGE_NR; i++)
			mmf_user_page_put(m, head + i);
		return -1;
	}
	/* mk_huge_pmd(), pmd_mkdirty(), maybe_pmd_mkwrite() */
	map_pmd(m, mm, v, pmd, haddr, head, PTE_BASE | PTE_DIRTIED | ((v->flags & VM_WRITE) ? PTE_RW : 0));
	s->fault_alloc++;
	m->as->depth.thp_faults++;
	return 1;
}

/* __split_huge_pmd(): the ptes under it stay, the PMD no longer maps a
 * huge page. */
static void split_pmd(struct mmf_machine *m, uint64_t *pmd)
{
	if (MUTANT(m, THP_SPLIT_LOSES_SUBPAGE)) {
		uint64_t *t = ptes_of(m, *pmd);
		uint64_t pte = t[HPAGE_NR - 1];
		if (pte_has_page(pte)) { /* the last subpage's pte lost: its contents with it */
			t[HPAGE_NR - 1] = 0;
			mmf_pte_release(m, pte);
		}
	}
	*pmd &= ~PMD_THP;
	m->as->thp.split_pmd++;
	m->as->depth.thp_splits++;
}

/* Is every one of the 512 ptes what one huge leaf would give: mapped, the
 * same bits but the accessed bit, over consecutive frames of one aligned
 * block (or all the huge zero page)? */
static int pmd_uniform(struct mmf_machine *m, const uint64_t *t)
{
	const uint64_t same = ~(PTE_PFN_MASK | PTE_ACCESSED);
	uint64_t e0 = t[0];
	if (!(e0 & PTE_MAPPED))
		return 0;
	int zero = pte_is_zero_page(e0);
	uint32_t head = pte_pfn(e0);
	if (!zero && ((e0 & PTE_SPECIAL) || (head & (HPAGE_NR - 1))))
		return 0;
	for (uint32_t i = 1; i < HPAGE_NR; i++) {
		uint64_t e = t[i];
		if ((e & same) != (e0 & same) || (zero ? !pte_is_zero_page(e) : pte_pfn(e) != head + i))
			return 0;
	}
	(void)m;
	return 1;
}

static int pmd_empty(const uint64_t *t)
{
	for (uint32_t i = 0; i < HPAGE_NR; i++)
		if (t[i])
			return 0;
	return 1;
}

void mmf_thp_settle(struct mmf_machine *m)
{
	if (!m->as)
		return;
	for (unsigned p = 0; p < MMF_NPROCS; p++) {
		struct mmf_mm *mm = &m->as->proc[p].mm;
		for (uint32_t k = 0; k < mm->nr_thp;) {
			uint64_t a = mm->thp[k];
			uint64_t *pmd = m->as->proc[p].live && mm->pgd != MMF_NIL ? mmf_pmd_entry(m, mm, a) : NULL;
			if (pmd && (!(*pmd & PMD_THP) || !(*pmd & PTE_PRESENT)))
				pmd = NULL;
			if (pmd && pmd_empty(ptes_of(m, *pmd))) {
				/* zapped whole (zap_huge_pmd()): the deposited table goes too */
				if (!MUTANT(m, THP_EMPTY_PMD_KEPT))
					mmf_pmd_free_table(m, mm, pmd);
				else
					*pmd &= ~PMD_THP;
				pmd = NULL;
			}
			if (pmd && (pmd = mmf_thp_pmd(m, mm, a)) != NULL) {
				uint64_t *t = ptes_of(m, *pmd);
				if (!pmd_uniform(m, t)) {
					split_pmd(m, pmd);
					pmd = NULL;
				} else {
					/* one accessed bit: cleared on one pte, it is clear */
					int old = 0;
					for (uint32_t i = 0; i < HPAGE_NR && !old; i++)
						old = !(t[i] & PTE_ACCESSED);
					if (old)
						for (uint32_t i = 0; i < HPAGE_NR; i++)
							t[i] &= ~PTE_ACCESSED;
				}
			}
			if (pmd) {
				k++;
				continue;
			}
			mm->thp[k] = mm->thp[--mm->nr_thp];
		}
	}
}

/* A huge PMD an op is about to act on as one: mmf_thp_pmd(), and split
 * now where the op so far left its ptes unlike a huge leaf's (the settle
 * would split it at the op's end; what follows in the op must not take
 * it for whole). */
static uint64_t *live_pmd(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr)
{
	uint64_t *pmd = mmf_thp_pmd(m, mm, addr);
	if (pmd && !pmd_uniform(m, ptes_of(m, *pmd))) {
		split_pmd(m, pmd);
		return NULL;
	}
	return pmd;
}

/* An access through a huge PMD sets its accessed (and, writing, dirty)
 * bit: all 512 ptes. */
void mmf_thp_touch(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr, int write)
{
	uint64_t *pmd = mmf_thp_pmd(m, mm, addr), set = PTE_ACCESSED | (write ? PTE_DIRTIED : 0);
	if (!pmd)
		return;
	uint64_t *t = ptes_of(m, *pmd);
	if ((t[0] & set) == set && (t[HPAGE_NR - 1] & set) == set)
		return;
	if (!(pmd = live_pmd(m, mm, addr)))
		return;
	for (uint32_t i = 0; i < HPAGE_NR; i++)
		t[i] |= set;
}

int mmf_thp_wp(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t addr)
{
	uint64_t *pmd = live_pmd(m, mm, addr);
	if (!pmd)
		return 0;
	uint64_t haddr = addr & ~(HPAGE_PMD_SIZE - 1);
	uint64_t *t = ptes_of(m, *pmd);
	if (pte_is_zero_page(t[0])) {
		/* do_huge_zero_wp_pmd(): a THP of its own, zeroed, in the zero
		 * page's place (6.13+); else the PMD splits */
		if (MUTANT(m, THP_ZERO_WRITTEN_THROUGH)) {
			for (uint32_t i = 0; i < HPAGE_NR; i++)
				t[i] |= PTE_RW | PTE_DIRTIED;
			return 1;
		}
		if (m->k.thp_zero_wp) {
			uint64_t pgoff = v->pgoff + ((haddr - v->start) >> AS_PAGE_SHIFT);
			uint32_t head = thp_alloc(m, v, pgoff);
			if (head != MMF_NIL) {
				map_pmd(m, mm, v, pmd, haddr, head, PTE_BASE | PTE_DIRTIED | PTE_RW);
				m->as->thp.fault_alloc++;
				m->as->depth.thp_faults++;
				return 1;
			}
			m->as->thp.fault_fallback++;
		}
		split_pmd(m, pmd);
		return 0;
	}
	/* reuse when the folio is this PMD's alone: each subpage mapped
	 * once and held by that mapping only */
	int exclusive = 1;
	for (uint32_t i = 0; i < HPAGE_NR && exclusive; i++) {
		const struct mmf_page *p = pfn_to_page(m, pte_pfn(t[i]));
		exclusive = p->mapcount == 1 && p->refcount == 1 && !(p->flags & PG_swapcache);
	}
	if (exclusive || MUTANT(m, THP_COW_REUSES_SHARED)) {
		for (uint32_t i = 0; i < HPAGE_NR; i++)
			t[i] |= PTE_RW | PTE_DIRTIED | PTE_ACCESSED;
		return 1;
	}
	split_pmd(m, pmd);
	return 0;
}

int mmf_thp_copy(struct mmf_machine *m, struct mmf_mm *src, struct mmf_mm *dst, const struct mmf_vma *v)
{
	for (uint32_t k = 0; k < src->nr_thp; k++) {
		uint64_t a = src->thp[k];
		if (a < v->start || a >= v->end || !live_pmd(m, src, a))
			continue;
		uint64_t *d = dst->pgd == MMF_NIL ? NULL : mmf_pmd_entry(m, dst, a);
		if (!d || !(*d & PTE_PRESENT)) {
			mmf_machine_corrupt(m, "thp_fork: the child has no pte table under the huge PMD at %#llx",
					    (unsigned long long)a);
			return -1;
		}
		if (MUTANT(m, THP_FORK_SKIPS_PMD))
			continue;
		*d |= PMD_THP; /* copy_huge_pmd(): the folio shared, write-protected and old in the child */
		list_add(dst, a);
	}
	return 0;
}

int mmf_thp_move_pmd(struct mmf_machine *m, struct mmf_mm *mm, uint64_t old, uint64_t new_addr)
{
	uint64_t *s = live_pmd(m, mm, old);
	if (!s || ((old | new_addr) & (HPAGE_PMD_SIZE - 1)))
		return 0;
	uint64_t *d = mmf_pmd_alloc(m, mm, new_addr);
	if (!d || *d)
		return 0; /* move_huge_pmd() wants a none PMD; else the ptes move one by one */
	*d = *s;
	*s = 0;
	list_add(mm, new_addr);
	return 1;
}

/* ---- folio splits (split_folio()) --------------------------------------- */

static int zero_remap(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t addr, uint64_t *pte,
		      void *arg)
{
	(void)mm, (void)v, (void)addr, (void)arg;
	uint64_t old = *pte;
	/* try_to_map_unused_to_zeropage(): read-only, young (x86's base
	 * protections) */
	*pte = PTE_BASE | PTE_ZERO_PAGE | (old & PTE_SOFTDIRTY);
	mmf_pte_release(m, old);
	return 0; /* an exclusive folio: one mapping */
}

static int page_is_zero(struct mmf_machine *m, uint32_t pfn)
{
	const uint8_t *b = mmf_page_bytes(m, pfn);
	for (unsigned i = 0; i < AS_PAGE_SIZE; i++)
		if (b[i])
			return 0;
	return 1;
}

/* Splits the exclusive THP folio at head: its huge PMD in mm (if any)
 * split, the folio's pages small ones; with thp_split_zero each mapped
 * subpage of only zeroes replaced by the zero page and freed. */
static void split_folio(struct mmf_machine *m, struct mmf_mm *mm, uint32_t head, uint64_t haddr)
{
	uint64_t *pmd = haddr != UINT64_MAX ? mmf_thp_pmd(m, mm, haddr) : NULL;
	if (pmd)
		split_pmd(m, pmd);
	for (uint32_t i = 0; i < HPAGE_NR; i++) {
		struct mmf_page *p = page_w(m, head + i);
		if (!(p->flags & PG_large))
			continue;
		p->flags &= ~PG_large;
		if (m->k.thp_split_zero && !MUTANT(m, THP_SPLIT_LOSES_SUBPAGE) && p->mapcount == 1 &&
		    !(p->flags & (PG_swapcache | PG_unevictable)) && page_is_zero(m, head + i))
			mmf_rmap_each(m, head + i, zero_remap, NULL);
	}
	m->as->thp.split_page++;
}

/* The folio of a page of a THP: mapped by another mm too? */
static int folio_shared(const struct mmf_machine *m, uint32_t head)
{
	for (uint32_t i = 0; i < HPAGE_NR; i++) {
		const struct mmf_page *p = pfn_to_page(m, head + i);
		if ((p->flags & PG_large) && p->mapcount > 1)
			return 1;
	}
	return 0;
}

void mmf_thp_lru_prep(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end)
{
	struct mmf_thp *s = &m->as->thp;
	s->nr_skip = 0;
	uint32_t done[16];
	unsigned nd = 0;
	for (uint64_t a = start; a < end && mm->pgd != MMF_NIL; a += AS_PAGE_SIZE) {
		const uint64_t *pte = mmf_pte_lookup(m, mm, a, 0);
		if (!pte || !pte_has_page(*pte) || !(pfn_to_page(m, pte_pfn(*pte))->flags & PG_large))
			continue;
		uint32_t head = pte_pfn(*pte) & ~(HPAGE_NR - 1), k = 0;
		while (k < nd && done[k] != head)
			k++;
		if (k < nd || nd == sizeof(done) / sizeof(done[0]))
			continue;
		done[nd++] = head;
		if (folio_shared(m, head)) { /* folio_maybe_mapped_shared(): left alone */
			if (s->nr_skip < sizeof(s->skip) / sizeof(s->skip[0]))
				s->skip[s->nr_skip++] = head;
			continue;
		}
		/* a PMD the range covers whole, or the folio's 512 ptes in a row
		 * inside it, go as one folio; any other part is split off */
		uint64_t base = a - ((uint64_t)(pte_pfn(*pte) - head) << AS_PAGE_SHIFT);
		int whole = base >= start && base + HPAGE_PMD_SIZE <= end;
		for (uint32_t i = 0; i < HPAGE_NR && whole; i++) {
			const uint64_t *q = mmf_pte_lookup(m, mm, base + ((uint64_t)i << AS_PAGE_SHIFT), 0);
			whole = q && pte_has_page(*q) && pte_pfn(*q) == head + i;
		}
		if (!whole)
			split_folio(m, mm, head, (base & (HPAGE_PMD_SIZE - 1)) ? UINT64_MAX : base);
	}
}

static int note_mm(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t addr, uint64_t *pte, void *arg)
{
	(void)m, (void)v, (void)addr, (void)pte;
	struct mmf_mm **seen = arg;
	if (*seen && *seen != mm) {
		seen[1] = mm; /* a second mm */
		return 0;
	}
	*seen = mm;
	return 1;
}

int mmf_thp_can_reuse(struct mmf_machine *m, struct mmf_mm *mm, uint32_t pfn)
{
	uint32_t head = pfn & ~(HPAGE_NR - 1);
	int64_t mapcount = 0, refs = 0;
	struct mmf_mm *seen[2] = { mm, NULL };
	for (uint32_t i = 0; i < HPAGE_NR && !seen[1]; i++) {
		const struct mmf_page *p = pfn_to_page(m, head + i);
		if (!(p->flags & PG_large))
			continue;
		mapcount += p->mapcount;
		refs += p->refcount;
		if (p->mapcount > 1 || (p->flags & PG_swapcache))
			return 0; /* mapped twice (another mm), or a reference of the swap cache's */
		if (p->mapcount)
			mmf_rmap_each(m, head + i, note_mm, seen);
	}
	/* a single page mapped: the copy frees the folio; another mm, or a
	 * reference besides the mappings: shared */
	return !seen[1] && mapcount > 1 && mapcount == refs;
}

static int within_locked(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t addr, uint64_t *pte,
			 void *arg)
{
	(void)m, (void)mm;
	uint64_t *fs = arg; /* in: the page's offset in its folio; out: 1 when inside */
	uint64_t start = addr - ((fs[0] & (HPAGE_NR - 1)) << AS_PAGE_SHIFT);
	(void)pte;
	if ((v->flags & VM_LOCKED) && start >= v->start && start + HPAGE_PMD_SIZE <= v->end) {
		fs[1] = 1;
		return 0;
	}
	return 1;
}

/* A THP folio is mlocked only where it lies whole inside one locked VMA
 * (mlock_vma_folio()'s folio_within_vma()), each of its pages its own. */
int mmf_thp_locked_whole(const struct mmf_machine *m, uint32_t pfn)
{
	for (uint32_t head = pfn & ~(HPAGE_NR - 1), i = 0; i < HPAGE_NR; i++)
		if (!(pfn_to_page(m, head + i)->flags & PG_large))
			return 0;
	uint64_t fs[2] = { pfn, 0 };
	mmf_rmap_each((struct mmf_machine *)m, pfn, within_locked, fs);
	return fs[1] != 0;
}

int mmf_thp_lru_skip(const struct mmf_machine *m, uint32_t pfn)
{
	const struct mmf_thp *s = &m->as->thp;
	if (!s->nr_skip || !(pfn_to_page(m, pfn)->flags & PG_large))
		return 0;
	for (unsigned k = 0; k < s->nr_skip; k++)
		if (s->skip[k] == (pfn & ~(HPAGE_NR - 1)))
			return 1;
	return 0;
}

/* ---- MADV_COLLAPSE (madvise_collapse(), hpage_collapse_scan_pmd()) ---- */

enum scan_result {
	SCAN_SUCCEED,
	SCAN_PMD_MAPPED,
	SCAN_PMD_NULL,
	SCAN_PAGE_RO,
	SCAN_PAGE_COUNT,
	SCAN_PAGE_NULL,
	SCAN_ALLOC_HUGE_PAGE_FAIL,
};

static int collapse_errno(enum scan_result r)
{
	switch (r) {
	case SCAN_ALLOC_HUGE_PAGE_FAIL: return ENOMEM;
	case SCAN_PAGE_COUNT: return EAGAIN;
	default: return EINVAL;
	}
}

/* The scan of one PMD's ptes as MADV_COLLAPSE makes it (none of
 * khugepaged's max_ptes_* limits): swap entries are read back first. */
static enum scan_result collapse_scan(struct mmf_machine *m, unsigned proc, struct mmf_mm *mm, uint64_t haddr)
{
	if (live_pmd(m, mm, haddr))
		return SCAN_PMD_MAPPED;
	uint64_t *pmd = mm->pgd == MMF_NIL ? NULL : mmf_pmd_entry(m, mm, haddr);
	if (!pmd || !(*pmd & PTE_PRESENT) || (*pmd & PTE_PS))
		return SCAN_PMD_NULL;
	for (uint32_t i = 0; i < HPAGE_NR; i++) { /* __collapse_huge_page_swapin() */
		uint64_t a = haddr + ((uint64_t)i << AS_PAGE_SHIFT);
		const uint64_t *pte = mmf_pte_lookup(m, mm, a, 0);
		if (pte && pte_is_swap(*pte) && mmf_as_gup_touch(m, proc, a, 0))
			return SCAN_PAGE_NULL;
	}
	const uint64_t *t = ptes_of(m, *pmd);
	for (uint32_t i = 0; i < HPAGE_NR; i++) {
		uint64_t e = t[i];
		if (!e || pte_is_zero_page(e))
			continue;
		if (!(e & PTE_MAPPED) || (e & PTE_SPECIAL))
			return SCAN_PAGE_NULL;
		const struct mmf_page *p = pfn_to_page(m, pte_pfn(e));
		if (!(p->flags & PG_anon) || (p->flags & PG_shmem))
			return SCAN_PAGE_NULL;
		/* is_refcount_suitable(): no reference but the mappings' (and
		 * the swap cache's) */
		if (p->refcount != p->mapcount + !!(p->flags & PG_swapcache))
			return SCAN_PAGE_COUNT;
	}
	return SCAN_SUCCEED; /* read-only ptes too (seen on 6.18: after a fork) */
}

/* collapse_huge_page(): a new THP with the contents of the ptes (zeroes
 * for none and the zero page), the old pages unmapped, the same table the
 * deposit under the new PMD. */
static enum scan_result collapse(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t haddr)
{
	uint64_t pgoff = v->pgoff + ((haddr - v->start) >> AS_PAGE_SHIFT);
	uint32_t head = thp_alloc(m, v, pgoff);
	if (head == MMF_NIL)
		return SCAN_ALLOC_HUGE_PAGE_FAIL;
	uint64_t *pmd = mmf_pmd_entry(m, mm, haddr);
	uint64_t *t = ptes_of(m, *pmd);
	for (uint32_t i = 0; i < HPAGE_NR; i++) {
		uint64_t e = t[i];
		if (!pte_has_page(e))
			continue;
		uint32_t src = pte_pfn(e);
		if (!MUTANT(m, THP_COLLAPSE_SKIPS_CONTENTS)) {
			page_w(m, head + i)->token = pfn_to_page(m, src)->token;
			memcpy(mmf_page_bytes(m, head + i), mmf_page_bytes(m, src), AS_PAGE_SIZE);
		}
		t[i] = 0;
		if (v->flags & VM_LOCKED)
			mmf_munlock_page(m, src);
		mmf_pte_release(m, e);
	}
	map_pmd(m, mm, v, pmd, haddr, head, PTE_BASE | PTE_DIRTIED | ((v->flags & VM_WRITE) ? PTE_RW : 0));
	m->as->thp.collapse_alloc++;
	m->as->depth.thp_collapses++;
	return SCAN_SUCCEED;
}

int mmf_thp_collapse(struct mmf_machine *m, unsigned proc, struct mmf_mm *mm, struct mmf_vma *v, uint64_t start,
		     uint64_t end)
{
	if (!mmf_thp_vma_allowable(m, v, 0, 0))
		return -EINVAL;
	uint64_t hstart = (start + HPAGE_PMD_SIZE - 1) & ~(HPAGE_PMD_SIZE - 1), hend = end & ~(HPAGE_PMD_SIZE - 1);
	if (hstart > hend)
		return -EINVAL; /* inside one PMD, no boundary: Linux's count of blocks wraps (seen on 6.18) */
	uint64_t vstart = v->start;
	unsigned thps = 0, blocks = 0;
	enum scan_result last = SCAN_SUCCEED;
	mmf_lru_drain(m); /* lru_add_drain_all() */
	for (uint64_t a = hstart; a < hend; a += HPAGE_PMD_SIZE) {
		blocks++;
		/* a swap-in may have moved the VMA array: find it again */
		v = mmf_vma_find(mm, a);
		if (!v || v->start != vstart || list_full(mm)) {
			last = SCAN_PMD_NULL;
			break;
		}
		/* hugepage_vma_revalidate(): an anonymous VMA that has faulted
		 * (seen on 6.18: zero-page ptes alone are EINVAL) */
		enum scan_result r = v->anon_vma ? collapse_scan(m, proc, mm, a) : SCAN_PAGE_NULL;
		if (!v->anon_vma) {
			last = r;
			break;
		}
		if (r == SCAN_SUCCEED)
			r = collapse(m, mm, mmf_vma_find(mm, a), a);
		if (r == SCAN_SUCCEED || r == SCAN_PMD_MAPPED) {
			thps++;
			continue;
		}
		last = r; /* the first failure ends it (seen on 6.18: a PMD with no table stops the blocks after it) */
		break;
	}
	return thps == blocks ? 0 : -collapse_errno(last);
}

/* ---- reports ---- */

uint64_t mmf_thp_smaps_anon(struct mmf_machine *m, struct mmf_mm *mm, const struct mmf_vma *v)
{
	uint64_t bytes = 0;
	for (uint32_t k = 0; k < mm->nr_thp; k++) {
		uint64_t a = mm->thp[k];
		uint64_t *pmd = a >= v->start && a < v->end ? mmf_thp_pmd(m, mm, a) : NULL;
		if (pmd && !pte_is_zero_page(ptes_of(m, *pmd)[0]))
			bytes += HPAGE_PMD_SIZE;
	}
	return bytes;
}

/* NR_ANON_THPS: folios mapped by a PMD somewhere. */
static uint64_t anon_thps(struct mmf_machine *m)
{
	uint32_t heads[MMF_NPROCS * MMF_THP_PER_MM];
	uint64_t n = 0;
	for (unsigned p = 0; p < MMF_NPROCS; p++) {
		struct mmf_mm *mm = &m->as->proc[p].mm;
		for (uint32_t k = 0; m->as->proc[p].live && k < mm->nr_thp; k++) {
			uint64_t *pmd = mmf_thp_pmd(m, mm, mm->thp[k]);
			if (!pmd || pte_is_zero_page(ptes_of(m, *pmd)[0]))
				continue;
			uint32_t head = pte_pfn(ptes_of(m, *pmd)[0]), j = 0;
			while (j < n && heads[j] != head)
				j++;
			if (j == n)
				heads[n++] = head;
		}
	}
	return n;
}

void mmf_thp_meminfo(const struct mmf_machine *m, struct mmf_out *o)
{
	mmf_out_kb(o, "AnonHugePages:", (unsigned long long)anon_thps((struct mmf_machine *)m) * (HPAGE_PMD_SIZE >> 10));
}

void mmf_thp_vmstat(const struct mmf_machine *m, struct mmf_out *o)
{
	const struct mmf_thp *s = &m->as->thp;
	mmf_out_put(o,
		    "nr_anon_transparent_hugepages %llu\nthp_fault_alloc %llu\nthp_fault_fallback %llu\n"
		    "thp_collapse_alloc %llu\nthp_split_page %llu\nthp_split_pmd %llu\nthp_zero_page_alloc %llu\n",
		    (unsigned long long)anon_thps((struct mmf_machine *)m), (unsigned long long)s->fault_alloc,
		    (unsigned long long)s->fault_fallback, (unsigned long long)s->collapse_alloc,
		    (unsigned long long)s->split_page, (unsigned long long)s->split_pmd,
		    (unsigned long long)s->zero_page_alloc);
}

void mmf_thp_reset(struct mmf_machine *m)
{
	memset(&m->as->thp, 0, sizeof(m->as->thp));
	for (unsigned p = 0; p < MMF_NPROCS; p++)
		m->as->proc[p].mm.nr_thp = 0;
}

/* The walker: a PMD marked PMD_THP is listed, lies in one anonymous VMA
 * and maps 512 ptes as one huge leaf would. */
int mmf_thp_pmd_is_valid(const struct mmf_machine *m, const struct mmf_mm *mm, uint64_t pmd, uint64_t addr, char *msg,
			 size_t cap)
{
	struct mmf_machine *mw = (struct mmf_machine *)m;
	uint32_t k = 0;
	while (k < mm->nr_thp && mm->thp[k] != addr)
		k++;
	const struct mmf_vma *v = mmf_vma_find((struct mmf_mm *)mm, addr);
	const char *why = k == mm->nr_thp ? "not on its mm's list"
			  : !v || v->start > addr || v->end < addr + HPAGE_PMD_SIZE ? "not inside one VMA"
			  : !vma_anon(v)						? "in a VMA that is not anonymous"
			  : !pmd_uniform(mw, ptes_of(mw, pmd))				? "over ptes no huge leaf would give"
											: NULL;
	if (why)
		snprintf(msg, cap, "thp_pmd: the huge PMD at %#llx is %s", (unsigned long long)addr, why);
	return why ? -1 : 0;
}
