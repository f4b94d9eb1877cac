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
};

/* Reads text symbols from f (kallsyms format). 0 or -errno. Addresses all
 * zero (kptr_restrict) give an empty table: lookups then fail. */
int ksyms_load(struct ksyms *ks, FILE *f);
void ksyms_free(struct ksyms *ks); /* NULL-safe */

/*
 * "func+0x1a [module]" (exact: "func [module]" when with_offset is false
 * and addr is the symbol's start); "0xADDR" when unknown. Returns buf.
 */
const char *ksyms_describe(const struct ksyms *ks, uint64_t addr, int with_offset, char *buf,
			   size_t len);

/*
 * Frame i of a stack as ksyms_describe() names it, or NULL for frames that
 * are the auditor's own (BPF programs and trampolines: "[bpf]").
 */
const char *ksyms_frame(const struct ksyms *ks, uint64_t addr, char *buf, size_t len);

#endif
