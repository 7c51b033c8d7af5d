/* The simple adapter's objects: first fit in a byte arena, any alignment
 * by padding, real bytes. kmalloc's kernel contract kept: kmalloc(0) is
 * ZERO_SIZE_PTR (16), more than 128 KiB is refused, a power-of-two size
 * is aligned to itself up to a page. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/simple/objects.h"
#include "mmfuzz/gfp.h"

#define BASE 0x0000100000000000ull
#define ZERO_SIZE_PTR 16ull
#define MAX_SIZE (128u << 10)

int simple_objs_init(struct simple_objs *o)
{
	memset(o, 0, sizeof(*o));
	o->arena = calloc(1, SIMPLE_ARENA);
	return o->arena ? 0 : -1;
}

void simple_objs_fini(struct simple_objs *o) { free(o->arena); }

void simple_objs_reset(struct simple_objs *o)
{
	o->nblocks = 0;
	memset(o->caches, 0, sizeof(o->caches));
}

static int find(const struct simple_objs *o, uint64_t addr)
{
	if (addr < BASE)
		return -1;
	uint64_t off = addr - BASE;
	for (unsigned i = 0; i < o->nblocks; i++)
		if (o->blocks[i].off == off)
			return (int)i;
	return -1;
}

/* First fit: the lowest aligned gap of len bytes; -1 when none. */
static int place(struct simple_objs *o, uint64_t len, uint64_t align, int cache, uint64_t *addr)
{
	if (o->nblocks == SIMPLE_MAX_BLOCKS)
		return -1;
	uint64_t start = 0;
	for (unsigned i = 0; i <= o->nblocks; i++) {
		uint64_t end = i < o->nblocks ? o->blocks[i].off : SIMPLE_ARENA;
		uint64_t at = (start + align - 1) & ~(align - 1);
		if (at + len <= end) {
			memmove(&o->blocks[i + 1], &o->blocks[i], (o->nblocks - i) * sizeof(o->blocks[0]));
			o->blocks[i] = (struct simple_block){ at, len, cache };
			o->nblocks++;
			*addr = BASE + at;
			return 0;
		}
		if (i < o->nblocks)
			start = o->blocks[i].off + o->blocks[i].len;
	}
	return -1;
}

static void drop(struct simple_objs *o, int i)
{
	memmove(&o->blocks[i], &o->blocks[i + 1], (o->nblocks - (unsigned)i - 1) * sizeof(o->blocks[0]));
	o->nblocks--;
}

enum mmf_result simple_kmalloc(struct simple_objs *o, uint64_t size, uint32_t gfp, uint64_t *addr, int *err)
{
	if (size == 0) {
		*addr = ZERO_SIZE_PTR;
		return MMF_OK;
	}
	if (size > MAX_SIZE) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	uint64_t len = (size + 7) & ~7ull;
	uint64_t align = (size & (size - 1)) ? 8 : size < 4096 ? size : 4096;
	if (align < 8)
		align = 8;
	if (place(o, len, align, 0, addr)) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	if (gfp & __GFP_ZERO)
		memset(o->arena + (*addr - BASE), 0, len);
	return MMF_OK;
}

enum mmf_result simple_kfree(struct simple_objs *o, uint64_t addr)
{
	if (addr == 0 || addr == ZERO_SIZE_PTR)
		return MMF_OK;
	int i = find(o, addr);
	if (i < 0)
		return MMF_CORRUPT;
	if (o->blocks[i].cache)
		o->caches[o->blocks[i].cache - 1].objects--;
	drop(o, i);
	return MMF_OK;
}

enum mmf_result simple_ksize(struct simple_objs *o, uint64_t addr, uint64_t *usable)
{
	if (addr == 0 || addr == ZERO_SIZE_PTR) {
		*usable = 0;
		return MMF_OK;
	}
	int i = find(o, addr);
	if (i < 0)
		return MMF_CORRUPT;
	*usable = o->blocks[i].len;
	return MMF_OK;
}

enum mmf_result simple_krealloc(struct simple_objs *o, uint64_t addr, uint64_t size, uint32_t gfp,
				uint64_t *new_addr, int *err)
{
	if (addr == 0)
		return simple_kmalloc(o, size, gfp, new_addr, err);
	if (size == 0) {
		*new_addr = ZERO_SIZE_PTR;
		return simple_kfree(o, addr);
	}
	uint64_t old_len = 0;
	if (addr != ZERO_SIZE_PTR && simple_ksize(o, addr, &old_len) != MMF_OK)
		return MMF_CORRUPT;
	if (old_len >= size) {
		*new_addr = addr;
		return MMF_OK;
	}
	uint64_t p;
	enum mmf_result r = simple_kmalloc(o, size, gfp, &p, err);
	if (r != MMF_OK)
		return r;
	if (old_len)
		memcpy(o->arena + (p - BASE), o->arena + (addr - BASE), old_len);
	*new_addr = p;
	return simple_kfree(o, addr);
}

/* 8 bytes at addr must lie inside one live block. */
static uint8_t *word(struct simple_objs *o, uint64_t addr)
{
	if (addr < BASE || (addr & 7))
		return NULL;
	uint64_t off = addr - BASE;
	for (unsigned i = 0; i < o->nblocks; i++)
		if (off >= o->blocks[i].off && off + 8 <= o->blocks[i].off + o->blocks[i].len)
			return o->arena + off;
	return NULL;
}

enum mmf_result simple_obj_write(struct simple_objs *o, uint64_t addr, uint64_t val)
{
	uint8_t *p = word(o, addr);
	if (!p)
		return MMF_CORRUPT;
	memcpy(p, &val, 8);
	return MMF_OK;
}

enum mmf_result simple_obj_read(struct simple_objs *o, uint64_t addr, uint64_t *val)
{
	uint8_t *p = word(o, addr);
	if (!p)
		return MMF_CORRUPT;
	memcpy(val, p, 8);
	return MMF_OK;
}

enum mmf_result simple_cache_create(struct simple_objs *o, uint32_t size, uint32_t align, int ctor,
				    uint64_t *cache, int *err)
{
	if (size == 0 || size > MAX_SIZE || (align & (align - 1)) || align > 4096) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	for (unsigned i = 0; i < SIMPLE_MAX_CACHES; i++)
		if (!o->caches[i].live) {
			o->caches[i] = (struct simple_cache){ 1, size, align < 8 ? 8 : align, ctor, 0 };
			*cache = i + 1;
			return MMF_OK;
		}
	*err = ENOMEM;
	return MMF_REFUSED;
}

static struct simple_cache *cache_of(struct simple_objs *o, uint64_t cache)
{
	return cache >= 1 && cache <= SIMPLE_MAX_CACHES && o->caches[cache - 1].live ? &o->caches[cache - 1] : NULL;
}

enum mmf_result simple_cache_destroy(struct simple_objs *o, uint64_t cache, int *err)
{
	struct simple_cache *c = cache_of(o, cache);
	if (!c)
		return MMF_CORRUPT;
	if (c->objects) {
		*err = EBUSY;
		return MMF_REFUSED;
	}
	c->live = 0;
	return MMF_OK;
}

enum mmf_result simple_cache_alloc(struct simple_objs *o, uint64_t cache, uint32_t gfp, uint64_t *addr, int *err)
{
	struct simple_cache *c = cache_of(o, cache);
	if (!c)
		return MMF_CORRUPT;
	uint64_t len = (c->size + 7) & ~7ull;
	if (place(o, len, c->align, (int)cache, addr)) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	uint8_t *p = o->arena + (*addr - BASE);
	if (gfp & __GFP_ZERO)
		memset(p, 0, len);
	else if (c->ctor)
		memset(p, 0xc7, c->size);
	c->objects++;
	return MMF_OK;
}

enum mmf_result simple_cache_free(struct simple_objs *o, uint64_t cache, uint64_t addr)
{
	int i = find(o, addr);
	if (i < 0 || (uint64_t)o->blocks[i].cache != cache)
		return MMF_CORRUPT;
	return simple_kfree(o, addr);
}
