/* The executor's CMA ops: cma_alloc and cma_release on CMA slots, and
 * pin_page/unpin_page on page slots.
 *
 * Safety properties judged here, for adapters that declare MMF_CAP_CMA:
 * a range handed out lies inside the area it was asked from, is aligned
 * to 2^min(align, 8) and overlaps no live block; a block the adapter
 * migrated (reported through `moved`) was a movable, unpinned block a page
 * slot holds, and its new home is in memory, aligned to its order and
 * free. Contents moving with the block are checked by the next read_page;
 * an unmovable block inside a CMA area is caught where it is handed out
 * (alloc_pages, vmalloc). */
#include <errno.h>
#include <stdio.h>

#include "harness/exec_internal.h"
#include "mmfuzz/profile.h"

#define CMA_ALIGNMENT 8 /* the kernel's CONFIG_CMA_ALIGNMENT cap */

static int apply_moves(struct mmf_exec *ex, struct mmf_finding *f, struct target *t, uint32_t step, unsigned prof)
{
	const struct mmf_profile *p = mmf_profile_get(prof);
	uint64_t olds[32], news[32];
	unsigned n;
	while ((n = t->ad->moved(t->ctx[prof], olds, news, 32)) > 0) {
		for (unsigned i = 0; i < n && i < 32; i++) {
			struct slot *s = NULL;
			for (unsigned j = 0; j < MMF_NSLOTS && !s; j++)
				if (t->slots[j].live && t->slots[j].pfn == olds[i])
					s = &t->slots[j];
			if (!s)
				return mmf_exec_finding(ex, f, t, step, "cma_alloc", "migrate_stray",
							"moved pfn %llu to %llu, but no page slot holds a block at %llu",
							(unsigned long long)olds[i], (unsigned long long)news[i],
							(unsigned long long)olds[i]);
			if (!s->movable)
				return mmf_exec_finding(ex, f, t, step, "cma_alloc", "migrate_unmovable",
							"moved the unmovable block at pfn %llu", (unsigned long long)olds[i]);
			if (s->pins)
				return mmf_exec_finding(ex, f, t, step, "cma_alloc", "migrate_pinned",
							"moved the block at pfn %llu while it holds %u pins",
							(unsigned long long)olds[i], s->pins);
			uint32_t len = 1u << s->order;
			uint64_t np = news[i], hit;
			if (np >= p->end_pfn || np + len > p->end_pfn || (np & (len - 1)))
				return mmf_exec_finding(ex, f, t, step, "cma_alloc", "migrate_target",
							"block at pfn %llu order %u moved to pfn %llu", (unsigned long long)olds[i],
							s->order, (unsigned long long)np);
			mmf_exec_owned_set(t->owned[prof], s->pfn, len, 0);
			s->pfn = np; /* set first, so a finding below clears the right bits */
			if (mmf_exec_owned_any(t->owned[prof], np, len, &hit)) {
				s->live = 0;
				return mmf_exec_finding(ex, f, t, step, "cma_alloc", "overlap",
							"block at pfn %llu moved to pfn %llu+%u, over a live block at pfn %llu",
							(unsigned long long)olds[i], (unsigned long long)np, len,
							(unsigned long long)hit);
			}
			mmf_exec_owned_set(t->owned[prof], np, len, 1);
		}
	}
	return 0;
}

int mmf_exec_step_cma_alloc(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			  unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	const struct mmf_profile *p = mmf_profile_get(prof);
	unsigned area = fld.area, align = fld.align, cpu = fld.cpu;
	uint32_t count = fld.count;
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct cmaslot *s = &t->cmaslots[fld.slot];
		t->out = OUT_SKIPPED;
		if (s->live || t->level[MMF_FAM_PAGE] == MMF_LEVEL_NONE || !has(t, MMF_CAP_CMA))
			continue;
		uint64_t pfn = 0, hit;
		int err = 0;
		enum mmf_result r = t->ad->cma_alloc(t->ctx[prof], area, count, align, cpu, &pfn, &err);
		if (r == MMF_UNSUPPORTED)
			return mmf_exec_finding(ex, f, t, step, "cma_alloc", "unsupported",
						"cma_alloc unsupported despite MMF_CAP_CMA");
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, "cma_alloc", prof);
		if (apply_moves(ex, f, t, step, prof))
			return 1;
		t->err = err;
		t->pfn = pfn;
		t->token = 0;
		if (r == MMF_REFUSED) {
			t->out = OUT_REFUSED;
			continue;
		}
		t->out = OUT_OK;
		if (area >= p->nr_cma || count == 0)
			return mmf_exec_finding(ex, f, t, step, "cma_alloc", "cma_range",
						"cma_alloc of %u pages from area %u succeeded; the profile has %u areas", count,
						area, p->nr_cma);
		const struct mmf_cma_desc *d = &p->cma[area];
		if (pfn < d->base_pfn || pfn - d->base_pfn >= d->count || count > d->base_pfn + d->count - pfn)
			return mmf_exec_finding(ex, f, t, step, "cma_alloc", "cma_range",
						"range pfn %llu+%u is not inside area %s (pfn %u+%u)", (unsigned long long)pfn,
						count, d->name, d->base_pfn, d->count);
		unsigned a = align > CMA_ALIGNMENT ? CMA_ALIGNMENT : align;
		if (pfn & ((1ull << a) - 1))
			return mmf_exec_finding(ex, f, t, step, "cma_alloc", "alignment",
						"range pfn %llu is not aligned to order %u", (unsigned long long)pfn, a);
		if (mmf_exec_owned_any(t->owned[prof], pfn, count, &hit))
			return mmf_exec_finding(ex, f, t, step, "cma_alloc", "overlap",
						"range pfn %llu+%u overlaps a live block at pfn %llu", (unsigned long long)pfn,
						count, (unsigned long long)hit);
		mmf_exec_owned_set(t->owned[prof], pfn, count, 1);
		s->live = 1;
		s->area = (uint8_t)area;
		s->count = count;
		s->pfn = pfn;
	}
	return mmf_exec_compare(ex, f, step, "cma_alloc");
}

int mmf_exec_step_cma_release(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			    unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct cmaslot *s = &t->cmaslots[fld.slot];
		t->out = OUT_SKIPPED;
		if (!s->live)
			continue;
		enum mmf_result r = t->ad->cma_release(t->ctx[prof], s->area, s->pfn, s->count);
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, "cma_release", prof);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, "cma_release", "release_refused",
						"cma_release of pfn %llu+%u answered %s", (unsigned long long)s->pfn, s->count,
						mmf_result_name(r));
		mmf_exec_owned_set(t->owned[prof], s->pfn, s->count, 0);
		s->live = 0;
		t->out = OUT_OK;
	}
	return 0;
}

int mmf_exec_step_pin(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
		    unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	int pin = op->code == MMF_OP_PIN_PAGE;
	const char *name = pin ? "pin_page" : "unpin_page";
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct slot *s = &t->slots[fld.slot];
		t->out = OUT_SKIPPED;
		if (!s->live || !has(t, MMF_CAP_CMA) || (!pin && !s->pins))
			continue;
		enum mmf_result r = pin ? t->ad->pin_page(t->ctx[prof], s->pfn) : t->ad->unpin_page(t->ctx[prof], s->pfn);
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, name, prof);
		if (r == MMF_UNSUPPORTED || (!pin && r != MMF_OK))
			return mmf_exec_finding(ex, f, t, step, name, "unsupported", "%s of pfn %llu answered %s", name,
						(unsigned long long)s->pfn, mmf_result_name(r));
		t->err = r == MMF_REFUSED ? EBUSY : 0;
		t->out = r == MMF_OK ? OUT_OK : OUT_REFUSED;
		if (r == MMF_OK)
			s->pins = (uint8_t)(pin ? s->pins + 1 : s->pins - 1);
	}
	return mmf_exec_compare(ex, f, step, name);
}

int mmf_exec_unpin_all(struct mmf_exec *ex, struct mmf_finding *f, struct target *t, uint32_t step, unsigned prof,
		       struct slot *s)
{
	while (s->pins) {
		enum mmf_result r = t->ad->unpin_page(t->ctx[prof], s->pfn);
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, "free_pages", prof);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, "free_pages", "unsupported",
						"unpin of pfn %llu before its free answered %s", (unsigned long long)s->pfn,
						mmf_result_name(r));
		s->pins--;
	}
	return 0;
}
