#!/bin/bash
# guest-test.sh: runs in the systemd guest as sd-test.service (after multi-user.target).
# Drives dmabuf-audit.service through start, watchdog hold, reload and stop with systemctl
# and writes the raw evidence, in @@BEGIN NAME / @@END NAME sections, to the second serial
# port; tests/systemd/check.py judges it on the host. Then powers off.
# Kernel command line: sdhold=SECONDS (how long the unit runs before the reload; default 12).
set -u
# ttyS1 is a terminal: no colours, no pager
export SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat
out=/dev/ttyS1
stty -F "$out" raw -echo 2>/dev/null
exec 3>"$out"
unit=dmabuf-audit.service
tf=/var/lib/prometheus/node-exporter/dmabuf_audit.prom
hold=$(sed -n 's/.*sdhold=\([0-9]*\).*/\1/p' /proc/cmdline)
hold=${hold:-12}
props=ActiveState,SubState,Result,StatusText,NRestarts,MainPID,ExecMainStatus,ExecMainCode,WatchdogUSec,ExecMainStartTimestampMonotonic,ActiveEnterTimestampMonotonic

up() { cut -d' ' -f1 /proc/uptime; }
sec() { echo "@@BEGIN $1" >&3; }
end() { echo "@@END $1" >&3; }
show() { # show NAME: the unit's properties, with the uptime they were read at
	sec "show $1"
	echo "uptime=$(up)" >&3
	systemctl show -p "$props" "$unit" >&3 2>&1
	end "show $1"
}
# step NAME COMMAND...: run a systemctl verb, its exit status and when it began and returned
step() {
	local name=$1 t0 rc
	shift
	t0=$(up)
	"$@" >/tmp/step.out 2>&1
	rc=$?
	sec "step $name"
	echo "cmd=$*" >&3
	echo "rc=$rc" >&3
	echo "begin=$t0" >&3
	echo "end=$(up)" >&3
	sed 's/^/out: /' /tmp/step.out >&3
	end "step $name"
}

sec info
echo "kernel=$(uname -r)" >&3
echo "systemd=$(systemctl --version | sed -n 1p)" >&3
echo "hold=$hold" >&3
echo "boot_done=$(up)" >&3
echo "unit_file=$(systemctl show -p FragmentPath --value "$unit")" >&3
echo "dropins=$(systemctl show -p DropInPaths --value "$unit")" >&3
echo "state_before=$(systemctl show -p ActiveState,UnitFileState "$unit" | tr '\n' ' ')" >&3
end info

# PID 1 logs every notify message it gets ("Got notification message from PID N (READY=1,
# STATUS=...)") at debug level: the evidence of what the daemon sent, and when.
systemd-analyze log-level debug

step start systemctl start "$unit"
show start
sleep "$hold"
show hold
step reload systemctl reload "$unit"
show reload
# the final textfile: gone before the stop, there after it only if the stop wrote it
rm -f "$tf"
step stop systemctl stop "$unit"
show stop
systemd-analyze log-level info

sec textfile
if [ -f "$tf" ]; then
	echo "exists=yes" >&3
	stat -c 'mode=%a owner=%U size=%s' "$tf" >&3
	grep -v '^#' "$tf" | head -n 40 >&3
else
	echo "exists=no" >&3
fi
echo "dir=$(find /var/lib/prometheus/node-exporter -mindepth 1 -printf '%f ')" >&3
end textfile

sec journal
journalctl -b --no-pager -o short-monotonic -u "$unit" >&3 2>&1
end journal
sec kernel
# seccomp, BPF or LSM refusals the kernel logged
journalctl -b --no-pager -o short-monotonic -k | grep -iE 'denied|seccomp|apparmor|avc:' >&3 2>&1
end kernel
sec failed
systemctl --failed --no-legend --plain --no-pager >&3 2>&1
end failed
echo "@@DONE" >&3
exec 3>&-
sync
systemctl poweroff -f
