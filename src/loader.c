// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Opening the auditor: privileges and BTF checked, the BPF object opened and bound to
 * the detector table, the ladder decided (attach.c), loaded and attached; then what
 * user space reads back from it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "caps.h"
#include "finding.h"
#include "inventory.h"
#include "loader.h"
#include "log.h"
#include "procscan.h"
#include "dmabuf_audit.skel.h"

/* ---- preflight ------------------------------------------------------- */

/* CAP_BPF and CAP_PERFMON exist from 5.8; CAP_SYS_ADMIN covers both. */
static int check_privileges(char *err, size_t errlen)
{
	const uint64_t bpf = 1ULL << CAP_BPF | 1ULL << CAP_PERFMON;
	uint64_t eff;

	if (caps_effective(&eff))
		return 0; /* cannot tell: let the kernel decide */
	if (eff & 1ULL << CAP_SYS_ADMIN || (eff & bpf) == bpf)
		return 0;
	set_reason(err, errlen,
		   "needs root or CAP_BPF and CAP_PERFMON (running as uid %u without them)",
		   (unsigned int)geteuid());
	return -EPERM;
}

/* true when the running kernel exposes its own BTF (fentry, iterators need it) */
static bool kernel_btf(void)
{
	return !access(DA_VMLINUX_BTF, R_OK);
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
		   DA_VMLINUX_BTF);
	return -ENOENT;
}

static struct btf *load_btf(const char *path)
{
	return path ? btf__parse(path, NULL) : btf__load_vmlinux_btf();
}

/* ---- what the ladder needs to know of this kernel, found once ------------ */

static bool kprobes_available(void)
{
	return !access("/sys/bus/event_source/devices/kprobe/type", R_OK) ||
	       !access("/sys/kernel/tracing/kprobe_events", W_OK) ||
	       !access("/sys/kernel/debug/tracing/kprobe_events", W_OK);
}

static void want_func(struct attach_env *env, const char *name)
{
	if (!name || attach_func_id(env, name) != -ENOENT || env->nfuncs >= DA_KFUNCS_MAX)
		return;
	env->funcs[env->nfuncs++] = (struct kfunc){ .name = name, .btf_id = -ENOENT };
}

/* Every function of the detector table, the scan's iterator, the dedup map's iterator. */
static void want_funcs(struct attach_env *env)
{
	for (int i = 0; i < DA_LIVE_DETECTORS; i++) {
		for (int v = 0; v < DA_MAX_VARIANTS; v++)
			want_func(env, detector_defs[i].fn[v].func);
		for (int j = 0; j < DA_MAX_ALSO; j++)
			want_func(env, detector_defs[i].also[j].func);
	}
	want_func(env, scan_def.iter);
	want_func(env, "bpf_iter_bpf_map_elem");
	want_func(env, "bpf_iter_dmabuf");
	want_func(env, "bpf_iter_task_file");
}

static void learn_func(struct attach_env *env, const char *name, int id)
{
	for (int i = 0; i < env->nfuncs; i++)
		if (env->funcs[i].btf_id < 0 && !strcmp(env->funcs[i].name, name))
			env->funcs[i].btf_id = id; /* the first of that name, as libbpf takes it */
}

/* FOLL_* values moved from macros to (renumbered) anonymous enums in 6.4. */
static void learn_enum(const struct btf *btf, const struct btf_type *t)
{
	const struct btf_enum *e = btf_enum(t);

	for (__u16 i = 0; i < btf_vlen(t); i++, e++) {
		const char *name = btf__name_by_offset(btf, e->name_off);

		if (name && !strncmp(name, "FOLL_", 5))
			gup_flag_set_value(name, (__u32)e->val);
	}
}

/*
 * The struct a function's first parameter points to ("mm_struct"), or NULL:
 * follow_pte took the mm until 6.9, the vma in 6.10 and 6.11.
 */
static const char *first_param_struct(const struct btf *btf, const struct btf_type *func)
{
	const struct btf_type *proto = btf__type_by_id(btf, func->type);
	const struct btf_type *t;

	if (!proto || !btf_is_func_proto(proto) || !btf_vlen(proto))
		return NULL;
	t = btf__type_by_id(btf, btf_params(proto)[0].type);
	if (!t || !btf_is_ptr(t))
		return NULL;
	t = btf__type_by_id(btf, t->type);
	while (t && (btf_is_const(t) || btf_is_volatile(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	return t && btf_is_struct(t) ? btf__name_by_offset(btf, t->name_off) : NULL;
}

static void learn_follow_pte(struct attach_env *env, const struct btf *btf,
			     const struct btf_type *func)
{
	const char *s = first_param_struct(btf, func);

	if (env->pte_mm || env->pte_vma || !s)
		return; /* the first of that name, as libbpf takes it */
	env->pte_mm = !strcmp(s, "mm_struct");
	env->pte_vma = !strcmp(s, "vm_area_struct");
}

static bool has_member(const struct btf *btf, const struct btf_type *t, const char *member)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);

		if (name && !strcmp(name, member))
			return true;
	}
	return false;
}

/*
 * One pass over the kernel's BTF (100k+ types) for all it is asked: the BTF ids
 * of the table's functions, the FOLL_* enumerators (their values win over the
 * legacy macros) and whether vm_area_struct still has vm_next (the vma list the
 * GUP-fast detector walks without bpf_find_vma: up to 6.0). The BTF is freed
 * after, before libbpf parses its own copy: one copy at a time.
 */
static void learn_btf(struct attach_env *env, const struct btf *btf)
{
	__u32 n = btf__type_cnt(btf);

	gup_flags_reset();
	want_funcs(env);
	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name;

		if (btf_is_enum(t)) {
			learn_enum(btf, t);
			continue;
		}
		if (!btf_is_func(t) && !btf_is_struct(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (!name || !*name)
			continue;
		if (btf_is_func(t))
			learn_func(env, name, (int)id);
		if (btf_is_func(t) && !strcmp(name, "follow_pte"))
			learn_follow_pte(env, btf, t);
		else if (!strcmp(name, "vm_area_struct"))
			env->vma_walk = has_member(btf, t, "vm_next");
	}
}

/*
 * The dedup map's iterator needs map iterators (5.9) and the kernel's BTF, and
 * a kernel that lets this process load one: decided by a real trial (an empty
 * program), as every other program here. Measured: a kernel that loads task_vma
 * iterators and refuses map iterators with EPERM. Without it the dedup counts
 * are read with map syscalls (auditor_read_dedup).
 */
static bool map_iter_loads(const struct attach_env *env)
{
	int id = attach_func_id(env, "bpf_iter_bpf_map_elem"), fd;

	if (!env->kernel_btf || id < 0)
		return false;
	fd = attach_trial_load(BPF_TRACE_ITER, id);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void learn_kernel(struct attach_env *env, const struct btf *btf, struct ksyms *ks,
			 enum da_attach mode)
{
	memset(env, 0, sizeof(*env));
	env->ks = ks;
	env->mode = mode;
	env->kernel_btf = kernel_btf();
	env->kprobes = kprobes_available();
	learn_btf(env, btf);
	/* bpf_find_vma (5.17): how the GUP-fast detector finds the vma */
	env->find_vma = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_find_vma, NULL) > 0;
	env->map_iter = map_iter_loads(env);
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

static int open_btf(const char *btf_path, struct btf **out, char *err, size_t errlen)
{
	char why[128];
	int ret = check_btf(btf_path, err, errlen);

	if (ret)
		return ret;
	*out = load_btf(btf_path);
	if (*out)
		return 0;
	ret = errno ? -errno : -EINVAL;
	libbpf_strerror(ret, why, sizeof(why));
	if (btf_path)
		set_reason(err, errlen, "--btf %s: not a usable BTF file (%s)", btf_path, why);
	else
		set_reason(err, errlen, "cannot read kernel BTF: %s", why);
	return ret;
}

static int open_object(struct auditor *a, const char *btf_path, const struct da_opts *o,
		       char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_path);
	int ret;

	a->skel = dmabuf_audit_bpf__open_opts(&oo);
	if (!a->skel) {
		ret = -errno;
		set_reason(err, errlen, "cannot open BPF object: %s", strerror(-ret));
		return ret;
	}
	a->skel->rodata->targ_tgid = o->pid;
	a->skel->rodata->targ_cgid = o->cgroup_id;
	return attach_bind(a, err, errlen);
}

static int decide_dedup_iter(struct auditor *a, const struct attach_env *env)
{
	return bpf_program__set_autoload(a->skel->progs.dump_dedup, env->map_iter);
}

/* Kept for the run: each read is one bpf_iter_create() and a few read()s. */
static void attach_dedup_iter(struct auditor *a)
{
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info linfo;

	if (bpf_program__fd(a->skel->progs.dump_dedup) < 0)
		return;
	memset(&linfo, 0, sizeof(linfo));
	linfo.map.map_fd = bpf_map__fd(a->skel->maps.dedup);
	opts.link_info = &linfo;
	opts.link_info_len = sizeof(linfo);
	/* refused: the map syscalls still work (auditor_read_dedup) */
	a->dedup_iter = bpf_program__attach_iter(a->skel->progs.dump_dedup, &opts);
}

/*
 * The inventory's iterators, only when asked for (report --inventory): the
 * dma-buf iterator (6.16; before it the buffers come from debugfs) and
 * task_file (5.8), each found in the kernel's BTF.
 */
static void decide_inventory(struct auditor *a, const struct attach_env *env)
{
	a->inv_bufs = env->kernel_btf && attach_func_id(env, "bpf_iter_dmabuf") >= 0;
	a->inv_fds = env->kernel_btf && attach_func_id(env, "bpf_iter_task_file") >= 0;
	bpf_program__set_autoload(a->skel->progs.inventory_bufs, a->inv_bufs);
	bpf_program__set_autoload(a->skel->progs.inventory_fds, a->inv_fds);
}

/*
 * Whether the kernel gives huge pfn entries a special bit (pmd_special and
 * pud_special): they came with the huge pfnmap series (6.12), which also
 * brought follow_pfnmap_start, the one trace of it in BTF (the bit itself is
 * inline code). x86_64 and arm64 both have it from there.
 */
static bool huge_special_bit(const struct attach_env *env)
{
	return attach_func_id(env, "follow_pfnmap_start") >= 0;
}

/* One pass of the start: the object opened, the ladder decided, the programs loaded. */
static int open_and_load(struct auditor *a, const struct da_opts *o, const char *btf_path,
			 const struct attach_env *env, char *err, size_t errlen)
{
	int ret = open_object(a, btf_path, o, err, errlen);

	if (ret)
		return ret;
	a->huge_special = huge_special_bit(env);
	a->skel->rodata->huge_special = a->huge_special;
	ret = attach_decide(a, env);
	if (!ret)
		ret = decide_dedup_iter(a, env);
	/* the report ends with the inventory; the daemon's config says */
	if (!ret && (o->inventory || o->cmd == DA_CMD_REPORT))
		decide_inventory(a, env);
	if (ret) {
		set_reason(err, errlen, "cannot set up the BPF programs: %s", strerror(-ret));
		return ret;
	}
	log_step("attach ladder decided");
	ret = dmabuf_audit_bpf__load(a->skel);
	if (ret) {
		set_reason(err, errlen, "BPF programs refused by the kernel: %s%s", strerror(-ret),
			   o->verbose ? "" : " (run with -v for the verifier log)");
		return ret;
	}
	log_step("BPF programs loaded");
	return 0;
}

static void unload(struct auditor *a)
{
	bpf_link__destroy(a->dedup_iter);
	a->dedup_iter = NULL;
	attach_detach(a);
	dmabuf_audit_bpf__destroy(a->skel);
	a->skel = NULL;
}

int auditor_open(struct auditor **out, const struct da_opts *o, struct ksyms *ks, char *err,
		 size_t errlen)
{
	const char *btf_path = o->btf_path[0] ? o->btf_path : NULL;
	struct attach_env env;
	struct auditor *a;
	struct btf *btf = NULL;
	int ret;

	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (!a) {
		set_reason(err, errlen, "out of memory");
		return -ENOMEM;
	}
	libbpf_set_print(o->verbose ? libbpf_verbose : libbpf_quiet);
	ret = check_privileges(err, errlen);
	if (!ret)
		ret = open_btf(btf_path, &btf, err, errlen);
	if (ret)
		goto cleanup;
	learn_kernel(&env, btf, ks, o->attach);
	/* libbpf parses its own copy for the skeleton: one at a time */
	btf__free(btf);
	log_step("kernel BTF read");
	/*
	 * The attach is the fentry trial that tells (see attach.c): when the kernel
	 * refuses one, the ladder decides again without that function (its next
	 * variant may be refused too: as many passes as variants, at most).
	 */
	for (int pass = 0;; pass++) {
		ret = open_and_load(a, o, btf_path, &env, err, errlen);
		if (ret || !attach_all(a, &env, pass < DA_MAX_VARIANTS))
			break;
		log_step("fentry attach refused: deciding again");
		unload(a);
	}
	if (ret)
		goto cleanup;
	attach_dedup_iter(a);
	log_step("BPF programs attached");
	*out = a;
cleanup:
	if (ret)
		auditor_close(a);
	return ret;
}

void auditor_close(struct auditor *a)
{
	if (!a)
		return;
	unload(a);
	free(a);
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
	/* .bss, mapped by libbpf: no syscall (see bpf/: counters) */
	const volatile __u64 *c = a->skel->bss->counters;

	for (int slot = 0; slot < DA_CTR_MAX; slot++)
		out[slot] = c[slot];
	return 0;
}

uint64_t auditor_missed(const struct auditor *a)
{
	struct bpf_program *prog;
	uint64_t n = 0;

	if (!a->skel)
		return 0;
	bpf_object__for_each_program(prog, a->skel->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		/* a kernel before 5.12 leaves the field out: 0 */
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			n += info.recursion_misses;
	}
	return n + attach_kprobe_missed(a);
}

/*
 * Reads an iterator's seq file of fixed-size records into rec, calling fn for each;
 * records may straddle read() boundaries. 0 or -errno.
 */
static int read_records(struct bpf_link *link, void *rec, size_t size,
			void (*fn)(void *ctx, const void *rec), void *ctx)
{
	int fd = bpf_iter_create(bpf_link__fd(link)), ret = 0;
	size_t have = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, (char *)rec + have, size - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		have += n;
		if (have == size) {
			fn(ctx, rec);
			have = 0;
		}
	}
	close(fd);
	return ret;
}

struct dedup_reader {
	dedup_fn fn;
	void *ctx;
};

static void on_dedup_rec(void *ctx, const void *rec)
{
	const struct dedup_reader *r = ctx;
	const struct da_dedup_rec *d = rec;

	r->fn(r->ctx, &d->key, d->count);
}

/* Without the iterator: a bpf() syscall per entry (raises bpf_prog_active each time). */
static int read_dedup_syscalls(const struct auditor *a, dedup_fn fn, void *ctx)
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

int auditor_read_dedup(const struct auditor *a, dedup_fn fn, void *ctx)
{
	struct dedup_reader r = { fn, ctx };
	struct da_dedup_rec rec;

	if (!a->dedup_iter)
		return read_dedup_syscalls(a, fn, ctx);
	return read_records(a->dedup_iter, &rec, sizeof(rec), on_dedup_rec, &r);
}

int auditor_forget_dedup(const struct auditor *a, const struct da_dedup_key *key)
{
	if (bpf_map_delete_elem(bpf_map__fd(a->skel->maps.dedup), key) && errno != ENOENT)
		return -errno;
	return 0;
}

int auditor_read_lost(const struct auditor *a, lost_fn fn, void *ctx)
{
	int fd = bpf_map__fd(a->skel->maps.lost);
	struct da_lost_key key, next;
	void *prev = NULL;
	__u64 count;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &count))
			fn(ctx, &key, count);
	}
	return errno == ENOENT ? 0 : -errno;
}

int auditor_take_dedup(const struct auditor *a, const struct da_dedup_key *key, uint64_t *count)
{
	int fd = bpf_map__fd(a->skel->maps.dedup);
	struct da_dedup_val v = { 0 };

	*count = 0;
	if (!bpf_map_lookup_and_delete_elem(fd, key, &v)) {
		*count = v.count;
		return 0;
	}
	if (errno == ENOENT)
		return 0;
	if (errno != EINVAL && errno != 524 /* ENOTSUPP */ && errno != EOPNOTSUPP)
		return -errno;
	/* hash maps take lookup-and-delete from 5.14: a repeat between the two is lost */
	if (!bpf_map_lookup_elem(fd, key, &v))
		*count = v.count;
	return auditor_forget_dedup(a, key);
}

struct scan_reader {
	record_fn fn;
	void *ctx;
};

static void on_scan_rec(void *ctx, const void *rec)
{
	const struct scan_reader *r = ctx;

	r->fn(r->ctx, rec);
}

bool auditor_has_buf_iter(const struct auditor *a)
{
	return a->inv_bufs;
}

bool auditor_has_fd_iter(const struct auditor *a)
{
	return a->inv_fds;
}

struct inv_reader {
	buf_fn fb;
	fd_fn ff;
	void *ctx;
};

static void on_buf_rec(void *ctx, const void *rec)
{
	struct inv_reader *r = ctx;

	r->fb(r->ctx, rec);
}

static void on_fd_rec(void *ctx, const void *rec)
{
	struct inv_reader *r = ctx;

	r->ff(r->ctx, rec);
}

static int read_iter(struct bpf_program *prog, void *rec, size_t size,
		     void (*fn)(void *ctx, const void *rec), void *ctx)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	int ret;

	if (!link)
		return -errno;
	ret = read_records(link, rec, size, fn, ctx);
	bpf_link__destroy(link);
	return ret;
}

int auditor_inventory_bufs(struct auditor *a, buf_fn fb, void *ctx)
{
	struct inv_reader r = { .fb = fb, .ctx = ctx };
	struct da_buf_rec buf;

	if (!a->inv_bufs)
		return -EOPNOTSUPP;
	return read_iter(a->skel->progs.inventory_bufs, &buf, sizeof(buf), on_buf_rec, &r);
}

int auditor_inventory_fds(struct auditor *a, fd_fn ff, void *ctx)
{
	struct inv_reader r = { .ff = ff, .ctx = ctx };
	struct da_fd_rec fd;

	if (!a->inv_fds)
		return -EOPNOTSUPP;
	return read_iter(a->skel->progs.inventory_fds, &fd, sizeof(fd), on_fd_rec, &r);
}

int auditor_scan(struct auditor *a, record_fn fn, void *ctx, struct da_scan_stats *stats)
{
	struct scan_reader r = { fn, ctx };
	struct bpf_link *link;
	struct da_event rec;
	int ret;

	memset(stats, 0, sizeof(*stats));
	if (!auditor_can_scan(a))
		return -EOPNOTSUPP;
	if (a->scan.mech == DA_MECH_PROC)
		return procscan_run(a->skel->rodata->targ_tgid, fn, ctx, stats);
	a->skel->bss->scan_stats = (struct da_scan_stats){ 0 };
	a->skel->bss->scan_last_tgid = 0;
	link = bpf_program__attach_iter(a->scan.prog, NULL);
	if (!link)
		return -errno;
	ret = read_records(link, &rec, sizeof(rec), on_scan_rec, &r);
	if (!ret)
		*stats = a->skel->bss->scan_stats;
	bpf_link__destroy(link);
	return ret;
}

int auditor_inventory(struct auditor *a, struct inventory *inv)
{
	int err;

	if (!a->inv_fds)
		return -EOPNOTSUPP;
	/* buffers first: an fd of a buffer made in between is counted apart */
	if (a->inv_bufs) {
		inv->source = "iter/dmabuf";
		err = auditor_inventory_bufs(a, inventory_collect_buf, inv);
	} else {
		inv->source = "debugfs";
		err = inventory_read_bufinfo(inv, DA_BUFINFO);
	}
	inventory_index(inv);
	if (!err)
		err = auditor_inventory_fds(a, inventory_collect_fd, inv);
	if (!err && inv->failed)
		err = -ENOMEM;
	if (!err)
		inventory_finish(inv);
	return err;
}
