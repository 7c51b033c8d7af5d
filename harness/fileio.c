/* File helpers for the CLI: whole-file reads, and writes that stay inside
 * the folder the user named (see fileio.h for the rules). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness/fileio.h"

/* Reads what fd holds, up to 128 MiB; 0 or an errno. Closes fd. */
static int read_fd(int fd, uint8_t **buf, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return EISDIR;
	}
	size_t cap = 4096, n = 0;
	uint8_t *b = malloc(cap);
	int err = b ? 0 : ENOMEM;
	while (b) {
		if (n == cap) {
			uint8_t *nb = cap > (64u << 20) ? NULL : realloc(b, cap * 2);
			if (!nb) {
				err = EFBIG;
				break;
			}
			b = nb;
			cap *= 2;
		}
		ssize_t got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = errno;
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (err) {
		free(b);
		return err;
	}
	*buf = b;
	*len = n;
	return 0;
}

int mmf_read_file(const char *path, uint8_t **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? errno : read_fd(fd, buf, len);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		if (w == 0)
			return EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int mmf_name_safe(const char *name)
{
	size_t n = strlen(name);
	return n >= 1 && n <= 200 && name[0] != '.' &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-") == n;
}

void mmf_name_clean(const char *name, char *out, size_t cap)
{
	if (!cap)
		return;
	if (mmf_name_safe(name) && strlen(name) < cap) {
		memcpy(out, name, strlen(name) + 1);
		return;
	}
	unsigned h = 2166136261u;
	for (const char *c = name; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	size_t keep = cap > 16 ? cap - 16 : 0;
	if (keep > 150)
		keep = 150;
	size_t i = 0;
	for (; name[i] && i < keep; i++) {
		char c = name[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
			 c == '+' || c == '-' || (c == '.' && i > 0);
		out[i] = ok ? c : '_';
	}
	snprintf(out + i, cap - i, "-%08x", h);
}

/* "name.tmp.PID..." (this build's ".name.tmp.PID.RANDOM", or an older
 * "name.tmp.PID") whose writer is gone: its pid, else 0. */
static long stale_pid(const char *name)
{
	const char *t = strstr(name, ".tmp.");
	if (!t)
		return 0;
	char *end;
	long pid = strtol(t + 5, &end, 10);
	if (pid <= 0 || (*end && *end != '.'))
		return 0;
	if (pid != (long)getpid() && kill((pid_t)pid, 0) && errno == ESRCH)
		return pid;
	return 0;
}

/* Removes the temp files of writers that died (killed between open and
 * rename) from the folder fd. */
/* A listing of the folder fd (which stays open), or NULL. */
static DIR *list_of(int fd)
{
	int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
	if (!d && dup_fd >= 0)
		close(dup_fd);
	return d;
}

static void clean_stale(int fd)
{
	DIR *d = list_of(fd);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_type != DT_DIR && stale_pid(e->d_name))
			unlinkat(fd, e->d_name, 0);
	closedir(d);
}

/* Writes base (any name but "", "." and "..") in the folder dfd through
 * an unpredictable temp file that no planted link can redirect. */
static int write_in(int dfd, const char *base, const void *buf, size_t len)
{
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..") || strchr(base, '/'))
		return EINVAL;
	char tmp[NAME_MAX + 1];
	int fd = -1;
	for (unsigned tries = 0; fd < 0 && tries < 8; tries++) {
		unsigned long long r = 0;
		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
			r ^= (unsigned long long)(uintptr_t)&r * 0x9e3779b97f4a7c15ull ^ (unsigned long long)tries;
		snprintf(tmp, sizeof(tmp), ".%.100s.tmp.%ld.%016llx", base, (long)getpid(), r);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return errno;
	}
	if (fd < 0)
		return EEXIST;
	int e = write_all(fd, buf, len);
	if (!e && fsync(fd))
		e = errno;
	if (close(fd) && !e)
		e = errno;
	if (!e && renameat(dfd, tmp, dfd, base))
		e = errno;
	if (e)
		unlinkat(dfd, tmp, 0);
	return e;
}

int mmf_mkdirs(const char *path)
{
	char tmp[4096];
	size_t n = strlen(path);
	if (n == 0)
		return EINVAL;
	if (n >= sizeof(tmp))
		return ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] == '/' || tmp[i] == 0) {
			char c = tmp[i];
			tmp[i] = 0;
			if (mkdir(tmp, 0755) && errno != EEXIST)
				return errno;
			tmp[i] = c;
		}
	}
	struct stat st;
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return ENOTDIR;
	return 0;
}

int mmf_dir_open(const char *path, int create, struct mmf_dir *d)
{
	d->fd = -1;
	if (!path || !*path)
		return EINVAL;
	if (strlen(path) >= 4096)
		return ENAMETOOLONG;
	int e = create ? mmf_mkdirs(path) : 0;
	if (e)
		return e;
	d->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0)
		return errno;
	snprintf(d->path, sizeof(d->path), "%s", path);
	clean_stale(d->fd);
	return 0;
}

int mmf_dir_open_rel(const struct mmf_dir *root, const char *rel, int create, struct mmf_dir *d)
{
	d->fd = -1;
	char parts[512];
	if (!*rel || strlen(rel) >= sizeof(parts))
		return EINVAL;
	snprintf(parts, sizeof(parts), "%s", rel);
	int cur = openat(root->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return errno;
	for (char *save = NULL, *p = strtok_r(parts, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (!mmf_name_safe(p)) {
			close(cur);
			return EINVAL;
		}
		if (create && mkdirat(cur, p, 0755) && errno != EEXIST) {
			int e = errno;
			close(cur);
			return e;
		}
		int next = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(cur);
		if (next < 0)
			return e;
		cur = next;
		clean_stale(cur);
	}
	if ((size_t)snprintf(d->path, sizeof(d->path), "%s/%s", root->path, rel) >= sizeof(d->path)) {
		close(cur);
		return ENAMETOOLONG;
	}
	d->fd = cur;
	return 0;
}

static void sweep_fd(int fd, int depth)
{
	clean_stale(fd);
	DIR *d = depth > 0 ? list_of(fd) : NULL;
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
			continue;
		int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			sweep_fd(sub, depth - 1);
			close(sub);
		}
	}
	closedir(d);
}

void mmf_dir_sweep(const struct mmf_dir *d, int depth) { sweep_fd(d->fd, depth); }

void mmf_dir_close(struct mmf_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

int mmf_dir_write(const struct mmf_dir *d, const char *name, const void *buf, size_t len)
{
	return mmf_name_safe(name) ? write_in(d->fd, name, buf, len) : EINVAL;
}

int mmf_dir_read(const struct mmf_dir *d, const char *name, uint8_t **buf, size_t *len)
{
	int fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? errno : read_fd(fd, buf, len);
}

int mmf_dir_has(const struct mmf_dir *d, const char *name)
{
	struct stat st;
	return fstatat(d->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int mmf_dir_lock(const struct mmf_dir *d)
{
	while (flock(d->fd, LOCK_EX))
		if (errno != EINTR)
			return errno;
	return 0;
}

void mmf_dir_unlock(const struct mmf_dir *d) { flock(d->fd, LOCK_UN); }

/* Opens a stream to write. A FIFO nobody reads would block the open for
 * ever: its reader gets FIFO_WAIT_MS to come, then the answer is ENXIO. */
#define FIFO_WAIT_MS 10000
static int open_stream(const char *path, int fifo)
{
	if (!fifo)
		return open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	for (int waited = 0;; waited += 20) {
		int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			return fd;
		}
		if (errno != ENXIO || waited >= FIFO_WAIT_MS)
			return -1;
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

int mmf_write_output(const char *path, const void *buf, size_t len)
{
	if (!path || !*path)
		return EINVAL;
	if (!strcmp(path, "-"))
		return write_all(STDOUT_FILENO, buf, len);
	struct stat st, lst;
	char real[PATH_MAX];
	const char *target = path;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return EISDIR;
		if (!S_ISREG(st.st_mode)) { /* a FIFO, a device, a terminal: a stream */
			int fd = open_stream(path, S_ISFIFO(st.st_mode));
			if (fd < 0)
				return errno;
			int e = write_all(fd, buf, len);
			if (close(fd) && !e)
				e = errno;
			return e;
		}
		if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
			if (!realpath(path, real))
				return errno;
			target = real; /* the file the link names is replaced; the link stays */
		}
	} else if (errno != ENOENT) {
		return errno;
	} else if (lstat(path, &lst) == 0) {
		return ENOENT; /* a link to nothing: not followed to create a file */
	}
	const char *slash = strrchr(target, '/');
	char dir[PATH_MAX];
	if (slash) {
		size_t n = (size_t)(slash - target);
		if (n >= sizeof(dir))
			return ENAMETOOLONG;
		memcpy(dir, target, n);
		dir[n] = 0;
		if (!n)
			snprintf(dir, sizeof(dir), "/");
	} else
		snprintf(dir, sizeof(dir), ".");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno;
	int e = write_in(dfd, slash ? slash + 1 : target, buf, len);
	close(dfd);
	return e;
}
