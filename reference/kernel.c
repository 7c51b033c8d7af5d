/* Kernel behaviour knobs (mmfuzz/kernel.h): one row per knob, and the text
 * form agents declare and reports print. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/kernel.h"

#define FIELD(f) offsetof(struct mmf_kernel, f), sizeof(((struct mmf_kernel *)0)->f)

static const struct row {
	const char *name;
	size_t off, size;
	uint64_t min, max;
	const char *const *words; /* value names, indexed by value; NULL: a number */
	const char *help;
} rows[] = {
	{ "zero_page", FIELD(zero_page), 0, 1, NULL,
	  "a read fault of private anonymous memory maps the shared zero page (1) or a page of its own (0)" },
	{ "exec_maps", FIELD(exec_maps), 0, 1, NULL,
	  "a not-present instruction fetch in a VMA without VM_EXEC maps the page before the NX fault (1, x86) "
	  "or faults at once (0, arm64)" },
	{ "soft_dirty", FIELD(soft_dirty), 0, 1, NULL, "CONFIG_MEM_SOFT_DIRTY: smaps' sd flag, pagemap bit 55" },
	{ "thp", FIELD(thp), 0, 2, (const char *const[]){ "never", "madvise", "always" },
	  "transparent huge pages of private anonymous memory as the process sees them (4 KiB pages only)" },
	{ "thp_zero_page", FIELD(thp_zero_page), 0, 1, NULL,
	  "a read fault THP would back maps the huge zero page (transparent_hugepage/use_zero_page)" },
	{ "thp_split_zero", FIELD(thp_split_zero), 0, 1, NULL,
	  "splitting a THP folio maps the zero page where a subpage holds only zeroes (1: Linux 6.12+) or keeps it (0)" },
	{ "pt_reclaim", FIELD(pt_reclaim), 0, 1, NULL,
	  "MADV_DONTNEED frees a pte table whose whole span it zaps (1: CONFIG_PT_RECLAIM, Linux 6.14+) or keeps it (0)" },
	{ "mprotect_batch", FIELD(mprotect_batch), 0, 1, NULL,
	  "mprotect gives a run of a THP folio's ptes the accessed and dirty bits any had (1: Linux 6.17+) or not (0)" },
	{ "thp_zero_wp", FIELD(thp_zero_wp), 0, 1, NULL,
	  "a write fault on the huge zero page maps a THP of its own (1: Linux 6.13+) or splits the PMD (0)" },
	{ "overcommit", FIELD(overcommit), 0, 2, NULL, "vm.overcommit_memory (2, strict, is not modelled)" },
	{ "fault_around_bytes", FIELD(fault_around_bytes), 1, 65536, NULL,
	  "file pages mapped around a read fault, in bytes (a power of two; a page or less: none)" },
	{ "mmap_min_addr", FIELD(mmap_min_addr), 0, UINT64_MAX, NULL,
	  "vm.mmap_min_addr (far below the ops' window: reported only)" },
	{ "memlock_kb", FIELD(memlock_kb), 0, MMF_MEMLOCK_UNLIMITED, NULL,
	  "RLIMIT_MEMLOCK in KiB, or unlimited (CAP_IPC_LOCK): mlock past it is ENOMEM, 0 is EPERM" },
	{ "vmflag_lf", FIELD(vmflag_lf), 0, 1, NULL, "smaps' VmFlags shows VM_LOCKONFAULT as lf (1) or not at all (0)" },
	{ "zap_rand_norecency", FIELD(zap_rand_norecency), 0, 1, NULL,
	  "unmapping a young file page under MADV_RANDOM leaves it unreferenced (1, Linux 6.3+: vma_has_recency) "
	  "or marks it accessed, as without (0); MADV_SEQUENTIAL leaves it unreferenced either way" },
	{ "swappiness", FIELD(swappiness), 0, 200, NULL, "vm.swappiness: reclaim's weight of anonymous against file pages" },
	{ "page_cluster", FIELD(page_cluster), 0, 6, NULL,
	  "vm.page-cluster: swap-in reads 2^page_cluster aligned slots around the one faulted on" },
	{ "swap_device_pages", FIELD(swap_device_pages), 0, 1u << 24, NULL,
	  "pages each swap device holds (0: as many as the machine has frames); a larger swapon is EINVAL" },
	{ "swap_async", FIELD(swap_async), 0, 1, NULL,
	  "swap writes complete after reclaim's pass, the page kept in the swap cache (1: a disk's swap file) or at "
	  "once, the page freed (0: zram, a ramdisk)" },
	{ "swap_zeromap", FIELD(swap_zeromap), 0, 1, NULL,
	  "a zero-filled page goes to swap as a bit, without a write or zswap, and comes back as zeroes (1: Linux "
	  "6.12+) or is written as any other page (0)" },
	{ "hugetlb_restore", FIELD(hugetlb_restore), 0, 1, NULL,
	  "unmapping a private hugetlb page from the mapping that reserved it gives the reservation back when the "
	  "page is freed (1: Linux 6.7+) or leaves it used (0)" },
	{ "zswap_enabled", FIELD(zswap_enabled), 0, 1, NULL, "zswap on at boot (the zswap op turns it on and off)" },
	{ "zswap_compressor", FIELD(zswap_compressor), 0, 1, (const char *const[]){ "lz4", "zstd" },
	  "zswap's compressor at boot" },
	{ "zswap_zpool", FIELD(zswap_zpool), 0, 2, (const char *const[]){ "zsmalloc", "zbud", "z3fold" },
	  "zswap's pool allocator at boot (zbud and z3fold: kernels before 6.13)" },
	{ "zswap_max_pool_percent", FIELD(zswap_max_pool_percent), 1, 100, NULL,
	  "zswap's pool limit in percent of memory" },
	{ "zswap_same_filled", FIELD(zswap_same_filled), 0, 1, NULL,
	  "zswap keeps a page of one repeated word as that word (1, up to 6.11) or only a zero-filled one (0, 6.12+)" },
	{ "sys_resource", FIELD(sys_resource), 0, 1, NULL,
	  "the ops' processes have CAP_SYS_RESOURCE: oom_score_adj may go below its floor (else EACCES)" },
};
#define NR_ROWS (sizeof(rows) / sizeof(rows[0]))

unsigned mmf_kernel_nr_knobs(void) { return NR_ROWS; }

const char *mmf_kernel_knob(unsigned i, const char **help)
{
	if (i >= NR_ROWS)
		return NULL;
	if (help)
		*help = rows[i].help;
	return rows[i].name;
}

static uint64_t get(const struct mmf_kernel *k, const struct row *r)
{
	const char *p = (const char *)k + r->off;
	switch (r->size) {
	case 1: return *(const uint8_t *)p;
	case 4: return *(const uint32_t *)p;
	default: return *(const uint64_t *)p;
	}
}

static void set(struct mmf_kernel *k, const struct row *r, uint64_t v)
{
	char *p = (char *)k + r->off;
	switch (r->size) {
	case 1: *(uint8_t *)p = (uint8_t)v; break;
	case 4: *(uint32_t *)p = (uint32_t)v; break;
	default: *(uint64_t *)p = v; break;
	}
}

void mmf_kernel_defaults(const struct mmf_profile *p, struct mmf_kernel *k)
{
	/* x86-64 Linux as distributions configure it */
	*k = (struct mmf_kernel){
		.zero_page = 1,
		.exec_maps = 1,
		.soft_dirty = p && p->soft_dirty,
		.thp = p && mmf_profile_as_shift(p) == 12 ? 1 : 0, /* madvise, as Debian and most distributions build it */
		.thp_zero_page = 1,
		.thp_zero_wp = 1,
		.thp_split_zero = 1,
		.overcommit = 0,
		.fault_around_bytes = 65536,
		.mmap_min_addr = 65536,
		.memlock_kb = 8192, /* Debian's default RLIMIT_MEMLOCK */
		.vmflag_lf = 1,
		.zap_rand_norecency = 1,
		.swappiness = 60,
		.page_cluster = 3,
		.zswap_max_pool_percent = 20,
		.zswap_same_filled = 1,
		.sys_resource = 1,
		.hugetlb_restore = 1,
	};
}

int mmf_kernel_parse(const char *text, struct mmf_kernel *k, char *err, size_t cap)
{
	struct mmf_kernel n = *k;
	for (const char *s = text ? text : ""; *s;) {
		s += strspn(s, " \t\n");
		if (!*s)
			break;
		size_t len = strcspn(s, " \t\n"), nl = strcspn(s, "=");
		if (nl >= len) {
			snprintf(err, cap, "kernel knob '%.*s' has no value (name=value)", (int)len, s);
			return -1;
		}
		const struct row *r = NULL;
		for (unsigned i = 0; i < NR_ROWS && !r; i++)
			if (strlen(rows[i].name) == nl && !strncmp(rows[i].name, s, nl))
				r = &rows[i];
		if (!r) {
			snprintf(err, cap, "unknown kernel knob '%.*s'", (int)nl, s);
			return -1;
		}
		char val[32];
		size_t vl = len - nl - 1;
		if (vl == 0 || vl >= sizeof(val)) {
			snprintf(err, cap, "kernel knob %s: bad value", r->name);
			return -1;
		}
		memcpy(val, s + nl + 1, vl);
		val[vl] = 0;
		uint64_t v = 0;
		int found = 0;
		for (uint64_t w = 0; r->words && w <= r->max; w++)
			if (!strcmp(r->words[w], val))
				v = w, found = 1;
		if (!found && r->max == MMF_MEMLOCK_UNLIMITED && !strcmp(val, "unlimited"))
			v = r->max, found = 1;
		if (!found) {
			char *end;
			v = strtoull(val, &end, 0);
			if (*end || val[0] == '-') {
				snprintf(err, cap, "kernel knob %s: bad value '%s'", r->name, val);
				return -1;
			}
		}
		if (v < r->min || v > r->max || (!strcmp(r->name, "fault_around_bytes") && (v & (v - 1)))) {
			snprintf(err, cap, "kernel knob %s: value '%s' out of range", r->name, val);
			return -1;
		}
		set(&n, r, v);
		s += len;
	}
	*k = n;
	return 0;
}

int mmf_kernel_format(const struct mmf_kernel *k, char *buf, size_t cap)
{
	size_t n = 0;
	if (cap)
		buf[0] = 0;
	for (unsigned i = 0; i < NR_ROWS; i++) {
		uint64_t v = get(k, &rows[i]);
		const char *word = rows[i].words			      ? rows[i].words[v]
				   : rows[i].max == MMF_MEMLOCK_UNLIMITED && v == rows[i].max ? "unlimited"
											   : NULL;
		int w = word ? snprintf(buf + (n < cap ? n : cap), n < cap ? cap - n : 0, "%s%s=%s", i ? " " : "",
					rows[i].name, word)
				      : snprintf(buf + (n < cap ? n : cap), n < cap ? cap - n : 0, "%s%s=%llu", i ? " " : "",
						 rows[i].name, (unsigned long long)v);
		n += w > 0 ? (size_t)w : 0;
	}
	return (int)n;
}

int mmf_kernel_modelled(const struct mmf_kernel *k, char *err, size_t cap)
{
	if (k->overcommit == 2) {
		snprintf(err, cap, "strict overcommit (vm.overcommit_memory=2) is not modelled");
		return -1;
	}
	return 0;
}
