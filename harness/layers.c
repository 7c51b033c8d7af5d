/* Links the oracle and the built-in adapters without the harness: the
 * build fails if either reaches into a layer above it (CMakeLists.txt).
 * Run, it creates the reference adapter's context and runs one op. */
#include <stdio.h>

#include "mmfuzz/adapter.h"

int main(void)
{
	const struct mmf_adapter *ad = mmf_adapter_reference();
	struct mmf_adapter_config cfg = { mmf_profile_get(0), 0, NULL, NULL, 0 };
	void *ctx;
	char err[200];
	if (ad->create(&cfg, &ctx, err, sizeof(err)) != MMF_OK) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct mmf_page_req req = { 0, 0, 0, 0 };
	uint64_t pfn;
	int e;
	enum mmf_result r = ad->alloc_pages(ctx, &req, &pfn, &e);
	ad->destroy(ctx);
	return r == MMF_OK ? 0 : 1;
}
