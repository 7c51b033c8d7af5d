/* Known differences of qemu-arm (32-bit ARM guests) from Linux. */
#include "adapters/linux/known-qemu.h"
#define LX_KNOWN LX_KNOWN_QEMU, NULL
