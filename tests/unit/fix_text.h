/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef DA_TEST_FIX_TEXT_H
#define DA_TEST_FIX_TEXT_H

/* The fix of each kind as src/fix.c words it, for a finding without a known mmap op. */
#define FIX_MIXEDMAP "the exporter's mmap maps the buffer with VM_MIXEDMAP (set by vm_insert_page(s), or by the exporter): use remap_pfn_range() in the exporter's mmap (VM_PFNMAP, special ptes), or VM_PFNMAP there and vmf_insert_pfn() in the fault handler, no VM_MIXEDMAP, no vmf->page"
#define FIX_INSERT "vm_insert_page() from the exporter's mmap maps struct pages: replace it with remap_pfn_range() in the exporter's mmap (VM_PFNMAP, special ptes), or VM_PFNMAP there and vmf_insert_pfn() in the fault handler"
#define FIX_GUP "a get_user_pages caller pinned struct pages of the mapping: fix the exporter (remap_pfn_range() in the exporter's mmap (VM_PFNMAP, special ptes), or VM_PFNMAP there and vmf_insert_pfn() in the fault handler); the process should import the dma-buf instead"
#define FIX_BLOCKED "a get_user_pages caller tried to pin a dma-buf mapping (refused, as it must be): import the dma-buf instead (dma_buf_attach() and dma_buf_map_attachment() in the driver, a DMABUF/PRIME import from userspace)"
#define FIX_FAULT "the fault handler the exporter's mmap installs returns vmf->page: set VM_PFNMAP in the exporter's mmap and return vmf_insert_pfn() from the fault handler instead"
#define FIX_PFN_LOOKUP "kernel code resolves pfns of a user dma-buf mapping (follow_pte/follow_pfnmap_start) and may keep using that memory after the exporter moves or frees it: import the dma-buf by fd instead (dma_buf_attach() and dma_buf_map_attachment(); a dynamic importer gets move_notify), or follow the range with an mmu_interval_notifier"
#define FIX_HUGE_NOT_SPECIAL "the exporter's fault handler installs huge pmd entries without the special bit (a folio or devmap insert) that GUP-fast can pin: insert pfns with vmf_insert_pfn_pmd() in a VM_PFNMAP vma set up by the exporter's mmap (the kernel marks them special), or map 4K special ptes (remap_pfn_range() in the exporter's mmap (VM_PFNMAP, special ptes), or VM_PFNMAP there and vmf_insert_pfn() in the fault handler)"
#define FIX_HUGE_ENTRY "the exporter's fault handler installs huge pmd entries, which this kernel cannot mark special (pmd_special/pud_special came in 6.12): GUP-fast can pin the pages behind them; map 4K special ptes on this kernel (remap_pfn_range() in the exporter's mmap (VM_PFNMAP, special ptes), or VM_PFNMAP there and vmf_insert_pfn() in the fault handler)"

#endif
