// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "log.h"
#include "procscan.h"

/*
 * Sizes of the line buffers. A dma-buf's maps line is at most about 210
 * bytes (addresses, fields padded to column 73, "/dmabuf:" and a name of
 * up to 31 bytes, 124 once the kernel escapes it), a bufinfo entry line
 * about 120 before the name: a longer line is never one of them.
 */
#define LINE_LEN 512

/*
 * Reads one line into buf (at most len - 1 bytes, NUL-terminated, its '\n'
 * dropped) and reads the rest of a longer line to its end without keeping
 * it: that rest is a path or a buffer name any user chooses, so it must
 * never be parsed as the start of a line. Nothing is allocated, so a line of
 * any length costs len bytes. *cut: the line was longer than the buffer.
 * False at the end of the file or on a read error (ferror() tells).
 */
static bool read_line(FILE *f, char *buf, size_t len, bool *cut)
{
	size_t n = 0;
	int c;

	*cut = false;
	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (n + 1 < len)
			buf[n++] = (char)c;
		else
			*cut = true;
	}
	buf[n] = '\0';
	return c == '\n' || n || *cut;
}

bool maps_line_dmabuf(const char *line, uint64_t *start, uint64_t *end, uint64_t *inode)
{
	char perms[8], dev[16], path[256] = "";
	unsigned long long s, e, off, ino;
	int n = sscanf(line, "%llx-%llx %7s %llx %15s %llu %255s", &s, &e, perms, &off, dev, &ino,
		       path);

	if (n < 7)
		return false;
	/* dma_buf_fs_type's d_dname: "/dmabuf:NAME"; before 5.3 an anon inode */
	if (strncmp(path, "/dmabuf:", 8) && strcmp(path, "anon_inode:dmabuf"))
		return false;
	*start = s;
	*end = e;
	*inode = ino;
	return true;
}

uint64_t vmflags_parse(const char *flags)
{
	static const struct {
		const char name[3];
		uint64_t bit;
	} names[] = {
		/* fs/proc/task_mmu.c mnemonics: the flags a dma-buf vma can carry */
		{ "rd", DA_VM_READ },	   { "wr", DA_VM_WRITE },      { "ex", DA_VM_EXEC },
		{ "sh", DA_VM_SHARED },	   { "mr", DA_VM_MAYREAD },    { "mw", DA_VM_MAYWRITE },
		{ "me", DA_VM_MAYEXEC },   { "ms", DA_VM_MAYSHARE },   { "pf", DA_VM_PFNMAP },
		{ "io", DA_VM_IO },	   { "de", DA_VM_DONTEXPAND }, { "dd", DA_VM_DONTDUMP },
		{ "sd", DA_VM_SOFTDIRTY }, { "mm", DA_VM_MIXEDMAP },
	};
	uint64_t v = 0;

	while (*flags) {
		while (*flags == ' ' || *flags == '\t')
			flags++;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strncmp(flags, names[i].name, 2) &&
			    (flags[2] == ' ' || flags[2] == '\n' || !flags[2]))
				v |= names[i].bit;
		while (*flags && *flags != ' ')
			flags++;
	}
	return v;
}

static void copy_field(char *dst, size_t len, const char *src)
{
	size_t n = strcspn(src, "\t\n");

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * bufinfo's fields, as dma_buf_debug_show() prints them: each take_*()
 * consumes its field and returns false unless it is exactly what the
 * kernel's format gives.
 */

/* "%08zu", "%08ld", "%08lu" (min 8) or "%d" (min 1): digits only, no overflow */
static bool take_dec(const char **p, size_t min, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	if ((size_t)(s - *p) < min)
		return false;
	*v = x;
	*p = s;
	return true;
}

/* "%08x" of an unsigned int: exactly 8 lowercase hex digits */
static bool take_hex8(const char **p)
{
	for (int i = 0; i < 8; i++)
		if (!(*p)[i] || !strchr("0123456789abcdef", (*p)[i]))
			return false;
	*p += 8;
	return true;
}

static bool take_str(const char **p, const char *s)
{
	size_t n = strlen(s);

	if (strncmp(*p, s, n))
		return false;
	*p += n;
	return true;
}

/*
 * A buffer's line: "%08zu\t%08x\t%08x\t%08ld\t%s\t%08lu\t%s" (5.3 to 6.x:
 * size, f_flags, f_mode, file_count, exp_name, i_ino, name; no "\t%s"
 * before 5.3). All but the name is the kernel's own. The name is whatever a
 * process passed to DMA_BUF_SET_NAME (tabs, newlines, anything): it is the
 * rest of the line, never read as a field, so it cannot change the inode
 * that matches vmas to buffers. Its newlines end the line early; what comes
 * after them is checked by bufinfo_load(). 0, or -EINVAL when the line is
 * not exactly such a line.
 */
static int bufinfo_entry_parse(const char *line, struct bufinfo_entry *e)
{
	const char *p = line;
	uint64_t count;
	size_t n;

	memset(e, 0, sizeof(*e));
	if (!take_dec(&p, 8, &e->size) || !take_str(&p, "\t") || !take_hex8(&p) ||
	    !take_str(&p, "\t") || !take_hex8(&p) || !take_str(&p, "\t") ||
	    !take_dec(&p, 8, &count) || !take_str(&p, "\t"))
		return -EINVAL;
	n = strcspn(p, "\t");
	if (!p[n])
		return -EINVAL;
	copy_field(e->exporter, sizeof(e->exporter), p);
	p += n + 1;
	if (!take_dec(&p, 8, &e->inode) || (*p && !take_str(&p, "\t")))
		return -EINVAL;
	n = strlen(p);
	if (n >= sizeof(e->name))
		n = sizeof(e->name) - 1;
	memcpy(e->name, p, n);
	return 0;
}

/*
 * The last line: "Total %d objects, %zu bytes". *objects is set only by such a
 * line: "Total 2 devices attached" starts like one.
 */
static bool bufinfo_total(const char *line, uint64_t *objects)
{
	const char *p = line;
	uint64_t n, bytes;

	if (!take_str(&p, "Total ") || !take_dec(&p, 1, &n) || !take_str(&p, " objects, ") ||
	    !take_dec(&p, 1, &bytes) || strcmp(p, " bytes"))
		return false;
	*objects = n;
	return true;
}

/*
 * A buffer's devices follow its line: "\tAttached Devices:", "\t%s" per
 * device, "Total %d devices attached". A name with a newline can print such
 * lines too, but only before the kernel's own: the last header and the last
 * total before the next buffer win.
 */
struct devices {
	bool listing; /* after the header, before the total */
	bool named;   /* the first device's name taken */
};

static void bufinfo_device_line(const char *line, struct bufinfo_entry *e, struct devices *d)
{
	const char *p = line;
	uint64_t n;

	if (!strcmp(line, "\tAttached Devices:")) {
		d->listing = true;
		d->named = false;
		memset(e->device, 0, sizeof(e->device));
	} else if (take_str(&p, "Total ") && take_dec(&p, 1, &n) &&
		   !strcmp(p, " devices attached")) {
		e->attachments = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
		d->listing = false;
	} else if (d->listing && line[0] == '\t' && !d->named) {
		/* the rest of the line, as the kernel's dev_name() gave it */
		size_t n = strnlen(line + 1, sizeof(e->device) - 1);

		memcpy(e->device, line + 1, n);
		e->device[n] = '\0';
		d->named = true;
	}
}

/*
 * Entries come only from lines of the exact format (headers, fences,
 * devices and anything else are skipped). A name with a newline can still
 * put a line of that format after its own (DMA_BUF_NAME_LEN leaves 31 bytes,
 * too few for the 45 that 8-digit fields need, but other kernels may allow
 * more, and fence and device names are printed too). Such a line can only
 * add an entry, never hide one: so the kernel's total, printed last, must
 * equal the entries found, or no entry is trusted (-EBADMSG, b empty).
 */
int bufinfo_load(struct bufinfo *b, FILE *f)
{
	char line[LINE_LEN];
	uint64_t objects = 0;
	bool totalled = false, cut;
	int ret = 0;

	memset(b, 0, sizeof(*b));
	struct devices dev = { 0 };

	while (read_line(f, line, sizeof(line), &cut)) {
		struct bufinfo_entry e;

		if (!cut && bufinfo_total(line, &objects)) {
			totalled = true;
			continue;
		}
		/* a cut line is a long name: the fields before it are whole */
		if (bufinfo_entry_parse(line, &e)) {
			if (b->len)
				bufinfo_device_line(line, &b->items[b->len - 1], &dev);
			continue;
		}
		dev = (struct devices){ 0 };
		totalled = false;
		if (grow((void **)&b->items, &b->cap, b->len + 1, sizeof(*b->items), 32)) {
			ret = -ENOMEM;
			break;
		}
		b->items[b->len++] = e;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	else if (!ret && (!totalled || objects != b->len))
		ret = -EBADMSG;
	if (ret)
		bufinfo_free(b);
	return ret;
}

const struct bufinfo_entry *bufinfo_find(const struct bufinfo *b, uint64_t inode)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->items[i].inode == inode)
			return &b->items[i];
	return NULL;
}

void bufinfo_free(struct bufinfo *b)
{
	if (!b)
		return;
	free(b->items);
	memset(b, 0, sizeof(*b));
}

/* comm and real uid of a process; best effort (it may exit meanwhile) */
/*
 * /proc/PID/comm is the name and a newline. The name may hold any byte but
 * NUL (prctl(PR_SET_NAME) takes tabs and newlines): only the last newline
 * is the file's.
 */
static void proc_comm(uint32_t pid, char *comm, size_t len)
{
	char path[64], buf[DA_COMM_LEN + 1];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n && buf[n - 1] == '\n')
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(comm, buf, n);
	comm[n] = '\0';
}

static void proc_identity(uint32_t pid, struct da_event *ev)
{
	char path[64], line[256];
	bool cut;
	FILE *f;

	proc_comm(pid, ev->comm, sizeof(ev->comm));
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/status", pid);
	f = fopen(path, "re");
	while (f && read_line(f, line, sizeof(line), &cut))
		if (!strncmp(line, "Uid:", 4) && sscanf(line + 4, "%" SCNu32, &ev->uid) == 1)
			break;
	if (f)
		fclose(f);
}

/* A dma-buf vma's record, once its smaps block ended with VmFlags. */
static void emit_vma(struct da_event *ev, const char *vmflags, const struct bufinfo *b,
		     record_fn fn, void *ctx, struct da_scan_stats *st)
{
	const struct bufinfo_entry *be = bufinfo_find(b, ev->inode);

	ev->vm_flags = vmflags_parse(vmflags);
	ev->kind = ev->vm_flags & DA_VM_PFNMAP ? DA_KIND_NONE : DA_KIND_MMAP_WITHOUT_PFNMAP;
	if (be) {
		ev->size = be->size;
		memcpy(ev->exporter, be->exporter, sizeof(ev->exporter));
		memcpy(ev->buf_name, be->name, sizeof(ev->buf_name));
	} else {
		ev->size = ev->vm_end - ev->vm_start;
		strcpy(ev->exporter, "?");
	}
	proc_identity(ev->pid, ev);
	st->dmabuf_vmas++;
	fn(ctx, ev);
}

/* "7f..-7f.. ": a maps line, the header of a vma's block in smaps */
static bool smaps_header(const char *line)
{
	const char *dash = strchr(line, '-'), *space = strchr(line, ' ');

	return isxdigit((unsigned char)line[0]) && dash && space && dash < space;
}

int smaps_scan(FILE *f, uint32_t pid, const struct bufinfo *b, record_fn fn, void *ctx,
	       struct da_scan_stats *st)
{
	char line[LINE_LEN];
	struct da_event ev;
	bool in_dmabuf = false, cut;

	while (read_line(f, line, sizeof(line), &cut)) {
		uint64_t s, e, ino;

		if (smaps_header(line)) {
			st->vmas += !strstr(line, "[vsyscall]");
			/* a cut line's path is longer than any dma-buf's */
			in_dmabuf = !cut && maps_line_dmabuf(line, &s, &e, &ino);
			if (!in_dmabuf)
				continue;
			memset(&ev, 0, sizeof(ev));
			ev.hook = DA_HOOK_SCAN;
			ev.pid = ev.tid = pid;
			ev.vm_start = s;
			ev.vm_end = e;
			ev.inode = ino;
			continue;
		}
		if (!in_dmabuf || strncmp(line, "VmFlags:", 8))
			continue;
		/* VmFlags closes a vma's block in smaps: the record is complete */
		in_dmabuf = false;
		emit_vma(&ev, line + 8, b, fn, ctx, st);
	}
	return ferror(f) ? -EIO : 0;
}

/* One process: its dma-buf vmas from smaps (maps lines and VmFlags together). */
static void scan_pid(uint32_t pid, const struct bufinfo *b, record_fn fn, void *ctx,
		     struct da_scan_stats *st)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/smaps", pid);
	f = fopen(path, "re");
	if (!f)
		return; /* exited, or a kernel thread without an mm */
	smaps_scan(f, pid, b, fn, ctx, st);
	fclose(f);
	st->tasks++;
}

/*
 * Without bufinfo the scan still runs, its findings without exporter and
 * name: a process able to spoil bufinfo (a name with a newline) must not
 * hide its mappings by it. Said once, not at every scan of the daemon.
 */
static void bufinfo_warn(int err)
{
	static bool said;

	if (said)
		return;
	said = true;
	log_msg(LOG_WARNING, "%s: %s; scan findings have no exporter or buffer name", DA_BUFINFO,
		err == -EBADMSG ? "its entries do not add up to its total (a buffer name with a "
				  "newline?)"
				: strerror(-err));
}

int procscan_run(uint32_t pid, record_fn fn, void *ctx, struct da_scan_stats *stats)
{
	struct bufinfo b = { 0 };
	FILE *bf = fopen(DA_BUFINFO, "re");
	DIR *d;
	struct dirent *de;
	int ret = 0;

	memset(stats, 0, sizeof(*stats));
	if (bf) {
		ret = bufinfo_load(&b, bf);
		fclose(bf);
		if (ret == -ENOMEM)
			return ret;
		if (ret)
			bufinfo_warn(ret);
		ret = 0;
	}
	if (pid) {
		scan_pid(pid, &b, fn, ctx, stats);
		goto cleanup;
	}
	d = opendir("/proc");
	if (!d) {
		ret = -errno;
		goto cleanup;
	}
	while ((de = readdir(d))) {
		char *end;
		unsigned long p = strtoul(de->d_name, &end, 10);

		if (*end || !p)
			continue;
		scan_pid((uint32_t)p, &b, fn, ctx, stats);
	}
	closedir(d);
cleanup:
	bufinfo_free(&b);
	return ret;
}
