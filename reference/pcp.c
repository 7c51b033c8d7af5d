/* Per-cpu page lists (struct per_cpu_pages) for order-0 pages, as the seed
 * notes describe them: a freed page goes on the hot end; an allocation takes
 * the hot end; an empty list is refilled with `batch` pages from the buddy;
 * a list reaching `high` gives `batch` cold pages back to the buddy.
 *
 * A deviation, chosen: this is the pre-5.14 policy, with fixed batch and
 * high from the profile. Linux 5.14+ frees more than batch on a run of
 * frees (nr_pcp_free() scales it by pcp->free_factor, 6.7+ by
 * free_count), lowers high under memory pressure (nr_pcp_high()), and
 * 6.7+ tunes high itself between high_min and high_max. All of that
 * depends on timing and on other CPUs' lists, none of which the op
 * language can pin down or a kernel report shows per list, so the model
 * keeps the policy whose every step the tests can state
 * (tests/check_buddy.c, pcp_trim_at_high: exactly batch, the coldest). */
#include "reference/mm.h"

static void pcp_add(struct mmf_machine *m, struct mmf_pcp *pcp, uint32_t pfn, int tail)
{
	if (tail)
		mmf_list_add_tail(m, &pcp->list, pfn);
	else
		mmf_list_add_head(m, &pcp->list, pfn);
	page_w(m, pfn)->flags |= PG_pcp;
	pcp->count++;
}

static void pcp_del(struct mmf_machine *m, struct mmf_pcp *pcp, uint32_t pfn)
{
	mmf_list_del(m, &pcp->list, pfn);
	page_w(m, pfn)->flags &= ~PG_pcp;
	pcp->count--;
}

/* free_pcppages_bulk(): `count` pages from the cold end back to the buddy. */
static void free_pcppages_bulk(struct mmf_machine *m, struct mmf_zone *z,
			       struct mmf_pcp *pcp, uint32_t count)
{
	for (; count && pcp->count; count--) {
		uint32_t pfn = pcp->list.tail;
		pcp_del(m, pcp, pfn);
		if (MUTANT(m, DRAIN_LOSES_PAGE) && count == 1 && pcp->count == 0)
			continue; /* the last page of a full drain vanishes */
		mmf_buddy_free_one(m, z, pfn, 0, 0);
	}
}

uint32_t mmf_pcp_rmqueue_bulk(struct mmf_machine *m, struct mmf_zone *z, uint32_t count, uint32_t *pfns)
{
	uint32_t i = 0;
	while (i < count) {
		uint32_t first, n = mmf_buddy_take_run(m, z, count - i, &first);
		for (uint32_t j = 0; j < n; j++)
			pfns[i++] = first + j;
		if (n)
			continue;
		uint32_t pfn = mmf_buddy_rmqueue_smallest(m, z, 0, 0);
		if (pfn == MMF_NIL)
			break;
		pfns[i++] = pfn;
	}
	return i;
}

void mmf_pcp_add_cold(struct mmf_machine *m, struct mmf_zone *z, unsigned cpu, uint32_t pfn)
{
	pcp_add(m, &z->pcp[cpu], pfn, 1);
}

/* rmqueue_pcplist(): refill with rmqueue_bulk() when empty, then take the
 * hot end. Returns MMF_NIL when the buddy has nothing either. */
uint32_t mmf_pcp_rmqueue(struct mmf_machine *m, struct mmf_zone *z, unsigned cpu)
{
	struct mmf_pcp *pcp = &z->pcp[cpu];
	for (uint32_t done = 0, empty = !pcp->count; empty && done < pcp->batch;) {
		uint32_t pfns[64], want = pcp->batch - done < 64 ? pcp->batch - done : 64;
		uint32_t got = mmf_pcp_rmqueue_bulk(m, z, want, pfns);
		for (uint32_t j = 0; j < got; j++)
			pcp_add(m, pcp, pfns[j], 1);
		done += got;
		if (got < want)
			break;
	}
	if (!pcp->count)
		return MMF_NIL;
	uint32_t pfn = pcp->list.head;
	pcp_del(m, pcp, pfn);
	return pfn;
}

uint32_t mmf_pcp_pop(struct mmf_machine *m, struct mmf_zone *z, unsigned cpu)
{
	struct mmf_pcp *pcp = &z->pcp[cpu];
	if (!pcp->count)
		return MMF_NIL;
	uint32_t pfn = pcp->list.head;
	pcp_del(m, pcp, pfn);
	return pfn;
}

/* free_unref_page(): hot end, then trim when the list reaches high. */
void mmf_pcp_free(struct mmf_machine *m, struct mmf_zone *z, uint32_t pfn,
		  unsigned cpu)
{
	struct mmf_pcp *pcp = &z->pcp[cpu];
	pcp_add(m, pcp, pfn, 0);
	int over = MUTANT(m, PCP_HIGH_OFF_BY_ONE) ? pcp->count > pcp->high
						  : pcp->count >= pcp->high;
	if (over)
		free_pcppages_bulk(m, z, pcp, pcp->batch);
}

/* drain_all_pages(zone): this zone's list on every cpu back to the buddy. */
void mmf_pcp_drain_zone(struct mmf_machine *m, struct mmf_zone *z)
{
	for (unsigned c = 0; c < m->prof->nr_cpus; c++)
		if (z->pcp[c].count)
			free_pcppages_bulk(m, z, &z->pcp[c], z->pcp[c].count);
}

/* drain_pages(cpu): every zone's list of this cpu back to the buddy. */
void mmf_pcp_drain_cpu(struct mmf_machine *m, unsigned cpu)
{
	for (unsigned i = 0; i < m->nr_zones; i++) {
		struct mmf_zone *z = &m->zones[i];
		if (z->pcp[cpu].count)
			free_pcppages_bulk(m, z, &z->pcp[cpu], z->pcp[cpu].count);
	}
	m->vm.pcp_drain++;
}

void mmf_pcp_drain_all(struct mmf_machine *m)
{
	for (unsigned c = 0; c < m->prof->nr_cpus; c++)
		mmf_pcp_drain_cpu(m, c);
}
