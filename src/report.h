/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Rendering of findings: live watch lines, the report, the JSON summary. */
#ifndef DA_REPORT_H
#define DA_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "finding.h"
#include "inventory.h"
#include "mappings.h"

struct ksyms;

/* run -- COMMAND: what the command did (waitpid status) */
struct report_run {
	const char *command; /* argv[0] */
	int status;
};

struct report_data {
	struct finding_set *set;
	uint64_t counters[DA_CTR_MAX];	  /* exact totals of the live hooks, from BPF */
	uint64_t scan_kinds[DA_KIND_MAX]; /* findings of the scan (counted in user space) */
	double elapsed;
	const char *kernel; /* uname release */
	/* per detector (detectors.h): "fentry", "kprobe", "iter", "proc", "none" */
	const char *det_mech[DA_HOOK_MAX];
	const char *det_func[DA_HOOK_MAX]; /* kernel function used, NULL if none */
	const struct ksyms *ks;		   /* symbols for stacks and mmap_op; may be NULL */
	bool scan_ran;
	struct da_scan_stats scan;
	struct mapping_table *maps; /* dma-buf memory mapped at the scan */
	int64_t tracked_vmas;	    /* swapped-vm_file vmas still tracked at the end */
	uint64_t missed;	    /* hook calls the kernel ran none of our programs for */
	bool fail_on_warning;	    /* report --fail-on warning */
	const struct report_run *run; /* run -- COMMAND, else NULL */
	/* every dma-buf at the end, mappers from a scan then; NULL: inv_why says why */
	const struct inventory *inv;
	const struct mapping_table *inv_maps;
	const char *inv_why; /* NULL with inv NULL: none asked (run) */
};

uint64_t report_kind_total(const struct report_data *r, uint32_t kind);
uint64_t report_violations(const struct report_data *r);
uint64_t report_warnings(const struct report_data *r);
/* The exit status decision: violations, or warnings too when asked. */
bool report_fails(const struct report_data *r, bool on_warning);

/*
 * s (at most max bytes, stops at NUL) for a terminal: every byte below 0x20
 * (ESC, newline...), DEL and every byte from 0x80 (C1 controls, UTF-8) as '?'.
 * comm, exporter and buffer names are whatever a process or driver chose.
 */
void print_safe(FILE *f, const char *s, size_t max);

/* A finding as watch shows it: first occurrence, or its count grew (update). */
void watch_print_finding(FILE *f, const struct finding *fi, bool json, bool update,
			 const struct ksyms *ks);
/* What watch could not follow (observe.c keeps one). */
struct watch_state {
	uint64_t unfollowed; /* new findings printed once: the table could not itemise them */
	bool full_said;	     /* watch_on_finding() asked for the one stderr notice */
};
/*
 * watch, for each finding callback of the session: f new or grown is printed
 * (and f->printed updated); f NULL (the finding set could not itemise ev) prints
 * ev once, count 1, marked as not followed. Returns true the first time a
 * finding could not be itemised: the caller says so once on stderr.
 */
bool watch_on_finding(FILE *out, struct watch_state *w, struct finding *f,
		      const struct da_event *ev, bool json, const struct ksyms *ks);
void report_print_human(FILE *f, const struct report_data *r);
/* Findings as JSON lines, mapping lines, then one {"summary": {...}} line. */
void report_print_json(FILE *f, const struct report_data *r);

#endif
