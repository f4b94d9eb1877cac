// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The /proc scan's smaps reader, smaps_scan(), with maps_line_dmabuf() and
 * vmflags_parse() (src/procscan.c), on any text as /proc/PID/smaps. The
 * buffers it looks up come from a fixed bufinfo (inodes 42 and 7).
 *
 * Asserts, besides no crash, leak or undefined behaviour:
 * - smaps_scan() returns 0 (fmemopen has no read errors);
 * - its records and counts equal those of a second, simple reading of the
 *   same text written here (split at '\n', a line longer than the scan's
 *   511-byte buffer never a dma-buf header, a NUL ends a line's text): the
 *   same vmas counted, the same dma-buf vmas (start, end, inode) in the same
 *   order, each with the VmFlags line that closed its block. So no part of
 *   a long line (a path any user chooses) is ever read as a line of its own;
 * - every record is a scan record of the given pid, its vm_flags only
 *   DA_VM_* bits, its kind mmap_without_pfnmap exactly when VM_PFNMAP is
 *   missing, its exporter, size and name the bufinfo entry's for a known
 *   inode, else "?" and the vma's size;
 * - vmflags_parse() of any line gives only DA_VM_* bits, each named by its
 *   two-letter mnemonic as a word of that line.
 */
#include <ctype.h>
#include <stdbool.h>
#include "fuzz.h"
#include "procscan.h"

#define PID	  4194305u /* above PID_MAX_LIMIT: no /proc identity read */
#define SCAN_LINE 511	   /* what the scan's 512-byte line buffer keeps */
#define MAX_REC	  4096

static const uint64_t known_flags = DA_VM_READ | DA_VM_WRITE | DA_VM_EXEC | DA_VM_SHARED |
				    DA_VM_MAYREAD | DA_VM_MAYWRITE | DA_VM_MAYEXEC |
				    DA_VM_MAYSHARE | DA_VM_PFNMAP | DA_VM_IO | DA_VM_DONTEXPAND |
				    DA_VM_DONTDUMP | DA_VM_SOFTDIRTY | DA_VM_MIXEDMAP;

static const char bufinfo_text[] =
	"\nDma-buf Objects:\n"
	"size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
	"00016384\t00000002\t00080007\t00000002\ttest_insert_page\t00000042\ttrig:hold\n"
	"00004096\t00000002\t00080007\t00000001\tdrm\t00000007\t\n"
	"\nTotal 2 objects, 20480 bytes\n";

struct rec {
	uint64_t start, end, inode, flags;
};

struct scan {
	struct rec rec[MAX_REC];
	size_t len;
};

static struct bufinfo b;

static void on_record(void *ctx, const struct da_event *ev)
{
	struct scan *s = ctx;
	const struct bufinfo_entry *be = bufinfo_find(&b, ev->inode);

	FUZZ_ASSERT(ev->hook == DA_HOOK_SCAN && ev->pid == PID && ev->tid == PID, "a scan record");
	FUZZ_ASSERT(!(ev->vm_flags & ~known_flags), "only DA_VM_* bits");
	FUZZ_ASSERT(ev->kind == (ev->vm_flags & DA_VM_PFNMAP ? DA_KIND_NONE
							     : DA_KIND_MMAP_WITHOUT_PFNMAP),
		    "kind follows VM_PFNMAP");
	if (be) {
		FUZZ_ASSERT(ev->size == be->size && !strcmp(ev->exporter, be->exporter) &&
				    !strcmp(ev->buf_name, be->name),
			    "bufinfo's exporter, size and name");
	} else {
		FUZZ_ASSERT(ev->size == ev->vm_end - ev->vm_start && !strcmp(ev->exporter, "?") &&
				    !ev->buf_name[0],
			    "unknown buffer: \"?\" and the vma's size");
	}
	if (s->len < MAX_REC)
		s->rec[s->len] = (struct rec){ ev->vm_start, ev->vm_end, ev->inode, ev->vm_flags };
	s->len++;
}

/* Each DA_VM_* bit of vmflags_parse(s) is named by a word of s. */
static void check_vmflags(const char *s)
{
	static const struct {
		const char *name;
		uint64_t bit;
	} names[] = {
		{ "rd", DA_VM_READ },	   { "wr", DA_VM_WRITE },      { "ex", DA_VM_EXEC },
		{ "sh", DA_VM_SHARED },	   { "mr", DA_VM_MAYREAD },    { "mw", DA_VM_MAYWRITE },
		{ "me", DA_VM_MAYEXEC },   { "ms", DA_VM_MAYSHARE },   { "pf", DA_VM_PFNMAP },
		{ "io", DA_VM_IO },	   { "de", DA_VM_DONTEXPAND }, { "dd", DA_VM_DONTDUMP },
		{ "sd", DA_VM_SOFTDIRTY }, { "mm", DA_VM_MIXEDMAP },
	};
	uint64_t v = vmflags_parse(s);

	FUZZ_ASSERT(!(v & ~known_flags), "vmflags_parse: only DA_VM_* bits");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bool named = false;

		if (!(v & names[i].bit))
			continue;
		for (const char *p = strstr(s, names[i].name); p && !named;
		     p = strstr(p + 1, names[i].name))
			named = (p == s || p[-1] == ' ' || p[-1] == '\t') &&
				(!p[2] || p[2] == ' ' || p[2] == '\n');
		FUZZ_ASSERT(named, "vmflags_parse: a bit without its word");
	}
}

/* The second reading: what smaps_scan() must find, line by line. */
static void reference(const char *text, size_t size, struct scan *s, struct da_scan_stats *st)
{
	bool in_dmabuf = false;
	struct rec cur = { 0 };
	char line[SCAN_LINE + 1];
	size_t at = 0;

	while (at < size) {
		const char *nl = memchr(text + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - (text + at)) : size - at;
		bool cut = len > SCAN_LINE;
		const char *dash, *space;

		memcpy(line, text + at, cut ? SCAN_LINE : len);
		line[cut ? SCAN_LINE : len] = '\0';
		at += len + 1;

		check_vmflags(line);
		dash = strchr(line, '-');
		space = strchr(line, ' ');
		if (isxdigit((unsigned char)line[0]) && dash && space && dash < space) {
			st->vmas += !strstr(line, "[vsyscall]");
			in_dmabuf =
				!cut && maps_line_dmabuf(line, &cur.start, &cur.end, &cur.inode);
			continue;
		}
		if (!in_dmabuf || strncmp(line, "VmFlags:", 8))
			continue;
		in_dmabuf = false;
		cur.flags = vmflags_parse(line + 8);
		if (s->len < MAX_REC)
			s->rec[s->len] = cur;
		s->len++;
		st->dmabuf_vmas++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scan got, want;
	struct da_scan_stats st = { 0 }, ref_st = { 0 };
	char *copy;
	FILE *f;

	if (!b.len) {
		f = fmemopen((void *)bufinfo_text, sizeof(bufinfo_text) - 1, "r");
		if (!f || bufinfo_load(&b, f) || b.len != 2)
			abort();
		fclose(f);
	}
	got.len = want.len = 0;
	f = fuzz_fopen(data, size, &copy);
	FUZZ_ASSERT(smaps_scan(f, PID, &b, on_record, &got, &st) == 0, "smaps_scan returns 0");
	fclose(f);

	reference(copy, size, &want, &ref_st);
	free(copy);
	FUZZ_ASSERT(st.vmas == ref_st.vmas, "the vmas the reference counts");
	FUZZ_ASSERT(st.dmabuf_vmas == ref_st.dmabuf_vmas && st.dmabuf_vmas == got.len,
		    "the dma-buf vmas the reference counts");
	FUZZ_ASSERT(got.len == want.len, "as many records as the reference");
	for (size_t i = 0; i < got.len && i < MAX_REC; i++)
		FUZZ_ASSERT(!memcmp(&got.rec[i], &want.rec[i], sizeof(got.rec[i])),
			    "the reference's records");
	return 0;
}
