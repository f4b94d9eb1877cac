/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The auditor: the BPF object opened, its detectors attached (attach.c decides how,
 * per detector, by real trials), and what user space reads back from it: the ring
 * buffer, the counters, the dedup map, the scan of existing mappings.
 */
#ifndef DA_LOADER_H
#define DA_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "cli.h"
#include "dmabuf_audit.h"
#include "procscan.h"

#define DA_VMLINUX_BTF "/sys/kernel/btf/vmlinux"

enum da_mech { DA_MECH_NONE, DA_MECH_FENTRY, DA_MECH_KPROBE, DA_MECH_ITER, DA_MECH_PROC };

struct auditor;
struct ksyms;

const char *mech_name(enum da_mech m);

/*
 * Checks privileges and BTF, decides the ladder, loads and attaches. ks: the kernel's
 * symbols, opened by the caller (ksyms_open), read here only if the kprobe ladder
 * asks (what kprobes can attach to). 0 or -errno with a one-line reason in err. A
 * detector that cannot attach is not an error here: see auditor_live() and
 * auditor_can_scan().
 */
int auditor_open(struct auditor **out, const struct da_opts *o, struct ksyms *ks, char *err,
		 size_t errlen);
void auditor_close(struct auditor *a); /* NULL-safe */

/*
 * How detector HOOK (enum da_hook) runs here: DA_MECH_NONE when it cannot. The scan
 * (DA_HOOK_SCAN) runs by DA_MECH_ITER or DA_MECH_PROC.
 */
enum da_mech auditor_mech(const struct auditor *a, uint32_t hook);
/* The kernel function(s) it hooks ("a,b" when two), or the scan's source. */
const char *auditor_func(const struct auditor *a, uint32_t hook);
/* What it detects through the function it got. */
const char *auditor_what(const struct auditor *a, uint32_t hook);
/* "attached", or "fentry: ...; kprobe: ..." why it is not. */
void auditor_why(const struct auditor *a, uint32_t hook, char *buf, size_t len);
/* Live detectors attached (the scan not included). */
int auditor_live(const struct auditor *a);
bool auditor_can_scan(const struct auditor *a);
/* The table probe prints. */
void auditor_print_probe(FILE *f, const struct auditor *a);

int auditor_ring_fd(const struct auditor *a);
/* dma-buf vmas with a swapped vm_file the BPF side currently tracks. */
int64_t auditor_tracked_vmas(const struct auditor *a);
/* Sums the per-CPU counters. 0 or -errno. */
int auditor_read_counters(const struct auditor *a, uint64_t out[DA_CTR_MAX]);
/*
 * Hook calls the kernel did not run the auditor's programs for: its recursion guard
 * skips a program while another BPF program or a bpf() syscall is active on that CPU
 * (a kprobe while a map syscall is preempted, on preemptible kernels). Summed over the
 * programs' recursion_misses: counted from 5.12 for fentry, from 6.7 for kprobes.
 */
uint64_t auditor_missed(const struct auditor *a);

typedef void (*dedup_fn)(void *ctx, const struct da_dedup_key *key, uint64_t count);
/* Calls fn for every entry of the BPF dedup map. 0 or -errno. */
int auditor_read_dedup(const struct auditor *a, dedup_fn fn, void *ctx);
typedef void (*lost_fn)(void *ctx, const struct da_lost_key *key, uint64_t count);
/*
 * Calls fn for every entry of the BPF map of occurrences whose event was lost
 * (ring buffer full), by kind, exporter and comm. Map syscalls: call it when
 * the ring-buffer-lost counter moved. 0 or -errno.
 */
int auditor_read_lost(const struct auditor *a, lost_fn fn, void *ctx);
/* Forgets one entry of the BPF dedup map (its next event is sent in full). 0 or -errno. */
int auditor_forget_dedup(const struct auditor *a, const struct da_dedup_key *key);
/*
 * The same, with the entry's last count in *count (0 if it was gone): what
 * was counted since the last read is not lost. 0 or -errno.
 */
int auditor_take_dedup(const struct auditor *a, const struct da_dedup_key *key, uint64_t *count);

typedef void (*buf_fn)(void *ctx, const struct da_buf_rec *rec);
typedef void (*fd_fn)(void *ctx, const struct da_fd_rec *rec);
/* Whether the kernel's dma-buf iterator (6.16+) lists the buffers here. */
bool auditor_has_buf_iter(const struct auditor *a);
/* Whether the task_file iterator (5.8+) lists the fds holding them here. */
bool auditor_has_fd_iter(const struct auditor *a);
/* Every dma-buf in the system. 0, -errno, or -EOPNOTSUPP without the iterator. */
int auditor_inventory_bufs(struct auditor *a, buf_fn fb, void *ctx);
/* Every open fd of a dma-buf. 0, -errno, or -EOPNOTSUPP without the iterator. */
int auditor_inventory_fds(struct auditor *a, fd_fn ff, void *ctx);
struct inventory;
/*
 * The whole inventory into inv (inv->source set): the buffers from the kernel's
 * iterator, else debugfs bufinfo (inventory_read_bufinfo's errors: -ENOENT when
 * neither exists), then every fd holding one; -EOPNOTSUPP without the task_file
 * iterator, -ENOMEM when a record was lost (never a partial list as the whole).
 */
int auditor_inventory(struct auditor *a, struct inventory *inv);

/* Scans the mappings that exist once: fn per dma-buf vma, totals in stats. */
int auditor_scan(struct auditor *a, record_fn fn, void *ctx, struct da_scan_stats *stats);

#endif
