// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "loop.h"
#include "session.h"

#define TICK_SECONDS 1

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same on every architecture (5.3) */
#endif

enum { FD_RING, FD_SIGNAL, FD_DURATION, FD_TICK, FD_WATCHDOG, FD_CHILD, FD_MAX };

/*
 * The interval has no timer of its own: the one-second tick runs it when it is
 * due, so an idle auditor wakes once a second, not more.
 */
struct loop {
	const struct loop_hooks *h;
	struct session *s;
	struct ring_buffer *rb;
	int epfd;
	int fd[FD_MAX];
	unsigned int interval_s; /* 0: no interval */
	double next_interval;	 /* monotonic seconds */
};

static int on_sample(void *ctx, void *data, size_t size)
{
	if (size < sizeof(struct da_event))
		return 0; /* not ours: never happens, never trust it either */
	session_event(ctx, data);
	return 0;
}

static sigset_t loop_signals(bool hup)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (hup)
		sigaddset(&set, SIGHUP);
	return set;
}

int loop_block_signals(bool hup)
{
	sigset_t set = loop_signals(hup);

	return sigprocmask(SIG_BLOCK, &set, NULL) ? -errno : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int add_fd(struct loop *l, int which)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = which };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->fd[which], &ev) ? -errno : 0;
}

/* (Re)arms timer which: every usec microseconds, or once if !periodic. */
static int timer_set(struct loop *l, int which, uint64_t usec, bool periodic)
{
	struct itimerspec its = { 0 };
	bool fresh = l->fd[which] < 0;

	its.it_value.tv_sec = usec / 1000000;
	its.it_value.tv_nsec = usec % 1000000 * 1000;
	if (periodic)
		its.it_interval = its.it_value;
	if (fresh)
		l->fd[which] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->fd[which] < 0 || timerfd_settime(l->fd[which], 0, &its, NULL))
		return -errno;
	return fresh ? add_fd(l, which) : 0;
}

static bool expired(int fd)
{
	uint64_t n;

	return read(fd, &n, sizeof(n)) > 0;
}

static int setup(struct loop *l)
{
	const struct loop_hooks *h = l->h;
	sigset_t set = loop_signals(h->reload != NULL);
	int ret;

	l->rb = ring_buffer__new(auditor_ring_fd(l->s->a), on_sample, l->s, NULL);
	if (!l->rb)
		return -errno;
	l->fd[FD_RING] = ring_buffer__epoll_fd(l->rb);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->fd[FD_SIGNAL] = signalfd(-1, &set, SFD_CLOEXEC);
	if (l->epfd < 0 || l->fd[FD_SIGNAL] < 0)
		return -errno;
	ret = add_fd(l, FD_RING);
	if (!ret)
		ret = add_fd(l, FD_SIGNAL);
	if (!ret && h->duration)
		ret = timer_set(l, FD_DURATION, h->duration * 1000000ULL, false);
	if (!ret)
		ret = timer_set(l, FD_TICK, TICK_SECONDS * 1000000ULL, true);
	l->interval_s = h->interval ? h->interval_s : 0;
	l->next_interval = now() + l->interval_s;
	if (!ret && h->watchdog && h->watchdog_usec)
		ret = timer_set(l, FD_WATCHDOG, h->watchdog_usec / 2 ?: 1, true);
	if (!ret && h->child > 0) {
		/* readable once the child has exited, even before the loop started */
		l->fd[FD_CHILD] = (int)syscall(SYS_pidfd_open, h->child, 0);
		ret = l->fd[FD_CHILD] < 0 ? -errno : add_fd(l, FD_CHILD);
	}
	return ret;
}

/*
 * One signal from the signalfd: SIGINT/SIGTERM set *stop (with a child:
 * are sent on to it); SIGHUP calls
 * reload() and restarts the interval at the one it returns (0:
 * unchanged). Returns 0, or -errno when re-arming the timer fails.
 */
static int on_signal(struct loop *l, bool *stop)
{
	const struct loop_hooks *h = l->h;
	struct signalfd_siginfo si;
	unsigned int iv;

	if (read(l->fd[FD_SIGNAL], &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo != SIGHUP && h->child > 0) {
		/* run: the command decides; the loop ends when it exits */
		kill(h->child, (int)si.ssi_signo);
		return 0;
	}
	if (si.ssi_signo != SIGHUP) {
		*stop = true;
		return 0;
	}
	iv = h->reload(h->ctx);
	if (iv && l->interval_s) {
		l->interval_s = iv;
		l->next_interval = now() + iv;
	}
	return 0;
}

/* The tick: counts that grew, and the interval's work when it is due. */
static void on_tick(struct loop *l)
{
	double t = now();

	session_watch_modules(l->s);
	/* half a tick early is due: the tick and the deadline start together */
	if (!l->interval_s || t + 0.5 < l->next_interval) {
		session_poll(l->s);
		return;
	}
	/* due again interval_s after this run, not after a missed deadline */
	l->next_interval = t + l->interval_s;
	l->h->interval(l->h->ctx);
}

static int dispatch(struct loop *l, int which, bool *stop)
{
	const struct loop_hooks *h = l->h;
	int ret;

	switch (which) {
	case FD_RING:
		ret = ring_buffer__consume(l->rb);
		return ret < 0 ? ret : 0;
	case FD_SIGNAL:
		return on_signal(l, stop);
	case FD_DURATION:
	case FD_CHILD:
		*stop = true;
		return 0;
	case FD_WATCHDOG:
		if (expired(l->fd[which]))
			h->watchdog(h->ctx);
		return 0;
	default:
		/* Drain first: the ring may hold the events the callback reports on. */
		if (!expired(l->fd[which]))
			return 0;
		ret = ring_buffer__consume(l->rb);
		if (ret < 0)
			return ret;
		on_tick(l);
		return 0;
	}
}

int loop_run(struct session *s, const struct loop_hooks *h, double *elapsed)
{
	struct loop l = { .h = h, .s = s, .epfd = -1 };
	double start = now();
	bool stop = false;
	int ret;

	for (int i = 0; i < FD_MAX; i++)
		l.fd[i] = -1;
	ret = setup(&l);
	while (!ret && !stop) {
		struct epoll_event evs[FD_MAX];
		int n = epoll_wait(l.epfd, evs, FD_MAX, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = -errno;
		for (int i = 0; i < n && !ret; i++)
			ret = dispatch(&l, evs[i].data.u32, &stop);
	}
	/* Events submitted before the stop are still owed to the caller. */
	if (l.rb) {
		int r = ring_buffer__consume(l.rb);

		if (!ret && r < 0)
			ret = r;
	}
	*elapsed = now() - start;
	for (int i = FD_SIGNAL; i < FD_MAX; i++) /* FD_RING belongs to rb */
		if (l.fd[i] >= 0)
			close(l.fd[i]);
	if (l.epfd >= 0)
		close(l.epfd);
	ring_buffer__free(l.rb);
	return ret;
}
