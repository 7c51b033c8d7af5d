/* The executor's address-space ops: mmap, munmap, mprotect and the
 * /proc/PID reports, for adapters that declare MMF_CAP_AS.
 *
 * Safety: an mmap that succeeds returns a page-aligned address, the one
 * asked for under MAP_FIXED (and MAP_FIXED_NOREPLACE). Semantic: the same
 * result and errno as the oracle, the same address, and the same
 * /proc/PID/maps (the merged VMA layout is part of Linux's behaviour);
 * after the last op every process's maps is compared again. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness/exec_internal.h"

#define MAP_FIXED_BITS 0x06u /* MAP_FIXED | MAP_FIXED_NOREPLACE in the op's flags */

static const char *fault_name(int fault)
{
	return fault == 0 ? "no fault" : fault == SIGSEGV ? "SIGSEGV" : fault == SIGBUS ? "SIGBUS" : "a signal";
}

static const char *report_name(unsigned kind)
{
	return kind == MMF_PROC_MAPS ? "maps" : kind == MMF_PROC_SMAPS ? "smaps" : kind == MMF_PROC_PAGEMAP ? "pagemap" : "proc_report";
}

/* Reads one process report from oracle and target and compares them.
 * read: the op itself was this report, so a target that answered it OK
 * holds the text already and is not asked twice. */
static int compare_proc_report(struct mmf_exec *ex, struct mmf_finding *f, unsigned prof, unsigned proc, unsigned kind,
			       uint32_t step, const char *op, int read)
{
	struct target *o = &ex->t[0];
	int got_oracle = 0;
	for (unsigned i = 1; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		if (t->level[MMF_FAM_AS] < MMF_LEVEL_SEMANTIC || !has(t, MMF_CAP_AS))
			continue;
		if (!got_oracle && !(read && o->out == OUT_OK)) {
			if (o->ad->proc_report(o->ctx[prof], proc, kind, o->report, REPORT_CAP, &o->report_len) != MMF_OK)
				return mmf_exec_finding(ex, f, o, step, op, "report", "oracle failed to report %s",
							report_name(kind));
			got_oracle = 1;
		}
		enum mmf_result rr = read && t->out == OUT_OK ? MMF_OK
					: t->ad->proc_report(t->ctx[prof], proc, kind, t->report, REPORT_CAP, &t->report_len);
		if (rr == MMF_CORRUPT) /* a worker that died on it: the death is the finding */
			return mmf_exec_corrupt_finding(ex, f, t, step, op, prof);
		if (rr != MMF_OK)
			return mmf_exec_finding(ex, f, t, step, op, "report", "report %s of process %u failed",
						report_name(kind), proc);
		char check[32], what[48];
		snprintf(check, sizeof(check), "same_%s", report_name(kind));
		snprintf(what, sizeof(what), "process %u %s", proc, report_name(kind));
		int differs;
		if (t->level[MMF_FAM_AS] == MMF_LEVEL_SEMANTIC) {
			/* what each system numbers its own way set aside (procfmt.c) */
			static char norm_o[REPORT_CAP], norm_t[REPORT_CAP];
			char *raw_o = o->report, *raw_t = t->report;
			size_t raw_olen = o->report_len, raw_tlen = t->report_len;
			o->report_len = mmf_proc_normalize(kind, raw_o, raw_olen, norm_o, sizeof(norm_o));
			t->report_len = mmf_proc_normalize(kind, raw_t, raw_tlen, norm_t, sizeof(norm_t));
			o->report = norm_o;
			t->report = norm_t;
			differs = mmf_exec_report_differs(ex, f, t, step, op, check, what);
			o->report = raw_o, o->report_len = raw_olen;
			t->report = raw_t, t->report_len = raw_tlen;
		} else {
			differs = mmf_exec_report_differs(ex, f, t, step, op, check, what);
		}
		if (differs)
			return 1;
	}
	return 0;
}

int mmf_exec_compare_proc_reports(struct mmf_exec *ex, struct mmf_finding *f, unsigned prof, uint32_t step)
{
	ex->family = MMF_FAM_AS;
	/* maps only: smaps walks every page, and is compared where asked for */
	for (unsigned p = 0; p < MMF_NPROCS; p++)
		if (compare_proc_report(ex, f, prof, p, MMF_PROC_MAPS, step, "end", 0))
			return 1;
	return 0;
}

/* An op some compared system cannot do (its row's capability) is left out
 * for all of them, so their address spaces stay comparable: 0 then, and
 * every target counts it as skipped, not as the last op's outcome. */
static int as_gate(struct mmf_exec *ex, const struct mmf_op *op)
{
	uint32_t need = mmf_optable[op->code].cap & ~MMF_CAP_AS;
	for (unsigned i = 0; need && i < ex->nt; i++)
		if (ex->t[i].level[MMF_FAM_AS] != MMF_LEVEL_NONE && has(&ex->t[i], MMF_CAP_AS) && !has(&ex->t[i], need)) {
			for (unsigned k = 0; k < ex->nt; k++)
				ex->t[k].out = OUT_SKIPPED;
			return 0;
		}
	ex->as_used = 1;
	return 1;
}

/* The syscall-like ops (ops.def rows with step as_call): one ABI entry for
 * all, the same result and errno as the oracle, and where the row traces a
 * report, the same text read back (mincore's vector). */
int mmf_exec_step_as_call(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op,
			  unsigned prof)
{
	const char *name = mmf_op_name(op->code);
	const uint64_t PAGE = 1ull << mmf_profile_as_shift(mmf_profile_get(prof));
	struct mmf_args a;
	mmf_op_args(op, &a);
	if (!as_gate(ex, op))
		return 0;
	/* A row names a process, or (the pressure ops) a swap device or a
	 * node in its place, never two of them; oom_score_adj travels signed. */
	struct mmf_as_call c = { op->code, a.proc + a.dev + a.node, MMF_AS_WINDOW_BASE + (uint64_t)a.start * PAGE,
				 (uint64_t)a.npages * PAGE, a.flags | a.prot << 8, 0 };
	if (op->code == MMF_OP_OOM_SCORE_ADJ)
		c.flags = (uint32_t)((int32_t)a.adj - MMF_OOMADJ_BIAS);
	/* The hugetlb pool of a profile with several nodes is kept per node
	 * (where a page is freed decides whether it leaves as a surplus one):
	 * a real kernel's nodes are its own, so from here on it is no longer
	 * compared (its crashes still are). */
	if (mmf_optable[op->code].cap == MMF_CAP_HUGETLB && mmf_profile_get(prof)->nr_nodes > 1)
		for (unsigned i = 1; i < ex->nt; i++) {
			struct target *t = &ex->t[i];
			if (t->ad == mmf_adapter_reference() || t->pressured)
				continue;
			t->diverged = t->pressured = 1;
			if (!ex->not_counting)
				ex->stats.oracle_numa++;
		}
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		t->out = OUT_SKIPPED;
		t->fault = 0, t->token = 0, t->pfn = 0;
		if (t->level[MMF_FAM_AS] == MMF_LEVEL_NONE || !has(t, MMF_CAP_AS))
			continue;
		int err = 0;
		t->report_len = 0;
		enum mmf_result r = t->ad->as_call(t->ctx[prof], &c, t->report, REPORT_CAP, &t->report_len, &err);
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, name, prof);
		if (r == MMF_UNSUPPORTED)
			return mmf_exec_finding(ex, f, t, step, name, "unsupported", "%s unsupported despite its capability",
						name);
		t->out = r == MMF_OK ? OUT_OK : OUT_REFUSED;
		t->err = err;
	}
	if (mmf_exec_compare(ex, f, step, name))
		return 1;
	struct target *o = &ex->t[0];
	for (unsigned i = 1; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		if (t->out != OUT_OK || o->out != OUT_OK || t->level[MMF_FAM_AS] < MMF_LEVEL_SEMANTIC ||
		    (!t->report_len && !o->report_len))
			continue;
		char check[48], what[96];
		snprintf(check, sizeof(check), "same_%s", name);
		snprintf(what, sizeof(what), "%s of process %u at page %u", name, a.proc, a.start);
		if (mmf_exec_report_differs(ex, f, t, step, name, check, what))
			return 1;
	}
	return 0;
}

/* One address-space op on one target, through the entry of its kind: the
 * address an mmap answers in *out, a refusal's errno in *err, an access's
 * fault and value in t->fault and t->token. */
static enum mmf_result run_on(struct mmf_exec *ex, struct target *t, unsigned prof, const struct mmf_op *op,
			      const struct mmf_args *a, uint32_t step, uint64_t *out, int *err)
{
	const uint64_t PAGE = 1ull << mmf_profile_as_shift(mmf_profile_get(prof));
	unsigned proc = a->proc;
	uint64_t addr = MMF_AS_WINDOW_BASE + (uint64_t)(a->start | a->page) * PAGE;
	uint64_t len = (uint64_t)a->npages * PAGE;
	enum mmf_result r;
	switch (op->code) {
	case MMF_OP_MMAP: r = t->ad->mmap(t->ctx[prof], proc, addr, len, a->prot, a->flags, out, err); break;
	case MMF_OP_MUNMAP: r = t->ad->munmap(t->ctx[prof], proc, addr, len, err); break;
	case MMF_OP_MPROTECT: r = t->ad->mprotect(t->ctx[prof], proc, addr, len, a->prot, err); break;
	case MMF_OP_FORK: r = t->ad->proc_fork(t->ctx[prof], proc, a->child, err); break;
	case MMF_OP_EXIT: r = t->ad->proc_exit(t->ctx[prof], proc, err); break;
	case MMF_OP_MADVISE: r = t->ad->madvise(t->ctx[prof], proc, addr, len, a->advice, err); break;
	case MMF_OP_BRK: r = t->ad->brk(t->ctx[prof], proc, addr, out); break;
	case MMF_OP_RMAP: r = t->ad->rmap(t->ctx[prof], proc, addr, t->report, REPORT_CAP, &t->report_len); break;
	case MMF_OP_FTRUNCATE: r = t->ad->ftruncate(t->ctx[prof], a->file, len, err); break;
	case MMF_OP_MMAP_FILE:
		r = t->ad->mmap_file(t->ctx[prof], proc, addr, len, a->prot, a->flags, a->file, (uint64_t)a->pgoff * PAGE,
				     out, err);
		break;
	case MMF_OP_MMAP_PFN:
		r = t->ad->mmap_pfn(t->ctx[prof], proc, addr, len, a->prot, a->flags, (uint64_t)a->pgoff * PAGE, out, err);
		break;
	case MMF_OP_CLEAR_REFS: r = t->ad->clear_refs(t->ctx[prof], proc, a->value, err); break;
	case MMF_OP_MREMAP:
		r = t->ad->mremap(t->ctx[prof], proc, addr, len, (uint64_t)a->new_npages * PAGE, a->flags,
				  MMF_AS_WINDOW_BASE + (uint64_t)a->new_start * PAGE, out, err);
		break;
	case MMF_OP_MEM_READ:
	case MMF_OP_MEM_WRITE:
	case MMF_OP_MEM_EXEC:
	case MMF_OP_MEM_FILL: {
		int fault = 0;
		uint64_t value = 0;
		/* a fill's token is its pattern, the same for every system */
		r = t->ad->mem_access(t->ctx[prof], proc, addr,
				      op->code == MMF_OP_MEM_WRITE   ? MMF_ACCESS_WRITE
				      : op->code == MMF_OP_MEM_EXEC ? MMF_ACCESS_EXEC
				      : op->code == MMF_OP_MEM_FILL ? MMF_ACCESS_FILL
								    : MMF_ACCESS_READ,
				      op->code == MMF_OP_MEM_FILL ? a->token : mmf_exec_token(ex, step, a->token), &fault,
				      &value, err);
		t->token = value;
		t->fault = fault;
		break;
	}
	default:
		r = t->ad->proc_report(t->ctx[prof], proc, a->kind, t->report, REPORT_CAP, &t->report_len);
		break;
	}
	return r;
}

int mmf_exec_step_as(struct mmf_exec *ex, struct mmf_finding *f, uint32_t step, const struct mmf_op *op, unsigned prof)
{
	const char *name = mmf_op_name(op->code);
	/* Ops count in the profile's user pages: 4 KiB, or 8 KiB (sparc64). */
	const uint64_t PAGE = 1ull << mmf_profile_as_shift(mmf_profile_get(prof));
	struct mmf_args a;
	mmf_op_args(op, &a);
	unsigned proc = a.proc;
	/* start, or page for the ops on one page */
	uint64_t addr = MMF_AS_WINDOW_BASE + (uint64_t)(a.start | a.page) * PAGE;
	/* An op some compared system cannot do is left out for all of them,
	 * so their address spaces stay comparable. */
	if (!as_gate(ex, op))
		return 0;
	for (unsigned i = 0; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		t->out = OUT_SKIPPED;
		if (t->level[MMF_FAM_AS] == MMF_LEVEL_NONE || !has(t, MMF_CAP_AS))
			continue;
		if (op->code == MMF_OP_PROC_REPORT && a.kind >= MMF_NR_PROC_REPORTS)
			continue; /* a kind no adapter knows yet */
		uint64_t out = 0;
		int err = 0;
		enum mmf_result r = run_on(ex, t, prof, op, &a, step, &out, &err);
		if (r == MMF_CORRUPT)
			return mmf_exec_corrupt_finding(ex, f, t, step, name, prof);
		if (r == MMF_UNSUPPORTED)
			return mmf_exec_finding(ex, f, t, step, name, "unsupported", "%s unsupported despite MMF_CAP_AS", name);
		t->out = r == MMF_OK ? OUT_OK : OUT_REFUSED;
		t->err = err;
		t->pfn = out; /* the address, for the trace and the comparison */
		if (op->code != MMF_OP_MEM_READ && op->code != MMF_OP_MEM_WRITE && op->code != MMF_OP_MEM_EXEC &&
		    op->code != MMF_OP_MEM_FILL)
			t->fault = 0, t->token = 0;
		int is_mmap = op->code == MMF_OP_MMAP || op->code == MMF_OP_MMAP_FILE || op->code == MMF_OP_MMAP_PFN;
		if (is_mmap && r == MMF_OK) {
			if (!out || (out & (PAGE - 1)))
				return mmf_exec_finding(ex, f, t, step, name, "alignment", "mmap returned %#llx",
							(unsigned long long)out);
			if ((a.flags & MAP_FIXED_BITS) && out != addr)
				return mmf_exec_finding(ex, f, t, step, name, "fixed", "MAP_FIXED mmap at %#llx returned %#llx",
							(unsigned long long)addr, (unsigned long long)out);
		}
	}
	if (mmf_exec_compare(ex, f, step, name))
		return 1;
	struct target *o = &ex->t[0];
	for (unsigned i = 1; i < ex->nt; i++) {
		struct target *t = &ex->t[i];
		if (t->out != OUT_OK || o->out != OUT_OK || t->level[MMF_FAM_AS] < MMF_LEVEL_SEMANTIC)
			continue;
		if ((op->code == MMF_OP_MMAP || op->code == MMF_OP_MMAP_FILE || op->code == MMF_OP_MMAP_PFN ||
		     op->code == MMF_OP_BRK || op->code == MMF_OP_MREMAP) &&
		    t->pfn != o->pfn)
			return mmf_exec_finding(ex, f, t, step, name, "address", "mapped at %#llx where the oracle maps at %#llx",
						(unsigned long long)t->pfn, (unsigned long long)o->pfn);
		if (t->fault != o->fault)
			return mmf_exec_finding(ex, f, t, step, name, "fault", "%s where the oracle has %s",
						fault_name(t->fault), fault_name(o->fault));
		if ((op->code == MMF_OP_MEM_READ || op->code == MMF_OP_MEM_FILL) && t->token != o->token)
			return mmf_exec_finding(ex, f, t, step, name, "value", "read %#llx where the oracle reads %#llx",
						(unsigned long long)t->token, (unsigned long long)o->token);
	}
	if (op->code == MMF_OP_PROC_REPORT && a.kind < MMF_NR_PROC_REPORTS)
		return compare_proc_report(ex, f, prof, proc, a.kind, step, name, 1);
	if (op->code == MMF_OP_RMAP)
		for (unsigned i = 1; i < ex->nt; i++) {
			struct target *t = &ex->t[i];
			if (t->out != OUT_OK || o->out != OUT_OK || t->level[MMF_FAM_AS] < MMF_LEVEL_SEMANTIC)
				continue;
			char what[64];
			snprintf(what, sizeof(what), "rmap of page %#llx of process %u", (unsigned long long)addr, proc);
			if (mmf_exec_report_differs(ex, f, t, step, name, "same_rmap", what))
				return 1;
		}
	return 0;
}
