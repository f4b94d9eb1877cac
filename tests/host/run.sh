#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CLI contract of dmabuf-audit on THIS host: exit statuses, what goes to
# stdout and what to stderr. Expects the lab host: kernel refuses fentry
# (EPERM), no kprobes, no dma-buf exporter, run as root (the non-root case
# drops to uid 65534 with setpriv).
#
# usage: tests/host/run.sh BIN
# Prints `ok - ...` or `FAIL - ...: expected ..., saw ...` per assertion,
# then `N passed, N failed`; exits 1 on any failure.

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

passed=0
failed=0
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

# ---- probe, report and watch on this kernel --------------------------------

if [ "$(id -u)" -ne 0 ]; then
	skip "probe/report/watch: the host expectations need root"
else
	# detector name, kernel function
	detectors="mmap:dma_buf_mmap_internal mmap_import:dma_buf_mmap
		gup_slow:check_vma_flags insert_page:vm_insert_page
		insert_pages:vm_insert_pages gup_fast:gup_fast_fallback
		pte_install:finish_fault vma_dup:vm_area_dup vma_free:vm_area_free"

	run probe
	expect_rc 1
	expect_empty stderr
	if head -n 1 "$tmp/out" | grep -qE '^DETECTOR +KERNEL FUNCTION +VIA +STATUS$'; then
		ok "$desc: table header"
	else
		fail "$desc: expected a 'DETECTOR KERNEL FUNCTION VIA STATUS' header, saw $(show "$tmp/out")"
	fi
	for d in $detectors; do
		name=${d%%:*}
		func=${d#*:}
		row=$(awk -v n="$name" '$1 == n' "$tmp/out")
		if [ "$(printf '%s\n' "$row" | grep -c .)" -ne 1 ]; then
			fail "$desc: expected one row for detector $name, saw $(show "$tmp/out")"
			continue
		fi
		read -r _ rfunc via why <<<"$row"
		if [ "$rfunc" = "$func" ] && [ "$via" = none ]; then
			ok "$desc: $name on $func via none"
		else
			fail "$desc: expected '$name $func none', saw '$row'"
		fi
		case $why in
		*EPERM*"kprobes not available"*)
			ok "$desc: $name reason names EPERM and kprobes not available" ;;
		*)
			fail "$desc: expected $name reason with 'EPERM' and 'kprobes not available', saw '$why'" ;;
		esac
	done
	if [ "$(grep -c . "$tmp/out")" -eq 13 ]; then
		ok "$desc: header, 10 detectors, total, mode"
	else
		fail "$desc: expected 13 lines (header, 10 detectors, total, mode), saw $(show "$tmp/out")"
	fi
	# The task_vma iterator loads on this kernel although fentry and kprobes do not.
	if grep -qE '^scan +bpf_iter_task_vma +iter +attached' "$tmp/out"; then
		ok "$desc: scan row: bpf_iter_task_vma via iter, attached"
	else
		fail "$desc: expected 'scan bpf_iter_task_vma iter attached', saw $(show "$tmp/out")"
	fi
	expect_contains stdout "0 of 9 live detectors attached; scan: available"
	expect_contains stdout "mode: scan-only"

	run probe --attach=kprobe
	expect_rc 1
	expect_empty stderr
	expect_contains stdout "fentry: not tried (--attach=kprobe)"
	expect_contains stdout "kprobes not available"
	expect_not_contains stdout "EPERM"

	run probe --attach=fentry
	expect_rc 1
	expect_empty stderr
	expect_contains stdout "EPERM"
	expect_contains stdout "kprobe: not tried (--attach=fentry)"

	# -v: libbpf diagnostics go to stderr, the table stays alone on stdout
	run probe -v
	expect_rc 1
	expect_contains stderr "libbpf: "
	expect_not_contains stdout "libbpf"
	expect_contains stdout "0 of 9 live detectors attached"

	# Scan-only: no live detector here, the scan still runs; one line says why.
	for c in "report --duration 1" "watch --duration 1" "report --json --duration 1" \
		"watch --json -d 1" "report --attach=kprobe --duration 1"; do
		# shellcheck disable=SC2086 # split the command line on purpose
		run $c
		expect_rc 0
		expect_one_line_stderr
		expect_contains stderr "scan-only: no live detector can attach on this kernel"
		expect_contains stderr "kprobes not available"
		expect_not_contains stderr "dmabuf-audit: ready"
	done

	# --btf: CO-RE from a BTF file. Bad paths and non-BTF files: one line, exit 2.
	run probe --btf "$tmp/no-such.btf"
	expect_rc 2
	expect_empty stdout
	expect_one_line_stderr
	expect_contains stderr "cannot read --btf $tmp/no-such.btf"
	run probe --btf /etc/hostname
	expect_rc 2
	expect_empty stdout
	expect_one_line_stderr
	expect_contains stderr "not a usable BTF file"
	cp /sys/kernel/btf/vmlinux "$tmp/vmlinux.btf"
	run report --json --btf "$tmp/vmlinux.btf" --duration 1
	expect_rc 0
	expect_contains stdout '"scan":{"processes":'
	expect_contains stderr "scan-only"

	# The scan really walked the vmas: for a stopped process, the iterator's vma
	# count equals its /proc/PID/maps lines (the [vsyscall] gate area is no vma).
	sleep 30 &
	spid=$!
	kill -STOP "$spid"
	run report --json -p "$spid" --duration 1
	expect_rc 0
	want=$(grep -vc '\[vsyscall\]' "/proc/$spid/maps")
	got=$(tail -n 1 "$tmp/out" | sed -n 's/.*"scan":{"processes":\([0-9]*\),"vmas":\([0-9]*\),"dmabuf_vmas":\([0-9]*\)}.*/\1 \2 \3/p')
	if [ "$got" = "1 $want 0" ]; then
		ok "$desc: scan of pid $spid: 1 process, $want vmas (= /proc/$spid/maps), 0 dma-buf"
	else
		fail "$desc: expected scan '1 $want 0' (processes vmas dmabuf_vmas of pid $spid), saw '$got'"
	fi
	kill -KILL "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null || true

	# ---- not root: uid 65534 without capabilities --------------------------
	if ! command -v setpriv >/dev/null; then
		fail "setpriv (util-linux): expected it installed, saw it missing"
	else
		# a copy uid 65534 can reach whatever the permissions of BIN's path
		mkdir "$tmp/nobody"
		cp "$BIN" "$tmp/nobody/dmabuf-audit"
		chmod 755 "$tmp" "$tmp/nobody" "$tmp/nobody/dmabuf-audit"
		BIN_ROOT=$BIN
		BIN=$tmp/nobody/dmabuf-audit
		AS="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"

		run probe
		desc="uid 65534: $desc"
		expect_rc 2
		expect_empty stdout
		expect_one_line_stderr
		expect_contains stderr "CAP_BPF"

		run report --duration 1
		desc="uid 65534: $desc"
		expect_rc 2
		expect_empty stdout
		expect_one_line_stderr
		expect_contains stderr "CAP_BPF"

		# help and usage errors need no privilege
		run --help
		desc="uid 65534: $desc"
		expect_info "Usage: dmabuf-audit COMMAND"
		run report --bogus
		desc="uid 65534: $desc"
		expect_usage_error "'--bogus'"

		AS=
		BIN=$BIN_ROOT
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
