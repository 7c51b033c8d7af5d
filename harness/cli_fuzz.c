/* mmfuzz fuzz: the built-in seeded campaign, its progress line, saved
 * findings and the closing report. Clocks decide only when to stop and
 * when to print; verdicts come from the seeds alone. */
#define _GNU_SOURCE /* sched_getaffinity */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/clock.h"
#include "harness/cli.h"
#include "harness/fileio.h"
#include "harness/remote.h"
#include "mmfuzz/wire.h"
#include "mmfuzz/profile.h"

static const char usage_fuzz[] =
	"usage: mmfuzz fuzz [options]\n"
	"\n"
	"Generates operation sequences from a seed and runs each against the oracle\n"
	"(the reference model) and the adapter, checking every step. Without\n"
	"--adapter or --mutant the kernel allocators are compared with simple and the\n"
	"address-space family with this machine's kernel (host-linux, whose probed\n"
	"behaviour the oracle follows; needs root). Findings are\n"
	"minimized and saved as binary + text reproducers, one folder per signature\n"
	"(under DIR/<mutant>/ when a mutant is on) holding the smallest reproducer\n"
	"(repro.mmfz, repro.txt), the first input as found (first.mmfz) and how\n"
	"often campaigns met it (count). Every file is written atomically.\n"
	"Before a finding is reported its input is replayed on freshly created\n"
	"systems (up to 3 times); one that never comes back depends on state outside\n"
	"the sequence: it is reported as flaky, not shrunk, and saved as found under\n"
	"DIR/flaky/ with its signature ending in -flaky; it does not end the campaign,\n"
	"and a campaign whose findings are all flaky exits with status 4, not 1.\n"
	"Replaying and shrinking stay\n"
	"within --time, and an op of an out-of-process adapter still running when the\n"
	"time is up is stopped (not a finding); the report says so, and any overrun.\n"
	"\n"
	"  --time SECONDS   stop after this long (default 60; fractions allowed)\n"
	"  --runs N         stop after N sequences (default: no limit)\n"
	"  --seed N         campaign seed (default: from the clock; always printed)\n"
	"  --generator N    the generator version to draw with (default: the latest); a\n"
	"                   version's sequences from a seed never change\n"
	CLI_TARGET_HELP
	"  --profile NAME   run only this machine profile (default: all)\n"
	"  --max-ops N      longest generated sequence (default 200, at most 4096)\n"
	CLI_ERRORS_HELP
	"  --out DIR        save findings here (default: findings)\n"
	"  --report FILE    also write the closing report to FILE\n"
	"  --keep-going     continue after the first finding; each new signature is\n"
	"                   shrunk and saved once, repeats are counted in the report\n"
	"  --no-shrink      save findings as found, unshrunk\n"
	"  --worker-reuse N sequences an out-of-process worker serves, reset by its\n"
	"                   adapter's own reset after each clean one, before a fresh\n"
	"                   fork (default 1000; 1: a fresh worker every sequence).\n"
	"                   Findings are always replayed and shrunk on fresh workers\n"
	"  --op-by-op       drive an out-of-process worker one call at a time. By\n"
	"                   default a worker that carries mmfuzz's executor (plugins,\n"
	"                   the allocator agents of a build without sanitizers) runs\n"
	"                   each whole sequence itself, against an oracle of its own,\n"
	"                   and a finding is replayed op by op before it is reported\n"
	"                   (whole-sequence mode; not with --worker-reuse below 16)\n"
	"  --cost           print where the time went: generating, resets, each family's\n"
	"                   ops (out-of-process round trips included), checks after each\n"
	"                   op, the end walks and compares, findings (replays, shrinking)\n"
	"  --no-exact       compare at most at semantic level\n"
	"  -q, --quiet      no progress line\n";

/* s as one line of plain ASCII, for a comment in a reproducer: whatever
 * an adapter's message or a path holds, the file still parses. */
static void one_line(char *s)
{
	for (unsigned char *c = (unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c >= 0x7f)
			*c = '?';
}

/* The folder of a finding below --out: the signature's slug, under the
 * mutant's folder when one is on (a mutant's findings share signatures
 * with the clean adapter's). Every part is a safe name. */
static void finding_rel(const struct cli_target *t, const char *signature, char *rel, size_t cap)
{
	char slug[256], mut[256] = "";
	mmf_name_clean(signature + strlen("MMFUZZ: "), slug, sizeof(slug));
	if (t->mutant)
		mmf_name_clean(t->mutant, mut, sizeof(mut));
	else if (t->oracle_mutant) {
		char m[200];
		snprintf(m, sizeof(m), "oracle-%s", t->oracle_mutant);
		mmf_name_clean(m, mut, sizeof(mut));
	}
	size_t n = strlen(signature);
	int flaky = n > 6 && !strcmp(signature + n - 6, "-flaky");
	snprintf(rel, cap, "%s%s%s%s", flaky ? "flaky/" : "", mut, *mut ? "/" : "", slug);
}

/* Opens the finding's folder rel below out (created). 0 or an errno. */
static int open_finding(const char *out, const char *rel, struct mmf_dir *sub)
{
	struct mmf_dir root;
	int e = mmf_dir_open(out, 1, &root);
	if (e)
		return e;
	e = mmf_dir_open_rel(&root, rel, 1, sub);
	mmf_dir_close(&root);
	return e;
}

static int write_repro(struct mmf_dir *sub, const struct mmf_seq *seq, const struct mmf_finding *f,
		       const struct cli_target *t)
{
	/* Keep the smallest reproducer per signature.  repro.txt is written
	 * before repro.mmfz, so a kill between the two leaves a pair that
	 * both replay (the text one maybe smaller), never a binary alone;
	 * a folder that has lost its text copy gets one again. */
	uint8_t *old;
	size_t oldlen;
	size_t need = mmf_seq_encode(seq, NULL, 0);
	if (mmf_dir_read(sub, "repro.mmfz", &old, &oldlen) == 0) {
		free(old);
		if (oldlen <= need + MMF_MAGIC_SIZE && mmf_dir_has(sub, "repro.txt"))
			return 0;
	}
	char *text = mmf_seq_to_text(seq);
	if (!text)
		return ENOMEM;
	char sig[sizeof(f->signature)], detail[sizeof(f->detail)], flags[1200] = "", where[sizeof(sub->path)];
	char kernel[sizeof(cli_kernel)];
	snprintf(sig, sizeof(sig), "%s", f->signature);
	snprintf(detail, sizeof(detail), "%s", f->detail);
	snprintf(where, sizeof(where), "%s", sub->path);
	snprintf(kernel, sizeof(kernel), "%s", cli_kernel);
	const char *adapter = cli_replay_adapter(t, f->adapter);
	if (*adapter || t->mutant || t->oracle_mutant)
		snprintf(flags, sizeof(flags), "%s%s%s%s%s%s", *adapter ? " --adapter " : "", adapter,
			 t->mutant ? " --mutant " : "", t->mutant ? t->mutant : "",
			 t->oracle_mutant ? " --oracle-mutant " : "", t->oracle_mutant ? t->oracle_mutant : "");
	one_line(sig), one_line(detail), one_line(flags), one_line(where), one_line(kernel);
	size_t hl = strlen(text) + sizeof(sig) + sizeof(detail) + sizeof(flags) + sizeof(where) + sizeof(kernel) + 256;
	char *doc = malloc(hl);
	if (!doc) {
		free(text);
		return ENOMEM;
	}
	int n = snprintf(doc, hl, "# %s\n# at op %u: %s\n# replay: mmfuzz replay%s%s %s/repro.txt\n%s%s%s%s", sig,
			 f->step, detail, flags, t->no_exact ? " --no-exact" : "", where,
			 kernel[0] ? "# found with the oracle running as this kernel: " : "", kernel,
			 kernel[0] ? "\n" : "", text);
	free(text);
	int e = mmf_dir_write(sub, "repro.txt", doc, (size_t)n);
	free(doc);
	if (e)
		return e;
	uint8_t *buf = malloc(need + MMF_MAGIC_SIZE);
	if (!buf)
		return ENOMEM;
	memcpy(buf, MMF_MAGIC, MMF_MAGIC_SIZE);
	mmf_seq_encode(seq, buf + MMF_MAGIC_SIZE, need);
	e = mmf_dir_write(sub, "repro.mmfz", buf, need + MMF_MAGIC_SIZE);
	free(buf);
	return e;
}

int cli_save_finding(const char *dir, const struct mmf_seq *seq, const struct mmf_finding *f,
		     const struct cli_target *t, char *path_out, size_t cap)
{
	char rel[512];
	struct mmf_dir sub;
	finding_rel(t, f->signature, rel, sizeof(rel));
	int e = open_finding(dir, rel, &sub);
	if (e)
		return e;
	/* campaigns sharing --out take turns on a folder */
	e = mmf_dir_lock(&sub);
	if (!e)
		e = write_repro(&sub, seq, f, t);
	if (!e && (size_t)snprintf(path_out, cap, "%s", sub.path) >= cap)
		e = ENAMETOOLONG;
	mmf_dir_close(&sub);
	return e;
}

/* Adds n to the count file of the folder where (how often campaigns met
 * the signature), under the folder's lock so that campaigns sharing --out
 * lose no update; written atomically like everything else. */
static int bump_count(const char *out, const char *rel, unsigned long long n)
{
	struct mmf_dir sub;
	int e = open_finding(out, rel, &sub);
	if (e)
		return e;
	e = mmf_dir_lock(&sub);
	unsigned long long old = 0;
	uint8_t *buf;
	size_t len;
	if (!e && mmf_dir_read(&sub, "count", &buf, &len) == 0) {
		char tmp[32];
		snprintf(tmp, sizeof(tmp), "%.*s", (int)(len < 31 ? len : 31), (const char *)buf);
		old = strtoull(tmp, NULL, 10);
		free(buf);
	}
	char num[32];
	int k = snprintf(num, sizeof(num), "%llu\n", old + n);
	if (!e)
		e = mmf_dir_write(&sub, "count", num, (size_t)k);
	mmf_dir_close(&sub);
	return e;
}

/* The first input that showed the signature, as found (kept once). */
static int save_first(const char *out, const char *rel, const struct mmf_seq *seq)
{
	struct mmf_dir sub;
	int e = open_finding(out, rel, &sub);
	if (e)
		return e;
	size_t need = mmf_seq_encode(seq, NULL, 0);
	uint8_t *buf = mmf_dir_has(&sub, "first.mmfz") ? NULL : malloc(need + MMF_MAGIC_SIZE);
	if (buf) {
		memcpy(buf, MMF_MAGIC, MMF_MAGIC_SIZE);
		mmf_seq_encode(seq, buf + MMF_MAGIC_SIZE, need);
		e = mmf_dir_lock(&sub);
		if (!e && !mmf_dir_has(&sub, "first.mmfz"))
			e = mmf_dir_write(&sub, "first.mmfz", buf, need + MMF_MAGIC_SIZE);
		free(buf);
	}
	mmf_dir_close(&sub);
	return e;
}

/* Distinct findings of this campaign, by signature. */
#define MAX_SIGS 256

struct sigrec {
	char sig[160];
	unsigned long long count;
	unsigned long long first;
	char rel[512];    /* its folder below --out */
	char where[4608]; /* and as a path, for messages ("" if not saved) */
	char base[160];   /* the signature as found (sig has -flaky added) */
	unsigned replays; /* fresh replays run before reporting it */
	int replay_cut;   /* a replay was cut short by --time: neither confirmed nor flaky */
	unsigned reproduced_in; /* the replay that reproduced it, 0: none (flaky) */
};

static struct sigrec sigs[MAX_SIGS];
static unsigned nsigs;

/* Replayed on fresh systems, and never came back. */
static int sig_flaky(const struct sigrec *r)
{
	return r->replays && !r->reproduced_in && !r->replay_cut;
}

static int all_flaky(void)
{
	for (unsigned i = 0; i < nsigs; i++)
		if (!sig_flaky(&sigs[i]))
			return 0;
	return 1;
}

static struct sigrec *sig_lookup(const char *sig)
{
	for (unsigned i = 0; i < nsigs; i++)
		if (!strcmp(sigs[i].base, sig))
			return &sigs[i];
	return NULL;
}

/* Past MAX_SIGS distinct signatures the last slot collects the rest. */
static struct sigrec *sig_add(const char *sig, unsigned long long index)
{
	struct sigrec *r = &sigs[nsigs < MAX_SIGS ? nsigs++ : MAX_SIGS - 1];
	snprintf(r->sig, sizeof(r->sig), "%s", sig);
	snprintf(r->base, sizeof(r->base), "%s", sig);
	r->replays = r->reproduced_in = 0;
	r->replay_cut = 0;
	r->count = 1;
	r->first = index;
	r->where[0] = 0;
	return r;
}

static unsigned long long total_findings(void)
{
	unsigned long long t = 0;
	for (unsigned i = 0; i < nsigs; i++)
		t += sigs[i].count;
	return t;
}

struct campaign {
	struct cli_target t;
	double time_limit;
	unsigned long long runs, seed;
	int profile, keep_going, shrink, quiet, cost;
	double gen_secs, finding_secs; /* --cost: generating, and replaying/shrinking/saving findings */
	unsigned max_ops, generator, errors;
	const char *out, *report;
	char kernel[1200]; /* the knobs the oracle ran with */
	double overrun;   /* seconds past --time, spent on the last finding */
	int cut;          /* the sequence running at --time was stopped mid-op */
	unsigned reuse;   /* --worker-reuse */
	int op_by_op;     /* --op-by-op */
};

static void report(FILE *fp, const struct campaign *c, const struct mmf_exec_stats *st,
		   unsigned long long seqs, double secs)
{
	const struct mmf_adapter *ad = cli_adapter;
	fprintf(fp, "mmfuzz fuzz report\n");
	fprintf(fp, "  adapter     %s%s vs oracle, compared at", cli_adapter_name(&c->t),
		cli_kernel_adapter ? " + host-linux (as)" : "");
	for (unsigned fam = 0; fam < MMF_NR_FAMILIES; fam++) {
		enum mmf_level lvl = cli_level(fam);
		if (c->t.no_exact && lvl > MMF_LEVEL_SEMANTIC)
			lvl = MMF_LEVEL_SEMANTIC;
		fprintf(fp, "%s %s %s", fam ? "," : "", mmf_family_name(fam), mmf_level_name(lvl));
	}
	fprintf(fp, "\n");
	if (c->t.mutant)
		fprintf(fp, "  mutant      %s\n", c->t.mutant);
	fprintf(fp, "  kernel      %s\n", c->kernel);
	fprintf(fp, "  seed        %llu\n", c->seed);
	fprintf(fp, "  profiles    %s\n", c->profile >= 0 ? mmf_profile_get((unsigned)c->profile)->name : "all");
	fprintf(fp, "  time        %.1f s", secs);
	if (c->overrun > 0.5)
		fprintf(fp, " (%.1f s past --time %g: replaying and saving the last finding)", c->overrun, c->time_limit);
	fprintf(fp, "\n");
	fprintf(fp, "  sequences   %llu (%.0f/s)\n", seqs, secs > 0 ? (double)seqs / secs : 0.0);
	fprintf(fp, "  ops         %llu (%.0f/s)\n", (unsigned long long)st->ops,
		secs > 0 ? (double)st->ops / secs : 0.0);
	unsigned long forked, reused;
	int ring;
	mmf_remote_counts(&forked, &reused, &ring);
	unsigned long runs = mmf_remote_runs();
	if (forked)
		fprintf(fp, "  workers     %lu forked, %lu sequences on a worker its adapter reset (--worker-reuse %u); "
			    "%s through %s\n",
			forked, reused, c->reuse, runs ? "whole sequences run in the worker" : "ops",
			ring ? "shared memory" : "pipes");
	cli_print_coverage(fp, st, NULL);
	const char *const *known = ad && ad->size >= MMF_ADAPTER_SIZE_KNOWN ? ad->known : NULL;
	for (unsigned i = 0; known && known[i] && i < MMF_MAX_KNOWN; i++)
		fprintf(fp, "  %-11s %8llu x  %s\n", i ? "" : "known", (unsigned long long)st->known[i], known[i]);
	if (st->oracle_oom)
		fprintf(fp, "  not compared %llu sequences past the point where the oracle's small machine ran short of memory "
			    "(reclaimed, killed or failed: the kernel's capacity is its own)\n",
			(unsigned long long)st->oracle_oom);
	if (st->oracle_numa)
		fprintf(fp, "  not compared %llu sequences past a hugetlb op on a profile of several nodes (the pool is kept "
			    "per node; the kernel's nodes are its own)\n",
			(unsigned long long)st->oracle_numa);
	fprintf(fp, "  findings    %llu in %u distinct signatures\n", total_findings(), nsigs);
	unsigned flaky = 0;
	for (unsigned i = 0; i < nsigs; i++) {
		char rep[96];
		if (!sigs[i].replays)
			rep[0] = 0;
		else if (sigs[i].reproduced_in)
			snprintf(rep, sizeof(rep), ", reproduced in fresh replay %u", sigs[i].reproduced_in);
		else if (sigs[i].replay_cut)
			snprintf(rep, sizeof(rep), ", NOT CONFIRMED: its replay was cut short by --time");
		else
			snprintf(rep, sizeof(rep), ", FLAKY: not reproduced in %u fresh replays", sigs[i].replays);
		flaky += sig_flaky(&sigs[i]);
		fprintf(fp, "    %s  x%llu, first in sequence #%llu%s%s%s\n", sigs[i].sig, sigs[i].count, sigs[i].first, rep,
			sigs[i].where[0] ? ", saved in " : ", NOT saved", sigs[i].where);
	}
	if (c->cost) {
		static const char *const names[MMF_NR_COST] = { "reset",  "exec page", "exec obj",	"exec vmalloc",
								  "exec as", "checks",    "end walks", "end compare" };
		double timed = c->gen_secs + c->finding_secs;
		for (unsigned i = 0; i < MMF_NR_COST; i++)
			timed += st->cost[i];
		fprintf(fp, "  cost        seconds and share of the campaign's %.2f s, by phase\n", secs);
		fprintf(fp, "    %-14s %8.3f  %5.1f%%\n", "generate", c->gen_secs, secs > 0 ? 100 * c->gen_secs / secs : 0);
		for (unsigned i = 0; i < MMF_NR_COST; i++)
			fprintf(fp, "    %-14s %8.3f  %5.1f%%\n", names[i], st->cost[i], secs > 0 ? 100 * st->cost[i] / secs : 0);
		fprintf(fp, "    %-14s %8.3f  %5.1f%%\n", "findings", c->finding_secs,
			secs > 0 ? 100 * c->finding_secs / secs : 0);
		fprintf(fp, "    %-14s %8.3f  %5.1f%%\n", "other", secs - timed, secs > 0 ? 100 * (secs - timed) / secs : 0);
		if (mmf_remote_runs())
			fprintf(fp, "                (%lu sequences ran whole in the worker: their phases were timed there, "
				    "while mmfuzz generated the next one)\n",
				mmf_remote_runs());
	}
	if (c->cut)
		fprintf(fp, "  stopped     the sequence running when --time ran out was cut short mid-op\n");
	if (flaky)
		fprintf(fp, "  flaky       %u of %u signatures did not come back when replayed on fresh systems: they depend on "
			    "state outside the sequence (saved as found, under flaky/)\n",
			flaky, nsigs);
	fprintf(fp, "  verdict     %s\n", !nsigs ? "no divergence" : flaky == nsigs ? "FINDING (flaky only)" : "FINDING");
}

/* The progress line: a line every 10 s, or one line redrawn on a terminal. */
static void progress(const struct mmf_exec_stats *st, unsigned long long n, double elapsed, int tty)
{
	fprintf(stderr, "%s#%llu  %.0fs  seqs/s %.0f  ops %llu (%.0f/s)  findings %llu (%u distinct)%s", tty ? "\r" : "", n,
		elapsed, (double)n / elapsed, (unsigned long long)st->ops, (double)st->ops / elapsed, total_findings(), nsigs,
		tty ? "   " : "\n");
}

/* A finding not seen before: shrunk (within its share of the time left),
 * printed, saved with the input as found. 0, or EXIT_ENV when it could
 * not be saved (its reproducer is printed instead). */
static int new_finding(struct mmf_exec *ex, const struct campaign *c, struct sigrec *rec, struct mmf_seq *seq,
		       struct mmf_finding *f, unsigned long long n, double start, int tty)
{
	static struct mmf_seq first;
	memcpy(&first, seq, sizeof(*seq));
	unsigned before = seq->nops, runs = 0;
	double t0 = mmf_now();
	mmf_exec_set_counting(ex, 0); /* replays and shrinking runs are not campaign work */
	unsigned reuse = mmf_remote_set_reuse(1); /* and each on fresh workers */
	/* Replayed on fresh systems (each adapter created anew, as `mmfuzz
	 * replay` would) until it comes back: up to 3 times, within the time
	 * left (once at least). A finding that never does is flaky. */
	for (unsigned k = 1; k <= 3 && !rec->reproduced_in; k++) {
		if (k > 1 && mmf_now() - start >= c->time_limit)
			break;
		struct mmf_finding g;
		mmf_exec_restart(ex, seq->profile);
		int r = mmf_exec_run(ex, seq, &g);
		rec->replays = k;
		if (r == 1 && !strcmp(g.signature, f->signature))
			rec->reproduced_in = k;
		else if (r == 1 && !strcmp(g.check, MMF_REMOTE_STOPPED)) {
			rec->replay_cut = 1; /* a hang's replay that --time cut short */
			break;
		}
	}
	int flaky = !rec->reproduced_in && !rec->replay_cut, no_time = 0;
	if (flaky) {
		snprintf(rec->sig, sizeof(rec->sig), "%.150s-flaky", f->signature);
		snprintf(f->signature, sizeof(f->signature), "%.159s", rec->sig);
		char d[sizeof(f->detail)];
		snprintf(d, sizeof(d), "%s", f->detail);
		snprintf(f->detail, sizeof(f->detail), "flaky, not reproduced in %u fresh replays: %.*s", rec->replays,
			 (int)sizeof(f->detail) - 60, d);
	} else if (rec->replay_cut) {
		char d[sizeof(f->detail)];
		snprintf(d, sizeof(d), "%s", f->detail);
		snprintf(f->detail, sizeof(f->detail), "not confirmed, its replay was cut short by --time: %.*s",
			 (int)sizeof(f->detail) - 64, d);
	} else if (c->shrink) {
		/* bounded, so a finding whose runs are slow (a hang costs the
		 * op timeout per candidate) cannot eat the campaign: half of
		 * what is left, at most a minute */
		double left = c->time_limit - (mmf_now() - start);
		no_time = left <= 0.05;
		if (!no_time) {
			struct mmf_min_config mc = { 0, 0, left > 120 ? 60 : left / 2 };
			struct mmf_min_stats ms;
			runs = mmf_minimize(ex, seq, f, &mc, &ms);
		}
	}
	mmf_exec_set_counting(ex, 1);
	mmf_remote_set_reuse(reuse);
	if (tty && !c->quiet)
		fputc('\n', stderr);
	printf("%s\n", f->signature);
	if (flaky)
		printf("  sequence #%llu (seed %llu), %u ops, FLAKY: not reproduced in %u replays on fresh systems, "
		       "kept as found (%.2f s)\n",
		       n, c->seed, before, rec->replays, mmf_now() - t0);
	else if (rec->replay_cut)
		printf("  sequence #%llu (seed %llu), %u ops, NOT CONFIRMED: its replay on fresh systems was cut short "
		       "by --time, kept as found (%.2f s)\n",
		       n, c->seed, before, mmf_now() - t0);
	else if (no_time)
		printf("  sequence #%llu (seed %llu), %u ops, reproduced in fresh replay %u, not shrunk: no time left "
		       "within --time (%.2f s; mmfuzz minimize shrinks it)\n",
		       n, c->seed, before, rec->reproduced_in, mmf_now() - t0);
	else
		printf("  sequence #%llu (seed %llu), %u ops, reproduced in fresh replay %u, shrunk to %u in %u runs "
		       "(%.2f s)\n",
		       n, c->seed, before, rec->reproduced_in, seq->nops, runs, mmf_now() - t0);
	printf("  %s\n", f->detail);
	finding_rel(&c->t, f->signature, rec->rel, sizeof(rec->rel));
	int e = cli_save_finding(c->out, seq, f, &c->t, rec->where, sizeof(rec->where));
	if (!e)
		e = save_first(c->out, rec->rel, &first);
	if (!e)
		e = bump_count(c->out, rec->rel, 1);
	if (e) {
		fprintf(stderr, "mmfuzz fuzz: cannot save the finding under %s: %s; its reproducer:\n", c->out, strerror(e));
		char *text = mmf_seq_to_text(seq);
		if (text)
			fputs(text, stdout);
		free(text);
		rec->where[0] = 0;
		return EXIT_ENV;
	}
	printf("  saved %s/repro.mmfz and repro.txt\n", rec->where);
	fflush(stdout);
	return 0;
}

/* The report, on stdout and in --report FILE: the status to end with. */
static int write_reports(const struct campaign *c, const struct mmf_exec_stats *st, unsigned long long n,
			 double elapsed, int status)
{
	report(stdout, c, st, n, elapsed);
	if (c->report) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&buf, &len);
		if (mf) {
			report(mf, c, st, n, elapsed);
			fclose(mf);
			int e = mmf_write_atomic(c->report, buf, len);
			if (e) {
				fprintf(stderr, "mmfuzz fuzz: cannot write report %s: %s\n", c->report, strerror(e));
				if (status == EXIT_CLEAN)
					status = EXIT_ENV;
			}
			free(buf);
		}
	}
	return status;
}

/* Sequence n of the campaign into *seq. */
static void make_seq(struct campaign *c, const struct mmf_gen_config *gc, unsigned long long n, struct mmf_seq *seq)
{
	double tg = c->cost ? mmf_now() : 0;
	mmf_gen_sequence(mmf_seed_mix(c->seed, n), gc, seq);
	if (c->cost)
		c->gen_secs += mmf_now() - tg;
}

/* With every system under test in process and a second CPU to run on, a
 * thread generates sequence n + 1 while sequence n runs: sequence k goes
 * into slots[k & 1] once the campaign has released k - 2. The thread
 * spins briefly for that, then sleeps until the campaign releases the
 * slot (spinning through a whole sequence saved a few percent more, but
 * takes a core that a second campaign on the machine would need);
 * MMFUZZ_PIN=1, or a single CPU, keeps generation in line. (Out of process, the
 * campaign generates while the worker runs; a third busy thread would
 * take a CPU from one of them.) */
struct gen_thread {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct campaign c; /* a copy: the seed and --cost */
	const struct mmf_gen_config *gc;
	struct mmf_seq *slots;
	unsigned long long ready; /* sequences [0, ready) are made */
	unsigned long long used;  /* sequences [0, used) are released */
	int sleeping, stop, on;
};

#define GEN_SPIN 0.00002 /* seconds the thread spins for a free slot */

static void *gen_main(void *arg)
{
	struct gen_thread *g = arg;
	for (unsigned long long k = 0;; k++) {
		double t0 = 0;
		for (unsigned i = 1; k >= 2 && __atomic_load_n(&g->used, __ATOMIC_SEQ_CST) < k - 1; i++) {
			if (__atomic_load_n(&g->stop, __ATOMIC_RELAXED))
				return NULL;
			mmf_wire_relax();
			if (i & 255)
				continue;
			double t = mmf_now();
			if (!t0)
				t0 = t;
			else if (t - t0 > GEN_SPIN) {
				pthread_mutex_lock(&g->mu);
				__atomic_store_n(&g->sleeping, 1, __ATOMIC_SEQ_CST);
				while (!g->stop && __atomic_load_n(&g->used, __ATOMIC_SEQ_CST) < k - 1)
					pthread_cond_wait(&g->cv, &g->mu);
				__atomic_store_n(&g->sleeping, 0, __ATOMIC_SEQ_CST);
				pthread_mutex_unlock(&g->mu);
				t0 = 0;
			}
		}
		if (__atomic_load_n(&g->stop, __ATOMIC_RELAXED))
			return NULL;
		make_seq(&g->c, g->gc, k, &g->slots[k & 1]);
		__atomic_store_n(&g->ready, k + 1, __ATOMIC_RELEASE);
	}
}

static void gen_start(struct gen_thread *g, const struct campaign *c, const struct mmf_gen_config *gc,
		      struct mmf_seq *slots)
{
	cpu_set_t set;
	const char *pin = getenv("MMFUZZ_PIN");
	g->on = 0;
	if ((pin && !strcmp(pin, "1")) || sched_getaffinity(0, sizeof(set), &set) || CPU_COUNT(&set) < 2)
		return;
	g->c = *c;
	g->c.gen_secs = 0;
	g->gc = gc;
	g->slots = slots;
	g->ready = g->used = 0;
	g->stop = g->sleeping = 0;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->on = pthread_create(&g->th, NULL, gen_main, g) == 0;
}

/* Releases sequence n - 1 and waits until n is made. */
static void gen_next(struct gen_thread *g, unsigned long long n)
{
	__atomic_store_n(&g->used, n, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&g->sleeping, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&g->mu);
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
	}
	for (unsigned i = 1; __atomic_load_n(&g->ready, __ATOMIC_ACQUIRE) <= n; i++) {
		mmf_wire_relax();
		if (!(i & 1023))
			sched_yield(); /* the thread lost its CPU for a while */
	}
}

static void gen_stop(struct gen_thread *g, struct campaign *c)
{
	if (!g->on)
		return;
	pthread_mutex_lock(&g->mu);
	__atomic_store_n(&g->stop, 1, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->th, NULL);
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	c->gen_secs += g->c.gen_secs;
	g->on = 0;
}

enum { OPT_KEEP_GOING = CLI_OPT_OWN, OPT_NO_SHRINK, OPT_TIME, OPT_RUNS, OPT_SEED, OPT_MAX_OPS, OPT_GENERATOR, OPT_ERRORS, OPT_PROFILE,
       OPT_OUT, OPT_REPORT, OPT_COST, OPT_WORKER_REUSE, OPT_OP_BY_OP };
static const struct option fuzz_options[] = {
	CLI_TARGET_OPTIONS,
	CLI_HELP_OPTION,
	{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
	{ "no-shrink", no_argument, NULL, OPT_NO_SHRINK },
	{ "quiet", no_argument, NULL, 'q' },
	{ "time", required_argument, NULL, OPT_TIME },
	{ "runs", required_argument, NULL, OPT_RUNS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "max-ops", required_argument, NULL, OPT_MAX_OPS },
	{ "generator", required_argument, NULL, OPT_GENERATOR },
	{ "errors", required_argument, NULL, OPT_ERRORS },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "cost", no_argument, NULL, OPT_COST },
	{ "worker-reuse", required_argument, NULL, OPT_WORKER_REUSE },
	{ "op-by-op", no_argument, NULL, OPT_OP_BY_OP },
	{ 0 },
};

struct fuzz_args {
	struct campaign c;
	int seed_given;
};

static int fuzz_option(void *ctx, int code, const char *arg)
{
	struct fuzz_args *fa = ctx;
	struct campaign *c = &fa->c;
	unsigned long long v;
	int r = cli_target_set(&c->t, code, arg);
	if (r)
		return r < 0 ? -1 : 0;
	switch (code) {
	case OPT_KEEP_GOING: c->keep_going = 1; return 0;
	case OPT_NO_SHRINK: c->shrink = 0; return 0;
	case 'q': c->quiet = 1; return 0;
	case OPT_COST: c->cost = 1; return 0;
	case OPT_OP_BY_OP: c->op_by_op = 1; return 0;
	case OPT_TIME: {
		char *end;
		c->time_limit = strtod(arg, &end);
		if (!*arg || *end || !(c->time_limit >= 0)) {
			fprintf(stderr, "mmfuzz fuzz: --time needs a non-negative number of seconds, got '%s'\n", arg);
			return -1;
		}
		return 0;
	}
	case OPT_RUNS: return cli_number("fuzz", "--runs", arg, &c->runs);
	case OPT_WORKER_REUSE:
		if (cli_number("fuzz", "--worker-reuse", arg, &v) || v < 1 || v > 1000000) {
			fprintf(stderr, "mmfuzz fuzz: --worker-reuse must be 1..1000000, got '%s'\n", arg);
			return -1;
		}
		c->reuse = (unsigned)v;
		return 0;
	case OPT_SEED:
		fa->seed_given = 1;
		return cli_number("fuzz", "--seed", arg, &c->seed);
	case OPT_MAX_OPS:
		if (cli_number("fuzz", "--max-ops", arg, &v))
			return -1;
		if (v == 0 || v > MMF_MAX_OPS) {
			fprintf(stderr, "mmfuzz fuzz: --max-ops must be 1..%d\n", MMF_MAX_OPS);
			return -1;
		}
		c->max_ops = (unsigned)v;
		return 0;
	case OPT_GENERATOR:
		if (cli_number("fuzz", "--generator", arg, &v) || v < 1 || v > MMF_GEN_VERSION) {
			fprintf(stderr, "mmfuzz fuzz: --generator must be 1..%d, got '%s'\n", MMF_GEN_VERSION, arg);
			return -1;
		}
		c->generator = (unsigned)v;
		return 0;
	case OPT_ERRORS: return cli_errors("fuzz", arg, &c->errors);
	case OPT_PROFILE: return cli_profile("fuzz", arg, &c->profile);
	case OPT_OUT: c->out = arg; return cli_path_ok("fuzz", "--out", arg);
	case OPT_REPORT: c->report = arg; return cli_path_ok("fuzz", "--report", arg);
	default: return -1;
	}
}

int cli_fuzz(int argc, char **argv)
{
	struct fuzz_args fa = { .c = { .time_limit = 60, .profile = -1, .shrink = 1, .max_ops = 200, .out = "findings",
				       .reuse = MMF_REMOTE_REUSE_DEFAULT } };
	int operands, ost = cli_getopt("fuzz", argc, argv, "hq", fuzz_options, usage_fuzz, fuzz_option, &fa, &operands);
	if (ost >= 0)
		return ost;
	if (operands < argc) {
		fprintf(stderr, "mmfuzz fuzz: unexpected argument '%s'\n%s", argv[operands], usage_fuzz);
		return EXIT_BADINPUT;
	}
	struct campaign c = fa.c;
	int seed_given = fa.seed_given;
	if (!seed_given) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		c.seed = (unsigned long long)ts.tv_sec * 1000003ull ^ (unsigned long long)ts.tv_nsec ^ (unsigned long long)getpid();
	}
	/* temp files of earlier campaigns killed mid-write go first */
	struct mmf_dir prior;
	if (mmf_dir_open(c.out, 0, &prior) == 0) {
		mmf_dir_sweep(&prior, 2);
		mmf_dir_close(&prior);
	}
	c.t.with_kernel = 1; /* without --adapter: simple, and this machine's kernel for address spaces */
	struct mmf_exec *ex = cli_make_exec(&c.t, NULL, 0);
	if (!ex)
		return cli_make_exec_status;
	const char *declared = mmf_exec_kernel(ex);
	snprintf(c.kernel, sizeof(c.kernel), "%s%s", declared[0] ? declared : "the profiles' defaults",
		 declared[0] ? " (probed; the rest: the profiles' defaults)" : "");
	fprintf(stderr, "mmfuzz fuzz: adapter %s%s%s%s vs oracle, seed %llu, generator %u, %s%.0f s\n",
		cli_adapter_name(&c.t), cli_kernel_adapter ? " + host-linux (as)" : "",
		c.t.mutant ? " mutant " : "", c.t.mutant ? c.t.mutant : "", c.seed, c.generator ? c.generator : MMF_GEN_VERSION,
		c.runs ? "runs limit, " : "", c.time_limit);

	static struct mmf_seq seqs[2]; /* sequence n in seqs[n & 1] */
	unsigned long long made = 0, ahead = 0; /* 1 + the sequence made (posted) ahead, or 0 */
	/* Draw only from the families the adapter is compared in: a malloc
	 * adapter gains nothing from page-table ops the oracle runs alone. */
	unsigned fams = 0;
	for (unsigned fam = 0; fam < MMF_NR_FAMILIES; fam++)
		if (cli_level(fam) != MMF_LEVEL_NONE)
			fams |= 1u << fam;
	struct mmf_gen_config gc = { c.profile, c.max_ops, fams,
				     cli_gen_flags(cli_adapter) | (cli_kernel_adapter ? MMF_GEN_AS_ALONE : 0), c.generator,
				     c.errors, cli_gen_as_caps(), cli_gen_caps() };
	double start = mmf_now(), last = 0, elapsed = 0;
	/* an op still running in a worker when the time is up is stopped */
	mmf_remote_set_stop(start + c.time_limit + 0.25);
	mmf_remote_set_reuse(c.reuse);
	mmf_remote_set_persistent(!c.op_by_op);
	static struct gen_thread gt;
	if (!cli_kernel_adapter && !mmf_remote_adapter(cli_adapter))
		gen_start(&gt, &c, &gc, seqs);
	int tty = isatty(2);
	mmf_exec_set_cost(ex, c.cost);
	double every = tty ? 1.0 : 10.0;
	unsigned long long n = 0;
	int status = EXIT_CLEAN;
	for (;; n++) {
		if (c.runs && n >= c.runs)
			break;
		/* the time, every sequence: one may be slow (an adapter's
		 * create on a new profile, a hang that runs to the op timeout) */
		elapsed = mmf_now() - start;
		if (elapsed >= c.time_limit)
			break;
		if (!c.quiet && elapsed - last >= every) {
			last = elapsed;
			progress(mmf_exec_stats(ex), n, elapsed, tty);
		}
		/* This sequence: posted to its persistent worker while the last
		 * one ran, or made and posted now (or run op by op); and the
		 * next one posted while this one runs, when its profile's
		 * worker is free. Results are taken in order. */
		struct mmf_seq *seq = &seqs[n & 1], *next = &seqs[(n + 1) & 1];
		int posted = ahead == n + 1;
		ahead = 0;
		if (gt.on)
			gen_next(&gt, n);
		else if (made != n + 1)
			make_seq(&c, &gc, n, seq);
		if (!posted && !gt.on)
			posted = mmf_exec_campaign_post(ex, seq);
		if (posted && (!c.runs || n + 1 < c.runs)) {
			make_seq(&c, &gc, n + 1, next);
			made = n + 2;
			if (mmf_exec_campaign_post(ex, next))
				ahead = n + 2;
		}
		struct mmf_finding f;
		mmf_exec_next_profile(ex, mmf_gen_profile(mmf_seed_mix(c.seed, n + 1), &gc));
		int r = posted ? mmf_exec_campaign_collect(ex, seq, &f) : mmf_exec_run(ex, seq, &f);
		if (r < 0) {
			fprintf(stderr, "\nmmfuzz fuzz: cannot run: %s\n", f.detail);
			status = EXIT_ENV;
			break;
		}
		if (r == 0)
			continue;
		if (!strcmp(f.check, MMF_REMOTE_STOPPED)) { /* --time ran out mid-op: not the adapter's doing */
			c.cut = 1;
			n++;
			break;
		}
		status = EXIT_FINDING;
		struct sigrec *rec = sig_lookup(f.signature);
		if (rec) {
			rec->count++; /* known: counted, not shrunk or saved again */
			continue;
		}
		rec = sig_add(f.signature, n);
		double tf = mmf_now();
		mmf_exec_set_cost(ex, 0);
		int nf = new_finding(ex, &c, rec, seq, &f, n, start, tty);
		mmf_exec_set_cost(ex, c.cost);
		c.finding_secs += mmf_now() - tf;
		if (nf) {
			status = EXIT_ENV;
			n++;
			break;
		}
		/* a flaky one is reported and saved, but is nothing to stop for:
		 * the campaign goes on looking for one that reproduces */
		if (!c.keep_going && !sig_flaky(rec)) {
			n++;
			break;
		}
	}
	if (ahead) /* posted, and past the campaign's end: not counted */
		mmf_exec_campaign_drop(ex, &seqs[(ahead - 1) & 1]);
	gen_stop(&gt, &c);
	mmf_remote_set_stop(0);
	mmf_remote_set_reuse(1);
	elapsed = mmf_now() - start;
	if (elapsed > c.time_limit)
		c.overrun = elapsed - c.time_limit;
	if (tty && !c.quiet)
		fputc('\n', stderr);
	for (unsigned i = 0; i < nsigs; i++)
		if (sigs[i].where[0] && sigs[i].count > 1 && bump_count(c.out, sigs[i].rel, sigs[i].count - 1)) {
			fprintf(stderr, "mmfuzz fuzz: cannot update %s/count\n", sigs[i].where);
			status = EXIT_ENV;
		}
	if (status == EXIT_FINDING && nsigs && all_flaky())
		status = EXIT_FLAKY;
	status = write_reports(&c, mmf_exec_stats(ex), n, elapsed, status);
	mmf_exec_destroy(ex);
	return status;
}
