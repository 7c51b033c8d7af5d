/* The operation language: total decoding, canonical round trips between
 * binary and text, and the diagnostics bad text gets. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/gfp.h"
#include "mmfuzz/ops.h"

#include "tests/check_run.h"

static struct mmf_seq a, b;

static size_t encode(const struct mmf_seq *s, uint8_t *buf, size_t cap)
{
	size_t n = mmf_seq_encode(s, buf, cap);
	ck_assert_uint_le(n, cap);
	return n;
}

START_TEST(all_zero_bytes_decode_to_the_empty_sequence)
{
	uint8_t zeros[8 + 8 * 16] = { 0 };
	for (size_t len = 0; len <= sizeof(zeros); len++) {
		mmf_seq_decode(zeros, len, &a);
		ck_assert_uint_eq(a.nops, 0);
		ck_assert_uint_eq(a.profile, 0);
		ck_assert_uint_eq(a.version, MMF_FORMAT_VERSION);
	}
}
END_TEST

START_TEST(fields_are_taken_modulo_their_ranges)
{
	/* profile 1 = x86_64 (4 cpus, 1 node); op 0x101 % NR = 1 (alloc_pages) */
	uint8_t in[] = { 9, 1, 0, 0, 1, 2, 3, 4,
			 MMF_NR_OPCODES + MMF_OP_ALLOC_PAGES, 64 + 5, 11 + 3, 0x3e, 0xff, 0xff, 0xff, 0xff,
			 MMF_OP_FREE_PAGES, 200, 77, 0xf7, 1, 2, 3, 4 };
	mmf_seq_decode(in, sizeof(in), &a);
	ck_assert_uint_eq(a.profile, 1);
	ck_assert_uint_eq(a.seed, 0x04030201);
	ck_assert_uint_eq(a.nops, 2);
	ck_assert_uint_eq(a.ops[0].code, MMF_OP_ALLOC_PAGES);
	ck_assert_uint_eq(a.ops[0].slot, 5);
	ck_assert_uint_eq(a.ops[0].a, 3);                 /* order 14 % 11 */
	ck_assert_uint_eq(mmf_op_cpu(&a.ops[0]), 14 % 4); /* cpu nibble 0xe */
	ck_assert_uint_eq(mmf_op_node(&a.ops[0]), 0);     /* node 3 % 1 */
	ck_assert_uint_eq(a.ops[0].arg, mmf_gfp_canonical(0xffffffff));
	ck_assert_uint_eq(a.ops[1].slot, 200 % MMF_NSLOTS);
	ck_assert_uint_eq(a.ops[1].a, 0); /* unused field cleared */
	ck_assert_uint_eq(a.ops[1].arg, 0);
	ck_assert_uint_eq(mmf_op_cpu(&a.ops[1]), 7 % 4);
}
END_TEST

START_TEST(partial_tail_and_nops_are_dropped)
{
	uint8_t in[] = { 1, 0, 0, 0, 0, 0, 0, 0,
			 MMF_OP_NOP, 1, 2, 3, 4, 5, 6, 7,
			 MMF_OP_CHECK, 0, 0, 0, 0, 0, 0, 0,
			 MMF_OP_CHECK, 0, 0 };
	mmf_seq_decode(in, sizeof(in), &a);
	ck_assert_uint_eq(a.nops, 1);
	ck_assert_uint_eq(a.ops[0].code, MMF_OP_CHECK);
}
END_TEST

START_TEST(swarm_mask_disables_families)
{
	uint8_t in[] = { 1, 0, 0x02, 0, 0, 0, 0, 0, MMF_OP_CHECK, 0, 0, 0, 0, 0, 0, 0 };
	mmf_seq_decode(in, sizeof(in), &a);
	ck_assert_uint_eq(a.nops, 0); /* only an unknown family enabled */
	in[2] = 0x01;
	mmf_seq_decode(in, sizeof(in), &a);
	ck_assert_uint_eq(a.nops, 1);
}
END_TEST

START_TEST(gfp_canonical_form_is_a_mask_linux_accepts)
{
	ck_assert_uint_eq(mmf_gfp_canonical(__GFP_DMA | __GFP_DMA32), __GFP_DMA);
	ck_assert_uint_eq(mmf_gfp_canonical(__GFP_DMA32 | __GFP_HIGHMEM | __GFP_MOVABLE), __GFP_DMA32 | __GFP_MOVABLE);
	ck_assert_uint_eq(mmf_gfp_canonical(0x80000000u), 0);
	char buf[200];
	mmf_gfp_format(GFP_KERNEL | __GFP_ZERO, buf, sizeof(buf));
	ck_assert_str_eq(buf, "GFP_KERNEL|__GFP_ZERO");
	mmf_gfp_format(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0");
	mmf_gfp_t g;
	ck_assert_int_eq(mmf_gfp_parse("GFP_ATOMIC|__GFP_DMA", 20, &g), 0);
	ck_assert_uint_eq(g, GFP_ATOMIC | __GFP_DMA);
	ck_assert_int_eq(mmf_gfp_parse("0x100", 5, &g), 0);
	ck_assert_uint_eq(g, __GFP_ZERO);
	ck_assert_int_ne(mmf_gfp_parse("GFP_KERNAL", 10, &g), 0);
	ck_assert_int_ne(mmf_gfp_parse("__GFP_DMA|__GFP_DMA32", 21, &g), 0); /* GFP_ZONE_BAD */
	ck_assert_int_ne(mmf_gfp_parse("GFP_KERNEL|", 11, &g), 0);
}
END_TEST

START_TEST(text_form_reads_as_written)
{
	const char *t = "# a comment\n"
			"mmfuzz 1 profile=numa2 swarm=0x0001 seed=0x0000002a\n"
			"alloc_pages slot=3 order=2 gfp=GFP_KERNEL|__GFP_ZERO cpu=1 node=1\n"
			"\n"
			"write_page slot=3 page=1 token=7   # trailing comment\n"
			"report kind=zoneinfo\n"
			"free_pages slot=3 cpu=0\n";
	struct mmf_diag d;
	ck_assert_int_eq(mmf_seq_parse_text(t, strlen(t), &a, &d), 0);
	ck_assert_uint_eq(a.profile, 2);
	ck_assert_uint_eq(a.seed, 42);
	ck_assert_uint_eq(a.nops, 4);
	ck_assert_uint_eq(a.ops[0].arg, GFP_KERNEL | __GFP_ZERO);
	ck_assert_uint_eq(mmf_op_node(&a.ops[0]), 1);
	char *out = mmf_seq_to_text(&a);
	ck_assert_str_eq(out, "mmfuzz 1 profile=numa2 swarm=0x0001 seed=0x0000002a\n"
			      "alloc_pages slot=3 order=2 gfp=GFP_KERNEL|__GFP_ZERO cpu=1 node=1\n"
			      "write_page slot=3 page=1 token=7\n"
			      "report kind=zoneinfo\n"
			      "free_pages slot=3 cpu=0\n");
	free(out);
}
END_TEST

/* Random bytes -> decode -> text -> parse -> encode gives the canonical
 * bytes, and text -> parse -> text is the identity. */
START_TEST(fuzzed_round_trip)
{
	static uint8_t raw[8 + 8 * 300], e1[8 + 8 * 300], e2[8 + 8 * 300];
	uint64_t x = 0x1234567 + (uint64_t)_i;
	for (int iter = 0; iter < 400; iter++) {
		size_t len = (size_t)(x % sizeof(raw));
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			raw[i] = (uint8_t)x;
		}
		mmf_seq_decode(raw, len, &a);
		size_t n1 = encode(&a, e1, sizeof(e1));
		char *text = mmf_seq_to_text(&a);
		struct mmf_diag d;
		ck_assert_msg(mmf_seq_parse_text(text, strlen(text), &b, &d) == 0, "line %d col %d: %s\n%s", d.line,
			      d.col, d.msg, text);
		size_t n2 = encode(&b, e2, sizeof(e2));
		ck_assert_uint_eq(n1, n2);
		ck_assert_mem_eq(e1, e2, n1);
		char *text2 = mmf_seq_to_text(&b);
		ck_assert_str_eq(text, text2);
		/* decode(encode(s)) == s */
		mmf_seq_decode(e1, n1, &b);
		size_t n3 = encode(&b, e2, sizeof(e2));
		ck_assert_uint_eq(n1, n3);
		ck_assert_mem_eq(e1, e2, n1);
		free(text);
		free(text2);
	}
}
END_TEST

struct bad_text {
	const char *text;
	int line, col;
	const char *needle;
	size_t len; /* 0: strlen(text) */
};

#define NUL_TEXT "mmfuzz 1 profile=tiny\n\n\nalloc_pages slot=1 \0order=1\n"

static const struct bad_text bad_texts[] = {
	{ "mmfuzz 1 profile=tiny\nalloc_pagez slot=1\n", 2, 1, "unknown op 'alloc_pagez'", 0 },
	{ "mmfuzz 1 profile=tiny\nalloc_pages slot=1 order=x1\n", 2, 26, "bad number 'x1'", 0 },
	{ "mmfuzz 1 profile=tiny\nalloc_pages slot=1 order=11\n", 2, 26, "out of range", 0 },
	{ "mmfuzz 1 profile=tiny\nalloc_pages slot=64\n", 2, 18, "out of range", 0 },
	{ "mmfuzz 1 profile=tiny\nalloc_pages cpu=2\n", 2, 17, "out of range", 0 }, /* tiny has 2 cpus */
	{ "mmfuzz 1 profile=tiny\nalloc_pages gfp=GFP_KERNEL|__GFP_BOGUS\n", 2, 28, "bad gfp", 0 },
	{ "mmfuzz 1 profile=tiny\nfree_pages slot=1 order=1\n", 2, 19, "no field 'order'", 0 },
	{ "mmfuzz 1 profile=tiny\nfree_pages slot=1 slot=2\n", 2, 19, "given twice", 0 },
	{ "mmfuzz 1 profile=tiny\nfree_pages slot\n", 2, 12, "expected field=value", 0 },
	{ "mmfuzz 2 profile=tiny\n", 1, 8, "format version 2", 0 },
	{ "mmfuzz 1 profile=huge\n", 1, 18, "unknown profile 'huge'", 0 },
	{ "mmfuzz 1\n", 1, 9, "missing profile", 0 },
	{ "alloc_pages slot=1\n", 1, 1, "expected the header", 0 },
	{ "# only a comment\n", 2, 1, "no header", 0 },
	{ "# c", 1, 4, "no header", 0 }, /* found by fuzz_text: no newline at the end */
	{ "mmfuzz 1 profile=tiny profile=numa2\n", 1, 23, "given twice", 0 },
	{ "mmfuzz 1 profile=tiny\nalloc_pages slot=-1\n", 2, 18, "bad number '-1'", 0 },
	{ "mmfuzz 1 profile=tiny\nalloc_pages slot=0x\n", 2, 18, "bad number '0x'", 0 },
	{ NUL_TEXT, 4, 20, "NUL byte", sizeof(NUL_TEXT) - 1 },
	{ "mmfuzz 1 profile=tiny\ncache_create cache=1 size=8 flags=\n", 2, 35, "bad slab flags", 0 },
	{ "mmfuzz 1 profile=tiny\nreport kind=pagetypeinfo\n", 2, 13, "unknown report kind", 0 },
	{ "mmfuzz 1 profile=tiny\nmmap proc=0 prot=PROT_READ|PROT_BOGUS\n", 2, 18, "bad prot 'PROT_READ|PROT_BOGUS'", 0 },
	{ "mmfuzz 1 profile=tiny\nmmap flags=MAP_FIXED|\n", 2, 12, "bad mmap flags", 0 },
	{ "mmfuzz 1 profile=tiny\nmunmap start=4096\n", 2, 14, "out of range (0..4095)", 0 },
	{ "mmfuzz 1 profile=tiny\nproc_report proc=8\n", 2, 18, "out of range (0..7)", 0 },
};

START_TEST(bad_text_names_line_and_column)
{
	const struct bad_text *bt = &bad_texts[_i];
	struct mmf_diag d;
	ck_assert_int_eq(mmf_seq_parse_text(bt->text, bt->len ? bt->len : strlen(bt->text), &a, &d), -1);
	ck_assert_msg(strstr(d.msg, bt->needle), "message '%s' lacks '%s'", d.msg, bt->needle);
	ck_assert_int_eq(d.line, bt->line);
	ck_assert_int_eq(d.col, bt->col);
}
END_TEST

START_TEST(load_tells_the_three_forms_apart)
{
	struct mmf_diag d;
	enum mmf_input_kind kind;
	ck_assert_int_eq(mmf_seq_load((const uint8_t *)"", 0, &a, &kind, &d), MMF_LOAD_EMPTY);
	ck_assert_int_eq(mmf_seq_load((const uint8_t *)"MMFZ\1\0", 6, &a, &kind, &d), MMF_LOAD_TRUNCATED);
	ck_assert_int_eq(mmf_seq_load((const uint8_t *)"MM", 2, &a, &kind, &d), MMF_LOAD_TRUNCATED);
	ck_assert_int_eq(mmf_seq_load((const uint8_t *)"MMFZ\2\0\0\0\0\0\0\0", 12, &a, &kind, &d), MMF_LOAD_VERSION);
	ck_assert(strstr(d.msg, "format version 2"));
	ck_assert_int_eq(mmf_seq_load((const uint8_t *)"MMFZ\1\7\0\0\0\0\0\0", 12, &a, &kind, &d), MMF_LOAD_VERSION);
	ck_assert_int_eq(mmf_seq_load((const uint8_t *)"MMFZ\1\1\0\0\0\0\0\0", 12, &a, &kind, &d), MMF_LOAD_OK);
	ck_assert_int_eq(kind, MMF_INPUT_CONTAINER);
	ck_assert_uint_eq(a.profile, 1);
	const char *t = "\xef\xbb\xbf\n# c\nmmfuzz 1 profile=tiny\ncheck\nalloc_pages slot=010 order=0x3\n";
	ck_assert_int_eq(mmf_seq_load((const uint8_t *)t, strlen(t), &a, &kind, &d), MMF_LOAD_OK);
	ck_assert_int_eq(kind, MMF_INPUT_TEXT);
	ck_assert_uint_eq(a.nops, 2);
	ck_assert_uint_eq(a.ops[1].slot, 10); /* decimal, not octal */
	ck_assert_uint_eq(a.ops[1].a, 3);
	/* printable input is text and must parse: a typo is an error */
	const char *typo = "mmfuz 1 profile=tiny\ncheck\n";
	ck_assert_int_eq(mmf_seq_load((const uint8_t *)typo, strlen(typo), &a, &kind, &d), MMF_LOAD_SYNTAX);
	ck_assert_int_eq(d.line, 1);
	const uint8_t garbage[] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	ck_assert_int_eq(mmf_seq_load(garbage, sizeof(garbage), &a, &kind, &d), MMF_LOAD_OK);
	ck_assert_int_eq(kind, MMF_INPUT_RAW);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("oplang");
	TCase *tc = tcase_create("decode");
	tcase_add_test(tc, all_zero_bytes_decode_to_the_empty_sequence);
	tcase_add_test(tc, fields_are_taken_modulo_their_ranges);
	tcase_add_test(tc, partial_tail_and_nops_are_dropped);
	tcase_add_test(tc, swarm_mask_disables_families);
	tcase_add_test(tc, gfp_canonical_form_is_a_mask_linux_accepts);
	tcase_add_test(tc, load_tells_the_three_forms_apart);
	suite_add_tcase(s, tc);
	tc = tcase_create("text");
	tcase_add_test(tc, text_form_reads_as_written);
	tcase_add_loop_test(tc, fuzzed_round_trip, 0, 8);
	tcase_add_loop_test(tc, bad_text_names_line_and_column, 0, (int)(sizeof(bad_texts) / sizeof(bad_texts[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mmf_check_run(suite(), 1);
}
