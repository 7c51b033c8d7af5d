/* Reading inputs and writing results: every file mmfuzz writes lies under
 * the directory the user named. Folders below it are opened one name at a
 * time relative to a directory descriptor, never following a symlink;
 * files are written to an unpredictable temp name (O_EXCL, O_NOFOLLOW),
 * synced and renamed into place, so an interrupted run never leaves a
 * half-written reproducer, and temp files a killed run left are removed
 * by the next one that opens the folder. */
#ifndef MMF_HARNESS_FILEIO_H
#define MMF_HARNESS_FILEIO_H
#if defined(MMF_LAYER_ORACLE) || defined(MMF_LAYER_ADAPTERS)
#error "a header of the harness, which the oracle and the built-in adapters do not include"
#endif

#include <stddef.h>
#include <stdint.h>

/* Reads a whole file; returns 0 or an errno. *buf is malloc'd. */
int mmf_read_file(const char *path, uint8_t **buf, size_t *len);

/* A folder to write in: a descriptor, and its path for messages. */
struct mmf_dir {
	int fd;
	char path[4608];
};

/* Opens (creating it, and its parents, when create is set) the folder the
 * user named; "" is EINVAL. Stale temp files in it are removed. 0 or an
 * errno. */
int mmf_dir_open(const char *path, int create, struct mmf_dir *d);
/* Opens rel ("a/b", each part a safe name: mmf_name_safe) below root,
 * creating the folders when create is set, without following symlinks
 * (ELOOP/ENOTDIR when one is planted there). 0 or an errno. */
int mmf_dir_open_rel(const struct mmf_dir *root, const char *rel, int create, struct mmf_dir *d);
void mmf_dir_close(struct mmf_dir *d);
/* Removes stale temp files from d and its folders, depth levels down (not
 * through symlinks): what writers killed mid-write left. */
void mmf_dir_sweep(const struct mmf_dir *d, int depth);
/* Writes name in d atomically (temp file, fsync, rename). 0 or an errno. */
int mmf_dir_write(const struct mmf_dir *d, const char *name, const void *buf, size_t len);
/* Reads name in d (not through a symlink). 0 or an errno. */
int mmf_dir_read(const struct mmf_dir *d, const char *name, uint8_t **buf, size_t *len);
/* 1 if name exists in d (not following a symlink). */
int mmf_dir_has(const struct mmf_dir *d, const char *name);
/* An exclusive lock on the folder, held until mmf_dir_unlock or close:
 * campaigns sharing one --out take it around a read-modify-write. */
int mmf_dir_lock(const struct mmf_dir *d);
void mmf_dir_unlock(const struct mmf_dir *d);

/* Writes the file the user named with -o or --report: "-" is stdout; a
 * FIFO, device or socket (or a symlink to one) is written through as a
 * stream; a regular file (or a symlink to one: the link stays) is replaced
 * atomically. "" is EINVAL. 0 or an errno. */
int mmf_write_output(const char *path, const void *buf, size_t len);
/* The same, for a caller that already holds a name (kept for the tools). */
#define mmf_write_atomic mmf_write_output

/* mkdir -p of a path the user named; returns 0 or an errno. */
int mmf_mkdirs(const char *path);

/* 1 if name can be a folder or file name as it is: 1-200 bytes of
 * [A-Za-z0-9._+-], not starting with a dot. */
int mmf_name_safe(const char *name);
/* name made safe: other bytes become '_', a leading dot too, and a name
 * that had to change (or was too long) gets a hash of the original, so
 * two names never meet in one folder. */
void mmf_name_clean(const char *name, char *out, size_t cap);

#endif
