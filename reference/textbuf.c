/* The reports' output buffer (textbuf.h). Reports are formatted on every
 * compared proc_report and at every sequence's end, so the appends do the
 * conversions the reports use themselves; a format with anything else
 * (a precision, other flags, lengths or conversions) goes to vsnprintf
 * whole. The result is vsnprintf's, byte for byte: tests/check_textbuf.c
 * holds the two side by side. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "reference/textbuf.h"

static void put_char(struct mmf_out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void put_bytes(struct mmf_out *o, const char *s, size_t n)
{
	if (o->len + n < o->cap) {
		char *d = o->buf + o->len;
		o->len += n;
		if (n <= 16) { /* most pieces are a few bytes: no call */
			while (n--)
				*d++ = *s++;
		} else {
			memcpy(d, s, n);
		}
	} else {
		for (size_t i = 0; i < n; i++)
			put_char(o, s[i]);
	}
}

static void put_fill(struct mmf_out *o, char c, size_t n)
{
	if (o->len + n < o->cap) {
		char *d = o->buf + o->len;
		o->len += n;
		if (n <= 16) {
			while (n--)
				*d++ = c;
		} else {
			memset(d, c, n);
		}
	} else {
		for (; n; n--)
			put_char(o, c);
	}
}

static void put_padded(struct mmf_out *o, const char *s, size_t n, unsigned width, int left, char pad)
{
	size_t fill = width > n ? width - n : 0;
	if (!left) {
		/* zero padding goes after the sign */
		if (pad == '0' && n && *s == '-') {
			put_char(o, '-');
			s++;
			n--;
		}
		put_fill(o, pad, fill);
	}
	put_bytes(o, s, n);
	if (left)
		put_fill(o, ' ', fill);
}

/* The digits of v, written backwards ending at e; returns where they start. */
static char *digits_back(char *e, unsigned long long v, int hex, int upper)
{
	if (hex) {
		const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
		do
			*--e = digits[v & 15];
		while (v >>= 4);
	} else {
		do
			*--e = (char)('0' + v % 10);
		while (v /= 10);
	}
	return e;
}

/* Appends fmt's output; -1 at the first conversion it does not know
 * (flags other than '-' and '0', a precision, lengths other than l, ll
 * and z, conversions other than d i u x X c s %), having appended what
 * came before it. */
static int emit(struct mmf_out *o, const char *p, va_list ap)
{
	char num[24];
	for (;;) {
		const char *lit = p;
		while (*p && *p != '%')
			p++;
		put_bytes(o, lit, (size_t)(p - lit));
		if (!*p)
			return 0;
		p++;
		int left = 0;
		char pad = ' ';
		for (; *p == '-' || *p == '0'; p++)
			if (*p == '-')
				left = 1;
			else
				pad = '0';
		unsigned width = 0;
		if (*p == '*') {
			int w = va_arg(ap, int);
			if (w < 0) {
				left = 1;
				w = -w;
			}
			width = (unsigned)w;
			p++;
		} else {
			for (; *p >= '0' && *p <= '9'; p++)
				width = width * 10 + (unsigned)(*p - '0');
		}
		if (left)
			pad = ' ';
		unsigned lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t */
		if (*p == 'l') {
			lng = p[1] == 'l' ? 2 : 1;
			p += lng;
		} else if (*p == 'z') {
			lng = 3;
			p++;
		}
		char conv = *p++;
		switch (conv) {
		case 'd': case 'i': case 'u': case 'x': case 'X': case 'c': case 's': case '%':
			break;
		default:
			return -1;
		}
		if (conv == '%') {
			put_char(o, '%');
			continue;
		}
		if (conv == 's') {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			put_padded(o, s, strlen(s), width, left, ' ');
			continue;
		}
		if (conv == 'c') {
			char c = (char)va_arg(ap, int);
			put_padded(o, &c, 1, width, left, ' ');
			continue;
		}
		unsigned long long u;
		int neg = 0;
		if (conv == 'd' || conv == 'i') {
			long long v = lng == 2 ? va_arg(ap, long long)
				      : lng == 1 ? va_arg(ap, long)
				      : lng == 3 ? (long long)va_arg(ap, size_t)
						 : va_arg(ap, int);
			neg = v < 0;
			u = neg ? 0ull - (unsigned long long)v : (unsigned long long)v;
		} else {
			u = lng == 2 ? va_arg(ap, unsigned long long)
			    : lng == 1 ? va_arg(ap, unsigned long)
			    : lng == 3 ? va_arg(ap, size_t)
				       : va_arg(ap, unsigned);
		}
		char *e = num + sizeof(num), *d = digits_back(e, u, conv == 'x' || conv == 'X', conv == 'X');
		if (neg)
			*--d = '-';
		put_padded(o, d, (size_t)(e - d), width, left, pad);
	}
}

void mmf_out_put(struct mmf_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t at = o->len;
	int done = emit(o, fmt, ap) == 0;
	va_end(ap);
	if (done) {
		if (o->cap)
			o->buf[o->len < o->cap ? o->len : o->cap - 1] = 0;
		return;
	}
	/* from the start again: vsnprintf rewrites the same prefix */
	o->len = at;
	size_t room = o->len < o->cap ? o->cap - o->len : 0;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + (room ? o->len : 0), room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

void mmf_out_kb(struct mmf_out *o, const char *label, unsigned long long kb)
{
	char num[24], *e = num + sizeof(num), *d = e;
	*--d = '\n', *--d = 'B', *--d = 'k', *--d = ' ';
	char *digits = d;
	d = digits_back(d, kb, 0, 0);
	while (digits - d < 8)
		*--d = ' ';
	put_padded(o, label, strlen(label), 16, 1, ' ');
	put_bytes(o, d, (size_t)(e - d));
	if (o->cap)
		o->buf[o->len < o->cap ? o->len : o->cap - 1] = 0;
}

static char *put_hex(char *d, unsigned long long v, int width)
{
	char tmp[16], *e = tmp + sizeof(tmp), *t = digits_back(e, v, 1, 0);
	for (int n = (int)(e - t); n < width; n++)
		*d++ = '0';
	while (t < e)
		*d++ = *t++;
	return d;
}

void mmf_out_maps_head(struct mmf_out *o, unsigned long long start, unsigned long long end, const char perms[4],
		       unsigned long long pgoff, unsigned major, unsigned minor, unsigned long ino)
{
	char line[96], *d = line, num[24], *e = num + sizeof(num), *t;
	d = put_hex(d, start, 8);
	*d++ = '-';
	d = put_hex(d, end, 8);
	*d++ = ' ';
	memcpy(d, perms, 4);
	d += 4;
	*d++ = ' ';
	d = put_hex(d, pgoff, 8);
	*d++ = ' ';
	d = put_hex(d, major, 2);
	*d++ = ':';
	d = put_hex(d, minor, 2);
	*d++ = ' ';
	t = digits_back(e, ino, 0, 0);
	memcpy(d, t, (size_t)(e - t));
	d += e - t;
	*d++ = ' ';
	put_bytes(o, line, (size_t)(d - line));
	if (o->cap)
		o->buf[o->len < o->cap ? o->len : o->cap - 1] = 0;
}

int mmf_out_finish(struct mmf_out *o)
{
	if (o->cap)
		o->buf[o->len < o->cap ? o->len : o->cap - 1] = 0;
	return (int)o->len;
}
