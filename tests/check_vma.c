/* Specification of the reference VMAs: mmap/munmap/mprotect splits, merges,
 * placement and errnos as Linux 6.x has them, scenario by scenario, each
 * ending in the expected /proc/PID/maps (addresses as window page numbers,
 * "P+a-b rw-p" meaning pages a to b of the window); then /proc/PID/maps's
 * layout against this machine's own; then each VMA mutant through the
 * scenarios, one of which must notice. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmfuzz/adapter.h"
#include "reference/as.h"
#include "reference/mm.h"
#include "reference/vmalloc.h"

#include "adapters/linux/task.h"
#include "tests/check_probe.h"
#include "tests/check_run.h"

#define PG 4096ull
#define AT(p) (MMF_AS_WINDOW_BASE + (uint64_t)(p) * PG)
#define R 1
#define W 2
#define X 4
#define RW (R | W)


/* maps of process 0 as "a-b perms;" with window page numbers. */
static void layout(struct mmf_machine *m, char *buf, size_t cap)
{
	char raw[8192];
	mmf_as_report_maps(m, 0, raw, sizeof(raw));
	size_t len = 0;
	buf[0] = 0;
	for (char *l = raw; *l;) {
		unsigned long long s, e;
		char perms[5];
		if (sscanf(l, "%llx-%llx %4s", &s, &e, perms) != 3)
			break;
		len += (size_t)snprintf(buf + len, cap - len, "%llu-%llu %s;", (s - MMF_AS_WINDOW_BASE) / PG,
					(e - MMF_AS_WINDOW_BASE) / PG, perms);
		l += strcspn(l, "\n");
		if (*l)
			l++;
	}
}

static int mm_map(struct mmf_machine *m, unsigned page, unsigned n, unsigned prot, unsigned flags, uint64_t *at)
{
	int err = 0;
	uint64_t out;
	if (mmf_as_mmap(m, 0, AT(page), n * PG, prot, flags, &out, &err))
		return -err;
	if (at)
		*at = out;
	return 0;
}

static int mm_unmap(struct mmf_machine *m, unsigned page, unsigned n)
{
	int err = 0;
	return mmf_as_munmap(m, 0, AT(page), n * PG, &err) ? -err : 0;
}

static int mm_prot(struct mmf_machine *m, unsigned page, unsigned n, unsigned prot)
{
	int err = 0;
	return mmf_as_mprotect(m, 0, AT(page), n * PG, prot, &err) ? -err : 0;
}

#define FIX MMF_MAP_FIXED
#define LAYOUT(p, m, want)                                                            \
	do {                                                                          \
		char got_[2048];                                                      \
		layout(m, got_, sizeof(got_));                                        \
		EXPECT(p, strcmp(got_, want) == 0, "layout \"%.250s\", expected \"%.250s\"", got_, want); \
	} while (0)

static void s_merge_new(struct mmf_machine *m, struct probe *p)
{
	EXPECT(p, mm_map(m, 0, 2, RW, FIX, NULL) == 0 && mm_map(m, 4, 2, RW, FIX, NULL) == 0, "mmap failed");
	LAYOUT(p, m, "0-2 rw-p;4-6 rw-p;");
	/* The gap filled: prev and next both join (a three-way merge). */
	EXPECT(p, mm_map(m, 2, 2, RW, FIX, NULL) == 0, "mmap failed");
	LAYOUT(p, m, "0-6 rw-p;");
	/* Other permissions do not merge. */
	EXPECT(p, mm_map(m, 6, 1, R, FIX, NULL) == 0, "mmap failed");
	LAYOUT(p, m, "0-6 rw-p;6-7 r--p;");
out:;
}

static void s_mprotect_split_merge(struct mmf_machine *m, struct probe *p)
{
	EXPECT(p, mm_map(m, 0, 8, RW, FIX, NULL) == 0, "mmap failed");
	EXPECT(p, mm_prot(m, 2, 2, R) == 0, "mprotect failed");
	LAYOUT(p, m, "0-2 rw-p;2-4 r--p;4-8 rw-p;");
	/* Back to rw: the three pieces are one again. */
	EXPECT(p, mm_prot(m, 2, 2, RW) == 0, "mprotect failed");
	LAYOUT(p, m, "0-8 rw-p;");
	/* A range at the start merges into prev's permissions: prev grows. */
	EXPECT(p, mm_prot(m, 0, 3, R) == 0 && mm_prot(m, 3, 2, R) == 0, "mprotect failed");
	LAYOUT(p, m, "0-5 r--p;5-8 rw-p;");
	/* ...and at the end into next's: next grows down. */
	EXPECT(p, mm_prot(m, 4, 1, RW) == 0, "mprotect failed");
	LAYOUT(p, m, "0-4 r--p;4-8 rw-p;");
	EXPECT(p, mm_prot(m, 0, 0, 0) == 0, "mprotect of length 0 is 0");
out:;
}

static void s_mprotect_holes(struct mmf_machine *m, struct probe *p)
{
	EXPECT(p, mm_map(m, 0, 2, RW, FIX, NULL) == 0 && mm_map(m, 3, 2, RW, FIX, NULL) == 0, "mmap failed");
	/* Over a hole: ENOMEM, and the part before the hole stays changed. */
	EXPECT(p, mm_prot(m, 0, 5, R) == -ENOMEM, "mprotect over a hole: %d", mm_prot(m, 0, 5, R));
	LAYOUT(p, m, "0-2 r--p;3-5 rw-p;");
	/* Starting in a hole: ENOMEM, nothing changed. */
	EXPECT(p, mm_prot(m, 2, 3, X) == -ENOMEM, "mprotect from a hole succeeded");
	LAYOUT(p, m, "0-2 r--p;3-5 rw-p;");
	EXPECT(p, mm_prot(m, 10, 1, R) == -ENOMEM, "mprotect of nothing succeeded");
out:;
}

static void s_munmap(struct mmf_machine *m, struct probe *p)
{
	EXPECT(p, mm_map(m, 0, 8, RW, FIX, NULL) == 0, "mmap failed");
	EXPECT(p, mm_unmap(m, 3, 2) == 0, "munmap failed");
	LAYOUT(p, m, "0-3 rw-p;5-8 rw-p;");
	/* Holes are fine; several VMAs go at once. */
	EXPECT(p, mm_map(m, 10, 2, R, FIX, NULL) == 0 && mm_unmap(m, 2, 20) == 0, "munmap over holes failed");
	LAYOUT(p, m, "0-2 rw-p;");
	EXPECT(p, mm_unmap(m, 0, 0) == -EINVAL && mm_map(m, 0, 0, RW, FIX, NULL) == -EINVAL, "length 0 accepted");
out:;
}

static void s_fixed_and_noreplace(struct mmf_machine *m, struct probe *p)
{
	EXPECT(p, mm_map(m, 0, 4, RW, FIX, NULL) == 0, "mmap failed");
	EXPECT(p, mm_map(m, 2, 4, RW, MMF_MAP_FIXED_NOREPLACE, NULL) == -EEXIST, "NOREPLACE over a mapping");
	LAYOUT(p, m, "0-4 rw-p;");
	EXPECT(p, mm_map(m, 4, 2, RW, MMF_MAP_FIXED_NOREPLACE, NULL) == 0, "NOREPLACE on free pages failed");
	LAYOUT(p, m, "0-6 rw-p;");
	/* MAP_FIXED replaces whatever is there. */
	EXPECT(p, mm_map(m, 1, 2, R, FIX, NULL) == 0, "MAP_FIXED failed");
	LAYOUT(p, m, "0-1 rw-p;1-3 r--p;3-6 rw-p;");
out:;
}

static void s_placement(struct mmf_machine *m, struct probe *p)
{
	uint64_t at = 0;
	/* No address: the top of the window, then the next gap down. */
	EXPECT(p, mm_map(m, 0, 4, RW, 0, &at) == 0 && at == AT(MMF_AS_WINDOW_PAGES - 4), "top-down at %#llx",
	       (unsigned long long)at);
	EXPECT(p, mm_map(m, 0, 4, R, 0, &at) == 0 && at == AT(MMF_AS_WINDOW_PAGES - 8), "second at %#llx",
	       (unsigned long long)at);
	/* A free hint is taken; a taken one falls back to the search. */
	EXPECT(p, mm_map(m, 100, 2, RW, MMF_MAP_HINT, &at) == 0 && at == AT(100), "free hint: %#llx", (unsigned long long)at);
	EXPECT(p, mm_map(m, 101, 2, RW, MMF_MAP_HINT, &at) == 0 && at == AT(MMF_AS_WINDOW_PAGES - 10),
	       "taken hint: %#llx", (unsigned long long)at);
	/* A gap below the top one is found when the top is full. */
	EXPECT(p, mm_unmap(m, MMF_AS_WINDOW_PAGES - 8, 4) == 0, "munmap failed");
	EXPECT(p, mm_map(m, 0, 3, R, 0, &at) == 0 && at == AT(MMF_AS_WINDOW_PAGES - 7), "into the gap: %#llx",
	       (unsigned long long)at);
	EXPECT(p, mm_map(m, 0, MMF_AS_WINDOW_PAGES, R, 0, &at) == -ENOMEM, "a window-sized mapping fitted");
out:;
}

static void s_accounting(struct mmf_machine *m, struct probe *p)
{
	/* MAP_NORESERVE memory is not VM_ACCOUNT: no merge with charged memory. */
	EXPECT(p, mm_map(m, 0, 2, RW, FIX, NULL) == 0 && mm_map(m, 2, 2, RW, FIX | MMF_MAP_NORESERVE, NULL) == 0,
	       "mmap failed");
	LAYOUT(p, m, "0-2 rw-p;2-4 rw-p;");
	/* A never-faulted private mapping that stops being writable gives its
	 * charge back (Linux 6.5+), and then matches a read-only neighbour. */
	EXPECT(p, mm_map(m, 10, 2, R, FIX, NULL) == 0 && mm_map(m, 12, 2, RW, FIX, NULL) == 0, "mmap failed");
	LAYOUT(p, m, "0-2 rw-p;2-4 rw-p;10-12 r--p;12-14 rw-p;");
	EXPECT(p, mm_prot(m, 12, 2, R) == 0, "mprotect failed");
	LAYOUT(p, m, "0-2 rw-p;2-4 rw-p;10-14 r--p;");
	struct mmf_mm *mm = mmf_as_mm(m, 0);
	EXPECT(p, mm->committed == 2 && mm->total_vm == 8, "committed %llu total_vm %llu",
	       (unsigned long long)mm->committed, (unsigned long long)mm->total_vm);
	/* An mprotect that changes no flag changes nothing, the charge
	 * included: mprotect_fixup() returns before its accounting. A
	 * WIPEONFORK child has the parent's read-only, charged VMA without an
	 * anon_vma; mprotect(PROT_READ) there keeps VM_ACCOUNT ("ac"). */
	int err = 0, fault = 0;
	uint64_t val;
	EXPECT(p, mm_map(m, 20, 2, RW, FIX, NULL) == 0 && mmf_as_access(m, 0, AT(20), 1, 3, &fault, &val, &err) == 0 &&
		       !fault && mm_prot(m, 20, 2, R) == 0,
	       "map, write, mprotect failed");
	EXPECT(p, mmf_as_madvise(m, 0, AT(20), 2 * PG, MMF_MADV_WIPEONFORK, &err) == 0 && mmf_as_fork(m, 0, 1, &err) == 0,
	       "madvise or fork failed");
	struct mmf_mm *child = mmf_as_mm(m, 1);
	uint64_t before = child->committed;
	EXPECT(p, mmf_as_mprotect(m, 1, AT(20), 2 * PG, R, &err) == 0, "child mprotect failed");
	EXPECT(p, child->committed == before, "the child's charge went from %llu to %llu", (unsigned long long)before,
	       (unsigned long long)child->committed);
	const struct mmf_vma *cv = mmf_vma_find(child, AT(20));
	EXPECT(p, cv && (cv->flags & VM_ACCOUNT), "the child's VMA lost VM_ACCOUNT");
out:;
}

static void s_shared(struct mmf_machine *m, struct probe *p)
{
	/* Shared anonymous memory is a shmem file of its own: never merged. */
	EXPECT(p, mm_map(m, 0, 2, RW, FIX | MMF_MAP_SHARED, NULL) == 0 &&
		       mm_map(m, 2, 2, RW, FIX | MMF_MAP_SHARED, NULL) == 0,
	       "mmap failed");
	LAYOUT(p, m, "0-2 rw-s;2-4 rw-s;");
	/* Splitting one keeps the offset into its file. */
	EXPECT(p, mm_unmap(m, 0, 1) == 0, "munmap failed");
	char raw[1024];
	mmf_as_report_maps(m, 0, raw, sizeof(raw));
	EXPECT(p, strstr(raw, "rw-s 00001000 00:01 1 ") != NULL, "maps after the split:\n%.400s", raw);
out:;
}

/* One access by a process; returns the fault (0, SIGSEGV, SIGBUS) or -errno. */
static int acc_p(struct mmf_machine *m, unsigned proc, unsigned page, int write, uint64_t token, uint64_t *value)
{
	int fault = 0, err = 0;
	uint64_t v = 0;
	if (mmf_as_access(m, proc, AT(page), write, token, &fault, &v, &err))
		return -err;
	if (value)
		*value = v;
	return fault;
}

static int acc(struct mmf_machine *m, unsigned page, int write, uint64_t token, uint64_t *value)
{
	return acc_p(m, 0, page, write, token, value);
}

/* Writes XOR into the page: the value read is what was there before,
 * changed by the write. fork shares private pages copy-on-write and shared
 * ones for real; exit gives everything back. */
static void s_fork_cow(struct mmf_machine *m, struct probe *p)
{
	uint64_t v = 0;
	int err = 0;
	EXPECT(p, mm_map(m, 0, 2, RW, FIX, NULL) == 0 && mm_map(m, 4, 1, RW, FIX | MMF_MAP_SHARED, NULL) == 0,
	       "mmap failed");
	EXPECT(p, acc(m, 0, 1, 0x10, NULL) == 0 && acc(m, 4, 1, 0x20, NULL) == 0, "writes failed");
	uint32_t tables = m->nr_pagetables;
	EXPECT(p, mmf_as_fork(m, 0, 1, &err) == 0, "fork failed: %d", err);
	EXPECT(p, mmf_as_fork(m, 0, 1, &err) == -1 && err == EEXIST, "fork into a used slot");
	EXPECT(p, acc_p(m, 1, 0, 0, 0, &v) == 0 && v == 0x10, "child reads %#llx", (unsigned long long)v);
	/* Both map the page: rmap finds both. */
	char rm[256], want[256];
	mmf_as_report_rmap(m, 1, AT(0), rm, sizeof(rm));
	snprintf(want, sizeof(want), "mapcount 2\n0 %llx\n1 %llx\n", (unsigned long long)AT(0), (unsigned long long)AT(0));
	EXPECT(p, strcmp(rm, want) == 0, "rmap after fork: %.200s", rm);
	/* The child's write breaks COW with a copy that keeps the old contents. */
	EXPECT(p, acc_p(m, 1, 0, 1, 0x01, NULL) == 0 && acc_p(m, 1, 0, 0, 0, &v) == 0 && v == 0x11,
	       "child after its write reads %#llx", (unsigned long long)v);
	EXPECT(p, acc(m, 0, 0, 0, &v) == 0 && v == 0x10, "parent sees the child's write: %#llx", (unsigned long long)v);
	mmf_as_report_rmap(m, 0, AT(0), rm, sizeof(rm));
	snprintf(want, sizeof(want), "mapcount 1\n0 %llx\n", (unsigned long long)AT(0));
	EXPECT(p, strcmp(rm, want) == 0, "rmap after the child's copy: %.200s", rm);
	mmf_as_report_rmap(m, 0, AT(3), rm, sizeof(rm));
	EXPECT(p, strcmp(rm, "none\n") == 0, "rmap of an unmapped page: %.200s", rm);
	EXPECT(p, acc(m, 0, 1, 0x02, NULL) == 0 && acc(m, 0, 0, 0, &v) == 0 && v == 0x12, "parent after its write: %#llx",
	       (unsigned long long)v);
	/* Shared memory is shared. */
	EXPECT(p, acc_p(m, 1, 4, 1, 0x03, NULL) == 0 && acc(m, 4, 0, 0, &v) == 0 && v == 0x23,
	       "shared page in the parent: %#llx", (unsigned long long)v);
	EXPECT(p, m->nr_anon == 3, "%u user pages (two copies of page 0, one shmem page)", m->nr_anon);
	EXPECT(p, mmf_as_exit(m, 1, &err) == 0 && m->nr_anon == 2 && m->nr_pagetables == tables,
	       "after exit: %u user pages, %u tables (parent alone has %u)", m->nr_anon, m->nr_pagetables, tables);
	EXPECT(p, acc_p(m, 1, 0, 0, 0, NULL) == -ESRCH, "an exited process answered");
out:;
}

static void s_faults_anon(struct mmf_machine *m, struct probe *p)
{
	uint64_t v = 1;
	EXPECT(p, acc(m, 0, 0, 0, NULL) == SIGSEGV, "read of nothing did not fault");
	EXPECT(p, mm_map(m, 0, 4, RW, FIX, NULL) == 0, "mmap failed");
	uint32_t free0 = m->zones[0].nr_free_pages;
	/* A read maps the zero page: 0, and no page of its own. */
	EXPECT(p, acc(m, 1, 0, 0, &v) == 0 && v == 0 && m->nr_anon == 0, "read: %llu, %u user pages", (unsigned long long)v,
	       m->nr_anon);
	/* Then a write: a page of its own, which reads back. */
	EXPECT(p, acc(m, 1, 1, 77, NULL) == 0 && acc(m, 1, 0, 0, &v) == 0 && v == 77 && m->nr_anon == 1,
	       "write then read: %llu, %u user pages", (unsigned long long)v, m->nr_anon);
	EXPECT(p, acc(m, 2, 1, 78, NULL) == 0 && acc(m, 3, 1, 79, NULL) == 0 && m->nr_anon == 3, "more pages");
	/* 4 levels: pud, pmd and pte tables below the pgd. */
	EXPECT(p, m->nr_pagetables == 3, "%u page-table pages", m->nr_pagetables);
	EXPECT(p, m->zones[0].nr_free_pages + m->zones[0].pcp[0].count < free0, "no frames taken");
	/* munmap gives the pages and, with nothing left nearby, the tables back. */
	EXPECT(p, mm_unmap(m, 0, 4) == 0 && m->nr_anon == 0 && m->nr_pagetables == 0,
	       "after munmap: %u user pages, %u tables", m->nr_anon, m->nr_pagetables);
	EXPECT(p, acc(m, 1, 0, 0, NULL) == SIGSEGV, "read after munmap did not fault");
out:;
}

static void s_faults_prot(struct mmf_machine *m, struct probe *p)
{
	uint64_t v = 0;
	EXPECT(p, mm_map(m, 0, 2, RW, FIX, NULL) == 0 && acc(m, 0, 1, 5, NULL) == 0, "mmap or write failed");
	EXPECT(p, mm_prot(m, 0, 2, R) == 0, "mprotect failed");
	EXPECT(p, acc(m, 0, 1, 6, NULL) == SIGSEGV && acc(m, 0, 0, 0, &v) == 0 && v == 5,
	       "read-only: write did not fault or the value changed (%llu)", (unsigned long long)v);
	EXPECT(p, mm_prot(m, 0, 2, 0) == 0 && acc(m, 0, 0, 0, NULL) == SIGSEGV, "PROT_NONE read did not fault");
	EXPECT(p, mm_prot(m, 0, 2, RW) == 0 && acc(m, 0, 0, 0, &v) == 0 && v == 5, "value lost across PROT_NONE: %llu",
	       (unsigned long long)v);
	EXPECT(p, acc(m, 0, 1, 7, NULL) == 0 && acc(m, 0, 0, 0, &v) == 0 && v == (5 ^ 7), "write after PROT_WRITE again");
	/* Write-only is readable on x86. */
	EXPECT(p, mm_map(m, 4, 1, W, FIX, NULL) == 0 && acc(m, 4, 0, 0, NULL) == 0, "write-only page not readable");
out:;
}

static void s_shmem(struct mmf_machine *m, struct probe *p)
{
	uint64_t v = 0;
	EXPECT(p, mm_map(m, 0, 4, RW, FIX | MMF_MAP_SHARED, NULL) == 0, "mmap failed");
	/* shmem allocates on a read fault too: its page cache. */
	EXPECT(p, acc(m, 2, 0, 0, &v) == 0 && v == 0 && m->nr_anon == 1, "shmem read: %u pages", m->nr_anon);
	EXPECT(p, acc(m, 2, 1, 9, NULL) == 0 && acc(m, 2, 0, 0, &v) == 0 && v == 9, "shmem write/read");
	/* Unmapping one page keeps the object (the rest still maps it)... */
	EXPECT(p, mm_unmap(m, 2, 1) == 0 && m->nr_anon == 1, "object gone too early: %u pages", m->nr_anon);
	/* ...and mapping the rest away frees it. */
	EXPECT(p, mm_unmap(m, 0, 4) == 0 && m->nr_anon == 0, "object kept: %u pages", m->nr_anon);
out:;
}

static int mm_advise(struct mmf_machine *m, unsigned page, unsigned n, unsigned advice)
{
	int err = 0;
	return mmf_as_madvise(m, 0, AT(page), n * PG, advice, &err) ? -err : 0;
}

static void s_madvise(struct mmf_machine *m, struct probe *p)
{
	uint64_t v = 1;
	int err = 0;
	EXPECT(p, mm_map(m, 0, 4, RW, FIX, NULL) == 0 && mm_map(m, 8, 2, RW, FIX | MMF_MAP_SHARED, NULL) == 0,
	       "mmap failed");
	EXPECT(p, acc(m, 1, 1, 0x44, NULL) == 0 && acc(m, 8, 1, 0x55, NULL) == 0, "writes failed");
	/* DONTNEED: private memory reads zeroes again, shmem keeps its data. */
	EXPECT(p, mm_advise(m, 0, 4, MMF_MADV_DONTNEED) == 0 && acc(m, 1, 0, 0, &v) == 0 && v == 0 && m->nr_anon == 1,
	       "after DONTNEED: %#llx, %u user pages", (unsigned long long)v, m->nr_anon);
	EXPECT(p, mm_advise(m, 8, 2, MMF_MADV_DONTNEED) == 0 && acc(m, 8, 0, 0, &v) == 0 && v == 0x55,
	       "shmem after DONTNEED: %#llx", (unsigned long long)v);
	/* Flags split and merge like mprotect; holes give ENOMEM after the rest. */
	EXPECT(p, mm_advise(m, 1, 2, MMF_MADV_DONTFORK) == 0, "DONTFORK failed");
	LAYOUT(p, m, "0-1 rw-p;1-3 rw-p;3-4 rw-p;8-10 rw-s;");
	EXPECT(p, mm_advise(m, 0, 10, MMF_MADV_DOFORK) == -ENOMEM, "DOFORK over holes: not ENOMEM");
	LAYOUT(p, m, "0-4 rw-p;8-10 rw-s;");
	/* WIPEONFORK is for private memory only; the child gets zeroes. */
	EXPECT(p, mm_advise(m, 8, 2, MMF_MADV_WIPEONFORK) == -EINVAL, "WIPEONFORK on shmem accepted");
	EXPECT(p, acc(m, 2, 1, 0x66, NULL) == 0 && mm_advise(m, 2, 1, MMF_MADV_WIPEONFORK) == 0, "WIPEONFORK failed");
	EXPECT(p, mmf_as_fork(m, 0, 3, &err) == 0, "fork failed");
	EXPECT(p, acc_p(m, 3, 2, 0, 0, &v) == 0 && v == 0, "child of WIPEONFORK reads %#llx", (unsigned long long)v);
	EXPECT(p, acc(m, 2, 0, 0, &v) == 0 && v == 0x66, "parent lost its data: %#llx", (unsigned long long)v);
	EXPECT(p, mm_advise(m, 0, 1, 7) == -EINVAL && mm_advise(m, 20, 1, MMF_MADV_WILLNEED) == -ENOMEM,
	       "bad advice or unmapped range accepted");
out:;
}

static void s_brk(struct mmf_machine *m, struct probe *p)
{
	uint64_t base = AT(AS_START_BRK_PAGE);
	EXPECT(p, mmf_as_brk(m, 0, 0) == base, "brk(0) is not the start");
	EXPECT(p, mmf_as_brk(m, 0, base + 3 * PG + 10) == base + 3 * PG + 10, "grow failed");
	LAYOUT(p, m, "1024-1028 rw-p;");
	char raw[512];
	mmf_as_report_maps(m, 0, raw, sizeof(raw));
	EXPECT(p, strstr(raw, "[heap]") && strstr(raw, "[heap]") - raw == 73, "heap not named at column 74:\n%.300s", raw);
	/* Growing needs a free page after the new end. */
	EXPECT(p, mm_map(m, AS_START_BRK_PAGE + 8, 1, R, FIX, NULL) == 0, "mmap failed");
	EXPECT(p, mmf_as_brk(m, 0, base + 8 * PG) == base + 3 * PG + 10, "brk ran into a mapping");
	EXPECT(p, mmf_as_brk(m, 0, base + 7 * PG) == base + 7 * PG, "brk up to a page short of a mapping failed");
	LAYOUT(p, m, "1024-1031 rw-p;1032-1033 r--p;");
	EXPECT(p, mmf_as_brk(m, 0, base + PG) == base + PG, "shrink failed");
	LAYOUT(p, m, "1024-1025 rw-p;1032-1033 r--p;");
	EXPECT(p, mmf_as_brk(m, 0, base - PG) == base + PG, "brk below the start moved");
out:;
}

/* A field of the first VMA's block in process proc's smaps, in kB. */
static long smaps_kb(struct mmf_machine *m, unsigned proc, const char *label)
{
	static char buf[1 << 16];
	mmf_as_report_smaps(m, proc, buf, sizeof(buf));
	const char *l = strstr(buf, label);
	long v = -1;
	if (l)
		sscanf(l + strlen(label), "%ld", &v);
	return v;
}

static void s_smaps(struct mmf_machine *m, struct probe *p)
{
	int err = 0;
	EXPECT(p, mm_map(m, 0, 4, RW, FIX, NULL) == 0, "mmap failed");
	EXPECT(p, acc(m, 0, 1, 1, NULL) == 0 && acc(m, 1, 1, 2, NULL) == 0 && acc(m, 2, 0, 0, NULL) == 0, "access failed");
	/* Two pages of our own; the zero page does not count. */
	EXPECT(p, smaps_kb(m, 0, "Rss:") == 8 && smaps_kb(m, 0, "Private_Dirty:") == 8 && smaps_kb(m, 0, "Pss:") == 8 &&
		       smaps_kb(m, 0, "Anonymous:") == 8 && smaps_kb(m, 0, "Size:") == 16,
	       "before fork: Rss %ld Private_Dirty %ld Pss %ld", smaps_kb(m, 0, "Rss:"), smaps_kb(m, 0, "Private_Dirty:"),
	       smaps_kb(m, 0, "Pss:"));
	/* After fork both pages are mapped twice: shared, half each in Pss. */
	EXPECT(p, mmf_as_fork(m, 0, 1, &err) == 0, "fork failed");
	EXPECT(p, smaps_kb(m, 0, "Shared_Dirty:") == 8 && smaps_kb(m, 0, "Pss:") == 4 && smaps_kb(m, 1, "Rss:") == 8,
	       "after fork: Shared_Dirty %ld Pss %ld, child Rss %ld", smaps_kb(m, 0, "Shared_Dirty:"),
	       smaps_kb(m, 0, "Pss:"), smaps_kb(m, 1, "Rss:"));
	/* The child's copy is old: not referenced until it touches it. */
	EXPECT(p, smaps_kb(m, 1, "Referenced:") == 0 && smaps_kb(m, 0, "Referenced:") == 8, "Referenced %ld/%ld",
	       smaps_kb(m, 0, "Referenced:"), smaps_kb(m, 1, "Referenced:"));
	/* The child breaks COW on page 0: the parent's page 0 is its own again. */
	EXPECT(p, acc_p(m, 1, 0, 1, 4, NULL) == 0 && smaps_kb(m, 0, "Private_Dirty:") == 4 &&
		       smaps_kb(m, 0, "Shared_Dirty:") == 4 && smaps_kb(m, 0, "Pss:") == 6,
	       "after COW: Private_Dirty %ld Shared_Dirty %ld Pss %ld", smaps_kb(m, 0, "Private_Dirty:"),
	       smaps_kb(m, 0, "Shared_Dirty:"), smaps_kb(m, 0, "Pss:"));
	/* MADV_FREE: our own pages turn clean and lazily freeable; a write takes it back. */
	EXPECT(p, mmf_as_exit(m, 1, &err) == 0 && mm_advise(m, 0, 4, MMF_MADV_FREE) == 0, "exit or MADV_FREE failed");
	EXPECT(p, smaps_kb(m, 0, "LazyFree:") == 8 && smaps_kb(m, 0, "Private_Clean:") == 8, "LazyFree %ld Private_Clean %ld",
	       smaps_kb(m, 0, "LazyFree:"), smaps_kb(m, 0, "Private_Clean:"));
	/* pagemap: present pages, the zero page too; exclusive where mapped once */
	static char pm[4096];
	mmf_as_report_pagemap(m, 0, pm, sizeof(pm));
	char want[200];
	snprintf(want, sizeof(want), "%llx 8100000000000000\n%llx 8100000000000000\n%llx 8000000000000000\n",
		 (unsigned long long)AT(0), (unsigned long long)AT(1), (unsigned long long)AT(2));
	EXPECT(p, strcmp(pm, want) == 0, "pagemap:\n%.300s", pm);
	uint64_t v = 0;
	EXPECT(p, acc(m, 1, 0, 0, &v) == 0 && v == 2 && acc(m, 1, 1, 8, NULL) == 0 && smaps_kb(m, 0, "LazyFree:") == 4,
	       "after a write to a lazily freed page: value %#llx LazyFree %ld", (unsigned long long)v,
	       smaps_kb(m, 0, "LazyFree:"));
out:;
}

static int mm_remap(struct mmf_machine *m, unsigned page, unsigned n, unsigned nn, unsigned flags, unsigned to,
		    uint64_t *out)
{
	int err = 0;
	return mmf_as_mremap(m, 0, AT(page), n * PG, nn * PG, flags, AT(to), out, &err) ? -err : 0;
}

static void s_mremap(struct mmf_machine *m, struct probe *p)
{
	uint64_t at = 0, v = 0;
	const unsigned top = MMF_AS_WINDOW_PAGES;
	EXPECT(p, mm_map(m, 0, 4, RW, FIX, NULL) == 0 && acc(m, 1, 1, 0x31, NULL) == 0, "mmap or write failed");
	/* Grows in place while the pages after it are free. */
	EXPECT(p, mm_remap(m, 0, 4, 8, 0, 0, &at) == 0 && at == AT(0), "grow in place: %#llx", (unsigned long long)at);
	LAYOUT(p, m, "0-8 rw-p;");
	EXPECT(p, mm_map(m, 10, 1, R, FIX, NULL) == 0, "mmap failed");
	EXPECT(p, mm_remap(m, 0, 8, 16, 0, 0, &at) == -ENOMEM, "grew over a mapping");
	/* MAYMOVE: to the top of the window, contents with it. */
	EXPECT(p, mm_remap(m, 0, 8, 16, MMF_MREMAP_MAYMOVE, 0, &at) == 0 && at == AT(top - 16), "moved to %#llx",
	       (unsigned long long)at);
	EXPECT(p, acc(m, top - 15, 0, 0, &v) == 0 && v == 0x31 && acc(m, 1, 0, 0, NULL) == SIGSEGV,
	       "after the move: %#llx, old range still there", (unsigned long long)v);
	/* Shrinking stays put. */
	EXPECT(p, mm_remap(m, top - 16, 16, 2, 0, 0, &at) == 0 && at == AT(top - 16), "shrink moved");
	/* FIXED: to a given place (replacing what was there). */
	EXPECT(p, mm_remap(m, top - 16, 2, 2, MMF_MREMAP_MAYMOVE | MMF_MREMAP_FIXED, 10, &at) == 0 && at == AT(10),
	       "FIXED move to %#llx", (unsigned long long)at);
	EXPECT(p, acc(m, 11, 0, 0, &v) == 0 && v == 0x31, "value after FIXED move: %#llx", (unsigned long long)v);
	LAYOUT(p, m, "10-12 rw-p;");
	/* The moved VMA keeps its offset: a fresh neighbour does not merge. */
	EXPECT(p, mm_map(m, 12, 1, RW, FIX, NULL) == 0, "mmap failed");
	LAYOUT(p, m, "10-12 rw-p;12-13 rw-p;");
	/* DONTUNMAP: the old range stays mapped, empty. */
	EXPECT(p, mm_remap(m, 10, 2, 2, MMF_MREMAP_MAYMOVE | MMF_MREMAP_DONTUNMAP, 0, &at) == 0, "DONTUNMAP failed");
	EXPECT(p, acc(m, 11, 0, 0, &v) == 0 && v == 0, "old range after DONTUNMAP reads %#llx", (unsigned long long)v);
	EXPECT(p, acc(m, (unsigned)((at - AT(0)) / PG) + 1, 0, 0, &v) == 0 && v == 0x31, "new range after DONTUNMAP");
	/* Errors. */
	EXPECT(p, mm_remap(m, 100, 1, 2, MMF_MREMAP_MAYMOVE, 0, &at) == -EFAULT, "nothing mapped: not EFAULT");
	EXPECT(p, mm_remap(m, 10, 1, 2, MMF_MREMAP_FIXED, 40, &at) == -EINVAL, "FIXED without MAYMOVE accepted");
	EXPECT(p, mm_remap(m, 10, 1, 2, MMF_MREMAP_MAYMOVE | MMF_MREMAP_DONTUNMAP, 0, &at) == -EINVAL,
	       "DONTUNMAP with a new length accepted");
	EXPECT(p, mm_remap(m, 10, 4, 5, MMF_MREMAP_MAYMOVE, 0, &at) == -EFAULT, "a range over two VMAs grown");
	/* The same size without FIXED asks nothing: done, whatever is there
	 * (mremap_at(), MREMAP_NO_RESIZE, as Linux 6.18 answers). */
	EXPECT(p, mm_remap(m, 10, 4, 4, MMF_MREMAP_MAYMOVE, 0, &at) == 0 && at == AT(10), "same size refused");
out:;
}

/* ---- files, PFN mappings, soft-dirty, and pictures of them -------------- */

/* One character per window page of process proc, from..to, for what its
 * pte holds: '.' no VMA, '-' a VMA but no pte, 'z' the zero page, 'a' an
 * anonymous page mapped once ('A' more than once), 'f' a page-cache page
 * mapped once ('F' more), 'p' a PFN mapping, 'n' PROT_NONE. */
static void draw(struct mmf_machine *m, unsigned proc, unsigned from, unsigned to, char *buf)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	unsigned k = 0;
	for (unsigned pg = from; pg < to; pg++) {
		const uint64_t *pte = mm && mm->pgd != MMF_NIL ? mmf_pte_lookup(m, mm, AT(pg), 0) : NULL;
		char c = !mm || !mmf_vma_find(mm, AT(pg)) ? '.' : '-';
		if (pte && (*pte & PTE_PROTNONE))
			c = 'n';
		else if (pte && pte_is_zero_page(*pte))
			c = 'z';
		else if (pte && (*pte & PTE_SPECIAL))
			c = 'p';
		else if (pte && pte_has_page(*pte)) {
			const struct mmf_page *pg_ = pfn_to_page(m, pte_pfn(*pte));
			c = (pg_->flags & PG_shmem) ? 'f' : 'a';
			if (pg_->mapcount > 1)
				c = (char)(c - 'a' + 'A');
		}
		buf[k++] = c;
	}
	buf[k] = 0;
}

#define DRAW(p, m, proc, from, to, want)                                                  \
	do {                                                                              \
		char pic_[128];                                                           \
		draw(m, proc, from, to, pic_);                                            \
		EXPECT(p, strcmp(pic_, want) == 0, "process %u pages %u-%u: \"%s\", expected \"%s\"", proc, from, to, \
		       pic_, want);                                                      \
	} while (0)

static int mm_map_file(struct mmf_machine *m, unsigned proc, unsigned page, unsigned n, unsigned prot, unsigned flags,
		       unsigned file, unsigned pgoff)
{
	int err = 0;
	uint64_t out;
	return mmf_as_mmap_file(m, proc, AT(page), n * PG, prot, flags, file, pgoff, &out, &err) ? -err : 0;
}

static int file_trunc(struct mmf_machine *m, unsigned file, unsigned npages)
{
	int err = 0;
	return mmf_as_ftruncate(m, file, npages, &err) ? -err : 0;
}

/* A file mapped shared at 0-4 and private at 10-14: the private side reads
 * the page cache until it writes, then has its own copy; past the end of
 * the file is SIGBUS; truncation takes the private copies past the new
 * end too (and the data: a regrown file reads zeroes). */
static void s_file(struct mmf_machine *m, struct probe *p)
{
	uint64_t v = 0;
	EXPECT(p, file_trunc(m, 0, 4) == 0, "ftruncate failed");
	EXPECT(p, mm_map_file(m, 0, 0, 4, RW, FIX | MMF_MAP_SHARED, 0, 0) == 0 &&
		       mm_map_file(m, 0, 10, 6, RW, FIX, 0, 0) == 0,
	       "mmap failed");
	char raw[1024];
	mmf_as_report_maps(m, 0, raw, sizeof(raw));
	EXPECT(p, strstr(raw, "rw-s 00000000 00:01 1 ") && strstr(raw, " /memfd:mmfuzz0 (deleted)\n"),
	       "maps of a file:\n%.400s", raw);
	EXPECT(p, acc(m, 0, 1, 0x10, NULL) == 0, "shared write failed");
	EXPECT(p, acc(m, 10, 0, 0, &v) == 0 && v == 0x10, "private read of the page cache: %#llx", (unsigned long long)v);
	EXPECT(p, acc(m, 2, 0, 0, NULL) == 0 && acc(m, 12, 0, 0, NULL) == 0, "reads failed");
	DRAW(p, m, 0, 0, 16, "F-F-......F-F---");
	EXPECT(p, acc(m, 10, 1, 0x01, NULL) == 0 && acc(m, 10, 0, 0, &v) == 0 && v == 0x11, "private copy: %#llx",
	       (unsigned long long)v);
	EXPECT(p, acc(m, 0, 0, 0, &v) == 0 && v == 0x10, "the file saw the private write: %#llx", (unsigned long long)v);
	DRAW(p, m, 0, 0, 16, "f-F-......a-F---");
	char rm[256], want[256];
	mmf_as_report_rmap(m, 0, AT(2), rm, sizeof(rm));
	snprintf(want, sizeof(want), "mapcount 2\n0 %llx\n0 %llx\n", (unsigned long long)AT(2), (unsigned long long)AT(12));
	EXPECT(p, strcmp(rm, want) == 0, "rmap of a page-cache page: %.200s", rm);
	/* Past the end: pages 4 and 5 of the private mapping. */
	EXPECT(p, acc(m, 14, 0, 0, NULL) == SIGBUS && acc(m, 15, 1, 1, NULL) == SIGBUS, "no SIGBUS past the end");
	/* Shrink to one page: page 1 on, in every mapping, copies too. */
	EXPECT(p, acc(m, 11, 1, 0x02, NULL) == 0, "private write failed");
	EXPECT(p, file_trunc(m, 0, 1) == 0, "ftruncate failed");
	DRAW(p, m, 0, 0, 16, "f---......a-----");
	EXPECT(p, acc(m, 11, 0, 0, NULL) == SIGBUS && acc(m, 2, 0, 0, NULL) == SIGBUS, "no SIGBUS after truncation");
	EXPECT(p, file_trunc(m, 0, 4) == 0 && acc(m, 11, 0, 0, &v) == 0 && v == 0, "regrown file reads %#llx",
	       (unsigned long long)v);
	/* Adjacent mappings of contiguous offsets merge; others do not. */
	EXPECT(p, mm_map_file(m, 0, 20, 2, R, FIX | MMF_MAP_SHARED, 1, 0) == 0 &&
		       mm_map_file(m, 0, 22, 2, R, FIX | MMF_MAP_SHARED, 1, 2) == 0 &&
		       mm_map_file(m, 0, 24, 2, R, FIX | MMF_MAP_SHARED, 1, 5) == 0,
	       "mmap failed");
	LAYOUT(p, m, "0-4 rw-s;10-16 rw-p;20-24 r--s;24-26 r--s;");
out:;
}

/* fork: a shared file mapping is shared with the child (which faults it
 * in afresh), MADV_DONTNEED drops the ptes but never the file's data. */
static void s_file_fork(struct mmf_machine *m, struct probe *p)
{
	uint64_t v = 0;
	int err = 0;
	EXPECT(p, file_trunc(m, 1, 2) == 0 && mm_map_file(m, 0, 0, 2, RW, FIX | MMF_MAP_SHARED, 1, 0) == 0, "setup failed");
	EXPECT(p, acc(m, 0, 1, 0x40, NULL) == 0, "write failed");
	EXPECT(p, mmf_as_fork(m, 0, 3, &err) == 0, "fork failed");
	DRAW(p, m, 3, 0, 3, "--.");
	EXPECT(p, acc_p(m, 3, 0, 1, 0x04, NULL) == 0 && acc(m, 0, 0, 0, &v) == 0 && v == 0x44,
	       "parent reads %#llx after the child's write", (unsigned long long)v);
	DRAW(p, m, 0, 0, 3, "F-.");
	int e2 = 0;
	EXPECT(p, mmf_as_madvise(m, 0, AT(0), 2 * PG, MMF_MADV_DONTNEED, &e2) == 0, "DONTNEED failed");
	DRAW(p, m, 0, 0, 3, "--.");
	EXPECT(p, acc(m, 0, 0, 0, &v) == 0 && v == 0x44, "after DONTNEED the file reads %#llx", (unsigned long long)v);
	EXPECT(p, mmf_as_madvise(m, 0, AT(0), 2 * PG, MMF_MADV_FREE, &e2) == -1 && e2 == EINVAL, "MADV_FREE on a file");
out:;
}

/* The PFN device: shared mappings of its buffer only, ptes made at mmap
 * without page references, copied by fork, never grown or zapped. */
static void s_pfnmap(struct mmf_machine *m, struct probe *p)
{
	int err = 0;
	uint64_t out = 0, v = 0;
	EXPECT(p, mmf_as_mmap_pfn(m, 0, AT(0), 2 * PG, RW, FIX, 0, &out, &err) == -1 && err == EINVAL,
	       "a private PFN mapping accepted");
	EXPECT(p, mmf_as_mmap_pfn(m, 0, AT(0), 4 * PG, RW, FIX | MMF_MAP_SHARED, MMF_PFN_PAGES - 3, &out, &err) == -1 &&
		       err == EINVAL,
	       "a mapping past the buffer accepted");
	EXPECT(p, mmf_as_mmap_pfn(m, 0, AT(0), 4 * PG, RW, FIX | MMF_MAP_SHARED, 2, &out, &err) == 0 &&
		       mmf_as_mmap_pfn(m, 0, AT(8), 1 * PG, R, FIX | MMF_MAP_SHARED, 3, &out, &err) == 0,
	       "PFN mmap failed: %d", err);
	DRAW(p, m, 0, 0, 9, "pppp....p");
	EXPECT(p, acc(m, 1, 1, 0x77, NULL) == 0 && acc(m, 8, 0, 0, &v) == 0 && v == 0x77,
	       "the other mapping of buffer page 3 reads %#llx", (unsigned long long)v);
	char rm[64];
	mmf_as_report_rmap(m, 0, AT(1), rm, sizeof(rm));
	EXPECT(p, strcmp(rm, "none\n") == 0, "rmap of a PFN mapping: %s", rm);
	EXPECT(p, mmf_as_fork(m, 0, 1, &err) == 0, "fork failed");
	DRAW(p, m, 1, 0, 9, "pppp....p");
	EXPECT(p, acc_p(m, 1, 1, 0, 0, &v) == 0 && v == 0x77, "the child reads %#llx", (unsigned long long)v);
	EXPECT(p, mm_remap(m, 0, 4, 5, MMF_MREMAP_MAYMOVE, 0, &out) == -EFAULT, "a PFN mapping grew");
	EXPECT(p, mmf_as_madvise(m, 0, AT(0), PG, MMF_MADV_DONTNEED, &err) == -1 && err == EINVAL, "DONTNEED on VM_PFNMAP");
	LAYOUT(p, m, "0-4 rw-s;8-9 r--s;");
	static char sm[8192];
	mmf_as_report_smaps(m, 0, sm, sizeof(sm));
	EXPECT(p, strstr(sm, "VmFlags: rd wr sh mr mw me ms pf io de dd \n") && strstr(sm, "/dev/mmfuzz_pfn"),
	       "smaps of a PFN mapping:\n%.400s", sm);
out:;
}

/* Soft-dirty, in the ptes and the VMA flag: a new mapping is soft-dirty
 * as a whole; clear_refs 4 clears both and write-protects, so the next
 * write faults and marks that page alone. */
static void s_soft_dirty(struct mmf_machine *m, struct probe *p)
{
	int err = 0;
	struct mmf_mm *mm = mmf_as_mm(m, 0);
	EXPECT(p, mm_map(m, 0, 3, RW, FIX, NULL) == 0 && acc(m, 0, 1, 1, NULL) == 0 && acc(m, 1, 1, 2, NULL) == 0,
	       "setup failed");
	EXPECT(p, (mmf_vma_find(mm, AT(0))->flags & VM_SOFTDIRTY) != 0, "a new VMA is not soft-dirty");
	EXPECT(p, (*mmf_pte_lookup(m, mm, AT(0), 0) & PTE_SOFTDIRTY) != 0, "a written pte is not soft-dirty");
	EXPECT(p, mmf_as_clear_refs(m, 0, 4, &err) == 0, "clear_refs failed");
	EXPECT(p, !(mmf_vma_find(mm, AT(0))->flags & VM_SOFTDIRTY), "VM_SOFTDIRTY survived clear_refs");
	uint64_t pte0 = *mmf_pte_lookup(m, mm, AT(0), 0), pte1 = *mmf_pte_lookup(m, mm, AT(1), 0);
	EXPECT(p, !(pte0 & (PTE_SOFTDIRTY | PTE_RW)) && !(pte1 & (PTE_SOFTDIRTY | PTE_RW)),
	       "ptes after clear_refs: %#llx %#llx", (unsigned long long)pte0, (unsigned long long)pte1);
	EXPECT(p, acc(m, 1, 1, 4, NULL) == 0, "write failed");
	pte0 = *mmf_pte_lookup(m, mm, AT(0), 0);
	pte1 = *mmf_pte_lookup(m, mm, AT(1), 0);
	EXPECT(p, !(pte0 & PTE_SOFTDIRTY) && (pte1 & PTE_SOFTDIRTY) && (pte1 & PTE_RW),
	       "after one write: %#llx %#llx", (unsigned long long)pte0, (unsigned long long)pte1);
	uint64_t v = 0;
	EXPECT(p, acc(m, 1, 0, 0, &v) == 0 && v == 6, "the page was copied, not reused: %#llx", (unsigned long long)v);
	EXPECT(p, mmf_as_clear_refs(m, 0, 6, &err) == -1 && err == EINVAL, "clear_refs 6 accepted");
out:;
}

/* Instruction fetches need VM_EXEC (NX elsewhere), also where the page is
 * already present for reading; in a VM_EXEC mapping they fault a page in
 * as a read does. x86 (exec_maps=1, the default): a fetch from a page not
 * present in an accessible VMA without VM_EXEC maps the page first, as a
 * read fault would, and then faults on NX: the zero page appears, and past
 * a file's end the answer is SIGBUS. */
static void s_exec(struct mmf_machine *m, struct probe *p)
{
	uint64_t v = 0;
	EXPECT(p, m->k.exec_maps == 1, "the default is x86's");
	EXPECT(p, mm_map(m, 0, 2, RW, FIX, NULL) == 0 && mm_map(m, 2, 1, R | X, FIX, NULL) == 0, "mmap failed");
	EXPECT(p, acc(m, 0, 1, 0x5, NULL) == 0, "write failed");
	EXPECT(p, acc(m, 0, MMF_ACCESS_EXEC, 0, NULL) == SIGSEGV, "exec from a present non-exec page");
	DRAW(p, m, 0, 0, 4, "a--.");
	EXPECT(p, acc(m, 1, MMF_ACCESS_EXEC, 0, NULL) == SIGSEGV, "exec from a non-exec mapping");
	EXPECT(p, acc(m, 2, MMF_ACCESS_EXEC, 0, NULL) == 0, "exec from PROT_EXEC faulted");
	DRAW(p, m, 0, 0, 4, "azz.");
	EXPECT(p, mm_prot(m, 0, 1, R | X) == 0 && acc(m, 0, MMF_ACCESS_EXEC, 0, NULL) == 0, "exec after mprotect(RX)");
	EXPECT(p, acc(m, 0, 0, 0, &v) == 0 && v == 0x5, "contents after exec: %#llx", (unsigned long long)v);
	EXPECT(p, acc(m, 3, MMF_ACCESS_EXEC, 0, NULL) == SIGSEGV, "exec from nothing");
	/* PROT_NONE is not accessible: nothing is mapped */
	EXPECT(p, mm_map(m, 4, 1, 0, FIX, NULL) == 0 && acc(m, 4, MMF_ACCESS_EXEC, 0, NULL) == SIGSEGV, "PROT_NONE");
	DRAW(p, m, 0, 4, 5, "-");
	/* a file: the page cache is mapped (with its fault-around), and past
	 * the end the fault is SIGBUS before NX is ever reached */
	EXPECT(p, file_trunc(m, 0, 1) == 0 && mm_map_file(m, 0, 8, 2, R, FIX, 0, 0) == 0, "file mmap failed");
	EXPECT(p, acc(m, 8, MMF_ACCESS_EXEC, 0, NULL) == SIGSEGV, "exec from a read-only file page");
	EXPECT(p, acc(m, 9, MMF_ACCESS_EXEC, 0, NULL) == SIGBUS, "exec past the end of the file");
	DRAW(p, m, 0, 8, 10, "f-");
out:;
}

/* arm64 (exec_maps=0): a fetch from a VMA without VM_EXEC faults before
 * anything is mapped, file or not. */
static void s_exec_arm64(struct mmf_machine *m, struct probe *p)
{
	m->k.exec_maps = 0;
	EXPECT(p, mm_map(m, 0, 2, RW, FIX, NULL) == 0 && mm_map(m, 2, 1, R | X, FIX, NULL) == 0, "mmap failed");
	EXPECT(p, acc(m, 0, 1, 0x5, NULL) == 0, "write failed");
	EXPECT(p, acc(m, 0, MMF_ACCESS_EXEC, 0, NULL) == SIGSEGV, "exec from a present non-exec page");
	EXPECT(p, acc(m, 1, MMF_ACCESS_EXEC, 0, NULL) == SIGSEGV, "exec from a non-exec mapping");
	EXPECT(p, acc(m, 2, MMF_ACCESS_EXEC, 0, NULL) == 0, "exec from PROT_EXEC faulted");
	DRAW(p, m, 0, 0, 4, "a-z.");
	EXPECT(p, file_trunc(m, 0, 1) == 0 && mm_map_file(m, 0, 8, 2, R, FIX, 0, 0) == 0, "file mmap failed");
	EXPECT(p, acc(m, 8, MMF_ACCESS_EXEC, 0, NULL) == SIGSEGV && acc(m, 9, MMF_ACCESS_EXEC, 0, NULL) == SIGSEGV,
	       "exec from a non-exec file mapping");
	DRAW(p, m, 0, 8, 10, "--");
out:
	m->k.exec_maps = 1;
}

/* Without the zero page (zero_page=0): a read fault of private anonymous
 * memory gets a zeroed page of its own, writable and dirty where the VMA
 * is writable (so the write after it takes no fault), exclusive in
 * pagemap and counted in smaps' Rss; read-only mappings get one too. */
static void s_no_zero_page(struct mmf_machine *m, struct probe *p)
{
	uint64_t v = 1;
	m->k.zero_page = 0;
	EXPECT(p, mm_map(m, 0, 2, RW, FIX, NULL) == 0 && mm_map(m, 4, 1, R, FIX, NULL) == 0, "mmap failed");
	EXPECT(p, acc(m, 0, 0, 0, &v) == 0 && v == 0 && m->nr_anon == 1, "read: %llu, %u user pages",
	       (unsigned long long)v, m->nr_anon);
	uint64_t *pte = mmf_pte_lookup(m, mmf_as_mm(m, 0), AT(0), 0);
	EXPECT(p, pte && (*pte & PTE_RW) && (*pte & PTE_DIRTY), "the read-faulted pte %#llx is not writable and dirty",
	       pte ? (unsigned long long)*pte : 0ull);
	EXPECT(p, acc(m, 4, 0, 0, &v) == 0 && v == 0 && m->nr_anon == 2, "read-only read: %u user pages", m->nr_anon);
	pte = mmf_pte_lookup(m, mmf_as_mm(m, 0), AT(4), 0);
	EXPECT(p, pte && !(*pte & PTE_RW), "a read-only mapping's page is writable");
	DRAW(p, m, 0, 0, 5, "a-..a");
	EXPECT(p, acc(m, 0, 1, 9, NULL) == 0 && acc(m, 0, 0, 0, &v) == 0 && v == 9 && m->nr_anon == 2,
	       "write after read: %llu, %u pages", (unsigned long long)v, m->nr_anon);
	static char pm[4096];
	mmf_as_report_pagemap(m, 0, pm, sizeof(pm));
	char want[64];
	snprintf(want, sizeof(want), "%llx %016llx\n", (unsigned long long)AT(4), 0x8100000000000000ull);
	EXPECT(p, strstr(pm, want) != NULL, "pagemap of the read-only page: want %s in\n%.300s", want, pm);
	/* fork: the read page is copied on write like any other */
	int err = 0;
	EXPECT(p, mmf_as_fork(m, 0, 1, &err) == 0, "fork failed");
	DRAW(p, m, 0, 0, 5, "A-..A");
	EXPECT(p, acc_p(m, 1, 0, 1, 2, NULL) == 0 && acc(m, 0, 0, 0, &v) == 0 && v == 9, "COW of a read page: %llu",
	       (unsigned long long)v);
out:
	m->k.zero_page = 1;
}

/* A write past the end of a privately mapped file is SIGBUS, but
 * do_cow_fault() has prepared the VMA's anon_vma first; so after the
 * file grows and a read maps its page-cache page, fork copies that pte
 * (vma_needs_copy: the VMA has an anon_vma), where a VMA without one
 * leaves the child to fault it in. */
static void s_cow_fault_sigbus(struct mmf_machine *m, struct probe *p)
{
	int err = 0;
	EXPECT(p, mm_map_file(m, 0, 0, 1, W, FIX, 1, 0) == 0 && mm_map_file(m, 0, 2, 1, R, FIX, 1, 0) == 0,
	       "mmap failed");
	EXPECT(p, acc(m, 0, 1, 5, NULL) == SIGBUS, "a write past the end did not SIGBUS");
	EXPECT(p, file_trunc(m, 1, 1) == 0 && acc(m, 0, 0, 0, NULL) == 0 && acc(m, 2, 0, 0, NULL) == 0, "reads failed");
	EXPECT(p, mmf_as_fork(m, 0, 6, &err) == 0, "fork failed");
	DRAW(p, m, 6, 0, 3, "F.-");
out:;
}

/* MADV_PAGEOUT unmaps shmem pages: a dirty one stays in the page cache
 * (no swap to write it to), so fault-around maps it again with its data;
 * a clean one leaves the page cache, and a fault maps a fresh page. */
static void s_pageout_fault_around(struct mmf_machine *m, struct probe *p)
{
	int err = 0;
	uint64_t v = 0;
	EXPECT(p, mm_map(m, 0, 3, RW, FIX | MMF_MAP_SHARED, NULL) == 0 && acc(m, 0, 1, 3, NULL) == 0 &&
		       acc(m, 1, 1, 4, NULL) == 0 && acc(m, 2, 0, 0, NULL) == 0,
	       "map, write or read failed");
	DRAW(p, m, 0, 0, 3, "fff");
	EXPECT(p, mmf_as_madvise(m, 0, AT(0), 3 * PG, MMF_MADV_PAGEOUT, &err) == 0, "pageout failed");
	DRAW(p, m, 0, 0, 3, "---");
	EXPECT(p, acc(m, 2, 0, 0, &v) == 0 && v == 0, "the clean page reads %llu", (unsigned long long)v);
	DRAW(p, m, 0, 0, 3, "fff"); /* pages 0 and 1 by fault-around: still in the page cache */
	EXPECT(p, acc(m, 0, 0, 0, &v) == 0 && v == 3, "read back %llu", (unsigned long long)v);
	EXPECT(p, acc(m, 1, 0, 0, &v) == 0 && v == 4, "read back %llu", (unsigned long long)v);
out:;
}

/* MADV_FREE puts a page in the CPU's lazy-free batch; its referenced bit
 * (smaps' Referenced once the pte is old) goes only when the batch drains:
 * at the next VMA MADV_FREE walks (each starts with lru_add_drain()), a
 * zap that frees pages, or MADV_COLD/PAGEOUT. */
static int referenced(struct mmf_machine *m, unsigned page)
{
	const uint64_t *pte = mmf_pte_lookup(m, mmf_as_mm(m, 0), AT(page), 0);
	return pte && pte_has_page(*pte) && (pfn_to_page(m, pte_pfn(*pte))->flags & PG_referenced);
}

static void s_lazyfree_batch(struct mmf_machine *m, struct probe *p)
{
	int err = 0;
	EXPECT(p, mm_map(m, 0, 1, R, FIX | MMF_MAP_POPULATE, NULL) == 0 && mm_map(m, 2, 1, 0, FIX, NULL) == 0 &&
		       mm_map(m, 4, 1, R, FIX | MMF_MAP_POPULATE, NULL) == 0,
	       "mmap failed");
	m->k.zero_page = 0; /* a page of its own to free lazily */
	EXPECT(p, mm_unmap(m, 0, 1) == 0 && mm_map(m, 0, 1, R, FIX | MMF_MAP_POPULATE, NULL) == 0, "remap failed");
	EXPECT(p, mm_unmap(m, 4, 1) == 0 && mm_map(m, 4, 1, R, FIX | MMF_MAP_POPULATE, NULL) == 0, "remap failed");
	EXPECT(p, referenced(m, 0) && referenced(m, 4), "populate did not mark the pages accessed");
	EXPECT(p, mmf_as_madvise(m, 0, AT(0), PG, MMF_MADV_FREE, &err) == 0, "MADV_FREE failed");
	EXPECT(p, referenced(m, 0), "one VMA: the batch drained already");
	/* pages 0-2: the VMA at 0 (nothing left to mark), a hole, the PROT_NONE VMA: its walk drains */
	EXPECT(p, mmf_as_madvise(m, 0, AT(0), 3 * PG, MMF_MADV_FREE, &err) == -1 && err == ENOMEM, "hole not ENOMEM");
	EXPECT(p, !referenced(m, 0), "the second VMA's walk did not drain the batch");
	EXPECT(p, mmf_as_madvise(m, 0, AT(4), PG, MMF_MADV_FREE, &err) == 0 && referenced(m, 4), "page 4 drained early");
	EXPECT(p, mm_unmap(m, 0, 1) == 0 && !referenced(m, 4), "a zap that frees pages did not drain");
out:
	m->k.zero_page = 1;
}

/* A read past a file's end is SIGBUS, but do_read_fault() has mapped
 * around first: the page-cache pages before the end are there after it. */
static void s_sigbus_fault_around(struct mmf_machine *m, struct probe *p)
{
	EXPECT(p, file_trunc(m, 0, 1) == 0 && mm_map_file(m, 0, 0, 1, RW, FIX | MMF_MAP_SHARED, 0, 0) == 0 &&
		       acc(m, 0, 1, 1, NULL) == 0 && mm_map_file(m, 0, 16, 3, R, FIX, 0, 0) == 0,
	       "set-up failed");
	DRAW(p, m, 0, 16, 19, "---");
	EXPECT(p, acc(m, 18, 0, 0, NULL) == SIGBUS, "no SIGBUS past the end");
	DRAW(p, m, 0, 16, 19, "F--");
out:;
}

/* fault_around_bytes: 64 KiB maps the 16-page block around a read fault
 * of a file page (those in the page cache); one page maps the page
 * alone. */
static void s_fault_around(struct mmf_machine *m, struct probe *p)
{
	EXPECT(p, file_trunc(m, 0, 8) == 0 && mm_map_file(m, 0, 0, 8, RW, FIX | MMF_MAP_SHARED, 0, 0) == 0 &&
		       mm_map_file(m, 0, 16, 8, R, FIX, 0, 0) == 0,
	       "mmap failed");
	for (unsigned i = 0; i < 8; i += 2)
		EXPECT(p, acc(m, i, 1, i + 1, NULL) == 0, "write %u failed", i);
	EXPECT(p, acc(m, 19, 0, 0, NULL) == 0, "read failed");
	DRAW(p, m, 0, 16, 24, "F-FfF-F-");
	m->k.fault_around_bytes = 4096;
	EXPECT(p, mm_unmap(m, 16, 8) == 0 && mm_map_file(m, 0, 16, 8, R, FIX, 0, 0) == 0, "remap failed");
	EXPECT(p, acc(m, 19, 0, 0, NULL) == 0, "read failed");
	DRAW(p, m, 0, 16, 24, "---f----");
out:
	m->k.fault_around_bytes = 65536;
}

/* zap_rand_norecency: the parent's exit zaps its young pte to a file page
 * (a written page beside it gave the VMA an anon_vma, so fork copied the
 * ptes, old in the child); the child's smaps counts the page as referenced
 * only if that zap marked it accessed: without advice, under MADV_RANDOM
 * on a kernel before 6.3 (knob 0), never under MADV_SEQUENTIAL. What Linux
 * 6.18 answers for the first, second and fourth (replayed on host-linux). */
static void s_zap_recency(struct mmf_machine *m, struct probe *p)
{
	static const struct {
		unsigned advice;
		uint8_t knob;
		long want;
	} cases[] = { { MMF_MADV_NORMAL, 1, 4 }, { MMF_MADV_RANDOM, 1, 0 }, { MMF_MADV_RANDOM, 0, 4 },
		      { MMF_MADV_SEQUENTIAL, 0, 0 } };
	int err;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mmf_machine_reset(m);
		m->k.zap_rand_norecency = cases[i].knob;
		EXPECT(p, file_trunc(m, 0, 2) == 0 && mm_map_file(m, 0, 0, 2, RW, FIX, 0, 0) == 0 &&
			       mm_advise(m, 0, 2, cases[i].advice) == 0,
		       "case %u: setup failed", i);
		EXPECT(p, acc(m, 0, 0, 0, NULL) == 0 && acc(m, 1, 1, 7, NULL) == 0, "case %u: access failed", i);
		EXPECT(p, mmf_as_fork(m, 0, 1, &err) == 0 && mmf_as_exit(m, 0, &err) == 0, "case %u: fork or exit failed", i);
		long kb = smaps_kb(m, 1, "Referenced:");
		EXPECT(p, kb == cases[i].want, "case %u (advice %u, zap_rand_norecency=%u): the child's Referenced %ld kB, not %ld",
		       i, cases[i].advice, cases[i].knob, kb, cases[i].want);
	}
out:
	m->k.zap_rand_norecency = 1;
}

typedef void (*scenario_fn)(struct mmf_machine *, struct probe *);
static const struct {
	const char *name;
	scenario_fn fn;
} scenarios[] = {
	{ "merge_new", s_merge_new },	{ "mprotect_split_merge", s_mprotect_split_merge },
	{ "mprotect_holes", s_mprotect_holes }, { "munmap", s_munmap },
	{ "fixed_and_noreplace", s_fixed_and_noreplace }, { "placement", s_placement },
	{ "accounting", s_accounting }, { "shared", s_shared },
	{ "faults_anon", s_faults_anon }, { "faults_prot", s_faults_prot },
	{ "shmem", s_shmem }, { "fork_cow", s_fork_cow }, { "madvise", s_madvise }, { "brk", s_brk },
	{ "smaps", s_smaps }, { "mremap", s_mremap }, { "file", s_file }, { "file_fork", s_file_fork },
	{ "pfnmap", s_pfnmap }, { "soft_dirty", s_soft_dirty }, { "exec", s_exec },
	{ "exec_arm64", s_exec_arm64 }, { "no_zero_page", s_no_zero_page }, { "fault_around", s_fault_around },
	{ "cow_fault_sigbus", s_cow_fault_sigbus }, { "pageout_fault_around", s_pageout_fault_around },
	{ "lazyfree_batch", s_lazyfree_batch }, { "sigbus_fault_around", s_sigbus_fault_around },
	{ "zap_recency", s_zap_recency },
};
#define NR_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

static void run_scenario(struct mmf_machine *m, unsigned i, char *msg, size_t cap)
{
	struct probe p = { "" };
	mmf_machine_reset(m);
	scenarios[i].fn(m, &p);
	if (p.fail[0]) {
		snprintf(msg, cap, "%s: %s", scenarios[i].name, p.fail);
		return;
	}
	char w[400] = "";
	mmf_as_vma_is_valid(m, w, sizeof(w));
	snprintf(msg, cap, w[0] ? "%s: walker: %s" : "", scenarios[i].name, w);
}

static struct mmf_machine mach;

START_TEST(t_scenario)
{
	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_get(0), MMF_MUT_NONE), 0);
	char msg[800];
	run_scenario(&mach, (unsigned)_i, msg, sizeof(msg));
	ck_assert_msg(!msg[0], "%s", msg);
	run_scenario(&mach, (unsigned)_i, msg, sizeof(msg));
	ck_assert_msg(!msg[0], "after reset: %s", msg);
	mmf_machine_fini(&mach);
}
END_TEST

/* Our maps lines have the kernel's layout: an anonymous line ends after
 * the inode and a space; a shmem line's name starts at column 74. */
START_TEST(t_maps_layout_matches_kernel)
{
	/* In the window, with nothing next to them: under a sanitizer an
	 * address the kernel picks may sit next to (and merge with) the
	 * sanitizer's own anonymous memory. */
	size_t len = 1 << 20;
	void *anon = mmap((void *)(uintptr_t)AT(256), len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	void *shm = mmap((void *)(uintptr_t)AT(1024), len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ck_assert_msg(anon != MAP_FAILED && shm != MAP_FAILED, "cannot map in the window: %s", strerror(errno));
	FILE *fp = fopen("/proc/self/maps", "r");
	ck_assert_ptr_nonnull(fp);
	char line[512], real_anon[512] = "", real_shm[512] = "";
	while (fgets(line, sizeof(line), fp)) {
		unsigned long long s;
		sscanf(line, "%llx", &s);
		line[strcspn(line, "\n")] = 0;
		if (s == (unsigned long long)(uintptr_t)anon)
			snprintf(real_anon, sizeof(real_anon), "%s", line);
		if (s == (unsigned long long)(uintptr_t)shm)
			snprintf(real_shm, sizeof(real_shm), "%s", line);
	}
	fclose(fp);
	munmap(anon, len);
	munmap(shm, len);
	ck_assert_msg(real_anon[0] && real_shm[0], "own mappings not found in /proc/self/maps");

	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_get(0), MMF_MUT_NONE), 0);
	ck_assert_int_eq(mm_map(&mach, 0, 256, RW, FIX, NULL), 0);
	ck_assert_int_eq(mm_map(&mach, 512, 256, RW, FIX | MMF_MAP_SHARED, NULL), 0);
	char ours[2048];
	mmf_as_report_maps(&mach, 0, ours, sizeof(ours));
	mmf_machine_fini(&mach);
	char *l2 = strchr(ours, '\n');
	ck_assert_ptr_nonnull(l2);
	*l2++ = 0;
	l2[strcspn(l2, "\n")] = 0;
	/* Same text once addresses are set aside: the header fields and the
	 * spaces, and the shmem name at the same column. */
	const char *ra = strchr(real_anon, ' '), *oa = strchr(ours, ' ');
	ck_assert_str_eq(oa, ra);
	const char *rs = strchr(real_shm, ' '), *os = strchr(l2, ' ');
	ck_assert_int_eq((int)(strstr(real_shm, "/dev/zero") - real_shm), 73);
	ck_assert_int_eq((int)(strstr(l2, "/dev/zero") - l2), 73);
	/* perms, offset and device agree; the inode numbers are each system's own */
	ck_assert_int_eq(strncmp(rs, os, strlen(" rw-s 00000000 00:01 ")), 0);
}
END_TEST

/* A scripted scenario run on the reference and with real syscalls on this
 * machine, in the same window pages: the maps lines there must agree,
 * both merged as CRIU's zdtm merges them (adjacent lines alike in all but
 * the addresses become one) and as they are. Inode numbers are each
 * system's own and set aside; everything else is compared. */
#define SCN 3600 /* window pages 3600-3700, clear of the other tests */
struct mline {
	unsigned long long start, end, off;
	char perms[5], dev[8], name[96];
};

static unsigned parse_maps(const char *text, struct mline *out, unsigned cap)
{
	unsigned n = 0;
	for (const char *l = text; *l && n < cap;) {
		struct mline ml = { 0 };
		unsigned long inode;
		int used = 0;
		if (sscanf(l, "%llx-%llx %4s %llx %7s %lu%n", &ml.start, &ml.end, ml.perms, &ml.off, ml.dev, &inode,
			   &used) >= 6 &&
		    ml.start >= AT(SCN) && ml.end <= AT(SCN + 100)) {
			while (l[used] == ' ') /* the name's padding, not the newline */
				used++;
			size_t nl = strcspn(l + used, "\n");
			snprintf(ml.name, sizeof(ml.name), "%.*s", (int)nl, l + used);
			out[n++] = ml;
		}
		l += strcspn(l, "\n");
		if (*l)
			l++;
	}
	return n;
}

static unsigned zdtm_merge(struct mline *v, unsigned n)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		struct mline *u = k ? &v[k - 1] : NULL;
		int file = v[i].name[0] && v[i].name[0] != '[';
		if (u && u->end == v[i].start && !strcmp(u->perms, v[i].perms) && !strcmp(u->dev, v[i].dev) &&
		    !strcmp(u->name, v[i].name) && (!file || u->off + (u->end - u->start) == v[i].off))
			u->end = v[i].end;
		else
			v[k++] = v[i];
	}
	return k;
}

static void lines_text(const struct mline *v, unsigned n, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%llu-%llu %s %llx %s %s\n",
					(v[i].start - MMF_AS_WINDOW_BASE) / PG, (v[i].end - MMF_AS_WINDOW_BASE) / PG,
					v[i].perms, v[i].off, v[i].dev, v[i].name);
}

START_TEST(t_maps_scenario_matches_kernel)
{
	/* the kernel */
	char *b = (char *)(uintptr_t)AT(SCN);
	long P = 4096;
	int fd = memfd_create("mmfuzz0", 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 4 * P), 0);
	int ok = mmap(b, 8 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == b &&
		 mprotect(b + 2 * P, 2 * P, PROT_READ) == 0 &&
		 mmap(b + 8 * P, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
			 b + 8 * P;
	ck_assert_msg(ok, "cannot map in the window: %s", strerror(errno));
	b[0] = 1;
	b[5 * P] = 1;
	ok = mmap(b + 12 * P, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == b + 12 * P &&
	     mmap(b + 14 * P, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == b + 14 * P &&
	     mmap(b + 16 * P, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 2 * P) == b + 16 * P &&
	     mmap(b + 20 * P, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, P) == b + 20 * P &&
	     munmap(b + 6 * P, P) == 0 && madvise(b, P, MADV_DONTFORK) == 0 &&
	     mremap(b + 8 * P, 2 * P, 3 * P, 0) == b + 8 * P &&
	     mmap(b + 30 * P, 2 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == b + 30 * P &&
	     mprotect(b + 15 * P, P, PROT_READ) == 0;
	ck_assert_msg(ok, "scenario failed on this kernel: %s", strerror(errno));
	b[21 * P] = 1;
	static char real[16384];
	FILE *fp = fopen("/proc/self/maps", "r");
	ck_assert_ptr_nonnull(fp);
	size_t rl = fread(real, 1, sizeof(real) - 1, fp);
	real[rl] = 0;
	fclose(fp);
	munmap(b, 100 * P);
	close(fd);

	/* the reference, the same steps */
	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_get(0), MMF_MUT_NONE), 0);
	struct mmf_machine *m = &mach;
	int err = 0;
	uint64_t out;
	ck_assert_int_eq(file_trunc(m, 0, 4), 0);
	ck_assert_int_eq(mm_map(m, SCN, 8, RW, FIX | MMF_MAP_FIXED_NOREPLACE, NULL), 0);
	ck_assert_int_eq(mm_prot(m, SCN + 2, 2, R), 0);
	ck_assert_int_eq(mm_map(m, SCN + 8, 2, RW, FIX | MMF_MAP_FIXED_NOREPLACE, NULL), 0);
	ck_assert_int_eq(acc(m, SCN, 1, 1, NULL), 0);
	ck_assert_int_eq(acc(m, SCN + 5, 1, 1, NULL), 0);
	ck_assert_int_eq(mm_map(m, SCN + 12, 2, RW, FIX | MMF_MAP_SHARED, NULL), 0);
	ck_assert_int_eq(mm_map_file(m, 0, SCN + 14, 2, RW, FIX | MMF_MAP_SHARED, 0, 0), 0);
	ck_assert_int_eq(mm_map_file(m, 0, SCN + 16, 2, RW, FIX | MMF_MAP_SHARED, 0, 2), 0);
	ck_assert_int_eq(mm_map_file(m, 0, SCN + 20, 2, RW, FIX, 0, 1), 0);
	ck_assert_int_eq(mm_unmap(m, SCN + 6, 1), 0);
	ck_assert_int_eq(mmf_as_madvise(m, 0, AT(SCN), PG, MMF_MADV_DONTFORK, &err), 0);
	ck_assert_int_eq(mmf_as_mremap(m, 0, AT(SCN + 8), 2 * PG, 3 * PG, 0, 0, &out, &err), 0);
	ck_assert_int_eq(mmf_as_mmap(m, 0, AT(SCN + 30), 2 * PG, R, MMF_MAP_HINT, &out, &err), 0);
	ck_assert_int_eq(mm_prot(m, SCN + 15, 1, R), 0);
	ck_assert_int_eq(acc(m, SCN + 21, 1, 1, NULL), 0);
	static char ours[16384];
	mmf_as_report_maps(m, 0, ours, sizeof(ours));
	mmf_machine_fini(m);

	static struct mline rv[64], ov[64];
	unsigned rn = parse_maps(real, rv, 64), on = parse_maps(ours, ov, 64);
	static char rt[4096], ot[4096];
	lines_text(rv, rn, rt, sizeof(rt));
	lines_text(ov, on, ot, sizeof(ot));
	ck_assert_msg(rn >= 8, "the kernel's maps of the window:\n%s", rt);
	ck_assert_msg(!strcmp(rt, ot), "maps lines differ\nkernel:\n%s\nreference:\n%s", rt, ot);
	rn = zdtm_merge(rv, rn);
	on = zdtm_merge(ov, on);
	lines_text(rv, rn, rt, sizeof(rt));
	lines_text(ov, on, ot, sizeof(ot));
	ck_assert_msg(!strcmp(rt, ot), "merged maps differ\nkernel:\n%s\nreference:\n%s", rt, ot);
}
END_TEST

/* Our smaps lines have the kernel's layout: every label we print is in
 * this kernel's block for an anonymous mapping, in the same order, with
 * the value ending at the same column and the same unit. */
START_TEST(t_smaps_layout_matches_kernel)
{
	size_t len = 1 << 16;
	char *anon = mmap((void *)(uintptr_t)AT(2048), len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ck_assert_msg(anon != MAP_FAILED, "cannot map in the window: %s", strerror(errno));
	anon[0] = 1;
	FILE *fp = fopen("/proc/self/smaps", "r");
	ck_assert_ptr_nonnull(fp);
	static char real[8192] = "\n"; /* each line starts after a newline */
	size_t rl = 1;
	char line[512];
	int in = 0;
	while (fgets(line, sizeof(line), fp)) {
		unsigned long long s, e;
		int header = sscanf(line, "%llx-%llx", &s, &e) == 2 && strchr(line, ' ') && line[strcspn(line, " ") - 1] != ':';
		if (header)
			in = s == (unsigned long long)(uintptr_t)anon;
		else if (in && rl + strlen(line) < sizeof(real))
			rl += (size_t)snprintf(real + rl, sizeof(real) - rl, "%s", line);
	}
	fclose(fp);
	munmap(anon, len);
	ck_assert_msg(rl > 1, "own mapping not found in /proc/self/smaps");

	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_get(0), MMF_MUT_NONE), 0);
	ck_assert_int_eq(mm_map(&mach, 0, 16, RW, FIX, NULL), 0);
	ck_assert_int_eq(acc(&mach, 0, 1, 1, NULL), 0);
	static char ours[8192];
	mmf_as_report_smaps(&mach, 0, ours, sizeof(ours));
	mmf_machine_fini(&mach);
	const char *from = real;
	char missing[1024] = "";
	for (char *l = strchr(ours, '\n') + 1; *l;) {
		size_t n = strcspn(l, "\n"), lab = strcspn(l, ":") + 1;
		char label[40];
		snprintf(label, sizeof(label), "\n%.*s", (int)lab, l);
		const char *r = strstr(from, label); /* at or after the last match */
		if (!r) {
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), " %.*s", (int)lab, l);
		} else {
			r++;
			size_t rn = strcspn(r, "\n");
			if (strncmp(l, "VmFlags:", 8) != 0) {
				/* value's last digit at the same column, same unit after it */
				size_t od = n, rd = rn;
				while (od && !(l[od - 1] >= '0' && l[od - 1] <= '9'))
					od--;
				while (rd && !(r[rd - 1] >= '0' && r[rd - 1] <= '9'))
					rd--;
				ck_assert_msg(od == rd && n - od == rn - rd && !strncmp(l + od, r + rd, n - od),
					      "layout of '%.*s' differs: ours '%.*s', kernel '%.*s'", (int)lab, l, (int)n, l,
					      (int)rn, r);
			}
			from = r + rn; /* the newline ending it */
		}
		l += n + (l[n] == '\n');
	}
	ck_assert_msg(!missing[0], "labels this kernel's smaps lacks or has in another order:%s", missing);
}
END_TEST

/* pagemap's bits for the same accesses as this kernel gives them, the
 * reference running with the knobs the host agent's probe finds: a
 * written private page present and exclusive, a read one present only
 * (the zero page) or exclusive too (no zero page), an untouched one nothing, a shmem page present and
 * file-backed. The frame and soft-dirty bits are left out. */
START_TEST(t_pagemap_bits_match_kernel)
{
	size_t len = 4 * 4096;
	volatile char *anon = mmap((void *)(uintptr_t)AT(3072), len, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	volatile char *shm = mmap((void *)(uintptr_t)AT(3080), 4096, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ck_assert_msg(anon != MAP_FAILED && shm != MAP_FAILED, "cannot map in the window: %s", strerror(errno));
	anon[0] = 1;
	(void)anon[4096];
	shm[0] = 1;
	FILE *fp = fopen("/proc/self/pagemap", "rb");
	ck_assert_ptr_nonnull(fp);
	uint64_t real[4], rs;
	ck_assert_int_eq(fseek(fp, (long)((uintptr_t)anon / 4096 * 8), SEEK_SET), 0);
	ck_assert_int_eq(fread(real, 8, 4, fp), 4);
	ck_assert_int_eq(fseek(fp, (long)((uintptr_t)shm / 4096 * 8), SEEK_SET), 0);
	ck_assert_int_eq(fread(&rs, 8, 1, fp), 1);
	fclose(fp);
	munmap((void *)anon, len);
	munmap((void *)shm, 4096);

	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_get(0), MMF_MUT_NONE), 0);
	/* the reference runs as this kernel, as the host agent probes it */
	char knobs[1024], why[200];
	lx_probe(knobs, sizeof(knobs));
	ck_assert_msg(mmf_kernel_parse(knobs, &mach.k, why, sizeof(why)) == 0, "probe '%s': %s", knobs, why);
	ck_assert_msg(strstr(knobs, "zero_page="), "the probe could not tell the zero page: '%s'", knobs);
	ck_assert_int_eq(mm_map(&mach, 3072, 4, RW, FIX, NULL), 0);
	ck_assert_int_eq(mm_map(&mach, 3080, 1, RW, FIX | MMF_MAP_SHARED, NULL), 0);
	ck_assert_int_eq(acc(&mach, 3072, 1, 1, NULL), 0);
	ck_assert_int_eq(acc(&mach, 3073, 0, 0, NULL), 0);
	ck_assert_int_eq(acc(&mach, 3080, 1, 1, NULL), 0);
	static char pm[4096];
	mmf_as_report_pagemap(&mach, 0, pm, sizeof(pm));
	mmf_machine_fini(&mach);
	uint64_t ours[5] = { 0 };
	for (char *l = pm; *l; l += strcspn(l, "\n") + 1) {
		unsigned long long a, e;
		if (sscanf(l, "%llx %llx", &a, &e) == 2 && (a - AT(3072)) / 4096 < 9)
			ours[(a - AT(3072)) / 4096 == 8 ? 4 : (a - AT(3072)) / 4096] = e;
	}
	const uint64_t bits = 0xe100000000000000ull; /* present, swap, file, exclusive */
	for (int k = 0; k < 4; k++)
		ck_assert_msg((real[k] & bits) == (ours[k] & bits), "page %d: kernel %#llx, ours %#llx", k,
			      (unsigned long long)(real[k] & bits), (unsigned long long)(ours[k] & bits));
	ck_assert_msg((rs & bits) == (ours[4] & bits), "shmem page: kernel %#llx, ours %#llx", (unsigned long long)(rs & bits),
		      (unsigned long long)(ours[4] & bits));
}
END_TEST

static const enum mmf_mutant vma_mutants[] = {
	MMF_MUT_VMA_MERGE_IGNORES_ACCOUNT, MMF_MUT_MUNMAP_LEAVES_TAIL, MMF_MUT_MMAP_NOREPLACE_REPLACES,
	MMF_MUT_MPROTECT_SPLIT_OFF_BY_ONE, MMF_MUT_MPROTECT_HOLE_IGNORED, MMF_MUT_PGTABLE_NEVER_FREED,
	MMF_MUT_ZAP_SKIPS_LAST_PTE,	   MMF_MUT_READ_FAULT_ALLOCATES, MMF_MUT_MPROTECT_KEEPS_WRITE,
	MMF_MUT_FORK_KEEPS_WRITE,	   MMF_MUT_COW_NO_COPY,		 MMF_MUT_EXIT_LEAKS_PGD,
	MMF_MUT_MADV_DONTNEED_IGNORED,	   MMF_MUT_WIPEONFORK_COPIES,	 MMF_MUT_BRK_NO_GUARD_PAGE,
	MMF_MUT_MREMAP_LOSES_PTES,	   MMF_MUT_TRUNCATE_KEEPS_COWS,	 MMF_MUT_MAPCOUNT_NOT_RAISED,
	MMF_MUT_DONTNEED_DROPS_CACHE,	   MMF_MUT_FORK_UNCHAINED_ANON_VMA, MMF_MUT_FORK_SKIPS_PFN_PTES,
	MMF_MUT_SOFTDIRTY_NOT_CLEARED,	   MMF_MUT_SOFTDIRTY_KEEPS_VMA_FLAG,
};

/* 5-level page tables (numa2): one more table level per path. */
START_TEST(t_five_levels)
{
	unsigned idx;
	ck_assert_ptr_nonnull(mmf_profile_find("numa2", &idx));
	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_get(idx), MMF_MUT_NONE), 0);
	ck_assert_uint_eq(mmf_pt_levels(&mach), 5);
	ck_assert_int_eq(mm_map(&mach, 0, 2, RW, FIX, NULL), 0);
	ck_assert_int_eq(acc(&mach, 1, 1, 3, NULL), 0);
	ck_assert_uint_eq(mach.nr_pagetables, 4);
	char buf[2048];
	mmf_report_meminfo(&mach, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "PageTables:           16 kB"));
	char w[400] = "";
	ck_assert_msg(mmf_as_vma_is_valid(&mach, w, sizeof(w)) == 0, "%s", w);
	ck_assert_int_eq(mm_unmap(&mach, 0, 2), 0);
	ck_assert_uint_eq(mach.nr_pagetables, 0);
	mmf_machine_fini(&mach);
}
END_TEST

/* 8 KiB user pages (sparc64, as QEMU's guests have them): VMAs, faults,
 * smaps, pagemap, fault-around and page tables count in them, and a user
 * page and a page table are order-1 blocks of the 4 KiB frames. */
#define AT8(p) (MMF_AS_WINDOW_BASE + (uint64_t)(p) * 8192)
START_TEST(t_eight_k_pages)
{
	unsigned idx;
	ck_assert_ptr_nonnull(mmf_profile_find("sparc64", &idx));
	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_get(idx), MMF_MUT_NONE), 0);
	struct mmf_machine *m = &mach;
	int err = 0, fault = 0;
	uint64_t out, v;
	/* a 4 KiB-aligned address that is not 8 KiB-aligned is EINVAL */
	ck_assert_int_eq(mmf_as_mmap(m, 0, AT8(1) + 4096, 8192, RW, FIX, &out, &err), -1);
	ck_assert_int_eq(err, EINVAL);
	ck_assert_int_eq(mmf_as_mmap(m, 0, AT8(0), 4 * 8192, RW, FIX, &out, &err), 0);
	ck_assert_int_eq(mmf_as_mprotect(m, 0, AT8(2), 8192, R, &err), 0);
	/* a length of one 4 KiB frame rounds up to a whole page */
	ck_assert_int_eq(mmf_as_munmap(m, 0, AT8(3), 4096, &err), 0);
	char maps[1024];
	mmf_as_report_maps(m, 0, maps, sizeof(maps));
	char want[400];
	snprintf(want, sizeof(want),
		 "%llx-%llx rw-p 00000000 00:00 0 \n%llx-%llx r--p 00000000 00:00 0 \n",
		 (unsigned long long)AT8(0), (unsigned long long)AT8(2), (unsigned long long)AT8(2),
		 (unsigned long long)AT8(3));
	ck_assert_str_eq(maps, want);
	ck_assert_int_eq(mmf_as_access(m, 0, AT8(1) + 4096, 1, 5, &fault, &v, &err), 0);
	ck_assert_int_eq(fault, 0);
	/* the write in the page's second half faulted in the whole page */
	ck_assert_int_eq(mmf_as_access(m, 0, AT8(1), 0, 0, &fault, &v, &err), 0);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(mmf_as_access(m, 0, AT8(3), 0, 0, &fault, &v, &err), 0);
	ck_assert_int_eq(fault, SIGSEGV);
	struct mmf_mm *mm = mmf_as_mm(m, 0);
	const uint64_t *pte = mmf_pte_lookup(m, mm, AT8(1), 0);
	ck_assert_ptr_nonnull(pte);
	const struct mmf_page *pg = pfn_to_page(m, pte_pfn(*pte));
	ck_assert_uint_eq(pg->order, 1);
	ck_assert_uint_eq(pte_pfn(*pte) % 2, 0);
	/* pud, pmd and pte tables of 8 KiB, 1024 entries each */
	ck_assert_uint_eq(mm->pgtables_bytes, 3 * 8192);
	ck_assert_int_eq(smaps_kb(m, 0, "Rss:"), 8);
	ck_assert_int_eq(smaps_kb(m, 0, "KernelPageSize:"), 8);
	ck_assert_int_eq(smaps_kb(m, 0, "Size:"), 16);
	static char pm[4096];
	mmf_as_report_pagemap(m, 0, pm, sizeof(pm));
	snprintf(want, sizeof(want), "%llx 8100000000000000\n", (unsigned long long)AT8(1));
	ck_assert_str_eq(pm, want);
	/* fault-around is fault_around_bytes: 8 pages of 8 KiB */
	ck_assert_int_eq(file_trunc(m, 1, 16), 0);
	ck_assert_int_eq(mmf_as_mmap_file(m, 0, AT8(100), 16 * 8192, RW, FIX | MMF_MAP_SHARED, 1, 0, &out, &err), 0);
	for (unsigned i = 0; i < 16; i++)
		ck_assert_int_eq(mmf_as_access(m, 0, AT8(100 + i), 1, i + 1, &fault, &v, &err), 0);
	ck_assert_int_eq(mmf_as_mmap_file(m, 0, AT8(200), 16 * 8192, R, FIX, 1, 0, &out, &err), 0);
	ck_assert_int_eq(mmf_as_access(m, 0, AT8(204), 0, 0, &fault, &v, &err), 0);
	ck_assert_uint_eq(v, 5);
	unsigned mapped = 0;
	for (unsigned i = 0; i < 16; i++) {
		const uint64_t *e = mmf_pte_lookup(m, mm, AT8(200 + i), 0);
		mapped += e && (*e & PTE_MAPPED) ? 1 : 0;
	}
	ck_assert_uint_eq(mapped, 8);
	char w[400] = "";
	ck_assert_msg(mmf_as_vma_is_valid(m, w, sizeof(w)) == 0, "%s", w);
	ck_assert_msg(mmf_buddy_is_valid(m, w, sizeof(w)) == 0, "%s", w);
	ck_assert_int_eq(mmf_as_exit(m, 0, &err), 0);
	ck_assert_msg(mmf_buddy_is_valid(m, w, sizeof(w)) == 0, "%s", w);
	mmf_machine_fini(&mach);
}
END_TEST

/* cow.c's matrix, after tools/testing/selftests/mm/cow.c: each backing
 * (private and shared anonymous memory, private and shared file pages),
 * written before fork, then by nobody, the parent, the child, or both in
 * either order; afterwards each side must read its own writes and, where
 * the memory is shared, the other's too; the walkers must hold. */
enum { B_ANON, B_SHANON, B_FILE, B_SHFILE, NR_BACKINGS };
static const char *const backing_name[] = { "private anon", "shared anon", "private file", "shared file" };
static const char *const order_name[] = { "nobody", "parent", "child", "parent then child", "child then parent" };

START_TEST(t_cow_matrix)
{
	unsigned backing = (unsigned)_i / 5, order = (unsigned)_i % 5;
	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_get(0), MMF_MUT_NONE), 0);
	struct mmf_machine *m = &mach;
	int shared = backing == B_SHANON || backing == B_SHFILE, err = 0;
	unsigned flags = FIX | (shared ? MMF_MAP_SHARED : 0);
	if (backing == B_FILE || backing == B_SHFILE) {
		ck_assert_int_eq(file_trunc(m, 2, 2), 0);
		ck_assert_int_eq(mm_map_file(m, 0, 0, 2, RW, flags, 2, 0), 0);
	} else {
		ck_assert_int_eq(mm_map(m, 0, 2, RW, flags, NULL), 0);
	}
	ck_assert_int_eq(acc(m, 0, 1, 0x100, NULL), 0); /* before fork */
	ck_assert_int_eq(mmf_as_fork(m, 0, 1, &err), 0);
	static const unsigned writers[5][2] = { { 9, 9 }, { 0, 9 }, { 1, 9 }, { 0, 1 }, { 1, 0 } };
	uint64_t seen[2] = { 0x100, 0x100 }, token[2] = { 0x01, 0x20 };
	for (unsigned k = 0; k < 2; k++) {
		unsigned w = writers[order][k];
		if (w > 1)
			continue;
		ck_assert_int_eq(acc_p(m, w, 0, 1, token[w], NULL), 0);
		for (unsigned q = 0; q < 2; q++)
			if (q == w || shared)
				seen[q] ^= token[w];
	}
	for (unsigned q = 0; q < 2; q++) {
		uint64_t v = 0;
		ck_assert_int_eq(acc_p(m, q, 0, 0, 0, &v), 0);
		ck_assert_msg(v == seen[q], "%s, written by %s: process %u reads %#llx, expected %#llx",
			      backing_name[backing], order_name[order], q, (unsigned long long)v,
			      (unsigned long long)seen[q]);
	}
	/* Shared memory is one page for both; private memory is one page
	 * until someone writes. */
	char pic[2][8];
	draw(m, 0, 0, 1, pic[0]);
	draw(m, 1, 0, 1, pic[1]);
	int written = order != 0;
	char want = shared ? (backing == B_SHANON || backing == B_SHFILE ? 'F' : 'A') : written ? 'a' : 'A';
	if (!shared && order != 0 && order < 3) /* one side wrote: it has a copy, the other the original */
		ck_assert_msg(pic[0][0] == 'a' && pic[1][0] == 'a', "%s, written by %s: pictures %s %s",
			      backing_name[backing], order_name[order], pic[0], pic[1]);
	else
		ck_assert_msg(pic[0][0] == want && pic[1][0] == want, "%s, written by %s: pictures %s %s, expected %c",
			      backing_name[backing], order_name[order], pic[0], pic[1], want);
	char w[400] = "";
	ck_assert_msg(mmf_as_vma_is_valid(m, w, sizeof(w)) == 0, "%s", w);
	ck_assert_int_eq(mmf_as_exit(m, 1, &err), 0);
	ck_assert_int_eq(mmf_as_exit(m, 0, &err), 0);
	ck_assert_msg(mmf_as_vma_is_valid(m, w, sizeof(w)) == 0, "%s", w);
	ck_assert_uint_eq(m->nr_pagetables, 0);
	/* a file keeps its page cache after every mapping has gone */
	ck_assert_uint_eq(m->nr_anon, backing == B_FILE || backing == B_SHFILE ? 1 : 0);
	mmf_machine_fini(m);
}
END_TEST

/* The kernel's page table: the linear map translates __va() back with
 * the largest leaves, the ioremap aperture has a leaf of each size, the
 * fixmap slot and a vmalloc area map their frames, in 4 and 5 levels. */
START_TEST(t_kernel_table)
{
	static const char *const profiles[] = { "x86_64", "numa2" };
	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_find(profiles[_i], NULL), MMF_MUT_NONE), 0);
	struct mmf_machine *m = &mach;
	uint64_t pa, flags;
	unsigned level;
	uint64_t last = ((uint64_t)m->end_pfn << 12) - 4096;
	ck_assert_int_eq(mmf_kpt_translate(m, mmf_kpt_va(m, 0x1234), &pa, &level, &flags), 0);
	ck_assert_uint_eq(pa, 0x1234);
	ck_assert_uint_eq(level, 1); /* memory starts 2 MiB-aligned: a PMD leaf */
	ck_assert(flags & PTE_PS);
	ck_assert(!(flags & PTE_USER));
	ck_assert_int_eq(mmf_kpt_translate(m, mmf_kpt_va(m, last + 8), &pa, NULL, NULL), 0);
	ck_assert_uint_eq(pa, last + 8);
	ck_assert_uint_eq(mmf_kpt_pa(m, mmf_kpt_va(m, last)), last);
	ck_assert_int_eq(mmf_kpt_translate(m, mmf_kpt_va(m, last + 4096), &pa, NULL, NULL), -1);
	/* ioremap: 1 GiB leaf, then 2 MiB, then 4 KiB ptes, all uncached */
	static const struct {
		uint64_t off;
		unsigned level;
	} io[] = { { 0x12345678, 2 }, { (1ull << 30) + 0x1000, 1 }, { (1ull << 30) + (2ull << 20) + 0x1008, 0 } };
	for (unsigned k = 0; k < 3; k++) {
		ck_assert_int_eq(mmf_kpt_translate(m, MMF_IOREMAP_VA + io[k].off, &pa, &level, &flags), 0);
		ck_assert_uint_eq(pa, MMF_IOREMAP_PA + io[k].off);
		ck_assert_uint_eq(level, io[k].level);
		ck_assert(flags & PTE_PCD);
	}
	ck_assert_int_eq(mmf_kpt_translate(m, MMF_IOREMAP_VA + MMF_IOREMAP_SIZE, &pa, NULL, NULL), -1);
	/* fixmap: the APIC page at boot; a slot set and cleared */
	ck_assert_int_eq(mmf_kpt_translate(m, mmf_fix_to_virt(MMF_FIX_APIC_BASE) + 0x20, &pa, &level, NULL), 0);
	ck_assert_uint_eq(pa, 0xfee00020);
	ck_assert_int_eq(mmf_kpt_set_fixmap(m, 5, 0x3000), 0);
	ck_assert_int_eq(mmf_kpt_translate(m, mmf_fix_to_virt(5), &pa, NULL, NULL), 0);
	ck_assert_uint_eq(pa, 0x3000);
	mmf_kpt_clear_fixmap(m, 5);
	ck_assert_int_eq(mmf_kpt_translate(m, mmf_fix_to_virt(5), &pa, NULL, NULL), -1);
	/* vmalloc: its pages through the table, tables counted, walkers hold */
	uint64_t addr;
	int err;
	ck_assert_int_eq(mmf_vmalloc(m, 3 * PG, GFP_KERNEL, 0, 0, &addr, &err), MMF_OK);
	uint32_t pfn;
	ck_assert_int_eq(mmf_vmalloc_to_pfn(m, addr + PG, &pfn), 0);
	ck_assert_int_eq(mmf_kpt_translate(m, addr + PG + 5, &pa, &level, NULL), 0);
	ck_assert_uint_eq(pa, ((uint64_t)pfn << 12) + 5);
	ck_assert_uint_eq(level, 0);
	/* a PMD and a PTE table; with 5 levels a PUD too (only the p4d is
	 * preallocated there, as preallocate_vmalloc_pages() does) */
	unsigned tables = mmf_pt_levels(m) == 5 ? 3 : 2;
	ck_assert_uint_eq(m->nr_pagetables, tables);
	char w[400] = "";
	ck_assert_msg(mmf_as_vma_is_valid(m, w, sizeof(w)) == 0, "%s", w);
	ck_assert_int_eq(mmf_vfree(m, addr, 0), MMF_OK);
	ck_assert_int_eq(mmf_kpt_translate(m, addr + PG, &pa, NULL, NULL), -1);
	ck_assert_uint_eq(m->nr_pagetables, tables); /* kernel tables stay */
	/* reset puts the boot tables back */
	mmf_machine_reset(m);
	ck_assert_uint_eq(m->nr_pagetables, 0);
	ck_assert_msg(mmf_as_vma_is_valid(m, w, sizeof(w)) == 0, "after reset: %s", w);
	ck_assert_int_eq(mmf_vmalloc(m, 3 * PG, GFP_KERNEL, 0, 0, &addr, &err), MMF_OK);
	ck_assert_uint_eq(m->nr_pagetables, tables);
	mmf_machine_fini(m);
}
END_TEST

/* x86-64's swap pte encoding round-trips every type and offset size. */
START_TEST(t_swap_entry)
{
	for (unsigned type = 0; type < 32; type++)
		for (unsigned sh = 0; sh < 50; sh++) {
			uint64_t off = (1ull << sh) | (sh * 977u), pte = swp_entry_to_pte(type, off);
			off &= (1ull << 50) - 1;
			ck_assert(!(pte & (PTE_PRESENT | PTE_PROTNONE)));
			ck_assert_uint_eq(pte_swp_type(pte), type);
			ck_assert_uint_eq(pte_swp_offset(pte), off);
		}
	/* the L1TF inversion: a low offset sets the high frame bits */
	ck_assert_uint_ne(swp_entry_to_pte(0, 1) & PTE_PFN_MASK & (1ull << 51), 0);
}
END_TEST

/* With CONFIG_MEM_SOFT_DIRTY (numa2), pagemap bit 55 and "sd" show it. */
START_TEST(t_soft_dirty_reports)
{
	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_find("numa2", NULL), MMF_MUT_NONE), 0);
	struct mmf_machine *m = &mach;
	int err = 0;
	ck_assert_int_eq(mm_map(m, 0, 3, RW, FIX, NULL), 0);
	ck_assert_int_eq(acc(m, 0, 1, 1, NULL), 0);
	static char buf[8192];
	char want[256];
	mmf_as_report_pagemap(m, 0, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%llx 8180000000000000\n%llx 0080000000000000\n%llx 0080000000000000\n",
		 (unsigned long long)AT(0), (unsigned long long)AT(1), (unsigned long long)AT(2));
	ck_assert_str_eq(buf, want);
	mmf_as_report_smaps(m, 0, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, " ac sd \n"));
	ck_assert_int_eq(mmf_as_clear_refs(m, 0, 4, &err), 0);
	mmf_as_report_pagemap(m, 0, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%llx 8100000000000000\n", (unsigned long long)AT(0));
	ck_assert_str_eq(buf, want);
	mmf_as_report_smaps(m, 0, buf, sizeof(buf));
	ck_assert_ptr_null(strstr(buf, " sd "));
	mmf_machine_fini(m);
	/* without it (the default profile), never */
	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_get(0), MMF_MUT_NONE), 0);
	ck_assert_int_eq(mm_map(m, 0, 3, RW, FIX, NULL), 0);
	ck_assert_int_eq(acc(m, 0, 1, 1, NULL), 0);
	mmf_as_report_pagemap(m, 0, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%llx 8100000000000000\n", (unsigned long long)AT(0));
	ck_assert_str_eq(buf, want);
	mmf_machine_fini(m);
}
END_TEST

START_TEST(t_mutant_noticed)
{
	enum mmf_mutant mut = vma_mutants[_i];
	ck_assert_int_eq(mmf_machine_init(&mach, mmf_profile_get(0), mut), 0);
	char msg[800] = "";
	for (unsigned i = 0; i < NR_SCENARIOS && !msg[0]; i++)
		run_scenario(&mach, i, msg, sizeof(msg));
	ck_assert_msg(msg[0], "mutant %s passes every VMA scenario", mmf_reference_mutants[mut - 1].name);
	printf("mutant %-26s noticed by %s\n", mmf_reference_mutants[mut - 1].name, msg);
	mmf_machine_fini(&mach);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vma");
	TCase *tc = tcase_create("scenarios");
	tcase_add_loop_test(tc, t_scenario, 0, NR_SCENARIOS);
	tcase_add_test(tc, t_maps_layout_matches_kernel);
	tcase_add_test(tc, t_maps_scenario_matches_kernel);
	tcase_add_test(tc, t_five_levels);
	tcase_add_test(tc, t_eight_k_pages);
	tcase_add_test(tc, t_smaps_layout_matches_kernel);
	tcase_add_test(tc, t_pagemap_bits_match_kernel);
	tcase_add_loop_test(tc, t_cow_matrix, 0, NR_BACKINGS * 5);
	tcase_add_loop_test(tc, t_kernel_table, 0, 2);
	tcase_add_test(tc, t_swap_entry);
	tcase_add_test(tc, t_soft_dirty_reports);
	suite_add_tcase(s, tc);
	tc = tcase_create("mutants");
	tcase_add_loop_test(tc, t_mutant_noticed, 0, sizeof(vma_mutants) / sizeof(vma_mutants[0]));
	suite_add_tcase(s, tc);
	return mmf_check_run(s, 0);
}
