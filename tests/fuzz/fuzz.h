/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the libFuzzer targets of tests/fuzz share: an abort() that says which
 * invariant broke, the input as a FILE (fmemopen over a private copy: the
 * parsers read FILEs, and libFuzzer's data is const) or as a C string.
 * `make fuzz` builds and runs every target, see the Makefile.
 */
#ifndef DA_FUZZ_H
#define DA_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test does not hold: a crash libFuzzer keeps. */
#define FUZZ_ASSERT(cond, what)                                                                    \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__, __LINE__,  \
				what, #cond);                                                      \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The input as a read-only stream; *copy (to free after fclose) holds its bytes. */
static inline FILE *fuzz_fopen(const uint8_t *data, size_t size, char **copy)
{
	FILE *f;

	*copy = malloc(size + 1);
	if (!*copy)
		abort();
	memcpy(*copy, data, size);
	f = fmemopen(*copy, size, "r");
	if (!f)
		abort();
	return f;
}

/* The input as a NUL-terminated string (cut at its first NUL); free() it. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Input bytes from *at into dst (len bytes, zero-filled past the input's end). */
static inline void fuzz_take(void *dst, size_t len, const uint8_t *data, size_t size, size_t *at)
{
	size_t n = *at < size ? size - *at : 0;

	if (n > len)
		n = len;
	memset(dst, 0, len);
	if (n)
		memcpy(dst, data + *at, n);
	*at += n;
}

/* Output written to a growing buffer: fclose(), then buf holds len bytes. */
struct fuzz_out {
	FILE *f;
	char *buf;
	size_t len;
};

static inline void fuzz_out_open(struct fuzz_out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	if (!o->f)
		abort();
}

static inline void fuzz_out_close(struct fuzz_out *o)
{
	if (fclose(o->f))
		abort();
	o->f = NULL;
}

#endif
