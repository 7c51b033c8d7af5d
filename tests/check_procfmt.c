/* The reference's reports laid beside this machine's real /proc files,
 * column by column: /proc/slabinfo (header lines, separator offsets, field
 * widths, kmalloc line order), /proc/meminfo (labels, label and value
 * columns), /proc/buddyinfo (per-order columns) and /proc/vmallocinfo
 * (line structure). Only layout is compared, never values.
 *
 * A /proc file that cannot be read, or reads empty (no root, a kernel
 * without it), makes that test print "SKIP: <reason>" and pass without
 * comparing. Everything else that differs fails. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference/mm.h"
#include "reference/slab.h"
#include "reference/vmalloc.h"

#include "tests/check_run.h"

#define BIG (1u << 20)

static char real[BIG], ref[1u << 16];

/* Reads a whole /proc file into real[]; 0, or -1 after printing SKIP. */
static int read_proc(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("SKIP: %s: cannot open (not root, or no such file)\n", path);
		return -1;
	}
	size_t n = fread(real, 1, sizeof(real) - 1, f);
	fclose(f);
	real[n] = 0;
	if (n == 0) {
		printf("SKIP: %s: empty\n", path);
		return -1;
	}
	return 0;
}

/* The machine the reference's reports come from: "tiny" with a few
 * objects about, so that slabinfo has non-zero lines and a cache of its
 * own, and a vmalloc area for vmallocinfo. */
static void boot_busy(struct mmf_machine *m)
{
	uint64_t a;
	uint32_t id;
	int err;
	ck_assert_int_eq(mmf_machine_init(m, mmf_profile_find("tiny", NULL), MMF_MUT_NONE), 0);
	for (unsigned i = 0; i < 50; i++)
		ck_assert_int_eq(mmf_kmalloc(m, 8u << (i % 11), GFP_KERNEL, i % 2, 0, &a, &err), MMF_OK);
	ck_assert_int_eq(mmf_kmem_cache_create(m, "mmf_fmt", 100, 0, SLAB_POISON, 0, &id, &err), MMF_OK);
	ck_assert_int_eq(mmf_kmem_cache_alloc(m, id, GFP_KERNEL, 0, 0, &a, &err), MMF_OK);
	ck_assert_int_eq(mmf_vmalloc(m, 3 * 4096, GFP_KERNEL, 0, 0, &a, &err), MMF_OK);
}

/* Line `i` (0-based) of text into out (without '\n'); 0 when there is none. */
static int line_at(const char *text, unsigned i, char *out, size_t cap)
{
	const char *s = text;
	for (; i && s; i--) {
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	if (!s || !*s)
		return 0;
	size_t n = strcspn(s, "\n");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = 0;
	return 1;
}

/* ---- /proc/slabinfo ---------------------------------------------------- */

START_TEST(t_slabinfo_header)
{
	struct mmf_machine m;
	char want[512], got[512];
	if (read_proc("/proc/slabinfo"))
		return;
	boot_busy(&m);
	mmf_report_slabinfo(&m, ref, sizeof(ref));
	for (unsigned i = 0; i < 2; i++) {
		ck_assert(line_at(real, i, want, sizeof(want)));
		ck_assert(line_at(ref, i, got, sizeof(got)));
		ck_assert_msg(strcmp(got, want) == 0, "header line %u:\n reference: \"%s\"\n real:      \"%s\"", i + 1, got,
			      want);
	}
	mmf_machine_fini(&m);
}
END_TEST

/* A data line,
 *   "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu"
 * as the kernel's cache_show() prints it: the offsets of " : tunables" and
 * " : slabdata", and the width of each of the 11 numeric fields, counted
 * from the character after the previous field (the name column ends at
 * 17 for names shorter than that) to the field's last digit. */
#define NR_SLAB_FIELDS 11

struct slab_layout {
	char name[64];
	int tunables, slabdata;
	int width[NR_SLAB_FIELDS];
};

/* 0 on success; -2 for a name of 17 or more characters (its column is
 * wider), -1 for a malformed line. */
static int slab_layout(const char *line, struct slab_layout *lo)
{
	const char *tun = strstr(line, " : tunables"), *sd = strstr(line, " : slabdata");
	size_t nl = strcspn(line, " ");
	if (nl >= 17 || nl >= sizeof(lo->name))
		return -2;
	if (!tun || !sd)
		return -1;
	memcpy(lo->name, line, nl);
	lo->name[nl] = 0;
	lo->tunables = (int)(tun - line);
	lo->slabdata = (int)(sd - line);
	/* Where each field's padding may start: after the name column, after a
	 * field's last digit plus its one space, after the " : x" labels. */
	int pos = 17, f = 0, len = (int)strlen(line);
	while (f < NR_SLAB_FIELDS && pos < len) {
		if (pos == lo->tunables)
			pos += (int)strlen(" : tunables");
		if (pos == lo->slabdata)
			pos += (int)strlen(" : slabdata");
		if (line[pos] != ' ')
			return -1;
		int start = pos + 1, end = start;
		while (end < len && line[end] == ' ')
			end++;
		if (end >= len || !isdigit((unsigned char)line[end]))
			return -1;
		while (end < len && isdigit((unsigned char)line[end]))
			end++;
		lo->width[f++] = end - start;
		pos = end;
	}
	return f == NR_SLAB_FIELDS && pos == len ? 0 : -1;
}

START_TEST(t_slabinfo_columns)
{
	struct mmf_machine m;
	struct slab_layout lo, canon;
	char line[512];
	int nr_real = 0;
	/* The real kernel's layout: each field's narrowest width over all its
	 * short-named lines (a value wider than its field widens only its own
	 * line), and the separator offsets of lines at those widths. */
	if (read_proc("/proc/slabinfo"))
		return;
	for (int f = 0; f < NR_SLAB_FIELDS; f++)
		canon.width[f] = 1000;
	for (unsigned i = 2; line_at(real, i, line, sizeof(line)); i++)
		if (slab_layout(line, &lo) == 0) {
			nr_real++;
			for (int f = 0; f < NR_SLAB_FIELDS; f++)
				if (lo.width[f] < canon.width[f])
					canon.width[f] = lo.width[f];
		}
	if (nr_real == 0) {
		printf("SKIP: /proc/slabinfo: no data line with a name under 17 characters\n");
		return;
	}
	canon.tunables = canon.slabdata = -1;
	for (unsigned i = 2; line_at(real, i, line, sizeof(line)); i++)
		if (slab_layout(line, &lo) == 0 && memcmp(lo.width, canon.width, sizeof(lo.width)) == 0) {
			canon.tunables = lo.tunables;
			canon.slabdata = lo.slabdata;
			break;
		}
	ck_assert_msg(canon.tunables >= 0, "no real line has every field at its narrowest width");

	boot_busy(&m);
	mmf_report_slabinfo(&m, ref, sizeof(ref));
	unsigned nr_ref = 0;
	for (unsigned i = 2; line_at(ref, i, line, sizeof(line)); i++) {
		int r = slab_layout(line, &lo);
		if (r == -2)
			continue;
		ck_assert_msg(r == 0, "reference line does not parse: \"%s\"", line);
		nr_ref++;
		ck_assert_msg(lo.tunables == canon.tunables && lo.slabdata == canon.slabdata,
			      "%s: \" : tunables\" at %d, \" : slabdata\" at %d; real kernel %d, %d\n  \"%s\"", lo.name,
			      lo.tunables, lo.slabdata, canon.tunables, canon.slabdata, line);
		for (int f = 0; f < NR_SLAB_FIELDS; f++)
			ck_assert_msg(lo.width[f] == canon.width[f], "%s: field %d is %d wide, real kernel %d\n  \"%s\"",
				      lo.name, f + 1, lo.width[f], canon.width[f], line);
	}
	ck_assert_uint_gt(nr_ref, 0);
	mmf_machine_fini(&m);
}
END_TEST

/* slab_caches is listed newest first, so the order of the kmalloc-<n>
 * lines is the order create_kmalloc_caches() made them in. Both files'
 * kmalloc-<n> lines, in file order, must match. */
START_TEST(t_slabinfo_kmalloc_order)
{
	struct mmf_machine m;
	char line[512], real_seq[512] = "", ref_seq[512] = "";
	if (read_proc("/proc/slabinfo"))
		return;
	boot_busy(&m);
	mmf_report_slabinfo(&m, ref, sizeof(ref));
	for (unsigned i = 2; line_at(ref, i, line, sizeof(line)); i++) {
		char name[64];
		if (sscanf(line, "%63s", name) != 1 || strncmp(name, "kmalloc-", 8) || !isdigit((unsigned char)name[8]))
			continue;
		/* only the classes both files have */
		char key[80];
		snprintf(key, sizeof(key), "\n%s ", name);
		char *hit = strstr(real, key);
		if (!hit)
			continue;
		strncat(ref_seq, name + 8, sizeof(ref_seq) - strlen(ref_seq) - 2);
		strcat(ref_seq, " ");
	}
	for (unsigned i = 2; line_at(real, i, line, sizeof(line)); i++) {
		char name[64];
		if (sscanf(line, "%63s", name) != 1 || strncmp(name, "kmalloc-", 8) || !isdigit((unsigned char)name[8]))
			continue;
		strncat(real_seq, name + 8, sizeof(real_seq) - strlen(real_seq) - 2);
		strcat(real_seq, " ");
	}
	if (!real_seq[0]) {
		printf("SKIP: /proc/slabinfo: no kmalloc-<n> lines\n");
		mmf_machine_fini(&m);
		return;
	}
	ck_assert_msg(strcmp(ref_seq, real_seq) == 0, "kmalloc-<n> lines, newest first:\n reference: %s\n real:      %s",
		      ref_seq, real_seq);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- /proc/meminfo ----------------------------------------------------- */

/* A "Label:   value kB" line: where " kB" starts and how many digits the
 * value has (show_val_kb(): a 16-column label, then the value right
 * aligned in at least 8 columns, wider values pushing " kB" right). */
struct kb_line {
	int kb, digits;
};

static int kb_layout(const char *line, struct kb_line *k)
{
	const char *kb = strstr(line, " kB");
	if (!kb || kb[3])
		return -1;
	int end = (int)(kb - line), d = end;
	while (d > 0 && isdigit((unsigned char)line[d - 1]))
		d--;
	if (d == end || d == 0 || line[d - 1] != ' ')
		return -1;
	k->kb = end;
	k->digits = end - d;
	return 0;
}

/* The real label column: " kB" minus 8 on the first line whose value
 * fits in 8 digits; -1 when there is none. */
static int meminfo_label_cols(void)
{
	char rline[256];
	struct kb_line rk;
	for (unsigned i = 0; line_at(real, i, rline, sizeof(rline)); i++)
		if (kb_layout(rline, &rk) == 0 && rk.digits < 8)
			return rk.kb - 8;
	return -1;
}

/* The real line with the label (through its ':') of `line`; 0 if none. */
static int meminfo_real_line(const char *line, size_t label_len, char *rline, size_t cap)
{
	for (unsigned j = 0; line_at(real, j, rline, cap); j++)
		if (strncmp(rline, line, label_len) == 0)
			return 1;
	return 0;
}

/* Every reference line: label, value and " kB" where the real layout puts
 * them (the value's last digit just before " kB"), and where the real file
 * has the label, at the very columns of the real line. */
START_TEST(t_meminfo_layout)
{
	struct mmf_machine m;
	char line[256], rline[256];
	struct kb_line k, rk;
	if (read_proc("/proc/meminfo"))
		return;
	int label_cols = meminfo_label_cols();
	ck_assert_msg(label_cols > 0, "no real meminfo line with a value under 8 digits");
	boot_busy(&m);
	mmf_report_meminfo(&m, ref, sizeof(ref));
	for (unsigned i = 0; line_at(ref, i, line, sizeof(line)); i++) {
		size_t ll = strcspn(line, ":") + 1;
		ck_assert_msg(line[ll - 1] == ':', "reference line without a label: \"%s\"", line);
		if (!strncmp(line, "HugePages_", 10)) { /* a count: its last digit where " kB" would start */
			ck_assert_msg(strlen(line) == (size_t)label_cols + 8 && line[strlen(line) - 1] >= '0' &&
					      line[strlen(line) - 1] <= '9',
				      "reference \"%s\" is not a count in the kB column", line);
			if (meminfo_real_line(line, ll, rline, sizeof(rline)))
				ck_assert_msg(strlen(rline) == strlen(line), "real \"%s\", reference \"%s\"", rline, line);
			continue;
		}
		ck_assert_msg(kb_layout(line, &k) == 0, "reference line not \"Label: value kB\": \"%s\"", line);
		ck_assert_msg(k.kb == label_cols + (k.digits > 8 ? k.digits : 8),
			      "reference \"%s\": \" kB\" at %d, the real layout puts it at %d", line, k.kb,
			      label_cols + (k.digits > 8 ? k.digits : 8));
		if (!meminfo_real_line(line, ll, rline, sizeof(rline)))
			continue; /* t_meminfo_labels reports it */
		ck_assert_msg(kb_layout(rline, &rk) == 0, "real \"%s\" is not \"Label: value kB\"", rline);
		ck_assert_msg(rk.kb == label_cols + (rk.digits > 8 ? rk.digits : 8), "real \"%s\" breaks the 16 + 8 layout",
			      rline);
		if (rk.digits <= 8 && k.digits <= 8)
			ck_assert_msg(k.kb == rk.kb, "%.*s last digit at %d, \" kB\" at %d; real %d, %d", (int)ll, line,
				      k.kb - 1, k.kb, rk.kb - 1, rk.kb);
	}
	mmf_machine_fini(&m);
}
END_TEST

/* Every label the reference prints is one the real file has. */
START_TEST(t_meminfo_labels)
{
	struct mmf_machine m;
	char line[256], rline[256], missing[512] = "";
	if (read_proc("/proc/meminfo"))
		return;
	boot_busy(&m);
	mmf_report_meminfo(&m, ref, sizeof(ref));
	for (unsigned i = 0; line_at(ref, i, line, sizeof(line)); i++) {
		size_t ll = strcspn(line, ":") + 1, l = strlen(missing);
		if (!meminfo_real_line(line, ll, rline, sizeof(rline)))
			snprintf(missing + l, sizeof(missing) - l, " %.*s", (int)ll, line);
	}
	ck_assert_msg(!missing[0], "reference lines whose label the real /proc/meminfo lacks:%s", missing);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- /proc/buddyinfo --------------------------------------------------- */

/* frag_show_print(): "Node %d, zone %8s " then "%6lu " per order. The
 * column of each order is where its count's last digit sits. */
#define MAX_COLS 16

static int buddy_columns(const char *line, int *ends, int *zone_end)
{
	const char *z = strstr(line, ", zone ");
	if (strncmp(line, "Node ", 5) || !z)
		return -1;
	int pos = (int)(z - line) + 7, len = (int)strlen(line), n = 0;
	while (pos < len && line[pos] == ' ')
		pos++;
	while (pos < len && line[pos] != ' ')
		pos++;
	*zone_end = pos;
	while (n < MAX_COLS) {
		while (pos < len && line[pos] == ' ')
			pos++;
		if (pos >= len)
			break;
		if (!isdigit((unsigned char)line[pos]))
			return -1;
		while (pos < len && isdigit((unsigned char)line[pos]))
			pos++;
		ends[n++] = pos - 1;
	}
	return n;
}

START_TEST(t_buddyinfo)
{
	struct mmf_machine m;
	char rline[512], line[512];
	int rends[MAX_COLS], ends[MAX_COLS], rz, z;
	if (read_proc("/proc/buddyinfo"))
		return;
	ck_assert(line_at(real, 0, rline, sizeof(rline)));
	int rn = buddy_columns(rline, rends, &rz);
	ck_assert_msg(rn > 0, "real first line does not parse: \"%s\"", rline);
	boot_busy(&m);
	mmf_report_buddyinfo(&m, ref, sizeof(ref));
	ck_assert(line_at(ref, 0, line, sizeof(line)));
	int n = buddy_columns(line, ends, &z);
	ck_assert_msg(n == rn, "%d orders, real %d\n reference: \"%s\"\n real:      \"%s\"", n, rn, line, rline);
	ck_assert_msg(z == rz, "zone name ends at %d, real %d", z, rz);
	for (int o = 0; o < n; o++)
		ck_assert_msg(ends[o] == rends[o], "order %d column ends at %d, real %d\n reference: \"%s\"\n real:      \"%s\"",
			      o, ends[o], rends[o], line, rline);
	ck_assert_msg(strlen(line) == strlen(rline), "line length %zu, real %zu (trailing space?)", strlen(line),
		      strlen(rline));
	mmf_machine_fini(&m);
}
END_TEST

/* ---- /proc/vmallocinfo ------------------------------------------------- */

/* s_show(): "0x%pK-0x%pK %7ld %pS" then " pages=%d", the kind (" vmalloc",
 * " vpages"...) and " N<nid>=<pages>" per node. The shape of a line is
 * that, with values replaced by their kind:
 *   "RANGE SIZE7@45 CALLER pages= vmalloc N=" */
static int is_hex(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int vm_shape(const char *line, char *shape, size_t cap)
{
	/* 0x + 16 hex, '-', 0x + 16 hex: 37 characters */
	if (strlen(line) < 46 || strncmp(line, "0x", 2) || !is_hex(line + 2, 16) || strncmp(line + 18, "-0x", 3) ||
	    !is_hex(line + 21, 16) || line[37] != ' ')
		return -1;
	int s = 38;
	while (line[s] == ' ')
		s++;
	int e = s;
	while (isdigit((unsigned char)line[e]))
		e++;
	if (e == s || line[e] != ' ')
		return -1;
	snprintf(shape, cap, "RANGE SIZE%d@%d", e - 38, e);
	char rest[512];
	snprintf(rest, sizeof(rest), "%s", line + e + 1);
	for (char *save = NULL, *t = strtok_r(rest, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		const char *kind = t;
		char *plus = strchr(t, '+'), *slash = plus ? strchr(plus, '/') : NULL;
		if (plus && slash && !strncmp(plus, "+0x", 3) && !strncmp(slash, "/0x", 3))
			kind = "CALLER";
		else if (!strncmp(t, "pages=", 6))
			kind = "pages=";
		else if (!strncmp(t, "phys=", 5))
			kind = "phys=";
		else if (t[0] == 'N' && isdigit((unsigned char)t[1]) && strchr(t, '='))
			kind = "N=";
		size_t l = strlen(shape);
		snprintf(shape + l, cap - l, " %s", kind);
	}
	return 0;
}

START_TEST(t_vmallocinfo)
{
	struct mmf_machine m;
	char line[512], rline[512], shape[256], rshape[256];
	if (read_proc("/proc/vmallocinfo"))
		return;
	boot_busy(&m);
	mmf_report_vmallocinfo(&m, ref, sizeof(ref));
	ck_assert(line_at(ref, 0, line, sizeof(line)));
	ck_assert_msg(vm_shape(line, shape, sizeof(shape)) == 0, "reference line does not parse: \"%s\"", line);
	/* A real line of the same kind: a vmalloc area with its pages. */
	int found = 0, parsed = 0;
	for (unsigned i = 0; !found && line_at(real, i, rline, sizeof(rline)); i++) {
		if (!strstr(rline, " vmalloc") || strstr(rline, " vpages") || !strstr(rline, " pages="))
			continue;
		if (vm_shape(rline, rshape, sizeof(rshape)) == 0)
			parsed = 1;
		found = parsed;
	}
	if (!found) {
		printf("SKIP: /proc/vmallocinfo: no \"pages=N vmalloc\" line to compare with\n");
		mmf_machine_fini(&m);
		return;
	}
	ck_assert_msg(strcmp(shape, rshape) == 0, "line structure differs:\n reference: %s\n   \"%s\"\n real:      %s\n   \"%s\"",
		      shape, line, rshape, rline);
	mmf_machine_fini(&m);
}
END_TEST

static Suite *procfmt_suite(void)
{
	Suite *s = suite_create("procfmt");
	TCase *tc = tcase_create("slabinfo");
	tcase_add_test(tc, t_slabinfo_header);
	tcase_add_test(tc, t_slabinfo_columns);
	tcase_add_test(tc, t_slabinfo_kmalloc_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("meminfo");
	tcase_add_test(tc, t_meminfo_layout);
	tcase_add_test(tc, t_meminfo_labels);
	suite_add_tcase(s, tc);
	tc = tcase_create("buddyinfo");
	tcase_add_test(tc, t_buddyinfo);
	suite_add_tcase(s, tc);
	tc = tcase_create("vmallocinfo");
	tcase_add_test(tc, t_vmallocinfo);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mmf_check_run(procfmt_suite(), 1);
}
