// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fix_describe(): the path the event shows and its compliant replacement; the GUP caller. */
#include <stdio.h>
#include <string.h>
#include "fix.h"
#include "fix_text.h"
#include "unit.h"

static const char fix_kallsyms[] = "ffffffff81001000 T check_vma_flags\n"
				   "ffffffff81002000 T process_vm_rw\n"
				   "ffffffff81003000 t mem_rw\n"
				   "ffffffff81004000 T vmsplice_to_pipe\n"
				   "ffffffff81005000 t io_sqe_buffer_register\n"
				   "ffffffff81006000 T __iomap_dio_rw\n"
				   "ffffffff81007000 T audio_copy\n"
				   "ffffffff81008000 T do_syscall_64\n"
				   "ffffffff81009000 T follow_pte\n"
				   "ffffffff8100a000 T follow_pfnmap_start\n"
				   "ffffffff8100b000 T follow_pte_pmd\n"
				   "ffffffffc0a01000 t dtx_dmabuf_mmap\t[dmabuf_test_exporter]\n"
				   "ffffffffc0a02000 t dtx_follow_pfn\t[dmabuf_test_exporter]\n"
				   "ffffffff8100c000 T vmf_insert_folio_pmd\n"
				   "ffffffffc0a03000 t dtx_huge_fault\t[dmabuf_test_exporter]\n";

static int load_fix_ks(struct ksyms *ks)
{
	FILE *f = fmemopen((void *)fix_kallsyms, strlen(fix_kallsyms), "r");
	int ret;

	memset(ks, 0, sizeof(*ks));
	if (!ASSERT_OK_PTR(f, "fmemopen"))
		return -1;
	ret = ksyms_load(ks, f);
	fclose(f);
	return ASSERT_EQ_INT(ret, 0, "ksyms_load") ? 0 : -1;
}

static struct da_event fix_event(uint32_t kind, uint32_t hook)
{
	struct da_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.hook = hook;
	ev.vm_flags = 0xfb; /* no VM_PFNMAP, no VM_MIXEDMAP */
	return ev;
}

static void expect_fix(const struct da_event *ev, const struct ksyms *ks, const char *want,
		       const char *what)
{
	char buf[768];

	ASSERT_STREQ(fix_describe(ev, ks, buf, sizeof(buf)), want, what);
}

static void expect_fix_has(const struct da_event *ev, const struct ksyms *ks, const char *part,
			   const char *what)
{
	char buf[768];

	ASSERT_HAS_STR(fix_describe(ev, ks, buf, sizeof(buf)), part, what);
}

/* Each insertion path its own fix, without a symbol for the mmap op. */
static void test_fix_paths(void)
{
	struct da_event ev = fix_event(DA_KIND_MMAP_WITHOUT_PFNMAP, DA_HOOK_MMAP);

	expect_fix_has(&ev, NULL, "the exporter's mmap maps the buffer without VM_PFNMAP: use "
			"remap_pfn_range()", "plain mmap");
	ev.vm_flags |= DA_VM_MIXEDMAP;
	expect_fix(&ev, NULL, FIX_MIXEDMAP, "VM_MIXEDMAP");
	ev.ret = DA_MMAP_VM_FILE_SWAPPED;
	expect_fix_has(&ev, NULL, "(vm_file swapped, as to shmem)", "swapped vm_file first");

	ev = fix_event(DA_KIND_PAGE_INSERT_ON_DMABUF, DA_HOOK_INSERT_PAGE);
	expect_fix(&ev, NULL, FIX_INSERT, "vm_insert_page");
	ev.hook = DA_HOOK_INSERT_PAGES;
	expect_fix_has(&ev, NULL, "vm_insert_pages() from the exporter's mmap", "vm_insert_pages");
	ev.kind = DA_KIND_PTE_NOT_SPECIAL;
	expect_fix_has(&ev, NULL, "vm_insert_pages() from", "pte of an insert: the insert");
	ev.hook = DA_HOOK_PTE_INSTALL;
	expect_fix(&ev, NULL, FIX_FAULT, "pte from the fault handler");

	ev = fix_event(DA_KIND_GUP_ON_DMABUF, DA_HOOK_GUP_SLOW);
	expect_fix(&ev, NULL, FIX_GUP, "GUP, no stack");
	ev.kind = DA_KIND_GUP_BLOCKED;
	expect_fix(&ev, NULL, FIX_BLOCKED, "GUP refused, no stack");
	ev.kind = DA_KIND_NONE;
	expect_fix(&ev, NULL, "-", "a scan record of a compliant mapping has none");
}

/* The mmap op named where the kernel's symbols know it. */
static void test_fix_names_op(void)
{
	struct da_event ev = fix_event(DA_KIND_PAGE_INSERT_ON_DMABUF, DA_HOOK_INSERT_PAGE);
	struct ksyms ks;

	if (load_fix_ks(&ks))
		return;
	ev.mmap_op = 0xffffffffc0a01000ull;
	expect_fix(&ev, &ks,
		   "vm_insert_page() from dtx_dmabuf_mmap [dmabuf_test_exporter] maps struct "
		   "pages: replace it with remap_pfn_range() in dtx_dmabuf_mmap "
		   "[dmabuf_test_exporter] (VM_PFNMAP, special ptes), or VM_PFNMAP there and "
		   "vmf_insert_pfn() in the fault handler",
		   "named op");
	ev.mmap_op = 0x1000; /* no symbol: never an address */
	expect_fix(&ev, &ks, FIX_INSERT, "unknown op");
	ksyms_free(&ks);
}

/* The userspace call from the GUP's stack: the first frame that says, function names only. */
static void test_fix_gup_caller(void)
{
	static const struct {
		uint64_t frame;
		const char *caller;
	} cases[] = {
		{ 0xffffffff81002010ull, "process_vm_readv()/process_vm_writev()" },
		{ 0xffffffff81003010ull, "a read or write of /proc/PID/mem (a debugger)" },
		{ 0xffffffff81004010ull, "vmsplice()" },
		{ 0xffffffff81005010ull, "io_uring buffer registration (IORING_REGISTER_BUFFERS)" },
		{ 0xffffffff81006010ull, "O_DIRECT I/O" },
		{ 0xffffffff81007010ull, NULL }, /* audio_copy: not "dio" */
	};
	struct da_event ev = fix_event(DA_KIND_GUP_ON_DMABUF, DA_HOOK_GUP_SLOW);
	struct ksyms ks;

	if (load_fix_ks(&ks))
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[96];
		const char *got;

		ev.stack_len = 3;
		ev.stack[0] = 0xffffffff81001010ull; /* check_vma_flags */
		ev.stack[1] = cases[i].frame;
		ev.stack[2] = 0xffffffff81008010ull; /* do_syscall_64 */
		got = fix_gup_caller(&ev, &ks);
		snprintf(what, sizeof(what), "caller of case %zu", i);
		ASSERT_STREQ(got ? got : "(none)", cases[i].caller ? cases[i].caller : "(none)",
			     what);
	}
	ev.stack[1] = 0xffffffff81004010ull;
	expect_fix_has(&ev, &ks, "vmsplice() pinned struct pages of the mapping", "in the fix");
	ev.kind = DA_KIND_GUP_BLOCKED;
	expect_fix_has(&ev, &ks, "vmsplice() tried to pin a dma-buf mapping", "blocked too");
	ev.stack_len = 40; /* more than the array: cut at DA_STACK_DEPTH */
	fix_gup_caller(&ev, &ks);
	ksyms_free(&ks);
}

/*
 * kernel_pfn_lookup: the caller is the first frame past the lookup functions
 * (whole names: follow_pte_pmd is a caller, not follow_pte), with its module.
 */
static void test_fix_pfn_caller(void)
{
	struct da_event ev = fix_event(DA_KIND_KERNEL_PFN_LOOKUP, DA_HOOK_PFN_LOOKUP);
	struct ksyms ks;
	char buf[192];
	const char *got;

	expect_fix(&ev, NULL, FIX_PFN_LOOKUP, "no stack: kernel code");
	if (load_fix_ks(&ks))
		return;
	ev.stack_len = 3;
	ev.stack[0] = 0xffffffff8100a004ull; /* follow_pfnmap_start */
	ev.stack[1] = 0xffffffffc0a02010ull; /* dtx_follow_pfn [dmabuf_test_exporter] */
	ev.stack[2] = 0xffffffff81008010ull;
	got = fix_pfn_caller(&ev, &ks, buf, sizeof(buf));
	ASSERT_STREQ(got ? got : "(none)", "dtx_follow_pfn [dmabuf_test_exporter]", "module caller");
	expect_fix_has(&ev, &ks, "dtx_follow_pfn [dmabuf_test_exporter] resolves pfns of a user "
			"dma-buf mapping", "in the fix");
	ev.stack[0] = 0xffffffff81009004ull; /* follow_pte */
	ev.stack[1] = 0xffffffff8100b004ull; /* follow_pte_pmd: a caller of its own */
	got = fix_pfn_caller(&ev, &ks, buf, sizeof(buf));
	ASSERT_STREQ(got ? got : "(none)", "follow_pte_pmd", "whole names");
	ev.stack[1] = 0xffffffff81009008ull; /* follow_pte again, then an unknown frame */
	ev.stack[2] = 0x1000;
	got = fix_pfn_caller(&ev, &ks, buf, sizeof(buf));
	ASSERT_STREQ(got ? got : "(none)", "(none)", "unknown caller: none");
	expect_fix(&ev, &ks, FIX_PFN_LOOKUP, "unknown caller: kernel code");
	ksyms_free(&ks);
}

/*
 * huge_not_special / huge_entry: the caller is the exporter's fault handler
 * (the first frame past the insert functions), the level and the replacement
 * differ between a kernel that has the special bit and one that has none.
 */
static void test_fix_huge(void)
{
	struct da_event ev = fix_event(DA_KIND_HUGE_NOT_SPECIAL, DA_HOOK_HUGE_INSERT);
	struct ksyms ks;
	char buf[192];
	const char *got;

	ev.ret = DA_HUGE_PMD;
	expect_fix(&ev, NULL, FIX_HUGE_NOT_SPECIAL, "no stack: the exporter's fault handler");
	ev.kind = DA_KIND_HUGE_ENTRY;
	expect_fix(&ev, NULL, FIX_HUGE_ENTRY, "no special bit on this kernel");
	ev.ret = DA_HUGE_PUD;
	expect_fix_has(&ev, NULL, "installs huge pud entries", "pud level");
	if (load_fix_ks(&ks))
		return;
	ev.stack_len = 3;
	ev.stack[0] = 0xffffffff8100c004ull; /* vmf_insert_folio_pmd (kprobe entry stack) */
	ev.stack[1] = 0xffffffffc0a03010ull; /* dtx_huge_fault [dmabuf_test_exporter] */
	ev.stack[2] = 0xffffffff81008010ull;
	got = fix_huge_caller(&ev, &ks, buf, sizeof(buf));
	ASSERT_STREQ(got ? got : "(none)", "dtx_huge_fault [dmabuf_test_exporter]",
		     "the fault handler");
	ev.kind = DA_KIND_HUGE_NOT_SPECIAL;
	ev.ret = DA_HUGE_PMD;
	expect_fix_has(&ev, &ks, "dtx_huge_fault [dmabuf_test_exporter] installs huge pmd entries "
			"without the special bit", "in the fix");
	expect_fix_has(&ev, &ks, "vmf_insert_pfn_pmd() in a VM_PFNMAP vma", "the replacement");
	ksyms_free(&ks);
}

/* clang-format off */
static const struct unit_test tests[] = {
	UNIT_TEST(test_fix_paths),
	UNIT_TEST(test_fix_names_op),
	UNIT_TEST(test_fix_gup_caller),
	UNIT_TEST(test_fix_pfn_caller),
	UNIT_TEST(test_fix_huge),
};
/* clang-format on */
UNIT_SUITE(fix, tests);
