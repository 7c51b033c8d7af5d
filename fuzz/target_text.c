/* Fuzz target for the text form: any bytes either fail to parse with a
 * line and column inside the input, or parse to a sequence whose printed
 * text parses back to the same sequence and prints identically. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mmf_seq a, b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmf_diag d;
	if (mmf_seq_parse_text((const char *)data, size, &a, &d)) {
		int lines = 1;
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		if (d.line < 1 || d.line > lines || d.col < 1 || !d.msg[0]) {
			fprintf(stderr, "bad diagnostic %d:%d '%s'\n", d.line, d.col, d.msg);
			abort();
		}
		return 0;
	}
	char *t1 = mmf_seq_to_text(&a);
	if (!t1)
		return 0;
	if (mmf_seq_parse_text(t1, strlen(t1), &b, &d)) {
		fprintf(stderr, "printed text does not parse: %d:%d %s\n%s", d.line, d.col, d.msg, t1);
		abort();
	}
	char *t2 = mmf_seq_to_text(&b);
	if (!t2 || strcmp(t1, t2) || a.nops != b.nops || memcmp(a.ops, b.ops, a.nops * sizeof(a.ops[0]))) {
		fprintf(stderr, "text round trip differs:\n%s---\n%s", t1, t2 ? t2 : "");
		abort();
	}
	free(t1);
	free(t2);
	return 0;
}
