/* vmalloc: virtually contiguous kernel memory from single pages of the
 * buddy, areas kept in VA order with a guard page after each, lazily freed
 * ranges purged in batches. See vmalloc.c for the structure chosen. */
#ifndef MMF_REFERENCE_VMALLOC_H
#define MMF_REFERENCE_VMALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "mmfuzz/result.h"
#include "mmfuzz/gfp.h"

struct mmf_machine;

/* The model's vmalloc range: x86_64's VMALLOC_START, with a span scaled
 * down (like the profiles' memory) so that fuzzing can exhaust it. */
#define MMF_VMALLOC_START 0xffffc90000000000ull
#define MMF_VMALLOC_SIZE (128ull << 20)
#define MMF_VMALLOC_END (MMF_VMALLOC_START + MMF_VMALLOC_SIZE)

/* Set-up and teardown with the machine; reset costs what was touched. */
int mmf_vmalloc_init(struct mmf_machine *m);
void mmf_vmalloc_fini(struct mmf_machine *m);
void mmf_vmalloc_reset(struct mmf_machine *m);

/* vmalloc(size) with a GFP mask for the pages (__GFP_ZERO zeroes them).
 * MMF_REFUSED with ENOMEM when VA space or pages run out, EINVAL for 0. */
enum mmf_result mmf_vmalloc(struct mmf_machine *m, uint64_t size, mmf_gfp_t gfp,
			    unsigned cpu, unsigned nid, uint64_t *addr, int *err);
/* vfree(addr): addr must be an area's start; MMF_CORRUPT otherwise. */
enum mmf_result mmf_vfree(struct mmf_machine *m, uint64_t addr, unsigned cpu);
/* vmalloc_to_page(): 0 and *pfn for a mapped address, -1 otherwise. */
int mmf_vmalloc_to_pfn(const struct mmf_machine *m, uint64_t addr, uint32_t *pfn);
/* purge_vmap_area_lazy(): give every lazily freed range back now. */
void mmf_vmalloc_purge(struct mmf_machine *m);

/* /proc/vmallocinfo, Linux's format. */
int mmf_report_vmallocinfo(const struct mmf_machine *m, char *buf, size_t cap);
/* VmallocTotal, VmallocUsed and VmallocChunk for /proc/meminfo, in kB. */
void mmf_vmalloc_meminfo(const struct mmf_machine *m, uint64_t *total_kb,
			 uint64_t *used_kb, uint64_t *chunk_kb);
/* 0 when valid, else -1 with "tag: detail" in msg. */
int mmf_vmalloc_is_valid(const struct mmf_machine *m, char *msg, size_t cap);

/* A summary of the allocator's state, for tests and reports; counts come
 * from walking the trees, so this costs O(areas). */
struct mmf_vmalloc_stats {
	uint32_t nr_busy;          /* areas handed out (vmap_area_root) */
	uint32_t nr_free;          /* free areas (free_vmap_area_root) */
	uint32_t nr_lazy;          /* freed, unpurged ranges (purge_vmap_area_root) */
	int64_t lazy_nr;           /* vmap_lazy_nr, in pages */
	uint64_t lazy_max_pages;   /* purge once vmap_lazy_nr exceeds this */
	uint64_t nr_vmalloc_pages; /* pages held by busy areas */
	uint64_t largest_free;     /* bytes in the largest free area */
};
void mmf_vmalloc_stats(const struct mmf_machine *m, struct mmf_vmalloc_stats *st);

#endif
