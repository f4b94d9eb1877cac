################################################################################
#
# dmabuf-audit
#
################################################################################
# SPDX-License-Identifier: GPL-2.0

DMABUF_AUDIT_VERSION = 0.1.0
# A placeholder: the project publishes no release tarball yet (dmabuf-audit.hash
# has a placeholder line for it). Until then build a checkout, with
# DMABUF_AUDIT_OVERRIDE_SRCDIR = /path/to/dmabuf-audit in local.mk.
DMABUF_AUDIT_SITE = https://dmabuf-audit.invalid/releases
DMABUF_AUDIT_LICENSE = GPL-2.0 (BPF programs, test module), GPL-2.0 or BSD-2-Clause (user space)
DMABUF_AUDIT_LICENSE_FILES = LICENSE
DMABUF_AUDIT_DEPENDENCIES = libbpf elfutils zlib host-bpftool

# The Makefile's ARCH is the kernel's name of the architecture (vmlinux/ARCH).
ifeq ($(BR2_aarch64),y)
DMABUF_AUDIT_ARCH = arm64
else
DMABUF_AUDIT_ARCH = x86
endif

# host-llvm has the BPF backend only with BR2_PACKAGE_LLVM_BPF (see Config.in);
# otherwise the build machine's clang compiles the BPF programs, found outside
# Buildroot's PATH: a host-clang built for another package (without the BPF
# backend) would come first there.
ifeq ($(BR2_PACKAGE_DMABUF_AUDIT_BR_CLANG),y)
DMABUF_AUDIT_DEPENDENCIES += host-clang host-llvm
DMABUF_AUDIT_CLANG = $(HOST_DIR)/bin/clang
DMABUF_AUDIT_LLVM_STRIP = $(HOST_DIR)/bin/llvm-strip
else
DMABUF_AUDIT_CLANG = $(shell command -v clang || echo clang)
DMABUF_AUDIT_LLVM_STRIP = $(shell command -v llvm-strip || echo llvm-strip)
endif

# The BPF programs include libbpf's bpf_helpers.h: the staging copy, of the
# libbpf the binary links, not whatever the build machine has.
DMABUF_AUDIT_MAKE_OPTS = \
	ARCH=$(DMABUF_AUDIT_ARCH) \
	CC="$(TARGET_CC)" \
	CFLAGS="$(TARGET_CFLAGS)" \
	LDFLAGS="$(TARGET_LDFLAGS)" \
	CLANG="$(DMABUF_AUDIT_CLANG) -I$(STAGING_DIR)/usr/include" \
	LLVM_STRIP="$(DMABUF_AUDIT_LLVM_STRIP)" \
	BPFTOOL=$(HOST_DIR)/sbin/bpftool

# Static (what goes on boards, no libbpf/libelf needed there) where the static
# libraries exist. The Makefile looks for libzstd.a on the build machine only:
# elfutils is built with zstd when BR2_PACKAGE_ZSTD is, so say it here.
ifeq ($(BR2_SHARED_STATIC_LIBS),y)
DMABUF_AUDIT_MAKE_OPTS += \
	STATIC=1 \
	LDLIBS="-lbpf -lelf -lz $(if $(BR2_PACKAGE_ZSTD),-lzstd) $(TARGET_NLS_LIBS)"
endif

define DMABUF_AUDIT_BUILD_CMDS
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) $(DMABUF_AUDIT_MAKE_OPTS) all
endef

# The Makefile's own install (PREFIX=/usr: the unit's ExecStart follows it),
# into the build directory first: it installs the unit and the man page too,
# which only systemd systems want and target-finalize would delete.
define DMABUF_AUDIT_INSTALL_TARGET_CMDS
	rm -rf $(@D)/_install
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) $(DMABUF_AUDIT_MAKE_OPTS) \
		DESTDIR=$(@D)/_install PREFIX=/usr UNITDIR=/usr/lib/systemd/system install
	$(INSTALL) -D -m 0755 $(@D)/_install/usr/sbin/dmabuf-audit \
		$(TARGET_DIR)/usr/sbin/dmabuf-audit
	$(INSTALL) -D -m 0644 $(@D)/_install/etc/dmabuf-audit/dmabuf-audit.conf \
		$(TARGET_DIR)/etc/dmabuf-audit/dmabuf-audit.conf
endef

# Enabled by Buildroot's systemctl preset-all; it starts where the node_exporter
# textfile directory exists (its ConditionPathIsDirectory).
define DMABUF_AUDIT_INSTALL_INIT_SYSTEMD
	$(INSTALL) -D -m 0644 $(@D)/_install/usr/lib/systemd/system/dmabuf-audit.service \
		$(TARGET_DIR)/usr/lib/systemd/system/dmabuf-audit.service
endef

# BPF; the kernel's BTF (fentry and the scan need it, kprobes alone run without
# it); the function tracer for fentry, kprobes for the fallback (docs/boards.md).
# DEBUG_INFO_BTF needs DWARF: a bool up to 5.17, a choice from 5.18 (and
# host-pahole, selected in Config.in).
define DMABUF_AUDIT_LINUX_CONFIG_FIXUPS
	$(call KCONFIG_ENABLE_OPT,CONFIG_BPF_SYSCALL)
	$(call KCONFIG_ENABLE_OPT,CONFIG_BPF_JIT)
	$(call KCONFIG_ENABLE_OPT,CONFIG_DEBUG_INFO)
	$(call KCONFIG_DISABLE_OPT,CONFIG_DEBUG_INFO_NONE)
	$(call KCONFIG_ENABLE_OPT,CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT)
	$(call KCONFIG_ENABLE_OPT,CONFIG_DEBUG_INFO_BTF)
	$(call KCONFIG_ENABLE_OPT,CONFIG_FTRACE)
	$(call KCONFIG_ENABLE_OPT,CONFIG_FUNCTION_TRACER)
	$(call KCONFIG_ENABLE_OPT,CONFIG_DYNAMIC_FTRACE)
	$(call KCONFIG_ENABLE_OPT,CONFIG_KPROBES)
	$(call KCONFIG_ENABLE_OPT,CONFIG_KPROBE_EVENTS)
	$(call KCONFIG_ENABLE_OPT,CONFIG_BPF_EVENTS)
endef

$(eval $(generic-package))
