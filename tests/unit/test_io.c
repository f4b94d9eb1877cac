// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* io.c: append_whole() leaves no partial record behind (the daemon's JSON log). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "io.h"
#include "unit.h"

static void assert_contents(int fd, const char *want, const char *what)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (!ASSERT_TRUE(n >= 0, what))
		return;
	buf[n] = '\0';
	ASSERT_STREQ(buf, want, what);
}

/*
 * A record that does not fit (RLIMIT_FSIZE, as a full disk) is cut off
 * whole; the next one after the limit is lifted starts on a line of its own.
 */
static void test_io_append_whole_cut_back(void)
{
	char path[] = "/tmp/da-unit-io-XXXXXX";
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_sa;
	struct rlimit old_lim, lim;
	int fd = mkstemp(path), ret;

	if (!ASSERT_TRUE(fd >= 0, "mkstemp"))
		return;
	close(fd);
	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (!ASSERT_TRUE(fd >= 0, "open O_APPEND") ||
	    !ASSERT_EQ_INT(getrlimit(RLIMIT_FSIZE, &old_lim), 0, "getrlimit"))
		goto out;
	ASSERT_EQ_INT(append_whole(fd, "first\n", 6), 0, "first record");
	lim = old_lim;
	lim.rlim_cur = 10; /* 4 bytes of the next record fit */
	sigaction(SIGXFSZ, &ign, &old_sa);
	ASSERT_EQ_INT(setrlimit(RLIMIT_FSIZE, &lim), 0, "setrlimit");
	ret = append_whole(fd, "{\"second\":2}\n", 13);
	setrlimit(RLIMIT_FSIZE, &old_lim);
	sigaction(SIGXFSZ, &old_sa, NULL);
	ASSERT_EQ_INT(ret, -EFBIG, "a record beyond the limit fails");
	assert_contents(fd, "first\n", "no partial record left");
	ASSERT_EQ_INT(append_whole(fd, "third\n", 6), 0, "next record");
	assert_contents(fd, "first\nthird\n", "next record on its own line");
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
}

/* Not a regular file (a pipe: the daemon's stdout): written as it goes. */
static void test_io_append_whole_pipe(void)
{
	int p[2];
	char buf[16] = { 0 };

	if (!ASSERT_EQ_INT(pipe(p), 0, "pipe"))
		return;
	ASSERT_EQ_INT(append_whole(p[1], "line\n", 5), 0, "to a pipe");
	ASSERT_EQ_INT(read(p[0], buf, sizeof(buf) - 1), 5, "read back");
	ASSERT_STREQ(buf, "line\n", "bytes");
	close(p[1]);
	close(p[0]);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_io_append_whole_cut_back),
	UNIT_TEST(test_io_append_whole_pipe),
};

UNIT_SUITE(io, tests);
