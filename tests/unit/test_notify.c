// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* notify.c: sd_notify datagrams to $NOTIFY_SOCKET, the watchdog variables. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "notify.h"
#include "unit.h"

static const char *const env_names[] = { "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID" };

struct env_saved {
	char *val[3];
};

/* Saves and clears the variables notify_open() reads. */
static void env_begin(struct env_saved *s)
{
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(env_names); i++) {
		const char *v = getenv(env_names[i]);

		s->val[i] = v ? strdup(v) : NULL;
		unsetenv(env_names[i]);
	}
}

static void env_end(struct env_saved *s)
{
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(env_names); i++) {
		if (s->val[i])
			setenv(env_names[i], s->val[i], 1);
		else
			unsetenv(env_names[i]);
		free(s->val[i]);
	}
}

struct listener {
	char dir[64];
	char path[128]; /* "": abstract */
	int fd;
};

/* A bound AF_UNIX datagram socket: at dir/notify, or abstract when name. */
static bool listener_open(struct listener *l, const char *abstract)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t len;

	l->fd = -1;
	l->path[0] = '\0';
	strcpy(l->dir, "/tmp/da-unit-XXXXXX");
	if (!ASSERT_OK_PTR(mkdtemp(l->dir), "mkdtemp")) {
		l->dir[0] = '\0';
		return false;
	}
	if (abstract) {
		/* '\0' + name, no terminating NUL: the length says where it ends */
		memcpy(a.sun_path + 1, abstract, strlen(abstract));
		len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(abstract);
	} else {
		snprintf(l->path, sizeof(l->path), "%s/notify", l->dir);
		strcpy(a.sun_path, l->path);
		len = sizeof(a);
	}
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!ASSERT_TRUE(l->fd >= 0, "socket"))
		return false;
	return ASSERT_EQ_INT(bind(l->fd, (struct sockaddr *)&a, len), 0, "bind");
}

static void listener_close(struct listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	if (l->path[0])
		unlink(l->path);
	if (l->dir[0])
		ASSERT_EQ_INT(rmdir(l->dir), 0, "rmdir tmpdir");
}

/* The next datagram, NUL-terminated; its length, -errno when none. */
static ssize_t receive(const struct listener *l, char *buf, size_t len)
{
	ssize_t n = recv(l->fd, buf, len - 1, MSG_DONTWAIT);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

static void test_notify_unset(void)
{
	struct env_saved env;
	struct notifier n = { .fd = 123, .watchdog_usec = 7 };

	env_begin(&env);
	setenv("WATCHDOG_USEC", "500000", 1); /* no manager: ignored */
	ASSERT_EQ_INT(notify_open(&n), 0, "open without NOTIFY_SOCKET");
	ASSERT_EQ_INT(n.fd, -1, "fd -1");
	ASSERT_EQ_U64(n.watchdog_usec, 0, "no watchdog without a manager");
	ASSERT_EQ_INT(notify_send(&n, "READY=1"), 0, "send is a no-op");
	notify_close(&n);
	ASSERT_EQ_INT(n.fd, -1, "close of a closed notifier");
	notify_close(NULL);

	setenv("NOTIFY_SOCKET", "", 1);
	n.fd = 123;
	ASSERT_EQ_INT(notify_open(&n), 0, "open with an empty NOTIFY_SOCKET");
	ASSERT_EQ_INT(n.fd, -1, "empty: fd -1");
	ASSERT_EQ_INT(notify_send(&n, "STATUS=%s", "x"), 0, "empty: send is a no-op");
	env_end(&env);
}

static void test_notify_path_socket(void)
{
	struct env_saved env;
	struct listener l = { .fd = -1 };
	struct notifier n;
	char buf[4096];
	int flags;

	env_begin(&env);
	if (!listener_open(&l, NULL))
		goto out;
	setenv("NOTIFY_SOCKET", l.path, 1);
	ASSERT_EQ_INT(notify_open(&n), 0, "open");
	if (!ASSERT_TRUE(n.fd >= 0, "socket open"))
		goto out;
	flags = fcntl(n.fd, F_GETFD);
	ASSERT_TRUE(flags >= 0 && (flags & FD_CLOEXEC), "close-on-exec");
	ASSERT_EQ_U64(n.watchdog_usec, 0, "no watchdog asked for");

	ASSERT_EQ_INT(notify_send(&n, "READY=1\nSTATUS=%s", "x"), 0, "send READY");
	ASSERT_EQ_INT(receive(&l, buf, sizeof(buf)), 16, "datagram length");
	ASSERT_STREQ(buf, "READY=1\nSTATUS=x", "datagram");
	ASSERT_EQ_INT(notify_send(&n, "WATCHDOG=1"), 0, "send WATCHDOG");
	ASSERT_EQ_INT(receive(&l, buf, sizeof(buf)), 10, "second datagram length");
	ASSERT_STREQ(buf, "WATCHDOG=1", "second datagram");
	ASSERT_EQ_INT(receive(&l, buf, sizeof(buf)), -EAGAIN, "nothing more");

	notify_close(&n);
	ASSERT_EQ_INT(n.fd, -1, "closed");
	notify_close(&n);
	ASSERT_EQ_INT(n.fd, -1, "close is idempotent");
out:
	listener_close(&l);
	env_end(&env);
}

static void test_notify_abstract_socket(void)
{
	struct env_saved env;
	struct listener l = { .fd = -1 };
	struct notifier n = { .fd = -1 };
	char name[64], var[80], buf[256];

	env_begin(&env);
	snprintf(name, sizeof(name), "da-unit-notify-%d", (int)getpid());
	if (!listener_open(&l, name))
		goto out;
	snprintf(var, sizeof(var), "@%s", name);
	setenv("NOTIFY_SOCKET", var, 1);
	ASSERT_EQ_INT(notify_open(&n), 0, "open abstract");
	if (!ASSERT_TRUE(n.fd >= 0, "socket open"))
		goto out;
	ASSERT_EQ_INT(notify_send(&n, "STOPPING=1"), 0, "send to abstract");
	ASSERT_EQ_INT(receive(&l, buf, sizeof(buf)), 10, "datagram length");
	ASSERT_STREQ(buf, "STOPPING=1", "datagram");
out:
	notify_close(&n);
	listener_close(&l);
	env_end(&env);
}

static void test_notify_long_message(void)
{
	struct env_saved env;
	struct listener l = { .fd = -1 };
	struct notifier n = { .fd = -1 };
	char *big = malloc(3001), buf[4096];

	env_begin(&env);
	if (!ASSERT_OK_PTR(big, "malloc") || !listener_open(&l, NULL))
		goto out;
	memset(big, 's', 3000);
	big[3000] = '\0';
	setenv("NOTIFY_SOCKET", l.path, 1);
	if (!ASSERT_EQ_INT(notify_open(&n), 0, "open"))
		goto out;
	ASSERT_EQ_INT(notify_send(&n, "STATUS=%s", big), 0, "send 3007 bytes");
	ASSERT_EQ_INT(receive(&l, buf, sizeof(buf)), 2047, "cut at 2047 bytes");
	ASSERT_TRUE(!strncmp(buf, "STATUS=sss", 10) && buf[2046] == 's', "cut message");
out:
	notify_close(&n);
	listener_close(&l);
	free(big);
	env_end(&env);
}

static void test_notify_no_listener(void)
{
	struct env_saved env;
	struct listener l = { .fd = -1 };
	struct notifier n = { .fd = -1 };
	char path[128];

	env_begin(&env);
	if (!listener_open(&l, NULL))
		goto out;
	/* nothing bound at this path */
	snprintf(path, sizeof(path), "%s/absent", l.dir);
	setenv("NOTIFY_SOCKET", path, 1);
	ASSERT_EQ_INT(notify_open(&n), 0, "open does not connect");
	ASSERT_EQ_INT(notify_send(&n, "READY=1"), -ENOENT, "send to no socket file");
	notify_close(&n);
	/* a socket file nobody listens on any more */
	close(l.fd);
	l.fd = -1;
	setenv("NOTIFY_SOCKET", l.path, 1);
	ASSERT_EQ_INT(notify_open(&n), 0, "open");
	ASSERT_EQ_INT(notify_send(&n, "READY=1"), -ECONNREFUSED, "send to a closed socket");
out:
	notify_close(&n);
	listener_close(&l);
	env_end(&env);
}

static void test_notify_watchdog(void)
{
	struct env_saved env;
	struct notifier n = { .fd = -1 };
	char pid[32];

	env_begin(&env);
	/* notify_open() does not connect: the socket need not exist */
	setenv("NOTIFY_SOCKET", "/run/systemd/notify-da-unit-absent", 1);

	setenv("WATCHDOG_USEC", "500000", 1);
	ASSERT_EQ_INT(notify_open(&n), 0, "open");
	ASSERT_EQ_U64(n.watchdog_usec, 500000, "WATCHDOG_USEC without WATCHDOG_PID");
	notify_close(&n);

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	ASSERT_EQ_INT(notify_open(&n), 0, "open");
	ASSERT_EQ_U64(n.watchdog_usec, 500000, "WATCHDOG_PID is us");
	notify_close(&n);

	snprintf(pid, sizeof(pid), "%d", (int)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	ASSERT_EQ_INT(notify_open(&n), 0, "open");
	ASSERT_EQ_U64(n.watchdog_usec, 0, "WATCHDOG_PID of another process");
	ASSERT_TRUE(n.fd >= 0, "notifier still on");
	notify_close(&n);

	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "500000x", 1);
	ASSERT_EQ_INT(notify_open(&n), 0, "open");
	ASSERT_EQ_U64(n.watchdog_usec, 0, "trailing junk");
	notify_close(&n);
	setenv("WATCHDOG_USEC", "abc", 1);
	ASSERT_EQ_INT(notify_open(&n), 0, "open");
	ASSERT_EQ_U64(n.watchdog_usec, 0, "not a number");
	notify_close(&n);
	setenv("WATCHDOG_USEC", "99999999999999999999999", 1);
	ASSERT_EQ_INT(notify_open(&n), 0, "open");
	ASSERT_EQ_U64(n.watchdog_usec, 0, "out of range");
	notify_close(&n);
	env_end(&env);
}

static void test_notify_bad_socket_name(void)
{
	static const char *const names[] = { "foo", "vsock:2:1234", "run/notify" };
	struct env_saved env;
	struct notifier n;
	char long_path[120];

	env_begin(&env);
	setenv("WATCHDOG_USEC", "500000", 1);
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(names); i++) {
		n.fd = 123;
		setenv("NOTIFY_SOCKET", names[i], 1);
		ASSERT_EQ_INT(notify_open(&n), -EAFNOSUPPORT, names[i]);
		ASSERT_EQ_INT(n.fd, -1, "notifier off");
		ASSERT_EQ_U64(n.watchdog_usec, 0, "no watchdog when off");
		ASSERT_EQ_INT(notify_send(&n, "READY=1"), 0, "send is a no-op");
	}
	/* 107 bytes + NUL fit sun_path; 108 do not */
	memset(long_path, 'p', sizeof(long_path));
	long_path[0] = '/';
	long_path[107] = '\0';
	setenv("NOTIFY_SOCKET", long_path, 1);
	ASSERT_EQ_INT(notify_open(&n), 0, "107-byte path");
	notify_close(&n);
	long_path[107] = 'p';
	long_path[108] = '\0';
	setenv("NOTIFY_SOCKET", long_path, 1);
	ASSERT_EQ_INT(notify_open(&n), -EAFNOSUPPORT, "108-byte path");
	ASSERT_EQ_INT(n.fd, -1, "notifier off");
	env_end(&env);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_notify_unset),		UNIT_TEST(test_notify_path_socket),
	UNIT_TEST(test_notify_abstract_socket), UNIT_TEST(test_notify_long_message),
	UNIT_TEST(test_notify_no_listener),	UNIT_TEST(test_notify_watchdog),
	UNIT_TEST(test_notify_bad_socket_name),
};
UNIT_SUITE(notify, tests);
