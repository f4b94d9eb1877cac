// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON output (src/json.c): json_write_string() on any bytes, and
 * json_write_finding() on an event whose strings are any bytes.
 *
 * json_write_string() promises valid JSON whatever a process names itself:
 * control characters, quote and backslash escaped, valid UTF-8 kept, each
 * byte of an invalid sequence as \u00XX. Asserted, on the input as an
 * unterminated string of its own size (ASan sees any read past maxlen):
 * - no raw byte < 0x20 and no raw DEL in the output, which is one quoted
 *   string: every quote inside it escaped, its raw bytes valid UTF-8;
 * - round trip: the output parsed by the strict JSON string decoder below
 *   (escapes, \uXXXX with surrogate pairs, UTF-8 checked by the table of
 *   Unicode 3-7, not by json.c's code) gives the input up to its first NUL,
 *   where each byte of an invalid UTF-8 sequence reads as U+0080..U+00FF.
 *
 * json_write_finding() (the line of watch --json, report --json and the
 * daemon's log: the stable contract) with comm, exporter, buf_name and module
 * taken from the input, unterminated when the input fills them, and kind,
 * hook and stack_len out of range too: the line is one JSON object and a
 * newline, and its comm, exporter, buf_name and module decode to the field's
 * bytes as above.
 */
#include <stdbool.h>
#include "fuzz.h"
#include "json.h"

/* Length of the well-formed UTF-8 sequence at s (n bytes), 0 if none (Unicode Table 3-7). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	static const struct {
		unsigned char lo[4], hi[4];
		size_t len;
	} forms[] = {
		{ { 0x00 }, { 0x7f }, 1 },
		{ { 0xc2, 0x80 }, { 0xdf, 0xbf }, 2 },
		{ { 0xe0, 0xa0, 0x80 }, { 0xe0, 0xbf, 0xbf }, 3 },
		{ { 0xe1, 0x80, 0x80 }, { 0xec, 0xbf, 0xbf }, 3 },
		{ { 0xed, 0x80, 0x80 }, { 0xed, 0x9f, 0xbf }, 3 },
		{ { 0xee, 0x80, 0x80 }, { 0xef, 0xbf, 0xbf }, 3 },
		{ { 0xf0, 0x90, 0x80, 0x80 }, { 0xf0, 0xbf, 0xbf, 0xbf }, 4 },
		{ { 0xf1, 0x80, 0x80, 0x80 }, { 0xf3, 0xbf, 0xbf, 0xbf }, 4 },
		{ { 0xf4, 0x80, 0x80, 0x80 }, { 0xf4, 0x8f, 0xbf, 0xbf }, 4 },
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t k;

		if (forms[i].len > n)
			continue;
		for (k = 0; k < forms[i].len; k++)
			if (s[k] < forms[i].lo[k] || s[k] > forms[i].hi[k])
				break;
		if (k == forms[i].len)
			return k;
	}
	return 0;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* What s (n bytes, cut at a NUL) must decode to; out holds 2 n bytes. */
static size_t expected(const char *s, size_t n, char *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0, k;

	n = strnlen(s, n);
	for (size_t i = 0; i < n; i += k) {
		k = utf8_len(p + i, n - i);
		if (k) {
			memcpy(out + len, p + i, k);
			len += k;
		} else {
			len += put_utf8(out + len, p[i]); /* U+0080..U+00FF */
			k = 1;
		}
	}
	return len;
}

/* A strict JSON reader over [p, end): no whitespace (json.c writes none). */
struct reader {
	const char *p, *end;
	int depth;
};

static int hex4(struct reader *r)
{
	int v = 0;

	if (r->end - r->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = *r->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* A string at r->p, decoded into out (cap bytes, NULL: not kept); false if not JSON. */
static bool read_string(struct reader *r, char *out, size_t cap, size_t *outlen)
{
	size_t len = 0;
	char tmp[4];

	if (r->p == r->end || *r->p++ != '"')
		return false;
	while (r->p < r->end && *r->p != '"') {
		unsigned char c = (unsigned char)*r->p;
		size_t k = 1;
		char *piece = tmp;
		int cp, lo;

		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (++r->p == r->end)
				return false;
			switch (*r->p++) {
			case '"':
				tmp[0] = '"';
				break;
			case '\\':
				tmp[0] = '\\';
				break;
			case '/':
				tmp[0] = '/';
				break;
			case 'b':
				tmp[0] = '\b';
				break;
			case 'f':
				tmp[0] = '\f';
				break;
			case 'n':
				tmp[0] = '\n';
				break;
			case 'r':
				tmp[0] = '\r';
				break;
			case 't':
				tmp[0] = '\t';
				break;
			case 'u':
				cp = hex4(r);
				if (cp < 0 || (cp >= 0xdc00 && cp <= 0xdfff))
					return false;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
						return false;
					r->p += 2;
					lo = hex4(r);
					if (lo < 0xdc00 || lo > 0xdfff)
						return false;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				k = put_utf8(tmp, (uint32_t)cp);
				break;
			default:
				return false;
			}
		} else {
			k = utf8_len((const unsigned char *)r->p, (size_t)(r->end - r->p));
			if (!k)
				return false;
			piece = (char *)r->p;
			r->p += k;
		}
		if (out) {
			if (len + k > cap)
				return false;
			memcpy(out + len, piece, k);
		}
		len += k;
	}
	if (r->p == r->end)
		return false;
	r->p++;
	if (outlen)
		*outlen = len;
	return true;
}

static bool read_value(struct reader *r);

static bool read_number(struct reader *r)
{
	const char *start;

	if (r->p < r->end && *r->p == '-')
		r->p++;
	start = r->p;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	if (r->p == start || (*start == '0' && r->p - start > 1))
		return false;
	if (r->p < r->end && *r->p == '.') {
		start = ++r->p;
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
		if (r->p == start)
			return false;
	}
	return true;
}

static bool read_word(struct reader *r, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n))
		return false;
	r->p += n;
	return true;
}

/* The strings of the finding asserted on, by key. */
struct field {
	const char *key;
	char *val;
	size_t cap, len;
	bool seen;
};

static bool read_members(struct reader *r, struct field *fields, size_t nfields, char close)
{
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return true;
	}
	for (;;) {
		if (close == '}') {
			char key[64];
			size_t klen;
			struct field *fd = NULL;

			if (!read_string(r, key, sizeof(key) - 1, &klen))
				return false;
			key[klen] = '\0';
			if (r->p == r->end || *r->p++ != ':')
				return false;
			for (size_t i = 0; i < nfields; i++)
				if (!strcmp(fields[i].key, key))
					fd = &fields[i];
			if (fd) {
				if (fd->seen || !read_string(r, fd->val, fd->cap, &fd->len))
					return false;
				fd->seen = true;
			} else if (!read_value(r)) {
				return false;
			}
		} else if (!read_value(r)) {
			return false;
		}
		if (r->p == r->end)
			return false;
		if (*r->p == close) {
			r->p++;
			return true;
		}
		if (*r->p++ != ',')
			return false;
	}
}

static bool read_value(struct reader *r)
{
	bool ok;

	if (r->p == r->end || ++r->depth > 16)
		return false;
	switch (*r->p) {
	case '"':
		ok = read_string(r, NULL, 0, NULL);
		break;
	case '{':
		r->p++;
		ok = read_members(r, NULL, 0, '}');
		break;
	case '[':
		r->p++;
		ok = read_members(r, NULL, 0, ']');
		break;
	case 't':
		ok = read_word(r, "true");
		break;
	case 'f':
		ok = read_word(r, "false");
		break;
	case 'n':
		ok = read_word(r, "null");
		break;
	default:
		ok = read_number(r);
		break;
	}
	r->depth--;
	return ok;
}

static void check_string(const uint8_t *data, size_t size)
{
	char *in = malloc(size ? size : 1), *want = malloc(2 * size + 1);
	char *got = malloc(2 * size + 1);
	struct reader r;
	struct fuzz_out o;
	size_t want_len, got_len;

	if (!in || !want || !got)
		abort();
	memcpy(in, data, size); /* no terminator: maxlen is the bound */
	fuzz_out_open(&o);
	json_write_string(o.f, in, size);
	fuzz_out_close(&o);

	for (size_t i = 0; i < o.len; i++)
		FUZZ_ASSERT((unsigned char)o.buf[i] >= 0x20 && o.buf[i] != 0x7f,
			    "no raw control byte or DEL");
	r = (struct reader){ o.buf, o.buf + o.len, 0 };
	FUZZ_ASSERT(read_string(&r, got, 2 * size, &got_len), "one JSON string");
	FUZZ_ASSERT(r.p == r.end, "nothing after the string (every quote inside escaped)");
	want_len = expected(in, size, want);
	FUZZ_ASSERT(got_len == want_len && !memcmp(got, want, want_len), "round trip");
	free(o.buf);
	free(in);
	free(want);
	free(got);
}

static void check_finding(const uint8_t *data, size_t size)
{
	struct da_event ev;
	char want[4][2 * DA_MODULE_LEN], got[4][2 * DA_MODULE_LEN];
	struct field fields[] = {
		{ "comm", got[0], sizeof(got[0]), 0, false },
		{ "exporter", got[1], sizeof(got[1]), 0, false },
		{ "buf_name", got[2], sizeof(got[2]), 0, false },
		{ "module", got[3], sizeof(got[3]), 0, false },
	};
	size_t want_len[4], at = 0;
	struct fuzz_out o;
	struct reader r;
	uint8_t nums[16];

	memset(&ev, 0, sizeof(ev));
	fuzz_take(ev.comm, sizeof(ev.comm), data, size, &at);
	fuzz_take(ev.exporter, sizeof(ev.exporter), data, size, &at);
	fuzz_take(ev.buf_name, sizeof(ev.buf_name), data, size, &at);
	fuzz_take(ev.module, sizeof(ev.module), data, size, &at);
	fuzz_take(nums, sizeof(nums), data, size, &at);
	ev.kind = nums[0] % 8; /* DA_KIND_MAX and past it: "unknown" */
	ev.hook = nums[1] % 16;
	ev.stack_len = nums[2] % 24; /* past DA_STACK_DEPTH too */
	ev.pid = ev.tid = nums[3] | (uint32_t)nums[4] << 8;
	memcpy(&ev.inode, nums + 5, 8);
	ev.mmap_op = nums[13] ? 0xffffffff81000000ull + nums[13] : 0;
	ev.pte = nums[14];
	ev.gup_flags = nums[15];
	ev.vm_start = 0x7f0000000000ull;
	ev.vm_end = ev.vm_start + ev.inode % 0x100000;
	for (uint32_t i = 0; i < DA_STACK_DEPTH; i++)
		ev.stack[i] = 0xffffffff81000000ull + i * 0x40;
	want_len[0] = expected(ev.comm, sizeof(ev.comm), want[0]);
	want_len[1] = expected(ev.exporter, sizeof(ev.exporter), want[1]);
	want_len[2] = expected(ev.buf_name, sizeof(ev.buf_name), want[2]);
	want_len[3] = expected(ev.module, sizeof(ev.module), want[3]);

	fuzz_out_open(&o);
	json_write_finding_ex(o.f, &ev, nums[15], NULL, nums[14] & 1);
	fuzz_out_close(&o);

	FUZZ_ASSERT(o.len && o.buf[o.len - 1] == '\n', "a line");
	FUZZ_ASSERT(memchr(o.buf, '\n', o.len) == o.buf + o.len - 1, "one line");
	r = (struct reader){ o.buf, o.buf + o.len - 1, 0 };
	FUZZ_ASSERT(r.p < r.end && *r.p++ == '{', "an object");
	FUZZ_ASSERT(read_members(&r, fields, 4, '}') && r.p == r.end, "one JSON object");
	for (int i = 0; i < 4; i++)
		FUZZ_ASSERT(fields[i].seen && fields[i].len == want_len[i] &&
				    !memcmp(got[i], want[i], want_len[i]),
			    "the finding's strings round-trip");
	free(o.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_string(data, size);
	check_finding(data, size);
	return 0;
}
