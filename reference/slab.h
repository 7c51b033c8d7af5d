/* SLUB and kmalloc: object caches carved out of buddy pages, per-cpu slabs
 * with their freelists, per-node partial and full lists, kmalloc size
 * classes and large kmalloc straight from the buddy. Objects live at
 * linear-map addresses (PAGE_OFFSET + pfn * PAGE_SIZE + offset) and their
 * bytes are real (m->bytes), so free pointers, poison and red zones are
 * what the kernel writes. */
#ifndef MMF_REFERENCE_SLAB_H
#define MMF_REFERENCE_SLAB_H

#include <stddef.h>
#include <stdint.h>

#include "mmfuzz/result.h"
#include "mmfuzz/gfp.h"

struct mmf_machine;

#define MMF_PAGE_OFFSET 0xffff888000000000ull /* x86_64's direct map base */
#define MMF_ZERO_SIZE_PTR 16ull               /* kmalloc(0) */
#define MMF_KMALLOC_MAX_CACHE_SIZE 8192u      /* larger sizes go to the buddy */
#define MMF_KMALLOC_MAX_SIZE (128u << 10)     /* the seed notes' limit; Linux: 4 MiB */

/* kmem_cache_create() flags, Linux's values (include/linux/slab.h). */
#define SLAB_RED_ZONE 0x00000400u
#define SLAB_POISON 0x00000800u
#define SLAB_HWCACHE_ALIGN 0x00002000u
/* Byte values (include/linux/poison.h). */
#define POISON_FREE 0x6b
#define POISON_END 0xa5
#define SLUB_RED_INACTIVE 0xbb
#define SLUB_RED_ACTIVE 0xcc
#define MMF_CTOR_BYTE 0xc7 /* what the model's constructor writes */

int mmf_slub_init(struct mmf_machine *m);
void mmf_slub_fini(struct mmf_machine *m);
void mmf_slub_reset(struct mmf_machine *m);

/* kmem_cache_create(); *cache is an id for the calls below. MMF_REFUSED
 * with EINVAL for a bad size or alignment, ENOMEM when out of caches. */
enum mmf_result mmf_kmem_cache_create(struct mmf_machine *m, const char *name, uint32_t size,
				      uint32_t align, uint32_t flags, int ctor, uint32_t *cache,
				      int *err);
/* kmem_cache_destroy(): MMF_REFUSED with EBUSY (the kernel's "Slab cache
 * still has objects" error) when objects are live; the cache stays. */
enum mmf_result mmf_kmem_cache_destroy(struct mmf_machine *m, uint32_t cache, int *err);
enum mmf_result mmf_kmem_cache_alloc(struct mmf_machine *m, uint32_t cache, mmf_gfp_t gfp,
				     unsigned cpu, unsigned nid, uint64_t *addr, int *err);
enum mmf_result mmf_kmem_cache_free(struct mmf_machine *m, uint32_t cache, uint64_t addr,
				    unsigned cpu);

enum mmf_result mmf_kmalloc(struct mmf_machine *m, uint64_t size, mmf_gfp_t gfp, unsigned cpu,
			    unsigned nid, uint64_t *addr, int *err);
enum mmf_result mmf_kfree(struct mmf_machine *m, uint64_t addr, unsigned cpu);
enum mmf_result mmf_krealloc(struct mmf_machine *m, uint64_t addr, uint64_t size, mmf_gfp_t gfp,
			     unsigned cpu, unsigned nid, uint64_t *new_addr, int *err);
/* ksize(); 0 for NULL and ZERO_SIZE_PTR. MMF_CORRUPT for a non-object. */
enum mmf_result mmf_ksize(const struct mmf_machine *m, uint64_t addr, uint64_t *size);

/* Eight bytes of object memory, little endian. */
enum mmf_result mmf_obj_write(struct mmf_machine *m, uint64_t addr, uint64_t val);
enum mmf_result mmf_obj_read(const struct mmf_machine *m, uint64_t addr, uint64_t *val);

/* The kmalloc size class index for a size (kmalloc_index()), -1 above 8 KiB. */
int mmf_kmalloc_index(uint64_t size);

/* /proc/slabinfo, version 2.1. Slab and SUnreclaim for /proc/meminfo, kB. */
int mmf_report_slabinfo(const struct mmf_machine *m, char *buf, size_t cap);
void mmf_slub_meminfo(const struct mmf_machine *m, uint64_t *slab_kb, uint64_t *sunreclaim_kb);
/* slub_is_valid(): 0 when valid, else -1 with "tag: detail" in msg. */
int mmf_slub_is_valid(const struct mmf_machine *m, char *msg, size_t cap);

#endif
