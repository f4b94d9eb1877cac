/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Findings: names of kinds and flags, and aggregation of ring-buffer events. */
#ifndef DA_FINDING_H
#define DA_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dmabuf_audit.h"

/*
 * One aggregated finding: first event of (kind, pid, inode, vm_start) + count.
 * BPF sends the first occurrence and counts repeats in its dedup map
 * (live = that map's count). If the map entry is evicted, the next
 * occurrence is sent again: what was counted so far moves to base.
 */
struct finding {
	struct da_event ev;
	uint64_t count; /* base + live */
	uint64_t base;
	uint64_t live;
	uint64_t printed;   /* count last shown by watch */
	uint64_t accounted; /* count last added to the daemon's metrics */
};

/*
 * The dma-buf vmas a scan saw, by (pid, inode, vm_start): a finding whose vma
 * is not among them is gone (unmapped, moved), and the daemon forgets it.
 */
struct vma_seen {
	uint32_t pid;
	uint32_t __pad;
	uint64_t inode;
	uint64_t vm_start;
};

struct vma_set {
	struct vma_seen *items;
	size_t len, cap;
};

void vma_set_reset(struct vma_set *set);
int vma_set_add(struct vma_set *set, const struct da_event *rec); /* 0 or -ENOMEM */
void vma_set_finish(struct vma_set *set);			  /* sorts: then ask */
bool vma_set_has(const struct vma_set *set, const struct da_event *ev);
void vma_set_free(struct vma_set *set); /* NULL-safe */

struct finding_set {
	struct finding *items;
	size_t len;
	size_t cap;
	size_t max;	  /* distinct findings kept; further ones only counted */
	uint32_t *slots;  /* hash index: item number + 1, 0 empty */
	size_t nslots;	  /* power of two, at least twice len */
	uint64_t dropped; /* events whose finding did not fit */
};

const char *kind_name(uint32_t kind); /* "unknown" when out of range */
int kind_from_name(const char *name); /* -EINVAL when unknown */
bool kind_is_violation(uint32_t kind);
const char *kind_summary(uint32_t kind); /* one-line why-it-matters */
/*
 * Bytes one huge entry of LEVEL (DA_HUGE_PMD, DA_HUGE_PUD) maps with pages of
 * PAGE bytes: a table holds PAGE / 8 entries (2 MiB and 1 GiB on 4K pages);
 * 0 for another level.
 */
uint64_t huge_entry_size_of(int32_t level, uint64_t page);
/* The same with this machine's page size. */
uint64_t huge_entry_size(int32_t level);

/* "shared,pfnmap,io": names of the vm_flags bits the auditor cares about. */
size_t vm_flags_describe(uint64_t flags, char *buf, size_t len);

/*
 * FOLL_* values changed between kernels (macros up to 6.3, enums after,
 * renumbered). User space learns them from the running kernel's BTF when it
 * has them as enumerators, else uses the historical macro values.
 */
struct gup_flag_name {
	const char *name;
	uint64_t value;
};
#define GUP_FLAG_NAMES 6
extern struct gup_flag_name gup_flag_table[GUP_FLAG_NAMES];
/* Set one flag's value (from BTF). Returns -ENOENT for unknown names. */
int gup_flag_set_value(const char *name, uint64_t value);
void gup_flags_reset(void);

void finding_set_init(struct finding_set *set, size_t max);
void finding_set_free(struct finding_set *set);
/* The occurrences an event stands for: its count (a batch of inserts), at least one. */
uint64_t event_count(const struct da_event *ev);
/* Adds one event; returns the finding it was counted in, NULL if dropped. */
struct finding *finding_set_add(struct finding_set *set, const struct da_event *ev);
/* Takes the BPF dedup map's count for key; NULL when no finding has it. */
struct finding *finding_set_update(struct finding_set *set, const struct da_dedup_key *key,
				   uint64_t count);
/* Drops every finding keep() refuses (order kept); returns how many went. */
size_t finding_set_prune(struct finding_set *set, bool (*keep)(void *ctx, struct finding *f),
			 void *ctx);
/* Order for reports: violations first, then kind, exporter, pid, vm_start. */
void finding_set_sort(struct finding_set *set);

#endif
