/* GFP masks as text: the canonical form, printing and parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/gfp.h"

struct gfp_name {
	const char *name;
	mmf_gfp_t bits;
};

/* Composite masks, largest first: the printer uses the first that fits. */
static const struct gfp_name composites[] = {
	{ "GFP_HIGHUSER_MOVABLE", GFP_HIGHUSER_MOVABLE },
	{ "GFP_HIGHUSER", GFP_HIGHUSER },
	{ "GFP_USER", GFP_USER },
	{ "GFP_KERNEL", GFP_KERNEL },
	{ "GFP_NOFS", GFP_NOFS },
	{ "GFP_NOIO", GFP_NOIO },
	{ "GFP_ATOMIC", GFP_ATOMIC },
	{ "GFP_NOWAIT", GFP_NOWAIT },
};

static const struct gfp_name bits[] = {
	{ "__GFP_DMA", __GFP_DMA },
	{ "__GFP_HIGHMEM", __GFP_HIGHMEM },
	{ "__GFP_DMA32", __GFP_DMA32 },
	{ "__GFP_MOVABLE", __GFP_MOVABLE },
	{ "__GFP_RECLAIMABLE", __GFP_RECLAIMABLE },
	{ "__GFP_HIGH", __GFP_HIGH },
	{ "__GFP_IO", __GFP_IO },
	{ "__GFP_FS", __GFP_FS },
	{ "__GFP_ZERO", __GFP_ZERO },
	{ "__GFP_DIRECT_RECLAIM", __GFP_DIRECT_RECLAIM },
	{ "__GFP_KSWAPD_RECLAIM", __GFP_KSWAPD_RECLAIM },
	{ "__GFP_NOWARN", __GFP_NOWARN },
	{ "__GFP_RETRY_MAYFAIL", __GFP_RETRY_MAYFAIL },
	{ "__GFP_NORETRY", __GFP_NORETRY },
	{ "__GFP_MEMALLOC", __GFP_MEMALLOC },
	{ "__GFP_NOMEMALLOC", __GFP_NOMEMALLOC },
	{ "__GFP_HARDWALL", __GFP_HARDWALL },
	{ "__GFP_THISNODE", __GFP_THISNODE },
};

/* Aliases accepted on input only. */
static const struct gfp_name aliases[] = {
	{ "GFP_DMA", GFP_DMA },
	{ "GFP_DMA32", GFP_DMA32 },
	{ "__GFP_RECLAIM", __GFP_RECLAIM },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int zone_bits_bad(mmf_gfp_t g)
{
	unsigned n = !!(g & __GFP_DMA) + !!(g & __GFP_DMA32) + !!(g & __GFP_HIGHMEM);
	return n > 1;
}

mmf_gfp_t mmf_gfp_canonical(uint32_t raw)
{
	mmf_gfp_t g = raw & MMF_GFP_KNOWN;
	if (zone_bits_bad(g)) {
		if (g & __GFP_DMA)
			g &= ~(__GFP_DMA32 | __GFP_HIGHMEM);
		else
			g &= ~__GFP_HIGHMEM;
	}
	return g;
}

int mmf_gfp_format(mmf_gfp_t gfp, char *buf, int cap)
{
	int len = 0;
#define PUT(...) len += snprintf(buf + (len < cap ? len : cap), (size_t)(len < cap ? cap - len : 0), __VA_ARGS__)
	if (!gfp) {
		PUT("0");
		return len;
	}
	mmf_gfp_t rest = gfp;
	for (unsigned i = 0; i < N(composites); i++) {
		if ((rest & composites[i].bits) == composites[i].bits) {
			PUT("%s", composites[i].name);
			rest &= ~composites[i].bits;
			break;
		}
	}
	for (unsigned i = 0; i < N(bits); i++) {
		if (rest & bits[i].bits) {
			PUT("%s%s", len ? "|" : "", bits[i].name);
			rest &= ~bits[i].bits;
		}
	}
	if (rest)
		PUT("%s%#x", len ? "|" : "", rest);
#undef PUT
	return len;
}

static int lookup(const char *s, int n, mmf_gfp_t *out)
{
	const struct gfp_name *tabs[] = { composites, bits, aliases };
	unsigned sizes[] = { N(composites), N(bits), N(aliases) };
	for (unsigned t = 0; t < 3; t++)
		for (unsigned i = 0; i < sizes[t]; i++)
			if ((int)strlen(tabs[t][i].name) == n && strncmp(tabs[t][i].name, s, (size_t)n) == 0) {
				*out = tabs[t][i].bits;
				return 1;
			}
	return 0;
}

int mmf_gfp_parse(const char *s, int len, mmf_gfp_t *out)
{
	mmf_gfp_t g = 0;
	int i = 0;
	if (len == 0)
		return 1;
	while (i < len) {
		int start = i;
		while (i < len && s[i] != '|')
			i++;
		int n = i - start;
		mmf_gfp_t v;
		if (n == 0)
			return start + 1;
		if (!lookup(s + start, n, &v)) {
			char tmp[24], *end;
			if (n >= (int)sizeof(tmp) || !(s[start] >= '0' && s[start] <= '9'))
				return start + 1;
			memcpy(tmp, s + start, (size_t)n);
			tmp[n] = 0;
			int hex = n > 2 && tmp[0] == '0' && (tmp[1] == 'x' || tmp[1] == 'X');
			unsigned long x = strtoul(hex ? tmp + 2 : tmp, &end, hex ? 16 : 10);
			if (*end || x > 0xffffffffu || (x & ~(unsigned long)MMF_GFP_KNOWN))
				return start + 1;
			v = (mmf_gfp_t)x;
		}
		g |= v;
		if (i < len)
			i++; /* the '|' */
		if (i == len && s[len - 1] == '|')
			return len;
	}
	if (zone_bits_bad(g))
		return 1;
	*out = g;
	return 0;
}
