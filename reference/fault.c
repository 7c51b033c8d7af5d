/* Memory accesses and their faults (mm/memory.c handle_mm_fault), and the
 * shmem objects behind shared anonymous mappings.
 *
 * The "hardware" looks first: a present pte allows a read, and a write when
 * it is writable; only otherwise is there a fault. A fault outside every
 * VMA, or one the VMA's permissions forbid, is SIGSEGV (x86: any of read,
 * write or exec permission allows a read; a write needs VM_WRITE).
 * Otherwise the pte is made present:
 *
 *   private anonymous, read   the shared zero page (special, read-only)
 *   private anonymous, write  a fresh zeroed page (anon_vma_prepare first)
 *   shared anonymous          the shmem object's page at that offset,
 *                             allocated zeroed on first touch, writable
 *                             when the VMA is
 *   write to a read-only pte  (VM_WRITE) the zero page is replaced by a
 *                             fresh page; an anonymous page mapped once is
 *                             reused, one mapped more than once is copied
 *                             (copy-on-write)
 *
 * Page contents are one token per frame standing for the XOR of the page's
 * 512 words: a write XORs its token into one word (word token % 512), so
 * the token changes by it, and what was in the page before still counts
 * (a COW copy that loses the old contents shows). A read gives the XOR of
 * the words: the token. The zero page reads 0. Anonymous
 * pages are allocated GFP_HIGHUSER_MOVABLE, counted in nr_anon; each pte
 * mapping a frame holds one reference on it. The pgd of a process is
 * allocated at its first fault (process 0 exists from reset without one,
 * so a sequence without faults leaves the buddy untouched). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "reference/as.h"
#include "reference/mm.h"

/* ---- shmem objects ---------------------------------------------------- */

struct shmem_obj {
	uint32_t users;  /* VMAs mapping it */
	uint32_t npages; /* size of pages[] */
	uint32_t *pages; /* pfn per page offset, MMF_NIL for a hole */
};

static struct shmem_obj *shmem_of(struct mmf_machine *m, uint32_t id)
{
	struct mmf_as *as = m->as;
	if (id >= as->shmem_cap) {
		uint32_t cap = as->shmem_cap ? as->shmem_cap * 2 : 16;
		while (cap <= id)
			cap *= 2;
		struct shmem_obj *n = realloc(as->shmem, cap * sizeof(*n));
		if (!n)
			return NULL;
		memset(n + as->shmem_cap, 0, (cap - as->shmem_cap) * sizeof(*n));
		as->shmem = n;
		as->shmem_cap = cap;
	}
	return &as->shmem[id];
}

void mmf_shmem_get(struct mmf_machine *m, uint32_t id)
{
	struct shmem_obj *s = shmem_of(m, id);
	if (s)
		s->users++;
}

/* The last VMA gone: the object (an unlinked file) goes with its pages. */
void mmf_shmem_put(struct mmf_machine *m, uint32_t id)
{
	struct shmem_obj *s = shmem_of(m, id);
	if (!s || !s->users || --s->users)
		return;
	for (uint32_t i = 0; i < s->npages; i++) {
		if (s->pages[i] == MMF_NIL)
			continue;
		mmf_pte_release(m, ((uint64_t)s->pages[i] << 12) | PTE_PRESENT);
		s->pages[i] = MMF_NIL;
	}
}

/* shmem_get_folio(): the page at pgoff, allocated zeroed in a hole. The
 * object holds one reference (the page cache's). */
static uint32_t shmem_page(struct mmf_machine *m, uint32_t id, uint64_t pgoff)
{
	struct shmem_obj *s = shmem_of(m, id);
	if (!s || pgoff >= (1u << 20))
		return MMF_NIL;
	if (pgoff >= s->npages) {
		uint32_t n = s->npages ? s->npages : 16;
		while (n <= pgoff)
			n *= 2;
		uint32_t *p = realloc(s->pages, n * sizeof(*p));
		if (!p)
			return MMF_NIL;
		for (uint32_t i = s->npages; i < n; i++)
			p[i] = MMF_NIL;
		s->pages = p;
		s->npages = n;
	}
	if (s->pages[pgoff] == MMF_NIL) {
		uint32_t pfn = mmf_anon_page_alloc(m);
		if (pfn == MMF_NIL)
			return MMF_NIL;
		page_w(m, pfn)->flags |= PG_shmem;
		s->pages[pgoff] = pfn;
	}
	return s->pages[pgoff];
}

void mmf_shmem_reset(struct mmf_machine *m)
{
	struct mmf_as *as = m->as;
	for (uint32_t i = 0; i < as->shmem_cap; i++) {
		free(as->shmem[i].pages);
		as->shmem[i] = (struct shmem_obj){ 0 };
	}
}

void mmf_shmem_fini(struct mmf_machine *m)
{
	mmf_shmem_reset(m);
	free(m->as->shmem);
	m->as->shmem = NULL;
	m->as->shmem_cap = 0;
}

/* ---- anonymous memory ------------------------------------------------- */

/* A zeroed user page: GFP_HIGHUSER_MOVABLE, one reference. */
uint32_t mmf_anon_page_alloc(struct mmf_machine *m)
{
	uint32_t pfn;
	int err;
	if (mmf_alloc_pages(m, GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0, 0, 0, &pfn, &err) != MMF_OK)
		return MMF_NIL;
	page_w(m, pfn)->flags |= PG_anon;
	m->nr_anon++;
	return pfn;
}

/* anon_vma_prepare(): a VMA gets an anon_vma at its first anonymous page,
 * sharing a neighbour's when the two could merge but for it
 * (find_mergeable_anon_vma), else a new one. */
static void anon_vma_prepare(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v)
{
	if (v->anon_vma)
		return;
	struct mmf_vma *near[2] = { v > mm->vma ? v - 1 : NULL, v + 1 < mm->vma + mm->nr ? v + 1 : NULL };
	for (int k = 0; k < 2; k++) {
		struct mmf_vma *a = k ? v : near[0], *b = k ? near[1] : v, *o = near[k];
		if (!o || !o->anon_vma || o->chain > 1)
			continue;
		/* anon_vma_compatible(a, b): adjacent, same file, flags equal but
		 * for the access bits, contiguous offsets. */
		if (a->end == b->start && a->shmem == b->shmem &&
		    !((a->flags ^ b->flags) & ~(VM_ACCESS_FLAGS | VM_SOFTDIRTY)) &&
		    b->pgoff == a->pgoff + ((b->start - a->start) >> AS_PAGE_SHIFT)) {
			v->anon_vma = o->anon_vma;
			v->chain = 1;
			return;
		}
	}
	v->anon_vma = ++m->as->next_anon_vma;
	v->chain = 1;
}

int mmf_as_access(struct mmf_machine *m, unsigned proc, uint64_t addr, int write, uint64_t token, int *fault,
		  uint64_t *value, int *err)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	*fault = 0;
	*value = 0;
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	m->as->used = 1;
	addr &= ~(AS_PAGE_SIZE - 1);
	uint64_t *hw = mm->pgd == MMF_NIL ? NULL : mmf_pte_lookup(m, mm, addr, 0);
	if (hw && (*hw & PTE_PRESENT) && (!write || (*hw & PTE_RW)))
		goto access; /* no fault */
	struct mmf_vma *v = mmf_vma_find(mm, addr);
	if (!v || !(v->flags & (write ? VM_WRITE : VM_ACCESS_FLAGS))) {
		*fault = SIGSEGV;
		return 0;
	}
	if (mm->pgd == MMF_NIL && mmf_pgd_alloc(m, mm)) {
		*err = ENOMEM;
		return -1;
	}
	uint64_t *pte = mmf_pte_lookup(m, mm, addr, 1);
	if (pte && (*pte & PTE_PROTNONE)) /* the VMA allows it again: present */
		*pte = (*pte & ~PTE_PROTNONE) | PTE_PRESENT;
	if (!pte) {
		*err = ENOMEM; /* VM_FAULT_OOM */
		return -1;
	}
	uint64_t pgoff = v->pgoff + ((addr - v->start) >> AS_PAGE_SHIFT);
	if (!(*pte & PTE_PRESENT)) {
		if (v->shmem) {
			uint32_t pfn = shmem_page(m, v->shmem, pgoff);
			if (pfn == MMF_NIL) {
				*err = ENOMEM;
				return -1;
			}
			page_w(m, pfn)->refcount++;
			*pte = ((uint64_t)pfn << 12) | PTE_PRESENT | PTE_USER | PTE_ACCESSED |
			       ((v->flags & VM_WRITE) ? PTE_RW : 0) | (write ? PTE_DIRTY : 0);
		} else if (!write && !MUTANT(m, READ_FAULT_ALLOCATES)) {
			*pte = PTE_PRESENT | PTE_USER | PTE_ACCESSED | PTE_SPECIAL; /* my_zero_pfn() */
		} else {
			anon_vma_prepare(m, mm, v);
			uint32_t pfn = mmf_anon_page_alloc(m);
			if (pfn == MMF_NIL) {
				*err = ENOMEM;
				return -1;
			}
			*pte = ((uint64_t)pfn << 12) | PTE_PRESENT | PTE_USER | PTE_ACCESSED |
			       ((v->flags & VM_WRITE) ? PTE_RW | PTE_DIRTY : 0);
		}
	} else if (write && !(*pte & PTE_RW)) {
		/* do_wp_page() */
		uint32_t old = (uint32_t)((*pte & PTE_PFN_MASK) >> 12);
		if (v->shmem) {
			*pte |= PTE_RW | PTE_DIRTY;
		} else if (!(*pte & PTE_SPECIAL) && pfn_to_page(m, old)->refcount == 1) {
			*pte |= PTE_RW | PTE_DIRTY; /* wp_can_reuse_anon_folio() */
		} else {
			anon_vma_prepare(m, mm, v);
			uint32_t pfn = mmf_anon_page_alloc(m);
			if (pfn == MMF_NIL) {
				*err = ENOMEM;
				return -1;
			}
			if (!(*pte & PTE_SPECIAL) && !MUTANT(m, COW_NO_COPY))
				page_w(m, pfn)->token = pfn_to_page(m, old)->token;
			uint64_t was = *pte;
			*pte = ((uint64_t)pfn << 12) | PTE_PRESENT | PTE_USER | PTE_ACCESSED | PTE_RW | PTE_DIRTY;
			mmf_pte_release(m, was);
		}
	}
	hw = pte;
access:
	if (*hw & PTE_SPECIAL) {
		*value = 0;
		return 0;
	}
	pte = hw;
	uint32_t pfn = (uint32_t)((*pte & PTE_PFN_MASK) >> 12);
	if (write) {
		struct mmf_page *pg = page_w(m, pfn);
		pg->token ^= token;
		pg->flags &= (uint16_t)~PG_lazyfree; /* written again: no longer free to drop */
		*pte |= PTE_DIRTY;
	} else {
		*value = pfn_to_page(m, pfn)->token;
	}
	return 0;
}

/* change_protection() for mprotect: without write permission the ptes
 * lose it; without any access they become PROT_NONE (not present, frame
 * kept); a range gaining write keeps its ptes read-only and takes the
 * write faults (Linux makes some writable at once; what a program sees,
 * the values and the faults it gets, is the same). */
void mmf_as_change_protection(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end, uint32_t flags)
{
	if (mm->pgd == MMF_NIL)
		return;
	for (uint64_t a = start; a < end; a += AS_PAGE_SIZE) {
		uint64_t *pte = mmf_pte_lookup(m, mm, a, 0);
		if (!pte || !(*pte & PTE_MAPPED))
			continue;
		if (!(flags & VM_WRITE) && !MUTANT(m, MPROTECT_KEEPS_WRITE))
			*pte &= ~PTE_RW;
		if (flags & VM_ACCESS_FLAGS)
			*pte = (*pte & ~PTE_PROTNONE) | PTE_PRESENT;
		else
			*pte = (*pte & ~PTE_PRESENT) | PTE_PROTNONE;
	}
}

void mmf_shmem_refs(const struct mmf_machine *m, uint32_t *refs)
{
	const struct mmf_as *as = m->as;
	for (uint32_t id = 0; id < as->shmem_cap; id++)
		for (uint32_t i = 0; i < as->shmem[id].npages; i++)
			if (as->shmem[id].pages[i] != MMF_NIL)
				refs[as->shmem[id].pages[i]]++;
}

void mmf_as_lazyfree(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a < end && mm->pgd != MMF_NIL; a += AS_PAGE_SIZE) {
		uint64_t *pte = mmf_pte_lookup(m, mm, a, 0);
		if (!pte || !(*pte & PTE_PRESENT) || (*pte & PTE_SPECIAL))
			continue;
		uint32_t pfn = (uint32_t)((*pte & PTE_PFN_MASK) >> 12);
		if (pfn_to_page(m, pfn)->refcount != 1)
			continue; /* shared with another mm: left alone */
		*pte &= ~(PTE_DIRTY | PTE_ACCESSED);
		page_w(m, pfn)->flags |= PG_lazyfree;
	}
}
