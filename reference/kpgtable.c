/* The kernel's own page table (init_mm), x86-64's layout.
 *
 *   linear map   every frame of the machine at PAGE_OFFSET (__va/__pa),
 *                with the largest leaves that fit: 1 GiB (PUD, PS set)
 *                where a whole aligned GiB is memory, 2 MiB (PMD, PS)
 *                likewise, 4 KiB ptes for the rest
 *   vmalloc      the vmalloc area's pages (vmalloc.c maps and unmaps them
 *                here; vmalloc_to_page walks it); the level below the pgd
 *                is allocated at boot (preallocate_vmalloc_pages), PMD and
 *                PTE tables come from the buddy when first needed, count in
 *                PageTables (Linux 6.16+ accounts kernel tables too) and
 *                are never freed
 *   ioremap      a device's MMIO aperture (1 GiB + 2 MiB + 8 KiB at
 *                physical 256 GiB, above memory) mapped uncached at boot
 *                with huge leaves where aligned, as ioremap's huge vmap does
 *   fixmap       MMF_NR_FIXMAP slots counted down from FIXADDR_TOP;
 *                set_fixmap/clear_fixmap, slot 0 (the local APIC's page)
 *                set at boot
 *
 * Tables built at boot come from memblock, not the buddy: the model keeps
 * them in host memory and gives them frame numbers from end_pfn up (memory
 * the buddy never manages). Reset puts the boot tables back as built. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference/as.h"
#include "reference/internal.h"
#include "reference/mm.h"
#include "reference/vmalloc.h"

#define BOOT_MAX 64 /* boot tables: linear map, vmalloc, ioremap and fixmap */

struct mmf_kpt {
	uint32_t pgd;
	uint64_t (*boot)[512];      /* boot table i is frame end_pfn + i */
	uint64_t (*boot_copy)[512]; /* ... as boot built them */
	uint32_t nr_boot;
	uint32_t nr_runtime; /* tables from the buddy (under the vmalloc area) */
	int dirty;
	/* The linear map: its pgd slot and the boot tables below it, which
	 * nothing but a bug writes after boot. The __va/__pa round trips are
	 * walked once (linear_verified) and again only when these tables
	 * differ from what boot built. */
	unsigned lin_slot;
	uint32_t lin_tables[BOOT_MAX];
	uint32_t nr_lin;
	int linear_verified;
};

static uint64_t page_offset(const struct mmf_machine *m)
{
	return mmf_pt_levels(m) == 5 ? MMF_PAGE_OFFSET_L5 : MMF_PAGE_OFFSET_L4;
}

uint64_t mmf_kpt_va(const struct mmf_machine *m, uint64_t pa) { return page_offset(m) + pa; }
uint64_t mmf_kpt_pa(const struct mmf_machine *m, uint64_t va) { return va - page_offset(m); }
uint64_t mmf_fix_to_virt(unsigned idx) { return MMF_FIXADDR_TOP - ((uint64_t)idx << MMF_PAGE_SHIFT); }

static uint64_t span(unsigned level) { return 1ull << (12 + 9 * level); }
static unsigned index_of(uint64_t va, unsigned level) { return (unsigned)(va >> (12 + 9 * level)) & 511; }

static uint64_t *table(const struct mmf_machine *m, uint32_t pfn)
{
	if (pfn >= m->end_pfn)
		return m->kpt->boot[pfn - m->end_pfn];
	return (uint64_t *)(m->bytes + ((size_t)pfn << MMF_PAGE_SHIFT));
}

static uint32_t boot_table(struct mmf_machine *m)
{
	struct mmf_kpt *k = m->kpt;
	if (k->nr_boot >= BOOT_MAX)
		return MMF_NIL;
	memset(k->boot[k->nr_boot], 0, MMF_PAGE_SIZE);
	return m->end_pfn + k->nr_boot++;
}

/* A table from the buddy for the vmalloc area (GFP_PGTABLE_KERNEL). */
static uint32_t runtime_table(struct mmf_machine *m)
{
	uint32_t pfn;
	int err;
	if (mmf_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, 0, 0, 0, &pfn, &err) != MMF_OK)
		return MMF_NIL;
	page_w(m, pfn)->flags |= PG_pgtable;
	memset(m->bytes + ((size_t)pfn << MMF_PAGE_SHIFT), 0, MMF_PAGE_SIZE);
	m->nr_pagetables++;
	m->kpt->nr_runtime++;
	return pfn;
}

/* The entry for va at `level`, making the tables above it (boot or
 * runtime ones); NULL when a huge leaf is in the way or there is no memory. */
static uint64_t *entry(struct mmf_machine *m, uint64_t va, unsigned level, int boot)
{
	uint32_t pfn = m->kpt->pgd;
	for (unsigned l = mmf_pt_levels(m) - 1; l > level; l--) {
		uint64_t *e = &table(m, pfn)[index_of(va, l)];
		if (!(*e & PTE_PRESENT)) {
			uint32_t t = boot ? boot_table(m) : runtime_table(m);
			if (t == MMF_NIL)
				return NULL;
			m->kpt->dirty |= !boot;
			*e = ((uint64_t)t << MMF_PAGE_SHIFT) | PTE_TABLE;
		} else if (*e & PTE_PS) {
			return NULL;
		}
		pfn = pte_pfn(*e);
	}
	return &table(m, pfn)[index_of(va, level)];
}

/* Maps [va, va + size) to pa with the largest leaves that fit (boot only). */
static int map_range(struct mmf_machine *m, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot)
{
	while (size) {
		unsigned level = 0;
		for (unsigned l = 2; l > 0; l--)
			if (!((va | pa) & (span(l) - 1)) && size >= span(l)) {
				level = l;
				break;
			}
		uint64_t *e = entry(m, va, level, 1);
		if (!e)
			return -1;
		*e = pa | prot | (level ? PTE_PS : 0);
		va += span(level);
		pa += span(level);
		size -= span(level);
	}
	return 0;
}

#define KERNEL_PROT (PTE_PRESENT | PTE_RW | PTE_ACCESSED | PTE_DIRTY) /* __PAGE_KERNEL, no user bit */
#define KERNEL_UC (KERNEL_PROT | PTE_PCD)			       /* _PAGE_CACHE_MODE_UC_MINUS */

/* Records the boot tables below the linear map's pgd entry e (at level). */
static void linear_tables(struct mmf_machine *m, uint64_t e, unsigned level)
{
	struct mmf_kpt *k = m->kpt;
	if (!level || !(e & PTE_PRESENT) || (e & PTE_PS) || pte_pfn(e) < m->end_pfn || k->nr_lin >= BOOT_MAX)
		return;
	k->lin_tables[k->nr_lin++] = pte_pfn(e) - m->end_pfn;
	for (unsigned i = 0; i < 512; i++)
		linear_tables(m, table(m, pte_pfn(e))[i], level - 1);
}

/* Whether the linear map's tables are still as boot built them. */
static int linear_as_built(const struct mmf_machine *m)
{
	const struct mmf_kpt *k = m->kpt;
	if (table(m, k->pgd)[k->lin_slot] != k->boot_copy[k->pgd - m->end_pfn][k->lin_slot])
		return 0;
	for (uint32_t i = 0; i < k->nr_lin; i++)
		if (memcmp(k->boot[k->lin_tables[i]], k->boot_copy[k->lin_tables[i]], MMF_PAGE_SIZE))
			return 0;
	return 1;
}

int mmf_kpt_init(struct mmf_machine *m)
{
	struct mmf_kpt *k = calloc(1, sizeof(*k));
	if (!k)
		return -1;
	m->kpt = k;
	k->boot = calloc(BOOT_MAX, sizeof(*k->boot));
	k->boot_copy = calloc(BOOT_MAX, sizeof(*k->boot_copy));
	if (!k->boot || !k->boot_copy)
		return -1;
	k->pgd = boot_table(m);
	if (map_range(m, page_offset(m), 0, (uint64_t)m->end_pfn << MMF_PAGE_SHIFT, KERNEL_PROT) ||
	    map_range(m, MMF_IOREMAP_VA, MMF_IOREMAP_PA, MMF_IOREMAP_SIZE, KERNEL_UC))
		return -1;
	/* preallocate_vmalloc_pages(): the vmalloc area's entries in the pgd
	 * are fixed from boot, so every mm can share them */
	uint64_t top = span(mmf_pt_levels(m) - 1);
	for (uint64_t va = MMF_VMALLOC_START;; va = (va | (top - 1)) + 1) {
		if (!entry(m, va, mmf_pt_levels(m) - 2, 1))
			return -1;
		if (((va | (top - 1)) + 1) - 1 >= MMF_VMALLOC_END - 1)
			break;
	}
	/* the fixmap's pte table is static (level1_fixmap_pgt) */
	if (!entry(m, mmf_fix_to_virt(0), 0, 1))
		return -1;
	mmf_kpt_set_fixmap(m, MMF_FIX_APIC_BASE, 0xfee00000ull);
	memcpy(k->boot_copy, k->boot, (size_t)k->nr_boot * sizeof(*k->boot));
	k->lin_slot = index_of(page_offset(m), mmf_pt_levels(m) - 1);
	linear_tables(m, table(m, k->pgd)[k->lin_slot], mmf_pt_levels(m) - 1);
	return 0;
}

void mmf_kpt_fini(struct mmf_machine *m)
{
	if (!m->kpt)
		return;
	free(m->kpt->boot);
	free(m->kpt->boot_copy);
	free(m->kpt);
	m->kpt = NULL;
}

/* The runtime tables went back with the machine's reset. */
void mmf_kpt_reset(struct mmf_machine *m)
{
	struct mmf_kpt *k = m->kpt;
	if (!k || !k->dirty)
		return;
	memcpy(k->boot, k->boot_copy, (size_t)k->nr_boot * sizeof(*k->boot));
	k->nr_runtime = 0;
	k->dirty = 0;
}

int mmf_kpt_set_fixmap(struct mmf_machine *m, unsigned idx, uint64_t pa)
{
	if (idx >= MMF_NR_FIXMAP)
		return -1;
	uint64_t *e = entry(m, mmf_fix_to_virt(idx), 0, 1);
	if (!e)
		return -1;
	*e = (pa & PTE_PFN_MASK) | KERNEL_UC;
	m->kpt->dirty = 1;
	return 0;
}

void mmf_kpt_clear_fixmap(struct mmf_machine *m, unsigned idx)
{
	uint64_t *e = idx < MMF_NR_FIXMAP ? entry(m, mmf_fix_to_virt(idx), 0, 1) : NULL;
	if (e) {
		*e = 0;
		m->kpt->dirty = 1;
	}
}

int mmf_kpt_translate(const struct mmf_machine *m, uint64_t va, uint64_t *pa, unsigned *level, uint64_t *flags)
{
	if (!m->kpt)
		return -1;
	uint32_t pfn = m->kpt->pgd;
	for (unsigned l = mmf_pt_levels(m) - 1;; l--) {
		uint64_t e = table(m, pfn)[index_of(va, l)];
		if (!(e & PTE_PRESENT))
			return -1;
		if (l == 0 || (e & PTE_PS)) {
			uint64_t mask = span(l) - 1;
			*pa = (e & PTE_PFN_MASK & ~mask) | (va & mask);
			if (level)
				*level = l;
			if (flags)
				*flags = e & ~PTE_PFN_MASK;
			return 0;
		}
		pfn = pte_pfn(e);
	}
}

/* The pte table that maps va, without making one: NULL when a level
 * above has no table or a huge leaf. */
static uint64_t *pte_table(const struct mmf_machine *m, uint64_t va)
{
	uint32_t pfn = m->kpt->pgd;
	for (unsigned l = mmf_pt_levels(m) - 1; l > 0; l--) {
		uint64_t e = table(m, pfn)[index_of(va, l)];
		if (!(e & PTE_PRESENT) || (e & PTE_PS))
			return NULL;
		pfn = pte_pfn(e);
	}
	return table(m, pfn);
}

/* The pte for va through the cursor's table (see as.h); alloc makes the
 * tables above (runtime ones) as vmap does. */
static uint64_t *pte_at(struct mmf_machine *m, struct mmf_kpt_cursor *c, uint64_t va, int alloc)
{
	uint64_t tag = va >> (12 + 9);
	if (!c->ptes || c->tag != tag) {
		uint64_t *e = alloc ? entry(m, va, 0, 0) : NULL;
		c->ptes = !alloc ? pte_table(m, va) : e ? e - index_of(va, 0) : NULL;
		c->tag = tag;
		if (!c->ptes)
			return NULL;
	}
	if (alloc)
		m->kpt->dirty = 1;
	return &c->ptes[index_of(va, 0)];
}

int mmf_kpt_vmap(struct mmf_machine *m, struct mmf_kpt_cursor *c, uint64_t va, uint32_t pfn)
{
	uint64_t *e = pte_at(m, c, va, 1);
	if (!e)
		return -1;
	*e = ((uint64_t)pfn << MMF_PAGE_SHIFT) | KERNEL_PROT;
	return 0;
}

void mmf_kpt_vunmap(struct mmf_machine *m, struct mmf_kpt_cursor *c, uint64_t va)
{
	uint64_t *e = pte_at(m, c, va, 0); /* the tables are there, or nothing is mapped */
	if (e)
		*e = 0;
}

uint32_t mmf_kpt_lookup_at(const struct mmf_machine *m, struct mmf_kpt_cursor *c, uint64_t va)
{
	if (!m->kpt)
		return MMF_NIL;
	const uint64_t *e = pte_at((struct mmf_machine *)m, c, va, 0); /* alloc 0 writes nothing */
	return e && (*e & PTE_PRESENT) ? pte_pfn(*e) : MMF_NIL;
}

uint64_t mmf_kpt_first_mapped(const struct mmf_machine *m, uint64_t start, uint64_t end, uint32_t *pfn)
{
	uint64_t va = start;
	while (m->kpt && va < end) {
		uint32_t t = m->kpt->pgd;
		for (unsigned l = mmf_pt_levels(m) - 1;; l--) {
			if (l == 0) { /* the rest of this pte table, without walking down again */
				const uint64_t *pt = table(m, t);
				for (unsigned i = index_of(va, 0); i < 512 && va < end; i++, va += span(0))
					if (pt[i] & PTE_PRESENT) {
						*pfn = (uint32_t)((pt[i] & PTE_PFN_MASK) >> MMF_PAGE_SHIFT);
						return va;
					}
				if (!va)
					return end; /* past the top of the address space */
				break;
			}
			uint64_t e = table(m, t)[index_of(va, l)];
			if (!(e & PTE_PRESENT) || (e & PTE_PS)) {
				/* nothing mapped by a pte below this entry: past its span */
				uint64_t next = (va | (span(l) - 1)) + 1;
				if (next <= va)
					return end;
				va = next;
				break;
			}
			t = pte_pfn(e);
		}
	}
	return end;
}

uint32_t mmf_kpt_lookup(const struct mmf_machine *m, uint64_t va)
{
	uint64_t pa;
	unsigned level;
	if (mmf_kpt_translate(m, va, &pa, &level, NULL) || level)
		return MMF_NIL;
	return (uint32_t)(pa >> MMF_PAGE_SHIFT);
}

/* Counts the runtime tables below a table and checks that none of them
 * is anything but an allocated page-table page. */
static int count_runtime(const struct mmf_machine *m, uint32_t pfn, unsigned level, uint32_t *n, char *msg,
			 size_t cap)
{
	const uint64_t *t = table(m, pfn);
	for (unsigned i = 0; i < 512 && level > 0; i++) {
		if (!(t[i] & PTE_PRESENT) || (t[i] & PTE_PS))
			continue;
		uint32_t child = pte_pfn(t[i]);
		if (child < m->end_pfn) {
			const struct mmf_page *p = pfn_to_page(m, child);
			if (!(p->flags & PG_allocated) || !(p->flags & PG_pgtable)) {
				snprintf(msg, cap, "pgtable_kernel: kernel table entry points at pfn %u, not a page-table page",
					 child);
				return -1;
			}
			++*n;
		} else if (child - m->end_pfn >= m->kpt->nr_boot) {
			snprintf(msg, cap, "pgtable_kernel: kernel table entry points at pfn %u, beyond the boot tables",
				 child);
			return -1;
		}
		if (count_runtime(m, child, level - 1, n, msg, cap))
			return -1;
	}
	return 0;
}

int mmf_kpt_is_valid(const struct mmf_machine *m, uint32_t *runtime_tables, char *msg, size_t cap)
{
	*runtime_tables = 0;
	if (!m->kpt)
		return 0;
	if (count_runtime(m, m->kpt->pgd, mmf_pt_levels(m) - 1, runtime_tables, msg, cap))
		return -1;
	if (*runtime_tables != m->kpt->nr_runtime) {
		snprintf(msg, cap, "pgtable_kernel: %u tables under the vmalloc area, %u allocated", *runtime_tables,
			 m->kpt->nr_runtime);
		return -1;
	}
	/* __va and __pa round trips through the linear map, at every leaf
	 * size's boundaries and a spread of frames: once, and again whenever
	 * its tables are not what boot built (a bug wrote there) */
	int as_built = m->kpt->linear_verified && linear_as_built(m);
	if (as_built && !m->walk_full)
		return 0;
	uint64_t end = (uint64_t)m->end_pfn << MMF_PAGE_SHIFT;
	for (uint64_t pa = 0; pa < end; pa += pa < (64ull << MMF_PAGE_SHIFT) ? MMF_PAGE_SIZE : MMF_PAGE_SIZE * 61) {
		uint64_t got;
		if (mmf_kpt_translate(m, mmf_kpt_va(m, pa), &got, NULL, NULL) || got != pa) {
			snprintf(msg, cap, "pgtable_linear: __va(%#llx) does not translate back", (unsigned long long)pa);
			return -1;
		}
	}
	((struct mmf_kpt *)m->kpt)->linear_verified |= linear_as_built(m);
	return 0;
}
