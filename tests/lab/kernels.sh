# shellcheck shell=bash
# Sourced by every lab script: paths, and which Debian kernels the lab boots.
#   6.1  -> linux-image-6.1.0-NN-amd64 that linux-image-amd64 depends on
#   6.12 -> highest linux-image-6.12.N+deb12-amd64-unsigned (bookworm-security)
# lab_kver prints the kernel release (uname -r) for a short name; the image package
# is linux-image-<release>-unsigned, the headers linux-headers-<release>.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LAB_DIR/../.." && pwd)
LAB_CACHE=${LAB_CACHE:-$HOME/.cache/dmabuf-audit/lab}
LAB_BUILD=${LAB_BUILD:-$REPO/build/lab}
# shellcheck disable=SC2034 # used by the scripts that source this file
LAB_KERNELS="6.1 6.12"

_lab_lookup() {
	case $1 in
	6.1)
		apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: linux-image-\(6\.1\.0-[0-9][0-9]*-amd64\)$/\1/p' | head -n1 ;;
	6.12)
		apt-cache search --names-only '^linux-image-6\.12\..*\+deb12-amd64-unsigned$' 2>/dev/null |
			sed -n 's/^linux-image-\(6\.12\.[^ ]*-amd64\)-unsigned .*/\1/p' | sort -V | tail -n1 ;;
	esac
}

# lab_kver 6.1|6.12|RELEASE: print the release; a full release is passed through.
lab_kver() {
	local v
	case $1 in
	6.1 | 6.12) ;;
	[0-9]*.*-*) echo "$1"; return 0 ;;
	*) echo "lab: unknown kernel '$1' (want 6.1, 6.12 or a release like 6.1.0-56-amd64)" >&2; return 1 ;;
	esac
	# Resolved once by lab_resolve (exported to the child scripts) or pinned by the user.
	case $1 in 6.1) v=${LAB_KVER_6_1:-} ;; 6.12) v=${LAB_KVER_6_12:-} ;; esac
	if [ -n "$v" ]; then echo "$v"; return 0; fi
	v=$(_lab_lookup "$1")
	if [ -z "$v" ]; then
		# Lists missing or stale: the only case where the lab runs apt-get update.
		echo "lab: no package found for kernel $1, running apt-get update" >&2
		apt-get update -qq >&2 || true
		v=$(_lab_lookup "$1")
	fi
	[ -n "$v" ] || { echo "lab: cannot resolve a Debian kernel for $1" >&2; return 1; }
	echo "$v"
}

# lab_short RELEASE: 6.1 / 6.12 (what check.py takes as KVER for its expectations).
lab_short() {
	case $1 in 6.1 | 6.1.*) echo 6.1 ;; 6.12 | 6.12.*) echo 6.12 ;; *) echo "${1%%-*}" ;; esac
}

# lab_resolve: resolve every lab kernel once in this shell and export the result, so
# the scripts it runs skip the (slow) apt-cache lookups. Pin with LAB_KVER_6_1/LAB_KVER_6_12.
lab_resolve() {
	LAB_KVER_6_1=$(lab_kver 6.1) && LAB_KVER_6_12=$(lab_kver 6.12) || return 1
	export LAB_KVER_6_1 LAB_KVER_6_12
}
