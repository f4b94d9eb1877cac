/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One auditing run: the auditor, the kernel's symbols and the findings, owned
 * together. watch, report (observe.c) and the daemon each give it one callback,
 * called whenever a finding appears or its count grows; the event loop feeds it.
 */
#ifndef DA_SESSION_H
#define DA_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cli.h"
#include "finding.h"
#include "ksyms.h"

struct auditor;

/*
 * A finding appeared or its count grew (f->count; what was shown or accounted
 * before is the callback's business). f NULL: ev was counted by BPF but the finding
 * table is full, so it is not itemised.
 */
typedef void (*finding_fn)(void *ctx, struct finding *f, const struct da_event *ev);

struct session {
	struct auditor *a;
	struct ksyms ks; /* stacks, mmap ops, kprobe targets: read when first needed */
	struct finding_set set;
	finding_fn changed;
	void *ctx;
	uint64_t polled;		 /* BPF counters' sum at the last session_poll */
	bool poll_again;		 /* the last poll saw a change: read once more */
	char unnamed[DA_MODULE_LEN + 1]; /* the last module said to be unnamed */
};

/*
 * Opens the kernel's symbols (read at the first finding, or by the kprobe ladder; a
 * warning if they cannot be), the auditor (see auditor_open) and an empty finding set
 * of at most max_findings. 0 or -errno with a one-line reason in err; session_close()
 * either way.
 */
int session_open(struct session *s, const struct da_opts *o, size_t max_findings,
		 finding_fn changed, void *ctx, char *err, size_t errlen);
void session_close(struct session *s); /* NULL-safe, idempotent */

/* A ring-buffer event: its stack cleaned of BPF frames, then added. */
void session_event(struct session *s, const struct da_event *ev);
/* A record of the scan, or an event as it is: aggregated, then the callback. */
void session_add(struct session *s, const struct da_event *ev);
/* Grown counts of repeats from the BPF dedup map; each grown finding to the callback. */
void session_tick(struct session *s);
/*
 * session_tick() when the BPF counters (mapped memory, no syscall) moved since the
 * last poll, and once more after: the loop's tick, nearly free while nothing happens.
 */
void session_poll(struct session *s);
/*
 * The loop's tick: /proc/modules read again (one line per module) and, when a module
 * came, its symbols read while it is loaded, so that findings of a driver loaded and
 * unloaded between two events (or before the report could read them) keep its names.
 */
void session_watch_modules(struct session *s);

/* Says what cannot run here (stderr): 0, or -ENODEV when nothing can. */
int session_announce(const struct session *s);
/* "mmap=fentry gup=kprobe ... scan=iter" */
void session_attach_table(const struct session *s, char *buf, size_t len);

#endif
