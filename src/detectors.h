/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What each detector is: the one table every output reads (probe, the report's
 * "detectors"/"functions", the events' "hook", the summary's "seen", the metrics),
 * and beside it the scan of existing mappings, which is no detector of a hook.
 * How a detector attached on this kernel is the auditor's business (loader.h).
 */
#ifndef DA_DETECTORS_H
#define DA_DETECTORS_H

#include <stdbool.h>
#include <stdint.h>
#include "dmabuf_audit.h"

/* What a hook variant needs besides its function (the ladder skips it otherwise): bits. */
enum da_needs {
	DA_NEEDS_NOTHING = 0,
	DA_NEEDS_FIND_VMA = 1 << 0, /* the bpf_find_vma helper (5.17) */
	/* no bpf_find_vma, but a vma list to walk instead: vm_area_struct.vm_next (to 6.0) */
	DA_NEEDS_VMA_WALK = 1 << 1,
	DA_NEEDS_PTE_MM = 1 << 2,  /* follow_pte(struct mm_struct *, ...): 5.10 to 6.9 */
	DA_NEEDS_PTE_VMA = 1 << 3, /* follow_pte(struct vm_area_struct *, ...): 6.10, 6.11 */
};

/* A kernel function a detector can hook, and its BPF programs by name (NULL: none). */
struct hook_fn {
	const char *func;
	const char *fentry, *fexit, *kprobe, *kretprobe;
	unsigned int needs; /* enum da_needs bits */
	const char *what;   /* what the detector sees through this one, if less than usual */
};

#define DA_MAX_VARIANTS 4
#define DA_MAX_ALSO	4
/* "func,also,...": the functions a detector hooks as the outputs name them, NUL included */
#define DA_FUNCS_LEN	128

struct detector_def {
	enum da_hook id;  /* the hook id its events carry (the ABI's enum da_hook) */
	const char *name; /* the detector: probe, "detectors", "functions", metrics */
	const char *hook; /* its events' "hook", the "seen" key, the metrics' hook label */
	const char *what; /* what it detects */
	/* tried in order; the first that attaches wins (func NULL: end) */
	struct hook_fn fn[DA_MAX_VARIANTS];
	/* more functions hooked too, by the same mechanism, where the kernel has them */
	struct hook_fn also[DA_MAX_ALSO];
};

/* The live detectors, in enum da_hook order: every hook id but DA_HOOK_SCAN. */
#define DA_LIVE_DETECTORS 11
extern const struct detector_def detector_defs[];

/*
 * The scan of the mappings that exist at start: no hook and no ladder, one source,
 * the task_vma iterator (5.12) or else /proc/PID/smaps (src/procscan.c). Its records
 * carry DA_HOOK_SCAN.
 */
struct scan_def {
	const char *name; /* as a detector's: probe, "detectors", "functions", metrics */
	const char *hook; /* the "seen" key */
	const char *what;
	const char *iter; /* the iterator's kernel function (BTF), what "functions" names */
	const char *prog; /* its BPF program */
	const char *proc; /* what the fallback reads, what "functions" names then */
};

extern const struct scan_def scan_def;

/* The live detector of hook id HOOK; NULL for the scan and out of range. */
const struct detector_def *detector_def(uint32_t hook);
/*
 * By hook id, the scan included (every output lists them in enum da_hook order);
 * "unknown" when out of range.
 */
const char *detector_name(uint32_t hook);
const char *hook_name(uint32_t hook);

#endif
