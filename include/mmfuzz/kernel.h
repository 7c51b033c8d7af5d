/* Kernel behaviour knobs: where Linux kernels legitimately differ by
 * configuration, sysctl or architecture, the oracle takes the behaviour as
 * a named knob instead of assuming one kernel. A machine profile gives the
 * defaults; an adapter for a real system probes its kernel with real
 * accesses and declares what it found as text, "name=value" words
 * separated by spaces (struct mmf_adapter's kernel), and the executor runs
 * the oracle with those values. Knobs an adapter leaves out keep the
 * profile's values. */
#ifndef MMFUZZ_KERNEL_H
#define MMFUZZ_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "mmfuzz/profile.h"

struct mmf_kernel {
	/* A read fault of private anonymous memory maps the shared zero page
	 * (1, do_anonymous_page's my_zero_pfn) or a fresh zeroed page of its
	 * own (0: mm_forbids_zeropage(), s390 guests, some hypervisors'
	 * kernels, a kernel booted with the zero page disabled). */
	uint8_t zero_page;
	/* An instruction fetch from a not-present page of a VMA without
	 * VM_EXEC: 1 maps the page first, as a read fault would, and only the
	 * retried fetch faults on NX (x86's access_error() lets a fetch that
	 * is not present through); 0 faults at once (arm64's do_page_fault
	 * checks VM_EXEC first; so does QEMU user mode's own page check). */
	uint8_t exec_maps;
	/* CONFIG_MEM_SOFT_DIRTY: "sd" in smaps' VmFlags, pagemap bit 55. */
	uint8_t soft_dirty;
	/* Transparent huge pages for private anonymous memory as the process
	 * sees them: /sys/kernel/mm/transparent_hugepage/enabled, or its
	 * hugepages-2048kB/enabled where that is not "inherit" (0 never, 1
	 * madvise: MADV_HUGEPAGE VMAs only, 2 always). PR_SET_THP_DISABLE
	 * makes it never. Only profiles of 4 KiB pages have them. */
	uint8_t thp;
	/* vm.overcommit_memory: 0 heuristic, 1 always, 2 strict. 0 and 1 never
	 * refuse a mapping of the window's size; 2 is not modelled. */
	uint8_t overcommit;
	/* fault_around_bytes: file pages mapped around a read fault (a power
	 * of two, from one page to 64 KiB; one page turns fault-around off). */
	uint32_t fault_around_bytes;
	/* vm.mmap_min_addr. The ops' window lies far above any value, so no
	 * op reaches it; reported so that a report says what ran. */
	uint64_t mmap_min_addr;
	/* RLIMIT_MEMLOCK in KiB for the ops' processes, or
	 * MMF_MEMLOCK_UNLIMITED ("unlimited": CAP_IPC_LOCK or an infinite
	 * limit). mlock past it is ENOMEM; 0 makes mlock EPERM. */
	uint32_t memlock_kb;
	/* smaps' VmFlags shows VM_LOCKONFAULT as "lf" (newer kernels) or
	 * not at all (0). */
	uint8_t vmflag_lf;
	/* A zap of a young pte marks its file folio accessed unless the VMA
	 * has VM_SEQ_READ, and (1: Linux 6.3+, vma_has_recency()) also
	 * unless it has VM_RAND_READ, or (0) not for that. */
	uint8_t zap_rand_norecency;
	/* vm.swappiness (0..200): how reclaim weighs anonymous pages against
	 * file pages (get_scan_count()). */
	uint8_t swappiness;
	/* vm.page-cluster: swap-in reads the aligned 2^page_cluster slots
	 * around the one faulted on (swap_cluster_readahead()); 0 reads one. */
	uint8_t page_cluster;
	/* The size of each swap device the ops may swapon, in pages (the
	 * swap file the disk holds; 0: as many as the machine has frames).
	 * A swapon whose header claims more is EINVAL. */
	uint32_t swap_device_pages;
	/* Swap writes are asynchronous (1: a disk's swap file, whose write
	 * completes after reclaim's pass, so the page stays in the swap cache,
	 * clean, until a later pass frees it) or complete at once (0: zram, a
	 * ramdisk; the page is freed in the same pass). zswap's stores are
	 * synchronous either way. */
	uint8_t swap_async;
	/* A zero-filled page goes to swap as a bit (1: Linux 6.12+'s
	 * swap_zeromap): no write and no zswap, done at once, and read back
	 * as zeroes without a read (swpout_zero, swpin_zero). */
	uint8_t swap_zeromap;
	/* Unmapping a private hugetlb page from the mapping that reserved it
	 * gives the reservation back (1: Linux 6.7+, restored when the page
	 * is freed) or leaves it used (0). */
	uint8_t hugetlb_restore;
	/* zswap at boot (/sys/module/zswap/parameters, the zswap op changes
	 * them at run time): enabled; the compressor (MMF_ZSWAP_LZ4 or _ZSTD);
	 * the pool's allocator (MMF_ZPOOL_ZSMALLOC, or ZBUD and Z3FOLD of
	 * older kernels); the pool's limit in percent of memory; and whether
	 * a page of one repeated word is kept as that word (1, up to 6.11) or
	 * only a zero-filled one is (0, 6.12+). */
	uint8_t zswap_enabled;
	uint8_t zswap_compressor;
	uint8_t zswap_zpool;
	uint8_t zswap_max_pool_percent;
	uint8_t zswap_same_filled;
	/* The ops' processes have CAP_SYS_RESOURCE (1): oom_score_adj may go
	 * below its floor (oom_score_adj_min, set by such a write), else
	 * lowering it past the floor is EACCES. */
	uint8_t sys_resource;
	/* A read fault that THP would back maps the huge zero page
	 * (transparent_hugepage/use_zero_page, and the zero page allowed). */
	uint8_t thp_zero_page;
	/* A write fault on the huge zero page maps a THP of its own (1: Linux
	 * 6.13+, do_huge_zero_wp_pmd) or splits the PMD and copies one small
	 * page (0). */
	uint8_t thp_zero_wp;
	/* Splitting an anonymous THP folio (not just its PMD: MADV_FREE,
	 * COLD or PAGEOUT of a part of it) maps the shared zero page where a
	 * subpage holds only zeroes, and frees that subpage (1: Linux 6.12+,
	 * RMP_USE_SHARED_ZEROPAGE), or keeps every subpage (0). */
	uint8_t thp_split_zero;
	/* MADV_DONTNEED frees each pte table whose whole 2 MiB it zaps
	 * (1: CONFIG_PT_RECLAIM, Linux 6.14+ on x86-64), or leaves the
	 * empty tables to munmap (0). A THP fault needs a PMD without one. */
	uint8_t pt_reclaim;
	/* mprotect takes the ptes of a THP folio in batches (1: Linux
	 * 6.17+, modify_prot_start_ptes()): a run of them gets the accessed
	 * and dirty bits any of them had; else each pte keeps its own (0). */
	uint8_t mprotect_batch;
};
#define MMF_ZSWAP_LZ4 0
#define MMF_ZSWAP_ZSTD 1
#define MMF_ZPOOL_ZSMALLOC 0
#define MMF_ZPOOL_ZBUD 1
#define MMF_ZPOOL_Z3FOLD 2
#define MMF_MEMLOCK_UNLIMITED 0xffffffffu

/* The knobs a kernel of profile p has unless told otherwise. */
void mmf_kernel_defaults(const struct mmf_profile *p, struct mmf_kernel *k);
/* Sets the knobs named in text ("name=value ..."; NULL or "" changes
 * nothing). 0, or -1 with a message for an unknown name or a value out of
 * the knob's range (k is then unchanged). */
int mmf_kernel_parse(const char *text, struct mmf_kernel *k, char *err, size_t cap);
/* Every knob as "name=value" words; the length written (snprintf's). */
int mmf_kernel_format(const struct mmf_kernel *k, char *buf, size_t cap);
/* Is a knob's value one the oracle models? 0, or -1 with the reason. */
int mmf_kernel_modelled(const struct mmf_kernel *k, char *err, size_t cap);

/* The knobs in order: the i-th one's name (NULL past the last) and, in
 * *help when help is not NULL, what it means. */
unsigned mmf_kernel_nr_knobs(void);
const char *mmf_kernel_knob(unsigned i, const char **help);

#endif
