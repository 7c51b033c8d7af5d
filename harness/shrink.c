/* A first shrinker: cut after the failing op, then delete single ops while
 * the same signature still appears. (Chunked deletion and field
 * canonicalisation belong to the minimizer.) */
#include <stddef.h>
#include <string.h>

#include "mmfuzz/harness.h"

unsigned mmf_shrink(struct mmf_exec *ex, struct mmf_seq *seq, struct mmf_finding *f)
{
	static struct mmf_seq cand;
	struct mmf_finding g;
	unsigned runs = 0;
	if (f->step + 1 < seq->nops)
		seq->nops = f->step + 1;
	for (int changed = 1, pass = 0; changed && pass < 4; pass++) {
		changed = 0;
		for (int i = (int)seq->nops - 1; i >= 0; i--) {
			memcpy(&cand, seq, offsetof(struct mmf_seq, ops));
			cand.nops = seq->nops - 1;
			memcpy(cand.ops, seq->ops, (size_t)i * sizeof(seq->ops[0]));
			memcpy(cand.ops + i, seq->ops + i + 1, (size_t)(seq->nops - (unsigned)i - 1) * sizeof(seq->ops[0]));
			runs++;
			if (mmf_exec_run(ex, &cand, &g) == 1 && strcmp(g.signature, f->signature) == 0) {
				memcpy(seq, &cand, offsetof(struct mmf_seq, ops) + cand.nops * sizeof(cand.ops[0]));
				*f = g;
				changed = 1;
			}
		}
	}
	runs++;
	if (mmf_exec_run(ex, seq, &g) == 1)
		*f = g;
	return runs;
}
