#!/bin/bash
# Install what the VM lab needs, by Debian package name, only when missing.
# LAB_ARCH=arm64: qemu-system-arm, the aarch64 cross compiler and the arm64 static
# libraries of the auditor (Debian multiarch: adds the arm64 architecture to dpkg once).
# Kernels 5.10/7.2 and every arm64 kernel need no package here: their images and headers
# are extracted into the lab cache (fetch-kernel.sh, fetch-headers.sh).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=kernels.sh
. "$(dirname "$0")/kernels.sh"

export DEBIAN_FRONTEND=noninteractive
# arm64 kernels are looked up in the arm64 package lists: the architecture first.
if [ "$LAB_ARCH" = arm64 ] && ! grep -qx arm64 <<<"$(dpkg --print-foreign-architectures)"; then
	echo "lab: dpkg --add-architecture arm64" >&2
	dpkg --add-architecture arm64
	apt-get update -qq
fi
lab_resolve

pkgs=(busybox-static cpio xz-utils kmod binutils)
if [ "$LAB_ARCH" = arm64 ]; then
	# busybox-static:arm64 is not installable beside busybox-static (the guest's copy
	# is extracted from its .deb by build-guest.sh).
	pkgs+=(qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
		libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 libzstd-dev:arm64)
else
	pkgs+=(qemu-system-x86)
	for k in $LAB_KERNELS; do
		# 5.10 and 7.2 headers come from other suites: extracted, never installed
		lab_private "$k" || pkgs+=("linux-headers-$(lab_kver "$k")")
	done
fi

missing=()
for p in "${pkgs[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "lab: installing ${missing[*]}" >&2
if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
	apt-get update -qq
	apt-get install -y --no-install-recommends "${missing[@]}"
fi
