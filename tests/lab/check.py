#!/usr/bin/env python3
"""Assertions of the VM lab: compare the auditor's findings with the triggers' oracles.

usage: check.py RESULTS KVER      (KVER: 6.1, 6.12 or a release such as 6.1.0-56-amd64)
       check.py --self-test

RESULTS is what the guest wrote to ttyS1 (see guest-scenario.sh): sections
"@@BEGIN <kind> <tag> [args]" ... "@@END <kind> <tag> [args] [key=value...]".
Every assertion prints "ok - ..." or "FAIL - expected X, saw Y"; the last line is
"N passed, N failed". Exporters a kernel does not have (trigger exit 77 where allowed)
print "skip - ..." and count neither way. A missing or truncated section is a FAIL.
"""
import io
import json
import os
import re
import sys

MODES = ("fentry", "kprobe")
TEST_EXPORTERS = ("test:insert_page", "test:fault_page", "test:mixedmap",
                  "test:remap_pfn", "test:insert_pfn", "test:swap_file")
REAL_EXPORTERS = ("vgem", "udmabuf", "heap")
TEST_PATHS = ("mmap", "procmem", "vm_readv", "iouring", "import", "vmsplice")
REAL_PATHS = ("mmap", "procmem", "vm_readv", "iouring", "vmsplice")
# Paths whose GUP starts with the lockless walker (6.12 io_uring: pin_user_pages_fast).
# Pages it keeps are gup_fast_on_dmabuf; when it gives up, the slow path reports.
FAST_PATHS = ("vmsplice", "iouring")
# REPEAT_N one-page GUP calls each: counts must be exact, the stream must not flood.
REPEATS = (("test:insert_page", "repeat"), ("test:remap_pfn", "repeat"))
# The vma is split after the mmap (mprotect of the upper half), then GUP'd there.
SPLITS = (("test:swap_file", "split"), ("test:insert_page", "split"))
REPEAT_N = 100000
# Mappings made before the auditor starts: only the scan can report them.
HOLDERS = ("test:insert_page", "test:remap_pfn")
TEST_MODULE = "dmabuf_test_exporter"
TEST_MMAP_OP = "dtx_dmabuf_mmap [dmabuf_test_exporter]"
# Kernel facts (REFERENCE.md section 2): how each exporter maps its buffers.
COMPLIANT = {"test:remap_pfn", "test:insert_pfn", "vgem", "udmabuf", "heap"}
NONCOMPLIANT = {"test:insert_page", "test:fault_page", "test:mixedmap", "test:swap_file"}
VIOLATIONS = ("mmap_without_pfnmap", "gup_on_dmabuf", "page_insert_on_dmabuf",
              "gup_fast_on_dmabuf", "pte_not_special")
# Kernel log lines that mean the kernel (or the test module) went wrong.
SPLAT = re.compile(r"WARNING:|BUG:|Oops|general protection fault|Kernel panic|Call Trace:|"
                   r"UBSAN:|KASAN:|refcount_t:|list_add corruption|page dumped because")
ORACLE_KEYS = ("exporter_arg", "path", "pid", "exporter", "inode", "vm_start",
               "vmflags", "gup", "inserted", "rss_kb", "repeat", "buf_name")


def matrix():
    for e in TEST_EXPORTERS:
        for p in TEST_PATHS:
            yield e, p
    for e in REAL_EXPORTERS:
        for p in REAL_PATHS:
            yield e, p
    for e, p in REPEATS + SPLITS:
        yield e, p


def may_be_absent(kver, exporter, arch="amd64"):
    """Exporters allowed to be missing (exit 77), as Debian builds them (measured):
    udmabuf and dma-heaps are not built in 5.10 and 6.1, dma-heaps not on arm64."""
    if kver in ("5.10", "6.1") and exporter in ("udmabuf", "heap"):
        return True
    return arch == "arm64" and exporter == "heap"


def compliant(kver, exporter):
    """vgem maps struct pages without VM_PFNMAP on 5.10 (measured); compliant from 6.1."""
    if exporter == "vgem" and kver == "5.10":
        return False
    return exporter in COMPLIANT


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


def fmt(findings):
    if not findings:
        return "none"
    return "; ".join("%s exporter=%s inode=%s vm_start=%s count=%s%s" % (
        f.get("kind"), f.get("exporter"), f.get("inode"), f.get("vm_start"), f.get("count"),
        " gup_flags=%s" % ",".join(f.get("gup_flags") or []) if "gup_flags" in f else "")
        for f in findings)


class Checker:
    def __init__(self, out=sys.stdout):
        self.passed = self.failed = self.skipped = 0
        self.out = out
        self.det = {}  # detector -> mechanism in the mode being checked
        self.funcs = {}
        self.unverified = 0
        self.arch = "amd64"

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

    def skip(self, what):
        self.skipped += 1
        self.say("skip - " + what)

    # ---- one trigger (oracle) against the findings of one mode ----
    def need(self, what, *detectors):
        """True if one of the detectors attached in this mode; else say why it is skipped."""
        if any(self.det.get(d, "none") != "none" for d in detectors):
            return True
        self.skip("%s: detector %s not attached on this kernel (see probe)" % (what, "/".join(detectors)))
        return False

    def check_trigger(self, kver, label, exporter, path, o, fnd):
        pid = o["pid"]
        is_compliant = compliant(short_kver(kver), exporter)
        mine = [f for f in fnd if f.get("pid") == pid]

        def same_buf(f):
            return f.get("exporter") == o["exporter"] and f.get("inode") == o["inode"]

        def kind(k):
            return [f for f in mine if f.get("kind") == k]

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
                    "no 'pf' in smaps VmFlags (else the test module misbehaves)", repr(o["vmflags"]))

        # mmap_without_pfnmap
        mw = kind("mmap_without_pfnmap")
        if not self.need("%s: mmap_without_pfnmap" % what, "mmap_import" if path == "import" else "mmap"):
            pass
        elif not pf:
            good = [f for f in mw if same_buf(f) and hexint(f.get("vm_start")) == hexint(o["vm_start"])]
            self.ok(good, "%s: mmap_without_pfnmap reported" % what,
                    "mmap_without_pfnmap exporter=%s inode=%s vm_start=%s" % (
                        o["exporter"], o["inode"], o["vm_start"]), fmt(mine))
        else:
            self.ok(not mw, "%s: no mmap_without_pfnmap (vma has pf)" % what, "none", fmt(mw))

        # GUP: slow path (check_vma_flags) or lockless (gup_fast_on_dmabuf)
        gup, blocked, fast = kind("gup_on_dmabuf"), kind("gup_blocked"), kind("gup_fast_on_dmabuf")
        if not self.need("%s: GUP" % what, "gup_slow") or not self.need("%s: GUP-fast" % what, "gup_fast"):
            pass
        elif o["gup"] == "ok" and path in FAST_PATHS and self.unverified and \
                not [f for f in gup + fast if same_buf(f)]:
            self.skip("%s: %s GUP not verified: the kernel refused %d vma lookups (summary "
                      "gup_fast_unverified)" % (what, path, self.unverified))
        elif o["gup"] == "ok" and path in FAST_PATHS:
            good = [f for f in gup + fast if same_buf(f)]
            self.ok(good, "%s: %s GUP reported (fast or slow path)" % (what, path),
                    "gup_fast_on_dmabuf or gup_on_dmabuf exporter=%s inode=%s" % (
                        o["exporter"], o["inode"]), fmt(mine))
            if short_kver(kver) == "6.1" and path == "vmsplice":
                # measured: 6.1 vmsplice takes the pages in the lockless walk only
                self.ok([f for f in fast if same_buf(f)],
                        "%s: gup_fast_on_dmabuf reported (6.1: lockless path only)" % what,
                        "gup_fast_on_dmabuf exporter=%s inode=%s" % (o["exporter"], o["inode"]),
                        fmt(mine))
            if path == "iouring":
                pinned = [f for f in good
                          if {"FOLL_PIN", "FOLL_LONGTERM"} <= set(f.get("gup_flags") or [])]
                self.ok(pinned, "%s: io_uring GUP has FOLL_PIN|FOLL_LONGTERM" % what,
                        "gup_flags with FOLL_PIN and FOLL_LONGTERM", fmt(good))
        elif o["gup"] == "ok":
            good = [f for f in gup if same_buf(f)]
            self.ok(good, "%s: gup_on_dmabuf reported" % what,
                    "gup_on_dmabuf exporter=%s inode=%s" % (o["exporter"], o["inode"]), fmt(mine))
            if path == "repeat":
                n = sum(f.get("count", 0) for f in good)
                self.ok(n == REPEAT_N, "%s: gup_on_dmabuf count exact under %d repeats" % (what, REPEAT_N),
                        "count %d" % REPEAT_N, "%d (%s)" % (n, fmt(good)))
        elif o["gup"] == "refused" and self.funcs.get("gup_slow") == "follow_page_mask":
            self.ok(not gup and not fast, "%s: no GUP violation (gup refused, errno %s)"
                    % (what, o.get("gup_errno")), "no gup_on_dmabuf/gup_fast_on_dmabuf",
                    fmt(gup + fast))
            self.skip("%s: gup_blocked: follow_page_mask (5.10) only sees accepted vmas" % what)
        elif o["gup"] == "refused":
            good = [f for f in blocked if same_buf(f)]
            if path == "vmsplice":
                self.ok(not gup and not fast, "%s: no GUP violation (vmsplice refused, errno %s)"
                        % (what, o.get("gup_errno")), "no gup_on_dmabuf/gup_fast_on_dmabuf",
                        fmt(gup + fast))
            else:
                self.ok(good and not gup, "%s: gup_blocked and no gup_on_dmabuf (gup refused, errno %s)"
                        % (what, o.get("gup_errno")),
                        "gup_blocked exporter=%s inode=%s and no gup_on_dmabuf" % (o["exporter"], o["inode"]),
                        fmt(blocked + gup))
            if path == "repeat":
                n = sum(f.get("count", 0) for f in good)
                self.ok(n == REPEAT_N, "%s: gup_blocked count exact under %d repeats" % (what, REPEAT_N),
                        "count %d" % REPEAT_N, "%d (%s)" % (n, fmt(good)))
        else:
            self.ok(not gup and not blocked and not fast, "%s: no GUP finding (gup %s)" % (what, o["gup"]),
                    "no gup_on_dmabuf/gup_blocked/gup_fast_on_dmabuf", fmt(gup + blocked + fast))
        if o["gup"] != "ok" and self.det.get("gup_fast", "none") != "none":
            self.ok(not fast, "%s: no gup_fast_on_dmabuf (GUP did not get the pages)" % what,
                    "none", fmt(fast))

        # pte_not_special: smaps Rss counts exactly the present ptes that are not
        # special (vm_normal_page), so it is the oracle for struct-page ptes.
        pte = [f for f in kind("pte_not_special") if same_buf(f)
               and hexint(f.get("vm_start")) == hexint(o["vm_start"])]
        via = "insert_page" if isinstance(o["inserted"], int) and o["inserted"] > 0 else "pte_install"
        if not self.need("%s: pte_not_special" % what, via):
            pass
        elif isinstance(o["rss_kb"], int) and o["rss_kb"] > 0:
            self.ok(pte, "%s: pte_not_special reported (smaps Rss %d kB)" % (what, o["rss_kb"]),
                    "pte_not_special exporter=%s inode=%s vm_start=%s" % (
                        o["exporter"], o["inode"], o["vm_start"]), fmt(mine))
        else:
            self.ok(not pte, "%s: no pte_not_special (smaps Rss 0: only special ptes)" % what,
                    "none", fmt(pte))

        # attribution a driver engineer can act on
        for f in [f for f in mine if same_buf(f)]:
            k = f.get("kind")
            stack = f.get("stack")
            self.ok(f.get("buf_name") == o["buf_name"], "%s: %s buf_name" % (what, k),
                    repr(o["buf_name"]), repr(f.get("buf_name")))
            self.ok(f.get("uid") == 0 and isinstance(f.get("cgroup_id"), int),
                    "%s: %s uid and cgroup_id" % (what, k), "uid 0, integer cgroup_id",
                    "uid %r cgroup_id %r" % (f.get("uid"), f.get("cgroup_id")))
            self.ok(isinstance(stack, list) and stack and
                    all(isinstance(x, str) and not x.startswith("0x") for x in stack),
                    "%s: %s stack symbolized" % (what, k), "non-empty list of symbols",
                    repr(stack)[:200])
            if exporter.startswith("test:"):
                self.ok(f.get("module") == TEST_MODULE and f.get("mmap_op") == TEST_MMAP_OP,
                        "%s: %s module and mmap_op" % (what, k),
                        "module %s, mmap_op %r" % (TEST_MODULE, TEST_MMAP_OP),
                        "module %r, mmap_op %r" % (f.get("module"), f.get("mmap_op")))
            if k in ("page_insert_on_dmabuf",) and stack and stack[-1].startswith("kretprobe_trampoline"):
                # before 5.14 the unwinder stops at a return address another kretprobe
                # on the function replaced (here: the second auditor's)
                self.skip("%s: %s stack cut at kretprobe_trampoline (kernel before 5.14)" % (what, k))
            elif k in ("page_insert_on_dmabuf",):
                self.ok(any("[%s]" % TEST_MODULE in x for x in stack or []),
                        "%s: %s stack shows the exporter's code" % (what, k),
                        "a frame in [%s]" % TEST_MODULE, repr(stack)[:300])

        # page insertion
        ins = kind("page_insert_on_dmabuf")
        if not self.need("%s: page_insert_on_dmabuf" % what, "insert_page"):
            pass
        elif isinstance(o["inserted"], int) and o["inserted"] > 0:
            n = sum(f.get("count", 0) for f in ins)
            self.ok(n == o["inserted"], "%s: page_insert_on_dmabuf count" % what,
                    "count summed = %d (module parameter delta)" % o["inserted"],
                    "%d (%s)" % (n, fmt(ins)))
        elif o["inserted"] == 0:
            self.ok(not ins, "%s: no page_insert_on_dmabuf (inserted 0)" % what, "none", fmt(ins))

        if is_compliant:
            bad = [f for f in mine if f.get("kind") in VIOLATIONS]
            self.ok(not bad, "%s: no violation for compliant %s" % (what, exporter),
                    "no violation finding", fmt(bad))

    # ---- one attach mode ----
    def check_mode(self, kver, mode, secs):
        pre = "[%s %s]" % (kver, mode)
        probe = complete(secs, "probe " + mode)
        if probe:  # informative only: the contract does not define probe's exit status
            tail = [ln for ln in probe.lines if ln.strip()][-1:] or ["(no output)"]
            self.say("# %s probe (exit %s): %s" % (pre, probe.attrs.get("rc"), tail[0].strip()))

        ready = complete(secs, "ready " + mode)
        status = None
        if ready and ready.lines:
            m = re.match(r"status=(\S+)", ready.lines[0])
            status = m.group(1) if m else None
        self.ok(status == "ok", "%s auditor printed 'dmabuf-audit: ready'" % pre,
                "status=ok", ("; ".join(ready.lines[:6]) if ready else "no complete ready section"))

        rep = complete(secs, "report " + mode)
        findings, mappings, summary, bad_lines = [], [], None, []
        if rep:
            for ln in rep.lines:
                if not ln.strip():
                    continue
                try:
                    j = json.loads(ln)
                except ValueError:
                    bad_lines.append(ln)
                    continue
                if isinstance(j, dict) and "summary" in j:
                    summary = j
                elif isinstance(j, dict) and "mapping" in j:
                    mappings.append(j["mapping"])
                elif isinstance(j, dict):
                    findings.append(j)
                else:
                    bad_lines.append(ln)
        # Detectors this kernel could not attach are skipped (visibly), never passed.
        self.det = (summary or {}).get("summary", {}).get("detectors") or {}
        # GUP-fast pages whose vma lookup the kernel refused (bpf_find_vma -EBUSY):
        # the auditor counts them; a missing gup_fast finding is then not silent.
        self.unverified = (summary or {}).get("summary", {}).get("gup_fast_unverified") or 0
        # which kernel function each detector uses (follow_page_mask: refusals are invisible)
        self.funcs = (summary or {}).get("summary", {}).get("functions") or {}
        if self.ok(rep is not None, "%s report section present" % pre, "@@BEGIN/@@END report " + mode,
                   "missing or truncated"):
            self.check_report(pre, rep, summary, bad_lines)
        self.check_triggers(kver, pre, mode, secs, findings)
        self.check_seen(pre, mode, secs, summary)
        self.check_scan(pre, mode, secs, findings, mappings, summary)
        self.check_watch(pre, mode, secs, findings)
        self.check_pid_filter(pre, mode, secs)

    def check_report(self, pre, rep, summary, bad_lines):
        self.ok(not bad_lines, "%s report lines are JSON" % pre,
                "JSON lines only", "%d bad, first %r" % (len(bad_lines), bad_lines[:1]))
        nonempty = [ln for ln in rep.lines if ln.strip()]
        try:
            last = json.loads(nonempty[-1]) if nonempty else None
        except ValueError:
            last = None
        self.ok(isinstance(last, dict) and "summary" in last, "%s summary line last" % pre, '{"summary":...} as last line',
                summary if summary else "none")
        rc = rep.attrs.get("rc")
        self.ok(rc == "1", "%s auditor exit status 1 (violations present)" % pre, "1",
                "%s%s" % (rc, " (SIGKILLed after SIGINT timeout)" if rep.attrs.get("killed") == "yes" else ""))

    def check_seen(self, pre, mode, secs, summary):
        """Every successful dma-buf mmap was seen, compliant ones too: the hooks were alive."""
        want = {"dma_buf_mmap_internal": 0, "dma_buf_mmap": 0}
        for exporter, path in matrix():
            sec = complete(secs, "trigger %s %s %s" % (mode, exporter, path))
            if sec is not None and sec.attrs.get("rc") == "0":
                want["dma_buf_mmap" if path == "import" else "dma_buf_mmap_internal"] += 1
        sm = (summary or {}).get("summary", {})
        seen = sm.get("seen", {})
        for hook, n in sorted(want.items()):
            if not self.need("%s summary seen %s" % (pre, hook),
                             "mmap_import" if hook == "dma_buf_mmap" else "mmap"):
                continue
            self.ok(seen.get(hook) == n, "%s summary seen %s" % (pre, hook),
                    "%d (one per trigger that mapped through it)" % n, seen.get(hook))
        if not self.need("%s vm_file swap tracking" % pre, "vma_dup") or \
                not self.need("%s vm_file swap tracking" % pre, "vma_free"):
            return
        # vm_file-swapped vmas: followed through the split, all forgotten once freed
        split = complete(secs, "trigger %s test:swap_file split" % mode)
        if split is not None and split.attrs.get("rc") == "0":
            self.ok((seen.get("vm_area_dup") or 0) >= 1, "%s swapped vma followed through vm_area_dup" % pre,
                    "seen vm_area_dup >= 1", seen.get("vm_area_dup"))
        self.ok(sm.get("tracked_vmas") == 0, "%s no swapped vma left tracked after its process exited" % pre,
                "tracked_vmas 0", sm.get("tracked_vmas"))

    def check_watch(self, pre, mode, secs, findings):
        """`watch --json` ran beside `report`: its live events must add up to the report."""
        pre = pre[:-1] + " watch]"
        ready = complete(secs, "ready %s-watch" % mode)
        self.ok(ready is not None and ready.lines and ready.lines[0].startswith("status=ok"),
                "%s auditor printed 'dmabuf-audit: ready'" % pre, "status=ok",
                "; ".join(ready.lines[:6]) if ready else "no complete ready section")
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
            if f.get("hook") == "scan":
                want[key(f)] = want.get(key(f), 0) + f.get("count", 0)
                continue
            want[key(f)] = want.get(key(f), 0) + f.get("count", 0)
        # A gup_fast finding one side missed is tolerated only when that side counted
        # refused vma lookups (report: summary; watch: its warning line on stderr).
        werr = complete(secs, "auditor-stderr %s-watch" % mode)
        m = re.search(r"gup_fast_unverified (\d+)", "\n".join(werr.lines if werr else []))
        watch_unverified = int(m.group(1)) if m else 0

        def excused(k):
            if k[0] != "gup_fast_on_dmabuf":
                return False
            return (k not in seen and watch_unverified) or (k not in want and self.unverified)
        for k in sorted(k for k in set(want) | set(seen) if want.get(k) != seen.get(k) and excused(k)):
            self.skip("%s %s: seen by one auditor only, the other counted refused vma lookups" % (pre, k))
        diff = sorted(str(k) + ": report %s, watch %s" % (want.get(k), seen.get(k))
                      for k in set(want) | set(seen) if want.get(k) != seen.get(k) and not excused(k))
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
        sm = (summary or {}).get("summary", {}).get("scan")
        self.ok(isinstance(sm, dict) and sm.get("processes", 0) > 0 and sm.get("vmas", 0) > 0,
                "%s summary has scan totals" % pre, "scan {processes>0, vmas>0, dmabuf_vmas}", sm)
        for e in HOLDERS:
            sec = complete(secs, "hold %s %s" % (mode, e))
            o = None
            for ln in (sec.lines if sec else []):
                if ln.startswith("stdout: "):
                    try:
                        o = json.loads(ln[8:])
                    except ValueError:
                        pass
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
            if e in NONCOMPLIANT:
                good = [f for f in mine if f.get("kind") == "mmap_without_pfnmap" and
                        f.get("hook") == "scan" and f.get("inode") == ino and
                        hexint(f.get("vm_start")) == hexint(o["vm_start"])]
                self.ok(good, "%s: scan reports mmap_without_pfnmap" % what,
                        "mmap_without_pfnmap hook=scan pid %d inode %d" % (pid, ino), fmt(mine))
                if good and self.det.get("scan") == "proc":
                    self.skip("%s: scan finding module and mmap_op: /proc does not show them" % what)
                elif good:
                    self.ok(good[0].get("module") == TEST_MODULE and
                            good[0].get("mmap_op") == TEST_MMAP_OP,
                            "%s: scan finding module and mmap_op" % what,
                            "%s / %s" % (TEST_MODULE, TEST_MMAP_OP),
                            "%r / %r" % (good[0].get("module"), good[0].get("mmap_op")))
            else:
                bad = [f for f in mine if f.get("kind") in VIOLATIONS]
                self.ok(not bad, "%s: compliant mapping, no violation" % what, "none", fmt(bad))

    def check_pid_filter(self, pre, mode, secs):
        """`watch -p PID` beside another violating process: only PID's events."""
        pre = pre[:-1] + " watch -p]"
        pf = complete(secs, "pidfilter " + mode)
        noise = complete(secs, "trigger %s-pid test:insert_page mmap" % mode)
        out = complete(secs, "report %s-pid" % mode)
        if not self.ok(pf and noise and out, "%s sections present" % pre,
                       "pidfilter, noise trigger and watch output sections", "missing or truncated"):
            return
        target, noise_pid = None, None
        for ln in pf.lines:
            m = re.match(r"target=(\d+) rc=0$", ln)
            target = int(m.group(1)) if m else target
        for ln in noise.lines:
            if ln.startswith("stdout: "):
                try:
                    noise_pid = json.loads(ln[8:]).get("pid")
                except ValueError:
                    pass
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
        want = ([] if self.det.get("mmap", "none") == "none" else ["mmap_without_pfnmap"]) + \
            ([] if self.det.get("insert_page", "none") == "none"
             else ["page_insert_on_dmabuf", "pte_not_special"])
        if not want:
            self.skip("%s: no live detector attached on this kernel (see probe)" % pre)
            return
        self.ok(pids == [target], "%s shows only pid %d" % (pre, target),
                "events of pid %d only (noise pid %d ran meanwhile)" % (target, noise_pid),
                "pids %s" % pids)
        self.ok(kinds == want, "%s shows the target's violations" % pre, ", ".join(want), kinds)

    def check_triggers(self, kver, pre, mode, secs, findings):
        for exporter, path in matrix():
            label = "%s %s %s" % (pre, exporter, path)
            sec = complete(secs, "trigger %s %s %s" % (mode, exporter, path))
            if not self.ok(sec is not None, "%s trigger section present" % label,
                           "complete trigger section", "missing or truncated"):
                continue
            out = [ln[8:] for ln in sec.lines if ln.startswith("stdout: ")]
            err = [ln[8:] for ln in sec.lines if ln.startswith("stderr: ")]
            trc = sec.attrs.get("rc")
            if trc == "77" and may_be_absent(kver, exporter, self.arch):
                self.skip("%s unsupported here (exit 77: %s)" % (label, "; ".join(err)))
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
                isinstance(o.get("pid"), int) and o.get("exporter_arg") == exporter and o.get("path") == path
            if not self.ok(valid, "%s oracle line" % label,
                           "one JSON line with %s for %s %s" % (",".join(ORACLE_KEYS), exporter, path),
                           repr(out)):
                continue
            self.check_trigger(kver, label, exporter, path, o, findings)

    def run(self, text, kver):
        secs, meta = parse(text)
        lab = [m for m in meta if m.startswith("@@LAB kernel=")]
        self.arch = "arm64" if lab and lab[0].rstrip().endswith("-arm64") else "amd64"
        self.ok("@@DONE" in meta, "[%s] guest ran to completion" % kver, "@@DONE in results",
                "truncated results (crash or timeout?), last marker %r" % (meta[-1] if meta else None))
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
        for mode in MODES:
            before = (self.passed, self.failed, self.skipped)
            self.check_mode(kver, mode, secs)
            self.say("# [%s %s] %d passed, %d failed, %d unsupported" % (
                kver, mode, self.passed - before[0], self.failed - before[1], self.skipped - before[2]))
        return self.failed == 0


def drop_first_watch_event(text):
    """A correct run with one line of the fentry watch stream removed."""
    out, on, dropped = [], False, False
    for ln in text.splitlines(True):
        if ln.rstrip("\r\n") == "@@BEGIN report fentry-watch":
            on = True
        elif on and not dropped and ln.startswith("{"):
            dropped = True
            continue
        out.append(ln)
    return "".join(out)


def trigger_pid(text, mode, exporter, path):
    sec = complete(parse(text)[0], "trigger %s %s %s" % (mode, exporter, path))
    for ln in sec.lines if sec else []:
        if ln.startswith("stdout: "):
            return json.loads(ln[8:])["pid"]
    raise ValueError("no oracle for %s %s" % (exporter, path))


def mutate_report(text, mode, fn):
    """A correct run whose `report MODE` finding lines went through fn(dict) -> [dict]."""
    out, on = [], False
    for ln in text.splitlines(True):
        s = ln.rstrip("\r\n")
        if s == "@@BEGIN report " + mode:
            on = True
        elif s.startswith("@@END report " + mode + " "):
            on = False
        elif on and s.startswith('{"kind"'):
            out.extend(json.dumps(j, separators=(",", ":")) + "\n" for j in fn(json.loads(s)))
            continue
        out.append(ln)
    return "".join(out)


def mutation(name, text):
    """Bad runs made from the good fixture: each must produce its specific FAIL."""
    if name == "missing-finding":
        pid = trigger_pid(text, "fentry", "test:insert_page", "procmem")
        return mutate_report(text, "fentry", lambda j: [] if (
            j["pid"] == pid and j["kind"] == "gup_on_dmabuf") else [j])
    if name == "wrong-exporter":
        pid = trigger_pid(text, "fentry", "test:fault_page", "mmap")
        return mutate_report(text, "fentry", lambda j: [dict(j, exporter="wrong")] if (
            j["pid"] == pid and j["kind"] == "mmap_without_pfnmap") else [j])
    if name == "compliant-violation":
        pid = trigger_pid(text, "fentry", "test:remap_pfn", "procmem")
        return mutate_report(text, "fentry", lambda j: [j, dict(j, kind="mmap_without_pfnmap")] if (
            j["pid"] == pid and j["kind"] == "gup_blocked") else [j])
    if name == "watch-lost":
        return drop_first_watch_event(text)
    raise ValueError(name)


def self_test():
    """The checker must be able to fail: each bad fixture must produce its specific FAIL."""
    fx = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
    cases = [  # (fixture[:mutation], kver, what it proves, regex of the FAIL it must produce; None: must pass)
        ("good-6.1.txt", "6.1", "passes a correct run", None),
        ("good-6.1.txt:missing-finding", "6.1", "fails on a missing gup_on_dmabuf",
         r"^FAIL - \[6\.1 fentry\] test:insert_page procmem pid \d+: gup_on_dmabuf reported"),
        ("good-6.1.txt:wrong-exporter", "6.1", "fails on a finding with the wrong exporter",
         r"^FAIL - \[6\.1 fentry\] test:fault_page mmap pid \d+: mmap_without_pfnmap reported"),
        ("good-6.1.txt:compliant-violation", "6.1", "fails on a violation for a compliant exporter",
         r"^FAIL - \[6\.1 fentry\] test:remap_pfn procmem pid \d+: no violation for compliant"),
        ("good-6.1.txt:compliant-violation", "6.1", "fails on mmap_without_pfnmap for a pf vma",
         r"^FAIL - \[6\.1 fentry\] test:remap_pfn procmem pid \d+: no mmap_without_pfnmap"),
        ("missing-exporter.txt", "6.12", "fails when a required exporter is absent (exit 77)",
         r"^FAIL - \[6\.12 fentry\] udmabuf mmap trigger exit 0: expected exit 0, saw exit 77"),
        ("truncated.txt", "6.1", "fails on results cut short",
         r"^FAIL - \[6\.1\] guest ran to completion"),
        ("truncated.txt", "6.1", "fails on a missing trigger section",
         r"^FAIL - \[6\.1 kprobe\] vgem iouring trigger section present"),
        ("kernel-warning.txt", "6.1", "fails on a kernel WARNING",
         r"^FAIL - \[6\.1\] kernel log has no WARNING/BUG/Oops: .*vm_insert_page"),
        ("good-6.1.txt:watch-lost", "6.1", "fails when watch lost an event the report counted",
         r"^FAIL - \[6\.1 fentry watch\] final counts equal the report's"),
    ]
    bad = 0
    for name, kver, what, pattern in cases:
        fname, _, mut = name.partition(":")
        with open(os.path.join(fx, fname)) as f:
            text = f.read()
        if mut:
            text = mutation(mut, text)
        buf = io.StringIO()
        c = Checker(buf)
        c.run(text, kver)
        lines = buf.getvalue().splitlines()
        if pattern is None:
            good = c.failed == 0 and c.passed > 0
            saw = "%d passed, %d failed %s" % (c.passed, c.failed,
                                                [ln for ln in lines if ln.startswith("FAIL")][:3])
            expect = "0 failed"
        else:
            good = any(re.search(pattern, ln) for ln in lines)
            saw = "no such FAIL line"
            expect = "a line matching %r" % pattern
        print("%s - self-test %s: %s%s" % ("ok" if good else "FAIL", name, what,
                                           "" if good else ": expected %s, saw %s" % (expect, saw)))
        bad += not good
    print("%d passed, %d failed" % (len(cases) - bad, bad))
    return bad == 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return 0 if self_test() else 1
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, kver = argv[1], short_kver(argv[2])
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError as e:
        text = ""
        print("FAIL - [%s] results file readable: expected %s, saw %s" % (kver, path, e))
        print("0 passed, 1 failed")
        return 1
    c = Checker()
    c.run(text, kver)
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
