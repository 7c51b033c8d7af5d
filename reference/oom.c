/* The OOM killer (mm/oom_kill.c): when reclaim cannot satisfy an
 * allocation that may not fail, out_of_memory() picks the process with
 * the highest oom_badness() -- the pages its ptes map, its swap entries
 * and its page tables, plus oom_score_adj thousandths of all memory --
 * kills it, and the OOM reaper and exit give its memory back. The kernel's
 * report (dump_header()'s "invoked oom-killer" line, Mem-Info, the
 * per-zone lines, the task table, "Out of memory: Killed process") is
 * kept as the last OOM report, a report kind of its own.
 *
 * Which processes: every live one but the child a fork is still copying
 * (not yet on the task list), and those at OOM_SCORE_ADJ_MIN. Ties go to
 * the process found last (oom_evaluate_task() takes points >= the best),
 * and processes are visited in pid order (for_each_process()).
 *
 * A victim that is the process whose op is allocating (as->current)
 * dies when the op ends, as a task killed in a fault dies on its way
 * back to user space; meanwhile its allocations may dig into the OOM
 * reserve once (ALLOC_OOM). Any other victim goes at once. While swapoff
 * walks every address space no one is killed (its allocations fail
 * instead, and swapoff answers ENOMEM). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "reference/as.h"
#include "reference/internal.h"
#include "reference/mm.h"
#include "reference/swap.h"
#include "reference/textbuf.h"

#define OOM_SCORE_ADJ_MIN (-1000)
#define OOM_SCORE_ADJ_MAX 1000

struct rss {
	unsigned long anon, file, shmem, swapents;
};

static void mm_rss(struct mmf_machine *m, struct mmf_mm *mm, struct rss *r)
{
	*r = (struct rss){ 0, 0, 0, 0 };
	for (uint32_t i = 0; mm->pgd != MMF_NIL && i < mm->nr; i++) {
		const struct mmf_vma *v = &mm->vma[i];
		for (uint64_t a = v->start; a < v->end; a += AS_PAGE_SIZE) {
			const uint64_t *pte = mmf_pte_lookup(m, mm, a, 0);
			if (!pte || !*pte)
				continue;
			if (pte_is_swap(*pte))
				r->swapents++;
			else if (pte_has_page(*pte))
				(pfn_to_page(m, pte_pfn(*pte))->flags & PG_shmem ? &r->shmem : &r->anon)[0]++;
		}
	}
}

static unsigned long totalpages(const struct mmf_machine *m)
{
	return m->managed_pages + (unsigned long)mmf_total_swap_pages(m);
}

/* oom_badness(): LONG_MIN for an unkillable process; may be negative. */
static long oom_badness(struct mmf_machine *m, unsigned proc, const struct rss *r)
{
	const struct mmf_proc *p = &m->as->proc[proc];
	if (p->oom_score_adj == OOM_SCORE_ADJ_MIN)
		return LONG_MIN;
	long points = (long)(r->anon + r->file + r->shmem);
	if (MUTANT(m, OOM_RSS_ONLY))
		return points;
	points += (long)r->swapents + (long)(p->mm.pgtables_bytes >> AS_PAGE_SHIFT);
	points += (long)p->oom_score_adj * (long)(totalpages(m) / 1000);
	return points;
}

int mmf_oom_victim_is_current(const struct mmf_machine *m)
{
	return m->as && m->as->current >= 0 && m->as->oom_victim == m->as->current;
}

static void kill_now(struct mmf_machine *m, unsigned proc)
{
	int err;
	mmf_as_exit(m, proc, &err); /* the reaper's unmap, then exit_mmap() */
}

void mmf_oom_op_end(struct mmf_machine *m)
{
	struct mmf_as *as = m->as;
	if (!as)
		return;
	if (as->oom_victim >= 0 && as->proc[as->oom_victim].live)
		kill_now(m, (unsigned)as->oom_victim);
	as->oom_victim = -1;
	as->current = -1;
}

/* The report's text: dump_header() and the kill line, much as 6.x prints
 * them (no stack trace, no cgroup paths). */
static void report(struct mmf_machine *m, mmf_gfp_t gfp, unsigned order, int victim, const struct rss *rss)
{
	struct mmf_as *as = m->as;
	struct mmf_out o = { as->oom_report, sizeof(as->oom_report), 0 };
	unsigned long kb = AS_PAGE_SIZE >> 10;
	int cur = as->current;
	mmf_out_put(&o, "%s invoked oom-killer: gfp_mask=%#x, order=%u, oom_score_adj=%d\n",
		    cur >= 0 ? "mmfuzz-proc" : "kworker", (unsigned)gfp, order, cur >= 0 ? as->proc[cur].oom_score_adj : 0);
	unsigned long free = 0, free_pcp = 0;
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		free += m->zones[zi].nr_free_pages;
		for (unsigned c = 0; c < m->prof->nr_cpus; c++)
			free_pcp += m->zones[zi].pcp[c].count;
	}
	mmf_out_put(&o,
		    "Mem-Info:\nactive_anon:%lu inactive_anon:%lu isolated_anon:0\n active_file:%lu inactive_file:%lu "
		    "isolated_file:0\n unevictable:%lu dirty:0 writeback:0\n pagetables:%u\n free:%lu free_pcp:%lu\n",
		    mmf_lru_pages(m, LRU_ACTIVE_ANON), mmf_lru_pages(m, LRU_INACTIVE_ANON), mmf_lru_pages(m, LRU_ACTIVE_FILE),
		    mmf_lru_pages(m, LRU_INACTIVE_FILE), mmf_lru_pages(m, LRU_UNEVICTABLE), m->nr_pagetables, free, free_pcp);
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct mmf_zone *z = &m->zones[zi];
		unsigned long pcp = 0;
		for (unsigned c = 0; c < m->prof->nr_cpus; c++)
			pcp += z->pcp[c].count;
		mmf_out_put(&o,
			    "Node %u %s free:%lukB boost:0kB min:%lukB low:%lukB high:%lukB reserved_highatomic:0KB "
			    "active_anon:%lukB inactive_anon:%lukB active_file:%lukB inactive_file:%lukB unevictable:%lukB "
			    "writepending:0kB present:%lukB managed:%lukB mlocked:0kB bounce:0kB free_pcp:%lukB local_pcp:0kB "
			    "free_cma:%lukB\nlowmem_reserve[]:",
			    z->node, mmf_zone_names[z->type], z->nr_free_pages * 4ul, z->wmark[WMARK_MIN] * 4ul,
			    z->wmark[WMARK_LOW] * 4ul, z->wmark[WMARK_HIGH] * 4ul, z->nr_zone_lru[LRU_ACTIVE_ANON] * 4ul,
			    z->nr_zone_lru[LRU_INACTIVE_ANON] * 4ul, z->nr_zone_lru[LRU_ACTIVE_FILE] * 4ul,
			    z->nr_zone_lru[LRU_INACTIVE_FILE] * 4ul, z->nr_zone_lru[LRU_UNEVICTABLE] * 4ul, z->nr_pages * 4ul,
			    z->nr_pages * 4ul, pcp * 4ul, z->nr_free_cma * 4ul);
		for (unsigned t = 0; t < MMF_NR_ZONE_TYPES; t++)
			if (m->prof->configured_zone_types & (1u << t))
				mmf_out_put(&o, " %lu", (unsigned long)z->lowmem_reserve[t]);
		mmf_out_put(&o, "\nNode %u %s:", z->node, mmf_zone_names[z->type]);
		unsigned long total = 0;
		for (unsigned ord = 0; ord < MMF_MAX_ORDER; ord++) {
			unsigned long n = z->free_area[ord].nr_free;
			total += n << ord;
			mmf_out_put(&o, " %lu*%lukB", n, 4ul << ord);
		}
		mmf_out_put(&o, " = %lukB\n", total * 4);
	}
	mmf_out_put(&o, "%u pages in swap cache\nFree swap  = %llukB\nTotal swap = %llukB\n%u pages RAM\n",
		    mmf_nr_swapcache(m), (unsigned long long)mmf_nr_swap_pages(m) * 4,
		    (unsigned long long)mmf_total_swap_pages(m) * 4, m->managed_pages);
	mmf_out_put(&o, "Tasks state (memory values in pages):\n"
			"[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents "
			"oom_score_adj name\n");
	for (unsigned p = 0; p < MMF_NPROCS; p++) {
		if (!as->proc[p].live || (int)p == as->forking)
			continue;
		const struct mmf_proc *pr = &as->proc[p];
		const struct rss *r = &rss[p];
		mmf_out_put(&o, "[%7u] %5u %5u %8llu %8lu %8lu %8lu %9lu %8llu %8lu         %5d mmfuzz-proc%u\n", pr->pid, 0u,
			    pr->pid, (unsigned long long)pr->mm.total_vm, r->anon + r->file + r->shmem, r->anon, r->file,
			    r->shmem, (unsigned long long)pr->mm.pgtables_bytes, r->swapents, pr->oom_score_adj, p);
	}
	if (victim < 0) {
		mmf_out_put(&o, "Out of memory and no killable processes...\n");
		mmf_out_finish(&o);
		return;
	}
	const struct mmf_proc *v = &as->proc[victim];
	const struct rss *r = &rss[victim];
	mmf_out_put(&o, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),global_oom,task=mmfuzz-proc%d,pid=%u,uid=0\n",
		    victim, v->pid);
	mmf_out_put(&o,
		    "Out of memory: Killed process %u (mmfuzz-proc%d) total-vm:%llukB, anon-rss:%lukB, file-rss:%lukB, "
		    "shmem-rss:%lukB, UID:0 pgtables:%llukB oom_score_adj:%d\n",
		    v->pid, victim, (unsigned long long)v->mm.total_vm * kb, r->anon * kb, r->file * kb, r->shmem * kb,
		    (unsigned long long)(v->mm.pgtables_bytes >> 10), v->oom_score_adj);
	mmf_out_finish(&o);
}

int mmf_out_of_memory(struct mmf_machine *m, mmf_gfp_t gfp, unsigned order)
{
	struct mmf_as *as = m->as;
	if (!as || as->no_oom)
		return 0;
	as->used = 1;
	if (as->oom_victim >= 0) {
		/* a victim is dying already (tsk_is_oom_victim()): wait for it,
		 * which the model cannot, so nothing more is freed now */
		return 0;
	}
	struct rss rss[MMF_NPROCS];
	long points[MMF_NPROCS];
	int victim = -1;
	long best = LONG_MIN;
	uint32_t best_pid = 0;
	for (unsigned p = 0; p < MMF_NPROCS; p++) {
		points[p] = LONG_MIN;
		const struct mmf_proc *pr = &as->proc[p];
		if (!pr->live || (int)p == as->forking)
			continue;
		mm_rss(m, &as->proc[p].mm, &rss[p]);
		points[p] = oom_badness(m, p, &rss[p]);
		if (points[p] == LONG_MIN)
			continue;
		/* pid order; the later of equals wins */
		if (victim < 0 || points[p] > best || (points[p] == best && pr->pid > best_pid)) {
			best = points[p];
			best_pid = pr->pid;
			victim = (int)p;
		}
	}
	report(m, gfp, order, victim, rss);
	if (victim < 0) {
		m->vm.oom_no_victim++;
		return 0;
	}
	m->vm.oom_kill++;
	if (victim == as->current) {
		as->oom_victim = victim; /* dies when its op ends */
		return 1;
	}
	kill_now(m, (unsigned)victim);
	return 1;
}

int mmf_report_oom(const struct mmf_machine *m, char *buf, size_t cap)
{
	struct mmf_out o = { buf, cap, 0 };
	mmf_out_put(&o, "%s", m->as ? m->as->oom_report : "");
	return mmf_out_finish(&o);
}

/* /proc/PID/oom_score_adj: -1000..1000, else EINVAL; EACCES below the
 * process's floor without CAP_SYS_RESOURCE (knob sys_resource). */
int mmf_as_oom_score_adj(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err)
{
	(void)o;
	struct mmf_mm *mm = mmf_as_mm(m, c->proc);
	int adj = (int32_t)c->flags;
	if (!mm) {
		*err = ESRCH;
		return -1;
	}
	if (adj < OOM_SCORE_ADJ_MIN || adj > OOM_SCORE_ADJ_MAX) {
		*err = EINVAL;
		return -1;
	}
	struct mmf_proc *p = &m->as->proc[c->proc];
	/* __set_oom_adj(): below the floor only with CAP_SYS_RESOURCE, which
	 * then sets the floor */
	if (adj < p->oom_score_adj_min && !m->k.sys_resource) {
		*err = EACCES;
		return -1;
	}
	m->as->used = 1;
	p->oom_score_adj = (int16_t)adj;
	if (m->k.sys_resource)
		p->oom_score_adj_min = (int16_t)adj;
	return 0;
}
