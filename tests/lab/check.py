#!/usr/bin/env python3
"""Assertions of the VM lab: compare the auditor's findings with oracles it does not see.

usage: check.py RESULTS KVER      (KVER: 6.1, 6.12 or a release such as 6.1.0-56-amd64)
       check.py --self-test

RESULTS is what the guest wrote to its results port (see guest-scenario.sh): sections
"@@BEGIN <kind> <tag> [args]" ... "@@END <kind> <tag> [args] [key=value...]".
Every assertion prints "ok - ..." or "FAIL - expected X, saw Y"; the last line is
"N passed, N failed". A missing or truncated section is a FAIL.

What is expected never comes from the auditor's word about itself: which detector must
attach, by which mechanism and on which kernel function, in each attach mode, is this
file's own table (KERNELS, written from the README's attach table and
docs/kernel-notes.md), held against the guest's own /proc/kallsyms. A detector that should
attach and did not is a FAIL. Checks a kernel cannot support print "skip - ... (CLASS)",
and the set of skip classes of a run must equal the set the table explains for that
kernel and mode (KERNELS: absent exporters, detectors with no mechanism, measured kernel
limits): an unexpected skip and a missing expected one are both FAILs.
"""
import codecs
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "prom"))
import promcheck  # noqa: E402

MODES = ("fentry", "kprobe")
# Live detectors, and every detector in the order of the auditor's probe table.
LIVE = ("mmap", "mmap_import", "gup_slow", "insert_page", "insert_pages", "gup_fast",
        "pte_install", "vma_dup", "vma_free", "pfn_lookup", "huge_insert")
DETECTORS = LIVE[:7] + ("scan",) + LIVE[7:]
# The kernel function each live detector hooks where the kernel has it (README, "How it
# works"); KERNELS names the fallback a kernel uses instead. "a,b": both hooked (vma_free:
# from 6.4 to 6.12 exit_mmap frees vmas with __vm_area_free, others go through vm_area_free;
# gup_fast: exit_mmap forgets the address spaces that mapped a dma-buf).
FIRST_FUNC = {"mmap": "dma_buf_mmap_internal", "mmap_import": "dma_buf_mmap",
              "gup_slow": "check_vma_flags", "insert_page": "vm_insert_page",
              "insert_pages": "vm_insert_pages", "gup_fast": "gup_fast_fallback,exit_mmap",
              "pte_install": "finish_fault", "vma_dup": "vm_area_dup", "vma_free": "vm_area_free",
              "pfn_lookup": "follow_pfnmap_start",
              "huge_insert": "vmf_insert_pfn_pmd,vmf_insert_pfn_pud"}
# The crowd scenario's exporter: its vmsplice keeps the pages in GUP-fast on every kernel.
CROWD_EXPORTER = "test:swap_file"
SCAN_FUNC = {"iter": "bpf_iter_task_vma", "proc": "/proc/PID/smaps"}

TEST_EXPORTERS = ("test:insert_page", "test:insert_pages", "test:fault_page", "test:mixedmap",
                  "test:remap_pfn", "test:insert_pfn", "test:swap_file")
REAL_EXPORTERS = ("vgem", "udmabuf", "heap")
TEST_PATHS = ("mmap", "procmem", "vm_readv", "iouring", "import", "vmsplice")
REAL_PATHS = ("mmap", "procmem", "vm_readv", "iouring", "vmsplice")
# The vma after the mmap: split (mprotect of the upper half, then GUP there), copied by
# fork (the child's GUP), moved by mremap (GUP at the new address).
VMA_PATHS = tuple((e, p) for e in ("test:swap_file", "test:insert_page", "test:remap_pfn")
                  for p in ("split", "fork", "mremap"))
# REPEAT_N one-page GUP calls each: counts must be exact, the stream must not flood.
REPEATS = (("test:insert_page", "repeat"), ("test:remap_pfn", "repeat"))
REPEAT_N = 100000
# The GUP from a second thread (oracle tid != pid).
THREADS = (("test:insert_page", "thread"),)
# The test module resolves the pfn of a compliant mapping (kernel_pfn_lookup); on every
# other trigger no such finding may appear (x86 PAT's own lookups at munmap and fork
# included).
PFN_LOOKUPS = (("test:remap_pfn", "pfn_lookup"), ("test:insert_pfn", "pfn_lookup"))
PFN_CALLER = "dtx_follow_pfn [dmabuf_test_exporter]"
# Triggers run as uid 1000 in their own cgroup (section tag MODE-user).
USER_RUNS = (("test:insert_page", "procmem"),)
USER_UID = 1000
# Paths whose GUP may start with the lockless walker: which path keeps the pages is a
# kernel fact (KERNELS fast).
FAST_PATHS = ("vmsplice", "iouring")
# Mappings made before the auditor starts: only the scan can report them.
HOLDERS = ("test:insert_page", "test:remap_pfn")
# run_flood: distinct violating mappings made while the auditor is stopped.
FLOOD = ("test:fault_page", "flood")
TEST_MODULE = "dmabuf_test_exporter"
TEST_MMAP_OP = "dtx_dmabuf_mmap [dmabuf_test_exporter]"
# The exporters that map with VM_PFNMAP and special ptes: the test module's modes 4
# (remap_pfn_range) and 5 (vmf_insert_pfn) in tests/module/dmabuf_test_exporter.c, and the
# real exporters (README, "The lab"); Kernel.struct_pages names a kernel where a real one maps
# struct pages instead (vgem on 5.10).
COMPLIANT = {"test:remap_pfn", "test:insert_pfn", "vgem", "udmabuf", "heap"}
VIOLATIONS = ("mmap_without_pfnmap", "gup_on_dmabuf", "page_insert_on_dmabuf",
              "gup_fast_on_dmabuf", "pte_not_special")
GUP_KINDS = ("gup_on_dmabuf", "gup_blocked", "gup_fast_on_dmabuf")
# Kernel log lines that mean the kernel (or the test module) went wrong.
SPLAT = re.compile(r"WARNING:|BUG:|Oops|general protection fault|Kernel panic|Call Trace:|"
                   r"UBSAN:|KASAN:|refcount_t:|list_add corruption|page dumped because")
# run_huge (2 MiB PMD entries): its report tags (attach mode: auto is the default), the test
# exporters that map PMD entries (PATH huge only), the finding kinds and the hook the
# huge_insert detector reports them with. huge_not_special is a violation (the kernel has a
# special bit for PMD entries and the entry lacks it), huge_entry a warning (no such bit).
HUGE_TAGS = (("huge", "auto"), ("huge-kprobe", "kprobe"))
# detectors only a scenario of their own checks (run_huge: auto and kprobe attach): the
# fentry and kprobe runs skip nothing when they cannot attach there (5.10's fexit)
SCENARIO_ONLY = ("huge_insert",)
HUGE_EXPORTERS = ("test:huge_pfn", "test:huge_page")
HUGE_KINDS = ("huge_not_special", "huge_entry")
HUGE_HOOK = "huge_insert"
HUGE_ENTRIES = 2  # the trigger maps 4 MiB at a 2 MiB boundary and reads each half
HUGE_PMD_BYTES = 2 << 20  # 4 KiB pages on every lab kernel
# the module's function that calls the insert (tests/module: dtx_huge_insert, from
# ->huge_fault or ->fault, into which the compiler may inline it): the finding's caller
HUGE_CALLERS = tuple("%s [dmabuf_test_exporter]" % f
                     for f in ("dtx_huge_insert", "dtx_huge_fault", "dtx_fault_huge"))
# Frames of the auditor itself (its BPF programs and trampolines) never belong in a stack.
OWN_FRAME = re.compile(r"^(bpf_prog_|bpf_trampoline)|\[bpf\]")
# A kernel address in the auditor's output (a KASLR leak): unknown code is "[unknown]".
RAW_KADDR = re.compile(r"\b(?:0x)?ffff[0-9a-f]{12}\b", re.I)
UNKNOWN_FRAME = "[unknown]"
# The late scenario (run_late): the module's outputs, and what each trigger must give.
LATE_TAGS = ("late", "late-watch", "late-daemon")
LATE_RUNS = (("test:insert_page", "mmap", ("mmap_without_pfnmap", "page_insert_on_dmabuf",
                                           "pte_not_special")),
             ("test:insert_page", "procmem", ("mmap_without_pfnmap", "gup_on_dmabuf")))
# The fix each planted path must name (issue 14): words of the "fix" field, from the
# trigger's exporter mode (tests/module: how it maps) and GUP path (tests/trigger: which
# userspace call), never from the finding's other fields.
FIX_SWAPPED = TEST_MMAP_OP + " hands the vma to another file (vm_file swapped"
FIX_INSERT = {"test:insert_page": "vm_insert_page() from " + TEST_MMAP_OP,
              "test:mixedmap": "vm_insert_page() from " + TEST_MMAP_OP,
              "test:insert_pages": "vm_insert_pages() from " + TEST_MMAP_OP,
              "test:fault_page": "the fault handler %s installs returns vmf->page" % TEST_MMAP_OP,
              # the vma handed to shmem: shmem's fault handler returns the page
              "test:swap_file": "installs returns vmf->page"}
FIX_GUP_CALLER = {"procmem": "/proc/PID/mem", "thread": "/proc/PID/mem",
                  "iouring": "io_uring buffer registration",
                  "vmsplice": "vmsplice()"}  # the others: process_vm_readv()
FIX_PFNMAP = "remap_pfn_range() in " + TEST_MMAP_OP


def fix_words(exporter, path, kind, vmflags):
    """What the fix of a KIND finding of a test exporter's trigger must say; VMFLAGS: the
    mapping's smaps VmFlags (mm: VM_MIXEDMAP, which vm_insert_page sets too)."""
    if kind == "mmap_without_pfnmap":
        if exporter == "test:swap_file":
            return [FIX_SWAPPED, FIX_PFNMAP]
        if "mm" in (vmflags or "").split():
            return [TEST_MMAP_OP + " maps the buffer with VM_MIXEDMAP", FIX_PFNMAP]
        return [TEST_MMAP_OP + " maps the buffer without VM_PFNMAP", FIX_PFNMAP]
    if kind in ("page_insert_on_dmabuf", "pte_not_special"):
        return [FIX_INSERT.get(exporter, "(no insertion expected for %s)" % exporter)]
    if kind == "kernel_pfn_lookup":
        return [PFN_CALLER + " resolves pfns of a user dma-buf mapping",
                "import the dma-buf by fd instead"]
    caller = FIX_GUP_CALLER.get(path, "process_vm_readv()/process_vm_writev()")
    if kind == "gup_blocked":
        return [caller, "tried to pin a dma-buf mapping", "import the dma-buf instead"]
    return [caller, "pinned struct pages of the mapping", FIX_PFNMAP]


# Functions the test module defines (tests/module/dmabuf_test_exporter.c) that its
# violating mmap stacks go through; late-kallsyms must name them too.
TEST_MODULE_FUNCS = ("dtx_dmabuf_mmap",)
# Hostile names (issue 13, run_hostile in guest-scenario.sh): TAG -> (buffer name, comm),
# the bytes the scenario passes the trigger in hex; each trigger's oracle must say it set
# exactly these (else the scenario went soft and the check would prove nothing).
HOSTILE = {
    "quote": (b'q"b\\s\nn\tt\rz', b'c"\\\n\t\r'),
    "esc": (b"\x1b[2J\x1b]0;x\x07\x1b[31m", b"\x1b[2J\x1b]0;x\x07"),
    "utf8": (b"\xff\xfe\xc0\xaf\x80ok\xe2\x80", b"\xff\xfe\xc0\xaf\x80c"),
    "bidi": (b"a\xe2\x80\xaeb\xe2\x81\xa6c\xe2\x80\xaa", b"\xe2\x80\xaeevil\xe2\x81\xa9"),
    "prom": (b'x",kind="f"} 1\nfake 1 #', b'x"} 1\nfake 1'),
    "c1": (b"\xc2\x9b2J\x7f\xc2\x85\x08end", b"\xc2\x9b\x7f\x01c"),
}
HOSTILE_HOLD = (b'\x1b[31m\xe2\x80\xae"\\\xff h', b"\x1b]0;\xe2\x80\xae\xc0)x")
# what each hostile trigger (test:insert_page) must give, by path
# what each hostile trigger (test:insert_page) must give, by path: as the late module's
HOSTILE_RUNS = {p: kinds for _, p, kinds in LATE_RUNS}
# run_hostile's auditors: JSON ones (every line strict JSON, UTF-8) and terminal ones
HOSTILE_JSON = ("hostile", "hostile-daemon-json")
HOSTILE_TERM = ("hostile-human", "hostile-watch")
# Bytes a terminal must never get raw from the auditor: C0 but newline, DEL, C1 (as UTF-8
# c2 80..9f, or a lone 80..9f byte a terminal in 8-bit mode takes), and the bidi
# embedding, override and isolate controls U+202A..U+202E, U+2066..U+2069.
TERM_UNSAFE = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|"
                         rb"\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
ORACLE_KEYS = ("exporter_arg", "path", "pid", "tid", "uid", "cgroup_id", "exporter", "inode",
               "size", "vm_start", "vm_end", "vmflags", "gup", "inserted", "rss_kb", "repeat",
               "buf_name")
# smaps VmFlags mnemonics (fs/proc/task_mmu.c) and their VM_* bits, for the flags that
# do not change after mmap (VM_SOFTDIRTY, VM_ACCOUNT... do: left out).
VMFLAG_BITS = {"rd": 0x1, "wr": 0x2, "sh": 0x8, "mr": 0x10, "mw": 0x20, "me": 0x40, "ms": 0x80,
               "pf": 0x400, "io": 0x4000, "de": 0x40000, "dd": 0x4000000, "mm": 0x10000000}
VMFLAG_MASK = sum(VMFLAG_BITS.values())
PAGE_KB = 4  # every lab kernel (x86_64, Debian's arm64) uses 4 KiB pages


class Kernel:
    """What one Debian kernel offers the auditor, from the README's attach table and
    docs/kernel-notes.md (measured in this lab), never from the auditor's own report.

    fentry    fexit trampolines attach (arm64 before 6.4: -524, no direct calls)
    funcs     kernel function per detector where not FIRST_FUNC
    scan      "iter" (task_vma iterator, 5.12+) or "proc" (/proc/PID/smaps fallback)
    find_vma  the bpf_find_vma helper exists (5.17+); else GUP-fast walks the vma list
    dmabuf_iter  the dma-buf BPF iterator exists (6.16+): report --inventory runs
    absent    exporters Debian does not build for it (trigger exit 77)
    fast      (exporter or "*", path): GUP keeps a non-compliant mapping's pages in the
              lockless walk (gup_fast_on_dmabuf); any other successful GUP goes through the
              slow path (gup_on_dmabuf)
    struct_pages  real exporters that map struct pages here: {exporter: the detector that
              sees them go in: insert_page (vm_insert_page) or pte_install (vmf->page)}
    skips     {mode: skip classes}: measured kernel limits a check must skip there
    no_fentry detectors whose fexit the kernel refuses although others attach (5.10:
              struct arguments by value, pfn_t and pgprot_t, came to trampolines in 6.1)
    """

    def __init__(self, fentry, funcs=None, scan="iter", find_vma=True, absent=(), fast=(),
                 struct_pages=None, skips=None, dmabuf_iter=False, no_fentry=()):
        self.fentry = fentry
        self.no_fentry = set(no_fentry)
        self.dmabuf_iter = dmabuf_iter
        self.funcs = dict(FIRST_FUNC, **(funcs or {}))
        self.funcs["scan"] = SCAN_FUNC[scan]
        self.scan = scan
        self.find_vma = find_vma
        self.absent = set(absent)
        self.fast = set(fast)
        self.struct_pages = dict(struct_pages or {})
        self.skips = {m: set(s) for m, s in (skips or {}).items()}

    def mech(self, mode, det):
        """Mechanism DET must attach by in attach mode MODE (fentry, kprobe or auto)."""
        if det == "scan":
            return self.scan
        if mode == "kprobe":
            return "kprobe"
        fentry = self.fentry and det not in self.no_fentry
        if mode == "fentry":
            return "fentry" if fentry else "none"
        return "fentry" if fentry else "kprobe"

    def live(self, mode):
        return sum(1 for d in LIVE if self.mech(mode, d) != "none")

    def keeps_fast(self, exporter, path):
        return ("*", path) in self.fast or (exporter, path) in self.fast

    def compliant(self, exporter):
        return exporter in COMPLIANT and exporter not in self.struct_pages

    def expected_skips(self, mode):
        """Skip classes a run of MODE must show on this kernel, no more, no fewer."""
        s = {"absent:" + e for e in self.absent}
        # the fentry and kprobe runs need every detector but those of their own scenarios
        if any(self.mech(mode, d) == "none" for d in LIVE if d not in SCENARIO_ONLY):
            s.add("none")
        elif self.funcs["gup_slow"] == "follow_page_mask":
            s.add("gup_blocked:follow_page_mask")
        if self.scan == "proc":
            s.add("scan:proc")
        return s | self.skips.get(mode, set())


# (major.minor, Debian arch) -> Kernel. A kernel not listed here is a FAIL: add it.
SHMEM_FAST = {("test:swap_file", "vmsplice"), ("test:swap_file", "iouring")}
BOTH_FREES = {"vma_free": "vm_area_free,__vm_area_free"}
# x86 PAT's two entry points that look pfns up (to 6.16), bracketed beside the lookup
PAT = "untrack_pfn,track_pfn_copy"
PTE_PAT = "follow_pte," + PAT
# the huge inserts: the pfn ones with a pgprot_t (_prot) to 6.2, the folio ones from 6.15;
# the pud twins where the architecture has pud THP (x86_64, not Debian's arm64)
HUGE_PROT = "vmf_insert_pfn_pmd_prot,vmf_insert_pfn_pud_prot"
HUGE_FOLIO = "vmf_insert_pfn_pmd,vmf_insert_folio_pmd,vmf_insert_pfn_pud,vmf_insert_folio_pud"
KERNELS = {
    ("5.10", "amd64"): Kernel(
        fentry=True, scan="proc", find_vma=False, absent=("udmabuf", "heap"),
        # check_vma_flags is inlined: the slow path is seen at follow_page_mask, which
        # refused vmas never reach (no gup_blocked)
        funcs={"gup_slow": "follow_page_mask", "gup_fast": "internal_get_user_pages_fast,exit_mmap",
               "pfn_lookup": PTE_PAT, "huge_insert": HUGE_PROT},
        # pfn_t and pgprot_t by value: no fexit before 6.1 (EINVAL), kprobes instead
        no_fentry=("huge_insert",),
        fast={("*", "vmsplice")},
        # vgem maps struct pages without VM_PFNMAP: its fault handler returns vmf->page
        struct_pages={"vgem": "pte_install"},
        # kprobe handlers on one address run newest first: watch's kretprobe, attached
        # after the report, replaces the return address before the report's kprobe takes
        # its entry stack, and 5.10's unwinder stops there (one auditor alone is whole:
        # check_pid_filter)
        skips={"kprobe": {"stack:kretprobe_trampoline"}}),
    ("6.1", "amd64"): Kernel(
        fentry=True, absent=("udmabuf", "heap"),
        funcs={"gup_fast": "internal_get_user_pages_fast,exit_mmap", "pfn_lookup": PTE_PAT,
               "huge_insert": HUGE_PROT},
        # vmsplice: get_user_pages_fast keeps the pages, no slow path
        fast={("*", "vmsplice")}),
    ("6.12", "amd64"): Kernel(
        # the walker gives up on the module's plain pages (slow path); shmem folios
        # (vm_file swapped) pass gup_fast_folio_allowed and stay
        fentry=True, funcs=dict(BOTH_FREES, pfn_lookup="follow_pfnmap_start," + PAT),
        fast=SHMEM_FAST),
    ("7.2", "amd64"): Kernel(fentry=True, fast=SHMEM_FAST, dmabuf_iter=True,
                             funcs={"huge_insert": HUGE_FOLIO}),
    ("6.1", "arm64"): Kernel(
        # no ftrace direct calls before 6.4 on arm64: fentry attach fails (-524)
        fentry=False, absent=("udmabuf", "heap"),
        funcs={"gup_fast": "internal_get_user_pages_fast,exit_mmap", "pfn_lookup": "follow_pte",
               "huge_insert": "vmf_insert_pfn_pmd_prot"},
        fast={("*", "vmsplice")}),
    ("6.12", "arm64"): Kernel(
        fentry=True, absent=("heap",), funcs=dict(BOTH_FREES, huge_insert="vmf_insert_pfn_pmd"),
        fast=SHMEM_FAST,
        # kretprobes run with IRQs off here: bpf_find_vma defers its mmap unlock to a
        # per-CPU irq_work and refuses while it is queued. The report's return handler
        # (its kretprobe was entered last, attached first) runs first and gets the vma;
        # watch's, right after, is refused (it counts them: gup_fast_unverified)
        skips={"kprobe": {"watch:find_vma_busy"}}),
}


def matrix():
    """(exporter, path, tag suffix) of every trigger run while report and watch attach."""
    for e in TEST_EXPORTERS:
        for p in TEST_PATHS:
            yield e, p, ""
    for e, p in VMA_PATHS + PFN_LOOKUPS + THREADS:
        yield e, p, ""
    for e, p in USER_RUNS:
        yield e, p, "-user"
    for e in REAL_EXPORTERS:
        for p in REAL_PATHS:
            yield e, p, ""
    for e, p in REPEATS:
        yield e, p, ""


def short_kver(kver):
    m = re.match(r"(\d+\.\d+)", kver)
    return m.group(1) if m else kver


class Section:
    def __init__(self, head):
        self.head = head
        self.lines = []
        self.attrs = None  # key=value pairs of the @@END line; None while unterminated


def parse(text):
    """Return (sections keyed by their BEGIN words, other @@ lines)."""
    sections, meta, cur = {}, [], None
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line.startswith("@@BEGIN "):
            cur = Section(line[8:].strip())
            sections[cur.head] = cur
        elif line.startswith("@@END ") and cur is not None:
            words = line[6:].split()
            cur.attrs = dict(w.split("=", 1) for w in words if "=" in w)
            cur = None
        elif line.startswith("@@"):
            meta.append(line)
        elif cur is not None:
            cur.lines.append(line)
    return sections, meta


def complete(secs, head):
    """The section HEAD if it was closed by its @@END line, else None."""
    s = secs.get(head)
    return s if s is not None and s.attrs is not None else None


def hexint(v):
    try:
        return int(v, 16) if isinstance(v, str) else int(v)
    except (TypeError, ValueError):
        return None


def oracle_of(sec):
    """The trigger's JSON oracle line in a complete section, or None."""
    for ln in sec.lines if sec else []:
        if ln.startswith("stdout: {"):
            try:
                return json.loads(ln[8:])
            except ValueError:
                return None
    return None


def json_lines(sec):
    """(findings, mappings, summary, bad lines) of a report or watch output section."""
    findings, mappings, summary, bad = [], [], None, []
    for ln in sec.lines if sec else []:
        if not ln.strip():
            continue
        try:
            j = json.loads(ln)
        except ValueError:
            bad.append(ln)
            continue
        if isinstance(j, dict) and "summary" in j:
            summary = j["summary"]
        elif isinstance(j, dict) and "mapping" in j:
            mappings.append(j["mapping"])
        elif isinstance(j, dict) and "kind" in j:
            findings.append(j)
        else:
            bad.append(ln)
    return findings, mappings, summary, bad


def vmflag_bits(vmflags):
    return sum(VMFLAG_BITS.get(w, 0) for w in vmflags.split())


def fmt(findings):
    if not findings:
        return "none"
    return "; ".join("%s exporter=%s inode=%s vm_start=%s count=%s%s" % (
        f.get("kind"), f.get("exporter"), f.get("inode"), f.get("vm_start"), f.get("count"),
        " gup_flags=%s" % ",".join(f.get("gup_flags") or []) if "gup_flags" in f else "")
        for f in findings)


PROBE_ROW = re.compile(r"^(\S+)\s+(\S+)\s+(fentry|kprobe|iter|proc|none)\s+(.*)$")


class Checker:
    def __init__(self, out=sys.stdout, late=True, hostile=True, fix=True, inventory=True,
                 run_cmd=True, huge=True):
        self.huge = huge  # the huge-PMD scenario (fixtures older than it: not)
        self.late = late  # the late-module scenario is required (fixtures older than it: not)
        self.hostile = hostile  # the hostile-names scenario too
        self.fix = fix  # findings carry a "fix" (fixtures older than it: not checked)
        self.inventory = inventory
        self.run_cmd = run_cmd  # the run -- COMMAND scenario (fixtures older than it: not)
        self.passed = self.failed = self.skipped = 0
        self.out = out
        self.arch = "amd64"
        self.kver = None
        self.k = None  # the Kernel facts of the guest
        self.mode = None  # attach mode being checked
        self.skips = {}  # scope -> {class: count}

    def say(self, s):
        print(s, file=self.out)

    def ok(self, cond, what, expected, saw):
        if cond:
            self.passed += 1
            self.say("ok - " + what)
        else:
            self.failed += 1
            self.say("FAIL - %s: expected %s, saw %s" % (what, expected, saw))
        return cond

    def skip(self, cls, what):
        """A check this kernel cannot support; CLASS is held against Kernel.expected_skips."""
        self.skipped += 1
        scope = self.skips.setdefault(self.mode, {})
        scope[cls] = scope.get(cls, 0) + 1
        self.say("skip - %s (%s)" % (what, cls))

    def attached(self, det):
        """DET must be attached in the mode being checked (the table, not the auditor)."""
        return self.k.mech(self.mode, det) != "none"

    def need(self, what, *detectors):
        """True if one of the detectors must be attached in this mode; else a visible skip."""
        if any(self.attached(d) for d in detectors):
            return True
        self.skip("none", "%s: no mechanism for detector %s in --attach=%s on this kernel" % (
            what, "/".join(detectors), self.mode))
        return False

    # ---- the kernel table against the guest's own kernel ----
    def check_kernel(self, secs):
        pre = "[%s]" % self.kver
        sec = complete(secs, "kernel-symbols")
        syms = {}
        for ln in sec.lines if sec else []:
            w = ln.split()
            if len(w) == 2 and w[0] in ("present", "absent"):
                syms[w[1]] = w[0] == "present"
        if not self.ok(syms, "%s kernel-symbols section" % pre, "present/absent lines", "none"):
            return
        k = self.k

        def has(sym, want, why):
            self.ok(syms.get(sym) is want, "%s /proc/kallsyms %s %s (%s)" % (
                pre, "has" if want else "lacks", sym, why),
                "present" if want else "absent",
                {True: "present", False: "absent"}.get(syms.get(sym), "not listed"))
        for d in LIVE:
            for f in k.funcs[d].split(","):
                has(f, True, "the lab table's function for %s" % d)
        if k.funcs["gup_slow"] != "check_vma_flags":
            has("check_vma_flags", False, "gup_slow falls back to %s" % k.funcs["gup_slow"])
        if k.funcs["gup_fast"].split(",")[0] != "gup_fast_fallback":
            has("gup_fast_fallback", False, "gup_fast uses %s" % k.funcs["gup_fast"])
        if "__vm_area_free" not in k.funcs["vma_free"].split(","):
            has("__vm_area_free", False, "vma_free hooks %s only" % k.funcs["vma_free"])
        if k.funcs["pfn_lookup"].split(",")[0] != "follow_pfnmap_start":
            has("follow_pfnmap_start", False, "pfn_lookup uses %s" % k.funcs["pfn_lookup"])
        for f in PAT.split(","):
            if f not in k.funcs["pfn_lookup"].split(","):
                has(f, False, "pfn_lookup brackets %s" % (k.funcs["pfn_lookup"]))
        if self.huge:  # (fixtures older than the huge inserts do not list them)
            for f in HUGE_PROT.split(",") + HUGE_FOLIO.split(","):
                if f not in k.funcs["huge_insert"].split(","):
                    has(f, False, "huge_insert hooks %s" % k.funcs["huge_insert"])
        has("bpf_iter_task_vma", k.scan == "iter", "scan by %s" % k.scan)
        if self.inventory:  # (fixtures older than the inventory do not list it)
            has("bpf_iter_dmabuf", k.dmabuf_iter, "report --inventory %s" % (
                "from the iterator" if k.dmabuf_iter else "from debugfs bufinfo"))
        has("bpf_find_vma", k.find_vma, "GUP-fast %s" % (
            "finds the vma with bpf_find_vma" if k.find_vma else "walks the vma list"))

    # ---- probe: rows, counts, exit status ----
    def check_probe(self, secs, head, mode):
        pre = "[%s %s]" % (self.kver, "auto" if mode == "auto" else mode)
        sec = complete(secs, head)
        if not self.ok(sec is not None, "%s probe section" % pre, "@@BEGIN/@@END " + head,
                       "missing or truncated"):
            return
        rows = {}
        for ln in sec.lines:
            m = PROBE_ROW.match(ln)
            if m and m.group(1) in DETECTORS:
                rows[m.group(1)] = (m.group(2), m.group(3), m.group(4))
        k = self.k
        for d in DETECTORS:
            mech = k.mech(mode, d)
            func, via, status = rows.get(d, (None, None, None))
            if mech == "none":
                self.ok(via == "none", "%s probe: %s has no mechanism" % (pre, d),
                        "%s none" % d, "%s %s %s" % (d, via, status))
            else:
                self.ok(via == mech and func == k.funcs[d],
                        "%s probe: %s attached by %s on %s" % (pre, d, mech, k.funcs[d]),
                        "%s %s %s" % (d, k.funcs[d], mech), "%s %s %s" % (d, func, via))
        live = k.live(mode)
        want = "%d of %d live detectors attached; scan: %s" % (
            live, len(LIVE), "available" if k.scan == "iter" else "/proc fallback")
        self.ok(want in sec.lines, "%s probe counts" % pre, repr(want), sec.lines[-2:])
        scan_only = "mode: scan-only (existing mappings are reported, nothing is watched live)"
        self.ok((scan_only in sec.lines) == (live == 0), "%s probe says scan-only exactly when "
                "no live detector attaches" % pre, "scan-only line %s" % ("present" if live == 0
                                                                         else "absent"),
                "present" if scan_only in sec.lines else "absent")
        rc = "0" if live == len(LIVE) else "1"
        self.ok(sec.attrs.get("rc") == rc, "%s probe exit status" % pre,
                "%s (%d of %d live detectors attach)" % (rc, live, len(LIVE)), sec.attrs.get("rc"))

    def check_attach(self, pre, summary):
        """The report's summary: each detector's mechanism and function, from the table."""
        sm = summary or {}
        det, funcs = sm.get("detectors") or {}, sm.get("functions") or {}
        for d in DETECTORS:
            mech = self.k.mech(self.mode, d)
            func = self.k.funcs[d] if mech != "none" else None
            self.ok(det.get(d) == mech and funcs.get(d) == func,
                    "%s detector %s: %s on %s" % (pre, d, mech, func),
                    "%s on %s" % (mech, func), "%s on %s" % (det.get(d), funcs.get(d)))

    def check_stderr(self, pre, secs, tag, allowed=()):
        """The auditor's stderr: its ready (or scan-only) line, nothing else but ALLOWED."""
        sec = complete(secs, "auditor-stderr " + tag)
        lines = [ln for ln in (sec.lines if sec else []) if ln.strip()]
        live = self.k.live(self.mode)
        # some detectors cannot run in this mode, others can: one warning for each, first
        none = [d for d in LIVE if self.k.mech(self.mode, d) == "none"] if live else []
        warned = [ln for ln in lines if any(ln.startswith(
            "dmabuf-audit: warning: detector %s (" % d) and " cannot run here: " in ln
            for d in none)]
        if none:
            self.ok(len(warned) == len(none) and lines[:len(none)] == warned,
                    "%s stderr: a warning for each detector that cannot run (%s)" % (
                        pre, ", ".join(none)),
                    "first %d line(s): 'dmabuf-audit: warning: detector %s (...) cannot run "
                    "here: ...'" % (len(none), "|".join(none)), lines[:len(none) + 1])
        lines = [ln for ln in lines if ln not in warned]
        if live:
            want = "dmabuf-audit: ready: %d of %d live detectors attached, scan done" % (
                live, len(LIVE))
        else:
            want = "dmabuf-audit: scan-only: no live detector can attach on this kernel ("
        first = lines[0] if lines else None
        self.ok(first is not None and first.startswith(want), "%s stderr: %s" % (pre, want),
                repr(want), repr(first))
        extra = [ln for ln in lines[1:] if not any(re.search(a, ln) for a in allowed)]
        self.ok(sec is not None and not extra, "%s stderr has nothing else" % pre,
                "no other line", extra[:3] if sec else "no complete section")

    # ---- one trigger (oracle) against the findings of one mode ----
    def check_trigger(self, label, exporter, path, o, fnd):
        k = self.k
        pid = o["pid"]
        is_compliant = k.compliant(exporter)
        mine = [f for f in fnd if f.get("pid") == pid]
        # fork: the child's GUP, on its copy of the vma
        child = [f for f in fnd if f.get("pid") == o.get("child_pid")] if path == "fork" else []

        def same_buf(f):
            return f.get("exporter") == o["exporter"] and f.get("inode") == o["inode"]

        def kind(k_, where=None):
            return [f for f in (mine if where is None else where) if f.get("kind") == k_]

        flags = o["vmflags"].split()
        pf = "pf" in flags
        what = "%s pid %d" % (label, pid)

        # Oracle against the kernel facts: otherwise the exporter, not the auditor, is wrong.
        if is_compliant:
            self.ok(pf, "%s: exporter %s maps with VM_PFNMAP" % (what, exporter),
                    "'pf' in smaps VmFlags (else the exporter misbehaves)", repr(o["vmflags"]))
            self.ok(o["gup"] != "ok", "%s: GUP refused on compliant %s" % (what, exporter),
                    "gup != ok (else the exporter misbehaves)", "gup=%s" % o["gup"])
        else:
            self.ok(not pf, "%s: exporter %s maps without VM_PFNMAP" % (what, exporter),
                    "no 'pf' in smaps VmFlags (else the exporter misbehaves)", repr(o["vmflags"]))

        # where the GUP looked: the moved vma (mremap), the child's copy (fork), the split half
        gup_where = child if path == "fork" else mine
        gup_outcome = o.get("child_gup", o["gup"]) if path == "fork" else o["gup"]

        # mmap_without_pfnmap, at the address the mmap returned
        mmap_start = o.get("old_vm_start", o["vm_start"]) if path == "mremap" else o["vm_start"]
        mw = kind("mmap_without_pfnmap")
        if self.need("%s: mmap_without_pfnmap" % what, "mmap_import" if path == "import" else "mmap"):
            if not pf:
                good = [f for f in mw if same_buf(f) and hexint(f.get("vm_start")) == hexint(mmap_start)]
                self.ok(good, "%s: mmap_without_pfnmap reported" % what,
                        "mmap_without_pfnmap exporter=%s inode=%s vm_start=%s" % (
                            o["exporter"], o["inode"], mmap_start), fmt(mine))
            else:
                self.ok(not mw, "%s: no mmap_without_pfnmap (vma has pf)" % what, "none", fmt(mw))

        # GUP: slow path (gup_on_dmabuf / gup_blocked) or lockless (gup_fast_on_dmabuf)
        gup = [f for f in kind("gup_on_dmabuf", gup_where) if same_buf(f)]
        blocked = [f for f in kind("gup_blocked", gup_where) if same_buf(f)]
        fast = [f for f in kind("gup_fast_on_dmabuf", gup_where) if same_buf(f)]
        if gup_outcome == "ok" and k.keeps_fast(exporter, path):
            if self.need("%s: gup_fast_on_dmabuf" % what, "gup_fast"):
                self.ok(fast, "%s: gup_fast_on_dmabuf reported (the lockless walk keeps the pages "
                        "on this kernel)" % what, "gup_fast_on_dmabuf exporter=%s inode=%s" % (
                            o["exporter"], o["inode"]), fmt(mine))
                self.ok(not gup, "%s: no gup_on_dmabuf (no slow path)" % what, "none", fmt(gup))
        elif gup_outcome == "ok":
            if self.need("%s: gup_on_dmabuf" % what, "gup_slow"):
                self.ok(gup, "%s: gup_on_dmabuf reported" % what,
                        "gup_on_dmabuf exporter=%s inode=%s%s" % (
                            o["exporter"], o["inode"],
                            " pid %s (the child)" % o.get("child_pid") if path == "fork" else ""),
                        fmt(gup_where))
                if path == "repeat":
                    self.check_repeat_count(what, "gup_on_dmabuf", gup)
            if self.attached("gup_fast"):
                self.ok(not fast, "%s: no gup_fast_on_dmabuf (the slow path took the pages on "
                        "this kernel)" % what, "none", fmt(fast))
            if path in ("mremap", "split") and self.attached("gup_slow"):
                # split: the GUP ran on the upper half, the new vma that starts where the
                # lower one (smaps, the oracle's vm_start..vm_end) ends
                start = o["vm_start"] if path == "mremap" else o["vm_end"]
                at = [f for f in gup if hexint(f.get("vm_start")) == hexint(start)]
                self.ok(at, "%s: gup_on_dmabuf on the %s vma" % (
                    what, "moved" if path == "mremap" else "new (split)"), "vm_start %s" % start,
                    fmt(gup))
        elif gup_outcome == "refused":
            if self.need("%s: GUP refused" % what, "gup_slow"):
                self.ok(not gup and not fast, "%s: no GUP violation (gup refused, errno %s)" % (
                    what, o.get("gup_errno")), "no gup_on_dmabuf/gup_fast_on_dmabuf", fmt(gup + fast))
                if k.funcs["gup_slow"] == "follow_page_mask":
                    self.skip("gup_blocked:follow_page_mask",
                              "%s: gup_blocked: follow_page_mask only sees accepted vmas" % what)
                else:
                    self.ok(blocked, "%s: gup_blocked reported" % what,
                            "gup_blocked exporter=%s inode=%s" % (o["exporter"], o["inode"]),
                            fmt(gup_where))
                    if path == "repeat":
                        self.check_repeat_count(what, "gup_blocked", blocked)
        else:
            gk = [f for f in gup_where if f.get("kind") in GUP_KINDS]
            self.ok(not gk, "%s: no GUP finding (gup %s)" % (what, gup_outcome),
                    "no gup_on_dmabuf/gup_blocked/gup_fast_on_dmabuf", fmt(gk))
        if path == "iouring" and gup_outcome == "ok" and (self.attached("gup_slow") or
                                                         self.attached("gup_fast")):
            took = gup + fast
            self.ok(any({"FOLL_PIN", "FOLL_LONGTERM"} <= set(f.get("gup_flags") or []) for f in took),
                    "%s: io_uring GUP has FOLL_PIN|FOLL_LONGTERM" % what,
                    "gup_flags with FOLL_PIN and FOLL_LONGTERM", fmt(took) if took else "no GUP finding")

        # page insertion: the module's own count of inserted pages; a real exporter that
        # maps struct pages with vm_insert_page inserted every page smaps Rss counts
        ins_det = "insert_pages" if exporter == "test:insert_pages" else "insert_page"
        rss_pages = o["rss_kb"] // PAGE_KB if isinstance(o["rss_kb"], int) and o["rss_kb"] > 0 else 0
        if exporter.startswith("test:"):
            inserted, by = o["inserted"], "module parameter delta"
        else:
            inserted = rss_pages if k.struct_pages.get(exporter) == "insert_page" else 0
            by = "smaps Rss / 4 KiB" if inserted else "the exporter maps no struct page here"
        ins = kind("page_insert_on_dmabuf")
        if isinstance(inserted, int) and inserted >= 0 and \
                self.need("%s: page_insert_on_dmabuf" % what, ins_det):
            n = sum(f.get("count", 0) for f in ins if same_buf(f))
            self.ok(n == inserted and len(ins) == len([f for f in ins if same_buf(f)]),
                    "%s: page_insert_on_dmabuf count" % what,
                    "count summed = %d (%s)" % (inserted, by), "%d (%s)" % (n, fmt(ins)))
            if inserted:
                hooks = {f.get("hook") for f in ins}
                want = "vm_insert_pages" if ins_det == "insert_pages" else "vm_insert_page"
                self.ok(hooks == {want}, "%s: page_insert_on_dmabuf seen at %s" % (what, want),
                        want, sorted(hooks, key=str))

        # pte_not_special: smaps Rss counts exactly the present ptes that are not special
        # (vm_normal_page), so it is the oracle for struct-page ptes: one finding count per
        # page (the split path's smaps shows only the lower half)
        pte = [f for f in kind("pte_not_special") if same_buf(f)
               and hexint(f.get("vm_start")) == hexint(mmap_start)]
        via = ins_det if isinstance(inserted, int) and inserted > 0 else "pte_install"
        if self.need("%s: pte_not_special" % what, via):
            if rss_pages:
                n = sum(f.get("count", 0) for f in pte)
                self.ok(pte and (path == "split" or n == rss_pages),
                        "%s: pte_not_special reported, one per page (smaps Rss %d kB)" % (
                            what, o["rss_kb"]),
                        "pte_not_special exporter=%s inode=%s vm_start=%s count %s" % (
                            o["exporter"], o["inode"], mmap_start,
                            rss_pages if path != "split" else ">= 1"), fmt(pte or mine))
            else:
                self.ok(not pte, "%s: no pte_not_special (smaps Rss 0: only special ptes)" % what,
                        "none", fmt(pte))

        self.check_pfn_lookup(what, path, o, mine + child, same_buf)

        if is_compliant:
            bad = [f for f in mine + child if f.get("kind") in VIOLATIONS]
            self.ok(not bad, "%s: no violation for compliant %s" % (what, exporter),
                    "no violation finding", fmt(bad))

        self.check_attribution(what, exporter, path, o, [f for f in mine + child if same_buf(f)])

    def check_pfn_lookup(self, what, path, o, found, same_buf):
        """kernel_pfn_lookup: exactly the module's one lookup, at its address, named after
        the module's function; none for any other trigger (PAT's own lookups at munmap and
        fork of the compliant mappings included)."""
        pl = [f for f in found if f.get("kind") == "kernel_pfn_lookup"]
        if path != "pfn_lookup":
            self.ok(not pl, "%s: no kernel_pfn_lookup (no lookup planted)" % what, "none", fmt(pl))
            return
        if not self.ok(o.get("pfn_lookup") == "ok", "%s: the module's pfn lookup succeeded" % what,
                       "pfn_lookup ok (else the module or the exporter misbehaves)",
                       "%s errno %s" % (o.get("pfn_lookup"), o.get("pfn_lookup_errno"))):
            return
        if not self.need("%s: kernel_pfn_lookup" % what, "pfn_lookup"):
            return
        good = [f for f in pl if same_buf(f) and hexint(f.get("addr")) == hexint(o["lookup_addr"])
                and hexint(f.get("vm_start")) == hexint(o["vm_start"])]
        self.ok(len(good) == 1 and len(pl) == 1 and good[0].get("count") == 1,
                "%s: kernel_pfn_lookup reported once" % what,
                "one kernel_pfn_lookup exporter=%s inode=%s addr=%s count 1" % (
                    o["exporter"], o["inode"], o["lookup_addr"]), fmt(pl))
        for f in good:
            self.ok(f.get("caller") == PFN_CALLER and f.get("hook") == "pfn_lookup",
                    "%s: kernel_pfn_lookup names the module's function as the caller" % what,
                    "caller %r, hook pfn_lookup" % PFN_CALLER,
                    "caller %r, hook %r" % (f.get("caller"), f.get("hook")))

    def check_attribution(self, what, exporter, path, o, found):
        """Fields a driver engineer acts on, each against the trigger's own view."""
        for f in found:
            k = f.get("kind")
            stack = f.get("stack")
            child = path == "fork" and f.get("pid") == o.get("child_pid")
            self.ok(f.get("buf_name") == o["buf_name"], "%s: %s buf_name" % (what, k),
                    repr(o["buf_name"]), repr(f.get("buf_name")))
            self.ok(f.get("uid") == o["uid"] and f.get("cgroup_id") == o["cgroup_id"],
                    "%s: %s uid and cgroup_id are the process's" % (what, k),
                    "uid %r cgroup_id %r" % (o["uid"], o["cgroup_id"]),
                    "uid %r cgroup_id %r" % (f.get("uid"), f.get("cgroup_id")))
            tid = o.get("child_pid") if child else o["tid"] if k in GUP_KINDS else o["pid"]
            self.ok(f.get("tid") == tid, "%s: %s tid is the thread that %s" % (
                what, k, "ran the GUP" if k in GUP_KINDS else "mapped"), tid, f.get("tid"))
            self.ok(f.get("size") == o["size"], "%s: %s size is the buffer's" % (what, k),
                    o["size"], f.get("size"))
            if path not in ("split", "mremap", "fork") and hexint(f.get("vm_start")) == hexint(o["vm_start"]):
                self.ok(hexint(f.get("vm_end")) == hexint(o["vm_end"]), "%s: %s vm_end" % (what, k),
                        o["vm_end"], f.get("vm_end"))
                got = (hexint(f.get("vm_flags")) or 0) & VMFLAG_MASK
                want = vmflag_bits(o["vmflags"]) & VMFLAG_MASK
                self.ok(got == want, "%s: %s vm_flags agree with smaps VmFlags" % (what, k),
                        "0x%x (%s)" % (want, o["vmflags"]), "0x%x of %s" % (got, f.get("vm_flags")))
            self.ok(isinstance(stack, list) and stack and
                    all(isinstance(x, str) and not x.startswith("0x") for x in stack),
                    "%s: %s stack symbolized" % (what, k), "non-empty list of symbols",
                    repr(stack)[:200])
            own = [x for x in stack or [] if isinstance(x, str) and OWN_FRAME.search(x)]
            self.ok(not own, "%s: %s stack without the auditor's own frames" % (what, k),
                    "no bpf_prog_*/bpf_trampoline*/[bpf] frame", own[:3])
            if exporter.startswith("test:"):
                self.ok(f.get("module") == TEST_MODULE and f.get("mmap_op") == TEST_MMAP_OP,
                        "%s: %s module and mmap_op" % (what, k),
                        "module %s, mmap_op %r" % (TEST_MODULE, TEST_MMAP_OP),
                        "module %r, mmap_op %r" % (f.get("module"), f.get("mmap_op")))
            fix = f.get("fix")
            if not self.fix:
                pass
            elif exporter.startswith("test:"):
                want = fix_words(exporter, path, k, o.get("vmflags"))
                if k in GUP_KINDS and stack and "kretprobe_trampoline" in str(stack[-1]):
                    # before 5.14 the unwinder stops at a return address another
                    # auditor's kretprobe replaced (KERNELS: stack:kretprobe_trampoline):
                    # no frame names the caller, and the fix must not make one up
                    self.skip("stack:kretprobe_trampoline", "%s: %s fix cannot name the GUP "
                              "caller: stack cut at kretprobe_trampoline" % (what, k))
                    want = ["a get_user_pages caller"] + want[1:]
                self.ok(isinstance(fix, str) and all(w in fix for w in want),
                        "%s: %s fix names the path and its replacement" % (what, k),
                        " ... ".join(want), fix)
            else:
                self.ok(isinstance(fix, str) and "VM_PFNMAP" in fix or
                        k == "gup_blocked" and "import the dma-buf" in str(fix),
                        "%s: %s fix given" % (what, k), "a fix (VM_PFNMAP, or for gup_blocked "
                        "the import)", fix)
            if k == "page_insert_on_dmabuf" and exporter.startswith("test:"):
                if stack and stack[-1].startswith("kretprobe_trampoline"):
                    # before 5.14 the unwinder stops at a return address a kretprobe
                    # replaced: watch's, attached after the report, runs first (newest
                    # first); expected only where KERNELS says so
                    self.skip("stack:kretprobe_trampoline",
                              "%s: %s stack cut at kretprobe_trampoline" % (what, k))
                else:
                    self.ok(any("[%s]" % TEST_MODULE in x for x in stack or []),
                            "%s: %s stack shows the exporter's code" % (what, k),
                            "a frame in [%s]" % TEST_MODULE, repr(stack)[:300])

    # ---- one attach mode ----
    def check_repeat_count(self, what, kind, found):
        """REPEAT_N GUPs, each counted: exact, less only the calls the kernel itself says it
        ran none of the report's programs for (fdinfo recursion_misses), and those few."""
        n = sum(f.get("count", 0) for f in found)
        missed = self.missed.get("report") or 0
        low = REPEAT_N - min(missed, REPEAT_N // 100)
        self.ok(low <= n <= REPEAT_N, "%s: %s count exact under %d repeats" % (
            what, kind, REPEAT_N), "count %d%s" % (REPEAT_N, " less at most the %d calls the kernel "
                                                  "skipped the report's programs for" % missed
                                                  if missed else ""),
            "%d (%s)" % (n, fmt(found)))

    def kernel_misses(self, pre, secs, mode):
        """The kernel's own count, read in the guest right after the triggers, of the hook
        calls it ran none of each auditor's BPF programs for (recursion guard: a kprobe
        while a bpf() syscall is preempted on a preemptible kernel): {"report": n,
        "watch": n}, 0 where the kernel keeps no such count (before 5.12)."""
        sec = complete(secs, "misses " + mode)
        got = {}
        for ln in sec.lines if sec else []:
            parts = ln.split()
            if len(parts) == 2 and parts[0] in ("report", "watch"):
                got[parts[0]] = 0 if parts[1] == "none" else \
                    int(parts[1]) if parts[1].isdigit() else None
        self.ok(set(got) == {"report", "watch"} and None not in got.values(),
                "%s the kernel's miss counts of both auditors read" % pre,
                "report N, watch N (fdinfo recursion_misses)",
                "; ".join(sec.lines) if sec else "no complete misses section")
        if any(got.values()):
            self.say("# %s the kernel skipped the auditors' programs: report %s, watch %s times "
                     "(counted, so no count may be short by more)" % (
                         pre, got.get("report"), got.get("watch")))
        return {k: v or 0 for k, v in got.items()}

    def check_mode(self, secs, mode):
        self.mode = mode
        pre = "[%s %s]" % (self.kver, mode)
        self.missed = self.kernel_misses(pre, secs, mode)
        self.check_probe(secs, "probe " + mode, mode)
        for tag in (mode, mode + "-watch"):
            ready = complete(secs, "ready " + tag)
            m = re.match(r"status=(\S+)", ready.lines[0]) if ready and ready.lines else None
            self.ok(m and m.group(1) == "ok", "[%s %s] auditor printed 'dmabuf-audit: ready'" % (
                self.kver, tag), "status=ok",
                "; ".join(ready.lines[:6]) if ready else "no complete ready section")
        rep = complete(secs, "report " + mode)
        findings, mappings, summary, bad = json_lines(rep)
        if self.ok(rep is not None, "%s report section present" % pre,
                   "@@BEGIN/@@END report " + mode, "missing or truncated"):
            self.check_report(pre, rep, summary, bad)
        self.check_attach(pre, summary)
        self.check_stderr(pre, secs, mode)
        self.check_triggers(pre, mode, secs, findings)
        self.check_seen(pre, mode, secs, summary)
        self.check_scan(pre, mode, secs, findings, mappings, summary)
        self.check_watch(pre, mode, secs, findings)
        self.check_pid_filter(pre, mode, secs)
        self.check_skips(pre, mode)

    def check_skips(self, pre, scope):
        """The skip classes of this scope are exactly those the table explains."""
        seen = set(self.skips.get(scope, {}))
        want = self.k.expected_skips(scope) if scope in MODES else set()
        self.ok(seen == want, "%s skips are exactly the ones the lab table explains for this "
                "kernel" % pre, sorted(want) or "no skip", sorted(seen) or "no skip")

    def check_report(self, pre, rep, summary, bad_lines):
        self.ok(not bad_lines, "%s report lines are JSON" % pre,
                "JSON lines only", "%d bad, first %r" % (len(bad_lines), bad_lines[:1]))
        nonempty = [ln for ln in rep.lines if ln.strip()]
        try:
            last = json.loads(nonempty[-1]) if nonempty else None
        except ValueError:
            last = None
        self.ok(isinstance(last, dict) and "summary" in last, "%s summary line last" % pre,
                '{"summary":...} as last line', summary if summary else "none")
        rc = rep.attrs.get("rc")
        self.ok(rc == "1", "%s auditor exit status 1 (violations present)" % pre, "1",
                "%s%s" % (rc, " (SIGKILLed after SIGINT timeout)" if rep.attrs.get("killed") == "yes" else ""))
        sm = summary or {}
        for key in ("ringbuf_lost", "dedup_full", "findings_dropped"):
            self.ok(sm.get(key) == 0, "%s summary %s 0 (nothing lost)" % (pre, key), 0, sm.get(key))
        # no kernel code in the guest looks up pfns of another process's mapping, and PAT's
        # lookups (fork: the mmap lock written, bpf_find_vma refuses) are bracketed
        self.ok(sm.get("pfn_lookup_unverified") == 0, "%s summary pfn_lookup_unverified 0" % pre,
                0, sm.get("pfn_lookup_unverified"))
        missed = sm.get("missed")
        self.ok(isinstance(missed, int) and missed >= self.missed.get("report", 0),
                "%s summary says what the kernel did not run it for" % pre,
                "missed >= %d (the kernel's count after the triggers)" % self.missed.get("report", 0),
                missed)
        # GUP-fast calls of a process that maps a dma-buf whose vma lookup the kernel refused
        # (mmap lock contended, or arm64's queued unlock): which vma they were on is unknown
        # (a futex on anonymous memory counts too), so a count is no failure; what would
        # be one is a finding missing, and no check above excuses any.
        if sm.get("gup_fast_unverified"):
            self.say("# %s gup_fast_unverified %s (counted, not itemised: no finding may be "
                     "missing for it)" % (pre, sm.get("gup_fast_unverified")))

    def check_triggers(self, pre, mode, secs, findings):
        for exporter, path, suffix in matrix():
            label = "%s %s %s%s" % (pre, exporter, path, " (uid %d)" % USER_UID if suffix else "")
            sec = complete(secs, "trigger %s%s %s %s" % (mode, suffix, exporter, path))
            if not self.ok(sec is not None, "%s trigger section present" % label,
                           "complete trigger section", "missing or truncated"):
                continue
            out = [ln[8:] for ln in sec.lines if ln.startswith("stdout: ")]
            err = [ln[8:] for ln in sec.lines if ln.startswith("stderr: ")]
            trc = sec.attrs.get("rc")
            if trc == "77" and exporter in self.k.absent:
                self.skip("absent:" + exporter, "%s: not built in this kernel (exit 77: %s)" % (
                    label, "; ".join(err)))
                continue
            if not self.ok(trc == "0", "%s trigger exit 0" % label, "exit 0",
                           "exit %s, stderr %r" % (trc, "; ".join(err))):
                continue
            o = None
            if len(out) == 1:
                try:
                    o = json.loads(out[0])
                except ValueError:
                    pass
            valid = isinstance(o, dict) and all(k in o for k in ORACLE_KEYS) and \
                isinstance(o.get("pid"), int) and o.get("exporter_arg") == exporter and \
                o.get("path") == path
            if not self.ok(valid, "%s oracle line" % label, "one JSON line with %s for %s %s" % (
                    ",".join(ORACLE_KEYS), exporter, path), repr(out)):
                continue
            if suffix == "-user":
                # else the uid and cgroup checks below would prove nothing
                self.ok(o["uid"] == USER_UID and o["cgroup_id"] not in (-1, 1, None),
                        "%s: the trigger ran as uid %d in a cgroup of its own" % (label, USER_UID),
                        "uid %d, cgroup_id not the root's (1)" % USER_UID,
                        "uid %r cgroup_id %r" % (o["uid"], o["cgroup_id"]))
            if path == "thread":
                self.ok(o["tid"] != o["pid"], "%s: the GUP ran in a second thread" % label,
                        "tid != pid %d" % o["pid"], o["tid"])
            self.check_trigger(label, exporter, path, o, findings)

    def check_seen(self, pre, mode, secs, summary):
        """Every successful dma-buf mmap was seen, compliant ones too: the hooks were alive."""
        want = {"dma_buf_mmap_internal": 0, "dma_buf_mmap": 0}
        swapped = 0
        for exporter, path, suffix in matrix():
            sec = complete(secs, "trigger %s%s %s %s" % (mode, suffix, exporter, path))
            if sec is not None and sec.attrs.get("rc") == "0":
                want["dma_buf_mmap" if path == "import" else "dma_buf_mmap_internal"] += 1
                swapped += exporter == "test:swap_file" and path in ("split", "fork", "mremap")
        sm = summary or {}
        seen = sm.get("seen") or {}
        for hook, n in sorted(want.items()):
            if self.need("%s summary seen %s" % (pre, hook),
                         "mmap_import" if hook == "dma_buf_mmap" else "mmap"):
                self.ok(seen.get(hook) == n, "%s summary seen %s" % (pre, hook),
                        "%d (one per trigger that mapped through it)" % n, seen.get(hook))
        if self.need("%s vm_file swap tracking" % pre, "vma_dup"):
            # vm_file-swapped vmas: followed through split, fork and mremap, all forgotten
            # once freed
            self.ok((seen.get("vm_area_dup") or 0) >= swapped,
                    "%s swapped vma followed through vm_area_dup" % pre,
                    "seen vm_area_dup >= %d (split, fork, mremap)" % swapped, seen.get("vm_area_dup"))
            self.ok(sm.get("tracked_vmas") == 0, "%s no swapped vma left tracked after its "
                    "process exited" % pre, "tracked_vmas 0", sm.get("tracked_vmas"))

    def check_watch(self, pre, mode, secs, findings):
        """`watch --json` ran beside `report`: its live events must add up to the report."""
        pre = pre[:-1] + " watch]"
        busy = "watch:find_vma_busy" in self.k.skips.get(mode, set())
        # (watch says on stderr how many GUP-fast lookups the kernel refused, if any)
        self.check_stderr(pre, secs, mode + "-watch", allowed=(
            r"^dmabuf-audit: warning: ringbuf_lost 0, gup_fast_unverified \d+ ",))
        sec = complete(secs, "report %s-watch" % mode)
        if not self.ok(sec is not None, "%s output section present" % pre,
                       "@@BEGIN/@@END report %s-watch" % mode, "missing or truncated"):
            return
        self.ok(sec.attrs.get("rc") == "0", "%s exit status 0 after SIGINT" % pre, "0",
                "%s (killed=%s)" % (sec.attrs.get("rc"), sec.attrs.get("killed")))
        events, bad = [], []
        for ln in (ln for ln in sec.lines if ln.strip()):
            try:
                j = json.loads(ln)
            except ValueError:
                j = None
            if isinstance(j, dict) and "kind" in j and isinstance(j.get("count"), int) and j["count"] >= 1:
                events.append(j)
            else:
                bad.append(ln)
        self.ok(not bad, "%s lines are findings with a count" % pre, "JSON finding lines",
                "%d bad, first %r" % (len(bad), bad[:1]))

        def key(f):
            return (f.get("kind"), f.get("pid"), f.get("inode"), hexint(f.get("vm_start")))
        # A finding is printed when first seen, then again whenever its count grew:
        # its last line carries the total.
        seen, lines = {}, {}
        for e in events:
            seen[key(e)] = max(seen.get(key(e), 0), e["count"])
            lines[key(e)] = lines.get(key(e), 0) + 1
        want = {}
        for f in findings:
            want[key(f)] = want.get(key(f), 0) + f.get("count", 0)
        werr = complete(secs, "auditor-stderr %s-watch" % mode)
        m = re.search(r"gup_fast_unverified (\d+)", "\n".join(werr.lines if werr else []))
        unverified = int(m.group(1)) if m else 0
        m = re.search(r"pfn_lookup_unverified (\d+)", "\n".join(werr.lines if werr else []))
        pfn_unverified = int(m.group(1)) if m else 0
        m = re.search(r", missed (\d+) ", "\n".join(werr.lines if werr else []))
        wmissed = self.missed.get("watch", 0)
        self.ok((int(m.group(1)) if m else 0) >= wmissed, "%s says what the kernel did not run "
                "it for" % pre, "a warning with missed >= %d" % wmissed if wmissed else
                "(nothing to say)", m.group(0) if m else "no missed count")
        # a call the kernel skipped one auditor's programs for, but not the other's
        slack = max(self.missed.values() or [0])

        def excused(k):
            # Measured kernel limit (KERNELS): the second auditor's vma lookup is refused
            # while the first one's deferred unlock is queued. Only a GUP-fast or pfn lookup
            # finding the report has, and only when watch counted refused lookups of that kind.
            counted = {"gup_fast_on_dmabuf": unverified, "kernel_pfn_lookup": pfn_unverified}
            return busy and counted.get(k[0], 0) > 0 and k in want and k not in seen
        missed = sorted(k for k in want if excused(k))
        if missed:
            self.skip("watch:find_vma_busy", "%s %d %s findings of the report missing: watch "
                      "counted %d refused GUP-fast and %d refused pfn lookups" % (
                          pre, len(missed), ",".join(sorted({k[0] for k in missed})),
                          unverified, pfn_unverified))
        diff = sorted(str(k) + ": report %s, watch %s" % (want.get(k), seen.get(k))
                      for k in set(want) | set(seen)
                      if not excused(k) and (want.get(k) is None or seen.get(k) is None or
                                             abs(want[k] - seen[k]) > slack))
        self.ok(events and not diff, "%s final counts equal the report's" % pre,
                "for every finding, watch's last count = report's count (%d findings)" % len(want),
                "%d lines; differences: %s" % (len(events), "; ".join(diff[:4]) or "none"))
        flood = sorted((n, k) for k, n in lines.items() if n > 200)
        self.ok(not flood and max(lines.values() or [0]) >= 1,
                "%s repeats do not flood the stream (in-kernel dedup)" % pre,
                "at most 200 lines per finding (%d repeats ran)" % REPEAT_N,
                "; ".join("%s: %d lines" % (k, n) for n, k in flood[:3]) or "none")

    def check_scan(self, pre, mode, secs, findings, mappings, summary):
        """Mappings made before the auditor started are reported by the scan."""
        pre = pre[:-1] + " scan]"
        if not self.need("%s mappings made before start" % pre, "scan"):
            return
        sm = (summary or {}).get("scan")
        self.ok(isinstance(sm, dict) and sm.get("processes", 0) > 0 and sm.get("vmas", 0) > 0 and
                sm.get("dmabuf_vmas") == len(HOLDERS),
                "%s summary has scan totals" % pre,
                "scan {processes>0, vmas>0, dmabuf_vmas %d (the holders)}" % len(HOLDERS), sm)
        for e in HOLDERS:
            sec = complete(secs, "hold %s %s" % (mode, e))
            o = oracle_of(sec)
            what = "%s %s mapped before start" % (pre, e)
            if not self.ok(isinstance(o, dict) and isinstance(o.get("pid"), int),
                           "%s: holder oracle" % what, "hold section with an oracle line",
                           sec.lines[:3] if sec else "missing"):
                continue
            pid, ino = o["pid"], o["inode"]
            mine = [f for f in findings if f.get("pid") == pid]
            maps = [m for m in mappings if m.get("pid") == pid and m.get("inode") == ino]
            m = maps[0] if maps else {}
            self.ok(len(maps) == 1 and m.get("exporter") == o["exporter"] and
                    m.get("rss") == o["size"] and m.get("pss") == o["size"] and
                    m.get("vmas") == 1 and m.get("procs") == 1 and m.get("buf_name") == o["buf_name"],
                    "%s: mapping line (Rss/Pss)" % what,
                    "one mapping pid %d inode %d exporter %s rss=pss=%d vmas 1 procs 1 buf_name %r" % (
                        pid, ino, o["exporter"], o["size"], o["buf_name"]), maps)
            if self.k.compliant(e):
                bad = [f for f in mine if f.get("kind") in VIOLATIONS]
                self.ok(not bad, "%s: compliant mapping, no violation" % what, "none", fmt(bad))
                continue
            good = [f for f in mine if f.get("kind") == "mmap_without_pfnmap" and
                    f.get("hook") == "scan" and f.get("inode") == ino and
                    hexint(f.get("vm_start")) == hexint(o["vm_start"])]
            self.ok(good, "%s: scan reports mmap_without_pfnmap" % what,
                    "mmap_without_pfnmap hook=scan pid %d inode %d" % (pid, ino), fmt(mine))
            if not good:
                continue
            f = good[0]
            got = (hexint(f.get("vm_flags")) or 0) & VMFLAG_MASK
            want = vmflag_bits(o["vmflags"]) & VMFLAG_MASK
            self.ok(got == want and hexint(f.get("vm_end")) == hexint(o["vm_end"]) and
                    f.get("size") == o["size"] and f.get("uid") == o["uid"],
                    "%s: scan finding vm_flags, vm_end, size, uid" % what,
                    "0x%x %s %s %s" % (want, o["vm_end"], o["size"], o["uid"]),
                    "0x%x %s %s %s" % (got, f.get("vm_end"), f.get("size"), f.get("uid")))
            if self.k.scan == "proc":
                self.skip("scan:proc", "%s: scan finding module and mmap_op: /proc does not "
                          "show them" % what)
            else:
                self.ok(f.get("module") == TEST_MODULE and f.get("mmap_op") == TEST_MMAP_OP,
                        "%s: scan finding module and mmap_op" % what,
                        "%s / %s" % (TEST_MODULE, TEST_MMAP_OP),
                        "%r / %r" % (f.get("module"), f.get("mmap_op")))

    def check_pid_filter(self, pre, mode, secs):
        """`watch -p PID` beside another violating process: only PID's events."""
        pre = pre[:-1] + " watch -p]"
        pf = complete(secs, "pidfilter " + mode)
        noise = complete(secs, "trigger %s-pid test:insert_page mmap" % mode)
        out = complete(secs, "report %s-pid" % mode)
        if not self.ok(pf and noise and out, "%s sections present" % pre,
                       "pidfilter, noise trigger and watch output sections", "missing or truncated"):
            return
        target = None
        for ln in pf.lines:
            m = re.match(r"target=(\d+) rc=0$", ln)
            target = int(m.group(1)) if m else target
        noise_pid = (oracle_of(noise) or {}).get("pid")
        if not self.ok(target and noise_pid, "%s target and noise triggers ran" % pre,
                       "target rc=0 and a noise oracle line", "; ".join(pf.lines + noise.lines)[:300]):
            return
        events = []
        for ln in (ln for ln in out.lines if ln.strip()):
            try:
                events.append(json.loads(ln))
            except ValueError:
                events.append({"kind": "unparsable", "pid": None})
        pids = sorted({e.get("pid") for e in events}, key=str)
        kinds = sorted({e.get("kind") for e in events if e.get("pid") == target})
        if not self.need(pre, "mmap", "insert_page"):
            return
        want = (["mmap_without_pfnmap"] if self.attached("mmap") else []) + \
            (["page_insert_on_dmabuf", "pte_not_special"] if self.attached("insert_page") else [])
        self.ok(pids == [target], "%s shows only pid %d" % (pre, target),
                "events of pid %d only (noise pid %d ran meanwhile)" % (target, noise_pid),
                "pids %s" % pids)
        self.ok(kinds == sorted(want), "%s shows the target's violations" % pre,
                ", ".join(sorted(want)), kinds)
        # one auditor alone on the hooks: nothing can cut its stacks, on any kernel
        if self.attached("insert_page"):
            ins = [e for e in events if e.get("pid") == target and e.get("kind") == "page_insert_on_dmabuf"]
            self.ok(ins and all(any("[%s]" % TEST_MODULE in x for x in e.get("stack") or [])
                                for e in ins),
                    "%s page_insert_on_dmabuf stack shows the exporter's code (one auditor)" % pre,
                    "a frame in [%s]" % TEST_MODULE, [e.get("stack") for e in ins][:1])

    def check_flood(self, secs):
        """run_flood: events lost to a full ring buffer are counted, totals stay exact."""
        self.mode = "flood"
        pre = "[%s flood]" % self.kver
        ready = complete(secs, "ready flood")
        self.ok(ready and ready.lines and ready.lines[0].startswith("status=ok"),
                "%s auditor printed 'dmabuf-audit: ready'" % pre, "status=ok",
                "; ".join(ready.lines[:6]) if ready else "no complete ready section")
        trig = complete(secs, "trigger flood %s %s" % FLOOD)
        o = oracle_of(trig) if trig and trig.attrs.get("rc") == "0" else None
        rep = complete(secs, "report flood")
        findings, _, summary, bad = json_lines(rep)
        if not self.ok(o and isinstance(o.get("maps"), int) and rep and summary and not bad,
                       "%s trigger oracle and report" % pre, "an oracle with maps and a JSON report",
                       "oracle %r, report %s" % (o, "complete" if rep else "missing")):
            return
        n = o["maps"]
        lost = summary.get("ringbuf_lost")
        mine = [f for f in findings if f.get("pid") == o["pid"] and f.get("kind") == "mmap_without_pfnmap"]
        self.ok(isinstance(lost, int) and lost > 0, "%s the stopped auditor's ring buffer "
                "overflowed: ringbuf_lost counted" % pre, "> 0 (%d events, 512 KiB ring)" % n, lost)
        self.ok((summary.get("kinds") or {}).get("mmap_without_pfnmap") == n,
                "%s totals exact despite the losses (BPF counters)" % pre,
                "mmap_without_pfnmap %d (the trigger's mappings)" % n, summary.get("kinds"))
        self.ok(isinstance(lost, int) and len(mine) + lost == n and
                all(f.get("count") == 1 for f in mine),
                "%s every mapping itemised or counted lost" % pre,
                "%d findings + ringbuf_lost = %d" % (n - (lost or 0), n),
                "%d findings + %s" % (len(mine), lost))
        self.ok(rep.attrs.get("rc") == "1", "%s report exit status 1" % pre, "1", rep.attrs.get("rc"))
        self.check_skips(pre, "flood")

    def run(self, text, kver):
        secs, meta = parse(text)
        self.kver = kver
        lab = [m for m in meta if m.startswith("@@LAB kernel=")]
        self.arch = "arm64" if lab and lab[0].rstrip().endswith("-arm64") else "amd64"
        self.mode = "kernel"
        self.ok("@@DONE" in meta, "[%s] guest ran to completion" % kver, "@@DONE in results",
                "truncated results (crash or timeout?), last marker %r" % (meta[-1] if meta else None))
        timeouts = [m[10:] for m in meta if m.startswith("@@TIMEOUT ")]
        self.ok(not timeouts, "[%s] no wait in the guest timed out" % kver, "no @@TIMEOUT line",
                timeouts[:3])
        facts = complete(secs, "facts")
        if facts:
            has = [ln.split(None, 1)[1] for ln in facts.lines if ln.startswith("present ")]
            lacks = [ln.split(None, 1)[1] for ln in facts.lines if ln.startswith("absent ")]
            self.say("# [%s] %s has %s; lacks %s" % (
                kver, " ".join(m[6:] for m in meta if m.startswith("@@LAB ")),
                " ".join(has) or "nothing", " ".join(lacks) or "nothing"))
        mods = complete(secs, "modules")
        notloaded = [ln for ln in (mods.lines if mods else []) if not ln.startswith("loaded ")]
        self.ok(mods is not None and mods.lines and not notloaded,
                "[%s] modules loaded (vgem and deps, dmabuf_test_exporter)" % kver, "every insmod to succeed",
                "; ".join(notloaded) if mods and mods.lines else "no complete modules section")
        dm = secs.get("dmesg")
        splat = [ln for ln in (dm.lines if dm else []) if SPLAT.search(ln)]
        self.ok(dm is not None and dm.attrs is not None and dm.lines and not splat,
                "[%s] kernel log has no WARNING/BUG/Oops" % kver, "a complete dmesg section without splats",
                "no complete dmesg section" if dm is None or dm.attrs is None or not dm.lines
                else "; ".join(ln.strip() for ln in splat[:3]))
        self.k = KERNELS.get((kver, self.arch))
        if not self.ok(self.k is not None, "[%s %s] the lab's table knows this kernel" % (
                kver, self.arch), "an entry in check.py KERNELS (add it)",
                sorted(KERNELS)):
            return False
        self.check_kernel(secs)
        self.mode = "auto"
        self.check_probe(secs, "probe-default", "auto")
        for mode in MODES:
            before = (self.passed, self.failed, self.skipped)
            self.check_mode(secs, mode)
            self.say("# [%s %s] %d passed, %d failed, %d skipped (%s)" % (
                kver, mode, self.passed - before[0], self.failed - before[1],
                self.skipped - before[2],
                ", ".join("%s %d" % kv for kv in sorted(self.skips.get(mode, {}).items())) or "no skip"))
        self.check_flood(secs)
        self.mode = "auto"
        self.check_late(secs)
        self.check_kill(secs)
        self.check_crowd(secs)
        self.check_huge(secs)
        self.check_hostile(secs)
        self.check_inventory(secs)
        self.check_run(secs)
        self.check_raw_addresses(secs)
        self.check_skips("[%s]" % kver, "auto")
        return self.failed == 0

    # ---- the whole dma-buf inventory (issue 14 item 4) ----
    def check_inventory(self, secs):
        """run_inventory: report --inventory against the holder's own record of its four
        buffers (fd only, mapped only, imported and closed, fd and mapped): exact buffers,
        sizes, holders, mappers, attachments and totals, from the kernel's dma-buf
        iterator (6.16+) or else debugfs bufinfo (no exporter module there)."""
        if not self.inventory:
            return
        pre = "[%s inventory]" % self.kver
        hold = complete(secs, "inventory-holder")
        out = [ln[8:] for ln in (hold.lines if hold else []) if ln.startswith("stdout: ")]
        try:
            o = json.loads(out[0]) if len(out) == 1 else None
        except ValueError:
            o = None
        if not self.ok(isinstance(o, dict) and len(o.get("buffers") or []) == 4,
                       "%s the holder made its four buffers" % pre, "one oracle line, 4 buffers",
                       repr(out)[:300]):
            return
        secs_v = {v: complete(secs, "inventory " + v) for v in ("json", "human")}
        # the buffer list: the kernel's iterator (6.16+), else debugfs bufinfo, which
        # has no exporter module
        source, module = ("iter/dmabuf", TEST_MODULE) if self.k.dmabuf_iter else ("debugfs", "")
        js = secs_v["json"]
        if not self.ok(js is not None and js.attrs.get("rc") == "0",
                       "%s report --inventory --json exit 0" % pre, "rc=0",
                       js.attrs.get("rc") if js else "no section"):
            return
        bufs, tot = {}, None
        for ln in js.lines:
            try:
                j = json.loads(ln)
            except ValueError:
                self.ok(False, "%s every line is JSON" % pre, "JSON", ln[:120])
                continue
            if "buffer" in j:
                bufs[j["buffer"].get("inode")] = j["buffer"]
            elif "inventory" in j:
                tot = j["inventory"]
        pid, page = o["pid"], o["buffers"][0]["size"]
        for b in o["buffers"]:
            st = b["state"]
            f = bufs.get(b["inode"])
            what = "%s %s buffer inode %s" % (pre, st, b["inode"])
            if not self.ok(f is not None, "%s listed" % what, "a buffer line", sorted(bufs)[:10]):
                continue
            self.ok(f.get("exporter") == o["exporter"] and f.get("size") == b["size"] and
                    f.get("name") == b["name"] and f.get("module") == module,
                    "%s exporter, size, name, module" % what,
                    "%s %d %s %r" % (o["exporter"], b["size"], b["name"], module),
                    "%s %s %s %s" % (f.get("exporter"), f.get("size"), f.get("name"),
                                     f.get("module")))
            holders = [(h.get("pid"), h.get("fds")) for h in f.get("fd_holders") or []]
            want_h = [(pid, 1)] if st in ("fd", "fd_mapped") else []
            self.ok(holders == want_h, "%s fd holders" % what, want_h, holders)
            mappers = [(m.get("pid"), m.get("rss")) for m in f.get("mappers") or []]
            want_m = [(pid, b["size"])] if st in ("mapped", "fd_mapped") else []
            self.ok(mappers == want_m, "%s mappers (pid, Rss)" % what, want_m, mappers)
            want_a = (1, "dmabuf_test") if st == "imported" else (0, "")
            self.ok((f.get("attachments"), f.get("device")) == want_a,
                    "%s attached devices" % what, want_a, (f.get("attachments"), f.get("device")))
            self.ok(f.get("kernel_only") is (st == "imported"), "%s held only by the kernel: %s" % (
                what, st == "imported"), st == "imported", f.get("kernel_only"))
        e = (tot or {}).get("exporters", {}).get(o["exporter"])
        want_e = {"buffers": 4, "bytes": 10 * page, "kernel_only_buffers": 1,
                  "kernel_only_bytes": 3 * page}
        self.ok(e == want_e, "%s exporter %s totals" % (pre, o["exporter"]), want_e, e)
        self.ok((tot or {}).get("source") == source, "%s buffers from %s" % (pre, source), source,
                (tot or {}).get("source"))
        hu = secs_v["human"]
        text = "\n".join(hu.lines if hu else [])
        want = ["  exporter %s%s: 4 buffers, %d bytes" % (
                    o["exporter"], " [%s]" % module if module else "", 10 * page),
                "  HELD ONLY BY THE KERNEL",
                "    pid %d (dmabuf-trigger)  fd 2 buffers %d bytes  mapped rss %d pss %d bytes" % (
                    pid, 5 * page, 6 * page, 6 * page)]
        self.ok(hu is not None and hu.attrs.get("rc") == "0" and all(w in text for w in want),
                "%s report --inventory: per exporter, per buffer, per process" % pre,
                " ... ".join(want), text[:600])
        self.check_inventory_report(secs, pre, o["exporter"], want_e, source)
        self.check_inventory_daemon(secs, pre, o["exporter"], page)

    def check_inventory_report(self, secs, pre, exporter, want_e, source):
        """The full report's INVENTORY over the same four buffers: its summary's inventory
        object, taken at its end with a scan made then."""
        sec = complete(secs, "inventory-report")
        if not self.ok(sec is not None and sec.attrs.get("rc") == "0",
                       "%s report --json -d 1 exit 0" % pre, "rc=0",
                       sec.attrs.get("rc") if sec else "no section"):
            return
        out = Section(sec.head)
        out.lines = [ln for ln in sec.lines if not ln.startswith("stderr: ")]
        _, _, summary, bad = json_lines(out)
        inv = (summary or {}).get("inventory")
        self.ok(not bad and isinstance(inv, dict), "%s report: its summary has the inventory"
                % pre, "an inventory object, JSON lines only", (bad[:2], inv))
        e = (inv or {}).get("exporters", {}).get(exporter)
        self.ok(e == want_e, "%s report: exporter %s totals at its end" % (pre, exporter), want_e, e)
        self.ok((inv or {}).get("source") == source, "%s report: buffers from %s" % (pre, source),
                source, (inv or {}).get("source"))

    def check_inventory_daemon(self, secs, pre, exporter, page):
        """The daemon's buffer series over the holder's four buffers: by exporter, the
        imported-and-closed one as unheld, the high-water mark, no inventory error."""
        sec = complete(secs, "inventory-daemon")
        if not self.ok(sec is not None and sec.attrs.get("rc") == "0",
                       "%s daemon exit 0 at SIGTERM" % pre, "rc=0",
                       sec.attrs.get("rc") if sec else "no section"):
            return
        vals = {}
        for ln in sec.lines:
            m = re.match(r'^(dmabuf_audit_[a-z_]+)(\{exporter="([^"]*)"\})? (\S+)$', ln)
            if m and (m.group(3) is None or m.group(3) == exporter):
                vals[m.group(1)] = m.group(4)
        want = {"dmabuf_audit_buffers": "4", "dmabuf_audit_buffer_bytes": str(10 * page),
                "dmabuf_audit_unheld_buffer_bytes": str(3 * page),
                "dmabuf_audit_inventory_errors_total": "0"}
        seen = {k: vals.get(k) for k in want}
        self.ok(seen == want, "%s daemon series of exporter %s" % (pre, exporter), want, seen)
        hw = vals.get("dmabuf_audit_buffer_bytes_high_water")
        self.ok(hw is not None and int(hw) >= 10 * page,
                "%s daemon high-water mark at least the four buffers" % pre,
                ">= %d" % (10 * page), hw)

    # ---- dmabuf-audit run -- COMMAND (issue 15 item 0) ----
    def run_section(self, secs, name):
        """(rc, oracle, findings, summary, stderr lines) of section "run NAME", or None."""
        sec = complete(secs, "run " + name)
        if not self.ok(sec is not None, "[%s run] %s: section present" % (self.kver, name),
                       "complete section", "missing or truncated"):
            return None
        rep = Section("report")
        rep.lines = [ln[8:] for ln in sec.lines if ln.startswith("report: ")]
        findings, _, summary, bad = json_lines(rep)
        self.ok(not bad, "[%s run] %s: the report is JSON lines" % (self.kver, name), "JSON",
                bad[:1])
        outs = [ln[8:] for ln in sec.lines if ln.startswith("stdout: ")]
        try:
            o = json.loads(outs[0]) if len(outs) == 1 else None
        except ValueError:
            o = None
        err = [ln[8:] for ln in sec.lines if ln.startswith("stderr: ")]
        return sec.attrs.get("rc"), o, findings, summary or {}, err

    def check_run(self, secs):
        """run -- COMMAND against the triggers' own oracles: a violating child and grandchild
        reported exactly as report would (every finding theirs, in the command's cgroup), a
        compliant child clean, a command's own failure (exit 3) and death by the forwarded
        SIGTERM (3), a violator outside the tree counted but not reported, a missing command
        (127)."""
        if not self.run_cmd:
            return
        self.mode = "auto"
        pre = "[%s run]" % self.kver
        for name, exporter, want_rc in (("child", "test:insert_page", "1"),
                                        ("compliant", "test:remap_pfn", "0"),
                                        ("grandchild", "test:insert_page", "1")):
            r = self.run_section(secs, name)
            if r is None:
                continue
            rc, o, findings, sm, err = r
            what = "%s %s" % (pre, name)
            if not self.ok(isinstance(o, dict) and isinstance(o.get("pid"), int),
                           "%s: the trigger's oracle line" % what, "one JSON line", o):
                continue
            self.ok(rc == want_rc, "%s: run exit %s" % (what, want_rc), want_rc,
                    "%s, stderr %r" % (rc, err[:2]))
            self.ok(o.get("cgroup_id") not in (None, -1, 1),
                    "%s: the command ran in a cgroup of its own" % what, "not the root's (1)",
                    o.get("cgroup_id"))
            strays = [(f.get("pid"), f.get("cgroup_id")) for f in findings
                      if f.get("pid") != o["pid"] or f.get("cgroup_id") != o.get("cgroup_id")]
            self.ok(not strays, "%s: every finding is the trigger's (pid %d, its cgroup)" % (
                what, o["pid"]), "none other", strays[:5])
            run = sm.get("run") or {}
            self.ok((run.get("exit"), run.get("signal")) == (0, None),
                    "%s: summary says the command exited 0" % what, (0, None),
                    (run.get("exit"), run.get("signal")))
            self.check_trigger(what, exporter, "mmap", o, findings)
        r = self.run_section(secs, "fails")
        if r:
            rc, _, findings, sm, err = r
            run = sm.get("run") or {}
            self.ok(rc == "3" and run.get("exit") == 7 and not findings and
                    sm.get("violations") == 0,
                    "%s fails: the command's own failure passed through (exit 3, its 7)" % pre,
                    "rc 3, run.exit 7, no finding", "rc %s run %r findings %d" % (
                        rc, run, len(findings)))
        r = self.run_section(secs, "sigterm")
        if r:
            rc, _, findings, sm, err = r
            run = sm.get("run") or {}
            self.ok(rc == "3" and run.get("signal") == 15 and run.get("exit") is None,
                    "%s sigterm: SIGTERM went on to the command, which died of it (exit 3)" % pre,
                    "rc 3, run.signal 15", "rc %s run %r stderr %r" % (rc, run, err[:2]))
        r = self.run_section(secs, "outside")
        if r:
            rc, o, findings, sm, err = r
            run = sm.get("run") or {}
            self.ok(isinstance(o, dict) and o.get("cgroup_id") == 1,
                    "%s outside: the violator ran outside the tree (root cgroup)" % pre,
                    "its oracle, cgroup_id 1", o)
            self.ok(rc == "0" and not findings and sm.get("violations") == 0,
                    "%s outside: nothing reported of a process outside the tree" % pre,
                    "rc 0, no finding, violations 0", "rc %s findings %s violations %s" % (
                        rc, fmt(findings)[:300], sm.get("violations")))
            self.ok(isinstance(run.get("outside_tree"), int) and run["outside_tree"] >= 1,
                    "%s outside: counted as outside the tree" % pre, ">= 1",
                    run.get("outside_tree"))
        r = self.run_section(secs, "notfound")
        if r:
            rc, _, findings, sm, err = r
            said = [ln for ln in err if not ln.startswith("dmabuf-audit: ready: ")]
            self.ok(rc == "127" and len(said) == 1 and "cannot execute '/nonexistent/command'"
                    in said[0] and not sm,
                    "%s notfound: exit 127, one line (besides ready), no report" % pre,
                    "rc 127 and one stderr line", "rc %s stderr %r" % (rc, err[:3]))

    # ---- hostile buffer names and comms (issue 13) ----
    def check_hostile(self, secs):
        """run_hostile: names and comms with quotes, control bytes, terminal escapes,
        invalid UTF-8, bidi controls and a label injection. JSON stays strict JSON and
        decodes to exactly the bytes set (json.c's rule for bytes that are not UTF-8);
        terminal output (watch, the human report) carries none of them raw and shows them
        as report.c's print_safe does; the textfile gains no series and passes promtool;
        and no finding is lost to any of it."""
        pre = "[%s hostile]" % self.kver
        if not self.hostile and "hostile-textfile" not in secs:
            self.say("# %s no hostile-names scenario in these results (recorded before it)" % pre)
            return
        # the oracles: each trigger says what it set, which must be the scenario's bytes
        runs = {}  # pid -> (what, name, comm, oracle, kinds)
        for tag, (name, comm) in sorted(HOSTILE.items()):
            for path, kinds in sorted(HOSTILE_RUNS.items()):
                what = "%s %s %s" % (pre, tag, path)
                sec = complete(secs, "hostile-trigger %s %s" % (tag, path))
                o = hex_oracle(sec)
                err = hex_bytes(complete(secs, "hostile-trigger-err %s %s" % (tag, path)))
                if not self.ok(o is not None and sec.attrs.get("rc") == "0",
                               "%s trigger ran (exit 0, oracle line)" % what, "rc=0 and an oracle",
                               "%s, stderr %r" % (sec.attrs if sec else "no section", err)):
                    continue
                self.ok(o.get("buf_name_hex") == name.hex() and o.get("comm_hex") == comm.hex(),
                        "%s: the trigger set the hostile name and comm" % what,
                        "name %r comm %r" % (name, comm), "name_hex %s comm_hex %s" % (
                            o.get("buf_name_hex"), o.get("comm_hex")))
                runs[o["pid"]] = (what, name, comm, o, kinds)
        hold = hex_oracle(complete(secs, "hostile-hold"))
        if self.ok(hold is not None and hold.get("buf_name_hex") == HOSTILE_HOLD[0].hex() and
                   hold.get("comm_hex") == HOSTILE_HOLD[1].hex(),
                   "%s holder (mapped before the auditors) set its name and comm" % pre,
                   "name %r comm %r" % HOSTILE_HOLD, hold):
            runs[hold["pid"]] = ("%s holder" % pre, HOSTILE_HOLD[0], HOSTILE_HOLD[1], hold, ())
        if not runs:
            return
        for tag in ("hostile", "hostile-human", "hostile-watch", "hostile-daemon"):
            out = complete(secs, "hostile-out " + tag)
            rd = complete(secs, "ready " + tag)
            self.ok(rd is not None and any(ln.startswith("status=ok") for ln in rd.lines),
                    "%s %s ready" % (pre, tag), "status=ok", rd.lines[:3] if rd else "no section")
            want = "1" if tag in ("hostile", "hostile-human") else "0"
            self.ok(out is not None and out.attrs.get("rc") == want and
                    out.attrs.get("killed") == "no", "%s %s stopped, exit %s" % (pre, tag, want),
                    "rc=%s killed=no" % want, out.attrs if out else "no section")
        for tag in HOSTILE_JSON:
            self.check_hostile_json(pre, tag, hex_bytes(complete(secs, "hostile-out " + tag)), runs,
                                    scan=tag == "hostile")
        for tag in HOSTILE_TERM:
            self.check_hostile_term(pre, tag, hex_bytes(complete(secs, "hostile-out " + tag)), runs,
                                    report=tag == "hostile-human")
        # stderr is a terminal (or the journal) too
        for tag in ("hostile", "hostile-human", "hostile-watch", "hostile-daemon"):
            err = hex_bytes(complete(secs, "hostile-err " + tag))
            bad = TERM_UNSAFE.findall(err or b"") + re.findall(rb"[\x80-\xff]", err or b"")
            self.ok(err is not None and not bad, "%s %s stderr is plain text" % (pre, tag),
                    "no control, non-ASCII or bidi byte", bad[:5] if err is not None else "no section")
        self.check_hostile_textfile(pre, hex_bytes(complete(secs, "hostile-textfile")), runs)

    def check_hostile_json(self, pre, tag, data, runs, scan=False):
        what = "%s %s" % (pre, tag)
        if not self.ok(data, "%s output present" % what, "JSON lines", "missing or empty"):
            return
        found, maps, bad = [], [], []
        for ln in data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n"):
            try:
                j = json.loads(ln.decode("utf-8"))  # strict: UTF-8, no raw control character
            except ValueError as e:
                bad.append("%s: %r" % (e, ln[:120]))
                continue
            if isinstance(j, dict) and isinstance(j.get("mapping"), dict):
                maps.append(j["mapping"])
            elif isinstance(j, dict) and "kind" in j:
                found.append(j)
        self.ok(data.endswith(b"\n") and not bad, "%s every line is strict JSON in UTF-8" % what,
                "json.loads of every line", "%d bad: %s" % (len(bad), bad[:2]))
        for pid, (w, name, comm, o, kinds) in sorted(runs.items()):
            mine = [f for f in found if f.get("pid") == pid]
            label = "%s %s" % (what, w[len(pre) + 1:])
            for k in kinds:
                self.ok(any(f.get("kind") == k and f.get("exporter") == o["exporter"] and
                            f.get("inode") == o["inode"] for f in mine),
                        "%s pid %d: %s reported" % (label, pid, k),
                        "%s exporter=%s inode=%s" % (k, o["exporter"], o["inode"]), fmt(mine))
            if not kinds and scan:  # the holder: the scan's finding and mapping line
                self.ok(any(f.get("kind") == "mmap_without_pfnmap" and f.get("hook") == "scan"
                            and f.get("inode") == o["inode"] for f in mine),
                        "%s pid %d: scan reports mmap_without_pfnmap" % (label, pid),
                        "mmap_without_pfnmap hook=scan inode %s" % o["inode"], fmt(mine))
                mine = mine + [m for m in maps if m.get("pid") == pid]
                self.ok(any(m.get("inode") == o["inode"] for m in maps if m.get("pid") == pid),
                        "%s pid %d: mapping line" % (label, pid), "one", maps[:2])
            wc, wn = json_decoded(comm), json_decoded(name)
            wrong = ["%s comm %r buf_name %r" % (f.get("kind", "mapping"), f.get("comm"),
                                                 f.get("buf_name")) for f in mine
                     if f.get("comm") != wc or f.get("buf_name") != wn]
            self.ok(mine and not wrong, "%s pid %d: comm and buf_name decode to the bytes set "
                    "(invalid UTF-8 bytes as U+0080..U+00FF, one each)" % (label, pid),
                    "comm %r buf_name %r in all %d" % (wc, wn, len(mine)), wrong[:2] or "none")

    def check_hostile_term(self, pre, tag, data, runs, report=False):
        """Terminal output: nothing raw a terminal acts on; names as print_safe shows them."""
        what = "%s %s" % (pre, tag)
        if not self.ok(data, "%s output present" % what, "terminal text", "missing or empty"):
            return
        bad = sorted(set(TERM_UNSAFE.findall(data)))
        self.ok(not bad, "%s carries no control byte, DEL, C1 or bidi control raw" % what,
                "none (\\n only)", bad[:8])
        text = data.decode("latin-1")
        # (kind, pid) of every process line, and the buffer line above it
        seen, kind, buf = {}, None, None
        for ln in text.split("\n"):
            if ln.startswith("DMA-BUF INVENTORY"):
                break  # the report's last section: the control-byte check above covers it
            m = re.match(r"^\d\d:\d\d:\d\d (?:VIOLATION|WARNING) (\w+)", ln) or \
                re.match(r"^  (\w+): ", ln)
            if m:
                kind = m.group(1)
            if re.match(r"^ +buffer inode ", ln):
                buf = ln
            m = re.match(r"^ +(?:process|pid) (\d+) \(", ln)
            if m:
                seen.setdefault(int(m.group(1)), []).append((kind, ln, buf))
        for pid, (w, name, comm, o, kinds) in sorted(runs.items()):
            label = "%s %s pid %d" % (what, w[len(pre) + 1:], pid)
            mine = seen.get(pid, [])
            if kinds:
                self.ok(set(kinds) <= {k for k, _, _ in mine}, "%s: findings shown" % label,
                        ", ".join(kinds), sorted({str(k) for k, _, _ in mine}))
            elif report:  # the holder: the mapping table's line (and the scan finding)
                self.ok(any(ln.startswith("      pid %d (" % pid) for _, ln, _ in mine),
                        "%s: in the mapped memory table" % label, "a '      pid %d (' line" % pid,
                        [ln for _, ln, _ in mine][:2])
            elif not mine:  # the holder in watch: its scan finding, where watch scans
                continue
            sc, sn = term_safe(comm), term_safe(name)
            proc = re.compile(r"^ +(?:process|pid) %d \(%s\)(?: tid |  rss )" % (pid, re.escape(sc)))
            bufl = re.compile(r"^ +buffer inode %d  size .*  name \"%s\"(?:  mapped by \d+ "
                              r"process(?:es)?)?$" % (o["inode"], re.escape(sn)))
            wrong = [(ln, b) for _, ln, b in mine if not proc.match(ln) or not bufl.match(b or "")]
            self.ok(mine and not wrong, "%s: comm and name shown as print_safe renders them" % label,
                    "process %d (%s), buffer inode %d name '%s'" % (pid, sc, o["inode"], sn),
                    wrong[:1] or "no line")

    def check_hostile_textfile(self, pre, data, runs):
        """The daemon's textfile: no series a name or comm made, promtool clean."""
        what = "%s textfile" % pre
        if not self.ok(data, "%s present" % what, "the daemon's final textfile", "missing or empty"):
            return
        try:
            text = data.decode("utf-8")
        except ValueError as e:
            text = data.decode("latin-1")
            self.ok(False, "%s is UTF-8" % what, "UTF-8", e)
        declared = set(re.findall(r"^# TYPE (dmabuf_audit_[a-z_]+) (?:counter|gauge)$", text, re.M))
        odd = []
        for ln in text.split("\n"):
            if not ln or re.match(r"^# (HELP|TYPE) dmabuf_audit_[a-z_]+ ", ln):
                continue
            try:
                name, labels, _ = promcheck.parse_line(ln)
            except ValueError as e:
                odd.append(str(e)[:160])
                continue
            if name not in declared or any(x in v for v in labels.values()
                                           for x in ("fake", "\n", "\x1b")):
                odd.append(ln[:160])
        self.ok(declared and not odd, "%s: every line a declared dmabuf_audit_* series, labels "
                "parse, no injected series" % what, "no other line", odd[:3])
        fd, path = tempfile.mkstemp(suffix=".prom")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            good, out = promtool_check(path)
        finally:
            os.unlink(path)
        self.ok(good, "%s passes promtool check metrics" % what, "no lint output", out[:300])

    # ---- the exporter module loaded after the auditors started ----
    def check_late(self, secs):
        pre = "[%s late]" % self.kver
        if not self.late and "late-kallsyms" not in secs:
            self.say("# %s no late-module scenario in these results (recorded before it)" % pre)
            return
        rm = complete(secs, "late-rmmod")
        self.ok(rm is not None and "loaded=0" in rm.lines, "%s the test module was unloaded "
                "before the auditors started" % pre, "loaded=0",
                rm.lines if rm else "no late-rmmod section")
        ins = complete(secs, "late-insmod")
        self.ok(ins is not None and ins.attrs.get("rc") == "0", "%s insmod after the auditors "
                "were ready" % pre, "rc=0", (ins.attrs, ins.lines) if ins else "no section")
        un = complete(secs, "late-unload")
        if self.late or un is not None:
            self.ok(un is not None and "loaded=0" in un.lines, "%s the module was unloaded while "
                    "the auditors still ran (their later output must still name it)" % pre,
                    "loaded=0", un.lines if un else "no late-unload section")
        ks = complete(secs, "late-kallsyms")
        names = set()
        for ln in ks.lines if ks else []:
            w = ln.split()
            if len(w) >= 4 and w[3] == "[%s]" % TEST_MODULE:
                names.add(w[2])
        if not self.ok(names and all(f in names for f in TEST_MODULE_FUNCS),
                       "%s the module's functions in /proc/kallsyms after the load" % pre,
                       "%s among the module's text symbols" % ", ".join(TEST_MODULE_FUNCS),
                       sorted(names)[:8] if ks else "no late-kallsyms section"):
            return
        for tag in LATE_TAGS:
            rd = complete(secs, "ready " + tag)
            self.ok(rd is not None and any(ln.startswith("status=ok") for ln in rd.lines),
                    "%s %s ready before the load" % (pre, tag), "status=ok",
                    rd.lines[:3] if rd else "no ready section")
            out = complete(secs, "report " + tag)
            if not self.ok(out is not None, "%s %s output section" % (pre, tag), "complete",
                           "missing or cut"):
                continue
            findings, _, _, bad = json_lines(out)
            self.ok(not bad, "%s %s: every line is JSON" % (pre, tag), "no other line", bad[:3])
            for exporter, path, kinds in LATE_RUNS:
                trig = complete(secs, "trigger late %s %s" % (exporter, path))
                o = oracle_of(trig)
                if not self.ok(o is not None and trig.attrs.get("rc") == "0",
                               "%s trigger %s %s ran" % (pre, exporter, path),
                               "exit 0 and its oracle line",
                               trig.attrs if trig else "no trigger section"):
                    continue
                what = "%s %s %s %s pid %s" % (pre, tag, exporter, path, o["pid"])
                mine = [f for f in findings if f.get("pid") == o["pid"]]
                for k in kinds:
                    self.ok(any(f.get("kind") == k for f in mine), "%s: %s reported" % (what, k),
                            k, fmt(mine))
                for f in mine:
                    self.check_late_names(what, f, names)

    def check_crowd(self, secs):
        """A process maps a violating buffer, then short-lived processes map a dma-buf each
        and exit (each exit_mmap forgets an address space that mapped one): the first
        process's GUP-fast must still be checked (the cleanup forgets gone ones only)."""
        pre = "[%s crowd]" % self.kver
        if not self.late and "report crowd" not in secs:
            self.say("# %s no crowd scenario in these results (recorded before it)" % pre)
            return
        trig = complete(secs, "trigger crowd %s crowd" % CROWD_EXPORTER)
        o = oracle_of(trig)
        if not self.ok(o is not None and trig.attrs.get("rc") == "0" and o.get("maps", 0) >= 100,
                       "%s trigger ran with its children" % pre,
                       "exit 0, an oracle line with maps >= 100",
                       (trig.attrs, o) if trig else "no trigger section"):
            return
        out = complete(secs, "report crowd")
        if not self.ok(out is not None, "%s report section" % pre, "complete", "missing or cut"):
            return
        findings, _, _, bad = json_lines(out)
        self.ok(not bad, "%s every line is JSON" % pre, "no other line", bad[:3])
        fast = [f for f in findings if f.get("pid") == o["pid"] and
                f.get("kind") == "gup_fast_on_dmabuf" and f.get("inode") == o["inode"]]
        if o["gup"] != "ok" or not self.k.keeps_fast(CROWD_EXPORTER, "vmsplice"):
            self.ok(False, "%s vmsplice kept the pages in the lockless walk" % pre,
                    "gup ok on a kernel whose GUP-fast keeps them", o["gup"])
        elif self.need("%s gup_fast_on_dmabuf" % pre, "gup_fast"):
            self.ok(fast, "%s gup_fast_on_dmabuf of pid %s after %d other mapping processes "
                    "came and went" % (pre, o["pid"], o["maps"]), "gup_fast_on_dmabuf inode=%s"
                    % o["inode"], fmt([f for f in findings if f.get("pid") == o["pid"]]))

    # ---- 2 MiB PMD entries (run_huge: the huge_pmd detector) ----
    def check_huge(self, secs):
        """Huge PMD entries in dma-buf mappings. What must be reported comes from the test
        module's own count, in each trigger's oracle line (entries it installed, how many
        the kernel gave the special bit, whether the kernel has one for PMD entries), and
        from smaps' VmFlags; never from the auditor. On every kernel: a PMD entry without
        the special bit is reported once per vma (huge_not_special where the bit exists,
        else huge_entry), an entry with it never, and no other report has a huge finding."""
        if not self.huge and "report huge" not in secs:
            self.say("# [%s huge] no huge scenario in these results (recorded before it)" %
                     self.kver)
            return
        for tag, mode in HUGE_TAGS:
            self.mode = mode
            self.check_huge_report(secs, tag)
        self.mode = "auto"
        self.check_huge_elsewhere(secs)

    def check_huge_report(self, secs, tag):
        pre = "[%s %s]" % (self.kver, tag)
        ready = complete(secs, "ready " + tag)
        self.ok(ready and ready.lines and ready.lines[0].startswith("status=ok"),
                "%s auditor printed 'dmabuf-audit: ready'" % pre, "status=ok",
                "; ".join(ready.lines[:6]) if ready else "no complete ready section")
        rep = complete(secs, "report " + tag)
        findings, _, summary, bad = json_lines(rep)
        if not self.ok(rep is not None and summary is not None and not bad,
                       "%s report section: JSON lines and a summary" % pre,
                       "a complete report of run_huge", "missing, truncated or not JSON: %r" % (
                           bad[:2] if rep else "no complete section")):
            return
        self.check_stderr(pre, secs, tag)
        pids, violation = set(), False
        for exporter in HUGE_EXPORTERS:
            sec = complete(secs, "trigger %s %s huge" % (tag, exporter))
            label = "%s %s huge" % (pre, exporter)
            o = oracle_of(sec) if sec and sec.attrs.get("rc") == "0" else None
            valid = isinstance(o, dict) and all(k in o for k in ORACLE_KEYS) and \
                o.get("exporter_arg") == exporter and isinstance(o.get("pid"), int) and \
                all(isinstance(o.get(k), int) for k in ("huge_entries", "huge_special")) and \
                all(isinstance(o.get(k), bool) for k in ("kernel_huge_special", "huge_vma_pfnmap"))
            if not self.ok(valid, "%s trigger ran and printed the module's count" % label,
                           "exit 0, an oracle line with huge_entries, huge_special, "
                           "kernel_huge_special, huge_vma_pfnmap",
                           "exit %s, %r" % (sec.attrs.get("rc"), sec.lines[:3]) if sec
                           else "no complete trigger section"):
                continue
            pids.add(o["pid"])
            violation |= self.check_huge_trigger(label, exporter, o, findings)
        stray = [f for f in findings if f.get("pid") not in pids]
        self.ok(not stray, "%s every finding is a huge trigger's" % pre, "none of another pid",
                fmt(stray))
        want_rc = "1" if violation else "0"
        self.ok(rep.attrs.get("rc") == want_rc, "%s auditor exit status %s (%s)" % (
            pre, want_rc, "violations" if violation else "no violation"), want_rc,
            rep.attrs.get("rc"))
        for key in ("ringbuf_lost", "dedup_full", "findings_dropped"):
            self.ok(summary.get(key) == 0, "%s summary %s 0 (nothing lost)" % (pre, key), 0,
                    summary.get(key))

    def check_huge_trigger(self, label, exporter, o, findings):
        """One huge trigger against its report; True when it must count as a violation."""
        what = "%s pid %d" % (label, o["pid"])
        n, special, has_bit = o["huge_entries"], o["huge_special"], o["kernel_huge_special"]
        pf = "pf" in o["vmflags"].split()
        # the module did what the mode is for; else nothing below would prove anything
        self.ok(n == HUGE_ENTRIES, "%s: the module installed one PMD entry per 2 MiB" % what,
                "huge_entries %d (4 MiB mapped at a 2 MiB boundary, each half read)" %
                HUGE_ENTRIES, "%s (via huge_fault %s, via fault %s)" % (
                    n, o.get("huge_via_huge_fault"), o.get("huge_via_fault")))
        self.ok(pf == o["huge_vma_pfnmap"], "%s: smaps VmFlags agree with the module on "
                "VM_PFNMAP" % what, "'pf' %s" % ("present" if o["huge_vma_pfnmap"] else "absent"),
                repr(o["vmflags"]))
        if exporter == "test:huge_page":
            self.ok(special == 0, "%s: no entry got the special bit" % what,
                    "huge_special 0 (a folio, or a devmap pfn)", special)
        elif has_bit:
            self.ok(pf and special == n, "%s: a VM_PFNMAP vma whose entries the kernel marked "
                    "special (it has the bit)" % what, "pf, huge_special %d" % n,
                    "%r, huge_special %d" % (o["vmflags"], special))
        else:
            self.ok(pf and special == 0, "%s: a VM_PFNMAP vma, no special bit on this kernel" %
                    what, "pf, huge_special 0", "%r, huge_special %d" % (o["vmflags"], special))
        # what the oracle says must be reported: PMD entries without the bit, once per vma
        want = {}
        if n > special:
            want["huge_not_special" if has_bit else "huge_entry"] = n - special
        if not pf:
            want["mmap_without_pfnmap"] = None  # its count: the other checks' business
        mine = [f for f in findings if f.get("pid") == o["pid"]]
        self.ok(sorted(f.get("kind") for f in mine) == sorted(want),
                "%s: exactly the expected findings" % what,
                ", ".join(sorted(want)) or "none (every entry special, the vma VM_PFNMAP)",
                fmt(mine))
        for kind_, count in sorted(want.items()):
            got = [f for f in mine if f.get("kind") == kind_]
            good = [f for f in got if f.get("exporter") == o["exporter"] and
                    f.get("inode") == o["inode"] and
                    hexint(f.get("vm_start")) == hexint(o["vm_start"])]
            self.ok(len(got) == 1 and good, "%s: %s reported once for the vma" % (what, kind_),
                    "one %s exporter=%s inode=%s vm_start=%s" % (
                        kind_, o["exporter"], o["inode"], o["vm_start"]), fmt(got))
            if count is not None and good:
                f = good[0]
                self.ok(f.get("count") == count and f.get("hook") == HUGE_HOOK,
                        "%s: %s count and hook" % (what, kind_),
                        "count %d (the module's entries without the bit), hook %s" % (
                            count, HUGE_HOOK),
                        "count %r, hook %r" % (f.get("count"), f.get("hook")))
                self.check_huge_fix(what, kind_, f)
        return any(k in VIOLATIONS or k == "huge_not_special" for k in want)

    def check_huge_fix(self, what, kind, f):
        """A huge finding names the module's function that inserted the entries (the
        first frame past the insert functions), the size of a PMD entry, and the fix:
        special pfn entries where the kernel has the bit, 4K special ptes where not."""
        self.ok(f.get("caller") in HUGE_CALLERS and f.get("entry_size") == HUGE_PMD_BYTES,
                "%s: %s caller and entry size" % (what, kind),
                "caller one of %s, entry_size %d" % (", ".join(HUGE_CALLERS), HUGE_PMD_BYTES),
                "caller %r, entry_size %r" % (f.get("caller"), f.get("entry_size")))
        want = [f.get("caller") or "?", "installs huge pmd entries"]
        want += (["without the special bit", "vmf_insert_pfn_pmd() in a VM_PFNMAP vma set up "
                  "by " + TEST_MMAP_OP] if kind == "huge_not_special" else
                 ["cannot mark special", "map 4K special ptes on this kernel"])
        if self.fix:
            self.ok(all(w in (f.get("fix") or "") for w in want),
                    "%s: %s fix names the inserting function and the replacement" % (what, kind),
                    " ... ".join(want), f.get("fix"))

    def check_huge_elsewhere(self, secs):
        """No report outside run_huge has a huge finding: no other exporter maps PMDs."""
        pre = "[%s huge]" % self.kver
        tags = {"report " + t for t, _ in HUGE_TAGS}
        stray = []
        for head, sec in sorted(secs.items()):
            if head.startswith("report ") and head not in tags and sec.attrs is not None:
                stray += [dict(f, exporter="%s (%s)" % (f.get("exporter"), head))
                          for f in json_lines(sec)[0] if f.get("kind") in HUGE_KINDS]
        self.ok(not stray, "%s no huge finding in any other report (no other exporter maps "
                "PMD entries)" % pre, "none", fmt(stray))

    def check_kill(self, secs):
        """A process killed mid-GUP while a report runs: the report goes on, has the killed
        process's findings and the next trigger's, and ends with its summary."""
        pre = "[%s kill]" % self.kver
        if not self.late and "report kill" not in secs:
            self.say("# %s no kill scenario in these results (recorded before it)" % pre)
            return
        spin = complete(secs, "spin")
        o = oracle_of(spin)
        if not self.ok(o is not None and spin.attrs.get("running") == "yes" and
                       spin.attrs.get("rc") == "137", "%s spin trigger killed with SIGKILL in its "
                       "GUP loop" % pre, "its oracle line, running=yes, rc=137",
                       (spin.attrs, o) if spin else "no spin section"):
            return
        trig = complete(secs, "trigger kill test:insert_page procmem")
        t = oracle_of(trig)
        out = complete(secs, "report kill")
        if not self.ok(out is not None and t is not None, "%s report and next trigger complete"
                       % pre, "both sections", "missing or cut"):
            return
        findings, _, summary, bad = json_lines(out)
        self.ok(not bad and summary is not None and out.attrs.get("rc") == "1",
                "%s report ended well: JSON lines, its summary, exit 1 (violations)" % pre,
                "rc=1, a summary, no other line", (out.attrs.get("rc"), summary is not None, bad[:2]))
        for who, oc, kinds in (("killed", o, ("mmap_without_pfnmap", "gup_on_dmabuf")),
                               ("next", t, ("mmap_without_pfnmap", "gup_on_dmabuf"))):
            mine = [f for f in findings if f.get("pid") == oc["pid"] and f.get("inode") == oc["inode"]]
            for k in kinds:
                if self.need("%s %s %s" % (pre, who, k), "mmap" if k.startswith("mmap") else "gup_slow"):
                    self.ok(any(f.get("kind") == k for f in mine), "%s %s trigger pid %s: %s "
                            "reported" % (pre, who, oc["pid"], k), k, fmt(mine))

    def check_late_names(self, what, f, names):
        """mmap_op and stack frames of a late module's finding: named in the module,
        after the kernel's own symbols, never after a neighbour or unknown."""
        k = f.get("kind")
        mod = "[%s]" % TEST_MODULE
        self.ok(f.get("module") == TEST_MODULE and f.get("mmap_op") == TEST_MMAP_OP,
                "%s: %s module and mmap_op name the late module" % (what, k),
                "module %s, mmap_op %r" % (TEST_MODULE, TEST_MMAP_OP),
                "module %r, mmap_op %r" % (f.get("module"), f.get("mmap_op")))
        stack = f.get("stack") if isinstance(f.get("stack"), list) else []
        wrong = []
        for x in stack:
            m = re.match(r"^([^\s+]+)(?:\+0x[0-9a-f]+)?(?: \[(.*)\])?$", str(x))
            if x == UNKNOWN_FRAME or not m:
                wrong.append(x)
            elif m.group(2) is not None and (m.group(2) != TEST_MODULE or m.group(1) not in names):
                wrong.append(x)
        self.ok(stack and not wrong, "%s: %s stack frames named, modules' only in %s" % (
            what, k, mod), "every frame a symbol; module frames in %s, functions of "
            "/proc/kallsyms" % mod, "%s in %s" % (wrong[:3], repr(stack)[:300]))
        if k == "page_insert_on_dmabuf":
            if stack and stack[-1].startswith("kretprobe_trampoline"):
                self.skip("stack:kretprobe_trampoline",
                          "%s: %s stack cut at kretprobe_trampoline" % (what, k))
            else:
                self.ok(any(str(x).startswith(TEST_MODULE_FUNCS[0] + "+") and
                            str(x).endswith(" " + mod) for x in stack),
                        "%s: %s stack shows the late module's mmap op" % (what, k),
                        "a frame %s+0x.. %s" % (TEST_MODULE_FUNCS[0], mod), repr(stack)[:300])

    def check_raw_addresses(self, secs):
        """No kernel address in anything an auditor printed (report, watch, daemon)."""
        pre = "[%s]" % self.kver
        leaks = []
        for head, sec in secs.items():
            if head.split()[0] in ("report", "auditor-stderr", "daemon-file", "pidfilter"):
                leaks += ["%s: %s" % (head, ln[:160]) for ln in sec.lines if RAW_KADDR.search(ln)]
        self.ok(not leaks, "%s no raw kernel address in the auditors' output" % pre,
                "unknown code as %r, never 0xffff..." % UNKNOWN_FRAME, leaks[:3])


# ---- hostile names: results as hex, and the renderings the auditor documents ----

def hex_bytes(sec):
    """The exact bytes of a complete hexsec section (od -An -tx1 lines), or None."""
    if sec is None:
        return None
    try:
        return bytes.fromhex("".join(sec.lines))
    except ValueError:
        return None


def hex_oracle(sec):
    """The oracle line of a trigger whose stdout was dumped as hex, or None."""
    data = hex_bytes(sec)
    for ln in (data or b"").split(b"\n"):
        if ln.startswith(b"{"):
            try:  # (its buf_name may hold raw bytes that are not UTF-8; the _hex keys are exact)
                o = json.loads(ln.decode("latin-1"))
            except ValueError:
                return None
            return o if isinstance(o, dict) and isinstance(o.get("pid"), int) else None
    return None


def _bytes_as_latin1(e):
    return "".join(chr(b) for b in e.object[e.start:e.end]), e.end


codecs.register_error("dmabuf-audit-json", _bytes_as_latin1)


def json_decoded(raw):
    """What src/json.c's json_write_string makes of RAW, decoded: valid UTF-8 as it is, each
    byte of no valid UTF-8 sequence (invalid, overlong, surrogate, cut) as \\u00XX, i.e.
    the code point of that byte value."""
    return raw.decode("utf-8", errors="dmabuf-audit-json")


def term_safe(raw):
    """src/report.c's print_safe: every byte < 0x20 or >= 0x7f shown as '?'."""
    return "".join("?" if b < 0x20 or b >= 0x7f else chr(b) for b in raw)


def promtool_check(path):
    """promcheck's promtool run; the tools fetched first where missing (as make lab-selftest)."""
    try:
        promcheck.tools()
    except RuntimeError:
        subprocess.run([os.path.join(HERE, "..", "prom", "fetch-tools.sh")],
                       stdout=subprocess.DEVNULL, check=False)
    try:
        return promcheck.promtool_check(path)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        return False, str(e)


def hex_lines(data):
    """DATA as od -An -v -tx1 prints it (a doctored hexsec section body)."""
    return "".join(" " + " ".join("%02x" % b for b in data[i:i + 16]) + "\n"
                   for i in range(0, len(data), 16))


def edit_hex_section(text, head, fn):
    """A run whose hexsec section HEAD's bytes went through fn(bytes) -> bytes."""
    lines = text.splitlines(True)
    b, e = section_bounds(lines, head)
    data = fn(bytes.fromhex("".join(ln.strip() for ln in lines[b + 1:e])))
    end = re.sub(r" bytes=\d+", " bytes=%d" % len(data), lines[e])
    return "".join(lines[:b + 1]) + hex_lines(data) + end + "".join(lines[e + 1:])


# ---- self-test: the checker must be able to fail ----

def section_bounds(lines, head):
    """(index of @@BEGIN HEAD, index of its @@END) in a list of lines."""
    b = next(i for i, ln in enumerate(lines) if ln.rstrip("\r\n") == "@@BEGIN " + head)
    e = next(i for i in range(b, len(lines)) if lines[i].startswith("@@END " + head))
    return b, e


def edit_json_lines(text, head, fn):
    """A run whose JSON lines in section HEAD went through fn(dict) -> [dict]."""
    lines = text.splitlines(True)
    b, e = section_bounds(lines, head)
    out = []
    for ln in lines[b + 1:e]:
        try:
            j = json.loads(ln)
        except ValueError:
            out.append(ln)
            continue
        out.extend(json.dumps(x, separators=(",", ":")) + "\n" for x in fn(j))
    return "".join(lines[:b + 1] + out + lines[e:])


def edit_summary(text, head, fn):
    def f(j):
        if "summary" in j:
            fn(j["summary"])
        return [j]
    return edit_json_lines(text, head, f)


def trigger_oracle(text, mode, exporter, path):
    o = oracle_of(complete(parse(text)[0], "trigger %s %s %s" % (mode, exporter, path)))
    if o is None:
        raise ValueError("no oracle for %s %s" % (exporter, path))
    return o


def drop_findings(text, head, pred):
    return edit_json_lines(text, head, lambda j: [] if "kind" in j and pred(j) else [j])


def huge_mutation(name, text):
    """check_huge's bad runs, made from a fixture's good run_huge."""
    page = trigger_oracle(text, "huge", "test:huge_page", "huge")
    pfn = trigger_oracle(text, "huge", "test:huge_pfn", "huge")
    huge = lambda j: j.get("kind") in HUGE_KINDS  # noqa: E731
    if name == "huge-missing":  # the scenario's sections gone (a guest that skipped it)
        return re.sub(r"(?ms)^@@BEGIN (ready|trigger|report|auditor-stderr) huge(-kprobe)?"
                      r"\b.*?^@@END \1 huge(-kprobe)?\b[^\n]*\n", "", text)
    if name == "huge-lost":  # the violating entries unreported
        return drop_findings(text, "report huge", lambda j: j["pid"] == page["pid"] and huge(j))
    if name == "huge-wrong-kind":  # a violation reported as a mere warning, or the reverse
        swap = {"huge_not_special": "huge_entry", "huge_entry": "huge_not_special"}
        return edit_json_lines(text, "report huge", lambda j: [dict(j, kind=swap[j["kind"]])] if (
            j.get("pid") == page["pid"] and huge(j)) else [j])
    if name == "huge-wrong-count":  # one PMD entry counted
        return edit_json_lines(text, "report huge-kprobe", lambda j: [dict(j, count=1)] if (
            huge(j)) else [j])
    if name == "huge-compliant":  # a finding for the compliant exporter's special entries
        base = dict(pid=pfn["pid"], tid=pfn["pid"], exporter=pfn["exporter"], inode=pfn["inode"],
                    vm_start=pfn["vm_start"], count=HUGE_ENTRIES, hook=HUGE_HOOK)
        return edit_json_lines(text, "report huge", lambda j: [
            dict(base, kind="huge_not_special"), j] if "summary" in j else [j])
    if name == "huge-elsewhere":  # another exporter's mapping taken for a PMD entry
        return edit_json_lines(text, "report fentry", lambda j: [
            dict(j, kind="huge_entry", hook=HUGE_HOOK), j] if j.get("exporter") ==
            "test_insert_page" and j.get("kind") == "mmap_without_pfnmap" else [j])
    if name == "huge-wrong-caller":  # the caller taken from a frame outside the module
        return edit_json_lines(text, "report huge", lambda j: [dict(
            j, caller="__handle_mm_fault")] if huge(j) else [j])
    if name == "huge-wrong-fix":  # a fix that names no replacement
        return edit_json_lines(text, "report huge", lambda j: [dict(
            j, fix=(j.get("fix") or "").split(":")[0])] if huge(j) else [j])
    if name == "huge-no-warning":  # the detector that cannot run in fentry mode left unsaid
        return re.sub(r"(?m)^dmabuf-audit: warning: detector huge_insert \(.*\n", "", text)
    if name == "huge-unsupported":  # the module could not make the mode on this kernel
        head = "trigger huge test:huge_page huge"
        return re.sub(r"(?ms)^@@BEGIN %s\n.*?^@@END %s rc=0$" % (head, head),
                      "@@BEGIN %s\nstderr: dmabuf-trigger: DMABUF_TEST_CREATE mode 9: Operation "
                      "not supported\n@@END %s rc=1" % (head, head), text)
    raise ValueError(name)


def mutation(name, text):
    """Bad runs made from a good fixture: each must produce its specific FAIL."""
    if name.startswith("huge-"):
        return huge_mutation(name, text)
    if name == "missing-finding":
        pid = trigger_oracle(text, "fentry", "test:insert_page", "procmem")["pid"]
        return drop_findings(text, "report fentry",
                             lambda j: j["pid"] == pid and j["kind"] == "gup_on_dmabuf")
    if name == "wrong-exporter":
        pid = trigger_oracle(text, "fentry", "test:fault_page", "mmap")["pid"]
        return edit_json_lines(text, "report fentry", lambda j: [dict(j, exporter="wrong")] if (
            j.get("pid") == pid and j.get("kind") == "mmap_without_pfnmap") else [j])
    if name == "compliant-violation":
        pid = trigger_oracle(text, "fentry", "test:remap_pfn", "procmem")["pid"]
        return edit_json_lines(text, "report fentry", lambda j: [j, dict(j, kind="mmap_without_pfnmap")] if (
            j.get("pid") == pid and j.get("kind") == "gup_blocked") else [j])
    if name == "watch-lost":
        lines = text.splitlines(True)
        b, _ = section_bounds(lines, "report fentry-watch")
        i = next(i for i in range(b, len(lines)) if lines[i].startswith("{"))
        return "".join(lines[:i] + lines[i + 1:])
    if name == "all-live-none":
        # the issue's experiment: every live detector silently failed to attach, only the
        # scan's findings left (report and watch, both modes)
        for m in MODES:
            text = edit_summary(text, "report " + m, lambda s: s["detectors"].update(
                {d: "none" for d in LIVE}) or s["functions"].update({d: None for d in LIVE}))
            for tag in (m, m + "-watch"):
                text = drop_findings(text, "report " + tag, lambda j: j.get("hook") != "scan")
        return text
    if name == "detector-missing":  # gup_fast silently absent, its findings gone
        text = edit_summary(text, "report fentry", lambda s: s["detectors"].update(gup_fast="none")
                            or s["functions"].update(gup_fast=None))
        return drop_findings(text, "report fentry", lambda j: j["kind"] == "gup_fast_on_dmabuf")
    if name == "wrong-function":
        return edit_summary(text, "report fentry",
                            lambda s: s["functions"].update(gup_fast="gup_fast_fallback"))
    if name == "excused-missing":  # a GUP-fast finding gone, "excused" by refused lookups
        pid = trigger_oracle(text, "fentry", "test:insert_page", "vmsplice")["pid"]
        text = edit_summary(text, "report fentry", lambda s: s.update(gup_fast_unverified=1))
        return drop_findings(text, "report fentry",
                             lambda j: j["pid"] == pid and j["kind"] == "gup_fast_on_dmabuf")
    if name == "watch-excused":  # watch misses a GUP-fast finding, says it counted refusals
        pid = trigger_oracle(text, "fentry", "test:insert_page", "vmsplice")["pid"]
        text = drop_findings(text, "report fentry-watch",
                             lambda j: j["pid"] == pid and j["kind"] == "gup_fast_on_dmabuf")
        lines = text.splitlines(True)
        _, e = section_bounds(lines, "auditor-stderr fentry-watch")
        lines.insert(e, "dmabuf-audit: warning: ringbuf_lost 0, gup_fast_unverified 1 (GUP-fast "
                        "calls whose vma lookup the kernel refused)\n")
        return "".join(lines)
    if name == "follow-page-mask":  # the 5.10 fallback chosen where check_vma_flags exists
        return edit_summary(text, "report fentry",
                            lambda s: s["functions"].update(gup_slow="follow_page_mask"))
    if name == "stack-cut":  # a stack cut at kretprobe_trampoline where no kernel limit says so
        pid = trigger_oracle(text, "kprobe", "test:insert_page", "mmap")["pid"]
        return edit_json_lines(text, "report kprobe", lambda j: [dict(j, stack=j["stack"][:1] + [
            "kretprobe_trampoline+0x0"])] if j.get("pid") == pid and
            j.get("kind") == "page_insert_on_dmabuf" else [j])
    if name == "own-frame":
        pid = trigger_oracle(text, "fentry", "test:fault_page", "procmem")["pid"]
        return edit_json_lines(text, "report fentry", lambda j: [dict(j, stack=[
            "bpf_prog_6deef7357e7b4530_fexit_gup_slow+0x1b4"] + j["stack"])] if j.get("pid") == pid
            and j.get("kind") == "gup_on_dmabuf" else [j])
    if name == "wrong-uid":
        pid = trigger_oracle(text, "fentry-user", "test:insert_page", "procmem")["pid"]
        return edit_json_lines(text, "report fentry", lambda j: [dict(j, uid=0)] if
                               j.get("pid") == pid else [j])
    if name == "wait-timeout":
        return text.replace("@@DONE", "@@TIMEOUT daemon: no READY=1 in 60 s\n@@DONE")
    if name == "probe-rc":
        return re.sub(r"^@@END probe fentry rc=0", "@@END probe fentry rc=1", text, flags=re.M)
    if name == "stale-table":  # the kernel has a function the table says it lacks
        return text.replace("absent gup_fast_fallback", "present gup_fast_fallback")
    if name == "absent-not-skipped":
        # udmabuf "present" on 6.1: the expected skip does not happen
        lines = text.splitlines(True)
        for m in MODES:
            for p in REAL_PATHS:
                b, e = section_bounds(lines, "trigger %s udmabuf %s" % (m, p))
                vb, ve = section_bounds(lines, "trigger %s vgem %s" % (m, p))
                body = [ln.replace('"exporter_arg":"vgem"', '"exporter_arg":"udmabuf"')
                        for ln in lines[vb + 1:ve]]
                lines[b + 1:e + 1] = body + [lines[e].replace("rc=77", "rc=0")]
        return "".join(lines)
    if name == "busy-report-too":  # the finding watch may miss is gone from the report too
        pid = trigger_oracle(text, "kprobe", "test:swap_file", "iouring")["pid"]
        return drop_findings(text, "report kprobe",
                             lambda j: j["pid"] == pid and j["kind"] == "gup_fast_on_dmabuf")
    if name == "busy-uncounted":  # watch misses findings without counting refused lookups
        return re.sub(r"^dmabuf-audit: warning: ringbuf_lost 0, gup_fast_unverified \d+ .*\n", "",
                      text, flags=re.M)
    if name in ("repeat-short", "repeat-missed", "missed-unsaid"):
        # 7 GUPs of the repeat the kernel ran neither auditor's programs for (CI, 7.2 kprobe)
        pid = trigger_oracle(text, "kprobe", "test:insert_page", "repeat")["pid"]

        def short(j):
            if j.get("pid") == pid and j.get("kind") == "gup_on_dmabuf" and \
                    j.get("count") == REPEAT_N:
                j["count"] = REPEAT_N - 7
            return [j]
        text = edit_json_lines(edit_json_lines(text, "report kprobe", short),
                               "report kprobe-watch", short)
        if name == "repeat-short":  # ... which the kernel did not count: a lost count
            return text
        lines = text.splitlines(True)
        b, e = section_bounds(lines, "misses kprobe")
        lines[b + 1:e] = ["report 7\n", "watch 7\n"]
        _, e = section_bounds(lines, "auditor-stderr kprobe-watch")
        lines.insert(e, "dmabuf-audit: warning: ringbuf_lost 0, gup_fast_unverified 0 (GUP-fast "
                        "calls whose vma lookup the kernel refused), missed 7 (hook calls the "
                        "kernel ran none of the auditor's programs for)\n")
        text = "".join(lines)
        if name == "missed-unsaid":  # the kernel counted them, the report does not say so
            return text
        return edit_summary(text, "report kprobe", lambda s: s.update(missed=7))
    if name in ("late-neighbour", "late-unknown", "late-raw"):
        # the issue's bug: the late module's code named after a neighbour (watch), left
        # unknown (daemon), or printed as a raw address (report)
        tag, repl = {"late-neighbour": ("late-watch", "drm_gem_shmem_object_vmap+0x5150 "
                                        "[drm_shmem_helper]"),
                     "late-unknown": ("late-daemon", UNKNOWN_FRAME),
                     "late-raw": ("late", "0xffffffffc0a01150")}[name]

        def neighbour(j):
            if "stack" in j:
                j["stack"] = [repl if "[%s]" % TEST_MODULE in x else x for x in j["stack"]]
                j["mmap_op"] = repl
            return [j]
        return edit_json_lines(text, "report " + tag, neighbour)
    if name == "kill-lost":  # the killed process's findings gone from the report
        o = oracle_of(complete(parse(text)[0], "spin"))
        return drop_findings(text, "report kill", lambda j: j["pid"] == o["pid"])
    if name == "fix-wrong":  # the fault_page insert named as a vm_insert_page one
        pid = trigger_oracle(text, "fentry", "test:fault_page", "mmap")["pid"]
        return edit_json_lines(text, "report fentry", lambda j: [dict(
            j, fix="vm_insert_page() from %s maps struct pages" % TEST_MMAP_OP)] if (
            j.get("pid") == pid and j.get("kind") == "pte_not_special") else [j])
    if name == "fix-missing":  # a finding without its fix
        pid = trigger_oracle(text, "fentry", "test:insert_page", "vmsplice")["pid"]
        return edit_json_lines(text, "report fentry", lambda j: [
            {k: v for k, v in j.items() if k != "fix"}] if j.get("pid") == pid else [j])
    if name == "pfn-missing":  # the module's pfn lookup not reported
        pid = trigger_oracle(text, "fentry", "test:remap_pfn", "pfn_lookup")["pid"]
        return drop_findings(text, "report fentry",
                             lambda j: j["pid"] == pid and j["kind"] == "kernel_pfn_lookup")
    if name == "pfn-stray":  # a lookup reported where none was planted (PAT's, unbracketed)
        pid = trigger_oracle(text, "fentry", "test:remap_pfn", "pfn_lookup")["pid"]
        other = trigger_oracle(text, "fentry", "test:remap_pfn", "mmap")["pid"]
        return edit_json_lines(text, "report fentry", lambda j: [j, dict(j, pid=other, tid=other)]
                               if j.get("pid") == pid and j.get("kind") == "kernel_pfn_lookup"
                               else [j])
    if name == "pfn-caller":  # the caller named after gcc's clone, with an offset
        return edit_json_lines(text, "report fentry", lambda j: [dict(
            j, caller="dtx_follow_pfn.constprop.0+0x3c [dmabuf_test_exporter]")] if (
            j.get("kind") == "kernel_pfn_lookup") else [j])
    if name == "inventory-source":  # debugfs's list passed off as the iterator's
        return edit_json_lines(text, "inventory json", lambda j: [
            {"inventory": dict(j["inventory"], source="iter/dmabuf")}] if "inventory" in j else [j])
    if name == "inventory-report-unheld":  # the report's end: the unheld buffer not counted
        def unheld(j):
            if "summary" not in j:
                return [j]
            inv = j["summary"]["inventory"]
            exps = {k: dict(v, kernel_only_buffers=0, kernel_only_bytes=0)
                    for k, v in inv["exporters"].items()}
            return [{"summary": dict(j["summary"], inventory=dict(inv, exporters=exps))}]
        return edit_json_lines(text, "inventory-report", unheld)
    if name == "inventory-kernel-only":  # the imported, closed buffer not called out
        return edit_json_lines(text, "inventory json", lambda j: [
            {"buffer": dict(j["buffer"], kernel_only=False)}] if (
            j.get("buffer", {}).get("name") == "inv:imported") else [j])
    if name == "inventory-holder-lost":  # the fd holder of the fd-only buffer missing
        return edit_json_lines(text, "inventory json", lambda j: [
            {"buffer": dict(j["buffer"], fd_holders=[])}] if (
            j.get("buffer", {}).get("name") == "inv:fd") else [j])
    if name == "run-stray":  # a finding of another process in the command's report
        def stray(lines):
            out = []
            for ln in lines:
                out.append(ln)
                if ln.startswith("report: {\"kind\""):
                    j = json.loads(ln[8:])
                    j["pid"] = j["pid"] + 1
                    out.append("report: " + json.dumps(j, separators=(",", ":")))
            return out
        lines = text.splitlines(True)
        b, e = section_bounds(lines, "run grandchild")
        body = [ln.rstrip("\n") for ln in lines[b + 1:e]]
        return "".join(lines[:b + 1] + [ln + "\n" for ln in stray(body)] + lines[e:])
    if name == "run-sigterm-lost":  # SIGTERM stopped run, the command went on
        return re.sub(r"^@@END run sigterm rc=3", "@@END run sigterm rc=0", text, flags=re.M)
    if name == "run-fails-passed":  # the command's own failure swallowed: run said pass
        return re.sub(r"^@@END run fails rc=3", "@@END run fails rc=0", text, flags=re.M)
    if name == "run-compliant-failed":  # a compliant command failed by run
        return re.sub(r"^@@END run compliant rc=0", "@@END run compliant rc=1", text, flags=re.M)
    if name == "run-notfound-error":  # a missing command reported as the auditor's error
        return re.sub(r"^@@END run notfound rc=127", "@@END run notfound rc=2", text, flags=re.M)
    if name == "run-outside-uncounted":  # the violator outside the tree not counted
        def uncounted(j):
            if "summary" in j:
                j["summary"]["run"]["outside_tree"] = 0
            return [j]
        lines = text.splitlines(True)
        b, e = section_bounds(lines, "run outside")
        body = []
        for ln in lines[b + 1:e]:
            if ln.startswith("report: {\"summary\""):
                j = uncounted(json.loads(ln[8:]))[0]
                ln = "report: " + json.dumps(j, separators=(",", ":")) + "\n"
            body.append(ln)
        return "".join(lines[:b + 1] + body + lines[e:])
    if name == "inventory-daemon-unheld":  # the daemon's unheld bytes miss the closed buffer
        return re.sub(r'^(dmabuf_audit_unheld_buffer_bytes\{exporter="[^"]*"\}) \d+$', r"\1 0",
                      text, flags=re.M)
    if name == "late-kept":  # the module was never unloaded under the auditors
        return re.sub(r"^@@(BEGIN|END) late-unload", r"@@\1 gone-late-unload", text, flags=re.M)
    if name == "crowd-lost":  # the crowd pushed the first process out: its GUP-fast unseen
        pid = trigger_oracle(text, "crowd", CROWD_EXPORTER, "crowd")["pid"]
        return drop_findings(text, "report crowd", lambda j: j["pid"] == pid)
    if name == "late-missing":  # the scenario did not run
        return re.sub(r"^@@(BEGIN|END) (late-|report late|ready late|trigger late)",
                      r"@@\1 gone-\2", text, flags=re.M)
    if name == "hostile-esc":  # a raw ESC in watch's terminal output
        return edit_hex_section(text, "hostile-out hostile-watch",
                                lambda d: d.replace(b"(?[2J?]0;x?)", b"(\x1b[2J\x1b]0;x\x07)", 1))
    if name == "hostile-json":  # an ESC left raw in a JSON string (a broken line)
        return edit_hex_section(text, "hostile-out hostile", lambda d: d.replace(
            b"\\u001b", b"\x1b", 1))
    if name == "hostile-inject":  # the label injection went through prom_write_label raw
        return edit_hex_section(text, "hostile-textfile", lambda d: re.sub(
            rb'exporter="test_insert_page"}', b'exporter="x",kind="f"} 1\nfake 1 #"}', d, count=1))
    if name == "hostile-utf8":  # invalid UTF-8 replaced by U+FFFD instead of json.c's rule
        return edit_hex_section(text, "hostile-out hostile-daemon-json", lambda d: d.replace(
            b'"comm":"\\u00ff\\u00fe', b'"comm":"\xef\xbf\xbd\xef\xbf\xbd', 1))
    if name == "hostile-lost":  # escaping cost a finding: one hostile GUP gone from the report
        pid = hex_oracle(complete(parse(text)[0], "hostile-trigger esc procmem"))["pid"]
        return edit_hex_section(text, "hostile-out hostile", lambda d: b"".join(
            ln for ln in d.splitlines(True) if not (b'"pid":%d,' % pid in ln and
                                                   b'"kind":"gup_on_dmabuf"' in ln)))
    if name == "hostile-missing":  # the scenario did not run
        return re.sub(r"^@@(BEGIN|END) hostile", r"@@\1 gone-hostile", text, flags=re.M)
    if name == "flood-uncounted":
        return edit_summary(text, "report flood", lambda s: s.update(ringbuf_lost=0))
    raise ValueError(name)


def read_fixture(name):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", name)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", errors="replace") as f:  # as checker_main reads results
        return f.read()


def self_test():
    """The checker must be able to fail: each bad fixture must produce its specific FAIL."""
    good61 = "good-6.1.txt.gz"
    good72 = "good-7.2.txt.gz"
    cases = [  # (fixture[:mutation], kver, what it proves, regex of the FAIL; None: must pass)
        (good61, "6.1", "passes a correct 6.1 run", None),
        (good72, "7.2", "passes a correct 7.2 run (the inventory by the dma-buf iterator)", None),
        (good61 + ":inventory-report-unheld", "6.1", "fails when the report's inventory at its "
         "end does not count the buffer only the kernel holds",
         r"^FAIL - \[6\.1 inventory\] report: exporter \S+ totals at its end"),
        (good61 + ":inventory-source", "6.1", "fails when the buffer list does not say it "
         "came from debugfs", r"^FAIL - \[6\.1 inventory\] buffers from debugfs"),
        (good72 + ":inventory-kernel-only", "7.2", "fails when a buffer held only by the kernel "
         "is not called out",
         r"^FAIL - \[7\.2 inventory\] imported buffer inode \d+ held only by the kernel"),
        (good72 + ":inventory-holder-lost", "7.2", "fails on a missing fd holder",
         r"^FAIL - \[7\.2 inventory\] fd buffer inode \d+ fd holders"),
        ("good-5.10.txt.gz", "5.10", "passes a correct 5.10 run (its fallbacks and skips)", None),
        ("good-arm64-6.1.txt.gz", "6.1", "passes a correct arm64 6.1 run (scan-only fentry)", None),
        ("good-arm64-6.12.txt.gz", "6.12", "passes a correct arm64 6.12 run (watch's refused "
         "GUP-fast lookups, the one expected excuse)", None),
        ("good-arm64-6.12.txt.gz:busy-report-too", "6.12", "fails when the report misses the "
         "finding too (nothing excuses the report)",
         r"^FAIL - \[6\.12 kprobe\] test:swap_file iouring pid \d+: gup_fast_on_dmabuf reported"),
        ("good-arm64-6.12.txt.gz:busy-uncounted", "6.12", "fails when watch misses findings "
         "without counting refused lookups",
         r"^FAIL - \[6\.12 kprobe watch\] final counts equal the report's"),
        (good61 + ":missing-finding", "6.1", "fails on a missing gup_on_dmabuf",
         r"^FAIL - \[6\.1 fentry\] test:insert_page procmem pid \d+: gup_on_dmabuf reported"),
        (good61 + ":wrong-exporter", "6.1", "fails on a finding with the wrong exporter",
         r"^FAIL - \[6\.1 fentry\] test:fault_page mmap pid \d+: mmap_without_pfnmap reported"),
        (good61 + ":compliant-violation", "6.1", "fails on a violation for a compliant exporter",
         r"^FAIL - \[6\.1 fentry\] test:remap_pfn procmem pid \d+: no violation for compliant"),
        (good61 + ":compliant-violation", "6.1", "fails on mmap_without_pfnmap for a pf vma",
         r"^FAIL - \[6\.1 fentry\] test:remap_pfn procmem pid \d+: no mmap_without_pfnmap"),
        ("missing-exporter.txt", "6.12", "fails when a required exporter is absent (exit 77)",
         r"^FAIL - \[6\.12 fentry\] udmabuf mmap trigger exit 0: expected exit 0, saw exit 77"),
        ("truncated.txt", "6.1", "fails on results cut short",
         r"^FAIL - \[6\.1\] guest ran to completion"),
        ("truncated.txt", "6.1", "fails on a missing trigger section",
         r"^FAIL - \[6\.1 kprobe\] vgem iouring trigger section present"),
        ("kernel-warning.txt", "6.1", "fails on a kernel WARNING",
         r"^FAIL - \[6\.1\] kernel log has no WARNING/BUG/Oops: .*vm_insert_page"),
        (good61 + ":watch-lost", "6.1", "fails when watch lost an event the report counted",
         r"^FAIL - \[6\.1 fentry watch\] final counts equal the report's"),
        (good61 + ":all-live-none", "6.1", "fails when every live detector silently failed "
         "(the doctored-fixture experiment)",
         r"^FAIL - \[6\.1 fentry\] detector mmap: fentry on dma_buf_mmap_internal: expected "
         r"fentry on dma_buf_mmap_internal, saw none on None"),
        (good61 + ":all-live-none", "6.1", "... and the findings it lost are FAILs, not skips",
         r"^FAIL - \[6\.1 kprobe\] test:insert_page procmem pid \d+: gup_on_dmabuf reported"),
        (good61 + ":detector-missing", "6.1", "fails on one detector silently missing",
         r"^FAIL - \[6\.1 fentry\] detector gup_fast: fentry on internal_get_user_pages_fast"),
        (good61 + ":detector-missing", "6.1", "... and on its missing findings",
         r"^FAIL - \[6\.1 fentry\] test:fault_page vmsplice pid \d+: gup_fast_on_dmabuf reported"),
        (good61 + ":wrong-function", "6.1", "fails on the wrong kernel function chosen",
         r"^FAIL - \[6\.1 fentry\] detector gup_fast: .*saw fentry on gup_fast_fallback"),
        (good61 + ":excused-missing", "6.1", "fails on a finding missing but 'excused' by "
         "gup_fast_unverified",
         r"^FAIL - \[6\.1 fentry\] test:insert_page vmsplice pid \d+: gup_fast_on_dmabuf reported"),
        (good61 + ":watch-excused", "6.1", "fails when watch excuses a missing finding where "
         "no kernel limit explains it",
         r"^FAIL - \[6\.1 fentry watch\] final counts equal the report's"),
        (good61 + ":follow-page-mask", "6.1", "fails when the auditor picks the 5.10 fallback "
         "(which would have skipped gup_blocked)",
         r"^FAIL - \[6\.1 fentry\] detector gup_slow: .*saw fentry on follow_page_mask"),
        (good61 + ":stack-cut", "6.1", "fails on a skip no kernel limit explains",
         r"^FAIL - \[6\.1 kprobe\] skips are exactly the ones the lab table explains"),
        (good61 + ":absent-not-skipped", "6.1", "fails when an expected skip does not happen",
         r"^FAIL - \[6\.1 fentry\] skips are exactly the ones the lab table explains"),
        (good61 + ":own-frame", "6.1", "fails on the auditor's own frame in a stack",
         r"^FAIL - \[6\.1 fentry\] test:fault_page procmem pid \d+: gup_on_dmabuf stack without"),
        (good61 + ":wrong-uid", "6.1", "fails on a finding with another uid than the process's",
         r"^FAIL - \[6\.1 fentry\] test:insert_page procmem \(uid 1000\) pid \d+: "
         r"mmap_without_pfnmap uid and cgroup_id"),
        (good61 + ":wait-timeout", "6.1", "fails on a wait that timed out in the guest",
         r"^FAIL - \[6\.1\] no wait in the guest timed out"),
        (good61 + ":probe-rc", "6.1", "fails on probe's exit status",
         r"^FAIL - \[6\.1 fentry\] probe exit status"),
        (good61 + ":stale-table", "6.1", "fails when the table no longer matches the kernel",
         r"^FAIL - \[6\.1\] /proc/kallsyms lacks gup_fast_fallback"),
        (good61 + ":repeat-short", "6.1", "fails on a repeat count short by calls the kernel "
         "did not say it skipped",
         r"^FAIL - \[6\.1 kprobe\] test:insert_page repeat pid \d+: gup_on_dmabuf count exact"),
        (good61 + ":repeat-missed", "6.1", "passes a repeat count short by exactly the calls the "
         "kernel counted as skipped, said by both auditors", None),
        (good61 + ":missed-unsaid", "6.1", "fails when the report does not say what the kernel "
         "skipped", r"^FAIL - \[6\.1 kprobe\] summary says what the kernel did not run it for"),
        (good61 + ":flood-uncounted", "6.1", "fails when events lost to the ring buffer go "
         "uncounted", r"^FAIL - \[6\.1 flood\] the stopped auditor's ring buffer overflowed"),
        ("good-5.10.txt.gz", "6.1", "fails on a 5.10 run checked as 6.1 (skips, functions)",
         r"^FAIL - \[6\.1 fentry\] detector gup_slow"),
        # the exporter module loaded after the auditors (issue 13 item 3)
        (good61 + ":late-neighbour", "6.1", "fails when a late module's frames are named "
         "after a neighbouring module",
         r"^FAIL - \[6\.1 late\] late-watch test:insert_page mmap pid \d+: "
         r"page_insert_on_dmabuf stack frames named, modules' only in"),
        (good61 + ":late-neighbour", "6.1", "... and its mmap_op",
         r"^FAIL - \[6\.1 late\] late-watch test:insert_page mmap pid \d+: "
         r"mmap_without_pfnmap module and mmap_op name the late module"),
        (good61 + ":late-unknown", "6.1", "fails when a late module's frames stay unknown",
         r"^FAIL - \[6\.1 late\] late-daemon test:insert_page mmap pid \d+: "
         r"page_insert_on_dmabuf stack frames named"),
        (good61 + ":late-raw", "6.1", "fails on a raw kernel address in an auditor's output",
         r"^FAIL - \[6\.1\] no raw kernel address in the auditors' output"),
        (good61 + ":kill-lost", "6.1", "fails when a process killed mid-GUP lost its findings",
         r"^FAIL - \[6\.1 kill\] killed trigger pid \d+: gup_on_dmabuf reported"),
        (good61 + ":fix-wrong", "6.1", "fails when the fix names another insertion path",
         r"^FAIL - \[6\.1 fentry\] test:fault_page mmap pid \d+: pte_not_special fix names the path"),
        (good61 + ":fix-missing", "6.1", "fails when a finding has no fix",
         r"^FAIL - \[6\.1 fentry\] test:insert_page vmsplice pid \d+: \w+ fix names the path"),
        (good61 + ":pfn-missing", "6.1", "fails when the module's pfn lookup is not reported",
         r"^FAIL - \[6\.1 fentry\] test:remap_pfn pfn_lookup pid \d+: kernel_pfn_lookup reported once"),
        (good61 + ":pfn-stray", "6.1", "fails on a pfn lookup no trigger made (PAT's own)",
         r"^FAIL - \[6\.1 fentry\] test:remap_pfn mmap pid \d+: no kernel_pfn_lookup"),
        (good61 + ":pfn-caller", "6.1", "fails when the caller is not the module's function",
         r"^FAIL - \[6\.1 fentry\] test:insert_pfn pfn_lookup pid \d+: kernel_pfn_lookup names"),
        (good61 + ":late-kept", "6.1", "fails when the module was not unloaded under the auditors",
         r"^FAIL - \[6\.1 late\] the module was unloaded while the auditors still ran"),
        (good61 + ":crowd-lost", "6.1", "fails when the crowd hid a GUP-fast",
         r"^FAIL - \[6\.1 crowd\] gup_fast_on_dmabuf of pid \d+ after \d+ other mapping"),
        (good61 + ":late-missing", "6.1", "fails when the late-module scenario is missing",
         r"^FAIL - \[6\.1 late\] the test module was unloaded before the auditors started"),
        # hostile buffer names and comms (issue 13)
        (good61 + ":hostile-esc", "6.1", "fails on a raw ESC in watch's terminal output",
         r"^FAIL - \[6\.1 hostile\] hostile-watch carries no control byte"),
        (good61 + ":hostile-esc", "6.1", "... and on the comm not shown as print_safe does",
         r"^FAIL - \[6\.1 hostile\] hostile-watch esc (mmap|procmem) pid \d+: comm and name"),
        (good61 + ":hostile-json", "6.1", "fails on a JSON line broken by a raw control byte",
         r"^FAIL - \[6\.1 hostile\] hostile every line is strict JSON in UTF-8"),
        (good61 + ":hostile-inject", "6.1", "fails on a series injected through a label",
         r"^FAIL - \[6\.1 hostile\] textfile: every line a declared dmabuf_audit_\* series"),
        (good61 + ":hostile-inject", "6.1", "... which promtool refuses too",
         r"^FAIL - \[6\.1 hostile\] textfile passes promtool check metrics"),
        (good61 + ":hostile-utf8", "6.1", "fails on invalid UTF-8 decoded other than json.c "
         "documents (U+FFFD)",
         r"^FAIL - \[6\.1 hostile\] hostile-daemon-json utf8 (mmap|procmem) pid \d+: comm and "
         r"buf_name decode"),
        (good61 + ":hostile-lost", "6.1", "fails on a finding a hostile name cost",
         r"^FAIL - \[6\.1 hostile\] hostile esc procmem pid \d+: gup_on_dmabuf reported"),
        (good61 + ":hostile-missing", "6.1", "fails when the hostile-names scenario is missing",
         r"^FAIL - \[6\.1 hostile\] quote mmap trigger ran"),
        (good61 + ":run-stray", "6.1", "fails on a finding of another process in run's report",
         r"^FAIL - \[6\.1 run\] grandchild: every finding is the trigger's"),
        (good61 + ":run-sigterm-lost", "6.1", "fails when SIGTERM did not reach the command",
         r"^FAIL - \[6\.1 run\] sigterm: SIGTERM went on to the command"),
        (good61 + ":run-fails-passed", "6.1", "fails when the command's own failure is not "
         "passed through", r"^FAIL - \[6\.1 run\] fails: the command's own failure passed"),
        (good61 + ":run-compliant-failed", "6.1", "fails when a compliant command fails the run",
         r"^FAIL - \[6\.1 run\] compliant: run exit 0"),
        (good61 + ":run-notfound-error", "6.1", "fails when a missing command is not exit 127",
         r"^FAIL - \[6\.1 run\] notfound: exit 127"),
        (good61 + ":run-outside-uncounted", "6.1", "fails when a violator outside the tree is "
         "not counted", r"^FAIL - \[6\.1 run\] outside: counted as outside the tree"),
        (good61 + ":inventory-daemon-unheld", "6.1", "fails when the daemon's unheld bytes miss "
         "the buffer only the kernel holds",
         r"^FAIL - \[6\.1 inventory\] daemon series of exporter"),
        # 2 MiB PMD entries (run_huge)
        (good61 + ":huge-missing", "6.1", "fails when run_huge's sections are missing",
         r"^FAIL - \[6\.1 huge\] report section"),
        (good72 + ":huge-lost", "7.2", "fails when the non-special entries are not reported",
         r"^FAIL - \[7\.2 huge\] test:huge_page huge pid \d+: exactly the expected findings"),
        (good72 + ":huge-wrong-kind", "7.2", "fails on huge_entry where the kernel has the bit",
         r"^FAIL - \[7\.2 huge\] test:huge_page huge pid \d+: huge_not_special reported once"),
        (good61 + ":huge-wrong-kind", "6.1", "fails on huge_not_special where there is no bit",
         r"^FAIL - \[6\.1 huge\] test:huge_page huge pid \d+: huge_entry reported once"),
        (good61 + ":huge-wrong-count", "6.1", "fails on a count that is not the module's",
         r"^FAIL - \[6\.1 huge-kprobe\] test:huge_page huge pid \d+: huge_entry count and hook"),
        (good72 + ":huge-compliant", "7.2", "fails on a finding for special PMD entries",
         r"^FAIL - \[7\.2 huge\] test:huge_pfn huge pid \d+: exactly the expected findings"),
        (good61 + ":huge-elsewhere", "6.1", "fails on a huge finding for another exporter",
         r"^FAIL - \[6\.1 huge\] no huge finding in any other report"),
        (good72 + ":huge-wrong-caller", "7.2", "fails on a caller outside the exporter",
         r"^FAIL - \[7\.2 huge\] test:huge_page huge pid \d+: huge_not_special caller and entry"),
        (good61 + ":huge-wrong-fix", "6.1", "fails on a fix without its replacement",
         r"^FAIL - \[6\.1 huge\] test:huge_page huge pid \d+: huge_entry fix names the "
         r"inserting function"),
        ("good-5.10.txt.gz:huge-no-warning", "5.10", "fails when a detector that cannot run "
         "in fentry mode is not warned about",
         r"^FAIL - \[5\.10 fentry\] stderr: a warning for each detector that cannot run"),
        (good72 + ":huge-unsupported", "7.2", "fails when the module cannot make the mode",
         r"^FAIL - \[7\.2 huge\] test:huge_page huge trigger ran and printed the module's"),
    ]

    def run_case(name, kver):
        fname, _, mut = name.partition(":")
        text = read_fixture(fname)
        # every good-* fixture is a whole lab run; the small made-up ones (a missing
        # exporter, a truncated run, a kernel warning) hold only what their case is about
        make = (lambda out: Checker(out)) if fname.startswith("good-") else (
            lambda out: Checker(out, late=False, hostile=False, fix=False, inventory=False,
                                run_cmd=False, huge=False))
        return run_checker(make, Checker.run, mutation(mut, text) if mut else text, kver)
    return run_self_tests([(name, what, pattern, kver) for name, kver, what, pattern in cases],
                          run_case)


# ---- what every lab checker shares (check_daemon.py, check_host.py use it too) ----

def run_checker(make, run, text, kver):
    """A checker run over TEXT with its output captured: (checker, output lines)."""
    buf = io.StringIO()
    c = make(buf)
    run(c, text, kver)
    return c, buf.getvalue().splitlines()


def run_self_tests(cases, run_case, min_passed=1):
    """Self-test cases (name, what, FAIL pattern or None, arg): run_case(name, arg) ->
    (checker, lines). A correct run (None) must pass with at least MIN_PASSED assertions;
    a doctored one must produce a FAIL line matching its pattern. Prints one line per
    case and "N passed, N failed"; True when every case held."""
    bad = 0
    for name, what, pattern, arg in cases:
        c, lines = run_case(name, arg)
        fails = [ln for ln in lines if ln.startswith("FAIL")]
        if pattern is None:
            good = c.failed == 0 and c.passed >= min_passed
            expect, saw = "0 failed", "%d passed, %d failed %s" % (c.passed, c.failed, fails[:3])
        else:
            good = c.failed > 0 and any(re.search(pattern, ln) for ln in lines)
            expect, saw = "a line matching %r" % pattern, "no such FAIL line: %s" % fails[:3]
        print("%s - self-test %s: %s%s" % ("ok" if good else "FAIL", name, what,
                                           "" if good else ": expected %s, saw %s" % (expect, saw)))
        bad += not good
    print("%d passed, %d failed" % (len(cases) - bad, bad))
    return bad == 0


def checker_main(argv, doc, self_test, make, run, scope=""):
    """The command line of a lab checker: RESULTS KVER, or --self-test."""
    if argv[1:] == ["--self-test"]:
        return 0 if self_test() else 1
    if len(argv) != 3:
        print(doc.strip(), file=sys.stderr)
        return 2
    path, kver = argv[1], short_kver(argv[2])
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError as e:
        print("FAIL - [%s%s] results file readable: expected %s, saw %s" % (kver, scope, path, e))
        print("0 passed, 1 failed")
        return 1
    c = make(sys.stdout)
    run(c, text, kver)
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 0 if c.failed == 0 else 1


def main(argv):
    return checker_main(argv, __doc__, self_test, Checker, Checker.run)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
