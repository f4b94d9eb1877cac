#!/bin/bash
# fetch-kernel.sh KVER (6.1, 6.12, 5.10, 7.2 or a release): download Debian's unsigned kernel image
# into the cache and keep only what the guest needs:
#   $LAB_CACHE/RELEASE/{vmlinuz,config,modules.dep,modules/*.ko,modules/load.list,port.list}
# load.list names the modules in insmod order (vgem and its dependencies), port.list those
# the results port needs first (arm64: virtio console, when not built in).
# Cached: a second run downloads and extracts nothing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=kernels.sh
. "$(dirname "$0")/kernels.sh"

[ $# -eq 1 ] || { echo "usage: $0 6.1|6.12|5.10|7.2|RELEASE" >&2; exit 2; }
kver=$(lab_kver "$1")
out=$LAB_CACHE/$kver
want_mods=(vgem)
# arm64 (virt): the results port is a virtio console, loaded before anything else.
port_mods=()
[ "$LAB_ARCH" = arm64 ] && port_mods=(virtio_pci virtio_console)

[ -f "$out/.complete" ] && { echo "$out"; exit 0; }

# 7.x splits the image (linux-binary-unsigned-*) from its modules (linux-modules-*) and
# ships the config in linux-base-*; older kernels: one linux-image-*-unsigned package.
case $kver in
7.* | [89].*) pkgs=("linux-binary-unsigned-$kver" "linux-modules-$kver" "linux-base-$kver") ;;
*) pkgs=("linux-image-$kver-unsigned") ;;
esac
debs=()
for p in "${pkgs[@]}"; do debs+=("$(lab_fetch_deb "$p:$LAB_DEBARCH")"); done

tmp=$(mktemp -d "$LAB_CACHE/.extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for deb in "${debs[@]}"; do
	echo "lab: extracting $(basename "$deb")" >&2
	dpkg-deb -x "$deb" "$tmp/root"
done
# Merged-/usr packages (7.x) put modules, image and config under /usr/lib/modules;
# depmod -b looks in ROOT/lib/modules.
if [ -d "$tmp/root/usr/lib/modules/$kver" ]; then
	mkdir -p "$tmp/root/lib/modules"
	mv "$tmp/root/usr/lib/modules/$kver" "$tmp/root/lib/modules/$kver"
fi
# The package ships no modules.dep (postinst runs depmod): generate it in the tree.
depmod -b "$tmp/root" "$kver"
mdir=$tmp/root/lib/modules/$kver

# Resolve dependencies depth-first so every module follows what it needs.
declare -A seen=()
order=()
dep_of() { # module path relative to mdir -> its direct+transitive deps from modules.dep
	sed -n "s|^$1: *||p" "$mdir/modules.dep" | sed -n 1p
}
visit() {
	local m=$1 d
	[ -n "${seen[$m]:-}" ] && return 0
	seen[$m]=1
	for d in $(dep_of "$m"); do visit "$d"; done
	order+=("$m")
}
for name in "${port_mods[@]}" - "${want_mods[@]}"; do
	if [ "$name" = - ]; then nport=${#order[@]}; continue; fi
	grep -qE "/$name\.ko\$" "$mdir/modules.builtin" 2>/dev/null && continue
	path=$(grep -E "^([^:]*/)?$name\\.ko(\\.xz|\\.zst|\\.gz)?:" "$mdir/modules.dep" | cut -d: -f1 | sed -n 1p)
	[ -n "$path" ] || { echo "lab: module $name not in $kver" >&2; exit 1; }
	visit "$path"
done

stage=$tmp/stage
mkdir -p "$stage/modules"
for f in "$tmp/root/boot/vmlinuz-$kver" "$mdir/vmlinuz.unsigned" "$mdir/vmlinuz"; do
	if [ -f "$f" ]; then cp "$f" "$stage/vmlinuz"; break; fi
done
for f in "$tmp/root/boot/config-$kver" "$mdir/config"; do
	if [ -f "$f" ]; then cp "$f" "$stage/config"; break; fi
done
if [ ! -f "$stage/vmlinuz" ] || [ ! -f "$stage/config" ]; then
	echo "lab: no kernel image/config in ${pkgs[*]}" >&2
	exit 1
fi
cp "$mdir/modules.dep" "$stage/modules.dep"
: >"$stage/modules/port.list"
i=0
for m in "${order[@]}"; do
	base=$(basename "$m")
	case $base in
	*.ko.xz) xz -dc "$mdir/$m" >"$stage/modules/${base%.xz}" ;; # busybox insmod cannot read .xz
	*.ko) cp "$mdir/$m" "$stage/modules/$base" ;;
	*) echo "lab: unsupported module compression: $m" >&2; exit 1 ;;
	esac
	if [ "$i" -lt "$nport" ]; then list=port.list; else list=load.list; fi
	echo "${base%.xz}" >>"$stage/modules/$list"
	i=$((i + 1))
done
touch "$stage/.complete"
rm -rf "$out"
mv "$stage" "$out"
echo "lab: $kver modules: $(cat "$out/modules/port.list" "$out/modules/load.list" | tr '\n' ' ')" >&2
echo "$out"
