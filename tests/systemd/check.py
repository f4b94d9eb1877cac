#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check.py RESULTS | --self-test FIXTURE: judge what guest-test.sh recorded in the
systemd guest (tests/systemd/run.sh). Prints "ok - ..." / "FAIL - ... expected X, saw Y"
and a count; exit 0, or 1 on any FAIL.

--self-test: the fixture (a real run's results) must pass, and each mutation of it (READY
never sent, stop exited 1, a watchdog timeout, ...) must fail with the FAIL it is about.
"""
import re
import sys

UNIT = "dmabuf-audit.service"


def sections(text):
    """{name: [lines]} of the @@BEGIN NAME / @@END NAME blocks, and whether @@DONE came."""
    out, cur = {}, None
    for line in text.replace("\r", "").split("\n"):
        if line.startswith("@@BEGIN "):
            cur = line[8:]
            out[cur] = []
        elif line.startswith("@@END "):
            cur = None
        elif cur is not None:
            out[cur].append(line)
    return out, "@@DONE" in text


def kv(lines):
    d = {}
    for line in lines:
        k, sep, v = line.partition("=")
        if sep and k not in d:
            d[k] = v
    return d


JLINE = re.compile(r"^\[\s*(\d+\.\d+)\]\s+\S+\s+(\S+?)(?:\[(\d+)\])?:\s(.*)$")


def journal(lines):
    """[(seconds, ident, pid, message)] of the short-monotonic journal lines."""
    out = []
    for line in lines:
        m = JLINE.match(line)
        if m:
            out.append((float(m.group(1)), m.group(2), m.group(3), m.group(4)))
    return out


def usec(s):
    try:
        return int(s)
    except (TypeError, ValueError):
        return -1


def wd_seconds(s):
    """WatchdogUSec as systemctl shows it ("4s", "1min", "infinity") in seconds."""
    m = re.fullmatch(r"(?:(\d+)min)?\s*(?:(\d+(?:\.\d+)?)s)?", s or "")
    if not m or not (m.group(1) or m.group(2)):
        return 0.0
    return int(m.group(1) or 0) * 60 + float(m.group(2) or 0)


class Checker:
    def __init__(self):
        self.passed = self.failed = 0
        self.lines = []

    def check(self, cond, what, expected, saw):
        if cond:
            self.passed += 1
            self.lines.append(f"ok - {what}")
        else:
            self.failed += 1
            self.lines.append(f"FAIL - {what}: expected {expected}, saw {saw}")
        return cond


def judge(text):
    c = Checker()
    secs, done = sections(text)
    info = kv(secs.get("info", []))
    c.check(done and "journal" in secs, "the guest test ran to its end",
            "@@DONE and the journal", "@@DONE missing" if not done else "no journal")
    c.check(info.get("systemd", "").startswith("systemd "), "systemd is PID 1's manager",
            "systemd NNN", info.get("systemd", "nothing"))
    c.check(info.get("unit_file") == "/etc/systemd/system/" + UNIT,
            "the unit is dist/dmabuf-audit.service, installed in /etc/systemd/system",
            "/etc/systemd/system/" + UNIT, info.get("unit_file"))
    c.check("ActiveState=inactive" in info.get("state_before", ""),
            "the unit was not running before the test started it",
            "ActiveState=inactive", info.get("state_before"))

    j = journal(secs.get("journal", []))
    st = kv(secs.get("step start", []))
    sh_start = kv(secs.get("show start", []))
    pid = sh_start.get("MainPID", "")
    pid1 = [(t, m) for t, ident, p, m in j if ident == "systemd" and p == "1"]
    notes = [(t, m[m.index("(") + 1:-1]) for t, m in pid1
             if re.match(rf"{re.escape(UNIT)}: Got notification message from PID {re.escape(pid)} \(", m)
             and m.endswith(")")]
    daemon = [(t, m) for t, ident, p, m in j if ident == "dmabuf-audit" and p == pid]

    def first(pred, after=-1.0):
        return next((t for t, m in pid1 if t >= after and pred(m)), None)

    # ---- start -------------------------------------------------------------------------
    c.check(st.get("rc") == "0", "systemctl start dmabuf-audit exits 0", "rc=0", f"rc={st.get('rc')}")
    c.check(sh_start.get("ActiveState") == "active" and sh_start.get("SubState") == "running",
            "after systemctl start the unit is active (running)", "active/running",
            f"{sh_start.get('ActiveState')}/{sh_start.get('SubState')}")
    c.check(pid.isdigit() and int(pid) > 0, "after start the unit has a main PID", "MainPID>0", pid or "none")
    ready = [t for t, n in notes if n.startswith("READY=1")]
    t_ready = ready[0] if ready else None
    c.check(t_ready is not None, "the daemon sent READY=1 (PID 1 logged the notification)",
            f"'Got notification message from PID {pid} (READY=1, ...)'", "no READY=1 from the main PID")
    t_running = first(lambda m: m == f"{UNIT}: Changed start -> running")
    t_ann = next((t for t, m in daemon if m.startswith("ready: ")), None)
    t_up = next((t for t, m in daemon if m.startswith("daemon running: ")), None)
    c.check(t_ann is not None and t_up is not None and t_ready is not None and t_ann <= t_up <= t_ready,
            "READY=1 came after the daemon's 'ready: ... attached' and 'daemon running' lines",
            "ready <= running <= READY", f"ready={t_ann} running={t_up} READY={t_ready}")
    c.check(t_ready is not None and t_running is not None and t_ready <= t_running,
            "the unit went start -> running on READY=1, not before",
            "READY=1 then 'Changed start -> running'", f"READY={t_ready} running={t_running}")
    act, exe = usec(sh_start.get("ActiveEnterTimestampMonotonic")), usec(sh_start.get("ExecMainStartTimestampMonotonic"))
    try:
        end_us = int(float(st.get("end", "")) * 1e6)
    except ValueError:
        end_us = -1
    c.check(0 < exe < act <= end_us,
            "systemctl start returned only after the unit became active (READY), which was after exec",
            "ExecMainStart < ActiveEnter <= start's return",
            f"exec={exe} active={act} returned={end_us} (usec)")
    if t_ready is not None and act > 0:
        c.check(abs(act / 1e6 - t_ready) < 1.0, "ActiveEnterTimestamp is the READY=1 notification's time",
                f"within 1 s of {t_ready}", f"{act / 1e6:.3f}")
    t_started = first(lambda m: m.startswith(f"Started {UNIT}"))
    c.check(t_started is not None and t_ready is not None and t_started >= t_ready,
            "journal: 'Started dmabuf-audit.service' after READY=1", "Started after READY", f"Started at {t_started}")

    # ---- STATUS= -------------------------------------------------------------------------
    for name in ("start", "hold", "reload"):
        sh = kv(secs.get(f"show {name}", []))
        try:
            at = float(sh.get("uptime", ""))
        except ValueError:
            at = -1.0
        sent = [n for t, n in notes if t <= at and "STATUS=" in n]
        last = re.search(r"STATUS=(.*)$", sent[-1]).group(1) if sent else None
        c.check(last is not None and sh.get("StatusText") == last,
                f"StatusText ({name}) is the last STATUS= the daemon sent",
                repr(last), repr(sh.get("StatusText")))
    stext = sh_start.get("StatusText", "")
    c.check(re.match(r"auditing; violations \d+, warnings \d+, suppressed \d+; \S+=\S+", stext) is not None,
            "StatusText says auditing, the counts and the attach table",
            "'auditing; violations N, warnings N, suppressed N; hook=mech ...'", repr(stext))

    # ---- the watchdog ---------------------------------------------------------------------
    sh_hold = kv(secs.get("show hold", []))
    wd = wd_seconds(sh_start.get("WatchdogUSec"))
    c.check(wd > 0, "the unit has a watchdog (WatchdogSec)", "WatchdogUSec set", sh_start.get("WatchdogUSec"))
    try:
        held = float(sh_hold.get("uptime", "")) - act / 1e6
    except ValueError:
        held = -1.0
    c.check(wd > 0 and held >= 2 * wd, "the unit ran for more than 2x WatchdogSec before the next check",
            f">= {2 * wd:g} s", f"{held:.1f} s")
    c.check(sh_hold.get("ActiveState") == "active" and sh_hold.get("SubState") == "running"
            and sh_hold.get("MainPID") == pid and sh_hold.get("NRestarts") == "0",
            "after 2x WatchdogSec: still active (running), same main PID, no restart",
            f"active/running MainPID={pid} NRestarts=0",
            f"{sh_hold.get('ActiveState')}/{sh_hold.get('SubState')} MainPID={sh_hold.get('MainPID')} "
            f"NRestarts={sh_hold.get('NRestarts')}")
    timeouts = [m for t, m in pid1 if "atchdog timeout" in m]
    c.check(not timeouts, "journal: no watchdog timeout", "none", timeouts[:1])
    # every half WatchdogSec: no gap between READY and the stop longer than WatchdogSec
    t_stop = first(lambda m: m.startswith(f"Stopping {UNIT}")) or float("inf")
    feeds = [t for t, n in notes if n.startswith("WATCHDOG=1") and t <= t_stop]
    beats = sorted(([t_ready] if t_ready is not None else []) + feeds)
    gap = max((b - a for a, b in zip(beats, beats[1:])), default=float("inf"))
    c.check(wd > 0 and len(feeds) >= 2 and gap < wd,
            "the daemon fed the watchdog (WATCHDOG=1) at intervals shorter than WatchdogSec",
            f"WATCHDOG=1 at least every {wd:g} s", f"{len(feeds)} WATCHDOG=1, longest gap {gap:.2f} s")

    # ---- reload -------------------------------------------------------------------------
    rl = kv(secs.get("step reload", []))
    sh_rl = kv(secs.get("show reload", []))
    c.check(rl.get("rc") == "0", "systemctl reload dmabuf-audit exits 0", "rc=0", f"rc={rl.get('rc')}")
    t_rl0 = first(lambda m: m == f"{UNIT}: Changed running -> reload")
    t_rl1 = first(lambda m: m == f"{UNIT}: Changed reload -> running", t_rl0 or 0)
    c.check(t_rl0 is not None and t_rl1 is not None
            and first(lambda m: m.startswith(f"Reloading {UNIT}")) is not None
            and first(lambda m: m.startswith(f"Reloaded {UNIT}")) is not None,
            "journal: the unit went running -> reload -> running ('Reloading', 'Reloaded')",
            "both transitions and both lines", f"reload at {t_rl0}, running again at {t_rl1}")
    t_rn = next((t for t, n in notes if n.startswith("RELOADING=1") and t >= (t_rl0 or 0)), None)
    t_rr = next((t for t, n in notes if n.startswith("READY=1") and t >= (t_rn or float("inf"))), None)
    c.check(t_rn is not None and t_rr is not None and "MONOTONIC_USEC=" in
            next(n for t, n in notes if t == t_rn and n.startswith("RELOADING=1")),
            "the daemon sent RELOADING=1 (with MONOTONIC_USEC=) then READY=1 on SIGHUP",
            "RELOADING=1, MONOTONIC_USEC=..., then READY=1", f"RELOADING at {t_rn}, READY at {t_rr}")
    c.check(any(m.startswith("reloaded: ") for t, m in daemon), "the daemon logged 'reloaded: ...'",
            "a 'reloaded:' line", "none")
    c.check(sh_rl.get("ActiveState") == "active" and sh_rl.get("SubState") == "running"
            and sh_rl.get("MainPID") == pid and sh_rl.get("NRestarts") == "0",
            "after reload: active (running) again, same main PID, no restart",
            f"active/running MainPID={pid} NRestarts=0",
            f"{sh_rl.get('ActiveState')}/{sh_rl.get('SubState')} MainPID={sh_rl.get('MainPID')} "
            f"NRestarts={sh_rl.get('NRestarts')}")

    # ---- stop ---------------------------------------------------------------------------
    sp = kv(secs.get("step stop", []))
    sh_sp = kv(secs.get("show stop", []))
    c.check(sp.get("rc") == "0", "systemctl stop dmabuf-audit exits 0", "rc=0", f"rc={sp.get('rc')}")
    c.check(any(n == "STOPPING=1" for t, n in notes), "the daemon sent STOPPING=1 on SIGTERM", "STOPPING=1", "none")
    c.check(sh_sp.get("ExecMainStartTimestampMonotonic") == sh_start.get("ExecMainStartTimestampMonotonic"),
            "after stop, systemctl show still describes this run (the unit was not collected)",
            f"ExecMainStartTimestampMonotonic={sh_start.get('ExecMainStartTimestampMonotonic')}",
            sh_sp.get("ExecMainStartTimestampMonotonic"))
    c.check(sh_sp.get("ActiveState") == "inactive" and sh_sp.get("SubState") == "dead"
            and sh_sp.get("Result") == "success" and sh_sp.get("ExecMainStatus") == "0"
            and sh_sp.get("ExecMainCode") == "1",
            "after stop: inactive (dead), Result=success, the main process exited with status 0",
            "inactive/dead Result=success ExecMainCode=1 (exited) ExecMainStatus=0",
            f"{sh_sp.get('ActiveState')}/{sh_sp.get('SubState')} Result={sh_sp.get('Result')} "
            f"ExecMainCode={sh_sp.get('ExecMainCode')} ExecMainStatus={sh_sp.get('ExecMainStatus')}")
    exited = [m for t, m in pid1 if m.startswith(f"{UNIT}: Main process exited")]
    c.check(len(exited) == 1 and exited[0].startswith(f"{UNIT}: Main process exited, code=exited, status=0/SUCCESS"),
            "journal: the main process exited once, with status 0/SUCCESS",
            "'Main process exited, code=exited, status=0/SUCCESS'", exited or "no exit logged")
    tf = kv(secs.get("textfile", []))
    body = "\n".join(secs.get("textfile", []))
    c.check(tf.get("exists") == "yes" and "dmabuf_audit_build_info{" in body
            and "dmabuf_audit_last_update_timestamp_seconds " in body,
            "the stop wrote the final textfile (removed before the stop, there after it)",
            "dmabuf_audit.prom with build_info and last_update", f"exists={tf.get('exists')}")

    # ---- the hardening blocks nothing ----------------------------------------------------
    bad = re.compile(r"denied|EPERM|EACCES|not permitted|Permission denied|status=20[0-9]/|"
                     r"Failed to set up|Failed at step|cannot |bounding set not reduced|NOTIFY_SOCKET ignored",
                     re.I)
    hits = [f"{ident}: {m}" for t, ident, p, m in j if bad.search(m)]
    c.check(not hits, "journal of the unit: nothing refused (no EPERM, denied, 'cannot', exec failure)",
            "no such line", hits[:2])
    kern = [line for line in secs.get("kernel", [])
            if re.search(r" kernel: .*(denied|seccomp|type=1326)", line, re.I)]
    c.check(not kern, "kernel log: no denial or seccomp kill", "none", kern[:2])
    caps = [m for t, m in daemon if m.startswith("capabilities now ")]
    c.check(len(caps) == 1 and "bounding set reduced" in caps[0],
            "the daemon dropped its capabilities inside the unit's bounding set",
            "'capabilities now ... bounding set reduced to them'", caps or "no such line")
    failed = [line for line in secs.get("failed", []) if UNIT in line]
    c.check(not failed, "systemctl --failed does not list the unit", "not listed", failed)
    return c


# Each mutation: (name, the FAIL text it must produce, function on the fixture's text).
def _sub(pat, rep, count=0, flags=re.M):
    return lambda s: re.sub(pat, rep, s, count=count, flags=flags)


def _chain(*fs):
    def f(s):
        for g in fs:
            s = g(s)
        return s
    return f


MUTATIONS = [
    ("READY never came (start timed out)", "sent READY=1",
     _chain(_sub(r"^.*Got notification message from PID \d+ \(READY=1.*\n", ""),
            _sub(r"^.*Changed start -> running\n", ""),
            _sub(r"(@@BEGIN step start\n(?:.*\n)*?)rc=0", r"\1rc=1", 1),
            _sub(r"(@@BEGIN show start\n(?:.*\n)*?)SubState=running", r"\1SubState=start", 1),
            _sub(r"(@@BEGIN show start\n(?:.*\n)*?)ActiveState=active", r"\1ActiveState=activating", 1))),
    ("READY sent before the attach was done", "READY=1 came after the daemon's",
     _sub(r"^\[\s*[\d.]+\](\s+\S+ dmabuf-audit\[\d+\]: (?:ready|daemon running): )", r"[  999.000000]\1")),
    ("start returned before READY", "systemctl start returned only after",
     _sub(r"(@@BEGIN step start\n(?:.*\n)*?)end=[\d.]+", r"\1end=1.00", 1)),
    ("stop exited 1", "exited with status 0",
     _chain(_sub(r"status=0/SUCCESS", "status=1/FAILURE"),
            _sub(r"(@@BEGIN show stop\n(?:.*\n)*?)ExecMainStatus=0", r"\1ExecMainStatus=1", 1),
            _sub(r"(@@BEGIN show stop\n(?:.*\n)*?)Result=success", r"\1Result=exit-code", 1))),
    ("systemctl stop failed", "systemctl stop dmabuf-audit exits 0",
     _sub(r"(@@BEGIN step stop\n(?:.*\n)*?)rc=0", r"\1rc=1", 1)),
    ("unit collected after stop", "still describes this run",
     _sub(r"(@@BEGIN show stop\n(?:.*\n)*?)ExecMainStartTimestampMonotonic=\d+", r"\1ExecMainStartTimestampMonotonic=0", 1)),
    ("StatusText not what was sent", "StatusText (start)",
     _sub(r"(@@BEGIN show start\n(?:.*\n)*?)StatusText=auditing", r"\1StatusText=starting", 1)),
    ("watchdog timeout and restart", "no watchdog timeout",
     _chain(_sub(r"^(\[\s*[\d.]+\] \S+ systemd\[1\]: dmabuf-audit.service: Got notification message from PID \d+ \(WATCHDOG=1\))$",
                 r"\1\n[   35.000000] vm systemd[1]: dmabuf-audit.service: Watchdog timeout (limit 4s)!", 1),
            _sub(r"(@@BEGIN show hold\n(?:.*\n)*?)NRestarts=0", r"\1NRestarts=1", 1))),
    ("watchdog not fed", "fed the watchdog",
     _sub(r"^.*\(WATCHDOG=1\)\n", "")),
    ("reload replaced the main process", "after reload: active (running) again, same main PID",
     _sub(r"(@@BEGIN show reload\n(?:.*\n)*?)MainPID=(\d+)", r"\g<1>MainPID=9\2", 1)),
    ("no RELOADING=1", "RELOADING=1 (with MONOTONIC_USEC=) then READY=1",
     _sub(r"^.*\(RELOADING=1.*\n", "")),
    ("no final textfile", "final textfile", _sub(r"^exists=yes$", "exists=no")),
    ("EPERM in the journal", "nothing refused",
     _sub(r"^(\[\s*[\d.]+\] \S+ dmabuf-audit\[\d+\]: daemon running: .*)$",
          r"\1\n[   27.870000] vm dmabuf-audit[139]: debugfs bufinfo: Operation not permitted", 1)),
    ("results cut short", "ran to its end", _sub(r"^@@DONE\n?", "")),
]


def self_test(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    ok = True
    base = judge(text)
    if base.failed:
        print(f"FAIL - self-test: the fixture {path} fails the checker ({base.failed} FAIL):")
        print("\n".join("  " + line for line in base.lines if line.startswith("FAIL")))
        ok = False
    else:
        print(f"ok - self-test: the fixture passes ({base.passed} checks)")
    for name, want, mutate in MUTATIONS:
        mutated = mutate(text)
        if mutated == text:
            print(f"FAIL - self-test: mutation '{name}' changed nothing in the fixture")
            ok = False
            continue
        r = judge(mutated)
        hit = [line for line in r.lines if line.startswith("FAIL") and want in line]
        if r.failed and hit:
            print(f"ok - self-test: {name}: {hit[0]}")
        else:
            print(f"FAIL - self-test: {name}: expected a FAIL containing '{want}', saw "
                  f"{r.failed} FAIL: {[line for line in r.lines if line.startswith('FAIL')][:2]}")
            ok = False
    return 0 if ok else 1


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        return self_test(argv[2])
    if len(argv) != 2:
        print("usage: check.py RESULTS | --self-test FIXTURE", file=sys.stderr)
        return 2
    try:
        text = open(argv[1], encoding="utf-8", errors="replace").read()
    except OSError as e:
        print(f"FAIL - results readable: expected {argv[1]}, saw {e.strerror}")
        return 1
    r = judge(text)
    print("\n".join(r.lines))
    print(f"# systemd: {r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
