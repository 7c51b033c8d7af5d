/* Specification of hugetlb in the reference: the 2 MiB pool, reservations,
 * MAP_HUGETLB mappings, their faults, COW and fork, scenario by scenario.
 * Each row runs a few steps on tiny and draws the window's 2 MiB slots of
 * processes 0 and 1 after (one letter a slot), with the pool's counters:
 *
 *   h  a huge page mapped by a PMD leaf, mapped once   H  ... more than once
 *   n  a PROT_NONE leaf                                -  a hugetlb VMA, no leaf
 *   .  no VMA
 *
 * Steps (process 0 unless "in 1"; A and N count 2 MiB slots of the window):
 *   pool N / over N           nr_hugepages, nr_overcommit_hugepages
 *   map A N [shared] [noreserve]   mmap(MAP_HUGETLB | MAP_FIXED) of N slots at A
 *   write A / read A          a store or load at slot A (a fault: the step's
 *                             result is -SIGBUS or -SIGSEGV)
 *   fork / exit               process 1 from 0, and its end
 *   unmap A N / dontneed A N / remove A N / prot A N P   whole slots
 *   unmap4k A / dontneed4k A / prot4k A   4 KiB at slot A's second page
 *   shrink A                  mremap of slots [A, A+2) to one
 *   norestore                 the knob hugetlb_restore off (Linux before 6.7)
 * The counters: "Total Free Rsvd Surp". Then the errnos Linux gives bad
 * input, the walker's view of every scenario, and the meminfo lines. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/harness.h"
#include "reference/as.h"
#include "reference/mm.h"

#include "tests/check_run.h"

#define PG 4096ull
#define SLOT 512u
#define AT(slot) (MMF_AS_WINDOW_BASE + (uint64_t)(slot) * SLOT * PG)

static void boot_with(struct mmf_machine *m, enum mmf_mutant mutant)
{
	const struct mmf_profile *p = mmf_profile_find("tiny", &(unsigned){ 0 });
	ck_assert(p);
	ck_assert_int_eq(mmf_machine_init(m, p, mutant), 0);
}

static void boot(struct mmf_machine *m) { boot_with(m, MMF_MUT_NONE); }

static int as_call(struct mmf_machine *m, unsigned code, unsigned proc, uint64_t addr, uint64_t len, uint32_t flags)
{
	struct mmf_as_call c = { code, proc, addr, len, flags, 0 };
	char buf[512];
	size_t n;
	int err = 0;
	return mmf_as_call(m, &c, buf, sizeof(buf), &n, &err) ? -err : 0;
}

static int access(struct mmf_machine *m, unsigned proc, uint64_t addr, int kind)
{
	int fault = 0, err = 0;
	uint64_t v;
	if (mmf_as_access(m, proc, addr, kind, 0x77, &fault, &v, &err))
		return -err;
	return fault ? -fault : 0;
}

/* Runs steps, one per line; returns the last step's result (0 or -errno,
 * or minus the signal of a fault). */
static int run(struct mmf_machine *m, const char *steps)
{
	int r = 0;
	char line[96];
	for (const char *s = steps; *s;) {
		size_t n = strcspn(s, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)n, s);
		s += n + (s[n] == '\n');
		unsigned a = 0, b = 0, proc = 0;
		char w[16] = "";
		char *in = strstr(line, " in 1");
		if (in) {
			proc = 1;
			*in = 0;
		}
		sscanf(line, "%15s %u %u", w, &a, &b);
		int err = 0;
		if (!strcmp(w, "pool") || !strcmp(w, "over"))
			r = as_call(m, MMF_OP_HUGETLB_POOL, 0, 0, a * PG, w[0] == 'o');
		else if (!strcmp(w, "map"))
			r = as_call(m, MMF_OP_MMAP_HUGE, proc, AT(a), b * SLOT * PG,
				    MMF_MAP_FIXED | (strstr(line, "shared") ? MMF_MAP_SHARED : 0) |
					    (strstr(line, "noreserve") ? MMF_MAP_NORESERVE : 0) | 3u << 8);
		else if (!strcmp(w, "write"))
			r = access(m, proc, AT(a) + 5 * PG, MMF_ACCESS_WRITE);
		else if (!strcmp(w, "read"))
			r = access(m, proc, AT(a) + 5 * PG, MMF_ACCESS_READ);
		else if (!strcmp(w, "fork"))
			r = mmf_as_fork(m, 0, 1, &err) ? -err : 0;
		else if (!strcmp(w, "exit"))
			r = mmf_as_exit(m, 1, &err) ? -err : 0;
		else if (!strcmp(w, "unmap"))
			r = mmf_as_munmap(m, proc, AT(a), b * SLOT * PG, &err) ? -err : 0;
		else if (!strcmp(w, "unmap4k"))
			r = mmf_as_munmap(m, proc, AT(a) + PG, PG, &err) ? -err : 0;
		else if (!strcmp(w, "dontneed"))
			r = mmf_as_madvise(m, proc, AT(a), b * SLOT * PG, MMF_MADV_DONTNEED, &err) ? -err : 0;
		else if (!strcmp(w, "dontneed4k"))
			r = mmf_as_madvise(m, proc, AT(a), PG, MMF_MADV_DONTNEED, &err) ? -err : 0;
		else if (!strcmp(w, "remove"))
			r = mmf_as_madvise(m, proc, AT(a), b * SLOT * PG, MMF_MADV_REMOVE, &err) ? -err : 0;
		else if (!strcmp(w, "prot")) {
			unsigned p = 0;
			sscanf(line, "prot %u %u %u", &a, &b, &p);
			r = mmf_as_mprotect(m, proc, AT(a), b * SLOT * PG, p, &err) ? -err : 0;
		} else if (!strcmp(w, "prot4k"))
			r = mmf_as_mprotect(m, proc, AT(a) + PG, PG, 1, &err) ? -err : 0;
		else if (!strcmp(w, "shrink")) {
			uint64_t out;
			r = mmf_as_mremap(m, proc, AT(a), 2 * SLOT * PG, SLOT * PG, 0, 0, &out, &err) ? -err : 0;
		} else if (!strcmp(w, "grow")) {
			uint64_t out;
			r = mmf_as_mremap(m, proc, AT(a), SLOT * PG, 2 * SLOT * PG, MMF_MREMAP_MAYMOVE, 0, &out, &err) ? -err
															: 0;
		} else if (!strcmp(w, "norestore"))
			m->k.hugetlb_restore = 0;
		else
			ck_abort_msg("unknown step '%s'", line);
	}
	return r;
}

/* The letters of slots [0, n) of process proc. */
static void picture(struct mmf_machine *m, unsigned proc, unsigned n, char *out)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	for (unsigned i = 0; i < n; i++) {
		const struct mmf_vma *v = mm ? mmf_vma_find(mm, AT(i)) : NULL;
		const uint64_t *leaf = v ? mmf_hugetlb_leaf(m, mm, AT(i)) : NULL;
		char c = !v ? '.' : '-';
		if (leaf && (*leaf & PTE_PROTNONE))
			c = 'n';
		else if (leaf)
			c = pfn_to_page(m, pte_pfn(*leaf))->mapcount > 1 ? 'H' : 'h';
		out[i] = c;
	}
	out[n] = 0;
}

static void counters(struct mmf_machine *m, char *out, size_t cap)
{
	const struct mmf_hstate *h = &m->as->hstate;
	snprintf(out, cap, "%u %u %lld %u", h->nr, h->free, (long long)h->resv, h->surplus);
}

/* ---- 1. scenarios ------------------------------------------------------- */

static const struct scenario {
	const char *name;
	const char *steps;
	int last;          /* the last step's result */
	const char *p0, *p1; /* slots 0-3 of processes 0 and 1 (NULL: not asked) */
	const char *pool;  /* "Total Free Rsvd Surp" */
} scenarios[] = {
	{ "mmap reserves its pages; nothing is faulted yet", "pool 2\nmap 0 2", 0, "--..", NULL, "2 2 2 0" },
	{ "a fault uses its reservation", "pool 2\nmap 0 2\nwrite 1", 0, "-h..", NULL, "2 1 1 0" },
	{ "mmap past the pool is ENOMEM and maps nothing", "pool 1\nmap 0 2", -ENOMEM, "....", NULL, "1 1 0 0" },
	{ "MAP_NORESERVE reserves nothing; its fault takes a page nobody reserved",
	  "pool 1\nmap 0 1 noreserve\nwrite 0", 0, "h...", NULL, "1 0 0 0" },
	{ "... and with none left, the fault is SIGBUS", "pool 1\nmap 2 1\nmap 0 1 noreserve\nwrite 0", -SIGBUS,
	  "-.-.", NULL, "1 1 1 0" },
	{ "surplus pages under the overcommit limit make up a reservation", "pool 1\nover 2\nmap 0 3", 0, "---.", NULL,
	  "3 3 3 2" },
	{ "munmap of two faulted huge pages drops both leaves", "pool 2\nmap 0 2\nwrite 0\nwrite 1\nunmap 0 2", 0, "....",
	  NULL, "2 2 0 0" },
	{ "munmap gives the reservations back, and the surplus pages with them",
	  "pool 1\nover 2\nmap 0 3\nwrite 0\nunmap 0 3", 0, "....", NULL, "1 1 0 0" },
	{ "fork shares a private page; the child's write copies it into a free page",
	  "pool 2\nmap 0 1\nwrite 0\nfork\nwrite 0 in 1", 0, "h...", "h...", "2 0 0 0" },
	{ "no page for the child's copy: SIGBUS, the page still shared", "pool 1\nmap 0 1\nwrite 0\nfork\nwrite 0 in 1",
	  -SIGBUS, "H...", "H...", "1 0 0 0" },
	{ "the owner's copy with no page takes the page from the child (unmap_ref_private)",
	  "pool 1\nmap 0 1\nwrite 0\nfork\nwrite 0", 0, "h...", "-...", "1 0 0 0" },
	{ "... and the child's next fault there is SIGBUS", "pool 1\nmap 0 1\nwrite 0\nfork\nwrite 0\nread 0 in 1",
	  -SIGBUS, "h...", "-...", "1 0 0 0" },
	{ "fork copies no leaf of a shared mapping; the child faults the page cache's page",
	  "pool 1\nmap 0 1 shared\nwrite 0\nfork", 0, "h...", "-...", "1 0 0 0" },
	{ "... which it then shares", "pool 1\nmap 0 1 shared\nwrite 0\nfork\nread 0 in 1", 0, "H...", "H...",
	  "1 0 0 0" },
	{ "munmap of 4 KiB of a huge page is EINVAL", "pool 1\nmap 0 1\nwrite 0\nunmap4k 0", -EINVAL, "h...", NULL,
	  "1 0 0 0" },
	{ "mprotect of 4 KiB of a huge page is EINVAL", "pool 1\nmap 0 1\nprot4k 0", -EINVAL, "-...", NULL, "1 1 1 0" },
	{ "mprotect PROT_NONE of a whole one keeps its leaf", "pool 2\nmap 0 2\nwrite 0\nprot 0 1 0", 0, "n-..", NULL,
	  "2 1 1 0" },
	{ "MADV_DONTNEED of 4 KiB rounds its end down: nothing goes", "pool 1\nmap 0 1\nwrite 0\ndontneed4k 0", 0,
	  "h...", NULL, "1 0 0 0" },
	{ "MADV_DONTNEED of the owner's page gives its reservation back (Linux 6.7+)",
	  "pool 1\nmap 0 1\nwrite 0\ndontneed 0 1", 0, "-...", NULL, "1 1 1 0" },
	{ "... before 6.7 the reservation stays used", "norestore\npool 1\nmap 0 1\nwrite 0\ndontneed 0 1", 0, "-...",
	  NULL, "1 1 0 0" },
	{ "shrinking the pool keeps the pages in use and reserved, as surplus", "pool 3\nmap 0 2\nwrite 0\npool 0", 0,
	  "h-..", NULL, "2 1 1 2" },
	{ "... which go back to the buddy when freed", "pool 3\nmap 0 2\nwrite 0\npool 0\nunmap 0 2", 0, "....", NULL,
	  "0 0 0 0" },
	{ "mremap cannot grow a hugetlb mapping", "pool 2\nmap 0 1\ngrow 0", -EINVAL, "-...", NULL, "2 2 1 0" },
	{ "mremap shrinking one gives back its tail's reservation", "pool 2\nmap 0 2\nshrink 0", 0, "-...", NULL,
	  "2 2 1 0" },
	{ "MADV_REMOVE punches a shared page out of every mapping and the cache",
	  "pool 1\nmap 0 1 shared\nwrite 0\nfork\nread 0 in 1\nremove 0 1", 0, "-...", "-...", "1 1 0 0" },
	{ "MAP_FIXED over a shared mapping: its file keeps its reservation until the call returns",
	  "pool 2\nmap 0 1 shared\nmap 0 2", -ENOMEM, "....", NULL, "2 2 0 0" },
	{ "exit of a child returns its copy to the pool", "pool 2\nmap 0 1\nwrite 0\nfork\nwrite 0 in 1\nexit", 0,
	  "h...", "....", "2 1 0 0" },
};

static int subpages_ok(enum mmf_mutant mutant);

/* Runs scenario sc on a machine with mutant: 1 when everything is as it
 * says, else 0 with why. */
static int scenario_ok(const struct scenario *sc, enum mmf_mutant mutant, char *why, size_t cap)
{
	struct mmf_machine m;
	boot_with(&m, mutant);
	int r = run(&m, sc->steps), ok = 0;
	char got0[16], got1[16] = "", pool[64], msg[256];
	picture(&m, 0, 4, got0);
	picture(&m, 1, 4, got1);
	counters(&m, pool, sizeof(pool));
	if (r != sc->last)
		snprintf(why, cap, "the last step gave %d, want %d", r, sc->last);
	else if (strcmp(got0, sc->p0))
		snprintf(why, cap, "process 0 %s, want %s", got0, sc->p0);
	else if (sc->p1 && strcmp(got1, sc->p1))
		snprintf(why, cap, "process 1 %s, want %s", got1, sc->p1);
	else if (strcmp(pool, sc->pool))
		snprintf(why, cap, "pool %s, want %s", pool, sc->pool);
	else if (mmf_as_vma_is_valid(&m, msg, sizeof(msg)))
		snprintf(why, cap, "%s", msg);
	else
		ok = 1;
	mmf_machine_fini(&m);
	return ok;
}

START_TEST(scenario_holds)
{
	char why[300];
	ck_assert_msg(scenario_ok(&scenarios[_i], MMF_MUT_NONE, why, sizeof(why)), "%s: %s", scenarios[_i].name, why);
}
END_TEST

/* Each hugetlb mutant breaks at least one scenario: they say something. */
START_TEST(mutants_break_a_scenario)
{
	const struct mmf_mutant_desc *d = &mmf_reference_mutants[_i];
	if (strcmp(d->subsystem, "hugetlb"))
		return;
	char why[300];
	unsigned broken = 0;
	for (unsigned k = 0; k < sizeof(scenarios) / sizeof(scenarios[0]); k++)
		broken += !scenario_ok(&scenarios[k], (enum mmf_mutant)(_i + 1), why, sizeof(why));
	broken += !subpages_ok((enum mmf_mutant)(_i + 1));
	ck_assert_msg(broken > 0, "mutant %s breaks no scenario", d->name);
}
END_TEST

/* A written subpage keeps its own contents, through a COW copy too: 1
 * when it does on a machine with mutant. */
static int subpages_ok(enum mmf_mutant mutant)
{
	struct mmf_machine m;
	boot_with(&m, mutant);
	ck_assert_int_eq(run(&m, "pool 2\nmap 0 1\nfork"), 0);
	uint64_t v;
	int fault, err, ok = 1;
	for (unsigned k = 0; k < SLOT; k += 73)
		ck_assert_int_eq(mmf_as_access(&m, 0, AT(0) + k * PG, MMF_ACCESS_WRITE, 0x100 + k, &fault, &v, &err), 0);
	ck_assert_int_eq(mmf_as_fork(&m, 0, 2, &err), 0);
	ck_assert_int_eq(mmf_as_access(&m, 2, AT(0) + 511 * PG, MMF_ACCESS_WRITE, 0x5, &fault, &v, &err), 0);
	ck_assert_int_eq(fault, 0);
	/* the copy has every subpage, its own write on the last one */
	for (unsigned k = 0; k < SLOT; k += 73) {
		ck_assert_int_eq(mmf_as_access(&m, 2, AT(0) + k * PG, MMF_ACCESS_READ, 0, &fault, &v, &err), 0);
		ok &= v == ((0x100 + k) ^ (k == 511 ? 5 : 0));
	}
	/* and the parent's page is as it was */
	ck_assert_int_eq(mmf_as_access(&m, 0, AT(0) + 511 * PG, MMF_ACCESS_READ, 0, &fault, &v, &err), 0);
	ok &= v == 0x100 + 511;
	mmf_machine_fini(&m);
	return ok;
}

START_TEST(subpages_keep_their_contents) { ck_assert(subpages_ok(MMF_MUT_NONE)); }
END_TEST

/* ---- 2. bad input ------------------------------------------------------- */

START_TEST(bad_input_errnos)
{
	struct mmf_machine m;
	boot(&m);
	ck_assert_int_eq(as_call(&m, MMF_OP_HUGETLB_POOL, 0, 0, 0, 3), -EINVAL);
	ck_assert_int_eq(run(&m, "pool 2"), 0);
	/* MAP_FIXED off a 2 MiB boundary; a zero length */
	ck_assert_int_eq(as_call(&m, MMF_OP_MMAP_HUGE, 0, AT(0) + PG, SLOT * PG, MMF_MAP_FIXED | 3u << 8), -EINVAL);
	ck_assert_int_eq(as_call(&m, MMF_OP_MMAP_HUGE, 0, AT(0), 0, MMF_MAP_FIXED | 3u << 8), -EINVAL);
	/* MAP_FIXED_NOREPLACE over a mapping */
	ck_assert_int_eq(run(&m, "map 0 1"), 0);
	ck_assert_int_eq(as_call(&m, MMF_OP_MMAP_HUGE, 0, AT(0), SLOT * PG, MMF_MAP_FIXED_NOREPLACE | 3u << 8), -EEXIST);
	/* a process that is not there */
	ck_assert_int_eq(as_call(&m, MMF_OP_MMAP_HUGE, 5, AT(0), SLOT * PG, 3u << 8), -ESRCH);
	/* MADV_FREE, COLD, PAGEOUT and WIPEONFORK refuse hugetlb VMAs */
	int err = 0;
	static const unsigned refused[] = { MMF_MADV_FREE, MMF_MADV_COLD, MMF_MADV_PAGEOUT, MMF_MADV_WIPEONFORK };
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_int_eq(mmf_as_madvise(&m, 0, AT(0), SLOT * PG, refused[i], &err), -1);
		ck_assert_int_eq(err, EINVAL);
	}
	/* MADV_REMOVE of a private mapping */
	ck_assert_int_eq(mmf_as_madvise(&m, 0, AT(0), SLOT * PG, MMF_MADV_REMOVE, &err), -1);
	ck_assert_int_eq(err, EACCES);
	char msg[256];
	ck_assert_msg(!mmf_as_vma_is_valid(&m, msg, sizeof(msg)), "%s", msg);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- 3. the walker sees a broken pool ------------------------------------ */

START_TEST(walker_catches_a_lost_reservation)
{
	struct mmf_machine m;
	boot(&m);
	ck_assert_int_eq(run(&m, "pool 2\nmap 0 2"), 0);
	char msg[256];
	ck_assert(!mmf_as_vma_is_valid(&m, msg, sizeof(msg)));
	m.as->hstate.resv--; /* a reservation the counter forgot */
	ck_assert(mmf_as_vma_is_valid(&m, msg, sizeof(msg)));
	ck_assert_msg(strstr(msg, "hugetlb_resv"), "%s", msg);
	m.as->hstate.resv++;
	m.as->hstate.free++; /* a free page nobody has */
	ck_assert(mmf_as_vma_is_valid(&m, msg, sizeof(msg)));
	ck_assert_msg(strstr(msg, "hugetlb_counters"), "%s", msg);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- 4. meminfo and smaps ------------------------------------------------- */

START_TEST(reports_show_the_pool)
{
	struct mmf_machine m;
	boot(&m);
	ck_assert_int_eq(run(&m, "pool 3\nmap 0 2 shared\nwrite 1\nfork\nread 1 in 1"), 0);
	static char buf[16384];
	mmf_report_meminfo(&m, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "HugePages_Total:       3\nHugePages_Free:        2\nHugePages_Rsvd:        1\n"
				  "HugePages_Surp:        0\nHugepagesize:       2048 kB\nHugetlb:            6144 kB\n"),
		      "%s", buf);
	mmf_as_report_smaps(&m, 0, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "/anon_hugepage (deleted)"), "%s", buf);
	ck_assert_msg(strstr(buf, "KernelPageSize:     2048 kB"), "%s", buf);
	ck_assert_msg(strstr(buf, "Rss:                   0 kB"), "%s", buf);
	ck_assert_msg(strstr(buf, "Shared_Hugetlb:     2048 kB\nPrivate_Hugetlb:       0 kB"), "%s", buf);
	ck_assert_msg(strstr(buf, "VmFlags: rd wr sh mr mw me ms de ht"), "%s", buf);
	mmf_machine_fini(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hugetlb");
	TCase *t = tcase_create("scenarios");
	tcase_add_loop_test(t, scenario_holds, 0, sizeof(scenarios) / sizeof(scenarios[0]));
	tcase_add_loop_test(t, mutants_break_a_scenario, 0, MMF_NR_MUTANTS - 1);
	tcase_add_test(t, subpages_keep_their_contents);
	tcase_add_test(t, bad_input_errnos);
	tcase_add_test(t, walker_catches_a_lost_reservation);
	tcase_add_test(t, reports_show_the_pool);
	suite_add_tcase(s, t);
	return mmf_check_run(s, 1);
}
