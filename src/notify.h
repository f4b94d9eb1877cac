/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The systemd notify protocol (sd_notify(3)), done directly: datagrams of
 * "KEY=VALUE\n" lines to the AF_UNIX socket named by $NOTIFY_SOCKET ('@':
 * abstract namespace). Without $NOTIFY_SOCKET everything here is a no-op,
 * so BusyBox-init and sysvinit boards need nothing.
 */
#ifndef DA_NOTIFY_H
#define DA_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct notifier {
	int fd;			/* -1: not under a notify-aware manager */
	uint64_t watchdog_usec; /* 0: no watchdog asked for */
};

/* Reads $NOTIFY_SOCKET and $WATCHDOG_USEC/$WATCHDOG_PID. 0 or -errno (bad
 * socket name; the notifier is then off). */
int notify_open(struct notifier *n);
void notify_close(struct notifier *n); /* NULL-safe, idempotent */
/* Sends one datagram, e.g. "READY=1\nSTATUS=...". 0, or -errno. */
int notify_send(const struct notifier *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
