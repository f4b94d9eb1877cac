# SPDX-License-Identifier: GPL-2.0
# dmabuf-audit for OpenEmbedded/Yocto: the Makefile's static build (make
# STATIC=1), installed by its own `make install`. libbpf and bpftool-native
# come from meta-oe, clang-native from oe-core (meta-clang before 5.2).
SUMMARY = "eBPF runtime auditor of dma-buf mmap violations"
DESCRIPTION = "Finds dma-buf mappings which let get_user_pages take \
struct-page references on memory the exporter owns, and names the exporter \
and the process."
LICENSE = "GPL-2.0-only & (GPL-2.0-only | BSD-2-Clause)"
LIC_FILES_CHKSUM = "file://LICENSE;md5=7fb304d6a30ee30223fa561680a3798f"

# A placeholder: the project publishes no release tarball yet. Replace the URL
# and the zeros (sha256sum dmabuf-audit-${PV}.tar.gz) at the first release;
# until then build a checkout with externalsrc (EXTERNALSRC:pn-dmabuf-audit).
SRC_URI = "https://dmabuf-audit.invalid/releases/dmabuf-audit-${PV}.tar.gz"
SRC_URI[sha256sum] = "0000000000000000000000000000000000000000000000000000000000000000"

DEPENDS = "libbpf elfutils zlib clang-native bpftool-native"

# vmlinux.h is pinned for these two only (vmlinux/x86, vmlinux/arm64)
COMPATIBLE_HOST = "(x86_64|aarch64).*-linux"

inherit systemd
SYSTEMD_SERVICE:${PN} = "dmabuf-audit.service"

# The Makefile's ARCH is the kernel's name of the architecture.
DMABUF_AUDIT_ARCH:x86-64 = "x86"
DMABUF_AUDIT_ARCH:aarch64 = "arm64"

# The BPF programs include libbpf's bpf_helpers.h from the target sysroot: the
# libbpf the binary links. elfutils built with PACKAGECONFIG zstd would need
# LDLIBS='-lbpf -lelf -lz -lzstd' here (the Makefile looks on the build host).
EXTRA_OEMAKE = "\
	STATIC=1 \
	ARCH=${DMABUF_AUDIT_ARCH} \
	CC='${CC}' \
	CLANG='${STAGING_BINDIR_NATIVE}/clang -I${STAGING_INCDIR}' \
	LLVM_STRIP=${STAGING_BINDIR_NATIVE}/llvm-strip \
	BPFTOOL=${STAGING_SBINDIR_NATIVE}/bpftool \
"

do_compile() {
	oe_runmake all
}

# PREFIX: the unit's ExecStart follows it. The config goes to
# /etc/dmabuf-audit/dmabuf-audit.conf, where the daemon reads it by default.
do_install() {
	oe_runmake install DESTDIR=${D} PREFIX=${prefix} UNITDIR=${systemd_system_unitdir}
}

# The unit is packaged by the systemd class, the man page by ${PN}-doc.
FILES:${PN} = "${sbindir}/dmabuf-audit ${sysconfdir}/dmabuf-audit"
CONFFILES:${PN} = "${sysconfdir}/dmabuf-audit/dmabuf-audit.conf"
