/* Internal types of the reference model of Linux physical memory.
 *
 * Glossary (kernel vocabulary throughout):
 *   pfn       page frame number; mem_map[pfn] is its struct page
 *   order     a block of 2^order naturally aligned frames
 *   zone      a pfn range of one type (DMA, DMA32, NORMAL...) on one node
 *   free_area per zone and order, the list of free buddy blocks
 *   pcp       per-cpu pages: a per-zone, per-cpu list of free order-0 pages
 *             that the buddy counts as allocated (not in NR_FREE_PAGES)
 *   token     the model's stand-in for a frame's 4 KiB of contents
 *
 * Reset is proportional to what a sequence touched: every write to a struct
 * page goes through page_w(), which logs the pfn once; reset copies just
 * those entries back from the boot image. */
#ifndef MMF_REFERENCE_MM_H
#define MMF_REFERENCE_MM_H

#include <stdint.h>
#include <string.h>

#include "mmfuzz/result.h"
#include "mmfuzz/gfp.h"
#include "mmfuzz/kernel.h"
#include "mmfuzz/profile.h"
#include "reference/mutants.h"

#define MMF_NIL 0xffffffffu
#define PAGE_ALLOC_COSTLY_ORDER 3

/* struct page flags (a subset of Linux's, plus one model-only bit). */
#define PG_buddy 0x01u    /* head of a free block on free_area[order] */
#define PG_pcp 0x02u      /* on a per-cpu list (Linux tracks this by list) */
#define PG_allocated 0x04u /* model-only: head of a block handed out */
#define PG_slab 0x08u      /* every page of a slab */
#define PG_large_kmalloc 0x10u /* head of a kmalloc() block from the buddy */
#define PG_movable 0x20u   /* head of a block allocated __GFP_MOVABLE: migratable
			    * (Linux: on an LRU or with movable_ops) */
#define PG_cma_alloc 0x40u /* model-only: every page handed out by cma_alloc() */
#define PG_isolated 0x80u  /* model-only: a free page of an isolated pageblock,
			    * inside cma_alloc() only */
#define PG_pgtable 0x100u  /* a page-table page (PageTable()) */
#define PG_anon 0x200u     /* a user page: anonymous or shmem (each pte mapping it holds a reference) */
#define PG_shmem 0x400u    /* ... of a shmem object (which holds a reference too) */
#define PG_lazyfree 0x800u /* an anonymous page after MADV_FREE (!PG_swapbacked): dropped by reclaim
			    * while clean; written since, it stays so until reclaim finds it dirty */
#define PG_dirty 0x1000u   /* a shmem page whose dirty pte went away (folio_mark_dirty) */
#define PG_referenced 0x2000u /* user page: folio_mark_accessed() once (GUP's FOLL_TOUCH, a zap of a young file pte) */
#define PG_active 0x4000u  /* ... twice: on the active LRU (the referenced bit cleared) */
#define PG_unevictable 0x8000u /* user page: on the unevictable LRU, set and cleared when the
				* CPU's mlock batch moves (mlocked: a locked VMA maps it) */
/* user pages: on an LRU list (PG_lru), and which one (enum lru_list + 1
 * in these bits; lru.c keeps them with the list it links the page on) */
#define PG_lru 0x10000u
#define PG_LRU_SHIFT 17
#define PG_LRU_MASK (7u << PG_LRU_SHIFT)
#define PG_swapcache 0x100000u /* user page: in the swap cache; page->swap is its slot */
#define PG_readahead 0x200000u
#define PG_hugetlb 0x400000u   /* head of a hugetlb page (hugetlb.c): in the pool, free or in use */
#define PG_large 0x1000000u   /* user page of an anonymous THP folio not yet split (huge_memory.c):
				* the folio is the 512 pages of its aligned block */
#define PG_hugetlb_restore 0x800000u /* ... whose free gives a reservation back (restore_reserve) */ /* ... read ahead of a fault, not yet hit (swapin_readahead_hits) */

struct mmf_page {
	uint64_t token;  /* modelled contents */
	uint64_t index;  /* user pages: page offset in the mapping (linear_page_index) */
	uint32_t prev;   /* list links as pfns, MMF_NIL at the ends */
	uint32_t next;
	int32_t refcount;
	int32_t mapcount; /* user pages: ptes mapping it (page_mapcount()) */
	uint32_t mapping; /* user pages: anon_vma id (PG_anon without PG_shmem) or shmem object */
	uint32_t swap;    /* PG_swapcache: its swap entry (folio->swap, swap.h's encoding) */

	uint32_t flags;
	uint8_t order;   /* buddy order when PG_buddy, allocation order when PG_allocated */
	uint8_t zone;    /* index into machine->zones */
};

struct mmf_list {
	uint32_t head; /* hot end */
	uint32_t tail; /* cold end */
};

/* nr_free counts both lists, as /proc/buddyinfo does; a block is on the
 * cma list exactly when it lies in a CMA area (free_list[MIGRATE_CMA]). */
struct mmf_free_area {
	struct mmf_list list;
	struct mmf_list cma;
	uint32_t nr_free;
	uint32_t nr_cma;
};

struct mmf_pcp {
	struct mmf_list list;
	uint32_t count;
	uint32_t high;
	uint32_t batch;
};

/* alloc_flags, as mm/internal.h names them. */
#define ALLOC_WMARK_MIN 0x00
#define ALLOC_WMARK_LOW 0x01
#define ALLOC_WMARK_HIGH 0x02
#define ALLOC_NO_WATERMARKS 0x04
#define ALLOC_WMARK_MASK (ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM 0x08
#define ALLOC_NON_BLOCK 0x10
#define ALLOC_MIN_RESERVE 0x20
#define ALLOC_CMA 0x80
#define ALLOC_KSWAPD 0x800
#define ALLOC_RESERVES (ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_OOM)

/* The LRU lists of one node (struct lruvec, classic two-list LRU: lru.c,
 * vmscan.c). Lists link user pages through prev/next, which a page on no
 * buddy or pcp list does not otherwise use. */
enum lru_list {
	LRU_INACTIVE_ANON,
	LRU_ACTIVE_ANON,
	LRU_INACTIVE_FILE,
	LRU_ACTIVE_FILE,
	LRU_UNEVICTABLE,
	NR_LRU_LISTS
};
struct mmf_lruvec {
	struct mmf_list lists[NR_LRU_LISTS]; /* head: most recently added */
	uint32_t nr[NR_LRU_LISTS];
	unsigned long anon_cost, file_cost; /* lru_note_cost() */
};

enum mmf_wmark { WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO, NR_WMARK };

struct mmf_zone {
	uint32_t start_pfn;
	uint32_t nr_pages; /* spanned == present == managed in the model */
	uint8_t node;
	uint8_t type;
	struct mmf_free_area free_area[MMF_MAX_ORDER];
	uint32_t nr_free_pages; /* NR_FREE_PAGES: buddy pages only */
	uint32_t nr_free_cma;   /* NR_FREE_CMA_PAGES: the part of it in CMA areas */
	uint32_t cma_pages;     /* zone->cma_pages */
	uint32_t wmark[NR_WMARK];
	uint32_t lowmem_reserve[MMF_NR_ZONE_TYPES];
	struct mmf_pcp pcp[MMF_MAX_CPUS];
	uint64_t pgalloc; /* pages handed out from this zone */
	uint32_t nr_zone_lru[NR_LRU_LISTS]; /* NR_ZONE_LRU_*: this zone's pages on each list */
};

/* /proc/vmstat-style event counters. */
struct mmf_vmstat {
	uint64_t pgfree;
	uint64_t allocstall[MMF_NR_ZONE_TYPES]; /* by the request's highest zone */
	uint64_t kswapd_wake;
	uint64_t oom_kill;      /* processes the OOM killer killed */
	uint64_t oom_no_victim; /* model-only: OOM with nothing to kill (Linux panics) */
	uint64_t alloc_fail;
	uint64_t pcp_drain;
	/* reclaim and swap, /proc/vmstat's names */
	uint64_t pgscan_kswapd, pgscan_direct, pgsteal_kswapd, pgsteal_direct, pgsteal_proactive;
	uint64_t pgscan_anon, pgscan_file, pgsteal_anon, pgsteal_file;
	uint64_t pgactivate, pgdeactivate, pgrefill, pglazyfreed, pageoutrun;
	uint64_t pswpin, pswpout, pgmajfault;
	uint64_t zswpin, zswpout, zswpwb;
	uint64_t swpin_zero, swpout_zero;
	uint64_t drop_pagecache, drop_slab;
};

/* kswapd of one node (struct pglist_data's kswapd fields). */
struct mmf_kswapd {
	uint8_t woken;            /* wakeup_kswapd() since it last ran */
	uint8_t order;            /* pgdat->kswapd_order */
	uint8_t highest_zoneidx;  /* pgdat->kswapd_highest_zoneidx */
	uint8_t failures;         /* pgdat->kswapd_failures: runs that reclaimed nothing */
};

struct mmf_machine {
	const struct mmf_profile *prof;
	/* How the kernel it stands for behaves where kernels differ
	 * (mmfuzz/kernel.h): the profile's defaults, or what an agent probed. */
	struct mmf_kernel k;
	enum mmf_mutant mutant;
	int walk_full; /* walks check what cannot have changed too (--walk full) */
	/* Tests only: take the step-by-step paths that the run paths
	 * (mmf_buddy_take_run, mmf_alloc_pages_bulk) are proved equal to. */
	int no_run_paths;
	uint32_t end_pfn;
	struct mmf_page *mem_map;
	struct mmf_page *boot_map;
	uint64_t *dirty_bits;
	uint32_t *dirty_list;
	uint32_t nr_dirty;
	uint64_t *scratch;      /* bit per pfn: accounted for, in the full walk */
	uint32_t nr_allocated;  /* model-only: pages handed out */
	uint32_t managed_pages; /* sum over zones, for the conservation check */
	uint32_t touched_zones; /* zones whose lists changed since the cheap check */
	uint32_t nr_pagetables; /* NR_PAGETABLE: page-table pages but pgds */
	uint32_t nr_anon;       /* user pages (anonymous and shmem) */
	/* Set by the first sign of a broken structure (a pfn out of range, a
	 * list link that does not point back, as CONFIG_DEBUG_LIST checks);
	 * every entry point then answers MMF_CORRUPT until reset, so a bug
	 * becomes a finding instead of a wild write. */
	char corrupt[160];
	struct mmf_vmalloc *vmalloc; /* vmalloc.c's state */
	struct mmf_slub *slub;       /* slub.c's state */
	struct mmf_mempools *mempools; /* mempool.c's state */
	struct mmf_cma_state *cma;     /* cma.c's state; NULL without CMA areas */
	struct mmf_zswap *zswap;       /* zswap.c's state */
	struct mmf_as *as;             /* processes and address spaces (vma.c) */
	struct mmf_kpt *kpt;           /* the kernel's page table (kpgtable.c) */
	struct mmf_swap *swap;         /* swap devices and the swap cache (swapfile.c) */
	struct mmf_lruvec lruvec[MMF_MAX_NODES];
	struct mmf_kswapd kswapd[MMF_MAX_NODES];
	uint8_t kswapd_pending; /* some node's kswapd is woken */
	/* Pages a fault in progress holds across an allocation, which reclaim
	 * passes over (vmscan.c); MMF_NIL when none. */
	uint32_t reclaim_held[2];
	unsigned as_shift;             /* log2 of a user page (mmf_profile_as_shift) */
	/* Per MAX_ORDER block (pfn >> (MMF_MAX_ORDER - 1)): CMA area + 1, or 0. */
	uint8_t *cma_block;
	/* Bytes of memory for the object allocators (slab pages, large
	 * kmalloc): a lazily committed map of the whole machine, so only
	 * pages that hold objects cost memory. */
	uint8_t *bytes;
	struct mmf_page dummy;  /* what page_w() hands out for a bad pfn */
	unsigned nr_zones;
	struct mmf_zone zones[MMF_MAX_ZONES];
	struct mmf_zone boot_zones[MMF_MAX_ZONES];
	/* Fallback order per preferred node: zone indices, nearest node first,
	 * highest zone type first within a node (ZONELIST_ORDER_NODE). */
	uint8_t zonelist[MMF_MAX_NODES][MMF_MAX_ZONES];
	uint8_t zonelist_len[MMF_MAX_NODES];
	struct mmf_vmstat vm;
};

void mmf_machine_corrupt(struct mmf_machine *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline const struct mmf_page *pfn_to_page(const struct mmf_machine *m,
						 uint32_t pfn)
{
	return pfn < m->end_pfn ? &m->mem_map[pfn] : &m->dummy;
}

static inline uint32_t page_to_pfn(const struct mmf_machine *m,
				   const struct mmf_page *page)
{
	return (uint32_t)(page - m->mem_map);
}

/* Linux keeps the node and zone in page->flags; the model keeps the zone
 * index and derives the node from it. */
static inline unsigned page_to_nid(const struct mmf_machine *m,
				   const struct mmf_page *page)
{
	return m->zones[page->zone].node;
}

/* Writable struct page; logs the pfn for reset. */
static inline struct mmf_page *page_w(struct mmf_machine *m, uint32_t pfn)
{
	if (__builtin_expect(pfn >= m->end_pfn, 0)) {
		mmf_machine_corrupt(m, "bad_pfn: write to pfn %u, memory ends at %u", pfn, m->end_pfn);
		return &m->dummy;
	}
	uint64_t bit = 1ull << (pfn & 63);
	if (!(m->dirty_bits[pfn >> 6] & bit)) {
		m->dirty_bits[pfn >> 6] |= bit;
		m->dirty_list[m->nr_dirty++] = pfn;
	}
	return &m->mem_map[pfn];
}

/* The bytes of a frame (m->bytes: slabs, page tables, and user pages,
 * whose contents the model keeps in full since zswap compresses them). */
static inline uint8_t *mmf_page_bytes(struct mmf_machine *m, uint32_t pfn)
{
	return m->bytes + ((size_t)pfn << 12);
}

/* A user page's token from its bytes: the XOR of its first 512 words,
 * what a read returns. */
static inline uint64_t mmf_page_token_of(struct mmf_machine *m, uint32_t pfn)
{
	const uint8_t *b = mmf_page_bytes(m, pfn);
	uint64_t t = 0, w;
	for (unsigned i = 0; i < 512; i++) {
		memcpy(&w, b + 8 * i, 8);
		t ^= w;
	}
	return t;
}

static inline int is_cma_pfn(const struct mmf_machine *m, uint32_t pfn)
{
	return m->cma_block && pfn < m->end_pfn && m->cma_block[pfn >> (MMF_MAX_ORDER - 1)];
}

static inline void zone_touched(struct mmf_machine *m, const struct mmf_zone *z)
{
	m->touched_zones |= 1u << (z - m->zones);
}

#define MUTANT(m, x) __builtin_expect((m)->mutant == MMF_MUT_##x, 0)

/* machine.c */
int mmf_machine_init(struct mmf_machine *m, const struct mmf_profile *p,
		     enum mmf_mutant mutant);
void mmf_machine_fini(struct mmf_machine *m);
void mmf_machine_reset(struct mmf_machine *m);

/* list.c-style helpers live in buddy.c; pcp.c uses them too. */
void mmf_list_add_head(struct mmf_machine *m, struct mmf_list *l, uint32_t pfn);
void mmf_list_add_tail(struct mmf_machine *m, struct mmf_list *l, uint32_t pfn);
void mmf_list_del(struct mmf_machine *m, struct mmf_list *l, uint32_t pfn);

/* buddy.c */
/* From the zone's ordinary lists, or with cma set from its CMA lists
 * (__rmqueue_cma_fallback). */
uint32_t mmf_buddy_rmqueue_smallest(struct mmf_machine *m, struct mmf_zone *z,
				    unsigned order, int cma);
/* Takes a free block (head pfn, its order) off its free list. */
/* Up to max order-0 pages as that many __rmqueue_smallest(order 0) calls
 * would take them, when they would all come from one block: the smallest
 * free order k > 0 with nothing free below it. Takes min(max, 2^k) pages
 * from the block at the head of free_area[k], pfns *first onwards in
 * ascending order (expand() keeps the low half each time), and leaves on
 * the lists what the calls would: the rest of the block, one aligned
 * block per set bit of 2^k - taken. Returns 0 (nothing done) when the
 * next page would come from order 0, or nothing is free. */
uint32_t mmf_buddy_take_run(struct mmf_machine *m, struct mmf_zone *z, uint32_t max, uint32_t *first);
void mmf_buddy_del_free(struct mmf_machine *m, struct mmf_zone *z, uint32_t pfn,
			unsigned order);
void mmf_buddy_free_one(struct mmf_machine *m, struct mmf_zone *z, uint32_t pfn,
			unsigned order, int to_tail);

/* pcp.c */
uint32_t mmf_pcp_rmqueue(struct mmf_machine *m, struct mmf_zone *z, unsigned cpu);
/* rmqueue_bulk(): up to count order-0 pages from the buddy into pfns[],
 * in the order a refill puts them on the list (cold end last); returns
 * how many the buddy had. */
uint32_t mmf_pcp_rmqueue_bulk(struct mmf_machine *m, struct mmf_zone *z, uint32_t count, uint32_t *pfns);
/* A page onto the cold end, as a refill puts it there. */
void mmf_pcp_add_cold(struct mmf_machine *m, struct mmf_zone *z, unsigned cpu, uint32_t pfn);
/* The hot end without a refill: MMF_NIL when the list is empty. */
uint32_t mmf_pcp_pop(struct mmf_machine *m, struct mmf_zone *z, unsigned cpu);
void mmf_pcp_free(struct mmf_machine *m, struct mmf_zone *z, uint32_t pfn,
		  unsigned cpu);
void mmf_pcp_drain_cpu(struct mmf_machine *m, unsigned cpu);
void mmf_pcp_drain_all(struct mmf_machine *m);

/* pcp.c: one zone's lists on every cpu back to the buddy. */
void mmf_pcp_drain_zone(struct mmf_machine *m, struct mmf_zone *z);

/* zone.c: watermarks, lowmem reserves, zonelists. */
void mmf_zone_setup(struct mmf_machine *m);
int mmf_zone_watermark_ok(const struct mmf_machine *m, const struct mmf_zone *z,
			  unsigned order, uint32_t mark, unsigned highest_zoneidx,
			  unsigned alloc_flags);
/* The nodes of nid's zonelist with a zone a request up to highest may
 * use (gfp: __GFP_THISNODE keeps it to nid), each once, nearest first,
 * into nodes[]; how many. */
unsigned mmf_zonelist_nodes(const struct mmf_machine *m, unsigned nid, unsigned highest, mmf_gfp_t gfp, uint8_t *nodes);

/* page_alloc.c */
enum mmf_result mmf_alloc_pages(struct mmf_machine *m, mmf_gfp_t gfp,
				unsigned order, unsigned cpu, unsigned nid,
				uint32_t *pfn_out, int *err);
/* n order-0 pages into pfns[], exactly as n calls of mmf_alloc_pages()
 * would take them; returns how many it got (fewer: *err says why). */
uint32_t mmf_alloc_pages_bulk(struct mmf_machine *m, mmf_gfp_t gfp, unsigned cpu, unsigned nid, uint32_t n,
			      uint32_t *pfns, int *err);
enum mmf_result mmf_free_pages(struct mmf_machine *m, uint32_t pfn,
			       unsigned order, unsigned cpu);

/* cma.c */
int mmf_cma_init(struct mmf_machine *m);
void mmf_cma_fini(struct mmf_machine *m);
void mmf_cma_reset(struct mmf_machine *m);
int mmf_cma_is_valid(const struct mmf_machine *m, char *msg, size_t cap);

/* report.c */
int mmf_report_buddyinfo(const struct mmf_machine *m, char *buf, size_t cap);
int mmf_report_zoneinfo(const struct mmf_machine *m, char *buf, size_t cap);
int mmf_report_vmstat(const struct mmf_machine *m, char *buf, size_t cap);
int mmf_report_meminfo(const struct mmf_machine *m, char *buf, size_t cap);

/* valid.c: 0 when valid, else -1 with "tag: detail" in msg. */
/* The full walk: free lists, pcp lists, and the pages touched since reset
 * (exact, see valid.c); the exhaustive one looks at every page. */
int mmf_buddy_is_valid(const struct mmf_machine *m, char *msg, size_t cap);
int mmf_buddy_is_valid_exhaustive(const struct mmf_machine *m, char *msg, size_t cap);
/* Clears the touched-zone mask: each call looks at what changed since. */
int mmf_buddy_cheap_check(struct mmf_machine *m, char *msg, size_t cap);

#endif
