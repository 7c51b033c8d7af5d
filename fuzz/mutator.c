/* Structure-aware mutation of operation sequences, for libFuzzer
 * (LLVMFuzzerCustomMutator, LLVMFuzzerCustomCrossOver) and AFL++ (the
 * custom mutator library API: afl_custom_init/fuzz/deinit).
 *
 * An input is decoded as the targets decode it (raw bytes, a container or
 * text), mutated as whole records, and written back as canonical raw
 * bytes. About half the time the engine's own byte mutation works on one
 * record instead; the rest:
 *
 *   insert     a record copied from the input, or a fresh one from the
 *              generator (so its fields are plausible), or a run of a
 *              generated sequence (an allocation and the ops that use it)
 *   generate   now and then a whole new sequence, as the built-in
 *              campaign draws them: coverage guidance then keeps the
 *              generated inputs that reach new code
 *   delete, duplicate, swap
 *   splice     a run of records from another input (crossover)
 *   tweak      one field from a value pool: order boundaries, size-class
 *              edges, page-size multiples, small numbers, the same field's
 *              values elsewhere in the input
 *   swarm      flip one family in the swarm mask
 *
 * Built into fuzz_page_libfuzzer_cm (libFuzzer) and fuzz_page_mutator.so
 * (AFL_CUSTOM_MUTATOR_LIBRARY). MMFUZZ_GENERATOR=N makes fresh ops as
 * generator version N did. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/optable.h"
#include "mmfuzz/harness.h"
#include "mmfuzz/profile.h"

static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static unsigned below(uint64_t *s, unsigned n) { return n ? (unsigned)(next(s) % n) : 0; }

typedef size_t (*byte_mutator)(uint8_t *data, size_t size, size_t max);

static const uint32_t pool[] = {
	0, 1, 2, 3, 7, 8, 9, 10, 15, 16, 31, 32, 63, 64, 95, 96, 97, 127, 128, 191, 192, 193, 255, 256, 511, 512,
	1023, 1024, 2047, 2048, 4095, 4096, 4097, 8191, 8192, 8193, 16384, 32768, 65535, 65536, 131072, 131073,
	1u << 20, 2u << 20, 4u << 20,
};

static uint32_t pick_value(uint64_t *r, const struct mmf_seq *seq, unsigned code, unsigned loc)
{
	if (below(r, 3) == 0 && seq->nops) { /* a value the same field has elsewhere */
		for (unsigned tries = 0; tries < 8; tries++) {
			const struct mmf_op *o = &seq->ops[below(r, seq->nops)];
			if (o->code == code)
				return mmf_field_get(o, loc);
		}
	}
	return pool[below(r, sizeof(pool) / sizeof(pool[0]))];
}

/* The generator version fresh ops come from: MMFUZZ_GENERATOR=N draws as
 * version N did (for comparisons, bench/detect-*.sh); the latest without. */
static unsigned gen_version(void)
{
	static int v = -1;
	if (v < 0) {
		const char *e = getenv("MMFUZZ_GENERATOR");
		v = e && *e ? atoi(e) : 0;
		if (v < 0 || v > MMF_GEN_VERSION)
			v = 0;
	}
	return (unsigned)v;
}

/* A fresh sequence from the generator, for the input's profile and swarm:
 * its ops have plausible fields, and its runs use each other's handles. */
static const struct mmf_seq *fresh_seq(uint64_t *r, const struct mmf_seq *seq, unsigned max_ops)
{
	static struct mmf_seq g;
	struct mmf_gen_config gc = { seq->profile, max_ops, seq->swarm, 0, gen_version(), 0, 0, 0 };
	mmf_gen_sequence(next(r), &gc, &g);
	return &g;
}

static struct mmf_op fresh_op(uint64_t *r, const struct mmf_seq *seq)
{
	const struct mmf_seq *g = fresh_seq(r, seq, 32);
	return g->nops ? g->ops[below(r, g->nops)] : (struct mmf_op){ MMF_OP_DRAIN_PCP, 0, 0, 0, 0 };
}

static void insert_at(struct mmf_seq *s, unsigned at, const struct mmf_op *op)
{
	if (s->nops >= MMF_MAX_OPS)
		return;
	memmove(&s->ops[at + 1], &s->ops[at], (s->nops - at) * sizeof(s->ops[0]));
	s->ops[at] = *op;
	s->nops++;
}

/* Mutates seq in place; other (may be NULL) is a second input to splice. */
static void mutate_seq(struct mmf_seq *s, const struct mmf_seq *other, uint64_t *r, byte_mutator bm)
{
	unsigned n = s->nops;
	unsigned what = below(r, 16);
	if (other && other->nops && below(r, 3) == 0)
		what = 100; /* crossover */
	if (n && bm && below(r, 2) == 0) {
		/* the engine's byte mutation of one record */
		unsigned i = below(r, n);
		uint8_t rec[8] = { s->ops[i].code, s->ops[i].slot, s->ops[i].a, s->ops[i].b, (uint8_t)s->ops[i].arg,
				   (uint8_t)(s->ops[i].arg >> 8), (uint8_t)(s->ops[i].arg >> 16), (uint8_t)(s->ops[i].arg >> 24) };
		bm(rec, 8, 8);
		s->ops[i] = (struct mmf_op){ rec[0], rec[1], rec[2], rec[3],
					     rec[4] | (uint32_t)rec[5] << 8 | (uint32_t)rec[6] << 16 | (uint32_t)rec[7] << 24 };
		return;
	}
	if (what == 100) {
		unsigned from = below(r, other->nops), len = 1 + below(r, other->nops - from);
		unsigned at = below(r, n + 1);
		if (below(r, 2)) { /* replace the tail */
			s->nops = at;
			for (unsigned k = 0; k < len && s->nops < MMF_MAX_OPS; k++)
				s->ops[s->nops++] = other->ops[from + k];
		} else {
			for (unsigned k = 0; k < len; k++)
				insert_at(s, at + k <= s->nops ? at + k : s->nops, &other->ops[from + k]);
		}
		return;
	}
	switch (n ? what : 0) {
	case 0:
	case 1: { /* insert */
		struct mmf_op op = n && below(r, 2) ? s->ops[below(r, n)] : fresh_op(r, s);
		insert_at(s, below(r, n + 1), &op);
		break;
	}
	case 2: { /* insert a run of a generated sequence (an alloc and its use) */
		const struct mmf_seq *g = fresh_seq(r, s, 48);
		if (!g->nops)
			break;
		unsigned from = below(r, g->nops), len = 2 + below(r, 7);
		unsigned at = below(r, n + 1);
		for (unsigned k = 0; k < len && from + k < g->nops; k++)
			insert_at(s, at + k <= s->nops ? at + k : s->nops, &g->ops[from + k]);
		break;
	}
	case 3: { /* generate: a whole new sequence as the built-in campaign
		   * draws one (syzkaller mixes generation into mutation too) */
		static struct mmf_seq g;
		struct mmf_gen_config gc = { -1, 200, 0, 0, gen_version(), 0, 0, 0 };
		mmf_gen_sequence(next(r), &gc, &g);
		memcpy(s, &g, sizeof(g));
		break;
	}
	case 4:
	case 5: { /* delete a run */
		unsigned i = below(r, n), len = 1 + (below(r, 4) == 0 ? below(r, n - i) : 0);
		memmove(&s->ops[i], &s->ops[i + len], (n - i - len) * sizeof(s->ops[0]));
		s->nops -= len;
		break;
	}
	case 6: { /* duplicate */
		struct mmf_op op = s->ops[below(r, n)];
		insert_at(s, below(r, n + 1), &op);
		break;
	}
	case 7: { /* swap */
		unsigned i = below(r, n), j = below(r, n);
		struct mmf_op t = s->ops[i];
		s->ops[i] = s->ops[j];
		s->ops[j] = t;
		break;
	}
	case 8: /* the swarm mask */
		s->swarm ^= (uint16_t)(1u << below(r, MMF_NR_FAMILIES));
		break;
	default: { /* tweak a field (7 in 16) */
		unsigned i = below(r, n);
		const struct mmf_opdesc *d = &mmf_optable[s->ops[i].code % MMF_NR_OPCODES];
		if (!d->nfields)
			break;
		unsigned fi = below(r, d->nfields);
		uint32_t v = pick_value(r, s, s->ops[i].code, d->f[fi].loc);
		if (d->f[fi].kind == FK_GFP)
			v = s->ops[i].arg ^ (1u << below(r, 26)); /* flip one GFP flag */
		else if (below(r, 4) == 0)
			v = mmf_field_get(&s->ops[i], d->f[fi].loc) + (below(r, 2) ? 1 : -1u);
		mmf_field_set(&s->ops[i], d->f[fi].loc, v);
		break;
	}
	}
}

static size_t mutate_bytes(uint8_t *data, size_t size, size_t max, const uint8_t *other, size_t other_size,
			   uint64_t seed, byte_mutator bm)
{
	static struct mmf_seq s, o;
	struct mmf_diag d;
	if (mmf_seq_load(data, size, &s, NULL, &d) != MMF_LOAD_OK)
		mmf_seq_decode(data, size, &s);
	int have_other = other && mmf_seq_load(other, other_size, &o, NULL, &d) == MMF_LOAD_OK;
	uint64_t r = seed * 0x9e3779b97f4a7c15ull + size;
	static struct mmf_seq orig;
	memcpy(&orig, &s, sizeof(s));
	/* a change canonicalisation undoes (a flipped bit in an unused byte)
	 * is no change: try again, a few times */
	for (unsigned attempt = 0; attempt < 8; attempt++) {
		for (unsigned k = 1 + below(&r, 3); k; k--)
			mutate_seq(&s, have_other ? &o : NULL, &r, bm);
		/* canonical: drop what decodes to nothing, fields in range */
		unsigned w = 0;
		for (unsigned i = 0; i < s.nops; i++)
			if (mmf_op_canonical(&s.ops[i], s.profile % mmf_profile_count(), s.swarm))
				s.ops[w++] = s.ops[i];
		s.nops = w;
		if (s.nops != orig.nops || s.swarm != orig.swarm || memcmp(s.ops, orig.ops, s.nops * sizeof(s.ops[0])))
			break;
	}
	s.version = MMF_FORMAT_VERSION;
	size_t need = mmf_seq_encode(&s, NULL, 0);
	while (need > max && s.nops) {
		s.nops--;
		need = mmf_seq_encode(&s, NULL, 0);
	}
	if (need > max)
		return 0;
	return mmf_seq_encode(&s, data, max);
}

/* ---- libFuzzer --------------------------------------------------------- */
#ifndef MMF_MUTATOR_AFL
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2, uint8_t *out,
				 size_t max_out_size, unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	size_t n = mutate_bytes(data, size, max_size, NULL, 0, seed, LLVMFuzzerMutate);
	return n ? n : LLVMFuzzerMutate(data, size, max_size);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2, uint8_t *out,
				 size_t max_out_size, unsigned int seed)
{
	size_t n = size1 < max_out_size ? size1 : max_out_size;
	memcpy(out, data1, n);
	size_t m = mutate_bytes(out, n, max_out_size, data2, size2, (uint64_t)seed << 1 | 1, NULL);
	return m ? m : n;
}
#else
/* ---- AFL++ ------------------------------------------------------------- */
struct afl_state;
struct mm_state {
	uint64_t seed;
	uint8_t *buf;
	size_t cap;
};

/* AFL++ has no byte mutator to lend: flip a byte of the record. */
static uint64_t afl_rng;
static size_t flip(uint8_t *data, size_t size, size_t max)
{
	(void)max;
	data[next(&afl_rng) % size] ^= (uint8_t)(1u << (next(&afl_rng) % 8));
	return size;
}

void *afl_custom_init(struct afl_state *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf, uint8_t *add_buf,
		       size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

void *afl_custom_init(struct afl_state *afl, unsigned int seed)
{
	(void)afl;
	struct mm_state *st = calloc(1, sizeof(*st));
	if (st)
		st->seed = seed;
	return st;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf, uint8_t *add_buf,
		       size_t add_buf_size, size_t max_size)
{
	struct mm_state *st = data;
	size_t cap = max_size > buf_size ? max_size : buf_size;
	if (cap > MMF_HEADER_SIZE + (size_t)MMF_MAX_OPS * MMF_RECORD_SIZE)
		cap = MMF_HEADER_SIZE + (size_t)MMF_MAX_OPS * MMF_RECORD_SIZE;
	if (st->cap < cap || st->cap < buf_size) {
		size_t want = cap > buf_size ? cap : buf_size;
		uint8_t *n = realloc(st->buf, want);
		if (!n) {
			*out_buf = buf;
			return buf_size;
		}
		st->buf = n;
		st->cap = want;
	}
	memcpy(st->buf, buf, buf_size);
	afl_rng = next(&st->seed); /* so each state's outputs follow from its seed alone */
	size_t n = mutate_bytes(st->buf, buf_size, cap, add_buf, add_buf_size, next(&st->seed), flip);
	if (!n) {
		*out_buf = buf;
		return buf_size;
	}
	*out_buf = st->buf;
	return n;
}

void afl_custom_deinit(void *data)
{
	struct mm_state *st = data;
	if (st)
		free(st->buf);
	free(st);
}
#endif
