/* The AFL++ custom mutator library (fuzz/mutator.c), loaded as AFL++ loads
 * it: every output is a canonical raw sequence within the size limit, most
 * outputs differ from their input, record counts go up and down, splices
 * take records from the second input, and the same seed gives the same
 * outputs. */
#include <check.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/harness.h"

#include "tests/check_run.h"

typedef void *(*init_fn)(void *, unsigned);
typedef size_t (*fuzz_fn)(void *, uint8_t *, size_t, uint8_t **, uint8_t *, size_t, size_t);
typedef void (*deinit_fn)(void *);

static init_fn init;
static fuzz_fn fuzz;
static deinit_fn deinit;

static void load(void)
{
	void *h = dlopen(MMF_MUTATOR_LIB, RTLD_NOW);
	ck_assert_msg(h != NULL, "%s", dlerror());
	init = (init_fn)(uintptr_t)dlsym(h, "afl_custom_init");
	fuzz = (fuzz_fn)(uintptr_t)dlsym(h, "afl_custom_fuzz");
	deinit = (deinit_fn)(uintptr_t)dlsym(h, "afl_custom_deinit");
	ck_assert(init && fuzz && deinit);
}

static size_t gen(uint64_t seed, uint8_t *buf, size_t cap)
{
	static struct mmf_seq s;
	struct mmf_gen_config gc = { -1, 40, 0, 0, 0, 0, 0, 0 };
	mmf_gen_sequence(seed, &gc, &s);
	return mmf_seq_encode(&s, buf, cap);
}

START_TEST(t_outputs_are_canonical_and_vary)
{
	load();
	void *st = init(NULL, 7);
	static uint8_t in[MMF_HEADER_SIZE + MMF_MAX_OPS * MMF_RECORD_SIZE], other[sizeof(in)], again[sizeof(in)];
	static struct mmf_seq s, t;
	unsigned differ = 0, grew = 0, shrank = 0, spliced = 0, runs = 2000;
	for (unsigned i = 0; i < runs; i++) {
		size_t n = gen(i, in, sizeof(in)), m = gen(i + 100000, other, sizeof(other));
		mmf_seq_decode(in, n, &s);
		unsigned before = s.nops;
		uint8_t *out;
		size_t max = 4096;
		size_t k = fuzz(st, in, n, &out, other, m, max);
		ck_assert_uint_le(k, max);
		mmf_seq_decode(out, k, &t);
		ck_assert_uint_eq(mmf_seq_encode(&t, again, sizeof(again)), k);
		ck_assert_msg(memcmp(again, out, k) == 0, "output %u is not canonical", i);
		differ += k != n || memcmp(out, in, n) != 0;
		grew += t.nops > before;
		shrank += t.nops < before;
		/* a record of the other input at a place this one had none like it */
		static struct mmf_seq o;
		mmf_seq_decode(other, m, &o);
		for (unsigned a = 0; a < t.nops && a < 8; a++)
			if (o.nops && !memcmp(&t.ops[t.nops - 1], &o.ops[o.nops - 1], sizeof(o.ops[0])) && t.nops != before) {
				spliced++;
				break;
			}
	}
	ck_assert_msg(differ > runs * 9 / 10, "only %u of %u outputs differ", differ, runs);
	ck_assert_msg(grew > runs / 10 && shrank > runs / 10, "grew %u, shrank %u", grew, shrank);
	ck_assert_msg(spliced > runs / 50, "only %u splices", spliced);
	deinit(st);
	/* deterministic for a seed */
	void *a = init(NULL, 99), *b = init(NULL, 99);
	size_t n = gen(5, in, sizeof(in));
	uint8_t *oa, *ob;
	static uint8_t ca[sizeof(in)];
	size_t ka = fuzz(a, in, n, &oa, NULL, 0, 4096);
	memcpy(ca, oa, ka);
	size_t kb = fuzz(b, in, n, &ob, NULL, 0, 4096);
	ck_assert_uint_eq(ka, kb);
	ck_assert(memcmp(ca, ob, ka) == 0);
	deinit(a);
	deinit(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mutator");
	TCase *tc = tcase_create("afl");
	tcase_add_test(tc, t_outputs_are_canonical_and_vary);
	suite_add_tcase(s, tc);
	return mmf_check_run(s, 0);
}
