#!/bin/sh
# Guest scenario (busybox sh), run by /init with fd 3 = results port (ttyS1).
#   scenario.sh test : for each attach mode, probe + report --json + every trigger
#   scenario.sh demo : human report around one violating and one compliant trigger
#   scenario.sh host : the host tests (tests/host) against this kernel (guest-host.sh)
#   scenario.sh bench: the benchmark of `make bench` (guest-bench.sh)
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
# timed_out WHAT: a wait ran out of time. The checkers FAIL on every @@TIMEOUT line: a
# wait that times out is never a pass, whatever follows it.
timed_out() { res "@@TIMEOUT $*"; }

# prog_misses PID: the kernel's own count of hook calls it ran none of that process's BPF
# programs for (recursion_misses in the fdinfo of its program fds, 5.12+; "none" where the
# kernel has no such line). The checkers' bound for exact counts: the auditor cannot see
# what the kernel did not run it for, and must not hide it either.
prog_misses() {
	cat "/proc/$1/fdinfo/"* 2>/dev/null |
		awk '/^recursion_misses:/ { n++; s += $2 } END { if (n) print s; else print "none" }'
}

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
		if grep -sqE '^dmabuf-audit: (ready|scan-only)' "/tmp/$tag.err"; then status=ok; break; fi
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
# TRIG_AS: another name for the trigger binary (its comm), e.g. for suppressions.
# TRIG_OPTS: options before EXPORTER (--as UID:GID --cgroup DIR); TRIG_ARGS: after PATH.
trigger() {
	# shellcheck disable=SC2086 # TRIG_OPTS and TRIG_ARGS are word lists
	timeout "${4:-$TRIG_WAIT}" "${TRIG_AS:-$TRIGGER}" ${TRIG_OPTS:-} "$2" "$3" ${TRIG_ARGS:-} \
		>/tmp/t.out 2>/tmp/t.err
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
		wait_file_has "$f.out" exporter_arg 1 30 || timed_out "holder $e: no oracle line in 30 s"
	done
}

stop_holders() {
	m=$1
	# shellcheck disable=SC2086 # a list of pids
	kill $holders 2>/dev/null
	# shellcheck disable=SC2086 # a list of pids
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
	# live stream must add up to the report's counts (check.py). The report attaches
	# first, then watch: two auditors' probes on one function run in attach order, so
	# which of them a kernel limit hits (a return address already replaced by the other's
	# kretprobe, a vma lookup refused while the other's unlock is queued) is the same in
	# every run.
	start_auditor "$m" report --json --attach="$m"
	rpid=$apid
	wait_ready "$m"
	start_auditor "$m-watch" watch --json --attach="$m"
	wpid=$apid
	wait_ready "$m-watch"
	stamp "$m-ready"
	for e in test:insert_page test:insert_pages test:fault_page test:mixedmap test:remap_pfn \
		test:insert_pfn test:swap_file; do
		for p in mmap procmem vm_readv iouring import vmsplice; do trigger "$m" "$e" "$p"; done
	done
	# the vma split (mprotect: the upper half is a new vma, vm_area_dup), copied by fork
	# (the child's GUP), moved by mremap (GUP at the new address); vm_file swapped too
	for e in test:swap_file test:insert_page test:remap_pfn; do
		for p in split fork mremap; do trigger "$m" "$e" "$p"; done
	done
	# kernel code resolving the pfn of a compliant mapping (the module, as KVM does)
	for e in test:remap_pfn test:insert_pfn; do trigger "$m" "$e" pfn_lookup; done
	# the GUP from a second thread (tid != pid); another uid in its own cgroup
	trigger "$m" test:insert_page thread
	TRIG_OPTS="--as 1000:1000 --cgroup $LAB_CGROUP" trigger "$m-user" test:insert_page procmem
	for e in vgem udmabuf heap; do
		for p in mmap procmem vm_readv iouring vmsplice; do trigger "$m" "$e" "$p"; done
	done
	stamp "$m-repeat"
	trigger "$m" test:insert_page repeat 600
	trigger "$m" test:remap_pfn repeat 600
	stamp "$m-triggered"
	res "@@BEGIN misses $m"
	res "report $(prog_misses "$rpid")"
	res "watch $(prog_misses "$wpid")"
	res "@@END misses $m"
	# (watch drains its ring buffer and prints the grown counts when it stops)
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

# run_flood: the ring buffer overflows on purpose. The auditor is stopped (SIGSTOP) while
# FLOOD_N distinct violating mappings are made, more events than its ring buffer holds;
# the BPF counters must stay exact and every event that did not fit must be counted as
# ringbuf_lost (check.py: itemised + lost = FLOOD_N).
FLOOD_N=3000
run_flood() {
	start_auditor flood report --json
	wait_ready flood
	kill -STOP "$apid"
	TRIG_ARGS=$FLOOD_N trigger flood test:fault_page flood
	kill -CONT "$apid"
	stop_auditor flood
}

# demo: one mapping made before the auditor (the scan reports it), then a violating
# and a compliant exporter read through /proc/self/mem while it watches. The holder's
# oracle line goes to the results too (run.sh's verdict, check_demo.py, needs it).
run_demo() {
	"$TRIGGER" test:fault_page hold >/tmp/hold-demo.out 2>/tmp/hold-demo.err &
	hpid=$!
	wait_file_has /tmp/hold-demo.out exporter_arg 1 30 ||
		timed_out "demo holder test:fault_page: no oracle line in 30 s"
	start_auditor demo report
	wait_ready demo
	trigger demo test:insert_page procmem
	trigger demo test:remap_pfn procmem
	stop_auditor demo
	kill "$hpid"
	wait "$hpid" 2>/dev/null
	res "@@BEGIN hold demo test:fault_page"
	dump /tmp/hold-demo.out "stdout: "
	dump /tmp/hold-demo.err "stderr: "
	res "@@END hold demo test:fault_page"
}

# ---- the daemon (issue: daemon, textfile, notify) ----
DAEMON_CONF=/etc/dmabuf-audit/dmabuf-audit.conf
TF=/tmp/tf

# wait_file_has FILE PATTERN COUNT SECONDS: until grep -c PATTERN FILE >= COUNT;
# 1 when SECONDS passed first.
wait_file_has() {
	i=0
	while [ "$(grep -c "$2" "$1" 2>/dev/null || true)" -lt "$3" ]; do
		[ "$i" -ge $(($4 * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}

# wait_textfile_after T: until the daemon wrote the textfile at or after unix second T+1,
# so that it holds everything that happened before T (events drain before each write).
# A @@TIMEOUT line after 30 s.
wait_textfile_after() {
	i=0
	while [ "$i" -lt 300 ]; do
		t=$(awk '$1 == "dmabuf_audit_last_update_timestamp_seconds" {printf "%d", $2}' \
			"$TF/dmabuf_audit.prom" 2>/dev/null)
		[ -n "$t" ] && [ "$t" -gt "$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	timed_out "textfile written after unix time $1 (30 s)"
	return 1
}

# listdir DIR PREFIX: every entry of DIR, hidden ones too, one per line.
listdir() {
	for f in "$1"/* "$1"/.[!.]*; do
		[ -e "$f" ] && res "$2${f##*/}"
	done
}

# textfile TAG [DIR]: the textfile in DIR ($TF) as it is now, and what else is in DIR.
textfile() {
	res "@@BEGIN textfile $1"
	dump "${2:-$TF}/dmabuf_audit.prom" ""
	res "@@END textfile $1"
	res "@@BEGIN tfdir $1"
	listdir "${2:-$TF}" ""
	res "@@END tfdir $1"
}

run_daemon() {
	stamp daemon-start
	mkdir -p /etc/dmabuf-audit /run "$TF"
	mount -t tmpfs -o size=256k tmpfs "$TF"
	ln -sf dmabuf-trigger /usr/bin/noisy-client
	cat >"$DAEMON_CONF" <<-EOF
		# the lab's daemon: a board's setup with a short interval
		[daemon]
		textfile-dir = $TF
		interval = 1
		json-file = /tmp/daemon.json
		pidfile = /run/dmabuf-audit.pid

		[suppress]
		comm = noisy-*
	EOF
	rm -f /tmp/notify.log
	"$TRIGGER" notify-listen /tmp/notify.sock /tmp/notify.log >/tmp/nl.out 2>&1 &
	nlpid=$!
	wait_file_has /tmp/nl.out listening 1 10 || timed_out "notify listener: not listening in 10 s"
	NOTIFY_SOCKET=/tmp/notify.sock WATCHDOG_USEC=1000000 "$AUDIT" daemon \
		>/tmp/daemon.out 2>/tmp/daemon.err &
	dpid=$!
	wait_file_has /tmp/notify.log '^READY=1' 1 "$READY_WAIT" || timed_out "daemon: no READY=1 in ${READY_WAIT} s"
	res "@@BEGIN daemon-ready"
	res "pid=$dpid pidfile=$(cat /run/dmabuf-audit.pid 2>/dev/null)"
	grep '^Cap' "/proc/$dpid/status" >&3
	dump /tmp/notify.log "notify: "
	res "@@END daemon-ready"
	stamp daemon-ready

	# planted right after READY=1: everything must be attached by then; the holder's
	# findings stay tracked while it runs, and are pruned once it is gone
	"$TRIGGER" test:insert_page hold >/tmp/hold-daemon.out 2>/tmp/hold-daemon.err &
	hpid=$!
	wait_file_has /tmp/hold-daemon.out exporter_arg 1 30 || timed_out "daemon holder: no oracle line in 30 s"
	trigger daemon test:insert_page mmap
	trigger daemon test:remap_pfn mmap
	TRIG_AS=/usr/bin/noisy-client trigger daemon-noisy test:insert_page mmap
	wait_textfile_after "$(date +%s)"
	textfile 1
	kill "$hpid"
	wait "$hpid" 2>/dev/null
	res "@@BEGIN hold daemon"
	dump /tmp/hold-daemon.out "stdout: "
	dump /tmp/hold-daemon.err "stderr: "
	res "@@END hold daemon"

	# log rotation and a new rule: SIGHUP
	mv /tmp/daemon.json /tmp/daemon.json.1
	cat >>"$DAEMON_CONF" <<-EOF

		[suppress]
		exporter = test_insert*
		kind = page_insert_on_dmabuf
	EOF
	kill -HUP "$dpid"
	wait_file_has /tmp/notify.log '^READY=1' 2 30 || timed_out "daemon: no READY=1 after SIGHUP in 30 s"
	trigger daemon-hup test:insert_page mmap
	wait_textfile_after "$(date +%s)"
	textfile 2

	# a full textfile dir, then a read-only one: errors, and the last good file stays.
	# Each step waits for the daemon's own line about it (never for a length of time).
	dd if=/dev/zero of="$TF/fill" bs=4096 2>/dev/null
	wait_file_has /tmp/daemon.err 'No space left on device' 1 30 ||
		timed_out "daemon: no 'No space left on device' line in 30 s"
	textfile full
	rm -f "$TF/fill"
	wait_file_has /tmp/daemon.err 'written again' 1 30 || timed_out "daemon: no 'written again' line in 30 s"
	mount -o remount,ro "$TF"
	wait_file_has /tmp/daemon.err 'Read-only file system' 1 30 ||
		timed_out "daemon: no 'Read-only file system' line in 30 s"
	textfile ro
	mount -o remount,rw "$TF"
	wait_file_has /tmp/daemon.err 'written again' 2 30 || timed_out "daemon: no second 'written again' line in 30 s"
	wait_textfile_after "$(date +%s)"

	kill -TERM "$dpid"
	i=0
	while kill -0 "$dpid" 2>/dev/null && [ "$i" -lt $((STOP_WAIT * 5)) ]; do
		sleep 0.2
		i=$((i + 1))
	done
	kill -KILL "$dpid" 2>/dev/null
	wait "$dpid"
	drc=$?
	kill "$nlpid"
	wait "$nlpid" 2>/dev/null
	textfile final
	res "@@BEGIN daemon-end"
	res "rc=$drc pidfile_left=$([ -e /run/dmabuf-audit.pid ] && echo yes || echo no)"
	dump /tmp/notify.log "notify: "
	res "@@END daemon-end"
	for f in daemon.json.1 daemon.json daemon.out daemon.err; do
		res "@@BEGIN daemon-file $f"
		dump "/tmp/$f" ""
		res "@@END daemon-file $f"
	done

	# start-up errors: missing and read-only before any BPF is loaded; full at the first
	# write, after attach. One error line, nothing written.
	mkdir -p /tmp/ro /tmp/full && mount -t tmpfs -o ro tmpfs /tmp/ro
	mount -t tmpfs -o size=64k tmpfs /tmp/full
	dd if=/dev/zero of=/tmp/full/fill bs=4096 2>/dev/null
	for d in /nonexistent /tmp/ro /tmp/full; do
		timeout 60 "$AUDIT" daemon --textfile-dir "$d" --json-file /dev/null \
			>/tmp/de.out 2>/tmp/de.err
		rc=$?
		res "@@BEGIN daemon-error $d"
		dump /tmp/de.err "stderr: "
		[ -d "$d" ] && listdir "$d" "file: "
		res "@@END daemon-error $d rc=$rc"
	done
	umount /tmp/ro /tmp/full
	umount "$TF"
	stamp daemon-end
}

# run_daemon_churn PATH: one long-lived process maps the buffer CHURN_N times (three
# findings each: more than the daemon's 16384-finding table, and faster than it drains
# the ring buffer under TCG): churn one mapping after another (findings of gone vmas
# forgotten), hoard all of them alive at once (the table fills: findings not itemised
# are counted from their BPF dedup entries). The final textfile's counts must be the
# trigger's exactly, lost events counted by BPF.
CHURN_N=6000
run_daemon_churn() {
	p=$1
	n=$CHURN_N
	# churn: 100,000 mappings where run.sh asks (labchurn=N: LAB_LONG_CHURN_KERNELS)
	w=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^labchurn=//p')
	[ "$p" = churn ] && [ -n "$w" ] && n=$w
	stamp "$p-start"
	rm -rf /tmp/tfc && mkdir -p /tmp/tfc
	# no suppressions: every count is the trigger's. hoard: a small finding table, so
	# that the events that reach the daemon overflow it (the ring buffer drops most of
	# them under TCG); churn keeps the default (gone vmas are forgotten: never full).
	echo '[daemon]' >/tmp/churn.conf
	[ "$p" = hoard ] && echo 'max-findings = 1000' >>/tmp/churn.conf
	"$AUDIT" daemon --config /tmp/churn.conf --textfile-dir /tmp/tfc --interval 1 \
		--json-file /tmp/churn.json >/tmp/churn.out 2>/tmp/churn.err &
	cpid=$!
	wait_file_has /tmp/churn.err 'daemon running' 1 "$READY_WAIT" ||
		timed_out "$p daemon: no 'daemon running' line in ${READY_WAIT} s"
	TRIG_ARGS=$n trigger "daemon-$p" test:insert_page "$p" 400
	kill -TERM "$cpid"
	wait "$cpid"
	crc=$?
	textfile "$p" /tmp/tfc
	res "@@BEGIN daemon-$p-end"
	res "rc=$crc json_lines=$(wc -l </tmp/churn.json)"
	dump /tmp/churn.err "stderr: "
	res "@@END daemon-$p-end"
	stamp "$p-end"
}

# run_storm: issue 13's event storm under the daemon: STORM_SECS seconds of the
# trigger's storm (two processes of three threads: inserts, slow GUP, faults, as fast as
# the guest goes). The final textfile's counts must be the trigger's own, whatever the
# ring buffer dropped; the daemon's RSS is read at ready and right after the storm.
STORM_SECS=10
run_storm() {
	stamp storm-start
	rm -rf /tmp/tfs && mkdir -p /tmp/tfs
	echo '[daemon]' >/tmp/storm.conf
	"$AUDIT" daemon --config /tmp/storm.conf --textfile-dir /tmp/tfs --interval 1 \
		--json-file /tmp/storm.json >/tmp/storm.out 2>/tmp/storm.err &
	spid=$!
	wait_file_has /tmp/storm.err 'daemon running' 1 "$READY_WAIT" ||
		timed_out "storm daemon: no 'daemon running' line in ${READY_WAIT} s"
	rss0=$(sed -n 's/^VmRSS:[^0-9]*\([0-9]*\) kB/\1/p' "/proc/$spid/status")
	# a second daemon, stopped by SIGTERM in the middle of the storm, while it writes
	# JSON lines and textfiles as fast as findings come: whole lines, a whole textfile
	rm -rf /tmp/tft && mkdir -p /tmp/tft
	"$AUDIT" daemon --config /tmp/storm.conf --textfile-dir /tmp/tft --interval 1 \
		--json-file /tmp/storm-term.json >/dev/null 2>/tmp/storm-term.err &
	tpid=$!
	wait_file_has /tmp/storm-term.err 'daemon running' 1 "$READY_WAIT" ||
		timed_out "storm-term daemon: no 'daemon running' line in ${READY_WAIT} s"
	(sleep $((STORM_SECS / 2)) && kill -TERM "$tpid") &
	killer=$!
	TRIG_ARGS=$STORM_SECS trigger daemon-storm test:insert_page storm $((STORM_SECS + 120))
	wait "$killer"
	wait "$tpid"
	trc=$?
	textfile storm-term /tmp/tft
	res "@@BEGIN daemon-storm-term"
	# every line one JSON object, the file ending with a newline
	last=$(tail -c 1 /tmp/storm-term.json | od -An -tx1 | tr -d ' ')
	res "rc=$trc json_lines=$(wc -l </tmp/storm-term.json) bad_lines=$(grep -cv '^{.*}$' /tmp/storm-term.json) last_byte=${last:-none}"
	dump /tmp/storm-term.err "stderr: "
	res "@@END daemon-storm-term"
	hwm=$(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\) kB/\1/p' "/proc/$spid/status")
	rss=$(sed -n 's/^VmRSS:[^0-9]*\([0-9]*\) kB/\1/p' "/proc/$spid/status")
	kill -TERM "$spid"
	wait "$spid"
	src=$?
	textfile storm /tmp/tfs
	res "@@BEGIN daemon-storm-end"
	res "rc=$src ready_rss_kb=$rss0 rss_kb=$rss hwm_kb=$hwm json_lines=$(wc -l </tmp/storm.json)"
	dump /tmp/storm.err "stderr: "
	res "@@END daemon-storm-end"
	stamp storm-end
}

# run_crowd: a process maps a violating buffer, then CROWD_N children map a compliant one
# each and exit, one after another: each exit_mmap forgets an address space that mapped a
# dma-buf. The first process's vmsplice (GUP-fast) after them must still be reported: the
# cleanup forgets the gone ones only. (It cannot show an LRU eviction: the slab gives the
# children's mm_structs back the same few addresses, so the table never fills here.)
CROWD_N=500
run_crowd() {
	stamp crowd-start
	start_auditor crowd report --json
	wait_ready crowd
	TRIG_ARGS=$CROWD_N trigger crowd test:swap_file crowd
	stop_auditor crowd
	stamp crowd-end
}

# report --fail-on: the same compliant GUP (gup_blocked warnings, no violation) under
# both settings, side by side.
run_fail_on() {
	start_auditor fail-warning report --json --fail-on warning
	wpid=$apid
	start_auditor fail-default report --json
	dpid=$apid
	apid=$wpid wait_ready fail-warning
	apid=$dpid wait_ready fail-default
	trigger fail-on test:remap_pfn procmem
	apid=$dpid stop_auditor fail-default
	apid=$wpid stop_auditor fail-warning
}

# run_huge TAG [ATTACH]: 2 MiB PMD entries in dma-buf mappings (the huge-entry detector), in a
# report of their own: test:huge_pfn (VM_PFNMAP, the kernel marks its entries special from
# 6.12) and test:huge_page (entries never special; 7.2: a folio in a vma without VM_PFNMAP).
# Each trigger's oracle line carries the module's own count of the entries it installed and
# of their special bits (check.py check_huge). Run with the default attach and with kprobes.
run_huge() {
	stamp "$1-start"
	start_auditor "$1" report --json ${2:+--attach=$2}
	wait_ready "$1"
	for e in test:huge_pfn test:huge_page; do trigger "$1" "$e" huge; done
	stop_auditor "$1"
	stamp "$1-end"
}

# run_late: the exporter module loaded after the auditors started (issue 13 item 3), as a
# driver loaded after the daemon on a board: report, watch and the daemon start while
# dmabuf_test_exporter is unloaded, then it is loaded and a violating trigger runs. Its
# mmap op and the exporter frames of each stack must be named in the module (check.py,
# against the module's symbols in /proc/kallsyms after the load: late-kallsyms), never
# after a neighbour, and no output may hold a raw kernel address.
# unload_test_module TAG: rmmod dmabuf_test_exporter, retried for 10 s (the last
# triggers' buffers may still be released); section TAG says whether it is still loaded.
unload_test_module() {
	i=0
	until rmmod dmabuf_test_exporter 2>/tmp/rmmod.err; do
		[ "$i" -ge 50 ] && break
		sleep 0.2
		i=$((i + 1))
	done
	res "@@BEGIN $1"
	dump /tmp/rmmod.err "stderr: "
	res "loaded=$(grep -c '^dmabuf_test_exporter ' /proc/modules)"
	res "@@END $1"
}

run_late() {
	stamp late-start
	unload_test_module late-rmmod
	: >/tmp/late.conf
	start_auditor late report --json
	rpid=$apid
	wait_ready late
	start_auditor late-watch watch --json
	wpid=$apid
	wait_ready late-watch
	# the daemon: JSON on stdout, no textfile; it drops its capabilities once ready
	start_auditor late-daemon daemon --config /tmp/late.conf --textfile-dir '' --interval 1
	dpid=$apid
	wait_ready late-daemon
	stamp late-ready
	insmod /lib/modules/dmabuf_test_exporter.ko 2>/tmp/insmod.err
	irc=$?
	res "@@BEGIN late-insmod"
	dump /tmp/insmod.err "stderr: "
	res "@@END late-insmod rc=$irc"
	# the expectations: the module's text symbols as the kernel names them now
	res "@@BEGIN late-kallsyms"
	grep -E '^[0-9a-f]+ [tTwW] .*\[dmabuf_test_exporter\]' /proc/kallsyms >&3
	res "@@END late-kallsyms"
	res "@@BEGIN late-modules"
	dump /proc/modules ""
	res "@@END late-modules"
	trigger late test:insert_page mmap
	trigger late test:insert_page procmem
	for t in late-watch late-daemon; do
		wait_file_has "/tmp/$t.out" '"kind":"gup_on_dmabuf"' 1 30 ||
			timed_out "$t: no gup_on_dmabuf line of the late module in 30 s"
	done
	# the report reads the symbols of a module within a second of its load (its tick),
	# events or not, and says so (it prints nothing else before its end): the unload
	# comes after that (a report that had no CPU while the module lived cannot name it,
	# and says so in a warning)
	wait_file_has /tmp/late.err 'module dmabuf_test_exporter loaded: its [1-9]' 1 30 ||
		timed_out "late: the report did not say it read the late module's symbols in 30 s"
	# the module unloaded while they still watch (the triggers' buffers are gone): what
	# they print after it (the report: everything, at the end) must still name it
	unload_test_module late-unload
	apid=$dpid stop_auditor late-daemon
	apid=$wpid stop_auditor late-watch
	apid=$rpid stop_auditor late
	# back for the scenarios after this one
	insmod /lib/modules/dmabuf_test_exporter.ko 2>/tmp/insmod.err
	irc=$?
	res "@@BEGIN late-reload"
	dump /tmp/insmod.err "stderr: "
	res "@@END late-reload rc=$irc"
	stamp late-end
}

# run_kill: a process killed with SIGKILL in the middle of its GUP calls (spin: one-page
# process_vm_readv over and over on a violating mapping) while a report runs; the report
# must go on, report the killed process's findings and the next trigger's, and end well.
run_kill() {
	stamp kill-start
	start_auditor kill report --json
	wait_ready kill
	"$TRIGGER" test:insert_page spin >/tmp/spin.out 2>/tmp/spin.err &
	spid=$!
	wait_file_has /tmp/spin.out exporter_arg 1 30 || timed_out "spin: no oracle line in 30 s"
	running=no
	kill -0 "$spid" 2>/dev/null && running=yes
	kill -KILL "$spid"
	wait "$spid"
	src=$?
	res "@@BEGIN spin"
	dump /tmp/spin.out "stdout: "
	dump /tmp/spin.err "stderr: "
	res "@@END spin rc=$src running=$running"
	trigger kill test:insert_page procmem
	stop_auditor kill
	stamp kill-end
}

# run_hostile: hostile buffer names and comms (issue 13 "Hostile names"). Each pair is
# TAG:NAME:COMM in hex (the trigger's --name-hex/--comm-hex: this script never carries a
# raw control byte): quotes, backslashes, newline, tab, CR; terminal escapes (CSI clear,
# OSC title, BEL); invalid UTF-8 (ff fe, overlong c0 af, a lone continuation, a cut
# sequence); bidi controls (U+202E, U+2066, U+202A, U+2069); a Prometheus label
# injection; C1 controls as UTF-8 (U+009B CSI, U+0085), DEL, BS. Names are at most 31
# bytes (DMA_BUF_NAME_LEN), comms 15. check.py (check_hostile) holds every output
# against the bytes each trigger's oracle says it set.
HOSTILE="quote:7122625c730a6e09740d7a:63225c0a090d
esc:1b5b324a1b5d303b78071b5b33316d:1b5b324a1b5d303b7807
utf8:fffec0af806f6be280:fffec0af8063
bidi:61e280ae62e281a663e280aa:e280ae6576696ce281a9
prom:78222c6b696e643d2266227d20310a66616b6520312023:78227d20310a66616b652031
c1:c29b324a7fc28508656e64:c29b7f0163"
# the holder, mapped before the auditors start (the scan reads its name and comm: task_vma
# iterator, or /proc/PID/comm and bufinfo on 5.10): no tab or newline, which bufinfo and
# /proc/PID/comm end fields at
HOSTILE_HOLD=1b5b33316de280ae225cff2068:1b5d303be280aec02978

# hexsec HEAD FILE [ATTRS...]: FILE's exact bytes as hex (od, 16 a line) between markers,
# so that no byte of an auditor's output is lost or changed on the way (the results port
# is a tty: CR, and a line discipline). bytes=N on the @@END line (missing: no file).
hexsec() {
	h=$1 f=$2
	shift 2
	res "@@BEGIN $h"
	[ -e "$f" ] && od -An -v -tx1 "$f" >&3
	res "@@END $h $* bytes=$(wc -c <"$f" 2>/dev/null || echo missing)"
}

# hostile_stop TAG PID SIGNAL: stop one auditor of run_hostile (bounded), dump its
# stdout and stderr as hex.
hostile_stop() {
	i=0
	kill "-$3" "$2" 2>/dev/null
	while kill -0 "$2" 2>/dev/null && [ "$i" -lt $((STOP_WAIT * 5)) ]; do
		sleep 0.2
		i=$((i + 1))
	done
	killed=no
	if kill -0 "$2" 2>/dev/null; then
		kill -KILL "$2"
		killed=yes
	fi
	wait "$2"
	hexsec "hostile-out $1" "/tmp/$1.out" "rc=$?" "killed=$killed"
	hexsec "hostile-err $1" "/tmp/$1.err"
}

run_hostile() {
	stamp hostile-start
	"$TRIGGER" --name-hex "${HOSTILE_HOLD%%:*}" --comm-hex "${HOSTILE_HOLD#*:}" test:insert_page \
		hold >/tmp/hostile-hold.out 2>/tmp/hostile-hold.err &
	hpid=$!
	wait_file_has /tmp/hostile-hold.out exporter_arg 1 30 || timed_out "hostile holder: no oracle line in 30 s"
	rm -rf /tmp/tfh && mkdir -p /tmp/tfh
	echo "# no suppressions" >/tmp/hostile.conf
	start_auditor hostile report --json
	rjpid=$apid
	start_auditor hostile-human report
	rhpid=$apid
	start_auditor hostile-watch watch
	wpid=$apid
	start_auditor hostile-daemon daemon --config /tmp/hostile.conf --textfile-dir /tmp/tfh \
		--interval 1 --json-file /tmp/hostile-daemon.json
	dpid=$apid
	apid=$rjpid wait_ready hostile
	apid=$rhpid wait_ready hostile-human
	apid=$wpid wait_ready hostile-watch
	apid=$dpid wait_ready hostile-daemon
	stamp hostile-ready
	n=0
	for h in $HOSTILE; do
		t=${h%%:*} rest=${h#*:}
		for p in mmap procmem; do
			timeout "$TRIG_WAIT" "$TRIGGER" --name-hex "${rest%%:*}" --comm-hex "${rest#*:}" \
				test:insert_page "$p" >/tmp/t.out 2>/tmp/t.err
			hexsec "hostile-trigger $t $p" /tmp/t.out "rc=$?"
			hexsec "hostile-trigger-err $t $p" /tmp/t.err
		done
		n=$((n + 1))
	done
	# every procmem trigger's GUP seen live before the auditors stop
	wait_file_has /tmp/hostile-watch.out ' VIOLATION gup_on_dmabuf$' "$n" 30 ||
		timed_out "hostile-watch: fewer than $n gup_on_dmabuf findings in 30 s"
	wait_file_has /tmp/hostile-daemon.json '"kind":"gup_on_dmabuf"' "$n" 30 ||
		timed_out "hostile-daemon: fewer than $n gup_on_dmabuf lines in 30 s"
	hostile_stop hostile-daemon "$dpid" TERM
	hostile_stop hostile-watch "$wpid" INT
	hostile_stop hostile-human "$rhpid" INT
	hostile_stop hostile "$rjpid" INT
	hexsec "hostile-out hostile-daemon-json" /tmp/hostile-daemon.json
	hexsec "hostile-textfile" /tmp/tfh/dmabuf_audit.prom
	kill "$hpid"
	wait "$hpid" 2>/dev/null
	hexsec "hostile-hold" /tmp/hostile-hold.out
	hexsec "hostile-hold-err" /tmp/hostile-hold.err
	stamp hostile-end
}

# run_inventory: report --inventory (and --json) while a trigger holds four test:insert_pfn
# buffers, each in one state: fd only, mapped only, imported by /dev/dmabuf_test (held only
# by the kernel), fd and mapped. Kernels without the dma-buf iterator list them from debugfs.
run_inventory() {
	stamp inventory
	f=/tmp/inventory-holder
	"$TRIGGER" test:insert_pfn inventory >"$f.out" 2>"$f.err" &
	ipid=$!
	wait_file_has "$f.out" exporter_arg 1 30 || timed_out "inventory holder: no oracle line in 30 s"
	res "@@BEGIN inventory-holder"
	dump "$f.out" "stdout: "
	dump "$f.err" "stderr: "
	res "@@END inventory-holder"
	for v in json human; do
		opt=
		[ "$v" = json ] && opt=--json
		# shellcheck disable=SC2086 # an option or nothing
		timeout -s KILL $TRIG_WAIT "$AUDIT" report --inventory $opt >/tmp/inventory-$v.out \
			2>/tmp/inventory-$v.err
		rc=$?
		res "@@BEGIN inventory $v"
		dump /tmp/inventory-$v.out ""
		res "@@END inventory $v rc=$rc"
		res "@@BEGIN inventory-stderr $v"
		dump /tmp/inventory-$v.err ""
		res "@@END inventory-stderr $v"
	done
	# the full report ends with the same inventory (its summary's inventory object)
	timeout -s KILL $TRIG_WAIT "$AUDIT" report --json -d 1 >/tmp/inventory-report.out \
		2>/tmp/inventory-report.err
	rc=$?
	res "@@BEGIN inventory-report"
	dump /tmp/inventory-report.out ""
	dump /tmp/inventory-report.err "stderr: "
	res "@@END inventory-report rc=$rc"
	# the daemon's buffer series over the same four buffers: its first textfile is
	# written after the first inventory; the final one at SIGTERM
	mkdir -p /tmp/inv-tf
	printf '[daemon]\ntextfile-dir = /tmp/inv-tf\ninterval = 1\njson-file = /dev/null\n' \
		>/tmp/inv-daemon.conf
	"$AUDIT" daemon --config /tmp/inv-daemon.conf >/dev/null 2>/tmp/inv-daemon.err &
	idpid=$!
	wait_file_has /tmp/inv-tf/dmabuf_audit.prom '^dmabuf_audit_build_info' 1 "$READY_WAIT" ||
		timed_out "inventory daemon: no textfile in ${READY_WAIT} s"
	sleep 2
	kill -TERM "$idpid"
	wait "$idpid"
	rc=$?
	res "@@BEGIN inventory-daemon"
	dump /tmp/inv-tf/dmabuf_audit.prom ""
	dump /tmp/inv-daemon.err "stderr: "
	res "@@END inventory-daemon rc=$rc"
	kill "$ipid"
	wait "$ipid" 2>/dev/null
	stamp inventory-end
}

# wait_exists FILE: until FILE exists (false after READY_WAIT seconds).
wait_exists() {
	i=0
	while [ ! -e "$1" ]; do
		[ "$i" -ge $((READY_WAIT * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# run_case NAME COMMAND...: dmabuf-audit run --json -o FILE -- COMMAND, its report, the
# command's stdout (the trigger's oracle line) and stderr in section "run NAME".
run_case() {
	n=$1
	shift
	timeout -s KILL $TRIG_WAIT "$AUDIT" run --json -o "/tmp/run-$n.json" -- "$@" \
		>"/tmp/run-$n.out" 2>"/tmp/run-$n.err"
	run_section "$n" $?
}

run_section() {
	res "@@BEGIN run $1"
	dump "/tmp/run-$1.json" "report: "
	dump "/tmp/run-$1.out" "stdout: "
	dump "/tmp/run-$1.err" "stderr: "
	res "@@END run $1 rc=$2"
}

# run_run: dmabuf-audit run -- COMMAND. A violating child, a compliant one, a violating
# grandchild (under sh), a command that fails on its own, a violator outside the tree while
# the command runs, SIGTERM sent on to the command, a command that does not exist.
run_run() {
	stamp run
	rm -f /tmp/run-*
	run_case child "$TRIGGER" test:insert_page mmap
	run_case compliant "$TRIGGER" test:remap_pfn mmap
	run_case grandchild sh -c "$TRIGGER test:insert_page mmap; exit 0"
	run_case fails sh -c 'exit 7'
	run_case notfound /nonexistent/command
	# outside: the command waits while a process outside its tree violates
	timeout -s KILL $TRIG_WAIT "$AUDIT" run --json -o /tmp/run-outside.json -- sh -c \
		'touch /tmp/run-outside.started; while [ ! -e /tmp/run-outside.done ]; do sleep 0.1; done' \
		>/tmp/run-outside.out 2>/tmp/run-outside.err &
	rpid=$!
	wait_exists /tmp/run-outside.started || timed_out "run outside: the command did not start"
	"$TRIGGER" test:insert_page mmap >>/tmp/run-outside.out 2>>/tmp/run-outside.err
	touch /tmp/run-outside.done
	wait "$rpid"
	run_section outside $?
	# SIGTERM to run goes on to the command, which dies of it
	timeout -s KILL $TRIG_WAIT "$AUDIT" run --json -o /tmp/run-sigterm.json -- sh -c \
		'touch /tmp/run-sigterm.started; exec sleep 60' >/tmp/run-sigterm.out \
		2>/tmp/run-sigterm.err &
	rpid=$!
	wait_exists /tmp/run-sigterm.started || timed_out "run sigterm: the command did not start"
	kill -TERM "$rpid"
	wait "$rpid"
	run_section sigterm $?
	stamp run-end
}

case ${1:-test} in
test)
	# the cgroup of the trigger that runs as another user (uid 1000)
	LAB_CGROUP=/sys/fs/cgroup/lab-user
	mkdir -p "$LAB_CGROUP"
	for m in fentry kprobe; do run_mode "$m" && run_pid_filter "$m"; done
	run_flood
	run_daemon
	run_daemon_churn churn
	run_daemon_churn hoard
	run_storm
	run_fail_on
	run_huge huge
	run_huge huge-kprobe kprobe
	run_late
	run_kill
	run_crowd
	run_hostile
	run_inventory
	run_run
	# the host tests (tests/host) on this kernel, as on any machine they run on, where
	# run.sh asks for them (labhost=1: LAB_HOST_KERNELS)
	case " $(cat /proc/cmdline) " in
	*" labhost=1 "*)
		# shellcheck source-path=SCRIPTDIR source=guest-host.sh
		. /guest-host.sh
		run_host_tests
		;;
	esac
	;;
demo) run_demo ;;
bench)
	# shellcheck source-path=SCRIPTDIR source=guest-bench.sh
	. /guest-bench.sh
	run_bench
	;;
host)
	# shellcheck source-path=SCRIPTDIR source=guest-host.sh
	. /guest-host.sh
	run_host_tests
	;;
*) res "@@ERROR unknown scenario $1" ;;
esac
