// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_test_exporter - test dma-buf exporter for dmabuf-audit.
 *
 * Exports dma-bufs whose mmap behaves in one of nine ways, six of them
 * violating the "every dma-buf mapping is VM_PFNMAP with special ptes" rule
 * (mode 9 with 2 MiB PMD entries) and three compliant ones where the kernel
 * allows (mode 8: PMD entries, special from 6.12), so that the auditor can
 * be checked against ground truth. See dmabuf_test_uapi.h for the ioctl ABI.
 *
 * NOT for production kernels: modes 1-3, 6, 7 and 9 deliberately hand out
 * refcounted struct pages (or entries GUP-fast may take) through a dma-buf
 * mapping.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/huge_mm.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#if __has_include(<linux/pfn_t.h>)
#include <linux/pfn_t.h>	/* gone with pfn_t (6.17): plain pfns since */
#define DTX_HAVE_PFN_T	1
#endif

#include "dmabuf_test_uapi.h"

/*
 * Ground truth for the page-insert count: pages inserted by vm_insert_page
 * (one per successful call) and vm_insert_pages (those it reports inserted).
 */
static atomic_long_t dtx_inserted = ATOMIC_LONG_INIT(0);

static int dtx_inserted_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%ld\n",
			 atomic_long_read(&dtx_inserted));
}

static const struct kernel_param_ops dtx_inserted_ops = {
	.get = dtx_inserted_get,
};

module_param_cb(inserted, &dtx_inserted_ops, NULL, 0444);
MODULE_PARM_DESC(inserted, "pages inserted by vm_insert_page(s) since load");

static const char *const dtx_exp_names[] = {
	[DMABUF_TEST_MODE_INSERT_PAGE]	= "test_insert_page",
	[DMABUF_TEST_MODE_FAULT_PAGE]	= "test_fault_page",
	[DMABUF_TEST_MODE_MIXEDMAP]	= "test_mixedmap",
	[DMABUF_TEST_MODE_REMAP_PFN]	= "test_remap_pfn",
	[DMABUF_TEST_MODE_INSERT_PFN]	= "test_insert_pfn",
	[DMABUF_TEST_MODE_SWAP_FILE]	= "test_swap_file",
	[DMABUF_TEST_MODE_INSERT_PAGES]	= "test_insert_pages",
	[DMABUF_TEST_MODE_HUGE_PFN]	= "test_huge_pfn",
	[DMABUF_TEST_MODE_HUGE_PAGE]	= "test_huge_page",
};

/*
 * Modes 8 and 9 map whole PMDs, which needs THP (the PMD leaf helpers are
 * only built with it). 6.15 added vmf_insert_folio_pmd: from there mode 9
 * maps a large folio (a refcounted, rmapped huge entry, never special);
 * before, a devmap pfn, the only huge entry without the special bit a
 * VM_PFNMAP vma can hold once 6.12 marks plain pfns special.
 */
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
#define DTX_HUGE		1
#define DTX_PMD_ORDER		(PMD_SHIFT - PAGE_SHIFT)
#define DTX_PMD_PAGES		(1UL << DTX_PMD_ORDER)
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
#define DTX_FOLIO_PMD		1
#endif
#endif

/* Ground truth of a huge-mode buffer (DMABUF_TEST_HUGE_INFO). */
struct dtx_huge_stats {
	atomic_t entries;		/* PMD entries installed */
	atomic_t special;		/* ... read back with pmd_special */
	atomic_t via_huge_fault;	/* ... by ->huge_fault */
	atomic_t via_fault;		/* ... by ->fault */
};

struct dtx_buffer {
	u32 mode;
	unsigned long npages;
	struct page **pages;
	struct file *shmem;	/* mode 6: what ->mmap really maps */
	struct page *block;	/* mode 4: pages[] are this one physically contiguous block */
	unsigned int order;
	/* modes 8, 9: pages[] are npages / DTX_PMD_PAGES blocks of one PMD each */
	struct page **huge;
	unsigned long nhuge;
	bool huge_folio;	/* mode 9 on 6.15+: huge[] are large folios */
	struct dtx_huge_stats stats;
};

/* One open file of /dev/dmabuf_test. */
struct dtx_file {
	struct mutex lock;		/* protects dmabuf, attach */
	struct dma_buf *dmabuf;		/* imported, or NULL */
	struct dma_buf_attachment *attach; /* this device attached to it */
};

static struct miscdevice dtx_misc;

/* Drops an imported buffer: detached, and the file's reference put. */
static void dtx_unimport(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	if (attach)
		dma_buf_detach(dmabuf, attach);
	if (dmabuf)
		dma_buf_put(dmabuf);
}

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
/* 5.10 keeps is_cow_mapping() private to mm/ (mm/internal.h) */
static inline bool is_cow_mapping(vm_flags_t flags)
{
	return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}
#endif

/*
 * 7.x: shmem files take vma_flags_t and may only offer ->mmap_prepare
 * (vfs_mmap bridges both); before, VM_* masks and ->mmap.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
#define DTX_SHMEM_FLAGS		mk_vma_flags(VMA_NORESERVE_BIT)
#define dtx_file_mmap(f, vma)	vfs_mmap(f, vma)
#else
#define DTX_SHMEM_FLAGS		VM_NORESERVE
#define dtx_file_mmap(f, vma)	((f)->f_op->mmap ? (f)->f_op->mmap(f, vma) : -ENODEV)
#endif

static void dtx_vma_flags_set(struct vm_area_struct *vma, unsigned long flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static bool dtx_mode_huge(u32 mode)
{
	return mode == DMABUF_TEST_MODE_HUGE_PFN || mode == DMABUF_TEST_MODE_HUGE_PAGE;
}

#ifdef DTX_HUGE
/*
 * One 2 MiB aligned, physically contiguous block per PMD (the buddy
 * allocator aligns an order-9 block to its size). Mode 9 on 6.15+ takes a
 * large rmappable folio (folio_alloc), which the core mm can map, rmap,
 * account and zap as a whole; the others a plain block that only pfns of
 * a VM_PFNMAP vma point at.
 */
static struct page *dtx_huge_block_alloc(struct dtx_buffer *buf)
{
	/* no allocation-failure splat: the trigger says ENOMEM */
	gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN;
#ifdef DTX_FOLIO_PMD
	if (buf->huge_folio) {
		struct folio *folio = folio_alloc(gfp, DTX_PMD_ORDER);

		return folio ? &folio->page : NULL;
	}
#endif
	return alloc_pages(gfp, DTX_PMD_ORDER);
}

static int dtx_huge_alloc(struct dtx_buffer *buf)
{
	unsigned long i, j;

	buf->nhuge = buf->npages / DTX_PMD_PAGES;
	buf->huge = kcalloc(buf->nhuge, sizeof(*buf->huge), GFP_KERNEL);
	if (!buf->huge)
		return -ENOMEM;
#ifdef DTX_FOLIO_PMD
	buf->huge_folio = buf->mode == DMABUF_TEST_MODE_HUGE_PAGE;
#endif
	for (i = 0; i < buf->nhuge; i++) {
		buf->huge[i] = dtx_huge_block_alloc(buf);
		if (!buf->huge[i])
			return -ENOMEM;
		for (j = 0; j < DTX_PMD_PAGES; j++)
			buf->pages[i * DTX_PMD_PAGES + j] = buf->huge[i] + j;
	}
	return 0;
}

static void dtx_huge_free(struct dtx_buffer *buf)
{
	unsigned long i;

	for (i = 0; buf->huge && i < buf->nhuge; i++) {
		if (!buf->huge[i])
			continue;
#ifdef DTX_FOLIO_PMD
		if (buf->huge_folio) {
			/* the mappings' references went with their vmas */
			folio_put(page_folio(buf->huge[i]));
			continue;
		}
#endif
		__free_pages(buf->huge[i], DTX_PMD_ORDER);
	}
	kfree(buf->huge);
}
#else
static int dtx_huge_alloc(struct dtx_buffer *buf)
{
	return -EOPNOTSUPP;
}

static void dtx_huge_free(struct dtx_buffer *buf)
{
}
#endif

static void dtx_buffer_free(struct dtx_buffer *buf)
{
	unsigned long i;

	if (buf->block)
		__free_pages(buf->block, buf->order);
	if (dtx_mode_huge(buf->mode))
		dtx_huge_free(buf);
	for (i = 0; i < buf->npages && !buf->block && !dtx_mode_huge(buf->mode); i++)
		if (buf->pages[i])
			put_page(buf->pages[i]);
	if (buf->shmem)
		fput(buf->shmem);
	kvfree(buf->pages);
	kfree(buf);
}

static struct dtx_buffer *dtx_buffer_alloc(u32 mode, unsigned long npages)
{
	struct dtx_buffer *buf;
	unsigned long i;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return NULL;
	buf->mode = mode;
	buf->pages = kvcalloc(npages, sizeof(*buf->pages), GFP_KERNEL);
	if (!buf->pages) {
		kfree(buf);
		return NULL;
	}
	buf->npages = npages;
	/*
	 * Mode 4 maps the whole vma with one remap_pfn_range(), as an exporter of
	 * one contiguous (CMA, carveout) buffer does: on x86 the vma then gets
	 * VM_PAT, and PAT looks its first pfn up again at munmap, exit and fork.
	 */
	if (mode == DMABUF_TEST_MODE_REMAP_PFN) {
		buf->order = get_order(npages << PAGE_SHIFT);
		buf->block = alloc_pages(GFP_KERNEL | __GFP_ZERO, buf->order);
		if (!buf->block) {
			dtx_buffer_free(buf);
			return NULL;
		}
		for (i = 0; i < npages; i++)
			buf->pages[i] = buf->block + i;
		return buf;
	}
	if (dtx_mode_huge(mode)) {
		if (dtx_huge_alloc(buf)) {
			dtx_buffer_free(buf);
			return NULL;
		}
		return buf;
	}
	for (i = 0; i < npages; i++) {
		buf->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!buf->pages[i]) {
			dtx_buffer_free(buf);
			return NULL;
		}
	}
	if (mode == DMABUF_TEST_MODE_SWAP_FILE) {
		struct file *f = shmem_file_setup("dmabuf_test_swap",
						  npages << PAGE_SHIFT,
						  DTX_SHMEM_FLAGS);

		if (IS_ERR(f)) {
			dtx_buffer_free(buf);
			return NULL;
		}
		buf->shmem = f;
	}
	return buf;
}

/* Page backing page offset @pgoff of the buffer, or NULL when out of range. */
static struct page *dtx_page(struct dtx_buffer *buf, pgoff_t pgoff)
{
	if (pgoff >= buf->npages)
		return NULL;
	return buf->pages[pgoff];
}

/* Mode 2: core mm maps vmf->page with a normal (GUP-able) pte. */
static vm_fault_t dtx_fault_page(struct vm_fault *vmf)
{
	struct dtx_buffer *buf = vmf->vma->vm_private_data;
	struct page *page = dtx_page(buf, vmf->pgoff);

	if (!page)
		return VM_FAULT_SIGBUS;
	get_page(page);		/* dropped by core mm */
	vmf->page = page;
	return 0;
}

/*
 * Mode 3: the vma already has VM_MIXEDMAP, so vm_insert_page() does not
 * need mmap_lock held for write; it inserts a normal refcounted page.
 */
static vm_fault_t dtx_fault_mixedmap(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct dtx_buffer *buf = vma->vm_private_data;
	struct page *page = dtx_page(buf, vmf->pgoff);
	int ret;

	if (!page)
		return VM_FAULT_SIGBUS;
	ret = vm_insert_page(vma, vmf->address & PAGE_MASK, page);
	if (ret == -ENOMEM)
		return VM_FAULT_OOM;
	if (ret == -EBUSY)		/* raced with another fault */
		return VM_FAULT_NOPAGE;
	if (ret)
		return VM_FAULT_SIGBUS;
	atomic_long_inc(&dtx_inserted);
	return VM_FAULT_NOPAGE;
}

/* Mode 5: special pte, no struct page handed out. */
static vm_fault_t dtx_fault_insert_pfn(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct dtx_buffer *buf = vma->vm_private_data;
	struct page *page = dtx_page(buf, vmf->pgoff);

	if (!page)
		return VM_FAULT_SIGBUS;
	return vmf_insert_pfn(vma, vmf->address & PAGE_MASK, page_to_pfn(page));
}

#ifdef DTX_HUGE
enum dtx_huge_via { DTX_VIA_HUGE_FAULT, DTX_VIA_FAULT };

/*
 * The block behind the PMD that covers vmf->address, or NULL when that
 * PMD's 2 MiB is not wholly inside the vma or does not start at a block
 * of the buffer (an unaligned address or offset): no PMD entry there.
 */
static struct page *dtx_huge_block(struct vm_fault *vmf, struct dtx_buffer *buf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long haddr = vmf->address & PMD_MASK;
	pgoff_t pgoff;

	if (haddr < vma->vm_start || vma->vm_end - haddr < PMD_SIZE)
		return NULL;
	pgoff = vma->vm_pgoff + ((haddr - vma->vm_start) >> PAGE_SHIFT);
	if (pgoff % DTX_PMD_PAGES || pgoff >= buf->npages)
		return NULL;
	return buf->huge[pgoff / DTX_PMD_PAGES];
}

static vm_fault_t dtx_insert_pmd(struct vm_fault *vmf, struct dtx_buffer *buf,
				 struct page *block)
{
	/* a write fault gets a writable entry: no wp fault to split it after */
	bool write = vmf->flags & FAULT_FLAG_WRITE;
#ifdef DTX_HAVE_PFN_T
	/* PFN_DEV|PFN_MAP: the kernel makes it pmd_mkdevmap, never special */
	u64 flags = buf->mode == DMABUF_TEST_MODE_HUGE_PAGE ? PFN_DEV | PFN_MAP : 0;
#endif

#ifdef DTX_FOLIO_PMD
	if (buf->huge_folio)
		return vmf_insert_folio_pmd(vmf, page_folio(block), write);
#endif
#ifdef DTX_HAVE_PFN_T
	return vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(page_to_pfn(block), flags), write);
#else
	return vmf_insert_pfn_pmd(vmf, page_to_pfn(block), write);
#endif
}

static bool dtx_pmd_special(pmd_t pmd)
{
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	return pmd_special(pmd);
#else
	return false;	/* no special bit for PMD entries on this kernel */
#endif
}

/*
 * Installs the PMD entry covering vmf->address and counts, for the oracle,
 * what the kernel made of it: the entry is read back from the page table
 * (only when this call filled a none pmd: a racing fault's is not ours).
 */
static vm_fault_t dtx_huge_insert(struct vm_fault *vmf, struct page *block,
				  enum dtx_huge_via via)
{
	struct dtx_buffer *buf = vmf->vma->vm_private_data;
	bool was_none = pmd_none(READ_ONCE(*vmf->pmd));
	vm_fault_t ret = dtx_insert_pmd(vmf, buf, block);
	pmd_t pmd = READ_ONCE(*vmf->pmd);

	if (!was_none || (ret & VM_FAULT_ERROR) || !pmd_present(pmd) ||
	    pmd_pfn(pmd) != page_to_pfn(block))
		return ret;
	atomic_inc(&buf->stats.entries);
	if (dtx_pmd_special(pmd))
		atomic_inc(&buf->stats.special);
	atomic_inc(via == DTX_VIA_HUGE_FAULT ? &buf->stats.via_huge_fault :
		   &buf->stats.via_fault);
	pr_debug("%s: PMD at 0x%lx by %s, special %d\n", dtx_exp_names[buf->mode],
		 vmf->address & PMD_MASK, via == DTX_VIA_HUGE_FAULT ? "huge_fault" : "fault",
		 dtx_pmd_special(pmd));
	return ret;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
/*
 * 6.12+ (the huge pfnmap series) call ->huge_fault of a VM_PFNMAP or file
 * vma while its pmd is none, before ->fault: a PMD entry or a fallback.
 */
static vm_fault_t dtx_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct dtx_buffer *buf = vmf->vma->vm_private_data;
	struct page *block;

	if (order != DTX_PMD_ORDER)
		return VM_FAULT_FALLBACK;
	block = dtx_huge_block(vmf, buf);
	if (!block)
		return VM_FAULT_FALLBACK;
	return dtx_huge_insert(vmf, block, DTX_VIA_HUGE_FAULT);
}
#endif

/*
 * 5.10 and 6.1 never call ->huge_fault of a VM_SPECIAL vma (their
 * hugepage_vma_check refuses VM_NO_KHUGEPAGED), so the PMD entry goes in
 * here: the core mm installs no pte table before ->fault, the pmd is still
 * none. 6.12+ come here when ->huge_fault fell back. Where no PMD fits, the
 * pfn modes map a special pte; a folio is mapped whole or not at all.
 */
static vm_fault_t dtx_fault_huge(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct dtx_buffer *buf = vma->vm_private_data;
	struct page *block = dtx_huge_block(vmf, buf);
	struct page *page;

	if (block && pmd_none(READ_ONCE(*vmf->pmd)))
		return dtx_huge_insert(vmf, block, DTX_VIA_FAULT);
	if (buf->huge_folio)
		return VM_FAULT_SIGBUS;
	page = dtx_page(buf, vmf->pgoff);
	if (!page)
		return VM_FAULT_SIGBUS;
	return vmf_insert_pfn(vma, vmf->address & PAGE_MASK, page_to_pfn(page));
}

static const struct vm_operations_struct dtx_vm_ops_huge = {
	.fault = dtx_fault_huge,
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	.huge_fault = dtx_huge_fault,
#endif
};

/* Modes 8 and 9: PMD entries from the fault handlers. */
static int dtx_mmap_huge(struct dtx_buffer *buf, struct vm_area_struct *vma)
{
	unsigned long flags = VM_DONTEXPAND | VM_DONTDUMP | VM_HUGEPAGE;

	/* THP off at run time (x86 without PSE): no PMD leaf to install */
	if (!has_transparent_hugepage())
		return -EOPNOTSUPP;
	/*
	 * A folio is rmapped and counted by the core mm, which must then zap
	 * the vma as a normal one (no VM_PFNMAP/VM_MIXEDMAP: it drops the
	 * rmap and the rss counters); a bare pfn needs a VM_PFNMAP vma.
	 */
	if (!buf->huge_folio)
		flags |= VM_PFNMAP | VM_IO;
	dtx_vma_flags_set(vma, flags);
	vma->vm_ops = &dtx_vm_ops_huge;
	return 0;
}

/* Can DMABUF_TEST_CREATE make a huge-mode buffer of @pages pages? */
static int dtx_huge_supported(u32 pages)
{
	if (!has_transparent_hugepage())
		return -EOPNOTSUPP;
	return pages % DTX_PMD_PAGES ? -EINVAL : 0;
}
#else
static int dtx_mmap_huge(struct dtx_buffer *buf, struct vm_area_struct *vma)
{
	return -EOPNOTSUPP;
}

static int dtx_huge_supported(u32 pages)
{
	return -EOPNOTSUPP;	/* no THP: no PMD leaf entries */
}
#endif

static const struct vm_operations_struct dtx_vm_ops_fault_page = {
	.fault = dtx_fault_page,
};

static const struct vm_operations_struct dtx_vm_ops_mixedmap = {
	.fault = dtx_fault_mixedmap,
};

static const struct vm_operations_struct dtx_vm_ops_insert_pfn = {
	.fault = dtx_fault_insert_pfn,
};

static int dtx_mmap_insert_page(struct dtx_buffer *buf,
				struct vm_area_struct *vma)
{
	unsigned long i, n = vma_pages(vma);
	int ret;

	for (i = 0; i < n; i++) {
		/* mmap_lock is held for write: vm_insert_page may set VM_MIXEDMAP */
		ret = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
				     buf->pages[vma->vm_pgoff + i]);
		if (ret)
			return ret;	/* mmap_region() zaps what was inserted */
		atomic_long_inc(&dtx_inserted);
	}
	return 0;
}

/*
 * Mode 7: every page in one batched vm_insert_pages() call (5.8+). On return
 * @num holds the pages it did not insert, so n - num were inserted, also on
 * error (mmap_region() then zaps them).
 */
static int dtx_mmap_insert_pages(struct dtx_buffer *buf,
				 struct vm_area_struct *vma)
{
	unsigned long n = vma_pages(vma), num = n;
	int ret;

	/* mmap_lock is held for write: vm_insert_pages may set VM_MIXEDMAP */
	ret = vm_insert_pages(vma, vma->vm_start, buf->pages + vma->vm_pgoff,
			      &num);
	if (num <= n)
		atomic_long_add(n - num, &dtx_inserted);
	return ret;
}

/* Mode 4: the whole vma in one call (the buffer is one contiguous block). */
static int dtx_mmap_remap_pfn(struct dtx_buffer *buf,
			      struct vm_area_struct *vma)
{
	return remap_pfn_range(vma, vma->vm_start, page_to_pfn(buf->pages[vma->vm_pgoff]),
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

/* Mode 6: the vma maps the shmem file from now on (vm_file swapped). */
static int dtx_mmap_swap_file(struct dtx_buffer *buf,
			      struct vm_area_struct *vma)
{
	struct file *f = buf->shmem;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 11, 0)
	vma_set_file(vma, f);
#else
	get_file(f);
	fput(vma->vm_file);
	vma->vm_file = f;
#endif
	vma->vm_private_data = NULL;
	return dtx_file_mmap(f, vma);
}

static int dtx_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct dtx_buffer *buf = dmabuf->priv;

	/* dma-buf core checks this too; the helpers below rely on it */
	if (vma->vm_pgoff > buf->npages ||
	    vma_pages(vma) > buf->npages - vma->vm_pgoff)
		return -EINVAL;
	/* vmf_insert_pfn BUGs on a COW VM_PFNMAP vma; refuse private maps */
	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;

	vma->vm_private_data = buf;
	switch (buf->mode) {
	case DMABUF_TEST_MODE_INSERT_PAGE:
		return dtx_mmap_insert_page(buf, vma);
	case DMABUF_TEST_MODE_FAULT_PAGE:
		vma->vm_ops = &dtx_vm_ops_fault_page;
		return 0;
	case DMABUF_TEST_MODE_MIXEDMAP:
		dtx_vma_flags_set(vma, VM_MIXEDMAP);
		vma->vm_ops = &dtx_vm_ops_mixedmap;
		return 0;
	case DMABUF_TEST_MODE_REMAP_PFN:
		return dtx_mmap_remap_pfn(buf, vma);
	case DMABUF_TEST_MODE_INSERT_PFN:
		dtx_vma_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND |
				  VM_DONTDUMP);
		vma->vm_ops = &dtx_vm_ops_insert_pfn;
		return 0;
	case DMABUF_TEST_MODE_SWAP_FILE:
		return dtx_mmap_swap_file(buf, vma);
	case DMABUF_TEST_MODE_INSERT_PAGES:
		return dtx_mmap_insert_pages(buf, vma);
	case DMABUF_TEST_MODE_HUGE_PFN:
	case DMABUF_TEST_MODE_HUGE_PAGE:
		return dtx_mmap_huge(buf, vma);
	}
	return -EINVAL;
}

static struct sg_table *dtx_map_dma_buf(struct dma_buf_attachment *attach,
					enum dma_data_direction dir)
{
	struct dtx_buffer *buf = attach->dmabuf->priv;
	struct sg_table *sgt;
	int ret;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table_from_pages(sgt, buf->pages, buf->npages, 0,
					buf->npages << PAGE_SHIFT, GFP_KERNEL);
	if (ret)
		goto err_free;
	ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
	if (ret)
		goto err_table;
	return sgt;

err_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void dtx_unmap_dma_buf(struct dma_buf_attachment *attach,
			      struct sg_table *sgt,
			      enum dma_data_direction dir)
{
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

static void dtx_dmabuf_release(struct dma_buf *dmabuf)
{
	dtx_buffer_free(dmabuf->priv);
}

static const struct dma_buf_ops dtx_dmabuf_ops = {
	.map_dma_buf = dtx_map_dma_buf,
	.unmap_dma_buf = dtx_unmap_dma_buf,
	.release = dtx_dmabuf_release,
	.mmap = dtx_dmabuf_mmap,
};

static long dtx_ioctl_create(void __user *uarg)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct dmabuf_test_create arg;
	struct dtx_buffer *buf;
	struct dma_buf *dmabuf;
	int fd;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || arg.mode < DMABUF_TEST_MODE_INSERT_PAGE ||
	    arg.mode > DMABUF_TEST_MODE_MAX ||
	    !arg.pages || arg.pages > DMABUF_TEST_MAX_PAGES)
		return -EINVAL;
	if (dtx_mode_huge(arg.mode)) {
		fd = dtx_huge_supported(arg.pages);
		if (fd)
			return fd;
	}

	buf = dtx_buffer_alloc(arg.mode, arg.pages);
	if (!buf)
		return -ENOMEM;

	exp_info.exp_name = dtx_exp_names[arg.mode];
	exp_info.owner = THIS_MODULE;
	exp_info.ops = &dtx_dmabuf_ops;
	exp_info.size = (size_t)arg.pages << PAGE_SHIFT;
	exp_info.flags = O_RDWR;
	exp_info.priv = buf;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		dtx_buffer_free(buf);	/* export failure does not call release */
		return PTR_ERR(dmabuf);
	}
	/* from here on, dma_buf_put() frees buf through ->release */

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	arg.fd = fd;
	if (copy_to_user(uarg, &arg, sizeof(arg))) {
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return -EFAULT;
	}
	fd_install(fd, dmabuf->file);	/* consumes the export reference */
	return 0;
}

/*
 * The buffer is held by this open file and attached to the device, as a
 * second device's driver imports it: it stays alive after userspace closes
 * its fd (the inventory's "held only by the kernel").
 */
static long dtx_ioctl_import(struct dtx_file *df, void __user *uarg)
{
	struct dmabuf_test_import arg;
	struct dma_buf_attachment *attach, *old_attach;
	struct dma_buf *dmabuf, *old;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad)
		return -EINVAL;
	dmabuf = dma_buf_get(arg.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	attach = dma_buf_attach(dmabuf, dtx_misc.this_device);
	if (IS_ERR(attach)) {
		dma_buf_put(dmabuf);
		return PTR_ERR(attach);
	}

	mutex_lock(&df->lock);
	old = df->dmabuf;
	old_attach = df->attach;
	df->dmabuf = dmabuf;
	df->attach = attach;
	mutex_unlock(&df->lock);
	dtx_unimport(old, old_attach);
	return 0;
}

/*
 * The pfn behind addr, as an in-kernel user of a user mapping reads it
 * (KVM's hva_to_pfn_remapped, VFIO's follow_fault_pfn). Not inlined and not
 * cloned (gcc's .constprop/.isra copies rename it): the auditor names this
 * function as the caller of the lookup, and the lab expects that name.
 */
static noinline __attribute__((__noclone__)) int
dtx_follow_pfn(struct vm_area_struct *vma, unsigned long addr, unsigned long *pfn)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	struct follow_pfnmap_args args = { .vma = vma, .address = addr };
	int ret = follow_pfnmap_start(&args);

	if (ret)
		return ret;
	*pfn = args.pfn;
	follow_pfnmap_end(&args);
	return 0;
#else
	spinlock_t *ptl;
	pte_t *ptep;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	int ret = follow_pte(vma, addr, &ptep, &ptl);
#else
	int ret = follow_pte(vma->vm_mm, addr, &ptep, &ptl);
#endif

	if (ret)
		return ret;
	*pfn = pte_pfn(*ptep);
	pte_unmap_unlock(ptep, ptl);
	return 0;
#endif
}

static long dtx_ioctl_pfn_lookup(void __user *uarg)
{
	struct dmabuf_test_pfn_lookup arg;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long pfn = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || !mm)
		return -EINVAL;
	mmap_read_lock(mm);
	vma = find_vma(mm, arg.addr);
	if (!vma || vma->vm_start > arg.addr)
		arg.ret = -EFAULT;
	else
		arg.ret = dtx_follow_pfn(vma, arg.addr, &pfn);
	mmap_read_unlock(mm);
	arg.pfn = pfn;
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
}

/* The oracle of a huge-mode buffer: what its fault handlers installed. */
static long dtx_ioctl_huge_info(void __user *uarg)
{
	struct dmabuf_test_huge_info arg;
	struct dtx_buffer *buf;
	struct dma_buf *dmabuf;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad)
		return -EINVAL;
	dmabuf = dma_buf_get(arg.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	/* priv is ours only when the ops are */
	buf = dmabuf->ops == &dtx_dmabuf_ops ? dmabuf->priv : NULL;
	if (!buf || !dtx_mode_huge(buf->mode)) {
		dma_buf_put(dmabuf);
		return -EINVAL;
	}
	arg.entries = atomic_read(&buf->stats.entries);
	arg.special = atomic_read(&buf->stats.special);
	arg.via_huge_fault = atomic_read(&buf->stats.via_huge_fault);
	arg.via_fault = atomic_read(&buf->stats.via_fault);
	arg.kernel_has_special = IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP);
	arg.vma_pfnmap = !buf->huge_folio;
	dma_buf_put(dmabuf);
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static long dtx_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case DMABUF_TEST_CREATE:
		return dtx_ioctl_create(uarg);
	case DMABUF_TEST_IMPORT:
		return dtx_ioctl_import(file->private_data, uarg);
	case DMABUF_TEST_PFN_LOOKUP:
		return dtx_ioctl_pfn_lookup(uarg);
	case DMABUF_TEST_HUGE_INFO:
		return dtx_ioctl_huge_info(uarg);
	}
	return -ENOTTY;
}

/* The importer path: forward the mmap like DRM drivers do. */
static int dtx_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct dtx_file *df = file->private_data;
	int ret;

	mutex_lock(&df->lock);
	if (df->dmabuf)
		ret = dma_buf_mmap(df->dmabuf, vma, 0);
	else
		ret = -ENODEV;
	mutex_unlock(&df->lock);
	return ret;
}

static int dtx_open(struct inode *inode, struct file *file)
{
	struct dtx_file *df;

	df = kzalloc(sizeof(*df), GFP_KERNEL);
	if (!df)
		return -ENOMEM;
	mutex_init(&df->lock);
	file->private_data = df;
	return 0;
}

static int dtx_release(struct inode *inode, struct file *file)
{
	struct dtx_file *df = file->private_data;

	dtx_unimport(df->dmabuf, df->attach);
	mutex_destroy(&df->lock);
	kfree(df);
	return 0;
}

static const struct file_operations dtx_fops = {
	.owner = THIS_MODULE,
	.open = dtx_open,
	.release = dtx_release,
	.unlocked_ioctl = dtx_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = dtx_mmap,
};

static struct miscdevice dtx_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = DMABUF_TEST_DEVNAME,
	.fops = &dtx_fops,
	.mode = 0666,
};

static int __init dtx_init(void)
{
	return misc_register(&dtx_misc);
}

static void __exit dtx_exit(void)
{
	misc_deregister(&dtx_misc);
}

module_init(dtx_init);
module_exit(dtx_exit);

MODULE_DESCRIPTION("dmabuf-audit test dma-buf exporter (modes violating and honouring VM_PFNMAP)");
MODULE_LICENSE("GPL");
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
MODULE_IMPORT_NS("DMA_BUF");	/* a string literal since 6.13 */
#else
MODULE_IMPORT_NS(DMA_BUF);
#endif
