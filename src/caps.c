// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "caps.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT		 47
#define PR_CAP_AMBIENT_IS_SET	 1
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* capabilities(7), by number: 5.8's CAP_PERFMON, CAP_BPF, 5.9's CAP_CHECKPOINT_RESTORE */
static const char *const cap_names[] = {
	"CAP_CHOWN",	      "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID",	      "CAP_KILL",	    "CAP_SETGID",	   "CAP_SETUID",
	"CAP_SETPCAP",	      "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",      "CAP_NET_RAW",	    "CAP_IPC_LOCK",	   "CAP_IPC_OWNER",
	"CAP_SYS_MODULE",     "CAP_SYS_RAWIO",	    "CAP_SYS_CHROOT",	   "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",      "CAP_SYS_ADMIN",	    "CAP_SYS_BOOT",	   "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",   "CAP_SYS_TIME",	    "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
	"CAP_LEASE",	      "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",   "CAP_MAC_ADMIN",	    "CAP_SYSLOG",	   "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",  "CAP_AUDIT_READ",	    "CAP_PERFMON",	   "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

size_t caps_describe(uint64_t set, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return 0;
	buf[0] = '\0';
	if (!set)
		return snprintf(buf, len, "none");
	for (int c = 0; c < 64 && n < len; c++) {
		if (!(set & (1ULL << c)))
			continue;
		if (c < (int)(sizeof(cap_names) / sizeof(cap_names[0])))
			n += snprintf(buf + n, len - n, "%s%s", n ? ", " : "", cap_names[c]);
		else
			n += snprintf(buf + n, len - n, "%scap_%d", n ? ", " : "", c);
	}
	return n;
}

int caps_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = -1;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = -1;
		fclose(f);
	}
	return last;
}

static int capget_all(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return syscall(SYS_capget, &h, d) ? -errno : 0;
}

int caps_effective(uint64_t *out)
{
	struct __user_cap_data_struct d[2];
	int err = capget_all(d);

	if (!err)
		*out = (uint64_t)d[1].effective << 32 | d[0].effective;
	return err;
}

static uint64_t bounding_set(int last)
{
	uint64_t set = 0;

	for (int c = 0; c <= last && c < 64; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) > 0)
			set |= 1ULL << c;
	return set;
}

static bool ambient_empty(int last)
{
	for (int c = 0; c <= last && c < 64; c++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) > 0)
			return false;
	return true;
}

int caps_limit(uint64_t keep, struct caps_outcome *out)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int last = caps_last(), err = capget_all(d);
	uint64_t eff, prm, inh;

	memset(out, 0, sizeof(*out));
	if (last < 0)
		last = 63;
	if (err)
		return err;
	/* capset cannot add: keep only what is permitted now */
	keep &= (uint64_t)d[1].permitted << 32 | d[0].permitted;
	/*
	 * The bounding set first: dropping from it needs CAP_SETPCAP, still held.
	 * Without it the first drop is refused (EPERM); the other sets go anyway.
	 */
	for (int c = 0; c <= last && c < 64; c++) {
		if (keep & (1ULL << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL) {
			out->bounding_err = -errno;
			break;
		}
	}
	/* before 4.3 there is no ambient set (EINVAL); capset below empties it anyway */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	d[0].inheritable = d[1].inheritable = 0;
	if (syscall(SYS_capset, &h, d))
		err = -errno;
	out->bounding = bounding_set(last);
	/* what holds now, whatever capset said */
	if (capget_all(d))
		return err ? err : -EIO;
	eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	out->kept = eff | prm;
	if (!err && ((out->kept & ~keep) || inh || !ambient_empty(last)))
		err = -EPERM; /* more than asked for, whatever the reason */
	/* setuid binaries run later (none should) get nothing back */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		out->nnp_err = -errno;
	return err;
}
