# -*- coding: utf-8 -*-
"""The monitor service (monitor/service.py) as a process, fed by real daemons (feed_lab.py): FRR 8.4's r1 sends
BMP to the service's listener and has a BGP session with the service's ExaBGP; r1's ExaBGP neighbours announce
hijacks of the watched prefixes. The service runs in the monitor's network namespace, with a webhook receiver
and its status endpoint on that namespace's loopback.

A hijack reaches the webhook as raised and shows in ``/metrics``; its withdrawal clears it. SIGHUP swaps the
watch list without losing alert state; SIGTERM saves the state and a restart does not raise an active alert
again, while the sweep clears one whose cause went while the service was down. A BGP session that drops is
reported and the service runs on; a webhook that is down gets every change once it is back.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.monitor import service as service_module
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.config import read_config
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.detect import Detector
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.model import RouteEvent
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.watch import from_document
from feed_lab import AS_ROOT, FROM_V4, MONITOR_LINK, ROUTER_LINK, lab, router_config, socket_in, wait_until

SERVICE = "ansible_collections.routesec.bgp.plugins.module_utils.monitor.service"
BMP_PORT, STATUS_PORT, WEBHOOK_PORT = 11020, 9478, 8478
MONITOR_AS, OURS = 65020, 65001
COLLECTOR = "bgp collector %s" % ROUTER_LINK[0]
ROUTER_SETUP = """
bmp targets monitor
 bmp connect {monitor} port {port} min-retry 100 max-retry 500
 bmp monitor ipv4 unicast pre-policy
exit
neighbor {monitor} remote-as {asn}
neighbor {monitor} timers 3 9
neighbor {monitor} timers connect 1
neighbor {monitor} passive
neighbor {monitor} advertisement-interval 0
""".format(monitor=MONITOR_LINK[0], port=BMP_PORT, asn=MONITOR_AS)
WATCHED = ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
DEADLINE = 30
COLLECTIONS = Path(service_module.__file__).parents[6]  # the folder holding ansible_collections


def watch_document(prefixes=WATCHED) -> dict:
    return {"own_asns": [OURS], "prefixes": [{"prefix": p, "origins": [OURS], "max_length": 24} for p in prefixes]}


def service_config(state_dir, prefixes=WATCHED) -> dict:
    session = {
        "peer_address": ROUTER_LINK[0],
        "peer_as": OURS,
        "local_address": MONITOR_LINK[0],
        "local_as": MONITOR_AS,
        "hold_time": 9,
        "families": ["ipv4 unicast"],
    }
    return {
        "watch": watch_document(prefixes),
        "feeds": {
            "bmp": {"listen": "%s:%d" % (MONITOR_LINK[0], BMP_PORT), "routers": {ROUTER_LINK[0]: "r1"}},
            "exabgp": {"name": "collector", "sessions": [session], "settings": AS_ROOT},
        },
        "outputs": [{"type": "webhook", "name": "hook", "url": "http://127.0.0.1:%d/hook" % WEBHOOK_PORT}],
        "state_dir": str(state_dir),
        "status_listen": "127.0.0.1:%d" % STATUS_PORT,
        "throttle": 300,
        "sweep_after": 6,
    }


def service_environment() -> dict:
    """The service's environment: the collection importable, no proxy between it and the loopback."""
    environment = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return {**environment, "PYTHONPATH": str(COLLECTIONS)}


class Receiver:
    """A webhook receiver in a namespace: the changes POSTed to it; answers 503 while ``down``."""

    def __init__(self, namespace: str):
        self.changes: list = []
        self.down = False
        self._changed = threading.Condition()
        handler = type("Handler", (_Hook,), {"receiver": self})
        self.server = HTTPServer(("127.0.0.1", WEBHOOK_PORT), handler, bind_and_activate=False)
        self.server.socket.close()
        self.server.socket = socket_in(namespace, ("127.0.0.1", WEBHOOK_PORT))
        self.server.server_activate()
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def take(self, change: dict) -> None:
        with self._changed:
            self.changes.append(change)
            self._changed.notify_all()

    def matching(self, event: str, prefix: str, since: int = 0, rule: str | None = None) -> list:
        """The changes since index ``since`` that ``event`` an alert for ``prefix`` (of ``rule``, when given)."""
        with self._changed:
            return [
                c
                for c in self.changes[since:]
                if c["event"] == event and c["alert"]["prefix"] == prefix and rule in (None, c["alert"]["rule"])
            ]

    def wait(self, event: str, prefix: str, since: int = 0, seconds: float = DEADLINE, rule: str | None = None):
        with self._changed:
            found = self._changed.wait_for(lambda: self.matching(event, prefix, since, rule), seconds)
            assert found, "no %s %s %s within %g s; got %s" % (event, rule or "", prefix, seconds, self.changes[since:])
            return found[0]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Hook(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.receiver.down:
            self.send_response(503)
        else:
            self.receiver.take(json.loads(body))
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


class Service:
    """The service process in the monitor's namespace (nsenter execs it: its pid is the service's)."""

    def __init__(self, namespace: str, folder):
        self.namespace, self.folder = namespace, folder
        self.config = folder / "monitor.json"
        self.log = folder / "service.log"
        self.process = None

    def write(self, document: dict) -> None:
        self.config.write_text(json.dumps(document))

    def start(self) -> None:
        argv = ["nsenter", "--net=/run/netns/%s" % self.namespace, sys.executable, "-m", SERVICE]
        environment = service_environment()
        with open(self.log, "ab") as log:
            begin = log.tell()
            self.process = subprocess.Popen([*argv, "--config", str(self.config)], stderr=log, env=environment)
        wait_until(lambda: self.process.poll() is not None or "BMP listener on" in self.logged(begin), "start")
        assert self.process.poll() is None, self.logged(begin)

    def logged(self, begin: int = 0) -> str:
        return self.log.read_text()[begin:]

    def signal(self, number: int) -> None:
        self.process.send_signal(number)

    def stop(self) -> int:
        self.signal(signal.SIGTERM)
        return self.process.wait(timeout=DEADLINE)

    def page(self, path: str) -> str | None:
        """The answer of the status server to ``GET path``, None while it is not listening."""
        sock = socket_in(self.namespace)
        with sock:
            sock.settimeout(5)
            try:
                sock.connect(("127.0.0.1", STATUS_PORT))
            except ConnectionRefusedError:  # not listening (yet)
                return None
            sock.sendall(b"GET %s HTTP/1.0\r\nHost: monitor\r\n\r\n" % path.encode())
            return b"".join(iter(lambda: sock.recv(65536), b"")).decode()

    def metric(self, name: str, label: str) -> float | None:
        """The value of ``routesec_monitor_<name>{...="<label>"}``, None when absent."""
        answer = self.page("/metrics")
        if answer is None:
            return None
        pattern = r'^routesec_monitor_%s\{[a-z]+="%s"\} (\S+)$' % (re.escape(name), re.escape(label))
        found = re.search(pattern, answer, re.MULTILINE)
        return float(found.group(1)) if found else None

    def wait_metric(self, name: str, label: str, value: float) -> None:
        wait_until(lambda: self.metric(name, label) == value, "%s{%s} = %g" % (name, label, value), DEADLINE)


@pytest.fixture(scope="module")
def router():
    with lab(router_config(ROUTER_SETUP, {"ipv4": "neighbor %s activate" % MONITOR_LINK[0]})) as running:
        yield running


@pytest.fixture(scope="module")
def receiver(router):
    running = Receiver(router.monitor_ns)
    yield running
    running.close()


@pytest.fixture(scope="module")
def service(router, receiver, tmp_path_factory):
    folder = tmp_path_factory.mktemp("monitor")
    running = Service(router.monitor_ns, folder)
    running.write(service_config(folder / "state"))
    running.start()
    running.wait_metric("feed_up", COLLECTOR, 1)
    yield running
    if running.process.poll() is None:
        assert running.stop() == 0


def hijack(router, prefix: str, origin: int) -> None:
    router.announce(FROM_V4, prefix, "[ 65002 %d ]" % origin)


def hijack_two(router, receiver, origin: int) -> int:
    """198.51.100.0/24 and 203.0.113.0/24 hijacked (by ``origin`` and the next AS), once both are raised; the
    receiver's count of changes before."""
    since = len(receiver.changes)
    pair = ("198.51.100.0/24", "203.0.113.0/24")
    for number, prefix in enumerate(pair):
        hijack(router, prefix, origin + number)
    for prefix in pair:
        receiver.wait("raised", prefix, since)
    return since


def test_a_hijack_reaches_the_webhook_and_the_metrics_and_its_withdrawal_clears_it(router, receiver, service):
    began = time.monotonic()
    hijack(router, "192.0.2.0/24", 64666)
    raised = receiver.wait("raised", "192.0.2.0/24")
    assert raised["alert"]["rule"] == "hijack" and raised["alert"]["asn"] == 64666
    assert time.monotonic() - began < 10
    service.wait_metric("alerts_active", "hijack", 1)
    wait_until(lambda: service.metric("route_events_total", "bgp collector"), "the route through ExaBGP", DEADLINE)
    router.withdraw(FROM_V4, "192.0.2.0/24")
    cleared = receiver.wait("cleared", "192.0.2.0/24")
    assert cleared["alert"]["active"] is False
    service.wait_metric("alerts_active", "hijack", 0)
    assert {"bmp r1 10.0.0.2", COLLECTOR} <= set(cleared["alert"]["vantages"])


def test_sighup_swaps_the_watch_list_and_keeps_the_alert_state(router, receiver, service):
    since = hijack_two(router, receiver, 64667)
    try:
        service.write(service_config(service.folder / "state", ("100.64.0.0/24", "203.0.113.0/24")))
        service.signal(signal.SIGHUP)
        receiver.wait("cleared", "198.51.100.0/24", since)
        hijack(router, "100.64.0.0/24", 64669)
        receiver.wait("raised", "100.64.0.0/24", since)
        assert len(receiver.matching("raised", "203.0.113.0/24", since)) == 1
        assert not receiver.matching("cleared", "203.0.113.0/24", since)
        service.wait_metric("alerts_active", "hijack", 2)
    finally:
        for prefix in ("198.51.100.0/24", "203.0.113.0/24", "100.64.0.0/24"):
            router.withdraw(FROM_V4, prefix)
        service.write(service_config(service.folder / "state"))
        service.signal(signal.SIGHUP)
    receiver.wait("cleared", "203.0.113.0/24", since)
    service.wait_metric("alerts_active", "hijack", 0)


def test_a_restart_raises_no_active_alert_again_and_the_sweep_clears_what_went_meanwhile(router, receiver, service):
    since = hijack_two(router, receiver, 64670)
    try:
        assert service.stop() == 0
        saved = json.loads((service.folder / "state" / "alerts.json").read_text())["alerts"]
        assert {a["prefix"] for a in saved if a["active"]} == {"198.51.100.0/24", "203.0.113.0/24"}
        router.withdraw(FROM_V4, "198.51.100.0/24")  # while the service is down
        restarted = len(receiver.changes)
        service.start()
        service.wait_metric("alerts_active", "hijack", 2)  # restored
        receiver.wait("cleared", "198.51.100.0/24", restarted)  # by the sweep
        wait_until(lambda: "swept the alert state: 1 restored" in service.log.read_text(), "the sweep")
        assert not receiver.matching("raised", "203.0.113.0/24", restarted)
        assert service.metric("alerts_active", "hijack") == 1
    finally:
        router.withdraw(FROM_V4, "203.0.113.0/24")
    receiver.wait("cleared", "203.0.113.0/24", since)


def test_a_bgp_session_that_drops_is_reported_and_the_rest_runs_on(router, receiver, service):
    since = len(receiver.changes)
    router.configure("neighbor %s shutdown" % MONITOR_LINK[0])
    try:
        service.wait_metric("feed_up", COLLECTOR, 0)
        hijack(router, "192.0.2.0/24", 64672)
        raised = receiver.wait("raised", "192.0.2.0/24", since)
        assert raised["alert"]["vantages"] == ["bmp r1 10.0.0.2"]
        assert service.process.poll() is None
        assert "feed %s: peer-down" % COLLECTOR in service.log.read_text()
    finally:
        router.withdraw(FROM_V4, "192.0.2.0/24")
        router.configure("no neighbor %s shutdown" % MONITOR_LINK[0])
    receiver.wait("cleared", "192.0.2.0/24", since)
    service.wait_metric("feed_up", COLLECTOR, 1)


def test_a_webhook_that_is_down_gets_every_change_once_it_is_back(router, receiver, service):
    since = len(receiver.changes)
    receiver.down = True
    try:
        hijack(router, "192.0.2.0/24", 64673)
        wait_until(lambda: (service.metric("output_failures_total", "hook") or 0) >= 1, "a failed delivery")
        assert service.metric("output_backlog", "hook") >= 1
        router.withdraw(FROM_V4, "192.0.2.0/24")
    finally:
        receiver.down = False
    receiver.wait("raised", "192.0.2.0/24", since)
    receiver.wait("cleared", "192.0.2.0/24", since)
    assert [c["event"] for c in receiver.changes[since:]] == ["raised", "cleared"]
    service.wait_metric("output_backlog", "hook", 0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("state_dir"), "state_dir"),
        (lambda d: d["feeds"]["exabgp"]["sessions"][0].update(peer_as="65001"), "feeds.exabgp.sessions[0].peer_as"),
        (lambda d: d["feeds"]["bmp"].update(listen="nowhere"), "listen"),
        (lambda d: d.update(sweep_after=-1), "sweep_after"),
        (lambda d: d["outputs"][0].update(colour="red"), "colour"),
        (lambda d: d["watch"]["prefixes"][0].update(prefix="192.0.2.1/24"), "prefixes[0].prefix"),
    ],
)
def test_a_wrong_configuration_is_refused_naming_the_field(tmp_path, change, field):
    document = service_config(tmp_path / "state")
    change(document)
    path = tmp_path / "monitor.json"
    path.write_text(json.dumps(document))
    with pytest.raises(DataError) as refused:
        read_config(path)
    assert "'%s'" % field in str(refused.value)
    answer = subprocess.run(
        [sys.executable, "-m", SERVICE, "--config", path, "--check"],
        check=False,
        capture_output=True,
        text=True,
        env=service_environment(),
    )
    assert answer.returncode == 2 and "field '%s'" % field in answer.stderr
    assert "url" not in answer.stderr or "127.0.0.1:%d/hook" % WEBHOOK_PORT not in answer.stderr


def test_a_new_watch_list_judges_the_held_routes_again_and_keeps_visibility():
    def watch(*prefixes):
        return from_document({**watch_document(prefixes), "visibility": {"threshold": 1, "share": 0.5}})

    detector = Detector(watch("192.0.2.0/24", "198.51.100.0/24"))
    hijacked, ours = ipaddress.ip_network("192.0.2.0/24"), ipaddress.ip_network("198.51.100.0/24")
    detector.observe(RouteEvent(1.0, "a", hijacked, (65002, 64666)))
    detector.observe(RouteEvent(1.0, "a", ours, (65002, OURS)))
    lost = detector.observe(RouteEvent(2.0, "a", ours, None))
    assert [(c.event, c.alert.rule) for c in lost] == [("raised", "visibility-loss")]
    fresh, changes = detector.rewatched(watch("198.51.100.0/24"), at=3.0)
    assert [(c.event, c.alert.rule, c.alert.prefix) for c in changes] == [("cleared", "hijack", "192.0.2.0/24")]
    back = fresh.observe(RouteEvent(4.0, "a", ours, (65002, OURS)))
    assert [(c.event, c.alert.rule) for c in back] == [("cleared", "visibility-loss")]
    again, changes = fresh.rewatched(watch("192.0.2.0/24", "198.51.100.0/24"), at=5.0)
    assert changes == [] and again.routes_held() == 1  # the hijack's route was dropped with its prefix
