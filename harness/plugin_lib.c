/* The helper library for adapters (mmfuzz/plugin.h). The mmfuzz binary
 * exports it to plugins (harness/plugin.syms). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/plugin.h"

unsigned mmf_plug_version(void) { return MMF_PLUG_VERSION; }

uint64_t mmf_plug_profile_frames(const struct mmf_profile *p) { return p ? p->end_pfn : 0; }

unsigned mmf_plug_gfp_zones(const struct mmf_profile *p, uint32_t gfp, unsigned node)
{
	unsigned highest = mmf_profile_gfp_zone(p, gfp), mask = 0;
	for (unsigned i = 0; i < p->nr_zones; i++)
		if (p->zones[i].type <= highest && (!(gfp & __GFP_THISNODE) || p->zones[i].node == node))
			mask |= 1u << i;
	return mask;
}

int mmf_plug_gfp_zero(uint32_t gfp) { return (gfp & __GFP_ZERO) != 0; }

int mmf_plug_pages_init(struct mmf_plug_pages *m, const struct mmf_profile *p)
{
	m->nr = p->end_pfn;
	m->token = calloc(m->nr ? m->nr : 1, sizeof(uint64_t));
	return m->token ? 0 : ENOMEM;
}

void mmf_plug_pages_fini(struct mmf_plug_pages *m)
{
	free(m->token);
	m->token = NULL;
	m->nr = 0;
}

void mmf_plug_pages_reset(struct mmf_plug_pages *m) { memset(m->token, 0, m->nr * sizeof(uint64_t)); }

void mmf_plug_pages_alloc(struct mmf_plug_pages *m, uint64_t pfn, unsigned order, uint32_t gfp)
{
	uint64_t n = order < 64 ? 1ull << order : 0;
	if ((gfp & __GFP_ZERO) && pfn < m->nr && n <= m->nr - pfn)
		memset(m->token + pfn, 0, n * sizeof(uint64_t));
}

enum mmf_result mmf_plug_pages_write(struct mmf_plug_pages *m, uint64_t pfn, uint64_t token)
{
	if (pfn >= m->nr)
		return MMF_CORRUPT;
	m->token[pfn] = token;
	return MMF_OK;
}

enum mmf_result mmf_plug_pages_read(const struct mmf_plug_pages *m, uint64_t pfn, uint64_t *token)
{
	if (pfn >= m->nr)
		return MMF_CORRUPT;
	*token = m->token[pfn];
	return MMF_OK;
}

enum mmf_result mmf_plug_memalign_begin(unsigned kind, uint64_t *align, uint64_t *addr, int *err)
{
	uint64_t a = *align;
	int pow2 = a && !(a & (a - 1));
	*addr = kind == MMF_MEMALIGN_POSIX ? MMF_UNTOUCHED : 0;
	if ((kind == MMF_MEMALIGN_POSIX && (!pow2 || a % sizeof(void *))) || (kind == MMF_MEMALIGN_ALIGNED && !pow2)) {
		*err = EINVAL;
		return MMF_REFUSED;
	}
	if (!pow2) { /* memalign: the next power of two, as glibc does */
		uint64_t p = 1;
		while (p < a && p < (1ull << 62))
			p <<= 1;
		*align = p;
	}
	return MMF_OK;
}

enum mmf_result mmf_plug_calloc_total(uint64_t nmemb, uint64_t size, uint64_t *total, uint64_t *addr, int *err)
{
	*addr = 0;
	if (__builtin_mul_overflow(nmemb, size, total)) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	return MMF_OK;
}

enum mmf_result mmf_plug_nomem(int *err)
{
	*err = ENOMEM;
	return MMF_REFUSED;
}
