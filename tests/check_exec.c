/* The executor's verdicts: an adapter with one planted bug per safety or
 * semantic property is caught, with the signature naming that property;
 * the clean simple adapter is not. Each row is a small text sequence. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmfuzz/gfp.h"
#include "mmfuzz/harness.h"

#include "tests/check_run.h"

enum bug { NO_BUG, MISALIGN, SAME_PFN, WRONG_ZONE, OUT_OF_RANGE, DROP_WRITE, NO_ZERO,
	   READ_UNSUPPORTED, FREE_REFUSED, REFUSE_ALL };

static enum bug bug;
static uint64_t last_pfn;
static struct mmf_adapter bad;

static enum mmf_result bad_alloc(void *ctx, const struct mmf_page_req *req, uint64_t *pfn, int *err)
{
	const struct mmf_adapter *s = mmf_adapter_simple();
	struct mmf_page_req r = *req;
	if (bug == NO_ZERO)
		r.gfp &= ~__GFP_ZERO;
	if (bug == REFUSE_ALL) {
		*err = ENOMEM;
		return MMF_REFUSED;
	}
	enum mmf_result res = s->alloc_pages(ctx, &r, pfn, err);
	if (res != MMF_OK)
		return res;
	if (bug == MISALIGN && req->order > 0)
		*pfn += 1;
	if (bug == SAME_PFN && last_pfn != UINT64_MAX)
		*pfn = last_pfn;
	if (bug == WRONG_ZONE && (req->gfp & __GFP_DMA))
		*pfn = 16384; /* x86_64 Normal */
	if (bug == OUT_OF_RANGE)
		*pfn = 1u << 30;
	last_pfn = *pfn;
	return MMF_OK;
}

static enum mmf_result bad_write(void *ctx, uint64_t pfn, uint64_t token)
{
	if (bug == DROP_WRITE)
		return MMF_OK;
	return mmf_adapter_simple()->write_page(ctx, pfn, token);
}

static enum mmf_result bad_read(void *ctx, uint64_t pfn, uint64_t *token)
{
	if (bug == READ_UNSUPPORTED)
		return MMF_UNSUPPORTED;
	return mmf_adapter_simple()->read_page(ctx, pfn, token);
}

static enum mmf_result bad_free(void *ctx, uint64_t pfn, unsigned order, unsigned cpu)
{
	if (bug == FREE_REFUSED)
		return MMF_REFUSED;
	if (bug == SAME_PFN || bug == MISALIGN || bug == WRONG_ZONE)
		return MMF_OK; /* the block was never really this one */
	return mmf_adapter_simple()->free_pages(ctx, pfn, order, cpu);
}

static void make_bad(enum mmf_level level)
{
	bad = *mmf_adapter_simple();
	bad.name = "bad";
	bad.level[MMF_FAM_PAGE] = level;
	bad.alloc_pages = bad_alloc;
	bad.write_page = bad_write;
	bad.read_page = bad_read;
	bad.free_pages = bad_free;
	last_pfn = UINT64_MAX;
}

static int run(const struct mmf_adapter *ad, const char *text, struct mmf_finding *f)
{
	static struct mmf_seq seq;
	struct mmf_diag d;
	ck_assert_msg(mmf_seq_parse_text(text, strlen(text), &seq, &d) == 0, "%d:%d: %s", d.line, d.col, d.msg);
	struct mmf_exec_config cfg = { .suts = { ad }, .nr_suts = 1, .cheap_checks = 1 };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	ck_assert_msg(ex != NULL, "%s", err);
	int r = mmf_exec_run(ex, &seq, f);
	/* Verdicts are deterministic: a second run says the same. */
	struct mmf_finding g;
	ck_assert_int_eq(mmf_exec_run(ex, &seq, &g), r);
	ck_assert_str_eq(g.signature, f->signature);
	mmf_exec_destroy(ex);
	return r;
}

struct row {
	enum bug bug;
	enum mmf_level level;
	const char *text;
	const char *signature;
	unsigned step;
};

#define TINY "mmfuzz 1 profile=tiny\n"
#define X86 "mmfuzz 1 profile=x86_64\n"

static const struct row rows[] = {
	{ MISALIGN, MMF_LEVEL_SAFETY, TINY "alloc_pages slot=0 order=0\nalloc_pages slot=1 order=3\n",
	  "MMFUZZ: bad-page-alloc_pages-alignment", 1 },
	{ SAME_PFN, MMF_LEVEL_SAFETY, TINY "alloc_pages slot=0 order=2\nalloc_pages slot=1 order=0\n",
	  "MMFUZZ: bad-page-alloc_pages-overlap", 1 },
	{ WRONG_ZONE, MMF_LEVEL_SAFETY, X86 "alloc_pages slot=0 order=0 gfp=GFP_KERNEL\nalloc_pages slot=1 gfp=GFP_KERNEL|__GFP_DMA\n",
	  "MMFUZZ: bad-page-alloc_pages-zone", 1 },
	{ OUT_OF_RANGE, MMF_LEVEL_SAFETY, TINY "alloc_pages slot=9 order=0\n",
	  "MMFUZZ: bad-page-alloc_pages-range", 0 },
	{ DROP_WRITE, MMF_LEVEL_SAFETY, TINY "alloc_pages slot=0 order=1\nwrite_page slot=0 page=1 token=5\nread_page slot=0 page=1\n",
	  "MMFUZZ: bad-page-read_page-contents", 2 },
	{ NO_ZERO, MMF_LEVEL_SAFETY,
	  TINY "alloc_pages slot=0 order=0\nwrite_page slot=0 page=0 token=1\nfree_pages slot=0\n"
	       "alloc_pages slot=1 order=0 gfp=GFP_KERNEL|__GFP_ZERO\nread_page slot=1 page=0\n",
	  "MMFUZZ: bad-page-read_page-zeroed", 4 },
	{ READ_UNSUPPORTED, MMF_LEVEL_SAFETY, TINY "alloc_pages slot=0\nread_page slot=0\n",
	  "MMFUZZ: bad-page-read_page-unsupported", 1 },
	{ FREE_REFUSED, MMF_LEVEL_SAFETY, TINY "alloc_pages slot=0\nfree_pages slot=0\n",
	  "MMFUZZ: bad-page-free_pages-free_refused", 1 },
	/* Refusing everything is allowed at safety level, not at semantic. */
	{ REFUSE_ALL, MMF_LEVEL_SEMANTIC, TINY "alloc_pages slot=0 gfp=GFP_KERNEL\n",
	  "MMFUZZ: bad-page-alloc_pages-result", 0 },
	{ REFUSE_ALL, MMF_LEVEL_SAFETY, TINY "alloc_pages slot=0 gfp=GFP_KERNEL\n", "", 0 },
	{ NO_BUG, MMF_LEVEL_SAFETY,
	  X86 "alloc_pages slot=0 order=10 gfp=GFP_KERNEL|__GFP_ZERO\nwrite_page slot=0 page=1023 token=9\n"
	      "read_page slot=0 page=1023\nread_page slot=0 page=3\nalloc_pages slot=1 gfp=GFP_DMA\nfree_pages slot=0\n",
	  "", 0 },
};

START_TEST(planted_bug_is_caught_by_its_check)
{
	const struct row *r = &rows[_i];
	bug = r->bug;
	make_bad(r->level);
	struct mmf_finding f;
	int res = run(&bad, r->text, &f);
	if (!*r->signature) {
		ck_assert_msg(res == 0, "unexpected %s: %s", f.signature, f.detail);
		return;
	}
	ck_assert_msg(res == 1, "bug %d not caught", r->bug);
	ck_assert_str_eq(f.signature, r->signature);
	ck_assert_uint_eq(f.step, r->step);
}
END_TEST

/* A mutated reference compared exactly: a deviation only visible in frame
 * numbers is still caught; with exact comparison off it is not. */
START_TEST(exact_level_sees_what_safety_cannot)
{
	const char *text = TINY "alloc_pages slot=0 order=1\n";
	static struct mmf_seq seq;
	struct mmf_diag d;
	ck_assert_int_eq(mmf_seq_parse_text(text, strlen(text), &seq, &d), 0);
	struct mmf_exec_config cfg = { .suts = { mmf_adapter_reference() }, .mutants = { "expand_wrong_half" },
				       .nr_suts = 1, .cheap_checks = 1 };
	char err[256];
	struct mmf_finding f;
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	ck_assert_int_eq(mmf_exec_run(ex, &seq, &f), 1);
	ck_assert_str_eq(f.signature, "MMFUZZ: reference-page-alloc_pages-exact_pfn");
	mmf_exec_destroy(ex);
	cfg.max_level = MMF_LEVEL_SEMANTIC;
	ex = mmf_exec_create(&cfg, err, sizeof(err));
	ck_assert_int_eq(mmf_exec_run(ex, &seq, &f), 0);
	mmf_exec_destroy(ex);
}
END_TEST

START_TEST(adapter_tables_are_validated)
{
	char err[256];
	struct mmf_adapter t = *mmf_adapter_simple();
	ck_assert_int_eq(mmf_adapter_validate(&t, err, sizeof(err)), 0);
	t.abi_version = 99;
	ck_assert_int_eq(mmf_adapter_validate(&t, err, sizeof(err)), -1);
	ck_assert(strstr(err, "ABI version 99"));
	t = *mmf_adapter_simple();
	t.read_page = NULL;
	ck_assert_int_eq(mmf_adapter_validate(&t, err, sizeof(err)), -1);
	ck_assert(strstr(err, "read_page"));
	/* A table from before the CMA entries is fine without MMF_CAP_CMA... */
	t = *mmf_adapter_simple();
	t.size = (uint32_t)MMF_ADAPTER_SIZE_BASE;
	ck_assert_int_eq(mmf_adapter_validate(&t, err, sizeof(err)), 0);
	/* ...but too short for an adapter that declares it. */
	t = *mmf_adapter_reference();
	t.size = (uint32_t)MMF_ADAPTER_SIZE_CMA;
	ck_assert_int_eq(mmf_adapter_validate(&t, err, sizeof(err)), -1);
	ck_assert(strstr(err, "table is"));
	t = *mmf_adapter_reference();
	t.moved = NULL;
	ck_assert_int_eq(mmf_adapter_validate(&t, err, sizeof(err)), -1);
	ck_assert(strstr(err, "moved"));
	t = *mmf_adapter_simple();
	t.name = "Bad Name";
	ck_assert_int_eq(mmf_adapter_validate(&t, err, sizeof(err)), -1);
	struct mmf_exec_config cfg = { .suts = { &t }, .nr_suts = 1 };
	ck_assert_ptr_null(mmf_exec_create(&cfg, err, sizeof(err)));
}
END_TEST

START_TEST(unknown_mutant_is_refused_at_setup)
{
	static struct mmf_seq seq;
	struct mmf_exec_config cfg = { .suts = { mmf_adapter_reference() }, .mutants = { "no_such_bug" }, .nr_suts = 1 };
	char err[256];
	struct mmf_finding f;
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	ck_assert_int_eq(mmf_exec_run(ex, &seq, &f), -1);
	ck_assert(strstr(f.detail, "no_such_bug"));
	mmf_exec_destroy(ex);
}
END_TEST

/* Regression: live blocks left by a sequence on one profile must not
 * haunt the next sequence on that profile after a run on another. */
START_TEST(profile_switch_leaves_no_phantom_owners)
{
	const char *texts[] = { TINY "alloc_pages slot=0 order=3\n", X86 "alloc_pages slot=0 order=3\n",
				TINY "alloc_pages slot=0 order=3\n" };
	static struct mmf_seq seq;
	struct mmf_exec_config cfg = { .suts = { mmf_adapter_simple() }, .nr_suts = 1, .cheap_checks = 1 };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&cfg, err, sizeof(err));
	for (unsigned i = 0; i < 3; i++) {
		struct mmf_diag d;
		struct mmf_finding f;
		ck_assert_int_eq(mmf_seq_parse_text(texts[i], strlen(texts[i]), &seq, &d), 0);
		ck_assert_msg(mmf_exec_run(ex, &seq, &f) == 0, "run %u: %s %s", i, f.signature, f.detail);
	}
	mmf_exec_destroy(ex);
}
END_TEST

/* Each check aborts in a function of its own, named after it, so crash
 * buckets keep distinct bugs apart; an unknown tag lands in a hashed one. */
static int abort_pipe[2];

static void on_abort(int sig)
{
	(void)sig;
	const char *s = mmf_abort_site;
	if (write(abort_pipe[1], s, strlen(s)) < 0)
		_exit(2);
	_exit(0);
}

static void abort_site_of(const char *check, char *out, size_t cap)
{
	ck_assert_int_eq(pipe(abort_pipe), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct mmf_finding f = { .found = 1 };
		snprintf(f.check, sizeof(f.check), "%s", check);
		signal(SIGABRT, on_abort);
		mmf_finding_abort(&f);
	}
	close(abort_pipe[1]);
	ssize_t n = read(abort_pipe[0], out, cap - 1);
	out[n > 0 ? n : 0] = 0;
	close(abort_pipe[0]);
	int st;
	waitpid(pid, &st, 0);
}

START_TEST(abort_sites_are_distinct_per_check)
{
	static const char *const checks[] = { "pcp_high", "buddy_unmerged", "buddy_counters", "buddy_conservation",
					      "exact_pfn", "exact_vmstat", "result", "errno", "corrupt", "overlap" };
	char site[64];
	for (unsigned i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		abort_site_of(checks[i], site, sizeof(site));
		ck_assert_str_eq(site, checks[i]);
	}
	abort_site_of("someone_elses_tag", site, sizeof(site));
	ck_assert_msg(strncmp(site, "other_", 6) == 0, "site %s", site);
}
END_TEST

/* simple's vmalloc takes its frames in one pass (take_frames): exactly
 * the frames, in the order and with the state, that as many single-frame
 * alloc_pages calls give (and, on failure, frees them as those would be
 * freed). Two contexts per profile, one vmalloc'ing, the other doing it
 * frame by frame, through allocations, frees and exhaustion. */
START_TEST(simple_vmalloc_frames_are_page_allocs)
{
	const struct mmf_adapter *ad = mmf_adapter_simple();
	uint64_t rng = 0x9e3779b97f4a7c15ull;
#define RND(n) ((rng = rng * 6364136223846793005ull + 1442695040888963407ull), (uint32_t)((rng >> 33) % (n)))
	static uint32_t bpfn[16][1025];
	for (unsigned prof = 0; prof < mmf_profile_count(); prof++) {
		struct mmf_adapter_config cfg = { .profile = mmf_profile_get(prof), .profile_index = prof };
		void *a = NULL, *b = NULL;
		char err[200];
		ck_assert_int_eq(ad->create(&cfg, &a, err, sizeof(err)), MMF_OK);
		ck_assert_int_eq(ad->create(&cfg, &b, err, sizeof(err)), MMF_OK);
		struct { uint64_t pfn; unsigned order; int live; } blk[32] = { { 0 } };
		struct { uint64_t addr; uint32_t n; int live; } area[16] = { { 0 } };
		unsigned areas_ok = 0, areas_failed = 0;
		for (unsigned step = 0; step < 3000; step++) {
			unsigned what = RND(20), cpu = 0;
			struct mmf_page_req req = { mmf_gfp_sel(RND(16)), 0, 0, (uint8_t)RND(2) };
			int ea = 0, eb = 0;
			if (what < 8) {
				unsigned k = RND(32);
				if (blk[k].live)
					continue;
				req.order = (uint8_t)(RND(3) ? 0 : RND(5));
				uint64_t pa = 0, pb = 0;
				enum mmf_result ra = ad->alloc_pages(a, &req, &pa, &ea), rb = ad->alloc_pages(b, &req, &pb, &eb);
				ck_assert_int_eq(ra, rb);
				if (ra == MMF_OK) {
					ck_assert_uint_eq(pa, pb);
					blk[k].pfn = pa, blk[k].order = req.order, blk[k].live = 1;
					for (uint64_t i = 0; i < 1u << req.order; i++) { /* left behind when freed */
						ck_assert_int_eq(ad->write_page(a, pa + i, step + 1), MMF_OK);
						ck_assert_int_eq(ad->write_page(b, pa + i, step + 1), MMF_OK);
					}
				}
			} else if (what < 12) {
				unsigned k = RND(32);
				if (!blk[k].live)
					continue;
				ck_assert_int_eq(ad->free_pages(a, blk[k].pfn, blk[k].order, cpu), MMF_OK);
				ck_assert_int_eq(ad->free_pages(b, blk[k].pfn, blk[k].order, cpu), MMF_OK);
				blk[k].live = 0;
			} else if (what < 17) {
				unsigned k = RND(16);
				if (area[k].live)
					continue;
				uint64_t size = RND(2) ? 1 + RND(8 * 4096) : 1 + RND(1025 * 4096);
				uint32_t n = (uint32_t)((size + 4095) / 4096), got = 0;
				uint64_t addr = 0;
				enum mmf_result ra = ad->vmalloc(a, size, req.gfp, cpu, req.node, &addr, &ea), rb = MMF_OK;
				for (; got < n; got++) {
					uint64_t pb = 0;
					if ((rb = ad->alloc_pages(b, &req, &pb, &eb)) != MMF_OK)
						break;
					bpfn[k][got] = (uint32_t)pb;
				}
				if (rb != MMF_OK)
					while (got--)
						ck_assert_int_eq(ad->free_pages(b, bpfn[k][got], 0, cpu), MMF_OK);
				ck_assert_int_eq(ra, rb);
				if (ra != MMF_OK) {
					ck_assert_int_eq(ea, eb);
					areas_failed++;
					continue;
				}
				for (uint32_t i = 0; i < n; i++) {
					uint64_t pa = 0, ta = 0, tb = 0;
					ck_assert_int_eq(ad->vmem_read(a, addr + (uint64_t)i * 4096, &ta), MMF_OK);
					ck_assert_int_eq(ad->read_page(b, bpfn[k][i], &tb), MMF_OK);
					ck_assert_uint_eq(ta, tb);
					ck_assert_int_eq(ad->vmalloc_to_pfn(a, addr + (uint64_t)i * 4096, &pa), MMF_OK);
					ck_assert_msg(pa == bpfn[k][i], "profile %u step %u: page %u of %u is frame %llu, not %u",
						      prof, step, i, n, (unsigned long long)pa, bpfn[k][i]);
				}
				area[k].addr = addr, area[k].n = n, area[k].live = 1;
				areas_ok++;
			} else {
				unsigned k = RND(16);
				if (!area[k].live)
					continue;
				ck_assert_int_eq(ad->vfree(a, area[k].addr, cpu), MMF_OK);
				for (uint32_t i = 0; i < area[k].n; i++)
					ck_assert_int_eq(ad->free_pages(b, bpfn[k][i], 0, cpu), MMF_OK);
				area[k].live = 0;
			}
		}
		ck_assert_msg(areas_ok > 50 && areas_failed > 0, "profile %u: %u areas, %u refused", prof, areas_ok,
			      areas_failed);
		ad->destroy(a);
		ad->destroy(b);
	}
#undef RND
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("exec");
	TCase *tc = tcase_create("verdicts");
	tcase_add_loop_test(tc, planted_bug_is_caught_by_its_check, 0, (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, exact_level_sees_what_safety_cannot);
	tcase_add_test(tc, adapter_tables_are_validated);
	tcase_add_test(tc, unknown_mutant_is_refused_at_setup);
	tcase_add_test(tc, profile_switch_leaves_no_phantom_owners);
	tcase_add_test(tc, abort_sites_are_distinct_per_check);
	tcase_add_test(tc, simple_vmalloc_frames_are_page_allocs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mmf_check_run(suite(), 1);
}
