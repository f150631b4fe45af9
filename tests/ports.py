"""Loopback ports for the servers the tests start, handed out once across every test process.

A port the kernel picked for a probe socket (``bind(("127.0.0.1", 0))``) comes from its ephemeral range, the
range it also takes the local ports of outgoing connections from. Between the probe and the server's own bind,
which may be a playbook run later, any connection made by a test beside it can take that port, and the server
then fails with "Address already in use". The ports here come from below the ephemeral range, where the
kernel never picks one, and from one counter shared by all test processes under a lock, so that two tests
running side by side are never handed the same port.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import socket
import tempfile
from pathlib import Path

LOWEST = 20000
COUNTER = Path(tempfile.gettempdir()) / "routesec-test-ports"


def ephemeral_low() -> int:
    """The lowest port of the kernel's ephemeral range (net.ipv4.ip_local_port_range)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    return 32768


def bindable(port: int) -> bool:
    """Whether nothing holds ``port`` on 127.0.0.1, over TCP or UDP (no SO_REUSEADDR: a port in TIME_WAIT is not)."""
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_port() -> int:
    """A port on 127.0.0.1, free over TCP and UDP, that no other test process is handed until the range wraps."""
    highest = ephemeral_low() - 1
    span = highest - LOWEST + 1
    with open(os.open(COUNTER, os.O_RDWR | os.O_CREAT, 0o666), "r+") as counter:
        fcntl.flock(counter, fcntl.LOCK_EX)
        text = counter.read().strip()
        port = int(text) if text.isdigit() else random.randint(LOWEST, highest)
        for offset in range(span):
            candidate = LOWEST + (port - LOWEST + offset) % span
            if bindable(candidate):
                counter.seek(0)
                counter.truncate()
                counter.write(str(LOWEST + (candidate - LOWEST + 1) % span))
                return candidate
    raise RuntimeError("no free port on 127.0.0.1 between %d and %d" % (LOWEST, highest))
