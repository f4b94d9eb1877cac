// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Prometheus output (src/metrics.c): prom_write_label() on any bytes, and
 * the textfile (metrics_render()) with exporter names that are any bytes.
 *
 * Asserts, besides no crash, leak or undefined behaviour:
 * - prom_write_label(): a quoted value with no raw newline inside, every
 *   backslash and quote inside escaped (\\, \", \n are the only escapes),
 *   and unescaping it gives the input back (up to its first NUL);
 * - exporters: each NUL-separated piece of the input is an exporter name
 *   (raw bytes with a length, as BPF and bufinfo give them) counted and
 *   given mapped bytes. The table keeps at most DA_METRIC_EXPORTERS names
 *   plus "other", each non-empty, at most DA_EXPORTER_LEN bytes and
 *   label-safe (no byte < 0x20 but newline, no DEL or non-ASCII byte), no
 *   two the same (two series with the same labels break the whole file);
 * - metrics_render(): every line is "# HELP name text", "# TYPE name
 *   counter|gauge" or a sample "name{label="value",...} number" in the text
 *   exposition format, no two samples with the same name and labels, and
 *   each exporter's label value unescapes to its name.
 */
#define _GNU_SOURCE /* memmem */
#include <stdbool.h>
#include "fuzz.h"
#include "metrics.h"

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

/*
 * A quoted label value at *p (inside [*p, end)), unescaped into out (if not
 * NULL; as long as the quoted text at most): false if not a valid one.
 */
static bool read_label(const char **p, const char *end, char *out, size_t *outlen)
{
	const char *s = *p;
	size_t n = 0;

	if (s == end || *s++ != '"')
		return false;
	while (s < end && *s != '"') {
		char c = *s++;

		if (c == '\n')
			return false;
		if (c == '\\') {
			if (s == end)
				return false;
			c = *s++;
			if (c == 'n')
				c = '\n';
			else if (c != '\\' && c != '"')
				return false;
		}
		if (out)
			out[n] = c;
		n++;
	}
	if (s == end)
		return false;
	*p = s + 1;
	if (outlen)
		*outlen = n;
	return true;
}

static void check_label(const uint8_t *data, size_t size)
{
	char *in = fuzz_strdup(data, size), *back;
	size_t len, back_len;
	struct fuzz_out o;
	const char *p;

	fuzz_out_open(&o);
	prom_write_label(o.f, in);
	fuzz_out_close(&o);
	back = malloc(o.len + 1);
	if (!back)
		abort();
	p = o.buf;
	FUZZ_ASSERT(!memchr(o.buf, '\n', o.len), "no raw newline");
	FUZZ_ASSERT(read_label(&p, o.buf + o.len, back, &back_len), "a quoted label value");
	FUZZ_ASSERT(p == o.buf + o.len, "nothing after it: every quote escaped");
	len = strlen(in);
	FUZZ_ASSERT(back_len == len && !memcmp(back, in, len), "round trip");
	free(back);
	free(o.buf);
	free(in);
}

/* One line of the exposition, without its newline; its series (name{labels}) in *series_len. */
static bool sample_line(const char *s, const char *end, size_t *series_len)
{
	const char *p = s;

	if (p == end || !name_char(*p++, true))
		return false;
	while (p < end && name_char(*p, false))
		p++;
	if (p < end && *p == '{') {
		p++;
		for (;;) {
			if (p == end || !name_char(*p++, true))
				return false;
			while (p < end && name_char(*p, false))
				p++;
			if (p == end || *p++ != '=' || !read_label(&p, end, NULL, NULL))
				return false;
			if (p < end && *p == ',') {
				p++;
				continue;
			}
			if (p == end || *p++ != '}')
				return false;
			break;
		}
	}
	*series_len = (size_t)(p - s);
	if (p == end || *p++ != ' ' || p == end)
		return false;
	for (; p < end; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			return false;
	return true;
}

static bool comment_line(const char *s, const char *end)
{
	size_t n = (size_t)(end - s);
	const char *p;

	if (n < 7 || (memcmp(s, "# HELP ", 7) && memcmp(s, "# TYPE ", 7)))
		return false;
	p = s + 7;
	if (p == end || !name_char(*p++, true))
		return false;
	while (p < end && name_char(*p, false))
		p++;
	if (p == end || *p++ != ' ')
		return false;
	if (!memcmp(s, "# TYPE ", 7))
		return (end - p == 7 && !memcmp(p, "counter", 7)) ||
		       (end - p == 5 && !memcmp(p, "gauge", 5));
	return p < end;
}

struct series {
	const char *s;
	size_t len;
};

static int series_cmp(const void *a, const void *b)
{
	const struct series *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void check_render(const struct metrics *m)
{
	struct series *series;
	size_t nseries = 0, nlines = 0;
	struct fuzz_out o;

	fuzz_out_open(&o);
	metrics_render(o.f, m, 1700000000.25);
	fuzz_out_close(&o);
	FUZZ_ASSERT(o.len && o.buf[o.len - 1] == '\n', "ends with a newline");
	for (size_t i = 0; i < o.len; i++)
		nlines += o.buf[i] == '\n';
	series = calloc(nlines, sizeof(*series));
	if (!series)
		abort();
	for (const char *s = o.buf, *end; s < o.buf + o.len; s = end + 1) {
		size_t len;

		end = memchr(s, '\n', (size_t)(o.buf + o.len - s));
		if (*s == '#') {
			FUZZ_ASSERT(comment_line(s, end), "a HELP or TYPE line");
			continue;
		}
		FUZZ_ASSERT(sample_line(s, end, &len), "a sample line");
		series[nseries++] = (struct series){ s, len };
		/* each exporter label: an exporter's name */
		for (const char *p = s; (p = memmem(p, (size_t)(end - p), "exporter=", 9));) {
			char name[2 * DA_EXPORTER_LEN + 8];
			size_t n;
			bool known = false;

			p += 9;
			FUZZ_ASSERT(read_label(&p, end, name, &n) && n <= DA_EXPORTER_LEN,
				    "exporter label");
			name[n] = '\0';
			for (int i = 0; i < m->nexp; i++)
				known |= !strcmp(m->exp[i].name, name);
			FUZZ_ASSERT(known, "exporter label is an exporter's name");
		}
	}
	qsort(series, nseries, sizeof(*series), series_cmp);
	for (size_t i = 1; i < nseries; i++)
		FUZZ_ASSERT(series_cmp(&series[i - 1], &series[i]), "no duplicate series");
	free(series);
	free(o.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct metrics m;
	const char *s = (const char *)data;

	check_label(data, size);

	metrics_init(&m, "0.1.0", "6.1.0-fuzz", 1700000000.0);
	m.det_mech[0] = "fentry";
	for (size_t at = 0, n; at <= size; at += n + 1) {
		const char *nul = memchr(s + at, '\0', size - at);

		n = nul ? (size_t)(nul - (s + at)) : size - at;
		metrics_count(&m, s + at, n, (uint32_t)(n % 8), 1 + n, n & 8);
		metrics_mapped_add(&m, s + at, n, 4096 * n);
	}
	FUZZ_ASSERT(m.nexp >= 1 && m.nexp <= DA_METRIC_EXPORTERS + 1, "bounded exporters");
	for (int i = 0; i < m.nexp; i++) {
		const char *name = m.exp[i].name;
		size_t len = strnlen(name, sizeof(m.exp[i].name));

		FUZZ_ASSERT(len && len <= DA_EXPORTER_LEN, "name length");
		for (size_t k = 0; k < len; k++) {
			unsigned char c = name[k];

			FUZZ_ASSERT((c >= 0x20 || c == '\n') && c < 0x7f, "label-safe name");
		}
		for (int j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(name, m.exp[j].name), "distinct names");
	}
	check_render(&m);
	return 0;
}
