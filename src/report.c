// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include "json.h"
#include "report.h"

uint64_t report_violations(const struct report_data *r)
{
	uint64_t n = 0;

	for (int k = DA_KIND_NONE + 1; k < DA_KIND_MAX; k++)
		if (kind_is_violation(k))
			n += r->counters[k];
	return n;
}

uint64_t report_warnings(const struct report_data *r)
{
	uint64_t n = 0;

	for (int k = DA_KIND_NONE + 1; k < DA_KIND_MAX; k++)
		if (!kind_is_violation(k))
			n += r->counters[k];
	return n;
}

/* comm and exporter are arbitrary bytes: keep terminals safe (C0, DEL, C1) */
static void print_safe(FILE *f, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		fputc(c < 0x20 || c >= 0x7f ? '?' : c, f);
	}
}

static void print_gup_flags(FILE *f, uint64_t flags)
{
	const char *sep = "";

	for (int i = 0; i < GUP_FLAG_NAMES; i++) {
		if (gup_flag_table[i].value & flags) {
			fprintf(f, "%s%s", sep, gup_flag_table[i].name);
			sep = "|";
		}
	}
	if (!*sep)
		fputs("-", f);
}

static void print_event_human(FILE *f, const struct da_event *ev, uint64_t count,
			      const char *indent)
{
	char flags[96];

	vm_flags_describe(ev->vm_flags, flags, sizeof(flags));
	fprintf(f, "%sexporter ", indent);
	print_safe(f, ev->exporter, sizeof(ev->exporter));
	fprintf(f, "  inode %" PRIu64 "  size %" PRIu64 " bytes\n", (uint64_t)ev->inode,
		(uint64_t)ev->size);
	fprintf(f, "%sprocess %" PRIu32 " (", indent, ev->pid);
	print_safe(f, ev->comm, sizeof(ev->comm));
	fprintf(f, ") tid %" PRIu32 "  via %s\n", ev->tid, hook_name(ev->hook));
	fprintf(f, "%svma 0x%" PRIx64 "-0x%" PRIx64 "  vm_flags 0x%" PRIx64 " [%s]", indent,
		(uint64_t)ev->vm_start, (uint64_t)ev->vm_end, (uint64_t)ev->vm_flags, flags);
	if (ev->addr)
		fprintf(f, "  addr 0x%" PRIx64, (uint64_t)ev->addr);
	if (ev->kind == DA_KIND_GUP_ON_DMABUF || ev->kind == DA_KIND_GUP_BLOCKED) {
		fputs("  gup ", f);
		print_gup_flags(f, ev->gup_flags);
	}
	fprintf(f, "  count %" PRIu64 "\n", count);
}

void watch_print_event(FILE *f, const struct da_event *ev, bool json)
{
	char ts[16];
	time_t t = time(NULL);

	if (json) {
		json_write_finding(f, ev, 1);
		return;
	}
	strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
	fprintf(f, "%s %s %s\n", ts, kind_is_violation(ev->kind) ? "VIOLATION" : "WARNING",
		kind_name(ev->kind));
	print_event_human(f, ev, 1, "    ");
}

static void print_section(FILE *f, const struct report_data *r, bool violations)
{
	uint32_t last_kind = DA_KIND_NONE;
	size_t shown = 0;

	fprintf(f, "%s\n", violations ? "VIOLATIONS" : "WARNINGS");
	for (size_t i = 0; i < r->set->len; i++) {
		const struct finding *fi = &r->set->items[i];

		if (kind_is_violation(fi->ev.kind) != violations)
			continue;
		if (fi->ev.kind != last_kind) {
			fprintf(f, "  %s: %s\n", kind_name(fi->ev.kind), kind_summary(fi->ev.kind));
			last_kind = fi->ev.kind;
		}
		print_event_human(f, &fi->ev, fi->count, "      ");
		shown++;
	}
	if (!shown)
		fputs("  none\n", f);
	fputc('\n', f);
}

void report_print_human(FILE *f, const struct report_data *r)
{
	uint64_t v = report_violations(r), w = report_warnings(r);

	fprintf(f, "dmabuf-audit report: observed %.1f s on Linux %s\n", r->elapsed, r->kernel);
	fputs("detectors:", f);
	for (int i = 0; i < DA_HOOK_MAX; i++)
		fprintf(f, " %s=%s", r->det_name[i], r->det_mech[i]);
	fputs("\n\n", f);
	finding_set_sort(r->set);
	print_section(f, r, true);
	print_section(f, r, false);
	fputs("totals:", f);
	for (int k = DA_KIND_NONE + 1; k < DA_KIND_MAX; k++)
		fprintf(f, " %s=%" PRIu64, kind_name(k), r->counters[k]);
	fprintf(f, " ringbuf_lost=%" PRIu64 "\n", r->counters[DA_CTR_RINGBUF_LOST]);
	if (r->counters[DA_CTR_RINGBUF_LOST] || r->set->dropped)
		fputs("note: some events were lost or not itemised; the totals above are exact\n",
		      f);
	fprintf(f, "result: %s (%" PRIu64 " violation event%s, %" PRIu64 " warning event%s)\n",
		v ? "FAIL" : "PASS", v, v == 1 ? "" : "s", w, w == 1 ? "" : "s");
}

void report_print_json(FILE *f, const struct report_data *r)
{
	const char *sep = "";

	finding_set_sort(r->set);
	for (size_t i = 0; i < r->set->len; i++)
		json_write_finding(f, &r->set->items[i].ev, r->set->items[i].count);

	fprintf(f, "{\"summary\":{\"duration_s\":%.3f,\"kernel\":", r->elapsed);
	json_write_string(f, r->kernel, 64);
	fprintf(f, ",\"violations\":%" PRIu64 ",\"warnings\":%" PRIu64 ",\"kinds\":{",
		report_violations(r), report_warnings(r));
	for (int k = DA_KIND_NONE + 1; k < DA_KIND_MAX; k++) {
		fprintf(f, "%s\"%s\":%" PRIu64, sep, kind_name(k), r->counters[k]);
		sep = ",";
	}
	fprintf(f,
		"},\"findings\":%zu,\"findings_dropped\":%" PRIu64 ",\"ringbuf_lost\":%" PRIu64
		",\"seen\":{",
		r->set->len, r->set->dropped, r->counters[DA_CTR_RINGBUF_LOST]);
	/* dma-buf calls each hook saw, compliant ones included: proof of life */
	sep = "";
	for (int i = 0; i < DA_HOOK_MAX; i++) {
		fprintf(f, "%s\"%s\":%" PRIu64, sep, hook_name(i),
			r->counters[DA_CTR_HOOK_BASE + i]);
		sep = ",";
	}
	fputs("},\"detectors\":{", f);
	sep = "";
	for (int i = 0; i < DA_HOOK_MAX; i++) {
		fprintf(f, "%s\"%s\":\"%s\"", sep, r->det_name[i], r->det_mech[i]);
		sep = ",";
	}
	fputs("}}}\n", f);
}
