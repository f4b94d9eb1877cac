// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ksyms_load() of /proc/kallsyms text and ksyms_describe(). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ksyms.h"
#include "unit.h"

/*
 * Unsorted, built-in and module text symbols, data/rodata/bss/absolute
 * symbols that must be skipped, a blank line and a last line without '\n'.
 */
static const char fake_kallsyms[] = "ffffffff81002000 t helper_b\n"
				    "ffffffff82000000 D some_data\n"
				    "ffffffffc0a01000 t tim_mmap\t[test_insert_page]\n"
				    "ffffffff81000000 T _stext\n"
				    "ffffffff81003000 d local_data\n"
				    "ffffffffc0b00000 t udmabuf_mmap\t[udmabuf]\n"
				    "ffffffff81004000 r rodata_x\n"
				    "\n"
				    "ffffffff81001000 T start_kernel\n"
				    "0000000000000000 A absolute_sym\n"
				    "ffffffff81005000 b bss_sym\n"
				    "ffffffffc0a00000 T tim_init\t[test_insert_page]\n"
				    "not a symbol line\n"
				    "ffffffff81003100 t after_data";

/* The text symbols of fake_kallsyms, by address. */
static const struct {
	uint64_t addr;
	const char *name;
} fake_text[] = {
	{ 0xffffffff81000000ull, "_stext" },
	{ 0xffffffff81001000ull, "start_kernel" },
	{ 0xffffffff81002000ull, "helper_b" },
	{ 0xffffffff81003100ull, "after_data" },
	{ 0xffffffffc0a00000ull, "tim_init [test_insert_page]" },
	{ 0xffffffffc0a01000ull, "tim_mmap [test_insert_page]" },
	{ 0xffffffffc0b00000ull, "udmabuf_mmap [udmabuf]" },
};

/* ksyms_load() from the text (fmemopen: no file on disk). */
static int load_text(struct ksyms *ks, const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!ASSERT_OK_PTR(f, "fmemopen")) {
		memset(ks, 0, sizeof(*ks));
		return -errno;
	}
	ret = ksyms_load(ks, f);
	fclose(f);
	return ret;
}

/* ksyms_describe() of addr must give want, in the buffer passed. */
static bool expect_describe(const struct ksyms *ks, uint64_t addr, int with_offset,
			    const char *want, const char *what)
{
	char buf[256], msg[160];
	const char *ret = ksyms_describe(ks, addr, with_offset, buf, sizeof(buf));
	bool ok;

	snprintf(msg, sizeof(msg), "%s: returns buf", what);
	ok = ASSERT_TRUE(ret == buf, msg);

	return ASSERT_STREQ(buf, want, what) && ok;
}

static void test_ksyms_load(void)
{
	struct ksyms ks;

	if (!ASSERT_EQ_INT(load_text(&ks, fake_kallsyms), 0, "ksyms_load"))
		return;
	ASSERT_EQ_U64(ks.len, UNIT_ARRAY_SIZE(fake_text), "text symbols only (t, T)");
	for (size_t i = 1; i < ks.len; i++)
		ASSERT_TRUE(ks.syms[i - 1].addr < ks.syms[i].addr, "sorted by address");
	for (size_t i = 0; i < ks.len && i < UNIT_ARRAY_SIZE(fake_text); i++) {
		ASSERT_EQ_U64(ks.syms[i].addr, fake_text[i].addr, fake_text[i].name);
		expect_describe(&ks, fake_text[i].addr, 0, fake_text[i].name, "exact address");
	}
	ksyms_free(&ks);
}

static void test_ksyms_describe(void)
{
	static const struct {
		const char *name;
		uint64_t addr;
		int with_offset;
		const char *want;
	} cases[] = {
		/* built-in */
		{ "exact, no offset", 0xffffffff81001000ull, 0, "start_kernel" },
		{ "exact, with_offset", 0xffffffff81001000ull, 1, "start_kernel+0x0" },
		{ "inside", 0xffffffff8100101aull, 1, "start_kernel+0x1a" },
		{ "inside: offset even without with_offset", 0xffffffff8100101aull, 0,
		  "start_kernel+0x1a" },
		{ "last byte", 0xffffffff81001fffull, 1, "start_kernel+0xfff" },
		{ "first symbol", 0xffffffff81000000ull, 1, "_stext+0x0" },
		/* the data symbol in between is not a function */
		{ "d skipped", 0xffffffff81003010ull, 1, "helper_b+0x1010" },
		{ "t after a d", 0xffffffff81003100ull, 1, "after_data+0x0" },
		/* modules */
		{ "module, exact", 0xffffffffc0a01000ull, 0, "tim_mmap [test_insert_page]" },
		{ "module, inside", 0xffffffffc0a0102bull, 1, "tim_mmap+0x2b [test_insert_page]" },
		{ "other module symbol", 0xffffffffc0a00010ull, 0,
		  "tim_init+0x10 [test_insert_page]" },
		{ "other module", 0xffffffffc0b00004ull, 1, "udmabuf_mmap+0x4 [udmabuf]" },
		/* below the first symbol */
		{ "below the first", 0xffffffff80ffffffull, 1, KSYMS_UNKNOWN },
		{ "address 0", 0, 0, KSYMS_UNKNOWN },
		{ "user address", 0x7f12abcd0000ull, 1, KSYMS_UNKNOWN },
		/*
		 * past a module's last symbol, no extent known: a plausible function
		 * size (KSYMS_MOD_SLACK), not the 1 MiB of built-in code
		 */
		{ "module: slack past its last symbol: still it",
		  0xffffffffc0b00000ull + KSYMS_MOD_SLACK, 1, "udmabuf_mmap+0x2000 [udmabuf]" },
		{ "module: more than slack past its last",
		  0xffffffffc0b00000ull + KSYMS_MOD_SLACK + 1, 1, KSYMS_UNKNOWN },
		/* built-in: far from any (1 MiB) */
		{ "built-in: 1 MiB past after_data", 0xffffffff81003100ull + 0x100000, 1,
		  "after_data+0x100000" },
		{ "~0", 0xffffffffffffffffull, 1, KSYMS_UNKNOWN },
		{ "in the D symbol, 16 MiB past after_data", 0xffffffff82000010ull, 1,
		  KSYMS_UNKNOWN },
	};
	struct ksyms ks;
	char what[96];

	if (!ASSERT_EQ_INT(load_text(&ks, fake_kallsyms), 0, "ksyms_load"))
		return;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		snprintf(what, sizeof(what), "[%zu] %s", i, cases[i].name);
		expect_describe(&ks, cases[i].addr, cases[i].with_offset, cases[i].want, what);
	}
	ksyms_free(&ks);
}

/* A buffer too small: cut, NUL-terminated, no overrun (exact heap size). */
static void test_ksyms_describe_small(void)
{
	struct ksyms ks;
	char *buf = malloc(8);

	if (!ASSERT_OK_PTR(buf, "malloc"))
		return;
	if (!ASSERT_EQ_INT(load_text(&ks, fake_kallsyms), 0, "ksyms_load")) {
		free(buf);
		return;
	}
	ASSERT_TRUE(ksyms_describe(&ks, 0xffffffffc0a0102bull, 1, buf, 8) == buf, "returns buf");
	ASSERT_STREQ(buf, "tim_mma", "symbol cut at 7 bytes");
	ksyms_describe(&ks, 0xffffffffffffffffull, 1, buf, 8);
	ASSERT_STREQ(buf, "[unknow", "unknown cut at 7 bytes");
	ksyms_describe(NULL, 0x1234, 1, buf, 8);
	ASSERT_STREQ(buf, "[unknow", "NULL ks: unknown, cut");
	ksyms_free(&ks);
	free(buf);
}

static void test_ksyms_null(void)
{
	struct ksyms ks;

	expect_describe(NULL, 0xffffffffc0a0102bull, 1, KSYMS_UNKNOWN, "NULL ks");
	expect_describe(NULL, 0xffffffffc0a01000ull, 0, KSYMS_UNKNOWN, "NULL ks, exact");
	expect_describe(NULL, 0, 0, KSYMS_UNKNOWN, "NULL ks, 0");

	ksyms_free(NULL); /* NULL-safe */
	if (!ASSERT_EQ_INT(load_text(&ks, fake_kallsyms), 0, "ksyms_load"))
		return;
	ksyms_free(&ks);
	ASSERT_NULL(ks.syms, "free clears syms");
	ASSERT_NULL(ks.strings, "free clears strings");
	ASSERT_EQ_U64(ks.len, 0, "free clears len");
	ksyms_free(&ks); /* twice is harmless */
	expect_describe(&ks, 0xffffffff81001000ull, 0, KSYMS_UNKNOWN, "freed: unknown");
}

#define BIG_N	 100000u
#define BIG_BASE ((uint64_t)0xffffffff81000000ull)
#define BIG_STEP 0x40u

/* Symbol i of the big table: name and module (every 1000th is in one). */
static void big_name(unsigned int i, char *buf, size_t len, bool exact)
{
	if (i % 1000 == 7)
		snprintf(buf, len, "fn_%06u%s [mod%u]", i, exact ? "" : "+0x3f", i / 1000);
	else
		snprintf(buf, len, "fn_%06u%s", i, exact ? "" : "+0x3f");
}

/* 100000 symbols in a scrambled order: the sort and the binary search. */
static void test_ksyms_big(void)
{
	char *text = NULL, got[128], want[128];
	size_t len = 0, good = 0;
	struct ksyms ks;
	FILE *f = open_memstream(&text, &len);

	if (!ASSERT_OK_PTR(f, "open_memstream"))
		return;
	for (unsigned int j = 0; j < BIG_N; j++) {
		/* 7919 is prime to 100000: a permutation of 0..BIG_N-1 */
		unsigned int i = (unsigned int)((uint64_t)j * 7919 % BIG_N);

		fprintf(f, "%016" PRIx64 " %c fn_%06u", BIG_BASE + (uint64_t)i * BIG_STEP,
			i % 2 ? 't' : 'T', i);
		if (i % 1000 == 7)
			fprintf(f, "\t[mod%u]", i / 1000);
		fputc('\n', f);
		/* a data symbol inside every 10th function: skipped */
		if (i % 10 == 0)
			fprintf(f, "%016" PRIx64 " d data_%06u\n",
				BIG_BASE + (uint64_t)i * BIG_STEP + 0x20, i);
	}
	fclose(f);
	if (!ASSERT_EQ_INT(load_text(&ks, text), 0, "ksyms_load")) {
		free(text);
		return;
	}
	ASSERT_EQ_U64(ks.len, BIG_N, "every text symbol kept, data skipped");
	for (unsigned int i = 0; i < BIG_N; i++) {
		uint64_t addr = BIG_BASE + (uint64_t)i * BIG_STEP;

		big_name(i, want, sizeof(want), true);
		ksyms_describe(&ks, addr, 0, got, sizeof(got));
		if (!ASSERT_STREQ(got, want, "exact address of symbol i"))
			break;
		big_name(i, want, sizeof(want), false);
		ksyms_describe(&ks, addr + BIG_STEP - 1, 1, got, sizeof(got));
		if (!ASSERT_STREQ(got, want, "last byte of symbol i"))
			break;
		good++;
	}
	ASSERT_EQ_U64(good, BIG_N, "symbols resolved");
	expect_describe(&ks, BIG_BASE - 1, 1, KSYMS_UNKNOWN, "below the first");
	expect_describe(&ks, BIG_BASE + (uint64_t)(BIG_N - 1) * BIG_STEP + 0x100001, 1,
			KSYMS_UNKNOWN, "far past the last");
	ksyms_free(&ks);
	free(text);
}

/*
 * kptr_restrict: every address reads 0, so the table is empty: the load
 * succeeds (no qsort of a NULL base: UBSan) and lookups name nothing.
 */
static void test_ksyms_restricted(void)
{
	static const char restricted[] = "0000000000000000 T _stext\n"
					 "0000000000000000 T start_kernel\n"
					 "0000000000000000 t helper_b\n"
					 "0000000000000000 t tim_mmap\t[test_insert_page]\n";
	struct ksyms ks;

	ASSERT_EQ_INT(load_text(&ks, restricted), 0, "load succeeds");
	ASSERT_EQ_U64(ks.len, 0, "no symbol kept");
	expect_describe(&ks, 0xffffffff81001000ull, 0, KSYMS_UNKNOWN, "exact: unknown");
	expect_describe(&ks, 0xffffffff8100101aull, 1, KSYMS_UNKNOWN, "inside: unknown");
	expect_describe(&ks, 0, 1, KSYMS_UNKNOWN, "0: unknown");
	ksyms_free(&ks);

	ASSERT_EQ_INT(load_text(&ks, ""), 0, "empty file loads");
	ASSERT_EQ_U64(ks.len, 0, "empty file: no symbol");
	expect_describe(&ks, 0xffffffff81001000ull, 1, KSYMS_UNKNOWN, "empty: unknown");
	ksyms_free(&ks);
}

/*
 * /proc/kallsyms lists weak functions as 'W' (abort,
 * calibration_delay_done... 304 on a 6.18 host): they are text too, or a
 * frame in abort() would be named after the text symbol before it.
 */
static void test_ksyms_weak(void)
{
	static const char text[] = "ffffffff81207760 t bringup_hibernate_cpu.cold\n"
				   "ffffffff812077b0 W __pfx_abort\n"
				   "ffffffff812077c0 W abort\n"
				   "ffffffff812077c7 t do_exit.cold\n";
	struct ksyms ks;

	if (!ASSERT_EQ_INT(load_text(&ks, text), 0, "ksyms_load"))
		return;
	expect_describe(&ks, 0xffffffff812077c3ull, 1, "abort+0x3", "weak function (W)");
	ksyms_free(&ks);
}

/* The auditor's own BPF programs and trampolines are no frames to report. */
static void test_ksyms_frame_bpf(void)
{
	static const char text[] =
		"ffffffff81000000 T vm_insert_page\n"
		"ffffffffa0001000 t bpf_prog_3459895b96444502_fexit_insert_page\t[bpf]\n"
		"ffffffffa0002000 t bpf_trampoline_6442509189\t[bpf]\n"
		"ffffffffc0000000 t dtx_dmabuf_mmap\t[dmabuf_test_exporter]\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct ksyms ks;
	char buf[128];
	const char *s;

	if (!ASSERT_OK_PTR(f, "fmemopen"))
		return;
	ASSERT_EQ_INT(ksyms_load(&ks, f), 0, "ksyms_load");
	fclose(f);
	ASSERT_TRUE(ksyms_frame(&ks, 0xffffffffa0001010ull, buf, sizeof(buf)) == NULL,
		    "BPF program frame dropped");
	ASSERT_TRUE(ksyms_frame(&ks, 0xffffffffa0002069ull, buf, sizeof(buf)) == NULL,
		    "trampoline frame dropped");
	s = ksyms_frame(&ks, 0xffffffff81000005ull, buf, sizeof(buf));
	ASSERT_STREQ(s, "vm_insert_page+0x5", "kernel frame kept");
	s = ksyms_frame(&ks, 0xffffffffc000011bull, buf, sizeof(buf));
	ASSERT_STREQ(s, "dtx_dmabuf_mmap+0x11b [dmabuf_test_exporter]", "module frame kept");
	s = ksyms_frame(NULL, 0x1234, buf, sizeof(buf));
	ASSERT_STREQ(s, KSYMS_UNKNOWN, "unknown address kept, never raw");
	ksyms_free(&ks);
}

/* A trampoline made after the first read (another tool attached): named once read again. */
static void test_ksyms_reload(void)
{
	static const char before[] = "ffffffff81000000 T vm_insert_page\n";
	static const char after[] = "ffffffff81000000 T vm_insert_page\n"
				    "ffffffffa0002000 t bpf_trampoline_6442509189\t[bpf]\n";
	FILE *f = tmpfile();
	struct ksyms ks;
	char buf[128];

	if (!ASSERT_OK_PTR(f, "tmpfile"))
		return;
	fputs(before, f);
	rewind(f);
	ASSERT_EQ_INT(ksyms_load(&ks, f), 0, "ksyms_load");
	ks.src = f;
	ASSERT_TRUE(!ksyms_known(&ks, 0xffffffffa0002069ull), "new trampoline unknown at first");
	ASSERT_STREQ(ksyms_frame(&ks, 0xffffffffa0002069ull, buf, sizeof(buf)), KSYMS_UNKNOWN,
		     "unknown frame");
	rewind(f);
	fputs(after, f);
	fflush(f);
	ASSERT_EQ_INT(ksyms_reload(&ks), 0, "ksyms_reload");
	ASSERT_TRUE(ks.src == f, "the file stays open for the next reload");
	ASSERT_TRUE(ksyms_known(&ks, 0xffffffffa0002069ull), "trampoline known after the reload");
	ASSERT_TRUE(ksyms_frame(&ks, 0xffffffffa0002069ull, buf, sizeof(buf)) == NULL,
		    "trampoline frame dropped after the reload");
	ASSERT_STREQ(ksyms_frame(&ks, 0xffffffff81000005ull, buf, sizeof(buf)),
		     "vm_insert_page+0x5", "old symbols still there");
	ksyms_free(&ks); /* closes f */

	memset(&ks, 0, sizeof(ks));
	ASSERT_EQ_INT(ksyms_reload(&ks), -ENOENT, "no file to read again");
}

/* What a kprobe can attach to: text symbols by name, built-in or module. */
static void test_ksyms_has(void)
{
	struct ksyms ks;

	if (!ASSERT_EQ_INT(load_text(&ks, fake_kallsyms), 0, "ksyms_load"))
		return;
	ASSERT_EQ_INT(ksyms_has(&ks, "start_kernel"), 1, "built-in T symbol");
	ASSERT_EQ_INT(ksyms_has(&ks, "helper_b"), 1, "built-in t symbol");
	ASSERT_EQ_INT(ksyms_has(&ks, "tim_mmap"), 1, "module symbol, by its bare name");
	ASSERT_EQ_INT(ksyms_has(&ks, "some_data"), 0, "data symbol: not text");
	ASSERT_EQ_INT(ksyms_has(&ks, "start_kern"), 0, "a prefix is no match");
	ASSERT_EQ_INT(ksyms_has(&ks, "absent_function"), 0, "absent");
	ksyms_free(&ks);

	ASSERT_EQ_INT(load_text(&ks, "0000000000000000 T start_kernel\n"), 0, "restricted");
	ASSERT_EQ_INT(ksyms_has(&ks, "start_kernel"), -ENOENT, "addresses hidden: cannot tell");
	ksyms_free(&ks);
	ASSERT_EQ_INT(ksyms_has(NULL, "start_kernel"), -ENOENT, "no table: cannot tell");
}

/* ksyms_open() reads nothing; ksyms_ensure() reads once, then never again. */
static void test_ksyms_lazy(void)
{
	char path[] = "/tmp/da-ksyms-XXXXXX";
	int fd = mkstemp(path);
	struct ksyms ks;
	char buf[128];

	if (!ASSERT_TRUE(fd >= 0, "mkstemp"))
		return;
	ASSERT_TRUE(write(fd, fake_kallsyms, strlen(fake_kallsyms)) ==
			    (ssize_t)strlen(fake_kallsyms),
		    "write the fake kallsyms");
	close(fd);
	ASSERT_EQ_INT(ksyms_open(&ks, path, NULL), 0, "ksyms_open");
	ASSERT_EQ_U64(ks.len, 0, "nothing read at open");
	ASSERT_EQ_INT(ksyms_ensure(&ks), 0, "first ensure reads");
	ASSERT_EQ_U64(ks.len, UNIT_ARRAY_SIZE(fake_text), "the text symbols after ensure");
	ASSERT_STREQ(ksyms_describe(&ks, 0xffffffff81001000ull, 0, buf, sizeof(buf)),
		     "start_kernel", "a symbol named after ensure");
	/* a second ensure does not read the file again (gone by now) */
	unlink(path);
	ASSERT_EQ_INT(ksyms_ensure(&ks), 0, "second ensure: the table as it is");
	ASSERT_EQ_U64(ks.len, UNIT_ARRAY_SIZE(fake_text), "table kept");
	ksyms_free(&ks);
	ASSERT_EQ_INT(ksyms_open(&ks, path, NULL), -ENOENT, "ksyms_open of a missing file");
	ASSERT_TRUE(ks.src == NULL, "no file kept");
	ksyms_free(&ks);
}

/*
 * The case: a module loaded after the table was read sits past a
 * neighbour's last symbol. Its code is named after nothing, never after the
 * neighbour ("drm_gem_shmem_object_vmap+0x5150 [drm_shmem_helper]"), once
 * module extents are known (/proc/modules) and even when they are not.
 */
static const char ext_kallsyms[] =
	"ffffffff81000000 T vm_insert_page\n"
	"ffffffffc0300000 t drm_gem_shmem_free\t[drm_shmem_helper]\n"
	"ffffffffc0304000 t drm_gem_shmem_object_vmap\t[drm_shmem_helper]\n"
	"ffffffffc0304800 d shmem_data\t[drm_shmem_helper]\n"
	"ffffffffc0310000 t vgem_mmap\t[vgem]\n"
	"ffffffffc0320000 t bpf_prog_abc_fexit\t[bpf]\n";
/* drm_shmem_helper: 0x6000 bytes at 0xffffffffc0300000; vgem 0x3000 at ...310000 */
static const char ext_modules[] = "vgem 12288 0 - Live 0xffffffffc0310000\n"
				  "drm_shmem_helper 24576 1 vgem, Live 0xffffffffc0300000\n";
static const char ext_modules_late[] =
	"dmabuf_test_exporter 16384 2 - Live 0xffffffffc0309000 (OE)\n"
	"vgem 12288 0 - Live 0xffffffffc0310000\n"
	"drm_shmem_helper 24576 1 vgem, Live 0xffffffffc0300000\n";
static const char ext_kallsyms_late[] =
	"ffffffffc0309100 t dtx_dmabuf_mmap\t[dmabuf_test_exporter]\n";

static int load_ext(struct ksyms *ks, const char *syms, const char *mods)
{
	FILE *f;
	int ret = load_text(ks, syms);

	if (ret || !mods)
		return ret;
	f = fmemopen((void *)mods, strlen(mods), "r");
	if (!ASSERT_OK_PTR(f, "fmemopen"))
		return -errno;
	ret = ksyms_load_modules(ks, f);
	fclose(f);
	return ret;
}

static void test_ksyms_module_extent(void)
{
	static const struct {
		const char *name;
		uint64_t addr;
		const char *with, *without; /* extents known, unknown */
	} cases[] = {
		{ "inside the module, between its symbols", 0xffffffffc0302010ull,
		  "drm_gem_shmem_free+0x2010 [drm_shmem_helper]",
		  "drm_gem_shmem_free+0x2010 [drm_shmem_helper]" },
		{ "inside the module, past its last symbol", 0xffffffffc0305ff0ull,
		  "drm_gem_shmem_object_vmap+0x1ff0 [drm_shmem_helper]",
		  "drm_gem_shmem_object_vmap+0x1ff0 [drm_shmem_helper]" },
		/* the late module's code (0x...309150): 0x5150 past the last symbol */
		{ "past the module's extent (a late module)", 0xffffffffc0309150ull, KSYMS_UNKNOWN,
		  KSYMS_UNKNOWN },
		{ "just past the extent", 0xffffffffc0306000ull, KSYMS_UNKNOWN,
		  "drm_gem_shmem_object_vmap+0x2000 [drm_shmem_helper]" },
		{ "next module", 0xffffffffc0310010ull, "vgem_mmap+0x10 [vgem]",
		  "vgem_mmap+0x10 [vgem]" },
		{ "BPF program (no extent: a pseudo-module)", 0xffffffffc0320010ull,
		  "bpf_prog_abc_fexit+0x10 [bpf]", "bpf_prog_abc_fexit+0x10 [bpf]" },
		{ "built-in", 0xffffffff81000005ull, "vm_insert_page+0x5", "vm_insert_page+0x5" },
	};
	struct ksyms with, without;
	char what[128];

	if (!ASSERT_EQ_INT(load_ext(&with, ext_kallsyms, ext_modules), 0, "load with extents") ||
	    !ASSERT_EQ_INT(load_ext(&without, ext_kallsyms, NULL), 0, "load without"))
		return;
	ASSERT_EQ_U64(with.nmods, 2, "two extents");
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		snprintf(what, sizeof(what), "[%zu] %s, extents known", i, cases[i].name);
		expect_describe(&with, cases[i].addr, 1, cases[i].with, what);
		snprintf(what, sizeof(what), "[%zu] %s, no extent", i, cases[i].name);
		expect_describe(&without, cases[i].addr, 1, cases[i].without, what);
	}
	ASSERT_TRUE(!ksyms_known(&with, 0xffffffffc0309150ull), "late module's code unknown");
	ksyms_free(&with);
	ksyms_free(&without);

	/* a module in /proc/modules without its symbols yet: its code is no neighbour's */
	if (!ASSERT_EQ_INT(load_ext(&with, ext_kallsyms, ext_modules_late), 0, "load"))
		return;
	expect_describe(&with, 0xffffffffc0309150ull, 1, KSYMS_UNKNOWN,
			"extent without symbols: unknown");
	ksyms_free(&with);

	/* a BPF image inside a module's extent cannot be: unknown */
	if (!ASSERT_EQ_INT(load_ext(&with,
				    "ffffffffc0300000 t f\t[m]\n"
				    "ffffffffc0301000 t bpf_prog_x\t[bpf]\n",
				    "m 16384 0 - Live 0xffffffffc0300000\n"),
			   0, "load"))
		return;
	expect_describe(&with, 0xffffffffc0301010ull, 1, KSYMS_UNKNOWN,
			"another module's symbol inside an extent");
	ksyms_free(&with);

	/* addresses hidden (kptr_restrict): no extent, the slack rule */
	if (!ASSERT_EQ_INT(load_ext(&with, ext_kallsyms,
				    "vgem 12288 0 - Live 0x0000000000000000\n"
				    "drm_shmem_helper 24576 1 vgem, Live 0x0000000000000000\n"
				    "short line\n"),
			   0, "load hidden"))
		return;
	ASSERT_EQ_U64(with.nmods, 0, "hidden addresses: no extent");
	ksyms_free(&with);
}

static FILE *file_with(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return f;
}

/* Two empty temporary files for a kallsyms and a modules text; false if they cannot be made. */
static bool temp_pair(char *syms, char *mods)
{
	int fs = mkstemp(syms), fm = mkstemp(mods);

	if (fs >= 0)
		close(fs);
	if (fm >= 0)
		close(fm);
	return ASSERT_TRUE(fs >= 0 && fm >= 0, "mkstemp");
}

/* ext_kallsyms with the late module's symbols after it (malloc'd), NULL without memory. */
static char *kallsyms_with_late(void)
{
	char *late = malloc(sizeof(ext_kallsyms) + sizeof(ext_kallsyms_late));

	if (late) {
		strcpy(late, ext_kallsyms);
		strcat(late, ext_kallsyms_late);
	}
	return late;
}

/*
 * The daemon started before the exporter: the module list read again on each
 * event (ksyms_refresh), the table only when a module came or went (a refcount
 * or state that changed is no reason).
 */
static void test_ksyms_refresh(void)
{
	char syms[] = "/tmp/da-ksyms-XXXXXX", mods[] = "/tmp/da-kmods-XXXXXX";
	char *late = NULL;
	struct ksyms ks;

	if (!temp_pair(syms, mods))
		return;
	file_with(syms, ext_kallsyms);
	file_with(mods, ext_modules);
	ASSERT_EQ_INT(ksyms_open(&ks, syms, mods), 0, "ksyms_open");
	ASSERT_EQ_INT(ksyms_refresh(&ks), 0, "before the first read: nothing to refresh");
	ASSERT_EQ_INT(ksyms_ensure(&ks), 0, "first read");
	ASSERT_EQ_U64(ks.nmods, 2, "extents read with the symbols");
	expect_describe(&ks, 0xffffffffc0309150ull, 1, KSYMS_UNKNOWN, "the late module: not yet");
	ASSERT_EQ_INT(ksyms_refresh(&ks), 0, "no module came: not read again");

	/* a refcount and a state changed: the same modules */
	file_with(mods, "vgem 12288 3 - Unloading 0xffffffffc0310000\n"
			"drm_shmem_helper 24576 7 vgem, Live 0xffffffffc0300000\n");
	ASSERT_EQ_INT(ksyms_refresh(&ks), 0, "refcount and state: not read again");

	/* the module is loaded */
	late = kallsyms_with_late();
	if (!ASSERT_OK_PTR(late, "malloc"))
		goto out;
	file_with(syms, late);
	file_with(mods, ext_modules_late);
	ASSERT_EQ_INT(ksyms_refresh(&ks), 1, "a module came: read again");
	expect_describe(&ks, 0xffffffffc0309150ull, 1,
			"dtx_dmabuf_mmap+0x50 [dmabuf_test_exporter]", "the late module named");
	expect_describe(&ks, 0xffffffffc0309100ull, 0, "dtx_dmabuf_mmap [dmabuf_test_exporter]",
			"its mmap op");
	ASSERT_EQ_U64(ks.nmods, 3, "three extents");
	ASSERT_EQ_INT(ksyms_refresh(&ks), 0, "then unchanged");

	/* and unloaded: still named (findings made before are printed later: the report) */
	file_with(syms, ext_kallsyms);
	file_with(mods, ext_modules);
	ASSERT_EQ_INT(ksyms_refresh(&ks), 1, "a module went: read again");
	expect_describe(&ks, 0xffffffffc0309150ull, 1,
			"dtx_dmabuf_mmap+0x50 [dmabuf_test_exporter]", "unloaded: still named");
	ASSERT_EQ_INT(ksyms_has_module(&ks, "dmabuf_test_exporter"), 1, "gone module kept");
	for (int i = 1; i < KSYMS_GONE_MAX; i++)
		ksyms_reload(&ks);
	expect_describe(&ks, 0xffffffffc0309150ull, 1,
			"dtx_dmabuf_mmap+0x50 [dmabuf_test_exporter]", "kept up to KSYMS_GONE_MAX reads");
	ASSERT_EQ_INT(ksyms_reload(&ks), 0, "one read more");
	expect_describe(&ks, 0xffffffffc0309150ull, 1, KSYMS_UNKNOWN, "then forgotten");
	ASSERT_EQ_INT(ksyms_has_module(&ks, "dmabuf_test_exporter"), 0, "gone module forgotten");

	/* loaded, unloaded, and another module loaded inside its extent: that one's code now */
	file_with(syms, late);
	file_with(mods, ext_modules_late);
	ASSERT_EQ_INT(ksyms_refresh(&ks), 1, "loaded again");
	file_with(syms, ext_kallsyms);
	file_with(mods, ext_modules);
	ASSERT_EQ_INT(ksyms_refresh(&ks), 1, "unloaded again");
	file_with(mods, "other 8192 0 - Live 0xffffffffc030a000\n"
			"vgem 12288 0 - Live 0xffffffffc0310000\n"
			"drm_shmem_helper 24576 1 vgem, Live 0xffffffffc0300000\n");
	ASSERT_EQ_INT(ksyms_refresh(&ks), 1, "another module inside its extent");
	expect_describe(&ks, 0xffffffffc0309150ull, 1, KSYMS_UNKNOWN,
			"the gone module's names dropped for the new one");
	ASSERT_EQ_INT(ksyms_has_module(&ks, "dmabuf_test_exporter"), 0, "not kept");
	ksyms_free(&ks);

	/* no modules file: no refresh, no extents, the slack rule */
	ASSERT_EQ_INT(ksyms_open(&ks, syms, "/nonexistent/modules"), 0, "open without modules");
	ASSERT_EQ_INT(ksyms_ensure(&ks), 0, "read");
	ASSERT_EQ_U64(ks.nmods, 0, "no extents");
	ASSERT_EQ_INT(ksyms_refresh(&ks), 0, "nothing to compare");
	expect_describe(&ks, 0xffffffffc0309150ull, 1, KSYMS_UNKNOWN,
			"past the slack: unknown still");
	ksyms_free(&ks);

	/* an empty modules file (no module loaded): extents none, symbols read */
	file_with(mods, "");
	ASSERT_EQ_INT(ksyms_open(&ks, syms, mods), 0, "open, no module loaded");
	ASSERT_EQ_INT(ksyms_ensure(&ks), 0, "read with an empty module list");
	expect_describe(&ks, 0xffffffff81000005ull, 1, "vm_insert_page+0x5", "built-in named");
out:
	ksyms_free(&ks);
	free(late);
	unlink(syms);
	unlink(mods);
}

/* What the ksyms.loaded callback was told. */
struct told {
	int calls;
	char module[64];
	size_t nsyms;
};

static void record_loaded(void *ctx, const char *module, size_t nsyms)
{
	struct told *t = ctx;

	t->calls++;
	snprintf(t->module, sizeof(t->module), "%s", module);
	t->nsyms = nsyms;
}

/*
 * A report whose table was never read (fentry everywhere, no event yet) while a
 * driver is loaded: the tick's refresh compares with the module list of ksyms_open,
 * reads the symbols while the module is loaded and tells of it; unloaded after, its
 * code is still named. The first read (nothing before it) tells of nothing.
 */
static void test_ksyms_loaded(void)
{
	char syms[] = "/tmp/da-ksyms-XXXXXX", mods[] = "/tmp/da-kmods-XXXXXX";
	struct told told = { 0 };
	char *late = NULL;
	struct ksyms ks = { 0 }; /* freed at out: even before the open */

	if (!temp_pair(syms, mods))
		return;
	late = kallsyms_with_late();
	if (!ASSERT_OK_PTR(late, "malloc"))
		goto out;
	file_with(syms, ext_kallsyms);
	file_with(mods, ext_modules);
	ASSERT_EQ_INT(ksyms_open(&ks, syms, mods), 0, "ksyms_open");
	ks.loaded = record_loaded;
	ks.loaded_ctx = &told;
	ASSERT_EQ_INT(ksyms_refresh(&ks), 0, "unread, no module came: nothing read");
	ASSERT_EQ_INT(ks.tried, 0, "still unread");

	/* the driver is loaded before anything needed a name */
	file_with(syms, late);
	file_with(mods, ext_modules_late);
	ASSERT_EQ_INT(ksyms_refresh(&ks), 1, "unread, a module came: read now");
	ASSERT_EQ_INT(told.calls, 1, "told once");
	ASSERT_STREQ(told.module, "dmabuf_test_exporter", "of the module that came");
	ASSERT_EQ_U64(told.nsyms, ksyms_module_symbols(&ks, "dmabuf_test_exporter"),
		      "with its symbol count");
	ASSERT_TRUE(told.nsyms > 0, "which is not 0");
	ASSERT_EQ_INT(ks.loaded == record_loaded, 1, "the callback survives the read");

	/* and unloaded before its first finding was printed: named */
	file_with(syms, ext_kallsyms);
	file_with(mods, ext_modules);
	ASSERT_EQ_INT(ksyms_refresh(&ks), 1, "a module went: read again");
	ASSERT_EQ_INT(told.calls, 1, "a module that went is not told");
	expect_describe(&ks, 0xffffffffc0309150ull, 1,
			"dtx_dmabuf_mmap+0x50 [dmabuf_test_exporter]", "named after it went");

	/* loaded again at the same base: told again */
	file_with(syms, late);
	file_with(mods, ext_modules_late);
	ASSERT_EQ_INT(ksyms_refresh(&ks), 1, "loaded again");
	ASSERT_EQ_INT(told.calls, 2, "told again");
	ksyms_free(&ks);

	/* the first read of a table (ksyms_ensure) has nothing to compare with */
	told.calls = 0;
	ASSERT_EQ_INT(ksyms_open(&ks, syms, mods), 0, "ksyms_open");
	ks.loaded = record_loaded;
	ks.loaded_ctx = &told;
	ASSERT_EQ_INT(ksyms_ensure(&ks), 0, "first read");
	ASSERT_EQ_INT(told.calls, 0, "modules loaded before the open are not told");
out:
	ksyms_free(&ks);
	free(late);
	unlink(syms);
	unlink(mods);
}

/* clang-format off */
static const struct unit_test tests[] = {
	UNIT_TEST(test_ksyms_lazy),
	UNIT_TEST(test_ksyms_loaded),
	UNIT_TEST(test_ksyms_has),
	UNIT_TEST(test_ksyms_frame_bpf),
	UNIT_TEST(test_ksyms_reload),
	UNIT_TEST(test_ksyms_load),
	UNIT_TEST(test_ksyms_describe),
	UNIT_TEST(test_ksyms_describe_small),
	UNIT_TEST(test_ksyms_null),
	UNIT_TEST(test_ksyms_big),
	UNIT_TEST(test_ksyms_restricted),
	UNIT_TEST(test_ksyms_weak),
	UNIT_TEST(test_ksyms_module_extent),
	UNIT_TEST(test_ksyms_refresh),
};
/* clang-format on */
UNIT_SUITE(ksyms, tests);
