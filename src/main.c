// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dmabuf-audit: find dma-buf mappings that let get_user_pages take struct
 * page references (no VM_PFNMAP, struct pages inserted or faulted in, ptes
 * without pte_special, GUP slow or lockless path accepted).
 * stdout carries data (findings, report); diagnostics go to stderr.
 * main() only dispatches: observe.c runs watch and report, daemon.c the daemon.
 */
#include <stdio.h>
#include "cli.h"
#include "daemon.h"
#include "detectors.h"
#include "loader.h"
#include "log.h"
#include "loop.h"
#include "observe.h"
#include "session.h"

static int error(const char *msg)
{
	log_msg(LOG_ERR, "%s", msg);
	return DA_EXIT_ERROR;
}

/* probe: exit 0 when every detector runs here, 1 when some cannot. */
static int probe_main(const struct da_opts *o)
{
	struct session s;
	char err[256];
	int ret;

	if (session_open(&s, o, 0, NULL, NULL, err, sizeof(err))) {
		session_close(&s);
		return error(err);
	}
	auditor_print_probe(stdout, s.a);
	ret = auditor_live(s.a) == DA_LIVE_DETECTORS && auditor_can_scan(s.a) ? DA_EXIT_OK
									      : DA_EXIT_VIOLATIONS;
	session_close(&s);
	return ret;
}

int main(int argc, char **argv)
{
	struct da_opts opts;
	char err[256];

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
	/* before attaching: a signal sent right after "ready" must not be lost */
	if (loop_block_signals(false))
		return error("cannot block SIGINT/SIGTERM");
	if (opts.cmd == DA_CMD_PROBE)
		return probe_main(&opts);
	return observe_main(&opts);
}
