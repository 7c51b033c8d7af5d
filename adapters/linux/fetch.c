/* A real instruction fetch from a page of the window: the task jumps into
 * the page and the signal that follows tells whether the fetch itself
 * faulted or went through.
 *
 * The page holds tokens, not code, so what it executes must not matter.
 * On x86-64 (the host agent) the jump runs under the trap flag: the first
 * trap comes with the jump done and nothing fetched; the handler returns
 * with the flag still set, so the CPU fetches and runs exactly one
 * instruction and traps again. Every general register is a harmless value
 * (rax -1 makes a syscall ENOSYS; the others 0, so a memory operand built
 * from them faults below mmap_min_addr) and the stack is a scratch area
 * filled with flags that keep the trap flag set, so no single instruction
 * can run on. The fetch faulted when the fault is an instruction fetch
 * (the page-fault error code's I/D bit) at an address in the page, or a
 * SIGBUS there (a file page past the end of the file); any other signal
 * after the fetch is the instruction's own doing.
 *
 * Elsewhere (the agents under QEMU user mode: arm, aarch64, sparc64) there
 * is no trap flag: the task calls into the page, and a SIGSEGV or SIGBUS
 * whose address lies in the page is the fetch's; anything else (SIGILL:
 * a zero word is an undefined instruction on aarch64 and sparc64; a fault
 * elsewhere; a return; a timer if the code loops) means the fetch went
 * through. The fetch lands 64 bytes before the page's end, so a fetched
 * instruction never reaches into the next page. What a wild instruction
 * there could write (a store through a pc-relative address into a
 * writable page) is the one way a fetch could disturb the window; tokens
 * are few per page and rarely form one. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>

#include "adapters/linux/task.h"

#if defined(__x86_64__) && !defined(LX_QEMU)
#define TRAP_FLAG_FETCH 1
#define X86_PF_INSTR 0x10 /* page-fault error code: an instruction fetch */
#define X86_EFLAGS_TF 0x100
#else
#define TRAP_FLAG_FETCH 0
#endif

static sigjmp_buf fetch_jb;
static uint64_t fetch_at;                  /* the address jumped to */
static volatile sig_atomic_t fetch_stage;  /* 1: the jump's trap is due; 2: the fetch is under way */
static volatile int fetch_sig;
static volatile uint64_t fetch_addr;       /* si_addr of the signal */
static volatile int fetch_instr;           /* the fault was an instruction fetch */
static char alt_stack[64 << 10] __attribute__((aligned(64)));
#if TRAP_FLAG_FETCH
static uint64_t scratch[512] __attribute__((aligned(64))); /* the stack the one instruction sees */
#endif

static void on_fetch(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)uc;
#if TRAP_FLAG_FETCH
	if (sig == SIGTRAP && fetch_stage == 1 && (uint64_t)uc->uc_mcontext.gregs[REG_RIP] == fetch_at) {
		fetch_stage = 2; /* return with the trap flag set: the CPU fetches now */
		return;
	}
	fetch_instr = sig == SIGSEGV && (uc->uc_mcontext.gregs[REG_ERR] & X86_PF_INSTR);
#else
	fetch_instr = sig == SIGSEGV;
#endif
	fetch_sig = sig;
	fetch_addr = (uint64_t)(uintptr_t)si->si_addr;
	siglongjmp(fetch_jb, 1);
}

static const int caught[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGALRM, SIGSYS };
#define NCAUGHT (sizeof(caught) / sizeof(caught[0]))

int lx_fetch(uint64_t addr, uint64_t page)
{
	struct sigaction sa, old[NCAUGHT];
	stack_t ss = { .ss_sp = alt_stack, .ss_size = sizeof(alt_stack) }, old_ss;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fetch;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaltstack(&ss, &old_ss);
	for (unsigned i = 0; i < NCAUGHT; i++)
		sigaction(caught[i], &sa, &old[i]);
	fetch_at = addr + page - 64;
	fetch_sig = 0;
	fetch_instr = 0;
	fetch_addr = 0;
	if (sigsetjmp(fetch_jb, 1) == 0) {
#if TRAP_FLAG_FETCH
		for (unsigned i = 0; i < sizeof(scratch) / sizeof(scratch[0]); i++)
			scratch[i] = 0x302; /* popf/iret find the trap flag set */
		fetch_stage = 1;
		__asm__ volatile("mov %0, %%rsp\n\t"
				 "mov $-1, %%rax\n\t"
				 "xor %%ebx, %%ebx\n\t"
				 "xor %%ecx, %%ecx\n\t"
				 "xor %%edx, %%edx\n\t"
				 "xor %%esi, %%esi\n\t"
				 "xor %%edi, %%edi\n\t"
				 "xor %%ebp, %%ebp\n\t"
				 "xor %%r8d, %%r8d\n\t"
				 "xor %%r9d, %%r9d\n\t"
				 "xor %%r10d, %%r10d\n\t"
				 "xor %%r11d, %%r11d\n\t"
				 "xor %%r12d, %%r12d\n\t"
				 "xor %%r13d, %%r13d\n\t"
				 "xor %%r14d, %%r14d\n\t"
				 "xor %%r15d, %%r15d\n\t"
				 "pushfq\n\t"
				 "orq %2, (%%rsp)\n\t"
				 "popfq\n\t"
				 "jmp *%1\n\t"
				 :
				 : "r"(&scratch[256]), "m"(fetch_at), "i"(X86_EFLAGS_TF)
				 : "memory");
		__builtin_unreachable();
#else
		struct itimerval it = { { 0, 0 }, { 0, 200000 } }; /* code that loops: stopped, it ran */
		setitimer(ITIMER_REAL, &it, NULL);
		fetch_stage = 2;
		((void (*)(void))(uintptr_t)fetch_at)();
		fetch_sig = 0; /* it returned: fetched */
#endif
	}
#if !TRAP_FLAG_FETCH
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
#endif
	for (unsigned i = 0; i < NCAUGHT; i++)
		sigaction(caught[i], &old[i], NULL);
	sigaltstack(&old_ss, NULL);
	int in_page = fetch_addr >= addr && fetch_addr < addr + page;
	if (fetch_stage == 2 && in_page && (fetch_sig == SIGBUS || (fetch_sig == SIGSEGV && fetch_instr)))
		return fetch_sig;
	return 0;
}
