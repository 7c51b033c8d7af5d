/* The address-space family as generator version 3 draws it: aimed at what
 * exists. A shadow (gen_internal.h) follows the processes, the pages each
 * maps with their protection and backing, the pages written, the files'
 * sizes; ops are shaped against it: mprotect, madvise and mremap over
 * mapped ranges, reads of written pages, forks from the deepest process
 * with writes on both sides after, truncation below mapped pages, exits
 * of processes that share pages. A share of ops (the errors knob) is aimed
 * at an error path on purpose, chosen by the error it provokes. */
#include <string.h>

#include "harness/gen_internal.h"

void mmf_gen_put(struct mmf_op *op, const char *name, uint32_t v)
{
	const struct mmf_opdesc *d = &mmf_optable[op->code];
	for (unsigned i = 0; i < d->nfields; i++)
		if (!strcmp(d->f[i].name, name)) {
			mmf_field_set(op, d->f[i].loc, v);
			return;
		}
}

static uint32_t span(const struct gen *g) { return g->as_span; }

static uint32_t *page(struct gen *g, unsigned proc, uint32_t p) { return &g->sh.pg[proc][p]; }

/* op as kind k with every field 0 but the process. */
static void reset_op(struct mmf_op *op, unsigned k, unsigned proc)
{
	*op = (struct mmf_op){ .code = (uint8_t)k };
	mmf_gen_put(op, "proc", proc);
}

void mmf_gen_as_begin(struct gen *g)
{
	struct gen_shadow *sh = &g->sh;
	for (unsigned p = 0; p < MMF_NPROCS; p++)
		if ((sh->used >> p) & 1)
			memset(sh->pg[p], 0, sizeof(sh->pg[p]));
	memset(sh, 0, offsetof(struct gen_shadow, pg));
	sh->live = sh->used = 1;
	sh->fork_page = sh->hint = GEN_NO_HINT;
	for (unsigned p = 0; p < MMF_NPROCS; p++)
		sh->brk[p] = MMF_AS_START_BRK_PAGE;
}

static int alive(const struct gen *g, unsigned p) { return (g->sh.live >> p) & 1; }

unsigned mmf_gen_as_proc(struct gen *g)
{
	if (alive(g, g->sh.focus) && below(&g->r, 2))
		return g->sh.focus;
	unsigned n = 0, which[MMF_NPROCS];
	for (unsigned p = 0; p < MMF_NPROCS; p++)
		if (alive(g, p))
			which[n++] = p;
	return n ? which[below(&g->r, n)] : 0;
}

unsigned mmf_gen_as_queued(struct gen *g, unsigned *proc)
{
	struct gen_shadow *sh = &g->sh;
	sh->hint = GEN_NO_HINT;
	while (sh->q_len) {
		unsigned k = sh->q_kind[0], p = sh->q_proc[0], hint = sh->q_page[0];
		sh->q_len--;
		memmove(sh->q_kind, sh->q_kind + 1, sh->q_len);
		memmove(sh->q_proc, sh->q_proc + 1, sh->q_len);
		memmove(sh->q_page, sh->q_page + 1, sh->q_len * sizeof(sh->q_page[0]));
		if (alive(g, p)) {
			*proc = p;
			sh->hint = (uint16_t)hint;
			return k;
		}
	}
	return 0;
}

/* Op k in proc to follow soon, looking at page (or report kind) hint. */
static void queue_at(struct gen *g, unsigned k, unsigned proc, unsigned hint)
{
	struct gen_shadow *sh = &g->sh;
	if (sh->q_len < sizeof(sh->q_kind)) {
		sh->q_kind[sh->q_len] = (uint8_t)k;
		sh->q_page[sh->q_len] = (uint16_t)hint;
		sh->q_proc[sh->q_len++] = (uint8_t)proc;
	}
}

static void queue(struct gen *g, unsigned k, unsigned proc) { queue_at(g, k, proc, GEN_NO_HINT); }

/* The hint the op being shaped was queued with (GEN_NO_HINT: none). */
static unsigned take_hint(struct gen *g)
{
	unsigned h = g->sh.hint;
	g->sh.hint = GEN_NO_HINT;
	return h;
}

/* A page of proc in state (st & mask) == want, among the low window's
 * span (or the heap); MMF_AS_WINDOW_PAGES when none was found. */
static uint32_t find(struct gen *g, unsigned proc, uint32_t mask, uint32_t want)
{
	for (unsigned tries = 0; tries < 48; tries++) {
		uint32_t p = tries % 4 == 3 && g->sh.brk[proc] > MMF_AS_START_BRK_PAGE
				     ? MMF_AS_START_BRK_PAGE + below(&g->r, g->sh.brk[proc] - MMF_AS_START_BRK_PAGE)
				     : below(&g->r, span(g) + 16);
		if (p < GEN_SH_PAGES && (*page(g, proc, p) & mask) == want)
			return p;
	}
	return MMF_AS_WINDOW_PAGES;
}

/* Pages from p on that share p's mapping state (protection, backing), at
 * most max. */
static uint32_t run_from(struct gen *g, unsigned proc, uint32_t p, uint32_t max)
{
	const uint32_t same = SH_MAPPED | SH_R | SH_W | SH_X | SH_FILE | SH_SHARED;
	uint32_t st = *page(g, proc, p) & same, n = 0;
	while (n < max && p + n < GEN_SH_PAGES && (*page(g, proc, p + n) & same) == st)
		n++;
	return n;
}

/* The first page of the run p is in. */
static uint32_t run_start(struct gen *g, unsigned proc, uint32_t p)
{
	const uint32_t same = SH_MAPPED | SH_R | SH_W | SH_X | SH_FILE | SH_SHARED;
	uint32_t st = *page(g, proc, p) & same;
	while (p > 0 && p != MMF_AS_START_BRK_PAGE && (*page(g, proc, p - 1) & same) == st)
		p--;
	return p;
}

/* npages free pages in proc's low window: the start, or the window's size. */
static uint32_t find_free(struct gen *g, unsigned proc, uint32_t npages)
{
	for (unsigned tries = 0; tries < 24; tries++) {
		uint32_t s = below(&g->r, span(g) + 8), n = 0;
		while (n < npages && s + n < MMF_AS_START_BRK_PAGE && !(*page(g, proc, s + n) & SH_MAPPED))
			n++;
		if (n == npages)
			return s;
	}
	return MMF_AS_WINDOW_PAGES;
}

static void set_range(struct gen *g, unsigned proc, uint32_t s, uint32_t n, uint32_t st)
{
	for (uint32_t i = 0; i < n && s + i < GEN_SH_PAGES; i++)
		*page(g, proc, s + i) = st;
}

static uint32_t prot_bits(unsigned prot) { return (prot & 7u) << 1; }

static unsigned pick_prot(struct gen *g)
{
	static const uint8_t prots[] = { 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 7, 0 };
	return prots[below(&g->r, sizeof(prots))];
}

static uint32_t pick_len(struct gen *g)
{
	return below(&g->r, 4) ? 1 + below(&g->r, 8) : 1 + below(&g->r, 32);
}

/* The shadow after mmap (anon or file) of n pages at s. */
static void mapped(struct gen *g, unsigned proc, uint32_t s, uint32_t n, unsigned prot, int shared, int file,
		   unsigned fidx, uint32_t pgoff)
{
	for (uint32_t i = 0; i < n && s + i < GEN_SH_PAGES; i++) {
		uint32_t st = SH_MAPPED | prot_bits(prot) | (shared ? SH_SHARED : 0);
		if (file) {
			uint32_t off = pgoff + i;
			st |= SH_FILE | fidx << SH_FILE_SHIFT | (off & 0xffffu) << SH_PGOFF_SHIFT;
			if (off < 64 && ((g->sh.fdata[fidx] >> off) & 1))
				st |= SH_WRITTEN;
		}
		*page(g, proc, s + i) = st;
	}
}

static void shape_mmap(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op)
{
	uint32_t n = pick_len(g), s = find_free(g, proc, n);
	uint32_t near = below(&g->r, 3) == 0 ? find(g, proc, SH_MAPPED, SH_MAPPED) : MMF_AS_WINDOW_PAGES;
	if (near < MMF_AS_START_BRK_PAGE) { /* right after a mapping: VMAs that may merge */
		uint32_t e = run_start(g, proc, near), free = 0;
		e += run_from(g, proc, e, MMF_AS_START_BRK_PAGE);
		while (free < n && e + free < MMF_AS_START_BRK_PAGE && !(*page(g, proc, e + free) & SH_MAPPED))
			free++;
		if (free == n)
			s = e;
	}
	unsigned flags = MMF_MAP_FIXED_NOREPLACE, like = 0;
	if (near < MMF_AS_START_BRK_PAGE && s != MMF_AS_WINDOW_PAGES && s > 0)
		like = *page(g, proc, s - 1); /* the neighbour's state, when s is right after it */
	if (s == MMF_AS_WINDOW_PAGES || below(&g->r, 5) == 0) { /* over what is there: MAP_FIXED replaces it */
		uint32_t at = find(g, proc, SH_MAPPED, SH_MAPPED);
		s = at < MMF_AS_START_BRK_PAGE ? at : below(&g->r, span(g));
		flags = MMF_MAP_FIXED;
	}
	unsigned prot = (like & SH_MAPPED) && below(&g->r, 2) ? (like >> 1 & 7u) : pick_prot(g), shared = 0;
	if (k == MMF_OP_MMAP_PFN) {
		shared = 1;
		mmf_gen_put(op, "pgoff", below(&g->r, MMF_PFN_PAGES - (n < MMF_PFN_PAGES ? n : 0)));
	} else if (k == MMF_OP_MMAP_FILE) {
		unsigned f = below(&g->r, 3) ? below(&g->r, 2) : below(&g->r, MMF_NFILES);
		uint32_t size = g->sh.fsize[f];
		uint32_t pgoff = size > n && below(&g->r, 4) ? below(&g->r, size - n + 1) : 0;
		if (size < pgoff + n && below(&g->r, 8)) { /* pages past the end: SIGBUS; make the file long enough first */
			reset_op(op, MMF_OP_FTRUNCATE, proc);
			mmf_gen_put(op, "file", f);
			mmf_gen_put(op, "npages", pgoff + n + below(&g->r, 4));
			g->sh.fsize[f] = pgoff + n;
			queue(g, MMF_OP_MMAP_FILE, proc);
			g->sh.want_file = (uint8_t)(f + 1);
			return;
		}
		if (g->sh.want_file) { /* the file just made long enough */
			f = g->sh.want_file - 1u;
			size = g->sh.fsize[f];
			pgoff = size > n ? below(&g->r, size - n + 1) : 0;
			g->sh.want_file = 0;
		}
		shared = below(&g->r, 2);
		mmf_gen_put(op, "file", f);
		mmf_gen_put(op, "pgoff", pgoff);
		mapped(g, proc, s, n, prot, shared, 1, f, pgoff);
	} else {
		shared = below(&g->r, 6) == 0;
		mapped(g, proc, s, n, prot, shared, 0, 0, 0);
	}
	if (k == MMF_OP_MMAP_PFN)
		set_range(g, proc, s, n, SH_MAPPED | prot_bits(prot) | SH_SHARED | SH_FILE | 3u << SH_FILE_SHIFT);
	flags |= shared ? MMF_MAP_SHARED : 0;
	flags |= below(&g->r, 8) == 0 ? MMF_MAP_POPULATE : 0;
	flags |= below(&g->r, like & SH_MAPPED ? 3 : 16) == 0 ? MMF_MAP_NORESERVE : 0; /* merges with it or not */
	if (like & SH_MAPPED)
		queue_at(g, MMF_OP_PROC_REPORT, proc, MMF_PROC_MAPS);
	if (k == MMF_OP_MMAP_FILE && below(&g->r, 3) == 0)
		queue_at(g, MMF_OP_MINCORE, proc, s); /* what the page cache holds, unmapped here */
	mmf_gen_put(op, "start", s);
	mmf_gen_put(op, "npages", n);
	mmf_gen_put(op, "prot", prot);
	mmf_gen_put(op, "flags", flags);
	g->last_map = s;
	if (below(&g->r, 2))
		queue(g, prot & 2 ? MMF_OP_MEM_WRITE : MMF_OP_MEM_READ, proc);
}

/* A range of mapped pages with the same state: *s and the length. 0 when
 * proc maps nothing the generator can find. */
static uint32_t mapped_range(struct gen *g, unsigned proc, uint32_t *s, uint32_t max)
{
	uint32_t p = find(g, proc, SH_MAPPED, SH_MAPPED);
	if (p == MMF_AS_WINDOW_PAGES)
		return 0;
	if (below(&g->r, 2))
		p = run_start(g, proc, p);
	uint32_t n = run_from(g, proc, p, max);
	*s = p;
	return below(&g->r, 3) ? n : 1 + below(&g->r, n);
}

static void shape_range_op(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op)
{
	uint32_t s = 0, n = 0, h = take_hint(g), hinted = h != GEN_NO_HINT;
	if (h != GEN_NO_HINT && h < GEN_SH_PAGES) /* the range a queued op was meant for */
		s = h, n = run_from(g, proc, h, 64);
	else if (k == MMF_OP_MADVISE && below(&g->r, 2)) { /* from a page with data: what the advice does shows */
		s = find(g, proc, SH_MAPPED | SH_WRITTEN, SH_MAPPED | SH_WRITTEN);
		n = s < GEN_SH_PAGES ? 1 + below(&g->r, run_from(g, proc, s, 16)) : 0;
	}
	if (!n)
		n = mapped_range(g, proc, &s, 64);
	if (!n) /* nothing mapped: map something first */
		s = below(&g->r, span(g)), n = pick_len(g);
	mmf_gen_put(op, "start", s);
	mmf_gen_put(op, "npages", n);
	g->last_page = s;
	switch (k) {
	case MMF_OP_MUNMAP:
		if (below(&g->r, 4) == 0)
			n += below(&g->r, 4); /* holes are fine */
		mmf_gen_put(op, "npages", n);
		set_range(g, proc, s, n, 0);
		if (below(&g->r, 2))
			queue_at(g, MMF_OP_MEM_READ, proc, s + n - 1); /* SIGSEGV, unless a pte was left */
		break;
	case MMF_OP_MPROTECT: {
		unsigned prot = (*page(g, proc, s) >> 1 & 7u) ^ (below(&g->r, 3) ? 2u : 1u + below(&g->r, 7));
		mmf_gen_put(op, "prot", prot);
		for (uint32_t i = 0; i < n && s + i < GEN_SH_PAGES; i++) {
			uint32_t *st = page(g, proc, s + i);
			*st = (*st & ~(uint32_t)(SH_R | SH_W | SH_X)) | prot_bits(prot);
		}
		/* the range's last page: a write where PROT_WRITE went must fault */
		queue_at(g, prot & 2 && below(&g->r, 2) ? MMF_OP_MEM_READ : MMF_OP_MEM_WRITE, proc, s + n - 1);
		break;
	}
	case MMF_OP_MADVISE: {
		static const uint8_t adv[] = { MMF_MADV_DONTNEED, MMF_MADV_DONTNEED, MMF_MADV_DONTNEED, MMF_MADV_FREE,
					       MMF_MADV_WIPEONFORK, MMF_MADV_WIPEONFORK, MMF_MADV_DONTFORK,
					       MMF_MADV_KEEPONFORK, MMF_MADV_DOFORK, MMF_MADV_COLD, MMF_MADV_PAGEOUT,
					       MMF_MADV_PAGEOUT, MMF_MADV_WILLNEED, MMF_MADV_POPULATE_READ,
					       MMF_MADV_POPULATE_WRITE, MMF_MADV_REMOVE, MMF_MADV_NORMAL, MMF_MADV_RANDOM,
					       MMF_MADV_SEQUENTIAL, MMF_MADV_DONTDUMP, MMF_MADV_DODUMP };
		unsigned a = adv[below(&g->r, sizeof(adv))];
		mmf_gen_put(op, "advice", a);
		for (uint32_t i = 0; i < n && s + i < GEN_SH_PAGES; i++) {
			uint32_t *st = page(g, proc, s + i);
			if (a == MMF_MADV_DONTNEED && !(*st & SH_SHARED))
				*st &= ~(uint32_t)SH_WRITTEN;
			if (a == MMF_MADV_WIPEONFORK && !(*st & SH_SHARED))
				*st |= SH_WIPEONFORK;
			if (a == MMF_MADV_KEEPONFORK)
				*st &= ~(uint32_t)SH_WIPEONFORK;
			if (a == MMF_MADV_DONTFORK)
				*st |= SH_DONTFORK;
			if (a == MMF_MADV_DOFORK)
				*st &= ~(uint32_t)SH_DONTFORK;
		}
		if (a == MMF_MADV_DONTNEED || a == MMF_MADV_PAGEOUT || a == MMF_MADV_REMOVE || a == MMF_MADV_FREE)
			queue_at(g, MMF_OP_MEM_READ, proc, below(&g->r, 2) ? s : s + n - 1); /* zero, or the data */
		if (a == MMF_MADV_WIPEONFORK || a == MMF_MADV_DONTFORK) {
			g->sh.fork_page = (uint16_t)s; /* the child looks there */
			queue(g, MMF_OP_FORK, proc);
		}
		break;
	}
	case MMF_OP_MLOCK2:
		mmf_gen_put(op, "flags", below(&g->r, 2));
		/* fall through */
	case MMF_OP_MLOCK:
	case MMF_OP_MUNLOCK:
		if (below(&g->r, 2)) /* VmFlags and Locked: what the lock did */
			queue_at(g, MMF_OP_PROC_REPORT, proc, MMF_PROC_SMAPS);
		if (k != MMF_OP_MUNLOCK && below(&g->r, 4) == 0)
			queue_at(g, MMF_OP_MSYNC, proc, s); /* MS_INVALIDATE over a lock: EBUSY */
		if (k != MMF_OP_MUNLOCK && below(&g->r, 4) == 0)
			queue(g, MMF_OP_FORK, proc); /* the child starts unlocked */
		break;
	case MMF_OP_MSYNC: {
		static const uint8_t ms[] = { 1, 4, 4, 2, 3, 6 }; /* ASYNC, SYNC, INVALIDATE and with either */
		mmf_gen_put(op, "flags", hinted ? 2u + 4u * below(&g->r, 2) : ms[below(&g->r, sizeof(ms))]);
		break;
	}
	default:
		break;
	}
}

/* A page to access: a read mostly comes back to a page written; a write
 * to a writable page, often one written before (after a fork: a COW). */
static void shape_access(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op)
{
	uint32_t p = take_hint(g);
	if (p != GEN_NO_HINT) {
		mmf_gen_put(op, "page", p);
		mmf_gen_put(op, "token", (uint32_t)next(&g->r) & 0xff);
		g->last_page = p;
		if (k == MMF_OP_MEM_WRITE && p < GEN_SH_PAGES &&
		    (*page(g, proc, p) & (SH_MAPPED | SH_W)) == (SH_MAPPED | SH_W))
			*page(g, proc, p) |= SH_WRITTEN;
		return;
	}
	p = MMF_AS_WINDOW_PAGES;
	if (k == MMF_OP_MEM_READ && below(&g->r, 5)) {
		p = find(g, proc, SH_MAPPED | SH_R | SH_WRITTEN, SH_MAPPED | SH_R | SH_WRITTEN);
		if (p == MMF_AS_WINDOW_PAGES && below(&g->r, 4)) { /* nothing written yet: write, then read */
			uint32_t w = find(g, proc, SH_MAPPED | SH_R | SH_W, SH_MAPPED | SH_R | SH_W);
			if (w != MMF_AS_WINDOW_PAGES) {
				reset_op(op, MMF_OP_MEM_WRITE, proc);
				queue(g, MMF_OP_MEM_READ, proc);
				k = MMF_OP_MEM_WRITE, p = w;
			}
		}
	}
	if (k == MMF_OP_MEM_WRITE && below(&g->r, 2))
		p = find(g, proc, SH_MAPPED | SH_W | SH_WRITTEN, SH_MAPPED | SH_W | SH_WRITTEN);
	if (p == MMF_AS_WINDOW_PAGES)
		p = find(g, proc, SH_MAPPED | (k == MMF_OP_MEM_WRITE ? SH_W : k == MMF_OP_MEM_EXEC ? 0u : SH_R),
			 SH_MAPPED | (k == MMF_OP_MEM_WRITE ? SH_W : k == MMF_OP_MEM_EXEC ? 0u : SH_R));
	if (p == MMF_AS_WINDOW_PAGES)
		p = below(&g->r, 2) ? g->last_page : below(&g->r, span(g));
	if (k == MMF_OP_MEM_READ && p < GEN_SH_PAGES && !(*page(g, proc, p) & SH_WRITTEN) && below(&g->r, 4) == 0)
		queue_at(g, MMF_OP_PROC_REPORT, proc, MMF_PROC_SMAPS);
	mmf_gen_put(op, "page", p);
	mmf_gen_put(op, "token", (uint32_t)next(&g->r) & 0xff);
	g->last_page = p;
	if (k == MMF_OP_MEM_WRITE && p < GEN_SH_PAGES) {
		uint32_t *st = page(g, proc, p);
		if ((*st & (SH_MAPPED | SH_W)) == (SH_MAPPED | SH_W)) {
			*st |= SH_WRITTEN;
			if ((*st & (SH_FILE | SH_SHARED)) == (SH_FILE | SH_SHARED)) {
				uint32_t off = *st >> SH_PGOFF_SHIFT, f = (*st >> SH_FILE_SHIFT) & 3u;
				if (off < 64)
					g->sh.fdata[f] |= 1ull << off;
			}
		}
	}
}

/* fork from proc (the deepest process, mostly) into a free slot; the
 * child's shadow is the parent's, less DONTFORK ranges and with
 * WIPEONFORK ones empty. Writes on both sides and reads follow. */
static int shape_fork(struct gen *g, unsigned proc, struct mmf_op *op)
{
	struct gen_shadow *sh = &g->sh;
	unsigned child = MMF_NPROCS;
	for (unsigned p = 0; p < MMF_NPROCS; p++)
		if (!alive(g, p) && (child == MMF_NPROCS || below(&g->r, 2)))
			child = p;
	if (child == MMF_NPROCS)
		return 0;
	if (below(&g->r, 4)) /* the deepest, so trees grow several generations */
		for (unsigned p = 0; p < MMF_NPROCS; p++)
			if (alive(g, p) && sh->generation[p] > sh->generation[proc])
				proc = p;
	mmf_gen_put(op, "proc", proc);
	mmf_gen_put(op, "child", child);
	sh->live |= (uint8_t)(1u << child);
	sh->used |= (uint8_t)(1u << child);
	sh->generation[child] = (uint8_t)(sh->generation[proc] + 1);
	sh->brk[child] = sh->brk[proc];
	for (uint32_t i = 0; i < GEN_SH_PAGES; i++) {
		uint32_t st = sh->pg[proc][i];
		if (st & SH_DONTFORK)
			st = 0;
		else if ((st & SH_WIPEONFORK))
			st &= ~(uint32_t)SH_WRITTEN;
		sh->pg[child][i] = st;
	}
	sh->focus = (uint8_t)child;
	/* one page both sides come back to: one the parent wrote (COW), or
	 * one a WIPEONFORK/DONTFORK range holds */
	unsigned p = sh->fork_page != GEN_NO_HINT ? sh->fork_page
						  : find(g, proc, SH_MAPPED | SH_WRITTEN, SH_MAPPED | SH_WRITTEN);
	sh->fork_page = GEN_NO_HINT;
	if (p == MMF_AS_WINDOW_PAGES)
		p = GEN_NO_HINT;
	queue_at(g, MMF_OP_MEM_WRITE, child, p);
	if (below(&g->r, 8)) /* and again from the child: a tree several generations deep */
		queue(g, MMF_OP_FORK, child);
	queue_at(g, MMF_OP_MEM_READ, proc, p);
	queue_at(g, MMF_OP_MEM_WRITE, proc, p);
	queue_at(g, MMF_OP_MEM_READ, child, p);
	if (below(&g->r, 4) == 0)
		queue_at(g, MMF_OP_RMAP, proc, p);
	if (below(&g->r, 3) == 0)
		queue(g, MMF_OP_PROC_REPORT, child);
	return 1;
}

/* exit of a process other than the last: mostly one that forked or was forked. */
static int shape_exit(struct gen *g, unsigned proc, struct mmf_op *op)
{
	struct gen_shadow *sh = &g->sh;
	if ((sh->live & (sh->live - 1)) == 0)
		return 0; /* the last process stays */
	if (proc == 0 && below(&g->r, 4))
		for (unsigned p = 1; p < MMF_NPROCS; p++)
			if (alive(g, p))
				proc = p;
	mmf_gen_put(op, "proc", proc);
	sh->live &= (uint8_t)~(1u << proc);
	memset(sh->pg[proc], 0, sizeof(sh->pg[proc]));
	sh->brk[proc] = MMF_AS_START_BRK_PAGE;
	for (unsigned p = 0; p < MMF_NPROCS; p++)
		if (alive(g, p)) { /* what the survivors share now reads as before */
			queue(g, MMF_OP_MEM_READ, p);
			break;
		}
	return 1;
}

static void shape_mremap(struct gen *g, unsigned proc, struct mmf_op *op)
{
	uint32_t s = 0, n = mapped_range(g, proc, &s, 255);
	if (!n)
		s = below(&g->r, span(g)), n = pick_len(g);
	if (below(&g->r, 2))
		s = run_start(g, proc, s), n = run_from(g, proc, s, 255);
	if (!n)
		n = 1;
	uint32_t st = s < GEN_SH_PAGES ? *page(g, proc, s) : 0, nn = n, dest = s;
	unsigned flags;
	switch (below(&g->r, 8)) {
	case 0: case 1: case 2: /* grow or shrink in place */
		flags = 0;
		nn = below(&g->r, 2) && n > 1 ? 1 + below(&g->r, n - 1) : n + 1 + below(&g->r, 8);
		break;
	case 3: case 4: case 5: /* move to a free range */
		flags = MMF_MREMAP_MAYMOVE | MMF_MREMAP_FIXED;
		nn = below(&g->r, 2) ? n : 1 + below(&g->r, n + 4);
		dest = find_free(g, proc, nn);
		break;
	case 6: /* move and leave the old range mapped, empty */
		flags = MMF_MREMAP_MAYMOVE | MMF_MREMAP_FIXED | MMF_MREMAP_DONTUNMAP;
		dest = find_free(g, proc, nn);
		break;
	default: /* grow where the kernel may move it (the agent places it) */
		flags = MMF_MREMAP_MAYMOVE;
		nn = n + 1 + below(&g->r, 8);
		break;
	}
	if (dest == MMF_AS_WINDOW_PAGES)
		dest = below(&g->r, span(g) * 2);
	if (nn > 255)
		nn = 255;
	mmf_gen_put(op, "start", s);
	mmf_gen_put(op, "npages", n);
	mmf_gen_put(op, "new_npages", nn);
	mmf_gen_put(op, "new_start", dest);
	mmf_gen_put(op, "flags", flags);
	/* the shadow: moved ranges carry their pages; grown tails are new */
	static uint32_t tmp[256];
	for (uint32_t i = 0; i < n && i < 256; i++)
		tmp[i] = s + i < GEN_SH_PAGES ? *page(g, proc, s + i) : 0;
	if (flags & MMF_MREMAP_FIXED) {
		if (!(flags & MMF_MREMAP_DONTUNMAP))
			set_range(g, proc, s, n, 0);
		else
			for (uint32_t i = 0; i < n && s + i < GEN_SH_PAGES; i++)
				*page(g, proc, s + i) &= ~(uint32_t)SH_WRITTEN;
		for (uint32_t i = 0; i < nn && dest + i < GEN_SH_PAGES; i++)
			*page(g, proc, dest + i) = i < n ? tmp[i] : (st & ~(uint32_t)SH_WRITTEN);
		g->last_page = dest;
		uint32_t w = 0; /* a page that held data, at its new place */
		while (w + 1 < n && w + 1 < nn && w < 256 && !(tmp[w] & SH_WRITTEN))
			w++;
		queue_at(g, MMF_OP_MEM_READ, proc, dest + w);
		queue_at(g, MMF_OP_MEM_READ, proc, s + w);
	} else if (!flags) {
		if (nn < n)
			set_range(g, proc, s + nn, n - nn, 0);
		else
			for (uint32_t i = n; i < nn && s + i < GEN_SH_PAGES; i++)
				if (!(*page(g, proc, s + i) & SH_MAPPED))
					*page(g, proc, s + i) = st & ~(uint32_t)SH_WRITTEN;
	}
	queue(g, MMF_OP_MEM_READ, proc);
}

/* brk: grow a few pages, or give some back. */
static void shape_brk(struct gen *g, unsigned proc, struct mmf_op *op)
{
	uint32_t cur = g->sh.brk[proc], to;
	if (below(&g->r, 4) == 0 && cur + 12 < GEN_SH_PAGES) { /* a mapping just above the heap, then brk up to it */
		uint32_t at = cur + 1 + below(&g->r, 4);
		if (!(*page(g, proc, at) & SH_MAPPED)) {
			reset_op(op, MMF_OP_MMAP, proc);
			mmf_gen_put(op, "start", at);
			mmf_gen_put(op, "npages", 1 + below(&g->r, 4));
			mmf_gen_put(op, "prot", 3);
			mmf_gen_put(op, "flags", MMF_MAP_FIXED_NOREPLACE);
			set_range(g, proc, at, 1, SH_MAPPED | SH_R | SH_W);
			queue_at(g, MMF_OP_BRK, proc, at + below(&g->r, 2)); /* to it, or over it */
			return;
		}
	}
	unsigned h = take_hint(g);
	if (h != GEN_NO_HINT) {
		mmf_gen_put(op, "page", h);
		queue(g, MMF_OP_MEM_WRITE, proc);
		return; /* the shadow's heap stays: the kernel refuses (the brk does not move) */
	}
	if (cur > MMF_AS_START_BRK_PAGE && below(&g->r, 3) == 0)
		to = MMF_AS_START_BRK_PAGE + below(&g->r, cur - MMF_AS_START_BRK_PAGE);
	else
		to = cur + 1 + below(&g->r, 8);
	if (to >= GEN_SH_PAGES)
		to = MMF_AS_START_BRK_PAGE + below(&g->r, 16);
	mmf_gen_put(op, "page", to);
	for (uint32_t p = MMF_AS_START_BRK_PAGE; p < GEN_SH_PAGES; p++)
		if (p < to && !(*page(g, proc, p) & SH_MAPPED))
			*page(g, proc, p) = SH_MAPPED | SH_R | SH_W;
		else if (p >= to && p >= cur)
			break;
		else if (p >= to)
			*page(g, proc, p) = 0;
	g->sh.brk[proc] = to;
	queue(g, MMF_OP_MEM_WRITE, proc);
}

/* ftruncate: below pages some process maps (they go: SIGBUS after), or up
 * to cover them. */
static void shape_ftruncate(struct gen *g, struct mmf_op *op)
{
	unsigned f = below(&g->r, 3) ? below(&g->r, 2) : below(&g->r, MMF_NFILES);
	uint32_t size = g->sh.fsize[f], to;
	if (size && below(&g->r, 3) == 0)
		to = below(&g->r, size);
	else
		to = size + 1 + below(&g->r, 16);
	if (to > 255)
		to = below(&g->r, 64);
	mmf_gen_put(op, "file", f);
	mmf_gen_put(op, "npages", to);
	if (to < size && to < 64)
		g->sh.fdata[f] &= (1ull << to) - 1;
	g->sh.fsize[f] = to;
	if (to < size) { /* a page past the new end, where some process maps the file */
		unsigned proc = mmf_gen_as_proc(g);
		uint32_t p = GEN_NO_HINT, want = SH_MAPPED | SH_FILE | f << SH_FILE_SHIFT;
		for (uint32_t i = 0; i < MMF_AS_START_BRK_PAGE && i < span(g) + 16; i++) {
			uint32_t st = *page(g, proc, i);
			if ((st & (SH_MAPPED | SH_FILE | 3u << SH_FILE_SHIFT)) == want && st >> SH_PGOFF_SHIFT >= to &&
			    (p == GEN_NO_HINT || (st & (SH_WRITTEN | SH_SHARED)) == SH_WRITTEN))
				p = i; /* past the end; a private copy best */
		}
		queue_at(g, MMF_OP_MEM_READ, proc, p);
	}
}

/* Aimed at an error on purpose, by the error wanted: a process that does
 * not exist (ESRCH), a range over a hole (ENOMEM), a length of 0 or a bad
 * flag (EINVAL), MAP_FIXED_NOREPLACE over a mapping or a fork into a busy
 * slot (EEXIST), an access where nothing is mapped or a write where the
 * page is read-only (SIGSEGV). Returns 0 for kinds with no error here. */
static int shape_error(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op)
{
	struct gen_shadow *sh = &g->sh;
	unsigned dead = MMF_NPROCS;
	for (unsigned p = 0; p < MMF_NPROCS; p++)
		if (!alive(g, p))
			dead = p;
	const struct mmf_opdesc *d = &mmf_optable[k];
	int has_proc = 0, has_range = 0;
	for (unsigned i = 0; i < d->nfields; i++) {
		has_proc |= d->f[i].kind == FK_PROC;
		has_range |= !strcmp(d->f[i].name, "npages") && k != MMF_OP_FTRUNCATE && k != MMF_OP_MREMAP;
	}
	unsigned which = below(&g->r, 5);
	if (which == 0 && has_proc && dead < MMF_NPROCS && k != MMF_OP_FORK) {
		mmf_gen_put(op, "proc", dead); /* ESRCH */
		return 1;
	}
	if (has_range && which <= 3) { /* ENOMEM over a hole, EINVAL for 0 pages, EEXIST over a mapping */
		uint32_t s = 0, n = mapped_range(g, proc, &s, 32);
		if (k == MMF_OP_MMAP || k == MMF_OP_MMAP_FILE) {
			mmf_gen_put(op, "flags", MMF_MAP_FIXED_NOREPLACE);
			n = n ? n : 1;
		} else {
			n = which ? n + 1 + below(&g->r, 8) : 0;
		}
		mmf_gen_put(op, "start", s);
		mmf_gen_put(op, "npages", n);
		return 1;
	}
	switch (k) {
	case MMF_OP_MEM_READ:
	case MMF_OP_MEM_WRITE:
	case MMF_OP_MEM_EXEC: {
		uint32_t p = k == MMF_OP_MEM_WRITE && below(&g->r, 2) ? find(g, proc, SH_MAPPED | SH_W, SH_MAPPED)
								      : find(g, proc, SH_MAPPED, 0);
		mmf_gen_put(op, "page", p < MMF_AS_WINDOW_PAGES ? p : below(&g->r, MMF_AS_WINDOW_PAGES));
		mmf_gen_put(op, "token", (uint32_t)next(&g->r) & 0xff);
		return 1;
	}
	case MMF_OP_FORK:
		mmf_gen_put(op, "child", proc); /* EEXIST: its own, busy slot */
		return 1;
	case MMF_OP_MREMAP: {
		uint32_t p = find(g, proc, SH_MAPPED, 0); /* EFAULT: nothing mapped there */
		mmf_gen_put(op, "start", p < MMF_AS_WINDOW_PAGES ? p : 0);
		mmf_gen_put(op, "npages", 1 + below(&g->r, 4));
		mmf_gen_put(op, "new_npages", 1 + below(&g->r, 4));
		mmf_gen_put(op, "flags", below(&g->r, 2) ? 0 : MMF_MREMAP_DONTUNMAP); /* EINVAL without MAYMOVE */
		return 1;
	}
	default:
		(void)sh;
		return 0;
	}
}

int mmf_gen_as_shape(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op)
{
	reset_op(op, k, proc); /* the shaping below sets what matters */
	/* on purpose, now and then: an error path (the shadow stays as it is) */
	if (g->sh.errors && below(&g->r, 100) < g->sh.errors && k != MMF_OP_EXIT && shape_error(g, k, proc, op))
		return 1;
	int aims = k == MMF_OP_MUNMAP || k == MMF_OP_MPROTECT || k == MMF_OP_MADVISE || k == MMF_OP_MLOCK ||
		   k == MMF_OP_MUNLOCK || k == MMF_OP_MLOCK2 || k == MMF_OP_MINCORE || k == MMF_OP_MSYNC ||
		   k == MMF_OP_MEM_READ || k == MMF_OP_MEM_WRITE || k == MMF_OP_MEM_EXEC || k == MMF_OP_MREMAP;
	if (aims && find(g, proc, SH_MAPPED, SH_MAPPED) == MMF_AS_WINDOW_PAGES && below(&g->r, 8)) {
		/* nothing mapped to aim at: map something, then come back */
		reset_op(op, MMF_OP_MMAP, proc);
		shape_mmap(g, MMF_OP_MMAP, proc, op);
		queue(g, k, proc);
		return 1;
	}
	switch (k) {
	case MMF_OP_MMAP:
	case MMF_OP_MMAP_FILE:
	case MMF_OP_MMAP_PFN: shape_mmap(g, k, proc, op); break;
	case MMF_OP_MUNMAP:
	case MMF_OP_MPROTECT:
	case MMF_OP_MADVISE:
	case MMF_OP_MLOCK:
	case MMF_OP_MUNLOCK:
	case MMF_OP_MLOCK2:
	case MMF_OP_MINCORE:
	case MMF_OP_MSYNC: shape_range_op(g, k, proc, op); break;
	case MMF_OP_MEM_READ:
	case MMF_OP_MEM_WRITE:
	case MMF_OP_MEM_EXEC: shape_access(g, k, proc, op); break;
	case MMF_OP_FORK:
		if (!shape_fork(g, proc, op))
			return 0;
		break;
	case MMF_OP_EXIT:
		if (!shape_exit(g, proc, op))
			return 0;
		break;
	case MMF_OP_MREMAP: shape_mremap(g, proc, op); break;
	case MMF_OP_BRK: shape_brk(g, proc, op); break;
	case MMF_OP_FTRUNCATE: shape_ftruncate(g, op); break;
	case MMF_OP_PROC_REPORT: {
		unsigned h = take_hint(g);
		mmf_gen_put(op, "kind", h != GEN_NO_HINT ? h : below(&g->r, MMF_NR_PROC_REPORTS));
		break;
	}
	case MMF_OP_RMAP: {
		uint32_t p = take_hint(g);
		if (p == GEN_NO_HINT)
			p = find(g, proc, SH_MAPPED | SH_WRITTEN, SH_MAPPED | SH_WRITTEN);
		mmf_gen_put(op, "page", p < MMF_AS_WINDOW_PAGES ? p : g->last_page);
		break;
	}
	case MMF_OP_CLEAR_REFS: mmf_gen_put(op, "value", below(&g->r, 2) ? 4 : 1 + below(&g->r, 5)); break;
	case MMF_OP_MLOCKALL: {
		static const uint8_t mcl[] = { 1, 1, 2, 3, 5, 7 };
		mmf_gen_put(op, "flags", mcl[below(&g->r, sizeof(mcl))]);
		if (below(&g->r, 4) == 0)
			queue(g, MMF_OP_FORK, proc);
		queue_at(g, MMF_OP_PROC_REPORT, proc, MMF_PROC_SMAPS);
		break;
	}
	case MMF_OP_MUNLOCKALL: queue_at(g, MMF_OP_PROC_REPORT, proc, MMF_PROC_SMAPS); break;
	default: break;
	}
	return 1;
}
