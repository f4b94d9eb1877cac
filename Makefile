# SPDX-License-Identifier: GPL-2.0
# dmabuf-audit build. `make` -> build/dmabuf-audit, `make STATIC=1` ->
# build/static/dmabuf-audit (what goes on boards and into the lab),
# `make check` -> every test, `make demo` -> the lab showing a real catch.

VERSION := 0.1.0
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
CC ?= cc

ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ifeq ($(STATIC),1)
OUT := build/static
else
OUT := build
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
LDLIBS += $(shell [ -e /usr/lib/$$(gcc -dumpmachine)/libzstd.a ] && echo -lzstd)
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
.PHONY: all deps check bpf-arm64 unit unit-asan host-test lab-selftest lab demo clean format

all: $(BIN)

deps:
	@scripts/deps.sh

$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c include/dmabuf_audit.h vmlinux/$(ARCH)/vmlinux.h | $(BPF_OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(BPF_OUT)/%.skel.h: $(BPF_OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

$(OUT)/obj/%.o: src/%.c $(wildcard src/*.h) include/dmabuf_audit.h $(SKEL) | $(OUT)/obj
	$(CC) $(CFLAGS) -c $< -o $@

$(BIN): $(OUT)/obj/main.o $(OBJS)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BPF_OUT) $(OUT)/obj build/unit build/unit-asan:
	mkdir -p $@

# ---- tests ------------------------------------------------------------
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_LIB := src/cli.c src/json.c src/finding.c src/report.c src/ksyms.c src/mappings.c

build/unit/run: $(UNIT_SRCS) $(UNIT_LIB) $(wildcard src/*.h) | build/unit
	$(CC) $(CFLAGS) -Itests/unit $(UNIT_SRCS) $(UNIT_LIB) -o $@

build/unit-asan/run: $(UNIT_SRCS) $(UNIT_LIB) $(wildcard src/*.h) | build/unit-asan
	$(CC) $(CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer -Itests/unit $(UNIT_SRCS) $(UNIT_LIB) -o $@

unit: build/unit/run
	build/unit/run

unit-asan: build/unit-asan/run
	ASAN_OPTIONS=detect_leaks=1 build/unit-asan/run

host-test: $(BIN)
	tests/host/run.sh $(BIN)

# The BPF side must also build against the pinned arm64 vmlinux.h (boards).
bpf-arm64:
	$(MAKE) ARCH=arm64 build/bpf/arm64/dmabuf_audit.skel.h

# The lab checker must fail on planted bad results (a checker that cannot fail is a defect).
lab-selftest:
	python3 tests/lab/check.py --self-test

lab:
	$(MAKE) STATIC=1
	AUDIT_BIN=build/static/dmabuf-audit tests/lab/run.sh

demo: deps
	$(MAKE) STATIC=1
	AUDIT_BIN=build/static/dmabuf-audit tests/lab/run.sh --demo

# Every test: unit tests (plain and ASan/UBSan), the CLI against the host
# kernel, then the VM lab on Debian's 6.1 and 6.12 kernels.
check: deps
	$(MAKE) all
	$(MAKE) bpf-arm64
	$(MAKE) unit
	$(MAKE) unit-asan
	$(MAKE) host-test
	$(MAKE) lab-selftest
	$(MAKE) lab

format:
	clang-format -i bpf/*.c src/*.c src/*.h include/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf build
