/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* watch and report: scan, observe until a signal or --duration, then show. */
#ifndef DA_OBSERVE_H
#define DA_OBSERVE_H

#include "cli.h"

/* Runs watch or report as o says. Returns the exit status (DA_EXIT_*). */
int observe_main(const struct da_opts *o);

#endif
