/* Differences QEMU 7.2 user mode (Debian 12's qemu-user-static) has from
 * Linux, found by `mmfuzz fuzz --adapter qemu-ARCH --keep-going --no-known`
 * and listed here so campaigns get past them to the others; each line is
 * "op-check[detail]: reason" (mmfuzz/adapter.h). `--no-known` raises them
 * all again. Not here, so always findings: mprotect over a range with a
 * hole in it, which QEMU 7.2 (32-bit guests) answers 0 where Linux says
 * ENOMEM; and a hang of 64-bit guests (aarch64, sparc64): after an
 * mprotect that runs past the end of a mapping (ENOMEM, rightly), a write
 * to a page of the range never returns. Linux has made those pages
 * read-only up to the hole and raises SIGSEGV; QEMU's host pages are
 * read-only too, but its own page flags were left writable, so it takes
 * each host fault for a write to a page it protects for translated code
 * and retries the store forever (ignoring SIGTERM). Seen in 3 ops:
 *   mmap 8 pages PROT_WRITE; mprotect its last 6 and one more PROT_READ;
 *   write to one of them. */
#define LX_KNOWN_QEMU                                                                                                  \
	"mprotect-result[refused where]: QEMU 7.2 takes an empty range as invalid (guest_range_valid_untagged, "      \
	"len 0): ENOMEM where Linux returns 0",                                                                      \
	"madvise-result: QEMU 7.2 answers 0 to advice it does not pass to the host without looking for VMAs, "         \
	"so no ENOMEM for a hole",                                                                                     \
	"mremap-result: QEMU 7.2 answers an unchanged size without looking up the VMA (no EFAULT with nothing "        \
	"mapped)",                                                                                                     \
	"mremap-errno: QEMU 7.2 checks the range before the lengths: ENOMEM where Linux says EINVAL",                   \
	"mremap-address: QEMU 7.2 moves a MREMAP_MAYMOVE mapping whose size does not change; Linux leaves it",          \
	"mmap-fixed: QEMU 7.2 does not know MAP_FIXED_NOREPLACE and takes the address as a hint",                      \
	"mmap_file-fixed: QEMU 7.2 does not know MAP_FIXED_NOREPLACE (as mmap-fixed)",                                 \
	"mmap-address: QEMU 7.2 places a hinted mapping by its own search, not at the free hint",                      \
	"mmap_file-address: QEMU 7.2 places a hinted mapping by its own search (as mmap-address)",                     \
	"proc_report-same_maps: QEMU 7.2's emulated maps join neighbouring reservations and leave out "               \
	"MAP_NORESERVE PROT_NONE ones",                                                                                \
	"end-same_maps: QEMU 7.2's emulated maps (as proc_report-same_maps)",                                          \
	"proc_report-same_smaps: QEMU user mode emulates /proc/self/maps only; smaps is the host's, of QEMU itself",    \
	"proc_report-same_pagemap: QEMU user mode does not emulate /proc/self/pagemap",                                \
	"rmap-same_rmap: the agent finds frames through pagemap, which QEMU user mode does not emulate",               \
	"mem_write-fault[SIGBUS where]: QEMU 7.2 raises SIGBUS for a write to a read-only file mapping past its "      \
	"end; Linux SIGSEGV (no write permission comes first)",                                                        \
	"mem_read-fault: QEMU 7.2 keeps its own page flags: after MREMAP_DONTUNMAP and some moves they disagree "      \
	"with the mapping; and a heap shrunk by brk stays mapped (as brk-address)",                                    \
	"brk-address: QEMU 7.2 emulates brk from its own record of the break: it does not unmap what a shrinking "   \
	"heap gives back, nor see a heap the guest unmapped",                                                          \
	"mem_write-fault[no fault where]: a heap shrunk by brk stays mapped and writable under QEMU 7.2 "            \
	"(as brk-address)",                                                                                            \
	"mmap-result[refused where]: a heap shrunk by brk keeps its pages under QEMU 7.2 (as brk-address), so a "     \
	"large mapping finds no room",                                                                                 \
	"mlock2-errno: QEMU 7.2 does not know MLOCK_ONFAULT and refuses it (EINVAL)",                                  \
	"mlock2-result[refused where]: QEMU 7.2 refuses MLOCK_ONFAULT even where Linux has nothing to lock (as "       \
	"mlock2-errno)",                                                                                               \
	"mincore-result[refused where]: QEMU 7.2 wants a mincore range to be readable guest memory: ENOMEM for a "     \
	"PROT_NONE page",                                                                                              \
	"mincore-result[ok where]: a heap shrunk by brk stays mapped under QEMU 7.2 (as brk-address)"
