// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* grow(): the doubling helper of every growing table. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "grow.h"
#include "unit.h"

/* An empty array gets first_cap elements, however small need is. */
static void test_grow_first(void)
{
	uint64_t *items = NULL;
	size_t cap = 0;

	if (!ASSERT_EQ_INT(grow((void **)&items, &cap, 1, sizeof(*items), 16), 0, "first grow"))
		return;
	ASSERT_OK_PTR(items, "first grow allocates");
	ASSERT_EQ_U64(cap, 16, "first grow: cap is first_cap");
	items[cap - 1] = 1; /* all of cap is there (ASan) */
	free(items);
}

/* A full array doubles and keeps its elements; room enough does nothing. */
static void test_grow_doubles(void)
{
	uint64_t *items = NULL, *before;
	size_t cap = 0;

	if (!ASSERT_EQ_INT(grow((void **)&items, &cap, 4, sizeof(*items), 4), 0, "first grow"))
		return;
	for (uint64_t i = 0; i < 4; i++)
		items[i] = 100 + i;
	before = items;
	ASSERT_EQ_INT(grow((void **)&items, &cap, 4, sizeof(*items), 4), 0, "need == cap");
	ASSERT_TRUE(items == before, "need == cap: same array");
	ASSERT_EQ_U64(cap, 4, "need == cap: same cap");
	ASSERT_EQ_INT(grow((void **)&items, &cap, 0, sizeof(*items), 4), 0, "need 0");
	ASSERT_EQ_U64(cap, 4, "need 0: same cap");
	if (!ASSERT_EQ_INT(grow((void **)&items, &cap, 5, sizeof(*items), 4), 0, "need cap + 1"))
		goto out;
	ASSERT_EQ_U64(cap, 8, "need cap + 1: cap doubles");
	for (uint64_t i = 0; i < 4; i++)
		ASSERT_EQ_U64(items[i], 100 + i, "elements kept");
	items[cap - 1] = 7;
	if (!ASSERT_EQ_INT(grow((void **)&items, &cap, 9, sizeof(*items), 4), 0, "need 9"))
		goto out;
	ASSERT_EQ_U64(cap, 16, "need 9: cap doubles again");
	ASSERT_EQ_U64(items[7], 7, "element 7 kept");
out:
	free(items);
}

/* need beyond twice the capacity: doubled until it fits, as ksyms' strings need. */
static void test_grow_need_beyond_double(void)
{
	char *items = NULL;
	size_t cap = 0;

	if (!ASSERT_EQ_INT(grow((void **)&items, &cap, 100, 1, 16), 0, "empty, need 100"))
		return;
	ASSERT_EQ_U64(cap, 128, "empty, need 100: 16 doubled to 128");
	items[cap - 1] = 'x';
	if (!ASSERT_EQ_INT(grow((void **)&items, &cap, 129, 1, 16), 0, "need 129"))
		goto out;
	ASSERT_EQ_U64(cap, 256, "need 129: 256");
	if (!ASSERT_EQ_INT(grow((void **)&items, &cap, 1025, 1, 16), 0, "need 1025"))
		goto out;
	ASSERT_EQ_U64(cap, 2048, "need 1025: 256 doubled three times");
	ASSERT_EQ_INT(items[127], 'x', "byte 127 kept");
	items[cap - 1] = 'y';
	if (!ASSERT_EQ_INT(grow((void **)&items, &cap, 4096, 1, 16), 0, "need exactly 2 * cap"))
		goto out;
	ASSERT_EQ_U64(cap, 4096, "need exactly 2 * cap: 4096");
	ASSERT_EQ_INT(items[2047], 'y', "byte 2047 kept");
out:
	free(items);
}

/*
 * Refused without calling realloc: a capacity that cannot double, a size in
 * bytes past SIZE_MAX, a need no doubling reaches. The array and cap stay.
 */
static void test_grow_overflow(void)
{
	static const struct {
		const char *name;
		size_t cap, need, elem_size;
	} cases[] = {
		{ "cap * 2 overflows", SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 2, 1 },
		{ "cap * 2 * elem_size overflows", SIZE_MAX / 16, SIZE_MAX / 16 + 1, 16 },
		{ "cap * 2 * elem_size wraps to 0", SIZE_MAX / 32 + 1, SIZE_MAX / 32 + 2, 16 },
		{ "need SIZE_MAX", 16, SIZE_MAX, 1 },
		{ "need past the top power of two, from cap 1", 1, SIZE_MAX / 2 + 2, 1 },
	};
	char *items = malloc(16), *before = items;
	char what[128];

	if (!ASSERT_OK_PTR(items, "malloc"))
		return;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		size_t cap = cases[i].cap;
		int ret = grow((void **)&items, &cap, cases[i].need, cases[i].elem_size, 16);

		snprintf(what, sizeof(what), "%s: grow() returns", cases[i].name);
		ASSERT_EQ_INT(ret, -ENOMEM, what);
		snprintf(what, sizeof(what), "%s: cap unchanged", cases[i].name);
		ASSERT_EQ_U64(cap, cases[i].cap, what);
		snprintf(what, sizeof(what), "%s: array unchanged", cases[i].name);
		ASSERT_TRUE(items == before, what);
	}
	free(items);
}

/* clang-format off */
static const struct unit_test tests[] = {
	UNIT_TEST(test_grow_first),
	UNIT_TEST(test_grow_doubles),
	UNIT_TEST(test_grow_need_beyond_double),
	UNIT_TEST(test_grow_overflow),
};
/* clang-format on */
UNIT_SUITE(grow, tests);
