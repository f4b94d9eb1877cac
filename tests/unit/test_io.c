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

/*
 * The daemon's own files: created with the mode asked for, an existing one
 * appended to; a symlink, FIFO (SIGALRM ends the test if open blocks) or hard
 * link at the path refused, the file it points to untouched.
 */
static void test_io_open_own_files(void)
{
	char dir[] = "/tmp/da-unit-io-XXXXXX", path[128], other[128];
	const char *why = "unset";
	struct stat st;
	mode_t old;
	int fd;

	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/log", dir);
	snprintf(other, sizeof(other), "%s/other", dir);

	old = umask(077);
	fd = open_append_file(path, 0644, &why);
	umask(old);
	if (ASSERT_TRUE(fd >= 0, "create") && ASSERT_EQ_INT(fstat(fd, &st), 0, "fstat")) {
		ASSERT_EQ_U64(st.st_mode & 07777, 0644, "mode 0644 despite umask 077");
		ASSERT_EQ_INT(write(fd, "a\n", 2), 2, "write");
		ASSERT_TRUE(why == NULL, "no why when it opened");
		close(fd);
	}
	fd = open_append_file(path, 0644, &why);
	if (ASSERT_TRUE(fd >= 0, "open existing")) {
		ASSERT_EQ_INT(write(fd, "b\n", 2), 2, "append");
		close(fd);
	}
	fd = open_rw_file(path, 0644, &why);
	if (ASSERT_TRUE(fd >= 0, "open existing read-write")) {
		char buf[8] = { 0 };

		ASSERT_EQ_INT(pread(fd, buf, sizeof(buf) - 1, 0), 4, "both lines there");
		ASSERT_STREQ(buf, "a\nb\n", "appended, not truncated");
		close(fd);
	}
	unlink(path);

	fd = open_append_file("/dev/null", 0644, &why);
	ASSERT_TRUE(fd >= 0, "/dev/null taken as a JSON log");
	if (fd >= 0)
		close(fd);
	ASSERT_EQ_INT(open_rw_file("/dev/null", 0644, &why), -EINVAL, "/dev/null refused as a pid file");

	ASSERT_EQ_INT(symlink(other, path), 0, "symlink");
	fd = open_append_file(path, 0644, &why);
	ASSERT_EQ_INT(fd, -ELOOP, "symlink refused");
	ASSERT_FALSE(access(other, F_OK) == 0, "symlink target not created");
	unlink(path);

	ASSERT_EQ_INT(mkfifo(path, 0666), 0, "mkfifo");
	alarm(10);
	fd = open_append_file(path, 0644, &why);
	alarm(0);
	ASSERT_EQ_INT(fd, -EINVAL, "FIFO refused, open did not block");
	ASSERT_STREQ(why ? why : "", "not a regular file", "why: FIFO");
	fd = open_rw_file(path, 0644, &why);
	ASSERT_EQ_INT(fd, -EINVAL, "FIFO refused read-write");
	unlink(path);

	fd = open(other, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (ASSERT_TRUE(fd >= 0, "create other")) {
		ASSERT_EQ_INT(write(fd, "keep\n", 5), 5, "write other");
		close(fd);
	}
	ASSERT_EQ_INT(link(other, path), 0, "hard link");
	fd = open_rw_file(path, 0644, &why);
	ASSERT_EQ_INT(fd, -EINVAL, "hard link refused");
	ASSERT_STREQ(why ? why : "", "a file with other hard links", "why: hard link");
	if (ASSERT_EQ_INT(stat(other, &st), 0, "stat other")) {
		ASSERT_EQ_U64(st.st_size, 5, "other not truncated");
		ASSERT_EQ_U64(st.st_mode & 07777, 0600, "other not chmod'ed");
	}
	unlink(path);
	unlink(other);
	ASSERT_EQ_INT(rmdir(dir), 0, "rmdir");
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_io_open_own_files),
	UNIT_TEST(test_io_append_whole_cut_back),
	UNIT_TEST(test_io_append_whole_pipe),
};

UNIT_SUITE(io, tests);
