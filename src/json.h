/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* JSON lines output: the stable contract of `watch --json` and `report --json`. */
#ifndef DA_JSON_H
#define DA_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "dmabuf_audit.h"

/*
 * Writes s (at most maxlen bytes, stops at NUL) as a quoted JSON string.
 * Control characters, quote and backslash are escaped; valid UTF-8 passes
 * through; each byte of an invalid UTF-8 sequence becomes \u00XX so the
 * output is always valid JSON whatever a process names itself.
 */
void json_write_string(FILE *f, const char *s, size_t maxlen);

struct ksyms;

/*
 * One finding as one line: kind, pid, tid, comm, exporter, inode, size,
 * vm_start, vm_end, vm_flags, addr, count, hook (what saw it), gup_flags
 * (GUP kinds: array of FOLL_* names), pte (when read back), buf_name,
 * module, mmap_op ("function [module]"), uid, cgroup_id and stack (array of
 * "function+0xoff [module]"). ks may be NULL: addresses print as hex.
 */
void json_write_finding(FILE *f, const struct da_event *ev, uint64_t count, const struct ksyms *ks);
/* followed false: ends with "followed":false (watch: its count will not be shown again) */
void json_write_finding_ex(FILE *f, const struct da_event *ev, uint64_t count,
			   const struct ksyms *ks, bool followed);

#endif
