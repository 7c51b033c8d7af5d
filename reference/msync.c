/* msync() (mm/msync.c): its answers. The model's files are tmpfs, whose
 * fsync has nothing to write, so what msync does is only which errno it
 * gives: EINVAL for unknown flags or MS_ASYNC with MS_SYNC, EBUSY for
 * MS_INVALIDATE over a locked VMA, ENOMEM for a range that is not all
 * mapped (at once for plain MS_ASYNC, else after the mapped parts). */
#include <errno.h>

#include "reference/as.h"
#include "reference/mm.h"
#include "reference/textbuf.h"

#define MS_ASYNC 1u
#define MS_INVALIDATE 2u
#define MS_SYNC 4u

int mmf_as_msync(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	(void)o;
	struct mmf_mm *mm = mmf_as_mm(m, c->proc);
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	unsigned flags = c->flags;
	if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) || (c->addr & (AS_PAGE_SIZE - 1)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC))) {
		*err = EINVAL;
		return -1;
	}
	m->as->used = 1;
	uint64_t start = c->addr, end = start + ((c->len + AS_PAGE_SIZE - 1) & ~(AS_PAGE_SIZE - 1));
	int unmapped = 0;
	while (start < end) {
		uint32_t i = mmf_vma_index(mm, start);
		if (i >= mm->nr) {
			*err = ENOMEM;
			return -1;
		}
		const struct mmf_vma *v = &mm->vma[i];
		if (start < v->start) {
			if (flags == MS_ASYNC || v->start >= end) {
				*err = ENOMEM;
				return -1;
			}
			start = v->start;
			unmapped = 1;
		}
		if ((flags & MS_INVALIDATE) && (v->flags & VM_LOCKED) && !MUTANT(m, MSYNC_INVALIDATES_LOCKED)) {
			*err = EBUSY;
			return -1;
		}
		start = v->end;
	}
	if (unmapped) {
		*err = ENOMEM;
		return -1;
	}
	return 0;
}
