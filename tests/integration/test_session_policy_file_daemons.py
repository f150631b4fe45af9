# -*- coding: utf-8 -*-
"""The session policy on BIRD 2 and on OpenBGPD, deployed by the session_policy module and checked by behaviour.
The lab's BIRD router (or an OpenBGPD started in its place, in its network namespace) becomes one of our routers
(AS64501), whose sessions are r2, here its customer (AS64500), and transit (AS64496). routesec writes the
sessions and their filters into a file the daemon's configuration includes, with the daemon's commit-confirmed;
check mode changes nothing, a second run changes nothing.

r2 plays the customer: it originates routes and, through an outbound route-map written here, gives them the
paths and communities a customer might send. What the daemon accepts is read from its own table once it has
received every route r2 sent; what it exports, from transit's table. Compliance, from the configuration as
router_state reads it, finds nothing on the deployed sessions and exactly a seeded problem. Last, r2 announces an RFC 9234 role in
strict mode: the session is up with the role that agrees with ours and refused with one that does not.

The intent is written here rather than read from NetBox: reading NetBox and building the intent do not depend
on the platform, and are checked with FRR (test_session_policy_frr.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.compliance.session_checks import session_findings
from ansible_collections.routesec.bgp.plugins.module_utils.intent import model
from ansible_collections.routesec.bgp.plugins.module_utils.intent.sessions import Session
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import PolicyOptions
from ansible_collections.routesec.bgp.plugins.module_utils.render import bird2, openbgpd
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.router_policy import RovPolicy, RtrCache
from lab_helpers import lab_api

pytestmark = pytest.mark.lab(changes=("routers",))

PLAYBOOK = "tests/integration/playbooks/session_policy_file.yml"
R2, TRANSIT, OURS_AT = "198.18.0.2", "198.18.0.10", "198.18.0.102"
REGISTERED = ["193.0.0.0/21", "203.0.113.0/24"]  # the customer's IRR prefix list
ORIGINS = (64500, 65001)
OURS = "185.230.76.0/22"
# prefix -> (AS path r2 prepends before its own, community); every one is originated by r2
SENT = {
    "193.0.0.0/22": ("", ""),  # registered, clean: accepted, exported to transit
    "193.0.4.0/22": ("3356 65001", ""),  # registered, through a transit-free network: a leak
    "10.1.0.0/16": ("", ""),  # bogon
    "193.0.6.0/25": ("", ""),  # too specific
    "193.0.0.9/32": ("", "blackhole"),  # a blackhole request for its own space: accepted, not exported
    "203.0.113.0/24": ("65001", ""),  # registered, RPKI-invalid (the lab VRP says AS64511)
    "193.0.7.0/24": ("23456 65001", ""),  # AS_TRANS in the path
    "198.51.100.0/24": ("", ""),  # not registered
}
ACCEPTED = {"193.0.0.0/22", "193.0.0.9/32"}


class Bird:
    """The lab's BIRD router as ours."""

    platform = "bird2"
    tagged, no_export = "(64501, 1, 1)", "(65535,65281)"
    MAIN = """log "{log}/bird.log" all;
router id 198.18.0.102;

protocol device {{
}}

protocol static our_routes {{
    ipv4;
    route {ours} blackhole;
}}

{rov}
include "{sessions}";
"""

    def __init__(self, folder):
        self.main, self.socket = folder / "bird.conf", folder / "bird.ctl"
        self.protocol = "routesec_customer_as64500_198_18_0_2"

    def start(self, sessions):
        rov = bird2.render_rov([RtrCache(*lab_api.RTR_CACHE)], RovPolicy())
        lab_api.bird_configure(self.MAIN.format(log=lab_api.state_dir() / "log", ours=OURS, rov=rov, sessions=sessions))
        lab_api.wait_for(lambda: "203.0.113.0/24" in lab_api.birdc("show", "route", "table", "routesec_roa4") or None)

    def stop(self):
        pass  # lab_api.reset() puts the base configuration back

    def received(self):
        text = lab_api.birdc("show", "protocols", "all", self.protocol)
        found = re.search(r"Import updates:\s+(\d+)", text)
        return int(found[1]) if found else 0

    def accepted(self):
        table = lab_api.birdc("show", "route", "protocol", self.protocol)
        return {line.split()[0] for line in table.splitlines()[2:] if line and not line[0].isspace()}

    def route(self, prefix):
        return lab_api.birdc("show", "route", prefix, "all")


class Openbgpd:
    """An OpenBGPD in the BIRD router's place (its network namespace and address), as ours."""

    platform = "openbgpd"
    tagged, no_export = "64501:1:1", "NO_EXPORT"
    MAIN = """AS 64501
router-id 198.18.0.102
socket "{socket}"
fib-update no
network {ours}
{rov}
include "{sessions}"
"""

    def __init__(self, folder):
        self.main, self.socket = folder / "bgpd.conf", folder / "bgpd.sock"
        self.daemon = None

    def bgpctl(self, *words):
        return subprocess.run(
            ["bgpctl", "-s", str(self.socket), *words], capture_output=True, text=True, check=True, timeout=30
        ).stdout

    def start(self, sessions):
        lab_api.birdc("down")
        rtr, _rules = openbgpd.render_rov([RtrCache(*lab_api.RTR_CACHE)], RovPolicy())
        self.main.write_text(self.MAIN.format(socket=self.socket, ours=OURS, rov=rtr, sessions=sessions))
        namespace = "rslab-%s" % lab_api.BIRD_NODE
        self.daemon = subprocess.Popen(
            ["ip", "netns", "exec", namespace, "bgpd", "-d", "-f", str(self.main)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            assert self.daemon.poll() is None and time.monotonic() < deadline, "bgpd did not start"
            time.sleep(0.05)
        lab_api.wait_for(lambda: re.search(r"\bROA\b.*\b[1-9]\d*\b", self.bgpctl("show", "sets")) or None)

    def stop(self):
        self.daemon.terminate()
        self.daemon.wait(timeout=10)

    def rib(self, *words):
        return json.loads(self.bgpctl("-j", "show", "rib", *words)).get("rib", [])

    def received(self):
        return len(self.rib("in", "neighbor", R2))

    def accepted(self):
        return {route["prefix"] for route in self.rib("neighbor", R2)}

    def route(self, prefix):
        return self.bgpctl("show", "rib", "detail", prefix)


def intent(platform):
    irr = model.PrefixList(
        "ROUTESEC-AS64500-IN-V4", 4, tuple(model.PrefixEntry(model.parse_prefix(p), le=32) for p in REGISTERED)
    )
    own = model.PrefixList("ROUTESEC-OWN-V4", 4, (model.PrefixEntry(model.parse_prefix(OURS)),))
    sessions = (
        Session(R2, 64500, "customer", name="ours:r2", role="provider", max_prefix=50, blackhole=True, as_set="AS-X"),
        Session(TRANSIT, 64496, "transit", name="ours:transit", role="customer", max_prefix=1000),
    )
    origins = (model.AsPathList("ROUTESEC-AS64500-IN", 64500, ORIGINS),)
    return model.DeviceIntent(
        model.Device("ours", platform, None, 64501), (own, irr), as_path_lists=origins, sessions=sessions
    )


@pytest.fixture(scope="module", params=[Bird, Openbgpd], ids=["bird2", "openbgpd"])
def ours(request, module_playbook, tmp_path_factory):
    """The daemon as ours with the origin-validation part and an empty session file, r2 sending it SENT; a
    function running the playbook. The lab as it was afterwards."""
    lab_api.reset()
    folder = lab_api.state_dir() / lab_api.BIRD_NODE
    sessions = folder / "routesec-sessions.conf"
    sessions.write_text("")
    daemon = request.param(folder)
    daemon.start(sessions)
    r2_sends()
    variables = tmp_path_factory.mktemp("ours") / "vars.json"
    settings = {
        "intent": intent(daemon.platform).to_dict(),
        "config_path": str(sessions),
        "main_config_path": str(daemon.main),
        "socket": str(daemon.socket),
        "bogon_exceptions": ["203.0.113.0/24"],
        "bogon_asn_exceptions": ["64496-64511", "65000-65010"],
    }
    variables.write_text(json.dumps(settings))
    daemon.deploy = lambda *args: module_playbook(PLAYBOOK, "-e", "@%s" % variables, *args)
    daemon.sessions = sessions
    try:
        yield daemon
    finally:
        daemon.stop()
        lab_api.reset()


def r2_sends():
    """r2 originates every route of SENT and sends it to the router with its path and community."""
    lines = ["configure terminal"]
    for number, (prefix, (path, community)) in enumerate(sorted(SENT.items()), 1):
        lines += ["ip route %s blackhole" % prefix, "ip prefix-list TO-OURS-%d seq 5 permit %s" % (number, prefix)]
        lines += ["route-map TO-OURS permit %d" % number, " match ip address prefix-list TO-OURS-%d" % number]
        lines += [" set as-path prepend %s" % path] if path else []
        lines += [" set community %s" % community] if community else []
        lines.append("exit")
    lines += ["route-map FROM-OURS permit 10", "exit", "router bgp 64500", " address-family ipv4 unicast"]
    lines += ["  network %s" % prefix for prefix in SENT]
    lines += ["  neighbor %s route-map TO-OURS out" % OURS_AT, "  neighbor %s route-map FROM-OURS in" % OURS_AT]
    output = lab_api.vtysh("r2", "\n".join(lines + [" exit-address-family", "exit", "end"]))
    assert "%" not in output, output


def accepted(daemon):
    """What the router accepted from r2, once it has received every route r2 sent."""
    lab_api.wait_for(lambda: daemon.received() >= len(SENT) or None, timeout=30, message="all of r2's routes")
    return daemon.accepted()


def test_check_mode_changes_nothing_then_deploys_then_a_second_run_changes_nothing(ours):
    checked = ours.deploy("--check", "--diff")
    assert checked.rc == 0, checked.output
    (result,) = [r["result"] for r in checked.for_action("session_policy")]
    assert result["changed"] and ours.sessions.read_text() == ""
    assert "+# routesec session policy of ours (AS64501)" in result["diff"]["prepared"]
    applied = ours.deploy()
    assert applied.rc == 0, applied.output
    assert "routesec session policy of ours" in ours.sessions.read_text()
    again = ours.deploy()
    assert again.rc == 0 and [r["result"]["changed"] for r in again.for_action("session_policy")] == [False]


def test_the_router_accepts_only_what_the_policy_allows_from_its_customer(ours):
    assert accepted(ours) == ACCEPTED
    assert ours.tagged in ours.route("193.0.0.0/22")  # learned from a customer
    assert ours.no_export in ours.route("193.0.0.9/32")  # a blackhole request: NO_EXPORT added


def test_transit_gets_our_prefix_and_the_customers_clean_route_only(ours):
    accepted(ours)
    lab_api.wait_for(
        lambda: {OURS, "193.0.0.0/22"} <= lab_api.received_from("transit", OURS_AT, 4) or None,
        timeout=30,
        message="our prefix and the customer's route at transit",
    )
    assert lab_api.received_from("transit", OURS_AT, 4) == {OURS, "193.0.0.0/22"}


def r2_side():
    return lab_api.vtysh_json("r2", "show bgp neighbors %s json" % OURS_AT, daemon="bgpd")[OURS_AT]


def compliance(ours):
    """The compliance findings on the router's sessions, from its configuration as router_state reads it."""
    read = ours.deploy("-e", "read_state=true")
    assert read.rc == 0, read.output
    (state,) = [r["result"]["session_policy"] for r in read.for_action("router_state")]
    found = session_findings(
        "ours",
        intent(ours.platform),
        state,
        PolicyOptions(bogon_exceptions=("203.0.113.0/24",), bogon_asn_exceptions=((64496, 64511), (65000, 65010))),
    )
    return sorted((f.check, f.subject) for f in found)


def test_compliance_finds_nothing_then_exactly_the_seeded_problem(ours):
    ours.deploy()
    assert compliance(ours) == []
    deployed = ours.sessions.read_text()
    limit = {"bird2": r"\n\s*import limit 50 action restart;", "openbgpd": r"\n\s*max-prefix 50 restart 15"}
    seeded = re.sub(limit[ours.platform], "", deployed, count=1)
    assert seeded != deployed
    ours.sessions.write_text(seeded)  # read as written; the daemon keeps running what it loaded
    try:
        assert compliance(ours) == [("max-prefix-missing", "ours %s" % R2), ("session-policy-drift", "ours")]
    finally:
        ours.sessions.write_text(deployed)


def test_rfc9234_the_customer_with_the_role_that_agrees_is_up_one_that_disagrees_is_refused(ours):
    """Runs last: r2, the customer, announces a role (strict): customer agrees with ours (provider), peer does
    not."""
    role = "configure terminal\nrouter bgp 64500\n %sneighbor %s local-role %s strict-mode\nend\n"
    lab_api.vtysh("r2", role % ("", OURS_AT, "customer"))
    state = lab_api.wait_for(
        lambda: (s := r2_side())["bgpState"] == "Established" and s.get("remoteRole") == "provider" and s or None,
        timeout=30,
        message="r2 and %s up with their roles" % ours.platform,
    )
    opens = state["messageStats"]["opensSent"]
    lab_api.vtysh("r2", role % ("no ", OURS_AT, "customer") + role % ("", OURS_AT, "peer"))

    def refused():
        s = r2_side()  # r2 has tried twice since and the session is not up: the roles are refused
        return s if s["messageStats"]["opensSent"] >= opens + 2 and s["bgpState"] != "Established" else None

    state = lab_api.wait_for(refused, timeout=30, message="the session refused over the roles")
    assert state["localRole"] == "peer" and state["remoteRole"] == "undefined"
    assert not lab_api.received_from("r2", OURS_AT, 4)
