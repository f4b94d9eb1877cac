#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh: the Debian package, built and used as a Debian user would.
#   1. dpkg-buildpackage -b of the tree's files (as git lists them) in a scratch copy;
#   2. lintian: no error;
#   3. a clean Debian 12 chroot (debootstrap --variant=minbase, cached pristine in
#      $DEB_CACHE and copied for each run): apt-get install ./the.deb, then the installed
#      binary's --version and probe, whose exit code and mode line must be those of the
#      tree's own build on this kernel (build/dmabuf-audit: the machine decides, not us);
#      the unit enabled, the conffile in place;
#   4. apt-get remove keeps the conffile, purge removes it, the binary is gone.
# Usage: deb.sh [BUILT_BINARY]. Prints ok/FAIL lines and a count; exit 0 or 1 (2: setup).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
host_bin=${1:-$root/build/dmabuf-audit}
cache=${DEB_CACHE:-$HOME/.cache/dmabuf-audit/deb}
mirror=${DEB_MIRROR:-http://deb.debian.org/debian}
work=$root/build/deb
fails=0 passes=0
ok() { echo "ok - $*"; passes=$((passes + 1)); }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
die() { echo "deb: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "needs root (chroot, mounts)"
[ -x "$host_bin" ] || die "no $host_bin (make first)"
version=$(sed -n 's/^VERSION := //p' "$root/Makefile")
arch=$(dpkg --print-architecture)
deb=dmabuf-audit_${version}_$arch.deb

# ---- 1. build from the tree's own files ---------------------------------------------
rm -rf "$work"
mkdir -p "$work/src/dmabuf-audit-$version"
(cd "$root" && git ls-files -co --exclude-standard -z | grep -zv '^tests/lab/fixtures/' |
	tar --null -cf - -T -) | tar -xf - -C "$work/src/dmabuf-audit-$version"
if (cd "$work/src/dmabuf-audit-$version" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 &&
	[ -f "$work/src/$deb" ]; then
	ok "dpkg-buildpackage -b: $deb"
else
	bad "dpkg-buildpackage -b failed (last lines of $work/build.log):"
	tail -n 20 "$work/build.log"
	echo "# deb: $passes passed, $fails failed"
	exit 1
fi
changelog_version=$(dpkg-parsechangelog -l "$root/debian/changelog" -S Version)
if [ "$changelog_version" = "$version" ]; then
	ok "debian/changelog version $version is the Makefile's"
else
	bad "debian/changelog version $changelog_version, Makefile $version"
fi

# ---- 2. lintian -----------------------------------------------------------------------
if lintian --fail-on error "$work/src/dmabuf-audit_${version}_$arch.changes" >"$work/lintian.log" 2>&1; then
	ok "lintian: no error ($(grep -c '^[EWI]:' "$work/lintian.log" || true) tags of lower level)"
else
	bad "lintian errors: $(grep '^E:' "$work/lintian.log" | head -5 | tr '\n' ' ')"
fi

# ---- 3. a clean Debian 12 chroot ------------------------------------------------------
pristine=$cache/bookworm-$arch
if [ ! -x "$pristine/usr/bin/apt-get" ]; then
	rm -rf "$pristine.new"
	mkdir -p "$cache"
	debootstrap --variant=minbase bookworm "$pristine.new" "$mirror" >"$work/debootstrap.log" 2>&1 ||
		{ tail -n 5 "$work/debootstrap.log" >&2; die "debootstrap failed ($work/debootstrap.log)"; }
	mv "$pristine.new" "$pristine"
fi
ch=$work/chroot
cp -a "$pristine" "$ch"
mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
for m in proc sys dev; do
	mount --rbind "/$m" "$ch/$m"
	mount --make-rslave "$ch/$m"
	mounts+=("$ch/$m")
done
cp /etc/resolv.conf "$ch/etc/resolv.conf"
cp "$work/src/$deb" "$ch/tmp/"
in_chroot() { chroot "$ch" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"; }
if in_chroot sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./tmp/$deb" \
	>"$work/install.log" 2>&1; then
	ok "apt-get install ./$deb in a clean Debian 12 chroot (its dependencies from Debian)"
else
	bad "apt-get install failed: $(tail -n 3 "$work/install.log" | tr '\n' ' ')"
fi
v=$(in_chroot dmabuf-audit --version 2>&1 || true)
if [ "$v" = "$("$host_bin" --version 2>&1)" ]; then
	ok "installed dmabuf-audit --version: $v"
else
	bad "installed --version says '$v', the tree's build '$("$host_bin" --version 2>&1)'"
fi
rc=0
in_chroot dmabuf-audit probe >"$work/probe.out" 2>"$work/probe.err" || rc=$?
hrc=0
"$host_bin" probe >"$work/probe-host.out" 2>/dev/null || hrc=$?
mode=$(grep '^mode:' "$work/probe.out" || true)
hmode=$(grep '^mode:' "$work/probe-host.out" || true)
if [ "$rc" = "$hrc" ] && [ -n "$mode" ] && [ "$mode" = "$hmode" ]; then
	ok "installed probe: exit $rc, '$mode', as the tree's build on this kernel"
else
	bad "installed probe: exit $rc '$mode' ($(head -c 200 "$work/probe.err")), the tree's build: exit $hrc '$hmode'"
fi
check() { # WHAT COMMAND...: ok WHAT if COMMAND succeeds, else FAIL WHAT
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "not: $what"; fi
}
wants=$ch/etc/systemd/system/multi-user.target.wants/dmabuf-audit.service
check "dmabuf-audit.service enabled (multi-user.target)" test -L "$wants"
# the unit's ExecReload runs /bin/kill: procps, not in a minbase system (found by the
# real systemd test, tests/systemd)
reload_cmd=$(sed -n 's/^ExecReload=\([^ ]*\).*/\1/p' "$ch/lib/systemd/system/dmabuf-audit.service")
check "the unit's ExecReload command $reload_cmd is installed (a dependency)" test -x "$ch$reload_cmd"
check "conffile /etc/dmabuf-audit/dmabuf-audit.conf" test -f "$ch/etc/dmabuf-audit/dmabuf-audit.conf"
# shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
conffiles=$(in_chroot dpkg-query -W -f='${Conffiles}' dmabuf-audit 2>&1 || true)
check "dpkg knows it as a conffile" grep -q /etc/dmabuf-audit/dmabuf-audit.conf <<<"$conffiles"
# (the textfile directory is prometheus-node-exporter's, which the package only suggests)
mkdir -p "$ch/var/lib/prometheus/node-exporter"
if in_chroot dmabuf-audit daemon --check-config >"$work/check-config.out" 2>&1; then
	ok "the installed config passes daemon --check-config"
else
	bad "daemon --check-config: $(head -c 200 "$work/check-config.out")"
fi

# ---- 4. remove, purge -------------------------------------------------------------------
in_chroot sh -c 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -q dmabuf-audit' \
	>"$work/remove.log" 2>&1 || true
if [ ! -e "$ch/usr/sbin/dmabuf-audit" ] && [ -f "$ch/etc/dmabuf-audit/dmabuf-audit.conf" ]; then
	ok "apt-get remove: binary gone, conffile kept"
else
	bad "apt-get remove: $(tail -n 2 "$work/remove.log" | tr '\n' ' ')"
fi
in_chroot sh -c 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q dmabuf-audit' \
	>"$work/purge.log" 2>&1 || true
if [ ! -e "$ch/etc/dmabuf-audit/dmabuf-audit.conf" ] && [ ! -e "$wants" ]; then
	ok "apt-get purge: conffile and unit link gone"
else
	bad "apt-get purge: $(tail -n 2 "$work/purge.log" | tr '\n' ' ')"
fi
cleanup
trap - EXIT
mounts=()
rm -rf "$ch"
echo "# deb: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
