/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between the BPF programs (bpf/dmabuf_audit.bpf.c) and user space:
 * the ring-buffer event layout, finding kinds, hook ids and counter slots.
 * Plain fixed-width types only, explicit padding, sizes asserted.
 */
#ifndef DMABUF_AUDIT_H
#define DMABUF_AUDIT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* include/uapi/linux/magic.h: s_magic of the dmabuf pseudo-fs superblock */
#define DA_DMA_BUF_MAGIC 0x444d4142u

/* include/linux/mm.h (64-bit): the same bits from 5.10 to 6.18 */
#define DA_VM_READ	 0x00000001ull
#define DA_VM_WRITE	 0x00000002ull
#define DA_VM_EXEC	 0x00000004ull
#define DA_VM_SHARED	 0x00000008ull
#define DA_VM_MAYREAD	 0x00000010ull
#define DA_VM_MAYWRITE	 0x00000020ull
#define DA_VM_MAYEXEC	 0x00000040ull
#define DA_VM_MAYSHARE	 0x00000080ull
#define DA_VM_PFNMAP	 0x00000400ull
#define DA_VM_IO	 0x00004000ull
#define DA_VM_DONTEXPAND 0x00040000ull
#define DA_VM_DONTDUMP	 0x04000000ull
#define DA_VM_SOFTDIRTY	 0x08000000ull
#define DA_VM_MIXEDMAP	 0x10000000ull

/*
 * pte bits, per architecture (read from the 6.1 and 6.12 kernel headers;
 * the same values in 5.10 and 6.18):
 *   x86_64 arch/x86/include/asm/pgtable_types.h: _PAGE_BIT_PRESENT 0,
 *          _PAGE_BIT_SPECIAL = _PAGE_BIT_SOFTW1 = 9
 *   arm64  arch/arm64/include/asm/pgtable-hwdef.h PTE_VALID bit 0,
 *          arch/arm64/include/asm/pgtable-prot.h PTE_SPECIAL bit 56
 */
#define DA_X86_PTE_PRESENT   (1ull << 0)
#define DA_X86_PTE_SPECIAL   (1ull << 9)
#define DA_ARM64_PTE_VALID   (1ull << 0)
#define DA_ARM64_PTE_SPECIAL (1ull << 56)
/*
 * A pmd/pud that maps memory itself (a huge entry), not a table: x86 _PAGE_PSE
 * (bit 7); arm64 a block descriptor, bits 1:0 = PMD_TYPE_SECT (1) against
 * PMD_TYPE_TABLE (3). The special bit of huge entries is the pte's (6.12+:
 * pmd_special/pud_special on both architectures).
 */
#define DA_X86_PMD_HUGE	       (1ull << 7)
#define DA_ARM64_PMD_TYPE_MASK 3ull
#define DA_ARM64_PMD_TYPE_SECT 1ull

#define DA_COMM_LEN	16
#define DA_EXPORTER_LEN 32
#define DA_BUF_NAME_LEN 32 /* DMA_BUF_NAME_LEN */
#define DA_MODULE_LEN	56 /* MODULE_NAME_LEN on 64-bit */
#define DA_STACK_DEPTH	20

/* What was found. Values are part of the event ABI: append only. */
enum da_kind {
	DA_KIND_NONE = 0,		   /* scan record of a compliant mapping */
	DA_KIND_MMAP_WITHOUT_PFNMAP = 1,   /* violation */
	DA_KIND_GUP_ON_DMABUF = 2,	   /* violation */
	DA_KIND_PAGE_INSERT_ON_DMABUF = 3, /* violation */
	DA_KIND_GUP_BLOCKED = 4,	   /* warning */
	DA_KIND_GUP_FAST_ON_DMABUF = 5,	   /* violation */
	DA_KIND_PTE_NOT_SPECIAL = 6,	   /* violation */
	DA_KIND_KERNEL_PFN_LOOKUP = 7,	   /* warning */
	DA_KIND_HUGE_NOT_SPECIAL = 8,	   /* violation: huge entry without its special bit */
	DA_KIND_HUGE_ENTRY = 9,		   /* warning: huge entry where the kernel has no such bit */
	DA_KIND_MAX,
};

/* da_event.ret of an mmap_without_pfnmap whose vma->vm_file is not the dma-buf's */
#define DA_MMAP_VM_FILE_SWAPPED 1

/* da_event.ret of the huge kinds: the level of the entry installed */
#define DA_HUGE_PMD 1
#define DA_HUGE_PUD 2

/* Which kernel function (or the scan) produced the event. Append only. */
enum da_hook {
	DA_HOOK_MMAP = 0,	  /* dma_buf_mmap_internal: mmap() of a dma-buf fd */
	DA_HOOK_MMAP_IMPORT = 1,  /* dma_buf_mmap: importer forwards its mmap */
	DA_HOOK_GUP_SLOW = 2,	  /* check_vma_flags (5.10: follow_page_mask): GUP slow path */
	DA_HOOK_INSERT_PAGE = 3,  /* vm_insert_page */
	DA_HOOK_INSERT_PAGES = 4, /* vm_insert_pages */
	DA_HOOK_GUP_FAST = 5,	  /* gup_fast_fallback / internal_get_user_pages_fast */
	DA_HOOK_PTE_INSTALL = 6,  /* finish_fault: pte installed for a ->fault page */
	DA_HOOK_SCAN = 7,	  /* task_vma iterator (before 5.12: /proc): existing mappings */
	DA_HOOK_VMA_DUP = 8,	  /* vm_area_dup: split/fork/mremap of a tracked vma */
	DA_HOOK_VMA_FREE = 9,	  /* vm_area_free / __vm_area_free: a tracked vma goes away */
	DA_HOOK_PFN_LOOKUP = 10,  /* follow_pfnmap_start / follow_pte: kernel code reads a pfn */
	DA_HOOK_HUGE_INSERT = 11, /* vmf_insert_pfn_pmd/_pud, vmf_insert_folio_pmd/_pud: a huge entry */
	DA_HOOK_MAX,
};

/*
 * Counter slots of the BPF side's .bss array counters[] (user space reads it
 * through its mapping). Findings are counted in BPF before de-duplication and
 * before bpf_ringbuf_output(), so totals stay exact when the ring buffer is
 * full or repeats are only counted in the dedup map.
 */
enum da_counter {
	/* slots 1..DA_KIND_MAX-1: findings per enum da_kind */
	DA_CTR_RINGBUF_LOST = DA_KIND_MAX, /* ring buffer full: event not sent */
	DA_CTR_DEDUP_FULL,		   /* dedup map refused an entry: sent anyway */
	DA_CTR_GUP_FAST_UNVERIFIED,	   /* GUP-fast calls whose vma was not found: lookup refused, walk cut */
	DA_CTR_PFN_LOOKUP_UNVERIFIED,	   /* follow_pte calls whose vma was not found (another mm, lock busy) */
	DA_CTR_OUTSIDE_TREE,		   /* run: findings of processes outside the command's cgroup */
	DA_CTR_HOOK_BASE,		   /* + enum da_hook: dma-buf calls seen per hook */
	DA_CTR_LOST_FULL = DA_CTR_HOOK_BASE + DA_HOOK_MAX, /* lost map full: not by exporter */
	DA_CTR_MAX,
};

/*
 * One finding's first occurrence (live hooks), or one dma-buf vma (scan).
 * Repeats of (kind, pid, inode, vm_start) are only counted in the dedup
 * map: struct da_dedup_key / value below.
 */
struct da_event {
	__u32 kind; /* enum da_kind */
	__u32 hook; /* enum da_hook */
	__u32 pid;  /* tgid */
	__u32 tid;
	__u32 uid;	 /* real uid of the process */
	__u32 stack_len; /* valid entries in stack[] */
	__u64 cgroup_id; /* cgroup v2 id of the process */
	__u64 inode;	 /* dma-buf inode number, as in /proc/PID/fdinfo "ino:" */
	__u64 size;	 /* dma_buf->size */
	__u64 vm_start;
	__u64 vm_end;
	__u64 vm_flags;
	__u64 addr;	 /* GUP start / faulting / inserted address, 0 when none */
	__u64 gup_flags; /* raw FOLL_* bits for GUP kinds, else 0 */
	__u64 mmap_op;	 /* dma_buf->ops->mmap (kernel address, symbolized by user space) */
	__u64 pte;	 /* pte value read back (pte_not_special from finish_fault), the
			  * pmd/pud entry of the huge kinds, else 0 */
	__s32 ret;	 /* hooked function's return (GUP-fast: pages taken), 0 for scans;
			  * mmap_without_pfnmap: DA_MMAP_VM_FILE_SWAPPED when the exporter's
			  * mmap left another file in vma->vm_file; huge kinds: DA_HUGE_PMD
			  * or DA_HUGE_PUD */
	__u32 count;	 /* occurrences counted with this event (a batch: inserts of one call) */
	char comm[DA_COMM_LEN];
	char exporter[DA_EXPORTER_LEN]; /* dma_buf->exp_name */
	char buf_name[DA_BUF_NAME_LEN]; /* dma_buf->name (DMA_BUF_SET_NAME) */
	char module[DA_MODULE_LEN];	/* dma_buf->owner->name, "" for built-in */
	__u64 stack[DA_STACK_DEPTH];	/* kernel stack of the offending call */
};

_Static_assert(sizeof(struct da_event) == 408, "da_event layout is ABI");

struct da_dedup_key {
	__u32 kind;
	__u32 pid;
	__u64 inode;
	__u64 vm_start;
};

_Static_assert(sizeof(struct da_dedup_key) == 24, "da_dedup_key layout is ABI");

/* Value of the dedup map: occurrences, the first (sent as an event) included. */
struct da_dedup_val {
	__u64 count;
};

/* One entry of the dedup map as its iterator writes it (dump_dedup). */
struct da_dedup_rec {
	struct da_dedup_key key;
	__u64 count;
};

_Static_assert(sizeof(struct da_dedup_rec) == 32, "da_dedup_rec layout");

/*
 * Occurrences whose event the ring buffer had no room for (their dedup entry
 * is dropped, so that the next occurrence carries a full event), by what the
 * metrics need to count them: kind, exporter and the process name (the
 * suppression rules match it). The map's value is the count (__u64).
 */
struct da_lost_key {
	__u32 kind;
	__u32 __pad;
	char exporter[DA_EXPORTER_LEN];
	char comm[DA_COMM_LEN];
};

_Static_assert(sizeof(struct da_lost_key) == 8 + DA_EXPORTER_LEN + DA_COMM_LEN,
	       "da_lost_key layout");

/*
 * A vma made by a dma-buf mmap whose vm_file the exporter replaced (i915
 * maps its shmem file): what the dma-buf said at mmap time, keyed by the
 * vma's address, followed through vm_area_dup until vm_area_free.
 */
struct da_tracked {
	__u64 inode;
	__u64 size;
	__u64 mmap_op;
	char exporter[DA_EXPORTER_LEN];
	char buf_name[DA_BUF_NAME_LEN];
	char module[DA_MODULE_LEN];
};

_Static_assert(sizeof(struct da_tracked) == 144, "da_tracked layout");

/* Totals of one task_vma scan (the iterator's .bss, read by user space). */
struct da_scan_stats {
	__u64 tasks;
	__u64 vmas;
	__u64 dmabuf_vmas;
};

/*
 * The inventory (report --inventory): one record per dma-buf in the system
 * (iter/dmabuf, 6.16+) and one per open fd of a dma-buf (iter/task_file).
 */
#define DA_DEV_NAME_LEN 32

struct da_buf_rec {
	__u64 inode;
	__u64 size;
	__u64 mmap_op;	   /* dma_buf->ops->mmap */
	__u32 attachments; /* devices attached (dma_buf_attach) */
	__u32 __pad;
	char exporter[DA_EXPORTER_LEN];
	char buf_name[DA_BUF_NAME_LEN];
	char module[DA_MODULE_LEN];
	char device[DA_DEV_NAME_LEN]; /* the first attached device's name, "" if none */
};

_Static_assert(sizeof(struct da_buf_rec) == 32 + DA_EXPORTER_LEN + DA_BUF_NAME_LEN + DA_MODULE_LEN +
					       DA_DEV_NAME_LEN,
	       "da_buf_rec layout");

struct da_fd_rec {
	__u64 inode;
	__u32 pid; /* tgid */
	__u32 fd;
	char comm[DA_COMM_LEN];
};

_Static_assert(sizeof(struct da_fd_rec) == 16 + DA_COMM_LEN, "da_fd_rec layout");

#endif /* DMABUF_AUDIT_H */
