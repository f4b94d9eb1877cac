/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Command line: commands, options, usage texts. No side effects but output. */
#ifndef DA_CLI_H
#define DA_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses: part of the contract (CI gates on them). */
#define DA_EXIT_OK	   0
#define DA_EXIT_VIOLATIONS 1
#define DA_EXIT_ERROR	   2 /* usage or runtime error */
/* run: the command failed on its own (no violation): nonzero exit or killed by a signal */
#define DA_EXIT_CMD_FAILED 3
/* run: the command could not be executed (as a shell says: 126 found but not run, 127 not found) */
#define DA_EXIT_CMD_NOEXEC   126
#define DA_EXIT_CMD_NOTFOUND 127

#define DA_MAX_DURATION (365u * 24 * 3600)

enum da_cmd { DA_CMD_NONE, DA_CMD_WATCH, DA_CMD_REPORT, DA_CMD_PROBE, DA_CMD_DAEMON, DA_CMD_RUN };
enum da_attach { DA_ATTACH_AUTO, DA_ATTACH_FENTRY, DA_ATTACH_KPROBE };
enum da_parse { DA_PARSE_RUN, DA_PARSE_HELP, DA_PARSE_VERSION, DA_PARSE_ERROR };
/* report --fail-on: what makes the exit status 1 */
enum da_fail_on { DA_FAIL_ON_VIOLATION, DA_FAIL_ON_WARNING };

#define DA_PATH_LEN	  1024
#define DA_DEFAULT_CONFIG "/etc/dmabuf-audit/dmabuf-audit.conf"
#define DA_MAX_INTERVAL	  86400u

/* Daemon settings given on the command line (they override the config file). */
enum da_set {
	DA_SET_TEXTFILE_DIR = 1 << 0,
	DA_SET_INTERVAL = 1 << 1,
	DA_SET_JSON_FILE = 1 << 2,
	DA_SET_PIDFILE = 1 << 3,
	DA_SET_ATTACH = 1 << 4,
	DA_SET_BTF = 1 << 5,
};

struct da_opts {
	enum da_cmd cmd;
	bool json;
	bool verbose;
	unsigned int duration; /* seconds; 0: until SIGINT/SIGTERM */
	uint32_t pid;	       /* 0: every process */
	enum da_attach attach;
	char btf_path[DA_PATH_LEN]; /* --btf: CO-RE from this BTF file ("": the kernel's) */
	enum da_fail_on fail_on;    /* report */
	bool inventory;		    /* report --inventory: every dma-buf, then exit */
	/* run */
	char **run_argv;	    /* the command and its arguments, NULL-terminated */
	char output[DA_PATH_LEN];   /* -o: the report to this file ("": stderr) */
	uint64_t cgroup_id;	    /* only findings of this cgroup v2 (the command's tree) */
	/* daemon */
	char config_path[DA_PATH_LEN]; /* "": DA_DEFAULT_CONFIG, absent is fine */
	bool check_config;
	unsigned int set; /* enum da_set: given on the command line */
	char textfile_dir[DA_PATH_LEN];
	unsigned int interval;
	char json_file[DA_PATH_LEN];
	char pidfile[DA_PATH_LEN];
};

/*
 * Parses argv into o. On DA_PARSE_ERROR, err holds a one-line message
 * (without program name or newline). Help/version leave o->cmd set to the
 * command they were asked for (DA_CMD_NONE for the top level).
 */
enum da_parse cli_parse(int argc, char **argv, struct da_opts *o, char *err, size_t errlen);
void cli_usage(FILE *f, enum da_cmd cmd);
const char *cmd_name(enum da_cmd cmd);
const char *attach_name(enum da_attach a);
/* "auto", "fentry", "kprobe" -> *a; -EINVAL otherwise */
int attach_from_name(const char *s, enum da_attach *a);
/* Whole seconds, 1 to max, digits only. 0 or -EINVAL. */
int parse_seconds(const char *s, unsigned long max, unsigned long *out);

#endif
