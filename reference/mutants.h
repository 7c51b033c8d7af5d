/* Seeded bugs in the reference: each a named, documented fault behind a
 * run-time switch, so the harness's power to find bugs is measured. */
#ifndef MMF_REFERENCE_MUTANTS_H
#define MMF_REFERENCE_MUTANTS_H

#include "mmfuzz/adapter.h"

enum mmf_mutant {
	MMF_MUT_NONE,
	MMF_MUT_BUDDY_PFN_ORDER3,
	MMF_MUT_MERGE_STOPS_EARLY,
	MMF_MUT_PCP_HIGH_OFF_BY_ONE,
	MMF_MUT_FALLBACK_FORBIDDEN_ZONE,
	MMF_MUT_ATOMIC_RESERVE_IGNORED,
	MMF_MUT_FREE_COUNTED_TWICE,
	MMF_MUT_ZERO_SKIPS_TAIL,
	MMF_MUT_DRAIN_LOSES_PAGE,
	MMF_MUT_EXPAND_WRONG_HALF,
	MMF_MUT_LOWMEM_RESERVE_IGNORED,
	/* SLUB and kmalloc */
	MMF_MUT_SLUB_FREELIST_DOUBLE_INSERT,
	MMF_MUT_KMALLOC_CLASS_96_192,
	MMF_MUT_SLUB_PARTIAL_LEAK,
	MMF_MUT_SLUB_ALIGN_LOST,
	MMF_MUT_SLUB_MIN_PARTIAL_IGNORED,
	MMF_MUT_KSIZE_TOO_BIG,
	MMF_MUT_KREALLOC_SHORT_COPY,
	/* vmalloc */
	MMF_MUT_VMALLOC_NO_GUARD_PAGE,
	MMF_MUT_VMALLOC_OVERLAP_AT_END,
	MMF_MUT_VMALLOC_PURGE_TWICE,
	MMF_MUT_VMALLOC_LAZY_COUNT_LOST,
	MMF_MUT_VMALLOC_TO_PAGE_OFF_BY_ONE,
	/* mempool */
	MMF_MUT_MEMPOOL_RESERVE_NOT_USED,
	MMF_MUT_MEMPOOL_FREE_SKIPS_REFILL,
	MMF_MUT_MEMPOOL_CREATE_SHORT,
	MMF_MUT_MEMPOOL_DESTROY_LEAKS,
	MMF_MUT_MEMPOOL_RESERVE_FIFO,
	/* CMA */
	MMF_MUT_CMA_BORROWED_NOT_MIGRATED,
	MMF_MUT_CMA_BITMAP_OFF_BY_ONE,
	MMF_MUT_CMA_RELEASE_SHORT,
	MMF_MUT_CMA_ALIGN_IGNORED,
	MMF_MUT_CMA_LENDS_TO_UNMOVABLE,
	MMF_MUT_CMA_FREE_DRIFT,
	MMF_MUT_CMA_MIGRATE_NO_COPY,
	MMF_MUT_CMA_MIGRATES_PINNED,
	MMF_NR_MUTANTS,
	/* Mutants from here on would belong to subsystems the operation
	 * language does not drive yet (none today): their own unit tests
	 * switch them on, the adapter does not list them. */
	MMF_MUT_FIRST_UNWIRED = MMF_NR_MUTANTS
};

/* Descriptions, indexed by enum mmf_mutant - 1. */
extern const struct mmf_mutant_desc mmf_reference_mutants[MMF_NR_MUTANTS - 1];

/* How many mutants the reference adapter lists (the wired ones). */
#define MMF_NR_WIRED_MUTANTS (MMF_MUT_FIRST_UNWIRED - 1)

/* MMF_MUT_NONE for NULL or "", -1 when unknown. */
int mmf_mutant_lookup(const char *name);

#endif
