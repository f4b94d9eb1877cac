// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stddef.h>
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
	if (!ret && ferror(f))
		ret = -EIO; /* cut short: the modules, listed last, would be missing */
	if (ret) {
		ksyms_free(ks);
		return ret;
	}
	if (ks->len > 1)
		qsort(ks->syms, ks->len, sizeof(*ks->syms), by_addr);
	return 0;
}

static int read_modules(FILE *f, uint64_t *fp, char **text, size_t *text_len);
static int modules_from_text(struct ksyms *t, char *text, size_t len);

int ksyms_open(struct ksyms *ks, const char *path, const char *modules)
{
	char *text = NULL;
	size_t len = 0;

	memset(ks, 0, sizeof(*ks));
	ks->src = fopen(path, "re");
	if (!ks->src)
		return -errno;
	if (modules)
		ks->mods_src = fopen(modules, "re");
	/*
	 * The modules loaded now, extents only: ksyms_refresh compares with them, and
	 * a module loaded before the first read is told as loaded (ks->loaded).
	 */
	if (ks->mods_src && !read_modules(ks->mods_src, &ks->mods_fp, &text, &len) &&
	    !add_string(ks, "", &(uint32_t){ 0 }))
		modules_from_text(ks, text, len);
	free(text);
	return 0;
}

int ksyms_ensure(struct ksyms *ks)
{
	if (ks->tried)
		return ks->len ? 0 : -ENOENT;
	ks->tried = 1;
	return ksyms_reload(ks);
}

/*
 * One /proc/modules line: "name size refcount deps state address [taint]". The
 * refcount and state change while a module is used; name, size and address only
 * when it is loaded or unloaded (or its init code freed). 1 when parsed.
 */
static int parse_module(const char *line, char *name, size_t nlen, uint64_t *size, uint64_t *base)
{
	char fmt[64];

	snprintf(fmt, sizeof(fmt), "%%%zus %%" SCNu64 " %%*s %%*s %%*s %%" SCNx64, nlen - 1);
	return sscanf(line, fmt, name, size, base) == 3;
}

/* FNV-1a over the bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/*
 * Reads f (/proc/modules) from its start: its fingerprint (every module's name,
 * size and address), and when text is not NULL a copy of what was read (malloc'd,
 * *text_len bytes). 0 or -errno.
 */
static int read_modules(FILE *f, uint64_t *fp, char **text, size_t *text_len)
{
	char line[512], name[128];
	uint64_t h = 0xcbf29ce484222325ull, size, base;
	FILE *copy = NULL;
	int ret = 0;

	if (text) {
		*text = NULL;
		copy = open_memstream(text, text_len);
		if (!copy)
			return -ENOMEM;
	}
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (copy)
			fputs(line, copy);
		if (!parse_module(line, name, sizeof(name), &size, &base))
			continue;
		h = fnv(h, name, strlen(name) + 1);
		h = fnv(h, &size, sizeof(size));
		h = fnv(h, &base, sizeof(base));
	}
	if (ferror(f))
		ret = -EIO;
	clearerr(f);
	if (copy && fclose(copy) && !ret)
		ret = -ENOMEM;
	if (ret && text) {
		free(*text);
		*text = NULL;
	}
	*fp = h;
	return ret;
}

/* ksyms_load_modules() of text (len bytes of /proc/modules). 0 or -errno. */
static int modules_from_text(struct ksyms *t, char *text, size_t len)
{
	/* fmemopen() of 0 bytes fails: no module loaded, nothing to read */
	FILE *mf = len ? fmemopen(text, len, "r") : NULL;
	int ret = !len ? 0 : mf ? ksyms_load_modules(t, mf) : -ENOMEM;

	if (mf)
		fclose(mf);
	return ret;
}

static int by_base(const void *a, const void *b)
{
	const struct kmod *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

int ksyms_load_modules(struct ksyms *ks, FILE *f)
{
	char line[512], name[128];
	uint64_t size, base;
	int ret = 0;

	while (!ret && fgets(line, sizeof(line), f)) {
		struct kmod *m;

		if (!parse_module(line, name, sizeof(name), &size, &base) || !base || !size ||
		    base + size < base)
			continue; /* hidden (kptr_restrict) or malformed */
		if (grow((void **)&ks->mods, &ks->mcap, ks->nmods + 1, sizeof(*ks->mods), 64))
			return -ENOMEM;
		m = &ks->mods[ks->nmods];
		m->base = base;
		m->size = size;
		m->gone = 0;
		ret = add_string(ks, name, &m->name);
		if (!ret)
			ks->nmods++;
	}
	if (ks->nmods > 1)
		qsort(ks->mods, ks->nmods, sizeof(*ks->mods), by_base);
	return ret;
}

static size_t at_or_below(const void *items, size_t n, size_t size, uint64_t addr);

/* Does fresh hold module m of old (the same name at the same base)? */
static int still_loaded(const struct ksyms *fresh, const struct ksyms *old, const struct kmod *m)
{
	for (size_t i = 0; i < fresh->nmods; i++)
		if (fresh->mods[i].base == m->base &&
		    !strcmp(fresh->strings + fresh->mods[i].name, old->strings + m->name))
			return 1;
	return 0;
}

/* Is a module of fresh loaded inside m's extent (its code may be there now)? */
static int taken(const struct ksyms *fresh, const struct kmod *m)
{
	for (size_t i = 0; i < fresh->nmods; i++)
		if (fresh->mods[i].base - m->base < m->size)
			return 1;
	return 0;
}

/* Module m of old, gone from fresh: its extent and its symbols into fresh. */
static int keep_module(struct ksyms *fresh, const struct ksyms *old, const struct kmod *m)
{
	const char *name = old->strings + m->name;
	size_t i = at_or_below(old->syms, old->len, sizeof(*old->syms), m->base - 1);
	struct kmod *k;
	int ret = 0;

	for (; !ret && i < old->len && old->syms[i].addr - m->base < m->size; i++)
		if (!strcmp(old->strings + old->syms[i].module, name))
			ret = add_sym(fresh, old->syms[i].addr, old->strings + old->syms[i].name,
				      name);
	if (ret)
		return ret;
	if (grow((void **)&fresh->mods, &fresh->mcap, fresh->nmods + 1, sizeof(*fresh->mods), 64))
		return -ENOMEM;
	k = &fresh->mods[fresh->nmods];
	*k = *m;
	k->gone = m->gone + 1;
	ret = add_string(fresh, name, &k->name);
	if (!ret)
		fresh->nmods++;
	return ret;
}

/*
 * The modules of old that fresh lacks (unloaded since), kept in fresh with their
 * symbols: a finding made while one was loaded is named after it when printed later
 * (the report), until another module is loaded inside its extent, or KSYMS_GONE_MAX
 * reads later. 0 or -errno.
 */
static int keep_gone(struct ksyms *fresh, const struct ksyms *old)
{
	size_t n = fresh->nmods;
	int ret = 0;

	for (size_t i = 0; !ret && i < old->nmods; i++) {
		const struct kmod *m = &old->mods[i];

		if (m->gone < KSYMS_GONE_MAX && !still_loaded(fresh, old, m) && !taken(fresh, m))
			ret = keep_module(fresh, old, m);
	}
	if (!ret && fresh->nmods != n) {
		qsort(fresh->syms, fresh->len, sizeof(*fresh->syms), by_addr);
		qsort(fresh->mods, fresh->nmods, sizeof(*fresh->mods), by_base);
	}
	return ret;
}

/* Is a module of that name loaded at base in t (gone ones do not count)? */
static int loaded_at(const struct ksyms *t, const char *name, uint64_t base)
{
	for (size_t i = 0; i < t->nmods; i++)
		if (!t->mods[i].gone && t->mods[i].base == base &&
		    !strcmp(t->strings + t->mods[i].name, name))
			return 1;
	return 0;
}

/* ks->loaded told of each module of fresh that old (read before) did not have. */
static void tell_loaded(const struct ksyms *old, const struct ksyms *fresh)
{
	if (!old->loaded || (!old->len && !old->nmods))
		return; /* nothing read before to compare with */
	for (size_t i = 0; i < fresh->nmods; i++) {
		const char *name = fresh->strings + fresh->mods[i].name;

		if (!fresh->mods[i].gone && !loaded_at(old, name, fresh->mods[i].base))
			old->loaded(old->loaded_ctx, name, ksyms_module_symbols(fresh, name));
	}
}

int ksyms_reload(struct ksyms *ks)
{
	void (*loaded)(void *ctx, const char *module, size_t nsyms) = ks->loaded;
	void *loaded_ctx = ks->loaded_ctx;
	struct ksyms fresh;
	FILE *src = ks->src, *msrc = ks->mods_src;
	int have_mods = 0;
	char *mtext = NULL;
	size_t mlen = 0;
	uint64_t fp = 0;
	int ret;

	if (!src)
		return -ENOENT;
	/*
	 * The modules first: one loaded between the two reads has symbols but no
	 * extent (named by KSYMS_MOD_SLACK), and the next refresh sees it; read
	 * after, it would have an extent without symbols.
	 */
	if (msrc && !read_modules(msrc, &fp, &mtext, &mlen))
		have_mods = 1; /* else no extents this time; the fingerprint stays 0 */
	rewind(src);
	ret = ksyms_load(&fresh, src);
	clearerr(src);
	if (!ret && have_mods) {
		ret = modules_from_text(&fresh, mtext, mlen);
		if (!ret && ks->nmods)
			ret = keep_gone(&fresh, ks);
		if (ret)
			ksyms_free(&fresh);
	}
	free(mtext);
	if (ret)
		return ret;
	tell_loaded(ks, &fresh);
	ks->src = NULL;
	ks->mods_src = NULL;
	ksyms_free(ks);
	*ks = fresh;
	ks->src = src;
	ks->mods_src = msrc;
	ks->mods_fp = fp;
	ks->tried = 1;
	ks->loaded = loaded;
	ks->loaded_ctx = loaded_ctx;
	return 0;
}

int ksyms_refresh(struct ksyms *ks)
{
	uint64_t fp;
	int ret;

	if (!ks || !ks->src || !ks->mods_src)
		return 0;
	ret = read_modules(ks->mods_src, &fp, NULL, NULL);
	if (ret)
		return ret;
	if (fp == ks->mods_fp)
		return 0;
	ret = ksyms_reload(ks);
	return ret ? ret : 1;
}

void ksyms_free(struct ksyms *ks)
{
	if (!ks)
		return;
	if (ks->src)
		fclose(ks->src);
	if (ks->mods_src)
		fclose(ks->mods_src);
	free(ks->mods);
	free(ks->syms);
	free(ks->strings);
	memset(ks, 0, sizeof(*ks));
}

/*
 * How many of n elements of size bytes, sorted by the address that starts
 * each of them (struct ksym's addr, struct kmod's base), begin at or below addr.
 */
_Static_assert(offsetof(struct ksym, addr) == 0 && offsetof(struct kmod, base) == 0,
	       "at_or_below() reads the address each element starts with");

static size_t at_or_below(const void *items, size_t n, size_t size, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t start;

		memcpy(&start, (const char *)items + mid * size, sizeof(start));
		if (start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Last symbol at or below addr, NULL if none. */
static const struct ksym *find(const struct ksyms *ks, uint64_t addr)
{
	size_t n = at_or_below(ks->syms, ks->len, sizeof(*ks->syms), addr);

	return n ? &ks->syms[n - 1] : NULL;
}

const char *ksyms_frame(const struct ksyms *ks, uint64_t addr, char *buf, size_t len)
{
	const char *s = ksyms_describe(ks, addr, 1, buf, len);
	size_t n = strlen(s);

	return n >= 6 && !strcmp(s + n - 6, " [bpf]") ? NULL : s;
}

/* The module whose extent holds addr, NULL if none (or no extents known). */
static const struct kmod *module_at(const struct ksyms *ks, uint64_t addr)
{
	size_t n = at_or_below(ks->mods, ks->nmods, sizeof(*ks->mods), addr);

	if (!n || addr - ks->mods[n - 1].base >= ks->mods[n - 1].size)
		return NULL;
	return &ks->mods[n - 1];
}

/* The extent of the module named name (a kallsyms module name), NULL if unknown. */
static const struct kmod *module_named(const struct ksyms *ks, const char *name)
{
	for (size_t i = 0; i < ks->nmods; i++)
		if (!strcmp(ks->strings + ks->mods[i].name, name))
			return &ks->mods[i];
	return NULL;
}

/* Not a module of /proc/modules: BPF programs, ftrace and kprobe trampolines. */
static int pseudo_module(const char *mod)
{
	return !strcmp(mod, "bpf") || !strncmp(mod, "__builtin__", 11);
}

/*
 * The symbol that names addr, NULL when none does (see ksyms_describe): never a
 * neighbour's symbol for code the table does not know, as a module loaded after
 * the table was read.
 */
static const struct ksym *near(const struct ksyms *ks, uint64_t addr)
{
	const struct ksym *s = ks && ks->len ? find(ks, addr) : NULL;
	const struct kmod *in, *own;
	const char *mod;

	if (!s)
		return NULL;
	mod = ks->strings + s->module;
	in = module_at(ks, addr);
	if (in) /* inside a module: only its own symbols name it */
		return strcmp(ks->strings + in->name, mod) ? NULL : s;
	if (!*mod || pseudo_module(mod))
		return addr - s->addr <= 0x100000 ? s : NULL;
	own = ks->nmods ? module_named(ks, mod) : NULL;
	if (own) /* a module symbol outside its module's extent */
		return NULL;
	/* no extent known: up to the module's next symbol, or a plausible function size */
	if (s + 1 < ks->syms + ks->len && !strcmp(ks->strings + s[1].module, mod))
		return s;
	return addr - s->addr <= KSYMS_MOD_SLACK ? s : NULL;
}

int ksyms_known(const struct ksyms *ks, uint64_t addr)
{
	return near(ks, addr) != NULL;
}

int ksyms_has_module(const struct ksyms *ks, const char *name)
{
	return ks && module_named(ks, name) != NULL;
}

size_t ksyms_module_symbols(const struct ksyms *ks, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; ks && i < ks->len; i++)
		n += ks->syms[i].module && !strcmp(ks->strings + ks->syms[i].module, name);
	return n;
}

const char *ksyms_describe(const struct ksyms *ks, uint64_t addr, int with_offset, char *buf,
			   size_t len)
{
	const struct ksym *s = near(ks, addr);
	const char *mod;
	char off[24] = "";

	if (!s) {
		snprintf(buf, len, "%s", KSYMS_UNKNOWN);
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
