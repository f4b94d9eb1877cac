#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `dmabuf-audit daemon` against the running kernel, as systemd and Prometheus
# see it: the config file and its errors, the Prometheus textfile, the systemd
# notify protocol (da-oracle notify-listen stands in for the manager's socket),
# SIGHUP (what it re-reads, and attach, btf and pidfile that it must keep),
# SIGTERM and SIGINT, the pid file, the capabilities kept (CAP_DAC_OVERRIDE
# exactly when the textfile directory needs it), and the journald log format.
# What the daemon must say about its detectors (the STATUS= table,
# detectors_attached{mechanism}, the ready or scan-only line, the capabilities
# of a /proc scan) comes from tests/host/da-oracle as in run.sh, and
# mapped_bytes from /proc/*/smaps: the same script passes on any kernel and in
# the lab's QEMU guests (tests/lab/guest-host.sh). Timing is checked by
# waiting for events (generous timeouts; a timeout is a FAIL) and by lower
# bounds only. promtool and node_exporter (tests/prom, python3) run where they
# are: in the busybox guests those checks are skipped, visibly. Not root:
# the daemon runs are skipped, visibly.
#
# usage: tests/host/daemon.sh BIN    (env: DA_ORACLE as for run.sh)
# Prints `ok - ...`, `FAIL - ...: expected ..., saw ...` or `skip - ...` per
# assertion, then `N passed, N failed, N skipped`; exits 1 on any failure.

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
BIN_REAL=$(readlink -f "$BIN")
here=$(cd "$(dirname "$0")" && pwd)
prom=$here/../prom

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

# Seconds a waited-for event may take (attach under TCG takes seconds).
WAIT_S=${WAIT_S:-60}

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

# The entries of DIR, hidden ones too, on one line.
listdir() {
	local f out=''
	for f in "$1"/* "$1"/.[!.]*; do
		[ -e "$f" ] && out+="${f##*/} "
	done
	echo "$out"
}

# ---- helpers for the long-running daemon -----------------------------------

promcheck() { # ARGS...: tests/prom/promcheck.py under a timeout
	timeout -k 5 120 python3 "$prom/promcheck.py" "$@"
}

# No series twice in FILE (as written: one label order per series), then
# promtool check metrics FILE and promcheck.py's parser where they are.
expect_promtool_ok() { # FILE WHAT
	local out
	out=$(grep -v '^#' "$1" | awk '{ print $1 }' | sort | uniq -d | tr '\n' ' ')
	[ -z "$out" ] && [ -s "$1" ]
	check $? "$2: no series twice" "none" "'$out'"
	if [ "$prom_ok" != yes ]; then
		skip "$2: promtool check metrics: $prom_why"
		return
	fi
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
		ok "$2: promcheck.py parses it, no series twice ($out series)"
	else
		fail "$2: expected no repeated series, saw '$(tail -n 1 <<<"$out")'"
	fi
}

# dmabuf_audit_detectors_attached{mechanism} in FILE ("key value" lines) for
# every mechanism: as many detectors as the oracle expects (E_COUNT).
expect_attached() { # FILE
	local m k v
	for m in fentry kprobe iter proc none; do
		k="dmabuf_audit_detectors_attached{mechanism=\"$m\"}"
		v=$(value "$1" "$k")
		[ "$v" = "${E_COUNT[$m]}" ]
		check $? "$desc: $k ${E_COUNT[$m]} (oracle)" "${E_COUNT[$m]}" "'$v'"
	done
}

# Value of the metric NAME (with its labels, as FILE has them) in FILE, empty
# if absent. FILE holds "key value" lines (a textfile, or promcheck's output).
value() { # FILE KEY
	awk -v k="$2" 'index($0, k " ") == 1 && length($0) > length(k) + 1 { print $NF; exit }' "$1"
}

# last_update_timestamp_seconds of a textfile
last_update() { # FILE
	awk '$1 == "dmabuf_audit_last_update_timestamp_seconds" { print $2 }' "$1" 2>/dev/null
}

# Now, truncated to the millisecond: last_update_timestamp_seconds is
# printed with 3 decimals (rounded), so a write made after a moment can
# read up to 0.5 ms before it; compare at the file's own resolution.
stamp_ms() {
	local t=${EPOCHREALTIME/,/.}
	printf '%s\n' "${t%???}"
}

fge() { # A B: A >= B as floats
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }'
}

changed() { # TEXTFILE LAST_UPDATE: rewritten since
	local lu
	lu=$(last_update "$1")
	[ -n "$lu" ] && [ "$lu" != "$2" ]
}

no_tmp() { # DIR: no *.tmp in DIR
	local f
	for f in "$1"/*.tmp; do
		[ -e "$f" ] && return 1
	done
	return 0
}

written_since() { # TEXTFILE TIME
	fge "$(last_update "$1")" "$2"
}

count_at_least() { # LOG LINE N: LINE is there at least N times
	[ "$(grep -cxF -- "$2" "$1")" -ge "$3" ]
}

# start_listener NAME SOCKET: da-oracle notify-listen on SOCKET, datagrams in
# $tmp/NAME.log; sets lpid (its timeout wrapper). 1 if it did not come up.
start_listener() {
	: >"$tmp/$1.log"
	: >"$tmp/$1.lst"
	timeout -k 5 900 "$ORACLE" notify-listen "$2" "$tmp/$1.log" \
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
	local c='' s p
	if [ -r "/proc/$1/task/$1/children" ]; then
		read -r c _ <"/proc/$1/task/$1/children"
	else
		for s in /proc/[0-9]*/stat; do
			p=$(sed 's/.*) [A-Za-z] \([0-9]*\) .*/\1/' "$s" 2>/dev/null)
			if [ "$p" = "$1" ]; then
				c=${s#/proc/}
				c=${c%/stat}
				break
			fi
		done
	fi
	echo "$c"
}

# BIN runs, exec'ed through timeout and env(1): GNU timeout forks it (its
# child), busybox's execs it in place (the same pid). Sets dpid.
daemon_execed() {
	local c exe
	for c in "$tpid" "$(child_of "$tpid")"; do
		[ -n "$c" ] || continue
		exe=$(readlink "/proc/$c/exe" 2>/dev/null)
		if [ "$exe" = "$BIN_REAL" ]; then
			dpid=$c
			return 0
		fi
	done
	return 1
}

# start_daemon NAME LABEL [VAR=VALUE...] -- ARGS...: the daemon in the
# background with that environment, stdout/stderr in $tmp/NAME.out/.err; sets
# tpid (its timeout wrapper), dpid (the daemon itself), dname=LABEL and dcmd.
# 1 if it never exec'ed.
wrap=() # a command the daemon runs under (setpriv), for one run
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
	timeout -k 5 900 env "${env[@]}" "${wrap[@]}" "$BIN" daemon "$@" \
		</dev/null >"$tmp/$name.out" 2>"$tmp/$name.err" &
	tpid=$!
	procs+=("$tpid")
	wait_until 10000 daemon_execed
}

alive() { kill -0 "$1" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }

monotonic_usec() { # CLOCK_MONOTONIC now, in microseconds
	oracle monotonic-us
}

# stop_daemon SIGNAL: sends it to the daemon; waits up to 30 s for the daemon
# to end (KILL after that); sets rc to its exit status and stopped=yes|no.
stop_daemon() {
	kill "-$1" "${dpid:-$tpid}" 2>/dev/null
	if wait_until 30000 gone "$tpid"; then
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
	fail "$desc: expected no pidfile and no textfile, saw $(listdir "$tmp") / $(listdir "$tfc")"
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

why=
have_bpf_caps || why="not root (uid $(id -u), no CAP_BPF and CAP_PERFMON)"
[ -n "$why" ] || [ -r /sys/kernel/btf/vmlinux ] || why="this kernel has no BTF (/sys/kernel/btf/vmlinux)"
if [ -n "$why" ]; then
	for g in "daemon with a notify socket: READY, STATUS, textfile, pid file, capabilities, watchdog, SIGHUP, SIGTERM" \
		"daemon without NOTIFY_SOCKET: a new interval on SIGHUP, SIGINT" "daemon under journald" \
		"daemon on an abstract NOTIFY_SOCKET" "daemon keeping CAP_DAC_OVERRIDE for its textfile directory" \
		"daemon without CAP_SETPCAP"; do
		skip "$g: $why"
	done
	summary
	exit
fi
if ! oracle_find; then
	fail "da-oracle: expected it built (build/da-oracle, \$DA_ORACLE or in \$PATH), saw none"
	summary
	exit
fi

# ---- Prometheus tools --------------------------------------------------------

# promtool and node_exporter (tests/prom, python3): where they are. A host
# with tests/prom and python3 must be able to fetch them.
prom_ok=no
if ! command -v python3 >/dev/null; then
	prom_why="no python3 here"
elif [ ! -x "$prom/fetch-tools.sh" ]; then
	prom_why="no tests/prom here"
elif timeout -k 5 600 "$prom/fetch-tools.sh" >"$tmp/fetch.out" 2>&1; then
	prom_ok=yes
else
	prom_why="tests/prom/fetch-tools.sh failed"
	fail "tests/prom/fetch-tools.sh: expected promtool and node_exporter, saw $(show "$tmp/fetch.out")"
fi
# What the daemon must report here (it attaches in auto mode), from the oracle.
oracle_init
oracle_show
oracle_expect auto
declare -A E_COUNT=([fentry]=0 [kprobe]=0 [iter]=0 [proc]=0 [none]=0)
for d in $DETECTORS; do
	E_COUNT[${E_MECH[$d]}]=$((E_COUNT[${E_MECH[$d]}] + 1))
done
# Capabilities after attach: CAP_BPF (CAP_SYS_ADMIN where the kernel predates
# it), CAP_SYS_PTRACE + CAP_DAC_READ_SEARCH for a /proc scan, CAP_DAC_OVERRIDE
# only for a textfile directory its uid cannot write otherwise.
caps_base=$((1 << 39))
[ "$(cat /proc/sys/kernel/cap_last_cap)" -lt 39 ] && caps_base=$((1 << 21))
[ "$E_SCAN" = proc ] && caps_base=$((caps_base | 1 << 19 | 1 << 2))
caps_dac=$((caps_base | 1 << 1))
# The warnings the daemon prints at start: one per detector that cannot run
# (only when some can: else the one scan-only line).
n_warn=0
[ "$E_LIVE" -gt 0 ] && n_warn=${E_COUNT[none]}

# expect_announce FILE JOURNAL(yes|no): what watch and report say too once
# attached: `ready: N of 9 ...` and a warning per detector that cannot run,
# or the one scan-only line.
expect_announce() {
	local f=$1 p4="dmabuf-audit: warning: " p5="dmabuf-audit: " p6="dmabuf-audit: " d
	[ "$2" = yes ] && p4="<4>" p5="<5>" p6="<6>"
	if [ "$E_LIVE" -eq 0 ]; then
		expect_contains "$f" "${p5}scan-only: no live detector can attach on this kernel ("
		expect_not_contains "$f" "ready:"
		return
	fi
	expect_line "$f" "${p6}ready: $E_LIVE of $N_LIVE live detectors attached, scan done"
	expect_not_contains "$f" "scan-only"
	for d in $DETECTORS; do
		[ "${E_MECH[$d]}" = none ] || continue
		expect_contains "$f" "${p4}detector $d (${E_FUNC[$d]}) cannot run here: "
	done
}

# expect_warnings FILE N: exactly N "warning:" lines.
expect_warnings() {
	local n
	n=$(grep -c 'warning:' "$1")
	[ "$n" -eq "$2" ]
	check $? "$desc: $2 warning line(s) in ${1##*/}" "$2" "$n: $(grep 'warning:' "$1" | tr '\n' ' ')"
}

# cap_names SET: the names of the capabilities in SET (a number) the daemon
# may keep, as its "capabilities now" line gives them (by number).
cap_names() {
	local c n out=
	for c in 1:CAP_DAC_OVERRIDE 2:CAP_DAC_READ_SEARCH 19:CAP_SYS_PTRACE 21:CAP_SYS_ADMIN 39:CAP_BPF; do
		n=${c%%:*}
		(($1 >> n & 1)) && out="${out:+$out, }${c#*:}"
	done
	echo "$out"
}
# caps_line SET: the daemon's line when effective, permitted and bounding set are SET
caps_line() {
	echo "dmabuf-audit: capabilities now 0x$(printf '%x' "$1") ($(cap_names "$1")), effective and permitted; bounding set reduced to them"
}

# expect_caps PID WANT [SUFFIX [SETS]]: CapEff, CapPrm and CapBnd (or SETS) of
# PID are WANT (a number).
expect_caps() {
	local c v want
	want=$(printf '%016x' "$2")
	for c in ${4:-CapEff CapPrm CapBnd}; do
		v=$(awk -v c="$c:" '$1 == c { print $2 }' "/proc/$1/status")
		[ "$v" = "$want" ]
		check $? "$desc: $c $want$3" "$want" "'$v'"
	done
}

# No dma-buf mapped before and after: then every violation and warning count
# must be 0 (else those checks are skipped: the machine maps some).
quiet_before=$(dmabuf_state)

tf=$tmp/textfile # root-owned 0755: writable without CAP_DAC_OVERRIDE
mkdir "$tf"
chmod 755 "$tf"
conf=$tmp/main.conf
json=$tmp/findings.json
pidf=$tmp/dmabuf-audit.pid
sock=$tmp/notify.sock
printf '[daemon]\ninterval = 60\npidfile = %s\n' "$pidf" >"$conf"
nlog=$tmp/n1.log

if ! start_listener n1 "$sock"; then
	fail "da-oracle notify-listen $sock: expected 'listening' within 10 s, saw $(show "$tmp/n1.lst")"
elif ! start_daemon d1 daemon NOTIFY_SOCKET="$sock" WATCHDOG_USEC=400000 -- --config "$conf" \
	--textfile-dir "$tf" --interval 1 --json-file "$json"; then
	fail "daemon: expected it running within 10 s, saw stderr $(show "$tmp/d1.err")"
elif ! wait_until $((WAIT_S * 1000)) grep -q '^READY=1' "$nlog"; then
	fail "$dname: expected READY=1 within $WAIT_S s, saw notify $(show "$nlog"), stderr $(show "$tmp/d1.err")"
else
	desc=$dname
	ok "$desc: READY=1 on \$NOTIFY_SOCKET ($dcmd)"
	ready=$(grep -m 1 '^READY=1' "$nlog")
	[[ $ready == "READY=1|STATUS=auditing; violations "*", warnings "*", suppressed "*"; $E_TABLE" ]]
	check $? "$desc: READY=1 with STATUS: auditing, counts, the attach table of the oracle" \
		"'READY=1|STATUS=auditing; violations N, warnings N, suppressed N; $E_TABLE'" "'$ready'"
	quiet_after=$(dmabuf_state)
	quiet=no
	[ "$quiet_before" = "$quiet_after" ] && [[ $quiet_before == "vmas 0 "* ]] && quiet=yes
	if [ "$quiet" = yes ]; then
		[[ $ready == "READY=1|STATUS=auditing; violations 0, warnings 0, suppressed 0; "* ]]
		check $? "$desc: STATUS counts 0 (no dma-buf mapped here)" "violations 0, warnings 0, suppressed 0" "'$ready'"
	else
		skip "$desc: STATUS counts 0: dma-buf mappings here ('$quiet_before', then '$quiet_after')"
	fi

	expect_announce "$tmp/d1.err" no
	expect_line "$tmp/d1.err" "dmabuf-audit: daemon running: 0 suppression rules, textfile $tf/dmabuf_audit.prom every 1 s, JSON to $json, attach auto"
	expect_not_contains "$tmp/d1.err" "NOTIFY_SOCKET"
	if [ ! -s "$tmp/d1.out" ] && [ -f "$json" ]; then
		ok "$desc: stdout empty, JSON file $json created"
	else
		fail "$desc: expected empty stdout and $json, saw stdout $(show "$tmp/d1.out"), $(ls -l "$json" 2>&1)"
	fi

	# the pid file (named in the config file)
	expect_exactly "$pidf" "$dpid"
	v=$(oracle locked "$pidf")
	[ "$v" = locked ]
	check $? "$desc: $pidf is flock()ed by the daemon" locked "'$v'"

	# capabilities after attach; its textfile dir is root's: no CAP_DAC_OVERRIDE
	expect_caps "$dpid" "$caps_base" " (CAP_BPF$([ "$E_SCAN" = proc ] && echo ", CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH: /proc scan"); no CAP_DAC_OVERRIDE: $tf is root's)"
	expect_line "$tmp/d1.err" "$(caps_line "$caps_base")"

	# the textfile
	prom_file=$tf/dmabuf_audit.prom
	mode=$(stat -c %a "$prom_file" 2>&1)
	[ "$mode" = 644 ]
	check $? "$desc: $prom_file exists, mode 0644" "mode 644" "'$mode'"
	expect_promtool_ok "$prom_file" "$desc: $prom_file"
	# a *.tmp exists only while a write is under way (renamed over the textfile or
	# removed when it ends): one left behind never goes away
	wait_until $((WAIT_S * 1000)) no_tmp "$tf"
	check $? "$desc: no *.tmp left beside the textfile" "none, or gone within $WAIT_S s" \
		"'$(ls "$tf"/*.tmp 2>/dev/null)'"

	# What it says, from a textfile written after the oracle's first look at the
	# dma-buf mappings: detectors by mechanism, mapped bytes, build info.
	before=$(dmabuf_state)
	lu=$(last_update "$prom_file")
	wait_until $((WAIT_S * 1000)) changed "$prom_file" "$lu"
	check $? "$desc: textfile rewritten within $WAIT_S s (--interval 1)" "a new last_update" "'$(last_update "$prom_file")'"
	cp "$prom_file" "$tmp/tf1"
	after=$(dmabuf_state)
	expect_attached "$tmp/tf1"
	if [ "$before" != "$after" ]; then
		skip "$desc: dmabuf_audit_mapped_bytes: dma-buf mappings changed meanwhile ('$before', then '$after')"
	else
		want=$(awk '{ print $4 }' <<<"$before")
		v=$(awk '/^dmabuf_audit_mapped_bytes[{]/ { s += $NF } END { printf "%d", s }' "$tmp/tf1")
		[ "$v" = "$want" ] && grep -q '^# TYPE dmabuf_audit_mapped_bytes gauge$' "$tmp/tf1"
		check $? "$desc: dmabuf_audit_mapped_bytes add up to $want (the dma-buf vmas of /proc/*/smaps)" "$want" "'$v'"
	fi
	k="dmabuf_audit_build_info{version=\"$version\",kernel=\"$kernel\"}"
	v=$(value "$tmp/tf1" "$k")
	[ "$v" = 1 ]
	check $? "$desc: $k 1 (the version of $BIN --version)" 1 "'$v' in $(grep build_info "$tmp/tf1" | tr '\n' ' ')"
	lu1=$(last_update "$tmp/tf1")
	now=$EPOCHREALTIME
	awk -v t="$lu1" -v n="$now" 'BEGIN { exit !(t != "" && t <= n + 1 && n - t <= 30) }'
	check $? "$desc: last_update_timestamp_seconds within 30 s of now" "about $now" "'$lu1'"
	if [ "$quiet" = yes ]; then
		for s in violations_total warnings_total suppressed_total; do
			bad=$(awk -v s="dmabuf_audit_$s" 'index($0, s) == 1 && $NF != 0' "$tmp/tf1")
			[ -z "$bad" ]
			check $? "$desc: dmabuf_audit_$s absent or 0" "none non-zero" "'$bad'"
		done
	else
		skip "$desc: violations, warnings and suppressions 0: dma-buf mappings here"
	fi

	# node_exporter's view of the same directory
	if [ "$prom_ok" = yes ]; then
		promcheck scrape "$tf" >"$tmp/scrape1" 2>"$tmp/scrape1.err"
		src=$?
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
		expect_attached "$tmp/scrape1"
		k="dmabuf_audit_build_info{kernel=\"$kernel\",version=\"$version\"}"
		v=$(value "$tmp/scrape1" "$k")
		[ "$v" = 1 ]
		check $? "$desc: $k 1" 1 "'$v' in $(grep build_info "$tmp/scrape1" | tr '\n' ' ')"
		lus=$(value "$tmp/scrape1" dmabuf_audit_last_update_timestamp_seconds)
		# a later write, then a second scrape: node_exporter serves the new file
		wait_until $((WAIT_S * 1000)) written_since "$prom_file" "$(awk -v t="$lus" 'BEGIN { printf "%.3f", t + 0.9 }')"
		check $? "$desc: the textfile rewritten at least 0.9 s after the scraped one" \
			"last_update >= $lus + 0.9 within $WAIT_S s" "'$(last_update "$prom_file")'"
		promcheck scrape "$tf" >"$tmp/scrape2" 2>"$tmp/scrape2.err"
		lu2=$(value "$tmp/scrape2" dmabuf_audit_last_update_timestamp_seconds)
		awk -v a="$lus" -v b="$lu2" 'BEGIN { exit !(a != "" && b != "" && b - a >= 0.9) }'
		check $? "$desc: a second scrape serves the newer file" "last_update at least $lus + 0.9" "'$lu2'"
	else
		skip "node_exporter scrape of $tf: $prom_why"
	fi
	desc=$dname

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
	wait_until $((WAIT_S * 1000)) count_at_least "$nlog" WATCHDOG=1 $((w0 + 2))
	check $? "$desc: WATCHDOG=1 twice more (WATCHDOG_USEC=400000)" "2 more within $WAIT_S s" \
		"$(($(grep -c '^WATCHDOG=1$' "$nlog") - w0)) more"

	# ---- SIGHUP: config re-read, JSON file reopened; attach, btf and pidfile kept
	mv "$json" "$json.1"
	cat >"$conf" <<EOF2
[daemon]
interval = 7
attach = kprobe
btf = $tmp/no-such.btf
pidfile = $tmp/other.pid

[suppress]
exporter = vgem
kind = gup_blocked
EOF2
	mark=$(wc -l <"$nlog")
	mono0=$(monotonic_usec)
	kill -HUP "$dpid"
	desc="$dname, SIGHUP"
	wait_until $((WAIT_S * 1000)) reload_seen "$nlog" "$mark"
	check $? "$desc: RELOADING=1 with MONOTONIC_USEC, then READY=1" \
		"RELOADING=1|MONOTONIC_USEC=N then READY=1|STATUS=..." "$(tail -n "+$((mark + 1))" "$nlog" | grep -v WATCHDOG | head -n 4 | tr '\n' ' ')"
	mono=$(tail -n "+$((mark + 1))" "$nlog" | sed -n 's/^RELOADING=1|MONOTONIC_USEC=\([0-9]*\)$/\1/p' | head -n 1)
	[ -n "$mono" ] && [ -n "$mono0" ] && [ "$mono" -ge "$mono0" ] && [ $((mono - mono0)) -lt $((WAIT_S * 1000000)) ]
	check $? "$desc: MONOTONIC_USEC is CLOCK_MONOTONIC in microseconds" \
		"at most $WAIT_S s after $mono0 (before the SIGHUP)" "'$mono'"
	# the command line still wins over the file (every 1 s); attach stays auto
	expect_line "$tmp/d1.err" "dmabuf-audit: reloaded: 1 suppression rule, textfile $tf/dmabuf_audit.prom every 1 s, JSON to $json, attach auto"
	expect_line "$tmp/d1.err" "dmabuf-audit: warning: reload: attach and btf take effect at the next start"
	expect_line "$tmp/d1.err" "dmabuf-audit: warning: reload: pidfile takes effect at the next start"
	ready=$(tail -n "+$((mark + 1))" "$nlog" | grep -m 1 '^READY=1')
	[[ $ready == "READY=1|STATUS=auditing; "*"; $E_TABLE" ]]
	check $? "$desc: READY=1 with the same attach table (attach = kprobe not applied)" \
		"'...; $E_TABLE'" "'$ready'"
	if [ "$(cat "$pidf" 2>/dev/null)" = "$dpid" ] && [ "$(oracle locked "$pidf")" = locked ] &&
		[ ! -e "$tmp/other.pid" ]; then
		ok "$desc: pidfile kept: $pidf holds $dpid, locked; no $tmp/other.pid"
	else
		fail "$desc: expected $pidf with $dpid, locked, and no $tmp/other.pid, saw '$(cat "$pidf" 2>&1)', $(oracle locked "$pidf"), $(ls "$tmp/other.pid" 2>&1)"
	fi
	if [ -f "$json" ] && [ -f "$json.1" ]; then
		ok "$desc: $json re-created (reopened), the renamed one kept"
	else
		fail "$desc: expected $json re-created and $json.1 kept, saw $(echo "$json"*)"
	fi
	alive "$dpid"
	check $? "$desc: still running" "pid $dpid alive" "it gone"

	# an invalid config: kept the running one
	cat >"$conf" <<EOF2
[daemon]
interval = 7
[suppress]
kind = no_such_kind
EOF2
	mark=$(wc -l <"$nlog")
	kill -HUP "$dpid"
	desc="$dname, SIGHUP with an invalid config"
	wait_until $((WAIT_S * 1000)) reload_seen "$nlog" "$mark"
	check $? "$desc: RELOADING=1, then READY=1 again" \
		"RELOADING=1|MONOTONIC_USEC=N then READY=1|STATUS=..." "$(tail -n "+$((mark + 1))" "$nlog" | grep -v WATCHDOG | head -n 4 | tr '\n' ' ')"
	expect_line "$tmp/d1.err" "dmabuf-audit: reload: $conf:4: unknown kind 'no_such_kind'; keeping the running config"
	alive "$dpid"
	check $? "$desc: still running" "pid $dpid alive" "it gone"
	seen_after "$nlog" "$mark" '^READY=1[|]STATUS=auditing; '
	check $? "$desc: STATUS says auditing" "READY=1|STATUS=auditing; ..." "$(show "$nlog")"

	# ---- SIGTERM ---------------------------------------------------------------
	mark=$(wc -l <"$nlog")
	t_term=$(stamp_ms)
	stop_daemon TERM
	desc="$dname, SIGTERM"
	[ "$stopped" = yes ] && [ "$rc" -eq 0 ]
	check $? "$desc: exit 0 within 30 s" "exit 0 within 30 s" "exit $rc, ended in time: $stopped (stderr $(show "$tmp/d1.err"))"
	wait_until $((WAIT_S * 1000)) seen_after "$nlog" "$mark" '^STOPPING=1$'
	check $? "$desc: STOPPING=1 on \$NOTIFY_SOCKET" "STOPPING=1" "$(tail -n "+$((mark + 1))" "$nlog" | tr '\n' ' ')"
	expect_promtool_ok "$prom_file" "$desc: final $prom_file"
	lu=$(last_update "$prom_file")
	fge "$lu" "$t_term"
	check $? "$desc: the final textfile written at the stop" "last_update >= $t_term" "'$lu'"
	files=$(listdir "$tf")
	[ "$files" = "dmabuf_audit.prom " ]
	check $? "$desc: only dmabuf_audit.prom in $tf (no *.tmp)" "'dmabuf_audit.prom'" "'$files'"
	[ ! -e "$pidf" ] && [ ! -e "$tmp/other.pid" ]
	check $? "$desc: pidfile removed (the one it started with; no other)" "no $pidf, no $tmp/other.pid" "$(listdir "$tmp")"
	expect_all_lines "$tmp/d1.err" '^dmabuf-audit: ' 5
	expect_warnings "$tmp/d1.err" $((n_warn + 2))
	expect_not_contains "$tmp/d1.err" "textfile not updated"
fi
stop_listener

# ---- no NOTIFY_SOCKET; a new interval from the file on SIGHUP; SIGINT -------

tf2=$tmp/textfile2
mkdir "$tf2"
conf2=$tmp/d2.conf
# 60 s: no periodic write can fall between the SIGHUP and the reload's own
printf '[daemon]\ninterval = 60\n' >"$conf2"
pidf2=$tmp/d2.pid
if ! start_daemon d2 "daemon without NOTIFY_SOCKET" -- --config "$conf2" --textfile-dir "$tf2" --json-file "$tmp/d2.json" --pidfile "$pidf2" ||
	! wait_until $((WAIT_S * 1000)) grep -q 'daemon running' "$tmp/d2.err"; then
	fail "daemon without NOTIFY_SOCKET: expected it running within $WAIT_S s, saw stderr $(show "$tmp/d2.err")"
	stop_daemon KILL
else
	desc=$dname
	ok "$desc: running ($dcmd)"
	expect_exactly "$pidf2" "$dpid"
	expect_announce "$tmp/d2.err" no
	expect_line "$tmp/d2.err" "dmabuf-audit: daemon running: 0 suppression rules, textfile $tf2/dmabuf_audit.prom every 60 s, JSON to $tmp/d2.json, attach auto"
	prom2=$tf2/dmabuf_audit.prom
	printf '[daemon]\ninterval = 2\n' >"$conf2"
	t_hup=$(stamp_ms)
	kill -HUP "$dpid"
	desc="$dname, SIGHUP: interval 60 -> 2 in the file"
	wait_until $((WAIT_S * 1000)) written_since "$prom2" "$t_hup"
	check $? "$desc: textfile written at the reload" "last_update >= $t_hup" "'$(last_update "$prom2")'"
	w0=$(last_update "$prom2")
	wait_until $((WAIT_S * 1000)) changed "$prom2" "$w0"
	w1=$(last_update "$prom2")
	wait_until $((WAIT_S * 1000)) changed "$prom2" "$w1"
	w2=$(last_update "$prom2")
	# Periodic writes come no earlier than their timer: 2 s after the reload's,
	# 4 s after it (a 1 s interval would give 1 and 2 unless stalled).
	awk -v a="$w0" -v b="$w1" -v c="$w2" 'BEGIN { exit !(a != "" && b > a && c > b && b - a >= 1.5 && c - a >= 3.0) }'
	check $? "$desc: two periodic textfiles within $((2 * WAIT_S)) s, the interval 2 s ($(awk -v a="$w0" -v b="$w1" -v c="$w2" 'BEGIN { printf "w1 - w0 = %.2f s, w2 - w0 = %.2f s", b - a, c - a }'))" \
		"w1 - w0 >= 1.5 s, w2 - w0 >= 3.0 s" "w0 $w0, w1 $w1, w2 $w2"
	expect_line "$tmp/d2.err" "dmabuf-audit: reloaded: 0 suppression rules, textfile $tf2/dmabuf_audit.prom every 2 s, JSON to $tmp/d2.json, attach auto"
	stop_daemon INT
	desc="$dname, SIGINT"
	[ "$stopped" = yes ] && [ "$rc" -eq 0 ]
	check $? "$desc: exit 0 within 30 s" "exit 0 within 30 s" "exit $rc, ended in time: $stopped (stderr $(show "$tmp/d2.err"))"
	[ ! -e "$pidf2" ]
	check $? "$desc: pidfile removed" "no $pidf2" "it there"
	expect_promtool_ok "$prom2" "$desc: final $prom2"
	expect_all_lines "$tmp/d2.err" '^dmabuf-audit: ' 4
	expect_not_contains "$tmp/d2.err" "NOTIFY"
	expect_warnings "$tmp/d2.err" "$n_warn"
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
	! wait_until $((WAIT_S * 1000)) grep -q 'daemon running' "$jerr"; then
	fail "daemon under journald: expected it running within $WAIT_S s, saw stderr $(show "$jerr")"
	stop_daemon KILL
else
	[ "$(stat -c %d:%i "$jerr")" = "$js" ] # the redirection kept the inode
	check $? "$dname: JOURNAL_STREAM=$js names its stderr ($dcmd)" "$js" "$(stat -c %d:%i "$jerr")"
	stop_daemon TERM
	desc=$dname
	[ "$stopped" = yes ] && [ "$rc" -eq 0 ]
	check $? "$desc: SIGTERM, exit 0" "exit 0 within 30 s" "exit $rc, ended in time: $stopped"
	expect_all_lines "$jerr" '^<[0-7]>' 4
	expect_line "$jerr" "<6>daemon running: 0 suppression rules, textfile $tf3/dmabuf_audit.prom every 1 s, JSON to $tmp/d3.json, attach auto"
	expect_announce "$jerr" yes
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
	fail "da-oracle notify-listen $asock: expected 'listening' within 10 s, saw $(show "$tmp/n4.lst")"
elif ! start_daemon d4 "daemon on an abstract NOTIFY_SOCKET" NOTIFY_SOCKET="$asock" WATCHDOG_USEC=200000 WATCHDOG_PID=1 -- \
	--config "$plain" --textfile-dir "$tf4" --json-file "$tmp/d4.json"; then
	fail "daemon with NOTIFY_SOCKET=$asock: expected it running, saw stderr $(show "$tmp/d4.err")"
else
	desc=$dname
	wait_until $((WAIT_S * 1000)) grep -q '^READY=1|STATUS=' "$tmp/n4.log"
	check $? "$desc: READY=1 on the abstract socket ($dcmd)" "READY=1|STATUS=..." "notify $(show "$tmp/n4.log"), stderr $(show "$tmp/d4.err")"
	# WATCHDOG_USEC is for WATCHDOG_PID only: pid 1 is not the daemon. Over a
	# textfile interval (1 s) it would have sent some 10.
	lu=$(last_update "$tf4/dmabuf_audit.prom")
	wait_until $((WAIT_S * 1000)) changed "$tf4/dmabuf_audit.prom" "$lu"
	check $? "$desc: textfile rewritten (1 s later)" "a new last_update within $WAIT_S s" "'$(last_update "$tf4/dmabuf_audit.prom")'"
	stop_daemon TERM
	[ "$stopped" = yes ] && [ "$rc" -eq 0 ]
	check $? "$desc: SIGTERM, exit 0" "exit 0 within 30 s" "exit $rc, ended in time: $stopped"
	wait_until $((WAIT_S * 1000)) grep -qx STOPPING=1 "$tmp/n4.log"
	check $? "$desc: STOPPING=1 on the abstract socket" "STOPPING=1" "$(show "$tmp/n4.log")"
	expect_not_contains "$tmp/n4.log" "WATCHDOG=1"
	expect_not_contains "$tmp/d4.err" "NOTIFY_SOCKET"
fi
stop_listener

# ---- CAP_DAC_OVERRIDE: kept for a textfile dir its uid cannot write otherwise --

tf5=$tmp/textfile5 # uid 65534's, 0755: root writes there only with CAP_DAC_OVERRIDE
mkdir "$tf5"
chown 65534:65534 "$tf5"
chmod 755 "$tf5"
if ! start_daemon d5 "daemon, textfile dir of uid 65534 (0755)" -- --config "$plain" \
	--textfile-dir "$tf5" --json-file "$tmp/d5.json" ||
	! wait_until $((WAIT_S * 1000)) grep -q 'daemon running' "$tmp/d5.err"; then
	fail "daemon with the textfile dir of uid 65534: expected it running within $WAIT_S s, saw stderr $(show "$tmp/d5.err")"
	stop_daemon KILL
else
	desc=$dname
	ok "$desc: running ($dcmd)"
	expect_caps "$dpid" "$caps_dac" " (with CAP_DAC_OVERRIDE: $tf5 is uid 65534's, 0755)"
	expect_line "$tmp/d5.err" "$(caps_line "$caps_dac")"
	lu=$(last_update "$tf5/dmabuf_audit.prom")
	wait_until $((WAIT_S * 1000)) changed "$tf5/dmabuf_audit.prom" "$lu"
	check $? "$desc: textfile rewritten there after the drop" "a new last_update within $WAIT_S s" \
		"'$(last_update "$tf5/dmabuf_audit.prom")', stderr $(show "$tmp/d5.err")"
	stop_daemon TERM
	[ "$stopped" = yes ] && [ "$rc" -eq 0 ]
	check $? "$desc: SIGTERM, exit 0" "exit 0 within 30 s" "exit $rc, ended in time: $stopped"
	expect_not_contains "$tmp/d5.err" "textfile not updated"
	expect_promtool_ok "$tf5/dmabuf_audit.prom" "$desc: final textfile"
fi

# ---- without CAP_SETPCAP: the bounding set stays, every other set is cut -----

bnd=0x$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
if ! ((bnd >> 8 & 1)); then
	skip "daemon without CAP_SETPCAP: this shell has none to take away"
else
	# exec as root: permitted = bounding set, so CAP_SETPCAP is gone from both
	wrap=("$ORACLE" no-setpcap)
	bnd_left=$((bnd & ~(1 << 8)))
	if ! start_daemon d6 "daemon without CAP_SETPCAP" -- --config "$plain" \
		--textfile-dir "$tf" --json-file "$tmp/d6.json" ||
		! wait_until $((WAIT_S * 1000)) grep -q 'daemon running' "$tmp/d6.err"; then
		fail "daemon without CAP_SETPCAP: expected it running within $WAIT_S s, saw stderr $(show "$tmp/d6.err")"
		stop_daemon KILL
	else
		desc=$dname
		ok "$desc: running (da-oracle no-setpcap $dcmd)"
		expect_caps "$dpid" "$caps_base" " (cut without CAP_SETPCAP)" "CapEff CapPrm"
		expect_caps "$dpid" 0 " (cut without CAP_SETPCAP)" "CapInh CapAmb"
		expect_caps "$dpid" "$bnd_left" " (not reducible without CAP_SETPCAP)" "CapBnd"
		expect_line "$tmp/d6.err" "dmabuf-audit: warning: capabilities now 0x$(printf '%x' "$caps_base") ($(cap_names "$caps_base")), effective and permitted; bounding set not reduced (Operation not permitted: needs CAP_SETPCAP), it stays 0x$(printf '%x' "$bnd_left")"
		stop_daemon TERM
		[ "$stopped" = yes ] && [ "$rc" -eq 0 ]
		check $? "$desc: SIGTERM, exit 0" "exit 0 within 30 s" "exit $rc, ended in time: $stopped"
	fi
	wrap=()
fi

summary
