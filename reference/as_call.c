/* The syscall-like address-space ops (the rows of mmfuzz/ops.def whose step
 * is as_call) behind one entry: each op's row names its model,
 * mmf_as_<name>(), in the file of its mechanism. */
#include "reference/as.h"
#include "reference/mm.h"
#include "reference/textbuf.h"

typedef int (*as_call_fn)(struct mmf_machine *, const struct mmf_as_call *, struct mmf_out *, int *);

static const as_call_fn calls[MMF_NR_OPCODES] = {
#define MMF_OP(...)
#define MMF_AS_OP(NAME, name, code, ...) [code] = mmf_as_##name,
#include "mmfuzz/ops.def"
#undef MMF_AS_OP
#undef MMF_OP
};

int mmf_as_call(struct mmf_machine *m, const struct mmf_as_call *c, char *buf, size_t cap, size_t *len, int *err)
{
	struct mmf_out o = { buf, cap, 0 };
	*len = 0;
	if (c->code >= MMF_NR_OPCODES || !calls[c->code])
		return -2;
	int r = calls[c->code](m, c, &o, err);
	size_t n = (size_t)mmf_out_finish(&o);
	*len = cap && n >= cap ? cap - 1 : n;
	return r;
}
