// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* json_write_string(), json_write_finding() and the test JSON validator. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fix_text.h"
#include "finding.h"
#include "json.h"
#include "ksyms.h"
#include "unit.h"

/* json_write_string(s, maxlen) into a heap string (caller frees). */
static char *capture_string(const char *s, size_t maxlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	json_write_string(f, s, maxlen);
	fclose(f);
	return buf;
}

static char *capture_finding(const struct da_event *ev, uint64_t count)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	json_write_finding(f, ev, count, NULL);
	fclose(f);
	return buf;
}

/* in[0..inlen) written with maxlen inlen must give exactly want. */
static bool expect_str(const char *in, size_t inlen, const char *want, const char *what)
{
	char *copy = malloc(inlen ? inlen : 1), *out;
	bool ok;

	/* exact-size heap copy: ASan reports any read past maxlen */
	if (!ASSERT_OK_PTR(copy, "malloc"))
		return false;
	memcpy(copy, in, inlen);
	out = capture_string(copy, inlen);
	ok = ASSERT_STREQ(out, want, what);
	if (out)
		ok &= ASSERT_JSON(out, what);
	free(out);
	free(copy);
	return ok;
}

static void test_json_validator_selftest(void)
{
	static const char *const good[] = {
		"{}",
		"[]",
		"\"\"",
		"0",
		"-0",
		"1.5e-3",
		"true",
		"false",
		"null",
		" {\"a\":[1,2,{\"b\":null}],\"c\":\"\\u00e9\\n\\\"\"} ",
		"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
		"[\"\\/\"]",
	};
	static const char *const bad[] = {
		"",
		"{",
		"}",
		"[1,]",
		"{\"a\":1,}",
		"{\"a\" 1}",
		"{a:1}",
		"01",
		"0x10",
		"1.",
		".5",
		"+1",
		"tru",
		"nul",
		"\"abc",
		"\"a\"b\"",
		"\"a\nb\"",
		"\"a\x01\"",
		"\"\\x41\"",
		"\"\\u00g0\"",
		"\"\\u00\"",
		"\"\x80\"",
		"\"\xc0\x80\"",
		"\"\xed\xa0\x80\"",
		"\"\xf5\x80\x80\x80\"",
		"\"\xe2\x82\"",
		"{} {}",
		"[1] x",
		"'a'",
	};

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(good); i++)
		ASSERT_TRUE(unit_json_valid(good[i], strlen(good[i])), good[i]);
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(bad); i++)
		ASSERT_FALSE(unit_json_valid(bad[i], strlen(bad[i])), bad[i]);
}

/* One string's JSON: STR_CASE(input literal, output, what it shows). */
struct str_case {
	const char *in;
	size_t len; /* without the literal's NUL */
	const char *want, *name;
};

/* clang-format off */
#define STR_CASE(lit, want, name) { lit, sizeof(lit) - 1, want, name }
/* clang-format on */

/* Escapes, control bytes, invalid UTF-8 and hostile text, one row each. */
static void test_json_string_cases(void)
{
	static const struct str_case cases[] = {
		/* plain */
		STR_CASE("hello", "\"hello\"", "plain"),
		STR_CASE("", "\"\"", "empty"),
		STR_CASE("dmabuf-trigger", "\"dmabuf-trigger\"", "comm"),
		STR_CASE("a/b c~", "\"a/b c~\"", "printable ASCII unchanged"),
		STR_CASE("a\"b", "\"a\\\"b\"", "quote"),
		STR_CASE("a\\b", "\"a\\\\b\"", "backslash"),
		STR_CASE("\"\\\"", "\"\\\"\\\\\\\"\"", "only quotes and backslash"),
		/* control bytes */
		STR_CASE("a\nb", "\"a\\nb\"", "newline"),
		STR_CASE("a\tb", "\"a\\tb\"", "tab"),
		STR_CASE("a\rb", "\"a\\rb\"", "carriage return"),
		STR_CASE("\x01", "\"\\u0001\"", "0x01"),
		STR_CASE("\b\f", "\"\\u0008\\u000c\"", "backspace, form feed"),
		STR_CASE("\x1b[31m", "\"\\u001b[31m\"", "escape sequence"),
		STR_CASE("\x7f", "\"\\u007f\"", "DEL"),
		/* invalid UTF-8: each byte \u00XX */
		STR_CASE("\x80", "\"\\u0080\"", "lone continuation byte"),
		STR_CASE("a\xbf"
			 "b",
			 "\"a\\u00bfb\"", "lone continuation between ASCII"),
		STR_CASE("\xe2\x82", "\"\\u00e2\\u0082\"", "truncated 3-byte at the end"),
		STR_CASE("\xe2\x82"
			 "A",
			 "\"\\u00e2\\u0082A\"", "truncated 3-byte before ASCII"),
		STR_CASE("\xf0\x9f\x98", "\"\\u00f0\\u009f\\u0098\"", "truncated 4-byte"),
		STR_CASE("\xc3", "\"\\u00c3\"", "truncated 2-byte"),
		STR_CASE("\xe2\xc3\xa9", "\"\\u00e2\xc3\xa9\"",
			 "bad lead then a valid sequence: the valid one survives"),
		STR_CASE("\xc0\x80", "\"\\u00c0\\u0080\"", "overlong NUL C0 80"),
		STR_CASE("\xc1\xbf", "\"\\u00c1\\u00bf\"", "overlong C1 BF"),
		STR_CASE("\xe0\x80\x80", "\"\\u00e0\\u0080\\u0080\"", "overlong 3-byte"),
		STR_CASE("\xe0\x9f\xbf", "\"\\u00e0\\u009f\\u00bf\"", "overlong U+07FF"),
		STR_CASE("\xf0\x80\x80\x80", "\"\\u00f0\\u0080\\u0080\\u0080\"", "overlong 4-byte"),
		STR_CASE("\xf0\x8f\xbf\xbf", "\"\\u00f0\\u008f\\u00bf\\u00bf\"", "overlong U+FFFF"),
		STR_CASE("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"", "surrogate U+D800"),
		STR_CASE("\xed\xbf\xbf", "\"\\u00ed\\u00bf\\u00bf\"", "surrogate U+DFFF"),
		STR_CASE("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"", "beyond U+10FFFF"),
		STR_CASE("\xf5", "\"\\u00f5\"", "F5"),
		STR_CASE("\xf5\x80\x80\x80", "\"\\u00f5\\u0080\\u0080\\u0080\"", "F5 sequence"),
		STR_CASE("\xf8\x88\x80\x80\x80", "\"\\u00f8\\u0088\\u0080\\u0080\\u0080\"",
			 "5-byte form"),
		STR_CASE("\xfe\xff", "\"\\u00fe\\u00ff\"", "FE FF"),
		STR_CASE("\xe2\x82\x0a", "\"\\u00e2\\u0082\\n\"", "sequence cut by a newline"),
		/* hostile */
		STR_CASE("a\"b\\c\n{", "\"a\\\"b\\\\c\\n{\"", "hostile comm"),
		STR_CASE("\"}\n{\"kind\":\"x", "\"\\\"}\\n{\\\"kind\\\":\\\"x\"",
			 "comm trying to inject a JSON line"),
		STR_CASE("\\u0041", "\"\\\\u0041\"", "literal backslash-u"),
		STR_CASE("\\", "\"\\\\\"", "lone trailing backslash"),
	};
	char what[96];

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		snprintf(what, sizeof(what), "[%zu] %s", i, cases[i].name);
		expect_str(cases[i].in, cases[i].len, cases[i].want, what);
	}
}

static void test_json_string_control(void)
{
	char in[2], want[16];

	/* every byte below 0x20 and 0x7f, one by one */
	for (int c = 1; c < 0x80; c++) {
		if (c >= 0x20 && c < 0x7f)
			continue;
		in[0] = (char)c;
		in[1] = '\0';
		if (c == '\n')
			snprintf(want, sizeof(want), "\"\\n\"");
		else if (c == '\t')
			snprintf(want, sizeof(want), "\"\\t\"");
		else if (c == '\r')
			snprintf(want, sizeof(want), "\"\\r\"");
		else
			snprintf(want, sizeof(want), "\"\\u%04x\"", c);
		if (!expect_str(in, 1, want, "control byte"))
			printf("  (byte 0x%02x)\n", c);
	}
}

static void test_json_string_utf8_valid(void)
{
	static const char *const ok[] = {
		"\xc3\xa9",	    /* U+00E9 */
		"\xc2\x80",	    /* U+0080, smallest 2-byte */
		"\xdf\xbf",	    /* U+07FF */
		"\xe0\xa0\x80",	    /* U+0800, smallest 3-byte */
		"\xe2\x82\xac",	    /* U+20AC euro */
		"\xed\x9f\xbf",	    /* U+D7FF, below the surrogates */
		"\xee\x80\x80",	    /* U+E000, above the surrogates */
		"\xef\xbf\xbf",	    /* U+FFFF */
		"\xf0\x90\x80\x80", /* U+10000, smallest 4-byte */
		"\xf0\x9f\x98\x80", /* U+1F600 */
		"\xf4\x8f\xbf\xbf", /* U+10FFFF, the last one */
		"caf\xc3\xa9 \xe2\x82\xac\xf0\x9f\x98\x80!",
	};
	char want[64];

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(ok); i++) {
		snprintf(want, sizeof(want), "\"%s\"", ok[i]);
		if (!expect_str(ok[i], strlen(ok[i]), want, "valid UTF-8 passes through"))
			printf("  (case %zu)\n", i);
	}
}

static void test_json_string_maxlen(void)
{
	char *out;

	out = capture_string("hello", 3);
	ASSERT_STREQ(out, "\"hel\"", "maxlen 3");
	free(out);
	out = capture_string("hello", 0);
	ASSERT_STREQ(out, "\"\"", "maxlen 0");
	free(out);
	out = capture_string("ab\0cd", 5);
	ASSERT_STREQ(out, "\"ab\"", "stops at NUL");
	free(out);
	/* maxlen cuts a valid sequence: the part left is invalid */
	out = capture_string("ab\xe2\x82\xac", 4);
	ASSERT_STREQ(out, "\"ab\\u00e2\\u0082\"", "maxlen inside a sequence");
	free(out);
}

/* A 16-byte comm without NUL: nothing read past byte 16 (ASan checks). */
static void test_json_string_no_nul(void)
{
	static const struct {
		const char bytes[DA_COMM_LEN];
		const char *want;
	} cases[] = {
		{ { 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A',
		    'A' },
		  "\"AAAAAAAAAAAAAAAA\"" },
		/* a 4-byte lead as the last byte */
		{ { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
		    (char)0xf0 },
		  "\"abcdefghijklmno\\u00f0\"" },
		/* a 3-byte sequence cut by the end of the buffer */
		{ { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n',
		    (char)0xe2, (char)0x82 },
		  "\"abcdefghijklmn\\u00e2\\u0082\"" },
		/* a valid 4-byte sequence ending exactly at the end */
		{ { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', (char)0xf0,
		    (char)0x9f, (char)0x98, (char)0x80 },
		  "\"abcdefghijkl\xf0\x9f\x98\x80\"" },
		/* an escape as the last byte */
		{ { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
		    '"' },
		  "\"abcdefghijklmno\\\"\"" },
	};

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++)
		if (!expect_str(cases[i].bytes, DA_COMM_LEN, cases[i].want, "16 bytes without NUL"))
			printf("  (case %zu)\n", i);
}

/*
 * Decodes the JSON string at s (as written by json_write_string) back to
 * bytes: raw bytes copied, \uXXXX (only < 0x100 expected) to one byte.
 * Returns the length, or -1 when s holds something json_write_string must
 * not produce.
 */
static long decode_string(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	if (*s++ != '"')
		return -1;
	for (; *s && *s != '"'; s++) {
		unsigned int v;

		if (n >= cap)
			return -1;
		if (*s != '\\') {
			out[n++] = *s;
			continue;
		}
		s++;
		switch (*s) {
		case 'n':
			out[n++] = '\n';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case '"':
			out[n++] = '"';
			break;
		case '\\':
			out[n++] = '\\';
			break;
		case 'u':
			if (sscanf(s + 1, "%4x", &v) != 1 || v > 0xff)
				return -1;
			out[n++] = (char)v;
			s += 4;
			break;
		default:
			return -1;
		}
	}
	if (*s != '"' || s[1])
		return -1;
	return n;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

/*
 * Random bytes, biased towards what is interesting (controls, quotes,
 * leads and continuations): the output is always valid JSON and decodes
 * back to the input bytes.
 */
static void test_json_string_random(void)
{
	static const unsigned char pool[] = {
		'a',  'Z',  '0',  ' ',	'"',  '\\', '/',  '\n', '\t', '\r', 0x01,
		0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f,
		0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff, 0xc3, 0xa9,
	};
	char back[64];
	unsigned int bad = 0;

	for (int iter = 0; iter < 20000 && bad < 5; iter++) {
		size_t len = rnd() % 40;
		char *in = malloc(len ? len : 1), *out;
		long n;

		if (!ASSERT_OK_PTR(in, "malloc"))
			return;
		for (size_t i = 0; i < len; i++)
			in[i] = (char)(rnd() % 3 ? pool[rnd() % sizeof(pool)] : 1 + rnd() % 255);
		out = capture_string(in, len);
		if (!ASSERT_OK_PTR(out, "capture")) {
			free(in);
			return;
		}
		if (!ASSERT_JSON(out, "random bytes give valid JSON"))
			bad++;
		n = decode_string(out, back, sizeof(back));
		if (!ASSERT_TRUE(n == (long)len && !memcmp(back, in, len),
				 "random bytes decode back to the input"))
			bad++;
		free(out);
		free(in);
	}
}

static struct da_event base_event(void)
{
	struct da_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = DA_KIND_MMAP_WITHOUT_PFNMAP;
	ev.hook = DA_HOOK_MMAP;
	ev.pid = 1234;
	ev.tid = 1235;
	ev.inode = 4567;
	ev.size = 16384;
	ev.vm_start = 0x7f12abcd0000ull;
	ev.vm_end = 0x7f12abcd4000ull;
	ev.vm_flags = 0x100000fbull;
	strcpy(ev.comm, "dmabuf-trigger");
	strcpy(ev.exporter, "test_insert_page");
	return ev;
}

static bool expect_finding(const struct da_event *ev, uint64_t count, const char *want,
			   const char *what)
{
	char *out = capture_finding(ev, count);
	bool ok = ASSERT_STREQ(out, want, what);

	if (out)
		ok &= ASSERT_JSON_LINES(out, what);
	free(out);
	return ok;
}

/* Field names, order, and types of the contract (README.md, "What it reports"). */
static void test_json_finding_fields(void)
{
	struct da_event ev = base_event();

	gup_flags_reset();
	expect_finding(&ev, 1,
		       "{\"kind\":\"mmap_without_pfnmap\",\"pid\":1234,\"tid\":1235,"
		       "\"comm\":\"dmabuf-trigger\",\"exporter\":\"test_insert_page\","
		       "\"inode\":4567,\"size\":16384,\"vm_start\":\"0x7f12abcd0000\","
		       "\"vm_end\":\"0x7f12abcd4000\",\"vm_flags\":\"0x100000fb\","
		       "\"addr\":\"0x0\",\"count\":1,\"hook\":\"dma_buf_mmap_internal\","
		       "\"buf_name\":\"\",\"module\":\"\",\"mmap_op\":null,"
		       "\"fix\":\"" FIX_MIXEDMAP "\","
		       "\"uid\":0,\"cgroup_id\":0,\"stack\":[]}\n",
		       "mmap_without_pfnmap line");

	/* gup_flags only for the GUP kinds, even when the event carries bits */
	ev.gup_flags = 0x50001;
	ev.kind = DA_KIND_PAGE_INSERT_ON_DMABUF;
	ev.hook = DA_HOOK_INSERT_PAGE;
	ev.addr = 0x7f12abcd1000ull;
	expect_finding(&ev, 4,
		       "{\"kind\":\"page_insert_on_dmabuf\",\"pid\":1234,\"tid\":1235,"
		       "\"comm\":\"dmabuf-trigger\",\"exporter\":\"test_insert_page\","
		       "\"inode\":4567,\"size\":16384,\"vm_start\":\"0x7f12abcd0000\","
		       "\"vm_end\":\"0x7f12abcd4000\",\"vm_flags\":\"0x100000fb\","
		       "\"addr\":\"0x7f12abcd1000\",\"count\":4,\"hook\":\"vm_insert_page\","
		       "\"buf_name\":\"\",\"module\":\"\",\"mmap_op\":null,"
		       "\"fix\":\"" FIX_INSERT "\","
		       "\"uid\":0,\"cgroup_id\":0,\"stack\":[]}\n",
		       "page_insert_on_dmabuf line");
	ev.kind = DA_KIND_MMAP_WITHOUT_PFNMAP;
	ev.hook = DA_HOOK_MMAP_IMPORT;
	{
		char *out = capture_finding(&ev, 1);

		ASSERT_NO_STR(out, "gup_flags", "no gup_flags on mmap kind");
		ASSERT_HAS_STR(out, "\"hook\":\"dma_buf_mmap\",", "import hook");
		free(out);
	}

	ev.kind = DA_KIND_GUP_ON_DMABUF;
	ev.hook = DA_HOOK_GUP_SLOW;
	expect_finding(&ev, 3,
		       "{\"kind\":\"gup_on_dmabuf\",\"pid\":1234,\"tid\":1235,"
		       "\"comm\":\"dmabuf-trigger\",\"exporter\":\"test_insert_page\","
		       "\"inode\":4567,\"size\":16384,\"vm_start\":\"0x7f12abcd0000\","
		       "\"vm_end\":\"0x7f12abcd4000\",\"vm_flags\":\"0x100000fb\","
		       "\"addr\":\"0x7f12abcd1000\",\"count\":3,\"hook\":\"check_vma_flags\","
		       "\"gup_flags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\",\"FOLL_PIN\"]"
		       ",\"buf_name\":\"\",\"module\":\"\",\"mmap_op\":null,"
		       "\"fix\":\"" FIX_GUP "\","
		       "\"uid\":0,\"cgroup_id\":0,\"stack\":[]}\n",
		       "gup_on_dmabuf line (6.1 values)");
	ev.kind = DA_KIND_GUP_BLOCKED;
	ev.gup_flags = 0x2011; /* WRITE|FORCE|REMOTE */
	expect_finding(&ev, 1,
		       "{\"kind\":\"gup_blocked\",\"pid\":1234,\"tid\":1235,"
		       "\"comm\":\"dmabuf-trigger\",\"exporter\":\"test_insert_page\","
		       "\"inode\":4567,\"size\":16384,\"vm_start\":\"0x7f12abcd0000\","
		       "\"vm_end\":\"0x7f12abcd4000\",\"vm_flags\":\"0x100000fb\","
		       "\"addr\":\"0x7f12abcd1000\",\"count\":1,\"hook\":\"check_vma_flags\","
		       "\"gup_flags\":[\"FOLL_WRITE\",\"FOLL_FORCE\",\"FOLL_REMOTE\"]"
		       ",\"buf_name\":\"\",\"module\":\"\",\"mmap_op\":null,"
		       "\"fix\":\"" FIX_BLOCKED "\","
		       "\"uid\":0,\"cgroup_id\":0,\"stack\":[]}\n",
		       "gup_blocked line");
}

/* Hex lowercase with 0x, numbers unquoted and full 64-bit range. */
static void test_json_finding_numbers(void)
{
	struct da_event ev = base_event();
	char *out;

	ev.pid = 4294967295u;
	ev.tid = 0;
	ev.inode = 18446744073709551615ull;
	ev.size = 0;
	ev.vm_start = 0xffffffffffffffffull;
	ev.vm_end = 0xABCDEF00ull;
	ev.vm_flags = 0xc0444fbull;
	ev.addr = 0xDEADBEEFull;
	out = capture_finding(&ev, 18446744073709551615ull);
	if (!ASSERT_OK_PTR(out, "capture"))
		return;
	ASSERT_HAS_STR(out, "\"pid\":4294967295,", "pid u32 max");
	ASSERT_HAS_STR(out, "\"tid\":0,", "tid 0");
	ASSERT_HAS_STR(out, "\"inode\":18446744073709551615,", "inode u64 max");
	ASSERT_HAS_STR(out, "\"size\":0,", "size 0");
	ASSERT_HAS_STR(out, "\"vm_start\":\"0xffffffffffffffff\"", "vm_start max");
	ASSERT_HAS_STR(out, "\"vm_end\":\"0xabcdef00\"", "vm_end lowercase");
	ASSERT_HAS_STR(out, "\"vm_flags\":\"0xc0444fb\"", "vm_flags lowercase");
	ASSERT_HAS_STR(out, "\"addr\":\"0xdeadbeef\"", "addr lowercase");
	ASSERT_HAS_STR(out, "\"count\":18446744073709551615,", "count u64 max");
	ASSERT_JSON_LINES(out, "numbers line");
	free(out);

	/* out-of-range kind and hook still give a valid line */
	ev.kind = 99;
	ev.hook = 99;
	out = capture_finding(&ev, 1);
	ASSERT_HAS_STR(out, "\"kind\":\"unknown\"", "unknown kind");
	ASSERT_HAS_STR(out, "\"hook\":\"unknown\"", "unknown hook");
	ASSERT_JSON_LINES(out, "unknown kind line");
	free(out);
}

/* comm (16) and exporter (32) filled to the brim, no NUL, hostile bytes. */
static void test_json_finding_hostile_text(void)
{
	struct da_event *ev = malloc(sizeof(*ev));
	char *out;

	if (!ASSERT_OK_PTR(ev, "malloc"))
		return;
	*ev = base_event();
	memcpy(ev->comm, "0123456789abcdef", DA_COMM_LEN);
	memset(ev->exporter, 'x', DA_EXPORTER_LEN);
	out = capture_finding(ev, 1);
	ASSERT_HAS_STR(out, "\"comm\":\"0123456789abcdef\",\"exporter\":",
		       "16-byte comm: not one byte more");
	ASSERT_HAS_STR(out, "\"exporter\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\"inode\"",
		       "32-byte exporter: not one byte more");
	ASSERT_JSON_LINES(out, "full comm/exporter line");
	free(out);

	memset(ev->comm, 0, DA_COMM_LEN);
	memcpy(ev->comm, "a\"b\\c\n{", 7);
	memcpy(ev->exporter, "\"}\n{\"kind\":\"\xff\xe2\x82\x1b", 17);
	ev->exporter[17] = '\0';
	ev->kind = DA_KIND_GUP_ON_DMABUF;
	out = capture_finding(ev, 2);
	ASSERT_HAS_STR(out, "\"comm\":\"a\\\"b\\\\c\\n{\"", "hostile comm escaped");
	if (ASSERT_JSON_LINES(out, "hostile comm/exporter: one valid line"))
		ASSERT_TRUE(strchr(out, '\n') == out + strlen(out) - 1,
			    "exactly one newline, at the end");
	free(out);
	free(ev);
}

static void test_json_finding_gup_flags_legacy(void)
{
	struct da_event ev = base_event();
	char *out;

	gup_flags_reset();
	ev.kind = DA_KIND_GUP_ON_DMABUF;
	ev.hook = DA_HOOK_GUP_SLOW;

	ev.gup_flags = 0x01 | 0x04 | 0x10 | 0x2000 | 0x10000 | 0x40000;
	out = capture_finding(&ev, 1);
	ASSERT_HAS_STR(out,
		       ",\"gup_flags\":[\"FOLL_WRITE\",\"FOLL_GET\",\"FOLL_FORCE\","
		       "\"FOLL_REMOTE\",\"FOLL_LONGTERM\",\"FOLL_PIN\"],\"buf_name\"",
		       "every legacy flag");
	free(out);

	ev.gup_flags = 0;
	out = capture_finding(&ev, 1);
	ASSERT_HAS_STR(out, ",\"gup_flags\":[],\"buf_name\"", "no flags: empty array");
	ASSERT_JSON_LINES(out, "empty gup_flags line");
	free(out);

	/* bits with no name in the table (FOLL_TOUCH 0x02 on 6.1) are left out */
	ev.gup_flags = 0x02 | 0x40000;
	out = capture_finding(&ev, 1);
	ASSERT_HAS_STR(out, ",\"gup_flags\":[\"FOLL_PIN\"],\"buf_name\"", "unnamed bits dropped");
	free(out);
}

/*
 * 6.4+ kernels renumbered FOLL_* as enumerators; the loader learns them
 * from BTF via gup_flag_set_value(). Values shaped like 6.12's.
 */
static void test_json_finding_gup_flags_btf(void)
{
	static const struct gup_flag_name v612[] = {
		{ "FOLL_WRITE", 0x1 },	    { "FOLL_GET", 0x2 },	{ "FOLL_FORCE", 0x8 },
		{ "FOLL_LONGTERM", 0x100 }, { "FOLL_REMOTE", 0x20000 }, { "FOLL_PIN", 0x80000 },
	};
	struct da_event ev = base_event();
	char *out;

	gup_flags_reset();
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(v612); i++)
		ASSERT_EQ_INT(gup_flag_set_value(v612[i].name, v612[i].value), 0, v612[i].name);
	ASSERT_EQ_INT(gup_flag_set_value("FOLL_NOPE", 0x4), -ENOENT, "unknown flag name");
	ASSERT_EQ_INT(gup_flag_set_value("foll_pin", 0x4), -ENOENT, "names are case-sensitive");

	ev.kind = DA_KIND_GUP_ON_DMABUF;
	ev.hook = DA_HOOK_GUP_SLOW;
	ev.gup_flags = 0x80000 | 0x100 | 0x1; /* io_uring register: PIN|LONGTERM|WRITE */
	out = capture_finding(&ev, 1);
	ASSERT_HAS_STR(out,
		       ",\"gup_flags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\",\"FOLL_PIN\"],"
		       "\"buf_name\"",
		       "6.12 values decoded");
	free(out);

	/* the old 6.1 bits mean nothing named now */
	ev.gup_flags = 0x40000 | 0x10000;
	out = capture_finding(&ev, 1);
	ASSERT_HAS_STR(out, ",\"gup_flags\":[],\"buf_name\"",
		       "6.1 bits not decoded with 6.12 table");
	free(out);

	ev.gup_flags = 0x2 | 0x8 | 0x20000;
	ev.kind = DA_KIND_GUP_BLOCKED;
	out = capture_finding(&ev, 1);
	ASSERT_HAS_STR(out,
		       ",\"gup_flags\":[\"FOLL_GET\",\"FOLL_FORCE\",\"FOLL_REMOTE\"],\"buf_name\"",
		       "6.12 GET|FORCE|REMOTE");
	free(out);

	gup_flags_reset();
	ev.gup_flags = 0x40000 | 0x10000 | 0x1;
	out = capture_finding(&ev, 1);
	ASSERT_HAS_STR(out,
		       ",\"gup_flags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\",\"FOLL_PIN\"],"
		       "\"buf_name\"",
		       "reset restores the 6.1 table");
	free(out);
	for (int i = 0; i < GUP_FLAG_NAMES; i++)
		if (!strcmp(gup_flag_table[i].name, "FOLL_PIN"))
			ASSERT_EQ_U64(gup_flag_table[i].value, 0x40000, "reset FOLL_PIN");
}

static char *capture_finding_ks(const struct da_event *ev, uint64_t count, const struct ksyms *ks)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	json_write_finding(f, ev, count, ks);
	fclose(f);
	return buf;
}

/* A small kallsyms: built-in, module, and a name JSON must escape. */
static int load_ks(struct ksyms *ks)
{
	static const char text[] = "ffffffff81001000 T start_kernel\n"
				   "ffffffff81002000 t helper_b\n"
				   "ffffffff81003000 t we\"ird\\name\n"
				   "ffffffffc0a01000 t tim_mmap\t[test_insert_page]\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	int ret;

	memset(ks, 0, sizeof(*ks));
	if (!ASSERT_OK_PTR(f, "fmemopen"))
		return -1;
	ret = ksyms_load(ks, f);
	fclose(f);
	return ASSERT_EQ_INT(ret, 0, "ksyms_load") ? 0 : -1;
}

/* pte_not_special from the fault path, every new field set. */
static struct da_event full_event(void)
{
	struct da_event ev = base_event();

	ev.kind = DA_KIND_PTE_NOT_SPECIAL;
	ev.hook = DA_HOOK_PTE_INSTALL;
	ev.addr = 0x7f12abcd1000ull;
	ev.pte = 0x8000000123456867ull;
	strcpy(ev.buf_name, "camera-frame");
	strcpy(ev.module, "test_insert_page");
	ev.mmap_op = 0xffffffffc0a01000ull;
	ev.uid = 1000;
	ev.cgroup_id = 4660;
	ev.stack_len = 3;
	ev.stack[0] = 0xffffffff8100101aull;
	ev.stack[1] = 0xffffffffc0a0102bull;
	ev.stack[2] = 0xffffffff81002000ull;
	ev.stack[3] = 0xffffffff81002004ull; /* past stack_len: not shown */
	return ev;
}

/* The new fields, in order, after hook; no ksyms: kernel addresses unknown, never raw. */
static void test_json_finding_new_fields(void)
{
	struct da_event ev = full_event();

	gup_flags_reset();
	expect_finding(&ev, 2,
		       "{\"kind\":\"pte_not_special\",\"pid\":1234,\"tid\":1235,"
		       "\"comm\":\"dmabuf-trigger\",\"exporter\":\"test_insert_page\","
		       "\"inode\":4567,\"size\":16384,\"vm_start\":\"0x7f12abcd0000\","
		       "\"vm_end\":\"0x7f12abcd4000\",\"vm_flags\":\"0x100000fb\","
		       "\"addr\":\"0x7f12abcd1000\",\"count\":2,\"hook\":\"pte_install\","
		       "\"pte\":\"0x8000000123456867\",\"buf_name\":\"camera-frame\","
		       "\"module\":\"test_insert_page\",\"mmap_op\":\"[unknown]\","
		       "\"fix\":\"" FIX_FAULT "\","
		       "\"uid\":1000,\"cgroup_id\":4660,\"stack\":[\"[unknown]\","
		       "\"[unknown]\",\"[unknown]\"]}\n",
		       "pte_not_special line, NULL ks");

	/* full ranges */
	ev.uid = 4294967295u;
	ev.cgroup_id = 18446744073709551615ull;
	ev.pte = 0xffffffffffffffffull;
	{
		char *out = capture_finding(&ev, 1);

		ASSERT_HAS_STR(out, ",\"uid\":4294967295,", "uid u32 max");
		ASSERT_HAS_STR(out, ",\"cgroup_id\":18446744073709551615,", "cgroup_id u64 max");
		ASSERT_HAS_STR(out, ",\"pte\":\"0xffffffffffffffff\",", "pte u64 max");
		ASSERT_JSON_LINES(out, "max values line");
		free(out);
	}
}

/* With ksyms: "func+0xoff [module]" frames, mmap_op "func [module]". */
static void test_json_finding_symbolized(void)
{
	struct da_event ev = full_event();
	struct ksyms ks;
	char *out;

	if (load_ks(&ks))
		return;
	out = capture_finding_ks(&ev, 1, &ks);
	ASSERT_HAS_STR(out,
		       ",\"mmap_op\":\"tim_mmap [test_insert_page]\",\"fix\":\"the fault handler "
		       "tim_mmap [test_insert_page] installs returns vmf->page: set VM_PFNMAP in "
		       "tim_mmap [test_insert_page] and return vmf_insert_pfn() from the fault "
		       "handler instead\",\"uid\":1000,"
		       "\"cgroup_id\":4660,\"stack\":[\"start_kernel+0x1a\","
		       "\"tim_mmap+0x2b [test_insert_page]\",\"helper_b+0x0\"]}\n",
		       "symbolized mmap_op, the fix naming it, and the stack");
	ASSERT_JSON_LINES(out, "symbolized line");
	free(out);

	/* mmap_op inside a function, unknown frames, escaped names */
	ev.mmap_op = 0xffffffffc0a01010ull;
	ev.stack_len = 3;
	ev.stack[0] = 0x1234;
	ev.stack[1] = 0xffffffff81003004ull;
	ev.stack[2] = 0xffffffffc0a01000ull + 0x200000;
	out = capture_finding_ks(&ev, 1, &ks);
	ASSERT_HAS_STR(out, ",\"mmap_op\":\"tim_mmap+0x10 [test_insert_page]\",",
		       "mmap_op inside a function: offset");
	ASSERT_HAS_STR(out,
		       ",\"stack\":[\"[unknown]\",\"we\\\"ird\\\\name+0x4\","
		       "\"[unknown]\"]}\n",
		       "unknown frames, name escaped");
	ASSERT_NO_STR(out, "0xffff", "no raw kernel address");
	ASSERT_JSON_LINES(out, "unknown frames line");
	free(out);

	ev.mmap_op = 0x10;
	out = capture_finding_ks(&ev, 1, &ks);
	ASSERT_HAS_STR(out, ",\"mmap_op\":\"[unknown]\",", "unknown mmap_op");
	free(out);
	ev.mmap_op = 0;
	out = capture_finding_ks(&ev, 1, &ks);
	ASSERT_HAS_STR(out, ",\"mmap_op\":null,", "mmap_op 0: null, even with ks");
	free(out);
	ksyms_free(&ks);
}

/* "pte" only when a pte was read back, after gup_flags. */
static void test_json_finding_pte(void)
{
	struct da_event ev = full_event();
	char *out;

	gup_flags_reset();
	ev.pte = 0;
	out = capture_finding(&ev, 1);
	ASSERT_NO_STR(out, "\"pte\"", "pte 0: no pte field");
	ASSERT_HAS_STR(out, "\"hook\":\"pte_install\",\"buf_name\":", "buf_name after hook");
	ASSERT_JSON_LINES(out, "no pte line");
	free(out);

	ev.pte = 0x1;
	ev.kind = DA_KIND_GUP_FAST_ON_DMABUF;
	ev.hook = DA_HOOK_GUP_FAST;
	ev.gup_flags = 0x40000;
	out = capture_finding(&ev, 1);
	ASSERT_HAS_STR(out, "\"gup_flags\":[\"FOLL_PIN\"],\"pte\":\"0x1\",\"buf_name\":",
		       "pte after gup_flags, before buf_name");
	free(out);
}

/*
 * The huge kinds: the entry read back as "pte", its size by level (this
 * machine's page size), the fault handler as "caller" (null without a stack).
 */
static void test_json_finding_huge(void)
{
	struct da_event ev = base_event();
	char want[96];
	char *out;

	ev.kind = DA_KIND_HUGE_NOT_SPECIAL;
	ev.hook = DA_HOOK_HUGE_INSERT;
	ev.ret = DA_HUGE_PMD;
	ev.pte = 0x80000001234000e7ull;
	out = capture_finding(&ev, 2);
	ASSERT_HAS_STR(out, "\"kind\":\"huge_not_special\",", "kind");
	ASSERT_HAS_STR(out, "\"count\":2,\"hook\":\"huge_insert\",\"pte\":\"0x80000001234000e7\",",
		       "the entry after the hook");
	snprintf(want, sizeof(want), ",\"entry_size\":%llu,\"caller\":null,",
		 (unsigned long long)huge_entry_size(DA_HUGE_PMD));
	ASSERT_HAS_STR(out, want, "entry size, then no caller");
	ASSERT_JSON_LINES(out, "huge_not_special line");
	free(out);

	ev.kind = DA_KIND_HUGE_ENTRY;
	ev.ret = DA_HUGE_PUD;
	out = capture_finding(&ev, 1);
	snprintf(want, sizeof(want), ",\"entry_size\":%llu,",
		 (unsigned long long)huge_entry_size(DA_HUGE_PUD));
	ASSERT_HAS_STR(out, want, "pud size");
	ASSERT_HAS_STR(out, "\"kind\":\"huge_entry\",", "warning kind");
	free(out);

	ev.kind = DA_KIND_PTE_NOT_SPECIAL;
	ev.hook = DA_HOOK_PTE_INSTALL;
	out = capture_finding(&ev, 1);
	ASSERT_NO_STR(out, "entry_size", "no entry_size on pte_not_special");
	ASSERT_NO_STR(out, "caller", "no caller on pte_not_special");
	free(out);
}

/* gup_flags on gup_fast_on_dmabuf too; not on pte_not_special. */
static void test_json_finding_gup_fast(void)
{
	struct da_event ev = base_event();
	char *out;

	gup_flags_reset();
	ev.kind = DA_KIND_GUP_FAST_ON_DMABUF;
	ev.hook = DA_HOOK_GUP_FAST;
	ev.addr = 0x7f12abcd2000ull;
	ev.gup_flags = 0x40001;
	expect_finding(&ev, 7,
		       "{\"kind\":\"gup_fast_on_dmabuf\",\"pid\":1234,\"tid\":1235,"
		       "\"comm\":\"dmabuf-trigger\",\"exporter\":\"test_insert_page\","
		       "\"inode\":4567,\"size\":16384,\"vm_start\":\"0x7f12abcd0000\","
		       "\"vm_end\":\"0x7f12abcd4000\",\"vm_flags\":\"0x100000fb\","
		       "\"addr\":\"0x7f12abcd2000\",\"count\":7,\"hook\":\"gup_fast\","
		       "\"gup_flags\":[\"FOLL_WRITE\",\"FOLL_PIN\"],\"buf_name\":\"\","
		       "\"module\":\"\",\"mmap_op\":null,\"fix\":\"" FIX_GUP "\","
		       "\"uid\":0,\"cgroup_id\":0,\"stack\":[]}\n",
		       "gup_fast_on_dmabuf line");
	ev.gup_flags = 0;
	out = capture_finding(&ev, 1);
	ASSERT_HAS_STR(out, "\"hook\":\"gup_fast\",\"gup_flags\":[],", "no flags: empty array");
	free(out);

	ev.kind = DA_KIND_PTE_NOT_SPECIAL;
	ev.hook = DA_HOOK_PTE_INSTALL;
	ev.gup_flags = 0x40001;
	out = capture_finding(&ev, 1);
	ASSERT_NO_STR(out, "gup_flags", "no gup_flags on pte_not_special");
	free(out);
}

/* At most DA_STACK_DEPTH frames whatever stack_len says (heap event: ASan). */
static void test_json_finding_stack_cap(void)
{
	static const uint32_t lens[] = {
		0, 1, DA_STACK_DEPTH - 1, DA_STACK_DEPTH, DA_STACK_DEPTH + 1, 1000, 0xffffffffu
	};
	struct da_event *ev = malloc(sizeof(*ev));

	if (!ASSERT_OK_PTR(ev, "malloc"))
		return;
	*ev = base_event();
	for (int i = 0; i < DA_STACK_DEPTH; i++)
		ev->stack[i] = 0x1000 + i;
	for (size_t l = 0; l < UNIT_ARRAY_SIZE(lens); l++) {
		uint32_t want = lens[l] < DA_STACK_DEPTH ? lens[l] : DA_STACK_DEPTH;
		char *out, *stack, tail[32];
		uint32_t frames = 0;

		ev->stack_len = lens[l];
		out = capture_finding(ev, 1);
		stack = out ? strstr(out, ",\"stack\":[") : NULL;
		if (!ASSERT_OK_PTR(stack, "stack field")) {
			free(out);
			continue;
		}
		for (char *p = stack; (p = strstr(p, "\"[unknown]\"")); p++)
			frames++;
		ASSERT_EQ_U64(frames, want, "frames shown");
		if (want)
			snprintf(tail, sizeof(tail), "\"[unknown]\"]}\n");
		else
			snprintf(tail, sizeof(tail), "[]}\n");
		ASSERT_HAS_STR(stack, tail, "last frame, then the end of the line");
		ASSERT_JSON_LINES(out, "stack line");
		free(out);
	}
	free(ev);
}

/* buf_name (32) and module (56) are userspace/module controlled bytes. */
static void test_json_finding_hostile_names(void)
{
	struct da_event *ev = malloc(sizeof(*ev));
	char *out;

	if (!ASSERT_OK_PTR(ev, "malloc"))
		return;
	*ev = base_event();
	/* full, no NUL: quote, backslash, newline, control, invalid UTF-8 */
	memset(ev->buf_name, 'n', DA_BUF_NAME_LEN);
	memcpy(ev->buf_name, "a\"b\\c\n\x01\xff", 8);
	memset(ev->module, 'm', DA_MODULE_LEN);
	/* a UTF-8 sequence cut by the end of the field: stack[0] completes it */
	ev->module[DA_MODULE_LEN - 2] = '\xe2';
	ev->module[DA_MODULE_LEN - 1] = '\x82';
	ev->stack[0] = 0xffffffff810000acull; /* first byte in memory 0xac */
	ev->stack_len = 1;
	out = capture_finding(ev, 1);
	ASSERT_HAS_STR(out,
		       ",\"buf_name\":\"a\\\"b\\\\c\\n\\u0001\\u00ff"
		       "nnnnnnnnnnnnnnnnnnnnnnnn\",\"module\":",
		       "buf_name escaped, 32 bytes, not more");
	ASSERT_HAS_STR(out,
		       ",\"module\":\"mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"
		       "\\u00e2\\u0082\",\"mmap_op\":",
		       "module: 56 bytes, cut sequence escaped, not more");
	if (ASSERT_JSON_LINES(out, "hostile buf_name/module: valid JSON"))
		ASSERT_TRUE(strchr(out, '\n') == out + strlen(out) - 1,
			    "exactly one newline, at the end");
	free(out);

	/* an injection attempt stays inside the string */
	memset(ev->buf_name, 0, DA_BUF_NAME_LEN);
	strcpy(ev->buf_name, "\",\"kind\":\"none\"}\n{\"");
	memset(ev->module, 0, DA_MODULE_LEN);
	strcpy(ev->module, "\xc3\xa9t\xc3\xa9\x7f");
	out = capture_finding(ev, 1);
	ASSERT_HAS_STR(out, "\"buf_name\":\"\\\",\\\"kind\\\":\\\"none\\\"}\\n{\\\"\",",
		       "injection escaped");
	ASSERT_HAS_STR(out, "\"module\":\"\xc3\xa9t\xc3\xa9\\u007f\",", "UTF-8 kept, DEL escaped");
	ASSERT_JSON_LINES(out, "injection line");
	free(out);
	free(ev);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_json_validator_selftest),
	UNIT_TEST(test_json_string_cases),
	UNIT_TEST(test_json_string_control),
	UNIT_TEST(test_json_string_utf8_valid),
	UNIT_TEST(test_json_string_maxlen),
	UNIT_TEST(test_json_string_no_nul),
	UNIT_TEST(test_json_string_random),
	UNIT_TEST(test_json_finding_fields),
	UNIT_TEST(test_json_finding_numbers),
	UNIT_TEST(test_json_finding_hostile_text),
	UNIT_TEST(test_json_finding_gup_flags_legacy),
	UNIT_TEST(test_json_finding_gup_flags_btf),
	UNIT_TEST(test_json_finding_new_fields),
	UNIT_TEST(test_json_finding_symbolized),
	UNIT_TEST(test_json_finding_pte),
	UNIT_TEST(test_json_finding_huge),
	UNIT_TEST(test_json_finding_gup_fast),
	UNIT_TEST(test_json_finding_stack_cap),
	UNIT_TEST(test_json_finding_hostile_names),
};
UNIT_SUITE(json, tests);
