// SPDX-License-Identifier: GPL-2.0
/*
 * da-oracle: what this kernel lets a BPF tool attach, and a few helpers the
 * host tests need where no util-linux or python3 exists (busybox lab guests).
 *
 * A deliberately separate implementation: no libbpf and nothing of src/, only
 * raw syscalls and its own BTF reader, so that tests/host/run.sh and
 * daemon.sh can hold the auditor's claims against it. Static, so it runs in
 * the lab's busybox guests (cross-built for arm64 like the trigger).
 *
 *   da-oracle fentry FUNC      load an empty BPF_TRACE_FEXIT program on FUNC's BTF id
 *                              and attach it: "ok", or "fail CODE STAGE" (STAGE: btf,
 *                              load or attach; "fail nobtf" without kernel BTF)
 *   da-oracle kprobe FUNC      perf_event_open a kprobe on FUNC: "ok", "fail CODE",
 *                              or "fail nokprobes" when there is no kprobe PMU
 *   da-oracle iter             the task_vma iterator (BTF FUNC bpf_iter_task_vma):
 *                              "present" or "absent"
 *   da-oracle btf-func NAME    a BTF FUNC NAME in kernel BTF: present | absent
 *   da-oracle member S M       struct S has a member M in kernel BTF: present | absent
 *   da-oracle param0 FUNC      the struct FUNC's first parameter points to in kernel BTF
 *                              (const, volatile and typedefs skipped), or "absent"
 *   da-oracle ksym NAME        NAME is a text symbol of /proc/kallsyms: present | absent
 *   da-oracle btf-rename IN OUT OLD NEW
 *                              copy of BTF file IN with the string OLD (exactly, NUL-
 *                              delimited, in the string section) renamed to NEW (same
 *                              length): prints "renamed N"
 *   da-oracle dmabuf-vmas      dma-buf vmas of every process (/proc/PID/smaps, path
 *                              /dmabuf:...): "vmas N bytes B nopfnmap K"
 *   da-oracle locked FILE      "locked" if another process holds a flock on FILE, else
 *                              "unlocked"
 *   da-oracle as UID:GID CMD [ARGS...]
 *                              no supplementary groups, GID, UID, no capabilities at all
 *                              (effective, permitted, inheritable, ambient), then exec
 *   da-oracle no-setpcap CMD [ARGS...]
 *                              CAP_SETPCAP dropped from the bounding set, then exec (as
 *                              root: the permitted set is the bounding set after exec)
 *   da-oracle monotonic-us     CLOCK_MONOTONIC in microseconds
 *   da-oracle notify-listen SOCKET OUT
 *                              a systemd notify socket: AF_UNIX datagrams at SOCKET
 *                              ("@name": abstract) appended to OUT, one line each ("\n"
 *                              inside shown as "|"); prints "listening" once bound; exit 0
 *                              on SIGTERM/SIGINT (a path socket is removed)
 *
 * Exit 0 whatever the answer; 1 when it cannot find out; 2 on a usage error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "die.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT		 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define KPROBE_TYPE "/sys/bus/event_source/devices/kprobe/type"
#define ENOTSUPP_K  524 /* kernel-internal "not supported" */

/* BTF as include/uapi/linux/btf.h lays it out; kept here so that old headers do. */
#define BTF_MAGIC_V	0xeB9F
#define KIND_INT	1
#define KIND_PTR	2
#define KIND_ARRAY	3
#define KIND_STRUCT	4
#define KIND_UNION	5
#define KIND_ENUM	6
#define KIND_FWD	7
#define KIND_TYPEDEF	8
#define KIND_VOLATILE	9
#define KIND_CONST	10
#define KIND_RESTRICT	11
#define KIND_FUNC	12
#define KIND_FUNC_PROTO 13
#define KIND_VAR	14
#define KIND_DATASEC	15
#define KIND_FLOAT	16
#define KIND_DECL_TAG	17
#define KIND_TYPE_TAG	18
#define KIND_ENUM64	19

struct btf_hdr {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t type_off;
	uint32_t type_len;
	uint32_t str_off;
	uint32_t str_len;
};

struct btf_t {
	uint32_t name_off;
	uint32_t info; /* vlen 0-15, kind 24-28, kflag 31 */
	uint32_t size_or_type;
};

struct btf_member_t {
	uint32_t name_off;
	uint32_t type;
	uint32_t offset;
};

struct btf {
	char *data;
	size_t len;
	const char *types; /* type section */
	uint32_t types_len;
	const char *strs;
	uint32_t strs_len;
};

static const char *prog = "da-oracle";

static const char *errno_name(int e)
{
	static char buf[32];
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },
		{ ENOENT, "ENOENT" },
		{ ESRCH, "ESRCH" },
		{ EINTR, "EINTR" },
		{ EIO, "EIO" },
		{ E2BIG, "E2BIG" },
		{ EBADF, "EBADF" },
		{ EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" },
		{ EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" },
		{ ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" },
		{ ENOSPC, "ENOSPC" },
		{ ERANGE, "ERANGE" },
		{ ENOSYS, "ENOSYS" },
		{ ENOTSUP, "EOPNOTSUPP" },
		{ ENOTSUPP_K, "ENOTSUPP" },
		{ ELOOP, "ELOOP" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* ---- files ------------------------------------------------------------------- */

/* The whole file (sysfs BTF has no reliable st_size everywhere): malloc'ed. */
static char *slurp(const char *path, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	*len = n;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

/* ---- BTF --------------------------------------------------------------------- */

/* 0, or -1 with errno (ENOENT: no such file; EINVAL: not BTF this reader knows). */
static int btf_open(struct btf *b, const char *path)
{
	struct btf_hdr h;

	memset(b, 0, sizeof(*b));
	b->data = slurp(path, &b->len);
	if (!b->data)
		return -1;
	if (b->len < sizeof(h))
		goto bad;
	memcpy(&h, b->data, sizeof(h));
	if (h.magic != BTF_MAGIC_V || h.hdr_len < sizeof(h) || h.hdr_len > b->len ||
	    h.type_off > b->len - h.hdr_len || h.type_len > b->len - h.hdr_len - h.type_off ||
	    h.str_off > b->len - h.hdr_len || h.str_len > b->len - h.hdr_len - h.str_off)
		goto bad;
	b->types = b->data + h.hdr_len + h.type_off;
	b->types_len = h.type_len;
	b->strs = b->data + h.hdr_len + h.str_off;
	b->strs_len = h.str_len;
	return 0;
bad:
	free(b->data);
	b->data = NULL;
	errno = EINVAL;
	return -1;
}

static const char *btf_str(const struct btf *b, uint32_t off)
{
	if (off >= b->strs_len || !memchr(b->strs + off, 0, b->strs_len - off))
		return "";
	return b->strs + off;
}

/* Bytes that follow struct btf_t for this type, -1 for a kind unknown here. */
static long btf_extra(const struct btf_t *t)
{
	uint32_t vlen = t->info & 0xffff;

	switch ((t->info >> 24) & 0x1f) {
	case KIND_INT:
	case KIND_VAR:
	case KIND_DECL_TAG:
		return 4;
	case KIND_ARRAY:
		return 12;
	case KIND_STRUCT:
	case KIND_UNION:
	case KIND_DATASEC:
	case KIND_ENUM64:
		return 12L * vlen;
	case KIND_ENUM:
	case KIND_FUNC_PROTO:
		return 8L * vlen;
	case KIND_PTR:
	case KIND_FWD:
	case KIND_TYPEDEF:
	case KIND_VOLATILE:
	case KIND_CONST:
	case KIND_RESTRICT:
	case KIND_FUNC:
	case KIND_FLOAT:
	case KIND_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

/*
 * The first type (lowest id, ids from 1) of KIND named NAME: its id, and in
 * *out its record. 0 when there is none; -1 (errno EINVAL) on a type section
 * this reader cannot walk.
 */
static long btf_find(const struct btf *b, const char *name, int kind, const struct btf_t **out)
{
	uint32_t off = 0;
	long id = 1;

	while (off + sizeof(struct btf_t) <= b->types_len) {
		const struct btf_t *t = (const void *)(b->types + off);
		long extra = btf_extra(t);

		if (extra < 0 || off + sizeof(*t) + extra > b->types_len) {
			errno = EINVAL;
			return -1;
		}
		if ((int)((t->info >> 24) & 0x1f) == kind &&
		    !strcmp(btf_str(b, t->name_off), name)) {
			if (out)
				*out = t;
			return id;
		}
		off += sizeof(*t) + extra;
		id++;
	}
	return 0;
}

/* Kernel BTF, or exit with "fail nobtf" / an error. */
static void kernel_btf(struct btf *b)
{
	if (!btf_open(b, VMLINUX_BTF))
		return;
	if (errno == ENOENT) {
		puts("fail nobtf");
		exit(0);
	}
	die(1, "%s: %s", VMLINUX_BTF, strerror(errno));
}

static int btf_has_func(const char *name)
{
	struct btf b;
	long id;

	kernel_btf(&b);
	id = btf_find(&b, name, KIND_FUNC, NULL);
	if (id < 0)
		die(1, "%s: cannot walk its types", VMLINUX_BTF);
	free(b.data);
	return id > 0;
}

static int cmd_btf_func(const char *name)
{
	puts(btf_has_func(name) ? "present" : "absent");
	return 0;
}

static int cmd_member(const char *sname, const char *mname)
{
	const struct btf_t *t = NULL;
	struct btf b;
	long id;
	int found = 0;

	kernel_btf(&b);
	id = btf_find(&b, sname, KIND_STRUCT, &t);
	if (id < 0)
		die(1, "%s: cannot walk its types", VMLINUX_BTF);
	if (id > 0) {
		const struct btf_member_t *m = (const void *)(t + 1);

		for (uint32_t i = 0; i < (t->info & 0xffff) && !found; i++)
			found = !strcmp(btf_str(&b, m[i].name_off), mname);
	}
	free(b.data);
	puts(found ? "present" : "absent");
	return 0;
}

/* The type of id ID (ids from 1), NULL when there is none or the walk fails. */
static const struct btf_t *btf_by_id(const struct btf *b, uint32_t id)
{
	uint32_t off = 0;

	for (uint32_t i = 1; off + sizeof(struct btf_t) <= b->types_len; i++) {
		const struct btf_t *t = (const void *)(b->types + off);
		long extra = btf_extra(t);

		if (extra < 0 || off + sizeof(*t) + extra > b->types_len)
			return NULL;
		if (i == id)
			return t;
		off += sizeof(*t) + extra;
	}
	return NULL;
}

static int btf_kind(const struct btf_t *t)
{
	return (int)((t->info >> 24) & 0x1f);
}

static int cmd_param0(const char *func)
{
	const struct btf_t *t = NULL;
	const char *name = "absent";
	struct btf b;
	long id;

	kernel_btf(&b);
	id = btf_find(&b, func, KIND_FUNC, &t);
	if (id < 0)
		die(1, "%s: cannot walk its types", VMLINUX_BTF);
	if (id > 0)
		t = btf_by_id(&b, t->size_or_type); /* the FUNC_PROTO */
	if (id > 0 && t && btf_kind(t) == KIND_FUNC_PROTO && (t->info & 0xffff)) {
		const uint32_t *param = (const void *)(t + 1); /* name_off, type */

		t = btf_by_id(&b, param[1]);
		if (t && btf_kind(t) == KIND_PTR)
			t = btf_by_id(&b, t->size_or_type);
		else
			t = NULL;
		while (t && (btf_kind(t) == KIND_CONST || btf_kind(t) == KIND_VOLATILE ||
			     btf_kind(t) == KIND_TYPEDEF))
			t = btf_by_id(&b, t->size_or_type);
		if (t && btf_kind(t) == KIND_STRUCT)
			name = btf_str(&b, t->name_off);
	}
	puts(name);
	free(b.data);
	return 0;
}

static int cmd_iter(void)
{
	return cmd_btf_func("bpf_iter_task_vma");
}

static int cmd_btf_rename(const char *in, const char *out, const char *old, const char *new)
{
	size_t n = strlen(old), count = 0;
	struct btf b;
	char *s;
	int fd;

	if (n == 0 || strlen(new) != n)
		die(2, "btf-rename: OLD and NEW must have the same, non-zero length");
	if (btf_open(&b, in))
		die(1, "btf-rename: %s: %s", in,
		    errno == EINVAL ? "not a BTF file" : strerror(errno));
	s = (char *)b.strs;
	for (size_t i = 0; i + n < b.strs_len; i++) {
		if ((i == 0 || s[i - 1] == '\0') && s[i + n] == '\0' && !memcmp(s + i, old, n)) {
			memcpy(s + i, new, n);
			count++;
		}
	}
	if (!count)
		die(1, "btf-rename: no string '%s' in the string section of %s", old, in);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len || close(fd))
		die(1, "btf-rename: %s: %s", out, strerror(errno));
	free(b.data);
	printf("renamed %zu\n", count);
	return 0;
}

/* ---- BPF: the fentry trial ------------------------------------------------- */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int cmd_fentry(const char *func)
{
	/* r0 = 0; exit */
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	struct btf b;
	long id;
	int pfd, lfd;

	kernel_btf(&b);
	id = btf_find(&b, func, KIND_FUNC, NULL);
	free(b.data);
	if (id < 0)
		die(1, "%s: cannot walk its types", VMLINUX_BTF);
	if (id == 0) {
		puts("fail ENOENT btf");
		return 0;
	}
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_TRACING;
	attr.expected_attach_type = BPF_TRACE_FEXIT;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	attr.attach_btf_id = (uint32_t)id;
	pfd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (pfd < 0) {
		printf("fail %s load\n", errno_name(errno));
		return 0;
	}
	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.name = 0;
	attr.raw_tracepoint.prog_fd = pfd;
	lfd = sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &attr);
	if (lfd < 0) {
		printf("fail %s attach\n", errno_name(errno));
		close(pfd);
		return 0;
	}
	close(lfd);
	close(pfd);
	puts("ok");
	return 0;
}

/* ---- kprobes ----------------------------------------------------------------- */

static int cmd_kprobe(const char *func)
{
	struct perf_event_attr attr;
	FILE *f = fopen(KPROBE_TYPE, "re");
	int type, fd;

	if (!f) {
		puts("fail nokprobes");
		return 0;
	}
	if (fscanf(f, "%d", &type) != 1)
		die(1, "%s: no number in it", KPROBE_TYPE);
	fclose(f);
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = type;
	attr.config1 = (uint64_t)(uintptr_t)func; /* kprobe_func */
	attr.config2 = 0;			  /* probe_offset */
	fd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		printf("fail %s\n", errno_name(errno));
		return 0;
	}
	close(fd);
	puts("ok");
	return 0;
}

static int cmd_ksym(const char *name)
{
	char line[512], sym[256], type;
	FILE *f = fopen("/proc/kallsyms", "re");
	int found = 0;

	if (!f)
		die(1, "/proc/kallsyms: %s", strerror(errno));
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %c %255s", &type, sym) == 2 &&
			(type == 't' || type == 'T') && !strcmp(sym, name);
	fclose(f);
	puts(found ? "present" : "absent");
	return 0;
}

/* ---- processes ---------------------------------------------------------------- */

static int cmd_dmabuf_vmas(void)
{
	unsigned long long bytes = 0, vmas = 0, nopf = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		die(1, "/proc: %s", strerror(errno));
	while ((e = readdir(d))) {
		unsigned long long start = 0, end = 0;
		char path[300], line[4096];
		int in = 0, pf = 0;
		FILE *f;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/smaps", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue; /* gone, or a kernel thread */
		while (fgets(line, sizeof(line), f)) {
			unsigned long long s, en;
			int n = 0;

			if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %n", &s, &en, &n) == 2 &&
			    n > 0) {
				if (in) {
					vmas++;
					bytes += end - start;
					nopf += !pf;
				}
				in = !strncmp(line + n, "/dmabuf:", 8);
				start = s;
				end = en;
				pf = 0;
			} else if (in && !strncmp(line, "VmFlags:", 8)) {
				pf = strstr(line, " pf") != NULL;
			}
		}
		if (in) {
			vmas++;
			bytes += end - start;
			nopf += !pf;
		}
		fclose(f);
	}
	closedir(d);
	printf("vmas %llu bytes %llu nopfnmap %llu\n", vmas, bytes, nopf);
	return 0;
}

static int cmd_locked(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(1, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		puts("unlocked");
	} else if (errno == EWOULDBLOCK) {
		puts("locked");
	} else {
		die(1, "flock %s: %s", path, strerror(errno));
	}
	close(fd);
	return 0;
}

/* CAP_SETPCAP out of the bounding set (what util-linux setpriv --bounding-set=-setpcap does). */
static int cmd_no_setpcap(char **argv)
{
	if (prctl(PR_CAPBSET_DROP, 8 /* CAP_SETPCAP */, 0, 0, 0))
		die(1, "PR_CAPBSET_DROP CAP_SETPCAP: %s", strerror(errno));
	execvp(argv[0], argv);
	die(1, "exec %s: %s", argv[0], strerror(errno));
}

static int cmd_as(const char *ids, char **argv)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct caps[2];
	unsigned long uid, gid;
	char *end;

	uid = strtoul(ids, &end, 10);
	if (end == ids || *end != ':')
		die(2, "as: expected UID:GID, saw '%s'", ids);
	gid = strtoul(end + 1, &end, 10);
	if (*end)
		die(2, "as: expected UID:GID, saw '%s'", ids);
	if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
		die(1, "as %s: %s", ids, strerror(errno));
	memset(caps, 0, sizeof(caps));
	if (syscall(SYS_capset, &h, caps))
		die(1, "as: capset: %s", strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		die(1, "as: clearing ambient capabilities: %s", strerror(errno));
	execvp(argv[0], argv);
	die(127, "as: %s: %s", argv[0], strerror(errno));
}

static int cmd_monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%llu\n", (unsigned long long)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000);
	return 0;
}

static int cmd_notify_listen(const char *path, const char *out)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	socklen_t alen;
	static char buf[65536 + 1];
	struct pollfd pfd[2];
	int abstract = path[0] == '@', s, sfd, ofd;
	sigset_t set;

	if (n < 2 || n >= sizeof(a.sun_path))
		die(2, "notify-listen: bad socket name '%s'", path);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die(1, "notify-listen: sigprocmask: %s", strerror(errno));
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sfd < 0 || s < 0)
		die(1, "notify-listen: %s", strerror(errno));
	if (abstract) {
		memcpy(a.sun_path + 1, path + 1, n - 1); /* sun_path[0] stays 0 */
		alen = offsetof(struct sockaddr_un, sun_path) + n;
	} else {
		unlink(path);
		memcpy(a.sun_path, path, n + 1);
		alen = offsetof(struct sockaddr_un, sun_path) + n + 1;
	}
	if (bind(s, (struct sockaddr *)&a, alen))
		die(2, "notify-listen: %s: %s", path, strerror(errno));
	ofd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (ofd < 0)
		die(2, "notify-listen: %s: %s", out, strerror(errno));
	printf("listening\n");
	fflush(stdout);
	pfd[0] = (struct pollfd){ .fd = s, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		ssize_t r;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die(1, "notify-listen: poll: %s", strerror(errno));
		}
		if (pfd[1].revents)
			break;
		if (!pfd[0].revents)
			continue;
		r = recv(s, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die(1, "notify-listen: recv: %s", strerror(errno));
		}
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] == '\n')
				buf[i] = '|';
		buf[r] = '\n';
		if (write(ofd, buf, r + 1) != r + 1)
			die(1, "notify-listen: %s: %s", out, strerror(errno));
	}
	close(ofd);
	close(s);
	if (!abstract)
		unlink(path);
	return 0;
}

/* ---- main -------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: da-oracle fentry FUNC | kprobe FUNC | iter | btf-func NAME | member STRUCT MEMBER |\n"
		"       param0 FUNC |\n"
		"       ksym NAME | btf-rename IN OUT OLD NEW | dmabuf-vmas | locked FILE |\n"
		"       as UID:GID CMD [ARGS...] | no-setpcap CMD [ARGS...] | monotonic-us |\n"
		"       notify-listen SOCKET OUT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	int n = argc - 2; /* arguments after the subcommand */

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(c, "fentry") && n == 1)
		return cmd_fentry(argv[2]);
	if (!strcmp(c, "kprobe") && n == 1)
		return cmd_kprobe(argv[2]);
	if (!strcmp(c, "iter") && n == 0)
		return cmd_iter();
	if (!strcmp(c, "btf-func") && n == 1)
		return cmd_btf_func(argv[2]);
	if (!strcmp(c, "member") && n == 2)
		return cmd_member(argv[2], argv[3]);
	if (!strcmp(c, "param0") && n == 1)
		return cmd_param0(argv[2]);
	if (!strcmp(c, "ksym") && n == 1)
		return cmd_ksym(argv[2]);
	if (!strcmp(c, "btf-rename") && n == 4)
		return cmd_btf_rename(argv[2], argv[3], argv[4], argv[5]);
	if (!strcmp(c, "dmabuf-vmas") && n == 0)
		return cmd_dmabuf_vmas();
	if (!strcmp(c, "locked") && n == 1)
		return cmd_locked(argv[2]);
	if (!strcmp(c, "as") && n >= 2)
		return cmd_as(argv[2], argv + 3);
	if (!strcmp(c, "no-setpcap") && n >= 1)
		return cmd_no_setpcap(argv + 2);
	if (!strcmp(c, "monotonic-us") && n == 0)
		return cmd_monotonic_us();
	if (!strcmp(c, "notify-listen") && n == 2)
		return cmd_notify_listen(argv[2], argv[3]);
	usage();
}
