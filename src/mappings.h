/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Mapped dma-buf memory per process and buffer, from the scan, in the terms
 * of Android's dmabuf_dump: Rss = bytes of the buffer this process maps,
 * Pss = Rss / number of processes mapping the buffer.
 */
#ifndef DA_MAPPINGS_H
#define DA_MAPPINGS_H

#include <stddef.h>
#include <stdint.h>
#include "dmabuf_audit.h"

struct mapping {
	uint32_t pid;
	uint32_t uid;
	uint32_t vmas;	/* vmas of this process mapping the buffer */
	uint32_t procs; /* processes mapping the buffer (set by mapping_table_finish) */
	uint64_t inode;
	uint64_t size;
	uint64_t rss;
	uint64_t vm_flags; /* OR over its vmas */
	char comm[DA_COMM_LEN];
	char exporter[DA_EXPORTER_LEN];
	char buf_name[DA_BUF_NAME_LEN];
};

struct mapping_table {
	struct mapping *items;
	size_t len, cap;
};

/* Adds one scan record (one vma). 0 or -ENOMEM. */
int mapping_table_add(struct mapping_table *t, const struct da_event *rec);
/* Sorts by exporter, inode, pid and fills procs. */
void mapping_table_finish(struct mapping_table *t);
uint64_t mapping_pss(const struct mapping *m);
void mapping_table_free(struct mapping_table *t); /* NULL-safe */

#endif
