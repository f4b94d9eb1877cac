#!/bin/bash
# fetch-kernel.sh KVER (6.1, 6.12 or a release): download Debian's unsigned kernel image
# into the cache and keep only what the guest needs:
#   $LAB_CACHE/RELEASE/{vmlinuz,config,modules.dep,modules/*.ko,modules/load.list}
# load.list names the modules in insmod order (vgem and its dependencies).
# Cached: a second run downloads and extracts nothing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=kernels.sh
. "$(dirname "$0")/kernels.sh"

[ $# -eq 1 ] || { echo "usage: $0 6.1|6.12|RELEASE" >&2; exit 2; }
kver=$(lab_kver "$1")
out=$LAB_CACHE/$kver
want_mods=(vgem)

[ -f "$out/.complete" ] && { echo "$out"; exit 0; }

pkg=linux-image-$kver-unsigned
debs=$LAB_CACHE/debs
mkdir -p "$debs"
deb=$(find "$debs" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n1)
if [ -z "$deb" ]; then
	# apt-get download writes into the current directory; as root it warns that the
	# _apt user cannot write there (unsandboxed download): harmless.
	(cd "$debs" && apt-get download -q "$pkg" 2>&1 | grep -v 'unsandboxed' >&2) || true
	deb=$(find "$debs" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n1)
	[ -n "$deb" ] || { echo "lab: apt-get download $pkg failed" >&2; exit 1; }
fi

tmp=$(mktemp -d "$LAB_CACHE/.extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "lab: extracting $(basename "$deb")" >&2
dpkg-deb -x "$deb" "$tmp/root"
# The package ships no modules.dep (postinst runs depmod): generate it in the tree.
depmod -b "$tmp/root" "$kver"
mdir=$tmp/root/lib/modules/$kver

# Resolve dependencies depth-first so every module follows what it needs.
declare -A seen=()
order=()
dep_of() { # module path relative to mdir -> its direct+transitive deps from modules.dep
	sed -n "s|^$1: *||p" "$mdir/modules.dep" | head -n1
}
visit() {
	local m=$1 d
	[ -n "${seen[$m]:-}" ] && return 0
	seen[$m]=1
	for d in $(dep_of "$m"); do visit "$d"; done
	order+=("$m")
}
for name in "${want_mods[@]}"; do
	path=$(grep -E "^([^:]*/)?$name\\.ko(\\.xz|\\.zst|\\.gz)?:" "$mdir/modules.dep" | cut -d: -f1 | head -n1)
	[ -n "$path" ] || { echo "lab: module $name not in $kver" >&2; exit 1; }
	visit "$path"
done

stage=$tmp/stage
mkdir -p "$stage/modules"
cp "$tmp/root/boot/vmlinuz-$kver" "$stage/vmlinuz"
cp "$tmp/root/boot/config-$kver" "$stage/config"
cp "$mdir/modules.dep" "$stage/modules.dep"
for m in "${order[@]}"; do
	base=$(basename "$m")
	case $base in
	*.ko.xz) xz -dc "$mdir/$m" >"$stage/modules/${base%.xz}" ;; # busybox insmod cannot read .xz
	*.ko) cp "$mdir/$m" "$stage/modules/$base" ;;
	*) echo "lab: unsupported module compression: $m" >&2; exit 1 ;;
	esac
	echo "${base%.xz}" >>"$stage/modules/load.list"
done
touch "$stage/.complete"
rm -rf "$out"
mv "$stage" "$out"
echo "lab: $kver modules: $(tr '\n' ' ' <"$out/modules/load.list")" >&2
echo "$out"
