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

#define DA_MAX_DURATION (365u * 24 * 3600)

enum da_cmd { DA_CMD_NONE, DA_CMD_WATCH, DA_CMD_REPORT, DA_CMD_PROBE };
enum da_attach { DA_ATTACH_AUTO, DA_ATTACH_FENTRY, DA_ATTACH_KPROBE };
enum da_parse { DA_PARSE_RUN, DA_PARSE_HELP, DA_PARSE_VERSION, DA_PARSE_ERROR };

struct da_opts {
	enum da_cmd cmd;
	bool json;
	bool verbose;
	unsigned int duration; /* seconds; 0: until SIGINT/SIGTERM */
	uint32_t pid;	       /* 0: every process */
	enum da_attach attach;
	char btf_path[1024]; /* --btf: CO-RE from this BTF file ("": the kernel's) */
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

#endif
