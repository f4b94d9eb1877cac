// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <inttypes.h>
#include <string.h>
#include "detectors.h"
#include "finding.h"
#include "fix.h"
#include "json.h"
#include "ksyms.h"

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void json_write_string(FILE *f, const char *s, size_t maxlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, maxlen);

	fputc('"', f);
	while (n) {
		size_t len = utf8_seq_len(p, n);

		if (len > 1) {
			fwrite(p, 1, len, f);
		} else if (len == 0 || *p < 0x20 || *p == 0x7f) {
			switch (*p) {
			case '\n':
				fputs("\\n", f);
				break;
			case '\t':
				fputs("\\t", f);
				break;
			case '\r':
				fputs("\\r", f);
				break;
			default:
				fprintf(f, "\\u%04x", *p);
				break;
			}
			len = 1;
		} else if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p, f);
		} else {
			fputc(*p, f);
		}
		p += len;
		n -= len;
	}
	fputc('"', f);
}

static void write_gup_flags(FILE *f, uint64_t flags)
{
	const char *sep = "";

	fputs(",\"gup_flags\":[", f);
	for (int i = 0; i < GUP_FLAG_NAMES; i++) {
		if (gup_flag_table[i].value & flags) {
			fprintf(f, "%s\"%s\"", sep, gup_flag_table[i].name);
			sep = ",";
		}
	}
	fputc(']', f);
}

static bool is_gup_kind(uint32_t kind)
{
	return kind == DA_KIND_GUP_ON_DMABUF || kind == DA_KIND_GUP_BLOCKED ||
	       kind == DA_KIND_GUP_FAST_ON_DMABUF;
}

static void write_stack(FILE *f, const struct da_event *ev, const struct ksyms *ks)
{
	uint32_t n = ev->stack_len < DA_STACK_DEPTH ? ev->stack_len : DA_STACK_DEPTH;
	char sym[192];

	const char *sep = "";

	fputs(",\"stack\":[", f);
	for (uint32_t i = 0; i < n; i++) {
		const char *frame = ksyms_frame(ks, ev->stack[i], sym, sizeof(sym));

		if (!frame) /* the auditor's own program or trampoline */
			continue;
		fputs(sep, f);
		json_write_string(f, frame, sizeof(sym));
		sep = ",";
	}
	fputc(']', f);
}

void json_write_finding(FILE *f, const struct da_event *ev, uint64_t count, const struct ksyms *ks)
{
	json_write_finding_ex(f, ev, count, ks, true);
}

void json_write_finding_ex(FILE *f, const struct da_event *ev, uint64_t count,
			   const struct ksyms *ks, bool followed)
{
	char sym[192];

	fprintf(f, "{\"kind\":\"%s\",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",\"comm\":",
		kind_name(ev->kind), ev->pid, ev->tid);
	json_write_string(f, ev->comm, sizeof(ev->comm));
	fputs(",\"exporter\":", f);
	json_write_string(f, ev->exporter, sizeof(ev->exporter));
	fprintf(f,
		",\"inode\":%" PRIu64 ",\"size\":%" PRIu64 ",\"vm_start\":\"0x%" PRIx64
		"\",\"vm_end\":\"0x%" PRIx64 "\",\"vm_flags\":\"0x%" PRIx64
		"\",\"addr\":\"0x%" PRIx64 "\",\"count\":%" PRIu64 ",\"hook\":\"%s\"",
		(uint64_t)ev->inode, (uint64_t)ev->size, (uint64_t)ev->vm_start,
		(uint64_t)ev->vm_end, (uint64_t)ev->vm_flags, (uint64_t)ev->addr, count,
		hook_name(ev->hook));
	if (is_gup_kind(ev->kind))
		write_gup_flags(f, ev->gup_flags);
	if (ev->pte)
		fprintf(f, ",\"pte\":\"0x%" PRIx64 "\"", (uint64_t)ev->pte);
	fputs(",\"buf_name\":", f);
	json_write_string(f, ev->buf_name, sizeof(ev->buf_name));
	fputs(",\"module\":", f);
	json_write_string(f, ev->module, sizeof(ev->module));
	fputs(",\"mmap_op\":", f);
	if (ev->mmap_op)
		json_write_string(f, ksyms_describe(ks, ev->mmap_op, 0, sym, sizeof(sym)),
				  sizeof(sym));
	else
		fputs("null", f);
	if (ev->kind != DA_KIND_NONE) {
		char fix[768];

		fputs(",\"fix\":", f);
		json_write_string(f, fix_describe(ev, ks, fix, sizeof(fix)), sizeof(fix));
	}
	if (ev->kind == DA_KIND_HUGE_NOT_SPECIAL || ev->kind == DA_KIND_HUGE_ENTRY)
		fprintf(f, ",\"entry_size\":%" PRIu64, huge_entry_size(ev->ret));
	if (ev->kind == DA_KIND_KERNEL_PFN_LOOKUP || ev->kind == DA_KIND_HUGE_NOT_SPECIAL ||
	    ev->kind == DA_KIND_HUGE_ENTRY) {
		const char *caller = ev->kind == DA_KIND_KERNEL_PFN_LOOKUP ?
					     fix_pfn_caller(ev, ks, sym, sizeof(sym)) :
					     fix_huge_caller(ev, ks, sym, sizeof(sym));

		fputs(",\"caller\":", f);
		if (caller)
			json_write_string(f, caller, sizeof(sym));
		else
			fputs("null", f);
	}
	fprintf(f, ",\"uid\":%" PRIu32 ",\"cgroup_id\":%" PRIu64, ev->uid, (uint64_t)ev->cgroup_id);
	write_stack(f, ev, ks);
	fputs(followed ? "}\n" : ",\"followed\":false}\n", f);
}
