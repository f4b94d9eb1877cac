// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char *const cmd_names[] = {
	[DA_CMD_NONE] = "",
	[DA_CMD_WATCH] = "watch",
	[DA_CMD_REPORT] = "report",
	[DA_CMD_PROBE] = "probe",
};

const char *cmd_name(enum da_cmd cmd)
{
	return cmd_names[cmd];
}

const char *attach_name(enum da_attach a)
{
	return a == DA_ATTACH_FENTRY ? "fentry" : a == DA_ATTACH_KPROBE ? "kprobe" : "auto";
}

static const char usage_top[] =
	"Usage: dmabuf-audit COMMAND [OPTIONS]\n"
	"Find dma-buf mappings that let get_user_pages take struct pages.\n"
	"\n"
	"Commands:\n"
	"  watch    stream findings until SIGINT/SIGTERM or --duration\n"
	"  report   observe, then print a summary; exit 1 if violations found\n"
	"  probe    show which detectors can attach on this kernel, and how\n"
	"\n"
	"  -h, --help     this help (COMMAND --help for a command's options)\n"
	"  -V, --version  print the version\n"
	"\n"
	"Exit status: 0 no violation, 1 violations found (report) or a detector\n"
	"cannot run (probe), 2 usage or runtime error.\n";

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
		fputs("Usage: dmabuf-audit report [--duration SEC] [--json] [-p PID] [-v]\n"
		      "Scan the dma-buf mappings that exist, observe for SEC seconds (or until\n"
		      "SIGINT/SIGTERM), then print the mapped dma-buf memory (Rss/Pss) and the\n"
		      "findings aggregated per kind, process, buffer and mapping.\n"
		      "Exit status: 0 no violation, 1 violations found, 2 error\n"
		      "(gup_blocked warnings alone exit 0).\n"
		      "\n"
		      "      --json           findings as JSON lines, then {\"summary\": {...}}\n"
		      "  -d, --duration SEC   observe SEC seconds (default: until a signal)\n"
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

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
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

static enum da_cmd cmd_from_name(const char *s)
{
	for (int c = DA_CMD_WATCH; c <= DA_CMD_PROBE; c++)
		if (!strcmp(cmd_names[c], s))
			return c;
	return DA_CMD_NONE;
}

enum da_parse cli_parse(int argc, char **argv, struct da_opts *o, char *err, size_t errlen)
{
	enum { OPT_JSON = 0x100, OPT_ATTACH, OPT_BTF };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "duration", required_argument, NULL, 'd' },
		{ "pid", required_argument, NULL, 'p' },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "btf", required_argument, NULL, OPT_BTF },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	memset(o, 0, sizeof(*o));
	if (argc < 2)
		return fail(err, errlen, "missing command (watch, report, probe); try --help");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return DA_PARSE_HELP;
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))
		return DA_PARSE_VERSION;
	o->cmd = cmd_from_name(argv[1]);
	if (o->cmd == DA_CMD_NONE)
		return fail(err, errlen, "unknown command '%s' (watch, report, probe)", argv[1]);

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
			if (o->cmd == DA_CMD_PROBE)
				return fail(err, errlen, "probe: --json is not supported");
			o->json = true;
			break;
		case 'd':
			if (o->cmd == DA_CMD_PROBE)
				return fail(err, errlen, "probe: --duration is not supported");
			if (parse_uint(optarg, DA_MAX_DURATION, &v))
				return fail(
					err, errlen,
					"invalid --duration '%s': expected whole seconds, 1 to %u",
					optarg, DA_MAX_DURATION);
			o->duration = v;
			break;
		case 'p':
			if (o->cmd == DA_CMD_PROBE)
				return fail(err, errlen, "probe: --pid is not supported");
			if (parse_uint(optarg, 4194304, &v))
				return fail(err, errlen,
					    "invalid --pid '%s': expected a process id", optarg);
			o->pid = v;
			break;
		case OPT_ATTACH:
			if (!strcmp(optarg, "auto"))
				o->attach = DA_ATTACH_AUTO;
			else if (!strcmp(optarg, "fentry"))
				o->attach = DA_ATTACH_FENTRY;
			else if (!strcmp(optarg, "kprobe"))
				o->attach = DA_ATTACH_KPROBE;
			else
				return fail(
					err, errlen,
					"invalid --attach '%s': expected auto, fentry or kprobe",
					optarg);
			break;
		case OPT_BTF:
			if (!*optarg)
				return fail(err, errlen, "invalid --btf '': expected a BTF file path");
			if (strlen(optarg) >= sizeof(o->btf_path))
				return fail(err, errlen, "invalid --btf: path longer than %zu bytes",
					    sizeof(o->btf_path) - 1);
			strcpy(o->btf_path, optarg);
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
