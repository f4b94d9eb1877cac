#!/usr/bin/env python3
"""Assertions of the lab's daemon run and of `report --fail-on` (guest-scenario.sh
run_daemon, run_fail_on), against the triggers' oracles and the real Prometheus
consumers: every textfile the guest wrote goes through `promtool check metrics` and is
scraped by Debian's prometheus-node-exporter over HTTP (tests/prom/promcheck.py).

usage: check_daemon.py RESULTS KVER
       check_daemon.py --self-test

Output as check.py: "ok - ..." / "FAIL - ...: expected X, saw Y", last line
"N passed, N failed".
"""
import io
import json
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "prom"))
import check  # noqa: E402
import promcheck  # noqa: E402

CAP_BPF, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH = 39, 19, 2
TEXTFILES = ("1", "2", "full", "ro", "final")
NOTIFY_ORDER = ("READY=1", "RELOADING=1", "READY=1", "STOPPING=1")


def oracle(secs, head, killed=False):
    """The trigger's oracle (dict) from section HEAD, or None. killed: a holder, ended by
    SIGTERM, whose section has no exit status."""
    s = check.complete(secs, head)
    if s is None or (not killed and s.attrs.get("rc") != "0"):
        return None
    for ln in s.lines:
        if ln.startswith("stdout: {"):
            try:
                return json.loads(ln[8:])
            except ValueError:
                return None
    return None


def json_lines(sec):
    out, bad = [], []
    for ln in sec.lines if sec else []:
        try:
            out.append(json.loads(ln))
        except ValueError:
            bad.append(ln)
    return out, bad


class DaemonChecker(check.Checker):
    def notify(self, sec):
        return [ln[8:] for ln in sec.lines if ln.startswith("notify: ")] if sec else []

    def check_ready(self, pre, secs):
        """READY=1 after attach, its STATUS table, capabilities, pid file. -> table dict."""
        sec = check.complete(secs, "daemon-ready")
        if not self.ok(sec is not None, "%s ready section" % pre, "complete section", "missing"):
            return {}
        msgs = self.notify(sec)
        ready = [m for m in msgs if m.startswith("READY=1")]
        if not self.ok(ready, "%s READY=1 sent" % pre, "a READY=1 datagram within 60 s", msgs):
            return {}
        table = dict(w.split("=", 1) for w in ready[0].split("; ")[-1].split() if "=" in w)
        self.ok(len(table) == 10 and "STATUS=" in ready[0],
                "%s READY=1 carries STATUS= with the attach table" % pre,
                "10 detector=mechanism pairs", ready[0])
        head = dict(w.split("=", 1) for w in sec.lines[0].split() if "=" in w) if sec.lines else {}
        self.ok(head.get("pid") and head.get("pid") == head.get("pidfile"),
                "%s pidfile holds the daemon's pid" % pre, "pid=X pidfile=X", sec.lines[:1])
        keep = 1 << CAP_BPF
        if table.get("scan") == "proc":
            keep |= 1 << CAP_SYS_PTRACE | 1 << CAP_DAC_READ_SEARCH
        caps = dict(ln.split(":", 1) for ln in sec.lines if ln.startswith("Cap"))
        for c in ("CapEff", "CapPrm", "CapBnd"):
            self.ok(caps.get(c, "").strip() == "%016x" % keep,
                    "%s %s after attach is only what reading BPF maps%s needs" % (
                        pre, c, " and the /proc scan" if keep != 1 << CAP_BPF else ""),
                    "%016x" % keep, caps.get(c, "").strip() or None)
        return table

    def check_json(self, pre, secs, trig):
        old, bad1 = json_lines(check.complete(secs, "daemon-file daemon.json.1"))
        new, bad2 = json_lines(check.complete(secs, "daemon-file daemon.json"))
        self.ok(old and not bad1 and not bad2, "%s JSON log lines are JSON" % pre,
                "valid JSON lines in daemon.json.1", "%d lines, bad %r" % (len(old), (bad1 + bad2)[:2]))
        a, noisy, remap, hup = trig["a"], trig["noisy"], trig["remap"], trig["hup"]
        if a:
            f = [j for j in old if j.get("pid") == a["pid"] and j.get("kind") == "mmap_without_pfnmap"]
            self.ok(f and f[0].get("exporter") == a["exporter"] and f[0].get("inode") == a["inode"],
                    "%s planted violation after READY=1 logged (pid %d)" % (pre, a["pid"]),
                    "mmap_without_pfnmap exporter %s inode %s" % (a["exporter"], a["inode"]), f[:1])
        if remap:
            f = [j for j in old + new if j.get("pid") == remap["pid"] and j.get("kind") in check.VIOLATIONS]
            self.ok(not f, "%s compliant exporter logs no violation" % pre, "none", f[:1])
        if noisy:
            f = [j for j in old + new if j.get("pid") == noisy["pid"]]
            self.ok(not f, "%s suppressed comm noisy-* not logged (pid %d)" % (pre, noisy["pid"]), "none",
                    f[:1])
        if hup:
            f_old = [j for j in old if j.get("pid") == hup["pid"]]
            f_new = [j for j in new if j.get("pid") == hup["pid"]]
            self.ok(not f_old and any(j.get("kind") == "mmap_without_pfnmap" for j in f_new),
                    "%s after SIGHUP findings go to the reopened JSON file" % pre,
                    "pid %d in daemon.json only" % hup["pid"],
                    "old %d lines, new kinds %s" % (len(f_old), [j.get("kind") for j in f_new]))
            self.ok(not [j for j in f_new if j.get("kind") == "page_insert_on_dmabuf"],
                    "%s rule added by SIGHUP suppresses page_insert_on_dmabuf" % pre, "none",
                    [j for j in f_new if j.get("kind") == "page_insert_on_dmabuf"][:1])
        # one finding may be printed again (count grew): its last count counts
        last = {}
        for j in old + new:
            last[(j.get("kind"), j.get("pid"), j.get("inode"), j.get("vm_start"))] = j
        return list(last.values())

    def textfile(self, pre, secs, tag, tmp):
        """Checks textfile TAG with promtool and node_exporter. -> samples or None."""
        sec = check.complete(secs, "textfile " + tag)
        lst = check.complete(secs, "tfdir " + tag)
        if not self.ok(sec is not None and sec.lines, "%s textfile %s present" % (pre, tag),
                       "a complete section", "missing or empty"):
            return None
        allowed = {"dmabuf_audit.prom"} | ({"fill"} if tag == "full" else set())
        names = set(lst.lines) if lst else None
        self.ok(names == allowed, "%s textfile dir %s holds only %s (no temp file)" % (
            pre, tag, sorted(allowed)), sorted(allowed), sorted(names) if names is not None else None)
        d = os.path.join(tmp, tag)
        os.makedirs(d)
        path = os.path.join(d, "dmabuf_audit.prom")
        with open(path, "w") as f:
            f.write("\n".join(sec.lines) + "\n")
        good, out = promcheck.promtool_check(path)
        self.ok(good, "%s textfile %s passes promtool check metrics" % (pre, tag), "no lint output",
                out.strip()[:300])
        try:
            samples, _ = promcheck.scrape(d)
        except Exception as e:  # noqa: BLE001 -- any failure of the consumer is a FAIL
            self.ok(False, "%s textfile %s scraped by node_exporter" % (pre, tag), "a scrape", e)
            return None
        err = promcheck.series(samples, "node_textfile_scrape_error")
        dup = promcheck.series(samples, "promhttp_metric_handler_errors_total", cause="gathering")
        self.ok(err == 0 and not dup, "%s textfile %s scraped by node_exporter: "
                "node_textfile_scrape_error 0, no duplicate series" % (pre, tag),
                "0 and 0", "%s and %s" % (err, dup))
        return samples

    def expect(self, pre, samples, tag, name, value, **labels):
        saw = promcheck.series(samples, name, **labels) if samples else None
        self.ok(saw == value, "%s textfile %s %s{%s}" % (
            pre, tag, name, ",".join("%s=%s" % kv for kv in sorted(labels.items()))), value, saw)

    def check_textfiles(self, pre, secs, trig, findings, table):
        a, noisy, hup, hold = trig["a"], trig["noisy"], trig["hup"], trig["hold"]
        exp = a["exporter"] if a else "test_insert_page"
        inserts = self.det.get("insert_page", "none") != "none"
        with tempfile.TemporaryDirectory() as tmp:
            got = {t: self.textfile(pre, secs, t, tmp) for t in TEXTFILES}
        v, s = "dmabuf_audit_violations_total", "dmabuf_audit_suppressed_total"
        mm, ins = "mmap_without_pfnmap", "page_insert_on_dmabuf"
        # before SIGHUP: A and the holder counted, the noisy trigger suppressed, the
        # compliant one nowhere
        self.expect(pre, got["1"], "1", v, 2 if a and hold else None, kind=mm, exporter=exp)
        self.expect(pre, got["1"], "1", s, 1 if noisy else None, kind=mm, exporter=exp)
        if inserts and a and noisy and hold and a["inserted"] and noisy["inserted"]:
            self.expect(pre, got["1"], "1", v, a["inserted"] + hold["inserted"], kind=ins, exporter=exp)
            self.expect(pre, got["1"], "1", s, noisy["inserted"], kind=ins, exporter=exp)
        if hold:  # the holder still runs: its findings (and only its) are still tracked
            mine = {(j["kind"], j["inode"], j["vm_start"]) for j in findings if j.get("pid") == hold["pid"]}
            self.ok(mine, "%s holder pid %d has findings in the JSON log" % (pre, hold["pid"]),
                    "mmap_without_pfnmap and more", "none")
            self.expect(pre, got["1"], "1 (a running holder's findings kept)",
                        "dmabuf_audit_findings_tracked", len(mine))
        # after SIGHUP: B's mmap counted, its inserts suppressed by the new rule
        self.expect(pre, got["2"], "2", v, 3 if a and hup and hold else None, kind=mm, exporter=exp)
        if inserts and a and noisy and hup and hold and hup["inserted"]:
            self.expect(pre, got["2"], "2", v, a["inserted"] + hold["inserted"], kind=ins, exporter=exp)
            self.expect(pre, got["2"], "2", s, noisy["inserted"] + hup["inserted"], kind=ins,
                        exporter=exp)
        final = got["final"]
        if not final:
            return
        # the textfile and the JSON log agree on every non-suppressed count
        sums = {}
        for j in findings:
            fam = "dmabuf_audit_%s_total" % ("violations" if j["kind"] in check.VIOLATIONS else "warnings")
            k = (fam, j["kind"], j["exporter"])
            sums[k] = sums.get(k, 0) + j["count"]
        for (fam, kind, exporter), n in sorted(sums.items()):
            self.expect(pre, final, "final", fam, n, kind=kind, exporter=exporter)
        for m in ("fentry", "kprobe", "iter", "proc", "none"):
            self.expect(pre, final, "final", "dmabuf_audit_detectors_attached",
                        sum(1 for x in table.values() if x == m), mechanism=m)
        errs = promcheck.series(final, "dmabuf_audit_textfile_write_errors_total")
        self.ok(errs is not None and errs >= 2, "%s textfile final counts the full and read-only "
                "write errors" % pre, ">= 2", errs)
        self.expect(pre, final, "final (findings of exited processes pruned)",
                    "dmabuf_audit_findings_tracked", 0)
        names = [k for k in final if k.startswith("dmabuf_audit_build_info{")]
        self.ok(len(names) == 1 and final[names[0]] == 1, "%s textfile final build_info" % pre,
                "one series = 1", names)

    def check_end(self, pre, secs):
        sec = check.complete(secs, "daemon-end")
        if not self.ok(sec is not None, "%s daemon-end section" % pre, "complete", "missing"):
            return
        head = dict(w.split("=", 1) for w in sec.lines[0].split() if "=" in w) if sec.lines else {}
        self.ok(head.get("rc") == "0", "%s SIGTERM: final textfile, exit 0" % pre, "rc=0",
                head.get("rc"))
        self.ok(head.get("pidfile_left") == "no", "%s pidfile removed at exit" % pre, "no",
                head.get("pidfile_left"))
        msgs = [m for m in self.notify(sec) if not m.startswith("WATCHDOG=1")]
        seq = [m.split("|")[0] for m in msgs if m.split("|")[0] in NOTIFY_ORDER]
        self.ok(tuple(seq) == NOTIFY_ORDER, "%s notify sequence" % pre, NOTIFY_ORDER, seq)
        rel = [m for m in msgs if m.startswith("RELOADING=1")]
        self.ok(rel and re.search(r"\|MONOTONIC_USEC=\d+", rel[0]),
                "%s RELOADING=1 carries MONOTONIC_USEC" % pre, "RELOADING=1|MONOTONIC_USEC=N", rel[:1])
        dogs = sum(1 for m in self.notify(sec) if m == "WATCHDOG=1")
        self.ok(dogs >= 2, "%s WATCHDOG=1 sent every WATCHDOG_USEC/2" % pre, ">= 2", dogs)
        err = check.complete(secs, "daemon-file daemon.err")
        text = "\n".join(err.lines) if err else ""
        for what, pat in (
                ("full dir: one clear error", r"textfile not updated: write /tmp/tf/dmabuf_audit\.prom\.tmp: "
                 r"No space left on device"),
                ("read-only dir: one clear error", r"textfile not updated: create "
                 r"/tmp/tf/dmabuf_audit\.prom\.tmp: Read-only file system"),
                ("reload applied", r"reloaded: 2 suppression rules"),
                ("recovery said", r"textfile /tmp/tf/dmabuf_audit\.prom written again")):
            self.ok(re.search(pat, text), "%s stderr: %s" % (pre, what), pat, text[-400:])
        self.ok(len(re.findall("No space left", text)) == 1, "%s full dir error logged once, not "
                "every interval" % pre, 1, len(re.findall("No space left", text)))

    def check_errors(self, pre, secs):
        for d, why in (("/nonexistent", "textfile dir /nonexistent: No such file or directory"),
                       ("/tmp/ro", "textfile dir /tmp/ro: Read-only file system"),
                       ("/tmp/full", "textfile not written: write /tmp/full/dmabuf_audit.prom.tmp: "
                                     "No space left on device")):
            sec = check.complete(secs, "daemon-error " + d)
            if not self.ok(sec is not None, "%s start with textfile dir %s: section" % (pre, d),
                           "complete", "missing"):
                continue
            want = "stderr: dmabuf-audit: " + why
            err = [ln for ln in sec.lines if ln.startswith("stderr: ")]
            files = [ln[6:] for ln in sec.lines if ln.startswith("file: ")]
            if d == "/tmp/full":  # attached first: its ready lines, then the one error
                err = [ln for ln in err if not re.match(
                    r"stderr: dmabuf-audit: (ready|scan-only|capabilities now|warning:)", ln)]
            self.ok(sec.attrs.get("rc") == "2" and err == [want] and files == (["fill"] if d == "/tmp/full" else []),
                    "%s start with textfile dir %s: exit 2, one error line, no file written" % (pre, d),
                    "rc=2 %r" % [want], "rc=%s %r files %r" % (sec.attrs.get("rc"), err, files))

    def check_fail_on(self, pre, secs):
        res = {}
        for tag in ("fail-default", "fail-warning"):
            sec = check.complete(secs, "report " + tag)
            summ = None
            for ln in sec.lines if sec else []:
                if ln.startswith('{"summary"'):
                    summ = json.loads(ln)["summary"]
            if not self.ok(summ is not None, "%s report %s summary" % (pre, tag), "a summary line",
                           "none"):
                return
            res[tag] = (sec.attrs.get("rc"), summ)
        rc, summ = res["fail-default"]
        self.ok(rc == "0" and summ["violations"] == 0 and summ.get("result") == "pass",
                "%s report (--fail-on violation) passes a compliant exporter's GUP" % pre,
                "rc 0, result pass", "rc %s, %s violations, result %s" % (rc, summ["violations"], summ.get("result")))
        rc, summ = res["fail-warning"]
        gup = summ["detectors"].get("gup_slow") != "none" and summ["functions"].get("gup_slow") == "check_vma_flags"
        if gup:
            self.ok(summ["warnings"] > 0, "%s gup_blocked warnings seen" % pre, "> 0", summ["warnings"])
        else:
            self.skip("%s gup_blocked warnings: gup_slow is %s here" % (pre, summ["functions"].get("gup_slow")))
        want = "1" if summ["warnings"] > 0 else "0"
        self.ok(rc == want and summ.get("result") == ("fail" if want == "1" else "pass"),
                "%s report --fail-on warning gates on warnings" % pre,
                "rc %s (warnings %d)" % (want, summ["warnings"]), "rc %s, result %s" % (rc, summ.get("result")))

    def run_daemon(self, text, kver):
        secs, meta = check.parse(text)
        pre = "[%s daemon]" % kver
        table = self.check_ready(pre, secs)
        self.det = table
        trig = {"a": oracle(secs, "trigger daemon test:insert_page mmap"),
                "remap": oracle(secs, "trigger daemon test:remap_pfn mmap"),
                "noisy": oracle(secs, "trigger daemon-noisy test:insert_page mmap"),
                "hup": oracle(secs, "trigger daemon-hup test:insert_page mmap"),
                "hold": oracle(secs, "hold daemon", killed=True)}
        for k, o in trig.items():
            self.ok(o is not None, "%s trigger %s ran (oracle line, exit 0)" % (pre, k), "an oracle", None)
        findings = self.check_json(pre, secs, trig)
        self.check_textfiles(pre, secs, trig, findings, table)
        self.check_end(pre, secs)
        self.check_errors(pre, secs)
        self.check_fail_on("[%s fail-on]" % kver, secs)
        return self.failed == 0


def mutate(text, name):
    """Bad runs made from the good fixture: each must produce its specific FAIL."""
    lines = text.splitlines(True)
    if name == "noisy-logged":  # a suppressed finding shows up in the JSON log
        pid = oracle(check.parse(text)[0], "trigger daemon-noisy test:insert_page mmap")["pid"]
        i = lines.index("@@BEGIN daemon-file daemon.json.1\n")
        lines.insert(i + 1, json.dumps({"kind": "mmap_without_pfnmap", "pid": pid, "count": 1,
                                        "exporter": "test_insert_page"}) + "\n")
    elif name == "partial-textfile":  # the file cut in the middle of a line
        i = lines.index("@@BEGIN textfile final\n")
        j = lines.index("@@END textfile final\n", i)
        lines[j - 1] = lines[j - 1][:20] + "\n"
    elif name == "sigterm-rc":
        lines = [re.sub(r"^rc=0 ", "rc=1 ", ln) for ln in lines]
    elif name == "duplicate-series":
        i = lines.index("@@BEGIN textfile 1\n")
        k = next(n for n in range(i, len(lines)) if lines[n].startswith("dmabuf_audit_violations_total{"))
        lines.insert(k + 1, lines[k])
    else:
        raise ValueError(name)
    return "".join(lines)


def self_test():
    fx = os.path.join(HERE, "fixtures", "daemon-6.1.txt")
    with open(fx) as f:
        good = f.read()
    cases = [(None, None),
             ("noisy-logged", r"^FAIL - \[6\.1 daemon\] suppressed comm noisy-\* not logged"),
             ("partial-textfile", r"^FAIL - \[6\.1 daemon\] textfile final passes promtool"),
             ("sigterm-rc", r"^FAIL - \[6\.1 daemon\] SIGTERM: final textfile, exit 0"),
             ("duplicate-series", r"^FAIL - \[6\.1 daemon\] textfile 1 scraped by node_exporter: "
                                  r"node_textfile_scrape_error 0, no duplicate series")]
    bad = 0
    for mut, pattern in cases:
        buf = io.StringIO()
        c = DaemonChecker(buf)
        c.run_daemon(mutate(good, mut) if mut else good, "6.1")
        lines = buf.getvalue().splitlines()
        if pattern is None:
            good_run = c.failed == 0 and c.passed > 20
            saw = "%d passed, %d failed %s" % (c.passed, c.failed, [x for x in lines if x.startswith("FAIL")][:3])
            what = "daemon-6.1.txt passes"
        else:
            good_run = any(re.search(pattern, x) for x in lines)
            saw = "no such FAIL line"
            what = "daemon-6.1.txt:%s fails" % mut
        print("%s - self-test %s%s" % ("ok" if good_run else "FAIL", what,
                                        "" if good_run else ": expected %s, saw %s" % (pattern or "0 failed", saw)))
        bad += not good_run
    print("%d passed, %d failed" % (len(cases) - bad, bad))
    return bad == 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return 0 if self_test() else 1
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    kver = check.short_kver(argv[2])
    with open(argv[1], errors="replace") as f:
        text = f.read()
    c = DaemonChecker()
    c.run_daemon(text, kver)
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
