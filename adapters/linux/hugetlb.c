/* The host agent's hugetlb pool: the hugetlb_pool op writes the machine's
 * /proc/sys/vm/nr_hugepages and nr_overcommit_hugepages (2 MiB pages),
 * and mmap_huge maps from that pool (task.c).
 *
 * Only where it works. The probe (lx_huge_probe(), at the agent's start)
 * needs root, a pool nobody else uses (both controls 0, no pages), and a
 * test page really allocated and given back; MMFUZZ_HOST_HUGETLB=0 turns
 * it off altogether. Under QEMU there is none: the writes would reach the
 * host's pool.
 *
 * The pool is the whole machine's, like swap: a sequence that touches it
 * holds the machine's lock (swap.c's lx_swap_lock()) to its end, and the
 * first of its ops empties the pool (lx_huge_reset()), as the model's
 * machine starts empty; the fork server empties it again when it ends
 * (under the lock). An agent killed outright leaves its pages: the next
 * agent that takes the lock, or probes, takes them back, since the owner
 * file says the pool is an agent's, not the machine's own.
 *
 * What is compared (linux.c): the ops' errnos, and the pool's counters
 * (HugePages_Total, Free, Rsvd, Surp) and the overcommit limit after each
 * of these ops, read from /proc/meminfo. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "adapters/linux/task.h"

#ifndef LX_QEMU

#define NR_PATH "/proc/sys/vm/nr_hugepages"
#define OVER_PATH "/proc/sys/vm/nr_overcommit_hugepages"
#define OWNER_PATH "/run/mmfuzz-hugetlb.owner"

static pid_t owner; /* the fork server, which empties the pool when it ends */

static int write_count(const char *path, unsigned long n)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	char b[32];
	int len = snprintf(b, sizeof(b), "%lu", n), e = write(fd, b, (size_t)len) == len ? 0 : errno;
	close(fd);
	return e;
}

static long read_count(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* HugePages_Total, Free, Rsvd, Surp from /proc/meminfo; -1 when unread. */
static int pool_counters(unsigned long long v[4])
{
	static const char *const names[4] = { "HugePages_Total:", "HugePages_Free:", "HugePages_Rsvd:", "HugePages_Surp:" };
	FILE *f = fopen("/proc/meminfo", "re");
	if (!f)
		return -1;
	char l[256];
	unsigned seen = 0;
	while (fgets(l, sizeof(l), f))
		for (unsigned i = 0; i < 4; i++)
			if (!strncmp(l, names[i], strlen(names[i]))) {
				v[i] = strtoull(l + strlen(names[i]), NULL, 10);
				seen |= 1u << i;
			}
	fclose(f);
	return seen == 15 ? 0 : -1;
}

static void mark_owner(void)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%d\n", (int)getpid());
	int fd = open(OWNER_PATH ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, b, (size_t)n) == n)
		rename(OWNER_PATH ".tmp", OWNER_PATH);
	close(fd);
}

/* Pages the previous sequence's tasks still hold go with their exit:
 * wait (up to 2 s) for the pool to be empty. 0 when it is. A free
 * surplus page stays in the pool whatever nr_hugepages says (nothing
 * frees a surplus page but its own free): made persistent first (nr_hugepages
 * raised to the surplus), it goes with nr_hugepages 0. */
static int empty_pool(void)
{
	write_count(OVER_PATH, 0);
	for (unsigned i = 0; i < 2000; i++) {
		unsigned long long v[4];
		if (pool_counters(v))
			return -1;
		if (v[3] && v[1])
			write_count(NR_PATH, (unsigned long)v[3]);
		write_count(NR_PATH, 0);
		if (pool_counters(v))
			return -1;
		if (!v[0])
			return 0;
		usleep(1000);
	}
	return -1;
}

/* The fork server's end: the pool emptied, under the machine lock (another
 * agent's sequence may be using it meanwhile; it waits for that to end). */
static void at_exit(void)
{
	if (getpid() != owner)
		return;
	int lock = lx_swap_lock();
	if (!access(OWNER_PATH, F_OK)) /* used since the last empty */
		empty_pool(), unlink(OWNER_PATH);
	if (lock >= 0)
		close(lock);
}

/* Does an owner's unmap of its private huge page give the reservation
 * back (knob hugetlb_restore, Linux 6.7+)? A page faulted and dropped
 * with MADV_DONTNEED, with a spare page in the pool: Rsvd 1 if so. */
static int probe_restore(void)
{
	unsigned long long v[4] = { 0 };
	if (write_count(NR_PATH, 2))
		return 0;
	char *p = mmap(NULL, 2u << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	p[0] = 1;
	madvise(p, 2u << 20, MADV_DONTNEED);
	int restore = !pool_counters(v) && v[2] == 1;
	munmap(p, 2u << 20);
	return restore;
}

int lx_huge_probe(char *why, size_t cap, char *knobs, size_t kcap)
{
	knobs[0] = 0;
	const char *off = getenv("MMFUZZ_HOST_HUGETLB");
	if (off && !strcmp(off, "0")) {
		snprintf(why, cap, "MMFUZZ_HOST_HUGETLB=0");
		return 0;
	}
	if (geteuid() != 0) {
		snprintf(why, cap, "not root (the pool is the machine's)");
		return 0;
	}
	if (access(NR_PATH, W_OK)) {
		snprintf(why, cap, "%s: %s", NR_PATH, strerror(errno));
		return 0;
	}
	int lock = lx_swap_lock();
	unsigned long long v[4];
	long nr = read_count(NR_PATH), over = read_count(OVER_PATH);
	/* an agent's pool (the owner file names it): with the lock held no
	 * agent is in a sequence, so it is free to empty, whoever set it */
	int stale = !access(OWNER_PATH, F_OK);
	int e = 0;
	if ((nr || over) && !stale)
		snprintf(why, cap, "the machine's own hugetlb pool is set (nr_hugepages %ld, nr_overcommit_hugepages %ld)", nr,
			 over), e = 1;
	else if (empty_pool())
		snprintf(why, cap, "the hugetlb pool does not empty"), e = 1;
	else if (write_count(NR_PATH, 1) || pool_counters(v) || v[0] != 1)
		snprintf(why, cap, "no 2 MiB page for the hugetlb pool"), e = 1;
	else
		snprintf(knobs, kcap, "hugetlb_restore=%d", probe_restore());
	empty_pool();
	if (stale)
		unlink(OWNER_PATH);
	if (lock >= 0)
		close(lock);
	if (e)
		return 0;
	owner = getpid();
	atexit(at_exit);
	return 1;
}

int lx_huge_reset(void)
{
	mark_owner();
	return empty_pool();
}

size_t lx_huge_counters(char *out, size_t cap)
{
	unsigned long long v[4];
	if (pool_counters(v))
		return 0;
	int n = snprintf(out, cap, "HugePages_Total: %llu\nHugePages_Free: %llu\nHugePages_Rsvd: %llu\nHugePages_Surp: %llu\n",
			 v[0], v[1], v[2], v[3]);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap;
}

int lx_huge_pool(unsigned ctl, unsigned long count, char *out, size_t cap, size_t *len)
{
	*len = 0;
	if (ctl > 2)
		return EINVAL;
	int e = ctl == 0 ? write_count(NR_PATH, count) : ctl == 1 ? write_count(OVER_PATH, count) : 0;
	if (e)
		return e;
	*len = lx_huge_counters(out, cap);
	long over = read_count(OVER_PATH);
	if (*len < cap)
		*len += (size_t)snprintf(out + *len, cap - *len, "nr_overcommit_hugepages: %ld\n", over);
	if (*len > cap)
		*len = cap;
	return 0;
}

#else /* under QEMU: the host's pool is not the guest's to change */

int lx_huge_probe(char *why, size_t cap, char *knobs, size_t kcap)
{
	(void)kcap;
	knobs[0] = 0;
	snprintf(why, cap, "under QEMU");
	return 0;
}
int lx_huge_reset(void) { return -1; }
size_t lx_huge_counters(char *out, size_t cap) { (void)out, (void)cap; return 0; }
int lx_huge_pool(unsigned ctl, unsigned long count, char *out, size_t cap, size_t *len)
{
	(void)ctl, (void)count, (void)out, (void)cap;
	*len = 0;
	return ENOSYS;
}

#endif
