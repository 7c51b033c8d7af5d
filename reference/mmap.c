/* mmap and munmap (mm/mmap.c): where a mapping goes (MAP_FIXED, a free
 * hint, or the top-down search), what it replaces, the VMA it becomes
 * (merged where it can be), what it is charged, and what it faults in. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/textbuf.h"
#include "reference/internal.h"
#include "reference/vma.h"

enum map_kind { MAP_ANON, MAP_FILE, MAP_PFN };

static int map_new_range(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end, uint32_t flags,
			 uint64_t pgoff, uint32_t shmem)
{
	return mmf_vma_map_range(m, mm, start, end, flags, pgoff, shmem, 0, 0);
}


/* get_unmapped_area() as do_mmap() asks it: MAP_FIXED takes addr
 * (MAP_FIXED_NOREPLACE only where nothing is), a hint is taken where it is
 * free, else the top-down search. 0, or the errno. */
static int place(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr, uint64_t len, unsigned flags,
		 uint64_t *where)
{
	if (flags & MMF_MAP_FIXED) {
		*where = addr;
		if ((flags & MMF_MAP_FIXED_NOREPLACE) && !mmf_vma_range_free(mm, addr, addr + len) &&
		    !MUTANT(m, MMAP_NOREPLACE_REPLACES))
			return EEXIST;
		return 0;
	}
	if ((flags & MMF_MAP_HINT) && addr && mmf_vma_range_free(mm, addr, addr + len)) {
		*where = addr;
		return 0;
	}
	*where = mmf_vma_topdown(mm, len);
	return *where ? 0 : ENOMEM;
}

/* remap_pfn_range(): the device's buffer from page pgoff mapped whole,
 * uncached, with no struct page references (special ptes). 0, or -1 when
 * there is no memory for a table. */
static int remap_pfn_range(struct mmf_machine *m, struct mmf_mm *mm, uint64_t where, uint64_t len, uint64_t pgoff,
			   uint32_t vmf)
{
	if (mm->pgd == MMF_NIL && mmf_pgd_alloc(m, mm))
		return -1;
	for (uint64_t i = 0; i < len >> AS_PAGE_SHIFT; i++) {
		uint64_t *pte = mmf_pte_lookup(m, mm, where + (i << AS_PAGE_SHIFT), 1);
		if (!pte)
			return -1;
		*pte = ((uint64_t)(m->as->pfn_buf + ((pgoff + i) << AS_PAGE_ORDER)) << MMF_PAGE_SHIFT) | PTE_PRESENT | PTE_USER |
		       PTE_ACCESSED | PTE_SPECIAL | PTE_PCD | ((vmf & VM_WRITE) ? PTE_RW : 0);
	}
	return 0;
}

/* do_mmap() and mmap_region(): the address (FIXED, a free hint, or top
 * down), the old mappings there unmapped, then the new VMA, merged where
 * it can be; MAP_POPULATE faults it in. */
static int do_mmap(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
		   enum map_kind kind, uint32_t shmem, uint64_t pgoff, uint64_t *out, int *err)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	*out = 0;
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	if (!len || (addr & (AS_PAGE_SIZE - 1))) {
		*err = EINVAL;
		return -1;
	}
	len = (len + AS_PAGE_SIZE - 1) & ~(AS_PAGE_SIZE - 1);
	if (kind == MAP_PFN && (!(flags & MMF_MAP_SHARED) || pgoff + (len >> AS_PAGE_SHIFT) > MMF_PFN_PAGES)) {
		*err = EINVAL; /* the driver's ->mmap refuses */
		return -1;
	}
	if (flags & MMF_MAP_FIXED_NOREPLACE)
		flags |= MMF_MAP_FIXED;
	uint32_t vmf = mmf_prot_to_flags(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | mm->def_flags;
	if (flags & MMF_MAP_SHARED)
		vmf |= VM_SHARED | VM_MAYSHARE;
	if (flags & MMF_MAP_NORESERVE)
		vmf |= VM_NORESERVE;
	if (kind == MAP_PFN)
		vmf |= VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP; /* remap_pfn_range() */
	m->as->used = 1;
	if (kind == MAP_PFN && m->as->pfn_buf == MMF_NIL) { /* the device's buffer, at its first mmap */
		uint32_t pfn;
		int e;
		if (mmf_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, 6 + AS_PAGE_ORDER, 0, 0, &pfn, &e) != MMF_OK) {
			*err = ENOMEM;
			return -1;
		}
		m->as->pfn_buf = pfn;
	}
	uint64_t where;
	if ((*err = place(m, mm, addr, len, flags, &where)))
		return -1;
	if (!mmf_mlock_future_ok(m, mm, vmf, len)) {
		*err = EAGAIN; /* MCL_FUTURE past RLIMIT_MEMLOCK */
		return -1;
	}
	int r = mmf_vma_unmap_region(m, mm, where, where + len);
	if (r) {
		*err = r == -EINVAL ? EINVAL : ENOMEM; /* EINVAL: a hugetlb VMA split off its huge pages */
		return -1;
	}
	/* accountable_mapping(): private writable memory is charged. */
	if ((vmf & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE) {
		vmf |= VM_ACCOUNT;
		mm->committed += len >> AS_PAGE_SHIFT;
	}
	if (kind == MAP_ANON) {
		pgoff = where >> AS_PAGE_SHIFT;
		if (vmf & VM_SHARED) { /* shmem_zero_setup(): a file of its own */
			shmem = mmf_shmem_create(m, len >> AS_PAGE_SHIFT, -1);
			pgoff = 0;
		}
	}
	if (map_new_range(m, mm, where, where + len, vmf, pgoff, shmem)) {
		*err = ENOMEM;
		return -1;
	}
	/* mmap_region() marks the new (or grown) VMA soft-dirty; a locked
	 * one counts, unless it is a special one, which may not be locked */
	mmf_vma_find(mm, where)->flags |= VM_SOFTDIRTY;
	mmf_vm_stat_account(mm, vmf, (int64_t)(len >> AS_PAGE_SHIFT));
	if ((vmf & VM_LOCKED) && (vmf & VM_SPECIAL))
		mmf_vma_find(mm, where)->flags &= ~(VM_LOCKED | VM_LOCKONFAULT);
	else if (vmf & VM_LOCKED)
		mm->locked_vm += len >> AS_PAGE_SHIFT;
	*out = where;
	if (kind == MAP_PFN) {
		if (remap_pfn_range(m, mm, where, len, pgoff, vmf)) {
			*err = ENOMEM;
			return -1;
		}
	} else if ((vmf & (VM_LOCKED | VM_LOCKONFAULT)) == VM_LOCKED || (flags & MMF_MAP_POPULATE)) {
		mmf_mm_populate(m, proc, where, len, 1);
	}
	return 0;
}

int mmf_as_mmap(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
		uint64_t *out, int *err)
{
	return do_mmap(m, proc, addr, len, prot, flags, MAP_ANON, 0, 0, out, err);
}

int mmf_as_mmap_file(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
		     unsigned file, uint64_t pgoff, uint64_t *out, int *err)
{
	*out = 0;
	if (file >= MMF_NFILES) {
		*err = EBADF;
		return -1;
	}
	if (!mmf_as_mm(m, proc)) {
		*err = ESRCH;
		return -1;
	}
	uint32_t id = mmf_file_object(m, file);
	if (!id) {
		*err = ENOMEM;
		return -1;
	}
	return do_mmap(m, proc, addr, len, prot, flags, MAP_FILE, id, pgoff, out, err);
}

int mmf_as_mmap_pfn(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
		    uint64_t pgoff, uint64_t *out, int *err)
{
	return do_mmap(m, proc, addr, len, prot, flags, MAP_PFN, 0, pgoff, out, err);
}

int mmf_as_munmap(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, int *err)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	len = (len + AS_PAGE_SIZE - 1) & ~(AS_PAGE_SIZE - 1);
	if ((addr & (AS_PAGE_SIZE - 1)) || !len) {
		*err = EINVAL;
		return -1;
	}
	m->as->used = 1;
	int r = mmf_vma_unmap_region(m, mm, addr, addr + len);
	if (r) {
		*err = r == -EINVAL ? EINVAL : ENOMEM;
		return -1;
	}
	return 0;
}
