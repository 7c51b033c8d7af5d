/* The reports' appends (reference/textbuf.c) against the C library: every
 * conversion the reports use, at random widths, flags and values, and every
 * buffer size from none to room to spare, must give vsnprintf's bytes and
 * vsnprintf's length; and the "Label:  value kB" lines put without a format
 * string, against the format they stand for. */
#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "reference/textbuf.h"

#include "tests/check_run.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Values that sit on the edges: 0, 1, all ones, the sign bit, powers of ten. */
static uint64_t value(void)
{
	static const uint64_t edge[] = { 0, 1, 9, 10, 99, 100, 4095, 4096, UINT32_MAX, (uint64_t)INT32_MAX + 1,
					 INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX, 10000000000000000000ull };
	switch (next() % 4) {
	case 0:
		return edge[next() % (sizeof(edge) / sizeof(edge[0]))];
	case 1:
		return next() % 1000;
	case 2:
		return next() >> (next() % 64);
	default:
		return 0 - (next() % 1000);
	}
}

/* The maps header's arguments, drawn from one value. */
#define MAPS_PERMS(a) "r-"[(a) & 1], "w-"[((a) >> 1) & 1], "x-"[((a) >> 2) & 1], "sp"[((a) >> 3) & 1]
#define MAPS_ARGS(a)                                                                                           \
	(unsigned long long)(a), (unsigned long long)((a) * 3 + 4096), MAPS_PERMS(a), (unsigned long long)((a) >> 5), \
		(unsigned)((a) >> 60), (unsigned)((a) % 300), (unsigned long)((a) >> ((a) % 64))

/* Puts fmt with up to two arguments through both, at every capacity from 0
 * to past the full length, appending to a prefix so offsets move too. */
static void same(const char *fmt, int kind, uint64_t a, const char *s)
{
	char want[512];
	int wn;
	switch (kind) {
	case 0: wn = snprintf(want, sizeof(want), fmt, (int)a); break;
	case 1: wn = snprintf(want, sizeof(want), fmt, (long)a); break;
	case 2: wn = snprintf(want, sizeof(want), fmt, (long long)a); break;
	case 3: wn = snprintf(want, sizeof(want), fmt, (size_t)a); break;
	case 4: wn = snprintf(want, sizeof(want), fmt, s); break;
	case 6: wn = snprintf(want, sizeof(want), fmt, s, (unsigned long long)a); break;
	case 7: wn = snprintf(want, sizeof(want), fmt, MAPS_ARGS(a)); break;
	default: wn = snprintf(want, sizeof(want), fmt, (int)(a % 17) - 8, (unsigned)a); break;
	}
	ck_assert_int_ge(wn, 0);
	for (size_t cap = 0; cap <= (size_t)wn + 8; cap++) {
		for (size_t pre = 0; pre < 3; pre++) {
			char buf[600], ref[600];
			memset(buf, '#', sizeof(buf));
			memset(ref, '#', sizeof(ref));
			struct mmf_out o = { buf, cap, 0 };
			for (size_t i = 0; i < pre; i++)
				mmf_out_put(&o, "x");
			switch (kind) {
			case 0: mmf_out_put(&o, fmt, (int)a); break;
			case 1: mmf_out_put(&o, fmt, (long)a); break;
			case 2: mmf_out_put(&o, fmt, (long long)a); break;
			case 3: mmf_out_put(&o, fmt, (size_t)a); break;
			case 4: mmf_out_put(&o, fmt, s); break;
			case 6: mmf_out_kb(&o, s, a); break; /* fmt is what it stands for */
			case 7: {
				const char perms[4] = { MAPS_PERMS(a) };
				mmf_out_maps_head(&o, a, a * 3 + 4096, perms, a >> 5, (unsigned)(a >> 60), (unsigned)(a % 300),
						  (unsigned long)(a >> (a % 64)));
				break;
			}
			default: mmf_out_put(&o, fmt, (int)(a % 17) - 8, (unsigned)a); break;
			}
			int n = mmf_out_finish(&o);
			/* what the same appends through vsnprintf leave */
			char full[600];
			snprintf(full, sizeof(full), "%.*s%s", (int)pre, "xxx", want);
			if (cap) {
				size_t keep = strlen(full) < cap - 1 ? strlen(full) : cap - 1;
				memcpy(ref, full, keep);
				ref[keep] = 0;
			}
			ck_assert_msg(n == (int)pre + wn, "'%s': length %d, vsnprintf %d (cap %zu)", fmt, n, (int)pre + wn,
				      cap);
			ck_assert_msg(!memcmp(buf, ref, cap), "'%s' at cap %zu, prefix %zu: \"%.*s\", vsnprintf \"%.*s\"", fmt,
				      cap, pre, (int)cap, buf, (int)cap, ref);
			ck_assert_msg(buf[cap] == '#', "'%s': wrote past cap %zu", fmt, cap);
		}
	}
}

START_TEST(t_random_conversions)
{
	static const char *const flags[] = { "", "-", "0", "-0", "0-" };
	static const char *const lens[] = { "", "l", "ll", "z" };
	static const char conv[] = "diuxX";
	for (int i = 0; i < 3000; i++) {
		char fmt[64];
		unsigned l = (unsigned)(next() % 4), w = (unsigned)(next() % 4) ? (unsigned)(next() % 24) : 0;
		char c = conv[next() % 5];
		if (c != 'd' && c != 'i' && l == 0 && next() % 2)
			c = 'u';
		snprintf(fmt, sizeof(fmt), "a%%%s%.0u%s%cb", flags[next() % 5], w, lens[l], c);
		if (!w)
			snprintf(fmt, sizeof(fmt), "a%%%s%s%cb", flags[next() % 2], lens[l], c);
		same(fmt, (int)l, value(), NULL);
	}
}
END_TEST

START_TEST(t_strings_chars_and_star)
{
	static const char *const strs[] = { "", "a", "Normal", "kmalloc-rcl-192", "a string longer than every width" };
	static const char *const fmts[] = { "%s", "%8s", "%-16s", "[%-17s]", "%02s|", "%-1s", "x%sy%%z" };
	for (unsigned s = 0; s < sizeof(strs) / sizeof(strs[0]); s++)
		for (unsigned f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
			same(fmts[f], 4, 0, strs[s]);
	for (int i = 0; i < 200; i++) {
		same("%c", 0, 'a' + next() % 26, NULL);
		same("<%3c>", 0, 'A' + next() % 26, NULL);
		same("%*u", 5, value(), NULL); /* width from the argument, negative: left */
		same("%-*u|", 5, value(), NULL);
	}
	same("100%%", 0, 0, NULL);
	same("no conversion at all", 0, 0, NULL);
}
END_TEST

/* meminfo's and smaps' lines, formatted without a format string. */
START_TEST(t_kb_lines)
{
	static const char *const labels[] = { "MemTotal:", "Rss:", "", "KernelPageSize:", "FilePmdMapped:",
					      "A_label_longer_than_16:" };
	for (int i = 0; i < 400; i++)
		same("%-16s%8llu kB\n", 6, value(), labels[next() % (sizeof(labels) / sizeof(labels[0]))]);
}
END_TEST

/* /proc/PID/maps' line up to the name, put without a format string. */
START_TEST(t_maps_head)
{
	for (int i = 0; i < 400; i++)
		same("%08llx-%08llx %c%c%c%c %08llx %02x:%02x %lu ", 7, value(), NULL);
}
END_TEST

/* Formats outside the subset (precision, %p, %f) still come out as
 * vsnprintf's: the whole append goes there. */
START_TEST(t_others_through_libc)
{
	same("%.3s", 4, 0, "abcdef");
	same("%5.2d", 0, 7, NULL);
	same("%hu", 0, 70000, NULL);
	same("%#x", 0, 255, NULL);
	same("%+d", 0, 5, NULL);
}
END_TEST

static Suite *textbuf_suite(void)
{
	Suite *s = suite_create("textbuf");
	TCase *tc = tcase_create("vs_vsnprintf");
	tcase_add_test(tc, t_random_conversions);
	tcase_add_test(tc, t_strings_chars_and_star);
	tcase_add_test(tc, t_kb_lines);
	tcase_add_test(tc, t_maps_head);
	tcase_add_test(tc, t_others_through_libc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mmf_check_run(textbuf_suite(), 0);
}
