/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `dmabuf-audit daemon`: the service. */
#ifndef DA_DAEMON_H
#define DA_DAEMON_H

#include "cli.h"

/* Runs the daemon to its end; returns the exit status (DA_EXIT_*). */
int daemon_main(const struct da_opts *o);

#endif
