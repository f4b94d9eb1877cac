/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Writes that leave no half of a record behind. */
#ifndef DA_IO_H
#define DA_IO_H

#include <stddef.h>
#include <sys/types.h>

/* All len bytes (EINTR retried): 0, or -errno of the write that failed. */
int write_all(int fd, const void *buf, size_t len);

/*
 * One record appended whole or not at all: fd is opened O_APPEND; when a
 * write fails part way (disk full, file size limit) a regular file is cut
 * back to where it ended, so the next record does not start in the middle of
 * a line. 0 or -errno (the file is then as it was).
 */
int append_whole(int fd, const void *buf, size_t len);

/*
 * Files the daemon keeps (the JSON log, the pid file) at paths an admin
 * chose, in directories others may write to: never through a symlink (the
 * last component), never a FIFO or device (open would block, or write where
 * it should not), never a file with other hard links (we would append to, or
 * truncate, a file of someone else's). A file created here gets mode, not
 * what the umask leaves of it. fd (O_CLOEXEC, blocking) or -errno; for a file
 * refused by kind, -EINVAL and *why says what it is. The JSON log may also be
 * a character device (/dev/null: only root can make one).
 */
int open_append_file(const char *path, mode_t mode, const char **why); /* O_WRONLY|O_APPEND */
int open_rw_file(const char *path, mode_t mode, const char **why);	/* O_RDWR */

#endif
