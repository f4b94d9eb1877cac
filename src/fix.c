// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "fix.h"

/*
 * Kernel functions that only one userspace call reaches on its way to
 * get_user_pages (5.10 to 7.2): the first frame naming one, from the GUP up,
 * names the caller.
 */
static const struct {
	const char *func; /* a substring of the frame's function */
	const char *caller;
} gup_callers[] = {
	{ "io_sqe_buffer", "io_uring buffer registration (IORING_REGISTER_BUFFERS)" },
	{ "io_pin_pages", "io_uring buffer registration (IORING_REGISTER_BUFFERS)" },
	{ "vmsplice", "vmsplice()" },
	{ "process_vm_rw", "process_vm_readv()/process_vm_writev()" },
	{ "mem_rw", "a read or write of /proc/PID/mem (a debugger)" },
	{ "ptrace_access_vm", "ptrace(PTRACE_PEEKDATA/POKEDATA)" },
	{ "iomap_dio", "O_DIRECT I/O" },
	{ "direct_IO", "O_DIRECT I/O" },
	{ "bio_iov_iter_get_pages", "O_DIRECT I/O" },
	{ "ib_umem_get", "RDMA memory registration (ib_umem_get)" },
	{ "vfio_", "a VFIO DMA mapping" },
};

const char *fix_gup_caller(const struct da_event *ev, const struct ksyms *ks)
{
	uint32_t n = ev->stack_len < DA_STACK_DEPTH ? ev->stack_len : DA_STACK_DEPTH;
	char sym[192];

	for (uint32_t i = 0; i < n; i++) {
		const char *frame = ksyms_frame(ks, ev->stack[i], sym, sizeof(sym));

		if (!frame)
			continue;
		for (size_t c = 0; c < sizeof(gup_callers) / sizeof(gup_callers[0]); c++) {
			size_t flen = strcspn(frame, "+ "); /* the function name alone */

			for (const char *p = frame; (p = strstr(p, gup_callers[c].func)); p++)
				if ((size_t)(p - frame) < flen)
					return gup_callers[c].caller;
		}
	}
	return NULL;
}

/* FRAME's function is one of FUNCS (a NULL-terminated list). */
static bool frame_is_one_of(const char *frame, const char *const *funcs)
{
	size_t flen = strcspn(frame, "+ ");

	for (; *funcs; funcs++)
		if (strlen(*funcs) == flen && !strncmp(frame, *funcs, flen))
			return true;
	return false;
}

/* The functions that resolve a user address to a pfn (5.10 to 7.2). */
static const char *const pfn_lookup_funcs[] = { "follow_pfnmap_start", "follow_pte", "follow_pfn",
						"follow_phys", NULL };
/*
 * The huge inserts (5.10 to 7.2) and what they call: a kprobe's entry stack
 * starts inside them.
 */
static const char *const huge_insert_funcs[] = {
	"vmf_insert_pfn_pmd", "vmf_insert_pfn_pmd_prot", "vmf_insert_folio_pmd",
	"vmf_insert_pfn_pud", "vmf_insert_pfn_pud_prot", "vmf_insert_folio_pud",
	"insert_pfn_pmd",     "insert_pmd",		 "insert_pfn_pud",
	"insert_pud",	      NULL
};

/* "func+0x10 [mod]" as "func [mod]": the function, not the call site. */
static const char *drop_offset(const char *frame, char *buf, size_t len)
{
	size_t name = strcspn(frame, "+ ");
	const char *rest = frame + name + strcspn(frame + name, " ");

	snprintf(buf, len, "%.*s%s", (int)name, frame, rest);
	return buf;
}

/* The first frame of the stack that is not one of FUNCS, without its offset. */
static const char *first_caller(const struct da_event *ev, const struct ksyms *ks,
				const char *const *funcs, char *buf, size_t len)
{
	uint32_t n = ev->stack_len < DA_STACK_DEPTH ? ev->stack_len : DA_STACK_DEPTH;
	char sym[192];

	for (uint32_t i = 0; i < n; i++) {
		const char *frame = ksyms_frame(ks, ev->stack[i], sym, sizeof(sym));

		if (!frame || frame_is_one_of(frame, funcs))
			continue;
		if (!strncmp(frame, KSYMS_UNKNOWN, strlen(KSYMS_UNKNOWN)) || !len)
			return NULL;
		return drop_offset(frame, buf, len);
	}
	return NULL;
}

const char *fix_pfn_caller(const struct da_event *ev, const struct ksyms *ks, char *buf,
			   size_t len)
{
	return first_caller(ev, ks, pfn_lookup_funcs, buf, len);
}

const char *fix_huge_caller(const struct da_event *ev, const struct ksyms *ks, char *buf,
			    size_t len)
{
	return first_caller(ev, ks, huge_insert_funcs, buf, len);
}

/* "dtx_dmabuf_mmap [module]", or what can be said without the symbol. */
static const char *mmap_op_name(const struct da_event *ev, const struct ksyms *ks, char *buf,
				size_t len)
{
	if (ev->mmap_op && ksyms_known(ks, ev->mmap_op))
		return ksyms_describe(ks, ev->mmap_op, 0, buf, len);
	snprintf(buf, len, "the exporter's mmap");
	return buf;
}

/* "pmd" or "pud": the level of a huge kind's entry (da_event.ret) */
static const char *huge_level(const struct da_event *ev)
{
	return ev->ret == DA_HUGE_PUD ? "pud" : "pmd";
}

#define USE_PFNMAP                                                                      \
	"remap_pfn_range() in %s (VM_PFNMAP, special ptes), or VM_PFNMAP there and "    \
	"vmf_insert_pfn() in the fault handler"

const char *fix_describe(const struct da_event *ev, const struct ksyms *ks, char *buf, size_t len)
{
	const char *caller = NULL;
	char op[192], who[192];

	mmap_op_name(ev, ks, op, sizeof(op));
	if (ev->kind == DA_KIND_GUP_ON_DMABUF || ev->kind == DA_KIND_GUP_FAST_ON_DMABUF ||
	    ev->kind == DA_KIND_GUP_BLOCKED) {
		caller = fix_gup_caller(ev, ks);
		if (!caller)
			caller = "a get_user_pages caller";
	}
	switch (ev->kind) {
	case DA_KIND_MMAP_WITHOUT_PFNMAP:
		if (ev->ret == DA_MMAP_VM_FILE_SWAPPED)
			snprintf(buf, len,
				 "%s hands the vma to another file (vm_file swapped, as to shmem) "
				 "whose pages GUP can pin: map the buffer itself with " USE_PFNMAP,
				 op, op);
		else if (ev->vm_flags & DA_VM_MIXEDMAP)
			snprintf(buf, len,
				 "%s maps the buffer with VM_MIXEDMAP (set by vm_insert_page(s), or by "
				 "the exporter): use " USE_PFNMAP ", no VM_MIXEDMAP, no vmf->page",
				 op, op);
		else
			snprintf(buf, len,
				 "%s maps the buffer without VM_PFNMAP: use " USE_PFNMAP
				 ", no vm_insert_page(s), no vmf->page",
				 op, op);
		break;
	case DA_KIND_PAGE_INSERT_ON_DMABUF:
	case DA_KIND_PTE_NOT_SPECIAL:
		if (ev->hook == DA_HOOK_PTE_INSTALL)
			snprintf(buf, len,
				 "the fault handler %s installs returns vmf->page: set VM_PFNMAP in %s "
				 "and return vmf_insert_pfn() from the fault handler instead",
				 op, op);
		else
			snprintf(buf, len, "%s from %s maps struct pages: replace it with " USE_PFNMAP,
				 ev->hook == DA_HOOK_INSERT_PAGES ? "vm_insert_pages()" : "vm_insert_page()",
				 op, op);
		break;
	case DA_KIND_GUP_ON_DMABUF:
	case DA_KIND_GUP_FAST_ON_DMABUF:
		snprintf(buf, len,
			 "%s pinned struct pages of the mapping: fix the exporter (" USE_PFNMAP
			 "); the process should import the dma-buf instead",
			 caller, op);
		break;
	case DA_KIND_GUP_BLOCKED:
		snprintf(buf, len,
			 "%s tried to pin a dma-buf mapping (refused, as it must be): import the "
			 "dma-buf instead (dma_buf_attach() and dma_buf_map_attachment() in the "
			 "driver, a DMABUF/PRIME import from userspace)",
			 caller);
		break;
	case DA_KIND_KERNEL_PFN_LOOKUP:
		caller = fix_pfn_caller(ev, ks, who, sizeof(who));
		snprintf(buf, len,
			 "%s resolves pfns of a user dma-buf mapping (follow_pte/follow_pfnmap_start) "
			 "and may keep using that memory after the exporter moves or frees it: "
			 "import the dma-buf by fd instead (dma_buf_attach() and "
			 "dma_buf_map_attachment(); a dynamic importer gets move_notify), or follow "
			 "the range with an mmu_interval_notifier",
			 caller ? caller : "kernel code");
		break;
	case DA_KIND_HUGE_NOT_SPECIAL:
		caller = fix_huge_caller(ev, ks, who, sizeof(who));
		snprintf(buf, len,
			 "%s installs huge %s entries without the special bit (a folio or devmap "
			 "insert) that GUP-fast can pin: insert pfns with vmf_insert_pfn_%s() in a "
			 "VM_PFNMAP vma set up by %s (the kernel marks them special), or map 4K "
			 "special ptes (" USE_PFNMAP ")",
			 caller ? caller : "the exporter's fault handler", huge_level(ev),
			 huge_level(ev), op, op);
		break;
	case DA_KIND_HUGE_ENTRY:
		caller = fix_huge_caller(ev, ks, who, sizeof(who));
		snprintf(buf, len,
			 "%s installs huge %s entries, which this kernel cannot mark special "
			 "(pmd_special/pud_special came in 6.12): GUP-fast can pin the pages behind "
			 "them; map 4K special ptes on this kernel (" USE_PFNMAP ")",
			 caller ? caller : "the exporter's fault handler", huge_level(ev), op);
		break;
	default:
		snprintf(buf, len, "-");
	}
	return buf;
}
