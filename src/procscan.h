/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The scan's fallback for kernels without the task_vma iterator (before
 * 5.12): dma-buf mappings from /proc/PID/smaps (maps lines and VmFlags),
 * exporters and buffer names from debugfs dma_buf/bufinfo. Records are the iterator's
 * (struct da_event, hook DA_HOOK_SCAN) minus what /proc cannot tell: the
 * exporting module, the mmap op and the cgroup.
 */
#ifndef DA_PROCSCAN_H
#define DA_PROCSCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "dmabuf_audit.h"

#define DA_BUFINFO "/sys/kernel/debug/dma_buf/bufinfo"

/* One buffer of bufinfo. */
struct bufinfo_entry {
	uint64_t inode;
	uint64_t size;
	char exporter[DA_EXPORTER_LEN];
	char name[DA_BUF_NAME_LEN];
	char device[DA_DEV_NAME_LEN]; /* the first attached device, "" if none */
	uint32_t attachments;	      /* "Total N devices attached" */
	uint32_t __pad;		      /* explicit: entries compare as bytes */
};

struct bufinfo {
	struct bufinfo_entry *items;
	size_t len, cap;
};

/* "7f..-7f.. rw-s 00000000 00:0d 1234   /dmabuf:name": true for a dma-buf vma. */
bool maps_line_dmabuf(const char *line, uint64_t *start, uint64_t *end, uint64_t *inode);
/* smaps "VmFlags: rd wr sh mr mw me ms pf io de dd" -> DA_VM_* bits */
uint64_t vmflags_parse(const char *flags);
/*
 * Reads bufinfo text (the kernel's layout since 5.3: size flags mode count
 * exp_name ino name; no name before), with each buffer's attached devices.
 * Buffer names are untrusted: 0, or
 * -EBADMSG (b empty) when the entries do not match the kernel's total,
 * -EIO, -ENOMEM.
 */
int bufinfo_load(struct bufinfo *b, FILE *f);
const struct bufinfo_entry *bufinfo_find(const struct bufinfo *b, uint64_t inode);
void bufinfo_free(struct bufinfo *b); /* NULL-safe */

/* A record of the scan (iterator or /proc), or an event of the ring buffer. */
typedef void (*record_fn)(void *ctx, const struct da_event *rec);
/*
 * One process's /proc/PID/smaps text: a record per dma-buf vma, counted in
 * st (vmas, dmabuf_vmas). 0 or -errno (a read error).
 */
int smaps_scan(FILE *f, uint32_t pid, const struct bufinfo *b, record_fn fn, void *ctx,
	       struct da_scan_stats *st);
/* Walks /proc (pid: only that process, 0: all). 0 or -errno. */
int procscan_run(uint32_t pid, record_fn fn, void *ctx, struct da_scan_stats *stats);

#endif
