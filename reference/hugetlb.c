/* hugetlb (mm/hugetlb.c, fs/hugetlbfs/inode.c): the 2 MiB pool, resized
 * through nr_hugepages and nr_overcommit_hugepages; MAP_HUGETLB mappings
 * with their reservations; their faults, COW and fork; and what /proc
 * shows of them. See hugetlb.h for the vocabulary.
 *
 * The pool (set_max_huge_pages(), gather_surplus_pages(),
 * return_unused_surplus_pages(), free_huge_folio()): pages come from the
 * buddy node by node (the next_nid_to_alloc rotor, __GFP_THISNODE) and
 * go back by the next_nid_to_free rotor; a page freed while its node has
 * surplus pages goes back to the buddy as a surplus one.
 *
 * Reservations (hugetlb_reserve_pages(), alloc_hugetlb_folio()): an mmap
 * without MAP_NORESERVE reserves its whole length, growing the pool with
 * surplus pages where free ones are short (ENOMEM past the overcommit
 * limit). A fault uses its index's reservation where one is held; any
 * other fault, and every COW copy, needs a page nobody reserved (free -
 * resv > 0, else a new surplus page), or it is a SIGBUS. A private
 * mapping's reservations go back when its owner VMAs close; a shared
 * object's unused ones when its last VMA goes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "reference/as.h"
#include "reference/hugetlb.h"
#include "reference/internal.h"
#include "reference/mm.h"
#include "reference/textbuf.h"
#include "reference/vma.h"

#define HSTATE(m) (&(m)->as->hstate)

static unsigned nr_nodes(const struct mmf_machine *m) { return m->prof->nr_nodes ? m->prof->nr_nodes : 1; }

static int is_huge_head(const struct mmf_machine *m, uint32_t pfn)
{
	const struct mmf_page *p = pfn_to_page(m, pfn);
	return pfn < m->end_pfn && (p->flags & PG_hugetlb) && (p->flags & PG_allocated) && p->order == HUGE_ORDER;
}

/* ---- the pool ---------------------------------------------------------- */

static void enqueue(struct mmf_machine *m, uint32_t pfn)
{
	struct mmf_hstate *h = HSTATE(m);
	unsigned nid = page_to_nid(m, pfn_to_page(m, pfn));
	struct mmf_page *p = page_w(m, pfn);
	p->next = h->freelist[nid];
	p->refcount = 0;
	p->mapcount = 0;
	p->mapping = 0;
	h->freelist[nid] = pfn;
	h->free++;
	h->free_node[nid]++;
}

static uint32_t dequeue_node(struct mmf_machine *m, unsigned nid)
{
	struct mmf_hstate *h = HSTATE(m);
	uint32_t pfn = h->freelist[nid];
	if (pfn == MMF_NIL)
		return MMF_NIL;
	struct mmf_page *p = page_w(m, pfn);
	h->freelist[nid] = p->next;
	p->next = MMF_NIL;
	h->free--;
	h->free_node[nid]--;
	return pfn;
}

/* alloc_buddy_hugetlb_folio(): an order-9 block from the buddy on nid
 * (only there with thisnode), counted in htlb_buddy_alloc_*; not yet in
 * the pool's counts. */
static uint32_t buddy_alloc(struct mmf_machine *m, unsigned nid, int thisnode)
{
	struct mmf_hstate *h = HSTATE(m);
	uint32_t pfn;
	int err;
	mmf_gfp_t gfp = GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL | __GFP_NOWARN | (thisnode ? __GFP_THISNODE : 0);
	if (mmf_alloc_pages(m, gfp, HUGE_ORDER, 0, nid, &pfn, &err) != MMF_OK) {
		h->alloc_fail++;
		return MMF_NIL;
	}
	h->alloc_success++;
	struct mmf_page *p = page_w(m, pfn);
	p->flags |= PG_hugetlb; /* movable, as Linux allocates it, but the model migrates none (cma.c) */
	p->refcount = 0;
	p->mapcount = 0;
	p->next = MMF_NIL;
	return pfn;
}

static void buddy_free(struct mmf_machine *m, uint32_t pfn)
{
	struct mmf_page *p = page_w(m, pfn);
	p->flags &= ~PG_hugetlb;
	p->refcount = 1; /* the allocation's own reference, which free_pages drops */
	p->mapcount = 0;
	p->mapping = 0;
	p->index = 0;
	p->next = MMF_NIL;
	mmf_free_pages(m, pfn, HUGE_ORDER, 0);
}

/* The rotors of for_each_node_mask_to_alloc/_to_free: the node to try now,
 * and the next one after it. */
static unsigned next_alloc_nid(struct mmf_machine *m)
{
	struct mmf_hstate *h = HSTATE(m);
	unsigned nid = h->next_nid_to_alloc % nr_nodes(m);
	h->next_nid_to_alloc = (uint8_t)((nid + 1) % nr_nodes(m));
	return nid;
}

static unsigned next_free_nid(struct mmf_machine *m)
{
	struct mmf_hstate *h = HSTATE(m);
	unsigned nid = h->next_nid_to_free % nr_nodes(m);
	h->next_nid_to_free = (uint8_t)((nid + 1) % nr_nodes(m));
	return nid;
}

/* alloc_pool_huge_folio(): one new persistent page into the pool, trying
 * each node once from the rotor on. */
static int pool_grow(struct mmf_machine *m)
{
	struct mmf_hstate *h = HSTATE(m);
	for (unsigned k = 0; k < nr_nodes(m); k++) {
		unsigned nid = next_alloc_nid(m);
		uint32_t pfn = buddy_alloc(m, nid, 1);
		if (pfn == MMF_NIL)
			continue;
		nid = page_to_nid(m, pfn_to_page(m, pfn));
		h->nr++;
		h->nr_node[nid]++;
		enqueue(m, pfn);
		return 0;
	}
	return -1;
}

/* remove_pool_hugetlb_folio(): a free page out of the pool (a surplus one
 * where acct_surplus), by the free rotor; MMF_NIL when none. */
static uint32_t pool_remove(struct mmf_machine *m, int acct_surplus)
{
	struct mmf_hstate *h = HSTATE(m);
	for (unsigned k = 0; k < nr_nodes(m); k++) {
		unsigned nid = next_free_nid(m);
		if ((acct_surplus && !h->surplus_node[nid]) || h->freelist[nid] == MMF_NIL)
			continue;
		uint32_t pfn = dequeue_node(m, nid);
		if (acct_surplus) {
			h->surplus--;
			h->surplus_node[nid]--;
		}
		h->nr--;
		h->nr_node[nid]--;
		return pfn;
	}
	return MMF_NIL;
}

/* adjust_pool_surplus(): one page becomes persistent (delta -1) or
 * surplus (+1), by the rotors; 0 when no node can. */
static int adjust_surplus(struct mmf_machine *m, int delta)
{
	struct mmf_hstate *h = HSTATE(m);
	for (unsigned k = 0; k < nr_nodes(m); k++) {
		unsigned nid = delta < 0 ? next_alloc_nid(m) : next_free_nid(m);
		if (delta < 0 && !h->surplus_node[nid])
			continue;
		if (delta > 0 && h->surplus_node[nid] >= h->nr_node[nid])
			continue;
		h->surplus_node[nid] += (uint32_t)delta;
		h->surplus += (uint32_t)delta;
		return 1;
	}
	return 0;
}

static uint32_t persistent(const struct mmf_hstate *h) { return h->nr - h->surplus; }

/* set_max_huge_pages(): nr_hugepages = count. */
static void set_max_huge_pages(struct mmf_machine *m, uint32_t count)
{
	struct mmf_hstate *h = HSTATE(m);
	while (h->surplus && count > persistent(h))
		if (!adjust_surplus(m, -1))
			break;
	while (count > persistent(h))
		if (pool_grow(m))
			break;
	/* what is in use or reserved stays */
	uint32_t min_count = h->resv + h->nr - h->free;
	if (MUTANT(m, HUGETLB_SHRINK_FREES_RESERVED))
		min_count = h->nr - h->free;
	if (min_count < count)
		min_count = count;
	while (min_count < persistent(h)) {
		uint32_t pfn = pool_remove(m, 0);
		if (pfn == MMF_NIL)
			break;
		buddy_free(m, pfn);
	}
	while (count < persistent(h))
		if (!adjust_surplus(m, 1))
			break;
}

/* alloc_surplus_hugetlb_folio(): a page past nr_hugepages, under the
 * overcommit limit, from the buddy on the local node's zonelist. */
static uint32_t surplus_alloc(struct mmf_machine *m)
{
	struct mmf_hstate *h = HSTATE(m);
	if (h->surplus >= h->overcommit)
		return MMF_NIL;
	uint32_t pfn = buddy_alloc(m, 0, 0);
	if (pfn == MMF_NIL)
		return MMF_NIL;
	unsigned nid = page_to_nid(m, pfn_to_page(m, pfn));
	h->nr++;
	h->nr_node[nid]++;
	h->surplus++;
	h->surplus_node[nid]++;
	h->surplus_allocs++;
	return pfn;
}

/* free_huge_folio(): back to the pool, or to the buddy while its node has
 * surplus pages. */
static void free_huge_folio(struct mmf_machine *m, uint32_t pfn)
{
	struct mmf_hstate *h = HSTATE(m);
	unsigned nid = page_to_nid(m, pfn_to_page(m, pfn));
	struct mmf_page *p = page_w(m, pfn);
	p->mapping = 0;
	p->index = 0;
	if (p->flags & PG_hugetlb_restore) {
		p->flags &= ~PG_hugetlb_restore;
		h->resv++;
	}
	if (h->surplus_node[nid] && !MUTANT(m, HUGETLB_SURPLUS_COUNTED_FREE)) {
		h->nr--;
		h->nr_node[nid]--;
		h->surplus--;
		h->surplus_node[nid]--;
		buddy_free(m, pfn);
		return;
	}
	enqueue(m, pfn);
}

static void huge_put(struct mmf_machine *m, uint32_t pfn)
{
	struct mmf_page *p = page_w(m, pfn);
	if (--p->refcount <= 0)
		free_huge_folio(m, pfn);
}

/* gather_surplus_pages(): delta more reservations, with surplus pages
 * added to the pool where free ones do not cover them; -1 (nothing
 * changed) when the overcommit limit or memory stops it. */
static int gather_surplus_pages(struct mmf_machine *m, uint32_t delta)
{
	struct mmf_hstate *h = HSTATE(m);
	int64_t needed = (int64_t)(h->resv + delta) - h->free;
	if (needed <= 0) {
		h->resv += delta;
		return 0;
	}
	uint32_t got[HUGE_OBJ_PAGES * 2], n = 0;
	while (needed > 0) {
		uint32_t pfn = n < sizeof(got) / sizeof(got[0]) ? surplus_alloc(m) : MMF_NIL;
		if (pfn == MMF_NIL) {
			for (uint32_t i = 0; i < n; i++) {
				page_w(m, got[i])->refcount = 1;
				huge_put(m, got[i]); /* surplus: straight back to the buddy */
			}
			return -1;
		}
		got[n++] = pfn;
		needed--;
	}
	h->resv += delta;
	for (uint32_t i = 0; i < n; i++)
		enqueue(m, got[i]);
	return 0;
}

/* return_unused_surplus_pages(): n reservations given back, and as many
 * free surplus pages back to the buddy. */
static void return_unused_surplus_pages(struct mmf_machine *m, uint32_t n)
{
	struct mmf_hstate *h = HSTATE(m);
	h->resv -= n;
	uint32_t k = n < h->surplus ? n : h->surplus;
	while (k--) {
		uint32_t pfn = pool_remove(m, 1);
		if (pfn == MMF_NIL)
			break;
		buddy_free(m, pfn);
	}
}

/* ---- objects and reservations ------------------------------------------ */

static struct huge_obj *obj_of(struct mmf_machine *m, uint32_t id)
{
	return id && id <= MMF_HUGE_OBJS ? &HSTATE(m)->obj[id] : NULL;
}

void mmf_hugetlb_obj_get(struct mmf_machine *m, uint32_t id)
{
	struct huge_obj *o = obj_of(m, id);
	if (o)
		o->users++;
}

/* The object's index of addr in v (huge pages from the file's start). */
static uint32_t huge_index(const struct mmf_machine *m, const struct mmf_vma *v, uint64_t addr)
{
	uint64_t pgoff = v->pgoff + ((addr - v->start) >> AS_PAGE_SHIFT);
	return (uint32_t)((pgoff << AS_PAGE_SHIFT) >> 21);
}

/* hugetlbfs_evict_inode(): the object's page cache goes; how many
 * reservations it still held (for the caller to give back). */
static uint32_t obj_release(struct mmf_machine *m, struct huge_obj *o)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < HUGE_OBJ_PAGES; i++) {
		if (o->resv[i])
			n++;
		if (o->shared && o->page[i] != MMF_NIL)
			huge_put(m, o->page[i]); /* the page cache's reference */
	}
	memset(o, 0, sizeof(*o));
	return n;
}

/* hugetlb_vm_op_close(): an owner VMA gives back the reservations its
 * range still holds; the object's last VMA takes its page cache and its
 * unused reservations with it (hugetlbfs_evict_inode()). */
void mmf_hugetlb_vma_close(struct mmf_machine *m, const struct mmf_vma *v)
{
	struct huge_obj *o = obj_of(m, v->huge);
	if (!o || !o->users)
		return;
	uint32_t n = 0;
	if (!o->shared && (v->huge_flags & HPAGE_RESV_OWNER) && !MUTANT(m, HUGETLB_MUNMAP_KEEPS_RESV)) {
		for (uint64_t a = v->start; a < v->end; a += HUGE_SIZE) {
			uint32_t idx = huge_index(m, v, a);
			if (idx < HUGE_OBJ_PAGES && o->resv[idx]) {
				o->resv[idx] = 0;
				n++;
			}
		}
	}
	if (--o->users == 0) {
		if (HSTATE(m)->defer_release)
			o->dying = 1;
		else
			n += obj_release(m, o);
	}
	if (n)
		return_unused_surplus_pages(m, n);
}

/* The files whose release an mmap deferred, released now. */
static void release_deferred(struct mmf_machine *m)
{
	struct mmf_hstate *h = HSTATE(m);
	h->defer_release = 0;
	for (uint32_t id = 1; id <= MMF_HUGE_OBJS; id++)
		if (h->obj[id].dying) {
			uint32_t n = obj_release(m, &h->obj[id]);
			if (n)
				return_unused_surplus_pages(m, n);
		}
}

/* ---- page tables --------------------------------------------------------- */

static uint64_t huge_pmd(const struct mmf_vma *v, uint32_t head, int writable)
{
	uint64_t e = ((uint64_t)head << MMF_PAGE_SHIFT) | PTE_PRESENT | PTE_USER | PTE_PS | PTE_ACCESSED;
	if (writable && (v->flags & VM_WRITE))
		e |= PTE_RW | PTE_DIRTY;
	if (!(v->flags & VM_ACCESS_FLAGS)) /* PROT_NONE: kept, not present */
		e = (e & ~PTE_PRESENT) | PTE_PROTNONE;
	return e;
}

/* __unmap_hugepage_range() for one leaf of v at addr: the entry goes,
 * and its page's mapping and reference. An owner's anonymous page takes
 * its reservation back (Linux 6.7+: the index is reserved again, and the
 * page gives HugePages_Rsvd its one back when it is freed), unless the
 * pool has surplus pages. */
void mmf_hugetlb_zap_pmd(struct mmf_machine *m, const struct mmf_vma *v, uint64_t *pmd, uint64_t addr)
{
	uint64_t e = *pmd;
	*pmd = 0;
	uint32_t head = pte_pfn(e);
	if (!is_huge_head(m, head)) {
		mmf_machine_corrupt(m, "huge_pmd: a PMD leaf maps pfn %u, no huge page's head", head);
		return;
	}
	struct huge_obj *o = v ? obj_of(m, v->huge) : NULL;
	uint32_t idx = v ? huge_index(m, v, addr) : 0;
	if (o && !o->shared && (v->huge_flags & HPAGE_RESV_OWNER) && !HSTATE(m)->surplus && idx < HUGE_OBJ_PAGES &&
	    !o->resv[idx] && m->k.hugetlb_restore && !MUTANT(m, HUGETLB_ZAP_NO_RESTORE)) {
		page_w(m, head)->flags |= PG_hugetlb_restore;
		o->resv[idx] = 1;
	}
	page_w(m, head)->mapcount--;
	huge_put(m, head);
}

/* ---- faults -------------------------------------------------------------- */

/* alloc_hugetlb_folio(): a page for index idx of v: its reservation when
 * one is held for it (and use_resv), else one nobody reserved, else a
 * new surplus page. MMF_NIL: none (-ENOSPC, a SIGBUS). */
static uint32_t alloc_hugetlb_folio(struct mmf_machine *m, struct huge_obj *o, uint32_t idx, int use_resv)
{
	struct mmf_hstate *h = HSTATE(m);
	int reserved = use_resv && o && idx < HUGE_OBJ_PAGES && o->resv[idx];
	uint32_t pfn = MMF_NIL;
	if (reserved || h->free > h->resv || MUTANT(m, HUGETLB_FAULT_IGNORES_RESV)) {
		/* dequeue_hugetlb_folio_nodemask(): the local node's zonelist */
		uint8_t nodes[MMF_MAX_NODES];
		unsigned nn = mmf_zonelist_nodes(m, 0, MMF_ZONE_MOVABLE, GFP_HIGHUSER_MOVABLE, nodes);
		for (unsigned k = 0; k < nn && pfn == MMF_NIL; k++)
			pfn = dequeue_node(m, nodes[k]);
	}
	if (pfn == MMF_NIL && !reserved)
		pfn = surplus_alloc(m);
	if (pfn == MMF_NIL)
		return MMF_NIL;
	if (reserved) {
		o->resv[idx] = 0;
		h->resv--;
	}
	struct mmf_page *p = page_w(m, pfn);
	p->flags &= ~PG_hugetlb_restore;
	p->refcount = 1;
	p->mapcount = 0;
	return pfn;
}

/* folio_zero_user(), and copy_user_large_folio() from src. */
static void huge_fill(struct mmf_machine *m, uint32_t dst, uint32_t src)
{
	for (unsigned i = 0; i < HUGE_NR; i++) {
		unsigned from = MUTANT(m, HUGETLB_COW_WRONG_SUBPAGE) && i == HUGE_NR - 1 ? 0 : i;
		struct mmf_page *d = page_w(m, dst + i);
		if (src == MMF_NIL) {
			d->token = 0;
			memset(mmf_page_bytes(m, dst + i), 0, MMF_PAGE_SIZE);
		} else {
			d->token = pfn_to_page(m, src + from)->token;
			memcpy(mmf_page_bytes(m, dst + i), mmf_page_bytes(m, src + from), MMF_PAGE_SIZE);
		}
	}
}

/* unmap_ref_private(): the owner's COW found no page, so it takes its
 * page back from every other process mapping it without reservations of
 * its own; those VMAs are marked, and fault with SIGBUS from now on. */
static void unmap_ref_private(struct mmf_machine *m, const struct mmf_mm *mm, const struct mmf_vma *v, uint32_t head,
			      uint32_t idx)
{
	for (unsigned p = 0; p < MMF_NPROCS; p++) {
		struct mmf_proc *pr = &m->as->proc[p];
		if (!pr->live || pr->mm.pgd == MMF_NIL)
			continue;
		for (uint32_t i = 0; i < pr->mm.nr; i++) {
			struct mmf_vma *u = &pr->mm.vma[i];
			if (u->huge != v->huge || (&pr->mm == mm && u == v) || (u->huge_flags & HPAGE_RESV_OWNER))
				continue;
			for (uint64_t a = u->start; a < u->end; a += HUGE_SIZE) {
				if (huge_index(m, u, a) != idx)
					continue;
				uint64_t *pmd = mmf_pmd_lookup(m, &pr->mm, a, 0);
				if (pmd && (*pmd & PTE_MAPPED) && pte_pfn(*pmd) == head) {
					mmf_hugetlb_zap_pmd(m, u, pmd, a);
					u->huge_flags |= HPAGE_RESV_UNMAPPED;
				}
			}
		}
	}
}

/* hugetlb_wp(): a write to a read-only leaf. Shared: made writable.
 * Private: reused when this is its only mapping, else copied into a page
 * nobody reserved; the owner with none to get takes the page from the
 * others (unmap_ref_private) and reuses it. 0, or SIGBUS. */
static int hugetlb_wp(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t *pmd, uint32_t idx)
{
	uint32_t old = pte_pfn(*pmd);
	if (v->flags & VM_MAYSHARE) {
		*pmd |= PTE_RW | PTE_DIRTY;
		return 0;
	}
	for (int tries = 0; tries < 2; tries++) {
		if (pfn_to_page(m, old)->mapcount == 1) {
			*pmd |= PTE_RW | PTE_DIRTY | PTE_ACCESSED;
			return 0;
		}
		int owner = (v->huge_flags & HPAGE_RESV_OWNER) != 0;
		uint32_t pfn = alloc_hugetlb_folio(m, obj_of(m, v->huge), idx, 0);
		if (pfn == MMF_NIL) {
			if (!owner || tries || MUTANT(m, HUGETLB_UNMAP_REF_PRIVATE_SKIPPED))
				return SIGBUS;
			unmap_ref_private(m, mm, v, old, idx);
			continue; /* retry_avoidcopy */
		}
		huge_fill(m, pfn, old);
		struct mmf_page *np = page_w(m, pfn);
		np->mapcount = 1;
		np->mapping = v->huge;
		np->index = idx;
		*pmd = huge_pmd(v, pfn, 1);
		page_w(m, old)->mapcount--;
		huge_put(m, old);
		HSTATE(m)->cow++;
		m->as->depth.cow_breaks++;
		return 0;
	}
	return SIGBUS;
}

/* hugetlb_no_page(): the page cache's page (shared), or a new zeroed one,
 * mapped; a private write takes it writable at once (the COW that would
 * follow reuses it). 0, SIGBUS, or -1 out of memory for a table. */
static int hugetlb_no_page(struct mmf_machine *m, struct mmf_vma *v, uint64_t *pmd, uint32_t idx, int write)
{
	struct huge_obj *o = obj_of(m, v->huge);
	if (!o || (v->huge_flags & HPAGE_RESV_UNMAPPED) || idx >= o->npages)
		return SIGBUS;
	if (!o->shared && !v->anon_vma) /* vmf_anon_prepare(): fork copies its leaves from now on */
		v->anon_vma = mmf_anon_vma_new(m, 0);
	uint32_t pfn = o->shared ? o->page[idx] : MMF_NIL;
	if (pfn == MMF_NIL) {
		/* a private mapping's reservations are its owner's alone */
		int use_resv = o->shared || (v->huge_flags & HPAGE_RESV_OWNER);
		pfn = alloc_hugetlb_folio(m, o, idx, use_resv);
		if (pfn == MMF_NIL)
			return SIGBUS;
		huge_fill(m, pfn, MMF_NIL);
		struct mmf_page *p = page_w(m, pfn);
		p->mapping = v->huge;
		p->index = idx;
		if (o->shared) {
			o->page[idx] = pfn;
			p->refcount++; /* the page cache's, besides the mapping's */
		}
		p->refcount--; /* the mapping takes the allocation's reference over */
	}
	struct mmf_page *p = page_w(m, pfn);
	p->refcount++;
	p->mapcount++;
	*pmd = huge_pmd(v, pfn, o->shared || write);
	HSTATE(m)->faults++;
	return 0;
}

int mmf_hugetlb_fault(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t addr, int write,
		      uint32_t *pfn, int *fault)
{
	*fault = 0;
	*pfn = MMF_NIL;
	if (mm->pgd == MMF_NIL && mmf_pgd_alloc(m, mm))
		return -1;
	uint64_t haddr = addr & HUGE_MASK;
	uint64_t *pmd = mmf_pmd_lookup(m, mm, haddr, 1);
	if (!pmd)
		return -1;
	uint32_t idx = huge_index(m, v, haddr);
	if (*pmd & PTE_PROTNONE) /* the VMA allows it again */
		*pmd = (*pmd & ~PTE_PROTNONE) | PTE_PRESENT;
	if (!(*pmd & PTE_PRESENT))
		*fault = hugetlb_no_page(m, v, pmd, idx, write);
	else if (write && !(*pmd & PTE_RW))
		*fault = hugetlb_wp(m, mm, v, pmd, idx);
	if (*fault)
		return 0;
	*pmd |= PTE_ACCESSED;
	if (write)
		*pmd |= PTE_DIRTY;
	*pfn = pte_pfn(*pmd) + (uint32_t)((addr - haddr) >> MMF_PAGE_SHIFT);
	return 0;
}

/* ---- mmap ---------------------------------------------------------------- */

static uint32_t obj_new(struct mmf_machine *m, int shared, uint32_t npages)
{
	struct mmf_hstate *h = HSTATE(m);
	for (uint32_t id = 1; id <= MMF_HUGE_OBJS; id++) {
		struct huge_obj *o = &h->obj[id];
		if (o->users || o->dying)
			continue;
		memset(o, 0, sizeof(*o));
		o->shared = (uint8_t)shared;
		o->npages = (uint8_t)npages;
		for (unsigned i = 0; i < HUGE_OBJ_PAGES; i++)
			o->page[i] = MMF_NIL;
		return id;
	}
	return 0;
}

/* hugetlb_get_unmapped_area(): MAP_FIXED at an aligned address, a free
 * hint aligned up, else the top-down search for an aligned gap. */
static int huge_place(struct mmf_mm *mm, uint64_t addr, uint64_t len, unsigned flags, uint64_t *where)
{
	if (flags & MMF_MAP_FIXED) {
		if (addr & ~HUGE_MASK)
			return EINVAL;
		*where = addr;
		if ((flags & MMF_MAP_FIXED_NOREPLACE) && !mmf_vma_range_free(mm, addr, addr + len))
			return EEXIST;
		return 0;
	}
	if ((flags & MMF_MAP_HINT) && addr) {
		uint64_t a = (addr + HUGE_SIZE - 1) & HUGE_MASK;
		if (mmf_vma_range_free(mm, a, a + len)) {
			*where = a;
			return 0;
		}
	}
	*where = mmf_vma_topdown_aligned(mm, len, HUGE_SIZE);
	return *where ? 0 : ENOMEM;
}

static void put_pool(struct mmf_out *o, const struct mmf_hstate *h)
{
	mmf_out_put(o, "HugePages_Total: %u\nHugePages_Free: %u\nHugePages_Rsvd: %llu\nHugePages_Surp: %u\n", h->nr,
		    h->free, (unsigned long long)h->resv, h->surplus);
}

/* mmap_region() for mmap_huge: the old mappings in the way unmapped, the
 * reservation, the VMA. 0, or the errno (the object freed). */
static int huge_mmap_region(struct mmf_machine *m, struct mmf_mm *mm, struct huge_obj *ob, uint32_t id, uint64_t where,
			    uint64_t len, uint32_t vmf, uint32_t npages)
{
	int r = mmf_vma_unmap_region(m, mm, where, where + len);
	if (r) {
		memset(ob, 0, sizeof(*ob));
		return r == -EINVAL ? EINVAL : ENOMEM;
	}
	if (!(vmf & VM_NORESERVE)) {
		/* hugetlb_acct_memory(): then no more than the free pages
		 * (allowed_mems_nr(), which HugePages_Rsvd's wrap can outrun) */
		int r2 = gather_surplus_pages(m, npages);
		if (!r2 && npages > HSTATE(m)->free) {
			return_unused_surplus_pages(m, npages);
			r2 = -1;
		}
		if (r2) {
			memset(ob, 0, sizeof(*ob));
			return ENOMEM;
		}
		memset(ob->resv, 1, npages);
		HSTATE(m)->reservations += npages;
	}
	if (mmf_vma_map_range(m, mm, where, where + len, vmf, 0, 0, 0, 0)) {
		struct mmf_vma gone = { .start = where, .end = where + len, .huge = (uint16_t)id,
					.huge_flags = HPAGE_RESV_OWNER };
		mmf_hugetlb_vma_close(m, &gone);
		return ENOMEM;
	}
	return 0;
}

/* mmap(MAP_HUGETLB): the length rounded up to huge pages, a file of that
 * size (hugetlb_file_setup()), the old mappings in the way gone, its
 * reservation (hugetlb_reserve_pages(): ENOMEM leaves the range empty), then the
 * VMA (VM_HUGETLB | VM_DONTEXPAND, never merged). c->flags: the mmap op's
 * MMF_MAP_* bits, and prot << 8. Answers the window page it went to and
 * the pool's counters. */
int mmf_as_mmap_huge(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	struct mmf_mm *mm = mmf_as_mm(m, c->proc);
	unsigned flags = c->flags & 0xffu, prot = (c->flags >> 8) & 7u;
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	if (AS_PAGE_SHIFT != MMF_PAGE_SHIFT || !c->len) { /* no 2 MiB hstate for 8 KiB user pages */
		*err = EINVAL;
		return -1;
	}
	m->as->used = 1;
	uint64_t len = (c->len + HUGE_SIZE - 1) & HUGE_MASK;
	if (flags & MMF_MAP_FIXED_NOREPLACE)
		flags |= MMF_MAP_FIXED;
	uint64_t where;
	if ((*err = huge_place(mm, c->addr, len, flags, &where)))
		return -1;
	if (!mmf_mlock_future_ok(m, mm, mm->def_flags, len)) {
		*err = EAGAIN; /* MCL_FUTURE past RLIMIT_MEMLOCK */
		return -1;
	}
	uint32_t vmf = mmf_prot_to_flags(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_HUGETLB | VM_DONTEXPAND |
		       (mm->def_flags & ~(VM_LOCKED | VM_LOCKONFAULT));
	if (flags & MMF_MAP_SHARED)
		vmf |= VM_SHARED | VM_MAYSHARE;
	if (flags & MMF_MAP_NORESERVE)
		vmf |= VM_NORESERVE;
	uint32_t npages = (uint32_t)(len / HUGE_SIZE);
	uint32_t id = obj_new(m, (flags & MMF_MAP_SHARED) != 0, npages);
	if (!id) {
		*err = ENOMEM;
		return -1;
	}
	struct huge_obj *ob = obj_of(m, id);
	ob->users = 1; /* held while the mapping is made */
	/* a file's mapping: what is in the way goes before ->mmap is asked
	 * (vms_clean_up_area()), and stays gone when the reservation fails;
	 * the files it was the last mapping of go when the call returns */
	HSTATE(m)->defer_release = 1;
	int r = huge_mmap_region(m, mm, ob, id, where, len, vmf, npages);
	release_deferred(m);
	if (r) {
		*err = r;
		return -1;
	}
	struct mmf_vma *v = mmf_vma_find(mm, where);
	v->huge = (uint16_t)id;
	v->huge_flags = (flags & MMF_MAP_SHARED) || (vmf & VM_NORESERVE) ? 0 : HPAGE_RESV_OWNER;
	v->flags |= VM_SOFTDIRTY;
	mmf_vm_stat_account(mm, vmf, (int64_t)(len >> AS_PAGE_SHIFT));
	/* do_mmap() populates what MCL_FUTURE would lock, though the VMA
	 * itself is never locked */
	if ((flags & MMF_MAP_POPULATE) || (mm->def_flags & VM_LOCKED))
		mmf_mm_populate(m, c->proc, where, len, 1);
	mmf_out_put(o, "page %llu\n", (unsigned long long)((where - AS_WINDOW_BASE) >> AS_PAGE_SHIFT));
	put_pool(o, HSTATE(m));
	return 0;
}

/* Writes to /proc/sys/vm/nr_hugepages (c->flags 0) or
 * nr_overcommit_hugepages (1) of the 2 MiB pool, c->len / page pages; 2
 * reads only. Answers the pool's counters and the overcommit limit. */
int mmf_as_hugetlb_pool(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	struct mmf_hstate *h = HSTATE(m);
	uint32_t count = (uint32_t)(c->len >> AS_PAGE_SHIFT);
	if (c->flags > 2) {
		*err = EINVAL;
		return -1;
	}
	m->as->used = 1;
	if (c->flags == 0)
		set_max_huge_pages(m, count);
	else if (c->flags == 1)
		h->overcommit = count;
	put_pool(o, h);
	mmf_out_put(o, "nr_overcommit_hugepages: %u\n", h->overcommit);
	return 0;
}

/* ---- fork, mprotect, reports ----------------------------------------------- */

/* copy_hugetlb_page_range(): every leaf of v shared with the child's
 * VMA; a private writable mapping's are write-protected on both sides. */
int mmf_hugetlb_copy(struct mmf_machine *m, struct mmf_mm *src, struct mmf_mm *dst, const struct mmf_vma *v)
{
	int cow = (v->flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
	for (uint64_t a = v->start; a < v->end; a += HUGE_SIZE) {
		/* huge_pte_alloc() wherever the parent has a PMD table, its
		 * entry empty or not */
		uint64_t *s = src->pgd == MMF_NIL ? NULL : mmf_pmd_lookup(m, src, a, 0);
		if (!s)
			continue;
		if (dst->pgd == MMF_NIL && mmf_pgd_alloc(m, dst))
			return -1;
		uint64_t *d = mmf_pmd_lookup(m, dst, a, 1);
		if (!d)
			return -1;
		if (!(*s & PTE_MAPPED))
			continue;
		if (cow && !MUTANT(m, HUGETLB_FORK_KEEPS_WRITE))
			*s &= ~PTE_RW;
		*d = *s;
		struct mmf_page *p = page_w(m, pte_pfn(*s));
		p->refcount++;
		p->mapcount++;
		m->as->depth.pages_shared++;
	}
	return 0;
}

/* hugetlb_change_protection(): each leaf takes the VMA's new protection;
 * a private mapping's stay read-only (COW decides on a write). */
void mmf_hugetlb_change_protection(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end,
				   uint32_t flags)
{
	for (uint64_t a = start & HUGE_MASK; a < end; a += HUGE_SIZE) {
		uint64_t *pmd = mm->pgd == MMF_NIL ? NULL : mmf_pmd_lookup(m, mm, a, 0);
		if (!pmd || !(*pmd & PTE_MAPPED) || !(*pmd & PTE_PS))
			continue;
		uint64_t e = (*pmd & ~(PTE_RW | PTE_PRESENT | PTE_PROTNONE)) |
			     ((flags & VM_ACCESS_FLAGS) ? PTE_PRESENT : PTE_PROTNONE);
		if ((flags & VM_WRITE) && (flags & VM_SHARED))
			e |= PTE_RW;
		*pmd = e;
	}
}

/* mincore_hugetlb(): a leaf (present or PROT_NONE) is in core, an empty
 * entry of a PMD table is not; where there is no PMD table at all, the
 * walk's hole asks the file's page cache (a shared mapping's pages). */
int mmf_hugetlb_incore(struct mmf_machine *m, struct mmf_mm *mm, const struct mmf_vma *v, uint64_t addr)
{
	const uint64_t *pmd = mm->pgd == MMF_NIL ? NULL : mmf_pmd_lookup(m, mm, addr & HUGE_MASK, 0);
	if (pmd)
		return (*pmd & PTE_MAPPED) && (*pmd & PTE_PS);
	const struct huge_obj *o = obj_of(m, v->huge);
	uint32_t idx = huge_index(m, v, addr);
	return o && o->shared && idx < HUGE_OBJ_PAGES && o->page[idx] != MMF_NIL;
}

/* The leaf mapping addr in a hugetlb VMA of mm (NULL: none). */
uint64_t *mmf_hugetlb_leaf(const struct mmf_machine *m, const struct mmf_mm *mm, uint64_t addr)
{
	if (mm->pgd == MMF_NIL)
		return NULL;
	uint64_t *pmd = mmf_pmd_lookup((struct mmf_machine *)m, (struct mmf_mm *)mm, addr & HUGE_MASK, 0);
	return pmd && (*pmd & PTE_MAPPED) && (*pmd & PTE_PS) ? pmd : NULL;
}

/* smaps_hugetlb_range(): each leaf of v, shared while mapped more than once. */
void mmf_hugetlb_smaps(const struct mmf_machine *m, const struct mmf_mm *mm, const struct mmf_vma *v, uint64_t *shared,
		       uint64_t *private)
{
	*shared = *private = 0;
	for (uint64_t a = v->start; a < v->end; a += HUGE_SIZE) {
		const uint64_t *pmd = mmf_hugetlb_leaf(m, mm, a);
		if (!pmd)
			continue;
		*(pfn_to_page(m, pte_pfn(*pmd))->mapcount > 1 ? shared : private) += HUGE_SIZE;
	}
}

/* MADV_DONTNEED on [start, end) of a hugetlb VMA (start aligned, end
 * already aligned down by the caller): its leaves go. */
void mmf_hugetlb_unmap(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a < end; a += HUGE_SIZE) {
		uint64_t *pmd = mmf_hugetlb_leaf(m, mm, a);
		if (pmd)
			mmf_hugetlb_zap_pmd(m, mmf_vma_find(mm, a), pmd, a);
	}
}

/* hugetlbfs_zero_partial_page(): the cached page's bytes [from, to) of
 * the file (4 KiB-aligned, inside one huge page) zeroed. */
static void zero_partial(struct mmf_machine *m, struct huge_obj *o, uint64_t from, uint64_t to)
{
	uint64_t idx = from >> 21;
	if (!o || from >= to || idx >= HUGE_OBJ_PAGES || o->page[idx] == MMF_NIL)
		return;
	for (uint64_t b = from; b < to; b += MMF_PAGE_SIZE) {
		uint32_t pfn = o->page[idx] + (uint32_t)((b & (HUGE_SIZE - 1)) >> MMF_PAGE_SHIFT);
		page_w(m, pfn)->token = 0;
		memset(mmf_page_bytes(m, pfn), 0, MMF_PAGE_SIZE);
	}
}

/* MADV_REMOVE of [start, end) of shared hugetlb VMA v
 * (hugetlbfs_punch_hole()): the parts of huge pages at its ends zeroed;
 * the whole huge pages inside leave every mapping and the page cache,
 * and their unused reservations go back. */
void mmf_hugetlb_punch(struct mmf_machine *m, const struct mmf_vma *v, uint64_t start, uint64_t end)
{
	struct huge_obj *o = obj_of(m, v->huge);
	uint64_t off = (v->pgoff << AS_PAGE_SHIFT) + (start - v->start), off_end = off + (end - start);
	uint64_t hole_start = (off + HUGE_SIZE - 1) & HUGE_MASK, hole_end = off_end & HUGE_MASK;
	uint64_t from = hole_start >> 21, to = hole_end >> 21;
	uint32_t n = 0;
	if (off < hole_start)
		zero_partial(m, o, off, off_end < hole_start ? off_end : hole_start);
	if (off_end > hole_end && off_end > hole_start)
		zero_partial(m, o, hole_end, off_end);
	for (uint64_t idx = from; o && idx < to && idx < HUGE_OBJ_PAGES; idx++) {
		for (unsigned p = 0; p < MMF_NPROCS; p++) { /* hugetlb_vmdelete_list() */
			struct mmf_proc *pr = &m->as->proc[p];
			for (uint32_t i = 0; pr->live && i < pr->mm.nr; i++) {
				struct mmf_vma *u = &pr->mm.vma[i];
				if (u->huge != v->huge)
					continue;
				uint64_t ustart = u->pgoff << AS_PAGE_SHIFT, uend = ustart + (u->end - u->start);
				uint64_t fo = idx << 21;
				if (fo < ustart || fo >= uend)
					continue;
				uint64_t a = u->start + (fo - ustart);
				uint64_t *pmd = mmf_hugetlb_leaf(m, &pr->mm, a);
				if (pmd)
					mmf_hugetlb_zap_pmd(m, u, pmd, a);
			}
		}
		if (o->page[idx] != MMF_NIL) { /* remove_inode_hugepages() */
			uint32_t pfn = o->page[idx];
			o->page[idx] = MMF_NIL;
			huge_put(m, pfn);
		}
		if (o->resv[idx]) { /* hugetlb_unreserve_pages() */
			o->resv[idx] = 0;
			n++;
		}
	}
	if (n)
		return_unused_surplus_pages(m, n);
}

void mmf_hugetlb_meminfo(const struct mmf_machine *m, struct mmf_out *o)
{
	const struct mmf_hstate *h = &m->as->hstate;
	/* hugetlb_report_meminfo(): counts without a unit, in the kB column */
	mmf_out_put(o, "%-16s%8u\n%-16s%8u\n%-16s%8llu\n%-16s%8u\n", "HugePages_Total:", h->nr, "HugePages_Free:", h->free,
		    "HugePages_Rsvd:", (unsigned long long)h->resv, "HugePages_Surp:", h->surplus);
	mmf_out_kb(o, "Hugepagesize:", 2048);
	mmf_out_kb(o, "Hugetlb:", (unsigned long long)h->nr * 2048);
}

void mmf_hugetlb_vmstat(const struct mmf_machine *m, struct mmf_out *o)
{
	const struct mmf_hstate *h = &m->as->hstate;
	mmf_out_put(o, "htlb_buddy_alloc_success %llu\nhtlb_buddy_alloc_fail %llu\n", (unsigned long long)h->alloc_success,
		    (unsigned long long)h->alloc_fail);
}

void mmf_hugetlb_reset(struct mmf_machine *m)
{
	struct mmf_hstate *h = HSTATE(m);
	memset(h, 0, sizeof(*h));
	for (unsigned n = 0; n < MMF_MAX_NODES; n++)
		h->freelist[n] = MMF_NIL;
}

/* ---- the walker ------------------------------------------------------------ */

/* The pool's counters are what its pages say; every free page is on its
 * node's list with no reference; a page in use is referenced by exactly
 * the leaves mapping it (refs[], counted by the page-table walk) and its
 * page cache; every object's held reservations add up to resv, which
 * the free pages cover. */
int mmf_hugetlb_is_valid(const struct mmf_machine *m, const uint32_t *refs, char *msg, size_t cap)
{
	const struct mmf_hstate *h = &m->as->hstate;
	uint32_t nr = 0, freed = 0, nr_node[MMF_MAX_NODES] = { 0 }, free_node[MMF_MAX_NODES] = { 0 };
	for (unsigned n = 0; n < nr_nodes(m); n++) {
		unsigned k = 0;
		for (uint32_t pfn = h->freelist[n]; pfn != MMF_NIL; pfn = pfn_to_page(m, pfn)->next) {
			if (!is_huge_head(m, pfn) || page_to_nid(m, pfn_to_page(m, pfn)) != n)
				return mmf_fail(msg, cap, "hugetlb_freelist: pfn %u on node %u's free list is not a huge page there",
						pfn, n);
			if (pfn_to_page(m, pfn)->refcount || refs[pfn])
				return mmf_fail(msg, cap, "hugetlb_freelist: free huge page pfn %u has refcount %d, %u leaves map it",
						pfn, pfn_to_page(m, pfn)->refcount, refs[pfn]);
			if (++k > h->nr)
				return mmf_fail(msg, cap, "hugetlb_freelist: node %u's list is longer than the pool", n);
		}
		free_node[n] = k;
	}
	uint32_t cached[MMF_HUGE_OBJS * HUGE_OBJ_PAGES], nc = 0, held = 0, restore = 0;
	for (uint32_t id = 1; id <= MMF_HUGE_OBJS; id++) {
		const struct huge_obj *o = &h->obj[id];
		if (!o->users)
			continue;
		for (unsigned i = 0; i < HUGE_OBJ_PAGES; i++) {
			held += o->resv[i] != 0;
			if (o->shared && o->page[i] != MMF_NIL)
				cached[nc++] = o->page[i];
			if (o->resv[i] && o->shared && o->page[i] != MMF_NIL)
				return mmf_fail(msg, cap, "hugetlb_resv_map: object %u index %u holds a reservation and a page", id, i);
		}
	}
	for (uint32_t i = 0; i < m->nr_dirty; i++) {
		uint32_t pfn = m->dirty_list[i];
		const struct mmf_page *p = &m->mem_map[pfn];
		if (!(p->flags & PG_hugetlb))
			continue;
		if (!is_huge_head(m, pfn))
			return mmf_fail(msg, cap, "hugetlb_page: pfn %u is marked hugetlb but is no allocated order-9 block", pfn);
		unsigned nid = page_to_nid(m, p);
		nr++;
		nr_node[nid]++;
		restore += (p->flags & PG_hugetlb_restore) != 0;
		if (p->refcount == 0) {
			freed++;
			continue;
		}
		uint32_t in_cache = 0;
		for (uint32_t k = 0; k < nc; k++)
			in_cache += cached[k] == pfn;
		if ((uint32_t)p->mapcount != refs[pfn])
			return mmf_fail(msg, cap, "hugetlb_mapcount: huge page pfn %u mapcount %d, %u leaves map it", pfn,
					p->mapcount, refs[pfn]);
		if ((uint32_t)p->refcount != refs[pfn] + in_cache)
			return mmf_fail(msg, cap, "hugetlb_refcount: huge page pfn %u refcount %d, %u leaves and %u page cache",
					pfn, p->refcount, refs[pfn], in_cache);
	}
	uint32_t listed = 0;
	for (unsigned n = 0; n < nr_nodes(m); n++) {
		listed += free_node[n];
		if (free_node[n] != h->free_node[n] || nr_node[n] != h->nr_node[n] || h->surplus_node[n] > h->nr_node[n])
			return mmf_fail(msg, cap, "hugetlb_counters: node %u has %u pages (%u free), counted %u (%u free, %u surplus)",
					n, nr_node[n], free_node[n], h->nr_node[n], h->free_node[n], h->surplus_node[n]);
	}
	if (nr != h->nr || freed != h->free || listed != h->free)
		return mmf_fail(msg, cap, "hugetlb_counters: %u huge pages (%u free, %u listed), HugePages_Total %u Free %u", nr,
				freed, listed, h->nr, h->free);
	/* a page to restore its reservation when freed counts as one held.
	 * (Rsvd may exceed Free, as in Linux: a restored reservation whose
	 * page went back to the buddy as a surplus one keeps no page.) */
	if (held != (uint32_t)(h->resv + restore) || h->surplus > h->nr)
		return mmf_fail(msg, cap,
				"hugetlb_resv: objects hold %u reservations, HugePages_Rsvd %lld (+%u to restore), Free %u, Surp %u of %u",
				held, (long long)h->resv, restore, h->free, h->surplus, h->nr);
	return 0;
}
