/* VMAs as Linux 6.x keeps them (mm/vma.c): the ordered set of a
 * process's VMAs, splits and merges, changing a range's flags, unmapping a
 * range, the mm's life, /proc/PID/maps, and the VMA walker. The system
 * calls built on them have a file each, as in mm/: mmap.c (mmap, munmap),
 * mprotect.c, madvise.c, brk.c, mremap.c, mlock.c.
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
#include <stdio.h>
#include <stdlib.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/textbuf.h"
#include "reference/internal.h"
#include "reference/vma.h"


/* The process an mm belongs to. */
unsigned mmf_mm_proc(const struct mmf_machine *m, const struct mmf_mm *mm)
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

int mmf_vma_insert(struct mmf_mm *mm, uint32_t i, const struct mmf_vma *v)
{
	if (grow(mm))
		return -1;
	memmove(&mm->vma[i + 1], &mm->vma[i], (mm->nr - i) * sizeof(*v));
	mm->vma[i] = *v;
	mm->nr++;
	return 0;
}

void mmf_vma_remove(struct mmf_mm *mm, uint32_t i)
{
	memmove(&mm->vma[i], &mm->vma[i + 1], (mm->nr - i - 1) * sizeof(mm->vma[0]));
	mm->nr--;
}

int mmf_vma_append(struct mmf_mm *mm, const struct mmf_vma *v)
{
	return mmf_vma_insert(mm, mm->nr, v);
}

/* __split_vma(): vma i becomes [start, at) and [at, end). */
int mmf_vma_split(struct mmf_machine *m, struct mmf_mm *mm, uint32_t i, uint64_t at)
{
	struct mmf_vma hi = mm->vma[i];
	if ((hi.flags & VM_HUGETLB) && (at & ~HUGE_MASK))
		return -EINVAL; /* hugetlb_vm_op_split() */
	hi.pgoff += (at - hi.start) >> AS_PAGE_SHIFT;
	hi.start = at;
	if (mmf_vma_insert(mm, i + 1, &hi))
		return -ENOMEM;
	if (hi.shmem)
		mmf_shmem_get(m, hi.shmem);
	if (hi.huge)
		mmf_hugetlb_obj_get(m, hi.huge);
	mm->vma[i].end = at;
	return 0;
}

static int same_object(const struct mmf_machine *m, const struct mmf_vma *a, uint32_t flags, uint32_t shmem)
{
	uint32_t ignore = VM_SOFTDIRTY | (MUTANT(m, VMA_MERGE_IGNORES_ACCOUNT) ? VM_ACCOUNT | VM_NORESERVE : 0);
	/* hugetlb VMAs have a ->close: never merged (is_mergeable_vma()) */
	return ((a->flags ^ flags) & ~ignore) == 0 && a->shmem == shmem && !(flags & (VM_SPECIAL | VM_HUGETLB));
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
int mmf_vma_anon_both_ok(const struct mmf_vma *prev, const struct mmf_vma *next)
{
	return !prev->anon_vma || !next->anon_vma || prev->anon_vma == next->anon_vma;
}

/* dup_anon_vma(): dst takes src's anon_vma when it has none. */
void mmf_vma_inherit_anon(struct mmf_vma *dst, const struct mmf_vma *src)
{
	if (!dst->anon_vma && src->anon_vma) {
		dst->anon_vma = src->anon_vma;
		dst->chain = src->chain;
	}
}

/* Can [start, end) with these properties (from the VMA src, or new) join
 * prev from above? */
int mmf_vma_merge_after(const struct mmf_machine *m, const struct mmf_vma *prev, uint64_t start, uint32_t flags,
		       uint32_t shmem, uint32_t anon_vma, const struct mmf_vma *src, uint64_t pgoff)
{
	return prev && prev->end == start && same_object(m, prev, flags, shmem) && anon_ok(anon_vma, src, prev) &&
	       prev->pgoff + PAGES(prev) == pgoff;
}

/* ... or next from below? */
int mmf_vma_merge_before(const struct mmf_machine *m, const struct mmf_vma *next, uint64_t end, uint32_t flags,
			uint32_t shmem, uint32_t anon_vma, const struct mmf_vma *src, uint64_t pgoff, uint64_t npages)
{
	return next && next->start == end && same_object(m, next, flags, shmem) && anon_ok(anon_vma, src, next) &&
	       next->pgoff == pgoff + npages;
}

/* The range [start, end) (covering no VMA) becomes mapped: merged into a
 * neighbour or a VMA of its own (vma_merge_new_range, then vma_expand or
 * a new VMA). */
int mmf_vma_map_range(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end, uint32_t flags,
		     uint64_t pgoff, uint32_t shmem, uint32_t anon_vma, uint8_t chain)
{
	uint32_t i = mmf_vma_index(mm, start); /* the first VMA above: next */
	struct mmf_vma *prev = i > 0 ? &mm->vma[i - 1] : NULL, *next = i < mm->nr ? &mm->vma[i] : NULL;
	uint64_t npages = (end - start) >> AS_PAGE_SHIFT;
	struct mmf_vma self = { .start = start, .end = end, .pgoff = pgoff, .flags = flags, .shmem = shmem,
				.anon_vma = anon_vma, .chain = chain };
	/* a moved VMA (mremap's copy_vma()) merges as the VMA it was copied
	 * from (vmg->copied_from): one whose anon_vma a fork cloned joins no
	 * neighbour without an anon_vma (Linux 6.18 stable; a new range has
	 * none, and merges as before) */
	int left = mmf_vma_merge_after(m, prev, start, flags, shmem, anon_vma, &self, pgoff);
	int right = mmf_vma_merge_before(m, next, end, flags, shmem, anon_vma, &self, pgoff, npages);
	if (left && right && !mmf_vma_anon_both_ok(prev, next))
		right = 0; /* prev wins, as vma_merge_new_range() tries left first */
	if (left && right) {
		/* vma_expand(): prev takes next's anon_vma if it has none */
		prev->end = next->end;
		mmf_vma_inherit_anon(prev, &self);
		mmf_vma_inherit_anon(prev, next);
		prev->unmerged |= next->unmerged; /* next's right neighbour may stay apart from it */
		mmf_vma_remove(mm, i);
	} else if (left) {
		prev->end = end;
		mmf_vma_inherit_anon(prev, &self);
	} else if (right) {
		next->start = start;
		next->pgoff = pgoff;
		mmf_vma_inherit_anon(next, &self);
	} else {
		if (mmf_vma_insert(mm, i, &self))
			return -1;
		if (shmem)
			mmf_shmem_get(m, shmem);
	}
	return 0;
}


void mmf_vm_stat_account(struct mmf_mm *mm, uint32_t flags, int64_t npages)
{
	mm->total_vm += (uint64_t)npages;
	if ((flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
		mm->data_vm += (uint64_t)npages;
}

/* Removes [start, end) from the VMAs (do_vmi_align_munmap()). */
int mmf_vma_unmap_region(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end)
{
	uint32_t i = mmf_vma_index(mm, start);
	if (i >= mm->nr || mm->vma[i].start >= end)
		return 0;
	int r, split = 0;
	if (mm->vma[i].start < start) {
		if ((r = mmf_vma_split(m, mm, i, start)))
			return r;
		i++;
		split = 1;
	}
	uint32_t j = i;
	while (j < mm->nr && mm->vma[j].start < end)
		j++;
	if (mm->vma[j - 1].end > end && (r = mmf_vma_split(m, mm, j - 1, end))) {
		/* a hugetlb VMA cannot split there: the first split stays, and
		 * Linux merges its halves back no more than any other */
		if (split)
			mm->vma[i - 1].unmerged = mm->vma[i].unmerged = 1;
		return r;
	}
	uint32_t drop_tail = MUTANT(m, MUNMAP_LEAVES_TAIL) && j - i > 1;
	uint64_t first = mm->vma[i].start, last = mm->vma[j - 1 - drop_tail].end;
	/* unmap_vmas(), then the VMAs go, then free_pgtables() between the
	 * neighbours that stay. */
	mmf_unmap_range(m, mm, first, last);
	for (uint32_t k = i; k < j - drop_tail; k++) {
		struct mmf_vma *v = &mm->vma[i];
		mmf_vm_stat_account(mm, v->flags, -(int64_t)PAGES(v));
		if (v->flags & VM_ACCOUNT)
			mm->committed -= PAGES(v);
		if (v->flags & VM_LOCKED)
			mm->locked_vm -= PAGES(v);
		if (v->shmem)
			mmf_shmem_put(m, v->shmem);
		if (v->huge)
			mmf_hugetlb_vma_close(m, v);
		mmf_vma_remove(mm, i);
	}
	uint64_t floor = i > 0 ? mm->vma[i - 1].end : 0, ceiling = i < mm->nr ? mm->vma[i].start : 0;
	mmf_free_pgd_range(m, mm, first, last, floor, ceiling);
	return 0;
}


/* Free means no VMA in [addr, addr + len). */
int mmf_vma_range_free(struct mmf_mm *mm, uint64_t addr, uint64_t end)
{
	uint32_t i = mmf_vma_index(mm, addr);
	return i >= mm->nr || mm->vma[i].start >= end;
}

/* vm_unmapped_area() top-down: the end of the highest gap below
 * mmap_base (and above the window's base) that fits; 0 when none does. */
uint64_t mmf_vma_topdown(const struct mmf_mm *mm, uint64_t len)
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

uint64_t mmf_vma_topdown_aligned(const struct mmf_mm *mm, uint64_t len, uint64_t align)
{
	uint64_t upper = mm->mmap_base;
	for (uint32_t i = mm->nr + 1; i-- > 0;) {
		const struct mmf_vma *v = i ? &mm->vma[i - 1] : NULL;
		if (v && v->start >= upper)
			continue;
		uint64_t lower = v && v->end > AS_WINDOW_BASE ? v->end : AS_WINDOW_BASE;
		if (upper > lower && upper - lower >= len) {
			uint64_t a = (upper - len) & ~(align - 1);
			if (a >= lower)
				return a;
		}
		if (!v)
			break;
		upper = v->start;
		if (upper <= AS_WINDOW_BASE)
			return 0;
	}
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
	if ((v->flags & VM_HUGETLB) && (((start > v->start) && (start & ~HUGE_MASK)) || ((end < v->end) && (end & ~HUGE_MASK))))
		return -EINVAL; /* the split would fail (hugetlb_vm_op_split()) */
	uint64_t pgoff = v->pgoff + ((start - v->start) >> AS_PAGE_SHIFT);
	struct mmf_vma *prev = i > 0 ? &mm->vma[i - 1] : NULL, *next = i + 1 < mm->nr ? &mm->vma[i + 1] : NULL;
	int left = start == v->start && mmf_vma_merge_after(m, prev, start, newflags, v->shmem, v->anon_vma, v, pgoff);
	int right = end == v->end && mmf_vma_merge_before(m, next, end, newflags, v->shmem, v->anon_vma, v, pgoff, npages);
	if (left && right && !mmf_vma_anon_both_ok(prev, next))
		right = 0;
	mmf_vm_stat_account(mm, oldflags, -(int64_t)npages);
	mmf_vm_stat_account(mm, newflags, (int64_t)npages);
	if (left && right) { /* prev absorbs v and next */
		prev->end = next->end;
		mmf_vma_inherit_anon(prev, v);
		mmf_vma_inherit_anon(prev, next);
		prev->unmerged |= next->unmerged;
		mmf_vma_remove(mm, i + 1);
		mmf_vma_remove(mm, i);
		return 0;
	}
	if (left) { /* prev grows over [start, end) */
		prev->end = end;
		mmf_vma_inherit_anon(prev, v);
		if (end == v->end) {
			prev->unmerged |= v->unmerged;
			mmf_vma_remove(mm, i);
			return 0;
		}
		v->pgoff += npages;
		v->start = end;
		return 0;
	}
	if (right) { /* next grows down to start */
		next->start = start;
		next->pgoff = pgoff;
		mmf_vma_inherit_anon(next, v);
		if (start == v->start) {
			next->unmerged |= v->unmerged;
			mmf_vma_remove(mm, i);
			return 0;
		}
		v->end = start;
		return 0;
	}
	int r;
	if (start > v->start) {
		if ((r = mmf_vma_split(m, mm, i, start)))
			return r;
		i++;
	}
	uint64_t split_end = MUTANT(m, MPROTECT_SPLIT_OFF_BY_ONE) ? end + AS_PAGE_SIZE : end;
	if (split_end < mm->vma[i].end && (r = mmf_vma_split(m, mm, i, split_end)))
		return r;
	mm->vma[i].flags = newflags;
	return 0;
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
	mmf_hugetlb_reset(m);
	mmf_thp_reset(m);
	as->nr_lazy = 0;
	as->nr_mlock = 0;
	as->nr_act = 0;
	as->proc[0].live = 1;
	as->proc[0].pid = 1;
	for (unsigned p = 0; p < MMF_NPROCS; p++)
		as->proc[p].oom_score_adj = as->proc[p].oom_score_adj_min = 0;
	as->current = as->forking = as->oom_victim = -1;
	as->no_oom = 0;
	as->oom_report[0] = 0;
	mmf_mm_setup(m, &as->proc[0].mm);
	as->next_pid = 2;
	as->next_anon_vma = 0;
	as->next_shmem = 0;
	as->pfn_buf = MMF_NIL; /* its frames went back with the machine's reset */
	memset(as->generation, 0, sizeof(as->generation));
	memset(&as->depth, 0, sizeof(as->depth));
	as->depth.procs_max = 1;
	as->used = 0;
}

void mmf_as_maps_line(struct mmf_out *o, const struct mmf_machine *m, const struct mmf_mm *mm, const struct mmf_vma *v)
{
	size_t line = o->len;
	int pfnmap = (v->flags & VM_PFNMAP) != 0, file = v->shmem ? mmf_shmem_file(m, v->shmem) : -1;
	/* shmem files live on the internal tmpfs (device 00:01); the PFN
	 * device node on devtmpfs (00:05), inode 1 in the model */
	const char perms[4] = { v->flags & VM_READ ? 'r' : '-', v->flags & VM_WRITE ? 'w' : '-',
				v->flags & VM_EXEC ? 'x' : '-', v->flags & VM_MAYSHARE ? 's' : 'p' };
	/* a MAP_HUGETLB mapping's file is on the internal hugetlbfs mount
	 * (a device number of its boot's own, 00:0f in the model) */
	mmf_out_maps_head(o, v->start, v->end, perms, v->shmem || pfnmap || v->huge ? v->pgoff << AS_PAGE_SHIFT : 0, 0,
			  pfnmap ? 5 : v->shmem ? 1 : v->huge ? 15 : 0,
			  pfnmap ? 1ul : v->huge ? 0x10000ul + v->huge : (unsigned long)v->shmem);
	char memfd[40];
	if (v->shmem && file >= 0)
		snprintf(memfd, sizeof(memfd), "/memfd:mmfuzz%d (deleted)", file);
	const char *name = pfnmap			 ? "/dev/mmfuzz_pfn"
			   : v->huge			 ? "/anon_hugepage (deleted)"
			   : v->shmem && file >= 0	 ? memfd
			   : v->shmem			 ? "/dev/zero (deleted)"
			   : v->start < mm->brk && v->end > mm->start_brk ? "[heap]"
									      : NULL;
	if (name) {
		int pad = o->len - line < 72 ? (int)(72 - (o->len - line)) : 0;
		mmf_out_put(o, "%*s %s", pad, "", name);
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
	if (m->nr_anon || m->nr_pagetables || m->as->hstate.nr)
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
	if (mmf_hugetlb_is_valid(m, refs, msg, cap))
		return -1;
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
		if (pg->flags & PG_swapcache)
			refs[pfn]++; /* the swap cache's */
		if ((uint32_t)pg->refcount != refs[pfn])
			return mmf_fail(msg, cap, "pte_refcount: user page pfn %u refcount %d, %u mappings and cache references",
				        pfn, pg->refcount, refs[pfn]);
		/* with the mlock batch moved, a page a locked VMA maps is
		 * unevictable (the converse need not hold: MREMAP_DONTUNMAP
		 * leaves mlocked pages in a VMA it unlocks) */
		/* (a THP folio's pages are mlocked only by a call whose range
		 * held the folio whole: a later merge does not lock it) */
		if (!m->as->nr_mlock && !(pg->flags & PG_unevictable) && mmf_rmap_walk_locked(m, pfn) &&
		    !(pg->flags & PG_large))
			return mmf_fail(msg, cap, "unevictable: user page pfn %u %s on the unevictable list, %u ptes of locked VMAs map it",
				        pfn, (pg->flags & PG_unevictable) ? "is" : "is not", mmf_rmap_walk_locked(m, pfn));
	}
	if (anon != m->nr_anon)
		return mmf_fail(msg, cap, "anon_counters: %u user pages, counter says %u", anon, m->nr_anon);
	return 0;
}
