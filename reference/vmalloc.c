/* vmalloc: not yet modelled. Placeholder so the machine links; the real
 * model replaces this file. */
#include <errno.h>
#include <stdio.h>

#include "reference/mm.h"
#include "reference/vmalloc.h"

int mmf_vmalloc_init(struct mmf_machine *m) { (void)m; return 0; }
void mmf_vmalloc_fini(struct mmf_machine *m) { (void)m; }
void mmf_vmalloc_reset(struct mmf_machine *m) { (void)m; }

enum mmf_result mmf_vmalloc(struct mmf_machine *m, uint64_t size, mmf_gfp_t gfp,
			    unsigned nid, unsigned cpu, uint64_t *addr, int *err)
{
	(void)m; (void)size; (void)gfp; (void)nid; (void)cpu; (void)addr;
	*err = ENOSYS;
	return MMF_UNSUPPORTED;
}

enum mmf_result mmf_vfree(struct mmf_machine *m, uint64_t addr, unsigned cpu)
{
	(void)m; (void)addr; (void)cpu;
	return MMF_UNSUPPORTED;
}

int mmf_vmalloc_to_pfn(const struct mmf_machine *m, uint64_t addr, uint32_t *pfn)
{
	(void)m; (void)addr; (void)pfn;
	return -1;
}

void mmf_vmalloc_purge(struct mmf_machine *m) { (void)m; }

int mmf_report_vmallocinfo(const struct mmf_machine *m, char *buf, size_t cap)
{
	(void)m;
	if (cap)
		buf[0] = 0;
	return 0;
}

void mmf_vmalloc_meminfo(const struct mmf_machine *m, uint64_t *total_kb,
			 uint64_t *used_kb, uint64_t *chunk_kb)
{
	(void)m;
	*total_kb = MMF_VMALLOC_SIZE >> 10;
	*used_kb = 0;
	*chunk_kb = 0;
}

int mmf_vmalloc_is_valid(const struct mmf_machine *m, char *msg, size_t cap)
{
	(void)m; (void)msg; (void)cap;
	return 0;
}
