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

/* include/linux/mm.h: stable from 5.x to 6.18 (see REFERENCE.md §2) */
#define DA_VM_READ	 0x00000001ull
#define DA_VM_WRITE	 0x00000002ull
#define DA_VM_EXEC	 0x00000004ull
#define DA_VM_SHARED	 0x00000008ull
#define DA_VM_MAYSHARE	 0x00000080ull
#define DA_VM_PFNMAP	 0x00000400ull
#define DA_VM_IO	 0x00004000ull
#define DA_VM_DONTEXPAND 0x00040000ull
#define DA_VM_DONTDUMP	 0x04000000ull
#define DA_VM_MIXEDMAP	 0x10000000ull

#define DA_COMM_LEN	16
#define DA_EXPORTER_LEN 32

/* What was found. Values are part of the event ABI: append only. */
enum da_kind {
	DA_KIND_NONE = 0,
	DA_KIND_MMAP_WITHOUT_PFNMAP = 1,   /* violation */
	DA_KIND_GUP_ON_DMABUF = 2,	   /* violation */
	DA_KIND_PAGE_INSERT_ON_DMABUF = 3, /* violation */
	DA_KIND_GUP_BLOCKED = 4,	   /* warning */
	DA_KIND_MAX,
};

/* Which kernel function produced the event. Append only. */
enum da_hook {
	DA_HOOK_MMAP = 0,	  /* dma_buf_mmap_internal: mmap() of a dma-buf fd */
	DA_HOOK_MMAP_IMPORT = 1,  /* dma_buf_mmap: importer forwards its mmap */
	DA_HOOK_GUP_SLOW = 2,	  /* check_vma_flags: GUP slow path vma check */
	DA_HOOK_INSERT_PAGE = 3,  /* vm_insert_page */
	DA_HOOK_INSERT_PAGES = 4, /* vm_insert_pages */
	DA_HOOK_MAX,
};

/*
 * Per-CPU counter slots. Findings are counted in BPF before the ring buffer
 * reserve, so totals stay exact when the ring buffer is full.
 */
enum da_counter {
	/* slots 1..DA_KIND_MAX-1: findings per enum da_kind */
	DA_CTR_RINGBUF_LOST = DA_KIND_MAX, /* bpf_ringbuf_reserve failed */
	DA_CTR_HOOK_BASE,		   /* + enum da_hook: dma-buf calls seen per hook */
	DA_CTR_MAX = DA_CTR_HOOK_BASE + DA_HOOK_MAX,
};

struct da_event {
	__u32 kind; /* enum da_kind */
	__u32 hook; /* enum da_hook */
	__u32 pid;  /* tgid */
	__u32 tid;
	__u64 inode; /* dma-buf inode number, as in /proc/PID/fdinfo "ino:" */
	__u64 size;  /* dma_buf->size */
	__u64 vm_start;
	__u64 vm_end;
	__u64 vm_flags;
	__u64 addr;	 /* faulting/inserted address, 0 when the hook has none */
	__u64 gup_flags; /* raw FOLL_* bits for GUP kinds, else 0 */
	__s32 ret;	 /* return value of the hooked function */
	__u32 __pad;
	char comm[DA_COMM_LEN];
	char exporter[DA_EXPORTER_LEN]; /* dma_buf->exp_name */
};

_Static_assert(sizeof(struct da_event) == 128, "da_event layout is ABI");

#endif /* DMABUF_AUDIT_H */
