/* SLUB (mm/slub.c), the object allocator: caches of equal-sized objects
 * carved out of slabs (buddy blocks of the order calculate_order() picks),
 * a per-cpu slab whose freelist the cpu owns, per-node partial lists (and
 * full lists, as Linux keeps them for debug caches), empty slabs given back
 * to the buddy once a node holds min_partial partial slabs.
 *
 * The free pointer lives inside each free object, at s->offset, as in
 * Linux: in the middle of the object, or after it when the object is
 * poisoned or constructed. Debug caches (SLAB_RED_ZONE, SLAB_POISON) take
 * the kernel's slow path, one object at a time from node lists, with
 * check_object() on the way in and out.
 *
 * The kernel configuration modelled is a distribution's (Linux 6.8+):
 * CONFIG_MEMCG, so kmalloc caches never merge; other caches without debug
 * flags or constructor merge with a compatible one. Simplifications: no
 * per-cpu partial lists (CONFIG_SLUB_CPU_PARTIAL off), no freelist
 * randomisation or pointer hardening, debug caches are checked as if
 * SLAB_CONSISTENCY_CHECKS came with their flags (slub_debug=FZP), and
 * slab->inuse counts objects really handed out (Linux sets it to objects
 * while a slab is frozen). New slab memory reads as zero. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "reference/mm.h"
#include "reference/slab.h"
#include "reference/textbuf.h"
#include "reference/internal.h"

#define MAX_CACHES 24
#define MAX_SLABS 4096 /* model limit: a slab beyond it is refused (ENOMEM) */
#define MAX_LAZY 64    /* large kmallocs zeroed lazily at once; more are zeroed at once */
#define NIL 0xffffffffu
#define PAGE_SIZE MMF_PAGE_SIZE
#define MIN_PARTIAL 5
#define MAX_PARTIAL 10
#define SLUB_MAX_ORDER 3 /* PAGE_ALLOC_COSTLY_ORDER */

enum slab_list { ON_NONE, ON_PARTIAL, ON_FULL };

struct slab {
	uint32_t cache; /* NIL when the descriptor is unused */
	uint32_t pfn;
	uint8_t order;
	uint8_t node;
	int8_t frozen; /* cpu whose slab this is, or -1 */
	uint8_t list;
	uint16_t objects;
	uint16_t inuse;
	uint64_t freelist; /* first free object not held by a cpu; 0 = none */
	uint32_t prev, next;
};

struct slab_list_head {
	uint32_t head, tail, nr;
};

struct kmem_cache_node {
	struct slab_list_head partial, full;
	uint32_t nr_slabs;
	uint32_t total_objects;
};

struct kmem_cache_cpu {
	uint32_t slab;
	uint64_t freelist;
};

struct kmem_cache {
	char name[24];
	uint8_t live;
	uint8_t ctor;
	uint8_t debug; /* SLAB_RED_ZONE or SLAB_POISON: the slow path always */
	uint8_t poison; /* __OBJECT_POISON */
	uint8_t no_merge; /* SLAB_NO_MERGE: kmalloc caches with CONFIG_MEMCG */
	uint32_t refcount;
	uint32_t flags;
	uint32_t object_size, size, align, inuse, offset, red_left_pad;
	uint8_t order, min_order;
	uint16_t objects, min_objects;
	uint32_t min_partial;
	uint32_t created; /* creation stamp: slabinfo lists newest first */
	struct kmem_cache_cpu cpu[MMF_MAX_CPUS];
	struct kmem_cache_node node[MMF_MAX_NODES];
};

struct mmf_slub {
	struct kmem_cache caches[MAX_CACHES];
	struct kmem_cache boot_caches[MAX_CACHES];
	uint32_t kmalloc_cache[14]; /* by kmalloc_index() */
	uint32_t stamp, boot_stamp;
	struct slab slabs[MAX_SLABS];
	uint32_t next_unused; /* descriptors [next_unused, MAX) never used since reset */
	uint32_t free_desc;   /* list of released descriptors, through .next */
	uint32_t *slab_of;    /* per pfn: the slab holding it, where PG_slab */
	/* Live large kmallocs whose pages are not all zeroed yet (see
	 * lazy_find); empty after reset. */
	struct lazy_block {
		uint64_t addr;
		uint64_t todo; /* bit i: page i still reads as zero, its bytes not yet cleared */
	} lazy[MAX_LAZY];
	uint32_t nr_lazy;
};

static const uint32_t kmalloc_sizes[14] = { 0, 96, 192, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192 };

/* ---- addresses and bytes ---- */

static uint64_t pfn_to_virt(uint32_t pfn) { return MMF_PAGE_OFFSET + ((uint64_t)pfn << MMF_PAGE_SHIFT); }

static int virt_to_pfn(const struct mmf_machine *m, uint64_t addr, uint32_t *pfn)
{
	if (addr < MMF_PAGE_OFFSET || addr - MMF_PAGE_OFFSET >= (uint64_t)m->end_pfn << MMF_PAGE_SHIFT)
		return -1;
	*pfn = (uint32_t)((addr - MMF_PAGE_OFFSET) >> MMF_PAGE_SHIFT);
	return 0;
}

static uint8_t *mem(const struct mmf_machine *m, uint64_t addr) { return m->bytes + (addr - MMF_PAGE_OFFSET); }

/* A large kmalloc's memory reads as zero in the model (Linux gives
 * whatever the pages held; the model must give the same bytes on every
 * replay). Up to 64 pages of it are cleared a page at a time, when first
 * written, not all at allocation: a page still to be cleared reads as
 * zero. The block holding addr, or NULL. */
static struct lazy_block *lazy_find(const struct mmf_machine *m, uint64_t addr)
{
	struct mmf_slub *sb = m->slub;
	for (uint32_t i = 0; i < sb->nr_lazy; i++)
		if (addr - sb->lazy[i].addr < 64 * (uint64_t)PAGE_SIZE &&
		    ((sb->lazy[i].todo >> ((addr - sb->lazy[i].addr) >> MMF_PAGE_SHIFT)) & 1))
			return &sb->lazy[i];
	return NULL;
}

/* No block has pages of [addr, addr + len) left to clear: they were just
 * cleared, or a new owner took them (a slab clears its own; a large
 * kmalloc's own block is added after). */
static void lazy_forget(struct mmf_machine *m, uint64_t addr, uint64_t len)
{
	struct mmf_slub *sb = m->slub;
	for (uint32_t i = 0; i < sb->nr_lazy; i++) {
		uint64_t b = sb->lazy[i].addr, lo = addr > b ? addr : b,
			 hi = addr + len < b + 64 * (uint64_t)PAGE_SIZE ? addr + len : b + 64 * (uint64_t)PAGE_SIZE;
		if (lo >= hi)
			continue;
		uint64_t n = (hi - lo) >> MMF_PAGE_SHIFT; /* both ends are page boundaries */
		sb->lazy[i].todo &= ~((n >= 64 ? ~0ull : (1ull << n) - 1) << ((lo - b) >> MMF_PAGE_SHIFT));
	}
}

/* Clears the pages of [addr, addr + len) still to be cleared. */
static void bytes_ready(struct mmf_machine *m, uint64_t addr, uint64_t len)
{
	struct mmf_slub *sb = m->slub;
	if (!sb->nr_lazy || !len)
		return;
	uint64_t first = addr & ~(uint64_t)(PAGE_SIZE - 1);
	for (uint64_t pg = first; pg < addr + len; pg += PAGE_SIZE)
		if (lazy_find(m, pg)) {
			memset(mem(m, pg), 0, PAGE_SIZE);
			lazy_forget(m, pg, PAGE_SIZE); /* in every block that claims it */
		}
}

/* memcpy of object bytes, where src may hold pages still to be cleared */
static void bytes_copy(struct mmf_machine *m, uint64_t dst, uint64_t src, uint64_t len)
{
	bytes_ready(m, dst, len);
	for (uint64_t off = 0; off < len;) {
		uint64_t chunk = PAGE_SIZE - ((src + off) & (PAGE_SIZE - 1));
		if (chunk > len - off)
			chunk = len - off;
		if (m->slub->nr_lazy && lazy_find(m, (src + off) & ~(uint64_t)(PAGE_SIZE - 1)))
			memset(mem(m, dst + off), 0, chunk);
		else
			memcpy(mem(m, dst + off), mem(m, src + off), chunk);
		off += chunk;
	}
}

static uint64_t get_fp(const struct mmf_machine *m, const struct kmem_cache *s, uint64_t obj)
{
	uint64_t v;
	memcpy(&v, mem(m, obj) + s->offset, 8);
	return v;
}

static void set_fp(struct mmf_machine *m, const struct kmem_cache *s, uint64_t obj, uint64_t next)
{
	memcpy(mem(m, obj) + s->offset, &next, 8);
}

static uint64_t slab_base(const struct slab *sl) { return pfn_to_virt(sl->pfn); }

static uint64_t obj_at(const struct kmem_cache *s, const struct slab *sl, unsigned i)
{
	return slab_base(sl) + (uint64_t)i * s->size + s->red_left_pad;
}

/* The object index of addr in sl, or -1 when addr is not an object start. */
static int obj_index(const struct kmem_cache *s, const struct slab *sl, uint64_t addr)
{
	uint64_t base = slab_base(sl) + s->red_left_pad;
	if (addr < base || (addr - base) % s->size)
		return -1;
	uint64_t i = (addr - base) / s->size;
	return i < sl->objects ? (int)i : -1;
}

/* ---- slab descriptors and lists ---- */

static uint32_t desc_alloc(struct mmf_slub *sb)
{
	if (sb->free_desc != NIL) {
		uint32_t d = sb->free_desc;
		sb->free_desc = sb->slabs[d].next;
		return d;
	}
	return sb->next_unused < MAX_SLABS ? sb->next_unused++ : NIL;
}

static void desc_release(struct mmf_slub *sb, uint32_t d)
{
	sb->slabs[d].cache = NIL;
	sb->slabs[d].next = sb->free_desc;
	sb->free_desc = d;
}

static void list_add(struct mmf_slub *sb, struct slab_list_head *l, uint32_t d, int tail)
{
	struct slab *sl = &sb->slabs[d];
	if (tail) {
		sl->next = NIL;
		sl->prev = l->tail;
		if (l->tail != NIL)
			sb->slabs[l->tail].next = d;
		else
			l->head = d;
		l->tail = d;
	} else {
		sl->prev = NIL;
		sl->next = l->head;
		if (l->head != NIL)
			sb->slabs[l->head].prev = d;
		else
			l->tail = d;
		l->head = d;
	}
	l->nr++;
}

static void list_remove(struct mmf_slub *sb, struct slab_list_head *l, uint32_t d)
{
	struct slab *sl = &sb->slabs[d];
	if (sl->prev != NIL)
		sb->slabs[sl->prev].next = sl->next;
	else
		l->head = sl->next;
	if (sl->next != NIL)
		sb->slabs[sl->next].prev = sl->prev;
	else
		l->tail = sl->prev;
	sl->prev = sl->next = NIL;
	l->nr--;
}

static void add_partial(struct mmf_slub *sb, struct kmem_cache *s, uint32_t d, int tail)
{
	struct slab *sl = &sb->slabs[d];
	list_add(sb, &s->node[sl->node].partial, d, tail);
	sl->list = ON_PARTIAL;
}

static void add_full(struct mmf_slub *sb, struct kmem_cache *s, uint32_t d)
{
	struct slab *sl = &sb->slabs[d];
	list_add(sb, &s->node[sl->node].full, d, 0);
	sl->list = ON_FULL;
}

static void unlist(struct mmf_slub *sb, struct kmem_cache *s, uint32_t d)
{
	struct slab *sl = &sb->slabs[d];
	if (sl->list == ON_PARTIAL)
		list_remove(sb, &s->node[sl->node].partial, d);
	else if (sl->list == ON_FULL)
		list_remove(sb, &s->node[sl->node].full, d);
	sl->list = ON_NONE;
}

/* ---- debug: red zones and poison (init_object, check_object) ---- */

static void init_object(struct mmf_machine *m, const struct kmem_cache *s, uint64_t obj, uint8_t val)
{
	uint8_t *p = mem(m, obj);
	if (s->flags & SLAB_RED_ZONE)
		memset(p - s->red_left_pad, val, s->red_left_pad);
	if (s->poison && val == SLUB_RED_INACTIVE) {
		memset(p, POISON_FREE, s->object_size - 1);
		p[s->object_size - 1] = POISON_END;
	}
	if (s->flags & SLAB_RED_ZONE)
		memset(p + s->object_size, val, s->inuse - s->object_size);
}

static int check_bytes(const uint8_t *p, uint8_t val, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != val)
			return (int)i;
	return -1;
}

/* check_object(): 0 if intact; else marks the machine corrupt the way the
 * kernel's slab_err() reports it. */
static int check_object(struct mmf_machine *m, const struct kmem_cache *s, uint64_t obj, uint8_t val)
{
	const uint8_t *p = mem(m, obj);
	int at;
	if (s->flags & SLAB_RED_ZONE) {
		if ((at = check_bytes(p - s->red_left_pad, val, s->red_left_pad)) >= 0 ||
		    (at = check_bytes(p + s->object_size, val, s->inuse - s->object_size)) >= 0) {
			mmf_machine_corrupt(m, "slub_redzone: %s: Redzone overwritten at object 0x%llx (expected 0x%02x)",
					    s->name, (unsigned long long)obj, val);
			return -1;
		}
	}
	if (s->poison && val == SLUB_RED_INACTIVE &&
	    ((at = check_bytes(p, POISON_FREE, s->object_size - 1)) >= 0 || p[s->object_size - 1] != POISON_END)) {
		mmf_machine_corrupt(m, "slub_poison: %s: Poison overwritten at object 0x%llx", s->name,
				    (unsigned long long)obj);
		return -1;
	}
	return 0;
}

/* ---- cache geometry: calculate_sizes() and calculate_order() ---- */

static unsigned get_order(uint64_t size)
{
	unsigned o = 0;
	while (((uint64_t)PAGE_SIZE << o) < size)
		o++;
	return o;
}

static unsigned order_objects(unsigned order, unsigned size) { return (PAGE_SIZE << order) / size; }

/* calc_slab_order(): the first order from min_order whose leftover is at
 * most 1/fract_leftover of the slab. */
static unsigned calc_slab_order(unsigned size, unsigned min_order, unsigned max_order, unsigned fract_leftover)
{
	unsigned order;
	for (order = min_order; order <= max_order; order++) {
		unsigned slab_size = PAGE_SIZE << order;
		if (slab_size % size <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/* calculate_order() as Linux 6.8 and later: min_objects from the cpu
 * count, then waste fractions 16, 8, 4, 2 up to slub_max_order, else the
 * smallest order that holds one object. */
static unsigned calculate_order(unsigned size, unsigned nr_cpus)
{
	unsigned min_objects = 4 * (mmf_fls(nr_cpus) + 1);
	unsigned max_objects = order_objects(SLUB_MAX_ORDER, size);
	if (max_objects < 1)
		max_objects = 1;
	if (min_objects > max_objects)
		min_objects = max_objects;
	unsigned min_order = get_order((uint64_t)min_objects * size);
	for (unsigned fraction = 16; fraction > 1; fraction /= 2) {
		unsigned order = calc_slab_order(size, min_order, SLUB_MAX_ORDER, fraction);
		if (order <= SLUB_MAX_ORDER)
			return order;
	}
	return get_order(size);
}

/* calculate_alignment(): SLAB_HWCACHE_ALIGN aligns to the cache line, or
 * half of it, and so on, for small objects; never below 8. */
static unsigned calculate_alignment(const struct mmf_machine *m, unsigned flags, unsigned align, unsigned size)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned ralign = 64;
		while (size <= ralign / 2)
			ralign /= 2;
		if (ralign > align)
			align = ralign;
	}
	if (MUTANT(m, SLUB_ALIGN_LOST))
		align = 8;
	if (align < 8)
		align = 8;
	return align;
}

static void calculate_sizes(const struct mmf_machine *m, struct kmem_cache *s)
{
	unsigned size = (s->object_size + 7) & ~7u;
	s->poison = (s->flags & SLAB_POISON) && !s->ctor;
	if ((s->flags & SLAB_RED_ZONE) && size == s->object_size)
		size += 8; /* room for the right red zone */
	s->inuse = size;
	/* The free pointer goes after the object when the object's bytes must
	 * stay untouched while free (poison, constructor) or when a small
	 * object's red zone would overlap it. */
	if (s->poison || s->ctor || ((s->flags & SLAB_RED_ZONE) && s->object_size < 8)) {
		s->offset = size;
		size += 8;
	} else {
		s->offset = (s->object_size / 2) & ~7u; /* in the middle */
	}
	s->red_left_pad = 0;
	if (s->flags & SLAB_RED_ZONE) {
		size += 8; /* empty padding: catches writes before the next object */
		s->red_left_pad = 8;
		if (s->red_left_pad < s->align)
			s->red_left_pad = s->align;
		size += s->red_left_pad;
	}
	size = (size + s->align - 1) & ~(s->align - 1);
	s->size = size;
	s->order = (uint8_t)calculate_order(size, m->prof->nr_cpus);
	s->objects = (uint16_t)order_objects(s->order, size);
	s->min_order = (uint8_t)get_order(size);
	s->min_objects = (uint16_t)order_objects(s->min_order, size);
	unsigned mp = (mmf_fls(size) - 1) / 2; /* ilog2(size) / 2 */
	s->min_partial = mp < MIN_PARTIAL ? MIN_PARTIAL : mp > MAX_PARTIAL ? MAX_PARTIAL : mp;
	s->debug = (s->flags & (SLAB_RED_ZONE | SLAB_POISON)) != 0;
}

static void cache_init(struct mmf_machine *m, struct kmem_cache *s, const char *name, uint32_t size,
		       uint32_t align, uint32_t flags, int ctor, uint32_t stamp)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->live = 1;
	s->refcount = 1;
	s->ctor = (uint8_t)!!ctor;
	s->flags = flags;
	s->object_size = size;
	s->align = calculate_alignment(m, flags, align, size);
	calculate_sizes(m, s);
	s->created = stamp;
	for (unsigned c = 0; c < MMF_MAX_CPUS; c++)
		s->cpu[c].slab = NIL;
	for (unsigned n = 0; n < MMF_MAX_NODES; n++) {
		s->node[n].partial.head = s->node[n].partial.tail = NIL;
		s->node[n].full.head = s->node[n].full.tail = NIL;
	}
}

/* ---- slabs: allocate_slab(), discard_slab() ---- */

static uint32_t new_slab(struct mmf_machine *m, uint32_t ci, mmf_gfp_t gfp, unsigned cpu, unsigned nid)
{
	struct mmf_slub *sb = m->slub;
	struct kmem_cache *s = &sb->caches[ci];
	uint32_t d = desc_alloc(sb);
	if (d == NIL)
		return NIL;
	uint32_t pfn;
	int err;
	unsigned order = s->order;
	mmf_gfp_t g = gfp & ~__GFP_ZERO;
	/* The preferred order quietly, then the smallest that fits. */
	if (mmf_alloc_pages(m, g | __GFP_NOWARN | __GFP_NORETRY, order, cpu, nid, &pfn, &err) != MMF_OK) {
		order = s->min_order;
		if (order == s->order || mmf_alloc_pages(m, g, order, cpu, nid, &pfn, &err) != MMF_OK) {
			desc_release(sb, d);
			return NIL;
		}
	}
	struct slab *sl = &sb->slabs[d];
	memset(sl, 0, sizeof(*sl));
	sl->cache = ci;
	sl->pfn = pfn;
	sl->order = (uint8_t)order;
	sl->node = (uint8_t)page_to_nid(m, pfn_to_page(m, pfn));
	sl->frozen = -1;
	sl->list = ON_NONE;
	sl->prev = sl->next = NIL;
	sl->objects = (uint16_t)order_objects(order, s->size);
	for (uint32_t i = 0; i < (1u << order); i++) {
		page_w(m, pfn + i)->flags |= PG_slab;
		sb->slab_of[pfn + i] = d;
	}
	lazy_forget(m, slab_base(sl), (uint64_t)PAGE_SIZE << order);
	memset(mem(m, slab_base(sl)), 0, (size_t)PAGE_SIZE << order);
	for (unsigned i = 0; i < sl->objects; i++) {
		uint64_t obj = obj_at(s, sl, i);
		if (s->debug)
			init_object(m, s, obj, SLUB_RED_INACTIVE);
		if (s->ctor)
			memset(mem(m, obj), MMF_CTOR_BYTE, s->object_size);
		set_fp(m, s, obj, i + 1 < sl->objects ? obj_at(s, sl, i + 1) : 0);
	}
	sl->freelist = obj_at(s, sl, 0);
	s->node[sl->node].nr_slabs++;
	s->node[sl->node].total_objects += sl->objects;
	return d;
}

static void discard_slab(struct mmf_machine *m, uint32_t d, unsigned cpu)
{
	struct mmf_slub *sb = m->slub;
	struct slab *sl = &sb->slabs[d];
	struct kmem_cache *s = &sb->caches[sl->cache];
	unlist(sb, s, d);
	s->node[sl->node].nr_slabs--;
	s->node[sl->node].total_objects -= sl->objects;
	for (uint32_t i = 0; i < (1u << sl->order); i++)
		page_w(m, sl->pfn + i)->flags &= ~PG_slab;
	mmf_free_pages(m, sl->pfn, sl->order, cpu);
	desc_release(sb, d);
}

/* ---- the cpu slab: freeze, deactivate ---- */

static void deactivate_slab(struct mmf_machine *m, struct kmem_cache *s, unsigned cpu)
{
	struct mmf_slub *sb = m->slub;
	struct kmem_cache_cpu *c = &s->cpu[cpu];
	if (c->slab == NIL)
		return;
	uint32_t d = c->slab;
	struct slab *sl = &sb->slabs[d];
	int remote = sl->freelist != 0;
	/* Give the cpu's free objects back to the slab's freelist; a chain
	 * longer than the slab is a cycle, which only a bug can make. */
	unsigned steps = 0;
	for (uint64_t obj = c->freelist; obj;) {
		if (++steps > sl->objects || obj_index(s, sl, obj) < 0) {
			mmf_machine_corrupt(m, "slub_freelist: %s: cpu freelist of slab pfn %u is broken at 0x%llx", s->name,
					    sl->pfn, (unsigned long long)obj);
			break;
		}
		uint64_t next = get_fp(m, s, obj);
		set_fp(m, s, obj, sl->freelist);
		sl->freelist = obj;
		obj = next;
	}
	c->freelist = 0;
	c->slab = NIL;
	sl->frozen = -1;
	if (sl->inuse == 0 && s->node[sl->node].partial.nr >= s->min_partial && !MUTANT(m, SLUB_MIN_PARTIAL_IGNORED))
		discard_slab(m, d, cpu);
	else if (sl->inuse < sl->objects)
		add_partial(sb, s, d, remote);
	else
		add_full(sb, s, d);
}

/* get_partial(): the preferred node's first partial slab, then the other
 * nodes' in zonelist order. */
static uint32_t get_partial(struct mmf_machine *m, struct kmem_cache *s, unsigned nid)
{
	for (unsigned k = 0; k < m->prof->nr_nodes; k++) {
		unsigned n = (nid + k) % m->prof->nr_nodes;
		if (s->node[n].partial.head != NIL)
			return s->node[n].partial.head;
	}
	return NIL;
}

/* ---- allocation and free ---- */

/* A free pointer about to be followed must name an object of its slab
 * (what CONFIG_SLAB_FREELIST_HARDENED and check_valid_pointer() guard). */
static int freelist_ok(struct mmf_machine *m, const struct kmem_cache *s, const struct slab *sl, uint64_t obj)
{
	if (obj_index(s, sl, obj) >= 0)
		return 1;
	mmf_machine_corrupt(m, "slub_freelist: %s: free pointer 0x%llx outside slab pfn %u", s->name,
			    (unsigned long long)obj, sl->pfn);
	return 0;
}

static enum mmf_result slab_alloc(struct mmf_machine *m, uint32_t ci, mmf_gfp_t gfp, unsigned cpu,
				  unsigned nid, uint64_t *addr, int *err)
{
	struct mmf_slub *sb = m->slub;
	struct kmem_cache *s = &sb->caches[ci];
	uint64_t obj;
	if (s->debug) {
		/* Debug caches: one object at a time from the node lists. */
		uint32_t d = get_partial(m, s, nid);
		if (d == NIL) {
			d = new_slab(m, ci, gfp, cpu, nid);
			if (d == NIL)
				goto nomem;
			add_partial(sb, s, d, 0);
		}
		struct slab *sl = &sb->slabs[d];
		obj = sl->freelist;
		if (!freelist_ok(m, s, sl, obj) || check_object(m, s, obj, SLUB_RED_INACTIVE))
			return MMF_CORRUPT;
		sl->freelist = get_fp(m, s, obj);
		sl->inuse++;
		if (sl->inuse == sl->objects) {
			unlist(sb, s, d);
			add_full(sb, s, d);
		}
		init_object(m, s, obj, SLUB_RED_ACTIVE);
		goto got;
	}
	struct kmem_cache_cpu *c = &s->cpu[cpu];
	for (;;) {
		if (c->freelist) {
			obj = c->freelist;
			if (!freelist_ok(m, s, &sb->slabs[c->slab], obj))
				return MMF_CORRUPT;
			c->freelist = get_fp(m, s, obj);
			sb->slabs[c->slab].inuse++;
			goto got;
		}
		if (c->slab != NIL) {
			struct slab *sl = &sb->slabs[c->slab];
			if (sl->freelist) { /* objects freed by other cpus */
				c->freelist = sl->freelist;
				sl->freelist = 0;
				continue;
			}
			deactivate_slab(m, s, cpu);
		}
		uint32_t d = get_partial(m, s, nid);
		if (d != NIL) {
			unlist(sb, s, d);
		} else {
			d = new_slab(m, ci, gfp, cpu, nid);
			if (d == NIL)
				goto nomem;
		}
		struct slab *sl = &sb->slabs[d];
		sl->frozen = (int8_t)cpu;
		c->slab = d;
		c->freelist = sl->freelist;
		sl->freelist = 0;
	}
got:
	if (gfp & __GFP_ZERO)
		memset(mem(m, obj), 0, s->object_size);
	*addr = obj;
	return MMF_OK;
nomem:
	*err = ENOMEM;
	return MMF_REFUSED;
}

static enum mmf_result slab_free(struct mmf_machine *m, uint32_t d, uint64_t obj, unsigned cpu)
{
	struct mmf_slub *sb = m->slub;
	struct slab *sl = &sb->slabs[d];
	struct kmem_cache *s = &sb->caches[sl->cache];
	if (obj_index(s, sl, obj) < 0) {
		mmf_machine_corrupt(m, "slub_bad_free: %s: 0x%llx is not an object start", s->name,
				    (unsigned long long)obj);
		return MMF_CORRUPT;
	}
	if (s->debug) {
		/* free_consistency_checks(): "already free" before the object. */
		unsigned steps = 0;
		for (uint64_t f = sl->freelist; f && ++steps <= sl->objects; f = get_fp(m, s, f))
			if (f == obj) {
				mmf_machine_corrupt(m, "slub_double_free: %s: Object 0x%llx already free", s->name,
						    (unsigned long long)obj);
				return MMF_CORRUPT;
			}
		if (check_object(m, s, obj, SLUB_RED_ACTIVE))
			return MMF_CORRUPT;
		init_object(m, s, obj, SLUB_RED_INACTIVE);
	}
	struct kmem_cache_cpu *c = &s->cpu[cpu];
	if (!s->debug && c->slab == d) { /* the fast path: this cpu's slab */
		set_fp(m, s, obj, c->freelist);
		c->freelist = obj;
		sl->inuse--;
		return MMF_OK;
	}
	/* __slab_free(): back onto the slab's own freelist. */
	int was_full = sl->list == ON_FULL;
	set_fp(m, s, obj, sl->freelist);
	sl->freelist = obj;
	if (MUTANT(m, SLUB_FREELIST_DOUBLE_INSERT) && sl->inuse == 2) {
		set_fp(m, s, obj, sl->freelist);
		sl->freelist = obj;
	}
	sl->inuse--;
	if (sl->frozen >= 0)
		return MMF_OK;
	if (was_full && !MUTANT(m, SLUB_PARTIAL_LEAK)) {
		unlist(sb, s, d);
		add_partial(sb, s, d, 1);
	} else if (was_full) {
		unlist(sb, s, d); /* the mutant: on no list at all */
	}
	if (sl->inuse == 0 && sl->list == ON_PARTIAL && s->node[sl->node].partial.nr >= s->min_partial &&
	    !MUTANT(m, SLUB_MIN_PARTIAL_IGNORED))
		discard_slab(m, d, cpu);
	return MMF_OK;
}

/* ---- caches ---- */

static int cache_of(const struct mmf_machine *m, uint32_t cache)
{
	return cache < MAX_CACHES && m->slub->caches[cache].live;
}

/* find_mergeable(): a cache without debug flags or constructor shares an
 * existing compatible cache (an alias), as SLUB does by default. */
static uint32_t find_mergeable(const struct mmf_machine *m, uint32_t size, uint32_t align, uint32_t flags, int ctor)
{
	const struct mmf_slub *sb = m->slub;
	if (ctor || (flags & (SLAB_RED_ZONE | SLAB_POISON)))
		return NIL;
	size = (size + 7) & ~7u;
	align = calculate_alignment(m, flags, align, size);
	size = (size + align - 1) & ~(align - 1);
	uint32_t best = NIL, best_stamp = 0;
	for (uint32_t i = 0; i < MAX_CACHES; i++) { /* oldest first */
		const struct kmem_cache *s = &sb->caches[i];
		if (!s->live || s->debug || s->ctor || s->no_merge || size > s->size ||
		    (s->size & ~(align - 1)) != s->size || s->size - size >= 8)
			continue;
		if (best == NIL || s->created < best_stamp) {
			best = i;
			best_stamp = s->created;
		}
	}
	return best;
}

enum mmf_result mmf_kmem_cache_create(struct mmf_machine *m, const char *name, uint32_t size,
				      uint32_t align, uint32_t flags, int ctor, uint32_t *cache, int *err)
{
	struct mmf_slub *sb = m->slub;
	if (size < 1 || size > MMF_KMALLOC_MAX_SIZE || (align & (align - 1)) || align > PAGE_SIZE) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	uint32_t alias = find_mergeable(m, size, align, flags, ctor);
	if (alias != NIL) {
		/* __kmem_cache_alias(): the sizes grow to the alias's, so that
		 * __GFP_ZERO clears the whole of what the alias asked for. */
		struct kmem_cache *s = &sb->caches[alias];
		s->refcount++;
		if (size > s->object_size)
			s->object_size = size;
		if (((size + 7) & ~7u) > s->inuse)
			s->inuse = (size + 7) & ~7u;
		*cache = alias;
		return MMF_OK;
	}
	for (uint32_t i = 0; i < MAX_CACHES; i++) {
		if (sb->caches[i].live)
			continue;
		cache_init(m, &sb->caches[i], name, size, align, flags, ctor, ++sb->stamp);
		*cache = i;
		return MMF_OK;
	}
	*err = ENOMEM;
	return MMF_REFUSED;
}

enum mmf_result mmf_kmem_cache_destroy(struct mmf_machine *m, uint32_t cache, int *err)
{
	struct mmf_slub *sb = m->slub;
	if (!cache_of(m, cache))
		return MMF_CORRUPT;
	struct kmem_cache *s = &sb->caches[cache];
	if (s->refcount > 1) {
		s->refcount--; /* an alias goes; the cache stays */
		return MMF_OK;
	}
	for (unsigned c = 0; c < m->prof->nr_cpus; c++)
		deactivate_slab(m, s, c);
	for (unsigned n = 0; n < m->prof->nr_nodes; n++)
		if (s->node[n].full.nr || s->node[n].total_objects != 0) {
			/* shutdown_cache(): empty partial slabs go, the rest stay. */
			uint32_t d = s->node[n].partial.head;
			int busy = s->node[n].full.nr != 0;
			while (d != NIL) {
				uint32_t next = sb->slabs[d].next;
				if (sb->slabs[d].inuse == 0)
					discard_slab(m, d, 0);
				else
					busy = 1;
				d = next;
			}
			if (busy) {
				*err = EBUSY; /* "kmem_cache_destroy %s: Slab cache still has objects" */
				return MMF_REFUSED;
			}
		}
	s->live = 0;
	return MMF_OK;
}

enum mmf_result mmf_kmem_cache_alloc(struct mmf_machine *m, uint32_t cache, mmf_gfp_t gfp,
				     unsigned cpu, unsigned nid, uint64_t *addr, int *err)
{
	if (!cache_of(m, cache))
		return MMF_CORRUPT;
	return slab_alloc(m, cache, gfp, cpu, nid, addr, err);
}

static uint32_t slab_of_addr(const struct mmf_machine *m, uint64_t addr)
{
	uint32_t pfn;
	if (virt_to_pfn(m, addr, &pfn) || !(pfn_to_page(m, pfn)->flags & PG_slab))
		return NIL;
	return m->slub->slab_of[pfn];
}

enum mmf_result mmf_kmem_cache_free(struct mmf_machine *m, uint32_t cache, uint64_t addr, unsigned cpu)
{
	uint32_t d = slab_of_addr(m, addr);
	if (!cache_of(m, cache) || d == NIL || m->slub->slabs[d].cache != cache) {
		mmf_machine_corrupt(m, "slub_bad_free: 0x%llx is not an object of cache %u", (unsigned long long)addr,
				    cache);
		return MMF_CORRUPT;
	}
	return slab_free(m, d, addr, cpu);
}

/* ---- kmalloc ---- */

/* kmalloc_index(): 8..8192 in powers of two, plus 96 and 192. */
int mmf_kmalloc_index(uint64_t size)
{
	if (size > MMF_KMALLOC_MAX_CACHE_SIZE)
		return -1;
	if (size <= 8)
		return 3;
	if (size > 64 && size <= 96)
		return 1;
	if (size > 128 && size <= 192)
		return 2;
	unsigned i = 4;
	while ((1ull << i) < size)
		i++;
	return (int)i;
}

enum mmf_result mmf_kmalloc(struct mmf_machine *m, uint64_t size, mmf_gfp_t gfp, unsigned cpu,
			    unsigned nid, uint64_t *addr, int *err)
{
	if (size == 0) {
		*addr = MMF_ZERO_SIZE_PTR;
		return MMF_OK;
	}
	if (size > MMF_KMALLOC_MAX_CACHE_SIZE) {
		/* kmalloc_large(): whole pages from the buddy. */
		if (size > MMF_KMALLOC_MAX_SIZE) {
			*err = ENOMEM;
			return MMF_REFUSED;
		}
		unsigned order = get_order(size);
		uint32_t pfn;
		enum mmf_result r = mmf_alloc_pages(m, gfp, order, cpu, nid, &pfn, err);
		if (r != MMF_OK)
			return r;
		page_w(m, pfn)->flags |= PG_large_kmalloc;
		struct mmf_slub *sb = m->slub;
		if (order <= 6 && sb->nr_lazy < MAX_LAZY) {
			lazy_forget(m, pfn_to_virt(pfn), (uint64_t)PAGE_SIZE << order); /* a stale block's, under a mutant */
			sb->lazy[sb->nr_lazy].addr = pfn_to_virt(pfn);
			sb->lazy[sb->nr_lazy++].todo = order == 6 ? ~0ull : (1ull << (1u << order)) - 1;
		} else {
			memset(mem(m, pfn_to_virt(pfn)), 0, (size_t)PAGE_SIZE << order);
		}
		*addr = pfn_to_virt(pfn);
		return MMF_OK;
	}
	int idx = mmf_kmalloc_index(size);
	if (MUTANT(m, KMALLOC_CLASS_96_192) && size > 96 && size <= 128)
		idx = 1;
	return slab_alloc(m, m->slub->kmalloc_cache[idx], gfp, cpu, nid, addr, err);
}

enum mmf_result mmf_kfree(struct mmf_machine *m, uint64_t addr, unsigned cpu)
{
	if (addr == 0 || addr == MMF_ZERO_SIZE_PTR)
		return MMF_OK;
	uint32_t d = slab_of_addr(m, addr), pfn;
	if (d != NIL)
		return slab_free(m, d, addr, cpu);
	if (virt_to_pfn(m, addr, &pfn) == 0 && (addr & (PAGE_SIZE - 1)) == 0) {
		const struct mmf_page *p = pfn_to_page(m, pfn);
		if ((p->flags & (PG_allocated | PG_large_kmalloc)) == (PG_allocated | PG_large_kmalloc)) {
			page_w(m, pfn)->flags &= ~PG_large_kmalloc;
			struct mmf_slub *sb = m->slub;
			for (uint32_t i = 0; i < sb->nr_lazy; i++)
				if (sb->lazy[i].addr == addr) {
					sb->lazy[i] = sb->lazy[--sb->nr_lazy];
					break;
				}
			return mmf_free_pages(m, pfn, p->order, cpu);
		}
	}
	mmf_machine_corrupt(m, "kfree_bad: 0x%llx is not a kmalloc'd object", (unsigned long long)addr);
	return MMF_CORRUPT;
}

enum mmf_result mmf_ksize(const struct mmf_machine *m, uint64_t addr, uint64_t *size)
{
	if (addr == 0 || addr == MMF_ZERO_SIZE_PTR) {
		*size = 0;
		return MMF_OK;
	}
	uint32_t d = slab_of_addr(m, addr), pfn;
	if (d != NIL) {
		const struct slab *sl = &m->slub->slabs[d];
		const struct kmem_cache *s = &m->slub->caches[sl->cache];
		if (obj_index(s, sl, addr) < 0)
			return MMF_CORRUPT;
		/* slab_ksize(): debug caches only the object; others the slot up
		 * to the free pointer or the end of the slot. */
		*size = s->debug ? s->object_size : s->ctor ? s->inuse : s->size;
		if (MUTANT(m, KSIZE_TOO_BIG))
			*size += 8;
		return MMF_OK;
	}
	if (virt_to_pfn(m, addr, &pfn) == 0 && (pfn_to_page(m, pfn)->flags & PG_large_kmalloc)) {
		*size = (uint64_t)PAGE_SIZE << pfn_to_page(m, pfn)->order;
		return MMF_OK;
	}
	return MMF_CORRUPT;
}

enum mmf_result mmf_krealloc(struct mmf_machine *m, uint64_t addr, uint64_t size, mmf_gfp_t gfp,
			     unsigned cpu, unsigned nid, uint64_t *new_addr, int *err)
{
	if (addr == 0)
		return mmf_kmalloc(m, size, gfp, cpu, nid, new_addr, err);
	if (size == 0) {
		enum mmf_result r = mmf_kfree(m, addr, cpu);
		*new_addr = MMF_ZERO_SIZE_PTR;
		return r;
	}
	uint64_t ks;
	if (mmf_ksize(m, addr, &ks) != MMF_OK) {
		mmf_machine_corrupt(m, "kfree_bad: krealloc of 0x%llx, not a kmalloc'd object", (unsigned long long)addr);
		return MMF_CORRUPT;
	}
	if (ks >= size) {
		if (gfp & __GFP_ZERO) {
			bytes_ready(m, addr + size, ks - size);
			memset(mem(m, addr) + size, 0, ks - size);
		}
		*new_addr = addr;
		return MMF_OK;
	}
	uint64_t p;
	enum mmf_result r = mmf_kmalloc(m, size, gfp, cpu, nid, &p, err);
	if (r != MMF_OK)
		return r; /* the old object stays as it was */
	if (ks)
		bytes_copy(m, p, addr, MUTANT(m, KREALLOC_SHORT_COPY) ? ks / 2 : ks);
	r = mmf_kfree(m, addr, cpu);
	*new_addr = p;
	return r;
}

/* ---- object memory ---- */

static int obj_mem_ok(const struct mmf_machine *m, uint64_t addr)
{
	uint32_t pfn, pfn2;
	return (addr & 7) == 0 && virt_to_pfn(m, addr, &pfn) == 0 && virt_to_pfn(m, addr + 7, &pfn2) == 0;
}

enum mmf_result mmf_obj_write(struct mmf_machine *m, uint64_t addr, uint64_t val)
{
	if (!obj_mem_ok(m, addr))
		return MMF_CORRUPT;
	bytes_ready(m, addr, 8);
	memcpy(mem(m, addr), &val, 8);
	return MMF_OK;
}

enum mmf_result mmf_obj_read(const struct mmf_machine *m, uint64_t addr, uint64_t *val)
{
	if (!obj_mem_ok(m, addr))
		return MMF_CORRUPT;
	if (m->slub->nr_lazy && lazy_find(m, addr & ~(uint64_t)(PAGE_SIZE - 1)))
		*val = 0; /* a large kmalloc's page not cleared yet */
	else
		memcpy(val, mem(m, addr), 8);
	return MMF_OK;
}

/* ---- set-up ---- */

int mmf_slub_init(struct mmf_machine *m)
{
	struct mmf_slub *sb = calloc(1, sizeof(*sb));
	if (!sb)
		return -1;
	sb->slab_of = calloc(m->end_pfn, sizeof(uint32_t));
	m->bytes = calloc(m->end_pfn, PAGE_SIZE); /* committed only where touched */
	if (!sb->slab_of || !m->bytes) {
		free(sb->slab_of);
		free(sb);
		free(m->bytes);
		m->bytes = NULL;
		return -1;
	}
#ifdef MADV_NOHUGEPAGE
	/* In 4 KiB pieces, also where the host's THP mode is "always": the
	 * pages that hold bytes (slabs, page tables, large kmallocs) are
	 * scattered over the machine, and a 2 MiB fault zeroes 512 pages to
	 * give one. With MADV_HUGEPAGE those faults were a tenth of an
	 * --adapter reference campaign (a VM's first touch of memory is slow). */
	uintptr_t huge = 2u << 20, lo = ((uintptr_t)m->bytes + huge - 1) & ~(huge - 1),
		  hi = ((uintptr_t)m->bytes + (size_t)m->end_pfn * PAGE_SIZE) & ~(huge - 1);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_NOHUGEPAGE);
#endif
	m->slub = sb;
	sb->free_desc = NIL;
	/* create_kmalloc_caches() (6.x): 96 and 192 first, then the powers of two. */
	static const uint8_t order_of_creation[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	for (unsigned k = 0; k < sizeof(order_of_creation); k++) {
		unsigned idx = order_of_creation[k];
		char name[24];
		uint32_t sz = kmalloc_sizes[idx];
		if (sz >= 1024)
			snprintf(name, sizeof(name), "kmalloc-%uk", sz / 1024);
		else
			snprintf(name, sizeof(name), "kmalloc-%u", sz);
		cache_init(m, &sb->caches[k], name, sz, 0, 0, 0, ++sb->stamp);
		sb->caches[k].no_merge = 1;
		sb->kmalloc_cache[idx] = k;
	}
	memcpy(sb->boot_caches, sb->caches, sizeof(sb->caches));
	sb->boot_stamp = sb->stamp;
	return 0;
}

void mmf_slub_fini(struct mmf_machine *m)
{
	if (m->slub) {
		free(m->slub->slab_of);
		free(m->slub);
		m->slub = NULL;
	}
	free(m->bytes);
	m->bytes = NULL;
}

/* The pages themselves come back with mmf_machine_reset's dirty list. */
void mmf_slub_reset(struct mmf_machine *m)
{
	struct mmf_slub *sb = m->slub;
	memcpy(sb->caches, sb->boot_caches, sizeof(sb->caches));
	sb->stamp = sb->boot_stamp;
	sb->next_unused = 0;
	sb->free_desc = NIL;
	sb->nr_lazy = 0;
}

/* ---- reports ---- */

struct sinfo {
	unsigned long active_objs, num_objs, active_slabs, num_slabs;
};

/* get_slabinfo(): objects free on partial lists are the only ones SLUB
 * counts as inactive; a cpu slab's free objects count as active. */
static struct sinfo slabinfo_of(const struct mmf_machine *m, const struct kmem_cache *s)
{
	const struct mmf_slub *sb = m->slub;
	struct sinfo si = { 0 };
	unsigned long nr_free = 0;
	for (unsigned n = 0; n < m->prof->nr_nodes; n++) {
		si.num_objs += s->node[n].total_objects;
		si.num_slabs += s->node[n].nr_slabs;
		for (uint32_t d = s->node[n].partial.head; d != NIL; d = sb->slabs[d].next)
			nr_free += (unsigned long)(sb->slabs[d].objects - sb->slabs[d].inuse);
	}
	si.active_objs = si.num_objs - nr_free;
	si.active_slabs = si.num_slabs;
	return si;
}

int mmf_report_slabinfo(const struct mmf_machine *m, char *buf, size_t cap)
{
	const struct mmf_slub *sb = m->slub;
	struct mmf_out o = { buf, cap, 0 };
	mmf_out_put(&o, "slabinfo - version: 2.1\n");
	mmf_out_put(&o, "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> "
	    "<batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	/* slab_caches is kept newest first. */
	for (uint32_t stamp = sb->stamp; stamp > 0; stamp--)
		for (uint32_t i = 0; i < MAX_CACHES; i++) {
			const struct kmem_cache *s = &sb->caches[i];
			if (!s->live || s->created != stamp)
				continue;
			struct sinfo si = slabinfo_of(m, s);
			/* cache_show()'s "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u
			 * %4u : slabdata %6lu %6lu %6lu\n" with SLUB's zero tunables
			 * and sharedavail written out */
			mmf_out_put(&o, "%-17s %6lu %6lu %6u %4u %4d : tunables    0    0    0 : slabdata %6lu %6lu      0\n",
				    s->name, si.active_objs, si.num_objs, s->size, s->objects, 1 << s->order, si.active_slabs,
				    si.num_slabs);
		}
	return mmf_out_finish(&o);
}

void mmf_slub_meminfo(const struct mmf_machine *m, uint64_t *slab_kb, uint64_t *sunreclaim_kb)
{
	const struct mmf_slub *sb = m->slub;
	uint64_t pages = 0;
	for (uint32_t d = 0; d < sb->next_unused; d++)
		if (sb->slabs[d].cache != NIL)
			pages += 1u << sb->slabs[d].order;
	*slab_kb = *sunreclaim_kb = pages * (PAGE_SIZE >> 10);
}

/* ---- slub_is_valid() ---- */

/* Walks one freelist, marking objects in seen[]; counts into *n. */
static int walk_freelist(const struct mmf_machine *m, const struct kmem_cache *s, const struct slab *sl,
			 uint64_t head, uint8_t *seen, unsigned *n, char *msg, size_t cap)
{
	unsigned steps = 0;
	for (uint64_t obj = head; obj; obj = get_fp(m, s, obj)) {
		int i = obj_index(s, sl, obj);
		if (i < 0)
			return mmf_fail(msg, cap, "slub_freelist: %s: free pointer 0x%llx outside slab pfn %u", s->name,
				        (unsigned long long)obj, sl->pfn);
		if (seen[i])
			return mmf_fail(msg, cap, "slub_duplicate: %s: object %d of slab pfn %u twice on freelists", s->name, i,
				        sl->pfn);
		seen[i] = 1;
		(*n)++;
		if (++steps > sl->objects)
			break;
	}
	return 0;
}

int mmf_slub_is_valid(const struct mmf_machine *m, char *msg, size_t cap)
{
	const struct mmf_slub *sb = m->slub;
	static uint8_t seen[PAGE_SIZE << SLUB_MAX_ORDER];
	for (uint32_t ci = 0; ci < MAX_CACHES; ci++) {
		const struct kmem_cache *s = &sb->caches[ci];
		if (!s->live)
			continue;
		for (unsigned n = 0; n < m->prof->nr_nodes; n++) {
			const struct kmem_cache_node *kn = &s->node[n];
			unsigned np = 0, nf = 0;
			for (uint32_t d = kn->partial.head; d != NIL && np <= MAX_SLABS; d = sb->slabs[d].next, np++)
				if (sb->slabs[d].cache != ci || sb->slabs[d].list != ON_PARTIAL || sb->slabs[d].frozen >= 0 ||
				    sb->slabs[d].inuse >= sb->slabs[d].objects)
					return mmf_fail(msg, cap, "slub_lists: %s: slab pfn %u on node %u's partial list has inuse %u/%u",
						        s->name, sb->slabs[d].pfn, n, sb->slabs[d].inuse, sb->slabs[d].objects);
			for (uint32_t d = kn->full.head; d != NIL && nf <= MAX_SLABS; d = sb->slabs[d].next, nf++)
				if (sb->slabs[d].cache != ci || sb->slabs[d].list != ON_FULL ||
				    sb->slabs[d].inuse != sb->slabs[d].objects)
					return mmf_fail(msg, cap, "slub_lists: %s: slab pfn %u on the full list has inuse %u/%u", s->name,
						        sb->slabs[d].pfn, sb->slabs[d].inuse, sb->slabs[d].objects);
			if (np != kn->partial.nr || nf != kn->full.nr)
				return mmf_fail(msg, cap, "slub_counters: %s: node %u lists hold %u partial %u full, counters %u %u",
					        s->name, n, np, nf, kn->partial.nr, kn->full.nr);
		}
		for (unsigned c = 0; c < m->prof->nr_cpus; c++) {
			uint32_t d = s->cpu[c].slab;
			if (d != NIL && (sb->slabs[d].cache != ci || sb->slabs[d].frozen != (int)c))
				return mmf_fail(msg, cap, "slub_cpu: %s: cpu %u's slab is not frozen to it", s->name, c);
			if (d == NIL && s->cpu[c].freelist)
				return mmf_fail(msg, cap, "slub_cpu: %s: cpu %u has a freelist but no slab", s->name, c);
		}
	}
	uint32_t slabs_per[MAX_CACHES][MMF_MAX_NODES] = { { 0 } }, objs_per[MAX_CACHES][MMF_MAX_NODES] = { { 0 } };
	for (uint32_t d = 0; d < sb->next_unused; d++) {
		const struct slab *sl = &sb->slabs[d];
		if (sl->cache == NIL)
			continue;
		const struct kmem_cache *s = &sb->caches[sl->cache];
		if (!s->live)
			return mmf_fail(msg, cap, "slub_lists: slab pfn %u belongs to a destroyed cache", sl->pfn);
		if (sl->frozen < 0 && sl->list == ON_NONE)
			return mmf_fail(msg, cap, "slub_lists: %s: slab pfn %u is on no list and no cpu's", s->name, sl->pfn);
		const struct mmf_page *head = pfn_to_page(m, sl->pfn);
		if (!(head->flags & PG_allocated) || head->order != sl->order)
			return mmf_fail(msg, cap, "slub_pages: %s: slab pfn %u is not an allocated order-%u block", s->name,
				        sl->pfn, sl->order);
		for (uint32_t i = 0; i < (1u << sl->order); i++)
			if (!(pfn_to_page(m, sl->pfn + i)->flags & PG_slab) || sb->slab_of[sl->pfn + i] != d)
				return mmf_fail(msg, cap, "slub_pages: %s: pfn %u of a slab lacks PG_slab", s->name, sl->pfn + i);
		memset(seen, 0, sl->objects);
		unsigned nfree = 0;
		if (walk_freelist(m, s, sl, sl->freelist, seen, &nfree, msg, cap))
			return -1;
		if (sl->frozen >= 0 && walk_freelist(m, s, sl, s->cpu[sl->frozen].freelist, seen, &nfree, msg, cap))
			return -1;
		if (sl->inuse > sl->objects || nfree + sl->inuse != sl->objects)
			return mmf_fail(msg, cap, "slub_counters: %s: slab pfn %u: %u free + %u inuse != %u objects", s->name,
				        sl->pfn, nfree, sl->inuse, sl->objects);
		if (s->debug)
			for (unsigned i = 0; i < sl->objects; i++) {
				uint64_t obj = obj_at(s, sl, i);
				const uint8_t *p = mem(m, obj);
				uint8_t val = seen[i] ? SLUB_RED_INACTIVE : SLUB_RED_ACTIVE;
				if ((s->flags & SLAB_RED_ZONE) && (check_bytes(p - s->red_left_pad, val, s->red_left_pad) >= 0 ||
								   check_bytes(p + s->object_size, val, s->inuse - s->object_size) >= 0))
					return mmf_fail(msg, cap, "slub_redzone: %s: object 0x%llx red zone is not 0x%02x", s->name,
						        (unsigned long long)obj, val);
				if (s->poison && seen[i] &&
				    (check_bytes(p, POISON_FREE, s->object_size - 1) >= 0 || p[s->object_size - 1] != POISON_END))
					return mmf_fail(msg, cap, "slub_poison: %s: free object 0x%llx poison overwritten", s->name,
						        (unsigned long long)obj);
			}
		slabs_per[sl->cache][sl->node]++;
		objs_per[sl->cache][sl->node] += sl->objects;
	}
	for (uint32_t ci = 0; ci < MAX_CACHES; ci++)
		for (unsigned n = 0; n < m->prof->nr_nodes; n++)
			if (sb->caches[ci].live && (slabs_per[ci][n] != sb->caches[ci].node[n].nr_slabs ||
						    objs_per[ci][n] != sb->caches[ci].node[n].total_objects))
				return mmf_fail(msg, cap, "slub_counters: %s: node %u has %u slabs / %u objects, counters %u / %u",
					        sb->caches[ci].name, n, slabs_per[ci][n], objs_per[ci][n],
					        sb->caches[ci].node[n].nr_slabs, sb->caches[ci].node[n].total_objects);
	return 0;
}
