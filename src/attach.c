// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The attach ladder: per detector, fentry -> kprobe -> none, decided by a real
 * trial over the function variants of the detector table, each refusal recorded
 * with its reason; the scan: the task_vma iterator, else /proc. And what probe
 * prints of it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "ksyms.h"
#include "dmabuf_audit.skel.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* kernel-internal: what fentry attach returns here */
#endif

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

void set_reason(char *buf, size_t len, const char *fmt, ...)
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

/* ---- binding the table to the BPF object ------------------------------- */

static int find_prog(struct auditor *a, const char *name, struct bpf_program **out, char *err,
		     size_t errlen)
{
	*out = NULL;
	if (!name)
		return 0;
	*out = bpf_object__find_program_by_name(a->skel->obj, name);
	if (*out)
		return 0;
	set_reason(err, errlen, "BPF object has no program %s (detector table and bpf/ disagree)",
		   name);
	return -ENOENT;
}

static int bind_fn(struct auditor *a, const struct hook_fn *fn, struct hook_progs *p, char *err,
		   size_t errlen)
{
	int ret = find_prog(a, fn->fentry, &p->fentry, err, errlen);

	if (!ret)
		ret = find_prog(a, fn->fexit, &p->fexit, err, errlen);
	if (!ret)
		ret = find_prog(a, fn->kprobe, &p->kprobe, err, errlen);
	if (!ret)
		ret = find_prog(a, fn->kretprobe, &p->kretprobe, err, errlen);
	return ret;
}

int attach_bind(struct auditor *a, char *err, size_t errlen)
{
	for (int i = 0; i < DA_LIVE_DETECTORS; i++) {
		struct detector *d = &a->det[i];
		int ret = 0;

		d->def = &detector_defs[i];
		d->fn = 0;
		for (int v = 0; v < DA_MAX_VARIANTS && d->def->fn[v].func && !ret; v++)
			ret = bind_fn(a, &d->def->fn[v], &d->progs[v], err, errlen);
		for (int j = 0; j < DA_MAX_ALSO && d->def->also[j].func && !ret; j++)
			ret = bind_fn(a, &d->def->also[j], &d->also[j], err, errlen);
		if (ret)
			return ret;
	}
	a->scan.def = &scan_def;
	return find_prog(a, scan_def.prog, &a->scan.prog, err, errlen);
}

/* ---- trials -------------------------------------------------------------- */

/* An empty tracing program: what a trial loads. */
int attach_trial_load(enum bpf_attach_type type, int btf_id)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type,
		    .attach_btf_id = btf_id);

	return bpf_prog_load(BPF_PROG_TYPE_TRACING, "da_trial", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), &opts);
}

int attach_func_id(const struct attach_env *env, const char *func)
{
	for (int i = 0; i < env->nfuncs; i++)
		if (!strcmp(env->funcs[i].name, func))
			return env->funcs[i].btf_id;
	return -ENOENT;
}

static const char *refused_why(const struct attach_env *env, const char *func)
{
	for (int i = 0; i < env->nrefused; i++)
		if (!strcmp(env->refused[i].func, func))
			return env->refused[i].why;
	return NULL;
}

/*
 * fentry trial: an empty fexit program loaded against the function's BTF id
 * (EPERM from lockdown or an LSM, a function the verifier refuses). Only an
 * attach tells the rest (arm64 before 6.4 loads but cannot attach: -524), and
 * a trial attach costs what the real one does (a trampoline made and torn
 * down, ~0.25 s per function under QEMU): the auditor's own attach is that
 * trial, and a refusal there decides again (loader.c) with the reason kept.
 */
static bool fentry_works(const struct attach_env *env, const char *func, char *why, size_t len)
{
	const char *refused = refused_why(env, func);
	int id = attach_func_id(env, func), prog_fd;

	if (refused) {
		set_reason(why, len, "%s", refused);
		return false;
	}
	if (id < 0) {
		set_reason(why, len, "%s not in kernel BTF (inlined or absent)", func);
		return false;
	}
	prog_fd = attach_trial_load(BPF_TRACE_FEXIT, id);
	if (prog_fd < 0) {
		set_reason(why, len, "load %s", errno_text(errno));
		return false;
	}
	close(prog_fd);
	return true;
}

/* A kprobe needs the kprobe PMU (or tracefs) and a text symbol of that name. */
static bool kprobe_works(const struct attach_env *env, const char *func, char *why, size_t len)
{
	if (!env->kprobes) {
		set_reason(why, len,
			   "kprobes not available (no kprobe PMU, no tracefs kprobe_events)");
		return false;
	}
	/* an unreadable or hidden kallsyms cannot tell: let the attach decide */
	ksyms_ensure(env->ks);
	if (!ksyms_has(env->ks, func)) {
		set_reason(why, len, "%s not in /proc/kallsyms", func);
		return false;
	}
	return true;
}

/* ---- the ladder ---------------------------------------------------------- */

/* The first of the bits of n this kernel lacks, 0 if none. */
static unsigned int needs_unmet(const struct attach_env *env, unsigned int n)
{
	if ((n & DA_NEEDS_PTE_MM) && !env->pte_mm)
		return DA_NEEDS_PTE_MM;
	if ((n & DA_NEEDS_PTE_VMA) && !env->pte_vma)
		return DA_NEEDS_PTE_VMA;
	if ((n & DA_NEEDS_FIND_VMA) && !env->find_vma)
		return DA_NEEDS_FIND_VMA;
	if ((n & DA_NEEDS_VMA_WALK) && (env->find_vma || !env->vma_walk))
		return DA_NEEDS_VMA_WALK;
	return 0;
}

static bool needs_met(const struct attach_env *env, unsigned int n)
{
	return !needs_unmet(env, n);
}

static const char *needs_text(unsigned int bit)
{
	switch (bit) {
	case DA_NEEDS_VMA_WALK:
		return "no vma list to walk (vm_next: kernels up to 6.0)";
	case DA_NEEDS_PTE_MM:
	case DA_NEEDS_PTE_VMA:
		return "follow_pte not in kernel BTF with an mm or vma first parameter";
	default:
		return "bpf_find_vma helper missing (kernel before 5.17)";
	}
}

/* The variants this kernel can use, in table order; their number. */
static int eligible(const struct detector *d, const struct attach_env *env,
		    int out[DA_MAX_VARIANTS])
{
	int n = 0;

	for (int v = 0; v < DA_MAX_VARIANTS && d->def->fn[v].func; v++)
		if (needs_met(env, d->def->fn[v].needs))
			out[n++] = v;
	return n;
}

static void set_autoload(struct bpf_program *p, bool on)
{
	/* only fails once the object is loaded: the ladder runs before */
	if (p)
		bpf_program__set_autoload(p, on);
}

/* "none of a, b in WHERE (...)" when every variant is missing from WHERE. */
static void none_of(char *why, size_t len, const struct detector *d, const int *v, int n,
		    const char *missing, const char *where)
{
	if (n < 2 || !strstr(why, missing))
		return;
	set_reason(why, len, "none of %s, %s %s", d->def->fn[v[0]].func, d->def->fn[v[1]].func,
		   where);
}

/* First eligible variant whose fexit really attaches, -1 if none (fentry_why says why). */
static int pick_fentry(struct detector *d, const struct attach_env *env, const int *v, int n)
{
	char why[DA_WHY_LEN];

	d->fentry_why[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (fentry_works(env, d->def->fn[v[i]].func, why, sizeof(why)))
			return v[i];
		/* keep the most telling reason: a function that exists but refuses */
		if (!d->fentry_why[0] || !strstr(why, "not in kernel BTF"))
			set_reason(d->fentry_why, sizeof(d->fentry_why), "%s", why);
	}
	none_of(d->fentry_why, sizeof(d->fentry_why), d, v, n, "not in kernel BTF",
		"in kernel BTF (inlined or absent)");
	return -1;
}

static int pick_kprobe(struct detector *d, const struct attach_env *env, const int *v, int n)
{
	char why[DA_WHY_LEN];

	d->kprobe_why[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (kprobe_works(env, d->def->fn[v[i]].func, why, sizeof(why)))
			return v[i];
		if (!d->kprobe_why[0])
			set_reason(d->kprobe_why, sizeof(d->kprobe_why), "%s", why);
	}
	none_of(d->kprobe_why, sizeof(d->kprobe_why), d, v, n, "not in /proc/kallsyms",
		"in /proc/kallsyms");
	return -1;
}

static const char *fn_func(const struct detector *d)
{
	return d->fn >= 0 ? d->def->fn[d->fn].func : d->def->fn[0].func;
}

/* One more function, by the mechanism the first one got, where this kernel has it. */
static int decide_one_also(struct detector *d, int j, const struct attach_env *env)
{
	const char *func = d->def->also[j].func;
	const struct hook_progs *hp = &d->also[j];
	bool fentry = d->mech == DA_MECH_FENTRY;
	struct bpf_program *p[2] = { fentry ? hp->fentry : hp->kprobe,
				     fentry ? hp->fexit : hp->kretprobe };
	char why[DA_WHY_LEN];
	size_t used;

	if (!func || (!p[0] && !p[1]))
		return 0;
	if (fentry ? !fentry_works(env, func, why, sizeof(why))
		   : !kprobe_works(env, func, why, sizeof(why)))
		return 0;
	for (int i = 0; i < 2; i++) {
		int ret;

		if (!p[i])
			continue;
		/* not every also-program is the variant's own: on for each function */
		set_autoload(p[i], true);
		ret = fentry ? bpf_program__set_attach_target(p[i], 0, func) : 0;
		if (ret)
			return ret;
	}
	d->also_on |= 1u << j;
	used = strlen(d->label);
	snprintf(d->label + used, sizeof(d->label) - used, ",%s", func);
	return 0;
}

static int decide_also(struct detector *d, const struct attach_env *env)
{
	int ret = 0;

	d->also_on = 0;
	snprintf(d->label, sizeof(d->label), "%s", fn_func(d));
	for (int j = 0; j < DA_MAX_ALSO && !ret; j++)
		ret = decide_one_also(d, j, env);
	return ret;
}

/* The chosen variant's programs on; fentry ones pointed at its function. */
static int enable_variant(struct detector *d)
{
	const struct hook_progs *p = &d->progs[d->fn];
	struct bpf_program *progs[2] = { p->fentry, p->fexit };

	if (d->mech == DA_MECH_KPROBE) {
		set_autoload(p->kprobe, true);
		set_autoload(p->kretprobe, true);
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		int ret;

		if (!progs[i])
			continue;
		set_autoload(progs[i], true);
		ret = bpf_program__set_attach_target(progs[i], 0, fn_func(d));
		if (ret)
			return ret;
	}
	return 0;
}

static int decide(struct detector *d, const struct attach_env *env)
{
	int v[DA_MAX_VARIANTS], n = eligible(d, env, v), pick = -1, ret;

	d->mech = DA_MECH_NONE;
	d->fn = n ? v[0] : 0;
	if (!n) {
		set_reason(d->fentry_why, sizeof(d->fentry_why), "%s",
			   needs_text(needs_unmet(env, d->def->fn[0].needs)));
		set_reason(d->kprobe_why, sizeof(d->kprobe_why), "same");
		return 0;
	}
	if (env->mode == DA_ATTACH_KPROBE)
		set_reason(d->fentry_why, sizeof(d->fentry_why), "not tried (--attach=kprobe)");
	else if (!env->kernel_btf)
		set_reason(d->fentry_why, sizeof(d->fentry_why),
			   "needs the kernel's own BTF (no %s; --btf serves CO-RE only)",
			   DA_VMLINUX_BTF);
	else if ((pick = pick_fentry(d, env, v, n)) >= 0)
		d->mech = DA_MECH_FENTRY;

	if (d->mech == DA_MECH_NONE && env->mode == DA_ATTACH_FENTRY)
		set_reason(d->kprobe_why, sizeof(d->kprobe_why), "not tried (--attach=fentry)");
	else if (d->mech == DA_MECH_NONE && (pick = pick_kprobe(d, env, v, n)) >= 0)
		d->mech = DA_MECH_KPROBE;
	if (pick < 0)
		return 0;
	d->fn = pick;
	ret = enable_variant(d);
	if (!ret)
		ret = decide_also(d, env);
	return ret;
}

/* The scan needs the task_vma iterator (5.12): libbpf looks it up in BTF too. */
static void decide_scan(struct scan *s, const struct attach_env *env)
{
	bool ok = env->kernel_btf && attach_func_id(env, s->def->iter) >= 0;

	s->mech = ok ? DA_MECH_ITER : DA_MECH_PROC;
	s->why[0] = '\0';
	set_autoload(s->prog, ok);
	if (ok)
		return;
	/* Fallback: /proc/PID/smaps and debugfs bufinfo (src/procscan.c). */
	if (!env->kernel_btf)
		set_reason(s->why, sizeof(s->why),
			   "the task_vma iterator needs the kernel's own BTF (no %s): /proc scan",
			   DA_VMLINUX_BTF);
	else
		set_reason(s->why, sizeof(s->why),
			   "no task_vma iterator on this kernel (5.12+): /proc scan");
}

int attach_decide(struct auditor *a, const struct attach_env *env)
{
	struct bpf_program *prog;

	/* Every program off; the ladder turns on exactly the ones it picked. */
	bpf_object__for_each_program(prog, a->skel->obj) set_autoload(prog, false);
	for (int i = 0; i < DA_LIVE_DETECTORS; i++) {
		int ret = decide(&a->det[i], env);

		if (ret)
			return ret;
	}
	decide_scan(&a->scan, env);
	return 0;
}

/* ---- attaching ----------------------------------------------------------- */

static struct bpf_link *attach_one(struct detector *d, struct bpf_program *p, bool ret,
				   const char *func)
{
	if (d->mech == DA_MECH_FENTRY)
		return bpf_program__attach(p);
	return bpf_program__attach_kprobe(p, ret, func);
}

static void add_refusal(struct attach_env *env, const char *func, const char *why)
{
	struct fentry_refusal *r;

	if (env->nrefused >= DA_KFUNCS_MAX || refused_why(env, func))
		return;
	r = &env->refused[env->nrefused++];
	r->func = func;
	set_reason(r->why, sizeof(r->why), "%s", why);
}

/*
 * -524 (ENOTSUPP) is the architecture's answer, not the function's (arm64
 * before 6.4 has no ftrace direct calls): every function is refused with it,
 * so that the next pass does not try the other variants by fentry one by one.
 */
static void record_refusal(struct attach_env *env, const char *func, int err)
{
	char why[DA_WHY_LEN];

	set_reason(why, sizeof(why), "attach %s", errno_text(err));
	add_refusal(env, func, why);
	for (int i = 0; err == ENOTSUPP && i < env->nfuncs; i++)
		add_refusal(env, env->funcs[i].name, why);
}

/* Attaches d's programs; a refused fentry attach is recorded in env if record. 1 if so. */
static int attach_detector(struct detector *d, struct attach_env *env, bool record)
{
	const struct hook_progs *v = &d->progs[d->fn];
	struct bpf_program *progs[DA_DETECTOR_LINKS] = { NULL };
	const char *funcs[DA_DETECTOR_LINKS] = { NULL };
	bool ret[DA_DETECTOR_LINKS] = { false };
	int n = 0;

	if (d->mech != DA_MECH_FENTRY && d->mech != DA_MECH_KPROBE)
		return 0;
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
	for (int i = 0; i < n; i++)
		funcs[i] = fn_func(d);
	for (int j = 0; j < DA_MAX_ALSO; j++) {
		const struct hook_progs *hp = &d->also[j];

		if (!(d->also_on & (1u << j)))
			continue;
		/* the exit first, as above */
		ret[n] = d->mech == DA_MECH_KPROBE;
		funcs[n] = d->def->also[j].func;
		progs[n++] = d->mech == DA_MECH_FENTRY ? hp->fexit : hp->kretprobe;
		funcs[n] = d->def->also[j].func;
		progs[n++] = d->mech == DA_MECH_FENTRY ? hp->fentry : hp->kprobe;
	}
	for (int i = 0; i < n; i++) {
		if (!progs[i])
			continue;
		d->links[i] = attach_one(d, progs[i], ret[i], funcs[i]);
		if (!d->links[i]) {
			int e = errno, recorded = record && d->mech == DA_MECH_FENTRY;

			if (recorded)
				record_refusal(env, funcs[i], e);
			set_reason(d->mech == DA_MECH_FENTRY ? d->fentry_why : d->kprobe_why,
				   DA_WHY_LEN, "attach %s: %s", funcs[i], errno_text(e));
			for (int j = 0; j < i; j++) {
				bpf_link__destroy(d->links[j]);
				d->links[j] = NULL;
			}
			d->mech = DA_MECH_NONE;
			d->also_on = 0;
			return recorded;
		}
	}
	return 0;
}

int attach_all(struct auditor *a, struct attach_env *env, bool record)
{
	int n = 0;

	for (int i = 0; i < DA_LIVE_DETECTORS; i++)
		n += attach_detector(&a->det[i], env, record);
	return n;
}

void attach_detach(struct auditor *a)
{
	for (int i = 0; i < DA_LIVE_DETECTORS; i++) {
		for (int j = 0; j < DA_DETECTOR_LINKS; j++) {
			bpf_link__destroy(a->det[i].links[j]);
			a->det[i].links[j] = NULL;
		}
	}
}

/*
 * struct bpf_link_info of a kprobe perf-event link, as the kernel lays it out
 * (ABI): the libc's uapi headers may predate these fields (Debian 12's do).
 */
struct kprobe_link_info {
	__u32 type; /* BPF_LINK_TYPE_PERF_EVENT */
	__u32 id;
	__u32 prog_id;
	__u32 __pad;
	__u32 perf_type; /* enum bpf_perf_event_type */
	__u32 __pad2;
	__u64 func_name;
	__u32 name_len;
	__u32 offset;
	__u64 addr;
	__u64 missed;
};

#define DA_LINK_TYPE_PERF_EVENT 7 /* enum bpf_link_type */
#define DA_PERF_EVENT_KPROBE	3 /* enum bpf_perf_event_type */
#define DA_PERF_EVENT_KRETPROBE 4

/*
 * Probe hits the kernel ran no program of a kprobe link for: the kprobe
 * re-entered, or a return with all of the kretprobe's maxactive instances in
 * use (many threads inside one function at once). The link info carries it
 * from 6.7; earlier kernels leave it 0 (and fentry links have none).
 */
uint64_t attach_kprobe_missed(const struct auditor *a)
{
	uint64_t n = 0;

	for (int i = 0; i < DA_LIVE_DETECTORS; i++) {
		for (int j = 0; j < DA_DETECTOR_LINKS; j++) {
			struct kprobe_link_info info;
			__u32 len = sizeof(info);
			int fd = a->det[i].links[j] ? bpf_link__fd(a->det[i].links[j]) : -1;

			memset(&info, 0, sizeof(info));
			if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
				continue;
			if (info.type == DA_LINK_TYPE_PERF_EVENT &&
			    (info.perf_type == DA_PERF_EVENT_KPROBE ||
			     info.perf_type == DA_PERF_EVENT_KRETPROBE))
				n += info.missed;
		}
	}
	return n;
}

/* ---- what the rest of the program may know ------------------------------- */

/* The live detector of hook id HOOK; NULL for the scan and out of range. */
static const struct detector *det_of(const struct auditor *a, uint32_t hook)
{
	const struct detector_def *def = detector_def(hook);

	return def ? &a->det[def - detector_defs] : NULL;
}

enum da_mech auditor_mech(const struct auditor *a, uint32_t hook)
{
	const struct detector *d = det_of(a, hook);

	if (hook == DA_HOOK_SCAN)
		return a->scan.mech;
	return d ? d->mech : DA_MECH_NONE;
}

const char *auditor_func(const struct auditor *a, uint32_t hook)
{
	const struct detector *d = det_of(a, hook);

	if (hook == DA_HOOK_SCAN)
		return a->scan.mech == DA_MECH_PROC ? a->scan.def->proc : a->scan.def->iter;
	if (!d)
		return NULL;
	return d->also_on ? d->label : fn_func(d);
}

const char *auditor_what(const struct auditor *a, uint32_t hook)
{
	const struct detector *d = det_of(a, hook);
	const char *what;

	if (hook == DA_HOOK_SCAN)
		return a->scan.def->what;
	if (!d)
		return NULL;
	what = d->mech != DA_MECH_NONE ? d->def->fn[d->fn].what : NULL;
	/* what a kernel without pmd_special/pud_special lets it say */
	if (hook == DA_HOOK_HUGE_INSERT && !a->huge_special)
		what = "huge pmd/pud entries in dma-buf mappings; no special bit for them on this "
		       "kernel (6.12+): reported as huge_entry warnings";
	return what ? what : d->def->what;
}

int auditor_live(const struct auditor *a)
{
	int n = 0;

	for (int i = 0; i < DA_LIVE_DETECTORS; i++)
		n += a->det[i].mech != DA_MECH_NONE;
	return n;
}

bool auditor_can_scan(const struct auditor *a)
{
	return a->scan.mech == DA_MECH_ITER || a->scan.mech == DA_MECH_PROC;
}

void auditor_why(const struct auditor *a, uint32_t hook, char *buf, size_t len)
{
	const struct detector *d = det_of(a, hook);

	if (hook == DA_HOOK_SCAN) /* one mechanism */
		set_reason(buf, len, "%s", a->scan.why);
	else if (!d)
		set_reason(buf, len, "no such detector");
	else if (d->mech != DA_MECH_NONE)
		set_reason(buf, len, "attached");
	else if (d->kprobe_why[0])
		set_reason(buf, len, "fentry: %s; kprobe: %s", d->fentry_why, d->kprobe_why);
	else
		set_reason(buf, len, "fentry: %s", d->fentry_why);
}

/* A row of probe: how the detector (or the scan) runs here, or why it does not. */
static void probe_status(const struct auditor *a, uint32_t hook, char *buf, size_t len)
{
	const struct detector *d = det_of(a, hook);

	switch (auditor_mech(a, hook)) {
	case DA_MECH_FENTRY:
	case DA_MECH_ITER:
		set_reason(buf, len, "attached (%s)", auditor_what(a, hook));
		break;
	case DA_MECH_PROC:
		set_reason(buf, len, "fallback, %s", a->scan.why);
		break;
	case DA_MECH_KPROBE:
		set_reason(buf, len, "attached, fentry unusable: %s", d->fentry_why);
		break;
	default:
		auditor_why(a, hook, buf, len);
	}
}

void auditor_print_probe(FILE *f, const struct auditor *a)
{
	char why[400];
	int live = auditor_live(a);

	fprintf(f, "%-13s %-29s %-7s %s\n", "DETECTOR", "KERNEL FUNCTION", "VIA", "STATUS");
	/* every hook id in ABI order: the live detectors and the scan in its place */
	for (uint32_t h = 0; h < DA_HOOK_MAX; h++) {
		probe_status(a, h, why, sizeof(why));
		fprintf(f, "%-13s %-29s %-7s %s\n", detector_name(h), auditor_func(a, h),
			mech_name(auditor_mech(a, h)), why);
	}
	fprintf(f, "%d of %d live detectors attached; scan: %s\n", live, DA_LIVE_DETECTORS,
		!auditor_can_scan(a)	       ? "unavailable"
		: a->scan.mech == DA_MECH_PROC ? "/proc fallback"
					       : "available");
	if (!live && auditor_can_scan(a))
		fputs("mode: scan-only (existing mappings are reported, nothing is watched live)\n",
		      f);
}
