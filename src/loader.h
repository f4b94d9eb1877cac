/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading and attaching: privilege and BTF checks, the fentry -> kprobe
 * attach ladder decided per detector by a real trial, counters readout.
 */
#ifndef DA_LOADER_H
#define DA_LOADER_H

#include <stdint.h>
#include <stdio.h>
#include "cli.h"
#include "dmabuf_audit.h"

enum da_mech { DA_MECH_NONE, DA_MECH_FENTRY, DA_MECH_KPROBE };

struct bpf_program;
struct bpf_link;
struct dmabuf_audit_bpf;

struct detector {
	const char *name; /* stable id: probe table, summary */
	const char *func; /* kernel function hooked */
	const char *what; /* what it detects */
	struct bpf_program *fexit, *kprobe, *kretprobe;
	enum da_mech mech;
	char fentry_why[96]; /* why fentry was not used ("" if it was) */
	char kprobe_why[96]; /* why kprobe was not used ("" if it was/untried) */
	struct bpf_link *links[2];
};

struct auditor {
	struct dmabuf_audit_bpf *skel;
	struct detector det[DA_HOOK_MAX];
	int ncpus;
};

const char *mech_name(enum da_mech m);

/* Checks privileges and BTF, decides the ladder, loads and attaches. 0 or
 * -errno with a one-line reason in err. A detector that cannot attach is
 * not an error here: see auditor_attached(). */
int auditor_open(struct auditor *a, const struct da_opts *o, char *err, size_t errlen);
void auditor_close(struct auditor *a); /* NULL-safe, idempotent */
int auditor_attached(const struct auditor *a);
int auditor_ring_fd(const struct auditor *a);
/* Sums the per-CPU counters. 0 or -errno. */
int auditor_read_counters(const struct auditor *a, uint64_t out[DA_CTR_MAX]);
/* "mmap: fentry refused by the kernel (EPERM); kprobe: ..." for detector i */
void detector_why(const struct detector *d, char *buf, size_t len);
void auditor_print_probe(FILE *f, const struct auditor *a);

#endif
