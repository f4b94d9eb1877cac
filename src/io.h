/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Writes that leave no half of a record behind. */
#ifndef DA_IO_H
#define DA_IO_H

#include <stddef.h>

/* All len bytes (EINTR retried): 0, or -errno of the write that failed. */
int write_all(int fd, const void *buf, size_t len);

/*
 * One record appended whole or not at all: fd is opened O_APPEND; when a
 * write fails part way (disk full, file size limit) a regular file is cut
 * back to where it ended, so the next record does not start in the middle of
 * a line. 0 or -errno (the file is then as it was).
 */
int append_whole(int fd, const void *buf, size_t len);

#endif
