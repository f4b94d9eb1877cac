// SPDX-License-Identifier: GPL-2.0
/*
 * bench-bpf: what `make bench` needs of BPF besides the auditor itself: the
 * per-program run statistics of every link, the "floor" (an empty program on
 * each function the auditor hooks: the cost of the trampoline alone) and the
 * bpf_stats switch. Raw bpf() syscalls, no libbpf, static (busybox guests).
 *
 *   bench-bpf links            one line per BPF link:
 *                              "link id=L prog=P name=NAME attach=fentry|fexit|other
 *                              obj=OBJ btf=BTF run_cnt=C run_time_ns=T misses=M"
 *                              (tracing links; OBJ: the BTF object of the target,
 *                              BTF: the target's type id in it), other link types
 *                              "... attach=other type=T run_cnt=C run_time_ns=T misses=M";
 *                              NAME is "-" when the program has none
 *   bench-bpf floor SPEC...    SPEC: fentry:OBJ:BTF | fexit:OBJ:BTF (as links prints
 *                              them): load an empty program ("floor") of that kind on
 *                              each and attach it; prints "floor attached=N" once all
 *                              are, then holds them until SIGTERM/SIGINT (exit 0). Any
 *                              failure: "bench-bpf: SPEC: load|attach: ERROR" and, for
 *                              load, the verifier log; exit 1
 *   bench-bpf stats on|off     kernel.bpf_stats_enabled (run_cnt/run_time_ns accounting)
 *
 * Exit 0 ok, 1 runtime failure (one line on stderr), 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/syscall.h>

#include "die.h"

#define STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"
#define LOG_SIZE     65536

static const char *prog = "bench-bpf";
static volatile sig_atomic_t stop;

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* The id after @id for a BPF_*_GET_NEXT_ID @cmd; 0 at the end. */
static uint32_t next_id(int cmd, uint32_t id)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.start_id = id;
	if (sys_bpf(cmd, &a) == 0)
		return a.next_id;
	if (errno != ENOENT)
		die(1, "BPF_*_GET_NEXT_ID after %u: %s", id, strerror(errno));
	return 0;
}

/* An fd for object @id (BPF_{LINK,PROG,BTF}_GET_FD_BY_ID), -1 with errno. */
static int fd_by_id(int cmd, uint32_t id)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.start_id = id; /* the same field as link_id, prog_id and btf_id */
	return sys_bpf(cmd, &a);
}

/* BPF_OBJ_GET_INFO_BY_FD into @info (prepared by the caller, zero elsewhere). */
static int obj_info(int fd, void *info, uint32_t len)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = fd;
	a.info.info_len = len;
	a.info.info = ptr(info);
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
}

/* ---- links ------------------------------------------------------------------ */

/* The program's info; 0 when it is gone (ENOENT). */
static int prog_info(uint32_t id, struct bpf_prog_info *pi)
{
	int fd = fd_by_id(BPF_PROG_GET_FD_BY_ID, id);

	memset(pi, 0, sizeof(*pi));
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		die(1, "prog %u: %s", id, strerror(errno));
	if (obj_info(fd, pi, sizeof(*pi)))
		die(1, "prog %u: info: %s", id, strerror(errno));
	close(fd);
	return 1;
}

static const char *attach_name(uint32_t type)
{
	if (type == BPF_TRACE_FENTRY)
		return "fentry";
	if (type == BPF_TRACE_FEXIT)
		return "fexit";
	return "other";
}

static void print_link(uint32_t id)
{
	struct bpf_link_info li;
	struct bpf_prog_info pi;
	int fd = fd_by_id(BPF_LINK_GET_FD_BY_ID, id);

	if (fd < 0 && errno == ENOENT)
		return;
	if (fd < 0)
		die(1, "link %u: %s", id, strerror(errno));
	memset(&li, 0, sizeof(li));
	if (obj_info(fd, &li, sizeof(li)))
		die(1, "link %u: info: %s", id, strerror(errno));
	close(fd);
	if (!prog_info(li.prog_id, &pi))
		return;
	printf("link id=%u prog=%u name=%.*s ", id, li.prog_id, (int)sizeof(pi.name),
	       pi.name[0] ? pi.name : "-");
	if (li.type == BPF_LINK_TYPE_TRACING)
		printf("attach=%s obj=%u btf=%u", attach_name(li.tracing.attach_type),
		       li.tracing.target_obj_id, li.tracing.target_btf_id);
	else
		printf("attach=other type=%u", li.type);
	printf(" run_cnt=%llu run_time_ns=%llu misses=%llu\n", (unsigned long long)pi.run_cnt,
	       (unsigned long long)pi.run_time_ns, (unsigned long long)pi.recursion_misses);
}

static int cmd_links(void)
{
	for (uint32_t id = next_id(BPF_LINK_GET_NEXT_ID, 0); id;
	     id = next_id(BPF_LINK_GET_NEXT_ID, id))
		print_link(id);
	return 0;
}

/* ---- floor ------------------------------------------------------------------ */

struct spec {
	const char *arg;
	uint32_t attach; /* BPF_TRACE_FENTRY or BPF_TRACE_FEXIT */
	uint32_t obj, btf;
	int prog_fd, link_fd;
};

static uint32_t num(const char *s, char **end, const char *arg)
{
	unsigned long v;

	errno = 0;
	v = strtoul(s, end, 10);
	if (errno || *end == s || *s == '-' || v > UINT32_MAX)
		die(2, "%s: expected fentry:OBJ:BTF or fexit:OBJ:BTF", arg);
	return v;
}

static void parse_spec(struct spec *sp, const char *arg)
{
	const char *p = strchr(arg, ':');
	char *end;

	sp->arg = arg;
	sp->prog_fd = sp->link_fd = -1;
	if (p && p - arg == 6 && !strncmp(arg, "fentry", 6))
		sp->attach = BPF_TRACE_FENTRY;
	else if (p && p - arg == 5 && !strncmp(arg, "fexit", 5))
		sp->attach = BPF_TRACE_FEXIT;
	else
		die(2, "%s: expected fentry:OBJ:BTF or fexit:OBJ:BTF", arg);
	sp->obj = num(p + 1, &end, arg);
	if (*end != ':')
		die(2, "%s: expected fentry:OBJ:BTF or fexit:OBJ:BTF", arg);
	sp->btf = num(end + 1, &end, arg);
	if (*end || !sp->btf)
		die(2, "%s: expected fentry:OBJ:BTF or fexit:OBJ:BTF", arg);
}

/* Is BTF object @id the kernel's own ("vmlinux", kernel_btf)? */
static int is_vmlinux(uint32_t id)
{
	struct bpf_btf_info bi;
	char name[64];
	int fd = fd_by_id(BPF_BTF_GET_FD_BY_ID, id);

	if (fd < 0 && errno == ENOENT)
		return 0; /* gone since BPF_BTF_GET_NEXT_ID */
	if (fd < 0)
		die(1, "BTF object %u: %s", id, strerror(errno));
	memset(&bi, 0, sizeof(bi));
	memset(name, 0, sizeof(name));
	bi.name = ptr(name);
	bi.name_len = sizeof(name);
	if (obj_info(fd, &bi, sizeof(bi)) && errno != ENOSPC)
		die(1, "BTF object %u: info: %s", id, strerror(errno));
	close(fd);
	return bi.kernel_btf && !strcmp(name, "vmlinux");
}

/* The id of the vmlinux BTF object, 0 when there is none. */
static uint32_t vmlinux_btf_id(void)
{
	for (uint32_t id = next_id(BPF_BTF_GET_NEXT_ID, 0); id;
	     id = next_id(BPF_BTF_GET_NEXT_ID, id))
		if (is_vmlinux(id))
			return id;
	return 0;
}

static int try_load(const struct spec *sp, int obj_fd, char *log)
{
	/* r0 = 0; exit */
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_TRACING;
	a.expected_attach_type = sp->attach;
	a.insns = ptr(insns);
	a.insn_cnt = 2;
	a.license = ptr("GPL");
	a.attach_btf_id = sp->btf;
	a.attach_btf_obj_fd = obj_fd >= 0 ? obj_fd : 0;
	memcpy(a.prog_name, "floor", sizeof("floor"));
	if (log) {
		log[0] = '\0';
		a.log_level = 1;
		a.log_buf = ptr(log);
		a.log_size = LOG_SIZE;
	}
	return sys_bpf(BPF_PROG_LOAD, &a);
}

/* Load, then attach: the program and the link fd in *sp, or exit 1. */
static void floor_one(struct spec *sp, uint32_t vmlinux)
{
	static char log[LOG_SIZE];
	int obj_fd = -1, err;
	union bpf_attr a;

	if (sp->obj && sp->obj != vmlinux) {
		obj_fd = fd_by_id(BPF_BTF_GET_FD_BY_ID, sp->obj);
		if (obj_fd < 0)
			die(1, "%s: load: BTF object %u: %s", sp->arg, sp->obj, strerror(errno));
	}
	sp->prog_fd = try_load(sp, obj_fd, NULL);
	if (sp->prog_fd < 0) {
		err = errno;
		sp->prog_fd = try_load(sp, obj_fd, log); /* again, for the verifier log */
		if (sp->prog_fd < 0) {
			fprintf(stderr, "%s: %s: load: %s\n", prog, sp->arg, strerror(err));
			if (log[0])
				fprintf(stderr, "%s%s", log,
					log[strlen(log) - 1] == '\n' ? "" : "\n");
			exit(1);
		}
	}
	if (obj_fd >= 0)
		close(obj_fd);
	memset(&a, 0, sizeof(a));
	a.raw_tracepoint.name = 0;
	a.raw_tracepoint.prog_fd = sp->prog_fd;
	sp->link_fd = sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &a);
	if (sp->link_fd < 0)
		die(1, "%s: attach: %s", sp->arg, strerror(errno));
}

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static int cmd_floor(int n, char **args)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct spec *specs = calloc(n, sizeof(*specs));
	uint32_t vmlinux;
	sigset_t set, old;

	if (!specs)
		die(1, "calloc: %s", strerror(errno));
	for (int i = 0; i < n; i++)
		parse_spec(&specs[i], args[i]);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, &old))
		die(1, "sigprocmask: %s", strerror(errno));
	sigdelset(&old, SIGTERM);
	sigdelset(&old, SIGINT);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	vmlinux = vmlinux_btf_id();
	for (int i = 0; i < n; i++)
		floor_one(&specs[i], vmlinux);
	printf("floor attached=%d\n", n);
	fflush(stdout);
	while (!stop)
		sigsuspend(&old);
	for (int i = 0; i < n; i++) {
		close(specs[i].link_fd);
		close(specs[i].prog_fd);
	}
	free(specs);
	return 0;
}

/* ---- stats ------------------------------------------------------------------ */

static int cmd_stats(const char *arg)
{
	int on = !strcmp(arg, "on"), fd;

	if (!on && strcmp(arg, "off"))
		die(2, "stats: expected on or off, saw '%s'", arg);
	fd = open(STATS_SYSCTL, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die(1, "open %s: %s", STATS_SYSCTL, strerror(errno));
	if (write(fd, on ? "1\n" : "0\n", 2) != 2)
		die(1, "write %s: %s", STATS_SYSCTL, strerror(errno));
	if (close(fd))
		die(1, "close %s: %s", STATS_SYSCTL, strerror(errno));
	return 0;
}

/* ---- main ------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: bench-bpf links | floor fentry:OBJ:BTF|fexit:OBJ:BTF... | stats on|off\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	int n = argc - 2; /* arguments after the subcommand */

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(c, "links") && n == 0)
		return cmd_links();
	if (!strcmp(c, "floor") && n >= 1)
		return cmd_floor(n, argv + 2);
	if (!strcmp(c, "stats") && n == 1)
		return cmd_stats(argv[2]);
	usage();
}
