/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Minimal unit test runner in the style of tools/testing/selftests/bpf's
 * ASSERT_*() helpers. Every ASSERT_*() evaluates its arguments once, returns
 * true when the check holds and otherwise prints
 *   FAIL file:line what: expected X, saw Y
 * and marks the running test as failed (the test goes on unless it returns).
 *
 * A test is a `static void test_x(void)`; each file lists its tests in a
 * table with UNIT_SUITE(), main.c runs every suite.
 */
#ifndef DA_UNIT_H
#define DA_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

struct unit_suite {
	const char *name;
	const struct unit_test *tests;
	size_t len;
};

#define UNIT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* clang-format off */
#define UNIT_TEST(fn) { #fn, fn }
/* clang-format on */
#define UNIT_SUITE(sname, table)                                                                   \
	const struct unit_suite unit_suite_##sname = { #sname, table, UNIT_ARRAY_SIZE(table) }

/* Reporting back ends (main.c). */
bool unit_check_u64(const char *file, int line, const char *what, uint64_t seen, uint64_t expected);
bool unit_check_s64(const char *file, int line, const char *what, int64_t seen, int64_t expected);
bool unit_check_str(const char *file, int line, const char *what, const char *seen,
		    const char *expected);
bool unit_check_strstr(const char *file, int line, const char *what, const char *haystack,
		       const char *needle, bool want);
bool unit_check_bool(const char *file, int line, const char *what, bool seen, bool expected);
/* p as a number: GCC takes a const void * argument for a read of *p */
bool unit_check_ptr(const char *file, int line, const char *what, uintptr_t p, bool want_null);
/* The running test could not run here (why: a literal); shown as skip, not ok. */
void unit_skip(const char *why);
/* True once an assertion of the running test has failed. */
bool unit_failed(void);
/* Prints s, escaping non-printable bytes, so FAIL lines stay one line. */
void unit_print_escaped(const char *s);

#define ASSERT_EQ_U64(seen, expected, what)                                                        \
	unit_check_u64(__FILE__, __LINE__, what, (uint64_t)(seen), (uint64_t)(expected))
#define ASSERT_EQ_INT(seen, expected, what)                                                        \
	unit_check_s64(__FILE__, __LINE__, what, (int64_t)(seen), (int64_t)(expected))
#define ASSERT_STREQ(seen, expected, what) unit_check_str(__FILE__, __LINE__, what, seen, expected)
#define ASSERT_HAS_STR(haystack, needle, what)                                                     \
	unit_check_strstr(__FILE__, __LINE__, what, haystack, needle, true)
#define ASSERT_NO_STR(haystack, needle, what)                                                      \
	unit_check_strstr(__FILE__, __LINE__, what, haystack, needle, false)
#define ASSERT_TRUE(cond, what)	 unit_check_bool(__FILE__, __LINE__, what, !!(cond), true)
#define ASSERT_FALSE(cond, what) unit_check_bool(__FILE__, __LINE__, what, !!(cond), false)
#define ASSERT_NULL(p, what)	 unit_check_ptr(__FILE__, __LINE__, what, (uintptr_t)(p), true)
#define ASSERT_OK_PTR(p, what)	 unit_check_ptr(__FILE__, __LINE__, what, (uintptr_t)(p), false)

/*
 * Helpers shared by the suites (main.c). A strict RFC 8259 validator:
 * returns true when s[0..len) is exactly one JSON value (surrounding
 * whitespace allowed), strings hold only valid UTF-8 and no raw control
 * bytes, and nesting stays under 64 levels.
 */
bool unit_json_valid(const char *s, size_t len);
/* Every '\n'-terminated line of s is a valid JSON value; nothing after the
 * last newline. On failure *bad_line is the 1-based line number. */
bool unit_json_lines_valid(const char *s, size_t *bad_line);

/* s is one JSON value. */
#define ASSERT_JSON(s, what) unit_check_json(__FILE__, __LINE__, what, s, false)
/* s is JSON lines: one value per '\n'-terminated line. */
#define ASSERT_JSON_LINES(s, what) unit_check_json(__FILE__, __LINE__, what, s, true)
bool unit_check_json(const char *file, int line, const char *what, const char *s, bool lines);

#endif /* DA_UNIT_H */
