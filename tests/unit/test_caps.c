// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * caps.c: what a process keeps after caps_limit(), read back from its own
 * /proc/self/status in a forked child (the runner keeps its capabilities).
 * Needs root (real capabilities to drop): skipped otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include "caps.h"
#include "unit.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT		47
#define PR_CAP_AMBIENT_RAISE	2
#endif

#define BIT(c) (1ULL << (c))

/* What the child saw, through a pipe. */
struct caps_seen {
	int ret;	 /* caps_limit() */
	struct caps_outcome out;
	int setup;	 /* 0, or the errno of the child's own preparation */
	uint64_t eff, prm, inh, bnd, amb;
};

static int set_caps(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) },
	};

	return syscall(SYS_capset, &h, d) ? errno : 0;
}

static uint64_t status_caps(const char *field)
{
	char line[256];
	unsigned long long v = ~0ULL;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return ~0ULL;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			sscanf(line + n + 1, "%llx", &v);
	fclose(f);
	return v;
}

/* capset(2) refused with EPERM from here on (seccomp), as a kernel or LSM may. */
static int refuse_capset(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_capset, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) ? errno : 0;
}

/*
 * In a child: without CAP_SETPCAP when drop_setpcap, with an ambient
 * capability raised, with capset refused when no_capset, caps_limit(keep);
 * what /proc/self/status then says.
 */
static bool run_limit(uint64_t keep, bool drop_setpcap, bool no_capset, struct caps_seen *seen)
{
	int p[2], st;
	pid_t pid;

	memset(seen, 0, sizeof(*seen));
	if (pipe(p))
		return false;
	pid = fork();
	if (pid < 0)
		return false;
	if (!pid) {
		struct caps_seen s = { 0 };
		uint64_t all = status_caps("CapPrm");

		close(p[0]);
		if (drop_setpcap)
			all &= ~BIT(CAP_SETPCAP);
		/* an ambient capability: it must not survive either */
		s.setup = set_caps(all, all, BIT(CAP_NET_RAW));
		if (!s.setup && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0))
			s.setup = errno;
		if (!s.setup && no_capset)
			s.setup = refuse_capset();
		if (!s.setup)
			s.ret = caps_limit(keep, &s.out);
		s.eff = status_caps("CapEff");
		s.prm = status_caps("CapPrm");
		s.inh = status_caps("CapInh");
		s.bnd = status_caps("CapBnd");
		s.amb = status_caps("CapAmb");
		if (write(p[1], &s, sizeof(s)) != sizeof(s))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	st = read(p[0], seen, sizeof(*seen)) == sizeof(*seen);
	close(p[0]);
	return st;
}

/* Root with the capabilities these tests give up, or why not (a skip). */
static const char *caps_unavailable(void)
{
	uint64_t need = BIT(CAP_SETPCAP) | BIT(CAP_NET_RAW) | BIT(CAP_DAC_OVERRIDE) |
			BIT(CAP_SYS_PTRACE);

	if (geteuid())
		return "not root: no capabilities to drop";
	if ((status_caps("CapPrm") & need) != need)
		return "root without CAP_SETPCAP, CAP_NET_RAW, CAP_DAC_OVERRIDE or CAP_SYS_PTRACE";
	return NULL;
}

/*
 * Without CAP_SETPCAP the bounding set cannot shrink (PR_CAPBSET_DROP), but
 * effective, permitted, inheritable and ambient must still be cut to keep.
 */
static void test_caps_limit_without_setpcap(void)
{
	uint64_t keep = BIT(CAP_DAC_OVERRIDE) | BIT(CAP_SYS_PTRACE), bnd_before;
	const char *why = caps_unavailable();
	struct caps_seen s;

	if (why) {
		unit_skip(why);
		return;
	}
	bnd_before = status_caps("CapBnd");
	if (!ASSERT_TRUE(run_limit(keep, true, false, &s), "child ran and reported"))
		return;
	ASSERT_EQ_INT(s.setup, 0, "child's setup (CAP_SETPCAP dropped, ambient raised)");
	ASSERT_EQ_U64(s.eff, keep, "CapEff after caps_limit without CAP_SETPCAP");
	ASSERT_EQ_U64(s.prm, keep, "CapPrm after caps_limit without CAP_SETPCAP");
	ASSERT_EQ_U64(s.inh, 0, "CapInh after caps_limit without CAP_SETPCAP");
	ASSERT_EQ_U64(s.amb, 0, "CapAmb after caps_limit without CAP_SETPCAP");
	ASSERT_EQ_U64(s.bnd, bnd_before, "CapBnd unchanged (no CAP_SETPCAP)");
	ASSERT_EQ_INT(s.ret, 0, "caps_limit: the sets that count were cut");
	ASSERT_EQ_U64(s.out.kept, keep, "outcome: kept");
	ASSERT_EQ_INT(s.out.bounding_err, -EPERM, "outcome: bounding set refused");
	ASSERT_EQ_U64(s.out.bounding, bnd_before, "outcome: bounding set as it stays");
}

/* With CAP_SETPCAP: every set, the bounding one too, is exactly keep. */
static void test_caps_limit_with_setpcap(void)
{
	uint64_t keep = BIT(CAP_DAC_OVERRIDE) | BIT(CAP_SYS_PTRACE);
	const char *why = caps_unavailable();
	struct caps_seen s;

	if (why) {
		unit_skip(why);
		return;
	}
	if (!ASSERT_TRUE(run_limit(keep, false, false, &s), "child ran and reported"))
		return;
	ASSERT_EQ_INT(s.setup, 0, "child's setup (ambient raised)");
	ASSERT_EQ_INT(s.ret, 0, "caps_limit with CAP_SETPCAP");
	ASSERT_EQ_U64(s.eff, keep, "CapEff");
	ASSERT_EQ_U64(s.prm, keep, "CapPrm");
	ASSERT_EQ_U64(s.inh, 0, "CapInh");
	ASSERT_EQ_U64(s.amb, 0, "CapAmb");
	ASSERT_EQ_U64(s.bnd, keep, "CapBnd");
	ASSERT_EQ_U64(s.out.kept, keep, "outcome: kept");
	ASSERT_EQ_INT(s.out.bounding_err, 0, "outcome: bounding set reduced");
	ASSERT_EQ_U64(s.out.bounding, keep, "outcome: bounding set");
}

/* capset refused: an error (the daemon exits), and what is still held is said. */
static void test_caps_limit_capset_refused(void)
{
	uint64_t keep = BIT(CAP_DAC_OVERRIDE) | BIT(CAP_SYS_PTRACE), prm;
	const char *why = caps_unavailable();
	struct caps_seen s;

	if (why) {
		unit_skip(why);
		return;
	}
	prm = status_caps("CapPrm");
	if (!ASSERT_TRUE(run_limit(keep, false, true, &s), "child ran and reported"))
		return;
	ASSERT_EQ_INT(s.setup, 0, "child's setup (capset refused by seccomp)");
	ASSERT_EQ_INT(s.ret, -EPERM, "caps_limit when capset is refused");
	ASSERT_EQ_U64(s.out.kept, prm, "outcome: everything still held");
	ASSERT_EQ_U64(s.eff, prm, "CapEff: nothing dropped");
}

static void test_caps_describe(void)
{
	char buf[64];

	caps_describe(0, buf, sizeof(buf));
	ASSERT_STREQ(buf, "none", "empty set");
	caps_describe(BIT(CAP_BPF) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_SYS_PTRACE), buf, sizeof(buf));
	ASSERT_STREQ(buf, "CAP_DAC_OVERRIDE, CAP_SYS_PTRACE, CAP_BPF", "by number");
	caps_describe(BIT(CAP_SYS_ADMIN) | BIT(45), buf, sizeof(buf));
	ASSERT_STREQ(buf, "CAP_SYS_ADMIN, cap_45", "past the names known");
	caps_describe(~0ULL, buf, 10);
	ASSERT_EQ_U64(strlen(buf), 9, "cut to the buffer");
}

static const struct unit_test tests[] = {
	UNIT_TEST(test_caps_limit_without_setpcap),
	UNIT_TEST(test_caps_limit_with_setpcap),
	UNIT_TEST(test_caps_limit_capset_refused),
	UNIT_TEST(test_caps_describe),
};
UNIT_SUITE(caps, tests);
