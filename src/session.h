/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What watch, report and the daemon do alike once the auditor is open. */
#ifndef DA_SESSION_H
#define DA_SESSION_H

#include <stddef.h>

struct auditor;
struct ksyms;

/* Kernel symbols for stacks and mmap ops; a warning if unreadable. */
void session_load_ksyms(struct ksyms *ks);
/* Says what cannot run here (stderr): 0, or -ENODEV when nothing can. */
int session_announce(const struct auditor *a);
/* "mmap=fentry gup=kprobe ... scan=iter" */
void session_attach_table(const struct auditor *a, char *buf, size_t len);

#endif
