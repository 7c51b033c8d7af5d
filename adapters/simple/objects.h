/* The simple adapter's object allocator: first fit over one byte arena,
 * blocks kept in address order. Shares nothing with the reference's SLUB. */
#ifndef MMF_SIMPLE_OBJECTS_H
#define MMF_SIMPLE_OBJECTS_H

#include <stdint.h>

#include "mmfuzz/adapter.h"

#define SIMPLE_ARENA (16u << 20)
#define SIMPLE_MAX_BLOCKS 512
#define SIMPLE_MAX_CACHES 8

struct simple_block {
	uint64_t off;    /* from the arena's start */
	uint64_t len;    /* usable bytes, a multiple of 8 */
	int cache;       /* index + 1, or 0 for kmalloc */
};

struct simple_cache {
	int live;
	uint32_t size, align;
	int ctor;
	unsigned objects;
};

struct simple_objs {
	uint8_t *arena;
	struct simple_block blocks[SIMPLE_MAX_BLOCKS];
	unsigned nblocks;
	struct simple_cache caches[SIMPLE_MAX_CACHES];
};

int simple_objs_init(struct simple_objs *o);
void simple_objs_fini(struct simple_objs *o);
void simple_objs_reset(struct simple_objs *o);

enum mmf_result simple_kmalloc(struct simple_objs *o, uint64_t size, uint32_t gfp, uint64_t *addr, int *err);
enum mmf_result simple_kfree(struct simple_objs *o, uint64_t addr);
enum mmf_result simple_krealloc(struct simple_objs *o, uint64_t addr, uint64_t size, uint32_t gfp,
				uint64_t *new_addr, int *err);
enum mmf_result simple_ksize(struct simple_objs *o, uint64_t addr, uint64_t *usable);
enum mmf_result simple_obj_write(struct simple_objs *o, uint64_t addr, uint64_t val);
enum mmf_result simple_obj_read(struct simple_objs *o, uint64_t addr, uint64_t *val);
enum mmf_result simple_cache_create(struct simple_objs *o, uint32_t size, uint32_t align, int ctor,
				    uint64_t *cache, int *err);
enum mmf_result simple_cache_destroy(struct simple_objs *o, uint64_t cache, int *err);
enum mmf_result simple_cache_alloc(struct simple_objs *o, uint64_t cache, uint32_t gfp, uint64_t *addr, int *err);
enum mmf_result simple_cache_free(struct simple_objs *o, uint64_t cache, uint64_t addr);

#endif
