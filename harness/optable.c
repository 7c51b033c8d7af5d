/* The append-only opcode table and field canonicalisation. */
#include <string.h>

#include "harness/optable.h"
#include "mmfuzz/adapter.h"
#include "mmfuzz/gfp.h"
#include "mmfuzz/profile.h"

#define MMF_EXPAND(...) __VA_ARGS__
#define F(n, l, k) { #n, LOC_##l, FK_##k, MMF_ARG_##n }
#define F_NONE
#define G(weight, slots, always, since) (weight, GEN_##slots, always, since)
#define MMF_OP(NAME, name, code, fam, capname, step, trace, gen, help, fields)                                    \
	[code] = { #name,                                                                                          \
		   MMF_FAM_##fam,                                                                                  \
		   sizeof((struct mmf_field[]){ MMF_EXPAND fields }) / sizeof(struct mmf_field),                   \
		   { MMF_EXPAND fields },                                                                          \
		   help,                                                                                           \
		   MMF_CAP_##capname,                                                                              \
		   MMF_EXPAND gen },
const struct mmf_opdesc mmf_optable[MMF_NR_OPCODES] = {
#include "mmfuzz/ops.def"
};
#undef MMF_OP
#undef G
#undef F_NONE
#undef F

void mmf_op_args(const struct mmf_op *op, struct mmf_args *args)
{
	const struct mmf_opdesc *d = &mmf_optable[op->code % MMF_NR_OPCODES];
	memset(args, 0, sizeof(*args));
	for (unsigned i = 0; i < d->nfields; i++)
		args->v[d->f[i].id] = mmf_field_get(op, d->f[i].loc);
}

static const uint32_t gfp_sel[MMF_GFP_SEL_RANGE] = {
	GFP_KERNEL, GFP_KERNEL | __GFP_ZERO, GFP_ATOMIC, GFP_NOWAIT,
	GFP_KERNEL | __GFP_DMA, GFP_KERNEL | __GFP_DMA32, GFP_ATOMIC | __GFP_ZERO, GFP_NOWAIT | __GFP_ZERO,
	GFP_KERNEL | __GFP_NORETRY, GFP_KERNEL | __GFP_THISNODE, GFP_USER, GFP_KERNEL | __GFP_HIGH,
	GFP_NOIO, GFP_NOFS, GFP_KERNEL | __GFP_RETRY_MAYFAIL, GFP_KERNEL | __GFP_MEMALLOC,
};

static const struct mmf_flag_names slab_flag_names = {
	"slab flags", 4, { "SLAB_RED_ZONE", "SLAB_POISON", "SLAB_HWCACHE_ALIGN", "ctor" }
};
static const struct mmf_flag_names prot_names = { "prot", 3, { "PROT_READ", "PROT_WRITE", "PROT_EXEC" } };
static const struct mmf_flag_names mremap_names = { "mremap flags", 3,
						    { "MREMAP_MAYMOVE", "MREMAP_FIXED", "MREMAP_DONTUNMAP" } };
static const struct mmf_flag_names map_names = {
	"mmap flags", 6, { "MAP_SHARED", "MAP_FIXED", "MAP_FIXED_NOREPLACE", "MAP_POPULATE", "MAP_NORESERVE", "hint" }
};

static const struct mmf_flag_names mlock_names = { "MLOCK_* flags", 2, { "MLOCK_ONFAULT", "invalid" } };
static const struct mmf_flag_names mcl_names = { "MCL_* flags", 4,
						 { "MCL_CURRENT", "MCL_FUTURE", "MCL_ONFAULT", "invalid" } };
static const struct mmf_flag_names ms_names = { "MS_* flags", 4, { "MS_ASYNC", "MS_INVALIDATE", "MS_SYNC", "invalid" } };

const struct mmf_flag_names *mmf_kind_flags(unsigned kind)
{
	switch (kind) {
	case FK_MLOCKFLAGS: return &mlock_names;
	case FK_MCLFLAGS: return &mcl_names;
	case FK_MSFLAGS: return &ms_names;
	case FK_SLABFLAGS: return &slab_flag_names;
	case FK_PROT: return &prot_names;
	case FK_MMAPFLAGS: return &map_names;
	case FK_MREMAPFLAGS: return &mremap_names;
	default: return NULL;
	}
}

uint32_t mmf_gfp_sel(unsigned index) { return gfp_sel[index % MMF_GFP_SEL_RANGE]; }

uint32_t mmf_field_get(const struct mmf_op *op, unsigned loc)
{
	switch (loc) {
	case LOC_SLOT: return op->slot;
	case LOC_A: return op->a;
	case LOC_B_LO: return op->b & 0x0f;
	case LOC_B_HI: return op->b >> 4;
	case LOC_W0: return op->arg & 0xffff;
	case LOC_W1: return op->arg >> 16;
	case LOC_A_LO6: return op->a & 0x3f;
	case LOC_A_HI2: return op->a >> 6;
	default: return op->arg;
	}
}

void mmf_field_set(struct mmf_op *op, unsigned loc, uint32_t v)
{
	switch (loc) {
	case LOC_SLOT: op->slot = (uint8_t)v; break;
	case LOC_A: op->a = (uint8_t)v; break;
	case LOC_B_LO: op->b = (uint8_t)((op->b & 0xf0) | (v & 0x0f)); break;
	case LOC_B_HI: op->b = (uint8_t)((op->b & 0x0f) | ((v & 0x0f) << 4)); break;
	case LOC_W0: op->arg = (op->arg & 0xffff0000u) | (v & 0xffff); break;
	case LOC_W1: op->arg = (op->arg & 0xffffu) | (v << 16); break;
	case LOC_A_LO6: op->a = (uint8_t)((op->a & 0xc0) | (v & 0x3f)); break;
	case LOC_A_HI2: op->a = (uint8_t)((op->a & 0x3f) | ((v & 3) << 6)); break;
	default: op->arg = v; break;
	}
}

uint32_t mmf_field_range(unsigned kind, unsigned profile)
{
	const struct mmf_profile *p = mmf_profile_get(profile);
	switch (kind) {
	case FK_SLOT: return MMF_NSLOTS;
	case FK_ORDER: return MMF_MAX_ORDER;
	case FK_CPU: return p->nr_cpus;
	case FK_NODE: return p->nr_nodes;
	case FK_PAGE: return 1u << (MMF_MAX_ORDER - 1);
	case FK_U8: return 256;
	case FK_REPORT: return MMF_REPORT_RANGE;
	case FK_OSIZE: return 144u << 10;
	case FK_GFPSEL: return MMF_GFP_SEL_RANGE;
	case FK_WORD: return 16384;
	case FK_CSLOT: return MMF_NCACHES;
	case FK_CSIZE: return 32769;
	case FK_ALIGN: return 13;
	case FK_SLABFLAGS: return 16;
	case FK_VSIZE: return (4u << 20) + 1;
	case FK_PSLOT: return MMF_NPOOLS;
	case FK_MINNR: return 33;
	case FK_CMAAREA: return MMF_CMA_AREA_RANGE;
	case FK_CMACOUNT: return MMF_CMA_COUNT_RANGE;
	case FK_CMAALIGN: return 16;
	case FK_PROC: return MMF_NPROCS;
	case FK_VPAGE: return MMF_AS_WINDOW_PAGES;
	case FK_NPAGES: return MMF_AS_WINDOW_PAGES + 1;
	case FK_PROT: return 8;
	case FK_MMAPFLAGS: return 64;
	case FK_PREPORT: return MMF_PROC_REPORT_RANGE;
	case FK_ADVICE: return 32;
	case FK_MREMAPFLAGS: return 8;
	case FK_FILE: return MMF_NFILES;
	case FK_CLEARREFS: return 8;
	case FK_U16: return 65536;
	case FK_SHIFT: return 64;
	case FK_MEMALIGN: return 3;
	case FK_MALIGN: return 256;
	case FK_U32: return 0;
	case FK_NIBBLE: return 16;
	case FK_MLOCKFLAGS: return 4;
	case FK_MCLFLAGS: return 16;
	case FK_MSFLAGS: return 16;
	case FK_SWAPDEV: return 8;
	case FK_DROPCACHES: return 8;
	case FK_OOMADJ: return 2048;
	case FK_ZSWAPFLAGS: return 16;
	case FK_PERCENT: return 128;
	case FK_HPOOL: return 4;
	case FK_HCOUNT: return 16;
	default: return 0;
	}
}

void mmf_op_bounds(unsigned code, unsigned profile, struct mmf_op_bounds *b)
{
	uint64_t *loc[MMF_NR_LOCS] = { &b->slot, &b->a, &b->b_lo, &b->b_hi, &b->arg, &b->w0, &b->w1, &b->a_lo6, &b->a_hi2 };
	for (unsigned i = 0; i < MMF_NR_LOCS; i++)
		*loc[i] = 1;
	b->gfp_arg = 0;
	if (code >= MMF_NR_OPCODES)
		return;
	const struct mmf_opdesc *d = &mmf_optable[code];
	for (unsigned i = 0; i < d->nfields; i++) {
		uint32_t range = mmf_field_range(d->f[i].kind, profile);
		if (d->f[i].kind == FK_GFP) {
			range = 0;
			b->gfp_arg = 1; /* FK_GFP fields live in the arg */
		}
		*loc[d->f[i].loc] = range ? range : 1ull << 32;
	}
	/* An op with 16-bit halves has no whole arg, and the other way round. */
	if (b->w0 > 1 || b->w1 > 1)
		b->arg = 1ull << 32;
	else if (b->arg > 1)
		b->w0 = b->w1 = 1ull << 16;
	/* The same for the a byte and its two parts. */
	if (b->a_lo6 > 1 || b->a_hi2 > 1)
		b->a = 256;
	else if (b->a > 1)
		b->a_lo6 = 64, b->a_hi2 = 4;
}

int mmf_op_within(const struct mmf_op *op, const struct mmf_op_bounds *b)
{
	return op->slot < b->slot && op->a < b->a && (op->b & 0x0fu) < b->b_lo && (op->b >> 4) < b->b_hi &&
	       op->arg < b->arg && (op->arg & 0xffff) < b->w0 && (op->arg >> 16) < b->w1 &&
	       (op->a & 0x3fu) < b->a_lo6 && (op->a >> 6) < b->a_hi2 &&
	       (!b->gfp_arg || mmf_gfp_canonical(op->arg) == op->arg);
}

int mmf_family_enabled(uint16_t swarm, unsigned family)
{
	uint16_t known = (uint16_t)((1u << MMF_NR_FAMILIES) - 1);
	return (swarm & known) == 0 ? swarm == 0 : (swarm >> family) & 1;
}

int mmf_op_canonical(struct mmf_op *op, unsigned profile, uint16_t swarm)
{
	struct mmf_op in = *op;
	unsigned code = in.code % MMF_NR_OPCODES;
	if (code == MMF_OP_NOP)
		return 0;
	const struct mmf_opdesc *d = &mmf_optable[code];
	if (!mmf_family_enabled(swarm, d->family))
		return 0;
	struct mmf_op out = { .code = (uint8_t)code };
	for (unsigned i = 0; i < d->nfields; i++) {
		uint32_t v = mmf_field_get(&in, d->f[i].loc);
		if (d->f[i].kind == FK_GFP)
			v = mmf_gfp_canonical(v);
		else {
			uint32_t range = mmf_field_range(d->f[i].kind, profile);
			if (range)
				v %= range;
		}
		mmf_field_set(&out, d->f[i].loc, v);
	}
	*op = out;
	return 1;
}

const char *mmf_op_name(unsigned code)
{
	return code < MMF_NR_OPCODES ? mmf_optable[code].name : "?";
}

unsigned mmf_op_family(unsigned code)
{
	return code < MMF_NR_OPCODES ? mmf_optable[code].family : 0;
}

const char *mmf_family_name(unsigned family)
{
	static const char *const names[MMF_NR_FAMILIES] = { "page", "obj", "vmalloc", "as" };
	return family < MMF_NR_FAMILIES ? names[family] : "?";
}

const char *mmf_report_name(unsigned kind)
{
	static const char *const names[MMF_NR_REPORTS] = { "buddyinfo", "zoneinfo", "vmstat", "slabinfo", "meminfo",
							    "vmallocinfo", "cma", "swaps", "oom", "zswap" };
	return kind < MMF_NR_REPORTS ? names[kind] : "?";
}
