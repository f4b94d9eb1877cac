/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What watch, report and the daemon do alike once the auditor is open. */
#ifndef DA_SESSION_H
#define DA_SESSION_H

#include <stddef.h>

struct auditor;
struct da_event;
struct ksyms;

/* Kernel symbols for stacks and mmap ops; a warning if unreadable. */
void session_load_ksyms(struct ksyms *ks);
/*
 * A new event's stack as it will be printed: frames of BPF programs and trampolines
 * left out (the auditor's own, or another tool's), kallsyms read again (at most every
 * 2 s) when a frame is unknown: a trampoline made after the auditor started (another
 * BPF tool attaching to the same function gets a new image) is named only there.
 */
void session_clean_stack(struct ksyms *ks, struct da_event *ev);
/* Says what cannot run here (stderr): 0, or -ENODEV when nothing can. */
int session_announce(const struct auditor *a);
/* "mmap=fentry gup=kprobe ... scan=iter" */
void session_attach_table(const struct auditor *a, char *buf, size_t len);

#endif
