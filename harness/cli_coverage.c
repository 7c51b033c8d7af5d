/* What a campaign's comparison really covered, as `fuzz` and `fidelity`
 * reports print it: per op, how many ran, how many a system under test
 * answered itself and had compared, the disagreements and the oracle's
 * outcomes; the share of reads that returned data; and how deep the
 * address spaces went (processes, fork generations, COW breaks). */
#include <stdio.h>

#include "harness/cli.h"

static double pct(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

/* The median of a histogram (bucket i counts values i), 0 when empty. */
static unsigned median(const uint64_t *h, unsigned n)
{
	uint64_t total = 0, run = 0;
	for (unsigned i = 0; i < n; i++)
		total += h[i];
	for (unsigned i = 0; i < n && total; i++)
		if ((run += h[i]) * 2 >= total)
			return i;
	return 0;
}

/* The op's three most frequent outcomes, "ok 61% ENOMEM 30% SIGSEGV 9%". */
static void top_outcomes(FILE *fp, const uint64_t *o, uint64_t total)
{
	unsigned shown[3], n = 0;
	for (; n < 3; n++) {
		unsigned best = MMF_NR_OUTCOMES;
		for (unsigned i = 0; i < MMF_NR_OUTCOMES; i++) {
			int seen = 0;
			for (unsigned k = 0; k < n; k++)
				seen |= shown[k] == i;
			if (!seen && o[i] && (best == MMF_NR_OUTCOMES || o[i] > o[best]))
				best = i;
		}
		if (best == MMF_NR_OUTCOMES)
			break;
		shown[n] = best;
		fprintf(fp, " %s %.0f%%", mmf_outcome_name(best), pct(o[best], total));
	}
}

void cli_print_coverage(FILE *fp, const struct mmf_exec_stats *st, const uint64_t *first)
{
	fprintf(fp, "  per op: ran, answered by the system under test and compared, disagreements%s, the oracle's outcomes\n",
		first ? " (every one; the first of its sequence)" : "");
	fprintf(fp, "    %-14s %9s %9s %7s %9s%s  %s\n", "op", "ran", "answered", "", "disagreed", first ? "     first" : "",
		"outcomes");
	uint64_t as_ran = 0, as_answered = 0, ran_all = 0, answered_all = 0;
	for (unsigned c = 1; c < MMF_NR_OPCODES; c++) {
		uint64_t ran = 0;
		for (unsigned i = 0; i < MMF_NR_OUTCOMES; i++)
			ran += st->outcome[c][i];
		uint64_t skipped = st->per_op[c][3];
		if (!ran && !skipped && !st->disagreed[c])
			continue;
		ran_all += ran + skipped, answered_all += st->answered[c];
		if (mmf_op_family(c) == MMF_FAM_AS)
			as_ran += ran + skipped, as_answered += st->answered[c];
		fprintf(fp, "    %-14s %9llu %9llu %6.1f%% %9llu", mmf_op_name(c), (unsigned long long)ran,
			(unsigned long long)st->answered[c], pct(st->answered[c], ran + skipped),
			(unsigned long long)st->disagreed[c]);
		if (first)
			fprintf(fp, " %9llu", (unsigned long long)first[c]);
		fprintf(fp, " ");
		if (skipped)
			fprintf(fp, " skipped %llu", (unsigned long long)skipped);
		top_outcomes(fp, st->outcome[c], ran);
		fprintf(fp, "\n");
	}
	if (st->disagreed[MMF_NR_OPCODES])
		fprintf(fp, "    %-14s %9s %9s %7s %9llu\n", "end", "", "", "",
			(unsigned long long)st->disagreed[MMF_NR_OPCODES]);
	fprintf(fp, "  ops answered by the system under test and compared  %llu of %llu  %.1f%%\n",
		(unsigned long long)answered_all, (unsigned long long)ran_all, pct(answered_all, ran_all));
	if (!as_ran)
		return;
	fprintf(fp, "  address-space ops answered and compared  %llu of %llu  %.1f%%\n", (unsigned long long)as_answered,
		(unsigned long long)as_ran, pct(as_answered, as_ran));
	fprintf(fp, "  reads that returned data  %llu of %llu  %.1f%%\n", (unsigned long long)st->reads_data,
		(unsigned long long)st->reads, pct(st->reads_data, st->reads));
	fprintf(fp, "  depth: %llu sequences used address spaces, %llu forked (%.1f%%); fork depth median %u (",
		(unsigned long long)st->as_seqs, (unsigned long long)st->forking_seqs, pct(st->forking_seqs, st->as_seqs),
		median(st->fork_depth, MMF_NPROCS + 1));
	for (unsigned d = 1, sep = 0; d <= MMF_NPROCS; d++)
		if (st->fork_depth[d])
			fprintf(fp, "%s%u: %llu", sep++ ? ", " : "", d, (unsigned long long)st->fork_depth[d]);
	fprintf(fp, "); most processes alive median %u\n", median(st->procs_max, MMF_NPROCS + 1));
	fprintf(fp, "         %llu forks, %llu COW breaks, %llu ptes shared by fork\n", (unsigned long long)st->forks,
		(unsigned long long)st->cow_breaks, (unsigned long long)st->pages_shared);
	fprintf(fp, "  pressure: %llu kswapd runs, %llu direct reclaims, %llu pages swapped out, %llu swapped in, "
		    "%llu zswap writebacks, %llu OOM kills\n",
		(unsigned long long)st->kswapd_runs, (unsigned long long)st->direct_reclaims,
		(unsigned long long)st->swapouts, (unsigned long long)st->swapins,
		(unsigned long long)st->zswap_writebacks, (unsigned long long)st->oom_kills);
	fprintf(fp, "  huge pages: %llu hugetlb faults, %llu COW copies, %llu pages reserved, %llu surplus pages allocated\n",
		(unsigned long long)st->huge_faults, (unsigned long long)st->huge_cows,
		(unsigned long long)st->huge_reservations, (unsigned long long)st->huge_surplus);
	fprintf(fp, "              %llu THP faults, %llu huge PMDs split, %llu collapses\n", (unsigned long long)st->thp_faults,
		(unsigned long long)st->thp_splits, (unsigned long long)st->thp_collapses);
}
