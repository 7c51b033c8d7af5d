/* The built-in adapters, and the checks any adapter table must pass. */
#include <stdio.h>
#include <string.h>

#include "mmfuzz/adapter.h"
#include "mmfuzz/kernel.h"

static const struct mmf_adapter *(*const builtins[])(void) = {
	mmf_adapter_reference,
	mmf_adapter_simple,
};

#define NR_BUILTINS (sizeof(builtins) / sizeof(builtins[0]))

unsigned mmf_builtin_adapter_count(void) { return NR_BUILTINS; }

const struct mmf_adapter *mmf_builtin_adapter(unsigned i)
{
	return i < NR_BUILTINS ? builtins[i]() : NULL;
}

const struct mmf_adapter *mmf_adapter_find(const char *name)
{
	for (unsigned i = 0; i < NR_BUILTINS; i++)
		if (strcmp(builtins[i]()->name, name) == 0)
			return builtins[i]();
	return NULL;
}

int mmf_adapter_validate(const struct mmf_adapter *ad, char *err, size_t cap)
{
	if (!ad) {
		snprintf(err, cap, "no adapter table");
		return -1;
	}
	if (ad->abi_version != MMF_ADAPTER_ABI_VERSION) {
		snprintf(err, cap, "adapter ABI version %u, this mmfuzz speaks %d", ad->abi_version,
			 MMF_ADAPTER_ABI_VERSION);
		return -1;
	}
	/* the table must hold every entry its capabilities promise (and
	 * those of the first families, read whatever it declares) */
	size_t need_size = MMF_ADAPTER_SIZE_BASE;
#define NEED(entry, capbits)                                                                                           \
	if ((ad->caps & (capbits)) && offsetof(struct mmf_adapter, entry) + sizeof(ad->entry) > need_size)             \
		need_size = offsetof(struct mmf_adapter, entry) + sizeof(ad->entry);
#define MMF_ENTRY(name, capbits, params) NEED(name, capbits)
#define MMF_ENTRY_OWN(name, capbits, ret, cparams) NEED(name, capbits)
#define MMF_DATA(type, name)
#include "mmfuzz/adapter.def"
#undef MMF_DATA
#undef MMF_ENTRY_OWN
#undef MMF_ENTRY
#undef NEED
	if (ad->size < need_size) {
		snprintf(err, cap, "adapter table is %u bytes, ABI %d with these capabilities needs %zu", ad->size,
			 MMF_ADAPTER_ABI_VERSION, need_size);
		return -1;
	}
	if (!ad->name || !*ad->name || strlen(ad->name) > 24 ||
	    strspn(ad->name, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(ad->name)) {
		snprintf(err, cap, "adapter name must be 1-24 characters of [a-z0-9_]");
		return -1;
	}
	if (!ad->create || !ad->destroy || !ad->reset) {
		snprintf(err, cap, "adapter %s lacks create, destroy or reset", ad->name);
		return -1;
	}
	const char *kernel = mmf_adapter_kernel(ad);
	struct mmf_kernel k;
	char why[160];
	mmf_kernel_defaults(NULL, &k);
	if (kernel && mmf_kernel_parse(kernel, &k, why, sizeof(why))) {
		snprintf(err, cap, "adapter %s declares its kernel wrongly: %s", ad->name, why);
		return -1;
	}
	/* every entry a capability promises is there (kmalloc for malloc too) */
#define HAS(entry, capbits)                                                                                            \
	if ((ad->caps & (capbits)) && !ad->entry) {                                                                    \
		snprintf(err, cap, "adapter %s declares the capability for %s but has no %s entry", ad->name, #entry,  \
			 #entry);                                                                                      \
		return -1;                                                                                             \
	}
#define MMF_ENTRY(name, capbits, params) HAS(name, capbits)
#define MMF_ENTRY_OWN(name, capbits, ret, cparams) HAS(name, capbits)
#define MMF_DATA(type, name)
#include "mmfuzz/adapter.def"
#undef MMF_DATA
#undef MMF_ENTRY_OWN
#undef MMF_ENTRY
	HAS(kmalloc, MMF_CAP_MALLOC)
#undef HAS
	for (unsigned f = 0; f < MMF_NR_FAMILIES; f++) {
		if (ad->level[f] > MMF_LEVEL_EXACT) {
			snprintf(err, cap, "adapter %s: bad comparison level %u", ad->name, ad->level[f]);
			return -1;
		}
	}
	/* A mutant's name becomes a folder under --out and a word in the
	 * reproducer's replay line: it must be safe as both. */
	for (unsigned i = 0; i < ad->nr_mutants; i++) {
		const char *m = ad->mutants ? ad->mutants[i].name : NULL;
		if (!m || !*m || strlen(m) > 40 || strspn(m, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(m)) {
			snprintf(err, cap, "adapter %s: mutant %u's name must be 1-40 characters of [a-z0-9_]", ad->name,
				 i);
			return -1;
		}
	}
	const char *const *known = ad->size >= MMF_ADAPTER_SIZE_KNOWN ? ad->known : NULL;
	for (unsigned i = 0; known && known[i]; i++) {
		const char *colon = strchr(known[i], ':'), *dash = strchr(known[i], '-');
		if (i >= MMF_MAX_KNOWN || !colon || !dash || dash > colon || !colon[1]) {
			snprintf(err, cap, "adapter %s: known difference %u must read \"op-check: reason\" (at most %d)",
				 ad->name, i, MMF_MAX_KNOWN);
			return -1;
		}
	}
	if ((ad->caps & MMF_CAP_PAGE_FLAT) && ad->level[MMF_FAM_PAGE] > MMF_LEVEL_SAFETY) {
		snprintf(err, cap,
			 "adapter %s: a zone-agnostic page allocator (MMF_CAP_PAGE_FLAT) is compared at safety level at "
			 "most, not %s (its answers are not Linux's zone placement)",
			 ad->name, mmf_level_name(ad->level[MMF_FAM_PAGE]));
		return -1;
	}
	if (ad->level[MMF_FAM_PAGE] != MMF_LEVEL_NONE && !(ad->caps & MMF_CAP_PAGE_ALLOC)) {
		snprintf(err, cap, "adapter %s is compared on the page family but lacks MMF_CAP_PAGE_ALLOC",
			 ad->name);
		return -1;
	}
	return 0;
}

const char *mmf_result_name(enum mmf_result r)
{
	switch (r) {
	case MMF_OK: return "ok";
	case MMF_REFUSED: return "refused";
	case MMF_UNSUPPORTED: return "unsupported";
	case MMF_CORRUPT: return "corrupt";
	}
	return "?";
}

const char *mmf_level_name(enum mmf_level l)
{
	switch (l) {
	case MMF_LEVEL_NONE: return "none";
	case MMF_LEVEL_SAFETY: return "safety";
	case MMF_LEVEL_SEMANTIC: return "semantic";
	case MMF_LEVEL_EXACT: return "exact";
	}
	return "?";
}
