/* Specification of transparent huge pages in the reference: faults, the
 * huge zero page, fork and COW, splits, MADV_COLLAPSE, scenario by
 * scenario. Each row runs a few steps on tiny (THP madvise, the huge zero
 * page on, 6.13+'s write to it) and draws the window's 2 MiB slots 0-3 of
 * processes 0 and 1 after, one letter a slot:
 *
 *   T  a THP mapped by a huge PMD, its pages mapped by this PMD only
 *   S  ... a THP whose pages something else maps too (fork)
 *   z  the huge zero page                  p  a pte table with pages, no huge PMD
 *   -  a VMA, nothing mapped               .  no VMA
 *
 * with thp_fault_alloc, thp_split_pmd and thp_collapse_alloc after.
 * Steps (process 0 unless "in 1"; A and N count 2 MiB slots):
 *   map A N [plain|nohuge|short]  mmap(MAP_FIXED) of N slots at A, then
 *                             MADV_HUGEPAGE (plain: none; nohuge:
 *                             MADV_NOHUGEPAGE; short: one page less, so no
 *                             slot of it is whole)
 *   write A / read A          a store or load at slot A's sixth page
 *   fork / exit               process 1 from 0, and its end
 *   unmap A N / prot A N P / dontneed A N / collapse A N   whole slots
 *   unmap4k A / prot4k A / dontneed4k A / free4k A / mlock4k A   slot A's second page
 *   always / never / zerowp0 / nozero / ptreclaim   knobs thp=always,
 *                             thp=never, thp_zero_wp=0, thp_zero_page=0,
 *                             pt_reclaim=1
 * Then subpage contents through splits and collapses, the walker, the
 * reports, and each thp mutant breaking a scenario. */
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
	ck_assert_int_eq(m->k.thp, 1); /* madvise, the profile's default */
}

static int access(struct mmf_machine *m, unsigned proc, uint64_t addr, int kind, uint64_t token, uint64_t *v)
{
	int fault = 0, err = 0;
	uint64_t dummy;
	if (mmf_as_access(m, proc, addr, kind, token, &fault, v ? v : &dummy, &err))
		return -err;
	return fault ? -fault : 0;
}

/* One step, then the settle every address-space op ends with (as the
 * reference adapter runs it). */
static int step(struct mmf_machine *m, const char *line)
{
	unsigned a = 0, b = 0, proc = strstr(line, " in 1") ? 1 : 0;
	char w[16] = "";
	sscanf(line, "%15s %u %u", w, &a, &b);
	int err = 0, r = 0;
	uint64_t out;
	if (!strcmp(w, "map")) {
		uint64_t len = b * SLOT * PG - (strstr(line, "short") ? PG : 0);
		r = mmf_as_mmap(m, proc, AT(a), len, 3, MMF_MAP_FIXED, &out, &err) ? -err : 0;
		if (!r && !strstr(line, "plain"))
			r = mmf_as_madvise(m, proc, AT(a), len, strstr(line, "nohuge") ? MMF_MADV_NOHUGEPAGE : MMF_MADV_HUGEPAGE,
					   &err) ? -err : 0;
	} else if (!strcmp(w, "write")) {
		r = access(m, proc, AT(a) + 5 * PG, MMF_ACCESS_WRITE, 0x77, NULL);
	} else if (!strcmp(w, "read")) {
		r = access(m, proc, AT(a) + 5 * PG, MMF_ACCESS_READ, 0, NULL);
	} else if (!strcmp(w, "fork")) {
		r = mmf_as_fork(m, 0, 1, &err) ? -err : 0;
	} else if (!strcmp(w, "exit")) {
		r = mmf_as_exit(m, 1, &err) ? -err : 0;
	} else if (!strcmp(w, "unmap")) {
		r = mmf_as_munmap(m, proc, AT(a), b * SLOT * PG, &err) ? -err : 0;
	} else if (!strcmp(w, "unmap4k")) {
		r = mmf_as_munmap(m, proc, AT(a) + PG, PG, &err) ? -err : 0;
	} else if (!strcmp(w, "prot")) {
		unsigned p = 0;
		sscanf(line, "prot %u %u %u", &a, &b, &p);
		r = mmf_as_mprotect(m, proc, AT(a), b * SLOT * PG, p, &err) ? -err : 0;
	} else if (!strcmp(w, "prot4k")) {
		r = mmf_as_mprotect(m, proc, AT(a) + PG, PG, 1, &err) ? -err : 0;
	} else if (!strcmp(w, "dontneed") || !strcmp(w, "collapse")) {
		r = mmf_as_madvise(m, proc, AT(a), b * SLOT * PG, w[0] == 'd' ? MMF_MADV_DONTNEED : MMF_MADV_COLLAPSE, &err)
			    ? -err
			    : 0;
	} else if (!strcmp(w, "collapse4k")) {
		r = mmf_as_madvise(m, proc, AT(a) + PG, PG, MMF_MADV_COLLAPSE, &err) ? -err : 0;
	} else if (!strcmp(w, "free4k")) {
		r = mmf_as_madvise(m, proc, AT(a) + PG, PG, MMF_MADV_FREE, &err) ? -err : 0;
	} else if (!strcmp(w, "dontneed4k")) {
		r = mmf_as_madvise(m, proc, AT(a) + PG, PG, MMF_MADV_DONTNEED, &err) ? -err : 0;
	} else if (!strcmp(w, "mlock4k")) {
		struct mmf_as_call c = { MMF_OP_MLOCK, proc, AT(a) + PG, PG, 0, 0 };
		char buf[64];
		size_t n;
		r = mmf_as_call(m, &c, buf, sizeof(buf), &n, &err) ? -err : 0;
	} else if (!strcmp(w, "always") || !strcmp(w, "never")) {
		m->k.thp = w[0] == 'a' ? 2 : 0;
	} else if (!strcmp(w, "zerowp0")) {
		m->k.thp_zero_wp = 0;
	} else if (!strcmp(w, "ptreclaim")) {
		m->k.pt_reclaim = 1;
	} else if (!strcmp(w, "nozero")) {
		m->k.thp_zero_page = 0;
	} else {
		ck_abort_msg("unknown step '%s'", line);
	}
	mmf_thp_settle(m);
	mmf_lru_drain(m);
	return r;
}

/* Runs steps, one per line: the last step's result (0, -errno, or minus
 * the signal of a fault). */
static int run(struct mmf_machine *m, const char *steps)
{
	int r = 0;
	char line[96];
	for (const char *s = steps; *s;) {
		size_t n = strcspn(s, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)n, s);
		s += n + (s[n] == '\n');
		r = step(m, line);
	}
	return r;
}

static void picture(struct mmf_machine *m, unsigned proc, char *out)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	for (unsigned i = 0; i < 4; i++) {
		const struct mmf_vma *v = mm ? mmf_vma_find(mm, AT(i)) : NULL;
		char c = !v ? '.' : '-';
		const uint64_t *pmd = v ? mmf_thp_pmd(m, mm, AT(i)) : NULL;
		if (pmd) {
			const uint64_t *t = (const uint64_t *)(m->bytes + ((*pmd & PTE_PFN_MASK) >> MMF_PAGE_SHIFT << MMF_PAGE_SHIFT));
			c = 'T';
			if (pte_is_zero_page(t[0]))
				c = 'z';
			for (unsigned k = 0; k < SLOT && c == 'T'; k++)
				if (pfn_to_page(m, pte_pfn(t[k]))->mapcount > 1)
					c = 'S';
		} else if (v) {
			for (unsigned k = 0; k < SLOT && c == '-'; k++) {
				const uint64_t *pte = mm->pgd == MMF_NIL ? NULL : mmf_pte_lookup(m, mm, AT(i) + k * PG, 0);
				if (pte && (*pte & PTE_MAPPED))
					c = 'p';
			}
		}
		out[i] = c;
	}
	out[4] = 0;
}

/* ---- 1. scenarios ------------------------------------------------------- */

static const struct scenario {
	const char *name;
	const char *steps;
	int last;
	const char *p0, *p1;
	const char *counters; /* "thp_fault_alloc thp_split_pmd thp_collapse_alloc" */
} scenarios[] = {
	{ "a write in a MADV_HUGEPAGE slot maps a THP", "map 0 2\nwrite 0", 0, "T-..", NULL, "1 0 0" },
	{ "without MADV_HUGEPAGE, madvise mode maps small pages", "map 0 2 plain\nwrite 0", 0, "p-..", NULL, "0 0 0" },
	{ "thp=always needs no hint", "always\nmap 0 2 plain\nwrite 0", 0, "T-..", NULL, "1 0 0" },
	{ "MADV_NOHUGEPAGE wins over always", "always\nmap 0 2 nohuge\nwrite 0", 0, "p-..", NULL, "0 0 0" },
	{ "thp=never maps small pages, hint or not", "never\nmap 0 2\nwrite 0", 0, "p-..", NULL, "0 0 0" },
	{ "a VMA one page short of a slot has no aligned 2 MiB: small pages", "map 0 1 short\nwrite 0", 0, "p...",
	  NULL, "0 0 0" },
	{ "a read maps the huge zero page", "map 0 2\nread 0", 0, "z-..", NULL, "0 0 0" },
	{ "... unless use_zero_page is off: then a THP", "nozero\nmap 0 2\nread 0", 0, "T-..", NULL, "1 0 0" },
	{ "a write to the huge zero page maps a THP of its own (6.13+)", "map 0 2\nread 0\nwrite 0", 0, "T-..", NULL,
	  "1 0 0" },
	{ "... before, it splits the PMD and copies one small page", "zerowp0\nmap 0 2\nread 0\nwrite 0", 0, "p-..",
	  NULL, "0 1 0" },
	{ "fork shares the huge PMD", "map 0 1\nwrite 0\nfork", 0, "S...", "S...", "1 0 0" },
	{ "the child's write splits its PMD and copies a small page; the parent's PMD stays",
	  "map 0 1\nwrite 0\nfork\nwrite 0 in 1", 0, "S...", "p...", "1 1 0" },
	{ "... then the parent's write splits it too", "map 0 1\nwrite 0\nfork\nwrite 0 in 1\nwrite 0", 0, "p...",
	  "p...", "1 2 0" },
	{ "with the child gone, the parent's write reuses the whole THP", "map 0 1\nwrite 0\nfork\nexit\nwrite 0", 0,
	  "T...", NULL, "1 0 0" },
	{ "fork copies the huge zero page's PMD (the fault prepared an anon_vma)", "map 0 1\nread 0\nfork", 0, "z...",
	  "z...", "0 0 0" },
	{ "munmap of 4 KiB splits the PMD", "map 0 1\nwrite 0\nunmap4k 0", 0, "p...", NULL, "1 1 0" },
	{ "munmap of the whole 2 MiB takes the PMD and its table", "map 0 2\nwrite 0\nunmap 0 1", 0, ".-..", NULL,
	  "1 0 0" },
	{ "mprotect of 4 KiB splits the PMD", "map 0 1\nwrite 0\nprot4k 0", 0, "p...", NULL, "1 1 0" },
	{ "mprotect of the whole 2 MiB keeps it huge", "map 0 2\nwrite 0\nprot 0 1 1", 0, "T-..", NULL, "1 0 0" },
	{ "... PROT_NONE too", "map 0 2\nwrite 0\nprot 0 1 0", 0, "T-..", NULL, "1 0 0" },
	{ "mlock of 4 KiB splits the VMA, and the PMD with it", "map 0 1\nwrite 0\nmlock4k 0", 0, "p...", NULL,
	  "1 1 0" },
	{ "MADV_DONTNEED of 4 KiB splits the PMD", "map 0 1\nwrite 0\ndontneed4k 0", 0, "p...", NULL, "1 1 0" },
	{ "MADV_DONTNEED of the whole 2 MiB leaves a none PMD", "map 0 1\nwrite 0\ndontneed 0 1", 0, "-...", NULL,
	  "1 0 0" },
	{ "... where the next write maps a new THP", "map 0 1\nwrite 0\ndontneed 0 1\nwrite 0", 0, "T...", NULL,
	  "2 0 0" },
	{ "MADV_COLLAPSE makes a split range one THP again", "map 0 1\nwrite 0\ndontneed4k 0\ncollapse 0 1", 0, "T...",
	  NULL, "1 1 1" },
	{ "MADV_COLLAPSE works without MADV_HUGEPAGE", "map 0 1 plain\nwrite 0\ncollapse 0 1", 0, "T...", NULL,
	  "0 0 1" },
	{ "... and even with THP never", "never\nmap 0 1\nwrite 0\ncollapse 0 1", 0, "T...", NULL, "0 0 1" },
	{ "MADV_COLLAPSE of a huge PMD is nothing to do", "map 0 1\nwrite 0\ncollapse 0 1", 0, "T...", NULL, "1 0 0" },
	{ "MADV_COLLAPSE where no table is: EINVAL", "map 0 1 plain\ncollapse 0 1", -EINVAL, "-...", NULL, "0 0 0" },
	{ "MADV_COLLAPSE in a NOHUGEPAGE VMA: EINVAL", "map 0 1 nohuge\nwrite 0\ncollapse 0 1", -EINVAL, "p...", NULL,
	  "0 0 0" },
	{ "MADV_COLLAPSE of ptes fork made read-only copies the shared pages (seen on 6.18)",
	  "map 0 1 plain\nwrite 0\nfork\ncollapse 0 1", 0, "T...", "p...", "0 0 1" },
	{ "MADV_COLLAPSE of a VMA that never faulted (no anon_vma), the zero page alone: EINVAL",
	  "map 0 1 plain\nread 0\ncollapse 0 1", -EINVAL, "p...", NULL, "0 0 0" },
	{ "MADV_FREE of 4 KiB of a THP splits the folio: its zero subpages become the zero page (6.12+)",
	  "map 0 1\nwrite 0\nfree4k 0", 0, "p...", NULL, "1 1 0" },
	{ "MADV_FREE of a THP fork shared leaves it alone", "map 0 1\nwrite 0\nfork\nfree4k 0", 0, "S...", "S...",
	  "1 0 0" },
	{ "MADV_COLLAPSE of a range inside one PMD, no 2 MiB boundary in it: EINVAL (seen on 6.18)",
	  "map 0 1\nwrite 0\ndontneed4k 0\ncollapse4k 0", -EINVAL, "p...", NULL, "1 1 0" },
	{ "MADV_COLLAPSE stops at the first block that fails (seen on 6.18): the ones before it collapse",
	  "map 0 2 plain\nwrite 0\ncollapse 0 2", -EINVAL, "T-..", NULL, "0 0 1" },
	{ "MADV_DONTNEED of a whole split slot leaves its empty table: the next write maps small pages",
	  "map 0 1\nwrite 0\nfork\nwrite 0\nexit\ndontneed 0 1\nwrite 0", 0, "p...", NULL, "1 1 0" },
	{ "... with CONFIG_PT_RECLAIM (6.14+) the table goes, and the write maps a THP",
	  "ptreclaim\nmap 0 1\nwrite 0\nfork\nwrite 0\nexit\ndontneed 0 1\nwrite 0", 0, "T...", NULL, "2 1 0" },
	{ "exit of a child sharing the PMD leaves the parent's THP exclusive", "map 0 1\nwrite 0\nfork\nexit", 0,
	  "T...", "....", "1 0 0" },
};

static int contents_ok(enum mmf_mutant mutant);

static int scenario_ok(const struct scenario *sc, enum mmf_mutant mutant, char *why, size_t cap)
{
	struct mmf_machine m;
	boot_with(&m, mutant);
	int r = run(&m, sc->steps), ok = 0;
	char got0[8], got1[8], cnt[64], msg[256];
	picture(&m, 0, got0);
	picture(&m, 1, got1);
	const struct mmf_thp *s = &m.as->thp;
	snprintf(cnt, sizeof(cnt), "%llu %llu %llu", (unsigned long long)s->fault_alloc, (unsigned long long)s->split_pmd,
		 (unsigned long long)s->collapse_alloc);
	if (r != sc->last)
		snprintf(why, cap, "the last step gave %d, want %d", r, sc->last);
	else if (strcmp(got0, sc->p0))
		snprintf(why, cap, "process 0 %s, want %s", got0, sc->p0);
	else if (sc->p1 && strcmp(got1, sc->p1))
		snprintf(why, cap, "process 1 %s, want %s", got1, sc->p1);
	else if (strcmp(cnt, sc->counters))
		snprintf(why, cap, "counters %s, want %s", cnt, sc->counters);
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

START_TEST(mutants_break_a_scenario)
{
	const struct mmf_mutant_desc *d = &mmf_reference_mutants[_i];
	if (strcmp(d->subsystem, "thp"))
		return;
	char why[300];
	unsigned broken = 0;
	for (unsigned k = 0; k < sizeof(scenarios) / sizeof(scenarios[0]); k++)
		broken += !scenario_ok(&scenarios[k], (enum mmf_mutant)(_i + 1), why, sizeof(why));
	broken += !contents_ok((enum mmf_mutant)(_i + 1));
	ck_assert_msg(broken > 0, "mutant %s breaks no scenario", d->name);
}
END_TEST

/* Written subpages keep their contents through a split (munmap of one
 * page) and a collapse, every other page reading zero: 1 when they do on
 * a machine with mutant. */
static int contents_ok(enum mmf_mutant mutant)
{
	struct mmf_machine m;
	boot_with(&m, mutant);
	ck_assert_int_eq(run(&m, "map 0 1"), 0);
	int ok = 1;
	for (unsigned k = 2; k < SLOT; k += 73)
		ck_assert_int_eq(access(&m, 0, AT(0) + k * PG, MMF_ACCESS_WRITE, 0x100 + k, NULL), 0);
	ck_assert_int_eq(access(&m, 0, AT(0) + 511 * PG, MMF_ACCESS_WRITE, 0x9, NULL), 0);
	mmf_thp_settle(&m);
	for (int pass = 0; pass < 2; pass++) {
		/* pass 0: after a split; pass 1: after the collapse that follows */
		ck_assert_int_eq(run(&m, pass ? "collapse 0 1" : "dontneed4k 0"), 0);
		for (unsigned k = 2; k < SLOT; k++) {
			uint64_t v;
			ck_assert_int_eq(access(&m, 0, AT(0) + k * PG, MMF_ACCESS_READ, 0, &v), 0);
			uint64_t want = k == 511 ? 0x9 : (k - 2) % 73 == 0 ? 0x100 + k : 0;
			ok &= v == want;
		}
		mmf_thp_settle(&m);
	}
	char msg[256];
	ok &= mmf_as_vma_is_valid(&m, msg, sizeof(msg)) == 0;
	mmf_machine_fini(&m);
	return ok;
}

START_TEST(subpages_keep_their_contents) { ck_assert(contents_ok(MMF_MUT_NONE)); }
END_TEST

/* A folio split by MADV_FREE of one page: with thp_split_zero (6.12+) only
 * the written page stays resident, else all 512 do. */
START_TEST(split_folio_maps_the_zero_page)
{
	for (int knob = 0; knob < 2; knob++) {
		struct mmf_machine m;
		boot_with(&m, MMF_MUT_NONE);
		m.k.thp_split_zero = (uint8_t)knob;
		ck_assert_int_eq(run(&m, "map 0 1\nwrite 0\nfree4k 0"), 0);
		static char buf[8192];
		ck_assert_int_gt(mmf_as_report_smaps(&m, 0, buf, sizeof(buf)), 0);
		ck_assert_msg(strstr(buf, knob ? "Rss:                   4 kB" : "Rss:                2048 kB"), "knob %d: %s", knob,
			      buf);
		uint64_t v;
		ck_assert_int_eq(access(&m, 0, AT(0) + 5 * PG, MMF_ACCESS_READ, 0, &v), 0);
		ck_assert_int_eq(v, 0x77);
		char msg[256];
		ck_assert_int_eq(mmf_as_vma_is_valid(&m, msg, sizeof(msg)), 0);
		mmf_machine_fini(&m);
	}
}
END_TEST

/* mprotect of a THP folio's ptes in a row gives them the accessed bit any
 * of them had (6.17+, knob mprotect_batch): a child's split copy of the
 * THP, its page 363 copied on a write and page 511 read, made PROT_NONE. */
START_TEST(mprotect_batches_a_folio)
{
	for (int knob = 0; knob < 2; knob++) {
		struct mmf_machine m;
		boot_with(&m, MMF_MUT_NONE);
		m.k.mprotect_batch = (uint8_t)knob;
		ck_assert_int_eq(run(&m, "map 0 1\nwrite 0\nfork"), 0);
		ck_assert_int_eq(access(&m, 1, AT(0) + 363 * PG, MMF_ACCESS_WRITE, 1, NULL), 0);
		ck_assert_int_eq(access(&m, 1, AT(0) + 511 * PG, MMF_ACCESS_READ, 0, NULL), 0);
		int err;
		ck_assert_int_eq(mmf_as_mprotect(&m, 1, AT(0), SLOT * PG, 0, &err), 0);
		mmf_thp_settle(&m);
		static char buf[8192];
		ck_assert_int_gt(mmf_as_report_smaps(&m, 1, buf, sizeof(buf)), 0);
		/* pages 364-511 are one batch: 148 young with the knob, 1 without;
		 * 363 is the child's own page */
		ck_assert_msg(strstr(buf, knob ? "Referenced:          596 kB" : "Referenced:            8 kB"), "knob %d: %s",
			      knob, buf);
		mmf_machine_fini(&m);
	}
}
END_TEST

/* ---- 2. the walker ------------------------------------------------------ */

START_TEST(walker_catches_a_pte_no_huge_leaf_gives)
{
	struct mmf_machine m;
	boot_with(&m, MMF_MUT_NONE);
	ck_assert_int_eq(run(&m, "map 0 1\nwrite 0"), 0);
	char msg[256];
	ck_assert_int_eq(mmf_as_vma_is_valid(&m, msg, sizeof(msg)), 0);
	/* one pte made read-only behind the PMD's back, no settle after */
	uint64_t *pte = mmf_pte_lookup(&m, mmf_as_mm(&m, 0), AT(0) + 7 * PG, 0);
	ck_assert(pte);
	*pte &= ~PTE_RW;
	ck_assert_int_ne(mmf_as_vma_is_valid(&m, msg, sizeof(msg)), 0);
	ck_assert_msg(strstr(msg, "thp_pmd"), "%s", msg);
	*pte |= PTE_RW;
	mmf_machine_fini(&m);
}
END_TEST

/* ---- 3. reports --------------------------------------------------------- */

START_TEST(reports_show_huge_pages)
{
	struct mmf_machine m;
	boot_with(&m, MMF_MUT_NONE);
	ck_assert_int_eq(run(&m, "map 0 2\nwrite 0\nread 1"), 0);
	static char buf[16384];
	ck_assert_int_gt(mmf_as_report_smaps(&m, 0, buf, sizeof(buf)), 0);
	ck_assert_msg(strstr(buf, "Rss:                2048 kB"), "%s", buf); /* the zero page is no one's */
	ck_assert_msg(strstr(buf, "AnonHugePages:      2048 kB"), "%s", buf);
	ck_assert_msg(strstr(buf, "THPeligible:           1"), "%s", buf);
	ck_assert_msg(strstr(buf, "VmFlags: rd wr mr mw me ac hg"), "%s", buf);
	ck_assert_int_gt(mmf_report_meminfo(&m, buf, sizeof(buf)), 0);
	ck_assert_msg(strstr(buf, "AnonHugePages:      2048 kB"), "%s", buf);
	ck_assert_int_gt(mmf_report_vmstat(&m, buf, sizeof(buf)), 0);
	ck_assert_msg(strstr(buf, "nr_anon_transparent_hugepages 1\nthp_fault_alloc 1\n"), "%s", buf);
	ck_assert_msg(strstr(buf, "thp_zero_page_alloc 1\n"), "%s", buf);
	/* one page short of a slot: no aligned 2 MiB, not eligible */
	ck_assert_int_eq(run(&m, "map 3 1 short"), 0);
	ck_assert_int_gt(mmf_as_report_smaps(&m, 0, buf, sizeof(buf)), 0);
	const char *v = strstr(buf, "\n200000600000-2000007ff000 ");
	ck_assert_msg(v && strstr(v, "THPeligible:           0"), "%s", buf);
	mmf_machine_fini(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("thp");
	TCase *t = tcase_create("scenarios");
	tcase_add_loop_test(t, scenario_holds, 0, sizeof(scenarios) / sizeof(scenarios[0]));
	tcase_add_loop_test(t, mutants_break_a_scenario, 0, MMF_NR_MUTANTS - 1);
	tcase_add_test(t, subpages_keep_their_contents);
	tcase_add_test(t, split_folio_maps_the_zero_page);
	tcase_add_test(t, mprotect_batches_a_folio);
	tcase_add_test(t, walker_catches_a_pte_no_huge_leaf_gives);
	tcase_add_test(t, reports_show_huge_pages);
	suite_add_tcase(s, t);
	return mmf_check_run(s, 1);
}
