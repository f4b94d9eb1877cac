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

/*
 * A module's extent, from /proc/modules: [base, base + size). A module that was
 * unloaded keeps its extent and symbols (gone > 0: table reads since it went) so
 * that findings made while it was loaded keep their names, until a module is loaded
 * inside its extent or KSYMS_GONE_MAX reads later.
 */
struct kmod {
	uint64_t base, size;
	uint32_t name; /* offset into ksyms.strings */
	uint32_t gone; /* 0: loaded */
};

#define KSYMS_GONE_MAX 32

/* Unknown addresses (no symbol, or past the end of a module's code) print as this. */
#define KSYMS_UNKNOWN "[unknown]"
/* Without a module extent: how far past a module's last symbol its code may go. */
#define KSYMS_MOD_SLACK 0x2000

struct ksyms {
	struct ksym *syms; /* sorted by address */
	size_t len, cap;
	char *strings;
	size_t slen, scap;
	struct kmod *mods; /* sorted by base; only modules whose address is shown */
	size_t nmods, mcap;
	/*
	 * /proc/kallsyms and /proc/modules kept open to read again (ksyms_reload,
	 * ksyms_refresh): the kernel decides at open whether its reader may see
	 * addresses (CAP_SYSLOG), so a daemon that drops its capabilities still
	 * reads real ones.
	 */
	FILE *src, *mods_src;
	uint64_t mods_fp; /* fingerprint of /proc/modules (names, sizes, bases) when read */
	int tried;	  /* ksyms_ensure() read src (or failed to): not again */
	/*
	 * Told by every read after the first of each module loaded since the read
	 * before (NULL: nobody): its name and how many text symbols it has now.
	 */
	void (*loaded)(void *ctx, const char *module, size_t nsyms);
	void *loaded_ctx;
};

/*
 * Opens path (/proc/kallsyms) and modules (/proc/modules, NULL: none) for reading
 * when first needed (ksyms_ensure): parsing kallsyms is the dearest step of a start
 * (~0.5 s under QEMU) and most runs never print a kernel address. The module list
 * is read now (cheap) for ksyms_refresh to compare with. 0 or -errno of path (a
 * modules file that cannot be opened only loses module extents).
 */
int ksyms_open(struct ksyms *ks, const char *path, const char *modules);
/* Reads the opened file the first time it is called. 0 or -errno (then an empty table). */
int ksyms_ensure(struct ksyms *ks);
/* Reads text symbols from f (kallsyms format). 0 or -errno. Addresses all
 * zero (kptr_restrict) give an empty table: lookups then fail. */
int ksyms_load(struct ksyms *ks, FILE *f);
/*
 * Reads module extents from f (/proc/modules format) into a loaded table: a
 * module symbol is then named only inside its module. Modules whose address
 * is hidden (0: kptr_restrict) are left out. 0 or -errno.
 */
int ksyms_load_modules(struct ksyms *ks, FILE *f);
/*
 * Reads ks->mods_src then ks->src again from their start; the old table stays
 * if that fails (a read error included: a table cut short would lose the modules,
 * listed last). Modules of the old table that are gone are kept (struct kmod).
 * 0 or -errno.
 */
int ksyms_reload(struct ksyms *ks);
/*
 * Reads ks->mods_src again (cheap: one line per module) and, when a module came or
 * went since the table was read (or, before the first read, since ksyms_open), the
 * whole table (ksyms_reload): called often (each event, each second), it reads a
 * module's symbols while the module is loaded, whether or not its code is named
 * before it goes. 1 when read again, 0 when unchanged (or nothing to compare: no
 * modules file), -errno.
 */
int ksyms_refresh(struct ksyms *ks);
void ksyms_free(struct ksyms *ks); /* NULL-safe; closes src */

/*
 * "func+0x1a [module]" (exact: "func [module]" when with_offset is false
 * and addr is the symbol's start); KSYMS_UNKNOWN when unknown: never a raw
 * kernel address (KASLR). An address is unknown when no symbol is at or below
 * it, when it lies inside a module's extent but the symbol below is not that
 * module's (a module loaded after the table was read), past the extent of the
 * symbol's module, or (no extent known) more than KSYMS_MOD_SLACK past a
 * module's last symbol, or more than 1 MiB past a built-in or pseudo-module
 * ([bpf], [__builtin__*]) symbol. Returns buf.
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
/* Is addr a text address the table names (not KSYMS_UNKNOWN)? */
int ksyms_known(const struct ksyms *ks, uint64_t addr);
/* Is a module of that name loaded (or gone but kept) in the table? 1 or 0. */
int ksyms_has_module(const struct ksyms *ks, const char *name);
/* How many text symbols of module name the table holds (a linear count: rare use). */
size_t ksyms_module_symbols(const struct ksyms *ks, const char *name);

#endif
