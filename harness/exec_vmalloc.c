/* The executor's vmalloc family. Safety properties of an area: not NULL,
 * page aligned, disjoint from every other live area, every page mapped to
 * a frame that is in memory and owned by nothing else (no other area, no
 * alloc_pages block: the same frame bitmap as the page family), contents
 * kept until vfree, zeroed where __GFP_ZERO asked. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/exec_internal.h"
#include "mmfuzz/gfp.h"
#include "mmfuzz/profile.h"

#define PAGE 4096u

static int areas_overlap(const struct target *t, unsigned self, uint64_t addr, uint64_t len, unsigned *other)
{
	for (uint64_t m = t->vlive & ~(1ull << self); m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctzll(m);
		const struct vslot *v = &t->vslots[i];
		if (addr < v->addr + (uint64_t)v->npages * PAGE && v->addr < addr + len) {
			*other = i;
			return 1;
		}
	}
	return 0;
}

static void release_frames(struct target *t, unsigned prof, const struct vslot *v)
{
	uint64_t *owned = t->owned[prof];
	for (uint32_t k = 0; k < v->npages; k++)
		owned[v->pfn[k] >> 6] &= ~(1ull << (v->pfn[k] & 63));
}

int mmf_exec_step_vmalloc(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	const struct mmf_profile *p = mmf_profile_get(prof);
	uint64_t size = fld.size;
	uint32_t gfp = mmf_gfp_sel(fld.gfp), npages = (uint32_t)((size + PAGE - 1) / PAGE);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct vslot *v = &t->vslots[fld.slot];
		t->out = OUT_SKIPPED;
		if (v->live || !has(t, MMF_CAP_VMALLOC) || t->level[MMF_FAM_VMALLOC] == MMF_LEVEL_NONE)
			continue;
		uint64_t addr = 0;
		int err = 0;
		enum mmf_result r = t->ad->vmalloc(t->ctx[prof], size, gfp, fld.cpu, fld.node, &addr, &err);
		if (r == MMF_UNSUPPORTED)
			return mmf_exec_finding(ex, f, t, step, "vmalloc", "unsupported", "vmalloc unsupported despite its capability");
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, "vmalloc", prof);
		t->err = err;
		if (r != MMF_OK) {
			t->out = OUT_REFUSED;
			continue;
		}
		t->out = OUT_OK;
		t->pfn = addr;
		if (!addr || (addr & (PAGE - 1)))
			return mmf_exec_finding(ex, f, t, step, "vmalloc", "alignment", "area 0x%llx is not a page address",
						(unsigned long long)addr);
		unsigned other;
		if (areas_overlap(t, fld.slot, addr, (uint64_t)npages * PAGE, &other))
			return mmf_exec_finding(ex, f, t, step, "vmalloc", "overlap", "area 0x%llx+%u pages overlaps slot %u's",
						(unsigned long long)addr, npages, other);
		uint64_t *owned = t->owned[prof];
		int cma = has(t, MMF_CAP_CMA) && p->nr_cma;
		for (uint32_t k = 0; k < npages; k++) {
			uint64_t pfn = 0;
			r = t->ad->vmalloc_to_pfn(t->ctx[prof], addr + (uint64_t)k * PAGE, &pfn);
			if (r == MMF_CORRUPT)
				return mmf_exec_corrupt_finding(ex, f, t, step, "vmalloc", prof);
			if (r != MMF_OK || pfn >= p->end_pfn)
				return mmf_exec_finding(ex, f, t, step, "vmalloc", "unmapped",
							"page %u of area 0x%llx maps to no frame in memory", k, (unsigned long long)addr);
			uint64_t bit = 1ull << (pfn & 63);
			if (owned[pfn >> 6] & bit) {
				for (uint32_t j = 0; j < k; j++)
					mmf_exec_owned_set(t->owned[prof], v->pfn[j], 1, 0);
				return mmf_exec_finding(ex, f, t, step, "vmalloc", "frame_shared",
							"page %u of area 0x%llx is frame %llu, which is already in use", k,
							(unsigned long long)addr, (unsigned long long)pfn);
			}
			/* vmalloc's pages are unmovable: never borrowed from CMA. */
			if (cma && mmf_profile_cma_of(p, (uint32_t)pfn) >= 0) {
				for (uint32_t j = 0; j < k; j++)
					mmf_exec_owned_set(t->owned[prof], v->pfn[j], 1, 0);
				return mmf_exec_finding(ex, f, t, step, "vmalloc", "cma_unmovable",
							"page %u of area 0x%llx is frame %llu, inside CMA area %s", k,
							(unsigned long long)addr, (unsigned long long)pfn,
							p->cma[mmf_profile_cma_of(p, (uint32_t)pfn)].name);
			}
			owned[pfn >> 6] |= bit;
			v->pfn[k] = (uint32_t)pfn;
		}
		vslot_live(t, fld.slot, 1);
		v->addr = addr;
		v->npages = npages;
		v->nw = 0;
		v->zeroed = (gfp & __GFP_ZERO) != 0;
	}
	/* Exact adapters must also have picked the same frames, in order. */
	const struct target *o = &ex->t[0];
	const struct vslot *ov = &o->vslots[fld.slot];
	for (unsigned i = 1; i < ex->nt && o->out == OUT_OK; i++) {
		const struct target *t = &ex->t[i];
		const struct vslot *v = &t->vslots[fld.slot];
		if (t->out != OUT_OK || t->level[MMF_FAM_VMALLOC] < MMF_LEVEL_EXACT)
			continue;
		for (uint32_t k = 0; k < npages; k++)
			if (v->pfn[k] != ov->pfn[k])
				return mmf_exec_finding(ex, f, t, step, "vmalloc", "exact_frames",
							"page %u of the area is frame %u where the oracle has %u", k, v->pfn[k],
							ov->pfn[k]);
	}
	return mmf_exec_compare(ex, f, step, "vmalloc");
}

int mmf_exec_step_vfree(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
		      unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct vslot *v = &t->vslots[fld.slot];
		t->out = OUT_SKIPPED;
		if (!v->live)
			continue;
		enum mmf_result r = t->ad->vfree(t->ctx[prof], v->addr, fld.cpu);
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, "vfree", prof);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, "vfree", "free_refused", "vfree of 0x%llx answered %s",
						(unsigned long long)v->addr, mmf_result_name(r));
		release_frames(t, prof, v);
		vslot_live(t, fld.slot, 0);
		t->out = OUT_OK;
	}
	return 0;
}

static unsigned written(const struct vslot *v, uint32_t w)
{
	unsigned k = 0;
	while (k < v->nw && v->widx[k] != w)
		k++;
	return k;
}

int mmf_exec_step_vmem(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
		     unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	int write = op->code == MMF_OP_VWRITE, to_page = op->code == MMF_OP_VMALLOC_TO_PAGE;
	const char *name = write ? "vwrite" : to_page ? "vmalloc_to_page" : "vread";
	uint64_t token = mmf_exec_token(ex, step, fld.token);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct vslot *v = &t->vslots[fld.slot];
		t->out = OUT_SKIPPED;
		if (!v->live)
			continue;
		uint32_t page = fld.page % v->npages;
		uint64_t addr = v->addr + (uint64_t)page * PAGE, val = 0;
		enum mmf_result r;
		if (to_page) {
			r = t->ad->vmalloc_to_pfn(t->ctx[prof], addr, &val);
			if (r == MMF_OK && val != v->pfn[page])
				return mmf_exec_finding(ex, f, t, step, name, "remapped",
							"page %u of area 0x%llx is now frame %llu, was %u", page,
							(unsigned long long)v->addr, (unsigned long long)val, v->pfn[page]);
		} else {
			r = write ? t->ad->vmem_write(t->ctx[prof], addr, token) : t->ad->vmem_read(t->ctx[prof], addr, &val);
		}
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, name, prof);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, name, "unsupported", "%s answered %s", name, mmf_result_name(r));
		t->out = OUT_OK;
		t->pfn = addr;
		t->token = val;
		if (to_page)
			continue;
		unsigned k = written(v, page);
		if (write) {
			if (k == v->nw) {
				if (v->nw == NWRITES) {
					v->zeroed = 0;
					memmove(v->widx, v->widx + 1, sizeof(v->widx[0]) * (NWRITES - 1));
					memmove(v->wtok, v->wtok + 1, sizeof(v->wtok[0]) * (NWRITES - 1));
					k = NWRITES - 1;
				} else {
					v->nw++;
				}
			}
			v->widx[k] = page;
			v->wtok[k] = token;
		} else if (k < v->nw && val != v->wtok[k]) {
			return mmf_exec_finding(ex, f, t, step, name, "contents", "page %u of area 0x%llx holds %#llx, %#llx was written",
						page, (unsigned long long)v->addr, (unsigned long long)val,
						(unsigned long long)v->wtok[k]);
		} else if (k == v->nw && v->zeroed && val) {
			return mmf_exec_finding(ex, f, t, step, name, "zeroed", "page %u of a zeroed area 0x%llx holds %#llx", page,
						(unsigned long long)v->addr, (unsigned long long)val);
		}
	}
	return write ? 0 : mmf_exec_compare(ex, f, step, name);
}
