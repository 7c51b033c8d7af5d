/* Known differences of qemu-sparc64 from Linux. Its guest pages are 8 KiB,
 * and the reference's address spaces have 4 KiB pages: the agent refuses
 * to start (linux.c), so nothing is compared yet. */
#include "adapters/linux/known-qemu.h"
#define LX_KNOWN LX_KNOWN_QEMU, NULL
