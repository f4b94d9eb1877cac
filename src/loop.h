/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one event loop: epoll over the ring buffer, a timerfd and a signalfd. */
#ifndef DA_LOOP_H
#define DA_LOOP_H

#include "dmabuf_audit.h"

struct auditor;

typedef void (*event_fn)(void *ctx, const struct da_event *ev);
typedef void (*tick_fn)(void *ctx);

/* Blocks SIGINT/SIGTERM so that only the loop's signalfd sees them. Call
 * before attaching: a signal sent right after "ready" must not be lost. */
int loop_block_signals(void);

/* Runs until SIGINT/SIGTERM or duration seconds (0: no limit), draining the
 * ring buffer into fn and calling tick (if not NULL) every second after a
 * drain. Returns 0 or -errno; *elapsed gets seconds run. */
int loop_run(struct auditor *a, unsigned int duration, event_fn fn, tick_fn tick, void *ctx,
	     double *elapsed);

#endif
