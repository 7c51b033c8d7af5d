/* A worker's side of W_RUN (harness/exec_worker.c has mmfuzz's): an
 * executor in the worker, with an oracle of its own and the worker's
 * adapter as its one system under test, runs a whole sequence and answers
 * with its finding and the statistics it added. Built into agents that
 * link mmfuzz's core; remote_serve.c calls it when it is there. */
#include <stdio.h>
#include <string.h>

#include "harness/remote_run.h"
#include "mmfuzz/harness.h"
#include "mmfuzz/ops.h"

static struct mmf_exec *ex;
static char key[1400]; /* the flags and texts ex was made with */

int mmf_agent_run(const struct mmf_adapter *ad, void *ctx, unsigned prof, const struct mmf_wire_req *q,
		  const char *in, char *out, uint32_t cap, uint32_t *outlen, uint32_t *progress)
{
	static struct mmf_seq seq;
	struct mmf_wire_run w = { 0 };
	size_t head = offsetof(struct mmf_seq, ops), n = q->len;
	if (cap < sizeof(w) + sizeof(struct mmf_finding) || n < head)
		return MMF_CORRUPT;
	memcpy(&seq, in, head);
	size_t ops = (size_t)seq.nops * sizeof(struct mmf_op);
	if (seq.nops > MMF_MAX_OPS || n < head + ops)
		return MMF_CORRUPT;
	memcpy(seq.ops, in + head, ops);
	/* the mutant, the oracle's mutant, the kernel knobs */
	const char *s[3];
	size_t at = head + ops;
	for (unsigned i = 0; i < 3; i++) {
		const char *end = at < n ? memchr(in + at, 0, n - at) : NULL;
		if (!end)
			return MMF_CORRUPT;
		s[i] = in + at;
		at = (size_t)(end - in) + 1;
	}
	uint64_t flags = q->a[0];
	char k[sizeof(key)];
	if ((size_t)snprintf(k, sizeof(k), "%llx\n%s\n%s\n%s", (unsigned long long)flags, s[0], s[1], s[2]) >= sizeof(k))
		return MMF_CORRUPT;
	if (ex && strcmp(k, key)) {
		mmf_exec_destroy(ex); /* the adapter's context is the server's: not destroyed */
		ex = NULL;
	}
	char *detail = out + sizeof(w);
	if (!ex) {
		struct mmf_exec_config c = {
			.suts = { ad },
			.mutants = { s[0][0] ? s[0] : NULL },
			.nr_suts = 1,
			.max_level = (enum mmf_level)(flags & 0xff),
			.cheap_checks = (int)(flags >> 8 & 1),
			.full_checks_every_op = (int)(flags >> 9 & 1),
			.skip_end_checks = (int)(flags >> 10 & 1),
			.no_known = (int)(flags >> 11 & 1),
			.keep_going = (int)(flags >> 12 & 1),
			.walk_full = (int)(flags >> 13 & 1),
			.cost = (int)(flags >> 14 & 1),
			.oracle_mutant = s[1][0] ? s[1] : NULL,
			.kernel = s[2][0] ? s[2] : NULL,
		};
		/* the texts outlive this request: ex keeps pointers to them */
		static char texts[3][512];
		for (unsigned i = 0; i < 3; i++) {
			if (strlen(s[i]) >= sizeof(texts[i]))
				return MMF_CORRUPT;
			strcpy(texts[i], s[i]);
		}
		c.mutants[0] = texts[0][0] ? texts[0] : NULL;
		c.oracle_mutant = texts[1][0] ? texts[1] : NULL;
		c.kernel = texts[2][0] ? texts[2] : NULL;
		char err[256] = "";
		ex = mmf_exec_create(&c, err, sizeof(err));
		if (!ex || mmf_exec_adopt(ex, 1, prof, ctx)) {
			mmf_exec_destroy(ex);
			ex = NULL;
			w.run = -1;
			w.finding_len = (uint32_t)snprintf(detail, cap - sizeof(w), "%s", err[0] ? err : "out of memory") + 1;
			memcpy(out, &w, sizeof(w));
			*outlen = (uint32_t)sizeof(w) + w.finding_len;
			return MMF_OK;
		}
		memcpy(key, k, sizeof(k));
		mmf_exec_set_progress(ex, progress);
	}
	struct mmf_finding f;
	int r = mmf_exec_run(ex, &seq, &f);
	w.run = r;
	if (r < 0)
		w.finding_len = (uint32_t)snprintf(detail, cap - sizeof(w), "%s", f.detail) + 1;
	else if (r == 1) {
		memcpy(detail, &f, sizeof(f));
		w.finding_len = sizeof(f);
	} else {
		/* the reset W_RESET makes after a clean sequence */
		w.reusable = mmf_exec_reset_after(ex, 1, seq.profile) == 0;
	}
	if (r >= 0) {
		size_t off = sizeof(w) + w.finding_len;
		w.stats_len = (uint32_t)mmf_exec_stats_take(ex, &seq, out + off, cap - off);
	}
	memcpy(out, &w, sizeof(w));
	*outlen = (uint32_t)sizeof(w) + w.finding_len + w.stats_len;
	return MMF_OK;
}
