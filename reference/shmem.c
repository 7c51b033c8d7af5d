/* shmem (mm/shmem.c): the page cache of the memfd-like files and of shared
 * anonymous memory, one object each. An object holds a page per offset,
 * allocated zeroed at the first fault there, and a size (i_size) past
 * which faults are SIGBUS; truncating, punching a hole (MADV_REMOVE) and
 * the last user's going take pages out, unmapping them everywhere first. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reference/as.h"
#include "reference/internal.h"
#include "reference/mm.h"
#include "reference/swap.h"

struct shmem_obj {
	uint32_t users;  /* VMAs mapping it, and an open file's descriptor */
	uint32_t npages; /* size of pages[] */
	uint32_t *pages; /* pfn per page offset, MMF_NIL for a hole, or SHMEM_SWAP_BIT | a swap entry */
	uint64_t size;   /* i_size in pages: a fault at or past it is SIGBUS */
	int file;        /* the file's index, or -1 (shared anonymous memory) */
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

uint32_t mmf_shmem_create(struct mmf_machine *m, uint64_t size, int file)
{
	uint32_t id = ++m->as->next_shmem;
	struct shmem_obj *s = shmem_of(m, id);
	if (!s)
		return 0;
	s->size = size;
	s->file = file;
	return id;
}

int mmf_shmem_file(const struct mmf_machine *m, uint32_t id)
{
	return id && id < m->as->shmem_cap ? m->as->shmem[id].file : -1;
}

/* A file's object, made (empty, held open) at its first use. */
static uint32_t file_object(struct mmf_machine *m, unsigned file)
{
	struct mmf_as *as = m->as;
	if (!as->file[file]) {
		as->file[file] = mmf_shmem_create(m, 0, (int)file);
		if (as->file[file])
			as->shmem[as->file[file]].users = 1; /* the descriptor */
	}
	return as->file[file];
}

uint32_t mmf_file_object(struct mmf_machine *m, unsigned file) { return file < MMF_NFILES ? file_object(m, file) : 0; }

void mmf_shmem_get(struct mmf_machine *m, uint32_t id)
{
	struct shmem_obj *s = shmem_of(m, id);
	if (s)
		s->users++;
}

/* One entry of the page cache dropped: a page's reference, or a swap
 * entry's (shmem_free_swap()). */
static void drop_entry(struct mmf_machine *m, struct shmem_obj *s, uint64_t i)
{
	uint32_t v = s->pages[i];
	s->pages[i] = MMF_NIL;
	if (shmem_is_swap(v))
		mmf_free_swap_and_cache(m, v & ~SHMEM_SWAP_BIT);
	else if (v != MMF_NIL)
		mmf_user_page_put(m, v); /* the page cache's reference */
}

/* Drops the page-cache pages at and past `from`. */
static void shmem_truncate(struct mmf_machine *m, struct shmem_obj *s, uint64_t from)
{
	for (uint64_t i = from; i < s->npages; i++)
		drop_entry(m, s, i);
}

/* Drops the page-cache pages in [from, to) (mappings keep theirs). */
void mmf_shmem_punch(struct mmf_machine *m, uint32_t id, uint64_t from, uint64_t to)
{
	struct shmem_obj *s = shmem_of(m, id);
	for (uint64_t i = from; s && i < to && i < s->npages; i++)
		drop_entry(m, s, i);
}

/* The last VMA gone: the object (an unlinked file) goes with its pages. */
void mmf_shmem_put(struct mmf_machine *m, uint32_t id)
{
	struct shmem_obj *s = shmem_of(m, id);
	if (!s || !s->users || --s->users)
		return;
	shmem_truncate(m, s, 0);
}

/* truncate_pagecache(): unmap_mapping_range() over the pages past the
 * new end in every mapping of the file, private copies too (even_cows),
 * then the page cache past it goes. */
int mmf_as_ftruncate(struct mmf_machine *m, unsigned file, uint64_t npages, int *err)
{
	uint32_t id = file < MMF_NFILES ? file_object(m, file) : 0;
	if (!id) {
		*err = file < MMF_NFILES ? ENOMEM : EBADF;
		return -1;
	}
	m->as->used = 1;
	struct shmem_obj *s = &m->as->shmem[id];
	if (npages < s->size) {
		for (unsigned p = 0; p < MMF_NPROCS; p++) {
			struct mmf_mm *mm = mmf_as_mm(m, p);
			for (uint32_t i = 0; mm && i < mm->nr; i++) {
				const struct mmf_vma *v = &mm->vma[i];
				uint64_t vpages = (v->end - v->start) >> AS_PAGE_SHIFT;
				if (v->shmem != id || v->pgoff + vpages <= npages)
					continue;
				uint64_t from = v->pgoff >= npages ? v->start : v->start + ((npages - v->pgoff) << AS_PAGE_SHIFT);
				if (!MUTANT(m, TRUNCATE_KEEPS_COWS) || (v->flags & VM_SHARED))
					mmf_unmap_range(m, mm, from, v->end);
			}
		}
		shmem_truncate(m, s, npages);
	}
	s->size = npages;
	return 0;
}

uint32_t mmf_shmem_find(const struct mmf_machine *m, uint32_t id, uint64_t pgoff)
{
	const struct mmf_as *as = m->as;
	if (!id || id >= as->shmem_cap)
		return MMF_NIL;
	const struct shmem_obj *s = &as->shmem[id];
	return pgoff < s->npages && !shmem_is_swap(s->pages[pgoff]) ? s->pages[pgoff] : MMF_NIL;
}

uint32_t mmf_shmem_entry(const struct mmf_machine *m, uint32_t id, uint64_t pgoff)
{
	const struct mmf_as *as = m->as;
	if (!id || id >= as->shmem_cap)
		return MMF_NIL;
	const struct shmem_obj *s = &as->shmem[id];
	return pgoff < s->npages ? s->pages[pgoff] : MMF_NIL;
}

/* shmem_swapin_folio(): the page for the object's swap entry at pgoff,
 * from the swap cache or read in, back in the page cache (its reference),
 * dirty, out of the swap cache with the slot freed. */
static uint32_t shmem_swapin(struct mmf_machine *m, uint32_t id, struct shmem_obj *s, uint64_t pgoff)
{
	uint32_t e = s->pages[pgoff] & ~SHMEM_SWAP_BIT;
	int major;
	uint32_t pfn = mmf_swapin(m, e, &major);
	if (pfn == MMF_NIL)
		return pfn;
	struct mmf_page *pg = page_w(m, pfn);
	pg->flags |= PG_shmem | PG_dirty;
	pg->mapping = id;
	pg->index = pgoff;
	pg->refcount++; /* the page cache's */
	s->pages[pgoff] = pfn;
	mmf_swap_free(m, e);
	mmf_delete_from_swap_cache(m, pfn);
	return pfn;
}

/* shmem_get_folio(): the page at pgoff, allocated zeroed in a hole. The
 * object holds one reference (the page cache's). */
uint32_t mmf_shmem_page(struct mmf_machine *m, uint32_t id, uint64_t pgoff)
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
	if (shmem_is_swap(s->pages[pgoff]))
		return shmem_swapin(m, id, s, pgoff);
	if (s->pages[pgoff] == MMF_NIL) {
		uint32_t pfn = mmf_anon_page_alloc(m);
		if (pfn == MMF_NIL)
			return MMF_NIL;
		struct mmf_page *pg = page_w(m, pfn);
		pg->flags |= PG_shmem;
		pg->mapping = id;
		pg->index = pgoff;
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
	memset(as->file, 0, sizeof(as->file));
}

void mmf_shmem_fini(struct mmf_machine *m)
{
	mmf_shmem_reset(m);
	free(m->as->shmem);
	m->as->shmem = NULL;
	m->as->shmem_cap = 0;
}


uint64_t mmf_shmem_size(struct mmf_machine *m, uint32_t id)
{
	struct shmem_obj *s = shmem_of(m, id);
	return s ? s->size : 0;
}

void mmf_shmem_refs(const struct mmf_machine *m, uint32_t *refs)
{
	const struct mmf_as *as = m->as;
	for (uint32_t id = 0; id < as->shmem_cap; id++)
		for (uint32_t i = 0; i < as->shmem[id].npages; i++)
			if (as->shmem[id].pages[i] != MMF_NIL && !shmem_is_swap(as->shmem[id].pages[i]))
				refs[as->shmem[id].pages[i]]++;
}

void mmf_shmem_swap_refs(const struct mmf_machine *m, unsigned type, uint32_t *refs, uint32_t end)
{
	const struct mmf_as *as = m->as;
	for (uint32_t id = 0; as && id < as->shmem_cap; id++)
		for (uint32_t i = 0; i < as->shmem[id].npages; i++) {
			uint32_t v = as->shmem[id].pages[i];
			if (shmem_is_swap(v) && swp_type(v & ~SHMEM_SWAP_BIT) == type && swp_offset(v) < end)
				refs[swp_offset(v)]++;
		}
}

int mmf_shmem_writeout(struct mmf_machine *m, uint32_t pfn)
{
	const struct mmf_page *pg = pfn_to_page(m, pfn);
	struct shmem_obj *s = shmem_of(m, pg->mapping);
	uint64_t i = pg->index;
	if (!s || i >= s->npages || s->pages[i] != pfn || mmf_add_to_swap(m, pfn))
		return -1;
	uint32_t e = pg->swap;
	mmf_swap_duplicate(m, e); /* swap_shmem_alloc(): the page cache's entry */
	s->pages[i] = SHMEM_SWAP_BIT | e;
	/* shmem_delete_from_page_cache(): out of the object, its reference gone */
	struct mmf_page *w = page_w(m, pfn);
	w->flags &= ~PG_shmem;
	w->mapping = 0;
	w->index = 0;
	mmf_user_page_put(m, pfn);
	return 0;
}

int mmf_shmem_unuse(struct mmf_machine *m, unsigned type)
{
	struct mmf_as *as = m->as;
	for (uint32_t id = 1; id < as->shmem_cap; id++) {
		struct shmem_obj *s = &as->shmem[id];
		for (uint32_t i = 0; i < s->npages; i++) {
			uint32_t v = s->pages[i];
			if (!shmem_is_swap(v) || swp_type(v & ~SHMEM_SWAP_BIT) != type)
				continue;
			if (MUTANT(m, SWAPOFF_DROPS_SHMEM)) {
				drop_entry(m, s, i); /* a hole where the data was */
				continue;
			}
			if (shmem_swapin(m, id, s, i) == MMF_NIL)
				return -1;
		}
	}
	return 0;
}

void mmf_shmem_remove(struct mmf_machine *m, uint32_t id, uint64_t from, uint64_t to)
{
	for (unsigned p = 0; p < MMF_NPROCS; p++) {
		struct mmf_mm *mm = mmf_as_mm(m, p);
		for (uint32_t i = 0; mm && mm->pgd != MMF_NIL && i < mm->nr; i++) {
			const struct mmf_vma *v = &mm->vma[i];
			uint64_t vpages = (v->end - v->start) >> AS_PAGE_SHIFT;
			if (v->shmem != id || v->pgoff >= to || v->pgoff + vpages <= from)
				continue;
			uint64_t lo = v->pgoff > from ? v->pgoff : from, hi = v->pgoff + vpages < to ? v->pgoff + vpages : to;
			for (uint64_t pg = lo; pg < hi; pg++) {
				uint64_t *pte = mmf_pte_lookup(m, mm, v->start + ((pg - v->pgoff) << AS_PAGE_SHIFT), 0);
				if (!pte || !pte_has_page(*pte) || !(pfn_to_page(m, pte_pfn(*pte))->flags & PG_shmem))
					continue; /* nothing, or a private copy (even_cows = 0) */
				uint64_t old = *pte;
				*pte = 0;
				if (v->flags & VM_LOCKED)
					mmf_munlock_page(m, pte_pfn(old)); /* munlock_vma_folio() */
				mmf_pte_release(m, mmf_vma_has_recency(m, v) ? old : old & ~(uint64_t)PTE_ACCESSED);
			}
		}
	}
	mmf_shmem_punch(m, id, from, to);
}

void mmf_shmem_drop_clean(struct mmf_machine *m)
{
	struct mmf_as *as = m->as;
	for (uint32_t id = 1; id < as->shmem_cap; id++) {
		struct shmem_obj *s = &as->shmem[id];
		for (uint32_t i = 0; i < s->npages; i++) {
			uint32_t v = s->pages[i];
			if (v == MMF_NIL || shmem_is_swap(v))
				continue;
			const struct mmf_page *p = pfn_to_page(m, v);
			if (!(p->flags & PG_dirty) && !p->mapcount && p->refcount == 1)
				drop_entry(m, s, i);
		}
	}
}
