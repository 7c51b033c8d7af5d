/* Reports in the kernel's own text formats, so the model's output can be
 * laid beside a real kernel's: /proc/buddyinfo (mm/vmstat.c frag_show),
 * a /proc/zoneinfo subset (zoneinfo_show_print, Linux 6.1-6.12 layout) and
 * a /proc/vmstat subset. Known gaps in zoneinfo: zone types a node has no
 * pages in are not printed, nor the per-cpu "vm stats threshold" line. */
#include <stdarg.h>
#include <stdio.h>

#include "reference/cma.h"
#include "reference/internal.h"
#include "reference/as.h"
#include "reference/mm.h"
#include "reference/slab.h"
#include "reference/swap.h"
#include "reference/textbuf.h"
#include "reference/vmalloc.h"

int mmf_fail(char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
	return -1;
}

int mmf_report_buddyinfo(const struct mmf_machine *m, char *buf, size_t cap)
{
	struct mmf_out o = { buf, cap, 0 };
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct mmf_zone *z = &m->zones[zi];
		mmf_out_put(&o, "Node %d, zone %8s ", z->node, mmf_zone_names[z->type]);
		for (unsigned ord = 0; ord < MMF_MAX_ORDER; ord++)
			mmf_out_put(&o, "%6lu ", (unsigned long)z->free_area[ord].nr_free);
		mmf_out_put(&o, "\n");
	}
	return mmf_out_finish(&o);
}

int mmf_report_zoneinfo(const struct mmf_machine *m, char *buf, size_t cap)
{
	struct mmf_out o = { buf, cap, 0 };
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct mmf_zone *z = &m->zones[zi];
		/* one append per block of lines; boost is always 0 here */
		mmf_out_put(&o,
			    "Node %d, zone %8s\n  pages free     %lu\n        boost    0\n        min      %lu"
			    "\n        low      %lu\n        high     %lu\n        promo    %lu\n        spanned  %lu"
			    "\n        present  %lu\n        managed  %lu\n        cma      %lu",
			    z->node, mmf_zone_names[z->type], (unsigned long)z->nr_free_pages,
			    (unsigned long)z->wmark[WMARK_MIN], (unsigned long)z->wmark[WMARK_LOW],
			    (unsigned long)z->wmark[WMARK_HIGH], (unsigned long)z->wmark[WMARK_PROMO],
			    (unsigned long)z->nr_pages, (unsigned long)z->nr_pages, (unsigned long)z->nr_pages,
			    (unsigned long)z->cma_pages);
		const char *sep = "\n        protection: (";
		for (unsigned t = 0; t < MMF_NR_ZONE_TYPES; t++)
			if (m->prof->configured_zone_types & (1u << t)) {
				mmf_out_put(&o, "%s%ld", sep, (long)z->lowmem_reserve[t]);
				sep = ", ";
			}
		mmf_out_put(&o, ")");
		mmf_out_put(&o, "\n      %-12s %lu", "nr_free_pages", (unsigned long)z->nr_free_pages);
		if (m->cma)
			mmf_out_put(&o, "\n      %-12s %lu", "nr_free_cma", (unsigned long)z->nr_free_cma);
		mmf_out_put(&o, "\n  pagesets");
		for (unsigned c = 0; c < m->prof->nr_cpus; c++)
			mmf_out_put(&o, "\n    cpu: %i\n              count: %i\n              high:  %i\n              batch: %i",
				    (int)c, (int)z->pcp[c].count, (int)z->pcp[c].high, (int)z->pcp[c].batch);
		mmf_out_put(&o, "\n  node_unreclaimable:  0\n  start_pfn:           %lu\n", (unsigned long)z->start_pfn);
	}
	return mmf_out_finish(&o);
}

/* What the user pages amount to, by the counters Linux keeps per node:
 * NR_ANON_MAPPED, NR_FILE_MAPPED, NR_SHMEM (page cache), and the dirty
 * ones among the page cache's. One walk over the LRU lists, which hold
 * every user page. */
struct user_pages {
	unsigned long anon_mapped, file_mapped, shmem;
};

static void count_user_pages(const struct mmf_machine *m, struct user_pages *u)
{
	*u = (struct user_pages){ 0, 0, 0 };
	for (unsigned nid = 0; nid < m->prof->nr_nodes; nid++)
		for (unsigned l = 0; l < NR_LRU_LISTS; l++)
			for (uint32_t pfn = m->lruvec[nid].lists[l].head; pfn != MMF_NIL; pfn = pfn_to_page(m, pfn)->next) {
				const struct mmf_page *p = pfn_to_page(m, pfn);
				if (p->flags & PG_shmem) {
					u->shmem++;
					u->file_mapped += p->mapcount > 0;
				} else {
					u->anon_mapped += p->mapcount > 0;
				}
			}
}

/* Entries that exist in Linux's /proc/vmstat keep their names; the model's
 * own counters carry an mmf_ prefix. */
int mmf_report_vmstat(const struct mmf_machine *m, char *buf, size_t cap)
{
	struct mmf_out o = { buf, cap, 0 };
	unsigned long nr_free = 0, nr_free_cma = 0, pgalloc[MMF_NR_ZONE_TYPES] = { 0 };
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		nr_free += m->zones[zi].nr_free_pages;
		nr_free_cma += m->zones[zi].nr_free_cma;
		pgalloc[m->zones[zi].type] += (unsigned long)m->zones[zi].pgalloc;
	}
	mmf_out_put(&o, "nr_free_pages %lu\n", nr_free);
	if (m->cma)
		mmf_out_put(&o, "nr_free_cma %lu\n", nr_free_cma);
	struct user_pages u;
	count_user_pages(m, &u);
	mmf_out_put(&o,
		    "nr_inactive_anon %lu\nnr_active_anon %lu\nnr_inactive_file %lu\nnr_active_file %lu\n"
		    "nr_unevictable %lu\nnr_anon_pages %lu\nnr_mapped %lu\nnr_file_pages %lu\nnr_shmem %lu\n"
		    "nr_swapcached %lu\n",
		    mmf_lru_pages(m, LRU_INACTIVE_ANON), mmf_lru_pages(m, LRU_ACTIVE_ANON), mmf_lru_pages(m, LRU_INACTIVE_FILE),
		    mmf_lru_pages(m, LRU_ACTIVE_FILE), mmf_lru_pages(m, LRU_UNEVICTABLE), u.anon_mapped, u.file_mapped,
		    u.shmem + mmf_nr_swapcache(m), u.shmem, (unsigned long)mmf_nr_swapcache(m));
	mmf_out_put(&o, "pswpin %llu\npswpout %llu\nzswpin %llu\nzswpout %llu\nzswpwb %llu\n",
		    (unsigned long long)m->vm.pswpin, (unsigned long long)m->vm.pswpout, (unsigned long long)m->vm.zswpin,
		    (unsigned long long)m->vm.zswpout, (unsigned long long)m->vm.zswpwb);
	if (m->k.swap_zeromap)
		mmf_out_put(&o, "swpin_zero %llu\nswpout_zero %llu\n", (unsigned long long)m->vm.swpin_zero,
			    (unsigned long long)m->vm.swpout_zero);
	static const char *const tname[MMF_NR_ZONE_TYPES] = { "dma", "dma32", "normal", "high", "movable" };
	unsigned conf = m->prof->configured_zone_types;
	for (unsigned t = 0; t < MMF_NR_ZONE_TYPES; t++)
		if (conf & (1u << t))
			mmf_out_put(&o, "pgalloc_%s %lu\n", tname[t], pgalloc[t]);
	mmf_out_put(&o, "pgfree %lu\n", (unsigned long)m->vm.pgfree);
	for (unsigned t = 0; t < MMF_NR_ZONE_TYPES; t++)
		if (conf & (1u << t))
			mmf_out_put(&o, "allocstall_%s %lu\n", tname[t], (unsigned long)m->vm.allocstall[t]);
	const struct {
		const char *name;
		uint64_t v;
	} ev[] = {
		{ "pgactivate", m->vm.pgactivate },	    { "pgdeactivate", m->vm.pgdeactivate },
		{ "pgmajfault", m->vm.pgmajfault },	    { "pglazyfreed", m->vm.pglazyfreed },
		{ "pgrefill", m->vm.pgrefill },		    { "pgsteal_kswapd", m->vm.pgsteal_kswapd },
		{ "pgsteal_direct", m->vm.pgsteal_direct }, { "pgsteal_proactive", m->vm.pgsteal_proactive },
		{ "pgscan_kswapd", m->vm.pgscan_kswapd },   { "pgscan_direct", m->vm.pgscan_direct },
		{ "pgscan_anon", m->vm.pgscan_anon },	    { "pgscan_file", m->vm.pgscan_file },
		{ "pgsteal_anon", m->vm.pgsteal_anon },	    { "pgsteal_file", m->vm.pgsteal_file },
		{ "pageoutrun", m->vm.pageoutrun },	    { "drop_pagecache", m->vm.drop_pagecache },
		{ "drop_slab", m->vm.drop_slab },	    { "oom_kill", m->vm.oom_kill },
	};
	for (unsigned i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		mmf_out_put(&o, "%s %llu\n", ev[i].name, (unsigned long long)ev[i].v);
	if (m->cma) {
		uint64_t ok, bad;
		mmf_cma_vmstat(m, &ok, &bad);
		mmf_out_put(&o, "cma_alloc_success %llu\ncma_alloc_fail %llu\n", (unsigned long long)ok,
			    (unsigned long long)bad);
	}
	mmf_out_put(&o, "mmf_kswapd_wake %lu\n", (unsigned long)m->vm.kswapd_wake);
	if (m->as) {
		mmf_hugetlb_vmstat(m, &o);
		mmf_thp_vmstat(m, &o);
	}
	mmf_out_put(&o, "mmf_alloc_fail %lu\n", (unsigned long)m->vm.alloc_fail);
	mmf_out_put(&o, "mmf_pcp_drain %lu\n", (unsigned long)m->vm.pcp_drain);
	mmf_out_put(&o, "mmf_oom_no_victim %lu\n", (unsigned long)m->vm.oom_no_victim);
	return mmf_out_finish(&o);
}

/* si_mem_available(): free pages above the reserves, plus the part of the
 * file LRU and of reclaimable slab that reclaim could give back without
 * going below the low marks. */
static unsigned long mem_available(const struct mmf_machine *m, unsigned long free_pages)
{
	long wmark_low = 0, totalreserve = 0;
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct mmf_zone *z = &m->zones[zi];
		wmark_low += z->wmark[WMARK_LOW];
		long max = 0; /* calculate_totalreserve_pages() */
		for (unsigned t = z->type; t < MMF_NR_ZONE_TYPES; t++)
			if ((long)z->lowmem_reserve[t] > max)
				max = z->lowmem_reserve[t];
		max += z->wmark[WMARK_HIGH];
		if (max > (long)z->nr_pages)
			max = z->nr_pages;
		totalreserve += max;
	}
	long available = (long)free_pages - totalreserve;
	long pagecache = (long)(mmf_lru_pages(m, LRU_ACTIVE_FILE) + mmf_lru_pages(m, LRU_INACTIVE_FILE));
	pagecache -= pagecache / 2 < wmark_low ? pagecache / 2 : wmark_low;
	available += pagecache; /* no reclaimable slab in the model */
	return available < 0 ? 0 : (unsigned long)available;
}

/* /proc/meminfo (fs/proc/meminfo.c): each line a 16-column label and an
 * 8-column value in kB, in Linux's order. Only the lines the model has
 * numbers for; Buffers, Dirty and Writeback are always 0 (no block
 * devices, and shmem keeps no dirty accounting). */
int mmf_report_meminfo(const struct mmf_machine *m, char *buf, size_t cap)
{
	struct mmf_out o = { buf, cap, 0 };
	unsigned long kb = 1ul << (m->prof->page_shift - 10), free_pages = 0, cma_total = 0, cma_free = 0;
	unsigned long long ukb = 1ull << (m->as_shift - 10); /* a user page, or a slot */
	uint64_t slab, sunreclaim, vtotal, vused, vchunk;
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		free_pages += m->zones[zi].nr_free_pages;
		cma_total += m->zones[zi].cma_pages;
		cma_free += m->zones[zi].nr_free_cma;
	}
	mmf_slub_meminfo(m, &slab, &sunreclaim);
	mmf_vmalloc_meminfo(m, &vtotal, &vused, &vchunk);
	unsigned long long mlocked = m->as ? mmf_mlocked_pages(m) * (AS_PAGE_SIZE >> 10) : 0;
	struct user_pages u;
	count_user_pages(m, &u);
	unsigned long long aa = mmf_lru_pages(m, LRU_ACTIVE_ANON), ia = mmf_lru_pages(m, LRU_INACTIVE_ANON),
			   af = mmf_lru_pages(m, LRU_ACTIVE_FILE), inf = mmf_lru_pages(m, LRU_INACTIVE_FILE);
	const struct {
		const char *label;
		unsigned long long value;
	} lines[] = {
		{ "MemTotal:", (unsigned long long)m->managed_pages * kb },
		{ "MemFree:", (unsigned long long)free_pages * kb },
		{ "MemAvailable:", (unsigned long long)mem_available(m, free_pages) * kb },
		{ "Buffers:", 0 },
		{ "Cached:", u.shmem * ukb },
		{ "SwapCached:", mmf_nr_swapcache(m) * ukb },
		{ "Active:", (aa + af) * ukb },
		{ "Inactive:", (ia + inf) * ukb },
		{ "Active(anon):", aa * ukb },
		{ "Inactive(anon):", ia * ukb },
		{ "Active(file):", af * ukb },
		{ "Inactive(file):", inf * ukb },
		{ "Unevictable:", mmf_lru_pages(m, LRU_UNEVICTABLE) * ukb },
		{ "Mlocked:", mlocked },
		{ "SwapTotal:", mmf_total_swap_pages(m) * ukb },
		{ "SwapFree:", mmf_nr_swap_pages(m) * ukb },
		{ "Zswap:", mmf_zswap_pool_pages(m) * kb },
		{ "Zswapped:", mmf_zswap_stored_pages(m) * ukb },
		{ "Dirty:", 0 },
		{ "Writeback:", 0 },
		{ "AnonPages:", u.anon_mapped * ukb },
		{ "Mapped:", u.file_mapped * ukb },
		{ "Shmem:", u.shmem * ukb },
		{ "Slab:", (unsigned long long)slab },
		{ "SReclaimable:", 0 },
		{ "SUnreclaim:", (unsigned long long)sunreclaim },
		{ "PageTables:", (unsigned long long)m->nr_pagetables * kb },
		{ "VmallocTotal:", (unsigned long long)vtotal },
		{ "VmallocUsed:", (unsigned long long)vused },
		{ "VmallocChunk:", (unsigned long long)vchunk },
	};
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		mmf_out_kb(&o, lines[i].label, lines[i].value);
	if (m->as)
		mmf_thp_meminfo(m, &o); /* CONFIG_TRANSPARENT_HUGEPAGE */
	if (m->cma) { /* CONFIG_CMA */
		mmf_out_kb(&o, "CmaTotal:", (unsigned long long)cma_total * kb);
		mmf_out_kb(&o, "CmaFree:", (unsigned long long)cma_free * kb);
	}
	if (m->as)
		mmf_hugetlb_meminfo(m, &o); /* CONFIG_HUGETLB_PAGE */
	return mmf_out_finish(&o);
}
