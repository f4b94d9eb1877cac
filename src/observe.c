// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * watch: findings printed as they appear (the scan's first), a finding again when
 * its count grew. report: the same run, printed at the end with the mapped memory,
 * the totals and an exit status for CI.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "detectors.h"
#include "finding.h"
#include "inventory.h"
#include "procscan.h"
#include "loader.h"
#include "log.h"
#include "loop.h"
#include "mappings.h"
#include "observe.h"
#include "report.h"
#include "run.h"
#include "session.h"

#define MAX_FINDINGS 65536

struct observe {
	const struct da_opts *opts;
	struct session s;
	struct mapping_table maps;
	uint64_t scan_kinds[DA_KIND_MAX];
	struct da_scan_stats scan;
	bool scan_ran;
	bool watch;
	struct watch_state w;
};

static void warn(const char *what, int err)
{
	log_msg(LOG_WARNING, "%s: %s", what, strerror(-err));
}

/* watch: a new finding is printed at once, a grown count at the next tick */
static void on_finding(void *ctx, struct finding *f, const struct da_event *ev)
{
	struct observe *ob = ctx;

	if (!ob->watch)
		return;
	if (watch_on_finding(stdout, &ob->w, f, ev, ob->opts->json, &ob->s.ks))
		log_msg(LOG_WARNING,
			"finding table full (%d findings): new findings are still printed, once each, but their counts are not followed",
			MAX_FINDINGS);
	fflush(stdout);
}

static void on_scan_record(void *ctx, const struct da_event *rec)
{
	struct observe *ob = ctx;

	if (mapping_table_add(&ob->maps, rec))
		warn("scan", -ENOMEM);
	if (rec->kind == DA_KIND_NONE || rec->kind >= DA_KIND_MAX)
		return;
	ob->scan_kinds[rec->kind]++;
	session_add(&ob->s, rec);
}

static void scan_existing(struct observe *ob)
{
	int err;

	if (!auditor_can_scan(ob->s.a))
		return;
	err = auditor_scan(ob->s.a, on_scan_record, ob, &ob->scan);
	if (err) {
		warn("scan of existing mappings failed", err);
		return;
	}
	ob->scan_ran = true;
	mapping_table_finish(&ob->maps);
}

/* watch has no summary: what it could not see goes to stderr, if anything. */
static void warn_losses(const struct auditor *a, const struct watch_state *w)
{
	uint64_t c[DA_CTR_MAX], missed = auditor_missed(a);

	if (w->unfollowed)
		log_msg(LOG_WARNING,
			"%" PRIu64 " finding events not itemised (finding table full at %d): printed once, counts not followed",
			w->unfollowed, MAX_FINDINGS);
	if (auditor_read_counters(a, c))
		return;
	if (c[DA_CTR_RINGBUF_LOST] || c[DA_CTR_GUP_FAST_UNVERIFIED] || missed ||
	    c[DA_CTR_PFN_LOOKUP_UNVERIFIED])
		log_msg(LOG_WARNING,
			"ringbuf_lost %" PRIu64 ", gup_fast_unverified %" PRIu64
			" (GUP-fast calls whose vma was not found: lookup refused, or a vma list walk cut),"
			" missed %" PRIu64
			" (hook calls the kernel ran none of the auditor's programs for),"
			" pfn_lookup_unverified %" PRIu64
			" (kernel pfn lookups not checked: another process's mm, or the vma not found)",
			c[DA_CTR_RINGBUF_LOST], c[DA_CTR_GUP_FAST_UNVERIFIED], missed,
			c[DA_CTR_PFN_LOOKUP_UNVERIFIED]);
}

static void fill_report(struct report_data *r, struct observe *ob, double elapsed,
			const char *kernel)
{
	const struct auditor *a = ob->s.a;

	r->set = &ob->s.set;
	r->elapsed = elapsed;
	r->kernel = kernel;
	r->ks = &ob->s.ks;
	r->maps = &ob->maps;
	r->scan_ran = ob->scan_ran;
	r->scan = ob->scan;
	memcpy(r->scan_kinds, ob->scan_kinds, sizeof(r->scan_kinds));
	r->counters[DA_CTR_HOOK_BASE + DA_HOOK_SCAN] = ob->scan.dmabuf_vmas;
	for (int i = 0; i < DA_HOOK_MAX; i++) {
		r->det_mech[i] = mech_name(auditor_mech(a, i));
		r->det_func[i] = auditor_mech(a, i) != DA_MECH_NONE ? auditor_func(a, i) : NULL;
	}
	r->tracked_vmas = auditor_tracked_vmas(a);
	r->missed = auditor_missed(a);
}

static int take_end_inventory(struct observe *ob, struct inventory *inv,
			      struct mapping_table *maps, char *why, size_t len);

static int print_report(struct observe *ob, double elapsed, FILE *out,
			const struct report_run *run)
{
	struct report_data r = { 0 };
	struct inventory inv = { 0 };
	struct mapping_table imaps = { 0 };
	char why[256];
	struct utsname uts;
	int ret;

	uname(&uts);
	if (auditor_read_counters(ob->s.a, r.counters)) {
		log_msg(LOG_ERR, "cannot read the BPF counters: no report");
		return -EIO;
	}
	fill_report(&r, ob, elapsed, uts.release);
	r.fail_on_warning = ob->opts->fail_on == DA_FAIL_ON_WARNING;
	r.run = run;
	if (!run) { /* run audits one process tree: the system's buffers are not its */
		if (take_end_inventory(ob, &inv, &imaps, why, sizeof(why))) {
			log_msg(LOG_WARNING, "inventory: %s", why);
			r.inv_why = why;
		} else {
			r.inv = &inv;
			r.inv_maps = &imaps;
		}
	}
	if (ob->opts->json)
		report_print_json(out, &r);
	else
		report_print_human(out, &r);
	ret = report_fails(&r, r.fail_on_warning) ? 1 : 0;
	if (fflush(out)) {
		log_msg(LOG_ERR, "report not written: %s", strerror(errno));
		ret = -EIO;
	}
	inventory_free(&inv);
	mapping_table_free(&imaps);
	return ret;
}

/* Why auditor_inventory() failed, in one line (reason of at most len bytes). */
static void inventory_why(int err, char *why, size_t len)
{
	if (err == -EOPNOTSUPP)
		snprintf(why, len, "this kernel has no task_file BPF iterator (kernel BTF, "
				   "Linux 5.8+): fd holders cannot be read");
	else if (err == -ENOENT)
		snprintf(why, len, "this kernel has no dma-buf BPF iterator (iter/dmabuf, "
				   "Linux 6.16+) and %s is missing: mount debugfs on /sys/kernel/debug",
			 DA_BUFINFO);
	else if (err == -EBADMSG)
		snprintf(why, len, "%s: its buffers do not add up to its total", DA_BUFINFO);
	else
		snprintf(why, len, "reading the dma-bufs and their fds failed: %s", strerror(-err));
}

/*
 * report --inventory: every dma-buf now, with its fd holders (task_file
 * iterator), its mappers (the scan) and attached devices; no observation.
 */
static int print_inventory(struct observe *ob)
{
	struct inventory inv = { 0 };
	char why[256];
	int ret, err;

	if (!ob->scan_ran)
		log_msg(LOG_WARNING, "inventory: mappings not scanned: mappers not shown");
	err = auditor_inventory(ob->s.a, &inv);
	if (err) {
		inventory_why(err, why, sizeof(why));
		log_msg(LOG_ERR, "inventory: %s", why);
		ret = DA_EXIT_ERROR;
		goto cleanup;
	}
	if (ob->opts->json)
		inventory_print_json(stdout, &inv, &ob->maps);
	else
		inventory_print_human(stdout, &inv, &ob->maps);
	ret = fflush(stdout) ? DA_EXIT_ERROR : DA_EXIT_OK;
cleanup:
	inventory_free(&inv);
	return ret;
}

struct end_scan {
	struct mapping_table *maps;
	bool failed; /* a mapping lost (no memory) */
};

static void on_end_scan(void *ctx, const struct da_event *rec)
{
	struct end_scan *e = ctx;

	if (mapping_table_add(e->maps, rec))
		e->failed = true;
}

/*
 * The report's INVENTORY: every dma-buf at the end of the observation, its
 * mappers from a scan made then (the first scan's table is the start's: a buffer
 * mapped since and closed would read as held only by the kernel). 0, or -errno
 * with the reason in why.
 */
static int take_end_inventory(struct observe *ob, struct inventory *inv,
			      struct mapping_table *maps, char *why, size_t len)
{
	struct end_scan e = { .maps = maps };
	struct da_scan_stats st;
	int err;

	if (ob->opts->pid) {
		snprintf(why, len, "not taken with -p (the scan sees one process)");
		return -EINVAL;
	}
	if (!auditor_can_scan(ob->s.a)) {
		snprintf(why, len, "no scan of mappings on this kernel: mappers unknown");
		return -EOPNOTSUPP;
	}
	err = auditor_scan(ob->s.a, on_end_scan, &e, &st);
	if (!err && e.failed)
		err = -ENOMEM;
	if (err) {
		snprintf(why, len, "the scan of mappings failed: %s", strerror(-err));
		return err;
	}
	mapping_table_finish(maps);
	err = auditor_inventory(ob->s.a, inv);
	if (err)
		inventory_why(err, why, len);
	return err;
}

/* The report's destination: -o FILE, else stderr (the command keeps stdout). */
static FILE *open_output(const struct da_opts *o)
{
	FILE *f;

	if (!o->output[0])
		return stderr;
	f = fopen(o->output, "we");
	if (!f)
		log_msg(LOG_ERR, "run: cannot write the report to %s: %s", o->output,
			strerror(errno));
	return f;
}

/*
 * run -- COMMAND: the command forked into a cgroup of its own and held at a
 * gate, the auditor attached for that cgroup only, the gate opened, events
 * taken until the command exits, then the report. 0/1 as report, 3 when the
 * command failed without a failing finding, 126/127 when it could not run.
 */
static int run_main(struct observe *ob, const struct da_opts *o)
{
	struct loop_hooks h = { 0 };
	struct run_child c = { .gate = -1, .exec_err = -1 };
	struct report_run rr = { .command = o->run_argv[0] };
	struct da_opts ro = *o;
	FILE *out = open_output(o);
	double elapsed = 0;
	char err[DA_PATH_LEN + 128];
	int ret, found;

	if (!out)
		return DA_EXIT_ERROR;
	ret = run_start(&c, o->run_argv, err, sizeof(err));
	if (!ret) {
		ro.cgroup_id = c.cgroup_id;
		ret = session_open(&ob->s, &ro, MAX_FINDINGS, on_finding, ob, err, sizeof(err));
	}
	if (ret) {
		log_msg(LOG_ERR, "%s", err);
		ret = DA_EXIT_ERROR;
		goto cleanup;
	}
	if (session_announce(&ob->s)) {
		ret = DA_EXIT_ERROR;
		goto cleanup;
	}
	if (!auditor_live(ob->s.a)) {
		/* the scan sees mappings that exist before the command: none of its own */
		log_msg(LOG_ERR, "run: no detector runs live here (scan-only): the command "
				 "cannot be audited");
		ret = DA_EXIT_ERROR;
		goto cleanup;
	}
	ret = run_release(&c);
	if (ret) {
		log_msg(LOG_ERR, "run: cannot execute '%s': %s", o->run_argv[0], strerror(-ret));
		ret = ret == -ENOENT ? DA_EXIT_CMD_NOTFOUND : DA_EXIT_CMD_NOEXEC;
		goto cleanup;
	}
	h.child = c.pid;
	ret = loop_run(&ob->s, &h, &elapsed);
	if (ret) /* keep what was counted: the report still comes when the command ends */
		log_msg(LOG_ERR, "event loop failed: %s", strerror(-ret));
	run_wait(&c);
	session_tick(&ob->s); /* final counts */
	rr.status = c.status;
	found = print_report(ob, elapsed, out, &rr);
	ret = ret || found < 0 ? DA_EXIT_ERROR : found ? DA_EXIT_VIOLATIONS : run_exit_status(&c);
cleanup:
	run_finish(&c);
	if (out != stderr && fclose(out) && ret != DA_EXIT_ERROR) {
		log_msg(LOG_ERR, "run: report not written to %s: %s", o->output, strerror(errno));
		ret = DA_EXIT_ERROR;
	}
	return ret;
}

int observe_main(const struct da_opts *o)
{
	static struct observe ob; /* large: not on the stack */
	struct loop_hooks h = { .duration = o->duration };
	double elapsed = 0;
	char err[256];
	int ret, found = 0;

	memset(&ob, 0, sizeof(ob));
	ob.opts = o;
	ob.watch = o->cmd == DA_CMD_WATCH;
	if (o->cmd == DA_CMD_RUN) {
		ret = run_main(&ob, o);
		goto cleanup;
	}
	if (session_open(&ob.s, o, MAX_FINDINGS, on_finding, &ob, err, sizeof(err))) {
		log_msg(LOG_ERR, "%s", err);
		ret = DA_EXIT_ERROR;
		goto cleanup;
	}
	scan_existing(&ob);
	if (o->inventory) {
		ret = print_inventory(&ob);
		goto cleanup;
	}
	if (session_announce(&ob.s)) {
		ret = DA_EXIT_ERROR;
		goto cleanup;
	}
	ret = loop_run(&ob.s, &h, &elapsed);
	if (ret) /* keep what was counted: still print the report below */
		log_msg(LOG_ERR, "event loop failed: %s", strerror(-ret));
	session_tick(&ob.s); /* final counts */
	if (ob.watch)
		warn_losses(ob.s.a, &ob.w);
	else
		found = print_report(&ob, elapsed, stdout, NULL);
	if (found < 0)
		ret = found;
	ret = ret ? DA_EXIT_ERROR : found ? DA_EXIT_VIOLATIONS : DA_EXIT_OK;
cleanup:
	session_close(&ob.s);
	mapping_table_free(&ob.maps);
	return ret;
}
