/* /proc/PID reports as semantic comparison sees them: what the kernel
 * decides, without what each system numbers its own way.
 *
 *   maps     inode numbers set aside, and the device of MAP_HUGETLB's
 *            files (the internal hugetlbfs mount's); adjacent lines alike in all but
 *            their addresses joined (file lines only where the offsets
 *            continue), as CRIU's zdtm compares maps: where two VMAs
 *            could merge but did not is below semantic level
 *   smaps    each VMA's maps line as above, then the fields the reference
 *            models, in its order; blocks of joined lines summed (sizes
 *            and page counts), so long as their VmFlags agree. LazyFree is
 *            not compared: a MADV_FREE'd page counts only once the per-CPU
 *            LRU batch that marks it lazy-free has drained, which depends
 *            on the CPU's other work, not on the ops
 *   pagemap  present, swapped, file/shared and soft-dirty bits; the
 *            exclusive bit (56) is not compared: after fork it records
 *            whether the kernel has yet to share or copy a page, which
 *            depends on the order of faults, not on the ops alone
 * Exact comparison uses the reports as they are. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/exec_internal.h"

struct vline {
	unsigned long long start, end, off;
	char perms[8], dev[16], name[96];
};

static int parse_vline(const char *l, struct vline *v)
{
	unsigned long inode;
	int used = 0;
	memset(v, 0, sizeof(*v));
	if (sscanf(l, "%llx-%llx %7s %llx %15s %lu%n", &v->start, &v->end, v->perms, &v->off, v->dev, &inode, &used) < 6)
		return -1;
	l += used;
	while (*l == ' ')
		l++;
	snprintf(v->name, sizeof(v->name), "%.*s", (int)strcspn(l, "\n"), l);
	/* the internal hugetlbfs mount's device number is its boot's own */
	if (!strncmp(v->name, "/anon_hugepage", 14))
		snprintf(v->dev, sizeof(v->dev), "hugetlbfs");
	return 0;
}

/* zdtm's rule: the same in all but the addresses, and a file's offsets
 * running on. */
static int joins(const struct vline *u, const struct vline *v)
{
	int file = v->name[0] && v->name[0] != '[';
	return u->end == v->start && !strcmp(u->perms, v->perms) && !strcmp(u->dev, v->dev) &&
	       !strcmp(u->name, v->name) && (!file || u->off + (u->end - u->start) == v->off);
}

struct sink {
	char *buf;
	size_t cap, len;
};

static void put(struct sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct sink *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (s->len < s->cap) {
		int n = vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
		s->len += n > 0 ? (size_t)n : 0;
		if (s->len > s->cap)
			s->len = s->cap;
	}
	va_end(ap);
}

static void put_vline(struct sink *s, const struct vline *v)
{
	put(s, "%08llx-%08llx %s %08llx %s %s\n", v->start, v->end, v->perms, v->off, v->dev, v->name);
}

static const char *next(const char *l, const char *end)
{
	const char *nl = memchr(l, '\n', (size_t)(end - l));
	return nl ? nl + 1 : end;
}

/* The smaps fields the reference prints, in its order. */
static const char *const labels[] = { "Size",	       "KernelPageSize", "MMUPageSize",	   "Rss",	     "Pss",
				      "Pss_Dirty",     "Shared_Clean",	 "Shared_Dirty",   "Private_Clean", "Private_Dirty",
				      "Referenced",    "Anonymous",	 "KSM",		   "AnonHugePages",
				      "ShmemPmdMapped", "FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb", "Swap",
				      "SwapPss",       "Locked",	 "THPeligible" };
#define NLABELS (sizeof(labels) / sizeof(labels[0]))

struct block {
	struct vline v;
	unsigned long long val[NLABELS];
	unsigned char seen[NLABELS];
	char flags[160];
};

static int summed(unsigned i)
{
	return strcmp(labels[i], "KernelPageSize") && strcmp(labels[i], "MMUPageSize") && strcmp(labels[i], "THPeligible");
}

static void put_block(struct sink *s, const struct block *b)
{
	put_vline(s, &b->v);
	for (unsigned i = 0; i < NLABELS; i++)
		if (b->seen[i])
			put(s, "%s: %llu\n", labels[i], b->val[i]);
	put(s, "VmFlags: %s\n", b->flags);
}

static void field(struct block *b, const char *l, const char *end)
{
	size_t n = strcspn(l, ":\n");
	if ((size_t)(end - l) <= n || l[n] != ':')
		return;
	const char *val = l + n + 1;
	if (n == 7 && !strncmp(l, "VmFlags", 7)) {
		while (*val == ' ')
			val++;
		size_t k = strcspn(val, "\n");
		while (k && val[k - 1] == ' ')
			k--;
		snprintf(b->flags, sizeof(b->flags), "%.*s", (int)k, val);
		return;
	}
	for (unsigned i = 0; i < NLABELS; i++)
		if (strlen(labels[i]) == n && !strncmp(l, labels[i], n)) {
			b->val[i] = strtoull(val, NULL, 10);
			b->seen[i] = 1;
		}
}

static int blocks_join(const struct block *a, const struct block *b)
{
	if (!joins(&a->v, &b->v) || strcmp(a->flags, b->flags) || memcmp(a->seen, b->seen, sizeof(a->seen)))
		return 0;
	for (unsigned i = 0; i < NLABELS; i++)
		if (!summed(i) && a->val[i] != b->val[i])
			return 0;
	return 1;
}

#define MAX_BLOCKS 2048
static struct block blocks[MAX_BLOCKS];

static void normalize_smaps(const char *in, size_t len, struct sink *s)
{
	const char *end = in + len;
	unsigned n = 0;
	for (const char *l = in; l < end; l = next(l, end)) {
		struct vline v;
		if (parse_vline(l, &v) == 0) {
			if (n == MAX_BLOCKS)
				break;
			memset(&blocks[n], 0, sizeof(blocks[n]));
			blocks[n++].v = v;
		} else if (n) {
			field(&blocks[n - 1], l, end);
		}
	}
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		if (k && blocks_join(&blocks[k - 1], &blocks[i])) {
			struct block *u = &blocks[k - 1];
			u->v.end = blocks[i].v.end;
			for (unsigned f = 0; f < NLABELS; f++)
				if (summed(f))
					u->val[f] += blocks[i].val[f];
		} else {
			blocks[k++] = blocks[i];
		}
	}
	for (unsigned i = 0; i < k; i++)
		put_block(s, &blocks[i]);
}

static struct vline vlines[MAX_BLOCKS * 4];

static void normalize_maps(const char *in, size_t len, struct sink *s)
{
	const char *end = in + len;
	unsigned k = 0;
	for (const char *l = in; l < end && k < sizeof(vlines) / sizeof(vlines[0]); l = next(l, end)) {
		struct vline v;
		if (parse_vline(l, &v))
			continue;
		if (k && joins(&vlines[k - 1], &v))
			vlines[k - 1].end = v.end;
		else
			vlines[k++] = v;
	}
	for (unsigned i = 0; i < k; i++)
		put_vline(s, &vlines[i]);
}

#define PM_COMPARED ((1ull << 63) | (1ull << 62) | (1ull << 61) | (1ull << 55))

static void normalize_pagemap(const char *in, size_t len, struct sink *s)
{
	const char *end = in + len;
	for (const char *l = in; l < end; l = next(l, end)) {
		unsigned long long a, e;
		if (sscanf(l, "%llx %llx", &a, &e) != 2)
			continue;
		e &= PM_COMPARED;
		if (e)
			put(s, "%llx %016llx\n", a, e);
	}
}

size_t mmf_proc_normalize(unsigned kind, const char *in, size_t len, char *out, size_t cap)
{
	struct sink s = { out, cap, 0 };
	switch (kind) {
	case MMF_PROC_MAPS: normalize_maps(in, len, &s); break;
	case MMF_PROC_SMAPS: normalize_smaps(in, len, &s); break;
	case MMF_PROC_PAGEMAP: normalize_pagemap(in, len, &s); break;
	default:
		s.len = len < cap ? len : cap;
		memcpy(out, in, s.len);
		break;
	}
	return s.len;
}
