// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "inventory.h"
#include "json.h"
#include "procscan.h"
#include "report.h"

int inventory_add_buf(struct inventory *inv, const struct da_buf_rec *rec)
{
	struct inv_buf *b;

	if (grow((void **)&inv->bufs, &inv->cap, inv->len + 1, sizeof(*inv->bufs), 64))
		return -ENOMEM;
	b = &inv->bufs[inv->len++];
	memset(b, 0, sizeof(*b));
	b->rec = *rec;
	inv->by_inode = false;
	return 0;
}

/* A bufinfo entry as the dma-buf iterator's record: no module, no mmap op. */
static void rec_of_entry(const struct bufinfo_entry *e, struct da_buf_rec *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->inode = e->inode;
	rec->size = e->size;
	rec->attachments = e->attachments;
	memcpy(rec->exporter, e->exporter, sizeof(rec->exporter));
	memcpy(rec->buf_name, e->name, sizeof(rec->buf_name));
	memcpy(rec->device, e->device, sizeof(rec->device));
}

int inventory_read_bufinfo(struct inventory *inv, const char *path)
{
	struct bufinfo b = { 0 };
	struct da_buf_rec rec;
	FILE *f = fopen(path, "re");
	int ret;

	if (!f)
		return -errno;
	ret = bufinfo_load(&b, f);
	fclose(f);
	for (size_t i = 0; !ret && i < b.len; i++) {
		rec_of_entry(&b.items[i], &rec);
		ret = inventory_add_buf(inv, &rec);
	}
	bufinfo_free(&b);
	inv->source = "debugfs";
	return ret;
}

void inventory_collect_buf(void *ctx, const struct da_buf_rec *rec)
{
	struct inventory *inv = ctx;

	if (inventory_add_buf(inv, rec))
		inv->failed = true;
}

void inventory_collect_fd(void *ctx, const struct da_fd_rec *rec)
{
	struct inventory *inv = ctx;

	if (inventory_add_fd(inv, rec))
		inv->failed = true;
}

static int cmp_inode(const void *a, const void *b)
{
	uint64_t x = ((const struct inv_buf *)a)->rec.inode, y = ((const struct inv_buf *)b)->rec.inode;

	return x < y ? -1 : x > y;
}

void inventory_index(struct inventory *inv)
{
	if (inv->len)
		qsort(inv->bufs, inv->len, sizeof(*inv->bufs), cmp_inode);
	inv->by_inode = true;
}

static struct inv_buf *buf_of(const struct inventory *inv, uint64_t inode)
{
	struct inv_buf key = { .rec.inode = inode };

	if (inv->by_inode)
		return inv->len ? bsearch(&key, inv->bufs, inv->len, sizeof(*inv->bufs), cmp_inode)
				: NULL;
	for (size_t i = 0; i < inv->len; i++)
		if (inv->bufs[i].rec.inode == inode)
			return &inv->bufs[i];
	return NULL;
}

int inventory_add_fd(struct inventory *inv, const struct da_fd_rec *rec)
{
	struct inv_buf *b = buf_of(inv, rec->inode);
	struct inv_holder *h;

	if (!b) {
		inv->stray_fds++;
		return 0;
	}
	for (size_t i = 0; i < b->nholders; i++) {
		if (b->holders[i].pid == rec->pid) {
			b->holders[i].fds++;
			return 0;
		}
	}
	if (grow((void **)&b->holders, &b->cap, b->nholders + 1, sizeof(*b->holders), 4))
		return -ENOMEM;
	h = &b->holders[b->nholders++];
	h->pid = rec->pid;
	h->fds = 1;
	memcpy(h->comm, rec->comm, sizeof(h->comm));
	h->comm[sizeof(h->comm) - 1] = '\0';
	return 0;
}

static int cmp_buf(const void *a, const void *b)
{
	const struct da_buf_rec *x = &((const struct inv_buf *)a)->rec;
	const struct da_buf_rec *y = &((const struct inv_buf *)b)->rec;
	int c = strncmp(x->exporter, y->exporter, sizeof(x->exporter));

	if (c)
		return c;
	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static int cmp_holder(const void *a, const void *b)
{
	uint32_t x = ((const struct inv_holder *)a)->pid, y = ((const struct inv_holder *)b)->pid;

	return x < y ? -1 : x > y;
}

void inventory_finish(struct inventory *inv)
{
	if (inv->len)
		qsort(inv->bufs, inv->len, sizeof(*inv->bufs), cmp_buf);
	inv->by_inode = false;
	for (size_t i = 0; i < inv->len; i++)
		if (inv->bufs[i].nholders)
			qsort(inv->bufs[i].holders, inv->bufs[i].nholders,
			      sizeof(*inv->bufs[i].holders), cmp_holder);
}

void inventory_free(struct inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->len; i++)
		free(inv->bufs[i].holders);
	free(inv->bufs);
	memset(inv, 0, sizeof(*inv));
}

static bool is_mapped(const struct inv_buf *b, const struct mapping_table *maps)
{
	for (size_t i = 0; maps && i < maps->len; i++)
		if (maps->items[i].inode == b->rec.inode)
			return true;
	return false;
}

bool inventory_kernel_only(const struct inv_buf *b, const struct mapping_table *maps)
{
	return !b->nholders && !is_mapped(b, maps);
}

struct inv_totals {
	uint64_t bufs, bytes, kbufs, kbytes;
};

static struct inv_totals totals_of(const struct inventory *inv, const struct mapping_table *maps,
				   const char *exporter)
{
	struct inv_totals t = { 0 };

	for (size_t i = 0; i < inv->len; i++) {
		const struct inv_buf *b = &inv->bufs[i];

		if (exporter && strncmp(b->rec.exporter, exporter, sizeof(b->rec.exporter)))
			continue;
		t.bufs++;
		t.bytes += b->rec.size;
		if (inventory_kernel_only(b, maps)) {
			t.kbufs++;
			t.kbytes += b->rec.size;
		}
	}
	return t;
}

static void human_buffer(FILE *f, const struct inv_buf *b, const struct mapping_table *maps)
{
	fprintf(f, "    inode %" PRIu64 "  size %" PRIu64 " bytes  name \"", (uint64_t)b->rec.inode,
		(uint64_t)b->rec.size);
	print_safe(f, b->rec.buf_name, sizeof(b->rec.buf_name));
	fprintf(f, "\"  attached %" PRIu32, b->rec.attachments);
	if (b->rec.attachments) {
		fputs(" (", f);
		print_safe(f, b->rec.device, sizeof(b->rec.device));
		fputs(b->rec.attachments > 1 ? ", ...)" : ")", f);
	}
	fputs(inventory_kernel_only(b, maps) ? "  HELD ONLY BY THE KERNEL\n" : "\n", f);
	for (size_t i = 0; i < b->nholders; i++) {
		fprintf(f, "      fd      pid %" PRIu32 " (", b->holders[i].pid);
		print_safe(f, b->holders[i].comm, sizeof(b->holders[i].comm));
		fprintf(f, ")  %" PRIu32 " fd%s\n", b->holders[i].fds, b->holders[i].fds > 1 ? "s" : "");
	}
	for (size_t i = 0; maps && i < maps->len; i++) {
		const struct mapping *m = &maps->items[i];

		if (m->inode != b->rec.inode)
			continue;
		fprintf(f, "      mapped  pid %" PRIu32 " (", m->pid);
		print_safe(f, m->comm, sizeof(m->comm));
		fprintf(f, ")  rss %" PRIu64 " pss %" PRIu64 " bytes\n", m->rss, mapping_pss(m));
	}
}

/* Per process: buffers it holds an fd to, and what it maps (Rss, Pss). */
static void human_processes(FILE *f, const struct inventory *inv, const struct mapping_table *maps)
{
	uint32_t last = 0;
	bool any = false;

	fputs("  per process (fd: buffers held; mapped: Rss, Pss)\n", f);
	/* every pid once: those of the holders, then those only mapping */
	for (;;) {
		uint32_t next = UINT32_MAX;
		uint64_t nbuf = 0, bytes = 0, rss = 0, pss = 0;
		const char *comm = NULL;

		for (size_t i = 0; i < inv->len; i++)
			for (size_t j = 0; j < inv->bufs[i].nholders; j++)
				if (inv->bufs[i].holders[j].pid > last &&
				    inv->bufs[i].holders[j].pid < next)
					next = inv->bufs[i].holders[j].pid;
		for (size_t i = 0; maps && i < maps->len; i++)
			if (maps->items[i].pid > last && maps->items[i].pid < next)
				next = maps->items[i].pid;
		if (next == UINT32_MAX)
			break;
		for (size_t i = 0; i < inv->len; i++) {
			for (size_t j = 0; j < inv->bufs[i].nholders; j++) {
				if (inv->bufs[i].holders[j].pid != next)
					continue;
				nbuf++;
				bytes += inv->bufs[i].rec.size;
				comm = inv->bufs[i].holders[j].comm;
			}
		}
		for (size_t i = 0; maps && i < maps->len; i++) {
			if (maps->items[i].pid != next)
				continue;
			rss += maps->items[i].rss;
			pss += mapping_pss(&maps->items[i]);
			comm = comm ? comm : maps->items[i].comm;
		}
		fprintf(f, "    pid %" PRIu32 " (", next);
		print_safe(f, comm ? comm : "", DA_COMM_LEN);
		fprintf(f, ")  fd %" PRIu64 " buffer%s %" PRIu64 " bytes  mapped rss %" PRIu64
			   " pss %" PRIu64 " bytes\n",
			nbuf, nbuf == 1 ? "" : "s", bytes, rss, pss);
		any = true;
		last = next;
	}
	if (!any)
		fputs("    none\n", f);
}

void inventory_print_human(FILE *f, const struct inventory *inv, const struct mapping_table *maps)
{
	struct inv_totals all = totals_of(inv, maps, NULL);

	fprintf(f,
		"DMA-BUF INVENTORY: %" PRIu64 " buffer%s, %" PRIu64 " bytes; held only by the kernel: %" PRIu64
		" buffer%s, %" PRIu64 " bytes\n",
		all.bufs, all.bufs == 1 ? "" : "s", all.bytes, all.kbufs, all.kbufs == 1 ? "" : "s",
		all.kbytes);
	if (inv->source && !strcmp(inv->source, "debugfs"))
		fputs("  (buffers from debugfs dma_buf/bufinfo: the exporters' modules are not known)\n",
		      f);
	for (size_t i = 0; i < inv->len; i++) {
		const struct inv_buf *b = &inv->bufs[i];

		if (!i || strncmp(b->rec.exporter, inv->bufs[i - 1].rec.exporter,
				  sizeof(b->rec.exporter))) {
			struct inv_totals t = totals_of(inv, maps, b->rec.exporter);

			fputs("  exporter ", f);
			print_safe(f, b->rec.exporter, sizeof(b->rec.exporter));
			if (b->rec.module[0]) {
				fputs(" [", f);
				print_safe(f, b->rec.module, sizeof(b->rec.module));
				fputc(']', f);
			}
			fprintf(f, ": %" PRIu64 " buffer%s, %" PRIu64 " bytes\n", t.bufs,
				t.bufs == 1 ? "" : "s", t.bytes);
		}
		human_buffer(f, b, maps);
	}
	human_processes(f, inv, maps);
	if (inv->stray_fds)
		fprintf(f, "  (%" PRIu64 " fds of buffers made while the inventory was read)\n",
			inv->stray_fds);
}

static void json_buffer(FILE *f, const struct inv_buf *b, const struct mapping_table *maps)
{
	const char *sep = "";

	fputs("{\"buffer\":{\"exporter\":", f);
	json_write_string(f, b->rec.exporter, sizeof(b->rec.exporter));
	fprintf(f, ",\"inode\":%" PRIu64 ",\"size\":%" PRIu64 ",\"name\":", (uint64_t)b->rec.inode,
		(uint64_t)b->rec.size);
	json_write_string(f, b->rec.buf_name, sizeof(b->rec.buf_name));
	fputs(",\"module\":", f);
	json_write_string(f, b->rec.module, sizeof(b->rec.module));
	fprintf(f, ",\"attachments\":%" PRIu32 ",\"device\":", b->rec.attachments);
	json_write_string(f, b->rec.device, sizeof(b->rec.device));
	fputs(",\"fd_holders\":[", f);
	for (size_t i = 0; i < b->nholders; i++) {
		fprintf(f, "%s{\"pid\":%" PRIu32 ",\"comm\":", i ? "," : "", b->holders[i].pid);
		json_write_string(f, b->holders[i].comm, sizeof(b->holders[i].comm));
		fprintf(f, ",\"fds\":%" PRIu32 "}", b->holders[i].fds);
	}
	fputs("],\"mappers\":[", f);
	for (size_t i = 0; maps && i < maps->len; i++) {
		const struct mapping *m = &maps->items[i];

		if (m->inode != b->rec.inode)
			continue;
		fprintf(f, "%s{\"pid\":%" PRIu32 ",\"comm\":", sep, m->pid);
		json_write_string(f, m->comm, sizeof(m->comm));
		fprintf(f, ",\"rss\":%" PRIu64 ",\"pss\":%" PRIu64 "}", m->rss, mapping_pss(m));
		sep = ",";
	}
	fprintf(f, "],\"kernel_only\":%s}}\n", inventory_kernel_only(b, maps) ? "true" : "false");
}

void inventory_write_totals(FILE *f, const struct inventory *inv, const struct mapping_table *maps)
{
	struct inv_totals all = totals_of(inv, maps, NULL);

	fprintf(f,
		"{\"buffers\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"kernel_only_buffers\":%" PRIu64
		",\"kernel_only_bytes\":%" PRIu64 ",\"stray_fds\":%" PRIu64 ",\"source\":",
		all.bufs, all.bytes, all.kbufs, all.kbytes, inv->stray_fds);
	json_write_string(f, inv->source ? inv->source : "", strlen(inv->source ? inv->source : ""));
	fputs(",\"exporters\":{", f);
	for (size_t i = 0, n = 0; i < inv->len; i++) {
		const struct inv_buf *b = &inv->bufs[i];
		struct inv_totals t;

		if (i && !strncmp(b->rec.exporter, inv->bufs[i - 1].rec.exporter,
				  sizeof(b->rec.exporter)))
			continue;
		t = totals_of(inv, maps, b->rec.exporter);
		fputs(n++ ? "," : "", f);
		json_write_string(f, b->rec.exporter, sizeof(b->rec.exporter));
		fprintf(f,
			":{\"buffers\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"kernel_only_buffers\":%" PRIu64
			",\"kernel_only_bytes\":%" PRIu64 "}",
			t.bufs, t.bytes, t.kbufs, t.kbytes);
	}
	fputs("}}", f);
}

void inventory_print_json(FILE *f, const struct inventory *inv, const struct mapping_table *maps)
{
	for (size_t i = 0; i < inv->len; i++)
		json_buffer(f, &inv->bufs[i], maps);
	fputs("{\"inventory\":", f);
	inventory_write_totals(f, inv, maps);
	fputs("}\n", f);
}
