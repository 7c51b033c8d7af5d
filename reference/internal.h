/* Small helpers the reference's files share, defined once: a walker's
 * verdict message, and bit arithmetic. */
#ifndef MMF_REFERENCE_INTERNAL_H
#define MMF_REFERENCE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* A frame of the machine: 4 KiB, x86-64's PAGE_SHIFT, in every profile
 * (a profile's larger user pages are naturally aligned blocks of frames:
 * as_shift). Frame numbers shift by it into physical addresses and ptes. */
#define MMF_PAGE_SHIFT 12
#define MMF_PAGE_SIZE (1u << MMF_PAGE_SHIFT)

/* Writes the message of a failed check into msg (cap bytes) and returns
 * -1, so a walker can `return mmf_fail(msg, cap, ...)` (reference/report.c). */
int mmf_fail(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Find last set: the 1-based index of x's highest set bit, 0 for 0
 * (the kernel's fls()). */
static inline unsigned mmf_fls(unsigned x) { return x ? 32u - (unsigned)__builtin_clz(x) : 0; }

#endif
