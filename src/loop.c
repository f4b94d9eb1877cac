// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
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

int loop_run(struct auditor *a, unsigned int duration, event_fn fn, void *ctx, double *elapsed)
{
	struct sample_ctx sc = { fn, ctx };
	struct ring_buffer *rb = NULL;
	sigset_t set = stop_signals();
	int epfd = -1, sigfd = -1, tfd = -1, rbfd, ret;
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
	if (!ret && duration) {
		struct itimerspec its = { .it_value.tv_sec = duration };

		tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL))
			ret = -errno;
		else
			ret = add_fd(epfd, tfd);
	}
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
			} else {
				/* signal or timer: either ends the run */
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
	if (sigfd >= 0)
		close(sigfd);
	if (epfd >= 0)
		close(epfd);
	ring_buffer__free(rb);
	return ret;
}
