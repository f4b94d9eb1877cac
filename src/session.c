// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "dmabuf_audit.h"
#include "ksyms.h"
#include "loader.h"
#include "log.h"
#include "session.h"

void session_load_ksyms(struct ksyms *ks)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	int err = f ? ksyms_load(ks, f) : -errno;

	if (err) {
		if (f)
			fclose(f);
		log_msg(LOG_WARNING, "cannot read /proc/kallsyms (stacks stay as addresses): %s",
			strerror(-err));
		return;
	}
	ks->src = f; /* read again when a frame is unknown (session_clean_stack) */
}

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void session_clean_stack(struct ksyms *ks, struct da_event *ev)
{
	static double last_reload = -10;
	uint32_t n = 0, len = ev->stack_len < DA_STACK_DEPTH ? ev->stack_len : DA_STACK_DEPTH;
	char sym[192];

	for (uint32_t i = 0; i < len; i++) {
		uint64_t addr = ev->stack[i];

		if (!ksyms_known(ks, addr) && monotonic_s() - last_reload >= 2) {
			last_reload = monotonic_s();
			ksyms_reload(ks);
		}
		if (ksyms_frame(ks, addr, sym, sizeof(sym)))
			ev->stack[n++] = addr;
	}
	ev->stack_len = n;
}

int session_announce(const struct auditor *a)
{
	char why[400];
	int live = auditor_live(a);

	if (!live) {
		auditor_why_no_live(a, why, sizeof(why));
		if (!auditor_can_scan(a)) {
			log_msg(LOG_ERR,
				"no detector can run on this kernel (%s; scan: %s); see 'dmabuf-audit probe'",
				why, a->det[DA_HOOK_SCAN].fentry_why);
			return -ENODEV;
		}
		log_msg(LOG_NOTICE,
			"scan-only: no live detector can attach on this kernel (%s); existing mappings are still scanned",
			why);
		return 0;
	}
	for (int i = 0; i < DA_HOOK_MAX; i++) {
		if (a->det[i].mech != DA_MECH_NONE)
			continue;
		detector_why(&a->det[i], why, sizeof(why));
		log_msg(LOG_WARNING, "detector %s (%s) cannot run here: %s", a->det[i].name,
			a->det[i].func, why);
	}
	log_msg(LOG_INFO, "ready: %d of %d live detectors attached, scan %s", live, DA_HOOK_MAX - 1,
		auditor_can_scan(a) ? "done" : "unavailable");
	return 0;
}

void session_attach_table(const struct auditor *a, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < DA_HOOK_MAX && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s=%s", i ? " " : "", a->det[i].name,
			      mech_name(a->det[i].mech));
}
