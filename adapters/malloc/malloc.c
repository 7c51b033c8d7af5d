/* A real user-space allocator as a system under test: the object family
 * through malloc, free, realloc, calloc and malloc_usable_size, compared
 * with the oracle at safety level.
 *
 * One source, one agent program per allocator (mmfuzz-agent-glibc,
 * -jemalloc, -tcmalloc, -mimalloc), each linked so that its allocator owns
 * malloc in the whole process. Two real allocators cannot share a process,
 * nor can one share a process with AddressSanitizer's allocator, so these
 * adapters only ever run out of process: mmfuzz starts the agent, which
 * serves the adapter from a fork server (mmf_agent_main), whose forked
 * workers each serve sequences while they stay healthy: reset frees every
 * object the last sequence left live (the adapter keeps their addresses,
 * in memory of its own), which brings the allocator back to a state like
 * the one after create. The agents are built without sanitizers in every
 * build. create() checks that malloc really is the intended allocator
 * (dladdr on malloc names the library), so a link-order mistake cannot
 * test glibc four times.
 *
 * Mapping onto the object family (mmfuzz/adapter.h):
 *   kmalloc(size, gfp)   malloc(size), or calloc(1, size) with __GFP_ZERO
 *   kfree                free
 *   krealloc(p, size)    realloc(p, size); from NULL with __GFP_ZERO, calloc
 *   ksize                malloc_usable_size
 *   obj_write/obj_read   eight bytes at the address
 *   calloc, memalign     calloc; posix_memalign, aligned_alloc, memalign
 *
 * Where these allocators legitimately differ from the kernel's contract,
 * and from each other:
 *   malloc(0)      all four return a unique, freeable pointer (C allows
 *                  NULL too); the executor treats it as a live object of
 *                  size 0 and frees it with free().
 *   realloc(p, 0)  glibc frees p and returns NULL; jemalloc 5.3, tcmalloc
 *                  and mimalloc return a minimum-size block (C17 leaves it
 *                  implementation-defined, C23 undefined). The adapter
 *                  frees whatever realloc returned and answers the
 *                  kernel's ZERO_SIZE_PTR (16), as krealloc(p, 0) does, so
 *                  both behaviours are exercised and neither is a finding.
 *   alignment      malloc guarantees alignof(max_align_t) (16) for sizes
 *                  of 16 and more, and the alignment of any object that
 *                  fits for smaller ones; not the kernel's "a power-of-two
 *                  size is aligned to itself" (MMF_CAP_MALLOC says so).
 * Double free and use after free are not issued: none of the four
 * promises to detect them. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/agent.h"
#include "mmfuzz/gfp.h"

#ifndef MMF_MALLOC_NAME
#define MMF_MALLOC_NAME "glibc"
#endif
#ifndef MMF_MALLOC_ID /* 1 glibc, 2 jemalloc, 3 tcmalloc, 4 mimalloc */
#define MMF_MALLOC_ID 1
#endif
#ifndef MMF_MALLOC_LIB /* a substring of the library that must own malloc */
#define MMF_MALLOC_LIB "libc.so"
#endif

#define ZERO_SIZE_PTR 16u

struct ctx {
	int unused;
};

static enum mmf_result m_create(const struct mmf_adapter_config *cfg, void **ctx, char *err, size_t cap)
{
	(void)cfg;
	Dl_info info;
	void *(*volatile fn)(size_t) = malloc;
	if (!dladdr((void *)fn, &info) || !info.dli_fname || !strstr(info.dli_fname, MMF_MALLOC_LIB)) {
		snprintf(err, cap, "malloc in this agent comes from %s, not %s: the agent is linked wrongly",
			 info.dli_fname ? info.dli_fname : "?", MMF_MALLOC_LIB);
		return MMF_REFUSED;
	}
	static struct ctx c;
	*ctx = &c;
	return MMF_OK;
}

/* The live objects, so that reset can free them: an open-addressed set
 * of addresses in static memory (not the allocator's: its own state is
 * what is under test). Full, reset answers MMF_REFUSED and mmfuzz forks a
 * fresh worker instead. */
#define LIVE_CAP 8192u /* a power of two */
#define LIVE_GONE 1u   /* a deleted entry */
static uintptr_t live[LIVE_CAP];
static uint16_t used_at[LIVE_CAP / 2]; /* the entries ever filled since the last reset */
static unsigned nlive, nused, live_full;

static unsigned live_hash(uintptr_t p) { return (unsigned)((p >> 4) * 0x9E3779B1u) & (LIVE_CAP - 1); }

static void live_add(void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;
	if (!p || p == ZERO_SIZE_PTR)
		return;
	if (nused >= LIVE_CAP / 2) {
		live_full = 1;
		return;
	}
	unsigned i = live_hash(p);
	while (live[i] > LIVE_GONE)
		i = (i + 1) & (LIVE_CAP - 1);
	if (!live[i])
		used_at[nused++] = (uint16_t)i;
	live[i] = p;
	nlive++;
}

static void live_del(void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;
	if (!p || p == ZERO_SIZE_PTR)
		return;
	for (unsigned i = live_hash(p); live[i]; i = (i + 1) & (LIVE_CAP - 1))
		if (live[i] == p) {
			live[i] = LIVE_GONE;
			nlive--;
			return;
		}
}

static void m_destroy(void *ctx) { (void)ctx; }
static enum mmf_result m_reset(void *ctx)
{
	(void)ctx;
	for (unsigned k = 0; k < nused; k++) {
		uintptr_t *e = &live[used_at[k]];
		if (*e > LIVE_GONE)
			free((void *)*e);
		*e = 0;
	}
	nlive = nused = 0;
	if (live_full) { /* some objects were not recorded */
		live_full = 0;
		return MMF_REFUSED;
	}
	return MMF_OK;
}

static enum mmf_result m_kmalloc(void *ctx, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node, uint64_t *addr,
				 int *err)
{
	(void)ctx, (void)cpu, (void)node;
	void *p = (gfp & __GFP_ZERO) ? calloc(1, (size_t)size) : malloc((size_t)size);
	if (!p) {
		*err = errno ? errno : ENOMEM;
		return MMF_REFUSED;
	}
	live_add(p);
	*addr = (uintptr_t)p;
	return MMF_OK;
}

static enum mmf_result m_kfree(void *ctx, uint64_t addr, unsigned cpu)
{
	(void)ctx, (void)cpu;
	if (addr != ZERO_SIZE_PTR) {
		live_del((void *)(uintptr_t)addr);
		free((void *)(uintptr_t)addr);
	}
	return MMF_OK;
}

static enum mmf_result m_krealloc(void *ctx, uint64_t addr, uint64_t size, uint32_t gfp, unsigned cpu, unsigned node,
				  uint64_t *new_addr, int *err)
{
	(void)ctx, (void)cpu, (void)node;
	void *old = addr == ZERO_SIZE_PTR ? NULL : (void *)(uintptr_t)addr;
	errno = 0;
	void *p = !old && (gfp & __GFP_ZERO) ? calloc(1, (size_t)size) : realloc(old, (size_t)size);
	if (size == 0) {
		live_del(old);
		free(p); /* NULL (glibc) or a minimum-size block (the others) */
		*new_addr = ZERO_SIZE_PTR;
		return MMF_OK;
	}
	if (!p) {
		*err = errno ? errno : ENOMEM;
		return MMF_REFUSED;
	}
	live_del(old);
	live_add(p);
	*new_addr = (uintptr_t)p;
	return MMF_OK;
}

static enum mmf_result m_ksize(void *ctx, uint64_t addr, uint64_t *usable)
{
	(void)ctx;
	*usable = addr == ZERO_SIZE_PTR ? 0 : malloc_usable_size((void *)(uintptr_t)addr);
	return MMF_OK;
}

static enum mmf_result m_obj_write(void *ctx, uint64_t addr, uint64_t val)
{
	(void)ctx;
	memcpy((void *)(uintptr_t)addr, &val, sizeof(val));
	return MMF_OK;
}

static enum mmf_result m_obj_read(void *ctx, uint64_t addr, uint64_t *val)
{
	(void)ctx;
	memcpy(val, (const void *)(uintptr_t)addr, sizeof(*val));
	return MMF_OK;
}

static enum mmf_result m_calloc(void *ctx, uint64_t nmemb, uint64_t size, uint64_t *addr, int *err)
{
	(void)ctx;
	errno = 0;
	void *p = calloc((size_t)nmemb, (size_t)size);
	live_add(p);
	*addr = (uintptr_t)p;
	if (!p) {
		*err = errno;
		return MMF_REFUSED;
	}
	return MMF_OK;
}

static enum mmf_result m_memalign(void *ctx, unsigned kind, uint64_t align, uint64_t size, uint64_t *addr, int *err)
{
	(void)ctx;
	void *p = (void *)(uintptr_t)MMF_UNTOUCHED;
	errno = 0;
	if (kind == MMF_MEMALIGN_POSIX) {
		int e = posix_memalign(&p, (size_t)align, (size_t)size);
		if (!e)
			live_add(p);
		*addr = (uintptr_t)p;
		*err = e;
		return e ? MMF_REFUSED : MMF_OK;
	}
	p = kind == MMF_MEMALIGN_ALIGNED ? aligned_alloc((size_t)align, (size_t)size) : memalign((size_t)align, (size_t)size);
	live_add(p);
	*addr = (uintptr_t)p;
	*err = errno;
	return p ? MMF_OK : MMF_REFUSED;
}

/* Where each allocator parts from POSIX or C11, checked on Debian 12's
 * packages; each line names the check it excuses and why. */
static const char *const known[] = {
#if MMF_MALLOC_ID == 1 && __GLIBC__ == 2 && __GLIBC_MINOR__ < 38
	"aligned_alloc-bad_align: glibc before 2.38 treats aligned_alloc as memalign and rounds an alignment that is no "
	"power of two up (sourceware bug 20137, fixed in 2.38)",
#endif
#if MMF_MALLOC_ID == 3
	"calloc-errno: gperftools 2.10 returns NULL for an overflowing calloc without setting errno to ENOMEM",
	"aligned_alloc-bad_align: gperftools 2.10 implements aligned_alloc as memalign, which takes any alignment "
	"and rounds it up",
#endif
#if MMF_MALLOC_ID == 4
	"calloc-errno: mimalloc 2.0.9 returns NULL for an overflowing calloc without setting errno to ENOMEM",
	"realloc-errno: mimalloc 2.0.9 returns NULL for a realloc past any address space without setting errno",
	"aligned_alloc-bad_align: mimalloc 2.0.9 answers aligned_alloc(0, 0) with a block",
	/* a real bug, found by mmfuzz: kept visible in every report */
	"posix_memalign-alignment: mimalloc 2.0.9 misaligns blocks whose size equals an alignment of 256, 512 or "
	"1024 (microsoft/mimalloc#700, fixed after 2.0.9; e.g. posix_memalign(&p, 256, 256) gives ...180)",
	"aligned_alloc-alignment: mimalloc 2.0.9, size equal to alignment 256/512/1024 (microsoft/mimalloc#700)",
	"memalign-alignment: mimalloc 2.0.9, size equal to alignment 256/512/1024 (microsoft/mimalloc#700)",
#endif
	NULL,
};

static const struct mmf_adapter table = {
	.abi_version = MMF_ADAPTER_ABI_VERSION,
	.size = sizeof(struct mmf_adapter),
	.name = MMF_MALLOC_NAME,
	.description = MMF_MALLOC_NAME " malloc (real allocator, out of process)",
	.caps = MMF_CAP_KMALLOC | MMF_CAP_OBJ_CONTENTS | MMF_CAP_MALLOC,
	.level = { [MMF_FAM_OBJ] = MMF_LEVEL_SAFETY },
	.create = m_create,
	.destroy = m_destroy,
	.reset = m_reset,
	.kmalloc = m_kmalloc,
	.kfree = m_kfree,
	.krealloc = m_krealloc,
	.ksize = m_ksize,
	.obj_write = m_obj_write,
	.obj_read = m_obj_read,
	.calloc = m_calloc,
	.memalign = m_memalign,
	.known = known,
};

#ifdef MMF_MALLOC_PLUGIN
/* glibc's adapter as a plugin, for measuring the fork server's cost
 * against the same table in process (bench/bench_remote). */
const struct mmf_adapter *mmf_adapter_entry(void);
const struct mmf_adapter *mmf_adapter_entry(void) { return &table; }
#else
int main(void) { return mmf_agent_main(&table); }
#endif
