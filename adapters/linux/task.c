/* One modelled process of the Linux agent: a real process that runs the
 * address-space ops it is sent with real system calls and reads its own
 * /proc/self files, so that whatever answers is the kernel it runs on (or
 * the emulator it runs under).
 *
 * A task allocates nothing: its text goes out of a static buffer, and it
 * reads /proc with open/read, because task 0 may have moved the heap
 * (brk) into the window, where malloc must never follow it.
 *
 * Faults: reads and writes run armed, with SIGSEGV and SIGBUS caught and
 * turned into the op's answer by siglongjmp. Any other fatal signal is
 * told to the controller before the task dies of it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "adapters/linux/task.h"
#include "mmfuzz/wire.h"
#include "mmfuzz/adapter.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/* How far past the window's last page an op can reach (start and length
 * are each at most 0xffff pages): the part of /proc/self/maps reported. */
#define SPAN_PAGES 0x20000ull

static const struct lx_env *env;
static unsigned me; /* this task's slot */
static char text[LX_TEXT_CAP];
static char procbuf[1u << 20];

static uint64_t to_window(uint64_t a) { return MMF_AS_WINDOW_BASE + (a - env->base); }
static int in_span(uint64_t a) { return a >= env->base && a < env->base + SPAN_PAGES * env->page; }

/* The whole of a /proc file into procbuf; its length, or -1. */
static ssize_t slurp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	for (;;) {
		ssize_t r = read(fd, procbuf + len, sizeof(procbuf) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	procbuf[len] = 0;
	return (ssize_t)len;
}

struct out {
	size_t len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (o->len < sizeof(text)) {
		int n = vsnprintf(text + o->len, sizeof(text) - o->len, fmt, ap);
		o->len += n > 0 ? (size_t)n : 0;
		if (o->len > sizeof(text))
			o->len = sizeof(text);
	}
	va_end(ap);
}

/* One maps line, as show_map_vma() prints it, in window addresses. */
struct mline {
	unsigned long long start, end, off;
	char perms[8];
	unsigned maj, min;
	unsigned long inode;
	const char *name;
	size_t name_len;
};

static int parse_line(const char *l, struct mline *m)
{
	int used = 0;
	if (sscanf(l, "%llx-%llx %7s %llx %x:%x %lu%n", &m->start, &m->end, m->perms, &m->off, &m->maj, &m->min,
		   &m->inode, &used) < 7)
		return -1;
	l += used;
	while (*l == ' ')
		l++;
	m->name = l;
	m->name_len = strcspn(l, "\n");
	return 0;
}

static void put_line(struct out *o, const struct mline *m)
{
	size_t start = o->len;
	put(o, "%08llx-%08llx %s %08llx %02x:%02x %lu ", (unsigned long long)to_window(m->start),
	    (unsigned long long)to_window(m->end), m->perms, m->off, m->maj, m->min, m->inode);
	if (m->name_len) {
		while (o->len - start < 72)
			put(o, " ");
		put(o, " %.*s", (int)m->name_len, m->name);
	}
	put(o, "\n");
}

static const char *next_line(const char *l)
{
	l += strcspn(l, "\n");
	return *l ? l + 1 : l;
}

/* After every op: the CPU's LRU batches drained (lru_add_drain(), which
 * MADV_COLD makes on a page of the task's own, outside the window). What a
 * batch holds across ops changes with whatever else runs on the CPU: a
 * MADV_FREE page keeps its referenced bit until the batch moves, and a page
 * a copy-on-write fault unmapped from a locked VMA sits in the mlock batch
 * with a reference, so the next write to it copies instead of reusing,
 * unless something drained the batch first -- and the agent's own
 * copy-on-write faults after a fork do (seen on 6.18). So both sides
 * compare at a quiescent CPU: the oracle drains after every
 * address-space op too. All tasks share one CPU (lx_task_main), so the
 * batch is the task's. */
static void drain_lru(void)
{
#ifdef MADV_COLD
	static void *own;
	if (!own) {
		own = mmap(NULL, (size_t)env->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (own == MAP_FAILED) {
			own = NULL;
			return;
		}
		*(volatile char *)own = 1;
	}
	/* MADV_COLD refuses a locked VMA before it drains (mlockall(MCL_CURRENT)
	 * locks the page too): then munlock and mlock it again, each of which
	 * drains (mlock_vma_pages_range()) */
	if (madvise(own, (size_t)env->page, MADV_COLD) && errno == EINVAL) {
		munlock(own, (size_t)env->page);
		mlock(own, (size_t)env->page);
	}
#endif
}

static int report_maps(struct out *o, int smaps)
{
	if (slurp(smaps ? "/proc/self/smaps" : "/proc/self/maps") < 0)
		return errno;
	int keep = 0;
	for (const char *l = procbuf; *l; l = next_line(l)) {
		struct mline m;
		if (parse_line(l, &m) == 0) { /* a VMA's first line */
			keep = in_span(m.start);
			if (keep)
				put_line(o, &m);
		} else if (keep) {
			put(o, "%.*s\n", (int)strcspn(l, "\n"), l);
		}
	}
	return 0;
}

#define PM_PRESENT (1ull << 63)
#define PM_SWAP (1ull << 62)
#define PM_PFN_MASK ((1ull << 55) - 1)

/* pagemap entries of [start, end) into buf (one per page); 0 or errno. */
static int pagemap(uint64_t start, uint64_t end, uint64_t *buf)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	size_t n = (size_t)((end - start) / env->page) * 8;
	ssize_t r = pread(fd, buf, n, (off_t)(start / env->page * 8));
	int e = r == (ssize_t)n ? 0 : r < 0 ? errno : EIO;
	close(fd);
	return e;
}

static uint64_t pm_buf[SPAN_PAGES];

/* Every window VMA's pages: fn(address, entry) for each. */
static int each_page(void (*fn)(struct out *, uint64_t, uint64_t, uint64_t), struct out *o, uint64_t arg)
{
	if (slurp("/proc/self/maps") < 0)
		return errno;
	for (const char *l = procbuf; *l; l = next_line(l)) {
		struct mline m;
		if (parse_line(l, &m) || !in_span(m.start))
			continue;
		int e = pagemap(m.start, m.end, pm_buf);
		if (e)
			return e;
		for (uint64_t a = m.start; a < m.end; a += env->page)
			fn(o, a, pm_buf[(a - m.start) / env->page], arg);
	}
	return 0;
}

/* pagemap as text: "address entry" for each non-zero entry, the frame
 * number (or swap entry) zeroed as for a reader without CAP_SYS_ADMIN. */
static void pm_line(struct out *o, uint64_t a, uint64_t e, uint64_t arg)
{
	(void)arg;
	if (e & (PM_PRESENT | PM_SWAP))
		e &= ~PM_PFN_MASK;
	if (e)
		put(o, "%llx %016llx\n", (unsigned long long)to_window(a), (unsigned long long)e);
}

static void find_line(struct out *o, uint64_t a, uint64_t e, uint64_t pfn)
{
	if ((e & PM_PRESENT) && (e & PM_PFN_MASK) == pfn)
		put(o, "%u %llx\n", me, (unsigned long long)to_window(a));
}

/* MADV_PAGEOUT where swap files are on (swap.c): the kernel has started
 * writing the pages when madvise returns, and they stay in the swap cache
 * until the writes end (then until a later reclaim pass). The task waits
 * for the writes of the frames the range mapped before (KPF_WRITEBACK in
 * /proc/kpageflags), up to a second: the model's writes end before its
 * next op (knob swap_async). */
#define KPF_WRITEBACK 8
void lx_wait_writeback(const uint64_t *pm, unsigned n)
{
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	for (unsigned tries = 0; fd >= 0 && tries < 10000; tries++) {
		unsigned busy = 0;
		for (unsigned i = 0; i < n; i++) {
			uint64_t f = 0;
			if ((pm[i] & PM_PRESENT) && pread(fd, &f, 8, (off_t)((pm[i] & PM_PFN_MASK) * 8)) == 8 &&
			    (f >> KPF_WRITEBACK & 1))
				busy++;
		}
		if (!busy)
			break;
		usleep(100);
	}
	if (fd >= 0)
		close(fd);
}

static int pageout(uint64_t addr, uint64_t len)
{
	uint64_t start = addr & ~(env->page - 1), end = addr + len;
	if (end < start || (end - start) / env->page > SPAN_PAGES)
		end = start; /* madvise refuses it: nothing to wait for */
	unsigned n = 0;
	if (end > start && pagemap(start, (end + env->page - 1) & ~(env->page - 1), pm_buf) == 0)
		for (uint64_t i = 0; i < (end - start + env->page - 1) / env->page; i++)
			if (pm_buf[i] & PM_PRESENT)
				pm_buf[n++] = pm_buf[i];
	int r = madvise((void *)(uintptr_t)addr, len, MADV_PAGEOUT) ? errno : 0;
	lx_wait_writeback(pm_buf, n);
	return r;
}

/* ---- accesses ---- */

static sigjmp_buf jb;
static volatile sig_atomic_t armed;

static void on_fault(int sig)
{
	if (armed) {
		armed = 0;
		siglongjmp(jb, sig);
	}
	/* not an access of ours: tell the controller, then die of it */
	struct lx_rep p = { .died = sig };
	mmf_wire_write(env->resp[me][1], &p, sizeof(p));
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One access: a write XORs token into word token % 512 with one atomic
 * instruction (a read-modify-write of two instructions would read-fault
 * first); a read XORs the page's 512 words; an instruction fetch jumps
 * into the page (lx_fetch, fetch.c). */
static void access_page(uint64_t addr, int kind, uint64_t token, uint64_t *fault, uint64_t *value)
{
	volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)(addr & ~(env->page - 1));
	*fault = 0;
	*value = 0;
	if (kind == MMF_ACCESS_EXEC) {
		*fault = (uint64_t)lx_fetch((uint64_t)(uintptr_t)w, env->page);
		return;
	}
	int sig = sigsetjmp(jb, 1);
	if (sig) {
		*fault = (uint64_t)sig;
		return;
	}
	armed = 1;
	if (kind == MMF_ACCESS_WRITE) {
		__atomic_fetch_xor((uint64_t *)(uintptr_t)&w[token % 512], token, __ATOMIC_RELAXED);
	} else if (kind == MMF_ACCESS_FILL) { /* one write fault, then every word: the old ones' digest */
		__atomic_fetch_xor((uint64_t *)(uintptr_t)&w[0], 0, __ATOMIC_RELAXED);
		uint64_t d = 0;
		for (unsigned i = 0; i < 512; i++) {
			d = mmf_digest_add(d, w[i], i);
			w[i] = mmf_fill_word((unsigned)token, i);
		}
		*value = d;
	} else {
		uint64_t x = 0;
		for (unsigned i = 0; i < 512; i++)
			x ^= w[i];
		*value = x;
	}
	armed = 0;
}

/* ---- placement ---- */

/* The highest place in the window's gaps for len bytes starting on an
 * align boundary, below the window's top (the model's mmap_base): the
 * kernel's own top-down search runs from its mmap_base, outside the
 * window, so the agent does the same search inside it (aligned to 2 MiB:
 * hugetlb_get_unmapped_area()'s). 0 when nothing fits. */
static uint64_t topdown_aligned(uint64_t len, uint64_t align)
{
	uint64_t lo = env->base, upper = env->base + (uint64_t)MMF_AS_WINDOW_PAGES * env->page;
	if (slurp("/proc/self/maps") < 0)
		return 0;
	/* lines come in address order: remember the gaps below upper */
	uint64_t best = 0, prev_end = lo;
	for (const char *l = procbuf; *l; l = next_line(l)) {
		struct mline m;
		if (parse_line(l, &m) || m.end <= lo)
			continue;
		if (m.start >= upper)
			break;
		if (m.start > prev_end && m.start - prev_end >= len && ((m.start - len) & ~(align - 1)) >= prev_end)
			best = (m.start - len) & ~(align - 1);
		if (m.end > prev_end)
			prev_end = m.end;
	}
	if (upper > prev_end && upper - prev_end >= len && ((upper - len) & ~(align - 1)) >= prev_end)
		best = (upper - len) & ~(align - 1);
	return best;
}

static uint64_t topdown(uint64_t len) { return topdown_aligned(len, env->page); }

/* How the agent names the address it chose itself. QEMU 7.2 does not
 * know MAP_FIXED_NOREPLACE (it takes it as a hint): there the gap, read
 * from QEMU's own /proc/self/maps, is named with MAP_FIXED. */
#ifdef LX_QEMU
#define PLACE MAP_FIXED
#else
#define PLACE MAP_FIXED_NOREPLACE
#endif

static int kernel_prot(unsigned prot) { return (int)(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)); }

#define HUGE (2ull << 20)

/* mmap(MAP_HUGETLB) as the op asks it (flags: the MMF_MAP_* bits, and
 * prot << 8), placed as do_mmap() places an ordinary one: a hint the
 * kernel aligns up and takes where it is free, else the window's own
 * top-down search. Answers the window page it went to. */
static int do_mmap_huge(uint64_t addr, uint64_t len, unsigned fl, struct out *o)
{
	unsigned prot = (fl >> 8) & 7;
	int kf = MAP_ANONYMOUS | MAP_HUGETLB | (fl & MMF_MAP_SHARED ? MAP_SHARED : MAP_PRIVATE) |
		 (fl & MMF_MAP_POPULATE ? MAP_POPULATE : 0) | (fl & MMF_MAP_NORESERVE ? MAP_NORESERVE : 0);
	void *p = MAP_FAILED;
	if (fl & (MMF_MAP_FIXED | MMF_MAP_FIXED_NOREPLACE)) {
		kf |= fl & MMF_MAP_FIXED_NOREPLACE ? MAP_FIXED_NOREPLACE : MAP_FIXED;
		p = mmap((void *)(uintptr_t)addr, len, kernel_prot(prot), kf, -1, 0);
	} else {
		uint64_t rounded = (len + HUGE - 1) & ~(HUGE - 1);
		if ((fl & MMF_MAP_HINT) && addr) {
			p = mmap((void *)(uintptr_t)addr, len, kernel_prot(prot), kf, -1, 0);
			if (p == MAP_FAILED)
				return errno;
			if ((uint64_t)(uintptr_t)p != ((addr + HUGE - 1) & ~(HUGE - 1))) {
				munmap(p, rounded);
				p = MAP_FAILED;
			}
		}
		if (p == MAP_FAILED) {
			if (!len)
				return EINVAL;
			uint64_t where = topdown_aligned(rounded, HUGE);
			if (!where)
				return ENOMEM;
			p = mmap((void *)(uintptr_t)where, len, kernel_prot(prot), kf | PLACE, -1, 0);
		}
	}
	if (p == MAP_FAILED)
		return errno;
	put(o, "page %llu\n", (unsigned long long)(((uint64_t)(uintptr_t)p - env->base) / env->page));
	return 0;
}

static int do_mmap(const struct lx_cmd *c, uint64_t *out)
{
	uint64_t addr = c->a[0], len = c->a[1];
	unsigned prot = (unsigned)c->a[2], fl = (unsigned)c->a[3];
	int fd = (int)(int64_t)c->a[4];
	int kf = (fl & MMF_MAP_SHARED ? MAP_SHARED : MAP_PRIVATE) | (fd < 0 ? MAP_ANONYMOUS : 0) |
		 (fl & MMF_MAP_POPULATE ? MAP_POPULATE : 0) | (fl & MMF_MAP_NORESERVE ? MAP_NORESERVE : 0);
	off_t off = (off_t)c->a[5];
	void *p;
	if (fl & (MMF_MAP_FIXED | MMF_MAP_FIXED_NOREPLACE)) {
		kf |= fl & MMF_MAP_FIXED_NOREPLACE ? MAP_FIXED_NOREPLACE : MAP_FIXED;
		p = mmap((void *)(uintptr_t)addr, len, kernel_prot(prot), kf, fd, off);
	} else {
		p = MAP_FAILED;
		if ((fl & MMF_MAP_HINT) && addr) {
			/* the kernel decides whether it takes the hint */
			p = mmap((void *)(uintptr_t)addr, len, kernel_prot(prot), kf, fd, off);
			if (p == MAP_FAILED)
				return errno;
			if ((uint64_t)(uintptr_t)p != addr) {
				munmap(p, len);
				p = MAP_FAILED;
			}
		}
		if (p == MAP_FAILED) {
			if (!len)
				return EINVAL;
			uint64_t rounded = (len + env->page - 1) & ~(env->page - 1), where = topdown(rounded);
			if (!where)
				return ENOMEM;
			p = mmap((void *)(uintptr_t)where, len, kernel_prot(prot), kf | PLACE, fd, off);
		}
	}
	if (p == MAP_FAILED)
		return errno;
	*out = (uint64_t)(uintptr_t)p;
	return 0;
}

/* mremap as the kernel is asked. Where it moved the mapping to an address
 * of its own choosing (outside the window), the mapping moves on to the
 * window's top-down gap, found before the call, as the model finds it
 * while the old range is still mapped. */
static int do_mremap(const struct lx_cmd *c, uint64_t *out)
{
	uint64_t addr = c->a[0], old_len = c->a[1], new_len = c->a[2], new_addr = c->a[4];
	int flags = (int)c->a[3];
	uint64_t where = 0;
	if ((flags & MMF_MREMAP_MAYMOVE) && !(flags & MMF_MREMAP_FIXED))
		where = topdown((new_len + env->page - 1) & ~(env->page - 1));
	void *p = mremap((void *)(uintptr_t)addr, old_len, new_len, flags, (void *)(uintptr_t)new_addr);
	if (p == MAP_FAILED)
		return errno;
	uint64_t got = (uint64_t)(uintptr_t)p;
	if (!in_span(got)) {
		uint64_t len = (new_len + env->page - 1) & ~(env->page - 1);
		if (!where) { /* the window is full: the model says ENOMEM */
			if (flags & MMF_MREMAP_DONTUNMAP)
				munmap(p, len); /* the source is still there */
			else /* back where it was, at its old length */
				mremap(p, len, old_len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(uintptr_t)addr);
			return ENOMEM;
		}
		p = mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(uintptr_t)where);
		if (p == MAP_FAILED)
			return errno;
		got = where;
	}
	*out = got;
	return 0;
}

/* ---- the syscall-like ops (ops.def's as_call rows) ---- */

/* The op's flag bits in this system's values (sparc numbers MCL_* its own
 * way); a bit no kernel knows stays a bit no kernel knows. */
static int bits(unsigned v, const int *vals, unsigned n)
{
	int out = 0;
	for (unsigned b = 0; b < n; b++)
		if (v & (1u << b))
			out |= vals[b];
	return out;
}

static int do_call(const struct lx_cmd *c, struct out *o, uint64_t *unknown)
{
	static const int mlock_bits[] = { MLOCK_ONFAULT, 2 }, mcl_bits[] = { MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT, 8 };
	static const int ms_bits[] = { MS_ASYNC, MS_INVALIDATE, MS_SYNC, 8 };
	static unsigned char vec[2 * MMF_AS_WINDOW_PAGES + 64]; /* QEMU may fill it per host page */
	void *addr = (void *)(uintptr_t)c->a[1];
	size_t len = c->a[2];
	unsigned fl = (unsigned)c->a[3];
	switch (c->a[0]) {
	case MMF_OP_MLOCK: return mlock(addr, len) ? errno : 0;
	case MMF_OP_MUNLOCK: return munlock(addr, len) ? errno : 0;
	case MMF_OP_MLOCK2: return mlock2(addr, len, (unsigned)bits(fl, mlock_bits, 2)) ? errno : 0;
	case MMF_OP_MLOCKALL: return mlockall(bits(fl, mcl_bits, 4)) ? errno : 0;
	case MMF_OP_MUNLOCKALL: return munlockall() ? errno : 0;
	case MMF_OP_MSYNC: return msync(addr, len, bits(fl, ms_bits, 4)) ? errno : 0;
	case MMF_OP_MMAP_HUGE: return do_mmap_huge(c->a[1], len, fl, o);
	case MMF_OP_MINCORE: {
		size_t pages = len / env->page;
		if (pages > MMF_AS_WINDOW_PAGES || mincore(addr, len, vec))
			return pages > MMF_AS_WINDOW_PAGES ? EINVAL : errno;
		for (size_t i = 0; i < pages; i++)
			put(o, "%c", '0' + (vec[i] & 1));
		return 0;
	}
	case MMF_OP_OOM_SCORE_ADJ: { /* the task's own: a fork's child inherits it */
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return errno;
		char b[16];
		int n = snprintf(b, sizeof(b), "%d", (int)(int32_t)fl), r = write(fd, b, (size_t)n) == n ? 0 : errno;
		close(fd);
		return r;
	}
	default: *unknown = 1; return ENOSYS;
	}
}

/* ---- the loop ---- */

static void serve(void) __attribute__((noreturn));
static void serve(void)
{
	unsigned n = 0;
	for (;;) {
		struct lx_cmd c;
		if (mmf_wire_read(env->req[me][0], &c, sizeof(c)))
			_exit(0);
		n++;
		if (me == 0 && env->die_at && n == env->die_at) {
			if (env->die_how == 1)
				raise(SIGKILL);
			for (;;)
				pause();
		}
		struct lx_rep p = { 0 };
		struct out o = { 0 };
		int r = 0;
		switch (c.op) {
		case T_MMAP: r = do_mmap(&c, &p.v[0]); break;
		case T_MUNMAP: r = munmap((void *)(uintptr_t)c.a[0], c.a[1]) ? errno : 0; break;
		case T_MPROTECT:
			r = mprotect((void *)(uintptr_t)c.a[0], c.a[1], kernel_prot((unsigned)c.a[2])) ? errno : 0;
			break;
		case T_REPORT:
			if (c.a[0] == MMF_PROC_PAGEMAP)
				r = each_page(pm_line, &o, 0);
			else {
				r = report_maps(&o, c.a[0] == MMF_PROC_SMAPS);
			}
			break;
		case T_ACCESS: access_page(c.a[0], (int)c.a[1], c.a[2], &p.v[0], &p.v[1]); break;
		case T_FORK: {
			unsigned child = (unsigned)c.a[0];
			pid_t pid = fork();
			if (pid < 0) {
				r = errno;
			} else if (pid == 0) {
				me = child;
				continue; /* the child serves its own slot; the parent answers */
			}
			p.v[0] = (uint64_t)pid;
			break;
		}
		case T_EXIT:
			mmf_wire_write(env->resp[me][1], &p, sizeof(p));
			_exit(0);
		case T_MADVISE:
			r = env->swap && c.a[2] == MADV_PAGEOUT ? pageout(c.a[0], c.a[1])
								 : madvise((void *)(uintptr_t)c.a[0], c.a[1], (int)c.a[2]) ? errno : 0;
			break;
		case T_BRK: p.v[0] = (uint64_t)syscall(SYS_brk, (unsigned long)c.a[0]); break;
		case T_MREMAP: r = do_mremap(&c, &p.v[0]); break;
		case T_PFN: {
			uint64_t a = c.a[0] & ~(env->page - 1);
			r = pagemap(a, a + env->page, &p.v[0]);
			break;
		}
		case T_FIND: r = each_page(find_line, &o, c.a[0]); break;
		case T_CALL: r = do_call(&c, &o, &p.v[1]); break;
		default: r = EINVAL; break;
		}
		drain_lru();
		p.result = r;
		p.len = (uint32_t)o.len;
		if (mmf_wire_write(env->resp[me][1], &p, sizeof(p)) || (o.len && mmf_wire_write(env->resp[me][1], text, o.len)))
			_exit(0);
	}
}

void lx_task_main(const struct lx_env *e, unsigned slot)
{
	env = e;
	me = slot;
	for (unsigned s = 0; s < MMF_NPROCS; s++) {
		close(e->req[s][1]);
		close(e->resp[s][0]);
	}
	signal(SIGCHLD, SIG_IGN); /* exited children are reaped at once */
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	for (unsigned i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	/* one CPU for every task (forks inherit it): per-CPU LRU batches are
	 * then the tasks' own (drain_lru) */
	cpu_set_t one;
	int cpu = sched_getcpu();
	CPU_ZERO(&one);
	if (cpu >= 0) {
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
#ifdef PR_SET_THP_DISABLE
	/* THP where the model has what this kernel does (probe.c), else off */
	if (lx_thp_off)
		prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
#endif
	drain_lru(); /* its page mapped now, away from the window, before any op */
	/* The heap's anchor page (linux.c) goes: the window starts empty, and
	 * the heap starts just above where it was. Under QEMU 7.2 a 64-bit
	 * guest's image span is reserved whole (PROT_NONE, from its first
	 * segment to the anchor), so everything below the heap goes. */
	munmap((void *)(uintptr_t)e->base, (uint64_t)MMF_AS_START_BRK_PAGE * e->page);
	struct lx_rep hello = { 0 };
	if (mmf_wire_write(e->resp[me][1], &hello, sizeof(hello)))
		_exit(0);
	serve();
}
