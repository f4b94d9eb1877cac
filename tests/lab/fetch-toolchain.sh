#!/bin/bash
# fetch-toolchain.sh runtime|gcc-NN: a private sid toolchain for sid kernels (7.x), whose
# headers want gcc-NN (gcc-16-for-host) and whose kbuild tools need a newer glibc than
# Debian 12's. Debian's sid packages (gcc-NN, binutils, libc6 and their dependencies,
# resolved by apt against an empty dpkg status) are extracted into
# $LAB_CACHE/toolchain/sid, never installed. Every ELF program there runs through sid's
# own dynamic loader (ld.so --library-path), so nothing of the machine's changes.
#   runtime: print the directory holding `run PROGRAM ARGS...` (runs PROGRAM with sid's libc)
#   gcc-NN : print a directory for PATH with x86_64-linux-gnu-{gcc-NN,as,ld,...}
# Cached: a second run downloads and extracts nothing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=kernels.sh
. "$(dirname "$0")/kernels.sh"

[ $# -eq 1 ] || { echo "usage: $0 runtime|gcc-NN" >&2; exit 2; }
root=$LAB_CACHE/toolchain/sid
case $1 in
runtime) want=(libc6 libelf1t64 zlib1g libzstd1) ;;
gcc-[0-9]*) want=("$1" binutils-x86-64-linux-gnu libc6 libelf1t64 zlib1g libzstd1) ;;
*) echo "usage: $0 runtime|gcc-NN" >&2; exit 2 ;;
esac
stamp=$root/.complete-$1
if [ -f "$stamp" ]; then
	if [ "$1" = runtime ]; then echo "$root"; else echo "$root/wrap-bin"; fi
	exit 0
fi

# Closure of the wanted packages in the private sources (sid wins: highest versions).
empty=$(mktemp)
trap 'rm -f "$empty"' EXIT
names=$(lab_apt apt-get -o Dir::State::status="$empty" -o Debug::NoLocking=1 \
	-o APT::Install-Recommends=0 -o APT::Architectures::=amd64 --print-uris -qq install "${want[@]}" |
	awk '{print $2}' | sed 's/_.*//' | sort -u)
[ -n "$names" ] || { echo "lab: cannot resolve ${want[*]} in the private sid sources" >&2; exit 1; }
mkdir -p "$root" "$LAB_CACHE/debs"
# One apt-get download for every package not cached yet (one at a time is minutes).
missing=()
for n in $names; do
	[ -n "$(find "$LAB_CACHE/debs" -maxdepth 1 -name "${n}_*_amd64.deb" -o -name "${n}_*_all.deb")" ] ||
		missing+=("$n:amd64")
done
if [ ${#missing[@]} -gt 0 ]; then
	(cd "$LAB_CACHE/debs" && lab_apt apt-get download -q "${missing[@]}" 2>&1 | grep -v 'unsandboxed' | tail -n1 >&2) || true
fi
for n in $names; do
	deb=$(lab_fetch_deb --private "$n:amd64")
	# Extract each package once (marker per .deb), over the same root.
	mark=$root/.deb-$(basename "$deb")
	[ -f "$mark" ] && continue
	dpkg-deb -x "$deb" "$root"
	touch "$mark"
done

loader=$(find "$root/usr/lib64" "$root/usr/lib/x86_64-linux-gnu" -maxdepth 1 -name 'ld-linux-x86-64.so.2' 2>/dev/null | sed -n 1p)
[ -n "$loader" ] || { echo "lab: no ld-linux-x86-64.so.2 in $root" >&2; exit 1; }
libs=$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu
cat >"$root/run" <<EOF
#!/bin/sh
# run PROGRAM ARGS...: PROGRAM with sid's libc ($root)
p=\$1
shift
exec "$loader" --library-path "$libs" --argv0 "\$p" "\$p" "\$@"
EOF
chmod 755 "$root/run"

# Programs exec'ed by other programs (gcc -> cc1, as, collect2, ld) must wrap themselves:
# the real ELF becomes NAME.real, NAME a script that runs it through sid's loader.
wrap() {
	local f=$1
	[ -f "$f" ] && [ ! -L "$f" ] && [ -x "$f" ] || return 0
	case $f in *.real | *.so | *.so.*) return 0 ;; esac
	[ "$(head -c4 "$f" | tail -c3)" = ELF ] || return 0
	# (the whole output first: `readelf | grep -q` dies of SIGPIPE under pipefail)
	grep -q 'program interpreter' <<<"$(readelf -l "$f" 2>/dev/null)" || return 0
	mv "$f" "$f.real"
	# shellcheck disable=SC2016 # "$@" belongs to the wrapper
	printf '#!/bin/sh\nexec %s/run %s.real "$@"\n' "$root" "$f" >"$f"
	chmod 755 "$f"
}
if [ "$1" != runtime ]; then
	while IFS= read -r f; do wrap "$f"; done < <(find "$root/usr/bin" "$root/usr/libexec" \
		"$root/usr/x86_64-linux-gnu/bin" -type f 2>/dev/null)
	# What kbuild calls, by name, first on PATH (symlinks into the wrapped tree).
	mkdir -p "$root/wrap-bin"
	for t in "$1" gcc cpp as ld ld.bfd objcopy objdump nm ar strip readelf; do
		src=$root/usr/bin/x86_64-linux-gnu-$t
		[ -e "$src" ] || continue
		ln -sf "$src" "$root/wrap-bin/x86_64-linux-gnu-$t"
	done
	[ -e "$root/wrap-bin/x86_64-linux-gnu-$1" ] || { echo "lab: no x86_64-linux-gnu-$1 in $root" >&2; exit 1; }
	"$root/wrap-bin/x86_64-linux-gnu-$1" --version | sed -n 1p >&2
fi
touch "$stamp"
if [ "$1" = runtime ]; then echo "$root"; else echo "$root/wrap-bin"; fi
