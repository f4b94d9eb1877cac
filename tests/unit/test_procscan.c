// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The /proc scan's parsers: maps lines, smaps VmFlags, debugfs bufinfo. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "procscan.h"
#include "unit.h"

static void test_procscan_maps_line(void)
{
	uint64_t s = 0, e = 0, ino = 0;

	ASSERT_TRUE(maps_line_dmabuf("7f12abcd0000-7f12abcd4000 rw-s 00000000 00:0d 42    "
				     "                     /dmabuf:trig:hold\n",
				     &s, &e, &ino),
		    "/dmabuf:NAME is a dma-buf vma");
	ASSERT_TRUE(s == 0x7f12abcd0000ull && e == 0x7f12abcd4000ull && ino == 42,
		    "start, end and inode parsed");
	ASSERT_TRUE(maps_line_dmabuf("1000-2000 rw-s 00000000 00:0d 7 /dmabuf:\n", &s, &e, &ino),
		    "unnamed buffer: /dmabuf:");
	ASSERT_TRUE(maps_line_dmabuf("1000-2000 rw-s 00000000 00:0d 9 anon_inode:dmabuf\n", &s, &e,
				     &ino) &&
			    ino == 9,
		    "old kernels: anon_inode:dmabuf");
	ASSERT_TRUE(!maps_line_dmabuf("1000-2000 r-xp 00000000 08:01 1234 /usr/bin/dmabuf\n", &s,
				      &e, &ino),
		    "an ordinary file is not a dma-buf");
	ASSERT_TRUE(!maps_line_dmabuf("1000-2000 rw-p 00000000 00:00 0\n", &s, &e, &ino),
		    "anonymous memory is not a dma-buf");
	ASSERT_TRUE(!maps_line_dmabuf("Rss:                  16 kB\n", &s, &e, &ino),
		    "an smaps field line is not a vma");
	ASSERT_TRUE(!maps_line_dmabuf("1000-2000 rw-s 00000000 00:0d 9 /dmabufx\n", &s, &e, &ino),
		    "/dmabufx is not the dmabuf pseudo-fs");
}

static void test_procscan_vmflags(void)
{
	/* the numbers vm_flags shows for the same vmas (include/linux/mm.h bits) */
	ASSERT_EQ_U64(vmflags_parse(" rd wr sh mr mw me ms pf io de dd\n"), 0x40444fb,
		      "remap_pfn_range vma flags");
	ASSERT_EQ_U64(vmflags_parse(" rd wr sh mr mw me ms pf io de dd sd\n"), 0xc0444fb,
		      "remap_pfn_range vma flags, soft-dirty");
	ASSERT_EQ_U64(vmflags_parse(" rd wr sh mr mw me ms sd mm\n"), 0x180000fb,
		      "vm_insert_page vma: mixedmap");
	ASSERT_TRUE(vmflags_parse("") == 0, "no flags");
	ASSERT_TRUE(vmflags_parse(" pfx iox mmm\n") == 0, "only whole two-letter names");
	ASSERT_TRUE(vmflags_parse("pf") == DA_VM_PFNMAP, "last name without a separator");
}

/* The records smaps_scan() gave. */
struct scan_log {
	struct da_event rec[4];
	size_t len;
};

static void scan_log_add(void *ctx, const struct da_event *rec)
{
	struct scan_log *log = ctx;

	if (log->len < sizeof(log->rec) / sizeof(log->rec[0]))
		log->rec[log->len] = *rec;
	log->len++;
}

static int smaps_text_scan(const char *text, struct scan_log *log, struct da_scan_stats *st)
{
	struct bufinfo b = { 0 };
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	memset(log, 0, sizeof(*log));
	memset(st, 0, sizeof(*st));
	if (!ASSERT_OK_PTR(f, "fmemopen"))
		return -1;
	ret = smaps_scan(f, (uint32_t)getpid(), &b, scan_log_add, log, st);
	fclose(f);
	return ret;
}

/* one smaps block: the header line, then fields and VmFlags */
#define SMAPS_FIELDS  "Size:                  4 kB\nRss:                   4 kB\n"
#define FORGED_HEADER "7f0000000000-7f0000100000 rw-s 00000000 00:0d 4242 /dmabuf:forged"

/*
 * smaps of a file mapping whose path is path_len bytes and ends in text
 * that looks like the header line of a dma-buf mapping (any user can create
 * such a file: spaces are fine in names), placed so that its text starts
 * where a reader of 511-byte pieces would start a new piece; then a real
 * dma-buf mapping. NULL when out of memory.
 */
static char *smaps_long_path(size_t path_len)
{
	static const char head[] = "00400000-00401000 r--p 00000000 08:01 1234"
				   "                             ";
	static const char real[] = "7f1000000000-7f1000004000 rw-s 00000000 00:0d 77"
				   "                         /dmabuf:real\n" SMAPS_FIELDS
				   "VmFlags: rd wr sh mr mw me ms pf io de dd\n";
	size_t line_len = sizeof(head) - 1 + path_len, tail_at, tail_len, n = 0;
	char *s = malloc(line_len + sizeof(SMAPS_FIELDS) + sizeof(real) + 64);

	if (!s)
		return NULL;
	/* the forged header at the last multiple of 511 that leaves it room */
	tail_at = (line_len - (sizeof(FORGED_HEADER) - 1)) / 511 * 511;
	tail_len = line_len - tail_at;
	memcpy(s, head, sizeof(head) - 1);
	n = sizeof(head) - 1;
	/* path components of at most NAME_MAX bytes */
	while (n < tail_at) {
		s[n] = (n - (sizeof(head) - 1)) % 200 ? 'z' : '/';
		n++;
	}
	memcpy(s + n, FORGED_HEADER, sizeof(FORGED_HEADER) - 1);
	memset(s + n + sizeof(FORGED_HEADER) - 1, 'x', tail_len - (sizeof(FORGED_HEADER) - 1));
	n = line_len;
	n += sprintf(s + n, "\n%sVmFlags: rd mr mw me\n%s", SMAPS_FIELDS, real);
	return s;
}

static void test_procscan_smaps_long_line(void)
{
	static const size_t path_lens[] = { 600, 4096, 100000 };

	for (size_t i = 0; i < sizeof(path_lens) / sizeof(path_lens[0]); i++) {
		char *text = smaps_long_path(path_lens[i]);
		struct da_scan_stats st;
		struct scan_log log;

		if (!ASSERT_OK_PTR(text, "smaps text"))
			return;
		ASSERT_TRUE(strstr(text, "\n" FORGED_HEADER) == NULL &&
				    strstr(text, FORGED_HEADER) - text >= 511,
			    "the forged header is inside the path, past 511 bytes");
		ASSERT_EQ_INT(smaps_text_scan(text, &log, &st), 0, "smaps_scan");
		ASSERT_EQ_INT(log.len, 1, "one dma-buf vma: the real one");
		ASSERT_EQ_U64(log.rec[0].inode, 77, "the real buffer's inode");
		ASSERT_EQ_U64(log.rec[0].vm_start, 0x7f1000000000ull, "the real vma's start");
		ASSERT_EQ_INT(log.rec[0].kind, DA_KIND_NONE, "the real vma is pfnmap");
		ASSERT_EQ_U64(st.vmas, 2, "two vmas, not three");
		ASSERT_EQ_U64(st.dmabuf_vmas, 1, "one dma-buf vma");
		free(text);
	}
}

static void test_procscan_smaps(void)
{
	static const char text[] =
		"00400000-00401000 r-xp 00000000 08:01 1234                       /usr/bin/cat\n" SMAPS_FIELDS
		"VmFlags: rd ex mr mw me\n"
		"7f12abcd0000-7f12abcd4000 rw-s 00000000 00:0d 42                         "
		"/dmabuf:trig:hold\n" SMAPS_FIELDS "VmFlags: rd wr sh mr mw me ms sd mm\n"
		"7fff00000000-7fff00021000 rw-p 00000000 00:00 0                          [stack]\n" SMAPS_FIELDS
		"VmFlags: rd wr mr mw me gd ac\n";
	struct da_scan_stats st;
	struct scan_log log;

	ASSERT_EQ_INT(smaps_text_scan(text, &log, &st), 0, "smaps_scan");
	ASSERT_EQ_INT(log.len, 1, "one dma-buf vma");
	ASSERT_EQ_U64(log.rec[0].inode, 42, "inode");
	ASSERT_EQ_U64(log.rec[0].vm_end - log.rec[0].vm_start, 0x4000, "vma size");
	ASSERT_EQ_INT(log.rec[0].kind, DA_KIND_MMAP_WITHOUT_PFNMAP, "no pfnmap: a violation");
	ASSERT_STREQ(log.rec[0].exporter, "?", "no bufinfo: exporter unknown");
	ASSERT_EQ_U64(st.vmas, 3, "three vmas");
}

/* A process name with a tab and newlines (prctl takes any byte but NUL) is kept whole. */
static void test_procscan_smaps_comm(void)
{
	static const char text[] = "7f12abcd0000-7f12abcd4000 rw-s 00000000 00:0d 42 /dmabuf:\n"
				   SMAPS_FIELDS "VmFlags: rd wr sh mr mw me ms sd mm\n";
	static const char hostile[] = "a\tb\nc\n";
	char saved[17] = "";
	struct da_scan_stats st;
	struct scan_log log;

	prctl(PR_GET_NAME, saved);
	if (!ASSERT_EQ_INT(prctl(PR_SET_NAME, hostile), 0, "prctl PR_SET_NAME"))
		return;
	ASSERT_EQ_INT(smaps_text_scan(text, &log, &st), 0, "smaps_scan");
	prctl(PR_SET_NAME, saved);
	ASSERT_EQ_INT(log.len, 1, "one dma-buf vma");
	ASSERT_STREQ(log.rec[0].comm, hostile, "comm with tab and newlines, whole");
}

static const char bufinfo_5_10[] =
	"\nDma-buf Objects:\n"
	"size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
	"00016384\t00000002\t00080007\t00000002\ttest_insert_page\t00000042\ttrig:hold\n"
	"\tAttached Devices:\n"
	"Total 0 devices attached\n\n"
	"00004096\t00000002\t00080007\t00000001\tdrm\t00000007\t\n"
	"00065536\t00000002\t00080007\t00000001\texporter_with_a_name_longer_than_32_bytes\t00000009\t"
	"a_buffer_name_that_is_longer_than_32_bytes\n"
	"\nTotal 3 objects, 86016 bytes\n";

static void test_procscan_bufinfo(void)
{
	FILE *f = fmemopen((void *)bufinfo_5_10, sizeof(bufinfo_5_10) - 1, "r");
	const struct bufinfo_entry *e;
	struct bufinfo b;

	if (!ASSERT_OK_PTR(f, "fmemopen"))
		return;
	ASSERT_EQ_INT(bufinfo_load(&b, f), 0, "bufinfo_load");
	fclose(f);
	ASSERT_EQ_INT(b.len, 3, "three buffers (header, attachments and totals skipped)");
	e = bufinfo_find(&b, 42);
	if (ASSERT_OK_PTR(e, "inode 42 found")) {
		ASSERT_EQ_INT(e->size, 16384, "size");
		ASSERT_STREQ(e->exporter, "test_insert_page", "exporter");
		ASSERT_STREQ(e->name, "trig:hold", "buffer name");
	}
	e = bufinfo_find(&b, 7);
	if (ASSERT_OK_PTR(e, "inode 7 found"))
		ASSERT_STREQ(e->name, "", "unnamed buffer");
	e = bufinfo_find(&b, 9);
	if (ASSERT_OK_PTR(e, "inode 9 found")) {
		ASSERT_EQ_INT(strlen(e->exporter), DA_EXPORTER_LEN - 1,
			      "long exporter cut, terminated");
		ASSERT_EQ_INT(strlen(e->name), DA_BUF_NAME_LEN - 1, "long name cut, terminated");
	}
	ASSERT_TRUE(bufinfo_find(&b, 43) == NULL, "unknown inode: NULL");
	bufinfo_free(&b);
	bufinfo_free(&b);
	bufinfo_free(NULL);
}

static int bufinfo_text_load(struct bufinfo *b, const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	memset(b, 0, sizeof(*b));
	if (!ASSERT_OK_PTR(f, "fmemopen"))
		return -1;
	ret = bufinfo_load(b, f);
	fclose(f);
	return ret;
}

/* 6.1: a name column in the header, "<none>", fences and devices */
static const char bufinfo_6_1[] =
	"\nDma-buf Objects:\n"
	"size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
	"00016384\t00000002\t00080007\t00000003\tsystem\t00000042\ta\tname\t00000007\t\n"
	"\tExclusive fence: drm_sched gfx_0.0.0 signalled\n"
	"\tAttached Devices:\n"
	"\t0000:00:02.0\n"
	"Total 1 devices attached\n\n"
	"00004096\t00000002\t00080007\t00000001\tdrm\t00000007\t<none>\n"
	"\tAttached Devices:\n"
	"Total 0 devices attached\n\n"
	"\nTotal 2 objects, 20480 bytes\n";

static void test_procscan_bufinfo_tab(void)
{
	const struct bufinfo_entry *e;
	struct bufinfo b;

	ASSERT_EQ_INT(bufinfo_text_load(&b, bufinfo_6_1), 0, "bufinfo_load");
	ASSERT_EQ_INT(b.len, 2, "two buffers");
	e = bufinfo_find(&b, 42);
	if (ASSERT_OK_PTR(e, "inode 42 found")) {
		ASSERT_STREQ(e->exporter, "system", "exporter");
		ASSERT_STREQ(e->name, "a\tname\t00000007\t",
			     "a name is the rest of its line, tabs too");
	}
	e = bufinfo_find(&b, 7);
	if (ASSERT_OK_PTR(e, "inode 7 found")) {
		ASSERT_STREQ(e->exporter, "drm", "inode 7's exporter");
		ASSERT_EQ_INT(e->size, 4096, "inode 7's size");
		ASSERT_EQ_INT(e->attachments, 0, "inode 7: no device");
		ASSERT_STREQ(e->device, "", "inode 7: no device name");
	}
	e = bufinfo_find(&b, 42);
	if (ASSERT_OK_PTR(e, "inode 42 found")) {
		ASSERT_EQ_INT(e->attachments, 1, "inode 42: one device");
		ASSERT_STREQ(e->device, "0000:00:02.0", "inode 42: the device");
	}
	bufinfo_free(&b);
}

/* Devices: the first named, all counted; a name cannot forge another buffer's. */
static void test_procscan_bufinfo_devices(void)
{
	static const char text[] =
		"\nDma-buf Objects:\n"
		"size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
		"00004096\t00000002\t00080007\t00000001\tsys\t00000005\tx\n"
		"\tAttached Devices:\n\tevil\nTotal 9 devices attached\n" /* its name's newlines */
		"\twrite fence:dma_fence_array:unbound seq 1 signalled\n"
		"\tAttached Devices:\n"
		"\tgpu0\n"
		"\tisp1\n"
		"Total 2 devices attached\n\n"
		"00008192\t00000002\t00080007\t00000001\tsys\t00000006\t\n"
		"\tAttached Devices:\n"
		"Total 0 devices attached\n\n"
		"\nTotal 2 objects, 12288 bytes\n";
	const struct bufinfo_entry *e;
	struct bufinfo b;

	ASSERT_EQ_INT(bufinfo_text_load(&b, text), 0, "bufinfo_load");
	e = bufinfo_find(&b, 5);
	if (ASSERT_OK_PTR(e, "inode 5 found")) {
		ASSERT_EQ_INT(e->attachments, 2, "the kernel's count, the last one");
		ASSERT_STREQ(e->device, "gpu0", "the first device of the kernel's list");
	}
	e = bufinfo_find(&b, 6);
	if (ASSERT_OK_PTR(e, "inode 6 found")) {
		ASSERT_EQ_INT(e->attachments, 0, "none");
		ASSERT_STREQ(e->device, "", "none named");
	}
	bufinfo_free(&b);
}

/* 5.10: buffer 42 named "x\n" + an entry line for buffer 7, then 7 itself */
#define BUFINFO_FORGED(name, total)                                                                \
	"\nDma-buf Objects:\n"                                                                     \
	"size    \tflags   \tmode    \tcount   \texp_name\tino     \n"                             \
	"00016384\t00000002\t00080007\t00000002\tsystem\t00000042\t" name "\n"                     \
	"\tAttached Devices:\n"                                                                    \
	"Total 0 devices attached\n\n"                                                             \
	"00004096\t00000002\t00080007\t00000001\tdrm\t00000007\treal\n"                            \
	"\tAttached Devices:\n"                                                                    \
	"Total 0 devices attached\n\n" total

static void test_procscan_bufinfo_newline(void)
{
	static const struct {
		const char *what, *text;
		int ret;
	} cases[] = {
		{ "a name of 16 bytes (DMA_BUF_NAME_LEN is 32): short fields",
		  BUFINFO_FORGED("\n1\t1\t1\t1\tfake\t7\tforged",
				 "\nTotal 2 objects, 20480 bytes\n"),
		  0 },
		{ "the kernel's exact layout, and a forged total",
		  BUFINFO_FORGED(
			  "x\n00004096\t00000002\t00080007\t00000001\tfake\t00000007\tforged\n"
			  "\nTotal 3 objects, 24576 bytes",
			  "\nTotal 2 objects, 20480 bytes\n"),
		  -EBADMSG },
		{ "the whole block of a buffer",
		  BUFINFO_FORGED("\n\tAttached Devices:\nTotal 0 devices attached\n\n"
				 "00004096\t00000002\t00080007\t00000001\tfake\t00000007\tforged",
				 "\nTotal 2 objects, 20480 bytes\n"),
		  -EBADMSG },
		{ "no total at the end", BUFINFO_FORGED("x", ""), -EBADMSG },
		{ "a line after the total that starts like one does not change it",
		  BUFINFO_FORGED("x", "\nTotal 3 objects, 20480 bytes\nTotal 2 devices attached\n"),
		  -EBADMSG },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bufinfo_entry *e;
		struct bufinfo b;

		bool ok;

		ok = ASSERT_EQ_INT(bufinfo_text_load(&b, cases[i].text), cases[i].ret,
				   "bufinfo_load");
		e = bufinfo_find(&b, 7);
		ok &= ASSERT_TRUE(!e || !strcmp(e->exporter, "drm"),
				  "no forged exporter for inode 7");
		ok &= ASSERT_TRUE(!e || !strcmp(e->name, "real"), "no forged name for inode 7");
		if (!cases[i].ret) {
			ok &= ASSERT_EQ_INT(b.len, 2, "two buffers, the real ones");
			ok &= ASSERT_OK_PTR(e, "inode 7 found");
		} else {
			ok &= ASSERT_EQ_INT(b.len, 0, "a table that does not add up is not used");
		}
		if (!ok)
			printf("  (case: %s)\n", cases[i].what);
		bufinfo_free(&b);
	}
}

/* clang-format off */
static const struct unit_test tests[] = {
	UNIT_TEST(test_procscan_maps_line),
	UNIT_TEST(test_procscan_vmflags),
	UNIT_TEST(test_procscan_smaps),
	UNIT_TEST(test_procscan_smaps_comm),
	UNIT_TEST(test_procscan_smaps_long_line),
	UNIT_TEST(test_procscan_bufinfo),
	UNIT_TEST(test_procscan_bufinfo_tab),
	UNIT_TEST(test_procscan_bufinfo_devices),
	UNIT_TEST(test_procscan_bufinfo_newline),
};
/* clang-format on */
UNIT_SUITE(procscan, tests);
