/* Distinct abort sites per kind of check, so fuzzing infrastructure that
 * deduplicates crashes by stack keeps different bugs apart. */
#include <stdlib.h>
#include <string.h>

#include "mmfuzz/harness.h"

#define SITE(name) \
	__attribute__((noinline, noreturn)) static void mmf_abort_##name(void) { abort(); }

SITE(range)
SITE(alignment)
SITE(zone)
SITE(overlap)
SITE(contents)
SITE(zeroed)
SITE(result)
SITE(exact)
SITE(invariant)
SITE(corrupt)
SITE(unsupported)
SITE(other)

_Noreturn void mmf_finding_abort(const struct mmf_finding *f)
{
	const char *c = f->check;
	if (!strcmp(c, "range")) mmf_abort_range();
	if (!strcmp(c, "alignment")) mmf_abort_alignment();
	if (!strcmp(c, "zone") || !strcmp(c, "node")) mmf_abort_zone();
	if (!strcmp(c, "overlap")) mmf_abort_overlap();
	if (!strcmp(c, "contents")) mmf_abort_contents();
	if (!strcmp(c, "zeroed")) mmf_abort_zeroed();
	if (!strcmp(c, "result") || !strcmp(c, "errno")) mmf_abort_result();
	if (!strncmp(c, "exact_", 6)) mmf_abort_exact();
	if (!strcmp(c, "corrupt") || !strcmp(c, "free_refused")) mmf_abort_corrupt();
	if (!strcmp(c, "unsupported")) mmf_abort_unsupported();
	if (strchr(c, '_')) mmf_abort_invariant(); /* adapter walker tags */
	mmf_abort_other();
}
