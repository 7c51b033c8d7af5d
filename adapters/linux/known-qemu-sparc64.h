/* Known differences of qemu-sparc64 from Linux. Its guest pages are
 * 8 KiB on this machine's 4 KiB ones, and the reference runs with 8 KiB
 * user pages (profile sparc64). Besides QEMU's common differences: its
 * brk emulation, and its file mappings when a guest page is larger than
 * a host page. Not here, so always a finding: a write that never returns
 * (mem_write-timeout), as under qemu-aarch64. */
#include "adapters/linux/known-qemu.h"
#define LX_KNOWN                                                                                                       \
	LX_KNOWN_QEMU,                                                                                                 \
		"brk-address: QEMU 7.2 emulates brk from its own record of the break: a heap shrunk by brk, or "      \
		"unmapped by munmap, is not what it thinks is there",                                                  \
		"mem_write-fault[no fault where]: QEMU 7.2's brk does not unmap the pages a shrinking heap gives "     \
		"back, so they stay writable",                                                                         \
		"mmap-result[refused where]: QEMU 7.2 keeps a shrunk heap's pages (as brk-address), so a large "       \
		"mapping finds no room",                                                                               \
		"mmap_file-result: with guest pages larger than the host's, QEMU 7.2 cuts a file mapping at the "     \
		"file's end: a private mapping wholly past it is ENOMEM, a longer one is shortened",                  \
		"mmap_file-errno: QEMU 7.2 does not know MAP_FIXED_NOREPLACE; with 8 KiB guest pages its own "       \
		"placement of the file mapping fails EINVAL where Linux says EEXIST",                                 \
		NULL
