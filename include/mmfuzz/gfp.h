/* GFP flag bits as Linux 6.x defines them (include/linux/gfp_types.h), so a
 * trace's flags read the same as a kernel engineer's. Only the bits the
 * reference models are in MMF_GFP_KNOWN; the decoder drops the rest. */
#ifndef MMFUZZ_GFP_H
#define MMFUZZ_GFP_H

#include <stdint.h>

typedef uint32_t mmf_gfp_t;

#define __GFP_DMA            0x01u
#define __GFP_HIGHMEM        0x02u
#define __GFP_DMA32          0x04u
#define __GFP_MOVABLE        0x08u
#define __GFP_RECLAIMABLE    0x10u
#define __GFP_HIGH           0x20u
#define __GFP_IO             0x40u
#define __GFP_FS             0x80u
#define __GFP_ZERO           0x100u
#define __GFP_DIRECT_RECLAIM 0x400u
#define __GFP_KSWAPD_RECLAIM 0x800u
#define __GFP_NOWARN         0x2000u
#define __GFP_RETRY_MAYFAIL  0x4000u
#define __GFP_NORETRY        0x10000u
#define __GFP_MEMALLOC       0x20000u
#define __GFP_NOMEMALLOC     0x80000u
#define __GFP_HARDWALL       0x100000u
#define __GFP_THISNODE       0x200000u

#define __GFP_RECLAIM  (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define GFP_ZONEMASK   (__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE)

#define GFP_ATOMIC       (__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL       (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_NOWAIT       (__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO         (__GFP_RECLAIM)
#define GFP_NOFS         (__GFP_RECLAIM | __GFP_IO)
#define GFP_USER         (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA          (__GFP_DMA)
#define GFP_DMA32        (__GFP_DMA32)
#define GFP_HIGHUSER     (GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE (GFP_HIGHUSER | __GFP_MOVABLE)

#define MMF_GFP_KNOWN                                                        \
	(GFP_ZONEMASK | __GFP_RECLAIMABLE | __GFP_HIGH | __GFP_IO | __GFP_FS |   \
	 __GFP_ZERO | __GFP_RECLAIM | __GFP_NOWARN | __GFP_RETRY_MAYFAIL |       \
	 __GFP_NORETRY | __GFP_MEMALLOC | __GFP_NOMEMALLOC | __GFP_HARDWALL |    \
	 __GFP_THISNODE)

/* Canonical form of any 32-bit value: unknown bits dropped, and a zone
 * modifier combination Linux rejects (GFP_ZONE_BAD) reduced to its lowest
 * zone bit, so every value a fuzzer produces is a mask Linux would accept. */
mmf_gfp_t mmf_gfp_canonical(uint32_t raw);

/* Writes flags as "GFP_KERNEL|__GFP_ZERO" (or "0"); returns chars written. */
int mmf_gfp_format(mmf_gfp_t gfp, char *buf, int cap);

/* Parses the format above (names or hex numbers joined by '|'). Returns 0,
 * or the offset of the first bad character plus one. */
int mmf_gfp_parse(const char *s, int len, mmf_gfp_t *out);

#endif
