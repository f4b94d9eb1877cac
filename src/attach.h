/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inside the auditor (loader.c, attach.c): how each detector of the table
 * (detectors.h) got attached on this kernel, or why not, and how the scan runs.
 * Nothing else reads these structures: the rest of the program asks loader.h.
 */
#ifndef DA_ATTACH_H
#define DA_ATTACH_H

#include <stdbool.h>
#include "cli.h"
#include "detectors.h"
#include "loader.h"

struct bpf_link;
struct bpf_program;
struct dmabuf_audit_bpf;
struct ksyms;

#define DA_WHY_LEN 160
/* entry and exit of the function, and of each also-function */
#define DA_DETECTOR_LINKS (2 + 2 * DA_MAX_ALSO)

/* A hook_fn's programs, looked up in the BPF object. */
struct hook_progs {
	struct bpf_program *fentry, *fexit, *kprobe, *kretprobe;
};

struct detector {
	const struct detector_def *def;
	struct hook_progs progs[DA_MAX_VARIANTS];
	struct hook_progs also[DA_MAX_ALSO];
	int fn;		      /* variant in use (or the first one tried); -1: none eligible */
	unsigned int also_on; /* bit j: def->also[j] hooked too */
	enum da_mech mech;    /* DA_MECH_FENTRY, DA_MECH_KPROBE or DA_MECH_NONE */
	char label[DA_FUNCS_LEN]; /* "func,also,..." when those are hooked too: what is shown */
	char fentry_why[DA_WHY_LEN]; /* why fentry was not used ("" if it was) */
	char kprobe_why[DA_WHY_LEN]; /* why kprobe was not used ("" if it was/untried) */
	struct bpf_link *links[DA_DETECTOR_LINKS];
};

/* The scan of existing mappings (scan_def): the iterator, or /proc when it cannot load. */
struct scan {
	const struct scan_def *def;
	struct bpf_program *prog; /* the iterator */
	enum da_mech mech;	  /* DA_MECH_ITER or DA_MECH_PROC */
	char why[DA_WHY_LEN];	  /* why not the iterator ("" when it is used) */
};

struct auditor {
	struct dmabuf_audit_bpf *skel;
	struct detector det[DA_LIVE_DETECTORS]; /* det[i]: detector_defs[i] */
	struct scan scan;
	/* the dedup map's iterator (NULL: read with map syscalls) */
	struct bpf_link *dedup_iter;
	/* report --inventory: the dma-buf and task_file iterators are loaded */
	bool inv_bufs; /* the dma-buf iterator loaded (report --inventory) */
	bool inv_fds;  /* the task_file iterator loaded */
	/* the kernel marks huge pfn entries special (6.12+): huge_not_special, else huge_entry */
	bool huge_special;
};

/* A kernel function the ladder may need: its BTF id, found in one pass over BTF. */
struct kfunc {
	const char *name;
	int btf_id; /* < 0: not in the kernel's BTF */
};

/* A function whose real fentry attach was refused: the ladder's next pass skips it. */
struct fentry_refusal {
	const char *func;
	char why[DA_WHY_LEN];
};

#define DA_KFUNCS_MAX 48

/* What the ladder looks at besides the detectors, found once per run. */
struct attach_env {
	struct kfunc funcs[DA_KFUNCS_MAX]; /* every function the table names, and more */
	int nfuncs;
	struct fentry_refusal refused[DA_KFUNCS_MAX];
	int nrefused;
	struct ksyms *ks;	 /* /proc/kallsyms, read when first asked: what kprobes can use */
	enum da_attach mode;	 /* --attach */
	bool kernel_btf;	 /* the kernel's own BTF: fentry and iterators need it */
	bool kprobes;		 /* a kprobe PMU or tracefs kprobe_events */
	bool find_vma, vma_walk; /* DA_NEEDS_FIND_VMA, DA_NEEDS_VMA_WALK hold */
	bool pte_mm, pte_vma; /* DA_NEEDS_PTE_MM, DA_NEEDS_PTE_VMA: follow_pte's first parameter */
	bool map_iter;	      /* map element iterators load here (the dedup map's reader) */
};

/* The BTF id of a function env->funcs holds; -ENOENT when it is not in BTF. */
int attach_func_id(const struct attach_env *env, const char *func);
/* A one-line reason into buf (a detector's why, an error for the caller). */
void set_reason(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* An empty tracing program of that attach type on BTF id btf_id: its fd, or -1 (errno). */
int attach_trial_load(enum bpf_attach_type type, int btf_id);
/*
 * Resolves every program the table and the scan name. 0, or -ENOENT naming the one
 * missing in err.
 */
int attach_bind(struct auditor *a, char *err, size_t errlen);
/*
 * Decides every detector's mechanism (fentry where an empty program loads on the
 * function and no earlier attach refused it, else kprobe) and the scan's (iterator
 * or /proc); sets exactly their programs to load.
 */
int attach_decide(struct auditor *a, const struct attach_env *env);
/*
 * After load: attaches what was decided. A refused attach turns that detector to
 * none; a refused fentry attach is also recorded in env->refused when record is
 * set. Returns how many were recorded: the caller decides again without them.
 */
int attach_all(struct auditor *a, struct attach_env *env, bool record);
void attach_detach(struct auditor *a);
/* Probe hits the kernel ran no kprobe program for (6.7+, else 0). */
uint64_t attach_kprobe_missed(const struct auditor *a);

#endif
