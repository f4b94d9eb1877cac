// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemon: one event loop (ring buffer, timers, signals), findings as
 * JSON lines, counters per exporter and kind in a Prometheus textfile,
 * suppressions that hide findings from the log but never from the counts,
 * the systemd notify protocol, and the capabilities dropped after attach.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "caps.h"
#include "config.h"
#include "daemon.h"
#include "finding.h"
#include "grow.h"
#include "inventory.h"
#include "procscan.h"
#include "io.h"
#include "ksyms.h"
#include "loader.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "notify.h"
#include "report.h"
#include "session.h"

#define DA_ERR_LEN	    (2 * DA_PATH_LEN + 200)

/* One entry of the BPF map of occurrences whose event was lost, accounted so far. */
struct lost_seen {
	struct da_lost_key key;
	uint64_t accounted;
};

struct daemon {
	const struct da_opts *opts;
	struct da_config cfg;
	struct session s; /* the auditor, the symbols, the findings */
	struct metrics m;
	struct notifier nt;
	struct utsname uts;
	FILE *json; /* stdout or cfg.json_file */
	bool json_failing;
	bool running; /* READY: errors from now on are logged, not fatal */
	int pidfd;
	struct vma_set vmas; /* dma-buf vmas of the last scan */
	bool vmas_known;     /* that scan was whole: a finding not in it is gone */
	bool vmas_lost;	     /* ENOMEM while collecting them */
	bool inventory;	     /* config's inventory at start (its iterators loaded) */
	int inventory_err;   /* of the last inventory, logged once until it changes */
	struct lost_seen *lost; /* the BPF lost map's entries, as far as accounted */
	size_t nlost, lost_cap;
	uint64_t lost_read_at; /* ring-buffer-lost counter at the last read of that map */
	char attach_table[400];
	char last_err[DA_ERR_LEN]; /* last textfile error logged ("" once it works again) */
};

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- findings: suppression, metrics, JSON ------------------------------ */

static bool suppressed(const struct daemon *d, const struct da_event *ev)
{
	char comm[DA_COMM_LEN + 1] = { 0 }, exporter[DA_EXPORTER_LEN + 1] = { 0 };

	memcpy(comm, ev->comm, DA_COMM_LEN);
	memcpy(exporter, ev->exporter, DA_EXPORTER_LEN);
	return config_suppressed(&d->cfg, ev->kind, exporter, comm) != 0;
}

/*
 * The finding's JSON line, whole or not at all (a full disk leaves no partial
 * line for the next one to be glued to). printed only moves once the line is
 * written: a finding that failed is written again at the next interval.
 */
static void log_finding(struct daemon *d, struct finding *f)
{
	char *line = NULL;
	size_t len = 0;
	FILE *mem;
	int ret;

	if (f->printed == f->count)
		return;
	mem = open_memstream(&line, &len);
	if (!mem) {
		ret = -ENOMEM;
	} else {
		watch_print_finding(mem, f, true, f->printed != 0, &d->s.ks);
		ret = fclose(mem) ? -ENOMEM : append_whole(fileno(d->json), line, len);
	}
	free(line);
	if (ret) {
		if (!d->json_failing) /* once per run of failures */
			log_msg(LOG_ERR, "JSON log: write failed: %s", strerror(-ret));
		d->json_failing = true;
		return;
	}
	f->printed = f->count;
	if (d->json_failing)
		log_msg(LOG_NOTICE, "JSON log written again");
	d->json_failing = false;
}

/* The lines that failed, again, until one fails: the log says all it can. */
static void log_unprinted(struct daemon *d)
{
	if (!d->json_failing)
		return;
	for (size_t i = 0; i < d->s.set.len; i++) {
		struct finding *f = &d->s.set.items[i];

		if (f->printed == f->count || f->accounted != f->count || suppressed(d, &f->ev))
			continue;
		log_finding(d, f);
		if (d->json_failing)
			return;
	}
}

/* What a finding's count grew by since last time goes to the metrics (as
 * suppressed or not, by the rules in force now) and, unless suppressed, to
 * the JSON log. */
static void account(struct daemon *d, struct finding *f)
{
	bool sup;

	if (!f || f->accounted == f->count)
		return;
	sup = suppressed(d, &f->ev);
	metrics_count(&d->m, f->ev.exporter, DA_EXPORTER_LEN, f->ev.kind, f->count - f->accounted,
		      sup);
	f->accounted = f->count;
	if (!sup)
		log_finding(d, f);
}

/*
 * A first occurrence the full table has no room for: counted, not itemised.
 * Its repeats would go on counting in its BPF dedup entry, which no finding
 * reads: the entry is taken with what it counted so far (the first occurrence
 * included), and the next occurrence comes as a new event, counted here
 * again. Without an entry (the dedup map was full, or the scan's record) the
 * event's own count.
 */
static uint64_t unitemised_count(struct daemon *d, const struct da_event *ev)
{
	struct da_dedup_key key = {
		.kind = ev->kind, .pid = ev->pid, .inode = ev->inode, .vm_start = ev->vm_start
	};
	uint64_t n = 0;

	if (ev->hook != DA_HOOK_SCAN && auditor_take_dedup(d->s.a, &key, &n))
		d->m.counter_errors++;
	return n ? n : event_count(ev);
}

/* The session's callback: a finding appeared or grew, or ev did not fit the table. */
static void on_finding(void *ctx, struct finding *f, const struct da_event *ev)
{
	struct daemon *d = ctx;

	if (f) {
		account(d, f);
		return;
	}
	metrics_count(&d->m, ev->exporter, DA_EXPORTER_LEN, ev->kind, unitemised_count(d, ev),
		      suppressed(d, ev));
	d->m.findings_dropped = d->s.set.dropped;
}

/* ---- the scan: findings at start; mapped bytes, live vmas every interval - */

static void on_scan_gauge(void *ctx, const struct da_event *rec)
{
	struct daemon *d = ctx;

	metrics_mapped_add(&d->m, rec->exporter, DA_EXPORTER_LEN, rec->vm_end - rec->vm_start);
	if (vma_set_add(&d->vmas, rec))
		d->vmas_lost = true;
}

static void on_scan_start(void *ctx, const struct da_event *rec)
{
	struct daemon *d = ctx;

	on_scan_gauge(ctx, rec);
	if (rec->kind != DA_KIND_NONE && rec->kind < DA_KIND_MAX)
		session_add(&d->s, rec);
}

static void scan(struct daemon *d, bool first)
{
	struct da_scan_stats stats;
	int err;

	if (!auditor_can_scan(d->s.a))
		return;
	metrics_mapped_reset(&d->m);
	vma_set_reset(&d->vmas);
	d->vmas_lost = false;
	d->vmas_known = false;
	err = auditor_scan(d->s.a, first ? on_scan_start : on_scan_gauge, d, &stats);
	/*
	 * Findings whose vma it did not see are gone. From /proc (5.10) a swapped
	 * vm_file vma shows the exporter's file, not the dma-buf: its finding is
	 * forgotten each interval and logged again when it grows (counts exact).
	 */
	if (!err && !d->vmas_lost) {
		vma_set_finish(&d->vmas);
		d->vmas_known = true;
	}
	if (err) {
		/* a gauge of 0 would be a lie: the last good scan's bytes stay */
		metrics_mapped_restore(&d->m);
		d->m.scan_errors++;
		log_msg(LOG_WARNING, "scan of dma-buf mappings failed: %s", strerror(-err));
	} else {
		d->m.mapped_known = true; /* also when nothing is mapped */
	}
}

/* ---- the inventory: every dma-buf, mapped or not, every interval ---------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The inodes the last scan saw mapped, sorted; NULL (and *n 0) if none or no memory. */
static uint64_t *mapped_inodes(const struct vma_set *vmas, size_t *n)
{
	uint64_t *in = vmas->len ? malloc(vmas->len * sizeof(*in)) : NULL;

	*n = in ? vmas->len : 0;
	for (size_t i = 0; i < *n; i++)
		in[i] = vmas->items[i].inode;
	if (*n)
		qsort(in, *n, sizeof(*in), cmp_u64);
	return in;
}

/*
 * Buffers and bytes by exporter, and those no process holds or maps, from a
 * whole inventory taken after a whole scan; anything less keeps the last
 * good figures (a gauge that drops to 0 would read as a freed leak).
 */
static void take_inventory(struct daemon *d, bool first)
{
	struct inventory inv = { 0 };
	uint64_t *mapped = NULL;
	size_t nmapped = 0;
	int err;

	if (!d->inventory || !auditor_has_fd_iter(d->s.a))
		return;
	err = d->vmas_known ? auditor_inventory(d->s.a, &inv) : -EAGAIN;
	if (!err && d->vmas.len) {
		mapped = mapped_inodes(&d->vmas, &nmapped);
		err = mapped ? 0 : -ENOMEM;
	}
	if (first && err == -ENOENT) {
		/* no source here: the series are left out, not an error every interval */
		log_msg(LOG_WARNING, "inventory of dma-bufs not available: no dma-buf BPF iterator "
				     "(Linux 6.16+) and no %s (debugfs): buffer series left out",
			DA_BUFINFO);
		d->inventory = false;
		goto cleanup;
	}
	if (err) {
		d->m.inventory_errors++;
		if (d->inventory_err != err)
			log_msg(LOG_WARNING, "inventory of dma-bufs failed: %s",
				err == -EAGAIN ? "the scan of mappings failed" : strerror(-err));
		d->inventory_err = err;
		goto cleanup;
	}
	d->inventory_err = 0;
	metrics_inventory_reset(&d->m);
	for (size_t i = 0; i < inv.len; i++) {
		const struct inv_buf *b = &inv.bufs[i];
		bool unheld = !b->nholders && !(nmapped && bsearch(&b->rec.inode, mapped, nmapped,
								      sizeof(*mapped), cmp_u64));

		metrics_buffer_add(&d->m, b->rec.exporter, sizeof(b->rec.exporter), b->rec.size,
				   unheld);
	}
	metrics_inventory_done(&d->m);
cleanup:
	free(mapped);
	inventory_free(&inv);
}

/*
 * Occurrences whose event the ring buffer had no room for: BPF counted them by
 * kind, exporter and comm, so the metrics (suppressed or not, by the rules in
 * force now) stay exact although they are not itemised.
 */
static void on_lost(void *ctx, const struct da_lost_key *key, uint64_t count)
{
	struct daemon *d = ctx;
	struct lost_seen *l = NULL;
	struct da_event ev = { .kind = key->kind };

	for (size_t i = 0; i < d->nlost && !l; i++)
		if (!memcmp(&d->lost[i].key, key, sizeof(*key)))
			l = &d->lost[i];
	if (!l) {
		if (grow((void **)&d->lost, &d->lost_cap, d->nlost + 1, sizeof(*d->lost), 16))
			return; /* counted at the next read */
		l = &d->lost[d->nlost++];
		*l = (struct lost_seen){ .key = *key };
	}
	if (count <= l->accounted)
		return;
	memcpy(ev.exporter, key->exporter, sizeof(ev.exporter));
	memcpy(ev.comm, key->comm, sizeof(ev.comm));
	metrics_count(&d->m, ev.exporter, DA_EXPORTER_LEN, ev.kind, count - l->accounted,
		      suppressed(d, &ev));
	l->accounted = count;
}

/* The lost map is read (map syscalls) only when the lost counter moved. */
static void account_lost(struct daemon *d)
{
	uint64_t lost = d->m.counters[DA_CTR_RINGBUF_LOST];

	if (lost == d->lost_read_at || auditor_read_lost(d->s.a, on_lost, d))
		return;
	d->lost_read_at = lost;
}

/* ---- the textfile ------------------------------------------------------- */

static int write_textfile(struct daemon *d)
{
	uint64_t counters[DA_CTR_MAX];
	char *buf = NULL, err[DA_ERR_LEN];
	size_t len = 0;
	FILE *f;
	int ret;

	if (!d->cfg.textfile_dir[0])
		return 0;
	/* zeros would read as a counter reset: the last good values stay */
	if (auditor_read_counters(d->s.a, counters))
		d->m.counter_errors++;
	else
		memcpy(d->m.counters, counters, sizeof(counters));
	d->m.missed = auditor_missed(d->s.a);
	account_lost(d);
	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	metrics_render(f, &d->m, wall_now());
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	ret = textfile_write(d->cfg.textfile_dir, DA_TEXTFILE_NAME, buf, len, err, sizeof(err));
	free(buf);
	if (ret) {
		d->m.textfile_errors++;
		/* once per distinct error, not every interval; at start the caller says it */
		if (d->running && strcmp(err, d->last_err))
			log_msg(LOG_ERR, "textfile not updated: %s", err);
		snprintf(d->last_err, sizeof(d->last_err), "%s", err);
	} else if (d->last_err[0]) {
		log_msg(LOG_NOTICE, "textfile %s/%s written again", d->cfg.textfile_dir,
			DA_TEXTFILE_NAME);
		d->last_err[0] = '\0';
	}
	return ret;
}

/* Fails early and clearly instead of at the first interval. */
static int check_textfile_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (!dir[0])
		return 0;
	if (stat(dir, &st) || (!S_ISDIR(st.st_mode) && (errno = ENOTDIR)) ||
	    access(dir, W_OK | X_OK)) {
		int e = errno;

		snprintf(err, errlen, "textfile dir %s: %s", dir, strerror(e));
		return -e;
	}
	return 0;
}

static uint64_t totals(const struct daemon *d, int which)
{
	uint64_t n = 0;

	for (int i = 0; i < d->m.nexp; i++)
		for (int k = DA_KIND_NONE + 1; k < DA_KIND_MAX; k++)
			n += which == 2				    ? d->m.exp[i].suppressed[k]
			     : kind_is_violation(k) == (which == 0) ? d->m.exp[i].counted[k]
								    : 0;
	return n;
}

static void status(struct daemon *d, const char *state)
{
	notify_send(&d->nt,
		    "%sSTATUS=%s; violations %" PRIu64 ", warnings %" PRIu64 ", suppressed %" PRIu64
		    "; %s",
		    state,
		    d->cfg.textfile_dir[0] && d->last_err[0] ? "textfile failing" : "auditing",
		    totals(d, 0), totals(d, 1), totals(d, 2), d->attach_table);
}

/* Its process exited, or the scan that just ran no longer saw its vma. */
static bool finding_gone(const struct daemon *d, const struct finding *f)
{
	if (!f->ev.pid)
		return false;
	if (kill(f->ev.pid, 0) && errno == ESRCH)
		return true;
	return d->vmas_known && !vma_set_has(&d->vmas, &f->ev);
}

/*
 * A finding whose process or vma is gone can only grow by what its BPF dedup
 * entry counted since the last read: that entry is taken (its last count
 * accounted), and the finding dropped, so that a long-lived process mapping
 * new buffers all day never fills the table (a mapping made again at the
 * same address is a new finding, its counts from 0). What it counted is in
 * the metrics, its last count in the JSON log. A finding not yet logged
 * (the log failing) or whose entry cannot be taken stays.
 */
static bool keep_finding(void *ctx, struct finding *f)
{
	struct daemon *d = ctx;
	struct da_dedup_key key = { .kind = f->ev.kind,
				    .pid = f->ev.pid,
				    .inode = f->ev.inode,
				    .vm_start = f->ev.vm_start };
	uint64_t last;

	if (f->accounted != f->count || !finding_gone(d, f))
		return true;
	if (f->printed != f->count && !suppressed(d, &f->ev))
		return true;
	if (auditor_take_dedup(d->s.a, &key, &last))
		return true;
	if (last > f->live) {
		f->live = last;
		f->count = f->base + f->live;
		account(d, f);
	}
	return false;
}

static void on_interval(void *ctx)
{
	struct daemon *d = ctx;

	session_tick(&d->s);
	log_unprinted(d);
	scan(d, false);
	take_inventory(d, false);
	finding_set_prune(&d->s.set, keep_finding, d);
	d->m.findings_tracked = d->s.set.len;
	write_textfile(d);
	status(d, "");
}

static void on_watchdog(void *ctx)
{
	struct daemon *d = ctx;

	notify_send(&d->nt, "WATCHDOG=1");
}

/* ---- JSON log, pid file ------------------------------------------------- */

static FILE *open_json(const char *path, char *err, size_t errlen)
{
	const char *why = NULL;
	FILE *f;
	int fd;

	if (!strcmp(path, "-"))
		return stdout;
	fd = open_append_file(path, 0644, &why);
	f = fd >= 0 ? fdopen(fd, "a") : NULL;
	if (!f) {
		if (fd >= 0) {
			why = strerror(errno);
			close(fd);
		}
		snprintf(err, errlen, "cannot open --json-file %s: %s", path,
			 why ? why : strerror(-fd));
	}
	return f;
}

static void close_json(FILE *f)
{
	if (f && f != stdout)
		fclose(f);
}

static int open_pidfile(struct daemon *d, char *err, size_t errlen)
{
	const char *path = d->cfg.pidfile, *why;
	char line[32];
	int n;

	d->pidfd = -1;
	if (!path[0])
		return 0;
	n = open_rw_file(path, 0644, &why);
	if (n < 0) {
		snprintf(err, errlen, "cannot open pidfile %s: %s", path, why ? why : strerror(-n));
		return n;
	}
	d->pidfd = n;
	if (flock(d->pidfd, LOCK_EX | LOCK_NB)) {
		n = pread(d->pidfd, line, sizeof(line) - 1, 0);
		line[n > 0 ? n : 0] = '\0';
		line[strcspn(line, "\n")] = '\0';
		snprintf(err, errlen, "pidfile %s is locked by another dmabuf-audit (pid %s)", path,
			 line[0] ? line : "?");
		close(d->pidfd);
		d->pidfd = -1;
		return -EBUSY;
	}
	n = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	if (ftruncate(d->pidfd, 0) || pwrite(d->pidfd, line, n, 0) != n) {
		n = errno ? errno : EIO;
		snprintf(err, errlen, "cannot write pidfile %s: %s", path, strerror(n));
		return -n;
	}
	return 0;
}

static void close_pidfile(struct daemon *d)
{
	if (d->pidfd < 0)
		return;
	unlink(d->cfg.pidfile);
	close(d->pidfd);
	d->pidfd = -1;
}

/* ---- SIGHUP ------------------------------------------------------------- */

/* What needs the BPF programs reloaded stays as it is, and says so. */
static void keep_fixed(struct daemon *d, struct da_config *next)
{
	if (next->attach != d->cfg.attach || strcmp(next->btf_path, d->cfg.btf_path))
		log_msg(LOG_WARNING, "reload: attach and btf take effect at the next start");
	if (strcmp(next->pidfile, d->cfg.pidfile))
		log_msg(LOG_WARNING, "reload: pidfile takes effect at the next start");
	if (next->max_findings != d->cfg.max_findings)
		log_msg(LOG_WARNING, "reload: max-findings takes effect at the next start");
	next->max_findings = d->cfg.max_findings;
	next->attach = d->cfg.attach;
	strcpy(next->btf_path, d->cfg.btf_path);
	strcpy(next->pidfile, d->cfg.pidfile);
}

static unsigned int on_reload(void *ctx)
{
	struct daemon *d = ctx;
	static struct da_config next; /* large: not on the stack */
	struct timespec ts;
	char err[DA_ERR_LEN], desc[DA_PATH_LEN + 200];
	FILE *json;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify_send(&d->nt, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
		    (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	if (config_load(&next, d->opts, err, sizeof(err))) {
		log_msg(LOG_ERR, "reload: %s; keeping the running config", err);
	} else {
		keep_fixed(d, &next);
		/* applied anyway: counted as write errors until the dir is fixed */
		if (check_textfile_dir(next.textfile_dir, err, sizeof(err)))
			log_msg(LOG_ERR, "reload: %s", err);
		d->cfg = next;
		config_describe(&d->cfg, desc, sizeof(desc));
		log_msg(LOG_INFO, "reloaded: %s", desc);
	}
	/* log rotation: a new file at the same path */
	json = open_json(d->cfg.json_file, err, sizeof(err));
	if (!json) {
		log_msg(LOG_ERR, "reload: %s; still writing to the old file", err);
	} else {
		close_json(d->json);
		d->json = json;
		d->json_failing = false;
	}
	write_textfile(d);
	status(d, "READY=1\n");
	return d->cfg.interval;
}

/* ---- capabilities --------------------------------------------------------- */

/* Root without CAP_DAC_OVERRIDE still writes where its uid may. */
static bool dir_writable_without_override(const char *dir)
{
	struct stat st;

	if (!dir[0] || stat(dir, &st))
		return true;
	return (st.st_uid == geteuid() && (st.st_mode & S_IWUSR)) || (st.st_mode & S_IWOTH) ||
	       (st.st_gid == getegid() && (st.st_mode & S_IWGRP));
}

/*
 * After attach the maps are read with bpf(2), which needs CAP_BPF
 * (CAP_SYS_ADMIN before 5.8). The /proc scan reads other processes' smaps
 * and debugfs. Everything else goes: effective, permitted, inheritable and
 * ambient in any case, the bounding set where CAP_SETPCAP allows it (what it
 * keeps is said). If the sets cannot be cut (capset refused), the daemon does
 * not run on with them: an error, exit 2.
 */
static int drop_capabilities(struct daemon *d, char *err, size_t errlen)
{
	struct caps_outcome out;
	char kept[512];
	uint64_t keep;
	int ret;

	keep = caps_last() >= CAP_BPF ? 1ULL << CAP_BPF : 1ULL << CAP_SYS_ADMIN;
	if (auditor_mech(d->s.a, DA_HOOK_SCAN) == DA_MECH_PROC)
		keep |= 1ULL << CAP_SYS_PTRACE | 1ULL << CAP_DAC_READ_SEARCH;
	if (!dir_writable_without_override(d->cfg.textfile_dir))
		keep |= 1ULL << CAP_DAC_OVERRIDE;
	ret = caps_limit(keep, &out);
	caps_describe(out.kept, kept, sizeof(kept));
	if (ret) {
		snprintf(err, errlen,
			 "cannot drop capabilities: %s (effective and permitted still 0x%" PRIx64
			 "): not running with them",
			 strerror(-ret), out.kept);
		return ret;
	}
	if (!out.bounding_err) {
		log_msg(LOG_INFO,
			"capabilities now 0x%" PRIx64
			" (%s), effective and permitted; bounding set reduced to them",
			out.kept, kept);
	} else {
		log_msg(LOG_WARNING,
			"capabilities now 0x%" PRIx64
			" (%s), effective and permitted; bounding set not reduced (%s: needs CAP_SETPCAP), it stays 0x%" PRIx64,
			out.kept, kept, strerror(-out.bounding_err), out.bounding);
	}
	if (out.nnp_err)
		log_msg(LOG_WARNING, "cannot set no_new_privs: %s", strerror(-out.nnp_err));
	return 0;
}

/* ---- the steps ------------------------------------------------------------ */

static int load_config(struct daemon *d, char *err, size_t errlen)
{
	int ret = config_load(&d->cfg, d->opts, err, errlen);

	if (!ret)
		ret = check_textfile_dir(d->cfg.textfile_dir, err, errlen);
	return ret;
}

static int open_auditor(struct daemon *d, char *err, size_t errlen)
{
	struct da_opts o = *d->opts;
	int ret;

	o.attach = d->cfg.attach;
	strcpy(o.btf_path, d->cfg.btf_path);
	o.pid = 0;
	o.inventory = d->inventory = d->cfg.inventory; /* its iterators loaded */
	/* the symbols before the drop of capabilities: addresses need CAP_SYSLOG */
	ret = session_open(&d->s, &o, d->cfg.max_findings, on_finding, d, err, errlen);
	if (ret)
		return ret;
	session_attach_table(&d->s, d->attach_table, sizeof(d->attach_table));
	for (int i = 0; i < DA_HOOK_MAX; i++)
		d->m.det_mech[i] = mech_name(auditor_mech(d->s.a, i));
	return 0;
}

static int check_config_only(struct daemon *d, char *err, size_t errlen)
{
	char desc[DA_PATH_LEN + 200];
	int ret = load_config(d, err, errlen);

	if (ret)
		return ret;
	config_describe(&d->cfg, desc, sizeof(desc));
	printf("config OK: %s\n", desc);
	return 0;
}

static int start(struct daemon *d, char *err, size_t errlen)
{
	char desc[DA_PATH_LEN + 200];
	int ret;

	ret = notify_open(&d->nt);
	if (ret)
		log_msg(LOG_WARNING, "NOTIFY_SOCKET ignored: %s", strerror(-ret));
	ret = open_pidfile(d, err, errlen);
	if (ret)
		return ret;
	d->json = open_json(d->cfg.json_file, err, errlen);
	if (!d->json)
		return -EIO;
	ret = open_auditor(d, err, errlen);
	if (ret)
		return ret;
	scan(d, true);
	take_inventory(d, true);
	ret = session_announce(&d->s); /* "ready: ..., scan done", as watch and report */
	if (ret)
		return ret;
	ret = drop_capabilities(d, err, errlen);
	if (ret)
		return ret;
	ret = write_textfile(d);
	if (ret) {
		snprintf(err, errlen, "textfile not written: %.2000s", d->last_err);
		return ret;
	}
	d->running = true;
	config_describe(&d->cfg, desc, sizeof(desc));
	log_msg(LOG_INFO, "daemon running: %s", desc);
	status(d, "READY=1\n");
	return 0;
}

static int stop(struct daemon *d)
{
	notify_send(&d->nt, "STOPPING=1");
	session_tick(&d->s); /* final counts */
	return write_textfile(d);
}

static void cleanup(struct daemon *d)
{
	free(d->lost);
	vma_set_free(&d->vmas);
	session_close(&d->s);
	close_json(d->json);
	close_pidfile(d);
	notify_close(&d->nt);
}

int daemon_main(const struct da_opts *o)
{
	static struct daemon d; /* large: not on the stack */
	struct loop_hooks h = {
		.interval = on_interval,
		.watchdog = on_watchdog,
		.reload = on_reload,
		.ctx = &d,
	};
	char err[DA_ERR_LEN] = "";
	double elapsed;
	int ret;

	d.opts = o;
	d.pidfd = -1;
	/* stdout may be a pipe to a logger that goes away: an error, not a death */
	signal(SIGPIPE, SIG_IGN);
	if (o->check_config) {
		ret = check_config_only(&d, err, sizeof(err));
		goto out;
	}
	uname(&d.uts);
	metrics_init(&d.m, DA_VERSION, d.uts.release, wall_now());
	ret = loop_block_signals(true);
	if (ret)
		snprintf(err, sizeof(err), "cannot block signals: %s", strerror(-ret));
	if (!ret)
		ret = load_config(&d, err, sizeof(err));
	if (!ret)
		ret = start(&d, err, sizeof(err));
	if (!ret) {
		h.interval_s = d.cfg.interval;
		h.watchdog_usec = d.nt.watchdog_usec;
		ret = loop_run(&d.s, &h, &elapsed);
		if (ret)
			snprintf(err, sizeof(err), "event loop failed: %s", strerror(-ret));
		/* the final textfile also after a loop error: nothing counted is lost */
		if (stop(&d) && !ret) {
			snprintf(err, sizeof(err), "final textfile not written: %.2000s",
				 d.last_err);
			ret = -EIO;
		}
	} else {
		notify_send(&d.nt, "STATUS=failed: %s", err);
	}
	cleanup(&d);
out:
	if (ret && err[0])
		log_msg(LOG_ERR, "%s", err);
	return ret ? DA_EXIT_ERROR : DA_EXIT_OK;
}
