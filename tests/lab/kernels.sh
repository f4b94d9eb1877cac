# shellcheck shell=bash
# Sourced by every lab script: paths, and which Debian kernels the lab boots.
# LAB_ARCH picks the guest architecture: x86_64 (default) or arm64.
#   6.1  -> linux-image-6.1.0-NN-ARCH that linux-image-ARCH depends on (bookworm)
#   6.12 -> highest linux-image-6.12.N+deb12-ARCH-unsigned (bookworm-security)
#   5.10 -> highest linux-image-5.10.0-NN-amd64-unsigned (bullseye-security, x86_64 only)
#   7.2  -> highest linux-binary-unsigned-7.2.N+debNN-amd64 (sid, x86_64 only)
# 5.10 and 7.2 come from the lab's private apt sources (tests/lab/apt/sources.list, lists
# under the lab cache; lab_apt), never from /etc/apt. lab_kver prints the kernel release
# (uname -r) for a short name.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LAB_DIR/../.." && pwd)
LAB_CACHE=${LAB_CACHE:-$HOME/.cache/dmabuf-audit/lab}
LAB_BUILD=${LAB_BUILD:-$REPO/build/lab}
LAB_ARCH=${LAB_ARCH:-x86_64}
# shellcheck disable=SC2034 # used by the scripts that source this file
case $LAB_ARCH in
x86_64 | amd64) LAB_ARCH=x86_64 LAB_DEBARCH=amd64 LAB_GNU=x86_64-linux-gnu ;;
arm64 | aarch64) LAB_ARCH=arm64 LAB_DEBARCH=arm64 LAB_GNU=aarch64-linux-gnu ;;
*) echo "lab: unknown LAB_ARCH '$LAB_ARCH' (want x86_64 or arm64)" >&2; exit 2 ;;
esac
export LAB_ARCH
# shellcheck disable=SC2034 # used by the scripts that source this file
# The kernels `run.sh` (and `make check`) boots by default: every generation Debian ships
# for the architecture (5.10 and 7.2 are x86_64 only in the lab).
if [ "$LAB_ARCH" = arm64 ]; then LAB_KERNELS="6.1 6.12"; else LAB_KERNELS="6.1 6.12 7.2 5.10"; fi

# lab_apt apt-get|apt-cache ARGS...: apt with the lab's own sources and lists only.
# Check-Valid-Until=false: the registry this lab reaches can serve a sid Release file past
# its (one-week) Valid-Until (measured: expired by 19 days on a fresh machine); the
# signatures are still checked, only the freshness date is not.
lab_apt() {
	local tool=$1
	shift
	mkdir -p "$LAB_CACHE/apt/lists/partial" "$LAB_CACHE/apt/cache/archives/partial"
	"$tool" -o Dir::Etc::sourcelist="$LAB_DIR/apt/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$LAB_CACHE/apt/lists" -o Dir::Cache="$LAB_CACHE/apt/cache" \
		-o Acquire::Check-Valid-Until=false "$@"
}

# lab_private RELEASE: true when the release's packages come from the private sources.
lab_private() {
	case $1 in 5.10 | 5.10.* | 7.* | [89].*) return 0 ;; *) return 1 ;; esac
}

_lab_lookup() {
	local a=$LAB_DEBARCH
	case $1 in
	6.1)
		apt-cache depends "linux-image-$a" 2>/dev/null |
			sed -n "s/^ *Depends: linux-image-\\(6\\.1\\.0-[0-9][0-9]*-$a\\)\\(:$a\\)\\{0,1\\}\$/\\1/p" | sed -n 1p ;;
	6.12)
		apt-cache search --names-only "^linux-image-6\\.12\\..*\\+deb12-$a-unsigned\$" 2>/dev/null |
			sed -n "s/^linux-image-\\(6\\.12\\.[^ ]*-$a\\)-unsigned .*/\\1/p" | sort -V | tail -n1 ;;
	5.10)
		lab_apt apt-cache search --names-only '^linux-image-5\.10\.0-[0-9]+-amd64-unsigned$' 2>/dev/null |
			sed -n 's/^linux-image-\(5\.10\.0-[0-9]*-amd64\)-unsigned .*/\1/p' | sort -V | tail -n1 ;;
	7.2)
		lab_apt apt-cache search --names-only '^linux-binary-unsigned-7\.2\.[0-9]+\+deb[0-9]+-amd64$' 2>/dev/null |
			sed -n 's/^linux-binary-unsigned-\(7\.2\.[^ ]*-amd64\) .*/\1/p' | sort -V | tail -n1 ;;
	esac
}

# lab_kver 6.1|6.12|5.10|7.2|RELEASE: print the release; a full release is passed through.
lab_kver() {
	local v
	case $1 in
	6.1 | 6.12) ;;
	5.10 | 7.2)
		[ "$LAB_ARCH" = x86_64 ] || { echo "lab: kernel $1 is x86_64 only in the lab" >&2; return 1; } ;;
	[0-9]*.*-*) echo "$1"; return 0 ;;
	*) echo "lab: unknown kernel '$1' (want 6.1, 6.12, 5.10, 7.2 or a release like 6.1.0-56-amd64)" >&2; return 1 ;;
	esac
	# Resolved once by lab_resolve (exported to the child scripts) or pinned by the user.
	v=$(_lab_pinned "$1")
	if [ -n "$v" ]; then echo "$v"; return 0; fi
	v=$(_lab_lookup "$1")
	if [ -z "$v" ]; then
		# Lists missing or stale: the only case where the lab runs apt-get update.
		echo "lab: no package found for kernel $1, running apt-get update" >&2
		if lab_private "$1"; then
			lab_apt apt-get update -qq 2>&1 | grep -v 'unsandboxed' >&2 || true
		else
			apt-get update -qq >&2 || true
		fi
		v=$(_lab_lookup "$1")
	fi
	[ -n "$v" ] || { echo "lab: cannot resolve a Debian $LAB_DEBARCH kernel for $1" >&2; return 1; }
	echo "$v"
}

# Pins: LAB_KVER_6_1, LAB_KVER_6_12 (x86_64), LAB_KVER_ARM64_6_1, ... (arm64), LAB_KVER_5_10, LAB_KVER_7_2.
_lab_pinvar() {
	local n=${1//./_}
	if [ "$LAB_ARCH" = arm64 ]; then echo "LAB_KVER_ARM64_$n"; else echo "LAB_KVER_$n"; fi
}
_lab_pinned() {
	local var
	var=$(_lab_pinvar "$1")
	echo "${!var:-}"
}

# lab_short RELEASE: major.minor, e.g. 6.1 / 6.12 / 5.10 / 7.2 (check.py's KVER).
lab_short() {
	sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$1"
}

# lab_resolve [SHORT...]: resolve the kernels (default: LAB_KERNELS) once in this shell and
# export the result, so the scripts it runs skip the (slow) apt-cache lookups.
lab_resolve() {
	local k var v
	# shellcheck disable=SC2086 # a list of words
	[ $# -gt 0 ] || set -- $LAB_KERNELS
	for k in "$@"; do
		case $k in 6.1 | 6.12 | 5.10 | 7.2) ;; *) continue ;; esac
		var=$(_lab_pinvar "$k")
		v=$(lab_kver "$k") || return 1
		printf -v "$var" '%s' "$v"
		export "${var?}"
	done
}

# lab_fetch_deb [--private] PKG[:ARCH]: print the path of PKG's .deb in the cache, downloading
# it once (from the private sources with --private or for a private kernel release's
# packages, else with the machine's apt sources).
lab_fetch_deb() {
	local private=0 name arch='' deb debs=$LAB_CACHE/debs
	if [ "$1" = --private ]; then private=1; shift; fi
	name=${1%%:*}
	if lab_private "$(sed -E 's/^linux-[a-z-]*-([0-9])/\1/' <<<"$name")"; then private=1; fi
	case $1 in *:*) arch=${1#*:} ;; esac
	mkdir -p "$debs"
	_lab_find_deb() {
		find "$debs" -maxdepth 1 \( -name "${name}_*_${arch:-*}.deb" -o -name "${name}_*_all.deb" \) |
			sort -V | tail -n1
	}
	deb=$(_lab_find_deb)
	if [ -z "$deb" ]; then
		# apt-get download writes into the current directory; as root it warns that the
		# _apt user cannot write there (unsandboxed download): harmless.
		if [ "$private" = 1 ]; then
			(cd "$debs" && lab_apt apt-get download -q "$1" 2>&1 | grep -v 'unsandboxed' >&2) || true
		else
			(cd "$debs" && apt-get download -q "$1" 2>&1 | grep -v 'unsandboxed' >&2) || true
		fi
		deb=$(_lab_find_deb)
		[ -n "$deb" ] || { echo "lab: apt-get download $1 failed" >&2; return 1; }
	fi
	echo "$deb"
}
