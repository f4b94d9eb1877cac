/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Rendering of findings: live watch lines, the report, the JSON summary. */
#ifndef DA_REPORT_H
#define DA_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "finding.h"

struct report_data {
	struct finding_set *set;
	uint64_t counters[DA_CTR_MAX]; /* exact totals from BPF */
	double elapsed;
	const char *kernel; /* uname release */
	const char *det_name[DA_HOOK_MAX];
	const char *det_mech[DA_HOOK_MAX]; /* "fentry", "kprobe", "none" */
};

uint64_t report_violations(const struct report_data *r);
uint64_t report_warnings(const struct report_data *r);

void watch_print_event(FILE *f, const struct da_event *ev, bool json);
void report_print_human(FILE *f, const struct report_data *r);
/* Findings as JSON lines, then one {"summary": {...}} line. */
void report_print_json(FILE *f, const struct report_data *r);

#endif
