/* The near side of a remote adapter: a proxy table whose every entry is
 * one request to a worker of a fork server (harness/remote_serve.c).
 *
 * The server is either this process forked (isolating an adapter it
 * carries: --isolate fork) or an agent program it executes (a real
 * allocator that must own malloc). Each call waits at most the op
 * timeout; the worker's peak resident memory, which every answer carries
 * and which is sampled while a slow call runs, is held to the limit. A worker that dies, hangs or runs away is a finding whose
 * check is the signal's name ("sigsegv", "sigabrt", ...), "timeout",
 * "rlimit" or "exit": the op answers MMF_CORRUPT and check() gives the
 * reason. The next reset forks a fresh worker, so a campaign goes on.
 *
 * The limit is on resident memory, not RLIMIT_AS: allocators reserve
 * address space far beyond what they use, and a sanitizer's shadow is
 * terabytes of it.
 *
 * Supervision (what a hostile adapter cannot do to mmfuzz): the server
 * runs in a process group of its own, dies with this process
 * (PR_SET_PDEATHSIG, checked after it is set) and is the subreaper of
 * what its workers leave (remote_serve.c kills that after each worker).
 * This process ignores SIGPIPE once a server exists, and is a subreaper
 * too: whatever is orphaned below a server that died comes back here and
 * is killed (reap_strays). A server that dies is a finding ("server") and
 * the next reset starts a new one. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/clock.h"
#include "harness/remote.h"
#include "harness/remote_run.h"
#include "mmfuzz/wire.h"
#include "mmfuzz/agent.h"
#include "mmfuzz/harness.h"
#include "mmfuzz/profile.h"

#define MAX_REMOTES 8

struct remote {
	struct mmf_adapter tab;
	const struct mmf_adapter *inner; /* fork mode */
	char path[512];                  /* exec mode */
	char args[2][512];               /* its arguments (empty: none) */
	struct mmf_remote_opts opts;
	uint64_t far_caps; /* what the served table itself declares */
	char name[32], description[200];
	char known_text[6144];
	const char *known[MMF_MAX_KNOWN + 1];
	char mutant_text[4096];
	char kernel[1024]; /* the knobs the agent declared in its hello */
	struct mmf_mutant_desc mutants[MMF_WIRE_MAX_MUTANTS];
};

struct rctx {
	struct remote *rm;
	struct mmf_adapter_config cfg;
	char mutant[64];
	char kernel[1024];
	pid_t server, worker;
	int ctl, st, req, resp;
	struct mmf_wire_ring *ring; /* shared with the server, when it serves through it */
	int ring_fd, use_ring, use_futex;
	int status_fd;     /* /proc/<server>/status, kept open (server_gone) */
	pid_t status_pid;
	uint32_t seq;
	int dead;          /* the worker of this sequence ended */
	char why[200];     /* "tag: detail" for check() */
	/* calls sent later, with the next one that waits (remote.h) */
	struct mmf_wire_req batch[MMF_WIRE_MAX_BATCH];
	uint32_t batch_step[MMF_WIRE_MAX_BATCH];
	const char *batch_op[MMF_WIRE_MAX_BATCH];
	struct mmf_remote_note batch_note[MMF_WIRE_MAX_BATCH];
	const char *sub_name[MMF_WIRE_MAX_BATCH + 1]; /* of the batch in flight */
	unsigned nbatch, nsub;
	int fail_deferred; /* the worker died, or a deferred call failed, in this op: */
	uint32_t fail_step;
	const char *fail_op;
	struct mmf_remote_failure fail; /* a deferred call that answered, not MMF_OK */
	int fail_answered;
	/* ksize's answer that came with the last allocation (MMF_WIRE_Q_KSIZE),
	 * valid until the next call */
	int ks_valid;
	int32_t ks_result;
	uint64_t ks_addr, ks_usable;
	int can_run;       /* its workers run whole sequences (MMF_WIRE_F_RUN) */
	int running;       /* a W_RUN is on its way (run_q, posted at run_start) */
	struct mmf_wire_req run_q;
	double run_start;
	int recycled;      /* the worker ran the adapter's reset after a clean sequence */
	int no_reset;      /* the adapter has none: a fresh worker for every sequence */
	unsigned served;   /* sequences the worker has served */
};

/* How long an adapter's create may take, per profile: four op timeouts,
 * at least 10 s. */
static int create_limit_s(const struct remote *rm)
{
	unsigned ms = rm->opts.op_timeout_ms ? rm->opts.op_timeout_ms : 5000;
	return ms * 4 / 1000 > 10 ? (int)(ms * 4 / 1000) : 10;
}

static struct remote remotes[MAX_REMOTES];

/* Every server running, for reap_strays and mmf_remote_kill_all. */
#define MAX_SERVERS 64
static volatile pid_t servers[MAX_SERVERS];
static volatile pid_t workers[MAX_SERVERS];

static void track(pid_t server, pid_t worker, int add)
{
	for (unsigned i = 0; i < MAX_SERVERS; i++)
		if (add ? servers[i] == 0 : servers[i] == server) {
			servers[i] = add ? server : 0;
			workers[i] = add ? worker : 0;
			return;
		}
}

static void track_worker(pid_t server, pid_t worker)
{
	for (unsigned i = 0; i < MAX_SERVERS; i++)
		if (servers[i] == server)
			workers[i] = worker;
}

void mmf_remote_kill_all(void)
{
	for (unsigned i = 0; i < MAX_SERVERS; i++) {
		if (workers[i] > 0)
			kill(-workers[i], SIGKILL), kill(workers[i], SIGKILL);
		if (servers[i] > 0)
			kill(-servers[i], SIGKILL), kill(servers[i], SIGKILL);
	}
	mmf_kill_children(NULL, 0);
}

/* Kills and reaps this process's children that are no live server: what
 * was orphaned below a server that died came here (we are a subreaper). */
static void reap_strays(void)
{
	pid_t keep[MAX_SERVERS];
	unsigned n = 0;
	for (unsigned i = 0; i < MAX_SERVERS; i++)
		if (servers[i] > 0)
			keep[n++] = servers[i];
	mmf_kill_children(keep, n);
}
static unsigned nr_remotes;
static char text[MMF_WIRE_PAYLOAD];

/* Reads n bytes, waiting at most until deadline; -1 on EOF, error or time. */
static int read_by(int fd, void *buf, size_t n, double deadline)
{
	for (size_t done = 0; done < n;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int ms = (int)((deadline - mmf_now()) * 1000);
		if (ms < 0 || poll(&p, 1, ms) == 0)
			return -1;
		ssize_t r = read(fd, (char *)buf + done, n - done);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

/* A worker is a process-group leader (remote_serve.c): the whole group
 * goes, with whatever the adapter started in it. */
static void kill_worker(pid_t worker)
{
	kill(-worker, SIGKILL);
	kill(worker, SIGKILL);
}

static int read_status(struct rctx *c, struct mmf_wire_status_msg *m, void *payload, size_t cap, double deadline)
{
	if (read_by(c->st, m, sizeof(*m), deadline) || (mmf_wire_status_order(m), m->magic != MMF_WIRE_MAGIC) ||
	    m->version != MMF_WIRE_VERSION)
		return -1;
	size_t keep = m->len < cap ? m->len : cap;
	if (m->len && read_by(c->st, payload, keep, deadline))
		return -1;
	for (size_t rest = m->len - keep; rest;) { /* more than asked for */
		char sink[256];
		size_t k = rest < sizeof(sink) ? rest : sizeof(sink);
		if (read_by(c->st, sink, k, deadline))
			return -1;
		rest -= k;
	}
	return 0;
}

static uint64_t rss_of(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/statm", (int)pid);
	FILE *fp = fopen(p, "r");
	unsigned long size = 0, res = 0;
	if (fp) {
		if (fscanf(fp, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(fp);
	}
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* How process pid ended, waiting up to a second for it: "exited with
 * status N" or "was killed by signal N (SIGXXX)" (then reaped: returns
 * 1), or "did not end" (0). */
static int describe_end(pid_t pid, char *how, size_t cap)
{
	int status = 0;
	pid_t r = 0;
	for (double dl = mmf_now() + 1; pid > 0 && (r = waitpid(pid, &status, WNOHANG)) == 0 && mmf_now() < dl;)
		usleep(2000);
	if (r != pid) {
		snprintf(how, cap, "did not end");
		return 0;
	}
	if (WIFSIGNALED(status)) {
		const char *ab = sigabbrev_np(WTERMSIG(status));
		snprintf(how, cap, "was killed by signal %d (SIG%s)", WTERMSIG(status), ab ? ab : "?");
	} else
		snprintf(how, cap, "exited with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 1;
}

/* Records how the worker ended (from its wait status and peak memory, or
 * the limit that made us kill it) as check()'s "tag: detail". */
static void note_death(struct rctx *c, const struct mmf_wire_status_msg *m, const char *during, const char *forced)
{
	c->dead = 1;
	c->worker = 0;
	if (forced)
		snprintf(c->why, sizeof(c->why), "%s: worker stopped during %s (%s)", forced, during,
			 !strcmp(forced, "timeout")		? "no answer in time"
			 : !strcmp(forced, MMF_REMOTE_STOPPED) ? "the campaign's time ran out"
								: "resident memory over the limit");
	else if (c->rm->opts.mem_limit && m->peak_rss >= c->rm->opts.mem_limit)
		snprintf(c->why, sizeof(c->why), "rlimit: worker died during %s with %llu MiB resident", during,
			 (unsigned long long)(m->peak_rss >> 20));
	else if (WIFSIGNALED(m->status)) {
		char tag[24];
		const char *abbrev = sigabbrev_np(WTERMSIG(m->status));
		snprintf(tag, sizeof(tag), "sig%s", abbrev ? abbrev : "unknown");
		for (char *p = tag; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
		snprintf(c->why, sizeof(c->why), "%s: worker killed by signal %d during %s", tag, WTERMSIG(m->status),
			 during);
	} else
		snprintf(c->why, sizeof(c->why), "exit: worker exited with status %d during %s",
			 WIFEXITED(m->status) ? WEXITSTATUS(m->status) : -1, during);
}

/* Waits for the worker's S_DIED after it was told to end or was killed. */
static const char *batch_during(struct rctx *c);

static void reap_worker(struct rctx *c, const char *during, const char *forced)
{
	struct mmf_wire_status_msg m;
	if (!during)
		during = batch_during(c);
	double deadline = mmf_now() + 5;
	while (read_status(c, &m, text, sizeof(text), deadline) == 0)
		if (m.kind == S_DIED) {
			note_death(c, &m, during, forced);
			return;
		}
	/* the server itself is gone or stuck: a finding of its own; the next
	 * reset starts a new server */
	if (c->worker)
		kill_worker(c->worker);
	c->dead = 1;
	c->worker = 0;
	char how[96];
	if (c->server > 0 && describe_end(c->server, how, sizeof(how))) {
		track(c->server, 0, 0);
		c->server = 0; /* reaped */
	} else if (c->server > 0)
		snprintf(how, sizeof(how), "stopped answering");
	if (!c->why[0] || forced)
		snprintf(c->why, sizeof(c->why), "server: the fork server %s during %s", how, during);
}

static double stop_at;
static int persist_off; /* mmf_remote_set_persistent(0): every sequence op by op */
static unsigned nr_running; /* W_RUNs posted and not yet answered */
static unsigned long nr_forked, nr_reused; /* workers started; sequences on a reused one */
static unsigned long nr_runs;                /* W_RUNs answered */
static int ring_seen;

/* How long this side spins for an answer before it sleeps: nothing with
 * a single CPU to run on, where the worker could not answer meanwhile. */
static double spin_near = -1;

static void set_spin(void)
{
	cpu_set_t set;
	if (spin_near >= 0)
		return;

	spin_near = sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) < 2 ? 0 : MMF_WIRE_SPIN;
}

void mmf_remote_set_stop(double t) { stop_at = t; }

/* The next request number; never 0, which a fresh worker has seen. */
static uint32_t next_seq(struct rctx *c)
{
	if (++c->seq == 0)
		c->seq = 1;
	return c->seq;
}

/* An answer the worker put in the ring for request c->seq, copied out
 * (its text into `text`); 0, or -1 if none is there yet, 1 if it is
 * malformed. */
static int ring_take(struct rctx *c, struct mmf_wire_resp *p)
{
	struct mmf_wire_ring *g = c->ring;
	if (mmf_wire_ld(&g->resp_seq) != c->seq)
		return -1;
	memcpy(p, &g->resp, sizeof(*p));
	mmf_wire_resp_order(p);
	if (p->seq != c->seq || p->len > MMF_WIRE_PAYLOAD)
		return 1;
	if (p->len)
		memcpy(text, g->resp_payload, p->len);
	return 0;
}

/* Wakes the worker sleeping on the ring: its futex, or its pipe. */
static int ring_bell(struct rctx *c)
{
#if MMF_WIRE_HAVE_FUTEX
	if (c->use_futex) {
		mmf_wire_futex_wake(&c->ring->req_seq);
		return 0;
	}
#endif
	return mmf_wire_write(c->req, "!", 1);
}

/* Puts request q (numbered, in memory order) and its payload on the wire:
 * into the ring, ringing the far side's bell if it sleeps, or down the
 * pipe. -1 when the worker's end of it is gone. */
static int post(struct rctx *c, const struct mmf_wire_req *q, const void *payload)
{
	struct mmf_wire_req w = *q;
	mmf_wire_req_order(&w);
	struct mmf_wire_ring *g = c->use_ring ? c->ring : NULL;
	if (!g)
		return mmf_wire_write(c->req, &w, sizeof(w)) || (q->len && mmf_wire_write(c->req, payload, q->len)) ? -1 : 0;
	memcpy(&g->req, &w, sizeof(w));
	if (q->len)
		memcpy(g->req_payload, payload, q->len);
	mmf_wire_st(&g->req_seq, q->seq);
	return mmf_wire_ld(&g->far_waiting) && ring_bell(c) ? -1 : 0;
}

/* One request and its answer. On a dead worker returns MMF_CORRUPT
 * (check() says why). what: the call's name, or NULL for a batch. */
static enum mmf_result exchange_wait(struct rctx *c, const struct mmf_wire_req *q, struct mmf_wire_resp *p,
				     const char *what, double start, double spin);

static enum mmf_result exchange(struct rctx *c, struct mmf_wire_req *q, const void *payload, uint32_t len,
				struct mmf_wire_resp *p, const char *what)
{
	if (c->dead || !c->worker)
		return MMF_CORRUPT;
	q->seq = next_seq(c);
	q->len = len;
	double start = mmf_now();
	if (post(c, q, payload)) {
		reap_worker(c, what, NULL);
		return MMF_CORRUPT;
	}
	return exchange_wait(c, q, p, what, start, spin_near);
}

/* The answer to request q, posted at `start`: spins up to `spin` seconds,
 * then sleeps on resp, watching the worker's end, its memory on a slow
 * op, the op timeout and the campaign's stop. */
static enum mmf_result exchange_wait(struct rctx *c, const struct mmf_wire_req *q, struct mmf_wire_resp *p,
				     const char *what, double start, double spin)
{
	const struct mmf_remote_opts *o = &c->rm->opts;
	double limit = o->op_timeout_ms ? o->op_timeout_ms / 1000.0 : 5.0;
	struct mmf_wire_ring *g = c->use_ring ? c->ring : NULL;
	int got = -1;
	if (g) { /* spin a little for the answer before sleeping on resp */
		for (unsigned i = 1; (got = ring_take(c, p)) < 0; i++) {
			mmf_wire_relax();
			if (!(i & 127) && mmf_now() - start > spin)
				break;
		}
		if (got < 0) {
			mmf_wire_st(&g->near_waiting, 1);
			got = ring_take(c, p);
		}
	}
	int check_mem = 0;
	uint32_t done = 0; /* a batch: the call it serves; each gets the whole op timeout */
	while (got < 0) {
		if (g && (!what || q->op == W_RUN) && mmf_wire_ld(&g->progress) != done) {
			done = mmf_wire_ld(&g->progress);
			start = mmf_now();
		}
		if (check_mem && rss_of(c->worker) > o->mem_limit) {
			kill_worker(c->worker);
			reap_worker(c, what, "rlimit");
			return MMF_CORRUPT;
		}
		struct pollfd fds[2] = { { c->resp, POLLIN, 0 }, { c->st, POLLIN, 0 } };
		int n = poll(fds, 2, 50);
		if (n < 0 && errno != EINTR)
			return MMF_CORRUPT;
		if (n > 0 && (fds[0].revents & POLLIN)) {
			if (g) { /* a doorbell (or a stale one): look again */
				char bell[64];
				if (read(c->resp, bell, sizeof(bell)) == 0) {
					kill_worker(c->worker);
					reap_worker(c, what, NULL);
					return MMF_CORRUPT;
				}
				got = ring_take(c, p);
				continue;
			}
			if (read_by(c->resp, p, sizeof(*p), mmf_now() + limit) || (mmf_wire_resp_order(p), p->len > MMF_WIRE_PAYLOAD) ||
			    (p->len && read_by(c->resp, text, p->len, mmf_now() + limit))) {
				kill_worker(c->worker);
				reap_worker(c, what, NULL);
				return MMF_CORRUPT;
			}
			if (p->seq != c->seq)
				continue; /* a stale answer of a killed worker */
			got = 0;
			break;
		}
		if (n > 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
			if (g && (got = ring_take(c, p)) >= 0)
				break; /* it answered, then ended */
			reap_worker(c, what, NULL);
			return MMF_CORRUPT;
		}
		check_mem = o->mem_limit != 0; /* a slow op: watch its memory */
		if (stop_at > 0 && mmf_now() > stop_at) {
			kill_worker(c->worker);
			reap_worker(c, what, MMF_REMOTE_STOPPED);
			return MMF_CORRUPT;
		}
		if (mmf_now() - start > limit) {
			kill_worker(c->worker);
			reap_worker(c, what, "timeout");
			return MMF_CORRUPT;
		}
	}
	if (g)
		mmf_wire_st(&g->near_waiting, 0);
	if (got > 0) { /* a malformed answer in the ring */
		kill_worker(c->worker);
		reap_worker(c, what, NULL);
		return MMF_CORRUPT;
	}
	if (o->mem_limit && p->peak_rss > o->mem_limit) {
		kill_worker(c->worker);
		reap_worker(c, what, "rlimit");
		return MMF_CORRUPT;
	}
	return (enum mmf_result)p->result;
}

/* ---- batches --------------------------------------------------------------- */

/* The op the executor is in (mmf_remote_mark), stamped on deferred calls. */
static uint32_t cur_step;
static const char *cur_op = "?";
static struct mmf_remote_note cur_note;

void mmf_remote_mark_as(uint32_t step, const char *op, const struct mmf_remote_note *note)
{
	mmf_remote_mark(step, op);
	cur_note = *note;
}

void mmf_remote_mark(uint32_t step, const char *op)
{
	cur_note = (struct mmf_remote_note){ 0 };
	cur_step = step;
	cur_op = op;
}

/* The name of the call a batch was serving when its worker ended. */
static const char *batch_during(struct rctx *c)
{
	uint32_t i = c->ring ? mmf_wire_ld(&c->ring->progress) : 0;
	return i < c->nsub && c->sub_name[i] ? c->sub_name[i] : "a batch";
}

/* The entry a deferred call makes. */
static const char *deferred_name(unsigned op)
{
	switch (op) {
	case W_EXPECT: return "obj_read";
	case W_kfree: return "kfree";
	case W_free_kind: return "free_kind";
	case W_cache_free: return "cache_free";
	default: return "obj_write";
	}
}

static char batch_buf[(MMF_WIRE_MAX_BATCH + 1) * sizeof(struct mmf_wire_req) + MMF_WIRE_PAYLOAD];

/* Sends the deferred calls, then tail (NULL: none) with its payload, as
 * one W_BATCH. A deferred call whose answer is not MMF_OK ends the batch
 * there: the worker is stopped and the call's op (its stamp) carries the
 * finding, as it would have carried it answered at once. */
static enum mmf_result send_batch(struct rctx *c, struct mmf_wire_req *tail, const char *payload, uint32_t plen,
				  struct mmf_wire_resp *p, const char *what)
{
	unsigned d = c->nbatch, n = d + (tail != NULL);
	size_t sz = sizeof(struct mmf_wire_req);
	for (unsigned i = 0; i < d; i++) {
		struct mmf_wire_req w = c->batch[i];
		mmf_wire_req_order(&w);
		memcpy(batch_buf + i * sz, &w, sz);
		c->sub_name[i] = deferred_name(c->batch[i].op);
	}
	if (tail) {
		struct mmf_wire_req w = *tail;
		w.len = plen;
		mmf_wire_req_order(&w);
		memcpy(batch_buf + d * sz, &w, sz);
		if (plen)
			memcpy(batch_buf + n * sz, payload, plen);
		c->sub_name[d] = what;
	}
	c->nsub = n;
	c->nbatch = 0;
	mmf_wire_st(&c->ring->progress, 0);
	mmf_wire_st(&c->ring->failed_at, 0);
	struct mmf_wire_req h = { .op = W_BATCH, .a = { n, d } };
	enum mmf_result r = exchange(c, &h, batch_buf, (uint32_t)(n * sz + plen), p, NULL);
	uint32_t at = mmf_wire_ld(&c->ring->progress), failed = mmf_wire_ld(&c->ring->failed_at);
	if (c->dead && at < d) { /* died in a deferred call: its op's finding */
		c->fail_deferred = 1;
		c->fail_step = c->batch_step[at];
		c->fail_op = c->batch_op[at];
	} else if (!c->dead && failed && failed <= d) {
		unsigned i = failed - 1;
		enum mmf_result fr = r;
		c->fail = (struct mmf_remote_failure){ .step = c->batch_step[i], .op = c->batch_op[i], .note = c->batch_note[i],
						       .result = fr, .got = p->v[0], .read = (enum mmf_result)(int64_t)p->v[1],
						       .want = c->batch[i].a[1] };
		c->fail_answered = 1;
		char why[sizeof(c->why)];
		snprintf(why, sizeof(why), "%s: %s answered %s", fr == MMF_CORRUPT ? "corrupt" : "unsupported", c->sub_name[i],
			 mmf_result_name(fr));
		kill_worker(c->worker);
		reap_worker(c, c->sub_name[i], NULL);
		snprintf(c->why, sizeof(c->why), "%s", why);
		c->fail_deferred = 1;
		c->fail_step = c->batch_step[i];
		c->fail_op = c->batch_op[i];
	}
	c->nsub = 0;
	return c->dead ? MMF_CORRUPT : r;
}

/* One call: with the deferred ones before it, if any. */
static enum mmf_result call(struct rctx *c, struct mmf_wire_req *q, const void *payload, struct mmf_wire_resp *p,
			    const char *what)
{
	c->ks_valid = 0;
	if (c->dead || !c->worker)
		return MMF_CORRUPT;
	size_t len = payload ? strlen(payload) : 0;
	if (len > MMF_WIRE_PAYLOAD)
		len = MMF_WIRE_PAYLOAD;
	if (c->nbatch && c->use_ring) {
		if ((c->nbatch + 1) * sizeof(struct mmf_wire_req) + len <= MMF_WIRE_PAYLOAD)
			return send_batch(c, q, payload, (uint32_t)len, p, what);
		struct mmf_wire_resp fp; /* too much for one: the deferred ones first */
		if (send_batch(c, NULL, NULL, 0, &fp, NULL) != MMF_OK)
			return MMF_CORRUPT;
	}
	return exchange(c, q, payload, (uint32_t)len, p, what);
}

/* A call whose answer the executor only checks for MMF_OK (a write, a
 * free, a read of a word it knows: W_EXPECT), deferred to the next one
 * that waits (or to mmf_remote_flush). */
static int deferrable(const struct rctx *c, unsigned op)
{
	return (op == W_obj_write || op == W_EXPECT || op == W_kfree || op == W_free_kind || op == W_cache_free) &&
	       c->use_ring && !c->dead && c->worker;
}

static enum mmf_result defer(struct rctx *c, const struct mmf_wire_req *q)
{
	c->ks_valid = 0;
	if (c->nbatch == MMF_WIRE_MAX_BATCH) {
		struct mmf_wire_resp p;
		if (send_batch(c, NULL, NULL, 0, &p, NULL) != MMF_OK)
			return MMF_CORRUPT;
	}
	c->batch[c->nbatch] = *q;
	c->batch_note[c->nbatch] = cur_note;
	c->batch_step[c->nbatch] = cur_step;
	c->batch_op[c->nbatch++] = cur_op;
	return MMF_OK;
}

/* ---- server lifetime ----------------------------------------------------- */

static void close_fds(struct rctx *c)
{
	int *fds[] = { &c->ctl, &c->st, &c->req, &c->resp };
	for (unsigned i = 0; i < 4; i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

static void ring_free(struct rctx *c)
{
	if (c->ring)
		munmap(c->ring, sizeof(*c->ring));
	if (c->ring_fd >= 0)
		close(c->ring_fd);
	c->ring = NULL;
	c->ring_fd = -1;
	c->use_ring = 0;
}

static void stop_server(struct rctx *c)
{
	if (c->worker)
		kill_worker(c->worker);
	close_fds(c);
	if (c->server > 0) {
		double deadline = mmf_now() + 2;
		int status;
		while (waitpid(c->server, &status, WNOHANG) == 0) {
			if (mmf_now() > deadline) {
				kill(c->server, SIGKILL);
				waitpid(c->server, &status, 0);
				break;
			}
			usleep(1000);
		}
		kill(-c->server, SIGKILL);
		track(c->server, 0, 0);
	}
	c->server = 0;
	c->worker = 0;
	c->recycled = 0;
	ring_free(c);
	reap_strays();
}

/* The ring the next server may serve through; the server maps it from
 * MMF_WIRE_FD_RING. Without one (no memfd, or MMFUZZ_RING=0: the wire
 * as it was, for comparison), the pipes carry everything, one call at a
 * time. */
static void make_ring(struct rctx *c)
{
	const char *env = getenv("MMFUZZ_RING");
	if (env && !strcmp(env, "0"))
		return;
	c->ring_fd = memfd_create("mmfuzz-ring", MFD_CLOEXEC);
	if (c->ring_fd < 0)
		return;
	void *m = MAP_FAILED;
	if (ftruncate(c->ring_fd, sizeof(*c->ring)) == 0)
		m = mmap(NULL, sizeof(*c->ring), PROT_READ | PROT_WRITE, MAP_SHARED, c->ring_fd, 0);
	if (m == MAP_FAILED) {
		close(c->ring_fd);
		c->ring_fd = -1;
		return;
	}
	c->ring = m;
	c->ring->magic = mmf_wire32(MMF_WIRE_RING_MAGIC);
	c->ring->version = mmf_wire32(MMF_WIRE_VERSION);
}

/* Starts the fork server; fills hello. Returns 0 or -1 with err set. */
static int start_server(struct remote *rm, struct rctx *c, struct mmf_wire_hello *hello, char *err, size_t cap)
{
	int p[4][2];
	set_spin();
	if (!c->ring)
		make_ring(c);
	for (unsigned i = 0; i < 4; i++)
		if (pipe2(p[i], O_CLOEXEC)) {
			snprintf(err, cap, "pipe: %s", strerror(errno));
			for (unsigned k = 0; k < i; k++)
				close(p[k][0]), close(p[k][1]);
			return -1;
		}
	fflush(NULL);
	/* The pipes may close at any moment (a server that dies): EPIPE, not
	 * SIGPIPE; and what is orphaned below a server comes back here. */
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, cap, "fork: %s", strerror(errno));
		for (unsigned k = 0; k < 4; k++)
			close(p[k][0]), close(p[k][1]);
		return -1;
	}
	if (pid == 0) {
		/* a group of its own, killed as one; and it dies with us */
		setpgid(0, 0);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != parent)
			_exit(127);
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		signal(SIGPIPE, SIG_DFL);
		/* ctl and req are read here, st and resp written; move them out
		 * of the way first, then to 3..6 */
		int want[5] = { p[0][0], p[1][1], p[2][0], p[3][1], c->ring_fd };
		unsigned nfd = c->ring_fd >= 0 ? 5 : 4;
		for (unsigned i = 0; i < nfd; i++)
			want[i] = fcntl(want[i], F_DUPFD_CLOEXEC, 16);
		for (unsigned i = 0; i < nfd; i++)
			if (want[i] < 0 || dup2(want[i], MMF_WIRE_FD_CTL + (int)i) < 0)
				_exit(127);
		if (nfd == 4)
			close(MMF_WIRE_FD_RING);
		if (rm->inner)
			_exit(mmf_agent_main(rm->inner));
		char *argv[] = { rm->path, rm->args[0][0] ? rm->args[0] : NULL, rm->args[1][0] ? rm->args[1] : NULL, NULL };
		execv(rm->path, argv);
		fprintf(stderr, "mmfuzz: cannot run agent %s: %s\n", rm->path, strerror(errno));
		_exit(127);
	}
	close(p[0][0]), close(p[1][1]), close(p[2][0]), close(p[3][1]);
	setpgid(pid, pid); /* as the child does, whichever runs first */
	track(pid, 0, 1);
	c->server = pid;
	c->ctl = p[0][1];
	c->st = p[1][0];
	c->req = p[2][1];
	c->resp = p[3][0];
	c->worker = 0;
	struct mmf_wire_status_msg m;
	if (read_status(c, &m, hello, sizeof(*hello), mmf_now() + 10) || m.kind != S_HELLO || m.len != sizeof(*hello)) {
		/* Why: an agent that refuses its adapter says so on stderr and
		 * exits 2 (bad input); any other end -- a plugin's constructor
		 * that exits or crashes, a hang -- is the environment's. */
		char how[96];
		const char *who = rm->inner ? rm->inner->name : rm->args[1][0] ? rm->args[1] : rm->path;
		int ended = describe_end(pid, how, sizeof(how));
		if (ended) {
			track(pid, 0, 0);
			c->server = 0;
		}
		stop_server(c);
		if (ended && !strcmp(how, "exited with status 2")) {
			snprintf(err, cap, "%s was refused (the reason is above)", who);
			errno = EINVAL;
		} else {
			snprintf(err, cap, "%s did not start as an mmfuzz agent: its process %s before it said hello%s", who,
				 ended ? how : "gave no hello within 10 s", ended ? "" : " (killed)");
			errno = EIO;
		}
		return -1;
	}
	mmf_wire_hello_order(hello);
	c->use_ring = c->ring && (hello->features & MMF_WIRE_F_RING);
	c->use_futex = c->use_ring && MMF_WIRE_HAVE_FUTEX && (hello->features & MMF_WIRE_F_FUTEX);
	c->can_run = c->use_ring && (hello->features & MMF_WIRE_F_RUN);
	return 0;
}

static int send_ctl(struct rctx *c, unsigned op, uint64_t a0, const char *payload)
{
	struct mmf_wire_req q = { .op = (uint16_t)op, .len = payload ? (uint32_t)strlen(payload) : 0 };
	q.a[0] = a0;
	mmf_wire_req_order(&q);
	return mmf_wire_write(c->ctl, &q, sizeof(q)) || (payload && *payload && mmf_wire_write(c->ctl, payload, strlen(payload))) ? -1 : 0;
}

/* Asks the server for a fresh worker. */
static int start_worker(struct rctx *c)
{
	struct mmf_wire_status_msg m;
	if (c->ring) { /* the last worker is gone: a fresh one has seen request 0 */
		mmf_wire_st(&c->ring->req_seq, 0);
		mmf_wire_st(&c->ring->resp_seq, 0);
		mmf_wire_st(&c->ring->far_waiting, 0);
		mmf_wire_st(&c->ring->near_waiting, 0);
	}
	c->recycled = 0;
	c->served = 0;
	if (send_ctl(c, W_START, 0, NULL) || read_status(c, &m, text, sizeof(text), mmf_now() + 10) || m.kind != S_READY ||
	    m.pid <= 0)
		return -1;
	c->worker = (pid_t)m.pid;
	nr_forked++;
	ring_seen |= c->use_ring;
	track_worker(c->server, c->worker);
	c->dead = 0;
	c->why[0] = 0;
	return 0;
}

/* Server up, context created, first worker ready. */
static enum mmf_result boot(struct rctx *c, char *err, size_t cap)
{
	struct mmf_wire_hello h;
	if (start_server(c->rm, c, &h, err, cap))
		return MMF_REFUSED;
	struct mmf_wire_status_msg m;
	char msg[256] = "";
	/* payload: the mutant's name, then the kernel knobs after a newline */
	char payload[sizeof(c->mutant) + sizeof(c->kernel) + 2];
	snprintf(payload, sizeof(payload), "%s%s%s", c->cfg.mutant ? c->cfg.mutant : "", c->kernel[0] ? "\n" : "",
		 c->kernel);
	double t0 = mmf_now();
	if (send_ctl(c, W_CREATE, c->cfg.profile_index, payload) ||
	    read_status(c, &m, msg, sizeof(msg) - 1, t0 + create_limit_s(c->rm)) || m.kind != S_CREATED) {
		char how[96];
		int ended = c->server > 0 && describe_end(c->server, how, sizeof(how));
		if (ended) {
			track(c->server, 0, 0);
			c->server = 0;
		}
		stop_server(c);
		if (ended)
			snprintf(err, cap, "adapter %s: its fork server %s while creating its context (profile %s)",
				 c->rm->name, how, c->cfg.profile ? c->cfg.profile->name : "?");
		else
			snprintf(err, cap, "adapter %s: create did not answer within %d s (profile %s); stopped",
				 c->rm->name, create_limit_s(c->rm), c->cfg.profile ? c->cfg.profile->name : "?");
		return MMF_REFUSED;
	}
	if (m.result != MMF_OK) {
		msg[m.len < sizeof(msg) - 1 ? m.len : sizeof(msg) - 1] = 0;
		stop_server(c);
		snprintf(err, cap, "%s", msg[0] ? msg : "create refused");
		return (enum mmf_result)m.result;
	}
	if (start_worker(c)) {
		stop_server(c);
		snprintf(err, cap, "agent %s did not start a worker", c->rm->name);
		return MMF_REFUSED;
	}
	return MMF_OK;
}

static enum mmf_result remote_create(struct remote *rm, const struct mmf_adapter_config *cfg, void **ctx, char *err,
				     size_t cap)
{
	struct rctx *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, cap, "out of memory");
		return MMF_REFUSED;
	}
	c->rm = rm;
	c->cfg = *cfg;
	if (cfg->mutant) {
		snprintf(c->mutant, sizeof(c->mutant), "%s", cfg->mutant);
		c->cfg.mutant = c->mutant;
	}
	if (cfg->kernel) {
		snprintf(c->kernel, sizeof(c->kernel), "%s", cfg->kernel);
		c->cfg.kernel = c->kernel;
	}
	c->ctl = c->st = c->req = c->resp = c->ring_fd = c->status_fd = -1;
	enum mmf_result r = boot(c, err, cap);
	if (r != MMF_OK) {
		ring_free(c);
		free(c);
		return r;
	}
	*ctx = c;
	return MMF_OK;
}

static void remote_destroy(void *ctx)
{
	struct rctx *c = ctx;
	if (!c)
		return;
	if (c->running) /* a W_RUN nobody will wait for */
		nr_running--;
	stop_server(c);
	if (c->status_fd >= 0)
		close(c->status_fd);
	free(c);
}

/* Sequences a worker serves before a fresh one is forked (after one that
 * reset cleanly); 1: a fresh worker for every sequence. */
static unsigned reuse_max = 1;

unsigned mmf_remote_set_reuse(unsigned n)
{
	unsigned old = reuse_max;
	reuse_max = n ? n : 1;
	return old;
}

void mmf_remote_counts(unsigned long *forked, unsigned long *reused, int *ring)
{
	*forked = nr_forked;
	*reused = nr_reused;
	*ring = ring_seen;
}

/* Asks the worker to end (W_END), by the ring or the pipe. */
static void end_worker(struct rctx *c)
{
	struct mmf_wire_req q = { .op = W_END, .seq = next_seq(c) };
	if (post(c, &q, NULL))
		kill_worker(c->worker);
	reap_worker(c, "reset", NULL);
}

static enum mmf_result remote_reset(void *ctx)
{
	struct rctx *c = ctx;
	c->nbatch = 0; /* a sequence that ended in a finding may leave some */
	c->fail_deferred = 0;
	c->fail_answered = 0;
	c->ks_valid = 0;
	if (c->worker && !c->dead && c->recycled && c->served + 1 < reuse_max) {
		/* persistent: the worker ran the adapter's reset at the end of
		 * the last sequence, which ended clean */
		c->recycled = 0;
		c->served++;
		nr_reused++;
		return MMF_OK;
	}
	if (c->worker && !c->dead)
		end_worker(c);
	/* drop answers nobody read */
	for (;;) {
		struct pollfd pf = { c->resp, POLLIN, 0 };
		if (poll(&pf, 1, 0) <= 0 || read(c->resp, text, sizeof(text)) <= 0)
			break;
	}
	if (c->server && start_worker(c) == 0)
		return MMF_OK;
	/* the server is gone: start over */
	stop_server(c);
	char err[256];
	return boot(c, err, sizeof(err)) == MMF_OK ? MMF_OK : MMF_CORRUPT;
}

int mmf_remote_flush(const struct mmf_adapter *ad, void *ctx)
{
	if (!ad || ad->reset != remote_reset || !ctx)
		return -1;
	struct rctx *c = ctx;
	if (!c->nbatch || c->dead || !c->worker)
		return 0;
	struct mmf_wire_resp p;
	send_batch(c, NULL, NULL, 0, &p, NULL);
	return c->dead ? 1 : 0;
}

int mmf_remote_fail_site(const struct mmf_adapter *ad, void *ctx, uint32_t *step, const char **op)
{
	if (!ad || ad->reset != remote_reset || !ctx)
		return 0;
	struct rctx *c = ctx;
	if (!c->dead || !c->fail_deferred)
		return 0;
	*step = c->fail_step;
	*op = c->fail_op;
	return 1;
}

int mmf_remote_failure(const struct mmf_adapter *ad, void *ctx, struct mmf_remote_failure *fl)
{
	uint32_t step;
	const char *op;
	if (!mmf_remote_fail_site(ad, ctx, &step, &op))
		return 0;
	struct rctx *c = ctx;
	if (!c->fail_answered)
		return 0;
	*fl = c->fail;
	return 1;
}

int mmf_remote_expect(const struct mmf_adapter *ad, void *ctx, uint64_t addr, uint64_t want, int strict)
{
	if (!ad || ad->reset != remote_reset || !ctx)
		return -1;
	struct rctx *c = ctx;
	if (!deferrable(c, W_EXPECT) || !(c->rm->far_caps & MMF_CAP_OBJ_CONTENTS))
		return c->dead ? 1 : -1;
	struct mmf_wire_req q = { .op = W_EXPECT, .a = { addr, want, (uint64_t)strict } };
	return defer(c, &q) == MMF_OK ? 0 : 1;
}

void mmf_remote_wake(const struct mmf_adapter *ad, void *ctx)
{
	if (!ad || ad->reset != remote_reset || !ctx)
		return;
	struct rctx *c = ctx;
	if (c->use_ring && c->worker && !c->dead && c->recycled && mmf_wire_ld(&c->ring->far_waiting) && ring_bell(c)) {
		kill_worker(c->worker);
		reap_worker(c, "reset", NULL);
	}
}

void mmf_remote_retire(const struct mmf_adapter *ad, void *ctx)
{
	if (!ad || ad->reset != remote_reset || !ctx)
		return;
	struct rctx *c = ctx;
	if (c->worker && !c->dead && !c->recycled && !c->running)
		end_worker(c);
}

int mmf_remote_recycle(const struct mmf_adapter *ad, void *ctx)
{
	if (!ad || ad->reset != remote_reset || !ctx)
		return -1;
	struct rctx *c = ctx;
	c->recycled = 0;
	if (c->no_reset || c->dead || !c->worker)
		return 0;
	struct mmf_wire_req q = { .op = W_RESET };
	struct mmf_wire_resp p = { 0 };
	enum mmf_result r = call(c, &q, NULL, &p, "reset");
	if (c->dead)
		return 1;
	if (r == MMF_UNSUPPORTED)
		c->no_reset = 1;
	c->recycled = r == MMF_OK;
	return 0;
}

/* ---- whole sequences (W_RUN; harness/exec_worker.c) ----------------------- */

void mmf_remote_set_persistent(int on) { persist_off = !on; }

int mmf_remote_adapter(const struct mmf_adapter *ad) { return ad && ad->reset == remote_reset; }

unsigned long mmf_remote_runs(void) { return nr_runs; }

int mmf_remote_can_run(const struct mmf_adapter *ad, void *ctx)
{
	if (!ad || ad->reset != remote_reset || !ctx)
		return 0;
	const struct rctx *c = ctx;
	/* a worker's executor makes its oracle first (half a millisecond
	 * here): worth it for a worker that serves a few dozen sequences,
	 * not for a fresh one per sequence */
	return c->can_run && !persist_off && !c->no_reset && c->server && reuse_max >= MMF_REMOTE_RUN_MIN_REUSE;
}

const char *mmf_remote_why(const struct mmf_adapter *ad, void *ctx)
{
	return ad && ad->reset == remote_reset && ctx ? ((struct rctx *)ctx)->why : "";
}

static int server_gone(struct rctx *c);
static void server_killed(struct rctx *c, const char *what);

int mmf_remote_run_post(const struct mmf_adapter *ad, void *ctx, uint64_t flags, const void *payload, uint32_t len)
{
	if (!mmf_remote_can_run(ad, ctx) || len > MMF_WIRE_PAYLOAD || ((struct rctx *)ctx)->running)
		return -2;
	struct rctx *c = ctx;
	c->nbatch = 0;
	c->fail_deferred = 0;
	c->fail_answered = 0;
	c->ks_valid = 0;
	/* the worker lives on as remote_reset would keep it */
	if (c->worker && !c->dead && c->recycled && c->served + 1 < reuse_max) {
		c->served++;
		nr_reused++;
	} else {
		if (c->worker && !c->dead)
			end_worker(c);
		for (;;) { /* drop answers nobody read */
			struct pollfd pf = { c->resp, POLLIN, 0 };
			if (poll(&pf, 1, 0) <= 0 || read(c->resp, text, sizeof(text)) <= 0)
				break;
		}
		if (start_worker(c))
			return -2; /* op by op, whose reset starts the server over */
	}
	c->recycled = 0;
	c->run_q = (struct mmf_wire_req){ .op = W_RUN, .seq = next_seq(c), .len = len };
	c->run_q.a[0] = flags;
	mmf_wire_st(&c->ring->progress, 0);
	c->run_start = mmf_now();
	if (post(c, &c->run_q, payload)) {
		reap_worker(c, "run", NULL);
		return -2;
	}
	c->running = 1;
	nr_running++;
	return 0;
}

int mmf_remote_run_wait(const struct mmf_adapter *ad, void *ctx, const char **answer, uint32_t *answer_len,
			uint32_t *progress)
{
	*progress = 0;
	if (!ad || ad->reset != remote_reset || !ctx || !((struct rctx *)ctx)->running)
		return -2;
	struct rctx *c = ctx;
	struct mmf_wire_resp p = { 0 };
	/* alone, it spins for the answer a while; with another worker
	 * running, the CPUs are theirs and this side sleeps at once */
	enum mmf_result r = exchange_wait(c, &c->run_q, &p, "run", c->run_start, nr_running > 1 ? 0 : 40 * spin_near);
	c->running = 0;
	nr_running--;
	*progress = mmf_wire_ld(&c->ring->progress);
	if (c->dead)
		return -1;
	if (r != MMF_OK || p.len < sizeof(struct mmf_wire_run)) {
		/* it took the request for a malformed one: op by op from now */
		c->can_run = 0;
		kill_worker(c->worker);
		reap_worker(c, "run", NULL);
		return -2;
	}
	/* the sequence killed the fork server (its worker may have answered
	 * first): this sequence's doing, as r_check finds it at the end of
	 * an op-by-op one */
	if (c->server > 0 && server_gone(c)) {
		server_killed(c, "run");
		return -1;
	}
	struct mmf_wire_run w;
	memcpy(&w, text, sizeof(w));
	c->recycled = w.run == 0 && w.reusable;
	nr_runs++;
	*answer = text;
	*answer_len = p.len;
	return 0;
}

/* ---- the proxy entries ---------------------------------------------------- */

/* A call that answers text (and, in *p, an errno). */
static enum mmf_result text_call(struct rctx *c, struct mmf_wire_req *q, struct mmf_wire_resp *pp, const char *what,
				 char *buf, size_t cap, size_t *len)
{
	struct mmf_wire_resp p = { 0 };
	enum mmf_result r = call(c, q, NULL, &p, what);
	*pp = p;
	if (c->dead)
		return MMF_CORRUPT;
	size_t n = p.len < cap ? p.len : cap ? cap - 1 : 0;
	if (cap) {
		memcpy(buf, text, n);
		buf[n] = 0;
	}
	if (len)
		*len = n;
	return r;
}

static enum mmf_result text_out(struct rctx *c, struct mmf_wire_req *q, const char *what, char *buf, size_t cap,
				size_t *len)
{
	struct mmf_wire_resp p;
	return text_call(c, q, &p, what, buf, cap, len);
}

/* ksize through the allocation before it (MMF_WIRE_Q_KSIZE): asked for
 * where the executor calls ksize next (accept() in exec_obj.c: an object
 * of a size that is not 0, from a table with MMF_CAP_KMALLOC), kept until
 * the next call, answered from there when that call is ksize of the same
 * address. The adapter sees the same calls in the same order. */
static void ksize_ask(const struct rctx *c, struct mmf_wire_req *q)
{
	uint64_t size = 0;
	size = q->op == W_kmalloc ? q->a[0]
			: q->op == W_krealloc ? q->a[1]
			: q->op == W_calloc   ? (__builtin_mul_overflow(q->a[0], q->a[1], &size) ? 0 : size)
			: q->op == W_memalign ? q->a[2]
					      : 0;
	if (size && (c->rm->far_caps & MMF_CAP_KMALLOC))
		q->flags |= MMF_WIRE_Q_KSIZE;
}

static void ksize_keep(struct rctx *c, const struct mmf_wire_req *q, const struct mmf_wire_resp *p, enum mmf_result r)
{
	if ((q->flags & MMF_WIRE_Q_KSIZE) && !c->dead && r == MMF_OK && p->usable_result >= 0) {
		c->ks_valid = 1;
		c->ks_addr = p->v[0];
		c->ks_usable = p->usable;
		c->ks_result = p->usable_result;
	}
}

static int ksize_known(struct rctx *c, const struct mmf_wire_req *q, struct mmf_wire_resp *p, enum mmf_result *r)
{
	if (q->op != W_ksize || !c->ks_valid || c->ks_addr != q->a[0] || c->dead || !c->worker)
		return 0;
	c->ks_valid = 0;
	p->v[0] = c->ks_usable;
	*r = (enum mmf_result)c->ks_result;
	return 1;
}

/* The proxy of each entry of mmfuzz/adapter.def: its arguments into the
 * request (scalars in order into a[], a string as the payload), then the
 * answer's outputs in order from v[], its errno and its text. */
#define PUT(kind, type, name) MMF_PP_CAT(PUT_, kind)(name)
#define PUT_I(name) q.a[k++] = (uint64_t)(name);
#define PUT_S(name) payload = (name) ? (name) : "";
#define PUT_REQ(name)                                                                                                  \
	q.a[k++] = (name)->gfp, q.a[k++] = (name)->order, q.a[k++] = (name)->cpu, q.a[k++] = (name)->node;
#define PUT_CALL(name)                                                                                                 \
	q.a[k++] = (name)->code, q.a[k++] = (name)->proc, q.a[k++] = (name)->addr, q.a[k++] = (name)->len,             \
	q.a[k++] = (name)->flags;
#define PUT_O(name)
#define PUT_OA(name)
#define PUT_E(name)
#define PUT_T(name)
/* outputs set whatever the answer, then (unless the worker died) the rest */
#define GET_ALWAYS(kind, type, name) MMF_PP_CAT(GET_ALWAYS_, kind)(type, name)
#define GET_ALWAYS_OA(type, name) *(name) = (type)(int64_t)p.v[j++];
#define GET_ALWAYS_O(type, name) j++;
#define GET_ALWAYS_E(type, name) *(name) = p.err;
#define GET_ALWAYS_I(type, name)
#define GET_ALWAYS_S(type, name)
#define GET_ALWAYS_REQ(type, name)
#define GET_ALWAYS_CALL(type, name)
#define GET_ALWAYS_T(type, name)
#define GET_OK(kind, type, name) MMF_PP_CAT(GET_OK_, kind)(type, name)
#define GET_OK_O(type, name)                                                                                           \
	if (r == MMF_OK)                                                                                               \
		*(name) = (type)p.v[j];                                                                                \
	j++;
#define GET_OK_T(type, name)                                                                                           \
	{                                                                                                              \
		size_t n_ = p.len < cap ? p.len : cap ? cap - 1 : 0;                                                   \
		if (cap) {                                                                                             \
			memcpy(buf, text, n_);                                                                         \
			buf[n_] = 0;                                                                                   \
		}                                                                                                      \
		if (len)                                                                                               \
			*len = n_;                                                                                     \
	}
#define GET_OK_OA(type, name) j++;
#define GET_OK_E(type, name)
#define GET_OK_I(type, name)
#define GET_OK_S(type, name)
#define GET_OK_REQ(type, name)
#define GET_OK_CALL(type, name)
#define MMF_ENTRY(name, capbits, params)                                                                               \
	static enum mmf_result r_##name(void *ctx MMF_PP_EACH(MMF_PARAM_DECL, params))                                  \
	{                                                                                                              \
		struct rctx *c = ctx;                                                                                  \
		struct mmf_wire_req q = { .op = W_##name };                                                           \
		struct mmf_wire_resp p = { 0 };                                                                        \
		const char *payload = NULL;                                                                            \
		unsigned k = 0, j = 0;                                                                                 \
		MMF_PP_EACH(PUT, params)                                                                               \
		if (deferrable(c, q.op))                                                                               \
			return defer(c, &q);                                                                           \
		enum mmf_result r;                                                                                     \
		if (!ksize_known(c, &q, &p, &r)) {                                                                     \
			ksize_ask(c, &q);                                                                              \
			r = call(c, &q, payload, &p, #name);                                                           \
			ksize_keep(c, &q, &p, r);                                                                      \
		}                                                                                                      \
		MMF_PP_EACH(GET_ALWAYS, params)                                                                        \
		if (c->dead)                                                                                           \
			return MMF_CORRUPT;                                                                            \
		j = 0;                                                                                                 \
		MMF_PP_EACH(GET_OK, params)                                                                            \
		(void)k, (void)j;                                                                                      \
		return r;                                                                                              \
	}
#define MMF_ENTRY_OWN(name, capbits, ret, cparams)
#define MMF_DATA(type, name)
#include "mmfuzz/adapter.def"
#undef MMF_DATA
#undef MMF_ENTRY_OWN
#undef MMF_ENTRY

/* 1 if the server has died or is dying: a zombie, or SIGKILL pending (so
 * that a kill sent during an op is seen at the end of the same sequence,
 * however the scheduler orders the two processes). Asked at the end of
 * every sequence: its status file stays open and is read again from the
 * start. */
static int server_gone(struct rctx *c)
{
	if (c->status_fd < 0 || c->status_pid != c->server) {
		char path[64];
		if (c->status_fd >= 0)
			close(c->status_fd);
		snprintf(path, sizeof(path), "/proc/%d/status", (int)c->server);
		c->status_fd = open(path, O_RDONLY | O_CLOEXEC);
		c->status_pid = c->server;
		if (c->status_fd < 0)
			return 1;
	}
	char buf[8192];
	ssize_t n = pread(c->status_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 1;
	buf[n] = 0;
	const char *st = strstr(buf, "\nState:");
	if (st) {
		st += 7;
		while (*st == ' ' || *st == '\t')
			st++;
		if (*st == 'Z' || *st == 'X')
			return 1;
	}
	static const char *const pending[] = { "\nSigPnd:", "\nShdPnd:" };
	for (unsigned i = 0; i < 2; i++) {
		const char *p = strstr(buf, pending[i]);
		if (p && (strtoull(p + 8, NULL, 16) & (1ull << (SIGKILL - 1))))
			return 1;
	}
	return 0;
}

/* The sequence killed the fork server: its worker goes too, and check()
 * says how the server ended, during `what`. */
static void server_killed(struct rctx *c, const char *what)
{
	if (c->worker)
		kill_worker(c->worker);
	c->dead = 1;
	c->worker = 0;
	char how[96];
	if (describe_end(c->server, how, sizeof(how))) {
		track(c->server, 0, 0);
		c->server = 0;
	}
	snprintf(c->why, sizeof(c->why), "server: the fork server %s during %s", how, what);
}

static enum mmf_result r_check(void *ctx, enum mmf_check_grade grade, char *msg, size_t cap)
{
	struct rctx *c = ctx;
	if (!c->dead && grade == MMF_CHECK_FULL && c->server > 0 && server_gone(c)) {
		/* the sequence killed its fork server */
		server_killed(c, "the sequence");
	}
	if (c->dead) {
		snprintf(msg, cap, "%s", c->why);
		return MMF_CORRUPT;
	}
	if (!(c->rm->far_caps & MMF_CAP_CHECK))
		return MMF_OK;
	struct mmf_wire_req q = { .op = W_check, .a = { grade } };
	enum mmf_result r = text_out(ctx, &q, "check", msg, cap, NULL);
	if (c->dead)
		snprintf(msg, cap, "%s", c->why);
	return r;
}

static unsigned r_moved(void *ctx, uint64_t *old_pfn, uint64_t *new_pfn, unsigned cap)
{
	unsigned n = 0;
	while (n < cap) {
		struct mmf_wire_req q = { .op = W_moved };
		struct mmf_wire_resp p = { 0 };
		if (call(ctx, &q, NULL, &p, "moved") != MMF_OK || p.v[0] == 0)
			break;
		old_pfn[n] = p.v[1];
		new_pfn[n++] = p.v[2];
	}
	return n;
}

/* One create function per slot, so each knows its remote. */
#define CREATE_FN(i)                                                                                                   \
	static enum mmf_result create_##i(const struct mmf_adapter_config *cfg, void **ctx, char *err, size_t cap)     \
	{                                                                                                              \
		return remote_create(&remotes[i], cfg, ctx, err, cap);                                                 \
	}
CREATE_FN(0)
CREATE_FN(1)
CREATE_FN(2)
CREATE_FN(3)
CREATE_FN(4)
CREATE_FN(5)
CREATE_FN(6)
CREATE_FN(7)
static enum mmf_result (*const creates[MAX_REMOTES])(const struct mmf_adapter_config *, void **, char *, size_t) = {
	create_0, create_1, create_2, create_3, create_4, create_5, create_6, create_7,
};

/* The proxy table: every entry the far side's capabilities call for. */
static struct remote *new_remote(const struct mmf_remote_opts *o, char *err, size_t cap)
{
	if (nr_remotes >= MAX_REMOTES) {
		snprintf(err, cap, "at most %d remote adapters", MAX_REMOTES);
		return NULL;
	}
	struct remote *rm = &remotes[nr_remotes];
	memset(rm, 0, sizeof(*rm));
	rm->opts = o ? *o : (struct mmf_remote_opts){ 0 };
	rm->tab = (struct mmf_adapter){
		.abi_version = MMF_ADAPTER_ABI_VERSION,
		.size = sizeof(struct mmf_adapter),
		.create = creates[nr_remotes],
		.destroy = remote_destroy,
		.reset = remote_reset,
#define MMF_ENTRY(name, capbits, params) .name = r_##name,
#define MMF_ENTRY_OWN(name, capbits, ret, cparams) .name = r_##name,
#define MMF_DATA(type, name)
#include "mmfuzz/adapter.def"
#undef MMF_DATA
#undef MMF_ENTRY_OWN
#undef MMF_ENTRY
		.known = rm->known,
		.kernel = rm->kernel,
	};
	(void)err;
	return rm;
}

const struct mmf_adapter *mmf_remote_fork(const struct mmf_adapter *inner, const struct mmf_remote_opts *o, char *err,
					  size_t cap)
{
	if (mmf_adapter_validate(inner, err, cap))
		return NULL;
	struct remote *rm = new_remote(o, err, cap);
	if (!rm)
		return NULL;
	rm->inner = inner;
	snprintf(rm->name, sizeof(rm->name), "%s", inner->name);
	snprintf(rm->description, sizeof(rm->description), "%s (in a forked worker)", inner->description);
	rm->tab.name = rm->name;
	rm->tab.description = rm->description;
	/* check() always answers: it reports a dead worker */
	rm->tab.caps = inner->caps | MMF_CAP_CHECK;
	rm->far_caps = inner->caps;
	memcpy(rm->tab.level, inner->level, sizeof(rm->tab.level));
	const char *const *known = inner->size >= MMF_ADAPTER_SIZE_KNOWN ? inner->known : NULL;
	for (unsigned i = 0; known && known[i] && i < MMF_MAX_KNOWN; i++)
		rm->known[i] = known[i];
	rm->tab.mutants = inner->mutants;
	rm->tab.nr_mutants = inner->nr_mutants;
	snprintf(rm->kernel, sizeof(rm->kernel), "%s", mmf_adapter_kernel(inner) ? mmf_adapter_kernel(inner) : "");
	nr_remotes++;
	return &rm->tab;
}

const struct mmf_adapter *mmf_remote_exec(const char *path, const struct mmf_remote_opts *o, char *err, size_t cap)
{
	return mmf_remote_exec_args(path, NULL, NULL, o, err, cap);
}

const struct mmf_adapter *mmf_remote_exec_args(const char *path, const char *arg1, const char *arg2,
					       const struct mmf_remote_opts *o, char *err, size_t cap)
{
	struct remote *rm = new_remote(o, err, cap);
	if (!rm)
		return NULL;
	if ((arg1 && strlen(arg1) >= sizeof(rm->args[0])) || (arg2 && strlen(arg2) >= sizeof(rm->args[1]))) {
		snprintf(err, cap, "agent argument too long");
		return NULL;
	}
	snprintf(rm->args[0], sizeof(rm->args[0]), "%s", arg1 ? arg1 : "");
	snprintf(rm->args[1], sizeof(rm->args[1]), "%s", arg2 ? arg2 : "");
	if (strlen(path) >= sizeof(rm->path)) {
		snprintf(err, cap, "agent path too long");
		return NULL;
	}
	if (access(path, X_OK)) {
		snprintf(err, cap, "cannot run agent %s: %s", path, strerror(errno));
		return NULL;
	}
	snprintf(rm->path, sizeof(rm->path), "%s", path);
	/* Ask the agent who it is: start it, read the hello, stop it. */
	struct rctx probe = { .rm = rm, .ctl = -1, .st = -1, .req = -1, .resp = -1, .ring_fd = -1 };
	struct mmf_wire_hello h;
	if (start_server(rm, &probe, &h, err, cap))
		return NULL;
	stop_server(&probe);
	h.name[sizeof(h.name) - 1] = 0;
	h.description[sizeof(h.description) - 1] = 0;
	snprintf(rm->name, sizeof(rm->name), "%s", h.name);
	h.mutants[sizeof(h.mutants) - 1] = 0;
	snprintf(rm->mutant_text, sizeof(rm->mutant_text), "%s", h.mutants);
	unsigned nm = 0;
	for (char *line = rm->mutant_text, *nl; *line && nm < MMF_WIRE_MAX_MUTANTS; line = nl + 1) {
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		nl = strchr(line, '\n');
		if (!nl || !t2 || t2 > nl)
			break;
		*t1 = *t2 = *nl = 0;
		rm->mutants[nm++] = (struct mmf_mutant_desc){ line, t1 + 1, t2 + 1 };
	}
	rm->tab.mutants = rm->mutants;
	rm->tab.nr_mutants = nm;
	h.known[sizeof(h.known) - 1] = 0;
	snprintf(rm->known_text, sizeof(rm->known_text), "%s", h.known);
	unsigned nk = 0;
	for (char *line = rm->known_text, *nl; *line && nk < MMF_MAX_KNOWN; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = 0;
		rm->known[nk++] = line;
	}
	h.kernel[sizeof(h.kernel) - 1] = 0;
	snprintf(rm->kernel, sizeof(rm->kernel), "%s", h.kernel);
	snprintf(rm->description, sizeof(rm->description), "%s", h.description);
	rm->tab.name = rm->name;
	rm->tab.description = rm->description;
	rm->tab.caps = h.caps | MMF_CAP_CHECK;
	rm->far_caps = h.caps;
	memcpy(rm->tab.level, h.level, sizeof(rm->tab.level));
	/* the far side's table passed its own agent's build; check what it
	 * declared against this ABI too */
	struct mmf_adapter far = rm->tab;
	far.abi_version = h.abi_version;
	far.caps = h.caps;
	if (mmf_adapter_validate(&far, err, cap))
		return NULL;
	nr_remotes++;
	return &rm->tab;
}
