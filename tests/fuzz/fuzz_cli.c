// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The command line parser, cli_parse() (src/cli.c). The input is argv after
 * the program name: arguments separated by NUL bytes (at most 64).
 *
 * Asserts, besides no crash, leak or undefined behaviour:
 * - the result is one of enum da_parse;
 * - on DA_PARSE_ERROR the message is non-empty and fits its buffer (the
 *   buffer's size comes from the input, 1 to 256 bytes, so that a message cut
 *   short is exercised: ASan sees a write past it);
 * - on DA_PARSE_RUN the options are what cli.h promises: a command was given,
 *   paths terminated in their arrays, duration and interval in range, pid at
 *   most 4194304, a known attach mode, only known DA_SET_* bits, and every
 *   option set belongs to the command (cli_opts[]): --json to watch, report
 *   and run, --duration and --pid to watch and report, --fail-on warning to
 *   report and run, --output to run, the daemon's settings and
 *   --check-config to daemon; run has a COMMAND, an argument of argv after
 *   the command word, and no other command has one;
 * - the parse is restartable (getopt's state is reset: the unit tests and
 *   SIGHUP rely on it): a second parse of a fresh copy of argv gives the
 *   same result, options and message.
 */
#include <stdbool.h>
#include "cli.h"
#include "fuzz.h"

#define MAX_ARGS 64

static bool path_ok(const char *s)
{
	return strnlen(s, DA_PATH_LEN) < DA_PATH_LEN;
}

static void check_opts(const struct da_opts *o, char **argv, int argc)
{
	unsigned int daemon_only =
		DA_SET_TEXTFILE_DIR | DA_SET_INTERVAL | DA_SET_JSON_FILE | DA_SET_PIDFILE;
	bool watch_report = o->cmd == DA_CMD_WATCH || o->cmd == DA_CMD_REPORT;

	FUZZ_ASSERT(o->cmd >= DA_CMD_WATCH && o->cmd <= DA_CMD_RUN, "a command");
	FUZZ_ASSERT(path_ok(o->btf_path) && path_ok(o->config_path) && path_ok(o->textfile_dir) &&
			    path_ok(o->json_file) && path_ok(o->pidfile) && path_ok(o->output),
		    "paths terminated");
	FUZZ_ASSERT(o->duration <= DA_MAX_DURATION, "duration in range");
	FUZZ_ASSERT(o->pid <= 4194304, "pid in range");
	FUZZ_ASSERT(o->attach >= DA_ATTACH_AUTO && o->attach <= DA_ATTACH_KPROBE, "attach mode");
	FUZZ_ASSERT(o->fail_on == DA_FAIL_ON_VIOLATION || o->fail_on == DA_FAIL_ON_WARNING,
		    "fail-on");
	FUZZ_ASSERT(!(o->set & ~(daemon_only | DA_SET_ATTACH | DA_SET_BTF)), "known set bits");
	if (o->set & DA_SET_INTERVAL)
		FUZZ_ASSERT(o->interval >= 1 && o->interval <= DA_MAX_INTERVAL, "interval");
	else
		FUZZ_ASSERT(!o->interval, "no interval unless set");
	if (o->set & DA_SET_BTF)
		FUZZ_ASSERT(o->btf_path[0], "--btf is never empty");
	if (o->set & DA_SET_JSON_FILE)
		FUZZ_ASSERT(o->json_file[0], "--json-file is never empty");
	if (o->set & DA_SET_PIDFILE)
		FUZZ_ASSERT(o->pidfile[0], "--pidfile is never empty");
	if (o->json)
		FUZZ_ASSERT(watch_report || o->cmd == DA_CMD_RUN, "--json: watch, report, run");
	if (o->duration || o->pid)
		FUZZ_ASSERT(watch_report, "--duration, --pid: watch and report only");
	if (o->fail_on == DA_FAIL_ON_WARNING)
		FUZZ_ASSERT(o->cmd == DA_CMD_REPORT || o->cmd == DA_CMD_RUN,
			    "--fail-on: report and run only");
	if (o->output[0])
		FUZZ_ASSERT(o->cmd == DA_CMD_RUN, "--output: run only");
	if (o->cmd == DA_CMD_RUN)
		FUZZ_ASSERT(o->run_argv && o->run_argv > argv + 1 && o->run_argv < argv + argc &&
				    *o->run_argv,
			    "run: COMMAND is an argument after the command word");
	else
		FUZZ_ASSERT(!o->run_argv, "no COMMAND but run's");
	if ((o->set & daemon_only) || o->check_config || o->config_path[0])
		FUZZ_ASSERT(o->cmd == DA_CMD_DAEMON, "daemon options: daemon only");
}

/* argv from the input: "dmabuf-audit", then the NUL-separated arguments. */
static int make_argv(const char *buf, size_t size, char **argv)
{
	int argc = 0;

	argv[argc++] = strdup("dmabuf-audit");
	for (size_t i = 0; i < size && argc < MAX_ARGS + 1; i += strlen(buf + i) + 1)
		argv[argc++] = strdup(buf + i);
	argv[argc] = NULL;
	for (int i = 0; i < argc; i++)
		if (!argv[i])
			abort();
	return argc;
}

static void free_argv(char **argv, int argc)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct da_opts o, again;
	char *argv[MAX_ARGS + 2], *argv2[MAX_ARGS + 2], *buf, *err, *err2;
	size_t errlen;
	enum da_parse r, r2;
	int argc;

	if (!size)
		return 0;
	errlen = (size_t)data[0] + 1;
	buf = fuzz_strdup(data + 1, size - 1); /* ends in NUL: every argument does */
	err = calloc(1, errlen);
	err2 = calloc(1, errlen);
	if (!err || !err2)
		abort();

	argc = make_argv(buf, size - 1, argv);
	r = cli_parse(argc, argv, &o, err, errlen);
	FUZZ_ASSERT(r == DA_PARSE_RUN || r == DA_PARSE_HELP || r == DA_PARSE_VERSION ||
			    r == DA_PARSE_ERROR,
		    "a parse result");
	if (r == DA_PARSE_ERROR)
		FUZZ_ASSERT(errlen == 1 || (err[0] && strnlen(err, errlen) < errlen),
			    "an error says what");
	else
		FUZZ_ASSERT(!err[0], "no message unless an error");
	if (r == DA_PARSE_RUN)
		check_opts(&o, argv, argc);

	/* getopt permutes argv: parse a fresh copy */
	make_argv(buf, size - 1, argv2);
	r2 = cli_parse(argc, argv2, &again, err2, errlen);
	FUZZ_ASSERT(r2 == r, "same result twice");
	/* run's COMMAND points into each argv: the same place in both */
	FUZZ_ASSERT(!o.run_argv == !again.run_argv &&
			    (!o.run_argv || o.run_argv - argv == again.run_argv - argv2),
		    "same COMMAND twice");
	o.run_argv = again.run_argv = NULL;
	FUZZ_ASSERT(!memcmp(&o, &again, sizeof(o)), "same options twice");
	FUZZ_ASSERT(!memcmp(err, err2, errlen), "same message twice");

	free_argv(argv, argc);
	free_argv(argv2, argc);
	free(buf);
	free(err);
	free(err2);
	return 0;
}
