/* The reports' output buffer: snprintf-style appends that count what did
 * not fit, so a caller learns the length it would have needed. */
#ifndef MMF_REFERENCE_TEXTBUF_H
#define MMF_REFERENCE_TEXTBUF_H

#include <stddef.h>

struct mmf_out {
	char *buf;
	size_t cap;
	size_t len;
};

void mmf_out_put(struct mmf_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One "Label:   value kB" line of meminfo and smaps: the same as
 * mmf_out_put(o, "%-16s%8llu kB\n", label, kb), without reading a format. */
void mmf_out_kb(struct mmf_out *o, const char *label, unsigned long long kb);
/* /proc/PID/maps' line up to the name: the same as mmf_out_put(o,
 * "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %lu ", start, end, perms[0..3],
 * pgoff, major, minor, ino), without reading a format. */
void mmf_out_maps_head(struct mmf_out *o, unsigned long long start, unsigned long long end, const char perms[4],
		       unsigned long long pgoff, unsigned major, unsigned minor, unsigned long ino);
/* NUL-terminates (truncating if need be); returns the full length. */
int mmf_out_finish(struct mmf_out *o);

#endif
