/* Specification of memory under pressure in the reference: reclaim, swap,
 * zswap and the OOM killer, scenario by scenario. Each row runs a few
 * steps on tiny and states what every page of the range looks like after
 * (one letter a page) and the counters that moved:
 *
 *   P  present (a pte maps a page)     S  a swap entry, the slot on the device
 *   Z  a swap entry kept by zswap      C  a swap entry whose page the swap cache holds
 *   -  nothing
 *
 * Steps (process 0 unless "in 1"; pages are window pages):
 *   swapon N [prio]   swap device 0 with N pages     swapoff
 *   zswap PCT [zstd]  zswap on, the pool PCT% of memory
 *   map A N           anonymous rw mapping of pages [A, A+N), MAP_FIXED
 *   populate A N      ... and MAP_POPULATE
 *   write A / fill A K   a word, or the whole page with pattern K
 *   read A            a load     fork              process 1 from 0
 *   pageout A N / cold A N / free A N   madvise PAGEOUT, COLD, FREE
 *   kswapd / reclaim N / drop N          adj P V (oom_score_adj of P)
 *   async / zeromap   the knobs swap_async, swap_zeromap on (a disk's swap
 *                     file; Linux 6.12+'s zero pages as a bit)
 * Then the errnos Linux gives the bad inputs, a property over generated
 * pressure sequences, and the counters' report lines. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/harness.h"
#include "reference/as.h"
#include "reference/mm.h"
#include "reference/swap.h"

#include "tests/check_run.h"

#define PG 4096ull
#define AT(p) (MMF_AS_WINDOW_BASE + (uint64_t)(p) * PG)

static void boot(struct mmf_machine *m)
{
	const struct mmf_profile *p = mmf_profile_find("tiny", &(unsigned){ 0 });
	ck_assert(p);
	ck_assert_int_eq(mmf_machine_init(m, p, MMF_MUT_NONE), 0);
}

static int call(struct mmf_machine *m, unsigned code, unsigned who, uint64_t len, uint32_t flags)
{
	struct mmf_as_call c = { code, who, AT(0), len, flags, 0 };
	char buf[64];
	size_t n;
	int err = 0;
	int r = mmf_as_call(m, &c, buf, sizeof(buf), &n, &err);
	mmf_lru_drain(m);
	mmf_oom_op_end(m);
	mmf_kswapd_run(m);
	return r ? -err : 0;
}

static int advise(struct mmf_machine *m, unsigned proc, unsigned a, unsigned n, unsigned advice)
{
	int err = 0;
	int r = mmf_as_madvise(m, proc, AT(a), n * PG, advice, &err);
	mmf_lru_drain(m);
	mmf_kswapd_run(m);
	return r ? -err : 0;
}

static uint64_t access(struct mmf_machine *m, unsigned proc, unsigned a, int kind, uint64_t token)
{
	int fault, err;
	uint64_t v = 0;
	m->as->current = (int)proc;
	ck_assert_int_eq(mmf_as_access(m, proc, AT(a), kind, token, &fault, &v, &err), 0);
	ck_assert_int_eq(fault, 0);
	mmf_lru_drain(m);
	mmf_oom_op_end(m);
	mmf_kswapd_run(m);
	return v;
}

/* Runs steps, one per line; returns the last step's result (0 or -errno). */
static int run(struct mmf_machine *m, const char *steps)
{
	int r = 0;
	char line[96];
	for (const char *s = steps; *s;) {
		size_t n = strcspn(s, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)n, s);
		s += n + (s[n] == '\n');
		unsigned a = 0, b = 0, proc = 0;
		char w[16] = "", x[16] = "";
		char *in = strstr(line, " in 1");
		if (in) {
			proc = 1;
			*in = 0;
		}
		int k = sscanf(line, "%15s %u %u %15s", w, &a, &b, x);
		uint64_t out;
		int err = 0;
		if (!strcmp(w, "swapon"))
			r = call(m, MMF_OP_SWAPON, 0, a * PG, k > 2 ? 0x8000u | b : 0);
		else if (!strcmp(w, "swapoff"))
			r = call(m, MMF_OP_SWAPOFF, 0, 0, 0);
		else if (!strcmp(w, "zswap"))
			r = call(m, MMF_OP_ZSWAP, 0, a * PG, 1 | (k > 2 ? 2 : 0));
		else if (!strcmp(w, "map") || !strcmp(w, "populate")) {
			m->as->current = (int)proc;
			r = mmf_as_mmap(m, proc, AT(a), b * PG, 3, MMF_MAP_FIXED | (w[0] == 'p' ? MMF_MAP_POPULATE : 0), &out,
					&err)
				    ? -err
				    : 0;
			mmf_lru_drain(m);
			mmf_oom_op_end(m);
			mmf_kswapd_run(m);
		} else if (!strcmp(w, "write"))
			access(m, proc, a, MMF_ACCESS_WRITE, 0x1000 + a);
		else if (!strcmp(w, "fill"))
			access(m, proc, a, MMF_ACCESS_FILL, b);
		else if (!strcmp(w, "read"))
			access(m, proc, a, MMF_ACCESS_READ, 0);
		else if (!strcmp(w, "fork"))
			r = mmf_as_fork(m, 0, 1, &err) ? -err : 0;
		else if (!strcmp(w, "pageout"))
			r = advise(m, proc, a, b, MMF_MADV_PAGEOUT);
		else if (!strcmp(w, "cold"))
			r = advise(m, proc, a, b, MMF_MADV_COLD);
		else if (!strcmp(w, "free"))
			r = advise(m, proc, a, b, MMF_MADV_FREE);
		else if (!strcmp(w, "dontneed"))
			r = advise(m, proc, a, b, MMF_MADV_DONTNEED);
		else if (!strcmp(w, "lock")) {
			struct mmf_as_call c = { MMF_OP_MLOCK, proc, AT(a), b * PG, 0, 0 };
			char buf[8];
			size_t len;
			r = mmf_as_call(m, &c, buf, sizeof(buf), &len, &err) ? -err : 0;
			mmf_lru_drain(m);
		} else if (!strcmp(w, "kswapd"))
			r = call(m, MMF_OP_KSWAPD, 0, 0, 0);
		else if (!strcmp(w, "reclaim"))
			r = call(m, MMF_OP_RECLAIM, 0, a * PG, 0);
		else if (!strcmp(w, "drop"))
			r = call(m, MMF_OP_DROP_CACHES, 0, 0, a);
		else if (!strcmp(w, "async"))
			m->k.swap_async = 1;
		else if (!strcmp(w, "zeromap"))
			m->k.swap_zeromap = 1;
		else if (!strcmp(w, "adj")) {
			int v = 0;
			sscanf(line, "adj %u %d", &a, &v);
			r = call(m, MMF_OP_OOM_SCORE_ADJ, a, 0, (uint32_t)v);
		}
		else
			ck_abort_msg("unknown step '%s'", line);
	}
	return r;
}

/* The letters of pages [a, a + n) of process proc. */
static void picture(struct mmf_machine *m, unsigned proc, unsigned a, unsigned n, char *out)
{
	struct mmf_mm *mm = mmf_as_mm(m, proc);
	for (unsigned i = 0; i < n; i++) {
		const uint64_t *pte = mm && mm->pgd != MMF_NIL ? mmf_pte_lookup(m, mm, AT(a + i), 0) : NULL;
		char c = '-';
		if (pte && (*pte & PTE_MAPPED))
			c = 'P';
		else if (pte && pte_is_swap(*pte)) {
			uint32_t e = mmf_pte_to_swp(*pte);
			c = mmf_swap_cache_lookup(m, e) != MMF_NIL ? 'C' : mmf_zswap_holds(m, e) ? 'Z' : 'S';
		}
		out[i] = c;
	}
	out[n] = 0;
}

/* A vmstat counter by name. */
static unsigned long long vmstat(struct mmf_machine *m, const char *name)
{
	static char buf[8192];
	mmf_report_vmstat(m, buf, sizeof(buf));
	size_t n = strlen(name);
	for (char *l = buf; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != 0))
		if (!strncmp(l, name, n) && l[n] == ' ')
			return strtoull(l + n + 1, NULL, 10);
	ck_abort_msg("no vmstat line %s", name);
	return 0;
}

static unsigned swap_used(struct mmf_machine *m) { return (unsigned)(mmf_total_swap_pages(m) - mmf_nr_swap_pages(m)); }

/* ---- 1. reclaim and swap, page by page ---------------------------------- */

static const struct scenario {
	const char *name;
	const char *steps;
	unsigned from, n;     /* the pages pictured, of process 0 */
	const char *want;     /* their letters */
	int swap_used;        /* slots in use after (-1: not asked) */
	int pswpout, pswpin, zswpout; /* counters after (-1: not asked) */
	const char *active;   /* the lists' sizes: "ia aa if af u" (NULL: not asked) */
} scenarios[] = {
	{ "without swap MADV_PAGEOUT leaves anonymous pages, activated",
	  "map 0 8\nwrite 0\nwrite 1\nwrite 2\nwrite 3\npageout 0 8", 0, 8, "PPPP----", 0, 0, 0, 0, "0 4 0 0 0" },
	{ "with swap MADV_PAGEOUT writes them out and frees them",
	  "swapon 1000\nmap 0 8\nwrite 0\nwrite 1\nwrite 2\nwrite 3\npageout 0 8", 0, 8, "SSSS----", 4, 4, 0, 0,
	  "0 0 0 0 0" },
	{ "a read fault brings one back; the swap cache keeps the slot",
	  "swapon 1000\nmap 0 8\nwrite 0\nwrite 1\nwrite 5\npageout 0 8\nread 1", 0, 8, "SP---S--", 3, 3, 1, 0,
	  NULL },
	{ "a write fault by the page's only user frees the slot",
	  "swapon 1000\nmap 0 8\nwrite 0\nwrite 1\nwrite 5\npageout 0 8\nwrite 1", 0, 8, "SP---S--", 2, 3, 1, 0,
	  NULL },
	{ "munmap frees the slots its swap entries held",
	  "swapon 1000\nmap 0 8\nwrite 0\nwrite 1\npageout 0 8\nmap 0 8", 0, 8, "--------", 0, 2, 0, 0, NULL },
	{ "MADV_FREE drops a swapped-out page's slot",
	  "swapon 1000\nmap 0 8\nwrite 0\nwrite 1\npageout 0 8\nfree 0 1", 0, 8, "-S------", 1, 2, 0, 0, NULL },
	{ "a page fork shares is left alone by MADV_PAGEOUT",
	  "swapon 1000\nmap 0 8\nwrite 0\nwrite 1\nfork\npageout 0 8", 0, 8, "PP------", 0, 0, 0, 0, NULL },
	{ "MADV_COLD deactivates: the pages stay, inactive",
	  "swapon 1000\nmap 0 4\nwrite 0\nwrite 1\npageout 0 4\nread 0\nwrite 0\ncold 0 4", 0, 4, "PS--", -1, 2, 1, 0,
	  "1 0 0 0 0" },
	{ "zswap keeps a page of one repeated word without pool memory",
	  "zswap 20\nswapon 1000\nmap 0 4\nfill 0 4\npageout 0 4", 0, 4, "Z---", 1, 0, 0, 1, NULL },
	{ "zswap keeps a page of half noise compressed",
	  "zswap 20\nswapon 1000\nmap 0 4\nfill 0 2\npageout 0 4", 0, 4, "Z---", 1, 0, 0, 1, NULL },
	{ "zswap rejects noise: it goes to the device",
	  "zswap 20\nswapon 1000\nmap 0 4\nfill 0 3\npageout 0 4", 0, 4, "S---", 1, 1, 0, 0, NULL },
	{ "zswap with zstd round trip: the page comes back exclusive, the entry gone",
	  "zswap 20 zstd\nswapon 1000\nmap 0 4\nfill 0 2\npageout 0 4\nread 0", 0, 4, "P---", 1, 0, 0, 1, NULL },
	{ "swapoff brings every page back",
	  "swapon 1000\nmap 0 8\nwrite 0\nwrite 1\nwrite 2\npageout 0 8\nswapoff", 0, 8, "PPP-----", 0, 3, 3, 0,
	  NULL },
	{ "a disk's write (swap_async): MADV_PAGEOUT leaves the pages in the swap cache, inactive",
	  "async\nswapon 1000\nmap 0 4\nwrite 0\nwrite 1\npageout 0 4", 0, 4, "CC--", 2, 2, 0, 0, "2 0 0 0 0" },
	{ "... a later pass frees them (a batch of 32 takes both); a read then reads the device",
	  "async\nswapon 1000\nmap 0 4\nwrite 0\nwrite 1\npageout 0 4\nreclaim 1\nread 1", 0, 4, "SP--", 2, 2, 1, 0,
	  NULL },
	{ "... while a read fault on a page still cached reads nothing",
	  "async\nswapon 1000\nmap 0 4\nwrite 0\nwrite 1\npageout 0 4\nread 1", 0, 4, "CP--", 2, 2, 0, 0, NULL },
	{ "zeromap: a zero page goes as a bit, at once (no write); data stays cached",
	  "async\nzeromap\nswapon 1000\npopulate 0 4\nwrite 0\npageout 0 4", 0, 4, "CSSS", 4, 1, 0, 0, NULL },
	{ "zeromap: zeroes come back without a read, and before zswap",
	  "zeromap\nzswap 20\nswapon 1000\npopulate 0 2\npageout 0 2\nread 1", 0, 2, "SP", 2, 0, 0, 0, NULL },
	{ "locked pages are not reclaimed: populate past the machine, the locked range stays",
	  "swapon 4000\npopulate 0 64\nlock 0 64\npopulate 100 3600\nwrite 5", 0, 8, "PPPPPPPP", -1, -1, 0, -1, NULL },
};

START_TEST(scenario_holds)
{
	const struct scenario *sc = &scenarios[_i];
	struct mmf_machine m;
	boot(&m);
	ck_assert_msg(run(&m, sc->steps) == 0, "%s: the last step failed", sc->name);
	char got[64];
	picture(&m, 0, sc->from, sc->n, got);
	ck_assert_msg(!strcmp(got, sc->want), "%s: pages %s, want %s", sc->name, got, sc->want);
	if (sc->swap_used >= 0)
		ck_assert_msg(swap_used(&m) == (unsigned)sc->swap_used, "%s: %u slots in use, want %d", sc->name, swap_used(&m),
			      sc->swap_used);
	if (sc->pswpout >= 0)
		ck_assert_msg(vmstat(&m, "pswpout") == (unsigned)sc->pswpout, "%s: pswpout %llu, want %d", sc->name,
			      vmstat(&m, "pswpout"), sc->pswpout);
	if (sc->pswpin >= 0)
		ck_assert_msg(vmstat(&m, "pswpin") == (unsigned)sc->pswpin, "%s: pswpin %llu, want %d", sc->name,
			      vmstat(&m, "pswpin"), sc->pswpin);
	if (sc->zswpout >= 0)
		ck_assert_msg(vmstat(&m, "zswpout") == (unsigned)sc->zswpout, "%s: zswpout %llu, want %d", sc->name,
			      vmstat(&m, "zswpout"), sc->zswpout);
	if (sc->active) {
		char lists[64];
		snprintf(lists, sizeof(lists), "%lu %lu %lu %lu %lu", mmf_lru_pages(&m, LRU_INACTIVE_ANON),
			 mmf_lru_pages(&m, LRU_ACTIVE_ANON), mmf_lru_pages(&m, LRU_INACTIVE_FILE),
			 mmf_lru_pages(&m, LRU_ACTIVE_FILE), mmf_lru_pages(&m, LRU_UNEVICTABLE));
		ck_assert_msg(!strcmp(lists, sc->active), "%s: lists %s, want %s", sc->name, lists, sc->active);
	}
	char msg[256];
	ck_assert_msg(!mmf_lru_is_valid(&m, msg, sizeof(msg)) && !mmf_swap_is_valid(&m, msg, sizeof(msg)) &&
			      !mmf_zswap_is_valid(&m, msg, sizeof(msg)) && !mmf_as_vma_is_valid(&m, msg, sizeof(msg)),
		      "%s: %s", sc->name, msg);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- 2. contents survive every trip -------------------------------------- */

/* Each pattern written, paged out, read back through a fill's digest (the
 * whole page, bit for bit): the same digest as without swap. */
START_TEST(contents_survive_swap_and_zswap)
{
	static const char *const setups[] = { "", "swapon 1000", "zswap 20\nswapon 1000", "zswap 20 zstd\nswapon 1000" };
	uint64_t want[4] = { 0 };
	for (unsigned s = 0; s < 4; s++) {
		struct mmf_machine m;
		boot(&m);
		run(&m, setups[s]);
		run(&m, "map 0 8\nfill 0 4\nfill 1 5\nfill 2 6\nfill 3 7\nwrite 4\npageout 0 8");
		for (unsigned k = 0; k < 4; k++) {
			uint64_t d = access(&m, 0, k, MMF_ACCESS_FILL, 0);
			if (s == 0)
				want[k] = d;
			ck_assert_msg(d == want[k], "setup %u page %u: digest %#llx, without swap %#llx", s, k,
				      (unsigned long long)d, (unsigned long long)want[k]);
		}
		ck_assert_uint_eq(access(&m, 0, 4, MMF_ACCESS_READ, 0), 0x1004);
		mmf_machine_fini(&m);
	}
}
END_TEST

/* ---- 3. kswapd, direct reclaim and the OOM killer ------------------------ */

START_TEST(kswapd_reclaims_to_high)
{
	struct mmf_machine m;
	boot(&m);
	/* past the low mark: kswapd wakes and runs after the op */
	ck_assert_int_eq(run(&m, "swapon 4000\npopulate 0 4000"), 0);
	const struct mmf_zone *z = &m.zones[0];
	ck_assert_msg(z->nr_free_pages >= z->wmark[WMARK_HIGH], "free %u, high %u", z->nr_free_pages,
		      z->wmark[WMARK_HIGH]);
	ck_assert_uint_gt(vmstat(&m, "pageoutrun"), 0);
	ck_assert_uint_gt(vmstat(&m, "pgsteal_kswapd") + vmstat(&m, "pgsteal_direct"), 0);
	mmf_machine_fini(&m);
}
END_TEST

START_TEST(oom_kills_the_biggest_unless_protected)
{
	for (int protect = 0; protect < 2; protect++) {
		struct mmf_machine m;
		boot(&m);
		run(&m, "populate 0 1000\nfork");
		if (protect)
			run(&m, "adj 1 -1000");
		run(&m, "populate 1100 2990 in 1");
		ck_assert_uint_eq(vmstat(&m, "oom_kill"), 1);
		/* the child holds the most; protected, the parent goes instead */
		ck_assert_msg(!mmf_as_mm(&m, protect ? 0 : 1), "protect %d: the wrong process was killed", protect);
		ck_assert(mmf_as_mm(&m, protect ? 1 : 0));
		char rep[8192];
		mmf_report_oom(&m, rep, sizeof(rep));
		/* the last report: the kill, or (protected) the parent gone too and
		 * nothing left to kill, which would be Linux's panic */
		ck_assert_msg(strstr(rep, "invoked oom-killer: gfp_mask=") &&
				      strstr(rep, protect ? "Out of memory and no killable processes" : "Out of memory: Killed process"),
			      "%s", rep);
		mmf_machine_fini(&m);
	}
}
END_TEST

/* ---- 4. bad input: the errnos Linux gives -------------------------------- */

START_TEST(bad_input_errnos)
{
	struct mmf_machine m;
	boot(&m);
	ck_assert_int_eq(run(&m, "swapoff"), -EINVAL);          /* not on */
	ck_assert_int_eq(run(&m, "swapon 100000"), -EINVAL);    /* more than the device holds */
	ck_assert_int_eq(run(&m, "swapon 1"), -EINVAL);         /* only the header */
	ck_assert_int_eq(run(&m, "swapon 100"), 0);
	ck_assert_int_eq(run(&m, "swapon 100"), -EBUSY);        /* on already */
	ck_assert_int_eq(call(&m, MMF_OP_SWAPON, MMF_NSWAPDEVS, 100 * PG, 0), -ENOENT);
	ck_assert_int_eq(call(&m, MMF_OP_SWAPOFF, MMF_NSWAPDEVS, 0, 0), -ENOENT);
	ck_assert_int_eq(run(&m, "adj 0 1001"), -EINVAL);
	ck_assert_int_eq(run(&m, "adj 0 -1001"), -EINVAL);
	ck_assert_int_eq(run(&m, "adj 3 0"), -ESRCH);
	ck_assert_int_eq(run(&m, "drop 5"), -EINVAL);
	ck_assert_int_eq(call(&m, MMF_OP_ZSWAP, 0, 0, 1), -EINVAL); /* a pool of 0% */
	ck_assert_int_eq(call(&m, MMF_OP_ZSWAP, 0, 20 * PG, 1 | 3 << 2), -EINVAL); /* no such zpool */
	ck_assert_int_eq(run(&m, "swapoff"), 0);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- 5. a property: generated pressure, every walker, bytes and tokens ---- */

/* n generated sequences on tiny from seed, every walker after each, bytes
 * and tokens checked (walk full); the campaign's counters. */
static struct mmf_exec_stats run_generated(const char *kernel, uint64_t seed, unsigned n)
{
	struct mmf_exec_config cfg = { .suts = { mmf_adapter_reference() }, .nr_suts = 1, .walk_full = 1, .kernel = kernel };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	ck_assert_msg(ex, "%s", err);
	unsigned tiny;
	ck_assert(mmf_profile_find("tiny", &tiny));
	struct mmf_gen_config gc = { (int)tiny, 200, 1u << MMF_FAM_AS | 1u << MMF_FAM_PAGE, 0, 0, 0, 0, 0 };
	static struct mmf_seq seq;
	struct mmf_finding f;
	for (unsigned k = 0; k < n; k++) {
		mmf_gen_sequence(mmf_seed_mix(seed, k), &gc, &seq);
		int r = mmf_exec_run(ex, &seq, &f);
		ck_assert_msg(r == 0, "%s seed %u: %s (%s)", kernel ? kernel : "", k, f.signature, f.detail);
	}
	struct mmf_exec_stats st = *mmf_exec_stats(ex);
	mmf_exec_destroy(ex);
	printf("generated pressure%s%s: %llu kswapd runs, %llu direct reclaims, %llu swap-outs, %llu swap-ins, %llu zswap "
	       "writebacks, %llu OOM kills\n",
	       kernel ? " with " : "", kernel ? kernel : "", (unsigned long long)st.kswapd_runs,
	       (unsigned long long)st.direct_reclaims, (unsigned long long)st.swapouts, (unsigned long long)st.swapins,
	       (unsigned long long)st.zswap_writebacks, (unsigned long long)st.oom_kills);
	ck_assert_uint_gt(st.kswapd_runs + st.direct_reclaims, 0);
	ck_assert_uint_gt(st.swapouts, 0);
	return st;
}

START_TEST(generated_pressure_keeps_every_invariant)
{
	struct mmf_exec_stats st = run_generated(NULL, 2020, 400);
	ck_assert_uint_gt(st.swapins, 0);
}
END_TEST

/* The same for a kernel whose swap is a disk's file and whose zero pages
 * go as a bit (what host-linux probes on 6.12+): pages kept in the swap
 * cache after their write, reclaimed by a later pass. */
START_TEST(generated_pressure_async_zeromap)
{
	run_generated("swap_async=1 swap_zeromap=1", 2121, 250);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("swap");
	TCase *tc = tcase_create("pressure");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, scenario_holds, 0, (int)(sizeof(scenarios) / sizeof(scenarios[0])));
	tcase_add_test(tc, contents_survive_swap_and_zswap);
	tcase_add_test(tc, kswapd_reclaims_to_high);
	tcase_add_test(tc, oom_kills_the_biggest_unless_protected);
	tcase_add_test(tc, bad_input_errnos);
	tcase_add_test(tc, generated_pressure_keeps_every_invariant);
	tcase_add_test(tc, generated_pressure_async_zeromap);
	suite_add_tcase(s, tc);
	return mmf_check_run(s, 1);
}
