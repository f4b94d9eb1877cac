// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* config.c: defaults, INI parsing and its errors, suppression, load, describe. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "config.h"
#include "finding.h"
#include "unit.h"

#define NAME   "t.conf"
#define BIT(k) (1u << (k))

/* ~70 KiB: one shared instance instead of a stack copy per test. */
static struct da_config cfg;

/* Defaults, then config_parse() of text[0..len) named NAME. */
static int parse_mem(const char *text, size_t len, char *err, size_t errlen)
{
	FILE *f;
	int ret;

	config_defaults(&cfg);
	memset(err, 0, errlen);
	/* fmemopen() refuses size 0 */
	f = len ? fmemopen((void *)text, len, "r") : fopen("/dev/null", "re");
	if (!ASSERT_OK_PTR(f, "open the config text"))
		return -999;
	ret = config_parse(&cfg, f, NAME, err, errlen);
	fclose(f);
	return ret;
}

static int parse_str(const char *text, char *err, size_t errlen)
{
	return parse_mem(text, strlen(text), err, errlen);
}

/* text[0..len) must fail with -EINVAL and exactly msg. */
static void expect_error_mem(const char *text, size_t len, const char *msg, const char *what)
{
	char err[512];
	int ret = parse_mem(text, len, err, sizeof(err));

	if (!ASSERT_EQ_INT(ret, -EINVAL, what))
		printf("  input: "), unit_print_escaped(text), putchar('\n');
	ASSERT_STREQ(err, msg, what);
}

static void expect_error(const char *text, const char *msg, const char *what)
{
	expect_error_mem(text, strlen(text), msg, what);
}

/* text must parse (returns 0) with an empty error. */
static bool expect_ok(const char *text, const char *what)
{
	char err[512];
	int ret = parse_str(text, err, sizeof(err));

	ASSERT_STREQ(err, "", what);
	return ASSERT_EQ_INT(ret, 0, what);
}

static void assert_defaults(const struct da_config *c)
{
	ASSERT_STREQ(c->textfile_dir, "/var/lib/prometheus/node-exporter", "default textfile-dir");
	ASSERT_EQ_U64(c->interval, 30, "default interval");
	ASSERT_STREQ(c->json_file, "-", "default json-file");
	ASSERT_STREQ(c->pidfile, "", "default pidfile");
	ASSERT_EQ_INT(c->attach, DA_ATTACH_AUTO, "default attach");
	ASSERT_STREQ(c->btf_path, "", "default btf");
	ASSERT_EQ_U64(c->max_findings, 16384, "default max-findings");
	ASSERT_TRUE(c->inventory, "default inventory yes");
	ASSERT_EQ_INT(c->nrules, 0, "default rules");
}

static void test_config_defaults(void)
{
	memset(&cfg, 0xa5, sizeof(cfg)); /* config_defaults must reset everything */
	config_defaults(&cfg);
	assert_defaults(&cfg);
	ASSERT_EQ_U64(cfg.rules[0].kinds, 0, "rule slots cleared");
	ASSERT_EQ_INT(cfg.rules[DA_MAX_RULES - 1].nexporter, 0, "last rule slot cleared");

	/* An empty file and a file of comments change nothing. */
	if (expect_ok("", "empty file"))
		assert_defaults(&cfg);
	if (expect_ok("# only\n; comments\n\n   \n\t# indented\n", "comments only"))
		assert_defaults(&cfg);
}

static const char full_file[] = "# dmabuf-audit configuration\n"	     /* 1 */
				"; a comment of the other style\n"	     /* 2 */
				"\n"					     /* 3 */
				"  [ daemon ]  \n"			     /* 4 */
				"textfile-dir   =   /run/prometheus  \n"     /* 5 */
				"interval=15\n"				     /* 6 */
				"\tjson-file = /var/log/dmabuf-audit.json\n" /* 7 */
				"   # indented comment\n"		     /* 8 */
				"pidfile = /run/dmabuf-audit.pid\n"	     /* 9 */
				"attach = kprobe\n"			     /* 10 */
				"btf = /boot/vmlinux.btf\n"		     /* 11 */
				"\n"					     /* 12 */
				"[suppress]\n"				     /* 13 */
				"; i915 under weston is known\n"	     /* 14 */
				"exporter = i915, i9*\n"		     /* 15 */
				"comm = weston*\n"			     /* 16 */
				"kind = gup_blocked\n"			     /* 17 */
				"\n"					     /* 18 */
				"[suppress]\n"				     /* 19 */
				"kind = mmap_without_pfnmap, gup_on_dmabuf pte_not_special\n"
				"exporter=vgem\n";

static void test_config_parse_full(void)
{
	const struct da_rule *r;

	if (!expect_ok(full_file, "full file"))
		return;
	ASSERT_STREQ(cfg.textfile_dir, "/run/prometheus", "textfile-dir");
	ASSERT_EQ_U64(cfg.interval, 15, "interval");
	ASSERT_STREQ(cfg.json_file, "/var/log/dmabuf-audit.json", "json-file");
	ASSERT_STREQ(cfg.pidfile, "/run/dmabuf-audit.pid", "pidfile");
	ASSERT_EQ_INT(cfg.attach, DA_ATTACH_KPROBE, "attach");
	ASSERT_STREQ(cfg.btf_path, "/boot/vmlinux.btf", "btf");
	if (!ASSERT_EQ_INT(cfg.nrules, 2, "two [suppress] sections, two rules"))
		return;

	r = &cfg.rules[0];
	ASSERT_EQ_U64(r->kinds, BIT(DA_KIND_GUP_BLOCKED), "rule 1 kinds");
	ASSERT_EQ_U64(r->kinds, 0x10, "rule 1 kinds (value)");
	ASSERT_EQ_INT(r->nexporter, 2, "rule 1 exporters");
	ASSERT_STREQ(r->exporter[0], "i915", "rule 1 exporter 1");
	ASSERT_STREQ(r->exporter[1], "i9*", "rule 1 exporter 2");
	ASSERT_EQ_INT(r->ncomm, 1, "rule 1 comms");
	ASSERT_STREQ(r->comm[0], "weston*", "rule 1 comm");
	ASSERT_EQ_U64(r->line, 13, "rule 1 line");

	r = &cfg.rules[1];
	ASSERT_EQ_U64(r->kinds,
		      BIT(DA_KIND_MMAP_WITHOUT_PFNMAP) | BIT(DA_KIND_GUP_ON_DMABUF) |
			      BIT(DA_KIND_PTE_NOT_SPECIAL),
		      "rule 2 kinds");
	ASSERT_EQ_U64(r->kinds, 0x46, "rule 2 kinds (value)");
	ASSERT_EQ_INT(r->nexporter, 1, "rule 2 exporters");
	ASSERT_STREQ(r->exporter[0], "vgem", "rule 2 exporter");
	ASSERT_EQ_INT(r->ncomm, 0, "rule 2 comms");
	ASSERT_EQ_U64(r->line, 19, "rule 2 line");
}

static void test_config_parse_keys(void)
{
	/* Each key alone; the others keep their defaults. */
	if (expect_ok("[daemon]\ntextfile-dir =\n", "textfile-dir empty")) {
		ASSERT_STREQ(cfg.textfile_dir, "", "textfile-dir '' disables");
		ASSERT_EQ_U64(cfg.interval, 30, "interval untouched");
	}
	if (expect_ok("[daemon]\ninterval = 1\n", "interval 1"))
		ASSERT_EQ_U64(cfg.interval, 1, "interval min");
	if (expect_ok("[daemon]\ninterval = 86400\n", "interval 86400"))
		ASSERT_EQ_U64(cfg.interval, 86400, "interval max");
	if (expect_ok("[daemon]\njson-file = -\n", "json-file -"))
		ASSERT_STREQ(cfg.json_file, "-", "json-file stdout");
	if (expect_ok("[daemon]\npidfile = /p\n", "pidfile"))
		ASSERT_STREQ(cfg.pidfile, "/p", "pidfile");
	if (expect_ok("[daemon]\nattach = fentry\n", "attach fentry"))
		ASSERT_EQ_INT(cfg.attach, DA_ATTACH_FENTRY, "attach fentry");
	if (expect_ok("[daemon]\nattach = kprobe\nattach = auto\n", "attach auto"))
		ASSERT_EQ_INT(cfg.attach, DA_ATTACH_AUTO, "the last value wins");
	if (expect_ok("[daemon]\nbtf = /b\n", "btf"))
		ASSERT_STREQ(cfg.btf_path, "/b", "btf");
	if (expect_ok("[daemon]\nmax-findings = 16\n", "max-findings 16"))
		ASSERT_EQ_U64(cfg.max_findings, 16, "max-findings min");
	if (expect_ok("[daemon]\nmax-findings = 1048576\n", "max-findings max"))
		ASSERT_EQ_U64(cfg.max_findings, 1048576, "max-findings max");
	if (expect_ok("[daemon]\ninventory = no\n", "inventory no"))
		ASSERT_FALSE(cfg.inventory, "inventory no");
	/* CRLF line ends (a file edited on Windows) */
	if (expect_ok("[daemon]\r\ninterval = 20\r\npidfile = /q\r\n", "CRLF")) {
		ASSERT_EQ_U64(cfg.interval, 20, "CRLF interval");
		ASSERT_STREQ(cfg.pidfile, "/q", "CRLF pidfile");
	}
	/* No newline at the end of the last line. */
	if (expect_ok("[daemon]\ninterval = 7", "no final newline"))
		ASSERT_EQ_U64(cfg.interval, 7, "last line without newline");
	/* Two [daemon] sections are one. */
	if (expect_ok("[daemon]\ninterval = 8\n[daemon]\npidfile = /r\n", "two [daemon]")) {
		ASSERT_EQ_U64(cfg.interval, 8, "first [daemon]");
		ASSERT_STREQ(cfg.pidfile, "/r", "second [daemon]");
	}
}

static void test_config_parse_lists(void)
{
	const struct da_rule *r = &cfg.rules[0];

	if (!expect_ok("[suppress]\nexporter = a, b c\t d,e ,  f\ncomm=x,y\n", "list separators"))
		return;
	ASSERT_EQ_INT(cfg.nrules, 1, "one rule");
	ASSERT_EQ_INT(r->nexporter, 6, "6 exporters");
	ASSERT_STREQ(r->exporter[0], "a", "item 1");
	ASSERT_STREQ(r->exporter[1], "b", "item 2");
	ASSERT_STREQ(r->exporter[2], "c", "item 3");
	ASSERT_STREQ(r->exporter[3], "d", "item 4");
	ASSERT_STREQ(r->exporter[4], "e", "item 5");
	ASSERT_STREQ(r->exporter[5], "f", "item 6");
	ASSERT_EQ_INT(r->ncomm, 2, "2 comms");
	ASSERT_STREQ(r->comm[0], "x", "comm 1");
	ASSERT_STREQ(r->comm[1], "y", "comm 2");
	ASSERT_EQ_U64(r->kinds, 0, "no kind: any kind");

	/* A key given twice in a rule adds to its list. */
	if (expect_ok("[suppress]\nexporter = a b\nexporter = c\nkind = gup_blocked\n"
		      "kind = pte_not_special\n",
		      "repeated keys")) {
		ASSERT_EQ_INT(r->nexporter, 3, "exporters of both lines");
		ASSERT_STREQ(r->exporter[2], "c", "third exporter");
		ASSERT_EQ_U64(r->kinds, 0x50, "kinds of both lines");
	}
	/* Every kind name */
	if (expect_ok("[suppress]\nkind = mmap_without_pfnmap gup_on_dmabuf page_insert_on_dmabuf "
		      "gup_blocked gup_fast_on_dmabuf pte_not_special\n",
		      "all kinds"))
		ASSERT_EQ_U64(r->kinds, 0x7e, "all kinds: bits 1..6");
	/* 8 patterns and 63 bytes are the limits, included */
	if (expect_ok("[suppress]\ncomm = 1 2 3 4 5 6 7 8\nexporter = "
		      "123456789012345678901234567890123456789012345678901234567890abc\n",
		      "limits")) {
		ASSERT_EQ_INT(r->ncomm, 8, "8 patterns");
		ASSERT_STREQ(r->comm[7], "8", "8th pattern");
		ASSERT_EQ_U64(strlen(r->exporter[0]), 63, "63-byte pattern");
	}
}

/* A case whose text holds a NUL: its length from the literal. */
/* clang-format off */
#define WITH_LEN(name, text, msg) { name, text, msg, sizeof(text) - 1 }
/* clang-format on */

/* Text config_parse() refuses: -EINVAL with exactly this message. */
static void test_config_errors(void)
{
	static const struct {
		const char *name, *text, *msg;
	} cases[] = {
		/* structure */
		{ "unknown section", "[daemon]\n[bogus]\n",
		  NAME ":2: unknown section [bogus] (daemon, suppress)" },
		{ "section names are case-sensitive", "[Daemon]\n",
		  NAME ":1: unknown section [Daemon] (daemon, suppress)" },
		{ "key outside a section", "# c\n\ninterval = 5\n",
		  NAME ":3: key 'interval' outside a section ([daemon] or [suppress])" },
		{ "missing '='", "[daemon]\ninterval 30\n",
		  NAME ":2: expected 'key = value' or '[section]'" },
		{ "missing key", "[daemon]\n  = 30\n", NAME ":2: missing key before '='" },
		{ "header without ']'", "[daemon\ninterval = 5\n",
		  NAME ":1: malformed section header" },
		{ "text after ']'", "[daemon]\n[daemon] x\n", NAME ":2: malformed section header" },
		/* unknown keys */
		{ "unknown key in [daemon]", "[daemon]\ninterval = 5\nfoo = 1\n",
		  NAME ":3: unknown key 'foo' in [daemon] (textfile-dir, interval, json-file, "
		       "pidfile, attach, btf, max-findings, inventory)" },
		{ "[suppress] key in [daemon]", "[daemon]\nkind = gup_blocked\n",
		  NAME ":2: unknown key 'kind' in [daemon] (textfile-dir, interval, json-file, "
		       "pidfile, attach, btf, max-findings, inventory)" },
		{ "unknown key in [suppress]", "[suppress]\nkind = gup_blocked\nfoo = x\n",
		  NAME ":3: unknown key 'foo' in [suppress] (exporter, comm, kind)" },
		{ "[daemon] key in [suppress]", "[suppress]\ninterval = 5\n",
		  NAME ":2: unknown key 'interval' in [suppress] (exporter, comm, kind)" },
		/* values */
		{ "bad attach", "[daemon]\nattach = uprobe\n",
		  NAME ":2: attach 'uprobe': expected auto, fentry or kprobe" },
		{ "empty attach", "[daemon]\nattach =\n",
		  NAME ":2: attach '': expected auto, fentry or kprobe" },
		{ "empty json-file", "[daemon]\njson-file =\n",
		  NAME ":2: json-file needs a value" },
		{ "unknown kind", "[suppress]\nkind = gup_blocked, bogus\n",
		  NAME ":2: unknown kind 'bogus'" },
		{ "'none' is not a finding kind", "[suppress]\nkind = none\n",
		  NAME ":2: unknown kind 'none'" },
		{ "empty kind list", "[suppress]\nkind =\n", NAME ":2: empty list" },
		{ "only separators", "[suppress]\nexporter = , ,\n", NAME ":2: empty list" },
		/* an empty [suppress]: the error names the section's line */
		{ "empty [suppress] at EOF",
		  "[daemon]\ninterval = 5\n\n[suppress]\n# nothing yet\n\n",
		  NAME ":4: [suppress] without exporter, comm or kind would hide every finding" },
		{ "empty [suppress] before [daemon]",
		  "[suppress]\nkind = gup_blocked\n[suppress]\n; empty\n[daemon]\ninterval = 5\n",
		  NAME ":3: [suppress] without exporter, comm or kind would hide every finding" },
		{ "empty [suppress] before [suppress]",
		  "[suppress]\n[suppress]\nkind = gup_blocked\n",
		  NAME ":1: [suppress] without exporter, comm or kind would hide every finding" },
		{ "max-findings too small", "[daemon]\nmax-findings = 15\n",
		  NAME ":2: max-findings '15': expected a whole number, 16 to 1048576" },
		{ "max-findings too big", "[daemon]\nmax-findings = 1048577\n",
		  NAME ":2: max-findings '1048577': expected a whole number, 16 to 1048576" },
		{ "inventory not yes or no", "[daemon]\ninventory = off\n",
		  NAME ":2: inventory 'off': expected yes or no" },
		{ "max-findings not a number", "[daemon]\nmax-findings = 1k\n",
		  NAME ":2: max-findings '1k': expected a whole number, 16 to 1048576" },
		/* patterns */
		{ "9 patterns", "[suppress]\nexporter = a b c d e f g h i\n",
		  NAME ":2: more than 8 patterns in one key" },
		{ "9 patterns over 3 lines",
		  "[suppress]\ncomm = a b c d e\ncomm = f g h\ncomm = i\n",
		  NAME ":4: more than 8 patterns in one key" },
		{ "64-byte pattern",
		  "[suppress]\nexporter = vgem "
		  "123456789012345678901234567890123456789012345678901234567890abcd\n",
		  NAME ":2: pattern '12345678901234567890...' longer than 63 bytes" },
		/* comments: a '#' or ';' after a blank or '=' starts one, in a word it is text */
		{ "value of only a comment", "[daemon]\njson-file = # stdout\n",
		  NAME ":2: json-file needs a value" },
		{ "'#' right after '='", "[daemon]\njson-file =#x\n",
		  NAME ":2: json-file needs a value" },
		{ "';' comment as a value", "[daemon]\njson-file = ; stdout\n",
		  NAME ":2: json-file needs a value" },
		{ "'#' inside a word is text", "[daemon]\ninterval = 5#6\n",
		  NAME ":2: interval '5#6': expected whole seconds, 1 to 86400" },
		{ "comment cuts a key", "[daemon]\ninter # val = 5\n",
		  NAME ":2: expected 'key = value' or '[section]'" },
		{ "list of only a comment", "[suppress]\nkind = # gup_blocked\n",
		  NAME ":2: empty list" },
	};
	char what[128];

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		snprintf(what, sizeof(what), "[%zu] %s", i, cases[i].name);
		expect_error(cases[i].text, cases[i].msg, what);
	}
}

/* Bytes that are not text: refused where they are, never cut off or kept. */
static void test_config_err_bytes(void)
{
	static const struct {
		const char *name, *text, *msg;
		size_t len;
	} cases[] = {
		WITH_LEN("NUL byte mid-value", "[daemon]\njson-file = /var/log/a\0b.json\n",
			 NAME ":2: NUL byte at column 23"),
		WITH_LEN("NUL byte in a comment", "# a\0b\n[daemon]\n",
			 NAME ":1: NUL byte at column 4"),
		WITH_LEN("NUL byte as the last byte", "[daemon]\ninterval = 5\0",
			 NAME ":2: NUL byte at column 13"),
		WITH_LEN("CR inside a line", "[daemon]\ninterval = 5\r6\n",
			 NAME ":2: control character 0x0d at column 13"),
		WITH_LEN("ESC in a value", "[daemon]\nattach = \x1b[31mkprobe\n",
			 NAME ":2: control character 0x1b at column 10"),
		WITH_LEN("vertical tab in a path", "[daemon]\njson-file = /a\v/b\n",
			 NAME ":2: control character 0x0b at column 15"),
		WITH_LEN("form feed in a comment", "[daemon]\n# page\f\n",
			 NAME ":2: control character 0x0c at column 7"),
		WITH_LEN("DEL in a pattern", "[suppress]\ncomm = a\x7f\n",
			 NAME ":2: control character 0x7f at column 9"),
	};
	char what[128];

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		snprintf(what, sizeof(what), "[%zu] %s", i, cases[i].name);
		expect_error_mem(cases[i].text, cases[i].len, cases[i].msg, what);
	}
}

/*
 * "[daemon]\n" then one line of len bytes: head, 'x' up to len, tail (the
 * tail's bytes are counted in len), '\n'; then after (may be ""). Freed by
 * the caller; *total is the text's length (it may hold a NUL).
 */
static char *long_line(const char *head, size_t headlen, size_t len, const char *tail,
		       const char *after, size_t *total)
{
	size_t pre = strlen("[daemon]\n"), tl = strlen(tail), al = strlen(after);
	char *t = malloc(pre + len + 1 + al + 1);

	if (!ASSERT_OK_PTR(t, "malloc") || !ASSERT_TRUE(headlen + tl <= len, "line fits"))
		return free(t), NULL;
	memcpy(t, "[daemon]\n", pre);
	memcpy(t + pre, head, headlen);
	memset(t + pre + headlen, 'x', len - headlen - tl);
	memcpy(t + pre + len - tl, tail, tl);
	t[pre + len] = '\n';
	memcpy(t + pre + len + 1, after, al + 1);
	*total = pre + len + 1 + al;
	return t;
}

/*
 * Long lines: a line is read whole or refused, never split: the end of a
 * long comment is not a line of its own, even behind a NUL that a
 * strlen() of the buffer would stop at.
 */
static void test_config_long_lines(void)
{
	static const char evil[] = " json-file = /tmp/evil";
	const struct {
		const char *name, *head;
		size_t headlen, len;
		const char *tail, *after;
		const char *msg; /* NULL: parses, json-file stays "-" */
	} cases[] = {
		{ "600-byte comment line", "#", 1, 600, evil, "", NULL },
		{ "600-byte ';' comment line", ";", 1, 600, evil, "interval = 9\n", NULL },
		{ "600-byte inline comment", "interval = 9  #", 15, 600, evil, "", NULL },
		{ "4096-byte comment line", "#", 1, 4096, evil, "", NULL },
		{ "4097-byte comment line", "#", 1, 4097, evil, "",
		  NAME ":2: line longer than 4096 bytes" },
		{ "5000-byte comment line", "#", 1, 5000, evil, "",
		  NAME ":2: line longer than 4096 bytes" },
		{ "5000-byte inline comment", "interval = 9 #", 14, 5000, evil, "",
		  NAME ":2: line longer than 4096 bytes" },
		{ "5000-byte value line", "json-file = /", 13, 5000, "", "",
		  NAME ":2: line longer than 4096 bytes" },
		/* fgets() read "#\0" + 4095 x, then "json-file = /tmp/evil" as line 3 */
		{ "NUL, then the tail at byte 4097", "#\0", 2, 4097 + sizeof(evil) - 2, evil + 1,
		  "", NAME ":2: NUL byte at column 2" },
		{ "NUL in a 5000-byte comment line", "# \0", 3, 5000, evil, "",
		  NAME ":2: NUL byte at column 3" },
	};
	char what[128], err[512];
	size_t total;

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		char *t = long_line(cases[i].head, cases[i].headlen, cases[i].len, cases[i].tail,
				    cases[i].after, &total);
		int ret;

		if (!t)
			continue;
		snprintf(what, sizeof(what), "[%zu] %s", i, cases[i].name);
		ret = parse_mem(t, total, err, sizeof(err));
		if (cases[i].msg) {
			ASSERT_EQ_INT(ret, -EINVAL, what);
			ASSERT_STREQ(err, cases[i].msg, what);
		} else if (ASSERT_EQ_INT(ret, 0, what) && ASSERT_STREQ(err, "", what)) {
			ASSERT_STREQ(cfg.json_file, "-", what);
			if (*cases[i].after || cases[i].headlen > 1)
				ASSERT_EQ_U64(cfg.interval, 9, what);
		}
		free(t);
	}
}

/* Inline comments: "key = value  # comment", as in the README. */
static void test_config_comments(void)
{
	static const struct {
		const char *name, *text, *json_file;
		unsigned int interval;
	} cases[] = {
		{ "the README's example",
		  "[daemon]\njson-file = -              # stdout (the journal), or a file reopened "
		  "on SIGHUP\n",
		  "-", 30 },
		{ "the example config's attach line",
		  "[daemon]\nattach = auto          # auto, fentry or kprobe\n"
		  "json-file = /j\n",
		  "/j", 30 },
		{ "after a path", "[daemon]\njson-file = /var/log/da.json  # rotated\n",
		  "/var/log/da.json", 30 },
		{ "after a tab", "[daemon]\njson-file = /x\t# c\n", "/x", 30 },
		{ "';' after a blank", "[daemon]\njson-file = /x ; c\n", "/x", 30 },
		{ "'#' with no blank after it", "[daemon]\njson-file = /x #c\n", "/x", 30 },
		{ "blanks inside a value stay", "[daemon]\njson-file = /a b  # c\n", "/a b", 30 },
		{ "'#' inside a word is text", "[daemon]\njson-file = /var/log/a#1.json\n",
		  "/var/log/a#1.json", 30 },
		{ "';' inside a word is text", "[daemon]\njson-file = /a;b\n", "/a;b", 30 },
		{ "'#' ends a value only once", "[daemon]\njson-file = /a#b # c # d\n", "/a#b",
		  30 },
		{ "after a number", "[daemon]\ninterval = 15 # seconds\n", "-", 15 },
		{ "after a header", "[daemon]  # the service\ninterval = 12\n", "-", 12 },
		{ "a comment line that reads like a key",
		  "[daemon]\n# json-file = /tmp/evil\n  ; json-file = /tmp/evil\n", "-", 30 },
		{ "CRLF", "[daemon]\r\njson-file = /c # x\r\ninterval = 3 ;\r\n", "/c", 3 },
		{ "CR at the end of the file", "[daemon]\ninterval = 4\r", "-", 4 },
		{ "textfile-dir of only a comment is empty",
		  "[daemon]\ntextfile-dir = # none\njson-file = /t\n", "/t", 30 },
	};
	const struct da_rule *r = &cfg.rules[0];
	char what[128];

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		snprintf(what, sizeof(what), "[%zu] %s", i, cases[i].name);
		if (!expect_ok(cases[i].text, what))
			continue;
		ASSERT_STREQ(cfg.json_file, cases[i].json_file, what);
		ASSERT_EQ_U64(cfg.interval, cases[i].interval, what);
	}
	ASSERT_STREQ(cfg.textfile_dir, "", "textfile-dir '' by a comment");

	/* Lists end at the comment; a pattern starting with '#' is written "[#]..." */
	if (expect_ok("[suppress]  # known\nexporter = i915, vgem  # fnmatch(3) patterns\n"
		      "comm = a#b, [#]c ; two\nkind = gup_blocked # one kind\n",
		      "lists with comments")) {
		ASSERT_EQ_INT(r->nexporter, 2, "2 exporters");
		ASSERT_STREQ(r->exporter[1], "vgem", "exporter 2");
		ASSERT_EQ_INT(r->ncomm, 2, "2 comms");
		ASSERT_STREQ(r->comm[0], "a#b", "'#' in a pattern");
		ASSERT_STREQ(r->comm[1], "[#]c", "a pattern for a leading '#'");
		ASSERT_EQ_U64(r->kinds, BIT(DA_KIND_GUP_BLOCKED), "one kind");
		ASSERT_EQ_INT(config_suppressed(&cfg, DA_KIND_GUP_BLOCKED, "vgem", "#c"), 1,
			      "[#]c matches #c");
	}
}

static void test_config_err_interval(void)
{
	static const char *const intervals[] = { "0",  "86401", "3s",  "-1",
						 "+5", "",	"1.5", "99999999999999999999999" };
	char text[128], msg[256];

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(intervals); i++) {
		snprintf(text, sizeof(text), "[daemon]\ninterval = %s\n", intervals[i]);
		snprintf(msg, sizeof(msg),
			 NAME ":2: interval '%s': expected whole seconds, 1 to 86400",
			 intervals[i]);
		expect_error(text, msg, "bad interval");
	}
}

static void test_config_err_path_too_long(void)
{
	char text[DA_PATH_LEN + 64];
	int n = snprintf(text, sizeof(text), "[daemon]\npidfile = /");

	/* "/" + 1022 bytes: 1023, fits */
	memset(text + n, 'p', DA_PATH_LEN - 2);
	strcpy(text + n + DA_PATH_LEN - 2, "\n");
	if (expect_ok(text, "1023-byte path"))
		ASSERT_EQ_U64(strlen(cfg.pidfile), 1023, "1023-byte pidfile");
	/* one more */
	strcpy(text + n + DA_PATH_LEN - 2, "p\n");
	expect_error(text, NAME ":2: pidfile: path longer than 1023 bytes", "1024-byte path");
}

static void test_config_err_too_many_rules(void)
{
	size_t cap = (DA_MAX_RULES + 1) * 32 + 1, used = 0;
	char *text = malloc(cap);

	if (!ASSERT_OK_PTR(text, "malloc"))
		return;
	text[0] = '\0';
	for (int i = 0; i < DA_MAX_RULES; i++)
		used += snprintf(text + used, cap - used, "[suppress]\nexporter = e%d\n", i);
	if (expect_ok(text, "64 [suppress] sections")) {
		ASSERT_EQ_INT(cfg.nrules, 64, "64 rules");
		ASSERT_STREQ(cfg.rules[63].exporter[0], "e63", "64th rule");
		ASSERT_EQ_U64(cfg.rules[63].line, 127, "64th rule line");
	}
	snprintf(text + used, cap - used, "[suppress]\nexporter = e64\n");
	expect_error(text, NAME ":129: more than 64 [suppress] sections", "65 [suppress] sections");
	free(text);
}

static void test_config_err_long_line(void)
{
	char *text = malloc(4096 + 64);
	int n;

	if (!ASSERT_OK_PTR(text, "malloc"))
		return;
	/* 4096 bytes before the newline: accepted */
	n = sprintf(text, "[daemon]\n#");
	memset(text + n, 'x', 4095);
	strcpy(text + n + 4095, "\ninterval = 9\n");
	if (expect_ok(text, "4096-byte line"))
		ASSERT_EQ_U64(cfg.interval, 9, "line after the 4096-byte line");
	/* 4097: refused, even as a comment */
	strcpy(text + n + 4095, "x\ninterval = 9\n");
	expect_error(text, NAME ":2: line longer than 4096 bytes", "4097-byte line");
	/* 4097 at the end, no newline */
	strcpy(text + n + 4095, "x");
	expect_error(text, NAME ":2: line longer than 4096 bytes", "4097-byte last line");
	free(text);
}

static void test_config_err_short_buffer(void)
{
	char err[12];
	int ret;

	memset(err, '#', sizeof(err));
	ret = parse_str("[bogus]\n", err, sizeof(err));
	ASSERT_EQ_INT(ret, -EINVAL, "error with a short buffer");
	ASSERT_STREQ(err, "t.conf:1: u", "message truncated, NUL-terminated");
}

/* The rules of test_config_suppressed. */
static const char rules_file[] = "[suppress]\n" /* 1: kind only */
				 "kind = gup_blocked\n"
				 "[suppress]\n" /* 2: exporter AND kind */
				 "exporter = i9*\n"
				 "kind = mmap_without_pfnmap\n"
				 "[suppress]\n" /* 3: comm list */
				 "comm = weston*, kms-?\n"
				 "[suppress]\n" /* 4: exporter list */
				 "exporter = vgem test_*\n"
				 "[suppress]\n" /* 5: all three keys */
				 "exporter = amdgpu\n"
				 "comm = Xorg\n"
				 "kind = pte_not_special gup_fast_on_dmabuf\n";

static void test_config_suppressed(void)
{
	static const struct {
		uint32_t kind;
		const char *exporter, *comm;
		int rule;
	} cases[] = {
		{ DA_KIND_GUP_BLOCKED, "anything", "anyone", 1 },     /* kind only */
		{ DA_KIND_GUP_BLOCKED, "i915", "weston", 1 },	      /* first match wins */
		{ DA_KIND_MMAP_WITHOUT_PFNMAP, "i915", "cat", 2 },    /* exporter glob + kind */
		{ DA_KIND_MMAP_WITHOUT_PFNMAP, "i9", "cat", 2 },      /* '*' matches nothing */
		{ DA_KIND_GUP_ON_DMABUF, "i915", "cat", 0 },	      /* AND: kind differs */
		{ DA_KIND_MMAP_WITHOUT_PFNMAP, "xi915", "cat", 0 },   /* glob is anchored */
		{ DA_KIND_MMAP_WITHOUT_PFNMAP, "I915", "cat", 0 },    /* case-sensitive */
		{ DA_KIND_MMAP_WITHOUT_PFNMAP, "i915", "weston", 2 }, /* 2 and 3 match */
		{ DA_KIND_GUP_ON_DMABUF, "amdgpu", "weston", 3 },     /* comm glob */
		{ DA_KIND_GUP_ON_DMABUF, "amdgpu", "weston-terminal", 3 },
		{ DA_KIND_GUP_ON_DMABUF, "amdgpu", "kms-1", 3 },  /* second list item */
		{ DA_KIND_GUP_ON_DMABUF, "amdgpu", "kms-10", 0 }, /* '?' is one byte */
		{ DA_KIND_GUP_ON_DMABUF, "amdgpu", "xweston", 0 },
		{ DA_KIND_PTE_NOT_SPECIAL, "vgem", "cat", 4 }, /* exporter list */
		{ DA_KIND_PTE_NOT_SPECIAL, "test_insert_page", "cat", 4 },
		{ DA_KIND_PTE_NOT_SPECIAL, "test", "cat", 0 },
		{ DA_KIND_PTE_NOT_SPECIAL, "amdgpu", "Xorg", 5 },	/* all three keys */
		{ DA_KIND_GUP_FAST_ON_DMABUF, "amdgpu", "Xorg", 5 },	/* kind list */
		{ DA_KIND_PAGE_INSERT_ON_DMABUF, "amdgpu", "Xorg", 0 }, /* kind not listed */
		{ DA_KIND_PTE_NOT_SPECIAL, "amdgpu", "Xorgs", 0 },	/* comm differs */
		{ DA_KIND_PTE_NOT_SPECIAL, "radeon", "Xorg", 0 },	/* exporter differs */
		{ 40, "vgem", "cat", 4 }, /* kind >= 32: kind rules skip, others match */
		{ 40, "other", "cat", 0 },
	};
	char what[160];

	if (!expect_ok(rules_file, "rules file") || !ASSERT_EQ_INT(cfg.nrules, 5, "5 rules"))
		return;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		snprintf(what, sizeof(what), "suppressed(%s, %s, %s)", kind_name(cases[i].kind),
			 cases[i].exporter, cases[i].comm);
		ASSERT_EQ_INT(
			config_suppressed(&cfg, cases[i].kind, cases[i].exporter, cases[i].comm),
			cases[i].rule, what);
	}
	/* No rules: nothing is suppressed. */
	config_defaults(&cfg);
	ASSERT_EQ_INT(config_suppressed(&cfg, DA_KIND_GUP_BLOCKED, "vgem", "cat"), 0, "no rules");
}

/* ---- config_load ------------------------------------------------------ */

struct tmpdir {
	char path[64];
};

static bool tmpdir_make(struct tmpdir *t)
{
	strcpy(t->path, "/tmp/da-unit-XXXXXX");
	return ASSERT_OK_PTR(mkdtemp(t->path), "mkdtemp");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!ASSERT_OK_PTR(f, "create a config file"))
		return;
	fputs(text, f);
	ASSERT_EQ_INT(fclose(f), 0, "write a config file");
}

static void test_config_load_missing(void)
{
	static struct da_opts o;
	struct tmpdir t;
	char err[2048], msg[2048];
	int ret;

	if (!tmpdir_make(&t))
		return;
	memset(&o, 0, sizeof(o));
	snprintf(o.config_path, sizeof(o.config_path), "%s/missing.conf", t.path);
	memset(err, 0, sizeof(err));
	memset(&cfg, 0xa5, sizeof(cfg));
	ret = config_load(&cfg, &o, err, sizeof(err));
	ASSERT_EQ_INT(ret, -ENOENT, "explicit missing --config");
	snprintf(msg, sizeof(msg), "cannot read config %s/missing.conf: No such file or directory",
		 t.path);
	ASSERT_STREQ(err, msg, "error names the path");

	/* A directory opens but does not read. */
	snprintf(o.config_path, sizeof(o.config_path), "%s", t.path);
	memset(err, 0, sizeof(err));
	ret = config_load(&cfg, &o, err, sizeof(err));
	ASSERT_EQ_INT(ret, -EIO, "--config DIR");
	snprintf(msg, sizeof(msg), "%s: read error: Is a directory", t.path);
	ASSERT_STREQ(err, msg, "read error names the path");

	/* The default path may be absent; this host must not have it. */
	if (ASSERT_FALSE(access(DA_DEFAULT_CONFIG, F_OK) == 0,
			 "no " DA_DEFAULT_CONFIG " on the test host")) {
		memset(&o, 0, sizeof(o));
		o.config_path[0] = '\0';
		memset(err, 0, sizeof(err));
		memset(&cfg, 0xa5, sizeof(cfg));
		ret = config_load(&cfg, &o, err, sizeof(err));
		ASSERT_EQ_INT(ret, 0, "absent default config is fine");
		ASSERT_STREQ(err, "", "no error for the absent default");
		assert_defaults(&cfg);
	}
	ASSERT_EQ_INT(rmdir(t.path), 0, "rmdir tmpdir");
}

static void test_config_load_cli_override(void)
{
	static struct da_opts o;
	struct tmpdir t;
	char path[128], err[2048], msg[2048];
	int ret;

	if (!tmpdir_make(&t))
		return;
	snprintf(path, sizeof(path), "%s/da.conf", t.path);
	write_file(path, "[daemon]\n"
			 "textfile-dir = /file/prom\n"
			 "interval = 15\n"
			 "json-file = /file/log.json\n"
			 "pidfile = /file/da.pid\n"
			 "attach = kprobe\n"
			 "btf = /file/vmlinux.btf\n"
			 "[suppress]\n"
			 "exporter = vgem\n");

	/* Some settings given: they win, the others come from the file. */
	memset(&o, 0, sizeof(o));
	strcpy(o.config_path, path);
	o.set = DA_SET_INTERVAL | DA_SET_ATTACH | DA_SET_JSON_FILE;
	o.interval = 99;
	o.attach = DA_ATTACH_FENTRY;
	strcpy(o.json_file, "-");
	/* values without their set bit: ignored */
	strcpy(o.textfile_dir, "/cli/prom");
	strcpy(o.pidfile, "/cli/da.pid");
	strcpy(o.btf_path, "/cli/vmlinux.btf");
	memset(err, 0, sizeof(err));
	ret = config_load(&cfg, &o, err, sizeof(err));
	ASSERT_EQ_INT(ret, 0, "load");
	ASSERT_STREQ(err, "", "no error");
	ASSERT_EQ_U64(cfg.interval, 99, "--interval wins");
	ASSERT_EQ_INT(cfg.attach, DA_ATTACH_FENTRY, "--attach wins");
	ASSERT_STREQ(cfg.json_file, "-", "--json-file wins");
	ASSERT_STREQ(cfg.textfile_dir, "/file/prom", "textfile-dir from the file");
	ASSERT_STREQ(cfg.pidfile, "/file/da.pid", "pidfile from the file");
	ASSERT_STREQ(cfg.btf_path, "/file/vmlinux.btf", "btf from the file");
	ASSERT_EQ_INT(cfg.nrules, 1, "rules from the file");

	/* Every setting given */
	o.set = DA_SET_TEXTFILE_DIR | DA_SET_INTERVAL | DA_SET_JSON_FILE | DA_SET_PIDFILE |
		DA_SET_ATTACH | DA_SET_BTF;
	strcpy(o.textfile_dir, "");
	ret = config_load(&cfg, &o, err, sizeof(err));
	ASSERT_EQ_INT(ret, 0, "load, all set");
	ASSERT_STREQ(cfg.textfile_dir, "", "--textfile-dir '' wins");
	ASSERT_EQ_U64(cfg.interval, 99, "--interval");
	ASSERT_STREQ(cfg.json_file, "-", "--json-file");
	ASSERT_STREQ(cfg.pidfile, "/cli/da.pid", "--pidfile wins");
	ASSERT_EQ_INT(cfg.attach, DA_ATTACH_FENTRY, "--attach");
	ASSERT_STREQ(cfg.btf_path, "/cli/vmlinux.btf", "--btf wins");
	ASSERT_EQ_INT(cfg.nrules, 1, "rules still from the file");

	/* No settings: the file as is */
	o.set = 0;
	ret = config_load(&cfg, &o, err, sizeof(err));
	ASSERT_EQ_INT(ret, 0, "load, none set");
	ASSERT_EQ_U64(cfg.interval, 15, "interval from the file");
	ASSERT_EQ_INT(cfg.attach, DA_ATTACH_KPROBE, "attach from the file");
	ASSERT_STREQ(cfg.json_file, "/file/log.json", "json-file from the file");

	/* A bad file: error with the path and line, -EINVAL */
	write_file(path, "[daemon]\ninterval = 15\nattach = never\n");
	memset(err, 0, sizeof(err));
	ret = config_load(&cfg, &o, err, sizeof(err));
	ASSERT_EQ_INT(ret, -EINVAL, "bad file");
	snprintf(msg, sizeof(msg), "%s:3: attach 'never': expected auto, fentry or kprobe", path);
	ASSERT_STREQ(err, msg, "error names path and line");

	ASSERT_EQ_INT(unlink(path), 0, "unlink config");
	ASSERT_EQ_INT(rmdir(t.path), 0, "rmdir tmpdir");
}

static void test_config_describe(void)
{
	char buf[256];

	config_defaults(&cfg);
	config_describe(&cfg, buf, sizeof(buf));
	ASSERT_STREQ(buf,
		     "0 suppression rules, textfile "
		     "/var/lib/prometheus/node-exporter/dmabuf_audit.prom every 30 s, "
		     "JSON to stdout, attach auto",
		     "defaults");

	if (expect_ok("[daemon]\ntextfile-dir =\njson-file = /x.json\nattach = kprobe\n"
		      "[suppress]\nkind = gup_blocked\n",
		      "describe input 1")) {
		config_describe(&cfg, buf, sizeof(buf));
		ASSERT_STREQ(buf, "1 suppression rule, no textfile, JSON to /x.json, attach kprobe",
			     "one rule, no textfile");
	}
	if (expect_ok("[daemon]\ntextfile-dir = /p\ninterval = 5\nattach = fentry\n"
		      "[suppress]\nkind = gup_blocked\n[suppress]\ncomm = x\n",
		      "describe input 2")) {
		config_describe(&cfg, buf, sizeof(buf));
		ASSERT_STREQ(buf,
			     "2 suppression rules, textfile /p/dmabuf_audit.prom every 5 s, "
			     "JSON to stdout, attach fentry",
			     "two rules");
	}
	/* A short buffer: truncated, terminated */
	config_defaults(&cfg);
	memset(buf, '#', sizeof(buf));
	config_describe(&cfg, buf, 16);
	ASSERT_STREQ(buf, "0 suppression r", "short buffer");
}

/* The longest textfile-dir the parser accepts still reads whole. */
static void test_config_describe_long_dir(void)
{
	char *buf = malloc(2 * DA_PATH_LEN), *want = malloc(2 * DA_PATH_LEN);

	if (!ASSERT_OK_PTR(buf, "malloc") || !ASSERT_OK_PTR(want, "malloc"))
		goto out;
	config_defaults(&cfg);
	cfg.textfile_dir[0] = '/';
	memset(cfg.textfile_dir + 1, 'd', DA_PATH_LEN - 2);
	cfg.textfile_dir[DA_PATH_LEN - 1] = '\0';
	cfg.interval = DA_MAX_INTERVAL;
	config_describe(&cfg, buf, 2 * DA_PATH_LEN);
	snprintf(want, 2 * DA_PATH_LEN,
		 "0 suppression rules, textfile %s/dmabuf_audit.prom every 86400 s, JSON to "
		 "stdout, attach auto",
		 cfg.textfile_dir);
	ASSERT_STREQ(buf, want, "1023-byte textfile-dir, interval 86400");
out:
	free(buf);
	free(want);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_config_defaults),
	UNIT_TEST(test_config_parse_full),
	UNIT_TEST(test_config_parse_keys),
	UNIT_TEST(test_config_parse_lists),
	UNIT_TEST(test_config_errors),
	UNIT_TEST(test_config_err_interval),
	UNIT_TEST(test_config_err_path_too_long),
	UNIT_TEST(test_config_err_too_many_rules),
	UNIT_TEST(test_config_err_long_line),
	UNIT_TEST(test_config_err_bytes),
	UNIT_TEST(test_config_long_lines),
	UNIT_TEST(test_config_comments),
	UNIT_TEST(test_config_err_short_buffer),
	UNIT_TEST(test_config_suppressed),
	UNIT_TEST(test_config_load_missing),
	UNIT_TEST(test_config_load_cli_override),
	UNIT_TEST(test_config_describe),
	UNIT_TEST(test_config_describe_long_dir),
};
UNIT_SUITE(config, tests);
