// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Kind/hook names, vm_flags_describe() and the finding set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "detectors.h"
#include "finding.h"
#include "unit.h"

static const char *const kind_names[DA_KIND_MAX] = {
	[DA_KIND_MMAP_WITHOUT_PFNMAP] = "mmap_without_pfnmap",
	[DA_KIND_GUP_ON_DMABUF] = "gup_on_dmabuf",
	[DA_KIND_PAGE_INSERT_ON_DMABUF] = "page_insert_on_dmabuf",
	[DA_KIND_GUP_BLOCKED] = "gup_blocked",
	[DA_KIND_GUP_FAST_ON_DMABUF] = "gup_fast_on_dmabuf",
	[DA_KIND_PTE_NOT_SPECIAL] = "pte_not_special",
	[DA_KIND_KERNEL_PFN_LOOKUP] = "kernel_pfn_lookup",
	[DA_KIND_HUGE_NOT_SPECIAL] = "huge_not_special",
	[DA_KIND_HUGE_ENTRY] = "huge_entry",
};

static void test_finding_kind_names(void)
{
	for (uint32_t k = DA_KIND_NONE + 1; k < DA_KIND_MAX; k++) {
		ASSERT_STREQ(kind_name(k), kind_names[k], "kind_name");
		ASSERT_EQ_INT(kind_from_name(kind_names[k]), k, kind_names[k]);
		ASSERT_EQ_INT(kind_from_name(kind_name(k)), k, "round trip");
		ASSERT_TRUE(kind_summary(k) && *kind_summary(k), "kind_summary set");
		ASSERT_NO_STR(kind_summary(k), "\n", "kind_summary is one line");
	}
	ASSERT_STREQ(kind_name(DA_KIND_NONE), "unknown", "kind_name(NONE)");
	ASSERT_STREQ(kind_name(DA_KIND_MAX), "unknown", "kind_name(MAX)");
	ASSERT_STREQ(kind_name(0xffffffffu), "unknown", "kind_name(~0)");
	ASSERT_STREQ(kind_summary(0xffffffffu), "", "kind_summary(~0)");
	ASSERT_EQ_INT(kind_from_name("none"), -EINVAL, "kind_from_name(none)");
	ASSERT_EQ_INT(kind_from_name("unknown"), -EINVAL, "kind_from_name(unknown)");
	ASSERT_EQ_INT(kind_from_name(""), -EINVAL, "kind_from_name(\"\")");
	ASSERT_EQ_INT(kind_from_name("GUP_ON_DMABUF"), -EINVAL, "case-sensitive");
	ASSERT_EQ_INT(kind_from_name("gup_on_dmabuf "), -EINVAL, "trailing space");
	ASSERT_EQ_INT(kind_from_name("gup"), -EINVAL, "prefix");
}

static void test_finding_kind_is_violation(void)
{
	ASSERT_TRUE(kind_is_violation(DA_KIND_MMAP_WITHOUT_PFNMAP), "mmap_without_pfnmap");
	ASSERT_TRUE(kind_is_violation(DA_KIND_GUP_ON_DMABUF), "gup_on_dmabuf");
	ASSERT_TRUE(kind_is_violation(DA_KIND_PAGE_INSERT_ON_DMABUF), "page_insert_on_dmabuf");
	ASSERT_FALSE(kind_is_violation(DA_KIND_GUP_BLOCKED), "gup_blocked is a warning");
	ASSERT_FALSE(kind_is_violation(DA_KIND_KERNEL_PFN_LOOKUP),
		     "kernel_pfn_lookup is a warning");
	ASSERT_TRUE(kind_is_violation(DA_KIND_HUGE_NOT_SPECIAL), "huge_not_special");
	ASSERT_FALSE(kind_is_violation(DA_KIND_HUGE_ENTRY), "huge_entry is a warning");
	ASSERT_FALSE(kind_is_violation(DA_KIND_NONE), "none");
	ASSERT_FALSE(kind_is_violation(DA_KIND_MAX), "MAX");
	ASSERT_FALSE(kind_is_violation(0xffffffffu), "~0");
}

/* The size a huge entry maps: a table holds page / 8 entries. */
static void test_finding_huge_entry_size(void)
{
	ASSERT_EQ_U64(huge_entry_size_of(DA_HUGE_PMD, 4096), 2ull << 20, "pmd, 4K pages");
	ASSERT_EQ_U64(huge_entry_size_of(DA_HUGE_PUD, 4096), 1ull << 30, "pud, 4K pages");
	ASSERT_EQ_U64(huge_entry_size_of(DA_HUGE_PMD, 16384), 32ull << 20, "pmd, 16K pages");
	ASSERT_EQ_U64(huge_entry_size_of(DA_HUGE_PMD, 65536), 512ull << 20, "pmd, 64K pages");
	ASSERT_EQ_U64(huge_entry_size_of(0, 4096), 0, "no level");
	ASSERT_EQ_U64(huge_entry_size_of(3, 4096), 0, "another level");
}

static void test_finding_hook_names(void)
{
	ASSERT_STREQ(hook_name(DA_HOOK_MMAP), "dma_buf_mmap_internal", "hook mmap");
	ASSERT_STREQ(hook_name(DA_HOOK_MMAP_IMPORT), "dma_buf_mmap", "hook import");
	ASSERT_STREQ(hook_name(DA_HOOK_GUP_SLOW), "check_vma_flags", "hook gup");
	ASSERT_STREQ(hook_name(DA_HOOK_INSERT_PAGE), "vm_insert_page", "hook insert");
	ASSERT_STREQ(hook_name(DA_HOOK_INSERT_PAGES), "vm_insert_pages", "hook inserts");
	ASSERT_STREQ(hook_name(DA_HOOK_PFN_LOOKUP), "pfn_lookup", "hook pfn lookup");
	ASSERT_STREQ(hook_name(DA_HOOK_HUGE_INSERT), "huge_insert", "hook huge insert");
	ASSERT_STREQ(hook_name(DA_HOOK_MAX), "unknown", "hook MAX");
	ASSERT_STREQ(hook_name(0xffffffffu), "unknown", "hook ~0");
}

/* The table holds every hook id but the scan's, once each, in enum da_hook order. */
static void test_finding_detector_table(void)
{
	uint32_t next = 0;

	for (int i = 0; i < DA_LIVE_DETECTORS; i++) {
		const struct detector_def *d = &detector_defs[i];

		if (next == DA_HOOK_SCAN)
			next++;
		ASSERT_EQ_U64(d->id, next++, "row i: hook id, the scan's skipped");
		ASSERT_TRUE(d->name && d->hook && d->what && d->fn[0].func, "row filled");
		ASSERT_TRUE(detector_def(d->id) == d, "detector_def finds the row");
		ASSERT_STREQ(detector_name(d->id), d->name, "detector_name");
		ASSERT_STREQ(hook_name(d->id), d->hook, "hook_name");
	}
	ASSERT_EQ_U64(next, DA_HOOK_MAX, "every hook id");
	ASSERT_NULL(detector_def(DA_HOOK_SCAN), "the scan is no live detector");
	ASSERT_NULL(detector_def(DA_HOOK_MAX), "detector_def(MAX)");
	ASSERT_STREQ(detector_name(DA_HOOK_SCAN), "scan", "scan's name");
	ASSERT_STREQ(hook_name(DA_HOOK_SCAN), "scan", "scan's hook");
	ASSERT_STREQ(detector_name(DA_HOOK_MAX), "unknown", "detector MAX");
}

/* vm_flags_describe(flags) into a buffer of exactly len bytes must give want. */
static bool expect_describe(uint64_t flags, size_t len, const char *want, const char *what)
{
	char *buf = malloc(len ? len : 1); /* exact size: ASan checks bounds */
	char msg[160];
	size_t n;
	bool ok;

	if (!ASSERT_OK_PTR(buf, "malloc"))
		return false;
	memset(buf, '#', len ? len : 1);
	n = vm_flags_describe(flags, buf, len);
	if (!len) {
		ok = ASSERT_EQ_U64(n, 0, what);
		snprintf(msg, sizeof(msg), "%s: len 0: buffer untouched", what);
		ok &= ASSERT_TRUE(buf[0] == '#', msg);
		free(buf);
		return ok;
	}
	snprintf(msg, sizeof(msg), "%s: NUL-terminated", what);
	ok = ASSERT_TRUE(memchr(buf, '\0', len), msg);
	if (ok) {
		ok &= ASSERT_STREQ(buf, want, what);
		snprintf(msg, sizeof(msg), "%s: return value is strlen(buf)", what);
		ok &= ASSERT_EQ_U64(n, strlen(buf), msg);
	}
	free(buf);
	return ok;
}

/*
 * Names of the bits set; in too small a buffer whole names only, never a cut
 * name, never an overrun.
 */
static void test_finding_vm_flags_describe(void)
{
	static const struct {
		const char *name;
		uint64_t flags;
		size_t len;
		const char *want;
	} cases[] = {
		/* vm_insert_page'd mapping on 6.1: rd wr sh mr mw me ms mm */
		{ "0x100000fb", 0x100000fb, 64, "shared,mixedmap" },
		/* remap_pfn_range: VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP */
		{ "0xc0444fb", 0xc0444fb, 64, "shared,pfnmap,io,dontexpand,dontdump" },
		{ "no flags", 0, 64, "" },
		{ "only uninteresting bits", DA_VM_READ | DA_VM_WRITE | DA_VM_EXEC, 64, "" },
		{ "every bit", 0xffffffffffffffffull, 64,
		  "shared,pfnmap,io,mixedmap,dontexpand,dontdump" },
		/* exactly enough room */
		{ "exact fit", 0xc0444fb, sizeof("shared,pfnmap,io,dontexpand,dontdump"),
		  "shared,pfnmap,io,dontexpand,dontdump" },
		/* too small */
		{ "len 0", 0xc0444fb, 0, "" },
		{ "len 1", 0xc0444fb, 1, "" },
		{ "len 6: \"shared\" does not fit", 0xc0444fb, 6, "" },
		{ "len 7: \"shared\" fits", 0xc0444fb, 7, "shared" },
		{ "len 10: no cut \"pfnmap\"", 0xc0444fb, 10, "shared" },
		{ "one byte short", 0xc0444fb, sizeof("shared,pfnmap,io,dontexpand,dontdump") - 1,
		  "shared,pfnmap,io,dontexpand" },
		{ "len 12: no cut \"mixedmap\"", 0x100000fb, 12, "shared" },
	};
	char what[96];

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		snprintf(what, sizeof(what), "[%zu] %s", i, cases[i].name);
		expect_describe(cases[i].flags, cases[i].len, cases[i].want, what);
	}
}

static struct da_event ev_make(uint32_t kind, uint32_t pid, uint64_t inode, uint64_t vm_start)
{
	struct da_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.hook = DA_HOOK_MMAP;
	ev.pid = pid;
	ev.tid = pid;
	ev.inode = inode;
	ev.size = 16384;
	ev.vm_start = vm_start;
	ev.vm_end = vm_start + 16384;
	strcpy(ev.comm, "trigger");
	strcpy(ev.exporter, "test_insert_page");
	return ev;
}

static void test_finding_set_aggregate(void)
{
	struct finding_set set;
	struct da_event a = ev_make(DA_KIND_GUP_ON_DMABUF, 100, 7, 0x7f0000000000);
	struct da_event b;
	struct finding *f = NULL, *first;

	finding_set_init(&set, 16);
	ASSERT_EQ_U64(set.len, 0, "empty after init");
	ASSERT_EQ_U64(set.max, 16, "max");
	ASSERT_EQ_U64(set.dropped, 0, "dropped after init");

	a.gup_flags = 0x1;
	first = finding_set_add(&set, &a);
	if (!ASSERT_OK_PTR(first, "first add"))
		goto out;
	ASSERT_EQ_U64(first->count, 1, "first count");
	ASSERT_EQ_U64(set.len, 1, "one finding");

	/* same key, other tid/addr/comm/flags: same finding, first event kept */
	b = a;
	b.tid = 101;
	b.addr = 0x7f0000001000;
	b.gup_flags = 0x40000;
	strcpy(b.comm, "other");
	for (int i = 0; i < 9; i++)
		f = finding_set_add(&set, &b);
	ASSERT_TRUE(f == &set.items[0], "repeat returns the same finding");
	ASSERT_EQ_U64(set.len, 1, "repeats: still one finding");
	ASSERT_EQ_U64(set.items[0].count, 10, "repeats counted");
	ASSERT_EQ_U64(set.items[0].ev.tid, 100, "first event's tid kept");
	ASSERT_STREQ(set.items[0].ev.comm, "trigger", "first event's comm kept");
	ASSERT_EQ_U64(set.items[0].ev.gup_flags, 0x40001, "gup_flags accumulated");

	/* each key field makes a new finding */
	b = a;
	b.vm_start += 0x10000;
	finding_set_add(&set, &b);
	ASSERT_EQ_U64(set.len, 2, "other vm_start: new finding");
	b = a;
	b.pid = 200;
	finding_set_add(&set, &b);
	ASSERT_EQ_U64(set.len, 3, "other pid: new finding");
	b = a;
	b.inode = 8;
	finding_set_add(&set, &b);
	ASSERT_EQ_U64(set.len, 4, "other inode: new finding");
	b = a;
	b.kind = DA_KIND_GUP_BLOCKED;
	finding_set_add(&set, &b);
	ASSERT_EQ_U64(set.len, 5, "other kind: new finding");
	/* not part of the key */
	b = a;
	b.vm_end += 0x1000;
	b.size = 1;
	b.hook = DA_HOOK_INSERT_PAGE;
	strcpy(b.exporter, "other");
	finding_set_add(&set, &b);
	ASSERT_EQ_U64(set.len, 5, "vm_end/size/hook/exporter are not in the key");
	ASSERT_EQ_U64(set.items[0].count, 11, "counted in the first finding");
	for (size_t i = 1; i < set.len; i++)
		ASSERT_EQ_U64(set.items[i].count, 1, "new findings count 1");
	ASSERT_EQ_U64(set.dropped, 0, "nothing dropped");
out:
	finding_set_free(&set);
}

static void test_finding_set_max(void)
{
	struct finding_set set;
	struct da_event a = ev_make(DA_KIND_MMAP_WITHOUT_PFNMAP, 1, 1, 0x1000);
	struct da_event b = ev_make(DA_KIND_MMAP_WITHOUT_PFNMAP, 1, 1, 0x2000);
	struct da_event c = ev_make(DA_KIND_MMAP_WITHOUT_PFNMAP, 1, 1, 0x3000);
	uint64_t total = 0;
	int events = 0;

	finding_set_init(&set, 2);
	ASSERT_OK_PTR(finding_set_add(&set, &a), "a fits");
	ASSERT_OK_PTR(finding_set_add(&set, &b), "b fits");
	events += 2;
	ASSERT_NULL(finding_set_add(&set, &c), "c over max");
	events++;
	ASSERT_EQ_U64(set.dropped, 1, "c dropped");
	ASSERT_EQ_U64(set.len, 2, "len stays at max");
	/* known findings keep counting when full */
	for (int i = 0; i < 5; i++) {
		ASSERT_OK_PTR(finding_set_add(&set, &a), "a counted when full");
		ASSERT_NULL(finding_set_add(&set, &c), "c dropped again");
		events += 2;
	}
	ASSERT_EQ_U64(set.items[0].count, 6, "a: every event counted");
	ASSERT_EQ_U64(set.items[1].count, 1, "b untouched");
	ASSERT_EQ_U64(set.dropped, 6, "every c event dropped");
	for (size_t i = 0; i < set.len; i++)
		total += set.items[i].count;
	ASSERT_EQ_U64(total + set.dropped, events, "counted + dropped = events");
	finding_set_free(&set);
	ASSERT_NULL(set.items, "free clears items");
	ASSERT_EQ_U64(set.len, 0, "free clears len");
	finding_set_free(&set); /* twice is harmless */
	finding_set_free(NULL);

	finding_set_init(&set, 0);
	ASSERT_NULL(finding_set_add(&set, &a), "max 0: dropped");
	ASSERT_EQ_U64(set.dropped, 1, "max 0: counted as dropped");
	ASSERT_EQ_U64(set.len, 0, "max 0: empty");
	finding_set_free(&set);
}

/* Event i of test_finding_set_grow: one kind, 7 processes. */
static struct da_event grow_ev(uint64_t i)
{
	return ev_make(DA_KIND_PAGE_INSERT_ON_DMABUF, (uint32_t)(i % 7), i / 7, i << 12);
}

/* Event i of test_finding_set_index: 4 kinds, 13 processes. */
static struct da_event index_ev(uint64_t i)
{
	return ev_make(1 + i % 4, (uint32_t)(i % 13), i % 5, i << 12);
}

/* A set of max findings, given the events ev(0..n-1) rounds times: n findings. */
static void fill_set(struct finding_set *set, size_t max, int rounds, uint64_t n,
		     struct da_event (*ev)(uint64_t i))
{
	char what[64];
	bool ok = true;

	finding_set_init(set, max);
	for (int round = 0; round < rounds; round++)
		for (uint64_t i = 0; i < n; i++) {
			struct da_event e = ev(i);

			ok &= !!finding_set_add(set, &e);
		}
	ASSERT_TRUE(ok, "every add fits");
	snprintf(what, sizeof(what), "%llu distinct findings", (unsigned long long)n);
	ASSERT_EQ_U64(set->len, n, what);
}

/* Past the initial capacity: realloc keeps every finding (ASan checks). */
static void test_finding_set_grow(void)
{
	struct finding_set set;
	bool ok = true;

	fill_set(&set, 1000, 3, 300, grow_ev);
	ASSERT_TRUE(set.cap >= set.len, "cap >= len");
	for (uint64_t i = 0; i < set.len && ok; i++) {
		ok &= ASSERT_EQ_U64(set.items[i].ev.vm_start, i << 12, "insertion order kept");
		ok &= ASSERT_EQ_U64(set.items[i].count, 3, "3 rounds counted");
	}
	ASSERT_EQ_U64(set.dropped, 0, "nothing dropped");
	finding_set_free(&set);
}

/* Many distinct findings: the hash index keeps counts right across a sort. */
static void test_finding_set_index(void)
{
	struct finding_set set;
	bool ok = true;

	fill_set(&set, 65536, 2, 20000, index_ev);
	ASSERT_TRUE(set.nslots >= 2 * set.len, "index at most half full");
	finding_set_sort(&set);
	for (uint64_t i = 0; i < 20000; i++) {
		struct da_event ev = index_ev(i);
		struct finding *f = finding_set_add(&set, &ev);

		ok &= f && f->ev.vm_start == (i << 12) && f->count == 3;
	}
	ASSERT_TRUE(ok, "after sort, each add finds its finding (count 3)");
	ASSERT_EQ_U64(set.len, 20000, "still 20000 findings");
	finding_set_free(&set);
}

/*
 * The index lost to ENOMEM (as a failed rebuild after a sort or prune leaves
 * it) with more findings than a first index has slots: the next add rebuilds
 * it big enough (it looped forever: SIGALRM ends the test then).
 */
static void test_finding_set_index_lost(void)
{
	struct finding_set set;
	struct da_event ev = index_ev(300);
	bool ok = true;

	fill_set(&set, 1000, 1, 300, index_ev);
	free(set.slots);
	set.slots = NULL;
	set.nslots = 0;
	alarm(10);
	ok &= ASSERT_OK_PTR(finding_set_add(&set, &ev), "add after the index was lost");
	alarm(0);
	ASSERT_TRUE(set.nslots >= 2 * set.len, "index rebuilt at most half full");
	for (uint64_t i = 0; i <= 300 && ok; i++) {
		struct da_event e = index_ev(i);
		struct finding *f = finding_set_add(&set, &e);

		ok &= f && f->ev.vm_start == (i << 12);
	}
	ASSERT_TRUE(ok, "every finding found again");
	ASSERT_EQ_U64(set.len, 301, "301 findings");
	finding_set_free(&set);
}

/* The vmas a scan saw: a finding is found by (pid, inode, vm_start), all three. */
static void test_finding_vma_set(void)
{
	struct vma_set vs = { 0 };
	struct da_event ev = { 0 };
	bool ok = true;

	ev.pid = 7, ev.inode = 9, ev.vm_start = 0x1000;
	ASSERT_FALSE(vma_set_has(&vs, &ev), "empty set has nothing");
	for (uint32_t i = 1000; i > 0; i--) { /* added out of order */
		struct da_event r = { .pid = i % 10, .inode = i, .vm_start = (uint64_t)i << 12 };

		ok &= !vma_set_add(&vs, &r);
	}
	ASSERT_TRUE(ok, "1000 vmas added");
	vma_set_finish(&vs);
	for (uint32_t i = 1; i <= 1000 && ok; i++) {
		struct da_event r = { .pid = i % 10, .inode = i, .vm_start = (uint64_t)i << 12 };

		ok &= vma_set_has(&vs, &r);
	}
	ASSERT_TRUE(ok, "every vma found");
	ev.pid = 3, ev.inode = 13, ev.vm_start = 13 << 12;
	ASSERT_TRUE(vma_set_has(&vs, &ev), "pid 3 inode 13");
	ev.pid = 4;
	ASSERT_FALSE(vma_set_has(&vs, &ev), "another pid: gone");
	ev.pid = 3, ev.inode = 14;
	ASSERT_FALSE(vma_set_has(&vs, &ev), "another buffer at that address: gone");
	ev.inode = 13, ev.vm_start = 14 << 12;
	ASSERT_FALSE(vma_set_has(&vs, &ev), "another address: gone");
	vma_set_reset(&vs);
	ev.vm_start = 13 << 12;
	ASSERT_FALSE(vma_set_has(&vs, &ev), "after reset: nothing");
	vma_set_free(&vs);
	vma_set_free(NULL);
}

static void test_finding_set_sort(void)
{
	static const struct {
		uint32_t kind;
		uint32_t pid;
		uint64_t vm_start;
		const char *exporter;
	} in[] = {
		{ DA_KIND_GUP_BLOCKED, 5, 0x1000, "a" },
		{ DA_KIND_PAGE_INSERT_ON_DMABUF, 9, 0x1000, "test_insert_page" },
		{ DA_KIND_GUP_ON_DMABUF, 3, 0x1000, "udmabuf" },
		{ DA_KIND_MMAP_WITHOUT_PFNMAP, 7, 0x2000, "udmabuf" },
		{ DA_KIND_MMAP_WITHOUT_PFNMAP, 7, 0x1000, "udmabuf" },
		{ DA_KIND_MMAP_WITHOUT_PFNMAP, 2, 0x1000, "udmabuf" },
		{ DA_KIND_MMAP_WITHOUT_PFNMAP, 8, 0x1000, "system" },
		{ DA_KIND_GUP_BLOCKED, 1, 0x1000, "z" },
		{ DA_KIND_GUP_ON_DMABUF, 1, 0x1000, "vgem" },
	};
	/* expected order: indexes into in[] */
	static const int want[] = { 6, 5, 4, 3, 2, 8, 1, 0, 7 };
	struct finding_set set;

	finding_set_init(&set, 64);
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(in); i++) {
		struct da_event ev = ev_make(in[i].kind, in[i].pid, 1, in[i].vm_start);

		strcpy(ev.exporter, in[i].exporter);
		ev.inode = i; /* tag: which input it was */
		finding_set_add(&set, &ev);
	}
	finding_set_sort(&set);
	if (!ASSERT_EQ_U64(set.len, UNIT_ARRAY_SIZE(in), "all added"))
		goto out;
	for (size_t i = 0; i < set.len; i++)
		ASSERT_EQ_U64(set.items[i].ev.inode, want[i], "sorted position");
	/* violations first, whatever the input order */
	for (size_t i = 1; i < set.len; i++)
		ASSERT_FALSE(!kind_is_violation(set.items[i - 1].ev.kind) &&
				     kind_is_violation(set.items[i].ev.kind),
			     "no violation after a warning");
	finding_set_sort(&set); /* idempotent */
	for (size_t i = 0; i < set.len; i++)
		ASSERT_EQ_U64(set.items[i].ev.inode, want[i], "sorted twice");
out:
	finding_set_free(&set);

	/* empty and single-item sets */
	finding_set_init(&set, 4);
	finding_set_sort(&set);
	ASSERT_EQ_U64(set.len, 0, "sort empty");
	finding_set_free(&set);
}

static void test_finding_gup_flag_table(void)
{
	static const struct gup_flag_name legacy[] = {
		{ "FOLL_WRITE", 0x01 },	   { "FOLL_GET", 0x04 },	 { "FOLL_FORCE", 0x10 },
		{ "FOLL_REMOTE", 0x2000 }, { "FOLL_LONGTERM", 0x10000 }, { "FOLL_PIN", 0x40000 },
	};

	gup_flags_reset();
	for (int i = 0; i < GUP_FLAG_NAMES; i++) {
		ASSERT_STREQ(gup_flag_table[i].name, legacy[i].name, "legacy name");
		ASSERT_EQ_U64(gup_flag_table[i].value, legacy[i].value, legacy[i].name);
	}
	ASSERT_EQ_INT(gup_flag_set_value("FOLL_PIN", 0x80000), 0, "set FOLL_PIN");
	ASSERT_EQ_U64(gup_flag_table[5].value, 0x80000, "FOLL_PIN learned");
	ASSERT_EQ_INT(gup_flag_set_value("FOLL_TOUCH", 0x2), -ENOENT, "unlisted flag");
	gup_flags_reset();
	ASSERT_EQ_U64(gup_flag_table[5].value, 0x40000, "FOLL_PIN reset");
}

static struct da_dedup_key key_of(const struct da_event *ev)
{
	struct da_dedup_key key;

	memset(&key, 0, sizeof(key));
	key.kind = ev->kind;
	key.pid = ev->pid;
	key.inode = ev->inode;
	key.vm_start = ev->vm_start;
	return key;
}

/* The count follows the BPF dedup map's count, which only grows. */
static void test_finding_set_update_count(void)
{
	struct finding_set set;
	struct da_event a = ev_make(DA_KIND_GUP_ON_DMABUF, 100, 7, 0x7f0000000000);
	struct da_dedup_key key = key_of(&a);
	struct finding *f;

	finding_set_init(&set, 16);
	f = finding_set_add(&set, &a);
	if (!ASSERT_OK_PTR(f, "add"))
		goto out;
	ASSERT_EQ_U64(f->count, 1, "first event: count 1");
	ASSERT_TRUE(finding_set_update(&set, &key, 1) == f, "update returns the finding");
	ASSERT_EQ_U64(f->count, 1, "map count 1 (the event itself): count 1");
	finding_set_update(&set, &key, 5);
	ASSERT_EQ_U64(f->count, 5, "map count 5: count 5");
	finding_set_update(&set, &key, 3);
	ASSERT_EQ_U64(f->count, 5, "smaller map count: count not lowered");
	finding_set_update(&set, &key, 0);
	ASSERT_EQ_U64(f->count, 5, "map count 0: count not lowered");
	finding_set_update(&set, &key, 5);
	ASSERT_EQ_U64(f->count, 5, "same map count: unchanged");
	ASSERT_TRUE(finding_set_update(&set, &key, 9) == f, "update returns the finding");
	ASSERT_EQ_U64(f->count, 9, "map count 9: count 9");
	ASSERT_EQ_U64(f->base + f->live, f->count, "count = base + live");
	ASSERT_EQ_U64(f->base, 0, "no eviction: base 0");
	ASSERT_EQ_U64(set.len, 1, "update adds no finding");
	ASSERT_EQ_U64(f->ev.tid, 100, "first event kept");
out:
	finding_set_free(&set);
}

/* Dedup entry evicted in BPF: the event comes again, the map restarts at 1. */
static void test_finding_set_update_evicted(void)
{
	struct finding_set set;
	struct da_event a = ev_make(DA_KIND_MMAP_WITHOUT_PFNMAP, 100, 7, 0x7f0000000000);
	struct da_dedup_key key = key_of(&a);
	struct finding *f;

	finding_set_init(&set, 16);
	f = finding_set_add(&set, &a);
	if (!ASSERT_OK_PTR(f, "add"))
		goto out;
	finding_set_update(&set, &key, 9);
	ASSERT_EQ_U64(f->count, 9, "before eviction: 9");

	/* re-sent: the 9 so far are kept, the new entry counts 1 */
	ASSERT_TRUE(finding_set_add(&set, &a) == f, "re-sent event: same finding");
	ASSERT_EQ_U64(set.len, 1, "re-sent event: no new finding");
	ASSERT_EQ_U64(f->count, 10, "re-sent: 9 + 1");
	ASSERT_EQ_U64(f->base, 9, "re-sent: base holds the earlier total");
	ASSERT_EQ_U64(f->live, 1, "re-sent: live restarts at 1");
	finding_set_update(&set, &key, 1);
	ASSERT_EQ_U64(f->count, 10, "new map entry at 1: 10");
	finding_set_update(&set, &key, 4);
	ASSERT_EQ_U64(f->count, 13, "new map entry at 4: 9 + 4");
	finding_set_update(&set, &key, 2);
	ASSERT_EQ_U64(f->count, 13, "smaller map count after eviction: not lowered");

	/* evicted again */
	finding_set_add(&set, &a);
	ASSERT_EQ_U64(f->count, 14, "second eviction: 13 + 1");
	ASSERT_EQ_U64(f->base, 13, "second eviction: base 13");
	finding_set_update(&set, &key, 6);
	ASSERT_EQ_U64(f->count, 19, "second eviction, map at 6: 13 + 6");
	ASSERT_EQ_U64(set.dropped, 0, "nothing dropped");
out:
	finding_set_free(&set);
}

/*
 * The dedup map full: no entry holds the count, each event is sent in full with
 * the occurrences it stands for (a batch: the inserts of one mmap).
 */
static void test_finding_set_add_batch(void)
{
	struct finding_set set;
	struct da_event a = ev_make(DA_KIND_PAGE_INSERT_ON_DMABUF, 100, 7, 0x7f0000000000);
	struct finding *f;

	finding_set_init(&set, 16);
	a.count = 1;
	f = finding_set_add(&set, &a);
	if (!ASSERT_OK_PTR(f, "add"))
		goto out;
	ASSERT_EQ_U64(f->count, 1, "first insert: 1");
	a.count = 3;
	finding_set_add(&set, &a);
	ASSERT_EQ_U64(f->count, 4, "the other three of the mmap, in one event: 1 + 3");
	finding_set_add(&set, &a);
	ASSERT_EQ_U64(f->count, 7, "again: 4 + 3");
	a.count = 0;
	finding_set_add(&set, &a);
	ASSERT_EQ_U64(f->count, 8, "an event without a count stands for one");
out:
	finding_set_free(&set);
}

/* A key no finding has: NULL, nothing changes. */
static void test_finding_set_update_unknown(void)
{
	struct finding_set set;
	struct da_event a = ev_make(DA_KIND_GUP_ON_DMABUF, 100, 7, 0x7f0000000000);
	struct da_event b = ev_make(DA_KIND_GUP_ON_DMABUF, 200, 7, 0x7f0000000000);
	struct da_event c = ev_make(DA_KIND_GUP_ON_DMABUF, 300, 7, 0x7f0000000000);
	struct da_dedup_key key = key_of(&a), k;

	finding_set_init(&set, 2);
	/* empty set: no index yet */
	ASSERT_NULL(finding_set_update(&set, &key, 5), "empty set: NULL");
	ASSERT_EQ_U64(set.len, 0, "empty set: still empty");
	ASSERT_EQ_U64(set.dropped, 0, "empty set: nothing dropped");

	finding_set_add(&set, &a);
	finding_set_add(&set, &b);
	finding_set_update(&set, &key, 3);
	/* each key field on its own makes another key */
	k = key;
	k.kind = DA_KIND_GUP_BLOCKED;
	ASSERT_NULL(finding_set_update(&set, &k, 50), "other kind: NULL");
	k = key;
	k.pid = 101;
	ASSERT_NULL(finding_set_update(&set, &k, 50), "other pid: NULL");
	k = key;
	k.inode = 8;
	ASSERT_NULL(finding_set_update(&set, &k, 50), "other inode: NULL");
	k = key;
	k.vm_start += 0x1000;
	ASSERT_NULL(finding_set_update(&set, &k, 50), "other vm_start: NULL");
	/* dropped finding (set full): its key is unknown too */
	ASSERT_NULL(finding_set_add(&set, &c), "c dropped");
	k = key_of(&c);
	ASSERT_NULL(finding_set_update(&set, &k, 50), "dropped finding: NULL");

	ASSERT_EQ_U64(set.len, 2, "no finding added");
	ASSERT_EQ_U64(set.dropped, 1, "update does not count as dropped");
	ASSERT_EQ_U64(set.items[0].count, 3, "a unchanged");
	ASSERT_EQ_U64(set.items[1].count, 1, "b unchanged");
	finding_set_free(&set);
}

/* After a sort (items moved) each key still updates its own finding. */
static bool keep_even_pids(void *ctx, struct finding *f)
{
	(*(int *)ctx)++;
	return f->ev.pid % 2 == 0;
}

/* The daemon drops findings of exited processes: the rest stay findable, in order. */
static void test_finding_set_prune(void)
{
	struct finding_set set;
	int calls = 0;
	size_t good = 0;

	finding_set_init(&set, 1024);
	for (uint32_t pid = 1; pid <= 300; pid++) {
		struct da_event ev = ev_make(1 + pid % 4, pid, pid % 5, (uint64_t)pid << 12);

		finding_set_add(&set, &ev);
	}
	ASSERT_EQ_U64(finding_set_prune(&set, keep_even_pids, &calls), 150, "odd pids dropped");
	ASSERT_EQ_INT(calls, 300, "keep() asked once per finding");
	ASSERT_EQ_U64(set.len, 150, "150 findings left");
	for (uint32_t pid = 1; pid <= 300; pid++) {
		struct da_event ev = ev_make(1 + pid % 4, pid, pid % 5, (uint64_t)pid << 12);
		struct da_dedup_key key = key_of(&ev);
		struct finding *f = finding_set_update(&set, &key, 7);

		if (pid % 2 ? !ASSERT_NULL(f, "dropped finding gone")
			    : !ASSERT_OK_PTR(f, "kept finding found") ||
				      !ASSERT_EQ_U64(f->ev.pid, pid, "its own finding"))
			break;
		good++;
	}
	ASSERT_EQ_U64(good, 300, "every pid looked up");
	ASSERT_EQ_U64(set.items[0].ev.pid, 2, "order kept: first");
	ASSERT_EQ_U64(set.items[149].ev.pid, 300, "order kept: last");
	/* a dropped finding comes back as a new one, with a fresh count */
	{
		struct da_event ev = ev_make(1 + 3 % 4, 3, 3 % 5, 3ULL << 12);
		struct finding *f = finding_set_add(&set, &ev);

		ASSERT_OK_PTR(f, "re-added");
		if (f)
			ASSERT_EQ_U64(f->count, 1, "fresh count");
	}
	ASSERT_EQ_U64(set.len, 151, "151 findings");
	finding_set_free(&set);
}

static void test_finding_set_update_after_sort(void)
{
	struct finding_set set;
	size_t good = 0;

	finding_set_init(&set, 1024);
	for (uint64_t i = 0; i < 500; i++) {
		struct da_event ev = ev_make(1 + i % 4, (uint32_t)(500 - i), i % 3, i << 12);

		finding_set_add(&set, &ev);
	}
	finding_set_sort(&set);
	for (uint64_t i = 0; i < 500; i++) {
		struct da_event ev = ev_make(1 + i % 4, (uint32_t)(500 - i), i % 3, i << 12);
		struct da_dedup_key key = key_of(&ev);
		struct finding *f = finding_set_update(&set, &key, 10 + i);

		if (!ASSERT_OK_PTR(f, "finding found after sort") ||
		    !ASSERT_EQ_U64(f->ev.vm_start, i << 12, "its own finding") ||
		    !ASSERT_EQ_U64(f->count, 10 + i, "count from the map"))
			break;
		good++;
	}
	ASSERT_EQ_U64(good, 500, "findings updated");
	ASSERT_EQ_U64(set.len, 500, "still 500 findings");
	finding_set_free(&set);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_finding_kind_names),
	UNIT_TEST(test_finding_kind_is_violation),
	UNIT_TEST(test_finding_hook_names),
	UNIT_TEST(test_finding_huge_entry_size),
	UNIT_TEST(test_finding_detector_table),
	UNIT_TEST(test_finding_vm_flags_describe),
	UNIT_TEST(test_finding_set_aggregate),
	UNIT_TEST(test_finding_set_max),
	UNIT_TEST(test_finding_set_grow),
	UNIT_TEST(test_finding_set_index),
	UNIT_TEST(test_finding_set_index_lost),
	UNIT_TEST(test_finding_vma_set),
	UNIT_TEST(test_finding_set_sort),
	UNIT_TEST(test_finding_gup_flag_table),
	UNIT_TEST(test_finding_set_update_count),
	UNIT_TEST(test_finding_set_update_evicted),
	UNIT_TEST(test_finding_set_add_batch),
	UNIT_TEST(test_finding_set_update_unknown),
	UNIT_TEST(test_finding_set_prune),
	UNIT_TEST(test_finding_set_update_after_sort),
};
UNIT_SUITE(finding, tests);
