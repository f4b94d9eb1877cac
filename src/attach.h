/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inside the auditor (loader.c, attach.c): how each detector of the table
 * (detectors.h) got attached on this kernel, or why not. Nothing else reads
 * these structures: the rest of the program asks loader.h.
 */
#ifndef DA_ATTACH_H
#define DA_ATTACH_H

#include <stdbool.h>
#include "cli.h"
#include "detectors.h"
#include "loader.h"

struct bpf_link;
struct bpf_program;
struct btf;
struct dmabuf_audit_bpf;
struct ksyms;

#define DA_WHY_LEN 160

/* A hook_fn's programs, looked up in the BPF object. */
struct hook_progs {
	struct bpf_program *fentry, *fexit, *kprobe, *kretprobe;
};

struct detector {
	const struct detector_def *def;
	struct hook_progs progs[DA_MAX_VARIANTS];
	struct hook_progs also;
	int fn;		   /* variant in use (or the first one tried); -1: none eligible */
	bool also_on;	   /* def->also hooked too */
	enum da_mech mech; /* the scan: DA_MECH_ITER or DA_MECH_PROC */
	char label[64];	   /* "func,also" when that one is hooked too: what is shown */
	char fentry_why[DA_WHY_LEN]; /* why fentry was not used ("" if it was) */
	char kprobe_why[DA_WHY_LEN]; /* why kprobe was not used ("" if it was/untried) */
	struct bpf_link *links[4];
};

struct auditor {
	struct dmabuf_audit_bpf *skel;
	struct detector det[DA_HOOK_MAX]; /* indexed by enum da_hook */
	/* the dedup map's iterator (NULL: read with map syscalls) */
	struct bpf_link *dedup_iter;
};

/* What the ladder looks at besides the detectors, found once per run. */
struct attach_env {
	const struct btf *btf;	 /* for CO-RE and fentry trials */
	const struct ksyms *ks;	 /* /proc/kallsyms, read once: what kprobes can attach to */
	enum da_attach mode;	 /* --attach */
	bool kernel_btf;	 /* the kernel's own BTF: fentry and iterators need it */
	bool kprobes;		 /* a kprobe PMU or tracefs kprobe_events */
	bool find_vma, vma_walk; /* DA_NEEDS_FIND_VMA, DA_NEEDS_VMA_WALK hold */
};

/* A one-line reason into buf (a detector's why, an error for the caller). */
void set_reason(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* An empty tracing program of that attach type on BTF id btf_id: its fd, or -1 (errno). */
int attach_trial_load(enum bpf_attach_type type, int btf_id);
/* Resolves every program the table names. 0, or -ENOENT naming the one missing in err. */
int attach_bind(struct auditor *a, char *err, size_t errlen);
/* Decides every detector's mechanism by real trials; sets exactly its programs to load. */
int attach_decide(struct auditor *a, const struct attach_env *env);
/* After load: attaches what was decided (a refusal turns that detector to none). */
void attach_all(struct auditor *a);
void attach_detach(struct auditor *a);

#endif
