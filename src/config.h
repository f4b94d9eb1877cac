/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The daemon's configuration: /etc/dmabuf-audit/dmabuf-audit.conf (INI),
 * then the command line on top. Parsing has no side effects but the
 * returned struct and a one-line error ("PATH:LINE: what").
 *
 *   [daemon]                 keys are the long options' names
 *   textfile-dir = DIR       '' disables the textfile
 *   interval = SEC
 *   json-file = PATH|-
 *   pidfile = PATH
 *   attach = auto|fentry|kprobe
 *   btf = PATH
 *   max-findings = N         config only: the finding table's size
 *
 *   [suppress]               one rule per section; keys AND, list items OR
 *   exporter = i915, vgem    fnmatch(3) patterns
 *   comm = weston*           fnmatch(3) patterns
 *   kind = gup_blocked       kind names
 *
 * A comment starts at a '#' or ';' that begins the line or the value or
 * follows a blank, and runs to the end of the line ("json-file = -  # stdout");
 * inside a word ("a#b") it is text. No quoting: a value cannot hold " #".
 * Lines are at most 4096 bytes, text only: a NUL or control byte (tab aside)
 * is an error, never cut or kept.
 */
#ifndef DA_CONFIG_H
#define DA_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "cli.h"
#include "dmabuf_audit.h"

#define DA_DEFAULT_TEXTFILE_DIR "/var/lib/prometheus/node-exporter"
#define DA_DEFAULT_INTERVAL	30
#define DA_DEFAULT_MAX_FINDINGS 16384 /* ~7 MiB at most; further events only counted */
#define DA_MAX_MAX_FINDINGS	1048576
#define DA_MAX_RULES		64
#define DA_RULE_PATTERNS	8
#define DA_PATTERN_LEN		64

struct da_rule {
	uint32_t kinds; /* bit per kind; 0: any kind */
	int nexporter, ncomm;
	char exporter[DA_RULE_PATTERNS][DA_PATTERN_LEN];
	char comm[DA_RULE_PATTERNS][DA_PATTERN_LEN];
	unsigned int line; /* where it starts, for messages */
};

struct da_config {
	char textfile_dir[DA_PATH_LEN]; /* "": no textfile */
	unsigned int interval;		/* seconds */
	char json_file[DA_PATH_LEN];	/* "-": stdout */
	char pidfile[DA_PATH_LEN];	/* "": none */
	enum da_attach attach;
	char btf_path[DA_PATH_LEN];
	unsigned int max_findings;	/* distinct findings itemised at once */
	bool inventory;			/* every dma-buf each interval (buffers, bytes) */
	struct da_rule rules[DA_MAX_RULES];
	int nrules;
};

void config_defaults(struct da_config *c);
/* Parses INI text from f (name: for messages). 0, or -EINVAL (-EIO: read error) with err set. */
int config_parse(struct da_config *c, FILE *f, const char *name, char *err, size_t errlen);
/*
 * Defaults, then path (o->config_path, else DA_DEFAULT_CONFIG, which may be
 * absent), then the command line's settings. 0 or -errno with err set.
 */
int config_load(struct da_config *c, const struct da_opts *o, char *err, size_t errlen);
/* The rule (1-based) that suppresses this finding, 0 if none. */
int config_suppressed(const struct da_config *c, uint32_t kind, const char *exporter,
		      const char *comm);
/* "2 suppression rules, textfile /x/dmabuf_audit.prom every 30 s, JSON to stdout, attach auto" */
void config_describe(const struct da_config *c, char *buf, size_t len);

#endif
