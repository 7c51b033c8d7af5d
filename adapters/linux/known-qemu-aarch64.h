/* Known differences of qemu-aarch64 from Linux. The heap cannot start in
 * the window here: QEMU 7.2 reserves the whole span of the guest's image,
 * so a last segment placed below window page 1024 (the heap's anchor,
 * linux.c) would fill the window with the reservation. */
#include "adapters/linux/known-qemu.h"
#define LX_KNOWN                                                                                                       \
	LX_KNOWN_QEMU, "brk-address: the guest's heap starts after its image, not at window page 1024 (no anchor "    \
		       "under qemu-aarch64)",                                                                         \
		"mmap-result[refused where]: QEMU 7.2 refuses some mappings Linux makes (seen once in 60 s)", NULL
