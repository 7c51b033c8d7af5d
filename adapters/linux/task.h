/* The wire between the Linux agent's controller (linux.c) and its tasks
 * (task.c): one real process per modelled process, each serving commands
 * on its own pair of pipes. Both ends are the same program, so the
 * structures travel in the machine's own byte order.
 *
 * The controller makes all MMF_NPROCS pipe pairs and the memfds before it
 * forks task 0; every task inherits them, so a task that forks can hand
 * its child the pipes of the child's slot. Addresses here are the task's
 * own (the window at lx_env.base), not the ops' window addresses. */
#ifndef MMF_ADAPTERS_LINUX_TASK_H
#define MMF_ADAPTERS_LINUX_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "mmfuzz/ops.h"

enum lx_op {
	T_MMAP = 1, /* a: addr, len, prot, op flags, file (-1 anonymous), offset -> v0 address */
	T_MUNMAP,   /* a: addr, len */
	T_MPROTECT, /* a: addr, len, prot */
	T_REPORT,   /* a: kind (MMF_PROC_*) -> text in window addresses */
	T_ACCESS,   /* a: addr, MMF_ACCESS_*, token -> v0 fault, v1 value */
	T_FORK,     /* a: child slot -> v0 pid */
	T_EXIT,     /* answers, then exits */
	T_MADVISE,  /* a: addr, len, advice */
	T_BRK,      /* a: addr -> v0 the break */
	T_MREMAP,   /* a: addr, old_len, new_len, flags, new_addr -> v0 address */
	T_PFN,      /* a: addr -> v0 pagemap entry (frame kept), v1 1 for the zero page */
	T_FIND,     /* a: pfn -> text "slot address" per page of the window mapping it */
	T_CALL,     /* a: the as_call op's code, addr, len, flags -> text; v1 1 for a code it does not know */
};

struct lx_cmd {
	uint32_t op;
	uint32_t pad;
	uint64_t a[6];
};

/* result: 0 ok, else an errno (the call refused); died: the task caught a
 * fatal signal outside an access and is about to die of it. */
struct lx_rep {
	int32_t result;
	int32_t died;
	uint64_t v[2];
	uint32_t len; /* text bytes that follow */
	uint32_t pad;
};

#define LX_TEXT_CAP (256u << 10)

struct lx_env {
	int req[MMF_NPROCS][2];  /* controller -> task */
	int resp[MMF_NPROCS][2]; /* task -> controller */
	int file[MMF_NFILES];    /* the memfds, open in every task */
	uint64_t base;           /* the window's first address in this process */
	uint64_t page;           /* the page size */
	int swap;                /* swap files work (swap.c): MADV_PAGEOUT waits for its writes */
	unsigned die_at;         /* self-test: task 0 dies (1) or hangs (2) at command die_at */
	unsigned die_how;
};

/* fetch.c: one real instruction fetch from the page at addr (page bytes
 * long): 0 when the fetch went through (whatever the fetched instruction
 * then did), or the signal it raised (SIGSEGV, SIGBUS). */
int lx_fetch(uint64_t addr, uint64_t page);
/* probe.c: the kernel behaviour knobs this system shows (mmfuzz/kernel.h),
 * found with real accesses outside the window, as "name=value" words.
 * Returns 1 when the tasks may lock any amount of memory. */
int lx_probe(char *buf, size_t cap);
/* Set by lx_probe(): the tasks turn THP off (PR_SET_THP_DISABLE), and
 * why ("" where the kernel's THP mode is simply what it is). */
extern int lx_thp_off;
extern char lx_thp_why[128];

/* swap.c: the swap files of the swapon and swapoff ops, host only.
 * lx_swap_probe: 1 where they work (else why, in words), with the knobs
 * of how this kernel swaps (swap_async, swap_zeromap); then
 * lx_swap_prepare sizes the four files (pages each, 0 or an errno),
 * lx_swap_reset turns this agent's devices off, lx_swap_on and lx_swap_off
 * make the calls (0, the call's errno, or minus an errno of the agent's
 * own files), and lx_swap_devices writes the devices on as swapon and
 * swapoff answer them (reference/swapfile.c's devices_on()). */
int lx_swap_probe(char *why, size_t cap, char *knobs, size_t kcap);
/* task.c: waits (up to a second) until none of the frames of the pagemap
 * entries pm[0..n) is under writeback (/proc/kpageflags, root). */
void lx_wait_writeback(const uint64_t *pm, unsigned n);
int lx_swap_prepare(uint64_t pages);
/* The machine-wide swap lock (swap.c): its descriptor, held until closed
 * or the process ends (-1 where there is none). */
int lx_swap_lock(void);
void lx_swap_reset(void);
int lx_swap_on(unsigned dev, uint64_t npages, unsigned flags, uint64_t pages);
int lx_swap_off(unsigned dev);
size_t lx_swap_devices(char *out, size_t cap);
/* hugetlb.c: the machine's 2 MiB hugetlb pool, host only. lx_huge_probe:
 * 1 where the agent may use it (else why, in words), with the knob of
 * how this kernel gives reservations back (hugetlb_restore); lx_huge_reset
 * empties it for a sequence (the machine's lock held); lx_huge_pool
 * writes nr_hugepages (ctl 0) or nr_overcommit_hugepages (1), or nothing
 * (2), and answers the counters as the hugetlb_pool op does;
 * lx_huge_counters writes HugePages_Total/Free/Rsvd/Surp lines. */
int lx_huge_probe(char *why, size_t cap, char *knobs, size_t kcap);
int lx_huge_reset(void);
int lx_huge_pool(unsigned ctl, unsigned long count, char *out, size_t cap, size_t *len);
size_t lx_huge_counters(char *out, size_t cap);

/* Runs task slot until its request pipe closes; never returns. */
void lx_task_main(const struct lx_env *env, unsigned slot) __attribute__((noreturn));

#endif
