/* The minimizer: structured passes over a failing sequence, repeated until
 * none changes it. A candidate counts only when it fails with the same
 * signature.
 *
 *   cut      everything after the failing op
 *   prefix   the longest prefix that can go, by bisection
 *   runs     of a run of one op kind, as few as still fail (bisection)
 *   chunks   delta debugging: remove chunks aligned from the end, each
 *            size sweeping once (again while it removes something),
 *            halving down to one op
 *   fields   each field of each op made smaller: 0, 1, half, one less;
 *            GFP masks lose one flag at a time; then the header's seed
 *            and profile
 *
 * With fork_each, each candidate runs in a forked child with a timeout,
 * so inputs that crash or hang the process shrink too: their signatures
 * are "MMFUZZ: crash-<signal>" and "MMFUZZ: timeout". */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/clock.h"
#include "harness/optable.h"
#include "mmfuzz/gfp.h"
#include "mmfuzz/harness.h"
#include "mmfuzz/profile.h"

/* What a child reports through its pipe. */
struct verdict {
	int r;
	struct mmf_finding f;
};

static void crash_finding(struct mmf_finding *f, const char *what, const char *detail)
{
	memset(f, 0, sizeof(*f));
	f->found = 1;
	snprintf(f->check, sizeof(f->check), "%s", what);
	snprintf(f->signature, sizeof(f->signature), "MMFUZZ: %s", what);
	snprintf(f->detail, sizeof(f->detail), "%s", detail);
}

int mmf_run_isolated(struct mmf_exec *ex, const struct mmf_seq *seq, struct mmf_finding *f, double timeout)
{
	int fds[2];
	if (pipe(fds))
		return mmf_exec_run(ex, seq, f);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return mmf_exec_run(ex, seq, f);
	}
	if (pid == 0) {
		close(fds[0]);
		/* die by the signal itself, not a sanitizer's report and exit
		 * status, so a crash has the same signature in every build */
		static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
		for (unsigned i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
			signal(fatal[i], SIG_DFL);
		struct verdict v = { 0 };
		v.r = mmf_exec_run(ex, seq, &v.f);
		ssize_t w = write(fds[1], &v, sizeof(v));
		_exit(w == (ssize_t)sizeof(v) ? 0 : 3);
	}
	close(fds[1]);
	struct verdict v;
	size_t got = 0;
	double end = mmf_now() + (timeout > 0 ? timeout : 10.0);
	int timed_out = 0;
	while (got < sizeof(v)) {
		struct pollfd p = { fds[0], POLLIN, 0 };
		int left = (int)((end - mmf_now()) * 1000);
		if (left <= 0 || poll(&p, 1, left) == 0) {
			timed_out = 1;
			break;
		}
		ssize_t n = read(fds[0], (char *)&v + got, sizeof(v) - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		crash_finding(f, "timeout", "the run did not finish in time");
		return 1;
	}
	if (WIFSIGNALED(status)) {
		char what[48], detail[96];
		snprintf(what, sizeof(what), "crash-%s", sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "SIG");
		snprintf(detail, sizeof(detail), "the run was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
		crash_finding(f, what, detail);
		return 1;
	}
	if (got < sizeof(v)) {
		crash_finding(f, "crash-exit", "the run exited without a verdict");
		return 1;
	}
	*f = v.f;
	return v.r;
}

struct ctx {
	struct mmf_exec *ex;
	const struct mmf_min_config *cfg;
	char sig[sizeof(((struct mmf_finding *)0)->signature)];
	struct mmf_finding best;
	unsigned long runs;
	double deadline;
};

static int out_of_time(const struct ctx *c) { return c->deadline > 0 && mmf_now() > c->deadline; }

/* Does cand still fail the same way? Keeps its finding if so. */
static int still_fails(struct ctx *c, const struct mmf_seq *cand)
{
	struct mmf_finding g;
	c->runs++;
	int r = c->cfg && c->cfg->fork_each ? mmf_run_isolated(c->ex, cand, &g, c->cfg->timeout)
					    : mmf_exec_run(c->ex, cand, &g);
	if (r != 1 || strcmp(g.signature, c->sig))
		return 0;
	c->best = g;
	return 1;
}

static void copy_seq(struct mmf_seq *dst, const struct mmf_seq *src)
{
	memcpy(dst, src, offsetof(struct mmf_seq, ops) + src->nops * sizeof(src->ops[0]));
}

/* Tries seq without its ops [i, i + len); keeps the candidate if it still
 * fails the same way. */
static int try_without(struct ctx *c, struct mmf_seq *seq, unsigned i, unsigned len)
{
	static struct mmf_seq cand;
	if (!len || i + len > seq->nops || len >= seq->nops)
		return 0;
	memcpy(&cand, seq, offsetof(struct mmf_seq, ops));
	cand.nops = seq->nops - len;
	memcpy(cand.ops, seq->ops, (size_t)i * sizeof(seq->ops[0]));
	memcpy(cand.ops + i, seq->ops + i + len, (size_t)(seq->nops - i - len) * sizeof(seq->ops[0]));
	if (!still_fails(c, &cand))
		return 0;
	copy_seq(seq, &cand);
	return 1;
}

/* The ops before the failure that do not matter often come first (a long
 * sequence whose bug needs its last few dozen ops): the longest prefix
 * that can go, found by bisection, in log2(n) runs. */
static int pass_prefix(struct ctx *c, struct mmf_seq *seq)
{
	static struct mmf_seq orig;
	unsigned lo = 0, hi = seq->nops ? seq->nops - 1 : 0; /* lo: known removable; hi: at most */
	copy_seq(&orig, seq);
	while (lo < hi && !out_of_time(c)) {
		unsigned mid = lo + (hi - lo + 1) / 2;
		copy_seq(seq, &orig);
		if (try_without(c, seq, 0, mid))
			lo = mid;
		else
			hi = mid - 1;
	}
	copy_seq(seq, &orig);
	return lo && try_without(c, seq, 0, lo);
}

/* Delta debugging over chunks aligned from the failing end: each chunk
 * size sweeps the sequence once (n / size candidates, not n); a size that
 * removed something sweeps again, one that removed nothing halves. */
static int pass_chunks(struct ctx *c, struct mmf_seq *seq)
{
	int changed = 0;
	unsigned chunk = 1;
	while (chunk * 2 <= seq->nops / 2)
		chunk *= 2;
	while (!out_of_time(c) && seq->nops > 1) {
		int removed = 0;
		for (unsigned end = seq->nops; end > 0 && !out_of_time(c);) {
			unsigned start = end > chunk ? end - chunk : 0;
			removed |= try_without(c, seq, start, end - start);
			end = start;
		}
		changed |= removed;
		if (!removed && chunk == 1)
			break;
		if (!removed || chunk > seq->nops / 2)
			chunk = chunk > 1 ? chunk / 2 : 1;
	}
	return changed;
}

/* Runs of one op kind (a class filled, the same access many times): how
 * many of the run the failure needs, by bisection on the run's length. */
static int pass_runs(struct ctx *c, struct mmf_seq *seq)
{
	int changed = 0;
	for (unsigned i = 0; i < seq->nops && !out_of_time(c);) {
		unsigned j = i + 1;
		while (j < seq->nops && seq->ops[j].code == seq->ops[i].code)
			j++;
		if (j - i >= 4) {
			unsigned lo = 0, hi = j - i; /* keep hi of the run: known to fail */
			while (lo < hi && !out_of_time(c)) {
				unsigned mid = lo + (hi - lo) / 2;
				if (try_without(c, seq, i + mid, hi - mid)) {
					changed = 1;
					hi = mid;
				} else {
					lo = mid + 1;
				}
			}
			j = i + hi;
		}
		i = j > i ? j : i + 1;
	}
	return changed;
}

/* Smaller values for one field, smallest first; big values step down
 * geometrically (by halves and quarters), so a field takes a few dozen
 * candidates at most, not one per unit. */
static unsigned smaller(uint32_t v, uint32_t *out)
{
	unsigned n = 0;
	uint32_t c[4] = { 0, 1, v / 2, v <= 16 ? v - 1 : v - v / 4 };
	for (unsigned k = 0; k < 4 && v; k++) {
		int dup = c[k] >= v;
		for (unsigned j = 0; j < n && !dup; j++)
			dup = out[j] == c[k];
		if (!dup)
			out[n++] = c[k];
	}
	return n;
}

static int pass_fields(struct ctx *c, struct mmf_seq *seq)
{
	static struct mmf_seq cand;
	int changed = 0;
	for (unsigned i = 0; i < seq->nops && !out_of_time(c); i++) {
		const struct mmf_opdesc *d = &mmf_optable[seq->ops[i].code % MMF_NR_OPCODES];
		for (unsigned fi = 0; fi < d->nfields && !out_of_time(c); fi++) {
			uint32_t v = mmf_field_get(&seq->ops[i], d->f[fi].loc), vals[32];
			unsigned n = 0;
			if (d->f[fi].kind == FK_GFP) {
				for (unsigned b = 32; b-- > 0 && n < 32;)
					if (v & (1u << b))
						vals[n++] = v & ~(1u << b);
			} else {
				n = smaller(v, vals);
			}
			for (unsigned k = 0; k < n; k++) {
				copy_seq(&cand, seq);
				mmf_field_set(&cand.ops[i], d->f[fi].loc, vals[k]);
				/* canonical, and really smaller (a GFP mask's canonical
				 * form may add flags back: no going round in circles) */
				if (!mmf_op_canonical(&cand.ops[i], cand.profile, cand.swarm) ||
				    mmf_field_get(&cand.ops[i], d->f[fi].loc) >= v)
					continue;
				if (still_fails(c, &cand)) {
					copy_seq(seq, &cand);
					changed = 1;
					break;
				}
			}
		}
	}
	/* The header: tokens from seed 0, the first profile. */
	if (seq->seed) {
		copy_seq(&cand, seq);
		cand.seed = 0;
		if (still_fails(c, &cand)) {
			copy_seq(seq, &cand);
			changed = 1;
		}
	}
	for (unsigned p = 0; p < seq->profile && !out_of_time(c); p++) {
		copy_seq(&cand, seq);
		cand.profile = (uint8_t)p;
		unsigned k = 0;
		for (unsigned j = 0; j < cand.nops; j++)
			if (mmf_op_canonical(&cand.ops[j], p, cand.swarm))
				cand.ops[k++] = cand.ops[j];
		cand.nops = k;
		if (still_fails(c, &cand)) {
			copy_seq(seq, &cand);
			changed = 1;
			break;
		}
	}
	return changed;
}

unsigned mmf_minimize(struct mmf_exec *ex, struct mmf_seq *seq, struct mmf_finding *f,
		      const struct mmf_min_config *cfg, struct mmf_min_stats *st)
{
	struct ctx c = { .ex = ex, .cfg = cfg, .best = *f };
	double t0 = mmf_now();
	c.deadline = cfg && cfg->time_limit > 0 ? t0 + cfg->time_limit : 0;
	snprintf(c.sig, sizeof(c.sig), "%s", f->signature);
	unsigned before = seq->nops;
	/* cut: nothing after the failing op (a crash or hang has no step) */
	if (f->step + 1 < seq->nops && strncmp(f->signature, "MMFUZZ: crash-", 14) && strcmp(f->signature, "MMFUZZ: timeout")) {
		static struct mmf_seq cand;
		copy_seq(&cand, seq);
		cand.nops = f->step + 1;
		if (still_fails(&c, &cand))
			copy_seq(seq, &cand);
	}
	pass_prefix(&c, seq);
	for (int changed = 1; changed && !out_of_time(&c);) {
		changed = pass_runs(&c, seq);
		changed |= pass_chunks(&c, seq);
		changed |= pass_fields(&c, seq);
	}
	/* the finding as the final sequence gives it */
	if (still_fails(&c, seq))
		*f = c.best;
	if (st) {
		st->ops_before = before;
		st->ops_after = seq->nops;
		st->runs = c.runs;
		st->seconds = mmf_now() - t0;
	}
	return (unsigned)c.runs;
}

unsigned mmf_shrink(struct mmf_exec *ex, struct mmf_seq *seq, struct mmf_finding *f)
{
	return mmf_minimize(ex, seq, f, NULL, NULL);
}
