/* The wire protocol between mmfuzz and an adapter running in another
 * process: a fork server and its workers (harness/remote_serve.c) on one
 * side, the proxy adapter (harness/remote.c) on the other.
 *
 * Four pipes, at fixed descriptors in the server:
 *   ctl  (mmfuzz -> server)  W_CREATE once, then W_START for each worker
 *   st   (server -> mmfuzz)  the hello, create's answer, READY and DIED
 *   req  (mmfuzz -> worker)  one request per adapter call
 *   resp (worker -> mmfuzz)  its answer
 * and, at a fifth descriptor, a shared-memory ring (struct mmf_wire_ring)
 * that carries requests and answers instead of req and resp when the
 * agent maps it (its hello says so): a call is then two stores and two
 * loads of shared memory while the other side is awake, and one byte on
 * req or resp (a doorbell) only to wake a side that went to sleep.
 * The server creates the adapter's context once; every worker is a fork of
 * it, so a worker's first sequence starts from the state right after
 * create. A worker serves requests until W_END (or until it dies); the
 * server then reports how it ended. W_RESET asks the worker to run the
 * adapter's own reset, after which it may serve another sequence (a
 * persistent worker, as AFL++'s persistent mode). Only one request is
 * ever outstanding, and every message carries the request's number, so
 * an answer from a worker killed mid-reply is recognised and dropped.
 *
 * The fixed-size headers below travel little-endian, so an agent of the
 * other byte order (sparc64 under QEMU) speaks the same protocol: both
 * ends pass every header through mmf_wire_*_order() between memory and
 * pipe (nothing to do on a little-endian machine). Payloads are bytes and
 * text. Signal numbers (a fault, a wait status) and errnos travel as
 * x86/arm Linux numbers them (mmf_wire_signal(), mmf_wire_errno()). */
#ifndef MMFUZZ_WIRE_H
#define MMFUZZ_WIRE_H
#if defined(MMF_LAYER_ORACLE)
#error "the oracle (reference/) does not include the adapter ABI or the harness: mmfuzz/result.h, profile.h, kernel.h, gfp.h and ops.h are its vocabulary"
#endif

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "mmfuzz/ops.h"

#define MMF_WIRE_MAGIC 0x4d4d4657u /* "MMFW" */
#define MMF_WIRE_VERSION 7

/* Descriptors of the four pipes in the server (and its workers). */
#define MMF_WIRE_FD_CTL 3
#define MMF_WIRE_FD_ST 4
#define MMF_WIRE_FD_REQ 5
#define MMF_WIRE_FD_RESP 6
#define MMF_WIRE_FD_RING 7 /* the ring's memfd, if mmfuzz offers one */

/* Largest payload either way (a report, a check message, a cache name). */
#define MMF_WIRE_PAYLOAD (256u << 10)

/* Request codes: three of the protocol's own, then one per adapter
 * entry, in mmfuzz/adapter.def's order (W_<entry>). */
enum mmf_wire_op {
	W_CREATE = 1, /* ctl: a[0] profile index; payload: mutant name or empty */
	W_START,      /* ctl: fork the next worker */
	W_END,        /* req: the worker exits 0 */
	W_RESET,      /* req: the adapter's reset; MMF_UNSUPPORTED if it has none */
	W_BATCH,      /* req, through the ring only: a[0] requests in the payload, the
		       * first a[1] of them deferred (their answer is only checked
		       * for MMF_OK), the rest followed by its own payload */
	W_EXPECT,     /* req, deferred only: obj_read of a[0], which should read a[1];
		       * MMF_OK if it does (or, a[2] == 0, if obj_read answered
		       * neither MMF_OK nor MMF_CORRUPT), else MMF_REFUSED, or
		       * obj_read's own answer when it was not MMF_OK; v[0] what it
		       * read, v[1] obj_read's answer */
	W_RUN,        /* req, through the ring only, to an agent that offers
		       * MMF_WIRE_F_RUN: a whole sequence run by an executor in the
		       * worker, against an oracle of its own (harness/remote_run.c);
		       * payload and answer there */
#define MMF_ENTRY(name, ...) W_##name,
#define MMF_ENTRY_OWN(name, ...) W_##name,
#define MMF_DATA(...)
#include "mmfuzz/adapter.def"
#undef MMF_DATA
#undef MMF_ENTRY_OWN
#undef MMF_ENTRY
	W_NR_OPS
};

struct mmf_wire_req {
	uint32_t seq;
	uint16_t op;    /* enum mmf_wire_op */
	uint16_t flags; /* MMF_WIRE_Q_* */
	uint32_t len;   /* payload bytes that follow */
	uint32_t pad2;
	uint64_t a[10]; /* the call's arguments in order */
};

struct mmf_wire_resp {
	uint32_t seq;
	int32_t result; /* enum mmf_result */
	int32_t err;
	uint32_t len;   /* payload bytes that follow */
	uint64_t v[3];  /* the call's outputs in order */
	uint64_t peak_rss; /* the worker's peak resident bytes after the call */
	/* MMF_WIRE_Q_KSIZE: ksize's answer for the new object at v[0], and
	 * its result (-1: not asked, or the allocation was not MMF_OK) */
	uint64_t usable;
	int32_t usable_result;
	uint32_t pad;
};

/* Request flags. MMF_WIRE_Q_KSIZE, on an allocation whose first output is
 * the new object's address (kmalloc, krealloc, calloc, memalign): once it
 * answers MMF_OK with an address, the worker also calls ksize on it, the
 * call the executor makes next, and answers both at once. */
#define MMF_WIRE_Q_KSIZE 1u

/* Server to mmfuzz, on st. */
enum mmf_wire_status {
	S_HELLO = 1, /* v: caps; payload: struct mmf_wire_hello */
	S_CREATED,   /* result of W_CREATE; payload: error text on failure */
	S_READY,     /* a worker (pid) waits on req */
	S_DIED,      /* the worker (pid) ended: status as waitpid gives it */
};

struct mmf_wire_status_msg {
	uint32_t magic;
	uint16_t kind; /* enum mmf_wire_status */
	uint16_t version;
	int32_t result;
	int32_t status;
	int64_t pid;
	uint64_t peak_rss; /* bytes, of a worker that died */
	uint32_t len;      /* payload bytes that follow */
	uint32_t pad;
};

struct mmf_wire_hello {
	uint32_t abi_version;
	uint32_t features; /* MMF_WIRE_F_* */
	uint64_t caps;
	uint8_t level[MMF_NR_FAMILIES];
	char name[32];
	char description[160];
	char known[6144]; /* the known differences, one per line */
	char mutants[4096]; /* "name\tsubsystem\tdescription\n" each */
	char kernel[1024];  /* the kernel knobs it probed, "name=value ..." */
};
#define MMF_WIRE_MAX_MUTANTS 32
#define MMF_WIRE_MAX_BATCH 64 /* requests in one W_BATCH */
#define MMF_WIRE_F_RING 1u /* the agent mapped the ring and serves through it */
/* Its workers sleep on a futex at req_seq, not on req: mmfuzz wakes them
 * with FUTEX_WAKE. A pipe's wake-up is a synchronous one, which puts the
 * sleeper on the waker's CPU as if the waker were about to sleep; mmfuzz
 * is not, and a worker spinning there takes the CPU it needs. */
#define MMF_WIRE_F_FUTEX 2u
/* The agent carries the executor and the oracle (it links mmfuzz's core):
 * its workers take W_RUN, a campaign's whole sequence per round trip. */
#define MMF_WIRE_F_RUN 4u

/* The ring: one request and one answer, each published by storing its
 * number (release) after the message, the numbers in wire order. A side
 * that stops spinning sets its *_waiting flag, re-reads the number and
 * then sleeps on its pipe; the other side, after publishing, writes one
 * byte to that pipe if the flag is set. Nothing read from the ring is
 * trusted: lengths are bounded and a message is copied before use. */
#define MMF_WIRE_RING_MAGIC 0x4d4d4652u /* "MMFR" */
struct mmf_wire_ring {
	uint32_t magic, version;
	uint8_t pad0[56];
	/* near -> far: a request is there; each number shares its message's
	 * first cache line, so a hand-over moves few lines */
	uint32_t req_seq, far_waiting;
	struct mmf_wire_req req;
	uint8_t pad1[64 - (8 + sizeof(struct mmf_wire_req)) % 64];
	uint32_t resp_seq, near_waiting; /* far -> near: its answer is there */
	struct mmf_wire_resp resp;
	uint8_t pad2[64 - (8 + sizeof(struct mmf_wire_resp)) % 64];
	/* W_BATCH: the request being served (0-based), and 1 + the deferred
	 * one whose answer was not MMF_OK (its result is resp's; 0: none) */
	uint32_t progress, failed_at;
	uint8_t pad3[56];
	char req_payload[MMF_WIRE_PAYLOAD];
	char resp_payload[MMF_WIRE_PAYLOAD];
};


#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define MMF_WIRE_SWAP 1
#else
#define MMF_WIRE_SWAP 0
#endif
static inline uint16_t mmf_wire16(uint16_t x) { return MMF_WIRE_SWAP ? __builtin_bswap16(x) : x; }
static inline uint32_t mmf_wire32(uint32_t x) { return MMF_WIRE_SWAP ? __builtin_bswap32(x) : x; }
static inline uint64_t mmf_wire64(uint64_t x) { return MMF_WIRE_SWAP ? __builtin_bswap64(x) : x; }
#define MMF_WIRE_S32(f) ((f) = (int32_t)mmf_wire32((uint32_t)(f)))

/* How long a side spins for the other before it sleeps (seconds; not at
 * all where the process may run on one CPU only). */
#define MMF_WIRE_SPIN 0.00005

/* The futex doorbell: on x86-64 (the machines mmfuzz runs on). Agents of
 * other architectures, which run under QEMU's user mode here, keep the
 * pipe; so does a build with MMF_WIRE_NO_FUTEX. */
#if defined(__linux__) && defined(__x86_64__) && !defined(MMF_WIRE_NO_FUTEX)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#define MMF_WIRE_HAVE_FUTEX 1
/* Sleeps while *p holds raw (as stored), at most ms milliseconds. */
static inline void mmf_wire_futex_wait(uint32_t *p, uint32_t raw, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	syscall(SYS_futex, p, FUTEX_WAIT, raw, &ts, NULL, 0);
}
static inline void mmf_wire_futex_wake(uint32_t *p) { syscall(SYS_futex, p, FUTEX_WAKE, 1, NULL, NULL, 0); }
#else
#define MMF_WIRE_HAVE_FUTEX 0
#endif

static inline uint32_t mmf_wire_ld(const uint32_t *p) { return mmf_wire32(__atomic_load_n(p, __ATOMIC_SEQ_CST)); }
static inline void mmf_wire_st(uint32_t *p, uint32_t v) { __atomic_store_n(p, mmf_wire32(v), __ATOMIC_SEQ_CST); }
static inline void mmf_wire_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Each of these turns a header from memory order to wire order and back. */
static inline void mmf_wire_req_order(struct mmf_wire_req *q)
{
	q->seq = mmf_wire32(q->seq);
	q->op = mmf_wire16(q->op);
	q->flags = mmf_wire16(q->flags);
	q->len = mmf_wire32(q->len);
	for (unsigned i = 0; i < sizeof(q->a) / sizeof(q->a[0]); i++)
		q->a[i] = mmf_wire64(q->a[i]);
}

static inline void mmf_wire_resp_order(struct mmf_wire_resp *p)
{
	p->seq = mmf_wire32(p->seq);
	MMF_WIRE_S32(p->result);
	MMF_WIRE_S32(p->err);
	p->len = mmf_wire32(p->len);
	for (unsigned i = 0; i < sizeof(p->v) / sizeof(p->v[0]); i++)
		p->v[i] = mmf_wire64(p->v[i]);
	p->peak_rss = mmf_wire64(p->peak_rss);
	p->usable = mmf_wire64(p->usable);
	MMF_WIRE_S32(p->usable_result);
}

static inline void mmf_wire_status_order(struct mmf_wire_status_msg *m)
{
	m->magic = mmf_wire32(m->magic);
	m->kind = mmf_wire16(m->kind);
	m->version = mmf_wire16(m->version);
	MMF_WIRE_S32(m->result);
	MMF_WIRE_S32(m->status);
	m->pid = (int64_t)mmf_wire64((uint64_t)m->pid);
	m->peak_rss = mmf_wire64(m->peak_rss);
	m->len = mmf_wire32(m->len);
}

static inline void mmf_wire_hello_order(struct mmf_wire_hello *h)
{
	h->abi_version = mmf_wire32(h->abi_version);
	h->features = mmf_wire32(h->features);
	h->caps = mmf_wire64(h->caps);
}

/* A signal as the wire numbers it (x86 and arm Linux's numbers; sparc's
 * SIGBUS is 10 at home, for one). */
static inline int mmf_wire_signal(int sig)
{
	switch (sig) {
	case SIGHUP: return 1;
	case SIGINT: return 2;
	case SIGQUIT: return 3;
	case SIGILL: return 4;
	case SIGTRAP: return 5;
	case SIGABRT: return 6;
	case SIGBUS: return 7;
	case SIGFPE: return 8;
	case SIGKILL: return 9;
	case SIGUSR1: return 10;
	case SIGSEGV: return 11;
	case SIGUSR2: return 12;
	case SIGPIPE: return 13;
	case SIGALRM: return 14;
	case SIGTERM: return 15;
	case SIGXCPU: return 24;
	case SIGXFSZ: return 25;
	case SIGSYS: return 31;
	default: return sig;
	}
}

/* An errno as the wire numbers it: 1-34 are the same everywhere, the rest
 * are x86's (sparc has EOVERFLOW at 92, for one). */
static inline int mmf_wire_errno(int e)
{
	switch (e) {
	case ENOSYS: return 38;
	case EOVERFLOW: return 75;
	case EOPNOTSUPP: return 95;
	case ETIMEDOUT: return 110;
	case EHWPOISON: return 133;
	default: return e;
	}
}

/* Kills (SIGKILL) and reaps every child of this process but the nkeep
 * in keep, round after round while killing orphans more (a subreaper's
 * orphans become its children). Lists children through
 * /proc/self/task/PID/children, or by scanning /proc where that file is
 * missing (remote_serve.c). */
void mmf_kill_children(const pid_t *keep, unsigned nkeep);

/* Reads all n bytes (retrying short reads and EINTR); 0, or -1 at an
 * error or the end of the stream. */
static inline int mmf_wire_read(int fd, void *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t r = read(fd, (char *)buf + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

/* Writes all n bytes (retrying short writes and EINTR); 0 or -1. */
static inline int mmf_wire_write(int fd, const void *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t r = write(fd, (const char *)buf + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

#endif
