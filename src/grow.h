/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Growing an array by doubling: the one helper of every growing table. */
#ifndef DA_GROW_H
#define DA_GROW_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Makes room for need elements of elem_size bytes in the array *items of *cap
 * elements. Nothing happens when need <= *cap. Otherwise the new capacity is
 * first_cap (when *cap is 0) or *cap * 2, doubled again until it holds need.
 * first_cap and elem_size are not 0.
 *
 * Returns 0, or -ENOMEM when the capacity or its size in bytes would overflow
 * or realloc() fails; then *items and *cap are unchanged (and still owned by
 * the caller).
 *
 * items is the address of the caller's array pointer, of any type: it is read
 * and written with memcpy(), so no T * is accessed as a void *.
 */
static inline int grow(void **items, size_t *cap, size_t need, size_t elem_size, size_t first_cap)
{
	size_t n = *cap ? *cap : first_cap;
	void *old, *p;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -ENOMEM;
		n *= 2;
	}
	if (n > SIZE_MAX / elem_size)
		return -ENOMEM;
	memcpy(&old, items, sizeof(old));
	p = realloc(old, n * elem_size);
	if (!p)
		return -ENOMEM;
	memcpy(items, &p, sizeof(p));
	*cap = n;
	return 0;
}

#endif /* DA_GROW_H */
