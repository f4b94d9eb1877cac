#!/usr/bin/env python3
"""Assertions of the lab's daemon run and of `report --fail-on` (guest-scenario.sh
run_daemon, run_fail_on), against the triggers' oracles and the real Prometheus
consumers: every textfile the guest wrote goes through `promtool check metrics` and is
scraped by Debian's prometheus-node-exporter over HTTP (tests/prom/promcheck.py).

usage: check_daemon.py RESULTS KVER
       check_daemon.py --self-test

Output as check.py: "ok - ..." / "FAIL - ...: expected X, saw Y", last line
"N passed, N failed". Every expected value comes from the triggers' oracles and
check.py's table of the kernel (KERNELS), never from what the daemon logged or
announced about itself; a missing series or a missing oracle is a FAIL.
"""
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
    return check.oracle_of(s)


def json_log(sec):
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
        want = {d: self.k.mech("auto", d) for d in check.DETECTORS}
        self.ok("STATUS=" in ready[0] and table == want,
                "%s READY=1 carries STATUS= with the attach table the kernel allows" % pre,
                " ".join("%s=%s" % kv for kv in want.items()), ready[0])
        head = dict(w.split("=", 1) for w in sec.lines[0].split() if "=" in w) if sec.lines else {}
        self.ok(head.get("pid") and head.get("pid") == head.get("pidfile"),
                "%s pidfile holds the daemon's pid" % pre, "pid=X pidfile=X", sec.lines[:1])
        keep = 1 << CAP_BPF
        if self.k.scan == "proc":
            keep |= 1 << CAP_SYS_PTRACE | 1 << CAP_DAC_READ_SEARCH
        caps = dict(ln.split(":", 1) for ln in sec.lines if ln.startswith("Cap"))
        for c in ("CapEff", "CapPrm", "CapBnd"):
            self.ok(caps.get(c, "").strip() == "%016x" % keep,
                    "%s %s after attach is only what reading BPF maps%s needs" % (
                        pre, c, " and the /proc scan" if keep != 1 << CAP_BPF else ""),
                    "%016x" % keep, caps.get(c, "").strip() or None)
        return table

    def check_json(self, pre, secs, trig):
        old, bad1 = json_log(check.complete(secs, "daemon-file daemon.json.1"))
        new, bad2 = json_log(check.complete(secs, "daemon-file daemon.json"))
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
        logged = list(last.values())
        # each violating trigger's findings, counted against its oracle (inserted pages)
        for name, o, suppressed in (("a", a, ()), ("hold", trig["hold"], ()),
                                    ("hup", hup, ("page_insert_on_dmabuf",))):
            if not o:
                continue
            want = self.trigger_counts(o)
            for k in suppressed:
                want.pop(k, None)
            got = {j["kind"]: j.get("count") for j in logged if j.get("pid") == o["pid"]}
            self.ok(got == want, "%s JSON log: trigger %s (pid %d) findings and counts" % (
                pre, name, o["pid"]), want, got)
        return logged

    def trigger_counts(self, o):
        """{kind: count} a test:insert_page mmap (or hold) trigger must produce, from its
        oracle: one mmap, then every page it inserted (vm_insert_page), each of them a pte
        without pte_special."""
        want = {"mmap_without_pfnmap": 1}
        if self.attached("insert_page") and o["inserted"] > 0:
            want["page_insert_on_dmabuf"] = o["inserted"]
            want["pte_not_special"] = o["inserted"]
        return want

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
        """The series equals VALUE; a missing series, or VALUE None (its oracle is
        missing), is a FAIL."""
        saw = promcheck.series(samples, name, **labels) if samples else None
        self.ok(value is not None and saw == value, "%s textfile %s %s{%s}" % (
            pre, tag, name, ",".join("%s=%s" % kv for kv in sorted(labels.items()))),
            value if value is not None else "a value from the triggers' oracles (missing)", saw)

    def expect_only(self, pre, samples, tag, want):
        """Every non-zero violations/warnings/suppressed series is one of WANT
        {(family, kind, exporter): value}, with that value, and each of WANT is there."""
        fams = ("dmabuf_audit_violations_total", "dmabuf_audit_warnings_total",
                "dmabuf_audit_suppressed_total")
        for (fam, kind, exporter), v in sorted(want.items()):
            self.expect(pre, samples, tag, fam, v, kind=kind, exporter=exporter)
        extra = sorted(k for k, v in (samples or {}).items() if v and k.split("{")[0] in fams and
                       not any(promcheck.series({k: v}, fam, kind=kd, exporter=ex) is not None
                               for (fam, kd, ex) in want))
        self.ok(samples is not None and not extra, "%s textfile %s has no other finding series"
                % (pre, tag), "only the triggers' series", extra[:4])

    def check_textfiles(self, pre, secs, trig):
        a, noisy, hup, hold = trig["a"], trig["noisy"], trig["hup"], trig["hold"]
        exp = "test_insert_page"
        with tempfile.TemporaryDirectory() as tmp:
            got = {t: self.textfile(pre, secs, t, tmp) for t in TEXTFILES}
        v, s, w = ("dmabuf_audit_%s_total" % f for f in ("violations", "suppressed", "warnings"))

        def counts(*oracles):
            """{kind: count} of these triggers together, None when an oracle is missing"""
            if any(o is None for o in oracles):
                return None
            total = {}
            for o in oracles:
                for kind, n in self.trigger_counts(o).items():
                    total[kind] = total.get(kind, 0) + n
            return total

        def series(counted, suppressed):
            want = {}
            for fam, c in ((v, counted), (s, suppressed)):
                for kind, n in (c or {}).items():
                    want[(fam, kind, exp)] = n
            return want
        # before SIGHUP: A and the holder counted, the noisy trigger suppressed (comm), the
        # compliant one nowhere
        one = series(counts(a, hold), counts(noisy))
        # after SIGHUP: B counted but its page inserts suppressed by the new rule
        b = counts(hup)
        two_v = counts(a, hold, hup)
        two_s = counts(noisy)
        if b and two_v and two_s and "page_insert_on_dmabuf" in b:
            two_v["page_insert_on_dmabuf"] -= b["page_insert_on_dmabuf"]
            two_s["page_insert_on_dmabuf"] = two_s.get("page_insert_on_dmabuf", 0) + \
                b["page_insert_on_dmabuf"]
        two = series(two_v, two_s)
        # "full" and "ro" are the last good file kept through the failed writes: "2"'s counts
        for tag, want in (("1", one), ("2", two), ("full", two), ("ro", two), ("final", two)):
            if None in (a, hold, noisy) or (tag != "1" and hup is None):
                self.ok(False, "%s textfile %s counts" % (pre, tag), "every trigger's oracle",
                        "an oracle missing (see above)")
                continue
            self.expect_only(pre, got[tag], tag, want)
        if hold:
            # the holder runs during textfile 1: its mapping is the only one, its findings
            # (and only its) still tracked; both gone once it exited
            self.expect(pre, got["1"], "1 (the holder's mapping)", "dmabuf_audit_mapped_bytes",
                        hold["size"], exporter=exp)
            self.expect(pre, got["1"], "1 (a running holder's findings kept)",
                        "dmabuf_audit_findings_tracked", len(self.trigger_counts(hold)))
            self.expect(pre, got["2"], "2 (the holder exited)", "dmabuf_audit_mapped_bytes",
                        0, exporter=exp)
        final = got["final"]
        if not final:
            return
        want = {m: sum(1 for d in check.DETECTORS if self.k.mech("auto", d) == m)
                for m in ("fentry", "kprobe", "iter", "proc", "none")}
        for m, n in want.items():
            self.expect(pre, final, "final", "dmabuf_audit_detectors_attached", n, mechanism=m)
        errs = promcheck.series(final, "dmabuf_audit_textfile_write_errors_total")
        self.ok(errs is not None and errs >= 2, "%s textfile final counts the full and read-only "
                "write errors" % pre, ">= 2", errs)
        self.expect(pre, final, "final (findings of exited processes pruned)",
                    "dmabuf_audit_findings_tracked", 0)
        for name in ("ringbuf_lost_events_total", "findings_dropped_total", "dedup_full_total"):
            self.expect(pre, final, "final (nothing lost)", "dmabuf_audit_" + name, 0)
        # (gup_fast_unverified_total may count a refused lookup on any vma of a process that
        # maps a dma-buf: the findings above are what must be complete)
        self.ok(promcheck.series(final, "dmabuf_audit_gup_fast_unverified_total") is not None,
                "%s textfile final has gup_fast_unverified_total" % pre, "a value",
                promcheck.series(final, "dmabuf_audit_gup_fast_unverified_total"))
        names = [k for k in final if k.startswith("dmabuf_audit_build_info{")]
        self.ok(len(names) == 1 and final[names[0]] == 1, "%s textfile final build_info" % pre,
                "one series = 1", names)

    def check_churn(self, pre, secs, path):
        """One long-lived process mapped the buffer MAPS times (three findings each: more
        than the finding table holds, faster than the daemon drains the ring buffer under
        TCG): churn one mapping after another, hoard all alive at once. The final
        textfile's counts are the trigger's exactly; churn dropped no finding for want of
        room (gone vmas forgotten), hoard did (the table full: what it tests)."""
        o = oracle(secs, "trigger daemon-%s test:insert_page %s" % (path, path))
        if not self.ok(o is not None and o.get("maps"), "%s %s trigger ran (oracle line "
                       "with maps)" % (pre, path), "an oracle", o):
            return
        end = check.complete(secs, "daemon-%s-end" % path)
        head = dict(w.split("=", 1) for w in end.lines[0].split() if "=" in w) \
            if end and end.lines else {}
        self.ok(head.get("rc") == "0", "%s %s daemon: SIGTERM, exit 0" % (pre, path), "rc=0",
                head.get("rc"))
        with tempfile.TemporaryDirectory() as tmp:
            got = self.textfile(pre, secs, path, tmp)
        if got is None:
            return
        counts = {"mmap_without_pfnmap": o["maps"]}
        if self.attached("insert_page") and o["inserted"] > 0:
            counts["page_insert_on_dmabuf"] = o["inserted"]
            counts["pte_not_special"] = o["inserted"]
        want = {("dmabuf_audit_violations_total", k, o["exporter"]): n for k, n in counts.items()}
        self.expect_only(pre, got, path, want)
        dropped = promcheck.series(got, "dmabuf_audit_findings_dropped_total")
        if path == "churn" and o["maps"] <= 6000:
            self.expect(pre, got, "churn (every finding had room)",
                        "dmabuf_audit_findings_dropped_total", 0)
        elif path == "churn":
            # faster than the daemon forgets gone vmas (once per interval), the table fills:
            # what must hold then is the counts above
            self.say("# %s churn of %d mappings: findings_dropped_total %s (counted, not "
                     "itemised)" % (pre, o["maps"], dropped))
        else:
            self.ok(dropped is not None and dropped > 0, "%s hoard filled the finding table "
                    "(findings_dropped_total > 0: the counts above went through it)" % pre,
                    "> 0", dropped)

    # the daemon's peak RSS through the storm: its finding table (max-findings 16384 of
    # about 0.6 KiB) and buffers bound it; a leak per event would pass this in seconds
    STORM_HWM_KB = 48 * 1024

    def check_storm(self, pre, secs):
        """Issue 13's event storm: processes and threads inserting, GUPping and faulting
        at the guest's highest rate. Every per-kind and per-exporter total of the final
        textfile is the trigger's own count (or the module's: inserted), the events the
        ring buffer had no room for included; the daemon's RSS stays bounded."""
        o = oracle(secs, "trigger daemon-storm test:insert_page storm")
        if not self.ok(o is not None and o.get("gups") is not None, "%s storm trigger ran "
                       "(oracle line with its counts)" % pre, "an oracle", o):
            return
        self.say("# %s storm: %d s, %d processes: %d maps (%d pages inserted), %d GUPs, "
                 "%d fault maps (%d faults)" % (pre, o["storm_secs"], o["storm_procs"],
                                                o["maps"], o["inserted"], o["gups"],
                                                o["fault_maps"], o["faults"]))
        end = check.complete(secs, "daemon-storm-end")
        head = dict(w.split("=", 1) for w in end.lines[0].split() if "=" in w) \
            if end and end.lines else {}
        self.ok(head.get("rc") == "0", "%s storm daemon: SIGTERM, exit 0" % pre, "rc=0",
                head.get("rc"))
        hwm = int(head["hwm_kb"]) if head.get("hwm_kb", "").isdigit() else None
        self.ok(hwm is not None and hwm <= self.STORM_HWM_KB, "%s storm daemon peak RSS "
                "bounded (VmHWM, ready at %s kB)" % (pre, head.get("ready_rss_kb")),
                "<= %d kB" % self.STORM_HWM_KB, hwm)
        with tempfile.TemporaryDirectory() as tmp:
            got = self.textfile(pre, secs, "storm", tmp)
        if got is None:
            return
        v = "dmabuf_audit_violations_total"
        want = {(v, "mmap_without_pfnmap", o["exporter"]): o["maps"],
                (v, "mmap_without_pfnmap", o["fault_exporter"]): o["fault_maps"]}
        if self.attached("insert_page") and o["inserted"] > 0:
            want[(v, "page_insert_on_dmabuf", o["exporter"])] = o["inserted"]
            want[(v, "pte_not_special", o["exporter"])] = o["inserted"]
        if self.attached("gup_slow"):
            want[(v, "gup_on_dmabuf", o["exporter"])] = o["gups"]
        if self.attached("pte_install"):
            want[(v, "pte_not_special", o["fault_exporter"])] = o["faults"]
        # On a preemptible kernel (7.2: PREEMPT_LAZY) a task preempted inside an fentry
        # program makes the kernel skip that program for every other task on the CPU
        # until it runs again: those calls are the kernel's recursion_misses, which the
        # daemon exports as missed_total. Exact when it is 0, else short by at most one
        # occurrence per missed call, but for the inserts: an mmap's are counted in a
        # per-thread slot and added at its return, so a missed mmap program loses them
        # all (the trigger's inserts per mapping: inserted / maps).
        missed = promcheck.series(got, "dmabuf_audit_missed_total")
        if not self.ok(missed is not None, "%s textfile storm has missed_total" % pre,
                       "a value", missed):
            return
        if missed == 0:
            self.expect_only(pre, got, "storm", want)
        else:
            self.say("# %s storm: the kernel skipped %d hook calls of the daemon's programs "
                     "(missed_total): each count within that of the trigger's" % (pre, missed))
            per_map = o["inserted"] // o["maps"] if o["maps"] else 0
            for (fam, kind, exporter), n in sorted(want.items()):
                saw = promcheck.series(got, fam, kind=kind, exporter=exporter)
                batch = per_map if exporter == o["exporter"] and kind in (
                    "page_insert_on_dmabuf", "pte_not_special") else 1
                self.ok(saw is not None and n - missed * batch <= saw <= n, "%s textfile storm "
                        "%s{exporter=%s,kind=%s} the trigger's count, less at most %smissed_total"
                        % (pre, fam, exporter, kind, "%d x " % batch if batch > 1 else ""),
                        "%d - at most %d" % (n, missed * batch), saw)
        lost = promcheck.series(got, "dmabuf_audit_ringbuf_lost_events_total")
        self.ok(lost is not None, "%s storm: ring-buffer losses accounted "
                "(ringbuf_lost_events_total present)" % pre, "a value", lost)
        self.say("# %s storm: ringbuf_lost_events_total %s, dedup_full_total %s, "
                 "findings_dropped_total %s, daemon RSS %s kB at ready, %s kB after, peak %s kB"
                 % (pre, lost, promcheck.series(got, "dmabuf_audit_dedup_full_total"),
                    promcheck.series(got, "dmabuf_audit_findings_dropped_total"),
                    head.get("ready_rss_kb"), head.get("rss_kb"), hwm))

    def check_storm_term(self, pre, secs):
        """A daemon stopped by SIGTERM in the middle of the storm, while it writes JSON
        lines and textfiles as fast as findings come (signals reach it through a
        signalfd, between writes): exit 0, every JSON line whole, the file ending with
        its last line's newline, the final textfile whole (promtool, node_exporter) and
        no temp file left."""
        sec = check.complete(secs, "daemon-storm-term")
        head = dict(w.split("=", 1) for w in sec.lines[0].split() if "=" in w) \
            if sec and sec.lines else {}
        self.ok(head.get("rc") == "0", "%s SIGTERM mid-storm: final textfile, exit 0" % pre,
                "rc=0", head.get("rc"))
        self.ok(head.get("json_lines", "0") != "0" and head.get("bad_lines") == "0" and
                head.get("last_byte") == "0a", "%s SIGTERM mid-storm: the JSON log holds whole "
                "lines only (one object each, newline last)" % pre,
                "json_lines > 0 bad_lines=0 last_byte=0a", head)
        with tempfile.TemporaryDirectory() as tmp:
            got = self.textfile(pre, secs, "storm-term", tmp)
        self.ok(got is not None and promcheck.series(got, "dmabuf_audit_violations_total",
                                                     kind="mmap_without_pfnmap",
                                                     exporter="test_insert_page"),
                "%s SIGTERM mid-storm: the final textfile counts the storm's first half" % pre,
                "mmap_without_pfnmap > 0", None if got is None else promcheck.series(
                    got, "dmabuf_audit_violations_total", kind="mmap_without_pfnmap",
                    exporter="test_insert_page"))

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
            if d == "/tmp/full":
                # attached first: its ready (or scan-only) and capabilities lines, then the
                # one error; a warning line is not expected there
                ready = "ready: %d of %d live detectors attached" % (
                    self.k.live("auto"), len(check.LIVE)) \
                    if self.k.live("auto") else "scan-only: "
                err = [ln for ln in err if not ln.startswith("stderr: dmabuf-audit: " + ready) and
                       not ln.startswith("stderr: dmabuf-audit: capabilities now ")]
            self.ok(sec.attrs.get("rc") == "2" and err == [want] and files == (["fill"] if d == "/tmp/full" else []),
                    "%s start with textfile dir %s: exit 2, one error line, no file written" % (pre, d),
                    "rc=2 %r" % [want], "rc=%s %r files %r" % (sec.attrs.get("rc"), err, files))

    def check_fail_on(self, pre, secs):
        """The same compliant GUP under --fail-on violation and --fail-on warning: what
        each must say comes from the trigger's oracle (GUP refused) and the table (can
        this kernel's slow-path hook see a refusal?)."""
        o = oracle(secs, "trigger fail-on test:remap_pfn procmem")
        if not self.ok(o is not None and o["gup"] == "refused", "%s trigger: GUP refused on a "
                       "compliant mapping" % pre, "an oracle with gup refused", o):
            return
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
        sees = self.k.funcs["gup_slow"] == "check_vma_flags"
        if sees:
            self.ok(summ["warnings"] > 0 and (summ.get("kinds") or {}).get("gup_blocked") ==
                    summ["warnings"], "%s gup_blocked warnings seen" % pre, "> 0, all gup_blocked",
                    "%s warnings, kinds %s" % (summ["warnings"], summ.get("kinds")))
        else:
            self.skip("gup_blocked:follow_page_mask", "%s gup_blocked warnings: %s only sees "
                      "accepted vmas" % (pre, self.k.funcs["gup_slow"]))
        want = "1" if sees else "0"
        self.ok(rc == want and summ.get("result") == ("fail" if sees else "pass"),
                "%s report --fail-on warning %s" % (pre, "fails on the warnings" if sees else
                                                    "passes: no warning can be seen here"),
                "rc %s, result %s" % (want, "fail" if sees else "pass"),
                "rc %s, result %s" % (rc, summ.get("result")))

    def run_daemon(self, text, kver):
        secs, meta = check.parse(text)
        pre = "[%s daemon]" % kver
        lab = [m for m in meta if m.startswith("@@LAB kernel=")]
        self.arch = "arm64" if lab and lab[0].rstrip().endswith("-arm64") else "amd64"
        self.kver = kver
        self.k = check.KERNELS.get((kver, self.arch))
        if not self.ok(self.k is not None, "%s the lab's table knows this kernel" % pre,
                       "an entry in check.py KERNELS", (kver, self.arch)):
            return False
        self.mode = "auto"  # the daemon attaches as --attach=auto
        self.check_ready(pre, secs)
        trig = {"a": oracle(secs, "trigger daemon test:insert_page mmap"),
                "remap": oracle(secs, "trigger daemon test:remap_pfn mmap"),
                "noisy": oracle(secs, "trigger daemon-noisy test:insert_page mmap"),
                "hup": oracle(secs, "trigger daemon-hup test:insert_page mmap"),
                "hold": oracle(secs, "hold daemon", killed=True)}
        for k, o in trig.items():
            self.ok(o is not None, "%s trigger %s ran (oracle line, exit 0)" % (pre, k), "an oracle", None)
        self.check_json(pre, secs, trig)
        self.check_textfiles(pre, secs, trig)
        self.check_end(pre, secs)
        self.check_churn(pre, secs, "churn")
        self.check_churn(pre, secs, "hoard")
        self.check_storm(pre, secs)
        self.check_storm_term(pre, secs)
        self.check_errors(pre, secs)
        self.check_fail_on("[%s fail-on]" % kver, secs)
        seen = set(self.skips.get("auto", {}))
        want = {"gup_blocked:follow_page_mask"} if self.k.funcs["gup_slow"] != "check_vma_flags" \
            else set()
        self.ok(seen == want, "%s skips are exactly the ones the lab table explains" % pre,
                sorted(want) or "no skip", sorted(seen) or "no skip")
        return self.failed == 0


def mutate(text, name):
    """Bad runs made from the good fixture: each must produce its specific FAIL."""
    lines = text.splitlines(True)
    secs = check.parse(text)[0]
    if name == "noisy-logged":  # a suppressed finding shows up in the JSON log
        pid = oracle(secs, "trigger daemon-noisy test:insert_page mmap")["pid"]
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
    elif name == "missing-oracle":  # the holder's oracle line is gone: its series cannot pass
        i = lines.index("@@BEGIN hold daemon\n")
        del lines[i + 1]
    elif name == "lost-series":  # a counted violation's series missing from every textfile
        lines = [ln for ln in lines if not ln.startswith(
            'dmabuf_audit_violations_total{kind="pte_not_special",exporter="test_insert_page"}')]
    elif name == "self-consistent":
        # the daemon agrees with itself (READY table, textfile, log) but a detector is gone
        lines = [ln.replace("gup_fast=fentry", "gup_fast=none") for ln in lines]
        lines = [re.sub(r'^(dmabuf_audit_detectors_attached\{mechanism="fentry"\}) (\d+)$',
                        lambda m: "%s %d" % (m.group(1), int(m.group(2)) - 1),
                        re.sub(r'^(dmabuf_audit_detectors_attached\{mechanism="none"\}) 0$', r"\1 1", ln))
                 for ln in lines]
    elif name == "fail-on-silent":  # no warning seen, so --fail-on warning passes
        text = check.edit_summary(text, "report fail-warning", lambda s: s.update(
            warnings=0, kinds={}, result="pass"))
        return re.sub(r"^@@END report fail-warning rc=1", "@@END report fail-warning rc=0",
                      text, flags=re.M)
    elif name in ("churn-short", "hoard-short"):  # one mapping short (lost, not counted)
        i = lines.index("@@BEGIN textfile %s\n" % name.split("-")[0])
        k = next(n for n in range(i, len(lines)) if lines[n].startswith(
            'dmabuf_audit_violations_total{kind="mmap_without_pfnmap"'))
        name_, value = lines[k].rsplit(" ", 1)
        lines[k] = "%s %d\n" % (name_, int(value) - 1)
    elif name == "storm-fault-short":  # one fault of the storm not counted
        i = lines.index("@@BEGIN textfile storm\n")
        k = next(n for n in range(i, len(lines)) if lines[n].startswith(
            'dmabuf_audit_violations_total{kind="pte_not_special",exporter="test_fault_page"}'))
        name_, value = lines[k].rsplit(" ", 1)
        lines[k] = "%s %d\n" % (name_, int(value) - 1)
    elif name == "storm-term-cut":  # the JSON log's last line cut by the SIGTERM
        i = lines.index("@@BEGIN daemon-storm-term\n")
        lines[i + 1] = re.sub(r"last_byte=\w+", "last_byte=7d", lines[i + 1])
    elif name == "storm-missed-short":  # 5 calls missed, 21 inserts lost: more than 4 x 5
        i = lines.index("@@BEGIN textfile storm\n")
        for k in range(i, len(lines)):
            if lines[k].startswith("dmabuf_audit_missed_total "):
                lines[k] = "dmabuf_audit_missed_total 5\n"
            elif lines[k].startswith('dmabuf_audit_violations_total{kind="page_insert_on_dmabuf",'
                                     'exporter="test_insert_page"}'):
                name_, value = lines[k].rsplit(" ", 1)
                lines[k] = "%s %d\n" % (name_, int(value) - 21)
            elif lines[k].startswith("@@END textfile storm"):
                break
    elif name == "storm-rss":  # the daemon's peak RSS grew through the storm
        i = lines.index("@@BEGIN daemon-storm-end\n")
        lines[i + 1] = re.sub(r"hwm_kb=\d+", "hwm_kb=200000", lines[i + 1])
    elif name == "startup-warning":  # a warning at start-up next to the one error line
        i = lines.index("@@END daemon-error /tmp/full rc=2\n")
        lines.insert(i, "stderr: dmabuf-audit: warning: detector gup_fast (gup_fast_fallback) "
                        "cannot run here: ...\n")
    else:
        raise ValueError(name)
    return "".join(lines)


def self_test():
    good = check.read_fixture("good-6.1.txt.gz")
    cases = [(None, None),
             ("noisy-logged", r"^FAIL - \[6\.1 daemon\] suppressed comm noisy-\* not logged"),
             ("partial-textfile", r"^FAIL - \[6\.1 daemon\] textfile final passes promtool"),
             ("sigterm-rc", r"^FAIL - \[6\.1 daemon\] SIGTERM: final textfile, exit 0"),
             ("duplicate-series", r"^FAIL - \[6\.1 daemon\] textfile 1 scraped by node_exporter: "
                                  r"node_textfile_scrape_error 0, no duplicate series"),
             ("missing-oracle", r"^FAIL - \[6\.1 daemon\] textfile 1 counts: expected every "
                                r"trigger's oracle"),
             ("lost-series", r"^FAIL - \[6\.1 daemon\] textfile final dmabuf_audit_violations_total"
                             r"\{exporter=test_insert_page,kind=pte_not_special\}"),
             ("self-consistent", r"^FAIL - \[6\.1 daemon\] READY=1 carries STATUS= with the attach "
                                 r"table the kernel allows"),
             ("self-consistent", r"^FAIL - \[6\.1 daemon\] textfile final "
                                 r"dmabuf_audit_detectors_attached\{mechanism=fentry\}"),
             ("fail-on-silent", r"^FAIL - \[6\.1 fail-on\] report --fail-on warning fails on the "
                                r"warnings"),
             ("startup-warning", r"^FAIL - \[6\.1 daemon\] start with textfile dir /tmp/full"),
             ("churn-short", r"^FAIL - \[6\.1 daemon\] textfile churn dmabuf_audit_violations_total"
                             r"\{exporter=test_insert_page,kind=mmap_without_pfnmap\}"),
             ("hoard-short", r"^FAIL - \[6\.1 daemon\] textfile hoard dmabuf_audit_violations_total"
                             r"\{exporter=test_insert_page,kind=mmap_without_pfnmap\}"),
             ("storm-fault-short", r"^FAIL - \[6\.1 daemon\] textfile storm "
                                   r"dmabuf_audit_violations_total\{exporter=test_fault_page,"
                                   r"kind=pte_not_special\}"),
             ("storm-rss", r"^FAIL - \[6\.1 daemon\] storm daemon peak RSS bounded"),
             ("storm-missed-short", r"^FAIL - \[6\.1 daemon\] textfile storm "
                                    r"dmabuf_audit_violations_total\{exporter=test_insert_page,"
                                    r"kind=page_insert_on_dmabuf\} the trigger's count, less at "
                                    r"most 4 x missed_total"),
             ("storm-term-cut", r"^FAIL - \[6\.1 daemon\] SIGTERM mid-storm: the JSON log holds "
                                r"whole lines only")]

    def run_case(name, mut):
        return check.run_checker(DaemonChecker, DaemonChecker.run_daemon,
                                 mutate(good, mut) if mut else good, "6.1")
    return check.run_self_tests(
        [("good-6.1" + (":" + mut if mut else ""), "fails" if mut else "passes", pattern, mut)
         for mut, pattern in cases], run_case, min_passed=20)


def main(argv):
    return check.checker_main(argv, __doc__, self_test, DaemonChecker, DaemonChecker.run_daemon,
                              " daemon")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
