// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemon's config parser, config_parse() (src/config.c), on any bytes.
 *
 * Asserts, besides no crash, leak or undefined behaviour (ASan, UBSan,
 * LeakSanitizer):
 * - it returns 0 or -EINVAL (-EIO is for read errors, which fmemopen has none);
 * - on -EINVAL the message is "NAME:LINE: what", LINE within the input's
 *   lines, one line (no control byte but tab: the parser refuses lines with
 *   others, so no value can carry one into the message);
 * - on 0 the message buffer is untouched and the config is what its header
 *   promises: strings terminated in their arrays, free of control bytes but
 *   tab, json-file never empty, interval 1 to DA_MAX_INTERVAL, a known attach
 *   mode, at most DA_MAX_RULES rules, none empty (it would hide every
 *   finding), each with at most DA_RULE_PATTERNS non-empty patterns and only
 *   known kinds;
 * - a second parse of the same text gives the same config, byte for byte;
 * - each rule whose patterns are plain words suppresses a finding made of
 *   its own first kind, exporter and comm (config_suppressed() returns that
 *   rule or an earlier one), and config_describe() stays in its buffer.
 */
#include <errno.h>
#include <stdbool.h>
#include "config.h"
#include "finding.h"
#include "fuzz.h"

#define NAME "fuzz.conf"

static bool text_ok(const char *s, size_t len)
{
	size_t n = strnlen(s, len);

	if (n == len)
		return false; /* not terminated */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static bool plain(const char *pattern)
{
	return !strpbrk(pattern, "*?[\\");
}

static void check_config(const struct da_config *c)
{
	FUZZ_ASSERT(text_ok(c->textfile_dir, sizeof(c->textfile_dir)), "textfile-dir");
	FUZZ_ASSERT(text_ok(c->json_file, sizeof(c->json_file)) && c->json_file[0], "json-file");
	FUZZ_ASSERT(text_ok(c->pidfile, sizeof(c->pidfile)), "pidfile");
	FUZZ_ASSERT(text_ok(c->btf_path, sizeof(c->btf_path)), "btf");
	FUZZ_ASSERT(c->interval >= 1 && c->interval <= DA_MAX_INTERVAL, "interval in range");
	FUZZ_ASSERT(c->attach >= DA_ATTACH_AUTO && c->attach <= DA_ATTACH_KPROBE, "attach mode");
	FUZZ_ASSERT(c->nrules >= 0 && c->nrules <= DA_MAX_RULES, "rule count");
	for (int i = 0; i < c->nrules; i++) {
		const struct da_rule *r = &c->rules[i];

		FUZZ_ASSERT(r->kinds || r->nexporter || r->ncomm, "no empty [suppress]");
		FUZZ_ASSERT(!(r->kinds & ~(((1u << DA_KIND_MAX) - 1) & ~1u)), "known kinds only");
		FUZZ_ASSERT(r->nexporter >= 0 && r->nexporter <= DA_RULE_PATTERNS, "exporters");
		FUZZ_ASSERT(r->ncomm >= 0 && r->ncomm <= DA_RULE_PATTERNS, "comms");
		FUZZ_ASSERT(r->line >= 1, "rule line");
		for (int j = 0; j < r->nexporter; j++)
			FUZZ_ASSERT(text_ok(r->exporter[j], DA_PATTERN_LEN) && r->exporter[j][0],
				    "exporter pattern");
		for (int j = 0; j < r->ncomm; j++)
			FUZZ_ASSERT(text_ok(r->comm[j], DA_PATTERN_LEN) && r->comm[j][0],
				    "comm pattern");
	}
}

/* A finding built from rule i's own first items is suppressed by it (or an earlier rule). */
static void check_suppress(const struct da_config *c)
{
	for (int i = 0; i < c->nrules; i++) {
		const struct da_rule *r = &c->rules[i];
		uint32_t kind = DA_KIND_MMAP_WITHOUT_PFNMAP;
		const char *exporter = "any-exporter", *comm = "any-comm";
		int hit;

		if (r->nexporter) {
			if (!plain(r->exporter[0]))
				continue;
			exporter = r->exporter[0];
		}
		if (r->ncomm) {
			if (!plain(r->comm[0]))
				continue;
			comm = r->comm[0];
		}
		if (r->kinds)
			kind = (uint32_t)__builtin_ctz(r->kinds);
		hit = config_suppressed(c, kind, exporter, comm);
		FUZZ_ASSERT(hit >= 1 && hit <= i + 1, "a rule suppresses its own finding");
	}
}

static int parse(const uint8_t *data, size_t size, struct da_config *c, char *err, size_t errlen)
{
	char *copy;
	FILE *f = fuzz_fopen(data, size, &copy);
	int ret;

	config_defaults(c);
	err[0] = '\0';
	ret = config_parse(c, f, NAME, err, errlen);
	fclose(f);
	free(copy);
	return ret;
}

static size_t count_lines(const uint8_t *data, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n' || data[i] == '\r';
	return n + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct da_config c, again; /* about 70 KiB each */
	char err[512], err2[512], desc[DA_PATH_LEN + 256];
	unsigned long line;
	char *end;
	int ret;

	ret = parse(data, size, &c, err, sizeof(err));
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL, "0 or -EINVAL");
	if (ret) {
		FUZZ_ASSERT(!strncmp(err, NAME ":", strlen(NAME ":")), "message names the file");
		line = strtoul(err + strlen(NAME ":"), &end, 10);
		FUZZ_ASSERT(line >= 1 && line <= count_lines(data, size), "message's line number");
		FUZZ_ASSERT(!strncmp(end, ": ", 2) && end[2], "message says what");
		FUZZ_ASSERT(text_ok(err, sizeof(err)), "message is one line");
	} else {
		FUZZ_ASSERT(!err[0], "no message on success");
		check_config(&c);
		check_suppress(&c);
		config_describe(&c, desc, sizeof(desc));
		FUZZ_ASSERT(strnlen(desc, sizeof(desc)) < sizeof(desc), "describe terminated");
	}

	FUZZ_ASSERT(parse(data, size, &again, err2, sizeof(err2)) == ret, "same result twice");
	FUZZ_ASSERT(!memcmp(&c, &again, sizeof(c)), "same config twice");
	FUZZ_ASSERT(!strcmp(err, err2), "same message twice");
	return 0;
}
