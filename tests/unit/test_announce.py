# -*- coding: utf-8 -*-
"""Announcing our prefixes: FRR's origination lines read back, the plan and its fail-closed guard, and the
verdict on what an observer sees."""

from __future__ import annotations

import ipaddress
import json

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.compliance.announcement_check import (
    check_announcement,
    observed_paths,
    origin_of,
    show_command,
)
from ansible_collections.routesec.bgp.plugins.module_utils.errors import SafetyError, TransportError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import (
    Device,
    DeviceIntent,
    PrefixEntry,
    PrefixList,
)
from ansible_collections.routesec.bgp.plugins.module_utils.plan.announce import plan_announcements
from ansible_collections.routesec.bgp.plugins.module_utils.render.frr_origination import (
    origination_lines,
    parse_originations,
    withdrawal_lines,
)
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.rov import RovIndex
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import make_vrp

net = ipaddress.ip_network
NEW, OLD, V6 = net("185.230.72.0/22"), net("185.230.76.0/22"), net("2a0f:b300::/32")
V4_LIST = PrefixList("ROUTESEC-OWN-V4", 4, (PrefixEntry(NEW), PrefixEntry(OLD, le=23)))
V6_LIST = PrefixList("ROUTESEC-OWN-V6", 6, (PrefixEntry(V6),))
INTENT = DeviceIntent(Device("r1", "frr", "127.0.10.1", 64500), (V4_LIST, V6_LIST))

# As FRR 8.4 prints it (show running-config, zebra + staticd + bgpd merged).
RUNNING = """\
hostname r1
ip route 185.230.76.0/22 blackhole
ipv6 route 2a0f:b300::/32 blackhole
!
ip prefix-list ROUTESEC-OWN-V4 seq 5 permit 185.230.72.0/22
ip prefix-list ROUTESEC-OWN-V4 seq 10 permit 185.230.76.0/22 le 23
ipv6 prefix-list ROUTESEC-OWN-V6 seq 5 permit 2a0f:b300::/32
!
router bgp 64500
 bgp router-id 198.18.0.1
 !
 address-family ipv4 unicast
  network 185.230.76.0/22
  neighbor 198.18.0.10 route-map RS-OWN-OUT-V4 out
 exit-address-family
 !
 address-family ipv6 unicast
  network 2a0f:b300::/32
 exit-address-family
exit
!
router bgp 64501 vrf other
 address-family ipv4 unicast
  network 185.230.72.0/22
 exit-address-family
exit
!
"""


def test_origination_lines_and_their_undo():
    lines = origination_lines(64500, [V6, NEW])
    assert lines == [
        "ip route 185.230.72.0/22 blackhole",
        "ipv6 route 2a0f:b300::/32 blackhole",
        "router bgp 64500",
        " address-family ipv4 unicast",
        "  network 185.230.72.0/22",
        " exit-address-family",
        " address-family ipv6 unicast",
        "  network 2a0f:b300::/32",
        " exit-address-family",
    ]
    plan = plan_announcements(INTENT, RUNNING.replace("ipv6 route 2a0f:b300::/32 blackhole\n", ""))
    assert withdrawal_lines(plan.asn, plan.add)[:4] == [
        "router bgp 64500",
        " address-family ipv4 unicast",
        "  no network 185.230.72.0/22",
        " exit-address-family",
    ]
    assert withdrawal_lines(plan.asn, plan.add)[-2:] == [
        "no ip route 185.230.72.0/22 blackhole",
        "no ipv6 route 2a0f:b300::/32 blackhole",
    ]


def test_parse_reads_only_the_networks_of_our_router_bgp():
    networks, blackholes = parse_originations(RUNNING, 64500)
    assert networks == {OLD, V6} and blackholes == {OLD, V6}
    assert parse_originations(RUNNING, 64501)[0] == set()  # a VRF's instance is not the router's


def test_the_plan_adds_what_is_missing_inside_the_blocks():
    plan = plan_announcements(INTENT, RUNNING)
    assert plan.changed and plan.add == (NEW,) and plan.present == (OLD, V6)
    assert plan.commands() == origination_lines(64500, [NEW])
    assert plan.diff()["after"] == "network 185.230.72.0/22\nnetwork 185.230.76.0/22\nnetwork 2a0f:b300::/32\n"
    assert plan_announcements(INTENT, RUNNING, [OLD]).changed is False
    # a network statement whose blackhole route is missing is sent again, with the route
    assert plan_announcements(INTENT, RUNNING.replace("ip route 185.230.76.0/22 blackhole\n", ""), [OLD]).add == (OLD,)


@pytest.mark.parametrize(
    "running_list, why",
    [
        ("", "no announcement list at all"),
        ("ip prefix-list ROUTESEC-OWN-V4 seq 10 permit 185.230.76.0/22 le 23\n", "not in the list yet"),
        (
            "ip prefix-list ROUTESEC-OWN-V4 seq 3 deny 185.230.72.0/22\n"
            + "ip prefix-list ROUTESEC-OWN-V4 seq 5 permit 185.230.72.0/22\n",
            "a deny matches first",
        ),
        ("ip prefix-list ROUTESEC-OWN-V4 seq 5 permit 185.230.72.0/22 ge 23\n", "the length is outside ge/le"),
    ],
)
def test_refused_when_the_running_filter_would_not_let_it_out(running_list, why):
    running = "router bgp 64500\n!\n" + running_list
    with pytest.raises(SafetyError, match="running prefix-list ROUTESEC-OWN-V4 does not permit 185.230.72.0/22"):
        plan_announcements(INTENT, running, [NEW])
    # a check-mode plan takes the lists the filter step would deploy
    assert plan_announcements(INTENT, running, [NEW], filters="intent").add == (NEW,), why


def frr_answer(prefix, *paths):
    return json.dumps(
        {
            "prefix": prefix,
            "paths": [{"aspath": {"string": p}, "bestpath": {"overall": best}} for p, best in paths],
        }
    )


def observed_origins(answer, prefix, where):
    return [origin_of(path) for path in observed_paths(answer, prefix, where)]


def test_observed_origins_best_path_first():
    answer = frr_answer("185.230.72.0/22", ("64501 64500", False), ("64500", True))
    assert observed_origins(answer, NEW, "transit") == [64500, 64500]
    assert observed_origins(
        frr_answer("185.230.72.0/22", ("64999", False), ("64500 {64510,64511}", True)), NEW, "x"
    ) == [None, 64999]
    assert observed_origins("{}", NEW, "transit") == []
    assert observed_origins(frr_answer("185.230.0.0/16", ("64999", True)), NEW, "transit") == []  # a covering route
    assert show_command(V6) == "show bgp ipv6 unicast 2a0f:b300::/32 json"


def test_the_verdict_on_an_announcement():
    rov = RovIndex([make_vrp("185.230.72.0/22", 22, 64500)])
    assert check_announcement(NEW, 64500, [[64500]], rov)["problems"] == []
    assert check_announcement(NEW, 64500, [], rov)["problems"] == ["185.230.72.0/22 is not in the observer's BGP table"]
    assert check_announcement(NEW, 64500, [[64999]], rov)["problems"] == [
        "185.230.72.0/22 is seen from AS64999, not AS64500"
    ]
    stale = check_announcement(NEW, 64500, [[64500]], RovIndex([make_vrp("185.230.72.0/22", 22, 64999)]))
    assert stale["problems"] == ["185.230.72.0/22 from AS64500 is RPKI invalid"] and stale["seen"]
    missing = check_announcement(NEW, 64500, [[64500]], RovIndex([]))
    assert missing["rpki"] == "not-found"


def test_observed_paths_from_the_segments_or_the_text():
    segments = {
        "prefix": "185.230.72.0/22",
        "paths": [
            {
                "aspath": {
                    "string": "(65001) 64510 {64520,64521}",
                    "segments": [
                        {"type": "as-confed-sequence", "list": [65001]},
                        {"type": "as-sequence", "list": [64510]},
                        {"type": "as-set", "list": [64521, 64520]},
                    ],
                },
                "bestpath": {"overall": True},
            }
        ],
    }
    assert observed_paths(json.dumps(segments), NEW, "x") == [[64510, frozenset({64520, 64521})]]
    text = frr_answer("185.230.72.0/22", ("64510 64510 {64520,64521}", True))
    assert observed_paths(text, NEW, "x") == [[64510, 64510, frozenset({64520, 64521})]]
    with pytest.raises(TransportError, match="holds 'x64510', not an AS number"):
        observed_paths(frr_answer("185.230.72.0/22", ("x64510", True)), NEW, "transit")


def test_the_aspa_state_of_the_path_the_observer_sees():
    rov = RovIndex([make_vrp("185.230.72.0/22", 22, 64500)])
    aspas = {64500: frozenset({64510}), 64510: frozenset({64520})}
    through_provider = check_announcement(NEW, 64500, [[64520, 64510, 64500]], rov, aspas)
    assert (through_provider["aspa"], through_provider["path"], through_provider["problems"]) == (
        "valid",
        "64520 64510 64500",
        [],
    )
    leaked = check_announcement(NEW, 64500, [[64520, 64999, 64500]], rov, aspas)
    assert leaked["aspa"] == "invalid"
    assert leaked["problems"] == ["185.230.72.0/22 through 64520 64999 64500 is ASPA invalid (upstream verification)"]
    # received from a provider: unknown while 64520 attests nothing, a valley once it names its own provider only
    assert check_announcement(NEW, 64500, [[64520, 64999, 64500]], rov, aspas, "downstream")["aspa"] == "unknown"
    aspas[64520] = frozenset({64530})
    assert check_announcement(NEW, 64500, [[64520, 64999, 64500]], rov, aspas, "downstream")["aspa"] == "invalid"
    assert "aspa" not in check_announcement(NEW, 64500, [[64500]], rov)  # no ASPA set given: not checked
