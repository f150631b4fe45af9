# -*- coding: utf-8 -*-
"""RPKI origin validation on a real FRR 8.4: render_rpki's output pushed to r2 through vtysh, VRPs
from the lab's StayRTR, routes from ExaBGP.

r2 gets the lab cache and the policy in front of its inbound route-map from exa (RS-LAB-FROM-EXA,
which by itself accepts everything); r1 keeps no RPKI configuration and so shows what exa sent.
Each case starts and ends with ``lab_api.reset()`` (r1/r2 back to their base config).
"""

from __future__ import annotations

import ipaddress

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.render.frr import render_rpki
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.rov import INVALID, NOT_FOUND, VALID, RovIndex
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import read_vrps
from lab_helpers import lab_api

pytestmark = pytest.mark.lab(changes=("routers",))

ROUTE_MAP = "RS-LAB-FROM-EXA"
EXA = {4: "198.18.0.100", 6: "fdff:5e5::100"}
# What exa (AS 65000) announces, by the state the lab's VRPs (tests/lab/routers/vrps.json) give it.
ANNOUNCED = {
    VALID: {"192.0.2.0/24", "2001:db8:100::/48"},
    INVALID: {
        "192.0.2.0/25",  # AS65000's VRP allows /24 only: too long
        "203.0.113.0/24",  # the VRP is for AS64511: wrong origin
        "2001:db8:100::/49",  # max length 48
        "2001:db8:200::/40",  # AS64511's
    },
    NOT_FOUND: {"198.51.100.0/24", "2001:db8:300::/40"},
}
ALL = set().union(*ANNOUNCED.values())


def afi(prefix):
    return ipaddress.ip_network(prefix).version


@pytest.fixture(autouse=True)
def routers_at_base():
    lab_api.reset()
    yield
    lab_api.reset()


def test_the_announcements_have_the_states_the_lab_vrps_give():
    """The lab's VRP file and the cases above agree, by the collection's own validator."""
    index = RovIndex(read_vrps(lab_api.LAB_VRPS))
    for state, prefixes in ANNOUNCED.items():
        assert {prefix: index.validate_network(prefix, 65000) for prefix in prefixes} == dict.fromkeys(prefixes, state)


def push_rpki(node, not_found_local_preference):
    host, port = lab_api.RTR_CACHE
    text = render_rpki(
        [{"address": host, "port": port, "preference": 1}],
        {"route_map": ROUTE_MAP, "not_found_local_preference": not_found_local_preference},
    )
    output = lab_api.vtysh(node, "configure terminal\n" + text)
    assert "%" not in output and "already" not in output, output  # FRR's errors leave vtysh's exit status 0
    return text


def wait_rtr_synced(node):
    vrps = {(str(v.prefix), v.max_length, v.asn) for v in read_vrps(lab_api.LAB_VRPS)}

    def synced():
        connected = [c for c in lab_api.rpki_connections(node) if c.get("state") == "connected"]
        return connected and lab_api.rpki_prefix_table(node) == vrps

    lab_api.wait_for(synced, timeout=60, message="%s's RTR session to StayRTR with the lab's VRPs" % node)
    (connection,) = lab_api.rpki_connections(node)
    assert (connection["host"], int(connection["port"]), connection["preference"]) == (*lab_api.RTR_CACHE, 1)


def announce_all():
    for prefix in sorted(ALL):
        lab_api.exabgp("announce route %s next-hop self" % prefix)

    def r1_has_all():  # r1 validates nothing: everything exa sent has arrived
        return {p for a in (4, 6) for p in lab_api.received_from("r1", EXA[a], a)} == ALL

    lab_api.wait_for(r1_has_all, timeout=30, message="r1 to hold every route exa announced")


def r2_from_exa():
    """{prefix: path} of what r2 accepted from exa."""
    accepted = {}
    for a in (4, 6):
        for prefix, paths in lab_api.bgp_table("r2", a).items():
            for path in paths:
                if str(ipaddress.ip_address(path.get("peerId", "0.0.0.0"))) == EXA[a]:
                    accepted[prefix] = path
    return accepted


def rpki_state(node, prefix):
    data = lab_api.vtysh_json(node, "show bgp %s unicast %s json" % ("ipv4" if afi(prefix) == 4 else "ipv6", prefix))
    return {path.get("rpkiValidationState") for path in data.get("paths", [])}


@pytest.mark.parametrize("not_found_local_preference", [50, None], ids=["not-found-lower-pref", "not-found-as-is"])
def test_r2_rejects_invalid_and_handles_not_found_as_configured(not_found_local_preference):
    text = push_rpki("r2", not_found_local_preference)
    config = lab_api.running_config("r2")
    for line in text.splitlines():
        if not line.startswith("no "):
            assert line in config.splitlines(), "%r not in r2's running config:\n%s" % (line, config)
    if not_found_local_preference is None:
        assert "match rpki notfound" not in config
    wait_rtr_synced("r2")
    assert not lab_api.rpki_connections("r1"), "r1 must stay without RPKI"

    announce_all()
    wanted = ANNOUNCED[VALID] | ANNOUNCED[NOT_FOUND]

    def settled():
        got = r2_from_exa()
        return got if set(got) == wanted else None

    accepted = lab_api.wait_for(
        settled,
        timeout=30,
        message="r2 to accept exactly the valid and not-found routes",
    )
    assert not set(accepted) & ANNOUNCED[INVALID]

    default = lab_api.vtysh_json("r2", "show bgp ipv4 unicast json", daemon="bgpd")["defaultLocPrf"]
    assert default == 100
    for prefix in ANNOUNCED[VALID]:
        assert accepted[prefix].get("locPrf", default) == default, accepted[prefix]
        assert rpki_state("r2", prefix) == {"valid"}
    for prefix in ANNOUNCED[NOT_FOUND]:
        expected = default if not_found_local_preference is None else not_found_local_preference
        assert accepted[prefix].get("locPrf", default) == expected, accepted[prefix]
        assert rpki_state("r2", prefix) == {"not found"}
