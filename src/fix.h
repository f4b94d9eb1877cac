/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fix of a finding: what to change and where, in one line (the JSON "fix"
 * field, the report's "fix:" line). The insertion path comes from the event
 * (hook, vm_flags, a swapped vm_file), the exporter's mmap op from the kernel's
 * symbols, the GUP caller from the stack.
 */
#ifndef DA_FIX_H
#define DA_FIX_H

#include <stddef.h>
#include "dmabuf_audit.h"
#include "ksyms.h"

/*
 * The userspace call behind a GUP stack ("process_vm_readv()", "O_DIRECT I/O",
 * ...), or NULL when no frame says.
 */
const char *fix_gup_caller(const struct da_event *ev, const struct ksyms *ks);
/*
 * The kernel function (and module) that called the pfn lookup of a
 * kernel_pfn_lookup stack, into buf: "dtx_follow_pfn [dmabuf_test_exporter]";
 * NULL when no frame names it.
 */
const char *fix_pfn_caller(const struct da_event *ev, const struct ksyms *ks, char *buf,
			   size_t len);
/*
 * The function (and module) that called the huge insert of a huge_not_special
 * or huge_entry stack (the exporter's fault handler), as fix_pfn_caller.
 */
const char *fix_huge_caller(const struct da_event *ev, const struct ksyms *ks, char *buf,
			    size_t len);
/* One line of printable ASCII into buf (NUL-terminated); returns buf. */
const char *fix_describe(const struct da_event *ev, const struct ksyms *ks, char *buf, size_t len);

#endif
