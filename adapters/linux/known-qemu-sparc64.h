/* Known differences of qemu-sparc64 from Linux. Its guest pages are
 * 8 KiB on this machine's 4 KiB ones, and the reference runs with 8 KiB
 * user pages (profile sparc64). Besides QEMU's common differences, its
 * file mappings when a guest page is larger than a host page. Not here,
 * so always a finding: a write that never returns (mem_write-timeout,
 * known-qemu.h), as under qemu-aarch64. */
#include "adapters/linux/known-qemu.h"
#define LX_KNOWN                                                                                                       \
	LX_KNOWN_QEMU,                                                                                                 \
		"mmap_file-result: with guest pages larger than the host's, QEMU 7.2 cuts a file mapping at the "     \
		"file's end: a private mapping wholly past it is ENOMEM, a longer one is shortened",                  \
		"mmap_file-errno: a file mapping wholly past the file's end is EINVAL under QEMU 7.2 with 8 KiB "     \
		"guest pages (as mmap_file-result), where Linux says EEXIST for an occupied MAP_FIXED_NOREPLACE",     \
		NULL
