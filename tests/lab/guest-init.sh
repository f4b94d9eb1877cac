#!/bin/sh
# PID 1 of the lab guest (busybox sh). Kernel console is ttyS0 (arm64: ttyAMA0); results
# go only to the port named by labport= on the kernel command line (default ttyS1; arm64:
# hvc0, a virtio console whose modules, port.list, are loaded first), as marker-delimited
# sections streamed as soon as they are known, so a crash still leaves partial evidence
# (an @@BEGIN without its @@END).
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup

port=ttyS1
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in labport=*) port=${arg#labport=} ;; esac
done
if [ -s /lib/modules/port.list ]; then
	while read -r m; do
		insmod "/lib/modules/$m" || echo "lab: insmod $m (results port) failed"
	done </lib/modules/port.list
fi
i=0
while [ ! -e "/dev/$port" ] && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
# Raw mode: no \n -> \r\n translation in the results file.
stty -F "/dev/$port" raw -echo 2>/dev/null
exec 3>"/dev/$port"

res() { printf '%s\n' "$*" >&3; }
# Stamps go to the console too, so a hung or crashed run shows how far it got.
stamp() {
	t=$(cut -d' ' -f1 /proc/uptime)
	res "@@TIME $1 $t"
	echo "lab: $1 at ${t}s"
}

res "@@LAB kernel=$(uname -r)"
stamp init

res "@@BEGIN modules"
# load.list: vgem and its dependencies in load order (fetch-kernel.sh)
mods=$(tr '\n' ' ' </lib/modules/load.list)
for m in $mods dmabuf_test_exporter.ko; do
	if out=$(insmod "/lib/modules/$m" 2>&1); then
		res "loaded $m"
	else
		res "FAILED $m: $out"
	fi
done
res "@@END modules"

# What this kernel offers (for the report; check.py relies on trigger exit codes).
res "@@BEGIN facts"
for f in /sys/kernel/btf/vmlinux /dev/dmabuf_test /dev/udmabuf /dev/dma_heap/system /dev/dri/card0 \
	/sys/kernel/tracing/kprobe_events; do
	if [ -e "$f" ]; then res "present $f"; else res "absent $f"; fi
done
res "@@END facts"
# The kernel functions behind every detector variant and the BPF features they need:
# check.py holds them against its own table of what each kernel has.
res "@@BEGIN kernel-symbols"
for s in dma_buf_mmap_internal dma_buf_mmap check_vma_flags follow_page_mask vm_insert_page \
	vm_insert_pages internal_get_user_pages_fast gup_fast_fallback finish_fault vm_area_dup \
	vm_area_free __vm_area_free exit_mmap bpf_find_vma bpf_iter_task_vma bpf_iter_task_vma_new \
	follow_pfnmap_start follow_pte untrack_pfn track_pfn_copy bpf_iter_dmabuf \
	vmf_insert_pfn_pmd vmf_insert_pfn_pmd_prot vmf_insert_folio_pmd vmf_insert_pfn_pud \
	vmf_insert_pfn_pud_prot vmf_insert_folio_pud; do
	if grep -q " $s\$" /proc/kallsyms; then res "present $s"; else res "absent $s"; fi
done
res "@@END kernel-symbols"
stamp modules

mode="test"
for arg in $cmdline; do
	case $arg in labmode=*) mode=${arg#labmode=} ;; esac
done
/bin/sh /scenario.sh "$mode"
res "@@SCENARIO rc=$?"
if [ "$mode" = test ]; then
	# The default attach mode (auto: fentry where it attaches, else kprobe): check.py
	# holds it against its table.
	res "@@BEGIN probe-default"
	/usr/bin/dmabuf-audit probe >/tmp/probe-default.out 2>&1
	prc=$?
	cat /tmp/probe-default.out >&3
	res "@@END probe-default rc=$prc"
fi
# Whole kernel log: WARN/BUG splats are below the "quiet" console level, so the
# console log alone would not show them.
res "@@BEGIN dmesg"
dmesg >&3
res "@@END dmesg"
stamp finished
res "@@DONE"
sync
poweroff -f
