// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Mapped dma-buf memory per (pid, buffer): vmas, rss, procs, pss. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mappings.h"
#include "unit.h"

/* One scan record: a vma of len bytes at vm_start mapping buffer inode. */
static struct da_event rec_make(uint32_t pid, uint64_t inode, uint64_t size, uint64_t vm_start,
				uint64_t len, const char *exporter)
{
	struct da_event rec;

	memset(&rec, 0, sizeof(rec));
	rec.kind = DA_KIND_NONE;
	rec.hook = DA_HOOK_SCAN;
	rec.pid = pid;
	rec.tid = pid;
	rec.uid = 1000 + pid;
	rec.inode = inode;
	rec.size = size;
	rec.vm_start = vm_start;
	rec.vm_end = vm_start + len;
	rec.vm_flags = DA_VM_SHARED | DA_VM_PFNMAP;
	snprintf(rec.comm, sizeof(rec.comm), "proc%u", pid);
	strcpy(rec.exporter, exporter);
	return rec;
}

static bool add(struct mapping_table *t, uint32_t pid, uint64_t inode, uint64_t size,
		uint64_t vm_start, uint64_t len, const char *exporter)
{
	struct da_event rec = rec_make(pid, inode, size, vm_start, len, exporter);

	return ASSERT_EQ_INT(mapping_table_add(t, &rec), 0, "mapping_table_add");
}

/* Finishes the table: whether it then holds n mappings. */
static bool finish_len(struct mapping_table *t, size_t n, const char *what)
{
	mapping_table_finish(t);
	return ASSERT_EQ_U64(t->len, n, what);
}

/* A vma of a test's table: what add() takes, and its vm_flags when not the usual. */
struct vma {
	uint32_t pid;
	uint64_t inode, size, vm_start, len;
	const char *exporter;
	uint64_t vm_flags;
};

/* What mapping i of the finished table holds. */
struct want_mapping {
	uint32_t pid, vmas, procs;
	uint64_t rss, pss;
};

/*
 * Adds the vmas in[], finishes the table, and checks it holds the mappings want[] in
 * that order: whether it holds as many.
 */
static bool check_table(struct mapping_table *t, const struct vma *in, size_t nin,
			const struct want_mapping *want, size_t nwant, const char *what)
{
	char m[160];

	for (size_t i = 0; i < nin; i++) {
		struct da_event rec = rec_make(in[i].pid, in[i].inode, in[i].size, in[i].vm_start,
					       in[i].len, in[i].exporter);

		if (in[i].vm_flags)
			rec.vm_flags = in[i].vm_flags;
		snprintf(m, sizeof(m), "%s: add vma %zu", what, i);
		ASSERT_EQ_INT(mapping_table_add(t, &rec), 0, m);
	}
	if (!finish_len(t, nwant, what))
		return false;
	for (size_t i = 0; i < nwant; i++) {
		const struct mapping *g = &t->items[i];
		const struct want_mapping *w = &want[i];

#define WHAT(field) (snprintf(m, sizeof(m), "%s: mapping %zu " field, what, i), m)
		ASSERT_EQ_U64(g->pid, w->pid, WHAT("pid"));
		ASSERT_EQ_U64(g->vmas, w->vmas, WHAT("vmas"));
		ASSERT_EQ_U64(g->procs, w->procs, WHAT("procs (processes, not vmas)"));
		ASSERT_EQ_U64(g->rss, w->rss, WHAT("rss"));
		ASSERT_EQ_U64(mapping_pss(g), w->pss, WHAT("pss"));
#undef WHAT
	}
	return true;
}

/* Two processes map one buffer: each has its rss, pss is half of it. */
static void test_mappings_shared_buffer(void)
{
	struct mapping_table t = { 0 };

	add(&t, 200, 7, 16384, 0x7f0000000000, 16384, "system");
	add(&t, 100, 7, 16384, 0x7f1000000000, 16384, "system");
	ASSERT_EQ_U64(t.len, 2, "one mapping per process");
	ASSERT_EQ_U64(t.items[0].procs, 0, "procs unset before finish");
	ASSERT_EQ_U64(mapping_pss(&t.items[0]), 16384, "pss before finish = rss");
	if (!finish_len(&t, 2, "finish keeps both"))
		goto out;
	for (size_t i = 0; i < t.len; i++) {
		ASSERT_EQ_U64(t.items[i].procs, 2, "procs: 2 processes map the buffer");
		ASSERT_EQ_U64(t.items[i].rss, 16384, "rss: the whole buffer");
		ASSERT_EQ_U64(mapping_pss(&t.items[i]), 8192, "pss = rss / 2");
		ASSERT_EQ_U64(t.items[i].vmas, 1, "one vma");
		ASSERT_EQ_U64(t.items[i].size, 16384, "size");
		ASSERT_EQ_U64(t.items[i].vm_flags, DA_VM_SHARED | DA_VM_PFNMAP, "vm_flags");
	}
	ASSERT_EQ_U64(t.items[0].pid, 100, "sorted by pid within the buffer");
	ASSERT_EQ_U64(t.items[0].uid, 1100, "uid of pid 100");
	ASSERT_STREQ(t.items[0].comm, "proc100", "comm of pid 100");

	/* a third process maps a quarter of it: pss = its rss / 3 */
	add(&t, 300, 7, 16384, 0x7f2000000000, 4096, "system");
	if (!finish_len(&t, 3, "three processes"))
		goto out;
	ASSERT_EQ_U64(t.items[2].pid, 300, "pid 300 last");
	ASSERT_EQ_U64(t.items[2].rss, 4096, "pid 300 rss");
	ASSERT_EQ_U64(mapping_pss(&t.items[2]), 4096 / 3, "pid 300 pss = rss / 3");
	ASSERT_EQ_U64(mapping_pss(&t.items[0]), 16384 / 3, "pid 100 pss = rss / 3");
	for (size_t i = 0; i < t.len; i++)
		ASSERT_EQ_U64(t.items[i].procs, 3, "procs after finish again");
out:
	mapping_table_free(&t);
}

/* One process, several vmas of the same buffer: counted once, capped. */
static void test_mappings_two_vmas(void)
{
	static const struct vma in[] = {
		{ 100, 7, 16384, 0x7f0000000000, 16384, "system", 0 },
		{ 100, 7, 16384, 0x7f1000000000, 8192, "system", DA_VM_SHARED | DA_VM_DONTDUMP },
		/* another process: two quarters, below the size */
		{ 200, 7, 16384, 0x7f0000000000, 4096, "system", 0 },
		{ 200, 7, 16384, 0x7f0000008000, 4096, "system", 0 },
	};
	/* pid 100 first, rss capped at the buffer size; pid 200: rss = sum of the vmas */
	static const struct want_mapping want[] = {
		{ .pid = 100, .vmas = 2, .procs = 2, .rss = 16384, .pss = 8192 },
		{ .pid = 200, .vmas = 2, .procs = 2, .rss = 8192, .pss = 4096 },
	};
	struct mapping_table t = { 0 };
	struct da_event rec;

	if (!check_table(&t, in, UNIT_ARRAY_SIZE(in), want, UNIT_ARRAY_SIZE(want),
			 "one mapping per (pid, buffer)"))
		goto out;
	ASSERT_EQ_U64(t.items[0].vm_flags, DA_VM_SHARED | DA_VM_PFNMAP | DA_VM_DONTDUMP,
		      "vm_flags OR over the vmas");

	/* an empty or inverted vma adds a vma, no bytes */
	rec = rec_make(200, 7, 16384, 0x7f0000010000, 0, "system");
	mapping_table_add(&t, &rec);
	rec.vm_end = rec.vm_start - 4096;
	mapping_table_add(&t, &rec);
	mapping_table_finish(&t);
	ASSERT_EQ_U64(t.items[1].vmas, 4, "pid 200: 4 vmas");
	ASSERT_EQ_U64(t.items[1].rss, 8192, "pid 200: empty/inverted vmas add nothing");
out:
	mapping_table_free(&t);
}

/* Sorted by exporter, then inode, then pid; procs per buffer. */
static void test_mappings_sort(void)
{
	static const struct {
		uint32_t pid;
		uint64_t inode;
		const char *exporter;
	} in[] = {
		{ 5, 30, "udmabuf" }, { 1, 20, "system" },  { 3, 10, "udmabuf" },
		{ 2, 20, "system" },  { 9, 10, "udmabuf" }, { 4, 25, "system" },
		{ 1, 10, "vgem" },    { 7, 10, "udmabuf" }, { 1, 30, "udmabuf" },
	};
	/* expected order, indexes into in[], and procs of each */
	static const int want[] = { 1, 3, 5, 2, 7, 4, 8, 0, 6 };
	static const uint32_t want_procs[] = { 2, 2, 1, 3, 3, 3, 2, 2, 1 };
	struct mapping_table t = { 0 };

	for (size_t i = 0; i < UNIT_ARRAY_SIZE(in); i++) {
		struct da_event rec = rec_make(in[i].pid, in[i].inode, 8192, 0x1000 * (i + 1),
					       4096 * (i % 2 + 1), in[i].exporter);

		rec.uid = i; /* tag: which input it was */
		ASSERT_EQ_INT(mapping_table_add(&t, &rec), 0, "add");
	}
	if (!finish_len(&t, UNIT_ARRAY_SIZE(in), "all distinct"))
		goto out;
	for (size_t i = 0; i < t.len; i++) {
		ASSERT_EQ_U64(t.items[i].uid, want[i], "sorted position");
		ASSERT_EQ_U64(t.items[i].procs, want_procs[i], "procs of the buffer");
		ASSERT_EQ_U64(t.items[i].rss, 4096 * (want[i] % 2 + 1), "rss of the vma");
	}
	mapping_table_finish(&t); /* idempotent */
	for (size_t i = 0; i < t.len; i++)
		ASSERT_EQ_U64(t.items[i].uid, want[i], "sorted twice");
out:
	mapping_table_free(&t);
}

/* Size unknown (0): no cap, rss is the sum of the vmas. */
static void test_mappings_size_zero(void)
{
	static const struct vma in[] = {
		{ 100, 7, 0, 0x7f0000000000, 4096, "heap", 0 },
		{ 100, 7, 0, 0x7f0000010000, 8192, "heap", 0 },
		{ 200, 7, 0, 0x7f0000000000, 4096, "heap", 0 },
	};
	/* pid 100: rss not capped; pss = rss / 2 */
	static const struct want_mapping want[] = {
		{ .pid = 100, .vmas = 2, .procs = 2, .rss = 12288, .pss = 6144 },
		{ .pid = 200, .vmas = 1, .procs = 2, .rss = 4096, .pss = 2048 },
	};
	struct mapping_table t = { 0 };

	if (!check_table(&t, in, UNIT_ARRAY_SIZE(in), want, UNIT_ARRAY_SIZE(want), "two mappings"))
		goto out;
	ASSERT_EQ_U64(t.items[0].size, 0, "size 0 kept");
out:
	mapping_table_free(&t);
}

/* The first record's names are kept; full-length fields without NUL. */
static void test_mappings_names(void)
{
	struct mapping_table t = { 0 };
	struct da_event rec = rec_make(100, 7, 16384, 0x1000, 4096, "system");

	memcpy(rec.comm, "0123456789abcdef", DA_COMM_LEN);
	memset(rec.exporter, 'e', DA_EXPORTER_LEN);
	memset(rec.buf_name, 'n', DA_BUF_NAME_LEN);
	ASSERT_EQ_INT(mapping_table_add(&t, &rec), 0, "add");
	strcpy(rec.comm, "other");
	strcpy(rec.buf_name, "other");
	rec.uid = 0;
	rec.vm_start = 0x9000;
	rec.vm_end = 0xa000;
	ASSERT_EQ_INT(mapping_table_add(&t, &rec), 0, "add, same buffer");
	if (!finish_len(&t, 1, "one mapping"))
		goto out;
	ASSERT_TRUE(!memcmp(t.items[0].comm, "0123456789abcdef", DA_COMM_LEN), "first comm kept");
	ASSERT_TRUE(t.items[0].buf_name[0] == 'n' &&
			    t.items[0].buf_name[DA_BUF_NAME_LEN - 1] == 'n',
		    "first buf_name kept");
	ASSERT_TRUE(t.items[0].exporter[DA_EXPORTER_LEN - 1] == 'e', "32-byte exporter kept");
	ASSERT_EQ_U64(t.items[0].uid, 1100, "first uid kept");
	ASSERT_EQ_U64(t.items[0].rss, 8192, "both vmas counted");
out:
	mapping_table_free(&t);
}

/* Past the initial capacity: realloc keeps every mapping (ASan checks). */
static void test_mappings_grow(void)
{
	struct mapping_table t = { 0 };
	bool ok = true;

	for (int round = 0; round < 2; round++)
		for (uint32_t i = 0; i < 1000; i++) {
			struct da_event rec = rec_make(1000 - i % 100, i / 100, 1 << 20,
						       0x1000 * (uint64_t)i, 4096, "system");

			ok &= mapping_table_add(&t, &rec) == 0;
		}
	ASSERT_TRUE(ok, "every add succeeds");
	mapping_table_finish(&t);
	ASSERT_EQ_U64(t.len, 1000, "1000 (pid, buffer) pairs");
	ASSERT_TRUE(t.cap >= t.len, "cap >= len");
	for (size_t i = 0; i < t.len && ok; i++) {
		ok &= ASSERT_EQ_U64(t.items[i].inode, i / 100, "inode order");
		ok &= ASSERT_EQ_U64(t.items[i].pid, 901 + i % 100, "pid order");
		ok &= ASSERT_EQ_U64(t.items[i].vmas, 2, "2 rounds: 2 vmas");
		ok &= ASSERT_EQ_U64(t.items[i].rss, 8192, "2 vmas of 4 KiB");
		ok &= ASSERT_EQ_U64(t.items[i].procs, 100, "100 processes per buffer");
		ok &= ASSERT_EQ_U64(mapping_pss(&t.items[i]), 81, "pss = 8192 / 100");
	}
	mapping_table_free(&t);
}

static void test_mappings_free(void)
{
	struct mapping_table t = { 0 };

	mapping_table_free(NULL); /* NULL-safe */
	mapping_table_finish(&t); /* empty */
	ASSERT_EQ_U64(t.len, 0, "finish of an empty table");
	mapping_table_free(&t); /* never used */
	add(&t, 1, 1, 4096, 0x1000, 4096, "system");
	mapping_table_free(&t);
	ASSERT_NULL(t.items, "free clears items");
	ASSERT_EQ_U64(t.len, 0, "free clears len");
	ASSERT_EQ_U64(t.cap, 0, "free clears cap");
	mapping_table_free(&t); /* twice is harmless */
	/* usable again after free */
	add(&t, 2, 2, 4096, 0x1000, 4096, "system");
	ASSERT_EQ_U64(t.len, 1, "reused after free");
	mapping_table_free(&t);
}

/* clang-format off */
static const struct unit_test tests[] = {
	UNIT_TEST(test_mappings_shared_buffer),
	UNIT_TEST(test_mappings_two_vmas),
	UNIT_TEST(test_mappings_sort),
	UNIT_TEST(test_mappings_size_zero),
	UNIT_TEST(test_mappings_names),
	UNIT_TEST(test_mappings_grow),
	UNIT_TEST(test_mappings_free),
};
/* clang-format on */
UNIT_SUITE(mappings, tests);
