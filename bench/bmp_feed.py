# -*- coding: utf-8 -*-
"""Benchmark: the BMP feed (observe/bmp.py) with a full table from one peer of one router.

The 1.0 million routes of CAIDA's RouteViews prefix-to-AS file (2024-04-06) as FRR sends them in pre-policy
Route Monitoring: one message per prefix, the path (the peer's AS, a transit chosen by the origin, the origin),
4-octet ASes. Built beforehand; then, each in a process of its own:

* the feed alone (``BmpSession.receive``, route events to nowhere): messages/s, and the memory of the feed's
  table of that peer (its prefixes with their paths, which the feed keeps so that a Peer Down withdraws them
  and a route sent again unchanged is no event; tracemalloc);
* the feed with the detector behind it, 1,000 prefixes of the file watched: messages/s;

and the process's peak RSS (the messages built beforehand included). Then side by side with pmacct's BMP
collector, pmbmpd (Debian's pmacct 1.7.7, no output configured): the same messages sent over TCP on loopback
to each collector in turn, timed from the connection until the collector, having read everything, closes its
end; and each collector's CPU seconds. Printed, not asserted.

    PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python bench/bmp_feed.py
"""

from __future__ import annotations

import ipaddress
import os
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import monitor_replay  # the same table, read the same way (this folder is on the path of a script run from it)
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.detect import Detector
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.model import Watched, WatchList
from ansible_collections.routesec.bgp.plugins.module_utils.observe import bmp
from monitor_replay import TRANSITS

ROUTER_AS, PEER_AS = 64500, 3356
PEER = ipaddress.IPv4Address("192.0.2.1")


def main():
    if len(sys.argv) == 2:
        run(sys.argv[1])
        return
    for mode in ("feed", "detector", "anchor"):
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__, mode], check=True)


def table_routes():
    """(network, origin) of every route of the prefix-to-AS file whose first origin is one AS."""
    return [(network, origin) for network, origin in monitor_replay.table_routes() if isinstance(origin, int)]


def bmp_message(kind: int, body: bytes) -> bytes:
    return struct.pack("!BIB", 3, 6 + len(body), kind) + body


def bgp_message(kind: int, body: bytes) -> bytes:
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), kind) + body


def peer_header() -> bytes:
    return struct.pack("!BB8s16sI4sII", 0, 0, bytes(8), bytes(12) + PEER.packed, PEER_AS, PEER.packed, 1712361600, 0)


def open_message(asn: int) -> bytes:
    capability = b"\x02\x06\x41\x04" + asn.to_bytes(4, "big")
    return bgp_message(1, struct.pack("!BHH4sB", 4, 23456, 90, PEER.packed, len(capability)) + capability)


def messages(routes):
    """Initiation, the peer's Peer Up, then one Route Monitoring message per route."""
    yield bmp_message(bmp.INITIATION, struct.pack("!HH", 2, 5) + b"bench")
    local = bytes(12) + ipaddress.IPv4Address("192.0.2.2").packed
    ports = struct.pack("!HH", 179, 40000)
    yield bmp_message(bmp.PEER_UP, peer_header() + local + ports + open_message(ROUTER_AS) + open_message(PEER_AS))
    header = peer_header()
    next_hop = b"\x40\x03\x04" + PEER.packed
    for network, origin in routes:
        path = (PEER_AS, TRANSITS[origin % len(TRANSITS)], origin)
        as_path = struct.pack("!BB3I", 2, 3, *path)
        attributes = b"\x40\x01\x01\x00" + b"\x40\x02" + bytes([len(as_path)]) + as_path + next_hop
        nlri = bytes([network.prefixlen]) + network.network_address.packed[: (network.prefixlen + 7) // 8]
        update = bgp_message(2, struct.pack("!HH", 0, len(attributes)) + attributes + nlri)
        yield bmp_message(bmp.ROUTE_MONITORING, header + update)


def run(mode: str):
    routes = table_routes()
    built = list(messages(routes))
    count = len(built) - 2
    if mode == "anchor":
        side_by_side(b"".join(built), count)
        return
    if mode == "detector":
        chosen = routes[::1000]
        watch = WatchList(
            tuple(Watched(network, frozenset([origin]), network.prefixlen) for network, origin in chosen),
            frozenset({64511}),
        )
        seconds = through(built, Detector(watch).observe)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("BMP feed and detector, 1,000 prefixes watched, %d messages:" % count)
        print("  %.2f s, %.0f messages/s; peak RSS %.0f MiB" % (seconds, count / seconds, peak))
        return
    seconds = through(built, _nowhere)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    session = bmp.BmpSession("bench", _nowhere, _nowhere, named=True)
    for message in built:
        session.receive(message)
    table = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("BMP feed alone, one peer, %d Route Monitoring messages (one route each):" % count)
    print("  %.2f s, %.0f messages/s" % (seconds, count / seconds))
    print(
        "  the feed's table of the peer: %.1f MiB (%.0f bytes a route, paths included); peak RSS %.0f MiB"
        % (table / 2**20, table / count, peak)
    )


def through(built, on_event) -> float:
    """Seconds for a new session to take the messages ``built``, its route events to ``on_event``."""
    statuses = []
    session = bmp.BmpSession("bench", on_event, statuses.append, named=True)
    start = time.perf_counter()
    for message in built:
        session.receive(message)
    seconds = time.perf_counter() - start
    errors = [s for s in statuses if s.state == "error"]
    assert not errors, errors[:3]
    return seconds


LISTENER = """
import sys
from ansible_collections.routesec.bgp.plugins.module_utils.observe.bmp import BmpListener
listener = BmpListener(lambda event: None, lambda status: None, port=int(sys.argv[1])).start()
print("ready", flush=True)
sys.stdin.read()
"""
PMBMPD = "daemonize: false\nbmp_daemon_ip: 127.0.0.1\nbmp_daemon_port: %d\nbmp_daemon_max_peers: 4\n"


def side_by_side(stream: bytes, count: int) -> None:
    """The ``stream`` of messages through routesec's listener and through pmbmpd, each in a process of its own."""
    print("BMP over TCP on loopback, %d messages (%.0f MiB), side by side:" % (count, len(stream) / 2**20))
    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "pmbmpd.conf"
        for name in ("routesec", "pmbmpd"):
            port = _free_port()
            if name == "routesec":
                argv = [sys.executable, "-c", LISTENER, str(port)]
            else:
                config.write_text(PMBMPD % port)
                argv = ["pmbmpd", "-f", str(config)]
            process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            try:
                _wait_listening(port)
                seconds = _send(port, stream)
                cpu = _cpu_seconds(process.pid)
            finally:
                process.kill()
                process.wait()
            figures[name] = seconds
            print("  %-8s %6.2f s, %7.0f messages/s, %.2f CPU s" % (name, seconds, count / seconds, cpu))
    print("  routesec / pmbmpd: %.2f (time)" % (figures["routesec"] / figures["pmbmpd"]))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_listening(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("no collector listening on port %d" % port)


def _send(port: int, stream: bytes) -> float:
    """Seconds from connecting until the collector closes its end after reading all of ``stream``."""
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(stream)
        connection.shutdown(socket.SHUT_WR)
        while connection.recv(65536):
            pass
    return time.perf_counter() - start


def _cpu_seconds(pid: int) -> float:
    fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _nowhere(event):
    pass


if __name__ == "__main__":
    main()
