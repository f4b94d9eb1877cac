/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Kernel symbols from /proc/kallsyms (module symbols included), for stacks and ops. */
#ifndef DA_KSYMS_H
#define DA_KSYMS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ksym {
	uint64_t addr;
	uint32_t name;	 /* offsets into ksyms.strings */
	uint32_t module; /* 0: built-in */
};

struct ksyms {
	struct ksym *syms; /* sorted by address */
	size_t len, cap;
	char *strings;
	size_t slen, scap;
	/*
	 * /proc/kallsyms kept open to read again (ksyms_reload): the kernel decides
	 * at open whether its reader may see addresses (CAP_SYSLOG), so a daemon that
	 * drops its capabilities still reads real ones.
	 */
	FILE *src;
	int tried; /* ksyms_ensure() read src (or failed to): not again */
};

/*
 * Opens path (/proc/kallsyms) for reading when first needed (ksyms_ensure): parsing
 * it is the dearest step of a start (~0.5 s under QEMU) and most runs never print
 * a kernel address. 0 or -errno.
 */
int ksyms_open(struct ksyms *ks, const char *path);
/* Reads the opened file the first time it is called. 0 or -errno (then an empty table). */
int ksyms_ensure(struct ksyms *ks);
/* Reads text symbols from f (kallsyms format). 0 or -errno. Addresses all
 * zero (kptr_restrict) give an empty table: lookups then fail. */
int ksyms_load(struct ksyms *ks, FILE *f);
/* Reads ks->src again from its start; the old table stays if that fails. 0 or -errno. */
int ksyms_reload(struct ksyms *ks);
void ksyms_free(struct ksyms *ks); /* NULL-safe; closes src */

/*
 * "func+0x1a [module]" (exact: "func [module]" when with_offset is false
 * and addr is the symbol's start); "0xADDR" when unknown. Returns buf.
 */
const char *ksyms_describe(const struct ksyms *ks, uint64_t addr, int with_offset, char *buf,
			   size_t len);

/*
 * A stack frame's address as ksyms_describe() names it (with offset), or NULL
 * for frames that are the auditor's own (BPF programs and trampolines: "[bpf]").
 */
const char *ksyms_frame(const struct ksyms *ks, uint64_t addr, char *buf, size_t len);
/*
 * Is there a text symbol of that name (what a kprobe can attach to)? 1 or 0;
 * -ENOENT when the table is empty (unreadable, or addresses hidden): cannot tell.
 */
int ksyms_has(const struct ksyms *ks, const char *name);
/* Is addr a text address the table names (not "0x...")? */
int ksyms_known(const struct ksyms *ks, uint64_t addr);

#endif
