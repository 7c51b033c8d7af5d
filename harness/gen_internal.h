/* The generator's own vocabulary, shared by gen.c (the stream, the page,
 * object and vmalloc families) and gen_as.c (the address-space family's
 * shadow of what exists, generator version 3 on). */
#ifndef MMF_HARNESS_GEN_INTERNAL_H
#define MMF_HARNESS_GEN_INTERNAL_H
#if defined(MMF_LAYER_ORACLE) || defined(MMF_LAYER_ADAPTERS)
#error "a header of the harness, which the oracle and the built-in adapters do not include"
#endif

#include "harness/optable.h"
#include "mmfuzz/harness.h"
#include "mmfuzz/profile.h"

struct rng {
	uint64_t s;
};

static inline uint64_t next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint32_t below(struct rng *r, uint32_t n) { return n ? (uint32_t)(next(r) % n) : 0; }

/* The address-space shadow (version 3): per process and window page, what
 * the generator believes is there. It follows the ops it draws, not their
 * outcomes, so it can be wrong (an mmap the oracle refuses); being wrong
 * costs a wasted op, never a wrong verdict. */
#define GEN_SH_PAGES 1152
#define GEN_NO_HINT 0xffffu /* the low window (mappings) and the heap's first 128 pages */
enum {
	SH_MAPPED = 1u << 0,
	SH_R = 1u << 1, /* PROT_READ << 1, PROT_WRITE << 1, PROT_EXEC << 1 */
	SH_W = 1u << 2,
	SH_X = 1u << 3,
	SH_WRITTEN = 1u << 4, /* holds data a read returns */
	SH_FILE = 1u << 5,
	SH_SHARED = 1u << 6,
	SH_DONTFORK = 1u << 7,
	SH_WIPEONFORK = 1u << 8,
	SH_FILE_SHIFT = 9,  /* 2 bits: the file */
	SH_PGOFF_SHIFT = 16 /* the page's offset in its file */
};
struct gen_shadow {
	uint8_t live, used;          /* bit per process: alive now; ever alive (to reset) */
	uint8_t generation[MMF_NPROCS];
	uint32_t brk[MMF_NPROCS];    /* window page */
	uint32_t fsize[MMF_NFILES];  /* pages */
	uint64_t fdata[MMF_NFILES];  /* bit per page (the first 64) written through a shared mapping */
	uint32_t pg[MMF_NPROCS][GEN_SH_PAGES];
	/* ops queued to follow the one drawn (a fork's writes on both sides,
	 * a read after DONTNEED): kind and process */
	uint8_t q_kind[24], q_proc[24], q_len;
	uint16_t q_page[24];         /* the page (or report kind) it looks at; GEN_NO_HINT: any */
	uint16_t hint;               /* the dequeued op's */
	uint16_t fork_page;          /* the page the next fork's processes come back to (GEN_NO_HINT) */
	uint8_t focus;               /* the process recent ops gather around */
	uint8_t want_file;           /* 1 + the file the queued mmap_file maps (just made long enough) */
	/* version 4: a queued op's argument (1 + an advice, msync flags, a
	 * move; 0: none), the dequeued op's, whether the op being shaped came
	 * from the queue, the page offset a queued mmap_file maps (1 + it),
	 * and a report the next fork's child makes first (1 + its kind) */
	uint8_t q_arg[24], arg, dequeued;
	uint16_t want_pgoff;
	uint8_t fork_report;
	uint8_t fork_exit;           /* version 5: one side of the next fork exits (sc_exit) */
	unsigned errors;             /* percent of ops aimed at an error path */
	uint64_t as_caps;            /* ops needing others are not drawn (0: all) */
};

/* A sequence being drawn: the stream, what exists as far as the generator
 * can tell, and the sequence's biases. */
struct gen {
	struct rng r;
	const struct mmf_profile *p;
	unsigned version;
	uint8_t live[MMF_NSLOTS], olive[MMF_NSLOTS], vlive[MMF_NSLOTS], clive[MMF_NCACHES];
	uint8_t plive[MMF_NPOOLS], frompool[MMF_NSLOTS], cmalive[MMF_NSLOTS];
	int movable_bias;      /* with CMA areas, movable pages are what gets borrowed and migrated */
	unsigned max_order;
	uint32_t fav_size;     /* repeated sizes fill slabs */
	uint32_t as_span;      /* how spread out mappings are */
	uint8_t proc_live;     /* bit per process; 0 exists */
	uint32_t last_page, last_map; /* accesses come back to pages (COW needs write, fork, write, read) */
	/* Version 3's object patterns: the size each object slot was given;
	 * slots in allocation order (frees take the newest, so slabs empty);
	 * a class being filled, then drained; a realloc chain on one slot. */
	uint32_t osize[MMF_NSLOTS];
	uint8_t ostack[MMF_NSLOTS], nostack;
	unsigned fill_left, drain_left, chain_left, chain_slot, calloc_next;
	/* an object op to follow the next (0: none): a read of the word a
	 * realloc had to copy */
	uint8_t onext_kind, onext_slot, onext_pending;
	uint32_t onext_word;
	uint32_t fill_size;
	const unsigned *w;     /* the sequence's weights: a kind of weight 0 is never drawn */
	/* version 4: kinds the sequence may hold (its families, the systems'
	 * capabilities) though the swarm left them out of the draw: a
	 * scenario's ops run whole */
	uint8_t ok[MMF_NR_OPCODES];
	struct gen_shadow sh;
};

/* The draws every op takes, whatever its kind (so the stream does not
 * depend on which kind was drawn): a slot, a cpu, a node, a cache, a
 * process. */
struct draw {
	unsigned slot, cpu, node, cache, as_proc;
};

/* Sets the op's field called name (ops.def) to v. */
void mmf_gen_put(struct mmf_op *op, const char *name, uint32_t v);

/* gen_as.c: the address-space family from version 3. */
void mmf_gen_as_begin(struct gen *g);
/* The kind to draw next when one is queued (0: none), and its process. */
unsigned mmf_gen_as_queued(struct gen *g, unsigned *proc);
/* Shapes op k (an address-space kind) in process proc; 0 when it cannot. */
int mmf_gen_as_shape(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op);
/* A live process, around the focus (the shadow's). */
unsigned mmf_gen_as_proc(struct gen *g);
/* Version 6: ops that fill the machine past its watermarks, appended to
 * out (up to cap ops), the shadow kept. */
void mmf_gen_as_pressure(struct gen *g, unsigned cap, struct mmf_seq *out);
void mmf_gen_as_swap_trip(struct gen *g, unsigned cap, struct mmf_seq *out);
void mmf_gen_as_huge_trip(struct gen *g, unsigned cap, struct mmf_seq *out);
void mmf_gen_as_thp_trip(struct gen *g, unsigned cap, struct mmf_seq *out);
/* Whether three processes can fill the profile's machine that way. */
int mmf_gen_pressure_fits(const struct gen *g);

#endif
