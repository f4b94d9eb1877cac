// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "finding.h"
#include "loader.h"
#include "dmabuf_audit.skel.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* kernel-internal: what fentry attach returns here */
#endif

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

const char *mech_name(enum da_mech m)
{
	return m == DA_MECH_FENTRY ? "fentry" : m == DA_MECH_KPROBE ? "kprobe" : "none";
}

static void set_reason(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static const char *errno_text(int err)
{
	switch (err) {
	case EPERM:
		return "refused by the kernel (EPERM: lockdown, LSM or missing capability)";
	case ENOTSUPP:
		return "not supported for this function (-524: no ftrace trampoline on this kernel/arch)";
	case EINVAL:
		return "rejected by the kernel (EINVAL)";
	default:
		return strerror(err);
	}
}

/* ---- preflight ------------------------------------------------------- */

#define CAP_BIT(set, cap) ((set)[(cap) / 32].effective & (1u << ((cap) % 32)))

/* CAP_BPF and CAP_PERFMON exist from 5.8; CAP_SYS_ADMIN covers both. */
static int check_privileges(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return 0; /* cannot tell: let the kernel decide */
	if (CAP_BIT(data, 21) || (CAP_BIT(data, 39) && CAP_BIT(data, 38)))
		return 0;
	set_reason(err, errlen,
		   "needs root or CAP_BPF and CAP_PERFMON (running as uid %u without them)",
		   (unsigned int)geteuid());
	return -EPERM;
}

static int check_btf(char *err, size_t errlen)
{
	if (!access(VMLINUX_BTF, R_OK))
		return 0;
	set_reason(
		err, errlen,
		"kernel BTF not found (%s): a kernel built with CONFIG_DEBUG_INFO_BTF=y is required",
		VMLINUX_BTF);
	return -ENOENT;
}

/*
 * FOLL_* values moved from macros to (renumbered) anonymous enums in 6.4.
 * Where the kernel's BTF has them as enumerators, those values win.
 */
static void learn_gup_flags(const struct btf *btf)
{
	__u32 n = btf__type_cnt(btf);

	gup_flags_reset();
	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (__u16 i = 0; i < btf_vlen(t); i++, e++) {
			const char *name = btf__name_by_offset(btf, e->name_off);

			if (name && !strncmp(name, "FOLL_", 5))
				gup_flag_set_value(name, (__u32)e->val);
		}
	}
}

/* ---- the attach ladder ----------------------------------------------- */

/*
 * fentry trial, as bcc's libbpf-tools do it: load an empty fexit program
 * against the function's BTF id and attach it. Only a real attach tells
 * (arm64 before 6.4 loads but cannot attach: -524).
 */
static bool fentry_works(const struct btf *btf, const char *func, char *why, size_t len)
{
	const struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 }, /* r0 = 0 */
		{ .code = 0x95 },			  /* exit */
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT);
	int id, prog_fd, link_fd;

	id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	if (id < 0) {
		set_reason(why, len, "%s not in kernel BTF (inlined or absent)", func);
		return false;
	}
	opts.attach_btf_id = id;
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "da_trial", "GPL", insns,
				sizeof(insns) / sizeof(insns[0]), &opts);
	if (prog_fd < 0) {
		set_reason(why, len, "load %s", errno_text(errno));
		return false;
	}
	link_fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	if (link_fd < 0) {
		set_reason(why, len, "attach %s", errno_text(errno));
		close(prog_fd);
		return false;
	}
	close(link_fd);
	close(prog_fd);
	return true;
}

static bool kprobes_available(void)
{
	return !access("/sys/bus/event_source/devices/kprobe/type", R_OK) ||
	       !access("/sys/kernel/tracing/kprobe_events", W_OK) ||
	       !access("/sys/kernel/debug/tracing/kprobe_events", W_OK);
}

/* Exact text symbol in /proc/kallsyms (what a kprobe can attach to). */
static bool ksym_exists(const char *func)
{
	char line[256], name[128], type;
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return true; /* cannot tell: let the attach decide */
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %c %127s", &type, name) == 2 &&
		    (type == 't' || type == 'T') && !strcmp(name, func))
			found = true;
	}
	fclose(f);
	return found;
}

static bool kprobe_works(const char *func, char *why, size_t len)
{
	if (!kprobes_available()) {
		set_reason(why, len,
			   "kprobes not available (no kprobe PMU, no tracefs kprobe_events)");
		return false;
	}
	if (!ksym_exists(func)) {
		set_reason(why, len, "%s not in /proc/kallsyms", func);
		return false;
	}
	return true;
}

static void decide(struct detector *d, const struct btf *btf, enum da_attach mode)
{
	d->mech = DA_MECH_NONE;
	if (mode == DA_ATTACH_KPROBE)
		set_reason(d->fentry_why, sizeof(d->fentry_why), "not tried (--attach=kprobe)");
	else if (fentry_works(btf, d->func, d->fentry_why, sizeof(d->fentry_why)))
		d->mech = DA_MECH_FENTRY;

	if (d->mech == DA_MECH_NONE && mode != DA_ATTACH_FENTRY &&
	    kprobe_works(d->func, d->kprobe_why, sizeof(d->kprobe_why)))
		d->mech = DA_MECH_KPROBE;
	else if (d->mech == DA_MECH_NONE && mode == DA_ATTACH_FENTRY)
		set_reason(d->kprobe_why, sizeof(d->kprobe_why), "not tried (--attach=fentry)");

	bpf_program__set_autoload(d->fexit, d->mech == DA_MECH_FENTRY);
	bpf_program__set_autoload(d->kprobe, d->mech == DA_MECH_KPROBE);
	bpf_program__set_autoload(d->kretprobe, d->mech == DA_MECH_KPROBE);
}

static void attach_detector(struct detector *d)
{
	struct bpf_program *progs[2] = { NULL, NULL };

	if (d->mech == DA_MECH_FENTRY)
		progs[0] = d->fexit;
	else if (d->mech == DA_MECH_KPROBE) /* return probe first: no entry left unanswered */
		progs[0] = d->kretprobe, progs[1] = d->kprobe;

	for (int i = 0; i < 2 && progs[i]; i++) {
		d->links[i] = bpf_program__attach(progs[i]);
		if (!d->links[i]) {
			int e = errno;

			set_reason(d->mech == DA_MECH_FENTRY ? d->fentry_why : d->kprobe_why,
				   sizeof(d->fentry_why), "attach %s", errno_text(e));
			bpf_link__destroy(d->links[0]);
			d->links[0] = NULL;
			d->mech = DA_MECH_NONE;
			return;
		}
	}
}

static void describe_detectors(struct auditor *a)
{
	struct dmabuf_audit_bpf *s = a->skel;
	const struct detector tmpl[DA_HOOK_MAX] = {
		[DA_HOOK_MMAP] = { "mmap", "dma_buf_mmap_internal",
				   "mmap() of a dma-buf fd without VM_PFNMAP",
				   s->progs.fexit_dma_buf_mmap_internal,
				   s->progs.kprobe_dma_buf_mmap_internal,
				   s->progs.kretprobe_dma_buf_mmap_internal },
		[DA_HOOK_MMAP_IMPORT] = { "mmap_import", "dma_buf_mmap",
					  "importer-forwarded mmap without VM_PFNMAP",
					  s->progs.fexit_dma_buf_mmap, s->progs.kprobe_dma_buf_mmap,
					  s->progs.kretprobe_dma_buf_mmap },
		[DA_HOOK_GUP_SLOW] = { "gup_slow", "check_vma_flags",
				       "get_user_pages slow path on a dma-buf vma",
				       s->progs.fexit_check_vma_flags,
				       s->progs.kprobe_check_vma_flags,
				       s->progs.kretprobe_check_vma_flags },
		[DA_HOOK_INSERT_PAGE] = { "insert_page", "vm_insert_page",
					  "struct page inserted into a dma-buf vma",
					  s->progs.fexit_vm_insert_page,
					  s->progs.kprobe_vm_insert_page,
					  s->progs.kretprobe_vm_insert_page },
		[DA_HOOK_INSERT_PAGES] = { "insert_pages", "vm_insert_pages",
					   "struct pages inserted into a dma-buf vma",
					   s->progs.fexit_vm_insert_pages,
					   s->progs.kprobe_vm_insert_pages,
					   s->progs.kretprobe_vm_insert_pages },
	};

	memcpy(a->det, tmpl, sizeof(tmpl));
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level, (void)fmt, (void)args;
	return 0;
}

static int libbpf_verbose(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	return vfprintf(stderr, fmt, args);
}

int auditor_open(struct auditor *a, const struct da_opts *o, char *err, size_t errlen)
{
	struct btf *btf = NULL;
	int ret;

	memset(a, 0, sizeof(*a));
	libbpf_set_print(o->verbose ? libbpf_verbose : libbpf_quiet);
	ret = check_privileges(err, errlen);
	if (ret)
		goto cleanup;
	ret = check_btf(err, errlen);
	if (ret)
		goto cleanup;
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		ret = -errno;
		set_reason(err, errlen, "cannot read kernel BTF: %s", strerror(-ret));
		goto cleanup;
	}
	learn_gup_flags(btf);

	a->ncpus = libbpf_num_possible_cpus();
	if (a->ncpus <= 0) {
		ret = a->ncpus ? a->ncpus : -EINVAL;
		set_reason(err, errlen, "cannot count possible CPUs: %s", strerror(-ret));
		goto cleanup;
	}
	a->skel = dmabuf_audit_bpf__open();
	if (!a->skel) {
		ret = -errno;
		set_reason(err, errlen, "cannot open BPF object: %s", strerror(-ret));
		goto cleanup;
	}
	a->skel->rodata->targ_tgid = o->pid;
	describe_detectors(a);
	for (int i = 0; i < DA_HOOK_MAX; i++)
		decide(&a->det[i], btf, o->attach);

	ret = dmabuf_audit_bpf__load(a->skel);
	if (ret) {
		set_reason(err, errlen, "BPF programs refused by the kernel: %s%s", strerror(-ret),
			   o->verbose ? "" : " (run with -v for the verifier log)");
		goto cleanup;
	}
	for (int i = 0; i < DA_HOOK_MAX; i++)
		attach_detector(&a->det[i]);
	ret = 0;
cleanup:
	btf__free(btf);
	if (ret)
		auditor_close(a);
	return ret;
}

void auditor_close(struct auditor *a)
{
	if (!a)
		return;
	for (int i = 0; i < DA_HOOK_MAX; i++) {
		for (int j = 0; j < 2; j++) {
			bpf_link__destroy(a->det[i].links[j]);
			a->det[i].links[j] = NULL;
		}
	}
	dmabuf_audit_bpf__destroy(a->skel);
	a->skel = NULL;
}

int auditor_attached(const struct auditor *a)
{
	int n = 0;

	for (int i = 0; i < DA_HOOK_MAX; i++)
		n += a->det[i].mech != DA_MECH_NONE;
	return n;
}

int auditor_ring_fd(const struct auditor *a)
{
	return bpf_map__fd(a->skel->maps.events);
}

int auditor_read_counters(const struct auditor *a, uint64_t out[DA_CTR_MAX])
{
	int fd = bpf_map__fd(a->skel->maps.counters);
	__u64 *vals = calloc(a->ncpus, sizeof(*vals));
	int ret = 0;

	if (!vals)
		return -ENOMEM;
	for (__u32 slot = 0; slot < DA_CTR_MAX; slot++) {
		out[slot] = 0;
		if (bpf_map_lookup_elem(fd, &slot, vals)) {
			ret = -errno;
			goto cleanup;
		}
		for (int cpu = 0; cpu < a->ncpus; cpu++)
			out[slot] += vals[cpu];
	}
cleanup:
	free(vals);
	return ret;
}

void detector_why(const struct detector *d, char *buf, size_t len)
{
	if (d->mech != DA_MECH_NONE)
		set_reason(buf, len, "attached");
	else if (d->kprobe_why[0])
		set_reason(buf, len, "fentry: %s; kprobe: %s", d->fentry_why, d->kprobe_why);
	else
		set_reason(buf, len, "fentry: %s", d->fentry_why);
}

void auditor_print_probe(FILE *f, const struct auditor *a)
{
	char why[256];

	fprintf(f, "%-13s %-22s %-7s %s\n", "DETECTOR", "KERNEL FUNCTION", "VIA", "STATUS");
	for (int i = 0; i < DA_HOOK_MAX; i++) {
		const struct detector *d = &a->det[i];

		if (d->mech == DA_MECH_FENTRY)
			set_reason(why, sizeof(why), "attached (%s)", d->what);
		else if (d->mech == DA_MECH_KPROBE)
			set_reason(why, sizeof(why), "attached, fentry unusable: %s",
				   d->fentry_why);
		else
			detector_why(d, why, sizeof(why));
		fprintf(f, "%-13s %-22s %-7s %s\n", d->name, d->func, mech_name(d->mech), why);
	}
	fprintf(f, "%d of %d detectors attached\n", auditor_attached(a), DA_HOOK_MAX);
}
