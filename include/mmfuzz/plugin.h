/* The helper library for adapters: what a plugin may call besides its own
 * code. The mmfuzz binary exports these (and the profile queries of
 * mmfuzz/profile.h and the GFP functions of mmfuzz/gfp.h) to the plugins
 * it loads; libmmfuzz_core.a links them into an adapter's fuzz target.
 * Nothing else of mmfuzz is visible to a plugin.
 *
 * The conventions a wrapper must follow are written here as functions, so
 * that a wrapper calls them instead of learning them from comments:
 *   - kmalloc(0) and realloc(p, 0) may answer MMF_ZERO_SIZE_PTR, which the
 *     harness never dereferences and hands back to kfree/ksize;
 *   - posix_memalign's refusal leaves *memptr alone (the harness presets it
 *     to MMF_UNTOUCHED) and returns the errno; aligned_alloc and memalign
 *     answer NULL with errno set (mmf_plug_memalign_begin);
 *   - calloc refuses an n * size that overflows with ENOMEM
 *     (mmf_plug_calloc_total);
 *   - kfree is not told how a block was allocated unless the adapter
 *     declares MMF_CAP_FREE_KIND and fills free_kind;
 *   - a page allocator's contents are one 64-bit token per frame, and
 *     __GFP_ZERO zeroes a block (struct mmf_plug_pages does both). */
#ifndef MMFUZZ_PLUGIN_H
#define MMFUZZ_PLUGIN_H

#include <stdint.h>

#include "mmfuzz/adapter.h"
#include "mmfuzz/gfp.h"
#include "mmfuzz/profile.h"

/* What kmalloc(0) and realloc(p, 0) may answer, as the kernel's
 * ZERO_SIZE_PTR: never dereferenced, accepted by kfree and ksize. */
#define MMF_ZERO_SIZE_PTR 16u

/* The helper library's version (MMF_PLUG_VERSION when built). */
unsigned mmf_plug_version(void);
#define MMF_PLUG_VERSION 1

/* ---- profile and GFP ---------------------------------------------------- */

/* Frames of the profile: pfns [0, end_pfn). */
uint64_t mmf_plug_profile_frames(const struct mmf_profile *p);
/* The zones (bit i: p->zones[i]) a request may be served from, as Linux
 * places it: a zone type gfp_zone() allows, and on `node` only with
 * __GFP_THISNODE. A zone-agnostic allocator (MMF_CAP_PAGE_FLAT) needs none
 * of this. */
unsigned mmf_plug_gfp_zones(const struct mmf_profile *p, uint32_t gfp, unsigned node);
/* Whether the request asks for zeroed memory (__GFP_ZERO). */
int mmf_plug_gfp_zero(uint32_t gfp);

/* ---- page memory -------------------------------------------------------- */

/* Page contents for a page allocator that has no memory of its own: a
 * token per frame, zeroed by __GFP_ZERO. With these the adapter's
 * write_page/read_page are one call each. */
struct mmf_plug_pages {
	uint64_t *token;
	uint64_t nr;
};
/* 0, or an errno (ENOMEM). */
int mmf_plug_pages_init(struct mmf_plug_pages *m, const struct mmf_profile *p);
void mmf_plug_pages_fini(struct mmf_plug_pages *m);
/* Every frame back to 0 (for reset). */
void mmf_plug_pages_reset(struct mmf_plug_pages *m);
/* A block was handed out for gfp: zeroes it when __GFP_ZERO asks. */
void mmf_plug_pages_alloc(struct mmf_plug_pages *m, uint64_t pfn, unsigned order, uint32_t gfp);
/* MMF_CORRUPT for a frame outside memory. */
enum mmf_result mmf_plug_pages_write(struct mmf_plug_pages *m, uint64_t pfn, uint64_t token);
enum mmf_result mmf_plug_pages_read(const struct mmf_plug_pages *m, uint64_t pfn, uint64_t *token);

/* ---- malloc-style conventions ------------------------------------------- */

/* The start of a memalign entry for kind (MMF_MEMALIGN_*): presets *addr to
 * what the result holds on failure (MMF_UNTOUCHED for posix_memalign, else
 * 0) and checks the alignment as C and POSIX say: posix_memalign wants a
 * power of two that is a multiple of sizeof(void *), aligned_alloc a power
 * of two, memalign anything (rounded up here to a power of two in *align).
 * MMF_OK: go on and allocate *align-aligned; MMF_REFUSED: return it, *err
 * is EINVAL. */
enum mmf_result mmf_plug_memalign_begin(unsigned kind, uint64_t *align, uint64_t *addr, int *err);
/* calloc's n * size: MMF_OK with *total, or MMF_REFUSED with *err ENOMEM
 * and *addr 0 when it overflows. */
enum mmf_result mmf_plug_calloc_total(uint64_t nmemb, uint64_t size, uint64_t *total, uint64_t *addr, int *err);
/* A refusal for lack of memory: *err = ENOMEM, MMF_REFUSED. */
enum mmf_result mmf_plug_nomem(int *err);

#endif
