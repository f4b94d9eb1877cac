/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Diagnostics, always to stderr (stdout is data). Under journald (stderr is
 * the stream named by $JOURNAL_STREAM) each line starts with a "<N>" syslog
 * priority, which journald turns into the entry's priority; otherwise lines
 * read "dmabuf-audit: [warning: ]message".
 */
#ifndef DA_LOG_H
#define DA_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Detects journald. Call once, before the first message. */
void log_init(void);
bool log_to_journal(void);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* -v: log_step() prints each step of the start with the seconds since log_init() */
void log_set_verbose(bool on);
void log_step(const char *what);

#endif
