/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus metrics for the node_exporter textfile collector: counters
 * kept per (exporter, kind), rendered in the text exposition format, and
 * written atomically (temp file not matching *.prom, fsync, fchmod 0644,
 * rename). Cardinality is bounded: no pid or address labels, at most
 * DA_METRIC_EXPORTERS exporter names, the rest counted as "other".
 */
#ifndef DA_METRICS_H
#define DA_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "dmabuf_audit.h"

#define DA_METRIC_EXPORTERS 32
#define DA_TEXTFILE_NAME    "dmabuf_audit.prom"

struct exporter_stats {
	char name[DA_EXPORTER_LEN + 1]; /* label-safe: C0 but \n, DEL, non-ASCII -> '?' */
	uint64_t counted[DA_KIND_MAX];	/* violations and warnings not suppressed */
	uint64_t suppressed[DA_KIND_MAX];
	uint64_t mapped_bytes; /* gauge: dma-buf vma bytes at the last scan */
	uint64_t mapped_saved; /* the last good scan's, while a new one runs */
	/* gauges of the last whole inventory (every dma-buf, mapped or not) */
	uint64_t buffers, buffer_bytes;
	uint64_t unheld_bytes; /* no process holds an fd to it or maps it */
};

struct metrics {
	struct exporter_stats exp[DA_METRIC_EXPORTERS + 1]; /* + "other" */
	int nexp;
	uint64_t counters[DA_CTR_MAX];	   /* BPF counters, read before rendering */
	uint64_t findings_dropped;	   /* events not itemised (finding table full) */
	uint64_t findings_tracked;	   /* findings of running processes kept itemised */
	uint64_t textfile_errors;	   /* failed writes of the textfile */
	uint64_t scan_errors;		   /* failed scans: mapped_bytes kept from the last good one */
	uint64_t counter_errors;	   /* failed reads of the BPF counters: the last good kept */
	uint64_t missed;		   /* hook calls the kernel ran no program for (auditor_missed) */
	const char *det_mech[DA_HOOK_MAX]; /* "fentry", "kprobe", "iter", "proc", "none" */
	bool mapped_known;		   /* a scan ran: mapped_bytes are real */
	bool inventory_known;		   /* an inventory was taken: buffers, bytes are real */
	uint64_t buffer_bytes_high_water;  /* most dma-buf bytes at one inventory */
	uint64_t inventory_errors;	   /* failed inventories: the last good one kept */
	bool mapped_known_saved;
	double start_time;		   /* unix seconds */
	const char *version, *kernel;
};

void metrics_init(struct metrics *m, const char *version, const char *kernel, double start);
/* Stats of an exporter (raw bytes, len max), added if new. Never NULL. */
struct exporter_stats *metrics_exporter(struct metrics *m, const char *name, size_t len);
void metrics_count(struct metrics *m, const char *exporter, size_t len, uint32_t kind,
		   uint64_t delta, bool suppressed);
/*
 * Mapped bytes come from a whole scan: reset (saving the last scan's), add per
 * vma, mark known; a scan that failed restores the saved ones.
 */
void metrics_mapped_reset(struct metrics *m);
void metrics_mapped_restore(struct metrics *m);
void metrics_mapped_add(struct metrics *m, const char *exporter, size_t len, uint64_t bytes);
/*
 * The inventory's gauges, from a whole inventory only: reset, add per buffer,
 * then done (the high-water mark). A failed one is never applied.
 */
void metrics_inventory_reset(struct metrics *m);
void metrics_buffer_add(struct metrics *m, const char *exporter, size_t len, uint64_t bytes,
			bool unheld);
void metrics_inventory_done(struct metrics *m);
/* Prometheus label value: backslash, double quote and newline escaped. */
void prom_write_label(FILE *f, const char *s);
/* The whole text exposition. now: unix seconds of this update. */
void metrics_render(FILE *f, const struct metrics *m, double now);
/*
 * Writes len bytes as dir/name atomically: whatever is at dir/name.tmp
 * unlinked (never opened: a FIFO, link or symlink planted there), the temp
 * file created anew (O_EXCL, O_NOFOLLOW, O_NONBLOCK) through one directory fd,
 * write, fsync, fchmod 0644, rename, fsync dir. On failure the temp file is
 * removed and dir/name is untouched. 0 or -errno with err = "STEP PATH: reason".
 */
int textfile_write(const char *dir, const char *name, const char *data, size_t len, char *err,
		   size_t errlen);

#endif
