#!/bin/bash
# Install what the VM lab needs, by Debian package name, only when missing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=kernels.sh
. "$(dirname "$0")/kernels.sh"
lab_resolve

pkgs=(qemu-system-x86 busybox-static cpio xz-utils kmod)
for k in $LAB_KERNELS; do
	pkgs+=("linux-headers-$(lab_kver "$k")")
done

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "lab: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
	apt-get update -qq
	apt-get install -y --no-install-recommends "${missing[@]}"
fi
