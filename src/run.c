// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "log.h"
#include "run.h"

/* The cgroup v2 mount point, from /proc/self/mountinfo ("" if none). */
static int cgroup2_mount(char *dst, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], mnt[DA_PATH_LEN];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - cgroup2 ");

		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - cgroup2 SOURCE SUPER" */
		if (sep && sscanf(line, "%*s %*s %*s %*s %1023s", mnt) == 1 && strlen(mnt) < len) {
			strcpy(dst, mnt);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/* This process's cgroup v2 path ("0::/PATH" of /proc/self/cgroup). */
static int own_cgroup(char *dst, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[DA_PATH_LEN + 8];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");

		line[n] = '\0';
		if (!strncmp(line, "0::/", 4) && n - 3 < len) {
			strcpy(dst, line + 3);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/* DIR/dmabuf-audit-run.PID beside this process's own cgroup; its id is the inode. */
static int make_cgroup(struct run_child *c, char *err, size_t errlen)
{
	char mnt[DA_PATH_LEN], own[DA_PATH_LEN];
	struct stat st;
	int ret = cgroup2_mount(mnt, sizeof(mnt));

	if (!ret)
		ret = own_cgroup(own, sizeof(own));
	if (ret) {
		snprintf(
			err, errlen,
			"run: no cgroup v2 hierarchy (%s): the command's tree cannot be told apart",
			strerror(-ret));
		return ret;
	}
	if (snprintf(c->cgroup, sizeof(c->cgroup), "%s%s/dmabuf-audit-run.%d", mnt,
		     strcmp(own, "/") ? own : "", (int)getpid()) >= (int)sizeof(c->cgroup))
		return -ENAMETOOLONG;
	if (mkdir(c->cgroup, 0755) && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "run: cannot make the command's cgroup %s: %s", c->cgroup,
			 strerror(-ret));
		c->cgroup[0] = '\0';
		return ret;
	}
	if (stat(c->cgroup, &st)) {
		ret = -errno;
		snprintf(err, errlen, "run: %s: %s", c->cgroup, strerror(-ret));
		return ret;
	}
	c->cgroup_id = st.st_ino;
	return 0;
}

static int join_cgroup(const struct run_child *c, char *err, size_t errlen)
{
	char path[DA_PATH_LEN + 16], pid[16];
	int fd, n, ret = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", c->cgroup);
	n = snprintf(pid, sizeof(pid), "%d\n", (int)c->pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, pid, (size_t)n) != n)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	if (ret)
		snprintf(err, errlen, "run: cannot move the command into %s: %s", c->cgroup,
			 strerror(-ret));
	return ret;
}

/* The child: waits at the gate, then becomes argv[0] with the signals it would have had. */
static void child(char **argv, int gate, int exec_err)
{
	sigset_t none;
	char go;
	int e;

	if (read(gate, &go, 1) != 1)
		_exit(DA_EXIT_CMD_NOEXEC); /* the auditor gave up */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	e = errno;
	if (write(exec_err, &e, sizeof(e)) < 0)
		e = EIO;
	_exit(e == ENOENT ? DA_EXIT_CMD_NOTFOUND : DA_EXIT_CMD_NOEXEC);
}

int run_start(struct run_child *c, char **argv, char *err, size_t errlen)
{
	int gate[2], exec_err[2], ret;

	memset(c, 0, sizeof(*c));
	c->gate = c->exec_err = -1;
	ret = make_cgroup(c, err, errlen);
	if (ret)
		goto fail;
	if (pipe2(gate, O_CLOEXEC))
		goto fail_errno;
	if (pipe2(exec_err, O_CLOEXEC)) {
		close(gate[0]);
		close(gate[1]);
		goto fail_errno;
	}
	fflush(NULL);
	c->pid = fork();
	if (c->pid == 0) {
		close(gate[1]);
		close(exec_err[0]);
		child(argv, gate[0], exec_err[1]);
	}
	close(gate[0]);
	close(exec_err[1]);
	c->gate = gate[1];
	c->exec_err = exec_err[0];
	if (c->pid < 0)
		goto fail_errno;
	ret = join_cgroup(c, err, errlen);
	if (ret)
		goto fail;
	return 0;
fail_errno:
	ret = -errno;
	snprintf(err, errlen, "run: cannot start the command: %s", strerror(-ret));
fail:
	run_finish(c);
	return ret;
}

int run_release(struct run_child *c)
{
	ssize_t n;
	int e = 0;

	if (write(c->gate, "g", 1) != 1)
		return -errno;
	close(c->gate);
	c->gate = -1;
	/* EOF: the exec closed it (CLOEXEC), the command runs */
	do
		n = read(c->exec_err, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(c->exec_err);
	c->exec_err = -1;
	return n == (ssize_t)sizeof(e) ? -e : 0;
}

void run_wait(struct run_child *c)
{
	while (!c->reaped && c->pid > 0) {
		if (waitpid(c->pid, &c->status, 0) == c->pid)
			c->reaped = true;
		else if (errno != EINTR)
			break;
	}
}

void run_finish(struct run_child *c)
{
	if (c->gate >= 0) { /* never released: it must not run unaudited */
		close(c->gate);
		c->gate = -1;
		if (c->pid > 0)
			kill(c->pid, SIGKILL);
	}
	if (c->exec_err >= 0) {
		close(c->exec_err);
		c->exec_err = -1;
	}
	run_wait(c);
	if (c->cgroup[0] && rmdir(c->cgroup) && errno == EBUSY)
		log_msg(LOG_WARNING,
			"run: processes the command started still run: cgroup %s left for them",
			c->cgroup);
	c->cgroup[0] = '\0';
}

int run_exit_status(const struct run_child *c)
{
	if (!c->reaped)
		return DA_EXIT_ERROR;
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status) ? DA_EXIT_CMD_FAILED : DA_EXIT_OK;
	return DA_EXIT_CMD_FAILED; /* killed by a signal */
}
