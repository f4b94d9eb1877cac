#!/bin/bash
# build-guest.sh KVER OUTDIR: build the test module for KVER, the static trigger, da-oracle
# and the benchmark's dmabuf-bench and bench-bpf (once), and pack OUTDIR/initramfs.gz
# (+ OUTDIR/vmlinuz) for the lab guest, with the host tests (tests/host, bash-static as
# /bin/bash, guest-host.sh) and the benchmark (guest-bench.sh).
# LAB_ARCH=arm64 builds an arm64 guest (cross-built module and trigger, arm64 busybox).
# Inputs (env): AUDIT_BIN (static auditor, default build/static/dmabuf-audit, arm64:
#   build/arm64-static/dmabuf-audit),
#   MODULE_SRC (default tests/module), TRIGGER_SRC (default tests/trigger/dmabuf-trigger.c).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=kernels.sh
. "$(dirname "$0")/kernels.sh"

[ $# -eq 2 ] || { echo "usage: $0 6.1|6.12|5.10|7.2|RELEASE OUTDIR" >&2; exit 2; }
kver=$(lab_kver "$1")
outdir=$2
if [ "$LAB_ARCH" = arm64 ]; then
	AUDIT_BIN=${AUDIT_BIN:-$REPO/build/arm64-static/dmabuf-audit}
	cross=$LAB_GNU- elf_machine=AArch64 tcc=${cross}gcc trig=$LAB_BUILD/arm64/dmabuf-trigger
else
	AUDIT_BIN=${AUDIT_BIN:-$REPO/build/static/dmabuf-audit}
	cross='' elf_machine=X86-64 tcc=cc trig=$LAB_BUILD/dmabuf-trigger
fi
MODULE_SRC=${MODULE_SRC:-$REPO/tests/module}
TRIGGER_SRC=${TRIGGER_SRC:-$REPO/tests/trigger/dmabuf-trigger.c}
kdir=$("$LAB_DIR/fetch-kernel.sh" "$kver")
headers=$("$LAB_DIR/fetch-headers.sh" "$kver")

die() { echo "lab: $*" >&2; exit 1; }
[ -d "$headers" ] || die "$headers missing (run tests/lab/deps.sh)"
[ -f "$MODULE_SRC/dmabuf_test_exporter.c" ] || die "no test module source in $MODULE_SRC"
[ -f "$TRIGGER_SRC" ] || die "no trigger source $TRIGGER_SRC"
[ -x "$AUDIT_BIN" ] || die "no auditor $AUDIT_BIN (make STATIC=1, arm64: make arm64-static)"
# Whole outputs first, then grep: `readelf | grep -q` dies of SIGPIPE under pipefail.
elf_header=$(readelf -h "$AUDIT_BIN")
grep -q "Machine:.*$elf_machine" <<<"$elf_header" || die "$AUDIT_BIN is not an $LAB_ARCH binary"
# A dynamically linked auditor would not run in the busybox-only guest.
if grep -q 'Requesting program interpreter' <<<"$(readelf -l "$AUDIT_BIN" 2>/dev/null)"; then
	die "$AUDIT_BIN is dynamically linked (need make STATIC=1)"
fi

# Test module, out of tree, against Debian's headers for this exact kernel.
# The compiler is the one Debian built the kernel with (CC in .kernelvariables) when it is
# installed; for sid kernels a private sid gcc (fetch-toolchain.sh); otherwise the
# machine's gcc (measured: 5.10's gcc-10 modules build and load fine with gcc-12).
mod=$LAB_BUILD/$kver/module
rm -rf "$mod"
mkdir -p "$mod"
cp "$MODULE_SRC"/* "$mod"/
kmake=(make -s -C "$headers" M="$mod")
[ "$LAB_ARCH" = arm64 ] && kmake+=(ARCH=arm64 "CROSS_COMPILE=$cross")
kcc=$(sed -n 's/^CC = .*)\(gcc-[0-9][0-9]*\)$/\1/p' "$headers/.kernelvariables" 2>/dev/null || true)
kcross=$(sed -n 's/^override CROSS_COMPILE = \([a-z0-9_-]*-\)$/\1/p' "$headers/.kernelvariables" 2>/dev/null || true)
kcross=${kcross:-$cross}
if [ -n "$kcc" ] && ! command -v "$kcross$kcc" >/dev/null; then
	if case $kver in 7.* | [89].*) true ;; *) false ;; esac then
		tc=$("$LAB_DIR/fetch-toolchain.sh" "$kcc")
		# Debian 12's pahole is too old for these kernels' --btf_features: no BTF for
		# the test module (nothing attaches to its functions).
		kmake=(env "PATH=$tc:$PATH" "${kmake[@]}" CONFIG_DEBUG_INFO_BTF_MODULES=)
	else
		echo "lab: $kcross$kcc not installed, building the module with $(${cross}gcc -dumpfullversion)" >&2
		kmake+=("CC=${cross}gcc")
	fi
fi
"${kmake[@]}" modules >"$mod/build.log" 2>&1 ||
	{ cat "$mod/build.log" >&2; die "module build failed for $kver"; }

# Trigger: static, kernel independent; rebuilt only when its inputs (hashed) change.
# tests/common: what the test programs share (die()).
common=$REPO/tests/common
trig_cc=("$tcc" -static -O2 -Wall -Wextra -Werror -pthread -I"$MODULE_SRC" -I"$common" "$TRIGGER_SRC" -o "$trig.tmp")
stamp=$(cat "$TRIGGER_SRC" "$MODULE_SRC/dmabuf_test_uapi.h" "$common"/*.h 2>/dev/null | sha256sum | cut -c1-16)-$(echo "${trig_cc[*]}" | sha256sum | cut -c1-16)
if [ ! -x "$trig" ] || [ "$(cat "$trig.stamp" 2>/dev/null)" != "$stamp" ]; then
	mkdir -p "$(dirname "$trig")"
	"${trig_cc[@]}"
	mv "$trig.tmp" "$trig"
	echo "$stamp" >"$trig.stamp"
fi

# build_static OUT SRC [CFLAGS...]: a static, kernel independent helper of the guest (the host
# tests' oracle, the benchmark's workload and floor), rebuilt only when its inputs change.
build_static() {
	local out=$1 src=$2 stamp
	shift 2
	local cmd=("$tcc" -static -O2 -Wall -Wextra -Werror -std=gnu11 -I"$common" "$@" "$src" -o "$out.tmp")
	stamp=$(cat "$src" "$MODULE_SRC/dmabuf_test_uapi.h" "$common"/*.h | sha256sum | cut -c1-16)-$(echo "${cmd[*]}" | sha256sum | cut -c1-16)
	if [ ! -x "$out" ] || [ "$(cat "$out.stamp" 2>/dev/null)" != "$stamp" ]; then
		"${cmd[@]}"
		mv "$out.tmp" "$out"
		echo "$stamp" >"$out.stamp"
	fi
}
bin=$(dirname "$trig")
build_static "$bin/da-oracle" "$REPO/tests/host/da-oracle.c"
build_static "$bin/dmabuf-bench" "$REPO/tests/bench/dmabuf-bench.c" -I"$MODULE_SRC"
build_static "$bin/bench-bpf" "$REPO/tests/bench/bench-bpf.c"

# bash for the host tests (tests/host/*.sh): Debian's bash-static, extracted from its .deb.
bash_static=$LAB_CACHE/$LAB_DEBARCH/bash-static
if [ ! -x "$bash_static" ]; then
	deb=$(lab_fetch_deb "bash-static:$LAB_DEBARCH")
	mkdir -p "$(dirname "$bash_static")"
	rm -rf "$bash_static.d" && dpkg-deb -x "$deb" "$bash_static.d"
	mv "$bash_static.d/bin/bash-static" "$bash_static" && rm -rf "$bash_static.d"
fi

# Initramfs tree.
root=$outdir/initramfs.d
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,lib/modules}
if [ "$LAB_ARCH" = arm64 ]; then
	# busybox-static:arm64 cannot be installed beside the amd64 one: extract it.
	bb=$LAB_CACHE/arm64/busybox
	if [ ! -x "$bb" ]; then
		deb=$(lab_fetch_deb busybox-static:arm64)
		mkdir -p "$(dirname "$bb")"
		rm -rf "$bb.d" && dpkg-deb -x "$deb" "$bb.d"
		mv "$bb.d/bin/busybox" "$bb" && rm -rf "$bb.d"
	fi
else
	bb=/bin/busybox
fi
cp "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh" # /init's interpreter, before busybox --install runs
cp "$LAB_DIR/guest-init.sh" "$root/init"
cp "$LAB_DIR/guest-scenario.sh" "$root/scenario.sh"
cp "$AUDIT_BIN" "$root/usr/bin/dmabuf-audit"
cp "$trig" "$root/usr/bin/dmabuf-trigger"
# the host tests, run in the guest by guest-host.sh (labmode=host, and at the end of test)
cp "$bash_static" "$root/bin/bash"
cp "$bin/da-oracle" "$root/usr/bin/da-oracle"
# the benchmark (labmode=bench): its workload, its floor and its scenario
cp "$bin/dmabuf-bench" "$bin/bench-bpf" "$root/usr/bin/"
cp "$LAB_DIR/guest-bench.sh" "$root/guest-bench.sh"
mkdir -p "$root/tests/host"
cp "$REPO/tests/host/run.sh" "$REPO/tests/host/daemon.sh" "$REPO/tests/host/lib.sh" "$root/tests/host/"
cp "$LAB_DIR/guest-host.sh" "$root/guest-host.sh"
cp "$kdir"/modules/*.ko "$kdir/modules/load.list" "$root/lib/modules/"
[ ! -f "$kdir/modules/port.list" ] || cp "$kdir/modules/port.list" "$root/lib/modules/"
cp "$mod/dmabuf_test_exporter.ko" "$root/lib/modules/"
chmod 755 "$root/init" "$root/scenario.sh" "$root/usr/bin/"* "$root/bin/bash" "$root/tests/host/"*.sh
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$outdir/initramfs.gz.tmp"
mv "$outdir/initramfs.gz.tmp" "$outdir/initramfs.gz"
cp "$kdir/vmlinuz" "$outdir/vmlinuz"
echo "lab: guest for $kver in $outdir ($(du -k "$outdir/initramfs.gz" | cut -f1) KiB initramfs)" >&2
