// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char *const cmd_names[] = {
	[DA_CMD_NONE] = "",	  [DA_CMD_WATCH] = "watch",   [DA_CMD_REPORT] = "report",
	[DA_CMD_PROBE] = "probe", [DA_CMD_DAEMON] = "daemon",
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
	"\n"
	"  -h, --help     this help (COMMAND --help for a command's options)\n"
	"  -V, --version  print the version\n"
	"\n"
	"Exit status: 0 no violation, 1 violations found (report) or a detector\n"
	"cannot run (probe), 2 usage or runtime error.\n"
	"See dmabuf-audit(8).\n";

static const char usage_common[] =
	"      --attach=MODE    auto (default: fentry, else kprobe), fentry, kprobe\n"
	"      --btf PATH       kernel BTF from PATH, for kernels without\n"
	"                       /sys/kernel/btf/vmlinux (kprobes only: fentry and\n"
	"                       the scan need the kernel's own BTF)\n"
	"  -v, --verbose        libbpf diagnostics on stderr\n"
	"  -h, --help           this help\n"
	"  -V, --version        print the version\n";

void cli_usage(FILE *f, enum da_cmd cmd)
{
	switch (cmd) {
	case DA_CMD_WATCH:
		fputs("Usage: dmabuf-audit watch [--json] [--duration SEC] [-p PID] [-v]\n"
		      "Stream findings as they happen until SIGINT/SIGTERM or SEC seconds\n"
		      "(existing mappings first, from the scan; a finding again when its count grew).\n"
		      "\n"
		      "      --json           one JSON object per finding per line on stdout\n"
		      "  -d, --duration SEC   stop after SEC seconds\n"
		      "  -p, --pid PID        only this process\n",
		      f);
		break;
	case DA_CMD_REPORT:
		fputs("Usage: dmabuf-audit report [-d SEC] [--json] [--fail-on WHAT] [-p PID] [-v]\n"
		      "Scan the dma-buf mappings that exist, observe for SEC seconds (or until\n"
		      "SIGINT/SIGTERM), then print the mapped dma-buf memory (Rss/Pss) grouped\n"
		      "by exporter, buffer and process, and each finding with its stack.\n"
		      "Exit status: 0 pass, 1 fail (see --fail-on), 2 error.\n"
		      "\n"
		      "      --json           findings as JSON lines, then {\"summary\": {...}}\n"
		      "  -d, --duration SEC   observe SEC seconds (default: until a signal)\n"
		      "      --fail-on WHAT   violation (default): exit 1 on any violation;\n"
		      "                       warning: also on gup_blocked warnings\n"
		      "  -p, --pid PID        only this process\n",
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
static int copy_path(char *dst, size_t len, const char *name, const char *val, bool empty_ok,
		     char *err, size_t errlen)
{
	if (!*val && !empty_ok)
		return fail(err, errlen, "invalid --%s '': expected a path", name), -EINVAL;
	if (strlen(val) >= len)
		return fail(err, errlen, "invalid --%s: path longer than %zu bytes", name, len - 1),
		       -EINVAL;
	strcpy(dst, val);
	return 0;
}

static const char *const daemon_opt_names[] = {
	"config", "check-config", "textfile-dir", "interval", "json-file", "pidfile",
};

/* The daemon's options; which: offset from the first of them in cli_parse(). */
static int daemon_option(struct da_opts *o, int which, const char *val, char *err, size_t errlen)
{
	unsigned long v;

	switch (which) {
	case 0:
		return copy_path(o->config_path, sizeof(o->config_path), "config", val, false, err,
				 errlen);
	case 1:
		o->check_config = true;
		return 0;
	case 2:
		o->set |= DA_SET_TEXTFILE_DIR;
		return copy_path(o->textfile_dir, sizeof(o->textfile_dir), "textfile-dir", val,
				 true, err, errlen);
	case 3:
		if (parse_seconds(val, DA_MAX_INTERVAL, &v))
			return fail(err, errlen,
				    "invalid --interval '%s': expected whole seconds, 1 to %u", val,
				    DA_MAX_INTERVAL),
			       -EINVAL;
		o->interval = v;
		o->set |= DA_SET_INTERVAL;
		return 0;
	case 4:
		o->set |= DA_SET_JSON_FILE;
		return copy_path(o->json_file, sizeof(o->json_file), "json-file", val, false, err,
				 errlen);
	default:
		o->set |= DA_SET_PIDFILE;
		return copy_path(o->pidfile, sizeof(o->pidfile), "pidfile", val, false, err,
				 errlen);
	}
}

static enum da_cmd cmd_from_name(const char *s)
{
	for (int c = DA_CMD_WATCH; c <= DA_CMD_DAEMON; c++)
		if (!strcmp(cmd_names[c], s))
			return c;
	return DA_CMD_NONE;
}

enum da_parse cli_parse(int argc, char **argv, struct da_opts *o, char *err, size_t errlen)
{
	enum {
		OPT_JSON = 0x100,
		OPT_ATTACH,
		OPT_BTF,
		OPT_FAIL_ON,
		OPT_CONFIG,
		OPT_CHECK_CONFIG,
		OPT_TEXTFILE_DIR,
		OPT_INTERVAL,
		OPT_JSON_FILE,
		OPT_PIDFILE,
	};
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "duration", required_argument, NULL, 'd' },
		{ "pid", required_argument, NULL, 'p' },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "btf", required_argument, NULL, OPT_BTF },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
		{ "textfile-dir", required_argument, NULL, OPT_TEXTFILE_DIR },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "json-file", required_argument, NULL, OPT_JSON_FILE },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	memset(o, 0, sizeof(*o));
	if (argc < 2)
		return fail(err, errlen,
			    "missing command (watch, report, daemon, probe); try --help");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return DA_PARSE_HELP;
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))
		return DA_PARSE_VERSION;
	o->cmd = cmd_from_name(argv[1]);
	if (o->cmd == DA_CMD_NONE)
		return fail(err, errlen, "unknown command '%s' (watch, report, daemon, probe)",
			    argv[1]);

		/* Parse the command's own options; restartable for the unit tests. */
#ifdef __GLIBC__
	optind = 0;
#else
	optind = 1;
#endif
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, ":d:p:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			if (o->cmd == DA_CMD_PROBE || o->cmd == DA_CMD_DAEMON)
				return fail(err, errlen, "%s: --json is not supported%s",
					    cmd_names[o->cmd],
					    o->cmd == DA_CMD_DAEMON ? " (it always logs JSON)"
								    : "");
			o->json = true;
			break;
		case 'd':
			if (o->cmd == DA_CMD_PROBE || o->cmd == DA_CMD_DAEMON)
				return fail(err, errlen, "%s: --duration is not supported",
					    cmd_names[o->cmd]);
			if (parse_seconds(optarg, DA_MAX_DURATION, &v))
				return fail(
					err, errlen,
					"invalid --duration '%s': expected whole seconds, 1 to %u",
					optarg, DA_MAX_DURATION);
			o->duration = v;
			break;
		case 'p':
			if (o->cmd == DA_CMD_PROBE || o->cmd == DA_CMD_DAEMON)
				return fail(err, errlen, "%s: --pid is not supported",
					    cmd_names[o->cmd]);
			if (parse_seconds(optarg, 4194304, &v))
				return fail(err, errlen,
					    "invalid --pid '%s': expected a process id", optarg);
			o->pid = v;
			break;
		case OPT_ATTACH:
			o->set |= DA_SET_ATTACH;
			if (attach_from_name(optarg, &o->attach))
				return fail(
					err, errlen,
					"invalid --attach '%s': expected auto, fentry or kprobe",
					optarg);
			break;
		case OPT_BTF:
			if (!*optarg)
				return fail(err, errlen,
					    "invalid --btf '': expected a BTF file path");
			if (strlen(optarg) >= sizeof(o->btf_path))
				return fail(err, errlen,
					    "invalid --btf: path longer than %zu bytes",
					    sizeof(o->btf_path) - 1);
			strcpy(o->btf_path, optarg);
			o->set |= DA_SET_BTF;
			break;
		case OPT_FAIL_ON:
			if (o->cmd != DA_CMD_REPORT)
				return fail(err, errlen, "%s: --fail-on is a report option",
					    cmd_names[o->cmd]);
			if (!strcmp(optarg, "violation"))
				o->fail_on = DA_FAIL_ON_VIOLATION;
			else if (!strcmp(optarg, "warning"))
				o->fail_on = DA_FAIL_ON_WARNING;
			else
				return fail(err, errlen,
					    "invalid --fail-on '%s': expected violation or warning",
					    optarg);
			break;
		case OPT_CONFIG:
		case OPT_CHECK_CONFIG:
		case OPT_TEXTFILE_DIR:
		case OPT_INTERVAL:
		case OPT_JSON_FILE:
		case OPT_PIDFILE:
			if (o->cmd != DA_CMD_DAEMON)
				return fail(err, errlen, "%s: --%s is a daemon option",
					    cmd_names[o->cmd], daemon_opt_names[c - OPT_CONFIG]);
			if (daemon_option(o, c - OPT_CONFIG, optarg, err, errlen))
				return DA_PARSE_ERROR;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			return DA_PARSE_HELP;
		case 'V':
			return DA_PARSE_VERSION;
		case ':':
			return fail(err, errlen, "%s: option '%s' needs a value", cmd_names[o->cmd],
				    argv[optind]);
		default:
			/* inside a cluster (-xv) optind has not moved: name optopt */
			if (optopt > 0 && optopt < 0x100)
				return fail(err, errlen, "%s: unknown option '-%c'",
					    cmd_names[o->cmd], optopt);
			return fail(err, errlen, "%s: unknown option '%s'", cmd_names[o->cmd],
				    argv[optind]);
		}
	}
	if (optind < argc - 1)
		return fail(err, errlen, "%s: unexpected argument '%s'", cmd_names[o->cmd],
			    argv[optind + 1]);
	return DA_PARSE_RUN;
}
