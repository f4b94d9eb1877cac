// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stddef.h>
#include "detectors.h"

#define FN(f, fe, fx, kp, krp)                                                                     \
	{                                                                                          \
		.func = f, .fentry = fe, .fexit = fx, .kprobe = kp, .kretprobe = krp               \
	}

/* In enum da_hook order: the outputs list them so. */
const struct detector_def detector_defs[] = {
	{
		.id = DA_HOOK_MMAP,
		.name = "mmap",
		.hook = "dma_buf_mmap_internal",
		.what = "mmap() of a dma-buf fd without VM_PFNMAP",
		/* the entry brackets the exporter's mmap: its inserts are counted at the return */
		.fn = { FN("dma_buf_mmap_internal", "fentry_mmap", "fexit_mmap", "kprobe_mmap",
			   "kretprobe_mmap") },
	},
	{
		.id = DA_HOOK_MMAP_IMPORT,
		.name = "mmap_import",
		.hook = "dma_buf_mmap",
		.what = "importer-forwarded mmap without VM_PFNMAP",
		.fn = { FN("dma_buf_mmap", NULL, "fexit_mmap_import", "kprobe_mmap_import",
			   "kretprobe_mmap_import") },
	},
	{
		.id = DA_HOOK_GUP_SLOW,
		.name = "gup_slow",
		.hook = "check_vma_flags",
		.what = "get_user_pages slow path on a dma-buf vma",
		.fn = {
			FN("check_vma_flags", NULL, "fexit_gup_slow", "kprobe_gup_slow",
			   "kretprobe_gup_slow"),
			/* check_vma_flags is inlined on 5.10: follow_page_mask sees accepted vmas */
			{ .func = "follow_page_mask", .fexit = "fexit_follow_page",
			  .kprobe = "kprobe_follow_page", .kretprobe = "kretprobe_follow_page",
			  .what = "get_user_pages slow path on a dma-buf vma (accepted vmas only: "
				  "no gup_blocked warnings)" },
		},
	},
	{
		.id = DA_HOOK_INSERT_PAGE,
		.name = "insert_page",
		.hook = "vm_insert_page",
		.what = "struct page inserted into a dma-buf vma",
		.fn = { FN("vm_insert_page", NULL, "fexit_insert_page", "kprobe_insert_page",
			   "kretprobe_insert_page") },
	},
	{
		.id = DA_HOOK_INSERT_PAGES,
		.name = "insert_pages",
		.hook = "vm_insert_pages",
		.what = "struct pages inserted into a dma-buf vma",
		/* the entry keeps how many pages were asked for: the count is per page */
		.fn = { FN("vm_insert_pages", "fentry_insert_pages", "fexit_insert_pages",
			   "kprobe_insert_pages", "kretprobe_insert_pages") },
	},
	/*
	 * The lockless walker itself is inlined everywhere: hook its caller (renamed in
	 * 6.8). Its vma comes from bpf_find_vma (5.17), else from a walk of the vma list
	 * where the kernel still has one (vm_next: up to 6.0).
	 */
	{
		.id = DA_HOOK_GUP_FAST,
		.name = "gup_fast",
		.hook = "gup_fast",
		.what = "lockless get_user_pages_fast took dma-buf pages",
		.fn = {
			{ .func = "gup_fast_fallback", .fentry = "fentry_gup_fast_btf",
			  .fexit = "fexit_gup_fast", .kprobe = "kprobe_gup_fast",
			  .kretprobe = "kretprobe_gup_fast", .needs = DA_NEEDS_FIND_VMA },
			{ .func = "internal_get_user_pages_fast", .fentry = "fentry_gup_fast_btf",
			  .fexit = "fexit_gup_fast", .kprobe = "kprobe_gup_fast",
			  .kretprobe = "kretprobe_gup_fast", .needs = DA_NEEDS_FIND_VMA },
			{ .func = "gup_fast_fallback", .fentry = "fentry_gup_fast",
			  .fexit = "fexit_gup_fast_walk", .kprobe = "kprobe_gup_fast",
			  .kretprobe = "kretprobe_gup_fast_walk", .needs = DA_NEEDS_VMA_WALK,
			  .what = "lockless get_user_pages_fast took dma-buf pages (vma list walk)" },
			{ .func = "internal_get_user_pages_fast", .fentry = "fentry_gup_fast",
			  .fexit = "fexit_gup_fast_walk", .kprobe = "kprobe_gup_fast",
			  .kretprobe = "kretprobe_gup_fast_walk", .needs = DA_NEEDS_VMA_WALK,
			  .what = "lockless get_user_pages_fast took dma-buf pages (vma list walk)" },
		},
		/* address spaces that mapped a dma-buf are forgotten when torn down */
		.also = { FN("exit_mmap", "fentry_exit_mmap", NULL, "kprobe_exit_mmap", NULL) },
	},
	{
		.id = DA_HOOK_PTE_INSTALL,
		.name = "pte_install",
		.hook = "pte_install",
		.what = "fault handler's page mapped by a pte without pte_special",
		.fn = { FN("finish_fault", NULL, "fexit_finish_fault", "kprobe_finish_fault",
			   "kretprobe_finish_fault") },
	},
	/* vm_file swapped by the exporter: follow the vma through split/fork/mremap */
	{
		.id = DA_HOOK_VMA_DUP,
		.name = "vma_dup",
		.hook = "vm_area_dup",
		.what = "keeps swapped-vm_file dma-buf vmas known across split/fork",
		.fn = { FN("vm_area_dup", NULL, "fexit_vma_dup", "kprobe_vma_dup",
			   "kretprobe_vma_dup") },
	},
	/*
	 * vm_area_free frees vmas; from 6.4 to 6.12 exit_mmap frees them with
	 * __vm_area_free directly (which vm_area_free's RCU callback may inline):
	 * both are hooked where both exist (measured on 6.12: either one alone
	 * leaves freed vmas tracked, whose memory other processes' vmas reuse).
	 */
	{
		.id = DA_HOOK_VMA_FREE,
		.name = "vma_free",
		.hook = "vm_area_free",
		.what = "forgets swapped-vm_file dma-buf vmas when they are freed",
		.fn = { FN("vm_area_free", "fentry_vma_free", NULL, "kprobe_vma_free", NULL) },
		.also = { FN("__vm_area_free", "fentry_vma_free_direct", NULL, "kprobe_vma_free",
			     NULL) },
	},
	/*
	 * Kernel code resolving the pfn behind a user address (KVM, VFIO, drivers):
	 * follow_pfnmap_start (6.12), before it follow_pte, whose first parameter was
	 * the mm until 6.9 (the vma then found as the GUP-fast detector finds it).
	 * x86 PAT looks up the first pfn of the VM_PAT vmas it untracks and copies:
	 * its two entry points are bracketed, and their lookups are not reported.
	 */
	{
		.id = DA_HOOK_PFN_LOOKUP,
		.name = "pfn_lookup",
		.hook = "pfn_lookup",
		.what = "kernel code resolving pfns of a dma-buf mapping",
		/* kprobes: reported at the return, where the stack starts in the caller (bpf/) */
		.fn = {
			FN("follow_pfnmap_start", "fentry_pfnmap_start", NULL, "kprobe_pfnmap_start",
			   "kretprobe_pfn_lookup"),
			{ .func = "follow_pte", .fentry = "fentry_follow_pte_vma",
			  .kprobe = "kprobe_follow_pte_vma", .kretprobe = "kretprobe_pfn_lookup",
			  .needs = DA_NEEDS_PTE_VMA },
			{ .func = "follow_pte", .fentry = "fentry_follow_pte_mm",
			  .kprobe = "kprobe_follow_pte_mm", .kretprobe = "kretprobe_pfn_lookup",
			  .needs = DA_NEEDS_PTE_MM | DA_NEEDS_FIND_VMA },
			{ .func = "follow_pte", .fentry = "fentry_follow_pte_walk",
			  .kprobe = "kprobe_follow_pte_walk",
			  .needs = DA_NEEDS_PTE_MM | DA_NEEDS_VMA_WALK,
			  .what = "kernel code resolving pfns of a dma-buf mapping (vma list walk)" },
		},
		.also = {
			FN("untrack_pfn", "fentry_pat_untrack", "fexit_pat_untrack",
			   "kprobe_pat_enter", "kretprobe_pat_leave"),
			FN("track_pfn_copy", "fentry_pat_copy", "fexit_pat_copy", "kprobe_pat_enter",
			   "kretprobe_pat_leave"),
		},
	},
	/*
	 * Huge entries (2 MiB pmd, 1 GiB pud on 4K pages): the pfn inserts (TTM's
	 * huge faults; the _prot names to 6.2) and the folio inserts (6.15), each
	 * where the kernel has it. Without a pmd variant (no THP) nothing is hooked.
	 */
	{
		.id = DA_HOOK_HUGE_INSERT,
		.name = "huge_insert",
		.hook = "huge_insert",
		.what = "huge pmd/pud entries in dma-buf mappings without the special bit",
		.fn = {
			FN("vmf_insert_pfn_pmd", NULL, "fexit_huge_pmd", "kprobe_huge_pmd",
			   "kretprobe_huge_insert"),
			FN("vmf_insert_pfn_pmd_prot", NULL, "fexit_huge_pmd", "kprobe_huge_pmd",
			   "kretprobe_huge_insert"),
		},
		.also = {
			FN("vmf_insert_folio_pmd", NULL, "fexit_huge_folio_pmd", "kprobe_huge_pmd",
			   "kretprobe_huge_insert"),
			FN("vmf_insert_pfn_pud", NULL, "fexit_huge_pud", "kprobe_huge_pud",
			   "kretprobe_huge_insert"),
			FN("vmf_insert_pfn_pud_prot", NULL, "fexit_huge_pud", "kprobe_huge_pud",
			   "kretprobe_huge_insert"),
			FN("vmf_insert_folio_pud", NULL, "fexit_huge_folio_pud", "kprobe_huge_pud",
			   "kretprobe_huge_insert"),
		},
	},
};

_Static_assert(sizeof(detector_defs) / sizeof(detector_defs[0]) == DA_LIVE_DETECTORS,
	       "DA_LIVE_DETECTORS: the rows of detector_defs");

/* the task_vma iterator (5.12), else /proc/PID/smaps (src/procscan.c) */
const struct scan_def scan_def = {
	.name = "scan",
	.hook = "scan",
	.what = "dma-buf mappings that already exist",
	.iter = "bpf_iter_task_vma",
	.prog = "scan_vmas",
	.proc = "/proc/PID/smaps",
};

const struct detector_def *detector_def(uint32_t hook)
{
	for (int i = 0; i < DA_LIVE_DETECTORS; i++)
		if (detector_defs[i].id == hook)
			return &detector_defs[i];
	return NULL;
}

const char *detector_name(uint32_t hook)
{
	const struct detector_def *d = detector_def(hook);

	if (hook == DA_HOOK_SCAN)
		return scan_def.name;
	return d ? d->name : "unknown";
}

const char *hook_name(uint32_t hook)
{
	const struct detector_def *d = detector_def(hook);

	if (hook == DA_HOOK_SCAN)
		return scan_def.hook;
	return d ? d->hook : "unknown";
}
