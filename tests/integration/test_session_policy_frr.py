# -*- coding: utf-8 -*-
"""Session policy on a real FRR: r2's sessions get their relationships in the lab NetBox, and
``playbooks/session_policy.yml`` (NetBox -> IRR -> prefix-lists -> session policy) deploys r2's whole policy:
check mode changes nothing, a second run changes nothing, and what r2 then accepts from its neighbours and
exports to transit is read from the BGP tables of r2 and transit, never from the rendered text.

The sessions: cust (AS65000) is r2's customer, over IPv4 allowed to blackhole its own prefixes, with a
max-prefix; exa (AS65000 too) stands over IPv4 for an IXP route server, so that it may inject any path, and over
IPv6 for a peer; transit (AS64496) is r2's transit; bird (AS65000, the lab's BIRD router) is a second customer
session, which announces nothing here (see test_session_roles_bird.py). The lab is numbered in documentation and private ASNs and its customer's routes sit in
documentation ranges, so the run takes those out of the bogons as the lab's inventory does; everything else a
filter refuses is real. Routes that must pass are public space nobody in the lab holds (193.0.0.0/21).
"""

from __future__ import annotations

import json

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.intent.build import build_intent
from ansible_collections.routesec.bgp.plugins.module_utils.intent.sessions import ROLE_OF
from ansible_collections.routesec.bgp.plugins.module_utils.irr.filters import IrrFilterOptions, irr_filters_from
from ansible_collections.routesec.bgp.plugins.module_utils.netbox import schema
from ansible_collections.routesec.bgp.plugins.module_utils.netbox.reader import read_snapshot
from lab_helpers import create_session, lab_api, lab_env

pytestmark = pytest.mark.lab(reads=("irrd",), changes=("netbox", "routers"))

CUST, CUST6, EXA, TRANSIT = "198.18.0.101", "fdff:5e5::101", "198.18.0.100", "198.18.0.10"
EXA6, TRANSIT6, BIRD = "fdff:5e5::100", "fdff:5e5::10", "198.18.0.102"
DOCUMENTATION = ["203.0.113.0/24", "198.51.100.0/24", "2001:db8:1000::/36"]  # the lab IRRd's customer routes
PUBLIC = "193.0.0.0/21"
ON_R2 = ("-e", "routesec_targets=r2")


@pytest.fixture(scope="module")
def policy_lab(netbox, module_playbook):
    """r2's sessions with cust and exa and transit classified in NetBox; r2 running the policy the playbook
    deployed, with the playbook's runs (check, apply, again). NetBox and the routers as they were afterwards."""
    lab_api.reset()
    undo = classify_sessions(netbox)
    try:
        before = lab_api.running_config("r2")
        runs = {"check": module_playbook("session_policy.yml", "--check", "--diff", *ON_R2)}
        runs["unchanged"] = lab_api.running_config("r2") == before
        runs["apply"] = module_playbook("session_policy.yml", "--diff", *ON_R2)
        assert runs["apply"].rc == 0, runs["apply"].output
        runs["again"] = module_playbook("session_policy.yml", *ON_R2)
        yield r2_intent(), runs
    finally:
        for action in reversed(undo):
            action()
        lab_api.reset()


def classify_sessions(netbox):
    """Relationships on r2's seeded customer sessions, and new sessions with exa and transit; the undo actions."""
    undo = []
    r2 = netbox.dcim.devices.get(name="r2")
    for session in netbox.plugins.bgp.bgpsession.filter(device_id=r2.id):
        before = dict(session.custom_fields)
        v4 = ":" not in str(session.remote_address)
        fields = {schema.CF_RELATIONSHIP: "customer", schema.CF_BLACKHOLE: v4}
        fields[schema.CF_MAX_PREFIX_V4 if v4 else schema.CF_MAX_PREFIX_V6] = 20
        session.update({"custom_fields": fields})
        undo.append(lambda s=session, b=before: s.update({"custom_fields": b}))
    for name, local, remote, asn, relationship in (
        ("exa-v4", "198.18.0.2/24", "%s/24" % EXA, 65000, "route_server"),
        ("exa-v6", "fdff:5e5::2/64", "%s/64" % EXA6, 65000, "peer"),
        ("transit-v4", "198.18.0.2/24", "%s/24" % TRANSIT, 64496, "transit"),
        ("transit-v6", "fdff:5e5::2/64", "%s/64" % TRANSIT6, 64496, "transit"),
        ("bird-v4", "198.18.0.2/24", "%s/24" % BIRD, 65000, "customer"),
    ):
        limit = schema.CF_MAX_PREFIX_V6 if ":" in remote else schema.CF_MAX_PREFIX_V4
        undo += create_session(netbox, name, local, remote, asn, {schema.CF_RELATIONSHIP: relationship, limit: 1000})
    return undo


def r2_intent():
    env = lab_env()
    records = read_snapshot(env["NETBOX_URL"], env["NETBOX_TOKEN"]).records
    intents = {"r2": build_intent(records)["r2"]}
    irr = IrrFilterOptions(bogon_exceptions=tuple(DOCUMENTATION))
    sources = ["ROUTESEC-LAB", "RIPE", "RIPE-NONAUTH"]
    built, _report, _warnings, _queries, _cache = irr_filters_from(
        env["IRRD_HOST"], int(env["IRRD_WHOIS_PORT"]), intents, irr, sources=sources
    )
    return built["r2"]


def announce(speaker, prefix, path, community=""):
    extra = " community [%s]" % community if community else ""
    lab_api.exabgp("announce route %s next-hop self as-path [%s]%s" % (prefix, path, extra), speaker=speaker)


def accepted(prefix, neighbor, afi=4):
    """Whether r2's BGP table holds ``prefix`` from ``neighbor``."""
    return prefix in lab_api.received_from("r2", neighbor, afi)


def settle_on(speaker, neighbor, marker, path):
    """Announce ``marker`` (a route the policy accepts) last and wait until r2 has it: ExaBGP sends in order, so
    every route announced before it has been through r2's import policy by then."""
    announce(speaker, marker, path)
    lab_api.wait_for(lambda: accepted(marker, neighbor), timeout=30, message="%s from %s on r2" % (marker, neighbor))


def test_check_mode_shows_each_sessions_policy_and_changes_nothing_a_second_run_changes_nothing(policy_lab):
    _intent, runs = policy_lab
    assert runs["check"].rc == 0, runs["check"].output
    assert runs["unchanged"]
    (checked,) = runs["check"].for_action("session_policy")
    assert checked["result"]["changed"]
    diff = checked["result"]["diff"]["prepared"]
    for line in (
        "+router bgp 64500 address-family ipv4 unicast: neighbor %s route-map ROUTESEC-IN-CUSTOMER-AS65000-V4 in"
        % CUST,
        "+router bgp 64500 address-family ipv4 unicast: neighbor %s route-map ROUTESEC-IN-RS-AS65000-V4 in" % EXA,
        "-router bgp 64500 address-family ipv4 unicast: neighbor %s route-map RS-LAB-FROM-EXA in" % EXA,
        "+router bgp 64500 address-family ipv4 unicast: neighbor %s maximum-prefix 20 restart 15" % CUST,
        "+router bgp 64500: neighbor %s local-role customer" % TRANSIT,
        "+route-map ROUTESEC-OUT-TRANSIT-V4 permit 110",
    ):
        assert line in diff, line
    summary = {s["neighbor"]: s for s in checked["result"]["sessions"]}
    assert summary[TRANSIT]["import"] == "ROUTESEC-IN-TRANSIT-AS64496-V4"
    assert summary[CUST6]["export"] == "ROUTESEC-OUT-CUSTOMER-V6"
    (applied,) = runs["apply"].for_action("session_policy")
    assert applied["result"]["changed"] and applied["result"]["diff"]["prepared"] == diff
    assert runs["again"].rc == 0, runs["again"].output
    assert [r["result"]["changed"] for r in runs["again"].for_action("session_policy")] == [False]
    assert [r["result"]["changed"] for r in runs["again"].for_action("prefix_filter")] == [False]


def test_the_intent_carries_each_sessions_relationship_and_role(policy_lab):
    by_address = {s.address: s for s in policy_lab[0].sessions}
    assert {a: s.relationship for a, s in by_address.items()} == {
        CUST: "customer",
        CUST6: "customer",
        EXA: "route_server",
        EXA6: "peer",
        TRANSIT: "transit",
        TRANSIT6: "transit",
        BIRD: "customer",
    }
    assert all(s.role == ROLE_OF[s.relationship] for s in policy_lab[0].sessions)
    assert by_address[CUST].blackhole and not by_address[CUST6].blackhole
    assert by_address[CUST].max_prefix == 20 and by_address[EXA].max_prefix == 1000
    assert not policy_lab[0].unclassified
    neighbors = lab_api.vtysh_json("r2", "show bgp neighbors %s json" % CUST, daemon="bgpd")[CUST]
    assert neighbors["localRole"] == "provider"


def test_a_customer_leaking_through_a_transit_free_network_is_stopped_its_own_routes_pass(policy_lab):
    announce("cust", "198.51.100.0/24", "65000 3356 65001")  # registered, but learned from Lumen: a leak
    settle_on("cust", CUST, "203.0.113.0/24", "65000")
    assert not accepted("198.51.100.0/24", CUST)
    exported = lab_api.wait_for(
        lambda: "203.0.113.0/24" in lab_api.received_from("transit", "198.18.0.2") or None,
        timeout=30,
        message="the customer's route exported to transit",
    )
    assert exported
    assert "198.51.100.0/24" not in lab_api.received_from("transit", "198.18.0.2")
    large = lab_api.vtysh_json("r2", "show bgp ipv4 unicast 203.0.113.0/24 json", daemon="bgpd")["paths"][0]
    assert large["largeCommunity"]["string"] == "64500:1:1"


def best_from(prefix, afi):
    """The neighbour r2's best path for ``prefix`` comes from (None when it has none)."""
    table = lab_api.vtysh_json("r2", "show bgp ipv%d unicast %s json" % (afi, prefix), daemon="bgpd")
    best = [p for p in table.get("paths", []) if p.get("bestpath", {}).get("overall")]
    return best[0]["peer"]["peerId"] if best else None


def advertised_to(neighbor, afi):
    command = "show bgp ipv%d unicast neighbors %s advertised-routes json" % (afi, neighbor)
    return set(lab_api.vtysh_json("r2", command, daemon="bgpd").get("advertisedRoutes", {}))


def test_a_peers_route_is_not_exported_to_transit_the_same_route_from_a_customer_is(policy_lab):
    """r2 chooses a best path and hands it to its outbound update groups in one step, so once the peer's route
    is best, what r2 advertises to transit already reflects it."""
    route = "2001:db8:1000::/36"  # AS65000's registered IPv6 route
    lab_api.exabgp("announce route %s next-hop self as-path [65000]" % route, speaker="exa")
    lab_api.wait_for(lambda: best_from(route, 6) == EXA6 or None, timeout=30, message="the peer's route best on r2")
    assert route not in advertised_to(TRANSIT6, 6)
    assert route not in lab_api.received_prefixes("transit", 6)
    lab_api.exabgp("withdraw route %s next-hop self" % route, speaker="exa")
    lab_api.exabgp("announce route %s next-hop self as-path [65000]" % route, speaker="cust")
    lab_api.wait_for(lambda: best_from(route, 6) == CUST6 or None, timeout=30, message="the customer's route best")
    assert route in advertised_to(TRANSIT6, 6)
    lab_api.wait_for(
        lambda: route in lab_api.received_prefixes("transit", 6) or None,
        timeout=30,
        message="the customer's route at transit",
    )


def test_what_a_route_server_sends_is_checked_and_not_exported_to_transit(policy_lab):
    refused = {
        "10.1.0.0/16": "65000 3333",  # bogon prefix (RFC 1918)
        "193.0.8.0/24": "65000 23456 3333",  # bogon ASN (AS_TRANS) in the path
        "193.0.9.0/24": " ".join(["65000"] + ["3333"] * 100),  # 101 ASNs
        "193.0.10.0/25": "65000 3333",  # too specific
        "185.230.76.0/24": "65000 3333",  # our own space, from outside
        "0.0.0.0/0": "65000 3333",  # the default route
        "193.0.11.1/32": "65000 3333",  # a blackhole request from a route server: refused
    }
    for prefix, path in refused.items():
        announce("exa", prefix, path, "65535:666" if prefix.endswith("/32") else "")
    settle_on("exa", EXA, PUBLIC, "65000 3333")
    assert sorted(p for p in refused if accepted(p, EXA)) == []
    announce("cust", "203.0.113.0/24", "65000")  # exported to transit once r2 has passed on what it had before
    lab_api.wait_for(
        lambda: "203.0.113.0/24" in lab_api.received_from("transit", "198.18.0.2") or None,
        timeout=30,
        message="the customer's route at transit",
    )
    assert PUBLIC not in lab_api.received_from("transit", "198.18.0.2")


def test_a_customer_may_blackhole_its_own_prefixes_only(policy_lab):
    announce("cust", "198.51.100.9/32", "65000 65001", "65535:666")  # its own space, as a blackhole request
    announce("cust", "193.0.12.1/32", "65000 65001", "65535:666")  # somebody else's
    announce("cust", "198.51.100.10/32", "65000 65001")  # too specific without the community
    settle_on("cust", CUST, "203.0.113.0/24", "65000")
    lab_api.wait_for(lambda: accepted("198.51.100.9/32", CUST) or None, timeout=30, message="the blackhole request")
    assert not accepted("193.0.12.1/32", CUST) and not accepted("198.51.100.10/32", CUST)
    path = lab_api.vtysh_json("r2", "show bgp ipv4 unicast 198.51.100.9/32 json", daemon="bgpd")["paths"][0]
    assert "noExport" in path["community"]["string"] or "no-export" in path["community"]["string"]


SESSION_CHECKS = ("session-policy-missing", "session-policy-drift", "max-prefix-missing", "role-missing")
SEEDED = {
    "export": "router bgp 64500\n address-family ipv4 unicast\n  no neighbor %s route-map ROUTESEC-OUT-CUSTOMER-V4 out"
    % CUST,
    "rpki": "route-map ROUTESEC-IN-TRANSIT-AS64496-V4 deny 90\n no match rpki invalid",
    "max-prefix": "router bgp 64500\n address-family ipv6 unicast\n  no neighbor %s maximum-prefix" % CUST6,
    "role": "router bgp 64500\n no neighbor %s local-role customer" % TRANSIT,
}


def session_compliance(playbook, tmp_path):
    variables = {
        "routesec_current_vrps": str(lab_api.LAB_VRPS),
        "routesec_compliance_fail_at": "critical",
        "routesec_report_dir": str(tmp_path / "report"),
    }
    run = playbook("compliance.yml", "-e", json.dumps(variables), "-e", "routesec_targets=r2")
    assert run.rc == 0, run.output
    (task,) = run.for_action("compliance")
    return sorted(
        (f["check"], f["subject"], f["message"]) for f in task["result"]["findings"] if f["check"] in SESSION_CHECKS
    )


def test_compliance_finds_exactly_the_seeded_session_problems(policy_lab, module_playbook, tmp_path):
    """Runs before the max-prefix test, which deploys the policy again."""
    assert session_compliance(module_playbook, tmp_path) == []
    for lines in SEEDED.values():
        output = lab_api.vtysh("r2", "configure terminal\n%s\nend\n" % lines)
        assert "%" not in output, output
    found = session_compliance(module_playbook, tmp_path)
    assert [(check, subject) for check, subject, _message in found] == [
        ("max-prefix-missing", "r2 %s" % CUST6),
        ("role-missing", "r2 %s" % TRANSIT),
        ("session-policy-drift", "r2"),
        ("session-policy-missing", "r2 %s" % CUST),
    ], found
    messages = {check: message for check, _subject, message in found}
    assert "no export route-map" in messages["session-policy-missing"]
    assert "NetBox's is 20" in messages["max-prefix-missing"]
    assert "NetBox implies customer" in messages["role-missing"]
    for drifted in (
        "route-map ROUTESEC-IN-TRANSIT-AS64496-V4",
        "neighbor %s (IPv4)" % CUST,
        "neighbor %s (IPv6)" % CUST6,
        "neighbor %s," % TRANSIT,
    ):
        assert drifted in messages["session-policy-drift"] + ",", messages["session-policy-drift"]


def test_over_its_max_prefix_a_customer_is_torn_down_a_route_server_only_warned(policy_lab, netbox, module_playbook):
    """Runs last: cust's IPv4 session (teardown) and exa's (warning) get a max-prefix of 2 in NetBox, and each
    sends three routes r2 accepts."""
    r2 = netbox.dcim.devices.get(name="r2")
    limits = {CUST: "teardown", EXA: "warning"}
    for session in netbox.plugins.bgp.bgpsession.filter(device_id=r2.id):
        address = str(session.remote_address).split("/", maxsplit=1)[0]
        if address in limits:
            fields = {schema.CF_MAX_PREFIX_V4: 2, schema.CF_MAX_PREFIX_ACTION: limits[address]}
            session.update({"custom_fields": fields})
    run = module_playbook("session_policy.yml", *ON_R2)
    assert run.rc == 0, run.output
    config = lab_api.running_config("r2")
    assert "neighbor %s maximum-prefix 2 restart 15" % CUST in config
    assert "neighbor %s maximum-prefix 2 warning-only" % EXA in config
    for prefix in ("193.0.0.0/22", "193.0.4.0/23", "193.0.6.0/24"):
        announce("exa", prefix, "65000 3333")
    announce("cust", "198.51.100.0/24", "65000")
    announce("cust", "198.51.100.9/32", "65000", "65535:666")
    announce("cust", "203.0.113.0/24", "65000")

    def state(neighbor):
        return lab_api.vtysh_json("r2", "show bgp neighbors %s json" % neighbor, daemon="bgpd")[neighbor]

    torn_down = lab_api.wait_for(
        lambda: state(CUST) if state(CUST)["bgpState"] != "Established" else None,
        timeout=30,
        message="cust torn down over its max-prefix",
    )
    reason = {k: v for k, v in torn_down.items() if k.startswith(("last", "bgpState"))}
    assert "Maximum Number of Prefixes" in json.dumps(reason), reason
    lab_api.wait_for(lambda: len(lab_api.received_from("r2", EXA, 4)) >= 3 or None, timeout=30, message="exa's 3")
    assert state(EXA)["bgpState"] == "Established"


def test_rpki_invalid_routes_are_rejected(policy_lab):
    """r2 gets an RTR session to the lab's StayRTR (whose VRPs give 203.0.113.0/24 to AS64511); exa sends that
    prefix first from the wrong origin, then from the right one."""
    address, port = lab_api.RTR_CACHE
    output = lab_api.vtysh(
        "r2", "configure terminal\nrpki\n rpki cache %s %d preference 1\nexit\nend\n" % (address, port)
    )
    assert "%" not in output, output
    lab_api.wait_for(lambda: lab_api.rpki_prefix_table("r2") or None, timeout=30, message="VRPs on r2")
    announce("exa", "203.0.113.0/24", "65000 65001")  # invalid: the VRP says AS64511
    settle_on("exa", EXA, "193.0.20.0/24", "65000 3333")
    assert not accepted("203.0.113.0/24", EXA)
    announce("exa", "203.0.113.0/24", "65000 64511")  # valid
    lab_api.wait_for(lambda: accepted("203.0.113.0/24", EXA) or None, timeout=30, message="the valid route on r2")
