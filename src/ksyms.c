// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "ksyms.h"

static int add_string(struct ksyms *ks, const char *s, uint32_t *off)
{
	size_t n = strlen(s) + 1;

	if (grow((void **)&ks->strings, &ks->scap, ks->slen + n, 1, 1 << 16))
		return -ENOMEM;
	if (ks->slen + n > UINT32_MAX)
		return -E2BIG;
	memcpy(ks->strings + ks->slen, s, n);
	*off = ks->slen;
	ks->slen += n;
	return 0;
}

static int add_sym(struct ksyms *ks, uint64_t addr, const char *name, const char *module)
{
	struct ksym *s;
	int ret;

	if (grow((void **)&ks->syms, &ks->cap, ks->len + 1, sizeof(*ks->syms), 4096))
		return -ENOMEM;
	s = &ks->syms[ks->len];
	s->addr = addr;
	s->module = 0;
	ret = add_string(ks, name, &s->name);
	if (!ret && module)
		ret = add_string(ks, module, &s->module);
	if (!ret)
		ks->len++;
	return ret;
}

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int ksyms_load(struct ksyms *ks, FILE *f)
{
	char line[1024], name[512], module[128];
	uint64_t addr;
	char type;
	int ret = 0;

	memset(ks, 0, sizeof(*ks));
	/* offset 0 is the empty string: "built-in" */
	ret = add_string(ks, "", &(uint32_t){ 0 });
	while (!ret && fgets(line, sizeof(line), f)) {
		int n = sscanf(line, "%" SCNx64 " %c %511s [%127[^]]]", &addr, &type, name, module);

		/* text symbols, weak ones included (kallsyms lists weak functions as W) */
		if (n < 3 || !addr || !strchr("tTwW", type))
			continue;
		ret = add_sym(ks, addr, name, n == 4 ? module : NULL);
	}
	if (ret) {
		ksyms_free(ks);
		return ret;
	}
	if (ks->len > 1)
		qsort(ks->syms, ks->len, sizeof(*ks->syms), by_addr);
	return 0;
}

int ksyms_open(struct ksyms *ks, const char *path)
{
	memset(ks, 0, sizeof(*ks));
	ks->src = fopen(path, "re");
	return ks->src ? 0 : -errno;
}

int ksyms_ensure(struct ksyms *ks)
{
	if (ks->tried)
		return ks->len ? 0 : -ENOENT;
	ks->tried = 1;
	return ksyms_reload(ks);
}

int ksyms_reload(struct ksyms *ks)
{
	struct ksyms fresh;
	FILE *src = ks->src;
	int ret;

	if (!src)
		return -ENOENT;
	rewind(src);
	ret = ksyms_load(&fresh, src);
	clearerr(src);
	if (ret)
		return ret;
	ks->src = NULL;
	ksyms_free(ks);
	*ks = fresh;
	ks->src = src;
	ks->tried = 1;
	return 0;
}

void ksyms_free(struct ksyms *ks)
{
	if (!ks)
		return;
	if (ks->src)
		fclose(ks->src);
	free(ks->syms);
	free(ks->strings);
	memset(ks, 0, sizeof(*ks));
}

/* Last symbol at or below addr, NULL if none. */
static const struct ksym *find(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &ks->syms[lo - 1] : NULL;
}

const char *ksyms_frame(const struct ksyms *ks, uint64_t addr, char *buf, size_t len)
{
	const char *s = ksyms_describe(ks, addr, 1, buf, len);
	size_t n = strlen(s);

	return n >= 6 && !strcmp(s + n - 6, " [bpf]") ? NULL : s;
}

/* Past the last symbol or far from any: not a text address we know. */
static const struct ksym *near(const struct ksyms *ks, uint64_t addr)
{
	const struct ksym *s = ks && ks->len ? find(ks, addr) : NULL;

	return s && addr - s->addr <= 0x100000 ? s : NULL;
}

int ksyms_known(const struct ksyms *ks, uint64_t addr)
{
	return near(ks, addr) != NULL;
}

const char *ksyms_describe(const struct ksyms *ks, uint64_t addr, int with_offset, char *buf,
			   size_t len)
{
	const struct ksym *s = near(ks, addr);
	const char *mod;
	char off[24] = "";

	if (!s) {
		snprintf(buf, len, "0x%" PRIx64, addr);
		return buf;
	}
	if (with_offset || addr != s->addr)
		snprintf(off, sizeof(off), "+0x%" PRIx64, addr - s->addr);
	mod = ks->strings + s->module;
	snprintf(buf, len, "%s%s%s%s%s", ks->strings + s->name, off, *mod ? " [" : "", mod,
		 *mod ? "]" : "");
	return buf;
}

int ksyms_has(const struct ksyms *ks, const char *name)
{
	if (!ks || !ks->len)
		return -ENOENT;
	for (size_t i = 0; i < ks->len; i++)
		if (!strcmp(ks->strings + ks->syms[i].name, name))
			return 1;
	return 0;
}
