# SPDX-License-Identifier: GPL-2.0
# dmabuf-audit build. `make` -> build/dmabuf-audit, `make STATIC=1` ->
# build/static/dmabuf-audit (what goes on boards and into the lab),
# `make check` -> every test, `make demo` -> the lab showing a real catch.

VERSION := 0.1.0
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
CC ?= cc

HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ARCH ?= $(HOST_ARCH)
# Cross builds (make ARCH=arm64 STATIC=1 CC=aarch64-linux-gnu-gcc, or `make arm64-static`)
# go to build/ARCH-static (build/ARCH when dynamic).
ifeq ($(ARCH),$(HOST_ARCH))
XARCH :=
else
XARCH := $(ARCH)-
endif
# ARCH picks its compiler unless CC is given: the cross gcc of Debian's multiarch packages.
CROSS_CC_arm64 ?= aarch64-linux-gnu-gcc
CROSS_CC_x86 ?= x86_64-linux-gnu-gcc
ifneq ($(XARCH),)
ifeq ($(origin CC),default)
CC := $(CROSS_CC_$(ARCH))
endif
endif
# what `$(CC) -dumpmachine` starts with for each ARCH
MACHINE_arm64 := aarch64
MACHINE_x86 := x86_64
ifeq ($(STATIC),1)
OUT := build/$(XARCH)static
else
OUT := build$(if $(XARCH),/$(ARCH))
endif
BPF_OUT := build/bpf/$(ARCH)

WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
override CFLAGS += $(WARN) -std=gnu11 -Iinclude -Isrc -I$(BPF_OUT) \
	-DDA_VERSION='"$(VERSION)"'
LDLIBS := -lbpf -lelf -lz
ifeq ($(STATIC),1)
override LDFLAGS += -static
# Debian's static libelf (0.188) is built with zstd support.
LDLIBS += $(shell [ -e /usr/lib/$$($(CC) -dumpmachine)/libzstd.a ] && echo -lzstd)
endif

# BPF_PROG/BPF_KPROBE always pass ctx and every argument: unused by design.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) -Wno-unused-parameter \
	-Iinclude -Ivmlinux/$(ARCH)

SRCS := $(filter-out src/main.c,$(wildcard src/*.c))
OBJS := $(patsubst src/%.c,$(OUT)/obj/%.o,$(SRCS))
BIN := $(OUT)/dmabuf-audit
SKEL := $(BPF_OUT)/dmabuf_audit.skel.h

MAKEFLAGS += --no-print-directory

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: FORCE all install deps check bpf-arm64 arm64-static unit unit-asan fuzz fuzz-smoke host-test deb-test \
	recipes-test systemd-test prom-lab lab-selftest lab lab-arm64 demo bench bench-smoke clean format

all: $(BIN)

deps:
	@scripts/deps.sh

# make install [DESTDIR=...] [PREFIX=/usr]: the binary, the man page, the systemd unit
# (ExecStart pointed at PREFIX) and the example config (kept if one is there).
PREFIX ?= /usr/local
UNITDIR ?= $(PREFIX)/lib/systemd/system
install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/sbin/dmabuf-audit
	install -D -m 0644 docs/dmabuf-audit.8 $(DESTDIR)$(PREFIX)/share/man/man8/dmabuf-audit.8
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|^ExecStart=/usr/sbin/|ExecStart=$(PREFIX)/sbin/|' dist/dmabuf-audit.service \
		> $(DESTDIR)$(UNITDIR)/dmabuf-audit.service
	[ -e $(DESTDIR)/etc/dmabuf-audit/dmabuf-audit.conf ] || \
		install -D -m 0644 dist/dmabuf-audit.conf $(DESTDIR)/etc/dmabuf-audit/dmabuf-audit.conf

$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c include/dmabuf_audit.h vmlinux/$(ARCH)/vmlinux.h | $(BPF_OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(BPF_OUT)/%.skel.h: $(BPF_OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

# The compiler is part of the output: CC_STAMP changes (and the objects are rebuilt) when
# CC, its target or the flags change, and a compiler for another architecture than ARCH
# is refused instead of filling build/ARCH-* with host binaries.
CC_STAMP := $(OUT)/obj/.cc
$(CC_STAMP): FORCE | $(OUT)/obj
	@m=$$($(CC) -dumpmachine 2>/dev/null) || \
		{ echo "make: cannot run CC=$(CC) for ARCH=$(ARCH) (make arm64-static installs the cross compiler)" >&2; exit 1; }; \
	case "$$m" in $(MACHINE_$(ARCH))-*) ;; \
	*) echo "make: CC=$(CC) builds for $$m, not ARCH=$(ARCH)" >&2; exit 1 ;; esac; \
	echo "$(CC) $$m $(CFLAGS) $(LDFLAGS) $(LDLIBS)" | cmp -s - $@ || \
		echo "$(CC) $$m $(CFLAGS) $(LDFLAGS) $(LDLIBS)" >$@

$(OUT)/obj/%.o: src/%.c $(wildcard src/*.h) include/dmabuf_audit.h $(SKEL) $(CC_STAMP) | $(OUT)/obj
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BIN): $(OUT)/obj/main.o $(OBJS) $(CC_STAMP)
	$(CC) $(LDFLAGS) $(filter %.o,$^) $(LDLIBS) -o $@

$(BPF_OUT) $(OUT)/obj build build/unit build/unit-asan:
	mkdir -p $@

# ---- tests ------------------------------------------------------------
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_LIB := src/io.c src/inventory.c src/caps.c src/cli.c src/detectors.c src/fix.c src/json.c src/finding.c src/report.c src/ksyms.c src/mappings.c src/procscan.c \
	src/config.c src/metrics.c src/log.c src/notify.c

build/unit/run: $(UNIT_SRCS) $(UNIT_LIB) $(wildcard src/*.h) | build/unit
	$(CC) $(CFLAGS) -Itests/unit $(UNIT_SRCS) $(UNIT_LIB) -o $@

build/unit-asan/run: $(UNIT_SRCS) $(UNIT_LIB) $(wildcard src/*.h) | build/unit-asan
	$(CC) $(CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer -Itests/unit $(UNIT_SRCS) $(UNIT_LIB) -o $@

unit: build/unit/run
	build/unit/run

unit-asan: build/unit-asan/run
	ASAN_OPTIONS=detect_leaks=1 build/unit-asan/run

# libFuzzer targets (tests/fuzz/fuzz_*.c, clang's libclang-rt-14-dev): the parsers of
# untrusted text (config, command line, /proc smaps, debugfs bufinfo) and the escapers
# (JSON, Prometheus labels, terminal). `make fuzz` runs each for FUZZ_TIME seconds, one
# after the other, one process each (no -jobs: one CPU), on build/fuzz/corpus-TARGET: the
# seeds of tests/fuzz/corpus/TARGET copied in, what earlier runs found kept (make clean
# forgets it). A crash, leak, UB, timeout or broken invariant (abort) stops make with the
# input in build/fuzz/artifacts/ (rerun: build/fuzz/TARGET FILE). fuzz-smoke: a short round.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TIME ?= 60
FUZZ_SMOKE_TIME ?= 10
FUZZ_RSS_MB ?= 1024
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer $(WARN) -std=gnu11 -Iinclude -Isrc \
	-DDA_VERSION='"$(VERSION)"'
FUZZ_OBJS := $(patsubst src/%.c,build/fuzz/obj/%.o,$(UNIT_LIB))

# src/ once, instrumented for the fuzzer but without its main()
build/fuzz/obj/%.o: src/%.c $(wildcard src/*.h) include/dmabuf_audit.h | build/fuzz/obj
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJS) | build/fuzz/obj
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -Itests/fuzz $< $(FUZZ_OBJS) -o $@

build/fuzz/obj build/fuzz/artifacts:
	mkdir -p $@

fuzz: $(addprefix build/fuzz/,$(FUZZ_TARGETS)) | build/fuzz/artifacts
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus-$$t; \
		cp tests/fuzz/corpus/$$t/* build/fuzz/corpus-$$t/; \
		echo "fuzz: $$t for $(FUZZ_TIME) s"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build/fuzz/$$t \
			-max_total_time=$(FUZZ_TIME) -rss_limit_mb=$(FUZZ_RSS_MB) -timeout=10 \
			-artifact_prefix=build/fuzz/artifacts/$$t- -print_final_stats=1 \
			build/fuzz/corpus-$$t 2>build/fuzz/$$t.log || \
			{ tail -n 60 build/fuzz/$$t.log; echo "fuzz: $$t FAILED (build/fuzz/$$t.log," \
				"input in build/fuzz/artifacts/)" >&2; exit 1; }; \
		grep -h '^stat::number_of_executed_units\|^Done' build/fuzz/$$t.log | tr '\n' ' '; echo; \
	done

fuzz-smoke:
	$(MAKE) fuzz FUZZ_TIME=$(FUZZ_SMOKE_TIME)

# The host tests' attach oracle: a second implementation (raw syscalls, its own BTF
# reader, nothing of src/ or libbpf), static like the trigger; the lab builds it per arch.
# tests/common: what the test programs share (die()).
ORACLE := build/da-oracle
$(ORACLE): tests/host/da-oracle.c tests/common/die.h | build
	$(CC) -static -O2 $(WARN) -std=gnu11 -Itests/common $< -o $@

host-test: $(BIN) $(ORACLE)
	DA_ORACLE=$(ORACLE) tests/host/run.sh $(BIN)
	tests/host/docs.sh $(BIN)
	tests/prom/fetch-tools.sh >/dev/null
	DA_ORACLE=$(ORACLE) tests/host/daemon.sh $(BIN)

# The BPF side must also build against the pinned arm64 vmlinux.h (boards).
bpf-arm64:
	$(MAKE) ARCH=arm64 build/bpf/arm64/dmabuf_audit.skel.h

# Static aarch64 auditor for boards and the arm64 lab: build/arm64-static/dmabuf-audit
# (Debian multiarch: gcc-aarch64-linux-gnu, libbpf-dev:arm64 ..., see tests/lab/deps.sh).
arm64-static:
	LAB_ARCH=arm64 tests/lab/deps.sh
	$(MAKE) ARCH=arm64 STATIC=1 CC=$(CROSS_CC_arm64)

# The lab checkers and the Prometheus tooling must fail on planted bad results (a checker
# that cannot fail is a defect); the Prometheus rules are checked and unit-tested by
# promtool, and each mutation of them must fail their tests.
lab-selftest:
	python3 tests/lab/check.py --self-test
	tests/prom/fetch-tools.sh >/dev/null
	python3 tests/prom/promcheck.py --self-test
	tests/prom/rules.sh
	python3 tests/lab/check_daemon.py --self-test
	python3 tests/lab/check_host.py --self-test
	python3 tests/lab/check_demo.py --self-test
	python3 tests/lab/bench.py --self-test
	tests/systemd/run.sh --self-test
	python3 tests/prom/server.py --self-test

# The Debian package: dpkg-buildpackage -b, lintian, installed, run, removed and purged in a
# clean Debian 12 chroot (debootstrap, cached in ~/.cache/dmabuf-audit/deb).
deb-test: $(BIN)
	tests/pkg/deb.sh $(BIN)

# The board recipes (dist/buildroot, dist/yocto): versions, LICENSE checksums and licenses
# against the tree, and their own build and install commands run on a scratch copy (static
# binary, installed files); then each of their planted mutations must fail.
recipes-test:
	tests/pkg/recipes.sh
	tests/pkg/recipes.sh --self-test

# The systemd unit under a real systemd: Debian 12's as PID 1 in a 6.1 lab guest (TCG),
# started (READY=1), reloaded, its watchdog fed, stopped (exit 0, final textfile).
systemd-test:
	$(MAKE) STATIC=1
	tests/systemd/run.sh

# A real Prometheus (the rules as shipped) scraping Debian's node_exporter over the 6.1
# lab guest's textfiles, and every query of the Grafana dashboard (tests/prom/server.py).
PROM_LAB_RESULTS ?= $(lastword $(sort $(wildcard build/lab/6.1.0-*-amd64/results.txt)))
prom-lab:
	tests/prom/fetch-tools.sh >/dev/null
	python3 tests/prom/server.py $(or $(PROM_LAB_RESULTS),build/lab/6.1.0-57-amd64/results.txt)

lab:
	$(MAKE) STATIC=1
	AUDIT_BIN=build/static/dmabuf-audit tests/lab/run.sh

# The lab on Debian's arm64 6.1 and 6.12 (qemu-system-aarch64 -M virt, TCG).
lab-arm64: arm64-static
	LAB_ARCH=arm64 AUDIT_BIN=build/arm64-static/dmabuf-audit tests/lab/run.sh

# The benchmark (tests/lab/guest-bench.sh, bench.py): one 6.1 guest (-smp 2), conditions none,
# floor (empty programs on the auditor's hooks), watch and daemon interleaved over every hooked
# path; prints the table (build/lab/KVER/bench.txt). BENCH_ROUNDS, BENCH_SCALE, BENCH_IDLE,
# BENCH_HOLD size it (see tests/lab/run.sh); bench-smoke is one small round on one vCPU (as
# every lab guest of make check: see README, The lab), for make check.
bench: deps
	$(MAKE) STATIC=1
	AUDIT_BIN=build/static/dmabuf-audit tests/lab/run.sh --bench

bench-smoke: deps
	$(MAKE) STATIC=1
	BENCH_ROUNDS=1 BENCH_SCALE=1 BENCH_IDLE=5 BENCH_HOLD=100x50 LAB_SMP=1 \
		AUDIT_BIN=build/static/dmabuf-audit tests/lab/run.sh --bench

demo: deps
	$(MAKE) STATIC=1
	AUDIT_BIN=build/static/dmabuf-audit tests/lab/run.sh --demo

# Every test: unit tests (plain and ASan/UBSan), a short round of every fuzz target, the
# CLI, daemon and docs against the host kernel, the lab checkers' self-tests and the
# Prometheus rules' tests, the Debian package in a clean chroot, the board recipes' own
# commands, then the VM lab on Debian's x86_64 5.10, 6.1, 6.12 and 7.2 kernels and arm64
# 6.1 and 6.12 kernels (the 6.1, 6.12, 5.10 and arm64 6.1 guests also run the host tests
# against their own kernel), a real Prometheus over the 6.1 guest's textfiles, the unit
# under a real systemd (6.1), and one small round of
# the benchmark (6.1) so that it keeps working (its figures are never asserted).
check: deps
	$(MAKE) all
	$(MAKE) bpf-arm64
	$(MAKE) unit
	$(MAKE) unit-asan
	$(MAKE) fuzz-smoke
	$(MAKE) host-test
	$(MAKE) lab-selftest
	$(MAKE) deb-test
	$(MAKE) recipes-test
	$(MAKE) lab
	$(MAKE) prom-lab
	$(MAKE) systemd-test
	$(MAKE) bench-smoke
	$(MAKE) lab-arm64

format:
	clang-format -i bpf/*.c src/*.c src/*.h include/*.h tests/unit/*.c tests/unit/*.h \
		tests/host/da-oracle.c tests/common/*.h tests/fuzz/*.c tests/fuzz/*.h

clean:
	rm -rf build
