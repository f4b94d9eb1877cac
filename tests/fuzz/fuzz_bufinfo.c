// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The debugfs dma_buf/bufinfo parser, bufinfo_load() (src/procscan.c), on any
 * text.
 *
 * Asserts, besides no crash, leak or undefined behaviour:
 * - it returns 0 or -EBADMSG (fmemopen has no read errors; inputs are too
 *   small for -ENOMEM), and on -EBADMSG the table is empty (no entry of a
 *   bufinfo that does not add up is trusted);
 * - on 0 the entries are what a buffer line can give: exporter and name
 *   terminated in their arrays, the exporter without tab or newline, the
 *   name without newline, the device name terminated and without newline; and
 *   their number is the kernel's: N of the last
 *   line "Total N objects, M bytes" (read here by a parser of its own);
 * - bufinfo_find() returns the first entry of each inode;
 * - round trip: the entries written back in the kernel's layout, devices and
 *   total included, load again to the same entries, byte for byte.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include "fuzz.h"
#include "procscan.h"

static void check_entries(const struct bufinfo *b)
{
	for (size_t i = 0; i < b->len; i++) {
		const struct bufinfo_entry *e = &b->items[i];

		FUZZ_ASSERT(strnlen(e->exporter, sizeof(e->exporter)) < sizeof(e->exporter),
			    "exporter terminated");
		FUZZ_ASSERT(strnlen(e->name, sizeof(e->name)) < sizeof(e->name), "name terminated");
		FUZZ_ASSERT(!strpbrk(e->exporter, "\t\n"), "exporter is one field");
		FUZZ_ASSERT(!strchr(e->name, '\n'), "name within its line");
		FUZZ_ASSERT(strnlen(e->device, sizeof(e->device)) < sizeof(e->device),
			    "device terminated");
		FUZZ_ASSERT(!strchr(e->device, '\n'), "device within its line");
		FUZZ_ASSERT(bufinfo_find(b, e->inode) <= e, "bufinfo_find: the first of an inode");
		FUZZ_ASSERT(bufinfo_find(b, e->inode)->inode == e->inode,
			    "bufinfo_find: the inode");
	}
}

/* Digits at *p, as a number (false: none, or past 64 bits). */
static bool digits(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;

	for (*v = 0; s < end && *s >= '0' && *s <= '9'; s++) {
		if (*v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	if (s == *p)
		return false;
	*p = s;
	return true;
}

static bool word(const char **p, const char *end, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(end - *p) < n || memcmp(*p, w, n))
		return false;
	*p += n;
	return true;
}

/*
 * N of the text's last "Total N objects, M bytes" line (its text up to a NUL,
 * and at most 511 bytes: the parser's line buffer), -1 if none.
 */
static int64_t last_total(const char *text, size_t size)
{
	int64_t total = -1;

	for (const char *s = text, *nl; s < text + size; s = nl + 1) {
		const char *end, *p = s;
		uint64_t n, bytes;

		nl = memchr(s, '\n', (size_t)(text + size - s));
		if (!nl)
			nl = text + size;
		if (nl - s > 511)
			continue;
		end = memchr(s, '\0', (size_t)(nl - s));
		if (!end)
			end = nl;
		if (word(&p, end, "Total ") && digits(&p, end, &n) && word(&p, end, " objects, ") &&
		    digits(&p, end, &bytes) && word(&p, end, " bytes") && p == end)
			total = (int64_t)n;
	}
	return total;
}

/* The entries in dma_buf_debug_show()'s layout, then the total. */
static char *render(const struct bufinfo *b, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	fputs("\nDma-buf Objects:\nsize    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n",
	      f);
	for (size_t i = 0; i < b->len; i++) {
		const struct bufinfo_entry *e = &b->items[i];

		fprintf(f, "%08" PRIu64 "\t00000002\t00080007\t00000001\t%s\t%08" PRIu64 "\t%s\n",
			e->size, e->exporter, e->inode, e->name);
		fputs("\tAttached Devices:\n", f);
		if (e->attachments || e->device[0])
			fprintf(f, "\t%s\n", e->device);
		fprintf(f, "Total %" PRIu32 " devices attached\n\n", e->attachments);
	}
	fprintf(f, "\nTotal %zu objects, 0 bytes\n", b->len);
	if (fclose(f))
		abort();
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bufinfo b, again;
	char *copy, *text;
	size_t len;
	FILE *f;
	int ret;

	f = fuzz_fopen(data, size, &copy);
	ret = bufinfo_load(&b, f);
	fclose(f);
	free(copy);
	FUZZ_ASSERT(ret == 0 || ret == -EBADMSG, "0 or -EBADMSG");
	if (ret) {
		FUZZ_ASSERT(!b.items && !b.len, "nothing kept of a bad bufinfo");
		return 0;
	}
	check_entries(&b);
	FUZZ_ASSERT(last_total((const char *)data, size) == (int64_t)b.len,
		    "as many entries as the total");

	text = render(&b, &len);
	f = fmemopen(text, len, "r");
	if (!f)
		abort();
	FUZZ_ASSERT(bufinfo_load(&again, f) == 0, "its own entries load again");
	fclose(f);
	free(text);
	FUZZ_ASSERT(again.len == b.len, "as many entries again");
	for (size_t i = 0; i < b.len; i++)
		FUZZ_ASSERT(!memcmp(&again.items[i], &b.items[i], sizeof(b.items[i])),
			    "the same entries again");
	bufinfo_free(&again);
	bufinfo_free(&b);
	return 0;
}
