// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* metrics.c: counters per (kind, exporter), the text exposition, textfile_write(). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "detectors.h"
#include "finding.h"
#include "metrics.h"
#include "unit.h"

#define START 1700000000.25
#define NOW   1700000060.5

static struct metrics *m_new(void)
{
	struct metrics *m = malloc(sizeof(*m));

	if (m)
		metrics_init(m, "0.1.0", "6.1.0-56-amd64", START);
	return m;
}

static char *render(const struct metrics *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	metrics_render(f, m, NOW);
	fclose(f);
	return buf;
}

/* Exact line (without its '\n') present in text. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && !memcmp(p, line, n))
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

/* Lines of text starting with prefix. */
static int count_prefix(const char *text, const char *prefix)
{
	int n = 0;
	size_t plen = strlen(prefix);

	for (const char *p = text; p && *p;) {
		if (!strncmp(p, prefix, plen))
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

#define ASSERT_LINE(text, line, what)                                                              \
	(has_line(text, line) ? true : ASSERT_HAS_STR(text, line "\n", what))
#define ASSERT_NO_LINE(text, line, what)                                                           \
	(!has_line(text, line) ? true : ASSERT_NO_STR(text, line "\n", what))

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

/*
 * Checks text against the Prometheus text format 0.0.4 as the textfile
 * collector reads it: "# HELP name text" then "# TYPE name counter|gauge"
 * once per family, samples "name{label="value",...} number" of the current
 * family (no timestamp), label values ASCII with only \\ \" \n escapes, no
 * sample (name + labels) twice, a final newline. NULL if fine, else why.
 */
static const char *exposition_error(const char *text, char *why, size_t len)
{
	char family[128] = "", **seen = NULL;
	size_t nseen = 0, lineno = 0;
	const char *p = text, *res = NULL;
	bool help_pending = false;

#define BAD(...)                                                                                   \
	(snprintf(why, len, "line %zu: ", lineno),                                                 \
	 snprintf(why + strlen(why), len - strlen(why), __VA_ARGS__), res = why)
	if (!*text || text[strlen(text) - 1] != '\n')
		return snprintf(why, len, "does not end with a newline"), why;
	while (*p && !res) {
		const char *nl = strchr(p, '\n'), *q = p, *name;
		size_t n = nl - p, namelen;
		char *line = strndup(p, n);

		lineno++;
		p = nl + 1;
		if (!strncmp(line, "# HELP ", 7)) {
			q = line + 7;
			name = q;
			while (name_char(*q, q == name))
				q++;
			namelen = q - name;
			if (!namelen || *q != ' ' || !q[1])
				BAD("bad HELP");
			else if (help_pending)
				BAD("HELP without TYPE before");
			else if (namelen >= sizeof(family))
				BAD("name too long");
			snprintf(family, sizeof(family), "%.*s", (int)namelen, name);
			/* a family must appear once in the whole text */
			for (size_t i = 0; i < nseen && !res; i++)
				if (!strcmp(seen[i], family))
					BAD("family %s declared twice", family);
			help_pending = true;
		} else if (!strncmp(line, "# TYPE ", 7)) {
			char want[200];

			snprintf(want, sizeof(want), "# TYPE %s counter", family);
			if (!help_pending)
				BAD("TYPE without HELP");
			else if (strcmp(line, want) &&
				 (snprintf(want, sizeof(want), "# TYPE %s gauge", family),
				  strcmp(line, want)))
				BAD("bad TYPE '%s' for family %s", line, family);
			help_pending = false;
			seen = realloc(seen, (nseen + 1) * sizeof(*seen));
			seen[nseen++] = strdup(family);
		} else if (line[0] == '#' || !line[0]) {
			BAD("stray comment or empty line");
		} else {
			const char *start = q = line;
			size_t series_len;

			if (help_pending)
				BAD("sample before TYPE");
			while (name_char(*q, q == start))
				q++;
			if (!res && ((size_t)(q - start) != strlen(family) ||
				     strncmp(start, family, q - start)))
				BAD("sample of another family than %s", family);
			if (!res && *q == '{') {
				q++;
				while (!res && *q != '}') {
					const char *ls = q;

					while (name_char(*q, q == ls))
						q++;
					if (q == ls || *q++ != '=' || *q++ != '"') {
						BAD("bad label");
						break;
					}
					while (!res && *q && *q != '"') {
						if ((unsigned char)*q < 0x20 ||
						    (unsigned char)*q >= 0x7f)
							BAD("byte 0x%02x in a label value",
							    (unsigned char)*q);
						else if (*q == '\\' &&
							 (!q[1] || !strchr("\\\"n", q[1])))
							BAD("bad escape");
						else
							q += *q == '\\' ? 2 : 1;
					}
					if (res)
						break;
					if (*q++ != '"') {
						BAD("unterminated label value");
						break;
					}
					if (*q == ',')
						q++;
					else if (*q != '}')
						BAD("expected , or }");
				}
				q++;
			}
			series_len = q - line;
			if (!res && *q != ' ')
				BAD("no space before the value");
			if (!res) {
				char *end;

				q++;
				strtod(q, &end);
				if (end == q || *end)
					BAD("value '%s' is not one number (timestamp?)", q);
			}
			if (!res) {
				line[series_len] = '\0';
				for (size_t i = 0; i < nseen && !res; i++)
					if (seen[i][0] == '{' && !strcmp(seen[i] + 1, line))
						BAD("series %s twice", line);
				if (!res) {
					char *key = malloc(series_len + 2);

					key[0] = '{';
					strcpy(key + 1, line);
					seen = realloc(seen, (nseen + 1) * sizeof(*seen));
					seen[nseen++] = key;
				}
			}
		}
		free(line);
	}
	if (!res && help_pending)
		BAD("HELP without TYPE at the end");
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	return res;
#undef BAD
}

#define ASSERT_EXPOSITION(text, what)                                                              \
	do {                                                                                       \
		char why_[256];                                                                    \
		const char *e_ = exposition_error(text, why_, sizeof(why_));                       \
		ASSERT_STREQ(e_ ? e_ : "valid", "valid", what);                                    \
	} while (0)

static const char *const families[] = {
	"violations_total",
	"warnings_total",
	"suppressed_total",
	"hook_events_total",
	"ringbuf_lost_events_total",
	"gup_fast_unverified_total",
	"pfn_lookup_unverified_total",
	"dedup_full_total",
	"missed_total",
	"findings_dropped_total",
	"textfile_write_errors_total",
	"scan_errors_total",
	"inventory_errors_total",
	"bpf_read_errors_total",
	"findings_tracked",
	"detectors_attached",
	"start_time_seconds",
	"last_update_timestamp_seconds",
	"build_info",
};

static void test_metrics_render_empty(void)
{
	struct metrics *m = m_new();
	char *t, prefix[128];

	if (!ASSERT_OK_PTR(m, "malloc"))
		return;
	t = render(m);
	if (!ASSERT_OK_PTR(t, "render")) {
		free(m);
		return;
	}
	ASSERT_EXPOSITION(t, "empty metrics: valid exposition");
	ASSERT_TRUE(*t && t[strlen(t) - 1] == '\n', "ends with a newline");
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(families); i++) {
		snprintf(prefix, sizeof(prefix), "# HELP dmabuf_audit_%s ", families[i]);
		ASSERT_EQ_INT(count_prefix(t, prefix), 1, prefix);
		snprintf(prefix, sizeof(prefix), "# TYPE dmabuf_audit_%s ", families[i]);
		ASSERT_EQ_INT(count_prefix(t, prefix), 1, prefix);
	}
	ASSERT_EQ_INT(count_prefix(t, "# HELP "), (int)UNIT_ARRAY_SIZE(families),
		      "no other family");
	ASSERT_LINE(t, "# TYPE dmabuf_audit_violations_total counter", "violations: counter");
	ASSERT_LINE(t, "# TYPE dmabuf_audit_detectors_attached gauge", "detectors: gauge");
	/* no exporter yet: no per-exporter samples, no mapped_bytes family */
	ASSERT_EQ_INT(count_prefix(t, "dmabuf_audit_violations_total"), 0, "no violation series");
	ASSERT_EQ_INT(count_prefix(t, "dmabuf_audit_warnings_total"), 0, "no warning series");
	ASSERT_EQ_INT(count_prefix(t, "dmabuf_audit_suppressed_total"), 0, "no suppressed series");
	ASSERT_NO_STR(t, "mapped_bytes", "no mapped_bytes before a scan");
	/* the fixed series */
	ASSERT_LINE(t, "dmabuf_audit_hook_events_total{hook=\"dma_buf_mmap_internal\"} 0",
		    "hook events");
	ASSERT_LINE(t, "dmabuf_audit_hook_events_total{hook=\"huge_insert\"} 0", "last hook");
	ASSERT_EQ_INT(count_prefix(t, "dmabuf_audit_hook_events_total{"), DA_LIVE_DETECTORS,
		      "every hook but scan");
	ASSERT_NO_STR(t, "hook=\"scan\"", "no scan hook series");
	ASSERT_LINE(t, "dmabuf_audit_ringbuf_lost_events_total 0", "ringbuf lost");
	ASSERT_LINE(t, "dmabuf_audit_gup_fast_unverified_total 0", "gup fast unverified");
	ASSERT_LINE(t, "dmabuf_audit_pfn_lookup_unverified_total 0", "pfn lookup unverified");
	ASSERT_LINE(t, "dmabuf_audit_dedup_full_total 0", "dedup full");
	ASSERT_LINE(t, "dmabuf_audit_findings_dropped_total 0", "findings dropped");
	ASSERT_LINE(t, "dmabuf_audit_textfile_write_errors_total 0", "textfile errors");
	ASSERT_LINE(t, "dmabuf_audit_scan_errors_total 0", "scan errors");
	ASSERT_LINE(t, "dmabuf_audit_bpf_read_errors_total 0", "counter read errors");
	ASSERT_LINE(t, "dmabuf_audit_detectors_attached{mechanism=\"none\"} 12", "all none");
	ASSERT_LINE(t, "dmabuf_audit_detectors_attached{mechanism=\"fentry\"} 0", "no fentry");
	ASSERT_LINE(t, "dmabuf_audit_start_time_seconds 1700000000.250", "start time");
	ASSERT_LINE(t, "dmabuf_audit_last_update_timestamp_seconds 1700000060.500", "now");
	ASSERT_LINE(t, "dmabuf_audit_build_info{version=\"0.1.0\",kernel=\"6.1.0-56-amd64\"} 1",
		    "build info");
	free(t);
	free(m);
}

static void test_metrics_counts(void)
{
	struct metrics *m = m_new();
	char *t;

	if (!ASSERT_OK_PTR(m, "malloc"))
		return;
	metrics_count(m, "vgem", 4, DA_KIND_MMAP_WITHOUT_PFNMAP, 1, false);
	metrics_count(m, "vgem", 4, DA_KIND_MMAP_WITHOUT_PFNMAP, 2, false);
	metrics_count(m, "vgem", 4, DA_KIND_GUP_BLOCKED, 7, false);
	metrics_count(m, "vgem", 4, DA_KIND_GUP_ON_DMABUF, 5, true);
	metrics_count(m, "vgem", 4, DA_KIND_GUP_BLOCKED, 4, true);
	metrics_count(m, "i915", 4, DA_KIND_PTE_NOT_SPECIAL, 11, false);
	/* ignored: no kind, out of range, delta 0 (no exporter added either) */
	metrics_count(m, "none", 4, DA_KIND_NONE, 1, false);
	metrics_count(m, "huge", 4, DA_KIND_MAX, 1, false);
	metrics_count(m, "zero", 4, DA_KIND_GUP_BLOCKED, 0, false);
	ASSERT_EQ_INT(m->nexp, 2, "two exporters");
	m->counters[DA_CTR_RINGBUF_LOST] = 3;
	m->counters[DA_CTR_DEDUP_FULL] = 4;
	m->counters[DA_CTR_GUP_FAST_UNVERIFIED] = 5;
	m->counters[DA_CTR_HOOK_BASE + DA_HOOK_GUP_SLOW] = 42;
	m->counters[DA_CTR_HOOK_BASE + DA_HOOK_SCAN] = 99;
	m->findings_dropped = 6;
	m->textfile_errors = 2;

	t = render(m);
	if (!ASSERT_OK_PTR(t, "render")) {
		free(m);
		return;
	}
	ASSERT_EXPOSITION(t, "counts: valid exposition");
	ASSERT_LINE(
		t,
		"dmabuf_audit_violations_total{kind=\"mmap_without_pfnmap\",exporter=\"vgem\"} 3",
		"violation count");
	ASSERT_LINE(t, "dmabuf_audit_violations_total{kind=\"gup_on_dmabuf\",exporter=\"vgem\"} 0",
		    "suppressed not counted as violation");
	ASSERT_LINE(t,
		    "dmabuf_audit_violations_total{kind=\"pte_not_special\",exporter=\"i915\"} 11",
		    "second exporter");
	ASSERT_LINE(
		t,
		"dmabuf_audit_violations_total{kind=\"page_insert_on_dmabuf\",exporter=\"i915\"} 0",
		"zero series present");
	ASSERT_LINE(t, "dmabuf_audit_warnings_total{kind=\"gup_blocked\",exporter=\"vgem\"} 7",
		    "warning count");
	ASSERT_LINE(t, "dmabuf_audit_warnings_total{kind=\"gup_blocked\",exporter=\"i915\"} 0",
		    "warning zero");
	ASSERT_LINE(t, "dmabuf_audit_suppressed_total{kind=\"gup_on_dmabuf\",exporter=\"vgem\"} 5",
		    "suppressed violation");
	ASSERT_LINE(t, "dmabuf_audit_suppressed_total{kind=\"gup_blocked\",exporter=\"vgem\"} 4",
		    "suppressed warning");
	ASSERT_LINE(
		t,
		"dmabuf_audit_suppressed_total{kind=\"mmap_without_pfnmap\",exporter=\"vgem\"} 0",
		"suppressed zero");
	/* families hold their kinds only: 6 violation kinds, 3 warning, 9 suppressed */
	ASSERT_NO_STR(t, "violations_total{kind=\"gup_blocked\"", "no warning in violations");
	ASSERT_NO_STR(t, "warnings_total{kind=\"mmap_without_pfnmap\"", "no violation in warnings");
	ASSERT_EQ_INT(count_prefix(t, "dmabuf_audit_violations_total{"), 12, "6 kinds x 2");
	ASSERT_EQ_INT(count_prefix(t, "dmabuf_audit_warnings_total{"), 6, "3 kinds x 2");
	ASSERT_EQ_INT(count_prefix(t, "dmabuf_audit_suppressed_total{"), 18, "9 kinds x 2");
	ASSERT_NO_STR(t, "kind=\"none\"", "no kind none");
	ASSERT_NO_STR(t, "exporter=\"zero\"", "delta 0 adds no exporter");
	ASSERT_LINE(t, "dmabuf_audit_ringbuf_lost_events_total 3", "ringbuf lost");
	ASSERT_LINE(t, "dmabuf_audit_dedup_full_total 4", "dedup full");
	ASSERT_LINE(t, "dmabuf_audit_gup_fast_unverified_total 5", "find_vma busy");
	ASSERT_LINE(t, "dmabuf_audit_hook_events_total{hook=\"check_vma_flags\"} 42", "hook count");
	ASSERT_LINE(t, "dmabuf_audit_findings_dropped_total 6", "findings dropped");
	ASSERT_LINE(t, "dmabuf_audit_textfile_write_errors_total 2", "textfile errors");
	ASSERT_NO_STR(t, " 99\n", "scan hook not rendered");
	free(t);
	free(m);
}

static void test_metrics_label_escape(void)
{
	static const char name[] = "a\\b\"c\nd";
	struct metrics *m = m_new();
	char *buf = NULL, *t;
	size_t len = 0;
	FILE *f;

	if (!ASSERT_OK_PTR(m, "malloc"))
		return;
	f = open_memstream(&buf, &len);
	prom_write_label(f, name);
	prom_write_label(f, "");
	fclose(f);
	ASSERT_STREQ(buf, "\"a\\\\b\\\"c\\nd\"\"\"", "prom_write_label");
	free(buf);

	metrics_count(m, name, strlen(name), DA_KIND_GUP_ON_DMABUF, 2, false);
	ASSERT_STREQ(m->exp[0].name, name, "\\, \" and newline are kept raw");
	t = render(m);
	if (ASSERT_OK_PTR(t, "render")) {
		ASSERT_EXPOSITION(t, "escaped: valid exposition");
		ASSERT_LINE(t,
			    "dmabuf_audit_violations_total{kind=\"gup_on_dmabuf\","
			    "exporter=\"a\\\\b\\\"c\\nd\"} 2",
			    "escaped exporter label");
	}
	free(t);
	free(m);
}

static void test_metrics_label_safe(void)
{
	/* C0 controls (but \n), DEL, and every byte >= 0x80: '?' */
	static const char raw[] = "\x01x\ty\x7f\xc3\xa9z\x1f";
	/* 32 bytes, not NUL-terminated like da_event.exporter; then a byte too many */
	static const char full[] = "0123456789abcdef0123456789ABCDEFtoo-long";
	struct metrics *m = m_new();
	struct exporter_stats *e;
	char *t;

	if (!ASSERT_OK_PTR(m, "malloc"))
		return;
	e = metrics_exporter(m, raw, sizeof(raw) - 1);
	ASSERT_STREQ(e->name, "?x?y???z?", "control and non-ASCII bytes");
	/* len stops early; a NUL stops early */
	e = metrics_exporter(m, "vgemXYZ", 4);
	ASSERT_STREQ(e->name, "vgem", "len bounds the name");
	e = metrics_exporter(m, "i915\0junk", 9);
	ASSERT_STREQ(e->name, "i915", "NUL ends the name");
	e = metrics_exporter(m, full, sizeof(full) - 1);
	ASSERT_STREQ(e->name, "0123456789abcdef0123456789ABCDEF", "cut at DA_EXPORTER_LEN");
	/* empty: "unknown", and the same series as a literal "unknown" */
	e = metrics_exporter(m, "", 0);
	ASSERT_STREQ(e->name, "unknown", "empty exporter");
	ASSERT_TRUE(metrics_exporter(m, "\0x", 2) == e, "NUL-first name is unknown too");
	ASSERT_TRUE(metrics_exporter(m, "unknown", 7) == e, "literal unknown: same series");
	ASSERT_EQ_INT(m->nexp, 5, "5 exporters");

	metrics_count(m, "", 0, DA_KIND_MMAP_WITHOUT_PFNMAP, 1, false);
	t = render(m);
	if (ASSERT_OK_PTR(t, "render")) {
		ASSERT_EXPOSITION(t, "label-safe: valid exposition");
		ASSERT_LINE(t,
			    "dmabuf_audit_violations_total{kind=\"mmap_without_pfnmap\","
			    "exporter=\"unknown\"} 1",
			    "unknown exporter series");
		ASSERT_LINE(t,
			    "dmabuf_audit_violations_total{kind=\"mmap_without_pfnmap\","
			    "exporter=\"?x?y???z?\"} 0",
			    "sanitized exporter series");
	}
	free(t);
	free(m);
}

static void test_metrics_same_label_one_series(void)
{
	struct metrics *m = m_new();
	char *t;

	if (!ASSERT_OK_PTR(m, "malloc"))
		return;
	/* three raw names, one printed label "gpu?" */
	metrics_count(m, "gpu\x01", 4, DA_KIND_GUP_BLOCKED, 1, false);
	metrics_count(m, "gpu\x02", 4, DA_KIND_GUP_BLOCKED, 2, false);
	metrics_count(m, "gpu\xff", 4, DA_KIND_GUP_BLOCKED, 4, false);
	metrics_count(m, "gpu?", 4, DA_KIND_GUP_BLOCKED, 8, false);
	metrics_mapped_add(m, "gpu\x03", 4, 4096);
	metrics_mapped_add(m, "gpu\x04", 4, 8192);
	ASSERT_EQ_INT(m->nexp, 1, "one exporter");
	t = render(m);
	if (ASSERT_OK_PTR(t, "render")) {
		ASSERT_EXPOSITION(t, "alike names: valid exposition, no duplicate series");
		ASSERT_LINE(
			t, "dmabuf_audit_warnings_total{kind=\"gup_blocked\",exporter=\"gpu?\"} 15",
			"summed");
		ASSERT_EQ_INT(count_prefix(t, "dmabuf_audit_warnings_total{kind=\"gup_blocked\""),
			      1, "one series");
		ASSERT_LINE(t, "dmabuf_audit_mapped_bytes{exporter=\"gpu?\"} 12288",
			    "mapped summed");
	}
	free(t);
	free(m);
}

/*
 * The first DA_METRIC_EXPORTERS names have their own series, every later
 * one is counted as "other", which is one entry.
 */
static void test_metrics_exporter_cap(void)
{
	struct metrics *m = m_new();
	char name[16], *t;
	struct exporter_stats *other = NULL;

	if (!ASSERT_OK_PTR(m, "malloc"))
		return;
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "exp%02d", i);
		metrics_count(m, name, strlen(name), DA_KIND_MMAP_WITHOUT_PFNMAP, i + 1, false);
		/* stop at the first overflow: the struct is not to be trusted after */
		if (!ASSERT_EQ_INT(m->nexp,
				   i < DA_METRIC_EXPORTERS ? i + 1 : DA_METRIC_EXPORTERS + 1,
				   "nexp after each new exporter")) {
			printf("  after exporter %d (%s)\n", i + 1, name);
			free(m);
			return;
		}
	}
	ASSERT_STREQ(m->exp[DA_METRIC_EXPORTERS - 1].name, "exp31", "32nd has its own entry");
	ASSERT_STREQ(m->exp[DA_METRIC_EXPORTERS].name, "other", "33rd entry is other");
	other = &m->exp[DA_METRIC_EXPORTERS];
	/* exp32..exp39: 33 + ... + 40 */
	ASSERT_EQ_U64(other->counted[DA_KIND_MMAP_WITHOUT_PFNMAP], 8 * (33 + 40) / 2, "other sum");
	/* a known name still goes to its own entry, a new one to other */
	ASSERT_TRUE(metrics_exporter(m, "exp05", 5) == &m->exp[5], "known name after the cap");
	ASSERT_TRUE(metrics_exporter(m, "new", 3) == other, "new name after the cap");
	ASSERT_EQ_INT(m->nexp, DA_METRIC_EXPORTERS + 1, "nexp stays 33");
	t = render(m);
	if (ASSERT_OK_PTR(t, "render")) {
		ASSERT_EXPOSITION(t, "capped: valid exposition");
		ASSERT_LINE(t,
			    "dmabuf_audit_violations_total{kind=\"mmap_without_pfnmap\","
			    "exporter=\"other\"} 292",
			    "other series");
		ASSERT_LINE(t,
			    "dmabuf_audit_violations_total{kind=\"mmap_without_pfnmap\","
			    "exporter=\"exp31\"} 32",
			    "32nd exporter series");
		ASSERT_NO_STR(t, "exporter=\"exp32\"", "33rd exporter has no series");
		ASSERT_EQ_INT(
			count_prefix(t,
				     "dmabuf_audit_violations_total{kind=\"mmap_without_pfnmap\","),
			DA_METRIC_EXPORTERS + 1, "33 series of one kind");
		ASSERT_EQ_INT(
			count_prefix(
				t,
				"dmabuf_audit_warnings_total{kind=\"gup_blocked\",exporter=\"other\""),
			1, "one other series per kind");
	}
	free(t);
	free(m);
}

/* An exporter really named "other" and the overflow share one series. */
static void test_metrics_exporter_cap_named_other(void)
{
	struct metrics *m = m_new();
	char name[16], *t;

	if (!ASSERT_OK_PTR(m, "malloc"))
		return;
	metrics_count(m, "other", 5, DA_KIND_GUP_BLOCKED, 1, false);
	/* 32 more: the last one is the first over the cap */
	for (int i = 1; i <= DA_METRIC_EXPORTERS; i++) {
		snprintf(name, sizeof(name), "exp%02d", i);
		metrics_count(m, name, strlen(name), DA_KIND_GUP_BLOCKED, 10, false);
		if (m->nexp > DA_METRIC_EXPORTERS + 1)
			break; /* the struct is not to be trusted after */
	}
	if (!ASSERT_TRUE(m->nexp <= DA_METRIC_EXPORTERS + 1, "nexp <= 33")) {
		free(m);
		return;
	}
	t = render(m);
	if (ASSERT_OK_PTR(t, "render")) {
		ASSERT_EXPOSITION(t, "named other: valid exposition, no duplicate series");
		ASSERT_EQ_INT(count_prefix(t, "dmabuf_audit_warnings_total{kind=\"gup_blocked\","
					      "exporter=\"other\"}"),
			      1, "one other series");
		/* "other" itself, then exp32 */
		ASSERT_LINE(
			t,
			"dmabuf_audit_warnings_total{kind=\"gup_blocked\",exporter=\"other\"} 11",
			"other sums the real one and the overflow");
	}
	free(t);
	free(m);
}

/* The inventory's gauges: by exporter, the unheld part, the high-water mark. */
static void test_metrics_inventory(void)
{
	struct metrics *m = m_new();
	char *t;

	if (!ASSERT_OK_PTR(m, "malloc"))
		return;
	t = render(m);
	if (ASSERT_OK_PTR(t, "render"))
		ASSERT_NO_STR(t, "buffer_bytes", "no inventory yet: no buffer families");
	free(t);

	metrics_inventory_reset(m);
	metrics_buffer_add(m, "system", 6, 8192, false);
	metrics_buffer_add(m, "system", 6, 4096, true);
	metrics_buffer_add(m, "vgem", 4, 4096, false);
	metrics_inventory_done(m);
	/* a second inventory, smaller: the gauges drop, the high-water mark stays */
	metrics_inventory_reset(m);
	metrics_buffer_add(m, "system", 6, 4096, true);
	metrics_inventory_done(m);
	t = render(m);
	if (ASSERT_OK_PTR(t, "render")) {
		ASSERT_EXPOSITION(t, "inventory: valid exposition");
		ASSERT_LINE(t, "# TYPE dmabuf_audit_buffers gauge", "buffers: gauge");
		ASSERT_LINE(t, "dmabuf_audit_buffers{exporter=\"system\"} 1", "system buffers");
		ASSERT_LINE(t, "dmabuf_audit_buffers{exporter=\"vgem\"} 0", "vgem freed");
		ASSERT_LINE(t, "dmabuf_audit_buffer_bytes{exporter=\"system\"} 4096",
			    "system bytes");
		ASSERT_LINE(t, "dmabuf_audit_unheld_buffer_bytes{exporter=\"system\"} 4096",
			    "system unheld");
		ASSERT_LINE(t, "dmabuf_audit_unheld_buffer_bytes{exporter=\"vgem\"} 0",
			    "vgem unheld");
		ASSERT_LINE(t, "dmabuf_audit_buffer_bytes_high_water 16384",
			    "high-water mark kept");
		ASSERT_LINE(t, "dmabuf_audit_inventory_errors_total 0", "no errors");
	}
	free(t);
	free(m);
}

static void test_metrics_mapped(void)
{
	struct metrics *m = m_new();
	char *t;

	if (!ASSERT_OK_PTR(m, "malloc"))
		return;
	metrics_count(m, "i915", 4, DA_KIND_GUP_BLOCKED, 1, false);
	/* a reset before any scan does not make the gauge known */
	metrics_mapped_reset(m);
	t = render(m);
	if (ASSERT_OK_PTR(t, "render"))
		ASSERT_NO_STR(t, "mapped_bytes", "unknown: no mapped_bytes family");
	free(t);

	metrics_mapped_add(m, "vgem", 4, 4096);
	metrics_mapped_add(m, "vgem", 4, 8192);
	ASSERT_TRUE(m->mapped_known, "known after a scan");
	t = render(m);
	if (ASSERT_OK_PTR(t, "render")) {
		ASSERT_EXPOSITION(t, "mapped: valid exposition");
		ASSERT_EQ_INT(count_prefix(t, "# HELP dmabuf_audit_mapped_bytes "), 1, "HELP once");
		ASSERT_LINE(t, "# TYPE dmabuf_audit_mapped_bytes gauge", "gauge");
		ASSERT_LINE(t, "dmabuf_audit_mapped_bytes{exporter=\"vgem\"} 12288", "vgem bytes");
		ASSERT_LINE(t, "dmabuf_audit_mapped_bytes{exporter=\"i915\"} 0",
			    "exporter without mappings: 0");
		ASSERT_EQ_INT(count_prefix(t, "dmabuf_audit_mapped_bytes{"), 2, "two series");
	}
	free(t);

	/* a scan that fails part way: the last good scan's bytes, not 0 or a part */
	metrics_mapped_reset(m);
	metrics_mapped_add(m, "vgem", 4, 4096);
	metrics_mapped_add(m, "udmabuf", 7, 4096);
	metrics_mapped_restore(m);
	t = render(m);
	if (ASSERT_OK_PTR(t, "render")) {
		ASSERT_LINE(t, "dmabuf_audit_mapped_bytes{exporter=\"vgem\"} 12288",
			    "failed scan: vgem as before");
		ASSERT_LINE(t, "dmabuf_audit_mapped_bytes{exporter=\"udmabuf\"} 0",
			    "failed scan: an exporter it first saw stays 0");
	}
	free(t);

	/* the next scan finds nothing: every gauge back to 0, still rendered */
	metrics_mapped_reset(m);
	t = render(m);
	if (ASSERT_OK_PTR(t, "render")) {
		ASSERT_EXPOSITION(t, "reset: valid exposition");
		ASSERT_LINE(t, "dmabuf_audit_mapped_bytes{exporter=\"vgem\"} 0", "vgem reset");
		ASSERT_LINE(t, "dmabuf_audit_mapped_bytes{exporter=\"i915\"} 0", "i915 reset");
	}
	free(t);
	free(m);
}

/* The first scan fails part way: no mapped_bytes series at all (not a 0). */
static void test_metrics_mapped_first_scan_failed(void)
{
	struct metrics *m = m_new();
	char *t;

	if (!ASSERT_OK_PTR(m, "malloc"))
		return;
	metrics_mapped_reset(m);
	metrics_mapped_add(m, "vgem", 4, 4096);
	metrics_mapped_restore(m);
	ASSERT_FALSE(m->mapped_known, "not known after a failed first scan");
	t = render(m);
	if (ASSERT_OK_PTR(t, "render"))
		ASSERT_NO_STR(t, "mapped_bytes", "no mapped_bytes family");
	free(t);
	free(m);
}

static void test_metrics_detectors(void)
{
	struct metrics *m = m_new();
	char *t;

	if (!ASSERT_OK_PTR(m, "malloc"))
		return;
	m->det_mech[DA_HOOK_MMAP] = "fentry";
	m->det_mech[DA_HOOK_MMAP_IMPORT] = "fentry";
	m->det_mech[DA_HOOK_INSERT_PAGES] = "fentry";
	m->det_mech[DA_HOOK_GUP_SLOW] = "kprobe";
	m->det_mech[DA_HOOK_PTE_INSTALL] = "kprobe";
	m->det_mech[DA_HOOK_SCAN] = "iter";
	m->det_mech[DA_HOOK_VMA_DUP] = "proc";
	t = render(m);
	if (ASSERT_OK_PTR(t, "render")) {
		ASSERT_EXPOSITION(t, "detectors: valid exposition");
		ASSERT_LINE(t, "dmabuf_audit_detectors_attached{mechanism=\"fentry\"} 3", "fentry");
		ASSERT_LINE(t, "dmabuf_audit_detectors_attached{mechanism=\"kprobe\"} 2", "kprobe");
		ASSERT_LINE(t, "dmabuf_audit_detectors_attached{mechanism=\"iter\"} 1", "iter");
		ASSERT_LINE(t, "dmabuf_audit_detectors_attached{mechanism=\"proc\"} 1", "proc");
		ASSERT_LINE(t, "dmabuf_audit_detectors_attached{mechanism=\"none\"} 5", "none");
		ASSERT_EQ_INT(count_prefix(t, "dmabuf_audit_detectors_attached{"), 5,
			      "5 mechanisms");
	}
	free(t);
	free(m);
}

/* The checker itself must refuse what it is there to catch. */
static void test_metrics_exposition_checker(void)
{
	static const char *const bad[] = {
		"",
		"# HELP x_total h\n# TYPE x_total counter\nx_total 1", /* no final \n */
		"# HELP x_total h\n# TYPE x_total counter\nx_total 1 1700000000\n", /* timestamp */
		"# HELP x_total h\nx_total 1\n",				    /* no TYPE */
		"# HELP x_total h\n# TYPE x_total counter\nx_total{a=\"1\"} 1\nx_total{a=\"1\"} 2\n",
		"# HELP x_total h\n# TYPE x_total counter\ny_total 1\n",	 /* other family */
		"# HELP x h\n# TYPE x gauge\nx{a=\"\\t\"} 1\n",			 /* bad escape */
		"# HELP x h\n# TYPE x gauge\nx{a=\"\x01\"} 1\n",		 /* raw control */
		"# HELP x h\n# TYPE x gauge\nx 1\n# HELP x h\n# TYPE x gauge\n", /* twice */
		"# HELP x h\n# TYPE x summary\nx 1\n",
	};
	char why[256];

	ASSERT_NULL(
		exposition_error("# HELP x h\n# TYPE x gauge\nx{a=\"\\\\\\\"\\n\",b=\"2\"} 1.5\n",
				 why, sizeof(why)),
		"checker accepts a valid text");
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(bad); i++)
		ASSERT_OK_PTR(exposition_error(bad[i], why, sizeof(why)), bad[i]);
}

/* ---- textfile_write --------------------------------------------------- */

struct tmpdir {
	char path[64];
};

static bool tmpdir_make(struct tmpdir *t)
{
	strcpy(t->path, "/tmp/da-unit-XXXXXX");
	return ASSERT_OK_PTR(mkdtemp(t->path), "mkdtemp");
}

/* dir/name in one of 4 rotating buffers: use it at once, do not keep it. */
static char *path_in(const struct tmpdir *t, const char *name)
{
	static char p[4][256];
	static int next;
	char *s = p[next++ % 4];

	snprintf(s, sizeof(p[0]), "%s/%s", t->path, name);
	return s;
}

/* Contents of a file (NUL-terminated), NULL if it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[512];

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf = realloc(buf, len + n + 1);
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	return buf;
}

static void assert_file(const char *path, const char *want, const char *what)
{
	char *s = slurp(path);

	if (ASSERT_OK_PTR(s, what))
		ASSERT_STREQ(s, want, what);
	free(s);
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

static void test_metrics_textfile_write(void)
{
	struct tmpdir t;
	char err[512];
	struct stat st;
	mode_t old;
	int ret;

	if (!tmpdir_make(&t))
		return;
	old = umask(077);
	memset(err, 0, sizeof(err));
	ret = textfile_write(t.path, DA_TEXTFILE_NAME, "a 1\nb 2\n", 8, err, sizeof(err));
	umask(old);
	ASSERT_EQ_INT(ret, 0, "write");
	ASSERT_STREQ(err, "", "no error");
	assert_file(path_in(&t, DA_TEXTFILE_NAME), "a 1\nb 2\n", "exact bytes");
	if (ASSERT_EQ_INT(stat(path_in(&t, DA_TEXTFILE_NAME), &st), 0, "stat"))
		ASSERT_EQ_U64(st.st_mode & 07777, 0644, "mode 0644 despite umask 077");
	ASSERT_FALSE(exists(path_in(&t, DA_TEXTFILE_NAME ".tmp")), "no temp file left");

	/* replaces: shorter content, no leftover bytes */
	ret = textfile_write(t.path, DA_TEXTFILE_NAME, "c 3\n", 4, err, sizeof(err));
	ASSERT_EQ_INT(ret, 0, "rewrite");
	assert_file(path_in(&t, DA_TEXTFILE_NAME), "c 3\n", "replaced");
	/* len, not strlen: bytes after len not written; NUL written */
	ret = textfile_write(t.path, DA_TEXTFILE_NAME, "xy\0zw", 4, err, sizeof(err));
	ASSERT_EQ_INT(ret, 0, "write with a NUL");
	if (ASSERT_EQ_INT(stat(path_in(&t, DA_TEXTFILE_NAME), &st), 0, "stat"))
		ASSERT_EQ_U64(st.st_size, 4, "len bytes");
	/* empty */
	ret = textfile_write(t.path, DA_TEXTFILE_NAME, "", 0, err, sizeof(err));
	ASSERT_EQ_INT(ret, 0, "empty write");
	assert_file(path_in(&t, DA_TEXTFILE_NAME), "", "empty file");
	ASSERT_FALSE(exists(path_in(&t, DA_TEXTFILE_NAME ".tmp")), "no temp file left");

	ASSERT_EQ_INT(unlink(path_in(&t, DA_TEXTFILE_NAME)), 0, "unlink");
	ASSERT_EQ_INT(rmdir(t.path), 0, "rmdir tmpdir");
}

static void test_metrics_textfile_big(void)
{
	struct tmpdir t;
	size_t len = 1 << 20;
	char err[512], *data = malloc(len + 1), *back;
	int ret;

	if (!ASSERT_OK_PTR(data, "malloc") || !tmpdir_make(&t)) {
		free(data);
		return;
	}
	for (size_t i = 0; i < len; i++)
		data[i] = 'a' + i % 26;
	data[len] = '\0';
	ret = textfile_write(t.path, "big.prom", data, len, err, sizeof(err));
	ASSERT_EQ_INT(ret, 0, "1 MiB write");
	back = slurp(path_in(&t, "big.prom"));
	if (ASSERT_OK_PTR(back, "read back")) {
		ASSERT_EQ_U64(strlen(back), len, "1 MiB back");
		ASSERT_TRUE(!memcmp(back, data, len), "same bytes");
	}
	free(back);
	free(data);
	unlink(path_in(&t, "big.prom"));
	ASSERT_EQ_INT(rmdir(t.path), 0, "rmdir tmpdir");
}

static void test_metrics_textfile_errors(void)
{
	struct tmpdir t;
	char err[512], want[512], dir[128], dst[256], tmp[256], keep[256];
	int ret;

	if (!tmpdir_make(&t))
		return;
	snprintf(dst, sizeof(dst), "%s/" DA_TEXTFILE_NAME, t.path);
	snprintf(tmp, sizeof(tmp), "%s/" DA_TEXTFILE_NAME ".tmp", t.path);
	snprintf(keep, sizeof(keep), "%s/" DA_TEXTFILE_NAME "/keep", t.path);

	/* missing dir */
	snprintf(dir, sizeof(dir), "%s/missing", t.path);
	memset(err, 0, sizeof(err));
	ret = textfile_write(dir, DA_TEXTFILE_NAME, "x 1\n", 4, err, sizeof(err));
	ASSERT_EQ_INT(ret, -ENOENT, "missing dir");
	snprintf(want, sizeof(want), "open directory %s: No such file or directory", dir);
	ASSERT_STREQ(err, want, "open error names the directory");
	ASSERT_FALSE(exists(dir), "missing dir not created");

	/* the temp name is taken by a directory: create fails, old file intact */
	ret = textfile_write(t.path, DA_TEXTFILE_NAME, "old 1\n", 6, err, sizeof(err));
	ASSERT_EQ_INT(ret, 0, "first write");
	ASSERT_EQ_INT(mkdir(tmp, 0755), 0, "mkdir temp name");
	memset(err, 0, sizeof(err));
	ret = textfile_write(t.path, DA_TEXTFILE_NAME, "new 2\n", 6, err, sizeof(err));
	ASSERT_EQ_INT(ret, -EEXIST, "temp name is a directory");
	snprintf(want, sizeof(want), "create %s: File exists", tmp);
	ASSERT_STREQ(err, want, "create error");
	assert_file(dst, "old 1\n", "old file intact after a failed create");
	ASSERT_EQ_INT(rmdir(tmp), 0, "the directory is still there, nothing else");

	/* rename fails (the destination is a directory): temp file removed */
	ASSERT_EQ_INT(unlink(dst), 0, "unlink old");
	ASSERT_EQ_INT(mkdir(dst, 0755), 0, "mkdir destination");
	ASSERT_EQ_INT(mkdir(keep, 0755), 0, "non-empty dir");
	memset(err, 0, sizeof(err));
	ret = textfile_write(t.path, DA_TEXTFILE_NAME, "new 4\n", 6, err, sizeof(err));
	ASSERT_EQ_INT(ret, -EISDIR, "rename onto a directory");
	snprintf(want, sizeof(want), "rename to %s: Is a directory", dst);
	ASSERT_STREQ(err, want, "rename error");
	ASSERT_FALSE(exists(tmp), "temp file removed after a failed rename");
	ASSERT_TRUE(exists(keep), "destination untouched");
	ASSERT_EQ_INT(rmdir(keep), 0, "rmdir keep");
	ASSERT_EQ_INT(rmdir(dst), 0, "rmdir destination");
	ASSERT_EQ_INT(rmdir(t.path), 0, "rmdir tmpdir");
}

/*
 * Whatever is planted at the temp name is unlinked, never opened: a FIFO
 * (open would block the daemon's loop: SIGALRM ends the test instead), a
 * hard link and a symlink to a file of someone else's (never truncated,
 * written or chmod'ed).
 */
static void test_metrics_textfile_planted(void)
{
	static const char *const kinds[] = { "fifo", "hard link", "symlink" };
	struct tmpdir t;
	char err[512], dst[256], tmp[256], canary[256], what[64];
	struct stat st;

	if (!tmpdir_make(&t))
		return;
	snprintf(dst, sizeof(dst), "%s/" DA_TEXTFILE_NAME, t.path);
	snprintf(tmp, sizeof(tmp), "%s/" DA_TEXTFILE_NAME ".tmp", t.path);
	snprintf(canary, sizeof(canary), "%s/canary", t.path);
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(kinds); i++) {
		FILE *f = fopen(canary, "we");
		int planted, ret;

		if (!ASSERT_OK_PTR(f, "create canary"))
			break;
		fputs("keep\n", f);
		fclose(f);
		ASSERT_EQ_INT(chmod(canary, 0600), 0, "canary mode 0600");
		if (i == 0)
			planted = mkfifo(tmp, 0666);
		else if (i == 1)
			planted = link(canary, tmp);
		else
			planted = symlink(canary, tmp);
		snprintf(what, sizeof(what), "%s planted at the temp name", kinds[i]);
		if (!ASSERT_EQ_INT(planted, 0, what))
			break;
		alarm(10);
		memset(err, 0, sizeof(err));
		ret = textfile_write(t.path, DA_TEXTFILE_NAME, "new 1\n", 6, err, sizeof(err));
		alarm(0);
		snprintf(what, sizeof(what), "write past a %s", kinds[i]);
		ASSERT_EQ_INT(ret, 0, what);
		ASSERT_STREQ(err, "", what);
		assert_file(dst, "new 1\n", what);
		snprintf(what, sizeof(what), "canary untouched (%s)", kinds[i]);
		assert_file(canary, "keep\n", what);
		if (ASSERT_EQ_INT(stat(canary, &st), 0, "stat canary")) {
			ASSERT_EQ_U64(st.st_mode & 07777, 0600, what);
			ASSERT_EQ_U64(st.st_nlink, 1, what);
		}
		snprintf(what, sizeof(what), "no temp file left (%s)", kinds[i]);
		ASSERT_FALSE(exists(tmp), what);
		unlink(canary);
		unlink(dst);
	}
	unlink(tmp);
	unlink(canary);
	unlink(dst);
	ASSERT_EQ_INT(rmdir(t.path), 0, "rmdir tmpdir");
}

/* write() fails half way (RLIMIT_FSIZE): old file intact, temp removed. */
static void test_metrics_textfile_write_fails(void)
{
	struct tmpdir t;
	struct rlimit old_lim, lim;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_sa;
	char err[512], want[512], data[100], dst[256], tmp[256];
	int ret;

	if (!tmpdir_make(&t))
		return;
	snprintf(dst, sizeof(dst), "%s/" DA_TEXTFILE_NAME, t.path);
	snprintf(tmp, sizeof(tmp), "%s/" DA_TEXTFILE_NAME ".tmp", t.path);
	ret = textfile_write(t.path, DA_TEXTFILE_NAME, "old 1\n", 6, err, sizeof(err));
	ASSERT_EQ_INT(ret, 0, "first write");

	memset(data, 'n', sizeof(data));
	if (ASSERT_EQ_INT(getrlimit(RLIMIT_FSIZE, &old_lim), 0, "getrlimit")) {
		lim = old_lim;
		lim.rlim_cur = 10;
		sigaction(SIGXFSZ, &ign, &old_sa);
		ASSERT_EQ_INT(setrlimit(RLIMIT_FSIZE, &lim), 0, "setrlimit");
		memset(err, 0, sizeof(err));
		ret = textfile_write(t.path, DA_TEXTFILE_NAME, data, sizeof(data), err,
				     sizeof(err));
		setrlimit(RLIMIT_FSIZE, &old_lim);
		sigaction(SIGXFSZ, &old_sa, NULL);
		ASSERT_EQ_INT(ret, -EFBIG, "write beyond RLIMIT_FSIZE");
		snprintf(want, sizeof(want), "write %s: File too large", tmp);
		ASSERT_STREQ(err, want, "write error");
		assert_file(dst, "old 1\n", "old file intact after a failed write");
		ASSERT_FALSE(exists(tmp), "temp file removed after a failed write");
	}
	unlink(dst);
	unlink(tmp);
	ASSERT_EQ_INT(rmdir(t.path), 0, "rmdir tmpdir");
}

/* The whole path: render, write, read back. */
static void test_metrics_render_to_textfile(void)
{
	struct metrics *m = m_new();
	struct tmpdir t;
	char err[512], *text, *back;

	if (!ASSERT_OK_PTR(m, "malloc") || !tmpdir_make(&t)) {
		free(m);
		return;
	}
	metrics_count(m, "vgem", 4, DA_KIND_MMAP_WITHOUT_PFNMAP, 3, false);
	text = render(m);
	if (ASSERT_OK_PTR(text, "render") &&
	    ASSERT_EQ_INT(
		    textfile_write(t.path, DA_TEXTFILE_NAME, text, strlen(text), err, sizeof(err)),
		    0, "write")) {
		back = slurp(path_in(&t, DA_TEXTFILE_NAME));
		ASSERT_STREQ(back, text, "file is the render");
		free(back);
	}
	free(text);
	free(m);
	unlink(path_in(&t, DA_TEXTFILE_NAME));
	ASSERT_EQ_INT(rmdir(t.path), 0, "rmdir tmpdir");
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_metrics_exposition_checker),
	UNIT_TEST(test_metrics_render_empty),
	UNIT_TEST(test_metrics_counts),
	UNIT_TEST(test_metrics_label_escape),
	UNIT_TEST(test_metrics_label_safe),
	UNIT_TEST(test_metrics_same_label_one_series),
	UNIT_TEST(test_metrics_exporter_cap),
	UNIT_TEST(test_metrics_exporter_cap_named_other),
	UNIT_TEST(test_metrics_mapped),
	UNIT_TEST(test_metrics_inventory),
	UNIT_TEST(test_metrics_mapped_first_scan_failed),
	UNIT_TEST(test_metrics_detectors),
	UNIT_TEST(test_metrics_textfile_write),
	UNIT_TEST(test_metrics_textfile_big),
	UNIT_TEST(test_metrics_textfile_errors),
	UNIT_TEST(test_metrics_textfile_planted),
	UNIT_TEST(test_metrics_textfile_write_fails),
	UNIT_TEST(test_metrics_render_to_textfile),
};
UNIT_SUITE(metrics, tests);
