# -*- coding: utf-8 -*-
"""The compliance checks over data already read: each seeded problem is found once, with its severity,
and a clean state gives no finding at all."""

from __future__ import annotations

import ipaddress

from ansible_collections.routesec.bgp.plugins.module_utils.compliance.checks import (
    irr_findings,
    router_findings,
    rov_policy_findings,
    rpki_findings,
    unreachable,
)
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import PrefixEntry, PrefixList
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import route_object
from ansible_collections.routesec.bgp.plugins.module_utils.render.frr import parse_rtr_caches
from ansible_collections.routesec.bgp.plugins.module_utils.render.frr_rov_policy import parse_rov_policy
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.router_policy import RtrCache
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import make_vrp

ROAS = [
    make_vrp("185.230.76.0/24", 24, 64500),
    make_vrp("185.230.77.0/24", 24, 64500),
    make_vrp("2a0f:b300::/32", 32, 64500),
]
OWN = PrefixList("ROUTESEC-OWN-V4", 4, (PrefixEntry(ipaddress.ip_network("185.230.76.0/22"), le=24),))
CACHES = [RtrCache("198.18.0.20", 3323), RtrCache("198.18.0.21", 3323, 2)]


def checks(findings):
    return sorted((f.check, f.subject, f.severity) for f in findings)


def test_rpki_clean_missing_and_invalid():
    assert rpki_findings(ROAS, list(ROAS)) == ([], 3)
    vrps = [ROAS[0], make_vrp("185.230.77.0/24", 24, 65001)]  # no ROA for the IPv6 one; 77 has another origin
    findings, valid = rpki_findings(ROAS, vrps)
    assert valid == 1
    assert checks(findings) == [
        ("roa-missing", "2a0f:b300::/32 AS64500", "high"),
        ("rpki-invalid", "185.230.77.0/24 AS64500", "critical"),
    ]


def test_route_objects_clean_missing_and_wrong_origin():
    desired = [route_object(str(r.prefix), r.asn, "MAINT-US", "LAB") for r in ROAS]
    assert irr_findings(desired, list(desired)) == ([], 3)
    wrong = route_object("185.230.76.0/24", 64999, "MAINT-US", "LAB")
    findings, covered = irr_findings(desired, desired[:1] + [wrong])
    assert covered == 1
    assert checks(findings) == [
        ("route-object-missing", "185.230.77.0/24", "medium"),
        ("route-object-missing", "2a0f:b300::/32", "medium"),
        ("route-object-wrong-origin", "185.230.76.0/24", "high"),
    ]
    assert "origin AS64999 (maintained by MAINT-US); NetBox originates it from AS64500" in findings[-1].message


def test_router_clean_drifted_and_without_rtr():
    running = {"ROUTESEC-OWN-V4": ["permit 185.230.76.0/22 le 24"]}
    both = ["198.18.0.20 3323", "198.18.0.21 3323"]
    findings, state = router_findings("r1", "frr", (OWN,), running, CACHES, both)
    assert findings == [] and (state.drift_entries, state.rtr_sessions) == (0, 2)

    drifted = {"ROUTESEC-OWN-V4": ["permit 185.230.76.0/22 le 24", "permit 10.0.0.0/8"]}
    findings, state = router_findings("r1", "frr", (OWN,), drifted, CACHES, [])
    assert checks(findings) == [("filter-drift", "r1 ROUTESEC-OWN-V4", "high"), ("rtr-missing", "r1", "high")]
    assert "1 entries NetBox does not have (permit 10.0.0.0/8)" in findings[0].message
    assert state.drift_entries == 1 and state.rtr_sessions == 0

    findings, state = router_findings("r2", "frr", (OWN,), {}, CACHES, both[:1])
    assert checks(findings) == [
        ("filter-drift", "r2 ROUTESEC-OWN-V4", "high"),
        ("rtr-cache-missing", "r2", "medium"),
    ]
    assert "1 NetBox entries missing (permit 185.230.76.0/22 le 24)" in findings[0].message


def test_an_unreachable_router():
    findings, state = unreachable("r3", "frr", "cannot connect over SSH: timed out")
    assert checks(findings) == [("router-unreachable", "r3", "critical")] and not state.reachable


def test_rtr_caches_from_frr_running_config():
    text = "frr version 8.4\n!\nrpki\n rpki cache 198.18.0.20 3323 preference 1\n rpki cache tcp 10.0.0.1 8282 preference 2\nexit\n"
    assert parse_rtr_caches(text) == ["10.0.0.1 8282", "198.18.0.20 3323"]
    assert parse_rtr_caches("frr version 8.4\n!\nrouter bgp 64500\n") == []


# As render_rov writes it, with the policy called from the exa neighbour's inbound route-map on one router.
ROV_RUNNING = """\
route-map ROUTESEC-ROV deny 1
 match rpki invalid
exit
!
route-map ROUTESEC-ROV permit 65535
exit
!
route-map RS-LAB-FROM-EXA permit 10
%s
exit
!
router bgp 64500
 address-family ipv4 unicast
  neighbor 198.18.0.100 route-map RS-LAB-FROM-EXA in
  neighbor 198.18.0.10 route-map ROUTESEC-ROV out
 exit-address-family
exit
"""


def test_origin_validation_policy_read_back_and_its_finding():
    applied = parse_rov_policy(ROV_RUNNING % " call ROUTESEC-ROV")
    assert applied == {
        "rejecting": ["ROUTESEC-ROV", "RS-LAB-FROM-EXA"],
        "inbound": {"198.18.0.100": "RS-LAB-FROM-EXA"},
        "validated": ["198.18.0.100"],
    }
    assert rov_policy_findings("r1", ["198.18.0.20 3323"], applied) == []
    unused = parse_rov_policy(ROV_RUNNING % " set local-preference 90")  # the policy exists, used outbound only
    assert unused["rejecting"] == ["ROUTESEC-ROV"] and unused["validated"] == []
    findings = rov_policy_findings("r1", ["198.18.0.20 3323"], unused)
    assert checks(findings) == [("rov-policy-missing", "r1", "high")]
    assert "(route-maps that would: ROUTESEC-ROV)" in findings[0].message
    assert rov_policy_findings("r1", [], unused) == []  # without RTR sessions: rtr-missing says it
    assert rov_policy_findings("r1", ["198.18.0.20 3323"], None) == []  # not read for the platform
    looping = "route-map A permit 1\n call B\nexit\nroute-map B permit 1\n call A\nexit\n"
    assert parse_rov_policy(looping)["rejecting"] == []
