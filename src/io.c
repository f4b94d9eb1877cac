// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
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
