/* Reports in the kernel's own text formats, so the model's output can be
 * laid beside a real kernel's: /proc/buddyinfo (mm/vmstat.c frag_show),
 * a /proc/zoneinfo subset (zoneinfo_show_print, Linux 6.1-6.12 layout) and
 * a /proc/vmstat subset. Known gaps in zoneinfo: zone types a node has no
 * pages in are not printed, nor the per-cpu "vm stats threshold" line. */
#include <stdarg.h>
#include <stdio.h>

#include "reference/mm.h"
#include "reference/slab.h"
#include "reference/vmalloc.h"

struct out {
	char *buf;
	size_t cap;
	size_t len;
};

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->cap ? o->cap - o->len : 0;
	int n = vsnprintf(o->buf + (room ? o->len : 0), room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static int finish(struct out *o)
{
	if (o->cap)
		o->buf[o->len < o->cap ? o->len : o->cap - 1] = 0;
	return (int)o->len;
}

int mmf_report_buddyinfo(const struct mmf_machine *m, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct mmf_zone *z = &m->zones[zi];
		put(&o, "Node %d, zone %8s ", z->node, mmf_zone_names[z->type]);
		for (unsigned ord = 0; ord < MMF_MAX_ORDER; ord++)
			put(&o, "%6lu ", (unsigned long)z->free_area[ord].nr_free);
		put(&o, "\n");
	}
	return finish(&o);
}

int mmf_report_zoneinfo(const struct mmf_machine *m, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct mmf_zone *z = &m->zones[zi];
		put(&o, "Node %d, zone %8s", z->node, mmf_zone_names[z->type]);
		put(&o, "\n  pages free     %lu", (unsigned long)z->nr_free_pages);
		put(&o, "\n        boost    %lu", 0ul);
		put(&o, "\n        min      %lu", (unsigned long)z->wmark[WMARK_MIN]);
		put(&o, "\n        low      %lu", (unsigned long)z->wmark[WMARK_LOW]);
		put(&o, "\n        high     %lu", (unsigned long)z->wmark[WMARK_HIGH]);
		put(&o, "\n        promo    %lu", (unsigned long)z->wmark[WMARK_PROMO]);
		put(&o, "\n        spanned  %lu", (unsigned long)z->nr_pages);
		put(&o, "\n        present  %lu", (unsigned long)z->nr_pages);
		put(&o, "\n        managed  %lu", (unsigned long)z->nr_pages);
		put(&o, "\n        cma      %lu", 0ul);
		const char *sep = "\n        protection: (";
		for (unsigned t = 0; t < MMF_NR_ZONE_TYPES; t++)
			if (m->prof->configured_zone_types & (1u << t)) {
				put(&o, "%s%ld", sep, (long)z->lowmem_reserve[t]);
				sep = ", ";
			}
		put(&o, ")");
		put(&o, "\n      %-12s %lu", "nr_free_pages", (unsigned long)z->nr_free_pages);
		put(&o, "\n  pagesets");
		for (unsigned c = 0; c < m->prof->nr_cpus; c++) {
			put(&o, "\n    cpu: %i", (int)c);
			put(&o, "\n              count: %i", (int)z->pcp[c].count);
			put(&o, "\n              high:  %i", (int)z->pcp[c].high);
			put(&o, "\n              batch: %i", (int)z->pcp[c].batch);
		}
		put(&o, "\n  node_unreclaimable:  %u", 0u);
		put(&o, "\n  start_pfn:           %lu", (unsigned long)z->start_pfn);
		put(&o, "\n");
	}
	return finish(&o);
}

/* Entries that exist in Linux's /proc/vmstat keep their names; the model's
 * own counters carry an mmf_ prefix. */
int mmf_report_vmstat(const struct mmf_machine *m, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	unsigned long nr_free = 0, pgalloc[MMF_NR_ZONE_TYPES] = { 0 };
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		nr_free += m->zones[zi].nr_free_pages;
		pgalloc[m->zones[zi].type] += (unsigned long)m->zones[zi].pgalloc;
	}
	put(&o, "nr_free_pages %lu\n", nr_free);
	static const char *const tname[MMF_NR_ZONE_TYPES] = { "dma", "dma32", "normal", "high", "movable" };
	unsigned conf = m->prof->configured_zone_types;
	for (unsigned t = 0; t < MMF_NR_ZONE_TYPES; t++)
		if (conf & (1u << t))
			put(&o, "pgalloc_%s %lu\n", tname[t], pgalloc[t]);
	put(&o, "pgfree %lu\n", (unsigned long)m->vm.pgfree);
	for (unsigned t = 0; t < MMF_NR_ZONE_TYPES; t++)
		if (conf & (1u << t))
			put(&o, "allocstall_%s %lu\n", tname[t], (unsigned long)m->vm.allocstall[t]);
	put(&o, "oom_kill %lu\n", (unsigned long)m->vm.oom_kill);
	put(&o, "mmf_kswapd_wake %lu\n", (unsigned long)m->vm.kswapd_wake);
	put(&o, "mmf_alloc_fail %lu\n", (unsigned long)m->vm.alloc_fail);
	put(&o, "mmf_pcp_drain %lu\n", (unsigned long)m->vm.pcp_drain);
	return finish(&o);
}

/* /proc/meminfo (fs/proc/meminfo.c): each line a 16-column label and an
 * 8-column value in kB. Only the lines the model has numbers for. */
int mmf_report_meminfo(const struct mmf_machine *m, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	unsigned long kb = 1ul << (m->prof->page_shift - 10), free_pages = 0;
	uint64_t slab, sunreclaim, vtotal, vused, vchunk;
	for (unsigned zi = 0; zi < m->nr_zones; zi++)
		free_pages += m->zones[zi].nr_free_pages;
	mmf_slub_meminfo(m, &slab, &sunreclaim);
	mmf_vmalloc_meminfo(m, &vtotal, &vused, &vchunk);
	const struct {
		const char *label;
		unsigned long long value;
	} lines[] = {
		{ "MemTotal:", (unsigned long long)m->managed_pages * kb },
		{ "MemFree:", (unsigned long long)free_pages * kb },
		{ "Slab:", (unsigned long long)slab },
		{ "SReclaimable:", 0 },
		{ "SUnreclaim:", (unsigned long long)sunreclaim },
		{ "PageTables:", 0 },
		{ "VmallocTotal:", (unsigned long long)vtotal },
		{ "VmallocUsed:", (unsigned long long)vused },
		{ "VmallocChunk:", (unsigned long long)vchunk },
	};
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		put(&o, "%-16s%8llu kB\n", lines[i].label, lines[i].value);
	return finish(&o);
}
