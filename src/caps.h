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

/*
 * Keeps only the capabilities in keep (bit per CAP_*) in the effective,
 * permitted and bounding sets, clears inheritable and ambient ones, and
 * sets no_new_privs. 0 or -errno.
 */
int caps_limit(uint64_t keep);
/* Effective set of this process (from capget). 0 or -errno. */
int caps_effective(uint64_t *out);
/* Highest capability this kernel knows (/proc/sys/kernel/cap_last_cap), or -1. */
int caps_last(void);

#endif
