/* Address spaces: processes, their mm_struct, VMAs and page tables.
 *
 * Every process maps inside one fixed window of user addresses (the ops
 * name pages by their index in it), so layouts are deterministic and a real
 * kernel can be driven the same way (MAP_FIXED_NOREPLACE inside the window).
 * mmap_base is the window's top: the kernel's own top-down search for an
 * address (no hint, or a hint that is taken) stays in the window.
 *
 *   vma.c      VMAs, mmap/munmap/mprotect with Linux's splits, merges and
 *              errnos, /proc/PID/maps
 *
 * Page tables, faults, fork and the other mappings come next (issue 4);
 * until then the VMA layer stands alone: mappings have no pages. */
#ifndef MMF_REFERENCE_AS_H
#define MMF_REFERENCE_AS_H

#include <stddef.h>
#include <stdint.h>

#include "mmfuzz/ops.h"

struct mmf_machine;

#define AS_PAGE_SHIFT 12
#define AS_PAGE_SIZE (1ull << AS_PAGE_SHIFT)
#define AS_WINDOW_BASE MMF_AS_WINDOW_BASE
#define AS_WINDOW_END (MMF_AS_WINDOW_BASE + ((uint64_t)MMF_AS_WINDOW_PAGES << AS_PAGE_SHIFT))

/* vm_flags, Linux's values. */
#define VM_READ 0x1u
#define VM_WRITE 0x2u
#define VM_EXEC 0x4u
#define VM_SHARED 0x8u
#define VM_MAYREAD 0x10u
#define VM_MAYWRITE 0x20u
#define VM_MAYEXEC 0x40u
#define VM_MAYSHARE 0x80u
#define VM_DONTCOPY 0x20000u
#define VM_ACCOUNT 0x100000u
#define VM_NORESERVE 0x200000u
#define VM_WIPEONFORK 0x2000000u
#define VM_SOFTDIRTY 0x8000000u
#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)

/* mmap flags as the op carries them (bits of its flags field). */
#define MMF_MAP_SHARED 0x01u
#define MMF_MAP_FIXED 0x02u
#define MMF_MAP_FIXED_NOREPLACE 0x04u
#define MMF_MAP_POPULATE 0x08u
#define MMF_MAP_NORESERVE 0x10u
#define MMF_MAP_HINT 0x20u /* the start page is a hint (no FIXED): otherwise addr 0 */

struct mmf_vma {
	uint64_t start, end; /* [start, end) */
	uint64_t pgoff;      /* in pages; for anonymous private memory, start >> PAGE_SHIFT at mmap */
	uint32_t flags;
	uint32_t anon_vma;   /* 0: none yet (assigned at the first anonymous fault) */
	uint32_t shmem;      /* shared anonymous memory: its shmem object, else 0 */
	uint8_t chain;       /* anon_vma_chain entries: 1 until fork links a parent's */
};

struct mmf_mm {
	struct mmf_vma *vma; /* sorted by start, disjoint */
	uint32_t nr, cap;
	uint64_t mmap_base;
	uint64_t total_vm, locked_vm, data_vm, stack_vm; /* pages */
	uint64_t committed; /* pages charged for VM_ACCOUNT */
};

struct mmf_proc {
	uint8_t live;
	uint32_t pid;
	struct mmf_mm mm;
};

struct mmf_as {
	struct mmf_proc proc[MMF_NPROCS];
	uint32_t next_pid;
	uint32_t next_anon_vma;
	uint32_t next_shmem;
	int used; /* anything happened since reset */
};

int mmf_as_init(struct mmf_machine *m);
void mmf_as_fini(struct mmf_machine *m);
void mmf_as_reset(struct mmf_machine *m);

/* vma.c. Errors as Linux returns them (EINVAL, ENOMEM, EEXIST). Process
 * 0 exists from the start; others come from fork. */
int mmf_as_mmap(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
		uint64_t *out, int *err);
int mmf_as_munmap(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, int *err);
int mmf_as_mprotect(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, int *err);
int mmf_as_report_maps(const struct mmf_machine *m, unsigned proc, char *buf, size_t cap);
int mmf_as_vma_is_valid(const struct mmf_machine *m, char *msg, size_t cap);

/* Internal to the address-space files. */
struct mmf_mm *mmf_as_mm(struct mmf_machine *m, unsigned proc);
struct mmf_vma *mmf_vma_find(struct mmf_mm *mm, uint64_t addr);
int mmf_mm_setup(struct mmf_machine *m, struct mmf_mm *mm);
void mmf_mm_teardown(struct mmf_machine *m, struct mmf_mm *mm);

#endif
