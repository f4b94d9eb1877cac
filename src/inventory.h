/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The whole dma-buf inventory (report --inventory): every buffer in the system,
 * mapped or not (the kernel's dma-buf iterator), the processes holding an fd to
 * it (task_file iterator), the processes mapping it (the scan's mapping table)
 * and the devices attached to it. A buffer no process holds or maps is held
 * only by the kernel (an importer, a driver): called out, a leak shows there.
 */
#ifndef DA_INVENTORY_H
#define DA_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "dmabuf_audit.h"
#include "mappings.h"

struct inv_holder {
	uint32_t pid;
	uint32_t fds; /* fds of this process on the buffer */
	char comm[DA_COMM_LEN];
};

struct inv_buf {
	struct da_buf_rec rec;
	struct inv_holder *holders;
	size_t nholders, cap;
};

struct inventory {
	struct inv_buf *bufs;
	size_t len, cap;
	uint64_t stray_fds; /* fds of a buffer the buffer list lacks (created in between) */
	const char *source; /* of the buffer list: "iter/dmabuf" or "debugfs" */
	bool failed;	    /* a record was lost (no memory): the inventory is not whole */
	bool by_inode;	    /* bufs sorted by inode (inventory_index): fds found by bsearch */
};

/* 0 or -ENOMEM. */
int inventory_add_buf(struct inventory *inv, const struct da_buf_rec *rec);
/*
 * Adds every buffer of debugfs bufinfo at path (kernels without the dma-buf
 * iterator): 0, -ENOENT (debugfs not mounted), -EBADMSG (a table that does
 * not add up), -EIO, -ENOMEM.
 */
int inventory_read_bufinfo(struct inventory *inv, const char *path);
/*
 * Sorts the buffers by inode, so that each fd finds its buffer in log time (a board
 * with thousands of buffers and fds, every interval). Adding a buffer undoes it.
 */
void inventory_index(struct inventory *inv);
/* Counts an fd on its buffer (added first). 0 or -ENOMEM. */
int inventory_add_fd(struct inventory *inv, const struct da_fd_rec *rec);
/* The iterators' callbacks (ctx: the inventory): a record lost to ENOMEM sets failed. */
void inventory_collect_buf(void *ctx, const struct da_buf_rec *rec);
void inventory_collect_fd(void *ctx, const struct da_fd_rec *rec);
/* Sorts by exporter and inode; holders by pid. */
void inventory_finish(struct inventory *inv);
void inventory_free(struct inventory *inv); /* NULL-safe */

/* Whether no process holds an fd to the buffer or maps it (maps: the scan's table). */
bool inventory_kernel_only(const struct inv_buf *b, const struct mapping_table *maps);

/* dmabuf_dump -b terms: per exporter, per buffer, per process. */
void inventory_print_human(FILE *f, const struct inventory *inv, const struct mapping_table *maps);
/* One {"buffer":{...}} line per buffer, then one {"inventory":{...}} line. */
void inventory_print_json(FILE *f, const struct inventory *inv, const struct mapping_table *maps);
/* The totals object of that line: {"buffers":N,...,"source":...,"exporters":{...}}. */
void inventory_write_totals(FILE *f, const struct inventory *inv, const struct mapping_table *maps);

#endif
