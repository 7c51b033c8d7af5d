/* Reading inputs and writing results atomically (temp file, fsync,
 * rename), so an interrupted run never leaves a half-written reproducer. */
#ifndef MMF_HARNESS_FILEIO_H
#define MMF_HARNESS_FILEIO_H

#include <stddef.h>
#include <stdint.h>

/* Reads a whole file; returns 0 or an errno. *buf is malloc'd. */
int mmf_read_file(const char *path, uint8_t **buf, size_t *len);
/* Writes path atomically; returns 0 or an errno. */
int mmf_write_atomic(const char *path, const void *buf, size_t len);
/* mkdir -p; returns 0 or an errno. */
int mmf_mkdirs(const char *path);

#endif
