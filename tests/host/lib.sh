# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # E_*, O_*: read by the sourcing scripts
#
# Assertion helpers of the host tests (run.sh, daemon.sh), in the style of
# tools/testing/selftests: `ok - WHAT`, `FAIL - WHAT: expected X, saw Y`, or
# `skip - WHAT: why` for what this machine cannot show (counted, never passed);
# the last line is `N passed, N failed, N skipped` (summary).
# The sourcing script sets BIN and tmp (a temp dir). Also here: what the
# kernel lets a BPF tool attach, found by tests/host/da-oracle (oracle_*),
# never by asking the auditor.
#
# Runs on the host and inside the lab's busybox guests (bash-static): only
# busybox's options of timeout, stat, sed, awk, grep, ...; no python3,
# util-linux or procps here.

passed=0
failed=0
skipped=0

# Paths under the temp dir show as $TMP/...
ok() {
	passed=$((passed + 1))
	echo "ok - ${1//"$tmp"/\$TMP}"
}

fail() {
	failed=$((failed + 1))
	echo "FAIL - ${1//"$tmp"/\$TMP}"
}

# Shows a captured stream on one line: newlines as \n, at most 300 chars.
show() {
	local s
	s=$(sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g' "$1" 2>/dev/null)
	if [ ${#s} -gt 300 ]; then
		s="${s:0:300}..."
	fi
	printf '"%s"' "$s"
}

# Seconds one auditor run may take: attaching every detector takes seconds
# under the lab's TCG.
RUN_TIMEOUT=${RUN_TIMEOUT:-60}

# run ARGS...: runs the auditor (under $AS, if set: a command prefix) with a
# timeout; sets rc, stdout in $tmp/out, stderr in $tmp/err, desc. (-k: GNU's
# and busybox's timeout both take it.)
run() {
	desc="dmabuf-audit${*:+ $*}"
	# shellcheck disable=SC2086 # $AS is a word list on purpose
	timeout -k 5 "$RUN_TIMEOUT" $AS "$BIN" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

AS=

expect_rc() {
	if [ "$rc" -eq "$1" ]; then
		ok "$desc: exit $1"
	else
		fail "$desc: expected exit $1, saw exit $rc (stderr $(show "$tmp/err"))"
	fi
}

expect_empty() { # stdout|stderr
	local f=$tmp/out
	[ "$1" = stderr ] && f=$tmp/err
	if [ ! -s "$f" ]; then
		ok "$desc: $1 empty"
	else
		fail "$desc: expected empty $1, saw $(show "$f")"
	fi
}

# Exactly one newline-terminated, non-empty line on stderr.
expect_one_line_stderr() {
	local f=$tmp/err lines last
	lines=$(wc -l <"$f")
	last=$(tail -c 1 "$f")
	if [ "$lines" -eq 1 ] && [ -z "$last" ] && [ "$(head -c 1 "$f")" != "" ]; then
		ok "$desc: one line on stderr"
	else
		fail "$desc: expected exactly one line on stderr, saw $lines line(s): $(show "$f")"
	fi
}

expect_contains() { # stdout|stderr|FILE TEXT
	local f=$1
	[ "$1" = stdout ] && f=$tmp/out
	[ "$1" = stderr ] && f=$tmp/err
	if grep -qF -- "$2" "$f"; then
		ok "$desc: ${1##*/} has '$2'"
	else
		fail "$desc: expected '$2' in ${1##*/}, saw $(show "$f")"
	fi
}

expect_not_contains() { # stdout|stderr|FILE TEXT
	local f=$1
	[ "$1" = stdout ] && f=$tmp/out
	[ "$1" = stderr ] && f=$tmp/err
	if ! grep -qF -- "$2" "$f"; then
		ok "$desc: ${1##*/} has no '$2'"
	else
		fail "$desc: expected no '$2' in ${1##*/}, saw $(show "$f")"
	fi
}

skip() {
	skipped=$((skipped + 1))
	echo "skip - ${1//"$tmp"/\$TMP}"
}

# The last line; exit status 1 on any failure.
summary() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

# A usage error: exit 2, nothing on stdout, one "dmabuf-audit: ..." line on
# stderr that names NEEDLE.
expect_usage_error() { # NEEDLE
	expect_rc 2
	expect_empty stdout
	expect_one_line_stderr
	expect_contains stderr "dmabuf-audit: "
	expect_contains stderr "$1"
}

# Help or version: exit 0, TEXT on stdout, nothing on stderr.
expect_info() { # TEXT
	expect_rc 0
	expect_contains stdout "$1"
	expect_empty stderr
}

# ---- the attach oracle ---------------------------------------------------------
#
# What dmabuf-audit must report on this kernel, from tests/host/da-oracle (its
# own BTF reader, a real fexit load + attach, a real kprobe perf event) and
# /proc/kallsyms, following the auditor's documented contract (src/loader.c):
# per detector the kernel function variants in order; auto = fentry on the
# first variant whose fexit attaches, else a kprobe on the first variant in
# /proc/kallsyms; --attach=fentry|kprobe only that one; GUP-fast needs the
# bpf_find_vma helper or the vm_next list; the scan the task_vma iterator, else
# /proc.

# The detectors in the order `probe` lists them (DA_HOOK_*).
DETECTORS="mmap mmap_import gup_slow insert_page insert_pages gup_fast pte_install scan vma_dup vma_free pfn_lookup huge_insert"
# The live detectors: all but the scan.
N_LIVE=$(($(wc -w <<<"$DETECTORS") - 1))
declare -A VARIANTS=(
	[mmap]=dma_buf_mmap_internal
	[mmap_import]=dma_buf_mmap
	[gup_slow]="check_vma_flags follow_page_mask"
	[insert_page]=vm_insert_page
	[insert_pages]=vm_insert_pages
	[gup_fast]="gup_fast_fallback internal_get_user_pages_fast"
	[pte_install]=finish_fault
	[vma_dup]=vm_area_dup
	[vma_free]=vm_area_free
	[pfn_lookup]="follow_pfnmap_start follow_pte"
	[huge_insert]="vmf_insert_pfn_pmd vmf_insert_pfn_pmd_prot"
)
# A second function hooked too, by the mechanism the first one got, where the
# kernel lets it attach (vma_free: exit_mmap's __vm_area_free, 6.4 to 6.12;
# gup_fast: exit_mmap, where the mapping address spaces are forgotten);
# `probe` then names "first,second" (pfn_lookup: x86 PAT's two entry points,
# "first,untrack_pfn,track_pfn_copy" where each attaches; huge_insert: the folio
# insert and the pud twins, whichever of their names the kernel has).
declare -A ALSO=(
	[vma_free]=__vm_area_free
	[gup_fast]=exit_mmap
	[pfn_lookup]="untrack_pfn track_pfn_copy"
	[huge_insert]="vmf_insert_folio_pmd vmf_insert_pfn_pud vmf_insert_pfn_pud_prot vmf_insert_folio_pud"
)
declare -A O_FENTRY O_KPROBE O_KSYM E_MECH E_FUNC E_FWHY E_FCODE E_KWHY

# da-oracle: $DA_ORACLE, else build/da-oracle of this tree, else $PATH.
oracle_find() {
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	ORACLE=${DA_ORACLE:-}
	if [ -z "$ORACLE" ] && [ -x "$here/../../build/da-oracle" ]; then
		ORACLE=$here/../../build/da-oracle
	fi
	[ -n "$ORACLE" ] || ORACLE=$(command -v da-oracle)
	[ -n "$ORACLE" ] && [ -x "$ORACLE" ]
}

oracle() { timeout -k 5 30 "$ORACLE" "$@" 2>&1; }

# oracle_init: asks the kernel once (root only: BPF loads, perf events).
oracle_init() {
	local d v
	for d in $DETECTORS; do
		[ "$d" = scan ] && continue
		# shellcheck disable=SC2086 # word lists
		for v in ${VARIANTS[$d]} ${ALSO[$d]:-}; do
			O_FENTRY[$v]=$(oracle fentry "$v")
			O_KPROBE[$v]=$(oracle kprobe "$v")
			O_KSYM[$v]=$(oracle ksym "$v")
		done
	done
	O_ITER=$(oracle iter)
	O_FINDVMA=$(oracle ksym bpf_find_vma)
	O_VMNEXT=$(oracle member vm_area_struct vm_next)
	O_PTE0=$(oracle param0 follow_pte)
	O_KBTF=absent
	[ -r /sys/kernel/btf/vmlinux ] && O_KBTF=present
}

# One line on what the oracle saw, for the log.
oracle_show() {
	local d v s=""
	for d in $DETECTORS; do
		[ "$d" = scan ] && continue
		for v in ${VARIANTS[$d]}; do
			s+=" $v=[fentry ${O_FENTRY[$v]}; kprobe ${O_KPROBE[$v]}; ksym ${O_KSYM[$v]}]"
		done
	done
	echo "# oracle:$s task_vma iterator $O_ITER, bpf_find_vma $O_FINDVMA, vm_next $O_VMNEXT, follow_pte's first parameter $O_PTE0, kernel BTF $O_KBTF"
}

# fentry_reason RESULT FUNC: sets fwhy (what the auditor's reason starts with)
# and fcode (what it must also name) for a failed da-oracle fentry RESULT.
fentry_reason() {
	local code stage
	read -r _ code stage <<<"$1"
	fcode=
	case $code in
	ENOENT) [ "$stage" = btf ] && { fwhy="$2 not in kernel BTF"; return; } ;;
	nobtf) fwhy="needs the kernel's own BTF"; return ;;
	EPERM) fcode=EPERM ;;
	ENOTSUPP) fcode=-524 ;;
	EINVAL) fcode=EINVAL ;;
	esac
	fwhy="$stage "
}

# oracle_expect auto|fentry|kprobe: E_MECH, E_FUNC, E_FWHY, E_FCODE, E_KWHY per
# detector, E_LIVE (live detectors attached), E_SCAN (iter|proc), E_TABLE
# (name=mechanism ... as `STATUS=` lists them), E_RC (probe's exit status).
oracle_expect() {
	local mode=$1 d v vs n fwhy fcode f0 f0code kwhy mech func
	E_LIVE=0
	E_TABLE=
	for d in $DETECTORS; do
		if [ "$d" = scan ]; then
			if [ "$O_ITER" = present ]; then
				E_SCAN=iter E_FUNC[scan]=bpf_iter_task_vma
			else
				E_SCAN=proc E_FUNC[scan]=/proc/PID/smaps
			fi
			E_MECH[scan]=$E_SCAN E_FWHY[scan]='' E_FCODE[scan]='' E_KWHY[scan]=''
			E_TABLE+="${E_TABLE:+ }scan=$E_SCAN"
			continue
		fi
		vs=${VARIANTS[$d]}
		if [ "$d" = pfn_lookup ]; then
			# follow_pte is a variant where its first parameter is a vma, or an mm whose
			# vma can be found (bpf_find_vma, else the vm_next list)
			case $O_PTE0 in
			vm_area_struct) ;;
			mm_struct) [ "$O_FINDVMA" = present ] || [ "$O_VMNEXT" = present ] || vs=${vs% *} ;;
			*) vs=${vs% *} ;;
			esac
		fi
		n=$(wc -w <<<"$vs")
		mech=none func=${vs%% *} f0='' f0code='' fwhy='' fcode='' kwhy=''
		if [ "$d" = gup_fast ] && [ "$O_FINDVMA" != present ] && [ "$O_VMNEXT" != present ]; then
			f0="bpf_find_vma helper missing" kwhy=same
		else
			if [ "$mode" = kprobe ]; then
				f0="not tried (--attach=kprobe)"
			elif [ "$O_KBTF" != present ]; then
				f0="needs the kernel's own BTF"
			else
				for v in $vs; do
					if [ "${O_FENTRY[$v]}" = ok ]; then
						mech=fentry func=$v
						break
					fi
					fentry_reason "${O_FENTRY[$v]}" "$v"
					# the auditor keeps the most telling reason: a function that
					# exists but refuses, over one that is not in BTF
					if [ -z "$f0" ] || [[ $fwhy != *"not in kernel BTF" ]]; then
						f0=$fwhy f0code=$fcode
					fi
				done
				fcode=$f0code
				if [ "$mech" = none ] && [ "$n" -gt 1 ] && [[ $f0 == *"not in kernel BTF" ]]; then
					f0="none of ${vs// /, } in kernel BTF"
				fi
			fi
			if [ "$mech" = none ] && [ "$mode" = fentry ]; then
				kwhy="not tried (--attach=fentry)"
			elif [ "$mech" = none ]; then
				if [ "${O_KPROBE[${vs%% *}]}" = "fail nokprobes" ]; then
					kwhy="kprobes not available"
				else
					kwhy="${vs%% *} not in /proc/kallsyms"
					[ "$n" -gt 1 ] && kwhy="none of ${vs// /, } in /proc/kallsyms"
					for v in $vs; do
						[ "${O_KSYM[$v]}" = present ] || continue
						# the first one in kallsyms; its attach decides
						func=$v
						if [ "${O_KPROBE[$v]}" = ok ]; then
							mech=kprobe kwhy=
						else
							kwhy="attach $v: "
						fi
						break
					done
				fi
			fi
		fi
		for v in ${ALSO[$d]:-}; do
			if { [ "$mech" = fentry ] && [ "${O_FENTRY[$v]}" = ok ]; } ||
				{ [ "$mech" = kprobe ] && [ "${O_KSYM[$v]}" = present ] && [ "${O_KPROBE[$v]}" = ok ]; }; then
				func="$func,$v"
			fi
		done
		E_MECH[$d]=$mech E_FUNC[$d]=$func E_FWHY[$d]=$f0 E_FCODE[$d]=$fcode E_KWHY[$d]=$kwhy
		[ "$mech" != none ] && E_LIVE=$((E_LIVE + 1))
		E_TABLE+="${E_TABLE:+ }$d=$mech"
	done
	E_RC=1
	[ "$E_LIVE" -eq "$N_LIVE" ] && E_RC=0
}

# expect_why TEXT DETECTOR WHAT: TEXT (a probe status or a stderr line) names
# the causes oracle_expect found for DETECTOR: its fentry reason (after
# "fentry: " or "fentry unusable: "), the errno, its kprobe reason.
expect_why() {
	local text=$1 d=$2 what=$3 miss=()
	case ${E_MECH[$d]} in
	fentry | iter) [[ $text == "attached ("* ]] || miss+=("attached (...)") ;;
	proc) [[ $text == *"no task_vma iterator on this kernel"* ]] || miss+=("no task_vma iterator on this kernel") ;;
	kprobe)
		[[ $text == "attached, fentry unusable: ${E_FWHY[$d]}"* ]] ||
			miss+=("attached, fentry unusable: ${E_FWHY[$d]}...") ;;
	none)
		[[ $text == *"fentry: ${E_FWHY[$d]}"* ]] || miss+=("fentry: ${E_FWHY[$d]}...")
		[ -z "${E_KWHY[$d]}" ] || [[ $text == *"kprobe: ${E_KWHY[$d]}"* ]] || miss+=("kprobe: ${E_KWHY[$d]}...") ;;
	esac
	if [ -n "${E_FCODE[$d]}" ] && [[ $text != *"${E_FCODE[$d]}"* ]]; then
		miss+=("${E_FCODE[$d]}")
	fi
	if [ ${#miss[@]} -eq 0 ]; then
		case ${E_MECH[$d]} in
		none) ok "$what: $d says why: fentry: ${E_FWHY[$d]}..${E_FCODE[$d]:+ (${E_FCODE[$d]})}${E_KWHY[$d]:+; kprobe: ${E_KWHY[$d]}..}" ;;
		kprobe) ok "$what: $d says why fentry is unusable: ${E_FWHY[$d]}..${E_FCODE[$d]:+ (${E_FCODE[$d]})}" ;;
		*) ok "$what: $d status as the oracle says (${E_MECH[$d]})" ;;
		esac
	else
		fail "$what: expected $d's status to name '$(IFS='|'; echo "${miss[*]}")' (oracle), saw '$text'"
	fi
}

# dmabuf_state: what is mapped now, as "vmas N bytes B nopfnmap K" (/proc/*/smaps).
dmabuf_state() { oracle dmabuf-vmas; }

# have_bpf_caps: CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON, in effect here.
have_bpf_caps() {
	local eff
	eff=$(awk '$1 == "CapEff:" { print $2 }' /proc/self/status)
	eff=$((16#${eff:-0}))
	[ $((eff >> 21 & 1)) -eq 1 ] || [ $((eff >> 38 & eff >> 39 & 1)) -eq 1 ]
}
