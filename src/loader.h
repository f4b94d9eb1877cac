/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading and attaching: privilege and BTF checks, the attach ladder
 * (fentry -> kprobe -> none) decided per detector by a real trial over the
 * function-name variants this kernel may have, the task_vma scan, counters
 * and dedup-map readout.
 */
#ifndef DA_LOADER_H
#define DA_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "cli.h"
#include "dmabuf_audit.h"

enum da_mech { DA_MECH_NONE, DA_MECH_FENTRY, DA_MECH_KPROBE, DA_MECH_ITER, DA_MECH_PROC };

struct bpf_program;
struct bpf_link;
struct dmabuf_audit_bpf;

#define DA_MAX_VARIANTS 2

/* One kernel function a detector can hook, and its programs (NULL: none). */
struct variant {
	const char *func;
	struct bpf_program *fentry, *fexit, *kprobe, *kretprobe;
};

struct detector {
	const char *name; /* stable id: probe table, summary */
	const char *what; /* what it detects */
	struct variant var[DA_MAX_VARIANTS];
	int nvar;
	/* a second function hooked too, by the same mechanism, where the kernel has it */
	struct variant also;
	bool also_on;
	bool needs_find_vma;
	const char *func; /* variant in use (or the first one tried) */
	char label[64];	  /* func, ",also" when that one is hooked too: what is shown */
	enum da_mech mech;
	char fentry_why[160]; /* why fentry was not used ("" if it was) */
	char kprobe_why[160]; /* why kprobe was not used ("" if it was/untried) */
	struct bpf_link *links[4];
};

/* The kernel function(s) a detector hooks, as probe and the report name them. */
const char *detector_func(const struct detector *d);

struct auditor {
	struct dmabuf_audit_bpf *skel;
	struct detector det[DA_HOOK_MAX]; /* indexed by enum da_hook; SCAN is the iterator */
	int ncpus;
};

const char *mech_name(enum da_mech m);

/* Checks privileges and BTF, decides the ladder, loads and attaches. 0 or
 * -errno with a one-line reason in err. A detector that cannot attach is
 * not an error here: see auditor_live() and auditor_can_scan(). */
int auditor_open(struct auditor *a, const struct da_opts *o, char *err, size_t errlen);
void auditor_close(struct auditor *a); /* NULL-safe, idempotent */
/* Live detectors attached (the scan not included). */
int auditor_live(const struct auditor *a);
bool auditor_can_scan(const struct auditor *a);
int auditor_ring_fd(const struct auditor *a);
/* dma-buf vmas with a swapped vm_file the BPF side currently tracks. */
int64_t auditor_tracked_vmas(const struct auditor *a);
/* Sums the per-CPU counters. 0 or -errno. */
int auditor_read_counters(const struct auditor *a, uint64_t out[DA_CTR_MAX]);

typedef void (*dedup_fn)(void *ctx, const struct da_dedup_key *key, uint64_t count);
/* Calls fn for every entry of the BPF dedup map. 0 or -errno. */
int auditor_read_dedup(const struct auditor *a, dedup_fn fn, void *ctx);

/* Forgets one entry of the BPF dedup map (its next event is sent in full). 0 or -errno. */
int auditor_forget_dedup(const struct auditor *a, const struct da_dedup_key *key);

typedef void (*record_fn)(void *ctx, const struct da_event *rec);
/* Runs the task_vma iterator once: fn per dma-buf vma, totals in stats. */
int auditor_scan(struct auditor *a, record_fn fn, void *ctx, struct da_scan_stats *stats);

/* "fentry: ...; kprobe: ..." for a detector that is not attached */
void detector_why(const struct detector *d, char *buf, size_t len);
/* One line: why no live detector attached (first detector's reasons). */
void auditor_why_no_live(const struct auditor *a, char *buf, size_t len);
void auditor_print_probe(FILE *f, const struct auditor *a);

#endif
