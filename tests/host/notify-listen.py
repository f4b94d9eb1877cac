#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A stand-in for systemd's notify socket, for tests/host/daemon.sh.

usage: notify-listen.py SOCKET OUT

Binds an AF_UNIX SOCK_DGRAM socket at SOCKET ('@name': abstract namespace,
otherwise a path, replaced if it exists and removed at exit), prints
"listening" on stdout once it is bound, then appends each datagram to OUT as
one line ("\\n" inside the datagram shown as "|"), flushed at once, until
SIGTERM or SIGINT (exit 0). Python stdlib only.
"""
import os
import signal
import socket
import sys


class Stop(Exception):
    pass


def on_signal(signo, frame):
    raise Stop()


def main(argv):
    if len(argv) != 2 or not argv[0] or not argv[1]:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    path, out = argv
    abstract = path.startswith('@')
    addr = '\0' + path[1:] if abstract else path
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        if not abstract:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        sock.bind(addr)
        with open(out, 'a', encoding='utf-8') as f:
            print('listening', flush=True)
            while True:
                data = sock.recv(65536)
                line = data.decode('utf-8', 'backslashreplace').replace('\n', '|')
                f.write(line + '\n')
                f.flush()
    except Stop:
        return 0
    except OSError as e:
        print(f'notify-listen: {path}: {e}', file=sys.stderr)
        return 2
    finally:
        sock.close()
        if not abstract:
            try:
                os.unlink(path)
            except OSError:
                pass


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
