#!/bin/bash
# run.sh [--kernel 6.1|6.12|5.10|7.2|all] [--demo] [--host] [--bench]: the VM lab. Boots Debian's kernels
# under QEMU (TCG), runs the auditor against the test exporter module, vgem, udmabuf and
# dma-heaps, and checks its findings with check.py, the daemon with check_daemon.py and the
# host tests run in the guest with check_host.py. Last line: "N passed, N failed".
# --demo: boot 6.1 with labmode=demo (guest-scenario.sh run_demo) and print the report; the
# exit status is check_demo.py's verdict (its one line last: "demo: PASS" or "demo: FAIL").
# --host: boot with labmode=host (only the host tests, tests/lab/guest-host.sh) and run only
# check_host.py (results in build/lab/KVER/host-results.txt).
# --bench: boot with labmode=bench (tests/lab/guest-bench.sh, default kernel 6.1, -smp 2) and
# print bench.py's table (build/lab/KVER/bench.txt; raw lines in bench-results.txt).
# BENCH_ROUNDS (5), BENCH_SCALE (10), BENCH_IDLE (s, 60), BENCH_HOLD (1000x50) size it.
# all = LAB_KERNELS (x86_64: 6.1 6.12 7.2 5.10; arm64: 6.1 6.12).
# Env: LAB_ARCH (x86_64, or arm64: qemu-system-aarch64 -M virt and an arm64 auditor),
#      AUDIT_BIN (default build/static/dmabuf-audit, arm64: build/arm64-static/dmabuf-audit),
#      LAB_CACHE, LAB_TIMEOUT (s, 600),
#      LAB_HOST_KERNELS (the kernels whose test guest also runs the host tests; default
#        x86_64 "6.1 6.12 5.10", arm64 "6.1": one of each attach shape, to keep make check
#        short; "all" for every kernel),
#      LAB_LONG_CHURN_KERNELS (the kernels whose daemon churn maps 100,000 times, not 6000;
#        default x86_64 "6.1", arm64 none: about two minutes of TCG each),
#      LAB_VERBOSE=1 (print every assertion and skip, not only failures and summaries).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=kernels.sh
. "$(dirname "$0")/kernels.sh"

usage() { echo "usage: $0 [--kernel 6.1|6.12|5.10|7.2|all] [--demo] [--host] [--bench]" >&2; exit 2; }
which='' demo=0 host=0 bench=0 append=''
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || usage; which=$2; shift 2 ;;
	--kernel=*) which=${1#--kernel=}; shift ;;
	--demo) demo=1; shift ;;
	--host) host=1; shift ;;
	--bench) bench=1; shift ;;
	*) usage ;;
	esac
done
if [ "$demo" = 1 ]; then which=6.1; fi
if [ "$bench" = 1 ]; then
	which=${which:-6.1}
	# one boot runs every round; two CPUs: the auditor's user space is not on the workload's
	LAB_TIMEOUT=${LAB_TIMEOUT:-2400} LAB_SMP=${LAB_SMP:-2}
	append="benchrounds=${BENCH_ROUNDS:-5} benchscale=${BENCH_SCALE:-10} benchidle=${BENCH_IDLE:-60} benchhold=${BENCH_HOLD:-1000x50}"
fi
which=${which:-all}
if [ "$which" = all ]; then kernels=$LAB_KERNELS; else kernels=$which; fi
# shellcheck disable=SC2086 # a list of words
lab_resolve $kernels

"$LAB_DIR/deps.sh"

if [ "$LAB_ARCH" = arm64 ]; then arch_host_kernels=${LAB_HOST_KERNELS:-6.1}; else arch_host_kernels=${LAB_HOST_KERNELS:-6.1 6.12 5.10}; fi
if [ "$LAB_ARCH" = arm64 ]; then long_churn=${LAB_LONG_CHURN_KERNELS:-}; else long_churn=${LAB_LONG_CHURN_KERNELS:-6.1}; fi
labhost=0
passed=0 failed=0
note() { # note ok|FAIL MESSAGE: an assertion made by this script (counted like check.py's)
	if [ "$1" = ok ]; then passed=$((passed + 1)); echo "ok - $2"; else failed=$((failed + 1)); echo "FAIL - $2"; fi
}

# boot OUT LABMODE RESULTS CONSOLE: one guest run; sets qrc and secs.
boot() {
	local t0
	rm -f "$3"
	t0=$(date +%s)
	set +e
	if [ "$LAB_ARCH" = arm64 ]; then
		# virt has one UART (the console); results go to a virtio console (hvc0).
		timeout "${LAB_TIMEOUT:-600}" qemu-system-aarch64 -M virt -accel tcg -cpu max,pauth-impdef=on \
			-m 1024 -smp "${LAB_SMP:-1}" -nographic -no-reboot -kernel "$1/vmlinuz" -initrd "$1/initramfs.gz" \
			-append "console=ttyAMA0 quiet panic=-1 labmode=$2 labport=hvc0 labhost=$labhost $append" \
			-serial mon:stdio -device virtio-serial-pci -chardev "file,id=results,path=$3" \
			-device virtconsole,chardev=results </dev/null >"$4" 2>&1
	else
		timeout "${LAB_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp "${LAB_SMP:-1}" \
			-nographic -no-reboot -kernel "$1/vmlinuz" -initrd "$1/initramfs.gz" \
			-append "console=ttyS0 quiet panic=-1 labmode=$2 labhost=$labhost $append" \
			-serial mon:stdio -serial "file:$3" </dev/null >"$4" 2>&1
	fi
	qrc=$?
	set -e
	secs=$(($(date +%s) - t0))
}

# kernel_packages RELEASE: "name version" of the Debian packages this guest's kernel and
# module build came from (the cached .debs, and the headers when installed).
kernel_packages() {
	local f n v list pkgs=()
	while IFS= read -r f; do
		f=${f##*/} n=${f%%_*} v=${f#*_}
		pkgs+=("$n ${v%_*}")
	done < <(find "$LAB_CACHE/debs" -maxdepth 1 -name "linux-*$1*.deb" | LC_ALL=C sort)
	v=$(dpkg-query -W -f='${Status} ${Version}' "linux-headers-$1" 2>/dev/null || true)
	case $v in "install ok installed "*) pkgs+=("linux-headers-$1 ${v##* } (installed)") ;; esac
	list=$(IFS=,; echo "${pkgs[*]:-none found in $LAB_CACHE/debs}")
	echo "${list//,/, }"
}

console_tail() { echo "--- last lines of $1:"; tail -n "${2:-40}" "$1" | tr -d '\r' | sed 's/^/  | /'; }

# section FILE HEAD: print the lines of section "@@BEGIN HEAD" (without markers).
# Every reader in a pipeline here reads to the end of its input: a reader that exits
# early (awk's exit, head, grep -q/-m) makes the writer die of SIGPIPE, and pipefail
# turns that into the script's status.
section() {
	tr -d '\r' <"$1" | awk -v h="@@BEGIN $2" '$0 == h && !done {on = 1; next} on && /^@@END / {on = 0; done = 1} on {print}'
}
# end_attr FILE HEAD KEY: value of KEY= on the @@END line of section HEAD.
end_attr() {
	tr -d '\r' <"$1" | awk -v h="@@END $2 " -v k="$3" 'index($0, h) == 1 {
		n = split($0, w, " "); for (i = 1; i <= n; i++) if (index(w[i], k "=") == 1) print substr(w[i], length(k) + 2) }'
}

timing() { # one line of guest timings from the @@TIME uptime stamps
	tr -d '\r' <"$1" | awk '$1 == "@@TIME" {t[$2] = $3}
		END {printf "boot to /init %ss", t["init"];
		     if ("fentry-end" in t) printf ", fentry %.1fs", t["fentry-end"] - t["fentry-start"];
		     if ("kprobe-end" in t) printf ", kprobe %.1fs", t["kprobe-end"] - t["kprobe-start"]}'
}

for k in $kernels; do
	kver=$(lab_kver "$k")
	short=$(lab_short "$kver")
	out=$LAB_BUILD/$kver
	mkdir -p "$out"
	echo "=== $kver ($LAB_ARCH)"
	echo "# [$short] packages: $(kernel_packages "$kver")"
	if ! "$LAB_DIR/build-guest.sh" "$kver" "$out"; then
		note FAIL "[$short] guest built: expected module, trigger and initramfs, saw a build error (above)"
		continue
	fi

	if [ "$demo" = 1 ]; then
		res=$out/demo-results.txt con=$out/demo-console.log
		boot "$out" demo "$res" "$con"
		echo "--- guest: ${secs}s, qemu exit $qrc; $(timing "$res")"
		for t in "test:insert_page procmem" "test:remap_pfn procmem"; do
			echo "--- dmabuf-trigger $t (exit $(end_attr "$res" "trigger demo $t" rc)):"
			section "$res" "trigger demo $t" | sed 's/^/  /'
		done
		if [ "$(section "$res" "ready demo" | sed -n '1s/ .*//p')" != status=ok ]; then
			echo "--- auditor never printed 'dmabuf-audit: ready':"
			section "$res" "ready demo"
		fi
		echo "--- dmabuf-audit report (stdout):"
		section "$res" "report demo"
		rc=$(end_attr "$res" "report demo" rc)
		echo "--- dmabuf-audit exit status: ${rc:-unknown}"
		# The verdict, the demo's exit status: what the triggers' oracles say is there must
		# be in the report (check_demo.py; every assertion in demo-check.log). Its one line
		# comes last: "demo: PASS: ..." or, on stderr, "demo: FAIL: expected ..., saw ...".
		set +e
		verdict=$(python3 "$LAB_DIR/check_demo.py" "$res" "$qrc" "$out/demo-check.log" 2>&1)
		vrc=$?
		set -e
		if [ "$vrc" = 0 ]; then
			echo "$verdict"
			exit 0
		fi
		console_tail "$con"
		echo "$verdict" >&2
		exit 1
	fi

	if [ "$bench" = 1 ]; then
		res=$out/bench-results.txt con=$out/bench-console.log
		boot "$out" bench "$res" "$con"
		if [ "$qrc" = 0 ] && grep -q '^@@DONE' "$res"; then
			note ok "[$short] bench guest ran to the end and powered off after ${secs}s"
		else
			note FAIL "[$short] bench guest: expected a complete run and qemu exit 0, saw exit $qrc after ${secs}s"
			console_tail "$con"
		fi
		set +e
		python3 "$LAB_DIR/bench.py" "$res" >"$out/bench.txt" 2>&1
		set -e
		sed '$d' "$out/bench.txt"
		last=$(tail -n1 "$out/bench.txt")
		if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
			passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
			echo "# [$short] bench: $last (table: $out/bench.txt)"
		else
			note FAIL "[$short] bench.py ran: expected a 'N passed, N failed' line, saw '$last'"
		fi
		continue
	fi

	# the host tests too in this test guest? (labhost=1 on its command line)
	if [ "$arch_host_kernels" = all ] || [[ " $arch_host_kernels " == *" $short "* ]]; then
		labhost=1 checkers="check check_daemon check_host"
	else
		labhost=0 checkers="check check_daemon"
		echo "# [$short] host tests not run in this guest (LAB_HOST_KERNELS: $arch_host_kernels)"
	fi
	mode='test'
	# (append: the test guest's own words; bench and demo guests went on above)
	append=
	[[ " $long_churn " == *" $short "* ]] && append="labchurn=100000"
	res=$out/results.txt con=$out/console.log
	if [ "$host" = 1 ]; then
		mode=host checkers=check_host res=$out/host-results.txt con=$out/host-console.log
	fi
	boot "$out" "$mode" "$res" "$con"
	# A kernel that panics before /init ran (no @@LAB line: nothing of ours ran yet) is
	# booted once more; measured: sid's 7.2 under TCG -smp 2 sometimes dies on an int3 left
	# by boot-time text patching. Said here, and the second boot's results are checked.
	if ! grep -q '^@@LAB' "$res" 2>/dev/null; then
		echo "# [$short] guest never reached /init ($(tr -d '\r' <"$con" | grep -E 'Kernel panic|Oops' | sed -n '1s/^\(.\{1,100\}\).*/\1/p')); booting again"
		cp "$con" "$out/console-first-boot.log"
		boot "$out" "$mode" "$res" "$con"
	fi
	# /init ends with poweroff -f and qemu runs with -no-reboot: a clean end is exit 0.
	if [ "$qrc" = 0 ]; then
		note ok "[$short] guest powered off (qemu exit 0) after ${secs}s"
	elif [ "$qrc" = 124 ]; then
		note FAIL "[$short] guest powered off: expected qemu exit 0 within ${LAB_TIMEOUT:-600}s, saw a timeout"
	else
		note FAIL "[$short] guest powered off: expected qemu exit 0, saw exit $qrc after ${secs}s"
	fi
	echo "# [$short] $(timing "$res")"
	[ "$host" = 1 ] || echo "# [$short] probe (default attach, exit $(end_attr "$res" probe-default rc)): $(section "$res" probe-default |
		awk '$3 ~ /^(fentry|kprobe|none)$/ {printf "%s%s=%s", sep, $1, $3; sep = " "} END {print ""}')"
	[ "$host" = 1 ] || echo "# [$short] kernel symbols: $(section "$res" kernel-symbols | tr '\n' ' ')"
	for checker in $checkers; do
		log=$out/$checker.log
		set +e
		python3 "$LAB_DIR/$checker.py" "$res" "$short" >"$log" 2>&1
		set -e
		if [ "${LAB_VERBOSE:-0}" = 1 ]; then
			sed '$d' "$log"
		else
			# skips are summed up per class in each mode's "# [...]" line
			sed '$d' "$log" | grep -v -e '^ok - ' -e '^skip - ' || true
		fi
		last=$(tail -n1 "$log")
		if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
			passed=$((passed + BASH_REMATCH[1]))
			failed=$((failed + BASH_REMATCH[2]))
			echo "# [$short] $checker: $last (full list: $log)"
			[ "${BASH_REMATCH[2]}" = 0 ] || console_tail "$con"
		else
			note FAIL "[$short] $checker.py ran: expected a 'N passed, N failed' line, saw '$last'"
			console_tail "$con"
		fi
	done
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
