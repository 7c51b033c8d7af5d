/* The executor's object family: kmalloc, kfree, krealloc, ksize, object
 * contents and kmem_cache ops on every target. Safety properties of an
 * object: not NULL, aligned (8 bytes; a power-of-two kmalloc size to
 * itself, up to a page; a cache's object to the cache's alignment), usable
 * size at least the size asked for, disjoint from every other live object
 * over its usable size, contents kept until freed (krealloc keeps the
 * common prefix), zeroed where __GFP_ZERO asked. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/exec_internal.h"
#include "harness/remote.h"
#include "harness/optable.h"
#include "mmfuzz/gfp.h"

#define PAGE 4096u

static unsigned kmalloc_align(uint64_t size)
{
	if (size && !(size & (size - 1)))
		return size < PAGE ? (unsigned)size : PAGE;
	return 8;
}

/* malloc's promise (MMF_CAP_MALLOC): alignof(max_align_t), 16 on the
 * 64-bit ABIs, or for a smaller size the alignment of any object that fits
 * in it (the largest power of two not above the size). */
static unsigned malloc_align(uint64_t size)
{
	unsigned a = 16;
	while (a > 1 && a > size)
		a >>= 1;
	return a;
}

static unsigned new_object_align(const struct target *t, uint64_t size)
{
	return has(t, MMF_CAP_MALLOC) ? malloc_align(size) : kmalloc_align(size);
}

/* The slab flag bits of a cache_create record, as kmem_cache_create flags. */
static uint32_t slab_flags(unsigned bits)
{
	return (bits & 1 ? MMF_SLAB_RED_ZONE : 0) | (bits & 2 ? MMF_SLAB_POISON : 0) |
	       (bits & 4 ? MMF_SLAB_HWCACHE_ALIGN : 0);
}

static int overlaps(const struct target *t, unsigned self, uint64_t addr, uint64_t len, unsigned *other)
{
	for (uint64_t m = t->olive & ~(1ull << self); m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctzll(m);
		const struct oslot *o = &t->oslots[i];
		uint64_t olen = o->usable > o->size ? o->usable : o->size;
		if (!olen)
			continue;
		if (addr < o->addr + olen && o->addr < addr + len) {
			*other = i;
			return 1;
		}
	}
	return 0;
}

/* The fill pattern of malloc-style targets (MMF_CAP_MALLOC): a new block
 * gets a token in its first and its last word, and every word recorded
 * for a block is read back when it is freed and right after realloc
 * carried it, so a lost tail, an overlapping neighbour's writes or a
 * recycled block still in use all show, not only where a later read
 * happens to look. */
static int verify_words(struct mmf_exec *ex, struct mmf_finding *f, struct target *t, uint32_t step, const char *op,
			unsigned prof, const struct oslot *s)
{
	for (unsigned k = 0; k < s->nw; k++) {
		uint64_t val = 0, addr = s->addr + (uint64_t)s->widx[k] * 8;
		/* out of process, the read goes with the next call that waits */
		mmf_remote_mark_as(step, op, &(struct mmf_remote_note){ MMF_REMOTE_WORD, s->widx[k], s->addr });
		int d = mmf_remote_expect(t->ad, t->ctx[prof], addr, s->wtok[k], 1);
		if (d > 0)
			return mmf_exec_corrupt_finding(ex, f, t, step, op, prof);
		if (d == 0)
			continue;
		enum mmf_result r = t->ad->obj_read(t->ctx[prof], addr, &val);
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, op, prof);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, op, "unsupported", "obj_read answered %s", mmf_result_name(r));
		if (val != s->wtok[k])
			return mmf_exec_finding(ex, f, t, step, op, "contents",
						"word %u of block 0x%llx holds %#llx, %#llx was written", s->widx[k],
						(unsigned long long)s->addr, (unsigned long long)val,
						(unsigned long long)s->wtok[k]);
	}
	return 0;
}

/* Writes the pattern into word w of s (recorded like any write); a word
 * that should be zero is checked first. */
static int fill_word(struct mmf_exec *ex, struct mmf_finding *f, struct target *t, uint32_t step, const char *op,
		     unsigned prof, struct oslot *s, uint32_t w)
{
	uint64_t addr = s->addr + (uint64_t)w * 8, val = 0;
	for (unsigned k = 0; k < s->nw; k++)
		if (s->widx[k] == w)
			return 0; /* carried over: verified, keep it */
	int d = -1;
	if ((uint64_t)w * 8 + 8 <= s->zero_limit) {
		mmf_remote_mark_as(step, op, &(struct mmf_remote_note){ MMF_REMOTE_ZEROED, w, s->addr });
		d = mmf_remote_expect(t->ad, t->ctx[prof], addr, 0, 0);
		if (d > 0)
			return mmf_exec_corrupt_finding(ex, f, t, step, op, prof);
	}
	if (d < 0 && (uint64_t)w * 8 + 8 <= s->zero_limit) {
		enum mmf_result r = t->ad->obj_read(t->ctx[prof], addr, &val);
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, op, prof);
		if (r == MMF_OK && val)
			return mmf_exec_finding(ex, f, t, step, op, "zeroed", "word %u of a zeroed block 0x%llx holds %#llx",
						w, (unsigned long long)s->addr, (unsigned long long)val);
	}
	if (s->nw == NWRITES)
		return 0;
	uint64_t token = mmf_exec_token(ex, step, (uint8_t)(0xa5 ^ w));
	mmf_remote_mark(step, op); /* where its failure belongs, if it is deferred */
	enum mmf_result r = t->ad->obj_write(t->ctx[prof], addr, token);
	if (r == MMF_CORRUPT)
		return mmf_exec_corrupt_finding(ex, f, t, step, op, prof);
	if (r != MMF_OK)
		return mmf_exec_finding(ex, f, t, step, op, "unsupported", "obj_write answered %s", mmf_result_name(r));
	s->widx[s->nw] = w;
	s->wtok[s->nw++] = token;
	return 0;
}

static int fill_ends(struct mmf_exec *ex, struct mmf_finding *f, struct target *t, uint32_t step, const char *op,
		     unsigned prof, struct oslot *s)
{
	if (!has(t, MMF_CAP_MALLOC) || !has(t, MMF_CAP_OBJ_CONTENTS) || s->size < 8)
		return 0;
	uint32_t last = (uint32_t)((s->size / 8 - 1) % 16384); /* as obj_write reaches it */
	return fill_word(ex, f, t, step, op, prof, s, 0) || fill_word(ex, f, t, step, op, prof, s, last);
}

/* A new object: checks it, then records it in slot s. */
static int accept(struct mmf_exec *ex, struct mmf_finding *f, struct target *t, uint32_t step, const char *op,
		  unsigned prof, unsigned slot, uint64_t addr, uint64_t size, unsigned align, uint64_t zero_limit)
{
	struct oslot *s = &t->oslots[slot];
	uint64_t usable = size;
	if (!addr)
		return mmf_exec_finding(ex, f, t, step, op, "null", "%s answered ok with NULL", op);
	if (size) {
		if (addr % align)
			return mmf_exec_finding(ex, f, t, step, op, "alignment", "object 0x%llx of %llu bytes not aligned to %u",
						(unsigned long long)addr, (unsigned long long)size, align);
		if (has(t, MMF_CAP_KMALLOC)) {
			enum mmf_result r = t->ad->ksize(t->ctx[prof], addr, &usable);
			if (r == MMF_CORRUPT)
				return mmf_exec_corrupt_finding(ex, f, t, step, op, prof);
			if (r != MMF_OK)
				return mmf_exec_finding(ex, f, t, step, op, "unsupported", "ksize answered %s", mmf_result_name(r));
			if (usable < size)
				return mmf_exec_finding(ex, f, t, step, op, "usable", "ksize %llu < %llu bytes asked for",
							(unsigned long long)usable, (unsigned long long)size);
		}
		unsigned other;
		if (overlaps(t, slot, addr, usable, &other))
			return mmf_exec_finding(ex, f, t, step, op, "overlap",
						"object 0x%llx+%llu overlaps slot %u's 0x%llx+%llu", (unsigned long long)addr,
						(unsigned long long)usable, other, (unsigned long long)t->oslots[other].addr,
						(unsigned long long)t->oslots[other].usable);
	}
	oslot_live(t, slot, 1);
	s->addr = addr;
	s->size = size;
	s->usable = usable;
	s->zero_limit = zero_limit;
	s->nw = 0;
	s->from_cache = 0;
	s->from_pool = 0;
	s->kind = MMF_ALLOC_MALLOC;
	t->pfn = addr;
	t->token = usable;
	return 0;
}

/* accept, then the fill pattern (a fresh block, not realloc's) */
static int accept_fill(struct mmf_exec *ex, struct mmf_finding *f, struct target *t, uint32_t step, const char *op,
		       unsigned prof, unsigned slot, uint64_t addr, uint64_t size, unsigned align, uint64_t zero_limit)
{
	return accept(ex, f, t, step, op, prof, slot, addr, size, align, zero_limit) ||
	       fill_ends(ex, f, t, step, op, prof, &t->oslots[slot]);
}

static int result_ok(struct mmf_exec *ex, struct mmf_finding *f, struct target *t, uint32_t step, const char *op,
		     unsigned prof, enum mmf_result r, int err)
{
	if (r == MMF_UNSUPPORTED)
		return mmf_exec_finding(ex, f, t, step, op, "unsupported", "%s unsupported despite its capability", op);
	if (r == MMF_CORRUPT)
		return mmf_exec_corrupt_finding(ex, f, t, step, op, prof);
	t->err = err;
	t->out = r == MMF_OK ? OUT_OK : OUT_REFUSED;
	return 0;
}

int mmf_exec_step_kmalloc(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	uint64_t size = fld.size;
	uint32_t gfp = mmf_gfp_sel(fld.gfp);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		t->out = OUT_SKIPPED;
		if (t->oslots[fld.slot].live || !has(t, MMF_CAP_KMALLOC) || t->level[MMF_FAM_OBJ] == MMF_LEVEL_NONE)
			continue;
		uint64_t addr = 0;
		int err = 0;
		enum mmf_result r = t->ad->kmalloc(t->ctx[prof], size, gfp, fld.cpu, fld.node, &addr, &err);
		if (result_ok(ex, f, t, step, "kmalloc", prof, r, err))
			return 1;
		if (r == MMF_OK && accept_fill(ex, f, t, step, "kmalloc", prof, fld.slot, addr, size, new_object_align(t, size),
					  gfp & __GFP_ZERO ? size : 0))
			return 1;
	}
	return mmf_exec_compare(ex, f, step, "kmalloc");
}

static int step_kfree(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
		      unsigned prof, int to_cache)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	const char *name = to_cache ? "cache_free" : "kfree";
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct oslot *s = &t->oslots[fld.slot];
		t->out = OUT_SKIPPED;
		if (!s->live || (to_cache && !s->from_cache) || s->from_pool)
			continue;
		if (has(t, MMF_CAP_MALLOC) && has(t, MMF_CAP_OBJ_CONTENTS) && s->size >= 8 &&
		    verify_words(ex, f, t, step, name, prof, s))
			return 1;
		/* out of process, a free goes with the next call that waits */
		mmf_remote_mark_as(step, name, &(struct mmf_remote_note){ MMF_REMOTE_FREE, 0, s->addr });
		enum mmf_result r = to_cache ? t->ad->cache_free(t->ctx[prof], s->cache_id, s->addr, fld.cpu)
				       : has(t, MMF_CAP_FREE_KIND) ? t->ad->free_kind(t->ctx[prof], s->addr, s->kind, fld.cpu)
								    : t->ad->kfree(t->ctx[prof], s->addr, fld.cpu);
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, name, prof);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, name, r == MMF_UNSUPPORTED ? "unsupported" : "free_refused",
						"%s of 0x%llx answered %s", name, (unsigned long long)s->addr, mmf_result_name(r));
		oslot_live(t, fld.slot, 0);
		t->out = OUT_OK;
	}
	return 0;
}

/* krealloc, or realloc for a malloc-style adapter (malloc_only: the
 * REALLOC op, whose sizes reach far past what kmalloc serves). */
static int realloc_common(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			  unsigned prof, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node, int malloc_only)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	const char *name = malloc_only ? "realloc" : "krealloc";
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct oslot *s = &t->oslots[fld.slot];
		t->out = OUT_SKIPPED;
		if (!has(t, MMF_CAP_KMALLOC) || t->level[MMF_FAM_OBJ] == MMF_LEVEL_NONE ||
		    (malloc_only && !has(t, MMF_CAP_MALLOC)) || (s->live && (s->from_cache || s->from_pool)))
			continue;
		struct oslot old = *s;
		uint64_t addr = 0;
		int err = 0;
		enum mmf_result r = t->ad->krealloc(t->ctx[prof], old.live ? old.addr : 0, size, gfp, cpu, node, &addr, &err);
		if (result_ok(ex, f, t, step, name, prof, r, err))
			return 1;
		if (r != MMF_OK) {
			/* a refusal leaves the old object as it was */
			if (has(t, MMF_CAP_MALLOC) && err != ENOMEM)
				return mmf_exec_finding(ex, f, t, step, name, "errno",
							"realloc to %llu bytes failed with errno %d, not ENOMEM",
							(unsigned long long)size, err);
			continue;
		}
		uint64_t keep = old.live && old.size < size ? old.size : size;
		uint64_t zero = old.live ? (old.zero_limit < size ? old.zero_limit : size) : (gfp & __GFP_ZERO ? size : 0);
		oslot_live(t, fld.slot, 0);
		/* An object that still fits keeps its address, and only the
		 * alignment it was given; a moved one is a new kmalloc. */
		unsigned align = old.live && addr == old.addr ? 8 : new_object_align(t, size);
		if (accept(ex, f, t, step, name, prof, fld.slot, addr, size, align, zero))
			return 1;
		s->kind = old.live && addr == old.addr ? old.kind : MMF_ALLOC_REALLOC;
		/* The writes inside the common prefix must survive the move. */
		if (old.live)
			for (unsigned k = 0; k < old.nw; k++)
				if ((uint64_t)old.widx[k] * 8 + 8 <= keep) {
					s->widx[s->nw] = old.widx[k];
					s->wtok[s->nw++] = old.wtok[k];
				}
		if (has(t, MMF_CAP_MALLOC) && has(t, MMF_CAP_OBJ_CONTENTS) &&
		    (verify_words(ex, f, t, step, name, prof, s) || fill_ends(ex, f, t, step, name, prof, s)))
			return 1;
	}
	return mmf_exec_compare(ex, f, step, name);
}

int mmf_exec_step_krealloc(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			 unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	return realloc_common(ex, f, step, op, prof, fld.size, mmf_gfp_sel(fld.gfp), fld.cpu, fld.node, 0);
}

int mmf_exec_step_realloc(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	uint64_t size = (uint64_t)fld.size << (4 * fld.size_shift);
	return realloc_common(ex, f, step, op, prof, size, GFP_KERNEL, 0, 0, 1);
}

/* calloc(n << n_shift, size): zeroed over n * size, or refused with
 * ENOMEM, which it must be when the product overflows. */
int mmf_exec_step_calloc(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
		       unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	uint64_t n = (uint64_t)fld.n << fld.n_shift, size = fld.size, total;
	int overflow = __builtin_mul_overflow(n, size, &total);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		t->out = OUT_SKIPPED;
		if (t->oslots[fld.slot].live || !has(t, MMF_CAP_MALLOC) || t->level[MMF_FAM_OBJ] == MMF_LEVEL_NONE)
			continue;
		uint64_t addr = 0;
		int err = 0;
		enum mmf_result r = t->ad->calloc(t->ctx[prof], n, size, &addr, &err);
		if (result_ok(ex, f, t, step, "calloc", prof, r, err))
			return 1;
		if (r == MMF_OK && overflow)
			return mmf_exec_finding(ex, f, t, step, "calloc", "overflow",
						"calloc(%llu, %llu) overflows size_t and answered 0x%llx", (unsigned long long)n,
						(unsigned long long)size, (unsigned long long)addr);
		if (r != MMF_OK) {
			if (err != ENOMEM)
				return mmf_exec_finding(ex, f, t, step, "calloc", "errno",
							"calloc(%llu, %llu) failed with errno %d, not ENOMEM",
							(unsigned long long)n, (unsigned long long)size, err);
			continue;
		}
		if (accept_fill(ex, f, t, step, "calloc", prof, fld.slot, addr, total, malloc_align(total), total))
			return 1;
		t->oslots[fld.slot].kind = MMF_ALLOC_CALLOC;
	}
	return mmf_exec_compare(ex, f, step, "calloc");
}

/* posix_memalign, aligned_alloc, memalign. posix_memalign: EINVAL unless
 * align is a power of two and a multiple of sizeof(void *), ENOMEM when
 * out of memory, and *memptr untouched on failure. aligned_alloc: no
 * block for an alignment that is no power of two (C11 7.22.3.1 with
 * 6.2.8). memalign (obsolete, no standard) may take any alignment. Every
 * block is aligned to the power of two asked for, and at least as malloc's
 * would be. */
int mmf_exec_step_memalign(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			 unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	static const char *const names[3] = { "posix_memalign", "aligned_alloc", "memalign" };
	unsigned kind = fld.kind % 3;
	uint64_t align = mmf_malign_bytes(fld.align), size = (uint64_t)fld.size << (4 * fld.size_shift);
	int pow2 = align && !(align & (align - 1));
	const char *name = names[kind];
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		t->out = OUT_SKIPPED;
		if (t->oslots[fld.slot].live || !has(t, MMF_CAP_MALLOC) || t->level[MMF_FAM_OBJ] == MMF_LEVEL_NONE)
			continue;
		uint64_t addr = 0;
		int err = 0;
		enum mmf_result r = t->ad->memalign(t->ctx[prof], kind, align, size, &addr, &err);
		if (result_ok(ex, f, t, step, name, prof, r, err))
			return 1;
		if (r != MMF_OK) {
			if (kind == MMF_MEMALIGN_POSIX && addr != MMF_UNTOUCHED)
				return mmf_exec_finding(ex, f, t, step, name, "out_touched",
							"failed posix_memalign(align %llu, size %llu) wrote 0x%llx to *memptr",
							(unsigned long long)align, (unsigned long long)size,
							(unsigned long long)addr);
			if (kind == MMF_MEMALIGN_POSIX && err != (pow2 && align % 8 == 0 ? ENOMEM : EINVAL))
				return mmf_exec_finding(ex, f, t, step, name, "errno",
							"posix_memalign(align %llu, size %llu) returned %d, not %s",
							(unsigned long long)align, (unsigned long long)size, err,
							pow2 && align % 8 == 0 ? "ENOMEM" : "EINVAL");
			continue;
		}
		if (kind == MMF_MEMALIGN_POSIX && (!pow2 || align % 8))
			return mmf_exec_finding(ex, f, t, step, name, "bad_align",
						"posix_memalign accepted alignment %llu", (unsigned long long)align);
		if (kind == MMF_MEMALIGN_ALIGNED && !pow2)
			return mmf_exec_finding(ex, f, t, step, name, "bad_align",
						"aligned_alloc accepted alignment %llu, which is no power of two",
						(unsigned long long)align);
		/* memalign with an alignment that is no power of two has no
		 * contract (glibc rounds it up, gperftools ignores it): only
		 * malloc's own alignment is owed */
		uint64_t want = pow2 ? align : 1;
		if (want < malloc_align(size))
			want = malloc_align(size);
		if (accept_fill(ex, f, t, step, name, prof, fld.slot, addr, size, (unsigned)want, 0))
			return 1;
		t->oslots[fld.slot].kind = (uint8_t)(MMF_ALLOC_POSIX_MEMALIGN + kind);
	}
	return mmf_exec_compare(ex, f, step, name);
}

int mmf_exec_step_ksize(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
		      unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct oslot *s = &t->oslots[fld.slot];
		t->out = OUT_SKIPPED;
		if (!s->live || !has(t, MMF_CAP_KMALLOC))
			continue;
		uint64_t usable = 0;
		enum mmf_result r = t->ad->ksize(t->ctx[prof], s->addr, &usable);
		if (result_ok(ex, f, t, step, "ksize", prof, r, 0))
			return 1;
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, "ksize", "refused", "ksize of a live object refused");
		if (usable < s->size)
			return mmf_exec_finding(ex, f, t, step, "ksize", "usable", "ksize %llu < %llu bytes asked for",
						(unsigned long long)usable, (unsigned long long)s->size);
		t->pfn = s->addr;
		t->token = usable;
	}
	return mmf_exec_compare(ex, f, step, "ksize");
}

static unsigned written(const struct oslot *s, uint32_t w)
{
	unsigned k = 0;
	while (k < s->nw && s->widx[k] != w)
		k++;
	return k;
}

static int step_obj_rw(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
		       unsigned prof, int write)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	const char *name = write ? "obj_write" : "obj_read";
	uint64_t token = mmf_exec_token(ex, step, fld.token);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct oslot *s = &t->oslots[fld.slot];
		t->out = OUT_SKIPPED;
		if (!s->live || s->size < 8 || !has(t, MMF_CAP_OBJ_CONTENTS))
			continue;
		uint32_t w = (uint32_t)(fld.word % (s->size / 8));
		uint64_t addr = s->addr + (uint64_t)w * 8, val = 0;
		if (write)
			mmf_remote_mark(step, name);
		enum mmf_result r = write ? t->ad->obj_write(t->ctx[prof], addr, token)
					  : t->ad->obj_read(t->ctx[prof], addr, &val);
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, name, prof);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, name, "unsupported", "%s answered %s", name,
						mmf_result_name(r));
		unsigned k = written(s, w);
		if (write) {
			if (k == s->nw) {
				if (s->nw == NWRITES) { /* forget the oldest, and what it hid */
					if ((uint64_t)s->widx[0] * 8 < s->zero_limit)
						s->zero_limit = (uint64_t)s->widx[0] * 8;
					memmove(s->widx, s->widx + 1, sizeof(s->widx[0]) * (NWRITES - 1));
					memmove(s->wtok, s->wtok + 1, sizeof(s->wtok[0]) * (NWRITES - 1));
					k = NWRITES - 1;
				} else {
					s->nw++;
				}
			}
			s->widx[k] = w;
			s->wtok[k] = token;
		} else {
			if (k < s->nw && val != s->wtok[k])
				return mmf_exec_finding(ex, f, t, step, name, "contents",
							"word %u of object 0x%llx holds %#llx, %#llx was written", w,
							(unsigned long long)s->addr, (unsigned long long)val,
							(unsigned long long)s->wtok[k]);
			if (k == s->nw && (uint64_t)w * 8 + 8 <= s->zero_limit && val != 0)
				return mmf_exec_finding(ex, f, t, step, name, "zeroed",
							"word %u of a zeroed object 0x%llx holds %#llx", w,
							(unsigned long long)s->addr, (unsigned long long)val);
			t->pfn = addr;
			t->token = val;
		}
		t->out = OUT_OK;
	}
	return write ? 0 : mmf_exec_compare(ex, f, step, name);
}

int mmf_exec_step_cache_create(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			     unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	unsigned align = fld.align ? 1u << fld.align : 0;
	char name[24];
	snprintf(name, sizeof(name), "mmf-cache-%u", fld.cache);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct cslot *c = &t->cslots[fld.cache];
		t->out = OUT_SKIPPED;
		if (c->live || !has(t, MMF_CAP_KMEM_CACHE))
			continue;
		uint64_t id = 0;
		int err = 0;
		enum mmf_result r = t->ad->cache_create(t->ctx[prof], name, fld.size, align, slab_flags(fld.flags),
							(fld.flags & 8) != 0, &id, &err);
		if (result_ok(ex, f, t, step, "cache_create", prof, r, err))
			return 1;
		if (r == MMF_OK) {
			t->pfn = id;
			c->live = 1;
			c->id = id;
			c->size = fld.size;
			c->align = align > 8 ? align : 8;
		}
	}
	return mmf_exec_compare(ex, f, step, "cache_create");
}

int mmf_exec_step_cache_destroy(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			      unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct cslot *c = &t->cslots[fld.cache];
		t->out = OUT_SKIPPED;
		if (!c->live)
			continue;
		int err = 0;
		enum mmf_result r = t->ad->cache_destroy(t->ctx[prof], c->id, &err);
		if (result_ok(ex, f, t, step, "cache_destroy", prof, r, err))
			return 1;
		if (r == MMF_OK) {
			c->live = 0;
			continue;
		}
		/* A refusal is the contract's only while objects are live. */
		int busy = 0;
		for (unsigned k = 0; k < MMF_NSLOTS; k++)
			busy |= t->oslots[k].live && t->oslots[k].from_cache && t->oslots[k].cache_id == c->id;
		if (!busy || err != EBUSY)
			return mmf_exec_finding(ex, f, t, step, "cache_destroy", "destroy_refused",
						"destroy refused (errno %d) with no live objects", err);
	}
	return 0;
}

int mmf_exec_step_cache_alloc(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			    unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	uint32_t gfp = mmf_gfp_sel(fld.gfp);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct cslot *c = &t->cslots[fld.cache];
		t->out = OUT_SKIPPED;
		if (t->oslots[fld.slot].live || !c->live)
			continue;
		uint64_t addr = 0;
		int err = 0;
		enum mmf_result r = t->ad->cache_alloc(t->ctx[prof], c->id, gfp, fld.cpu, fld.node, &addr, &err);
		if (result_ok(ex, f, t, step, "cache_alloc", prof, r, err))
			return 1;
		if (r != MMF_OK)
			continue;
		if (accept(ex, f, t, step, "cache_alloc", prof, fld.slot, addr, c->size, c->align,
			   gfp & __GFP_ZERO ? c->size : 0))
			return 1;
		t->oslots[fld.slot].from_cache = 1;
		t->oslots[fld.slot].cache_id = c->id;
	}
	return mmf_exec_compare(ex, f, step, "cache_alloc");
}

int mmf_exec_step_pool_create(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			    unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct pslot *ps = &t->pslots[fld.pool];
		t->out = OUT_SKIPPED;
		if (ps->live || !has(t, MMF_CAP_MEMPOOL))
			continue;
		uint64_t id = 0;
		int err = 0;
		enum mmf_result r = t->ad->pool_create(t->ctx[prof], fld.min_nr, fld.size, fld.cpu, fld.node, &id, &err);
		if (result_ok(ex, f, t, step, "mempool_create", prof, r, err))
			return 1;
		if (r == MMF_OK) {
			*ps = (struct pslot){ 1, id, fld.min_nr, 0, fld.size };
			t->pfn = id;
		}
	}
	return mmf_exec_compare(ex, f, step, "mempool_create");
}

int mmf_exec_step_pool_destroy(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			     unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct pslot *ps = &t->pslots[fld.pool];
		t->out = OUT_SKIPPED;
		if (!ps->live)
			continue;
		enum mmf_result r = t->ad->pool_destroy(t->ctx[prof], ps->id, fld.cpu);
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, "mempool_destroy", prof);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, "mempool_destroy", "free_refused", "mempool_destroy answered %s",
						mmf_result_name(r));
		ps->live = 0;
		/* Elements still out are plain kmalloc objects now. */
		for (unsigned k = 0; k < MMF_NSLOTS; k++)
			if (t->oslots[k].live && t->oslots[k].from_pool && t->oslots[k].pool == fld.pool)
				t->oslots[k].from_pool = 0;
		t->out = OUT_OK;
	}
	return 0;
}

int mmf_exec_step_pool_alloc(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			   unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	uint32_t gfp = mmf_gfp_sel(fld.gfp);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct pslot *ps = &t->pslots[fld.pool];
		t->out = OUT_SKIPPED;
		if (t->oslots[fld.slot].live || !ps->live)
			continue;
		uint64_t addr = 0;
		int err = 0;
		enum mmf_result r = t->ad->pool_alloc(t->ctx[prof], ps->id, gfp, fld.cpu, fld.node, &addr, &err);
		if (result_ok(ex, f, t, step, "mempool_alloc", prof, r, err))
			return 1;
		if (r != MMF_OK) {
			/* The reserve holds min_nr - out elements at least. */
			if (ps->out < ps->min_nr)
				return mmf_exec_finding(ex, f, t, step, "mempool_alloc", "reserve",
							"mempool_alloc refused with %u of min_nr %u elements out", ps->out,
							ps->min_nr);
			continue;
		}
		if (accept(ex, f, t, step, "mempool_alloc", prof, fld.slot, addr, ps->size, kmalloc_align(ps->size), 0))
			return 1;
		t->oslots[fld.slot].from_pool = 1;
		t->oslots[fld.slot].pool = fld.pool;
		ps->out++;
	}
	return mmf_exec_compare(ex, f, step, "mempool_alloc");
}

int mmf_exec_step_pool_free(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			  unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct oslot *s = &t->oslots[fld.slot];
		t->out = OUT_SKIPPED;
		if (!s->live || !s->from_pool)
			continue;
		struct pslot *ps = &t->pslots[s->pool];
		enum mmf_result r = t->ad->pool_free(t->ctx[prof], ps->id, s->addr, fld.cpu);
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, "mempool_free", prof);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, "mempool_free", "free_refused", "mempool_free answered %s",
						mmf_result_name(r));
		oslot_live(t, fld.slot, 0);
		ps->out--;
		t->out = OUT_OK;
	}
	return 0;
}

int mmf_exec_step_kfree(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op, unsigned prof)
{
	return step_kfree(ex, f, step, op, prof, 0);
}

int mmf_exec_step_cache_free(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			     unsigned prof)
{
	return step_kfree(ex, f, step, op, prof, 1);
}

int mmf_exec_step_obj_write(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			    unsigned prof)
{
	return step_obj_rw(ex, f, step, op, prof, 1);
}

int mmf_exec_step_obj_read(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			   unsigned prof)
{
	return step_obj_rw(ex, f, step, op, prof, 0);
}
