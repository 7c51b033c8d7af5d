/* A planted bug of known minimum, for the minimizer's test and benchmark:
 * the simple allocator, except that its PLANTED_MIN-th kmalloc since a
 * reset answers "corrupt". So PLANTED_MIN kmallocs are the shortest
 * reproducer; planted_build() hides that many in a long sequence of other
 * ops (page and vmalloc ops as the generator draws them), the last one at
 * the end, as a long campaign's finding would look. */
#ifndef MMF_TESTS_PLANTED_H
#define MMF_TESTS_PLANTED_H

#include <string.h>

#include "mmfuzz/harness.h"

#define PLANTED_MIN 20

static struct mmf_adapter planted;
static unsigned planted_calls;
static enum mmf_result (*planted_kmalloc_inner)(void *, uint64_t, uint32_t, unsigned, unsigned, uint64_t *, int *);
static enum mmf_result (*planted_reset_inner)(void *);

static enum mmf_result planted_kmalloc(void *ctx, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node,
				       uint64_t *addr, int *err)
{
	if (++planted_calls == PLANTED_MIN)
		return MMF_CORRUPT;
	return planted_kmalloc_inner(ctx, size, gfp, cpu, node, addr, err);
}

static enum mmf_result planted_reset(void *ctx)
{
	planted_calls = 0;
	return planted_reset_inner(ctx);
}

static const struct mmf_adapter *planted_adapter(void)
{
	planted = *mmf_adapter_simple();
	planted.name = "planted";
	planted_kmalloc_inner = planted.kmalloc;
	planted_reset_inner = planted.reset;
	planted.kmalloc = planted_kmalloc;
	planted.reset = planted_reset;
	return &planted;
}

/* nops ops on profile 0: noise, with the PLANTED_MIN kmallocs spread
 * evenly through it (object slots 0.., the last op the last kmalloc). */
static void planted_build(struct mmf_seq *s, unsigned nops, uint64_t seed)
{
	static struct mmf_seq noise;
	struct mmf_gen_config gc = { 0, 4096, 1u << MMF_FAM_PAGE | 1u << MMF_FAM_VMALLOC, 0, 0, 0, 0, 0 };
	memset(s, 0, sizeof(*s));
	s->version = MMF_FORMAT_VERSION;
	s->seed = 1;
	unsigned every = nops / PLANTED_MIN, planted_n = 0;
	for (uint64_t k = 0; s->nops < nops; k++) {
		mmf_gen_sequence(mmf_seed_mix(seed, k), &gc, &noise);
		for (unsigned i = 0; i < noise.nops && s->nops < nops; i++) {
			if ((s->nops + 1) % every == 0 && planted_n < PLANTED_MIN)
				s->ops[s->nops++] = (struct mmf_op){ MMF_OP_KMALLOC, (uint8_t)planted_n++, 0, 0, 64 };
			else if (s->nops < nops - (PLANTED_MIN - planted_n))
				s->ops[s->nops++] = noise.ops[i];
		}
	}
}

#endif
