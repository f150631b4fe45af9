# -*- coding: utf-8 -*-
"""The monitor service (monitor/service.py) watching the lab: its watch list from the lab NetBox, BMP from r1 and
r2 (their Adj-RIB-In before policy), a BGP session from the transit through the service's ExaBGP, and a webhook
receiver and its ``/metrics`` in the monitor's own network namespace, joined to the lab's segment (198.18.0.50).

r1 and r2 announce our 185.230.76.0/22 to the transit, r1 also 185.230.76.0/23. exa (AS65000) announces the
hijacks to r1 and r2 (seen over BMP); a second ExaBGP of AS65000 beside the monitor announces one to the
transit (seen over the monitor's BGP session from the transit); exa announces a leak of our /22 (through
AS64510, which is none of our providers; the ASPAs, written by the test, show AS64510 passed it to exa, not
down to a customer). The VRPs are the lab's plus our ROA for 185.230.76.0/22 with max length 22, shorter than
the /23 NetBox lets us announce. Each alert reaches the webhook as raised and shows in ``/metrics`` within
seconds, and clears (webhook and metric) once its cause goes: the hijacks withdrawn, the ROA's max length
raised to 23, our borders announcing the /22 again. The leak is judged once our provider is named in NetBox
and the service reloads the configuration built from it (the alerts raised before kept as they are).

The routers go back to their base configuration afterwards (``lab_api.reset``); the transit's session with the
monitor and the hijacker are removed; NetBox is restored.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.netbox import schema
from ansible_collections.routesec.bgp.plugins.module_utils.observe import exabgp
from lab_helpers import REPO, lab_api, lab_env

sys.path.insert(0, str(REPO / "tests" / "unit"))
from feed_lab import AS_ROOT, EXABGP, FIFO_HELPER, wait_until
from test_monitor_service import STATUS_PORT, WEBHOOK_PORT, Receiver, Service

pytestmark = pytest.mark.lab(changes=("netbox", "routers"))

MONITOR, MONITOR_AS, BMP_PORT = "198.18.0.50", 65020, 11019
BORDERS = {"r1": "198.18.0.1", "r2": "198.18.0.2"}
TRANSIT, EXA = "198.18.0.10", "198.18.0.100"
OURS, OUR_AS, OUR_SUBNET = "185.230.76.0/22", 64500, "185.230.76.0/23"
FROM_TRANSIT = "bgp transit %s" % TRANSIT
HIJACKER = "198.18.0.51"  # an ExaBGP of AS65000 beside the monitor, a neighbour of the transit only
HIJACKER_CONFIG = """\
process fifo {{
    run /usr/bin/python3 {helper} {fifo};
    encoder text;
}}

neighbor {transit} {{
    router-id {address};
    local-address {address};
    local-as 65000;
    peer-as 64496;
    hold-time 9;
    family {{ ipv4 unicast; }}
    api {{ processes [ fifo ]; }}
}}
"""
SECONDS = 10  # for an alert change to reach the webhook
LEAKER = 64510
# The ASPAs: ours names the transit, our one provider; exa's (AS65000) does not name the leaker.
ASPAS = [{"customer_asid": OUR_AS, "providers": [64496]}, {"customer_asid": 65000, "providers": [64496]}]


def our_roa(max_length: int) -> dict:
    return {"prefix": OURS, "maxLength": max_length, "asn": "AS%d" % OUR_AS}


def vtysh(node: str, text: str) -> None:
    output = lab_api.vtysh(node, "configure terminal\n%s\nend\n" % text)
    assert "%" not in output, output  # FRR's errors leave vtysh's exit status 0


def border_setup(node: str) -> str:
    """BMP to the monitor (pre-policy Route Monitoring and Route Mirroring, which gives the routes r1 and r2
    reject as exa sent them), exa's routes kept as received (BMP pre-policy), our /22 announced to transit (r1
    may announce the /23 too)."""
    ours = [OURS] + ([OUR_SUBNET] if node == "r1" else [])
    lines = ["ip route %s blackhole" % p for p in ours]
    lines += ["ip prefix-list ROUTESEC-OWN-V4 seq %d permit %s" % (5 * n + 5, p) for n, p in enumerate(ours)]
    lines += [
        "router bgp %d" % OUR_AS,
        " bmp targets monitor",
        "  bmp connect %s port %d min-retry 100 max-retry 500" % (MONITOR, BMP_PORT),
        "  bmp monitor ipv4 unicast pre-policy",
        "  bmp mirror",
        " exit",
        " address-family ipv4 unicast",
        "  neighbor %s soft-reconfiguration inbound" % EXA,
    ]
    return "\n".join(lines + ["  network %s" % OURS])


def announce(nodes, prefix: str, announce: bool = True) -> None:
    for node in nodes:
        vtysh(
            node,
            "router bgp %d\n address-family ipv4 unicast\n  %snetwork %s" % (OUR_AS, "" if announce else "no ", prefix),
        )


TRANSIT_SETUP = f"""router bgp 64496
 neighbor {MONITOR} remote-as {MONITOR_AS}
 neighbor {MONITOR} description monitor
 neighbor {MONITOR} timers connect 1
 address-family ipv4 unicast
  neighbor {MONITOR} activate
  neighbor {MONITOR} route-map RS-LAB-PERMIT-ALL out"""


def sh(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, text=True)


def watch_document() -> dict:
    """The watch list of the lab NetBox, as the monitor_config module builds it."""
    from ansible_collections.routesec.bgp.plugins.module_utils.monitor.watch import to_document, watch_list
    from ansible_collections.routesec.bgp.plugins.module_utils.netbox.reader import read_snapshot
    from ansible_collections.routesec.bgp.plugins.modules.monitor_config import KINDS

    env = lab_env()
    return to_document(watch_list(read_snapshot(env["NETBOX_URL"], env["NETBOX_TOKEN"], kinds=KINDS).records))


def service_config(folder) -> dict:
    session = {"peer_address": TRANSIT, "peer_as": 64496, "local_address": MONITOR, "local_as": MONITOR_AS}
    return {
        "watch": watch_document(),
        "vrps": str(folder / "vrps.json"),
        "aspas": str(folder / "aspas.json"),
        "feeds": {
            "bmp": {"listen": "%s:%d" % (MONITOR, BMP_PORT), "routers": {a: n for n, a in BORDERS.items()}},
            "exabgp": {"name": "transit", "sessions": [{**session, "hold_time": 9}], "settings": AS_ROOT},
        },
        "outputs": [{"type": "webhook", "name": "hook", "url": "http://127.0.0.1:%d/hook" % WEBHOOK_PORT}],
        "state_dir": str(folder / "state"),
        "status_listen": "127.0.0.1:%d" % STATUS_PORT,
        "throttle": 300,
    }


class Monitor:
    """The service, its webhook receiver and its VRP file."""

    def __init__(self, service: Service, receiver: Receiver):
        self.service, self.receiver = service, receiver
        self.vrps = service.folder / "vrps.json"

    def reload(self) -> None:
        """The configuration built again from the lab NetBox, and the service told to reload it."""
        self.service.write(service_config(self.service.folder))
        self.service.signal(signal.SIGHUP)

    def write_vrps(self, *extra: dict) -> None:
        self.vrps.write_text(json.dumps({"roas": json.loads(lab_api.LAB_VRPS.read_text())["roas"] + list(extra)}))

    def vantages(self, rule: str, prefix: str) -> set:
        """The vantage points of the active ``rule`` alert for ``prefix`` in the service's saved state."""
        try:
            saved = json.loads((self.service.folder / "state" / "alerts.json").read_text())
        except (FileNotFoundError, ValueError):  # not written yet, or being replaced
            return set()
        found = [a for a in saved["alerts"] if a["active"] and (a["rule"], a["prefix"]) == (rule, prefix)]
        return set(found[0]["vantages"]) if found else set()

    def raised(self, cause, rule: str, prefix: str) -> dict:
        """After ``cause()``: the change raising ``rule`` for ``prefix`` at the webhook, and its metric at 1."""
        return self._changed(cause, "raised", rule, prefix, 1)

    def cleared(self, cause, rule: str, prefix: str) -> dict:
        return self._changed(cause, "cleared", rule, prefix, 0)

    def _changed(self, cause, event: str, rule: str, prefix: str, active: int) -> dict:
        since, began = len(self.receiver.changes), time.monotonic()
        cause()
        change = self.receiver.wait(event, prefix, since, SECONDS, rule)
        assert change["alert"]["rule"] == rule, change
        assert time.monotonic() - began < SECONDS
        self.service.wait_metric("alerts_active", rule, active)
        return change


@pytest.fixture(scope="module")
def monitor(tmp_path_factory):
    folder = tmp_path_factory.mktemp("monitor")
    namespace, link = "rsmon-" + uuid.uuid4().hex[:8], "mon" + uuid.uuid4().hex[:8]
    service = receiver = None
    lab_api.reset()  # restarts r1 and r2, with the BMP module
    try:
        sh("ip", "netns", "add", namespace)
        sh("ip", "-n", namespace, "link", "set", "lo", "up")
        sh("ip", "-n", "rslab-sw", "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        sh("ip", "-n", "rslab-sw", "link", "set", link, "master", "br0", "up")
        sh("ip", "-n", namespace, "addr", "add", MONITOR + "/24", "dev", "eth0")
        sh("ip", "-n", namespace, "link", "set", "eth0", "up")
        receiver = Receiver(namespace)
        service = Service(namespace, folder)
        running = Monitor(service, receiver)
        running.write_vrps(our_roa(22))
        (folder / "aspas.json").write_text(json.dumps({"aspas": ASPAS}))
        service.write(service_config(folder))
        service.start()
        vtysh("transit", TRANSIT_SETUP)
        for node in BORDERS:
            vtysh(node, border_setup(node))
        for node in BORDERS:
            service.wait_metric("feed_up", "bmp %s %s" % (node, EXA), 1)
        service.wait_metric("feed_up", FROM_TRANSIT, 1)
        wait_until(lambda: OURS in lab_api.received_from("transit", BORDERS["r2"]), "our prefix at transit from r2")
        yield running
    finally:
        if service is not None and service.process is not None and service.process.poll() is None:
            assert service.stop() == 0
        if receiver is not None:
            receiver.close()
        lab_api.vtysh("transit", "configure terminal\nrouter bgp 64496\n no neighbor %s\nend\n" % MONITOR)
        subprocess.run(["ip", "netns", "del", namespace], check=False, capture_output=True)
        lab_api.reset()


@pytest.fixture(scope="module")
def hijacker(monitor):
    """The FIFO of an ExaBGP speaker (AS65000) at the transit, in the monitor's namespace on 198.18.0.51. The
    transit prefers its routes (as a transit prefers a customer's), so that it passes them on."""
    folder, namespace = monitor.service.folder, monitor.service.namespace
    fifo, config = folder / "hijacker.cmd", folder / "hijacker.conf"
    config.write_text(HIJACKER_CONFIG.format(helper=FIFO_HELPER, fifo=fifo, transit=TRANSIT, address=HIJACKER))
    sh("ip", "-n", namespace, "addr", "add", HIJACKER + "/24", "dev", "eth0")
    vtysh("transit", "route-map RS-LAB-PREFERRED permit 10\n set local-preference 200")
    neighbor = "router bgp 64496\n neighbor {0} remote-as 65000\n neighbor {0} timers connect 1\n"
    neighbor += " address-family ipv4 unicast\n  neighbor {0} activate\n  neighbor {0} route-map RS-LAB-PREFERRED in"
    vtysh("transit", neighbor.format(HIJACKER))
    settings = {**exabgp.speaker_settings((), folder / "hijacker.log"), **AS_ROOT}
    argv = ["ip", "netns", "exec", namespace, EXABGP, str(config)]
    with open(folder / "hijacker.out", "wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **settings})
    try:
        session = "show bgp neighbors %s" % HIJACKER
        wait_until(lambda: "Established" in lab_api.vtysh("transit", session), "the hijacker's session")
        wait_until(fifo.exists, "the hijacker's FIFO")
        yield fifo
    finally:
        remove = "configure terminal\nrouter bgp 64496\n no neighbor %s\nexit\nno route-map RS-LAB-PREFERRED\nend\n"
        lab_api.vtysh("transit", remove % HIJACKER)
        process.terminate()
        process.wait(timeout=30)


def test_a_hijack_originated_by_exabgp_at_the_transit_is_reported_by_the_transit_session(monitor, hijacker):
    route = "route %s next-hop self as-path [65000 64667]" % OURS  # another origin: an alert of its own

    def command(text):
        with open(hijacker, "w") as fifo:
            fifo.write(text + "\n")

    raised = monitor.raised(lambda: command("announce " + route), "hijack", OURS)
    assert raised["alert"]["vantages"] == [FROM_TRANSIT] and raised["alert"]["asn"] == 64667
    assert raised["alert"]["path"] == "64496 65000 64667"
    monitor.cleared(lambda: command("withdraw " + route), "hijack", OURS)


@pytest.mark.parametrize(
    ("prefix", "rule"), [(OURS, "hijack"), ("185.230.77.0/24", "subprefix-hijack")], ids=["exact", "sub-prefix"]
)
def test_a_hijack_from_exa_is_reported_by_bmp_and_clears_when_withdrawn(monitor, prefix, rule):
    route = "route %s next-hop self" % prefix
    raised = monitor.raised(lambda: lab_api.exabgp("announce %s as-path [65000 64666]" % route), rule, prefix)
    assert raised["alert"]["asn"] == 64666 and raised["alert"]["watched"] == OURS
    both = {"bmp r1 %s" % EXA, "bmp r2 %s" % EXA}
    wait_until(lambda: monitor.vantages(rule, prefix) == both, "both borders report the hijack")
    cleared = monitor.cleared(lambda: lab_api.exabgp("withdraw %s" % route), rule, prefix)
    assert set(cleared["alert"]["vantages"]) == {"bmp r1 %s" % EXA, "bmp r2 %s" % EXA}


def test_our_announcement_the_vrps_make_invalid_is_reported_and_clears_with_a_fixed_roa(monitor):
    invalid = monitor.raised(lambda: announce(["r1"], OUR_SUBNET), "rpki-invalid", OUR_SUBNET)
    assert invalid["alert"]["asn"] == OUR_AS and invalid["alert"]["vantages"] == [FROM_TRANSIT]

    def fix_the_roa():
        monitor.write_vrps(our_roa(23))
        monitor.service.signal(signal.SIGHUP)

    monitor.cleared(fix_the_roa, "rpki-invalid", OUR_SUBNET)


def test_visibility_loss_when_both_borders_stop_announcing_clears_when_they_announce_again(monitor):
    lost = monitor.raised(lambda: announce(BORDERS, OURS, False), "visibility-loss", OURS)
    assert lost["alert"]["vantages"] == [FROM_TRANSIT]
    monitor.cleared(lambda: announce(BORDERS, OURS), "visibility-loss", OURS)


def test_a_leak_is_judged_once_netbox_names_our_provider_and_the_reload_keeps_the_alerts(monitor, netbox):
    """exa passes on our /22 as learned from AS64510, which is none of our providers, and exa's ASPA does not
    name AS64510 as its provider: AS64510 leaked it. The path is ASPA-invalid at once; the leak and the new
    upstream are judged once NetBox names our provider and the service reloads its configuration; from then on
    the leak is raised as soon as exa announces it again."""
    route = "route %s next-hop self as-path [65000 %d %d]" % (OURS, LEAKER, OUR_AS)
    monitor.raised(lambda: lab_api.exabgp("announce " + route), "aspa-invalid", OURS)
    own = netbox.ipam.asns.get(asn=OUR_AS)
    before = own.custom_fields[schema.CF_ASPA_PROVIDERS]
    assert not before, "the lab NetBox names no provider of AS%d" % OUR_AS
    try:
        since = len(monitor.receiver.changes)

        def name_our_provider():
            own.update({"custom_fields": {schema.CF_ASPA_PROVIDERS: "AS64496"}})
            monitor.reload()

        leak = monitor.raised(name_our_provider, "route-leak", OURS)
        assert leak["alert"]["asn"] == LEAKER, leak
        assert "to AS65000, whose ASPA does not list AS%d" % LEAKER in leak["alert"]["detail"], leak
        upstream = monitor.receiver.wait("raised", OURS, since, SECONDS, "new-upstream")
        assert upstream["alert"]["asn"] == LEAKER
        for event in ("raised", "cleared"):  # the reload kept the ASPA-invalid alert as it was
            assert not monitor.receiver.matching(event, OURS, since, "aspa-invalid")
        both = {"bmp r1 %s" % EXA, "bmp r2 %s" % EXA}
        wait_until(lambda: monitor.vantages("route-leak", OURS) == both, "both borders report the leak")
        monitor.cleared(lambda: lab_api.exabgp("withdraw " + route), "route-leak", OURS)
        monitor.receiver.wait("cleared", OURS, since, SECONDS, "aspa-invalid")
        again = monitor.raised(lambda: lab_api.exabgp("announce " + route), "route-leak", OURS)  # judged at once now
        assert again["alert"]["asn"] == LEAKER
        monitor.cleared(lambda: lab_api.exabgp("withdraw " + route), "route-leak", OURS)
    finally:
        own.update({"custom_fields": {schema.CF_ASPA_PROVIDERS: before}})
        monitor.reload()
