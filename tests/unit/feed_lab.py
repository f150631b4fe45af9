# -*- coding: utf-8 -*-
"""A router of ours and its BGP neighbours in network namespaces, for the tests of the monitor's live feeds.

Two namespaces a lab (unique names, so that labs run side by side): the router's and the monitor's, joined
by a veth pair (router 10.255.0.1 / fd00:ff::1, monitor 10.255.0.2 / fd00:ff::2). In the router's namespace:
FRR 8.4's bgpd with the BMP module (``r1``, AS 65001, on 10.0.0.1 / fd00::1 of its loopback, BGP timers of a
few seconds) and the neighbours, one ExaBGP 4.2 announcing what a test writes to its FIFO (``announce``):
AS 65002 on 10.0.0.2 (IPv4) and fd00::2 (IPv6) with 4-octet ASes, AS 65004 on 10.0.0.4 over a 2-octet session
(ExaBGP then sends AS_PATH with AS_TRANS and AS4_PATH). Nothing has an address outside the namespaces.

``socket_in`` makes a socket inside a namespace (on a thread that entered it), so that the test's own process
listens or connects there; ``Inbox`` gathers a feed's route events and status and waits on them with a
deadline.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

from ansible_collections.routesec.bgp.plugins.module_utils.observe import exabgp

HERE = Path(__file__).resolve().parent
FIFO_HELPER = HERE.parent / "lab" / "routers" / "exabgp_fifo.py"
EXABGP = "/usr/sbin/exabgp"
BGPD = "/usr/lib/frr/bgpd"
CLONE_NEWNET = 0x40000000
ROUTER_AS, NEIGHBOR_AS, OLD_NEIGHBOR_AS = 65001, 65002, 65004
ROUTER_LINK, MONITOR_LINK = ("10.255.0.1", "fd00:ff::1"), ("10.255.0.2", "fd00:ff::2")
NEIGHBOR_V4, NEIGHBOR_V6, OLD_NEIGHBOR = "10.0.0.2", "fd00::2", "10.0.0.4"
LOOPBACK = ("10.0.0.1/32", "10.0.0.2/32", "10.0.0.4/32", "fd00::1/128", "fd00::2/128")
DEADLINE = 60  # seconds for a session to come up or a route to travel
AS_ROOT = {"exabgp.daemon.user": "root", "exabgp.daemon.drop": "false"}  # ExaBGP's settings in a test
# a neighbour, as ExaBGP's API selects it (``neighbor ... local-ip ...``), and its next hop
FROM_V4 = ("neighbor 10.0.0.1 local-ip 10.0.0.2", "10.0.0.2")
FROM_V6 = ("neighbor fd00::1 local-ip fd00::2", "fd00::2")
FROM_OLD = ("neighbor 10.0.0.1 local-ip 10.0.0.4", "10.0.0.4")

NEIGHBORS = """\
process fifo {{
    run /usr/bin/python3 {helper} {fifo};
    encoder text;
}}

template {{
    neighbor lab {{
        hold-time 9;
        group-updates false;
        api {{
            processes [ fifo ];
        }}
    }}
}}

neighbor 10.0.0.1 {{
    inherit lab;
    router-id 10.0.0.2;
    local-address 10.0.0.2;
    local-as 65002;
    peer-as 65001;
    family {{ ipv4 unicast; }}
}}

neighbor fd00::1 {{
    inherit lab;
    router-id 10.0.0.2;
    local-address fd00::2;
    local-as 65002;
    peer-as 65001;
    family {{ ipv6 unicast; }}
}}

neighbor 10.0.0.1 {{
    inherit lab;
    router-id 10.0.0.4;
    local-address 10.0.0.4;
    local-as 65004;
    peer-as 65001;
    capability {{ asn4 disable; }}
    family {{ ipv4 unicast; }}
}}
"""


def router_config(extra: str = "", afi_extra: dict | None = None) -> str:
    """bgpd.conf of r1: the neighbours (their routes kept as received, for BMP pre-policy), with ``extra``
    lines in ``router bgp`` and ``afi_extra`` {"ipv4"|"ipv6": lines} in its address families."""
    neighbors = [
        (NEIGHBOR_V4, NEIGHBOR_AS, "ipv4"),
        (NEIGHBOR_V6, NEIGHBOR_AS, "ipv6"),
        (OLD_NEIGHBOR, OLD_NEIGHBOR_AS, "ipv4"),
    ]
    lines = [
        "frr defaults traditional",
        "hostname r1",
        "log file @FOLDER@/bgpd.log",
        "!",
        "router bgp %d" % ROUTER_AS,
        " bgp router-id 10.0.0.1",
        " no bgp ebgp-requires-policy",
        " no bgp default ipv4-unicast",
    ]
    for address, asn, _family in neighbors:
        lines += [" neighbor %s remote-as %d" % (address, asn), " neighbor %s timers 3 9" % address]
        lines += [" neighbor %s timers connect 1" % address, " neighbor %s passive" % address]
    lines += [" " + line for line in extra.strip().splitlines()] if extra else []
    for family in ("ipv4", "ipv6"):
        lines.append(" address-family %s unicast" % family)
        for address, _asn, _family in (n for n in neighbors if n[2] == family):
            lines += ["  neighbor %s activate" % address, "  neighbor %s soft-reconfiguration inbound" % address]
        lines += ["  " + line for line in (afi_extra or {}).get(family, "").strip().splitlines()]
        lines.append(" exit-address-family")
    return "\n".join(lines) + "\n!\n"


def sh(*argv) -> str:
    return subprocess.run([str(a) for a in argv], check=True, capture_output=True, text=True).stdout


def wait_until(condition, what: str, seconds: float = DEADLINE):
    """``condition()``'s first true value, asked every 50 ms until ``seconds`` pass; AssertionError naming
    ``what`` then."""
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, "no %s within %g s" % (what, seconds)
        time.sleep(0.05)
    return found


class Lab:
    """The namespaces, r1 and its neighbours (see the module's description); ``close`` ends what it started,
    each process by its own id."""

    def __init__(self, config: str):
        tag = "rsfeed%s" % uuid.uuid4().hex[:8]
        self.router_ns, self.monitor_ns = tag + "r", tag + "m"
        self.folder = Path(tempfile.mkdtemp(prefix="routesec-feed-"))
        self.processes: list = []
        self.fifo = self.folder / "neighbors.cmd"
        try:
            self._namespaces()
            self._bgpd(config)
            self._neighbors()
        except BaseException:
            self.close()
            raise

    @property
    def vtysh(self) -> list:
        return ["vtysh", "--vty_socket", str(self.folder / "frr" / "run")]

    def vty(self, *commands: str) -> str:
        argv = [*self.vtysh, *(word for command in commands for word in ("-c", command))]
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout

    def configure(self, *lines: str) -> None:
        self.vty("configure terminal", "router bgp %d" % ROUTER_AS, *lines, "end")

    def announce(self, source: tuple, prefix: str, path: str) -> None:
        """``source`` (``FROM_V4``, ``FROM_V6``, ``FROM_OLD``) announces ``prefix`` with ``path`` as ExaBGP
        writes it (``[ 65002 65010 ( 65011 65012 ) ]``)."""
        self._command("%s announce route %s next-hop %s as-path %s" % (source[0], prefix, source[1], path))

    def withdraw(self, source: tuple, prefix: str) -> None:
        self._command("%s withdraw route %s" % (source[0], prefix))

    def _command(self, command: str) -> None:
        wait_until(self.fifo.exists, "ExaBGP command FIFO")
        with open(self.fifo, "w") as fifo:
            fifo.write(command + "\n")

    def start(self, argv: list, log: str, **kwargs) -> subprocess.Popen:
        with open(self.folder / log, "ab") as out:
            process = subprocess.Popen([str(a) for a in argv], stdout=out, stderr=subprocess.STDOUT, **kwargs)
        self.processes.append(process)
        return process

    def close(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for namespace in (self.router_ns, self.monitor_ns):
            subprocess.run(["ip", "netns", "del", namespace], check=False, capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _namespaces(self) -> None:
        for namespace in (self.router_ns, self.monitor_ns):
            sh("ip", "netns", "add", namespace)
            sh("ip", "-n", namespace, "link", "set", "lo", "up")
        sh(
            "ip",
            "-n",
            self.router_ns,
            "link",
            "add",
            "eth0",
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            self.monitor_ns,
        )
        for namespace, (v4, v6) in ((self.router_ns, ROUTER_LINK), (self.monitor_ns, MONITOR_LINK)):
            sh("ip", "-n", namespace, "addr", "add", v4 + "/24", "dev", "eth0")
            sh("ip", "-n", namespace, "addr", "add", v6 + "/64", "dev", "eth0", "nodad")
            sh("ip", "-n", namespace, "link", "set", "eth0", "up")
        for address in LOOPBACK:
            sh("ip", "-n", self.router_ns, "addr", "add", address, "dev", "lo")

    def _bgpd(self, config: str) -> None:
        """bgpd in a folder of the frr user's (ExaBGP keeps its log only in a folder of its own user's)."""
        frr = self.folder / "frr"
        (frr / "run").mkdir(parents=True)
        (frr / "bgpd.conf").write_text(config.replace("@FOLDER@", str(frr)))
        subprocess.run(["chown", "-R", "frr:frr", frr], check=True)
        self.folder.chmod(0o755)
        argv = ["ip", "netns", "exec", self.router_ns, BGPD, "-Z", "-n", "-N", self.router_ns, "--vty_socket"]
        argv += [frr / "run", "-i", frr / "run" / "bgpd.pid", "-f", frr / "bgpd.conf", "-M", "bmp"]
        process = self.start(argv, "bgpd.out")
        wait_until(lambda: process.poll() is not None or "FRRouting" in self.vty("show version"), "bgpd")
        assert process.poll() is None, (self.folder / "bgpd.out").read_text()

    def _neighbors(self) -> None:
        conf = self.folder / "neighbors.conf"
        conf.write_text(NEIGHBORS.format(helper=FIFO_HELPER, fifo=self.fifo))
        settings = {**exabgp.speaker_settings((), self.folder / "neighbors.log"), **AS_ROOT}
        argv = ["ip", "netns", "exec", self.router_ns, EXABGP, conf]
        self.start(argv, "neighbors.out", env=dict(os.environ, **settings))


@contextlib.contextmanager
def lab(config: str):
    running = Lab(config)
    try:
        yield running
    finally:
        running.close()


def socket_in(namespace: str, bind: tuple | None = None, family: int = socket.AF_INET) -> socket.socket:
    """A TCP socket of ``namespace`` (bound to ``bind`` if given): made on a thread that entered the namespace;
    the socket stays in it whichever thread uses it."""
    made: dict = {}

    def make() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            with open("/run/netns/%s" % namespace) as handle:
                if libc.setns(handle.fileno(), CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns into %s" % namespace)
            sock = socket.socket(family, socket.SOCK_STREAM)
            if bind is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(bind)
            made["socket"] = sock
        except OSError as exc:
            made["error"] = exc

    thread = threading.Thread(target=make)
    thread.start()
    thread.join()
    if "error" in made:
        raise made["error"]
    return made["socket"]


class Inbox:
    """A feed's route events and status, as its callbacks hand them over (from any thread)."""

    def __init__(self):
        self.events: list = []
        self.statuses: list = []
        self._changed = threading.Condition()

    def event(self, event) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def status(self, status) -> None:
        with self._changed:
            self.statuses.append(status)
            self._changed.notify_all()

    def wait(self, condition, what: str, seconds: float = DEADLINE):
        """Wait until ``condition(self)`` is true; AssertionError naming ``what`` with what came otherwise."""
        with self._changed:
            if not self._changed.wait_for(lambda: condition(self), timeout=seconds):
                raise AssertionError(
                    "no %s within %g s\nstatus: %s\nevents: %s" % (what, seconds, self.statuses, self.events[-40:])
                )

    def history(self, vantage: str, prefix) -> list:
        """The paths (None: withdrawn) that ``vantage`` gave ``prefix``, in order."""
        with self._changed:
            return [e.path for e in self.events if e.vantage == vantage and str(e.prefix) == str(prefix)]

    def with_state(self, state: str, vantage: str | None = None) -> list:
        with self._changed:
            return [s for s in self.statuses if s.state == state and (vantage is None or s.vantage == vantage)]


def announce_then_withdraw(router: Lab, inbox: Inbox, routes: tuple) -> None:
    """Each of ``routes`` ((source, prefix, path as ExaBGP writes it, vantage point, path expected)) announced,
    then withdrawn: ``inbox`` must receive exactly that, per vantage point and prefix."""
    for source, prefix, path, _vantage, _expected in routes:
        router.announce(source, prefix, path)
    inbox.wait(lambda box: all(box.history(v, p) == [e] for _s, p, _t, v, e in routes), "the announcements")
    for source, prefix, _path, _vantage, _expected in routes:
        router.withdraw(source, prefix)
    inbox.wait(lambda box: all(box.history(v, p) == [e, None] for _s, p, _t, v, e in routes), "the withdrawals")
