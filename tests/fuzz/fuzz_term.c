// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Terminal output (src/report.c): print_safe() on any bytes, and the human
 * output of watch and report for an event whose strings are any bytes.
 *
 * comm, exporter, module and buffer names are chosen by processes and
 * drivers: printed raw, an ESC would let them drive the terminal, a newline
 * forge a line of the report. Asserts, besides no crash, leak or undefined
 * behaviour:
 * - print_safe(), on the input as an unterminated string of its own size
 *   (ASan sees any read past max): one output byte per input byte up to the
 *   first NUL, each in 0x20..0x7e (no C0 control, ESC, DEL or byte from
 *   0x80, so no C1 control or UTF-8 sequence either), printable ASCII bytes
 *   kept and every other one '?';
 * - watch_print_finding() (first sight and update), watch_on_finding() (a
 *   finding the table could not keep) and report_print_human() (findings and
 *   the mapped-memory table) print only newlines and bytes 0x20..0x7e, and
 *   exactly as many lines as for the same event with plain names: no string
 *   of the event adds a line.
 */
#include <stdbool.h>
#include "finding.h"
#include "fuzz.h"
#include "mappings.h"
#include "report.h"

static void check_print_safe(const uint8_t *data, size_t size)
{
	char *in = malloc(size ? size : 1);
	struct fuzz_out o;
	size_t n;

	if (!in)
		abort();
	memcpy(in, data, size); /* no terminator: max is the bound */
	fuzz_out_open(&o);
	print_safe(o.f, in, size);
	fuzz_out_close(&o);
	n = strnlen(in, size);
	FUZZ_ASSERT(o.len == n, "a byte per byte");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = in[i], out = o.buf[i];

		FUZZ_ASSERT(out >= 0x20 && out < 0x7f, "printable ASCII only");
		FUZZ_ASSERT(out == (c >= 0x20 && c < 0x7f ? c : '?'), "kept, or '?'");
	}
	free(o.buf);
	free(in);
}

/* Every way the human output shows ev; the lines it took, or aborts on a bad byte. */
static size_t render(const struct da_event *ev)
{
	struct finding_set set;
	struct mapping_table maps = { 0 };
	struct watch_state w = { 0 };
	struct report_data r;
	struct finding *fi;
	struct fuzz_out o;
	size_t lines = 0;

	finding_set_init(&set, 16);
	fi = finding_set_add(&set, ev);
	if (!fi || mapping_table_add(&maps, ev))
		abort();
	mapping_table_finish(&maps);
	memset(&r, 0, sizeof(r));
	r.set = &set;
	r.kernel = "6.1.0-fuzz";
	for (int i = 0; i < DA_HOOK_MAX; i++)
		r.det_mech[i] = "kprobe";
	r.scan_ran = true;
	r.maps = &maps;
	r.scan.tasks = 1;
	r.scan.vmas = r.scan.dmabuf_vmas = 1;
	r.scan_kinds[ev->kind < DA_KIND_MAX ? ev->kind : 0] = 1;

	fuzz_out_open(&o);
	watch_print_finding(o.f, fi, false, false, NULL);
	watch_print_finding(o.f, fi, false, true, NULL);
	watch_on_finding(o.f, &w, NULL, ev, false, NULL);
	report_print_human(o.f, &r);
	fuzz_out_close(&o);

	for (size_t i = 0; i < o.len; i++) {
		unsigned char c = o.buf[i];

		FUZZ_ASSERT(c == '\n' || (c >= 0x20 && c < 0x7f),
			    "only newlines and printable ASCII on the terminal");
		lines += c == '\n';
	}
	free(o.buf);
	mapping_table_free(&maps);
	finding_set_free(&set);
	return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct da_event ev, plain;
	uint8_t nums[8];
	size_t at = 0;

	check_print_safe(data, size);

	memset(&ev, 0, sizeof(ev));
	fuzz_take(ev.comm, sizeof(ev.comm), data, size, &at);
	fuzz_take(ev.exporter, sizeof(ev.exporter), data, size, &at);
	fuzz_take(ev.buf_name, sizeof(ev.buf_name), data, size, &at);
	fuzz_take(ev.module, sizeof(ev.module), data, size, &at);
	fuzz_take(nums, sizeof(nums), data, size, &at);
	ev.kind = nums[0] % 8; /* DA_KIND_MAX and past it: "unknown" */
	ev.hook = nums[1] % 16;
	ev.stack_len = nums[2] % 24;
	ev.pid = ev.tid = 1000u + nums[3];
	ev.inode = nums[4];
	ev.size = 4096u * nums[5];
	ev.vm_start = 0x7f0000000000ull;
	ev.vm_end = ev.vm_start + 4096u * nums[6];
	ev.vm_flags = nums[7] & 1 ? DA_VM_SHARED | DA_VM_PFNMAP : DA_VM_SHARED | DA_VM_MIXEDMAP;
	ev.mmap_op = nums[7] & 2 ? 0xffffffff81000000ull : 0;
	ev.gup_flags = nums[7] >> 2;
	ev.pte = nums[7] & 4;

	/* the same event with plain names: the lines it must take */
	plain = ev;
	strcpy(plain.comm, "comm");
	strcpy(plain.exporter, "exporter");
	strcpy(plain.buf_name, "name");
	strcpy(plain.module, ev.module[0] ? "module" : "");
	FUZZ_ASSERT(render(&ev) == render(&plain), "no line added by a name");
	return 0;
}
