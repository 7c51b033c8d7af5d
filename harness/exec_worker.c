/* A campaign in whole-sequence mode: each sequence runs in the worker.
 *
 * Op by op, an out-of-process target costs a round trip per call that
 * waits, and mmfuzz and its worker take turns on the CPUs. An agent that
 * links mmfuzz's core (MMF_WIRE_F_RUN) can instead run the sequence
 * itself, as AFL++'s persistent mode runs the target's loop in the
 * target: its worker holds an executor of its own, with its own oracle
 * and the adapter in process (harness/remote_run.c), and answers with the
 * finding, if any, and the statistics the run added. mmfuzz sends one
 * request per sequence and generates the next one meanwhile.
 *
 * What the worker says is a lead, never the verdict: a finding is
 * replayed op by op on fresh workers before it is reported (cli_fuzz.c's
 * new_finding), and a worker that dies, hangs or outgrows its memory
 * limit in a run has that sequence run again op by op, which attributes
 * the crash to its op as before. A crash the op-by-op run does not repeat
 * is raised all the same, charged to the op the worker was in, and the
 * fresh replays then call it flaky; a hang or a memory limit it does not
 * repeat is not (the worker's oracle counted in them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/clock.h"
#include "harness/exec_internal.h"
#include "harness/remote.h"
#include "harness/remote_run.h"
#include "mmfuzz/harness.h"

int mmf_exec_adopt(struct mmf_exec *ex, unsigned target, unsigned prof, void *ctx)
{
	if (target >= ex->nt || prof >= MAX_PROFILES || prof >= mmf_profile_count())
		return -1;
	struct target *t = &ex->t[target];
	if (!t->owned[prof]) {
		const struct mmf_profile *p = mmf_profile_get(prof);
		t->owned[prof] = calloc((p->end_pfn + 63) / 64, sizeof(uint64_t));
		if (!t->owned[prof])
			return -1;
	}
	t->ctx[prof] = ctx;
	t->adopted |= 1u << prof;
	t->reset_done |= 1u << prof; /* a fresh worker's context is as its create left it */
	return 0;
}

int mmf_exec_reset_after(struct mmf_exec *ex, unsigned target, unsigned prof)
{
	struct target *t = &ex->t[target];
	if (prof >= MAX_PROFILES || !t->ctx[prof] || !t->ad->reset || t->ad->reset(t->ctx[prof]) != MMF_OK)
		return -1;
	t->reset_done |= 1u << prof;
	return 0;
}

void mmf_exec_set_progress(struct mmf_exec *ex, uint32_t *word) { ex->progress = word; }

/* ---- statistics, as (word, value) pairs ------------------------------------ */

/* The statistics' counters, as words: the per-op rows of the ops a
 * sequence ran and every other counter; then the cost seconds. */
#define NWORDS (offsetof(struct mmf_exec_stats, cost) / sizeof(uint64_t))
_Static_assert(offsetof(struct mmf_exec_stats, cost) % sizeof(uint64_t) == 0, "counters are words");

struct pair {
	uint64_t word, value;
};

static size_t take_range(uint64_t *w, size_t from, size_t to, struct pair *out, size_t n, size_t cap)
{
	for (size_t i = from; i < to; i++)
		if (w[i]) {
			if (n < cap)
				out[n] = (struct pair){ i, w[i] };
			n++;
			w[i] = 0;
		}
	return n;
}

size_t mmf_exec_stats_take(struct mmf_exec *ex, const struct mmf_seq *seq, void *out, size_t cap)
{
	struct mmf_exec_stats *st = &ex->stats;
	uint64_t *w = (uint64_t *)st;
	struct pair *p = out;
	size_t max = cap / sizeof(*p), n = 0;
#define AT(field) ((size_t)((uint64_t *)&st->field - w))
	n = take_range(w, 0, AT(per_op[0][0]), p, n, max);
	n = take_range(w, AT(known[0]), AT(outcome[0][0]), p, n, max);
	n = take_range(w, AT(disagreed[0]), NWORDS, p, n, max);
	uint8_t seen[MMF_NR_OPCODES] = { 0 };
	for (uint32_t i = 0; i < seq->nops && i < MMF_MAX_OPS; i++) {
		unsigned c = seq->ops[i].code;
		if (c >= MMF_NR_OPCODES || seen[c]++)
			continue;
		n = take_range(w, AT(per_op[c][0]), AT(per_op[c][0]) + 4, p, n, max);
		n = take_range(w, AT(outcome[c][0]), AT(outcome[c][0]) + MMF_NR_OUTCOMES, p, n, max);
		n = take_range(w, AT(answered[c]), AT(answered[c]) + 1, p, n, max);
	}
#undef AT
	for (unsigned k = 0; k < MMF_NR_COST; k++)
		if (st->cost[k] != 0) {
			if (n < max) {
				p[n].word = NWORDS + k;
				memcpy(&p[n].value, &st->cost[k], sizeof(double));
			}
			n++;
			st->cost[k] = 0;
		}
	return n <= max ? n * sizeof(*p) : 0;
}

int mmf_exec_stats_apply(struct mmf_exec *ex, const void *in, size_t len)
{
	uint64_t *w = (uint64_t *)&ex->stats;
	if (len % sizeof(struct pair))
		return -1;
	for (size_t i = 0; i < len / sizeof(struct pair); i++) {
		struct pair p;
		memcpy(&p, (const char *)in + i * sizeof(p), sizeof(p));
		if (p.word < NWORDS)
			w[p.word] += p.value;
		else if (p.word - NWORDS < MMF_NR_COST) {
			double d;
			memcpy(&d, &p.value, sizeof(d));
			ex->stats.cost[p.word - NWORDS] += d;
		} else
			return -1;
	}
	return 0;
}

/* ---- mmfuzz's side ---------------------------------------------------------- */

/* W_RUN's payload: this header, the sequence's ops, then the target's
 * mutant, the oracle's mutant and the kernel knobs, each ending in 0. */
size_t mmf_exec_run_request(const struct mmf_exec *ex, const struct mmf_seq *seq, char *buf, size_t cap,
			    uint64_t *flags)
{
	size_t head = offsetof(struct mmf_seq, ops), ops = (size_t)seq->nops * sizeof(struct mmf_op);
	const char *s[3] = { ex->t[1].mutant, ex->cfg.oracle_mutant, ex->cfg.kernel };
	size_t n = head + ops;
	if (seq->nops > MMF_MAX_OPS || n > cap)
		return 0;
	memcpy(buf, seq, n);
	for (unsigned i = 0; i < 3; i++) {
		size_t l = s[i] ? strlen(s[i]) : 0;
		if (n + l + 1 > cap)
			return 0;
		memcpy(buf + n, s[i] ? s[i] : "", l + 1);
		n += l + 1;
	}
	const struct mmf_exec_config *c = &ex->cfg;
	*flags = (uint64_t)c->max_level | (uint64_t)!!c->cheap_checks << 8 | (uint64_t)!!c->full_checks_every_op << 9 |
		 (uint64_t)!!c->skip_end_checks << 10 | (uint64_t)!!c->no_known << 11 | (uint64_t)!!c->keep_going << 12 |
		 (uint64_t)!!c->walk_full << 13 | (uint64_t)!!c->cost << 14;
	return n;
}

/* A run the worker did not finish: the sequence again, op by op, as the
 * verdict; a death that does not come back is raised as the worker's. */
static int rerun(struct mmf_exec *ex, const struct mmf_seq *seq, struct mmf_finding *f, const char *why,
		 uint32_t progress)
{
	int r = mmf_exec_run(ex, seq, f);
	/* The limits count the worker's oracle too (its memory, its time in
	 * the op timeout): op by op is their measure, and a clean run there
	 * says the op was within them. */
	if (r != 0 || !why[0] || !strncmp(why, "rlimit", 6) || !strncmp(why, "timeout", 7) ||
	    !strncmp(why, MMF_REMOTE_STOPPED, strlen(MMF_REMOTE_STOPPED)))
		return r;
	uint32_t step = progress && progress <= seq->nops ? progress - 1 : seq->nops;
	const char *op = step < seq->nops ? mmf_op_name(seq->ops[step].code) : "end";
	const char *during = strstr(why, " during run");
	int n = during ? snprintf(ex->msg, sizeof(ex->msg), "%.*s during %s%.200s", (int)(during - why), why, op,
				   during + strlen(" during run"))
		       : snprintf(ex->msg, sizeof(ex->msg), "%.300s", why);
	if (n > 0 && (size_t)n < sizeof(ex->msg))
		snprintf(ex->msg + n, sizeof(ex->msg) - (size_t)n, "%s", " (in a whole-sequence worker; op by op it ran clean)");
	ex->seq = seq;
	ex->family = step < seq->nops ? mmf_op_family(seq->ops[step].code) : 0;
	return mmf_exec_check_finding(ex, f, &ex->t[1], step, op);
}

/* The context whose worker runs seq whole, or NULL (then op by op): one
 * system under test, out of process in an agent that runs sequences. One
 * worker serves every profile (its executor makes the other profiles'
 * contexts itself, as an in-process adapter's would be): the first whose
 * context an op-by-op run created; it stays warm between sequences, where
 * a worker per profile would sleep and each wake-up cost more than the
 * round trip. */
static void *runner(struct mmf_exec *ex, const struct mmf_seq *seq)
{
	struct target *t = &ex->t[1];
	if (ex->nt != 2 || ex->cfg.trace || ex->not_counting || ex->no_persist || seq->profile >= MAX_PROFILES)
		return NULL;
	if (ex->runner && t->ctx[ex->runner - 1] && mmf_remote_can_run(t->ad, t->ctx[ex->runner - 1]))
		return t->ctx[ex->runner - 1];
	if (!t->ctx[seq->profile] || !mmf_remote_can_run(t->ad, t->ctx[seq->profile]))
		return NULL;
	ex->runner = seq->profile + 1u;
	return t->ctx[seq->profile];
}

int mmf_exec_campaign_post(struct mmf_exec *ex, const struct mmf_seq *seq)
{
	static char req[MMF_WIRE_PAYLOAD];
	uint64_t flags = 0;
	size_t len;
	void *ctx = runner(ex, seq);
	if (!ctx || !(len = mmf_exec_run_request(ex, seq, req, sizeof(req), &flags)))
		return 0;
	return mmf_remote_run_post(ex->t[1].ad, ctx, flags, req, (uint32_t)len) == 0;
}

/* The answer as a result: 0 clean, 1 a finding in f, -2 not an answer. */
static int take_answer(struct mmf_exec *ex, const struct mmf_seq *seq, struct mmf_finding *f, const char *ans,
		       uint32_t alen)
{
	struct mmf_wire_run w;
	memcpy(&w, ans, sizeof(w));
	const char *fp = ans + sizeof(w), *sp = fp + w.finding_len;
	if (w.run < 0 || w.run > 1 || (w.run == 1 && w.finding_len != sizeof(*f)) || (w.run == 0 && w.finding_len) ||
	    (uint64_t)sizeof(w) + w.finding_len + w.stats_len != alen)
		return -2;
	if (mmf_exec_stats_apply(ex, sp, w.stats_len))
		return -2;
	memset(f, 0, sizeof(*f));
	if (w.run == 0)
		return 0;
	memcpy(f, fp, sizeof(*f));
	f->found = 1;
	/* every text ends inside its field, whatever came back */
	f->adapter[sizeof(f->adapter) - 1] = f->family[sizeof(f->family) - 1] = f->op[sizeof(f->op) - 1] = 0;
	f->check[sizeof(f->check) - 1] = f->signature[sizeof(f->signature) - 1] = f->detail[sizeof(f->detail) - 1] = 0;
	if (f->step > seq->nops)
		f->step = seq->nops;
	return 1;
}

int mmf_exec_campaign_collect(struct mmf_exec *ex, const struct mmf_seq *seq, struct mmf_finding *f)
{
	struct target *t = &ex->t[1];
	void *ctx = ex->runner ? t->ctx[ex->runner - 1] : NULL;
	const char *ans;
	uint32_t alen = 0, progress = 0;
	int r = mmf_remote_run_wait(t->ad, ctx, &ans, &alen, &progress);
	if (r == -1) {
		char why[sizeof(ex->msg)];
		snprintf(why, sizeof(why), "%s", mmf_remote_why(t->ad, ctx));
		return rerun(ex, seq, f, why, progress);
	}
	if (r == 0 && (r = take_answer(ex, seq, f, ans, alen)) >= 0)
		return r;
	/* an executor that could not start there, or an answer that is not
	 * one: op by op from now on */
	ex->no_persist = 1;
	return mmf_exec_run(ex, seq, f);
}

void mmf_exec_campaign_drop(struct mmf_exec *ex, const struct mmf_seq *seq)
{
	struct target *t = &ex->t[1];
	const char *ans;
	uint32_t alen, progress;
	(void)seq;
	if (ex->runner)
		mmf_remote_run_wait(t->ad, t->ctx[ex->runner - 1], &ans, &alen, &progress);
}

int mmf_exec_run_campaign(struct mmf_exec *ex, const struct mmf_seq *seq, struct mmf_finding *f)
{
	return mmf_exec_campaign_post(ex, seq) ? mmf_exec_campaign_collect(ex, seq, f) : mmf_exec_run(ex, seq, f);
}
