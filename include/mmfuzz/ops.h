/* The operation language: what a sequence is, its binary form (what fuzzers
 * mutate) and its text form (what people read and write).
 *
 * Binary form (raw):
 *
 *   offset 0  u8   format version (raw decoding accepts any value)
 *          1  u8   machine profile, modulo the number of profiles
 *          2  u16  swarm mask, little endian: bit f set = family f enabled;
 *                  0 means every family
 *          4  u32  seed, little endian (tokens written to memory derive from it)
 *          8  records of MMF_RECORD_SIZE bytes:
 *                  u8 opcode | u8 slot | u8 a | u8 b | u32 arg (little endian)
 *
 * Every byte string decodes: missing header bytes read as zero, opcodes and
 * fields are taken modulo their ranges, a partial trailing record is ignored,
 * nop records and ops of disabled families are dropped. All-zero bytes give
 * the empty sequence. Decoding is canonicalising: encode(decode(x)) is the
 * canonical form of x, and decode(encode(s)) == s.
 *
 * Saved files (corpus, reproducers) wrap the raw form in a container that
 * starts with the magic "MMFZ"; there the version byte must be one this
 * build reads, so a file from a newer format is refused, never misread.
 * An input that starts like a text trace ('#' or "mmfuzz" first, after a
 * byte-order mark and blank space) is the text form: UTF-8 throughout, and
 * it must parse; so is an input of printable ASCII only. The rest is raw.
 * mmf_seq_load() applies these rules; the fuzz targets use it too, so a
 * crash artifact replays exactly as the fuzzer ran it.
 *
 * The opcode table is append-only: a code, once given, keeps its meaning
 * and its field layout forever, so saved corpora stay valid. */
#ifndef MMFUZZ_OPS_H
#define MMFUZZ_OPS_H

#include <stddef.h>
#include <stdint.h>

#define MMF_FORMAT_VERSION 1
#define MMF_HEADER_SIZE 8
#define MMF_RECORD_SIZE 8
#define MMF_MAGIC "MMFZ"
#define MMF_MAGIC_SIZE 4
#define MMF_NSLOTS 64   /* handle slots per sequence */
#define MMF_MAX_OPS 4096 /* records beyond this are ignored */

enum mmf_family {
	MMF_FAM_PAGE, /* page allocator: alloc_pages, free_pages, pcp, contents */
	MMF_FAM_OBJ,  /* object allocators: kmalloc family, kmem_cache */
	MMF_FAM_VMALLOC, /* vmalloc, vfree, vmalloc_to_page, area contents */
	MMF_FAM_AS,      /* address spaces: processes, mmap, munmap, mprotect, reads and writes, /proc/PID reports */
	MMF_NR_FAMILIES
};

/* Opcodes: one row each in mmfuzz/ops.def, append-only. */
enum mmf_opcode {
#define MMF_OP(NAME, name, code, ...) MMF_OP_##NAME = code,
#include "mmfuzz/ops.def"
#undef MMF_OP
	MMF_NR_OPCODES
};

/* The names fields have in ops.def's rows. An op's fields decode into one
 * struct mmf_args (mmf_op_args()), read by name: args.start, args.npages.
 * A field an op lacks reads 0. */
#define MMF_ARG_NAMES(X)                                                                                            \
	X(slot) X(order) X(gfp) X(cpu) X(node) X(page) X(token) X(kind) X(size) X(word) X(cache) X(align) X(flags)  \
	X(pool) X(min_nr) X(area) X(count) X(proc) X(start) X(npages) X(prot) X(child) X(advice) X(new_npages)      \
	X(new_start) X(file) X(pgoff) X(value) X(n) X(n_shift) X(size_shift) X(dev) X(adj)
enum mmf_arg_id {
#define MMF_ARG_ID(name) MMF_ARG_##name,
	MMF_ARG_NAMES(MMF_ARG_ID)
#undef MMF_ARG_ID
	MMF_NR_ARGS
};
struct mmf_args {
	union {
		struct {
#define MMF_ARG_MEMBER(name) uint32_t name;
			MMF_ARG_NAMES(MMF_ARG_MEMBER)
#undef MMF_ARG_MEMBER
		};
		uint32_t v[MMF_NR_ARGS];
	};
};

/* Report kinds for MMF_OP_REPORT; text in the kernel's own formats. The
 * field's range is MMF_REPORT_RANGE for ever; kinds not defined yet are
 * "unsupported" by every adapter and skipped. */
enum mmf_report_kind {
	MMF_REPORT_BUDDYINFO,   /* /proc/buddyinfo */
	MMF_REPORT_ZONEINFO,    /* /proc/zoneinfo subset */
	MMF_REPORT_VMSTAT,      /* /proc/vmstat subset */
	MMF_REPORT_SLABINFO,    /* /proc/slabinfo, version 2.1 */
	MMF_REPORT_MEMINFO,     /* /proc/meminfo subset */
	MMF_REPORT_VMALLOCINFO, /* /proc/vmallocinfo */
	MMF_REPORT_CMA,         /* per CMA area: debugfs and sysfs counters */
	MMF_REPORT_SWAPS,       /* /proc/swaps */
	MMF_REPORT_OOM,         /* the last OOM killer's report, as the kernel logs it */
	MMF_REPORT_ZSWAP,       /* /sys/kernel/debug/zswap's counters */
	MMF_NR_REPORTS
};
#define MMF_REPORT_RANGE 16

#define MMF_NCACHES 8 /* kmem_cache handle slots */
#define MMF_NPOOLS 4  /* mempool handle slots */
#define MMF_CMA_AREA_RANGE 4 /* the area field of cma_alloc; fixed for ever */
#define MMF_CMA_COUNT_RANGE 16384 /* pages per cma_alloc, 0 refused */

/* Address spaces: processes are numbered 0..MMF_NPROCS-1 (0 exists from
 * the start). Ops name user pages by index in one fixed window of
 * MMF_AS_WINDOW_PAGES pages at MMF_AS_WINDOW_BASE, the same in every
 * process; lengths are in pages, 0..MMF_AS_WINDOW_PAGES (0 is refused). */
#define MMF_NPROCS 8
#define MMF_AS_WINDOW_BASE 0x200000000000ull /* 32 TiB: away from ASLR's places and ASan's shadow */
#define MMF_AS_WINDOW_PAGES 4096
/* Files: MMF_NFILES memfd-like files (tmpfs: shmem page cache), open in
 * every process, empty at the start; sizes are in pages. The PFN device is
 * a driver's buffer of MMF_PFN_PAGES pages that mmap_pfn maps with
 * remap_pfn_range() (VM_PFNMAP: no struct page references). */
#define MMF_NFILES 4
#define MMF_PFN_PAGES 64
/* Swap devices: swap files 0..MMF_NSWAPDEVS-1 of the machine's disk may be
 * swapped on (the op's field reaches higher, where there is no such file);
 * oom_score_adj travels biased by MMF_OOMADJ_BIAS in its field. */
#define MMF_NSWAPDEVS 4
#define MMF_OOMADJ_BIAS 1024
/* The heap (brk) starts this many pages into the window. */
#define MMF_AS_START_BRK_PAGE 1024
/* mmap flags as the op carries them (bits of its flags field). */
#define MMF_MAP_SHARED 0x01u
#define MMF_MAP_FIXED 0x02u
#define MMF_MAP_FIXED_NOREPLACE 0x04u
#define MMF_MAP_POPULATE 0x08u
#define MMF_MAP_NORESERVE 0x10u
#define MMF_MAP_HINT 0x20u /* the start page is a hint (no FIXED): otherwise addr 0 */

/* mremap flags: Linux's values. */
#define MMF_MREMAP_MAYMOVE 1u
#define MMF_MREMAP_FIXED 2u
#define MMF_MREMAP_DONTUNMAP 4u

/* madvise advice: Linux's values. */
#define MMF_MADV_NORMAL 0
#define MMF_MADV_RANDOM 1
#define MMF_MADV_SEQUENTIAL 2
#define MMF_MADV_WILLNEED 3
#define MMF_MADV_DONTNEED 4
#define MMF_MADV_FREE 8
#define MMF_MADV_DONTFORK 10
#define MMF_MADV_DOFORK 11
#define MMF_MADV_DONTDUMP 16
#define MMF_MADV_DODUMP 17
#define MMF_MADV_WIPEONFORK 18
#define MMF_MADV_KEEPONFORK 19
#define MMF_MADV_COLD 20
#define MMF_MADV_PAGEOUT 21
#define MMF_MADV_REMOVE 9
#define MMF_MADV_MERGEABLE 12
#define MMF_MADV_UNMERGEABLE 13
#define MMF_MADV_HUGEPAGE 14
#define MMF_MADV_NOHUGEPAGE 15
#define MMF_MADV_POPULATE_READ 22
#define MMF_MADV_POPULATE_WRITE 23
#define MMF_MADV_DONTNEED_LOCKED 24
#define MMF_MADV_COLLAPSE 25
/* Kinds of MMF_OP_PROC_REPORT; the field's range is 8 for ever. */
enum mmf_proc_report_kind { MMF_PROC_MAPS, MMF_PROC_SMAPS, MMF_PROC_PAGEMAP, MMF_NR_PROC_REPORTS };
#define MMF_PROC_REPORT_RANGE 8
/* The GFP masks the object ops can carry (a 4-bit index); fixed for ever. */
#define MMF_GFP_SEL_RANGE 16
uint32_t mmf_gfp_sel(unsigned index);

struct mmf_op {
	uint8_t code;
	uint8_t slot;
	uint8_t a;
	uint8_t b;
	uint32_t arg;
};

struct mmf_seq {
	uint8_t version;
	uint8_t profile;
	uint16_t swarm;
	uint32_t seed;
	uint32_t nops;
	struct mmf_op ops[MMF_MAX_OPS];
};

/* Field accessors: one place says where each named field lives. */
static inline unsigned mmf_op_order(const struct mmf_op *op) { return op->a; }
static inline unsigned mmf_op_cpu(const struct mmf_op *op) { return op->b & 0x0f; }
static inline unsigned mmf_op_node(const struct mmf_op *op) { return op->b >> 4; }

/* Where the text form put something wrong; line and col count from 1. */
struct mmf_diag {
	int line;
	int col;
	char msg[200];
};

/* Result of loading a saved file or a fuzzer's bytes. */
enum mmf_load_result {
	MMF_LOAD_OK,
	MMF_LOAD_EMPTY,     /* zero bytes: nothing to decode */
	MMF_LOAD_TRUNCATED, /* container shorter than its header */
	MMF_LOAD_VERSION,   /* container of a format version we do not read */
	MMF_LOAD_SYNTAX,    /* text form that does not parse; see diag */
};

enum mmf_input_kind { MMF_INPUT_RAW, MMF_INPUT_CONTAINER, MMF_INPUT_TEXT };

int mmf_family_enabled(uint16_t swarm, unsigned family);

/* Raw bytes -> canonical sequence. Total: never fails. */
void mmf_seq_decode(const uint8_t *buf, size_t len, struct mmf_seq *out);
/* Canonical raw bytes (header + records); returns bytes needed, writing
 * at most cap. */
size_t mmf_seq_encode(const struct mmf_seq *seq, uint8_t *buf, size_t cap);
/* Canonicalises one record in place for the given profile and swarm;
 * returns 0 when the record decodes to nothing (nop, disabled family). */
int mmf_op_canonical(struct mmf_op *op, unsigned profile, uint16_t swarm);

/* Any file's bytes: detects container, text or raw form. */
enum mmf_load_result mmf_seq_load(const uint8_t *buf, size_t len,
				  struct mmf_seq *out, enum mmf_input_kind *kind,
				  struct mmf_diag *diag);

/* Text form. The returned string is malloc'd; NULL only on out-of-memory. */
char *mmf_seq_to_text(const struct mmf_seq *seq);
/* One op as text without newline; returns chars written (snprintf rules).
 * MMF_OP_TEXT_MAX bytes always suffice. */
#define MMF_OP_TEXT_MAX 640
int mmf_op_format(const struct mmf_op *op, unsigned profile, char *buf, size_t cap);
/* Parses the text form; 0 on success, -1 with diag filled. */
int mmf_seq_parse_text(const char *text, size_t len, struct mmf_seq *out,
		       struct mmf_diag *diag);

/* The op table, for tools that list or generate ops. */
const char *mmf_op_name(unsigned code);
unsigned mmf_op_family(unsigned code);
const char *mmf_family_name(unsigned family);
const char *mmf_report_name(unsigned kind);

#endif
