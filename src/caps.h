/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Dropping capabilities once the BPF programs are attached, with the raw
 * capset(2)/prctl(2) calls (no libcap on minimal boards).
 */
#ifndef DA_CAPS_H
#define DA_CAPS_H

#include <stdint.h>
#include <linux/capability.h>

/* 5.8: older headers lack them */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* What caps_limit() could do. */
struct caps_outcome {
	uint64_t kept;	   /* effective = permitted set now (capget) */
	uint64_t bounding; /* bounding set now (PR_CAPBSET_READ) */
	int bounding_err;  /* 0, or -errno of the refused PR_CAPBSET_DROP (EPERM: no CAP_SETPCAP) */
	int nnp_err;	   /* 0, or -errno of PR_SET_NO_NEW_PRIVS */
};

/*
 * Keeps only the capabilities in keep (bit per CAP_*) that are permitted now.
 * The bounding set is reduced first, where it can be (dropping needs
 * CAP_SETPCAP, still held then; a refusal is only reported in out); the
 * ambient set is cleared; then effective and permitted become keep and
 * inheritable empty (capset), in any case; then no_new_privs. Returns 0 when
 * effective, permitted, inheritable and ambient hold no more than that (read
 * back), else -errno: the caller must not run on with more than it asked for.
 * out is filled either way.
 */
int caps_limit(uint64_t keep, struct caps_outcome *out);
/* "CAP_BPF, CAP_SYS_PTRACE" ("none" for 0; "cap_40" past the names known). */
size_t caps_describe(uint64_t set, char *buf, size_t len);
/* Effective set of this process (from capget). 0 or -errno. */
int caps_effective(uint64_t *out);
/* Highest capability this kernel knows (/proc/sys/kernel/cap_last_cap), or -1. */
int caps_last(void);

#endif
