// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* report.c: totals, the human report, the JSON report, watch lines. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "finding.h"
#include "json.h"
#include "report.h"
#include "unit.h"

static const char *const det_names[DA_HOOK_MAX] = {
	"mmap", "mmap_import", "gup_slow", "insert_page", "insert_pages",
};
static const char *const det_mechs[DA_HOOK_MAX] = {
	"fentry", "fentry", "kprobe", "none", "fentry",
};

struct fixture {
	struct finding_set set;
	struct report_data r;
};

static struct da_event ev_make(uint32_t kind, uint32_t pid, uint64_t vm_start)
{
	struct da_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.hook = kind == DA_KIND_MMAP_WITHOUT_PFNMAP	  ? DA_HOOK_MMAP
		  : kind == DA_KIND_PAGE_INSERT_ON_DMABUF ? DA_HOOK_INSERT_PAGE
							  : DA_HOOK_GUP_SLOW;
	ev.pid = pid;
	ev.tid = pid + 1;
	ev.inode = 4567;
	ev.size = 16384;
	ev.vm_start = vm_start;
	ev.vm_end = vm_start + 16384;
	ev.vm_flags = 0x100000fb;
	ev.addr = kind == DA_KIND_MMAP_WITHOUT_PFNMAP ? 0 : vm_start;
	ev.gup_flags = kind == DA_KIND_GUP_ON_DMABUF || kind == DA_KIND_GUP_BLOCKED ? 0x50001 : 0;
	strcpy(ev.comm, "dmabuf-trigger");
	strcpy(ev.exporter, "test_insert_page");
	return ev;
}

static void fixture_init(struct fixture *fx)
{
	memset(fx, 0, sizeof(*fx));
	finding_set_init(&fx->set, 64);
	fx->r.set = &fx->set;
	fx->r.elapsed = 1.23456;
	fx->r.kernel = "6.1.0-56-amd64";
	for (int i = 0; i < DA_HOOK_MAX; i++) {
		fx->r.det_name[i] = det_names[i];
		fx->r.det_mech[i] = det_mechs[i];
	}
}

/* Adds n events of a finding and counts them like BPF does. */
static void fixture_add(struct fixture *fx, uint32_t kind, uint32_t pid, uint64_t vm_start, int n)
{
	struct da_event ev = ev_make(kind, pid, vm_start);

	for (int i = 0; i < n; i++) {
		finding_set_add(&fx->set, &ev);
		fx->r.counters[kind]++;
	}
}

/* A warning first and violations after: the report must reorder them. */
static void fixture_mixed(struct fixture *fx)
{
	fixture_init(fx);
	fixture_add(fx, DA_KIND_GUP_BLOCKED, 300, 0x7f0000030000, 2);
	fixture_add(fx, DA_KIND_PAGE_INSERT_ON_DMABUF, 100, 0x7f0000010000, 4);
	fixture_add(fx, DA_KIND_MMAP_WITHOUT_PFNMAP, 100, 0x7f0000010000, 1);
	fixture_add(fx, DA_KIND_GUP_ON_DMABUF, 200, 0x7f0000020000, 3);
	fixture_add(fx, DA_KIND_MMAP_WITHOUT_PFNMAP, 200, 0x7f0000020000, 1);
	fx->r.counters[DA_CTR_RINGBUF_LOST] = 0;
	fx->r.counters[DA_CTR_HOOK_BASE + DA_HOOK_MMAP] = 50; /* not findings */
}

static char *capture_report(struct report_data *r, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (json)
		report_print_json(f, r);
	else
		report_print_human(f, r);
	fclose(f);
	return buf;
}

/* The number after "key": in s, or -1. */
static int64_t json_num(const char *s, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = s ? strstr(s, pat) : NULL;
	if (!p)
		return -1;
	return strtoll(p + strlen(pat), NULL, 10);
}

static void test_report_totals(void)
{
	struct report_data r;

	memset(&r, 0, sizeof(r));
	ASSERT_EQ_U64(report_violations(&r), 0, "violations of nothing");
	ASSERT_EQ_U64(report_warnings(&r), 0, "warnings of nothing");

	r.counters[DA_KIND_MMAP_WITHOUT_PFNMAP] = 2;
	r.counters[DA_KIND_GUP_ON_DMABUF] = 3;
	r.counters[DA_KIND_PAGE_INSERT_ON_DMABUF] = 5;
	r.counters[DA_KIND_GUP_BLOCKED] = 7;
	r.counters[DA_CTR_RINGBUF_LOST] = 11;
	for (int h = 0; h < DA_HOOK_MAX; h++)
		r.counters[DA_CTR_HOOK_BASE + h] = 1000;
	ASSERT_EQ_U64(report_violations(&r), 10, "violations = mmap+gup+insert");
	ASSERT_EQ_U64(report_warnings(&r), 7, "warnings = gup_blocked");

	memset(&r, 0, sizeof(r));
	r.counters[DA_KIND_GUP_BLOCKED] = 4;
	r.counters[DA_CTR_RINGBUF_LOST] = 9;
	ASSERT_EQ_U64(report_violations(&r), 0, "gup_blocked alone: no violation");
	ASSERT_EQ_U64(report_warnings(&r), 4, "gup_blocked alone: warnings");
}

/* The totals come from the exact BPF counters, not from the finding set. */
static void test_report_totals_from_counters(void)
{
	struct fixture fx;

	fixture_init(&fx);
	fx.set.max = 1;
	fixture_add(&fx, DA_KIND_GUP_ON_DMABUF, 1, 0x1000, 3);
	fixture_add(&fx, DA_KIND_GUP_ON_DMABUF, 2, 0x1000, 5); /* dropped */
	ASSERT_EQ_U64(fx.set.dropped, 5, "set dropped");
	ASSERT_EQ_U64(report_violations(&fx.r), 8, "counters count dropped ones");
	finding_set_free(&fx.set);
}

static void test_report_json(void)
{
	struct fixture fx;
	char *out, *last, *p;
	size_t lines = 0;
	int64_t sum = 0;

	fixture_mixed(&fx);
	out = capture_report(&fx.r, true);
	if (!ASSERT_OK_PTR(out, "capture"))
		goto out;
	ASSERT_JSON_LINES(out, "report --json output");
	for (p = out; (p = strchr(p, '\n')); p++)
		lines++;
	ASSERT_EQ_U64(lines, fx.set.len + 1, "one line per finding + summary");

	/* the summary: last line, only once */
	last = out + strlen(out) - 1;
	while (last > out && last[-1] != '\n')
		last--;
	ASSERT_TRUE(!strncmp(last, "{\"summary\":{", 12), "last line is the summary");
	ASSERT_TRUE(strstr(out, "\"summary\"") == last + 1, "summary appears once");

	ASSERT_EQ_INT(json_num(last, "violations"), 9, "summary violations");
	ASSERT_EQ_INT(json_num(last, "warnings"), 2, "summary warnings");
	for (int k = DA_KIND_NONE + 1; k < DA_KIND_MAX; k++) {
		int64_t n = json_num(last, kind_name(k));

		ASSERT_EQ_INT(n, fx.r.counters[k], kind_name(k));
		if (kind_is_violation(k))
			sum += n;
	}
	ASSERT_EQ_INT(json_num(last, "violations"), sum, "violations = sum of the violation kinds");
	ASSERT_EQ_INT(json_num(last, "findings"), fx.set.len, "summary findings");
	ASSERT_EQ_INT(json_num(last, "findings_dropped"), 0, "summary findings_dropped");
	ASSERT_EQ_INT(json_num(last, "ringbuf_lost"), 0, "summary ringbuf_lost");
	ASSERT_HAS_STR(last,
		       "\"seen\":{\"dma_buf_mmap_internal\":50,\"dma_buf_mmap\":0,"
		       "\"check_vma_flags\":0,\"vm_insert_page\":0,\"vm_insert_pages\":0},",
		       "seen: dma-buf calls per hook, from the hook counters");
	ASSERT_HAS_STR(last, "\"duration_s\":1.235,", "duration_s, 3 decimals");
	ASSERT_HAS_STR(last, "\"kernel\":\"6.1.0-56-amd64\"", "kernel");
	ASSERT_HAS_STR(last,
		       "\"detectors\":{\"mmap\":\"fentry\",\"mmap_import\":\"fentry\","
		       "\"gup_slow\":\"kprobe\",\"insert_page\":\"none\","
		       "\"insert_pages\":\"fentry\"}}}\n",
		       "detectors");

	/* findings: violations first, warning last, counts per finding */
	ASSERT_TRUE(!strncmp(out, "{\"kind\":\"mmap_without_pfnmap\"", 29),
		    "first line: a violation");
	p = strstr(out, "\"kind\":\"gup_blocked\"");
	if (ASSERT_OK_PTR(p, "gup_blocked finding present")) {
		ASSERT_TRUE(!strstr(p, "\"kind\":\"mmap") && !strstr(p, "\"kind\":\"gup_on") &&
				    !strstr(p, "\"kind\":\"page_insert"),
			    "no violation after the warning");
		ASSERT_HAS_STR(p, "\"count\":2,", "gup_blocked count");
	}
	ASSERT_HAS_STR(out, "\"kind\":\"page_insert_on_dmabuf\",\"pid\":100", "insert line");
	p = strstr(out, "\"kind\":\"page_insert_on_dmabuf\"");
	if (p)
		ASSERT_EQ_INT(json_num(p, "count"), 4, "page_insert count");
out:
	free(out);
	finding_set_free(&fx.set);
}

static void test_report_json_empty(void)
{
	struct fixture fx;
	char *out;

	fixture_init(&fx);
	fx.r.kernel = "6.18.0\"\n\x01"; /* hostile: still valid JSON */
	fx.r.elapsed = 0;
	out = capture_report(&fx.r, true);
	if (ASSERT_OK_PTR(out, "capture")) {
		ASSERT_JSON_LINES(out, "empty report");
		ASSERT_TRUE(!strncmp(out, "{\"summary\":{", 12), "only the summary");
		ASSERT_EQ_U64(strchr(out, '\n') - out + 1, strlen(out), "one line");
		ASSERT_EQ_INT(json_num(out, "violations"), 0, "no violations");
		ASSERT_EQ_INT(json_num(out, "findings"), 0, "no findings");
		ASSERT_HAS_STR(out, "\"duration_s\":0.000,", "duration 0");
	}
	free(out);

	/* dropped findings and lost events are reported */
	fx.r.kernel = "6.12.57+deb12-amd64";
	fx.set.max = 1;
	fixture_add(&fx, DA_KIND_MMAP_WITHOUT_PFNMAP, 1, 0x1000, 1);
	fixture_add(&fx, DA_KIND_MMAP_WITHOUT_PFNMAP, 2, 0x1000, 3);
	fx.r.counters[DA_CTR_RINGBUF_LOST] = 42;
	out = capture_report(&fx.r, true);
	ASSERT_JSON_LINES(out, "report with drops");
	ASSERT_EQ_INT(json_num(out, "findings_dropped"), 3, "findings_dropped");
	ASSERT_EQ_INT(json_num(out, "ringbuf_lost"), 42, "ringbuf_lost");
	ASSERT_EQ_INT(json_num(out, "violations"), 4, "violations from counters");
	free(out);
	finding_set_free(&fx.set);
}

static void test_report_human(void)
{
	struct fixture fx;
	char *out;

	fixture_init(&fx);
	out = capture_report(&fx.r, false);
	if (ASSERT_OK_PTR(out, "capture")) {
		ASSERT_HAS_STR(out, "result: PASS (0 violation events, 0 warning events)\n",
			       "empty: PASS");
		ASSERT_NO_STR(out, "FAIL", "empty: no FAIL");
		ASSERT_HAS_STR(out, "VIOLATIONS\n  none\n", "empty: no violations listed");
		ASSERT_HAS_STR(out, "on Linux 6.1.0-56-amd64", "kernel shown");
		ASSERT_HAS_STR(out,
			       "detectors: mmap=fentry mmap_import=fentry gup_slow=kprobe "
			       "insert_page=none insert_pages=fentry\n",
			       "detectors shown");
		ASSERT_NO_STR(out, "note:", "no loss note");
	}
	free(out);

	/* warnings alone still pass */
	fixture_add(&fx, DA_KIND_GUP_BLOCKED, 300, 0x7f0000030000, 1);
	out = capture_report(&fx.r, false);
	ASSERT_HAS_STR(out, "result: PASS (0 violation events, 1 warning event)\n",
		       "warning only: PASS");
	ASSERT_HAS_STR(out, "WARNINGS\n  gup_blocked: ", "warning listed");
	free(out);
	finding_set_free(&fx.set);

	fixture_mixed(&fx);
	out = capture_report(&fx.r, false);
	if (ASSERT_OK_PTR(out, "capture")) {
		char *v = strstr(out, "VIOLATIONS\n"), *w = strstr(out, "WARNINGS\n");

		ASSERT_HAS_STR(out, "result: FAIL (9 violation events, 2 warning events)\n",
			       "FAIL");
		ASSERT_NO_STR(out, "PASS", "no PASS");
		ASSERT_TRUE(v && w && v < w, "violations section before warnings");
		ASSERT_HAS_STR(out,
			       "totals: mmap_without_pfnmap=2 gup_on_dmabuf=3 "
			       "page_insert_on_dmabuf=4 gup_blocked=2 ringbuf_lost=0\n",
			       "totals line");
		ASSERT_HAS_STR(out, "gup FOLL_WRITE|FOLL_LONGTERM|FOLL_PIN", "gup flags decoded");
		ASSERT_HAS_STR(out, "[shared,mixedmap]", "vm_flags described");
		ASSERT_HAS_STR(out, "  count 4\n", "count shown");
		/* the result line is the last line */
		ASSERT_TRUE(!strcmp(strstr(out, "result: "),
				    "result: FAIL (9 violation events, 2 warning events)\n"),
			    "result line last");
	}
	free(out);

	/* exactly one violation: singular */
	finding_set_free(&fx.set);
	fixture_init(&fx);
	fixture_add(&fx, DA_KIND_MMAP_WITHOUT_PFNMAP, 1, 0x1000, 1);
	fx.r.counters[DA_CTR_RINGBUF_LOST] = 1;
	out = capture_report(&fx.r, false);
	ASSERT_HAS_STR(out, "result: FAIL (1 violation event, 0 warning events)\n", "singular");
	ASSERT_HAS_STR(out, "note: some events were lost", "loss note");
	free(out);
	finding_set_free(&fx.set);
}

/* Control bytes of comm/exporter never reach the terminal. */
static void test_report_human_hostile(void)
{
	struct fixture fx;
	struct da_event ev;
	char *out;

	fixture_init(&fx);
	ev = ev_make(DA_KIND_MMAP_WITHOUT_PFNMAP, 1, 0x1000);
	memcpy(ev.comm, "\x1b]0;pwn\x07\r\n\x7fxxxxxx", DA_COMM_LEN); /* no NUL */
	memset(ev.exporter, 'e', DA_EXPORTER_LEN);
	finding_set_add(&fx.set, &ev);
	fx.r.counters[DA_KIND_MMAP_WITHOUT_PFNMAP] = 1;
	out = capture_report(&fx.r, false);
	if (ASSERT_OK_PTR(out, "capture")) {
		bool clean = true;

		for (const unsigned char *p = (const unsigned char *)out; *p; p++)
			if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
				clean = false;
		ASSERT_TRUE(clean, "no control bytes but newlines");
		ASSERT_HAS_STR(out, "(?]0;pwn????xxxxx)", "comm: 16 bytes, controls as ?");
		ASSERT_HAS_STR(out, "exporter eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee  inode",
			       "exporter: 32 bytes, not more");
	}
	free(out);
	finding_set_free(&fx.set);
}

static char *capture_watch(const struct da_event *ev, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	watch_print_event(f, ev, json);
	fclose(f);
	return buf;
}

static void test_report_watch_event(void)
{
	struct da_event ev = ev_make(DA_KIND_GUP_ON_DMABUF, 42, 0x7f0000010000);
	char *out, *want = NULL;
	size_t len = 0;
	FILE *f;

	gup_flags_reset();
	out = capture_watch(&ev, true);
	f = open_memstream(&want, &len);
	if (f) {
		json_write_finding(f, &ev, 1);
		fclose(f);
	}
	ASSERT_STREQ(out, want, "watch --json line = finding with count 1");
	ASSERT_JSON_LINES(out, "watch --json line");
	free(out);
	free(want);

	out = capture_watch(&ev, false);
	ASSERT_HAS_STR(out, " VIOLATION gup_on_dmabuf\n", "watch violation head");
	ASSERT_HAS_STR(out, "process 42 (dmabuf-trigger) tid 43  via check_vma_flags\n",
		       "watch process line");
	free(out);
	ev.kind = DA_KIND_GUP_BLOCKED;
	out = capture_watch(&ev, false);
	ASSERT_HAS_STR(out, " WARNING gup_blocked\n", "watch warning head");
	free(out);
}

/* clang-format off */
static const struct unit_test tests[] = {
	UNIT_TEST(test_report_totals),
	UNIT_TEST(test_report_totals_from_counters),
	UNIT_TEST(test_report_json),
	UNIT_TEST(test_report_json_empty),
	UNIT_TEST(test_report_human),
	UNIT_TEST(test_report_human_hostile),
	UNIT_TEST(test_report_watch_event),
};
/* clang-format on */
UNIT_SUITE(report, tests);
