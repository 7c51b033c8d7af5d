/* The kernel behaviour probe (mmfuzz/kernel.h): before it says hello, the
 * Linux agent finds out with real accesses, outside the window, how the
 * kernel it runs on (or QEMU) behaves where Linux kernels differ, so the
 * oracle is run as that kernel instead of assuming the developer's.
 *
 * Each knob is declared only when the probe could tell; the others keep
 * the profile's values. pagemap, which QEMU user mode does not emulate,
 * is read only by the host agent. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapters/linux/task.h"

#define PM_PRESENT (1ull << 63)
#define PM_EXCLUSIVE (1ull << 56)
#define PM_SOFT_DIRTY (1ull << 55)

#ifndef LX_QEMU
/* pagemap entries of n pages from p; 0 or -1. */
static int pagemap(const void *p, uint64_t page, unsigned n, uint64_t *e)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = pread(fd, e, n * 8u, (off_t)((uintptr_t)p / page * 8));
	close(fd);
	return r == (ssize_t)(n * 8u) ? 0 : -1;
}
#endif

/* The first line of a /proc or /sys file, or "" */
static void first_line(const char *path, char *buf, size_t cap)
{
	buf[0] = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t r = read(fd, buf, cap - 1);
	close(fd);
	buf[r > 0 ? r : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

struct text {
	char *buf;
	size_t cap, len;
};

static void add(struct text *t, const char *name, unsigned long long v)
{
	int n = snprintf(t->buf + t->len, t->cap - t->len, "%s%s=%llu", t->len ? " " : "", name, v);
	if (n > 0 && (size_t)n < t->cap - t->len)
		t->len += (size_t)n;
	else
		t->buf[t->len] = 0; /* a word that does not fit is left out whole */
}

static void add_word(struct text *t, const char *name, const char *v)
{
	int n = snprintf(t->buf + t->len, t->cap - t->len, "%s%s=%s", t->len ? " " : "", name, v);
	if (n > 0 && (size_t)n < t->cap - t->len)
		t->len += (size_t)n;
	else
		t->buf[t->len] = 0;
}

/* exec_maps: fetch from a fresh PROT_READ page; the fetch must fault, and
 * mincore then says whether the fault mapped the page first. */
static void probe_exec(struct text *t, uint64_t page)
{
	unsigned char *p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	unsigned char in = 0;
	if (lx_fetch((uint64_t)(uintptr_t)p, page) == SIGSEGV && mincore(p, page, &in) == 0)
		add(t, "exec_maps", in & 1);
	munmap(p, page);
}

#ifndef LX_QEMU
/* zero_page: a read fault of a fresh private page maps the zero page
 * (present, not exclusive: no page of its own) or a page of its own
 * (present and exclusive). soft_dirty: a written fresh page shows pagemap's
 * soft-dirty bit only with CONFIG_MEM_SOFT_DIRTY. */
static void probe_anon(struct text *t, uint64_t page)
{
	volatile char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	(void)p[0];
	p[page] = 1;
	uint64_t e[2];
	if (pagemap((const void *)p, page, 2, e) == 0) {
		if (e[0] & PM_PRESENT)
			add(t, "zero_page", !(e[0] & PM_EXCLUSIVE));
		if (e[1] & PM_PRESENT)
			add(t, "soft_dirty", (e[1] & PM_SOFT_DIRTY) != 0);
	}
	munmap((void *)p, 2 * page);
}

/* fault_around_bytes: a file whose 64 pages are all in the page cache,
 * mapped privately read-only at a 64-page boundary; a read fault of its
 * first page maps fault_around_bytes of them. */
static void probe_fault_around(struct text *t, uint64_t page)
{
	enum { N = 64 };
	int fd = memfd_create("mmfuzz-probe", MFD_CLOEXEC);
	if (fd < 0)
		return;
	char *buf = calloc(1, page);
	char *area = mmap(NULL, 2 * N * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!buf || area == MAP_FAILED || ftruncate(fd, (off_t)(N * page))) {
		free(buf);
		if (area != MAP_FAILED)
			munmap(area, 2 * N * page);
		close(fd);
		return;
	}
	int ok = 1;
	for (unsigned i = 0; i < N && ok; i++) {
		buf[0] = (char)(i + 1);
		ok = pwrite(fd, buf, page, (off_t)(i * page)) == (ssize_t)page;
	}
	char *at = (char *)(((uintptr_t)area + N * page - 1) & ~(uintptr_t)(N * page - 1));
	volatile char *m = ok ? mmap(at, N * page, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) : MAP_FAILED;
	uint64_t e[N];
	if (m != MAP_FAILED && ((void)m[0], pagemap((const void *)m, page, N, e) == 0)) {
		unsigned n = 0;
		while (n < N && (e[n] & PM_PRESENT))
			n++;
		if (n && !(n & (n - 1)) && n * page <= 65536)
			add(t, "fault_around_bytes", n * page);
	}
	munmap(area, 2 * N * page);
	free(buf);
	close(fd);
}
#endif

/* The knobs of memory pressure, as the system's files say them:
 * vm.swappiness and vm.page-cluster, and zswap's parameters (a compressor
 * or pool the model has not, lzo for one, leaves the profile's); whether
 * zswap keeps same-filled pages or only zero-filled ones goes by the
 * kernel's version (6.12 changed it). */
static void probe_pressure(struct text *t)
{
	char line[128];
	char *end;
	first_line("/proc/sys/vm/swappiness", line, sizeof(line));
	unsigned long v = strtoul(line, &end, 10);
	if (line[0] && !*end && v <= 200)
		add(t, "swappiness", v);
	first_line("/proc/sys/vm/page-cluster", line, sizeof(line));
	v = strtoul(line, &end, 10);
	if (line[0] && !*end)
		add(t, "page_cluster", v > 6 ? 6 : v);
	first_line("/sys/module/zswap/parameters/enabled", line, sizeof(line));
	if (line[0] == 'Y' || line[0] == 'N')
		add(t, "zswap_enabled", line[0] == 'Y');
	first_line("/sys/module/zswap/parameters/compressor", line, sizeof(line));
	if (!strcmp(line, "lz4") || !strcmp(line, "zstd"))
		add_word(t, "zswap_compressor", line);
	first_line("/sys/module/zswap/parameters/zpool", line, sizeof(line));
	if (!strcmp(line, "zsmalloc") || !strcmp(line, "zbud") || !strcmp(line, "z3fold"))
		add_word(t, "zswap_zpool", line);
	first_line("/sys/module/zswap/parameters/max_pool_percent", line, sizeof(line));
	v = strtoul(line, &end, 10);
	if (line[0] && !*end && v >= 1 && v <= 100)
		add(t, "zswap_max_pool_percent", v);
	struct utsname u;
	unsigned major, minor;
	if (!uname(&u) && sscanf(u.release, "%u.%u", &major, &minor) == 2)
		add(t, "zswap_same_filled", major < 6 || (major == 6 && minor < 12));
}

/* memlock_kb: what RLIMIT_MEMLOCK allows the tasks (they inherit it), or
 * unlimited with CAP_IPC_LOCK in the effective set or an infinite limit.
 * Returns 1 for unlimited. */
static int probe_memlock(struct text *t)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	struct rlimit rl;
	int got = syscall(SYS_capget, &h, d) == 0, capable = got && (d[0].effective & (1u << CAP_IPC_LOCK));
	if (got) /* oom_score_adj below its floor wants it (the tasks inherit the set) */
		add(t, "sys_resource", (d[0].effective >> CAP_SYS_RESOURCE) & 1);
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return 0;
	if (capable || rl.rlim_cur == RLIM_INFINITY) {
		add_word(t, "memlock_kb", "unlimited");
		return 1;
	}
	add(t, "memlock_kb", rl.rlim_cur >> 10 < 0xfffffffeull ? (unsigned long long)(rl.rlim_cur >> 10) : 0xfffffffeull);
	return 0;
}

#ifndef LX_QEMU
/* vmflag_lf: smaps' VmFlags of a page locked with MLOCK_ONFAULT. */
static void probe_lockonfault(struct text *t, uint64_t page)
{
	char *p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	char head[40];
	snprintf(head, sizeof(head), "%08lx-", (unsigned long)(uintptr_t)p);
	FILE *f = mlock2(p, page, MLOCK_ONFAULT) == 0 ? fopen("/proc/self/smaps", "re") : NULL;
	char line[512];
	for (int in = 0; f && fgets(line, sizeof(line), f);) {
		if (!strncmp(line, head, strlen(head)))
			in = 1;
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			add(t, "vmflag_lf", strstr(line, " lf") != NULL);
			break;
		}
	}
	if (f)
		fclose(f);
	munmap(p, page);
}
#endif

#ifndef LX_QEMU
/* zap_rand_norecency: a private writable mapping of a two-page memfd
 * under MADV_RANDOM, its first page read (a young pte to a file folio),
 * its second written (an anonymous copy: the VMA has an anon_vma, so fork
 * copies its ptes, old in the child). The parent unmaps it; the child's
 * smaps then counts the file page as referenced only if that zap marked
 * it accessed. */
static void probe_zap_recency(struct text *t, uint64_t page)
{
	int fd = memfd_create("mmfuzz-probe", MFD_CLOEXEC), go[2] = { -1, -1 };
	char *p = fd >= 0 && ftruncate(fd, (off_t)(2 * page)) == 0
			  ? mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
			  : MAP_FAILED;
	if (p == MAP_FAILED || madvise(p, 2 * page, MADV_RANDOM) || pipe(go)) {
		if (p != MAP_FAILED)
			munmap(p, 2 * page);
		if (fd >= 0)
			close(fd);
		return;
	}
	(void)*(volatile char *)p;
	p[page] = 1;
	pid_t pid = fork();
	if (pid == 0) {
		char c, head[40], line[512];
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		snprintf(head, sizeof(head), "%08lx-", (unsigned long)(uintptr_t)p);
		FILE *f = fopen("/proc/self/smaps", "re");
		long kb = -1;
		for (int in = 0; f && fgets(line, sizeof(line), f);) {
			if (!strncmp(line, head, strlen(head)))
				in = 1;
			else if (in && !strncmp(line, "Referenced:", 11)) {
				kb = strtol(line + 11, NULL, 10);
				break;
			}
		}
		_exit(kb == 0 ? 10 : kb == (long)(page >> 10) ? 11 : 1);
	}
	if (pid > 0) {
		munmap(p, 2 * page);
		int st = 0;
		if (write(go[1], "x", 1) != 1)
			kill(pid, SIGKILL);
		if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && (WEXITSTATUS(st) == 10 || WEXITSTATUS(st) == 11))
			add(t, "zap_rand_norecency", WEXITSTATUS(st) == 10);
	} else
		munmap(p, 2 * page);
	close(go[0]);
	close(go[1]);
	close(fd);
}
#endif

/* The mode THP has for 2 MiB anonymous folios: hugepages-2048kB/enabled,
 * or the global enabled where that says inherit (or is not there). */
static const char *thp_mode(void)
{
	char line[128], size[128];
	first_line("/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled", size, sizeof(size));
	first_line("/sys/kernel/mm/transparent_hugepage/enabled", line, sizeof(line));
	const char *l = size[0] && !strstr(size, "[inherit]") ? size : line;
	return strstr(l, "[always]") ? "always" : strstr(l, "[madvise]") ? "madvise" : strstr(l, "[never]") ? "never" : NULL;
}

int lx_thp_off;
char lx_thp_why[128];

#ifndef LX_QEMU
/* An smaps field (e.g. "AnonHugePages:") of the VMA that starts at p, in
 * kB; -1 unknown. */
static long smaps_kb(const void *p, const char *field)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -1;
	char line[256];
	long kb = -1;
	int in = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) /* a VMA's line; no field's name reads so */
			in = lo == (unsigned long)(uintptr_t)p;
		else if (in && !strncmp(line, field, strlen(field)) && sscanf(line + strlen(field), " %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* mprotect_batch: a fresh THP, split by an mprotect of its first page,
 * the rest then PROT_NONE (a VMA of its own to read),
 * every pte made old (clear_refs 1), one read, then an mprotect of the
 * rest: one young pte there, or all of them (6.17+'s batches). */
static void probe_mprotect_batch(struct text *t)
{
	const uint64_t huge = 2ull << 20;
	char *raw = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return;
	volatile char *p = (char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
	madvise((void *)p, huge, MADV_HUGEPAGE);
	p[0] = 1;
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (smaps_kb((const void *)p, "AnonHugePages:") == 2048 && fd >= 0 &&
	    mprotect((void *)p, 4096, PROT_READ) == 0 && write(fd, "1", 1) == 1) {
		(void)p[8 * 4096];
		if (mprotect((void *)(p + 4096), huge - 4096, PROT_NONE) == 0) { /* a VMA of its own */
			long ref = smaps_kb((const void *)(p + 4096), "Referenced:");
			if (ref >= 0)
				add(t, "mprotect_batch", ref > 4);
		}
	}
	if (fd >= 0)
		close(fd);
	munmap(raw, 2 * huge);
}

/* Whether the tasks may keep THP on, as the model has it: only 2 MiB
 * anonymous folios (no other mTHP size, no shmem THP), and a huge page to
 * be had now; then thp_zero_page, and thp_zero_wp found by a write to the
 * huge zero page. 0 with lx_thp_why set: the tasks turn THP off. */
static int probe_thp(struct text *t, const char *mode)
{
	char line[128];
	if (getenv("MMFUZZ_HOST_THP") && !strcmp(getenv("MMFUZZ_HOST_THP"), "0")) {
		snprintf(lx_thp_why, sizeof(lx_thp_why), "off (MMFUZZ_HOST_THP=0)");
		return 0;
	}
	if (!mode || !strcmp(mode, "never"))
		return 1;
	first_line("/sys/kernel/mm/transparent_hugepage/shmem_enabled", line, sizeof(line));
	if (line[0] && !strstr(line, "[never]") && !strstr(line, "[deny]")) {
		snprintf(lx_thp_why, sizeof(lx_thp_why), "off (shmem_enabled is not never: shmem THP is not modelled)");
		return 0;
	}
	static const unsigned sizes[] = { 8, 16, 32, 64, 128, 256, 512, 1024 };
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char path[96];
		snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/hugepages-%ukB/enabled", sizes[i]);
		first_line(path, line, sizeof(line));
		if (line[0] && !strstr(line, "[never]")) {
			snprintf(lx_thp_why, sizeof(lx_thp_why), "off (%u kB folios are on: mTHP is not modelled)", sizes[i]);
			return 0;
		}
	}
	first_line("/sys/kernel/mm/transparent_hugepage/use_zero_page", line, sizeof(line));
	int zero = line[0] == '1';
	const uint64_t huge = 2ull << 20;
	char *raw = mmap(NULL, 3 * huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return 1;
	char *p = (char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
	munmap(raw, (size_t)(p - raw));
	munmap(p + 2 * huge, (size_t)(raw + 3 * huge - (p + 2 * huge)));
	madvise(p, 2 * huge, MADV_HUGEPAGE);
	/* the second 2 MiB: a write fault must map a THP */
	p[huge] = 1;
	mprotect(p + huge, huge, PROT_READ); /* a VMA of its own, to read its line */
	long got = smaps_kb(p + huge, "AnonHugePages:");
	int ok = got == 2048;
	if (ok) {
		add(t, "thp_zero_page", zero);
		if (zero) { /* the first: a read maps the huge zero page, a write then a THP or small pages */
			volatile char *q = p;
			(void)q[0];
			q[0] = 1;
			long kb = smaps_kb(p, "AnonHugePages:");
			if (kb >= 0)
				add(t, "thp_zero_wp", kb == 2048);
		}
		/* MADV_FREE of one page splits the THP folio: its untouched
		 * subpages become the zero page (6.12+), or stay */
		madvise(p + huge + 4096, 4096, MADV_FREE);
		long rss = smaps_kb(p + huge, "Rss:");
		if (rss == 4 || rss == 2048)
			add(t, "thp_split_zero", rss == 4);
	} else {
		snprintf(lx_thp_why, sizeof(lx_thp_why), "off (a write to a MADV_HUGEPAGE range got no huge page: %ld kB)", got);
	}
	munmap(p, 2 * huge);
	if (ok)
		probe_mprotect_batch(t);
	return ok;
}
#endif

#ifndef LX_QEMU
/* VmPTE of /proc/self/status in kB; -1 unknown. */
static long vm_pte_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* pt_reclaim: MADV_DONTNEED of a whole 2 MiB whose one page was written
 * frees the pte table (VmPTE drops) or not. */
static void probe_pt_reclaim(struct text *t)
{
	const uint64_t huge = 2ull << 20;
	char *raw = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return;
	volatile char *p = (char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
	madvise((void *)p, huge, MADV_NOHUGEPAGE);
	p[0] = 1;
	long before = vm_pte_kb();
	madvise((void *)p, huge, MADV_DONTNEED);
	long after = vm_pte_kb();
	if (before > 0 && after >= 0)
		add(t, "pt_reclaim", after < before);
	munmap(raw, 2 * huge);
}
#endif

int lx_probe(char *buf, size_t cap)
{
	struct text t = { buf, cap, 0 };
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	buf[0] = 0;
	/* THP stays on for the tasks where the model has what the kernel
	 * does (lx_thp_off, task.c); else they run with it off, as the probe */
	int thp_off = 0;
	const char *mode = thp_mode();
#ifndef LX_QEMU
	lx_thp_off = page != 4096 || !probe_thp(&t, mode);
	if (page != 4096 && !lx_thp_why[0])
		snprintf(lx_thp_why, sizeof(lx_thp_why), "off (pages of %llu bytes)", (unsigned long long)page);
#else
	lx_thp_off = 1;
	snprintf(lx_thp_why, sizeof(lx_thp_why), "off where QEMU lets the agent turn it off");
#endif
	if (!lx_thp_off)
		snprintf(lx_thp_why, sizeof(lx_thp_why), "%s", mode ? mode : "on, its mode unknown");
#ifdef PR_SET_THP_DISABLE
	if (lx_thp_off)
		thp_off = prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0;
#endif
	probe_exec(&t, page);
#ifndef LX_QEMU
	probe_anon(&t, page);
	probe_fault_around(&t, page);
	probe_lockonfault(&t, page);
	probe_zap_recency(&t, page);
	if (page == 4096)
		probe_pt_reclaim(&t);
#endif
	int unlimited = probe_memlock(&t);
	char line[128];
	if (thp_off)
		add_word(&t, "thp", "never");
	else if (mode)
		add_word(&t, "thp", mode);
	probe_pressure(&t);
	first_line("/proc/sys/vm/overcommit_memory", line, sizeof(line));
	if (line[0] >= '0' && line[0] <= '2' && !line[1])
		add(&t, "overcommit", (unsigned long long)(line[0] - '0'));
	first_line("/proc/sys/vm/mmap_min_addr", line, sizeof(line));
	char *end;
	errno = 0;
	unsigned long long mina = strtoull(line, &end, 10);
	if (line[0] && !*end && !errno)
		add(&t, "mmap_min_addr", mina);
	return unlimited;
}
