/* /proc/PID/smaps (fs/proc/task_mmu.c show_smap), Linux 6.x layout: per
 * VMA its maps line, then "Label:" in 16 columns and the value in 8, in kB.
 *
 * Pages are counted as smaps_pte_entry() counts them: a present (or
 * PROT_NONE) pte with a normal page (the zero page is not one); a page
 * mapped once, or referenced only by this mapping, is private, else
 * shared; Pss divides the page by its mapcount (in 1/4096ths, PSS_SHIFT);
 * dirty is the pte's dirty bit or the page's (a shmem page whose dirty pte
 * went away); Referenced is the pte's accessed bit or the page's
 * referenced bit (PG_referenced); LazyFree counts
 * MADV_FREE'd anonymous pages still clean; Locked is the Pss of a VM_LOCKED
 * VMA. Swap counts the VMA's swap ptes (and, for shmem, the object's
 * pages out in swap where no pte maps them, as smaps_pte_hole() adds
 * shmem_partial_swap_usage()), SwapPss divides each by the slot's count.
 * AnonHugePages counts the VMA's huge PMDs (huge_memory.c); the model has no KSM, shmem or
 * file THP: those lines read 0. PFN mappings and the zero page
 * have no page to count. "sd" in VmFlags only where the profile has
 * CONFIG_MEM_SOFT_DIRTY (this host's kernel has not). */
#include "reference/as.h"
#include "reference/internal.h"
#include "reference/mm.h"
#include "reference/swap.h"
#include "reference/textbuf.h"

#define PSS_SHIFT 12

struct mem_size_stats {
	uint64_t resident, pss, pss_dirty, shared_clean, shared_dirty, private_clean, private_dirty, referenced,
		anonymous, lazyfree, swap, swap_pss;
};

static void account(const struct mmf_machine *m, struct mem_size_stats *mss, uint64_t pte)
{
	uint32_t pfn = (uint32_t)((pte & PTE_PFN_MASK) >> MMF_PAGE_SHIFT);
	const struct mmf_page *p = pfn_to_page(m, pfn);
	uint64_t size = AS_PAGE_SIZE;
	int mapcount = p->mapcount;
	int dirty = (pte & PTE_DIRTY) || (p->flags & PG_dirty);
	if (mapcount < 1)
		mapcount = 1;
	mss->resident += size;
	if ((pte & PTE_ACCESSED) || (p->flags & PG_referenced)) /* smaps_account(): young or referenced */
		mss->referenced += size;
	if (!(p->flags & PG_shmem)) {
		mss->anonymous += size;
		if ((p->flags & PG_lazyfree) && !dirty)
			mss->lazyfree += size;
	}
	uint64_t pss = (size << PSS_SHIFT) / (uint64_t)mapcount;
	mss->pss += pss;
	if (dirty)
		mss->pss_dirty += pss;
	int private = p->refcount == 1 || mapcount < 2;
	if (private)
		*(dirty ? &mss->private_dirty : &mss->private_clean) += size;
	else
		*(dirty ? &mss->shared_dirty : &mss->shared_clean) += size;
}

static const struct {
	uint32_t flag;
	const char *mn;
} mnemonics[] = { /* in bit order, as show_smap_vma_flags() prints them */
	{ VM_READ, "rd" },	   { VM_WRITE, "wr" },	    { VM_EXEC, "ex" },	     { VM_SHARED, "sh" },
	{ VM_MAYREAD, "mr" },	   { VM_MAYWRITE, "mw" },   { VM_MAYEXEC, "me" },    { VM_MAYSHARE, "ms" },
	{ VM_PFNMAP, "pf" },	   { VM_LOCKED, "lo" },	    { VM_IO, "io" },	     { VM_SEQ_READ, "sr" },
	{ VM_RAND_READ, "rr" },	   { VM_DONTCOPY, "dc" },   { VM_DONTEXPAND, "de" }, { VM_LOCKONFAULT, "lf" },
	{ VM_ACCOUNT, "ac" },	   { VM_NORESERVE, "nr" },  { VM_HUGETLB, "ht" },	{ VM_WIPEONFORK, "wf" }, { VM_DONTDUMP, "dd" },
	{ VM_SOFTDIRTY, "sd" },	   { VM_HUGEPAGE, "hg" },   { VM_NOHUGEPAGE, "nh" }, { VM_MERGEABLE, "mg" },
};

static void line(struct mmf_out *o, const char *label, uint64_t bytes)
{
	mmf_out_kb(o, label, (unsigned long long)(bytes >> 10));
}

int mmf_as_report_smaps(const struct mmf_machine *m, unsigned proc, char *buf, size_t cap)
{
	struct mmf_out o = { buf, cap, 0 };
	struct mmf_machine *mw = (struct mmf_machine *)m; /* lookups without allocation do not write */
	struct mmf_mm *mm = mmf_as_mm(mw, proc);
	for (uint32_t i = 0; mm && i < mm->nr; i++) {
		const struct mmf_vma *v = &mm->vma[i];
		struct mem_size_stats mss = { 0 };
		uint64_t shared_hugetlb = 0, private_hugetlb = 0;
		if (v->flags & VM_HUGETLB) /* smaps_hugetlb_range(): no Rss, its own two lines */
			mmf_hugetlb_smaps(m, mm, v, &shared_hugetlb, &private_hugetlb);
		for (uint64_t a = v->start; a < v->end && !(v->flags & VM_HUGETLB); a += AS_PAGE_SIZE) {
			const uint64_t *pte = mm->pgd == MMF_NIL ? NULL : mmf_pte_lookup(mw, mm, a, 0);
			if (pte && pte_has_page(*pte)) {
				account(m, &mss, *pte);
			} else if (pte && pte_is_swap(*pte)) {
				/* smaps_pte_entry(): a swap entry, its share by the slot's count */
				unsigned count = mmf_swap_count(m, mmf_pte_to_swp(*pte));
				mss.swap += AS_PAGE_SIZE;
				mss.swap_pss += count >= 2 ? (AS_PAGE_SIZE << PSS_SHIFT) / count : AS_PAGE_SIZE << PSS_SHIFT;
			} else if (v->shmem && (!pte || !(*pte & PTE_MAPPED)) &&
				   shmem_is_swap(mmf_shmem_entry(m, v->shmem, v->pgoff + ((a - v->start) >> AS_PAGE_SHIFT)))) {
				mss.swap += AS_PAGE_SIZE; /* smaps_pte_hole(): shmem out in swap (no SwapPss) */
			}
		}
		mmf_as_maps_line(&o, m, mm, v);
		line(&o, "Size:", v->end - v->start);
		line(&o, "KernelPageSize:", (v->flags & VM_HUGETLB) ? HUGE_SIZE : AS_PAGE_SIZE);
		line(&o, "MMUPageSize:", (v->flags & VM_HUGETLB) ? HUGE_SIZE : AS_PAGE_SIZE);
		line(&o, "Rss:", mss.resident);
		line(&o, "Pss:", mss.pss >> PSS_SHIFT);
		line(&o, "Pss_Dirty:", mss.pss_dirty >> PSS_SHIFT);
		line(&o, "Shared_Clean:", mss.shared_clean);
		line(&o, "Shared_Dirty:", mss.shared_dirty);
		line(&o, "Private_Clean:", mss.private_clean);
		line(&o, "Private_Dirty:", mss.private_dirty);
		line(&o, "Referenced:", mss.referenced);
		line(&o, "Anonymous:", mss.anonymous);
		line(&o, "KSM:", 0);
		line(&o, "LazyFree:", mss.lazyfree);
		line(&o, "AnonHugePages:", mmf_thp_smaps_anon(mw, mm, v));
		/* the lines the model always prints as 0 kB, formatted once */
		static char zero_lines[2 * 28 + 1];
		if (!zero_lines[0]) {
			static const char *const zero[] = { "ShmemPmdMapped:", "FilePmdMapped:" };
			struct mmf_out z = { zero_lines, sizeof(zero_lines), 0 };
			for (unsigned k = 0; k < sizeof(zero) / sizeof(zero[0]); k++)
				line(&z, zero[k], 0);
			mmf_out_finish(&z);
		}
		mmf_out_put(&o, "%s", zero_lines);
		line(&o, "Shared_Hugetlb:", shared_hugetlb);
		line(&o, "Private_Hugetlb:", private_hugetlb);
		line(&o, "Swap:", mss.swap);
		line(&o, "SwapPss:", mss.swap_pss >> PSS_SHIFT);
		line(&o, "Locked:", (v->flags & VM_LOCKED) ? mss.pss >> PSS_SHIFT : 0); /* pss_locked */
		mmf_out_put(&o, "THPeligible:    %8d\nVmFlags: ", mmf_thp_vma_allowable(m, v, 1, 0));
		for (unsigned k = 0; k < sizeof(mnemonics) / sizeof(mnemonics[0]); k++)
			if ((v->flags & mnemonics[k].flag) && (mnemonics[k].flag != VM_SOFTDIRTY || m->k.soft_dirty) &&
			    (mnemonics[k].flag != VM_LOCKONFAULT || m->k.vmflag_lf))
				mmf_out_put(&o, "%s ", mnemonics[k].mn);
		mmf_out_put(&o, "\n");
	}
	return mmf_out_finish(&o);
}

/* /proc/PID/pagemap, as text: one line "address entry" for each page of a
 * VMA whose 64-bit entry is not 0. Entries as pte_to_pagemap_entry()
 * builds them, with the frame number zeroed as the kernel does for a
 * reader without CAP_SYS_ADMIN (frames are each system's own): bit 63
 * present, 62 swapped, 61 file page or shared anonymous, 56 mapped
 * exactly once, 55 soft-dirty (the pte's, or the whole VMA's while it
 * has VM_SOFTDIRTY; only with CONFIG_MEM_SOFT_DIRTY). */
#define PM_PRESENT (1ull << 63)
#define PM_SWAP (1ull << 62)
#define PM_FILE (1ull << 61)
#define PM_MMAP_EXCLUSIVE (1ull << 56)
#define PM_SOFT_DIRTY (1ull << 55)

int mmf_as_report_pagemap(const struct mmf_machine *m, unsigned proc, char *buf, size_t cap)
{
	struct mmf_out o = { buf, cap, 0 };
	struct mmf_machine *mw = (struct mmf_machine *)m;
	struct mmf_mm *mm = mmf_as_mm(mw, proc);
	int sd = m->k.soft_dirty != 0;
	for (uint32_t i = 0; mm && i < mm->nr; i++) {
		const struct mmf_vma *v = &mm->vma[i];
		uint64_t vma_sd = sd && (v->flags & VM_SOFTDIRTY) ? PM_SOFT_DIRTY : 0;
		if (mm->pgd == MMF_NIL && !vma_sd)
			continue;
		for (uint64_t a = v->start; a < v->end; a += AS_PAGE_SIZE) {
			if (v->flags & VM_HUGETLB) { /* pagemap_hugetlb_range() */
				const uint64_t *leaf = mmf_hugetlb_leaf(m, mm, a);
				uint64_t e = vma_sd;
				if (leaf) {
					const struct mmf_page *p = pfn_to_page(m, pte_pfn(*leaf));
					e |= PM_PRESENT | ((v->flags & VM_MAYSHARE) ? PM_FILE : 0) |
					     (p->mapcount == 1 ? PM_MMAP_EXCLUSIVE : 0);
				}
				if (e)
					mmf_out_put(&o, "%llx %016llx\n", (unsigned long long)a, (unsigned long long)e);
				continue;
			}
			const uint64_t *pte = mm->pgd == MMF_NIL ? NULL : mmf_pte_lookup(mw, mm, a, 0);
			uint64_t e = vma_sd;
			if (pte && pte_is_swap(*pte)) {
				/* the frame bits (type | offset << 5) only for CAP_SYS_ADMIN */
				e |= PM_SWAP | (sd && (*pte & PTE_SWP_SOFT_DIRTY) ? PM_SOFT_DIRTY : 0);
			} /* (a shmem page out in swap shows nothing: pagemap_pte_hole() does not ask) */
			if (pte && (*pte & PTE_MAPPED)) {
				e |= PM_PRESENT | (sd && (*pte & PTE_SOFTDIRTY) ? PM_SOFT_DIRTY : 0);
				if (pte_has_page(*pte)) {
					const struct mmf_page *p = pfn_to_page(m, pte_pfn(*pte));
					if (p->flags & PG_shmem)
						e |= PM_FILE;
					if (p->mapcount == 1)
						e |= PM_MMAP_EXCLUSIVE;
				} else if (pte_is_zero_page(*pte) && mmf_thp_pmd(mw, mm, a)) {
					e |= PM_FILE; /* the huge zero folio is not anonymous (pagemap_pmd_range()) */
				}
			}
			if (e)
				mmf_out_put(&o, "%llx %016llx\n", (unsigned long long)a, (unsigned long long)e);
		}
	}
	return mmf_out_finish(&o);
}

/* rmap_walk() as an observation: the page's mapcount (what
 * /proc/kpagecount shows), then every (process, address) whose pte maps
 * the frame behind proc's page, one "process address" line each, in
 * process then address order, found as Linux finds them: along the
 * anon_vma chains for an anonymous page, through the file's mappings for
 * a page-cache page. "none" when there is no page (nothing, the zero
 * page, a PFN mapping). */
int mmf_as_report_rmap(const struct mmf_machine *m, unsigned proc, uint64_t addr, char *buf, size_t cap)
{
	struct mmf_out o = { buf, cap, 0 };
	struct mmf_machine *mw = (struct mmf_machine *)m;
	struct mmf_mm *mm = mmf_as_mm(mw, proc);
	const struct mmf_vma *v = mm ? mmf_vma_find(mm, addr) : NULL;
	if (v && (v->flags & VM_HUGETLB)) {
		const uint64_t *leaf = mmf_hugetlb_leaf(m, mm, addr);
		if (!leaf) {
			mmf_out_put(&o, "none\n");
			return mmf_out_finish(&o);
		}
		uint32_t head = pte_pfn(*leaf);
		uint64_t off = (addr & ~(AS_PAGE_SIZE - 1)) & (HUGE_SIZE - 1);
		mmf_out_put(&o, "mapcount %d\n", pfn_to_page(m, head)->mapcount);
		for (unsigned p = 0; p < MMF_NPROCS; p++) { /* rmap_walk() of the file or anon folio */
			const struct mmf_proc *pr = &m->as->proc[p];
			for (uint32_t i = 0; pr->live && i < pr->mm.nr; i++) {
				const struct mmf_vma *u = &pr->mm.vma[i];
				for (uint64_t a = u->start; (u->flags & VM_HUGETLB) && a < u->end; a += HUGE_SIZE) {
					const uint64_t *l = mmf_hugetlb_leaf(m, &pr->mm, a);
					if (l && pte_pfn(*l) == head)
						mmf_out_put(&o, "%u %llx\n", p, (unsigned long long)(a + off));
				}
			}
		}
		return mmf_out_finish(&o);
	}
	const uint64_t *pte = mm ? mmf_pte_lookup(mw, mm, addr & ~(AS_PAGE_SIZE - 1), 0) : NULL;
	if (!pte || !pte_has_page(*pte)) {
		mmf_out_put(&o, "none\n");
		return mmf_out_finish(&o);
	}
	mmf_out_put(&o, "mapcount %d\n", pfn_to_page(m, pte_pfn(*pte))->mapcount);
	mmf_rmap_walk(m, pte_pfn(*pte), &o);
	return mmf_out_finish(&o);
}
