/* Real Linux as a system under test: the address-space family run with
 * real system calls, compared with the oracle at semantic level.
 *
 * One source, several agents. Built for this machine it is
 * mmfuzz-agent-host-linux (adapter host_linux); cross-built with Debian's
 * cross compilers and run under qemu-<arch>-static it is
 * mmfuzz-agent-qemu-<arch> (adapter qemu_<arch>), and QEMU's own mmap
 * emulation is what answers. Each is a program serving this table
 * from a fork server (mmf_agent_main): one worker per sequence.
 *
 * The worker is the controller. At its first op it makes the memfds and
 * one pipe pair per process slot, then forks task 0 (task.c); fork forks
 * the parent task, so every modelled process is a real process with its
 * own mm. Ops go to the task of their process; a task that dies, or one
 * that stops answering, takes the controller with it, so mmfuzz sees the
 * signal or the timeout and names the finding after it.
 *
 * The window. Every op names pages of one window (mmfuzz/ops.h); a task
 * maps only there, at the same page offsets (MMF_AS_WINDOW_BASE itself on
 * 64-bit hosts; 32-bit guests have no such address, so lower). Where the
 * kernel would choose an address itself (no hint, a hint it declines, a
 * mremap that moves), it would choose outside the window: the task runs
 * the model's top-down search over its own /proc/self/maps instead and
 * names the result with MAP_FIXED_NOREPLACE (MREMAP_FIXED).
 *
 * Not compared, because Linux leaves it open or the agent sets it:
 *   - where an address-less mmap or a moving mremap lands (ASLR): the
 *     agent places it, as above;
 *   - THP where the model lacks what the kernel does (other folio
 *     sizes, shmem THP, QEMU): the tasks then run with
 *     PR_SET_THP_DISABLE (probe.c), and the description says why;
 *   - frame numbers, inode numbers and how VMAs split where merged maps
 *     agree: semantic comparison sets them aside (harness/procfmt.c);
 *   - pagemap's exclusive bit (56): after fork it says whether the kernel
 *     has yet to share or copy a page, which depends on the order of
 *     faults in both processes, not on the op sequence alone;
 *   - MADV_FREE'd contents: the kernel may drop them at any time under
 *     memory pressure (none here; the reference keeps them, and so does
 *     this kernel until it needs the memory), and smaps' LazyFree, which
 *     counts a page only once a per-CPU LRU batch has drained.
 * Not driven: the PFN device (no driver) and soft-dirty's clear_refs; the
 * executor leaves those ops out.
 *
 * Where kernels differ (the zero page, x86's or arm64's instruction-fetch
 * faults, soft-dirty, fault-around, ...) the agent probes at start and
 * declares what it found (probe.c, mmfuzz/kernel.h); the oracle runs with
 * it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapters/linux/task.h"
#include "mmfuzz/wire.h"
#include "mmfuzz/agent.h"
#include "mmfuzz/profile.h"

#ifndef LX_NAME
#define LX_NAME "host_linux"
#endif
#ifndef LX_DESCRIPTION
#define LX_DESCRIPTION "this machine's Linux kernel, through system calls"
#endif

/* The window's first address in the agent (see above). */
#if UINTPTR_MAX > 0xffffffffu && !defined(LX_QEMU)
#define LX_BASE MMF_AS_WINDOW_BASE
#else
/* Under QEMU: 32-bit guests have no such address; and QEMU 7.2 reserves
 * the whole span of a guest's ELF image, from its first segment to the
 * heap's anchor (task 0 unmaps the window's part of it, task.c), so a
 * 64-bit guest's window sits low too, just below the anchor. */
#define LX_BASE 0x08000000ull
#endif

/* The page size this build's target has (sparc64: 8 KiB). */
#if defined(__sparc__)
#define LX_PAGE 8192u
#else
#define LX_PAGE 4096u
#endif

/* Known differences of this target, "op-check: reason" (see the qemu
 * section of the README); NULL-terminated. */
#ifndef LX_KNOWN
#define LX_KNOWN NULL
#endif

struct lx {
	struct lx_env env;
	uint64_t swap_pages;  /* each swap file's pages: the profile's frames */
	int swap_lock;        /* the machine's swap lock, once this sequence swaps (swap.c) */
	int huge_reset;       /* this sequence emptied the hugetlb pool (hugetlb.c) */
	int started;          /* this worker has its tasks */
	pid_t pid[MMF_NPROCS]; /* 0: the slot is free */
};

static struct lx_rep rep;
static char text[LX_TEXT_CAP];
static int swap_works; /* swap.c's probe */
static int huge_works; /* hugetlb.c's probe */

static const struct mmf_mutant_desc self_tests[] = {
	{ "task_killed_at_30", "agent", "task 0 is killed (SIGKILL) at its 30th op: the harness must say so" },
	{ "task_hangs_at_30", "agent", "task 0 stops answering at its 30th op: the harness must time it out" },
};

static enum mmf_result lx_create(const struct mmf_adapter_config *cfg, void **ctx, char *err, size_t cap)
{
	struct lx *x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, cap, "out of memory");
		return MMF_REFUSED;
	}
	x->env.base = LX_BASE;
	x->swap_lock = -1;
	x->env.page = (uint64_t)sysconf(_SC_PAGESIZE);
	if (cfg->mutant) {
		if (!strcmp(cfg->mutant, self_tests[0].name))
			x->env.die_at = 30, x->env.die_how = 1;
		else if (!strcmp(cfg->mutant, self_tests[1].name))
			x->env.die_at = 30, x->env.die_how = 2;
		else {
			snprintf(err, cap, "no mutant '%s' in %s", cfg->mutant, LX_NAME);
			free(x);
			return MMF_UNSUPPORTED;
		}
	}
	uint64_t want = 1ull << mmf_profile_as_shift(cfg->profile);
	if (x->env.page != want || x->env.page != LX_PAGE) {
		const char *fit = "none";
		for (unsigned i = 0; mmf_profile_get(i); i++)
			if ((1ull << mmf_profile_as_shift(mmf_profile_get(i))) == x->env.page) {
				fit = mmf_profile_get(i)->name;
				break;
			}
		snprintf(err, cap, "this system's pages are %llu bytes, profile %s's user pages %llu (a profile that fits: %s)",
			 (unsigned long long)x->env.page, cfg->profile->name, (unsigned long long)want, fit);
		free(x);
		return MMF_REFUSED;
	}
	if (swap_works) {
		x->env.swap = 1;
		x->swap_pages = cfg->profile->end_pfn >> (mmf_profile_as_shift(cfg->profile) - cfg->profile->page_shift);
		int e = lx_swap_prepare(x->swap_pages);
		if (e) {
			snprintf(err, cap, "cannot make the swap files (%llu pages each): %s (MMFUZZ_HOST_SWAP=0 does without)",
				 (unsigned long long)x->swap_pages, strerror(e));
			free(x);
			return MMF_REFUSED;
		}
	}
	*ctx = x;
	return MMF_OK;
}

static void lx_destroy(void *ctx) { free(ctx); }

/* Dies of sig, so mmfuzz names the finding after it. */
static void die_of(int sig) __attribute__((noreturn));
static void die_of(int sig)
{
	signal(sig, SIG_DFL);
	kill(getpid(), sig);
	for (;;)
		pause();
}

/* The controller reaps its children (task 0, and orphans: it is their
 * subreaper) as they end, and keeps the last few wait statuses. */
static struct {
	volatile pid_t pid;
	volatile int status;
} reaped[16];
static volatile unsigned nreaped;

static void on_sigchld(int sig)
{
	(void)sig;
	int saved = errno, st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		unsigned i = nreaped++ % (sizeof(reaped) / sizeof(reaped[0]));
		reaped[i].status = st;
		reaped[i].pid = p;
	}
	errno = saved;
}

/* A task ended without a word: the controller ends the same way where it
 * can learn it (its own children and orphans), dying of the same signal
 * or exiting with the same status (under QEMU, an emulator that crashes
 * exits 127: "-exit"), else of SIGKILL. */
static void task_gone(struct lx *x, unsigned slot) __attribute__((noreturn));
static void task_gone(struct lx *x, unsigned slot)
{
	for (unsigned tries = 0; tries < 200; tries++) {
		for (unsigned i = 0; i < sizeof(reaped) / sizeof(reaped[0]); i++)
			if (reaped[i].pid == x->pid[slot]) {
				int st = reaped[i].status;
				if (WIFEXITED(st))
					_exit(WEXITSTATUS(st));
				die_of(WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL);
			}
		if (kill(x->pid[slot], 0) && errno == ESRCH && tries > 10)
			break; /* gone, reaped by someone else */
		usleep(1000);
	}
	die_of(SIGKILL);
}

/* Waits for task slot's answer. A task that died without one (killed)
 * takes the controller down with the signal it died of (task_gone); one
 * that caught a fatal signal said which, and the controller dies of the
 * same. A task that never answers leaves the controller waiting until
 * mmfuzz's op timeout. */
static void await(struct lx *x, unsigned slot)
{
	int fd = x->env.resp[slot][0];
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int n = poll(&pfd, 1, 100);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0)
			break;
		if (kill(x->pid[slot], 0) && errno == ESRCH)
			task_gone(x, slot);
	}
	if (mmf_wire_read(fd, &rep, sizeof(rep)))
		task_gone(x, slot);
	if (rep.died)
		die_of(rep.died);
	if (rep.len > sizeof(text) || (rep.len && mmf_wire_read(fd, text, rep.len)))
		die_of(SIGKILL);
}

static int start(struct lx *x)
{
	if (x->started)
		return 0;
	x->started = 1;
	if (x->env.swap) /* a sequence starts with every device off */
		lx_swap_reset();
	struct sigaction sa = { .sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	sigaction(SIGCHLD, &sa, NULL); /* tasks are reaped as they exit */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); /* and orphans come here */
	/* Every task on one CPU: the kernel batches per CPU (the LRU's folio
	 * batches that MADV_FREE fills and the next VMA walk drains), so a
	 * task that migrated between two ops would see another CPU's batch
	 * and smaps' Referenced would depend on the scheduler. */
	int cpu = sched_getcpu();
	if (cpu >= 0) {
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
	for (unsigned s = 0; s < MMF_NPROCS; s++)
		if (pipe2(x->env.req[s], O_CLOEXEC) || pipe2(x->env.resp[s], O_CLOEXEC))
			return errno;
	for (unsigned f = 0; f < MMF_NFILES; f++) {
		char name[16];
		snprintf(name, sizeof(name), "mmfuzz%u", f);
		x->env.file[f] = memfd_create(name, MFD_CLOEXEC);
		if (x->env.file[f] < 0)
			return errno;
	}
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		lx_task_main(&x->env, 0);
	}
	x->pid[0] = pid;
	await(x, 0);
	if (rep.result) {
		fprintf(stderr, "%s: task 0 cannot start: %s\n", LX_NAME, strerror(rep.result));
		return rep.result;
	}
	return 0;
}

static uint64_t local(const struct lx *x, uint64_t a) { return a - MMF_AS_WINDOW_BASE + x->env.base; }
static uint64_t window(const struct lx *x, uint64_t a) { return a - x->env.base + MMF_AS_WINDOW_BASE; }

/* Sends one command to proc's task and waits for the answer (in rep). */
static enum mmf_result call(struct lx *x, unsigned proc, unsigned op, int *err, uint64_t a0, uint64_t a1, uint64_t a2,
			    uint64_t a3, uint64_t a4, uint64_t a5)
{
	int e = start(x);
	if (e)
		die_of(SIGABRT);
	if (proc >= MMF_NPROCS || !x->pid[proc]) {
		if (err)
			*err = ESRCH;
		return MMF_REFUSED;
	}
	struct lx_cmd c = { op, 0, { a0, a1, a2, a3, a4, a5 } };
	if (write(x->env.req[proc][1], &c, sizeof(c)) != (ssize_t)sizeof(c))
		die_of(SIGKILL);
	await(x, proc);
	if (rep.result) {
		if (err)
			*err = rep.result;
		return MMF_REFUSED;
	}
	return MMF_OK;
}

static enum mmf_result lx_mmap(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
			       uint64_t *out, int *err)
{
	struct lx *x = ctx;
	enum mmf_result r = call(x, proc, T_MMAP, err, local(x, addr), len, prot, flags, (uint64_t)-1, 0);
	*out = r == MMF_OK ? window(x, rep.v[0]) : 0;
	return r;
}

static enum mmf_result lx_munmap(void *ctx, unsigned proc, uint64_t addr, uint64_t len, int *err)
{
	return call(ctx, proc, T_MUNMAP, err, local(ctx, addr), len, 0, 0, 0, 0);
}

static enum mmf_result lx_mprotect(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, int *err)
{
	return call(ctx, proc, T_MPROTECT, err, local(ctx, addr), len, prot, 0, 0, 0);
}

static enum mmf_result give_text(char *buf, size_t cap, size_t *len)
{
	size_t n = rep.len < cap ? rep.len : cap;
	memcpy(buf, text, n);
	*len = n;
	return MMF_OK;
}

static enum mmf_result lx_proc_report(void *ctx, unsigned proc, unsigned kind, char *buf, size_t cap, size_t *len)
{
	int err = 0;
	*len = 0;
	if (kind >= MMF_NR_PROC_REPORTS)
		return MMF_UNSUPPORTED;
	enum mmf_result r = call(ctx, proc, T_REPORT, &err, kind, 0, 0, 0, 0, 0);
	if (r != MMF_OK)
		return err == ESRCH ? MMF_OK : MMF_CORRUPT; /* a process that is not there has empty reports */
	return give_text(buf, cap, len);
}

/* A sequence that sends pages to swap, or turns swap on, holds the
 * machine's swap lock to its end (swap.c). */
static void swap_lock(struct lx *x)
{
	if (x->env.swap && x->swap_lock < 0)
		x->swap_lock = lx_swap_lock();
}

/* A sequence that uses the hugetlb pool holds the machine's lock to its
 * end, and starts from an empty pool, as the model's machine does. */
static int huge_lock(struct lx *x)
{
	if (x->swap_lock < 0)
		x->swap_lock = lx_swap_lock();
	if (!x->huge_reset && lx_huge_reset()) {
		fprintf(stderr, "%s: the hugetlb pool does not empty\n", LX_NAME);
		return -1;
	}
	x->huge_reset = 1;
	return 0;
}

/* The syscall-like ops: the task makes the real call (task.c). */
static enum mmf_result lx_as_call(void *ctx, const struct mmf_as_call *c, char *buf, size_t cap, size_t *len, int *err)
{
	struct lx *x = ctx;
	*len = 0;
	if (c->code == MMF_OP_HUGETLB_POOL || c->code == MMF_OP_MMAP_HUGE) {
		if (!huge_works)
			return MMF_UNSUPPORTED;
		if (start(x))
			die_of(SIGABRT);
		if (huge_lock(x))
			return MMF_CORRUPT;
		if (c->code == MMF_OP_HUGETLB_POOL) {
			*err = lx_huge_pool(c->flags, (unsigned long)(c->len / x->env.page), buf, cap, len);
			return *err ? MMF_REFUSED : MMF_OK;
		}
		enum mmf_result r = call(x, c->proc, T_CALL, err, c->code, local(x, c->addr), c->len, c->flags, 0, 0);
		if (r != MMF_OK)
			return r;
		size_t n = rep.len < cap ? rep.len : cap;
		memcpy(buf, text, n);
		*len = n + lx_huge_counters(buf + n, cap - n);
		return MMF_OK;
	}
	if (c->code == MMF_OP_SWAPON || c->code == MMF_OP_SWAPOFF) { /* the machine's, made here */
		if (!x->env.swap)
			return MMF_UNSUPPORTED;
		if (start(x))
			die_of(SIGABRT);
		swap_lock(x);
		int e = c->code == MMF_OP_SWAPON ? lx_swap_on(c->proc, c->len / x->env.page, c->flags, x->swap_pages)
						 : lx_swap_off(c->proc);
		if (e < 0) {
			fprintf(stderr, "%s: swap file %u: %s\n", LX_NAME, c->proc, strerror(-e));
			return MMF_CORRUPT;
		}
		*err = e;
		if (e)
			return MMF_REFUSED;
		*len = lx_swap_devices(buf, cap);
		return MMF_OK;
	}
	enum mmf_result r = call(x, c->proc, T_CALL, err, c->code, local(x, c->addr), c->len, c->flags, 0, 0);
	if (rep.v[1] && *err != ESRCH)
		return MMF_UNSUPPORTED;
	return r == MMF_OK ? give_text(buf, cap, len) : r;
}

static enum mmf_result lx_mem_access(void *ctx, unsigned proc, uint64_t addr, int write, uint64_t token, int *fault,
				     uint64_t *value, int *err)
{
	enum mmf_result r = call(ctx, proc, T_ACCESS, err, local(ctx, addr), (uint64_t)write, token, 0, 0, 0);
	*fault = r == MMF_OK ? mmf_wire_signal((int)rep.v[0]) : 0; /* as mmfuzz numbers it */
	*value = r == MMF_OK ? rep.v[1] : 0;
	return r;
}

static enum mmf_result lx_fork(void *ctx, unsigned parent, unsigned child, int *err)
{
	struct lx *x = ctx;
	if (start(x))
		die_of(SIGABRT);
	if (parent >= MMF_NPROCS || !x->pid[parent]) {
		*err = ESRCH;
		return MMF_REFUSED;
	}
	if (child >= MMF_NPROCS || x->pid[child]) {
		*err = EEXIST; /* the op names a slot in use */
		return MMF_REFUSED;
	}
	enum mmf_result r = call(x, parent, T_FORK, err, child, 0, 0, 0, 0, 0);
	if (r == MMF_OK)
		x->pid[child] = (pid_t)rep.v[0];
	return r;
}

static enum mmf_result lx_exit(void *ctx, unsigned proc, int *err)
{
	struct lx *x = ctx;
	enum mmf_result r = call(x, proc, T_EXIT, err, 0, 0, 0, 0, 0, 0);
	if (r != MMF_OK)
		return r;
	/* exit_mm() is done once the process is gone (children are reaped
	 * at once): wait for that, so the next op sees its effects */
	for (unsigned i = 0; i < 100000 && !(kill(x->pid[proc], 0) && errno == ESRCH); i++)
		usleep(50);
	x->pid[proc] = 0;
	return MMF_OK;
}

static enum mmf_result lx_madvise(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned advice, int *err)
{
	if (advice == MMF_MADV_PAGEOUT)
		swap_lock(ctx);
	return call(ctx, proc, T_MADVISE, err, local(ctx, addr), len, advice, 0, 0, 0);
}

static enum mmf_result lx_brk(void *ctx, unsigned proc, uint64_t addr, uint64_t *out)
{
	struct lx *x = ctx;
	int err = 0;
	enum mmf_result r = call(x, proc, T_BRK, &err, local(x, addr), 0, 0, 0, 0, 0);
	*out = r == MMF_OK ? window(x, rep.v[0]) : 0;
	return r == MMF_OK || err == ESRCH ? MMF_OK : MMF_CORRUPT;
}

static enum mmf_result lx_mremap(void *ctx, unsigned proc, uint64_t addr, uint64_t old_len, uint64_t new_len,
				 unsigned flags, uint64_t new_addr, uint64_t *out, int *err)
{
	struct lx *x = ctx;
	enum mmf_result r =
		call(x, proc, T_MREMAP, err, local(x, addr), old_len, new_len, flags, local(x, new_addr), 0);
	*out = r == MMF_OK ? window(x, rep.v[0]) : 0;
	return r;
}

#define PM_PRESENT (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)

/* Who maps the frame behind proc's page: its frame from pagemap (root
 * sees frame numbers), its mapcount from /proc/kpagecount, and every
 * task's pages with that frame. "none" for no page or the zero page. */
static enum mmf_result lx_rmap(void *ctx, unsigned proc, uint64_t addr, char *buf, size_t cap, size_t *len)
{
	struct lx *x = ctx;
	int err = 0;
	*len = 0;
	if (call(x, proc, T_PFN, &err, local(x, addr), 0, 0, 0, 0, 0) != MMF_OK) {
		if (err != ESRCH)
			return MMF_CORRUPT;
		rep.v[0] = 0; /* no process: no page */
	}
	uint64_t e = rep.v[0], pfn = e & PM_PFN_MASK, count = 0, flags = 0;
	int fc = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC), ff = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	int ok = (e & PM_PRESENT) && pfn && fc >= 0 && ff >= 0 &&
		 pread(fc, &count, 8, (off_t)(pfn * 8)) == 8 && pread(ff, &flags, 8, (off_t)(pfn * 8)) == 8;
	if (fc >= 0)
		close(fc);
	if (ff >= 0)
		close(ff);
	size_t n = 0;
	if (!(e & PM_PRESENT) || (ok && (flags & (1ull << 24)))) { /* KPF_ZERO_PAGE */
		n = (size_t)snprintf(buf, cap, "none\n");
		*len = n < cap ? n : cap;
		return MMF_OK;
	}
	if (!ok)
		return MMF_CORRUPT; /* no frame numbers: not root, or no such files */
	n = (size_t)snprintf(buf, cap, "mapcount %llu\n", (unsigned long long)count);
	for (unsigned p = 0; p < MMF_NPROCS && n < cap; p++) {
		if (!x->pid[p])
			continue;
		if (call(x, p, T_FIND, &err, pfn, 0, 0, 0, 0, 0) != MMF_OK)
			return MMF_CORRUPT;
		size_t k = rep.len < cap - n ? rep.len : cap - n;
		memcpy(buf + n, text, k);
		n += k;
	}
	*len = n < cap ? n : cap;
	return MMF_OK;
}

static enum mmf_result lx_ftruncate(void *ctx, unsigned file, uint64_t size, int *err)
{
	struct lx *x = ctx;
	if (start(x))
		die_of(SIGABRT);
	if (file >= MMF_NFILES) {
		*err = EBADF;
		return MMF_REFUSED;
	}
	if (ftruncate(x->env.file[file], (off_t)size)) {
		*err = errno;
		return MMF_REFUSED;
	}
	return MMF_OK;
}

static enum mmf_result lx_mmap_file(void *ctx, unsigned proc, uint64_t addr, uint64_t len, unsigned prot,
				    unsigned flags, unsigned file, uint64_t offset, uint64_t *out, int *err)
{
	struct lx *x = ctx;
	if (start(x))
		die_of(SIGABRT);
	if (file >= MMF_NFILES) {
		*err = EBADF;
		return MMF_REFUSED;
	}
	enum mmf_result r = call(x, proc, T_MMAP, err, local(x, addr), len, prot, flags, (uint64_t)x->env.file[file],
				 offset);
	*out = r == MMF_OK ? window(x, rep.v[0]) : 0;
	return r;
}

#ifdef LX_QEMU
#define LX_UNDER_QEMU 1
#else
#define LX_UNDER_QEMU 0
#endif

static const char *const known[] = { LX_KNOWN };
static char probed[1024]; /* the kernel knobs found at start (probe.c) */

static struct mmf_adapter table = {
	.abi_version = MMF_ADAPTER_ABI_VERSION,
	.size = sizeof(struct mmf_adapter),
	.name = LX_NAME,
	.description = LX_DESCRIPTION,
	.caps = MMF_CAP_AS | MMF_CAP_AS_FILE | MMF_CAP_AS_CALL | MMF_CAP_MEM_FILL | (LX_PAGE == 8192 ? MMF_CAP_AS_8K : 0),
	.level = { [MMF_FAM_AS] = MMF_LEVEL_SEMANTIC },
	.create = lx_create,
	.destroy = lx_destroy,
	.mutants = self_tests,
	.nr_mutants = sizeof(self_tests) / sizeof(self_tests[0]),
	.mmap = lx_mmap,
	.munmap = lx_munmap,
	.mprotect = lx_mprotect,
	.proc_report = lx_proc_report,
	.mem_access = lx_mem_access,
	.proc_fork = lx_fork,
	.proc_exit = lx_exit,
	.madvise = lx_madvise,
	.brk = lx_brk,
	.mremap = lx_mremap,
	.rmap = lx_rmap,
	.ftruncate = lx_ftruncate,
	.mmap_file = lx_mmap_file,
	.known = known,
	.kernel = probed,
	.as_call = lx_as_call,
};

/* The heap's anchor. The model's heap starts MMF_AS_START_BRK_PAGE pages into
 * the window, and the kernel starts a program's heap at the end of its last
 * loaded segment: so this page is linked as the last segment, just below
 * that page (CMakeLists.txt: --section-start), task 0 unmaps it, and brk
 * runs in the window with nothing privileged (PR_SET_MM would need
 * CAP_SYS_RESOURCE). Without address randomization, that is: main()
 * re-executes the agent with ADDR_NO_RANDOMIZE, as setarch -R does. The
 * agent is linked dynamically: a static program's start-up puts its TLS
 * block on the heap, where ld.so takes it from mmap; and malloc is told to
 * use only mmap. */
__attribute__((section(".lxbrk"), used, aligned(LX_PAGE))) static char brk_anchor[LX_PAGE] = { 1 };

int main(int argc, char **argv)
{
	(void)argc;
	/* malloc must never move the break: the heap belongs to the ops */
	mallopt(M_MMAP_THRESHOLD, 0);
#ifndef LX_QEMU
	int pers = personality(0xffffffff);
	if (pers != -1 && !(pers & ADDR_NO_RANDOMIZE) && personality((unsigned long)pers | ADDR_NO_RANDOMIZE) != -1) {
		execv("/proc/self/exe", argv);
		/* if that fails, the heap is wherever the kernel put it: brk ops will say so */
	}
#else
	(void)argv;
#endif
	/* mlockall locks the whole process, the agent's own memory too: only
	 * comparable where nothing limits it, and not under QEMU, whose own
	 * mappings (its translation buffer) it would fault in */
	if (lx_probe(probed, sizeof(probed)) && LX_PAGE == 4096 && !LX_UNDER_QEMU)
		table.caps |= MMF_CAP_MLOCKALL;
	/* oom_score_adj: its floor and CAP_SYS_RESOURCE are probed (knob
	 * sys_resource) */
	table.caps |= MMF_CAP_OOM;
	/* swap files where root may make them (swap.c), and how this kernel
	 * writes to them (knobs swap_async, swap_zeromap) */
	char why[256], knobs[128];
	swap_works = lx_swap_probe(why, sizeof(why), knobs, sizeof(knobs));
	static char description[512];
	snprintf(description, sizeof(description), "%s; THP: %s; swap files: %s", LX_DESCRIPTION,
		 lx_thp_why[0] ? lx_thp_why : "off", swap_works ? "yes" : why);
	table.description = description;
	if (swap_works) {
		table.caps |= MMF_CAP_SWAP;
		size_t n = strlen(probed);
		snprintf(probed + n, sizeof(probed) - n, "%s%s", n ? " " : "", knobs);
	}
	/* the machine's hugetlb pool where root may use it (hugetlb.c) */
	char hwhy[256], hknobs[64];
	huge_works = lx_huge_probe(hwhy, sizeof(hwhy), hknobs, sizeof(hknobs));
	size_t dn = strlen(description);
	snprintf(description + dn, sizeof(description) - dn, "; hugetlb pool: %s", huge_works ? "yes" : hwhy);
	if (huge_works) {
		table.caps |= MMF_CAP_HUGETLB;
		size_t n = strlen(probed);
		snprintf(probed + n, sizeof(probed) - n, "%s%s", n ? " " : "", hknobs);
	}
	return mmf_agent_main(&table);
}
