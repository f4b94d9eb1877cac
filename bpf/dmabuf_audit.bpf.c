// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-audit BPF side: report dma-buf mappings that can end up backed by
 * struct pages (no VM_PFNMAP, pages inserted, ptes without pte_special,
 * GUP slow or lockless path accepted), and list the dma-buf mappings that
 * already exist (task_vma iterator).
 *
 * Every live detector exists as fexit (+fentry) programs (preferred) and as
 * kprobe/kretprobe programs (fallback). The programs carry no target in their
 * section name: user space probes which function-name variant this kernel
 * has, decides fentry vs kprobe by a real trial, sets the target and
 * disables every program it does not use with bpf_program__set_autoload().
 *
 * Hot path: check_vma_flags, vm_insert_page(s), finish_fault and the
 * GUP-fast entry run for all memory, and almost none of it is a dma-buf.
 * The dma-buf test leaves after one load for anonymous memory (vm_file ==
 * NULL) and after four for ordinary files; the GUP-fast entry has no vma,
 * so it leaves after one hash lookup (does this mm map any dma-buf?). In
 * fexit programs those are plain loads through BTF pointers (no helper
 * call); kprobes see raw registers and must use bpf_probe_read_kernel.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "dmabuf_audit.h"

char LICENSE[] SEC("license") = "GPL";

#define EBUSY 16 /* include/uapi/asm-generic/errno-base.h */

#if defined(__TARGET_ARCH_x86)
#define PTE_PRESENT DA_X86_PTE_PRESENT
#define PTE_SPECIAL DA_X86_PTE_SPECIAL
#define ENTRY_IS_HUGE(e) (((e) & DA_X86_PMD_HUGE) != 0)
#elif defined(__TARGET_ARCH_arm64)
#define PTE_PRESENT DA_ARM64_PTE_VALID
#define PTE_SPECIAL DA_ARM64_PTE_SPECIAL
#define ENTRY_IS_HUGE(e) (((e) & DA_ARM64_PMD_TYPE_MASK) == DA_ARM64_PMD_TYPE_SECT)
#else
#error "pte bits unknown for this architecture"
#endif

/* Set by user space before load: only report this process (0: all). */
const volatile __u32 targ_tgid = 0;
/* run: only the command's tree, the cgroup v2 made for it (0: every process) */
const volatile __u64 targ_cgid = 0;
/*
 * Set by user space: the kernel gives huge pfn entries a special bit
 * (pmd_special/pud_special, the 6.12 huge pfnmap series). Without it no huge
 * entry can be told from a page's, and one in a dma-buf vma is a warning.
 */
const volatile bool huge_special = false;

/* Totals of the last task_vma scan (read by user space after the read). */
struct da_scan_stats scan_stats = {};
__u32 scan_last_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 512 * 1024);
} events SEC(".maps");

/*
 * Exact totals (enum da_counter), in .bss: user space reads them through the
 * mapping libbpf keeps of it, without a bpf() syscall. A map lookup syscall
 * raises this CPU's bpf_prog_active, and every kprobe program (ours and other
 * tools') that fires while it is preempted is skipped (preemptible kernels,
 * measured on 7.2). Atomic adds: they happen on dma-buf calls only.
 */
__u64 counters[DA_CTR_MAX] = {};

/*
 * Events are built in place in the ring buffer (bpf_ringbuf_reserve): memory
 * of this call only. A per-CPU scratch event would be shared by every program
 * on the CPU, and fentry/fexit programs are only migrate-disabled: on a
 * preemptible kernel another task's program can run on this CPU in the middle
 * of a build and mix two events.
 */

/*
 * In-kernel de-duplication: the first occurrence of (kind, pid, buffer, vma)
 * is sent in full; repeats only count here. User space reads the counts and
 * takes the entries of what is gone. A plain hash, not an LRU: an eviction
 * would drop what an entry counted since the last read, silently (the lab's
 * 100,000-mapping churn lost 0.2% that way). When it is full, occurrences
 * are sent in full instead (counted: DA_CTR_DEDUP_FULL), never lost.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct da_dedup_key);
	__type(value, struct da_dedup_val);
} dedup SEC(".maps");

/* Occurrences whose event was lost, by kind, exporter and comm (count_lost). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct da_lost_key);
	__type(value, __u64);
} lost SEC(".maps");


/*
 * Address spaces known to map a dma-buf (seen by an mmap hook or the scan).
 * The GUP-fast entry has no vma: this lookup keeps the vma search off every
 * process that never mapped one. The value is the tgid that mapped: an
 * mm_struct freed and reused by another process (slab reuse makes that the
 * common case for short processes) then costs this one lookup, not the whole
 * pending-call path. A CLONE_VM child of another tgid (vfork before exec) is
 * not checked. Entries go when their mm does (exit_mmap, hooked with the
 * GUP-fast detector): the LRU evicts only beyond 4096 live mapping processes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} dmabuf_mms SEC(".maps");

/*
 * In front of dmabuf_mms for the GUP-fast entry (every GUP-fast call of every
 * process): one byte per tgid modulo the slots, set when that tgid marks an
 * mm and never cleared (no hook sees a process end, and a plain store of 1
 * needs no atomics, which 5.10 lacks). The entry goes on only where the mark's
 * tgid is the caller's, so a 0 proves there is nothing to look up: one load,
 * where the map costs a hash lookup (make bench: 350 ns per call, the empty
 * program 128). A byte left by a gone process costs a process that reuses
 * its slot the lookup every call made before. Keyed by tgid, not mm: the BTF
 * task's mm is a pointer, on which the verifier allows no arithmetic.
 */
#define MAPPER_SLOTS (1 << 16)
__u8 mapper_tgids[MAPPER_SLOTS] = {};

/* A GUP-fast call in progress in a process that maps a dma-buf. */
struct fast_call {
	__u64 start;
	__u64 gup_flags;
	__u32 slow_ran; /* the slow-path fallback walked a dma-buf vma */
	__u32 active;	/* the entry stays for the thread's next call (no map locks) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* tid */
	__type(value, struct fast_call);
} fast_calls SEC(".maps");

/*
 * Active entries of fast_calls (an upper bound: neither an LRU eviction nor a
 * kretprobe's missed return is subtracted): while it is 0, the GUP-fast exit
 * and the slow path leave after one load.
 */
__s64 nr_fast_calls = 0;

/*
 * A dma-buf mmap in progress on this thread (fentry mode: fentry_mmap). The
 * exporter's inserts into that vma after the first reported one are counted
 * here and added to the counters and the dedup map once, when its mmap
 * returns (fexit_mmap): a violating exporter inserts every page of the
 * mapping there, and per page this costs one lookup instead of two dedup
 * updates and three atomic adds. A thread's entry stays for its next mmap
 * (vma 0 between two): an update and a delete per mmap take the map's locks,
 * dear under TCG where interrupts are masked and unmasked (measured: 5 to 10
 * us per call). LRU: entries of gone threads make room.
 */
struct mmap_call {
	__u64 vma;
	__u64 pages;	/* successful inserts after the first, not counted yet */
	__u32 reported; /* the first successful insert went the usual way */
	__u32 __pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32); /* tid */
	__type(value, struct mmap_call);
} mmap_calls SEC(".maps");

/*
 * vm_file swapped by the exporter's mmap: the vma no longer points at the
 * dma-buf. nr_tracked > 0 is the only cost for everybody else: one load.
 * LRU bounds what a missed vm_area_free could leave behind.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64); /* struct vm_area_struct * */
	__type(value, struct da_tracked);
} tracked SEC(".maps");

__s64 nr_tracked = 0;


/* kprobe fallback: arguments saved at entry for the matching kretprobe */
#define CALL_FOLLOW_PAGE 64 /* call key (beside enum da_hook) of follow_page_mask */

struct call_key {
	__u32 tid;
	__u32 hook;
};

struct call_args {
	__u64 vma;
	__u64 dmabuf;
	__u64 arg; /* gup_flags or address */
	__u64 aux; /* pte install: struct vm_fault *; vm_insert_pages: unsigned long *num */
	__u64 count; /* vm_insert_pages: pages asked for */
	/*
	 * Stack taken at entry, used when the return probe's unwind stops at
	 * kretprobe_trampoline (kernels before 5.14, measured on 5.10).
	 */
	__u32 stack_len;
	__u32 __pad;
	__u64 stack[DA_STACK_DEPTH];
};

/*
 * [0]: entry arguments being built; [1]: the call being answered by a
 * return probe (emit() takes its stack). Too big for the BPF stack.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct call_args);
} call_scratch SEC(".maps");

/* LRU: an entry whose return was missed (kretprobe maxactive) must not
 * block later ones. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct call_key);
	__type(value, struct call_args);
} calls SEC(".maps");

static __always_inline void counter_add_n(__u32 slot, __u64 n)
{
	if (slot < DA_CTR_MAX)
		__sync_fetch_and_add(&counters[slot], n);
}

static __always_inline void counter_add(__u32 slot)
{
	counter_add_n(slot, 1);
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
 * Same tests for fexit and iterator programs, whose arguments are BTF
 * pointers: direct (CO-RE relocated) loads, which the verifier turns into
 * exception-guarded loads instead of helper calls. NULL along the chain
 * reads as 0.
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

/* The snapshot of a dma-buf vma whose vm_file was swapped, else NULL. */
static __always_inline struct da_tracked *tracked_vma(struct vm_area_struct *vma)
{
	__u64 key = (__u64)vma;

	if (!nr_tracked)
		return NULL;
	return bpf_map_lookup_elem(&tracked, &key);
}

/*
 * The two ways a vma is known to map a dma-buf. Written as nested tests:
 * "!dmabuf && !tr" lets clang OR the two pointers, which the verifier
 * refuses for a map value that may be NULL.
 */
#define RESOLVE_OR_RETURN(dmabuf, tr, vma, retval)                                                \
	do {                                                                                      \
		if (!(dmabuf)) {                                                                  \
			(tr) = tracked_vma(vma);                                                  \
			if (!(tr))                                                                \
				return retval;                                                    \
		}                                                                                 \
	} while (0)

static __always_inline bool skip_tgid(__u32 tgid)
{
	return targ_tgid && targ_tgid != tgid;
}

static __always_inline void mark_mm(struct vm_area_struct *vma, __u32 tgid)
{
	__u64 mm = (__u64)BPF_CORE_READ(vma, vm_mm);

	if (!mm)
		return;
	mapper_tgids[tgid & (MAPPER_SLOTS - 1)] = 1; /* before the map: no entry hidden */
	bpf_map_update_elem(&dmabuf_mms, &mm, &tgid, BPF_ANY);
}

static __always_inline void fill_vma(struct da_event *ev, struct vm_area_struct *vma)
{
	ev->vm_start = BPF_CORE_READ(vma, vm_start);
	ev->vm_end = BPF_CORE_READ(vma, vm_end);
	ev->vm_flags = BPF_CORE_READ(vma, vm_flags);
}

/*
 * What the dma-buf says, into DST: a struct da_event or a struct da_tracked
 * (the same field names). CO-RE reads, for BTF and raw pointers.
 */
#define FILL_DMABUF(dst, dmabuf)                                                                   \
	do {                                                                                       \
		struct module *owner_ = BPF_CORE_READ(dmabuf, owner);                              \
		const char *name_ = BPF_CORE_READ(dmabuf, name);                                   \
                                                                                                   \
		(dst)->inode = BPF_CORE_READ(dmabuf, file, f_inode, i_ino);                        \
		(dst)->size = BPF_CORE_READ(dmabuf, size);                                         \
		(dst)->mmap_op = (__u64)BPF_CORE_READ(dmabuf, ops, mmap);                          \
		if (bpf_probe_read_kernel_str((dst)->exporter, sizeof((dst)->exporter),            \
					      BPF_CORE_READ(dmabuf, exp_name)) < 0)                \
			(dst)->exporter[0] = '\0';                                                 \
		/* dma_buf->name changes under name_lock; a torn read is still bounded. */         \
		(dst)->buf_name[0] = '\0';                                                         \
		if (name_ && bpf_probe_read_kernel_str((dst)->buf_name, sizeof((dst)->buf_name),   \
						       name_) < 0)                                 \
			(dst)->buf_name[0] = '\0';                                                 \
		(dst)->module[0] = '\0';                                                           \
		if (owner_ && BPF_CORE_READ_STR_INTO(&(dst)->module, owner_, name) < 0)            \
			(dst)->module[0] = '\0';                                                   \
	} while (0)

/* What the dma-buf (or, for a swapped vma, its snapshot) and the vma say. */
static __always_inline void fill_target(struct da_event *ev, struct dma_buf *dmabuf,
					const struct da_tracked *tr, struct vm_area_struct *vma)
{
	if (!dmabuf && tr) {
		ev->inode = tr->inode;
		ev->size = tr->size;
		ev->mmap_op = tr->mmap_op;
		__builtin_memcpy(ev->exporter, tr->exporter, sizeof(ev->exporter));
		__builtin_memcpy(ev->buf_name, tr->buf_name, sizeof(ev->buf_name));
		__builtin_memcpy(ev->module, tr->module, sizeof(ev->module));
	} else {
		FILL_DMABUF(ev, dmabuf);
	}
	fill_vma(ev, vma);
}

/*
 * First occurrence of the key? Repeats are counted in the dedup map and not
 * sent. If the map refuses the entry, send anyway (counted): nothing is lost.
 * N occurrences at once (vm_insert_pages: one per page).
 */
static __always_inline bool seen_before(const struct da_dedup_key *key, __u64 n)
{
	struct da_dedup_val first = { n }, *v;

	v = bpf_map_lookup_elem(&dedup, key);
	if (!v && !bpf_map_update_elem(&dedup, key, &first, BPF_NOEXIST))
		return false;
	if (!v)
		v = bpf_map_lookup_elem(&dedup, key); /* another CPU inserted it first */
	if (v) {
		__sync_fetch_and_add(&v->count, n);
		return true;
	}
	counter_add(DA_CTR_DEDUP_FULL);
	return false;
}

/*
 * Count N occurrences of (kind, process, buffer, vma): true for the key's first,
 * the one that is sent. Repeats cost two counter adds and one map lookup: no
 * event is filled for them (the hot path of a violating exporter is one repeat
 * per page).
 */
static __always_inline bool count_first(struct da_dedup_key *key, __u64 n)
{
	counter_add_n(key->kind, n);
	return !seen_before(key, n);
}

/*
 * The occurrences of a key whose event was lost (no room in the ring buffer),
 * counted by what the metrics need (kind, exporter, process name) before its
 * dedup entry goes, so that the next occurrence carries the full event: the
 * daemon's totals stay exact when the ring buffer overflows. The count is the
 * entry's (an increment on another CPU between this read and the delete is
 * the one thing lost); without an entry (dedup map full) the N of this call. Not
 * inlined: its key's frame stays off the hooks' 512-byte stack.
 */
static __noinline void count_lost(const struct da_dedup_key *key, __u64 n, struct dma_buf *dmabuf,
				  const struct da_tracked *tr)
{
	struct da_dedup_val *d = bpf_map_lookup_elem(&dedup, key);
	__u64 *v;
	struct da_lost_key lk = { .kind = key->kind };

	if (d)
		n = d->count;
	counter_add(DA_CTR_RINGBUF_LOST);
	if (!dmabuf && tr)
		__builtin_memcpy(lk.exporter, tr->exporter, sizeof(lk.exporter));
	else if (bpf_probe_read_kernel_str(lk.exporter, sizeof(lk.exporter),
					   BPF_CORE_READ(dmabuf, exp_name)) < 0)
		lk.exporter[0] = '\0';
	bpf_get_current_comm(lk.comm, sizeof(lk.comm));
	bpf_map_delete_elem(&dedup, key);
	v = bpf_map_lookup_elem(&lost, &lk);
	if (!v && !bpf_map_update_elem(&lost, &lk, &n, BPF_NOEXIST))
		return;
	if (!v)
		v = bpf_map_lookup_elem(&lost, &lk); /* another CPU inserted it first */
	if (v)
		__sync_fetch_and_add(v, n);
	else
		counter_add(DA_CTR_LOST_FULL);
}

/* Fill and send the first occurrence of a key: ev (reserved) has its target filled. */
static __always_inline void emit(void *ctx, struct da_event *ev, const struct da_dedup_key *key,
				 __u32 hook, __u64 pid_tgid, __u64 addr, __u64 gup_flags, int ret,
				 __u64 pte)
{
	__u32 one = 1;
	struct call_args *answering = bpf_map_lookup_elem(&call_scratch, &one);
	long len;

	ev->kind = key->kind;
	ev->hook = hook;
	ev->pid = pid_tgid >> 32;
	ev->tid = (__u32)pid_tgid;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->addr = addr;
	ev->gup_flags = gup_flags;
	ev->ret = ret;
	ev->pte = pte;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	len = bpf_get_stack(ctx, ev->stack, sizeof(ev->stack), 0);
	ev->stack_len = len > 0 ? len / sizeof(__u64) : 0;
	/* A return probe's stack of one frame: the unwinder stopped at the kretprobe
	 * trampoline (before 5.14). The entry stack is the better record then. */
	if (ev->stack_len <= 1 && answering && answering->stack_len > ev->stack_len) {
		__builtin_memcpy(ev->stack, answering->stack, sizeof(ev->stack));
		ev->stack_len = answering->stack_len;
	}
}

/*
 * The key of a report on a dma-buf (or a swapped vma's snapshot), key->pid
 * set by the caller: false for a process out of scope.
 */
static __always_inline bool report_key(struct da_dedup_key *key, struct dma_buf *dmabuf,
				       const struct da_tracked *tr, struct vm_area_struct *vma)
{
	if (skip_tgid(key->pid))
		return false;
	/* a finding, but of a process outside the command's tree: counted, no more */
	if (targ_cgid && bpf_get_current_cgroup_id() != targ_cgid) {
		counter_add(DA_CTR_OUTSIDE_TREE);
		return false;
	}
	if (!dmabuf && tr)
		key->inode = tr->inode;
	else
		key->inode = BPF_CORE_READ(dmabuf, file, f_inode, i_ino);
	key->vm_start = BPF_CORE_READ(vma, vm_start);
	return true;
}

/*
 * The event of a key's first occurrence, reserved in the ring buffer and its
 * target filled (the caller submits it). Taken after the count: a repeat
 * (every page after the first of a violating mapping) reserves nothing.
 * Without room the occurrences are counted as lost and the key forgotten, so
 * that the next occurrence is sent.
 */
static __always_inline struct da_event *first_event(const struct da_dedup_key *key, __u64 n,
						    struct dma_buf *dmabuf,
						    const struct da_tracked *tr,
						    struct vm_area_struct *vma)
{
	struct da_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev) {
		count_lost(key, n, dmabuf, tr);
		return NULL;
	}
	fill_target(ev, dmabuf, tr, vma);
	/* what user space counts when no dedup entry holds the count (map full) */
	ev->count = n;
	return ev;
}

/*
 * Count N occurrences on a dma-buf (or a swapped vma's snapshot) and send the
 * first: the event (string reads of exporter, name and module) is filled only
 * for a key not seen before.
 */
static __always_inline void report_n(void *ctx, __u32 kind, __u32 hook, struct dma_buf *dmabuf,
				     const struct da_tracked *tr, struct vm_area_struct *vma,
				     __u64 addr, __u64 gup_flags, int ret, __u64 pte, __u64 n)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct da_dedup_key key = { .kind = kind, .pid = pid_tgid >> 32 };
	struct da_event *ev;

	if (!report_key(&key, dmabuf, tr, vma) || !count_first(&key, n))
		return;
	ev = first_event(&key, n, dmabuf, tr, vma);
	if (!ev)
		return;
	emit(ctx, ev, &key, hook, pid_tgid, addr, gup_flags, ret, pte);
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline void report(void *ctx, __u32 kind, __u32 hook, struct dma_buf *dmabuf,
				   const struct da_tracked *tr, struct vm_area_struct *vma,
				   __u64 addr, __u64 gup_flags, int ret, __u64 pte)
{
	report_n(ctx, kind, hook, dmabuf, tr, vma, addr, gup_flags, ret, pte, 1);
}

static __always_inline void track_insert(__u64 vma, const struct da_tracked *t)
{
	if (!bpf_map_update_elem(&tracked, &vma, t, BPF_NOEXIST))
		__sync_fetch_and_add(&nr_tracked, 1);
}

/* Zeros for a new tracked entry (never written): see track_swapped(). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct da_tracked);
} tracked_zero SEC(".maps");

/*
 * The exporter's mmap left another file in vm_file: remember the vma. The
 * entry is inserted zeroed and filled in place, and the function is not
 * inlined: no 144-byte snapshot on a stack that the mmap hooks' own frames
 * (the kretprobe's is 320 bytes) leave 192 bytes of.
 */
static __noinline void track_swapped(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	__u64 key = (__u64)vma;
	__u32 zero = 0;
	struct da_tracked *z = bpf_map_lookup_elem(&tracked_zero, &zero), *t;

	if (!z || bpf_map_update_elem(&tracked, &key, z, BPF_NOEXIST))
		return;
	__sync_fetch_and_add(&nr_tracked, 1);
	t = bpf_map_lookup_elem(&tracked, &key);
	if (t)
		FILL_DMABUF(t, dmabuf);
}

/* The exporter's mmap returned: a successful dma-buf mmap must be VM_PFNMAP. */
static __always_inline void mmap_done(void *ctx, __u32 hook, struct dma_buf *dmabuf,
				      struct vm_area_struct *vma, int ret)
{
	int swapped;

	if (!dmabuf || ret)
		return;
	counter_add(DA_CTR_HOOK_BASE + hook);
	mark_mm(vma, bpf_get_current_pid_tgid() >> 32);
	swapped = BPF_CORE_READ(vma, vm_file) != BPF_CORE_READ(dmabuf, file);
	if (swapped)
		track_swapped(dmabuf, vma);
	if (BPF_CORE_READ(vma, vm_flags) & DA_VM_PFNMAP)
		return;
	/* the fix differs: the user-space side says so (src/fix.c) */
	report(ctx, DA_KIND_MMAP_WITHOUT_PFNMAP, hook, dmabuf, NULL, vma, 0, 0,
	       swapped ? DA_MMAP_VM_FILE_SWAPPED : 0, 0);
}

/* This thread's GUP-fast call, if any, fell back to the slow path on a dma-buf. */
static __always_inline void fast_slow_ran(void)
{
	struct fast_call *fc;
	__u32 tid;

	if (!nr_fast_calls)
		return;
	tid = (__u32)bpf_get_current_pid_tgid();
	fc = bpf_map_lookup_elem(&fast_calls, &tid);
	if (fc && fc->active)
		fc->slow_ran = 1;
}

/*
 * check_vma_flags() decides whether the GUP slow path may walk this vma:
 * 0 lets it take struct page references, an error refuses it (VM_PFNMAP
 * and VM_IO vmas get -EFAULT).
 */
static __always_inline void gup_checked(void *ctx, struct dma_buf *dmabuf,
					const struct da_tracked *tr, struct vm_area_struct *vma,
					__u64 gup_flags, int ret)
{
	/* Inside a GUP-fast call: its fallback reached the slow path. */
	fast_slow_ran();
	counter_add(DA_CTR_HOOK_BASE + DA_HOOK_GUP_SLOW);
	report(ctx, ret ? DA_KIND_GUP_BLOCKED : DA_KIND_GUP_ON_DMABUF, DA_HOOK_GUP_SLOW, dmabuf,
	       tr, vma, 0, gup_flags, ret, 0);
}

/*
 * vm_insert_page(s) succeeded on a dma-buf vma. The insert path builds the
 * pte with mk_pte() and never pte_mkspecial() (mm/memory.c
 * insert_page_into_pte_locked, 5.10 to 6.18), so the pte it installed is a
 * normal one: both kinds are reported (pte value not read: 0), N times for
 * N pages (a vm_insert_pages batch), counted together. A new vma's two first
 * events share one fill and one stack walk (the dearest step of a finding).
 */
static __always_inline void report_insert(void *ctx, __u32 hook, struct dma_buf *dmabuf,
					  const struct da_tracked *tr, struct vm_area_struct *vma,
					  __u64 addr, int ret, __u64 n)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct da_dedup_key ins = { .kind = DA_KIND_PAGE_INSERT_ON_DMABUF, .pid = pid_tgid >> 32 };
	struct da_dedup_key pte;
	bool first_ins, first_pte;
	struct da_event *ev;

	if (!report_key(&ins, dmabuf, tr, vma))
		return;
	pte = ins;
	pte.kind = DA_KIND_PTE_NOT_SPECIAL;
	first_ins = count_first(&ins, n);
	first_pte = count_first(&pte, n);
	if (!first_ins && !first_pte)
		return;
	ev = first_event(first_ins ? &ins : &pte, n, dmabuf, tr, vma);
	if (!ev) {
		if (first_ins && first_pte)
			count_lost(&pte, n, dmabuf, tr);
		return;
	}
	emit(ctx, ev, first_ins ? &ins : &pte, hook, pid_tgid, addr, 0, ret, 0);
	if (first_ins && first_pte) {
		/* the same insert: the same process, stack and target */
		struct da_event *ev2 = bpf_ringbuf_reserve(&events, sizeof(*ev2), 0);

		if (ev2) {
			__builtin_memcpy(ev2, ev, sizeof(*ev2));
			ev2->kind = pte.kind;
			bpf_ringbuf_submit(ev2, 0);
		} else {
			count_lost(&pte, n, dmabuf, tr);
		}
	}
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline void page_inserted(void *ctx, __u32 hook, struct dma_buf *dmabuf,
					  const struct da_tracked *tr, struct vm_area_struct *vma,
					  __u64 addr, int ret, __u64 n)
{
	if (!n)
		return;
	counter_add(DA_CTR_HOOK_BASE + hook);
	report_insert(ctx, hook, dmabuf, tr, vma, addr, ret, n);
}

/*
 * An insert into the vma of this thread's dma-buf mmap in progress: counted in
 * its mmap_call (true), but for the first successful one, which is reported
 * as usual (with its stack in the exporter's mmap).
 */
static __always_inline bool insert_deferred(struct vm_area_struct *vma, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mmap_call *m = bpf_map_lookup_elem(&mmap_calls, &tid);

	if (!m || m->vma != (__u64)vma)
		return false;
	if (ret)
		return true; /* nothing inserted, nothing to count */
	if (!m->reported) {
		m->reported = 1;
		return false;
	}
	m->pages++;
	return true;
}

/* The mmap returned: its deferred inserts counted as page_inserted() would have. */
static __always_inline void mmap_flush(void *ctx, struct dma_buf *dmabuf,
				       struct vm_area_struct *vma)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mmap_call *m = bpf_map_lookup_elem(&mmap_calls, &tid);
	__u64 pages;

	if (!m)
		return;
	pages = m->vma == (__u64)vma ? m->pages : 0;
	m->vma = 0; /* kept for the thread's next mmap */
	m->pages = 0;
	if (!pages || !dmabuf)
		return;
	counter_add_n(DA_CTR_HOOK_BASE + DA_HOOK_INSERT_PAGE, pages);
	report_insert(ctx, DA_HOOK_INSERT_PAGE, dmabuf, NULL, vma, 0, 0, pages);
}

/*
 * pte_not_special check point: the return of finish_fault(), the end of
 * every fault a vma's own ->fault handler resolved with a page (vmf->page:
 * do_read/do_shared/do_cow_fault). That is the one way a struct page pte
 * enters a vma without any insert function. The pte is read back from
 * vmf->pte: finish_fault has dropped the pte lock, but the faulting task
 * still holds mmap_lock, so the page table cannot be freed under us.
 * Chosen for correctness and cost: once per fault, outside the pte lock.
 * The pte install itself (do_set_pte, set_pte_range) also runs for every
 * fault-around page of every file under the pte lock: far hotter, and a
 * trampoline there was seen to wedge 6.1 guests while programs detached.
 * vm_normal_page sees ptes only when something walks them later (GUP or
 * zap); a page-table walk needs per-arch level logic.
 */
static __always_inline void fault_done(void *ctx, struct dma_buf *dmabuf,
				       const struct da_tracked *tr, struct vm_area_struct *vma,
				       bool has_pte, __u64 pte, __u64 addr, int ret)
{
	if (!has_pte || ret)
		return;
	counter_add(DA_CTR_HOOK_BASE + DA_HOOK_PTE_INSTALL);
	/* an unreadable pte reads as 0: not present, nothing reported */
	if (!(pte & PTE_PRESENT) || (pte & PTE_SPECIAL))
		return;
	report(ctx, DA_KIND_PTE_NOT_SPECIAL, DA_HOOK_PTE_INSTALL, dmabuf, tr, vma, addr, 0, 0, pte);
}

/* The same with a raw pte pointer (kprobes). */
static __always_inline void fault_done_probe(void *ctx, struct dma_buf *dmabuf,
					     const struct da_tracked *tr,
					     struct vm_area_struct *vma, pte_t *ptep, __u64 addr,
					     int ret)
{
	__u64 pte = 0;

	if (ptep && bpf_probe_read_kernel(&pte, sizeof(pte), ptep))
		pte = 0;
	fault_done(ctx, dmabuf, tr, vma, ptep, pte, addr, ret);
}

/*
 * A huge entry went into a dma-buf vma (vmf_insert_pfn_pmd/_pud, TTM-style
 * huge faults; vmf_insert_folio_pmd/_pud, struct pages by design). GUP-fast
 * refuses a huge entry only for its special bit (gup_fast_pmd_leaf, 6.12+);
 * without it, it takes references on the pages behind a pfn that has them.
 * ENTRY: the pmd/pud read back after the call (0 when unreadable: nothing).
 */
static __always_inline void huge_done(void *ctx, struct dma_buf *dmabuf,
				      const struct da_tracked *tr, struct vm_area_struct *vma,
				      __u64 entry, __u64 addr, int level)
{
	counter_add(DA_CTR_HOOK_BASE + DA_HOOK_HUGE_INSERT);
	if (!(entry & PTE_PRESENT) || !ENTRY_IS_HUGE(entry) || (entry & PTE_SPECIAL))
		return;
	report(ctx, huge_special ? DA_KIND_HUGE_NOT_SPECIAL : DA_KIND_HUGE_ENTRY,
	       DA_HOOK_HUGE_INSERT, dmabuf, tr, vma, addr, 0, level, entry);
}

/* The entry at vmf->pmd or vmf->pud once the insert returned (raw pointers: kprobes too). */
static __always_inline void huge_inserted(void *ctx, struct vm_fault *vmf, int level)
{
	struct vm_area_struct *vma = BPF_CORE_READ(vmf, vma);
	struct dma_buf *dmabuf = dmabuf_of_vma(vma);
	struct da_tracked *tr = NULL;
	void *entryp;
	__u64 entry = 0;

	RESOLVE_OR_RETURN(dmabuf, tr, vma, );
	/* pmd_t and pud_t are one 64-bit word (a folded level nests it in a struct) */
	entryp = level == DA_HUGE_PUD ? (void *)BPF_CORE_READ(vmf, pud) :
					(void *)BPF_CORE_READ(vmf, pmd);
	if (entryp && bpf_probe_read_kernel(&entry, sizeof(entry), entryp))
		entry = 0;
	huge_done(ctx, dmabuf, tr, vma, entry, BPF_CORE_READ(vmf, address), level);
}

/* ---- GUP-fast ---------------------------------------------------------- */

/*
 * A GUP-fast call begins in this process: remember it if the process mapped
 * a dma-buf into this mm (not a reused mm_struct: the tgid must match).
 */
static __always_inline void fast_enter(__u64 mm, __u32 tgid, __u64 start, __u64 gup_flags)
{
	struct fast_call *p, fc;
	__u32 *owner, tid;

	if (!mapper_tgids[tgid & (MAPPER_SLOTS - 1)] || !mm)
		return;
	owner = bpf_map_lookup_elem(&dmabuf_mms, &mm);
	if (!owner || *owner != tgid || skip_tgid(tgid))
		return;
	fc = (struct fast_call){ .start = start, .gup_flags = gup_flags, .active = 1 };
	tid = (__u32)bpf_get_current_pid_tgid();
	p = bpf_map_lookup_elem(&fast_calls, &tid);
	if (!p && bpf_map_update_elem(&fast_calls, &tid, &fc, BPF_NOEXIST))
		return;
	/* still active: a kretprobe missed its return, counted once */
	if (!p || !p->active)
		__sync_fetch_and_add(&nr_fast_calls, 1);
	if (p)
		*p = fc; /* only this thread writes its entry */
}

/* The same from a kprobe or an fentry without the BTF task helper (5.10). */
static __always_inline void fast_enter_probe(__u64 start, __u64 gup_flags)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	fast_enter((__u64)BPF_CORE_READ(task, mm), bpf_get_current_pid_tgid() >> 32, start,
		   gup_flags);
}

/*
 * What the vma lookup found, as plain numbers: the verifier keeps no pointer
 * type across the callback. Read again after it with CO-RE probe reads
 * (mmap_lock no longer held: a vma unmapped meanwhile reads stale or 0,
 * never faults).
 */
struct find_ctx {
	__u64 vma;
	__u64 dmabuf;
	int found;
};

static long find_dmabuf_vma(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct find_ctx *c = data;
	struct dma_buf *dmabuf = dmabuf_of_vma_btf(vma);
	struct da_tracked *tr = NULL;

	RESOLVE_OR_RETURN(dmabuf, tr, vma, 0);
	c->vma = (__u64)vma;
	c->dmabuf = (__u64)dmabuf;
	c->found = 1;
	return 0;
}

/*
 * The GUP-fast entry returned ret pages from start. The lockless walker
 * (inlined: lockless_pages_from_mm / gup_fast) stops at the first pte with
 * pte_special, so pages from a dma-buf vma prove normal ptes there. When the
 * fallback reached the slow path on that vma, check_vma_flags reported it
 * (and the split between the two is unknown): no GUP-fast finding then.
 */
/* The GUP-fast call this thread is returning from, if it needs a check. */
static __always_inline bool fast_take(struct fast_call *fc, int ret)
{
	struct fast_call *p;
	__u32 tid;

	if (!nr_fast_calls)
		return false; /* before any helper call: the exit of every GUP-fast call */
	tid = (__u32)bpf_get_current_pid_tgid();
	p = bpf_map_lookup_elem(&fast_calls, &tid);
	if (!p || !p->active)
		return false;
	*fc = *p;
	p->active = 0;
	__sync_fetch_and_add(&nr_fast_calls, -1);
	return ret > 0 && !fc->slow_ran;
}

/* The pages a GUP-fast call took from a dma-buf vma (or a swapped one's). */
static __always_inline void fast_report(void *ctx, struct dma_buf *dmabuf,
					struct vm_area_struct *vma, const struct fast_call *fc,
					int ret)
{
	struct da_tracked *tr = NULL;

	RESOLVE_OR_RETURN(dmabuf, tr, vma, );
	counter_add(DA_CTR_HOOK_BASE + DA_HOOK_GUP_FAST);
	report(ctx, DA_KIND_GUP_FAST_ON_DMABUF, DA_HOOK_GUP_FAST, dmabuf, tr, vma, fc->start,
	       fc->gup_flags, ret, 0);
}

static __always_inline void fast_exit(void *ctx, int ret)
{
	struct find_ctx c = {};
	struct fast_call fc;

	if (!fast_take(&fc, ret))
		return;
	/*
	 * -EBUSY: mmap_lock contended, or IRQs are off (kretprobes on arm64)
	 * and this CPU's deferred mmap unlock is still queued, as when two
	 * auditors run. Counted: the summary says how many went unchecked.
	 */
	if (bpf_find_vma(bpf_get_current_task_btf(), fc.start, find_dmabuf_vma, &c, 0) == -EBUSY) {
		counter_add(DA_CTR_GUP_FAST_UNVERIFIED);
		return;
	}
	if (c.found)
		fast_report(ctx, (struct dma_buf *)c.dmabuf, (struct vm_area_struct *)c.vma, &fc,
			    ret);
}

/*
 * Kernels without bpf_find_vma (before 5.17) still link their vmas in a
 * sorted list (mm->mmap, vm_next: gone in 6.1). Walk it with probe reads:
 * no mmap_lock, so a concurrent unmap can only make the walk miss. CO-RE
 * flavors: these programs are loaded only where the fields exist.
 */
struct vm_area_struct___list {
	unsigned long vm_start;
	unsigned long vm_end;
	struct vm_area_struct___list *vm_next;
} __attribute__((preserve_access_index));

struct mm_struct___list {
	struct vm_area_struct___list *mmap;
} __attribute__((preserve_access_index));

/*
 * A bound the verifier can prove (each step is unrolled at load time). A walk
 * that reaches it without passing addr leaves the call unchecked: counted as
 * unverified, never taken for "not a dma-buf".
 */
#define VMA_WALK_MAX 1024

static __always_inline struct vm_area_struct *walk_find_vma(__u64 addr, bool *cut)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct mm_struct___list *mm = (struct mm_struct___list *)BPF_CORE_READ(task, mm);
	struct vm_area_struct___list *v = BPF_CORE_READ(mm, mmap);

	*cut = false;
	for (int i = 0; i < VMA_WALK_MAX && v; i++) {
		if (addr < BPF_CORE_READ(v, vm_start))
			return NULL; /* sorted: not mapped */
		if (addr < BPF_CORE_READ(v, vm_end))
			return (struct vm_area_struct *)v;
		v = BPF_CORE_READ(v, vm_next);
	}
	*cut = v != NULL;
	return NULL;
}

static __always_inline void fast_exit_walk(void *ctx, int ret)
{
	struct vm_area_struct *vma;
	struct fast_call fc;
	bool cut;

	if (!fast_take(&fc, ret))
		return;
	vma = walk_find_vma(fc.start, &cut);
	if (!vma) {
		if (cut)
			counter_add(DA_CTR_GUP_FAST_UNVERIFIED);
		return;
	}
	fast_report(ctx, dmabuf_of_vma(vma), vma, &fc, ret);
}

/*
 * follow_page_mask(): the GUP slow path calls it for each page of a vma
 * that check_vma_flags() accepted (inlined on 5.10). A page returned from a
 * dma-buf vma is a struct page reference taken. Refusals are not visible
 * here: no gup_blocked through this variant.
 */
static __always_inline void page_followed(void *ctx, struct dma_buf *dmabuf,
					  const struct da_tracked *tr, struct vm_area_struct *vma,
					  __u64 addr, __u64 gup_flags)
{
	fast_slow_ran();
	counter_add(DA_CTR_HOOK_BASE + DA_HOOK_GUP_SLOW);
	report(ctx, DA_KIND_GUP_ON_DMABUF, DA_HOOK_GUP_SLOW, dmabuf, tr, vma, addr, gup_flags, 0,
	       0);
}

static __always_inline bool is_page(__u64 ret)
{
	return ret && ret < (__u64)-4095; /* !IS_ERR_OR_NULL */
}

/* ---- fentry/fexit set (targets set by user space) --------------------- */

/* dma_buf_mmap_internal is the dma-buf file's own mmap: file is a dma-buf's. */
SEC("fentry")
int BPF_PROG(fentry_mmap, struct file *file, struct vm_area_struct *vma)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct mmap_call *p, m = { .vma = (__u64)vma };

	if (skip_tgid(pid_tgid >> 32))
		return 0;
	p = bpf_map_lookup_elem(&mmap_calls, &tid);
	if (p)
		*p = m; /* only this thread writes its entry */
	else
		bpf_map_update_elem(&mmap_calls, &tid, &m, BPF_ANY);
	return 0;
}

SEC("fexit")
int BPF_PROG(fexit_mmap, struct file *file, struct vm_area_struct *vma, int ret)
{
	struct dma_buf *dmabuf = dmabuf_of_file_btf(file);

	mmap_flush(ctx, dmabuf, vma); /* before the vma's finding: its first page came first */
	mmap_done(ctx, DA_HOOK_MMAP, dmabuf, vma, ret);
	return 0;
}

SEC("fexit")
int BPF_PROG(fexit_mmap_import, struct dma_buf *dmabuf, struct vm_area_struct *vma,
	     unsigned long pgoff, int ret)
{
	mmap_done(ctx, DA_HOOK_MMAP_IMPORT, dmabuf, vma, ret);
	return 0;
}

SEC("fexit")
int BPF_PROG(fexit_gup_slow, struct vm_area_struct *vma, unsigned long gup_flags, int ret)
{
	struct dma_buf *dmabuf = dmabuf_of_vma_btf(vma);
	struct da_tracked *tr = NULL;

	RESOLVE_OR_RETURN(dmabuf, tr, vma, 0);
	gup_checked(ctx, dmabuf, tr, vma, gup_flags, ret);
	return 0;
}

SEC("fexit")
int BPF_PROG(fexit_insert_page, struct vm_area_struct *vma, unsigned long addr,
	     struct page *page, int ret)
{
	struct dma_buf *dmabuf = dmabuf_of_vma_btf(vma);
	struct da_tracked *tr = NULL;

	RESOLVE_OR_RETURN(dmabuf, tr, vma, 0);
	if (insert_deferred(vma, ret))
		return 0;
	page_inserted(ctx, DA_HOOK_INSERT_PAGE, dmabuf, tr, vma, addr, ret, !ret);
	return 0;
}

/* gup_fast_fallback and internal_get_user_pages_fast share this signature. */
SEC("fentry")
int BPF_PROG(fentry_gup_fast, unsigned long start, unsigned long nr_pages, unsigned int gup_flags)
{
	fast_enter_probe(start, gup_flags);
	return 0;
}

/*
 * Where bpf_find_vma exists (5.17) the BTF task helper does too: the mm and
 * tgid are plain loads, not helper calls (this runs on every GUP-fast call).
 */
SEC("fentry")
int BPF_PROG(fentry_gup_fast_btf, unsigned long start, unsigned long nr_pages,
	     unsigned int gup_flags)
{
	struct task_struct *task = bpf_get_current_task_btf();

	fast_enter((__u64)task->mm, task->tgid, start, gup_flags);
	return 0;
}

SEC("fexit")
int BPF_PROG(fexit_gup_fast_walk, unsigned long start, unsigned long nr_pages,
	     unsigned int gup_flags, struct page **pages, long ret)
{
	fast_exit_walk(ctx, (int)ret);
	return 0;
}

SEC("fexit")
int BPF_PROG(fexit_follow_page, struct vm_area_struct *vma, unsigned long address,
	     unsigned int flags, void *fctx, struct page *ret)
{
	struct dma_buf *dmabuf;
	struct da_tracked *tr = NULL;

	if (!is_page((__u64)ret))
		return 0;
	dmabuf = dmabuf_of_vma_btf(vma);
	RESOLVE_OR_RETURN(dmabuf, tr, vma, 0);
	page_followed(ctx, dmabuf, tr, vma, address, flags);
	return 0;
}

SEC("fexit")
int BPF_PROG(fexit_gup_fast, unsigned long start, unsigned long nr_pages, unsigned int gup_flags,
	     struct page **pages, long ret)
{
	fast_exit(ctx, (int)ret);
	return 0;
}

/* vm_fault_t finish_fault(struct vm_fault *vmf): 5.10 to 6.18 */
SEC("fexit")
int BPF_PROG(fexit_finish_fault, struct vm_fault *vmf, unsigned int ret)
{
	struct vm_area_struct *vma = vmf->vma;
	struct dma_buf *dmabuf = dmabuf_of_vma_btf(vma);
	struct da_tracked *tr = NULL;
	pte_t *ptep;

	RESOLVE_OR_RETURN(dmabuf, tr, vma, 0);
	ptep = vmf->pte;
	/* a BTF load, no helper call (a fault on the pointer reads 0) */
	fault_done(ctx, dmabuf, tr, vma, ptep, ptep ? ptep->pte : 0, vmf->address, ret);
	return 0;
}

/*
 * Huge inserts: vmf_insert_pfn_pmd (5.10 to 6.2: vmf_insert_pfn_pmd_prot) and
 * vmf_insert_folio_pmd (6.15), the pud twins. Their first argument is the
 * struct vm_fault; the rest (pfn_t, pgprot_t, write) differ and are not read,
 * so one program serves every signature. The return value is not read either:
 * the entry read back says what was installed.
 */
SEC("fexit")
int BPF_PROG(fexit_huge_pmd, struct vm_fault *vmf)
{
	huge_inserted(ctx, vmf, DA_HUGE_PMD);
	return 0;
}

SEC("fexit")
int BPF_PROG(fexit_huge_folio_pmd, struct vm_fault *vmf)
{
	huge_inserted(ctx, vmf, DA_HUGE_PMD);
	return 0;
}

/* vmf_insert_pfn_pud (5.10 to 6.2: _prot; the two never coexist in one kernel) */
SEC("fexit")
int BPF_PROG(fexit_huge_pud, struct vm_fault *vmf)
{
	huge_inserted(ctx, vmf, DA_HUGE_PUD);
	return 0;
}

SEC("fexit")
int BPF_PROG(fexit_huge_folio_pud, struct vm_fault *vmf)
{
	huge_inserted(ctx, vmf, DA_HUGE_PUD);
	return 0;
}

/* vma tracking: split, fork and mremap copy a vma with vm_area_dup() */
static __always_inline void vma_duplicated(struct vm_area_struct *orig, struct vm_area_struct *new)
{
	struct da_tracked *tr;

	if (!new)
		return;
	tr = tracked_vma(orig);
	if (!tr)
		return;
	counter_add(DA_CTR_HOOK_BASE + DA_HOOK_VMA_DUP);
	track_insert((__u64)new, tr); /* a map value is a valid value to insert */
}

static __always_inline void vma_freed(struct vm_area_struct *vma)
{
	__u64 key = (__u64)vma;

	if (nr_tracked && !bpf_map_delete_elem(&tracked, &key)) {
		__sync_fetch_and_add(&nr_tracked, -1);
		counter_add(DA_CTR_HOOK_BASE + DA_HOOK_VMA_FREE);
	}
}

SEC("fexit")
int BPF_PROG(fexit_vma_dup, struct vm_area_struct *orig, struct vm_area_struct *new)
{
	if (nr_tracked)
		vma_duplicated(orig, new);
	return 0;
}

SEC("fentry")
int BPF_PROG(fentry_vma_free, struct vm_area_struct *vma)
{
	vma_freed(vma);
	return 0;
}

/* The same on __vm_area_free, where exit_mmap frees vmas directly (6.4 to 6.12). */
SEC("fentry")
int BPF_PROG(fentry_vma_free_direct, struct vm_area_struct *vma)
{
	vma_freed(vma);
	return 0;
}

/* ---- kprobe/kretprobe fallback (attached by function name) ------------ */

/* vm_insert_pages: asked for minus left over (*num, written back by the kernel). */
static __always_inline __u64 pages_put_in(const struct call_args *a)
{
	unsigned long left = 0;

	if (bpf_probe_read_kernel(&left, sizeof(left), (void *)a->aux))
		return 0;
	return a->count > left ? a->count - left : 0;
}

/* The same outcome handlers as the fexit programs, chosen by hook id. */
static __always_inline void call_done(void *ctx, __u32 hook, const struct call_args *a, int ret)
{
	struct dma_buf *dmabuf = (struct dma_buf *)a->dmabuf;
	struct vm_area_struct *vma = (struct vm_area_struct *)a->vma;
	struct vm_fault *vmf = (struct vm_fault *)a->aux;
	struct da_tracked *tr = NULL;

	if (hook == DA_HOOK_MMAP || hook == DA_HOOK_MMAP_IMPORT) {
		mmap_done(ctx, hook, dmabuf, vma, ret);
		return;
	}
	/* a swapped vma may have been freed since the entry probe */
	RESOLVE_OR_RETURN(dmabuf, tr, vma, );
	if (hook == DA_HOOK_GUP_SLOW)
		gup_checked(ctx, dmabuf, tr, vma, a->arg, ret);
	else if (hook == CALL_FOLLOW_PAGE) {
		if (!ret)
			page_followed(ctx, dmabuf, tr, vma, a->aux, a->arg);
	}
	else if (hook == DA_HOOK_PTE_INSTALL)
		fault_done_probe(ctx, dmabuf, tr, vma, BPF_CORE_READ(vmf, pte), a->arg, ret);
	else if (hook == DA_HOOK_HUGE_INSERT)
		huge_inserted(ctx, vmf, (int)a->arg);
	else if (hook == DA_HOOK_INSERT_PAGES)
		page_inserted(ctx, hook, dmabuf, tr, vma, a->arg, ret, pages_put_in(a));
	else
		page_inserted(ctx, hook, dmabuf, tr, vma, a->arg, ret, !ret);
}

/*
 * Entry: remember a dma-buf call for the matching return probe. entry_stack:
 * a kretprobe's own stack may be cut at its trampoline (before 5.14), so the
 * entry's is kept for it; an fexit program has the whole stack itself, and a
 * stack walk is the dearest thing a program here does (about 40 us under TCG).
 */
static __always_inline void start_call_n(void *ctx, __u32 hook, struct dma_buf *dmabuf,
					 struct vm_area_struct *vma, __u64 arg, __u64 aux,
					 __u64 count, bool entry_stack)
{
	struct call_key key = { (__u32)bpf_get_current_pid_tgid(), hook };
	__u32 zero = 0;
	struct call_args *args = bpf_map_lookup_elem(&call_scratch, &zero);
	long len;

	/* a swapped vma has no dma-buf here: the return probe looks it up */
	if (!args || (!dmabuf && !tracked_vma(vma)))
		return;
	args->vma = (__u64)vma;
	args->dmabuf = (__u64)dmabuf;
	args->arg = arg;
	args->aux = aux;
	args->count = count;
	args->__pad = 0;
	len = entry_stack ? bpf_get_stack(ctx, args->stack, sizeof(args->stack), 0) : 0;
	args->stack_len = len > 0 ? len / sizeof(__u64) : 0;
	bpf_map_update_elem(&calls, &key, args, BPF_ANY);
}

static __always_inline void start_call(void *ctx, __u32 hook, struct dma_buf *dmabuf,
				       struct vm_area_struct *vma, __u64 arg, __u64 aux)
{
	start_call_n(ctx, hook, dmabuf, vma, arg, aux, 0, true);
}

/*
 * vm_insert_pages entry: the pages asked for, and where the count left is written back
 * (start_call_n keeps them only for a dma-buf vma; the function is rare, the read cheap).
 */
static __always_inline void start_insert_pages(void *ctx, struct dma_buf *dmabuf,
					       struct vm_area_struct *vma, unsigned long addr,
					       unsigned long *num, bool entry_stack)
{
	unsigned long asked = 0;

	bpf_probe_read_kernel(&asked, sizeof(asked), num);
	start_call_n(ctx, DA_HOOK_INSERT_PAGES, dmabuf, vma, addr, (__u64)num, asked, entry_stack);
}

/* Return: nothing saved means the call was not on a dma-buf. */
static __always_inline void finish_call(void *ctx, __u32 hook, int ret)
{
	struct call_key key = { (__u32)bpf_get_current_pid_tgid(), hook };
	struct call_args *args = bpf_map_lookup_elem(&calls, &key);
	__u32 one = 1;
	struct call_args *a = bpf_map_lookup_elem(&call_scratch, &one);

	if (!args || !a)
		return;
	__builtin_memcpy(a, args, sizeof(*a));
	bpf_map_delete_elem(&calls, &key);
	call_done(ctx, hook, a, ret);
	a->stack_len = 0; /* fexit and other programs on this CPU take their own */
}

SEC("kprobe")
int BPF_KPROBE(kprobe_mmap, struct file *file, struct vm_area_struct *vma)
{
	start_call(ctx, DA_HOOK_MMAP, dmabuf_of_file(file), vma, 0, 0);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_mmap, int ret)
{
	finish_call(ctx, DA_HOOK_MMAP, ret);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kprobe_mmap_import, struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	start_call(ctx, DA_HOOK_MMAP_IMPORT, dmabuf, vma, 0, 0);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_mmap_import, int ret)
{
	finish_call(ctx, DA_HOOK_MMAP_IMPORT, ret);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kprobe_gup_slow, struct vm_area_struct *vma, unsigned long gup_flags)
{
	start_call(ctx, DA_HOOK_GUP_SLOW, dmabuf_of_vma(vma), vma, gup_flags, 0);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_gup_slow, int ret)
{
	finish_call(ctx, DA_HOOK_GUP_SLOW, ret);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kprobe_insert_page, struct vm_area_struct *vma, unsigned long addr)
{
	start_call(ctx, DA_HOOK_INSERT_PAGE, dmabuf_of_vma(vma), vma, addr, 0);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_insert_page, int ret)
{
	finish_call(ctx, DA_HOOK_INSERT_PAGE, ret);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kprobe_insert_pages, struct vm_area_struct *vma, unsigned long addr,
	       struct page **pages, unsigned long *num)
{
	start_insert_pages(ctx, dmabuf_of_vma(vma), vma, addr, num, true);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_insert_pages, int ret)
{
	finish_call(ctx, DA_HOOK_INSERT_PAGES, ret);
	return 0;
}

/*
 * vm_insert_pages(vma, addr, pages, num): *num pages in, *num left on return
 * (some may be in even when it fails). The entry remembers how many were asked.
 */
SEC("fentry")
int BPF_PROG(fentry_insert_pages, struct vm_area_struct *vma, unsigned long addr)
{
	/*
	 * num is read through the trampoline's argument array: older verifiers
	 * refuse a direct read of an argument that points to a scalar (measured on
	 * 5.10: "arg3 type INT is not a struct", the whole object fails to load).
	 */
	unsigned long *num = NULL;

	bpf_probe_read_kernel(&num, sizeof(num), (__u64 *)ctx + 3);
	start_insert_pages(ctx, dmabuf_of_vma_btf(vma), vma, addr, num, false);
	return 0;
}

SEC("fexit")
int BPF_PROG(fexit_insert_pages, struct vm_area_struct *vma, unsigned long addr,
	     struct page **pages, unsigned long *num, int ret)
{
	finish_call(ctx, DA_HOOK_INSERT_PAGES, ret);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kprobe_gup_fast, unsigned long start, unsigned long nr_pages,
	       unsigned int gup_flags)
{
	fast_enter_probe(start, gup_flags);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_gup_fast_walk, long ret)
{
	fast_exit_walk(ctx, (int)ret);
	return 0;
}

/* follow_page_mask: entry saves (vma, address, flags); the return says page or not */

SEC("kprobe")
int BPF_KPROBE(kprobe_follow_page, struct vm_area_struct *vma, unsigned long address,
	       unsigned int flags)
{
	start_call(ctx, CALL_FOLLOW_PAGE, dmabuf_of_vma(vma), vma, flags, address);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_follow_page, void *ret)
{
	/* call_done: 0 = a page came back */
	finish_call(ctx, CALL_FOLLOW_PAGE, is_page((__u64)ret) ? 0 : 1);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_gup_fast, long ret)
{
	fast_exit(ctx, (int)ret);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kprobe_finish_fault, struct vm_fault *vmf)
{
	struct vm_area_struct *vma = BPF_CORE_READ(vmf, vma);

	start_call(ctx, DA_HOOK_PTE_INSTALL, dmabuf_of_vma(vma), vma, BPF_CORE_READ(vmf, address),
		   (__u64)vmf);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_finish_fault, unsigned int ret)
{
	finish_call(ctx, DA_HOOK_PTE_INSTALL, ret);
	return 0;
}

/* huge inserts: the vm_fault kept for the return (level in arg) */
static __always_inline void huge_enter(void *ctx, struct vm_fault *vmf, int level)
{
	struct vm_area_struct *vma = BPF_CORE_READ(vmf, vma);

	start_call(ctx, DA_HOOK_HUGE_INSERT, dmabuf_of_vma(vma), vma, level, (__u64)vmf);
}

SEC("kprobe")
int BPF_KPROBE(kprobe_huge_pmd, struct vm_fault *vmf)
{
	huge_enter(ctx, vmf, DA_HUGE_PMD);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kprobe_huge_pud, struct vm_fault *vmf)
{
	huge_enter(ctx, vmf, DA_HUGE_PUD);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_huge_insert, unsigned int ret)
{
	finish_call(ctx, DA_HOOK_HUGE_INSERT, ret);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kprobe_vma_dup, struct vm_area_struct *orig)
{
	struct call_key key = { (__u32)bpf_get_current_pid_tgid(), DA_HOOK_VMA_DUP };
	__u32 zero = 0;
	struct call_args *args = bpf_map_lookup_elem(&call_scratch, &zero);

	if (!args || !tracked_vma(orig))
		return 0;
	args->vma = (__u64)orig;
	args->stack_len = 0;
	bpf_map_update_elem(&calls, &key, args, BPF_ANY);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_vma_dup, struct vm_area_struct *new)
{
	struct call_key key = { (__u32)bpf_get_current_pid_tgid(), DA_HOOK_VMA_DUP };
	struct call_args *a;
	__u64 orig;

	if (!nr_tracked)
		return 0;
	a = bpf_map_lookup_elem(&calls, &key);
	if (!a)
		return 0;
	orig = a->vma;
	bpf_map_delete_elem(&calls, &key);
	vma_duplicated((struct vm_area_struct *)orig, new);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kprobe_vma_free, struct vm_area_struct *vma)
{
	vma_freed(vma);
	return 0;
}

/*
 * exit_mmap: an address space is torn down. Its dmabuf_mms entry goes with it,
 * so that short-lived processes that mapped a dma-buf never push a live one's
 * entry out of the LRU (which would silently end GUP-fast checks for it). The
 * mm's address is the key. A lookup first: a delete takes the bucket lock with
 * interrupts off even for a missing key (make bench: 26 us per exit under TCG,
 * against 1.4 for an empty program), and most processes never mapped one.
 */
static __always_inline void mm_gone(__u64 mm)
{
	if (bpf_map_lookup_elem(&dmabuf_mms, &mm))
		bpf_map_delete_elem(&dmabuf_mms, &mm);
}

SEC("fentry")
int BPF_PROG(fentry_exit_mmap, struct mm_struct *mm)
{
	mm_gone((__u64)mm);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kprobe_exit_mmap, struct mm_struct *mm)
{
	mm_gone((__u64)mm);
	return 0;
}

/* ---- in-kernel pfn lookups (kernel_pfn_lookup) ------------------------- */

/*
 * x86 PAT reads the first pfn of a VM_PAT vma when it untracks it (munmap,
 * exit) or copies it (fork): the kernel's own bookkeeping of a compliant
 * mapping, not a user of its memory. Those calls are bracketed here (tid
 * present while untrack_pfn / track_pfn_copy run) and their lookups left
 * out. Where PAT does not look pfns up (arm64, 6.17+), nothing is hooked.
 */
#define PAT_SLOTS (1 << 14)
__u32 pat_tids[PAT_SLOTS] = {};

/*
 * A slot per tid (modulo the slots) holding the tid inside a bracket: plain
 * stores, no map update or delete (those take the map's locks: make bench
 * measured 9 and 27 us per untrack_pfn under TCG against 0.7 for an empty
 * program, on every PFNMAP unmap). Only two threads of equal tid modulo the
 * slots inside PAT at once could see each other's mark.
 */
static __always_inline void pat_enter(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	pat_tids[tid & (PAT_SLOTS - 1)] = tid;
}

static __always_inline void pat_leave(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), slot = tid & (PAT_SLOTS - 1);

	if (pat_tids[slot] == tid)
		pat_tids[slot] = 0;
}

static __always_inline bool in_pat(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	return tid && pat_tids[tid & (PAT_SLOTS - 1)] == tid;
}

/*
 * Kernel code resolved the pfn behind ADDR of a dma-buf vma (KVM, VFIO, a
 * driver): it may keep using memory the exporter moves or frees. A warning:
 * the exporter may be compliant, the user of its pfns is what to change.
 * Checked after the dma-buf test: other vmas leave after it.
 */
static __always_inline void pfn_looked_up(void *ctx, struct dma_buf *dmabuf,
					  struct vm_area_struct *vma, __u64 addr)
{
	struct da_tracked *tr = NULL;

	RESOLVE_OR_RETURN(dmabuf, tr, vma, );
	if (in_pat())
		return;
	counter_add(DA_CTR_HOOK_BASE + DA_HOOK_PFN_LOOKUP);
	report(ctx, DA_KIND_KERNEL_PFN_LOOKUP, DA_HOOK_PFN_LOOKUP, dmabuf, tr, vma, addr, 0, 0, 0);
}

/*
 * follow_pte(mm, address, ...) (5.10 to 6.9) names an address space, not a
 * vma: the vma is looked up in the caller's own mm (every lookup of KVM,
 * VFIO and the lab's module is of current->mm). Another mm's, or a lookup
 * the kernel refuses (its mmap_lock held for writing), is counted as
 * unverified. The PAT test comes first: PAT runs with that lock written.
 */
static __always_inline bool pfn_mm_is_current(__u64 mm)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	if (mm == (__u64)BPF_CORE_READ(task, mm))
		return true;
	counter_add(DA_CTR_PFN_LOOKUP_UNVERIFIED);
	return false;
}

static __always_inline void pfn_lookup_mm(void *ctx, __u64 mm, __u64 addr)
{
	struct find_ctx c = {};

	if (in_pat() || !pfn_mm_is_current(mm))
		return;
	if (bpf_find_vma(bpf_get_current_task_btf(), addr, find_dmabuf_vma, &c, 0) == -EBUSY) {
		counter_add(DA_CTR_PFN_LOOKUP_UNVERIFIED);
		return;
	}
	if (c.found)
		pfn_looked_up(ctx, (struct dma_buf *)c.dmabuf, (struct vm_area_struct *)c.vma, addr);
}

/* Without bpf_find_vma (5.10 to 5.16): the vma list, as the GUP-fast walk. */
static __always_inline void pfn_lookup_walk(void *ctx, __u64 mm, __u64 addr)
{
	struct vm_area_struct *vma;
	bool cut;

	if (in_pat() || !pfn_mm_is_current(mm))
		return;
	vma = walk_find_vma(addr, &cut);
	if (!vma) {
		if (cut)
			counter_add(DA_CTR_PFN_LOOKUP_UNVERIFIED);
		return;
	}
	pfn_looked_up(ctx, dmabuf_of_vma(vma), vma, addr);
}

/* struct follow_pfnmap_args (6.12+): its inputs, by CO-RE. */
struct follow_pfnmap_args___da {
	struct vm_area_struct *vma;
	unsigned long address;
} __attribute__((preserve_access_index));

SEC("fentry")
int BPF_PROG(fentry_pfnmap_start, struct follow_pfnmap_args___da *args)
{
	struct vm_area_struct *vma = args->vma;

	pfn_looked_up(ctx, dmabuf_of_vma_btf(vma), vma, args->address);
	return 0;
}

/* follow_pte(struct vm_area_struct *vma, ...): 6.10 and 6.11 */
SEC("fentry")
int BPF_PROG(fentry_follow_pte_vma, struct vm_area_struct *vma, unsigned long address)
{
	pfn_looked_up(ctx, dmabuf_of_vma_btf(vma), vma, address);
	return 0;
}

SEC("fentry")
int BPF_PROG(fentry_follow_pte_mm, struct mm_struct *mm, unsigned long address)
{
	pfn_lookup_mm(ctx, (__u64)mm, address);
	return 0;
}

SEC("fentry")
int BPF_PROG(fentry_follow_pte_walk, struct mm_struct *mm, unsigned long address)
{
	pfn_lookup_walk(ctx, (__u64)mm, address);
	return 0;
}

/* The PAT brackets: one program per function for fentry (one target each). */
SEC("fentry")
int BPF_PROG(fentry_pat_untrack)
{
	pat_enter();
	return 0;
}

SEC("fexit")
int BPF_PROG(fexit_pat_untrack)
{
	pat_leave();
	return 0;
}

SEC("fentry")
int BPF_PROG(fentry_pat_copy)
{
	pat_enter();
	return 0;
}

SEC("fexit")
int BPF_PROG(fexit_pat_copy)
{
	pat_leave();
	return 0;
}

/*
 * kprobes: the lookup is reported at the return. There the stack starts in
 * the caller (an arm64 kprobe at a function's entry unwinds from the caller's
 * frame record and leaves the caller out), and the vma of an mm is looked up
 * there: kprobe handlers run with IRQs off on arm64, where bpf_find_vma
 * defers its unlock and refuses another lookup on the CPU until it ran (at
 * the entry the lab's arm64 6.1 refused the second of two auditors; at the
 * return both found the vma). (5.10's variant stays at the
 * entry: its return stacks end at kretprobe_trampoline, and its vma list walk
 * takes no lock.)
 */
struct pfn_call {
	__u64 vma; /* or 0: look the vma of mm up */
	__u64 mm;
	__u64 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32); /* tid */
	__type(value, struct pfn_call);
} pfn_calls SEC(".maps");

static __always_inline void pfn_call_save(__u64 vma, __u64 mm, __u64 addr)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pfn_call c = { vma, mm, addr };

	if (!in_pat())
		bpf_map_update_elem(&pfn_calls, &tid, &c, BPF_ANY);
}

SEC("kprobe")
int BPF_KPROBE(kprobe_pfnmap_start, struct follow_pfnmap_args___da *args)
{
	pfn_call_save((__u64)BPF_CORE_READ(args, vma), 0, BPF_CORE_READ(args, address));
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kprobe_follow_pte_vma, struct vm_area_struct *vma, unsigned long address)
{
	pfn_call_save((__u64)vma, 0, address);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kprobe_follow_pte_mm, struct mm_struct *mm, unsigned long address)
{
	pfn_call_save(0, (__u64)mm, address);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_pfn_lookup, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pfn_call *p = bpf_map_lookup_elem(&pfn_calls, &tid), c;
	struct vm_area_struct *vma;

	if (!p)
		return 0;
	c = *p;
	bpf_map_delete_elem(&pfn_calls, &tid);
	vma = (struct vm_area_struct *)c.vma;
	if (vma)
		pfn_looked_up(ctx, dmabuf_of_vma(vma), vma, c.addr);
	else
		pfn_lookup_mm(ctx, c.mm, c.addr);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kprobe_follow_pte_walk, struct mm_struct *mm, unsigned long address)
{
	pfn_lookup_walk(ctx, (__u64)mm, address);
	return 0;
}

/* kprobes name their function at attach: one pair serves both brackets */
SEC("kprobe")
int BPF_KPROBE(kprobe_pat_enter)
{
	pat_enter();
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_pat_leave)
{
	pat_leave();
	return 0;
}

/* ---- scan: dma-buf mappings that already exist ------------------------ */

/*
 * One record per dma-buf vma of every process, written to the iterator's
 * seq file as a struct da_event (kind: what the flags alone prove, or
 * NONE). Also marks the mm for the GUP-fast detector, so mappings made
 * before the auditor started are covered.
 */
SEC("iter/task_vma")
int scan_vmas(struct bpf_iter__task_vma *ctx)
{
	struct vm_area_struct *vma = ctx->vma;
	struct task_struct *task = ctx->task;
	struct da_tracked *tr;
	struct dma_buf *dmabuf;
	struct da_event ev; /* on the stack: no scratch shared with another scan */
	__u32 tgid;

	if (!task || !vma)
		return 0;
	tgid = task->tgid;
	if (skip_tgid(tgid))
		return 0;
	if (tgid != scan_last_tgid) {
		scan_last_tgid = tgid;
		scan_stats.tasks++;
	}
	scan_stats.vmas++;
	dmabuf = dmabuf_of_vma_btf(vma);
	tr = NULL;
	RESOLVE_OR_RETURN(dmabuf, tr, vma, 0);
	scan_stats.dmabuf_vmas++;
	mark_mm(vma, tgid);
	__builtin_memset(&ev, 0, sizeof(ev));
	fill_target(&ev, dmabuf, tr, vma);
	ev.kind = (vma->vm_flags & DA_VM_PFNMAP) ? DA_KIND_NONE : DA_KIND_MMAP_WITHOUT_PFNMAP;
	ev.hook = DA_HOOK_SCAN;
	ev.count = 1;
	ev.pid = tgid;
	ev.tid = task->pid;
	ev.uid = task->cred->uid.val;
	ev.cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	if (BPF_CORE_READ_STR_INTO(&ev.comm, task, comm) < 0)
		ev.comm[0] = '\0';
	bpf_seq_write(ctx->meta->seq, &ev, sizeof(ev));
	return 0;
}

/* ---- the inventory: every dma-buf, and who holds an fd to it -------------- */

/* struct bpf_iter__dmabuf (6.16+), by CO-RE: the pinned vmlinux.h predates it. */
struct bpf_iter__dmabuf___da {
	struct bpf_iter_meta *meta;
	struct dma_buf *dmabuf;
} __attribute__((preserve_access_index));

#define ATTACH_WALK_MAX 64

/* Attachments of a dma-buf (its list, walked with probe reads: bounded). */
static __always_inline __u32 count_attachments(struct dma_buf *dmabuf, char *first, __u32 len)
{
	struct list_head *head = &dmabuf->attachments, *pos = BPF_CORE_READ(dmabuf, attachments.next);
	__u32 n = 0;

	first[0] = '\0';
	for (int i = 0; i < ATTACH_WALK_MAX && pos && pos != head; i++) {
		struct dma_buf_attachment *att = container_of(pos, struct dma_buf_attachment, node);

		if (!n && bpf_probe_read_kernel_str(first, len,
						    BPF_CORE_READ(att, dev, kobj.name)) < 0)
			first[0] = '\0';
		n++;
		pos = BPF_CORE_READ(pos, next);
	}
	return n;
}

SEC("iter/dmabuf")
int inventory_bufs(struct bpf_iter__dmabuf___da *ctx)
{
	struct dma_buf *dmabuf = ctx->dmabuf;
	struct da_buf_rec rec;

	if (!dmabuf)
		return 0;
	__builtin_memset(&rec, 0, sizeof(rec));
	FILL_DMABUF(&rec, dmabuf);
	rec.attachments = count_attachments(dmabuf, rec.device, sizeof(rec.device));
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

SEC("iter/task_file")
int inventory_fds(struct bpf_iter__task_file *ctx)
{
	struct file *file = ctx->file;
	struct task_struct *task = ctx->task;
	struct da_fd_rec rec;

	if (!file || !task || !dmabuf_of_file_btf(file))
		return 0;
	__builtin_memset(&rec, 0, sizeof(rec));
	rec.inode = file->f_inode->i_ino;
	rec.pid = task->tgid;
	rec.fd = ctx->fd;
	if (BPF_CORE_READ_STR_INTO(&rec.comm, task, comm) < 0)
		rec.comm[0] = '\0';
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

/* ---- the dedup map's counts, for user space ------------------------------ */

/*
 * One struct da_dedup_rec per entry of the dedup map, through an iterator's
 * seq file: no bpf() map syscall per entry (each would raise bpf_prog_active,
 * see counters above). User space falls back to those syscalls where map
 * iterators cannot run (5.9+, kernel BTF).
 */
SEC("iter/bpf_map_elem")
int dump_dedup(struct bpf_iter__bpf_map_elem *ctx)
{
	struct da_dedup_key *key = ctx->key;
	struct da_dedup_val *val = ctx->value;
	struct da_dedup_rec rec;

	if (!key || !val)
		return 0;
	rec.key = *key;
	rec.count = val->count;
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}
