/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * die(): how the test programs (trigger, da-oracle, the benchmark's workload
 * and floor) stop on an error: "PROG: message" on stderr, exit CODE. Header
 * only: each of them is one static C file, built on its own for the guests.
 */
#ifndef DA_TEST_DIE_H
#define DA_TEST_DIE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The program's name in its messages: each program defines it (and may set it). */
static const char *prog;

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

#endif
