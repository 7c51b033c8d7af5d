/* mempool: a reserve of elements for allocations that must not fail. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference/mempool.h"
#include "reference/mm.h"
#include "reference/slab.h"

struct pool {
	uint8_t live;
	uint32_t min_nr, curr_nr;
	uint64_t size;
	uint64_t elements[MMF_MEMPOOL_MAX_MIN_NR];
};

struct mmf_mempools {
	struct pool pools[MMF_MEMPOOL_MAX];
};

int mmf_mempool_init(struct mmf_machine *m)
{
	m->mempools = calloc(1, sizeof(*m->mempools));
	return m->mempools ? 0 : -1;
}

void mmf_mempool_fini(struct mmf_machine *m)
{
	free(m->mempools);
	m->mempools = NULL;
}

void mmf_mempool_reset(struct mmf_machine *m) { memset(m->mempools, 0, sizeof(*m->mempools)); }

static struct pool *pool_of(struct mmf_machine *m, uint32_t id)
{
	return id < MMF_MEMPOOL_MAX && m->mempools->pools[id].live ? &m->mempools->pools[id] : NULL;
}

/* add_element()/remove_element(): the reserve is a stack. */
static void add_element(struct pool *p, uint64_t e) { p->elements[p->curr_nr++] = e; }

static uint64_t remove_element(struct mmf_machine *m, struct pool *p)
{
	if (MUTANT(m, MEMPOOL_RESERVE_FIFO)) {
		uint64_t e = p->elements[0];
		memmove(p->elements, p->elements + 1, (p->curr_nr - 1) * sizeof(p->elements[0]));
		p->curr_nr--;
		return e;
	}
	return p->elements[--p->curr_nr];
}

enum mmf_result mmf_mempool_create(struct mmf_machine *m, uint32_t min_nr, uint64_t size, unsigned cpu,
				   unsigned nid, uint32_t *id, int *err)
{
	if (min_nr == 0 || min_nr > MMF_MEMPOOL_MAX_MIN_NR || size == 0 || size > MMF_KMALLOC_MAX_SIZE) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	uint32_t i;
	for (i = 0; i < MMF_MEMPOOL_MAX && m->mempools->pools[i].live; i++)
		;
	if (i == MMF_MEMPOOL_MAX) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	struct pool *p = &m->mempools->pools[i];
	memset(p, 0, sizeof(*p));
	p->min_nr = min_nr;
	p->size = size;
	uint32_t fill = MUTANT(m, MEMPOOL_CREATE_SHORT) ? min_nr - 1 : min_nr;
	while (p->curr_nr < fill) {
		uint64_t e;
		enum mmf_result r = mmf_kmalloc(m, size, GFP_KERNEL, cpu, nid, &e, err);
		if (r != MMF_OK) {
			while (p->curr_nr)
				mmf_kfree(m, remove_element(m, p), cpu);
			return r;
		}
		add_element(p, e);
	}
	p->live = 1;
	*id = i;
	return MMF_OK;
}

enum mmf_result mmf_mempool_destroy(struct mmf_machine *m, uint32_t id, unsigned cpu)
{
	struct pool *p = pool_of(m, id);
	if (!p)
		return MMF_CORRUPT;
	if (!MUTANT(m, MEMPOOL_DESTROY_LEAKS))
		while (p->curr_nr)
			mmf_kfree(m, remove_element(m, p), cpu);
	p->live = 0;
	return MMF_OK;
}

/* mempool_alloc(): first the backing allocator without reclaim or
 * reserves, then the pool's reserve, then the backing allocator with the
 * caller's full mask. */
enum mmf_result mmf_mempool_alloc(struct mmf_machine *m, uint32_t id, mmf_gfp_t gfp, unsigned cpu,
				  unsigned nid, uint64_t *addr, int *err)
{
	struct pool *p = pool_of(m, id);
	if (!p)
		return MMF_CORRUPT;
	gfp &= ~__GFP_ZERO; /* VM_WARN_ON: reserve elements are not zeroed */
	mmf_gfp_t gfp_temp = (gfp & ~(__GFP_DIRECT_RECLAIM | __GFP_IO)) | __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN;
	enum mmf_result r = mmf_kmalloc(m, p->size, gfp_temp, cpu, nid, addr, err);
	if (r != MMF_REFUSED)
		return r;
	if (p->curr_nr && !MUTANT(m, MEMPOOL_RESERVE_NOT_USED)) {
		*addr = remove_element(m, p);
		return MMF_OK;
	}
	if (gfp_temp != gfp) {
		r = mmf_kmalloc(m, p->size, gfp, cpu, nid, addr, err);
		if (r != MMF_REFUSED)
			return r;
	}
	*err = ENOMEM; /* Linux: with __GFP_DIRECT_RECLAIM, sleep and retry */
	return MMF_REFUSED;
}

/* mempool_free(): refill the reserve first, else back to kfree. */
enum mmf_result mmf_mempool_free(struct mmf_machine *m, uint32_t id, uint64_t addr, unsigned cpu)
{
	struct pool *p = pool_of(m, id);
	if (!p)
		return MMF_CORRUPT;
	if (p->curr_nr < p->min_nr && !MUTANT(m, MEMPOOL_FREE_SKIPS_REFILL)) {
		add_element(p, addr);
		return MMF_OK;
	}
	return mmf_kfree(m, addr, cpu);
}

int mmf_mempool_is_valid(const struct mmf_machine *m, char *msg, size_t cap)
{
	for (unsigned i = 0; i < MMF_MEMPOOL_MAX; i++) {
		const struct pool *p = &m->mempools->pools[i];
		if (p->live && p->curr_nr > p->min_nr) {
			snprintf(msg, cap, "mempool_reserve: pool %u holds %u elements, min_nr %u", i, p->curr_nr, p->min_nr);
			return -1;
		}
		for (unsigned k = 0; p->live && k < p->curr_nr; k++) {
			uint64_t usable;
			if (mmf_ksize(m, p->elements[k], &usable) != MMF_OK || usable < p->size) {
				snprintf(msg, cap, "mempool_reserve: pool %u element 0x%llx is not a live %llu-byte object", i,
					 (unsigned long long)p->elements[k], (unsigned long long)p->size);
				return -1;
			}
		}
	}
	return 0;
}
