/* Locked memory (mm/mlock.c, mm/gup.c's __mm_populate): mlock, mlock2,
 * munlock, mlockall, munlockall; VM_LOCKED and VM_LOCKONFAULT on VMAs,
 * mm->locked_vm against RLIMIT_MEMLOCK, and the pages a lock faults in.
 *
 * Locking is a VMA flag change like mprotect's: the range's VMAs take the
 * new flags, merging with neighbours or splitting (mlock_fixup), and a VMA
 * that cannot be locked (VM_SPECIAL: PFN mappings) is left alone and not
 * counted. Only then are the pages faulted in, as GUP does (read faults,
 * write faults where the mapping is private and writable), unless the lock
 * is MLOCK_ONFAULT: a fault that fails ends the call with ENOMEM (EFAULT
 * inside, as POSIX wants it), with the flags already set. The model counts
 * locked_vm as Linux does, including its quirks (count_mm_mlocked_page_nr()
 * when the limit is near). It keeps no per-page mlock state: meminfo's
 * Mlocked (and Unevictable, which holds nothing else here) is the pages a
 * pte of a locked VMA maps, counted once each, as PG_mlocked would have
 * them once the per-CPU mlock batches drained.
 *
 * The limit is the kernel knob memlock_kb (mmfuzz/kernel.h): a process
 * with CAP_IPC_LOCK, or an infinite RLIMIT_MEMLOCK, has none. */
#include <errno.h>
#include <stdlib.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/textbuf.h"

#define VM_LOCKED_MASK (VM_LOCKED | VM_LOCKONFAULT)

/* MLOCK_ONFAULT; MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT (x86 and arm). */
#define MLOCK_ONFAULT 1u
#define MCL_CURRENT 1u
#define MCL_FUTURE 2u
#define MCL_ONFAULT 4u

/* rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT, or no limit. */
static uint64_t lock_limit(const struct mmf_machine *m)
{
	if (m->k.memlock_kb == MMF_MEMLOCK_UNLIMITED)
		return UINT64_MAX;
	return ((uint64_t)m->k.memlock_kb << 10) >> AS_PAGE_SHIFT;
}

int mmf_mlock_future_ok(const struct mmf_machine *m, const struct mmf_mm *mm, uint32_t flags, uint64_t len)
{
	if (!(flags & VM_LOCKED))
		return 1;
	return (len >> AS_PAGE_SHIFT) + mm->locked_vm <= lock_limit(m);
}

/* count_mm_mlocked_page_nr(): the pages of locked VMAs the range meets,
 * counted the kernel's way (a VMA reaching past the range counts from its
 * own start). */
static uint64_t count_mm_mlocked_page_nr(const struct mmf_machine *m, const struct mmf_mm *mm, uint64_t start,
					 uint64_t len)
{
	int64_t count = 0;
	for (uint32_t i = 0; i < mm->nr; i++) {
		const struct mmf_vma *v = &mm->vma[i];
		if (v->end <= start || v->start > start + len || !(v->flags & VM_LOCKED))
			continue;
		if (start > v->start)
			count -= (int64_t)(start - v->start);
		if (start + len < v->end) {
			count += (int64_t)(start + len - v->start);
			break;
		}
		count += (int64_t)(v->end - v->start);
	}
	return (uint64_t)count >> AS_PAGE_SHIFT;
}

/* mlock_fixup() for [start, end) of VMA i: 0, or -1 out of memory. */
static int mlock_fixup(struct mmf_machine *m, struct mmf_mm *mm, uint32_t i, uint64_t start, uint64_t end,
		       uint32_t newflags)
{
	uint32_t oldflags = mm->vma[i].flags;
	if (newflags == oldflags || (oldflags & VM_SPECIAL))
		return 0; /* don't set VM_LOCKED or VM_LOCKONFAULT and don't count */
	uint64_t npages = (end - start) >> AS_PAGE_SHIFT;
	if (mmf_vma_modify_flags(m, mm, i, start, end, newflags))
		return -1;
	/* mlock_vma_pages_range() (unless only the ONFAULT bit changes)
	 * drains the CPU's LRU batches before and after its walk, which puts
	 * each page mapped there into the mlock batch */
	if (!((newflags & VM_LOCKED) && (oldflags & VM_LOCKED))) {
		mmf_lru_drain(m);
		mmf_mlock_range(m, mm, start, end);
		mmf_lru_drain(m);
	}
	if (!(newflags & VM_LOCKED))
		mm->locked_vm -= npages;
	else if (!(oldflags & VM_LOCKED))
		mm->locked_vm += npages;
	return 0;
}

/* apply_vma_lock_flags(): each VMA of [start, start + len) takes flags in
 * place of its lock bits. ENOMEM at a hole (what came before it stays
 * changed), or when nothing is mapped at start. */
static int apply_vma_lock_flags(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t len,
				uint32_t flags)
{
	uint64_t end = start + len, nstart = start;
	if (end == start)
		return 0;
	uint32_t i = mmf_vma_index(mm, start);
	if (i >= mm->nr || mm->vma[i].start > start)
		return -ENOMEM;
	for (;;) {
		struct mmf_vma *v = &mm->vma[i];
		uint32_t newflags = (v->flags & ~VM_LOCKED_MASK) | flags;
		uint64_t tmp = v->end < end ? v->end : end;
		if (MUTANT(m, MUNLOCK_KEEPS_LOCKED) && !(flags & VM_LOCKED))
			newflags = v->flags;
		if (mlock_fixup(m, mm, i, nstart, tmp, newflags))
			return -ENOMEM;
		/* on from the end of the VMA now holding tmp - 1 (a merge may
		 * have taken it further) */
		nstart = mm->vma[mmf_vma_index(mm, tmp - 1)].end;
		if (nstart >= end)
			return 0;
		i = mmf_vma_index(mm, nstart);
		if (i >= mm->nr || mm->vma[i].start != nstart)
			return MUTANT(m, MLOCK_HOLE_IGNORED) ? 0 : -ENOMEM;
	}
}

/* populate_vma_page_range(): the pages of [start, end) inside VMA v
 * faulted in as GUP takes them (FOLL_TOUCH; FOLL_WRITE where private and
 * writable; FOLL_FORCE where accessible). The pages done, or -EFAULT for a
 * fault at start (an inaccessible VMA, a page past the end of a file), or
 * -ENOMEM. Nothing for MLOCK_ONFAULT: its pages lock as they fault. */
static int64_t populate_vma_page_range(struct mmf_machine *m, unsigned proc, const struct mmf_vma *v, uint64_t start,
				       uint64_t end)
{
	int64_t nr = (int64_t)((end - start) >> AS_PAGE_SHIFT), done = nr;
	if ((v->flags & VM_LOCKONFAULT) || MUTANT(m, MLOCK_NO_POPULATE))
		return nr;
	int write = (v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
	for (int64_t k = 0; k < nr; k++) {
		/* an inaccessible VMA: check_vma_flags() says -EFAULT */
		int r = (v->flags & VM_ACCESS_FLAGS) ? mmf_as_gup_touch(m, proc, start + ((uint64_t)k << AS_PAGE_SHIFT), write)
						     : 1;
		if (r) {
			done = k ? k : r < 0 ? -ENOMEM : -EFAULT;
			break;
		}
	}
	/* lru_add_drain() after __get_user_pages(), whatever it answered: the
	 * pages this VMA mlocked are on the unevictable list before the next
	 * VMA's are touched */
	mmf_lru_drain(m);
	return done;
}

int mmf_mm_populate(struct mmf_machine *m, unsigned proc, uint64_t start, uint64_t len, int ignore_errors)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	uint64_t end = start + len;
	for (uint64_t nstart = start, nend; mm && nstart < end; nstart = nend) {
		uint32_t i = mmf_vma_index(mm, nstart);
		if (i >= mm->nr || mm->vma[i].start >= end)
			break;
		const struct mmf_vma *v = &mm->vma[i];
		nend = v->end < end ? v->end : end;
		if (v->flags & (VM_IO | VM_PFNMAP))
			continue;
		if (nstart < v->start)
			nstart = v->start;
		int64_t r = populate_vma_page_range(m, proc, v, nstart, nend);
		if (r < 0) {
			if (ignore_errors)
				continue;
			return (int)r;
		}
		nend = nstart + ((uint64_t)r << AS_PAGE_SHIFT);
	}
	return 0;
}

void mmf_vma_populate(struct mmf_machine *m, unsigned proc, const struct mmf_vma *v, uint64_t start, uint64_t end)
{
	(void)populate_vma_page_range(m, proc, v, start, end);
}

/* do_mlock(): the limit, the flags, then the pages. */
static int do_mlock(struct mmf_machine *m, const struct mmf_as_call *c, uint32_t flags, int *err)
{
	struct mmf_mm *mm = mmf_as_mm(m, c->proc);
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	if (lock_limit(m) == 0) { /* can_do_mlock() */
		*err = EPERM;
		return -1;
	}
	m->as->used = 1;
	uint64_t locked = (c->len >> AS_PAGE_SHIFT) + mm->locked_vm;
	if (locked > lock_limit(m))
		locked -= count_mm_mlocked_page_nr(m, mm, c->addr, c->len);
	if (locked > lock_limit(m) || apply_vma_lock_flags(m, mm, c->addr, c->len, flags)) {
		*err = ENOMEM;
		return -1;
	}
	int e = mmf_mm_populate(m, c->proc, c->addr, c->len, 0);
	if (e) { /* __mlock_posix_error_return() */
		*err = e == -EFAULT ? ENOMEM : EAGAIN;
		return -1;
	}
	return 0;
}

int mmf_as_mlock(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	(void)o;
	return do_mlock(m, c, VM_LOCKED, err);
}

int mmf_as_mlock2(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	(void)o;
	if (mmf_as_mm(m, c->proc) && (c->flags & ~MLOCK_ONFAULT)) {
		*err = EINVAL;
		return -1;
	}
	return do_mlock(m, c, VM_LOCKED | (c->flags & MLOCK_ONFAULT ? VM_LOCKONFAULT : 0), err);
}

int mmf_as_munlock(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	(void)o;
	struct mmf_mm *mm = mmf_as_mm(m, c->proc);
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	m->as->used = 1;
	if (apply_vma_lock_flags(m, mm, c->addr, c->len, 0)) {
		*err = ENOMEM;
		return -1;
	}
	return 0;
}

/* apply_mlockall_flags(): the flags future mappings take, and with
 * MCL_CURRENT (or munlockall) every VMA's lock bits; errors are ignored. */
static void apply_mlockall_flags(struct mmf_machine *m, struct mmf_mm *mm, unsigned flags)
{
	uint32_t to_add = 0;
	mm->def_flags &= ~VM_LOCKED_MASK;
	if (flags & MCL_FUTURE) {
		mm->def_flags |= VM_LOCKED | (flags & MCL_ONFAULT ? VM_LOCKONFAULT : 0);
		if (!(flags & MCL_CURRENT))
			return;
	}
	if (flags & MCL_CURRENT)
		to_add = VM_LOCKED | (flags & MCL_ONFAULT ? VM_LOCKONFAULT : 0);
	for (uint64_t addr = 0; mm->nr;) {
		uint32_t i = mmf_vma_index(mm, addr);
		if (i >= mm->nr)
			break;
		struct mmf_vma *v = &mm->vma[i];
		uint64_t end = v->end;
		uint32_t newflags = (v->flags & ~VM_LOCKED_MASK) | to_add;
		if (MUTANT(m, MUNLOCK_KEEPS_LOCKED) && !to_add)
			newflags = v->flags;
		(void)mlock_fixup(m, mm, i, v->start, end, newflags);
		addr = end;
	}
}

int mmf_as_mlockall(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	(void)o;
	struct mmf_mm *mm = mmf_as_mm(m, c->proc);
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	unsigned flags = c->flags;
	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT) {
		*err = EINVAL;
		return -1;
	}
	if (lock_limit(m) == 0) {
		*err = EPERM;
		return -1;
	}
	m->as->used = 1;
	if ((flags & MCL_CURRENT) && mm->total_vm > lock_limit(m)) {
		*err = ENOMEM;
		return -1;
	}
	apply_mlockall_flags(m, mm, flags);
	if (flags & MCL_CURRENT)
		mmf_mm_populate(m, c->proc, 0, UINT64_MAX - AS_PAGE_SIZE, 1);
	return 0;
}

int mmf_as_munlockall(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	(void)o;
	struct mmf_mm *mm = mmf_as_mm(m, c->proc);
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	m->as->used = 1;
	apply_mlockall_flags(m, mm, 0);
	return 0;
}

uint64_t mmf_mlocked_pages(const struct mmf_machine *m)
{
	if (!m->as)
		return 0;
	uint8_t *seen = calloc(m->end_pfn / 8 + 1, 1);
	uint64_t n = 0;
	struct mmf_machine *mw = (struct mmf_machine *)m; /* lookups without allocation do not write */
	for (unsigned p = 0; seen && p < MMF_NPROCS; p++) {
		struct mmf_mm *mm = mmf_as_mm(mw, p);
		for (uint32_t i = 0; mm && mm->pgd != MMF_NIL && i < mm->nr; i++) {
			const struct mmf_vma *v = &mm->vma[i];
			for (uint64_t a = v->start; (v->flags & VM_LOCKED) && a < v->end; a += AS_PAGE_SIZE) {
				const uint64_t *pte = mmf_pte_lookup(mw, mm, a, 0);
				if (!pte || !pte_has_page(*pte) || (seen[pte_pfn(*pte) / 8] & (1u << (pte_pfn(*pte) % 8))))
					continue;
				seen[pte_pfn(*pte) / 8] |= (uint8_t)(1u << (pte_pfn(*pte) % 8));
				n++;
			}
		}
	}
	free(seen);
	return n;
}
