/* Page tables: 4 levels (48-bit VA) or 5 (57-bit VA), x86-64's format.
 * With 8 KiB user pages (a profile's as_page_shift 13, sparc64) a table is
 * an 8 KiB order-1 block of 1024 entries, and 4 levels map 53 bits.
 *
 * Tables are pages from the reference buddy (GFP_KERNEL | __GFP_ZERO),
 * their entries (a page's worth of 8-byte words) stored in its own bytes, so they count in every
 * report as they do in Linux: PageTables in meminfo counts all levels but
 * the pgd. An entry holds a frame number and the x86 bits: present, rw,
 * user, accessed, dirty, special (the zero page), soft-dirty.
 *
 * free_pgd_range() follows mm/memory.c: after an unmap, the page-table
 * pages whose whole span lies between the surviving neighbours (floor,
 * ceiling) go back to the buddy; PTE tables under a PMD span wholly inside
 * the range always, upper tables when their span is inside [floor,
 * ceiling); the pgd stays until exit. */
#include <stdio.h>
#include <string.h>

#include "reference/as.h"
#include "reference/internal.h"
#include "reference/mm.h"
#include "reference/swap.h"

unsigned mmf_pt_levels(const struct mmf_machine *m) { return m->prof->pt_levels == 5 ? 5 : 4; }

static uint64_t *table(struct mmf_machine *m, uint32_t pfn) { return (uint64_t *)(m->bytes + ((size_t)pfn << MMF_PAGE_SHIFT)); }

/* Entries per table: a page of 8-byte words (512, or 1024 at 8 KiB). */
static unsigned level_bits(const struct mmf_machine *m) { return AS_PAGE_SHIFT - 3; }
static unsigned entries(const struct mmf_machine *m) { return 1u << level_bits(m); }
/* The span one entry of a level-L table maps (L 0: a pte maps a page). */
static uint64_t span(const struct mmf_machine *m, unsigned level) { return 1ull << (AS_PAGE_SHIFT + level_bits(m) * level); }
static unsigned index_of(const struct mmf_machine *m, uint64_t addr, unsigned level)
{
	return (unsigned)(addr >> (AS_PAGE_SHIFT + level_bits(m) * level)) & (entries(m) - 1);
}

static uint32_t table_alloc(struct mmf_machine *m, struct mmf_mm *mm, int account)
{
	uint32_t pfn;
	int err;
	if (mmf_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, AS_PAGE_ORDER, 0, 0, &pfn, &err) != MMF_OK)
		return MMF_NIL;
	page_w(m, pfn)->flags |= PG_pgtable;
	memset(table(m, pfn), 0, AS_PAGE_SIZE);
	if (account) {
		mm->pgtables_bytes += AS_PAGE_SIZE;
		m->nr_pagetables++;
	}
	return pfn;
}

static void table_free(struct mmf_machine *m, struct mmf_mm *mm, uint32_t pfn, int account)
{
	page_w(m, pfn)->flags &= ~PG_pgtable;
	mmf_free_pages(m, pfn, AS_PAGE_ORDER, 0);
	if (account) {
		mm->pgtables_bytes -= AS_PAGE_SIZE;
		m->nr_pagetables--;
	}
}

int mmf_pgd_alloc(struct mmf_machine *m, struct mmf_mm *mm)
{
	mm->pgd = table_alloc(m, mm, 0);
	return mm->pgd == MMF_NIL ? -1 : 0;
}

/* The entry for addr in the level-`stop` table, making the tables above
 * it on the way when alloc is set; NULL where a table is absent (or no
 * memory for one), or a huge leaf (hugetlb.c) stands above it. */
static uint64_t *walk_to(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr, int alloc, unsigned stop)
{
	uint32_t pfn = mm->pgd;
	if (pfn == MMF_NIL)
		return NULL; /* no tables yet: nothing mapped */
	for (unsigned level = mmf_pt_levels(m) - 1; level > stop; level--) {
		uint64_t *e = &table(m, pfn)[index_of(m, addr, level)];
		if (*e & PTE_PS)
			return NULL;
		if (!(*e & PTE_PRESENT)) {
			if (!alloc)
				return NULL;
			uint32_t t = table_alloc(m, mm, 1);
			if (t == MMF_NIL)
				return NULL;
			e = &table(m, pfn)[index_of(m, addr, level)];
			*e = ((uint64_t)t << MMF_PAGE_SHIFT) | PTE_TABLE;
		}
		pfn = (uint32_t)((*e & PTE_PFN_MASK) >> MMF_PAGE_SHIFT);
	}
	return &table(m, pfn)[index_of(m, addr, stop)];
}

uint64_t *mmf_pte_lookup(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr, int alloc)
{
	return walk_to(m, mm, addr, alloc, 0);
}

uint64_t *mmf_pmd_lookup(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr, int alloc)
{
	uint64_t *pmd = walk_to(m, mm, addr, alloc, 1);
	if (pmd && alloc && (*pmd & PTE_PRESENT) && !(*pmd & PTE_PS)) {
		/* free_pgtables() leaves no pte table where a whole free PMD
		 * span became a hugetlb VMA */
		mmf_machine_corrupt(m, "huge_pmd_table: a pte table is left under the huge mapping at %#llx",
				    (unsigned long long)addr);
		return NULL;
	}
	return pmd;
}

uint64_t *mmf_pmd_entry(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr)
{
	return walk_to(m, mm, addr, 0, 1);
}

uint64_t *mmf_pmd_alloc(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr)
{
	return walk_to(m, mm, addr, 1, 1);
}

void mmf_reclaim_pt(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end)
{
	uint64_t pmd_span = span(m, 1);
	for (uint64_t a = (start + pmd_span - 1) & ~(pmd_span - 1); a + pmd_span <= end && mm->pgd != MMF_NIL;
	     a += pmd_span) {
		uint64_t *pmd = walk_to(m, mm, a, 0, 1);
		if (!pmd || !(*pmd & PTE_PRESENT) || (*pmd & PTE_PS))
			continue;
		const uint64_t *t = table(m, (uint32_t)((*pmd & PTE_PFN_MASK) >> MMF_PAGE_SHIFT));
		unsigned i = 0;
		while (i < entries(m) && !t[i])
			i++;
		if (i == entries(m))
			mmf_pmd_free_table(m, mm, pmd);
	}
}

void mmf_pmd_free_table(struct mmf_machine *m, struct mmf_mm *mm, uint64_t *pmd)
{
	uint32_t child = (uint32_t)((*pmd & PTE_PFN_MASK) >> MMF_PAGE_SHIFT);
	*pmd = 0;
	table_free(m, mm, child, 1);
}

/* Drops one reference on a user page; the last one frees it. */
void mmf_user_page_put(struct mmf_machine *m, uint32_t pfn)
{
	struct mmf_page *p = page_w(m, pfn);
	if (!(p->flags & PG_allocated)) {
		mmf_machine_corrupt(m, "pte_bad_page: a pte maps pfn %u, which is not allocated", pfn);
		return;
	}
	if (p->refcount > 1) {
		p->refcount--;
		return;
	}
	mmf_lru_del(m, pfn);
	p->flags &= ~(PG_anon | PG_shmem | PG_lazyfree | PG_dirty | PG_referenced | PG_active | PG_unevictable | PG_large);
	p->mapping = p->index = 0;
	p->mapcount = 0;
	m->nr_anon--;
	mmf_free_pages(m, pfn, AS_PAGE_ORDER, 0);
}

/* vma_has_recency(): whether a zap of the VMA's young ptes marks their
 * file folios accessed (zap_present_folio_ptes()). */
int mmf_vma_has_recency(const struct mmf_machine *m, const struct mmf_vma *v)
{
	return !(v->flags & VM_SEQ_READ) && !(m->k.zap_rand_norecency && (v->flags & VM_RAND_READ));
}

/* Drops one pte's mapping and reference (page_remove_rmap, then put). */
void mmf_pte_release(struct mmf_machine *m, uint64_t pte)
{
	if (!pte_has_page(pte))
		return;
	uint32_t pfn = pte_pfn(pte);
	struct mmf_page *p = page_w(m, pfn);
	if ((pte & PTE_DIRTY) && (p->flags & PG_shmem))
		p->flags |= PG_dirty; /* zap moves the dirty bit to the page */
	if ((pte & PTE_ACCESSED) && (p->flags & PG_shmem))
		mmf_page_mark_accessed(m, pfn); /* ... and a file page's young bit */
	p->mapcount--;
	mmf_user_page_put(m, pfn);
}

/* Clears the ptes of [start, end) under a level-`level` table, skipping
 * absent entries a whole span at a time. */
static void zap(struct mmf_machine *m, struct mmf_mm *mm, uint32_t pfn, unsigned level, uint64_t start,
		uint64_t end)
{
	uint64_t addr = start;
	while (addr < end) {
		uint64_t next = (addr & ~(span(m, level) - 1)) + span(m, level);
		if (next > end || next == 0)
			next = end;
		uint64_t *e = &table(m, pfn)[index_of(m, addr, level)];
		if (level == 0 && (*e & PTE_MAPPED)) {
			uint64_t pte = *e;
			if (!(MUTANT(m, ZAP_SKIPS_LAST_PTE) && next == end && addr + AS_PAGE_SIZE == end && addr != start)) {
				*e = 0;
				if (pte_has_page(pte) && m->as->nr_lazy)
					mmf_lru_drain(m); /* the gathered pages go through free_pages_and_swap_cache() */
				const struct mmf_vma *v = pte_has_page(pte) ? mmf_vma_find(mm, addr) : NULL;
				if (v && (v->flags & VM_LOCKED))
					mmf_munlock_page(m, pte_pfn(pte)); /* munlock_vma_folio() */
				mmf_pte_release(m, v && !mmf_vma_has_recency(m, v) ? pte & ~(uint64_t)PTE_ACCESSED : pte);
			}
		} else if (level == 0 && pte_is_swap(*e)) {
			uint32_t entry = mmf_pte_to_swp(*e);
			*e = 0; /* zap_nonpresent_ptes() */
			if (!MUTANT(m, ZAP_KEEPS_SWAP_COUNT))
				mmf_free_swap_and_cache(m, entry);
		} else if (level == 1 && (*e & PTE_PS) && (*e & PTE_MAPPED)) {
			if (!(MUTANT(m, HUGETLB_ZAP_SKIPS_PMD) && addr != start))
				mmf_hugetlb_zap_pmd(m, mmf_vma_find(mm, addr), e, addr);
		} else if (level > 0 && (*e & PTE_PRESENT) && !(*e & PTE_PS)) {
			zap(m, mm, (uint32_t)((*e & PTE_PFN_MASK) >> MMF_PAGE_SHIFT), level - 1, addr, next);
		}
		addr = next;
	}
}

void mmf_unmap_range(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end)
{
	if (mm->pgd != MMF_NIL && start < end)
		zap(m, mm, mm->pgd, mmf_pt_levels(m) - 1, start, end);
}

/* free_p*d_range() below a level-`level` table: for each present entry in
 * [addr, end) whose child is a table, the child's own children first, then
 * the child itself when its span is inside [floor, ceiling) (ceiling 0:
 * the top); PTE tables are freed outright (free_pte_range). */
static void free_range(struct mmf_machine *m, struct mmf_mm *mm, uint32_t pfn, unsigned level, uint64_t addr,
		       uint64_t end, uint64_t floor, uint64_t ceiling)
{
	while (addr < end) {
		uint64_t base = addr & ~(span(m, level) - 1), next = base + span(m, level);
		if (next > end || next == 0)
			next = end;
		uint64_t *e = &table(m, pfn)[index_of(m, addr, level)];
		if ((*e & PTE_PRESENT) && !(*e & PTE_PS)) {
			uint32_t child = (uint32_t)((*e & PTE_PFN_MASK) >> MMF_PAGE_SHIFT);
			int inside = level == 1 || (base >= floor && (ceiling == 0 || base + span(m, level) <= ceiling) &&
						    !MUTANT(m, PGTABLE_NEVER_FREED));
			if (level > 1)
				free_range(m, mm, child, level - 1, addr, next, floor, ceiling);
			if (inside && !(level == 1 && MUTANT(m, PGTABLE_NEVER_FREED))) {
				*e = 0;
				table_free(m, mm, child, 1);
			}
		}
		addr = next;
	}
}

void mmf_free_pgd_range(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr, uint64_t end, uint64_t floor,
			uint64_t ceiling)
{
	uint64_t pmd = span(m, 1);
	/* free_pgd_range(): whole PMD spans inside [floor, ceiling) only. */
	addr &= ~(pmd - 1);
	if (addr < floor) {
		addr += pmd;
		if (!addr)
			return;
	}
	if (ceiling) {
		ceiling &= ~(pmd - 1);
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		end -= pmd;
	if (addr > end - 1 || mm->pgd == MMF_NIL)
		return;
	end = (end + pmd - 1) & ~(pmd - 1);
	free_range(m, mm, mm->pgd, mmf_pt_levels(m) - 1, addr, end, floor, ceiling);
}

/* exit: every table, the pgd last. */
static void free_all(struct mmf_machine *m, struct mmf_mm *mm, uint32_t pfn, unsigned level)
{
	for (unsigned i = 0; i < entries(m); i++) {
		uint64_t e = table(m, pfn)[i];
		if (!(e & PTE_PRESENT) || (e & PTE_PS))
			continue;
		uint32_t child = (uint32_t)((e & PTE_PFN_MASK) >> MMF_PAGE_SHIFT);
		if (level > 1)
			free_all(m, mm, child, level - 1);
		table(m, pfn)[i] = 0;
		table_free(m, mm, child, 1);
	}
}

void mmf_pgd_free(struct mmf_machine *m, struct mmf_mm *mm)
{
	if (mm->pgd == MMF_NIL)
		return;
	mmf_unmap_range(m, mm, 0, span(m, mmf_pt_levels(m)));
	free_all(m, mm, mm->pgd, mmf_pt_levels(m) - 1);
	table_free(m, mm, mm->pgd, 0);
	mm->pgd = MMF_NIL;
}

int mmf_pgtable_walk(const struct mmf_machine *m, const struct mmf_mm *mm, uint32_t pfn, unsigned level,
		     uint64_t base, uint32_t *tables, uint32_t *refs, char *msg, size_t cap)
{
	const uint64_t *t = (const uint64_t *)(m->bytes + ((size_t)pfn << MMF_PAGE_SHIFT));
	const struct mmf_page *tp = pfn_to_page(m, pfn);
	if (!(tp->flags & PG_pgtable) || !(tp->flags & PG_allocated)) {
		snprintf(msg, cap, "pgtable_page: table pfn %u is not an allocated page-table page (flags %#x)", pfn,
			 tp->flags);
		return -1;
	}
	for (unsigned i = 0; i < entries(m); i++) {
		uint64_t e = t[i];
		uint64_t child = (e & PTE_PFN_MASK) >> MMF_PAGE_SHIFT, addr = base + i * span(m, level);
		if (level == 1 && (e & PTE_PS) && (e & PTE_MAPPED)) {
			const struct mmf_vma *v = mmf_vma_find((struct mmf_mm *)mm, addr);
			if (!v || !(v->flags & VM_HUGETLB) || v->start > addr || v->end < addr + span(m, 1) ||
			    child >= m->end_pfn || !(pfn_to_page(m, (uint32_t)child)->flags & PG_hugetlb)) {
				snprintf(msg, cap, "huge_pmd: the PMD leaf at %#llx maps pfn %llu, %s", (unsigned long long)addr,
					 (unsigned long long)child,
					 !v || !(v->flags & VM_HUGETLB) ? "outside every hugetlb VMA" : "not a huge page in one");
				return -1;
			}
			refs[child]++;
			continue;
		}
		if (!(e & (level ? PTE_PRESENT : PTE_MAPPED)))
			continue;
		if (level == 1 && (e & PMD_THP) && mmf_thp_pmd_is_valid(m, mm, e, addr, msg, cap))
			return -1;
		if (level > 0) {
			if (child >= m->end_pfn) {
				snprintf(msg, cap, "pgtable_entry: table pfn %u entry %u points at pfn %llu", pfn, i,
					 (unsigned long long)child);
				return -1;
			}
			(*tables)++;
			if (mmf_pgtable_walk(m, mm, (uint32_t)child, level - 1, addr, tables, refs, msg, cap))
				return -1;
			continue;
		}
		if (!mmf_vma_find((struct mmf_mm *)mm, addr)) {
			snprintf(msg, cap, "pte_outside_vma: a pte maps %#llx, which no VMA covers", (unsigned long long)addr);
			return -1;
		}
		const struct mmf_vma *v = mmf_vma_find((struct mmf_mm *)mm, addr);
		if (pte_is_zero_page(e) && ((e & PTE_RW) || v->shmem || (v->flags & VM_PFNMAP))) {
			snprintf(msg, cap, "pte_zero_page: the zero page is mapped %s at %#llx",
				 (e & PTE_RW) ? "writable" : "in a file or PFN mapping", (unsigned long long)addr);
			return -1;
		}
		if (((v->flags & VM_PFNMAP) != 0) != ((e & PTE_SPECIAL) && !pte_is_zero_page(e))) {
			snprintf(msg, cap, "pte_pfnmap: pte at %#llx is%s a PFN-map pte in a%s VM_PFNMAP VMA",
				 (unsigned long long)addr, (e & PTE_SPECIAL) ? "" : " not", (v->flags & VM_PFNMAP) ? "" : " non");
			return -1;
		}
		if ((e & PTE_SPECIAL) && !pte_is_zero_page(e)) {
			uint32_t buf = m->as->pfn_buf;
			if (buf == MMF_NIL || child < buf || child >= buf + ((uint64_t)MMF_PFN_PAGES << AS_PAGE_ORDER) || !(e & PTE_PCD) ||
			    ((v->pgoff + ((addr - v->start) >> AS_PAGE_SHIFT)) << AS_PAGE_ORDER) != child - buf) {
				snprintf(msg, cap, "pte_pfnmap: pte at %#llx maps pfn %llu, not buffer page %llu of the device",
					 (unsigned long long)addr, (unsigned long long)child,
					 (unsigned long long)(v->pgoff + ((addr - v->start) >> AS_PAGE_SHIFT)));
				return -1;
			}
		}
		if (!(e & PTE_SPECIAL)) {
			const struct mmf_page *p = pfn_to_page(m, (uint32_t)child);
			if (child >= m->end_pfn || !(p->flags & PG_allocated) || !(p->flags & PG_anon)) {
				snprintf(msg, cap, "pte_bad_page: pte %u of table pfn %u maps pfn %llu (flags %#x)", i, pfn,
					 (unsigned long long)child, child < m->end_pfn ? p->flags : 0);
				return -1;
			}
			refs[child]++;
			/* a private file page is mapped read-only until copied */
			if ((p->flags & PG_shmem) && !(v->flags & VM_SHARED) && (e & PTE_RW)) {
				snprintf(msg, cap, "pte_cow: a page-cache page is mapped writable in a private mapping at %#llx",
					 (unsigned long long)addr);
				return -1;
			}
		}
	}
	return 0;
}
