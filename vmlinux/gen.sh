#!/bin/sh
# Usage: vmlinux/gen.sh [BTF-file] > vmlinux.h   (default: running kernel's /sys/kernel/btf/vmlinux)
bpftool btf dump file "${1:-/sys/kernel/btf/vmlinux}" format c
