/* Memory under pressure (include/linux/swap.h's ground): the LRU lists,
 * swap devices and the swap cache, and reclaim.
 *
 *   lru.c         the per-node lruvec lists and which list a page is on
 *   swapfile.c    swap devices (swapon/swapoff, priorities, slot
 *                 allocation, swap_map counts, /proc/swaps)
 *   swap_state.c  the swap cache, writing a page out and reading it in
 *                 (with readahead), anonymous and shmem swap entries
 *   vmscan.c      reclaim: shrink_lruvec() over the lists, kswapd, direct
 *                 reclaim, MADV_COLD/MADV_PAGEOUT, drop_caches,
 *                 memory.reclaim-style proactive reclaim
 *
 * Glossary:
 *   swap entry  swp_entry_t: a device's type (its swap_info index) and a
 *               slot's offset. The model packs them into 32 bits, type in
 *               the top 8 (0 is no entry: offset 0 of every device is its
 *               header, never handed out). In a pte they take x86-64's
 *               layout (as.h's swp_entry_to_pte()).
 *   swap_map    per slot, how many references (ptes and shmem page-cache
 *               entries) it has, plus SWAP_HAS_CACHE while a page of the
 *               swap cache holds its contents.
 *   swap cache  pages standing for a slot's contents (PG_swapcache,
 *               page->swap), one reference each, findable by entry. */
#ifndef MMF_REFERENCE_SWAP_H
#define MMF_REFERENCE_SWAP_H

#include <stddef.h>
#include <stdint.h>

#include "reference/mm.h"

struct mmf_mm;
struct mmf_vma;

#define MMF_MAX_SWAPFILES 4 /* swap_info[] slots, and the devices an op may name */
#define SWAP_HAS_CACHE 0x40
#define SWAP_MAP_MAX 0x3e
#define SWAP_FLAG_PREFER 0x8000
#define SWAP_FLAG_PRIO_MASK 0x7fff
#define SWAP_CLUSTER_MAX 32u
#define DEF_PRIORITY 12
#define MAX_RECLAIM_RETRIES 16

static inline uint32_t swp_entry(unsigned type, uint32_t offset) { return ((uint32_t)type << 24) | offset; }
static inline unsigned swp_type(uint32_t e) { return e >> 24; }
static inline uint32_t swp_offset(uint32_t e) { return e & 0xffffffu; }

/* shmem's page cache holds a pfn or, for a page out in swap, its entry
 * with this bit (xa_mk_value()). */
#define SHMEM_SWAP_BIT 0x80000000u
static inline int shmem_is_swap(uint32_t v) { return v != MMF_NIL && (v & SHMEM_SWAP_BIT); }

/* x86-64's bits in a swap pte beside the entry: _PAGE_SWP_SOFT_DIRTY
 * (_PAGE_RW) and _PAGE_SWP_EXCLUSIVE (_PAGE_PSE). */
#define PTE_SWP_SOFT_DIRTY 0x002ull
#define PTE_SWP_EXCLUSIVE 0x080ull
static inline int pte_is_swap(uint64_t pte) { return pte && !(pte & 0x101ull); /* neither present nor PROT_NONE */ }
uint32_t mmf_pte_to_swp(uint64_t pte);
uint64_t mmf_swp_to_pte(uint32_t entry);

/* ---- lru.c ---- */
enum lru_list mmf_folio_lru_list(const struct mmf_page *p);
/* lruvec_add_folio(): to the head of the list the page's flags name
 * (_tail: to its tail); nothing for a page already on a list. */
void mmf_lru_add(struct mmf_machine *m, uint32_t pfn);
void mmf_lru_add_tail(struct mmf_machine *m, uint32_t pfn);
/* lruvec_del_folio(), for a page on a list; nothing otherwise. */
void mmf_lru_del(struct mmf_machine *m, uint32_t pfn);
/* A page whose flags now name another list moves to that one's head. */
void mmf_lru_update(struct mmf_machine *m, uint32_t pfn);
unsigned long mmf_lru_pages(const struct mmf_machine *m, enum lru_list lru);
const char *mmf_lru_name(enum lru_list lru);
void mmf_lru_reset(struct mmf_machine *m);
int mmf_lru_is_valid(const struct mmf_machine *m, char *msg, size_t cap);

/* ---- swapfile.c ---- */
int mmf_swap_init(struct mmf_machine *m);
void mmf_swap_fini(struct mmf_machine *m);
void mmf_swap_reset(struct mmf_machine *m);
/* swapon(2) of device dev with a header for npages pages (slot 0 the
 * header itself), flags as Linux takes them (SWAP_FLAG_PREFER | prio).
 * Errors as Linux gives them: EBUSY when dev is on already, EINVAL for
 * bad flags, an area of fewer than 2 pages or more than the device holds
 * (the profile's swap_pages), EPERM when every swap_info slot is taken. */
int mmf_swapon(struct mmf_machine *m, unsigned dev, uint64_t npages, unsigned flags, int *err);
/* swapoff(2): EINVAL when dev is not on; ENOMEM (the device stays on) when
 * try_to_unuse() cannot bring every page back. */
int mmf_swapoff(struct mmf_machine *m, unsigned dev, int *err);
/* get_nr_swap_pages() and total_swap_pages. */
uint64_t mmf_nr_swap_pages(const struct mmf_machine *m);
uint64_t mmf_total_swap_pages(const struct mmf_machine *m);
/* vm_swap_full(): more than half of swap in use. */
int mmf_vm_swap_full(const struct mmf_machine *m);
/* folio_alloc_swap()'s slot: the highest-priority device with room
 * (equal priorities take turns), its map entry SWAP_HAS_CACHE; 0 when
 * there is none. */
uint32_t mmf_swap_alloc_slot(struct mmf_machine *m);
/* swap_duplicate(): one more reference; -1 for a bad or free entry. */
int mmf_swap_duplicate(struct mmf_machine *m, uint32_t entry);
/* swap_free(): one reference less; a slot left with nothing is free. */
void mmf_swap_free(struct mmf_machine *m, uint32_t entry);
/* free_swap_and_cache(): swap_free(), and a swap-cache page that was all
 * that kept the slot, mapped nowhere, leaves the cache (and is freed). */
void mmf_free_swap_and_cache(struct mmf_machine *m, uint32_t entry);
/* The count of references (without SWAP_HAS_CACHE), __swap_count(). */
unsigned mmf_swap_count(const struct mmf_machine *m, uint32_t entry);
uint32_t mmf_nr_swapcache(const struct mmf_machine *m);
unsigned mmf_swapin_nr_pages(struct mmf_machine *m, uint32_t offset);
void mmf_swap_readahead_hit(struct mmf_machine *m);
uint32_t mmf_swap_device_end(const struct mmf_machine *m, uint32_t e);
/* Per slot of device type below end, the ptes and shmem entries naming
 * it, added into refs (swap_state.c). */
void mmf_swap_count_refs(const struct mmf_machine *m, unsigned type, uint32_t *refs, uint32_t end);
/* swapoff's halves (swap_state.c): a swap pte of v at addr brought back in
 * and mapped old, as unuse_pte() does; every shmem entry of the device
 * brought back (shmem_unuse()). 0, or -1 out of memory. */
int mmf_unuse_pte(struct mmf_machine *m, struct mmf_mm *mm, const struct mmf_vma *v, uint64_t addr, uint64_t *pte);
int mmf_shmem_unuse(struct mmf_machine *m, unsigned type);
/* shmem.c: the swap entries of device type its objects hold, per slot
 * into refs; shmem_writeout()'s move of page pfn from its object's page
 * cache to the swap cache (0, or -1 without a free slot); the raw entry
 * at pgoff (a pfn, SHMEM_SWAP_BIT | a swap entry, or MMF_NIL). */
void mmf_shmem_swap_refs(const struct mmf_machine *m, unsigned type, uint32_t *refs, uint32_t end);
int mmf_shmem_writeout(struct mmf_machine *m, uint32_t pfn);
uint32_t mmf_shmem_entry(const struct mmf_machine *m, uint32_t id, uint64_t pgoff);
/* fault.c: a page read back from swap mapped by a pte of v at pgoff: its
 * anon rmap (v's anon_vma, or the root's where not exclusive), a mapping
 * and a reference. */
void mmf_anon_map_swapped(struct mmf_machine *m, const struct mmf_vma *v, uint32_t pfn, uint64_t pgoff, int exclusive);
/* mlock_vma_folio() for a pte just installed in v (fault.c). */
void mmf_mlock_vma_folio(struct mmf_machine *m, const struct mmf_vma *v, uint64_t pte);
/* A slot's bytes (a user page), and a write of a page's bytes and token
 * to it (__swap_writepage(): pswpout). */
uint8_t *mmf_swap_bytes(struct mmf_machine *m, uint32_t entry);
void mmf_swap_write_slot(struct mmf_machine *m, uint32_t entry, const uint8_t *bytes, uint64_t token);
/* The slot's written contents, and where the swap cache's page is. */
uint64_t *mmf_swap_data(struct mmf_machine *m, uint32_t entry);
uint32_t mmf_swap_cache_lookup(const struct mmf_machine *m, uint32_t entry);
void mmf_swap_cache_set(struct mmf_machine *m, uint32_t entry, uint32_t pfn, int has_cache);
int mmf_report_swaps(const struct mmf_machine *m, char *buf, size_t cap);
/* swap_map against the references the walker counted (refs per entry
 * from ptes and shmem, in the device's order) and the swap cache. */
int mmf_swap_is_valid(const struct mmf_machine *m, char *msg, size_t cap);

/* ---- swap_state.c ---- */
/* add_to_swap(): a slot for an anonymous page, the page into the swap
 * cache (a reference), dirty; 0, or -1 when no slot is free. */
int mmf_add_to_swap(struct mmf_machine *m, uint32_t pfn);
/* __delete_from_swap_cache() and put_swap_folio(): the page leaves the
 * swap cache and drops its reference (freed if it was the last). */
void mmf_delete_from_swap_cache(struct mmf_machine *m, uint32_t pfn);
/* folio_free_swap(): a swap-cache page whose slot nothing else
 * references leaves the cache, the slot freed. 1 when it did. */
int mmf_folio_free_swap(struct mmf_machine *m, uint32_t pfn);
/* swap_writepage(): the page's contents into zswap, or into its slot
 * (pswpout). 1 when the write is a disk's, still under way (knob
 * swap_async): reclaim keeps the page this pass. */
int mmf_swap_writepage(struct mmf_machine *m, uint32_t pfn);
/* swapin: the swap cache's page for entry, or a new one read from the slot
 * (pswpin) and added to the swap cache and the LRU, with readahead of the
 * slots around it as vm.page-cluster says. MMF_NIL out of memory. *major
 * is set when the slot was read. */
uint32_t mmf_swapin(struct mmf_machine *m, uint32_t entry, int *major);
/* shmem_swapin_folio() for object id's entry at pgoff: the page back in
 * its page cache, dirty, the slot freed. MMF_NIL out of memory. */
uint32_t mmf_shmem_swapin(struct mmf_machine *m, uint32_t id, uint64_t pgoff, uint32_t entry);

/* ---- zswap.c ---- */
int mmf_zswap_init(struct mmf_machine *m);
void mmf_zswap_fini(struct mmf_machine *m);
void mmf_zswap_reset(struct mmf_machine *m);
/* zswap_store(): the swap-cache page pfn kept compressed for its slot; 1,
 * or 0 when zswap is off, full or rejects it (the device then). */
int mmf_zswap_store(struct mmf_machine *m, uint32_t pfn);
/* zswap_load(): the page's bytes for slot entry into pfn, the entry
 * freed; 1, or 0 when zswap holds nothing for it. */
int mmf_zswap_load(struct mmf_machine *m, uint32_t entry, uint32_t pfn);
void mmf_zswap_invalidate(struct mmf_machine *m, uint32_t entry);
int mmf_zswap_holds(const struct mmf_machine *m, uint32_t entry);
uint64_t mmf_zswap_pool_pages(const struct mmf_machine *m);
uint64_t mmf_zswap_stored_pages(const struct mmf_machine *m);
int mmf_report_zswap(const struct mmf_machine *m, char *buf, size_t cap);
int mmf_zswap_is_valid(const struct mmf_machine *m, char *msg, size_t cap);

/* ---- vmscan.c ---- */
/* try_to_free_pages(): direct reclaim for an allocation; pages reclaimed. */
unsigned long mmf_try_to_free_pages(struct mmf_machine *m, mmf_gfp_t gfp, unsigned order, unsigned nid,
				    unsigned highest);
/* wakeup_kswapd(): wakes node nid's kswapd unless its zones are balanced
 * at the high mark (or it has failed MAX_RECLAIM_RETRIES times). */
void mmf_wakeup_kswapd(struct mmf_machine *m, unsigned nid, unsigned order, unsigned highest);
/* Runs every woken kswapd (balance_pgdat() to the high marks): the
 * deterministic point where the model lets kswapd run, after the op that
 * woke it. Pages reclaimed. */
unsigned long mmf_kswapd_run(struct mmf_machine *m);
/* reclaim_pages() for MADV_PAGEOUT: the pages of [start, end) that mm
 * alone maps, reclaimed whatever their references. */
void mmf_reclaim_range(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end);
/* drop_caches (1, 2 or 3; EINVAL otherwise) and memory.reclaim of nr
 * pages (EAGAIN when fewer could be had). */
int mmf_drop_caches(struct mmf_machine *m, unsigned value, int *err);
int mmf_proactive_reclaim(struct mmf_machine *m, unsigned long nr, int *err);
/* shmem.c: clean page-cache pages nothing maps or holds, dropped. */
void mmf_shmem_drop_clean(struct mmf_machine *m);
/* zone_reclaimable_pages() summed over the zones up to highest on nid's
 * zonelist: file pages, and anonymous ones while swap has room. */
unsigned long mmf_zone_reclaimable_pages(const struct mmf_machine *m, const struct mmf_zone *z);

#endif
