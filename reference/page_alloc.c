/* alloc_pages() and free_pages(): the zonelist walk with watermarks (the
 * fast path at the low mark, the slow path at min with the reserves a GFP
 * mask earns) and the hand-off to the pcp lists or the buddy.
 *
 * The slow path (__alloc_pages_slowpath()) wakes kswapd (vmscan.c: it
 * runs after the op), then, where the mask has __GFP_DIRECT_RECLAIM,
 * reclaims directly, drains the pcp lists once when that freed pages but
 * not enough, and retries while should_reclaim_retry() sees reclaimable
 * pages that could lift a zone over its min mark (MAX_RECLAIM_RETRIES
 * rounds without progress at most). __GFP_NORETRY gives up after one
 * round, __GFP_RETRY_MAYFAIL and costly orders before the OOM killer
 * (oom.c), which is asked last for low-order requests that may enter
 * the filesystem. There is no compaction: Linux treats it as skipped.
 * Where Linux would loop for ever (!__GFP_FS, or an OOM victim that will
 * not die) the model fails the request. There are no migratetypes yet:
 * the model behaves like Linux with page_group_by_mobility_disabled (no
 * fallback stealing, one pcp list per cpu, no highatomic reserve).
 *
 * CMA (profiles with CMA areas) is the exception: free CMA blocks sit on
 * their own lists (free_list[MIGRATE_CMA]) and only a movable request
 * (ALLOC_CMA) may take them: first when more than half of the zone's free
 * pages are CMA (the balancing in __rmqueue), otherwise when nothing else
 * is left (__rmqueue_cma_fallback). One difference from Linux, to keep a
 * single pcp list: CMA pages never sit on a pcp list. An order-0 CMA page
 * is taken from and freed to the buddy directly, where Linux would pass it
 * through the MIGRATE_MOVABLE pcp list. */
#include <errno.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/swap.h"

/* gfp_migratetype() == MIGRATE_MOVABLE */
static int gfp_movable(mmf_gfp_t gfp)
{
	return (gfp & (__GFP_MOVABLE | __GFP_RECLAIMABLE)) == __GFP_MOVABLE;
}

static void prep_new_page(struct mmf_machine *m, uint32_t pfn, unsigned order,
			  mmf_gfp_t gfp)
{
	struct mmf_page *p = page_w(m, pfn);
	p->refcount = 1;
	p->flags |= PG_allocated;
	if (gfp_movable(gfp))
		p->flags |= PG_movable;
	p->order = (uint8_t)order;
	m->nr_allocated += 1u << order;
	if (gfp & __GFP_ZERO) {
		uint32_t n = MUTANT(m, ZERO_SKIPS_TAIL) && order ? 1 : 1u << order;
		for (uint32_t i = 0; i < n; i++)
			page_w(m, pfn + i)->token = 0;
	}
}

/* rmqueue(): where a block comes from within one zone; *pcp set when
 * the page came off the cpu's list. */
static uint32_t rmqueue(struct mmf_machine *m, struct mmf_zone *z, unsigned order,
			unsigned cpu, unsigned alloc_flags, int *pcp)
{
	uint32_t pfn;
	int cma = (alloc_flags & ALLOC_CMA) && z->cma_pages;
	if (cma && z->nr_free_cma > z->nr_free_pages / 2) {
		pfn = mmf_buddy_rmqueue_smallest(m, z, order, 1);
		if (pfn != MMF_NIL)
			return pfn;
	}
	pfn = order == 0 ? mmf_pcp_rmqueue(m, z, cpu) : mmf_buddy_rmqueue_smallest(m, z, order, 0);
	if (pfn != MMF_NIL && order == 0)
		*pcp = 1;
	if (pfn == MMF_NIL && cma)
		pfn = mmf_buddy_rmqueue_smallest(m, z, order, 1);
	return pfn;
}

/* *via_pcp, when not NULL, is the zone whose cpu list gave the page, or
 * NULL when it came from a buddy list. */
static uint32_t get_page_from_freelist_via(struct mmf_machine *m, mmf_gfp_t gfp,
					   unsigned order, unsigned alloc_flags,
					   unsigned cpu, unsigned nid, unsigned highest,
					   struct mmf_zone **via_pcp)
{
	unsigned limit = highest + (MUTANT(m, FALLBACK_FORBIDDEN_ZONE) ? 1 : 0);
	for (unsigned i = 0; i < m->zonelist_len[nid]; i++) {
		struct mmf_zone *z = &m->zones[m->zonelist[nid][i]];
		if (z->type > limit)
			continue;
		if ((gfp & __GFP_THISNODE) && z->node != nid)
			continue;
		if (!(alloc_flags & ALLOC_NO_WATERMARKS)) {
			uint32_t mark = z->wmark[alloc_flags & ALLOC_WMARK_MASK];
			if (!mmf_zone_watermark_ok(m, z, order, mark, highest, alloc_flags))
				continue;
		}
		int pcp = 0;
		uint32_t pfn = rmqueue(m, z, order, cpu, alloc_flags, &pcp);
		if (pfn != MMF_NIL) {
			prep_new_page(m, pfn, order, gfp);
			z->pgalloc += 1u << order;
			if (via_pcp)
				*via_pcp = pcp ? z : NULL;
			return pfn;
		}
	}
	return MMF_NIL;
}

static uint32_t get_page_from_freelist(struct mmf_machine *m, mmf_gfp_t gfp,
				       unsigned order, unsigned alloc_flags,
				       unsigned cpu, unsigned nid, unsigned highest)
{
	return get_page_from_freelist_via(m, gfp, order, alloc_flags, cpu, nid, highest, NULL);
}

/* gfp_to_alloc_flags() for the slow path. */
static unsigned gfp_to_alloc_flags(mmf_gfp_t gfp, unsigned order)
{
	unsigned f = ALLOC_WMARK_MIN;
	if (gfp & __GFP_HIGH)
		f |= ALLOC_MIN_RESERVE;
	if (gfp & __GFP_KSWAPD_RECLAIM)
		f |= ALLOC_KSWAPD;
	if (!(gfp & __GFP_DIRECT_RECLAIM) && !(gfp & __GFP_NOMEMALLOC))
		f |= ALLOC_NON_BLOCK;
	(void)order;
	return f;
}

/* gfp_to_alloc_flags_cma() */
static unsigned cma_flags(const struct mmf_machine *m, mmf_gfp_t gfp)
{
	if (!m->cma)
		return 0;
	return gfp_movable(gfp) || MUTANT(m, CMA_LENDS_TO_UNMOVABLE) ? ALLOC_CMA : 0;
}

/* wake_all_kswapds(): each node of the zonelist, once. */
static void wake_all_kswapds(struct mmf_machine *m, unsigned order, mmf_gfp_t gfp, unsigned nid, unsigned highest)
{
	uint8_t nodes[MMF_MAX_NODES];
	unsigned nn = mmf_zonelist_nodes(m, nid, highest, gfp, nodes);
	for (unsigned i = 0; i < nn; i++)
		mmf_wakeup_kswapd(m, nodes[i], order, highest);
}

/* should_reclaim_retry(): another round while some zone could get over
 * its min mark with the pages reclaim might still free (fewer of them
 * believed each round without progress), at most MAX_RECLAIM_RETRIES
 * rounds in a row without progress. */
static int should_reclaim_retry(const struct mmf_machine *m, unsigned order, unsigned highest, unsigned nid,
				unsigned alloc_flags, int progress, unsigned *no_progress_loops)
{
	if (progress && order <= PAGE_ALLOC_COSTLY_ORDER)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;
	if (*no_progress_loops > MAX_RECLAIM_RETRIES)
		return 0;
	for (unsigned i = 0; i < m->zonelist_len[nid]; i++) {
		const struct mmf_zone *z = &m->zones[m->zonelist[nid][i]];
		if (z->type > highest)
			continue;
		unsigned long available = mmf_zone_reclaimable_pages(m, z);
		available -= (*no_progress_loops * available + MAX_RECLAIM_RETRIES - 1) / MAX_RECLAIM_RETRIES;
		/* __zone_watermark_ok() at min, counting those as free */
		struct mmf_zone probe = *z;
		probe.nr_free_pages += (uint32_t)available;
		if (mmf_zone_watermark_ok(m, &probe, order, z->wmark[WMARK_MIN], highest, alloc_flags & ~ALLOC_WMARK_MASK))
			return 1;
	}
	return 0;
}

static enum mmf_result alloc_pages(struct mmf_machine *m, mmf_gfp_t gfp, unsigned order, unsigned cpu,
				   unsigned nid, uint32_t *pfn_out, int *err, struct mmf_zone **via_pcp)
{
	if (order >= MMF_MAX_ORDER) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	if (nid >= m->prof->nr_nodes || cpu >= m->prof->nr_cpus) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	unsigned highest = mmf_profile_gfp_zone(m->prof, gfp);

	/* Fast path: the low watermark, no reserves. */
	unsigned acma = cma_flags(m, gfp);
	uint32_t pfn = get_page_from_freelist_via(m, gfp, order, ALLOC_WMARK_LOW | acma, cpu, nid, highest, via_pcp);
	if (pfn != MMF_NIL)
		goto got;
	*via_pcp = NULL;

	/* Slow path. */
	unsigned alloc_flags = gfp_to_alloc_flags(gfp, order) | acma;
	if (alloc_flags & ALLOC_KSWAPD) {
		m->vm.kswapd_wake++;
		wake_all_kswapds(m, order, gfp, nid, highest);
	}
	pfn = get_page_from_freelist(m, gfp, order, alloc_flags, cpu, nid, highest);
	if (pfn != MMF_NIL)
		goto got;
	int can_direct_reclaim = (gfp & __GFP_DIRECT_RECLAIM) && !MUTANT(m, ATOMIC_DIRECT_RECLAIM);
	if (MUTANT(m, ATOMIC_DIRECT_RECLAIM))
		can_direct_reclaim = (gfp & (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)) != 0;
	int costly = order > PAGE_ALLOC_COSTLY_ORDER, drained = 0;
	unsigned no_progress_loops = 0;
	/* Costly orders try compaction before reclaim; the model has no
	 * compaction, which Linux treats as skipped: __GFP_NORETRY gives up. */
	if (can_direct_reclaim && costly && (gfp & __GFP_NORETRY))
		goto nopage;
	for (;;) {
		if (alloc_flags & ALLOC_KSWAPD)
			wake_all_kswapds(m, order, gfp, nid, highest);
		unsigned reserve = 0;
		if (mmf_oom_victim_is_current(m))
			reserve = ALLOC_OOM; /* __gfp_pfmemalloc_flags(): the victim may dig into reserves */
		else if ((gfp & __GFP_MEMALLOC) && !(gfp & __GFP_NOMEMALLOC))
			reserve = ALLOC_NO_WATERMARKS;
		if (reserve) {
			pfn = get_page_from_freelist(m, gfp, order, reserve | acma | (alloc_flags & ALLOC_KSWAPD), cpu, nid,
						     highest);
			if (pfn != MMF_NIL)
				goto got;
		}
		if (!can_direct_reclaim)
			goto nopage;
		/* an OOM victim does not loop on reserves it already had */
		if (reserve == ALLOC_OOM)
			goto nopage;
		/* __alloc_pages_direct_reclaim() */
		unsigned long progress = mmf_try_to_free_pages(m, gfp, order, nid, highest);
		if (progress) {
			pfn = get_page_from_freelist(m, gfp, order, alloc_flags, cpu, nid, highest);
			if (pfn == MMF_NIL && !drained) {
				mmf_pcp_drain_all(m);
				drained = 1;
				pfn = get_page_from_freelist(m, gfp, order, alloc_flags, cpu, nid, highest);
			}
			if (pfn != MMF_NIL)
				goto got;
		}
		if (gfp & __GFP_NORETRY)
			goto nopage;
		if (costly && !(gfp & __GFP_RETRY_MAYFAIL))
			goto nopage;
		if (should_reclaim_retry(m, order, highest, nid, alloc_flags, progress != 0, &no_progress_loops))
			continue;
		/* __alloc_pages_may_oom(): one last try at the high mark, then the
		 * OOM killer, except where Linux knows killing cannot help: a
		 * costly order, __GFP_RETRY_MAYFAIL, a request bound to one node
		 * (__GFP_THISNODE) or to lowmem (below ZONE_NORMAL). */
		pfn = get_page_from_freelist(m, gfp & ~__GFP_DIRECT_RECLAIM, order, ALLOC_WMARK_HIGH | acma, cpu, nid,
					     highest);
		if (pfn != MMF_NIL)
			goto got;
		if (costly || (gfp & (__GFP_RETRY_MAYFAIL | __GFP_THISNODE)) || highest < MMF_ZONE_NORMAL)
			goto nopage;
		/* Without __GFP_FS out_of_memory() reports progress without killing
		 * and Linux retries for ever; the model fails the request instead. */
		if (!(gfp & __GFP_FS))
			goto nopage;
		if (!mmf_out_of_memory(m, gfp, order))
			goto nopage; /* nothing to kill (Linux panics) */
		no_progress_loops = 0;
	}
nopage:
	m->vm.alloc_fail++;
	*err = ENOMEM;
	return MMF_REFUSED;
got:
	*pfn_out = pfn;
	return MMF_OK;
}

enum mmf_result mmf_alloc_pages(struct mmf_machine *m, mmf_gfp_t gfp,
				unsigned order, unsigned cpu, unsigned nid,
				uint32_t *pfn_out, int *err)
{
	struct mmf_zone *via_pcp = NULL;
	return alloc_pages(m, gfp, order, cpu, nid, pfn_out, err, &via_pcp);
}

/* z's fast path at the current counters: the low mark holds and the CMA
 * balance does not send the request to the CMA lists first. */
static int fast_path_holds(const struct mmf_machine *m, const struct mmf_zone *z, mmf_gfp_t gfp, unsigned flags)
{
	if (!mmf_zone_watermark_ok(m, z, 0, z->wmark[flags & ALLOC_WMARK_MASK], mmf_profile_gfp_zone(m->prof, gfp),
				   flags))
		return 0;
	return !((flags & ALLOC_CMA) && z->cma_pages && z->nr_free_cma > z->nr_free_pages / 2);
}

/* After an order-0 allocation that the fast path (the low mark) served
 * from zone z's cpu list, the next identical call meets the same state
 * everywhere but in z: the zones before z in the zonelist fail again as
 * they did (their state is unchanged: a failed rmqueue changes nothing).
 * In z it asks the watermark and the CMA balance again, at counters that
 * only a refill moves, and takes the list's hot end, refilling an empty
 * list from the buddy first. The loop below does that without the walk
 * (fast_path_holds asked again after each refill), and where the pages
 * of a whole refill are all going to be taken by the calls that follow
 * it hands them out without putting them on the list and taking them
 * off again (rmqueue_bulk's order is the order the hot end gives them
 * back). A refill that finds the buddy empty, or a zone whose fast path
 * no longer holds, goes the whole way again. tests/check_buddy.c holds
 * this to n calls. */
uint32_t mmf_alloc_pages_bulk(struct mmf_machine *m, mmf_gfp_t gfp, unsigned cpu, unsigned nid, uint32_t n,
			      uint32_t *pfns, int *err)
{
	uint32_t got = 0;
	unsigned flags = ALLOC_WMARK_LOW | cma_flags(m, gfp);
	struct mmf_zone *z = NULL;
	int holds = 0;
	while (got < n) {
		if (z && !m->no_run_paths && !m->corrupt[0] && (holds || (holds = fast_path_holds(m, z, gfp, flags)))) {
			struct mmf_pcp *pcp = &z->pcp[cpu];
			uint32_t c = 0;
			if (pcp->count) {
				pfns[got] = mmf_pcp_pop(m, z, cpu);
				c = 1;
			} else if (n - got >= pcp->batch) {
				c = mmf_pcp_rmqueue_bulk(m, z, pcp->batch, &pfns[got]);
				holds = 0;
				if (c > 1 && !fast_path_holds(m, z, gfp, flags)) {
					/* the calls after this one go elsewhere: the rest stay listed */
					for (uint32_t j = 1; j < c; j++)
						mmf_pcp_add_cold(m, z, cpu, pfns[got + j]);
					c = 1;
				}
			} else {
				pfns[got] = mmf_pcp_rmqueue(m, z, cpu);
				c = pfns[got] != MMF_NIL;
				holds = 0;
			}
			for (uint32_t j = 0; j < c; j++) {
				prep_new_page(m, pfns[got + j], 0, gfp);
				z->pgalloc++;
			}
			got += c;
			if (c)
				continue;
		}
		z = NULL;
		holds = 0;
		if (alloc_pages(m, gfp, 0, cpu, nid, &pfns[got], err, &z) != MMF_OK)
			break;
		got++;
	}
	return got;
}

/* free_pages(): order-0 pages go to this cpu's list, larger blocks
 * straight to the buddy (__free_pages_ok). A pfn that is not the head of a
 * block of this order handed out is a bad_page(): reported, not freed. */
enum mmf_result mmf_free_pages(struct mmf_machine *m, uint32_t pfn,
			       unsigned order, unsigned cpu)
{
	if (pfn >= m->end_pfn || order >= MMF_MAX_ORDER || cpu >= m->prof->nr_cpus)
		return MMF_CORRUPT;
	const struct mmf_page *p = pfn_to_page(m, pfn);
	if (!(p->flags & PG_allocated) || p->order != order || p->refcount != 1)
		return MMF_CORRUPT;
	struct mmf_zone *z = &m->zones[p->zone];
	struct mmf_page *w = page_w(m, pfn);
	w->refcount = 0;
	w->flags &= ~(PG_allocated | PG_movable);
	w->order = 0;
	m->nr_allocated -= 1u << order;
	m->vm.pgfree += 1u << order;
	if (order == 0 && !is_cma_pfn(m, pfn))
		mmf_pcp_free(m, z, pfn, cpu);
	else
		mmf_buddy_free_one(m, z, pfn, order, 0);
	return MMF_OK;
}
