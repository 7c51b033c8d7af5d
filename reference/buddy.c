/* The buddy allocator proper: free_area[order] lists per zone, splitting a
 * larger block down to the order asked for (expand) and merging a freed
 * block with its buddy while the buddy is free (__free_one_page).
 *
 *   buddy_pfn    = pfn ^ (1 << order)       the other half of the pair
 *   combined_pfn = pfn & buddy_pfn          the pair's start, one order up
 *
 * Lists are doubly linked through struct page by pfn. Adding at the head
 * makes a block the next one handed out; the tail is the cold end. */
#include "reference/mm.h"

void mmf_list_add_head(struct mmf_machine *m, struct mmf_list *l, uint32_t pfn)
{
	struct mmf_page *p = page_w(m, pfn);
	p->prev = MMF_NIL;
	p->next = l->head;
	if (l->head != MMF_NIL)
		page_w(m, l->head)->prev = pfn;
	else
		l->tail = pfn;
	l->head = pfn;
}

void mmf_list_add_tail(struct mmf_machine *m, struct mmf_list *l, uint32_t pfn)
{
	struct mmf_page *p = page_w(m, pfn);
	p->next = MMF_NIL;
	p->prev = l->tail;
	if (l->tail != MMF_NIL)
		page_w(m, l->tail)->next = pfn;
	else
		l->head = pfn;
	l->tail = pfn;
}

/* With CONFIG_DEBUG_LIST's checks: the neighbours must point back. */
void mmf_list_del(struct mmf_machine *m, struct mmf_list *l, uint32_t pfn)
{
	const struct mmf_page *c = pfn_to_page(m, pfn);
	if ((c->prev == MMF_NIL ? l->head : pfn_to_page(m, c->prev)->next) != pfn ||
	    (c->next == MMF_NIL ? l->tail : pfn_to_page(m, c->next)->prev) != pfn) {
		mmf_machine_corrupt(m, "list_corruption: deleting pfn %u (prev %u, next %u) from a list that does not link it",
				    pfn, c->prev, c->next);
		return;
	}
	struct mmf_page *p = page_w(m, pfn);
	if (p->prev != MMF_NIL)
		page_w(m, p->prev)->next = p->next;
	else
		l->head = p->next;
	if (p->next != MMF_NIL)
		page_w(m, p->next)->prev = p->prev;
	else
		l->tail = p->prev;
	p->prev = p->next = MMF_NIL;
}

static void add_to_free_list(struct mmf_machine *m, struct mmf_zone *z,
			     uint32_t pfn, unsigned order, int to_tail)
{
	struct mmf_free_area *area = &z->free_area[order];
	struct mmf_page *p = page_w(m, pfn);
	int cma = is_cma_pfn(m, pfn);
	struct mmf_list *l = cma ? &area->cma : &area->list;
	p->flags |= PG_buddy;
	p->order = (uint8_t)order;
	p->refcount = 0;
	if (to_tail)
		mmf_list_add_tail(m, l, pfn);
	else
		mmf_list_add_head(m, l, pfn);
	area->nr_free++;
	z->nr_free_pages += 1u << order;
	if (cma) {
		area->nr_cma++;
		z->nr_free_cma += 1u << order;
	}
	zone_touched(m, z);
}

static void del_from_free_list(struct mmf_machine *m, struct mmf_zone *z,
			       uint32_t pfn, unsigned order)
{
	struct mmf_free_area *area = &z->free_area[order];
	int cma = is_cma_pfn(m, pfn);
	mmf_list_del(m, cma ? &area->cma : &area->list, pfn);
	struct mmf_page *p = page_w(m, pfn);
	p->flags &= ~PG_buddy;
	p->order = 0;
	area->nr_free--;
	z->nr_free_pages -= 1u << order;
	if (cma) {
		area->nr_cma--;
		if (!(MUTANT(m, CMA_FREE_DRIFT) && order == 0))
			z->nr_free_cma -= 1u << order;
	}
	zone_touched(m, z);
}

static uint32_t find_buddy_pfn(const struct mmf_machine *m, uint32_t pfn,
			       unsigned order)
{
	if (MUTANT(m, BUDDY_PFN_ORDER3) && order >= 3)
		return pfn + (1u << order);
	return pfn ^ (1u << order);
}

/* page_is_buddy(): the buddy is a free block of exactly this order in the
 * same zone. */
static int page_is_buddy(const struct mmf_machine *m, const struct mmf_zone *z,
			 uint32_t buddy_pfn, unsigned order)
{
	if (buddy_pfn < z->start_pfn || buddy_pfn - z->start_pfn >= z->nr_pages)
		return 0;
	const struct mmf_page *b = pfn_to_page(m, buddy_pfn);
	return (b->flags & PG_buddy) && b->order == order;
}

/* buddy_merge_likely(): if the block one order up is free too, this block
 * will probably merge soon, so put it at the cold end to keep it free. */
static int buddy_merge_likely(const struct mmf_machine *m, const struct mmf_zone *z,
			      uint32_t pfn, uint32_t buddy_pfn, unsigned order)
{
	if (order >= MMF_MAX_ORDER - 2)
		return 0;
	uint32_t higher = buddy_pfn & pfn;
	uint32_t higher_buddy = higher ^ (1u << (order + 1));
	return page_is_buddy(m, z, higher_buddy, order + 1);
}

/* __free_one_page(): merge upwards while the buddy is free, then put the
 * result on its free list. to_tail forces the cold end (boot memory,
 * FPI_TO_TAIL); otherwise buddy_merge_likely() decides. */
void mmf_buddy_free_one(struct mmf_machine *m, struct mmf_zone *z, uint32_t pfn,
			unsigned order, int to_tail)
{
	unsigned top = MMF_MAX_ORDER - 1;
	uint32_t buddy_pfn = 0;
	if (MUTANT(m, MERGE_STOPS_EARLY))
		top--;
	while (order < top) {
		buddy_pfn = find_buddy_pfn(m, pfn, order);
		if (!page_is_buddy(m, z, buddy_pfn, order))
			break;
		del_from_free_list(m, z, buddy_pfn, order);
		pfn &= buddy_pfn;
		order++;
		if (MUTANT(m, FREE_COUNTED_TWICE) && order == 4)
			z->nr_free_pages += 1u << order;
		zone_touched(m, z);
	}
	if (!to_tail && order < MMF_MAX_ORDER - 1)
		to_tail = buddy_merge_likely(m, z, pfn, pfn ^ (1u << order), order);
	add_to_free_list(m, z, pfn, order, to_tail);
}

/* expand(): split a block of order `high` down to `low`, giving back the
 * upper halves; the caller keeps the lowest 2^low frames. */
static uint32_t expand(struct mmf_machine *m, struct mmf_zone *z, uint32_t pfn,
		       unsigned low, unsigned high)
{
	uint32_t size = 1u << high;
	while (high > low) {
		high--;
		size >>= 1;
		if (MUTANT(m, EXPAND_WRONG_HALF)) {
			add_to_free_list(m, z, pfn, high, 0);
			pfn += size;
		} else {
			add_to_free_list(m, z, pfn + size, high, 0);
		}
	}
	return pfn;
}

uint32_t mmf_buddy_take_run(struct mmf_machine *m, struct mmf_zone *z, uint32_t max, uint32_t *first)
{
	/* The seeded bug in expand() splits differently: step by step. */
	if (m->no_run_paths || MUTANT(m, EXPAND_WRONG_HALF) || !max)
		return 0;
	unsigned k = 0;
	while (k < MMF_MAX_ORDER && z->free_area[k].list.head == MMF_NIL)
		k++;
	if (k == 0 || k == MMF_MAX_ORDER)
		return 0;
	uint32_t b = z->free_area[k].list.head, size = 1u << k, t = max < size ? max : size;
	if (b >= m->end_pfn || m->end_pfn - b < size)
		return 0; /* a broken list: the steps meet it */
	del_from_free_list(m, z, b, k);
	/* Every page after the first was, one call or another, the head of
	 * an upper half expand() added and the next call took again. */
	for (uint32_t j = 1; j < t; j++) {
		struct mmf_page *p = page_w(m, b + j);
		p->flags &= ~PG_buddy;
		p->order = 0;
		p->refcount = 0;
		p->prev = p->next = MMF_NIL; /* as list_del() left it */
	}
	/* What expand() left and no call took: [t, size) in aligned blocks,
	 * each alone on its list (the lists below k were empty). */
	for (uint32_t pos = t; pos < size; pos += 1u << __builtin_ctz(pos))
		add_to_free_list(m, z, b + pos, (unsigned)__builtin_ctz(pos), 0);
	*first = b;
	return t;
}

void mmf_buddy_del_free(struct mmf_machine *m, struct mmf_zone *z, uint32_t pfn,
			unsigned order)
{
	del_from_free_list(m, z, pfn, order);
}

/* __rmqueue_smallest(): the first block of the smallest order that fits;
 * expand() gives the split-off halves back to the same kind of list. */
uint32_t mmf_buddy_rmqueue_smallest(struct mmf_machine *m, struct mmf_zone *z,
				    unsigned order, int cma)
{
	for (unsigned cur = order; cur < MMF_MAX_ORDER; cur++) {
		uint32_t pfn = cma ? z->free_area[cur].cma.head : z->free_area[cur].list.head;
		if (pfn == MMF_NIL)
			continue;
		del_from_free_list(m, z, pfn, cur);
		return expand(m, z, pfn, order, cur);
	}
	return MMF_NIL;
}
