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
#include "procscan.h"
#include "dmabuf_audit.skel.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* kernel-internal: what fentry attach returns here */
#endif

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

const char *mech_name(enum da_mech m)
{
	switch (m) {
	case DA_MECH_FENTRY:
		return "fentry";
	case DA_MECH_KPROBE:
		return "kprobe";
	case DA_MECH_ITER:
		return "iter";
	case DA_MECH_PROC:
		return "proc";
	default:
		return "none";
	}
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

/* true when the running kernel exposes its own BTF (fentry, iterators need it) */
static bool kernel_btf(void)
{
	return !access(VMLINUX_BTF, R_OK);
}

static int check_btf(const char *path, char *err, size_t errlen)
{
	if (path) {
		if (!access(path, R_OK))
			return 0;
		set_reason(err, errlen, "cannot read --btf %s: %s", path, strerror(errno));
		return -errno;
	}
	if (kernel_btf())
		return 0;
	set_reason(err, errlen,
		   "kernel BTF not found (%s): use a kernel built with CONFIG_DEBUG_INFO_BTF=y, "
		   "or give its BTF with --btf PATH",
		   VMLINUX_BTF);
	return -ENOENT;
}

static struct btf *load_btf(const char *path)
{
	return path ? btf__parse(path, NULL) : btf__load_vmlinux_btf();
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

static bool btf_has_member(const struct btf *btf, const char *type, const char *member)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(btf, id);
	const struct btf_member *m = t ? btf_members(t) : NULL;

	for (int i = 0; t && i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);

		if (name && !strcmp(name, member))
			return true;
	}
	return false;
}

/*
 * Without bpf_find_vma the GUP-fast detector walks the vma list instead,
 * where the kernel still has one (vm_next: up to 6.0).
 */
static void gup_fast_without_find_vma(struct auditor *a, const struct btf *btf)
{
	struct detector *d = &a->det[DA_HOOK_GUP_FAST];

	if (!btf_has_member(btf, "vm_area_struct", "vm_next"))
		return;
	for (int i = 0; i < d->nvar; i++) {
		d->var[i].fexit = a->skel->progs.fexit_gup_fast_walk;
		d->var[i].kretprobe = a->skel->progs.kretprobe_gup_fast_walk;
	}
	d->needs_find_vma = false;
	d->what = "lockless get_user_pages_fast took dma-buf pages (vma list walk)";
}

/* bpf_find_vma (5.17): the GUP-fast detector needs it to find the vma. */
static bool have_find_vma(void)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_find_vma, NULL) > 0;
}

static void all_autoload(const struct variant *v, bool on)
{
	struct bpf_program *progs[] = { v->fentry, v->fexit, v->kprobe, v->kretprobe };

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (progs[i])
			bpf_program__set_autoload(progs[i], on);
}

/* First variant whose fexit really attaches, -1 if none (why says why). */
static int pick_fentry(struct detector *d, const struct btf *btf)
{
	char why[160];

	d->fentry_why[0] = '\0';
	for (int i = 0; i < d->nvar; i++) {
		if (fentry_works(btf, d->var[i].func, why, sizeof(why)))
			return i;
		/* keep the most telling reason: a function that exists but refuses */
		if (!d->fentry_why[0] || !strstr(why, "not in kernel BTF"))
			set_reason(d->fentry_why, sizeof(d->fentry_why), "%s", why);
	}
	if (d->nvar > 1 && strstr(d->fentry_why, "not in kernel BTF"))
		set_reason(d->fentry_why, sizeof(d->fentry_why),
			   "none of %s, %s in kernel BTF (inlined or absent)", d->var[0].func,
			   d->var[1].func);
	return -1;
}

static int pick_kprobe(struct detector *d)
{
	char why[160];

	d->kprobe_why[0] = '\0';
	for (int i = 0; i < d->nvar; i++) {
		if (kprobe_works(d->var[i].func, why, sizeof(why)))
			return i;
		if (!d->kprobe_why[0])
			set_reason(d->kprobe_why, sizeof(d->kprobe_why), "%s", why);
	}
	if (d->nvar > 1 && strstr(d->kprobe_why, "not in /proc/kallsyms"))
		set_reason(d->kprobe_why, sizeof(d->kprobe_why), "none of %s, %s in /proc/kallsyms",
			   d->var[0].func, d->var[1].func);
	return -1;
}

/* The second function, by the mechanism the first one got, where this kernel has it. */
static void decide_also(struct detector *d, const struct btf *btf)
{
	struct bpf_program *p = d->mech == DA_MECH_FENTRY ? d->also.fentry : d->also.kprobe;
	char why[160];

	d->also_on = false;
	if (!d->also.func || !p)
		return;
	if (d->mech == DA_MECH_FENTRY) {
		if (!fentry_works(btf, d->also.func, why, sizeof(why)) ||
		    bpf_program__set_attach_target(p, 0, d->also.func))
			return;
		bpf_program__set_autoload(p, true);
	} else if (!kprobe_works(d->also.func, why, sizeof(why))) {
		return;
	}
	d->also_on = true;
	snprintf(d->label, sizeof(d->label), "%s,%s", d->func, d->also.func);
}

const char *detector_func(const struct detector *d)
{
	return d->also_on ? d->label : d->func;
}

static void decide(struct detector *d, const struct btf *btf, enum da_attach mode, bool find_vma,
		   bool kbtf)
{
	int v = -1;

	d->mech = DA_MECH_NONE;
	d->func = d->var[0].func;
	for (int i = 0; i < d->nvar; i++)
		all_autoload(&d->var[i], false);
	if (d->needs_find_vma && !find_vma) {
		set_reason(d->fentry_why, sizeof(d->fentry_why),
			   "bpf_find_vma helper missing (kernel before 5.17)");
		set_reason(d->kprobe_why, sizeof(d->kprobe_why), "same");
		return;
	}
	if (mode == DA_ATTACH_KPROBE)
		set_reason(d->fentry_why, sizeof(d->fentry_why), "not tried (--attach=kprobe)");
	else if (!kbtf)
		set_reason(d->fentry_why, sizeof(d->fentry_why),
			   "needs the kernel's own BTF (no %s; --btf serves CO-RE only)",
			   VMLINUX_BTF);
	else if ((v = pick_fentry(d, btf)) >= 0)
		d->mech = DA_MECH_FENTRY;

	if (d->mech == DA_MECH_NONE && mode == DA_ATTACH_FENTRY)
		set_reason(d->kprobe_why, sizeof(d->kprobe_why), "not tried (--attach=fentry)");
	else if (d->mech == DA_MECH_NONE && (v = pick_kprobe(d)) >= 0)
		d->mech = DA_MECH_KPROBE;
	if (v < 0)
		return;

	d->func = d->var[v].func;
	decide_also(d, btf);
	if (!strcmp(d->func, "follow_page_mask"))
		d->what = "get_user_pages slow path on a dma-buf vma (accepted vmas only: "
			  "no gup_blocked warnings)";
	if (d->mech == DA_MECH_FENTRY) {
		struct bpf_program *progs[2] = { d->var[v].fentry, d->var[v].fexit };

		for (int i = 0; i < 2; i++) {
			if (!progs[i])
				continue;
			bpf_program__set_autoload(progs[i], true);
			bpf_program__set_attach_target(progs[i], 0, d->func);
		}
	} else {
		if (d->var[v].kprobe)
			bpf_program__set_autoload(d->var[v].kprobe, true);
		if (d->var[v].kretprobe)
			bpf_program__set_autoload(d->var[v].kretprobe, true);
	}
}

/* The scan needs the task_vma iterator (5.12): libbpf looks it up in BTF too. */
static void decide_scan(struct detector *d, const struct btf *btf, bool kbtf)
{
	bool ok = kbtf && btf__find_by_name_kind(btf, "bpf_iter_task_vma", BTF_KIND_FUNC) >= 0;

	d->func = "bpf_iter_task_vma";
	d->mech = ok ? DA_MECH_ITER : DA_MECH_PROC;
	bpf_program__set_autoload(d->var[0].fexit, ok);
	if (ok)
		return;
	/* Fallback: /proc/PID/smaps and debugfs bufinfo (src/procscan.c). */
	d->func = "/proc/PID/smaps";
	if (!kbtf)
		set_reason(d->fentry_why, sizeof(d->fentry_why),
			   "the task_vma iterator needs the kernel's own BTF (no %s): /proc scan",
			   VMLINUX_BTF);
	else
		set_reason(d->fentry_why, sizeof(d->fentry_why),
			   "no task_vma iterator on this kernel (5.12+): /proc scan");
}

static struct bpf_link *attach_one(struct detector *d, struct bpf_program *p, bool ret,
				   const char *func)
{
	if (d->mech == DA_MECH_FENTRY)
		return bpf_program__attach(p);
	return bpf_program__attach_kprobe(p, ret, func);
}

static void attach_detector(struct detector *d)
{
	const struct variant *v = NULL;
	struct bpf_program *progs[4] = { NULL, NULL, NULL, NULL };
	bool ret[4] = { false, false, false, false };
	int n = 0;

	for (int i = 0; i < d->nvar; i++)
		if (d->var[i].func == d->func)
			v = &d->var[i];
	if (!v || (d->mech != DA_MECH_FENTRY && d->mech != DA_MECH_KPROBE))
		return;
	/*
	 * fexit before fentry: no entry is left without its answer. kretprobe
	 * before kprobe: the handlers on one address run newest first
	 * (add_new_kprobe), and our kprobe must see the return address before our
	 * kretprobe replaces it, or kernels before 5.14 cannot unwind the entry
	 * stack (measured on 5.10: stacks cut at kretprobe_trampoline). A return
	 * whose entry was not probed yet finds no call record and is ignored.
	 */
	if (d->mech == DA_MECH_FENTRY) {
		progs[n++] = v->fexit;
		progs[n++] = v->fentry;
	} else {
		ret[n] = true;
		progs[n++] = v->kretprobe;
		progs[n++] = v->kprobe;
	}
	if (d->also_on) {
		progs[n] = d->mech == DA_MECH_FENTRY ? d->also.fentry : d->also.kprobe;
		ret[n++] = false;
	}
	for (int i = 0; i < n; i++) {
		if (!progs[i])
			continue;
		d->links[i] = attach_one(d, progs[i], ret[i],
					 d->also_on && i == n - 1 ? d->also.func : d->func);
		if (!d->links[i]) {
			int e = errno;

			set_reason(d->mech == DA_MECH_FENTRY ? d->fentry_why : d->kprobe_why,
				   sizeof(d->fentry_why), "attach %s: %s", d->func, errno_text(e));
			for (int j = 0; j < i; j++) {
				bpf_link__destroy(d->links[j]);
				d->links[j] = NULL;
			}
			d->mech = DA_MECH_NONE;
			d->also_on = false;
			return;
		}
	}
}

#define VAR(fn, fe, fx, kp, krp)                                                                   \
	{                                                                                          \
		.func = fn, .fentry = fe, .fexit = fx, .kprobe = kp, .kretprobe = krp              \
	}

static void describe_detectors(struct auditor *a)
{
	struct dmabuf_audit_bpf *s = a->skel;
	struct detector *d = a->det;

	memset(d, 0, sizeof(a->det));
	d[DA_HOOK_MMAP] = (struct detector){
		.name = "mmap",
		.what = "mmap() of a dma-buf fd without VM_PFNMAP",
		.var = { VAR("dma_buf_mmap_internal", NULL, s->progs.fexit_mmap,
			     s->progs.kprobe_mmap, s->progs.kretprobe_mmap) },
		.nvar = 1,
	};
	d[DA_HOOK_MMAP_IMPORT] = (struct detector){
		.name = "mmap_import",
		.what = "importer-forwarded mmap without VM_PFNMAP",
		.var = { VAR("dma_buf_mmap", NULL, s->progs.fexit_mmap_import,
			     s->progs.kprobe_mmap_import, s->progs.kretprobe_mmap_import) },
		.nvar = 1,
	};
	d[DA_HOOK_GUP_SLOW] = (struct detector){
		.name = "gup_slow",
		.what = "get_user_pages slow path on a dma-buf vma",
		/* check_vma_flags is inlined on 5.10: follow_page_mask sees accepted vmas */
		.var = { VAR("check_vma_flags", NULL, s->progs.fexit_gup_slow,
			     s->progs.kprobe_gup_slow, s->progs.kretprobe_gup_slow),
			 VAR("follow_page_mask", NULL, s->progs.fexit_follow_page,
			     s->progs.kprobe_follow_page, s->progs.kretprobe_follow_page) },
		.nvar = 2,
	};
	d[DA_HOOK_INSERT_PAGE] = (struct detector){
		.name = "insert_page",
		.what = "struct page inserted into a dma-buf vma",
		.var = { VAR("vm_insert_page", NULL, s->progs.fexit_insert_page,
			     s->progs.kprobe_insert_page, s->progs.kretprobe_insert_page) },
		.nvar = 1,
	};
	d[DA_HOOK_INSERT_PAGES] = (struct detector){
		.name = "insert_pages",
		.what = "struct pages inserted into a dma-buf vma",
		/* the entry keeps how many pages were asked for: the count is per page */
		.var = { VAR("vm_insert_pages", s->progs.fentry_insert_pages,
			     s->progs.fexit_insert_pages, s->progs.kprobe_insert_pages,
			     s->progs.kretprobe_insert_pages) },
		.nvar = 1,
	};
	/* The lockless walker itself is inlined everywhere: hook its caller. */
	d[DA_HOOK_GUP_FAST] = (struct detector){
		.name = "gup_fast",
		.what = "lockless get_user_pages_fast took dma-buf pages",
		.var = { VAR("gup_fast_fallback", s->progs.fentry_gup_fast, s->progs.fexit_gup_fast,
			     s->progs.kprobe_gup_fast, s->progs.kretprobe_gup_fast),
			 VAR("internal_get_user_pages_fast", s->progs.fentry_gup_fast,
			     s->progs.fexit_gup_fast, s->progs.kprobe_gup_fast,
			     s->progs.kretprobe_gup_fast) },
		.nvar = 2,
		.needs_find_vma = true,
	};
	d[DA_HOOK_PTE_INSTALL] = (struct detector){
		.name = "pte_install",
		.what = "fault handler's page mapped by a pte without pte_special",
		.var = { VAR("finish_fault", NULL, s->progs.fexit_finish_fault,
			     s->progs.kprobe_finish_fault, s->progs.kretprobe_finish_fault) },
		.nvar = 1,
	};
	/* vm_file swapped by the exporter: follow the vma through split/fork/mremap */
	d[DA_HOOK_VMA_DUP] = (struct detector){
		.name = "vma_dup",
		.what = "keeps swapped-vm_file dma-buf vmas known across split/fork",
		.var = { VAR("vm_area_dup", NULL, s->progs.fexit_vma_dup, s->progs.kprobe_vma_dup,
			     s->progs.kretprobe_vma_dup) },
		.nvar = 1,
	};
	/*
	 * vm_area_free frees vmas; from 6.4 to 6.12 exit_mmap frees them with
	 * __vm_area_free directly (which vm_area_free's RCU callback may inline):
	 * both are hooked where both exist (measured on 6.12: either one alone
	 * leaves freed vmas tracked, whose memory other processes' vmas reuse).
	 */
	d[DA_HOOK_VMA_FREE] = (struct detector){
		.name = "vma_free",
		.what = "forgets swapped-vm_file dma-buf vmas when they are freed",
		.var = { VAR("vm_area_free", s->progs.fentry_vma_free, NULL,
			     s->progs.kprobe_vma_free, NULL) },
		.nvar = 1,
		.also = VAR("__vm_area_free", s->progs.fentry_vma_free_direct, NULL,
			    s->progs.kprobe_vma_free, NULL),
	};
	d[DA_HOOK_SCAN] = (struct detector){
		.name = "scan",
		.what = "dma-buf mappings that already exist",
		.var = { VAR("bpf_iter_task_vma", NULL, s->progs.scan_vmas, NULL, NULL) },
		.nvar = 1,
	};
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
	const char *btf_path;
	bool find_vma, kbtf;
	int ret;

	memset(a, 0, sizeof(*a));
	libbpf_set_print(o->verbose ? libbpf_verbose : libbpf_quiet);
	ret = check_privileges(err, errlen);
	if (ret)
		goto cleanup;
	btf_path = o->btf_path[0] ? o->btf_path : NULL;
	ret = check_btf(btf_path, err, errlen);
	if (ret)
		goto cleanup;
	btf = load_btf(btf_path);
	if (!btf) {
		char why[128];

		ret = errno ? -errno : -EINVAL;
		libbpf_strerror(ret, why, sizeof(why));
		if (btf_path)
			set_reason(err, errlen, "--btf %s: not a usable BTF file (%s)", btf_path,
				   why);
		else
			set_reason(err, errlen, "cannot read kernel BTF: %s", why);
		goto cleanup;
	}
	learn_gup_flags(btf);

	a->ncpus = libbpf_num_possible_cpus();
	if (a->ncpus <= 0) {
		ret = a->ncpus ? a->ncpus : -EINVAL;
		set_reason(err, errlen, "cannot count possible CPUs: %s", strerror(-ret));
		goto cleanup;
	}
	{
		LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_path);

		a->skel = dmabuf_audit_bpf__open_opts(&oo);
	}
	if (!a->skel) {
		ret = -errno;
		set_reason(err, errlen, "cannot open BPF object: %s", strerror(-ret));
		goto cleanup;
	}
	a->skel->rodata->targ_tgid = o->pid;
	describe_detectors(a);
	find_vma = have_find_vma();
	kbtf = kernel_btf();
	if (!find_vma)
		gup_fast_without_find_vma(a, btf);
	/* Every program off; the ladder turns on exactly the ones it picked. */
	{
		struct bpf_program *prog;

		bpf_object__for_each_program(prog, a->skel->obj)
			bpf_program__set_autoload(prog, false);
	}
	for (int i = 0; i < DA_HOOK_MAX; i++) {
		if (i == DA_HOOK_SCAN)
			decide_scan(&a->det[i], btf, kbtf);
		else
			decide(&a->det[i], btf, o->attach, find_vma, kbtf);
	}

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
		for (int j = 0; j < 4; j++) {
			bpf_link__destroy(a->det[i].links[j]);
			a->det[i].links[j] = NULL;
		}
	}
	dmabuf_audit_bpf__destroy(a->skel);
	a->skel = NULL;
}

int auditor_live(const struct auditor *a)
{
	int n = 0;

	for (int i = 0; i < DA_HOOK_MAX; i++)
		n += i != DA_HOOK_SCAN && a->det[i].mech != DA_MECH_NONE;
	return n;
}

bool auditor_can_scan(const struct auditor *a)
{
	return a->det[DA_HOOK_SCAN].mech == DA_MECH_ITER ||
	       a->det[DA_HOOK_SCAN].mech == DA_MECH_PROC;
}

int64_t auditor_tracked_vmas(const struct auditor *a)
{
	return a->skel->bss->nr_tracked;
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

int auditor_read_dedup(const struct auditor *a, dedup_fn fn, void *ctx)
{
	int fd = bpf_map__fd(a->skel->maps.dedup);
	struct da_dedup_key key, next;
	struct da_dedup_val val;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		/* An entry evicted between the two calls is simply skipped. */
		if (!bpf_map_lookup_elem(fd, &next, &val))
			fn(ctx, &next, val.count);
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

int auditor_forget_dedup(const struct auditor *a, const struct da_dedup_key *key)
{
	if (bpf_map_delete_elem(bpf_map__fd(a->skel->maps.dedup), key) && errno != ENOENT)
		return -errno;
	return 0;
}

int auditor_scan(struct auditor *a, record_fn fn, void *ctx, struct da_scan_stats *stats)
{
	struct bpf_link *link = NULL;
	struct da_event rec;
	size_t have = 0;
	int fd = -1, ret = 0;

	memset(stats, 0, sizeof(*stats));
	if (!auditor_can_scan(a))
		return -EOPNOTSUPP;
	if (a->det[DA_HOOK_SCAN].mech == DA_MECH_PROC)
		return procscan_run(a->skel->rodata->targ_tgid, fn, ctx, stats);
	a->skel->bss->scan_stats = (struct da_scan_stats){ 0 };
	a->skel->bss->scan_last_tgid = 0;
	link = bpf_program__attach_iter(a->skel->progs.scan_vmas, NULL);
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		ret = -errno;
		goto cleanup;
	}
	/* Records may straddle read() boundaries: reassemble them. */
	for (;;) {
		ssize_t n = read(fd, (char *)&rec + have, sizeof(rec) - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto cleanup;
		}
		if (n == 0)
			break;
		have += n;
		if (have == sizeof(rec)) {
			fn(ctx, &rec);
			have = 0;
		}
	}
	*stats = a->skel->bss->scan_stats;
cleanup:
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);
	return ret;
}

void detector_why(const struct detector *d, char *buf, size_t len)
{
	if (d->mech != DA_MECH_NONE)
		set_reason(buf, len, "attached");
	else if (!d->var[0].kprobe) /* the scan: one mechanism */
		set_reason(buf, len, "%s", d->fentry_why);
	else if (d->kprobe_why[0])
		set_reason(buf, len, "fentry: %s; kprobe: %s", d->fentry_why, d->kprobe_why);
	else
		set_reason(buf, len, "fentry: %s", d->fentry_why);
}

void auditor_why_no_live(const struct auditor *a, char *buf, size_t len)
{
	detector_why(&a->det[DA_HOOK_MMAP], buf, len);
}

void auditor_print_probe(FILE *f, const struct auditor *a)
{
	char why[400];
	int live = auditor_live(a);

	fprintf(f, "%-13s %-29s %-7s %s\n", "DETECTOR", "KERNEL FUNCTION", "VIA", "STATUS");
	for (int i = 0; i < DA_HOOK_MAX; i++) {
		const struct detector *d = &a->det[i];

		if (d->mech == DA_MECH_FENTRY || d->mech == DA_MECH_ITER)
			set_reason(why, sizeof(why), "attached (%s)", d->what);
		else if (d->mech == DA_MECH_PROC)
			set_reason(why, sizeof(why), "fallback, %s", d->fentry_why);
		else if (d->mech == DA_MECH_KPROBE)
			set_reason(why, sizeof(why), "attached, fentry unusable: %s",
				   d->fentry_why);
		else
			detector_why(d, why, sizeof(why));
		fprintf(f, "%-13s %-29s %-7s %s\n", d->name, detector_func(d), mech_name(d->mech),
			why);
	}
	fprintf(f, "%d of %d live detectors attached; scan: %s\n", live, DA_HOOK_MAX - 1,
		!auditor_can_scan(a)			    ? "unavailable"
		: a->det[DA_HOOK_SCAN].mech == DA_MECH_PROC ? "/proc fallback"
							    : "available");
	if (!live && auditor_can_scan(a))
		fputs("mode: scan-only (existing mappings are reported, nothing is watched live)\n",
		      f);
}
