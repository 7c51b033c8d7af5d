/* The machine: mem_map, zones and the boot image that reset returns to.
 * Boot frees every zone into the buddy the way memblock_free_all() does:
 * naturally aligned chunks of at most MAX_ORDER-1, each to the tail of its
 * free list (FPI_TO_TAIL), so free lists start in ascending pfn order. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/mempool.h"
#include "reference/slab.h"
#include "reference/swap.h"
#include "reference/vmalloc.h"

static void boot_free_zone(struct mmf_machine *m, struct mmf_zone *z)
{
	uint32_t start = z->start_pfn, end = z->start_pfn + z->nr_pages;
	while (start < end) {
		unsigned order = start ? (unsigned)__builtin_ctz(start) : MMF_MAX_ORDER - 1;
		if (order > MMF_MAX_ORDER - 1)
			order = MMF_MAX_ORDER - 1;
		while (start + (1u << order) > end)
			order--;
		mmf_buddy_free_one(m, z, start, order, 1);
		start += 1u << order;
	}
}

void mmf_machine_corrupt(struct mmf_machine *m, const char *fmt, ...)
{
	if (m->corrupt[0])
		return; /* the first sign is the one worth reporting */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->corrupt, sizeof(m->corrupt), fmt, ap);
	va_end(ap);
}

int mmf_machine_init(struct mmf_machine *m, const struct mmf_profile *p,
		     enum mmf_mutant mutant)
{
	memset(m, 0, sizeof(*m));
	m->prof = p;
	mmf_kernel_defaults(p, &m->k);
	m->as_shift = mmf_profile_as_shift(p);
	m->end_pfn = p->end_pfn;
	m->mem_map = calloc(p->end_pfn, sizeof(struct mmf_page));
	m->boot_map = calloc(p->end_pfn, sizeof(struct mmf_page));
	m->dirty_bits = calloc((p->end_pfn + 63) / 64, sizeof(uint64_t));
	m->dirty_list = calloc(p->end_pfn, sizeof(uint32_t));
	m->scratch = calloc((p->end_pfn + 63) / 64, sizeof(uint64_t));
	if (!m->mem_map || !m->boot_map || !m->dirty_bits || !m->dirty_list || !m->scratch) {
		mmf_machine_fini(m);
		return -1;
	}
	m->nr_zones = p->nr_zones;
	for (unsigned i = 0; i < p->nr_zones; i++) {
		struct mmf_zone *z = &m->zones[i];
		z->start_pfn = p->zones[i].start_pfn;
		z->nr_pages = p->zones[i].nr_pages;
		z->node = p->zones[i].node;
		z->type = p->zones[i].type;
		m->managed_pages += p->zones[i].nr_pages;
		for (unsigned o = 0; o < MMF_MAX_ORDER; o++) {
			z->free_area[o].list.head = z->free_area[o].list.tail = MMF_NIL;
			z->free_area[o].cma.head = z->free_area[o].cma.tail = MMF_NIL;
		}
		for (unsigned c = 0; c < MMF_MAX_CPUS; c++) {
			z->pcp[c].list.head = z->pcp[c].list.tail = MMF_NIL;
			z->pcp[c].batch = p->pcp_batch;
			z->pcp[c].high = p->pcp_high;
		}
	}
	for (uint32_t pfn = 0; pfn < p->end_pfn; pfn++) {
		struct mmf_page *pg = &m->mem_map[pfn];
		int zi = mmf_profile_zone_of(p, pfn);
		pg->prev = pg->next = MMF_NIL;
		pg->zone = (uint8_t)(zi < 0 ? 0xff : zi);
	}
	mmf_zone_setup(m);
	if (mmf_cma_init(m)) {
		mmf_machine_fini(m);
		return -1;
	}
	m->mutant = MMF_MUT_NONE; /* mutants act on run-time paths, not on boot */
	for (unsigned i = 0; i < m->nr_zones; i++)
		boot_free_zone(m, &m->zones[i]);
	char msg[160];
	if (mmf_buddy_is_valid_exhaustive(m, msg, sizeof(msg))) {
		mmf_machine_fini(m);
		return -1; /* a profile the model cannot boot */
	}
	mmf_lru_reset(m);
	if (mmf_kpt_init(m) || mmf_slub_init(m) || mmf_vmalloc_init(m) || mmf_mempool_init(m) || mmf_as_init(m) ||
	    mmf_swap_init(m) || mmf_zswap_init(m)) {
		mmf_machine_fini(m);
		return -1;
	}
	m->mutant = mutant;
	memcpy(m->boot_map, m->mem_map, p->end_pfn * sizeof(struct mmf_page));
	memcpy(m->boot_zones, m->zones, sizeof(m->zones));
	memset(m->dirty_bits, 0, ((p->end_pfn + 63) / 64) * sizeof(uint64_t));
	m->nr_dirty = 0;
	memset(&m->vm, 0, sizeof(m->vm));
	m->touched_zones = ~0u;
	return 0;
}

void mmf_machine_fini(struct mmf_machine *m)
{
	mmf_mempool_fini(m);
	mmf_vmalloc_fini(m);
	mmf_slub_fini(m);
	mmf_cma_fini(m);
	mmf_as_fini(m);
	mmf_zswap_fini(m);
	mmf_swap_fini(m);
	mmf_kpt_fini(m);
	free(m->mem_map);
	free(m->boot_map);
	free(m->dirty_bits);
	free(m->dirty_list);
	free(m->scratch);
	m->scratch = NULL;
	m->mem_map = m->boot_map = NULL;
	m->dirty_bits = NULL;
	m->dirty_list = NULL;
}

/* Cost: the pages touched since the last reset, plus the zone structs. */
void mmf_machine_reset(struct mmf_machine *m)
{
	for (uint32_t i = 0; i < m->nr_dirty; i++) {
		uint32_t pfn = m->dirty_list[i];
		m->mem_map[pfn] = m->boot_map[pfn];
		m->dirty_bits[pfn >> 6] = 0;
	}
	m->nr_dirty = 0;
	memcpy(m->zones, m->boot_zones, m->nr_zones * sizeof(struct mmf_zone));
	memset(&m->vm, 0, sizeof(m->vm));
	m->nr_allocated = 0;
	m->nr_pagetables = m->nr_anon = 0;
	m->corrupt[0] = 0;
	m->touched_zones = ~0u;
	memset(&m->dummy, 0, sizeof(m->dummy));
	mmf_slub_reset(m);
	mmf_vmalloc_reset(m);
	mmf_kpt_reset(m);
	mmf_mempool_reset(m);
	mmf_cma_reset(m);
	mmf_as_reset(m);
	mmf_swap_reset(m);
	mmf_zswap_reset(m);
	mmf_lru_reset(m);
}
