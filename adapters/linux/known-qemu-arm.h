/* Known differences of qemu-arm (32-bit ARM guests) from Linux. */
#include "adapters/linux/known-qemu.h"
#define LX_KNOWN                                                                                               \
	LX_KNOWN_QEMU,                                                                                                 \
	"munlock-result[ok where]: a 32-bit guest's whole address space is reserved on the host under QEMU 7.2, "     \
	"which passes munlock on: a hole in the guest is host memory, so no ENOMEM",                                   \
	"msync-result[ok where]: QEMU 7.2 passes msync to the host, where a 32-bit guest's holes are reserved "       \
	"memory (as munlock-result)",                                                                                  \
	"msync-errno[errno 16]: an mlock of a 32-bit guest's hole under QEMU 7.2 locks the host's reservation there "  \
	"(as munlock-result), so MS_INVALIDATE finds it locked: EBUSY where Linux says ENOMEM",                         \
	NULL
