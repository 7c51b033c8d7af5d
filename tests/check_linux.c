/* The Linux agent against this machine's kernel, and under QEMU user mode:
 * scenarios where the oracle and the kernel must agree step by step,
 * generated sequences that must all agree, a seeded oracle bug the real
 * kernel exposes, a killed and a hung agent as findings, the known
 * qemu-arm divergence (mprotect over a hole), and qemu-sparc64 against
 * the reference with 8 KiB pages. Where an agent, an
 * emulator or /proc's frame numbers are missing, the test says SKIP. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmfuzz/harness.h"
#include "tests/check_run.h"

static const struct mmf_adapter *open_agent(const char *name, unsigned timeout_ms, char *why, size_t cap)
{
	char path[512];
	if (mmf_agent_path(name, path, sizeof(path))) {
		snprintf(why, cap, "no agent mmfuzz-agent-%s in %s", name, getenv("MMFUZZ_AGENT_DIR"));
		return NULL;
	}
	struct mmf_open_opts o = { MMF_ISOLATE_DEFAULT, timeout_ms, 0 };
	const struct mmf_adapter *ad = mmf_adapter_open(name, &o, why, cap);
	return ad;
}

static struct mmf_exec *make_known(const struct mmf_adapter *ad, int no_known)
{
	struct mmf_exec_config c = { .suts = { ad }, .nr_suts = 1, .max_level = MMF_LEVEL_EXACT, .cheap_checks = 1,
				     .no_known = no_known };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&c, err, sizeof(err));
	ck_assert_msg(ex, "executor: %s", err);
	return ex;
}

static struct mmf_exec *make(const struct mmf_adapter *ad) { return make_known(ad, 0); }

/* 0 and an empty detail when the text runs clean, else 1 with f. */
static int run_text(struct mmf_exec *ex, const char *text, struct mmf_finding *f)
{
	static struct mmf_seq seq;
	struct mmf_diag d;
	ck_assert_msg(mmf_seq_parse_text(text, strlen(text), &seq, &d) == 0, "scenario does not parse:\n%s", text);
	int r = mmf_exec_run(ex, &seq, f);
	ck_assert_msg(r >= 0, "cannot run: %s", f->detail);
	return r;
}

#define HDR "mmfuzz 1 profile=x86_64 swarm=0x0008 seed=0x00000000\n"
#define HDR8K "mmfuzz 1 profile=sparc64 swarm=0x0008 seed=0x00000000\n"

/* Each is a small story the kernel and the oracle must tell alike. */
static const char *const scenarios[] = {
	/* split by mprotect, merged back, maps compared after each step */
	HDR "mmap proc=0 start=10 npages=6 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED\n"
	    "mprotect proc=0 start=12 npages=2 prot=PROT_READ\n"
	    "proc_report proc=0 kind=maps\n"
	    "mprotect proc=0 start=12 npages=2 prot=PROT_READ|PROT_WRITE\n"
	    "proc_report proc=0 kind=maps\n",
	/* COW after fork: each side keeps its own write; smaps and pagemap */
	HDR "mmap proc=0 start=20 npages=2 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED\n"
	    "mem_write proc=0 page=20 token=17\n"
	    "fork proc=0 child=1\n"
	    "mem_write proc=1 page=20 token=34\n"
	    "mem_read proc=0 page=20\n"
	    "mem_read proc=1 page=20\n"
	    "proc_report proc=1 kind=smaps\n"
	    "proc_report proc=0 kind=pagemap\n"
	    "rmap proc=0 page=20\n",
	/* shared anonymous memory is one page for both */
	HDR "mmap proc=0 start=30 npages=1 prot=PROT_READ|PROT_WRITE flags=MAP_SHARED|MAP_FIXED\n"
	    "fork proc=0 child=2\n"
	    "mem_write proc=2 page=30 token=119\n"
	    "mem_read proc=0 page=30\n"
	    "rmap proc=2 page=30\n"
	    "exit proc=2\n"
	    "rmap proc=0 page=30\n",
	/* a file past its end is SIGBUS; a hole punched reads back zero */
	HDR "ftruncate file=1 npages=1\n"
	    "mmap_file proc=0 start=40 npages=2 prot=PROT_READ|PROT_WRITE flags=MAP_SHARED|MAP_FIXED file=1 pgoff=0\n"
	    "mem_write proc=0 page=40 token=153\n"
	    "mem_read proc=0 page=41\n"
	    "madvise proc=0 start=40 npages=1 advice=MADV_REMOVE\n"
	    "mem_read proc=0 page=40\n",
	/* the heap grows, a VMA blocks it, it shrinks */
	HDR "brk proc=0 page=1030\n"
	    "mmap proc=0 start=1040 npages=1 prot=PROT_READ flags=MAP_FIXED\n"
	    "brk proc=0 page=1040\n"
	    "brk proc=0 page=1026\n"
	    "proc_report proc=0 kind=maps\n",
	/* mremap: grow in place, move, and a FIXED move of two VMAs */
	HDR "mmap proc=0 start=50 npages=2 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED\n"
	    "mremap proc=0 start=50 npages=2 new_npages=4 new_start=0 flags=0\n"
	    "mmap proc=0 start=54 npages=1 prot=PROT_READ flags=MAP_FIXED\n"
	    "mremap proc=0 start=50 npages=4 new_npages=6 new_start=0 flags=MREMAP_MAYMOVE\n"
	    "mmap proc=0 start=60 npages=1 prot=PROT_READ flags=MAP_FIXED\n"
	    "mmap proc=0 start=62 npages=1 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED\n"
	    "mremap proc=0 start=60 npages=3 new_npages=3 new_start=200 flags=MREMAP_MAYMOVE|MREMAP_FIXED\n"
	    "proc_report proc=0 kind=maps\n",
	/* DONTNEED zeroes, POPULATE faults in, COLD clears young bits */
	HDR "mmap proc=0 start=70 npages=2 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED\n"
	    "mem_write proc=0 page=70 token=5\n"
	    "madvise proc=0 start=70 npages=2 advice=MADV_DONTNEED\n"
	    "mem_read proc=0 page=70\n"
	    "madvise proc=0 start=70 npages=2 advice=MADV_POPULATE_WRITE\n"
	    "madvise proc=0 start=70 npages=1 advice=MADV_COLD\n"
	    "proc_report proc=0 kind=smaps\n",
	/* errors: a hole, a bad flag, an occupied NOREPLACE */
	HDR "mmap proc=0 start=80 npages=1 prot=PROT_READ flags=MAP_FIXED\n"
	    "mprotect proc=0 start=80 npages=2 prot=PROT_READ|PROT_WRITE\n"
	    "mmap proc=0 start=80 npages=1 prot=PROT_READ flags=MAP_FIXED_NOREPLACE\n"
	    "madvise proc=0 start=80 npages=3 advice=MADV_DONTNEED\n"
	    "mem_write proc=0 page=81 token=1\n"
	    "mem_exec proc=0 page=80\n",
	/* where kernels differ, the oracle runs as this one (the agent's
	 * probe): a read fault maps the zero page or a page of its own
	 * (smaps' Rss, pagemap's exclusive bit, rmap); a fetch from a page
	 * not present without PROT_EXEC maps it first on x86, not on arm64 */
	HDR "mmap proc=0 start=100 npages=3 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED\n"
	    "mem_read proc=0 page=100\n"
	    "mem_exec proc=0 page=101\n"
	    "proc_report proc=0 kind=smaps\n"
	    "proc_report proc=0 kind=pagemap\n"
	    "rmap proc=0 page=100\n"
	    "rmap proc=0 page=101\n"
	    "mem_write proc=0 page=100 token=9\n"
	    "mem_read proc=0 page=100\n"
	    "mmap proc=0 start=104 npages=1 prot=PROT_READ|PROT_EXEC flags=MAP_FIXED\n"
	    "mem_exec proc=0 page=104\n"
	    "proc_report proc=0 kind=smaps\n",
	/* a private write past a file's end is SIGBUS after do_cow_fault()
	 * prepared the anon_vma: fork then copies the read page's pte (found
	 * by the default campaign on a fresh root) */
	HDR "mmap_file proc=0 start=110 npages=1 prot=PROT_WRITE flags=MAP_FIXED file=1 pgoff=0\n"
	    "mem_write proc=0 page=110 token=0\n"
	    "ftruncate file=1 npages=1\n"
	    "mem_read proc=0 page=110\n"
	    "fork proc=0 child=6\n"
	    "proc_report proc=6 kind=pagemap\n",
	/* MADV_PAGEOUT keeps a shmem page in the cache (no swap), but
	 * fault-around passes it over until a fault of its own maps it */
	HDR "mmap proc=0 start=120 npages=2 prot=PROT_READ|PROT_WRITE flags=MAP_SHARED|MAP_FIXED|MAP_POPULATE\n"
	    "madvise proc=0 start=120 npages=2 advice=MADV_PAGEOUT\n"
	    "mem_read proc=0 page=121\n"
	    "proc_report proc=0 kind=pagemap\n"
	    "mem_read proc=0 page=120\n"
	    "madvise proc=0 start=120 npages=2 advice=MADV_DONTNEED\n"
	    "mem_read proc=0 page=121\n"
	    "proc_report proc=0 kind=pagemap\n",
	/* MADV_FREE's batch: smaps' Referenced stays until lru_add_drain()
	 * (the next VMA's walk, here the PROT_NONE one past the hole) */
	HDR "mmap proc=0 start=132 npages=1 prot=0 flags=MAP_FIXED\n"
	    "mmap proc=0 start=130 npages=1 prot=PROT_READ flags=MAP_FIXED|MAP_POPULATE\n"
	    "mmap proc=0 start=134 npages=1 prot=PROT_READ flags=MAP_FIXED|MAP_POPULATE\n"
	    "madvise proc=0 start=134 npages=1 advice=MADV_FREE\n"
	    "proc_report proc=0 kind=smaps\n"
	    "madvise proc=0 start=130 npages=3 advice=MADV_FREE\n"
	    "proc_report proc=0 kind=smaps\n",
	/* a read past the end of shared memory (a mremap duplicate longer
	 * than the object) is SIGBUS after fault-around mapped what is there */
	HDR "mmap proc=0 start=140 npages=1 prot=PROT_READ flags=MAP_SHARED|MAP_FIXED|MAP_POPULATE\n"
	    "mremap proc=0 start=140 npages=0 new_npages=5 new_start=160 flags=MREMAP_MAYMOVE|MREMAP_FIXED\n"
	    "mem_read proc=0 page=164\n"
	    "proc_report proc=0 kind=pagemap\n",
	/* an mlocked page is unevictable: GUP's touch of mlockall's populate
	 * leaves its referenced bit as it is (the forked child sees it) */
	HDR "mmap proc=0 start=170 npages=1 prot=PROT_READ flags=MAP_FIXED|MAP_POPULATE\n"
	    "fork proc=0 child=2\n"
	    "mlockall proc=0 flags=MCL_CURRENT\n"
	    "proc_report proc=2 kind=smaps\n",
	/* the MADV_FREE'd page loses its referenced bit when the batch drains
	 * (written when mlock's drain was the one that did it; every op now
	 * ends drained on both sides), though the mlock of a PROT_NONE VMA
	 * fails */
	HDR "mmap proc=0 start=186 npages=1 prot=PROT_READ flags=MAP_FIXED|MAP_POPULATE\n"
	    "mmap proc=0 start=180 npages=1 prot=0 flags=MAP_FIXED\n"
	    "madvise proc=0 start=186 npages=1 advice=MADV_FREE\n"
	    "mlock proc=0 start=180 npages=1\n"
	    "proc_report proc=0 kind=smaps\n",
	/* a file page MADV_PAGEOUT took from its only mapping reads as absent
	 * to mincore until a fault of its own maps it again */
	HDR "ftruncate file=1 npages=2\n"
	    "mmap_file proc=0 start=190 npages=2 prot=PROT_READ flags=MAP_FIXED|MAP_POPULATE file=1 pgoff=0\n"
	    "madvise proc=0 start=190 npages=1 advice=MADV_PAGEOUT\n"
	    "mincore proc=0 start=190 npages=2\n"
	    "mem_read proc=0 page=191\n"
	    "mincore proc=0 start=190 npages=2\n"
	    "mem_read proc=0 page=190\n"
	    "mincore proc=0 start=190 npages=2\n",
	/* MADV_PAGEOUT: dirty shmem pages stay in the page cache (no swap),
	 * so mincore sees them and fault-around maps them back; a clean one
	 * leaves it (found by generator 3's first campaign against 6.18) */
	HDR "mmap proc=0 start=220 npages=3 prot=PROT_READ|PROT_WRITE flags=MAP_SHARED|MAP_FIXED\n"
	    "mem_write proc=0 page=220 token=3\n"
	    "mem_write proc=0 page=221 token=4\n"
	    "mem_read proc=0 page=222\n"
	    "madvise proc=0 start=220 npages=3 advice=MADV_PAGEOUT\n"
	    "mincore proc=0 start=220 npages=3\n"
	    "mem_read proc=0 page=222\n"
	    "proc_report proc=0 kind=smaps\n"
	    "mem_read proc=0 page=220\n"
	    "mincore proc=0 start=220 npages=3\n",
	/* MADV_PAGEOUT clears the referenced bits of pages it cannot reclaim
	 * too (anonymous, no swap), their ptes staying young: the child of a
	 * fork (its ptes start old) sees them unreferenced, the parent not */
	HDR "mmap proc=0 start=250 npages=2 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED|MAP_POPULATE\n"
	    "mem_write proc=0 page=251 token=5\n"
	    "madvise proc=0 start=250 npages=2 advice=MADV_PAGEOUT\n"
	    "fork proc=0 child=4\n"
	    "proc_report proc=4 kind=smaps\n"
	    "proc_report proc=0 kind=smaps\n"
	    "exit proc=4\n",
	/* MADV_FREE marks a clean page lazy-free even where a fork's child
	 * maps it too: the batch's drain (after the op, on both sides) takes
	 * its referenced bit */
	HDR "mmap proc=0 start=262 npages=1 prot=0 flags=MAP_FIXED\n"
	    "mmap proc=0 start=260 npages=1 prot=PROT_READ flags=MAP_FIXED_NOREPLACE|MAP_POPULATE\n"
	    "fork proc=0 child=1\n"
	    "madvise proc=0 start=260 npages=1 advice=MADV_FREE\n"
	    "mlock2 proc=0 start=262 npages=1 flags=0\n"
	    "proc_report proc=0 kind=smaps\n"
	    "proc_report proc=1 kind=smaps\n"
	    "exit proc=1\n",
	/* the CPU's LRU batches drained after every op, on both sides: a
	 * MADV_FREE page reads unreferenced however the forks around it ran
	 * (the agent's drain; without it 6.18 showed the bit kept or gone by
	 * what else ran on the CPU) */
	HDR "mmap proc=0 start=270 npages=2 prot=PROT_READ flags=MAP_FIXED_NOREPLACE|MAP_POPULATE\n"
	    "madvise proc=0 start=271 npages=1 advice=MADV_FREE\n"
	    "fork proc=0 child=1\n"
	    "fork proc=0 child=2\n"
	    "proc_report proc=0 kind=smaps\n"
	    "exit proc=1\n"
	    "proc_report proc=0 kind=smaps\n"
	    "exit proc=2\n",
	/* a COW of a file page mapped in a fork's child (by fault-around, past
	 * the file's end) leaves the page-cache page unreferenced: the old
	 * pte's young bit goes with it (found by generator 4 on 6.18) */
	HDR "ftruncate file=1 npages=1\n"
	    "mmap_file proc=0 start=68 npages=3 prot=PROT_WRITE flags=MAP_FIXED file=1 pgoff=0\n"
	    "mem_read proc=0 page=68\n"
	    "mmap_file proc=0 start=41 npages=4 prot=PROT_WRITE flags=MAP_FIXED file=1 pgoff=0\n"
	    "mem_write proc=0 page=70 token=0\n"
	    "fork proc=0 child=5\n"
	    "mem_read proc=5 page=44\n"
	    "mem_write proc=5 page=41 token=3\n"
	    "proc_report proc=5 kind=smaps\n"
	    "exit proc=5\n",
	/* MADV_FREE leaves an mlocked (unevictable) page off the lazy-free
	 * batch: a fork's child, unlocked, frees it lazily, and the page keeps
	 * its referenced bit (found by generator 4 on 6.18) */
	HDR "mmap proc=0 start=0 npages=1 prot=PROT_READ flags=MAP_FIXED\n"
	    "mlock proc=0 start=0 npages=1\n"
	    "fork proc=0 child=6\n"
	    "madvise proc=6 start=0 npages=1 advice=MADV_FREE\n"
	    "fork proc=0 child=4\n"
	    "proc_report proc=4 kind=smaps\n"
	    "proc_report proc=6 kind=smaps\n"
	    "exit proc=4\n"
	    "exit proc=6\n"
	    "munlock proc=0 start=0 npages=1\n"
	    "munmap proc=0 start=0 npages=1\n"
	    /* ... but a page freed lazily, then locked, was drained first:
	     * mlock drains the batch before the page is unevictable */
	    "mmap proc=0 start=0 npages=1 prot=PROT_READ flags=MAP_FIXED_NOREPLACE|MAP_POPULATE\n"
	    "madvise proc=0 start=0 npages=1 advice=MADV_FREE\n"
	    "mlock2 proc=0 start=0 npages=1 flags=MLOCK_ONFAULT\n"
	    "proc_report proc=0 kind=smaps\n"
	    "munlock proc=0 start=0 npages=1\n",
	/* a write fault that copies a page out of a locked VMA leaves the old
	 * page in the CPU's mlock batch, holding a reference until
	 * lru_add_drain(): a write to it before the drain copies it again,
	 * after the drain reuses it. What drains the batch between ops is not
	 * the sequence's (the agent's own copy-on-write faults after a fork
	 * do), so both sides drain after every op: the child reuses the page,
	 * and its own child sees the page's referenced bit (found by generator
	 * 4's default campaign on 6.18) */
	HDR "mmap proc=0 start=66 npages=1 prot=PROT_WRITE flags=MAP_FIXED|MAP_FIXED_NOREPLACE|MAP_POPULATE\n"
	    "mlock proc=0 start=66 npages=1\n"
	    "fork proc=0 child=7\n"
	    "mem_write proc=0 page=66 token=0\n"
	    "mem_write proc=7 page=66 token=0\n"
	    "fork proc=7 child=4\n"
	    "proc_report proc=4 kind=smaps\n"
	    "exit proc=4\n"
	    "exit proc=7\n"
	    "munlock proc=0 start=66 npages=1\n",
	/* a page mapped into a locked VMA joins the unevictable list only when
	 * the CPU's mlock batch moves: the touch of the same mlock's populate
	 * finds it evictable and referenced, so activates it and takes its
	 * referenced bit; the fork's child's old pte (copied as the failed
	 * write fault past the file's end gave the VMA an anon_vma) then reads
	 * it unreferenced (found by generator 4's default campaign on 6.18) */
	HDR "ftruncate file=1 npages=1\n"
	    "mmap_file proc=0 start=107 npages=2 prot=PROT_WRITE flags=MAP_FIXED file=1 pgoff=0\n"
	    "mem_read proc=0 page=107\n"
	    "mmap_file proc=0 start=18 npages=1 prot=PROT_READ flags=MAP_FIXED|MAP_POPULATE file=1 pgoff=0\n"
	    "mem_write proc=0 page=108 token=0\n"
	    "fork proc=0 child=1\n"
	    "mlock proc=1 start=18 npages=1\n"
	    "proc_report proc=1 kind=smaps\n"
	    "munlock proc=1 start=18 npages=1\n"
	    "proc_report proc=1 kind=smaps\n"
	    "exit proc=1\n",
	/* GUP's touch of a present page marks the page accessed, never its pte
	 * young: in the fork's child (old ptes) MADV_POPULATE_READ activates
	 * the page the parent unlocked, taking its referenced bit, so it reads
	 * unreferenced; the pages still locked in the parent are unevictable
	 * and keep theirs (found by generator 4's default campaign on 6.18) */
	HDR "mmap proc=0 start=64 npages=17 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED\n"
	    "mlock proc=0 start=73 npages=5\n"
	    "fork proc=0 child=6\n"
	    "munlock proc=0 start=77 npages=1\n"
	    "madvise proc=6 start=66 npages=12 advice=MADV_POPULATE_READ\n"
	    "proc_report proc=6 kind=smaps\n"
	    "exit proc=6\n"
	    "munlock proc=0 start=73 npages=4\n",
	/* a touch that activates a page queues it (folio_activate()): off
	 * the LRU until the batch moves, so the next touch but one only takes
	 * its referenced bit. The exit zaps three young ptes of one file page,
	 * which the populate had referenced: it ends unreferenced, as the
	 * child's old pte shows (found by generator 5's default campaign on
	 * 6.18) */
	HDR "ftruncate file=0 npages=2\n"
	    "mmap_file proc=0 start=32 npages=13 prot=PROT_WRITE flags=MAP_FIXED file=0 pgoff=0\n"
	    "mmap_file proc=0 start=0 npages=1 prot=PROT_READ flags=MAP_POPULATE file=0 pgoff=1\n"
	    "mmap_file proc=0 start=103 npages=1 prot=PROT_READ flags=MAP_FIXED file=0 pgoff=1\n"
	    "mem_write proc=0 page=44 token=0\n"
	    "mem_read proc=0 page=103\n"
	    "mem_read proc=0 page=36\n"
	    "fork proc=0 child=7\n"
	    "exit proc=0\n"
	    "proc_report proc=7 kind=smaps\n",
	/* a GUP write (MADV_POPULATE_WRITE) to a present, writable, clean pte
	 * dirties the page, not the pte: the fork's child, reading the page
	 * through a clean pte of its own, counts it dirty (found by generator
	 * 5's default campaign on 6.18) */
	HDR "mmap proc=0 start=63 npages=4 prot=PROT_WRITE flags=MAP_SHARED|MAP_FIXED_NOREPLACE|MAP_POPULATE\n"
	    "madvise proc=0 start=63 npages=4 advice=MADV_POPULATE_WRITE\n"
	    "mremap proc=0 start=63 npages=0 new_npages=4 new_start=29 flags=MREMAP_MAYMOVE|MREMAP_FIXED\n"
	    "fork proc=0 child=6\n"
	    "mem_read proc=6 page=32\n"
	    "proc_report proc=6 kind=smaps\n"
	    "exit proc=6\n",
	/* a page MADV_FREE made lazy-free stays so (!swapbacked) through the
	 * writes, locks and unlocks after it: a second MADV_FREE passes it by,
	 * and its referenced bit stays (found by generator 5's default
	 * campaign on 6.18) */
	HDR "brk proc=0 page=1031\n"
	    "mem_write proc=0 page=1026 token=0\n"
	    "madvise proc=0 start=1024 npages=3 advice=MADV_FREE\n"
	    "mlock proc=0 start=1026 npages=1\n"
	    "munlock proc=0 start=1026 npages=1\n"
	    "madvise proc=0 start=1024 npages=3 advice=MADV_FREE\n"
	    "proc_report proc=0 kind=smaps\n"
	    "brk proc=0 page=1024\n",
	/* mprotect gaining write makes the pte of a page only it maps
	 * writable at once, clean: the locked VMA's populate then dirties the
	 * page, not the pte, and the fork's grandchild counts it dirty
	 * (found by generator 5's default campaign on 6.18) */
	HDR "mmap proc=0 start=17 npages=3 prot=PROT_READ flags=MAP_FIXED\n"
	    "mlock proc=0 start=18 npages=2\n"
	    "mprotect proc=0 start=19 npages=1 prot=PROT_WRITE\n"
	    "fork proc=0 child=7\n"
	    "madvise proc=7 start=19 npages=1 advice=MADV_FREE\n"
	    "fork proc=7 child=6\n"
	    "proc_report proc=6 kind=smaps\n"
	    "exit proc=6\n"
	    "exit proc=7\n"
	    "munlock proc=0 start=18 npages=2\n",
	/* after mlockall(MCL_CURRENT) the agent's own page is locked too, and
	 * MADV_COLD, its drain, refuses a locked VMA before draining: it
	 * munlocks and mlocks the page instead. Without a drain after the
	 * populate, the page it activated stayed queued, and 6.18 showed it
	 * referenced where the oracle had it unreferenced (found by generator
	 * 5's default campaign on 6.18) */
	HDR "ftruncate file=1 npages=4\n"
	    "mmap_file proc=0 start=65 npages=4 prot=PROT_READ flags=MAP_FIXED file=1 pgoff=0\n"
	    "mlockall proc=0 flags=MCL_CURRENT\n"
	    "mremap proc=0 start=65 npages=4 new_npages=1 new_start=0 flags=0\n"
	    "mmap_file proc=0 start=58 npages=2 prot=PROT_WRITE flags=MAP_FIXED file=1 pgoff=2\n"
	    "mem_read proc=0 page=58\n"
	    "mmap_file proc=0 start=0 npages=1 prot=PROT_READ flags=MAP_POPULATE file=1 pgoff=3\n"
	    "mem_write proc=0 page=58 token=0\n"
	    "fork proc=0 child=6\n"
	    "proc_report proc=6 kind=smaps\n"
	    "exit proc=6\n"
	    "munlockall proc=0\n",
	/* MREMAP_DONTUNMAP clears the old VMA's VM_LOCKED without munlocking
	 * what stays there: the page left behind is still unevictable, so
	 * MADV_FREE passes over it (no LazyFree) */
	HDR "mmap proc=0 start=92 npages=2 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED|MAP_POPULATE\n"
	    "mem_write proc=0 page=93 token=5\n"
	    "mlock proc=0 start=92 npages=2\n"
	    "mremap proc=0 start=92 npages=1 new_npages=1 new_start=0 flags=MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP\n"
	    "madvise proc=0 start=92 npages=2 advice=MADV_FREE\n"
	    "proc_report proc=0 kind=smaps\n"
	    "munlock proc=0 start=0 npages=1\n",
	/* MREMAP_DONTUNMAP of a whole VMA unlinks the old VMA's anon_vma: a
	 * page a later fault maps there is not copied by fork (the locked,
	 * private file mapping's populate made the anon_vma) */
	HDR "mlockall proc=0 flags=MCL_FUTURE\n"
	    "ftruncate file=0 npages=1\n"
	    "mmap_file proc=0 start=241 npages=1 prot=PROT_WRITE flags=MAP_FIXED file=0 pgoff=0\n"
	    "mremap proc=0 start=241 npages=1 new_npages=1 new_start=230 flags=MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP\n"
	    "mem_read proc=0 page=241\n"
	    "fork proc=0 child=7\n"
	    "proc_report proc=7 kind=pagemap\n"
	    "munlockall proc=0\n",
	/* MADV_FREE, MADV_PAGEOUT (and COLD) take PROT_NONE ptes too: they are
	 * present to the kernel */
	HDR "mmap proc=0 start=10 npages=3 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED|MAP_POPULATE\n"
	    "mem_write proc=0 page=11 token=3\n"
	    "mprotect proc=0 start=11 npages=2 prot=0\n"
	    "madvise proc=0 start=11 npages=2 advice=MADV_FREE\n"
	    "proc_report proc=0 kind=smaps\n"
	    "madvise proc=0 start=11 npages=2 advice=MADV_PAGEOUT\n"
	    "proc_report proc=0 kind=smaps\n"
	    "mprotect proc=0 start=11 npages=2 prot=PROT_READ|PROT_WRITE\n"
	    "mem_read proc=0 page=11\n"
	    "mem_read proc=0 page=12\n"
	    "proc_report proc=0 kind=pagemap\n"
	    "proc_report proc=0 kind=smaps\n"
	    "ftruncate file=2 npages=2\n"
	    "mmap_file proc=0 start=20 npages=2 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED|MAP_POPULATE|MAP_SHARED file=2 pgoff=0\n"
	    "mprotect proc=0 start=20 npages=2 prot=0\n"
	    "madvise proc=0 start=20 npages=2 advice=MADV_PAGEOUT\n"
	    "proc_report proc=0 kind=pagemap\n"
	    "proc_report proc=0 kind=smaps\n"
	    "mincore proc=0 start=20 npages=2\n",
};

static const struct mmf_adapter *host;
static char host_why[512];

static void need_host(void) { ck_assert_msg(host, "%s", host_why); }

START_TEST(t_host_scenarios_agree)
{
	need_host();
	struct mmf_exec *ex = make(host);
	struct mmf_finding f;
	for (unsigned i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		ck_assert_msg(run_text(ex, scenarios[i], &f) == 0, "scenario %u: %s\n  %s", i, f.signature, f.detail);
	mmf_exec_destroy(ex);
}
END_TEST

/* Generated address-space sequences (the fidelity command's, seed 7):
 * every one must agree to the end, or be flaky: disagree once and agree
 * in 3 replays on fresh systems (the kernel's own state, as fidelity
 * counts it apart; printed). */
START_TEST(t_host_generated_agree)
{
	need_host();
	struct mmf_exec *ex = make(host);
	struct mmf_gen_config gc = { -1, 60, 1u << MMF_FAM_AS, MMF_GEN_NO_SOFT_DIRTY, 0, 0, 0, 0 };
	static struct mmf_seq seq;
	struct mmf_finding f;
	for (unsigned k = 0; k < 400; k++) {
		mmf_gen_sequence(mmf_seed_mix(7, k), &gc, &seq);
		int r = mmf_exec_run(ex, &seq, &f);
		for (int again = 0; r == 1 && again < 3; again++) {
			struct mmf_finding g;
			mmf_exec_restart(ex, seq.profile);
			if (mmf_exec_run(ex, &seq, &g) != 1 || strcmp(g.signature, f.signature))
				continue;
			ck_abort_msg("sequence %u (seed 7): %s\n  %s", k, f.signature, f.detail);
		}
		if (r == 1)
			printf("flaky: sequence %u (seed 7): %s (agreed in 3 fresh replays)\n", k, f.signature);
		ck_assert_msg(r >= 0, "sequence %u (seed 7): %s", k, f.detail);
	}
	mmf_exec_destroy(ex);
}
END_TEST

/* The comparison has teeth, with the kernel as the judge: an oracle with
 * a seeded bug (its own walkers off) disagrees with the kernel on the
 * scenario that exercises it, and the finding is the kernel's. The
 * second runs on any kernel: read_fault_allocates does the opposite of
 * the probed zero_page knob. */
static void kernel_judges(const char *mutant, const char *text, const char *want)
{
	struct mmf_exec_config c = { .suts = { host }, .nr_suts = 1, .max_level = MMF_LEVEL_EXACT, .cheap_checks = 1,
				     .oracle_mutant = mutant };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&c, err, sizeof(err));
	ck_assert_msg(ex, "executor: %s", err);
	struct mmf_finding f;
	ck_assert_msg(run_text(ex, text, &f) == 1, "%s went unseen by the kernel", mutant);
	ck_assert_msg(strstr(f.signature, want), "%s: caught as %s (%s)", mutant, f.signature, f.detail);
	mmf_exec_destroy(ex);
	/* the same without the kernel (simple has no address spaces): nothing,
	 * so it was the kernel that told */
	struct mmf_exec_config alone = { .suts = { mmf_adapter_simple() }, .nr_suts = 1, .max_level = MMF_LEVEL_EXACT,
					 .cheap_checks = 1, .oracle_mutant = mutant };
	ex = mmf_exec_create(&alone, err, sizeof(err));
	ck_assert_msg(ex, "executor: %s", err);
	ck_assert_msg(run_text(ex, text, &f) == 0, "%s: found without the kernel: %s", mutant, f.signature);
	mmf_exec_destroy(ex);
}

/* The oracle's small machine runs out of memory (MAP_POPULATE of 3944
 * pages of tiny's 4096, each a page of its own or not), the kernel does
 * not: from there on the kernel is not compared (capacity differs), which
 * the statistics say; the oracle's own walkers still run. */
START_TEST(t_host_oracle_out_of_memory)
{
	need_host();
	struct mmf_exec *ex = make(host);
	struct mmf_finding f;
	static const char text[] = "mmfuzz 1 profile=tiny swarm=0x0008 seed=0x00000000\n"
				   "mmap proc=0 start=0 npages=3944 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED|MAP_POPULATE\n"
				   "fork proc=0 child=1\n"
				   "mem_write proc=1 page=5 token=3\n";
	ck_assert_msg(run_text(ex, text, &f) == 0, "%s: %s", f.signature, f.detail);
	ck_assert_uint_eq(mmf_exec_stats(ex)->oracle_oom, 1);
	mmf_exec_destroy(ex);
}
END_TEST

START_TEST(t_host_catches_oracle_mutant)
{
	need_host();
	kernel_judges("mprotect_hole_ignored",
		      HDR "mmap proc=0 start=90 npages=1 prot=PROT_READ flags=MAP_FIXED\n"
			  "mprotect proc=0 start=90 npages=2 prot=PROT_READ|PROT_WRITE\n",
		      "MMFUZZ: host_linux-as-mprotect-result");
	kernel_judges("cow_no_copy",
		      HDR "mmap proc=0 start=90 npages=1 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED\n"
			  "mem_write proc=0 page=90 token=1\n"
			  "fork proc=0 child=1\n"
			  "mem_write proc=1 page=90 token=2\n"
			  "mem_read proc=1 page=90\n",
		      "MMFUZZ: host_linux-as-mem_read-value");
	kernel_judges("read_fault_allocates",
		      HDR "mmap proc=0 start=90 npages=1 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED\n"
			  "mem_read proc=0 page=90\n"
			  "proc_report proc=0 kind=smaps\n",
		      "MMFUZZ: host_linux-as-proc_report-same_smaps");
}
END_TEST

/* A task killed, or one that stops answering, is a finding named after
 * it; the next sequence runs on a fresh agent. */
static void agent_dies(const char *mutant, const char *suffix)
{
	char why[512];
	const struct mmf_adapter *ad = open_agent("host-linux", 1500, why, sizeof(why));
	ck_assert_msg(ad, "%s", why);
	struct mmf_exec_config c = { .suts = { ad }, .mutants = { mutant }, .nr_suts = 1, .max_level = MMF_LEVEL_EXACT,
				     .cheap_checks = 1 };
	char err[256];
	struct mmf_exec *ex = mmf_exec_create(&c, err, sizeof(err));
	ck_assert_msg(ex, "%s", err);
	struct mmf_gen_config gc = { -1, 60, 1u << MMF_FAM_AS, MMF_GEN_NO_SOFT_DIRTY, 0, 0, 0, 0 };
	static struct mmf_seq seq;
	struct mmf_finding f;
	unsigned found = 0, after = 0;
	for (unsigned k = 0; k < 40 && after < 3; k++) {
		mmf_gen_sequence(mmf_seed_mix(11, k), &gc, &seq);
		int r = mmf_exec_run(ex, &seq, &f);
		ck_assert_int_ge(r, 0);
		if (r) {
			ck_assert_msg(strstr(f.signature, suffix), "%s: got %s (%s)", mutant, f.signature, f.detail);
			found++;
		}
		after += found > 0;
	}
	ck_assert_msg(found > 0, "%s: no finding", mutant);
	ck_assert_msg(after == 3, "%s: the campaign did not go on", mutant);
	mmf_exec_destroy(ex);
}

START_TEST(t_host_killed_task_is_a_finding)
{
	need_host();
	agent_dies("task_killed_at_30", "-sigkill");
}
END_TEST

START_TEST(t_host_hung_task_is_a_finding)
{
	need_host();
	agent_dies("task_hangs_at_30", "-timeout");
}
END_TEST

/* CPU seconds used so far by every live process whose command line
 * contains needle. */
static double cpu_of(const char *needle)
{
	double ticks = 0;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300], buf[4096];
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		FILE *fp = fopen(path, "r");
		size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
		if (fp)
			fclose(fp);
		for (size_t i = 0; i < n; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[n] = 0;
		if (!strstr(buf, needle))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fp = fopen(path, "r");
		n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
		if (fp)
			fclose(fp);
		buf[n] = 0;
		const char *p = strrchr(buf, ')');
		char state;
		unsigned long long ut, st;
		if (p && sscanf(p + 2, "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu", &state, &ut, &st) == 3 &&
		    state != 'Z')
			ticks += (double)(ut + st);
	}
	if (d)
		closedir(d);
	return ticks / (double)sysconf(_SC_CLK_TCK);
}

/* QEMU 7.2's hang of 64-bit guests (known-qemu.h) is a -timeout finding,
 * and no process of the agent is left spinning afterwards, not even a
 * forked task, whom nothing but its pipe ties to the worker: mmfuzz kills
 * the worker's whole process group (the task spins in QEMU's fault
 * handler, where no guest signal reaches it). */
static void qemu_hang_leaves_nothing(const char *arch, const char *hdr)
{
	char name[32], why[512], text[512], needle[64];
	snprintf(name, sizeof(name), "qemu-%s", arch);
	snprintf(needle, sizeof(needle), "mmfuzz-agent-linux.%s", arch);
	const struct mmf_adapter *ad = open_agent(name, 2000, why, sizeof(why));
	ck_assert_msg(ad, "%s", why);
	struct mmf_exec *ex = make_known(ad, 1);
	struct mmf_finding f;
	snprintf(text, sizeof(text), "%s%s", hdr,
		 "mmap proc=0 start=7 npages=8 prot=PROT_WRITE flags=MAP_FIXED\n"
		 "fork proc=0 child=1\n"
		 "mprotect proc=1 start=9 npages=7 prot=PROT_READ\n"
		 "mem_write proc=1 page=13 token=175\n");
	ck_assert_int_eq(run_text(ex, text, &f), 1);
	char want[64];
	snprintf(want, sizeof(want), "MMFUZZ: qemu_%s-as-mem_write-timeout", arch);
	ck_assert_str_eq(f.signature, want);
	usleep(300000);
	double before = cpu_of(needle);
	usleep(1000000);
	double used = cpu_of(needle) - before;
	ck_assert_msg(used < 0.5, "qemu-%s: the agent's processes used %.2f s of CPU in 1 s after the hang", arch,
		      used);
	mmf_exec_destroy(ex);
}

/* QEMU user mode: the scenarios QEMU emulates as Linux does agree, and
 * qemu-arm's mprotect over a hole succeeds where Linux says ENOMEM. */
static void qemu_target(const char *arch)
{
	char name[32], why[512];
	snprintf(name, sizeof(name), "qemu-%s", arch);
	const struct mmf_adapter *ad = open_agent(name, 20000, why, sizeof(why));
	ck_assert_msg(ad, "%s", why);
	struct mmf_exec *ex = make(ad);
	struct mmf_finding f;
	int sparc = !strcmp(arch, "sparc64");
	char text[1024];
	/* sparc64's guest pages are 8 KiB: the sequence runs the profile whose
	 * user pages are, and the page numbers mean 8 KiB pages */
	snprintf(text, sizeof(text), "%s%s", sparc ? HDR8K : HDR,
			 "mmap proc=0 start=10 npages=6 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED\n"
			     "mem_write proc=0 page=11 token=66\n"
			     "mprotect proc=0 start=12 npages=2 prot=PROT_READ\n"
			     "mem_write proc=0 page=12 token=1\n"
			     "mem_read proc=0 page=11\n"
			     "fork proc=0 child=1\n"
			     "mem_read proc=1 page=11\n"
			     "munmap proc=0 start=10 npages=6\n"
			     "mem_read proc=0 page=11\n");
	int r = run_text(ex, text, &f);
	ck_assert_msg(r == 0, "qemu-%s: %s\n  %s", arch, f.signature, f.detail);
	if (sparc) {
		/* With nothing allow-listed, the emulated maps of a split and a
		 * hole agree with the reference's VMAs in 8 KiB pages, and so
		 * do the faults around them. */
		struct mmf_exec *strict = make_known(ad, 1);
		r = run_text(strict,
			     HDR8K "mmap proc=0 start=10 npages=6 prot=PROT_READ|PROT_WRITE flags=MAP_FIXED\n"
				   "mprotect proc=0 start=11 npages=1 prot=PROT_READ\n"
				   "munmap proc=0 start=13 npages=1\n"
				   "mem_write proc=0 page=14 token=9\n"
				   "mem_read proc=0 page=14\n"
				   "proc_report proc=0 kind=maps\n",
			     &f);
		ck_assert_msg(r == 0, "qemu-sparc64: %s\n  %s", f.signature, f.detail);
		/* ... and agree on success, not on refusing misaligned pages */
		const struct mmf_exec_stats *st = mmf_exec_stats(strict);
		ck_assert_uint_eq(st->per_op[MMF_OP_MMAP][0], 1);
		ck_assert_uint_eq(st->per_op[MMF_OP_MPROTECT][0], 1);
		ck_assert_uint_eq(st->per_op[MMF_OP_MUNMAP][0], 1);
		ck_assert_uint_eq(st->per_op[MMF_OP_MEM_WRITE][0], 1);
		/* QEMU's 8-on-4 KiB file mappings stop at the file's end */
		r = run_text(strict,
			     HDR8K "mmap_file proc=0 start=0 npages=1 prot=0 flags=0 file=0 pgoff=0\n", &f);
		ck_assert_msg(r == 1, "qemu-sparc64: a private mapping past the file's end agreed with Linux");
		ck_assert_str_eq(f.signature, "MMFUZZ: qemu_sparc64-as-mmap_file-result");
		mmf_exec_destroy(strict);
		/* Allow-listed, that refusal leaves QEMU with nothing mapped at
		 * page 0 and the oracle with the mapping: what follows is not
		 * compared (no mmap-result for the NOREPLACE that QEMU grants),
		 * and the known difference is counted once. */
		const char *after = HDR8K "mmap_file proc=0 start=0 npages=1 prot=0 flags=MAP_FIXED file=0 pgoff=0\n"
					  "mmap proc=0 start=0 npages=1 prot=0 flags=MAP_FIXED_NOREPLACE\n";
		r = run_text(ex, after, &f);
		ck_assert_msg(r == 0, "qemu-sparc64 after a known divergence: %s\n  %s", f.signature, f.detail);
		const struct mmf_exec_stats *ks = mmf_exec_stats(ex);
		uint64_t hits = 0;
		for (unsigned i = 0; ad->known[i] && i < MMF_MAX_KNOWN; i++)
			if (!strncmp(ad->known[i], "mmap_file-result:", 17))
				hits += ks->known[i];
		ck_assert_uint_eq(hits, 1);
		/* a 4 KiB profile is refused, with the reason */
		static struct mmf_seq seq;
		struct mmf_diag d;
		const char *small = HDR "mmap proc=0 start=10 npages=1 prot=PROT_READ flags=MAP_FIXED\n";
		ck_assert(mmf_seq_parse_text(small, strlen(small), &seq, &d) == 0);
		ck_assert_int_eq(mmf_exec_run(ex, &seq, &f), -1);
		ck_assert_msg(strstr(f.detail, "pages are 8192 bytes"), "refusal says: %s", f.detail);
	}
	if (!strcmp(arch, "aarch64") || sparc)
		qemu_hang_leaves_nothing(arch, sparc ? HDR8K : HDR);
	if (!strcmp(arch, "arm")) {
		r = run_text(ex,
			     HDR "mmap proc=0 start=10 npages=1 prot=PROT_READ flags=MAP_FIXED\n"
				 "mprotect proc=0 start=10 npages=2 prot=PROT_READ|PROT_WRITE\n",
			     &f);
		ck_assert_msg(r == 1, "qemu-arm: mprotect over a hole agreed with Linux");
		ck_assert_str_eq(f.signature, "MMFUZZ: qemu_arm-as-mprotect-result");
	}
	mmf_exec_destroy(ex);
}

static const char *arch;

START_TEST(t_qemu) { qemu_target(arch); }
END_TEST

/* check_linux host | qemu-ARCH: one ctest test each; 77 (SKIP) with the
 * reason when the agent, the emulator or root's /proc files are missing. */
int main(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "host";
	setenv("MMFUZZ_AGENT_DIR", MMF_AGENT_DIR, 0);
	Suite *s = suite_create("linux");
	TCase *tc = tcase_create(which);
	tcase_set_timeout(tc, 300);
	if (!strcmp(which, "host")) {
		host = open_agent("host-linux", 5000, host_why, sizeof(host_why));
		if (host && access("/proc/kpagecount", R_OK)) {
			snprintf(host_why, sizeof(host_why), "/proc/kpagecount is not readable (rmap needs frame numbers: run as root)");
			host = NULL;
		}
		if (!host) {
			printf("SKIP host-linux: %s\n", host_why);
			return 77;
		}
		tcase_add_test(tc, t_host_scenarios_agree);
		tcase_add_test(tc, t_host_generated_agree);
		tcase_add_test(tc, t_host_catches_oracle_mutant);
		tcase_add_test(tc, t_host_oracle_out_of_memory);
		tcase_add_test(tc, t_host_killed_task_is_a_finding);
		tcase_add_test(tc, t_host_hung_task_is_a_finding);
	} else if (!strncmp(which, "qemu-", 5)) {
		char qemu[64], cmd[160], path[512];
		snprintf(qemu, sizeof(qemu), "%s-static", which);
		snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", qemu);
		if (system(cmd) != 0) {
			printf("SKIP %s: %s is not installed (ci/setup installs qemu-user-static)\n", which, qemu);
			return 77;
		}
		if (mmf_agent_path(which, path, sizeof(path))) {
			printf("SKIP %s: no cross-built agent (ci/setup installs the cross compiler)\n", which);
			return 77;
		}
		arch = which + 5;
		tcase_add_test(tc, t_qemu);
	} else {
		fprintf(stderr, "usage: check_linux host|qemu-ARCH\n");
		return 2;
	}
	suite_add_tcase(s, tc);
	return mmf_check_run(s, 1);
}
