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
 *   pgtable.c  4- and 5-level page tables in pages from the buddy: walk,
 *              zap, free_pgd_range; PageTables accounting
 *   fault.c    reads and writes with their faults: anonymous memory, the
 *              zero page, shmem objects, write-protect faults and COW
 *
 *   fork.c     fork (VMAs, anon_vma chains, write-protected COW ptes), exit
 *
 *   smaps.c    /proc/PID/smaps and pagemap, and the rmap observation
 *
 * Files are memfd-like (tmpfs): their page cache is a shmem object, as is
 * the file behind shared anonymous memory. */
#ifndef MMF_REFERENCE_AS_H
#define MMF_REFERENCE_AS_H

#include <stddef.h>
#include <stdint.h>

#include "mmfuzz/ops.h"
#include "mmfuzz/result.h"
#include "reference/hugetlb.h"
#include "reference/internal.h"

struct mmf_machine;

/* A user page: 4 KiB, or the profile's larger as_page_shift (8 KiB for
 * sparc64); the users of these have their machine at hand as m. */
#define AS_PAGE_SHIFT (m->as_shift)
#define AS_PAGE_SIZE (1ull << AS_PAGE_SHIFT)
/* A user page (and a page-table page) is a buddy block of this order. */
#define AS_PAGE_ORDER (AS_PAGE_SHIFT - 12u)
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
#define VM_PFNMAP 0x400u
#define VM_LOCKED 0x2000u
#define VM_IO 0x4000u
#define VM_SEQ_READ 0x8000u
#define VM_RAND_READ 0x10000u
#define VM_DONTCOPY 0x20000u
#define VM_DONTEXPAND 0x40000u
#define VM_DONTDUMP 0x4000000u
#define VM_LOCKONFAULT 0x80000u
#define VM_ACCOUNT 0x100000u
#define VM_NORESERVE 0x200000u
#define VM_HUGETLB 0x400000u      /* a MAP_HUGETLB mapping (hugetlb.c) */
#define VM_WIPEONFORK 0x2000000u
#define VM_SOFTDIRTY 0x8000000u
#define VM_HUGEPAGE 0x20000000u   /* MADV_HUGEPAGE */
#define VM_NOHUGEPAGE 0x40000000u /* MADV_NOHUGEPAGE */
#define VM_MERGEABLE 0x80000000u  /* MADV_MERGEABLE: KSM may merge its pages */
#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)
#define VM_SPECIAL (VM_IO | VM_DONTEXPAND | VM_PFNMAP) /* never merged */

#define AS_START_BRK_PAGE MMF_AS_START_BRK_PAGE

struct mmf_vma {
	uint64_t start, end; /* [start, end) */
	uint64_t pgoff;      /* in pages; for anonymous private memory, start >> PAGE_SHIFT at mmap */
	uint32_t flags;
	uint32_t anon_vma;   /* 0: none yet (assigned at the first anonymous fault) */
	uint32_t shmem;      /* shared anonymous memory: its shmem object, else 0 */
	uint8_t chain;       /* anon_vma_chain entries: 1 until fork links a parent's (saturates) */
	uint16_t huge;       /* VM_HUGETLB: its object (hugetlb.h), else 0 */
	uint8_t huge_flags;  /* VM_HUGETLB: HPAGE_RESV_OWNER, HPAGE_RESV_UNMAPPED */
	uint8_t unmerged;    /* its lock bits or anon_vma went where Linux merges nothing (fork,
				MREMAP_DONTUNMAP): a neighbour may now match it and stay apart */
};

#define MMF_THP_PER_MM 16 /* the window holds 8 PMDs; a fault past this many falls back to ptes */
struct mmf_mm {
	struct mmf_vma *vma; /* sorted by start, disjoint */
	uint32_t nr, cap;
	uint64_t mmap_base;
	uint64_t total_vm, locked_vm, data_vm, stack_vm; /* pages */
	uint32_t def_flags; /* vm_flags every new VMA takes: mlockall(MCL_FUTURE)'s lock bits */
	uint64_t committed; /* pages charged for VM_ACCOUNT */
	uint64_t start_brk, brk;
	uint32_t pgd;       /* pfn of the top table; MMF_NIL until the first fault */
	uint64_t pgtables_bytes;
	/* The PMDs that map a THP (PMD_THP set): their addresses, unordered;
	 * huge_memory.c keeps the list, a stale entry is dropped at the next
	 * settle. */
	uint64_t thp[MMF_THP_PER_MM];
	uint32_t nr_thp;
};

struct mmf_proc {
	uint8_t live;
	int16_t oom_score_adj; /* /proc/PID/oom_score_adj, inherited by fork */
	int16_t oom_score_adj_min; /* its floor without CAP_SYS_RESOURCE, inherited too */
	uint32_t pid;
	struct mmf_mm mm;
};

struct shmem_obj;

#define MMF_LRU_BATCH 31 /* FOLIO_BATCH_SIZE */
struct mmf_as {
	struct mmf_proc proc[MMF_NPROCS];
	uint32_t file[MMF_NFILES]; /* each file's shmem object; 0 until first used */
	uint32_t pfn_buf;          /* the PFN device's buffer, MMF_NIL until first mapped */
	/* anon_vma tree: each anon_vma's parent (0 for a root). A VMA's
	 * anon_vma_chain is its anon_vma and that one's ancestors, so the VMAs
	 * an anon_vma's rmap walk visits are those with it on their path. */
	uint32_t *av_parent;
	uint32_t av_cap;
	struct shmem_obj *shmem; /* by id; 0 unused */
	uint32_t shmem_cap;
	uint32_t *refs;          /* end_pfn counters for the walker */
	uint32_t next_pid;
	uint32_t next_anon_vma;
	uint32_t next_shmem;
	int used; /* anything happened since reset */
	/* The CPU's lru_lazyfree folio batch (the processes share one CPU):
	 * pages MADV_FREE marked, whose referenced and active bits go when
	 * it drains (lru_add_drain(), or when it fills). */
	uint32_t lazy_batch[MMF_LRU_BATCH];
	unsigned nr_lazy;
	/* The CPU's mlock folio batch (mm/mlock.c): pages mapped into or
	 * unmapped from a locked VMA, which join or leave the unevictable
	 * list (PG_unevictable) only when it moves. A page freed meanwhile
	 * (Linux holds a reference) may leave a stale pfn, which is harmless:
	 * the move looks at what maps the page then. */
	uint32_t mlock_batch[MMF_LRU_BATCH];
	unsigned nr_mlock;
	/* The CPU's lru_activate batch: pages folio_mark_accessed() found
	 * referenced, on an LRU list, inactive. Off the LRU while queued
	 * (another touch then only clears the referenced bit); active when it
	 * moves. */
	uint32_t act_batch[MMF_LRU_BATCH];
	unsigned nr_act;
	/* How deep the sequence went since the reset (what a report shows of
	 * a generator's reach, never part of a verdict): each process's
	 * generation (0: process 0), and the counters of mmfuzz/adapter.h's
	 * struct mmf_depth. */
	uint8_t generation[MMF_NPROCS];
	struct mmf_depth depth;
	/* The OOM killer (oom.c): the process whose op runs (-1: none, a
	 * kernel-side op), a fork's child not yet on the task list, a victim
	 * that dies when the current op ends, no killing while swapoff walks
	 * every mm, and the last report. */
	int current, forking, oom_victim;
	int no_oom;
	char oom_report[8192];
	struct mmf_hstate hstate; /* the 2 MiB hugetlb pool (hugetlb.c) */
	struct mmf_thp {          /* transparent huge pages (huge_memory.c): thp_* of /proc/vmstat */
		uint64_t fault_alloc, fault_fallback, collapse_alloc, split_pmd, split_page, zero_page_alloc;
		uint8_t zero_allocated; /* the huge zero page exists */
		uint32_t skip[16];      /* an LRU madvise's folios mapped shared: left alone */
		unsigned nr_skip;
	} thp;
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
/* A read (write 0), write (1) or instruction fetch (2, MMF_ACCESS_EXEC)
 * of one page: *fault is 0, SIGSEGV or SIGBUS; a read's value in *value.
 * -1 with *err (ENOMEM: no memory for the fault). */
int mmf_as_access(struct mmf_machine *m, unsigned proc, uint64_t addr, int write, uint64_t token, int *fault,
		  uint64_t *value, int *err);
/* madvise(): EINVAL for an advice the model does not know or a VMA
 * refuses (WIPEONFORK on shared memory, FREE on shmem), ENOMEM when the
 * range has holes (after advising the mapped parts). */
int mmf_as_madvise(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, unsigned advice, int *err);
/* mremap(): EINVAL for bad flags or lengths, EFAULT when the old range is
 * not inside one VMA, ENOMEM when it cannot grow in place and may not move
 * (or there is no room). *out is the range's address after the call. */
int mmf_as_mremap(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t old_len, uint64_t new_len,
		  unsigned flags, uint64_t new_addr, uint64_t *out, int *err);
/* brk(): the break after the call (the old one when it cannot move). */
uint64_t mmf_as_brk(struct mmf_machine *m, unsigned proc, uint64_t brk);
int mmf_as_report_maps(const struct mmf_machine *m, unsigned proc, char *buf, size_t cap);
int mmf_as_vma_is_valid(const struct mmf_machine *m, char *msg, size_t cap);

/* x86-64 pte bits the model uses. PROTNONE: a mapping made inaccessible
 * by mprotect(PROT_NONE) keeps its frame, with present clear. SPECIAL
 * marks ptes without a struct page reference: the zero page
 * (PTE_ZERO_PAGE) and PFN mappings (uncached: PCD). PS is a huge leaf in an
 * upper level (the kernel's linear map). */
#define PTE_PRESENT 0x001ull
#define PTE_RW 0x002ull
#define PTE_USER 0x004ull
#define PTE_PWT 0x008ull
#define PTE_PCD 0x010ull
#define PTE_ACCESSED 0x020ull
#define PTE_DIRTY 0x040ull
#define PTE_PS 0x080ull
#define PTE_PROTNONE 0x100ull
#define PTE_SPECIAL 0x200ull
#define PTE_SOFTDIRTY 0x800ull
/* On a PMD entry that points at a pte table: the table is the one Linux
 * deposits under a huge PMD, and the PMD maps a THP (huge_memory.c). A
 * software bit (x86's bit 10), never set on a pte. */
#define PMD_THP 0x400ull
#define PTE_PFN_MASK 0x000ffffffffff000ull
#define PTE_TABLE (PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY)
#define PTE_MAPPED (PTE_PRESENT | PTE_PROTNONE)
/* A user pte as a fault makes it: x86's base protections carry the
 * accessed bit; a write dirties it (and soft-dirties it). */
#define PTE_BASE (PTE_PRESENT | PTE_USER | PTE_ACCESSED)
#define PTE_DIRTIED (PTE_DIRTY | PTE_SOFTDIRTY)
/* The zero page's frame in a pte: no frame of the machine (its pfn is
 * MMF_NIL), so a PFN mapping of any real frame is never taken for it. */
#define PTE_ZERO_PAGE (PTE_SPECIAL | (0xffffffffull << MMF_PAGE_SHIFT))
static inline int pte_is_zero_page(uint64_t pte) { return (pte & PTE_ZERO_PAGE) == PTE_ZERO_PAGE; }
/* The page a pte maps with a reference (vm_normal_page()), or none. */
static inline int pte_has_page(uint64_t pte) { return (pte & PTE_MAPPED) && !(pte & PTE_SPECIAL); }
static inline uint32_t pte_pfn(uint64_t pte) { return (uint32_t)((pte & PTE_PFN_MASK) >> MMF_PAGE_SHIFT); }

/* Swap entries in a non-present pte, as x86-64 encodes them: the type in
 * the top 5 bits, the offset inverted from bit 9 up (the L1TF mitigation:
 * a non-present pte's frame bits never name real memory). */
#define SWP_TYPE_BITS 5
#define SWP_OFFSET_SHIFT 14 /* first offset bit (9) + SWP_TYPE_BITS */
static inline uint64_t swp_entry_to_pte(unsigned type, uint64_t offset)
{
	return (~offset << SWP_OFFSET_SHIFT >> SWP_TYPE_BITS) | ((uint64_t)type << (64 - SWP_TYPE_BITS));
}
static inline unsigned pte_swp_type(uint64_t pte) { return (unsigned)(pte >> (64 - SWP_TYPE_BITS)); }
static inline uint64_t pte_swp_offset(uint64_t pte) { return ~pte << SWP_TYPE_BITS >> SWP_OFFSET_SHIFT; }

/* kpgtable.c: the kernel's page table (init_mm). */
#define MMF_PAGE_OFFSET_L4 0xffff888000000000ull /* __PAGE_OFFSET_BASE_L4 */
#define MMF_PAGE_OFFSET_L5 0xff11000000000000ull /* __PAGE_OFFSET_BASE_L5 */
#define MMF_FIXADDR_TOP 0xffffffffff7ff000ull   /* round_up(VSYSCALL_ADDR + PAGE_SIZE, PMD_SIZE) - PAGE_SIZE */
#define MMF_NR_FIXMAP 16
#define MMF_FIX_APIC_BASE 0
#define MMF_IOREMAP_VA 0xffffd90000000000ull /* in the vmalloc area, clear of the model's span */
#define MMF_IOREMAP_PA 0x4000000000ull       /* a device's aperture above memory */
#define MMF_IOREMAP_SIZE ((1ull << 30) + (2ull << 20) + (8ull << 10))
int mmf_kpt_init(struct mmf_machine *m);
void mmf_kpt_fini(struct mmf_machine *m);
void mmf_kpt_reset(struct mmf_machine *m);
uint64_t mmf_kpt_va(const struct mmf_machine *m, uint64_t pa); /* __va() */
uint64_t mmf_kpt_pa(const struct mmf_machine *m, uint64_t va); /* __pa() of a linear address */
uint64_t mmf_fix_to_virt(unsigned idx);
int mmf_kpt_set_fixmap(struct mmf_machine *m, unsigned idx, uint64_t pa);
void mmf_kpt_clear_fixmap(struct mmf_machine *m, unsigned idx);
/* Walks the kernel table: the physical address, the leaf's level (0 pte,
 * 1 PMD, 2 PUD) and its flag bits; -1 when nothing maps va. */
int mmf_kpt_translate(const struct mmf_machine *m, uint64_t va, uint64_t *pa, unsigned *level, uint64_t *flags);
/* vmalloc's mappings: one page at va (-1: no memory for a table), gone
 * again, and the frame a 4 KiB pte maps at va (MMF_NIL for none).
 * A range goes one pte at a time, as vmap_pte_range() walks a pte table,
 * not the whole tree, per page: the cursor keeps the last pte table, so a
 * run of pages costs one walk per 2 MiB. Start each run with a zeroed
 * cursor; it holds while no table is freed (only reset frees them). */
struct mmf_kpt_cursor {
	uint64_t tag;	/* va >> 21 of the table below */
	uint64_t *ptes; /* NULL: none yet, or none there */
};
int mmf_kpt_vmap(struct mmf_machine *m, struct mmf_kpt_cursor *c, uint64_t va, uint32_t pfn);
void mmf_kpt_vunmap(struct mmf_machine *m, struct mmf_kpt_cursor *c, uint64_t va);
uint32_t mmf_kpt_lookup(const struct mmf_machine *m, uint64_t va);
uint32_t mmf_kpt_lookup_at(const struct mmf_machine *m, struct mmf_kpt_cursor *c, uint64_t va);
/* The first address in [start, end) whose pte (a 4 KiB leaf) is present,
 * its frame in *pfn; end when none is. Skips whole tables that are absent,
 * so its cost is what is mapped, not the range's length. */
uint64_t mmf_kpt_first_mapped(const struct mmf_machine *m, uint64_t start, uint64_t end, uint32_t *pfn);
/* Tables from the buddy below the kernel's pgd are page-table pages and
 * as many as were allocated; the linear map translates both ways. */
int mmf_kpt_is_valid(const struct mmf_machine *m, uint32_t *runtime_tables, char *msg, size_t cap);

/* oom.c. out_of_memory(): 1 when a victim was killed (or will die when
 * the current op ends), 0 when there is none. The op-end hook kills a
 * deferred victim. */
int mmf_out_of_memory(struct mmf_machine *m, uint32_t gfp, unsigned order);
int mmf_oom_victim_is_current(const struct mmf_machine *m);
void mmf_oom_op_end(struct mmf_machine *m);
int mmf_report_oom(const struct mmf_machine *m, char *buf, size_t cap);

/* fork.c: a new process in slot child (EEXIST when it is in use), and
 * exit, which frees the slot. */
int mmf_as_fork(struct mmf_machine *m, unsigned parent, unsigned child, int *err);
int mmf_as_exit(struct mmf_machine *m, unsigned proc, int *err);

/* Files and the PFN device (vma.c, fault.c). mmap_file maps file from
 * page pgoff (flags as for mmap); mmap_pfn maps the device's buffer from
 * page pgoff, shared mappings only (EINVAL otherwise, or past the
 * buffer). ftruncate sets a file's size in pages: pages past the new end
 * leave the page cache and every mapping, copy-on-write copies too. */
int mmf_as_mmap_file(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
		     unsigned file, uint64_t pgoff, uint64_t *out, int *err);
int mmf_as_mmap_pfn(struct mmf_machine *m, unsigned proc, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
		    uint64_t pgoff, uint64_t *out, int *err);
int mmf_as_ftruncate(struct mmf_machine *m, unsigned file, uint64_t npages, int *err);
/* /proc/PID/clear_refs: 1 all, 2 anonymous, 3 file-mapped referenced
 * bits; 4 soft-dirty; 5 peak RSS; else EINVAL. */
int mmf_as_clear_refs(struct mmf_machine *m, unsigned proc, unsigned value, int *err);

/* The syscall-like ops (ops.def's as_call rows), each in the file of its
 * mechanism (mm/ has one per syscall): Linux's errno in *err on -1;
 * what the call reads back as text into o. */
struct mmf_out;
#define MMF_OP(...)
#define MMF_AS_OP(NAME, name, ...)                                                                                 \
	int mmf_as_##name(struct mmf_machine *m, const struct mmf_as_call *c, struct mmf_out *o, int *err);
#include "mmfuzz/ops.def"
#undef MMF_AS_OP
#undef MMF_OP
/* Runs one (as_call.c): 0, -1 with *err, or -2 for a code that is none. */
int mmf_as_call(struct mmf_machine *m, const struct mmf_as_call *c, char *buf, size_t cap, size_t *len, int *err);

/* mlock.c. __mm_populate(): the pages of [start, start + len) faulted in
 * as GUP does, VMA by VMA; 0, or the first error (-EFAULT, -ENOMEM)
 * unless ignore_errors. populate_vma_page_range() inside VMA v, errors
 * ignored. mlock_future_ok(): may len more bytes of flags be locked? */
int mmf_mm_populate(struct mmf_machine *m, unsigned proc, uint64_t start, uint64_t len, int ignore_errors);
void mmf_vma_populate(struct mmf_machine *m, unsigned proc, const struct mmf_vma *v, uint64_t start, uint64_t end);
int mmf_mlock_future_ok(const struct mmf_machine *m, const struct mmf_mm *mm, uint32_t flags, uint64_t len);
/* meminfo's Mlocked, in user pages: those a pte of a VM_LOCKED VMA maps. */
uint64_t mmf_mlocked_pages(const struct mmf_machine *m);

/* Internal to the address-space files. */
struct mmf_out;
void mmf_as_maps_line(struct mmf_out *o, const struct mmf_machine *m, const struct mmf_mm *mm, const struct mmf_vma *v);
struct mmf_mm *mmf_as_mm(struct mmf_machine *m, unsigned proc);
int mmf_vma_append(struct mmf_mm *mm, const struct mmf_vma *v);
struct mmf_vma *mmf_vma_find(struct mmf_mm *mm, uint64_t addr);
/* find_vma(): the index of the first VMA ending above addr (nr if none). */
uint32_t mmf_vma_index(const struct mmf_mm *mm, uint64_t addr);
/* vma_modify_flags(): [start, end) of VMA i takes newflags, merging with a
 * neighbour where Linux would, else splitting. 0, or -1 out of memory. */
int mmf_vma_modify_flags(struct mmf_machine *m, struct mmf_mm *mm, uint32_t i, uint64_t start, uint64_t end,
			 uint32_t newflags);
int mmf_mm_setup(struct mmf_machine *m, struct mmf_mm *mm);
void mmf_mm_teardown(struct mmf_machine *m, struct mmf_mm *mm);

/* hugetlb.c (see hugetlb.h). A fault in hugetlb VMA v: 0 with *fault
 * (0 or SIGBUS) and the frame of addr's 4 KiB in *pfn, or -1 out of
 * memory for a table. A VMA's close gives back what its owner holds and,
 * with the object's last user, its page cache. */
int mmf_hugetlb_fault(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t addr, int write,
		      uint32_t *pfn, int *fault);
void mmf_hugetlb_obj_get(struct mmf_machine *m, uint32_t id);
void mmf_hugetlb_vma_close(struct mmf_machine *m, const struct mmf_vma *v);
void mmf_hugetlb_zap_pmd(struct mmf_machine *m, const struct mmf_vma *v, uint64_t *pmd, uint64_t addr);
int mmf_hugetlb_copy(struct mmf_machine *m, struct mmf_mm *src, struct mmf_mm *dst, const struct mmf_vma *v);
void mmf_hugetlb_change_protection(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end,
				   uint32_t flags);
uint64_t *mmf_hugetlb_leaf(const struct mmf_machine *m, const struct mmf_mm *mm, uint64_t addr);
int mmf_hugetlb_incore(struct mmf_machine *m, struct mmf_mm *mm, const struct mmf_vma *v, uint64_t addr);
void mmf_hugetlb_smaps(const struct mmf_machine *m, const struct mmf_mm *mm, const struct mmf_vma *v, uint64_t *shared,
		       uint64_t *private);
void mmf_hugetlb_unmap(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end);
void mmf_hugetlb_punch(struct mmf_machine *m, const struct mmf_vma *v, uint64_t start, uint64_t end);
void mmf_hugetlb_meminfo(const struct mmf_machine *m, struct mmf_out *o);
void mmf_hugetlb_vmstat(const struct mmf_machine *m, struct mmf_out *o);
void mmf_hugetlb_reset(struct mmf_machine *m);
/* huge_memory.c: transparent huge pages of private anonymous memory. A
 * PMD mapping a THP is a pte table under a PMD entry marked PMD_THP. The
 * PMD entry at addr when it maps one, else NULL. A fault: 1 mapped a huge
 * PMD, 0 the pte fault goes on, -1 out of memory. A write fault on a
 * read-only pte under a huge PMD: 1 handled (reused, or a THP for the huge
 * zero page), 0 split, the pte fault copies. Every address-space op ends
 * with settle (splits, emptied PMDs, the shared accessed bit). */
uint64_t *mmf_thp_pmd(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr);
int mmf_thp_vma_allowable(const struct mmf_machine *m, const struct mmf_vma *v, int sysfs, int in_pf);
int mmf_thp_fault(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t addr, int write);
int mmf_thp_wp(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t addr);
void mmf_thp_touch(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr, int write);
void mmf_thp_settle(struct mmf_machine *m);
int mmf_thp_copy(struct mmf_machine *m, struct mmf_mm *src, struct mmf_mm *dst, const struct mmf_vma *v);
/* mremap's move of a whole huge PMD to an aligned place (move_huge_pmd()):
 * 1 moved, 0 the ptes move one by one. */
int mmf_thp_move_pmd(struct mmf_machine *m, struct mmf_mm *mm, uint64_t old, uint64_t new_addr);
/* MADV_COLLAPSE of [start, end) inside v: 0 or -errno. */
int mmf_thp_collapse(struct mmf_machine *m, unsigned proc, struct mmf_mm *mm, struct mmf_vma *v, uint64_t start,
		     uint64_t end);
/* MADV_FREE, COLD, PAGEOUT of [start, end): the exclusive THP folios it
 * covers in part split first; the shared ones left alone, their pages
 * then skipped (mmf_thp_lru_skip()). */
void mmf_thp_lru_prep(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end);
int mmf_thp_lru_skip(const struct mmf_machine *m, uint32_t pfn);
/* __wp_can_reuse_large_anon_folio(): may a write fault of mm reuse the
 * page pfn of a THP folio mapped by ptes? */
int mmf_thp_can_reuse(struct mmf_machine *m, struct mmf_mm *mm, uint32_t pfn);
/* Does the THP folio of page pfn lie whole inside locked VMAs (mlock)? */
int mmf_thp_locked_whole(const struct mmf_machine *m, uint32_t pfn);
uint64_t mmf_thp_smaps_anon(struct mmf_machine *m, struct mmf_mm *mm, const struct mmf_vma *v);
void mmf_thp_meminfo(const struct mmf_machine *m, struct mmf_out *o);
void mmf_thp_vmstat(const struct mmf_machine *m, struct mmf_out *o);
void mmf_thp_reset(struct mmf_machine *m);
int mmf_thp_pmd_is_valid(const struct mmf_machine *m, const struct mmf_mm *mm, uint64_t pmd, uint64_t addr, char *msg,
			 size_t cap);
/* The PMD entry for addr (NULL where an upper table is absent), and the
 * pte table under one freed, the entry cleared. */
uint64_t *mmf_pmd_entry(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr);
void mmf_pmd_free_table(struct mmf_machine *m, struct mmf_mm *mm, uint64_t *pmd);
uint64_t *mmf_pmd_alloc(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr); /* the tables above made */
/* CONFIG_PT_RECLAIM: the empty pte tables whose whole span lies in
 * [start, end) freed (MADV_DONTNEED). */
void mmf_reclaim_pt(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end);
void mmf_anon_vma_prepare(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v);
int mmf_hugetlb_is_valid(const struct mmf_machine *m, const uint32_t *refs, char *msg, size_t cap);
/* get_unmapped_area() for a mapping aligned to align (top down), 0 if none. */
uint64_t mmf_vma_topdown_aligned(const struct mmf_mm *mm, uint64_t len, uint64_t align);

/* pgtable.c */
unsigned mmf_pt_levels(const struct mmf_machine *m);
/* The level-1 (PMD) entry for addr, making the upper tables on the way
 * when alloc is set: empty, a huge leaf (PTE_PS), or a pte table's. */
uint64_t *mmf_pmd_lookup(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr, int alloc);
int mmf_pgd_alloc(struct mmf_machine *m, struct mmf_mm *mm);
/* The pte for addr, making the tables on the way when alloc is set; NULL
 * when a table is absent (or there is no memory for it). */
uint64_t *mmf_pte_lookup(struct mmf_machine *m, struct mmf_mm *mm, uint64_t addr, int alloc);
void mmf_pte_release(struct mmf_machine *m, uint64_t pte);
int mmf_vma_has_recency(const struct mmf_machine *m, const struct mmf_vma *v);
/* folio_mark_accessed(): referenced, then active (the LRU's two steps); a
 * page a locked VMA maps is unevictable, and stays as it is. */
void mmf_page_mark_accessed(struct mmf_machine *m, uint32_t pfn);
/* One page faulted in as GUP does for MAP_POPULATE and MADV_POPULATE_*:
 * the fault (its pte young: x86's base protections carry the accessed
 * bit), then FOLL_TOUCH marks the page accessed. 0, or the fault's signal,
 * or -1 out of memory. */
int mmf_as_gup_touch(struct mmf_machine *m, unsigned proc, uint64_t addr, int write);
void mmf_user_page_put(struct mmf_machine *m, uint32_t pfn);
void mmf_unmap_range(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end);
void mmf_free_pgd_range(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end, uint64_t floor,
			uint64_t ceiling);
void mmf_pgd_free(struct mmf_machine *m, struct mmf_mm *mm);
/* Walks the tables under pfn (a level-`level` table mapping from base):
 * counts table pages, adds pte references per frame into refs, and checks
 * every mapped pte lies in a VMA of mm. */
int mmf_pgtable_walk(const struct mmf_machine *m, const struct mmf_mm *mm, uint32_t pfn, unsigned level,
		     uint64_t base, uint32_t *tables, uint32_t *refs, char *msg, size_t cap);

/* fault.c */
uint32_t mmf_anon_page_alloc(struct mmf_machine *m);
/* A new shmem object of size pages; file is the file's index, or -1 for
 * shared anonymous memory. Its users count starts at 0. */
uint32_t mmf_shmem_create(struct mmf_machine *m, uint64_t size, int file);
/* The file index of a shmem object (-1: shared anonymous memory). */
int mmf_shmem_file(const struct mmf_machine *m, uint32_t id);
/* A file's shmem object, made empty and held open at its first use. */
uint32_t mmf_file_object(struct mmf_machine *m, unsigned file);
void mmf_shmem_punch(struct mmf_machine *m, uint32_t id, uint64_t from, uint64_t to);
/* anon_vma bookkeeping: a new anon_vma (child of parent, 0 for a root). */
uint32_t mmf_anon_vma_new(struct mmf_machine *m, uint32_t parent);
/* rmap_walk(): how many ptes the page's reverse mapping finds mapping it
 * (anon_vma chains for anonymous pages, the file's mappings for page-cache
 * pages); with o, "process address" lines for each. */
struct mmf_out;
unsigned mmf_rmap_walk(const struct mmf_machine *m, uint32_t pfn, struct mmf_out *o);
/* The same walk, calling fn for each pte that maps pfn (which fn may
 * change); a 0 from fn stops it. How many ptes it visited. */
typedef int (*mmf_rmap_fn)(struct mmf_machine *m, struct mmf_mm *mm, struct mmf_vma *v, uint64_t addr, uint64_t *pte,
			   void *arg);
unsigned mmf_rmap_each(struct mmf_machine *m, uint32_t pfn, mmf_rmap_fn fn, void *arg);
void mmf_shmem_get(struct mmf_machine *m, uint32_t id);
void mmf_shmem_put(struct mmf_machine *m, uint32_t id);
void mmf_shmem_reset(struct mmf_machine *m);
void mmf_shmem_fini(struct mmf_machine *m);
/* The shmem object's page-cache references per frame, into refs. */
void mmf_shmem_refs(const struct mmf_machine *m, uint32_t *refs);
/* shmem_get_folio(): the page at pgoff, allocated zeroed in a hole;
 * MMF_NIL out of memory. The object's size in pages (i_size). */
uint32_t mmf_shmem_page(struct mmf_machine *m, uint32_t id, uint64_t pgoff);
uint64_t mmf_shmem_size(struct mmf_machine *m, uint32_t id);
/* find_get_page(): the page at pgoff if the page cache has it, else
 * MMF_NIL. */
uint32_t mmf_shmem_find(const struct mmf_machine *m, uint32_t id, uint64_t pgoff);
/* madvise_free_pte_range(): the range's anonymous pages mapped only here
 * become clean and lazily freeable. */
void mmf_as_lazyfree(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end);
/* lru_add_drain(): the lazy-free batch moves to the LRU (lru_lazyfree:
 * referenced and active bits cleared), then the mlock batch (a page a
 * locked VMA maps goes to the unevictable list, losing its active bit;
 * one no longer locked leaves it). Linux drains at the start of each VMA
 * of MADV_FREE, MADV_COLD and MADV_PAGEOUT, in mlock and munlock, and
 * when a zap frees pages (free_pages_and_swap_cache). */
void mmf_lru_drain(struct mmf_machine *m);
/* mlock_folio()/munlock_folio() for every page [start, end) of mm maps:
 * into the mlock batch (mlock_vma_pages_range()'s walk). */
void mmf_mlock_range(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end);
/* munlock_vma_folio() for a pte of a locked VMA going: the page into the
 * mlock batch, which takes it off the unevictable list when it moves if
 * no locked VMA maps it then. (A pte of an unlocked VMA going leaves the
 * page as it is, as in Linux: MREMAP_DONTUNMAP clears the old VMA's
 * VM_LOCKED without a walk, so the pages left there stay unevictable.) */
void mmf_munlock_page(struct mmf_machine *m, uint32_t pfn);
/* The ptes of locked VMAs that map pfn. */
unsigned mmf_rmap_walk_locked(const struct mmf_machine *m, uint32_t pfn);
/* (The reference adapter also drains after every address-space op, as
 * the Linux agents do: a comparison with a real kernel is made at a
 * quiescent CPU.) */
/* MADV_PAGEOUT, for the pages this mm alone maps: reclaim_pages()
 * (vmscan.c) whatever their references. Without swap, shmem pages are
 * unmapped (dirty ones stay in the page cache), clean MADV_FREE'd
 * anonymous ones dropped (a read then finds the zero page), and other
 * anonymous pages stay; with swap they are written out. */
void mmf_as_pageout(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end);
/* MADV_COLD: the accessed bit of each pte whose page this mm alone maps. */
void mmf_as_cold(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end);
/* MADV_REMOVE: a hole punched in shmem object id over [from, to) (pages):
 * every pte mapping those page-cache pages goes (private copies stay),
 * then the pages. */
void mmf_shmem_remove(struct mmf_machine *m, uint32_t id, uint64_t from, uint64_t to);
/* /proc/PID/smaps, and /proc/PID/pagemap as text (smaps.c). */
int mmf_as_report_smaps(const struct mmf_machine *m, unsigned proc, char *buf, size_t cap);
int mmf_as_report_pagemap(const struct mmf_machine *m, unsigned proc, char *buf, size_t cap);
/* Who maps the frame behind proc's page at addr: "process address" lines. */
int mmf_as_report_rmap(const struct mmf_machine *m, unsigned proc, uint64_t addr, char *buf, size_t cap);
/* change_protection() for mprotect over [start, end) with the VMA's new flags. */
void mmf_as_change_protection(struct mmf_machine *m, struct mmf_mm *mm, uint64_t start, uint64_t end, uint32_t flags);

#endif
