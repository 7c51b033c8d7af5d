/* Small helpers the reference's files share, defined once: a walker's
 * verdict message, and bit arithmetic. */
#ifndef MMF_REFERENCE_INTERNAL_H
#define MMF_REFERENCE_INTERNAL_H

#include <stddef.h>

/* Writes the message of a failed check into msg (cap bytes) and returns
 * -1, so a walker can `return mmf_fail(msg, cap, ...)` (reference/report.c). */
int mmf_fail(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Find last set: the 1-based index of x's highest set bit, 0 for 0
 * (the kernel's fls()). */
static inline unsigned mmf_fls(unsigned x) { return x ? 32u - (unsigned)__builtin_clz(x) : 0; }

#endif
