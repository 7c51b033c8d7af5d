/* mempool (mm/mempool.c): a reserve of min_nr preallocated elements that
 * mempool_alloc() falls back to when the backing allocator refuses, and
 * that mempool_free() refills first. Pools here are kmalloc-backed
 * (mempool_create_kmalloc_pool). */
#ifndef MMF_REFERENCE_MEMPOOL_H
#define MMF_REFERENCE_MEMPOOL_H

#include <stdint.h>

#include "mmfuzz/result.h"
#include "mmfuzz/gfp.h"

struct mmf_machine;

#define MMF_MEMPOOL_MAX 4
#define MMF_MEMPOOL_MAX_MIN_NR 32

int mmf_mempool_init(struct mmf_machine *m);
void mmf_mempool_fini(struct mmf_machine *m);
void mmf_mempool_reset(struct mmf_machine *m);

/* mempool_create_kmalloc_pool(min_nr, size): MMF_REFUSED with ENOMEM when
 * the reserve cannot be filled (nothing is kept), EINVAL for min_nr 0 or
 * above MMF_MEMPOOL_MAX_MIN_NR, or a size kmalloc cannot serve. */
enum mmf_result mmf_mempool_create(struct mmf_machine *m, uint32_t min_nr, uint64_t size, unsigned cpu,
				   unsigned nid, uint32_t *pool, int *err);
enum mmf_result mmf_mempool_destroy(struct mmf_machine *m, uint32_t pool, unsigned cpu);
/* Where Linux would sleep and retry for ever (a reclaiming mask and an
 * empty reserve), the model refuses with ENOMEM. */
enum mmf_result mmf_mempool_alloc(struct mmf_machine *m, uint32_t pool, mmf_gfp_t gfp, unsigned cpu,
				  unsigned nid, uint64_t *addr, int *err);
enum mmf_result mmf_mempool_free(struct mmf_machine *m, uint32_t pool, uint64_t addr, unsigned cpu);
/* Reserve sizes within bounds; 0 or -1 with "tag: detail". */
int mmf_mempool_is_valid(const struct mmf_machine *m, char *msg, size_t cap);

#endif
