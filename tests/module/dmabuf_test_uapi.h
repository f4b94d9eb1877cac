/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ioctl ABI of the dmabuf-audit test exporter (dmabuf_test_exporter.ko),
 * shared by the module and tests/trigger/dmabuf-trigger.c.
 *
 * Device: /dev/dmabuf_test (misc device).
 */
#ifndef _DMABUF_TEST_UAPI_H
#define _DMABUF_TEST_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define DMABUF_TEST_DEVNAME	"dmabuf_test"

/* Behaviour of the exported dma-buf's mmap (exp_name in parentheses). */
enum dmabuf_test_mode {
	/* vm_insert_page of every page in ->mmap ("test_insert_page") */
	DMABUF_TEST_MODE_INSERT_PAGE	= 1,
	/* fault handler: get_page + vmf->page, return 0 ("test_fault_page") */
	DMABUF_TEST_MODE_FAULT_PAGE	= 2,
	/* VM_MIXEDMAP, fault handler vm_insert_page ("test_mixedmap") */
	DMABUF_TEST_MODE_MIXEDMAP	= 3,
	/*
	 * compliant: one remap_pfn_range of the whole vma in ->mmap, the buffer
	 * one physically contiguous block ("test_remap_pfn")
	 */
	DMABUF_TEST_MODE_REMAP_PFN	= 4,
	/* compliant: VM_PFNMAP, fault handler vmf_insert_pfn ("test_insert_pfn") */
	DMABUF_TEST_MODE_INSERT_PFN	= 5,
	/*
	 * ->mmap replaces vma->vm_file with the buffer's own shmem file and maps
	 * that (as i915 does for shmem objects): struct pages, and the vma no
	 * longer looks like a dma-buf mapping ("test_swap_file")
	 */
	DMABUF_TEST_MODE_SWAP_FILE	= 6,
	/*
	 * one batched vm_insert_pages() of every page in ->mmap, no VM_PFNMAP
	 * ("test_insert_pages")
	 */
	DMABUF_TEST_MODE_INSERT_PAGES	= 7,
	/*
	 * compliant where the kernel allows: VM_PFNMAP, 2 MiB PMD entries of
	 * physically contiguous, 2 MiB aligned blocks (vmf_insert_pfn_pmd; the
	 * kernel marks them pmd_special from 6.12, before there is no such bit)
	 * ("test_huge_pfn")
	 */
	DMABUF_TEST_MODE_HUGE_PFN	= 8,
	/*
	 * 2 MiB PMD entries without the special bit: a large folio with
	 * vmf_insert_folio_pmd on a vma without VM_PFNMAP (6.15+), else a devmap
	 * pfn (pmd_mkdevmap) on a VM_PFNMAP vma ("test_huge_page")
	 */
	DMABUF_TEST_MODE_HUGE_PAGE	= 9,
};

/* The highest mode DMABUF_TEST_CREATE accepts. */
#define DMABUF_TEST_MODE_MAX	DMABUF_TEST_MODE_HUGE_PAGE

#define DMABUF_TEST_MAX_PAGES	1024

/*
 * The huge modes map whole PMDs: their page count must be a multiple of
 * the pages one PMD maps (512 with 4 KiB pages), else DMABUF_TEST_CREATE
 * fails with EINVAL; without transparent huge pages (no
 * /sys/kernel/mm/transparent_hugepage) with EOPNOTSUPP. Their mmap needs a
 * 2 MiB aligned address and offset for PMD entries: elsewhere a fault maps
 * a special pte, but huge_page's folios (6.15+) are mapped whole or SIGBUS.
 */

/*
 * DMABUF_TEST_CREATE: create a dma-buf of @pages pages behaving as @mode.
 * On success @fd is the new dma-buf fd (O_RDWR | O_CLOEXEC).
 * @pad must be zero.
 */
struct dmabuf_test_create {
	__u32 mode;
	__u32 pages;
	__s32 fd;
	__u32 pad;
};

/*
 * DMABUF_TEST_IMPORT: remember the dma-buf @fd in this open file of
 * /dev/dmabuf_test, attached to the device (dma_buf_attach) and held until
 * the file is closed, also after userspace closes @fd; a later mmap() of
 * that file forwards to dma_buf_mmap(dmabuf, vma, 0). @pad must be zero.
 */
struct dmabuf_test_import {
	__s32 fd;
	__u32 pad;
};

/*
 * DMABUF_TEST_PFN_LOOKUP: resolve the pfn behind user address @addr of the
 * calling process the way KVM and VFIO do (follow_pfnmap_start from 6.12,
 * follow_pte before), under its mmap lock. @ret is the lookup's result (0 or
 * a negative errno; the ioctl itself succeeds), @pfn the pfn found. @pad must
 * be zero.
 */
struct dmabuf_test_pfn_lookup {
	__u64 addr;
	__u64 pfn;
	__s32 ret;
	__u32 pad;
};

/*
 * DMABUF_TEST_HUGE_INFO: the ground truth of a huge-mode buffer (@fd, a
 * dma-buf fd of DMABUF_TEST_MODE_HUGE_PFN or _HUGE_PAGE; EINVAL for any
 * other): @entries PMD entries the module installed in its mappings since
 * it was created, @special how many of them the kernel gave the special bit
 * (read back from the page table after the insert), @kernel_has_special 1
 * when this kernel has a special bit for PMD entries at all
 * (CONFIG_ARCH_SUPPORTS_PMD_PFNMAP, 6.12+), @via_huge_fault and @via_fault
 * how many entries ->huge_fault and ->fault installed, @vma_pfnmap 1 when
 * the mode's vmas are VM_PFNMAP. @pad must be zero.
 */
struct dmabuf_test_huge_info {
	__s32 fd;
	__u32 entries;
	__u32 special;
	__u32 kernel_has_special;
	__u32 via_huge_fault;
	__u32 via_fault;
	__u32 vma_pfnmap;
	__u32 pad;
};

#define DMABUF_TEST_IOC_MAGIC	0xDB
#define DMABUF_TEST_CREATE	_IOWR(DMABUF_TEST_IOC_MAGIC, 0x01, struct dmabuf_test_create)
#define DMABUF_TEST_IMPORT	_IOW(DMABUF_TEST_IOC_MAGIC, 0x02, struct dmabuf_test_import)
#define DMABUF_TEST_PFN_LOOKUP	_IOWR(DMABUF_TEST_IOC_MAGIC, 0x03, struct dmabuf_test_pfn_lookup)
#define DMABUF_TEST_HUGE_INFO	_IOWR(DMABUF_TEST_IOC_MAGIC, 0x04, struct dmabuf_test_huge_info)

#endif /* _DMABUF_TEST_UAPI_H */
