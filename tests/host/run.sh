#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CLI contract of dmabuf-audit against the running kernel, whatever it is:
# exit statuses, what goes to stdout and what to stderr, and for `probe`,
# `report` and `watch` in each attach mode (auto, fentry, kprobe) which
# detector attaches how, or why not. Those expectations come from
# tests/host/da-oracle (a separate BTF reader, a real fexit load + attach and
# a real kprobe per kernel function, /proc/kallsyms, /proc/PID/smaps), never
# from the auditor: the same script passes on a kernel that refuses fentry and
# has no kprobes, on a stock Debian kernel, and in the lab's QEMU guests
# (tests/lab/guest-host.sh runs it there, under bash-static and busybox).
# --btf is proven used with a copy of the kernel's BTF whose `dma_buf` struct
# is renamed (the CO-RE relocations must fail). Not root (nor CAP_BPF +
# CAP_PERFMON): the kernel groups are skipped, visibly, and the unprivileged
# errors are checked as this user; as root they are checked as uid 65534
# (da-oracle as).
#
# usage: tests/host/run.sh BIN       (env: DA_ORACLE, default build/da-oracle
#                                     or da-oracle in $PATH; RUN_TIMEOUT, 60 s)
# Prints `ok - ...`, `FAIL - ...: expected ..., saw ...` or `skip - ...` per
# assertion, then `N passed, N failed, N skipped`; exits 1 on any failure.

set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 BIN" >&2
	exit 2
fi
BIN=$1
if [ ! -x "$BIN" ]; then
	echo "$0: $BIN: not an executable" >&2
	exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# ---- help and version ------------------------------------------------------

for h in --help -h; do
	run "$h"
	expect_info "Usage: dmabuf-audit COMMAND"
	expect_contains stdout "probe"
done

for v in --version -V; do
	run "$v"
	expect_info "dmabuf-audit "
	if grep -qxE 'dmabuf-audit [0-9]+\.[0-9]+\.[0-9]+' "$tmp/out" &&
		[ "$(wc -l <"$tmp/out")" -eq 1 ]; then
		ok "$desc: one 'dmabuf-audit X.Y.Z' line"
	else
		fail "$desc: expected one 'dmabuf-audit X.Y.Z' line, saw $(show "$tmp/out")"
	fi
done

for c in watch report probe; do
	for h in --help -h; do
		run "$c" "$h"
		expect_info "Usage: dmabuf-audit $c"
		expect_contains stdout "--attach=MODE"
	done
	run "$c" --version
	expect_info "dmabuf-audit "
done
run report --json -d 5 --help
expect_info "Usage: dmabuf-audit report"

# ---- usage errors ----------------------------------------------------------

run
expect_usage_error "missing command"
run bogus
expect_usage_error "'bogus'"
run --json report
expect_usage_error "'--json'"
run report --bogus
expect_usage_error "'--bogus'"
run watch -x
expect_usage_error "'-x'"
run probe --nope=1
expect_usage_error "--nope"
for d in abc 0 -1 1.5 5s 99999999999999999999 31536001; do
	run report --duration "$d"
	expect_usage_error "'$d'"
	run watch "--duration=$d"
	expect_usage_error "'$d'"
done
run report -d
expect_usage_error "-d"
run watch --duration
expect_usage_error "--duration"
run report --pid 0
expect_usage_error "'0'"
run watch -p abc
expect_usage_error "'abc'"
for a in uprobe KPROBE ""; do
	run report "--attach=$a"
	expect_usage_error "'$a'"
	run probe --attach "$a"
	expect_usage_error "'$a'"
done
run probe --json
expect_usage_error "--json"
run probe --duration 5
expect_usage_error "--duration"
run report extra
expect_usage_error "'extra'"


# ---- probe, report and watch against this kernel ------------------------------

# The unprivileged errors: exit 2, one stderr line naming CAP_BPF; help and
# usage errors need no privilege. Run under $AS (see run).
unprivileged() { # LABEL
	run probe
	desc="$1: $desc"
	expect_rc 2
	expect_empty stdout
	expect_one_line_stderr
	expect_contains stderr "CAP_BPF"

	run report --duration 1
	desc="$1: $desc"
	expect_rc 2
	expect_empty stdout
	expect_one_line_stderr
	expect_contains stderr "CAP_BPF"

	run --help
	desc="$1: $desc"
	expect_info "Usage: dmabuf-audit COMMAND"
	run report --bogus
	desc="$1: $desc"
	expect_usage_error "'--bogus'"
}

# check_probe MODE [ARGS...]: `probe ARGS` against oracle_expect MODE: every
# row's function, mechanism and reason, the count, the mode line, the exit
# status (0 iff every live detector attach; the scan always can, by iterator
# or /proc).
check_probe() {
	local mode=$1 d row rfunc via why want scan
	shift
	oracle_expect "$mode"
	run probe "$@"
	expect_rc "$E_RC"
	expect_empty stderr
	if head -n 1 "$tmp/out" | grep -qE '^DETECTOR +KERNEL FUNCTION +VIA +STATUS$'; then
		ok "$desc: table header"
	else
		fail "$desc: expected a 'DETECTOR KERNEL FUNCTION VIA STATUS' header, saw $(show "$tmp/out")"
	fi
	for d in $DETECTORS; do
		row=$(awk -v n="$d" '$1 == n' "$tmp/out")
		if [ "$(printf '%s\n' "$row" | grep -c .)" -ne 1 ]; then
			fail "$desc: expected one row for detector $d, saw $(show "$tmp/out")"
			continue
		fi
		read -r _ rfunc via why <<<"$row"
		if [ "$rfunc $via" = "${E_FUNC[$d]} ${E_MECH[$d]}" ]; then
			ok "$desc: $d on ${E_FUNC[$d]} via ${E_MECH[$d]} (oracle)"
		else
			fail "$desc: expected '$d ${E_FUNC[$d]} ${E_MECH[$d]}' (oracle), saw '$row'"
		fi
		expect_why "$why" "$d" "$desc"
	done
	scan=available
	[ "$E_SCAN" = proc ] && scan="/proc fallback"
	want="$E_LIVE of $N_LIVE live detectors attached; scan: $scan"
	if grep -qxF "$want" "$tmp/out"; then
		ok "$desc: '$want' (oracle)"
	else
		fail "$desc: expected the line '$want' (oracle), saw $(show "$tmp/out")"
	fi
	# a header, every detector and the scan, the total; the mode line when scan-only
	want=$((N_LIVE + 3))
	if [ "$E_LIVE" -eq 0 ]; then
		expect_contains stdout "mode: scan-only"
		want=$((want + 1))
	else
		expect_not_contains stdout "mode: scan-only"
	fi
	if [ "$(grep -c . "$tmp/out")" -eq "$want" ]; then
		ok "$desc: $want lines (header, $((N_LIVE + 1)) detectors, total$([ "$E_LIVE" -eq 0 ] && echo ", mode"))"
	else
		fail "$desc: expected $want lines, saw $(show "$tmp/out")"
	fi
}

# json_map KEY: the {...} of "KEY":{...} in the last stdout line (the summary).
json_map() {
	tail -n 1 "$tmp/out" | sed -n "s/.*\"$1\":{\([^}]*\)}.*/\1/p"
}

# check_observe MODE report|watch ARGS...: a run of the command against
# oracle_expect MODE: the `ready: N of 9` line and one warning per detector
# that cannot run, or the one `scan-only:` line naming mmap's causes; the exit
# status (report: 1 iff some process maps a dma-buf without VM_PFNMAP, from
# /proc/PID/smaps before and after); report --json: the detectors and
# functions tables and the scan's dma-buf vma count.
check_observe() {
	local mode=$1 before after d want line got n
	shift
	oracle_expect "$mode"
	before=$(dmabuf_state)
	run "$@"
	after=$(dmabuf_state)
	if [ "$1" = watch ]; then
		expect_rc 0
	elif [ "$before" != "$after" ]; then
		skip "$desc: exit status: dma-buf mappings changed during the run ('$before', then '$after')"
	elif [[ $before == *" nopfnmap 0" ]]; then
		expect_rc 0
	else
		expect_rc 1
	fi
	if [ "$E_LIVE" -eq 0 ]; then
		expect_one_line_stderr
		expect_contains stderr "dmabuf-audit: scan-only: no live detector can attach on this kernel ("
		expect_why "$(head -n 1 "$tmp/err")" mmap "$desc: the scan-only line"
		expect_not_contains stderr "dmabuf-audit: ready"
	else
		want="dmabuf-audit: ready: $E_LIVE of $N_LIVE live detectors attached, scan done"
		if grep -qxF "$want" "$tmp/err"; then
			ok "$desc: '$want' (oracle)"
		else
			fail "$desc: expected the line '$want' (oracle), saw $(show "$tmp/err")"
		fi
		n=$(grep -c '' "$tmp/err")
		if [ "$n" -eq $((N_LIVE + 1 - E_LIVE)) ]; then
			ok "$desc: $n line(s) on stderr (ready, one per detector that cannot run)"
		else
			fail "$desc: expected $((N_LIVE + 1 - E_LIVE)) line(s) on stderr, saw $(show "$tmp/err")"
		fi
		for d in $DETECTORS; do
			[ "${E_MECH[$d]}" = none ] || continue
			line=$(grep -F "dmabuf-audit: warning: detector $d (${E_FUNC[$d]}) cannot run here: " "$tmp/err")
			if [ -n "$line" ]; then
				expect_why "${line#*cannot run here: }" "$d" "$desc: warning"
			else
				fail "$desc: expected 'warning: detector $d (${E_FUNC[$d]}) cannot run here: ...', saw $(show "$tmp/err")"
			fi
		done
		expect_not_contains stderr "scan-only"
	fi
	[[ " $* " == *" --json "* && $1 == report ]] || return 0
	want='' got=''
	for d in $DETECTORS; do
		want+="${want:+,}\"$d\":\"${E_MECH[$d]}\""
	done
	got=$(json_map detectors)
	if [ "$got" = "$want" ]; then
		ok "$desc: summary detectors as the oracle says"
	else
		fail "$desc: expected summary detectors {$want} (oracle), saw {$got}"
	fi
	want=
	for d in $DETECTORS; do
		if [ "${E_MECH[$d]}" = none ]; then
			want+="${want:+,}\"$d\":null"
		else
			want+="${want:+,}\"$d\":\"${E_FUNC[$d]}\""
		fi
	done
	got=$(json_map functions)
	if [ "$got" = "$want" ]; then
		ok "$desc: summary functions as the oracle says"
	else
		fail "$desc: expected summary functions {$want} (oracle), saw {$got}"
	fi
	got=$(json_map scan | sed -n 's/.*"dmabuf_vmas":\([0-9]*\).*/\1/p')
	n=$(awk '{ print $2 }' <<<"$before")
	if [ "$before" != "$after" ]; then
		skip "$desc: scan's dmabuf_vmas: dma-buf mappings changed during the run"
	elif [ "$got" = "$n" ]; then
		ok "$desc: scan found $n dma-buf vma(s), as /proc/*/smaps has"
	else
		fail "$desc: expected scan dmabuf_vmas $n (/proc/*/smaps), saw '$got'"
	fi
}

# Not root: uid 65534 without capabilities (da-oracle as), on a copy of BIN
# it can reach whatever the permissions of BIN's path.
as_nobody() {
	local bin_root=$BIN
	mkdir "$tmp/nobody"
	cp "$BIN" "$tmp/nobody/dmabuf-audit"
	chmod 755 "$tmp" "$tmp/nobody" "$tmp/nobody/dmabuf-audit"
	BIN=$tmp/nobody/dmabuf-audit
	AS="$ORACLE as 65534:65534"
	unprivileged "uid 65534"
	AS=
	BIN=$bin_root
}

if ! have_bpf_caps; then
	uid=$(id -u)
	for g in "probe in the auto, fentry and kprobe attach modes" "report and watch" \
		"--btf runs (an intact and a doctored copy of the kernel's BTF)" \
		"the scan of a stopped process"; do
		skip "$g: not root (uid $uid, no CAP_BPF and CAP_PERFMON): the kernel cannot be asked"
	done
	unprivileged "uid $uid"
elif [ ! -r /sys/kernel/btf/vmlinux ]; then
	# Without the kernel's BTF the auditor needs --btf: one line, exit 2.
	run probe
	expect_rc 2
	expect_empty stdout
	expect_one_line_stderr
	expect_contains stderr "kernel BTF not found (/sys/kernel/btf/vmlinux)"
	for g in "probe in the auto, fentry and kprobe attach modes" "report and watch" \
		"--btf runs (an intact and a doctored copy of the kernel's BTF)" \
		"the scan of a stopped process"; do
		skip "$g: this kernel has no BTF (/sys/kernel/btf/vmlinux)"
	done
	if oracle_find; then
		as_nobody
	else
		fail "da-oracle: expected it built (build/da-oracle, \$DA_ORACLE or in \$PATH), saw none"
	fi
elif ! oracle_find; then
	fail "da-oracle: expected it built (build/da-oracle, \$DA_ORACLE or in \$PATH), saw none"
else
	oracle_init
	oracle_show

	check_probe auto
	check_probe fentry --attach=fentry
	check_probe kprobe --attach=kprobe

	# -v: libbpf diagnostics go to stderr, the table stays alone on stdout
	oracle_expect auto
	run probe -v
	expect_rc "$E_RC"
	expect_contains stderr "libbpf: "
	expect_not_contains stdout "libbpf"
	expect_contains stdout "$E_LIVE of $N_LIVE live detectors attached"

	check_observe auto report --duration 1
	check_observe auto watch --duration 1
	check_observe auto report --json --duration 1
	check_observe auto watch --json -d 1
	check_observe kprobe report --attach=kprobe --duration 1
	check_observe fentry report --json --attach=fentry --duration 1

	# run -- COMMAND: the command keeps stdout, the report goes to stderr (or -o FILE); a
	# kernel where nothing runs live cannot audit a command: one line, exit 2
	oracle_expect auto
	run run -- sh -c 'echo from-the-command; exit 5'
	if [ "$E_LIVE" -eq 0 ]; then
		expect_rc 2
		expect_contains stderr "run: no detector runs live here (scan-only)"
		expect_empty stdout
	else
		expect_rc 3
		expect_contains stdout "from-the-command"
		expect_contains stderr "command: sh exited 5"
		expect_contains stderr "result: PASS"
		run run --json -o "$tmp/run.json" -- /nonexistent/command
		expect_rc 127
		expect_contains stderr "dmabuf-audit: run: cannot execute '/nonexistent/command': No such file or directory"
		expect_empty stdout
	fi
	run run --json
	expect_rc 2
	expect_one_line_stderr
	expect_contains stderr "run: missing COMMAND"

	# report --inventory: every dma-buf now, from the kernel's dma-buf iterator (6.16+),
	# else from debugfs bufinfo; fd holders from task_file. Without one: one line, exit 2
	run report --inventory --json
	if [ "$(oracle btf-func bpf_iter_task_file)" != present ]; then
		expect_rc 2
		expect_one_line_stderr
		expect_contains stderr "inventory: this kernel has no task_file BPF iterator"
	elif [ "$(oracle btf-func bpf_iter_dmabuf)" = present ]; then
		expect_rc 0
		expect_contains stdout '"source":"iter/dmabuf"'
	elif [ -e /sys/kernel/debug/dma_buf/bufinfo ]; then
		expect_rc 0
		expect_contains stdout '"source":"debugfs"'
	else
		expect_rc 2
		expect_one_line_stderr
		expect_contains stderr "/sys/kernel/debug/dma_buf/bufinfo is missing"
	fi
	# the full report ends with the same inventory, in its summary; never with -p
	oracle_expect auto
	run report --json --duration 1
	if [ "$E_SCAN" = none ] || [ "$(oracle btf-func bpf_iter_task_file)" != present ] ||
		{ [ "$(oracle btf-func bpf_iter_dmabuf)" != present ] &&
			[ ! -e /sys/kernel/debug/dma_buf/bufinfo ]; }; then
		expect_contains stdout '"inventory":null,'
		expect_contains stderr "dmabuf-audit: warning: inventory: "
	else
		expect_contains stdout '"inventory":{"buffers":'
	fi
	run report --json --duration 1 -p 1
	expect_contains stdout '"inventory":null,'
	expect_contains stderr "dmabuf-audit: warning: inventory: not taken with -p (the scan sees one process)"

	# --btf: CO-RE from a BTF file. Bad paths and non-BTF files: one line, exit 2.
	run probe --btf "$tmp/no-such.btf"
	expect_rc 2
	expect_empty stdout
	expect_one_line_stderr
	expect_contains stderr "cannot read --btf $tmp/no-such.btf"
	echo "not BTF" >"$tmp/not.btf"
	run probe --btf "$tmp/not.btf"
	expect_rc 2
	expect_empty stdout
	expect_one_line_stderr
	expect_contains stderr "not a usable BTF file"
	# A copy of the kernel's BTF works as the kernel's own does ...
	cp /sys/kernel/btf/vmlinux "$tmp/vmlinux.btf"
	check_probe auto --btf "$tmp/vmlinux.btf"
	check_observe auto report --json --btf "$tmp/vmlinux.btf" --duration 1
	# ... and one whose struct dma_buf is renamed (same length, nothing else
	# moves) cannot: the programs' CO-RE relocations against it must fail, so
	# --btf is what they were relocated with.
	out=$(oracle btf-rename "$tmp/vmlinux.btf" "$tmp/doctored.btf" dma_buf dma_bux)
	oracle_expect auto
	if [[ $out != "renamed "[1-9]* ]]; then
		fail "da-oracle btf-rename: expected 'renamed N' (struct dma_buf in the kernel's BTF), saw '$out'"
	elif [ "$E_LIVE" -eq 0 ] && [ "$E_SCAN" = proc ]; then
		skip "--btf with struct dma_buf renamed: no BPF program loads on this kernel (no live detector, /proc scan)"
	else
		for c in "probe" "report --duration 1"; do
			# shellcheck disable=SC2086 # split the command line on purpose
			run $c --btf "$tmp/doctored.btf"
			desc="$desc (struct dma_buf renamed dma_bux)"
			expect_rc 2
			expect_empty stdout
			expect_one_line_stderr
			expect_contains stderr "dmabuf-audit: BPF programs refused by the kernel"
		done
	fi

	# The scan really walked the vmas: for a stopped process, the scan's vma
	# count equals its /proc/PID/maps lines (the [vsyscall] gate area is no vma).
	sleep 30 &
	spid=$!
	kill -STOP "$spid"
	run report --json -p "$spid" --duration 1
	expect_rc 0
	want=$(grep -vc '\[vsyscall\]' "/proc/$spid/maps")
	got=$(json_map scan | sed -n 's/^"processes":\([0-9]*\),"vmas":\([0-9]*\),"dmabuf_vmas":\([0-9]*\)$/\1 \2 \3/p')
	if [ "$got" = "1 $want 0" ]; then
		ok "$desc: scan of pid $spid: 1 process, $want vmas (= /proc/$spid/maps), 0 dma-buf"
	else
		fail "$desc: expected scan '1 $want 0' (processes vmas dmabuf_vmas of pid $spid), saw '$got'"
	fi
	kill -KILL "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null

	as_nobody
fi

summary
