#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [--self-test]: dist/dmabuf-audit.service started, reloaded and stopped by a real
# systemd (Debian 12's, as PID 1) in a lab guest: Debian's 6.1 kernel under QEMU (TCG).
#   1. root file system: a copy of the pristine bookworm tree (tests/pkg/deb.sh's cache) plus
#      systemd, systemd-sysv and procps (/bin/kill of ExecReload), installed in a chroot with
#      apt-get; units the test does not need masked; docs and apt lists dropped; packed as
#      an uncompressed cpio (the guest's initramfs: no block device, no modules). Cached in
#      $SD_CACHE (default ~/.cache/dmabuf-audit/systemd), rebuilt when its inputs change.
#   2. overlay cpio, appended: build/static/dmabuf-audit as /usr/sbin/dmabuf-audit (the
#      unit's ExecStart), dist/dmabuf-audit.service in /etc/systemd/system (not enabled),
#      watchdog.conf as its drop-in (WatchdogSec=5s), dist/dmabuf-audit.conf in
#      /etc/dmabuf-audit, the textfile dir, guest-test.sh run by sd-test.service after
#      multi-user.target; /init -> /lib/systemd/systemd.
#   3. boot; guest-test.sh writes its evidence to the second serial port and powers off.
#   4. check.py judges it: ok/FAIL lines, exit 1 on any FAIL.
# --self-test: no VM; check.py against the recorded results (fixture-results.txt) and
# mutations of them that must fail.
# Env: SD_CACHE, SD_TIMEOUT (s, 300), SD_HOLD (s the unit runs before the reload, 12),
#      AUDIT_BIN (build/static/dmabuf-audit), SD_SMP (2).
# Exit: 0 all ok, 1 a FAIL, 2 setup error (one line on stderr).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
die() { echo "systemd-test: $*" >&2; exit 2; }

if [ "${1:-}" = --self-test ]; then
	exec python3 "$here/check.py" --self-test "$here/fixture-results.txt"
fi
[ $# -eq 0 ] || die "usage: $0 [--self-test]"

cache=${SD_CACHE:-$HOME/.cache/dmabuf-audit/systemd}
pristine=${DEB_CACHE:-$HOME/.cache/dmabuf-audit/deb}/bookworm-amd64
audit_bin=${AUDIT_BIN:-$repo/build/static/dmabuf-audit}
out=$repo/build/systemd
pkgs=(systemd systemd-sysv procps)
# Units the test does not need: no udev (devtmpfs has the nodes; nothing waits on a
# device unit), no gettys, no timers, nothing needing modules the guest does not load.
masks=(systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket
	systemd-udev-trigger.service systemd-udev-settle.service systemd-hwdb-update.service
	getty.target getty@tty1.service serial-getty@ttyS0.service console-getty.service
	systemd-logind.service systemd-journal-catalog-update.service systemd-update-utmp.service
	systemd-update-utmp-runlevel.service systemd-timesyncd.service systemd-networkd.service
	apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer
	dpkg-db-backup.timer systemd-tmpfiles-clean.timer systemd-pstore.service
	proc-sys-fs-binfmt_misc.automount systemd-binfmt.service sys-fs-fuse-connections.mount
	sys-kernel-config.mount systemd-firstboot.service systemd-machine-id-commit.service
	ldconfig.service systemd-random-seed.service systemd-remount-fs.service
	modprobe@configfs.service modprobe@drm.service modprobe@fuse.service
	modprobe@efi_pstore.service modprobe@loop.service systemd-sysext.service)

[ "$(id -u)" = 0 ] || die "needs root (chroot, mounts)"
command -v qemu-system-x86_64 >/dev/null || die "no qemu-system-x86_64 (tests/lab/deps.sh)"
command -v cpio >/dev/null || die "no cpio"
[ -x "$pristine/usr/bin/apt-get" ] || die "no pristine bookworm tree in $pristine (run tests/pkg/deb.sh once)"
[ -x "$audit_bin" ] || die "no $audit_bin (make STATIC=1)"
if readelf -l "$audit_bin" 2>/dev/null | grep -q 'Requesting program interpreter'; then
	die "$audit_bin is dynamically linked (make STATIC=1)"
fi
kdir=$("$repo/tests/lab/fetch-kernel.sh" 6.1) || die "tests/lab/fetch-kernel.sh 6.1 failed"
[ -f "$kdir/vmlinuz" ] || die "no kernel in $kdir"
mkdir -p "$cache" "$out"

# ---- 1. the base root file system (cached) -----------------------------------------
base=$cache/base.cpio
base_stamp=$( {
	sha256sum "$pristine/var/lib/dpkg/status"
	echo "${pkgs[*]} / ${masks[*]}"
	sed -n '/^# ---- 1\./,/^# ---- 2\./p' "$0"
} | sha256sum | cut -c1-16)
if [ ! -f "$base" ] || [ "$(cat "$base.stamp" 2>/dev/null)" != "$base_stamp" ]; then
	echo "# building the systemd root file system (bookworm + ${pkgs[*]})" >&2
	tree=$cache/base.d
	# a run killed inside the chroot leaves /proc, /sys and /dev bound under the tree: never
	# rm -rf into them
	awk -v t="$tree/" 'index($2 "/", t) == 1 {print $2}' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" || true; done
	if awk -v t="$tree/" 'index($2 "/", t) == 1 {found = 1} END {exit !found}' /proc/mounts; then
		die "mounts left under $tree: unmount them first"
	fi
	rm -rf --one-file-system "$tree" "$base"
	cp -a "$pristine" "$tree"
	mounts=()
	umount_all() {
		local i
		for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
		mounts=()
	}
	trap umount_all EXIT
	for m in proc sys dev; do
		mount --rbind "/$m" "$tree/$m"
		mount --make-rslave "$tree/$m"
		mounts+=("$tree/$m")
	done
	cp /etc/resolv.conf "$tree/etc/resolv.conf" 2>/dev/null || true
	if ! { chroot "$tree" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		chroot "$tree" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${pkgs[@]}"; } >"$cache/base.log" 2>&1; then
		umount_all
		tail -n 5 "$cache/base.log" >&2
		die "apt-get install ${pkgs[*]} in the chroot failed ($cache/base.log)"
	fi
	chroot "$tree" systemctl mask "${masks[@]}" >>"$cache/base.log" 2>&1 ||
		{ umount_all; die "systemctl mask failed ($cache/base.log)"; }
	umount_all
	trap - EXIT
	rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/* "$tree"/usr/share/{doc,man,info,locale}/* \
		"$tree/etc/resolv.conf"
	: >"$tree/etc/machine-id" # one per boot (transient)
	(cd "$tree" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$base.tmp"
	mv "$base.tmp" "$base"
	echo "$base_stamp" >"$base.stamp"
	rm -rf --one-file-system "$tree"
	echo "# root file system: $base ($(du -m "$base" | cut -f1) MiB)" >&2
fi

# ---- 2. the overlay: what is tested ------------------------------------------------
ov=$out/overlay.d
rm -rf "$ov"
install -d -m 755 "$ov"/usr/sbin "$ov"/usr/local/sbin "$ov"/etc/dmabuf-audit \
	"$ov"/etc/systemd/system/dmabuf-audit.service.d "$ov"/etc/systemd/system/multi-user.target.wants \
	"$ov"/var/lib/prometheus/node-exporter
install -m 755 "$audit_bin" "$ov/usr/sbin/dmabuf-audit"
install -m 644 "$repo/dist/dmabuf-audit.service" "$ov/etc/systemd/system/dmabuf-audit.service"
install -m 644 "$here/watchdog.conf" "$ov/etc/systemd/system/dmabuf-audit.service.d/lab-watchdog.conf"
install -m 644 "$repo/dist/dmabuf-audit.conf" "$ov/etc/dmabuf-audit/dmabuf-audit.conf"
install -m 755 "$here/guest-test.sh" "$ov/usr/local/sbin/sd-test"
install -m 644 "$here/sd-test.service" "$ov/etc/systemd/system/sd-test.service"
ln -s ../sd-test.service "$ov/etc/systemd/system/multi-user.target.wants/sd-test.service"
ln -s /lib/systemd/systemd "$ov/init"
grep -q '^ExecStart=/usr/sbin/dmabuf-audit ' "$ov/etc/systemd/system/dmabuf-audit.service" ||
	die "dist/dmabuf-audit.service's ExecStart is not /usr/sbin/dmabuf-audit: update $0"
guest=$out/guest.cpio
{
	cat "$base"
	(cd "$ov" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
} >"$guest"

# ---- 3. boot ----------------------------------------------------------------------
res=$out/results.txt con=$out/console.log
rm -f "$res"
t0=$(date +%s)
set +e
timeout "${SD_TIMEOUT:-300}" qemu-system-x86_64 -accel tcg -cpu max -m 1536 -smp "${SD_SMP:-2}" \
	-nographic -no-reboot -kernel "$kdir/vmlinuz" -initrd "$guest" \
	-append "console=ttyS0 panic=-1 quiet systemd.show_status=1 sdhold=${SD_HOLD:-12}" \
	-serial mon:stdio -serial "file:$res" </dev/null >"$con" 2>&1
qrc=$?
set -e
echo "# guest: $(($(date +%s) - t0))s, qemu exit $qrc; console $con, results $res"
if [ ! -s "$res" ]; then
	echo "--- last lines of $con:"
	tail -n 30 "$con" | tr -d '\r' | sed 's/^/  | /'
fi

# ---- 4. the verdict -----------------------------------------------------------------
exec python3 "$here/check.py" "$res"
