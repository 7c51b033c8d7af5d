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

/* Version 4: whether the sequence may hold kind k (the swarm aside). */
static int can(const struct gen *g, unsigned k) { return g->ok[k]; }

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
	/* version 4: the queue and the rest too, so a sequence is a function
	 * of its own seed (version 3's kept what the last sequence left
	 * queued: its streams stay as they were) */
	if (g->version >= 4)
		memset(sh->q_kind, 0, sizeof(*sh) - offsetof(struct gen_shadow, q_kind));
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
		unsigned k = sh->q_kind[0], p = sh->q_proc[0], hint = sh->q_page[0], arg = sh->q_arg[0];
		sh->q_len--;
		memmove(sh->q_kind, sh->q_kind + 1, sh->q_len);
		memmove(sh->q_proc, sh->q_proc + 1, sh->q_len);
		memmove(sh->q_arg, sh->q_arg + 1, sh->q_len);
		memmove(sh->q_page, sh->q_page + 1, sh->q_len * sizeof(sh->q_page[0]));
		if (alive(g, p)) {
			*proc = p;
			sh->hint = (uint16_t)hint;
			sh->arg = (uint8_t)arg;
			return k;
		}
	}
	return 0;
}

/* A queued op's argument (version 4's scenarios): 1 + an advice or msync
 * flags, or one of these. */
enum {
	GEN_ARG_PLAIN = 0xff, /* part of a scenario, nothing more: not turned into an error */
	GEN_ARG_HOLE = 0xfe,  /* a range from the hint on, past its mapping's end into a hole */
	GEN_ARG_TWICE = 0xfd, /* mmap_file: the file page wanted, then again elsewhere */
	GEN_ARG_ABOVE = 0xfc, /* brk: up to a mapping placed right above the heap */
	GEN_ARG_COW = 0xfb,   /* mmap_file: private, written (a copy), the file truncated below it */
	GEN_ARG_SHDROP = 0xfa /* mmap_file: shared, written, DONTNEED, read (the file keeps the data) */
};

/* Op k in proc to follow soon, looking at page (or report kind) hint,
 * with argument arg. */
static void queue_arg(struct gen *g, unsigned k, unsigned proc, unsigned hint, unsigned arg)
{
	struct gen_shadow *sh = &g->sh;
	if (sh->q_len < sizeof(sh->q_kind)) {
		sh->q_kind[sh->q_len] = (uint8_t)k;
		sh->q_page[sh->q_len] = (uint16_t)hint;
		sh->q_arg[sh->q_len] = (uint8_t)arg;
		sh->q_proc[sh->q_len++] = (uint8_t)proc;
	}
}

static void queue_at(struct gen *g, unsigned k, unsigned proc, unsigned hint) { queue_arg(g, k, proc, hint, 0); }

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

/* Version 4: an anonymous mapping right after the one ending at page h,
 * like it but (mostly) with MAP_NORESERVE: VMAs that must not merge when
 * one is accounted and the other is not; the maps show which. 0 when
 * nothing is free there. */
static int shape_mmap_beside(struct gen *g, unsigned proc, uint32_t h, struct mmf_op *op)
{
	uint32_t like = h > 0 && h < MMF_AS_START_BRK_PAGE ? *page(g, proc, h - 1) : 0, free = 0;
	while (free < 8 && h + free < MMF_AS_START_BRK_PAGE && !(*page(g, proc, h + free) & SH_MAPPED))
		free++;
	if (!free || !(like & SH_MAPPED))
		return 0;
	uint32_t n = 1 + below(&g->r, free);
	unsigned prot = like >> 1 & 7u, shared = (like & SH_SHARED) && !(like & SH_FILE);
	mapped(g, proc, h, n, prot, shared, 0, 0, 0);
	mmf_gen_put(op, "start", h);
	mmf_gen_put(op, "npages", n);
	mmf_gen_put(op, "prot", prot);
	mmf_gen_put(op, "flags", MMF_MAP_FIXED_NOREPLACE | (shared ? MMF_MAP_SHARED : 0) |
					 (below(&g->r, 4) ? MMF_MAP_NORESERVE : 0));
	queue_arg(g, MMF_OP_PROC_REPORT, proc, MMF_PROC_MAPS, GEN_ARG_PLAIN);
	if (prot & 2)
		queue_arg(g, MMF_OP_MEM_WRITE, proc, h, GEN_ARG_PLAIN);
	queue_arg(g, MMF_OP_PROC_REPORT, proc, MMF_PROC_SMAPS, GEN_ARG_PLAIN);
	return 1;
}

static void shape_mmap(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op)
{
	if (g->version >= 4 && k == MMF_OP_MMAP && g->sh.arg) {
		uint32_t h = take_hint(g);
		if (h != GEN_NO_HINT && shape_mmap_beside(g, proc, h, op))
			return;
	}
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
		if (size < pgoff + n && below(&g->r, 8) && !(g->version >= 4 && g->sh.want_file)) {
			/* pages past the end: SIGBUS; make the file long enough first */
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
			if (g->version >= 4 && g->sh.want_pgoff) { /* one file page, mapped twice */
				pgoff = g->sh.want_pgoff - 1u;
				prot |= 1; /* read through both */
				if (g->sh.arg == GEN_ARG_COW || g->sh.arg == GEN_ARG_SHDROP) {
					g->sh.want_pgoff = 0;
					prot |= 3;
					queue_arg(g, MMF_OP_MEM_WRITE, proc, s, GEN_ARG_PLAIN);
					if (g->sh.arg == GEN_ARG_COW) {
						queue_arg(g, MMF_OP_FTRUNCATE, proc, s, GEN_ARG_PLAIN);
					} else {
						queue_arg(g, MMF_OP_MADVISE, proc, s, 1 + MMF_MADV_DONTNEED);
						queue_arg(g, MMF_OP_MEM_READ, proc, s, GEN_ARG_PLAIN);
					}
				} else if (g->sh.arg == GEN_ARG_TWICE) { /* the first: fault it in, then map it again */
					g->sh.want_file = (uint8_t)(f + 1);
					queue_arg(g, MMF_OP_MEM_READ, proc, s, GEN_ARG_PLAIN);
					queue_arg(g, MMF_OP_MMAP_FILE, proc, GEN_NO_HINT, GEN_ARG_PLAIN);
				} else { /* the second: in the page cache but not mapped here, then mapped twice */
					g->sh.want_pgoff = 0;
					queue_arg(g, MMF_OP_MINCORE, proc, s, GEN_ARG_PLAIN);
					queue_arg(g, MMF_OP_MEM_READ, proc, s, GEN_ARG_PLAIN);
					if (can(g, MMF_OP_RMAP) && below(&g->r, 2))
						queue_arg(g, MMF_OP_RMAP, proc, s, GEN_ARG_PLAIN); /* mapcount 2 */
					else
						queue_arg(g, MMF_OP_PROC_REPORT, proc, MMF_PROC_SMAPS, GEN_ARG_PLAIN);
				}
			}
		}
		shared = below(&g->r, 2);
		if (g->version >= 4 && (g->sh.arg == GEN_ARG_COW || g->sh.arg == GEN_ARG_SHDROP))
			shared = g->sh.arg == GEN_ARG_SHDROP;
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
	if (g->sh.arg == GEN_ARG_HOLE && hinted) { /* on past the mapping's end, into a hole */
		uint32_t e = s;
		while (e < GEN_SH_PAGES && (*page(g, proc, e) & SH_MAPPED))
			e++;
		n = e - s + 1 + below(&g->r, 4);
	}
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
		unsigned prot = g->sh.arg && g->sh.arg <= 8 ? g->sh.arg - 1u
				: (*page(g, proc, s) >> 1 & 7u) ^ (below(&g->r, 3) ? 2u : 1u + below(&g->r, 7));
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
		unsigned a = g->sh.arg && g->sh.arg <= 32 ? g->sh.arg - 1u : adv[below(&g->r, sizeof(adv))];
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
		mmf_gen_put(op, "flags", g->sh.arg && g->sh.arg <= 8 ? g->sh.arg - 1u
					 : hinted		  ? 2u + 4u * below(&g->r, 2)
								  : ms[below(&g->r, sizeof(ms))]);
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
	if (g->version >= 5 && sh->fork_exit) { /* sc_exit: one side goes */
		sh->fork_exit = 0;
		unsigned dies = below(&g->r, 4) ? child : proc, lives = dies == child ? proc : child;
		if (p != GEN_NO_HINT && below(&g->r, 2))
			queue_arg(g, MMF_OP_MEM_READ, dies, p, GEN_ARG_PLAIN);
		queue_arg(g, MMF_OP_EXIT, dies, GEN_NO_HINT, GEN_ARG_PLAIN);
		queue_arg(g, MMF_OP_PROC_REPORT, lives, MMF_PROC_SMAPS, GEN_ARG_PLAIN);
		if (p != GEN_NO_HINT)
			queue_arg(g, MMF_OP_MEM_WRITE, lives, p, GEN_ARG_PLAIN);
		return 1;
	}
	if (g->version >= 4) {
		/* what the child got, before it writes: nothing where DONTFORK
		 * was, zeroes where WIPEONFORK was; the page shared, through
		 * rmap; the report a lock asked for */
		if (p < GEN_SH_PAGES && (sh->pg[proc][p] & (SH_WIPEONFORK | SH_DONTFORK)))
			queue_arg(g, MMF_OP_MEM_READ, child, p, GEN_ARG_PLAIN);
		if (sh->fork_report)
			queue_arg(g, MMF_OP_PROC_REPORT, child, sh->fork_report - 1u, GEN_ARG_PLAIN);
		sh->fork_report = 0;
		if (p != GEN_NO_HINT && can(g, MMF_OP_RMAP) && below(&g->r, 2) == 0)
			queue_arg(g, MMF_OP_RMAP, below(&g->r, 2) ? proc : child, p, GEN_ARG_PLAIN);
	}
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
	if (proc == 0 && !(g->version >= 5 && g->sh.arg == GEN_ARG_PLAIN) && below(&g->r, 4))
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
	uint32_t s = 0, n = 0, h = g->version >= 4 && g->sh.arg ? take_hint(g) : GEN_NO_HINT;
	if (h < GEN_SH_PAGES) { /* version 4: this run, moved */
		s = h, n = run_from(g, proc, h, 255);
	} else {
		n = mapped_range(g, proc, &s, 255);
		if (!n)
			s = below(&g->r, span(g)), n = pick_len(g);
		if (below(&g->r, 2))
			s = run_start(g, proc, s), n = run_from(g, proc, s, 255);
	}
	if (!n)
		n = 1;
	uint32_t st = s < GEN_SH_PAGES ? *page(g, proc, s) : 0, nn = n, dest = s;
	unsigned flags;
	switch (h < GEN_SH_PAGES ? 3 + below(&g->r, 4) : below(&g->r, 8)) {
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
	int above = g->version >= 4 ? g->sh.arg == GEN_ARG_ABOVE || below(&g->r, 3) == 0 : below(&g->r, 4) == 0;
	if (above && cur + 12 < GEN_SH_PAGES) { /* a mapping just above the heap, then brk up to it */
		uint32_t at = cur + 1 + below(&g->r, 4);
		if (!(*page(g, proc, at) & SH_MAPPED)) {
			reset_op(op, MMF_OP_MMAP, proc);
			mmf_gen_put(op, "start", at);
			mmf_gen_put(op, "npages", 1 + below(&g->r, 4));
			mmf_gen_put(op, "prot", 3);
			mmf_gen_put(op, "flags", MMF_MAP_FIXED_NOREPLACE);
			set_range(g, proc, at, 1, SH_MAPPED | SH_R | SH_W);
			if (g->version < 4) {
				queue_at(g, MMF_OP_BRK, proc, at + below(&g->r, 2)); /* to it, or over it */
				return;
			}
			/* version 4: to it mostly (no page left between: refused),
			 * then the page below it, which the heap would have had */
			queue_arg(g, MMF_OP_BRK, proc, at + (below(&g->r, 4) == 0), GEN_ARG_PLAIN);
			queue_arg(g, MMF_OP_MEM_WRITE, proc, at - 1, GEN_ARG_PLAIN);
			queue_arg(g, MMF_OP_PROC_REPORT, proc, MMF_PROC_MAPS, GEN_ARG_PLAIN);
			return;
		}
	}
	unsigned h = take_hint(g);
	if (h != GEN_NO_HINT) {
		mmf_gen_put(op, "page", h);
		if (g->version < 4)
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
static void shape_ftruncate(struct gen *g, unsigned qproc, struct mmf_op *op)
{
	uint32_t h = g->version >= 4 && g->sh.arg ? take_hint(g) : GEN_NO_HINT, hs = 0;
	if (h < GEN_SH_PAGES)
		hs = *page(g, qproc, h);
	unsigned f = (hs & SH_FILE) ? (hs >> SH_FILE_SHIFT) & 3u
		     : below(&g->r, 3) ? below(&g->r, 2)
				       : below(&g->r, MMF_NFILES);
	uint32_t size = g->sh.fsize[f], to;
	if (hs & SH_FILE) /* version 4: below the hinted page (a private copy of it, mostly) */
		to = below(&g->r, (hs >> SH_PGOFF_SHIFT) + 1);
	else if (size && below(&g->r, 3) == 0)
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
	if (to < size || (hs & SH_FILE)) { /* a page past the new end, where some process maps the file */
		unsigned proc = hs & SH_FILE ? qproc : mmf_gen_as_proc(g);
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
	case MMF_OP_MEM_FILL:
	case MMF_OP_MEM_EXEC: {
		uint32_t p = k != MMF_OP_MEM_READ && k != MMF_OP_MEM_EXEC && below(&g->r, 2) ? find(g, proc, SH_MAPPED | SH_W, SH_MAPPED)
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

/* Version 4's scenarios: short plans of ops that reach a state only two or
 * three conditions together make (a page written, then discarded, then
 * read; a private copy of a file page, then the file truncated below it),
 * queued as one, each op shaped as it comes. A scenario starts from the
 * kind drawn, so the mix of kinds stays the weights'. Returns 1 when it
 * queued something. */

static int sc_twice(struct gen *g, unsigned proc, unsigned arg);

/* A page of proc mapped with (st & mask) == want, and writable and
 * readable; written first (queued) when it holds nothing. */
static uint32_t written_page(struct gen *g, unsigned proc, uint32_t mask, uint32_t want)
{
	const uint32_t rw = SH_MAPPED | SH_R | SH_W;
	uint32_t p = find(g, proc, mask | rw | SH_WRITTEN, want | rw | SH_WRITTEN);
	if (p != MMF_AS_WINDOW_PAGES)
		return p;
	p = find(g, proc, mask | rw, want | rw);
	if (p != MMF_AS_WINDOW_PAGES)
		queue_arg(g, MMF_OP_MEM_WRITE, proc, p, GEN_ARG_PLAIN);
	return p;
}

/* Data written, discarded (DONTNEED, FREE, PAGEOUT; a shared file page's
 * DONTNEED keeps the file's data), read back: the first page, and the last
 * of the range, written too. */
static int sc_discard(struct gen *g, unsigned proc)
{
	int file = below(&g->r, 2) == 0;
	uint32_t p = file ? written_page(g, proc, SH_FILE | SH_SHARED, SH_FILE | SH_SHARED) : MMF_AS_WINDOW_PAGES;
	if (p == MMF_AS_WINDOW_PAGES && file && can(g, MMF_OP_MMAP_FILE) && sc_twice(g, proc, GEN_ARG_SHDROP))
		return 1; /* none: map one */
	if (p == MMF_AS_WINDOW_PAGES)
		p = written_page(g, proc, SH_SHARED, 0), file = 0;
	if (p == MMF_AS_WINDOW_PAGES)
		return 0;
	uint32_t s = run_start(g, proc, p), n = run_from(g, proc, s, 64), last = s + n - 1;
	if (last != p)
		queue_arg(g, MMF_OP_MEM_WRITE, proc, last, GEN_ARG_PLAIN);
	static const uint8_t adv[] = { MMF_MADV_DONTNEED, MMF_MADV_DONTNEED, MMF_MADV_DONTNEED, MMF_MADV_FREE,
				       MMF_MADV_PAGEOUT, MMF_MADV_COLD };
	unsigned a = file ? MMF_MADV_DONTNEED : adv[below(&g->r, sizeof(adv))];
	queue_arg(g, MMF_OP_MADVISE, proc, s, 1 + a);
	queue_arg(g, MMF_OP_MEM_READ, proc, last, GEN_ARG_PLAIN);
	if (last != p)
		queue_arg(g, MMF_OP_MEM_READ, proc, p, GEN_ARG_PLAIN);
	return 1;
}

/* A written private page marked WIPEONFORK (or DONTFORK), then a fork whose
 * child reads it first (the madvise queues the fork). */
static int sc_wipe(struct gen *g, unsigned proc)
{
	if (!can(g, MMF_OP_FORK))
		return 0;
	uint32_t p = written_page(g, proc, SH_SHARED | SH_FILE, 0);
	if (p == MMF_AS_WINDOW_PAGES)
		return 0;
	queue_arg(g, MMF_OP_MADVISE, proc, p, 1 + (below(&g->r, 4) ? MMF_MADV_WIPEONFORK : MMF_MADV_DONTFORK));
	return 1;
}

/* A private copy of a file page (a write to a private file mapping), then
 * the file truncated below it, then the page read (SIGBUS: the copy goes). */
static int sc_cow_truncate(struct gen *g, unsigned proc)
{
	uint32_t p = find(g, proc, SH_MAPPED | SH_FILE | SH_SHARED | SH_W, SH_MAPPED | SH_FILE | SH_W);
	if (!can(g, MMF_OP_MEM_WRITE) || !can(g, MMF_OP_FTRUNCATE))
		return 0;
	if (p == MMF_AS_WINDOW_PAGES) /* none: map one */
		return can(g, MMF_OP_MMAP_FILE) && sc_twice(g, proc, GEN_ARG_COW);
	queue_arg(g, MMF_OP_MEM_WRITE, proc, p, GEN_ARG_PLAIN);
	queue_arg(g, MMF_OP_FTRUNCATE, proc, p, GEN_ARG_PLAIN);
	return 1;
}

/* A range locked, then what the lock did: the smaps, a fork (the child
 * starts unlocked), msync(MS_INVALIDATE) (EBUSY), munlock and the smaps. */
static int sc_lock(struct gen *g, unsigned proc, unsigned k, int then)
{
	uint32_t s = 0;
	if (!mapped_range(g, proc, &s, 64))
		return 0;
	if (k != MMF_OP_MLOCK2 || !can(g, k))
		k = MMF_OP_MLOCK;
	queue_arg(g, k, proc, s, GEN_ARG_PLAIN);
	switch (then >= 0 ? (unsigned)then : below(&g->r, 5)) {
	case 0: queue_arg(g, MMF_OP_PROC_REPORT, proc, MMF_PROC_SMAPS, GEN_ARG_PLAIN); break;
	case 1:
		if (can(g, MMF_OP_FORK)) {
			g->sh.fork_report = 1 + MMF_PROC_SMAPS;
			queue_arg(g, MMF_OP_FORK, proc, GEN_NO_HINT, GEN_ARG_PLAIN);
			break;
		}
		/* fall through */
	case 2:
		if (can(g, MMF_OP_MSYNC)) {
			queue_arg(g, MMF_OP_MSYNC, proc, s, 1 + 2 + 4 * below(&g->r, 2));
			break;
		}
		/* fall through */
	default:
		queue_arg(g, MMF_OP_MUNLOCK, proc, s, GEN_ARG_PLAIN);
		queue_arg(g, MMF_OP_PROC_REPORT, proc, MMF_PROC_SMAPS, GEN_ARG_PLAIN);
		break;
	}
	return 1;
}

/* op k from the start of a mapping on past its end into a hole (ENOMEM,
 * after changing what came before it), then the smaps. */
static int sc_hole(struct gen *g, unsigned k, unsigned proc)
{
	uint32_t p = find(g, proc, SH_MAPPED, SH_MAPPED);
	if (p == MMF_AS_WINDOW_PAGES || p >= MMF_AS_START_BRK_PAGE)
		return 0;
	uint32_t s = below(&g->r, 2) ? run_start(g, proc, p) : p;
	queue_arg(g, k, proc, s, GEN_ARG_HOLE);
	if (k == MMF_OP_MPROTECT) /* what came before the hole changed */
		queue_arg(g, MMF_OP_MEM_WRITE, proc, s, GEN_ARG_PLAIN);
	else if (below(&g->r, 2))
		queue_arg(g, MMF_OP_PROC_REPORT, proc, MMF_PROC_SMAPS, GEN_ARG_PLAIN);
	return 1;
}

/* A written private page, then a fork: both sides come back to it (the
 * fork queues the writes and reads: a copy on each side's write). */
static int sc_cow(struct gen *g, unsigned proc)
{
	if (!can(g, MMF_OP_FORK))
		return 0;
	uint32_t p = written_page(g, proc, SH_SHARED, 0);
	if (p == MMF_AS_WINDOW_PAGES)
		return 0;
	g->sh.fork_page = (uint16_t)p;
	queue_arg(g, MMF_OP_FORK, proc, GEN_NO_HINT, GEN_ARG_PLAIN);
	return 1;
}

/* Version 5: a written page shared by a fork, then one side exits (the
 * child mostly), then the survivor's smaps (the page its own again:
 * private, whole Pss) and a write to it (reused, not copied). */
static int sc_exit(struct gen *g, unsigned proc)
{
	if (!can(g, MMF_OP_FORK) || !can(g, MMF_OP_EXIT) || !can(g, MMF_OP_PROC_REPORT))
		return 0;
	uint32_t p = written_page(g, proc, SH_SHARED, 0);
	if (p == MMF_AS_WINDOW_PAGES)
		return 0;
	g->sh.fork_page = (uint16_t)p;
	g->sh.fork_exit = 1;
	queue_arg(g, MMF_OP_FORK, proc, GEN_NO_HINT, GEN_ARG_PLAIN);
	return 1;
}

/* A written page's range made read-only (or inaccessible), then written
 * (SIGSEGV) and read. */
static int sc_protect(struct gen *g, unsigned proc)
{
	uint32_t p = written_page(g, proc, 0, 0);
	if (p == MMF_AS_WINDOW_PAGES)
		return 0;
	queue_arg(g, MMF_OP_MPROTECT, proc, below(&g->r, 2) ? run_start(g, proc, p) : p, 1 + (below(&g->r, 4) ? 1u : 0u));
	queue_arg(g, MMF_OP_MEM_WRITE, proc, p, GEN_ARG_PLAIN);
	queue_arg(g, MMF_OP_MEM_READ, proc, p, GEN_ARG_PLAIN);
	return 1;
}

/* A run holding written pages, moved (mremap reads follow it). */
static int sc_move(struct gen *g, unsigned proc)
{
	uint32_t p = written_page(g, proc, 0, 0);
	if (p == MMF_AS_WINDOW_PAGES)
		return 0;
	queue_arg(g, MMF_OP_MREMAP, proc, run_start(g, proc, p), GEN_ARG_PLAIN);
	return 1;
}

/* An anonymous mapping placed right after another one, like it but for
 * MAP_NORESERVE (mostly). */
static int sc_beside(struct gen *g, unsigned proc)
{
	uint32_t p = find(g, proc, SH_MAPPED | SH_FILE, SH_MAPPED);
	if (p == MMF_AS_WINDOW_PAGES || p >= MMF_AS_START_BRK_PAGE)
		return 0;
	uint32_t e = run_start(g, proc, p);
	e += run_from(g, proc, e, MMF_AS_START_BRK_PAGE);
	if (e >= MMF_AS_START_BRK_PAGE || (*page(g, proc, e) & SH_MAPPED))
		return 0;
	queue_arg(g, MMF_OP_MMAP, proc, e, GEN_ARG_PLAIN);
	return 1;
}

/* One file page mapped twice: faulted in through the first mapping, then
 * seen from the second (mincore: in the page cache though not mapped
 * there), read there (mapped twice: rmap's mapcount, smaps' Shared_*). */
static int sc_twice(struct gen *g, unsigned proc, unsigned arg)
{
	unsigned f = below(&g->r, 2);
	if (!g->sh.fsize[f])
		f ^= 1;
	if (!g->sh.fsize[f] || g->sh.fsize[f] > 0xfffe)
		return 0;
	g->sh.want_file = (uint8_t)(f + 1);
	g->sh.want_pgoff = (uint16_t)(1 + below(&g->r, g->sh.fsize[f]));
	queue_arg(g, MMF_OP_MMAP_FILE, proc, GEN_NO_HINT, arg);
	return 1;
}

/* A scenario for a fresh op of kind k, now and then (rarer kinds more
 * often: each is the one way to its scenario). */
static int scenario(struct gen *g, unsigned k, unsigned proc)
{
	unsigned x = below(&g->r, 12);
	switch (k) {
	case MMF_OP_MEM_READ:
	case MMF_OP_MEM_WRITE:
		return x < 2	? sc_discard(g, proc)
		       : x == 2 ? sc_wipe(g, proc)
		       : x == 3 ? sc_cow_truncate(g, proc)
		       : x == 4 ? sc_cow(g, proc)
		       : x == 5 ? can(g, MMF_OP_MMAP_FILE) && sc_twice(g, proc, GEN_ARG_TWICE)
		       : x == 6 ? can(g, MMF_OP_MLOCK) && sc_lock(g, proc, MMF_OP_MLOCK, -1)
		       : x < 9 && g->version >= 5 && sc_exit(g, proc);
	case MMF_OP_MADVISE:
	case MMF_OP_MUNMAP:
		return x < 2 ? sc_discard(g, proc) : x < 4 ? sc_wipe(g, proc) : x < 6 ? sc_move(g, proc) : 0;
	case MMF_OP_FORK:
		return x < 3 ? sc_wipe(g, proc) : x < 9 ? sc_cow(g, proc) : g->version >= 5 && sc_exit(g, proc);
	case MMF_OP_FTRUNCATE: return x < 8 && sc_cow_truncate(g, proc);
	case MMF_OP_MLOCK:
	case MMF_OP_MLOCK2:
	case MMF_OP_MUNLOCK:
	case MMF_OP_MLOCKALL:
	case MMF_OP_MUNLOCKALL:
		return x < 5 ? sc_lock(g, proc, k, -1) : x < 8 ? sc_hole(g, k == MMF_OP_MUNLOCK ? k : MMF_OP_MLOCK, proc) : 0;
	case MMF_OP_MPROTECT: return x < 2 ? sc_hole(g, k, proc) : x < 5 && sc_protect(g, proc);
	case MMF_OP_MSYNC: return x < 2 ? sc_hole(g, k, proc) : x < 5 && sc_lock(g, proc, MMF_OP_MLOCK, 2);
	case MMF_OP_MINCORE:
		return x < 2 ? sc_hole(g, k, proc) : x < 7 && can(g, MMF_OP_MMAP_FILE) && sc_twice(g, proc, GEN_ARG_TWICE);
	case MMF_OP_MREMAP: return x < 6 && sc_move(g, proc);
	case MMF_OP_MMAP:
		if (x >= 3 && x < 5 && can(g, MMF_OP_BRK)) {
			queue_arg(g, MMF_OP_BRK, proc, GEN_NO_HINT, GEN_ARG_ABOVE);
			return 1;
		}
		return x < 3 && sc_beside(g, proc);
	case MMF_OP_BRK:
		if (x >= 6)
			return 0;
		queue_arg(g, MMF_OP_BRK, proc, GEN_NO_HINT, GEN_ARG_ABOVE);
		return 1;
	case MMF_OP_MMAP_FILE:
		return x < 3 ? sc_twice(g, proc, GEN_ARG_TWICE) : x < 5 ? sc_cow_truncate(g, proc)
						: x < 8 ? sc_twice(g, proc, GEN_ARG_SHDROP) : 0;
	default: return 0;
	}
}

static int shape_op(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op);
static void shape_pressure_op(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op);
static void shape_huge_op(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op);

int mmf_gen_as_shape(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op)
{
	struct gen_shadow *sh = &g->sh;
	if (!sh->dequeued)
		sh->arg = 0;
	/* version 4: now and then, a fresh op starts a scenario, its first
	 * op shaped now */
	if (g->version >= 4 && !sh->dequeued && !sh->q_len && scenario(g, k, proc)) {
		unsigned p2 = proc, k2 = mmf_gen_as_queued(g, &p2);
		if (k2 && can(g, k2)) {
			sh->dequeued = 1;
			k = k2, proc = p2;
		} else {
			sh->q_len = 0, sh->arg = 0, sh->hint = GEN_NO_HINT;
		}
	}
	int r = shape_op(g, k, proc, op);
	sh->arg = 0;
	sh->dequeued = 0;
	return r;
}

static int shape_op(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op)
{
	reset_op(op, k, proc); /* the shaping below sets what matters */
	/* on purpose, now and then: an error path (the shadow stays as it is) */
	if (g->sh.errors && !g->sh.arg && below(&g->r, 100) < g->sh.errors && k != MMF_OP_EXIT &&
	    shape_error(g, k, proc, op))
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
	case MMF_OP_MEM_EXEC:
	case MMF_OP_MEM_FILL: shape_access(g, k, proc, op); break;
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
	case MMF_OP_FTRUNCATE: shape_ftruncate(g, proc, op); break;
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
	case MMF_OP_SWAPON:
	case MMF_OP_SWAPOFF:
	case MMF_OP_KSWAPD:
	case MMF_OP_DROP_CACHES:
	case MMF_OP_RECLAIM:
	case MMF_OP_OOM_SCORE_ADJ: shape_pressure_op(g, k, proc, op); break;
	case MMF_OP_HUGETLB_POOL:
	case MMF_OP_MMAP_HUGE: shape_huge_op(g, k, proc, op); break;
	default: break;
	}
	return 1;
}

/* ---- memory pressure (version 6) ---------------------------------------- */

/* The user pages the profile's machine has. */
static uint32_t machine_pages(const struct gen *g)
{
	return g->p->end_pfn >> (mmf_profile_as_shift(g->p) - g->p->page_shift);
}

static void shape_pressure_op(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op)
{
	uint32_t pages = machine_pages(g);
	switch (k) {
	case MMF_OP_SWAPON: {
		/* a device of its own size class, now and then one no header fits
		 * (EINVAL) or no such file (ENOENT) */
		unsigned x = below(&g->r, 16);
		mmf_gen_put(op, "dev", x == 0 ? MMF_NSWAPDEVS + below(&g->r, 4) : below(&g->r, MMF_NSWAPDEVS));
		uint32_t n = x == 1 ? pages + 1 + below(&g->r, pages) : x == 2 ? below(&g->r, 2) : pages / 8 + below(&g->r, pages);
		mmf_gen_put(op, "npages", n > 65535 ? 65535 : n);
		mmf_gen_put(op, "flags", below(&g->r, 2) ? 0 : 0x8000u | below(&g->r, 8));
		break;
	}
	case MMF_OP_SWAPOFF: mmf_gen_put(op, "dev", below(&g->r, 8) ? below(&g->r, MMF_NSWAPDEVS) : MMF_NSWAPDEVS); break;
	case MMF_OP_KSWAPD: mmf_gen_put(op, "node", below(&g->r, g->p->nr_nodes)); break;
	case MMF_OP_DROP_CACHES: mmf_gen_put(op, "flags", below(&g->r, 8) ? 1 + below(&g->r, 3) : below(&g->r, 8)); break;
	case MMF_OP_RECLAIM: mmf_gen_put(op, "npages", 1 + below(&g->r, below(&g->r, 4) ? 64 : pages / 2)); break;
	case MMF_OP_OOM_SCORE_ADJ: {
		static const int16_t adj[] = { -1000, -999, -500, 0, 0, 300, 999, 1000, -1001, 1001 };
		int a = adj[below(&g->r, sizeof(adj) / sizeof(adj[0]))];
		mmf_gen_put(op, "proc", proc);
		mmf_gen_put(op, "adj", (uint32_t)(a + MMF_OOMADJ_BIAS));
		break;
	}
	default: break;
	}
}

int mmf_gen_pressure_fits(const struct gen *g)
{
	return machine_pages(g) <= 3u * (MMF_AS_WINDOW_PAGES - GEN_SH_PAGES - 64);
}

static void emit(const struct gen *g, struct mmf_seq *out, unsigned cap, struct mmf_op *op)
{
	(void)g;
	if (out->nops < cap && mmf_op_canonical(op, out->profile, out->swarm))
		out->ops[out->nops++] = *op;
}

/* Now and then (one in three) the first half of [base, base + each) a
 * shared file's, made long enough and mapped populated there: shmem goes
 * to swap through its page cache and comes back from swapoff. The pages
 * it took (0: none). */
static uint32_t shared_half(struct gen *g, struct mmf_seq *out, unsigned cap, unsigned proc, uint32_t base,
			    uint32_t each)
{
	struct mmf_op op;
	if (!can(g, MMF_OP_MMAP_FILE) || !can(g, MMF_OP_FTRUNCATE) || below(&g->r, 3))
		return 0;
	unsigned f = below(&g->r, MMF_NFILES);
	uint32_t half = each / 2;
	reset_op(&op, MMF_OP_FTRUNCATE, proc);
	mmf_gen_put(&op, "file", f);
	mmf_gen_put(&op, "npages", half);
	emit(g, out, cap, &op);
	g->sh.fsize[f] = half;
	reset_op(&op, MMF_OP_MMAP_FILE, proc);
	mmf_gen_put(&op, "start", base);
	mmf_gen_put(&op, "npages", half);
	mmf_gen_put(&op, "prot", 3);
	mmf_gen_put(&op, "flags", MMF_MAP_SHARED | MMF_MAP_FIXED | MMF_MAP_POPULATE);
	mmf_gen_put(&op, "file", f);
	emit(g, out, cap, &op);
	return half;
}

/* Four pages of [base, base + each) written by proc, each a word or a
 * whole page (repeated, zeroes, half noise or noise), noted in
 * written[nw..]; the new count. */
static unsigned write_four(struct gen *g, struct mmf_seq *out, unsigned cap, unsigned proc, uint32_t base,
			   uint32_t each, uint32_t *written, unsigned nw)
{
	struct mmf_op op;
	for (unsigned w = 0; w < 4; w++) {
		int fill = can(g, MMF_OP_MEM_FILL) && below(&g->r, 2);
		reset_op(&op, fill ? MMF_OP_MEM_FILL : MMF_OP_MEM_WRITE, proc);
		written[nw] = base + below(&g->r, each);
		mmf_gen_put(&op, "page", written[nw++]);
		mmf_gen_put(&op, "token", below(&g->r, 256));
		emit(g, out, cap, &op);
	}
	return nw;
}

/* proc forks into the lowest free slot, which inherits its shadow: the
 * child, or MMF_NPROCS when every slot is taken. */
static unsigned fork_next(struct gen *g, struct mmf_seq *out, unsigned cap, unsigned proc)
{
	struct mmf_op op;
	unsigned child = 1;
	while (child < MMF_NPROCS && alive(g, child))
		child++;
	if (child == MMF_NPROCS)
		return child;
	reset_op(&op, MMF_OP_FORK, proc);
	mmf_gen_put(&op, "child", child);
	emit(g, out, cap, &op);
	g->sh.live |= (uint8_t)(1u << child);
	g->sh.used |= (uint8_t)(1u << child);
	memcpy(g->sh.pg[child], g->sh.pg[proc], sizeof(g->sh.pg[child]));
	return child;
}

/* Version 6: a machine filled past its watermarks. Most times a swap
 * device first; then a few processes each populate a large private
 * mapping of their own above the shadow's pages (so the ops aimed at
 * those stay aimed), write a handful of its pages, and fork the next;
 * reclaim is asked for (kswapd, MADV_PAGEOUT, proactive reclaim, or none:
 * the allocations' own), oom_score_adj set now and then; and the written
 * pages are read back on every side, so contents must survive swap-out,
 * swap-in, readahead and the OOM killer's choices. */
void mmf_gen_as_pressure(struct gen *g, unsigned cap, struct mmf_seq *out)
{
	struct mmf_op op;
	uint32_t pages = machine_pages(g), base = GEN_SH_PAGES + 64, room = MMF_AS_WINDOW_PAGES - base;
	unsigned nproc = 1 + below(&g->r, 3);
	uint32_t each = (uint32_t)((uint64_t)pages * (4 + below(&g->r, 4)) / 6 / nproc);
	if (each > room)
		each = room;
	if (each < 16)
		each = 16;
	if (can(g, MMF_OP_ZSWAP) && below(&g->r, 2)) { /* zswap on: lz4 or zstd, a pool of 1-40% */
		reset_op(&op, MMF_OP_ZSWAP, 0);
		mmf_gen_put(&op, "flags", 1 | below(&g->r, 2) << 1 | below(&g->r, 3) << 2);
		mmf_gen_put(&op, "npages", below(&g->r, 4) ? 1 + below(&g->r, 8) : 1 + below(&g->r, 40));
		emit(g, out, cap, &op);
	}
	if (can(g, MMF_OP_SWAPON) && below(&g->r, 4)) {
		reset_op(&op, MMF_OP_SWAPON, 0);
		mmf_gen_put(&op, "dev", below(&g->r, MMF_NSWAPDEVS));
		mmf_gen_put(&op, "npages", pages / 4 + below(&g->r, pages));
		mmf_gen_put(&op, "flags", below(&g->r, 2) ? 0 : 0x8000u | below(&g->r, 4));
		emit(g, out, cap, &op);
	}
	unsigned proc = 0, procs[3] = { 0, 0, 0 }, np = 0;
	uint32_t written[3 * 4];
	unsigned nw = 0;
	for (unsigned i = 0; i < nproc; i++) {
		if (i) { /* the next process, forked from this one, which writes
			  * over all it inherited: copies of every page */
			unsigned child = fork_next(g, out, cap, proc);
			if (child == MMF_NPROCS)
				break;
			proc = child;
		}
		procs[np++] = proc;
		if (can(g, MMF_OP_OOM_SCORE_ADJ) && below(&g->r, 4) == 0) {
			reset_op(&op, MMF_OP_OOM_SCORE_ADJ, proc);
			shape_pressure_op(g, MMF_OP_OOM_SCORE_ADJ, proc, &op);
			emit(g, out, cap, &op);
		}
		if (!i) {
			uint32_t anon_from = shared_half(g, out, cap, proc, base, each);
			reset_op(&op, MMF_OP_MMAP, proc);
			mmf_gen_put(&op, "start", base + anon_from);
			mmf_gen_put(&op, "npages", each - anon_from);
			mmf_gen_put(&op, "prot", 3);
			mmf_gen_put(&op, "flags", MMF_MAP_FIXED | MMF_MAP_POPULATE);
		} else {
			reset_op(&op, MMF_OP_MADVISE, proc);
			mmf_gen_put(&op, "start", base);
			mmf_gen_put(&op, "npages", each);
			mmf_gen_put(&op, "advice", MMF_MADV_POPULATE_WRITE);
		}
		emit(g, out, cap, &op);
		if (can(g, MMF_OP_MEM_FILL) && below(&g->r, 2)) {
			/* a run of pages of data, mostly half noise: what fills
			 * zswap's pool (zero pages take none) */
			uint32_t from = below(&g->r, each), nf = 8 + below(&g->r, 120);
			for (uint32_t j = 0; j < nf && from + j < each; j++) {
				reset_op(&op, MMF_OP_MEM_FILL, proc);
				mmf_gen_put(&op, "page", base + from + j);
				mmf_gen_put(&op, "token", below(&g->r, 8) ? 2 + 4 * below(&g->r, 64) : below(&g->r, 256));
				emit(g, out, cap, &op);
			}
		}
		nw = write_four(g, out, cap, proc, base, each, written, nw);
	}
	unsigned how = below(&g->r, 4);
	if (how == 0 && can(g, MMF_OP_KSWAPD)) {
		reset_op(&op, MMF_OP_KSWAPD, 0);
		emit(g, out, cap, &op);
	} else if (how == 1 && can(g, MMF_OP_MADVISE)) {
		reset_op(&op, MMF_OP_MADVISE, proc);
		mmf_gen_put(&op, "start", base);
		mmf_gen_put(&op, "npages", each);
		mmf_gen_put(&op, "advice", MMF_MADV_PAGEOUT);
		emit(g, out, cap, &op);
	} else if (how == 2 && can(g, MMF_OP_RECLAIM)) {
		reset_op(&op, MMF_OP_RECLAIM, 0);
		mmf_gen_put(&op, "npages", 1 + below(&g->r, pages / 2));
		emit(g, out, cap, &op);
	}
	/* every side reads back: pages written on any side (its own data, an
	 * ancestor's copied, or zeroes), now and then one no one wrote; a
	 * fill reads a digest of the whole page (a read's XOR cannot tell a
	 * page of one repeated word from zeroes) */
	for (unsigned i = 0; i < np; i++)
		for (unsigned r = 0; r < 4; r++) {
			int digest = can(g, MMF_OP_MEM_FILL) && below(&g->r, 3) == 0;
			reset_op(&op, digest ? MMF_OP_MEM_FILL : MMF_OP_MEM_READ, procs[i]);
			mmf_gen_put(&op, "page", below(&g->r, 4) ? written[below(&g->r, nw)] : base + below(&g->r, each));
			if (digest)
				mmf_gen_put(&op, "token", below(&g->r, 256));
			emit(g, out, cap, &op);
		}
	if (can(g, MMF_OP_SWAPOFF) && below(&g->r, 2) == 0) {
		reset_op(&op, MMF_OP_SWAPOFF, 0);
		mmf_gen_put(&op, "dev", below(&g->r, MMF_NSWAPDEVS));
		emit(g, out, cap, &op);
	}
}

/* Version 6, where the system has swap but no reclaim op (a real kernel
 * seen through system calls: memory pressure cannot be made to order):
 * the pressure scenario's swap by hand. One or two devices on; a process
 * maps a populated range (its first half now and then a shared file's),
 * writes or fills some pages, forks now and then (swap entries shared);
 * MADV_PAGEOUT sends the range out; mincore, pagemap and smaps say where
 * the pages are; every side reads back (and writes, which frees slots);
 * part of the range goes now and then (its swap entries freed); swapoff
 * brings the rest back. */
void mmf_gen_as_swap_trip(struct gen *g, unsigned cap, struct mmf_seq *out)
{
	struct mmf_op op;
	uint32_t pages = machine_pages(g), base = GEN_SH_PAGES + 64, each = 8 + below(&g->r, 248);
	unsigned dev = below(&g->r, MMF_NSWAPDEVS), proc = 0, procs[2] = { 0, 0 }, np = 1;
	for (unsigned d = 0; d < 1 + (below(&g->r, 4) == 0); d++) {
		reset_op(&op, MMF_OP_SWAPON, 0);
		mmf_gen_put(&op, "dev", (dev + d) % MMF_NSWAPDEVS);
		mmf_gen_put(&op, "npages", 2 + below(&g->r, pages - 1));
		mmf_gen_put(&op, "flags", below(&g->r, 2) ? 0 : 0x8000u | below(&g->r, 4));
		emit(g, out, cap, &op);
	}
	uint32_t shared = shared_half(g, out, cap, proc, base, each);
	reset_op(&op, MMF_OP_MMAP, proc);
	mmf_gen_put(&op, "start", base + shared);
	mmf_gen_put(&op, "npages", each - shared);
	mmf_gen_put(&op, "prot", 3);
	mmf_gen_put(&op, "flags", MMF_MAP_FIXED | (below(&g->r, 4) ? MMF_MAP_POPULATE : 0));
	emit(g, out, cap, &op);
	uint32_t written[8];
	unsigned nw = 0;
	nw = write_four(g, out, cap, proc, base, each, written, nw);
	unsigned out_at = below(&g->r, 2); /* pageout before the fork, or after */
	for (unsigned step = 0; step < 2; step++) {
		if (step == out_at) {
			reset_op(&op, MMF_OP_MADVISE, proc);
			mmf_gen_put(&op, "start", base + (below(&g->r, 4) ? 0 : below(&g->r, each)));
			mmf_gen_put(&op, "npages", below(&g->r, 4) ? each : 1 + below(&g->r, each));
			mmf_gen_put(&op, "advice", MMF_MADV_PAGEOUT);
			emit(g, out, cap, &op);
			reset_op(&op, MMF_OP_MINCORE, proc);
			mmf_gen_put(&op, "start", base);
			mmf_gen_put(&op, "npages", each);
			emit(g, out, cap, &op);
			reset_op(&op, MMF_OP_PROC_REPORT, proc);
			mmf_gen_put(&op, "kind", below(&g->r, 2) ? MMF_PROC_PAGEMAP : MMF_PROC_SMAPS);
			emit(g, out, cap, &op);
		} else if (can(g, MMF_OP_FORK) && below(&g->r, 2)) {
			unsigned child = fork_next(g, out, cap, proc);
			if (child == MMF_NPROCS)
				continue;
			procs[np++] = child;
			if (below(&g->r, 2)) { /* the child's own data on a page */
				reset_op(&op, MMF_OP_MEM_WRITE, child);
				written[nw] = base + below(&g->r, each);
				mmf_gen_put(&op, "page", written[nw++]);
				mmf_gen_put(&op, "token", below(&g->r, 256));
				emit(g, out, cap, &op);
			}
		}
	}
	/* every side reads back; a write now and then (a write fault on a
	 * page in the swap cache frees its slot) */
	for (unsigned i = 0; i < np; i++)
		for (unsigned r = 0; r < 3; r++) {
			unsigned k = below(&g->r, 6);
			int digest = can(g, MMF_OP_MEM_FILL) && k == 0;
			reset_op(&op, digest ? MMF_OP_MEM_FILL : k == 1 ? MMF_OP_MEM_WRITE : MMF_OP_MEM_READ, procs[i]);
			mmf_gen_put(&op, "page", below(&g->r, 4) ? written[below(&g->r, nw)] : base + below(&g->r, each));
			if (digest || k == 1)
				mmf_gen_put(&op, "token", below(&g->r, 256));
			emit(g, out, cap, &op);
		}
	if (below(&g->r, 3) == 0) { /* swap entries zapped */
		reset_op(&op, MMF_OP_MUNMAP, procs[np - 1]);
		uint32_t from = below(&g->r, each);
		mmf_gen_put(&op, "start", base + from);
		mmf_gen_put(&op, "npages", 1 + below(&g->r, each - from));
		emit(g, out, cap, &op);
	}
	reset_op(&op, MMF_OP_PROC_REPORT, procs[np - 1]);
	mmf_gen_put(&op, "kind", MMF_PROC_SMAPS);
	emit(g, out, cap, &op);
	if (below(&g->r, 3)) {
		reset_op(&op, MMF_OP_SWAPOFF, 0);
		mmf_gen_put(&op, "dev", dev);
		emit(g, out, cap, &op);
		reset_op(&op, MMF_OP_MINCORE, proc);
		mmf_gen_put(&op, "start", base);
		mmf_gen_put(&op, "npages", each);
		emit(g, out, cap, &op);
		reset_op(&op, MMF_OP_MEM_READ, proc);
		mmf_gen_put(&op, "page", written[below(&g->r, nw)]);
		emit(g, out, cap, &op);
	}
}

/* ---- huge pages (version 7) ------------------------------------------------ */

/* The window's 2 MiB slots, in its pages. */
#define HUGE_PAGES 512u

static void shape_huge_op(struct gen *g, unsigned k, unsigned proc, struct mmf_op *op)
{
	if (k == MMF_OP_HUGETLB_POOL) {
		unsigned c = below(&g->r, 20);
		mmf_gen_put(op, "flags", c < 12 ? 0 : c < 17 ? 1 : c < 19 ? 2 : 3);
		mmf_gen_put(op, "npages", below(&g->r, 8) ? below(&g->r, 5) : below(&g->r, 16));
		return;
	}
	/* mostly a whole slot (or two), FIXED there; now and then a length the
	 * kernel rounds up, an unaligned start, a hint or the top-down search */
	uint32_t slot = below(&g->r, MMF_AS_WINDOW_PAGES / HUGE_PAGES);
	uint32_t n = (1 + below(&g->r, 2)) * HUGE_PAGES;
	if (below(&g->r, 6) == 0)
		n = 1 + below(&g->r, n);
	uint32_t start = slot * HUGE_PAGES + (below(&g->r, 10) == 0 ? 1 + below(&g->r, HUGE_PAGES - 1) : 0);
	unsigned place = below(&g->r, 8);
	unsigned flags = place < 4 ? MMF_MAP_FIXED : place < 6 ? MMF_MAP_FIXED_NOREPLACE : place < 7 ? MMF_MAP_HINT : 0;
	if (below(&g->r, 3) == 0)
		flags |= MMF_MAP_SHARED;
	if (below(&g->r, 6) == 0)
		flags |= MMF_MAP_NORESERVE;
	if (below(&g->r, 6) == 0)
		flags |= MMF_MAP_POPULATE;
	mmf_gen_put(op, "start", start);
	mmf_gen_put(op, "npages", n);
	mmf_gen_put(op, "prot", below(&g->r, 8) ? 3 : pick_prot(g));
	mmf_gen_put(op, "flags", flags);
	if (start + n <= GEN_SH_PAGES && (flags & (MMF_MAP_FIXED | MMF_MAP_FIXED_NOREPLACE)) && !(start % HUGE_PAGES))
		mapped(g, proc, start, (n + HUGE_PAGES - 1) / HUGE_PAGES * HUGE_PAGES, 3, (flags & MMF_MAP_SHARED) != 0, 0, 0,
		       0);
}

/* A page of [base, base + n) for an op: at a slot's start, end or middle
 * now and then, else anywhere. */
static uint32_t huge_page_in(struct gen *g, uint32_t base, uint32_t n)
{
	unsigned w = below(&g->r, 4);
	return base + (w == 0 ? 0 : w == 1 ? n - 1 : below(&g->r, n));
}

/* Version 7: a hugetlb pool and its mappings. The pool sized (and now and
 * then an overcommit limit), one or two 2 MiB mappings above the shadow's
 * pages (private or shared, reserved or not), written and read; a fork
 * whose writes on either side copy on write (or find no page: SIGBUS in
 * the child, the parent taking its page back), then one of the ways a
 * range goes or changes (munmap, MADV_DONTNEED or REMOVE, mprotect,
 * mremap, aligned or not), the reports, an exit, and the pool again. */
void mmf_gen_as_huge_trip(struct gen *g, unsigned cap, struct mmf_seq *out)
{
	struct mmf_op op;
	uint32_t base = 4 * HUGE_PAGES, n = (1 + below(&g->r, 2)) * HUGE_PAGES;
	unsigned proc = 0, procs[3] = { 0, 0, 0 }, np = 1;
	reset_op(&op, MMF_OP_HUGETLB_POOL, 0);
	mmf_gen_put(&op, "flags", 0);
	mmf_gen_put(&op, "npages", below(&g->r, 4) ? 1 + below(&g->r, 3) : below(&g->r, 2));
	emit(g, out, cap, &op);
	if (below(&g->r, 3) == 0) {
		mmf_gen_put(&op, "flags", 1);
		mmf_gen_put(&op, "npages", 1 + below(&g->r, 3));
		emit(g, out, cap, &op);
	}
	unsigned shared = below(&g->r, 3) == 0;
	reset_op(&op, MMF_OP_MMAP_HUGE, proc);
	mmf_gen_put(&op, "start", base);
	mmf_gen_put(&op, "npages", below(&g->r, 4) ? n : n - below(&g->r, HUGE_PAGES));
	mmf_gen_put(&op, "prot", 3);
	mmf_gen_put(&op, "flags", (below(&g->r, 2) ? MMF_MAP_FIXED : MMF_MAP_FIXED_NOREPLACE) |
					 (shared ? MMF_MAP_SHARED : 0) | (below(&g->r, 5) == 0 ? MMF_MAP_NORESERVE : 0) |
					 (below(&g->r, 6) == 0 ? MMF_MAP_POPULATE : 0));
	emit(g, out, cap, &op);
	if (below(&g->r, 3) == 0) { /* a second mapping, top-down */
		reset_op(&op, MMF_OP_MMAP_HUGE, proc);
		mmf_gen_put(&op, "npages", 1 + below(&g->r, HUGE_PAGES));
		mmf_gen_put(&op, "prot", 3);
		mmf_gen_put(&op, "flags", below(&g->r, 2) ? MMF_MAP_SHARED : 0);
		emit(g, out, cap, &op);
	}
	for (unsigned w = 0; w < 2 + below(&g->r, 2); w++) {
		int fill = can(g, MMF_OP_MEM_FILL) && below(&g->r, 3) == 0;
		reset_op(&op, fill ? MMF_OP_MEM_FILL : MMF_OP_MEM_WRITE, proc);
		mmf_gen_put(&op, "page", huge_page_in(g, base, n));
		mmf_gen_put(&op, "token", below(&g->r, 256));
		emit(g, out, cap, &op);
	}
	for (unsigned f = 0; f < 2 && can(g, MMF_OP_FORK) && below(&g->r, 3); f++) {
		unsigned child = fork_next(g, out, cap, procs[np - 1]);
		if (child == MMF_NPROCS)
			break;
		procs[np++] = child;
	}
	/* writes on the forked sides (COW, or no page for it), reads on all */
	for (unsigned r = 0; r < 2 + np; r++) {
		unsigned who = procs[below(&g->r, np)], k = below(&g->r, 3);
		reset_op(&op, k ? MMF_OP_MEM_READ : MMF_OP_MEM_WRITE, who);
		mmf_gen_put(&op, "page", huge_page_in(g, base, n));
		if (!k)
			mmf_gen_put(&op, "token", below(&g->r, 256));
		emit(g, out, cap, &op);
	}
	unsigned who = procs[below(&g->r, np)];
	uint32_t from = below(&g->r, 3) ? (below(&g->r, 2) ? HUGE_PAGES : 0) : below(&g->r, n);
	uint32_t len = below(&g->r, 3) ? HUGE_PAGES : 1 + below(&g->r, n);
	switch (below(&g->r, 6)) {
	case 0:
		reset_op(&op, MMF_OP_MUNMAP, who);
		break;
	case 1:
	case 2:
		reset_op(&op, MMF_OP_MADVISE, who);
		mmf_gen_put(&op, "advice", below(&g->r, 4) ? MMF_MADV_DONTNEED : MMF_MADV_REMOVE);
		break;
	case 3:
		reset_op(&op, MMF_OP_MPROTECT, who);
		mmf_gen_put(&op, "prot", below(&g->r, 2) ? 1 : 0);
		break;
	case 4:
		reset_op(&op, MMF_OP_MREMAP, who);
		mmf_gen_put(&op, "npages", (uint8_t)(len > 255 ? 0 : len));
		mmf_gen_put(&op, "new_npages", below(&g->r, 2) ? 0 : 1 + below(&g->r, 255));
		mmf_gen_put(&op, "new_start", (6 + below(&g->r, 2)) * HUGE_PAGES);
		mmf_gen_put(&op, "flags", below(&g->r, 2) ? MMF_MREMAP_MAYMOVE | MMF_MREMAP_FIXED : 0);
		break;
	default:
		reset_op(&op, MMF_OP_MINCORE, who);
		break;
	}
	if (op.code != MMF_OP_MREMAP) {
		mmf_gen_put(&op, "start", base + from);
		mmf_gen_put(&op, "npages", len);
	} else {
		mmf_gen_put(&op, "start", base + from);
	}
	emit(g, out, cap, &op);
	for (unsigned r = 0; r < 2; r++) {
		reset_op(&op, below(&g->r, 2) ? MMF_OP_MEM_READ : MMF_OP_MEM_WRITE, procs[below(&g->r, np)]);
		mmf_gen_put(&op, "page", huge_page_in(g, base, n));
		mmf_gen_put(&op, "token", below(&g->r, 256));
		emit(g, out, cap, &op);
	}
	reset_op(&op, MMF_OP_PROC_REPORT, procs[below(&g->r, np)]);
	mmf_gen_put(&op, "kind", below(&g->r, 2) ? MMF_PROC_SMAPS : MMF_PROC_PAGEMAP);
	emit(g, out, cap, &op);
	if (np > 1 && below(&g->r, 2)) {
		reset_op(&op, MMF_OP_EXIT, procs[np - 1]);
		emit(g, out, cap, &op);
		g->sh.live &= (uint8_t)~(1u << procs[np - 1]);
	}
	reset_op(&op, MMF_OP_HUGETLB_POOL, 0);
	mmf_gen_put(&op, "flags", below(&g->r, 2) ? 2 : 0);
	mmf_gen_put(&op, "npages", below(&g->r, 3));
	emit(g, out, cap, &op);
}

/* Version 8: transparent huge pages. One or two 2 MiB-aligned private
 * anonymous slots above the shadow's pages, MADV_HUGEPAGE (now and then
 * NOHUGEPAGE, or neither), read (the huge zero page) and written (a THP);
 * a fork whose writes on either side split the shared PMD and copy a small
 * page; then one of the ways a PMD splits or goes whole (munmap, mprotect,
 * MADV_DONTNEED or FREE, mlock, mremap; a part of it, or all 2 MiB), or
 * MADV_COLLAPSE after a split; the reports, an exit, and a last collapse. */
void mmf_gen_as_thp_trip(struct gen *g, unsigned cap, struct mmf_seq *out)
{
	struct mmf_op op;
	uint32_t base = (4 + 2 * below(&g->r, 2)) * HUGE_PAGES, n = (1 + below(&g->r, 2)) * HUGE_PAGES;
	unsigned proc = 0, procs[3] = { 0, 0, 0 }, np = 1;
	if (below(&g->r, 4) == 0)
		n += 1 + below(&g->r, 16); /* a VMA past the aligned part: its tail is small pages */
	reset_op(&op, MMF_OP_MMAP, proc);
	mmf_gen_put(&op, "start", base);
	mmf_gen_put(&op, "npages", n);
	mmf_gen_put(&op, "prot", 3);
	mmf_gen_put(&op, "flags", below(&g->r, 2) ? MMF_MAP_FIXED : MMF_MAP_FIXED_NOREPLACE);
	emit(g, out, cap, &op);
	unsigned hint = below(&g->r, 8);
	if (hint) {
		reset_op(&op, MMF_OP_MADVISE, proc);
		mmf_gen_put(&op, "start", base);
		mmf_gen_put(&op, "npages", n);
		mmf_gen_put(&op, "advice", hint == 1 ? MMF_MADV_NOHUGEPAGE : MMF_MADV_HUGEPAGE);
		emit(g, out, cap, &op);
	}
	for (unsigned w = 0; w < 2 + below(&g->r, 3); w++) {
		unsigned k = below(&g->r, 4);
		reset_op(&op, k == 0 ? MMF_OP_MEM_READ : k == 1 && can(g, MMF_OP_MEM_FILL) ? MMF_OP_MEM_FILL : MMF_OP_MEM_WRITE,
			 proc);
		mmf_gen_put(&op, "page", huge_page_in(g, base, n));
		mmf_gen_put(&op, "token", below(&g->r, 256));
		emit(g, out, cap, &op);
	}
	if (below(&g->r, 3) == 0) {
		reset_op(&op, MMF_OP_PROC_REPORT, proc);
		mmf_gen_put(&op, "kind", MMF_PROC_SMAPS);
		emit(g, out, cap, &op);
	}
	for (unsigned f = 0; f < 2 && can(g, MMF_OP_FORK) && below(&g->r, 2); f++) {
		unsigned child = fork_next(g, out, cap, procs[np - 1]);
		if (child == MMF_NPROCS)
			break;
		procs[np++] = child;
	}
	for (unsigned r = 0; r < 1 + np; r++) {
		unsigned who = procs[below(&g->r, np)], k = below(&g->r, 3);
		reset_op(&op, k ? MMF_OP_MEM_WRITE : MMF_OP_MEM_READ, who);
		mmf_gen_put(&op, "page", huge_page_in(g, base, n));
		mmf_gen_put(&op, "token", below(&g->r, 256));
		emit(g, out, cap, &op);
	}
	unsigned who = procs[below(&g->r, np)], whole = below(&g->r, 3) == 0;
	uint32_t from = whole ? (n >= 2 * HUGE_PAGES && below(&g->r, 2) ? HUGE_PAGES : 0) : below(&g->r, n);
	uint32_t len = whole ? HUGE_PAGES : 1 + below(&g->r, below(&g->r, 2) ? 16 : n - from);
	if (from + len > n)
		len = n - from;
	unsigned what = below(&g->r, 8);
	switch (what) {
	case 0: reset_op(&op, MMF_OP_MUNMAP, who); break;
	case 1:
		reset_op(&op, MMF_OP_MPROTECT, who);
		mmf_gen_put(&op, "prot", below(&g->r, 2) ? 1 : 0);
		break;
	case 2:
	case 3:
		reset_op(&op, MMF_OP_MADVISE, who);
		mmf_gen_put(&op, "advice", below(&g->r, 3) ? MMF_MADV_DONTNEED : MMF_MADV_FREE);
		break;
	case 4:
		reset_op(&op, can(g, MMF_OP_MLOCK) ? MMF_OP_MLOCK : MMF_OP_MPROTECT, who);
		if (op.code == MMF_OP_MPROTECT)
			mmf_gen_put(&op, "prot", 1);
		break;
	case 5:
		reset_op(&op, MMF_OP_MREMAP, who);
		len = 1 + below(&g->r, 255);
		mmf_gen_put(&op, "npages", (uint8_t)len);
		mmf_gen_put(&op, "new_npages", below(&g->r, 2) ? (uint8_t)len : 1 + below(&g->r, 255));
		mmf_gen_put(&op, "new_start", 2 * HUGE_PAGES + below(&g->r, 2) * below(&g->r, HUGE_PAGES));
		mmf_gen_put(&op, "flags", below(&g->r, 2) ? MMF_MREMAP_MAYMOVE | MMF_MREMAP_FIXED : 0);
		break;
	default: /* a small part goes, then the range collapses again */
		reset_op(&op, MMF_OP_MADVISE, who);
		mmf_gen_put(&op, "start", base + from);
		mmf_gen_put(&op, "npages", 1 + below(&g->r, 8));
		mmf_gen_put(&op, "advice", MMF_MADV_DONTNEED);
		emit(g, out, cap, &op);
		reset_op(&op, MMF_OP_MADVISE, who);
		from = below(&g->r, 4) ? 0 : below(&g->r, n);
		len = n - from;
		mmf_gen_put(&op, "advice", MMF_MADV_COLLAPSE);
		break;
	}
	mmf_gen_put(&op, "start", base + from);
	if (op.code != MMF_OP_MREMAP)
		mmf_gen_put(&op, "npages", len);
	emit(g, out, cap, &op);
	for (unsigned r = 0; r < 2; r++) {
		reset_op(&op, below(&g->r, 2) ? MMF_OP_MEM_READ : MMF_OP_MEM_WRITE, procs[below(&g->r, np)]);
		mmf_gen_put(&op, "page", huge_page_in(g, base, n));
		mmf_gen_put(&op, "token", below(&g->r, 256));
		emit(g, out, cap, &op);
	}
	for (unsigned r = 0; r < np; r++) {
		reset_op(&op, below(&g->r, 4) ? MMF_OP_PROC_REPORT : MMF_OP_MINCORE, procs[r]);
		if (op.code == MMF_OP_PROC_REPORT) {
			mmf_gen_put(&op, "kind", below(&g->r, 3) ? MMF_PROC_SMAPS : MMF_PROC_PAGEMAP);
		} else {
			mmf_gen_put(&op, "start", base);
			mmf_gen_put(&op, "npages", n);
		}
		emit(g, out, cap, &op);
	}
	if (np > 1 && below(&g->r, 2)) {
		reset_op(&op, MMF_OP_EXIT, procs[np - 1]);
		emit(g, out, cap, &op);
		g->sh.live &= (uint8_t)~(1u << procs[np - 1]);
	}
	if (below(&g->r, 3) == 0) {
		reset_op(&op, MMF_OP_MADVISE, proc);
		mmf_gen_put(&op, "start", base);
		mmf_gen_put(&op, "npages", n);
		mmf_gen_put(&op, "advice", MMF_MADV_COLLAPSE);
		emit(g, out, cap, &op);
		reset_op(&op, MMF_OP_PROC_REPORT, proc);
		mmf_gen_put(&op, "kind", MMF_PROC_SMAPS);
		emit(g, out, cap, &op);
	}
}
