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
};

/* The highest mode DMABUF_TEST_CREATE accepts. */
#define DMABUF_TEST_MODE_MAX	DMABUF_TEST_MODE_INSERT_PAGES

#define DMABUF_TEST_MAX_PAGES	1024

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

#define DMABUF_TEST_IOC_MAGIC	0xDB
#define DMABUF_TEST_CREATE	_IOWR(DMABUF_TEST_IOC_MAGIC, 0x01, struct dmabuf_test_create)
#define DMABUF_TEST_IMPORT	_IOW(DMABUF_TEST_IOC_MAGIC, 0x02, struct dmabuf_test_import)
#define DMABUF_TEST_PFN_LOOKUP	_IOWR(DMABUF_TEST_IOC_MAGIC, 0x03, struct dmabuf_test_pfn_lookup)

#endif /* _DMABUF_TEST_UAPI_H */
