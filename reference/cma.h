/* CMA's entry points for the reference adapter (see cma.c). */
#ifndef MMF_REFERENCE_CMA_H
#define MMF_REFERENCE_CMA_H

#include <stddef.h>
#include <stdint.h>

#include "mmfuzz/result.h"

struct mmf_machine;

/* cma_alloc(area, count, align): *pfn is the first of count contiguous
 * frames, aligned to 2^min(align, 8). Refused with EINVAL (no such area,
 * count 0), ENOMEM (no free run, or no home for a page that must move) or
 * EBUSY (every free run held a page that cannot move). */
enum mmf_result mmf_cma_alloc(struct mmf_machine *m, unsigned area, uint32_t count, unsigned align,
			      unsigned cpu, uint32_t *pfn, int *err);
/* cma_release(area, pfn, count): MMF_REFUSED outside the area. */
enum mmf_result mmf_cma_release(struct mmf_machine *m, unsigned area, uint32_t pfn, uint32_t count);
/* The blocks the last cma_alloc() migrated, old head -> new head; each
 * pair is given once. */
unsigned mmf_cma_moves(struct mmf_machine *m, uint64_t *old_pfn, uint64_t *new_pfn, unsigned cap);
enum mmf_result mmf_page_pin(struct mmf_machine *m, uint32_t pfn);
enum mmf_result mmf_page_unpin(struct mmf_machine *m, uint32_t pfn);

int mmf_report_cma(const struct mmf_machine *m, char *buf, size_t cap);
void mmf_cma_vmstat(const struct mmf_machine *m, uint64_t *success, uint64_t *fail);

#endif
