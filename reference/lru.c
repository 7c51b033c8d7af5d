/* The LRU lists (include/linux/mm_inline.h's lruvec_add_folio() and
 * friends): each node's lruvec holds every user page (anonymous and shmem)
 * on exactly one of five lists, which the page's flags name:
 *
 *   PG_unevictable                  LRU_UNEVICTABLE (a locked VMA maps it)
 *   PG_lazyfree (!swapbacked)       LRU_{INACTIVE,ACTIVE}_FILE
 *   otherwise (swapbacked)          LRU_{INACTIVE,ACTIVE}_ANON
 *
 * and PG_active picks the active list. shmem pages are swap-backed, so
 * they live on the anon lists as in Linux; with memfd-like files only, the
 * file lists hold just the clean MADV_FREE'd pages lru_lazyfree() moved
 * there. The list a page is on is kept in its flags (PG_LRU_MASK) beside
 * the flags that choose it: code that changes those flags calls
 * mmf_lru_update() at the point Linux moves the folio (a batch draining,
 * reclaim putting it back), and the walker holds the two equal.
 *
 * Head is where lruvec_add_folio() adds (the most recent), tail where
 * reclaim isolates from (lruvec_add_folio_tail() rotates a page there). */
#include <stdio.h>
#include <string.h>

#include "reference/as.h"
#include "reference/internal.h"
#include "reference/mm.h"
#include "reference/swap.h"

enum lru_list mmf_folio_lru_list(const struct mmf_page *p)
{
	if (p->flags & PG_unevictable)
		return LRU_UNEVICTABLE;
	unsigned base = (p->flags & PG_lazyfree) ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
	return (enum lru_list)(base + ((p->flags & PG_active) ? 1 : 0));
}

static enum lru_list on_list(const struct mmf_page *p)
{
	return (enum lru_list)(((p->flags & PG_LRU_MASK) >> PG_LRU_SHIFT) - 1);
}

static struct mmf_lruvec *lruvec_of(struct mmf_machine *m, const struct mmf_page *p)
{
	return &m->lruvec[page_to_nid(m, p)];
}

static void add(struct mmf_machine *m, uint32_t pfn, int tail)
{
	struct mmf_page *p = page_w(m, pfn);
	if (p->flags & PG_lru)
		return;
	enum lru_list lru = mmf_folio_lru_list(p);
	struct mmf_lruvec *lv = lruvec_of(m, p);
	p->flags = (p->flags & ~PG_LRU_MASK) | PG_lru | ((uint32_t)(lru + 1) << PG_LRU_SHIFT);
	if (tail)
		mmf_list_add_tail(m, &lv->lists[lru], pfn);
	else
		mmf_list_add_head(m, &lv->lists[lru], pfn);
	lv->nr[lru]++;
	m->zones[p->zone].nr_zone_lru[lru]++;
}

void mmf_lru_add(struct mmf_machine *m, uint32_t pfn) { add(m, pfn, 0); }
void mmf_lru_add_tail(struct mmf_machine *m, uint32_t pfn) { add(m, pfn, 1); }

void mmf_lru_del(struct mmf_machine *m, uint32_t pfn)
{
	const struct mmf_page *c = pfn_to_page(m, pfn);
	if (!(c->flags & PG_lru))
		return;
	enum lru_list lru = on_list(c);
	struct mmf_lruvec *lv = lruvec_of(m, c);
	mmf_list_del(m, &lv->lists[lru], pfn);
	lv->nr[lru]--;
	m->zones[c->zone].nr_zone_lru[lru]--;
	page_w(m, pfn)->flags &= ~(PG_lru | PG_LRU_MASK);
}

void mmf_lru_update(struct mmf_machine *m, uint32_t pfn)
{
	const struct mmf_page *p = pfn_to_page(m, pfn);
	if (!(p->flags & PG_lru) || on_list(p) == mmf_folio_lru_list(p))
		return;
	mmf_lru_del(m, pfn);
	mmf_lru_add(m, pfn);
}

unsigned long mmf_lru_pages(const struct mmf_machine *m, enum lru_list lru)
{
	unsigned long n = 0;
	for (unsigned nid = 0; nid < m->prof->nr_nodes; nid++)
		n += m->lruvec[nid].nr[lru];
	return n;
}

void mmf_lru_reset(struct mmf_machine *m)
{
	for (unsigned nid = 0; nid < MMF_MAX_NODES; nid++) {
		m->lruvec[nid] = (struct mmf_lruvec){ 0 };
		for (unsigned l = 0; l < NR_LRU_LISTS; l++)
			m->lruvec[nid].lists[l].head = m->lruvec[nid].lists[l].tail = MMF_NIL;
		m->kswapd[nid] = (struct mmf_kswapd){ 0 };
	}
	m->kswapd_pending = 0;
	m->reclaim_held[0] = m->reclaim_held[1] = MMF_NIL;
}

static const char *const lru_names[NR_LRU_LISTS] = { "inactive_anon", "active_anon", "inactive_file", "active_file",
						      "unevictable" };
const char *mmf_lru_name(enum lru_list lru) { return lru < NR_LRU_LISTS ? lru_names[lru] : "?"; }

/* Every list links back and forth, holds pages of its node whose flags
 * name it, and counts what it holds; every user page is on one (scratch
 * marks what the lists hold). */
int mmf_lru_is_valid(const struct mmf_machine *m, char *msg, size_t cap)
{
	uint64_t *seen = m->scratch;
	memset(seen, 0, ((m->end_pfn + 63) / 64) * sizeof(uint64_t));
	uint32_t total = 0;
	for (unsigned nid = 0; nid < m->prof->nr_nodes; nid++) {
		for (unsigned l = 0; l < NR_LRU_LISTS; l++) {
			const struct mmf_list *list = &m->lruvec[nid].lists[l];
			uint32_t n = 0, prev = MMF_NIL;
			for (uint32_t pfn = list->head; pfn != MMF_NIL; prev = pfn, pfn = pfn_to_page(m, pfn)->next) {
				const struct mmf_page *p = pfn_to_page(m, pfn);
				if (pfn >= m->end_pfn || (seen[pfn >> 6] >> (pfn & 63)) & 1)
					return mmf_fail(msg, cap, "lru_list: node %u %s links pfn %u twice or out of range", nid,
							lru_names[l], pfn);
				seen[pfn >> 6] |= 1ull << (pfn & 63);
				if (p->prev != prev)
					return mmf_fail(msg, cap, "lru_list: node %u %s: pfn %u does not link back to %u", nid,
							lru_names[l], pfn, prev);
				if (!(p->flags & PG_allocated) || !(p->flags & PG_anon) || !(p->flags & PG_lru) ||
				    on_list(p) != (enum lru_list)l || page_to_nid(m, p) != nid)
					return mmf_fail(msg, cap, "lru_list: node %u %s holds pfn %u (flags %#x, node %u)", nid,
							lru_names[l], pfn, p->flags, page_to_nid(m, p));
				if (mmf_folio_lru_list(p) != (enum lru_list)l)
					return mmf_fail(msg, cap, "lru_flags: pfn %u is on %s but its flags (%#x) say %s", pfn,
							lru_names[l], p->flags, lru_names[mmf_folio_lru_list(p)]);
				if (++n > m->end_pfn)
					return mmf_fail(msg, cap, "lru_list: node %u %s loops", nid, lru_names[l]);
				/* --walk full: the page's bytes are what its token says */
				if (m->walk_full && mmf_page_token_of((struct mmf_machine *)m, pfn) != p->token)
					return mmf_fail(msg, cap, "page_contents: pfn %u's bytes XOR to %#llx, its token is %#llx",
							pfn, (unsigned long long)mmf_page_token_of((struct mmf_machine *)m, pfn),
							(unsigned long long)p->token);
			}
			if (list->tail != prev)
				return mmf_fail(msg, cap, "lru_list: node %u %s ends at %u, its tail says %u", nid, lru_names[l],
						prev, list->tail);
			if (n != m->lruvec[nid].nr[l])
				return mmf_fail(msg, cap, "lru_count: node %u %s links %u pages, counts %u", nid, lru_names[l], n,
						m->lruvec[nid].nr[l]);
			total += n;
		}
	}
	if (total != m->nr_anon)
		return mmf_fail(msg, cap, "lru_membership: the lists hold %u pages, %u user pages are allocated", total,
				m->nr_anon);
	return 0;
}
