# -*- coding: utf-8 -*-
"""The session policy on BIRD 2, deployed by the session_policy module and checked by behaviour: the lab's
BIRD router becomes one of our routers (AS64501), whose sessions are r2, here its customer (AS64500), and
transit (AS64496). routesec writes the sessions and their filters into a file BIRD's configuration includes,
with BIRD's own commit-confirmed; check mode changes nothing, a second run changes nothing.

r2 plays the customer: it originates routes and, through an outbound route-map written here, gives them the
paths and communities a customer might send. What BIRD accepts is read from BIRD's table, once BIRD has
processed every route r2 sent (its protocol's received count); what it exports, from transit's table.

The intent is written here rather than read from NetBox: reading NetBox and building the intent do not depend
on the platform, and are checked with FRR (test_session_policy_frr.py).
"""

from __future__ import annotations

import json
import re

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.intent import model
from ansible_collections.routesec.bgp.plugins.module_utils.intent.sessions import Session
from lab_helpers import lab_api

pytestmark = pytest.mark.lab(changes=("routers",))

PLAYBOOK = "tests/integration/playbooks/session_policy_bird.yml"
R2, TRANSIT = "198.18.0.2", "198.18.0.10"
CUSTOMER = "routesec_customer_as64500_198_18_0_2"
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


def intent():
    irr = model.PrefixList(
        "ROUTESEC-AS64500-IN-V4", 4, tuple(model.PrefixEntry(model.parse_prefix(p), le=32) for p in REGISTERED)
    )
    own = model.PrefixList("ROUTESEC-OWN-V4", 4, (model.PrefixEntry(model.parse_prefix(OURS)),))
    sessions = (
        Session(R2, 64500, "customer", name="bird:r2", role="provider", max_prefix=50, blackhole=True, as_set="AS-X"),
        Session(TRANSIT, 64496, "transit", name="bird:transit", role="customer"),
    )
    device = model.Device("bird", "bird2", None, 64501)
    origins = (model.AsPathList("ROUTESEC-AS64500-IN", 64500, ORIGINS),)
    return model.DeviceIntent(device, (own, irr), as_path_lists=origins, sessions=sessions)


@pytest.fixture(scope="module")
def bird_is_ours(module_playbook, tmp_path_factory):
    """BIRD as AS64501 with the origin-validation part and an empty session file; r2 sending SENT to it."""
    from ansible_collections.routesec.bgp.plugins.module_utils.render import bird2
    from ansible_collections.routesec.bgp.plugins.module_utils.rpki.router_policy import RovPolicy, RtrCache

    lab_api.reset()
    folder = lab_api.state_dir() / lab_api.BIRD_NODE
    sessions = folder / "routesec-sessions.conf"
    sessions.write_text("")
    rov = bird2.render_rov([RtrCache(*lab_api.RTR_CACHE)], RovPolicy())
    lab_api.bird_configure(MAIN.format(log=lab_api.state_dir() / "log", ours=OURS, rov=rov, sessions=sessions))
    # the VRPs first: BIRD checks a route when it arrives
    lab_api.wait_for(
        lambda: "203.0.113.0/24" in lab_api.birdc("show", "route", "table", "routesec_roa4") or None,
        timeout=30,
        message="the lab's VRPs at BIRD",
    )
    r2_sends()
    variables = tmp_path_factory.mktemp("bird") / "vars.json"
    variables.write_text(
        json.dumps(
            {
                "intent": intent().to_dict(),
                "config_path": str(sessions),
                "main_config_path": str(folder / "bird.conf"),
                "socket": str(folder / "bird.ctl"),
                "bogon_exceptions": ["203.0.113.0/24"],
                "bogon_asn_exceptions": ["64496-64511", "65000-65010"],
            }
        )
    )
    try:
        yield lambda *args: module_playbook(PLAYBOOK, "-e", "@%s" % variables, *args)
    finally:
        lab_api.reset()


def r2_sends():
    """r2 originates every route of SENT and sends it to BIRD with its path and community."""
    lines = ["configure terminal"]
    for number, (prefix, (path, community)) in enumerate(sorted(SENT.items()), 1):
        lines += ["ip route %s blackhole" % prefix, "ip prefix-list TO-BIRD-%d seq 5 permit %s" % (number, prefix)]
        lines += ["route-map TO-BIRD permit %d" % number, " match ip address prefix-list TO-BIRD-%d" % number]
        lines += [" set as-path prepend %s" % path] if path else []
        lines += [" set community %s" % community] if community else []
        lines.append("exit")
    lines += ["route-map FROM-BIRD permit 10", "exit", "router bgp 64500", " address-family ipv4 unicast"]
    lines += ["  network %s" % prefix for prefix in SENT]
    lines += ["  neighbor 198.18.0.102 route-map TO-BIRD out", "  neighbor 198.18.0.102 route-map FROM-BIRD in"]
    output = lab_api.vtysh("r2", "\n".join(lines + [" exit-address-family", "exit", "end"]))
    assert "%" not in output, output


def import_counts(protocol):
    """(received, accepted) import updates of a BIRD protocol."""
    text = lab_api.birdc("show", "protocols", "all", protocol)
    found = re.search(r"Import updates:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", text)
    return (int(found[1]), int(found[5])) if found else (0, 0)


def bird_accepted():
    """What BIRD accepted from r2, once it has processed every route r2 sent."""
    lab_api.wait_for(lambda: import_counts(CUSTOMER)[0] >= len(SENT) or None, timeout=30, message="all at BIRD")
    table = lab_api.birdc("show", "route", "protocol", CUSTOMER)
    return {line.split()[0] for line in table.splitlines()[2:] if line and not line[0].isspace()}


def test_check_mode_changes_nothing_then_deploys_then_a_second_run_changes_nothing(bird_is_ours):
    folder = lab_api.state_dir() / lab_api.BIRD_NODE
    checked = bird_is_ours("--check", "--diff")
    assert checked.rc == 0, checked.output
    (result,) = [r["result"] for r in checked.for_action("session_policy")]
    assert result["changed"] and (folder / "routesec-sessions.conf").read_text() == ""
    assert "+protocol bgp %s {" % CUSTOMER in result["diff"]["prepared"]
    applied = bird_is_ours()
    assert applied.rc == 0, applied.output
    assert "protocol bgp %s {" % CUSTOMER in (folder / "routesec-sessions.conf").read_text()
    again = bird_is_ours()
    assert again.rc == 0 and [r["result"]["changed"] for r in again.for_action("session_policy")] == [False]


def test_bird_accepts_only_what_the_policy_allows_from_its_customer(bird_is_ours):
    assert bird_accepted() == ACCEPTED
    route = lab_api.birdc("show", "route", "193.0.0.0/22", "all")
    assert "(64501, 1, 1)" in route  # tagged: learned from a customer
    assert "(65535,65281)" in lab_api.birdc("show", "route", "193.0.0.9/32", "all")  # NO_EXPORT added


def test_transit_gets_our_prefix_and_the_customers_clean_route_only(bird_is_ours):
    bird_accepted()
    lab_api.wait_for(
        lambda: {OURS, "193.0.0.0/22"} <= lab_api.received_from("transit", "198.18.0.102", 4) or None,
        timeout=30,
        message="our prefix and the customer's route at transit",
    )
    assert lab_api.received_from("transit", "198.18.0.102", 4) == {OURS, "193.0.0.0/22"}
