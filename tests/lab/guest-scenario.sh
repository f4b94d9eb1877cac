#!/bin/sh
# Guest scenario (busybox sh), run by /init with fd 3 = results port (ttyS1).
#   scenario.sh test : for each attach mode, probe + report --json + every trigger
#   scenario.sh demo : human report around one violating and one compliant trigger
AUDIT=/usr/bin/dmabuf-audit
TRIGGER=/usr/bin/dmabuf-trigger
READY_WAIT=60   # seconds to wait for "dmabuf-audit: ready"
STOP_WAIT=30    # seconds to wait for the auditor to exit after SIGINT
TRIG_WAIT=60    # seconds one trigger may take

res() { printf '%s\n' "$*" >&3; }
# Stamps go to the console too, so a hung or crashed run shows how far it got.
stamp() {
	t=$(cut -d' ' -f1 /proc/uptime)
	res "@@TIME $1 $t"
	echo "lab: $1 at ${t}s"
}
# section NAME FILE [PREFIX]: emit FILE between markers (the caller writes @@END).
dump() { sed "s/^/$2/" "$1" >&3; }

# start_auditor TAG ARGS...: background auditor, outputs in /tmp/TAG.{out,err}; sets apid.
start_auditor() {
	tag=$1; shift
	"$AUDIT" "$@" >"/tmp/$tag.out" 2>"/tmp/$tag.err" &
	apid=$!
}

# wait_ready TAG: emit the ready section (status=ok|exited|timeout).
wait_ready() {
	tag=$1 i=0 status=timeout
	while [ "$i" -lt $((READY_WAIT * 5)) ]; do
		# scan-only (no live detector on this kernel) is ready too, and says why
		if grep -qE '^dmabuf-audit: (ready|scan-only)' "/tmp/$tag.err"; then status=ok; break; fi
		if ! kill -0 "$apid" 2>/dev/null; then status=exited; break; fi
		sleep 0.2
		i=$((i + 1))
	done
	res "@@BEGIN ready $tag"
	res "status=$status waited_ms=$((i * 200))"
	[ "$status" = ok ] || dump "/tmp/$tag.err" "stderr: "
	res "@@END ready $tag"
}

# stop_auditor TAG: SIGINT, bounded wait, emit report (stdout) and auditor stderr.
stop_auditor() {
	tag=$1 i=0
	kill -INT "$apid" 2>/dev/null
	while kill -0 "$apid" 2>/dev/null && [ "$i" -lt $((STOP_WAIT * 5)) ]; do
		sleep 0.2
		i=$((i + 1))
	done
	killed=no
	if kill -0 "$apid" 2>/dev/null; then
		kill -KILL "$apid"
		killed=yes
	fi
	wait "$apid"
	arc=$?
	res "@@BEGIN report $tag"
	dump "/tmp/$tag.out" ""
	res "@@END report $tag rc=$arc killed=$killed"
	res "@@BEGIN auditor-stderr $tag"
	dump "/tmp/$tag.err" ""
	res "@@END auditor-stderr $tag"
}

# trigger TAG EXPORTER PATH [SECONDS]: run one trigger, emit its stdout/stderr/exit code.
trigger() {
	timeout "${4:-$TRIG_WAIT}" "$TRIGGER" "$2" "$3" >/tmp/t.out 2>/tmp/t.err
	trc=$?
	res "@@BEGIN trigger $1 $2 $3"
	dump /tmp/t.out "stdout: "
	dump /tmp/t.err "stderr: "
	res "@@END trigger $1 $2 $3 rc=$trc"
}

# start_holders MODE: mappings made before the auditor starts (only the scan sees
# them); each holder prints its oracle line, then sleeps with the buffer mapped.
start_holders() {
	holders=""
	for e in test:insert_page test:remap_pfn; do
		f=/tmp/hold-$(echo "$e" | tr ':' '_')
		"$TRIGGER" "$e" hold >"$f.out" 2>"$f.err" &
		holders="$holders $!"
		i=0
		while [ ! -s "$f.out" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	done
}

stop_holders() {
	m=$1
	# shellcheck disable=SC2086 # a list of pids
	kill $holders 2>/dev/null
	wait $holders 2>/dev/null
	for e in test:insert_page test:remap_pfn; do
		f=/tmp/hold-$(echo "$e" | tr ':' '_')
		res "@@BEGIN hold $m $e"
		dump "$f.out" "stdout: "
		dump "$f.err" "stderr: "
		res "@@END hold $m $e"
	done
}

run_mode() {
	m=$1
	stamp "$m-start"
	start_holders
	res "@@BEGIN probe $m"
	"$AUDIT" probe --attach="$m" >/tmp/probe.out 2>&1
	prc=$?
	dump /tmp/probe.out ""
	res "@@END probe $m rc=$prc"

	# report and watch side by side: two auditors on the same hooks, and the
	# live stream must add up to the report's counts (check.py).
	start_auditor "$m" report --json --attach="$m"
	rpid=$apid
	start_auditor "$m-watch" watch --json --attach="$m"
	wpid=$apid
	apid=$rpid wait_ready "$m"
	apid=$wpid wait_ready "$m-watch"
	stamp "$m-ready"
	for e in test:insert_page test:fault_page test:mixedmap test:remap_pfn test:insert_pfn \
		test:swap_file; do
		for p in mmap procmem vm_readv iouring import vmsplice; do trigger "$m" "$e" "$p"; done
	done
	# vm_file swapped, then the vma split: the upper half is a new vma (vm_area_dup)
	trigger "$m" test:swap_file split
	trigger "$m" test:insert_page split
	for e in vgem udmabuf heap; do
		for p in mmap procmem vm_readv iouring vmsplice; do trigger "$m" "$e" "$p"; done
	done
	stamp "$m-repeat"
	trigger "$m" test:insert_page repeat 600
	trigger "$m" test:remap_pfn repeat 600
	stamp "$m-triggered"
	sleep 1.5 # one watch tick: counts grown since the last tick are printed
	apid=$wpid stop_auditor "$m-watch"
	apid=$rpid stop_auditor "$m"
	stop_holders "$m"
	stamp "$m-end"
}

# run_pid_filter MODE: `watch -p PID` must show that process only. The target
# trigger is started first, blocked on a fifo, so its pid is known before the
# filtered watch attaches; a second trigger runs meanwhile as noise.
run_pid_filter() {
	m=$1
	rm -f /tmp/go && mkfifo /tmp/go
	# shellcheck disable=SC2016 # $0 expands in the child shell
	sh -c 'read -r _ </tmp/go; exec "$0" test:insert_page mmap' "$TRIGGER" \
		>/tmp/pf-target.out 2>&1 &
	target=$!
	start_auditor "$m-pid" watch --json -p "$target" --attach="$m"
	wait_ready "$m-pid"
	trigger "$m-pid" test:insert_page mmap
	echo go >/tmp/go
	wait "$target"
	trc=$?
	res "@@BEGIN pidfilter $m"
	res "target=$target rc=$trc"
	dump /tmp/pf-target.out "target: "
	res "@@END pidfilter $m"
	stop_auditor "$m-pid"
}

# demo: one mapping made before the auditor (the scan reports it), then a violating
# and a compliant exporter read through /proc/self/mem while it watches.
run_demo() {
	"$TRIGGER" test:fault_page hold >/tmp/hold-demo.out 2>&1 &
	hpid=$!
	i=0
	while [ ! -s /tmp/hold-demo.out ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	start_auditor demo report
	wait_ready demo
	trigger demo test:insert_page procmem
	trigger demo test:remap_pfn procmem
	stop_auditor demo
	kill "$hpid"
	wait "$hpid" 2>/dev/null
}

case ${1:-test} in
test) for m in fentry kprobe; do run_mode "$m" && run_pid_filter "$m"; done ;;
demo) run_demo ;;
*) res "@@ERROR unknown scenario $1" ;;
esac
