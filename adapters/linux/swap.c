/* The host agent's swap devices: swap files of the machine's disk that the
 * swapon and swapoff ops turn on and off with the real system calls.
 *
 * Only where it works. The probe (lx_swap_probe(), at the agent's start)
 * needs root, a directory on a file system that takes swap files (not
 * tmpfs, not overlayfs: a container's root usually is one), and a test
 * file that really swaps on and off; MMFUZZ_HOST_SWAP=0 turns it off
 * altogether. Under QEMU there is none: the calls would reach the host.
 *
 * The files. Op device N is DIR/mmfuzz-swap.PID/devN, where DIR is
 * $MMFUZZ_SWAP_DIR or /var/tmp (on disk where /tmp is a tmpfs) and PID the
 * agent's fork server. Each holds as many pages as the profile's machine
 * has frames, the model's default (knob swap_device_pages), allocated with
 * fallocate() when a profile is created; swapon writes the header page for
 * the op's npages first, so a header past the file is the kernel's own
 * EINVAL, and device numbers past the four name no file (ENOENT).
 *
 * Swap is the whole machine's, so the agent cleans up after itself: every
 * sequence starts with its devices off (lx_swap_reset(), in case a worker
 * died with one on), the fork server turns them off and removes the files
 * when it ends, and a probe removes what an agent killed outright left
 * (a directory whose PID is gone). Swapped-out pages of other processes may
 * land in these files meanwhile: their priorities come after every device
 * the machine had before, and swapoff brings the pages back.
 *
 * What is compared (linux.c): the ops' errnos, and the devices on as
 * /proc/swaps shows them in device order (lx_swap_devices()), their default
 * priorities renumbered -2, -3, ... in the order the kernel gave them, as
 * the model numbers its own: the kernel's count runs across every device
 * of the machine, another agent's too. Used and SwapFree are not compared:
 * they are machine-wide, and a slot whose page is still being written when
 * its last pte goes is freed later. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/linux/task.h"
#include "mmfuzz/ops.h"

#ifndef LX_QEMU
#include <sys/swap.h>

static char dir[256];   /* DIR/mmfuzz-swap.PID, once the probe made it */
static pid_t owner;     /* the fork server: only it removes the files */
static uint64_t page;

static void dev_path(char *out, size_t cap, unsigned dev) { snprintf(out, cap, "%s/dev%u", dir, dev); }

static const char *base_dir(void)
{
	const char *d = getenv("MMFUZZ_SWAP_DIR");
	return d && *d ? d : "/var/tmp";
}

/* The header page of a swap area (mkswap's): version 1, the last page,
 * and the signature at the page's end. */
static int write_header(int fd, uint64_t npages)
{
	static char hdr[65536];
	memset(hdr, 0, (size_t)page);
	uint32_t version = 1, last = (uint32_t)(npages - 1);
	memcpy(hdr + 1024, &version, 4);
	memcpy(hdr + 1028, &last, 4);
	memcpy(hdr + page - 10, "SWAPSPACE2", 10);
	return pwrite(fd, hdr, (size_t)page, 0) == (ssize_t)page ? 0 : errno ? errno : EIO;
}

/* Device file dev holds exactly pages pages (allocated, no holes: the
 * kernel refuses a swap file with holes). 0 or an errno. */
static int size_file(unsigned dev, uint64_t pages)
{
	char p[300];
	dev_path(p, sizeof(p), dev);
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	struct stat st;
	int e = 0;
	if (fstat(fd, &st))
		e = errno;
	else if ((uint64_t)st.st_size != pages * page) {
		if (ftruncate(fd, 0) || fallocate(fd, 0, 0, (off_t)(pages * page)))
			e = errno;
	}
	close(fd);
	return e;
}

static pid_t owner_of(const char *path);

/* Each line of /proc/swaps under prefix (NULL: every mmfuzz device of the
 * machine, whatever its directory): fn(path, size in kB, priority). */
static void each_ours(const char *prefix, void (*fn)(const char *, unsigned long, long, void *), void *arg)
{
	static char buf[1 << 16];
	int fd = open("/proc/swaps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size_t len = 0;
	for (ssize_t r; (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0;)
		len += (size_t)r;
	close(fd);
	buf[len] = 0;
	size_t plen = prefix ? strlen(prefix) : 0;
	for (char *l = buf, *nl; *l; l = nl ? nl + 1 : l + strlen(l)) {
		nl = strchr(l, '\n');
		if (nl)
			*nl = 0;
		char path[300], type[32];
		unsigned long size, used;
		long prio;
		if (sscanf(l, "%299s %31s %lu %lu %ld", path, type, &size, &used, &prio) == 5 &&
		    (prefix ? !strncmp(path, prefix, plen) : owner_of(path) > 0 && strrchr(path, '/') && !strncmp(strrchr(path, '/'), "/dev", 4)))
			fn(path, size, prio, arg);
		if (!nl)
			break;
	}
}

static void off_one(const char *path, unsigned long kb, long prio, void *arg)
{
	(void)kb, (void)prio, (void)arg;
	swapoff(path);
}

/* A file's path under some mmfuzz-swap.PID: that PID, else 0. */
static pid_t owner_of(const char *path)
{
	const char *s = strstr(path, "/mmfuzz-swap.");
	return s ? (pid_t)strtol(s + 13, NULL, 10) : 0;
}

static void off_stale(const char *path, unsigned long kb, long prio, void *arg)
{
	(void)kb, (void)prio, (void)arg;
	pid_t pid = owner_of(path);
	if (pid > 0 && kill(pid, 0) && errno == ESRCH && !swapoff(path))
		unlink(path);
}

static void remove_dir(const char *d)
{
	char p[320];
	for (unsigned dev = 0; dev < MMF_NSWAPDEVS + 1; dev++) {
		snprintf(p, sizeof(p), "%s/dev%u", d, dev);
		unlink(p);
	}
	rmdir(d);
}

/* What agents killed outright left: devices on, then their directories. */
static void clean_stale(void)
{
	each_ours(NULL, off_stale, NULL);
	DIR *d = opendir(base_dir());
	for (struct dirent *e; d && (e = readdir(d));) {
		if (strncmp(e->d_name, "mmfuzz-swap.", 12))
			continue;
		pid_t pid = (pid_t)strtol(e->d_name + 12, NULL, 10);
		if (pid > 0 && kill(pid, 0) && errno == ESRCH && strlen(e->d_name) < 64) {
			char p[300];
			snprintf(p, sizeof(p), "%s/%s", base_dir(), e->d_name);
			remove_dir(p);
		}
	}
	if (d)
		closedir(d);
}

static void at_exit(void)
{
	if (!dir[0] || getpid() != owner)
		return;
	char prefix[300];
	snprintf(prefix, sizeof(prefix), "%s/", dir);
	each_ours(prefix, off_one, NULL);
	remove_dir(dir);
}

/* How this kernel swaps two pages out, one of data and one of zeroes,
 * with the test area on: is a write still under way when reclaim looks
 * again (the data page stays in the swap cache: swap_async), and does a
 * zero-filled page go as a bit (gone at once: swap_zeromap)? */
static void probe_pageout(int *async, int *zeromap)
{
	*async = *zeromap = 0;
	volatile char *a = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return;
	a[0] = 1;
	a[page] = 0; /* a page of its own, of zeroes */
	uint64_t pm[2] = { 0, 0 };
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (pread(fd, pm, 16, (off_t)((uintptr_t)a / page * 8)) != 16)
			pm[0] = pm[1] = 0;
		close(fd);
	}
	if (!madvise((void *)a, 2 * page, MADV_PAGEOUT)) {
		lx_wait_writeback(pm, 2);
		unsigned char vec[2] = { 0, 0 };
		if (!mincore((void *)a, 2 * page, vec)) {
			*async = vec[0] & 1;
			*zeromap = *async && !(vec[1] & 1);
		}
	}
	munmap((void *)a, 2 * page);
}

int lx_swap_probe(char *why, size_t cap, char *knobs, size_t kcap)
{
	why[0] = 0;
	knobs[0] = 0;
	page = (uint64_t)sysconf(_SC_PAGESIZE);
	const char *env = getenv("MMFUZZ_HOST_SWAP");
	if (env && !strcmp(env, "0")) {
		snprintf(why, cap, "MMFUZZ_HOST_SWAP=0");
		return 0;
	}
	if (geteuid() != 0) {
		snprintf(why, cap, "not root");
		return 0;
	}
	const char *base = base_dir();
	if (strpbrk(base, " \t\n\\") || strlen(base) > 200) {
		snprintf(why, cap, "MMFUZZ_SWAP_DIR has a blank or a backslash, or is too long");
		return 0;
	}
	int lock = lx_swap_lock(); /* the probe swaps too */
	clean_stale();
	owner = getpid();
	snprintf(dir, sizeof(dir), "%s/mmfuzz-swap.%d", base, (int)owner);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(why, cap, "mkdir %s: %s", dir, strerror(errno));
		dir[0] = 0;
		if (lock >= 0)
			close(lock);
		return 0;
	}
	atexit(at_exit);
	/* a small area on and off again, where the real ones will be */
	char p[300];
	dev_path(p, sizeof(p), MMF_NSWAPDEVS); /* a name no op reaches */
	int e = size_file(MMF_NSWAPDEVS, 16);
	int fd = e ? -1 : open(p, O_RDWR | O_CLOEXEC);
	if (fd < 0 && !e)
		e = errno;
	if (!e)
		e = write_header(fd, 16);
	if (fd >= 0)
		close(fd);
	if (!e && swapon(p, 0))
		e = errno;
	if (!e) {
		int async = 0, zeromap = 0;
		probe_pageout(&async, &zeromap);
		snprintf(knobs, kcap, "swap_async=%d swap_zeromap=%d", async, zeromap);
		if (swapoff(p))
			e = errno;
	}
	if (lock >= 0)
		close(lock);
	if (e) {
		snprintf(why, cap, "swapon of a swap file in %s: %s", base, strerror(e));
		swapoff(p);
		remove_dir(dir);
		dir[0] = 0;
		return 0;
	}
	unlink(p);
	return 1;
}

/* Swap is the machine's: a page any process sends out goes to the device
 * of highest priority, whoever turned it on. So a sequence that sends
 * pages out or turns swap on holds /run/mmfuzz-swap.lock (flock, exclusive;
 * DIR's where /run is not writable) to its end, when its worker ends
 * (harness/remote.c retires it with its sequence); and whoever takes
 * the lock turns off every mmfuzz device still on, since the sequence that
 * turned it on has ended. Agents running side by side (fidelity runs one
 * per profile; ctest runs tests in parallel) then never see each other's
 * devices. */
static void off_any(const char *path, unsigned long kb, long prio, void *arg)
{
	(void)kb, (void)prio, (void)arg;
	swapoff(path);
}

int lx_swap_lock(void)
{
	char p[300];
	/* one for the machine, whichever directory each agent's files are in */
	if (access("/run", W_OK) == 0)
		snprintf(p, sizeof(p), "/run/mmfuzz-swap.lock");
	else
		snprintf(p, sizeof(p), "%s/mmfuzz-swap.lock", base_dir());
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
	each_ours(NULL, off_any, NULL);
	return fd;
}

int lx_swap_prepare(uint64_t pages)
{
	for (unsigned dev = 0; dir[0] && dev < MMF_NSWAPDEVS; dev++) {
		int e = size_file(dev, pages);
		if (e)
			return e;
	}
	return 0;
}

void lx_swap_reset(void)
{
	if (!dir[0])
		return;
	char prefix[300];
	snprintf(prefix, sizeof(prefix), "%s/", dir);
	each_ours(prefix, off_one, NULL);
}

int lx_swap_on(unsigned dev, uint64_t npages, unsigned flags, uint64_t pages)
{
	char p[300];
	if (dev >= MMF_NSWAPDEVS) /* no such file: the kernel says so */
		return swapon("/nonexistent/mmfuzz-swap", 0) ? errno : EIO;
	dev_path(p, sizeof(p), dev);
	/* a file that is on refuses changes (ETXTBSY): swapon then says EBUSY */
	int e = size_file(dev, pages);
	if (e && e != ETXTBSY)
		return -e;
	int fd = e ? -1 : open(p, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		e = write_header(fd, npages);
		close(fd);
		if (e && e != ETXTBSY)
			return -e;
	}
	return swapon(p, (int)flags) ? errno : 0;
}

int lx_swap_off(unsigned dev)
{
	char p[300];
	if (dev >= MMF_NSWAPDEVS)
		return swapoff("/nonexistent/mmfuzz-swap") ? errno : EIO;
	dev_path(p, sizeof(p), dev);
	return swapoff(p) ? errno : 0;
}

struct row {
	long prio[MMF_NSWAPDEVS];
	unsigned long kb[MMF_NSWAPDEVS];
	int on[MMF_NSWAPDEVS];
};

static void collect(const char *path, unsigned long kb, long prio, void *arg)
{
	struct row *r = arg;
	const char *s = strrchr(path, '/');
	unsigned dev;
	if (!s || sscanf(s, "/dev%u", &dev) != 1 || dev >= MMF_NSWAPDEVS)
		return;
	r->on[dev] = 1;
	r->kb[dev] = kb;
	r->prio[dev] = prio;
}

size_t lx_swap_devices(char *out, size_t cap)
{
	struct row r = { 0 };
	char prefix[300];
	snprintf(prefix, sizeof(prefix), "%s/", dir);
	each_ours(prefix, collect, &r);
	size_t n = (size_t)snprintf(out, cap, "Filename\tType\tSize\tPriority\n");
	for (unsigned dev = 0; dev < MMF_NSWAPDEVS && n < cap; dev++) {
		if (!r.on[dev])
			continue;
		long prio = r.prio[dev];
		if (prio < 0) { /* its rank among this agent's default priorities */
			long rank = 0;
			for (unsigned o = 0; o < MMF_NSWAPDEVS; o++)
				rank += r.on[o] && r.prio[o] < 0 && r.prio[o] > prio;
			prio = -2 - rank;
		}
		n += (size_t)snprintf(out + n, cap - n, "/mmfuzz-swap%u\tfile\t%lu\t%ld\n", dev, r.kb[dev], prio);
	}
	return n < cap ? n : cap;
}

#else /* under QEMU: no swap of the host's */

int lx_swap_probe(char *why, size_t cap, char *knobs, size_t kcap)
{
	(void)kcap;
	knobs[0] = 0;
	snprintf(why, cap, "under QEMU");
	return 0;
}
int lx_swap_prepare(uint64_t pages) { (void)pages; return 0; }
int lx_swap_lock(void) { return -1; }
void lx_swap_reset(void) {}
int lx_swap_on(unsigned dev, uint64_t npages, unsigned flags, uint64_t pages)
{
	(void)dev, (void)npages, (void)flags, (void)pages;
	return ENOSYS;
}
int lx_swap_off(unsigned dev) { (void)dev; return ENOSYS; }
size_t lx_swap_devices(char *out, size_t cap) { (void)out, (void)cap; return 0; }

#endif
