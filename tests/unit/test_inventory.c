// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The dma-buf inventory: buffers, fd holders, mappers, held only by the kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "inventory.h"
#include "unit.h"

static struct da_buf_rec buf_make(uint64_t inode, uint64_t size, const char *exporter,
				  const char *name, uint32_t attachments)
{
	struct da_buf_rec r;

	memset(&r, 0, sizeof(r));
	r.inode = inode;
	r.size = size;
	r.attachments = attachments;
	snprintf(r.exporter, sizeof(r.exporter), "%s", exporter);
	snprintf(r.buf_name, sizeof(r.buf_name), "%s", name);
	snprintf(r.module, sizeof(r.module), "mod");
	if (attachments)
		snprintf(r.device, sizeof(r.device), "gpu0");
	return r;
}

static struct da_fd_rec fd_make(uint32_t pid, uint32_t fd, uint64_t inode)
{
	struct da_fd_rec r;

	memset(&r, 0, sizeof(r));
	r.pid = pid;
	r.fd = fd;
	r.inode = inode;
	snprintf(r.comm, sizeof(r.comm), "proc%u", pid);
	return r;
}

static void map_add(struct mapping_table *t, uint32_t pid, uint64_t inode, uint64_t size)
{
	struct da_event rec;

	memset(&rec, 0, sizeof(rec));
	rec.hook = DA_HOOK_SCAN;
	rec.pid = rec.tid = pid;
	rec.inode = inode;
	rec.size = size;
	rec.vm_start = 0x10000000ull * pid;
	rec.vm_end = rec.vm_start + size;
	snprintf(rec.comm, sizeof(rec.comm), "proc%u", pid);
	strcpy(rec.exporter, "heap");
	ASSERT_EQ_INT(mapping_table_add(t, &rec), 0, "mapping_table_add");
}

static char *capture(const struct inventory *inv, const struct mapping_table *maps, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!ASSERT_OK_PTR(f, "open_memstream"))
		return NULL;
	if (json)
		inventory_print_json(f, inv, maps);
	else
		inventory_print_human(f, inv, maps);
	fclose(f);
	return buf;
}

/*
 * Four buffers of two exporters: fd only (two fds of one process), mapped only,
 * attached and held by nobody (the kernel), fd and mapped; an fd of a buffer
 * the list lacks is counted apart.
 */
static void fill(struct inventory *inv, struct mapping_table *maps)
{
	struct da_buf_rec b[] = {
		buf_make(40, 16384, "vgem", "fd", 0),
		buf_make(11, 4096, "heap", "mapped", 0),
		buf_make(12, 8192, "heap", "kernel", 2),
		buf_make(13, 4096, "heap", "both", 0),
	};
	struct da_fd_rec fds[] = { fd_make(7, 3, 40), fd_make(7, 4, 40), fd_make(9, 5, 13),
				   fd_make(9, 6, 99) };

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		ASSERT_EQ_INT(inventory_add_buf(inv, &b[i]), 0, "add buf");
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		ASSERT_EQ_INT(inventory_add_fd(inv, &fds[i]), 0, "add fd");
	map_add(maps, 8, 11, 4096);
	map_add(maps, 9, 13, 4096);
	mapping_table_finish(maps);
	inventory_finish(inv);
}

static void test_inventory_states(void)
{
	struct inventory inv = { 0 };
	struct mapping_table maps = { 0 };

	fill(&inv, &maps);
	if (!ASSERT_EQ_INT((int)inv.len, 4, "four buffers"))
		goto cleanup;
	/* sorted by exporter, then inode */
	ASSERT_EQ_U64(inv.bufs[0].rec.inode, 11, "heap 11 first");
	ASSERT_EQ_U64(inv.bufs[3].rec.inode, 40, "vgem last");
	ASSERT_EQ_INT((int)inv.bufs[3].nholders, 1, "two fds of one process: one holder");
	ASSERT_EQ_INT((int)inv.bufs[3].holders[0].fds, 2, "... with two fds");
	ASSERT_EQ_U64(inv.stray_fds, 1, "fd of an unlisted buffer counted apart");
	ASSERT_FALSE(inventory_kernel_only(&inv.bufs[0], &maps), "mapped only");
	ASSERT_TRUE(inventory_kernel_only(&inv.bufs[1], &maps), "attached, no fd, no map");
	ASSERT_FALSE(inventory_kernel_only(&inv.bufs[2], &maps), "fd and mapped");
	ASSERT_FALSE(inventory_kernel_only(&inv.bufs[3], &maps), "fd only");
	ASSERT_TRUE(inventory_kernel_only(&inv.bufs[3], NULL) == false, "fd only, no scan");
cleanup:
	inventory_free(&inv);
	mapping_table_free(&maps);
	inventory_free(NULL);
}

/*
 * The fds looked up by bsearch once the buffers are indexed by inode (the daemon's
 * every interval): the same holders and strays as the plain lookup, and a buffer
 * added after the index is still found.
 */
static void test_inventory_indexed(void)
{
	struct inventory inv = { 0 };
	struct da_buf_rec b[] = {
		buf_make(40, 16384, "vgem", "a", 0), buf_make(11, 4096, "heap", "b", 0),
		buf_make(13, 4096, "heap", "c", 0),  buf_make(12, 8192, "heap", "d", 0),
	};
	struct da_fd_rec fds[] = { fd_make(7, 3, 40), fd_make(7, 4, 40), fd_make(9, 5, 11),
				   fd_make(9, 6, 5),  fd_make(9, 7, 99), fd_make(8, 8, 13) };
	struct da_buf_rec late = buf_make(7, 4096, "heap", "late", 0);
	struct da_fd_rec late_fd = fd_make(9, 9, 7);

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		ASSERT_EQ_INT(inventory_add_buf(&inv, &b[i]), 0, "add buf");
	inventory_index(&inv);
	ASSERT_TRUE(inv.by_inode, "indexed");
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		ASSERT_EQ_INT(inventory_add_fd(&inv, &fds[i]), 0, "add fd");
	ASSERT_EQ_U64(inv.stray_fds, 2, "below the first and past the last inode: strays");
	ASSERT_EQ_INT(inventory_add_buf(&inv, &late), 0, "a buffer after the index");
	ASSERT_FALSE(inv.by_inode, "the index undone");
	ASSERT_EQ_INT(inventory_add_fd(&inv, &late_fd), 0, "its fd");
	inventory_finish(&inv);
	for (size_t i = 0; i < inv.len; i++) {
		const struct inv_buf *x = &inv.bufs[i];
		uint32_t want = x->rec.inode == 40 ? 2 : x->rec.inode == 12 ? 0 : 1;
		uint32_t seen = x->nholders ? x->holders[0].fds : 0;

		ASSERT_EQ_INT((int)seen, (int)want, x->rec.buf_name);
	}
	inventory_free(&inv);
}

static void test_inventory_json(void)
{
	struct inventory inv = { 0 };
	struct mapping_table maps = { 0 };
	char *out;

	fill(&inv, &maps);
	inv.source = "debugfs";
	out = capture(&inv, &maps, true);
	if (ASSERT_OK_PTR(out, "capture")) {
		ASSERT_JSON_LINES(out, "every line JSON");
		ASSERT_HAS_STR(out,
			       "{\"buffer\":{\"exporter\":\"heap\",\"inode\":12,\"size\":8192,"
			       "\"name\":\"kernel\",\"module\":\"mod\",\"attachments\":2,"
			       "\"device\":\"gpu0\",\"fd_holders\":[],\"mappers\":[],"
			       "\"kernel_only\":true}}\n",
			       "kernel-only buffer");
		ASSERT_HAS_STR(out,
			       "\"fd_holders\":[{\"pid\":9,\"comm\":\"proc9\",\"fds\":1}],"
			       "\"mappers\":[{\"pid\":9,\"comm\":\"proc9\",\"rss\":4096,\"pss\":4096}]",
			       "holder and mapper");
		ASSERT_HAS_STR(out,
			       "{\"inventory\":{\"buffers\":4,\"bytes\":32768,\"kernel_only_buffers\":1,"
			       "\"kernel_only_bytes\":8192,\"stray_fds\":1,\"source\":\"debugfs\","
			       "\"exporters\":{\"heap\":{"
			       "\"buffers\":3,\"bytes\":16384,\"kernel_only_buffers\":1,"
			       "\"kernel_only_bytes\":8192},\"vgem\":{\"buffers\":1,\"bytes\":16384,"
			       "\"kernel_only_buffers\":0,\"kernel_only_bytes\":0}}}}\n",
			       "totals per exporter, last line");
	}
	free(out);
	inventory_free(&inv);
	mapping_table_free(&maps);
}

static void test_inventory_human(void)
{
	struct inventory inv = { 0 };
	struct mapping_table maps = { 0 };
	char *out;

	fill(&inv, &maps);
	inv.source = "iter/dmabuf";
	out = capture(&inv, &maps, false);
	if (ASSERT_OK_PTR(out, "capture")) {
		ASSERT_FALSE(strstr(out, "debugfs") != NULL, "the iterator's list says no more");
		ASSERT_HAS_STR(out,
			       "DMA-BUF INVENTORY: 4 buffers, 32768 bytes; held only by the kernel: 1 "
			       "buffer, 8192 bytes\n",
			       "head line");
		ASSERT_HAS_STR(out, "  exporter heap [mod]: 3 buffers, 16384 bytes\n", "per exporter");
		ASSERT_HAS_STR(out,
			       "    inode 12  size 8192 bytes  name \"kernel\"  attached 2 (gpu0, ...)"
			       "  HELD ONLY BY THE KERNEL\n",
			       "kernel-only buffer");
		ASSERT_HAS_STR(out, "      fd      pid 7 (proc7)  2 fds\n", "holder");
		ASSERT_HAS_STR(out, "      mapped  pid 8 (proc8)  rss 4096 pss 4096 bytes\n", "mapper");
		ASSERT_HAS_STR(out,
			       "    pid 9 (proc9)  fd 1 buffer 4096 bytes  mapped rss 4096 pss 4096 "
			       "bytes\n",
			       "per process");
		ASSERT_HAS_STR(out, "  (1 fds of buffers made while the inventory was read)\n",
			       "stray fds said");
	}
	free(out);
	inventory_free(&inv);
	mapping_table_free(&maps);
}

/* clang-format off */
static const struct unit_test tests[] = {
	UNIT_TEST(test_inventory_states),
	UNIT_TEST(test_inventory_indexed),
	UNIT_TEST(test_inventory_json),
	UNIT_TEST(test_inventory_human),
};
/* clang-format on */
UNIT_SUITE(inventory, tests);
