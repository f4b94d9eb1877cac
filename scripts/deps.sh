#!/bin/bash
# Installs what building and testing dmabuf-audit needs, by Debian package
# name, so that a fresh Debian 12 machine needs nothing by hand. Fast no-op
# when everything is present. The VM lab's own needs: tests/lab/deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# groff-base, systemd, procps (/bin/kill of ExecReload), shellcheck: the man page, unit file
# and script checks (tests/host/docs.sh); libclang-rt-14-dev: libFuzzer and the sanitizer
# runtimes of clang 14 (make fuzz); dpkg-dev, debhelper, fakeroot, lintian, debootstrap: the
# Debian package built, checked and installed in a clean chroot (tests/pkg/deb.sh)
pkgs=(clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev make gcc python3 util-linux groff-base
	systemd procps shellcheck libclang-rt-14-dev dpkg-dev debhelper fakeroot lintian debootstrap)
missing=()
for p in "${pkgs[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing ${missing[*]}; run 'make deps' as root" >&2
		exit 2
	fi
	echo "deps: installing ${missing[*]}" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# promtool and node_exporter, extracted from Debian's packages (not installed:
# no services started); the daemon's tests run them on every textfile.
tests/prom/fetch-tools.sh >/dev/null
exec tests/lab/deps.sh
