// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dmabuf-audit: find dma-buf mappings that let get_user_pages take struct
 * page references (no VM_PFNMAP, vm_insert_page, GUP accepted).
 * stdout carries data (findings, report); diagnostics go to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "cli.h"
#include "finding.h"
#include "loader.h"
#include "loop.h"
#include "report.h"

#define MAX_FINDINGS 65536

struct run_ctx {
	const struct da_opts *opts;
	struct finding_set set;
};

static void on_watch_event(void *ctx, const struct da_event *ev)
{
	struct run_ctx *rc = ctx;

	watch_print_event(stdout, ev, rc->opts->json);
	fflush(stdout);
}

static void on_report_event(void *ctx, const struct da_event *ev)
{
	struct run_ctx *rc = ctx;

	finding_set_add(&rc->set, ev);
}

static int error(const char *msg)
{
	fprintf(stderr, "dmabuf-audit: %s\n", msg);
	return DA_EXIT_ERROR;
}

/* Say what cannot run here; fail when nothing can. */
static int announce(const struct auditor *a)
{
	char why[256], msg[400];
	int n = auditor_attached(a);

	if (!n) {
		detector_why(&a->det[0], why, sizeof(why));
		snprintf(msg, sizeof(msg),
			 "no detector can attach on this kernel (%s); see 'dmabuf-audit probe'",
			 why);
		return error(msg);
	}
	for (int i = 0; i < DA_HOOK_MAX; i++) {
		if (a->det[i].mech != DA_MECH_NONE)
			continue;
		detector_why(&a->det[i], why, sizeof(why));
		fprintf(stderr, "dmabuf-audit: warning: detector %s (%s) cannot run here: %s\n",
			a->det[i].name, a->det[i].func, why);
	}
	fprintf(stderr, "dmabuf-audit: ready: %d of %d detectors attached\n", n, DA_HOOK_MAX);
	return 0;
}

static void fill_report(struct report_data *r, const struct auditor *a, struct finding_set *set,
			double elapsed, const char *kernel)
{
	r->set = set;
	r->elapsed = elapsed;
	r->kernel = kernel;
	for (int i = 0; i < DA_HOOK_MAX; i++) {
		r->det_name[i] = a->det[i].name;
		r->det_mech[i] = mech_name(a->det[i].mech);
	}
}

static int run_observe(struct auditor *a, const struct da_opts *o)
{
	struct run_ctx rc = { .opts = o };
	struct report_data r = { 0 };
	struct utsname uts;
	double elapsed = 0;
	char msg[160];
	int ret;

	finding_set_init(&rc.set, MAX_FINDINGS);
	ret = loop_run(a, o->duration, o->cmd == DA_CMD_WATCH ? on_watch_event : on_report_event,
		       &rc, &elapsed);
	if (ret) {
		/* Keep what was counted: still print the report below. */
		snprintf(msg, sizeof(msg), "event loop failed: %s", strerror(-ret));
		error(msg);
	}
	if (o->cmd == DA_CMD_REPORT) {
		uname(&uts);
		fill_report(&r, a, &rc.set, elapsed, uts.release);
		if (auditor_read_counters(a, r.counters)) {
			error("cannot read the BPF counters: no report");
			ret = -EIO;
		} else if (o->json) {
			report_print_json(stdout, &r);
		} else {
			report_print_human(stdout, &r);
		}
	}
	finding_set_free(&rc.set);
	if (ret)
		return DA_EXIT_ERROR;
	return o->cmd == DA_CMD_REPORT && report_violations(&r) ? DA_EXIT_VIOLATIONS : DA_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct auditor a = { 0 };
	struct da_opts opts;
	char err[256];
	int ret;

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
	if (loop_block_signals())
		return error("cannot block SIGINT/SIGTERM");
	if (auditor_open(&a, &opts, err, sizeof(err)))
		return error(err);

	if (opts.cmd == DA_CMD_PROBE) {
		auditor_print_probe(stdout, &a);
		ret = auditor_attached(&a) == DA_HOOK_MAX ? DA_EXIT_OK : DA_EXIT_VIOLATIONS;
	} else {
		ret = announce(&a);
		if (!ret)
			ret = run_observe(&a, &opts);
	}
	auditor_close(&a);
	return ret;
}
