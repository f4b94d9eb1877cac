#!/usr/bin/env python3
"""The host tests (tests/host/run.sh and daemon.sh) as a lab guest ran them (guest-host.sh,
run_host_tests): re-emits each of their assertions prefixed "[KVER host]", and fails on a
missing or truncated section, a missing final count line, counts that do not add up, or an
exit status other than 0.

usage: check_host.py RESULTS KVER      (KVER: 6.1, 6.12 or a release such as 6.1.0-56-amd64)
       check_host.py --self-test

RESULTS is what the guest wrote to its results port: sections "@@BEGIN hosttests run" ...
"@@END hosttests run rc=N", the same for "hosttests daemon". Output as check.py: "ok - ...",
"FAIL - ...: expected X, saw Y", "skip - ..." (counted neither way), last line
"N passed, N failed". Python standard library only.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402

SCRIPTS = ("run", "daemon")
# What a guest cannot show, and only that: the guests have no python3, so daemon.sh skips its
# promtool and node_exporter checks (they run on the host and on the lab daemon's textfiles);
# run.sh runs as root on a kernel with BTF and must skip nothing.
GUEST_SKIP = {"run": None, "daemon": re.compile(r": no python3 here$")}
COUNTS = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$")
KINDS = (("ok - ", "ok"), ("FAIL - ", "FAIL"), ("skip - ", "skip"))


class HostChecker:
    def __init__(self, out=sys.stdout):
        self.passed = self.failed = 0
        self.out = out

    def say(self, s):
        print(s, file=self.out)

    def ok(self, cond, what, expected, saw):
        if cond:
            self.passed += 1
            self.say("ok - %s" % what)
        else:
            self.failed += 1
            self.say("FAIL - %s: expected %s, saw %s" % (what, expected, saw))
        return cond

    def script(self, secs, kver, name):
        pre = "[%s host] hosttests %s" % (kver, name)
        sec = secs.get("hosttests " + name)
        if not self.ok(sec is not None, "%s section present" % pre,
                       "@@BEGIN hosttests %s ... @@END" % name, "no such section"):
            return
        lines, attrs = sec.lines, sec.attrs
        seen = {"ok": 0, "FAIL": 0, "skip": 0}
        counts, stray, unexplained = None, [], []
        for ln in lines:
            for prefix, kind in KINDS:
                if ln.startswith(prefix):
                    seen[kind] += 1
                    if kind == "skip" and not (GUEST_SKIP[name] and GUEST_SKIP[name].search(ln)):
                        unexplained.append(ln)
                    self.say("%s[%s host] %s" % (prefix, kver, ln[len(prefix):]))
                    if kind == "ok":
                        self.passed += 1
                    elif kind == "FAIL":
                        self.failed += 1
                    break
            else:
                m = COUNTS.match(ln)
                if m:
                    counts = tuple(int(g) for g in m.groups())
                elif ln.startswith("# "):  # the script's notes (what the oracle saw)
                    self.say("# [%s host] %s" % (kver, ln[2:]))
                else:
                    stray.append(ln)
        for ln in stray[:5]:
            self.say("# [%s host] %s: %s" % (kver, name, ln[:200]))
        last = lines[-1][:120] if lines else "nothing"
        self.ok(attrs is not None, "%s ran to its end" % pre,
                "the section closed by @@END (a complete run)",
                "it cut after %d lines (last: %r)" % (len(lines), last))
        if self.ok(counts is not None, "%s printed its final count" % pre,
                   "a line 'N passed, N failed, N skipped'", "none (last line: %r)" % last):
            want = (seen["ok"], seen["FAIL"], seen["skip"])
            self.ok(counts == want, "%s: its count adds up (%d passed, %d failed, %d skipped)"
                    % ((pre,) + want), "%d passed, %d failed, %d skipped" % want,
                    "%d passed, %d failed, %d skipped" % counts)
        if attrs is not None:
            rc = attrs.get("rc")
            self.ok(rc == "0", "%s exit status 0" % pre, "rc=0", "rc=%s" % rc)
        want = "only its 'no python3 here' checks" if GUEST_SKIP[name] else "nothing"
        self.ok(not unexplained and (GUEST_SKIP[name] is None or seen["skip"] > 0),
                "%s skips exactly what a guest cannot show (%s)" % (pre, want), want,
                unexplained[:2] if unexplained else "no skip at all")

    def run(self, text, kver):
        secs = check.parse(text)[0]
        for name in SCRIPTS:
            self.script(secs, kver, name)


# ---- self-test ---------------------------------------------------------------

def mutate(text, name):
    """The good fixture with one defect planted."""
    lines = text.splitlines()
    if name == "missing-daemon":
        out, skip = [], False
        for ln in lines:
            if ln == "@@BEGIN hosttests daemon":
                skip = True
            if not skip:
                out.append(ln)
            if ln.startswith("@@END hosttests daemon"):
                skip = False
        return "\n".join(out) + "\n"
    if name == "truncated-run":
        i = lines.index("@@BEGIN hosttests run")
        return "\n".join(lines[:i + 4]) + "\n"
    if name == "no-count":
        return "\n".join(ln for ln in lines if not COUNTS.match(ln) or "hosttests" in ln) + "\n"
    if name == "rc":
        out = []
        for ln in lines:
            if ln.startswith("@@END hosttests daemon"):
                ln = "@@END hosttests daemon rc=1"
            out.append(ln)
        return "\n".join(out) + "\n"
    if name == "count-mismatch":
        # an assertion line lost on the way: the script's own count says one more
        out, dropped = [], False
        for ln in lines:
            if not dropped and ln.startswith("ok - ") and "probe" in ln:
                dropped = True
                continue
            out.append(ln)
        return "\n".join(out) + "\n"
    if name == "run-skip":  # run.sh skipping a group a root guest must check
        return text.replace("ok - dmabuf-audit probe: mmap on dma_buf_mmap_internal via fentry (oracle)",
                            "skip - dmabuf-audit probe: not root", 1).replace(
            "396 passed, 0 failed, 0 skipped", "395 passed, 0 failed, 1 skipped", 1)
    if name == "fail-line":
        return text.replace("ok - dmabuf-audit probe: mmap on dma_buf_mmap_internal via fentry (oracle)",
                            "FAIL - dmabuf-audit probe: expected 'mmap dma_buf_mmap_internal fentry' "
                            "(oracle), saw 'mmap dma_buf_mmap_internal none ...'", 1)
    raise ValueError(name)


def self_test():
    """The checker must be able to fail: each planted defect must produce its FAIL."""
    fx = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "host-6.1.txt")
    with open(fx) as f:
        good = f.read()
    cases = [
        (None, "passes a complete run", None),
        ("missing-daemon", "fails on a missing section",
         r"^FAIL - \[6\.1 host\] hosttests daemon section present"),
        ("truncated-run", "fails on a section cut short",
         r"^FAIL - \[6\.1 host\] hosttests run ran to its end"),
        ("truncated-run", "fails on a missing final count line (cut)",
         r"^FAIL - \[6\.1 host\] hosttests run printed its final count"),
        ("no-count", "fails on a missing final count line",
         r"^FAIL - \[6\.1 host\] hosttests daemon printed its final count"),
        ("rc", "fails on an exit status other than 0",
         r"^FAIL - \[6\.1 host\] hosttests daemon exit status 0: expected rc=0, saw rc=1"),
        ("count-mismatch", "fails when the assertions do not add up to the script's count",
         r"^FAIL - \[6\.1 host\] hosttests run: its count adds up"),
        ("run-skip", "fails on a skip a guest does not explain",
         r"^FAIL - \[6\.1 host\] hosttests run skips exactly what a guest cannot show"),
        ("fail-line", "re-emits a guest FAIL as a FAIL",
         r"^FAIL - \[6\.1 host\] dmabuf-audit probe: expected 'mmap dma_buf_mmap_internal fentry'"),
    ]

    def run_case(name, mut):
        return check.run_checker(HostChecker, HostChecker.run, mutate(good, mut) if mut else good,
                                 "6.1")
    return check.run_self_tests([("host-6.1.txt" + (":" + mut if mut else ""), what, pattern, mut)
                                 for mut, what, pattern in cases], run_case, min_passed=11)


def main(argv):
    return check.checker_main(argv, __doc__, self_test, HostChecker, HostChecker.run, " host")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
