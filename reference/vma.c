/* VMAs: mmap, munmap and mprotect as Linux 6.x does them (mm/mmap.c,
 * mm/vma.c, mm/mprotect.c), /proc/PID/maps, and the VMA walker.
 *
 * A process's VMAs sit in an array sorted by address (binary search to
 * find, memmove to insert): Linux keeps them in a maple tree; for the few
 * hundred VMAs a sequence makes, a sorted array is the same ordered map
 * with less code, and walking it in order is what every operation does.
 *
 * Placement: MAP_FIXED takes the address (unmapping what was there first);
 * MAP_FIXED_NOREPLACE refuses with EEXIST when anything is there; a hint is
 * taken when the range is free; otherwise the top-down search gives the
 * highest gap below mmap_base that fits (the window is the address space:
 * where Linux would fall back to a bottom-up search, the model says ENOMEM).
 *
 * Merging: a new or changed range joins a neighbour that ends (or starts)
 * exactly at it when their flags agree (but for VM_SOFTDIRTY), they map the
 * same object (no shmem object, or the same one) with contiguous offsets,
 * and their anon_vmas are compatible as Linux 6.16+ judges it
 * (is_mergeable_anon_vma): equal; or one side has none and the side that
 * has one was not cloned from a parent by fork (a single anon_vma_chain
 * entry). Both neighbours at once when, in addition, prev and next do not
 * have two different anon_vmas. Otherwise the VMA splits. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/textbuf.h"
#include "reference/internal.h"

#define PAGES(v) (((v)->end - (v)->start) >> AS_PAGE_SHIFT)

/* The process an mm belongs to. */
static unsigned mm_proc(const struct mmf_machine *m, const struct mmf_mm *mm)
{
	return (unsigned)((const struct mmf_proc *)((const char *)mm - offsetof(struct mmf_proc, mm)) - m->as->proc);
}

struct mmf_mm *mmf_as_mm(struct mmf_machine *m, unsigned proc)
{
	if (!m->as || proc >= MMF_NPROCS || !m->as->proc[proc].live)
		return NULL;
	return &m->as->proc[proc].mm;
}

/* The first VMA ending above addr (find_vma()), as an index; nr if none. */
uint32_t mmf_vma_index(const struct mmf_mm *mm, uint64_t addr)
{
	uint32_t lo = 0, hi = mm->nr;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (mm->vma[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct mmf_vma *mmf_vma_find(struct mmf_mm *mm, uint64_t addr)
{
	uint32_t i = mmf_vma_index(mm, addr);
	return i < mm->nr && mm->vma[i].start <= addr ? &mm->vma[i] : NULL;
}

static int grow(struct mmf_mm *mm)
{
	if (mm->nr < mm->cap)
		return 0;
	uint32_t cap = mm->cap ? mm->cap * 2 : 16;
	struct mmf_vma *v = realloc(mm->vma, cap * sizeof(*v));
	if (!v)
		return -1;
	mm->vma = v;
	mm->cap = cap;
	return 0;
}

static int insert_at(struct mmf_mm *mm, uint32_t i, const struct mmf_vma *v)
{
	if (grow(mm))
		return -1;
	memmove(&mm->vma[i + 1], &mm->vma[i], (mm->nr - i) * sizeof(*v));
	mm->vma[i] = *v;
	mm->nr++;
	return 0;
}

static void remove_at(struct mmf_mm *mm, uint32_t i)
{
	memmove(&mm->vma[i], &mm->vma[i + 1], (mm->nr - i - 1) * sizeof(mm->vma[0]));
	mm->nr--;
}

int mmf_vma_append(struct mmf_mm *mm, const struct mmf_vma *v)
{
	return insert_at(mm, mm->nr, v);
}

/* __split_vma(): vma i becomes [start, at) and [at, end). */
static int split_at(struct mmf_machine *m, struct mmf_mm *mm, uint32_t i, uint64_t at)
{
	struct mmf_vma hi = mm->vma[i];
	hi.pgoff += (at - hi.start) >> AS_PAGE_SHIFT;
	hi.start = at;
	if (insert_at(mm, i + 1, &hi))
		return -1;
	if (hi.shmem)
		mmf_shmem_get(m, hi.shmem);
	mm->vma[i].end = at;
	return 0;
}

static int same_object(const struct mmf_machine *m, const struct mmf_vma *a, uint32_t flags, uint32_t shmem)
{
	uint32_t ignore = VM_SOFTDIRTY | (MUTANT(m, VMA_MERGE_IGNORES_ACCOUNT) ? VM_ACCOUNT | VM_NORESERVE : 0);
	return ((a->flags ^ flags) & ~ignore) == 0 && a->shmem == shmem && !(flags & VM_SPECIAL);
}

/* vma_had_uncowed_parents(): an anon_vma cloned from a parent's. */
static int forked(const struct mmf_vma *v) { return v && v->anon_vma && v->chain > 1; }

/* is_mergeable_anon_vma(): can the range (anon_vma src_anon, taken from
 * the VMA src, or NULL for a new range) join tgt? */
static int anon_ok(uint32_t src_anon, const struct mmf_vma *src, const struct mmf_vma *tgt)
{
	if (!tgt->anon_vma && src_anon)
		return !forked(src); /* tgt will get src's anon_vma */
	if (tgt->anon_vma && !src_anon)
		return !forked(tgt); /* the range takes tgt's */
	return src_anon == tgt->anon_vma;
}

/* Both neighbours at once: prev and next must not disagree. */
static int anon_both_ok(const struct mmf_vma *prev, const struct mmf_vma *next)
{
	return !prev->anon_vma || !next->anon_vma || prev->anon_vma == next->anon_vma;
}

/* dup_anon_vma(): dst takes src's anon_vma when it has none. */
static void inherit_anon(struct mmf_vma *dst, const struct mmf_vma *src)
{
	if (!dst->anon_vma && src->anon_vma) {
		dst->anon_vma = src->anon_vma;
		dst->chain = src->chain;
	}
}

/* Can [start, end) with these properties (from the VMA src, or new) join
 * prev from above? */
static int merge_after(const struct mmf_machine *m, const struct mmf_vma *prev, uint64_t start, uint32_t flags,
		       uint32_t shmem, uint32_t anon_vma, const struct mmf_vma *src, uint64_t pgoff)
{
	return prev && prev->end == start && same_object(m, prev, flags, shmem) && anon_ok(anon_vma, src, prev) &&
	       prev->pgoff + PAGES(prev) == pgoff;
}

/* ... or next from below? */
static int merge_before(const struct mmf_machine *m, const struct mmf_vma *next, uint64_t end, uint32_t flags,
			uint32_t shmem, uint32_t anon_vma, const struct mmf_vma *src, uint64_t pgoff, uint64_t npages)
{
	return next && next->start == end && same_object(m, next, flags, shmem) && anon_ok(anon_vma, src, next) &&
	       next->pgoff == pgoff + npages;
}

/* The range [start, end) (covering no VMA) becomes mapped: merged into a
 * neighbour or a VMA of its own (vma_merge_new_range, then vma_expand or
 * a new VMA). */
static int map_range(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end, uint32_t flags,
		     uint64_t pgoff, uint32_t shmem, uint32_t anon_vma, uint8_t chain)
{
	uint32_t i = mmf_vma_index(mm, start); /* the first VMA above: next */
	struct mmf_vma *prev = i > 0 ? &mm->vma[i - 1] : NULL, *next = i < mm->nr ? &mm->vma[i] : NULL;
	uint64_t npages = (end - start) >> AS_PAGE_SHIFT;
	struct mmf_vma self = { .start = start, .end = end, .pgoff = pgoff, .flags = flags, .shmem = shmem,
				.anon_vma = anon_vma, .chain = chain };
	int left = merge_after(m, prev, start, flags, shmem, anon_vma, NULL, pgoff);
	int right = merge_before(m, next, end, flags, shmem, anon_vma, NULL, pgoff, npages);
	if (left && right && !anon_both_ok(prev, next))
		right = 0; /* prev wins, as vma_merge_new_range() tries left first */
	if (left && right) {
		/* vma_expand(): prev takes next's anon_vma if it has none */
		prev->end = next->end;
		inherit_anon(prev, &self);
		inherit_anon(prev, next);
		remove_at(mm, i);
	} else if (left) {
		prev->end = end;
		inherit_anon(prev, &self);
	} else if (right) {
		next->start = start;
		next->pgoff = pgoff;
		inherit_anon(next, &self);
	} else {
		if (insert_at(mm, i, &self))
			return -1;
		if (shmem)
			mmf_shmem_get(m, shmem);
	}
	return 0;
}

static int map_new_range(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end, uint32_t flags,
			 uint64_t pgoff, uint32_t shmem)
{
	return map_range(m, mm, start, end, flags, pgoff, shmem, 0, 0);
}

static void vm_stat_account(struct mmf_mm *mm, uint32_t flags, int64_t npages)
{
	mm->total_vm += (uint64_t)npages;
	if ((flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
		mm->data_vm += (uint64_t)npages;
}

/* Removes [start, end) from the VMAs (do_vmi_align_munmap()). */
static int unmap_region(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end)
{
	uint32_t i = mmf_vma_index(mm, start);
	if (i >= mm->nr || mm->vma[i].start >= end)
		return 0;
	if (mm->vma[i].start < start) {
		if (split_at(m, mm, i, start))
			return -1;
		i++;
	}
	uint32_t j = i;
	while (j < mm->nr && mm->vma[j].start < end)
		j++;
	if (mm->vma[j - 1].end > end && split_at(m, mm, j - 1, end))
		return -1;
	uint32_t drop_tail = MUTANT(m, MUNMAP_LEAVES_TAIL) && j - i > 1;
	uint64_t first = mm->vma[i].start, last = mm->vma[j - 1 - drop_tail].end;
	/* unmap_vmas(), then the VMAs go, then free_pgtables() between the
	 * neighbours that stay. */
	mmf_unmap_range(m, mm, first, last);
	for (uint32_t k = i; k < j - drop_tail; k++) {
		struct mmf_vma *v = &mm->vma[i];
		vm_stat_account(mm, v->flags, -(int64_t)PAGES(v));
		if (v->flags & VM_ACCOUNT)
			mm->committed -= PAGES(v);
		if (v->flags & VM_LOCKED)
			mm->locked_vm -= PAGES(v);
		if (v->shmem)
			mmf_shmem_put(m, v->shmem);
		remove_at(mm, i);
	}
	uint64_t floor = i > 0 ? mm->vma[i - 1].end : 0, ceiling = i < mm->nr ? mm->vma[i].start : 0;
	mmf_free_pgd_range(m, mm, first, last, floor, ceiling);
	return 0;
}

static uint32_t prot_to_flags(unsigned prot)
{
	return (prot & 1 ? VM_READ : 0) | (prot & 2 ? VM_WRITE : 0) | (prot & 4 ? VM_EXEC : 0);
}

/* Free means no VMA in [addr, addr + len). */
static int range_free(struct mmf_mm *mm, uint64_t addr, uint64_t end)
{
	uint32_t i = mmf_vma_index(mm, addr);
	return i >= mm->nr || mm->vma[i].start >= end;
}

/* vm_unmapped_area() top-down: the end of the highest gap below
 * mmap_base (and above the window's base) that fits; 0 when none does. */
static uint64_t topdown(const struct mmf_mm *mm, uint64_t len)
{
	uint64_t upper = mm->mmap_base;
	for (uint32_t i = mm->nr; i-- > 0;) {
		const struct mmf_vma *v = &mm->vma[i];
		if (v->start >= upper)
			continue; /* wholly above the gap being looked at */
		uint64_t lower = v->end > AS_WINDOW_BASE ? v->end : AS_WINDOW_BASE;
		if (upper > lower && upper - lower >= len)
			return upper - len;
		upper = v->start;
		if (upper <= AS_WINDOW_BASE)
			return 0;
	}
	return upper > AS_WINDOW_BASE && upper - AS_WINDOW_BASE >= len ? upper - len : 0;
}

enum map_kind { MAP_ANON, MAP_FILE, MAP_PFN };

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
	uint32_t vmf = prot_to_flags(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | mm->def_flags;
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
	if (flags & MMF_MAP_FIXED) {
		where = addr;
		if ((flags & MMF_MAP_FIXED_NOREPLACE) && !range_free(mm, where, where + len) &&
		    !MUTANT(m, MMAP_NOREPLACE_REPLACES)) {
			*err = EEXIST;
			return -1;
		}
	} else if ((flags & MMF_MAP_HINT) && addr && range_free(mm, addr, addr + len)) {
		where = addr;
	} else {
		where = topdown(mm, len);
		if (!where) {
			*err = ENOMEM;
			return -1;
		}
	}
	if (!mmf_mlock_future_ok(m, mm, vmf, len)) {
		*err = EAGAIN; /* MCL_FUTURE past RLIMIT_MEMLOCK */
		return -1;
	}
	if (unmap_region(m, mm, where, where + len)) {
		*err = ENOMEM;
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
	vm_stat_account(mm, vmf, (int64_t)(len >> AS_PAGE_SHIFT));
	if ((vmf & VM_LOCKED) && (vmf & VM_SPECIAL))
		mmf_vma_find(mm, where)->flags &= ~(VM_LOCKED | VM_LOCKONFAULT);
	else if (vmf & VM_LOCKED)
		mm->locked_vm += len >> AS_PAGE_SHIFT;
	*out = where;
	if (kind == MAP_PFN) {
		if (mm->pgd == MMF_NIL && mmf_pgd_alloc(m, mm)) {
			*err = ENOMEM;
			return -1;
		}
		for (uint64_t i = 0; i < len >> AS_PAGE_SHIFT; i++) {
			uint64_t *pte = mmf_pte_lookup(m, mm, where + (i << AS_PAGE_SHIFT), 1);
			if (!pte) {
				*err = ENOMEM;
				return -1;
			}
			*pte = ((uint64_t)(m->as->pfn_buf + ((pgoff + i) << AS_PAGE_ORDER)) << 12) | PTE_PRESENT | PTE_USER | PTE_ACCESSED |
			       PTE_SPECIAL | PTE_PCD | ((vmf & VM_WRITE) ? PTE_RW : 0);
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
	if (unmap_region(m, mm, addr, addr + len)) {
		*err = ENOMEM;
		return -1;
	}
	return 0;
}

/* mprotect_fixup() for the part [start, end) of VMA i: the new flags, then
 * a merge with a neighbour, or splits. 0, or -1 when out of memory. */
static int mprotect_fixup(struct mmf_machine *m, unsigned proc, struct mmf_mm *mm, uint32_t i, uint64_t start,
			  uint64_t end, uint32_t newflags)
{
	struct mmf_vma *v = &mm->vma[i];
	uint32_t oldflags = v->flags;
	uint64_t npages = (end - start) >> AS_PAGE_SHIFT;
	if (newflags == oldflags)
		return 0; /* before any accounting, as in Linux */
	if (newflags & VM_WRITE) {
		if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE))) {
			newflags |= VM_ACCOUNT;
			mm->committed += npages;
		}
	} else if ((oldflags & VM_ACCOUNT) && !v->shmem && !v->anon_vma) {
		/* Linux 6.x gives the charge back when a never-faulted private
		 * mapping stops being writable. */
		newflags &= ~VM_ACCOUNT;
		mm->committed -= npages;
	}
	if (newflags == oldflags)
		return 0;
	if ((newflags ^ oldflags) & VM_ACCESS_FLAGS)
		mmf_as_change_protection(m, mm, start, end, newflags);
	if (mmf_vma_modify_flags(m, mm, i, start, end, newflags))
		return -1;
	/* mlocked private memory made writable: COW broken now */
	if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED && (newflags & VM_WRITE))
		mmf_vma_populate(m, proc, mmf_vma_find(mm, start), start, end);
	return 0;
}

/* mmf_vma_modify_flags(): [start, end) of VMA i takes newflags, merging into a
 * neighbour where Linux would, else splitting. 0, or -1 when out of memory. */
int mmf_vma_modify_flags(struct mmf_machine *m, struct mmf_mm *mm, uint32_t i, uint64_t start, uint64_t end,
			 uint32_t newflags)
{
	struct mmf_vma *v = &mm->vma[i];
	uint32_t oldflags = v->flags;
	uint64_t npages = (end - start) >> AS_PAGE_SHIFT;
	uint64_t pgoff = v->pgoff + ((start - v->start) >> AS_PAGE_SHIFT);
	struct mmf_vma *prev = i > 0 ? &mm->vma[i - 1] : NULL, *next = i + 1 < mm->nr ? &mm->vma[i + 1] : NULL;
	int left = start == v->start && merge_after(m, prev, start, newflags, v->shmem, v->anon_vma, v, pgoff);
	int right = end == v->end && merge_before(m, next, end, newflags, v->shmem, v->anon_vma, v, pgoff, npages);
	if (left && right && !anon_both_ok(prev, next))
		right = 0;
	vm_stat_account(mm, oldflags, -(int64_t)npages);
	vm_stat_account(mm, newflags, (int64_t)npages);
	if (left && right) { /* prev absorbs v and next */
		prev->end = next->end;
		inherit_anon(prev, v);
		inherit_anon(prev, next);
		remove_at(mm, i + 1);
		remove_at(mm, i);
		return 0;
	}
	if (left) { /* prev grows over [start, end) */
		prev->end = end;
		inherit_anon(prev, v);
		if (end == v->end) {
			remove_at(mm, i);
			return 0;
		}
		v->pgoff += npages;
		v->start = end;
		return 0;
	}
	if (right) { /* next grows down to start */
		next->start = start;
		next->pgoff = pgoff;
		inherit_anon(next, v);
		if (start == v->start) {
			remove_at(mm, i);
			return 0;
		}
		v->end = start;
		return 0;
	}
	if (start > v->start) {
		if (split_at(m, mm, i, start))
			return -1;
		i++;
	}
	uint64_t split_end = MUTANT(m, MPROTECT_SPLIT_OFF_BY_ONE) ? end + AS_PAGE_SIZE : end;
	if (split_end < mm->vma[i].end && split_at(m, mm, i, split_end))
		return -1;
	mm->vma[i].flags = newflags;
	return 0;
}

int mmf_as_mprotect(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, int *err)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	if (addr & (AS_PAGE_SIZE - 1)) {
		*err = EINVAL;
		return -1;
	}
	if (!len)
		return 0;
	len = (len + AS_PAGE_SIZE - 1) & ~(AS_PAGE_SIZE - 1);
	uint64_t end = addr + len;
	m->as->used = 1;
	uint32_t i = mmf_vma_index(mm, addr);
	if (i >= mm->nr || mm->vma[i].start > addr) {
		*err = ENOMEM; /* nothing changed */
		return -1;
	}
	uint32_t newbits = prot_to_flags(prot);
	uint64_t nstart = addr;
	for (;;) {
		struct mmf_vma *v = &mm->vma[i];
		uint32_t newflags = (v->flags & ~VM_ACCESS_FLAGS) | newbits;
		uint64_t tmp = v->end < end ? v->end : end;
		if (mprotect_fixup(m, proc, mm, i, nstart, tmp, newflags)) {
			*err = ENOMEM;
			return -1;
		}
		/* on from the end of the VMA that now holds tmp - 1: a merge with
		 * the next VMA (already so) may have taken it past tmp, as the
		 * kernel's vma_iter_end() does */
		nstart = mm->vma[mmf_vma_index(mm, tmp - 1)].end;
		if (nstart >= end)
			return 0;
		i = mmf_vma_index(mm, nstart);
		if (i >= mm->nr || mm->vma[i].start != nstart) {
			if (MUTANT(m, MPROTECT_HOLE_IGNORED))
				return 0;
			*err = ENOMEM; /* a hole: what came before it stays changed */
			return -1;
		}
	}
}

/* An empty mm; its pgd comes with the first fault. Keeps the VMA array. */
int mmf_mm_setup(struct mmf_machine *m, struct mmf_mm *mm)
{
	(void)m;
	struct mmf_vma *keep = mm->vma;
	uint32_t cap = mm->cap;
	memset(mm, 0, sizeof(*mm));
	mm->vma = keep;
	mm->cap = cap;
	mm->mmap_base = AS_WINDOW_END;
	mm->start_brk = mm->brk = AS_WINDOW_BASE + ((uint64_t)AS_START_BRK_PAGE << AS_PAGE_SHIFT);
	mm->pgd = MMF_NIL;
	return 0;
}

/* Frees the host memory only: frames are the machine's (reset restores
 * them; exit gives them back one by one). */
void mmf_mm_teardown(struct mmf_machine *m, struct mmf_mm *mm)
{
	(void)m;
	free(mm->vma);
	memset(mm, 0, sizeof(*mm));
	mm->pgd = MMF_NIL;
}

int mmf_as_init(struct mmf_machine *m)
{
	m->as = calloc(1, sizeof(*m->as));
	if (!m->as)
		return -1;
	m->as->refs = calloc(m->end_pfn, sizeof(uint32_t));
	if (!m->as->refs)
		return -1;
	mmf_as_reset(m);
	return 0;
}

void mmf_as_fini(struct mmf_machine *m)
{
	if (!m->as)
		return;
	for (unsigned p = 0; p < MMF_NPROCS; p++)
		mmf_mm_teardown(m, &m->as->proc[p].mm);
	mmf_shmem_fini(m);
	free(m->as->av_parent);
	free(m->as->refs);
	free(m->as);
	m->as = NULL;
}

/* Process 0 (pid 1) with an empty address space. */
void mmf_as_reset(struct mmf_machine *m)
{
	struct mmf_as *as = m->as;
	if (!as || (!as->used && as->proc[0].live))
		return;
	for (unsigned p = 0; p < MMF_NPROCS; p++) {
		as->proc[p].live = 0;
		as->proc[p].mm.nr = 0;
		as->proc[p].mm.pgd = MMF_NIL; /* its frames went back with the machine's reset */
	}
	mmf_shmem_reset(m);
	as->nr_lazy = 0;
	as->proc[0].live = 1;
	as->proc[0].pid = 1;
	mmf_mm_setup(m, &as->proc[0].mm);
	as->next_pid = 2;
	as->next_anon_vma = 0;
	as->next_shmem = 0;
	as->pfn_buf = MMF_NIL; /* its frames went back with the machine's reset */
	as->used = 0;
}

void mmf_as_maps_line(struct mmf_out *o, const struct mmf_machine *m, const struct mmf_mm *mm, const struct mmf_vma *v)
{
	size_t line = o->len;
	int pfnmap = (v->flags & VM_PFNMAP) != 0, file = v->shmem ? mmf_shmem_file(m, v->shmem) : -1;
	/* shmem files live on the internal tmpfs (device 00:01); the PFN
	 * device node on devtmpfs (00:05), inode 1 in the model */
	mmf_out_put(o, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %lu ", (unsigned long long)v->start,
		    (unsigned long long)v->end, v->flags & VM_READ ? 'r' : '-', v->flags & VM_WRITE ? 'w' : '-',
		    v->flags & VM_EXEC ? 'x' : '-', v->flags & VM_MAYSHARE ? 's' : 'p',
		    (unsigned long long)(v->shmem || pfnmap ? v->pgoff << AS_PAGE_SHIFT : 0), 0,
		    pfnmap ? 5 : v->shmem ? 1 : 0, pfnmap ? 1ul : (unsigned long)v->shmem);
	char memfd[40];
	snprintf(memfd, sizeof(memfd), "/memfd:mmfuzz%d (deleted)", file);
	const char *name = pfnmap			 ? "/dev/mmfuzz_pfn"
			   : v->shmem && file >= 0	 ? memfd
			   : v->shmem			 ? "/dev/zero (deleted)"
			   : v->start < mm->brk && v->end > mm->start_brk ? "[heap]"
									      : NULL;
	if (name) {
		while (o->len - line < 72)
			mmf_out_put(o, " ");
		mmf_out_put(o, " %s", name);
	}
	mmf_out_put(o, "\n");
}

/* /proc/PID/maps (show_map_vma): the header, then the name (the shmem
 * file of shared anonymous memory, [heap]) padded to column 74. The
 * model's shmem inode numbers are the objects' ids. [heap] is a VMA that
 * overlaps [start_brk, brk) (vma_is_initial_heap(), strict since 6.x: a
 * VMA that only touches the break is not the heap). */
int mmf_as_report_maps(const struct mmf_machine *m, unsigned proc, char *buf, size_t cap)
{
	struct mmf_out o = { buf, cap, 0 };
	const struct mmf_mm *mm = mmf_as_mm((struct mmf_machine *)m, proc);
	for (uint32_t i = 0; mm && i < mm->nr; i++)
		mmf_as_maps_line(&o, m, mm, &mm->vma[i]);
	return mmf_out_finish(&o);
}

/* Every process's VMAs sorted, disjoint, page aligned, non-empty, and
 * merged wherever Linux would have merged them; the counters match. */
int mmf_as_vma_is_valid(const struct mmf_machine *m, char *msg, size_t cap)
{
	if (!m->as)
		return 0;
	uint32_t tables = 0, pgds = 0;
	uint32_t *refs = m->as->refs;
	if (m->nr_anon || m->nr_pagetables)
		memset(refs, 0, m->end_pfn * sizeof(uint32_t));
	for (unsigned p = 0; p < MMF_NPROCS; p++) {
		const struct mmf_proc *pr = &m->as->proc[p];
		if (!pr->live)
			continue;
		const struct mmf_mm *mm = &pr->mm;
		uint64_t total = 0, committed = 0;
		for (uint32_t i = 0; i < mm->nr; i++) {
			const struct mmf_vma *v = &mm->vma[i];
			if (v->start >= v->end || ((v->start | v->end) & (AS_PAGE_SIZE - 1)))
				return mmf_fail(msg, cap, "vma_bounds: proc %u vma %u is [%#llx, %#llx)", p, i,
					        (unsigned long long)v->start, (unsigned long long)v->end);
			if (i > 0) {
				const struct mmf_vma *u = &mm->vma[i - 1];
				if (u->end > v->start)
					return mmf_fail(msg, cap, "vma_order: proc %u vmas [%#llx, %#llx) and [%#llx, %#llx) overlap or are out of order",
						        p, (unsigned long long)u->start, (unsigned long long)u->end,
						        (unsigned long long)v->start, (unsigned long long)v->end);
				/* brk only ever extends the VMA before the old break
				 * when it reaches above start_brk, so Linux leaves a
				 * heap VMA unmerged with one that ends at start_brk. */
				int heap = u->end == mm->start_brk || (v->start >= mm->start_brk && v->start <= mm->brk);
				/* fork copies VMAs one by one: VM_WIPEONFORK ones lose
				 * the anon_vmas that kept them apart in the parent, and
				 * stay apart in the child. */
				int wiped = (u->flags & v->flags & VM_WIPEONFORK) != 0;
				/* nor does Linux merge where it clears lock bits */
				int unlocked = u->unmerged || v->unmerged;
				if (!heap && !wiped && !unlocked && u->end == v->start && same_object(m, u, v->flags, v->shmem) &&
				    u->pgoff + PAGES(u) == v->pgoff && anon_ok(v->anon_vma, v, u) && anon_ok(u->anon_vma, u, v))
					return mmf_fail(msg, cap, "vma_unmerged: proc %u vmas at %#llx and %#llx should be one", p,
						        (unsigned long long)u->start, (unsigned long long)v->start);
			}
			total += PAGES(v);
			if (v->flags & VM_ACCOUNT)
				committed += PAGES(v);
		}
		if (mm->pgd != MMF_NIL) {
			pgds++;
			if (mmf_pgtable_walk(m, mm, mm->pgd, mmf_pt_levels(m) - 1, 0, &tables, m->as->refs, msg, cap))
				return -1;
		}
		if (total != mm->total_vm)
			return mmf_fail(msg, cap, "vma_counters: proc %u total_vm %llu, vmas cover %llu pages", p,
				        (unsigned long long)mm->total_vm, (unsigned long long)total);
		if (committed != mm->committed)
			return mmf_fail(msg, cap, "vma_counters: proc %u committed %llu, VM_ACCOUNT vmas cover %llu pages", p,
				        (unsigned long long)mm->committed, (unsigned long long)committed);
	}
	uint32_t kernel_tables;
	if (mmf_kpt_is_valid(m, &kernel_tables, msg, cap))
		return -1;
	if (tables + kernel_tables != m->nr_pagetables)
		return mmf_fail(msg, cap, "pgtable_counters: %u page-table pages below the pgds (%u of them the kernel's), NR_PAGETABLE %u",
			        tables + kernel_tables, kernel_tables, m->nr_pagetables);
	if (!m->nr_anon && !pgds)
		return 0;
	/* Every user page is referenced exactly by the ptes mapping it and,
	 * for shmem, its object; user pages are all on the dirty list. */
	uint32_t anon = 0;
	for (uint32_t i = 0; i < m->nr_dirty; i++) {
		uint32_t pfn = m->dirty_list[i];
		const struct mmf_page *pg = &m->mem_map[pfn];
		if (!(pg->flags & PG_anon))
			continue;
		/* the mapcount is the ptes mapping the page, and the page's
		 * reverse mapping finds exactly those (it only returns ptes
		 * that map the page, so equal counts are equal sets) */
		if ((uint32_t)pg->mapcount != refs[pfn])
			return mmf_fail(msg, cap, "pte_mapcount: user page pfn %u mapcount %d, %u ptes map it", pfn, pg->mapcount,
				        refs[pfn]);
		unsigned found = refs[pfn] ? mmf_rmap_walk(m, pfn, NULL) : 0;
		if (found != refs[pfn])
			return mmf_fail(msg, cap, "rmap_exact: the reverse mapping of pfn %u (%s %u index %llu) finds %u of its %u ptes",
				        pfn, (pg->flags & PG_shmem) ? "file object" : "anon_vma", pg->mapping, (unsigned long long)pg->index, found,
				        refs[pfn]);
	}
	mmf_shmem_refs(m, refs);
	for (uint32_t i = 0; i < m->nr_dirty; i++) {
		uint32_t pfn = m->dirty_list[i];
		const struct mmf_page *pg = &m->mem_map[pfn];
		if (!(pg->flags & PG_anon))
			continue;
		anon++;
		if ((uint32_t)pg->refcount != refs[pfn])
			return mmf_fail(msg, cap, "pte_refcount: user page pfn %u refcount %d, %u mappings and cache references",
				        pfn, pg->refcount, refs[pfn]);
	}
	if (anon != m->nr_anon)
		return mmf_fail(msg, cap, "anon_counters: %u user pages, counter says %u", anon, m->nr_anon);
	return 0;
}

/* ---- madvise ----------------------------------------------------------- */

static int madvise_known(unsigned advice)
{
	switch (advice) {
	case MMF_MADV_NORMAL: case MMF_MADV_RANDOM: case MMF_MADV_SEQUENTIAL: case MMF_MADV_WILLNEED:
	case MMF_MADV_DONTNEED: case MMF_MADV_FREE: case MMF_MADV_DONTFORK: case MMF_MADV_DOFORK:
	case MMF_MADV_DONTDUMP: case MMF_MADV_DODUMP: case MMF_MADV_WIPEONFORK: case MMF_MADV_KEEPONFORK:
	case MMF_MADV_COLD: case MMF_MADV_PAGEOUT: case MMF_MADV_REMOVE: case MMF_MADV_MERGEABLE:
	case MMF_MADV_UNMERGEABLE: case MMF_MADV_HUGEPAGE: case MMF_MADV_NOHUGEPAGE: case MMF_MADV_POPULATE_READ:
	case MMF_MADV_POPULATE_WRITE: case MMF_MADV_DONTNEED_LOCKED: case MMF_MADV_COLLAPSE:
		return 1;
	default:
		return 0;
	}
}

/* madvise_vma_behavior() for [start, end) inside VMA i. */
static int madvise_vma(struct mmf_machine *m, unsigned proc, struct mmf_mm *mm, uint32_t i, uint64_t start,
		       uint64_t end, unsigned advice)
{
	struct mmf_vma *v = &mm->vma[i];
	uint32_t nf = v->flags;
	switch (advice) {
	case MMF_MADV_POPULATE_READ:
	case MMF_MADV_POPULATE_WRITE: { /* madvise_populate(): faults, as GUP takes them */
		int write = advice == MMF_MADV_POPULATE_WRITE;
		if ((v->flags & (VM_PFNMAP | VM_IO)) || !(v->flags & (write ? VM_WRITE : VM_READ)))
			return -EINVAL; /* incompatible mapping or permissions */
		for (uint64_t a = start; a < end; a += AS_PAGE_SIZE) {
			int r = mmf_as_gup_touch(m, proc, a, write ? MMF_ACCESS_WRITE : MMF_ACCESS_READ);
			if (r)
				return r < 0 ? -ENOMEM : r == SIGBUS ? -EFAULT : -EINVAL;
		}
		return 0;
	}
	case MMF_MADV_REMOVE: /* madvise_remove(): a hole punched in the file */
		if (v->flags & VM_LOCKED)
			return -EINVAL;
		if (!v->shmem)
			return -EINVAL;
		if ((v->flags & (VM_SHARED | VM_MAYWRITE)) != (VM_SHARED | VM_MAYWRITE))
			return -EACCES;
		mmf_shmem_remove(m, v->shmem, v->pgoff + ((start - v->start) >> AS_PAGE_SHIFT),
				 v->pgoff + ((end - v->start) >> AS_PAGE_SHIFT));
		return 0;
	case MMF_MADV_COLLAPSE: /* no THP for the model's processes (the agent's run with it disabled) */
		return -EINVAL;
	case MMF_MADV_MERGEABLE: /* ksm_madvise(): only where KSM could merge */
		if (v->flags & (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO | VM_DONTEXPAND))
			return 0;
		nf |= VM_MERGEABLE;
		break;
	case MMF_MADV_UNMERGEABLE: nf &= ~VM_MERGEABLE; break;
	case MMF_MADV_HUGEPAGE: nf = (nf & ~VM_NOHUGEPAGE) | VM_HUGEPAGE; break;
	case MMF_MADV_NOHUGEPAGE: nf = (nf & ~VM_HUGEPAGE) | VM_NOHUGEPAGE; break;
	case MMF_MADV_DONTNEED_LOCKED: /* as DONTNEED, locked VMAs too */
	case MMF_MADV_DONTNEED: /* zap_page_range_single(): ptes go, tables stay */
		if ((v->flags & VM_PFNMAP) || ((v->flags & VM_LOCKED) && advice == MMF_MADV_DONTNEED))
			return -EINVAL; /* madvise_dontneed_free_valid_vma() */
		if (!MUTANT(m, MADV_DONTNEED_IGNORED))
			mmf_unmap_range(m, mm, start, end);
		if (MUTANT(m, DONTNEED_DROPS_CACHE) && v->shmem && (v->flags & VM_SHARED))
			mmf_shmem_punch(m, v->shmem, v->pgoff + ((start - v->start) >> AS_PAGE_SHIFT),
					v->pgoff + ((end - v->start) >> AS_PAGE_SHIFT));
		return 0;
	case MMF_MADV_FREE: /* lazy free: clean, and with nothing reclaimed the data stays */
		if (v->shmem || (v->flags & (VM_PFNMAP | VM_LOCKED)))
			return -EINVAL;
		mmf_lru_drain(m); /* madvise_free_single_vma() */
		mmf_as_lazyfree(m, mm, start, end);
		return 0;
	case MMF_MADV_WILLNEED:
		return 0;
	case MMF_MADV_COLD: /* deactivated: young bits cleared where this mm alone maps the page */
		if (v->flags & (VM_PFNMAP | VM_LOCKED))
			return -EINVAL; /* can_madv_lru_vma() */
		mmf_lru_drain(m); /* madvise_cold() */
		mmf_as_cold(m, mm, start, end);
		return 0;
	case MMF_MADV_PAGEOUT: /* no swap: only clean lazy-free pages can go, and do */
		if (v->flags & (VM_PFNMAP | VM_LOCKED))
			return -EINVAL; /* can_madv_lru_vma() */
		mmf_lru_drain(m); /* madvise_pageout() */
		mmf_as_pageout(m, mm, start, end);
		return 0;
	case MMF_MADV_NORMAL: nf &= ~(VM_SEQ_READ | VM_RAND_READ); break;
	case MMF_MADV_RANDOM: nf = (nf & ~VM_SEQ_READ) | VM_RAND_READ; break;
	case MMF_MADV_SEQUENTIAL: nf = (nf & ~VM_RAND_READ) | VM_SEQ_READ; break;
	case MMF_MADV_DONTFORK: nf |= VM_DONTCOPY; break;
	case MMF_MADV_DOFORK:
		if (v->flags & VM_IO)
			return -EINVAL;
		nf &= ~VM_DONTCOPY;
		break;
	case MMF_MADV_DONTDUMP: nf |= VM_DONTDUMP; break;
	case MMF_MADV_DODUMP:
		if (v->flags & VM_SPECIAL)
			return -EINVAL;
		nf &= ~VM_DONTDUMP;
		break;
	case MMF_MADV_WIPEONFORK:
		if (v->shmem || (v->flags & VM_SHARED))
			return -EINVAL;
		nf |= VM_WIPEONFORK;
		break;
	case MMF_MADV_KEEPONFORK: nf &= ~VM_WIPEONFORK; break;
	}
	if (nf == v->flags)
		return 0;
	return mmf_vma_modify_flags(m, mm, i, start, end, nf) ? -ENOMEM : 0;
}

/* madvise(): each mapped part of the range; holes are skipped but make
 * the answer ENOMEM; an advice a VMA refuses stops the walk. */
int mmf_as_madvise(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, unsigned advice, int *err)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	if ((addr & (AS_PAGE_SIZE - 1)) || !madvise_known(advice)) {
		*err = EINVAL;
		return -1;
	}
	len = (len + AS_PAGE_SIZE - 1) & ~(AS_PAGE_SIZE - 1);
	if (!len)
		return 0;
	m->as->used = 1;
	uint64_t end = addr + len, s = addr;
	int unmapped = 0;
	for (;;) {
		uint32_t i = mmf_vma_index(mm, s);
		if (i >= mm->nr) {
			*err = ENOMEM;
			return -1;
		}
		if (s < mm->vma[i].start) {
			if (advice == MMF_MADV_POPULATE_READ || advice == MMF_MADV_POPULATE_WRITE) {
				*err = ENOMEM; /* populating stops at the hole */
				return -1;
			}
			unmapped = 1;
			s = mm->vma[i].start;
			if (s >= end)
				break;
		}
		uint64_t tmp = mm->vma[i].end < end ? mm->vma[i].end : end;
		int r = madvise_vma(m, proc, mm, i, s, tmp, advice);
		if (r) {
			*err = -r;
			return -1;
		}
		s = tmp;
		if (s >= end)
			break;
	}
	if (unmapped) {
		*err = ENOMEM;
		return -1;
	}
	return 0;
}

/* ---- brk --------------------------------------------------------------- */

/* brk(): the new break, or the old one when the request cannot be met
 * (below start_brk, or no free page left after the new end). Growing
 * extends the heap VMA (do_brk_flags) when it can merge, else makes one. */
uint64_t mmf_as_brk(struct mmf_machine *m, unsigned proc, uint64_t brk)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	if (!mm)
		return 0;
	m->as->used = 1;
	uint64_t page = AS_PAGE_SIZE;
	if (brk < mm->start_brk)
		return mm->brk;
	uint64_t newbrk = (brk + page - 1) & ~(page - 1), oldbrk = (mm->brk + page - 1) & ~(page - 1);
	if (newbrk == oldbrk) {
		mm->brk = brk;
		return brk;
	}
	if (brk <= mm->brk) {
		/* the heap VMA must be there to shrink: nothing in [newbrk,
		 * oldbrk) (unmapped by hand) leaves the break where it is */
		uint32_t h = mmf_vma_index(mm, newbrk);
		if (h >= mm->nr || mm->vma[h].start >= oldbrk)
			return mm->brk;
		if (unmap_region(m, mm, newbrk, oldbrk))
			return mm->brk;
		mm->brk = brk;
		return brk;
	}
	/* the first VMA at or above the old break must leave a page free */
	uint32_t i = mmf_vma_index(mm, oldbrk);
	if (i < mm->nr && mm->vma[i].start < newbrk + (MUTANT(m, BRK_NO_GUARD_PAGE) ? 0 : page))
		return mm->brk;
	uint32_t flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT | mm->def_flags;
	if (!mmf_mlock_future_ok(m, mm, flags, newbrk - oldbrk))
		return mm->brk; /* check_brk_limits() */
	struct mmf_vma *prev = i > 0 ? &mm->vma[i - 1] : NULL;
	uint64_t npages = (newbrk - oldbrk) >> AS_PAGE_SHIFT;
	/* brkvma = vma_prev_limit(start_brk): the VMA before the old break
	 * if it reaches above start_brk */
	if (prev && prev->end > mm->start_brk &&
	    merge_after(m, prev, oldbrk, flags, 0, 0, NULL, oldbrk >> AS_PAGE_SHIFT)) {
		prev->end = newbrk;
		prev->flags |= VM_SOFTDIRTY; /* do_brk_flags() */
	} else {
		struct mmf_vma v = { .start = oldbrk, .end = newbrk, .pgoff = oldbrk >> AS_PAGE_SHIFT,
				     .flags = flags | VM_SOFTDIRTY };
		if (insert_at(mm, i, &v))
			return mm->brk;
	}
	mm->committed += npages;
	vm_stat_account(mm, flags, (int64_t)npages);
	if (flags & VM_LOCKED)
		mm->locked_vm += npages;
	mm->brk = brk;
	if (flags & VM_LOCKED) /* mm_populate() of the new part */
		mmf_mm_populate(m, proc, oldbrk, newbrk - oldbrk, 1);
	return brk;
}

/* ---- mremap ------------------------------------------------------------ */

/* The checks of check_prep_vma() for a move or a growth, made before
 * anything is unmapped: may [addr, addr + old_len) move or grow to
 * new_len? old_len 0 duplicates a shared mapping (a private one cannot
 * be). */
static int remap_is_valid(struct mmf_mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len, unsigned flags, int *err)
{
	const struct mmf_vma *v = mmf_vma_find(mm, addr);
	*err = EINVAL;
	if (!old_len && !(v->flags & (VM_SHARED | VM_MAYSHARE)))
		return -1;
	if ((flags & MMF_MREMAP_DONTUNMAP) && (v->flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -1; /* the old range stays mapped: it must be able to fault */
	if (old_len > new_len)
		old_len = new_len; /* a shrink may unmap across VMAs; what moves may not */
	*err = EFAULT;
	if (old_len > v->end - addr)
		return -1; /* not across VMAs */
	if (new_len != old_len && (v->flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -1;
	return 0;
}

/* move_ptes(): the mapped ptes of [old, old + len) to [new, new + len). */
static int move_ptes(struct mmf_machine *m, struct mmf_mm *mm, uint64_t old, uint64_t new_addr, uint64_t len)
{
	for (uint64_t off = 0; off < len && mm->pgd != MMF_NIL; off += AS_PAGE_SIZE) {
		uint64_t *s = mmf_pte_lookup(m, mm, old + off, 0);
		if (!s || !(*s & PTE_MAPPED))
			continue;
		uint64_t pte = *s;
		*s = 0;
		uint64_t *d = mmf_pte_lookup(m, mm, new_addr + off, 1);
		if (!d) {
			mmf_pte_release(m, pte); /* no memory for a table: the page goes */
			return -1;
		}
		*d = MUTANT(m, MREMAP_LOSES_PTES) ? 0 : pte | ((pte & PTE_PRESENT) ? PTE_SOFTDIRTY : 0); /* move_soft_dirty_pte() */
		if (MUTANT(m, MREMAP_LOSES_PTES))
			mmf_pte_release(m, pte);
	}
	return 0;
}

/* move_vma(): a copy of the VMA at the target (offset and anon_vma
 * kept, so it merges only where those allow), the ptes moved, the old
 * range unmapped (or, with DONTUNMAP, left mapped and empty). */
static int move_vma(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len,
		    uint64_t target, unsigned flags, uint64_t *out, int *err)
{
	struct mmf_vma src = *mmf_vma_find(mm, addr);
	uint64_t pgoff = src.pgoff + ((addr - src.start) >> AS_PAGE_SHIFT);
	uint64_t npages = new_len >> AS_PAGE_SHIFT;
	if (!src.shmem && !(src.flags & (VM_SHARED | VM_PFNMAP)) && !src.anon_vma)
		pgoff = target >> AS_PAGE_SHIFT; /* copy_vma(): never faulted, so it may merge where it lands */
	if (map_range(m, mm, target, target + new_len, src.flags, pgoff, src.shmem, src.anon_vma, src.chain)) {
		*err = ENOMEM;
		return -1;
	}
	if (src.flags & VM_ACCOUNT)
		mm->committed += npages;
	vm_stat_account(mm, src.flags, (int64_t)npages);
	if (src.flags & VM_LOCKED)
		mm->locked_vm += npages;
	if (move_ptes(m, mm, addr, target, old_len)) {
		*err = ENOMEM;
		return -1;
	}
	if (!(flags & MMF_MREMAP_DONTUNMAP) && old_len) {
		if (unmap_region(m, mm, addr, addr + old_len)) {
			*err = ENOMEM;
			return -1;
		}
	} else if (flags & MMF_MREMAP_DONTUNMAP) {
		/* the old VMA always loses its lock; locked_vm is left alone */
		struct mmf_vma *old = mmf_vma_find(mm, addr);
		if (old && (old->flags & VM_LOCKED)) {
			old->flags &= ~(VM_LOCKED | VM_LOCKONFAULT);
			old->unmerged = 1;
		}
	}
	if ((src.flags & VM_LOCKED) && new_len > old_len) /* the grown part, faulted in */
		mmf_mm_populate(m, mm_proc(m, mm), target + old_len, new_len - old_len, 1);
	*out = target;
	return 0;
}

/* remap_move() (Linux 6.17+): MREMAP_FIXED without a change of size moves
 * every VMA in [addr, addr + len), each to the same distance from the
 * last as at the source (the gaps between them kept, and what lies in
 * the target's gaps left alone). No gap at the start. */
static int remap_move(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr, uint64_t len, unsigned flags,
		      uint64_t new_addr, uint64_t *out, int *err)
{
	uint64_t end = addr + len, cursor = addr, target = new_addr, last_end = 0;
	int seen = 0;
	while (cursor < end) {
		uint32_t i = mmf_vma_index(mm, cursor);
		if (i >= mm->nr || mm->vma[i].start >= end)
			break;
		const struct mmf_vma *v = &mm->vma[i];
		if (!seen && addr < v->start)
			break; /* a gap at the start */
		/* from the cursor: with DONTUNMAP the source stays mapped */
		uint64_t from = v->start > cursor ? v->start : cursor, to = v->end < end ? v->end : end;
		uint64_t dest = target + (seen ? v->start - last_end : 0);
		last_end = v->end;
		if (remap_is_valid(mm, from, to - from, to - from, flags, err))
			return -1;
		if (unmap_region(m, mm, dest, dest + (to - from))) {
			*err = ENOMEM;
			return -1;
		}
		if (!mmf_vma_find(mm, from)) {
			*err = EFAULT;
			return -1;
		}
		uint64_t moved;
		if (move_vma(m, mm, from, to - from, to - from, dest, flags, &moved, err))
			return -1;
		if (!seen)
			*out = dest;
		seen = 1;
		target = dest + (to - from);
		cursor = to;
	}
	if (!seen) {
		*err = EFAULT;
		return -1;
	}
	return 0;
}

int mmf_as_mremap(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t old_len, uint64_t new_len,
		  unsigned flags, uint64_t new_addr, uint64_t *out, int *err)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	*out = 0;
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	/* check_mremap_params() */
	int implies_new = (flags & (MMF_MREMAP_FIXED | MMF_MREMAP_DONTUNMAP)) != 0;
	*err = EINVAL;
	if ((flags & ~(MMF_MREMAP_MAYMOVE | MMF_MREMAP_FIXED | MMF_MREMAP_DONTUNMAP)) || (addr & (AS_PAGE_SIZE - 1)) ||
	    !new_len)
		return -1;
	if (implies_new && ((new_addr & (AS_PAGE_SIZE - 1)) || !(flags & MMF_MREMAP_MAYMOVE) ||
			    ((flags & MMF_MREMAP_DONTUNMAP) && old_len != new_len)))
		return -1;
	old_len = (old_len + AS_PAGE_SIZE - 1) & ~(AS_PAGE_SIZE - 1);
	new_len = (new_len + AS_PAGE_SIZE - 1) & ~(AS_PAGE_SIZE - 1);
	if (implies_new && new_addr < addr + old_len && addr < new_addr + new_len)
		return -1; /* vrm_overlaps() */
	m->as->used = 1;
	if ((flags & MMF_MREMAP_FIXED) && old_len == new_len)
		return remap_move(m, mm, addr, old_len, flags, new_addr, out, err);
	struct mmf_vma *v = mmf_vma_find(mm, addr); /* vma_lookup() */
	if (!v) {
		*err = EFAULT;
		return -1;
	}
	uint64_t target = 0;
	if (implies_new) { /* mremap_to() */
		if (remap_is_valid(mm, addr, old_len, new_len, flags, err))
			return -1;
		if (new_len > old_len && !mmf_mlock_future_ok(m, mm, v->flags, new_len - old_len)) {
			*err = EAGAIN;
			return -1;
		}
		if (flags & MMF_MREMAP_FIXED) {
			if (unmap_region(m, mm, new_addr, new_addr + new_len)) {
				*err = ENOMEM;
				return -1;
			}
			if (!mmf_vma_find(mm, addr)) {
				*err = EFAULT;
				return -1;
			}
		}
		if (old_len > new_len) { /* shrink_vma(): the tail goes first */
			if (unmap_region(m, mm, addr + new_len, addr + old_len)) {
				*err = ENOMEM;
				return -1;
			}
			old_len = new_len;
			if (!mmf_vma_find(mm, addr)) {
				*err = EFAULT;
				return -1;
			}
		}
		if (flags & MMF_MREMAP_FIXED)
			target = new_addr;
		else /* DONTUNMAP alone: new_addr is a hint */
			target = range_free(mm, new_addr, new_addr + new_len) ? new_addr : topdown(mm, new_len);
		if (!target) {
			*err = ENOMEM;
			return -1;
		}
	} else if (new_len == old_len) { /* mremap_at(): nothing to do */
		*out = addr;
		return 0;
	} else if (new_len < old_len) { /* shrink_vma(): whatever is there goes */
		if (unmap_region(m, mm, addr + new_len, addr + old_len)) {
			*err = ENOMEM;
			return -1;
		}
		*out = addr;
		return 0;
	} else { /* expand_vma() */
		if (remap_is_valid(mm, addr, old_len, new_len, flags, err))
			return -1;
		v = mmf_vma_find(mm, addr);
		if (!mmf_mlock_future_ok(m, mm, v->flags, new_len - old_len)) {
			*err = EAGAIN;
			return -1;
		}
		uint64_t end = addr + new_len;
		if (v->end == addr + old_len && range_free(mm, v->end, v->end + (new_len - old_len))) { /* in place */
			end = v->end + (new_len - old_len);
			uint32_t i = (uint32_t)(v - mm->vma);
			uint64_t npages = (end - v->end) >> AS_PAGE_SHIFT;
			struct mmf_vma *next = i + 1 < mm->nr ? &mm->vma[i + 1] : NULL;
			uint64_t vpages = (v->end - v->start) >> AS_PAGE_SHIFT;
			if (v->flags & VM_ACCOUNT)
				mm->committed += npages;
			if (v->flags & VM_LOCKED)
				mm->locked_vm += npages;
			vm_stat_account(mm, v->flags, (int64_t)npages);
			int lock = (v->flags & VM_LOCKED) != 0;
			v->end = end;
			/* vma_merge_extend(): the grown VMA may now touch next */
			if (next && merge_before(m, next, end, v->flags, v->shmem, v->anon_vma, v, v->pgoff, vpages + npages) &&
			    anon_both_ok(v, next)) {
				v->end = next->end;
				inherit_anon(v, next);
				remove_at(mm, i + 1);
			}
			if (lock)
				mmf_mm_populate(m, proc, addr + old_len, new_len - old_len, 1);
			*out = addr;
			return 0;
		}
		if (!(flags & MMF_MREMAP_MAYMOVE)) {
			*err = ENOMEM;
			return -1;
		}
		target = topdown(mm, new_len); /* get_unmapped_area() without a hint */
		if (!target) {
			*err = ENOMEM;
			return -1;
		}
	}
	return move_vma(m, mm, addr, old_len, new_len, target, flags, out, err);
}
