// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "detectors.h"
#include "loader.h"
#include "log.h"
#include "session.h"

/* A module loaded since the symbols were last read: its symbols are read now. */
static void on_module_loaded(void *ctx, const char *module, size_t nsyms)
{
	(void)ctx;
	/* said always: the lab and a board's log know from it that the module is named */
	if (nsyms)
		log_msg(LOG_INFO, "module %s loaded: its %zu text symbols read", module, nsyms);
	else
		log_msg(LOG_WARNING,
			"module %s loaded, but /proc/kallsyms has no text symbol of it", module);
}

/* The kernel's symbols are read when first needed (session_symbols). */
static void open_ksyms(struct ksyms *ks)
{
	/* both opened now, while privileged: the kernel decides at open who sees addresses */
	int err = ksyms_open(ks, "/proc/kallsyms", "/proc/modules");

	ks->loaded = on_module_loaded;
	if (err)
		log_msg(LOG_WARNING,
			"cannot read /proc/kallsyms (kernel code is named [unknown]): %s",
			strerror(-err));
}

/* Before anything names a kernel address: the symbols read, once. */
static void session_symbols(struct session *s)
{
	int err;

	if (s->ks.tried || !s->ks.src)
		return;
	err = ksyms_ensure(&s->ks);
	if (err)
		log_msg(LOG_WARNING,
			"cannot read /proc/kallsyms (kernel code is named [unknown]): %s",
			strerror(-err));
}

int session_open(struct session *s, const struct da_opts *o, size_t max_findings,
		 finding_fn changed, void *ctx, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	log_set_verbose(o->verbose);
	s->changed = changed;
	s->ctx = ctx;
	finding_set_init(&s->set, max_findings);
	/* before the auditor: its kprobe ladder asks the same table */
	open_ksyms(&s->ks);
	return auditor_open(&s->a, o, &s->ks, err, errlen);
}

void session_close(struct session *s)
{
	if (!s)
		return;
	auditor_close(s->a);
	s->a = NULL;
	finding_set_free(&s->set);
	ksyms_free(&s->ks);
}

void session_add(struct session *s, const struct da_event *ev)
{
	struct finding *f;

	session_symbols(s); /* the callback prints the mmap op, the stack */
	f = finding_set_add(&s->set, ev);

	if (s->changed)
		s->changed(s->ctx, f, ev);
}

static void clean_stack(struct session *s, struct da_event *ev);

void session_watch_modules(struct session *s)
{
	ksyms_refresh(&s->ks);
}

void session_event(struct session *s, const struct da_event *ev)
{
	struct da_event e = *ev;

	session_symbols(s);
	/*
	 * A module loaded since the table was read (a driver after the daemon, a
	 * modprobe during watch): read again before naming its code, or its frames
	 * would be named after a neighbour. The event was made after the load, so
	 * /proc/modules shows it by now.
	 */
	ksyms_refresh(&s->ks);
	clean_stack(s, &e);
	session_add(s, &e);
}

static void on_dedup(void *ctx, const struct da_dedup_key *key, uint64_t count)
{
	struct session *s = ctx;
	struct finding *f = finding_set_update(&s->set, key, count);

	if (f && s->changed)
		s->changed(s->ctx, f, &f->ev);
}

void session_tick(struct session *s)
{
	int err = auditor_read_dedup(s->a, on_dedup, s);

	if (err)
		log_msg(LOG_WARNING, "cannot read the dedup map (counts may lag): %s",
			strerror(-err));
}

/*
 * Every count goes to a BPF counter before the dedup map, so unchanged counters mean
 * unchanged counts, but for a program that counted before the last read and updated
 * the map after it: the read after a change is repeated once.
 */
void session_poll(struct session *s)
{
	uint64_t c[DA_CTR_MAX], sum = 0;
	bool changed;

	auditor_read_counters(s->a, c);
	for (int i = 0; i < DA_CTR_MAX; i++)
		sum += c[i];
	changed = sum != s->polled;
	if (!changed && !s->poll_again)
		return;
	s->polled = sum;
	s->poll_again = changed;
	session_tick(s);
}

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* kallsyms read again, at most every 2 s: a reading of it costs ~0.5 s under QEMU. */
static void reload_limited(struct ksyms *ks)
{
	static double last_reload = -10;

	if (monotonic_s() - last_reload >= 2) {
		last_reload = monotonic_s();
		ksyms_reload(ks);
	}
}

/* kallsyms read again when addr is code no symbol names yet. */
static void name_known(struct ksyms *ks, uint64_t addr)
{
	if (addr && !ksyms_known(ks, addr))
		reload_limited(ks);
}

/*
 * A new event's stack as it will be printed: frames of BPF programs and trampolines
 * left out (the auditor's own, or another tool's), kallsyms read again (at most every
 * 2 s) when a frame is unknown: a trampoline made after the auditor started (another
 * BPF tool attaching to the same function gets a new image) is named only there.
 */
/*
 * The exporter's module of a finding whose mmap op stays unknown, gone before its
 * symbols could be read (loaded and unloaded between two readings): said once, so
 * that [unknown] is not mistaken for a defect of the exporter or of the auditor.
 */
static void say_unnamed(struct session *s, const char *mod, uint64_t mmap_op)
{
	if (!mod[0] || !mmap_op || !s->ks.nmods || ksyms_known(&s->ks, mmap_op) ||
	    !strcmp(s->unnamed, mod) || ksyms_module_symbols(&s->ks, mod))
		return;
	snprintf(s->unnamed, sizeof(s->unnamed), "%s", mod);
	log_msg(LOG_WARNING,
		"module %s was unloaded before its symbols could be read: its code is named %s",
		mod, KSYMS_UNKNOWN);
}

static void clean_stack(struct session *s, struct da_event *ev)
{
	uint32_t n = 0, len = ev->stack_len < DA_STACK_DEPTH ? ev->stack_len : DA_STACK_DEPTH;
	char sym[192], mod[DA_MODULE_LEN + 1];
	struct ksyms *ks = &s->ks;

	/*
	 * The exporter's module unknown to a table that knows modules: the table was
	 * read before the module came (a refresh that could not read /proc/modules).
	 * Its code would be named after a neighbour whose extent seems to hold it
	 * (/proc/modules sizes count a module's data too): read again first.
	 */
	memcpy(mod, ev->module, sizeof(ev->module));
	mod[sizeof(ev->module)] = '\0';
	if (mod[0] && ev->mmap_op && ks->nmods && !ksyms_has_module(ks, mod))
		reload_limited(ks);
	for (uint32_t i = 0; i < len; i++) {
		name_known(ks, ev->stack[i]);
		if (ksyms_frame(ks, ev->stack[i], sym, sizeof(sym)))
			ev->stack[n++] = ev->stack[i];
	}
	ev->stack_len = n;
	name_known(ks, ev->mmap_op); /* named like the frames, never left out */
	say_unnamed(s, mod, ev->mmap_op);
}

int session_announce(const struct session *s)
{
	const struct auditor *a = s->a;
	char why[400], scan_why[400];
	int live = auditor_live(a);

	if (!live) {
		/* the first detector's reasons say why for all of them */
		auditor_why(a, DA_HOOK_MMAP, why, sizeof(why));
		if (!auditor_can_scan(a)) {
			auditor_why(a, DA_HOOK_SCAN, scan_why, sizeof(scan_why));
			log_msg(LOG_ERR,
				"no detector can run on this kernel (%s; scan: %s); see 'dmabuf-audit probe'",
				why, scan_why);
			return -ENODEV;
		}
		log_msg(LOG_NOTICE,
			"scan-only: no live detector can attach on this kernel (%s); existing mappings are still scanned",
			why);
		return 0;
	}
	for (int i = 0; i < DA_LIVE_DETECTORS; i++) {
		uint32_t h = detector_defs[i].id;

		if (auditor_mech(a, h) != DA_MECH_NONE)
			continue;
		auditor_why(a, h, why, sizeof(why));
		log_msg(LOG_WARNING, "detector %s (%s) cannot run here: %s", detector_defs[i].name,
			auditor_func(a, h), why);
	}
	log_step("scan done");
	log_msg(LOG_INFO, "ready: %d of %d live detectors attached, scan %s", live,
		DA_LIVE_DETECTORS, auditor_can_scan(a) ? "done" : "unavailable");
	return 0;
}

void session_attach_table(const struct session *s, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < DA_HOOK_MAX && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s=%s", i ? " " : "", detector_name(i),
			      mech_name(auditor_mech(s->a, i)));
}
