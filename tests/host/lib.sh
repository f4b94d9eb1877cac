# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Assertion helpers of the host tests (run.sh, daemon.sh), in the style of
# tools/testing/selftests: `ok - WHAT` or `FAIL - WHAT: expected X, saw Y`.
# The sourcing script sets BIN, tmp (a temp dir), passed=0 and failed=0.

# Paths under the temp dir show as $TMP/...
ok() {
	passed=$((passed + 1))
	echo "ok - ${1//"$tmp"/\$TMP}"
}

fail() {
	failed=$((failed + 1))
	echo "FAIL - ${1//"$tmp"/\$TMP}"
}

# Shows a captured stream on one line: newlines as \n, at most 300 chars.
show() {
	local s
	s=$(sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g' "$1" 2>/dev/null)
	if [ ${#s} -gt 300 ]; then
		s="${s:0:300}..."
	fi
	printf '"%s"' "$s"
}

# run ARGS...: runs the auditor (under $AS, if set: a command prefix) with a
# timeout; sets rc, stdout in $tmp/out, stderr in $tmp/err, desc.
run() {
	desc="dmabuf-audit${*:+ $*}"
	# shellcheck disable=SC2086 # $AS is a word list on purpose
	timeout --kill-after=5 30 $AS "$BIN" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

AS=

expect_rc() {
	if [ "$rc" -eq "$1" ]; then
		ok "$desc: exit $1"
	else
		fail "$desc: expected exit $1, saw exit $rc (stderr $(show "$tmp/err"))"
	fi
}

expect_empty() { # stdout|stderr
	local f=$tmp/out
	[ "$1" = stderr ] && f=$tmp/err
	if [ ! -s "$f" ]; then
		ok "$desc: $1 empty"
	else
		fail "$desc: expected empty $1, saw $(show "$f")"
	fi
}

# Exactly one newline-terminated, non-empty line on stderr.
expect_one_line_stderr() {
	local f=$tmp/err lines last
	lines=$(wc -l <"$f")
	last=$(tail -c 1 "$f")
	if [ "$lines" -eq 1 ] && [ -z "$last" ] && [ "$(head -c 1 "$f")" != "" ]; then
		ok "$desc: one line on stderr"
	else
		fail "$desc: expected exactly one line on stderr, saw $lines line(s): $(show "$f")"
	fi
}

expect_contains() { # stdout|stderr|FILE TEXT
	local f=$1
	[ "$1" = stdout ] && f=$tmp/out
	[ "$1" = stderr ] && f=$tmp/err
	if grep -qF -- "$2" "$f"; then
		ok "$desc: ${1##*/} has '$2'"
	else
		fail "$desc: expected '$2' in ${1##*/}, saw $(show "$f")"
	fi
}

expect_not_contains() { # stdout|stderr|FILE TEXT
	local f=$1
	[ "$1" = stdout ] && f=$tmp/out
	[ "$1" = stderr ] && f=$tmp/err
	if ! grep -qF -- "$2" "$f"; then
		ok "$desc: ${1##*/} has no '$2'"
	else
		fail "$desc: expected no '$2' in ${1##*/}, saw $(show "$f")"
	fi
}

skip() {
	echo "skip - $1"
}

# A usage error: exit 2, nothing on stdout, one "dmabuf-audit: ..." line on
# stderr that names NEEDLE.
expect_usage_error() { # NEEDLE
	expect_rc 2
	expect_empty stdout
	expect_one_line_stderr
	expect_contains stderr "dmabuf-audit: "
	expect_contains stderr "$1"
}

# Help or version: exit 0, TEXT on stdout, nothing on stderr.
expect_info() { # TEXT
	expect_rc 0
	expect_contains stdout "$1"
	expect_empty stderr
}
