# -*- coding: utf-8 -*-
"""Test server: NSD (Debian package nsd), authoritative for the zones a test gives it, on 127.0.0.1.

``nsd_server(workdir, zones)`` writes ``zones`` ({zone name: zone file text})
and an nsd.conf into ``workdir`` (database, pid, xfrd state and log there too:
nothing of the system's NSD is touched), starts ``nsd -d`` in the foreground
on a free port, waits until it answers the first zone's SOA and yields the
port; NSD is stopped afterwards. NSD answers REFUSED for a zone it does not
serve and SERVFAIL for one whose zone file failed to load.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
from ports import free_port

NSD = shutil.which("nsd") or "/usr/sbin/nsd"

CONFIG = """server:
    ip-address: 127.0.0.1
    port: {port}
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "{dir}"
    database: ""
    zonelistfile: "{dir}/zone.list"
    xfrdfile: "{dir}/xfrd.state"
    xfrdir: "{dir}"
    pidfile: "{dir}/nsd.pid"
    logfile: "{dir}/nsd.log"
    server-count: 1
    verbosity: 1
    rrl-ratelimit: 0
remote-control:
    control-enable: no
"""
ZONE = """zone:
    name: "{name}"
    zonefile: "{file}"
"""


def write_config(workdir, zones, port):
    workdir = Path(workdir)
    config = CONFIG.format(port=port, dir=workdir)
    for index, (name, text) in enumerate(zones.items()):
        zone_file = "zone%d.zone" % index
        (workdir / zone_file).write_text(text)
        config += ZONE.format(name=name, file=zone_file)
    (workdir / "nsd.conf").write_text(config)
    return workdir / "nsd.conf"


def answers(port, zone):
    """Whether NSD on ``port`` answers ``zone``'s SOA (NOERROR)."""
    query = dns.message.make_query(zone, "SOA")
    with suppress(dns.exception.DNSException, OSError):
        return dns.query.udp(query, "127.0.0.1", port=port, timeout=0.2).rcode() == dns.rcode.NOERROR
    return False


@contextmanager
def nsd_server(workdir, zones):
    """NSD serving ``zones`` on 127.0.0.1; yields its port. ``zones``: {name: zone file text}, at least one."""
    port = free_port()
    config = write_config(workdir, zones, port)
    daemon = subprocess.Popen([NSD, "-d", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        first_zone = min(zones)
        while not answers(port, first_zone):
            log = Path(workdir, "nsd.log")
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("nsd did not start: %s" % (log.read_text() if log.exists() else "no log"))
            time.sleep(0.05)
        yield port
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
