#!/bin/bash
# fetch-headers.sh KVER: print the kbuild directory the test module is built against.
#   x86_64 6.1/6.12: the installed /usr/src/linux-headers-RELEASE (tests/lab/deps.sh).
#   5.10, 7.x and every arm64 kernel: Debian's header packages (flavour, -common and
#   linux-kbuild-*) extracted into $LAB_CACHE/headers/RELEASE, never installed (another
#   suite or architecture: they would clash with the machine's packages). For arm64 the
#   kbuild host tools come from the amd64 linux-kbuild package of the same version.
#   Kbuild tools built against a newer glibc than the machine's (sid) run through the
#   private sid runtime (fetch-toolchain.sh).
# Cached: a second run downloads and extracts nothing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=kernels.sh
. "$(dirname "$0")/kernels.sh"

[ $# -eq 1 ] || { echo "usage: $0 6.1|6.12|5.10|7.2|RELEASE" >&2; exit 2; }
kver=$(lab_kver "$1")
if [ "$LAB_ARCH" = x86_64 ] && ! lab_private "$kver"; then
	echo "/usr/src/linux-headers-$kver"
	exit 0
fi
out=$LAB_CACHE/headers/$kver
hdir=$out/usr/src/linux-headers-$kver
[ -f "$out/.complete" ] && { echo "$hdir"; exit 0; }

flavour=linux-headers-$kver
if lab_private "$kver"; then
	deps=$(lab_apt apt-cache depends "$flavour")
else
	deps=$(apt-cache depends "$flavour:$LAB_DEBARCH")
fi
# "Depends: <linux-headers-X-common:arm64>" (arch: all, seen from arm64), "linux-kbuild-X:arm64"
common=$(sed -n 's/^ *Depends: <\{0,1\}\(linux-headers-[^ :>]*-common\)[:a-z0-9]*>\{0,1\}$/\1/p' <<<"$deps" | sed -n 1p)
kbuild=$(sed -n 's/^ *Depends: <\{0,1\}\(linux-kbuild-[^ :>]*\)[:a-z0-9]*>\{0,1\}$/\1/p' <<<"$deps" | sed -n 1p)
if [ -z "$common" ] || [ -z "$kbuild" ]; then
	echo "lab: cannot find -common/linux-kbuild for $flavour in: $deps" >&2
	exit 1
fi

debs=("$(lab_fetch_deb "$flavour:$LAB_DEBARCH")" "$(lab_fetch_deb "$common")" "$(lab_fetch_deb "$kbuild:amd64")")
rm -rf "$out"
mkdir -p "$out"
for deb in "${debs[@]}"; do
	echo "lab: extracting $(basename "$deb")" >&2
	dpkg-deb -x "$deb" "$out"
done
# The flavour Makefile includes the -common tree by its absolute /usr/src path; the
# scripts/tools symlinks are relative (../../lib/linux-kbuild-*) and resolve in place.
sed -i "s|/usr/src/|$out/usr/src/|g" "$hdir/Makefile"
[ -e "$hdir/scripts/basic/fixdep" ] || { echo "lab: $hdir/scripts is not usable" >&2; exit 1; }

# Host tools linked against a glibc newer than the machine's: run them with sid's.
host_glibc=$(ldd --version | sed -n '1s/.* \([0-9][0-9]*\.[0-9][0-9]*\)$/\1/p')
needs_newer() { # ELF -> true if it needs a GLIBC_x newer than the machine's
	local v
	v=$(objdump -T "$1" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n1)
	[ -n "$v" ] && [ "$(printf '%s\n%s\n' "$v" "$host_glibc" | sort -V | tail -n1)" != "$host_glibc" ]
}
kdir=$(cd -P "$hdir/scripts/.." && pwd)
while IFS= read -r f; do
	[ "$(head -c4 "$f" | tail -c3)" = ELF ] || continue
	needs_newer "$f" || continue
	runtime=${runtime:-$("$LAB_DIR/fetch-toolchain.sh" runtime)}
	mv "$f" "$f.real"
	# shellcheck disable=SC2016 # $0 and $@ belong to the wrapper
	printf '#!/bin/sh\nexec %s/run "$0.real" "$@"\n' "$runtime" >"$f"
	chmod 755 "$f"
	echo "lab: $(basename "$f") needs a newer glibc: runs with the sid runtime" >&2
done < <(find "$kdir" -type f -perm -u+x)
touch "$out/.complete"
echo "$hdir"
