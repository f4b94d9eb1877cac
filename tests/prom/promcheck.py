#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run the real Prometheus consumers on dmabuf-audit's textfiles (*.prom).

  promcheck.py check FILE...   promtool check metrics < FILE, one ok/FAIL line each
  promcheck.py scrape DIR      node_exporter's textfile collector on DIR: prints the
                               dmabuf_audit_* and node_textfile_* samples
  promcheck.py --self-test     proves the tooling passes good files and fails bad ones

The binaries come from tests/prom/fetch-tools.sh ($PROM_CACHE). Python stdlib only.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

GATHER_ERRORS = 'promhttp_metric_handler_errors_total{cause="gathering"}'


def tools():
    """-> (promtool, node_exporter) paths, from $PROM_CACHE as fetch-tools.sh leaves them."""
    cache = os.environ.get('PROM_CACHE') or os.path.expanduser('~/.cache/dmabuf-audit/prom')
    paths = tuple(os.path.join(cache, 'root/usr/bin', b)
                  for b in ('promtool', 'prometheus-node-exporter'))
    for p in paths:
        if not os.access(p, os.X_OK):
            raise RuntimeError(f'{p} missing: run tests/prom/fetch-tools.sh first')
    return paths


def promtool_check(path):
    """promtool check metrics < path -> (ok, output). Any output is a lint problem."""
    with open(path, 'rb') as f:
        r = subprocess.run([tools()[0], 'check', 'metrics'], stdin=f, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=60)
    out = r.stdout.strip()
    return r.returncode == 0 and not out, out


# --- exposition text format ---------------------------------------------------------

_NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"')
_UNESCAPE = {'\\': '\\', '"': '"', 'n': '\n'}


def parse_line(line):
    """'name{l="v",...} value [timestamp]' -> (name, {label: decoded value}, float)."""
    m = _NAME.match(line)
    if not m:
        raise ValueError(f'bad metric name: {line!r}')
    name, i, labels = m.group(), m.end(), {}
    if line.startswith('{', i):
        i += 1
        while not line[i:].lstrip().startswith('}'):
            m = _LABEL.match(line, i)
            if not m or m.group(1) in labels:
                raise ValueError(f'bad or repeated label at column {i}: {line!r}')
            i, val = m.end(), []
            while i < len(line) and line[i] != '"':
                if line[i] == '\\':
                    if line[i + 1:i + 2] not in _UNESCAPE:
                        raise ValueError(f'bad escape at column {i}: {line!r}')
                    val.append(_UNESCAPE[line[i + 1]])
                    i += 2
                else:
                    val.append(line[i])
                    i += 1
            if i >= len(line):
                raise ValueError(f'unterminated label value: {line!r}')
            labels[m.group(1)] = ''.join(val)
            i += 1
            rest = line[i:].lstrip()
            if rest.startswith(','):
                i = len(line) - len(rest) + 1
            elif not rest.startswith('}'):
                raise ValueError(f'expected , or }} at column {i}: {line!r}')
        i = line.index('}', i) + 1
    fields = line[i:].split()
    if not line[i:i + 1].isspace() or len(fields) not in (1, 2):
        raise ValueError(f'expected "value [timestamp]" after the series: {line!r}')
    return name, labels, float(fields[0])  # float() takes NaN, +Inf, -Inf too


def _escape(v):
    return v.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


def key(name, labels):
    """Normalized series key: name{a="1",b="2"} with sorted labels, values escaped."""
    if not labels:
        return name
    return name + '{' + ','.join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items())) + '}'


def parse(text):
    """Exposition text -> {series key: value}; a repeated series is an error."""
    samples = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        name, labels, value = parse_line(line.strip())
        k = key(name, labels)
        if k in samples:
            raise ValueError(f'line {n}: repeated series {k}')
        samples[k] = value
    return samples


def series(samples, name, /, **labels):
    """The value of series name{labels} in samples, or None."""
    return samples.get(key(name, labels))


# --- node_exporter ------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def scrape(textfile_dir, with_log=False):
    """Serve textfile_dir with node_exporter's textfile collector and GET /metrics.

    -> (samples, raw_text), plus the exporter's log lines if with_log. /metrics is
    fetched twice and the second answer returned: node_exporter 1.5 serves duplicate
    series (within or across files) with 200, keeps the first, only logs an error and
    counts it in GATHER_ERRORS, which shows in the next scrape.
    """
    exporter = tools()[1]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no http_proxy
    for _ in range(3):  # another process may take the free port before the exporter
        port = _free_port()
        url = f'http://127.0.0.1:{port}/metrics'
        with tempfile.TemporaryFile('w+') as log:
            proc = subprocess.Popen(
                [exporter, f'--web.listen-address=127.0.0.1:{port}',
                 '--collector.disable-defaults', '--collector.textfile',
                 f'--collector.textfile.directory={os.path.abspath(textfile_dir)}',
                 '--web.disable-exporter-metrics'],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
            try:
                raw, deadline = None, time.monotonic() + 10
                while raw is None and proc.poll() is None and time.monotonic() < deadline:
                    try:
                        opener.open(url, timeout=2).read()
                        raw = opener.open(url, timeout=5).read().decode()
                    except OSError:
                        time.sleep(0.05)
            finally:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.seek(0)
            lines = log.read().splitlines()
        if raw is not None:
            return (parse(raw), raw, lines) if with_log else (parse(raw), raw)
        if not any('address already in use' in ln for ln in lines):
            break
    raise RuntimeError(f'{exporter} did not answer on {url} within 10 s: '
                       + ' | '.join(lines[-3:]))


# --- CLI and self-test --------------------------------------------------------------

class Tap:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, cond, what, saw=''):
        if cond:
            self.passed += 1
            print(f'ok - {what}')
        else:
            self.failed += 1
            print(f'FAIL - {what}' + (f': saw {saw}' if saw != '' else ''))

    def finish(self):
        print(f'{self.passed} passed, {self.failed} failed')
        return 1 if self.failed else 0


def cmd_check(files):
    t = Tap()
    for f in files:
        ok, out = promtool_check(f)
        t.check(ok, f'promtool check metrics {f}' + ('' if ok else ': expected no lint problems'),
                out.replace('\n', '; ') or '(no output, non-zero exit)')
    return t.finish()


def cmd_scrape(d):
    """Exit 1 when node_exporter reported a textfile or gathering error (logged to stderr)."""
    if not os.path.isdir(d):
        raise NotADirectoryError(f'{d}: not a directory')
    samples, _, log = scrape(d, with_log=True)
    for k in sorted(samples):
        if k.startswith(('dmabuf_audit_', 'node_textfile_')) or k == GATHER_ERRORS:
            print(f'{k} {samples[k]:.15g}')
    for msg in dict.fromkeys(ln.split(' ', 1)[-1] for ln in log if 'level=error' in ln):
        print(f'node_exporter: {msg}', file=sys.stderr)  # once, not once per GET
    bad = samples.get('node_textfile_scrape_error') != 0 or samples.get(GATHER_ERRORS)
    return 1 if bad else 0


GOOD = '''\
# HELP dmabuf_audit_x_total Test counter.
# TYPE dmabuf_audit_x_total counter
dmabuf_audit_x_total{kind="a\\"b"} 3
dmabuf_audit_x_total{kind="back\\\\slash\\nnewline"} 2
# HELP dmabuf_audit_live_buffers Test gauge.
# TYPE dmabuf_audit_live_buffers gauge
dmabuf_audit_live_buffers 1.5
'''
NO_TOTAL = '''\
# HELP dmabuf_audit_y Counter without _total.
# TYPE dmabuf_audit_y counter
dmabuf_audit_y 1
'''
MALFORMED = '''\
# HELP dmabuf_audit_z_total Unterminated label value.
# TYPE dmabuf_audit_z_total counter
dmabuf_audit_z_total{kind="a} 1
'''
TIMESTAMP = '''\
# HELP dmabuf_audit_t_total Sample with a client-side timestamp.
# TYPE dmabuf_audit_t_total counter
dmabuf_audit_t_total 4 1700000000000
'''
DUPLICATE = '''\
# HELP dmabuf_audit_d_total Same series twice.
# TYPE dmabuf_audit_d_total counter
dmabuf_audit_d_total{kind="a"} 5
dmabuf_audit_d_total{kind="a"} 6
'''


def self_test():
    t = Tap()
    with tempfile.TemporaryDirectory() as tmp:
        def write(d, name, text):
            os.makedirs(os.path.join(tmp, d), exist_ok=True)
            with open(os.path.join(tmp, d, name), 'w') as f:
                f.write(text)
            return os.path.join(tmp, d, name)

        # (a) a good file: promtool is silent, node_exporter serves it unchanged
        good = write('good', 'good.prom', GOOD)
        ok, out = promtool_check(good)
        t.check(ok, 'promtool passes a good file', out)
        s, raw = scrape(os.path.dirname(good))
        t.check(series(s, 'dmabuf_audit_x_total', kind='a"b') == 3,
                'scrape: counter with \\" in its label is 3', series(s, 'dmabuf_audit_x_total', kind='a"b'))
        kinds = {parse_line(ln)[1].get('kind') for ln in raw.splitlines()
                 if ln.startswith('dmabuf_audit_x_total')}
        t.check(kinds == {'a"b', 'back\\slash\nnewline'},
                'scrape: label values decoded (\\", \\\\, \\n)', kinds)
        t.check(series(s, 'dmabuf_audit_live_buffers') == 1.5, 'scrape: gauge is 1.5',
                series(s, 'dmabuf_audit_live_buffers'))
        t.check(s.get('node_textfile_scrape_error') == 0, 'scrape: node_textfile_scrape_error 0',
                s.get('node_textfile_scrape_error'))
        t.check(s.get(GATHER_ERRORS) == 0, 'scrape: no gathering errors', s.get(GATHER_ERRORS))

        # (b) bad files: each consumer must say so
        ok, out = promtool_check(write('b1', 'no_total.prom', NO_TOTAL))
        t.check(not ok and '_total' in out, 'promtool reports a counter without _total', out)
        bad = write('mixed', 'bad.prom', MALFORMED)
        ok, out = promtool_check(bad)
        t.check(not ok and 'parsing error' in out, 'promtool reports a malformed line', out)
        write('mixed', 'good.prom', GOOD)
        s, _ = scrape(os.path.dirname(bad))
        t.check(s.get('node_textfile_scrape_error') == 1,
                'scrape: malformed file gives node_textfile_scrape_error 1',
                s.get('node_textfile_scrape_error'))
        t.check(series(s, 'dmabuf_audit_live_buffers') == 1.5
                and not any(k.startswith('dmabuf_audit_z') for k in s),
                'scrape: only the malformed file is dropped', sorted(s))
        s, _ = scrape(os.path.dirname(write('ts', 'ts.prom', TIMESTAMP)))
        t.check(s.get('node_textfile_scrape_error') == 1
                and series(s, 'dmabuf_audit_t_total') is None,
                'scrape: a file with timestamps is dropped, node_textfile_scrape_error 1',
                s.get('node_textfile_scrape_error'))
        s, _ = scrape(os.path.dirname(write('dup', 'dup.prom', DUPLICATE)))
        t.check(s.get(GATHER_ERRORS) == 1 and series(s, 'dmabuf_audit_d_total', kind='a') == 5,
                'scrape: a duplicate series counts a gathering error, first value kept',
                (s.get(GATHER_ERRORS), series(s, 'dmabuf_audit_d_total', kind='a')))
        try:
            parse(MALFORMED)
            t.check(False, 'parser rejects a malformed line', 'no error')
        except ValueError:
            t.check(True, 'parser rejects a malformed line')
    return t.finish()


def main(argv):
    try:
        if argv[:1] == ['--self-test'] and len(argv) == 1:
            return self_test()
        if argv[:1] == ['check'] and len(argv) > 1:
            return cmd_check(argv[1:])
        if argv[:1] == ['scrape'] and len(argv) == 2:
            return cmd_scrape(argv[1])
    except (RuntimeError, OSError, ValueError) as e:
        print(f'promcheck: {e}', file=sys.stderr)
        return 2
    print(__doc__.split('\n\n')[1], file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
