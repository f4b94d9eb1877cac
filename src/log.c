// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include "log.h"

static bool journal, verbose;
static struct timespec t0;

/* systemd sets JOURNAL_STREAM=DEV:INODE of the stream it connected. */
void log_init(void)
{
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	journal = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && !fstat(2, &st) &&
		  st.st_dev == dev && st.st_ino == ino;
}

bool log_to_journal(void)
{
	return journal;
}

void log_msg(int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (journal)
		fprintf(stderr, "<%d>%s\n", prio, msg);
	else
		fprintf(stderr, "dmabuf-audit: %s%s\n", prio == LOG_WARNING ? "warning: " : "",
			msg);
}

void log_set_verbose(bool on)
{
	verbose = on;
}

/* VmHWM of /proc/self/status in KiB (the peak RSS so far), -1 if unreadable. */
static long peak_rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	long kib = -1;

	if (!f)
		return -1;
	while (kib < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) != 1)
			kib = -1;
	fclose(f);
	return kib;
}

void log_step(const char *what)
{
	struct timespec now;
	double secs;
	long peak;

	if (!verbose)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
	peak = peak_rss_kib();
	if (peak < 0)
		log_msg(LOG_DEBUG, "start: %.3f s: %s", secs, what);
	else
		log_msg(LOG_DEBUG, "start: %.3f s, peak RSS %.1f MiB: %s", secs, peak / 1024.0,
			what);
}
