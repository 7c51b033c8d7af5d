/* An independent, deliberately simple page allocator: one bitmap of used
 * frames, first fit over naturally aligned positions, highest permitted
 * zone first. No pcp lists, no watermarks, no reports. It shares no code
 * with the reference, not even the GFP zone rule (the harness's placement
 * check uses the shared one, so a slip in either shows as a finding). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/simple/objects.h"
#include "mmfuzz/adapter.h"
#include "mmfuzz/gfp.h"

#define SIMPLE_AREAS 64
#define VMAX_PAGES 1025 /* 4 MiB and a byte */
#define VBASE 0x0000200000000000ull
#define VSTRIDE (8ull << 20)

struct simple {
	const struct mmf_profile *prof;
	uint64_t *used;    /* bit per frame */
	uint8_t *head;     /* order+1 at the first frame of a live block, else 0 */
	uint64_t *token;   /* modelled contents */
	uint32_t words;
	uint32_t lo, hi; /* the words of used[] set since the reset: [lo, hi) */
	uint32_t hint[MMF_MAX_ZONES]; /* no free frame below this in the zone */
	uint32_t nfree[MMF_MAX_ZONES]; /* free frames in the zone */
	struct simple_objs objs;
	/* vmalloc: area i lives at VBASE + i * VSTRIDE; its pages in vpfn. */
	struct {
		int live;
		uint32_t npages;
	} areas[SIMPLE_AREAS];
	uint32_t *vpfn; /* SIMPLE_AREAS * VMAX_PAGES */
	/* mempools: a stack of reserved objects each */
	struct {
		int live;
		uint32_t min_nr, nr;
		uint64_t size;
		uint64_t reserve[32];
	} pools[4];
};

static enum mmf_result simple_create(const struct mmf_adapter_config *cfg, void **ctx,
				     char *err, size_t cap)
{
	if (cfg->mutant && *cfg->mutant) {
		snprintf(err, cap, "simple has no mutants");
		return MMF_UNSUPPORTED;
	}
	struct simple *s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	s->prof = cfg->profile;
	s->words = (cfg->profile->end_pfn + 63) / 64;
	s->used = calloc(s->words, sizeof(uint64_t));
	s->head = calloc(cfg->profile->end_pfn, 1);
	s->token = calloc(cfg->profile->end_pfn, sizeof(uint64_t));
	s->vpfn = calloc((size_t)SIMPLE_AREAS * VMAX_PAGES, sizeof(uint32_t));
	if (!s->used || !s->head || !s->token || !s->vpfn || simple_objs_init(&s->objs)) {
		free(s->vpfn);
		free(s->used);
		free(s->head);
		free(s->token);
		free(s);
		goto oom;
	}
	for (unsigned z = 0; z < s->prof->nr_zones; z++) {
		s->hint[z] = s->prof->zones[z].start_pfn;
		s->nfree[z] = s->prof->zones[z].nr_pages;
	}
	s->lo = s->words;
	*ctx = s;
	return MMF_OK;
oom:
	snprintf(err, cap, "out of memory");
	return MMF_REFUSED;
}

static void simple_destroy(void *ctx)
{
	struct simple *s = ctx;
	free(s->used);
	free(s->head);
	free(s->token);
	simple_objs_fini(&s->objs);
	free(s->vpfn);
	free(s);
}

/* Live blocks are all recorded in head[] and used[] between the words lo
 * and hi a sequence set, so clearing them costs that span, not the
 * machine size. Tokens need no reset: a fresh
 * block's contents are unspecified unless __GFP_ZERO asked for zeroes. */
static enum mmf_result simple_reset(void *ctx)
{
	struct simple *s = ctx;
	if (s->hi > s->lo) {
		uint32_t end = s->hi * 64 < s->prof->end_pfn ? s->hi * 64 : s->prof->end_pfn;
		memset(&s->used[s->lo], 0, (size_t)(s->hi - s->lo) * sizeof(s->used[0]));
		memset(&s->head[s->lo * 64], 0, end - s->lo * 64);
	}
	simple_objs_reset(&s->objs);
	memset(s->areas, 0, sizeof(s->areas));
	memset(s->pools, 0, sizeof(s->pools));
	for (unsigned z = 0; z < s->prof->nr_zones; z++) {
		s->hint[z] = s->prof->zones[z].start_pfn;
		s->nfree[z] = s->prof->zones[z].nr_pages;
	}
	s->lo = s->words;
	s->hi = 0;
	return MMF_OK;
}

/* The zone a GFP mask may reach up to, read from Linux's GFP_ZONE_TABLE
 * (include/linux/gfp.h): DMA, then DMA32, then HIGHMEM|MOVABLE ->
 * MOVABLE, HIGHMEM -> HIGHMEM, else NORMAL; a type the machine lacks
 * (besides Movable, which always exists) counts as NORMAL. */
static unsigned zone_limit(const struct mmf_profile *p, uint32_t gfp)
{
	static const struct {
		uint32_t bits;
		unsigned type;
	} table[] = {
		{ __GFP_DMA, MMF_ZONE_DMA },
		{ __GFP_DMA32, MMF_ZONE_DMA32 },
		{ __GFP_HIGHMEM | __GFP_MOVABLE, MMF_ZONE_MOVABLE },
		{ __GFP_HIGHMEM, MMF_ZONE_HIGHMEM },
	};
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if ((gfp & table[i].bits) == table[i].bits)
			return (p->configured_zone_types >> table[i].type) & 1 ? table[i].type : MMF_ZONE_NORMAL;
	return MMF_ZONE_NORMAL;
}

/* Whether zone zi may serve req, whose GFP mask reaches up to `highest`. */
static int zone_allowed(const struct mmf_profile *p, int zi, const struct mmf_page_req *req, unsigned highest)
{
	const struct mmf_zone_desc *z = &p->zones[zi];
	return z->type <= highest && (!(req->gfp & __GFP_THISNODE) || z->node == req->node);
}

static int range_free(const struct simple *s, uint32_t pfn, uint32_t n)
{
	for (uint32_t i = 0; i < n;) {
		uint32_t p = pfn + i;
		if ((p & 63) == 0 && n - i >= 64) {
			if (s->used[p >> 6])
				return 0;
			i += 64;
		} else {
			if (s->used[p >> 6] & (1ull << (p & 63)))
				return 0;
			i++;
		}
	}
	return 1;
}

static void range_set(struct simple *s, uint32_t pfn, uint32_t n, int on)
{
	if (on && pfn >> 6 < s->lo)
		s->lo = pfn >> 6;
	if (on && ((pfn + n - 1) >> 6) + 1 > s->hi)
		s->hi = ((pfn + n - 1) >> 6) + 1;
	while (n) { /* a word at a time */
		uint32_t take = 64 - (pfn & 63);
		if (take > n)
			take = n;
		uint64_t mask = (take == 64 ? ~0ull : (1ull << take) - 1) << (pfn & 63);
		if (on)
			s->used[pfn >> 6] |= mask;
		else
			s->used[pfn >> 6] &= ~mask;
		pfn += take;
		n -= take;
	}
}

static enum mmf_result take(struct simple *s, int zi, uint32_t pfn, const struct mmf_page_req *req,
			   uint64_t *pfn_out)
{
	uint32_t n = 1u << req->order;
	range_set(s, pfn, n, 1);
	s->nfree[zi] -= n;
	if (n == 1)
		s->hint[zi] = pfn + 1; /* everything below is taken */
	s->head[pfn] = (uint8_t)(req->order + 1);
	if (req->gfp & __GFP_ZERO)
		memset(&s->token[pfn], 0, n * sizeof(uint64_t));
	*pfn_out = pfn;
	return MMF_OK;
}

static enum mmf_result simple_alloc_pages(void *ctx, const struct mmf_page_req *req,
					  uint64_t *pfn_out, int *err)
{
	struct simple *s = ctx;
	const struct mmf_profile *p = s->prof;
	if (req->order >= MMF_MAX_ORDER) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	unsigned highest = zone_limit(p, req->gfp);
	uint32_t n = 1u << req->order;
	/* Highest permitted zone first, so low zones are kept for those who need them. */
	for (int zi = (int)p->nr_zones - 1; zi >= 0; zi--) {
		const struct mmf_zone_desc *z = &p->zones[zi];
		if (!zone_allowed(p, zi, req, highest))
			continue;
		if (s->nfree[zi] < n)
			continue; /* full: no need to look */
		uint32_t end = z->start_pfn + z->nr_pages;
		if (n == 1) { /* first fit of one frame: the first clear bit from the hint */
			uint32_t from = s->hint[zi] > z->start_pfn ? s->hint[zi] : z->start_pfn;
			for (uint32_t w = from >> 6; w < s->words && (uint64_t)w * 64 < end; w++) {
				uint64_t clear = ~s->used[w] & (w == from >> 6 ? ~0ull << (from & 63) : ~0ull);
				if (!clear)
					continue;
				uint32_t pfn = w * 64 + (uint32_t)__builtin_ctzll(clear);
				if (pfn >= end)
					break;
				return take(s, zi, pfn, req, pfn_out);
			}
			continue;
		}
		uint32_t pfn = (s->hint[zi] + n - 1) & ~(n - 1);
		if (pfn < z->start_pfn)
			pfn = (z->start_pfn + n - 1) & ~(n - 1);
		for (; pfn + n <= end; pfn += n) {
			/* Skip full words quickly; first fit is still first fit. */
			if ((pfn & 63) == 0 && n < 64 && s->used[pfn >> 6] == ~0ull && pfn + 64 <= end) {
				pfn += 64 - n;
				continue;
			}
			if (!range_free(s, pfn, n))
				continue;
			return take(s, zi, pfn, req, pfn_out);
		}
	}
	*err = ENOMEM;
	return MMF_REFUSED;
}

/* n single frames, as n calls of simple_alloc_pages(order 0) would take
 * them: each the first free frame from its zone's hint, the zones in the
 * same order, a zone left once it has none. Returns how many it took. */
static uint32_t take_frames(struct simple *s, const struct mmf_page_req *req, uint32_t n, uint32_t *pfns)
{
	const struct mmf_profile *p = s->prof;
	unsigned highest = zone_limit(p, req->gfp);
	uint32_t got = 0;
	for (int zi = (int)p->nr_zones - 1; zi >= 0 && got < n; zi--) {
		const struct mmf_zone_desc *z = &p->zones[zi];
		if (!zone_allowed(p, zi, req, highest))
			continue;
		uint32_t end = z->start_pfn + z->nr_pages, first = got;
		uint32_t from = s->hint[zi] > z->start_pfn ? s->hint[zi] : z->start_pfn;
		for (uint32_t w = from >> 6; got < n && s->nfree[zi] && w < s->words && (uint64_t)w * 64 < end; w++) {
			uint64_t clear = ~s->used[w] & (w == from >> 6 ? ~0ull << (from & 63) : ~0ull), took = 0;
			for (; clear && got < n && s->nfree[zi]; clear &= clear - 1) {
				uint32_t pfn = w * 64 + (uint32_t)__builtin_ctzll(clear);
				if (pfn >= end)
					break;
				took |= clear & -clear;
				pfns[got++] = pfn;
				s->nfree[zi]--;
				s->head[pfn] = 1;
				if (req->gfp & __GFP_ZERO)
					s->token[pfn] = 0;
			}
			s->used[w] |= took;
		}
		if (got > first) {
			s->hint[zi] = pfns[got - 1] + 1;
			if (pfns[first] >> 6 < s->lo)
				s->lo = pfns[first] >> 6;
			if ((pfns[got - 1] >> 6) + 1 > s->hi)
				s->hi = (pfns[got - 1] >> 6) + 1;
		}
	}
	return got;
}

static enum mmf_result simple_free_pages(void *ctx, uint64_t pfn, unsigned order,
					 unsigned cpu)
{
	struct simple *s = ctx;
	(void)cpu;
	if (pfn >= s->prof->end_pfn || s->head[pfn] != order + 1)
		return MMF_CORRUPT;
	s->head[pfn] = 0;
	range_set(s, (uint32_t)pfn, 1u << order, 0);
	int zi = mmf_profile_zone_of(s->prof, (uint32_t)pfn);
	if (zi >= 0)
		s->nfree[zi] += 1u << order;
	if (zi >= 0 && pfn < s->hint[zi])
		s->hint[zi] = (uint32_t)pfn;
	return MMF_OK;
}

static enum mmf_result simple_write_page(void *ctx, uint64_t pfn, uint64_t token)
{
	struct simple *s = ctx;
	if (pfn >= s->prof->end_pfn)
		return MMF_CORRUPT;
	s->token[pfn] = token;
	return MMF_OK;
}

static enum mmf_result simple_read_page(void *ctx, uint64_t pfn, uint64_t *token)
{
	struct simple *s = ctx;
	if (pfn >= s->prof->end_pfn)
		return MMF_CORRUPT;
	*token = s->token[pfn];
	return MMF_OK;
}

#define OBJS(ctx) (&((struct simple *)(ctx))->objs)

static enum mmf_result s_kmalloc(void *ctx, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node,
				 uint64_t *addr, int *err)
{
	(void)cpu;
	(void)node;
	return simple_kmalloc(OBJS(ctx), size, gfp, addr, err);
}

static enum mmf_result s_kfree(void *ctx, uint64_t addr, unsigned cpu)
{
	(void)cpu;
	return simple_kfree(OBJS(ctx), addr);
}

static enum mmf_result s_krealloc(void *ctx, uint64_t addr, uint64_t size, uint32_t gfp, unsigned cpu,
				  unsigned node, uint64_t *new_addr, int *err)
{
	(void)cpu;
	(void)node;
	return simple_krealloc(OBJS(ctx), addr, size, gfp, new_addr, err);
}

static enum mmf_result s_ksize(void *ctx, uint64_t addr, uint64_t *usable)
{
	return simple_ksize(OBJS(ctx), addr, usable);
}

static enum mmf_result s_obj_write(void *ctx, uint64_t addr, uint64_t val)
{
	return simple_obj_write(OBJS(ctx), addr, val);
}

static enum mmf_result s_obj_read(void *ctx, uint64_t addr, uint64_t *val)
{
	return simple_obj_read(OBJS(ctx), addr, val);
}

static enum mmf_result s_cache_create(void *ctx, const char *name, uint32_t size, uint32_t align, uint32_t flags,
				      int ctor, uint64_t *cache, int *err)
{
	(void)name;
	(void)flags; /* debug flags change nothing visible here */
	return simple_cache_create(OBJS(ctx), size, align, ctor, cache, err);
}

static enum mmf_result s_cache_destroy(void *ctx, uint64_t cache, int *err)
{
	return simple_cache_destroy(OBJS(ctx), cache, err);
}

static enum mmf_result s_cache_alloc(void *ctx, uint64_t cache, uint32_t gfp, unsigned cpu, unsigned node,
				     uint64_t *addr, int *err)
{
	(void)cpu;
	(void)node;
	return simple_cache_alloc(OBJS(ctx), cache, gfp, addr, err);
}

static enum mmf_result s_cache_free(void *ctx, uint64_t cache, uint64_t addr, unsigned cpu)
{
	(void)cpu;
	return simple_cache_free(OBJS(ctx), cache, addr);
}

/* vmalloc: single pages from this adapter's own page allocator. */
static enum mmf_result s_vmalloc(void *ctx, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node,
				 uint64_t *addr, int *err)
{
	struct simple *s = ctx;
	uint64_t n = (size + 4095) / 4096;
	if (size == 0) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	unsigned a;
	for (a = 0; a < SIMPLE_AREAS && s->areas[a].live; a++)
		;
	if (a == SIMPLE_AREAS || n > VMAX_PAGES) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	uint32_t *pfns = s->vpfn + (size_t)a * VMAX_PAGES;
	struct mmf_page_req req = { gfp, 0, (uint8_t)cpu, (uint8_t)node };
	uint32_t got = take_frames(s, &req, (uint32_t)n, pfns);
	if (got < n) {
		while (got--)
			simple_free_pages(ctx, pfns[got], 0, cpu);
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	s->areas[a].live = 1;
	s->areas[a].npages = (uint32_t)n;
	*addr = VBASE + a * VSTRIDE;
	return MMF_OK;
}

/* The page behind addr, or -1. */
static int64_t s_vpfn(struct simple *s, uint64_t addr)
{
	if (addr < VBASE)
		return -1;
	uint64_t a = (addr - VBASE) / VSTRIDE, page = ((addr - VBASE) % VSTRIDE) / 4096;
	if (a >= SIMPLE_AREAS || !s->areas[a].live || page >= s->areas[a].npages)
		return -1;
	return s->vpfn[a * VMAX_PAGES + page];
}

static enum mmf_result s_vfree(void *ctx, uint64_t addr, unsigned cpu)
{
	struct simple *s = ctx;
	if (addr < VBASE || (addr - VBASE) % VSTRIDE || (addr - VBASE) / VSTRIDE >= SIMPLE_AREAS)
		return MMF_CORRUPT;
	uint64_t a = (addr - VBASE) / VSTRIDE;
	if (!s->areas[a].live)
		return MMF_CORRUPT;
	for (uint32_t i = 0; i < s->areas[a].npages; i++)
		simple_free_pages(ctx, s->vpfn[a * VMAX_PAGES + i], 0, cpu);
	s->areas[a].live = 0;
	return MMF_OK;
}

static enum mmf_result s_vmalloc_to_pfn(void *ctx, uint64_t addr, uint64_t *pfn)
{
	int64_t p = s_vpfn(ctx, addr);
	if (p < 0)
		return MMF_REFUSED;
	*pfn = (uint64_t)p;
	return MMF_OK;
}

static enum mmf_result s_vmem_write(void *ctx, uint64_t addr, uint64_t token)
{
	int64_t p = s_vpfn(ctx, addr);
	return p < 0 ? MMF_CORRUPT : simple_write_page(ctx, (uint64_t)p, token);
}

static enum mmf_result s_vmem_read(void *ctx, uint64_t addr, uint64_t *token)
{
	int64_t p = s_vpfn(ctx, addr);
	return p < 0 ? MMF_CORRUPT : simple_read_page(ctx, (uint64_t)p, token);
}

/* mempool: take from the arena, fall back to the reserve, refill first. */
static enum mmf_result s_pool_create(void *ctx, uint32_t min_nr, uint64_t size, unsigned cpu, unsigned node,
				     uint64_t *pool, int *err)
{
	struct simple *s = ctx;
	(void)cpu;
	(void)node;
	unsigned i;
	if (min_nr == 0 || min_nr > 32 || size == 0) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	for (i = 0; i < 4 && s->pools[i].live; i++)
		;
	if (i == 4) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	s->pools[i].nr = 0;
	while (s->pools[i].nr < min_nr) {
		uint64_t e;
		if (simple_kmalloc(OBJS(ctx), size, 0, &e, err) != MMF_OK) {
			while (s->pools[i].nr)
				simple_kfree(OBJS(ctx), s->pools[i].reserve[--s->pools[i].nr]);
			return MMF_REFUSED;
		}
		s->pools[i].reserve[s->pools[i].nr++] = e;
	}
	s->pools[i].live = 1;
	s->pools[i].min_nr = min_nr;
	s->pools[i].size = size;
	*pool = i + 1;
	return MMF_OK;
}

static int pool_ok(const struct simple *s, uint64_t id) { return id >= 1 && id <= 4 && s->pools[id - 1].live; }

static enum mmf_result s_pool_destroy(void *ctx, uint64_t pool, unsigned cpu)
{
	struct simple *s = ctx;
	(void)cpu;
	if (!pool_ok(s, pool))
		return MMF_CORRUPT;
	while (s->pools[pool - 1].nr)
		simple_kfree(OBJS(ctx), s->pools[pool - 1].reserve[--s->pools[pool - 1].nr]);
	s->pools[pool - 1].live = 0;
	return MMF_OK;
}

static enum mmf_result s_pool_alloc(void *ctx, uint64_t pool, uint32_t gfp, unsigned cpu, unsigned node,
				    uint64_t *addr, int *err)
{
	struct simple *s = ctx;
	(void)cpu;
	(void)node;
	(void)gfp;
	if (!pool_ok(s, pool))
		return MMF_CORRUPT;
	if (simple_kmalloc(OBJS(ctx), s->pools[pool - 1].size, 0, addr, err) == MMF_OK)
		return MMF_OK;
	if (s->pools[pool - 1].nr) {
		*addr = s->pools[pool - 1].reserve[--s->pools[pool - 1].nr];
		return MMF_OK;
	}
	*err = ENOMEM;
	return MMF_REFUSED;
}

static enum mmf_result s_pool_free(void *ctx, uint64_t pool, uint64_t addr, unsigned cpu)
{
	struct simple *s = ctx;
	(void)cpu;
	if (!pool_ok(s, pool))
		return MMF_CORRUPT;
	if (s->pools[pool - 1].nr < s->pools[pool - 1].min_nr) {
		s->pools[pool - 1].reserve[s->pools[pool - 1].nr++] = addr;
		return MMF_OK;
	}
	return simple_kfree(OBJS(ctx), addr);
}

static const struct mmf_adapter simple_adapter = {
	.abi_version = MMF_ADAPTER_ABI_VERSION,
	.size = sizeof(struct mmf_adapter),
	.name = "simple",
	.description = "bitmap first-fit page allocator, compared at safety level",
	.caps = MMF_CAP_PAGE_ALLOC | MMF_CAP_PAGE_CONTENTS | MMF_CAP_KMALLOC | MMF_CAP_OBJ_CONTENTS |
		MMF_CAP_KMEM_CACHE | MMF_CAP_VMALLOC | MMF_CAP_MEMPOOL,
	.level = { [MMF_FAM_PAGE] = MMF_LEVEL_SAFETY, [MMF_FAM_OBJ] = MMF_LEVEL_SAFETY,
		   [MMF_FAM_VMALLOC] = MMF_LEVEL_SAFETY },
	.create = simple_create,
	.destroy = simple_destroy,
	.reset = simple_reset,
	.alloc_pages = simple_alloc_pages,
	.free_pages = simple_free_pages,
	.write_page = simple_write_page,
	.read_page = simple_read_page,
	.kmalloc = s_kmalloc,
	.kfree = s_kfree,
	.krealloc = s_krealloc,
	.ksize = s_ksize,
	.obj_write = s_obj_write,
	.obj_read = s_obj_read,
	.cache_create = s_cache_create,
	.cache_destroy = s_cache_destroy,
	.cache_alloc = s_cache_alloc,
	.cache_free = s_cache_free,
	.vmalloc = s_vmalloc,
	.vfree = s_vfree,
	.vmalloc_to_pfn = s_vmalloc_to_pfn,
	.vmem_write = s_vmem_write,
	.vmem_read = s_vmem_read,
	.pool_create = s_pool_create,
	.pool_destroy = s_pool_destroy,
	.pool_alloc = s_pool_alloc,
	.pool_free = s_pool_free,
};

const struct mmf_adapter *mmf_adapter_simple(void) { return &simple_adapter; }
