// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-bench: the workload ops of `make bench` (what the auditor's probes
 * cost the paths they sit on) and a few probes of the auditor process itself.
 * Raw syscalls, nothing of src/, static like the trigger (busybox guests).
 *
 *   dmabuf-bench OP [-n ITERS] [-p PAGES]
 *                              one untimed warm-up iteration of OP, then ITERS timed
 *                              ones: "op=OP iters=N ns_per_op=X" (CLOCK_MONOTONIC)
 *     gup_slow_anon            pread a pre-touched anon region via /proc/self/mem
 *     gup_fast_anon            vmsplice it into a pipe 16 pages at a time, drain it
 *     fault_anon               mmap PAGES anon pages, write each page, munmap
 *     fault_file               mmap a /tmp file MAP_SHARED read-only, read each page
 *     mmap_munmap              mmap one anon page, write it, munmap
 *     fork                     fork, the child _exit(0)s, waitpid
 *     dmabuf_insert_page | dmabuf_insert_pages | dmabuf_fault_page | dmabuf_remap_pfn
 *                              mmap one dma-buf of the test exporter (that mode),
 *                              read each page, munmap
 *     gup_dmabuf_violating     pread an insert_page dma-buf mapping via /proc/self/mem
 *     gup_dmabuf_compliant     pread one page of a remap_pfn one (refused: expected)
 *   dmabuf-bench hold PROCS VMAS
 *                              PROCS children with VMAS one-page vmas each; prints
 *                              "held procs=P vmas=V", exits 0 on SIGTERM/SIGINT after
 *                              killing and reaping them
 *   dmabuf-bench spawn OUT ERR CMD [ARGS...]
 *                              run CMD (stdout to OUT, stderr to ERR) until ERR has a
 *                              "dmabuf-audit: ready" or "...: scan-only" line:
 *                              "pid=PID ready_ns=N"; N=-1 and "status=exited|timeout"
 *                              (exit 1) when CMD exits first or after 120 s
 *   dmabuf-bench rss PID       "pid=PID rss_kib=A hwm_kib=B"
 *   dmabuf-bench cpu PID       "pid=PID cpu_ticks=T ctxsw=C hz=H" (utime+stime; the
 *                              context switches of all its threads)
 *
 * Default -p 128 pages. Exit 0 ok, 1 runtime failure (one line on stderr), 2 usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "dmabuf_test_uapi.h"
#include "die.h"

#define TEST_DEV       "/dev/dmabuf_test"
#define GUP_CHUNK      16 /* pages per vmsplice */
#define SPAWN_POLL_NS  2000000LL
#define SPAWN_LIMIT_NS 120000000000LL

static const char *prog = "dmabuf-bench";
static volatile char sink;
static volatile sig_atomic_t stop;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long num(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die(2, "%s: expected a number %ld..%ld, saw '%s'", what, min, max, s);
	return v;
}

/* ---- timed ops ------------------------------------------------------------- */

#define S_ANON	 0x01 /* a pre-touched anonymous region at map */
#define S_MEM	 0x02 /* /proc/self/mem in mem */
#define S_PIPE	 0x04 /* a pipe; PAGES rounded up to whole GUP_CHUNKs */
#define S_FILE	 0x08 /* a filled, unlinked /tmp file of PAGES pages in fd */
#define S_DMABUF 0x10 /* a test exporter dma-buf of PAGES pages in fd */
#define S_MAPPED 0x20 /* ... mapped once at map */

struct bench {
	size_t pages, psz, len;
	char *map; /* the anon region, or the dma-buf mapped once */
	char *buf; /* len bytes: pread, pipe drain and file fill target */
	int fd;	   /* the /tmp file or the dma-buf */
	int mem;   /* /proc/self/mem */
	int pipe[2];
	int prot; /* of the per-iteration mmap of fd */
};

static char *map_anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die(1, "mmap %zu bytes: %s", len, strerror(errno));
	return p;
}

static int create_dmabuf(unsigned int mode, size_t pages)
{
	struct dmabuf_test_create arg = { .mode = mode, .pages = pages };
	int dev = open(TEST_DEV, O_RDWR | O_CLOEXEC);

	if (dev < 0)
		die(1, "open %s: %s (is dmabuf_test_exporter loaded?)", TEST_DEV, strerror(errno));
	if (ioctl(dev, DMABUF_TEST_CREATE, &arg) < 0)
		die(1, "DMABUF_TEST_CREATE mode %u pages %zu: %s", mode, pages, strerror(errno));
	close(dev);
	return arg.fd;
}

static int create_tmp(const struct bench *b)
{
	char path[] = "/tmp/dmabuf-bench.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		die(1, "mkstemp %s: %s", path, strerror(errno));
	unlink(path); /* gone at exit, whatever way we exit */
	errno = 0;
	memset(b->buf, 1, b->len);
	if (write(fd, b->buf, b->len) != (ssize_t)b->len)
		die(1, "write %s: %s", path, errno ? strerror(errno) : "short write");
	return fd;
}

static void setup(struct bench *b, unsigned int flags, unsigned int mode)
{
	if (flags & S_PIPE) {
		b->pages = (b->pages + GUP_CHUNK - 1) / GUP_CHUNK * GUP_CHUNK;
		if (pipe2(b->pipe, O_CLOEXEC))
			die(1, "pipe: %s", strerror(errno));
	}
	b->len = b->pages * b->psz;
	b->buf = malloc(b->len);
	if (!b->buf)
		die(1, "malloc %zu bytes: %s", b->len, strerror(errno));
	if (flags & S_ANON)
		memset(b->map = map_anon(b->len), 1, b->len);
	b->prot = flags & S_FILE ? PROT_READ : PROT_READ | PROT_WRITE;
	if (flags & S_FILE)
		b->fd = create_tmp(b);
	if (flags & S_DMABUF)
		b->fd = create_dmabuf(mode, b->pages);
	if (flags & S_MAPPED) {
		b->map = mmap(NULL, b->len, b->prot, MAP_SHARED, b->fd, 0);
		if (b->map == MAP_FAILED)
			die(1, "mmap dma-buf: %s", strerror(errno));
	}
	b->mem = flags & S_MEM ? open("/proc/self/mem", O_RDWR | O_CLOEXEC) : 0;
	if (b->mem < 0)
		die(1, "open /proc/self/mem: %s", strerror(errno));
}

static void run_pread(struct bench *b)
{
	ssize_t r = pread(b->mem, b->buf, b->len, (off_t)(uintptr_t)b->map);

	if (r < 0)
		die(1, "pread /proc/self/mem: %s", strerror(errno));
	if ((size_t)r != b->len)
		die(1, "pread /proc/self/mem: %zd of %zu bytes", r, b->len);
}

/* GUP on a VM_PFNMAP vma is refused: EIO (or EFAULT) is the expected outcome. */
static void run_pread_one(struct bench *b)
{
	if (pread(b->mem, b->buf, b->psz, (off_t)(uintptr_t)b->map) < 0 && errno != EIO &&
	    errno != EFAULT)
		die(1, "pread /proc/self/mem: %s", strerror(errno));
}

static void drain(struct bench *b, size_t n)
{
	while (n) {
		ssize_t r = read(b->pipe[0], b->buf, n);

		if (r <= 0 && !(r < 0 && errno == EINTR))
			die(1, "read pipe: %s", r ? strerror(errno) : "end of file");
		n -= r > 0 ? r : 0;
	}
}

static void run_vmsplice(struct bench *b)
{
	size_t chunk = GUP_CHUNK * b->psz;

	for (size_t off = 0; off < b->len; off += chunk) {
		struct iovec iov = { .iov_base = b->map + off, .iov_len = chunk };

		while (iov.iov_len) {
			ssize_t n = vmsplice(b->pipe[1], &iov, 1, 0);

			if (n <= 0)
				die(1, "vmsplice: %s", n ? strerror(errno) : "no progress");
			drain(b, n);
			iov.iov_base = (char *)iov.iov_base + n;
			iov.iov_len -= n;
		}
	}
}

static void run_fault_anon(struct bench *b)
{
	char *p = map_anon(b->len);

	for (size_t off = 0; off < b->len; off += b->psz)
		p[off] = 1;
	munmap(p, b->len);
}

/* fault_file and the dmabuf_* ops: map fd shared, read a byte of every page, unmap. */
static void run_map_fd(struct bench *b)
{
	char *p = mmap(NULL, b->len, b->prot, MAP_SHARED, b->fd, 0);

	if (p == MAP_FAILED)
		die(1, "mmap: %s", strerror(errno));
	for (size_t off = 0; off < b->len; off += b->psz)
		sink = ((volatile char *)p)[off];
	munmap(p, b->len);
}

static void run_mmap_munmap(struct bench *b)
{
	char *p = map_anon(b->psz);

	p[0] = 1;
	munmap(p, b->psz);
}

static void run_fork(struct bench *b)
{
	pid_t pid = fork();

	(void)b;
	if (pid < 0)
		die(1, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(0);
	while (waitpid(pid, NULL, 0) < 0)
		if (errno != EINTR)
			die(1, "waitpid: %s", strerror(errno));
}

static const struct op {
	const char *name;
	void (*run)(struct bench *b);
	unsigned int flags, mode;
	long iters; /* default -n */
} ops[] = {
	{ "gup_slow_anon", run_pread, S_ANON | S_MEM, 0, 1000 },
	{ "gup_fast_anon", run_vmsplice, S_ANON | S_PIPE, 0, 1000 },
	{ "fault_anon", run_fault_anon, 0, 0, 1000 },
	{ "fault_file", run_map_fd, S_FILE, 0, 1000 },
	{ "mmap_munmap", run_mmap_munmap, 0, 0, 10000 },
	{ "fork", run_fork, 0, 0, 200 },
	{ "dmabuf_insert_page", run_map_fd, S_DMABUF, DMABUF_TEST_MODE_INSERT_PAGE, 1000 },
	{ "dmabuf_insert_pages", run_map_fd, S_DMABUF, DMABUF_TEST_MODE_INSERT_PAGES, 1000 },
	{ "dmabuf_fault_page", run_map_fd, S_DMABUF, DMABUF_TEST_MODE_FAULT_PAGE, 1000 },
	{ "dmabuf_remap_pfn", run_map_fd, S_DMABUF, DMABUF_TEST_MODE_REMAP_PFN, 1000 },
	{ "gup_dmabuf_violating", run_pread, S_DMABUF | S_MAPPED | S_MEM,
	  DMABUF_TEST_MODE_INSERT_PAGE, 1000 },
	{ "gup_dmabuf_compliant", run_pread_one, S_DMABUF | S_MAPPED | S_MEM,
	  DMABUF_TEST_MODE_REMAP_PFN, 1000 },
};

static int cmd_op(const struct op *op, int argc, char **argv)
{
	struct bench b = { .pages = 128, .psz = sysconf(_SC_PAGESIZE), .fd = -1 };
	long iters = op->iters;
	long long t0;

	for (int i = 0; i < argc; i += 2) {
		if (i + 1 < argc && !strcmp(argv[i], "-n"))
			iters = num(argv[i + 1], 1, 1000000000L, "-n");
		else if (i + 1 < argc && !strcmp(argv[i], "-p"))
			b.pages = num(argv[i + 1], 1, 1L << 20, "-p");
		else
			die(2, "%s: bad option '%s' (-n ITERS, -p PAGES)", op->name, argv[i]);
	}
	setup(&b, op->flags, op->mode);
	op->run(&b); /* warm-up */
	t0 = now_ns();
	for (long i = 0; i < iters; i++)
		op->run(&b);
	printf("op=%s iters=%ld ns_per_op=%lld\n", op->name, iters, (now_ns() - t0) / iters);
	return 0;
}

/* ---- hold ------------------------------------------------------------------- */

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* Block SIGTERM/SIGINT, handled by on_stop; *old: the mask to sigsuspend with. */
static void catch_stop(sigset_t *old)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, old))
		die(1, "sigprocmask: %s", strerror(errno));
	sigdelset(old, SIGTERM);
	sigdelset(old, SIGINT);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* VMAS one-page vmas, read-write and read-only in turn (they cannot merge). */
static void __attribute__((noreturn))
hold_child(int wfd, int devnull, pid_t parent, long vmas, const sigset_t *mask)
{
	size_t psz = sysconf(_SC_PAGESIZE);
	unsigned char e = 0;
	char *m;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		e = errno;
	if (getppid() != parent) /* the parent is gone already */
		_exit(1);
	/* never hold the caller's stdout open */
	dup2(devnull, STDOUT_FILENO);
	m = mmap(NULL, vmas * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!e && m == MAP_FAILED)
		e = errno;
	for (long i = 0; !e && i < vmas; i++) {
		if (i % 2 == 0)
			m[i * psz] = 1;
		else if (mprotect(m + i * psz, psz, PROT_READ))
			e = errno;
		else
			sink = m[i * psz];
	}
	if (write(wfd, &e, 1) != 1 || e)
		_exit(1);
	for (;;)
		pause();
}

static void hold_reap(const pid_t *pids, long n)
{
	for (long i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	for (long i = 0; i < n; i++)
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
}

/* Every child writes one byte: 0 when its vmas are in place, else an errno. */
static int hold_wait_ready(int rfd, long procs)
{
	unsigned char buf[256];
	long ready = 0;

	while (ready < procs) {
		ssize_t r = read(rfd, buf, procs - ready < 256 ? procs - ready : 256);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? errno : ECHILD;
		for (ssize_t i = 0; i < r; i++)
			if (buf[i])
				return buf[i];
		ready += r;
	}
	return 0;
}

static int cmd_hold(long procs, long vmas)
{
	pid_t *pids = calloc(procs, sizeof(*pids)), self = getpid();
	int p[2], devnull = open("/dev/null", O_WRONLY | O_CLOEXEC), err;
	sigset_t mask;
	long n;

	if (!pids || devnull < 0 || pipe2(p, O_CLOEXEC))
		die(1, "hold: %s", strerror(errno));
	if (setpgid(0, 0) && errno != EPERM)
		die(1, "setpgid: %s", strerror(errno));
	catch_stop(&mask);
	for (n = 0; n < procs; n++) {
		pids[n] = fork();
		if (pids[n] < 0)
			break;
		if (pids[n] == 0)
			hold_child(p[1], devnull, self, vmas, &mask);
	}
	if (n < procs) {
		err = errno;
		hold_reap(pids, n);
		die(1, "hold: fork child %ld of %ld: %s", n + 1, procs, strerror(err));
	}
	close(p[1]);
	err = hold_wait_ready(p[0], procs);
	if (err) {
		hold_reap(pids, n);
		die(1, "hold: a child failed: %s", strerror(err));
	}
	printf("held procs=%ld vmas=%ld\n", procs, vmas);
	fflush(stdout);
	while (!stop)
		sigsuspend(&mask);
	hold_reap(pids, n);
	free(pids);
	return 0;
}

/* ---- spawn ------------------------------------------------------------------ */

/* Feed ERR's new bytes; 1 once a line starts with a ready marker. */
static int scan_ready(int fd, char *line, size_t *n)
{
	static const char *const marks[] = { "dmabuf-audit: ready", "dmabuf-audit: scan-only" };
	char buf[4096];
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] == '\n') {
				*n = 0;
				continue;
			}
			if (*n < 31)
				line[(*n)++] = buf[i];
			for (int k = 0; k < 2; k++)
				if (*n == strlen(marks[k]) && !memcmp(line, marks[k], *n))
					return 1;
		}
	}
	return 0;
}

static int create_file(const char *path)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0)
		die(1, "open %s: %s", path, strerror(errno));
	return fd;
}

static int cmd_spawn(const char *out, const char *err, char **argv)
{
	struct timespec tick = { 0, SPAWN_POLL_NS };
	char line[32];
	size_t n = 0;
	long long t0;
	int efd, st;
	pid_t pid;

	close(create_file(out));
	close(create_file(err));
	efd = open(err, O_RDONLY | O_CLOEXEC);
	if (efd < 0)
		die(1, "open %s: %s", err, strerror(errno));
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		die(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* a background job of a script may have them ignored: not CMD */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		dup2(create_file(out), STDOUT_FILENO);
		dup2(create_file(err), STDERR_FILENO);
		execvp(argv[0], argv);
		die(127, "exec %s: %s", argv[0], strerror(errno));
	}
	for (;;) {
		long long t = now_ns();
		pid_t w;

		if (scan_ready(efd, line, &n))
			break;
		w = waitpid(pid, &st, WNOHANG);
		if (w == pid && scan_ready(efd, line, &n))
			break; /* ready, then gone: still ready */
		if (w == pid) {
			printf("pid=%d ready_ns=-1 status=exited\n", pid);
			die(1, "spawn: %s exited (%s %d) before it was ready", argv[0],
			    WIFEXITED(st) ? "status" : "signal",
			    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		}
		if (t - t0 >= SPAWN_LIMIT_NS) {
			printf("pid=%d ready_ns=-1 status=timeout\n", pid);
			die(1, "spawn: %s not ready after 120 s", argv[0]);
		}
		nanosleep(&tick, NULL);
	}
	printf("pid=%d ready_ns=%lld\n", pid, now_ns() - t0);
	return 0;
}

/* ---- rss, cpu --------------------------------------------------------------- */

/* The number after "KEY:" in a /proc status file; -1 when absent. */
static long long status_field(const char *path, const char *key)
{
	size_t klen = strlen(key);
	long long v = -1;
	char line[256];
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (v < 0 && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			v = strtoll(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

static int cmd_rss(long pid)
{
	char path[64];
	long long rss, hwm;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	rss = status_field(path, "VmRSS");
	hwm = status_field(path, "VmHWM");
	if (rss < 0 || hwm < 0)
		die(1, "%s: %s", path, access(path, R_OK) ? strerror(errno) : "no VmRSS/VmHWM");
	printf("pid=%ld rss_kib=%lld hwm_kib=%lld\n", pid, rss, hwm);
	return 0;
}

/* Context switches of every thread of PID; *sleeps: the voluntary ones (it slept). */
static long long ctxsw(long pid, long long *sleeps)
{
	long long sum = 0;
	struct dirent *e;
	char path[300];
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	d = opendir(path);
	if (!d)
		die(1, "%s: %s", path, strerror(errno));
	*sleeps = 0;
	while ((e = readdir(d))) {
		long long v, nv;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/status", pid, e->d_name);
		v = status_field(path, "voluntary_ctxt_switches");
		nv = status_field(path, "nonvoluntary_ctxt_switches");
		sum += (v > 0 ? v : 0) + (nv > 0 ? nv : 0); /* a thread may be gone */
		*sleeps += v > 0 ? v : 0;
	}
	closedir(d);
	return sum;
}

static int cmd_cpu(long pid)
{
	unsigned long long ut, st;
	char path[64], buf[1024], *p;
	long long all, sleeps;
	FILE *f;
	size_t r;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (!f)
		die(1, "%s: %s", path, strerror(errno));
	r = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[r] = '\0';
	p = strrchr(buf, ')');
	/* after "(comm)": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
	 * cmajflt utime stime */
	if (!p ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		die(1, "%s: cannot parse it", path);
	all = ctxsw(pid, &sleeps);
	printf("pid=%ld cpu_ticks=%llu ctxsw=%lld sleeps=%lld hz=%ld\n", pid, ut + st, all, sleeps,
	       sysconf(_SC_CLK_TCK));
	return 0;
}

/* ---- main ------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: dmabuf-bench OP [-n ITERS] [-p PAGES]\n       OP:");
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		fprintf(stderr, "%s %s", i % 4 ? "" : "\n          ", ops[i].name);
	fprintf(stderr, "\n       dmabuf-bench hold PROCS VMAS | spawn OUT ERR CMD [ARGS...] |\n"
			"       dmabuf-bench rss PID | cpu PID\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	int n = argc - 2; /* arguments after the op */

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(c, ops[i].name))
			return cmd_op(&ops[i], n, argv + 2);
	if (!strcmp(c, "hold") && n == 2)
		return cmd_hold(num(argv[2], 1, 100000, "PROCS"), num(argv[3], 1, 60000, "VMAS"));
	if (!strcmp(c, "spawn") && n >= 3)
		return cmd_spawn(argv[2], argv[3], argv + 4);
	if (!strcmp(c, "rss") && n == 1)
		return cmd_rss(num(argv[2], 1, INT32_MAX, "PID"));
	if (!strcmp(c, "cpu") && n == 1)
		return cmd_cpu(num(argv[2], 1, INT32_MAX, "PID"));
	usage();
}
