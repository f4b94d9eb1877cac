#!/usr/bin/env python3
"""The verdict of `make demo` (tests/lab/run.sh --demo, guest-scenario.sh run_demo).

usage: check_demo.py RESULTS QEMU_RC [LOG]
       check_demo.py --self-test

The demo passes only when the auditor caught what the triggers' own oracle lines say is
there: `report` exits 1 (violations found, README "Exit status"); its human report has the
violating exporter's findings (test:insert_page read through /proc/self/mem: the mmap
without VM_PFNMAP, the GUP the trigger saw succeed, the pages the module says it inserted,
the non-special ptes smaps Rss counts), the scan's finding for the test:fault_page mapping
held since before the auditor started, and no violation for the compliant exporter
(test:remap_pfn: its refused GUP may be a gup_blocked warning). The guest must have run to
its end (qemu exit 0, @@DONE, no @@TIMEOUT, no kernel splat).

Every assertion goes to LOG ("ok - ..." / "FAIL - ...", last line "N passed, N failed");
on stdout one line "demo: PASS: ...", or on stderr one line
"demo: FAIL: expected ..., saw ..." (the first failed assertion) and exit 1.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check  # noqa: E402

VIOLATOR = ("test:insert_page", "procmem")
COMPLIANT = ("test:remap_pfn", "procmem")
HOLDER = "test:fault_page"
PAGE_KB = check.PAGE_KB


def human_findings(lines):
    """Findings of the VIOLATIONS and WARNINGS sections of `report`'s human output:
    dicts with severity, kind, exporter, inode, pid, tid, hook, vm_start, vm_end, count."""
    out, sev, kind, cur = [], None, None, None
    for ln in lines:
        if ln in ("VIOLATIONS", "WARNINGS"):
            sev, kind, cur = ln, None, None
            continue
        if not ln.strip():
            sev, kind, cur = None, None, None
            continue
        if sev is None:
            continue
        m = re.match(r"^  ([a-z_]+): ", ln)
        if m:
            kind, cur = m.group(1), None
            continue
        m = re.match(r"^\s+exporter (\S+)", ln)
        if m and kind:
            cur = {"severity": sev, "kind": kind, "exporter": m.group(1)}
            out.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r"^\s+buffer inode (\d+) ", ln)
        if m:
            cur["inode"] = int(m.group(1))
        m = re.match(r"^\s+process (\d+) \(.*\) tid (\d+) .*  via (\S+)$", ln)
        if m:
            cur.update(pid=int(m.group(1)), tid=int(m.group(2)), hook=m.group(3))
        m = re.match(r"^\s+vma (0x[0-9a-f]+)-(0x[0-9a-f]+) .*  count (\d+)$", ln)
        if m:
            cur.update(vm_start=m.group(1), vm_end=m.group(2), count=int(m.group(3)))
    return out


def fmt(found):
    if not found:
        return "none"
    return "; ".join("%s %s pid %s inode %s vma %s count %s via %s" % (
        f.get("kind"), f.get("exporter"), f.get("pid"), f.get("inode"), f.get("vm_start"),
        f.get("count"), f.get("hook")) for f in found)


class DemoChecker(check.Checker):
    def oracle(self, secs, head, what, rc=True):
        """The oracle line of section HEAD (a trigger ran to exit 0 if RC), or None."""
        sec = check.complete(secs, head)
        o = check.oracle_of(sec)
        good = sec is not None and (not rc or sec.attrs.get("rc") == "0") and \
            isinstance(o, dict) and all(k in o for k in check.ORACLE_KEYS)
        self.ok(good, "demo: %s oracle" % what,
                "%s's oracle line (section '%s'%s)" % (what, head, ", exit 0" if rc else ""),
                "no complete section" if sec is None else "exit %s, lines %r" % (
                    sec.attrs.get("rc"), sec.lines[:2]))
        return o if good else None

    def found(self, o, what, kind, fnd, count=None, hook=None):
        """A violation KIND on the oracle's buffer and vma, in its process."""
        mine = [f for f in fnd if f["severity"] == "VIOLATIONS" and f.get("pid") == o["pid"]]
        good = [f for f in mine if f["kind"] == kind and f["exporter"] == o["exporter"] and
                f.get("inode") == o["inode"] and
                check.hexint(f.get("vm_start")) == check.hexint(o["vm_start"]) and
                (hook is None or f.get("hook") == hook)]
        n = sum(f.get("count", 0) for f in good)
        self.ok(good and (count is None or n == count), "demo: %s: %s reported" % (what, kind),
                "%s for exporter %s (pid %d inode %d vma %s%s%s, %s's oracle) in the "
                "report" % (kind, o["exporter"], o["pid"], o["inode"], o["vm_start"],
                            " via " + hook if hook else "",
                            ", count %d" % count if count is not None else "", what),
                fmt(good or mine))

    def run(self, text, qrc):
        secs, meta = check.parse(text)
        self.mode = "demo"
        self.ok(qrc == "0", "demo: guest powered off", "qemu exit 0 (the guest powered off)",
                "exit %s%s" % (qrc, " (timeout)" if qrc == "124" else ""))
        self.ok("@@DONE" in meta, "demo: guest ran to completion", "@@DONE in the results",
                "results cut short, last marker %r" % (meta[-1] if meta else None))
        timeouts = [m[10:] for m in meta if m.startswith("@@TIMEOUT ")]
        self.ok(not timeouts, "demo: no wait in the guest timed out", "no @@TIMEOUT line",
                "; ".join(timeouts[:3]))
        dm = check.complete(secs, "dmesg")
        splat = [ln.strip() for ln in (dm.lines if dm else []) if check.SPLAT.search(ln)]
        self.ok(dm is not None and dm.lines and not splat, "demo: kernel log has no splat",
                "a complete dmesg section without WARNING/BUG/Oops",
                "; ".join(splat[:2]) if splat else "no complete dmesg section")

        held = self.oracle(secs, "hold demo %s" % HOLDER, "the %s holder" % HOLDER, rc=False)
        viol = self.oracle(secs, "trigger demo %s %s" % VIOLATOR, "trigger %s %s" % VIOLATOR)
        comp = self.oracle(secs, "trigger demo %s %s" % COMPLIANT, "trigger %s %s" % COMPLIANT)
        # the oracles against the module's modes: else the exporter, not the auditor, is wrong
        for o, e in ((held, HOLDER), (viol, VIOLATOR[0])):
            if o:
                self.ok("pf" not in o["vmflags"].split(), "demo: %s maps without VM_PFNMAP" % e,
                        "no 'pf' in %s's smaps VmFlags" % e, repr(o["vmflags"]))
        if comp:
            self.ok("pf" in comp["vmflags"].split() and comp["gup"] != "ok",
                    "demo: %s maps with VM_PFNMAP, GUP refused" % COMPLIANT[0],
                    "'pf' in %s's smaps VmFlags and its GUP refused" % COMPLIANT[0],
                    "VmFlags %r, gup %s" % (comp["vmflags"], comp["gup"]))

        ready = check.complete(secs, "ready demo")
        status = ready.lines[0].split()[0] if ready and ready.lines else None
        self.ok(status == "status=ok", "demo: auditor ready",
                "'dmabuf-audit: ready' (status=ok)", status or "no ready section")
        rep = check.complete(secs, "report demo")
        if not self.ok(rep is not None, "demo: report section", "the report (@@BEGIN/@@END "
                       "report demo)", "missing or cut short"):
            return False
        self.ok(rep.attrs.get("rc") == "1" and rep.attrs.get("killed") == "no",
                "demo: report exit status",
                "report exit status 1 (violations found) after SIGINT",
                "exit status %s (killed=%s)" % (rep.attrs.get("rc"), rep.attrs.get("killed")))
        fnd = human_findings(rep.lines)
        if held:
            self.found(held, "the held %s mapping" % HOLDER, "mmap_without_pfnmap", fnd,
                       hook="scan")
        if viol:
            what = "trigger %s %s" % VIOLATOR
            self.found(viol, what, "mmap_without_pfnmap", fnd)
            if viol["gup"] == "ok":
                self.found(viol, what, "gup_on_dmabuf", fnd)
            if isinstance(viol["inserted"], int) and viol["inserted"] > 0:
                self.found(viol, what, "page_insert_on_dmabuf", fnd, count=viol["inserted"])
            if isinstance(viol["rss_kb"], int) and viol["rss_kb"] > 0:
                self.found(viol, what, "pte_not_special", fnd, count=viol["rss_kb"] // PAGE_KB)
        if comp:
            bad = [f for f in fnd if f["severity"] == "VIOLATIONS" and
                   (f.get("pid") == comp["pid"] or f["exporter"] == comp["exporter"])]
            self.ok(not bad, "demo: no violation for the compliant %s" % COMPLIANT[0],
                    "no violation for exporter %s (pid %d)" % (comp["exporter"], comp["pid"]),
                    fmt(bad))
        return self.failed == 0


# ---- self-test: the verdict must be able to fail ----

def drop_findings(text, pred):
    """TEXT with every finding block of the report's VIOLATIONS for which PRED(exporter line,
    process line) holds removed."""
    out, block, in_viol = [], None, False

    def flush():
        if block and not pred(block):
            out.extend(block)
    for ln in text.splitlines():
        if ln == "VIOLATIONS":
            in_viol = True
        elif in_viol and (not ln.strip() or re.match(r"^  \S", ln)):
            flush()
            block = None
            in_viol = bool(ln.strip())
        elif in_viol and re.match(r"^\s+exporter ", ln):
            flush()
            block = [ln]
            continue
        if block is not None and in_viol:
            block.append(ln)
            continue
        out.append(ln)
    return "\n".join(out) + "\n"


def mutation(name, text):
    if name == "missing-finding":  # the violating trigger's findings gone
        return drop_findings(text, lambda b: b[0].split()[1] == "test_insert_page")
    if name == "scan-missing":  # the held mapping not reported
        return drop_findings(text, lambda b: any(ln.endswith("via scan") for ln in b))
    if name == "compliant-violation":  # a violation for the compliant exporter
        return text.replace("\nVIOLATIONS\n", "\nVIOLATIONS\n  mmap_without_pfnmap: planted\n"
                            "      exporter test_remap_pfn [dmabuf_test_exporter]\n"
                            "      buffer inode 3  size 16384 bytes\n", 1)
    if name == "rc0":
        return re.sub(r"^(@@END report demo) rc=1 ", r"\1 rc=0 ", text, flags=re.M)
    if name == "timeout":
        return text.replace("@@BEGIN report demo", "@@TIMEOUT demo holder test:fault_page: no "
                            "oracle line in 30 s\n@@BEGIN report demo", 1)
    if name == "no-holder":  # the holder printed no oracle line
        return re.sub(r"(@@BEGIN hold demo test:fault_page\n)stdout: \{.*\n", r"\1", text)
    raise ValueError(name)


def self_test():
    fixture = "demo-6.1.txt"
    cases = [  # (mutation, qemu exit status, what it proves, FAIL regex; None: must pass)
        ("", "0", "passes the recorded demo", None),
        ("missing-finding", "0", "fails when the violating exporter is not caught",
         r"^FAIL - demo: trigger test:insert_page procmem: mmap_without_pfnmap reported"),
        ("missing-finding", "0", "... every kind the oracle implies",
         r"^FAIL - demo: trigger test:insert_page procmem: page_insert_on_dmabuf reported"),
        ("scan-missing", "0", "fails when the held mapping is not reported",
         r"^FAIL - demo: the held test:fault_page mapping: mmap_without_pfnmap reported"),
        ("compliant-violation", "0", "fails on a violation for the compliant exporter",
         r"^FAIL - demo: no violation for the compliant test:remap_pfn"),
        ("rc0", "0", "fails when report exits 0",
         r"^FAIL - demo: report exit status: expected report exit status 1"),
        ("timeout", "0", "fails on a guest wait that timed out",
         r"^FAIL - demo: no wait in the guest timed out"),
        ("no-holder", "0", "fails without the holder's oracle",
         r"^FAIL - demo: the test:fault_page holder oracle"),
        ("", "124", "fails when qemu timed out", r"^FAIL - demo: guest powered off"),
    ]
    text = check.read_fixture(fixture)

    def run_case(name, qrc):
        mut = name.partition(":")[2]
        return check.run_checker(DemoChecker, DemoChecker.run,
                                 mutation(mut, text) if mut else text, qrc)
    return check.run_self_tests([(fixture + (":" + m if m else ""), what, pattern, qrc)
                                 for m, qrc, what, pattern in cases], run_case, min_passed=12)


def main(argv):
    if argv[1:] == ["--self-test"]:
        return 0 if self_test() else 1
    if len(argv) not in (3, 4):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[1], errors="replace") as f:
            text = f.read()
    except OSError as e:
        print("demo: FAIL: expected the results file %s, saw %s" % (argv[1], e), file=sys.stderr)
        return 1
    lines = check.run_checker(DemoChecker, DemoChecker.run, text, argv[2])[1]
    fails = [ln for ln in lines if ln.startswith("FAIL - ")]
    passed = sum(1 for ln in lines if ln.startswith("ok - "))
    log = argv[3] if len(argv) == 4 else None
    if log:
        with open(log, "w") as f:
            f.write("\n".join(lines + ["%d passed, %d failed" % (passed, len(fails))]) + "\n")
    if fails:
        first = re.sub(r"^FAIL - .*?: (expected .*)$", r"\1", fails[0])
        print("demo: FAIL: %s%s" % (first, " (%d more failed check%s%s)" % (
            len(fails) - 1, "s" if len(fails) > 2 else "", ": " + log if log else "")
            if len(fails) > 1 else ""), file=sys.stderr)
        return 1
    print("demo: PASS: %d checks against the triggers' oracles%s" % (
        passed, " (%s)" % log if log else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
