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
#include <sys/timerfd.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "loop.h"

struct sample_ctx {
	event_fn fn;
	void *ctx;
};

#define TICK_SECONDS 1

static int on_sample(void *ctx, void *data, size_t size)
{
	struct sample_ctx *s = ctx;

	if (size < sizeof(struct da_event))
		return 0; /* not ours: never happens, never trust it either */
	s->fn(s->ctx, data);
	return 0;
}

static sigset_t stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	return set;
}

int loop_block_signals(void)
{
	sigset_t set = stop_signals();

	return sigprocmask(SIG_BLOCK, &set, NULL) ? -errno : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int add_fd(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int timer_add(int epfd, int *tfd, unsigned int secs, bool periodic)
{
	struct itimerspec its = { .it_value.tv_sec = secs };

	if (periodic)
		its.it_interval.tv_sec = secs;
	*tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (*tfd < 0 || timerfd_settime(*tfd, 0, &its, NULL))
		return -errno;
	return add_fd(epfd, *tfd);
}

int loop_run(struct auditor *a, unsigned int duration, event_fn fn, tick_fn tick, void *ctx,
	     double *elapsed)
{
	struct sample_ctx sc = { fn, ctx };
	struct ring_buffer *rb = NULL;
	sigset_t set = stop_signals();
	int epfd = -1, sigfd = -1, tfd = -1, tickfd = -1, rbfd, ret;
	double start = now();
	bool stop = false;

	rb = ring_buffer__new(auditor_ring_fd(a), on_sample, &sc, NULL);
	if (!rb)
		return -errno;
	rbfd = ring_buffer__epoll_fd(rb);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (epfd < 0 || sigfd < 0) {
		ret = -errno;
		goto cleanup;
	}
	ret = add_fd(epfd, rbfd);
	if (!ret)
		ret = add_fd(epfd, sigfd);
	if (!ret && duration)
		ret = timer_add(epfd, &tfd, duration, false);
	if (!ret && tick)
		ret = timer_add(epfd, &tickfd, TICK_SECONDS, true);
	if (ret)
		goto cleanup;

	while (!stop) {
		struct epoll_event evs[4];
		int n = epoll_wait(epfd, evs, 4, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto cleanup;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == rbfd) {
				ret = ring_buffer__consume(rb);
				if (ret < 0)
					goto cleanup;
			} else if (fd == tickfd) {
				uint64_t n;

				/* Drain the expirations first: the ring may hold the first events. */
				if (read(tickfd, &n, sizeof(n)) > 0 && ring_buffer__consume(rb) >= 0)
					tick(ctx);
			} else {
				/* signal or duration timer: either ends the run */
				stop = true;
			}
		}
	}
	/* Events submitted before the stop are still owed to the caller. */
	ret = ring_buffer__consume(rb);
	ret = ret < 0 ? ret : 0;
cleanup:
	*elapsed = now() - start;
	if (tfd >= 0)
		close(tfd);
	if (tickfd >= 0)
		close(tickfd);
	if (sigfd >= 0)
		close(sigfd);
	if (epfd >= 0)
		close(epfd);
	ring_buffer__free(rb);
	return ret;
}
