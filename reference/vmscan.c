/* Reclaim (mm/vmscan.c), the classic two-list LRU.
 *
 * Which LRU: Linux has two, the classic active/inactive lists and MGLRU
 * (CONFIG_LRU_GEN). The model follows the classic one: it is what
 * Debian's kernels run by default (CONFIG_LRU_GEN_ENABLED is off, so
 * /sys/kernel/mm/lru_gen/enabled reads 0 unless an administrator turns it
 * on), its decisions are a few rules that can be written down and checked
 * (two references to activate, inactive_is_low() to deactivate), and
 * MGLRU's generations, tiers and page-table walks would add state that no
 * observation the agents make can pin down.
 *
 * What runs it:
 *   kswapd    woken by an allocation that falls below a zone's low mark
 *             (wakeup_kswapd()), it runs after the op that woke it (the
 *             model's deterministic stand-in for a thread running
 *             concurrently), or when the kswapd op asks, and reclaims
 *             until a zone of its node is above its high mark
 *             (balance_pgdat()), priority 12 down to 1.
 *   direct    an allocation whose GFP mask has __GFP_DIRECT_RECLAIM
 *             reclaims SWAP_CLUSTER_MAX pages itself (try_to_free_pages())
 *             before it retries; see page_alloc.c for the retry loop and
 *             the OOM killer behind it.
 *   madvise   MADV_PAGEOUT reclaims the range's pages whatever their
 *             references (reclaim_pages()); MADV_COLD deactivates them.
 *   proactive drop_caches and memory.reclaim-style requests.
 *
 * shrink_folio_list() decides each page: a reference from a pte twice
 * (or once after PG_referenced) activates it; an anonymous page gets a
 * swap slot (add_to_swap()), every pte of it becomes a swap entry
 * (try_to_unmap()), it is written and freed (or, where the knob
 * swap_async says the device is a disk, kept until a later pass: swapfile.c);
 * a clean shmem page leaves the page cache, a dirty one is written to
 * swap through shmem_writeout(); a clean MADV_FREE'd page is dropped.
 * What cannot go is activated or kept, and put back on its list.
 *
 * Isolation takes a reference, as folio_isolate_lru() does, so a page
 * reclaim holds is freed only by reclaim's own last put. A page a fault
 * in progress holds (m->reclaim_held) is not isolated: Linux would take it
 * and the fault would see its pte change and retry; the model, whose
 * faults do not retry, leaves it where it is. */
#include <errno.h>
#include <string.h>

#include "mmfuzz/ops.h"
#include "reference/as.h"
#include "reference/mm.h"
#include "reference/swap.h"

#define MAX_ISOLATE 512 /* a pte table's worth: the most MADV_PAGEOUT gathers at once */

struct scan_control {
	unsigned long nr_to_reclaim, nr_scanned, nr_reclaimed;
	mmf_gfp_t gfp_mask;
	unsigned order;
	int priority;
	unsigned reclaim_idx;
	uint8_t may_writepage, may_unmap, may_swap;
	uint8_t may_deactivate; /* DEACTIVATE_ANON 1, DEACTIVATE_FILE 2 */
	uint8_t file_is_tiny, cache_trim_mode;
	uint8_t kswapd, proactive;
	unsigned long anon_cost, file_cost;
};
#define DEACTIVATE_ANON 1
#define DEACTIVATE_FILE 2

enum folio_references { FOLIOREF_RECLAIM, FOLIOREF_RECLAIM_CLEAN, FOLIOREF_KEEP, FOLIOREF_ACTIVATE };

static int is_file_lru(enum lru_list lru) { return lru == LRU_INACTIVE_FILE || lru == LRU_ACTIVE_FILE; }
static int is_active_lru(enum lru_list lru) { return lru == LRU_ACTIVE_ANON || lru == LRU_ACTIVE_FILE; }
static int folio_is_file_lru(const struct mmf_page *p) { return (p->flags & (PG_lazyfree | PG_shmem)) == PG_lazyfree; }

static int held(const struct mmf_machine *m, uint32_t pfn)
{
	return m->reclaim_held[0] == pfn || m->reclaim_held[1] == pfn;
}

/* ---- references ------------------------------------------------------- */

struct ref_arg {
	unsigned referenced;
	uint32_t vm_flags;
};

/* folio_referenced_one(): a young pte counts and goes old; a locked VMA
 * stops the walk (the page belongs on the unevictable list); a VMA
 * without recency (VM_SEQ_READ, VM_RAND_READ on 6.3+) is not asked. */
static int referenced_one(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t addr, uint64_t *pte,
			  void *arg)
{
	(void)mm, (void)addr;
	struct ref_arg *ra = arg;
	if (v->flags & VM_LOCKED) {
		ra->vm_flags |= VM_LOCKED;
		return 0;
	}
	if (!mmf_vma_has_recency(m, v))
		return 1;
	if (*pte & PTE_ACCESSED) {
		*pte &= ~PTE_ACCESSED;
		ra->referenced++;
		ra->vm_flags |= v->flags;
	}
	return 1;
}

static unsigned folio_referenced(struct mmf_machine *m, uint32_t pfn, uint32_t *vm_flags)
{
	struct ref_arg ra = { 0, 0 };
	if (pfn_to_page(m, pfn)->mapcount > 0)
		mmf_rmap_each(m, pfn, referenced_one, &ra);
	*vm_flags = ra.vm_flags;
	return ra.referenced;
}

static enum folio_references folio_check_references(struct mmf_machine *m, uint32_t pfn)
{
	uint32_t vm_flags;
	unsigned referenced_ptes = folio_referenced(m, pfn, &vm_flags);
	struct mmf_page *p = page_w(m, pfn);
	int referenced_folio = (p->flags & PG_referenced) != 0;
	p->flags &= ~PG_referenced;
	if ((vm_flags & VM_LOCKED) && !MUTANT(m, RECLAIM_UNMAPS_LOCKED)) {
		mmf_munlock_page(m, pfn); /* mlock_vma_folio(): the mlock batch takes it to the unevictable list */
		return FOLIOREF_ACTIVATE;
	}
	if (referenced_ptes) {
		/* every mapped page starts with a reference from the fault that
		 * made it: look twice before activating */
		p->flags |= PG_referenced;
		if (referenced_folio || referenced_ptes > 1 || MUTANT(m, LRU_ACTIVATES_ON_ONE_REFERENCE))
			return FOLIOREF_ACTIVATE;
		if ((vm_flags & VM_EXEC) && folio_is_file_lru(p))
			return FOLIOREF_ACTIVATE;
		return FOLIOREF_KEEP;
	}
	if (referenced_folio && folio_is_file_lru(p))
		return FOLIOREF_RECLAIM_CLEAN;
	return FOLIOREF_RECLAIM;
}

/* ---- unmapping --------------------------------------------------------- */

/* try_to_unmap_one(): the pte goes; an anonymous page in the swap cache
 * leaves a swap entry (soft-dirty and exclusive bits carried over), a
 * clean lazy-free page nothing, a written one stops the walk and becomes
 * swap-backed again; a locked VMA stops it too. The pte's dirty bit
 * moves to the page; its young bit is dropped. */
struct unmap_arg {
	int failed;
	int exclusive; /* the page was mapped once when the walk began (PageAnonExclusive) */
};

static int unmap_one(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t addr, uint64_t *pte, void *arg)
{
	(void)mm, (void)addr;
	struct unmap_arg *ua = arg;
	int *failed = &ua->failed;
	uint32_t pfn = pte_pfn(*pte);
	struct mmf_page *p = page_w(m, pfn);
	if ((v->flags & VM_LOCKED) && !MUTANT(m, RECLAIM_UNMAPS_LOCKED)) {
		mmf_munlock_page(m, pfn); /* "restore the mlock which got missed" */
		*failed = 1;
		return 0;
	}
	uint64_t old = *pte;
	if (!(p->flags & PG_shmem) && (p->flags & PG_lazyfree)) {
		if ((old & PTE_DIRTY) || (p->flags & PG_dirty)) {
			p->flags &= ~PG_lazyfree; /* folio_set_swapbacked(): written since MADV_FREE */
			*failed = 1;
			return 0;
		}
		*pte = 0;
	} else if (!(p->flags & PG_shmem)) {
		if (!(p->flags & PG_swapcache) || mmf_swap_duplicate(m, p->swap)) {
			*failed = 1;
			return 0;
		}
		*pte = mmf_swp_to_pte(p->swap) | ((old & PTE_SOFTDIRTY) ? PTE_SWP_SOFT_DIRTY : 0) |
		       (ua->exclusive ? PTE_SWP_EXCLUSIVE : 0);
	} else {
		*pte = 0;
	}
	if (old & PTE_DIRTY)
		p->flags |= PG_dirty;
	p->mapcount--;
	mmf_user_page_put(m, pfn);
	return 1;
}

/* try_to_unmap(): 1 when no pte maps the page any more. */
static int try_to_unmap(struct mmf_machine *m, uint32_t pfn)
{
	/* exclusive: mapped once, and no swap pte names its slot (a sibling
	 * whose copy went out before, sharing it since fork) */
	const struct mmf_page *p = pfn_to_page(m, pfn);
	struct unmap_arg ua = { 0, p->mapcount == 1 && !((p->flags & PG_swapcache) && mmf_swap_count(m, p->swap)) };
	mmf_rmap_each(m, pfn, unmap_one, &ua);
	return !ua.failed && pfn_to_page(m, pfn)->mapcount == 0;
}

/* ---- shrink_folio_list() ---------------------------------------------- */

/* Back on the list its flags name, reclaim's reference dropped. */
static void putback(struct mmf_machine *m, uint32_t pfn)
{
	mmf_lru_add(m, pfn);
	mmf_user_page_put(m, pfn);
}

static void activate(struct mmf_machine *m, uint32_t pfn)
{
	struct mmf_page *p = page_w(m, pfn);
	/* not a candidate for swapping: its slot goes where swap is short */
	if ((p->flags & PG_swapcache) && (mmf_vm_swap_full(m) || (p->flags & PG_unevictable)))
		mmf_folio_free_swap(m, pfn);
	if (!(p->flags & PG_unevictable)) {
		p->flags |= PG_active;
		m->vm.pgactivate++;
	}
}

/* The pages of pfns[] (isolated, each with reclaim's reference), in order:
 * each freed, or put back. ignore_references: MADV_PAGEOUT's. Pages
 * freed. */
static unsigned long shrink_folio_list(struct mmf_machine *m, const uint32_t *pfns, unsigned n, struct scan_control *sc,
				       int ignore_references)
{
	unsigned long reclaimed = 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t pfn = pfns[i];
		struct mmf_page *p = page_w(m, pfn);
		sc->nr_scanned++;
		if ((p->flags & PG_unevictable) && !MUTANT(m, RECLAIM_UNMAPS_LOCKED)) {
			activate(m, pfn);
			goto keep;
		}
		if (!sc->may_unmap && p->mapcount)
			goto keep;
		enum folio_references references = ignore_references ? FOLIOREF_RECLAIM : folio_check_references(m, pfn);
		if (references == FOLIOREF_ACTIVATE)
			goto activate_locked;
		if (references == FOLIOREF_KEEP)
			goto keep;
		int shmem = (p->flags & PG_shmem) != 0, lazyfree = !shmem && (p->flags & PG_lazyfree);
		if (!shmem && !lazyfree && !(p->flags & PG_swapcache)) {
			if (!(sc->gfp_mask & __GFP_IO))
				goto keep;
			if (mmf_add_to_swap(m, pfn))
				goto activate_locked; /* no slot */
		}
		if (p->mapcount && !try_to_unmap(m, pfn))
			goto activate_locked;
		if (p->flags & PG_dirty) {
			if (references == FOLIOREF_RECLAIM_CLEAN || !sc->may_writepage)
				goto keep;
			if (shmem) {
				/* shmem_writeout(): into the swap cache, or without a slot
				 * redirtied and activated (AOP_WRITEPAGE_ACTIVATE) */
				if (mmf_shmem_writeout(m, pfn))
					goto activate_locked;
				shmem = 0;
			}
			if (mmf_swap_writepage(m, pfn)) {
				/* PAGE_SUCCESS under writeback: kept, not activated; the
				 * write's end (folio_rotate_reclaimable(), PG_reclaim)
				 * moves it to its list's tail, for the next pass */
				mmf_lru_add_tail(m, pfn);
				mmf_user_page_put(m, pfn);
				continue;
			}
		}
		/* __remove_mapping(): only the cache's reference and reclaim's */
		if (p->flags & PG_swapcache) {
			if (p->refcount != 2)
				goto keep;
			mmf_delete_from_swap_cache(m, pfn);
		} else if (shmem) {
			if (p->refcount != 2)
				goto keep;
			mmf_shmem_punch(m, p->mapping, p->index, p->index + 1);
		} else if (lazyfree) {
			if (p->refcount != 1)
				goto keep;
			m->vm.pglazyfreed++;
		} else {
			goto keep;
		}
		mmf_user_page_put(m, pfn); /* reclaim's, the last */
		reclaimed++;
		continue;
activate_locked:
		activate(m, pfn);
keep:
		putback(m, pfn);
	}
	return reclaimed;
}

/* ---- the lists ---------------------------------------------------------- */

/* isolate_lru_folios(): up to nr eligible pages from the tail of list
 * lru of node nid (pages of zones above reclaim_idx, and pages a fault
 * holds, are passed over where they lie), each off its list with
 * reclaim's reference, in the order taken. */
static unsigned isolate(struct mmf_machine *m, unsigned nid, enum lru_list lru, unsigned long nr, struct scan_control *sc,
			uint32_t *out)
{
	struct mmf_list *list = &m->lruvec[nid].lists[lru];
	unsigned taken = 0;
	uint32_t pfn = list->tail;
	for (unsigned long seen = 0; pfn != MMF_NIL && taken < nr && seen < m->end_pfn; seen++) {
		const struct mmf_page *p = pfn_to_page(m, pfn);
		uint32_t prev = p->prev;
		if (m->zones[p->zone].type <= sc->reclaim_idx && !held(m, pfn)) {
			mmf_lru_del(m, pfn);
			page_w(m, pfn)->refcount++;
			out[taken++] = pfn;
		}
		pfn = prev;
	}
	return taken;
}

/* A scan's batch: the CPU's LRU batches drained (lru_add_drain()), then
 * up to SWAP_CLUSTER_MAX pages isolated into pfns. */
static unsigned isolate_batch(struct mmf_machine *m, unsigned nid, enum lru_list lru, unsigned long nr_to_scan,
			      struct scan_control *sc, uint32_t *pfns)
{
	mmf_lru_drain(m);
	return isolate(m, nid, lru, nr_to_scan < SWAP_CLUSTER_MAX ? nr_to_scan : SWAP_CLUSTER_MAX, sc, pfns);
}

/* lru_note_cost(): what reclaiming one type cost (I/O, and pages that
 * could not go), which get_scan_count() weighs, halved when it grows past
 * a quarter of the lists. */
static void lru_note_cost(struct mmf_machine *m, unsigned nid, int file, unsigned long nr_io, unsigned long nr_rotated)
{
	struct mmf_lruvec *lv = &m->lruvec[nid];
	unsigned long cost = nr_io * SWAP_CLUSTER_MAX + nr_rotated;
	*(file ? &lv->file_cost : &lv->anon_cost) += cost;
	unsigned long lrusize = lv->nr[LRU_INACTIVE_ANON] + lv->nr[LRU_ACTIVE_ANON] + lv->nr[LRU_INACTIVE_FILE] +
				lv->nr[LRU_ACTIVE_FILE];
	if (lv->file_cost + lv->anon_cost > lrusize / 4) {
		lv->file_cost /= 2;
		lv->anon_cost /= 2;
	}
}

static unsigned long shrink_inactive_list(struct mmf_machine *m, unsigned nid, enum lru_list lru, unsigned long nr_to_scan,
					  struct scan_control *sc)
{
	uint32_t pfns[SWAP_CLUSTER_MAX];
	unsigned n = isolate_batch(m, nid, lru, nr_to_scan, sc, pfns);
	if (!n)
		return 0;
	unsigned long pswpout = m->vm.pswpout;
	unsigned long scanned = sc->nr_scanned;
	unsigned long reclaimed = shrink_folio_list(m, pfns, n, sc, 0);
	scanned = sc->nr_scanned - scanned;
	int file = is_file_lru(lru);
	*(sc->kswapd ? &m->vm.pgscan_kswapd : &m->vm.pgscan_direct) += scanned;
	*(sc->kswapd ? &m->vm.pgsteal_kswapd : &m->vm.pgsteal_direct) += reclaimed;
	*(file ? &m->vm.pgscan_file : &m->vm.pgscan_anon) += scanned;
	*(file ? &m->vm.pgsteal_file : &m->vm.pgsteal_anon) += reclaimed;
	lru_note_cost(m, nid, file, m->vm.pswpout - pswpout, scanned - reclaimed);
	sc->nr_reclaimed += reclaimed;
	return reclaimed;
}

/* shrink_active_list(): pages from the active list's tail go to the
 * inactive list, their young ptes cleared on the way; only a referenced
 * executable file page stays active. */
static void shrink_active_list(struct mmf_machine *m, unsigned nid, enum lru_list lru, unsigned long nr_to_scan,
			       struct scan_control *sc)
{
	uint32_t pfns[SWAP_CLUSTER_MAX];
	unsigned n = isolate_batch(m, nid, lru, nr_to_scan, sc, pfns);
	m->vm.pgrefill += n;
	for (unsigned i = 0; i < n; i++) {
		uint32_t pfn = pfns[i], vm_flags;
		unsigned referenced = folio_referenced(m, pfn, &vm_flags);
		struct mmf_page *p = page_w(m, pfn);
		if (vm_flags & VM_LOCKED)
			mmf_munlock_page(m, pfn);
		if (!(referenced && (vm_flags & VM_EXEC) && folio_is_file_lru(p))) {
			p->flags &= ~PG_active;
			m->vm.pgdeactivate++;
		}
	}
	for (unsigned i = 0; i < n; i++)
		putback(m, pfns[i]);
}

/* inactive_is_low(): the inactive list is short of its share, which grows
 * with the square root of the lists' size in GiB. */
static int inactive_is_low(const struct mmf_machine *m, unsigned nid, enum lru_list inactive)
{
	const struct mmf_lruvec *lv = &m->lruvec[nid];
	unsigned long in = lv->nr[inactive], act = lv->nr[inactive + 1];
	unsigned long gb = (in + act) >> (30 - MMF_PAGE_SHIFT), ratio = 1;
	if (gb) {
		unsigned long x = 10 * gb, r = 0;
		while ((r + 1) * (r + 1) <= x)
			r++;
		ratio = r;
	}
	if (MUTANT(m, INACTIVE_IS_LOW_INVERTED))
		return in * ratio > act;
	return in * ratio < act;
}

static int can_reclaim_anon_pages(const struct mmf_machine *m) { return mmf_nr_swap_pages(m) > 0; }

/* The pages of list lru a scan may take: those of zones up to reclaim_idx. */
static unsigned long lru_size(const struct mmf_machine *m, unsigned nid, enum lru_list lru, unsigned reclaim_idx)
{
	unsigned long n = 0;
	for (unsigned zi = 0; zi < m->nr_zones; zi++)
		if (m->zones[zi].node == nid && m->zones[zi].type <= reclaim_idx)
			n += m->zones[zi].nr_zone_lru[lru];
	return n;
}

enum scan_balance { SCAN_EQUAL, SCAN_FRACT, SCAN_ANON, SCAN_FILE };

/* get_scan_count(): how many pages of each list this priority scans. */
static void get_scan_count(struct mmf_machine *m, unsigned nid, struct scan_control *sc, unsigned long *nr)
{
	unsigned swappiness = m->k.swappiness;
	enum scan_balance balance;
	unsigned long fraction[2] = { 0, 0 }, denominator = 1;
	if (!sc->may_swap || !can_reclaim_anon_pages(m))
		balance = SCAN_FILE;
	else if (!sc->priority && swappiness)
		balance = SCAN_EQUAL;
	else if (sc->file_is_tiny)
		balance = SCAN_ANON;
	else if (sc->cache_trim_mode)
		balance = SCAN_FILE;
	else {
		balance = SCAN_FRACT;
		unsigned long total = sc->anon_cost + sc->file_cost, anon_cost = total + sc->anon_cost,
			      file_cost = total + sc->file_cost;
		total = anon_cost + file_cost;
		fraction[0] = swappiness * (total + 1) / (anon_cost + 1);
		fraction[1] = (200 - swappiness) * (total + 1) / (file_cost + 1);
		denominator = fraction[0] + fraction[1];
		if (!denominator)
			denominator = 1;
	}
	for (unsigned l = 0; l < LRU_UNEVICTABLE; l++) {
		int file = is_file_lru((enum lru_list)l);
		unsigned long scan = lru_size(m, nid, (enum lru_list)l, sc->reclaim_idx) >> sc->priority;
		if (balance == SCAN_FRACT)
			scan = scan * fraction[file] / denominator;
		else if ((balance == SCAN_FILE && !file) || (balance == SCAN_ANON && file))
			scan = 0;
		nr[l] = scan;
	}
}

static unsigned long shrink_list(struct mmf_machine *m, unsigned nid, enum lru_list lru, unsigned long nr_to_scan,
				 struct scan_control *sc)
{
	if (is_active_lru(lru)) {
		if (sc->may_deactivate & (is_file_lru(lru) ? DEACTIVATE_FILE : DEACTIVATE_ANON))
			shrink_active_list(m, nid, lru, nr_to_scan, sc);
		return 0;
	}
	return shrink_inactive_list(m, nid, lru, nr_to_scan, sc);
}

/* shrink_lruvec(): the lists in turns of SWAP_CLUSTER_MAX until each has
 * had its count, with the proportional cut once enough is reclaimed;
 * then the active anon list aged if the inactive one is short. */
static void shrink_lruvec(struct mmf_machine *m, unsigned nid, struct scan_control *sc)
{
	unsigned long nr[LRU_UNEVICTABLE], targets[LRU_UNEVICTABLE], reclaimed = 0;
	unsigned long before = sc->nr_reclaimed;
	get_scan_count(m, nid, sc, nr);
	memcpy(targets, nr, sizeof(nr));
	int scan_adjusted = !sc->kswapd && sc->priority == DEF_PRIORITY && !sc->proactive;
	while (nr[LRU_INACTIVE_ANON] || nr[LRU_ACTIVE_FILE] || nr[LRU_INACTIVE_FILE]) {
		for (unsigned l = 0; l < LRU_UNEVICTABLE; l++) {
			if (!nr[l])
				continue;
			unsigned long n = nr[l] < SWAP_CLUSTER_MAX ? nr[l] : SWAP_CLUSTER_MAX;
			nr[l] -= n;
			shrink_list(m, nid, (enum lru_list)l, n, sc);
		}
		reclaimed = sc->nr_reclaimed - before;
		if (reclaimed < sc->nr_to_reclaim || scan_adjusted)
			continue;
		unsigned long nr_file = nr[LRU_INACTIVE_FILE] + nr[LRU_ACTIVE_FILE];
		unsigned long nr_anon = nr[LRU_INACTIVE_ANON] + nr[LRU_ACTIVE_ANON];
		if (!nr_file || !nr_anon)
			break;
		unsigned stop, other;
		unsigned long percentage;
		if (nr_file > nr_anon) {
			percentage = nr_anon * 100 / (targets[LRU_INACTIVE_ANON] + targets[LRU_ACTIVE_ANON] + 1);
			stop = LRU_INACTIVE_ANON, other = LRU_INACTIVE_FILE;
		} else {
			percentage = nr_file * 100 / (targets[LRU_INACTIVE_FILE] + targets[LRU_ACTIVE_FILE] + 1);
			stop = LRU_INACTIVE_FILE, other = LRU_INACTIVE_ANON;
		}
		nr[stop] = nr[stop + 1] = 0;
		for (unsigned k = other; k <= other + 1; k++) {
			unsigned long scanned = targets[k] - nr[k];
			nr[k] = targets[k] * (100 - percentage) / 100;
			nr[k] -= nr[k] < scanned ? nr[k] : scanned;
		}
		scan_adjusted = 1;
	}
	if (can_reclaim_anon_pages(m) && inactive_is_low(m, nid, LRU_INACTIVE_ANON))
		shrink_active_list(m, nid, LRU_ACTIVE_ANON, SWAP_CLUSTER_MAX, sc);
	if (MUTANT(m, RECLAIM_UNMAPS_LOCKED))
		shrink_inactive_list(m, nid, LRU_UNEVICTABLE, SWAP_CLUSTER_MAX, sc);
}

static unsigned long node_free_pages(const struct mmf_machine *m, unsigned nid)
{
	unsigned long n = 0;
	for (unsigned zi = 0; zi < m->nr_zones; zi++)
		if (m->zones[zi].node == nid)
			n += m->zones[zi].nr_free_pages;
	return n;
}

/* prepare_scan_control() and shrink_node(). 1 when it reclaimed something. */
static int shrink_node(struct mmf_machine *m, unsigned nid, struct scan_control *sc)
{
	const struct mmf_lruvec *lv = &m->lruvec[nid];
	sc->anon_cost = lv->anon_cost;
	sc->file_cost = lv->file_cost;
	sc->may_deactivate = 0;
	if (inactive_is_low(m, nid, LRU_INACTIVE_ANON))
		sc->may_deactivate |= DEACTIVATE_ANON;
	if (inactive_is_low(m, nid, LRU_INACTIVE_FILE))
		sc->may_deactivate |= DEACTIVATE_FILE;
	unsigned long file = lv->nr[LRU_INACTIVE_FILE];
	sc->cache_trim_mode = (file >> sc->priority) && !(sc->may_deactivate & DEACTIVATE_FILE);
	unsigned long high = 0;
	for (unsigned zi = 0; zi < m->nr_zones; zi++)
		if (m->zones[zi].node == nid && m->zones[zi].type <= sc->reclaim_idx)
			high += m->zones[zi].wmark[WMARK_HIGH];
	file = lv->nr[LRU_INACTIVE_FILE] + lv->nr[LRU_ACTIVE_FILE];
	sc->file_is_tiny = file + node_free_pages(m, nid) <= high && !(sc->may_deactivate & DEACTIVATE_ANON) &&
			   (lv->nr[LRU_INACTIVE_ANON] >> sc->priority);
	unsigned long before = sc->nr_reclaimed;
	shrink_lruvec(m, nid, sc);
	if (sc->nr_reclaimed > before) {
		m->kswapd[nid].failures = 0; /* a node that gave pages back is not hopeless */
		return 1;
	}
	return 0;
}

/* ---- direct reclaim ---------------------------------------------------- */

unsigned long mmf_try_to_free_pages(struct mmf_machine *m, mmf_gfp_t gfp, unsigned order, unsigned nid,
				    unsigned highest)
{
	struct scan_control sc = {
		.nr_to_reclaim = SWAP_CLUSTER_MAX,
		.gfp_mask = gfp,
		.order = order,
		.priority = DEF_PRIORITY,
		.reclaim_idx = highest,
		.may_writepage = 1,
		.may_unmap = 1,
		.may_swap = 1,
	};
	m->vm.allocstall[highest]++;
	uint8_t nodes[MMF_MAX_NODES];
	unsigned nn = mmf_zonelist_nodes(m, nid, highest, gfp, nodes);
	do {
		for (unsigned i = 0; i < nn; i++) /* shrink_zones(): each node of the zonelist once */
			shrink_node(m, nodes[i], &sc);
		if (sc.nr_reclaimed >= sc.nr_to_reclaim)
			break;
	} while (--sc.priority >= 0);
	return sc.nr_reclaimed;
}

/* ---- kswapd ------------------------------------------------------------- */

/* pgdat_balanced(): some zone of the node up to highest is above its high
 * mark (or the node has none there). */
static int pgdat_balanced(const struct mmf_machine *m, unsigned nid, unsigned order, unsigned highest)
{
	int any = 0;
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct mmf_zone *z = &m->zones[zi];
		if (z->node != nid || z->type > highest)
			continue;
		any = 1;
		uint32_t mark = z->wmark[MUTANT(m, KSWAPD_STOPS_AT_LOW) ? WMARK_LOW : WMARK_HIGH];
		if (mmf_zone_watermark_ok(m, z, order, mark, highest, 0))
			return 1;
	}
	return !any;
}

void mmf_wakeup_kswapd(struct mmf_machine *m, unsigned nid, unsigned order, unsigned highest)
{
	struct mmf_kswapd *k = &m->kswapd[nid];
	if (k->highest_zoneidx < highest || !k->woken)
		k->highest_zoneidx = (uint8_t)highest;
	if (k->order < order)
		k->order = (uint8_t)order;
	if (k->failures >= MAX_RECLAIM_RETRIES || pgdat_balanced(m, nid, order, highest))
		return; /* hopeless, or nothing to do */
	k->woken = 1;
	m->kswapd_pending = 1;
}

/* balance_pgdat(): priority by priority until a zone is balanced. */
static unsigned long balance_pgdat(struct mmf_machine *m, unsigned nid, unsigned order, unsigned highest)
{
	struct scan_control sc = {
		.gfp_mask = GFP_KERNEL,
		.order = order,
		.priority = DEF_PRIORITY,
		.reclaim_idx = highest,
		.may_writepage = 1,
		.may_unmap = 1,
		.may_swap = 1,
		.kswapd = 1,
	};
	m->vm.pageoutrun++;
	do {
		unsigned long before = sc.nr_reclaimed;
		if (pgdat_balanced(m, nid, sc.order, highest))
			break;
		/* age_active_anon() */
		if (can_reclaim_anon_pages(m) && inactive_is_low(m, nid, LRU_INACTIVE_ANON))
			shrink_active_list(m, nid, LRU_ACTIVE_ANON, SWAP_CLUSTER_MAX, &sc);
		sc.nr_scanned = 0;
		/* kswapd_shrink_node(): at least the high marks' worth a pass */
		sc.nr_to_reclaim = 0;
		for (unsigned zi = 0; zi < m->nr_zones; zi++) {
			const struct mmf_zone *z = &m->zones[zi];
			if (z->node == nid && z->type <= highest)
				sc.nr_to_reclaim += z->wmark[WMARK_HIGH] > SWAP_CLUSTER_MAX ? z->wmark[WMARK_HIGH] : SWAP_CLUSTER_MAX;
		}
		shrink_node(m, nid, &sc);
		int raise_priority = sc.nr_scanned < sc.nr_to_reclaim;
		if (sc.order && sc.nr_reclaimed >= 2ul << sc.order)
			sc.order = 0; /* compact_gap(): enough for compaction to work with */
		if (raise_priority || sc.nr_reclaimed == before)
			sc.priority--;
	} while (sc.priority >= 1);
	if (!sc.nr_reclaimed && m->kswapd[nid].failures < 255)
		m->kswapd[nid].failures++;
	return sc.nr_reclaimed;
}

unsigned long mmf_kswapd_run(struct mmf_machine *m)
{
	unsigned long reclaimed = 0;
	if (!m->kswapd_pending)
		return 0;
	m->kswapd_pending = 0;
	for (unsigned nid = 0; nid < m->prof->nr_nodes; nid++) {
		struct mmf_kswapd *k = &m->kswapd[nid];
		if (!k->woken)
			continue;
		unsigned order = k->order, highest = k->highest_zoneidx;
		k->woken = 0;
		k->order = 0;
		k->highest_zoneidx = 0;
		reclaimed += balance_pgdat(m, nid, order, highest);
	}
	return reclaimed;
}

/* ---- MADV_PAGEOUT ------------------------------------------------------ */

void mmf_as_pageout(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end)
{
	struct scan_control sc = {
		.gfp_mask = GFP_KERNEL,
		.priority = DEF_PRIORITY,
		.reclaim_idx = MMF_NR_ZONE_TYPES - 1,
		.may_writepage = 1,
		.may_unmap = 1,
		.may_swap = 1,
		.proactive = 1,
	};
	uint32_t pfns[MAX_ISOLATE];
	uint64_t table = (uint64_t)MAX_ISOLATE << AS_PAGE_SHIFT;
	/* madvise_cold_or_pageout_pte_range(), one pte table at a time */
	for (uint64_t a = start; a < end && mm->pgd != MMF_NIL;) {
		uint64_t stop = (a & ~(table - 1)) + table;
		if (stop > end)
			stop = end;
		unsigned n = 0;
		for (; a < stop; a += AS_PAGE_SIZE) {
			uint64_t *pte = mmf_pte_lookup(m, mm, a, 0);
			if (!pte || !(*pte & PTE_MAPPED) || !pte_has_page(*pte))
				continue;
			uint32_t pfn = pte_pfn(*pte);
			struct mmf_page *p = page_w(m, pfn);
			if (p->mapcount > 1 || mmf_thp_lru_skip(m, pfn))
				continue; /* folio_maybe_mapped_shared(): left alone */
			/* the folio's referenced bit goes whether or not reclaim takes
			 * it; the pte stays young (seen on 6.18: the page reads as
			 * referenced through its pte; a fork's child, whose copy
			 * starts old, sees it unreferenced) */
			p->flags &= ~PG_referenced;
			if (!(p->flags & PG_lru) || (p->flags & PG_unevictable) || held(m, pfn) || n == MAX_ISOLATE)
				continue;
			mmf_lru_del(m, pfn);
			p->refcount++;
			p->flags &= ~PG_active; /* reclaim_pages() */
			pfns[n++] = pfn;
		}
		unsigned long reclaimed = shrink_folio_list(m, pfns, n, &sc, 1);
		m->vm.pgsteal_proactive += reclaimed;
	}
}

/* MADV_COLD: the accessed bit of each pte whose page this mm alone maps
 * cleared, and the page deactivated (lru_deactivate: the inactive list's
 * head, its referenced bit gone). */
void mmf_as_cold(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a < end && mm->pgd != MMF_NIL; a += AS_PAGE_SIZE) {
		uint64_t *pte = mmf_pte_lookup(m, mm, a, 0);
		if (!pte || !(*pte & PTE_MAPPED) || !pte_has_page(*pte))
			continue;
		uint32_t pfn = pte_pfn(*pte);
		if (pfn_to_page(m, pfn)->mapcount > 1 || mmf_thp_lru_skip(m, pfn))
			continue; /* folio_maybe_mapped_shared(): left alone */
		*pte &= ~PTE_ACCESSED;
		struct mmf_page *p = page_w(m, pfn);
		int was_active = (p->flags & PG_active) != 0;
		p->flags &= ~(PG_referenced | PG_active);
		if (was_active && (p->flags & PG_lru) && !(p->flags & PG_unevictable)) {
			mmf_lru_del(m, pfn);
			mmf_lru_add(m, pfn);
			m->vm.pgdeactivate++;
		}
	}
}

/* ---- proactive reclaim -------------------------------------------------- */

/* drop_caches (1: the page cache's clean, unmapped pages; 2: slab, which
 * the model's caches keep nothing reclaimable in; 3: both). The model's
 * page cache is shmem's: a page never written since it was faulted in
 * (clean, no pte, no other reference) goes, as invalidate_mapping_pages()
 * lets it; written or mapped ones stay. */
int mmf_drop_caches(struct mmf_machine *m, unsigned value, int *err)
{
	if (value < 1 || value > 4) {
		*err = EINVAL;
		return -1;
	}
	mmf_lru_drain(m);
	if (value & 1) {
		mmf_shmem_drop_clean(m);
		m->vm.drop_pagecache++;
	}
	if (value & 2)
		m->vm.drop_slab++;
	return 0;
}

/* memory.reclaim-style proactive reclaim of nr pages from every node
 * (try_to_free_mem_cgroup_pages() with the root cgroup): EAGAIN when it
 * could not reclaim them all, as the cgroup file answers. */
int mmf_proactive_reclaim(struct mmf_machine *m, unsigned long nr, int *err)
{
	unsigned long reclaimed = 0;
	for (unsigned retries = MAX_RECLAIM_RETRIES; reclaimed < nr && retries; retries--) {
		struct scan_control sc = {
			.nr_to_reclaim = nr - reclaimed < SWAP_CLUSTER_MAX ? SWAP_CLUSTER_MAX : nr - reclaimed,
			.gfp_mask = GFP_KERNEL,
			.priority = DEF_PRIORITY,
			.reclaim_idx = MMF_NR_ZONE_TYPES - 1,
			.may_writepage = 1,
			.may_unmap = 1,
			.may_swap = 1,
			.proactive = 1,
		};
		do {
			for (unsigned nid = 0; nid < m->prof->nr_nodes; nid++)
				shrink_node(m, nid, &sc);
		} while (sc.nr_reclaimed < sc.nr_to_reclaim && --sc.priority >= 0);
		m->vm.pgsteal_proactive += sc.nr_reclaimed;
		if (!sc.nr_reclaimed)
			break;
		reclaimed += sc.nr_reclaimed;
	}
	if (reclaimed < nr) {
		*err = EAGAIN;
		return -1;
	}
	return 0;
}

unsigned long mmf_zone_reclaimable_pages(const struct mmf_machine *m, const struct mmf_zone *z)
{
	unsigned long n = z->nr_zone_lru[LRU_INACTIVE_FILE] + z->nr_zone_lru[LRU_ACTIVE_FILE];
	if (can_reclaim_anon_pages(m))
		n += z->nr_zone_lru[LRU_INACTIVE_ANON] + z->nr_zone_lru[LRU_ACTIVE_ANON];
	return n;
}

/* The ops (ops.def): the node in c->proc, the value in c->flags, a
 * length in user pages. */
int mmf_as_kswapd(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	(void)o;
	if (c->proc >= m->prof->nr_nodes) {
		*err = EINVAL;
		return -1;
	}
	mmf_wakeup_kswapd(m, c->proc, 0, MMF_NR_ZONE_TYPES - 1);
	mmf_kswapd_run(m);
	return 0;
}

int mmf_as_drop_caches(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	(void)o;
	return mmf_drop_caches(m, c->flags, err);
}

int mmf_as_reclaim(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	(void)o;
	if (!c->len) {
		*err = EINVAL;
		return -1;
	}
	return mmf_proactive_reclaim(m, c->len >> AS_PAGE_SHIFT, err);
}
