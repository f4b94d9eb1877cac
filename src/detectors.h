/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What each detector is: the one table every output reads (probe, the report's
 * "detectors"/"functions", the events' "hook", the summary's "seen", the metrics).
 * How a detector attached on this kernel is the auditor's business (loader.h).
 */
#ifndef DA_DETECTORS_H
#define DA_DETECTORS_H

#include <stdbool.h>
#include <stdint.h>
#include "dmabuf_audit.h"

/* What a hook variant needs besides its function (the ladder skips it otherwise). */
enum da_needs {
	DA_NEEDS_NOTHING,
	DA_NEEDS_FIND_VMA, /* the bpf_find_vma helper (5.17) */
	/* no bpf_find_vma, but a vma list to walk instead: vm_area_struct.vm_next (to 6.0) */
	DA_NEEDS_VMA_WALK,
};

/* A kernel function a detector can hook, and its BPF programs by name (NULL: none). */
struct hook_fn {
	const char *func;
	const char *fentry, *fexit, *kprobe, *kretprobe;
	enum da_needs needs;
	const char *what; /* what the detector sees through this one, if less than usual */
};

#define DA_MAX_VARIANTS 4

struct detector_def {
	const char *name; /* the detector: probe, "detectors", "functions", metrics */
	const char *hook; /* its events' "hook", the "seen" key, the metrics' hook label */
	const char *what; /* what it detects */
	/* tried in order; the first that attaches wins (func NULL: end) */
	struct hook_fn fn[DA_MAX_VARIANTS];
	/* a second function hooked too, by the same mechanism, where the kernel has it */
	struct hook_fn also;
	bool scan; /* not a hook: the scan of existing mappings (iterator or /proc) */
};

/* Indexed by enum da_hook (the event ABI); the scan is DA_HOOK_SCAN. */
extern const struct detector_def detector_defs[DA_HOOK_MAX];

/* Detectors that watch live (every one but the scan). */
#define DA_LIVE_DETECTORS (DA_HOOK_MAX - 1)

/* "unknown" when out of range */
const char *detector_name(uint32_t hook);
const char *hook_name(uint32_t hook);

#endif
