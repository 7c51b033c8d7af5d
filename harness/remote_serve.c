/* The far side of a remote adapter: a fork server that creates the
 * adapter's context once and forks workers, each serving adapter calls
 * over the wire (mmfuzz/wire.h) for one sequence, or for many when the
 * adapter's reset brings it back (W_RESET). Needs only libc,
 * the adapter table and the profiles, so agents linked against another
 * allocator (or built without sanitizers) can carry it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmfuzz/wire.h"
#include "mmfuzz/adapter.h"
#include "mmfuzz/agent.h"
#include "harness/remote_run.h"

static int send_status(unsigned kind, int result, int status, long pid, uint64_t peak, const void *payload,
		       uint32_t len)
{
	struct mmf_wire_status_msg m = { .magic = MMF_WIRE_MAGIC, .kind = (uint16_t)kind, .version = MMF_WIRE_VERSION,
					 .result = result, .status = status, .pid = pid, .peak_rss = peak, .len = len };
	mmf_wire_status_order(&m);
	return mmf_wire_write(MMF_WIRE_FD_ST, &m, sizeof(m)) || (len && mmf_wire_write(MMF_WIRE_FD_ST, payload, len)) ? -1 : 0;
}

static char in_buf[MMF_WIRE_PAYLOAD + 1], out_buf[MMF_WIRE_PAYLOAD];

/* This process's children, at most max of them. */
static unsigned children(pid_t *out, unsigned max)
{
	char path[64], buf[8192];
	unsigned n = 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[len > 0 ? len : 0] = 0;
		for (char *p = buf, *end; *p && n < max; p = end) {
			long v = strtol(p, &end, 10);
			if (end == p)
				break;
			if (v > 0)
				out[n++] = (pid_t)v;
		}
		return n;
	}
	DIR *d = opendir("/proc"); /* no CONFIG_PROC_CHILDREN: look at every process's parent */
	for (struct dirent *e; d && (e = readdir(d)) && n < max;) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name) >= sizeof(path))
			continue;
		int sfd = open(path, O_RDONLY | O_CLOEXEC);
		if (sfd < 0)
			continue;
		ssize_t len = read(sfd, buf, sizeof(buf) - 1);
		close(sfd);
		buf[len > 0 ? len : 0] = 0;
		char *rp = strrchr(buf, ')'), state;
		int ppid;
		if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid())
			out[n++] = (pid_t)atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

void mmf_kill_children(const pid_t *keep, unsigned nkeep)
{
	for (unsigned round = 0; round < 64; round++) {
		pid_t kids[512];
		unsigned n = children(kids, 512), killed = 0;
		for (unsigned i = 0; i < n; i++) {
			unsigned k = 0;
			while (k < nkeep && keep[k] != kids[i])
				k++;
			if (k < nkeep)
				continue;
			kill(kids[i], SIGKILL);
			while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
				;
			killed++;
		}
		if (!killed)
			break;
	}
}

/* Each entry of mmfuzz/adapter.def unpacked as remote.c packs it:
 * scalars in order from a[], a string from the payload, outputs in order
 * into v[], the errno and the text into the answer. */
#define LOCAL(kind, type, name) MMF_PP_CAT(LOCAL_, kind)(type, name)
#define LOCAL_I(type, name) type name##_ = (type)a[k++];
#define LOCAL_S(type, name)                                                                                            \
	in_buf[q->len] = 0;                                                                                            \
	type name##_ = in_buf;
#define LOCAL_REQ(type, name)                                                                                          \
	struct mmf_page_req name##_ = { (uint32_t)a[k], (uint8_t)a[k + 1], (uint8_t)a[k + 2], (uint8_t)a[k + 3] };     \
	k += 4;
#define LOCAL_CALL(type, name)                                                                                         \
	struct mmf_as_call name##_ = { (uint32_t)a[k], (uint32_t)a[k + 1], a[k + 2], a[k + 3], (uint32_t)a[k + 4], 0 }; \
	k += 5;
#define LOCAL_O(type, name) type name##_ = 0;
#define LOCAL_OA(type, name) type name##_ = 0;
#define LOCAL_E(type, name)
#define LOCAL_T(type, name)
#define ARG(kind, type, name) MMF_PP_CAT(ARG_, kind)(name)
#define ARG_I(name) , name##_
#define ARG_S(name) , name##_
#define ARG_REQ(name) , &name##_
#define ARG_CALL(name) , &name##_
#define ARG_O(name) , &name##_
#define ARG_OA(name) , &name##_
#define ARG_E(name) , &err
#define ARG_T(name) , out_buf, sizeof(out_buf), &len
#define STORE(kind, type, name) MMF_PP_CAT(STORE_, kind)(name)
#define STORE_O(name) v[j++] = (uint64_t)name##_;
#define STORE_OA(name) v[j++] = (uint64_t)(int64_t)name##_;
#define STORE_I(name)
#define STORE_S(name)
#define STORE_REQ(name)
#define STORE_CALL(name)
#define STORE_E(name)
#define STORE_T(name)

/* One adapter call: unpacks q, calls the table, packs the answer into p
 * (and out_buf for a text result). */
static void dispatch(const struct mmf_adapter *ad, void *ctx, const struct mmf_wire_req *q, struct mmf_wire_resp *p)
{
	const uint64_t *a = q->a;
	uint64_t *v = p->v;
	int err = 0;
	size_t len = 0;
	enum mmf_result r = MMF_UNSUPPORTED;
	unsigned u;
#define CALL(fn, ...)                                                                                                  \
	(ad->size > offsetof(struct mmf_adapter, fn) && ad->fn ? ad->fn(__VA_ARGS__) : MMF_UNSUPPORTED)
	switch (q->op) {
	case W_check:
		out_buf[0] = 0;
		r = CALL(check, ctx, (enum mmf_check_grade)a[0], out_buf, sizeof(out_buf));
		len = strnlen(out_buf, sizeof(out_buf) - 1);
		break;
	case W_RESET:
		r = ad->reset ? ad->reset(ctx) : MMF_UNSUPPORTED;
		break;
	case W_EXPECT: {
		uint64_t val = 0;
		enum mmf_result rr = CALL(obj_read, ctx, a[0], &val);
		v[0] = val;
		v[1] = (uint64_t)(int64_t)rr;
		r = rr == MMF_OK ? (val == a[1] ? MMF_OK : MMF_REFUSED) : rr == MMF_CORRUPT || a[2] ? rr : MMF_OK;
		break;
	}
	case W_moved:
		/* one pair at a time: v[0] is the count (0 or 1) */
		u = ad->moved ? ad->moved(ctx, &v[1], &v[2], 1) : 0;
		v[0] = u;
		r = MMF_OK;
		break;
#define MMF_ENTRY(name, capbits, params)                                                                               \
	case W_##name: {                                                                                               \
		unsigned k = 0, j = 0;                                                                                 \
		MMF_PP_EACH(LOCAL, params)                                                                             \
		r = CALL(name, ctx MMF_PP_EACH(ARG, params));                                                          \
		MMF_PP_EACH(STORE, params)                                                                             \
		(void)k, (void)j;                                                                                      \
		break;                                                                                                 \
	}
#define MMF_ENTRY_OWN(name, capbits, ret, cparams)
#define MMF_DATA(type, name)
#include "mmfuzz/adapter.def"
#undef MMF_DATA
#undef MMF_ENTRY_OWN
#undef MMF_ENTRY
	default: r = MMF_UNSUPPORTED; break;
	}
	/* MMF_WIRE_Q_KSIZE: the ksize the executor asks next */
	p->usable_result = -1;
	if ((q->flags & MMF_WIRE_Q_KSIZE) && r == MMF_OK && v[0] &&
	    (q->op == W_kmalloc || q->op == W_krealloc || q->op == W_calloc || q->op == W_memalign))
		p->usable_result = CALL(ksize, ctx, v[0], &p->usable);
#undef CALL
	if (len > sizeof(out_buf))
		len = sizeof(out_buf);
	p->result = r;
	p->err = err;
	p->len = (uint32_t)len;
}

/* Ops that touch at most a page or give memory back. */
static int small_op(unsigned op)
{
	switch (op) {
	case W_kfree:
	case W_free_kind:
	case W_ksize:
	case W_obj_write:
	case W_obj_read:
	case W_EXPECT:
	case W_cache_free:
	case W_pool_free:
	case W_vfree:
	case W_vmem_write:
	case W_vmem_read:
	case W_vmalloc_to_pfn:
	case W_free_pages:
	case W_write_page:
	case W_read_page:
	case W_check:
	case W_RESET: return 1;
	default: return 0;
	}
}

/* 1 if a process besides this worker lives below the server: a child of
 * the worker, or one orphaned to the server (its subreaper). Such a
 * worker is not reused: its end takes them along. Asked at every reset:
 * the server's list of children is read through a descriptor kept open
 * (reopened if the adapter closed it), the worker's own children are
 * asked of waitid without reaping any. */
static int strays(pid_t server)
{
	static int fd = -1;
	char buf[256];
	ssize_t len = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
	if (len < 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)server, (int)server);
		if (fd >= 0)
			close(fd);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (len = pread(fd, buf, sizeof(buf) - 1, 0)) < 0)
			return 1; /* cannot tell (no CONFIG_PROC_CHILDREN) */
	}
	buf[len] = 0;
	char *end;
	if (strtol(buf, &end, 10) != getpid())
		return 1;
	while (*end == ' ' || *end == '\n')
		end++;
	if (*end)
		return 1;
	siginfo_t si;
	return waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT) == 0 || errno != ECHILD;
}

/* The ring mmfuzz offered, if this agent mapped it; how long to spin. */
static struct mmf_wire_ring *ring;
static double spin_far;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The next request from the ring into q and in_buf: spins a little, then
 * sleeps on req until mmfuzz rings. nap: sleep at once (after a reset:
 * mmfuzz is done with this worker until its profile's next sequence, and
 * a worker spinning meanwhile takes a CPU from the one it talks to). A
 * bell with no request behind it is mmfuzz waking this worker ahead of
 * its next sequence (mmf_remote_wake): it spins again. -1 once mmfuzz
 * is gone. */
static int ring_next(uint32_t last, struct mmf_wire_req *q, int nap)
{
	double spin = spin_far;
	while (mmf_wire_ld(&ring->req_seq) == last) {
		double start = 0;
		for (unsigned i = 1; !nap && mmf_wire_ld(&ring->req_seq) == last; i++) {
			mmf_wire_relax();
			if (i & 127)
				continue;
			double t = now_s();
			if (!start)
				start = t;
			else if (t - start > spin)
				break;
		}
		nap = 0;
		spin = 4 * spin_far; /* woken ahead: its sequence starts within the end of the last one */
		mmf_wire_st(&ring->far_waiting, 1);
		if (mmf_wire_ld(&ring->req_seq) == last) {
#if MMF_WIRE_HAVE_FUTEX
			/* a futex, woken by FUTEX_WAKE; every 100 ms a look at
			 * whether mmfuzz is still there (its end of req open) */
			mmf_wire_futex_wait(&ring->req_seq, mmf_wire32(last), 100);
			struct pollfd pf = { MMF_WIRE_FD_REQ, POLLIN, 0 };
			if (mmf_wire_ld(&ring->req_seq) == last && poll(&pf, 1, 0) > 0 && (pf.revents & (POLLHUP | POLLERR)))
				return -1;
#else
			char bell[64];
			ssize_t r = read(MMF_WIRE_FD_REQ, bell, sizeof(bell));
			if (r == 0 || (r < 0 && errno != EINTR))
				return -1;
#endif
		}
		mmf_wire_st(&ring->far_waiting, 0);
	}
	memcpy(q, &ring->req, sizeof(*q));
	mmf_wire_req_order(q);
	if (q->len > MMF_WIRE_PAYLOAD)
		return -1;
	memcpy(in_buf, ring->req_payload, q->len);
	return 0;
}

/* A W_BATCH from the ring (its payload in in_buf): each request in turn,
 * stopping at a deferred one not answered MMF_OK; p is the last answer. */
static void batch(const struct mmf_adapter *ad, void *ctx, const struct mmf_wire_req *q, struct mmf_wire_resp *p)
{
	size_t sz = sizeof(struct mmf_wire_req);
	uint64_t n = q->a[0], d = q->a[1];
	p->result = MMF_CORRUPT;
	if (n == 0 || n > MMF_WIRE_MAX_BATCH + 1 || d > n || n * sz > q->len)
		return; /* malformed: the near side sees a corrupt answer */
	p->result = MMF_OK;
	for (uint32_t i = 0; i < n; i++) {
		struct mmf_wire_req sub;
		memcpy(&sub, in_buf + i * sz, sz);
		mmf_wire_req_order(&sub);
		mmf_wire_st(&ring->progress, i);
		if (i >= d) { /* the one that waits: its payload after the requests */
			size_t plen = q->len - n * sz;
			if (sub.len > plen)
				sub.len = (uint32_t)plen;
			memmove(in_buf, in_buf + n * sz, sub.len);
		}
		struct mmf_wire_resp r = { .seq = q->seq };
		dispatch(ad, ctx, &sub, &r);
		*p = r;
		if (i < d && r.result != MMF_OK) {
			mmf_wire_st(&ring->failed_at, i + 1);
			return;
		}
	}
}

static void worker(const struct mmf_adapter *ad, void *ctx, pid_t server, unsigned prof)
{
	/* Its own process group: mmfuzz kills the group, so processes the
	 * adapter starts go with it (a task spinning under QEMU takes no
	 * signal it could catch, nor notices its parent's death). It dies
	 * with the server, whatever the adapter does to either. */
	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != server)
		_exit(0);
	close(MMF_WIRE_FD_CTL);
	close(MMF_WIRE_FD_ST);
	/* A crash is the signal's own death, whatever a sanitizer in this
	 * process would make of it, so signatures agree across builds. */
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };
	for (unsigned i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], SIG_DFL);
	uint32_t last = 0; /* mmfuzz set the ring's number to 0 before this worker */
	int nap = 0;
	for (;;) {
		struct mmf_wire_req q;
		if (ring) {
			if (ring_next(last, &q, nap))
				_exit(0);
			last = q.seq;
			nap = q.op == W_RESET;
		} else if (mmf_wire_read(MMF_WIRE_FD_REQ, &q, sizeof(q)) || (mmf_wire_req_order(&q), q.len > MMF_WIRE_PAYLOAD) ||
			   (q.len && mmf_wire_read(MMF_WIRE_FD_REQ, in_buf, q.len)))
			_exit(0);
		if (q.op == W_END)
			_exit(0);
		struct mmf_wire_resp p = { .seq = q.seq };
		if (q.op == W_BATCH && ring)
			batch(ad, ctx, &q, &p);
		else if (q.op == W_RUN && ring && mmf_agent_run) {
			uint32_t len = 0;
			p.result = mmf_agent_run(ad, ctx, prof, &q, in_buf, out_buf, sizeof(out_buf), &len, &ring->progress);
			p.len = len;
			struct mmf_wire_run *w = (struct mmf_wire_run *)out_buf;
			/* a clean run reset the adapter, as W_RESET does: a worker
			 * that left processes behind is not reused */
			if (p.result == MMF_OK && len >= sizeof(*w) && w->reusable && strays(server))
				w->reusable = 0;
		} else
			dispatch(ad, ctx, &q, &p);
		if (q.op == W_RESET && p.result == MMF_OK && strays(server))
			p.result = MMF_REFUSED;
		/* The peak after an op that may take memory, sampled at most
		 * every half millisecond (a syscall costs more than most ops):
		 * an op that frees, reads or writes a word repeats the last. */
		static uint64_t peak;
		static double sampled;
		struct rusage ru;
		if (!small_op(q.op)) {
			double t = now_s();
			if (t - sampled >= 0.0005 && getrusage(RUSAGE_SELF, &ru) == 0) {
				peak = (uint64_t)ru.ru_maxrss << 10;
				sampled = t;
			}
		}
		p.peak_rss = peak;
		p.err = mmf_wire_errno(p.err);
		uint32_t plen = p.len;
		mmf_wire_resp_order(&p);
		if (ring) {
			if (plen)
				memcpy(ring->resp_payload, out_buf, plen);
			memcpy(&ring->resp, &p, sizeof(p));
			mmf_wire_st(&ring->resp_seq, q.seq);
			if (mmf_wire_ld(&ring->near_waiting) && mmf_wire_write(MMF_WIRE_FD_RESP, "!", 1))
				_exit(0);
		} else if (mmf_wire_write(MMF_WIRE_FD_RESP, &p, sizeof(p)) || (plen && mmf_wire_write(MMF_WIRE_FD_RESP, out_buf, plen)))
			_exit(0);
	}
}

/* Maps the ring mmfuzz offers at MMF_WIRE_FD_RING, if it is one. */
static void map_ring(void)
{
	struct stat sb;
	if (fstat(MMF_WIRE_FD_RING, &sb) == 0 && (size_t)sb.st_size == sizeof(*ring)) {
		void *m = mmap(NULL, sizeof(*ring), PROT_READ | PROT_WRITE, MAP_SHARED, MMF_WIRE_FD_RING, 0);
		if (m != MAP_FAILED && mmf_wire32(((struct mmf_wire_ring *)m)->magic) == MMF_WIRE_RING_MAGIC &&
		    mmf_wire32(((struct mmf_wire_ring *)m)->version) == MMF_WIRE_VERSION)
			ring = m;
		else if (m != MAP_FAILED)
			munmap(m, sizeof(*ring));
	}
	if (fcntl(MMF_WIRE_FD_RING, F_GETFD) >= 0)
		close(MMF_WIRE_FD_RING);
	cpu_set_t set;
	spin_far = sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) < 2 ? 0 : MMF_WIRE_SPIN;
}

int mmf_agent_main(const struct mmf_adapter *ad)
{
	for (int fd = MMF_WIRE_FD_CTL; fd <= MMF_WIRE_FD_RESP; fd++)
		if (fcntl(fd, F_GETFD) < 0) {
			fprintf(stderr,
				"this program is an mmfuzz agent for adapter %s: it talks to mmfuzz over descriptors 3-6;\n"
				"run it as: mmfuzz fuzz --adapter %s\n",
				ad && ad->name ? ad->name : "?", ad && ad->name ? ad->name : "NAME");
			return 2;
		}
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); /* what workers orphan comes here, to be killed */
	map_ring();
	static struct mmf_wire_hello h;
	h = (struct mmf_wire_hello){ .abi_version = ad->abi_version, .caps = ad->caps, .features = ring ? MMF_WIRE_F_RING | (MMF_WIRE_HAVE_FUTEX ? MMF_WIRE_F_FUTEX : 0) | (mmf_agent_run ? MMF_WIRE_F_RUN : 0) : 0 };
	memcpy(h.level, ad->level, sizeof(h.level));
	snprintf(h.name, sizeof(h.name), "%s", ad->name ? ad->name : "");
	snprintf(h.description, sizeof(h.description), "%s", ad->description ? ad->description : "");
	for (size_t i = 0, n = 0; i < ad->nr_mutants && i < MMF_WIRE_MAX_MUTANTS && n < sizeof(h.mutants); i++)
		n += (size_t)snprintf(h.mutants + n, sizeof(h.mutants) - n, "%s\t%s\t%s\n", ad->mutants[i].name,
				      ad->mutants[i].subsystem ? ad->mutants[i].subsystem : "",
				      ad->mutants[i].description ? ad->mutants[i].description : "");
	const char *const *known = ad->size >= MMF_ADAPTER_SIZE_KNOWN ? ad->known : NULL;
	for (size_t i = 0, n = 0; known && known[i] && n < sizeof(h.known); i++)
		n += (size_t)snprintf(h.known + n, sizeof(h.known) - n, "%s\n", known[i]);
	const char *kernel = mmf_adapter_kernel(ad);
	snprintf(h.kernel, sizeof(h.kernel), "%s", kernel ? kernel : "");
	mmf_wire_hello_order(&h);
	if (send_status(S_HELLO, 0, 0, getpid(), 0, &h, sizeof(h)))
		return 1;

	struct mmf_wire_req q;
	if (mmf_wire_read(MMF_WIRE_FD_CTL, &q, sizeof(q)) || (mmf_wire_req_order(&q), q.op != W_CREATE) || q.len > 1023 ||
	    (q.len && mmf_wire_read(MMF_WIRE_FD_CTL, in_buf, q.len)))
		return 1;
	in_buf[q.len] = 0;
	uint64_t q_prof = q.a[0];
	const struct mmf_profile *prof = mmf_profile_get((unsigned)q.a[0]);
	char err[256] = "";
	void *ctx = NULL;
	enum mmf_result r = MMF_REFUSED;
	if (!prof)
		snprintf(err, sizeof(err), "no machine profile %llu", (unsigned long long)q.a[0]);
	else {
		/* payload: the mutant's name, then the kernel knobs after a newline */
		char *nl = strchr(in_buf, '\n');
		if (nl)
			*nl = 0;
		struct mmf_adapter_config cfg = { prof, (unsigned)q.a[0], in_buf[0] ? in_buf : NULL, nl ? nl + 1 : NULL, 0 };
		r = ad->create(&cfg, &ctx, err, sizeof(err));
	}
	if (send_status(S_CREATED, r, 0, getpid(), 0, err, r == MMF_OK ? 0 : (uint32_t)strlen(err)) || r != MMF_OK)
		return 1;

	for (;;) {
		if (mmf_wire_read(MMF_WIRE_FD_CTL, &q, sizeof(q)) || (mmf_wire_req_order(&q), q.op != W_START))
			break;
		pid_t server = getpid();
		pid_t pid = fork();
		if (pid < 0) {
			send_status(S_DIED, 0, -1, -1, 0, NULL, 0);
			continue;
		}
		if (pid == 0)
			worker(ad, ctx, server, (unsigned)q_prof);
		setpgid(pid, pid); /* as the worker does, whichever runs first */
		if (send_status(S_READY, 0, 0, pid, 0, NULL, 0)) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			break;
		}
		int status = 0;
		struct rusage ru = { 0 };
		while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
			;
		/* what the worker started goes with it: its group, and whatever
		 * it orphaned (this process is their subreaper) */
		kill(-pid, SIGKILL);
		mmf_kill_children(NULL, 0);
		if (WIFSIGNALED(status)) /* the signal as the wire numbers it */
			status = (status & ~0x7f) | mmf_wire_signal(WTERMSIG(status));
		if (send_status(S_DIED, 0, status, pid, (uint64_t)ru.ru_maxrss << 10, NULL, 0))
			break;
	}
	mmf_kill_children(NULL, 0);
	ad->destroy(ctx);
	return 0;
}
