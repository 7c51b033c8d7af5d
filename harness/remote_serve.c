/* The far side of a remote adapter: a fork server that creates the
 * adapter's context once and forks one worker per sequence, each serving
 * adapter calls over the wire (harness/remote_proto.h). Needs only libc,
 * the adapter table and the profiles, so agents linked against another
 * allocator (or built without sanitizers) can carry it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/remote_proto.h"
#include "mmfuzz/adapter.h"
#include "mmfuzz/agent.h"

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
	case W_ALLOC_PAGES: {
		struct mmf_page_req pr = { (uint32_t)a[0], (uint8_t)a[1], (uint8_t)a[2], (uint8_t)a[3] };
		r = CALL(alloc_pages, ctx, &pr, &v[0], &err);
		break;
	}
	case W_FREE_PAGES: r = CALL(free_pages, ctx, a[0], (unsigned)a[1], (unsigned)a[2]); break;
	case W_WRITE_PAGE: r = CALL(write_page, ctx, a[0], a[1]); break;
	case W_READ_PAGE: r = CALL(read_page, ctx, a[0], &v[0]); break;
	case W_DRAIN_PCP: r = CALL(drain_pcp, ctx, (unsigned)a[0]); break;
	case W_REPORT: r = CALL(report, ctx, (unsigned)a[0], out_buf, sizeof(out_buf), &len); break;
	case W_CHECK:
		out_buf[0] = 0;
		r = CALL(check, ctx, (enum mmf_check_grade)a[0], out_buf, sizeof(out_buf));
		len = strnlen(out_buf, sizeof(out_buf) - 1);
		break;
	case W_KMALLOC: r = CALL(kmalloc, ctx, a[0], (uint32_t)a[1], (unsigned)a[2], (unsigned)a[3], &v[0], &err); break;
	case W_KFREE: r = CALL(kfree, ctx, a[0], (unsigned)a[1]); break;
	case W_KREALLOC:
		r = CALL(krealloc, ctx, a[0], a[1], (uint32_t)a[2], (unsigned)a[3], (unsigned)a[4], &v[0], &err);
		break;
	case W_KSIZE: r = CALL(ksize, ctx, a[0], &v[0]); break;
	case W_OBJ_WRITE: r = CALL(obj_write, ctx, a[0], a[1]); break;
	case W_OBJ_READ: r = CALL(obj_read, ctx, a[0], &v[0]); break;
	case W_CACHE_CREATE:
		in_buf[q->len] = 0;
		r = CALL(cache_create, ctx, in_buf, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2], (int)a[3], &v[0], &err);
		break;
	case W_CACHE_DESTROY: r = CALL(cache_destroy, ctx, a[0], &err); break;
	case W_CACHE_ALLOC:
		r = CALL(cache_alloc, ctx, a[0], (uint32_t)a[1], (unsigned)a[2], (unsigned)a[3], &v[0], &err);
		break;
	case W_CACHE_FREE: r = CALL(cache_free, ctx, a[0], a[1], (unsigned)a[2]); break;
	case W_VMALLOC: r = CALL(vmalloc, ctx, a[0], (uint32_t)a[1], (unsigned)a[2], (unsigned)a[3], &v[0], &err); break;
	case W_VFREE: r = CALL(vfree, ctx, a[0], (unsigned)a[1]); break;
	case W_VMALLOC_TO_PFN: r = CALL(vmalloc_to_pfn, ctx, a[0], &v[0]); break;
	case W_VMEM_WRITE: r = CALL(vmem_write, ctx, a[0], a[1]); break;
	case W_VMEM_READ: r = CALL(vmem_read, ctx, a[0], &v[0]); break;
	case W_POOL_CREATE:
		r = CALL(pool_create, ctx, (uint32_t)a[0], a[1], (unsigned)a[2], (unsigned)a[3], &v[0], &err);
		break;
	case W_POOL_DESTROY: r = CALL(pool_destroy, ctx, a[0], (unsigned)a[1]); break;
	case W_POOL_ALLOC:
		r = CALL(pool_alloc, ctx, a[0], (uint32_t)a[1], (unsigned)a[2], (unsigned)a[3], &v[0], &err);
		break;
	case W_POOL_FREE: r = CALL(pool_free, ctx, a[0], a[1], (unsigned)a[2]); break;
	case W_CMA_ALLOC:
		r = CALL(cma_alloc, ctx, (unsigned)a[0], (uint32_t)a[1], (unsigned)a[2], (unsigned)a[3], &v[0], &err);
		break;
	case W_CMA_RELEASE: r = CALL(cma_release, ctx, (unsigned)a[0], a[1], (uint32_t)a[2]); break;
	case W_PIN_PAGE: r = CALL(pin_page, ctx, a[0]); break;
	case W_UNPIN_PAGE: r = CALL(unpin_page, ctx, a[0]); break;
	case W_MOVED:
		/* one pair at a time: v[0] is the count (0 or 1) */
		u = ad->moved ? ad->moved(ctx, &v[1], &v[2], 1) : 0;
		v[0] = u;
		r = MMF_OK;
		break;
	case W_MMAP:
		r = CALL(mmap, ctx, (unsigned)a[0], a[1], a[2], (unsigned)a[3], (unsigned)a[4], &v[0], &err);
		break;
	case W_MUNMAP: r = CALL(munmap, ctx, (unsigned)a[0], a[1], a[2], &err); break;
	case W_MPROTECT: r = CALL(mprotect, ctx, (unsigned)a[0], a[1], a[2], (unsigned)a[3], &err); break;
	case W_PROC_REPORT:
		r = CALL(proc_report, ctx, (unsigned)a[0], (unsigned)a[1], out_buf, sizeof(out_buf), &len);
		break;
	case W_MEM_ACCESS: {
		int fault = 0;
		r = CALL(mem_access, ctx, (unsigned)a[0], a[1], (int)a[2], a[3], &fault, &v[1], &err);
		v[0] = (uint64_t)(int64_t)fault;
		break;
	}
	case W_PROC_FORK: r = CALL(proc_fork, ctx, (unsigned)a[0], (unsigned)a[1], &err); break;
	case W_PROC_EXIT: r = CALL(proc_exit, ctx, (unsigned)a[0], &err); break;
	case W_MADVISE: r = CALL(madvise, ctx, (unsigned)a[0], a[1], a[2], (unsigned)a[3], &err); break;
	case W_BRK: r = CALL(brk, ctx, (unsigned)a[0], a[1], &v[0]); break;
	case W_MREMAP:
		r = CALL(mremap, ctx, (unsigned)a[0], a[1], a[2], a[3], (unsigned)a[4], a[5], &v[0], &err);
		break;
	case W_RMAP: r = CALL(rmap, ctx, (unsigned)a[0], a[1], out_buf, sizeof(out_buf), &len); break;
	case W_FTRUNCATE: r = CALL(ftruncate, ctx, (unsigned)a[0], a[1], &err); break;
	case W_MMAP_FILE:
		r = CALL(mmap_file, ctx, (unsigned)a[0], a[1], a[2], (unsigned)a[3], (unsigned)a[4], (unsigned)a[5], a[6],
			 &v[0], &err);
		break;
	case W_MMAP_PFN:
		r = CALL(mmap_pfn, ctx, (unsigned)a[0], a[1], a[2], (unsigned)a[3], (unsigned)a[4], a[5], &v[0], &err);
		break;
	case W_CLEAR_REFS: r = CALL(clear_refs, ctx, (unsigned)a[0], (unsigned)a[1], &err); break;
	case W_CALLOC: r = CALL(calloc, ctx, a[0], a[1], &v[0], &err); break;
	case W_MEMALIGN: r = CALL(memalign, ctx, (unsigned)a[0], a[1], a[2], &v[0], &err); break;
	case W_AS_CALL: {
		struct mmf_as_call c = { (uint32_t)a[0], (uint32_t)a[1], a[2], a[3], (uint32_t)a[4], 0 };
		r = ad->size >= MMF_ADAPTER_SIZE_AS_CALL ? CALL(as_call, ctx, &c, out_buf, sizeof(out_buf), &len, &err)
							 : MMF_UNSUPPORTED;
		break;
	}
	default: r = MMF_UNSUPPORTED; break;
	}
#undef CALL
	if (len > sizeof(out_buf))
		len = sizeof(out_buf);
	p->result = r;
	p->err = err;
	p->len = (uint32_t)len;
}

static void worker(const struct mmf_adapter *ad, void *ctx, pid_t server)
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
	for (;;) {
		struct mmf_wire_req q;
		if (mmf_wire_read(MMF_WIRE_FD_REQ, &q, sizeof(q)) || (mmf_wire_req_order(&q), q.len > MMF_WIRE_PAYLOAD) ||
		    (q.len && mmf_wire_read(MMF_WIRE_FD_REQ, in_buf, q.len)))
			_exit(0);
		if (q.op == W_END)
			_exit(0);
		struct mmf_wire_resp p = { .seq = q.seq };
		dispatch(ad, ctx, &q, &p);
		struct rusage ru;
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			p.peak_rss = (uint64_t)ru.ru_maxrss << 10;
		p.err = mmf_wire_errno(p.err);
		uint32_t plen = p.len;
		mmf_wire_resp_order(&p);
		if (mmf_wire_write(MMF_WIRE_FD_RESP, &p, sizeof(p)) || (plen && mmf_wire_write(MMF_WIRE_FD_RESP, out_buf, plen)))
			_exit(0);
	}
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
	static struct mmf_wire_hello h;
	h = (struct mmf_wire_hello){ .abi_version = ad->abi_version, .caps = ad->caps };
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
		struct mmf_adapter_config cfg = { prof, (unsigned)q.a[0], in_buf[0] ? in_buf : NULL, nl ? nl + 1 : NULL };
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
			worker(ad, ctx, server);
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
