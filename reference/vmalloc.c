/* vmalloc(): virtually contiguous memory from single buddy pages, modelled
 * on Linux 6.6's mm/vmalloc.c (the last layout before per-node vmap pools).
 *
 * Address space. A vmap_area is a page-aligned range [va_start, va_end) of
 * the vmalloc window; every byte of the window is in exactly one of three
 * trees: busy (handed out), lazy (freed, TLB not yet flushed: Linux's purge
 * tree) or free. vmalloc() takes the lowest free range that fits the pages
 * plus one guard page, as find_vmap_lowest_match() does; vfree() frees the
 * pages at once but parks the range in the lazy tree, and only a purge
 * (vmap_lazy_nr above lazy_max_pages, or an allocation that did not fit)
 * merges lazy ranges back into the free tree.
 *
 * Structure. Each tree is an AVL tree of pool nodes keyed by va_start (ties,
 * which only a mutant makes, broken by node index), and every node carries
 * subtree_max_size, the largest range below it, like Linux's augmented
 * rbtree. That gives find_vmap_area() and the lowest-address first fit in
 * O(log n): descend left while the left subtree holds a big enough range.
 * Why not a maple tree: the maple tree replaced the rbtree for VMAs, not
 * for vmalloc, whose allocator is still an augmented rbtree keyed by
 * va_start; a maple tree (16-slot B-tree nodes, gap arrays, RCU node
 * replacement) would be far more code than the algorithm being modelled and
 * would make the model's search differ from the kernel's. AVL rather than
 * red-black: the same bounds and the same augmentation, but its recursive
 * insert and erase fit on a screen and keep the augment update in one
 * place (node_update), which matters more here than rotation counts.
 *
 * Pages. The model keeps what Linux keeps: the kernel page table
 * (kpgtable.c: the ptes of the window, read by vmalloc_to_page) and each area's
 * own page list (vm->pages, here a chain through page_next[] indexed by
 * pfn, in index order), so vfree() frees the pages it allocated even if
 * a bug overwrote the page table. Like Linux, an area of more than
 * PAGE_SIZE / sizeof(struct page *) pages keeps that list in a nested
 * vmalloc area of its own ("vpages" in /proc/vmallocinfo).
 *
 * Fixed pools: one node per page of the window bounds every tiling (each
 * area spans at least a page) and page_next[] has one per pfn. Reset
 * re-initialises the pool; the kernel table's reset clears the ptes.
 *
 * Simplifications, all in this file:
 *   - Pages come one alloc_pages() call at a time; Linux's bulk allocator
 *     checks the watermark once per batch of up to 100 pages, so near the
 *     low watermark Linux can hand out a few pages the model refuses.
 *   - The purge Linux schedules on a workqueue (drain_vmap_work) runs at
 *     the end of the vfree() or vmalloc() that asked for it.
 *   - lazy_max_pages() is fls(nr_cpus) * 8 MiB of pages, Linux's formula
 *     with 32 MiB scaled down, since the window is 128 MiB, not 32 TiB.
 *   - No vmap blocks (vm_map_ram), no huge mappings, no alignment beyond
 *     PAGE_SIZE, so the lowest-match search never needs to backtrack.
 *   - %pS of the caller is the fixed string "mmf_vmalloc+0x0/0x0". */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/textbuf.h"
#include "reference/vmalloc.h"
#include "reference/internal.h"

#define VA_NIL 0xffffffffu
#define VA_MAX_DEPTH 64 /* an AVL tree of 2^32 nodes is < 48 deep */

/* mm/internal.h's GFP_RECLAIM_MASK, as far as the model has the bits. */
#define GFP_RECLAIM_MASK                                                       \
	(__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN |     \
	 __GFP_RETRY_MAYFAIL | __GFP_NORETRY | __GFP_MEMALLOC | __GFP_NOMEMALLOC)

enum va_state { VA_UNUSED, VA_FREE, VA_BUSY, VA_LAZY };

struct vmap_area {
	uint64_t va_start;
	uint64_t va_end;
	uint64_t subtree_max_size; /* largest va_end - va_start in this subtree */
	uint32_t left, right;      /* pool indices; next free node when unused */
	uint32_t nr_pages;         /* busy: pages allocated so far */
	uint32_t first_pfn;        /* busy: head of the page list (vm->pages) */
	uint32_t pages_area;       /* busy: nested area holding vm->pages, or VA_NIL */
	uint8_t height;
	uint8_t state;             /* enum va_state */
};

struct mmf_vmalloc {
	struct vmap_area *pool;
	uint32_t pool_cap;
	uint32_t pool_used;   /* nodes ever taken since reset (bump index) */
	uint32_t pool_free;   /* stack of returned nodes, linked by left */
	uint32_t free_root;   /* free_vmap_area_root */
	uint32_t busy_root;   /* vmap_area_root */
	uint32_t lazy_root;   /* purge_vmap_area_root */
	uint32_t *page_next;  /* per pfn: next page of the same area */
	uint64_t *seen;       /* per pfn bit, for the walker; all clear between walks */
	uint64_t nr_window_pages;
	int64_t vmap_lazy_nr; /* pages in lazy ranges (signed, as atomic_long_t) */
	uint64_t nr_vmalloc_pages;
	uint64_t lazy_max_pages;
	unsigned page_shift;
	int purge_pending;    /* drain_vmap_work scheduled */
	/* vmalloc_to_pfn()'s last pte table: the executor asks for an area's
	 * pages in order. Tables are freed only by reset, which clears it. */
	struct mmf_kpt_cursor look;
};

/* ---- the augmented AVL tree ------------------------------------------- */

static uint64_t va_size(const struct vmap_area *va)
{
	return va->va_end - va->va_start;
}

static unsigned node_height(const struct vmap_area *P, uint32_t n)
{
	return n == VA_NIL ? 0 : P[n].height;
}

static uint64_t node_max(const struct vmap_area *P, uint32_t n)
{
	return n == VA_NIL ? 0 : P[n].subtree_max_size;
}

/* Recomputes height and subtree_max_size from the children. */
static void node_update(struct vmap_area *P, uint32_t n)
{
	unsigned hl = node_height(P, P[n].left), hr = node_height(P, P[n].right);
	uint64_t mx = va_size(&P[n]), ml = node_max(P, P[n].left), mr = node_max(P, P[n].right);
	P[n].height = (uint8_t)(1 + (hl > hr ? hl : hr));
	P[n].subtree_max_size = mx > ml ? (mx > mr ? mx : mr) : (ml > mr ? ml : mr);
}

/* The tree order: va_start, then pool index (equal starts only in a mutant). */
static int node_before(const struct vmap_area *P, uint32_t a, uint32_t b)
{
	return P[a].va_start < P[b].va_start || (P[a].va_start == P[b].va_start && a < b);
}

static uint32_t rotate_right(struct vmap_area *P, uint32_t n)
{
	uint32_t l = P[n].left;
	P[n].left = P[l].right;
	P[l].right = n;
	node_update(P, n);
	node_update(P, l);
	return l;
}

static uint32_t rotate_left(struct vmap_area *P, uint32_t n)
{
	uint32_t r = P[n].right;
	P[n].right = P[r].left;
	P[r].left = n;
	node_update(P, n);
	node_update(P, r);
	return r;
}

static uint32_t rebalance(struct vmap_area *P, uint32_t n)
{
	node_update(P, n);
	int bf = (int)node_height(P, P[n].left) - (int)node_height(P, P[n].right);
	if (bf > 1) {
		uint32_t l = P[n].left;
		if (node_height(P, P[l].left) < node_height(P, P[l].right))
			P[n].left = rotate_left(P, l);
		return rotate_right(P, n);
	}
	if (bf < -1) {
		uint32_t r = P[n].right;
		if (node_height(P, P[r].right) < node_height(P, P[r].left))
			P[n].right = rotate_right(P, r);
		return rotate_left(P, n);
	}
	return n;
}

/* Links detached node n into the tree at root; returns the new root. */
static uint32_t tree_insert(struct vmap_area *P, uint32_t root, uint32_t n)
{
	if (root == VA_NIL) {
		P[n].left = P[n].right = VA_NIL;
		node_update(P, n);
		return n;
	}
	if (node_before(P, n, root))
		P[root].left = tree_insert(P, P[root].left, n);
	else
		P[root].right = tree_insert(P, P[root].right, n);
	return rebalance(P, root);
}

static uint32_t tree_take_min(struct vmap_area *P, uint32_t root, uint32_t *min)
{
	if (P[root].left == VA_NIL) {
		*min = root;
		return P[root].right;
	}
	P[root].left = tree_take_min(P, P[root].left, min);
	return rebalance(P, root);
}

/* Unlinks node n (which must be in the tree); returns the new root. */
static uint32_t tree_erase(struct vmap_area *P, uint32_t root, uint32_t n)
{
	if (root == VA_NIL)
		return VA_NIL;
	if (root == n) {
		uint32_t l = P[n].left, r = P[n].right, min;
		if (r == VA_NIL)
			return l;
		r = tree_take_min(P, r, &min);
		P[min].left = l;
		P[min].right = r;
		return rebalance(P, min);
	}
	if (node_before(P, n, root))
		P[root].left = tree_erase(P, P[root].left, n);
	else
		P[root].right = tree_erase(P, P[root].right, n);
	return rebalance(P, root);
}

/* __find_vmap_area() by start address. */
static uint32_t tree_find(const struct vmap_area *P, uint32_t n, uint64_t start)
{
	while (n != VA_NIL && P[n].va_start != start)
		n = start < P[n].va_start ? P[n].left : P[n].right;
	return n;
}

/* The last node with va_start <= addr, or VA_NIL. */
static uint32_t tree_floor(const struct vmap_area *P, uint32_t n, uint64_t addr)
{
	uint32_t best = VA_NIL;
	while (n != VA_NIL) {
		if (P[n].va_start <= addr) {
			best = n;
			n = P[n].right;
		} else {
			n = P[n].left;
		}
	}
	return best;
}

/* The first node with va_start > addr, or VA_NIL. */
static uint32_t tree_above(const struct vmap_area *P, uint32_t n, uint64_t addr)
{
	uint32_t best = VA_NIL;
	while (n != VA_NIL) {
		if (P[n].va_start > addr) {
			best = n;
			n = P[n].left;
		} else {
			n = P[n].right;
		}
	}
	return best;
}

/* find_vmap_lowest_match(): the lowest-addressed node of at least len.
 * subtree_max_size says whether a subtree holds a fit at all, so the walk
 * goes left whenever it can and never has to come back up. */
static uint32_t find_lowest_match(const struct vmap_area *P, uint32_t n, uint64_t len)
{
	if (node_max(P, n) < len)
		return VA_NIL;
	while (n != VA_NIL) {
		if (node_max(P, P[n].left) >= len)
			n = P[n].left;
		else if (va_size(&P[n]) >= len)
			return n;
		else
			n = P[n].right;
	}
	return VA_NIL;
}

/* In-order iteration with an explicit stack (no recursion, no heap). */
struct va_iter {
	const struct vmap_area *P;
	uint32_t stack[VA_MAX_DEPTH];
	int sp;
};

static void iter_push_left(struct va_iter *it, uint32_t n)
{
	while (n != VA_NIL && it->sp < VA_MAX_DEPTH) {
		it->stack[it->sp++] = n;
		n = it->P[n].left;
	}
}

static void iter_init(struct va_iter *it, const struct vmap_area *P, uint32_t root)
{
	it->P = P;
	it->sp = 0;
	iter_push_left(it, root);
}

static uint32_t iter_next(struct va_iter *it)
{
	if (it->sp == 0)
		return VA_NIL;
	uint32_t n = it->stack[--it->sp];
	iter_push_left(it, it->P[n].right);
	return n;
}

/* ---- pool --------------------------------------------------------------- */

/* A node from the pool, or VA_NIL when the pool is spent (only a mutant
 * that duplicates ranges can get there: areas tile the window). */
static uint32_t va_alloc(struct mmf_vmalloc *v)
{
	uint32_t n;
	if (v->pool_free != VA_NIL) {
		n = v->pool_free;
		v->pool_free = v->pool[n].left;
	} else if (v->pool_used < v->pool_cap) {
		n = v->pool_used++;
	} else {
		return VA_NIL;
	}
	struct vmap_area *va = &v->pool[n];
	memset(va, 0, sizeof(*va));
	va->left = va->right = VA_NIL;
	va->first_pfn = MMF_NIL;
	va->pages_area = VA_NIL;
	return n;
}

static void va_release(struct mmf_vmalloc *v, uint32_t n)
{
	v->pool[n].state = VA_UNUSED;
	v->pool[n].left = v->pool_free;
	v->pool_free = n;
}

/* merge_or_add_vmap_area(): puts detached node n into the tree at *root,
 * joined with a neighbour that ends where it starts or starts where it
 * ends. Neighbours merged away go back to the pool. */
static void merge_or_add(struct mmf_vmalloc *v, uint32_t *root, uint32_t n)
{
	struct vmap_area *P = v->pool;
	uint32_t next = tree_above(P, *root, P[n].va_start);
	uint32_t prev = tree_floor(P, *root, P[n].va_start);
	if (next != VA_NIL && P[next].va_start == P[n].va_end) {
		P[n].va_end = P[next].va_end;
		*root = tree_erase(P, *root, next);
		va_release(v, next);
	}
	if (prev != VA_NIL && P[prev].va_end == P[n].va_start) {
		P[n].va_start = P[prev].va_start;
		*root = tree_erase(P, *root, prev);
		va_release(v, prev);
	}
	*root = tree_insert(P, *root, n);
}

/* ---- lazy freeing and purge ---------------------------------------------- */

/* __purge_vmap_area_lazy(): every lazy range goes back to the free tree. */
static void purge_vmap_area_lazy(struct mmf_machine *m)
{
	struct mmf_vmalloc *v = m->vmalloc;
	struct vmap_area *P = v->pool;
	v->purge_pending = 0;
	while (v->lazy_root != VA_NIL) {
		uint32_t n = v->lazy_root;
		while (P[n].left != VA_NIL)
			n = P[n].left;
		v->lazy_root = tree_erase(P, v->lazy_root, n);
		uint64_t start = P[n].va_start, end = P[n].va_end;
		int64_t nr = (int64_t)((end - start) >> v->page_shift);
		P[n].state = VA_FREE;
		merge_or_add(v, &v->free_root, n);
		if (MUTANT(m, VMALLOC_PURGE_TWICE)) {
			uint32_t d = va_alloc(v);
			if (d == VA_NIL) {
				mmf_machine_corrupt(m, "vmalloc_pool: no node to purge 0x%llx-0x%llx into",
						    (unsigned long long)start, (unsigned long long)end);
			} else {
				P[d].va_start = start;
				P[d].va_end = end;
				P[d].state = VA_FREE;
				merge_or_add(v, &v->free_root, d);
			}
		}
		v->vmap_lazy_nr -= nr;
	}
}

static void run_pending_purge(struct mmf_machine *m)
{
	if (m->vmalloc->purge_pending)
		purge_vmap_area_lazy(m);
}

/* vfree() of a busy area: unmap, park the range in the lazy tree
 * (free_vmap_area_noflush), free the pages in index order, then the
 * nested area holding the page list (kvfree(vm->pages)). */
static void vfree_area(struct mmf_machine *m, uint32_t n, unsigned cpu)
{
	struct mmf_vmalloc *v = m->vmalloc;
	struct vmap_area *P = v->pool;
	uint32_t nr_pages = P[n].nr_pages, pfn = P[n].first_pfn, nested = P[n].pages_area;
	uint64_t start = P[n].va_start;

	v->busy_root = tree_erase(P, v->busy_root, n);
	struct mmf_kpt_cursor c = { 0 };
	for (uint64_t i = 0; i < nr_pages; i++)
		if (!(MUTANT(m, VUNMAP_LEAVES_PTE) && i + 1 == nr_pages))
			mmf_kpt_vunmap(m, &c, start + (i << v->page_shift)); /* vunmap_range_noflush() */

	if (!MUTANT(m, VMALLOC_LAZY_COUNT_LOST))
		v->vmap_lazy_nr += (int64_t)(va_size(&P[n]) >> v->page_shift);
	P[n].state = VA_LAZY;
	P[n].nr_pages = 0;
	P[n].first_pfn = MMF_NIL;
	P[n].pages_area = VA_NIL;
	merge_or_add(v, &v->lazy_root, n);
	if (v->vmap_lazy_nr > (int64_t)v->lazy_max_pages)
		v->purge_pending = 1; /* schedule_work(&drain_vmap_work) */

	for (uint32_t i = 0; i < nr_pages && pfn != MMF_NIL; i++) {
		uint32_t next = v->page_next[pfn];
		if (mmf_free_pages(m, pfn, 0, cpu) != MMF_OK)
			mmf_machine_corrupt(m, "vmalloc_pages: area at 0x%llx holds pfn %u, not an allocated page",
					    (unsigned long long)start, pfn);
		pfn = next;
	}
	v->nr_vmalloc_pages -= nr_pages;
	if (nested != VA_NIL)
		vfree_area(m, nested, cpu);
}

/* ---- allocation ------------------------------------------------------------ */

/* alloc_vmap_area(): the lowest free range of len bytes, after one purge
 * if nothing fits. Returns a busy node, or VA_NIL. */
static uint32_t alloc_vmap_area(struct mmf_machine *m, uint64_t len)
{
	struct mmf_vmalloc *v = m->vmalloc;
	struct vmap_area *P = v->pool;
	uint64_t page = 1ull << v->page_shift;
	/* The mutant's search accepts a block one page short of len. */
	uint64_t need = MUTANT(m, VMALLOC_OVERLAP_AT_END) && len > page ? len - page : len;
	uint32_t f = find_lowest_match(P, v->free_root, need);
	if (f == VA_NIL) {
		purge_vmap_area_lazy(m); /* the "overflow:" path */
		f = find_lowest_match(P, v->free_root, need);
		if (f == VA_NIL)
			return VA_NIL;
	}
	uint64_t start = P[f].va_start;
	uint32_t n;
	if (start + len >= P[f].va_end) { /* FL_FIT_TYPE: the block is used up */
		v->free_root = tree_erase(P, v->free_root, f);
		n = f;
		P[n].nr_pages = 0;
		P[n].first_pfn = MMF_NIL;
		P[n].pages_area = VA_NIL;
	} else { /* LE_FIT_TYPE: the block keeps its upper part */
		n = va_alloc(v);
		if (n == VA_NIL)
			return VA_NIL;
		v->free_root = tree_erase(P, v->free_root, f);
		P[f].va_start = start + len;
		v->free_root = tree_insert(P, v->free_root, f);
	}
	P[n].va_start = start;
	P[n].va_end = start + len;
	P[n].state = VA_BUSY;
	v->busy_root = tree_insert(P, v->busy_root, n);
	return n;
}

/* __vmalloc_node_range() for nr_pages pages: the range, the page list
 * (nested vmalloc when it is bigger than a page), the pages, the mapping.
 * Returns the busy node or VA_NIL with *err set; on failure whatever was
 * taken has been vfree()d, as Linux's "fail:" path does. */
static uint32_t vmalloc_node(struct mmf_machine *m, uint32_t nr_pages, mmf_gfp_t gfp,
			     unsigned cpu, unsigned nid, int *err)
{
	struct mmf_vmalloc *v = m->vmalloc;
	struct vmap_area *P = v->pool;
	uint64_t page = 1ull << v->page_shift;
	uint32_t guard = MUTANT(m, VMALLOC_NO_GUARD_PAGE) ? 0 : 1;
	uint32_t n = alloc_vmap_area(m, ((uint64_t)nr_pages + guard) << v->page_shift);
	if (n == VA_NIL) {
		*err = ENOMEM; /* "vmalloc error: size %lu, vm_struct allocation failed" */
		return VA_NIL;
	}

	uint64_t array_size = (uint64_t)nr_pages * sizeof(void *);
	if (array_size > page) {
		mmf_gfp_t nested_gfp = (gfp & GFP_RECLAIM_MASK) | __GFP_ZERO;
		uint32_t a = vmalloc_node(m, (uint32_t)((array_size + page - 1) >> v->page_shift),
					  nested_gfp, cpu, nid, err);
		if (a == VA_NIL) {
			vfree_area(m, n, cpu); /* free_vm_area() */
			*err = ENOMEM;
			return VA_NIL;
		}
		P[n].pages_area = a;
	}

	mmf_gfp_t page_gfp = gfp | __GFP_NOWARN;
	if (!(gfp & (__GFP_DMA | __GFP_DMA32)))
		page_gfp |= __GFP_HIGHMEM;
	uint32_t tail = MMF_NIL;
	while (P[n].nr_pages < nr_pages) {
		uint32_t pfns[64], want = nr_pages - P[n].nr_pages;
		uint32_t got = mmf_alloc_pages_bulk(m, page_gfp, cpu, nid, want < 64 ? want : 64, pfns, err);
		for (uint32_t i = 0; i < got; i++) {
			v->page_next[pfns[i]] = MMF_NIL;
			if (tail == MMF_NIL)
				P[n].first_pfn = pfns[i];
			else
				v->page_next[tail] = pfns[i];
			tail = pfns[i];
		}
		P[n].nr_pages += got;
		v->nr_vmalloc_pages += got;
		if (got < (want < 64 ? want : 64)) {
			vfree_area(m, n, cpu);
			*err = ENOMEM;
			return VA_NIL;
		}
	}

	/* vmap_pages_range(): the data pages, never the guard page. */
	uint64_t base = (P[n].va_start - MMF_VMALLOC_START) >> v->page_shift;
	if (base + nr_pages > v->nr_window_pages) {
		mmf_machine_corrupt(m, "vmalloc_bounds: area 0x%llx-0x%llx maps pages past the window",
				    (unsigned long long)P[n].va_start, (unsigned long long)P[n].va_end);
		return n;
	}
	uint32_t pfn = P[n].first_pfn;
	struct mmf_kpt_cursor c = { 0 };
	for (uint32_t i = 0; i < nr_pages; i++, pfn = v->page_next[pfn])
		if (mmf_kpt_vmap(m, &c, P[n].va_start + ((uint64_t)i << v->page_shift), pfn)) {
			vfree_area(m, n, cpu); /* "vmalloc error: ... failed to map pages" */
			*err = ENOMEM;
			return VA_NIL;
		}
	return n;
}

/* ---- public entry points -------------------------------------------------- */

static void vmalloc_boot(struct mmf_vmalloc *v)
{
	v->pool_used = 0;
	v->pool_free = VA_NIL;
	v->busy_root = v->lazy_root = VA_NIL;
	v->vmap_lazy_nr = 0;
	v->nr_vmalloc_pages = 0;
	v->purge_pending = 0;
	v->look = (struct mmf_kpt_cursor){ 0 };
	uint32_t n = va_alloc(v);
	v->pool[n].va_start = MMF_VMALLOC_START;
	v->pool[n].va_end = MMF_VMALLOC_END;
	v->pool[n].state = VA_FREE;
	v->free_root = tree_insert(v->pool, VA_NIL, n);
}

int mmf_vmalloc_init(struct mmf_machine *m)
{
	struct mmf_vmalloc *v = calloc(1, sizeof(*v));
	if (!v)
		return -1;
	m->vmalloc = v;
	v->page_shift = m->prof->page_shift;
	v->nr_window_pages = MMF_VMALLOC_SIZE >> v->page_shift;
	v->lazy_max_pages = mmf_fls(m->prof->nr_cpus) * ((8ull << 20) >> v->page_shift);
	v->pool_cap = (uint32_t)v->nr_window_pages + 1;
	v->pool = calloc(v->pool_cap, sizeof(*v->pool));
	v->page_next = malloc((size_t)m->end_pfn * sizeof(*v->page_next));
	v->seen = calloc((m->end_pfn + 63) / 64, sizeof(*v->seen));
	if (!v->pool || !v->page_next || !v->seen) {
		mmf_vmalloc_fini(m);
		return -1;
	}
	vmalloc_boot(v);
	return 0;
}

void mmf_vmalloc_fini(struct mmf_machine *m)
{
	struct mmf_vmalloc *v = m->vmalloc;
	if (!v)
		return;
	free(v->pool);
	free(v->page_next);
	free(v->seen);
	free(v);
	m->vmalloc = NULL;
}

/* Cost: the pages still mapped. Freed and lazy ranges have no PTEs left;
 * the pages themselves come back with mmf_machine_reset's dirty list. */
void mmf_vmalloc_reset(struct mmf_machine *m)
{
	struct mmf_vmalloc *v = m->vmalloc;
	if (!v)
		return;
	vmalloc_boot(v);
}

enum mmf_result mmf_vmalloc(struct mmf_machine *m, uint64_t size, mmf_gfp_t gfp,
			    unsigned cpu, unsigned nid, uint64_t *addr, int *err)
{
	struct mmf_vmalloc *v = m->vmalloc;
	if (m->corrupt[0])
		return MMF_CORRUPT;
	if (!v) {
		*err = ENOSYS;
		return MMF_UNSUPPORTED;
	}
	if (size == 0 || nid >= m->prof->nr_nodes || cpu >= m->prof->nr_cpus) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	/* "vmalloc error: size %lu, exceeds total pages": checked on the
	 * unrounded size, as Linux does, before any address space is taken. */
	if ((size >> v->page_shift) > m->managed_pages) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	uint32_t nr_pages = (uint32_t)((size + (1ull << v->page_shift) - 1) >> v->page_shift);
	uint32_t n = vmalloc_node(m, nr_pages, gfp, cpu, nid, err);
	run_pending_purge(m);
	if (m->corrupt[0])
		return MMF_CORRUPT;
	if (n == VA_NIL)
		return MMF_REFUSED;
	*addr = v->pool[n].va_start;
	return MMF_OK;
}

enum mmf_result mmf_vfree(struct mmf_machine *m, uint64_t addr, unsigned cpu)
{
	struct mmf_vmalloc *v = m->vmalloc;
	if (m->corrupt[0])
		return MMF_CORRUPT;
	if (!v)
		return MMF_UNSUPPORTED;
	if (cpu >= m->prof->nr_cpus)
		return MMF_CORRUPT;
	if (addr == 0)
		return MMF_OK; /* vfree(NULL) does nothing */
	uint32_t n = tree_find(v->pool, v->busy_root, addr);
	if (n == VA_NIL)
		return MMF_CORRUPT; /* Linux: WARN "Trying to vfree() nonexistent vm area" */
	vfree_area(m, n, cpu);
	run_pending_purge(m);
	return m->corrupt[0] ? MMF_CORRUPT : MMF_OK;
}

int mmf_vmalloc_to_pfn(const struct mmf_machine *m, uint64_t addr, uint32_t *pfn)
{
	struct mmf_vmalloc *v = m->vmalloc;
	if (!v || addr < MMF_VMALLOC_START || addr >= MMF_VMALLOC_END)
		return -1;
	uint32_t p = mmf_kpt_lookup_at(m, &v->look, addr & ~((1ull << v->page_shift) - 1));
	if (p == MMF_NIL)
		return -1;
	if (MUTANT(m, VMALLOC_TO_PAGE_OFF_BY_ONE))
		p++;
	*pfn = p;
	return 0;
}

void mmf_vmalloc_purge(struct mmf_machine *m)
{
	if (m->vmalloc && !m->corrupt[0])
		purge_vmap_area_lazy(m);
}

/* ---- reports ----------------------------------------------------------------- */

/* /proc/vmallocinfo as Linux 6.6 prints it (s_show, show_numa_info,
 * show_purge_info): busy areas in address order, the size column counting
 * the guard page, per-node page counts (CONFIG_NUMA=y, as distributions
 * build); then, after the last busy area, the lazily freed ranges. 6.6
 * prints those from s_show of the last busy area, so with no busy area it
 * prints nothing at all; 6.9+ would still list them. */
int mmf_report_vmallocinfo(const struct mmf_machine *m, char *buf, size_t cap)
{
	struct mmf_out o = { buf, cap, 0 };
	const struct mmf_vmalloc *v = m->vmalloc;
	if (v && v->busy_root != VA_NIL) {
		const struct vmap_area *P = v->pool;
		struct va_iter it;
		iter_init(&it, P, v->busy_root);
		for (uint32_t n; (n = iter_next(&it)) != VA_NIL;) {
			const struct vmap_area *va = &P[n];
			mmf_out_put(&o, "0x%016llx-0x%016llx %7ld", (unsigned long long)va->va_start,
			    (unsigned long long)va->va_end, (long)va_size(va));
			mmf_out_put(&o, " %s", "mmf_vmalloc+0x0/0x0");
			if (va->nr_pages)
				mmf_out_put(&o, " pages=%d", (int)va->nr_pages);
			mmf_out_put(&o, " vmalloc");
			if (va->pages_area != VA_NIL)
				mmf_out_put(&o, " vpages");
			unsigned counters[MMF_MAX_NODES] = { 0 };
			uint32_t pfn = va->first_pfn;
			for (uint32_t i = 0; i < va->nr_pages && pfn < m->end_pfn; i++, pfn = v->page_next[pfn])
				counters[page_to_nid(m, pfn_to_page(m, pfn))]++;
			for (unsigned nid = 0; nid < m->prof->nr_nodes; nid++)
				if (counters[nid])
					mmf_out_put(&o, " N%u=%u", nid, counters[nid]);
			mmf_out_put(&o, "\n");
		}
		iter_init(&it, P, v->lazy_root);
		for (uint32_t n; (n = iter_next(&it)) != VA_NIL;)
			mmf_out_put(&o, "0x%016llx-0x%016llx %7ld unpurged vm_area\n",
			    (unsigned long long)P[n].va_start, (unsigned long long)P[n].va_end,
			    (long)va_size(&P[n]));
	}
	return mmf_out_finish(&o);
}

/* meminfo_proc_show(): VmallocTotal is the window, VmallocUsed is
 * vmalloc_nr_pages() in kB, VmallocChunk has been printed as 0 since 4.4. */
void mmf_vmalloc_meminfo(const struct mmf_machine *m, uint64_t *total_kb,
			 uint64_t *used_kb, uint64_t *chunk_kb)
{
	const struct mmf_vmalloc *v = m->vmalloc;
	*total_kb = MMF_VMALLOC_SIZE >> 10;
	*used_kb = v ? v->nr_vmalloc_pages << (v->page_shift - 10) : 0;
	*chunk_kb = 0;
}

void mmf_vmalloc_stats(const struct mmf_machine *m, struct mmf_vmalloc_stats *st)
{
	memset(st, 0, sizeof(*st));
	const struct mmf_vmalloc *v = m->vmalloc;
	if (!v)
		return;
	struct va_iter it;
	iter_init(&it, v->pool, v->busy_root);
	while (iter_next(&it) != VA_NIL)
		st->nr_busy++;
	iter_init(&it, v->pool, v->free_root);
	while (iter_next(&it) != VA_NIL)
		st->nr_free++;
	iter_init(&it, v->pool, v->lazy_root);
	while (iter_next(&it) != VA_NIL)
		st->nr_lazy++;
	st->lazy_nr = v->vmap_lazy_nr;
	st->lazy_max_pages = v->lazy_max_pages;
	st->nr_vmalloc_pages = v->nr_vmalloc_pages;
	st->largest_free = node_max(v->pool, v->free_root);
}

/* ---- the walker ------------------------------------------------------------------ */

static const char *const state_names[] = { "unused", "free", "busy", "lazy" };

/* Shape of one tree: states, AVL balance, heights, augmented sizes, and a
 * node count bounded by the pool (a cycle would exceed it). Order is left
 * to the tiling walk. Returns the height, or -1. */
static int check_tree(const struct mmf_vmalloc *v, uint32_t n, unsigned state, int depth,
		      uint32_t *count, char *msg, size_t cap)
{
	const struct vmap_area *P = v->pool;
	if (n == VA_NIL)
		return 0;
	if (n >= v->pool_used || depth >= VA_MAX_DEPTH || ++*count > v->pool_used)
		return mmf_fail(msg, cap, "vmalloc_tree: %s tree reaches node %u (pool %u), depth %d",
			        state_names[state], n, v->pool_used, depth);
	if (P[n].state != state)
		return mmf_fail(msg, cap, "vmalloc_tree: %s node 0x%llx-0x%llx is in the %s tree",
			        state_names[P[n].state < 4 ? P[n].state : 0],
			        (unsigned long long)P[n].va_start, (unsigned long long)P[n].va_end,
			        state_names[state]);
	int hl = check_tree(v, P[n].left, state, depth + 1, count, msg, cap);
	if (hl < 0)
		return -1;
	int hr = check_tree(v, P[n].right, state, depth + 1, count, msg, cap);
	if (hr < 0)
		return -1;
	if (hl - hr > 1 || hr - hl > 1 || P[n].height != 1 + (hl > hr ? hl : hr))
		return mmf_fail(msg, cap, "vmalloc_tree: %s node 0x%llx unbalanced (%d/%d, height %u)",
			        state_names[state], (unsigned long long)P[n].va_start, hl, hr, P[n].height);
	uint64_t mx = va_size(&P[n]);
	if (node_max(P, P[n].left) > mx)
		mx = node_max(P, P[n].left);
	if (node_max(P, P[n].right) > mx)
		mx = node_max(P, P[n].right);
	if (P[n].subtree_max_size != mx)
		return mmf_fail(msg, cap, "vmalloc_augment: %s node 0x%llx subtree_max_size %llu, subtree holds %llu",
			        state_names[state], (unsigned long long)P[n].va_start,
			        (unsigned long long)P[n].subtree_max_size, (unsigned long long)mx);
	return 1 + (hl > hr ? hl : hr);
}

/* One busy area's pages: nr_pages allocated order-0 frames, each in no
 * other area, each mapped at its index, and the guard page unmapped. */
static int check_busy_pages(const struct mmf_machine *m, const struct vmap_area *va,
			    uint64_t *nr, char *msg, size_t cap)
{
	const struct mmf_vmalloc *v = m->vmalloc;
	uint64_t page = 1ull << v->page_shift;
	if (va_size(va) != ((uint64_t)va->nr_pages + 1) * page)
		return mmf_fail(msg, cap, "vmalloc_guard: area 0x%llx-0x%llx spans %llu pages for %u pages and a guard page",
			        (unsigned long long)va->va_start, (unsigned long long)va->va_end,
			        (unsigned long long)(va_size(va) >> v->page_shift), va->nr_pages);
	uint32_t pfn = va->first_pfn;
	struct mmf_kpt_cursor c = { 0 };
	for (uint32_t i = 0; i < va->nr_pages; i++, pfn = v->page_next[pfn]) {
		if (pfn >= m->end_pfn)
			return mmf_fail(msg, cap, "vmalloc_pages: area 0x%llx page %u is pfn %u, memory ends at %u",
				        (unsigned long long)va->va_start, i, pfn, m->end_pfn);
		const struct mmf_page *p = &m->mem_map[pfn];
		if (!(p->flags & PG_allocated) || p->order != 0 || p->refcount != 1)
			return mmf_fail(msg, cap, "vmalloc_pages: area 0x%llx page %u pfn %u flags %#x order %u refcount %d",
				        (unsigned long long)va->va_start, i, pfn, p->flags, p->order, p->refcount);
		uint64_t bit = 1ull << (pfn & 63);
		if (v->seen[pfn >> 6] & bit)
			return mmf_fail(msg, cap, "vmalloc_pages: pfn %u is in two areas (again at 0x%llx page %u)",
				        pfn, (unsigned long long)va->va_start, i);
		v->seen[pfn >> 6] |= bit;
		++*nr;
		uint32_t mapped = mmf_kpt_lookup_at(m, &c, va->va_start + ((uint64_t)i << v->page_shift));
		if (mapped != pfn)
			return mmf_fail(msg, cap, "vmalloc_pte: 0x%llx maps pfn %u, area's page %u is pfn %u",
				        (unsigned long long)(va->va_start + ((uint64_t)i << v->page_shift)), mapped, i, pfn);
	}
	if (pfn != MMF_NIL)
		return mmf_fail(msg, cap, "vmalloc_pages: area 0x%llx page list runs past its %u pages",
			        (unsigned long long)va->va_start, va->nr_pages);
	return 0;
}

static void clear_seen(const struct mmf_machine *m)
{
	const struct mmf_vmalloc *v = m->vmalloc;
	struct va_iter it;
	iter_init(&it, v->pool, v->busy_root);
	for (uint32_t n; (n = iter_next(&it)) != VA_NIL;) {
		uint32_t pfn = v->pool[n].first_pfn;
		for (uint32_t i = 0; i < v->pool[n].nr_pages && pfn < m->end_pfn; i++, pfn = v->page_next[pfn])
			v->seen[pfn >> 6] &= ~(1ull << (pfn & 63));
	}
}

/* The tiling walk: the three trees merged by address must cover the window
 * exactly, with no two free (or two lazy) ranges touching. */
static int check_tiling(const struct mmf_machine *m, uint64_t *busy_pages, uint64_t *lazy_pages,
			char *msg, size_t cap)
{
	const struct mmf_vmalloc *v = m->vmalloc;
	const struct vmap_area *P = v->pool;
	struct va_iter it[3];
	uint32_t head[3];
	iter_init(&it[0], P, v->free_root);
	iter_init(&it[1], P, v->busy_root);
	iter_init(&it[2], P, v->lazy_root);
	for (int k = 0; k < 3; k++)
		head[k] = iter_next(&it[k]);
	uint64_t cursor = MMF_VMALLOC_START;
	uint32_t prev = VA_NIL;
	for (;;) {
		int k = -1;
		for (int j = 0; j < 3; j++)
			if (head[j] != VA_NIL && (k < 0 || P[head[j]].va_start < P[head[k]].va_start))
				k = j;
		if (k < 0)
			break;
		uint32_t n = head[k];
		const struct vmap_area *va = &P[n];
		head[k] = iter_next(&it[k]);
		const char *what = state_names[va->state < 4 ? va->state : 0];
		if (va->va_end <= va->va_start || va->va_start < MMF_VMALLOC_START || va->va_end > MMF_VMALLOC_END)
			return mmf_fail(msg, cap, "vmalloc_bounds: %s area 0x%llx-0x%llx outside 0x%llx-0x%llx",
				        what, (unsigned long long)va->va_start, (unsigned long long)va->va_end,
				        (unsigned long long)MMF_VMALLOC_START, (unsigned long long)MMF_VMALLOC_END);
		if (va->va_start < cursor)
			return mmf_fail(msg, cap, "vmalloc_overlap: %s area 0x%llx-0x%llx overlaps %s area 0x%llx-0x%llx",
				        what, (unsigned long long)va->va_start, (unsigned long long)va->va_end,
				        state_names[P[prev].state < 4 ? P[prev].state : 0],
				        (unsigned long long)P[prev].va_start, (unsigned long long)P[prev].va_end);
		if (va->va_start > cursor)
			return mmf_fail(msg, cap, "vmalloc_tiling: 0x%llx-0x%llx is in no tree",
				        (unsigned long long)cursor, (unsigned long long)va->va_start);
		if (prev != VA_NIL && P[prev].state == va->state && va->state != VA_BUSY)
			return mmf_fail(msg, cap, "vmalloc_unmerged: %s areas 0x%llx-0x%llx and 0x%llx-0x%llx touch",
				        what, (unsigned long long)P[prev].va_start, (unsigned long long)P[prev].va_end,
				        (unsigned long long)va->va_start, (unsigned long long)va->va_end);
		uint64_t npages = va_size(va) >> v->page_shift;
		if (va->state == VA_BUSY) {
			if (check_busy_pages(m, va, busy_pages, msg, cap))
				return -1;
			if (mmf_kpt_lookup(m, va->va_start + ((uint64_t)va->nr_pages << v->page_shift)) != MMF_NIL)
				return mmf_fail(msg, cap, "vmalloc_pte: guard page of 0x%llx is mapped",
					        (unsigned long long)va->va_start);
			if (va->pages_area != VA_NIL) {
				const struct vmap_area *a = &P[va->pages_area];
				uint64_t want = ((uint64_t)va->nr_pages * sizeof(void *) + (1ull << v->page_shift) - 1) >> v->page_shift;
				if (va->pages_area >= v->pool_used || a->state != VA_BUSY || a->nr_pages != want)
					return mmf_fail(msg, cap, "vmalloc_vpages: area 0x%llx keeps its page list in node %u, state %s, %u pages (want %llu)",
						        (unsigned long long)va->va_start, va->pages_area,
						        va->pages_area < v->pool_used ? state_names[a->state < 4 ? a->state : 0] : "none",
						        va->pages_area < v->pool_used ? a->nr_pages : 0, (unsigned long long)want);
			}
		} else {
			if (va->state == VA_LAZY)
				*lazy_pages += npages;
			uint32_t mapped = MMF_NIL;
			uint64_t end = va->va_start + (npages << v->page_shift),
				 hit = mmf_kpt_first_mapped(m, va->va_start, end, &mapped);
			if (hit < end)
				return mmf_fail(msg, cap, "vmalloc_pte: %s page 0x%llx still maps pfn %u", what,
					        (unsigned long long)hit, mapped);
		}
		cursor = va->va_end;
		prev = n;
	}
	if (cursor != MMF_VMALLOC_END)
		return mmf_fail(msg, cap, "vmalloc_tiling: 0x%llx-0x%llx is in no tree",
			        (unsigned long long)cursor, (unsigned long long)MMF_VMALLOC_END);
	return 0;
}

int mmf_vmalloc_is_valid(const struct mmf_machine *m, char *msg, size_t cap)
{
	const struct mmf_vmalloc *v = m->vmalloc;
	if (!v)
		return 0;
	uint32_t count = 0;
	if (check_tree(v, v->free_root, VA_FREE, 0, &count, msg, cap) < 0 ||
	    check_tree(v, v->busy_root, VA_BUSY, 0, &count, msg, cap) < 0 ||
	    check_tree(v, v->lazy_root, VA_LAZY, 0, &count, msg, cap) < 0)
		return -1;
	uint32_t unused = 0;
	for (uint32_t n = v->pool_free; n != VA_NIL && unused <= v->pool_used; n = v->pool[n].left)
		unused++;
	if (count + unused != v->pool_used)
		return mmf_fail(msg, cap, "vmalloc_pool: %u nodes in trees, %u unused, %u taken", count, unused,
			        v->pool_used);
	uint64_t busy_pages = 0, lazy_pages = 0;
	int r = check_tiling(m, &busy_pages, &lazy_pages, msg, cap);
	clear_seen(m);
	if (r)
		return -1;
	if (busy_pages != v->nr_vmalloc_pages)
		return mmf_fail(msg, cap, "vmalloc_counters: nr_vmalloc_pages %llu, busy areas hold %llu",
			        (unsigned long long)v->nr_vmalloc_pages, (unsigned long long)busy_pages);
	if (v->vmap_lazy_nr != (int64_t)lazy_pages)
		return mmf_fail(msg, cap, "vmalloc_counters: vmap_lazy_nr %lld, lazy areas span %llu pages",
			        (long long)v->vmap_lazy_nr, (unsigned long long)lazy_pages);
	if (v->vmap_lazy_nr > (int64_t)v->lazy_max_pages)
		return mmf_fail(msg, cap, "vmalloc_counters: vmap_lazy_nr %lld above lazy_max_pages %llu, no purge ran",
			        (long long)v->vmap_lazy_nr, (unsigned long long)v->lazy_max_pages);
	return 0;
}
