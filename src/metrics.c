// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "detectors.h"
#include "finding.h"
#include "io.h"
#include "metrics.h"

static const char *const mechs[] = { "fentry", "kprobe", "iter", "proc", "none" };

void metrics_init(struct metrics *m, const char *version, const char *kernel, double start)
{
	memset(m, 0, sizeof(*m));
	m->version = version;
	m->kernel = kernel;
	m->start_time = start;
	for (int i = 0; i < DA_HOOK_MAX; i++)
		m->det_mech[i] = "none";
}

/* Label values must be UTF-8: bytes that might not be become '?'. */
static void label_safe(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && src[i]; i++) {
		unsigned char c = src[i];

		dst[i] = (c < 0x20 && c != '\n') || c >= 0x7f ? '?' : c;
	}
	dst[i] = '\0';
	if (!i)
		strcpy(dst, "unknown");
}

struct exporter_stats *metrics_exporter(struct metrics *m, const char *name, size_t len)
{
	char safe[DA_EXPORTER_LEN + 1];
	struct exporter_stats *e;

	if (len > DA_EXPORTER_LEN)
		len = DA_EXPORTER_LEN;
	label_safe(safe, name, len);
	/* compared label-safe: two names that print alike are one series */
	for (int i = 0; i < m->nexp; i++)
		if (!strcmp(m->exp[i].name, safe))
			return &m->exp[i];
	if (m->nexp >= DA_METRIC_EXPORTERS) {
		/* the last slot is "other" (or a real exporter of that name took it earlier) */
		for (int i = 0; i < m->nexp; i++)
			if (!strcmp(m->exp[i].name, "other"))
				return &m->exp[i];
		strcpy(safe, "other");
	}
	e = &m->exp[m->nexp++];
	memset(e, 0, sizeof(*e));
	strcpy(e->name, safe);
	return e;
}

void metrics_count(struct metrics *m, const char *exporter, size_t len, uint32_t kind,
		   uint64_t delta, bool suppressed)
{
	struct exporter_stats *e;

	if (kind == DA_KIND_NONE || kind >= DA_KIND_MAX || !delta)
		return;
	e = metrics_exporter(m, exporter, len);
	if (suppressed)
		e->suppressed[kind] += delta;
	else
		e->counted[kind] += delta;
}

void metrics_mapped_reset(struct metrics *m)
{
	m->mapped_known_saved = m->mapped_known;
	for (int i = 0; i < m->nexp; i++) {
		m->exp[i].mapped_saved = m->exp[i].mapped_bytes;
		m->exp[i].mapped_bytes = 0;
	}
}

/* An exporter first seen by the failed scan has no saved bytes: 0, as before it. */
void metrics_mapped_restore(struct metrics *m)
{
	m->mapped_known = m->mapped_known_saved; /* no good scan yet: the series left out */
	for (int i = 0; i < m->nexp; i++)
		m->exp[i].mapped_bytes = m->exp[i].mapped_saved;
}

void metrics_mapped_add(struct metrics *m, const char *exporter, size_t len, uint64_t bytes)
{
	metrics_exporter(m, exporter, len)->mapped_bytes += bytes;
	m->mapped_known = true;
}

void metrics_inventory_reset(struct metrics *m)
{
	for (int i = 0; i < m->nexp; i++)
		m->exp[i].buffers = m->exp[i].buffer_bytes = m->exp[i].unheld_bytes = 0;
}

void metrics_buffer_add(struct metrics *m, const char *exporter, size_t len, uint64_t bytes,
			bool unheld)
{
	struct exporter_stats *e = metrics_exporter(m, exporter, len);

	e->buffers++;
	e->buffer_bytes += bytes;
	if (unheld)
		e->unheld_bytes += bytes;
}

void metrics_inventory_done(struct metrics *m)
{
	uint64_t total = 0;

	for (int i = 0; i < m->nexp; i++)
		total += m->exp[i].buffer_bytes;
	if (total > m->buffer_bytes_high_water)
		m->buffer_bytes_high_water = total;
	m->inventory_known = true;
}

void prom_write_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP dmabuf_audit_%s %s\n# TYPE dmabuf_audit_%s %s\n", name, help, name,
		type);
}

static void kind_series(FILE *f, const struct metrics *m, const char *name, bool violations,
			bool suppressed)
{
	for (int i = 0; i < m->nexp; i++) {
		const struct exporter_stats *e = &m->exp[i];

		for (int k = DA_KIND_NONE + 1; k < DA_KIND_MAX; k++) {
			if (!suppressed && kind_is_violation(k) != violations)
				continue;
			fprintf(f, "dmabuf_audit_%s{kind=\"%s\",exporter=", name, kind_name(k));
			prom_write_label(f, e->name);
			fprintf(f, "} %" PRIu64 "\n",
				suppressed ? e->suppressed[k] : e->counted[k]);
		}
	}
}

static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	family(f, name, "counter", help);
	fprintf(f, "dmabuf_audit_%s %" PRIu64 "\n", name, v);
}

static void exporter_gauge(FILE *f, const struct metrics *m, const char *name, const char *help,
			   size_t offset)
{
	family(f, name, "gauge", help);
	for (int i = 0; i < m->nexp; i++) {
		fprintf(f, "dmabuf_audit_%s{exporter=", name);
		prom_write_label(f, m->exp[i].name);
		fprintf(f, "} %" PRIu64 "\n",
			*(const uint64_t *)((const char *)&m->exp[i] + offset));
	}
}

/* Every dma-buf, mapped or not: a leak shows as growth of these. */
static void render_inventory(FILE *f, const struct metrics *m)
{
	exporter_gauge(f, m, "buffers",
		       "dma-bufs in the system at the last inventory, by exporter.",
		       offsetof(struct exporter_stats, buffers));
	exporter_gauge(f, m, "buffer_bytes",
		       "Bytes of dma-bufs in the system at the last inventory, by exporter.",
		       offsetof(struct exporter_stats, buffer_bytes));
	exporter_gauge(f, m, "unheld_buffer_bytes",
		       "Bytes of dma-bufs no process holds an fd to or maps (held only by the "
		       "kernel) at the last inventory, by exporter.",
		       offsetof(struct exporter_stats, unheld_bytes));
	family(f, "buffer_bytes_high_water", "gauge",
	       "Most bytes of dma-bufs in the system at one inventory since the daemon started.");
	fprintf(f, "dmabuf_audit_buffer_bytes_high_water %" PRIu64 "\n",
		m->buffer_bytes_high_water);
}

void metrics_render(FILE *f, const struct metrics *m, double now)
{
	family(f, "violations_total", "counter",
	       "Violation events (struct pages reachable through a dma-buf mapping), by kind and exporter; suppressed ones excluded.");
	kind_series(f, m, "violations_total", true, false);
	family(f, "warnings_total", "counter",
	       "Warning events (GUP refused on a dma-buf mapping, kernel code resolving its pfns), by kind and exporter; suppressed ones excluded.");
	kind_series(f, m, "warnings_total", false, false);
	family(f, "suppressed_total", "counter",
	       "Events matched by a [suppress] rule of the config, by kind and exporter.");
	kind_series(f, m, "suppressed_total", false, true);

	family(f, "hook_events_total", "counter",
	       "dma-buf calls seen per kernel hook, compliant ones included.");
	for (int i = 0; i < DA_LIVE_DETECTORS; i++)
		fprintf(f, "dmabuf_audit_hook_events_total{hook=\"%s\"} %" PRIu64 "\n",
			detector_defs[i].hook, m->counters[DA_CTR_HOOK_BASE + detector_defs[i].id]);
	counter(f, "ringbuf_lost_events_total",
		"Events the BPF ring buffer had no room for (counted, not itemised).",
		m->counters[DA_CTR_RINGBUF_LOST]);
	counter(f, "gup_fast_unverified_total",
		"GUP-fast calls left unchecked: vma lookup refused, vma list walk cut at 1024.",
		m->counters[DA_CTR_GUP_FAST_UNVERIFIED]);
	counter(f, "pfn_lookup_unverified_total",
		"Kernel pfn lookups left unchecked: another process's address space, vma lookup refused, vma list walk cut at 1024.",
		m->counters[DA_CTR_PFN_LOOKUP_UNVERIFIED]);
	counter(f, "dedup_full_total", "Events sent again because the BPF dedup map was full.",
		m->counters[DA_CTR_DEDUP_FULL]);
	counter(f, "missed_total",
		"Hook calls the kernel ran none of the auditor's programs for (a program re-entered on its CPU, as when preempted inside it on a preemptible kernel; kprobe misses): not counted anywhere else.",
		m->missed);
	counter(f, "findings_dropped_total",
		"Events not itemised because the daemon's finding table was full.",
		m->findings_dropped);
	counter(f, "textfile_write_errors_total", "Failed writes of this textfile.",
		m->textfile_errors);
	counter(f, "scan_errors_total",
		"Failed scans of dma-buf mappings (the mapped bytes of the last good scan kept).",
		m->scan_errors);
	counter(f, "inventory_errors_total",
		"Failed inventories of dma-bufs (the buffers and bytes of the last good one kept).",
		m->inventory_errors);
	counter(f, "bpf_read_errors_total",
		"Failed reads of BPF counters or dedup entries (the last good values kept).",
		m->counter_errors);
	family(f, "findings_tracked", "gauge",
	       "Distinct findings of running processes the daemon keeps (at most max-findings).");
	fprintf(f, "dmabuf_audit_findings_tracked %" PRIu64 "\n", m->findings_tracked);

	family(f, "detectors_attached", "gauge",
	       "Detectors by attach mechanism (none: cannot run here).");
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
		int n = 0;

		for (int d = 0; d < DA_HOOK_MAX; d++)
			n += !strcmp(m->det_mech[d], mechs[i]);
		fprintf(f, "dmabuf_audit_detectors_attached{mechanism=\"%s\"} %d\n", mechs[i], n);
	}
	if (m->mapped_known) {
		family(f, "mapped_bytes", "gauge",
		       "Bytes of dma-buf mappings in user address spaces at the last scan, by exporter.");
		for (int i = 0; i < m->nexp; i++) {
			fputs("dmabuf_audit_mapped_bytes{exporter=", f);
			prom_write_label(f, m->exp[i].name);
			fprintf(f, "} %" PRIu64 "\n", m->exp[i].mapped_bytes);
		}
	}
	if (m->inventory_known)
		render_inventory(f, m);
	family(f, "start_time_seconds", "gauge", "When the daemon started, unix time.");
	fprintf(f, "dmabuf_audit_start_time_seconds %.3f\n", m->start_time);
	family(f, "last_update_timestamp_seconds", "gauge",
	       "When this file was written, unix time.");
	fprintf(f, "dmabuf_audit_last_update_timestamp_seconds %.3f\n", now);
	family(f, "build_info", "gauge", "Version of dmabuf-audit and the kernel it runs on.");
	fputs("dmabuf_audit_build_info{version=", f);
	prom_write_label(f, m->version);
	fputs(",kernel=", f);
	prom_write_label(f, m->kernel);
	fputs("} 1\n", f);
}

static int step_failed(const char *step, const char *path, char *err, size_t errlen)
{
	int ret = -errno;

	snprintf(err, errlen, "%s %s: %s", step, path, strerror(errno));
	return ret;
}

/*
 * The temp file is made anew each time, in the directory opened once: any
 * file already at its name (our own after a crash, or one planted there) is
 * unlinked first, never opened. A FIFO there would block open() and with it
 * the event loop; a hard link would make us truncate and chmod the file it
 * links to; a symlink, write where it points. O_EXCL then proves the file is
 * the one we created (a name taken again in between is an error, not a risk).
 */
int textfile_write(const char *dir, const char *name, const char *data, size_t len, char *err,
		   size_t errlen)
{
	char tmpname[256], tmp[4200], dst[4200];
	int fd = -1, dfd, ret = 0;

	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	snprintf(tmpname, sizeof(tmpname), "%s.tmp", name); /* not *.prom: never collected */
	snprintf(tmp, sizeof(tmp), "%s/%s", dir, tmpname);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return step_failed("open directory", dir, err, errlen);
	unlinkat(dfd, tmpname, 0); /* its failure (none there, a directory, EROFS) is create's */
	fd = openat(dfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		    0644);
	if (fd < 0) {
		ret = step_failed("create", tmp, err, errlen);
		goto cleanup;
	}
	ret = write_all(fd, data, len);
	if (ret) {
		errno = -ret;
		ret = step_failed("write", tmp, err, errlen);
	}
	if (!ret && fsync(fd))
		ret = step_failed("fsync", tmp, err, errlen);
	if (!ret && fchmod(fd, 0644)) /* whatever the umask: node_exporter must read it */
		ret = step_failed("chmod", tmp, err, errlen);
	if (close(fd) && !ret)
		ret = step_failed("close", tmp, err, errlen);
	if (!ret && renameat(dfd, tmpname, dfd, name))
		ret = step_failed("rename to", dst, err, errlen);
	if (ret)
		unlinkat(dfd, tmpname, 0);
	else
		fsync(dfd); /* the rename itself must survive a power cut on a board */
cleanup:
	close(dfd);
	return ret;
}
