#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `dmabuf-audit daemon` on THIS host, as systemd and Prometheus see it: the
# config file and its errors, the Prometheus textfile (checked by promtool and
# scraped by node_exporter's textfile collector), the systemd notify protocol
# (tests/host/notify-listen.py stands in for the manager's socket), SIGHUP,
# SIGTERM and SIGINT, the pid file, the capabilities kept, and the journald
# log format. Expects the lab host as tests/host/run.sh does: no live detector
# attaches (fentry EPERM, no kprobes) so the daemon runs scan-only with the
# task_vma iterator, no dma-buf is mapped, run as root.
#
# usage: tests/host/daemon.sh BIN
# Prints `ok - ...` or `FAIL - ...: expected ..., saw ...` per assertion,
# then `N passed, N failed`; exits 1 on any failure.

set -u
export LC_ALL=C PYTHONDONTWRITEBYTECODE=1
# What systemd would set is set below, per run, and only there.
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID JOURNAL_STREAM

if [ $# -ne 1 ]; then
	echo "usage: $0 BIN" >&2
	exit 2
fi
BIN=$1
if [ ! -x "$BIN" ]; then
	echo "$0: $BIN: not an executable" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
prom=$here/../prom

passed=0
failed=0
procs=() # timeout wrappers of the daemons and listeners still running
tmp=$(mktemp -d)

cleanup() {
	local p
	for p in "${procs[@]}"; do
		kill -TERM "$p" 2>/dev/null # timeout passes it on, KILLs 5 s later
	done
	for p in "${procs[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

# check COND_STATUS TEXT EXPECTED SAW: ok when the status is 0.
check() {
	if [ "$1" -eq 0 ]; then
		ok "$2"
	else
		fail "$2: expected $3, saw $4"
	fi
}

now_ms() { # sets ms: the wall clock in milliseconds
	local t=${EPOCHREALTIME/[.,]/}
	ms=$((10#$t / 1000))
}

# wait_until MS COMMAND...: runs COMMAND every 50 ms until it succeeds (0) or
# MS milliseconds have passed (1).
wait_until() {
	local end ms
	now_ms
	end=$((ms + $1))
	shift
	while ! "$@"; do
		now_ms
		[ "$ms" -ge "$end" ] && return 1
		sleep 0.05
	done
	return 0
}

# Forgets a finished process: it must not be signalled again in cleanup.
forget() {
	local p keep=()
	for p in "${procs[@]}"; do
		[ "$p" != "$1" ] && keep+=("$p")
	done
	procs=("${keep[@]}")
}

# The whole of stdout|stderr|FILE is the one line TEXT.
expect_exactly() { # stdout|stderr|FILE TEXT
	local f=$1
	[ "$1" = stdout ] && f=$tmp/out
	[ "$1" = stderr ] && f=$tmp/err
	if [ "$(cat "$f")" = "$2" ] && [ "$(wc -l <"$f")" -eq 1 ]; then
		ok "$desc: ${1##*/} is '$2'"
	else
		fail "$desc: expected ${1##*/} to be the one line '$2', saw $(show "$f")"
	fi
}

# Some line of FILE is exactly TEXT.
expect_line() { # FILE TEXT
	if grep -qxF -- "$2" "$1"; then
		ok "$desc: ${1##*/} has the line '$2'"
	else
		fail "$desc: expected the line '$2' in ${1##*/}, saw $(show "$1")"
	fi
}

# Every line of FILE (at least MIN of them) matches the extended regex RE.
expect_all_lines() { # FILE RE MIN
	local n bad
	n=$(grep -c '' "$1")
	bad=$(grep -cvE -- "$2" "$1")
	if [ "$n" -ge "$3" ] && [ "$bad" -eq 0 ]; then
		ok "$desc: all $n lines of ${1##*/} match /$2/"
	else
		fail "$desc: expected at least $3 lines all matching /$2/, saw $n lines, $bad not matching: $(show "$1")"
	fi
}

# A config error: exit 2, nothing on stdout, the one stderr line
# "dmabuf-audit: PATH:LINE: ..." naming NEEDLE.
expect_config_error() { # PATH LINE NEEDLE
	local first
	expect_rc 2
	expect_empty stdout
	expect_one_line_stderr
	first=$(head -n 1 "$tmp/err")
	if [[ $first == "dmabuf-audit: $1:$2: "* ]]; then
		ok "$desc: error at $1:$2"
	else
		fail "$desc: expected 'dmabuf-audit: $1:$2: ...', saw $(show "$tmp/err")"
	fi
	expect_contains stderr "$3"
}

# ---- helpers for the long-running daemon -----------------------------------

promcheck() { # ARGS...: tests/prom/promcheck.py under a timeout
	timeout --kill-after=5 120 python3 "$prom/promcheck.py" "$@"
}

# promtool check metrics FILE, and no series twice in it.
expect_promtool_ok() { # FILE WHAT
	local out
	if out=$(promcheck check "$1" 2>&1); then
		ok "$2: promtool check metrics passes"
	else
		fail "$2: expected promtool check metrics to pass, saw '$(tr '\n' ' ' <<<"$out")'"
	fi
	if out=$(timeout 60 python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
import promcheck
with open(sys.argv[2]) as f:
    print(len(promcheck.parse(f.read())))' "$prom" "$1" 2>&1); then
		ok "$2: no series twice ($out series)"
	else
		fail "$2: expected no repeated series, saw '$(tail -n 1 <<<"$out")'"
	fi
}

# Value of the metric NAME (with its labels, sorted, as promcheck prints
# them) in FILE, empty if absent. FILE holds "key value" lines.
value() { # FILE KEY
	awk -v k="$2" 'index($0, k " ") == 1 && length($0) > length(k) + 1 { print $NF; exit }' "$1"
}

# last_update_timestamp_seconds of a textfile
last_update() { # FILE
	awk '$1 == "dmabuf_audit_last_update_timestamp_seconds" { print $2 }' "$1" 2>/dev/null
}

fge() { # A B: A >= B as floats
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }'
}

changed() { # TEXTFILE LAST_UPDATE: rewritten since
	[ "$(last_update "$1")" != "$2" ]
}

written_since() { # TEXTFILE TIME
	fge "$(last_update "$1")" "$2"
}

count_at_least() { # LOG LINE N: LINE is there at least N times
	[ "$(grep -cxF -- "$2" "$1")" -ge "$3" ]
}

# start_listener NAME SOCKET: notify-listen.py on SOCKET, datagrams in
# $tmp/NAME.log; sets lpid (its timeout wrapper). 1 if it did not come up.
start_listener() {
	: >"$tmp/$1.log"
	: >"$tmp/$1.lst"
	timeout --kill-after=5 120 python3 "$here/notify-listen.py" "$2" "$tmp/$1.log" \
		</dev/null >"$tmp/$1.lst" 2>&1 &
	lpid=$!
	procs+=("$lpid")
	wait_until 10000 grep -qx listening "$tmp/$1.lst"
}

stop_listener() {
	kill -TERM "$lpid" 2>/dev/null
	wait "$lpid" 2>/dev/null
	forget "$lpid"
}

child_of() { # PID: its child's pid, if any
	local c=
	if [ -r "/proc/$1/task/$1/children" ]; then
		read -r c _ <"/proc/$1/task/$1/children"
	else
		c=$(pgrep -P "$1" | head -n 1)
	fi
	echo "$c"
}

# The timeout wrapper's child has gone through env(1) to exec BIN.
daemon_execed() {
	local exe
	dpid=$(child_of "$tpid")
	exe=$(readlink "/proc/$dpid/exe" 2>/dev/null)
	[ -n "$dpid" ] && [ -n "$exe" ] && [ "$exe" != "$TIMEOUT_EXE" ] && [ "$exe" != "$ENV_EXE" ]
}
TIMEOUT_EXE=$(readlink -f "$(command -v timeout)")
ENV_EXE=$(readlink -f "$(command -v env)")

# start_daemon NAME LABEL [VAR=VALUE...] -- ARGS...: the daemon in the
# background with that environment, stdout/stderr in $tmp/NAME.out/.err; sets
# tpid (its timeout wrapper), dpid (the daemon itself), dname=LABEL and dcmd.
# 1 if it never exec'ed.
start_daemon() {
	local name=$1 env=()
	dname=$2
	shift 2
	while [ "$1" != -- ]; do
		env+=("$1")
		shift
	done
	shift
	dcmd="${env[*]} dmabuf-audit daemon $*"
	dpid=
	timeout --kill-after=5 90 env "${env[@]}" "$BIN" daemon "$@" \
		</dev/null >"$tmp/$name.out" 2>"$tmp/$name.err" &
	tpid=$!
	procs+=("$tpid")
	wait_until 10000 daemon_execed
}

alive() { kill -0 "$1" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }

monotonic_usec() { # CLOCK_MONOTONIC now, in microseconds
	timeout 30 python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)'
}

# stop_daemon SIGNAL: sends it to the daemon; waits up to 5 s for the daemon
# to end (KILL after that); sets rc to its exit status and stopped=yes|no.
stop_daemon() {
	kill "-$1" "${dpid:-$tpid}" 2>/dev/null
	if wait_until 5000 gone "$tpid"; then
		stopped=yes
	else
		stopped=no
		kill -KILL "${dpid:-$tpid}" 2>/dev/null
	fi
	wait "$tpid"
	rc=$?
	forget "$tpid"
}

# Lines of LOG after line MARK: RELOADING=1|MONOTONIC_USEC=N, later READY=1|...
reload_seen() { # LOG MARK
	awk -v m="$2" 'NR > m && !r && /^RELOADING=1[|]MONOTONIC_USEC=[0-9]+$/ { r = NR }
		r && NR > r && /^READY=1[|]STATUS=/ { f = 1; exit } END { exit !f }' "$1"
}

seen_after() { # LOG MARK ERE
	tail -n "+$(($2 + 1))" "$1" | grep -qE -- "$3"
}

# ---- Prometheus tools --------------------------------------------------------

# (the checks that need them fail one by one if this did not work)
if ! timeout --kill-after=5 600 "$prom/fetch-tools.sh" >"$tmp/fetch.out" 2>&1; then
	fail "tests/prom/fetch-tools.sh: expected promtool and node_exporter, saw $(show "$tmp/fetch.out")"
fi
version=$(timeout 10 "$BIN" --version | awk '{ print $2 }')
kernel=$(uname -r)

# ---- --check-config ----------------------------------------------------------

tfc=$tmp/tfc
mkdir "$tfc"
cat >"$tmp/good.conf" <<EOF
# dmabuf-audit.conf for tests/host/daemon.sh
[daemon]
textfile-dir = $tfc
interval = 60
json-file = -

[suppress]
exporter = vgem, i915
kind = gup_blocked

[suppress]
comm = weston*
EOF

run daemon --check-config --config "$tmp/good.conf"
expect_rc 0
expect_exactly stdout "config OK: 2 suppression rules, textfile $tfc/dmabuf_audit.prom every 60 s, JSON to stdout, attach auto"
expect_empty stderr

run daemon --config "$tmp/good.conf" --interval 5 --check-config
expect_rc 0
expect_exactly stdout "config OK: 2 suppression rules, textfile $tfc/dmabuf_audit.prom every 5 s, JSON to stdout, attach auto"
expect_empty stderr

run daemon --check-config --config "$tmp/good.conf" --textfile-dir '' --json-file "$tmp/x.json" --attach=kprobe
expect_rc 0
expect_exactly stdout "config OK: 2 suppression rules, no textfile, JSON to $tmp/x.json, attach kprobe"

# name LINE NEEDLE, then the file's text
bad_conf() {
	bname=$tmp/$1.conf
	bline=$2
	bneedle=$3
	cat >"$bname"
}

bad_conf unknown-key 3 "unknown key 'colour'" <<EOF
[daemon]
interval = 30
colour = blue
EOF
run daemon --check-config --config "$bname"
expect_config_error "$bname" "$bline" "$bneedle"
# not only with --check-config: the daemon refuses to start on it too
run daemon --config "$bname" --textfile-dir "$tfc" --pidfile "$tmp/never.pid"
expect_config_error "$bname" "$bline" "$bneedle"
if [ ! -e "$tmp/never.pid" ] && [ ! -e "$tfc/dmabuf_audit.prom" ]; then
	ok "$desc: no pidfile, no textfile"
else
	fail "$desc: expected no pidfile and no textfile, saw $(find "$tmp/never.pid" "$tfc" -printf '%p ' 2>&1)"
fi

bad_conf unknown-kind 4 "unknown kind 'nonsense'" <<EOF
# rules
[suppress]
exporter = vgem
kind = gup_blocked, nonsense
EOF
run daemon --check-config --config "$bname"
expect_config_error "$bname" "$bline" "$bneedle"

bad_conf bad-interval 3 "interval '5s'" <<EOF
[daemon]
textfile-dir = $tfc
interval = 5s
EOF
run daemon --check-config --config "$bname"
expect_config_error "$bname" "$bline" "$bneedle"
# The file is parsed before the flags apply: a flag does not excuse it.
run daemon --check-config --config "$bname" --interval 5
expect_config_error "$bname" "$bline" "$bneedle"

bad_conf zero-interval 2 "interval '0'" <<EOF
[daemon]
interval = 0
EOF
run daemon --check-config --interval 5 --config "$bname"
expect_config_error "$bname" "$bline" "$bneedle"

bad_conf empty-suppress 4 "[suppress] without exporter, comm or kind" <<EOF
[daemon]
interval = 30

[suppress]
# nothing here

[suppress]
kind = gup_blocked
EOF
run daemon --check-config --config "$bname"
expect_config_error "$bname" "$bline" "$bneedle"

bad_conf empty-suppress-at-end 4 "[suppress] without exporter, comm or kind" <<EOF
[suppress]
kind = gup_blocked

[suppress]
EOF
run daemon --check-config --config "$bname"
expect_config_error "$bname" "$bline" "$bneedle"

bad_conf outside-section 2 "outside a section" <<EOF
# no section yet
interval = 30
EOF
run daemon --check-config --config "$bname"
expect_config_error "$bname" "$bline" "$bneedle"

bad_conf unknown-section 3 "unknown section [deamon]" <<EOF
[daemon]

[deamon]
interval = 30
EOF
run daemon --check-config --config "$bname"
expect_config_error "$bname" "$bline" "$bneedle"

run daemon --check-config --config /nonexistent/dmabuf-audit.conf
expect_rc 2
expect_empty stdout
expect_one_line_stderr
expect_exactly stderr "dmabuf-audit: cannot read config /nonexistent/dmabuf-audit.conf: No such file or directory"

run daemon --check-config --config "$tmp/good.conf" --textfile-dir "$tmp/nodir"
expect_rc 2
expect_empty stdout
expect_one_line_stderr
expect_exactly stderr "dmabuf-audit: textfile dir $tmp/nodir: No such file or directory"

run daemon --check-config --config "$tmp/good.conf" --textfile-dir "$tmp/good.conf"
expect_rc 2
expect_one_line_stderr
expect_contains stderr "textfile dir $tmp/good.conf: Not a directory"

# The same at start: before any BPF, pidfile or textfile.
run daemon --config "$tmp/good.conf" --textfile-dir "$tmp/nodir" --pidfile "$tmp/never.pid"
expect_rc 2
expect_empty stdout
expect_one_line_stderr
expect_exactly stderr "dmabuf-audit: textfile dir $tmp/nodir: No such file or directory"
if [ ! -e "$tmp/never.pid" ]; then
	ok "$desc: no pidfile left"
else
	fail "$desc: expected no pidfile, saw $tmp/never.pid"
fi

# ---- usage errors --------------------------------------------------------------

run daemon --help
expect_info "Usage: dmabuf-audit daemon"
expect_contains stdout "--check-config"
run report --fail-on warning --help
expect_info "Usage: dmabuf-audit report"

run daemon --json
expect_usage_error "--json"
run daemon -d 5
expect_usage_error "--duration"
run daemon --pid 1
expect_usage_error "--pid"
for v in 0 5s -1 abc; do
	run daemon --interval "$v"
	expect_usage_error "'$v'"
done
run daemon --interval
expect_usage_error "--interval"
run daemon --json-file ''
expect_usage_error "--json-file"
run daemon extra
expect_usage_error "'extra'"
run report --config x
expect_usage_error "--config"
run probe --check-config
expect_usage_error "--check-config"
run watch --interval 5
expect_usage_error "--interval"
run watch --fail-on warning
expect_usage_error "--fail-on"
run daemon --fail-on warning
expect_usage_error "--fail-on"
run report --fail-on bogus
expect_usage_error "'bogus'"
run report --fail-on
expect_usage_error "--fail-on"

# ---- the daemon: start, textfile, scrape, pidfile, capabilities, watchdog ----

if [ "$(id -u)" -ne 0 ]; then
	echo "skip - daemon runs: the host expectations need root"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi

tf=$tmp/textfile # root-owned 0755: writable without CAP_DAC_OVERRIDE
mkdir "$tf"
conf=$tmp/main.conf
json=$tmp/findings.json
pidf=$tmp/dmabuf-audit.pid
sock=$tmp/notify.sock
printf '[daemon]\ninterval = 60\n' >"$conf"
nlog=$tmp/n1.log

if ! start_listener n1 "$sock"; then
	fail "notify-listen.py $sock: expected 'listening' within 10 s, saw $(show "$tmp/n1.lst")"
elif ! start_daemon d1 daemon NOTIFY_SOCKET="$sock" WATCHDOG_USEC=400000 -- --config "$conf" \
	--textfile-dir "$tf" --interval 1 --json-file "$json" --pidfile "$pidf"; then
	fail "daemon: expected it running within 10 s, saw stderr $(show "$tmp/d1.err")"
elif ! wait_until 30000 grep -q '^READY=1' "$nlog"; then
	fail "$dname: expected READY=1 within 30 s, saw notify $(show "$nlog"), stderr $(show "$tmp/d1.err")"
else
	desc=$dname
	ok "$desc: READY=1 on \$NOTIFY_SOCKET ($dcmd)"
	ready=$(grep -m 1 '^READY=1' "$nlog")
	re='^READY=1[|]STATUS=auditing; violations 0, warnings 0, suppressed 0; .*scan=iter( |$)'
	[[ $ready =~ $re ]]
	check $? "$desc: READY=1 with STATUS: auditing, counts, attach table" \
		"'READY=1|STATUS=auditing; violations 0, warnings 0, suppressed 0; ... scan=iter ...'" "'$ready'"
	for d in mmap=none gup_fast=none vma_free=none; do
		expect_contains "$nlog" "$d"
	done

	expect_contains "$tmp/d1.err" "scan-only: no live detector can attach on this kernel"
	expect_line "$tmp/d1.err" "dmabuf-audit: daemon running: 0 suppression rules, textfile $tf/dmabuf_audit.prom every 1 s, JSON to $json, attach auto"
	expect_not_contains "$tmp/d1.err" "NOTIFY_SOCKET"
	if [ ! -s "$tmp/d1.out" ] && [ -f "$json" ]; then
		ok "$desc: stdout empty, JSON file $json created"
	else
		fail "$desc: expected empty stdout and $json, saw stdout $(show "$tmp/d1.out"), $(ls -l "$json" 2>&1)"
	fi

	# the pid file
	expect_exactly "$pidf" "$dpid"
	if flock -n "$pidf" true 2>/dev/null; then
		fail "$desc: expected $pidf flock()ed by the daemon, saw it unlocked"
	else
		ok "$desc: $pidf is locked"
	fi

	# capabilities after attach: CAP_BPF only
	capeff=$(awk '$1 == "CapEff:" { print $2 }' "/proc/$dpid/status")
	[ "$capeff" = 0000008000000000 ]
	check $? "$desc: CapEff 0000008000000000 (CAP_BPF only)" 0000008000000000 "'$capeff'"
	expect_line "$tmp/d1.err" "dmabuf-audit: capabilities now 0x8000000000"

	# the textfile
	prom_file=$tf/dmabuf_audit.prom
	mode=$(stat -c %a "$prom_file" 2>&1)
	[ "$mode" = 644 ]
	check $? "$desc: $prom_file exists, mode 0644" "mode 644" "'$mode'"
	expect_promtool_ok "$prom_file" "$desc: $prom_file"
	# a *.tmp exists only while a write is under way: look twice
	tmps=$(ls "$tf"/*.tmp 2>/dev/null)
	[ -n "$tmps" ] && sleep 0.3 && tmps=$(ls "$tf"/*.tmp 2>/dev/null)
	[ -z "$tmps" ]
	check $? "$desc: no *.tmp beside the textfile" "none" "'$tmps'"

	# node_exporter's view
	promcheck scrape "$tf" >"$tmp/scrape1" 2>"$tmp/scrape1.err"
	src=$?
	now_ms
	t_scrape1=$ms # after node_exporter read the file
	desc="node_exporter scrape of $tf"
	[ "$src" -eq 0 ]
	check $? "$desc: no textfile or gathering error" "promcheck.py scrape exit 0" \
		"exit $src, $(show "$tmp/scrape1.err")"
	v=$(value "$tmp/scrape1" node_textfile_scrape_error)
	[ "$v" = 0 ]
	check $? "$desc: node_textfile_scrape_error 0" 0 "'$v'"
	v=$(value "$tmp/scrape1" 'promhttp_metric_handler_errors_total{cause="gathering"}')
	[ -z "$v" ] || [ "$v" = 0 ]
	check $? "$desc: no duplicate series (gathering errors 0 or absent)" "0 or absent" "'$v'"
	v=$(value "$tmp/scrape1" 'dmabuf_audit_detectors_attached{mechanism="iter"}')
	[ "$v" = 1 ]
	check $? "$desc: dmabuf_audit_detectors_attached{mechanism=\"iter\"} 1" 1 "'$v'"
	v=$(value "$tmp/scrape1" 'dmabuf_audit_detectors_attached{mechanism="none"}')
	[ "$v" = 9 ]
	check $? "$desc: dmabuf_audit_detectors_attached{mechanism=\"none\"} 9" 9 "'$v'"
	k="dmabuf_audit_build_info{kernel=\"$kernel\",version=\"$version\"}"
	v=$(value "$tmp/scrape1" "$k")
	[ "$v" = 1 ]
	check $? "$desc: $k 1 (the version of $BIN --version)" 1 \
		"'$v' in $(grep build_info "$tmp/scrape1" | tr '\n' ' ')"
	lu1=$(value "$tmp/scrape1" dmabuf_audit_last_update_timestamp_seconds)
	now=$EPOCHREALTIME
	awk -v t="$lu1" -v n="$now" 'BEGIN { exit !(t != "" && t <= n + 1 && n - t <= 10) }'
	check $? "$desc: last_update_timestamp_seconds within 10 s of now" "about $now" "'$lu1'"
	bad=$(awk '/^dmabuf_audit_mapped_bytes/ && $NF != 0' "$tmp/scrape1")
	[ -z "$bad" ]
	check $? "$desc: dmabuf_audit_mapped_bytes absent or 0 (no dma-buf here)" "none non-zero" "'$bad'"
	for s in violations_total warnings_total suppressed_total; do
		bad=$(awk -v s="dmabuf_audit_$s" 'index($0, s) == 1 && $NF != 0' "$tmp/scrape1")
		[ -z "$bad" ]
		check $? "$desc: dmabuf_audit_$s absent or 0" "none non-zero" "'$bad'"
	done

	# a second daemon with the same pid file
	run daemon --config "$conf" --textfile-dir "$tf" --json-file "$tmp/second.json" --pidfile "$pidf"
	desc="second daemon, same --pidfile"
	expect_rc 2
	expect_empty stdout
	expect_one_line_stderr
	expect_exactly stderr "dmabuf-audit: pidfile $pidf is locked by another dmabuf-audit (pid $dpid)"
	if alive "$dpid" && [ "$(cat "$pidf")" = "$dpid" ]; then
		ok "$desc: the first daemon runs on, its pidfile intact"
	else
		fail "$desc: expected daemon $dpid running and in $pidf, saw $(cat "$pidf" 2>&1)"
	fi
	desc=$dname

	# the watchdog: every WATCHDOG_USEC/2 = 200 ms
	w0=$(grep -c '^WATCHDOG=1$' "$nlog")
	wait_until 2000 count_at_least "$nlog" WATCHDOG=1 $((w0 + 2))
	check $? "$desc: WATCHDOG=1 twice within 2 s (WATCHDOG_USEC=400000)" "2 more" \
		"$(($(grep -c '^WATCHDOG=1$' "$nlog") - w0)) more"

	# a second scrape 2.5 s after the first: the file was rewritten meanwhile,
	# at least once (so 1 s later or more)
	now_ms
	left=$((t_scrape1 + 2500 - ms))
	[ "$left" -gt 0 ] && sleep "$(awk -v l="$left" 'BEGIN { printf "%.3f", l / 1000 }')"
	promcheck scrape "$tf" >"$tmp/scrape2" 2>"$tmp/scrape2.err"
	lu2=$(value "$tmp/scrape2" dmabuf_audit_last_update_timestamp_seconds)
	awk -v a="$lu1" -v b="$lu2" 'BEGIN { exit !(a != "" && b != "" && b - a >= 0.9) }'
	check $? "node_exporter scrape 2.5 s later: last_update_timestamp_seconds grew (every 1 s)" \
		"at least $lu1 + 1" "'$lu2'"

	# ---- SIGHUP: config re-read, JSON file reopened --------------------------
	mv "$json" "$json.1"
	cat >"$conf" <<EOF
[daemon]
interval = 7

[suppress]
exporter = vgem
kind = gup_blocked
EOF
	mark=$(wc -l <"$nlog")
	mono0=$(monotonic_usec)
	kill -HUP "$dpid"
	desc="$dname, SIGHUP"
	wait_until 10000 reload_seen "$nlog" "$mark"
	check $? "$desc: RELOADING=1 with MONOTONIC_USEC, then READY=1" \
		"RELOADING=1|MONOTONIC_USEC=N then READY=1|STATUS=..." "$(tail -n "+$((mark + 1))" "$nlog" | grep -v WATCHDOG | head -n 4 | tr '\n' ' ')"
	mono=$(tail -n "+$((mark + 1))" "$nlog" | sed -n 's/^RELOADING=1|MONOTONIC_USEC=\([0-9]*\)$/\1/p' | head -n 1)
	[ -n "$mono" ] && [ -n "$mono0" ] && [ "$mono" -ge "$mono0" ] && [ $((mono - mono0)) -lt 10000000 ]
	check $? "$desc: MONOTONIC_USEC is CLOCK_MONOTONIC in microseconds" \
		"at most 10 s after $mono0 (before the SIGHUP)" "'$mono'"
	# the command line still wins over the file: every 1 s
	expect_line "$tmp/d1.err" "dmabuf-audit: reloaded: 1 suppression rule, textfile $tf/dmabuf_audit.prom every 1 s, JSON to $json, attach auto"
	if [ -f "$json" ] && [ -f "$json.1" ]; then
		ok "$desc: $json re-created (reopened), the renamed one kept"
	else
		fail "$desc: expected $json re-created and $json.1 kept, saw $(find "$tmp" -maxdepth 1 -name 'findings.json*' -printf '%f ')"
	fi
	alive "$dpid"
	check $? "$desc: still running" "pid $dpid alive" "it gone"

	# an invalid config: kept the running one
	cat >"$conf" <<EOF
[daemon]
interval = 7
[suppress]
kind = no_such_kind
EOF
	mark=$(wc -l <"$nlog")
	kill -HUP "$dpid"
	desc="$dname, SIGHUP with an invalid config"
	wait_until 10000 reload_seen "$nlog" "$mark"
	check $? "$desc: RELOADING=1, then READY=1 again" \
		"RELOADING=1|MONOTONIC_USEC=N then READY=1|STATUS=..." "$(tail -n "+$((mark + 1))" "$nlog" | grep -v WATCHDOG | head -n 4 | tr '\n' ' ')"
	expect_line "$tmp/d1.err" "dmabuf-audit: reload: $conf:4: unknown kind 'no_such_kind'; keeping the running config"
	alive "$dpid"
	check $? "$desc: still running" "pid $dpid alive" "it gone"
	seen_after "$nlog" "$mark" '^READY=1[|]STATUS=auditing; '
	check $? "$desc: STATUS says auditing" "READY=1|STATUS=auditing; ..." "$(show "$nlog")"

	# ---- SIGTERM ---------------------------------------------------------------
	mark=$(wc -l <"$nlog")
	t_term=$EPOCHREALTIME
	stop_daemon TERM
	desc="$dname, SIGTERM"
	[ "$stopped" = yes ] && [ "$rc" -eq 0 ]
	check $? "$desc: exit 0 within 5 s" "exit 0 within 5 s" "exit $rc, ended in time: $stopped (stderr $(show "$tmp/d1.err"))"
	wait_until 2000 seen_after "$nlog" "$mark" '^STOPPING=1$'
	check $? "$desc: STOPPING=1 on \$NOTIFY_SOCKET" "STOPPING=1" "$(tail -n "+$((mark + 1))" "$nlog" | tr '\n' ' ')"
	expect_promtool_ok "$prom_file" "$desc: final $prom_file"
	lu=$(last_update "$prom_file")
	fge "$lu" "$t_term"
	check $? "$desc: the final textfile written at the stop" "last_update >= $t_term" "'$lu'"
	files=$(find "$tf" -mindepth 1 -printf '%f ')
	[ "$files" = "dmabuf_audit.prom " ]
	check $? "$desc: only dmabuf_audit.prom in $tf (no *.tmp)" "'dmabuf_audit.prom'" "'$files'"
	[ ! -e "$pidf" ]
	check $? "$desc: pidfile removed" "no $pidf" "it there"
	expect_all_lines "$tmp/d1.err" '^dmabuf-audit: ' 5
	expect_not_contains "$tmp/d1.err" "warning:"
	expect_not_contains "$tmp/d1.err" "textfile not updated"
fi
stop_listener

# ---- no NOTIFY_SOCKET; a new interval from the file on SIGHUP; SIGINT -------

tf2=$tmp/textfile2
mkdir "$tf2"
conf2=$tmp/d2.conf
printf '[daemon]\ninterval = 1\n' >"$conf2"
pidf2=$tmp/d2.pid
if ! start_daemon d2 "daemon without NOTIFY_SOCKET" -- --config "$conf2" --textfile-dir "$tf2" --json-file "$tmp/d2.json" --pidfile "$pidf2" ||
	! wait_until 30000 grep -q 'daemon running' "$tmp/d2.err"; then
	fail "daemon without NOTIFY_SOCKET: expected it running within 30 s, saw stderr $(show "$tmp/d2.err")"
	stop_daemon KILL
else
	desc=$dname
	ok "$desc: running ($dcmd)"
	expect_exactly "$pidf2" "$dpid"
	prom2=$tf2/dmabuf_audit.prom
	# Right after a periodic write, so that none falls between SIGHUP and the
	# reload's own write: then the next write comes one new interval later.
	lu=$(last_update "$prom2")
	wait_until 3000 changed "$prom2" "$lu"
	printf '[daemon]\ninterval = 2\n' >"$conf2"
	t_hup=$EPOCHREALTIME
	kill -HUP "$dpid"
	desc="$dname, SIGHUP: interval 1 -> 2 in the file"
	wait_until 5000 written_since "$prom2" "$t_hup"
	check $? "$desc: textfile written at the reload" "last_update >= $t_hup" "'$(last_update "$prom2")'"
	lu0=$(last_update "$prom2")
	wait_until 4000 changed "$prom2" "$lu0"
	lu1=$(last_update "$prom2")
	awk -v a="$lu0" -v b="$lu1" 'BEGIN { d = b - a; exit !(a != "" && d >= 1.6 && d <= 3.5) }'
	check $? "$desc: next textfile 2 s after the reload's" "2 s after $lu0" "'$lu1'"
	expect_line "$tmp/d2.err" "dmabuf-audit: reloaded: 0 suppression rules, textfile $tf2/dmabuf_audit.prom every 2 s, JSON to $tmp/d2.json, attach auto"
	stop_daemon INT
	desc="$dname, SIGINT"
	[ "$stopped" = yes ] && [ "$rc" -eq 0 ]
	check $? "$desc: exit 0 within 5 s" "exit 0 within 5 s" "exit $rc, ended in time: $stopped (stderr $(show "$tmp/d2.err"))"
	[ ! -e "$pidf2" ]
	check $? "$desc: pidfile removed" "no $pidf2" "it there"
	expect_promtool_ok "$prom2" "$desc: final $prom2"
	expect_all_lines "$tmp/d2.err" '^dmabuf-audit: ' 4
	expect_not_contains "$tmp/d2.err" "NOTIFY"
	expect_not_contains "$tmp/d2.err" "warning:"
fi

# ---- journald: "<N>" priorities when stderr is $JOURNAL_STREAM ------------

plain=$tmp/plain.conf
printf '[daemon]\ninterval = 1\n' >"$plain"
jerr=$tmp/d3.err
: >"$jerr"
js=$(stat -c %d:%i "$jerr")
tf3=$tmp/textfile3
mkdir "$tf3"
# NOTIFY_SOCKET that is no unix socket: a warning, the daemon runs on
if ! start_daemon d3 "daemon under journald" JOURNAL_STREAM="$js" NOTIFY_SOCKET=vsock:2:9999 -- --config "$plain" \
	--textfile-dir "$tf3" --json-file "$tmp/d3.json" ||
	! wait_until 30000 grep -q 'daemon running' "$jerr"; then
	fail "daemon under journald: expected it running within 30 s, saw stderr $(show "$jerr")"
	stop_daemon KILL
else
	[ "$(stat -c %d:%i "$jerr")" = "$js" ] # the redirection kept the inode
	check $? "$dname: JOURNAL_STREAM=$js names its stderr ($dcmd)" "$js" "$(stat -c %d:%i "$jerr")"
	stop_daemon TERM
	desc=$dname
	[ "$stopped" = yes ] && [ "$rc" -eq 0 ]
	check $? "$desc: SIGTERM, exit 0" "exit 0 within 5 s" "exit $rc, ended in time: $stopped"
	expect_all_lines "$jerr" '^<[0-7]>' 4
	expect_line "$jerr" "<6>daemon running: 0 suppression rules, textfile $tf3/dmabuf_audit.prom every 1 s, JSON to $tmp/d3.json, attach auto"
	expect_contains "$jerr" "<5>scan-only: no live detector can attach on this kernel"
	expect_contains "$jerr" "<4>NOTIFY_SOCKET ignored: "
	expect_not_contains "$jerr" "dmabuf-audit: "
fi

# an error at start, under journald: one "<3>" line
: >"$tmp/err"
AS="env JOURNAL_STREAM=$(stat -c %d:%i "$tmp/err")"
run daemon --config "$plain" --textfile-dir "$tmp/nodir"
desc="$desc under journald"
AS=
expect_rc 2
expect_one_line_stderr
expect_exactly stderr "<3>textfile dir $tmp/nodir: No such file or directory"

# JOURNAL_STREAM naming another file: plain lines
AS="env JOURNAL_STREAM=$(stat -c %d:%i "$plain")"
run daemon --config "$plain" --textfile-dir "$tmp/nodir"
desc="$desc, JOURNAL_STREAM of another file"
AS=
expect_rc 2
expect_exactly stderr "dmabuf-audit: textfile dir $tmp/nodir: No such file or directory"

# ---- an abstract NOTIFY_SOCKET; WATCHDOG_PID of another process -------------

asock=@dmabuf-audit-test-$$-$RANDOM
tf4=$tmp/textfile4
mkdir "$tf4"
if ! start_listener n4 "$asock"; then
	fail "notify-listen.py $asock: expected 'listening' within 10 s, saw $(show "$tmp/n4.lst")"
elif ! start_daemon d4 "daemon on an abstract NOTIFY_SOCKET" NOTIFY_SOCKET="$asock" WATCHDOG_USEC=200000 WATCHDOG_PID=1 -- \
	--config "$plain" --textfile-dir "$tf4" --json-file "$tmp/d4.json"; then
	fail "daemon with NOTIFY_SOCKET=$asock: expected it running, saw stderr $(show "$tmp/d4.err")"
else
	desc=$dname
	wait_until 30000 grep -q '^READY=1|STATUS=' "$tmp/n4.log"
	check $? "$desc: READY=1 on the abstract socket ($dcmd)" "READY=1|STATUS=..." "notify $(show "$tmp/n4.log"), stderr $(show "$tmp/d4.err")"
	# WATCHDOG_USEC is for WATCHDOG_PID only: pid 1 is not the daemon
	sleep 0.7
	stop_daemon TERM
	[ "$stopped" = yes ] && [ "$rc" -eq 0 ]
	check $? "$desc: SIGTERM, exit 0" "exit 0 within 5 s" "exit $rc, ended in time: $stopped"
	wait_until 2000 grep -qx STOPPING=1 "$tmp/n4.log"
	check $? "$desc: STOPPING=1 on the abstract socket" "STOPPING=1" "$(show "$tmp/n4.log")"
	expect_not_contains "$tmp/n4.log" "WATCHDOG=1"
	expect_not_contains "$tmp/d4.err" "NOTIFY_SOCKET"
fi
stop_listener

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
