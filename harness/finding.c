/* Distinct abort sites per check, so fuzzing infrastructure that groups
 * crashes by stack keeps different bugs apart: each check the harness or
 * the reference's walkers can name has a function of its own, and any
 * other tag (an outside adapter's) lands in one of 16 sites by its hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/harness.h"

#define SITES(X)                                                              \
	X(range) X(alignment) X(zone) X(node) X(overlap) X(contents) X(zeroed)  \
	X(result) X(errno) X(corrupt) X(free_refused) X(unsupported) X(report)  \
	X(exact_pfn) X(exact_contents) X(exact_buddyinfo) X(exact_zoneinfo)     \
	X(exact_vmstat) X(exact_slabinfo) X(exact_meminfo) X(exact_vmallocinfo) X(exact_frames) X(buddy_bounds) X(buddy_accounting) X(buddy_counters)   \
	X(buddy_flags) X(buddy_alignment) X(buddy_unmerged) X(buddy_conservation) \
	X(list_links) X(list_corruption) X(bad_pfn) X(pcp_counters) X(pcp_high) \
	X(pcp_flags) X(alloc_alignment) X(alloc_counters) X(page_refcount)      \
	X(null) X(usable) X(reserve) X(unmapped) X(frame_shared) X(remapped) X(destroy_refused) \
	X(slub_freelist) X(slub_duplicate) X(slub_counters) X(slub_lists) X(slub_cpu) X(slub_pages)      \
	X(slub_redzone) X(slub_poison) X(slub_double_free) X(slub_bad_free) X(kfree_bad)                \
	X(vmalloc_augment) X(vmalloc_bounds) X(vmalloc_counters) X(vmalloc_guard) X(vmalloc_overlap)    \
	X(vmalloc_pages) X(vmalloc_pool) X(vmalloc_pte) X(vmalloc_tiling) X(vmalloc_tree)               \
	X(vmalloc_unmerged) X(vmalloc_vpages) X(mempool_reserve) X(invariant)                            \
	X(overflow) X(out_touched) X(bad_align) X(timeout) X(rlimit) X(sigsegv) X(sigbus) X(sigabrt)

/* Each body stores its own name first, so identical-code folding cannot
 * merge the sites; a debugger also finds the name there. */
const char *volatile mmf_abort_site;

#define DEFINE_SITE(name)                                                     \
	__attribute__((noinline, noreturn)) static void mmf_abort_##name(void) \
	{                                                                     \
		mmf_abort_site = #name;                                       \
		abort();                                                      \
	}
SITES(DEFINE_SITE)

#define OTHER(n)                                                               \
	__attribute__((noinline, noreturn)) static void mmf_abort_other_##n(void) \
	{                                                                      \
		mmf_abort_site = "other_" #n;                                  \
		abort();                                                       \
	}
OTHER(0) OTHER(1) OTHER(2) OTHER(3) OTHER(4) OTHER(5) OTHER(6) OTHER(7)
OTHER(8) OTHER(9) OTHER(10) OTHER(11) OTHER(12) OTHER(13) OTHER(14) OTHER(15)

static const struct {
	const char *check;
	void (*site)(void);
} sites[] = {
#define ENTRY(name) { #name, mmf_abort_##name },
	SITES(ENTRY)
};

static void (*const others[16])(void) = {
	mmf_abort_other_0, mmf_abort_other_1, mmf_abort_other_2, mmf_abort_other_3,
	mmf_abort_other_4, mmf_abort_other_5, mmf_abort_other_6, mmf_abort_other_7,
	mmf_abort_other_8, mmf_abort_other_9, mmf_abort_other_10, mmf_abort_other_11,
	mmf_abort_other_12, mmf_abort_other_13, mmf_abort_other_14, mmf_abort_other_15,
};

_Noreturn void mmf_finding_abort(const struct mmf_finding *f)
{
	for (unsigned i = 0; i < sizeof(sites) / sizeof(sites[0]); i++)
		if (!strcmp(sites[i].check, f->check))
			sites[i].site();
	unsigned h = 2166136261u;
	for (const char *c = f->check; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	others[h & 15]();
	abort();
}

int mmf_fuzz_one(struct mmf_exec *ex, const uint8_t *data, size_t size)
{
	static struct mmf_seq seq;
	/* The CLI's loader: raw bytes decode totally; a container must have a
	 * known version and text must parse, or the input is rejected. */
	struct mmf_diag d;
	if (mmf_seq_load(data, size, &seq, NULL, &d) != MMF_LOAD_OK)
		return -1;
	struct mmf_finding f;
	int r = mmf_exec_run(ex, &seq, &f);
	if (r < 0) {
		fprintf(stderr, "fuzz target: cannot run: %s\n", f.detail);
		exit(2);
	}
	if (r == 1) {
		fprintf(stderr, "%s\n  at op %u: %s\n", f.signature, f.step, f.detail);
		mmf_finding_abort(&f);
	}
	return 0;
}
