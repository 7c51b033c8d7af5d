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
/* NUL-terminates (truncating if need be); returns the full length. */
int mmf_out_finish(struct mmf_out *o);

#endif
