#!/bin/sh
# The benchmark of `make bench` (labmode=bench), sourced by scenario.sh (busybox sh, fd 3 =
# results port). One boot, four conditions interleaved round by round:
#   none    nothing attached
#   floor   empty fentry/fexit programs on exactly the hooks the auditor attaches here
#           (read from the auditor's own BPF links: bench-bpf links, then bench-bpf floor)
#   watch   dmabuf-audit watch --json
#   daemon  dmabuf-audit daemon (textfile + JSON file)
# and every op of dmabuf-bench under each. Then, with kernel.bpf_stats_enabled=1, the cost
# per call of every program (auditor and empty program on the same hook, per op); the
# daemon's idle CPU and wakeups; the scan of many processes (time to ready with and without
# them). tests/lab/bench.py turns the lines into the table.
# Kernel command line: benchrounds=N (5), benchscale=N (iterations x N, 10),
# benchidle=SEC (60), benchhold=PROCSxVMAS (1000x50).
BENCH=/usr/bin/dmabuf-bench
BPFB=/usr/bin/bench-bpf
BENCH_OPS="gup_slow_anon gup_fast_anon fault_anon fault_file mmap_munmap fork
dmabuf_insert_page dmabuf_insert_pages dmabuf_fault_page dmabuf_remap_pfn
gup_dmabuf_violating gup_dmabuf_compliant"
BENCH_CONDS="none floor watch daemon"

# bench_arg NAME DEFAULT: NAME=value from the kernel command line
bench_arg() {
	read -r cmdline </proc/cmdline
	for a in $cmdline; do
		case $a in "$1"=*) echo "${a#*=}"; return ;; esac
	done
	echo "$2"
}

# op_iters OP: iterations at scale 1 (each op a fraction of a second under TCG)
op_iters() {
	case $1 in
	mmap_munmap | gup_dmabuf_compliant) echo 200 ;;
	*) echo 20 ;;
	esac
}

berr() { res "error $*"; echo "lab: bench: $*"; }

# gone PID: the process has exited (reaped, or a zombie of an orphan not reaped yet)
gone() {
	[ -e "/proc/$1/stat" ] || return 0
	case $(cut -d')' -f2 "/proc/$1/stat" 2>/dev/null) in " Z"* | "") return 0 ;; esac
	return 1
}

# stop_pid PID: SIGINT, up to 30 s, then SIGKILL
stop_pid() {
	kill -INT "$1" 2>/dev/null
	i=0
	while ! gone "$1" && [ "$i" -lt 150 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	gone "$1" || { berr "pid $1 did not exit 30 s after SIGINT"; kill -KILL "$1" 2>/dev/null; }
}

# start_cond COND ROUND: start what the condition runs; sets cpid (0 for none)
start_cond() {
	cpid=0
	case $1 in
	none) return 0 ;;
	floor)
		# shellcheck disable=SC2086 # a list of words
		"$BPFB" floor $FLOOR_SPECS >/tmp/bench-floor.out 2>/tmp/bench-floor.err &
		cpid=$!
		i=0
		until grep -q '^floor attached' /tmp/bench-floor.out 2>/dev/null; do
			if gone "$cpid" || [ "$i" -ge 300 ]; then
				berr "floor did not attach: $(head -c 300 /tmp/bench-floor.err)"
				return 1
			fi
			sleep 0.1
			i=$((i + 1))
		done
		return 0
		;;
	watch) set -- watch "$2" "$AUDIT" watch --json ;;
	daemon)
		mkdir -p /tmp/bench-tf
		set -- daemon "$2" "$AUDIT" daemon --textfile-dir /tmp/bench-tf --json-file /tmp/bench-daemon.json
		;;
	esac
	cond=$1 round=$2
	shift 2
	if ! out=$("$BENCH" spawn "/tmp/bench-$cond.out" "/tmp/bench-$cond.err" "$@"); then
		berr "$cond did not get ready: $out: $(head -c 300 "/tmp/bench-$cond.err")"
		cpid=$(echo "$out" | sed -n 's/^pid=\([0-9]*\).*/\1/p')
		[ -z "$cpid" ] || stop_pid "$cpid"
		cpid=0
		return 1
	fi
	cpid=$(echo "$out" | sed -n 's/^pid=\([0-9]*\).*/\1/p')
	res "ready cond=$cond round=$round ${out#pid=* }"
}

# stop_cond COND ROUND: the condition's RSS, then stop it
stop_cond() {
	[ "$cpid" != 0 ] || return 0
	case $1 in watch | daemon) res "rss cond=$1 round=$2 $("$BENCH" rss "$cpid" | sed 's/^pid=[0-9]* //')" ;; esac
	stop_pid "$cpid"
	grep -q 'rc=\|error\|warning' "/tmp/bench-$1.err" 2>/dev/null && dump "/tmp/bench-$1.err" "stderr cond=$1: "
	rm -f /tmp/bench-*.out /tmp/bench-daemon.json
	cpid=0
}

# run_op COND ROUND OP: one timed run
run_op() {
	n=$(($(op_iters "$3") * BENCH_SCALE))
	if out=$("$BENCH" "$3" -n "$n" 2>/tmp/bench-op.err); then
		res "bench round=$2 cond=$1 $out"
	else
		berr "op $3 under $1 failed: $(head -c 300 /tmp/bench-op.err)"
	fi
}

# warm_op OP: a quarter of the timed run, not recorded
warm_op() { "$BENCH" "$1" -n $(($(op_iters "$1") * BENCH_SCALE / 4 + 1)) >/dev/null 2>&1; }

# rotate WORDS...: the words, first moved to the end (interleaves the conditions' order)
rotate() { first=$1; shift; echo "$* $first"; }

# program costs: per op, the run_cnt/run_time_ns deltas of every tracing link
bench_links() { "$BPFB" links 2>/dev/null | grep ' attach=f' >"$1"; }
prog_deltas() { # COND OP BEFORE AFTER
	awk -v cond="$1" -v op="$2" '
		function kv(s, k,   i) { i = index(s, " " k "="); if (!i) return ""; s = substr(s, i + length(k) + 2); sub(/ .*/, "", s); return s }
		FNR == NR { c[kv($0, "id")] = kv($0, "run_cnt"); t[kv($0, "id")] = kv($0, "run_time_ns"); next }
		{ id = kv($0, "id"); dc = kv($0, "run_cnt") - c[id]; dt = kv($0, "run_time_ns") - t[id]
		  printf "prog cond=%s op=%s name=%s attach=%s btf=%s calls=%d ns=%d\n", cond, op, kv($0, "name"), kv($0, "attach"), kv($0, "btf"), dc, dt }' "$3" "$4" >&3
}

bench_progs() {
	"$BPFB" stats on || { berr "kernel.bpf_stats_enabled cannot be set"; return; }
	for c in floor watch; do
		start_cond "$c" stats || continue
		for op in $BENCH_OPS; do
			bench_links /tmp/bl.before
			run_op "$c" stats "$op"
			bench_links /tmp/bl.after
			prog_deltas "$c" "$op" /tmp/bl.before /tmp/bl.after
		done
		stop_cond "$c" stats
	done
	"$BPFB" stats off
}

# the daemon with nothing happening: CPU ticks and context switches over BENCH_IDLE seconds
bench_idle() {
	start_cond daemon idle || return
	sleep 2
	a=$("$BENCH" cpu "$cpid") && sleep "$BENCH_IDLE" && b=$("$BENCH" cpu "$cpid") &&
		res "idle secs=$BENCH_IDLE before: ${a#pid=* } after: ${b#pid=* }"
	stop_cond daemon idle
}

# the scan: time to ready of watch with PROCS x VMAS extra processes, and without,
# alternately, three times each (bench.py takes the medians)
bench_scan() {
	procs=${BENCH_HOLD%x*} vmas=${BENCH_HOLD#*x}
	for h in 0 1 0 1 0 1; do
		hpid=
		if [ "$h" = 1 ]; then
			"$BENCH" hold "$procs" "$vmas" >/tmp/bench-hold.out 2>/tmp/bench-hold.err &
			hpid=$!
			i=0
			until grep -q '^held' /tmp/bench-hold.out 2>/dev/null; do
				if gone "$hpid" || [ "$i" -ge 1200 ]; then
					berr "hold $BENCH_HOLD: $(head -c 300 /tmp/bench-hold.err)"
					kill -TERM "$hpid" 2>/dev/null
					return
				fi
				sleep 0.1
				i=$((i + 1))
			done
		fi
		if out=$("$BENCH" spawn /tmp/bench-scan.out /tmp/bench-scan.err "$AUDIT" watch --json); then
			spid=$(echo "$out" | sed -n 's/^pid=\([0-9]*\).*/\1/p')
			if [ "$h" = 1 ]; then res "scan procs=$procs vmas=$vmas ${out#pid=* }"; else res "scan procs=0 vmas=0 ${out#pid=* }"; fi
			stop_pid "$spid"
		else
			berr "scan: watch did not get ready: $out"
		fi
		if [ -n "$hpid" ]; then
			kill -TERM "$hpid"
			wait "$hpid"
		fi
	done
}

run_bench() {
	BENCH_ROUNDS=$(bench_arg benchrounds 5)
	BENCH_SCALE=$(bench_arg benchscale 10)
	BENCH_IDLE=$(bench_arg benchidle 60)
	BENCH_HOLD=$(bench_arg benchhold 1000x50)
	stamp bench-start
	res "@@BEGIN bench-info"
	res "kernel=$(uname -r) machine=$(uname -m) cpus=$(nproc) rounds=$BENCH_ROUNDS scale=$BENCH_SCALE idle=$BENCH_IDLE hold=$BENCH_HOLD audit_bytes=$(wc -c <"$AUDIT")"
	res "@@END bench-info"

	# the hook set of the floor: what the auditor attached, link by link
	res "@@BEGIN bench-hooks"
	FLOOR_SPECS=
	if start_cond watch hooks; then
		"$BPFB" links >/tmp/bench-links 2>&1
		dump /tmp/bench-links ""
		FLOOR_SPECS=$(awk '
			function kv(k,   i) { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
			$1 == "link" && kv("attach") ~ /^f(entry|exit)$/ { printf "%s:%s:%s ", kv("attach"), kv("obj"), kv("btf") }' /tmp/bench-links)
		stop_cond watch hooks
	fi
	res "@@END bench-hooks"
	[ -n "$FLOOR_SPECS" ] || berr "no fentry/fexit link of the auditor: the floor has no hook set"

	res "@@BEGIN bench-rounds"
	conds=$BENCH_CONDS
	r=1
	while [ "$r" -le "$BENCH_ROUNDS" ]; do
		for c in $conds; do
			if start_cond "$c" "$r"; then
				# untimed first: attaching rewrites kernel text, and TCG then translates
				# the code of every path again (measured: the first run after a start
				# was up to twice as slow)
				for op in $BENCH_OPS; do warm_op "$op"; done
				for op in $BENCH_OPS; do run_op "$c" "$r" "$op"; done
			fi
			stop_cond "$c" "$r"
		done
		# shellcheck disable=SC2086 # a list of words
		conds=$(rotate $conds)
		r=$((r + 1))
	done
	res "@@END bench-rounds"
	stamp bench-rounds

	res "@@BEGIN bench-extra"
	bench_progs
	bench_idle
	bench_scan
	res "@@END bench-extra"
	stamp bench-end
}
