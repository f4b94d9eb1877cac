// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit test runner: runs every test of every suite (or those whose name
 * contains argv[1]), prints `ok - name` or `FAIL - name` per test and ends
 * with `N passed, N failed`. Exit status 1 if any test failed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "unit.h"

extern const struct unit_suite unit_suite_cli;
extern const struct unit_suite unit_suite_json;
extern const struct unit_suite unit_suite_finding;
extern const struct unit_suite unit_suite_report;
extern const struct unit_suite unit_suite_ksyms;
extern const struct unit_suite unit_suite_mappings;
extern const struct unit_suite unit_suite_procscan;
extern const struct unit_suite unit_suite_config;
extern const struct unit_suite unit_suite_metrics;
extern const struct unit_suite unit_suite_notify;
extern const struct unit_suite unit_suite_log;
extern const struct unit_suite unit_suite_grow;
extern const struct unit_suite unit_suite_io;
extern const struct unit_suite unit_suite_caps;
extern const struct unit_suite unit_suite_fix;
extern const struct unit_suite unit_suite_inventory;

/* clang-format off */
static const struct unit_suite *const suites[] = {
	&unit_suite_cli,
	&unit_suite_json,
	&unit_suite_finding,
	&unit_suite_report,
	&unit_suite_ksyms,
	&unit_suite_mappings,
	&unit_suite_procscan,
	&unit_suite_config,
	&unit_suite_metrics,
	&unit_suite_notify,
	&unit_suite_log,
	&unit_suite_grow,
	&unit_suite_io,
	&unit_suite_caps,
	&unit_suite_fix,
	&unit_suite_inventory,
};
/* clang-format on */

static unsigned int cur_failures;
static const char *cur_skip;

void unit_skip(const char *why)
{
	cur_skip = why;
}

bool unit_failed(void)
{
	return cur_failures != 0;
}

void unit_print_escaped(const char *s)
{
	if (!s) {
		fputs("(null)", stdout);
		return;
	}
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\\' || *p == '"')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void fail_head(const char *file, int line, const char *what)
{
	const char *base = strrchr(file, '/');

	cur_failures++;
	printf("FAIL %s:%d %s: expected ", base ? base + 1 : file, line, what);
}

bool unit_check_u64(const char *file, int line, const char *what, uint64_t seen, uint64_t expected)
{
	if (seen == expected)
		return true;
	fail_head(file, line, what);
	printf("%" PRIu64 " (0x%" PRIx64 "), saw %" PRIu64 " (0x%" PRIx64 ")\n", expected, expected,
	       seen, seen);
	return false;
}

bool unit_check_s64(const char *file, int line, const char *what, int64_t seen, int64_t expected)
{
	if (seen == expected)
		return true;
	fail_head(file, line, what);
	printf("%" PRId64 ", saw %" PRId64 "\n", expected, seen);
	return false;
}

bool unit_check_str(const char *file, int line, const char *what, const char *seen,
		    const char *expected)
{
	if (seen && expected && !strcmp(seen, expected))
		return true;
	if (!seen && !expected)
		return true;
	fail_head(file, line, what);
	unit_print_escaped(expected);
	fputs(", saw ", stdout);
	unit_print_escaped(seen);
	putchar('\n');
	return false;
}

bool unit_check_strstr(const char *file, int line, const char *what, const char *haystack,
		       const char *needle, bool want)
{
	if (haystack && needle && !!strstr(haystack, needle) == want)
		return true;
	fail_head(file, line, what);
	fputs(want ? "a string containing " : "a string without ", stdout);
	unit_print_escaped(needle);
	fputs(", saw ", stdout);
	unit_print_escaped(haystack);
	putchar('\n');
	return false;
}

bool unit_check_bool(const char *file, int line, const char *what, bool seen, bool expected)
{
	if (seen == expected)
		return true;
	fail_head(file, line, what);
	printf("%s, saw %s\n", expected ? "true" : "false", seen ? "true" : "false");
	return false;
}

bool unit_check_ptr(const char *file, int line, const char *what, uintptr_t p, bool want_null)
{
	if (!p == want_null)
		return true;
	fail_head(file, line, what);
	printf("%s, saw 0x%" PRIxPTR "\n", want_null ? "NULL" : "a pointer", p);
	return false;
}

/* ---- strict JSON validator ------------------------------------------- */

struct jp {
	const unsigned char *p, *end;
	int depth;
};

static bool jp_value(struct jp *j);

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool jp_lit(struct jp *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return false;
	j->p += n;
	return true;
}

static bool jp_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* One UTF-8 sequence at j->p (first byte >= 0x80): RFC 3629 table 4. */
static bool jp_utf8(struct jp *j)
{
	const unsigned char *p = j->p;
	size_t left = j->end - p, n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0; /* overlong */
		if (p[0] == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90; /* overlong */
		if (p[0] == 0xf4)
			hi = 0x8f; /* > U+10FFFF */
	} else {
		return false;
	}
	if (left < n || p[1] < lo || p[1] > hi)
		return false;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return false;
	j->p += n;
	return true;
}

static bool jp_string(struct jp *j)
{
	j->p++; /* opening quote */
	while (j->p < j->end) {
		unsigned char c = *j->p;

		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c >= 0x80) {
			if (!jp_utf8(j))
				return false;
			continue;
		}
		j->p++;
		if (c != '\\')
			continue;
		if (j->p >= j->end)
			return false;
		c = *j->p++;
		if (c == 'u') {
			for (int i = 0; i < 4; i++, j->p++)
				if (j->p >= j->end || !jp_hex(*j->p))
					return false;
		} else if (!strchr("\"\\/bfnrt", c) || !c) {
			return false;
		}
	}
	return false;
}

static bool jp_digits(struct jp *j)
{
	const unsigned char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start;
}

static bool jp_number(struct jp *j)
{
	if (*j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!jp_digits(j))
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!jp_digits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!jp_digits(j))
			return false;
	}
	return true;
}

/* Object or array: open is '{' or '['. */
static bool jp_container(struct jp *j, unsigned char close)
{
	bool ok = false;

	if (++j->depth > 64)
		return false;
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		if (close == '}') {
			if (j->p >= j->end || *j->p != '"' || !jp_string(j))
				break;
			jp_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				break;
		}
		if (!jp_value(j))
			break;
		jp_ws(j);
		if (j->p >= j->end)
			break;
		if (*j->p == close) {
			j->p++;
			ok = true;
			break;
		}
		if (*j->p++ != ',')
			break;
		jp_ws(j);
	}
	j->depth--;
	return ok;
}

static bool jp_value(struct jp *j)
{
	jp_ws(j);
	if (j->p >= j->end)
		return false;
	switch (*j->p) {
	case '{':
		return jp_container(j, '}');
	case '[':
		return jp_container(j, ']');
	case '"':
		return jp_string(j);
	case 't':
		return jp_lit(j, "true");
	case 'f':
		return jp_lit(j, "false");
	case 'n':
		return jp_lit(j, "null");
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return jp_number(j);
		return false;
	}
}

bool unit_json_valid(const char *s, size_t len)
{
	struct jp j = { (const unsigned char *)s, (const unsigned char *)s + len, 0 };

	if (!jp_value(&j))
		return false;
	jp_ws(&j);
	return j.p == j.end;
}

bool unit_json_lines_valid(const char *s, size_t *bad_line)
{
	size_t line = 0;

	*bad_line = 0;
	while (*s) {
		const char *nl = strchr(s, '\n');

		line++;
		if (!nl || !unit_json_valid(s, nl - s)) {
			*bad_line = line;
			return false;
		}
		s = nl + 1;
	}
	return true;
}

bool unit_check_json(const char *file, int line, const char *what, const char *s, bool lines)
{
	size_t bad = 0;
	bool ok;

	if (!s)
		ok = false;
	else if (lines)
		ok = unit_json_lines_valid(s, &bad) && *s;
	else
		ok = unit_json_valid(s, strlen(s));
	if (ok)
		return true;
	fail_head(file, line, what);
	fputs(lines ? "JSON lines" : "one JSON value", stdout);
	if (bad)
		printf(" (line %zu bad)", bad);
	fputs(", saw ", stdout);
	unit_print_escaped(s);
	putchar('\n');
	return false;
}

/* ---- runner ------------------------------------------------------------ */

int main(int argc, char **argv)
{
	unsigned int passed = 0, failed = 0, skipped = 0;
	const char *filter = argc > 1 ? argv[1] : NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t s = 0; s < UNIT_ARRAY_SIZE(suites); s++) {
		for (size_t i = 0; i < suites[s]->len; i++) {
			const struct unit_test *t = &suites[s]->tests[i];

			if (filter && !strstr(t->name, filter))
				continue;
			cur_failures = 0;
			cur_skip = NULL;
			t->fn();
			if (cur_failures) {
				failed++;
				printf("FAIL - %s\n", t->name);
			} else if (cur_skip) {
				skipped++;
				printf("skip - %s: %s\n", t->name, cur_skip);
			} else {
				passed++;
				printf("ok - %s\n", t->name);
			}
		}
	}
	printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
