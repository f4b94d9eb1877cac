// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "finding.h"
#include "grow.h"

static const struct {
	const char *name;
	bool violation;
	const char *summary;
} kinds[DA_KIND_MAX] = {
	[DA_KIND_NONE] = { "none", false, "" },
	[DA_KIND_MMAP_WITHOUT_PFNMAP] = { "mmap_without_pfnmap", true,
					  "dma-buf mapped without VM_PFNMAP: get_user_pages may take struct page references" },
	[DA_KIND_GUP_ON_DMABUF] = { "gup_on_dmabuf", true,
				    "get_user_pages accepted a dma-buf mapping: pages pinned behind the exporter's back" },
	[DA_KIND_PAGE_INSERT_ON_DMABUF] = { "page_insert_on_dmabuf", true,
					    "struct pages inserted into a dma-buf mapping (vm_insert_page): refcounted, GUP-able" },
	[DA_KIND_GUP_BLOCKED] = { "gup_blocked", false,
				  "get_user_pages refused a dma-buf mapping: userspace treats dma-buf memory as normal memory" },
	[DA_KIND_GUP_FAST_ON_DMABUF] = { "gup_fast_on_dmabuf", true,
					 "lockless get_user_pages_fast took pages of a dma-buf mapping: its ptes lack pte_special" },
	[DA_KIND_PTE_NOT_SPECIAL] = { "pte_not_special", true,
				      "present pte without pte_special in a dma-buf mapping: a struct page any GUP can pin" },
	[DA_KIND_KERNEL_PFN_LOOKUP] = { "kernel_pfn_lookup", false,
					"kernel code resolved a pfn of a dma-buf mapping: it may use memory the exporter moves or frees" },
	[DA_KIND_HUGE_NOT_SPECIAL] = { "huge_not_special", true,
				       "huge pmd/pud entry without the special bit in a dma-buf mapping: GUP-fast can pin the pages behind it" },
	[DA_KIND_HUGE_ENTRY] = { "huge_entry", false,
				 "huge pmd/pud entry in a dma-buf mapping on a kernel without a special bit for it (before 6.12): GUP-fast can pin the pages behind it" },
};

const char *kind_name(uint32_t kind)
{
	return kind > DA_KIND_NONE && kind < DA_KIND_MAX ? kinds[kind].name : "unknown";
}

int kind_from_name(const char *name)
{
	for (int k = DA_KIND_NONE + 1; k < DA_KIND_MAX; k++)
		if (!strcmp(kinds[k].name, name))
			return k;
	return -EINVAL;
}

bool kind_is_violation(uint32_t kind)
{
	return kind < DA_KIND_MAX && kinds[kind].violation;
}

const char *kind_summary(uint32_t kind)
{
	return kind < DA_KIND_MAX ? kinds[kind].summary : "";
}

uint64_t huge_entry_size_of(int32_t level, uint64_t page)
{
	uint64_t pmd = page * (page / 8);

	if (level == DA_HUGE_PMD)
		return pmd;
	return level == DA_HUGE_PUD ? pmd * (page / 8) : 0;
}

uint64_t huge_entry_size(int32_t level)
{
	long page = sysconf(_SC_PAGESIZE);

	return huge_entry_size_of(level, page > 0 ? (uint64_t)page : 4096);
}

size_t vm_flags_describe(uint64_t flags, char *buf, size_t len)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {
		{ DA_VM_SHARED, "shared" },
		{ DA_VM_PFNMAP, "pfnmap" },
		{ DA_VM_IO, "io" },
		{ DA_VM_MIXEDMAP, "mixedmap" },
		{ DA_VM_DONTEXPAND, "dontexpand" },
		{ DA_VM_DONTDUMP, "dontdump" },
	};
	size_t used = 0;

	if (!len)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int n;

		if (!(flags & names[i].bit))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", names[i].name);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0'; /* whole names only */
			break;
		}
		used += n;
	}
	return used;
}

/* include/linux/mm.h macro values, 5.10 to 6.2 */
#define LEGACY_GUP_FLAGS                                                                           \
	{                                                                                          \
		{ "FOLL_WRITE", 0x01 }, { "FOLL_GET", 0x04 }, { "FOLL_FORCE", 0x10 },              \
			{ "FOLL_REMOTE", 0x2000 }, { "FOLL_LONGTERM", 0x10000 },                   \
		{                                                                                  \
			"FOLL_PIN", 0x40000                                                        \
		}                                                                                  \
	}

struct gup_flag_name gup_flag_table[GUP_FLAG_NAMES] = LEGACY_GUP_FLAGS;

void gup_flags_reset(void)
{
	struct gup_flag_name legacy[GUP_FLAG_NAMES] = LEGACY_GUP_FLAGS;

	memcpy(gup_flag_table, legacy, sizeof(legacy));
}

int gup_flag_set_value(const char *name, uint64_t value)
{
	for (int i = 0; i < GUP_FLAG_NAMES; i++) {
		if (!strcmp(gup_flag_table[i].name, name)) {
			gup_flag_table[i].value = value;
			return 0;
		}
	}
	return -ENOENT;
}

void finding_set_init(struct finding_set *set, size_t max)
{
	memset(set, 0, sizeof(*set));
	set->max = max;
}

void finding_set_free(struct finding_set *set)
{
	if (!set)
		return;
	free(set->items);
	free(set->slots);
	memset(set, 0, sizeof(*set));
}

static bool same_finding(const struct da_event *a, const struct da_event *b)
{
	return a->kind == b->kind && a->pid == b->pid && a->inode == b->inode &&
	       a->vm_start == b->vm_start;
}

static size_t finding_hash(const struct da_event *e)
{
	uint64_t h =
		e->vm_start ^ e->inode * 0x9e3779b97f4a7c15ull ^ ((uint64_t)e->pid << 32 | e->kind);

	h ^= h >> 33; /* murmur3 finaliser */
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (size_t)h;
}

/* Open addressing over item numbers (+1; 0 is empty), kept under half full. */
static int index_rebuild(struct finding_set *set, size_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < set->len; i++) {
		size_t s = finding_hash(&set->items[i].ev) & (nslots - 1);

		while (slots[s])
			s = (s + 1) & (nslots - 1);
		slots[s] = i + 1;
	}
	free(set->slots);
	set->slots = slots;
	set->nslots = nslots;
	return 0;
}

static struct finding *finding_find(const struct finding_set *set, const struct da_event *ev)
{
	if (!set->nslots) /* index lost to ENOMEM: slow but right */
		for (size_t i = 0; i < set->len; i++)
			if (same_finding(&set->items[i].ev, ev))
				return &set->items[i];
	for (size_t s = finding_hash(ev) & (set->nslots - 1); set->nslots && set->slots[s];
	     s = (s + 1) & (set->nslots - 1))
		if (same_finding(&set->items[set->slots[s] - 1].ev, ev))
			return &set->items[set->slots[s] - 1];
	return NULL;
}

/*
 * Slots for n items at most half full: a power of two, 64 at least. From the
 * item count, not the old size: after an index lost to ENOMEM (0 slots) a
 * fixed first size could be smaller than the items, and the rebuild's probe
 * for a free slot would never end.
 */
static size_t index_slots_for(size_t n)
{
	size_t nslots = 64;

	while (nslots < 2 * n)
		nslots *= 2;
	return nslots;
}

static int finding_reserve(struct finding_set *set)
{
	if ((set->len + 1) * 2 > set->nslots &&
	    index_rebuild(set, index_slots_for(set->len + 1)))
		return -ENOMEM;
	return grow((void **)&set->items, &set->cap, set->len + 1, sizeof(*set->items), 16);
}

/* The occurrences an event stands for (a batch of inserts), at least one. */
uint64_t event_count(const struct da_event *ev)
{
	return ev->count ? ev->count : 1;
}

struct finding *finding_set_add(struct finding_set *set, const struct da_event *ev)
{
	struct finding *f = finding_find(set, ev);
	size_t s;

	if (f) {
		/* Sent again: its dedup entry was taken (ring buffer full) or never
		 * made (dedup map full): what this event counted starts a new live. */
		f->base += f->live;
		f->live = event_count(ev);
		f->count = f->base + f->live;
		f->ev.gup_flags |= ev->gup_flags;
		return f;
	}
	if (set->len >= set->max || finding_reserve(set)) {
		set->dropped++;
		return NULL;
	}
	f = &set->items[set->len++];
	f->ev = *ev;
	f->base = 0;
	f->live = event_count(ev);
	f->count = f->live;
	f->printed = 0;
	f->accounted = 0;
	for (s = finding_hash(ev) & (set->nslots - 1); set->slots[s];
	     s = (s + 1) & (set->nslots - 1))
		;
	set->slots[s] = set->len;
	return f;
}

size_t finding_set_prune(struct finding_set *set, bool (*keep)(void *ctx, struct finding *f),
			 void *ctx)
{
	size_t n = 0, dropped;

	for (size_t i = 0; i < set->len; i++)
		if (keep(ctx, &set->items[i]))
			set->items[n++] = set->items[i];
	dropped = set->len - n;
	set->len = n;
	if (dropped && set->nslots && index_rebuild(set, set->nslots)) {
		/* old slots name moved items: drop the index, lookups go linear */
		free(set->slots);
		set->slots = NULL;
		set->nslots = 0;
	}
	return dropped;
}

struct finding *finding_set_update(struct finding_set *set, const struct da_dedup_key *key,
				   uint64_t count)
{
	struct da_event probe = {
		.kind = key->kind, .pid = key->pid, .inode = key->inode, .vm_start = key->vm_start
	};
	struct finding *f = finding_find(set, &probe);

	if (f && count > f->live) {
		f->live = count;
		f->count = f->base + f->live;
	}
	return f;
}

static int finding_cmp(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;
	int c;

	if (kind_is_violation(a->ev.kind) != kind_is_violation(b->ev.kind))
		return kind_is_violation(a->ev.kind) ? -1 : 1;
	if (a->ev.kind != b->ev.kind)
		return a->ev.kind < b->ev.kind ? -1 : 1;
	c = strncmp(a->ev.exporter, b->ev.exporter, DA_EXPORTER_LEN);
	if (c)
		return c;
	if (a->ev.pid != b->ev.pid)
		return a->ev.pid < b->ev.pid ? -1 : 1;
	if (a->ev.vm_start != b->ev.vm_start)
		return a->ev.vm_start < b->ev.vm_start ? -1 : 1;
	return 0;
}

void finding_set_sort(struct finding_set *set)
{
	if (set->len < 2)
		return;
	qsort(set->items, set->len, sizeof(*set->items), finding_cmp);
	/* items moved: re-index (unless the index was already lost to ENOMEM: an
	 * index of 0 slots has no mask), or fall back to linear search */
	if (set->nslots && index_rebuild(set, set->nslots)) {
		free(set->slots);
		set->slots = NULL;
		set->nslots = 0;
	}
}

/* ---- the vmas a scan saw -------------------------------------------------- */

void vma_set_reset(struct vma_set *set)
{
	set->len = 0;
}

int vma_set_add(struct vma_set *set, const struct da_event *rec)
{
	if (grow((void **)&set->items, &set->cap, set->len + 1, sizeof(*set->items), 256))
		return -ENOMEM;
	set->items[set->len++] = (struct vma_seen){
		.pid = rec->pid, .inode = rec->inode, .vm_start = rec->vm_start
	};
	return 0;
}

static int vma_cmp(const void *pa, const void *pb)
{
	const struct vma_seen *a = pa, *b = pb;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->vm_start != b->vm_start)
		return a->vm_start < b->vm_start ? -1 : 1;
	if (a->inode != b->inode)
		return a->inode < b->inode ? -1 : 1;
	return 0;
}

void vma_set_finish(struct vma_set *set)
{
	if (set->len > 1)
		qsort(set->items, set->len, sizeof(*set->items), vma_cmp);
}

bool vma_set_has(const struct vma_set *set, const struct da_event *ev)
{
	struct vma_seen key = { .pid = ev->pid, .inode = ev->inode, .vm_start = ev->vm_start };

	return set->len && bsearch(&key, set->items, set->len, sizeof(key), vma_cmp);
}

void vma_set_free(struct vma_set *set)
{
	if (!set)
		return;
	free(set->items);
	set->items = NULL;
	set->len = set->cap = 0;
}
