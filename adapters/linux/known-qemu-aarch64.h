/* Known differences of qemu-aarch64 from Linux: QEMU's common ones. */
#include "adapters/linux/known-qemu.h"
#define LX_KNOWN LX_KNOWN_QEMU, NULL
