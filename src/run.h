/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dmabuf-audit run -- COMMAND: the command's process tree is a cgroup v2 of
 * its own, made beside the auditor's (children, threads and later descendants
 * inherit it; BPF keeps only findings whose task is in it). The command is
 * forked at once but waits at a gate until the auditor is attached: nothing it
 * does is missed, and an exec failure is told apart from the command's own.
 */
#ifndef DA_RUN_H
#define DA_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "cli.h"

struct run_child {
	pid_t pid;
	int gate;		  /* write end: one byte lets it exec */
	int exec_err;		  /* read end: the exec's errno, or EOF once it ran */
	char cgroup[DA_PATH_LEN]; /* its cgroup's directory, "" if none */
	uint64_t cgroup_id;
	int status; /* waitpid() status once reaped */
	bool reaped;
};

/*
 * Makes the cgroup and forks argv[0] waiting at the gate, in that cgroup.
 * 0, or -errno with a one-line reason in err (nothing left behind).
 */
int run_start(struct run_child *c, char **argv, char *err, size_t errlen);
/* Opens the gate: 0 once argv[0] runs, else -errno of its exec (it exited 126/127). */
int run_release(struct run_child *c);
/* Reaps it (blocking): its status in c->status. */
void run_wait(struct run_child *c);
/* Kills (SIGKILL) and reaps it if it never ran; closes the gate; removes the cgroup. */
void run_finish(struct run_child *c);
/* The exit status of run for a command that ran without a failing finding: 0 or 3. */
int run_exit_status(const struct run_child *c);

#endif
