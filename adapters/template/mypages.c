/* mypages: a template adapter for a page allocator, and a small one to
 * check with it.
 *
 * Copy this file to start an adapter for your own page allocator: keep the
 * table at the bottom, replace the bd_* functions with calls into yours,
 * and delete the allocator in the middle. README.md beside this file walks
 * through it ("A page allocator").
 *
 * The allocator is a binary buddy allocator that knows nothing of zones or
 * nodes: frames [0, N), blocks of 2^order frames aligned to their size,
 * a free list per order, a freed block merged with its buddy while that is
 * free. It declares MMF_CAP_PAGE_FLAT, so mmfuzz checks it as such an
 * allocator: every block inside [0, N), aligned to its order, never
 * overlapping a live block; contents kept until freed, __GFP_ZERO blocks
 * zeroed; its free-page count right after every op (MMF_CAP_COUNTERS). It
 * carries four planted bugs (mutants, `--mutant NAME`) that mmfuzz must
 * find.
 *
 * Page contents are one 64-bit token per frame, kept by the helper library
 * (mmfuzz/plugin.h: struct mmf_plug_pages), which also does __GFP_ZERO; an
 * allocator that has memory of its own writes and reads it instead. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/adapter.h"
#include "mmfuzz/plugin.h"

/* ---- the allocator ------------------------------------------------------ */

#define MAX_ORDER (MMF_MAX_ORDER - 1) /* the largest block: 2^10 frames */
#define NONE UINT32_MAX

enum mutant { M_NONE, M_MERGE_NEXT, M_SPLIT_LEAK, M_MERGE_KEEPS_BUDDY, M_ZERO_FIRST };

struct buddy {
	uint32_t n;                  /* frames */
	uint32_t head[MAX_ORDER + 1]; /* free lists, NONE-terminated */
	uint32_t *next, *prev;       /* list links, per frame */
	uint8_t *free_order;         /* per frame: order + 1 of the free block it heads, 0 if none */
	enum mutant mutant;
};

static void push(struct buddy *b, uint32_t pfn, unsigned order)
{
	b->next[pfn] = b->head[order];
	b->prev[pfn] = NONE;
	if (b->head[order] != NONE)
		b->prev[b->head[order]] = pfn;
	b->head[order] = pfn;
	b->free_order[pfn] = (uint8_t)(order + 1);
}

static void unlink_block(struct buddy *b, uint32_t pfn, unsigned order)
{
	if (b->prev[pfn] != NONE)
		b->next[b->prev[pfn]] = b->next[pfn];
	else
		b->head[order] = b->next[pfn];
	if (b->next[pfn] != NONE)
		b->prev[b->next[pfn]] = b->prev[pfn];
	b->free_order[pfn] = 0;
}

/* All frames free: the largest aligned blocks that fit. */
static void bd_reset(struct buddy *b)
{
	for (unsigned o = 0; o <= MAX_ORDER; o++)
		b->head[o] = NONE;
	memset(b->free_order, 0, b->n);
	for (uint32_t pfn = 0; pfn < b->n;) {
		unsigned o = MAX_ORDER;
		while (o && ((pfn & ((1u << o) - 1)) || pfn + (1u << o) > b->n))
			o--;
		push(b, pfn, o);
		pfn += 1u << o;
	}
}

static int bd_init(struct buddy *b, uint32_t n)
{
	b->n = n;
	b->next = calloc(n, sizeof(uint32_t));
	b->prev = calloc(n, sizeof(uint32_t));
	b->free_order = calloc(n, 1);
	if (!b->next || !b->prev || !b->free_order)
		return ENOMEM;
	bd_reset(b);
	return 0;
}

static void bd_fini(struct buddy *b)
{
	free(b->next);
	free(b->prev);
	free(b->free_order);
}

/* The first frame of a free block of 2^order frames, or NONE. */
static uint32_t bd_alloc(struct buddy *b, unsigned order)
{
	unsigned o = order;
	while (o <= MAX_ORDER && b->head[o] == NONE)
		o++;
	if (o > MAX_ORDER)
		return NONE;
	uint32_t pfn = b->head[o];
	unlink_block(b, pfn, o);
	while (o > order) { /* split: the upper half goes back */
		o--;
		/* Planted bug: a split of three or more levels loses the
		 * topmost upper half. */
		if (b->mutant == M_SPLIT_LEAK && o == order + 2)
			continue;
		push(b, pfn + (1u << o), o);
	}
	return pfn;
}

static void bd_free(struct buddy *b, uint32_t pfn, unsigned order)
{
	while (order < MAX_ORDER) {
		uint32_t buddy = pfn ^ (1u << order);
		/* Planted bug: "the buddy" is the block after this one, aligned
		 * or not. */
		if (b->mutant == M_MERGE_NEXT)
			buddy = pfn + (1u << order);
		if (buddy >= b->n || b->free_order[buddy] != order + 1)
			break;
		/* Planted bug: the buddy merged into this block stays on
		 * its free list when it is the list's only block. */
		if (!(b->mutant == M_MERGE_KEEPS_BUDDY && b->head[order] == buddy && b->next[buddy] == NONE))
			unlink_block(b, buddy, order);
		else
			b->free_order[buddy] = 0;
		if (buddy < pfn)
			pfn = buddy;
		order++;
	}
	push(b, pfn, order);
}

/* Free frames: what the free lists hold. */
static uint64_t bd_nr_free(const struct buddy *b)
{
	uint64_t n = 0;
	for (unsigned o = 0; o <= MAX_ORDER; o++)
		for (uint32_t p = b->head[o]; p != NONE; p = b->next[p])
			n += 1u << o;
	return n;
}

/* ---- the adapter -------------------------------------------------------- */

struct mypages {
	struct buddy bd;
	struct mmf_plug_pages mem; /* page contents, from the helper library */
};

static const struct mmf_mutant_desc mutants[] = {
	{ "merge_next_block", "mypages", "a freed block merges with the block after it, aligned or not" },
	{ "split_leaks_half", "mypages", "a split of three or more levels loses the topmost upper half" },
	{ "merge_keeps_buddy", "mypages", "a buddy merged away stays on its free list when it is alone there" },
	{ "zero_first_frame", "mypages", "__GFP_ZERO zeroes the first frame of a block only" },
};

static enum mmf_result my_create(const struct mmf_adapter_config *cfg, void **ctx, char *err, size_t cap)
{
	struct mypages *m = calloc(1, sizeof(*m));
	if (!m)
		return MMF_REFUSED;
	for (unsigned i = 0; cfg->mutant && i < sizeof(mutants) / sizeof(mutants[0]); i++)
		if (!strcmp(cfg->mutant, mutants[i].name))
			m->bd.mutant = (enum mutant)(i + 1);
	if (cfg->mutant && m->bd.mutant == M_NONE) {
		free(m);
		return MMF_UNSUPPORTED; /* an unknown mutant */
	}
	/* The memory is the profile's frames, [0, end_pfn): with
	 * MMF_CAP_PAGE_FLAT, zones and nodes do not matter. */
	uint64_t frames = mmf_plug_profile_frames(cfg->profile);
	if (bd_init(&m->bd, (uint32_t)frames) || mmf_plug_pages_init(&m->mem, cfg->profile)) {
		snprintf(err, cap, "out of memory for %llu frames", (unsigned long long)frames);
		bd_fini(&m->bd);
		free(m);
		return MMF_REFUSED;
	}
	*ctx = m;
	return MMF_OK;
}

static void my_destroy(void *ctx)
{
	struct mypages *m = ctx;
	bd_fini(&m->bd);
	mmf_plug_pages_fini(&m->mem);
	free(m);
}

static enum mmf_result my_reset(void *ctx)
{
	struct mypages *m = ctx;
	bd_reset(&m->bd);
	mmf_plug_pages_reset(&m->mem);
	return MMF_OK;
}

/* req: the GFP mask (only __GFP_ZERO matters to this allocator), the
 * order, the cpu and the preferred node. */
static enum mmf_result my_alloc_pages(void *ctx, const struct mmf_page_req *req, uint64_t *pfn, int *err)
{
	struct mypages *m = ctx;
	uint32_t p = bd_alloc(&m->bd, req->order);
	if (p == NONE)
		return mmf_plug_nomem(err);
	/* Planted bug: only the first frame is zeroed. */
	mmf_plug_pages_alloc(&m->mem, p, m->bd.mutant == M_ZERO_FIRST ? 0 : req->order, req->gfp);
	*pfn = p;
	return MMF_OK;
}

static enum mmf_result my_free_pages(void *ctx, uint64_t pfn, unsigned order, unsigned cpu)
{
	struct mypages *m = ctx;
	(void)cpu;
	if (pfn >= m->bd.n || order > MAX_ORDER)
		return MMF_CORRUPT; /* the harness frees only what it was given */
	bd_free(&m->bd, (uint32_t)pfn, order);
	return MMF_OK;
}

static enum mmf_result my_write_page(void *ctx, uint64_t pfn, uint64_t token)
{
	return mmf_plug_pages_write(&((struct mypages *)ctx)->mem, pfn, token);
}

static enum mmf_result my_read_page(void *ctx, uint64_t pfn, uint64_t *token)
{
	return mmf_plug_pages_read(&((struct mypages *)ctx)->mem, pfn, token);
}

/* The allocator's own accounting, checked after every op. */
static enum mmf_result my_counter(void *ctx, unsigned which, uint64_t *value)
{
	struct mypages *m = ctx;
	if (which != MMF_COUNTER_FREE_PAGES)
		return MMF_UNSUPPORTED;
	*value = bd_nr_free(&m->bd);
	return MMF_OK;
}

static const struct mmf_adapter table = {
	.abi_version = MMF_ADAPTER_ABI_VERSION,
	.size = sizeof(struct mmf_adapter),
	.name = "mypages", /* [a-z0-9_]: appears in finding signatures */
	.description = "template adapter: a zone-agnostic buddy allocator with four planted bugs",
	/* a page allocator over [0, N) that knows no zones, with page
	 * contents and a free-page counter */
	.caps = MMF_CAP_PAGE_ALLOC | MMF_CAP_PAGE_CONTENTS | MMF_CAP_PAGE_FLAT | MMF_CAP_COUNTERS,
	.level = { [MMF_FAM_PAGE] = MMF_LEVEL_SAFETY },
	.create = my_create,
	.destroy = my_destroy,
	.reset = my_reset,
	.alloc_pages = my_alloc_pages,
	.free_pages = my_free_pages,
	.write_page = my_write_page,
	.read_page = my_read_page,
	.mutants = mutants,
	.nr_mutants = sizeof(mutants) / sizeof(mutants[0]),
	.counter = my_counter,
};

/* The one symbol mmfuzz looks for in a plugin. */
const struct mmf_adapter *mmf_adapter_entry(void);
const struct mmf_adapter *mmf_adapter_entry(void) { return &table; }
