// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cli_parse(), cli_usage() and the name helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "unit.h"

#define MAX_ARGS 16

struct parsed {
	enum da_parse r;
	struct da_opts o;
	char err[256];
};

/*
 * Parses "dmabuf-audit" followed by the NULL-terminated arguments. Copies
 * them to the heap (ASan catches reads past an argument) into an argv that
 * getopt may permute, NULL at argv[argc] like a real main().
 */
static struct parsed parse_v(size_t errlen, va_list ap)
{
	char *argv[MAX_ARGS + 2], *copies[MAX_ARGS + 1];
	struct parsed p;
	const char *a;
	int argc = 0;

	memset(&p, 0, sizeof(p));
	memset(&p.o, 0xa5, sizeof(p.o)); /* cli_parse must reset everything */
	memset(p.err, '#', sizeof(p.err) - 1);
	copies[argc] = strdup("dmabuf-audit");
	argv[argc] = copies[argc];
	argc++;
	while ((a = va_arg(ap, const char *)) && argc <= MAX_ARGS) {
		copies[argc] = strdup(a);
		argv[argc] = copies[argc];
		argc++;
	}
	argv[argc] = NULL;
	if (errlen > sizeof(p.err))
		errlen = sizeof(p.err);
	p.r = cli_parse(argc, argv, &p.o, p.err, errlen);
	for (int i = 0; i < argc; i++)
		free(copies[i]);
	return p;
}

static struct parsed parse(const char *first, ...)
{
	struct parsed p;
	va_list ap;

	(void)first;
	va_start(ap, first);
	p = parse_v(sizeof(p.err), ap);
	va_end(ap);
	return p;
}

/* PARSE("report", "--json") parses `dmabuf-audit report --json`. */
#define PARSE(...)     parse(NULL, __VA_ARGS__, NULL)
#define PARSE_NOARGS() parse(NULL, NULL)

static bool expect_run(const struct parsed *p, enum da_cmd cmd, const char *what)
{
	bool ok = ASSERT_EQ_INT(p->r, DA_PARSE_RUN, what);

	if (!ok) {
		printf("  (error text: %s)\n", p->err);
		return false;
	}
	return ASSERT_EQ_INT(p->o.cmd, cmd, what);
}

static bool expect_defaults(const struct da_opts *o, const char *what)
{
	bool ok = true;

	ok &= ASSERT_FALSE(o->json, what);
	ok &= ASSERT_FALSE(o->verbose, what);
	ok &= ASSERT_EQ_U64(o->duration, 0, what);
	ok &= ASSERT_EQ_U64(o->pid, 0, what);
	ok &= ASSERT_EQ_INT(o->attach, DA_ATTACH_AUTO, what);
	return ok;
}

/*
 * The error contract: DA_PARSE_ERROR, a message of one line, not prefixed
 * with the program name (main() adds it), naming the offending value.
 */
static bool expect_error(const struct parsed *p, const char *needle, const char *what)
{
	bool ok = ASSERT_EQ_INT(p->r, DA_PARSE_ERROR, what);

	if (!ok)
		return false;
	ok &= ASSERT_TRUE(memchr(p->err, '\0', sizeof(p->err)), what);
	if (!ok)
		return false;
	ok &= ASSERT_TRUE(p->err[0] && p->err[0] != '#', what);
	ok &= ASSERT_NO_STR(p->err, "\n", what);
	ok &= ASSERT_NO_STR(p->err, "dmabuf-audit:", what);
	ok &= ASSERT_HAS_STR(p->err, needle, what);
	return ok;
}

static const char *const cmds[] = { "watch", "report", "probe" };
static const enum da_cmd cmd_ids[] = { DA_CMD_WATCH, DA_CMD_REPORT, DA_CMD_PROBE };

static void test_cli_commands_defaults(void)
{
	for (int i = 0; i < 3; i++) {
		struct parsed p = PARSE(cmds[i]);

		if (expect_run(&p, cmd_ids[i], cmds[i]))
			expect_defaults(&p.o, cmds[i]);
	}
}

/* watch and report take --json, --duration, --pid, --attach, -v. */
static void test_cli_observe_options(void)
{
	for (int i = 0; i < 2; i++) {
		const char *c = cmds[i];
		struct parsed p;

		p = PARSE(c, "--json", "--duration", "5", "-p", "42", "--attach=kprobe", "-v");
		if (expect_run(&p, cmd_ids[i], "all options")) {
			ASSERT_TRUE(p.o.json, "--json");
			ASSERT_EQ_U64(p.o.duration, 5, "--duration 5");
			ASSERT_EQ_U64(p.o.pid, 42, "-p 42");
			ASSERT_EQ_INT(p.o.attach, DA_ATTACH_KPROBE, "--attach=kprobe");
			ASSERT_TRUE(p.o.verbose, "-v");
		}

		p = PARSE(c, "--duration=5");
		if (expect_run(&p, cmd_ids[i], "--duration=5"))
			ASSERT_EQ_U64(p.o.duration, 5, "--duration=5");
		p = PARSE(c, "-d", "5");
		if (expect_run(&p, cmd_ids[i], "-d 5"))
			ASSERT_EQ_U64(p.o.duration, 5, "-d 5");
		p = PARSE(c, "-d7");
		if (expect_run(&p, cmd_ids[i], "-d7"))
			ASSERT_EQ_U64(p.o.duration, 7, "-d7");
		p = PARSE(c, "--duration", "31536000");
		if (expect_run(&p, cmd_ids[i], "--duration max"))
			ASSERT_EQ_U64(p.o.duration, DA_MAX_DURATION, "--duration max");
		p = PARSE(c, "--duration", "1");
		if (expect_run(&p, cmd_ids[i], "--duration 1"))
			ASSERT_EQ_U64(p.o.duration, 1, "--duration 1");

		p = PARSE(c, "--pid", "42");
		if (expect_run(&p, cmd_ids[i], "--pid 42"))
			ASSERT_EQ_U64(p.o.pid, 42, "--pid 42");
		p = PARSE(c, "--pid=4194304");
		if (expect_run(&p, cmd_ids[i], "--pid=PID_MAX_LIMIT"))
			ASSERT_EQ_U64(p.o.pid, 4194304, "--pid=PID_MAX_LIMIT");
		p = PARSE(c, "-p1");
		if (expect_run(&p, cmd_ids[i], "-p1"))
			ASSERT_EQ_U64(p.o.pid, 1, "-p1");

		p = PARSE(c, "--json");
		if (expect_run(&p, cmd_ids[i], "--json only")) {
			ASSERT_TRUE(p.o.json, "--json only");
			ASSERT_EQ_U64(p.o.duration, 0, "--json only: duration");
		}

		/* options after a later one win; clustered short options */
		p = PARSE(c, "-d", "3", "-d", "9", "-vp", "17");
		if (expect_run(&p, cmd_ids[i], "repeated/clustered")) {
			ASSERT_EQ_U64(p.o.duration, 9, "last -d wins");
			ASSERT_TRUE(p.o.verbose, "-vp 17: -v");
			ASSERT_EQ_U64(p.o.pid, 17, "-vp 17: pid");
		}
	}
}

static void test_cli_btf(void)
{
	for (int i = 0; i < 3; i++) {
		struct parsed p = PARSE(cmds[i], "--btf", "/tmp/vmlinux.btf");

		if (expect_run(&p, cmd_ids[i], "--btf PATH"))
			ASSERT_STREQ(p.o.btf_path, "/tmp/vmlinux.btf", "--btf PATH kept");
		p = PARSE(cmds[i], "--btf=/boot/btf");
		if (expect_run(&p, cmd_ids[i], "--btf=PATH"))
			ASSERT_STREQ(p.o.btf_path, "/boot/btf", "--btf=PATH kept");
		p = PARSE(cmds[i]);
		if (expect_run(&p, cmd_ids[i], "no --btf"))
			ASSERT_STREQ(p.o.btf_path, "", "no --btf: kernel BTF (\"\")");
		p = PARSE(cmds[i], "--btf=");
		expect_error(&p, "invalid --btf ''", "--btf= is an error");
		p = PARSE(cmds[i], "--btf");
		expect_error(&p, "needs a value", "--btf without PATH");
	}
}

static void test_cli_attach(void)
{
	static const struct {
		const char *arg;
		enum da_attach want;
	} modes[] = {
		{ "kprobe", DA_ATTACH_KPROBE },
		{ "fentry", DA_ATTACH_FENTRY },
		{ "auto", DA_ATTACH_AUTO },
	};
	char buf[64];

	for (int i = 0; i < 3; i++) {
		for (size_t m = 0; m < UNIT_ARRAY_SIZE(modes); m++) {
			struct parsed p;

			snprintf(buf, sizeof(buf), "--attach=%s", modes[m].arg);
			p = PARSE(cmds[i], buf);
			if (expect_run(&p, cmd_ids[i], buf))
				ASSERT_EQ_INT(p.o.attach, modes[m].want, buf);
			p = PARSE(cmds[i], "--attach", modes[m].arg);
			if (expect_run(&p, cmd_ids[i], "--attach MODE"))
				ASSERT_EQ_INT(p.o.attach, modes[m].want, "--attach MODE");
		}
		/* last one wins */
		struct parsed p = PARSE(cmds[i], "--attach=fentry", "--attach=auto");
		if (expect_run(&p, cmd_ids[i], "--attach twice"))
			ASSERT_EQ_INT(p.o.attach, DA_ATTACH_AUTO, "--attach twice");
	}
}

static void test_cli_verbose(void)
{
	for (int i = 0; i < 3; i++) {
		struct parsed p = PARSE(cmds[i], "-v");

		if (expect_run(&p, cmd_ids[i], "-v"))
			ASSERT_TRUE(p.o.verbose, "-v");
		p = PARSE(cmds[i], "--verbose");
		if (expect_run(&p, cmd_ids[i], "--verbose"))
			ASSERT_TRUE(p.o.verbose, "--verbose");
	}
}

static void test_cli_probe_options(void)
{
	struct parsed p = PARSE("probe", "--attach=kprobe", "-v");

	if (expect_run(&p, DA_CMD_PROBE, "probe --attach=kprobe -v")) {
		ASSERT_EQ_INT(p.o.attach, DA_ATTACH_KPROBE, "probe --attach");
		ASSERT_TRUE(p.o.verbose, "probe -v");
		ASSERT_FALSE(p.o.json, "probe json");
		ASSERT_EQ_U64(p.o.duration, 0, "probe duration");
	}
}

static void test_cli_help_version(void)
{
	static const char *const help[] = { "-h", "--help" };
	static const char *const version[] = { "-V", "--version" };

	for (int h = 0; h < 2; h++) {
		struct parsed p = PARSE(help[h]);

		ASSERT_EQ_INT(p.r, DA_PARSE_HELP, help[h]);
		ASSERT_EQ_INT(p.o.cmd, DA_CMD_NONE, help[h]);
		p = PARSE(version[h]);
		ASSERT_EQ_INT(p.r, DA_PARSE_VERSION, version[h]);
		ASSERT_EQ_INT(p.o.cmd, DA_CMD_NONE, version[h]);
		/* top-level help wins over what follows */
		p = PARSE(help[h], "bogus", "--bogus");
		ASSERT_EQ_INT(p.r, DA_PARSE_HELP, "help then junk");

		for (int i = 0; i < 3; i++) {
			p = PARSE(cmds[i], help[h]);
			ASSERT_EQ_INT(p.r, DA_PARSE_HELP, "COMMAND --help");
			ASSERT_EQ_INT(p.o.cmd, cmd_ids[i], "COMMAND --help: cmd");
			p = PARSE(cmds[i], version[h]);
			ASSERT_EQ_INT(p.r, DA_PARSE_VERSION, "COMMAND --version");
			ASSERT_EQ_INT(p.o.cmd, cmd_ids[i], "COMMAND --version: cmd");
			/* after valid options too */
			p = PARSE(cmds[i], "-v", "--attach=auto", help[h]);
			ASSERT_EQ_INT(p.r, DA_PARSE_HELP, "COMMAND -v --help");
			ASSERT_EQ_INT(p.o.cmd, cmd_ids[i], "COMMAND -v --help: cmd");
		}
	}
}

static void test_cli_err_missing_unknown_command(void)
{
	struct parsed p = PARSE_NOARGS();

	expect_error(&p, "missing command", "no arguments");
	p = PARSE("bogus");
	expect_error(&p, "'bogus'", "unknown command");
	p = PARSE("Report");
	expect_error(&p, "'Report'", "command names are case-sensitive");
	p = PARSE("");
	expect_error(&p, "unknown command", "empty command");
	p = PARSE("--json", "report");
	expect_error(&p, "'--json'", "option before the command");
	p = PARSE("-x");
	expect_error(&p, "'-x'", "unknown top-level option");
}

static void test_cli_err_unknown_option(void)
{
	for (int i = 0; i < 3; i++) {
		struct parsed p = PARSE(cmds[i], "--bogus");

		expect_error(&p, "--bogus", "unknown long option");
		expect_error(&p, cmds[i], "unknown option names the command");
		p = PARSE(cmds[i], "-x");
		expect_error(&p, "-x", "unknown short option");
		p = PARSE(cmds[i], "-v", "--bogus=1");
		expect_error(&p, "--bogus", "unknown option with value");
		p = PARSE(cmds[i], "foo", "--bogus");
		expect_error(&p, "--bogus", "unknown option after a positional");
		p = PARSE(cmds[i], "-vx");
		expect_error(&p, "-", "unknown option clustered after -v");
		expect_error(&p, "x", "unknown option clustered after -v");
		/* getopt is still inside "-xv" when it reports 'x' */
		p = PARSE(cmds[i], "-xv");
		expect_error(&p, "-x", "unknown option first in a cluster");
	}
	struct parsed p = PARSE("report", "--json=yes");
	expect_error(&p, "--json", "--json takes no value");
}

static void test_cli_err_missing_value(void)
{
	static const char *const opts[][2] = {
		{ "watch", "--duration" }, { "watch", "-d" },	       { "watch", "--pid" },
		{ "watch", "-p" },	   { "report", "--duration" }, { "report", "-d" },
		{ "report", "--pid" },	   { "report", "-p" },	       { "watch", "--attach" },
		{ "report", "--attach" },  { "probe", "--attach" },
	};

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(opts); i++) {
		struct parsed p = PARSE(opts[i][0], opts[i][1]);
		char what[64];

		snprintf(what, sizeof(what), "%s %s (no value)", opts[i][0], opts[i][1]);
		expect_error(&p, opts[i][1], what);
		expect_error(&p, "value", what);
		p = PARSE(opts[i][0], "-v", opts[i][1]);
		expect_error(&p, opts[i][1], what);
		p = PARSE(opts[i][0], "foo", opts[i][1]);
		expect_error(&p, opts[i][1], what);
	}
}

static void test_cli_err_duration(void)
{
	static const char *const bad[] = {
		"abc",
		"5s",
		"0",
		"00",
		"-1",
		"-0",
		"+5",
		"",
		"1.5",
		"0x10",
		"1e3",
		"31536001",
		"4294967295",
		"4294967296",
		"18446744073709551615",
		"18446744073709551616",
		"99999999999999999999999999",
	};
	char quoted[80], arg[80];

	for (int i = 0; i < 2; i++) {
		for (size_t b = 0; b < UNIT_ARRAY_SIZE(bad); b++) {
			struct parsed p;

			snprintf(quoted, sizeof(quoted), "'%s'", bad[b]);
			p = PARSE(cmds[i], "--duration", bad[b]);
			expect_error(&p, quoted, "--duration BAD");
			expect_error(&p, "--duration", "--duration BAD names the option");
			snprintf(arg, sizeof(arg), "--duration=%s", bad[b]);
			p = PARSE(cmds[i], arg);
			expect_error(&p, quoted, "--duration=BAD");
			p = PARSE(cmds[i], "-d", bad[b]);
			expect_error(&p, quoted, "-d BAD");
		}
		/* the next option is taken as the value, and refused */
		struct parsed p = PARSE(cmds[i], "-d", "--json");
		expect_error(&p, "'--json'", "-d --json");
	}
}

static void test_cli_err_pid(void)
{
	static const char *const bad[] = {
		"abc",	   "0",		 "-1",
		"+1",	   "",		 "42x",
		"4194305", "4294967296", "99999999999999999999999999",
		" ",	   "1 2",
	};
	char quoted[80];

	for (int i = 0; i < 2; i++) {
		for (size_t b = 0; b < UNIT_ARRAY_SIZE(bad); b++) {
			struct parsed p = PARSE(cmds[i], "--pid", bad[b]);

			snprintf(quoted, sizeof(quoted), "'%s'", bad[b]);
			expect_error(&p, quoted, "--pid BAD");
			expect_error(&p, "--pid", "--pid BAD names the option");
			p = PARSE(cmds[i], "-p", bad[b]);
			expect_error(&p, quoted, "-p BAD");
		}
	}
}

static void test_cli_err_attach(void)
{
	static const char *const bad[] = {
		"uprobe", "", "KPROBE", "kprobe ", "fentr", "auto,kprobe",
	};
	char quoted[80], arg[80];

	for (int i = 0; i < 3; i++) {
		for (size_t b = 0; b < UNIT_ARRAY_SIZE(bad); b++) {
			struct parsed p;

			snprintf(quoted, sizeof(quoted), "'%s'", bad[b]);
			snprintf(arg, sizeof(arg), "--attach=%s", bad[b]);
			p = PARSE(cmds[i], arg);
			expect_error(&p, quoted, "--attach=BAD");
			expect_error(&p, "--attach", "--attach=BAD names the option");
			p = PARSE(cmds[i], "--attach", bad[b]);
			expect_error(&p, quoted, "--attach BAD");
		}
	}
}

static void test_cli_err_probe_options(void)
{
	static const char *const bad[][3] = {
		{ "--json", NULL, "--json" },
		{ "--duration", "5", "--duration" },
		{ "--duration=5", NULL, "--duration" },
		{ "-d", "5", "--duration" },
		{ "--pid", "1", "--pid" },
		{ "-p", "1", "--pid" },
	};

	for (size_t b = 0; b < UNIT_ARRAY_SIZE(bad); b++) {
		struct parsed p = bad[b][1] ? PARSE("probe", bad[b][0], bad[b][1])
					    : PARSE("probe", bad[b][0]);

		expect_error(&p, bad[b][2], "probe refuses the option");
		expect_error(&p, "probe", "probe refusal names the command");
	}
}

static void test_cli_err_positional(void)
{
	for (int i = 0; i < 3; i++) {
		struct parsed p = PARSE(cmds[i], "foo");

		expect_error(&p, "'foo'", "stray argument");
		p = PARSE(cmds[i], "-v", "foo");
		expect_error(&p, "'foo'", "stray argument after an option");
		p = PARSE(cmds[i], "foo", "-v");
		expect_error(&p, "'foo'", "stray argument before an option");
		p = PARSE(cmds[i], "--", "--json");
		expect_error(&p, "'--json'", "argument after --");
		p = PARSE(cmds[i], "report");
		expect_error(&p, "'report'", "second command");
	}
	struct parsed p = PARSE("report", "--json", "foo", "bar");
	expect_error(&p, "'foo'", "first stray argument is named");
	p = PARSE("report", "--");
	expect_run(&p, DA_CMD_REPORT, "report -- (nothing after)");
}

/* A short err buffer is truncated and terminated, never overrun (ASan). */
static void test_cli_err_short_buffer(void)
{
	for (size_t len = 1; len < 12; len++) {
		char *err = malloc(len);
		char *argv[] = { "dmabuf-audit", "report", "--duration", "not-a-number-at-all",
				 NULL };
		struct da_opts o;

		if (!ASSERT_OK_PTR(err, "malloc"))
			return;
		ASSERT_EQ_INT(cli_parse(4, argv, &o, err, len), DA_PARSE_ERROR, "short err buffer");
		ASSERT_EQ_U64(strnlen(err, len), len - 1, "truncated message length");
		free(err);
	}
}

/* getopt keeps global state: parsing must restart cleanly every time,
 * including after an error in the middle of an option cluster. */
static void test_cli_restartable(void)
{
	for (int round = 0; round < 50; round++) {
		struct parsed p = PARSE("report", "--json", "-d", "5");

		if (expect_run(&p, DA_CMD_REPORT, "round: report")) {
			ASSERT_TRUE(p.o.json, "round: json");
			ASSERT_EQ_U64(p.o.duration, 5, "round: duration");
		}
		p = PARSE("watch", "-xv");
		ASSERT_EQ_INT(p.r, DA_PARSE_ERROR, "round: error mid-cluster");
		p = PARSE("watch", "-v");
		if (expect_run(&p, DA_CMD_WATCH, "round: after error")) {
			ASSERT_TRUE(p.o.verbose, "round: -v");
			ASSERT_FALSE(p.o.json, "round: json not carried over");
			ASSERT_EQ_U64(p.o.duration, 0, "round: duration not carried over");
		}
		p = PARSE("probe", "--attach");
		ASSERT_EQ_INT(p.r, DA_PARSE_ERROR, "round: missing value");
		p = PARSE("report", "-p", "42", "--help");
		ASSERT_EQ_INT(p.r, DA_PARSE_HELP, "round: help");
		p = PARSE("probe");
		if (expect_run(&p, DA_CMD_PROBE, "round: probe"))
			expect_defaults(&p.o, "round: probe defaults");
		p = PARSE("watch", "-d");
		expect_error(&p, "-d", "round: -d without value");
		p = PARSE("report", "foo");
		expect_error(&p, "'foo'", "round: positional");
		if (unit_failed())
			break;
	}
}

static void test_cli_names(void)
{
	ASSERT_STREQ(cmd_name(DA_CMD_WATCH), "watch", "cmd_name watch");
	ASSERT_STREQ(cmd_name(DA_CMD_REPORT), "report", "cmd_name report");
	ASSERT_STREQ(cmd_name(DA_CMD_PROBE), "probe", "cmd_name probe");
	ASSERT_STREQ(cmd_name(DA_CMD_NONE), "", "cmd_name none");
	ASSERT_STREQ(attach_name(DA_ATTACH_AUTO), "auto", "attach auto");
	ASSERT_STREQ(attach_name(DA_ATTACH_FENTRY), "fentry", "attach fentry");
	ASSERT_STREQ(attach_name(DA_ATTACH_KPROBE), "kprobe", "attach kprobe");
}

static char *usage_of(enum da_cmd cmd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	cli_usage(f, cmd);
	fclose(f);
	return buf;
}

static void test_cli_usage(void)
{
	char *u = usage_of(DA_CMD_NONE);

	if (ASSERT_OK_PTR(u, "usage top")) {
		ASSERT_HAS_STR(u, "Usage: dmabuf-audit COMMAND", "usage top");
		ASSERT_HAS_STR(u, "  watch ", "usage lists watch");
		ASSERT_HAS_STR(u, "  report ", "usage lists report");
		ASSERT_HAS_STR(u, "  probe ", "usage lists probe");
		ASSERT_HAS_STR(u, "--version", "usage top --version");
	}
	free(u);
	for (int i = 0; i < 3; i++) {
		char head[64];

		u = usage_of(cmd_ids[i]);
		if (!ASSERT_OK_PTR(u, "usage cmd"))
			continue;
		snprintf(head, sizeof(head), "Usage: dmabuf-audit %s", cmds[i]);
		ASSERT_TRUE(!strncmp(u, head, strlen(head)), head);
		ASSERT_HAS_STR(u, "--attach=MODE", "usage --attach");
		ASSERT_HAS_STR(u, "--verbose", "usage --verbose");
		ASSERT_HAS_STR(u, "--help", "usage --help");
		if (cmd_ids[i] == DA_CMD_PROBE) {
			ASSERT_NO_STR(u, "--json", "probe usage has no --json");
			ASSERT_NO_STR(u, "--duration", "probe usage has no --duration");
			ASSERT_NO_STR(u, "--pid", "probe usage has no --pid");
		} else {
			ASSERT_HAS_STR(u, "--json", "usage --json");
			ASSERT_HAS_STR(u, "--duration SEC", "usage --duration");
			ASSERT_HAS_STR(u, "--pid PID", "usage --pid");
		}
		free(u);
	}
	/* every line fits an 80-column terminal */
	for (int c = DA_CMD_NONE; c <= DA_CMD_PROBE; c++) {
		u = usage_of(c);
		if (!ASSERT_OK_PTR(u, "usage"))
			continue;
		for (char *line = u, *nl; (nl = strchr(line, '\n')); line = nl + 1)
			ASSERT_TRUE(nl - line <= 80, "usage line <= 80 columns");
		ASSERT_TRUE(*u && u[strlen(u) - 1] == '\n', "usage ends with a newline");
		free(u);
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_cli_commands_defaults),
	UNIT_TEST(test_cli_observe_options),
	UNIT_TEST(test_cli_attach),
	UNIT_TEST(test_cli_btf),
	UNIT_TEST(test_cli_verbose),
	UNIT_TEST(test_cli_probe_options),
	UNIT_TEST(test_cli_help_version),
	UNIT_TEST(test_cli_err_missing_unknown_command),
	UNIT_TEST(test_cli_err_unknown_option),
	UNIT_TEST(test_cli_err_missing_value),
	UNIT_TEST(test_cli_err_duration),
	UNIT_TEST(test_cli_err_pid),
	UNIT_TEST(test_cli_err_attach),
	UNIT_TEST(test_cli_err_probe_options),
	UNIT_TEST(test_cli_err_positional),
	UNIT_TEST(test_cli_err_short_buffer),
	UNIT_TEST(test_cli_restartable),
	UNIT_TEST(test_cli_names),
	UNIT_TEST(test_cli_usage),
};
UNIT_SUITE(cli, tests);
