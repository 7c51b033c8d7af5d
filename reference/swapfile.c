/* Swap devices (mm/swapfile.c): swapon and swapoff, priorities, the slots
 * of each device and their swap_map counts, /proc/swaps.
 *
 * A device is a swap file the profile's disk holds (knob
 * swap_device_pages, default as many pages as the machine has frames),
 * named by the ops 0..MMF_MAX_SWAPFILES-1; swapon gives it the lowest
 * free swap_info[] index as its type, as alloc_swap_info() does. Slot 0
 * is the header. A priority given with SWAP_FLAG_PREFER is kept; without
 * one a device takes the next of -2, -3, ... (least_priority), and
 * swapoff of such a device moves the lower ones up, as Linux does.
 *
 * Slots are handed out from the highest-priority device with room;
 * devices of equal priority take turns (the plist is requeued after each
 * allocation). Within a device the model allocates next-fit from a
 * cursor (scan_swap_map_slots() on a rotational device: cluster_next),
 * not Linux's per-cpu clusters, which only change which free offset
 * comes next; offsets are shown by nothing that is compared.
 *
 * Writes are synchronous by default (a ramdisk's or zram's completion): a
 * page written out is clean at once and reclaim may free it in the same
 * pass. With the knob swap_async (a swap file on a disk, as host-linux's
 * are) the write is still under way when reclaim looks again: the page is
 * kept, clean and in the swap cache, at its list's tail, and a later pass
 * frees it; the model completes the write at once all the same (nothing
 * shows a page under writeback: the agent waits for its writes to end).
 * A slot's contents are its page's token, kept in data[]. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference/as.h"
#include "reference/internal.h"
#include "reference/mm.h"
#include "reference/swap.h"
#include "reference/textbuf.h"

struct mmf_swap_info {
	uint8_t used;    /* SWP_USED|SWP_WRITEOK: swapped on */
	uint8_t dev;     /* the device the op named */
	int16_t prio;
	uint32_t max;    /* pages the header gives, slot 0 included */
	uint32_t inuse;  /* inuse_pages: slots with a count or SWAP_HAS_CACHE */
	uint32_t next;   /* cluster_next: where the next search starts */
	uint32_t hi;     /* one past the highest slot written since reset */
	uint32_t cap;    /* the arrays' size */
	uint8_t page_shift; /* a slot holds a user page */
	uint8_t *map;    /* swap_map */
	uint32_t *cache; /* the swap cache: pfn per slot, MMF_NIL */
	uint64_t *data;  /* the token of what was written to each slot */
	uint8_t *bytes;  /* ... and its bytes, a page a slot (committed where written) */
};

struct mmf_swap {
	struct mmf_swap_info si[MMF_MAX_SWAPFILES];
	int16_t least_priority;
	uint8_t avail[MMF_MAX_SWAPFILES]; /* swapped-on types, highest priority first */
	unsigned nr_avail;
	int64_t nr_swap_pages; /* free slots; below 0 for a while in swapoff, as in Linux */
	uint64_t total_swap_pages;
	uint32_t nr_swapcache; /* pages in the swap cache (SwapCached) */
	/* swapin_nr_pages()'s state: the last offset read, hits on pages read
	 * ahead since, and the last window */
	uint32_t ra_prev_offset, ra_hits, ra_prev_win;
	int used; /* anything since reset */
};

static struct mmf_swap_info *swap_info_get(const struct mmf_machine *m, uint32_t e)
{
	if (!m->swap || swp_type(e) >= MMF_MAX_SWAPFILES)
		return NULL;
	struct mmf_swap_info *si = &m->swap->si[swp_type(e)];
	return si->used && swp_offset(e) && swp_offset(e) < si->max ? si : NULL;
}

uint32_t mmf_pte_to_swp(uint64_t pte) { return swp_entry(pte_swp_type(pte), (uint32_t)pte_swp_offset(pte)); }
uint64_t mmf_swp_to_pte(uint32_t e) { return swp_entry_to_pte(swp_type(e), swp_offset(e)); }

int mmf_swap_init(struct mmf_machine *m)
{
	m->swap = calloc(1, sizeof(*m->swap));
	if (!m->swap)
		return -1;
	m->swap->least_priority = -1;
	return 0;
}

void mmf_swap_fini(struct mmf_machine *m)
{
	if (!m->swap)
		return;
	for (unsigned t = 0; t < MMF_MAX_SWAPFILES; t++) {
		free(m->swap->si[t].map);
		free(m->swap->si[t].cache);
		free(m->swap->si[t].data);
		free(m->swap->si[t].bytes);
	}
	free(m->swap);
	m->swap = NULL;
}

/* Every device off, every slot clear (the pages the swap cache held went
 * back with the machine's reset). */
void mmf_swap_reset(struct mmf_machine *m)
{
	struct mmf_swap *sw = m->swap;
	if (!sw || !sw->used)
		return;
	for (unsigned t = 0; t < MMF_MAX_SWAPFILES; t++) {
		struct mmf_swap_info *si = &sw->si[t];
		if (si->hi) {
			memset(si->map, 0, si->hi);
			for (uint32_t i = 0; i < si->hi; i++)
				si->cache[i] = MMF_NIL;
		}
		si->used = 0;
		si->inuse = si->hi = si->max = 0;
	}
	sw->least_priority = -1;
	sw->nr_avail = 0;
	sw->nr_swap_pages = sw->total_swap_pages = 0;
	sw->nr_swapcache = 0;
	sw->ra_prev_offset = sw->ra_hits = sw->ra_prev_win = 0;
	sw->used = 0;
}

uint64_t mmf_nr_swap_pages(const struct mmf_machine *m)
{
	return m->swap && m->swap->nr_swap_pages > 0 ? (uint64_t)m->swap->nr_swap_pages : 0;
}
uint64_t mmf_total_swap_pages(const struct mmf_machine *m) { return m->swap ? m->swap->total_swap_pages : 0; }
uint32_t mmf_nr_swapcache(const struct mmf_machine *m) { return m->swap ? m->swap->nr_swapcache : 0; }

/* swapin_nr_pages(): how many slots around offset a swap-in reads, from
 * vm.page-cluster and the hits on what was read ahead before (the
 * kernel's heuristic, "+ 2" and all). */
unsigned mmf_swapin_nr_pages(struct mmf_machine *m, uint32_t offset)
{
	struct mmf_swap *sw = m->swap;
	unsigned max_pages = 1u << m->k.page_cluster, hits = sw->ra_hits, pages = hits + 2;
	if (max_pages <= 1)
		return 1;
	sw->ra_hits = 0;
	if (pages == 2) {
		if (offset != sw->ra_prev_offset + 1 && offset != sw->ra_prev_offset - 1)
			pages = 1;
	} else {
		unsigned roundup = 4;
		while (roundup < pages)
			roundup <<= 1;
		pages = roundup;
	}
	if (pages > max_pages)
		pages = max_pages;
	if (pages < sw->ra_prev_win / 2)
		pages = sw->ra_prev_win / 2;
	sw->ra_prev_win = pages;
	sw->ra_prev_offset = offset;
	return pages;
}

void mmf_swap_readahead_hit(struct mmf_machine *m) { m->swap->ra_hits++; }

/* The slots of entry's device that swap-in may read ahead: [1, max). */
uint32_t mmf_swap_device_end(const struct mmf_machine *m, uint32_t e)
{
	const struct mmf_swap_info *si = swap_info_get(m, e);
	return si ? si->max : 0;
}

int mmf_vm_swap_full(const struct mmf_machine *m)
{
	return m->swap && (uint64_t)mmf_nr_swap_pages(m) * 2 < m->swap->total_swap_pages;
}


/* The avail list in priority order, a device placed after those of its
 * priority (plist_add(), and plist_requeue() after an allocation). */
static void avail_del(struct mmf_swap *sw, unsigned type)
{
	unsigned j = 0;
	for (unsigned i = 0; i < sw->nr_avail; i++)
		if (sw->avail[i] != type)
			sw->avail[j++] = sw->avail[i];
	sw->nr_avail = j;
}

static void avail_add(struct mmf_swap *sw, unsigned type)
{
	unsigned i = 0;
	while (i < sw->nr_avail && sw->si[sw->avail[i]].prio >= sw->si[type].prio)
		i++;
	memmove(&sw->avail[i + 1], &sw->avail[i], sw->nr_avail - i);
	sw->avail[i] = (uint8_t)type;
	sw->nr_avail++;
}

static int grow(struct mmf_swap_info *si, uint32_t max)
{
	if (max <= si->cap)
		return 0;
	uint8_t *map = realloc(si->map, max);
	if (map)
		si->map = map;
	uint32_t *cache = realloc(si->cache, max * sizeof(*cache));
	if (cache)
		si->cache = cache;
	uint64_t *data = realloc(si->data, max * sizeof(*data));
	if (data)
		si->data = data;
	/* a new zeroed buffer (calloc commits nothing until written): what
	 * the old one held is not needed, a larger swapon being a new area */
	uint8_t *bytes = calloc(max, (size_t)1 << si->page_shift);
	if (bytes) {
		free(si->bytes);
		si->bytes = bytes;
	}
	if (!map || !cache || !data || !bytes)
		return -1;
	memset(si->map + si->cap, 0, max - si->cap);
	for (uint32_t i = si->cap; i < max; i++)
		si->cache[i] = MMF_NIL;
	si->cap = max;
	return 0;
}

int mmf_swapon(struct mmf_machine *m, unsigned dev, uint64_t npages, unsigned flags, int *err)
{
	struct mmf_swap *sw = m->swap;
	if (dev >= MMF_MAX_SWAPFILES) {
		*err = ENOENT; /* no such swap file */
		return -1;
	}
	if (flags & ~(SWAP_FLAG_PREFER | SWAP_FLAG_PRIO_MASK)) {
		*err = EINVAL;
		return -1;
	}
	for (unsigned t = 0; t < MMF_MAX_SWAPFILES; t++)
		if (sw->si[t].used && sw->si[t].dev == dev) {
			*err = EBUSY; /* claim_swapfile(): already a swap area */
			return -1;
		}
	unsigned type = 0;
	while (type < MMF_MAX_SWAPFILES && sw->si[type].used)
		type++;
	if (type == MMF_MAX_SWAPFILES) {
		*err = EPERM; /* alloc_swap_info(): MAX_SWAPFILES */
		return -1;
	}
	uint64_t holds = m->k.swap_device_pages ? m->k.swap_device_pages : m->end_pfn;
	/* read_swap_header(): a header claiming more than the file holds is
	 * "Swap area shorter than signature indicates", none but the header
	 * "Empty swap-file" */
	if (npages > holds || npages < 2) {
		*err = EINVAL;
		return -1;
	}
	struct mmf_swap_info *si = &sw->si[type];
	si->page_shift = (uint8_t)AS_PAGE_SHIFT;
	if (grow(si, (uint32_t)npages)) {
		*err = ENOMEM;
		return -1;
	}
	sw->used = 1;
	si->used = 1;
	si->dev = (uint8_t)dev;
	si->max = (uint32_t)npages;
	si->inuse = 0;
	si->next = 1;
	si->prio = (flags & SWAP_FLAG_PREFER) ? (int16_t)(flags & SWAP_FLAG_PRIO_MASK) : --sw->least_priority;
	sw->nr_swap_pages += si->max - 1;
	sw->total_swap_pages += si->max - 1;
	avail_add(sw, type);
	return 0;
}

uint32_t mmf_swap_alloc_slot(struct mmf_machine *m)
{
	struct mmf_swap *sw = m->swap;
	for (unsigned i = 0; sw && i < sw->nr_avail; i++) {
		unsigned type = sw->avail[i];
		struct mmf_swap_info *si = &sw->si[type];
		if (si->inuse >= si->max - 1)
			continue;
		uint32_t off = si->next;
		for (uint32_t n = 0; n < si->max; n++, off++) {
			if (off >= si->max)
				off = 1;
			if (!si->map[off])
				break;
		}
		si->map[off] = SWAP_HAS_CACHE;
		si->inuse++;
		si->next = off + 1;
		if (off + 1 > si->hi)
			si->hi = off + 1;
		sw->nr_swap_pages--;
		/* plist_requeue(): behind the others of its priority */
		avail_del(sw, type);
		avail_add(sw, type);
		return swp_entry(type, off);
	}
	return 0;
}

/* A slot with nothing left on it is free again. */
static void slot_maybe_free(struct mmf_machine *m, struct mmf_swap_info *si, uint32_t off)
{
	if (si->map[off])
		return;
	si->inuse--;
	m->swap->nr_swap_pages++;
	mmf_zswap_invalidate(m, swp_entry((unsigned)(si - m->swap->si), off)); /* zswap_invalidate() */
}

int mmf_swap_duplicate(struct mmf_machine *m, uint32_t e)
{
	struct mmf_swap_info *si = swap_info_get(m, e);
	if (!si || !si->map[swp_offset(e)])
		return -1;
	uint8_t *c = &si->map[swp_offset(e)];
	if ((*c & ~SWAP_HAS_CACHE) >= SWAP_MAP_MAX)
		return -1; /* Linux would chain a continuation page; the model never needs one */
	(*c)++;
	return 0;
}

void mmf_swap_free(struct mmf_machine *m, uint32_t e)
{
	struct mmf_swap_info *si = swap_info_get(m, e);
	uint8_t *c = si ? &si->map[swp_offset(e)] : NULL;
	if (!c || !(*c & ~SWAP_HAS_CACHE)) {
		mmf_machine_corrupt(m, "swap_free: entry %#x (type %u offset %u) has no reference to drop", e, swp_type(e),
				    swp_offset(e));
		return;
	}
	(*c)--;
	slot_maybe_free(m, si, swp_offset(e));
}

unsigned mmf_swap_count(const struct mmf_machine *m, uint32_t e)
{
	const struct mmf_swap_info *si = swap_info_get(m, e);
	return si ? si->map[swp_offset(e)] & ~SWAP_HAS_CACHE : 0;
}

uint64_t *mmf_swap_data(struct mmf_machine *m, uint32_t e)
{
	struct mmf_swap_info *si = swap_info_get(m, e);
	return si ? &si->data[swp_offset(e)] : NULL;
}

uint8_t *mmf_swap_bytes(struct mmf_machine *m, uint32_t e)
{
	struct mmf_swap_info *si = swap_info_get(m, e);
	return si ? si->bytes + ((size_t)swp_offset(e) << si->page_shift) : NULL;
}

void mmf_swap_write_slot(struct mmf_machine *m, uint32_t e, const uint8_t *bytes, uint64_t token)
{
	struct mmf_swap_info *si = swap_info_get(m, e);
	if (!si)
		return;
	memcpy(si->bytes + ((size_t)swp_offset(e) << si->page_shift), bytes, (size_t)1 << si->page_shift);
	si->data[swp_offset(e)] = token;
	m->vm.pswpout++;
}

uint32_t mmf_swap_cache_lookup(const struct mmf_machine *m, uint32_t e)
{
	const struct mmf_swap_info *si = swap_info_get(m, e);
	return si ? si->cache[swp_offset(e)] : MMF_NIL;
}

void mmf_swap_cache_set(struct mmf_machine *m, uint32_t e, uint32_t pfn, int has_cache)
{
	struct mmf_swap_info *si = swap_info_get(m, e);
	if (!si)
		return;
	uint32_t off = swp_offset(e);
	if ((si->cache[off] == MMF_NIL) != (pfn == MMF_NIL))
		m->swap->nr_swapcache += pfn == MMF_NIL ? -1u : 1u;
	si->cache[off] = pfn;
	if (has_cache) {
		si->map[off] |= SWAP_HAS_CACHE;
	} else {
		si->map[off] &= (uint8_t)~SWAP_HAS_CACHE;
		slot_maybe_free(m, si, off);
	}
}

void mmf_free_swap_and_cache(struct mmf_machine *m, uint32_t e)
{
	mmf_swap_free(m, e);
	struct mmf_swap_info *si = swap_info_get(m, e);
	if (!si || si->map[swp_offset(e)] != SWAP_HAS_CACHE)
		return;
	/* __try_to_reclaim_swap(TTRS_UNMAPPED | TTRS_FULL): the cache's page,
	 * mapped nowhere, goes (when swap is full, a mapped one leaves the
	 * cache too) */
	uint32_t pfn = si->cache[swp_offset(e)];
	if (pfn == MMF_NIL)
		return;
	if (!pfn_to_page(m, pfn)->mapcount || mmf_vm_swap_full(m))
		mmf_folio_free_swap(m, pfn);
}

/* try_to_unuse(): every pte and shmem entry of the device brought back in
 * (swap.h's swapin, then mapped old as unuse_pte() does), then the swap
 * cache's pages of the device freed from it. -1 when a page could not be
 * had. */
static int try_to_unuse(struct mmf_machine *m, unsigned type)
{
	struct mmf_swap_info *si = &m->swap->si[type];
	for (unsigned p = 0; p < MMF_NPROCS && si->inuse; p++) {
		struct mmf_mm *mm = mmf_as_mm(m, p);
		for (uint32_t i = 0; mm && mm->pgd != MMF_NIL && i < mm->nr; i++) {
			const struct mmf_vma *v = &mm->vma[i];
			for (uint64_t a = v->start; a < v->end; a += AS_PAGE_SIZE) {
				uint64_t *pte = mmf_pte_lookup(m, mm, a, 0);
				if (!pte || !pte_is_swap(*pte) || pte_swp_type(*pte) != type)
					continue;
				if (mmf_unuse_pte(m, mm, v, a, pte))
					return -1;
			}
		}
	}
	if (si->inuse && mmf_shmem_unuse(m, type))
		return -1;
	for (uint32_t off = 1; off < si->hi && si->inuse; off++)
		if (si->cache[off] != MMF_NIL && !(si->map[off] & ~SWAP_HAS_CACHE))
			mmf_folio_free_swap(m, si->cache[off]);
	return si->inuse ? -1 : 0;
}

int mmf_swapoff(struct mmf_machine *m, unsigned dev, int *err)
{
	struct mmf_swap *sw = m->swap;
	unsigned type = 0;
	while (type < MMF_MAX_SWAPFILES && !(sw->si[type].used && sw->si[type].dev == dev))
		type++;
	if (type == MMF_MAX_SWAPFILES) {
		*err = EINVAL; /* not a swap area that is on */
		return -1;
	}
	struct mmf_swap_info *si = &sw->si[type];
	/* del_from_avail_list(): no new slots from it while it empties */
	avail_del(sw, type);
	sw->nr_swap_pages -= si->max - 1; /* the slots it frees come back one by one */
	sw->total_swap_pages -= si->max - 1;
	m->as->no_oom = 1;
	int failed = try_to_unuse(m, type);
	m->as->no_oom = 0;
	if (failed) {
		/* reinsert_swap_info(): on again, as it was */
		sw->nr_swap_pages += si->max - 1;
		sw->total_swap_pages += si->max - 1;
		avail_add(sw, type);
		*err = ENOMEM;
		return -1;
	}
	if (si->prio < 0) { /* the default priorities below it move up */
		for (unsigned t = 0; t < MMF_MAX_SWAPFILES; t++)
			if (sw->si[t].used && sw->si[t].prio < si->prio)
				sw->si[t].prio++;
		sw->least_priority++;
	}
	si->used = 0;
	si->max = 0;
	si->inuse = 0;
	return 0;
}

/* /proc/swaps (swap_show()): the devices in swap_info[] order. Sizes in
 * kB exclude the header page. */
int mmf_report_swaps(const struct mmf_machine *m, char *buf, size_t cap)
{
	struct mmf_out o = { buf, cap, 0 };
	mmf_out_put(&o, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	const struct mmf_swap *sw = m->swap;
	for (unsigned t = 0; sw && t < MMF_MAX_SWAPFILES; t++) {
		const struct mmf_swap_info *si = &sw->si[t];
		if (!si->used)
			continue;
		char name[32];
		int len = snprintf(name, sizeof(name), "/mmfuzz-swap%u", si->dev);
		unsigned long kb = (unsigned long)(si->max - 1) << (AS_PAGE_SHIFT - 10);
		unsigned long used = (unsigned long)si->inuse << (AS_PAGE_SHIFT - 10);
		mmf_out_put(&o, "%s%*s%s\t%lu\t%s%lu\t%s%d\n", name, len < 40 ? 40 - len : 1, " ", "file\t", kb,
			    kb < 10000000 ? "\t" : "", used, used < 10000000 ? "\t" : "", si->prio);
	}
	return mmf_out_finish(&o);
}

/* refs holds, per slot of every device (at its offset in the device's
 * order, devices one after another), the ptes and shmem entries naming it. */
static int check_device(const struct mmf_machine *m, unsigned type, const uint32_t *refs, char *msg, size_t cap)
{
	const struct mmf_swap_info *si = &m->swap->si[type];
	uint32_t inuse = 0;
	for (uint32_t off = 1; off < si->hi; off++) {
		uint8_t c = si->map[off];
		uint32_t pfn = si->cache[off];
		if (c)
			inuse++;
		if ((c & ~SWAP_HAS_CACHE) != refs[off])
			return mmf_fail(msg, cap, "swap_map: type %u offset %u counts %u references, %u ptes and shmem entries name it",
					type, off, c & ~SWAP_HAS_CACHE, refs[off]);
		if (!!(c & SWAP_HAS_CACHE) != (pfn != MMF_NIL))
			return mmf_fail(msg, cap, "swap_cache: type %u offset %u %s SWAP_HAS_CACHE but the cache %s a page", type,
					off, (c & SWAP_HAS_CACHE) ? "has" : "lacks", pfn != MMF_NIL ? "holds" : "has no");
		if (pfn != MMF_NIL) {
			const struct mmf_page *p = pfn_to_page(m, pfn);
			if (pfn >= m->end_pfn || !(p->flags & PG_allocated) || !(p->flags & PG_swapcache) ||
			    p->swap != swp_entry(type, off))
				return mmf_fail(msg, cap, "swap_cache: type %u offset %u names pfn %u (flags %#x, entry %#x)", type,
						off, pfn, p->flags, p->swap);
		}
	}
	if (inuse != si->inuse)
		return mmf_fail(msg, cap, "swap_inuse: type %u counts %u slots in use, %u are", type, si->inuse, inuse);
	return 0;
}

int mmf_swap_is_valid(const struct mmf_machine *m, char *msg, size_t cap)
{
	const struct mmf_swap *sw = m->swap;
	if (!sw || !sw->used)
		return 0;
	uint64_t total = 0, free_slots = 0;
	for (unsigned t = 0; t < MMF_MAX_SWAPFILES; t++) {
		const struct mmf_swap_info *si = &sw->si[t];
		if (!si->used)
			continue;
		uint32_t *refs = calloc(si->hi ? si->hi : 1, sizeof(uint32_t));
		if (!refs)
			return 0; /* no host memory for the walk: nothing to say */
		mmf_swap_count_refs(m, t, refs, si->hi);
		int r = check_device(m, t, refs, msg, cap);
		free(refs);
		if (r)
			return r;
		total += si->max - 1;
		free_slots += si->max - 1 - si->inuse;
	}
	if (total != sw->total_swap_pages || (int64_t)free_slots != sw->nr_swap_pages)
		return mmf_fail(msg, cap, "swap_counters: SwapTotal %llu SwapFree %lld pages, the devices have %llu and %llu",
				(unsigned long long)sw->total_swap_pages, (long long)sw->nr_swap_pages,
				(unsigned long long)total, (unsigned long long)free_slots);
	for (unsigned i = 0; i < sw->nr_avail; i++)
		if (i && sw->si[sw->avail[i - 1]].prio < sw->si[sw->avail[i]].prio)
			return mmf_fail(msg, cap, "swap_avail: the avail list is out of priority order");
	return 0;
}

/* The ops (ops.def): the device in c->proc, a length in user pages. */
/* What swapon and swapoff answer: the devices on, as /proc/swaps lists
 * them but in device order, and without Used (which pages a real kernel
 * has let go of its swap cache by then depends on its writes' timing). */
static int devices_on(const struct mmf_machine *m, struct mmf_out *o)
{
	const struct mmf_swap *sw = m->swap;
	mmf_out_put(o, "Filename\tType\tSize\tPriority\n");
	for (unsigned dev = 0; sw && dev < MMF_NSWAPDEVS; dev++)
		for (unsigned t = 0; t < MMF_MAX_SWAPFILES; t++) {
			const struct mmf_swap_info *si = &sw->si[t];
			if (si->used && si->dev == dev)
				mmf_out_put(o, "/mmfuzz-swap%u\tfile\t%lu\t%d\n", dev,
					    (unsigned long)(si->max - 1) << (AS_PAGE_SHIFT - 10), si->prio);
		}
	return 0;
}

int mmf_as_swapon(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	if (c->proc >= MMF_NSWAPDEVS) {
		*err = ENOENT; /* no such swap file */
		return -1;
	}
	return mmf_swapon(m, c->proc, c->len >> AS_PAGE_SHIFT, c->flags, err) ? -1 : devices_on(m, o);
}

int mmf_as_swapoff(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	if (c->proc >= MMF_NSWAPDEVS) {
		*err = ENOENT;
		return -1;
	}
	return mmf_swapoff(m, c->proc, err) ? -1 : devices_on(m, o);
}
