#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The documents against the program: the man page renders without warnings and
# names every option --help has, the systemd unit passes systemd-analyze, the
# example config passes --check-config, README names every command, and
# `make install` puts each file where the unit expects it.
#
# usage: tests/host/docs.sh BIN
set -u
BIN=$1
cd "$(dirname "$0")/../.." || exit 2
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { # check WHAT EXPECTED SAW: ok when EXPECTED == SAW
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1))
		echo "ok - $1"
	else
		failed=$((failed + 1))
		echo "FAIL - $1: expected $2, saw $3"
	fi
}
one_line() { tr '\n' ' ' | cut -c1-300; }

MAN=docs/dmabuf-audit.8
out=$(groff -man -ww -z "$MAN" 2>&1)
check "man page renders with groff -man -ww without warnings" "" "$out"

# The man page's text with roff's \- as plain '-'.
man_text=$(sed 's/\\-/-/g' "$MAN")
# (awk reads to the end: a reader that exits early kills the writer with SIGPIPE)
cmds=$("$BIN" --help | awk '/^Commands:/ && !done {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0; done = 1}')
check "top-level --help lists five commands" "5" "$(echo "$cmds" | wc -w)"
for c in $cmds; do
	check "man page documents command $c" "yes" "$(grep -qx "\.B $c" "$MAN" && echo yes || echo no)"
	check "README documents command $c" "yes" "$(grep -q "dmabuf-audit $c\|^| \`$c" README.md && echo yes || echo no)"
	for o in $("$BIN" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		check "man page documents $c $o" "yes" "$(grep -q -- "$o" <<<"$man_text" && echo yes || echo no)"
	done
done

# The unit as systemd reads it (ExecStart pointed at the binary under test).
sed "s|^ExecStart=/usr/sbin/dmabuf-audit|ExecStart=$(realpath "$BIN")|" dist/dmabuf-audit.service \
	>"$tmp/dmabuf-audit.service"
out=$(systemd-analyze verify --man=no "$tmp/dmabuf-audit.service" 2>&1)
check "systemd-analyze verify: unit file has no error or unknown key" "0:" "$?:$(printf "%s" "$out" | one_line)"
# shellcheck disable=SC2016 # $MAINPID is literal text in the unit
check "unit is Type=notify with a watchdog and reload" "3" \
	"$(grep -cE '^(Type=notify|WatchdogSec=.+|ExecReload=/bin/kill -HUP \$MAINPID)$' dist/dmabuf-audit.service)"

mkdir -p "$tmp/tf"
out=$("$BIN" daemon --config dist/dmabuf-audit.conf --textfile-dir "$tmp/tf" --check-config 2>&1)
check "example config passes --check-config" "0:config OK: 0 suppression rules, textfile $tmp/tf/dmabuf_audit.prom every 30 s, JSON to stdout, attach auto" \
	"$?:$out"
# The README's example config, as a file: its inline comments are comments
# ("json-file = -  # stdout" is stdout, not a file of that name).
awk '/^    \[daemon\]$/ {on = 1} on && /^[^ ]/ {exit} on {sub(/^    /, ""); print}' README.md \
	>"$tmp/readme.conf"
out=$("$BIN" daemon --config "$tmp/readme.conf" --textfile-dir "$tmp/tf" --check-config 2>&1)
check "README's example config passes --check-config" "0:config OK: 2 suppression rules, textfile $tmp/tf/dmabuf_audit.prom every 30 s, JSON to stdout, attach auto" \
	"$?:$out"
# The commented-out suppression examples must be valid too.
sed 's/^# \(\[suppress\]\|exporter =\|kind =\|comm =\)/\1/' dist/dmabuf-audit.conf >"$tmp/all.conf"
out=$("$BIN" daemon --config "$tmp/all.conf" --textfile-dir "$tmp/tf" --check-config 2>&1)
check "example config with its examples uncommented passes --check-config" "0:2 suppression rules" \
	"$?:$(echo "$out" | grep -o '[0-9]* suppression rules')"

make -s install DESTDIR="$tmp/root" PREFIX=/usr BIN="$BIN" >"$tmp/install.log" 2>&1
check "make install DESTDIR PREFIX=/usr" "0" "$?"
for f in usr/sbin/dmabuf-audit usr/share/man/man8/dmabuf-audit.8 \
	usr/lib/systemd/system/dmabuf-audit.service etc/dmabuf-audit/dmabuf-audit.conf; do
	check "installed $f" "yes" "$([ -s "$tmp/root/$f" ] && echo yes || echo no)"
done
check "installed unit starts the installed binary" "ExecStart=/usr/sbin/dmabuf-audit daemon" \
	"$(grep '^ExecStart=' "$tmp/root/usr/lib/systemd/system/dmabuf-audit.service")"

# Every shell script of the project passes shellcheck (warnings and style included).
scripts=$(git ls-files '*.sh' 2>/dev/null || find . -name '*.sh' -not -path './build/*')
# shellcheck disable=SC2086 # a list of paths
out=$(shellcheck -x $scripts 2>&1)
check "shellcheck -x: every script of the project clean" "0:" "$?:$(printf "%s" "$out" | one_line)"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
