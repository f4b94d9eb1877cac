// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "notify.h"

static struct sockaddr_un addr;
static socklen_t addr_len;

static uint64_t watchdog_usec(void)
{
	const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	char *end;
	unsigned long long v;

	/* WATCHDOG_PID names the process the manager watches: maybe not us. */
	if (!us || (pid && strtoull(pid, NULL, 10) != (unsigned long long)getpid()))
		return 0;
	errno = 0;
	v = strtoull(us, &end, 10);
	return errno || *end ? 0 : v;
}

int notify_open(struct notifier *n)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	n->fd = -1;
	n->watchdog_usec = 0;
	if (!path || !*path)
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(addr.sun_path))
		return -EAFNOSUPPORT; /* e.g. vsock: (VMs), not for boards */
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, len);
	if (path[0] == '@')
		addr.sun_path[0] = '\0';
	addr_len = offsetof(struct sockaddr_un, sun_path) + len;
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0)
		return -errno;
	n->watchdog_usec = watchdog_usec();
	return 0;
}

void notify_close(struct notifier *n)
{
	if (n && n->fd >= 0) {
		close(n->fd);
		n->fd = -1;
	}
}

int notify_send(const struct notifier *n, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int len;

	if (n->fd < 0)
		return 0;
	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (len < 0)
		return -EINVAL;
	if ((size_t)len >= sizeof(msg))
		len = sizeof(msg) - 1;
	if (sendto(n->fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len) < 0)
		return -errno;
	return 0;
}
