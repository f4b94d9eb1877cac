// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include "io.h"

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n, len -= n;
	}
	return 0;
}

int append_whole(int fd, const void *buf, size_t len)
{
	struct stat st;
	off_t end = -1;
	int ret;

	/* a pipe or terminal (stdout) cannot be cut back: written as it goes */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode))
		end = st.st_size;
	ret = write_all(fd, buf, len);
	if (ret && end >= 0) {
		int cut = ftruncate(fd, end); /* the write's error is the one to report */

		(void)cut;
	}
	return ret;
}

/* fd is ours to write: a regular file with no other link (or, if allowed, /dev/null-like). */
static int check_own_file(int fd, bool chr_ok, const char **why)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (chr_ok && S_ISCHR(st.st_mode)) /* /dev/null: only root can plant a device */
		return 0;
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		return -EINVAL;
	}
	if (st.st_nlink != 1) {
		*why = "a file with other hard links";
		return -EINVAL;
	}
	return 0;
}

static int open_own_file(const char *path, int flags, bool chr_ok, mode_t mode, const char **why)
{
	int fd, ret;

	*why = NULL;
	/* O_NONBLOCK: a FIFO planted at the path must not block the open */
	flags |= O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	fd = open(path, flags | O_CREAT | O_EXCL, mode);
	if (fd >= 0) {
		ret = fchmod(fd, mode) ? -errno : 0; /* whatever the umask */
	} else if (errno == EEXIST) {
		fd = open(path, flags);
		if (fd < 0 && errno == ENXIO) { /* a FIFO without reader (O_NONBLOCK) */
			*why = "not a regular file";
			return -EINVAL;
		}
		if (fd < 0)
			return -errno;
		ret = check_own_file(fd, chr_ok, why);
	} else {
		return -errno;
	}
	if (!ret && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))
		ret = -errno;
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int open_append_file(const char *path, mode_t mode, const char **why)
{
	return open_own_file(path, O_WRONLY | O_APPEND, true, mode, why);
}

int open_rw_file(const char *path, mode_t mode, const char **why)
{
	return open_own_file(path, O_RDWR, false, mode, why);
}
