#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A real Prometheus over the lab's data: the rules and the Grafana dashboard on a board.

  server.py RESULTS [--kernel TAG]   RESULTS: build/lab/<kver>/results.txt (or .gz)
  server.py --self-test [RESULTS]    mutated data, rules and dashboard must each FAIL

The textfiles the guest's daemons wrote (sections "textfile TAG", "hostile-textfile",
"inventory-daemon" of RESULTS, in the order the guest wrote them) are renamed one after
another into the directory of a real prometheus-node-exporter (textfile collector only),
scraped every second by a real prometheus that loads dist/prometheus/dmabuf-audit.rules.yml
unchanged (evaluation every second), both on 127.0.0.1, in a temporary directory. Each
textfile stays until Prometheus scraped it twice and evaluated the recording rules and
then the alerts on it; then its alerts and rule health are read from the HTTP API
(/api/v1/alerts, /api/v1/rules) and held against what the scenario planted:

- DmabufAuditViolation fires for each violating trigger's exporter with exactly the kinds
  it planted, for nothing the lab did not plant, and never for a compliant exporter;
- no other alert fires (their `for:` is longer than this run, the lab plants none of
  their conditions); TextfileStale and TextfileUnreadable are not even pending;
- DmabufAuditEventsLost is silent through the daemon's own run and fires for the hoard
  (a finding table too small on purpose);
- every rule's health is "ok" at every textfile.

At the end every recording rule must return data, the alerts with a `for:` must be
pending exactly where their expression holds, and every target of every panel of
dist/grafana/dmabuf-audit.json ($instance as ".*", $__rate_interval as 1m) must succeed
at the time of every textfile and return data wherever the lab planted its series.

What is expected comes from the triggers' oracle lines and the lab's kernel table
(tests/lab/check.py, check_daemon.py), never from the textfiles themselves. TAG (6.1,
7.2, or a release) picks that table's kernel; default: the @@LAB line of RESULTS.
Output: "ok - ..." / "FAIL - ...: expected X, saw Y", then "N passed, N failed";
exit 0, 1 on any FAIL, 2 on a setup error (one line on stderr). Both servers are stopped
on every way out (SIGINT and SIGTERM too; they get SIGTERM if this process dies).
Binaries: tests/prom/fetch-tools.sh ($PROM_CACHE). Python standard library only.
"""
import calendar
import ctypes
import gzip
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lab'))
import check  # noqa: E402
import check_daemon  # noqa: E402
import promcheck  # noqa: E402

RULES = os.path.join(ROOT, 'dist', 'prometheus', 'dmabuf-audit.rules.yml')
DASHBOARD = os.path.join(ROOT, 'dist', 'grafana', 'dmabuf-audit.json')
FIXTURE = os.path.join(ROOT, 'tests', 'lab', 'fixtures', 'good-6.1.txt.gz')
SCENARIO = os.path.join(ROOT, 'tests', 'lab', 'guest-scenario.sh')
JOB = 'node'
SCRAPES = 2  # scrapes of each textfile before its rules are evaluated
WAIT = 20  # seconds any one step may take
RULE_GROUPS = ('dmabuf-audit.rules', 'dmabuf-audit.alerts')
VIOLATION, EVENTS_LOST = 'DmabufAuditViolation', 'DmabufAuditEventsLost'
NEVER_ACTIVE = ('DmabufAuditTextfileStale', 'DmabufAuditTextfileUnreadable')
# the textfiles, in the order guest-scenario.sh writes them: run_daemon (check_daemon's
# TEXTFILES), run_daemon_churn churn and hoard, run_storm, run_hostile, run_inventory
STAGES = check_daemon.TEXTFILES + ('churn', 'hoard', 'storm-term', 'storm', 'hostile-textfile',
                                   'inventory-daemon')
DAEMON_RUN = check_daemon.TEXTFILES
# Grafana's variables as this test substitutes them: every board, and durations fit for
# a run of a minute scraped every second
GRAFANA_VARS = {'$instance': '.*', '${instance}': '.*', '$__rate_interval': '1m',
                '$__interval': '15s', '$__range': '1h'}
SERIES = re.compile(r'\b((?:dmabuf_audit|node_textfile)_[a-z_]+)\b')


class SetupError(Exception):
    pass


class Tap:
    def __init__(self, out=sys.stdout):
        self.passed = self.failed = 0
        self.out = out

    def say(self, s):
        print(s, file=self.out, flush=True)

    def ok(self, cond, what, expected='', saw=''):
        if cond:
            self.passed += 1
            self.say('ok - ' + what)
        else:
            self.failed += 1
            self.say('FAIL - %s: expected %s, saw %s' % (what, expected, saw))
        return cond


def fmt_pairs(pairs):
    return ', '.join('%s/%s' % p for p in sorted(pairs)) or 'none'


# --- what the lab planted: the triggers' oracles and the kernel table --------------------

class Stage:
    """One textfile of RESULTS and what the scenario planted by the time it was written."""

    def __init__(self, tag, data):
        self.tag = tag
        self.data = data  # bytes, or None when the section is missing or truncated
        self.required = set()  # (exporter, kind) that must fire here
        self.planted = set()  # (exporter, kind) this stage's triggers planted
        self.why = ''  # which triggers
        self.missing = []  # oracles that are missing: this stage's expectations unknown
        self.t = None  # when its alerts were read (unix time)
        self.alerts = []
        self.rules = []


def textfile_of(secs, tag):
    """The bytes of textfile TAG as the guest wrote it, or None (missing, truncated)."""
    if tag == 'hostile-textfile':
        return check.hex_bytes(check.complete(secs, tag))
    sec = check.complete(secs, tag if tag == 'inventory-daemon' else 'textfile ' + tag)
    if sec is None:
        return None
    # inventory-daemon: the daemon's stderr follows the file, each line "stderr: "
    lines = [ln for ln in sec.lines if not ln.startswith('stderr: ')]
    return ('\n'.join(lines) + '\n').encode() if lines else b''


class Plan:
    """The stages and what each must show, from the triggers' oracle lines (as
    check_daemon.py reads them) and check.py's kernel table."""

    def __init__(self, text, tag=None):
        self.secs, meta = check.parse(text)
        lab = [m for m in meta if m.startswith('@@LAB kernel=')]
        self.release = lab[0].split('=', 1)[1].strip() if lab else None
        if tag is None and self.release is None:
            raise SetupError('no @@LAB kernel= line in the results: pass --kernel TAG')
        self.kver = check.short_kver(tag or self.release)
        self.arch = 'arm64' if (self.release or '').endswith('-arm64') else 'amd64'
        self.k = check.KERNELS.get((self.kver, self.arch))
        if self.k is None:
            raise SetupError('kernel %s/%s is not in tests/lab/check.py KERNELS (%s): pass '
                             '--kernel TAG' % (self.kver, self.arch, ', '.join(
                                 '%s/%s' % k for k in sorted(check.KERNELS))))
        self.dc = check_daemon.DaemonChecker(out=open(os.devnull, 'w'))
        self.dc.k, self.dc.mode = self.k, 'auto'
        self.compliant = {}  # exporter -> which trigger planted it
        self.stages = [Stage(t, textfile_of(self.secs, t)) for t in STAGES]
        self.inventory = None  # the inventory holder's oracle
        self.hold = None  # the daemon's holder's oracle (its mapping during textfile 1)
        self.hoard = None
        planners = {'churn': self.plan_churn, 'hoard': self.plan_churn,
                    'storm-term': self.plan_storm, 'storm': self.plan_storm,
                    'hostile-textfile': self.plan_hostile, 'inventory-daemon': self.plan_inventory}
        if all(s.data is None for s in self.stages):
            raise SetupError('no daemon textfile in the results (sections "textfile TAG", '
                             '"hostile-textfile", "inventory-daemon"): not a test guest\'s '
                             'results?')
        for s in self.stages:
            planners.get(s.tag, self.plan_daemon)(s)
            s.planted |= s.required

    def oracle(self, stage, head, killed=False):
        o = check_daemon.oracle(self.secs, head, killed)
        if o is None:
            stage.missing.append(head)
        return o

    def kinds(self, o):
        return set(self.dc.trigger_counts(o))

    def complies(self, o, head):
        if o is not None and self.k.compliant(o.get('exporter_arg')):
            self.compliant[o['exporter']] = head

    def plan_daemon(self, s):
        """run_daemon: A and the holder before SIGHUP, B after it (its page inserts
        suppressed by the rule SIGHUP added); the noisy trigger suppressed by comm; the
        remap_pfn trigger compliant."""
        heads = ['trigger daemon test:insert_page mmap', 'hold daemon']
        if s.tag != '1':
            heads.append('trigger daemon-hup test:insert_page mmap')
        for head in heads:
            o = self.oracle(s, head, killed=head == 'hold daemon')
            if o is None:
                continue
            kinds = self.kinds(o)
            if 'daemon-hup' in head:
                kinds.discard('page_insert_on_dmabuf')
            s.planted |= {(o['exporter'], k) for k in kinds}
            if head == 'hold daemon':
                self.hold = o
        s.required = set(s.planted)
        s.why = 'triggers ' + ', '.join(h.replace('trigger ', '') for h in heads)
        head = 'trigger daemon test:remap_pfn mmap'
        self.complies(self.oracle(s, head), head)

    def plan_churn(self, s):
        """run_daemon_churn: one process maps the buffer again and again (check_churn)."""
        head = 'trigger daemon-%s test:insert_page %s' % (s.tag, s.tag)
        o = self.oracle(s, head)
        if o is not None and o.get('maps'):
            s.required = {(o['exporter'], k) for k in self.kinds(o)}
            if s.tag == 'hoard':
                self.hoard = o
        s.why = 'trigger ' + head[8:]

    def plan_storm(self, s):
        """run_storm: inserts, GUP and faults of two exporters (check_storm); storm-term is
        the daemon stopped in the middle: only its first kind is certain there."""
        head = 'trigger daemon-storm test:insert_page storm'
        o = self.oracle(s, head)
        s.why = 'trigger ' + head[8:]
        if o is None or o.get('gups') is None:
            return
        e, f = o['exporter'], o['fault_exporter']
        want = {(e, 'mmap_without_pfnmap'): o['maps'], (f, 'mmap_without_pfnmap'): o['fault_maps']}
        if self.dc.attached('insert_page'):
            want[(e, 'page_insert_on_dmabuf')] = want[(e, 'pte_not_special')] = o['inserted']
        if self.dc.attached('gup_slow'):
            want[(e, 'gup_on_dmabuf')] = o['gups']
        if self.dc.attached('pte_install'):
            want[(f, 'pte_not_special')] = o['faults']
        s.planted = {p for p, n in want.items() if n > 0}
        s.required = set(s.planted) if s.tag == 'storm' else {(e, 'mmap_without_pfnmap')}

    def plan_hostile(self, s):
        """run_hostile: test:insert_page mapped (mmap) and read (procmem) under hostile
        names and comms, and a holder mapped before the daemon started (the scan)."""
        for tag in sorted(check.HOSTILE):
            for path, kinds in sorted(check.HOSTILE_RUNS.items()):
                head = 'hostile-trigger %s %s' % (tag, path)
                sec = check.complete(self.secs, head)
                o = check.hex_oracle(sec)
                if o is None or sec.attrs.get('rc') != '0':
                    s.missing.append(head)
                    continue
                s.planted |= {(o['exporter'], k) for k in kinds}
        hold = check.hex_oracle(check.complete(self.secs, 'hostile-hold'))
        if hold is None:
            s.missing.append('hostile-hold')
        else:
            s.planted.add((hold['exporter'], 'mmap_without_pfnmap'))
        s.required = set(s.planted)
        s.why = 'the hostile-names triggers and holder'

    def plan_inventory(self, s):
        """run_inventory: four test:insert_pfn buffers (compliant), one held only by the
        kernel; nothing violates."""
        head = 'inventory-holder'
        o = check.oracle_of(check.complete(self.secs, head))
        if o is None or len(o.get('buffers') or []) != 4:
            s.missing.append(head)
            return
        self.inventory = o
        self.complies(o, head)
        s.why = 'the inventory holder (compliant)'


# --- the servers ---------------------------------------------------------------------------

def binaries():
    """-> (prometheus, node_exporter), where fetch-tools.sh leaves them."""
    promtool, node_exporter = promcheck.tools()
    prometheus = os.path.join(os.path.dirname(promtool), 'prometheus')
    if not os.access(prometheus, os.X_OK):
        raise SetupError(f'{prometheus} missing: run tests/prom/fetch-tools.sh first')
    return prometheus, node_exporter


def _die_with_parent():
    """In the child: SIGTERM when the process that started it dies (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no http_proxy


def http_get(url, timeout=5):
    """-> (HTTP status, body text); OSError when nothing answers."""
    try:
        with OPENER.open(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors='replace')


class Servers:
    """node_exporter (textfile collector on DIR) and prometheus scraping it, in TMP."""

    def __init__(self, tmp, rules):
        self.tmp, self.rules = tmp, rules
        self.procs = []
        self.dir = os.path.join(tmp, 'textfiles')
        os.makedirs(self.dir)
        self.prometheus, self.node_exporter = binaries()
        self.base = None

    def spawn(self, name, argv_of, ready):
        """Start NAME on a free port (again on another if that one was taken) and wait until
        GET READY answers 200. -> port."""
        for _ in range(3):
            port = _free_port()
            log_path = os.path.join(self.tmp, name + '.log')
            log = open(log_path, 'w')
            proc = subprocess.Popen(argv_of(port), stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, cwd=self.tmp,
                                    preexec_fn=_die_with_parent)
            log.close()
            self.procs.append(proc)
            deadline = time.monotonic() + WAIT
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    if http_get(f'http://127.0.0.1:{port}{ready}', timeout=2)[0] == 200:
                        return port
                except OSError:
                    pass
                time.sleep(0.05)
            with open(log_path, errors='replace') as f:
                lines = [ln.strip() for ln in f if ln.strip()]
            if proc.poll() is None:
                raise SetupError(f'{name} did not answer {ready} on 127.0.0.1:{port} within '
                                 f'{WAIT} s: ' + ' | '.join(lines[-2:]))
            if not any('address already in use' in ln for ln in lines):
                raise SetupError(f'{name} exited with {proc.returncode}: ' + ' | '.join(lines[-2:]))
        raise SetupError(f'{name}: no free port on 127.0.0.1 after 3 tries')

    def start(self):
        ne = self.spawn('node_exporter', lambda port: [
            self.node_exporter, '--collector.disable-defaults', '--collector.textfile',
            '--collector.textfile.directory', self.dir,
            '--web.listen-address', f'127.0.0.1:{port}'], '/metrics')
        self.target = f'127.0.0.1:{ne}'
        config = os.path.join(self.tmp, 'prometheus.yml')
        with open(config, 'w') as f:  # JSON is YAML
            json.dump({'global': {'scrape_interval': '1s', 'scrape_timeout': '1s',
                                  'evaluation_interval': '1s'},
                       'rule_files': [os.path.abspath(self.rules)],
                       'scrape_configs': [{'job_name': JOB, 'static_configs': [
                           {'targets': [self.target]}]}]}, f, indent=1)
        port = self.spawn('prometheus', lambda port: [
            self.prometheus, f'--config.file={config}',
            f'--storage.tsdb.path={os.path.join(self.tmp, "tsdb")}',
            f'--web.listen-address=127.0.0.1:{port}', '--log.level=warn'], '/-/ready')
        self.base = f'http://127.0.0.1:{port}'
        self.started = time.time()

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in reversed(self.procs):
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []

    # --- the HTTP API ---
    def api(self, path, **params):
        """GET /api/v1/PATH -> (status, data or error text). OSError: Prometheus is gone."""
        url = f'{self.base}/api/v1/{path}'
        if params:
            url += '?' + urllib.parse.urlencode(params, doseq=True)
        try:
            code, body = http_get(url, timeout=10)
        except OSError as e:
            raise SetupError(f'prometheus on {self.base} stopped answering: {e}') from e
        try:
            j = json.loads(body)
        except ValueError:
            return 'error', f'HTTP {code}: {body[:200]}'
        if j.get('status') == 'success':
            return 'success', j.get('data')
        return j.get('status', 'error'), '%s: %s' % (j.get('errorType'), j.get('error'))

    def must(self, path, **params):
        status, data = self.api(path, **params)
        if status != 'success':
            raise SetupError(f'prometheus /api/v1/{path}: {data}')
        return data

    def query(self, expr, t=None):
        """Instant query -> (status, result list or error)."""
        params = {'query': expr}
        if t is not None:
            params['time'] = '%.3f' % t
        status, data = self.api('query', **params)
        if status != 'success':
            return status, data
        return status, data.get('result', [])

    def groups(self):
        return {g['name']: g for g in self.must('rules')['groups']}


def rfc3339(s):
    """Prometheus' RFC 3339 time (nanoseconds, Z) -> unix time; 0 for the zero time."""
    m = re.match(r'^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$',
                 s or '')
    if not m or m.group(1) == '0001':
        return 0.0
    t = calendar.timegm(tuple(int(m.group(i)) for i in range(1, 7)))
    t += float('0.' + m.group(7)) if m.group(7) else 0.0
    if m.group(8) != 'Z':
        sign = 1 if m.group(8)[0] == '+' else -1
        t -= sign * (int(m.group(8)[1:3]) * 3600 + int(m.group(8)[4:6]) * 60)
    return t


def wait_for(what, fn, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    raise SetupError(f'{what}: not within {timeout} s')


class Run:
    """One run: the servers, the textfiles fed one after another, the assertions."""

    def __init__(self, plan, rules, dashboard, tap):
        self.plan, self.rules, self.dashboard, self.t = plan, rules, dashboard, tap
        self.pre = '[%s prom]' % plan.kver

    def last_scrape(self):
        status, res = self.srv.query('timestamp(up{job="%s"})' % JOB)
        return float(res[0]['value'][1]) if status == 'success' and res else None

    def group_evals(self):
        g = self.srv.groups()
        return {n: rfc3339(g[n].get('lastEvaluation')) if n in g else 0.0 for n in RULE_GROUPS}

    def settle(self, since):
        """Wait for SCRAPES scrapes that began after SINCE, then a recording-rule evaluation
        begun after that was seen, then an alert evaluation begun after that one was seen."""
        first = wait_for('a scrape of node_exporter (the new textfile)', lambda: (
            lambda ts: ts if ts and ts > since else None)(self.last_scrape()))
        wait_for('%d scrapes of the new textfile' % SCRAPES, lambda: (
            lambda ts: ts and ts >= first + (SCRAPES - 1) * 0.9)(self.last_scrape()))
        for group in RULE_GROUPS:
            seen = time.time()
            wait_for('an evaluation of group %s' % group,
                     lambda: self.group_evals()[group] > seen)

    def feed(self, stage, prev):
        """Rename STAGE's textfile into the directory (left as it is when the guest's file
        did not change: the daemon could not write, node_exporter serves the old one)."""
        path = os.path.join(self.srv.dir, 'dmabuf_audit.prom')
        if stage.data != prev:
            tmp = path + '.tmp'
            with open(tmp, 'wb') as f:
                f.write(stage.data)
            os.replace(tmp, path)
        else:
            self.t.say('# %s %s: the same bytes as the textfile before it: left in place, as the '
                       'daemon could not replace it' % (self.pre, stage.tag))
        self.settle(time.time())
        stage.t = time.time()
        stage.alerts = self.srv.must('alerts')['alerts']
        stage.rules = [r for g in self.srv.must('rules')['groups'] for r in g['rules']]

    def run(self):
        dash_targets = check_dashboard(self.dashboard, self.t, self.pre.replace('prom', 'grafana'))
        with tempfile.TemporaryDirectory(prefix='dmabuf-prom-') as tmp:
            self.srv = Servers(tmp, self.rules)
            try:
                self.srv.start()
                self.t.say('# %s node_exporter %s, prometheus %s, rules %s' % (
                    self.pre, self.srv.target, self.srv.base, os.path.relpath(self.rules, ROOT)
                    if self.rules.startswith(ROOT) else self.rules))
                wait_for('prometheus loading the rule groups %s' % ', '.join(RULE_GROUPS),
                         lambda: all(self.group_evals().values()))
                # (its first scrape comes some 5 s after start: the scrape manager takes new
                # targets on a 5 s tick; the first textfile's wait covers it)
                prev = None
                for s in self.plan.stages:
                    if not self.t.ok(s.data is not None, '%s textfile %s in the results' % (
                            self.pre, s.tag), 'a complete section', 'missing or truncated'):
                        continue
                    self.feed(s, prev)
                    prev = s.data
                    self.check_stage(s)
                self.check_end()
                self.check_panels(dash_targets)
            finally:
                self.srv.stop()

    # --- assertions per textfile ---
    def check_stage(self, s):
        pre = '%s textfile %s:' % (self.pre, s.tag)
        plan = self.plan
        firing = {}
        for a in s.alerts:
            if a['state'] == 'firing':
                firing.setdefault(a['labels']['alertname'], []).append(a['labels'])
        viol = {(lb.get('exporter'), lb.get('kind')) for lb in firing.get(VIOLATION, [])}
        so_far = set().union(*(x.planted for x in plan.stages[:plan.stages.index(s) + 1]))
        if s.missing:
            self.t.ok(False, '%s the oracles of what was planted' % pre, 'every oracle line',
                      'missing: ' + ', '.join(s.missing))
        if s.required:
            exporters = sorted({e for e, _ in s.required})
            self.t.ok(s.required <= viol, '%s %s fires for the planted violator(s) %s (%s): '
                      'exporter and kind labels as planted' % (
                          pre, VIOLATION, ', '.join(exporters), s.why),
                      fmt_pairs(s.required), fmt_pairs(viol))
        self.t.ok(viol <= so_far, '%s %s fires for nothing the lab did not plant' % (
            pre, VIOLATION), 'a subset of ' + fmt_pairs(so_far),
            fmt_pairs(viol - so_far) + ' besides')
        bad = sorted(p for p in viol if p[0] in plan.compliant)
        self.t.ok(plan.compliant and not bad, '%s %s silent for the compliant exporter(s) %s' % (
            pre, VIOLATION, ', '.join('%s (%s)' % kv for kv in sorted(plan.compliant.items()))),
            'no alert of theirs', fmt_pairs(bad) if plan.compliant else 'no compliant oracle')
        others = sorted(n for n in firing if n not in (VIOLATION, EVENTS_LOST))
        self.t.ok(not others, '%s no other alert firing (the lab plants none of their conditions; '
                  'their for: outlasts this run)' % pre, 'none', others)
        active = sorted('%s %s' % (a['labels']['alertname'], a['state']) for a in s.alerts
                        if a['labels']['alertname'] in NEVER_ACTIVE)
        self.t.ok(not active, '%s %s not even pending (fresh, valid textfiles)' % (
            pre, ' and '.join(NEVER_ACTIVE)), 'inactive', active)
        lost = sorted(a['state'] for a in s.alerts if a['labels']['alertname'] == EVENTS_LOST)
        if s.tag in DAEMON_RUN:
            self.t.ok(not lost, '%s %s inactive: the daemon run loses nothing (check_daemon: '
                      'final textfile ringbuf_lost and findings_dropped 0)' % (pre, EVENTS_LOST),
                      'inactive', lost)
        elif s.tag == 'hoard':
            o = plan.hoard
            self.t.ok(o is not None and lost == ['firing'], '%s %s fires: the hoard holds %s '
                      'mappings alive in a finding table of %s' % (
                          pre, EVENTS_LOST, o and o['maps'], max_findings()),
                      'firing', lost or 'inactive')
        else:
            self.t.say('# %s %s %s, not asserted: the churn\'s and the storm\'s ring-buffer '
                       "losses depend on the guest's speed (and stay in the 15-min window)" % (
                           pre, EVENTS_LOST, lost[0] if lost else 'inactive'))
        sick = ['%s: %s %s' % (r['name'], r.get('health'), r.get('lastError', ''))
                for r in s.rules if r.get('health') != 'ok']
        self.t.ok(s.rules and not sick, '%s health "ok" for all %d rules' % (pre, len(s.rules)),
                  'ok', sick or 'no rules')

    # --- assertions at the end ---
    def check_end(self):
        pre = '%s end:' % self.pre
        groups = self.srv.groups()
        rules = [r for g in groups.values() for r in g['rules']]
        for r in rules:
            self.t.ok(r.get('health') == 'ok', '%s rule %s health "ok"' % (pre, r['name']), 'ok',
                      '%s %s' % (r.get('health'), r.get('lastError', '')))
        for r in rules:
            if r['type'] != 'recording':
                continue
            status, res = self.srv.query(r['name'])
            self.t.ok(status == 'success' and res, '%s recording rule %s returns data' % (
                pre, r['name']), 'a non-empty result', res if status == 'success' else status)
            self.check_recorded(pre, r['name'], res if status == 'success' else [])
        elapsed = time.time() - self.srv.started
        t_alerts = rfc3339(groups[RULE_GROUPS[1]]['lastEvaluation'])
        for r in rules:
            if r['type'] != 'alerting' or not r.get('duration') or r['duration'] <= elapsed:
                continue
            status, res = self.srv.query(r['query'], t_alerts)
            # (a comparison keeps the metric name; the alert drops it)
            holds = sorted(json.dumps({k: v for k, v in x['metric'].items() if k != '__name__'},
                                      sort_keys=True) for x in res) \
                if status == 'success' else None
            pend = sorted(json.dumps({k: v for k, v in a['labels'].items() if k != 'alertname' and
                                      k not in r.get('labels', {})}, sort_keys=True)
                          for a in r.get('alerts', []) if a['state'] == 'pending')
            fire = [a for a in r.get('alerts', []) if a['state'] == 'firing']
            self.t.ok(holds is not None and pend == holds and not fire,
                      '%s %s (for: %gs, longer than this run) at most pending, pending exactly '
                      'where its expression holds (%d pending)' % (pre, r['name'], r['duration'],
                                                                   len(pend)),
                      'pending %s, none firing' % (holds if holds is not None else status),
                      'pending %s, firing %d' % (pend, len(fire)))

    def check_recorded(self, pre, name, res):
        """What the lab planted in a recording rule's result, where the oracles say."""
        viol = {(x['metric'].get('exporter'), x['metric'].get('kind')) for x in res}
        if name.endswith(':dmabuf_audit_violations:increase15m'):
            want = set().union(*(s.required for s in self.plan.stages))
            self.t.ok(want and want <= viol, '%s %s has a series for every (exporter, kind) '
                      'planted in the last 15 min' % (pre, name), fmt_pairs(want), fmt_pairs(viol))
        elif name.endswith(':dmabuf_audit_unitemised_events:increase15m'):
            v = max((float(x['value'][1]) for x in res), default=None)
            self.t.ok(v is not None and v > 0, '%s %s > 0: the hoard overflowed its finding table '
                      'in the last 15 min' % (pre, name), '> 0', v)
        elif name.endswith(':dmabuf_audit_buffer_bytes:sum') and self.plan.inventory:
            total = sum(b['size'] for b in self.plan.inventory['buffers'])
            v = max((float(x['value'][1]) for x in res), default=None)
            self.t.ok(v is not None and v >= total, '%s %s at least the inventory holder\'s %d '
                      'bytes (the last textfile)' % (pre, name, total), '>= %d' % total, v)

    # --- the dashboard's queries ---
    def check_panels(self, targets):
        pre = self.pre.replace('prom', 'grafana')
        stages = [s for s in self.plan.stages if s.t is not None]
        status, res = self.srv.api('label/instance/values',
                                   **{'match[]': 'dmabuf_audit_detectors_attached'})
        self.t.ok(status == 'success' and self.srv.target in res, '%s variable instance: '
                  'label_values(dmabuf_audit_detectors_attached, instance) lists the board' % pre,
                  self.srv.target, res)
        planted = self.planted_series()
        names = set(self.srv.must('label/__name__/values'))
        for panel, ref, expr in targets:
            what = '%s panel %d "%s" %s' % (pre, panel['id'], panel['title'], ref)
            q = expr
            for var, val in sorted(GRAFANA_VARS.items(), key=lambda kv: -len(kv[0])):
                q = q.replace(var, val)
            results, errors = {}, []
            for s in stages:
                status, res = self.srv.query(q, s.t)
                if status == 'success':
                    results[s.tag] = res
                else:
                    errors.append('%s: %s' % (s.tag, res))
            self.t.ok(not errors, '%s: query succeeds at every textfile' % what, 'success',
                      errors[:2])
            metrics = sorted(set(SERIES.findall(expr)))
            self.t.ok(metrics and set(metrics) <= names, '%s: selects only series Prometheus '
                      'scraped (%s)' % (what, ', '.join(metrics)), 'series of the daemon\'s '
                      'textfiles or of the textfile collector', sorted(set(metrics) - names))
            needs = [(m, tag, why, fn) for m in metrics for tag, why, fn in planted.get(m, [])
                     if tag in results]
            if not needs:
                self.t.say('# %s: data not asserted: the lab plants no series of %s' % (
                    what, ', '.join(metrics)))
                continue
            empty = sorted({tag for _, tag, _, _ in needs if not results[tag]})
            whys = sorted({why for _, _, why, _ in needs})
            self.t.ok(not empty, '%s returns data where the lab planted its series (%s)' % (
                what, '; '.join(whys)), 'data at textfile(s) %s' % ', '.join(
                    sorted({tag for _, tag, _, _ in needs})), 'none at %s' % empty)
            # each value check once per target: the textfiles it held at, the first it did not
            verdicts = {}
            for _, tag, _, fn in needs:
                if fn and results[tag]:
                    good, expected, saw, desc = fn(results[tag])
                    if good is not None:
                        verdicts.setdefault(desc, []).append((tag, good, expected, saw))
            for desc, vs in verdicts.items():
                bad = [v for v in vs if not v[1]]
                self.t.ok(not bad, '%s: %s, at textfile(s) %s' % (
                    what, desc, ', '.join(v[0] for v in vs)), bad and bad[0][2],
                    bad and 'at %s: %s' % (bad[0][0], bad[0][3]))

    def planted_series(self):
        """{series name: [(textfile tag, why, check of a result or None)]} from the oracles
        and the lab's kernel table."""
        plan, out = self.plan, {}

        def add(metric, tag, why, fn=None):
            out.setdefault(metric, []).append((tag, why, fn))
        so_far = set()
        for s in plan.stages:
            so_far |= s.planted
            if s.required:
                add('dmabuf_audit_violations_total', s.tag, 'violations planted by the triggers',
                    lambda res, req=set(s.required), allowed=set(so_far):
                    labelled_pairs(res, req, allowed))
            add('dmabuf_audit_detectors_attached', s.tag, 'the kernel table: %d live detectors '
                'on %s' % (plan.k.live('auto'), plan.kver))
            add('node_textfile_mtime_seconds', s.tag, 'the textfile written for the stage')
            add('node_textfile_scrape_error', s.tag, 'the collector reports every read',
                lambda res: (all(float(x['value'][1]) == 0 for x in res), 0,
                             [x['value'][1] for x in res], 'no read error (valid textfiles)'))
            if plan.release:
                add('dmabuf_audit_build_info', s.tag, 'every textfile',
                    lambda res: ({x['metric'].get('kernel') for x in res} <= {plan.release},
                                 plan.release, sorted({x['metric'].get('kernel') for x in res}),
                                 'kernel label of the guest\'s @@LAB line'))
        if plan.hold:
            h = plan.hold
            add('dmabuf_audit_mapped_bytes', '1', 'the daemon holder maps %d bytes' % h['size'],
                lambda res: by_exporter(res, h['exporter'], h['size'], '>=',
                                        'the holder\'s mapping'))
        inv = plan.inventory
        if inv:
            e = inv['exporter']
            total = sum(b['size'] for b in inv['buffers'])
            unheld = sum(b['size'] for b in inv['buffers'] if b['state'] == 'imported')
            why = 'the inventory holder\'s 4 buffers, %d bytes, %d held only by the kernel' % (
                total, unheld)
            add('dmabuf_audit_buffer_bytes', 'inventory-daemon', why,
                lambda res: by_exporter(res, e, total, '==', 'its exporter\'s bytes'))
            add('dmabuf_audit_unheld_buffer_bytes', 'inventory-daemon', why,
                lambda res: by_exporter(res, e, unheld, '==', 'its exporter\'s imported buffer'))
            add('dmabuf_audit_buffer_bytes_high_water', 'inventory-daemon', why,
                lambda res: (all(float(x['value'][1]) >= total for x in res), '>= %d' % total,
                             [x['value'][1] for x in res], 'at least the holder\'s bytes'))
        if plan.hoard:
            add('dmabuf_audit_findings_dropped_total', 'hoard', 'the hoard overflows a finding '
                'table of %s' % max_findings(),
                lambda res: (any(float(x['value'][1]) > 0 for x in res), '> 0',
                             [x['value'][1] for x in res], 'the overflow shows'))
        if 'final' in [s.tag for s in plan.stages if s.data is not None]:
            add('dmabuf_audit_textfile_write_errors_total', 'final', 'the full and read-only '
                'textfile directories',
                lambda res: (any(float(x['value'][1]) > 0 for x in res), '> 0',
                             [x['value'][1] for x in res], 'the failed writes show'))
        return out


def labelled_pairs(res, required, allowed):
    """A violations result against the planted (exporter, kind): every required one there
    (by exporter alone where the query keeps no kind), nothing beyond what was planted."""
    if not res or 'exporter' not in res[0]['metric']:
        return None, None, None, None
    if 'kind' in res[0]['metric']:
        got = {(x['metric'].get('exporter'), x['metric'].get('kind')) for x in res}
        return (required <= got <= allowed, 'all of %s, within %s' % (
            fmt_pairs(required), fmt_pairs(allowed)), fmt_pairs(got),
            'the planted exporters and kinds')
    got = {x['metric'].get('exporter') for x in res}
    want = {e for e, _ in required}
    return want <= got <= {e for e, _ in allowed}, sorted(want), sorted(got), 'planted exporters'


def by_exporter(res, exporter, value, op, desc):
    """The row of EXPORTER equals (or is at least) VALUE; rows without an exporter label
    (a sum over the board): at least VALUE."""
    rows = [x for x in res if x['metric'].get('exporter') == exporter]
    if rows:
        v = float(rows[0]['value'][1])
        return (v == value if op == '==' else v >= value), '%s %d' % (op, value), v, \
            '%s %s %d (exporter %s)' % (desc, op, value, exporter)
    if res and 'exporter' not in res[0]['metric']:
        v = max(float(x['value'][1]) for x in res)
        return v >= value, '>= %d' % value, v, '%s: the board\'s sum >= %d' % (desc, value)
    return False, 'a row of exporter %s' % exporter, [x['metric'] for x in res][:3], desc


def max_findings():
    """The hoard's max-findings, from the scenario that set it."""
    try:
        with open(SCENARIO) as f:
            m = re.search(r"max-findings = (\d+)", f.read())
        return m.group(1) if m else '?'
    except OSError:
        return '?'


# --- the dashboard's structure ---------------------------------------------------------------

def check_dashboard(path, t, pre):
    """Structure of the Grafana dashboard. -> [(panel, refId, expr)] of every target."""
    try:
        with open(path) as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        t.ok(False, '%s %s is JSON' % (pre, path), 'a JSON dashboard', e)
        return []
    rel = os.path.relpath(path, ROOT) if path.startswith(ROOT) else path
    t.ok(isinstance(dash.get('schemaVersion'), int) and dash['schemaVersion'] >= 36 and
         dash.get('title') and dash.get('uid'), '%s %s: title, uid, schemaVersion' % (pre, rel),
         'schemaVersion >= 36 (Grafana 9+), a title and uid',
         (dash.get('schemaVersion'), dash.get('title'), dash.get('uid')))
    tvars = {v.get('name'): v for v in (dash.get('templating') or {}).get('list', [])}
    ds = tvars.get('datasource', {})
    t.ok(ds.get('type') == 'datasource' and ds.get('query') == 'prometheus',
         '%s variable datasource: a Prometheus data source picked on import' % pre,
         'type datasource, query prometheus', (ds.get('type'), ds.get('query')))
    iv = tvars.get('instance', {})
    q = iv.get('query')
    q = q.get('query') if isinstance(q, dict) else q
    want_q = 'label_values(dmabuf_audit_detectors_attached, instance)'
    t.ok(iv.get('type') == 'query' and q == want_q and iv.get('definition') == want_q and
         iv.get('multi') is True and iv.get('includeAll') is True and
         iv.get('datasource') == {'type': 'prometheus', 'uid': '${datasource}'},
         '%s variable instance: %s from ${datasource}, multi, include all' % (pre, want_q),
         'type query, multi, includeAll', {k: iv.get(k) for k in (
             'type', 'definition', 'multi', 'includeAll', 'datasource')})
    panels = dash.get('panels') or []
    bad, targets, ids, cells = [], [], {}, {}
    ds_ref = {'type': 'prometheus', 'uid': '${datasource}'}
    for i, p in enumerate(panels):
        name = 'panel %s "%s"' % (p.get('id', '#%d' % i), p.get('title'))
        if not isinstance(p.get('id'), int):
            bad.append(name + ': no integer id')
        elif p['id'] in ids:
            bad.append(name + ': id %d also on panel "%s"' % (p['id'], ids[p['id']]))
        else:
            ids[p['id']] = p.get('title')
        if not isinstance(p.get('title'), str) or not p['title'].strip():
            bad.append(name + ': no title')
        if not p.get('type'):
            bad.append(name + ': no type')
        if p.get('datasource') != ds_ref:
            bad.append(name + ': datasource %r, not ${datasource}' % (p.get('datasource'),))
        g = p.get('gridPos') or {}
        if not all(isinstance(g.get(k), int) and g[k] >= 0 for k in 'hwxy') or \
                not g.get('h') or not g.get('w') or g['x'] + g['w'] > 24:
            bad.append(name + ': gridPos %r (h, w, x, y; x + w <= 24)' % (g,))
        else:
            for x in range(g['x'], g['x'] + g['w']):
                for y in range(g['y'], g['y'] + g['h']):
                    if (x, y) in cells:
                        bad.append(name + ': overlaps panel %s' % cells[(x, y)])
                        break
                    cells[(x, y)] = p.get('id')
                else:
                    continue
                break
        refs = set()
        for tg in p.get('targets') or []:
            ref, expr = tg.get('refId'), tg.get('expr')
            if not ref or ref in refs:
                bad.append(name + ': target refId %r missing or repeated' % ref)
            refs.add(ref)
            if not isinstance(expr, str) or not expr.strip():
                bad.append(name + ': target %s has no expr' % ref)
                continue
            if tg.get('datasource', ds_ref) != ds_ref:
                bad.append(name + ': target %s datasource %r' % (ref, tg.get('datasource')))
            unknown = sorted(set(re.findall(r'\$\{?\w+\}?', expr)) - set(GRAFANA_VARS))
            if unknown:
                bad.append(name + ': target %s uses unknown variables %s' % (ref, unknown))
            unfiltered = [m.group(1) for m in re.finditer(
                r'\b((?:dmabuf_audit|node_textfile)_[a-z_]+)(\{[^}]*\})?', expr)
                if 'instance=~"$instance"' not in (m.group(2) or '')]
            if unfiltered:
                bad.append(name + ': target %s selects %s without instance=~"$instance"' % (
                    ref, sorted(set(unfiltered))))
            targets.append((p, ref, expr))
        if not refs:
            bad.append(name + ': no targets')
    t.ok(panels and not bad, '%s %d panels: each with an id of its own, a title, datasource '
         '${datasource}, a gridPos in 24 columns overlapping no other, targets with an expr '
         '(filtered by $instance) and a refId of their own' % (pre, len(panels)),
         'no problem', bad[:4] if panels else 'no panels')
    return targets


# --- command line and self-test ------------------------------------------------------------

def read_results(path):
    opener = gzip.open if path.endswith('.gz') else open
    try:
        with opener(path, 'rt', errors='replace') as f:
            return f.read()
    except OSError as e:
        raise SetupError(f'{path}: {e}') from e


def run(results, kernel=None, rules=RULES, dashboard=DASHBOARD):
    t = Tap()
    start = time.monotonic()
    binaries()
    plan = Plan(read_results(results), kernel)
    Run(plan, rules, dashboard, t).run()
    t.say('# [%s prom] %s: %.1f s' % (plan.kver, results, time.monotonic() - start))
    t.say('%d passed, %d failed' % (t.passed, t.failed))
    return 1 if t.failed else 0


def section_bounds(lines, head):
    return check.section_bounds(lines, head)


def mutate_results(text, name):
    """Bad data made from good results."""
    lines = text.splitlines(True)
    if name == 'violator-textfiles-removed':
        # the daemon run's textfiles (the planted violator's) written empty
        for tag in DAEMON_RUN:
            b, e = section_bounds(lines, 'textfile ' + tag)
            lines[b + 1:e] = []
    elif name == 'compliant-violates':
        b, e = section_bounds(lines, 'inventory-daemon')
        for i in range(b, e):
            if lines[i].startswith('dmabuf_audit_violations_total{kind="mmap_without_pfnmap"'):
                lines[i] = lines[i].rsplit(' ', 1)[0] + ' 1\n'
    elif name == 'detector-lost':
        b, e = section_bounds(lines, 'inventory-daemon')
        for i in range(b, e):
            m = re.match(r'^(dmabuf_audit_detectors_attached\{mechanism="(?:fentry|kprobe)"\}) '
                         r'([1-9]\d*)$', lines[i])
            if m:
                lines[i] = '%s %d\n' % (m.group(1), int(m.group(2)) - 1)
                break
    elif name == 'textfile-unreadable':
        b, _ = section_bounds(lines, 'textfile 1')
        lines.insert(b + 1, 'dmabuf_audit_broken{kind="x} 1\n')
    return ''.join(lines)


def sub(old, new):
    def f(text):
        if old not in text:
            raise ValueError('mutation: %r not found' % old)
        return text.replace(old, new, 1)
    return f


# (name, what it proves, results mutation, rules edit, dashboard edit, FAIL regex or None)
SELF_TESTS = [
    ('good', 'passes the good run', None, None, None, None),
    ('detector-lost', 'passes a board that lost a detector: DetectorsLost pending, not firing',
     'detector-lost', None, None, None),
    ('violator-textfiles-removed', 'fails when the violator\'s textfiles are empty',
     'violator-textfiles-removed', None, None,
     r'^FAIL - \[\S+ prom\] textfile 1: DmabufAuditViolation fires for the planted violator\(s\) '
     r'test_insert_page'),
    ('violation-never-fires', 'fails when the violation alert cannot fire', None,
     sub('expr: instance_exporter_kind:dmabuf_audit_violations:increase15m > 0',
         'expr: instance_exporter_kind:dmabuf_audit_violations:increase15m > 1e18'), None,
     r'^FAIL - \[\S+ prom\] textfile 1: DmabufAuditViolation fires for the planted violator'),
    ('first-sample-lost', 'fails when an exporter\'s first violations are not counted (its '
     'series born above 0)', None,
     sub('dmabuf_audit_violations_total unless dmabuf_audit_violations_total offset 15m',
         'dmabuf_audit_violations_total > 1e18'), None,
     r'^FAIL - \[\S+ prom\] textfile 1: DmabufAuditViolation fires for the planted violator'),
    ('fires-on-zero', 'fails when the violation alert fires for kinds at 0', None,
     sub('expr: instance_exporter_kind:dmabuf_audit_violations:increase15m > 0',
         'expr: instance_exporter_kind:dmabuf_audit_violations:increase15m >= 0'), None,
     r'^FAIL - \[\S+ prom\] textfile 1: DmabufAuditViolation fires for nothing the lab did not '
     r'plant'),
    ('dropped-ignored', 'fails when findings dropped by a full table do not alert', None,
     sub('+ increase(dmabuf_audit_findings_dropped_total[15m])', '* 0'), None,
     r'^FAIL - \[\S+ prom\] textfile hoard: DmabufAuditEventsLost fires'),
    ('compliant-violates', 'fails when a compliant exporter gets a violation',
     'compliant-violates', None, None,
     r'^FAIL - \[\S+ prom\] textfile inventory-daemon: DmabufAuditViolation silent for the '
     r'compliant exporter'),
    ('for-dropped', 'fails when DetectorsLost fires at once on the board that lost a detector',
     'detector-lost', sub('  < max_over_time(instance:dmabuf_audit_live_detectors:sum[7d])\n'
                          '        for: 15m', '  < max_over_time(instance:dmabuf_audit_live_'
                          'detectors:sum[7d])\n        for: 0m'), None,
     r'^FAIL - \[\S+ prom\] textfile inventory-daemon: no other alert firing'),
    ('rule-broken', 'fails when a recording rule errors',
     None, sub('(dmabuf_audit_detectors_attached{mechanism=~"fentry|kprobe"})\n',
               '(dmabuf_audit_detectors_attached{mechanism=~"fentry|kprobe"})'
               ' + on() dmabuf_audit_detectors_attached\n'), None,
     r'^FAIL - \[\S+ prom\] end: rule instance:dmabuf_audit_live_detectors:sum health "ok"'),
    ('textfile-unreadable', 'fails when node_exporter cannot read a textfile',
     'textfile-unreadable', None, None,
     r'^FAIL - \[\S+ prom\] textfile 1: DmabufAuditTextfileStale and '
     r'DmabufAuditTextfileUnreadable not even pending'),
    ('panel-syntax', 'fails when a panel\'s query does not parse', None, None,
     sub('(dmabuf_audit_violations_total{instance=~\\"$instance\\"}) > 0',
         '(dmabuf_audit_violations_total{instance=~\\"$instance\\"}) > > 0'),
     r'^FAIL - \[\S+ grafana\] panel 2 .*: query succeeds at every textfile'),
    ('panel-misnamed', 'fails when a panel queries a series the daemon does not write', None,
     None, sub('dmabuf_audit_unheld_buffer_bytes{', 'dmabuf_audit_unheld_bytes{'),
     r'^FAIL - \[\S+ grafana\] panel 7 .*: selects only series Prometheus scraped'),
]

# dashboards broken in structure: checked without servers
STRUCTURE_TESTS = [
    ('duplicate-id', lambda d: d['panels'][1].update(id=d['panels'][0]['id']), r'also on panel'),
    ('no-refid', lambda d: d['panels'][0]['targets'][0].pop('refId'), r'refId None missing'),
    ('no-title', lambda d: d['panels'][2].update(title=''), r'no title'),
    ('fixed-datasource', lambda d: d['panels'][3].update(datasource={'type': 'prometheus',
                                                                     'uid': 'P1809F7CD0C75ACF3'}),
     r'not \$\{datasource\}'),
    ('overlap', lambda d: d['panels'][1]['gridPos'].update(x=8), r'overlaps panel'),
    ('unfiltered', lambda d: d['panels'][4]['targets'][0].update(
        expr='time() - node_textfile_mtime_seconds'), r'without instance=~'),
    ('no-instance-var', lambda d: d['templating']['list'].pop(), r'variable instance'),
]


def self_test(results):
    t = Tap()
    start = time.monotonic()
    binaries()
    text = read_results(results)
    Plan(text)  # a setup error here is the good data's
    with open(RULES) as f:
        rules = f.read()
    with open(DASHBOARD) as f:
        dash = f.read()
    for name, edit, pattern in STRUCTURE_TESTS:
        d = json.loads(dash)
        edit(d)
        with tempfile.NamedTemporaryFile('w', suffix='.json') as f:
            json.dump(d, f)
            f.flush()
            buf = io.StringIO()
            check_dashboard(f.name, Tap(buf), '[self-test]')
        fails = [ln for ln in buf.getvalue().splitlines() if ln.startswith('FAIL')]
        t.ok(any(re.search(pattern, ln) for ln in fails), 'self-test dashboard %s: its structure '
             'check fails' % name, 'a FAIL matching %r' % pattern, fails[:2] or 'no FAIL')
    with tempfile.TemporaryDirectory(prefix='dmabuf-prom-self-') as tmp:
        procs = []
        try:
            for name, what, mut, rules_edit, dash_edit, pattern in SELF_TESTS:
                d = os.path.join(tmp, name)
                os.makedirs(d)
                paths = []
                for fname, base, edit in (('results.txt', text, lambda x: mutate_results(x, mut)
                                           if mut else x),
                                          ('rules.yml', rules, rules_edit),
                                          ('dashboard.json', dash, dash_edit)):
                    p = os.path.join(d, fname)
                    with open(p, 'w') as f:
                        f.write(edit(base) if edit else base)
                    paths.append(p)
                if mut:
                    t.ok(mutate_results(text, mut) != text, 'self-test %s: the mutation changes '
                         'the data' % name, 'a change', 'none')
                out = open(os.path.join(d, 'out'), 'w+')
                proc = subprocess.Popen(
                    [sys.executable, os.path.abspath(__file__), paths[0], '--rules', paths[1],
                     '--dashboard', paths[2]], stdout=out, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
                procs.append((name, what, pattern, proc, out))
            for name, what, pattern, proc, out in procs:
                try:
                    rc = proc.wait(240)
                except subprocess.TimeoutExpired:
                    proc.terminate()
                    rc = proc.wait()
                out.seek(0)
                lines = out.read().splitlines()
                fails = [ln for ln in lines if ln.startswith('FAIL')]
                if pattern is None:
                    good = rc == 0 and not fails
                    expect, saw = 'exit 0, no FAIL', 'exit %s: %s' % (rc, (fails or lines[-2:])[:3])
                else:
                    good = rc == 1 and any(re.search(pattern, ln) for ln in fails)
                    expect = 'exit 1 and a FAIL matching %r' % pattern
                    saw = 'exit %s: %s' % (rc, (fails or lines[-2:])[:3])
                t.ok(good, 'self-test %s: %s' % (name, what), expect, saw)
        finally:
            for _, _, _, proc, _ in procs:
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait()
    t.say('# self-test: %.1f s' % (time.monotonic() - start))
    t.say('%d passed, %d failed' % (t.passed, t.failed))
    return 1 if t.failed else 0


def main(argv):
    def interrupted(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, interrupted)
    args, opts = [], {}
    it = iter(argv)
    for a in it:
        if a in ('--kernel', '--rules', '--dashboard'):
            opts[a[2:]] = next(it, None)
        elif a == '--self-test':
            opts['self-test'] = True
        else:
            args.append(a)
    try:
        if opts.get('self-test') and len(args) <= 1 and len(opts) == 1:
            return self_test(args[0] if args else FIXTURE)
        if len(args) == 1 and None not in opts.values() and 'self-test' not in opts:
            return run(args[0], opts.get('kernel'), opts.get('rules', RULES),
                       opts.get('dashboard', DASHBOARD))
    except SetupError as e:
        print(f'server.py: {e}', file=sys.stderr)
        return 2
    except RuntimeError as e:  # promcheck.tools(): binaries missing
        print(f'server.py: {e}', file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        print('server.py: interrupted by %s (both servers stopped)' % (e.args[0] if e.args else
                                                                    'SIGINT'), file=sys.stderr)
        return 2
    print(__doc__.split('\n\n')[1], file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
