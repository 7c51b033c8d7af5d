/* Specification of locked memory, mincore and msync in the reference, as
 * Linux 6.x has them: each scenario a few calls on process 0, then the
 * window's layout ("a-b perms flags;" in window pages, flags "lo", "lf"
 * from smaps' VmFlags), the residency vector, the errnos. Then each of the
 * new ops' mutants through the scenarios, one of which must notice. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/adapter.h"
#include "reference/as.h"
#include "reference/mm.h"

#include "tests/check_run.h"

#define PG 4096ull
#define AT(p) (MMF_AS_WINDOW_BASE + (uint64_t)(p) * PG)
#define RW 3
#define R 1
#define FIX MMF_MAP_FIXED

static struct mmf_machine mach;

/* One syscall-like op: 0 or -errno; what it reads back in out. */
static int call(struct mmf_machine *m, unsigned proc, unsigned code, unsigned page, unsigned n, unsigned flags,
		char *out, size_t cap)
{
	struct mmf_as_call c = { code, proc, AT(page), n * PG, flags, 0 };
	char buf[8192];
	size_t len;
	int err = 0;
	int r = mmf_as_call(m, &c, out ? out : buf, out ? cap : sizeof(buf), &len, &err);
	return r ? -err : 0;
}
#define OP(m, code, page, n, flags) call(m, 0, MMF_OP_##code, page, n, flags, NULL, 0)

/* A /proc/meminfo line's value in kB. */
static unsigned long meminfo_kb(const struct mmf_machine *m, const char *label)
{
	char buf[4096];
	mmf_report_meminfo(m, buf, sizeof(buf));
	const char *l = strstr(buf, label);
	return l ? strtoul(l + strlen(label), NULL, 10) : ~0ul;
}

static int map(struct mmf_machine *m, unsigned page, unsigned n, unsigned prot, unsigned flags)
{
	uint64_t out;
	int err = 0;
	return mmf_as_mmap(m, 0, AT(page), n * PG, prot, flags, &out, &err) ? -err : 0;
}

/* smaps of process proc as "a-b perms lo lf;" per VMA (only the lock
 * flags), and the sum of its Rss and Locked lines in kB. */
static void layout(struct mmf_machine *m, unsigned proc, char *buf, size_t cap, unsigned *rss, unsigned *locked)
{
	static char raw[1 << 16];
	mmf_as_report_smaps(m, proc, raw, sizeof(raw));
	size_t len = 0;
	buf[0] = 0;
	*rss = *locked = 0;
	for (char *l = raw; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		unsigned long long s, e;
		char perms[5];
		unsigned kb;
		if (sscanf(l, "%llx-%llx %4s", &s, &e, perms) == 3)
			len += (size_t)snprintf(buf + len, cap - len, "%llu-%llu %s", (s - MMF_AS_WINDOW_BASE) / PG,
						(e - MMF_AS_WINDOW_BASE) / PG, perms);
		else if (sscanf(l, "Rss: %u kB", &kb) == 1)
			*rss += kb;
		else if (sscanf(l, "Locked: %u kB", &kb) == 1)
			*locked += kb;
		else if (!strncmp(l, "VmFlags:", 8)) {
			size_t n = strcspn(l, "\n");
			char flags[256];
			snprintf(flags, sizeof(flags), "%.*s ", (int)n, l);
			len += (size_t)snprintf(buf + len, cap - len, "%s%s;", strstr(flags, " lo ") ? " lo" : "",
						strstr(flags, " lf ") ? " lf" : "");
		}
	}
}

#define LAYOUT(m, want, want_rss, want_locked)                                                              \
	do {                                                                                                \
		char got_[1024];                                                                            \
		unsigned rss_, locked_;                                                                     \
		layout(m, 0, got_, sizeof(got_), &rss_, &locked_);                                          \
		REQ_STR(got_, want);                                                               \
		REQ(rss_ == (want_rss) && locked_ == (want_locked), "Rss %u kB, Locked %u kB", rss_, \
			      locked_);                                                                     \
	} while (0)

/* The first unmet expectation of a scenario; it returns at once. */
static char failed[2600];
#define REQ(cond, ...)                                                                                      \
	do {                                                                                                \
		if (!(cond)) {                                                                              \
			int n_ = snprintf(failed, sizeof(failed), "line %d: ", __LINE__);                   \
			snprintf(failed + n_, sizeof(failed) - (size_t)n_, __VA_ARGS__);                    \
			return;                                                                             \
		}                                                                                           \
	} while (0)
#define REQ_EQ(a, b)                                                                                        \
	do {                                                                                                \
		long long a_ = (long long)(a), b_ = (long long)(b);                                         \
		REQ(a_ == b_, "%s is %lld, not %lld", #a, a_, b_);                                          \
	} while (0)
#define REQ_STR(a, b) REQ(!strcmp(a, b), "%s is \"%s\", not \"%s\"", #a, a, b)

static void s_mlock_populates_and_splits(void)
{
	struct mmf_machine *m = &mach;
	char vec[64];
	REQ_EQ(map(m, 0, 4, RW, FIX), 0);
	REQ_EQ(OP(m, MLOCK, 0, 2, 0), 0);
	LAYOUT(m, "0-2 rw-p lo;2-4 rw-p;", 8, 8);
	REQ_EQ(meminfo_kb(m, "Mlocked:"), 8);
	REQ_EQ(meminfo_kb(m, "Unevictable:"), 8);
	REQ_EQ(call(m, 0, MMF_OP_MINCORE, 0, 4, 0, vec, sizeof(vec)), 0);
	REQ_STR(vec, "1100");
	/* munlock: the pages stay, the VMAs are one again */
	REQ_EQ(OP(m, MUNLOCK, 0, 4, 0), 0);
	LAYOUT(m, "0-4 rw-p;", 8, 0);
	REQ_EQ(meminfo_kb(m, "Mlocked:"), 0);
}

static void s_mlock_over_a_hole(void)
{
	struct mmf_machine *m = &mach;
	REQ_EQ(map(m, 0, 2, RW, FIX), 0);
	REQ_EQ(map(m, 3, 2, RW, FIX), 0);
	/* the VMA before the hole is locked, nothing is faulted in */
	REQ_EQ(OP(m, MLOCK, 0, 5, 0), -ENOMEM);
	LAYOUT(m, "0-2 rw-p lo;3-5 rw-p;", 0, 0);
	REQ_EQ(OP(m, MLOCK, 2, 1, 0), -ENOMEM); /* from a hole */
	REQ_EQ(OP(m, MLOCK, 2, 0, 0), 0);       /* nothing to do */
	REQ_EQ(OP(m, MUNLOCK, 0, 5, 0), -ENOMEM);
	LAYOUT(m, "0-2 rw-p;3-5 rw-p;", 0, 0);
}

static void s_mlock_inaccessible_and_past_eof(void)
{
	struct mmf_machine *m = &mach;
	uint64_t out;
	int err;
	/* PROT_NONE: locked, but GUP cannot fault it: ENOMEM (EFAULT inside) */
	REQ_EQ(map(m, 0, 2, 0, FIX), 0);
	REQ_EQ(OP(m, MLOCK, 0, 2, 0), -ENOMEM);
	LAYOUT(m, "0-2 ---p lo;", 0, 0);
	/* a file of 2 pages mapped over 4: the first two faulted in */
	REQ_EQ(mmf_as_ftruncate(m, 0, 2, &err), 0);
	REQ_EQ(mmf_as_mmap_file(m, 0, AT(8), 4 * PG, RW, FIX | MMF_MAP_SHARED, 0, 0, &out, &err), 0);
	REQ_EQ(OP(m, MLOCK, 8, 4, 0), -ENOMEM);
	char vec[16];
	REQ_EQ(call(m, 0, MMF_OP_MINCORE, 8, 4, 0, vec, sizeof(vec)), 0);
	REQ_STR(vec, "1100");
}

static void s_mlock2_onfault(void)
{
	struct mmf_machine *m = &mach;
	REQ_EQ(map(m, 0, 4, R, FIX), 0);
	REQ_EQ(OP(m, MLOCK2, 0, 4, 1), 0);
	LAYOUT(m, "0-4 r--p lo lf;", 0, 0);
	REQ_EQ(OP(m, MLOCK2, 0, 4, 2), -EINVAL);
	/* plain mlock of half: split, and that half faulted in */
	REQ_EQ(OP(m, MLOCK, 0, 2, 0), 0);
	LAYOUT(m, "0-2 r--p lo;2-4 r--p lo lf;", m->k.zero_page ? 0 : 8, m->k.zero_page ? 0 : 8);
	/* a kernel whose smaps has no mnemonic for VM_LOCKONFAULT */
	m->k.vmflag_lf = 0;
	LAYOUT(m, "0-2 r--p lo;2-4 r--p lo;", m->k.zero_page ? 0 : 8, m->k.zero_page ? 0 : 8);
}

static void s_rlimit_memlock(void)
{
	struct mmf_machine *m = &mach;
	m->k.memlock_kb = 8; /* two pages */
	REQ_EQ(map(m, 0, 8, RW, FIX), 0);
	REQ_EQ(OP(m, MLOCK, 0, 3, 0), -ENOMEM);
	REQ_EQ(OP(m, MLOCK, 0, 2, 0), 0);
	/* locking again what is locked counts once: 2 + 2 - 2 */
	REQ_EQ(OP(m, MLOCK, 0, 2, 0), 0);
	/* 3 + 2 - 2 (count_mm_mlocked_page_nr) is still past the limit */
	REQ_EQ(OP(m, MLOCK, 0, 3, 0), -ENOMEM);
	m->k.memlock_kb = 0;
	REQ_EQ(OP(m, MLOCK, 4, 1, 0), -EPERM);
}

static void s_mlockall(void)
{
	struct mmf_machine *m = &mach;
	REQ_EQ(OP(m, MLOCKALL, 0, 0, 0), -EINVAL);
	REQ_EQ(OP(m, MLOCKALL, 0, 0, 4), -EINVAL); /* MCL_ONFAULT alone */
	REQ_EQ(OP(m, MLOCKALL, 0, 0, 8 | 1), -EINVAL);
	REQ_EQ(map(m, 0, 2, RW, FIX), 0);
	REQ_EQ(OP(m, MLOCKALL, 0, 0, 1), 0); /* MCL_CURRENT */
	LAYOUT(m, "0-2 rw-p lo;", 8, 8);
	REQ_EQ(OP(m, MUNLOCKALL, 0, 0, 0), 0);
	LAYOUT(m, "0-2 rw-p;", 8, 0);
	/* MCL_FUTURE alone: the current VMAs as they are, later ones locked
	 * and faulted in, and they merge with nothing unlocked */
	REQ_EQ(OP(m, MLOCKALL, 0, 0, 2), 0);
	REQ_EQ(map(m, 2, 2, RW, FIX), 0);
	LAYOUT(m, "0-2 rw-p;2-4 rw-p lo;", 16, 8);
	/* the limit now says EAGAIN for a mapping */
	m->k.memlock_kb = 8;
	REQ_EQ(map(m, 8, 1, RW, FIX), -EAGAIN);
	REQ_EQ(OP(m, MUNLOCKALL, 0, 0, 0), 0);
	REQ_EQ(map(m, 8, 1, RW, FIX), 0);
	/* unlocked, but each has an anon_vma of its own: no merge */
	LAYOUT(m, "0-2 rw-p;2-4 rw-p;8-9 rw-p;", 16, 0);
}

static void s_fork_starts_unlocked(void)
{
	struct mmf_machine *m = &mach;
	int err;
	char got[256], msg[200];
	unsigned rss, locked;
	REQ_EQ(map(m, 0, 2, RW, FIX), 0);
	REQ_EQ(map(m, 2, 2, RW, FIX), 0);
	REQ_EQ(OP(m, MLOCK, 0, 2, 0), 0);
	REQ_EQ(mmf_as_fork(m, 0, 1, &err), 0);
	/* the child's copies lose the lock and stay two VMAs, as dup_mmap()
	 * merges nothing; the walker accepts that */
	layout(m, 1, got, sizeof(got), &rss, &locked);
	REQ_STR(got, "0-2 rw-p;2-4 rw-p;");
	REQ_EQ(locked, 0);
	REQ_EQ(mmf_as_vma_is_valid(m, msg, sizeof(msg)), 0);
}

static void s_madvise_on_locked(void)
{
	struct mmf_machine *m = &mach;
	int err = 0;
	REQ_EQ(map(m, 0, 2, RW, FIX), 0);
	REQ_EQ(OP(m, MLOCK, 0, 2, 0), 0);
	static const unsigned refused[] = { MMF_MADV_DONTNEED, MMF_MADV_FREE, MMF_MADV_COLD, MMF_MADV_PAGEOUT };
	for (unsigned i = 0; i < 4; i++) {
		REQ_EQ(mmf_as_madvise(m, 0, AT(0), 2 * PG, refused[i], &err), -1);
		REQ_EQ(err, EINVAL);
	}
	REQ_EQ(mmf_as_madvise(m, 0, AT(0), 2 * PG, MMF_MADV_DONTNEED_LOCKED, &err), 0);
	LAYOUT(m, "0-2 rw-p lo;", 0, 0);
}

static void s_mprotect_writable_breaks_cow(void)
{
	struct mmf_machine *m = &mach;
	int err;
	m->k.zero_page = 1;
	REQ_EQ(map(m, 0, 2, R, FIX), 0);
	REQ_EQ(OP(m, MLOCK, 0, 2, 0), 0);
	LAYOUT(m, "0-2 r--p lo;", 0, 0); /* zero pages: no Rss */
	REQ_EQ(mmf_as_mprotect(m, 0, AT(0), 2 * PG, RW, &err), 0);
	LAYOUT(m, "0-2 rw-p lo;", 8, 8); /* pages of their own now */
}

static void s_mincore_page_cache(void)
{
	struct mmf_machine *m = &mach;
	int err, fault;
	uint64_t out, v;
	char vec[16];
	REQ_EQ(mmf_as_ftruncate(m, 0, 4, &err), 0);
	REQ_EQ(mmf_as_mmap_file(m, 0, AT(0), 4 * PG, RW, FIX | MMF_MAP_SHARED, 0, 0, &out, &err), 0);
	REQ_EQ(mmf_as_mmap_file(m, 0, AT(8), 4 * PG, R, FIX, 0, 0, &out, &err), 0);
	REQ_EQ(mmf_as_access(m, 0, AT(1), MMF_ACCESS_WRITE, 5, &fault, &v, &err), 0);
	/* the private mapping has no pte there, but the page cache has it */
	REQ_EQ(call(m, 0, MMF_OP_MINCORE, 8, 4, 0, vec, sizeof(vec)), 0);
	REQ_STR(vec, "0100");
	REQ_EQ(call(m, 0, MMF_OP_MINCORE, 0, 12, 0, vec, sizeof(vec)), -ENOMEM); /* a hole */
	REQ_EQ(call(m, 0, MMF_OP_MINCORE, 4, 1, 0, vec, sizeof(vec)), -ENOMEM);
}

/* populate_vma_page_range() drains the LRU batches after each VMA
 * (lru_add_drain(), mlock_drain_local() with it): a page cache page that
 * mlockall populates through two VMAs is unevictable by the second touch,
 * which leaves it referenced. Undrained, the second touch would queue its
 * activation and clear the bit; Linux 6.18's smaps then shows the page
 * Referenced in a child forked after, and the model did not. */
static void s_mlockall_drains_per_vma(void)
{
	struct mmf_machine *m = &mach;
	int err;
	uint64_t out;
	REQ_EQ(mmf_as_ftruncate(m, 0, 1, &err), 0);
	REQ_EQ(mmf_as_mmap_file(m, 0, AT(0), PG, R, FIX, 0, 0, &out, &err), 0);
	REQ_EQ(mmf_as_mmap_file(m, 0, AT(4), PG, R, FIX, 0, 0, &out, &err), 0);
	REQ_EQ(OP(m, MLOCKALL, 0, 0, 1), 0); /* MCL_CURRENT */
	const uint64_t *pte = mmf_pte_lookup(m, mmf_as_mm(m, 0), AT(4), 0);
	REQ_EQ(pte && (*pte & PTE_PRESENT), 1);
	if (!pte)
		return;
	uint32_t flags = pfn_to_page(m, pte_pfn(*pte))->flags;
	REQ_EQ(!!(flags & PG_unevictable), 1);
	REQ_EQ(!!(flags & PG_referenced), 1);
}

/* mremap's copy_vma() merges a moved VMA as the VMA it was copied from
 * (vmg->copied_from, Linux 6.18): one whose anon_vma a fork cloned joins
 * no neighbour without an anon_vma. Page 14's VMA gets its anon_vma from
 * mlock's write fault past the end of the file (do_cow_fault() prepares
 * it before ->fault says SIGBUS); the child moves both VMAs side by side,
 * and they stay apart, so the page that mlock later faults into the first
 * is not copied by the next fork (the model merged them and copied it). */
static void s_mremap_keeps_forked_anon_apart(void)
{
	struct mmf_machine *m = &mach;
	int err;
	uint64_t out;
	REQ_EQ(mmf_as_mmap_file(m, 0, AT(13), 2 * PG, 2 /* PROT_WRITE */, FIX, 0, 0, &out, &err), 0);
	REQ_EQ(call(m, 0, MMF_OP_MLOCK, 14, 1, 0, NULL, 0), -ENOMEM);
	REQ_EQ(mmf_as_fork(m, 0, 4, &err), 0);
	REQ_EQ(mmf_as_mremap(m, 4, AT(13), 7 * PG, 7 * PG, MMF_MREMAP_MAYMOVE | MMF_MREMAP_FIXED, AT(22), &out, &err), 0);
	REQ_EQ(mmf_as_ftruncate(m, 0, 1, &err), 0);
	REQ_EQ(mmf_as_mprotect(m, 4, AT(22), PG, R, &err), 0);
	REQ_EQ(call(m, 4, MMF_OP_MLOCK, 22, 1, 0, NULL, 0), 0);
	REQ_EQ(mmf_as_fork(m, 4, 7, &err), 0);
	static char raw[1 << 16];
	mmf_as_report_smaps(m, 7, raw, sizeof(raw));
	unsigned rss = 0, kb, vmas = 0;
	for (char *l = raw; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		unsigned long long a, b;
		if (sscanf(l, "Rss: %u kB", &kb) == 1)
			rss += kb;
		else if (sscanf(l, "%llx-%llx", &a, &b) == 2)
			vmas++;
	}
	REQ_EQ(vmas, 2);
	REQ_EQ(rss, 0);
}

static void s_msync(void)
{
	struct mmf_machine *m = &mach;
	enum { ASYNC = 1, INVALIDATE = 2, SYNC = 4 };
	REQ_EQ(map(m, 0, 2, RW, FIX), 0);
	REQ_EQ(map(m, 3, 2, RW, FIX), 0);
	REQ_EQ(OP(m, MSYNC, 0, 2, SYNC), 0);
	REQ_EQ(OP(m, MSYNC, 0, 2, 8), -EINVAL);
	REQ_EQ(OP(m, MSYNC, 0, 2, ASYNC | SYNC), -EINVAL);
	REQ_EQ(OP(m, MSYNC, 0, 5, ASYNC), -ENOMEM);
	REQ_EQ(OP(m, MSYNC, 0, 5, SYNC), -ENOMEM);
	REQ_EQ(OP(m, MSYNC, 2, 0, SYNC), 0); /* nothing asked */
	REQ_EQ(OP(m, MLOCK, 3, 2, 0), 0);
	REQ_EQ(OP(m, MSYNC, 3, 2, INVALIDATE), -EBUSY);
	REQ_EQ(OP(m, MSYNC, 0, 2, INVALIDATE), 0);
}

static const struct {
	const char *name;
	void (*run)(void);
} scenarios[] = {
	{ "mlock_populates_and_splits", s_mlock_populates_and_splits },
	{ "mlock_over_a_hole", s_mlock_over_a_hole },
	{ "mlock_inaccessible_and_past_eof", s_mlock_inaccessible_and_past_eof },
	{ "mlock2_onfault", s_mlock2_onfault },
	{ "rlimit_memlock", s_rlimit_memlock },
	{ "mlockall", s_mlockall },
	{ "fork_starts_unlocked", s_fork_starts_unlocked },
	{ "madvise_on_locked", s_madvise_on_locked },
	{ "mprotect_writable_breaks_cow", s_mprotect_writable_breaks_cow },
	{ "mincore_page_cache", s_mincore_page_cache },
	{ "msync", s_msync },
	{ "mlockall_drains_per_vma", s_mlockall_drains_per_vma },
	{ "mremap_keeps_forked_anon_apart", s_mremap_keeps_forked_anon_apart },
};
#define NR_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* Runs scenario i on a fresh machine with mutant mut: "" or what failed. */
static const char *run(unsigned i, enum mmf_mutant mut)
{
	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_get(0), mut), 0);
	mach.k.memlock_kb = MMF_MEMLOCK_UNLIMITED;
	failed[0] = 0;
	scenarios[i].run();
	char msg[200];
	if (!failed[0] && mmf_as_vma_is_valid(&mach, msg, sizeof(msg)))
		snprintf(failed, sizeof(failed), "walker: %s", msg);
	mmf_machine_fini(&mach);
	return failed;
}

START_TEST(t_scenario)
{
	const char *f = run((unsigned)_i, MMF_MUT_NONE);
	ck_assert_msg(!f[0], "%s: %s", scenarios[_i].name, f);
}
END_TEST

/* Each new mutant: some scenario must notice it. */
static const enum mmf_mutant mutants[] = {
	MMF_MUT_MLOCK_NO_POPULATE, MMF_MUT_MUNLOCK_KEEPS_LOCKED, MMF_MUT_MLOCK_HOLE_IGNORED,
	MMF_MUT_FORK_KEEPS_MLOCK,  MMF_MUT_MINCORE_ANON_ONLY,	 MMF_MUT_MSYNC_INVALIDATES_LOCKED,
};

START_TEST(t_mutant_noticed)
{
	enum mmf_mutant mut = mutants[_i];
	const char *by = NULL;
	for (unsigned i = 0; i < NR_SCENARIOS && !by; i++)
		if (run(i, mut)[0])
			by = scenarios[i].name;
	ck_assert_msg(by, "mutant %s passes every scenario", mmf_reference_mutants[mut - 1].name);
	printf("mutant %-26s noticed by %s: %s\n", mmf_reference_mutants[mut - 1].name, by, failed);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mlock");
	TCase *tc = tcase_create("scenarios");
	tcase_add_loop_test(tc, t_scenario, 0, NR_SCENARIOS);
	suite_add_tcase(s, tc);
	tc = tcase_create("mutants");
	tcase_add_loop_test(tc, t_mutant_noticed, 0, sizeof(mutants) / sizeof(mutants[0]));
	suite_add_tcase(s, tc);
	return mmf_check_run(s, 0);
}
