// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* log.c: stderr lines, plain or with a "<N>" priority under journald. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "log.h"
#include "unit.h"

/* stderr into dir/stderr while a test runs. */
struct capture {
	char dir[64], path[96];
	int fd, saved;
	char *old_js; /* JOURNAL_STREAM before the test */
};

static bool capture_begin(struct capture *c)
{
	const char *js = getenv("JOURNAL_STREAM");

	c->fd = c->saved = -1;
	c->old_js = js ? strdup(js) : NULL;
	unsetenv("JOURNAL_STREAM");
	strcpy(c->dir, "/tmp/da-unit-XXXXXX");
	if (!ASSERT_OK_PTR(mkdtemp(c->dir), "mkdtemp")) {
		c->dir[0] = '\0';
		return false;
	}
	snprintf(c->path, sizeof(c->path), "%s/stderr", c->dir);
	c->fd = open(c->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (!ASSERT_TRUE(c->fd >= 0, "create the stderr file"))
		return false;
	fflush(stderr);
	c->saved = dup(2);
	if (!ASSERT_TRUE(c->saved >= 0, "dup stderr"))
		return false;
	return ASSERT_EQ_INT(dup2(c->fd, 2), 2, "stderr to the file");
}

/* "DEV:INO" of the capture file, as systemd sets JOURNAL_STREAM. */
static void capture_stream_id(const struct capture *c, char *buf, size_t len, int ino_delta)
{
	struct stat st;

	if (!ASSERT_EQ_INT(fstat(c->fd, &st), 0, "fstat"))
		return;
	snprintf(buf, len, "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + ino_delta);
}

/* Everything written to stderr since capture_begin() (and empties it). */
static char *capture_take(struct capture *c)
{
	off_t end;
	char *buf;

	fflush(stderr);
	end = lseek(c->fd, 0, SEEK_END);
	buf = calloc(1, end + 1);
	if (buf && pread(c->fd, buf, end, 0) != end)
		buf[0] = '\0';
	/* fd 2 shares this file offset: back to 0 with the size */
	if (ftruncate(c->fd, 0) || lseek(c->fd, 0, SEEK_SET))
		ASSERT_TRUE(false, "empty the stderr file");
	return buf;
}

static void capture_end(struct capture *c)
{
	fflush(stderr);
	if (c->saved >= 0) {
		dup2(c->saved, 2);
		close(c->saved);
	}
	if (c->fd >= 0)
		close(c->fd);
	if (c->old_js)
		setenv("JOURNAL_STREAM", c->old_js, 1);
	else
		unsetenv("JOURNAL_STREAM");
	free(c->old_js);
	log_init(); /* back to what the runner's stderr is */
	if (c->dir[0]) {
		unlink(c->path);
		ASSERT_EQ_INT(rmdir(c->dir), 0, "rmdir tmpdir");
	}
}

#define ASSERT_CAPTURED(c, want, what)                                                             \
	do {                                                                                       \
		char *got_ = capture_take(c);                                                      \
		ASSERT_STREQ(got_, want, what);                                                    \
		free(got_);                                                                        \
	} while (0)

static void test_log_plain(void)
{
	struct capture c;

	if (capture_begin(&c)) {
		log_init();
		ASSERT_FALSE(log_to_journal(), "no JOURNAL_STREAM: plain");
		log_msg(LOG_ERR, "cannot attach %s: %d", "fentry", -22);
		ASSERT_CAPTURED(&c, "dmabuf-audit: cannot attach fentry: -22\n", "LOG_ERR");
		log_msg(LOG_WARNING, "msg");
		ASSERT_CAPTURED(&c, "dmabuf-audit: warning: msg\n", "LOG_WARNING");
		log_msg(LOG_INFO, "started");
		log_msg(LOG_NOTICE, "reloaded");
		log_msg(LOG_DEBUG, "d");
		ASSERT_CAPTURED(&c,
				"dmabuf-audit: started\ndmabuf-audit: reloaded\ndmabuf-audit: d\n",
				"other priorities: no prefix");
	}
	capture_end(&c);
}

static void test_log_journal(void)
{
	struct capture c;
	char id[64] = "";

	if (capture_begin(&c)) {
		capture_stream_id(&c, id, sizeof(id), 0);
		setenv("JOURNAL_STREAM", id, 1);
		log_init();
		ASSERT_TRUE(log_to_journal(), "JOURNAL_STREAM is stderr");
		log_msg(LOG_ERR, "msg");
		ASSERT_CAPTURED(&c, "<3>msg\n", "LOG_ERR under journald");
		log_msg(LOG_WARNING, "w %d", 1);
		log_msg(LOG_NOTICE, "n");
		log_msg(LOG_INFO, "i");
		log_msg(LOG_DEBUG, "d");
		ASSERT_CAPTURED(&c, "<4>w 1\n<5>n\n<6>i\n<7>d\n", "priorities under journald");
	}
	capture_end(&c);
}

static void test_log_journal_mismatch(void)
{
	struct capture c;
	char id[64] = "", other[80];

	if (capture_begin(&c)) {
		capture_stream_id(&c, id, sizeof(id), 1);
		setenv("JOURNAL_STREAM", id, 1);
		log_init();
		ASSERT_FALSE(log_to_journal(), "another inode");
		log_msg(LOG_ERR, "msg");
		ASSERT_CAPTURED(&c, "dmabuf-audit: msg\n", "plain with another inode");

		capture_stream_id(&c, id, sizeof(id), 0);
		snprintf(other, sizeof(other), "1%s", id); /* another device */
		setenv("JOURNAL_STREAM", other, 1);
		log_init();
		ASSERT_FALSE(log_to_journal(), "another device");
		log_msg(LOG_WARNING, "msg");
		ASSERT_CAPTURED(&c, "dmabuf-audit: warning: msg\n", "plain with another device");

		setenv("JOURNAL_STREAM", "garbage", 1);
		log_init();
		ASSERT_FALSE(log_to_journal(), "not DEV:INO");
		setenv("JOURNAL_STREAM", "", 1);
		log_init();
		ASSERT_FALSE(log_to_journal(), "empty");
		log_msg(LOG_ERR, "msg");
		ASSERT_CAPTURED(&c, "dmabuf-audit: msg\n", "plain with a bad JOURNAL_STREAM");

		/* log_init() again after JOURNAL_STREAM is gone: plain again */
		setenv("JOURNAL_STREAM", id, 1);
		log_init();
		ASSERT_TRUE(log_to_journal(), "journal");
		unsetenv("JOURNAL_STREAM");
		log_init();
		ASSERT_FALSE(log_to_journal(), "re-init without JOURNAL_STREAM");
	}
	capture_end(&c);
}

static void test_log_long_message(void)
{
	struct capture c;
	char *big = malloc(2001), *want = malloc(1100);

	if (!ASSERT_OK_PTR(big, "malloc") || !ASSERT_OK_PTR(want, "malloc")) {
		free(big);
		free(want);
		return;
	}
	if (capture_begin(&c)) {
		memset(big, 'x', 2000);
		big[2000] = '\0';
		log_init();
		log_msg(LOG_ERR, "%s", big);
		/* cut at 1023 bytes, still one line */
		snprintf(want, 1100, "dmabuf-audit: %.1023s\n", big);
		ASSERT_CAPTURED(&c, want, "long message cut, newline kept");
	}
	capture_end(&c);
	free(big);
	free(want);
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_log_plain),
	UNIT_TEST(test_log_journal),
	UNIT_TEST(test_log_journal_mismatch),
	UNIT_TEST(test_log_long_message),
};
UNIT_SUITE(log, tests);
