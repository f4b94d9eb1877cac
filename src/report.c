// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <inttypes.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include "json.h"
#include "detectors.h"
#include "ksyms.h"
#include "fix.h"
#include "report.h"

uint64_t report_kind_total(const struct report_data *r, uint32_t kind)
{
	return kind < DA_KIND_MAX ? r->counters[kind] + r->scan_kinds[kind] : 0;
}

static uint64_t sum_kinds(const struct report_data *r, bool violations)
{
	uint64_t n = 0;

	for (int k = DA_KIND_NONE + 1; k < DA_KIND_MAX; k++)
		if (kind_is_violation(k) == violations)
			n += report_kind_total(r, k);
	return n;
}

uint64_t report_violations(const struct report_data *r)
{
	return sum_kinds(r, true);
}

uint64_t report_warnings(const struct report_data *r)
{
	return sum_kinds(r, false);
}

bool report_fails(const struct report_data *r, bool on_warning)
{
	return report_violations(r) || (on_warning && report_warnings(r));
}

/* comm, exporter, names are arbitrary bytes: keep terminals safe (C0, DEL, C1) */
void print_safe(FILE *f, const char *s, size_t max)
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

static void print_buffer(FILE *f, const struct da_event *ev, const struct ksyms *ks,
			 const char *indent)
{
	char sym[192];

	fprintf(f, "%sexporter ", indent);
	print_safe(f, ev->exporter, sizeof(ev->exporter));
	if (ev->module[0]) {
		fputs(" [", f);
		print_safe(f, ev->module, sizeof(ev->module));
		fputc(']', f);
	}
	if (ev->mmap_op)
		fprintf(f, "  mmap %s", ksyms_describe(ks, ev->mmap_op, 0, sym, sizeof(sym)));
	fprintf(f, "\n%sbuffer inode %" PRIu64 "  size %" PRIu64 " bytes", indent,
		(uint64_t)ev->inode, (uint64_t)ev->size);
	if (ev->buf_name[0]) {
		fputs("  name \"", f);
		print_safe(f, ev->buf_name, sizeof(ev->buf_name));
		fputc('"', f);
	}
	fputc('\n', f);
}

static void print_event_human(FILE *f, const struct da_event *ev, uint64_t count,
			      const struct ksyms *ks, const char *indent)
{
	char flags[96], sym[192];

	vm_flags_describe(ev->vm_flags, flags, sizeof(flags));
	print_buffer(f, ev, ks, indent);
	fprintf(f, "%sprocess %" PRIu32 " (", indent, ev->pid);
	print_safe(f, ev->comm, sizeof(ev->comm));
	fprintf(f, ") tid %" PRIu32 " uid %" PRIu32 " cgroup %" PRIu64 "  via %s\n", ev->tid,
		ev->uid, (uint64_t)ev->cgroup_id, hook_name(ev->hook));
	fprintf(f, "%svma 0x%" PRIx64 "-0x%" PRIx64 "  vm_flags 0x%" PRIx64 " [%s]", indent,
		(uint64_t)ev->vm_start, (uint64_t)ev->vm_end, (uint64_t)ev->vm_flags, flags);
	if (ev->addr)
		fprintf(f, "  addr 0x%" PRIx64, (uint64_t)ev->addr);
	if (ev->kind == DA_KIND_GUP_ON_DMABUF || ev->kind == DA_KIND_GUP_BLOCKED ||
	    ev->kind == DA_KIND_GUP_FAST_ON_DMABUF) {
		fputs("  gup ", f);
		print_gup_flags(f, ev->gup_flags);
	}
	if (ev->kind == DA_KIND_HUGE_NOT_SPECIAL || ev->kind == DA_KIND_HUGE_ENTRY)
		fprintf(f, "  %s 0x%" PRIx64 " (%" PRIu64 " KiB each)",
			ev->ret == DA_HUGE_PUD ? "pud" : "pmd", (uint64_t)ev->pte,
			huge_entry_size(ev->ret) >> 10);
	else if (ev->pte)
		fprintf(f, "  pte 0x%" PRIx64, (uint64_t)ev->pte);
	fprintf(f, "  count %" PRIu64 "\n", count);
	for (uint32_t i = 0, shown = 0; i < ev->stack_len && i < DA_STACK_DEPTH; i++) {
		const char *frame = ksyms_frame(ks, ev->stack[i], sym, sizeof(sym));

		if (frame) /* BPF programs and trampolines ([bpf]) are the auditor's own */
			fprintf(f, "%s%s%s\n", indent, shown++ ? "        " : "stack:  ", frame);
	}
	if (ev->kind != DA_KIND_NONE) {
		char fix[768];

		fprintf(f, "%sfix:    %s\n", indent, fix_describe(ev, ks, fix, sizeof(fix)));
	}
}

void watch_print_finding(FILE *f, const struct finding *fi, bool json, bool update,
			 const struct ksyms *ks)
{
	char ts[16];
	time_t t = time(NULL);

	if (json) {
		json_write_finding(f, &fi->ev, fi->count, ks);
		return;
	}
	strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
	if (update) {
		fprintf(f, "%s %s %s pid %" PRIu32 " inode %" PRIu64 ": count %" PRIu64 "\n", ts,
			kind_is_violation(fi->ev.kind) ? "VIOLATION" : "WARNING",
			kind_name(fi->ev.kind), fi->ev.pid, (uint64_t)fi->ev.inode, fi->count);
		return;
	}
	fprintf(f, "%s %s %s\n", ts, kind_is_violation(fi->ev.kind) ? "VIOLATION" : "WARNING",
		kind_name(fi->ev.kind));
	print_event_human(f, &fi->ev, fi->count, ks, "    ");
}

bool watch_on_finding(FILE *out, struct watch_state *w, struct finding *f,
		      const struct da_event *ev, bool json, const struct ksyms *ks)
{
	char ts[16];
	time_t t;
	bool first;

	if (f) {
		if (f->printed == f->count)
			return false;
		watch_print_finding(out, f, json, f->printed != 0, ks);
		f->printed = f->count;
		return false;
	}
	/* not itemised: shown from the event, once; the totals still count it */
	first = !w->full_said;
	w->full_said = true;
	w->unfollowed++;
	if (json) {
		json_write_finding_ex(out, ev, 1, ks, false);
		return first;
	}
	t = time(NULL);
	strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
	fprintf(out, "%s %s %s (count not followed: finding table full)\n", ts,
		kind_is_violation(ev->kind) ? "VIOLATION" : "WARNING", kind_name(ev->kind));
	print_event_human(out, ev, 1, ks, "    ");
	return first;
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
		print_event_human(f, &fi->ev, fi->count, r->ks, "      ");
		shown++;
	}
	if (!shown)
		fputs("  none\n", f);
	fputc('\n', f);
}

static void print_kib(FILE *f, uint64_t bytes)
{
	fprintf(f, "%" PRIu64 " KiB", (bytes + 1023) / 1024);
}

/* dmabuf_dump-like: exporter -> buffer -> process, Rss/Pss. */
static void print_mappings(FILE *f, const struct report_data *r)
{
	const char *exporter = NULL;
	uint64_t inode = 0;
	char flags[96];

	if (!r->scan_ran && r->run) {
		fputs("MAPPED DMA-BUF MEMORY\n  not scanned (run: the command started after the "
		      "auditor)\n\n",
		      f);
		return;
	}
	if (!r->scan_ran) {
		fputs("MAPPED DMA-BUF MEMORY\n  not scanned (no task_vma iterator on this kernel)\n\n",
		      f);
		return;
	}
	fprintf(f,
		"MAPPED DMA-BUF MEMORY (scan at start: %" PRIu64 " processes, %" PRIu64
		" vmas, %" PRIu64 " dma-buf vmas)\n",
		(uint64_t)r->scan.tasks, (uint64_t)r->scan.vmas, (uint64_t)r->scan.dmabuf_vmas);
	if (!r->maps || !r->maps->len)
		fputs("  none\n", f);
	for (size_t i = 0; r->maps && i < r->maps->len; i++) {
		const struct mapping *m = &r->maps->items[i];

		if (!exporter || strncmp(exporter, m->exporter, DA_EXPORTER_LEN)) {
			exporter = m->exporter;
			inode = 0;
			fputs("  exporter ", f);
			print_safe(f, m->exporter, sizeof(m->exporter));
			fputc('\n', f);
		}
		if (m->inode != inode) {
			inode = m->inode;
			fprintf(f, "    buffer inode %" PRIu64 "  size ", m->inode);
			print_kib(f, m->size);
			if (m->buf_name[0]) {
				fputs("  name \"", f);
				print_safe(f, m->buf_name, sizeof(m->buf_name));
				fputc('"', f);
			}
			fprintf(f, "  mapped by %" PRIu32 " process%s\n", m->procs,
				m->procs == 1 ? "" : "es");
		}
		vm_flags_describe(m->vm_flags, flags, sizeof(flags));
		fprintf(f, "      pid %" PRIu32 " (", m->pid);
		print_safe(f, m->comm, sizeof(m->comm));
		fputs(")  rss ", f);
		print_kib(f, m->rss);
		fputs("  pss ", f);
		print_kib(f, mapping_pss(m));
		fprintf(f, "  vmas %" PRIu32 "  [%s]\n", m->vmas, flags);
	}
	fputc('\n', f);
}

/* run: the command's end and what its tree left out */
static void human_run(FILE *f, const struct report_data *r)
{
	int st = r->run->status;

	fputs("command: ", f);
	print_safe(f, r->run->command, 256);
	if (WIFEXITED(st))
		fprintf(f, " exited %d", WEXITSTATUS(st));
	else
		fprintf(f, " killed by signal %d", WTERMSIG(st));
	fprintf(f,
		"; outside its process tree: %" PRIu64
		" finding event%s (not itemised, not in the totals)\n",
		r->counters[DA_CTR_OUTSIDE_TREE], r->counters[DA_CTR_OUTSIDE_TREE] == 1 ? "" : "s");
}

static void json_run(FILE *f, const struct report_data *r)
{
	int st = r->run->status;

	fputs(",\"run\":{\"command\":", f);
	json_write_string(f, r->run->command, 256);
	if (WIFEXITED(st))
		fprintf(f, ",\"exit\":%d,\"signal\":null", WEXITSTATUS(st));
	else
		fprintf(f, ",\"exit\":null,\"signal\":%d", WTERMSIG(st));
	fprintf(f, ",\"outside_tree\":%" PRIu64 "}", r->counters[DA_CTR_OUTSIDE_TREE]);
}

void report_print_human(FILE *f, const struct report_data *r)
{
	uint64_t v = report_violations(r), w = report_warnings(r);

	fprintf(f, "dmabuf-audit report: observed %.1f s on Linux %s\n", r->elapsed, r->kernel);
	if (r->run)
		human_run(f, r);
	fputs("detectors:", f);
	for (int i = 0; i < DA_HOOK_MAX; i++)
		fprintf(f, " %s=%s", detector_name(i), r->det_mech[i]);
	fputs("\n\n", f);
	print_mappings(f, r);
	finding_set_sort(r->set);
	print_section(f, r, true);
	print_section(f, r, false);
	if (r->inv) {
		inventory_print_human(f, r->inv, r->inv_maps);
		fputc('\n', f);
	} else if (r->inv_why) {
		fprintf(f, "DMA-BUF INVENTORY: not taken: %s\n\n", r->inv_why);
	}
	fputs("totals:", f);
	for (int k = DA_KIND_NONE + 1; k < DA_KIND_MAX; k++)
		fprintf(f, " %s=%" PRIu64, kind_name(k), report_kind_total(r, k));
	fprintf(f, " ringbuf_lost=%" PRIu64, r->counters[DA_CTR_RINGBUF_LOST]);
	if (r->missed)
		fprintf(f, " missed=%" PRIu64, r->missed);
	fputc('\n', f);
	if (r->counters[DA_CTR_RINGBUF_LOST] || r->set->dropped)
		fputs("note: some events were lost or not itemised; the totals above are exact\n",
		      f);
	if (r->missed)
		fprintf(f,
			"note: the kernel skipped the auditor's programs %" PRIu64
			" times (BPF recursion guard): those calls are in no total\n",
			r->missed);
	fprintf(f, "result: %s (%" PRIu64 " violation event%s, %" PRIu64 " warning event%s)\n",
		report_fails(r, r->fail_on_warning) ? "FAIL" : "PASS", v, v == 1 ? "" : "s", w,
		w == 1 ? "" : "s");
}

static void json_mapping(FILE *f, const struct mapping *m)
{
	fprintf(f, "{\"mapping\":{\"pid\":%" PRIu32 ",\"comm\":", m->pid);
	json_write_string(f, m->comm, sizeof(m->comm));
	fprintf(f, ",\"uid\":%" PRIu32 ",\"exporter\":", m->uid);
	json_write_string(f, m->exporter, sizeof(m->exporter));
	fputs(",\"buf_name\":", f);
	json_write_string(f, m->buf_name, sizeof(m->buf_name));
	fprintf(f,
		",\"inode\":%" PRIu64 ",\"size\":%" PRIu64 ",\"rss\":%" PRIu64 ",\"pss\":%" PRIu64
		",\"vmas\":%" PRIu32 ",\"procs\":%" PRIu32 ",\"vm_flags\":\"0x%" PRIx64 "\"}}\n",
		m->inode, m->size, m->rss, mapping_pss(m), m->vmas, m->procs, m->vm_flags);
}

static void json_counts(FILE *f, const char *name, const uint64_t *vals, int n,
			const char *(*key)(uint32_t))
{
	fprintf(f, ",\"%s\":{", name);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", key(i), vals[i]);
	fputc('}', f);
}

void report_print_json(FILE *f, const struct report_data *r)
{
	uint64_t kinds[DA_KIND_MAX - 1];

	finding_set_sort(r->set);
	for (size_t i = 0; i < r->set->len; i++)
		json_write_finding(f, &r->set->items[i].ev, r->set->items[i].count, r->ks);
	for (size_t i = 0; r->maps && i < r->maps->len; i++)
		json_mapping(f, &r->maps->items[i]);

	fprintf(f, "{\"summary\":{\"duration_s\":%.3f,\"kernel\":", r->elapsed);
	json_write_string(f, r->kernel, 64);
	fprintf(f, ",\"violations\":%" PRIu64 ",\"warnings\":%" PRIu64, report_violations(r),
		report_warnings(r));
	fprintf(f, ",\"fail_on\":\"%s\",\"result\":\"%s\"",
		r->fail_on_warning ? "warning" : "violation",
		report_fails(r, r->fail_on_warning) ? "fail" : "pass");
	for (int k = DA_KIND_NONE + 1; k < DA_KIND_MAX; k++)
		kinds[k - 1] = report_kind_total(r, k);
	fputs(",\"kinds\":{", f);
	for (int k = DA_KIND_NONE + 1; k < DA_KIND_MAX; k++)
		fprintf(f, "%s\"%s\":%" PRIu64, k > 1 ? "," : "", kind_name(k), kinds[k - 1]);
	fprintf(f,
		"},\"findings\":%zu,\"findings_dropped\":%" PRIu64 ",\"ringbuf_lost\":%" PRIu64
		",\"dedup_full\":%" PRIu64 ",\"gup_fast_unverified\":%" PRIu64
		",\"pfn_lookup_unverified\":%" PRIu64 ",\"tracked_vmas\":%" PRId64
		",\"missed\":%" PRIu64,
		r->set->len, r->set->dropped, r->counters[DA_CTR_RINGBUF_LOST],
		r->counters[DA_CTR_DEDUP_FULL], r->counters[DA_CTR_GUP_FAST_UNVERIFIED],
		r->counters[DA_CTR_PFN_LOOKUP_UNVERIFIED], r->tracked_vmas, r->missed);
	/* dma-buf calls each hook saw, compliant ones included: proof of life */
	json_counts(f, "seen", &r->counters[DA_CTR_HOOK_BASE], DA_HOOK_MAX, hook_name);
	if (r->run)
		json_run(f, r);
	if (r->scan_ran)
		fprintf(f,
			",\"scan\":{\"processes\":%" PRIu64 ",\"vmas\":%" PRIu64
			",\"dmabuf_vmas\":%" PRIu64 "}",
			(uint64_t)r->scan.tasks, (uint64_t)r->scan.vmas,
			(uint64_t)r->scan.dmabuf_vmas);
	else
		fputs(",\"scan\":null", f);
	fputs(",\"inventory\":", f);
	if (r->inv)
		inventory_write_totals(f, r->inv, r->inv_maps);
	else
		fputs("null", f);
	fputs(",\"detectors\":{", f);
	for (int i = 0; i < DA_HOOK_MAX; i++)
		fprintf(f, "%s\"%s\":\"%s\"", i ? "," : "", detector_name(i), r->det_mech[i]);
	fputs("},\"functions\":{", f);
	for (int i = 0; i < DA_HOOK_MAX; i++) {
		fprintf(f, "%s\"%s\":", i ? "," : "", detector_name(i));
		if (r->det_func[i])
			json_write_string(f, r->det_func[i], DA_FUNCS_LEN);
		else
			fputs("null", f);
	}
	fputs("}}}\n", f);
}
