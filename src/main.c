// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dmabuf-audit: find dma-buf mappings that let get_user_pages take struct
 * page references (no VM_PFNMAP, struct pages inserted or faulted in, ptes
 * without pte_special, GUP slow or lockless path accepted).
 * stdout carries data (findings, report); diagnostics go to stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "cli.h"
#include "finding.h"
#include "ksyms.h"
#include "loader.h"
#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "mappings.h"
#include "report.h"
#include "session.h"

#define MAX_FINDINGS 65536

struct run_ctx {
	const struct da_opts *opts;
	struct auditor *a;
	struct ksyms ks;
	struct finding_set set;
	struct mapping_table maps;
	uint64_t scan_kinds[DA_KIND_MAX];
	struct da_scan_stats scan;
	bool scan_ran;
	bool watch;
};

static int error(const char *msg)
{
	log_msg(LOG_ERR, "%s", msg);
	return DA_EXIT_ERROR;
}

static void warn(const char *what, int err)
{
	log_msg(LOG_WARNING, "%s: %s", what, strerror(-err));
}

/* watch: a new finding is printed at once, a grown count at the next tick */
static void show(struct run_ctx *rc, struct finding *f)
{
	if (!rc->watch || !f || f->printed == f->count)
		return;
	watch_print_finding(stdout, f, rc->opts->json, f->printed != 0, &rc->ks);
	f->printed = f->count;
	fflush(stdout);
}

static void on_event(void *ctx, const struct da_event *ev)
{
	struct run_ctx *rc = ctx;
	struct da_event e = *ev;

	session_clean_stack(&rc->ks, &e);
	show(rc, finding_set_add(&rc->set, &e));
}

static void on_dedup(void *ctx, const struct da_dedup_key *key, uint64_t count)
{
	struct run_ctx *rc = ctx;

	show(rc, finding_set_update(&rc->set, key, count));
}

static void on_tick(void *ctx)
{
	struct run_ctx *rc = ctx;
	int err = auditor_read_dedup(rc->a, on_dedup, rc);

	if (err)
		warn("cannot read the dedup map (counts may lag)", err);
}

static void on_scan_record(void *ctx, const struct da_event *rec)
{
	struct run_ctx *rc = ctx;

	if (mapping_table_add(&rc->maps, rec))
		warn("scan", -ENOMEM);
	if (rec->kind == DA_KIND_NONE || rec->kind >= DA_KIND_MAX)
		return;
	rc->scan_kinds[rec->kind]++;
	show(rc, finding_set_add(&rc->set, rec));
}

/* watch has no summary: what it could not see goes to stderr, if anything. */
static void warn_losses(const struct auditor *a)
{
	uint64_t c[DA_CTR_MAX];

	if (auditor_read_counters(a, c))
		return;
	if (c[DA_CTR_RINGBUF_LOST] || c[DA_CTR_FIND_VMA_BUSY])
		log_msg(LOG_WARNING,
			"ringbuf_lost %" PRIu64 ", gup_fast_unverified %" PRIu64
			" (GUP-fast calls whose vma lookup the kernel refused)",
			c[DA_CTR_RINGBUF_LOST], c[DA_CTR_FIND_VMA_BUSY]);
}

static void scan_existing(struct run_ctx *rc)
{
	int err;

	if (!auditor_can_scan(rc->a))
		return;
	err = auditor_scan(rc->a, on_scan_record, rc, &rc->scan);
	if (err) {
		warn("scan of existing mappings failed", err);
		return;
	}
	rc->scan_ran = true;
	mapping_table_finish(&rc->maps);
}

static void fill_report(struct report_data *r, struct run_ctx *rc, double elapsed,
			const char *kernel)
{
	const struct auditor *a = rc->a;

	r->set = &rc->set;
	r->elapsed = elapsed;
	r->kernel = kernel;
	r->ks = &rc->ks;
	r->maps = &rc->maps;
	r->scan_ran = rc->scan_ran;
	r->scan = rc->scan;
	memcpy(r->scan_kinds, rc->scan_kinds, sizeof(r->scan_kinds));
	r->counters[DA_CTR_HOOK_BASE + DA_HOOK_SCAN] = rc->scan.dmabuf_vmas;
	for (int i = 0; i < DA_HOOK_MAX; i++) {
		r->det_name[i] = a->det[i].name;
		r->det_mech[i] = mech_name(a->det[i].mech);
		r->det_func[i] = a->det[i].mech != DA_MECH_NONE ? detector_func(&a->det[i]) : NULL;
	}
}

static int print_report(struct run_ctx *rc, double elapsed)
{
	struct report_data r = { 0 };
	struct utsname uts;

	uname(&uts);
	if (auditor_read_counters(rc->a, r.counters)) {
		error("cannot read the BPF counters: no report");
		return -EIO;
	}
	fill_report(&r, rc, elapsed, uts.release);
	r.fail_on_warning = rc->opts->fail_on == DA_FAIL_ON_WARNING;
	r.tracked_vmas = auditor_tracked_vmas(rc->a);
	if (rc->opts->json)
		report_print_json(stdout, &r);
	else
		report_print_human(stdout, &r);
	return report_fails(&r, r.fail_on_warning) ? 1 : 0;
}

static int run_observe(struct auditor *a, const struct da_opts *o)
{
	struct run_ctx rc = { .opts = o, .a = a, .watch = o->cmd == DA_CMD_WATCH };
	struct loop_hooks h = {
		.event = on_event, .tick = on_tick, .ctx = &rc, .duration = o->duration
	};
	double elapsed = 0;
	char msg[160];
	int ret, found = 0;

	finding_set_init(&rc.set, MAX_FINDINGS);
	session_load_ksyms(&rc.ks);
	scan_existing(&rc);
	if (session_announce(a)) {
		ret = DA_EXIT_ERROR;
		goto cleanup;
	}
	ret = loop_run(a, &h, &elapsed);
	if (ret) {
		/* Keep what was counted: still print the report below. */
		snprintf(msg, sizeof(msg), "event loop failed: %s", strerror(-ret));
		error(msg);
	}
	on_tick(&rc); /* final counts */
	if (o->cmd == DA_CMD_WATCH)
		warn_losses(a);
	if (o->cmd == DA_CMD_REPORT) {
		found = print_report(&rc, elapsed);
		if (found < 0)
			ret = found;
	}
	ret = ret ? DA_EXIT_ERROR : found ? DA_EXIT_VIOLATIONS : DA_EXIT_OK;
cleanup:
	finding_set_free(&rc.set);
	mapping_table_free(&rc.maps);
	ksyms_free(&rc.ks);
	return ret;
}

int main(int argc, char **argv)
{
	struct auditor a = { 0 };
	struct da_opts opts;
	char err[256];
	int ret;

	log_init();
	switch (cli_parse(argc, argv, &opts, err, sizeof(err))) {
	case DA_PARSE_HELP:
		cli_usage(stdout, opts.cmd);
		return DA_EXIT_OK;
	case DA_PARSE_VERSION:
		printf("dmabuf-audit %s\n", DA_VERSION);
		return DA_EXIT_OK;
	case DA_PARSE_ERROR:
		return error(err);
	case DA_PARSE_RUN:
		break;
	}
	if (opts.cmd == DA_CMD_DAEMON)
		return daemon_main(&opts);
	if (loop_block_signals(false))
		return error("cannot block SIGINT/SIGTERM");
	if (auditor_open(&a, &opts, err, sizeof(err)))
		return error(err);

	if (opts.cmd == DA_CMD_PROBE) {
		auditor_print_probe(stdout, &a);
		ret = auditor_live(&a) == DA_HOOK_MAX - 1 && auditor_can_scan(&a)
			      ? DA_EXIT_OK
			      : DA_EXIT_VIOLATIONS;
	} else {
		ret = run_observe(&a, &opts);
	}
	auditor_close(&a);
	return ret;
}
