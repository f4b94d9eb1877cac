// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* report.c: totals, the human report, the JSON report, watch lines. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fix_text.h"
#include "finding.h"
#include "json.h"
#include "ksyms.h"
#include "mappings.h"
#include "report.h"
#include "unit.h"

static const char *const det_mechs[DA_HOOK_MAX] = {
	"fentry", "fentry", "kprobe", "none",	"fentry", "fentry",
	"kprobe", "iter",   "fentry", "kprobe", "fentry", "kprobe",
};

struct fixture {
	struct finding_set set;
	struct report_data r;
	char *out; /* the last report captured (fixture_report) */
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
	for (int i = 0; i < DA_HOOK_MAX; i++)
		fx->r.det_mech[i] = det_mechs[i];
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

/* The report of fx as it is now (JSON lines or human); the one before is freed. */
static char *fixture_report(struct fixture *fx, bool json)
{
	free(fx->out);
	fx->out = capture_report(&fx->r, json);
	return fx->out;
}

static void fixture_free(struct fixture *fx)
{
	free(fx->out);
	fx->out = NULL;
	finding_set_free(&fx->set);
}

/* No byte of s is a control (C0 but newline, DEL to last: DEL or DEL and above). */
static bool terminal_safe(const char *s, unsigned char last)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n') || (*p >= 0x7f && *p <= last))
			return false;
	return true;
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
	fixture_free(&fx);
}

static void test_report_json(void)
{
	struct fixture fx;
	char *out, *last, *p;
	size_t lines = 0;
	int64_t sum = 0;

	fixture_mixed(&fx);
	out = fixture_report(&fx, true);
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
		       "\"check_vma_flags\":0,\"vm_insert_page\":0,\"vm_insert_pages\":0,"
		       "\"gup_fast\":0,\"pte_install\":0,\"scan\":0,\"vm_area_dup\":0,"
		       "\"vm_area_free\":0,\"pfn_lookup\":0,\"huge_insert\":0},",
		       "seen: dma-buf calls per hook, from the hook counters");
	ASSERT_HAS_STR(last, "\"duration_s\":1.235,", "duration_s, 3 decimals");
	ASSERT_HAS_STR(last, "\"kernel\":\"6.1.0-56-amd64\"", "kernel");
	ASSERT_HAS_STR(last,
		       "\"detectors\":{\"mmap\":\"fentry\",\"mmap_import\":\"fentry\","
		       "\"gup_slow\":\"kprobe\",\"insert_page\":\"none\","
		       "\"insert_pages\":\"fentry\",\"gup_fast\":\"fentry\","
		       "\"pte_install\":\"kprobe\",\"scan\":\"iter\",\"vma_dup\":\"fentry\","
		       "\"vma_free\":\"kprobe\",\"pfn_lookup\":\"fentry\",\"huge_insert\":\"kprobe\"},",
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
	fixture_free(&fx);
}

static void test_report_json_empty(void)
{
	struct fixture fx;
	char *out;

	fixture_init(&fx);
	fx.r.kernel = "6.18.0\"\n\x01"; /* hostile: still valid JSON */
	fx.r.elapsed = 0;
	out = fixture_report(&fx, true);
	if (ASSERT_OK_PTR(out, "capture")) {
		ASSERT_JSON_LINES(out, "empty report");
		ASSERT_TRUE(!strncmp(out, "{\"summary\":{", 12), "only the summary");
		ASSERT_EQ_U64(strchr(out, '\n') - out + 1, strlen(out), "one line");
		ASSERT_EQ_INT(json_num(out, "violations"), 0, "no violations");
		ASSERT_EQ_INT(json_num(out, "findings"), 0, "no findings");
		ASSERT_HAS_STR(out, "\"duration_s\":0.000,", "duration 0");
	}

	/* dropped findings and lost events are reported */
	fx.r.kernel = "6.12.57+deb12-amd64";
	fx.set.max = 1;
	fixture_add(&fx, DA_KIND_MMAP_WITHOUT_PFNMAP, 1, 0x1000, 1);
	fixture_add(&fx, DA_KIND_MMAP_WITHOUT_PFNMAP, 2, 0x1000, 3);
	fx.r.counters[DA_CTR_RINGBUF_LOST] = 42;
	out = fixture_report(&fx, true);
	ASSERT_JSON_LINES(out, "report with drops");
	ASSERT_EQ_INT(json_num(out, "findings_dropped"), 3, "findings_dropped");
	ASSERT_EQ_INT(json_num(out, "ringbuf_lost"), 42, "ringbuf_lost");
	ASSERT_EQ_INT(json_num(out, "violations"), 4, "violations from counters");
	fixture_free(&fx);
}

static void test_report_human(void)
{
	struct fixture fx;
	char *out;

	fixture_init(&fx);
	out = fixture_report(&fx, false);
	if (ASSERT_OK_PTR(out, "capture")) {
		ASSERT_HAS_STR(out, "result: PASS (0 violation events, 0 warning events)\n",
			       "empty: PASS");
		ASSERT_NO_STR(out, "FAIL", "empty: no FAIL");
		ASSERT_HAS_STR(out, "VIOLATIONS\n  none\n", "empty: no violations listed");
		ASSERT_HAS_STR(out, "on Linux 6.1.0-56-amd64", "kernel shown");
		ASSERT_HAS_STR(out,
			       "detectors: mmap=fentry mmap_import=fentry gup_slow=kprobe "
			       "insert_page=none insert_pages=fentry gup_fast=fentry "
			       "pte_install=kprobe scan=iter vma_dup=fentry vma_free=kprobe pfn_lookup=fentry huge_insert=kprobe\n",
			       "detectors shown");
		ASSERT_NO_STR(out, "note:", "no loss note");
	}

	/* warnings alone still pass */
	fixture_add(&fx, DA_KIND_GUP_BLOCKED, 300, 0x7f0000030000, 1);
	out = fixture_report(&fx, false);
	ASSERT_HAS_STR(out, "result: PASS (0 violation events, 1 warning event)\n",
		       "warning only: PASS");
	ASSERT_HAS_STR(out, "WARNINGS\n  gup_blocked: ", "warning listed");
	fixture_free(&fx);

	fixture_mixed(&fx);
	out = fixture_report(&fx, false);
	if (ASSERT_OK_PTR(out, "capture")) {
		char *v = strstr(out, "VIOLATIONS\n"), *w = strstr(out, "WARNINGS\n");

		ASSERT_HAS_STR(out, "result: FAIL (9 violation events, 2 warning events)\n",
			       "FAIL");
		ASSERT_NO_STR(out, "PASS", "no PASS");
		ASSERT_TRUE(v && w && v < w, "violations section before warnings");
		ASSERT_HAS_STR(out,
			       "totals: mmap_without_pfnmap=2 gup_on_dmabuf=3 "
			       "page_insert_on_dmabuf=4 gup_blocked=2 gup_fast_on_dmabuf=0 "
			       "pte_not_special=0 kernel_pfn_lookup=0 huge_not_special=0 huge_entry=0 "
			       "ringbuf_lost=0\n",
			       "totals line");
		ASSERT_HAS_STR(out, "gup FOLL_WRITE|FOLL_LONGTERM|FOLL_PIN", "gup flags decoded");
		ASSERT_HAS_STR(out, "[shared,mixedmap]", "vm_flags described");
		ASSERT_HAS_STR(out, "  count 4\n", "count shown");
		/* the result line is the last line */
		ASSERT_TRUE(!strcmp(strstr(out, "result: "),
				    "result: FAIL (9 violation events, 2 warning events)\n"),
			    "result line last");
	}

	/* exactly one violation: singular */
	fixture_free(&fx);
	fixture_init(&fx);
	fixture_add(&fx, DA_KIND_MMAP_WITHOUT_PFNMAP, 1, 0x1000, 1);
	fx.r.counters[DA_CTR_RINGBUF_LOST] = 1;
	out = fixture_report(&fx, false);
	ASSERT_HAS_STR(out, "result: FAIL (1 violation event, 0 warning events)\n", "singular");
	ASSERT_HAS_STR(out, "note: some events were lost", "loss note");
	fixture_free(&fx);
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
	out = fixture_report(&fx, false);
	if (ASSERT_OK_PTR(out, "capture")) {
		ASSERT_TRUE(terminal_safe(out, 0x7f), "no control bytes but newlines");
		ASSERT_HAS_STR(out, "(?]0;pwn????xxxxx)", "comm: 16 bytes, controls as ?");
		ASSERT_HAS_STR(out, "exporter eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\n",
			       "exporter: 32 bytes, not more");
	}
	fixture_free(&fx);
}

static char *capture_watch(const struct da_event *ev, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	struct finding fi = { .ev = *ev, .count = 1 };

	watch_print_finding(f, &fi, json, false, NULL);
	fclose(f);
	return buf;
}

static void test_report_watch_event(void)
{
	struct da_event ev = ev_make(DA_KIND_GUP_ON_DMABUF, 42, 0x7f0000010000);
	/* written out by hand from ev_make(): not produced by the code under test */
	static const char want[] =
		"{\"kind\":\"gup_on_dmabuf\",\"pid\":42,\"tid\":43,\"comm\":\"dmabuf-trigger\","
		"\"exporter\":\"test_insert_page\",\"inode\":4567,\"size\":16384,"
		"\"vm_start\":\"0x7f0000010000\",\"vm_end\":\"0x7f0000014000\","
		"\"vm_flags\":\"0x100000fb\",\"addr\":\"0x7f0000010000\",\"count\":1,"
		"\"hook\":\"check_vma_flags\",\"gup_flags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\","
		"\"FOLL_PIN\"],\"buf_name\":\"\",\"module\":\"\",\"mmap_op\":null,"
		"\"fix\":\"" FIX_GUP "\",\"uid\":0,"
		"\"cgroup_id\":0,\"stack\":[]}\n";
	char *out;

	gup_flags_reset();
	out = capture_watch(&ev, true);
	ASSERT_STREQ(out, want, "watch --json line = the finding with count 1");
	ASSERT_JSON_LINES(out, "watch --json line");
	free(out);

	out = capture_watch(&ev, false);
	ASSERT_HAS_STR(out, " VIOLATION gup_on_dmabuf\n", "watch violation head");
	ASSERT_HAS_STR(out,
		       "process 42 (dmabuf-trigger) tid 43 uid 0 cgroup 0  via check_vma_flags\n",
		       "watch process line");
	free(out);
	ev.kind = DA_KIND_GUP_BLOCKED;
	out = capture_watch(&ev, false);
	ASSERT_HAS_STR(out, " WARNING gup_blocked\n", "watch warning head");
	free(out);
}

/* "functions" names every function a detector hooks, however many (7.2's huge_insert). */
static void test_report_json_long_functions(void)
{
	static const char four[] =
		"vmf_insert_pfn_pmd,vmf_insert_folio_pmd,vmf_insert_pfn_pud,vmf_insert_folio_pud";
	struct fixture fx;
	char want[160];

	fixture_init(&fx);
	fx.r.det_func[DA_HOOK_HUGE_INSERT] = four;
	snprintf(want, sizeof(want), "\"huge_insert\":\"%s\"}}}\n", four);
	ASSERT_HAS_STR(fixture_report(&fx, true), want, "all four, whole");
	fixture_free(&fx);
}

/* A huge kind's entry line: the level, the entry read back, the bytes each maps. */
static void test_report_watch_huge(void)
{
	struct da_event ev = ev_make(DA_KIND_HUGE_NOT_SPECIAL, 42, 0x7f0000200000);
	char want[96];
	char *out;

	ev.hook = DA_HOOK_HUGE_INSERT;
	ev.ret = DA_HUGE_PMD;
	ev.pte = 0x1234000e7;
	ev.addr = 0;
	out = capture_watch(&ev, false);
	ASSERT_HAS_STR(out, " VIOLATION huge_not_special\n", "violation head");
	snprintf(want, sizeof(want), "  pmd 0x1234000e7 (%llu KiB each)  count 1\n",
		 (unsigned long long)(huge_entry_size(DA_HUGE_PMD) >> 10));
	ASSERT_HAS_STR(out, want, "entry, size and count");
	ASSERT_HAS_STR(out, "via huge_insert\n", "the hook");
	free(out);
	ev.kind = DA_KIND_HUGE_ENTRY;
	ev.ret = DA_HUGE_PUD;
	out = capture_watch(&ev, false);
	ASSERT_HAS_STR(out, " WARNING huge_entry\n", "warning head");
	ASSERT_HAS_STR(out, "  pud 0x1234000e7 (", "pud level");
	ASSERT_NO_STR(out, "  pte 0x", "no pte line");
	free(out);
}

/*
 * watch with a full finding table (2 here, 65536 in watch): every new finding
 * is still printed, once, count 1, marked as not followed; the first one asks
 * for the stderr notice, later ones do not; a grown count of an itemised
 * finding is printed again, an unchanged one not.
 */
static void test_report_watch_table_full(void)
{
	struct da_event e1 = ev_make(DA_KIND_GUP_ON_DMABUF, 42, 0x7f0000010000);
	struct da_event e2 = ev_make(DA_KIND_PAGE_INSERT_ON_DMABUF, 42, 0x7f0000020000);
	struct da_event e3 = ev_make(DA_KIND_MMAP_WITHOUT_PFNMAP, 43, 0x7f0000030000);
	struct da_event e4 = ev_make(DA_KIND_GUP_ON_DMABUF, 44, 0x7f0000040000);
	struct da_dedup_key k1 = { .kind = e1.kind, .pid = e1.pid, .inode = e1.inode,
				   .vm_start = e1.vm_start };
	struct watch_state w = { 0 };
	struct finding_set set;
	struct finding *f;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	bool said[5];

	if (!ASSERT_OK_PTR(out, "open_memstream"))
		return;
	gup_flags_reset();
	finding_set_init(&set, 2);
	f = finding_set_add(&set, &e1);
	said[0] = watch_on_finding(out, &w, f, &e1, true, NULL);
	f = finding_set_add(&set, &e2);
	said[1] = watch_on_finding(out, &w, f, &e2, true, NULL);
	f = finding_set_add(&set, &e3); /* full: NULL */
	ASSERT_NULL(f, "third finding does not fit a set of 2");
	said[2] = watch_on_finding(out, &w, f, &e3, true, NULL);
	f = finding_set_add(&set, &e4);
	said[3] = watch_on_finding(out, &w, f, &e4, true, NULL);
	f = finding_set_update(&set, &k1, 5); /* e1 grew to 5 */
	said[4] = watch_on_finding(out, &w, f, &f->ev, true, NULL);
	watch_on_finding(out, &w, f, &f->ev, true, NULL); /* unchanged: nothing */
	fclose(out);

	ASSERT_FALSE(said[0] || said[1], "no notice while the table has room");
	ASSERT_TRUE(said[2], "notice at the first finding that does not fit");
	ASSERT_FALSE(said[3] || said[4], "notice only once");
	ASSERT_EQ_U64(w.unfollowed, 2, "findings printed but not followed");
	ASSERT_EQ_U64(set.dropped, 2, "set's dropped (report: findings_dropped)");
	ASSERT_JSON_LINES(buf, "watch --json lines");
	ASSERT_HAS_STR(buf, "\"pid\":43,", "third finding printed");
	ASSERT_HAS_STR(buf, "\"pid\":44,", "fourth finding printed");
	ASSERT_HAS_STR(buf, "\"stack\":[],\"followed\":false}\n",
		       "not-followed line marked");
	ASSERT_HAS_STR(buf, "\"pid\":42,\"tid\":43,\"comm\":\"dmabuf-trigger\",\"exporter\":\"test_insert_page\",\"inode\":4567,\"size\":16384,\"vm_start\":\"0x7f0000010000\",\"vm_end\":\"0x7f0000014000\",\"vm_flags\":\"0x100000fb\",\"addr\":\"0x7f0000010000\",\"count\":5,",
		       "grown count of an itemised finding printed");
	{
		size_t lines = 0, marked = 0;

		for (char *p = buf; (p = strchr(p, '\n')); p++)
			lines++;
		for (char *p = buf; (p = strstr(p, "\"followed\":false")); p++)
			marked++;
		ASSERT_EQ_U64(lines, 5, "lines: 2 new, 2 not followed, 1 grown");
		ASSERT_EQ_U64(marked, 2, "lines marked not followed");
	}
	free(buf);

	/* human: the head says it */
	buf = NULL;
	out = open_memstream(&buf, &len);
	if (ASSERT_OK_PTR(out, "open_memstream")) {
		watch_on_finding(out, &w, NULL, &e3, false, NULL);
		fclose(out);
		ASSERT_HAS_STR(buf, " VIOLATION mmap_without_pfnmap (count not followed: finding table full)\n",
			       "human head of a not-followed finding");
		ASSERT_HAS_STR(buf, "process 43 (dmabuf-trigger)", "its process line");
		free(buf);
	}
	finding_set_free(&set);
}

/* scan_kinds (findings of the scan) count like the BPF counters. */
static void test_report_scan_kinds(void)
{
	struct fixture fx;
	char *out;

	fixture_init(&fx);
	fx.r.counters[DA_KIND_MMAP_WITHOUT_PFNMAP] = 2;
	fx.r.scan_kinds[DA_KIND_MMAP_WITHOUT_PFNMAP] = 3;
	fx.r.scan_kinds[DA_KIND_PTE_NOT_SPECIAL] = 4;
	fx.r.scan_kinds[DA_KIND_GUP_BLOCKED] = 1;
	fx.r.scan_kinds[DA_KIND_NONE] = 100; /* compliant mappings: not findings */
	ASSERT_EQ_U64(report_kind_total(&fx.r, DA_KIND_MMAP_WITHOUT_PFNMAP), 5,
		      "kind total = counter + scan");
	ASSERT_EQ_U64(report_kind_total(&fx.r, DA_KIND_PTE_NOT_SPECIAL), 4, "scan only");
	ASSERT_EQ_U64(report_kind_total(&fx.r, DA_KIND_GUP_ON_DMABUF), 0, "neither");
	ASSERT_EQ_U64(report_kind_total(&fx.r, DA_KIND_MAX), 0, "kind MAX: 0");
	ASSERT_EQ_U64(report_kind_total(&fx.r, 0xffffffffu), 0, "kind ~0: 0");
	ASSERT_EQ_U64(report_violations(&fx.r), 9, "violations: 2 + 3 + 4");
	ASSERT_EQ_U64(report_warnings(&fx.r), 1, "warnings: the scan's gup_blocked");

	out = fixture_report(&fx, true);
	ASSERT_JSON_LINES(out, "report --json with scan kinds");
	ASSERT_EQ_INT(json_num(out, "violations"), 9, "summary violations");
	ASSERT_EQ_INT(json_num(out, "warnings"), 1, "summary warnings");
	ASSERT_EQ_INT(json_num(out, "mmap_without_pfnmap"), 5, "summary kinds: counter + scan");
	ASSERT_EQ_INT(json_num(out, "pte_not_special"), 4, "summary kinds: scan");

	out = fixture_report(&fx, false);
	ASSERT_HAS_STR(out,
		       "totals: mmap_without_pfnmap=5 gup_on_dmabuf=0 page_insert_on_dmabuf=0 "
		       "gup_blocked=1 gup_fast_on_dmabuf=0 pte_not_special=4 kernel_pfn_lookup=0 "
		       "huge_not_special=0 huge_entry=0 ringbuf_lost=0\n",
		       "human totals with scan kinds");
	ASSERT_HAS_STR(out, "result: FAIL (9 violation events, 1 warning event)\n", "result");

	/* a violation found only by the scan fails the run */
	fixture_free(&fx);
	fixture_init(&fx);
	fx.r.scan_kinds[DA_KIND_PTE_NOT_SPECIAL] = 1;
	ASSERT_EQ_U64(report_violations(&fx.r), 1, "scan alone: 1 violation");
	fixture_free(&fx);
}

/* Three mappings, two buffers of "system" (one shared), one of "udmabuf". */
static void maps_fill(struct mapping_table *t)
{
	static const struct {
		uint32_t pid;
		const char *comm;
		uint64_t inode, size, len, flags;
		const char *exporter, *name;
	} in[] = {
		{ 200, "viewer", 7, 16384, 16384, DA_VM_SHARED | DA_VM_PFNMAP, "system", "frame" },
		{ 100, "udmabuf-user", 9, 8192, 4096, DA_VM_SHARED, "udmabuf", "" },
		{ 100, "camera", 7, 16384, 16384, DA_VM_SHARED | DA_VM_PFNMAP, "system", "frame" },
		{ 100, "udmabuf-user", 9, 8192, 4096, DA_VM_SHARED, "udmabuf", "" },
		{ 300, "gpu", 8, 1048576, 1048576, DA_VM_SHARED | DA_VM_IO, "system", "" },
	};

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(in); i++) {
		struct da_event rec;

		memset(&rec, 0, sizeof(rec));
		rec.hook = DA_HOOK_SCAN;
		rec.pid = in[i].pid;
		rec.uid = in[i].pid * 10;
		rec.inode = in[i].inode;
		rec.size = in[i].size;
		rec.vm_start = 0x7f0000000000ull + (i << 24);
		rec.vm_end = rec.vm_start + in[i].len;
		rec.vm_flags = in[i].flags;
		strcpy(rec.comm, in[i].comm);
		strcpy(rec.exporter, in[i].exporter);
		strcpy(rec.buf_name, in[i].name);
		ASSERT_EQ_INT(mapping_table_add(t, &rec), 0, "mapping_table_add");
	}
	mapping_table_finish(t);
}

static void fixture_scan(struct fixture *fx, struct mapping_table *maps)
{
	fixture_mixed(fx);
	maps_fill(maps);
	fx->r.maps = maps;
	fx->r.scan_ran = true;
	fx->r.scan.tasks = 42;
	fx->r.scan.vmas = 1234;
	fx->r.scan.dmabuf_vmas = 5;
	fx->r.counters[DA_CTR_DEDUP_FULL] = 6;
	fx->r.counters[DA_CTR_GUP_FAST_UNVERIFIED] = 2;
	fx->r.tracked_vmas = 3;
	fx->r.missed = 7;
	fx->r.det_func[DA_HOOK_MMAP] = "dma_buf_mmap_internal";
	fx->r.det_func[DA_HOOK_GUP_SLOW] = "check_vma_flags";
	fx->r.det_func[DA_HOOK_SCAN] = "bpf_iter_task_vma";
}

/* Line kinds in order: findings, then mappings, then the summary. */
static void check_line_order(const char *out, size_t findings, size_t mappings)
{
	size_t n[3] = { 0 }, bad = 0;
	int last = 0;

	for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		int cls = !strncmp(p, "{\"kind\":", 8)	      ? 0
			  : !strncmp(p, "{\"mapping\":{", 12) ? 1
			  : !strncmp(p, "{\"summary\":{", 12) ? 2
							      : -1;

		if (cls < last)
			bad++;
		else
			n[cls]++;
		last = cls < 0 ? last : cls;
	}
	ASSERT_EQ_U64(bad, 0, "lines out of order or of no known kind");
	ASSERT_EQ_U64(n[0], findings, "finding lines");
	ASSERT_EQ_U64(n[1], mappings, "mapping lines");
	ASSERT_EQ_U64(n[2], 1, "summary lines");
}

static void test_report_json_mappings(void)
{
	struct mapping_table maps;
	struct fixture fx;
	char *out, *p, *q;

	fixture_scan(&fx, &maps);
	out = fixture_report(&fx, true);
	if (!ASSERT_OK_PTR(out, "capture"))
		goto out;
	ASSERT_JSON_LINES(out, "report --json with mappings");
	check_line_order(out, fx.set.len, 4);

	/* sorted by exporter, inode, pid; rss/pss/procs as in mappings.c */
	p = strstr(out, "{\"mapping\":");
	if (!ASSERT_OK_PTR(p, "mapping lines"))
		goto out;
	q = strstr(out, "{\"summary\":");
	if (!ASSERT_OK_PTR(q, "summary line"))
		goto out;
	q[0] = '\0'; /* p: the mapping lines only */
	ASSERT_STREQ(p,
		     "{\"mapping\":{\"pid\":100,\"comm\":\"camera\",\"uid\":1000,"
		     "\"exporter\":\"system\",\"buf_name\":\"frame\",\"inode\":7,\"size\":16384,"
		     "\"rss\":16384,\"pss\":8192,\"vmas\":1,\"procs\":2,\"vm_flags\":\"0x408\"}}\n"
		     "{\"mapping\":{\"pid\":200,\"comm\":\"viewer\",\"uid\":2000,"
		     "\"exporter\":\"system\",\"buf_name\":\"frame\",\"inode\":7,\"size\":16384,"
		     "\"rss\":16384,\"pss\":8192,\"vmas\":1,\"procs\":2,\"vm_flags\":\"0x408\"}}\n"
		     "{\"mapping\":{\"pid\":300,\"comm\":\"gpu\",\"uid\":3000,"
		     "\"exporter\":\"system\",\"buf_name\":\"\",\"inode\":8,\"size\":1048576,"
		     "\"rss\":1048576,\"pss\":1048576,\"vmas\":1,\"procs\":1,"
		     "\"vm_flags\":\"0x4008\"}}\n"
		     "{\"mapping\":{\"pid\":100,\"comm\":\"udmabuf-user\",\"uid\":1000,"
		     "\"exporter\":\"udmabuf\",\"buf_name\":\"\",\"inode\":9,\"size\":8192,"
		     "\"rss\":8192,\"pss\":8192,\"vmas\":2,\"procs\":1,\"vm_flags\":\"0x8\"}}\n",
		     "mapping lines");
	q[0] = '{';

	ASSERT_HAS_STR(q, ",\"scan\":{\"processes\":42,\"vmas\":1234,\"dmabuf_vmas\":5},",
		       "scan object");
	ASSERT_EQ_INT(json_num(q, "dedup_full"), 6, "dedup_full");
	ASSERT_EQ_INT(json_num(q, "gup_fast_unverified"), 2,
		      "gup_fast_unverified: refused lookups");
	ASSERT_EQ_INT(json_num(q, "tracked_vmas"), 3, "tracked_vmas: swapped vmas still tracked");
	ASSERT_EQ_INT(json_num(q, "missed"), 7,
		      "missed: calls the kernel skipped our programs for");
	ASSERT_HAS_STR(q,
		       ",\"functions\":{\"mmap\":\"dma_buf_mmap_internal\",\"mmap_import\":null,"
		       "\"gup_slow\":\"check_vma_flags\",\"insert_page\":null,"
		       "\"insert_pages\":null,\"gup_fast\":null,\"pte_install\":null,"
		       "\"scan\":\"bpf_iter_task_vma\",\"vma_dup\":null,\"vma_free\":null,\"pfn_lookup\":null,"
		       "\"huge_insert\":null}}}\n",
		       "functions: name or null, last");
out:
	mapping_table_free(&maps);
	fixture_free(&fx);
}

/* No scan (no task_vma iterator): "scan":null and no mapping line. */
static void test_report_json_no_scan(void)
{
	struct mapping_table maps = { 0 };
	struct fixture fx;
	char *out;

	fixture_mixed(&fx);
	out = fixture_report(&fx, true);
	ASSERT_JSON_LINES(out, "report --json without scan");
	ASSERT_HAS_STR(out, ",\"scan\":null,", "scan null");
	ASSERT_NO_STR(out, "\"mapping\"", "no mapping line");
	ASSERT_EQ_INT(json_num(out, "dedup_full"), 0, "dedup_full 0");
	ASSERT_HAS_STR(out, ",\"functions\":{\"mmap\":null,", "functions all null");
	if (out)
		check_line_order(out, fx.set.len, 0);

	/* scanned, nothing mapped: a scan object, no mapping line */
	fx.r.scan_ran = true;
	fx.r.maps = &maps;
	fx.r.scan.tasks = 3;
	out = fixture_report(&fx, true);
	ASSERT_JSON_LINES(out, "report --json, empty scan");
	ASSERT_HAS_STR(out, ",\"scan\":{\"processes\":3,\"vmas\":0,\"dmabuf_vmas\":0},",
		       "empty scan object");
	ASSERT_NO_STR(out, "\"mapping\"", "empty scan: no mapping line");
	fixture_free(&fx);
}

/*
 * The report's INVENTORY at its end: the totals object in the summary (the same as
 * report --inventory's), the human section before the totals; null and one line
 * saying why when it was not taken; nothing at all when none was asked (run).
 */
static void test_report_inventory(void)
{
	struct inventory inv = { 0 };
	struct mapping_table maps = { 0 };
	struct da_buf_rec b;
	struct fixture fx;
	char *out;

	memset(&b, 0, sizeof(b));
	b.inode = 4567;
	b.size = 16384;
	strcpy(b.exporter, "test_insert_page");
	ASSERT_EQ_INT(inventory_add_buf(&inv, &b), 0, "add buf");
	inv.source = "debugfs";
	inventory_finish(&inv);

	fixture_mixed(&fx);
	fx.r.inv = &inv;
	fx.r.inv_maps = &maps;
	out = fixture_report(&fx, true);
	ASSERT_JSON_LINES(out, "report --json with its inventory");
	ASSERT_HAS_STR(out, ",\"inventory\":{\"buffers\":1,\"bytes\":16384,\"kernel_only_buffers\":1,"
			    "\"kernel_only_bytes\":16384,\"stray_fds\":0,\"source\":\"debugfs\","
			    "\"exporters\":{\"test_insert_page\":{\"buffers\":1,\"bytes\":16384,"
			    "\"kernel_only_buffers\":1,\"kernel_only_bytes\":16384}}},",
		       "the totals object in the summary");
	out = fixture_report(&fx, false);
	ASSERT_HAS_STR(out, "DMA-BUF INVENTORY: 1 buffer, 16384 bytes; held only by the kernel: 1 "
			    "buffer, 16384 bytes\n",
		       "human INVENTORY");
	ASSERT_TRUE(out && strstr(out, "VIOLATIONS") < strstr(out, "DMA-BUF INVENTORY") &&
			    strstr(out, "DMA-BUF INVENTORY") < strstr(out, "totals:"),
		    "after the findings, before the totals");

	fx.r.inv = NULL;
	fx.r.inv_why = "not taken with -p (the scan sees one process)";
	out = fixture_report(&fx, false);
	ASSERT_HAS_STR(out, "DMA-BUF INVENTORY: not taken: not taken with -p", "why not, human");
	out = fixture_report(&fx, true);
	ASSERT_HAS_STR(out, ",\"inventory\":null,", "null in JSON");

	fx.r.inv_why = NULL;
	out = fixture_report(&fx, false);
	ASSERT_NO_STR(out, "INVENTORY", "none asked: no section");
	fixture_free(&fx);
	inventory_free(&inv);
}

static void test_report_human_mappings(void)
{
	struct mapping_table maps;
	struct fixture fx;
	char *out;

	fixture_scan(&fx, &maps);
	out = fixture_report(&fx, false);
	if (ASSERT_OK_PTR(out, "capture")) {
		const char *sec = strstr(out, "MAPPED DMA-BUF MEMORY");

		ASSERT_HAS_STR(
			out,
			"MAPPED DMA-BUF MEMORY (scan at start: 42 processes, 1234 vmas, "
			"5 dma-buf vmas)\n"
			"  exporter system\n"
			"    buffer inode 7  size 16 KiB  name \"frame\"  mapped by 2 processes\n"
			"      pid 100 (camera)  rss 16 KiB  pss 8 KiB  vmas 1  [shared,pfnmap]\n"
			"      pid 200 (viewer)  rss 16 KiB  pss 8 KiB  vmas 1  [shared,pfnmap]\n"
			"    buffer inode 8  size 1024 KiB  mapped by 1 process\n"
			"      pid 300 (gpu)  rss 1024 KiB  pss 1024 KiB  vmas 1  [shared,io]\n"
			"  exporter udmabuf\n"
			"    buffer inode 9  size 8 KiB  mapped by 1 process\n"
			"      pid 100 (udmabuf-user)  rss 8 KiB  pss 8 KiB  vmas 2  [shared]\n"
			"\n",
			"section: exporter -> buffer -> process");
		ASSERT_TRUE(sec && strstr(sec + 1, "MAPPED DMA-BUF MEMORY") == NULL, "one section");
		ASSERT_HAS_STR(out, "result: FAIL (9 violation events, 2 warning events)\n",
			       "mappings are no findings");
	}

	/* scanned, nothing mapped */
	mapping_table_free(&maps);
	out = fixture_report(&fx, false);
	ASSERT_HAS_STR(out,
		       "MAPPED DMA-BUF MEMORY (scan at start: 42 processes, 1234 vmas, "
		       "5 dma-buf vmas)\n  none\n\n",
		       "empty table: none");
	fx.r.maps = NULL;
	out = fixture_report(&fx, false);
	ASSERT_HAS_STR(out, "dma-buf vmas)\n  none\n\n", "no table: none");

	/* no scan */
	fx.r.scan_ran = false;
	out = fixture_report(&fx, false);
	ASSERT_HAS_STR(out,
		       "MAPPED DMA-BUF MEMORY\n  not scanned (no task_vma iterator on this "
		       "kernel)\n\n",
		       "not scanned");
	ASSERT_NO_STR(out, "scan at start", "not scanned: no scan totals");
	fixture_free(&fx);
}

/* comm, exporter and buf_name of a mapping are arbitrary bytes. */
static void test_report_mappings_hostile(void)
{
	struct mapping_table maps = { 0 };
	struct fixture fx;
	struct da_event rec;
	char *out;

	fixture_init(&fx);
	memset(&rec, 0, sizeof(rec));
	rec.pid = 1;
	rec.inode = 5;
	rec.size = 4096;
	rec.vm_start = 0x1000;
	rec.vm_end = 0x2000;
	memcpy(rec.comm, "\x1b[2J\"\\\n\x7f\x9bxxxxxxx", DA_COMM_LEN);
	memset(rec.exporter, 'e', DA_EXPORTER_LEN);
	memset(rec.buf_name, '\x1b', DA_BUF_NAME_LEN);
	mapping_table_add(&maps, &rec);
	mapping_table_finish(&maps);
	fx.r.maps = &maps;
	fx.r.scan_ran = true;

	out = fixture_report(&fx, true);
	ASSERT_JSON_LINES(out, "hostile mapping: valid JSON lines");
	ASSERT_HAS_STR(out, "\"exporter\":\"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\",\"buf_name\"",
		       "JSON exporter: 32 bytes");

	out = fixture_report(&fx, false);
	if (ASSERT_OK_PTR(out, "capture")) {
		ASSERT_TRUE(terminal_safe(out, 0xff), "no control bytes but newlines");
		ASSERT_HAS_STR(out, "pid 1 (?[2J\"\\???xxxxxxx)", "comm: 16 bytes, controls as ?");
		ASSERT_HAS_STR(out, "  exporter eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\n",
			       "exporter: 32 bytes");
		ASSERT_HAS_STR(out, "name \"????????????????????????????????\"",
			       "buf_name: 32 bytes as ?");
	}
	mapping_table_free(&maps);
	fixture_free(&fx);
}

/* Each finding's stack: "stack:  func+0x.. [mod]", then aligned frames. */
static void test_report_human_stack(void)
{
	static const char text[] = "ffffffff81001000 T start_kernel\n"
				   "ffffffffc0a01000 t tim_mmap\t[test_insert_page]\n";
	struct fixture fx;
	struct ksyms ks;
	struct da_event ev;
	char *out;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	if (!ASSERT_OK_PTR(f, "fmemopen"))
		return;
	ASSERT_EQ_INT(ksyms_load(&ks, f), 0, "ksyms_load");
	fclose(f);

	fixture_init(&fx);
	ev = ev_make(DA_KIND_PAGE_INSERT_ON_DMABUF, 100, 0x7f0000010000);
	strcpy(ev.module, "test_insert_page");
	ev.mmap_op = 0xffffffffc0a01000ull;
	ev.stack_len = 3;
	ev.stack[0] = 0xffffffffc0a0102bull;
	ev.stack[1] = 0xffffffff8100101aull;
	ev.stack[2] = 0x1234;
	finding_set_add(&fx.set, &ev);
	fx.r.counters[DA_KIND_PAGE_INSERT_ON_DMABUF] = 1;
	fx.r.ks = &ks;
	out = fixture_report(&fx, false);
	ASSERT_HAS_STR(out,
		       "      exporter test_insert_page [test_insert_page]  "
		       "mmap tim_mmap [test_insert_page]\n",
		       "exporter line: module and mmap op");
	ASSERT_HAS_STR(out,
		       "  count 1\n"
		       "      stack:  tim_mmap+0x2b [test_insert_page]\n"
		       "              start_kernel+0x1a\n"
		       "              [unknown]\n",
		       "stack lines, symbolized; no raw address");

	/* without ksyms: unknown, never a raw kernel address; stack_len past the array: capped */
	fx.r.ks = NULL;
	fx.set.items[0].ev.stack_len = 1000;
	out = fixture_report(&fx, false);
	ASSERT_HAS_STR(out, "  mmap [unknown]\n", "mmap op unknown");
	ASSERT_HAS_STR(out, "      stack:  [unknown]\n              [unknown]\n",
		       "stack frames unknown");
	ASSERT_NO_STR(out, "0xffff", "no raw kernel address");
	if (out) {
		const char *p = strstr(out, "stack:  ");
		size_t lines = 0;

		while (p && (p = strchr(p, '\n')) && !strncmp(p + 1, "              ", 14)) {
			lines++;
			p++;
		}
		ASSERT_EQ_U64(lines + 1, DA_STACK_DEPTH, "stack lines capped at DA_STACK_DEPTH");
	}

	/* no stack: no stack line */
	fx.set.items[0].ev.stack_len = 0;
	out = fixture_report(&fx, false);
	ASSERT_NO_STR(out, "stack:", "stack_len 0: no stack line");
	fixture_free(&fx);
	ksyms_free(&ks);
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
	UNIT_TEST(test_report_watch_huge),
	UNIT_TEST(test_report_json_long_functions),
	UNIT_TEST(test_report_watch_table_full),
	UNIT_TEST(test_report_scan_kinds),
	UNIT_TEST(test_report_json_mappings),
	UNIT_TEST(test_report_json_no_scan),
	UNIT_TEST(test_report_inventory),
	UNIT_TEST(test_report_human_mappings),
	UNIT_TEST(test_report_mappings_hostile),
	UNIT_TEST(test_report_human_stack),
};
/* clang-format on */
UNIT_SUITE(report, tests);
