/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one event loop: epoll over the ring buffer, timerfds and a signalfd.
 * Signals are only ever seen here (blocked everywhere, read from the
 * signalfd), so handlers never run in signal context.
 */
#ifndef DA_LOOP_H
#define DA_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "dmabuf_audit.h"

struct session;

typedef void (*tick_fn)(void *ctx);

/*
 * What the caller adds to the loop. Ring-buffer events go to the session
 * (session_event), and every second, after a drain, the grown counts too
 * (session_poll): the session's callback sees both.
 */
struct loop_hooks {
	tick_fn interval; /* every `interval` seconds (from the tick), after a drain (NULL: none) */
	tick_fn watchdog; /* every watchdog_usec / 2 (NULL: none) */
	/* SIGHUP (NULL: SIGHUP is not handled here); returns the interval to use */
	unsigned int (*reload)(void *ctx);
	void *ctx;
	unsigned int duration; /* seconds; 0: until SIGINT/SIGTERM */
	unsigned int interval_s;
	uint64_t watchdog_usec;
	/* run: the loop ends when this process exits; SIGINT/SIGTERM go to it (0: none) */
	pid_t child;
};

/* Blocks SIGINT/SIGTERM (and SIGHUP if hup) so that only the loop's
 * signalfd sees them. Call before attaching: a signal sent right after
 * "ready" must not be lost. */
int loop_block_signals(bool hup);

/* Runs until SIGINT/SIGTERM, duration or the child's exit. Returns 0 or -errno; *elapsed
 * gets seconds run. Events submitted before the stop are delivered. */
int loop_run(struct session *s, const struct loop_hooks *h, double *elapsed);

#endif
