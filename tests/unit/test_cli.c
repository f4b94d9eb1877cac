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
 * Parses "dmabuf-audit" followed by the NULL-terminated args. Copies them to
 * the heap (ASan catches reads past an argument) into an argv that getopt may
 * permute, NULL at argv[argc] like a real main().
 */
static struct parsed parse_args(const char *const *args)
{
	char *argv[MAX_ARGS + 2], *copies[MAX_ARGS + 1];
	struct parsed p;
	int argc = 0;

	memset(&p, 0, sizeof(p));
	memset(&p.o, 0xa5, sizeof(p.o)); /* cli_parse must reset everything */
	memset(p.err, '#', sizeof(p.err) - 1);
	copies[argc] = strdup("dmabuf-audit");
	argv[argc] = copies[argc];
	argc++;
	for (; *args && argc <= MAX_ARGS; args++) {
		copies[argc] = strdup(*args);
		argv[argc] = copies[argc];
		argc++;
	}
	argv[argc] = NULL;
	p.r = cli_parse(argc, argv, &p.o, p.err, sizeof(p.err));
	for (int i = 0; i < argc; i++)
		free(copies[i]);
	return p;
}

static struct parsed parse(const char *first, ...)
{
	const char *args[MAX_ARGS + 1];
	size_t n = 0;
	va_list ap;

	(void)first;
	va_start(ap, first);
	while (n < MAX_ARGS && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	return parse_args(args);
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

static const char *parse_result_name(enum da_parse r)
{
	switch (r) {
	case DA_PARSE_RUN:
		return "run";
	case DA_PARSE_HELP:
		return "help";
	case DA_PARSE_VERSION:
		return "version";
	case DA_PARSE_ERROR:
		return "error";
	}
	return "(not an enum da_parse)";
}

/*
 * The error contract: DA_PARSE_ERROR, a message of one line, not prefixed
 * with the program name (main() adds it).
 */
static bool expect_error_line(const struct parsed *p, const char *what)
{
	bool ok = ASSERT_STREQ(parse_result_name(p->r), "error", what);

	if (!ok)
		return false;
	ok &= ASSERT_TRUE(memchr(p->err, '\0', sizeof(p->err)), what);
	if (!ok)
		return false;
	ok &= ASSERT_TRUE(p->err[0] && p->err[0] != '#', what);
	ok &= ASSERT_NO_STR(p->err, "\n", what);
	ok &= ASSERT_NO_STR(p->err, "dmabuf-audit:", what);
	return ok;
}

/* ... naming the offending value. */
static bool expect_error(const struct parsed *p, const char *needle, const char *what)
{
	return expect_error_line(p, what) && ASSERT_HAS_STR(p->err, needle, what);
}

/* ... and exactly this message. */
static bool expect_error_text(const struct parsed *p, const char *want, const char *what)
{
	return expect_error_line(p, what) && ASSERT_STREQ(p->err, want, what);
}

static const char *const cmds[] = { "watch", "report", "probe" };
static const enum da_cmd cmd_ids[] = { DA_CMD_WATCH, DA_CMD_REPORT, DA_CMD_PROBE };

/*
 * Table-driven cases. A row holds the arguments after the command and the
 * commands it is run after (WATCH | ...); cmds 0: args are the whole command
 * line. In an expected message, %s stands for the command.
 */
#define WATCH	(1u << DA_CMD_WATCH)
#define REPORT	(1u << DA_CMD_REPORT)
#define PROBE	(1u << DA_CMD_PROBE)
#define DAEMON	(1u << DA_CMD_DAEMON)
#define OBSERVE (WATCH | REPORT)
#define EVERY	(WATCH | REPORT | PROBE | DAEMON)

#define ROW_ARGS 10

static const char *const cmd_words[] = {
	[DA_CMD_NONE] = "",	  [DA_CMD_WATCH] = "watch",   [DA_CMD_REPORT] = "report",
	[DA_CMD_PROBE] = "probe", [DA_CMD_DAEMON] = "daemon",
};

/* "table[row]: dmabuf-audit COMMAND ARGS...", to say which row failed. */
static void row_name(char *buf, size_t len, const char *table, size_t row, enum da_cmd cmd,
		     const char *const *args)
{
	size_t n;

	snprintf(buf, len, "%s[%zu]: dmabuf-audit%s%s", table, row, cmd ? " " : "",
		 cmd ? cmd_words[cmd] : "");
	for (; *args; args++) {
		n = strlen(buf);
		snprintf(buf + n, len - n, " %.40s%s", **args ? *args : "''",
			 strlen(*args) > 40 ? "..." : "");
	}
}

/* The commands of a row: each of mask, or DA_CMD_NONE alone for 0. */
static size_t row_cmds(unsigned int mask, enum da_cmd *out)
{
	size_t n = 0;

	if (!mask)
		out[n++] = DA_CMD_NONE;
	for (int c = DA_CMD_WATCH; c <= DA_CMD_DAEMON; c++)
		if (mask & (1u << c))
			out[n++] = c;
	return n;
}

/* Parses COMMAND ARGS... (DA_CMD_NONE: ARGS... alone). */
static struct parsed parse_row(enum da_cmd cmd, const char *const *args)
{
	const char *argv[ROW_ARGS + 2];
	size_t n = 0;

	if (cmd != DA_CMD_NONE)
		argv[n++] = cmd_words[cmd];
	for (; *args && n < ROW_ARGS + 1; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	return parse_args(argv);
}

/* 1023 bytes: the longest path the options take (DA_PATH_LEN - 1); LONG_1024 is one too many. */
#define S16	  "/23456789abcdef_"
#define S64	  S16 S16 S16 S16
#define S256	  S64 S64 S64 S64
#define LONG_1023 S256 S256 S256 S64 S64 S64 S16 S16 S16 "/23456789abcdef"
#define LONG_1024 LONG_1023 "_"
_Static_assert(sizeof(LONG_1023) == DA_PATH_LEN, "LONG_1023 is DA_PATH_LEN - 1 bytes");

/* A row's struct da_opts, but cmd: what it should hold; NULL strings are "". */
struct want_opts {
	bool json, verbose, check_config;
	unsigned int duration, interval, set;
	uint32_t pid;
	enum da_attach attach;
	enum da_fail_on fail_on;
	const char *btf_path, *config_path, *textfile_dir, *json_file, *pidfile;
};

/* A command line cli_parse() takes, to run. */
struct accept_row {
	unsigned int cmds;
	const char *args[ROW_ARGS + 1];
	struct want_opts o; /* every field but cmd */
};

/* A command line that asks for help or the version instead. */
struct stop_row {
	unsigned int cmds;
	const char *args[ROW_ARGS + 1];
	enum da_parse r; /* DA_PARSE_HELP or DA_PARSE_VERSION */
};

static void expect_opts(const struct da_opts *o, const struct want_opts *w, const char *what)
{
	char f[600];

#define FIELD(name) (snprintf(f, sizeof(f), "%s: ." name, what), f)
#define STR(s)	    ((s) ? (s) : "")
	ASSERT_EQ_INT(o->json, w->json, FIELD("json"));
	ASSERT_EQ_INT(o->verbose, w->verbose, FIELD("verbose"));
	ASSERT_EQ_U64(o->duration, w->duration, FIELD("duration"));
	ASSERT_EQ_U64(o->pid, w->pid, FIELD("pid"));
	ASSERT_EQ_INT(o->attach, w->attach, FIELD("attach"));
	ASSERT_STREQ(o->btf_path, STR(w->btf_path), FIELD("btf_path"));
	ASSERT_EQ_INT(o->fail_on, w->fail_on, FIELD("fail_on"));
	ASSERT_STREQ(o->config_path, STR(w->config_path), FIELD("config_path"));
	ASSERT_EQ_INT(o->check_config, w->check_config, FIELD("check_config"));
	ASSERT_EQ_U64(o->set, w->set, FIELD("set"));
	ASSERT_STREQ(o->textfile_dir, STR(w->textfile_dir), FIELD("textfile_dir"));
	ASSERT_EQ_U64(o->interval, w->interval, FIELD("interval"));
	ASSERT_STREQ(o->json_file, STR(w->json_file), FIELD("json_file"));
	ASSERT_STREQ(o->pidfile, STR(w->pidfile), FIELD("pidfile"));
#undef STR
#undef FIELD
}

/* What a table checks of one row after one of its commands: p, the parse; what, its name. */
typedef void (*row_check)(const void *row, enum da_cmd cmd, const struct parsed *p,
			  const char *what);

/* Parses a row after each of its commands and checks each parse. */
static void check_row(const char *table, size_t i, unsigned int cmds, const char *const *args,
		      row_check check, const void *row)
{
	enum da_cmd cmd[DA_CMD_DAEMON + 1];
	size_t ncmd = row_cmds(cmds, cmd);
	char what[512];

	for (size_t c = 0; c < ncmd; c++) {
		struct parsed p = parse_row(cmd[c], args);

		row_name(what, sizeof(what), table, i, cmd[c], args);
		check(row, cmd[c], &p, what);
	}
}

/* DA_PARSE_RUN, the command, every option. */
static void accepted(const void *row, enum da_cmd cmd, const struct parsed *p, const char *what)
{
	const struct accept_row *r = row;

	if (!ASSERT_STREQ(parse_result_name(p->r), "run", what)) {
		if (p->r == DA_PARSE_ERROR)
			printf("  (error text: %s)\n", p->err);
		return;
	}
	ASSERT_EQ_INT(p->o.cmd, cmd, what);
	expect_opts(&p->o, &r->o, what);
}

static void check_accepted(const char *table, const struct accept_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_row(table, i, rows[i].cmds, rows[i].args, accepted, &rows[i]);
}

/* Help or version, for that command. */
static void stopped(const void *row, enum da_cmd cmd, const struct parsed *p, const char *what)
{
	const struct stop_row *r = row;

	ASSERT_STREQ(parse_result_name(p->r), parse_result_name(r->r), what);
	ASSERT_EQ_INT(p->o.cmd, cmd, what);
}

static void check_stopped(const char *table, const struct stop_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_row(table, i, rows[i].cmds, rows[i].args, stopped, &rows[i]);
}

/* A command line cli_parse() refuses, with its message (%s: the command). */
struct refuse_row {
	unsigned int cmds;
	const char *args[ROW_ARGS + 1];
	const char *err;
};

static void refused(const void *row, enum da_cmd cmd, const struct parsed *p, const char *what)
{
	const struct refuse_row *r = row;
	char want[512];

	snprintf(want, sizeof(want), r->err, cmd_words[cmd]);
	expect_error_text(p, want, what);
}

static void check_refused(const char *table, const struct refuse_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_row(table, i, rows[i].cmds, rows[i].args, refused, &rows[i]);
}

#define CHECK_ACCEPTED(rows) check_accepted(#rows, rows, UNIT_ARRAY_SIZE(rows))
#define CHECK_STOPPED(rows)  check_stopped(#rows, rows, UNIT_ARRAY_SIZE(rows))
#define CHECK_REFUSED(rows)  check_refused(#rows, rows, UNIT_ARRAY_SIZE(rows))

static void test_cli_commands_defaults(void)
{
	static const struct accept_row defaults[] = {
		{ EVERY, {}, {} },
		/* nothing after -- */
		{ REPORT, { "--" }, {} },
	};

	CHECK_ACCEPTED(defaults);
}

/* watch and report take --json, --duration, --pid (and what every command takes). */
static void test_cli_observe_options(void)
{
	static const struct accept_row observe[] = {
		{ OBSERVE,
		  { "--json", "--duration", "5", "-p", "42", "--attach=kprobe", "-v" },
		  { .json = true,
		    .duration = 5,
		    .pid = 42,
		    .attach = DA_ATTACH_KPROBE,
		    .verbose = true,
		    .set = DA_SET_ATTACH } },
		{ OBSERVE, { "--duration=5" }, { .duration = 5 } },
		{ OBSERVE, { "-d", "5" }, { .duration = 5 } },
		{ OBSERVE, { "-d7" }, { .duration = 7 } },
		{ OBSERVE, { "--duration", "31536000" }, { .duration = DA_MAX_DURATION } },
		{ OBSERVE, { "--duration", "1" }, { .duration = 1 } },
		{ OBSERVE, { "--pid", "42" }, { .pid = 42 } },
		{ OBSERVE, { "--pid=4194304" }, { .pid = 4194304 } }, /* PID_MAX_LIMIT */
		{ OBSERVE, { "-p1" }, { .pid = 1 } },
		{ OBSERVE, { "--json" }, { .json = true } },
		/* options after a later one win; clustered short options */
		{ OBSERVE,
		  { "-d", "3", "-d", "9", "-vp", "17" },
		  { .duration = 9, .verbose = true, .pid = 17 } },
		{ REPORT, { "--fail-on", "warning" }, { .fail_on = DA_FAIL_ON_WARNING } },
		{ REPORT, { "--fail-on=violation" }, { .fail_on = DA_FAIL_ON_VIOLATION } },
		{ REPORT,
		  { "--fail-on=warning", "--fail-on", "violation" },
		  { .fail_on = DA_FAIL_ON_VIOLATION } },
	};

	CHECK_ACCEPTED(observe);
}

/* Every command takes --attach, --btf and -v. */
static void test_cli_common_options(void)
{
	static const struct accept_row common[] = {
		{ EVERY,
		  { "--attach=kprobe" },
		  { .attach = DA_ATTACH_KPROBE, .set = DA_SET_ATTACH } },
		{ EVERY,
		  { "--attach", "kprobe" },
		  { .attach = DA_ATTACH_KPROBE, .set = DA_SET_ATTACH } },
		{ EVERY,
		  { "--attach=fentry" },
		  { .attach = DA_ATTACH_FENTRY, .set = DA_SET_ATTACH } },
		{ EVERY,
		  { "--attach", "fentry" },
		  { .attach = DA_ATTACH_FENTRY, .set = DA_SET_ATTACH } },
		{ EVERY, { "--attach=auto" }, { .attach = DA_ATTACH_AUTO, .set = DA_SET_ATTACH } },
		{ EVERY,
		  { "--attach", "auto" },
		  { .attach = DA_ATTACH_AUTO, .set = DA_SET_ATTACH } },
		/* last one wins */
		{ EVERY,
		  { "--attach=fentry", "--attach=auto" },
		  { .attach = DA_ATTACH_AUTO, .set = DA_SET_ATTACH } },
		{ EVERY,
		  { "--btf", "/tmp/vmlinux.btf" },
		  { .btf_path = "/tmp/vmlinux.btf", .set = DA_SET_BTF } },
		{ EVERY, { "--btf=/boot/btf" }, { .btf_path = "/boot/btf", .set = DA_SET_BTF } },
		{ EVERY, { "--btf", LONG_1023 }, { .btf_path = LONG_1023, .set = DA_SET_BTF } },
		{ EVERY, { "-v" }, { .verbose = true } },
		{ EVERY, { "--verbose" }, { .verbose = true } },
		{ PROBE,
		  { "--attach=kprobe", "-v" },
		  { .attach = DA_ATTACH_KPROBE, .verbose = true, .set = DA_SET_ATTACH } },
	};

	CHECK_ACCEPTED(common);
}

static void test_cli_daemon_options(void)
{
	static const struct accept_row daemon[] = {
		{ DAEMON, { "--config", "/etc/da.conf" }, { .config_path = "/etc/da.conf" } },
		{ DAEMON, { "--config=/c" }, { .config_path = "/c" } },
		{ DAEMON, { "--config", LONG_1023 }, { .config_path = LONG_1023 } },
		{ DAEMON, { "--check-config" }, { .check_config = true } },
		/* '' turns the textfile off */
		{ DAEMON, { "--textfile-dir", "" }, { .set = DA_SET_TEXTFILE_DIR } },
		{ DAEMON,
		  { "--textfile-dir=/var/lib/ne" },
		  { .textfile_dir = "/var/lib/ne", .set = DA_SET_TEXTFILE_DIR } },
		{ DAEMON, { "--interval", "5" }, { .interval = 5, .set = DA_SET_INTERVAL } },
		{ DAEMON, { "--interval=86400" }, { .interval = 86400, .set = DA_SET_INTERVAL } },
		{ DAEMON,
		  { "--interval", "5", "--interval", "7" },
		  { .interval = 7, .set = DA_SET_INTERVAL } },
		{ DAEMON, { "--json-file", "-" }, { .json_file = "-", .set = DA_SET_JSON_FILE } },
		{ DAEMON,
		  { "--pidfile", "/run/da.pid" },
		  { .pidfile = "/run/da.pid", .set = DA_SET_PIDFILE } },
		{ DAEMON,
		  { "--config=/c", "--check-config", "--textfile-dir=/t", "--interval=1",
		    "--json-file=/j", "--pidfile=/p", "--attach=fentry", "--btf=/b", "-v" },
		  { .config_path = "/c",
		    .check_config = true,
		    .textfile_dir = "/t",
		    .interval = 1,
		    .json_file = "/j",
		    .pidfile = "/p",
		    .attach = DA_ATTACH_FENTRY,
		    .btf_path = "/b",
		    .verbose = true,
		    .set = DA_SET_TEXTFILE_DIR | DA_SET_INTERVAL | DA_SET_JSON_FILE |
			   DA_SET_PIDFILE | DA_SET_ATTACH | DA_SET_BTF } },
	};

	CHECK_ACCEPTED(daemon);
}

static void test_cli_help_version(void)
{
	static const struct stop_row help_version[] = {
		{ 0, { "-h" }, DA_PARSE_HELP },
		{ 0, { "--help" }, DA_PARSE_HELP },
		{ 0, { "-V" }, DA_PARSE_VERSION },
		{ 0, { "--version" }, DA_PARSE_VERSION },
		/* top-level help wins over what follows */
		{ 0, { "-h", "bogus", "--bogus" }, DA_PARSE_HELP },
		{ 0, { "--help", "bogus", "--bogus" }, DA_PARSE_HELP },
		{ EVERY, { "-h" }, DA_PARSE_HELP },
		{ EVERY, { "--help" }, DA_PARSE_HELP },
		{ EVERY, { "-V" }, DA_PARSE_VERSION },
		{ EVERY, { "--version" }, DA_PARSE_VERSION },
		/* after valid options too */
		{ EVERY, { "-v", "--attach=auto", "-h" }, DA_PARSE_HELP },
		{ EVERY, { "-v", "--attach=auto", "--help" }, DA_PARSE_HELP },
		{ REPORT, { "--fail-on", "warning", "--help" }, DA_PARSE_HELP },
		{ DAEMON, { "--interval", "5", "--version" }, DA_PARSE_VERSION },
		/* and before a wrong one: options are taken in order */
		{ EVERY, { "--help", "--bogus" }, DA_PARSE_HELP },
	};

	CHECK_STOPPED(help_version);
}

static void test_cli_err_missing_unknown_command(void)
{
	static const struct refuse_row command[] = {
		{ 0, {}, "missing command (watch, report, daemon, probe, run); try --help" },
		{ 0, { "bogus" }, "unknown command 'bogus' (watch, report, daemon, probe, run)" },
		/* command names are case-sensitive */
		{ 0, { "Report" }, "unknown command 'Report' (watch, report, daemon, probe, run)" },
		{ 0, { "" }, "unknown command '' (watch, report, daemon, probe, run)" },
		/* an option before the command */
		{ 0,
		  { "--json", "report" },
		  "unknown command '--json' (watch, report, daemon, probe, run)" },
		{ 0, { "-x" }, "unknown command '-x' (watch, report, daemon, probe, run)" },
	};

	CHECK_REFUSED(command);
}

static void test_cli_err_unknown_option(void)
{
	static const struct refuse_row unknown[] = {
		{ EVERY, { "--bogus" }, "%s: unknown option '--bogus'" },
		{ EVERY, { "-x" }, "%s: unknown option '-x'" },
		{ EVERY, { "-v", "--bogus=1" }, "%s: unknown option '--bogus=1'" },
		{ EVERY, { "foo", "--bogus" }, "%s: unknown option '--bogus'" },
		/* clustered: after -v, and first (getopt is still inside "-xv") */
		{ EVERY, { "-vx" }, "%s: unknown option '-x'" },
		{ EVERY, { "-xv" }, "%s: unknown option '-x'" },
		/* a value for an option that takes none */
		{ REPORT, { "--json=yes" }, "report: unknown option '--json=yes'" },
		{ DAEMON, { "--check-config=yes" }, "daemon: unknown option '--check-config=yes'" },
	};

	CHECK_REFUSED(unknown);
}

/*
 * Each option a command does not take, refused with the command's message
 * whatever its value (checked before the value).
 */
static void test_cli_err_other_commands_option(void)
{
	static const struct refuse_row other_cmd[] = {
		{ PROBE, { "--json" }, "probe: --json is not supported" },
		{ DAEMON, { "--json" }, "daemon: --json is not supported (it always logs JSON)" },
		{ PROBE | DAEMON, { "--duration", "5" }, "%s: --duration is not supported" },
		{ PROBE | DAEMON, { "--duration=5" }, "%s: --duration is not supported" },
		{ PROBE | DAEMON, { "-d", "5" }, "%s: --duration is not supported" },
		{ PROBE | DAEMON, { "-d5" }, "%s: --duration is not supported" },
		{ PROBE | DAEMON, { "--duration", "abc" }, "%s: --duration is not supported" },
		{ PROBE | DAEMON, { "--pid", "1" }, "%s: --pid is not supported" },
		{ PROBE | DAEMON, { "--pid=1" }, "%s: --pid is not supported" },
		{ PROBE | DAEMON, { "-p", "1" }, "%s: --pid is not supported" },
		{ PROBE | DAEMON, { "-vp1" }, "%s: --pid is not supported" },
		{ WATCH | PROBE | DAEMON,
		  { "--fail-on", "warning" },
		  "%s: --fail-on is a report option" },
		{ WATCH | PROBE | DAEMON,
		  { "--fail-on=bogus" },
		  "%s: --fail-on is a report option" },
		{ WATCH | REPORT | PROBE, { "--config", "/c" }, "%s: --config is a daemon option" },
		{ WATCH | REPORT | PROBE, { "--config=" }, "%s: --config is a daemon option" },
		{ WATCH | REPORT | PROBE,
		  { "--check-config" },
		  "%s: --check-config is a daemon option" },
		{ WATCH | REPORT | PROBE,
		  { "--textfile-dir", "/t" },
		  "%s: --textfile-dir is a daemon option" },
		{ WATCH | REPORT | PROBE,
		  { "--interval", "5" },
		  "%s: --interval is a daemon option" },
		{ WATCH | REPORT | PROBE, { "--interval=0" }, "%s: --interval is a daemon option" },
		{ WATCH | REPORT | PROBE,
		  { "--json-file", "/j" },
		  "%s: --json-file is a daemon option" },
		{ WATCH | REPORT | PROBE,
		  { "--pidfile", "/p" },
		  "%s: --pidfile is a daemon option" },
		/* the first one refused is named */
		{ PROBE, { "-v", "--pid", "1", "--json" }, "probe: --pid is not supported" },
	};

	CHECK_REFUSED(other_cmd);
}

static void test_cli_err_positional(void)
{
	static const struct refuse_row positional[] = {
		{ EVERY, { "foo" }, "%s: unexpected argument 'foo'" },
		{ EVERY, { "-v", "foo" }, "%s: unexpected argument 'foo'" },
		{ EVERY, { "foo", "-v" }, "%s: unexpected argument 'foo'" },
		/* after -- */
		{ EVERY, { "--", "--json" }, "%s: unexpected argument '--json'" },
		/* a second command */
		{ EVERY, { "report" }, "%s: unexpected argument 'report'" },
		/* the first stray argument is named */
		{ REPORT, { "--json", "foo", "bar" }, "report: unexpected argument 'foo'" },
	};

	CHECK_REFUSED(positional);
}

/*
 * Values refused as a whole: paths (empty, or too long), a value that is the
 * next option. Lists of bad numbers and names: test_cli_err_bad_value.
 */
static void test_cli_err_value(void)
{
	static const struct refuse_row value[] = {
		{ EVERY, { "--btf=" }, "invalid --btf '': expected a BTF file path" },
		{ EVERY, { "--btf", "" }, "invalid --btf '': expected a BTF file path" },
		{ EVERY, { "--btf", LONG_1024 }, "invalid --btf: path longer than 1023 bytes" },
		{ DAEMON, { "--config=" }, "invalid --config '': expected a path" },
		{ DAEMON,
		  { "--config", LONG_1024 },
		  "invalid --config: path longer than 1023 bytes" },
		{ DAEMON,
		  { "--textfile-dir", LONG_1024 },
		  "invalid --textfile-dir: path longer than 1023 bytes" },
		{ DAEMON, { "--json-file", "" }, "invalid --json-file '': expected a path" },
		{ DAEMON,
		  { "--json-file=" LONG_1024 },
		  "invalid --json-file: path longer than 1023 bytes" },
		{ DAEMON, { "--pidfile=" }, "invalid --pidfile '': expected a path" },
		{ DAEMON,
		  { "--pidfile", LONG_1024 },
		  "invalid --pidfile: path longer than 1023 bytes" },
		/* the next option is taken as the value, and refused */
		{ OBSERVE,
		  { "-d", "--json" },
		  "invalid --duration '--json': expected whole seconds, 1 to 31536000" },
	};

	CHECK_REFUSED(value);
}

/* An option without its value: as the last argument, after -v, after a stray one. */
static void test_cli_err_missing_value(void)
{
	static const struct {
		unsigned int cmds;
		const char *opt;
	} opts[] = {
		{ OBSERVE, "--duration" },
		{ OBSERVE, "-d" },
		{ OBSERVE, "--pid" },
		{ OBSERVE, "-p" },
		{ EVERY, "--attach" },
		{ EVERY, "--btf" },
		{ REPORT, "--fail-on" },
		{ DAEMON, "--config" },
		{ DAEMON, "--textfile-dir" },
		{ DAEMON, "--interval" },
		{ DAEMON, "--json-file" },
		{ DAEMON, "--pidfile" },
		/* the missing value is found first */
		{ PROBE | DAEMON, "--duration" },
		{ PROBE | DAEMON, "-p" },
		{ WATCH, "--config" },
	};
	static const char *const before[] = { NULL, "-v", "foo" };
	enum da_cmd cmd[DA_CMD_DAEMON + 1];
	char what[512], want[512];

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(opts); i++) {
		size_t ncmd = row_cmds(opts[i].cmds, cmd);

		for (size_t c = 0; c < ncmd; c++) {
			for (size_t b = 0; b < UNIT_ARRAY_SIZE(before); b++) {
				const char *args[] = { before[b] ? before[b] : opts[i].opt,
						       before[b] ? opts[i].opt : NULL, NULL };
				struct parsed p = parse_row(cmd[c], args);

				row_name(what, sizeof(what), "missing_value", i, cmd[c], args);
				snprintf(want, sizeof(want), "%s: option '%s' needs a value",
					 cmd_words[cmd[c]], opts[i].opt);
				expect_error_text(&p, want, what);
			}
		}
	}
}

/*
 * Values refused, in each form: "--opt V" and "--opt=V" (a long option),
 * "-o V" (a short one). err: printf of the value.
 */
static void test_cli_err_bad_value(void)
{
	static const char *const seconds[] = {
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
		NULL,
	};
	static const char *const interval[] = { "86401", NULL };
	static const char *const pid[] = {
		"abc",	   "0",		 "-1",
		"+1",	   "",		 "42x",
		"4194305", "4294967296", "99999999999999999999999999",
		" ",	   "1 2",	 NULL,
	};
	static const char *const attach[] = {
		"uprobe", "", "KPROBE", "kprobe ", "fentr", "auto,kprobe", NULL,
	};
	static const char *const fail_on[] = { "bogus", "", "Warning", "violation,warning", NULL };
	static const struct {
		unsigned int cmds;
		const char *opt;
		const char *const *bad;
		const char *err;
	} rows[] = {
		{ OBSERVE, "--duration", seconds,
		  "invalid --duration '%s': expected whole seconds, 1 to 31536000" },
		{ OBSERVE, "-d", seconds,
		  "invalid --duration '%s': expected whole seconds, 1 to 31536000" },
		{ OBSERVE, "--pid", pid, "invalid --pid '%s': expected a process id" },
		{ OBSERVE, "-p", pid, "invalid --pid '%s': expected a process id" },
		{ EVERY, "--attach", attach,
		  "invalid --attach '%s': expected auto, fentry or kprobe" },
		{ REPORT, "--fail-on", fail_on,
		  "invalid --fail-on '%s': expected violation or warning" },
		{ DAEMON, "--interval", seconds,
		  "invalid --interval '%s': expected whole seconds, 1 to 86400" },
		{ DAEMON, "--interval", interval,
		  "invalid --interval '%s': expected whole seconds, 1 to 86400" },
	};
	enum da_cmd cmd[DA_CMD_DAEMON + 1];
	char what[512], want[512], joined[128];

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(rows); i++) {
		size_t ncmd = row_cmds(rows[i].cmds, cmd);
		bool is_long = rows[i].opt[1] == '-';

		for (size_t c = 0; c < ncmd; c++) {
			for (const char *const *v = rows[i].bad; *v; v++) {
				const char *split[] = { rows[i].opt, *v, NULL };
				const char *one[] = { joined, NULL };
				struct parsed p = parse_row(cmd[c], split);

				snprintf(want, sizeof(want), rows[i].err, *v);
				row_name(what, sizeof(what), "bad_value", i, cmd[c], split);
				expect_error_text(&p, want, what);
				if (!is_long)
					continue;
				snprintf(joined, sizeof(joined), "%s=%s", rows[i].opt, *v);
				p = parse_row(cmd[c], one);
				row_name(what, sizeof(what), "bad_value", i, cmd[c], one);
				expect_error_text(&p, want, what);
			}
		}
	}
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

/* run: options end at COMMAND or "--"; COMMAND's own options stay its own. */
static void test_cli_run(void)
{
	static const struct {
		const char *args[8];
		enum da_parse r;
		const char *argv0, *last, *err; /* of run_argv, or the error */
		bool json;
	} rows[] = {
		{ { "run", "--", "true", NULL }, DA_PARSE_RUN, "true", "true", NULL, false },
		{ { "run", "--json", "-o", "/r", "--", "make", "-j2", NULL },
		  DA_PARSE_RUN,
		  "make",
		  "-j2",
		  NULL,
		  true },
		{ { "run", "make", "--json", NULL }, DA_PARSE_RUN, "make", "--json", NULL, false },
		{ { "run", "--fail-on", "warning", "sh", "-c", "x", NULL },
		  DA_PARSE_RUN,
		  "sh",
		  "x",
		  NULL,
		  false },
		{ { "run", NULL },
		  DA_PARSE_ERROR,
		  NULL,
		  NULL,
		  "run: missing COMMAND (run [OPTIONS] -- COMMAND [ARGS])",
		  false },
		{ { "run", "--json", "--", NULL },
		  DA_PARSE_ERROR,
		  NULL,
		  NULL,
		  "run: missing COMMAND (run [OPTIONS] -- COMMAND [ARGS])",
		  false },
		{ { "run", "-d", "5", "--", "x", NULL },
		  DA_PARSE_ERROR,
		  NULL,
		  NULL,
		  "run: --duration is not supported",
		  false },
		{ { "run", "--inventory", "--", "x", NULL },
		  DA_PARSE_ERROR,
		  NULL,
		  NULL,
		  "run: --inventory is a report option",
		  false },
		{ { "report", "-o", "/r", NULL },
		  DA_PARSE_ERROR,
		  NULL,
		  NULL,
		  "report: --output is not supported",
		  false },
	};

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(rows); i++) {
		char *argv[10], buf[8][32], err[256] = "";
		struct da_opts o;
		int argc = 0;
		enum da_parse r;

		argv[argc++] = "dmabuf-audit";
		for (const char *const *a = rows[i].args; *a; a++, argc++) {
			snprintf(buf[argc - 1], sizeof(buf[0]), "%s", *a);
			argv[argc] = buf[argc - 1];
		}
		argv[argc] = NULL;
		r = cli_parse(argc, argv, &o, err, sizeof(err));
		if (!ASSERT_EQ_INT(r, rows[i].r, rows[i].args[1] ? rows[i].args[1] : "run"))
			continue;
		if (r == DA_PARSE_ERROR) {
			ASSERT_STREQ(err, rows[i].err, "the error");
			continue;
		}
		ASSERT_EQ_INT(o.cmd, DA_CMD_RUN, "the run command");
		ASSERT_STREQ(o.run_argv[0], rows[i].argv0, "COMMAND");
		for (argc = 0; o.run_argv[argc]; argc++)
			;
		ASSERT_STREQ(o.run_argv[argc - 1], rows[i].last, "its last argument");
		ASSERT_TRUE(o.json == rows[i].json, "--json before COMMAND only");
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_cli_commands_defaults),
	UNIT_TEST(test_cli_observe_options),
	UNIT_TEST(test_cli_common_options),
	UNIT_TEST(test_cli_daemon_options),
	UNIT_TEST(test_cli_help_version),
	UNIT_TEST(test_cli_err_missing_unknown_command),
	UNIT_TEST(test_cli_err_unknown_option),
	UNIT_TEST(test_cli_err_other_commands_option),
	UNIT_TEST(test_cli_err_positional),
	UNIT_TEST(test_cli_err_value),
	UNIT_TEST(test_cli_err_missing_value),
	UNIT_TEST(test_cli_err_bad_value),
	UNIT_TEST(test_cli_err_short_buffer),
	UNIT_TEST(test_cli_restartable),
	UNIT_TEST(test_cli_names),
	UNIT_TEST(test_cli_usage),
	UNIT_TEST(test_cli_run),
};
UNIT_SUITE(cli, tests);
