#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# recipes.sh: the board recipes (dist/buildroot, dist/yocto) kept true to the tree.
#   1. versions: the Buildroot .mk's, its .hash's tarball name's and the Yocto recipe's
#      file name's are the Makefile's VERSION and debian/changelog's;
#   2. LICENSE: the .hash's sha256 and the recipe's md5 are those of the file;
#   3. licenses: every SPDX-License-Identifier under bpf/ src/ include/ tests/module/ is
#      one of each recipe's licenses, and each recipe license is one of them;
#   4. files: what the recipes and the Makefile's install take from the tree exists, the
#      unit they name is dist/'s, the conffile is the daemon's default config (src/cli.h);
#   5. the recipes' own commands, on a scratch copy of the tree's files (build/ of the
#      tree is never touched): the .mk through make, with Buildroot's variables and its
#      generic-package build and target-install steps; the recipe's do_compile and
#      do_install with its variables expanded as BitBake does; this machine's clang,
#      bpftool and compiler stand for the host and target tools. For this machine's
#      architecture and, where Debian's cross compiler and static libraries are there,
#      the other one. The installed files must be exactly the expected ones, the binary
#      static, for its machine, printing the Makefile's version (this machine's), the
#      unit's ExecStart the installed binary, the Yocto files all packaged.
# --self-test: mutated copies of the recipes (versions, checksums, licenses, files, build
# flags) must each fail, with the line expected.
# Usage: recipes.sh [--self-test]. Prints ok/FAIL lines and a count; exit 0 or 1 (2: setup).
set -euo pipefail
# Called from make (make recipes-test): its flags and command-line variables (make check
# CC=...) would reach the recipes' make runs; Buildroot's and BitBake's do not have them.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fails=0 passes=0
ok() { echo "ok - $*"; passes=$((passes + 1)); }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
die() { echo "recipes: $*" >&2; exit 2; }

for t in git make cc clang llvm-strip bpftool readelf sha256sum md5sum; do
	command -v "$t" >/dev/null || die "needs $t (make deps)"
done
version=$(sed -n 's/^VERSION := //p' "$root/Makefile")
[ -n "$version" ] || die "no 'VERSION := ' in the Makefile"
# the upstream version of the first entry: no epoch, no Debian revision
deb_version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$root/debian/changelog" |
	sed -e 's/^[0-9]*://' -e 's/-[^-]*$//')
default_config=$(sed -n 's/^#define DA_DEFAULT_CONFIG "\(.*\)"$/\1/p' "$root/src/cli.h")
[ -n "$default_config" ] || die "no DA_DEFAULT_CONFIG in src/cli.h"
jobs=$(nproc)

case $(uname -m) in
x86_64) native=x86_64 foreign=aarch64 ;;
aarch64) native=aarch64 foreign=x86_64 ;;
*) die "runs on x86_64 or aarch64, the recipes' architectures" ;;
esac
# Per architecture (the Buildroot/Yocto name): the Makefile's ARCH, Debian's triplet, the
# machine readelf names.
make_arch() { case $1 in x86_64) echo x86 ;; aarch64) echo arm64 ;; esac; }
triplet() { echo "$1-linux-gnu"; }
machine() { case $1 in x86_64) echo 'Advanced Micro Devices X86-64' ;; aarch64) echo AArch64 ;; esac; }
# The compiler for an architecture: cc for this machine's, else Debian's cross compiler
# if it and the static libraries are installed (make arm64-static installs them).
target_cc() {
	if [ "$1" = "$native" ]; then
		echo cc
	elif command -v "$(triplet "$1")-gcc" >/dev/null &&
		[ -e "/usr/lib/$(triplet "$1")/libbpf.a" ] && [ -e "/usr/lib/$(triplet "$1")/libelf.a" ]; then
		echo "$(triplet "$1")-gcc"
	fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/recipes.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The tree's files as git lists them (as tests/pkg/deb.sh), without build/.
src=$tmp/src
mkdir -p "$src"
(cd "$root" && git ls-files -co --exclude-standard -z | grep -zv '^tests/lab/fixtures/' |
	tar --null --ignore-failed-read -cf - -T - 2>/dev/null) | tar -xf - -C "$src" ||
	die "cannot copy the tree's files (git ls-files | tar)"
[ -f "$src/Makefile" ] || die "no Makefile in the copy of the tree (git ls-files)"
# Buildroot's HOST_DIR and Yocto's native sysroot: this machine's tools. The target's
# staging directory and sysroot: this machine's /usr (Debian multiarch).
host=$tmp/host staging=$tmp/staging
mkdir -p "$host/bin" "$host/sbin" "$staging"
ln -s "$(command -v clang)" "$host/bin/clang"
ln -s "$(command -v llvm-strip)" "$host/bin/llvm-strip"
ln -s "$(command -v bpftool)" "$host/sbin/bpftool"
ln -s /usr "$staging/usr"

# ---- the recipes of a directory ($1/buildroot, $1/yocto) ---------------------------------
find_recipes() {
	local bbs f
	mk=$1/buildroot/dmabuf-audit/dmabuf-audit.mk
	hash=$1/buildroot/dmabuf-audit/dmabuf-audit.hash
	cfg=$1/buildroot/dmabuf-audit/Config.in
	bbs=$(find "$1/yocto" -maxdepth 1 -name 'dmabuf-audit_*.bb' 2>/dev/null | sort)
	bb=$bbs
	for f in "$mk" "$hash" "$cfg"; do
		[ -f "$f" ] || { bad "no ${f#"$1"/}"; return 1; }
	done
	if [ -z "$bbs" ] || [ "$(wc -l <<<"$bbs")" != 1 ]; then
		bad "not one dist/yocto/dmabuf-audit_VERSION.bb: ${bbs:-none}"
		return 1
	fi
}

# A Buildroot .mk variable (one line, as written).
mk_var() { sed -n "s/^$1[[:space:]]*=[[:space:]]*//p" "$mk"; }

# ---- 1. versions --------------------------------------------------------------------------
check_version() { # WHAT VERSION
	if [ "$2" != "$version" ]; then
		bad "$1 ${2:-(none)}, the Makefile's VERSION $version"
	elif [ "$2" != "$deb_version" ]; then
		bad "$1 $2, debian/changelog's ${deb_version:-(none)}"
	else
		ok "$1 $2 (Makefile, debian/changelog)"
	fi
}

check_versions() {
	local v
	check_version "Buildroot DMABUF_AUDIT_VERSION" "$(mk_var DMABUF_AUDIT_VERSION)"
	v=$(awk '$1 == "sha256" && $3 ~ /^dmabuf-audit-.*\.tar\.gz$/ { print $3 }' "$hash")
	v=${v#dmabuf-audit-}
	check_version "Buildroot .hash tarball dmabuf-audit-VERSION.tar.gz: version" "${v%.tar.gz}"
	v=${bb##*/dmabuf-audit_}
	check_version "Yocto recipe version (file name)" "${v%.bb}"
}

# ---- 2. LICENSE checksums ----------------------------------------------------------------
check_checksums() {
	local f want got
	for f in $(mk_var DMABUF_AUDIT_LICENSE_FILES); do
		if [ ! -f "$root/$f" ]; then
			bad "Buildroot LICENSE_FILES names $f, not in the tree"
			continue
		fi
		want=$(sha256sum <"$root/$f" | cut -d' ' -f1)
		got=$(awk -v f="$f" '$1 == "sha256" && $3 == f { print $2 }' "$hash")
		if [ "$got" = "$want" ]; then
			ok "Buildroot .hash: sha256 of $f"
		else
			bad "Buildroot .hash: sha256 of $f is ${got:-missing}, the file's $want"
		fi
	done
	want=$(md5sum <"$root/LICENSE" | cut -d' ' -f1)
	got=$(grep -o 'file://LICENSE;md5=[0-9a-f]*' "$bb" | sed 's/.*md5=//' || true)
	if [ "$got" = "$want" ]; then
		ok "Yocto LIC_FILES_CHKSUM: md5 of LICENSE"
	else
		bad "Yocto LIC_FILES_CHKSUM: md5 of LICENSE is ${got:-missing}, the file's $want"
	fi
}

# ---- 3. license expressions --------------------------------------------------------------
# One expression, comparable: GPL-2.0-only is GPL-2.0, "a or b", "a | b" and "b OR a" are
# one thing; an exception (WITH) only adds permissions to its license, so drops out.
norm_license() {
	sed -E -e 's/[()]//g' -e 's/[[:space:]]+WITH[[:space:]]+[^[:space:]|]+//g' \
		-e 's/[[:space:]]*(\||[[:space:]]([Oo][Rr])[[:space:]])[[:space:]]*/\n/g' <<<"$1" |
		sed -E -e 's/^[[:space:]]+//' -e 's/[[:space:]]+$//' -e 's/-only$//' -e 's/-or-later$/+/' |
		sort -u | paste -sd'|' - | sed 's/|/ OR /g'
}

# Buildroot: "EXPR (comment), EXPR (comment)"; Yocto: "EXPR & (EXPR)". One per line.
br_licenses() {
	local e
	# shellcheck disable=SC2001 # a regular expression: ${//} has only globs
	sed 's/([^)]*)//g' <<<"$(mk_var DMABUF_AUDIT_LICENSE)" | tr ',' '\n' | while IFS= read -r e; do
		[ -n "${e// /}" ] && norm_license "$e"
	done | sort -u
}
bb_licenses() {
	local e
	# split on the & outside parentheses
	sed -n 's/^LICENSE = "\(.*\)"$/\1/p' "$bb" |
		awk '{ d = 0; s = ""; for (i = 1; i <= length($0); i++) { c = substr($0, i, 1);
			if (c == "(") d++; if (c == ")") d--;
			if (c == "&" && d == 0) { print s; s = "" } else s = s c } print s }' |
		while IFS= read -r e; do
			[ -n "${e// /}" ] && norm_license "$e"
		done | sort -u
}

check_licenses() {
	local tree br yo id l before=$fails
	tree=$(cd "$root" && grep -rhoE 'SPDX-License-Identifier:.*' bpf src include tests/module |
		sed -E -e 's/SPDX-License-Identifier:[[:space:]]*//' -e 's/[[:space:]]*(\*\/)?[[:space:]]*$//' |
		sort -u | while IFS= read -r id; do norm_license "$id"; done | sort -u)
	[ -n "$tree" ] || { bad "no SPDX-License-Identifier under bpf/ src/ include/ tests/module/"; return; }
	br=$(br_licenses)
	yo=$(bb_licenses)
	while IFS= read -r l; do
		grep -qxF "$l" <<<"$br" || bad "Buildroot LICENSE lacks '$l' (SPDX-License-Identifier in the tree)"
		grep -qxF "$l" <<<"$yo" || bad "Yocto LICENSE lacks '$l' (SPDX-License-Identifier in the tree)"
	done <<<"$tree"
	while IFS= read -r l; do
		grep -qxF "$l" <<<"$tree" || bad "Buildroot LICENSE names '$l', no SPDX-License-Identifier in the tree does"
	done <<<"$br"
	while IFS= read -r l; do
		grep -qxF "$l" <<<"$tree" || bad "Yocto LICENSE names '$l', no SPDX-License-Identifier in the tree does"
	done <<<"$yo"
	[ "$fails" != "$before" ] ||
		ok "licenses of the tree: $(paste -sd';' - <<<"$tree" | sed 's/;/; /g') (both recipes: each, no other)"
}

# ---- 4. files taken from the tree ---------------------------------------------------------
check_files() {
	local f unit name missing=""
	# the Makefile's install recipe (what both recipes run), the .mk's $(@D)/... that are
	# not its own _install, the recipe's ${S}/...
	for f in $(sed -n '/^install:/,/^$/p' "$root/Makefile" | grep -oE '(docs|dist)/[A-Za-z0-9._/-]+') \
		$(grep -oE '\$\(@D\)/[A-Za-z0-9._/-]+' "$mk" | sed 's|^[$](@D)/||' | grep -v '^_install' || true) \
		$(grep -oE '\$\{S\}/[A-Za-z0-9._/-]+' "$bb" | sed 's|^[$]{S}/||' || true); do
		[ -e "$root/$f" ] || missing+=" $f"
	done
	if [ -n "$missing" ]; then
		bad "files the recipes install, not in the tree:$missing"
	else
		ok "files the recipes install are in the tree (docs/dmabuf-audit.8, dist/dmabuf-audit.service, dist/dmabuf-audit.conf)"
	fi
	unit=$(sed -n '/^define DMABUF_AUDIT_INSTALL_INIT_SYSTEMD/,/^endef/p' "$mk" |
		grep -oE 'systemd/system/[A-Za-z0-9@._-]+\.service' | sed 's|.*/||' | sort -u)
	name=$(sed -n 's/^SYSTEMD_SERVICE:[$]{PN} = "\(.*\)"$/\1/p' "$bb")
	for f in "Buildroot INSTALL_INIT_SYSTEMD:$unit" "Yocto SYSTEMD_SERVICE:$name"; do
		if [ -n "${f#*:}" ] && [ "$(wc -w <<<"${f#*:}")" = 1 ] && [ -f "$root/dist/${f#*:}" ]; then
			ok "${f%%:*}: ${f#*:} is dist/'s unit"
		else
			bad "${f%%:*}: '${f#*:}' is not the unit of dist/"
		fi
	done
	grep -q '^inherit .*\bsystemd\b' "$bb" || bad "Yocto: SYSTEMD_SERVICE without inherit systemd"
	name=$(sed -n 's/^CONFFILES:[$]{PN} = "\(.*\)"$/\1/p' "$bb" | sed 's|[$]{sysconfdir}|/etc|')
	if [ "$name" = "$default_config" ]; then
		ok "Yocto CONFFILES: $name, the daemon's default config (src/cli.h)"
	else
		bad "Yocto CONFFILES: '$name', the daemon reads $default_config (src/cli.h)"
	fi
}

# ---- 5. the recipes' commands -------------------------------------------------------------
# What an install must hold, relative to its root.
expected_files() { # WITH_MAN
	{
		echo usr/sbin/dmabuf-audit
		echo "${default_config#/}"
		echo usr/lib/systemd/system/dmabuf-audit.service
		[ "$1" = 0 ] || echo usr/share/man/man8/dmabuf-audit.8
	} | sort
}

check_install() { # WHAT ROOT ARCH WITH_MAN
	local what=$1 dir=$2 arch=$3 got want bin=$2/usr/sbin/dmabuf-audit v exec elf f differ=""
	got=$(if [ -d "$dir" ]; then cd "$dir" && find . ! -type d | sed 's|^\./||' | sort; fi)
	want=$(expected_files "$4")
	if [ "$got" = "$want" ]; then
		ok "$what: installs $(paste -sd' ' - <<<"$want")"
	else
		bad "$what: installs [$(paste -sd' ' - <<<"$got")], expected [$(paste -sd' ' - <<<"$want")]"
	fi
	[ -f "$bin" ] || return 0
	# (readelf's output whole first: grep -q leaving early would SIGPIPE it, and pipefail
	# turn a found INTERP into "not found")
	elf=$(readelf -lW "$bin" 2>&1 || true)
	if [[ $elf == *INTERP* ]]; then
		bad "$what: the binary is not static (it has an ELF interpreter)"
	else
		ok "$what: the binary is static (no ELF interpreter)"
	fi
	elf=$(readelf -h "$bin" 2>&1 | sed -n 's/^[[:space:]]*Machine:[[:space:]]*//p')
	if [ "$elf" = "$(machine "$arch")" ]; then
		ok "$what: the binary is for $elf"
	else
		bad "$what: the binary is for '$elf', not $(machine "$arch")"
	fi
	if [ "$arch" = "$native" ]; then
		v=$("$bin" --version 2>&1 || true)
		if [ "$v" = "dmabuf-audit $version" ]; then
			ok "$what: --version says $v"
		else
			bad "$what: --version says '$v', the Makefile's VERSION is $version"
		fi
	fi
	exec=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$dir/usr/lib/systemd/system/dmabuf-audit.service" 2>/dev/null || true)
	if [ -n "$exec" ] && [ -x "$dir$exec" ]; then
		ok "$what: the unit's ExecStart is the installed binary ($exec)"
	else
		bad "$what: the unit's ExecStart '$exec' is not an installed binary"
	fi
	# the tree's files, the unit but for its ExecStart (PREFIX)
	for f in "$default_config:dist/dmabuf-audit.conf" \
		"/usr/lib/systemd/system/dmabuf-audit.service:dist/dmabuf-audit.service" \
		"/usr/share/man/man8/dmabuf-audit.8:docs/dmabuf-audit.8"; do
		[ -f "$dir${f%%:*}" ] || continue
		cmp -s <(grep -v '^ExecStart=' "$dir${f%%:*}") <(grep -v '^ExecStart=' "$root/${f#*:}") ||
			differ+=" ${f%%:*}"
	done
	if [ -n "$differ" ]; then
		bad "$what: not the tree's file:$differ"
	else
		ok "$what: config, unit and man page are the tree's"
	fi
}

failed_log() { # WHAT LOG
	bad "$1 (last lines of the log below)"
	tail -n 12 "$2" | sed 's/^/#   /'
}

# The .mk run by make as Buildroot runs it: its variables set as a Buildroot configuration
# for ARCH would (static libraries, systemd; Buildroot's clang or not: BR_CLANG y or empty),
# pkg-generic.mk's build and target-install steps; a variable the .mk uses that is neither
# Buildroot's (defined here) nor a BR2_ option fails.
br_leg() { # ARCH BR_CLANG
	local arch=$1 cc w what v zstd=""
	what="Buildroot $arch"
	cc=$(target_cc "$arch")
	[ -n "$cc" ] || { echo "skip - $what: no $(triplet "$arch")-gcc with static libbpf/libelf (make arm64-static)"; return 0; }
	echo "# $what: BR2_PACKAGE_DMABUF_AUDIT_BR_CLANG=${2:-n}"
	w=$(mktemp -d "$tmp/br-$arch.XXXX")
	cp -a "$src" "$w/src"
	mkdir -p "$w/target"
	# elfutils is built with zstd when BR2_PACKAGE_ZSTD is: Debian's static libelf, when
	# its libzstd.a is there
	[ -e "/usr/lib/$(triplet "$arch")/libzstd.a" ] && zstd=y
	# (not indented: the rules' recipes need their tabs)
	cat >"$w/harness.mk" <<EOF
SHELL := /bin/bash
BR2_$arch := y
BR2_SHARED_STATIC_LIBS := y
BR2_INIT_SYSTEMD := y
BR2_PACKAGE_DMABUF_AUDIT := y
BR2_PACKAGE_DMABUF_AUDIT_BR_CLANG := $2
BR2_PACKAGE_ZSTD := $zstd
HOST_DIR := $host
STAGING_DIR := $staging
TARGET_DIR := $w/target
TARGET_CC := $cc
TARGET_CFLAGS := -D_LARGEFILE_SOURCE -D_LARGEFILE64_SOURCE -D_FILE_OFFSET_BITS=64 -O2 -g0 -D_FORTIFY_SOURCE=1
TARGET_LDFLAGS :=
TARGET_NLS_LIBS :=
INSTALL := install
MAKE := make -j$jobs
PKG := DMABUF_AUDIT
PKGDIR := $w/src
EOF
	cat >>"$w/harness.mk" <<'EOF'
TARGET_MAKE_ENV := PATH="$(HOST_DIR)/bin:$(HOST_DIR)/sbin:$(PATH)" GIT_DIR=.
# pkg-generic.mk's steps: the commands run in a recipe whose $(@D) is the package's
# build directory, the init system's commands after the target's
define generic-package
$(PKGDIR)/.stamp_built:
	+$$($$(PKG)_BUILD_CMDS)
	touch $$@
$(PKGDIR)/.stamp_target_installed: $(PKGDIR)/.stamp_built
	+$$($$(PKG)_INSTALL_TARGET_CMDS)
	$$(if $$(BR2_INIT_SYSTEMD),$$($$(PKG)_INSTALL_INIT_SYSTEMD))
	touch $$@
endef
EOF
	echo "include $mk" >>"$w/harness.mk"
	if ! (cd "$w" && make --warn-undefined-variables -f harness.mk "$w/src/.stamp_target_installed") \
		>"$w/log" 2>&1; then
		failed_log "$what: the .mk's build and install commands failed" "$w/log"
	fi
	# the project's Makefile (the sub-make's "Makefile:N:") is not the .mk's business
	for v in $(grep ': warning: undefined variable' "$w/log" | grep -v '^Makefile:' |
		grep -oE "'[^']*'" | tr -d "'" | grep -v '^BR2_' | sort -u || true); do
		bad "$what: the .mk uses \$($v), which is not a Buildroot variable this check knows"
	done
	check_install "$what" "$w/target" "$arch" 0
}

# The recipe read as BitBake reads the part of its syntax it uses: plain assignments
# (=, ?=, ??=, +=; "NAME:OVERRIDE"; values continued with a backslash), varflags, inherit,
# shell tasks. Any other line fails: a line the check cannot read is a command it would
# not run. Fills bbv (variables; ${PN} in names expanded) and bbf (task bodies).
declare -A bbv bbf
bb_parse() { # FILE
	local line n=0 cont="" fn="" body="" name op val
	# shellcheck disable=SC2016 # BitBake's ${NAME}, literally
	local re='^([A-Za-z0-9_${}.:-]+)(\[[A-Za-z0-9_-]+\])?[[:space:]]*(\?\?=|\?=|\+=|=)[[:space:]]*"(.*)"$'
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		if [ -n "$fn" ]; then
			if [ "$line" = "}" ]; then
				bbf[$fn]=$body
				fn=""
			else
				body+=$line$'\n'
			fi
			continue
		fi
		if [[ $line == *\\ ]]; then
			cont+=${line%\\}
			continue
		fi
		line=$cont$line
		cont=""
		if [[ $line =~ ^[[:space:]]*(#.*)?$ ]]; then
			continue
		elif [[ $line =~ ^([a-z_]+)\(\)[[:space:]]*\{$ ]]; then
			fn=${BASH_REMATCH[1]} body=""
		elif [[ $line =~ ^inherit[[:space:]] ]]; then
			bbv[__inherit]+=" ${line#inherit}"
		elif [[ $line =~ $re ]]; then
			# shellcheck disable=SC2016 # BitBake's ${PN}, literally
			name=${BASH_REMATCH[1]//'${PN}'/${bbv[PN]}} op=${BASH_REMATCH[3]} val=${BASH_REMATCH[4]}
			[ -z "${BASH_REMATCH[2]}" ] || continue # varflags: SRC_URI[sha256sum]
			case $op in
			=) bbv[$name]=$val ;;
			\?= | \?\?=) [ -n "${bbv[$name]+set}" ] || bbv[$name]=$val ;;
			+=) bbv[$name]="${bbv[$name]:-} $val" ;;
			esac
		else
			bad "Yocto: line $n is not read by this check (plain assignments, inherit, shell tasks): $line"
		fi
	done <"$1"
	[ -z "$fn" ] || bad "Yocto: task $fn() has no closing '}' at the start of a line"
}

# ${NAME} replaced by its value, again in the result, as BitBake expands; a ${NAME} it does
# not know fails (BitBake would leave it to the shell, which makes it empty), as does
# inline Python.
bb_expand() { # STRING
	local s=$1 name i
	for ((i = 0; i < 50; i++)); do
		# shellcheck disable=SC2016 # BitBake's ${@...}, literally
		[[ $s == *'${@'* ]] && { echo "inline Python"; return 1; }
		[[ $s =~ \$\{([A-Za-z0-9_:.-]+)\} ]] || { printf '%s' "$s"; return 0; }
		name=${BASH_REMATCH[1]}
		[ -n "${bbv[$name]+set}" ] || { echo "\${$name}"; return 1; }
		s=${s//"\${$name}"/"${bbv[$name]}"}
	done
	echo "a loop"
	return 1
}

# The recipe's do_compile and do_install, their variables expanded, run as BitBake runs
# shell tasks (sh -e, in ${B}; oe_runmake is make with PARALLEL_MAKE and EXTRA_OEMAKE,
# CC/CFLAGS/LDFLAGS exported), for a MACHINE of ARCH; then what ${D} holds must be what
# the recipe's FILES, CONFFILES and SYSTEMD_SERVICE package (Yocto's installed-vs-shipped).
yocto_leg() { # ARCH
	local arch=$1 cc w what override k v f pat t missing oemake tasks="" pats
	what="Yocto $arch"
	cc=$(target_cc "$arch")
	[ -n "$cc" ] || { echo "skip - $what: no $(triplet "$arch")-gcc with static libbpf/libelf (make arm64-static)"; return 0; }
	w=$(mktemp -d "$tmp/yocto-$arch.XXXX")
	cp -a "$src" "$w/src"
	# TRANSLATED_TARGET_ARCH, the override of the architecture
	override=${arch//_/-}
	bbv=() bbf=()
	v=${bb##*/dmabuf-audit_}
	# bitbake.conf's values (usrmerge) and this run's directories
	# shellcheck disable=SC2016 # BitBake's ${NAME}, expanded by bb_expand
	bbv=([PN]=dmabuf-audit [BPN]=dmabuf-audit [PV]=${v%.bb} [BP]='${BPN}-${PV}'
		[prefix]=/usr [exec_prefix]=/usr [bindir]=/usr/bin [sbindir]=/usr/sbin
		[libdir]=/usr/lib [includedir]=/usr/include [datadir]=/usr/share
		[mandir]=/usr/share/man [docdir]=/usr/share/doc [sysconfdir]=/etc
		[systemd_unitdir]=/usr/lib/systemd [systemd_system_unitdir]=/usr/lib/systemd/system
		[WORKDIR]=$w [UNPACKDIR]=$w [S]=$w/src [B]=$w/src [D]=$w/image
		[STAGING_INCDIR]=$staging/usr/include [STAGING_BINDIR_NATIVE]=$host/bin
		[STAGING_SBINDIR_NATIVE]=$host/sbin [CC]=$cc [TARGET_ARCH]=$arch)
	bb_parse "$bb"
	# the overrides of this machine win over the plain value
	for k in "${!bbv[@]}"; do
		[[ $k == *:"$override" ]] && bbv[${k%:"$override"}]=${bbv[$k]}
	done
	for t in do_compile do_install; do
		[ -n "${bbf[$t]+set}" ] || { bad "$what: the recipe has no $t"; return 0; }
	done
	oemake=$(bb_expand "${bbv[EXTRA_OEMAKE]:-}") || { bad "$what: EXTRA_OEMAKE uses $oemake"; return 0; }
	for t in do_compile do_install; do
		v=$(bb_expand "${bbf[$t]}") || { bad "$what: $t uses $v"; return 0; }
		tasks+=$(printf '%s() {\n%s\n}' "$t" "$v")$'\n'
	done
	{
		echo 'set -e'
		# what bitbake.conf exports for a target recipe (security_flags.inc included)
		echo "export CC='$cc'"
		echo "export CFLAGS='-O2 -pipe -g -feliminate-unused-debug-types -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wformat -Wformat-security -Werror=format-security'"
		echo "export LDFLAGS='-Wl,-O1 -Wl,--hash-style=gnu -Wl,--as-needed -Wl,-z,relro,-z,now'"
		echo "oe_runmake() { make -j$jobs $oemake \"\$@\"; }"
		printf '%s' "$tasks"
		printf 'mkdir -p %s\ncd %s\ndo_compile\ncd %s\ndo_install\n' "$w/image" "$w/src" "$w/src"
	} >"$w/run.sh"
	if ! sh "$w/run.sh" >"$w/log" 2>&1; then
		failed_log "$what: the recipe's do_compile/do_install failed" "$w/log"
	fi
	check_install "$what" "$w/image" "$arch" 1
	# what the packages take: FILES:${PN}, the units of SYSTEMD_SERVICE (the systemd
	# class adds them), ${PN}-doc's default ${mandir}
	v=$(bb_expand "${bbv[FILES:dmabuf-audit]:-} ${bbv[mandir]}") || { bad "$what: FILES uses $v"; return 0; }
	read -ra pats <<<"$v"
	for f in ${bbv[SYSTEMD_SERVICE:dmabuf-audit]:-}; do
		pats+=("${bbv[systemd_system_unitdir]}/$f")
		[ -f "$w/image${bbv[systemd_system_unitdir]}/$f" ] ||
			bad "$what: SYSTEMD_SERVICE $f is not installed in ${bbv[systemd_system_unitdir]}"
	done
	missing=""
	while IFS= read -r f; do
		t=0
		for pat in "${pats[@]}"; do
			# shellcheck disable=SC2053 # FILES entries are globs
			if [[ /$f == $pat || /$f == "$pat"/* ]]; then t=1; fi
		done
		[ "$t" = 1 ] || missing+=" /$f"
	done < <(if [ -d "$w/image" ]; then cd "$w/image" && find . ! -type d | sed 's|^\./||'; fi)
	if [ -n "$missing" ]; then
		bad "$what: installed but in no package (FILES):$missing"
	else
		ok "$what: every installed file is packaged (FILES, SYSTEMD_SERVICE, \${PN}-doc)"
	fi
	v=$(bb_expand "${bbv[CONFFILES:dmabuf-audit]:-}") || { bad "$what: CONFFILES uses $v"; return 0; }
	for f in $v; do
		[ -f "$w/image$f" ] || bad "$what: CONFFILES $f is not installed"
	done
}

# ---- the checks on a directory of recipes -----------------------------------------------
# WHICH: all, or one part (files: 1-4; br, yocto: one build, this machine's architecture).
run_checks() { # DIR WHICH
	passes=0 fails=0
	find_recipes "$1" || return 1
	case $2 in
	all | files)
		check_versions
		check_checksums
		check_licenses
		check_files
		;;
	esac
	# Buildroot's default (the build machine's clang) on this machine's architecture, which
	# always runs; its own clang (HOST_DIR) on the other one
	case $2 in all | br) br_leg "$native" "" ;; esac
	case $2 in all | yocto) yocto_leg "$native" ;; esac
	if [ "$2" = all ]; then
		br_leg "$foreign" y
		yocto_leg "$foreign"
	fi
	echo "# recipes: $passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}

# ---- --self-test --------------------------------------------------------------------------
# Each mutation of a copy of dist/'s recipes must fail, on a FAIL line matching what is
# expected: a check that cannot fail is a defect. A mutation that changes nothing is an
# error of the self-test (the recipes changed: update it).
self_test() {
	local n=0 bad_n=0 label file expr which expect m out mnative mforeign f v
	mnative=$(make_arch "$native") mforeign=$(make_arch "$foreign")
	if ! run_checks "$root/dist" files >"$tmp/base.out" 2>&1; then
		cat "$tmp/base.out"
		die "the recipes fail without a mutation: fix them first"
	fi
	# label | file (mk, hash, bb, bb-name) | sed expression (bb-name: the new version) |
	# which checks | the FAIL line expected (extended regex). @NATIVE@, @OVR@ (its
	# override), @MNATIVE@ and @MFOREIGN@ (the Makefile's ARCH of this machine and of the
	# other one) stand for this machine's values.
	while IFS='|' read -r label file expr which expect; do
		[ -n "$label" ] || continue
		for v in label expr expect; do
			m=${!v}
			m=${m//@NATIVE@/$native} m=${m//@OVR@/${native//_/-}}
			m=${m//@MNATIVE@/$mnative} m=${m//@MFOREIGN@/$mforeign}
			printf -v "$v" '%s' "$m"
		done
		n=$((n + 1))
		m=$tmp/mut$n
		mkdir -p "$m"
		cp -a "$root/dist/buildroot" "$root/dist/yocto" "$m/"
		find_recipes "$m" >/dev/null
		case $file in
		mk) f=$mk ;;
		hash) f=$hash ;;
		bb) f=$bb ;;
		bb-name) f="" ;;
		esac
		if [ -z "$f" ]; then
			mv "$bb" "$m/yocto/dmabuf-audit_$expr.bb"
		else
			cp "$f" "$tmp/orig"
			sed -i -e "$expr" "$f"
			if cmp -s "$f" "$tmp/orig"; then
				echo "FAIL - self-test: mutation '$label' changed nothing in ${f##*/}"
				bad_n=$((bad_n + 1))
				continue
			fi
		fi
		out=$tmp/mut$n.out
		if (run_checks "$m" "$which") >"$out" 2>&1; then
			echo "FAIL - self-test: '$label' passed the checks"
			bad_n=$((bad_n + 1))
		elif grep -qE "^FAIL - .*($expect)" "$out"; then
			echo "ok - self-test: '$label' fails: $(grep -m1 -E "^FAIL - .*($expect)" "$out" | cut -c8-)"
		else
			echo "FAIL - self-test: '$label' failed otherwise than with /$expect/:"
			grep '^FAIL' "$out" | head -n 3 | sed 's/^/#   /'
			bad_n=$((bad_n + 1))
		fi
	done <<-'EOF'
		.mk version 9.9.9|mk|s/^DMABUF_AUDIT_VERSION = .*/DMABUF_AUDIT_VERSION = 9.9.9/|files|DMABUF_AUDIT_VERSION 9.9.9
		.bb file name version 9.9.9|bb-name|9.9.9|files|recipe version .* 9.9.9
		.hash tarball of 9.9.9|hash|s/dmabuf-audit-[0-9.]*\.tar\.gz/dmabuf-audit-9.9.9.tar.gz/|files|tarball .* 9.9.9
		.hash sha256 of LICENSE wrong|hash|s/  [0-9a-f]*  LICENSE$/  0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  LICENSE/|files|sha256 of LICENSE
		.bb md5 of LICENSE wrong|bb|s/md5=[0-9a-f]*/md5=0123456789abcdef0123456789abcdef/|files|md5 of LICENSE
		.mk without BSD-2-Clause|mk|s/GPL-2.0 or BSD-2-Clause/GPL-2.0/|files|Buildroot LICENSE lacks 'BSD-2-Clause OR GPL-2.0'
		.bb without BSD-2-Clause|bb|s/^LICENSE = .*/LICENSE = "GPL-2.0-only"/|files|Yocto LICENSE lacks 'BSD-2-Clause OR GPL-2.0'
		.mk names MIT too|mk|s/^\(DMABUF_AUDIT_LICENSE = .*\)/\1, MIT (docs)/|files|Buildroot LICENSE names 'MIT'
		.bb names GPL-2.0-or-later|bb|s/^LICENSE = "GPL-2.0-only/LICENSE = "GPL-2.0-or-later/|files|Yocto LICENSE names 'GPL-2.0\+'
		.mk installs dist/dmabuf-audit.socket|mk|/^define DMABUF_AUDIT_INSTALL_INIT_SYSTEMD/a\	$(INSTALL) -D -m 0644 $(@D)/dist/dmabuf-audit.socket $(TARGET_DIR)/usr/lib/systemd/system/|files|not in the tree: dist/dmabuf-audit.socket
		.bb SYSTEMD_SERVICE dmabuf-auditd.service|bb|s/^SYSTEMD_SERVICE:\(.*\) = .*/SYSTEMD_SERVICE:\1 = "dmabuf-auditd.service"/|files|SYSTEMD_SERVICE: 'dmabuf-auditd.service'
		.bb CONFFILES /etc/dmabuf-audit.conf|bb|s#^CONFFILES:\(.*\) = .*#CONFFILES:\1 = "${sysconfdir}/dmabuf-audit.conf"#|files|CONFFILES: '/etc/dmabuf-audit.conf'
		.mk without STATIC=1|mk|/^\tSTATIC=1 \\$/d|br|Buildroot @NATIVE@: the binary is not static
		.mk ARCH @MFOREIGN@ on @NATIVE@|mk|s/^DMABUF_AUDIT_ARCH = @MNATIVE@$/DMABUF_AUDIT_ARCH = @MFOREIGN@/|br|Buildroot @NATIVE@: the .mk's build and install commands failed
		.mk without the systemd unit|mk|/^define DMABUF_AUDIT_INSTALL_INIT_SYSTEMD/,/^endef/{/^\t/d}|br|Buildroot @NATIVE@: installs .*expected
		.mk TARGET_CC misspelt|mk|s/\$(TARGET_CC)/$(TARGET_GCC)/|br|uses \$\(TARGET_GCC\)
		.bb without STATIC=1|bb|/^\tSTATIC=1 \\$/d|yocto|Yocto @NATIVE@: the binary is not static
		.bb ARCH @MFOREIGN@ on @NATIVE@|bb|s/^\(DMABUF_AUDIT_ARCH:@OVR@ = \).*/\1"@MFOREIGN@"/|yocto|Yocto @NATIVE@: the recipe's do_compile/do_install failed
		.bb installs the unit outside FILES|bb|s#UNITDIR=${systemd_system_unitdir}#UNITDIR=/usr/lib/other#|yocto|in no package \(FILES\)
		.bb inline Python in EXTRA_OEMAKE|bb|s/^\tSTATIC=1 \\$/\tSTATIC=${@'1'} \\/|yocto|EXTRA_OEMAKE uses inline Python
	EOF
	echo "# recipes self-test: $((n - bad_n)) of $n mutations caught"
	[ "$bad_n" -eq 0 ]
}

case ${1:-} in
--self-test) self_test ;;
'') run_checks "$root/dist" all ;;
*) die "usage: recipes.sh [--self-test]" ;;
esac
