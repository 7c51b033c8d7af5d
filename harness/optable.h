/* The opcode table: for each op its name, family and named fields, and
 * where each field lives in the 8-byte record. Decoding, printing and
 * parsing are all driven from this one table. */
#ifndef MMF_HARNESS_OPTABLE_H
#define MMF_HARNESS_OPTABLE_H
#if defined(MMF_LAYER_ORACLE) || defined(MMF_LAYER_ADAPTERS)
#error "a header of the harness, which the oracle and the built-in adapters do not include"
#endif

#include "mmfuzz/ops.h"

/* LOC_W0/LOC_W1: the arg's low and high 16 bits, for ops with two
 * 16-bit fields there (LOC_ARG is the whole of it); LOC_A_LO6/LOC_A_HI2:
 * the a byte's low 6 and high 2 bits. */
enum mmf_field_loc { LOC_SLOT, LOC_A, LOC_B_LO, LOC_B_HI, LOC_ARG, LOC_W0, LOC_W1, LOC_A_LO6, LOC_A_HI2 };
#define MMF_NR_LOCS 9

enum mmf_field_kind {
	FK_SLOT,   /* modulo MMF_NSLOTS */
	FK_ORDER,  /* modulo MMF_MAX_ORDER */
	FK_CPU,    /* modulo the profile's cpus */
	FK_NODE,   /* modulo the profile's nodes */
	FK_GFP,    /* canonical GFP mask */
	FK_PAGE,   /* page index in a block, modulo 1 << (MMF_MAX_ORDER - 1) */
	FK_U8,     /* any byte */
	FK_REPORT, /* modulo MMF_REPORT_RANGE, printed by name */
	FK_OSIZE,  /* object size: modulo 144 KiB (above 128 KiB is refused) */
	FK_GFPSEL, /* index into mmf_gfp_sel(), printed as the mask */
	FK_WORD,   /* 8-byte word in an object, modulo 16384 */
	FK_CSLOT,  /* kmem_cache slot, modulo MMF_NCACHES */
	FK_CSIZE,  /* cache object size, 0..32768 (0 is refused) */
	FK_ALIGN,  /* alignment as a shift: 0 none, k = 1 << k, up to 4096 */
	FK_SLABFLAGS, /* bit 0 SLAB_RED_ZONE, 1 SLAB_POISON, 2 SLAB_HWCACHE_ALIGN, 3 ctor */
	FK_VSIZE,  /* vmalloc size in bytes, 0..4 MiB (0 is refused) */
	FK_PSLOT,  /* mempool slot, modulo MMF_NPOOLS */
	FK_MINNR,  /* mempool min_nr, 0..32 (0 is refused) */
	FK_CMAAREA, /* CMA area index, modulo MMF_CMA_AREA_RANGE (absent ones are refused) */
	FK_CMACOUNT, /* pages, modulo MMF_CMA_COUNT_RANGE (0 is refused) */
	FK_CMAALIGN, /* alignment order 0..15 (the kernel caps it at 8) */
	FK_PROC,   /* process, modulo MMF_NPROCS */
	FK_VPAGE,  /* page index in the address window, modulo MMF_AS_WINDOW_PAGES */
	FK_NPAGES, /* length in pages, 0..MMF_AS_WINDOW_PAGES (0 is refused) */
	FK_PROT,   /* PROT_READ 1 | PROT_WRITE 2 | PROT_EXEC 4 */
	FK_MMAPFLAGS, /* bit 0 SHARED, 1 FIXED, 2 FIXED_NOREPLACE, 3 POPULATE, 4 NORESERVE, 5 HINT */
	FK_PREPORT, /* proc report kind, modulo MMF_PROC_REPORT_RANGE, printed by name */
	FK_ADVICE, /* madvise advice, Linux's value modulo 32, printed by name */
	FK_MREMAPFLAGS, /* bit 0 MREMAP_MAYMOVE, 1 MREMAP_FIXED, 2 MREMAP_DONTUNMAP */
	FK_FILE,   /* file, modulo MMF_NFILES */
	FK_CLEARREFS, /* the value written to /proc/PID/clear_refs, 0..7 */
	FK_U16,    /* 0..65535 */
	FK_SHIFT,  /* a left shift, 0..63 */
	FK_MEMALIGN, /* 0 posix_memalign, 1 aligned_alloc, 2 memalign, printed by name */
	FK_MALIGN, /* alignment in bytes, coded: 0..29 = 1 << k, 30 = 0, k > 30 = 8 + 16 * (k - 30) */
	FK_U32,    /* any 32-bit value */
	FK_NIBBLE, /* 0..15 */
	FK_MLOCKFLAGS, /* bit 0 MLOCK_ONFAULT, bit 1 one no kernel knows */
	FK_MCLFLAGS, /* bit 0 MCL_CURRENT, 1 MCL_FUTURE, 2 MCL_ONFAULT, 3 unknown */
	FK_MSFLAGS, /* bit 0 MS_ASYNC, 1 MS_INVALIDATE, 2 MS_SYNC, 3 unknown */
	FK_SWAPDEV, /* swap device, modulo 8: 0..MMF_NSWAPDEVS-1 exist */
	FK_DROPCACHES, /* the value written to drop_caches, 0..7 (1..4 valid) */
	FK_OOMADJ, /* oom_score_adj + MMF_OOMADJ_BIAS, 0..2047: -1024..1023, printed signed */
	FK_ZSWAPFLAGS, /* bit 0 enabled, 1 zstd, 2-3 zpool (3: none such) */
	FK_PERCENT, /* 0..127 (1..100 valid) */
	FK_HPOOL,  /* the hugetlb control: 0 nr_hugepages, 1 nr_overcommit_hugepages, 2 none (read), 3 invalid */
	FK_HCOUNT, /* huge pages, 0..15 */
};

/* The alignment an FK_MALIGN code stands for: powers of two up to 2^29,
 * zero, and multiples of eight that are no power of two (24, 40, ...). */
static inline uint64_t mmf_malign_bytes(unsigned code)
{
	return code < 30 ? 1ull << code : code == 30 ? 0 : 8 + 16ull * (code - 30);
}

struct mmf_field {
	const char *name;
	uint8_t loc;
	uint8_t kind;
	uint8_t id; /* enum mmf_arg_id: the struct mmf_args member it decodes to */
};

#define MMF_MAX_FIELDS 7

/* The slot state the generator wants an op to find. */
enum mmf_gen_slots { GEN_EMPTY, GEN_LIVE, GEN_ANY };

/* One row of mmfuzz/ops.def. */
struct mmf_opdesc {
	const char *name;
	uint8_t family;
	uint8_t nfields;
	struct mmf_field f[MMF_MAX_FIELDS];
	const char *help;
	uint32_t cap;        /* MMF_CAP_* the op needs; 0 none of its own */
	uint16_t gen_weight; /* the generator's base weight */
	uint8_t gen_slots;   /* enum mmf_gen_slots */
	uint8_t gen_always;  /* drawn in every sequence of its family */
	uint8_t gen_since;   /* the first generator version that draws it */
};

extern const struct mmf_opdesc mmf_optable[MMF_NR_OPCODES];

/* The op's fields, decoded by name (a canonical record). */
void mmf_op_args(const struct mmf_op *op, struct mmf_args *args);

/* Bit-flag kinds are printed and parsed by name: bit b is names[b]. */
struct mmf_flag_names {
	const char *what;
	unsigned n;
	const char *names[8];
};
/* The names of a flag kind's bits, or NULL for a kind that is no flag set. */
const struct mmf_flag_names *mmf_kind_flags(unsigned kind);

uint32_t mmf_field_get(const struct mmf_op *op, unsigned loc);
void mmf_field_set(struct mmf_op *op, unsigned loc, uint32_t v);
/* Number of values a field may take in this profile (0: the whole u32). */
uint32_t mmf_field_range(unsigned kind, unsigned profile);

/* What a canonical record of one opcode may hold in one profile: each
 * location's value below its bound (1 for a location the op does not use,
 * so it must be 0), and the arg a canonical GFP mask where gfp_arg is set.
 * Computed once, it makes checking a record a handful of compares. */
struct mmf_op_bounds {
	uint64_t slot, a, b_lo, b_hi, arg, w0, w1, a_lo6, a_hi2;
	uint8_t gfp_arg;
};
void mmf_op_bounds(unsigned code, unsigned profile, struct mmf_op_bounds *b);
int mmf_op_within(const struct mmf_op *op, const struct mmf_op_bounds *b);

#endif
