/* The vocabulary the oracle and the systems under test share, and nothing
 * else: what an op did, the kinds of memory access, and how a seeded bug
 * (a mutant) is described. The reference includes this, not the adapter
 * ABI (mmfuzz/adapter.h), which builds on it. */
#ifndef MMFUZZ_RESULT_H
#define MMFUZZ_RESULT_H

#include <stdint.h>

/* What one op did. Shared by every entry so results read the same. */
enum mmf_result {
	MMF_OK = 0,      /* done */
	MMF_REFUSED,     /* a legitimate no, with an errno-like code */
	MMF_UNSUPPORTED, /* this adapter does not do this op */
	MMF_CORRUPT,     /* the adapter found its own state broken */
};

/* mem_access kinds. */
#define MMF_ACCESS_READ 0
#define MMF_ACCESS_WRITE 1
#define MMF_ACCESS_EXEC 2
#define MMF_ACCESS_FILL 3 /* the first 512 words with mmf_fill_word(token, i); the
			   * value is the digest of what they held before */

/* A fill's value: what the page's first 512 words held, weighed by
 * position (the sum of word i times 2i + 1), so that a page of one
 * repeated word and a page of zeroes, which a read's XOR cannot tell
 * apart, differ. */
static inline uint64_t mmf_digest_add(uint64_t acc, uint64_t word, unsigned i) { return acc + word * (2ull * i + 1); }

/* MEM_FILL's contents: word i of a page filled with pattern p (the op's
 * token byte), kind p % 4 with seed p / 4:
 *   0  one word repeated (zswap's same-filled pages)
 *   1  zeroes
 *   2  half noise: the first 256 words random, the rest zeroes (about
 *      half a page compressed)
 *   3  random, a splitmix64 stream (incompressible)
 * (mmf_digest_add() is defined above.) */
static inline uint64_t mmf_fill_word(unsigned p, unsigned i)
{
	uint64_t seed = p >> 2;
	switch (p & 3) {
	case 0: return 0x0101010101010101ull * (seed + 1);
	case 1: return 0;
	case 2:
		if (i >= 256)
			return 0;
		/* fall through */
	default: {
		uint64_t z = (seed << 32) + i + 0x9e3779b97f4a7c15ull * (i + 1);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}
	}
}

/* A syscall-like address-space op (the rows of mmfuzz/ops.def whose step
 * is as_call): its code and its fields as the call takes them. Adding one
 * such op adds a row and its implementations, not an entry to the ABI. */
#include <stdint.h>
struct mmf_as_call {
	uint32_t code;  /* enum mmf_opcode */
	uint32_t proc;  /* the process */
	uint64_t addr;  /* user address (start) */
	uint64_t len;   /* bytes */
	uint32_t flags; /* the op's flags, Linux's values; an op with a prot field (mmap_huge) has it << 8 */
	uint32_t pad;
};

/* How deep a sequence took the oracle's address spaces since its reset:
 * what reports show of a generator's reach, never part of a verdict. */
struct mmf_depth {
	uint32_t procs_max;      /* most processes alive at once */
	uint32_t forks;          /* forks that succeeded */
	uint32_t fork_depth_max; /* the deepest generation (process 0 is 0) */
	uint32_t cow_breaks;     /* private pages copied on a write fault */
	uint32_t pages_shared;   /* ptes of pages fork shared with a child */
	/* memory pressure: kswapd runs, direct reclaims, pages swapped out
	 * and in, zswap pool writebacks, processes the OOM killer killed */
	uint32_t kswapd_runs, direct_reclaims, swapouts, swapins, zswap_writebacks, oom_kills;
	/* huge pages: hugetlb faults that mapped a page, COW copies of one,
	 * pages reserved by mmap, surplus pages allocated past nr_hugepages */
	uint32_t huge_faults, huge_cows, huge_reservations, huge_surplus;
	/* transparent huge pages: faults that mapped a huge PMD, PMDs split,
	 * small pages collapsed into a huge one (MADV_COLLAPSE) */
	uint32_t thp_faults, thp_splits, thp_collapses;
};

/* A seeded bug: its run-time name, the subsystem it breaks, what goes wrong. */
struct mmf_mutant_desc {
	const char *name;
	const char *subsystem;
	const char *description;
};

#endif
