// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char *const cmd_names[] = {
	[DA_CMD_NONE] = "",	  [DA_CMD_WATCH] = "watch",   [DA_CMD_REPORT] = "report",
	[DA_CMD_PROBE] = "probe", [DA_CMD_DAEMON] = "daemon", [DA_CMD_RUN] = "run",
};

const char *cmd_name(enum da_cmd cmd)
{
	return cmd_names[cmd];
}

const char *attach_name(enum da_attach a)
{
	return a == DA_ATTACH_FENTRY ? "fentry" : a == DA_ATTACH_KPROBE ? "kprobe" : "auto";
}

int attach_from_name(const char *s, enum da_attach *a)
{
	for (int m = DA_ATTACH_AUTO; m <= DA_ATTACH_KPROBE; m++) {
		if (!strcmp(s, attach_name(m))) {
			*a = m;
			return 0;
		}
	}
	return -EINVAL;
}

static const char usage_top[] =
	"Usage: dmabuf-audit COMMAND [OPTIONS]\n"
	"Find dma-buf mappings that let get_user_pages take struct pages.\n"
	"\n"
	"Commands:\n"
	"  watch    stream findings until SIGINT/SIGTERM or --duration\n"
	"  report   observe, then print a summary; exit 1 if violations found\n"
	"  daemon   run as a service: JSON log, Prometheus textfile, systemd notify\n"
	"  probe    show which detectors can attach on this kernel, and how\n"
	"  run      run a command and audit only its process tree (CI)\n"
	"\n"
	"  -h, --help     this help (COMMAND --help for a command's options)\n"
	"  -V, --version  print the version\n"
	"\n"
	"Exit status: 0 no violation, 1 violations found (report, run) or a detector\n"
	"cannot run (probe), 2 usage or runtime error; run: 3 the command failed.\n"
	"See dmabuf-audit(8).\n";

static const char usage_common[] =
	"      --attach=MODE    auto (default: fentry, else kprobe), fentry, kprobe\n"
	"      --btf PATH       kernel BTF from PATH, for kernels without\n"
	"                       /sys/kernel/btf/vmlinux (kprobes only: fentry and\n"
	"                       the scan need the kernel's own BTF)\n"
	"  -v, --verbose        libbpf diagnostics, time and peak RSS of each start step\n"
	"                       on stderr\n"
	"  -h, --help           this help\n"
	"  -V, --version        print the version\n";

void cli_usage(FILE *f, enum da_cmd cmd)
{
	switch (cmd) {
	case DA_CMD_WATCH:
		fputs("Usage: dmabuf-audit watch [--json] [--duration SEC] [-p PID] [-v]\n"
		      "Stream findings as they happen until SIGINT/SIGTERM or SEC seconds\n"
		      "(existing mappings first, from the scan; a finding again when its count grew).\n"
		      "Past 65536 findings, new ones are printed once, marked as not followed.\n"
		      "\n"
		      "      --json           one JSON object per finding per line on stdout\n"
		      "  -d, --duration SEC   stop after SEC seconds\n"
		      "  -p, --pid PID        only this process\n",
		      f);
		break;
	case DA_CMD_REPORT:
		fputs("Usage: dmabuf-audit report [-d SEC] [--json] [--fail-on WHAT] [-p PID] [-v]\n"
		      "       dmabuf-audit report --inventory [--json] [-v]\n"
		      "Scan the dma-buf mappings that exist, observe for SEC seconds (or until\n"
		      "SIGINT/SIGTERM), then print the mapped dma-buf memory (Rss/Pss) grouped\n"
		      "by exporter, buffer and process, each finding with its stack, and every\n"
		      "dma-buf in the system at the end (the inventory, as --inventory).\n"
		      "Exit status: 0 pass, 1 fail (see --fail-on), 2 error.\n"
		      "\n"
		      "      --json           findings as JSON lines, then {\"summary\": {...}}\n"
		      "  -d, --duration SEC   observe SEC seconds (default: until a signal)\n"
		      "      --fail-on WHAT   violation (default): exit 1 on any violation;\n"
		      "                       warning: also on warnings (gup_blocked,\n"
		      "                       kernel_pfn_lookup, huge_entry)\n"
		      "  -p, --pid PID        only this process\n"
		      "      --inventory      print every dma-buf in the system (exporter, size, name,\n"
		      "                       fd holders, mappers, attached devices) and exit 0;\n"
		      "                       buffers from the dma-buf iterator (6.16+), else\n"
		      "                       debugfs dma_buf/bufinfo\n",
		      f);
		break;
	case DA_CMD_PROBE:
		fputs("Usage: dmabuf-audit probe [--attach=MODE] [-v]\n"
		      "Load and attach every detector, print how each attached or why not,\n"
		      "then detach. Exit 0 if every detector runs here, 1 if some cannot.\n"
		      "\n",
		      f);
		break;
	case DA_CMD_DAEMON:
		fputs("Usage: dmabuf-audit daemon [--config PATH] [--check-config] [OPTIONS]\n"
		      "Run in the foreground as a service: findings as JSON lines, metrics in a\n"
		      "Prometheus node_exporter textfile, systemd notify when NOTIFY_SOCKET is set.\n"
		      "SIGHUP re-reads the config and reopens the JSON file; SIGTERM/SIGINT write\n"
		      "the final textfile and exit 0. Options override the config file.\n"
		      "Exit status: 0 after SIGTERM/SIGINT, 2 on error (one line on stderr).\n"
		      "\n"
		      "      --config PATH    config file (default, which may be absent:\n"
		      "                       " DA_DEFAULT_CONFIG ")\n"
		      "      --check-config   validate the config and the textfile dir, exit\n"
		      "      --textfile-dir DIR\n"
		      "                       write DIR/dmabuf_audit.prom (default\n"
		      "                       /var/lib/prometheus/node-exporter; '' disables)\n"
		      "      --interval SEC   textfile and mapped-bytes period (default 30)\n"
		      "      --json-file PATH append JSON lines to PATH (default '-': stdout)\n"
		      "      --pidfile PATH   write and lock a pid file\n",
		      f);
		break;
	case DA_CMD_RUN:
		fputs("Usage: dmabuf-audit run [--json] [-o FILE] [--fail-on WHAT] [-v] -- COMMAND [ARGS]\n"
		      "Attach, start COMMAND, audit only its process tree (children, threads and\n"
		      "later descendants: a cgroup of its own), and when COMMAND exits print the\n"
		      "report on stderr (COMMAND keeps stdout). SIGINT/SIGTERM go to COMMAND.\n"
		      "Exit status: 0 pass, 1 fail (see --fail-on), 2 error, 3 COMMAND failed\n"
		      "(nonzero exit or a signal) without a failing finding, 126/127 COMMAND\n"
		      "could not be run / was not found.\n"
		      "\n"
		      "      --json           the report as JSON lines\n"
		      "  -o, --output FILE    the report to FILE instead of stderr\n"
		      "      --fail-on WHAT   violation (default): exit 1 on any violation;\n"
		      "                       warning: also on warnings (gup_blocked,\n"
		      "                       kernel_pfn_lookup, huge_entry)\n",
		      f);
		break;
	case DA_CMD_NONE:
		fputs(usage_top, f);
		return;
	}
	fputs(usage_common, f);
}

static enum da_parse fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return DA_PARSE_ERROR;
}

int parse_seconds(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9') /* strtoul would skip blanks and signs */
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* --NAME PATH into dst; empty allowed where it means "off". */
static enum da_parse copy_path(char *dst, size_t len, const char *name, const char *val,
			       bool empty_ok, char *err, size_t errlen)
{
	if (!*val && !empty_ok)
		return fail(err, errlen, "invalid --%s '': expected a path", name);
	if (strlen(val) >= len)
		return fail(err, errlen, "invalid --%s: path longer than %zu bytes", name, len - 1);
	strcpy(dst, val);
	return DA_PARSE_RUN;
}

/*
 * An option's handler: stores val (NULL for an option without a value) into
 * o. DA_PARSE_RUN to go on; anything else ends cli_parse() with that result
 * (DA_PARSE_ERROR with err filled).
 */
typedef enum da_parse (*opt_set_fn)(struct da_opts *o, const char *val, char *err, size_t errlen);

static enum da_parse set_json(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	(void)val, (void)err, (void)errlen;
	o->json = true;
	return DA_PARSE_RUN;
}

static enum da_parse set_duration(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	unsigned long v;

	if (parse_seconds(val, DA_MAX_DURATION, &v))
		return fail(err, errlen, "invalid --duration '%s': expected whole seconds, 1 to %u",
			    val, DA_MAX_DURATION);
	o->duration = v;
	return DA_PARSE_RUN;
}

static enum da_parse set_pid(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	unsigned long v;

	if (parse_seconds(val, 4194304, &v))
		return fail(err, errlen, "invalid --pid '%s': expected a process id", val);
	o->pid = v;
	return DA_PARSE_RUN;
}

static enum da_parse set_attach(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	o->set |= DA_SET_ATTACH;
	if (attach_from_name(val, &o->attach))
		return fail(err, errlen, "invalid --attach '%s': expected auto, fentry or kprobe",
			    val);
	return DA_PARSE_RUN;
}

static enum da_parse set_btf(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	if (!*val)
		return fail(err, errlen, "invalid --btf '': expected a BTF file path");
	if (strlen(val) >= sizeof(o->btf_path))
		return fail(err, errlen, "invalid --btf: path longer than %zu bytes",
			    sizeof(o->btf_path) - 1);
	strcpy(o->btf_path, val);
	o->set |= DA_SET_BTF;
	return DA_PARSE_RUN;
}

static enum da_parse set_fail_on(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	if (!strcmp(val, "violation"))
		o->fail_on = DA_FAIL_ON_VIOLATION;
	else if (!strcmp(val, "warning"))
		o->fail_on = DA_FAIL_ON_WARNING;
	else
		return fail(err, errlen, "invalid --fail-on '%s': expected violation or warning",
			    val);
	return DA_PARSE_RUN;
}

static enum da_parse set_inventory(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	(void)val, (void)err, (void)errlen;
	o->inventory = true;
	return DA_PARSE_RUN;
}

static enum da_parse set_output(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	return copy_path(o->output, sizeof(o->output), "output", val, false, err, errlen);
}

static enum da_parse set_config(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	return copy_path(o->config_path, sizeof(o->config_path), "config", val, false, err, errlen);
}

static enum da_parse set_check_config(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	(void)val, (void)err, (void)errlen;
	o->check_config = true;
	return DA_PARSE_RUN;
}

static enum da_parse set_textfile_dir(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	o->set |= DA_SET_TEXTFILE_DIR;
	return copy_path(o->textfile_dir, sizeof(o->textfile_dir), "textfile-dir", val, true, err,
			 errlen);
}

static enum da_parse set_interval(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	unsigned long v;

	if (parse_seconds(val, DA_MAX_INTERVAL, &v))
		return fail(err, errlen, "invalid --interval '%s': expected whole seconds, 1 to %u",
			    val, DA_MAX_INTERVAL);
	o->interval = v;
	o->set |= DA_SET_INTERVAL;
	return DA_PARSE_RUN;
}

static enum da_parse set_json_file(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	o->set |= DA_SET_JSON_FILE;
	return copy_path(o->json_file, sizeof(o->json_file), "json-file", val, false, err, errlen);
}

static enum da_parse set_pidfile(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	o->set |= DA_SET_PIDFILE;
	return copy_path(o->pidfile, sizeof(o->pidfile), "pidfile", val, false, err, errlen);
}

static enum da_parse set_verbose(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	(void)val, (void)err, (void)errlen;
	o->verbose = true;
	return DA_PARSE_RUN;
}

static enum da_parse want_help(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	(void)o, (void)val, (void)err, (void)errlen;
	return DA_PARSE_HELP;
}

static enum da_parse want_version(struct da_opts *o, const char *val, char *err, size_t errlen)
{
	(void)o, (void)val, (void)err, (void)errlen;
	return DA_PARSE_VERSION;
}

/* Sets of commands, for an option's cmds. */
#define C_WATCH	 (1u << DA_CMD_WATCH)
#define C_REPORT (1u << DA_CMD_REPORT)
#define C_PROBE	 (1u << DA_CMD_PROBE)
#define C_DAEMON (1u << DA_CMD_DAEMON)
#define C_RUN	 (1u << DA_CMD_RUN)
#define C_ALL	 (C_WATCH | C_REPORT | C_PROBE | C_DAEMON | C_RUN)

/* What a command that does not take an option says: printf of (command, option). */
#define NOT_SUPPORTED "%s: --%s is not supported"
#define REPORT_OPTION "%s: --%s is a report option"
#define DAEMON_OPTION "%s: --%s is a daemon option"

/*
 * Every option of every command, the one place that says which command takes
 * what: cli_parse() builds getopt's tables from it and checks the command in
 * one place. A command outside cmds is refused with refused_by[command] where
 * the row has one, else with refused (NULL when every command takes it).
 */
static const struct cli_opt {
	const char *name;  /* long option, without "--" */
	char short_name;   /* 0: long only */
	bool has_arg;	   /* a value is required (none is optional) */
	unsigned int cmds; /* C_*: the commands that take it */
	opt_set_fn set;
	const char *refused;
	const char *refused_by[DA_CMD_RUN + 1];
} cli_opts[] = {
	/* clang-format off */
	/* name           short has_arg cmds                set               refused, refused_by */
	{ "json",         0,    false,  C_WATCH | C_REPORT | C_RUN, set_json, NOT_SUPPORTED,
	  { [DA_CMD_DAEMON] = NOT_SUPPORTED " (it always logs JSON)" } },
	{ "duration",     'd',  true,   C_WATCH | C_REPORT, set_duration,     NOT_SUPPORTED, {} },
	{ "pid",          'p',  true,   C_WATCH | C_REPORT, set_pid,          NOT_SUPPORTED, {} },
	{ "attach",       0,    true,   C_ALL,              set_attach,       NULL,          {} },
	{ "btf",          0,    true,   C_ALL,              set_btf,          NULL,          {} },
	{ "fail-on",      0,    true,   C_REPORT | C_RUN,   set_fail_on,      REPORT_OPTION, {} },
	{ "output",       'o',  true,   C_RUN,              set_output,       NOT_SUPPORTED, {} },
	{ "inventory",    0,    false,  C_REPORT,           set_inventory,    REPORT_OPTION, {} },
	{ "config",       0,    true,   C_DAEMON,           set_config,       DAEMON_OPTION, {} },
	{ "check-config", 0,    false,  C_DAEMON,           set_check_config, DAEMON_OPTION, {} },
	{ "textfile-dir", 0,    true,   C_DAEMON,           set_textfile_dir, DAEMON_OPTION, {} },
	{ "interval",     0,    true,   C_DAEMON,           set_interval,     DAEMON_OPTION, {} },
	{ "json-file",    0,    true,   C_DAEMON,           set_json_file,    DAEMON_OPTION, {} },
	{ "pidfile",      0,    true,   C_DAEMON,           set_pidfile,      DAEMON_OPTION, {} },
	{ "verbose",      'v',  false,  C_ALL,              set_verbose,      NULL,          {} },
	{ "help",         'h',  false,  C_ALL,              want_help,        NULL,          {} },
	{ "version",      'V',  false,  C_ALL,              want_version,     NULL,          {} },
	/* clang-format on */
};

#define N_OPTS (sizeof(cli_opts) / sizeof(cli_opts[0]))

/*
 * What getopt_long() returns for cli_opts[i]: its short name, else a value
 * past every char (OPT_LONG_ONLY and up: the unknown-option message tells the
 * two apart by optopt). One value per option: getopt would take a prefix of
 * two options of the same value ("--p": --pid, --pidfile) as the first one
 * instead of refusing it as ambiguous.
 */
#define OPT_LONG_ONLY 0x100

static int opt_val(size_t i)
{
	return cli_opts[i].short_name ? cli_opts[i].short_name : OPT_LONG_ONLY + (int)i;
}

static const struct cli_opt *opt_of_val(int val)
{
	for (size_t i = 0; i < N_OPTS; i++)
		if (opt_val(i) == val)
			return &cli_opts[i];
	return NULL;
}

/*
 * longopts[N_OPTS + 1]; shortopts: '+' if options end at the first operand
 * (no permutation), ':' then each short name (and ':' if it takes a value).
 */
static void getopt_tables(struct option *longopts, char *shortopts, bool stop_at_operand)
{
	if (stop_at_operand)
		*shortopts++ = '+';
	*shortopts++ = ':'; /* a missing value returns ':', not '?' */
	for (size_t i = 0; i < N_OPTS; i++) {
		const struct cli_opt *opt = &cli_opts[i];

		longopts[i].name = opt->name;
		longopts[i].has_arg = opt->has_arg ? required_argument : no_argument;
		longopts[i].flag = NULL;
		longopts[i].val = opt_val(i);
		if (opt->short_name) {
			*shortopts++ = opt->short_name;
			if (opt->has_arg)
				*shortopts++ = ':';
		}
	}
	longopts[N_OPTS] = (struct option){ NULL, 0, NULL, 0 };
	*shortopts = '\0';
}

static enum da_cmd cmd_from_name(const char *s)
{
	for (int c = DA_CMD_WATCH; c <= DA_CMD_RUN; c++)
		if (!strcmp(cmd_names[c], s))
			return c;
	return DA_CMD_NONE;
}

enum da_parse cli_parse(int argc, char **argv, struct da_opts *o, char *err, size_t errlen)
{
	struct option longopts[N_OPTS + 1];
	char shortopts[2 + 2 * N_OPTS + 1];
	const struct cli_opt *opt;
	const char *refused;
	enum da_parse r;
	int c;

	memset(o, 0, sizeof(*o));
	if (argc < 2)
		return fail(err, errlen,
			    "missing command (watch, report, daemon, probe, run); try --help");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return DA_PARSE_HELP;
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))
		return DA_PARSE_VERSION;
	o->cmd = cmd_from_name(argv[1]);
	if (o->cmd == DA_CMD_NONE)
		return fail(err, errlen, "unknown command '%s' (watch, report, daemon, probe, run)",
			    argv[1]);

	/* run: options end at COMMAND (or "--"); COMMAND's own options are its own */
	getopt_tables(longopts, shortopts, o->cmd == DA_CMD_RUN);
	/* Parse the command's own options; restartable for the unit tests. */
#ifdef __GLIBC__
	optind = 0;
#else
	optind = 1;
#endif
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, shortopts, longopts, NULL)) != -1) {
		if (c == ':')
			return fail(err, errlen, "%s: option '%s' needs a value", cmd_names[o->cmd],
				    argv[optind]);
		opt = opt_of_val(c);
		if (!opt) {
			/* inside a cluster (-xv) optind has not moved: name optopt */
			if (optopt > 0 && optopt < OPT_LONG_ONLY)
				return fail(err, errlen, "%s: unknown option '-%c'",
					    cmd_names[o->cmd], optopt);
			return fail(err, errlen, "%s: unknown option '%s'", cmd_names[o->cmd],
				    argv[optind]);
		}
		if (!(opt->cmds & 1u << o->cmd)) {
			refused = opt->refused_by[o->cmd] ? opt->refused_by[o->cmd] : opt->refused;
			return fail(err, errlen, refused, cmd_names[o->cmd], opt->name);
		}
		r = opt->set(o, optarg, err, errlen);
		if (r != DA_PARSE_RUN)
			return r;
	}
	if (o->cmd == DA_CMD_RUN) {
		if (optind >= argc - 1)
			return fail(err, errlen,
				    "run: missing COMMAND (run [OPTIONS] -- COMMAND [ARGS])");
		o->run_argv = argv + 1 + optind;
		return DA_PARSE_RUN;
	}
	if (optind < argc - 1)
		return fail(err, errlen, "%s: unexpected argument '%s'", cmd_names[o->cmd],
			    argv[optind + 1]);
	return DA_PARSE_RUN;
}
