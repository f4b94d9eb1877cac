// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "mappings.h"

static struct mapping *find(struct mapping_table *t, uint32_t pid, uint64_t inode)
{
	for (size_t i = 0; i < t->len; i++)
		if (t->items[i].pid == pid && t->items[i].inode == inode)
			return &t->items[i];
	return NULL;
}

int mapping_table_add(struct mapping_table *t, const struct da_event *rec)
{
	uint64_t len = rec->vm_end > rec->vm_start ? rec->vm_end - rec->vm_start : 0;
	struct mapping *m = find(t, rec->pid, rec->inode);

	if (!m) {
		if (grow((void **)&t->items, &t->cap, t->len + 1, sizeof(*t->items), 16))
			return -ENOMEM;
		m = &t->items[t->len++];
		memset(m, 0, sizeof(*m));
		m->pid = rec->pid;
		m->uid = rec->uid;
		m->inode = rec->inode;
		m->size = rec->size;
		memcpy(m->comm, rec->comm, sizeof(m->comm));
		memcpy(m->exporter, rec->exporter, sizeof(m->exporter));
		memcpy(m->buf_name, rec->buf_name, sizeof(m->buf_name));
	}
	m->vmas++;
	m->vm_flags |= rec->vm_flags;
	/* Several vmas may map the same pages (split, remap): at most the buffer. */
	m->rss += len;
	if (m->size && m->rss > m->size)
		m->rss = m->size;
	return 0;
}

static int by_buffer(const void *pa, const void *pb)
{
	const struct mapping *a = pa, *b = pb;
	int c = strncmp(a->exporter, b->exporter, DA_EXPORTER_LEN);

	if (c)
		return c;
	if (a->inode != b->inode)
		return a->inode < b->inode ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

void mapping_table_finish(struct mapping_table *t)
{
	size_t i = 0;

	if (t->len > 1)
		qsort(t->items, t->len, sizeof(*t->items), by_buffer);
	while (i < t->len) {
		size_t j = i;

		while (j < t->len && t->items[j].inode == t->items[i].inode &&
		       !strncmp(t->items[j].exporter, t->items[i].exporter, DA_EXPORTER_LEN))
			j++;
		for (size_t k = i; k < j; k++)
			t->items[k].procs = j - i;
		i = j;
	}
}

uint64_t mapping_pss(const struct mapping *m)
{
	return m->procs ? m->rss / m->procs : m->rss;
}

void mapping_table_free(struct mapping_table *t)
{
	if (!t)
		return;
	free(t->items);
	memset(t, 0, sizeof(*t));
}
