// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-audit BPF side: report dma-buf mappings that can end up backed by
 * struct pages (no VM_PFNMAP, pages inserted, GUP accepted).
 *
 * Every detector exists twice: an fexit program (preferred) and a
 * kprobe/kretprobe pair (fallback). User space decides per detector by a
 * real trial and disables the losing set with bpf_program__set_autoload().
 *
 * Hot path: check_vma_flags and vm_insert_page(s) run for all memory, and
 * almost none of it is a dma-buf. The dma-buf test leaves after one load for
 * anonymous memory (vm_file == NULL) and after four for ordinary files. In
 * fexit programs those are plain loads through BTF pointers (no helper
 * call); kprobes see raw registers and must use bpf_probe_read_kernel.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "dmabuf_audit.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load: only report this process (0: all). */
const volatile __u32 targ_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DA_CTR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* kprobe fallback: arguments saved at entry for the matching kretprobe */
struct call_key {
	__u32 tid;
	__u32 hook;
};

struct call_args {
	__u64 vma;
	__u64 dmabuf;
	__u64 arg; /* gup_flags or address */
};

/* LRU: an entry whose return was missed (kretprobe maxactive) must not
 * block later ones. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct call_key);
	__type(value, struct call_args);
} calls SEC(".maps");

static __always_inline void counter_add(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &slot);

	if (v)
		*v += 1;
}

/* The struct dma_buf behind a file on the dmabuf pseudo-fs, else NULL. */
static __always_inline struct dma_buf *dmabuf_of_file(struct file *file)
{
	if (!file)
		return NULL;
	if (BPF_CORE_READ(file, f_inode, i_sb, s_magic) != DA_DMA_BUF_MAGIC)
		return NULL;
	return BPF_CORE_READ(file, private_data);
}

static __always_inline struct dma_buf *dmabuf_of_vma(struct vm_area_struct *vma)
{
	return dmabuf_of_file(BPF_CORE_READ(vma, vm_file));
}

/*
 * Same tests for fexit programs, whose arguments are BTF pointers: direct
 * (CO-RE relocated) loads, which the verifier turns into exception-guarded
 * loads instead of helper calls. A NULL along the chain reads as 0.
 */
static __always_inline struct dma_buf *dmabuf_of_file_btf(struct file *file)
{
	if (!file || file->f_inode->i_sb->s_magic != DA_DMA_BUF_MAGIC)
		return NULL;
	return file->private_data;
}

static __always_inline struct dma_buf *dmabuf_of_vma_btf(struct vm_area_struct *vma)
{
	return dmabuf_of_file_btf(vma->vm_file);
}

static __always_inline bool skip_process(__u64 pid_tgid)
{
	return targ_tgid && targ_tgid != (__u32)(pid_tgid >> 32);
}

static __always_inline void emit(__u32 kind, __u32 hook, struct dma_buf *dmabuf,
				 struct vm_area_struct *vma, __u64 addr, __u64 gup_flags, int ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct da_event *ev;

	if (skip_process(pid_tgid))
		return;
	counter_add(kind);
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		counter_add(DA_CTR_RINGBUF_LOST);
		return;
	}
	ev->kind = kind;
	ev->hook = hook;
	ev->pid = pid_tgid >> 32;
	ev->tid = (__u32)pid_tgid;
	ev->inode = BPF_CORE_READ(dmabuf, file, f_inode, i_ino);
	ev->size = BPF_CORE_READ(dmabuf, size);
	ev->vm_start = BPF_CORE_READ(vma, vm_start);
	ev->vm_end = BPF_CORE_READ(vma, vm_end);
	ev->vm_flags = BPF_CORE_READ(vma, vm_flags);
	ev->addr = addr;
	ev->gup_flags = gup_flags;
	ev->ret = ret;
	ev->__pad = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	if (bpf_probe_read_kernel_str(ev->exporter, sizeof(ev->exporter),
				      BPF_CORE_READ(dmabuf, exp_name)) < 0)
		ev->exporter[0] = '\0';
	bpf_ringbuf_submit(ev, 0);
}

/* The exporter's mmap returned: a successful dma-buf mmap must be VM_PFNMAP. */
static __always_inline void mmap_done(__u32 hook, struct dma_buf *dmabuf,
				      struct vm_area_struct *vma, int ret)
{
	if (!dmabuf || ret)
		return;
	counter_add(DA_CTR_HOOK_BASE + hook);
	if (BPF_CORE_READ(vma, vm_flags) & DA_VM_PFNMAP)
		return;
	emit(DA_KIND_MMAP_WITHOUT_PFNMAP, hook, dmabuf, vma, 0, 0, ret);
}

/*
 * check_vma_flags() decides whether the GUP slow path may walk this vma:
 * 0 lets it take struct page references, an error refuses it (VM_PFNMAP
 * and VM_IO vmas get -EFAULT).
 */
static __always_inline void gup_checked(struct dma_buf *dmabuf, struct vm_area_struct *vma,
					__u64 gup_flags, int ret)
{
	counter_add(DA_CTR_HOOK_BASE + DA_HOOK_GUP_SLOW);
	emit(ret ? DA_KIND_GUP_BLOCKED : DA_KIND_GUP_ON_DMABUF, DA_HOOK_GUP_SLOW, dmabuf, vma, 0,
	     gup_flags, ret);
}

static __always_inline void page_inserted(__u32 hook, struct dma_buf *dmabuf,
					  struct vm_area_struct *vma, __u64 addr, int ret)
{
	if (ret)
		return;
	counter_add(DA_CTR_HOOK_BASE + hook);
	emit(DA_KIND_PAGE_INSERT_ON_DMABUF, hook, dmabuf, vma, addr, 0, ret);
}

/* ---- fentry/fexit set ---------------------------------------------- */

SEC("fexit/dma_buf_mmap_internal")
int BPF_PROG(fexit_dma_buf_mmap_internal, struct file *file, struct vm_area_struct *vma, int ret)
{
	mmap_done(DA_HOOK_MMAP, dmabuf_of_file_btf(file), vma, ret);
	return 0;
}

SEC("fexit/dma_buf_mmap")
int BPF_PROG(fexit_dma_buf_mmap, struct dma_buf *dmabuf, struct vm_area_struct *vma,
	     unsigned long pgoff, int ret)
{
	mmap_done(DA_HOOK_MMAP_IMPORT, dmabuf, vma, ret);
	return 0;
}

SEC("fexit/check_vma_flags")
int BPF_PROG(fexit_check_vma_flags, struct vm_area_struct *vma, unsigned long gup_flags, int ret)
{
	struct dma_buf *dmabuf = dmabuf_of_vma_btf(vma);

	if (dmabuf)
		gup_checked(dmabuf, vma, gup_flags, ret);
	return 0;
}

SEC("fexit/vm_insert_page")
int BPF_PROG(fexit_vm_insert_page, struct vm_area_struct *vma, unsigned long addr,
	     struct page *page, int ret)
{
	struct dma_buf *dmabuf = dmabuf_of_vma_btf(vma);

	if (dmabuf)
		page_inserted(DA_HOOK_INSERT_PAGE, dmabuf, vma, addr, ret);
	return 0;
}

SEC("fexit/vm_insert_pages")
int BPF_PROG(fexit_vm_insert_pages, struct vm_area_struct *vma, unsigned long addr,
	     struct page **pages, unsigned long *num, int ret)
{
	struct dma_buf *dmabuf = dmabuf_of_vma_btf(vma);

	if (dmabuf)
		page_inserted(DA_HOOK_INSERT_PAGES, dmabuf, vma, addr, ret);
	return 0;
}

/* ---- kprobe/kretprobe fallback --------------------------------------- */

/* The same outcome handlers as the fexit programs, chosen by hook id. */
static __always_inline void call_done(__u32 hook, const struct call_args *a, int ret)
{
	struct dma_buf *dmabuf = (struct dma_buf *)a->dmabuf;
	struct vm_area_struct *vma = (struct vm_area_struct *)a->vma;

	if (hook == DA_HOOK_MMAP || hook == DA_HOOK_MMAP_IMPORT)
		mmap_done(hook, dmabuf, vma, ret);
	else if (hook == DA_HOOK_GUP_SLOW)
		gup_checked(dmabuf, vma, a->arg, ret);
	else
		page_inserted(hook, dmabuf, vma, a->arg, ret);
}

/* Entry: remember a dma-buf call for the matching return probe. */
static __always_inline void start_call(__u32 hook, struct dma_buf *dmabuf,
				       struct vm_area_struct *vma, __u64 arg)
{
	struct call_key key = { (__u32)bpf_get_current_pid_tgid(), hook };
	struct call_args args = { (__u64)vma, (__u64)dmabuf, arg };

	if (dmabuf)
		bpf_map_update_elem(&calls, &key, &args, BPF_ANY);
}

/* Return: nothing saved means the call was not on a dma-buf. */
static __always_inline void finish_call(__u32 hook, int ret)
{
	struct call_key key = { (__u32)bpf_get_current_pid_tgid(), hook };
	struct call_args *args = bpf_map_lookup_elem(&calls, &key);
	struct call_args a;

	if (!args)
		return;
	a = *args;
	bpf_map_delete_elem(&calls, &key);
	call_done(hook, &a, ret);
}

SEC("kprobe/dma_buf_mmap_internal")
int BPF_KPROBE(kprobe_dma_buf_mmap_internal, struct file *file, struct vm_area_struct *vma)
{
	start_call(DA_HOOK_MMAP, dmabuf_of_file(file), vma, 0);
	return 0;
}

SEC("kretprobe/dma_buf_mmap_internal")
int BPF_KRETPROBE(kretprobe_dma_buf_mmap_internal, int ret)
{
	finish_call(DA_HOOK_MMAP, ret);
	return 0;
}

SEC("kprobe/dma_buf_mmap")
int BPF_KPROBE(kprobe_dma_buf_mmap, struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	start_call(DA_HOOK_MMAP_IMPORT, dmabuf, vma, 0);
	return 0;
}

SEC("kretprobe/dma_buf_mmap")
int BPF_KRETPROBE(kretprobe_dma_buf_mmap, int ret)
{
	finish_call(DA_HOOK_MMAP_IMPORT, ret);
	return 0;
}

SEC("kprobe/check_vma_flags")
int BPF_KPROBE(kprobe_check_vma_flags, struct vm_area_struct *vma, unsigned long gup_flags)
{
	start_call(DA_HOOK_GUP_SLOW, dmabuf_of_vma(vma), vma, gup_flags);
	return 0;
}

SEC("kretprobe/check_vma_flags")
int BPF_KRETPROBE(kretprobe_check_vma_flags, int ret)
{
	finish_call(DA_HOOK_GUP_SLOW, ret);
	return 0;
}

SEC("kprobe/vm_insert_page")
int BPF_KPROBE(kprobe_vm_insert_page, struct vm_area_struct *vma, unsigned long addr)
{
	start_call(DA_HOOK_INSERT_PAGE, dmabuf_of_vma(vma), vma, addr);
	return 0;
}

SEC("kretprobe/vm_insert_page")
int BPF_KRETPROBE(kretprobe_vm_insert_page, int ret)
{
	finish_call(DA_HOOK_INSERT_PAGE, ret);
	return 0;
}

SEC("kprobe/vm_insert_pages")
int BPF_KPROBE(kprobe_vm_insert_pages, struct vm_area_struct *vma, unsigned long addr)
{
	start_call(DA_HOOK_INSERT_PAGES, dmabuf_of_vma(vma), vma, addr);
	return 0;
}

SEC("kretprobe/vm_insert_pages")
int BPF_KRETPROBE(kretprobe_vm_insert_pages, int ret)
{
	finish_call(DA_HOOK_INSERT_PAGES, ret);
	return 0;
}
