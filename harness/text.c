/* The text form: one op per line, "name field=value ...", after a header
 * line "mmfuzz <version> profile=<name> swarm=0x<hex> seed=0x<hex>".
 * '#' starts a comment. Printing always writes every field, so
 * parse(print(s)) == s and print(parse(t)) == t for printed t. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/optable.h"
#include "mmfuzz/gfp.h"
#include "mmfuzz/profile.h"

static const char *const memalign_names[3] = { "posix_memalign", "aligned_alloc", "memalign" };

static const char *const advice_names[32] = {
	[0] = "MADV_NORMAL",	 [1] = "MADV_RANDOM",	  [2] = "MADV_SEQUENTIAL", [3] = "MADV_WILLNEED",
	[4] = "MADV_DONTNEED",	 [8] = "MADV_FREE",	  [9] = "MADV_REMOVE",	   [10] = "MADV_DONTFORK",
	[11] = "MADV_DOFORK",	 [12] = "MADV_MERGEABLE", [13] = "MADV_UNMERGEABLE", [14] = "MADV_HUGEPAGE",
	[15] = "MADV_NOHUGEPAGE", [16] = "MADV_DONTDUMP", [17] = "MADV_DODUMP",	   [18] = "MADV_WIPEONFORK",
	[19] = "MADV_KEEPONFORK", [20] = "MADV_COLD",	  [21] = "MADV_PAGEOUT",   [22] = "MADV_POPULATE_READ",
	[23] = "MADV_POPULATE_WRITE", [24] = "MADV_DONTNEED_LOCKED", [25] = "MADV_COLLAPSE",
};

static void format_flags(const struct mmf_flag_names *fn, uint32_t v, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = 0;
	if (!v)
		snprintf(buf, cap, "0");
	for (unsigned b = 0; b < fn->n; b++)
		if (v & (1u << b))
			len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? "|" : "", fn->names[b]);
}

/* Flag names joined by '|', or 0; -1 on an unknown name. */
static int parse_flags(const struct mmf_flag_names *fn, const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	if (n == 0 || s[n - 1] == '|')
		return -1;
	if (n == 1 && s[0] == '0') {
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && s[j] != '|')
			j++;
		unsigned b;
		for (b = 0; b < fn->n; b++)
			if (strlen(fn->names[b]) == j - i && memcmp(s + i, fn->names[b], j - i) == 0)
				break;
		if (b == fn->n)
			return -1;
		v |= 1u << b;
		i = j + 1;
	}
	*out = v;
	return 0;
}

int mmf_op_format(const struct mmf_op *op, unsigned profile, char *buf, size_t cap)
{
	const struct mmf_opdesc *d = &mmf_optable[op->code % MMF_NR_OPCODES];
	int len = snprintf(buf, cap, "%s", d->name);
	for (unsigned i = 0; i < d->nfields; i++) {
		uint32_t v = mmf_field_get(op, d->f[i].loc);
		char val[512];
		switch (d->f[i].kind) {
		case FK_GFP: mmf_gfp_format(v, val, sizeof(val)); break;
		case FK_GFPSEL: mmf_gfp_format(mmf_gfp_sel(v), val, sizeof(val)); break;
		case FK_REPORT:
			if (v < MMF_NR_REPORTS)
				snprintf(val, sizeof(val), "%s", mmf_report_name(v));
			else
				snprintf(val, sizeof(val), "%u", v);
			break;
		case FK_ALIGN: snprintf(val, sizeof(val), "%u", v ? 1u << v : 0u); break;
		case FK_OOMADJ: snprintf(val, sizeof(val), "%d", (int)v - MMF_OOMADJ_BIAS); break;
		case FK_MALIGN: snprintf(val, sizeof(val), "%llu", (unsigned long long)mmf_malign_bytes(v)); break;
		case FK_MEMALIGN: snprintf(val, sizeof(val), "%s", memalign_names[v % 3]); break;
		case FK_ADVICE:
			if (advice_names[v % 32])
				snprintf(val, sizeof(val), "%s", advice_names[v % 32]);
			else
				snprintf(val, sizeof(val), "%u", v);
			break;
		case FK_PREPORT:
			if (v < MMF_NR_PROC_REPORTS)
				snprintf(val, sizeof(val), "%s", v == MMF_PROC_MAPS ? "maps" : v == MMF_PROC_SMAPS ? "smaps" : "pagemap");
			else
				snprintf(val, sizeof(val), "%u", v);
			break;
		default:
			if (mmf_kind_flags(d->f[i].kind))
				format_flags(mmf_kind_flags(d->f[i].kind), v, val, sizeof(val));
			else
				snprintf(val, sizeof(val), "%u", v);
			break;
		}
		size_t off = (size_t)len < cap ? (size_t)len : cap;
		len += snprintf(buf + off, cap - off, " %s=%s", d->f[i].name, val);
	}
	(void)profile;
	return len;
}

char *mmf_seq_to_text(const struct mmf_seq *seq)
{
	size_t cap = 128 + (size_t)seq->nops * MMF_OP_TEXT_MAX, len = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	const struct mmf_profile *p = mmf_profile_get(seq->profile);
	len += (size_t)snprintf(s + len, cap - len, "mmfuzz %u profile=%s swarm=0x%04x seed=0x%08x\n",
				seq->version, p->name, seq->swarm, seq->seed);
	for (uint32_t i = 0; i < seq->nops; i++) {
		int n = mmf_op_format(&seq->ops[i], seq->profile, s + len, cap - len - 1);
		len += (size_t)n;
		s[len++] = '\n';
		s[len] = 0;
	}
	return s;
}

/* ---- parsing ---- */

struct cursor {
	const char *text;
	size_t len, pos;
	int line;
	size_t line_start;
	struct mmf_diag *diag;
};

static int errat(struct cursor *c, size_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	c->diag->line = c->line;
	c->diag->col = (int)(at - c->line_start) + 1;
	vsnprintf(c->diag->msg, sizeof(c->diag->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

/* Next token on this line: [start, end). Returns 0 at end of line. */
static int token(struct cursor *c, size_t *start, size_t *end)
{
	while (c->pos < c->len && is_space(c->text[c->pos]))
		c->pos++;
	if (c->pos >= c->len || c->text[c->pos] == '\n' || c->text[c->pos] == '#')
		return 0;
	*start = c->pos;
	while (c->pos < c->len && !is_space(c->text[c->pos]) && c->text[c->pos] != '\n' &&
	       c->text[c->pos] != '#')
		c->pos++;
	*end = c->pos;
	return 1;
}

static void next_line(struct cursor *c)
{
	while (c->pos < c->len && c->text[c->pos] != '\n')
		c->pos++;
	if (c->pos < c->len) {
		c->pos++;
		c->line++;
		c->line_start = c->pos;
	}
}

static int parse_uint(const char *s, size_t n, uint32_t *out)
{
	char tmp[24], *end;
	if (n == 0 || n >= sizeof(tmp) || s[0] < '0' || s[0] > '9')
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	/* Decimal, or hex with 0x: a leading zero is not octal. */
	int hex = n > 2 && tmp[0] == '0' && (tmp[1] == 'x' || tmp[1] == 'X');
	if (hex && !((tmp[2] >= '0' && tmp[2] <= '9') || (tmp[2] >= 'a' && tmp[2] <= 'f') || (tmp[2] >= 'A' && tmp[2] <= 'F')))
		return -1;
	unsigned long long v = strtoull(hex ? tmp + 2 : tmp, &end, hex ? 16 : 10);
	if (*end || v > 0xffffffffull)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int tokeq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int parse_header(struct cursor *c, struct mmf_seq *out)
{
	size_t s, e;
	token(c, &s, &e); /* "mmfuzz", checked by the caller */
	if (!token(c, &s, &e))
		return errat(c, c->pos, "header: expected a format version after 'mmfuzz'");
	uint32_t v;
	if (parse_uint(c->text + s, e - s, &v))
		return errat(c, s, "header: bad format version '%.*s'", (int)(e - s), c->text + s);
	if (v != MMF_FORMAT_VERSION)
		return errat(c, s, "header: format version %u is not one this mmfuzz reads (it reads %d)",
			     v, MMF_FORMAT_VERSION);
	out->version = (uint8_t)v;
	int seen_profile = 0, seen_swarm = 0, seen_seed = 0;
	while (token(c, &s, &e)) {
		const char *t = c->text + s;
		const char *eq = memchr(t, '=', e - s);
		if (!eq)
			return errat(c, s, "header: expected key=value, got '%.*s'", (int)(e - s), t);
		size_t kl = (size_t)(eq - t), vs = s + kl + 1;
		const char *val = c->text + vs;
		size_t vl = e - vs;
		int *seen = tokeq(t, kl, "profile") ? &seen_profile : tokeq(t, kl, "swarm") ? &seen_swarm
			  : tokeq(t, kl, "seed") ? &seen_seed : NULL;
		if (seen && *seen)
			return errat(c, s, "header: '%.*s' given twice", (int)kl, t);
		if (tokeq(t, kl, "profile")) {
			char name[32];
			unsigned idx;
			if (vl >= sizeof(name))
				return errat(c, vs, "header: unknown profile '%.*s'", (int)vl, val);
			memcpy(name, val, vl);
			name[vl] = 0;
			if (!mmf_profile_find(name, &idx))
				return errat(c, vs, "header: unknown profile '%s' (see: mmfuzz adapters)", name);
			out->profile = (uint8_t)idx;
			seen_profile = 1;
		} else if (tokeq(t, kl, "swarm")) {
			if (parse_uint(val, vl, &v) || v > 0xffff || (v & ~((1u << MMF_NR_FAMILIES) - 1)))
				return errat(c, vs, "header: bad swarm mask '%.*s' (families 0x%x)", (int)vl, val,
					     (1u << MMF_NR_FAMILIES) - 1);
			out->swarm = (uint16_t)v;
			seen_swarm = 1;
		} else if (tokeq(t, kl, "seed")) {
			if (parse_uint(val, vl, &v))
				return errat(c, vs, "header: bad seed '%.*s'", (int)vl, val);
			out->seed = v;
			seen_seed = 1;
		} else {
			return errat(c, s, "header: unknown key '%.*s' (keys: profile swarm seed)", (int)kl, t);
		}
	}
	if (!seen_profile)
		return errat(c, c->pos, "header: missing profile=");
	return 0;
}

/* The value of field fi of op d (text at vs, vl bytes long) into *v: 0,
 * or -1 with the error at its column. */
static int parse_value(struct cursor *c, const struct mmf_opdesc *d, unsigned fi, size_t vs, size_t vl,
		       unsigned profile, uint32_t *v)
{
	const char *val = c->text + vs;
	if (d->f[fi].kind == FK_GFP) {
		mmf_gfp_t g;
		int bad = mmf_gfp_parse(val, (int)vl, &g);
		if (bad)
			return errat(c, vs + (size_t)bad - 1, "bad gfp mask '%.*s'", (int)vl, val);
		*v = g;
	} else if (d->f[fi].kind == FK_GFPSEL) {
		mmf_gfp_t g;
		int bad = mmf_gfp_parse(val, (int)vl, &g);
		if (bad)
			return errat(c, vs + (size_t)bad - 1, "bad gfp mask '%.*s'", (int)vl, val);
		for (*v = 0; *v < MMF_GFP_SEL_RANGE && mmf_gfp_sel(*v) != g; (*v)++)
			;
		if (*v == MMF_GFP_SEL_RANGE)
			return errat(c, vs, "gfp mask '%.*s' is not one %s can carry (GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT, "
				     "GFP_USER, GFP_NOIO, GFP_NOFS, GFP_KERNEL with one of __GFP_ZERO __GFP_DMA __GFP_DMA32 "
				     "__GFP_NORETRY __GFP_THISNODE __GFP_HIGH __GFP_RETRY_MAYFAIL __GFP_MEMALLOC, "
				     "GFP_ATOMIC|__GFP_ZERO, GFP_NOWAIT|__GFP_ZERO)", (int)vl, val, d->name);
	} else if (mmf_kind_flags(d->f[fi].kind)) {
		const struct mmf_flag_names *fn = mmf_kind_flags(d->f[fi].kind);
		if (parse_flags(fn, val, vl, v)) {
			char all[200];
			format_flags(fn, (1u << fn->n) - 1, all, sizeof(all));
			return errat(c, vs, "bad %s '%.*s' (0 or names joined by '|': %s)", fn->what, (int)vl, val, all);
		}
	} else if (d->f[fi].kind == FK_ADVICE && vl && !(val[0] >= '0' && val[0] <= '9')) {
		for (*v = 0; *v < 32; (*v)++)
			if (advice_names[*v] && strlen(advice_names[*v]) == vl && !memcmp(val, advice_names[*v], vl))
				break;
		if (*v == 32)
			return errat(c, vs, "unknown advice '%.*s' (MADV_... or a number below 32)", (int)vl, val);
	} else if (d->f[fi].kind == FK_PREPORT && vl == 4 && memcmp(val, "maps", 4) == 0) {
		*v = MMF_PROC_MAPS;
	} else if (d->f[fi].kind == FK_PREPORT && vl == 5 && memcmp(val, "smaps", 5) == 0) {
		*v = MMF_PROC_SMAPS;
	} else if (d->f[fi].kind == FK_PREPORT && vl == 7 && memcmp(val, "pagemap", 7) == 0) {
		*v = MMF_PROC_PAGEMAP;
	} else if (d->f[fi].kind == FK_MEMALIGN && vl && !(val[0] >= '0' && val[0] <= '9')) {
		for (*v = 0; *v < 3 && !tokeq(val, vl, memalign_names[*v]); (*v)++)
			;
		if (*v == 3)
			return errat(c, vs, "unknown kind '%.*s' (posix_memalign, aligned_alloc or memalign)", (int)vl,
				     val);
	} else if (d->f[fi].kind == FK_MALIGN) {
		uint32_t bytes;
		if (parse_uint(val, vl, &bytes))
			return errat(c, vs, "bad align '%.*s'", (int)vl, val);
		for (*v = 0; *v < 256 && mmf_malign_bytes(*v) != bytes; (*v)++)
			;
		if (*v == 256)
			return errat(c, vs,
				     "align %u cannot be written (0, a power of two up to 2^29, or 24, 40, 56, ... "
				     "up to 3608)", bytes);
	} else if (d->f[fi].kind == FK_OOMADJ) {
		int neg = vl && val[0] == '-';
		if (parse_uint(val + neg, vl - (size_t)neg, v) || *v > (neg ? MMF_OOMADJ_BIAS : MMF_OOMADJ_BIAS - 1u))
			return errat(c, vs, "bad adj '%.*s' (-1024 to 1023)", (int)vl, val);
		*v = neg ? MMF_OOMADJ_BIAS - *v : MMF_OOMADJ_BIAS + *v;
	} else if (d->f[fi].kind == FK_ALIGN) {
		if (parse_uint(val, vl, v) || (*v & (*v - 1)) || *v > 4096 || *v == 1)
			return errat(c, vs, "bad align '%.*s' (0, or a power of two from 2 to 4096)", (int)vl, val);
		*v = *v ? (uint32_t)__builtin_ctz(*v) : 0;
	} else if (d->f[fi].kind == FK_REPORT && (vl == 0 || !(val[0] >= '0' && val[0] <= '9'))) {
		for (*v = 0; *v < MMF_NR_REPORTS; (*v)++)
			if (tokeq(val, vl, mmf_report_name(*v)))
				break;
		if (*v == MMF_NR_REPORTS)
			return errat(c, vs, "unknown report kind '%.*s' (buddyinfo, zoneinfo, vmstat, slabinfo, meminfo, vmallocinfo)",
				     (int)vl, val);
	} else {
		if (parse_uint(val, vl, v))
			return errat(c, vs, "bad number '%.*s' for %s", (int)vl, val, d->f[fi].name);
		uint32_t range = mmf_field_range(d->f[fi].kind, profile);
		if (range && *v >= range)
			return errat(c, vs, "%s=%u out of range (0..%u)", d->f[fi].name, *v, range - 1);
	}
	return 0;
}

static int parse_op(struct cursor *c, size_t s, size_t e, struct mmf_seq *out)
{
	const char *name = c->text + s;
	unsigned code;
	for (code = 1; code < MMF_NR_OPCODES; code++)
		if (tokeq(name, e - s, mmf_optable[code].name))
			break;
	if (code == MMF_NR_OPCODES)
		return errat(c, s, "unknown op '%.*s'", (int)(e - s), name);
	const struct mmf_opdesc *d = &mmf_optable[code];
	if (!mmf_family_enabled(out->swarm, d->family))
		return errat(c, s, "op '%s' is in family %s, which the header's swarm mask disables",
			     d->name, mmf_family_name(d->family));
	if (out->nops >= MMF_MAX_OPS)
		return errat(c, s, "too many ops (at most %d)", MMF_MAX_OPS);
	struct mmf_op op = { .code = (uint8_t)code };
	unsigned seen = 0;
	while (token(c, &s, &e)) {
		const char *t = c->text + s;
		const char *eq = memchr(t, '=', e - s);
		if (!eq)
			return errat(c, s, "expected field=value, got '%.*s'", (int)(e - s), t);
		size_t kl = (size_t)(eq - t), vs = s + kl + 1, vl = e - vs;
		unsigned fi;
		for (fi = 0; fi < d->nfields; fi++)
			if (tokeq(t, kl, d->f[fi].name))
				break;
		if (fi == d->nfields)
			return errat(c, s, "%s has no field '%.*s'", d->name, (int)kl, t);
		if (seen & (1u << fi))
			return errat(c, s, "field '%s' given twice", d->f[fi].name);
		seen |= 1u << fi;
		uint32_t v = 0;
		if (parse_value(c, d, fi, vs, vl, out->profile, &v))
			return -1;
		mmf_field_set(&op, d->f[fi].loc, v);
	}
	out->ops[out->nops++] = op;
	return 0;
}

int mmf_seq_parse_text(const char *text, size_t len, struct mmf_seq *out,
		       struct mmf_diag *diag)
{
	struct cursor c = { text, len, 0, 1, 0, diag };
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		c.pos = c.line_start = 3; /* a UTF-8 byte-order mark */
	int have_header = 0;
	memset(diag, 0, sizeof(*diag));
	memset(out, 0, offsetof(struct mmf_seq, ops));
	out->version = MMF_FORMAT_VERSION;
	const char *nul = memchr(text, 0, len);
	if (nul) {
		for (const char *q = text; q < nul; q++)
			if (*q == '\n') {
				c.line++;
				c.line_start = (size_t)(q - text) + 1;
			}
		return errat(&c, (size_t)(nul - text), "NUL byte in text form");
	}
	while (c.pos < c.len) {
		size_t s, e, save = c.pos;
		if (!token(&c, &s, &e)) {
			next_line(&c);
			continue;
		}
		if (!have_header) {
			if (!tokeq(text + s, e - s, "mmfuzz"))
				return errat(&c, s, "expected the header line 'mmfuzz %d profile=...'",
					     MMF_FORMAT_VERSION);
			c.pos = save;
			if (parse_header(&c, out))
				return -1;
			have_header = 1;
		} else if (parse_op(&c, s, e, out)) {
			return -1;
		}
		next_line(&c);
	}
	if (!have_header)
		return errat(&c, c.pos, "no header line 'mmfuzz %d profile=...'", MMF_FORMAT_VERSION);
	return 0;
}
