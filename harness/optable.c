/* The append-only opcode table and field canonicalisation. */
#include "harness/optable.h"
#include "mmfuzz/gfp.h"
#include "mmfuzz/profile.h"

#define F(n, l, k) { n, LOC_##l, FK_##k }

const struct mmf_opdesc mmf_optable[MMF_NR_OPCODES] = {
	[MMF_OP_NOP] = { "nop", MMF_FAM_PAGE, 0, { { 0 } }, "does nothing; dropped when decoding" },
	[MMF_OP_ALLOC_PAGES] = { "alloc_pages", MMF_FAM_PAGE, 5,
		{ F("slot", SLOT, SLOT), F("order", A, ORDER), F("gfp", ARG, GFP),
		  F("cpu", B_LO, CPU), F("node", B_HI, NODE) },
		"alloc_pages_node(node, gfp, order) on cpu into an empty slot" },
	[MMF_OP_FREE_PAGES] = { "free_pages", MMF_FAM_PAGE, 2,
		{ F("slot", SLOT, SLOT), F("cpu", B_LO, CPU) },
		"__free_pages() of the slot's block on cpu" },
	[MMF_OP_WRITE_PAGE] = { "write_page", MMF_FAM_PAGE, 3,
		{ F("slot", SLOT, SLOT), F("page", ARG, PAGE), F("token", A, U8) },
		"store a fresh token in page (modulo the block's size) of the slot" },
	[MMF_OP_READ_PAGE] = { "read_page", MMF_FAM_PAGE, 2,
		{ F("slot", SLOT, SLOT), F("page", ARG, PAGE) },
		"load the token of page (modulo the block's size) and check it" },
	[MMF_OP_DRAIN_PCP] = { "drain_pcp", MMF_FAM_PAGE, 1,
		{ F("cpu", B_LO, CPU) },
		"drain_pages(cpu): every zone's per-cpu list back to the buddy" },
	[MMF_OP_REPORT] = { "report", MMF_FAM_PAGE, 1,
		{ F("kind", A, REPORT) },
		"read a /proc report; compared exactly where the adapter is exact" },
	[MMF_OP_CHECK] = { "check", MMF_FAM_PAGE, 0, { { 0 } },
		"run every adapter's full invariant walk now" },
	[MMF_OP_KMALLOC] = { "kmalloc", MMF_FAM_OBJ, 5,
		{ F("slot", SLOT, SLOT), F("size", ARG, OSIZE), F("gfp", A, GFPSEL), F("cpu", B_LO, CPU),
		  F("node", B_HI, NODE) },
		"kmalloc_node(size, gfp, node) on cpu into an empty object slot" },
	[MMF_OP_KFREE] = { "kfree", MMF_FAM_OBJ, 2, { F("slot", SLOT, SLOT), F("cpu", B_LO, CPU) },
		"kfree() of the slot's object on cpu" },
	[MMF_OP_KREALLOC] = { "krealloc", MMF_FAM_OBJ, 5,
		{ F("slot", SLOT, SLOT), F("size", ARG, OSIZE), F("gfp", A, GFPSEL), F("cpu", B_LO, CPU),
		  F("node", B_HI, NODE) },
		"krealloc() of the slot's object (kmalloc when the slot is empty)" },
	[MMF_OP_KSIZE] = { "ksize", MMF_FAM_OBJ, 1, { F("slot", SLOT, SLOT) },
		"ksize(): usable size, at least the size asked for" },
	[MMF_OP_OBJ_WRITE] = { "obj_write", MMF_FAM_OBJ, 3,
		{ F("slot", SLOT, SLOT), F("word", ARG, WORD), F("token", A, U8) },
		"store a fresh token in 8-byte word (modulo the object's size) of the slot" },
	[MMF_OP_OBJ_READ] = { "obj_read", MMF_FAM_OBJ, 2, { F("slot", SLOT, SLOT), F("word", ARG, WORD) },
		"load a word of the slot's object and check it" },
	[MMF_OP_CACHE_CREATE] = { "cache_create", MMF_FAM_OBJ, 4,
		{ F("cache", SLOT, CSLOT), F("size", ARG, CSIZE), F("align", A, ALIGN), F("flags", B_LO, SLABFLAGS) },
		"kmem_cache_create(\"mmf-cache-N\", size, align, flags, ctor) into an empty cache slot" },
	[MMF_OP_CACHE_DESTROY] = { "cache_destroy", MMF_FAM_OBJ, 1, { F("cache", SLOT, CSLOT) },
		"kmem_cache_destroy(); refused (EBUSY) while objects are live" },
	[MMF_OP_CACHE_ALLOC] = { "cache_alloc", MMF_FAM_OBJ, 5,
		{ F("slot", SLOT, SLOT), F("cache", A, CSLOT), F("gfp", ARG, GFPSEL), F("cpu", B_LO, CPU),
		  F("node", B_HI, NODE) },
		"kmem_cache_alloc_node() from a cache slot into an empty object slot" },
	[MMF_OP_CACHE_FREE] = { "cache_free", MMF_FAM_OBJ, 2, { F("slot", SLOT, SLOT), F("cpu", B_LO, CPU) },
		"kmem_cache_free() of the slot's object to the cache it came from" },
	[MMF_OP_VMALLOC] = { "vmalloc", MMF_FAM_VMALLOC, 5,
		{ F("slot", SLOT, SLOT), F("size", ARG, VSIZE), F("gfp", A, GFPSEL), F("cpu", B_LO, CPU),
		  F("node", B_HI, NODE) },
		"__vmalloc_node(size, gfp, node) on cpu into an empty area slot" },
	[MMF_OP_VFREE] = { "vfree", MMF_FAM_VMALLOC, 2, { F("slot", SLOT, SLOT), F("cpu", B_LO, CPU) },
		"vfree() of the slot's area" },
	[MMF_OP_VWRITE] = { "vwrite", MMF_FAM_VMALLOC, 3,
		{ F("slot", SLOT, SLOT), F("page", ARG, PAGE), F("token", A, U8) },
		"store a fresh token in page (modulo the area's pages) of the slot's area" },
	[MMF_OP_VREAD] = { "vread", MMF_FAM_VMALLOC, 2, { F("slot", SLOT, SLOT), F("page", ARG, PAGE) },
		"load a page's token through the area and check it" },
	[MMF_OP_VMALLOC_TO_PAGE] = { "vmalloc_to_page", MMF_FAM_VMALLOC, 2,
		{ F("slot", SLOT, SLOT), F("page", ARG, PAGE) },
		"vmalloc_to_page(): the frame behind a page of the area" },
	[MMF_OP_MEMPOOL_CREATE] = { "mempool_create", MMF_FAM_OBJ, 5,
		{ F("pool", SLOT, PSLOT), F("min_nr", A, MINNR), F("size", ARG, OSIZE), F("cpu", B_LO, CPU),
		  F("node", B_HI, NODE) },
		"mempool_create_kmalloc_pool(min_nr, size) into an empty pool slot" },
	[MMF_OP_MEMPOOL_DESTROY] = { "mempool_destroy", MMF_FAM_OBJ, 2, { F("pool", SLOT, PSLOT), F("cpu", B_LO, CPU) },
		"mempool_destroy(): the reserve goes back to kfree" },
	[MMF_OP_MEMPOOL_ALLOC] = { "mempool_alloc", MMF_FAM_OBJ, 5,
		{ F("slot", SLOT, SLOT), F("pool", A, PSLOT), F("gfp", ARG, GFPSEL), F("cpu", B_LO, CPU),
		  F("node", B_HI, NODE) },
		"mempool_alloc() into an empty object slot; never fails while fewer than min_nr are out" },
	[MMF_OP_MEMPOOL_FREE] = { "mempool_free", MMF_FAM_OBJ, 2, { F("slot", SLOT, SLOT), F("cpu", B_LO, CPU) },
		"mempool_free() of the slot's element to its pool" },
	[MMF_OP_CMA_ALLOC] = { "cma_alloc", MMF_FAM_PAGE, 5,
		{ F("slot", SLOT, SLOT), F("area", A, CMAAREA), F("count", ARG, CMACOUNT), F("align", B_HI, CMAALIGN),
		  F("cpu", B_LO, CPU) },
		"cma_alloc(area, count, align) into an empty CMA slot; borrowed pages migrate out first" },
	[MMF_OP_CMA_RELEASE] = { "cma_release", MMF_FAM_PAGE, 1, { F("slot", SLOT, SLOT) },
		"cma_release() of the CMA slot's whole range" },
	[MMF_OP_PIN_PAGE] = { "pin_page", MMF_FAM_PAGE, 1, { F("slot", SLOT, SLOT) },
		"get_page() on the slot's block by a second user: it cannot migrate while pinned" },
	[MMF_OP_UNPIN_PAGE] = { "unpin_page", MMF_FAM_PAGE, 1, { F("slot", SLOT, SLOT) },
		"put_page() of one pin; freeing a slot drops its pins first" },
	[MMF_OP_MMAP] = { "mmap", MMF_FAM_AS, 5,
		{ F("proc", B_HI, PROC), F("start", W0, VPAGE), F("npages", W1, NPAGES), F("prot", B_LO, PROT),
		  F("flags", A, MMAPFLAGS) },
		"anonymous mmap() in a process: at start with FIXED/FIXED_NOREPLACE/HINT, else where the kernel chooses" },
	[MMF_OP_MUNMAP] = { "munmap", MMF_FAM_AS, 3,
		{ F("proc", B_HI, PROC), F("start", W0, VPAGE), F("npages", W1, NPAGES) },
		"munmap() of a page range (holes are fine)" },
	[MMF_OP_MPROTECT] = { "mprotect", MMF_FAM_AS, 4,
		{ F("proc", B_HI, PROC), F("start", W0, VPAGE), F("npages", W1, NPAGES), F("prot", B_LO, PROT) },
		"mprotect() of a page range; ENOMEM over a hole" },
	[MMF_OP_PROC_REPORT] = { "proc_report", MMF_FAM_AS, 2, { F("proc", B_HI, PROC), F("kind", A, PREPORT) },
		"read /proc/PID/maps, smaps or pagemap of a process; compared where the adapter is semantic or exact" },
	[MMF_OP_MEM_READ] = { "mem_read", MMF_FAM_AS, 2, { F("proc", B_HI, PROC), F("page", W0, VPAGE) },
		"load a page of a process: the XOR of its 512 words, or the fault (SIGSEGV, SIGBUS)" },
	[MMF_OP_MEM_WRITE] = { "mem_write", MMF_FAM_AS, 3,
		{ F("proc", B_HI, PROC), F("page", W0, VPAGE), F("token", A, U8) },
		"XOR a fresh token into word (token % 512) of a page of a process, or fault" },
	[MMF_OP_FORK] = { "fork", MMF_FAM_AS, 2, { F("proc", B_HI, PROC), F("child", B_LO, PROC) },
		"fork() of a process into an unused process slot: copy-on-write private memory, shared shmem" },
	[MMF_OP_EXIT] = { "exit", MMF_FAM_AS, 1, { F("proc", B_HI, PROC) },
		"exit() of a process: every mapping and page table goes" },
	[MMF_OP_MADVISE] = { "madvise", MMF_FAM_AS, 4,
		{ F("proc", B_HI, PROC), F("start", W0, VPAGE), F("npages", W1, NPAGES), F("advice", A, ADVICE) },
		"madvise() of a page range; ENOMEM over holes (after advising the rest)" },
	[MMF_OP_BRK] = { "brk", MMF_FAM_AS, 2, { F("proc", B_HI, PROC), F("page", W0, VPAGE) },
		"brk() to the start of a window page; the heap starts at page 1024" },
	[MMF_OP_MREMAP] = { "mremap", MMF_FAM_AS, 6,
		{ F("proc", B_HI, PROC), F("start", W0, VPAGE), F("npages", SLOT, U8), F("new_npages", A, U8),
		  F("new_start", W1, VPAGE), F("flags", B_LO, MREMAPFLAGS) },
		"mremap() of up to 255 pages: grow or shrink in place, or move (MAYMOVE, FIXED to new_start, DONTUNMAP)" },
	[MMF_OP_RMAP] = { "rmap", MMF_FAM_AS, 2, { F("proc", B_HI, PROC), F("page", W0, VPAGE) },
		"reverse mapping: every process and address mapping the frame behind a page" },
	[MMF_OP_FTRUNCATE] = { "ftruncate", MMF_FAM_AS, 2, { F("file", B_LO, FILE), F("npages", W0, NPAGES) },
		"ftruncate() of a file to npages pages: shrinking unmaps the pages past the end everywhere" },
	[MMF_OP_MMAP_FILE] = { "mmap_file", MMF_FAM_AS, 7,
		{ F("proc", B_HI, PROC), F("start", W0, VPAGE), F("npages", W1, NPAGES), F("prot", B_LO, PROT),
		  F("flags", A_LO6, MMAPFLAGS), F("file", A_HI2, FILE), F("pgoff", SLOT, U8) },
		"mmap() of a file from page pgoff: SHARED writes reach the page cache, private ones copy on write" },
	[MMF_OP_MMAP_PFN] = { "mmap_pfn", MMF_FAM_AS, 6,
		{ F("proc", B_HI, PROC), F("start", W0, VPAGE), F("npages", W1, NPAGES), F("prot", B_LO, PROT),
		  F("flags", A, MMAPFLAGS), F("pgoff", SLOT, U8) },
		"mmap() of the PFN device: remap_pfn_range() of its buffer (shared mappings only, VM_PFNMAP)" },
	[MMF_OP_CLEAR_REFS] = { "clear_refs", MMF_FAM_AS, 2, { F("proc", B_HI, PROC), F("value", B_LO, CLEARREFS) },
		"write to /proc/PID/clear_refs: 1-3 clear referenced bits, 4 soft-dirty bits, 5 peak RSS" },
	[MMF_OP_MEM_EXEC] = { "mem_exec", MMF_FAM_AS, 2, { F("proc", B_HI, PROC), F("page", W0, VPAGE) },
		"fetch an instruction from a page of a process: the fault (SIGSEGV without PROT_EXEC, SIGBUS) or none" },
	[MMF_OP_CALLOC] = { "calloc", MMF_FAM_OBJ, 4,
		{ F("slot", SLOT, SLOT), F("n", W0, U16), F("n_shift", A, SHIFT), F("size", W1, U16) },
		"calloc(n << n_shift, size) into an empty object slot: zeroed, or refused (ENOMEM) when n * size overflows" },
	[MMF_OP_MEMALIGN] = { "memalign", MMF_FAM_OBJ, 5,
		{ F("slot", SLOT, SLOT), F("kind", B_LO, MEMALIGN), F("align", A, MALIGN), F("size", ARG, U32),
		  F("size_shift", B_HI, NIBBLE) },
		"posix_memalign/aligned_alloc/memalign(align, size << 4*size_shift) into an empty object slot" },
	[MMF_OP_REALLOC] = { "realloc", MMF_FAM_OBJ, 3,
		{ F("slot", SLOT, SLOT), F("size", ARG, U32), F("size_shift", B_LO, NIBBLE) },
		"realloc() of the slot's object to size << 4*size_shift (malloc when empty); a refusal keeps the block" },
};

static const uint32_t gfp_sel[MMF_GFP_SEL_RANGE] = {
	GFP_KERNEL, GFP_KERNEL | __GFP_ZERO, GFP_ATOMIC, GFP_NOWAIT,
	GFP_KERNEL | __GFP_DMA, GFP_KERNEL | __GFP_DMA32, GFP_ATOMIC | __GFP_ZERO, GFP_NOWAIT | __GFP_ZERO,
	GFP_KERNEL | __GFP_NORETRY, GFP_KERNEL | __GFP_THISNODE, GFP_USER, GFP_KERNEL | __GFP_HIGH,
	GFP_NOIO, GFP_NOFS, GFP_KERNEL | __GFP_RETRY_MAYFAIL, GFP_KERNEL | __GFP_MEMALLOC,
};

uint32_t mmf_gfp_sel(unsigned index) { return gfp_sel[index % MMF_GFP_SEL_RANGE]; }

uint32_t mmf_field_get(const struct mmf_op *op, unsigned loc)
{
	switch (loc) {
	case LOC_SLOT: return op->slot;
	case LOC_A: return op->a;
	case LOC_B_LO: return op->b & 0x0f;
	case LOC_B_HI: return op->b >> 4;
	case LOC_W0: return op->arg & 0xffff;
	case LOC_W1: return op->arg >> 16;
	case LOC_A_LO6: return op->a & 0x3f;
	case LOC_A_HI2: return op->a >> 6;
	default: return op->arg;
	}
}

void mmf_field_set(struct mmf_op *op, unsigned loc, uint32_t v)
{
	switch (loc) {
	case LOC_SLOT: op->slot = (uint8_t)v; break;
	case LOC_A: op->a = (uint8_t)v; break;
	case LOC_B_LO: op->b = (uint8_t)((op->b & 0xf0) | (v & 0x0f)); break;
	case LOC_B_HI: op->b = (uint8_t)((op->b & 0x0f) | ((v & 0x0f) << 4)); break;
	case LOC_W0: op->arg = (op->arg & 0xffff0000u) | (v & 0xffff); break;
	case LOC_W1: op->arg = (op->arg & 0xffffu) | (v << 16); break;
	case LOC_A_LO6: op->a = (uint8_t)((op->a & 0xc0) | (v & 0x3f)); break;
	case LOC_A_HI2: op->a = (uint8_t)((op->a & 0x3f) | ((v & 3) << 6)); break;
	default: op->arg = v; break;
	}
}

uint32_t mmf_field_range(unsigned kind, unsigned profile)
{
	const struct mmf_profile *p = mmf_profile_get(profile);
	switch (kind) {
	case FK_SLOT: return MMF_NSLOTS;
	case FK_ORDER: return MMF_MAX_ORDER;
	case FK_CPU: return p->nr_cpus;
	case FK_NODE: return p->nr_nodes;
	case FK_PAGE: return 1u << (MMF_MAX_ORDER - 1);
	case FK_U8: return 256;
	case FK_REPORT: return MMF_REPORT_RANGE;
	case FK_OSIZE: return 144u << 10;
	case FK_GFPSEL: return MMF_GFP_SEL_RANGE;
	case FK_WORD: return 16384;
	case FK_CSLOT: return MMF_NCACHES;
	case FK_CSIZE: return 32769;
	case FK_ALIGN: return 13;
	case FK_SLABFLAGS: return 16;
	case FK_VSIZE: return (4u << 20) + 1;
	case FK_PSLOT: return MMF_NPOOLS;
	case FK_MINNR: return 33;
	case FK_CMAAREA: return MMF_CMA_AREA_RANGE;
	case FK_CMACOUNT: return MMF_CMA_COUNT_RANGE;
	case FK_CMAALIGN: return 16;
	case FK_PROC: return MMF_NPROCS;
	case FK_VPAGE: return MMF_AS_WINDOW_PAGES;
	case FK_NPAGES: return MMF_AS_WINDOW_PAGES + 1;
	case FK_PROT: return 8;
	case FK_MMAPFLAGS: return 64;
	case FK_PREPORT: return MMF_PROC_REPORT_RANGE;
	case FK_ADVICE: return 32;
	case FK_MREMAPFLAGS: return 8;
	case FK_FILE: return MMF_NFILES;
	case FK_CLEARREFS: return 8;
	case FK_U16: return 65536;
	case FK_SHIFT: return 64;
	case FK_MEMALIGN: return 3;
	case FK_MALIGN: return 256;
	case FK_U32: return 0;
	case FK_NIBBLE: return 16;
	default: return 0;
	}
}

void mmf_op_bounds(unsigned code, unsigned profile, struct mmf_op_bounds *b)
{
	uint64_t *loc[MMF_NR_LOCS] = { &b->slot, &b->a, &b->b_lo, &b->b_hi, &b->arg, &b->w0, &b->w1, &b->a_lo6, &b->a_hi2 };
	for (unsigned i = 0; i < MMF_NR_LOCS; i++)
		*loc[i] = 1;
	b->gfp_arg = 0;
	if (code >= MMF_NR_OPCODES)
		return;
	const struct mmf_opdesc *d = &mmf_optable[code];
	for (unsigned i = 0; i < d->nfields; i++) {
		uint32_t range = mmf_field_range(d->f[i].kind, profile);
		if (d->f[i].kind == FK_GFP) {
			range = 0;
			b->gfp_arg = 1; /* FK_GFP fields live in the arg */
		}
		*loc[d->f[i].loc] = range ? range : 1ull << 32;
	}
	/* An op with 16-bit halves has no whole arg, and the other way round. */
	if (b->w0 > 1 || b->w1 > 1)
		b->arg = 1ull << 32;
	else if (b->arg > 1)
		b->w0 = b->w1 = 1ull << 16;
	/* The same for the a byte and its two parts. */
	if (b->a_lo6 > 1 || b->a_hi2 > 1)
		b->a = 256;
	else if (b->a > 1)
		b->a_lo6 = 64, b->a_hi2 = 4;
}

int mmf_op_within(const struct mmf_op *op, const struct mmf_op_bounds *b)
{
	return op->slot < b->slot && op->a < b->a && (op->b & 0x0fu) < b->b_lo && (op->b >> 4) < b->b_hi &&
	       op->arg < b->arg && (op->arg & 0xffff) < b->w0 && (op->arg >> 16) < b->w1 &&
	       (op->a & 0x3fu) < b->a_lo6 && (op->a >> 6) < b->a_hi2 &&
	       (!b->gfp_arg || mmf_gfp_canonical(op->arg) == op->arg);
}

int mmf_family_enabled(uint16_t swarm, unsigned family)
{
	uint16_t known = (uint16_t)((1u << MMF_NR_FAMILIES) - 1);
	return (swarm & known) == 0 ? swarm == 0 : (swarm >> family) & 1;
}

int mmf_op_canonical(struct mmf_op *op, unsigned profile, uint16_t swarm)
{
	struct mmf_op in = *op;
	unsigned code = in.code % MMF_NR_OPCODES;
	if (code == MMF_OP_NOP)
		return 0;
	const struct mmf_opdesc *d = &mmf_optable[code];
	if (!mmf_family_enabled(swarm, d->family))
		return 0;
	struct mmf_op out = { .code = (uint8_t)code };
	for (unsigned i = 0; i < d->nfields; i++) {
		uint32_t v = mmf_field_get(&in, d->f[i].loc);
		if (d->f[i].kind == FK_GFP)
			v = mmf_gfp_canonical(v);
		else {
			uint32_t range = mmf_field_range(d->f[i].kind, profile);
			if (range)
				v %= range;
		}
		mmf_field_set(&out, d->f[i].loc, v);
	}
	*op = out;
	return 1;
}

const char *mmf_op_name(unsigned code)
{
	return code < MMF_NR_OPCODES ? mmf_optable[code].name : "?";
}

unsigned mmf_op_family(unsigned code)
{
	return code < MMF_NR_OPCODES ? mmf_optable[code].family : 0;
}

const char *mmf_family_name(unsigned family)
{
	static const char *const names[MMF_NR_FAMILIES] = { "page", "obj", "vmalloc", "as" };
	return family < MMF_NR_FAMILIES ? names[family] : "?";
}

const char *mmf_report_name(unsigned kind)
{
	static const char *const names[MMF_NR_REPORTS] = { "buddyinfo", "zoneinfo", "vmstat", "slabinfo", "meminfo",
							    "vmallocinfo", "cma" };
	return kind < MMF_NR_REPORTS ? names[kind] : "?";
}
