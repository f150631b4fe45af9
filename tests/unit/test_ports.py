"""The loopback ports handed to the tests' servers: below the kernel's ephemeral range, never twice at once."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import ports

ALLOCATE = """
import sys
from pathlib import Path
sys.path.insert(0, %r)
import ports
ports.COUNTER = Path(%r)
print(" ".join(str(ports.free_port()) for count in range(200)))
"""


def test_ports_come_from_below_the_ephemeral_range_where_outgoing_connections_never_take_one(tmp_path, monkeypatch):
    monkeypatch.setattr(ports, "COUNTER", tmp_path / "counter")
    handed = [ports.free_port() for count in range(50)]
    assert all(ports.LOWEST <= port < ports.ephemeral_low() for port in handed)
    with socket.socket() as outgoing:
        outgoing.bind(("127.0.0.1", 0))  # the port a client's connection is given
        assert outgoing.getsockname()[1] >= ports.ephemeral_low()


def test_processes_side_by_side_are_never_handed_the_same_port(tmp_path):
    script = ALLOCATE % (str(Path(ports.__file__).parent), str(tmp_path / "counter"))
    runs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for count in range(4)]
    handed = [int(port) for run in runs for port in run.communicate(timeout=60)[0].split()]
    assert len(handed) == 800 and len(set(handed)) == 800


def test_a_port_something_holds_is_passed_over(tmp_path, monkeypatch):
    monkeypatch.setattr(ports, "COUNTER", tmp_path / "counter")
    first = next(port for port in range(25000, 26000, 5) if all(ports.bindable(port + n) for n in range(5)))
    (tmp_path / "counter").write_text(str(first + 1))
    with socket.socket() as held:
        held.bind(("127.0.0.1", first + 1))
        held.listen()
        assert ports.free_port() == first + 2
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as held:  # a server that listens on UDP too
        held.bind(("127.0.0.1", first + 3))
        assert ports.free_port() == first + 4
