/* The executor: one op at a time on the oracle (target 0, a clean
 * reference) and on each system under test; safety properties checked on
 * every target, results compared with the oracle at each target's level,
 * cheap invariant checks after every op and full walks at the end.
 * No heap allocation per op: slots and bitmaps are sized at creation. */
#define _GNU_SOURCE /* strerrorname_np */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "harness/clock.h"
#include "harness/exec_internal.h"
#include "harness/optable.h"
#include "harness/remote.h"
#include "mmfuzz/gfp.h"
#include "mmfuzz/harness.h"
#include "mmfuzz/kernel.h"
#include "mmfuzz/profile.h"


/* Adds one "name=value" word to ex->kernel; -1 when an earlier word names
 * the same knob with another value (two systems under test disagree). */
static int add_knob(struct mmf_exec *ex, const char *w, size_t len, const char *who, char *err, size_t cap)
{
	size_t nl = strcspn(w, "=");
	if (nl > len)
		nl = len;
	for (const char *s = ex->kernel; *s;) {
		size_t l = strcspn(s, " ");
		if (l > nl && s[nl] == '=' && !strncmp(s, w, nl)) {
			if (l == len && !strncmp(s, w, len))
				return 0; /* the same value again */
			snprintf(err, cap, "%s declares %.*s, which another system under test declares as %.*s", who,
				 (int)len, w, (int)l, s);
			return -1;
		}
		s += l + (s[l] == ' ');
	}
	size_t have = strlen(ex->kernel);
	if (have + len + 2 > sizeof(ex->kernel)) {
		snprintf(err, cap, "too many kernel knobs");
		return -1;
	}
	snprintf(ex->kernel + have, sizeof(ex->kernel) - have, "%s%.*s", have ? " " : "", (int)len, w);
	return 0;
}

/* The knobs the oracle runs with: the configuration's, then each system
 * under test's, checked (mmf_kernel_parse) and free of contradictions. */
static int gather_kernel(struct mmf_exec *ex, char *err, size_t cap)
{
	struct mmf_kernel k;
	char why[200];
	for (unsigned i = 0; i < ex->nt; i++) {
		const char *text = i == 0 ? ex->cfg.kernel : mmf_adapter_kernel(ex->t[i].ad);
		const char *who = i == 0 ? "the executor configuration's kernel knobs" : ex->t[i].ad->name;
		mmf_kernel_defaults(NULL, &k);
		if (text && mmf_kernel_parse(text, &k, why, sizeof(why))) {
			snprintf(err, cap, "%s: %s", who, why);
			return -1;
		}
		for (const char *s = text ? text : ""; *s;) {
			s += strspn(s, " \t\n");
			size_t l = strcspn(s, " \t\n");
			if (l && add_knob(ex, s, l, who, err, cap))
				return -1;
			s += l;
		}
	}
	return 0;
}

const char *mmf_exec_kernel(const struct mmf_exec *ex) { return ex->kernel; }

struct mmf_exec *mmf_exec_create(const struct mmf_exec_config *cfg, char *err, size_t cap)
{
	struct mmf_exec *ex = calloc(1, sizeof(*ex));
	if (!ex) {
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	ex->cfg = *cfg;
	if (!ex->cfg.max_level)
		ex->cfg.max_level = MMF_LEVEL_EXACT;
	for (unsigned p = 0; p < MAX_PROFILES && p < mmf_profile_count(); p++)
		for (unsigned c = 0; c < MMF_NR_OPCODES; c++)
			mmf_op_bounds(c, p, &ex->bounds[p][c]);
	ex->t[0].ad = mmf_adapter_reference();
	ex->t[0].name = "oracle";
	ex->t[0].mutant = cfg->oracle_mutant;
	for (unsigned fam = 0; fam < MMF_NR_FAMILIES; fam++)
		ex->t[0].level[fam] = MMF_LEVEL_EXACT;
	ex->nt = 1;
	for (unsigned i = 0; i < cfg->nr_suts && ex->nt < MMF_MAX_TARGETS; i++) {
		struct target *t = &ex->t[ex->nt++];
		if (mmf_adapter_validate(cfg->suts[i], err, cap)) {
			mmf_exec_destroy(ex);
			return NULL;
		}
		t->ad = cfg->suts[i];
		t->mutant = cfg->mutants[i];
		t->name = t->ad->name;
		for (unsigned fam = 0; fam < MMF_NR_FAMILIES; fam++) {
			t->level[fam] = t->ad->level[fam];
			if (t->level[fam] > ex->cfg.max_level)
				t->level[fam] = ex->cfg.max_level;
		}
	}
	for (unsigned i = 1; i < ex->nt; i++)
		ex->counters |= has(&ex->t[i], MMF_CAP_COUNTERS);
	if (gather_kernel(ex, err, cap)) {
		mmf_exec_destroy(ex);
		return NULL;
	}
	for (unsigned i = 0; i < ex->nt; i++) {
		ex->t[i].report = malloc(REPORT_CAP);
		ex->t[i].vpfn_pool = malloc((size_t)MMF_NSLOTS * VMAX_PAGES * sizeof(uint32_t));
		for (unsigned k = 0; k < MMF_NSLOTS && ex->t[i].vpfn_pool; k++)
			ex->t[i].vslots[k].pfn = ex->t[i].vpfn_pool + (size_t)k * VMAX_PAGES;
		if (!ex->t[i].report || !ex->t[i].vpfn_pool) {
			snprintf(err, cap, "out of memory");
			mmf_exec_destroy(ex);
			return NULL;
		}
	}
	return ex;
}

void mmf_exec_destroy(struct mmf_exec *ex)
{
	if (!ex)
		return;
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		for (unsigned p = 0; p < MAX_PROFILES; p++) {
			if (t->ctx[p] && !(t->adopted >> p & 1))
				t->ad->destroy(t->ctx[p]);
			free(t->owned[p]);
		}
		free(t->report);
		free(t->vpfn_pool);
	}
	free(ex);
}

const struct mmf_exec_stats *mmf_exec_stats(const struct mmf_exec *ex) { return &ex->stats; }

void mmf_exec_set_counting(struct mmf_exec *ex, int on) { ex->not_counting = !on; }

void mmf_exec_set_cost(struct mmf_exec *ex, int on) { ex->cfg.cost = on; }

void mmf_exec_next_profile(struct mmf_exec *ex, unsigned prof) { ex->next_prof = prof < MAX_PROFILES ? prof + 1 : 0; }

void mmf_exec_restart(struct mmf_exec *ex, unsigned prof)
{
	for (unsigned i = 0; prof < MAX_PROFILES && i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		if (t->ctx[prof])
			t->ad->destroy(t->ctx[prof]);
		t->ctx[prof] = NULL;
	}
}

/* The checks that compare an op's outcome or a report with the oracle's
 * (not an adapter's own death, hang or walker). */
static int outcome_check(const char *check)
{
	static const char *const names[] = { "result", "errno", "address", "fixed", "fault", "value", "alignment" };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(check, names[i]))
			return 1;
	return !strncmp(check, "same_", 5);
}

/* Sends every remote target's deferred calls (remote.h); 1 with the finding
 * of one that failed, else 0. */
static int flush_remotes(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const char *op, unsigned prof)
{
	for (unsigned k = 1; k < ex->nt; k++) {
		struct target *t = &ex->t[k];
		if (!t->idle && t->ctx[prof] && mmf_remote_flush(t->ad, t->ctx[prof]) > 0)
			return mmf_exec_corrupt_finding(ex, f, t, step, op, prof);
	}
	return 0;
}

int mmf_exec_finding(struct mmf_exec *ex, struct mmf_finding *f, const struct target *t,
		     uint32_t step, const char *op, const char *check, const char *fmt, ...)
{
	/* a call made earlier but still on its way failed first */
	if (ex->seq && flush_remotes(ex, f, step, op, ex->seq->profile))
		return 1;
	va_list ap;
	char detail[sizeof(f->detail)];
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	/* A difference the adapter lists as known is counted, not raised:
	 * "op-check: reason", or "op-check[text]: reason" for the findings of
	 * op-check whose detail contains text. */
	const char *const *known = t->ad->size >= MMF_ADAPTER_SIZE_KNOWN && !ex->cfg.no_known ? t->ad->known : NULL;
	size_t ol = strlen(op), cl = strlen(check);
	int differs = outcome_check(check) || !strncmp(check, "same_", 5);
	if ((t->diverged && outcome_check(check)) || (t->pressured && differs))
		return 0;
	/* The oracle's machine has run short of memory (failed, reclaimed,
	 * killed), and t's memory is its own (a real kernel, not a
	 * reference): capacity is not defined the same, so from here on
	 * neither outcomes nor reports are compared (DESIGN: semantic level
	 * compares success and failure where capacity is). */
	if (differs && t != &ex->t[0] && t->ad != mmf_adapter_reference() && t->level[MMF_FAM_AS] != MMF_LEVEL_NONE &&
	    mmf_reference_pressure(ex->t[0].ctx[ex->seq->profile])) {
		((struct target *)t)->diverged = 1;
		((struct target *)t)->pressured = 1;
		if (!ex->not_counting)
			ex->stats.oracle_oom++;
		return 0;
	}
	for (unsigned i = 0; known && known[i] && i < MMF_MAX_KNOWN; i++) {
		const char *k = known[i], *q = k + ol + 1 + cl;
		if (strncmp(k, op, ol) || k[ol] != '-' || strncmp(k + ol + 1, check, cl) || (*q != ':' && *q != '['))
			continue;
		if (*q == '[') {
			const char *close = strchr(q, ']');
			char want[128];
			if (!close || close[1] != ':' || (size_t)(close - q - 1) >= sizeof(want))
				continue;
			memcpy(want, q + 1, (size_t)(close - q - 1));
			want[close - q - 1] = 0;
			if (!strstr(detail, want))
				continue;
		}
		if (!ex->not_counting)
			ex->stats.known[i]++;
		((struct target *)t)->known_seen = 1; /* its state may hold what the harness did not record */
		if (strncmp(check, "same_", 5) && outcome_check(check))
			((struct target *)t)->diverged = 1; /* reports differ in text only; outcomes in state */
		return 0;
	}
	int outcome = outcome_check(check) && t != &ex->t[0];
	if (outcome && !ex->not_counting)
		ex->stats.disagreed[ex->seq && step < ex->seq->nops ? ex->seq->ops[step].code : MMF_NR_OPCODES]++;
	if (outcome && ex->cfg.keep_going && !ex->not_counting) {
		if (ex->kg_found)
			return 0; /* counted; the run's finding is its first */
		ex->kg_found = 1;
		f = &ex->kg_first;
	}
	f->found = 1;
	f->step = step;
	snprintf(f->adapter, sizeof(f->adapter), "%s", t->name);
	snprintf(f->family, sizeof(f->family), "%s", mmf_family_name(ex->family));
	snprintf(f->op, sizeof(f->op), "%s", op);
	snprintf(f->check, sizeof(f->check), "%s", check);
	snprintf(f->signature, sizeof(f->signature), "MMFUZZ: %s-%s-%s-%s", f->adapter, f->family,
		 f->op, f->check);
	memcpy(f->detail, detail, sizeof(f->detail));
	return f != &ex->kg_first;
}

/* "tag: detail" from an adapter's check -> the tag as a signature part. */
int mmf_exec_check_finding(struct mmf_exec *ex, struct mmf_finding *f, const struct target *t, uint32_t step,
			   const char *op)
{
	char tag[48];
	size_t n = strcspn(ex->msg, ":");
	if (n == 0 || n >= sizeof(tag))
		n = 0;
	memcpy(tag, ex->msg, n);
	tag[n] = 0;
	for (size_t i = 0; i < n; i++)
		if (!((tag[i] >= 'a' && tag[i] <= 'z') || (tag[i] >= '0' && tag[i] <= '9') || tag[i] == '_'))
			tag[i] = '_';
	/* A fork server that died is noticed at some op after the one that
	 * killed it (which one depends on scheduling), or at the end: it is
	 * charged to no op, and to the first family the adapter is compared
	 * in, so that it keeps one signature. */
	if (!strcmp(tag, "server")) {
		op = "any";
		ex->family = 0;
		while (ex->family + 1 < MMF_NR_FAMILIES && t->ad->level[ex->family] == MMF_LEVEL_NONE)
			ex->family++;
	} else if (!strcmp(op, "end") || !strcmp(op, "check")) {
		/* A walk not tied to one op reports under the family its
		 * walker belongs to, so one bug keeps one signature. */
		static const struct {
			const char *prefix;
			unsigned family;
		} walkers[] = { { "slub", MMF_FAM_OBJ },      { "kfree", MMF_FAM_OBJ },	   { "vmalloc", MMF_FAM_VMALLOC },
				{ "vma_", MMF_FAM_AS },	      { "pgtable_", MMF_FAM_AS }, { "pte_", MMF_FAM_AS },
				{ "anon_", MMF_FAM_AS }, { "rmap_", MMF_FAM_AS } };
		ex->family = MMF_FAM_PAGE;
		for (unsigned i = 0; i < sizeof(walkers) / sizeof(walkers[0]); i++)
			if (!strncmp(tag, walkers[i].prefix, strlen(walkers[i].prefix)))
				ex->family = walkers[i].family;
	}
	return mmf_exec_finding(ex, f, t, step, op, n ? tag : "invariant", "%s", ex->msg);
}

/* A deferred read or free that answered what it should not have: the
 * finding exec_obj.c raises for that answer had it come at once. */
static int deferred_finding(struct mmf_exec *ex, struct mmf_finding *f, const struct target *t,
			    const struct mmf_remote_failure *fl)
{
	const struct mmf_remote_note *n = &fl->note;
	switch (n->kind) {
	case MMF_REMOTE_WORD:
		if (fl->read != MMF_OK)
			return mmf_exec_finding(ex, f, t, fl->step, fl->op, "unsupported", "obj_read answered %s",
						mmf_result_name(fl->read));
		return mmf_exec_finding(ex, f, t, fl->step, fl->op, "contents",
					"word %u of block 0x%llx holds %#llx, %#llx was written", n->word,
					(unsigned long long)n->block, (unsigned long long)fl->got,
					(unsigned long long)fl->want);
	case MMF_REMOTE_ZEROED:
		return mmf_exec_finding(ex, f, t, fl->step, fl->op, "zeroed", "word %u of a zeroed block 0x%llx holds %#llx",
					n->word, (unsigned long long)n->block, (unsigned long long)fl->got);
	case MMF_REMOTE_FREE:
		return mmf_exec_finding(ex, f, t, fl->step, fl->op, fl->result == MMF_UNSUPPORTED ? "unsupported" : "free_refused",
					"%s of 0x%llx answered %s", fl->op, (unsigned long long)n->block,
					mmf_result_name(fl->result));
	default: return -1;
	}
}

/* An op answered MMF_CORRUPT: the adapter's own check says what broke. */
int mmf_exec_corrupt_finding(struct mmf_exec *ex, struct mmf_finding *f, const struct target *t,
			     uint32_t step, const char *op, unsigned prof)
{
	/* a deferred call's failure belongs to the op that made it */
	if (mmf_remote_fail_site(t->ad, t->ctx[prof], &step, &op) && ex->seq && step < ex->seq->nops)
		ex->family = mmf_op_family(ex->seq->ops[step].code);
	struct mmf_remote_failure fl;
	int r;
	if (mmf_remote_failure(t->ad, t->ctx[prof], &fl) && fl.result != MMF_CORRUPT &&
	    (r = deferred_finding(ex, f, t, &fl)) >= 0)
		return r;
	ex->msg[0] = 0;
	if (has(t, MMF_CAP_CHECK) && t->ad->check(t->ctx[prof], MMF_CHECK_CHEAP, ex->msg, sizeof(ex->msg)) == MMF_CORRUPT &&
	    ex->msg[0])
		return mmf_exec_check_finding(ex, f, t, step, op);
	return mmf_exec_finding(ex, f, t, step, op, "corrupt", "%s answered corrupt", op);
}

static int run_checks(struct mmf_exec *ex, struct mmf_finding *f, enum mmf_check_grade grade,
		      uint32_t step, const char *op, unsigned prof)
{
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		if (!has(t, MMF_CAP_CHECK) || t->idle || (i == 0 && ex->cfg.oracle_mutant))
			continue;
		ex->msg[0] = 0;
		enum mmf_result r = t->ad->check(t->ctx[prof], grade, ex->msg, sizeof(ex->msg));
		uint32_t at;
		const char *by;
		if (r == MMF_CORRUPT && mmf_remote_fail_site(t->ad, t->ctx[prof], &at, &by))
			return mmf_exec_corrupt_finding(ex, f, t, step, op, prof); /* a deferred call's */
		if (r == MMF_CORRUPT)
			return mmf_exec_check_finding(ex, f, t, step, op);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, op, "unsupported", "check answered %s despite MMF_CAP_CHECK",
				       mmf_result_name(r));
	}
	return 0;
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The token a write stores: a pure function of the sequence's seed, the
 * step and the record's token byte, never 0 (0 is what zeroing reads). */
uint64_t mmf_exec_token(const struct mmf_exec *ex, uint32_t step, uint8_t salt)
{
	return mix64((uint64_t)ex->seq->seed << 32 ^ (uint64_t)step << 8 ^ salt) | 1;
}

/* Frame-ownership bitmap: a bit per frame in a live block. Buddy blocks
 * are naturally aligned, CMA ranges need not be: any run of frames. */
static uint64_t word_mask(uint64_t pfn, uint32_t n)
{
	return (n >= 64 ? ~0ull : ((1ull << n) - 1)) << (pfn & 63);
}

void mmf_exec_owned_set(uint64_t *bm, uint64_t pfn, uint32_t n, int on)
{
	while (n) {
		uint32_t take = 64 - (uint32_t)(pfn & 63);
		if (take > n)
			take = n;
		uint64_t m = word_mask(pfn, take);
		if (on)
			bm[pfn >> 6] |= m;
		else
			bm[pfn >> 6] &= ~m;
		pfn += take;
		n -= take;
	}
}

int mmf_exec_owned_any(const uint64_t *bm, uint64_t pfn, uint32_t n, uint64_t *hit)
{
	if (n < 64 && (pfn & 63) + n <= 64) {
		uint64_t m = bm[pfn >> 6] & word_mask(pfn, n);
		if (m)
			*hit = (pfn & ~63ull) + (uint64_t)__builtin_ctzll(m);
		return m != 0;
	}
	for (uint64_t p = pfn; p < pfn + n; p++) {
		if ((p & 63) == 0 && pfn + n - p >= 64 && !bm[p >> 6]) {
			p += 63;
			continue;
		}
		if (bm[p >> 6] & (1ull << (p & 63))) {
			*hit = p;
			return 1;
		}
	}
	return 0;
}

static int prepare(struct mmf_exec *ex, const struct mmf_seq *seq, unsigned prof, struct mmf_finding *f)
{
	const struct mmf_profile *p = mmf_profile_get(prof);
	unsigned fams = 0;
	for (uint32_t i = 0; i < seq->nops; i++)
		fams |= 1u << mmf_op_family(seq->ops[i].code);
	for (unsigned i = 1; i < ex->nt; i++) /* workers wake while the rest resets */
		if (ex->t[i].ctx[prof])
			mmf_remote_wake(ex->t[i].ad, ex->t[i].ctx[prof]);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		t->diverged = 0;
		t->pressured = 0;
		t->known_seen = 0;
		t->idle = i > 0 && fams; /* an empty sequence still resets and checks everyone */
		for (unsigned fam = 0; fam < MMF_NR_FAMILIES; fam++)
			if ((fams >> fam & 1) && t->level[fam] != MMF_LEVEL_NONE)
				t->idle = 0;
		if (t->idle) {
		} else if (!t->ctx[prof]) {
			struct mmf_adapter_config c = { p, prof, t->mutant, ex->kernel[0] ? ex->kernel : NULL,
							ex->cfg.walk_full };
			char err[256] = "";
			if (t->ad->create(&c, &t->ctx[prof], err, sizeof(err)) != MMF_OK) {
				t->ctx[prof] = NULL;
				snprintf(f->detail, sizeof(f->detail), "%s: %s", t->ad->name, err);
				return -1;
			}
			if (!t->owned[prof]) /* a restart keeps it: the slots below clear it */
				t->owned[prof] = calloc((p->end_pfn + 63) / 64, sizeof(uint64_t));
			if (!t->owned[prof]) {
				snprintf(f->detail, sizeof(f->detail), "out of memory");
				return -1;
			}
		} else if (t->reset_done >> prof & 1) {
			t->reset_done &= ~(1u << prof);
		} else if (t->ad->reset(t->ctx[prof]) != MMF_OK) {
			snprintf(f->detail, sizeof(f->detail), "%s: reset failed", t->ad->name);
			return -1;
		}
		for (unsigned s = 0; s < MMF_NSLOTS; s++) {
			struct slot *sl = &t->slots[s];
			if (sl->live)
				mmf_exec_owned_set(t->owned[ex->last_prof], sl->pfn, 1u << sl->order, 0);
			sl->live = 0;
			oslot_live(t, s, 0);
			struct vslot *v = &t->vslots[s];
			if (v->live) {
				uint64_t *owned = t->owned[ex->last_prof];
				for (uint32_t k = 0; k < v->npages; k++)
					owned[v->pfn[k] >> 6] &= ~(1ull << (v->pfn[k] & 63));
			}
			vslot_live(t, s, 0);
			struct cmaslot *cs = &t->cmaslots[s];
			if (cs->live)
				mmf_exec_owned_set(t->owned[ex->last_prof], cs->pfn, cs->count, 0);
			cs->live = 0;
		}
		for (unsigned c = 0; c < MMF_NCACHES; c++)
			t->cslots[c].live = 0;
		for (unsigned c = 0; c < MMF_NPOOLS; c++)
			t->pslots[c].live = 0;
	}
	return 0;
}

static const char *errno_name(int e)
{
	switch (e) {
	case ENOMEM: return "ENOMEM";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ESRCH: return "ESRCH";
	case EACCES: return "EACCES";
	default: return "errno";
	}
}

/* What a trace prints of a target's outcome (ops.def's trace column). */
enum trace_kind { TRACE_NONE, TRACE_ADDR, TRACE_FAULT, TRACE_FAULT_VALUE, TRACE_PFN, TRACE_PFN_TOKEN, TRACE_ADDR_USABLE,
		  TRACE_ADDR_VALUE, TRACE_REPORT };
static const uint8_t trace_kind[MMF_NR_OPCODES] = {
#define MMF_OP(NAME, name, code, fam, cap, step, trace, ...) [code] = TRACE_##trace,
#include "mmfuzz/ops.def"
#undef MMF_OP
};

/* Each target's outcome: the frame handed out, the token read, the errno
 * of a refusal, and a report's text, indented. */
static void trace_targets(struct mmf_exec *ex, const struct mmf_op *op)
{
	static const char *const outs[] = { "ok", "refused", "unsupported", "skipped" };
	FILE *tr = ex->cfg.trace;
	unsigned kind = trace_kind[op->code];
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		unsigned long long pfn = t->pfn, token = t->token;
		fprintf(tr, "    %-10s %s", t->name, outs[t->out]);
		if (t->out == OUT_REFUSED)
			fprintf(tr, " %s", errno_name(t->err));
		else if (t->out != OUT_OK)
			;
		else if ((kind == TRACE_FAULT || kind == TRACE_FAULT_VALUE) && t->fault)
			fprintf(tr, " %s", t->fault == SIGSEGV ? "SIGSEGV" : t->fault == SIGBUS ? "SIGBUS" : "signal");
		else if (kind == TRACE_FAULT_VALUE)
			fprintf(tr, " value %#llx", token);
		else if (kind == TRACE_ADDR)
			fprintf(tr, " addr %#llx", pfn);
		else if (kind == TRACE_PFN)
			fprintf(tr, " pfn %llu", pfn);
		else if (kind == TRACE_PFN_TOKEN)
			fprintf(tr, " pfn %llu token %#llx", pfn, token);
		else if (kind == TRACE_ADDR_USABLE)
			fprintf(tr, " addr %#llx usable %llu", pfn, token);
		else if (kind == TRACE_ADDR_VALUE)
			fprintf(tr, " addr %#llx value %#llx", pfn, token);
		fprintf(tr, "\n");
		if (t->out == OUT_OK && kind == TRACE_REPORT)
			for (const char *l = t->report; l < t->report + t->report_len;) {
				size_t n = strcspn(l, "\n");
				fprintf(tr, "      | %.*s\n", (int)n, l);
				l += n + (l[n] == '\n');
			}
	}
}

/* The judge's own reading of GFP_ZONE_TABLE, kept apart from the
 * reference's gfp_zone() on purpose: the oracle must not grade itself.
 * The highest zone type a mask may use; a type the machine lacks (other
 * than Movable, which always exists) reads as Normal. */
static unsigned gfp_zone_limit(const struct mmf_profile *p, uint32_t gfp)
{
	unsigned t = MMF_ZONE_NORMAL;
	if (gfp & __GFP_DMA)
		t = MMF_ZONE_DMA;
	else if (gfp & __GFP_DMA32)
		t = MMF_ZONE_DMA32;
	else if (gfp & __GFP_HIGHMEM)
		t = (gfp & __GFP_MOVABLE) ? MMF_ZONE_MOVABLE : MMF_ZONE_HIGHMEM;
	return (p->configured_zone_types >> t) & 1 ? t : MMF_ZONE_NORMAL;
}

/* Safety properties of a block handed out for req. */
static int check_block(struct mmf_exec *ex, struct mmf_finding *f, struct target *t,
		       uint32_t step, unsigned prof, const struct mmf_page_req *req, uint64_t pfn)
{
	const struct mmf_profile *p = mmf_profile_get(prof);
	uint32_t n = 1u << req->order;
	const char *op = "alloc_pages";
	if (pfn >= p->end_pfn || pfn + n > p->end_pfn)
		return mmf_exec_finding(ex, f, t, step, op, "range", "block pfn %llu+%u outside memory (end %u)",
			       (unsigned long long)pfn, n, p->end_pfn);
	if (pfn & (n - 1))
		return mmf_exec_finding(ex, f, t, step, op, "alignment", "block pfn %llu not aligned to order %u",
			       (unsigned long long)pfn, req->order);
	uint64_t hit;
	if (has(t, MMF_CAP_PAGE_FLAT)) /* zone-agnostic: no placement rules */
		goto disjoint;
	int z0 = mmf_profile_zone_of(p, (uint32_t)pfn), z1 = mmf_profile_zone_of(p, (uint32_t)(pfn + n - 1));
	unsigned highest = gfp_zone_limit(p, req->gfp);
	if (z0 < 0 || z0 != z1)
		return mmf_exec_finding(ex, f, t, step, op, "zone", "block pfn %llu+%u is not inside one zone",
			       (unsigned long long)pfn, n);
	if (p->zones[z0].type > highest)
		return mmf_exec_finding(ex, f, t, step, op, "zone", "block pfn %llu in zone %s, gfp allows up to %s",
			       (unsigned long long)pfn, mmf_zone_names[p->zones[z0].type], mmf_zone_names[highest]);
	if ((req->gfp & __GFP_THISNODE) && p->zones[z0].node != req->node)
		return mmf_exec_finding(ex, f, t, step, op, "node", "__GFP_THISNODE for node %u got node %u",
			       req->node, p->zones[z0].node);
disjoint:
	if (mmf_exec_owned_any(t->owned[prof], pfn, n, &hit))
		return mmf_exec_finding(ex, f, t, step, op, "overlap", "block pfn %llu+%u overlaps a live block at pfn %llu",
			       (unsigned long long)pfn, n, (unsigned long long)hit);
	/* Only movable requests may borrow CMA pages (areas are aligned to
	 * the largest block, so the first frame tells). */
	if (has(t, MMF_CAP_CMA) && (req->gfp & (__GFP_MOVABLE | __GFP_RECLAIMABLE)) != __GFP_MOVABLE &&
	    mmf_profile_cma_of(p, (uint32_t)pfn) >= 0)
		return mmf_exec_finding(ex, f, t, step, op, "cma_unmovable", "block pfn %llu+%u for %s request is inside CMA area %s",
			       (unsigned long long)pfn, n, "an unmovable", p->cma[mmf_profile_cma_of(p, (uint32_t)pfn)].name);
	return 0;
}

/* Frames in t's live blocks on profile prof. */
static uint64_t live_frames(const struct target *t, unsigned prof)
{
	uint64_t n = 0;
	const uint64_t *bm = t->owned[prof];
	for (uint32_t w = 0; bm && w < (mmf_profile_get(prof)->end_pfn + 63) / 64; w++)
		n += (uint64_t)__builtin_popcountll(bm[w]);
	return n;
}

/* Reads t's counter `which` into *v: 0, 1 when t does not keep it, or -1
 * with the finding in f (a counter that fails is one). */
static int read_counter(struct mmf_exec *ex, struct mmf_finding *f, const struct target *t, uint32_t step,
			const char *op, unsigned prof, unsigned which, uint64_t *v)
{
	static const char *const names[MMF_NR_COUNTERS] = { "free_pages", "allocated_bytes" };
	enum mmf_result r = t->ad->counter(t->ctx[prof], which, v);
	if (r == MMF_UNSUPPORTED)
		return 1;
	if (r == MMF_CORRUPT)
		return mmf_exec_corrupt_finding(ex, f, t, step, op, prof) ? -1 : 1;
	if (r != MMF_OK)
		return mmf_exec_finding(ex, f, t, step, op, "counter", "counter %s answered %s", names[which],
					mmf_result_name(r))
			       ? -1
			       : 1;
	return 0;
}

/* free_pages: what it was after the first reset, less the frames live. */
static int check_free_pages(struct mmf_exec *ex, struct mmf_finding *f, struct target *t, uint32_t step,
			    const char *op, unsigned prof, int at_reset)
{
	uint64_t v = 0, live = live_frames(t, prof);
	int r = read_counter(ex, f, t, step, op, prof, MMF_COUNTER_FREE_PAGES, &v);
	if (r)
		return r < 0;
	if (at_reset && !t->free_known[prof]) {
		t->free_base[prof] = v;
		t->free_known[prof] = 1;
	} else if (at_reset && v != t->free_base[prof])
		return mmf_exec_finding(ex, f, t, step, op, "counter_free_pages", "free_pages %llu after reset, %llu after create",
					(unsigned long long)v, (unsigned long long)t->free_base[prof]);
	else if (!at_reset && v + live != t->free_base[prof])
		return mmf_exec_finding(ex, f, t, step, op, "counter_free_pages",
					"free_pages %llu with %llu frames live, %llu after create: %llu expected",
					(unsigned long long)v, (unsigned long long)live, (unsigned long long)t->free_base[prof],
					(unsigned long long)(t->free_base[prof] - live));
	return 0;
}

/* allocated_bytes: between the bytes asked for and the usable sizes of
 * the live objects of the kmalloc family, 0 when none is live. */
static int check_allocated_bytes(struct mmf_exec *ex, struct mmf_finding *f, struct target *t, uint32_t step,
				 const char *op, unsigned prof)
{
	uint64_t v = 0, asked = 0, usable = 0;
	int r = read_counter(ex, f, t, step, op, prof, MMF_COUNTER_ALLOCATED_BYTES, &v);
	if (r)
		return r < 0;
	unsigned nlive = 0, zero = 0; /* objects of 0 bytes: their usable size is not asked */
	for (unsigned s = 0; s < MMF_NSLOTS; s++) {
		const struct oslot *o = &t->oslots[s];
		if (!o->live || o->from_cache || o->from_pool)
			continue;
		nlive++;
		zero += o->size == 0;
		asked += o->size;
		usable += o->usable > o->size ? o->usable : o->size;
	}
	if (nlive ? v < asked || (!zero && v > usable) : v != 0)
		return mmf_exec_finding(ex, f, t, step, op, "counter_allocated_bytes",
					"allocated_bytes %llu with %u objects live: %llu bytes asked for, %llu usable",
					(unsigned long long)v, nlive, (unsigned long long)asked, (unsigned long long)usable);
	return 0;
}

/* The counters of adapters that keep them (MMF_CAP_COUNTERS), against what
 * the harness knows is live: after each op of their family (fam), and
 * right after a reset (at_reset: free_pages back at its first value). */
static int check_counters(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const char *op, unsigned prof,
			  unsigned fam, int at_reset)
{
	for (unsigned i = 1; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		if (!has(t, MMF_CAP_COUNTERS) || t->idle || t->diverged || t->known_seen || !t->ctx[prof] ||
		    t->ad->size < MMF_ADAPTER_SIZE_COUNTERS)
			continue;
		if ((at_reset || fam == MMF_FAM_PAGE) && t->level[MMF_FAM_PAGE] != MMF_LEVEL_NONE &&
		    check_free_pages(ex, f, t, step, op, prof, at_reset))
			return 1;
		if (!at_reset && fam == MMF_FAM_OBJ && t->level[MMF_FAM_OBJ] != MMF_LEVEL_NONE &&
		    check_allocated_bytes(ex, f, t, step, op, prof))
			return 1;
	}
	return 0;
}

int mmf_exec_compare(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const char *op)
{
	struct target *o = &ex->t[0];
	for (unsigned i = 1; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		if (t->out == OUT_SKIPPED || o->out == OUT_SKIPPED || t->out == OUT_UNSUPPORTED)
			continue;
		if (t->level[ex->family] >= MMF_LEVEL_SEMANTIC) {
			if (t->out != o->out)
				return mmf_exec_finding(ex, f, t, step, op, "result", "%s where the oracle says %s",
					       t->out == OUT_OK ? "ok" : "refused", o->out == OUT_OK ? "ok" : "refused");
			if (t->out == OUT_REFUSED && t->err != o->err)
				return mmf_exec_finding(ex, f, t, step, op, "errno", "errno %d where the oracle says %d", t->err, o->err);
		}
		if (t->level[ex->family] >= MMF_LEVEL_EXACT && t->out == OUT_OK) {
			if (t->pfn != o->pfn)
				return mmf_exec_finding(ex, f, t, step, op, "exact_pfn", "pfn %llu where the oracle has %llu",
					       (unsigned long long)t->pfn, (unsigned long long)o->pfn);
			if (t->token != o->token)
				return mmf_exec_finding(ex, f, t, step, op, "exact_contents", "token %#llx where the oracle has %#llx",
					       (unsigned long long)t->token, (unsigned long long)o->token);
		}
	}
	return 0;
}

static int compare_report(struct mmf_exec *ex, struct mmf_finding *f, unsigned prof,
			  unsigned kind, uint32_t step, const char *op)
{
	struct target *o = &ex->t[0];
	int got_oracle = 0;
	for (unsigned i = 1; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		if (t->level[ex->family] < MMF_LEVEL_EXACT || !has(t, MMF_CAP_REPORTS) || t->idle)
			continue;
		if (!got_oracle) {
			if (o->ad->report(o->ctx[prof], kind, o->report, REPORT_CAP, &o->report_len) != MMF_OK)
				return mmf_exec_finding(ex, f, o, step, op, "report", "oracle failed to report");
			got_oracle = 1;
		}
		if (t->ad->report(t->ctx[prof], kind, t->report, REPORT_CAP, &t->report_len) != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, op, "report", "report %s failed", mmf_report_name(kind));
		char check[32];
		snprintf(check, sizeof(check), "exact_%s", mmf_report_name(kind));
		if (mmf_exec_report_differs(ex, f, t, step, op, check, mmf_report_name(kind)))
			return 1;
	}
	return 0;
}

int mmf_exec_report_differs(struct mmf_exec *ex, struct mmf_finding *f, const struct target *t, uint32_t step,
			    const char *op, const char *check, const char *what)
{
	const struct target *o = &ex->t[0];
	if (t->report_len == o->report_len && !memcmp(t->report, o->report, o->report_len))
		return 0;
	size_t k = 0;
	while (k < t->report_len && k < o->report_len && t->report[k] == o->report[k])
		k++;
	size_t ls = k; /* the start of the first line that differs */
	while (ls > 0 && o->report[ls - 1] != '\n')
		ls--;
	/* each side's line, within its length */
	size_t ol = ls < o->report_len ? ls : o->report_len, tl = ls < t->report_len ? ls : t->report_len;
	const char *oe = memchr(o->report + ol, '\n', o->report_len - ol), *te = memchr(t->report + tl, '\n', t->report_len - tl);
	int on = (int)((oe ? oe : o->report + o->report_len) - (o->report + ol));
	int tn = (int)((te ? te : t->report + t->report_len) - (t->report + tl));
	return mmf_exec_finding(ex, f, t, step, op, check, "%s differs: oracle line \"%.*s\", %s line \"%.*s\"", what,
				on, o->report + ol, t->name, tn, t->report + tl);
}

int mmf_exec_step_alloc(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step,
		      const struct mmf_op *op, unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	struct mmf_page_req req = { fld.gfp, (uint8_t)fld.order, (uint8_t)fld.cpu, (uint8_t)fld.node };
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct slot *s = &t->slots[fld.slot];
		t->out = OUT_SKIPPED;
		if (s->live || t->level[MMF_FAM_PAGE] == MMF_LEVEL_NONE)
			continue;
		uint64_t pfn = 0;
		int err = 0;
		enum mmf_result r = t->ad->alloc_pages(t->ctx[prof], &req, &pfn, &err);
		if (r == MMF_UNSUPPORTED)
			return mmf_exec_finding(ex, f, t, step, "alloc_pages", "unsupported", "alloc_pages unsupported despite MMF_CAP_PAGE_ALLOC");
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, "alloc_pages", prof);
		t->err = err;
		t->pfn = pfn;
		t->token = 0;
		if (r == MMF_REFUSED) {
			t->out = OUT_REFUSED;
			continue;
		}
		t->out = OUT_OK;
		if (check_block(ex, f, t, step, prof, &req, pfn))
			return 1;
		mmf_exec_owned_set(t->owned[prof], pfn, 1u << req.order, 1);
		s->live = 1;
		s->pfn = pfn;
		s->order = req.order;
		s->zeroed = (req.gfp & __GFP_ZERO) != 0;
		s->nw = 0;
		s->movable = (req.gfp & (__GFP_MOVABLE | __GFP_RECLAIMABLE)) == __GFP_MOVABLE;
		s->pins = 0;
	}
	return mmf_exec_compare(ex, f, step, "alloc_pages");
}

int mmf_exec_step_free(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step,
		     const struct mmf_op *op, unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct slot *s = &t->slots[fld.slot];
		t->out = OUT_SKIPPED;
		if (!s->live)
			continue;
		if (s->pins && mmf_exec_unpin_all(ex, f, t, step, prof, s))
			return 1;
		enum mmf_result r = t->ad->free_pages(t->ctx[prof], s->pfn, s->order, fld.cpu);
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, "free_pages", prof);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, "free_pages", r == MMF_CORRUPT ? "corrupt" : "free_refused",
				       "free of pfn %llu order %u answered %s", (unsigned long long)s->pfn, s->order,
				       mmf_result_name(r));
		mmf_exec_owned_set(t->owned[prof], s->pfn, 1u << s->order, 0);
		s->live = 0;
		t->out = OUT_OK;
	}
	return 0;
}

/* Index of page idx among the slot's remembered writes, or s->nw. */
static unsigned written(const struct slot *s, uint32_t idx)
{
	unsigned k = 0;
	while (k < s->nw && s->widx[k] != idx)
		k++;
	return k;
}

int mmf_exec_step_write(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step,
		      const struct mmf_op *op, unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	uint64_t token = mmf_exec_token(ex, step, fld.token);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct slot *s = &t->slots[fld.slot];
		t->out = OUT_SKIPPED;
		if (!s->live || !has(t, MMF_CAP_PAGE_CONTENTS))
			continue;
		uint32_t idx = fld.page & ((1u << s->order) - 1);
		enum mmf_result r = t->ad->write_page(t->ctx[prof], s->pfn + idx, token);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, "write_page", r == MMF_UNSUPPORTED ? "unsupported" : "corrupt",
				       "write to pfn %llu answered %s", (unsigned long long)(s->pfn + idx), mmf_result_name(r));
		unsigned k = written(s, idx);
		if (k == s->nw) {
			if (s->nw == NWRITES) {
				/* The oldest write is forgotten: its page is no longer
				 * known to hold zero either. */
				s->zeroed = 0;
				memmove(s->widx, s->widx + 1, sizeof(s->widx[0]) * (NWRITES - 1));
				memmove(s->wtok, s->wtok + 1, sizeof(s->wtok[0]) * (NWRITES - 1));
				k = NWRITES - 1;
			} else {
				s->nw++;
			}
		}
		s->widx[k] = idx;
		s->wtok[k] = token;
		t->out = OUT_OK;
	}
	return 0;
}

int mmf_exec_step_read(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step,
		     const struct mmf_op *op, unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		struct slot *s = &t->slots[fld.slot];
		t->out = OUT_SKIPPED;
		if (!s->live || !has(t, MMF_CAP_PAGE_CONTENTS))
			continue;
		uint32_t idx = fld.page & ((1u << s->order) - 1);
		uint64_t tok = 0;
		enum mmf_result r = t->ad->read_page(t->ctx[prof], s->pfn + idx, &tok);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, "read_page", r == MMF_UNSUPPORTED ? "unsupported" : "corrupt",
				       "read of pfn %llu answered %s", (unsigned long long)(s->pfn + idx), mmf_result_name(r));
		unsigned k = written(s, idx);
		if (k < s->nw && tok != s->wtok[k])
			return mmf_exec_finding(ex, f, t, step, "read_page", "contents",
				       "page %u of the block at pfn %llu holds %#llx, %#llx was written",
				       idx, (unsigned long long)s->pfn, (unsigned long long)tok, (unsigned long long)s->wtok[k]);
		if (k == s->nw && s->zeroed && tok != 0)
			return mmf_exec_finding(ex, f, t, step, "read_page", "zeroed",
				       "page %u of a __GFP_ZERO block at pfn %llu holds %#llx",
				       idx, (unsigned long long)s->pfn, (unsigned long long)tok);
		t->out = OUT_OK;
		t->pfn = s->pfn + idx;
		t->token = tok;
	}
	return mmf_exec_compare(ex, f, step, "read_page");
}

int mmf_exec_step_simple(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step,
		       const struct mmf_op *op, unsigned prof)
{
	struct mmf_args fld;
	mmf_op_args(op, &fld);
	const char *name = mmf_op_name(op->code);
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		enum mmf_result r = MMF_OK;
		t->out = OUT_SKIPPED;
		switch (op->code) {
		case MMF_OP_DRAIN_PCP:
			if (!has(t, MMF_CAP_PCP))
				continue;
			r = t->ad->drain_pcp(t->ctx[prof], fld.cpu);
			break;
		case MMF_OP_REPORT:
			if (!has(t, MMF_CAP_REPORTS) || fld.kind >= MMF_NR_REPORTS)
				continue;
			r = t->ad->report(t->ctx[prof], fld.kind, t->report, REPORT_CAP, &t->report_len);
			break;
		default:
			continue;
		}
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, name, prof);
		if (r != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, name, "unsupported", "%s answered %s", name, mmf_result_name(r));
		t->out = OUT_OK;
	}
	if (op->code == MMF_OP_REPORT && fld.kind < MMF_NR_REPORTS) {
		if (fld.kind == MMF_REPORT_SLABINFO)
			ex->family = MMF_FAM_OBJ;
		if (fld.kind == MMF_REPORT_VMALLOCINFO)
			ex->family = MMF_FAM_VMALLOC;
		return compare_report(ex, f, prof, fld.kind, step, name);
	}
	return 0;
}

int mmf_exec_step_check(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			unsigned prof)
{
	for (unsigned k = 0; k < ex->nt; k++)
		ex->t[k].out = has(&ex->t[k], MMF_CAP_CHECK) ? OUT_OK : OUT_SKIPPED;
	return run_checks(ex, f, MMF_CHECK_FULL, step, mmf_op_name(op->code), prof);
}

/* nop: decoding drops it, so no canonical sequence holds one. */
int mmf_exec_step_none(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
		       unsigned prof)
{
	(void)f, (void)step, (void)op, (void)prof;
	for (unsigned k = 0; k < ex->nt; k++)
		ex->t[k].out = OUT_SKIPPED;
	return 0;
}

typedef int (*step_fn)(struct mmf_exec *, struct mmf_finding *, uint32_t, const struct mmf_op *, unsigned);
static const step_fn steps[MMF_NR_OPCODES] = {
#define MMF_OP(NAME, name, code, fam, cap, step, ...) [code] = mmf_exec_step_##step,
#include "mmfuzz/ops.def"
#undef MMF_OP
};

const char *mmf_outcome_name(unsigned i)
{
	static char names[MMF_NR_OUTCOMES][16];
	if (i == MMF_OUTCOME_OK || i == MMF_OUTCOME_SEGV || i == MMF_OUTCOME_BUS)
		return i == MMF_OUTCOME_OK ? "ok" : i == MMF_OUTCOME_SEGV ? "SIGSEGV" : "SIGBUS";
	if (i >= MMF_NR_OUTCOMES)
		return "?";
	if (!names[i][0]) {
		const char *n = i + 1 < MMF_NR_OUTCOMES ? strerrorname_np((int)(i - MMF_OUTCOME_ERRNO + 1)) : NULL;
		if (n)
			snprintf(names[i], sizeof(names[i]), "%s", n);
		else if (i + 1 < MMF_NR_OUTCOMES)
			snprintf(names[i], sizeof(names[i]), "errno %u", i - MMF_OUTCOME_ERRNO + 1);
		else
			snprintf(names[i], sizeof(names[i]), "errno %u+", i - MMF_OUTCOME_ERRNO + 1);
	}
	return names[i];
}

static unsigned outcome_index(const struct target *t)
{
	if (t->out == OUT_OK)
		return t->fault == SIGSEGV ? MMF_OUTCOME_SEGV : t->fault ? MMF_OUTCOME_BUS : MMF_OUTCOME_OK;
	unsigned e = t->err > 0 ? (unsigned)t->err : MMF_NR_OUTCOMES;
	return e + MMF_OUTCOME_ERRNO - 1 < MMF_NR_OUTCOMES ? e + MMF_OUTCOME_ERRNO - 1 : MMF_NR_OUTCOMES - 1;
}

/* Whether a system under test answered op itself and had it compared:
 * run (not skipped), still compared (not diverged), and none of what an
 * agent answers without its system: a process slot that is empty (ESRCH)
 * or, for fork, busy (EEXIST); an address the system does not choose
 * (an mmap without MAP_FIXED, a mremap that may move: placed by the agent
 * in its window); an instruction fetch (decided from the maps on some). */
static int answered(const struct mmf_exec *ex, const struct mmf_op *op)
{
	const struct target *o = &ex->t[0];
	if (o->out == OUT_SKIPPED)
		return 0;
	if (mmf_op_family(op->code) == MMF_FAM_AS) {
		struct mmf_args a;
		mmf_op_args(op, &a);
		if (o->out == OUT_REFUSED && (o->err == ESRCH || (op->code == MMF_OP_FORK && o->err == EEXIST)))
			return 0;
		if ((op->code == MMF_OP_MMAP || op->code == MMF_OP_MMAP_FILE || op->code == MMF_OP_MMAP_PFN) &&
		    !(a.flags & 0x06u))
			return 0;
		if (op->code == MMF_OP_MREMAP && (a.flags & 1u) && !(a.flags & 2u))
			return 0;
		if (op->code == MMF_OP_MEM_EXEC)
			return 0;
	}
	for (unsigned i = 1; i < ex->nt; i++) {
		const struct target *t = &ex->t[i];
		if (t->out != OUT_SKIPPED && !t->diverged && t->level[ex->family] != MMF_LEVEL_NONE)
			return 1;
	}
	return 0;
}

static void count_op(struct mmf_exec *ex, const struct mmf_op *op)
{
	const struct target *o = &ex->t[0];
	ex->stats.ops++;
	ex->stats.per_op[op->code][o->out]++;
	if (o->out == OUT_OK || o->out == OUT_REFUSED)
		ex->stats.outcome[op->code][outcome_index(o)]++;
	ex->stats.answered[op->code] += (uint64_t)answered(ex, op);
	if (op->code == MMF_OP_MEM_READ && (o->out == OUT_OK || o->out == OUT_REFUSED)) {
		ex->stats.reads++;
		ex->stats.reads_data += !o->fault && o->token != 0;
	}
}

/* The depth the oracle's address spaces reached in this sequence. */
static void count_depth(struct mmf_exec *ex, unsigned prof)
{
	if (ex->not_counting || ex->t[0].ad != mmf_adapter_reference())
		return;
	struct mmf_depth d;
	mmf_reference_depth(ex->t[0].ctx[prof], &d);
	struct mmf_exec_stats *st = &ex->stats;
	st->kswapd_runs += d.kswapd_runs;
	st->direct_reclaims += d.direct_reclaims;
	st->swapouts += d.swapouts;
	st->swapins += d.swapins;
	st->zswap_writebacks += d.zswap_writebacks;
	st->oom_kills += d.oom_kills;
	st->huge_faults += d.huge_faults;
	st->huge_cows += d.huge_cows;
	st->huge_reservations += d.huge_reservations;
	st->huge_surplus += d.huge_surplus;
	st->thp_faults += d.thp_faults;
	st->thp_splits += d.thp_splits;
	st->thp_collapses += d.thp_collapses;
	if (!ex->as_used)
		return;
	st->as_seqs++;
	st->procs_max[d.procs_max <= MMF_NPROCS ? d.procs_max : MMF_NPROCS]++;
	if (d.forks) {
		st->forking_seqs++;
		st->fork_depth[d.fork_depth_max <= MMF_NPROCS ? d.fork_depth_max : MMF_NPROCS]++;
	}
	st->forks += d.forks;
	st->cow_breaks += d.cow_breaks;
	st->pages_shared += d.pages_shared;
}

static int run_seq(struct mmf_exec *ex, const struct mmf_seq *seq, struct mmf_finding *f);

int mmf_exec_run(struct mmf_exec *ex, const struct mmf_seq *seq, struct mmf_finding *f)
{
	ex->kg_found = 0;
	ex->as_used = 0;
	int r = run_seq(ex, seq, f);
	for (unsigned k = 1; seq->profile < MAX_PROFILES && k < ex->nt; k++)
		if (ex->t[k].ctx[seq->profile])
			mmf_remote_retire(ex->t[k].ad, ex->t[k].ctx[seq->profile]);
	if (r >= 0)
		count_depth(ex, seq->profile);
	if (r >= 0 && ex->kg_found) {
		*f = ex->kg_first;
		r = 1;
	}
	return r;
}

static int run_seq(struct mmf_exec *ex, const struct mmf_seq *seq, struct mmf_finding *f)
{
	unsigned prof = seq->profile;
	memset(f, 0, sizeof(*f));
	if (prof >= mmf_profile_count() || prof >= MAX_PROFILES) {
		snprintf(f->detail, sizeof(f->detail), "profile %u does not exist", prof);
		return -1;
	}
	for (uint32_t i = 0; i < seq->nops; i++) {
		/* The fields used as indices or passed on must be in range. */
		const struct mmf_op *op = &seq->ops[i];
		if (seq->nops > MMF_MAX_OPS || op->code == MMF_OP_NOP || op->code >= MMF_NR_OPCODES ||
		    !mmf_op_within(op, &ex->bounds[prof][op->code])) {
			snprintf(f->detail, sizeof(f->detail),
				 "op %u is not in canonical form (decode or parse the sequence first)", i);
			return -1;
		}
	}
	int cost = ex->cfg.cost;
	double t0 = cost ? mmf_now() : 0, t1;
#define COST(phase)                                              \
	do {                                                     \
		if (cost) {                                      \
			t1 = mmf_now();                          \
			ex->stats.cost[phase] += t1 - t0;        \
			t0 = t1;                                 \
		}                                                \
	} while (0)
	if (prepare(ex, seq, prof, f))
		return -1;
	COST(MMF_COST_RESET);
	ex->last_prof = prof;
	ex->seq = seq;
	ex->as_used = 0;
	if (ex->counters && check_counters(ex, f, 0, "reset", prof, MMF_NR_FAMILIES, 1))
		return 1;
	FILE *tr = ex->cfg.trace;
	for (uint32_t i = 0; i < seq->nops; i++) {
		const struct mmf_op *op = &seq->ops[i];
		int r = 0;
		ex->family = mmf_op_family(op->code);
		for (unsigned k = 0; k < ex->nt; k++) { /* this op's outcome only */
			ex->t[k].pfn = ex->t[k].token = 0;
			ex->t[k].err = ex->t[k].fault = 0;
		}
		if (tr) {
			char line[MMF_OP_TEXT_MAX];
			mmf_op_format(op, prof, line, sizeof(line));
			fprintf(tr, "[%u] %s\n", i, line);
		}
		if (ex->progress)
			__atomic_store_n(ex->progress, i + 1, __ATOMIC_RELEASE);
		r = steps[op->code](ex, f, i, op, prof);
		COST(MMF_COST_EXEC_PAGE + ex->family);
		if (!ex->not_counting)
			count_op(ex, op);
		if (tr)
			trace_targets(ex, op);
		if (r)
			return 1;
		if (ex->counters && check_counters(ex, f, i, mmf_op_name(op->code), prof, ex->family, 0))
			return 1;
		if (ex->cfg.full_checks_every_op) {
			if (run_checks(ex, f, MMF_CHECK_FULL, i, mmf_op_name(op->code), prof))
				return 1;
		} else if (ex->cfg.cheap_checks) {
			if (run_checks(ex, f, MMF_CHECK_CHEAP, i, mmf_op_name(op->code), prof))
				return 1;
		}
		COST(MMF_COST_CHECKS);
	}
	if (ex->progress)
		__atomic_store_n(ex->progress, seq->nops + 1, __ATOMIC_RELEASE);
	if (flush_remotes(ex, f, seq->nops, "end", prof))
		return 1;
	if (ex->cfg.skip_end_checks)
		return 0;
	if (run_checks(ex, f, MMF_CHECK_FULL, seq->nops, "end", prof))
		return 1;
	COST(MMF_COST_END_WALKS);
	for (unsigned k = 0; k < MMF_NR_REPORTS; k++) {
		ex->family = k == MMF_REPORT_SLABINFO	  ? MMF_FAM_OBJ
			     : k == MMF_REPORT_VMALLOCINFO ? MMF_FAM_VMALLOC
							   : MMF_FAM_PAGE;
		if (compare_report(ex, f, prof, k, seq->nops, "end"))
			return 1;
	}
	if (ex->as_used && mmf_exec_compare_proc_reports(ex, f, prof, seq->nops))
		return 1;
	COST(MMF_COST_END_COMPARE);
	/* A clean end: out-of-process targets reset their workers now, so a
	 * worker can serve the next sequence (remote.h), and a reset that
	 * kills it is this sequence's finding, on every replay alike. */
	for (unsigned k = 1; k < ex->nt; k++) {
		struct target *t = &ex->t[k];
		if (t->idle || !t->ctx[prof] || mmf_remote_recycle(t->ad, t->ctx[prof]) <= 0)
			continue;
		ex->family = 0;
		while (ex->family + 1 < MMF_NR_FAMILIES && t->level[ex->family] == MMF_LEVEL_NONE)
			ex->family++;
		int r = mmf_exec_corrupt_finding(ex, f, t, seq->nops, "reset", prof);
		COST(MMF_COST_RESET);
		return r;
	}
	/* The next sequence's workers wake now, while it is generated and
	 * the oracle resets (not sooner: one that spins while this
	 * sequence's worker still works takes a CPU from it or from us). */
	unsigned next = ex->next_prof;
	ex->next_prof = 0;
	for (unsigned k = 1; next-- && k < ex->nt; k++)
		if (ex->t[k].ctx[next])
			mmf_remote_wake(ex->t[k].ad, ex->t[k].ctx[next]);
	COST(MMF_COST_RESET);
#undef COST
	return 0;
}
