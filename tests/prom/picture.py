#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""picture.py RESULTS OUT.png [EXPR]: a picture of Prometheus' own graph of the lab's data.

The servers and the feeding of tests/prom/server.py (Debian's node_exporter and Prometheus,
the lab guest's textfiles renamed in one after another, the rules as shipped), then Debian's
headless Chromium screenshots Prometheus' graph page of EXPR (default: the violations by
exporter and kind) before both servers stop. Not part of make check: it makes the README's
picture (docs/prometheus-lab.png), it asserts nothing. Needs `apt-get install chromium`; the
UI's JavaScript packages are downloaded and extracted beside the servers (not installed).
Exit 0, or 2 with one line.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server  # noqa: E402  (its servers and feeding, nothing of its checks)

EXPR = 'sum by (exporter, kind) (dmabuf_audit_violations_total)'
# Prometheus' classic web UI (Debian's package) links these from /usr/share/javascript
UI_PACKAGES = ('libjs-bootstrap4', 'libjs-d3', 'libjs-eonasdan-bootstrap-datetimepicker',
               'libjs-jquery', 'libjs-jquery-hotkeys', 'libjs-moment', 'libjs-moment-timezone',
               'libjs-mustache', 'libjs-popper.js', 'libjs-rickshaw')


def ui_assets(prometheus):
    """The UI's JavaScript beside the extracted prometheus (apt-get download, dpkg-deb -x:
    nothing installed). -> the web assets directory."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(prometheus)))
    if not os.path.isdir(os.path.join(root, 'usr', 'share', 'javascript', 'rickshaw')):
        with tempfile.TemporaryDirectory(prefix='dmabuf-libjs-') as d:
            r = subprocess.run(['apt-get', 'download', '-q', '-o', 'APT::Sandbox::User=root'] +
                               list(UI_PACKAGES), cwd=d, capture_output=True, text=True)
            if r.returncode:
                raise server.SetupError('apt-get download of the UI JavaScript failed: ' +
                                        r.stderr.strip()[-200:])
            for deb in os.listdir(d):
                subprocess.run(['dpkg-deb', '-x', os.path.join(d, deb), root], check=True)
    return os.path.join(root, 'usr', 'share', 'prometheus', 'web')


class UIServers(server.Servers):
    """server.Servers, Prometheus with its web UI's assets from the extracted package."""

    def spawn(self, name, argv_of, ready):
        assets = ui_assets(self.prometheus)
        if name == 'prometheus':
            return super().spawn(name, lambda port: argv_of(port) + [
                '--web.local-assets=' + assets + '/'], ready)
        return super().spawn(name, argv_of, ready)


def screenshot(base, expr, out):
    chromium = shutil.which('chromium')
    if not chromium:
        raise server.SetupError('no chromium (apt-get install chromium)')
    url = '%s/graph?%s' % (base, urllib.parse.urlencode({
        'g0.expr': expr, 'g0.tab': '0', 'g0.stacked': '0', 'g0.show_exemplars': '0',
        'g0.range_input': '1m'}))
    with tempfile.TemporaryDirectory(prefix='dmabuf-chromium-') as home:
        r = subprocess.run([chromium, '--headless=new', '--no-sandbox', '--disable-gpu',
                            '--hide-scrollbars', '--window-size=1400,1100',
                            '--virtual-time-budget=15000', '--user-data-dir=' + home,
                            '--screenshot=' + os.path.abspath(out), url],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    if r.returncode or not os.path.exists(out):
        raise server.SetupError('chromium failed (%d): %s' % (r.returncode, r.stderr[-300:]))


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.split('\n\n')[0], file=sys.stderr)
        return 2
    results, out = argv[0], argv[1]
    expr = argv[2] if len(argv) == 3 else EXPR
    try:
        server.binaries()
        plan = server.Plan(server.read_results(results))
        run = server.Run(plan, server.RULES, server.DASHBOARD, server.Tap(open(os.devnull, 'w')))
        with tempfile.TemporaryDirectory(prefix='dmabuf-prom-') as tmp:
            run.srv = UIServers(tmp, server.RULES)
            try:
                run.srv.start()
                prev = None
                for s in plan.stages:
                    if s.data is not None:
                        run.feed(s, prev)
                        prev = s.data
                screenshot(run.srv.base, expr, out)
            finally:
                run.srv.stop()
    except (server.SetupError, RuntimeError, subprocess.TimeoutExpired) as e:
        print('picture.py: %s' % e, file=sys.stderr)
        return 2
    print('picture.py: %s' % out, file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
