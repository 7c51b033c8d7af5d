/* zswap (mm/zswap.c): a compressed pool in front of the swap devices.
 *
 * A page reclaim writes out is offered to zswap first (zswap_store()): a
 * page whose words are all one value is kept as that value (same-filled,
 * no pool memory); any other is compressed with the pool's compressor and
 * its bytes stored in the pool's allocator. What does not compress to
 * less than a page is rejected (reject_compress_poor) and goes to the
 * device, as does everything while zswap is off or the pool is full: the
 * pool may hold max_pool_percent of memory; hitting that rejects stores
 * until it is back under accept_thr_percent (90) of it, and writes the
 * oldest entries back to their slots (written_back_pages, zswpwb). A
 * swap-in finds its entry (zswap_load()), decompresses it into the page
 * and frees the entry (exclusive loads, 6.9+: the page is dirty again).
 * A slot freed frees its entry (zswap_invalidate()).
 *
 * Compressors are the real libraries Debian packages, as the kernel has
 * both: lz4 by default (the fastest the kernel offers with a usable ratio;
 * distributions that turn zswap on by default pick lz4 or zstd, and the
 * model's campaigns want speed), zstd as the choice for ratio.
 *
 * Pool allocators (the zpool knob):
 *   zsmalloc  size classes 16 bytes apart from 32 to a page; each class
 *             packs objects into zspages of 1-4 pages chosen for least
 *             waste (get_pages_per_zspage()); objects may straddle the
 *             zspage's pages. (Linux also merges classes of equal shape,
 *             which changes no count the model shows.)
 *   zbud      at most two objects a page (first and last buddy), in
 *             64-byte chunks: the allocator of older kernels
 *   z3fold    at most three a page, in 64-byte chunks
 * Pool pages come from the buddy (__GFP_NORETRY | __GFP_NOWARN |
 * __GFP_KSWAPD_RECLAIM | __GFP_HIGHMEM | __GFP_MOVABLE: no direct
 * reclaim from inside reclaim); their bytes hold the compressed data. */
#include <errno.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "mmfuzz/ops.h"
#include "reference/as.h"
#include "reference/internal.h"
#include "reference/mm.h"
#include "reference/swap.h"
#include "reference/textbuf.h"

#define ZS_MIN 32u
#define ZS_DELTA 16u
#define ZS_MAX_PAGES 4u
#define NR_CLASSES ((MMF_PAGE_SIZE - ZS_MIN) / ZS_DELTA + 1)
#define BUD_CHUNK 64u
#define MAX_ZSPAGES 8192u
#define ACCEPT_THR_PERCENT 90

struct zspage {
	uint32_t pfn[ZS_MAX_PAGES];
	uint16_t cls;        /* zsmalloc: the class; zbud/z3fold: unused */
	uint16_t inuse;      /* objects in it */
	uint16_t nobj;       /* objects it can hold (zsmalloc) */
	uint16_t used_chunks; /* zbud/z3fold: chunks taken */
	uint64_t bitmap[4];  /* zsmalloc: objects taken (up to 256) */
	uint32_t next;       /* its class's (or the buddies') list of zspages with room */
	uint8_t npages, live;
};

struct zentry {
	uint32_t swp;       /* the slot it stands for; 0 when free */
	uint32_t zspage;    /* where its bytes are (same-filled: none) */
	uint16_t obj;       /* zsmalloc: object index; buddies: chunk offset */
	uint16_t len;       /* compressed bytes; 0 for same-filled */
	uint64_t value;     /* a same-filled page's word */
	uint64_t token;     /* the page's token, as stored (the model's checksum) */
	uint32_t lru_prev, lru_next; /* oldest first, for writeback */
};

struct mmf_zswap {
	/* entries, and a hash from swap entry to entry index */
	struct zentry *e;
	uint32_t nr_e, cap_e, free_e; /* free_e: a free list through lru_next */
	uint32_t *hash;
	uint32_t hash_cap;
	uint32_t lru_head, lru_tail; /* head: oldest */
	struct zspage *zs;
	uint32_t nr_zs, free_zs;
	uint32_t class_list[NR_CLASSES]; /* zspages with room, per class */
	uint32_t bud_list;               /* buddy pages with room */
	uint32_t pool_pages;
	uint8_t full; /* zswap_pool_reached_full: refuse until under the accept mark */
	/* /sys/module/zswap/parameters: the kernel knobs' values at reset,
	 * then what the zswap op wrote */
	uint8_t enabled, compressor, zpool, max_pool_percent;
	/* /sys/kernel/debug/zswap */
	uint64_t stored_pages, same_filled_pages, pool_limit_hit, reject_alloc_fail, reject_compress_poor,
		reject_compress_fail, written_back_pages, zswpin, zswpout;
	LZ4_stream_t *lz4;
	ZSTD_CCtx *zc;
	ZSTD_DCtx *zd;
	uint8_t buf[2 * MMF_PAGE_SIZE + 64];
	int used;
};

#define NIL MMF_NIL

/* ---- set-up ---- */

int mmf_zswap_init(struct mmf_machine *m)
{
	struct mmf_zswap *z = calloc(1, sizeof(*z));
	if (!z)
		return -1;
	m->zswap = z;
	z->lz4 = LZ4_createStream();
	z->zc = ZSTD_createCCtx();
	z->zd = ZSTD_createDCtx();
	if (!z->lz4 || !z->zc || !z->zd)
		return -1;
	z->used = 1;
	mmf_zswap_reset(m);
	return 0;
}

void mmf_zswap_fini(struct mmf_machine *m)
{
	struct mmf_zswap *z = m->zswap;
	if (!z)
		return;
	LZ4_freeStream(z->lz4);
	ZSTD_freeCCtx(z->zc);
	ZSTD_freeDCtx(z->zd);
	free(z->e);
	free(z->hash);
	free(z->zs);
	free(z);
	m->zswap = NULL;
}

/* Empty (the pool's pages went back with the machine's reset). */
void mmf_zswap_reset(struct mmf_machine *m)
{
	struct mmf_zswap *z = m->zswap;
	if (!z)
		return;
	z->enabled = m->k.zswap_enabled; /* the knobs may have been set since init */
	z->compressor = m->k.zswap_compressor;
	z->zpool = m->k.zswap_zpool;
	z->max_pool_percent = m->k.zswap_max_pool_percent;
	if (!z->used)
		return;
	z->nr_e = 0;
	z->free_e = NIL;
	if (z->hash)
		memset(z->hash, 0xff, z->hash_cap * sizeof(*z->hash));
	z->lru_head = z->lru_tail = NIL;
	z->nr_zs = 0;
	z->free_zs = NIL;
	for (unsigned c = 0; c < NR_CLASSES; c++)
		z->class_list[c] = NIL;
	z->bud_list = NIL;
	z->pool_pages = 0;
	z->full = 0;
	z->enabled = m->k.zswap_enabled;
	z->compressor = m->k.zswap_compressor;
	z->zpool = m->k.zswap_zpool;
	z->max_pool_percent = m->k.zswap_max_pool_percent;
	z->stored_pages = z->same_filled_pages = z->pool_limit_hit = z->reject_alloc_fail = z->reject_compress_poor =
		z->reject_compress_fail = z->written_back_pages = z->zswpin = z->zswpout = 0;
	z->used = 0;
}

/* ---- the entry index ---- */

static uint32_t hash_of(uint32_t swp, uint32_t cap) { return (swp * 2654435761u) & (cap - 1); }

static uint32_t *slot_of(struct mmf_zswap *z, uint32_t swp)
{
	if (!z->hash_cap)
		return NULL;
	for (uint32_t h = hash_of(swp, z->hash_cap), n = 0; n < z->hash_cap; n++, h = (h + 1) & (z->hash_cap - 1)) {
		uint32_t i = z->hash[h];
		if (i == NIL)
			return &z->hash[h];
		if (z->e[i].swp == swp)
			return &z->hash[h];
	}
	return NULL;
}

static uint32_t lookup(struct mmf_zswap *z, uint32_t swp)
{
	uint32_t *s = slot_of(z, swp);
	return s ? *s : NIL;
}

/* Backward-shift deletion keeps the probe chains whole. */
static void hash_del(struct mmf_zswap *z, uint32_t swp)
{
	uint32_t *s = slot_of(z, swp);
	if (!s || *s == NIL)
		return;
	uint32_t h = (uint32_t)(s - z->hash);
	z->hash[h] = NIL;
	for (uint32_t j = (h + 1) & (z->hash_cap - 1); z->hash[j] != NIL; j = (j + 1) & (z->hash_cap - 1)) {
		uint32_t i = z->hash[j], want = hash_of(z->e[i].swp, z->hash_cap);
		/* can entry i move to the hole at h? only if h lies between its home and j */
		if ((j > h && (want <= h || want > j)) || (j < h && want <= h && want > j)) {
			z->hash[h] = i;
			z->hash[j] = NIL;
			h = j;
		}
	}
}

static int grow(struct mmf_zswap *z)
{
	if (z->nr_e < z->cap_e && (z->nr_e + 1) * 2 <= z->hash_cap)
		return 0;
	uint32_t cap = z->cap_e ? z->cap_e * 2 : 256;
	struct zentry *e = realloc(z->e, cap * sizeof(*e));
	if (!e)
		return -1;
	z->e = e;
	z->cap_e = cap;
	uint32_t *h = malloc(2 * cap * sizeof(*h));
	if (!h)
		return -1;
	memset(h, 0xff, 2 * cap * sizeof(*h));
	free(z->hash);
	z->hash = h;
	z->hash_cap = 2 * cap;
	for (uint32_t i = 0; i < z->nr_e; i++)
		if (z->e[i].swp)
			*slot_of(z, z->e[i].swp) = i;
	return 0;
}

static uint32_t entry_alloc(struct mmf_zswap *z)
{
	if (z->free_e != NIL) {
		uint32_t i = z->free_e;
		z->free_e = z->e[i].lru_next;
		return i;
	}
	if (grow(z) || z->nr_e >= z->cap_e)
		return NIL;
	return z->nr_e++;
}

static void lru_del(struct mmf_zswap *z, uint32_t i)
{
	struct zentry *e = &z->e[i];
	if (e->lru_prev != NIL)
		z->e[e->lru_prev].lru_next = e->lru_next;
	else
		z->lru_head = e->lru_next;
	if (e->lru_next != NIL)
		z->e[e->lru_next].lru_prev = e->lru_prev;
	else
		z->lru_tail = e->lru_prev;
}

static void lru_add_tail(struct mmf_zswap *z, uint32_t i)
{
	z->e[i].lru_next = NIL;
	z->e[i].lru_prev = z->lru_tail;
	if (z->lru_tail != NIL)
		z->e[z->lru_tail].lru_next = i;
	else
		z->lru_head = i;
	z->lru_tail = i;
}

/* ---- the pool ---- */

static uint32_t zs_class_size(unsigned cls) { return ZS_MIN + cls * ZS_DELTA; }

/* get_pages_per_zspage(): the zspage size with the least waste. */
static unsigned pages_per_zspage(uint32_t size)
{
	unsigned best = 1, best_pc = 0;
	for (unsigned i = 1; i <= ZS_MAX_PAGES; i++) {
		uint32_t zspage = i * MMF_PAGE_SIZE, waste = zspage % size;
		unsigned pc = (zspage - waste) * 100 / zspage;
		if (pc > best_pc) {
			best_pc = pc;
			best = i;
		}
	}
	return best;
}

static uint8_t *frame(struct mmf_machine *m, uint32_t pfn) { return m->bytes + ((size_t)pfn << MMF_PAGE_SHIFT); }

/* Copies between an object at byte off of a zspage and buf (dir 1: into
 * the zspage). Objects may straddle two of its pages. */
static void zs_copy(struct mmf_machine *m, const struct zspage *s, uint32_t off, uint8_t *buf, uint32_t len, int dir)
{
	while (len) {
		uint32_t pg = off / MMF_PAGE_SIZE, in = off % MMF_PAGE_SIZE, n = MMF_PAGE_SIZE - in;
		if (n > len)
			n = len;
		uint8_t *p = frame(m, s->pfn[pg]) + in;
		if (dir)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		off += n, buf += n, len -= n;
	}
}

static uint32_t zspage_new(struct mmf_machine *m, unsigned npages)
{
	struct mmf_zswap *z = m->zswap;
	uint32_t i;
	if (z->free_zs != NIL) {
		i = z->free_zs;
		z->free_zs = z->zs[i].next;
	} else {
		if (!z->zs && !(z->zs = calloc(MAX_ZSPAGES, sizeof(*z->zs))))
			return NIL;
		if (z->nr_zs >= MAX_ZSPAGES)
			return NIL;
		i = z->nr_zs++;
	}
	struct zspage *s = &z->zs[i];
	memset(s, 0, sizeof(*s));
	s->next = NIL;
	for (unsigned k = 0; k < npages; k++) {
		int err;
		uint32_t pfn;
		if (mmf_alloc_pages(m, __GFP_NORETRY | __GFP_NOWARN | __GFP_KSWAPD_RECLAIM | __GFP_HIGHMEM | __GFP_MOVABLE, 0,
				    0, 0, &pfn, &err) != MMF_OK) {
			for (unsigned j = 0; j < k; j++)
				mmf_free_pages(m, s->pfn[j], 0, 0);
			s->next = z->free_zs;
			z->free_zs = i;
			return NIL;
		}
		page_w(m, pfn)->flags &= ~PG_movable; /* zsmalloc's pages: not on an LRU */
		s->pfn[k] = pfn;
	}
	s->npages = (uint8_t)npages;
	s->live = 1;
	z->pool_pages += npages;
	return i;
}

static void zspage_free(struct mmf_machine *m, uint32_t i)
{
	struct mmf_zswap *z = m->zswap;
	struct zspage *s = &z->zs[i];
	for (unsigned k = 0; k < s->npages; k++)
		mmf_free_pages(m, s->pfn[k], 0, 0);
	z->pool_pages -= s->npages;
	s->live = 0;
	s->next = z->free_zs;
	z->free_zs = i;
}

static void list_remove(struct mmf_zswap *z, uint32_t *head, uint32_t i)
{
	for (uint32_t *p = head; *p != NIL; p = &z->zs[*p].next)
		if (*p == i) {
			*p = z->zs[i].next;
			z->zs[i].next = NIL;
			return;
		}
}

/* zs_malloc(): an object of len bytes; *zspage, *obj where it is. */
static int pool_alloc(struct mmf_machine *m, uint32_t len, uint32_t *zspage, uint16_t *obj)
{
	struct mmf_zswap *z = m->zswap;
	if (z->zpool == MMF_ZPOOL_ZSMALLOC) {
		unsigned cls = len <= ZS_MIN ? 0 : (len - ZS_MIN + ZS_DELTA - 1) / ZS_DELTA;
		uint32_t size = zs_class_size(cls);
		uint32_t i = z->class_list[cls];
		if (i == NIL) {
			unsigned np = pages_per_zspage(size);
			if ((i = zspage_new(m, np)) == NIL)
				return -1;
			z->zs[i].cls = (uint16_t)cls;
			z->zs[i].nobj = (uint16_t)(np * MMF_PAGE_SIZE / size);
			z->zs[i].next = z->class_list[cls];
			z->class_list[cls] = i;
		}
		struct zspage *s = &z->zs[i];
		unsigned k = 0;
		while (k < s->nobj && (s->bitmap[k / 64] >> (k % 64) & 1))
			k++;
		s->bitmap[k / 64] |= 1ull << (k % 64);
		if (++s->inuse == s->nobj)
			list_remove(z, &z->class_list[cls], i); /* full: off the list */
		*zspage = i;
		*obj = (uint16_t)k;
		return 0;
	}
	/* zbud (two a page) or z3fold (three): first fit in 64-byte chunks */
	unsigned per_page = z->zpool == MMF_ZPOOL_ZBUD ? 2 : 3;
	uint32_t chunks = (len + BUD_CHUNK - 1) / BUD_CHUNK, total = MMF_PAGE_SIZE / BUD_CHUNK;
	for (uint32_t i = z->bud_list; i != NIL; i = z->zs[i].next) {
		struct zspage *s = &z->zs[i];
		if (s->inuse < per_page && s->used_chunks + chunks <= total) {
			*zspage = i;
			*obj = s->used_chunks; /* its chunk offset: objects are laid end to end */
			s->used_chunks = (uint16_t)(s->used_chunks + chunks);
			if (++s->inuse == per_page || s->used_chunks == total)
				list_remove(z, &z->bud_list, i);
			return 0;
		}
	}
	uint32_t i = zspage_new(m, 1);
	if (i == NIL)
		return -1;
	struct zspage *s = &z->zs[i];
	s->used_chunks = (uint16_t)chunks;
	s->inuse = 1;
	s->next = z->bud_list;
	z->bud_list = i;
	*zspage = i;
	*obj = 0;
	return 0;
}

static uint32_t obj_offset(const struct mmf_zswap *z, const struct zentry *e)
{
	const struct zspage *s = &z->zs[e->zspage];
	return e->len && s->nobj ? e->obj * zs_class_size(s->cls) : (uint32_t)e->obj * BUD_CHUNK;
}

static void pool_free(struct mmf_machine *m, const struct zentry *e, int zsmalloc)
{
	struct mmf_zswap *z = m->zswap;
	uint32_t i = e->zspage;
	struct zspage *s = &z->zs[i];
	if (zsmalloc) {
		int was_full = s->inuse == s->nobj;
		s->bitmap[e->obj / 64] &= ~(1ull << (e->obj % 64));
		s->inuse--;
		if (!s->inuse) {
			if (!was_full)
				list_remove(z, &z->class_list[s->cls], i);
			zspage_free(m, i);
		} else if (was_full) {
			s->next = z->class_list[s->cls];
			z->class_list[s->cls] = i;
		}
		return;
	}
	/* buddies: the page empties when its last object goes (the chunks
	 * of the others stay where they are until then, as zbud's do) */
	int was_listed = 0;
	for (uint32_t j = z->bud_list; j != NIL; j = z->zs[j].next)
		was_listed |= j == i;
	s->inuse--;
	if (!s->inuse) {
		if (was_listed)
			list_remove(z, &z->bud_list, i);
		zspage_free(m, i);
	} else if (!was_listed) {
		s->next = z->bud_list;
		z->bud_list = i;
	}
}

/* ---- store, load, invalidate ---- */

static void entry_free(struct mmf_machine *m, uint32_t i)
{
	struct mmf_zswap *z = m->zswap;
	struct zentry *e = &z->e[i];
	hash_del(z, e->swp);
	lru_del(z, i);
	if (e->len)
		pool_free(m, e, z->zpool == MMF_ZPOOL_ZSMALLOC);
	else
		z->same_filled_pages--;
	z->stored_pages--;
	e->swp = 0;
	e->lru_next = z->free_e;
	z->free_e = i;
}

static uint64_t max_pool_pages(const struct mmf_machine *m)
{
	return (uint64_t)m->managed_pages * m->zswap->max_pool_percent / 100;
}

/* The page's bytes decompressed from entry i into out (a page). 0, or -1
 * when the bytes do not decompress to a page. */
static int decompress(struct mmf_machine *m, const struct zentry *e, uint8_t *out, uint32_t size)
{
	struct mmf_zswap *z = m->zswap;
	if (!e->len) {
		uint64_t v = e->value;
		if (MUTANT(m, ZSWAP_SAME_FILLED_AS_ZERO))
			v = 0;
		for (uint32_t w = 0; w < size / 8; w++)
			memcpy(out + 8 * w, &v, 8);
		return 0;
	}
	zs_copy(m, &z->zs[e->zspage], obj_offset(z, e), z->buf, e->len, 0);
	if (z->compressor == MMF_ZSWAP_ZSTD) {
		size_t n = ZSTD_decompressDCtx(z->zd, out, size, z->buf, e->len);
		return ZSTD_isError(n) || n != size ? -1 : 0;
	}
	return LZ4_decompress_safe((const char *)z->buf, (char *)out, e->len, (int)size) == (int)size ? 0 : -1;
}

/* zswap_writeback_entry() of the oldest entries until the pool is back
 * under the accept mark: each decompressed and written to its slot. */
static void shrink(struct mmf_machine *m)
{
	struct mmf_zswap *z = m->zswap;
	uint64_t accept = max_pool_pages(m) * ACCEPT_THR_PERCENT / 100;
	uint8_t page[2 * MMF_PAGE_SIZE];
	uint32_t size = (uint32_t)AS_PAGE_SIZE;
	while (z->lru_head != NIL && z->pool_pages > accept) {
		uint32_t i = z->lru_head;
		struct zentry *e = &z->e[i];
		if (decompress(m, e, page, size) == 0)
			mmf_swap_write_slot(m, e->swp, page, e->token);
		z->written_back_pages++;
		m->vm.zswpwb++;
		entry_free(m, i);
	}
}

int mmf_zswap_store(struct mmf_machine *m, uint32_t pfn)
{
	struct mmf_zswap *z = m->zswap;
	if (!z || !z->enabled)
		return 0;
	const struct mmf_page *p = pfn_to_page(m, pfn);
	uint32_t swp = p->swap, size = (uint32_t)AS_PAGE_SIZE;
	const uint8_t *src = frame(m, pfn);
	z->used = 1;
	uint32_t old = lookup(z, swp);
	if (old != NIL) /* a stale entry for the slot (the page was written again) */
		entry_free(m, old);
	/* the pool's limit, with the accept hysteresis */
	if (z->full && z->pool_pages <= max_pool_pages(m) * ACCEPT_THR_PERCENT / 100)
		z->full = 0;
	if (z->pool_pages >= max_pool_pages(m) || z->full) {
		if (!z->full)
			z->pool_limit_hit++;
		z->full = 1;
		shrink(m);
		return 0;
	}
	/* same-filled: every word one value */
	uint64_t v0;
	memcpy(&v0, src, 8);
	int same = 1;
	for (uint32_t w = 1; same && w < size / 8; w++)
		same = !memcmp(src + 8 * w, &v0, 8);
	if (same && !m->k.zswap_same_filled && v0)
		same = 0; /* 6.12+: only zero-filled pages are kept that way */
	uint32_t i = entry_alloc(z);
	if (i == NIL) {
		z->reject_alloc_fail++;
		return 0;
	}
	struct zentry *e = &z->e[i];
	*e = (struct zentry){ .swp = swp, .token = p->token, .lru_prev = NIL, .lru_next = NIL };
	if (same) {
		e->value = v0;
		z->same_filled_pages++;
	} else {
		int n;
		if (z->compressor == MMF_ZSWAP_ZSTD) {
			size_t r = ZSTD_compressCCtx(z->zc, z->buf, sizeof(z->buf), src, size, 1);
			n = ZSTD_isError(r) ? 0 : (int)r;
		} else {
			n = LZ4_compress_fast_extState(z->lz4, (const char *)src, (char *)z->buf, (int)size, (int)sizeof(z->buf), 1);
		}
		if (n <= 0) {
			z->reject_compress_fail++;
			goto reject;
		}
		if ((uint32_t)n >= size || (uint32_t)n > MMF_PAGE_SIZE) {
			z->reject_compress_poor++;
			goto reject;
		}
		e->len = (uint16_t)n;
		if (pool_alloc(m, (uint32_t)n, &e->zspage, &e->obj)) {
			z->reject_alloc_fail++;
			goto reject;
		}
		zs_copy(m, &z->zs[e->zspage], obj_offset(z, e), z->buf, (uint32_t)n, 1);
	}
	*slot_of(z, swp) = i;
	lru_add_tail(z, i);
	z->stored_pages++;
	z->zswpout++;
	m->vm.zswpout++;
	return 1;
reject:
	e->swp = 0;
	e->lru_next = z->free_e;
	z->free_e = i;
	return 0;
}

int mmf_zswap_load(struct mmf_machine *m, uint32_t swp, uint32_t pfn)
{
	struct mmf_zswap *z = m->zswap;
	if (!z || !z->stored_pages)
		return 0;
	uint32_t i = lookup(z, swp);
	if (i == NIL)
		return 0;
	if (MUTANT(m, ZSWAP_LOADS_WRONG_ENTRY) && z->e[i].lru_prev != NIL)
		i = z->e[i].lru_prev; /* the entry stored before it */
	struct mmf_page *p = page_w(m, pfn);
	uint32_t size = (uint32_t)AS_PAGE_SIZE;
	if (decompress(m, &z->e[i], frame(m, pfn), size)) {
		mmf_machine_corrupt(m, "zswap_load: entry for swap %#x does not decompress", swp);
		return 0;
	}
	p->token = mmf_page_token_of(m, pfn);
	if (!MUTANT(m, ZSWAP_LOADS_WRONG_ENTRY) && p->token != z->e[i].token)
		mmf_machine_corrupt(m, "zswap_roundtrip: swap %#x came back with token %#llx, stored %#llx", swp,
				    (unsigned long long)p->token, (unsigned long long)z->e[i].token);
	/* exclusive load: the entry goes, the page is the only copy */
	entry_free(m, lookup(z, swp));
	p->flags |= PG_dirty;
	z->zswpin++;
	m->vm.zswpin++;
	return 1;
}

void mmf_zswap_invalidate(struct mmf_machine *m, uint32_t swp)
{
	struct mmf_zswap *z = m->zswap;
	if (!z || !z->stored_pages)
		return;
	uint32_t i = lookup(z, swp);
	if (i != NIL)
		entry_free(m, i);
}

/* ---- observations ---- */

int mmf_zswap_holds(const struct mmf_machine *m, uint32_t swp)
{
	struct mmf_zswap *z = m->zswap;
	return z && z->stored_pages && lookup(z, swp) != NIL;
}

uint64_t mmf_zswap_pool_pages(const struct mmf_machine *m) { return m->zswap ? m->zswap->pool_pages : 0; }
uint64_t mmf_zswap_stored_pages(const struct mmf_machine *m) { return m->zswap ? m->zswap->stored_pages : 0; }

/* /sys/kernel/debug/zswap, one "name value" line per file, sorted as
 * `grep . *` lists them. */
int mmf_report_zswap(const struct mmf_machine *m, char *buf, size_t cap)
{
	struct mmf_out o = { buf, cap, 0 };
	const struct mmf_zswap *z = m->zswap;
	if (!z) {
		mmf_out_finish(&o);
		return 0;
	}
	mmf_out_put(&o,
		    "pool_limit_hit %llu\npool_total_size %llu\nreject_alloc_fail %llu\nreject_compress_fail %llu\n"
		    "reject_compress_poor %llu\nreject_kmemcache_fail 0\nreject_reclaim_fail 0\nsame_filled_pages %llu\n"
		    "stored_pages %llu\nwritten_back_pages %llu\n",
		    (unsigned long long)z->pool_limit_hit, (unsigned long long)z->pool_pages << MMF_PAGE_SHIFT,
		    (unsigned long long)z->reject_alloc_fail, (unsigned long long)z->reject_compress_fail,
		    (unsigned long long)z->reject_compress_poor, (unsigned long long)z->same_filled_pages,
		    (unsigned long long)z->stored_pages, (unsigned long long)z->written_back_pages);
	return mmf_out_finish(&o);
}

/* Every stored entry is in the index under its slot, which nothing but
 * ptes and shmem entries hold (a slot in zswap is in use); the pool's
 * zspages count their objects; pool_pages counts their pages. */
int mmf_zswap_is_valid(const struct mmf_machine *m, char *msg, size_t cap)
{
	const struct mmf_zswap *z = m->zswap;
	if (!z || !z->used)
		return 0;
	uint64_t stored = 0, same = 0, lru = 0;
	for (uint32_t i = 0; i < z->nr_e; i++) {
		const struct zentry *e = &z->e[i];
		if (!e->swp)
			continue;
		stored++;
		same += !e->len;
		if (lookup((struct mmf_zswap *)z, e->swp) != i)
			return mmf_fail(msg, cap, "zswap_index: entry %u for swap %#x is not found by its slot", i, e->swp);
		if (!mmf_swap_count(m, e->swp) && mmf_swap_cache_lookup(m, e->swp) == MMF_NIL)
			return mmf_fail(msg, cap, "zswap_stale: swap %#x is stored in zswap but its slot is free", e->swp);
		if (e->len && (e->zspage >= z->nr_zs || !z->zs[e->zspage].live))
			return mmf_fail(msg, cap, "zswap_pool: entry %u names zspage %u, which is not live", i, e->zspage);
	}
	for (uint32_t i = z->lru_head; i != NIL && lru <= stored; i = z->e[i].lru_next)
		lru++;
	if (stored != z->stored_pages || same != z->same_filled_pages || lru != stored)
		return mmf_fail(msg, cap, "zswap_counters: %llu entries (%llu same-filled, %llu on the LRU), counters say %llu and %llu",
				(unsigned long long)stored, (unsigned long long)same, (unsigned long long)lru,
				(unsigned long long)z->stored_pages, (unsigned long long)z->same_filled_pages);
	uint64_t pages = 0;
	for (uint32_t i = 0; i < z->nr_zs; i++) {
		const struct zspage *s = &z->zs[i];
		if (!s->live)
			continue;
		pages += s->npages;
		for (unsigned k = 0; k < s->npages; k++) {
			const struct mmf_page *p = pfn_to_page(m, s->pfn[k]);
			if (!(p->flags & PG_allocated) || (p->flags & (PG_anon | PG_slab | PG_pgtable)))
				return mmf_fail(msg, cap, "zswap_pool: zspage %u page pfn %u is not the pool's (flags %#x)", i,
						s->pfn[k], p->flags);
		}
	}
	if (pages != z->pool_pages)
		return mmf_fail(msg, cap, "zswap_pool: zspages hold %llu pages, pool_total_size says %u",
				(unsigned long long)pages, z->pool_pages);
	return 0;
}

/* The op (ops.def): /sys/module/zswap/parameters, all at once: flags bit
 * 0 enabled, bit 1 zstd (else lz4), bits 2-3 the zpool; the
 * max_pool_percent in the length's pages (1-100, else EINVAL). */
int mmf_as_zswap(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	(void)o;
	uint64_t pct = c->len >> AS_PAGE_SHIFT;
	unsigned zpool = c->flags >> 2 & 3;
	if (pct < 1 || pct > 100 || zpool > MMF_ZPOOL_Z3FOLD || (c->flags & ~15u)) {
		*err = EINVAL;
		return -1;
	}
	struct mmf_zswap *z = m->zswap;
	/* zswap_pool_create(): a new compressor or allocator is a new pool;
	 * the old one drains as its entries go (the model keeps one: a change
	 * takes effect only while the pool is empty) */
	if (z->stored_pages && ((c->flags >> 1 & 1) != z->compressor || zpool != z->zpool)) {
		*err = EBUSY;
		return -1;
	}
	z->used = 1;
	z->enabled = c->flags & 1;
	z->compressor = (uint8_t)(c->flags >> 1 & 1);
	z->zpool = (uint8_t)zpool;
	z->max_pool_percent = (uint8_t)pct;
	return 0;
}
