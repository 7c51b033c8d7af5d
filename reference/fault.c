/* Memory accesses and their faults (mm/memory.c handle_mm_fault); the page
 * cache they fault from is shmem.c's.
 *
 * The "hardware" looks first: a present pte allows a read, and a write when
 * it is writable; only otherwise is there a fault. A fault outside every
 * VMA, or one the VMA's permissions forbid, is SIGSEGV (x86: any of read,
 * write or exec permission allows a read; a write needs VM_WRITE).
 * Otherwise the pte is made present:
 *
 *   private anonymous, read   the shared zero page (special, read-only);
 *                             with knob zero_page=0 a zeroed page of its
 *                             own, writable and dirty where the VMA is
 *                             writable (do_anonymous_page's other branch)
 *   private anonymous, write  a fresh zeroed page (anon_vma_prepare first)
 *   shared (anonymous, file)  the shmem object's page at that offset,
 *                             allocated zeroed on first touch, writable
 *                             when the VMA is; SIGBUS past the file's end
 *   private file, read        the page-cache page, read-only
 *   private file, write       a copy of the page-cache page (do_cow_fault)
 *   PFN mapping               ptes are made at mmap; a missing one is
 *                             SIGBUS (no ->fault)
 *   write to a read-only pte  (VM_WRITE) shared: made writable; the zero
 *                             page or a page-cache page is replaced by a
 *                             copy; an anonymous page mapped once is
 *                             reused, one mapped more than once is copied
 *                             (copy-on-write)
 *
 * An instruction fetch needs VM_EXEC. Where it lacks, a present pte is
 * NX and the fetch faults; a fetch from a not-present page faults at once
 * with knob exec_maps=0 (arm64), while with exec_maps=1 (x86's
 * access_error() lets a not-present fetch through in any accessible VMA)
 * the page is faulted in as a read would (zero page, page cache and its
 * fault-around, SIGBUS past a file's end) and the retried fetch faults on
 * NX.
 *
 * Every fault that writes sets the pte dirty and soft-dirty (pte_mkdirty);
 * the "hardware" sets accessed on every access and dirty on a write.
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
#include <string.h>

#include "mmfuzz/result.h"
#include "reference/as.h"
#include "reference/internal.h"
#include "reference/mm.h"
#include "reference/swap.h"
#include "reference/textbuf.h"

/* ---- anonymous memory ------------------------------------------------- */

/* A zeroed user page (an order-AS_PAGE_ORDER block): GFP_HIGHUSER_MOVABLE,
 * one reference. */
uint32_t mmf_anon_page_alloc(struct mmf_machine *m)
{
	uint32_t pfn;
	int err;
	if (mmf_alloc_pages(m, GFP_HIGHUSER_MOVABLE | __GFP_ZERO, AS_PAGE_ORDER, 0, 0, &pfn, &err) != MMF_OK)
		return MMF_NIL;
	page_w(m, pfn)->flags |= PG_anon;
	m->nr_anon++;
	memset(mmf_page_bytes(m, pfn), 0, AS_PAGE_SIZE); /* the token's bytes: zeroed too */
	mmf_lru_add(m, pfn); /* folio_add_lru(): the model's lru_add batch drains at once */
	return pfn;
}

uint32_t mmf_anon_vma_new(struct mmf_machine *m, uint32_t parent)
{
	struct mmf_as *as = m->as;
	uint32_t id = ++as->next_anon_vma;
	if (id >= as->av_cap) {
		uint32_t cap = as->av_cap ? as->av_cap * 2 : 64;
		uint32_t *n = realloc(as->av_parent, cap * sizeof(*n));
		if (!n) {
			mmf_machine_corrupt(m, "anon_vma: out of host memory");
			return id;
		}
		as->av_parent = n;
		as->av_cap = cap;
	}
	as->av_parent[id] = parent;
	return id;
}

/* Is anon_vma `want` on the chain of a VMA whose anon_vma is av? */
static int av_linked(const struct mmf_as *as, uint32_t av, uint32_t want)
{
	for (unsigned depth = 0; av && av < as->av_cap && depth < 4096; depth++, av = as->av_parent[av])
		if (av == want)
			return 1;
	return 0;
}

/* The rmap walk, counting the ptes that map pfn (with o, listing them);
 * with locked_only, only those of VM_LOCKED VMAs. */
static unsigned rmap_walk(const struct mmf_machine *m, uint32_t pfn, struct mmf_out *o, int locked_only)
{
	const struct mmf_page *pg = pfn_to_page(m, pfn);
	const struct mmf_as *as = m->as;
	int file = (pg->flags & PG_shmem) != 0;
	unsigned n = 0;
	for (unsigned p = 0; p < MMF_NPROCS; p++) {
		struct mmf_mm *mm = mmf_as_mm((struct mmf_machine *)m, p);
		for (uint32_t i = 0; mm && mm->pgd != MMF_NIL && i < mm->nr; i++) {
			const struct mmf_vma *v = &mm->vma[i];
			if ((locked_only && !(v->flags & VM_LOCKED)) ||
			    (file ? v->shmem != pg->mapping : !av_linked(as, v->anon_vma, pg->mapping)))
				continue;
			uint64_t vpages = (v->end - v->start) >> AS_PAGE_SHIFT;
			if (pg->index < v->pgoff || pg->index >= v->pgoff + vpages)
				continue; /* vma_address(): outside this VMA */
			uint64_t a = v->start + ((pg->index - v->pgoff) << AS_PAGE_SHIFT);
			const uint64_t *pte = mmf_pte_lookup((struct mmf_machine *)m, mm, a, 0);
			if (!pte || !pte_has_page(*pte) || pte_pfn(*pte) != pfn)
				continue; /* page_vma_mapped_walk() finds another page there */
			n++;
			if (o)
				mmf_out_put(o, "%u %llx\n", p, (unsigned long long)a);
		}
	}
	return n;
}

unsigned mmf_rmap_each(struct mmf_machine *m, uint32_t pfn, mmf_rmap_fn fn, void *arg)
{
	const struct mmf_page *pg = pfn_to_page(m, pfn);
	const struct mmf_as *as = m->as;
	int file = (pg->flags & PG_shmem) != 0;
	unsigned n = 0;
	for (unsigned p = 0; p < MMF_NPROCS; p++) {
		struct mmf_mm *mm = mmf_as_mm(m, p);
		for (uint32_t i = 0; mm && mm->pgd != MMF_NIL && i < mm->nr; i++) {
			struct mmf_vma *v = &mm->vma[i];
			if (file ? v->shmem != pg->mapping : !av_linked(as, v->anon_vma, pg->mapping))
				continue;
			uint64_t vpages = (v->end - v->start) >> AS_PAGE_SHIFT;
			if (pg->index < v->pgoff || pg->index >= v->pgoff + vpages)
				continue;
			uint64_t a = v->start + ((pg->index - v->pgoff) << AS_PAGE_SHIFT);
			uint64_t *pte = mmf_pte_lookup(m, mm, a, 0);
			if (!pte || !pte_has_page(*pte) || pte_pfn(*pte) != pfn)
				continue;
			n++;
			if (!fn(m, mm, v, a, pte, arg))
				return n;
		}
	}
	return n;
}

unsigned mmf_rmap_walk(const struct mmf_machine *m, uint32_t pfn, struct mmf_out *o)
{
	return rmap_walk(m, pfn, o, 0);
}

unsigned mmf_rmap_walk_locked(const struct mmf_machine *m, uint32_t pfn)
{
	return rmap_walk(m, pfn, NULL, 1);
}

/* mlock_folio_batch(): each page of the CPU's mlock batch that a locked
 * VMA maps goes to the unevictable list, leaving the active one
 * (__mlock_folio(), __mlock_new_folio()); one no longer locked leaves it
 * (__munlock_folio()). */
static void mlock_batch_move(struct mmf_machine *m)
{
	struct mmf_as *as = m->as;
	for (unsigned i = 0; i < as->nr_mlock; i++) {
		uint32_t pfn = as->mlock_batch[i];
		if (!(pfn_to_page(m, pfn)->flags & PG_anon))
			continue; /* freed since (Linux's reference would have kept it till now) */
		struct mmf_page *p = page_w(m, pfn);
		if (rmap_walk(m, pfn, NULL, 1) && (!(p->flags & PG_large) || mmf_thp_locked_whole(m, pfn)))
			p->flags = (p->flags | PG_unevictable) & ~PG_active;
		else
			p->flags &= ~PG_unevictable;
		mmf_lru_update(m, pfn);
	}
	as->nr_mlock = 0;
}

/* mlock_folio(), munlock_folio(): a page into the CPU's mlock batch,
 * which moves when full. */
static void mlock_batch_add(struct mmf_machine *m, uint32_t pfn)
{
	struct mmf_as *as = m->as;
	as->mlock_batch[as->nr_mlock++] = pfn;
	if (as->nr_mlock == MMF_LRU_BATCH)
		mlock_batch_move(m);
}

/* mlock_vma_folio() for a pte just installed in v (from rmap's add, or
 * folio_add_lru_vma()'s mlock_new_folio() for a fresh page). */
static void mlock_vma_folio(struct mmf_machine *m, const struct mmf_vma *v, uint64_t pte)
{
	if (pte_has_page(pte) && (v->flags & (VM_LOCKED | VM_SPECIAL)) == VM_LOCKED)
		mlock_batch_add(m, pte_pfn(pte));
}

void mmf_munlock_page(struct mmf_machine *m, uint32_t pfn)
{
	mlock_batch_add(m, pfn);
}

void mmf_mlock_range(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a < end && mm->pgd != MMF_NIL; a += AS_PAGE_SIZE) {
		uint64_t *pte = mmf_pte_lookup(m, mm, a, 0);
		if (!pte || !(*pte & PTE_MAPPED) || !pte_has_page(*pte))
			continue;
		uint32_t pfn = pte_pfn(*pte);
		if (pfn_to_page(m, pfn)->flags & PG_large) {
			/* mlock_pte_range(): a THP folio only where it lies whole in
			 * the range this call (un)locks (folio_within_range()) */
			const struct mmf_vma *v = mmf_vma_find(mm, a);
			uint64_t fs = a - ((uint64_t)(pfn & 511u) << AS_PAGE_SHIFT);
			uint64_t lo = v && v->start > start ? v->start : start, hi = v && v->end < end ? v->end : end;
			if (fs < lo || fs + (512ull << AS_PAGE_SHIFT) > hi)
				continue;
		}
		mlock_batch_add(m, pfn);
	}
}

/* Installs a pte mapping pfn, taking a mapping and a reference (a fresh
 * page comes with its reference). */
static void map_page(struct mmf_machine *m, uint32_t pfn, int fresh)
{
	struct mmf_page *pg = page_w(m, pfn);
	if (!fresh)
		pg->refcount++;
	if (!MUTANT(m, MAPCOUNT_NOT_RAISED) || fresh)
		pg->mapcount++;
}

/* A fresh anonymous page for (v, pgoff): its rmap is v's anon_vma. */
static uint32_t anon_page_for(struct mmf_machine *m, const struct mmf_vma *v, uint64_t pgoff)
{
	uint32_t pfn = mmf_anon_page_alloc(m);
	if (pfn == MMF_NIL)
		return pfn;
	struct mmf_page *pg = page_w(m, pfn);
	pg->mapping = v->anon_vma;
	pg->index = pgoff;
	map_page(m, pfn, 1);
	return pfn;
}

/* The root of anon_vma av's tree (anon_vma->root). */
static uint32_t av_root(const struct mmf_as *as, uint32_t av)
{
	for (unsigned depth = 0; av && av < as->av_cap && as->av_parent[av] && depth < 4096; depth++)
		av = as->av_parent[av];
	return av;
}

void mmf_anon_map_swapped(struct mmf_machine *m, const struct mmf_vma *v, uint32_t pfn, uint64_t pgoff, int exclusive)
{
	struct mmf_page *pg = page_w(m, pfn);
	if (!pg->mapping || (pg->flags & PG_shmem) == 0) {
		/* folio_add_new_anon_rmap() on a page fresh from the slot, or
		 * folio_add_anon_rmap_ptes() on one the swap cache still has:
		 * either way its anon_vma is one the VMA's chain holds */
		if (!pg->mapcount)
			pg->mapping = exclusive ? v->anon_vma : av_root(m->as, v->anon_vma);
		pg->index = pgoff;
	}
	map_page(m, pfn, 0);
}

void mmf_mlock_vma_folio(struct mmf_machine *m, const struct mmf_vma *v, uint64_t pte) { mlock_vma_folio(m, v, pte); }

static void anon_vma_prepare(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v);

/* do_swap_page(): the page behind a swap pte, from the swap cache or read
 * in, mapped (young: x86's base protections carry the accessed bit); the
 * pte's reference on the slot dropped, and the slot itself freed where
 * should_try_to_free_swap() says (swap more than half full, a locked VMA,
 * or a write fault by the page's only user). A write fault on an
 * exclusive entry (or a page nobody else holds) maps it writable and
 * dirty at once; another write fault goes on to do_wp_page(). 0, or -1
 * out of memory. */
static int do_swap_page(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t *pte, uint64_t pgoff,
			int write)
{
	uint64_t orig = *pte;
	uint32_t e = mmf_pte_to_swp(orig);
	int major;
	uint32_t pfn = mmf_swapin(m, e, &major);
	if (pfn == MMF_NIL)
		return -1;
	if (major)
		m->vm.pgmajfault++;
	anon_vma_prepare(m, mm, v);
	int exclusive = (orig & PTE_SWP_EXCLUSIVE) != 0;
	mmf_anon_map_swapped(m, v, pfn, pgoff, exclusive);
	if (!MUTANT(m, SWAPIN_KEEPS_SWAP_COUNT))
		mmf_swap_free(m, e);
	const struct mmf_page *pg = pfn_to_page(m, pfn);
	if ((pg->flags & PG_swapcache) &&
	    (mmf_vm_swap_full(m) || (v->flags & VM_LOCKED) || (write && pg->refcount == 2)))
		mmf_folio_free_swap(m, pfn);
	uint64_t n = ((uint64_t)pfn << MMF_PAGE_SHIFT) | PTE_PRESENT | PTE_USER | PTE_ACCESSED |
		     ((orig & PTE_SWP_SOFT_DIRTY) ? PTE_SOFTDIRTY : 0);
	int reuse = exclusive || pg->refcount == 1;
	if (write && reuse && (v->flags & VM_WRITE))
		n |= PTE_RW | PTE_DIRTY | PTE_SOFTDIRTY;
	*pte = n;
	/* folio_add_anon_rmap_ptes()'s mlock_vma_folio(): after the pte, as the
	 * model's mlock batch looks the page's ptes up when it moves */
	mlock_vma_folio(m, v, *pte);
	return 0;
}

/* anon_vma_prepare(): a VMA gets an anon_vma at its first anonymous page,
 * sharing a neighbour's when the two could merge but for it
 * (find_mergeable_anon_vma), else a new one. */
void mmf_anon_vma_prepare(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v) { anon_vma_prepare(m, mm, v); }

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
	v->anon_vma = mmf_anon_vma_new(m, 0);
	v->chain = 1;
}

/* do_fault_around() and filemap_map_pages() for a read fault of a file
 * page: the page-cache pages already there in the 16-page
 * (fault_around_bytes) aligned block around addr, within the VMA, the file
 * and the page table, are mapped too, where their ptes are empty. Young on
 * x86 (its base protections carry the accessed bit), clean, writable only
 * in a shared writable mapping (shmem needs no write-notify). */
#define PTRS_PER_PTE (1ull << (AS_PAGE_SHIFT - 3))        /* a table is a page of 8-byte entries */
static void fault_around(struct mmf_machine *m, struct mmf_mm *mm, const struct mmf_vma *v, uint64_t addr,
			 uint64_t pgoff)
{
	uint64_t size = mmf_shmem_size(m, v->shmem);
	/* fault_around_bytes in pages (16 at 4 KiB, 8 at 8 KiB by default) */
	uint64_t FAULT_AROUND_PAGES = m->k.fault_around_bytes >> AS_PAGE_SHIFT;
	if (!size || FAULT_AROUND_PAGES < 2)
		return;
	uint64_t pte_off = (addr >> AS_PAGE_SHIFT) & (PTRS_PER_PTE - 1), vma_off = pgoff - v->pgoff;
	uint64_t vma_pages = (v->end - v->start) >> AS_PAGE_SHIFT;
	uint64_t from = pte_off & ~(uint64_t)(FAULT_AROUND_PAGES - 1);
	if (from < pte_off - (pte_off < vma_off ? pte_off : vma_off))
		from = pte_off - (pte_off < vma_off ? pte_off : vma_off);
	uint64_t to = from + FAULT_AROUND_PAGES;
	if (to > PTRS_PER_PTE)
		to = PTRS_PER_PTE;
	if (to > pte_off + vma_pages - vma_off)
		to = pte_off + vma_pages - vma_off;
	int writable = (v->flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE);
	for (uint64_t j = from; j < to; j++) {
		uint64_t pg = pgoff + j - pte_off;
		if (j == pte_off || pg >= size || mmf_shmem_find(m, v->shmem, pg) == MMF_NIL)
			continue; /* the faulting page goes the usual way; holes stay holes */
		uint64_t a = (addr & ~((PTRS_PER_PTE << AS_PAGE_SHIFT) - 1)) + (j << AS_PAGE_SHIFT);
		if (mm->pgd == MMF_NIL && mmf_pgd_alloc(m, mm))
			return;
		uint64_t *pte = mmf_pte_lookup(m, mm, a, 1);
		/* the page again: a table's allocation may have reclaimed it */
		uint32_t pfn = mmf_shmem_find(m, v->shmem, pg);
		if (!pte || *pte || pfn == MMF_NIL)
			continue;
		map_page(m, pfn, 0);
		*pte = ((uint64_t)pfn << MMF_PAGE_SHIFT) | PTE_PRESENT | PTE_USER | PTE_ACCESSED | (writable ? PTE_RW : 0);
		mlock_vma_folio(m, v, *pte);
	}
}


/* handle_pte_fault() for a pte with nothing present: the page cache's
 * page (shared, or read), a copy of it (a private write), the zero page,
 * or a fresh anonymous page. 0, or -1 out of memory. */
static int do_pte_missing(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t *pte, uint64_t addr,
			  uint64_t pgoff, int write)
{
	const uint64_t base = PTE_BASE, dirty = PTE_DIRTIED;
	int shared = (v->flags & VM_SHARED) != 0;
	if (v->shmem && (shared || !write)) {
		/* do_shared_fault(), or do_read_fault() of a private file */
		if (!write)
			fault_around(m, mm, v, addr, pgoff);
		uint32_t pfn = mmf_shmem_page(m, v->shmem, pgoff);
		if (pfn == MMF_NIL)
			return -1;
		map_page(m, pfn, 0);
		*pte = ((uint64_t)pfn << MMF_PAGE_SHIFT) | base | (shared && (v->flags & VM_WRITE) ? PTE_RW : 0) |
		       (write ? dirty : 0);
		if (write)
			page_w(m, pfn)->flags |= PG_dirty; /* fault_dirty_shared_page() */
	} else if (v->shmem) {
		/* do_cow_fault(): the page-cache page, copied */
		uint32_t cache = mmf_shmem_page(m, v->shmem, pgoff);
		if (cache == MMF_NIL)
			return -1;
		anon_vma_prepare(m, mm, v);
		m->reclaim_held[0] = cache;
		uint32_t pfn = anon_page_for(m, v, pgoff);
		m->reclaim_held[0] = MMF_NIL;
		if (pfn == MMF_NIL)
			return -1;
		page_w(m, pfn)->token = pfn_to_page(m, cache)->token;
		memcpy(mmf_page_bytes(m, pfn), mmf_page_bytes(m, cache), AS_PAGE_SIZE);
		*pte = ((uint64_t)pfn << MMF_PAGE_SHIFT) | base | PTE_RW | dirty;
	} else if (!write && m->k.zero_page != MUTANT(m, READ_FAULT_ALLOCATES)) {
		*pte = base | PTE_ZERO_PAGE; /* my_zero_pfn() */
	} else {
		anon_vma_prepare(m, mm, v);
		uint32_t pfn = anon_page_for(m, v, pgoff);
		if (pfn == MMF_NIL)
			return -1;
		*pte = ((uint64_t)pfn << MMF_PAGE_SHIFT) | base | ((v->flags & VM_WRITE) ? PTE_RW | dirty : 0);
	}
	mlock_vma_folio(m, v, *pte);
	return 0;
}

/* do_wp_page(): a write to a present read-only pte: shared mappings and
 * an anonymous page only this pte uses are made writable, the rest
 * copied. 0, or -1 out of memory. */
static int do_wp_page(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t *pte, uint64_t pgoff)
{
	const uint64_t base = PTE_BASE, dirty = PTE_DIRTIED;
	int shared = (v->flags & VM_SHARED) != 0;
	uint32_t old = pte_pfn(*pte);
	int copy_from = pte_has_page(*pte);
	if (copy_from && !shared && (pfn_to_page(m, old)->flags & (PG_swapcache | PG_shmem)) == PG_swapcache &&
	    pfn_to_page(m, old)->refcount == 2)
		mmf_folio_free_swap(m, old); /* wp_can_reuse_anon_folio(): the swap cache's reference goes first */
	if (shared) {
		*pte |= PTE_RW | dirty; /* wp_page_shared(), wp_pfn_shared() */
	} else if (copy_from && !(pfn_to_page(m, old)->flags & PG_shmem) &&
		   ((pfn_to_page(m, old)->flags & PG_large) ? mmf_thp_can_reuse(m, mm, old)
							     : pfn_to_page(m, old)->refcount == 1)) {
		*pte |= PTE_RW | dirty; /* wp_can_reuse_anon_folio() */
	} else {
		anon_vma_prepare(m, mm, v);
		if (copy_from)
			m->reclaim_held[0] = old; /* the fault holds it across the allocation */
		uint32_t pfn = anon_page_for(m, v, pgoff);
		m->reclaim_held[0] = MMF_NIL;
		if (pfn == MMF_NIL)
			return -1;
		if (copy_from && !MUTANT(m, COW_NO_COPY)) {
			page_w(m, pfn)->token = pfn_to_page(m, old)->token;
			memcpy(mmf_page_bytes(m, pfn), mmf_page_bytes(m, old), AS_PAGE_SIZE);
		}
		m->as->depth.cow_breaks++;
		uint64_t was = *pte;
		*pte = ((uint64_t)pfn << MMF_PAGE_SHIFT) | base | PTE_RW | dirty;
		mlock_vma_folio(m, v, *pte);
		if (copy_from && (v->flags & VM_LOCKED))
			mmf_munlock_page(m, old); /* folio_remove_rmap_pte()'s munlock_vma_folio() */
		/* wp_page_copy(): the old pte is cleared and flushed, its young
		 * bit lost (no folio_mark_accessed(), unlike a zap) */
		mmf_pte_release(m, was & ~(uint64_t)PTE_ACCESSED);
	}
	return 0;
}

/* A CPU's access (gup 0), or GUP's (gup 1): GUP reads a present page
 * through the kernel's mapping, so the pte's young bit is the fault
 * handler's to set, never the access's (follow_page_pte() marks the
 * folio accessed instead, which mmf_as_gup_touch() does). */
static int as_access(struct mmf_machine *m, unsigned proc, uint64_t addr, int write, uint64_t token, int *fault,
		     uint64_t *value, int *err, int gup)
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
	/* An instruction fetch is a read the NX bit may forbid: the ptes of a
	 * VMA without VM_EXEC are NX (mprotect changes both together). */
	int exec = write == MMF_ACCESS_EXEC, fill = write == MMF_ACCESS_FILL;
	if (exec)
		write = 0;
	if (fill)
		write = 1; /* a write fault, then the page's words (mmf_fill_word()) */
	uint64_t *hw = mm->pgd == MMF_NIL ? NULL : mmf_pte_lookup(m, mm, addr, 0);
	struct mmf_vma *v = mmf_vma_find(mm, addr);
	int nx = exec && v && !(v->flags & VM_EXEC); /* the fetch ends on NX, whatever is mapped */
	if (hw && (*hw & PTE_PRESENT) && (!write || (*hw & PTE_RW)) && !nx && (!exec || v))
		goto access; /* no fault */
	if (!v || !(v->flags & (write ? VM_WRITE : exec && !m->k.exec_maps ? VM_EXEC : VM_ACCESS_FLAGS)) ||
	    (nx && hw && (*hw & PTE_PRESENT))) {
		*fault = SIGSEGV; /* access_error() */
		return 0;
	}
	uint32_t pfn;
	if (v->flags & VM_HUGETLB) {
		if (nx) { /* a fetch from a present leaf without VM_EXEC */
			const uint64_t *leaf = mmf_hugetlb_leaf(m, mm, addr);
			if (leaf && (*leaf & PTE_PRESENT)) {
				*fault = SIGSEGV;
				return 0;
			}
		}
		if (mmf_hugetlb_fault(m, mm, v, addr, write, &pfn, fault)) {
			*err = ENOMEM;
			return -1;
		}
		if (*fault)
			return 0;
		if (nx) {
			*fault = SIGSEGV;
			return 0;
		}
		hw = mmf_hugetlb_leaf(m, mm, addr);
		goto touch;
	}
	uint64_t pgoff = v->pgoff + ((addr - v->start) >> AS_PAGE_SHIFT);
	int shared = (v->flags & VM_SHARED) != 0, mapped = hw && (*hw & PTE_MAPPED);
	/* No ->fault for a PFN mapping; nothing past the end of a file. */
	if (!mapped && ((v->flags & VM_PFNMAP) || (v->shmem && pgoff >= mmf_shmem_size(m, v->shmem)))) {
		/* do_cow_fault() prepares the anon_vma before ->fault says
		 * SIGBUS: a later fork copies the VMA's ptes (vma_needs_copy) */
		if (write && v->shmem && !shared && !(v->flags & VM_PFNMAP))
			anon_vma_prepare(m, mm, v);
		/* do_read_fault() maps around first, and only then does ->fault
		 * say SIGBUS: the page cache before the end gets mapped */
		if (!write && v->shmem)
			fault_around(m, mm, v, addr, pgoff);
		*fault = SIGBUS;
		return 0;
	}
	/* __handle_mm_fault(): a none PMD where THP backs the VMA */
	if (!hw && mmf_thp_fault(m, mm, v, addr, write) < 0) {
		*err = ENOMEM;
		return -1;
	}
	if (mm->pgd == MMF_NIL && mmf_pgd_alloc(m, mm)) {
		*err = ENOMEM;
		return -1;
	}
	uint64_t *pte = mmf_pte_lookup(m, mm, addr, 1);
	if (!pte) {
		*err = ENOMEM; /* VM_FAULT_OOM */
		return -1;
	}
	if (*pte & PTE_PROTNONE) /* the VMA allows it again: present */
		*pte = (*pte & ~PTE_PROTNONE) | PTE_PRESENT;
	if (pte_is_swap(*pte)) {
		if (do_swap_page(m, mm, v, pte, pgoff, write)) {
			*err = ENOMEM; /* VM_FAULT_OOM */
			return -1;
		}
		pte = mmf_pte_lookup(m, mm, addr, 0);
	}
	if (!(*pte & PTE_PRESENT) ? do_pte_missing(m, mm, v, pte, addr, pgoff, write)
	    : write && !(*pte & PTE_RW) ? (mmf_thp_wp(m, mm, v, addr) ? 0 : do_wp_page(m, mm, v, pte, pgoff))
					: 0) {
		*err = ENOMEM; /* VM_FAULT_OOM */
		return -1;
	}
	hw = pte;
	if (nx) {
		*fault = SIGSEGV; /* the retried fetch: present, NX */
		return 0;
	}
	gup = 0; /* the fault handler's pte is young (wp_page_reuse() makes it so too) */
access:
	if (!gup)
		*hw |= PTE_ACCESSED;
	if (mm->nr_thp) /* a huge PMD: one accessed and dirty bit (touch_pmd() under GUP too) */
		mmf_thp_touch(m, mm, addr, write);
	if (pte_is_zero_page(*hw) || exec)
		return 0;
	pte = hw;
	pfn = pte_pfn(*pte);
touch:
	if (exec)
		return 0;
	pte = hw;
	if (write) {
		struct mmf_page *pg = page_w(m, pfn);
		if (fill) {
			uint8_t *b = mmf_page_bytes(m, pfn);
			uint64_t digest = 0;
			for (unsigned i = 0; i < 512; i++) {
				uint64_t w;
				memcpy(&w, b + 8 * i, 8);
				digest = mmf_digest_add(digest, w, i);
				w = mmf_fill_word((unsigned)token, i);
				memcpy(b + 8 * i, &w, 8);
			}
			pg->token = mmf_page_token_of(m, pfn);
			*value = digest;
		} else {
			pg->token ^= token;
			uint8_t *word = mmf_page_bytes(m, pfn) + 8 * (token % 512);
			uint64_t w;
			memcpy(&w, word, 8);
			w ^= token;
			memcpy(word, &w, 8);
		}
		/* dirty now, so no longer free to drop (PG_lazyfree stays: Linux
		 * keeps the folio !swapbacked until reclaim finds it dirty); GUP
		 * writes through the kernel's mapping: follow_page_pte() dirties
		 * the folio where the pte is clean, and leaves the pte alone */
		if (!gup)
			*pte |= PTE_DIRTY;
		else if (!(*pte & PTE_DIRTY))
			pg->flags |= PG_dirty;
	} else {
		*value = pfn_to_page(m, pfn)->token;
	}
	return 0;
}

/* lru_activate: each queued page still allocated, inactive and evictable
 * goes to the active list (folio_activate_fn()). */
static void act_batch_move(struct mmf_machine *m)
{
	struct mmf_as *as = m->as;
	for (unsigned i = 0; i < as->nr_act; i++) {
		const struct mmf_page *p = pfn_to_page(m, as->act_batch[i]);
		if ((p->flags & (PG_anon | PG_active | PG_unevictable)) == PG_anon) {
			page_w(m, as->act_batch[i])->flags |= PG_active;
			mmf_lru_update(m, as->act_batch[i]);
		}
	}
	as->nr_act = 0;
}

/* Is pfn off the LRU lists, queued in one of the CPU's batches that take
 * it off (lru_activate, lru_lazyfree)? */
static int queued_off_lru(const struct mmf_machine *m, uint32_t pfn)
{
	const struct mmf_as *as = m->as;
	for (unsigned i = 0; i < as->nr_act; i++)
		if (as->act_batch[i] == pfn)
			return 1;
	for (unsigned i = 0; i < as->nr_lazy; i++)
		if (as->lazy_batch[i] == pfn)
			return 1;
	return 0;
}

void mmf_page_mark_accessed(struct mmf_machine *m, uint32_t pfn)
{
	struct mmf_page *p = page_w(m, pfn);
	if (!(p->flags & PG_referenced)) {
		p->flags |= PG_referenced;
	} else if (p->flags & PG_unevictable) {
		; /* on the unevictable list, which is never rotated (a page mlocked in
		   * this op is not there yet: its mlock batch has not moved) */
	} else if (!(p->flags & PG_active)) {
		/* on an LRU list: queued for activation (folio_activate()); already
		 * queued, off the LRU: nothing but the referenced bit (seen on 6.18:
		 * an exit zapping three young ptes of one file page leaves it
		 * unreferenced) */
		if (!queued_off_lru(m, pfn)) {
			struct mmf_as *as = m->as;
			as->act_batch[as->nr_act++] = pfn;
			if (as->nr_act == MMF_LRU_BATCH)
				act_batch_move(m);
		}
		p->flags &= ~PG_referenced;
	}
}

/* folio_mark_accessed() of the THP folio of page pfn: one referenced and
 * one active bit for its pages, the state taken from pfn's; a large
 * folio's activation moves at once (folio_batch_add_and_move()). */
static void mark_folio_accessed(struct mmf_machine *m, uint32_t pfn)
{
	uint32_t f = pfn_to_page(m, pfn)->flags, head = pfn & ~511u;
	if (f & PG_unevictable && (f & PG_referenced))
		return;
	for (uint32_t i = 0; i < 512; i++) {
		struct mmf_page *p = page_w(m, head + i);
		if (!(p->flags & PG_large))
			continue;
		if (!(f & PG_referenced)) {
			p->flags |= PG_referenced;
		} else if (!(f & PG_active)) {
			p->flags &= ~PG_referenced;
			if ((p->flags & (PG_anon | PG_active | PG_unevictable)) == PG_anon) {
				p->flags |= PG_active;
				mmf_lru_update(m, head + i);
			}
		}
	}
}

int mmf_as_access(struct mmf_machine *m, unsigned proc, uint64_t addr, int write, uint64_t token, int *fault,
		  uint64_t *value, int *err)
{
	return as_access(m, proc, addr, write, token, fault, value, err, 0);
}

int mmf_as_gup_touch(struct mmf_machine *m, unsigned proc, uint64_t addr, int write)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	int fault, err;
	uint64_t value;
	if (as_access(m, proc, addr, write, 0, &fault, &value, &err, 1))
		return -1;
	if (fault)
		return fault;
	uint64_t *pte = mmf_pte_lookup(m, mm, addr, 0);
	/* follow_page_pte() marks the folio accessed; follow_huge_pmd()
	 * only makes the PMD young (touch_pmd(), done by the access) */
	if (pte && pte_has_page(*pte) && !mmf_thp_pmd(m, mm, addr)) {
		uint32_t pfn = pte_pfn(*pte);
		if (!(pfn_to_page(m, pfn)->flags & PG_large)) {
			mmf_page_mark_accessed(m, pfn);
			return 0;
		}
		mark_folio_accessed(m, pfn);
	}
	return 0;
}

/* clear_refs_write() */
int mmf_as_clear_refs(struct mmf_machine *m, unsigned proc, unsigned value, int *err)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	if (value < 1 || value > 5) {
		*err = EINVAL;
		return -1;
	}
	m->as->used = 1;
	if (value == 5) /* CLEAR_REFS_MM_HIWATER_RSS: nothing the model shows */
		return 0;
	for (uint32_t i = 0; i < mm->nr; i++) {
		struct mmf_vma *v = &mm->vma[i];
		int file = v->shmem || (v->flags & VM_PFNMAP);
		if ((value == 2 && file) || (value == 3 && !file))
			continue;
		if (value == 4 && !MUTANT(m, SOFTDIRTY_KEEPS_VMA_FLAG))
			v->flags &= ~VM_SOFTDIRTY;
		for (uint64_t a = v->start; a < v->end && mm->pgd != MMF_NIL; a += AS_PAGE_SIZE) {
			uint64_t *pte = mmf_pte_lookup(m, mm, a, 0);
			if (!pte || !(*pte & PTE_PRESENT))
				continue;
			if (value == 4) /* clear_soft_dirty(): write-protected, so the next write faults */
				*pte &= ~(PTE_RW | (MUTANT(m, SOFTDIRTY_NOT_CLEARED) ? 0 : PTE_SOFTDIRTY));
			else if (pte_has_page(*pte))
				*pte &= ~PTE_ACCESSED;
		}
	}
	return 0;
}

/* change_protection() for mprotect: without write permission the ptes
 * lose it; without any access they become PROT_NONE (not present, frame
 * kept). A range gaining write has ptes made writable at once where no
 * fault is needed (can_change_pte_writable()): in a shared mapping (shmem
 * needs no write-notify) and on an anonymous page only this pte maps (the
 * model's stand-in for PageAnonExclusive), unless soft-dirty tracking
 * wants the fault (a pte not soft-dirty in a VMA whose VM_SOFTDIRTY is
 * clear). The rest stay read-only and take the write faults. A writable
 * pte stays clean: a GUP write then dirties the page, not the pte (seen
 * on 6.18 through a fork's child's Pss_Dirty). */
/* modify_prot_start_ptes() on a batch (mprotect_folio_pte_batch()): the
 * ptes in a row of one THP folio, consecutive frames, alike but for the
 * accessed and dirty bits, within one pte table, get the bits any had. */
static void batch_thp_bits(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end)
{
	const uint64_t table = PTRS_PER_PTE << AS_PAGE_SHIFT, ad = PTE_ACCESSED | PTE_DIRTY;
	for (uint64_t a = start; a < end;) {
		uint64_t *first = mmf_pte_lookup(m, mm, a, 0);
		if (!first || !pte_has_page(*first) || !(pfn_to_page(m, pte_pfn(*first))->flags & PG_large)) {
			a += AS_PAGE_SIZE;
			continue;
		}
		uint64_t stop = (a & ~(table - 1)) + table, bits = *first & ad, b = a + AS_PAGE_SIZE;
		uint32_t pfn = pte_pfn(*first);
		for (; b < end && b < stop; b += AS_PAGE_SIZE) {
			const uint64_t *q = mmf_pte_lookup(m, mm, b, 0);
			uint32_t next = pfn + (uint32_t)((b - a) >> AS_PAGE_SHIFT);
			if (!q || !pte_has_page(*q) || pte_pfn(*q) != next || (next & ~511u) != (pfn & ~511u) ||
			    ((*q ^ *first) & ~(PTE_PFN_MASK | ad)))
				break;
			bits |= *q & ad;
		}
		for (uint64_t c = a; c < b; c += AS_PAGE_SIZE)
			*mmf_pte_lookup(m, mm, c, 0) |= bits;
		a = b;
	}
}

void mmf_as_change_protection(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end, uint32_t flags)
{
	if (mm->pgd == MMF_NIL)
		return;
	if (m->k.mprotect_batch)
		batch_thp_bits(m, mm, start, end);
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
		if ((flags & VM_WRITE) && (*pte & PTE_PRESENT) && !(*pte & PTE_RW) &&
		    !(m->k.soft_dirty && !(flags & VM_SOFTDIRTY) && !(*pte & PTE_SOFTDIRTY))) {
			const struct mmf_page *p = pte_has_page(*pte) ? pfn_to_page(m, pte_pfn(*pte)) : NULL;
			if ((flags & VM_SHARED) ||
			    (p && !(p->flags & PG_shmem) && p->mapcount == 1 && p->refcount == 1))
				*pte |= PTE_RW;
		}
	}
}

void mmf_as_lazyfree(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a < end && mm->pgd != MMF_NIL; a += AS_PAGE_SIZE) {
		uint64_t *pte = mmf_pte_lookup(m, mm, a, 0);
		if (pte && pte_is_swap(*pte)) { /* the data is not wanted: the slot goes (free_swap_and_cache()) */
			uint32_t e = mmf_pte_to_swp(*pte);
			*pte = 0;
			mmf_free_swap_and_cache(m, e);
			continue;
		}
		if (!pte || !(*pte & PTE_MAPPED) || !pte_has_page(*pte))
			continue;
		uint32_t pfn = pte_pfn(*pte);
		if (mmf_thp_lru_skip(m, pfn))
			continue; /* a THP another mm maps too: left alone whole */
		struct mmf_page *p = page_w(m, pfn);
		/* madvise_free_pte_range(): a dirty folio is left alone when
		 * another mm maps it too (its dirty bit is theirs as well), else
		 * made clean; a clean one is marked lazy-free shared or not (seen
		 * on 6.18: a page shared with a fork's child loses its
		 * referenced bit when the batch drains) */
		if (p->flags & PG_dirty) {
			if (p->mapcount != 1)
				continue;
			p->flags &= ~PG_dirty;
		}
		*pte &= ~(PTE_DIRTY | PTE_ACCESSED); /* clear_young_dirty_ptes() */
		if (p->flags & (PG_unevictable | PG_lazyfree))
			continue; /* folio_mark_lazyfree(): not an unevictable (mlocked) folio
				   * (mlock drains the batch before it makes one unevictable,
				   * so lru_lazyfree() meets none), nor one lazy-free already
				   * (!swapbacked, written since or not: its referenced bit
				   * stays) */
		p->flags |= PG_lazyfree;
		/* folio_mark_lazyfree(): into the CPU's batch, which moves when full */
		struct mmf_as *as = m->as;
		as->lazy_batch[as->nr_lazy++] = pfn;
		if (as->nr_lazy == MMF_LRU_BATCH)
			mmf_lru_drain(m);
	}
}

void mmf_lru_drain(struct mmf_machine *m)
{
	struct mmf_as *as = m->as;
	for (unsigned i = 0; i < as->nr_lazy; i++) {
		struct mmf_page *p = page_w(m, as->lazy_batch[i]);
		/* the batch holds a reference in Linux, so the folio is still the
		 * one marked; here a page freed since is left alone */
		if (p->flags & PG_anon) {
			p->flags &= ~(PG_referenced | PG_active); /* lru_lazyfree() */
			mmf_lru_update(m, as->lazy_batch[i]);
		}
	}
	as->nr_lazy = 0;
	act_batch_move(m);   /* folio_activate_drain() */
	mlock_batch_move(m); /* mlock_drain_local() */
}
