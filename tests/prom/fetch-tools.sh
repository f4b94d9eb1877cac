#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-tools.sh: make the real Prometheus consumers of our textfiles available:
#   promtool                  from Debian's "prometheus" (bookworm: 2.42.0+ds-5+deb12u1)
#   prometheus-node-exporter  from "prometheus-node-exporter" (bookworm: 1.5.0-1+b6)
# without installing the packages (that would start their services): apt-get download
# the two .debs into $PROM_CACHE/debs and dpkg-deb -x them into $PROM_CACHE/root.
# Both are Go programs linked only against libc6 (essential on every Debian), so no
# library package is needed. A second run only checks that both binaries run.
# Prints "PATH: VERSION" for each binary; one-line errors and exit 2 on failure.
set -euo pipefail

cache=${PROM_CACHE:-$HOME/.cache/dmabuf-audit/prom}
bin=$cache/root/usr/bin
tools=("$bin/promtool" "$bin/prometheus-node-exporter")
die() { echo "fetch-tools: $*" >&2; exit 2; }

runs() { # true if both binaries exist and answer --version
	local t
	for t in "${tools[@]}"; do
		[ -x "$t" ] && "$t" --version >/dev/null 2>&1 || return 1
	done
}

download() { # the two .debs for the host architecture into $cache/debs
	local arch out
	arch=$(dpkg --print-architecture)
	rm -rf "$cache/debs"
	mkdir -p "$cache/debs"
	# As root apt drops to _apt for downloads, who cannot write here: it warns and
	# goes on; not sandboxing keeps that warning away.
	out=$(cd "$cache/debs" && apt-get download -q -o APT::Sandbox::User=root \
		"prometheus:$arch" "prometheus-node-exporter:$arch" 2>&1) && return 0
	grep -m1 '^E:' <<<"$out" >&2 || true
	return 1
}

if ! runs; then
	for c in apt-get dpkg-deb; do
		command -v "$c" >/dev/null || die "needs $c (a Debian system)"
	done
	if ! download 2>/dev/null; then
		# Missing (fresh machine) or stale package lists: refresh once, then retry.
		apt-get update -qq >/dev/null 2>&1 || die "apt-get update failed (run as root?)"
		err=$(download 2>&1) || die "apt-get download prometheus prometheus-node-exporter failed: $err"
	fi
	rm -rf "$cache/root"
	for deb in "$cache"/debs/*.deb; do
		dpkg-deb -x "$deb" "$cache/root" || die "dpkg-deb -x $deb failed"
	done
	if ! runs; then
		missing=$(ldd "${tools[@]}" 2>&1 | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p' | sort -u | tr '\n' ' ')
		die "extracted binaries in $bin do not run${missing:+ (missing libraries: $missing)}"
	fi
fi

for t in "${tools[@]}"; do
	echo "$t: $("$t" --version 2>&1 | sed -n 1p)"
done
