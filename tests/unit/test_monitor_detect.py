# -*- coding: utf-8 -*-
"""The monitor's detector (``monitor.detect``) and alert store (``monitor.state``) on hand-made route events:
every rule raised by the route that shows it and cleared by the withdrawal or the clean path at every vantage
point that had it; repeats grouped and throttled; the store's state surviving a restart."""

from __future__ import annotations

import ipaddress
import json
import os

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.detect import Detector
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.model import (
    CLEARED,
    RAISED,
    RULES,
    UPDATED,
    AlertChange,
    RouteEvent,
    Watched,
    WatchList,
)
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.rules import aspa_reason
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.state import AlertStore
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.rov import RovIndex
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import make_vrp

OURS, OTHER_OURS = 64500, 64501
TRANSIT, TRANSIT2, PEER = 64496, 64497, 65020
HIJACKER = 666


def watched(prefix, origins=(OURS,), max_length=None, announced=True):
    network = ipaddress.ip_network(prefix)
    return Watched(network, frozenset(origins), max_length or network.prefixlen, announced)


WATCH = WatchList(
    prefixes=(
        watched("192.0.2.0/24"),
        watched("198.51.100.0/22", max_length=23),
        watched("203.0.113.0/24", (), announced=False),
        watched("2001:db8::/32", (OTHER_OURS,), 48),
    ),
    own_asns=frozenset({OURS, OTHER_OURS}),
    providers={OURS: frozenset({TRANSIT, TRANSIT2}), OTHER_OURS: frozenset({TRANSIT})},
    neighbors={OURS: frozenset({PEER})},
)


class Feed:
    """A detector fed events one second apart; each call returns [(event, rule, prefix, asn, vantages)]."""

    def __init__(self, watch=WATCH, **options):
        self.detector = Detector(watch, **options)
        self.clock = 0

    def __call__(self, vantage, prefix, *path, withdrawn=False):
        self.clock += 1
        event = RouteEvent(self.clock, vantage, ipaddress.ip_network(prefix), None if withdrawn else tuple(path))
        return [summary(change) for change in self.detector.observe(event)]


def summary(change):
    alert = change.alert
    return (change.event, alert.rule, alert.prefix, alert.asn, tuple(alert.vantages))


def test_the_detector_s_rules_are_the_model_s():
    from ansible_collections.routesec.bgp.plugins.module_utils.monitor import rules

    names = ("HIJACK", "SUBPREFIX", "SQUATTING", "RPKI", "ASPA", "VISIBILITY", "NEW_UPSTREAM", "LEAK", "MORE_SPECIFIC")
    assert {getattr(rules, name) for name in names} == set(RULES)


def test_a_hijack_is_raised_updated_per_vantage_point_and_cleared_by_a_clean_path_everywhere():
    feed = Feed()
    assert feed("v1", "192.0.2.0/24", TRANSIT, HIJACKER) == [(RAISED, "hijack", "192.0.2.0/24", HIJACKER, ("v1",))]
    assert feed("v2", "192.0.2.0/24", 3356, HIJACKER) == [(UPDATED, "hijack", "192.0.2.0/24", HIJACKER, ("v1", "v2"))]
    assert feed("v1", "192.0.2.0/24", withdrawn=True) == []  # v2 still sees it
    [alert] = feed.detector.active()
    assert (alert.path, alert.count, alert.watched) == ("3356 666", 2, "192.0.2.0/24")
    assert "AS666" in alert.detail and "AS64500" in alert.detail
    assert feed("v2", "192.0.2.0/24", TRANSIT, OURS) == [(CLEARED, "hijack", "192.0.2.0/24", HIJACKER, ("v1", "v2"))]
    assert feed.detector.active() == []


def test_an_as_set_origin_is_not_ours_and_an_empty_path_is():
    feed = Feed()
    assert feed("v1", "192.0.2.0/24", TRANSIT, frozenset({OURS, HIJACKER})) == [
        (RAISED, "hijack", "192.0.2.0/24", None, ("v1",))
    ]
    assert feed("bmp r1", "192.0.2.0/24") == []  # originated inside the vantage point's AS (iBGP)
    assert feed.detector.active()[0].path == "64496 {666,64500}"


def test_a_subprefix_hijack_names_our_covering_prefix_and_clears_on_withdrawal():
    feed = Feed()
    assert feed("v1", "192.0.2.128/25", TRANSIT, HIJACKER) == [
        (RAISED, "subprefix-hijack", "192.0.2.128/25", HIJACKER, ("v1",))
    ]
    assert feed.detector.active()[0].watched == "192.0.2.0/24"
    assert feed("v1", "192.0.2.128/25", withdrawn=True) == [
        (CLEARED, "subprefix-hijack", "192.0.2.128/25", HIJACKER, ("v1",))
    ]


def test_squatting_in_space_we_hold_and_do_not_announce():
    feed = Feed()
    assert feed("v1", "203.0.113.0/25", TRANSIT, HIJACKER) == [
        (RAISED, "squatting", "203.0.113.0/25", HIJACKER, ("v1",))
    ]
    assert feed("v1", "203.0.113.0/25", withdrawn=True)[0][0] == CLEARED
    # our own AS there is no squatter, but a route we do not announce
    assert feed("v1", "203.0.113.0/24", TRANSIT, OURS) == [
        (RAISED, "new-more-specific", "203.0.113.0/24", OURS, ("v1",))
    ]


def test_a_more_specific_of_ours_longer_than_we_announce():
    feed = Feed()
    assert feed("v1", "198.51.100.0/23", TRANSIT, OURS) == []  # max length 23
    assert feed("v1", "198.51.101.0/24", TRANSIT, OURS) == [
        (RAISED, "new-more-specific", "198.51.101.0/24", OURS, ("v1",))
    ]
    assert (
        feed.detector.active()[0].detail
        == "AS64500 announces a /24 inside 198.51.100.0/22, which we announce up to /23"
    )
    assert feed("v1", "198.51.101.0/24", withdrawn=True)[0][:2] == (CLEARED, "new-more-specific")
    assert feed("v1", "2001:db8:1::/48", TRANSIT, OTHER_OURS) == []


def test_routes_outside_our_space_keep_nothing():
    feed = Feed()
    assert feed("v1", "192.0.0.0/16", TRANSIT, HIJACKER) == []  # covers ours: not a rule
    assert feed("v1", "10.0.0.0/8", TRANSIT, HIJACKER) == []
    assert feed.detector.routes_held() == 0


def test_rpki_invalid_route_of_ours():
    vrps = RovIndex([make_vrp("192.0.2.0/24", 24, OURS), make_vrp("2001:db8::/32", 48, OTHER_OURS)])
    feed = Feed(vrps=vrps)
    assert feed("v1", "192.0.2.0/24", TRANSIT, OURS) == []
    assert feed("v1", "192.0.2.0/24", TRANSIT, OTHER_OURS) == [  # ours, but not what the ROA says
        (RAISED, "rpki-invalid", "192.0.2.0/24", OTHER_OURS, ("v1",))
    ]
    assert feed("v1", "192.0.2.0/24", TRANSIT, OURS) == [(CLEARED, "rpki-invalid", "192.0.2.0/24", OTHER_OURS, ("v1",))]
    assert feed("v1", "2001:db8:1::/48", TRANSIT, OTHER_OURS) == []
    # a hijack is a hijack, not also an RPKI-invalid route of ours
    assert [rule for _e, rule, *_rest in feed("v1", "192.0.2.0/24", TRANSIT, HIJACKER)] == ["hijack"]


# ASPAs: 65005 is a customer of our transit 64496 and of 65006; 65006's provider is 174
ASPAS = {
    OURS: frozenset({TRANSIT, TRANSIT2}),
    TRANSIT: frozenset({3356}),
    65005: frozenset({TRANSIT, 65006}),
    65006: frozenset({174}),
}


def test_aspa_invalid_names_the_hops_that_break_the_ramps():
    feed = Feed(aspas=ASPAS)
    assert feed("v1", "192.0.2.0/24", 3356, TRANSIT, OURS) == []  # up, then down to the vantage point
    leaked = (65006, 65005, TRANSIT, OURS)  # 65005 took our route from its provider up to its other provider
    assert feed("v1", "192.0.2.0/24", *leaked) == [(RAISED, "aspa-invalid", "192.0.2.0/24", None, ("v1",))]
    assert feed.detector.active()[0].detail == (
        "up from the origin, AS64496's ASPA does not list AS65005; "
        "down to the vantage point, AS65006's ASPA does not list AS65005"
    )
    assert aspa_reason((TRANSIT, frozenset({1, 2})), ASPAS) == "the path holds an AS_SET"
    assert feed("v1", "192.0.2.0/24", withdrawn=True)[0][:2] == (CLEARED, "aspa-invalid")


def test_upstream_verification_is_stricter_than_the_default_downstream_one():
    through_a_peer_of_the_vantage_point = (1299, 3356, TRANSIT, OURS)
    aspas = {**ASPAS, 3356: frozenset()}
    assert Feed(aspas=aspas)("v1", "192.0.2.0/24", *through_a_peer_of_the_vantage_point) == []
    upstream = Feed(aspas=aspas, aspa_direction="upstream")("v1", "192.0.2.0/24", *through_a_peer_of_the_vantage_point)
    assert [rule for _e, rule, *_rest in upstream] == ["aspa-invalid"]
    with pytest.raises(DataError, match="aspa_direction"):
        Detector(WATCH, aspa_direction="sideways")


def test_new_upstream_after_prepending_and_past_our_own_ases():
    feed = Feed()
    assert feed("v1", "192.0.2.0/24", 3356, TRANSIT2, OURS, OURS) == []
    assert feed("v1", "192.0.2.0/24", 3356, PEER, OURS) == []  # a peer of ours, known to NetBox
    assert feed("v1", "2001:db8::/32", 3356, TRANSIT, OTHER_OURS) == []
    assert feed("v1", "2001:db8::/32", 3356, TRANSIT, OURS, OTHER_OURS) == []  # 64496 is 64500's provider
    assert feed("v1", "192.0.2.0/24", 3356, 65099, OURS, OURS, OURS) == [
        (RAISED, "new-upstream", "192.0.2.0/24", 65099, ("v1",))
    ]
    assert feed.detector.active()[0].detail == "AS65099 is not a provider of AS64500 (AS64496, AS64497)"
    assert feed("v2", "2001:db8::/32", 65099, OTHER_OURS) == [(RAISED, "new-upstream", "2001:db8::/32", 65099, ("v2",))]
    assert feed("v1", "192.0.2.0/24", 3356, TRANSIT, OURS)[0][:2] == (CLEARED, "new-upstream")


def test_an_as_of_ours_without_described_providers_has_no_upstream_judged():
    watch = WatchList(WATCH.prefixes, WATCH.own_asns, providers={})
    assert Feed(watch)("v1", "192.0.2.0/24", 3356, 65099, OURS) == []


@pytest.mark.parametrize(
    ("aspas", "leaker"),
    [
        ({PEER: frozenset({65030}), TRANSIT2: frozenset({3356})}, PEER),  # 64497's ASPA does not list 65020
        ({PEER: frozenset({TRANSIT2})}, PEER),  # 64497 has no ASPA; 65020's lists 64497: the route went up again
        ({65030: frozenset({PEER}), 3356: frozenset({1299})}, 65030),  # down to 65030, which sent it up to 3356
    ],
)
def test_a_route_leak_is_our_route_going_up_again_after_a_peer_or_customer_of_ours(aspas, leaker):
    feed = Feed(aspas=aspas)
    path = (3356, 65030, PEER, OURS) if leaker == 65030 else (TRANSIT2, PEER, OURS)
    changes = feed("v1", "192.0.2.0/24", *path)
    assert [c for c in changes if c[1] == "route-leak"] == [(RAISED, "route-leak", "192.0.2.0/24", leaker, ("v1",))]
    assert "AS65020, not a provider of AS64500" in feed.detector.active()[0].detail
    assert feed("v1", "192.0.2.0/24", withdrawn=True)[0][:2] == (CLEARED, "route-leak")


def test_no_route_leak_without_proof():
    down_to_a_customer = (65030, PEER, OURS)
    assert Feed(aspas={65030: frozenset({PEER})})("v1", "192.0.2.0/24", *down_to_a_customer) == []
    prepended = (65030, 65030, PEER, PEER, OURS)  # an AS repeated is one hop, not a hop to itself
    aspas = {65030: frozenset({PEER}), PEER: frozenset({TRANSIT2})}
    assert Feed(aspas=aspas)("v1", "192.0.2.0/24", *prepended) == []
    assert Feed(aspas={})("v1", "192.0.2.0/24", TRANSIT2, PEER, OURS) == []  # nothing attested
    assert Feed()("v1", "192.0.2.0/24", TRANSIT2, PEER, OURS) == []  # no ASPA set
    through_our_provider = (PEER, TRANSIT, OURS)  # up first: not this rule's (aspa-invalid's, if anything)
    assert Feed(aspas={TRANSIT: frozenset({3356})})("v1", "192.0.2.0/24", *through_our_provider) == []


def test_an_unknown_upstream_leaking_is_both_alerts():
    changes = Feed(aspas={TRANSIT2: frozenset({3356})})("v1", "192.0.2.0/24", TRANSIT2, 65099, OURS)
    assert sorted((rule, asn) for _e, rule, _p, asn, _v in changes) == [("new-upstream", 65099), ("route-leak", 65099)]


def announce_everywhere(feed, vantages, prefix="192.0.2.0/24"):
    for vantage in vantages:
        assert feed(vantage, prefix, TRANSIT, OURS) == []


def test_visibility_lost_at_the_threshold_and_the_share_and_regained():
    feed = Feed()
    announce_everywhere(feed, ["v1", "v2", "v3", "v4"])
    assert feed("v1", "192.0.2.0/24", withdrawn=True) == []  # 1 of 4
    assert feed("v2", "192.0.2.0/24", withdrawn=True) == [
        (RAISED, "visibility-loss", "192.0.2.0/24", None, ("v1", "v2"))
    ]
    alert = feed.detector.active()[0]
    assert (alert.path, alert.detail) == ("64496 64500", "withdrawn at 2 of the 4 vantage points that had it")
    assert feed("v3", "192.0.2.0/24", withdrawn=True) == [
        (UPDATED, "visibility-loss", "192.0.2.0/24", None, ("v1", "v2", "v3"))
    ]
    assert feed("v1", "192.0.2.0/24", TRANSIT, OURS) == []  # 2 of 4 still
    assert feed("v2", "192.0.2.0/24", TRANSIT, OURS) == [
        (CLEARED, "visibility-loss", "192.0.2.0/24", None, ("v1", "v2", "v3"))
    ]


def test_visibility_needs_the_share_of_many_vantage_points_and_one_of_a_single_one():
    feed = Feed()
    vantages = ["v%d" % n for n in range(10)]
    announce_everywhere(feed, vantages)
    for vantage in vantages[:4]:
        assert feed(vantage, "192.0.2.0/24", withdrawn=True) == []  # 4 of 10: under half
    assert feed("v4", "192.0.2.0/24", withdrawn=True)[0][:2] == (RAISED, "visibility-loss")
    single = Feed()
    announce_everywhere(single, ["bmp r1 198.18.0.10"])
    assert single("bmp r1 198.18.0.10", "192.0.2.0/24", withdrawn=True)[0][:2] == (RAISED, "visibility-loss")


def test_a_hijacked_vantage_point_has_not_lost_the_route():
    feed = Feed()
    announce_everywhere(feed, ["v1", "v2"])
    assert [c[1] for c in feed("v1", "192.0.2.0/24", TRANSIT, HIJACKER)] == ["hijack"]
    assert [c[1] for c in feed("v2", "192.0.2.0/24", TRANSIT, HIJACKER)] == ["hijack"]


# the store


def change(event, at, vantages=("v1",), rule="hijack", asn=HIJACKER):
    from ansible_collections.routesec.bgp.plugins.module_utils.monitor.model import Alert

    alert = Alert(rule, "192.0.2.0/24", asn, "64496 666", list(vantages), at, at, active=event != CLEARED)
    return AlertChange(event, alert, at)


def notified(store, *changes):
    return [(n.event, n.alert.count, n.alert.first_seen) if n else None for n in map(store.apply, changes)]


def test_repeats_are_grouped_and_updates_throttled_while_changes_of_state_always_notify():
    store = AlertStore(throttle=60)
    assert notified(
        store,
        change(RAISED, 0),
        change(UPDATED, 10, ("v1", "v2")),
        change(UPDATED, 59),
        change(UPDATED, 61),
        change(UPDATED, 70),
        change(CLEARED, 75),
        change(CLEARED, 76),
        change(RAISED, 80),
    ) == [(RAISED, 1, 0), None, None, (UPDATED, 4, 0), None, (CLEARED, 5, 0), None, (RAISED, 6, 0)]
    [alert] = store.alerts()
    assert (alert.vantages, alert.last_seen, alert.active) == (["v1", "v2"], 80, True)
    assert notified(store, change(RAISED, 81, rule="new-upstream", asn=65099)) == [(RAISED, 1, 81)]
    assert len(store.alerts(active_only=True)) == 2


def test_the_store_survives_a_restart_and_does_not_notify_an_active_alert_as_new(tmp_path):
    path = tmp_path / "alerts.json"
    store = AlertStore(path, throttle=60)
    store.apply(change(RAISED, 0))
    store.apply(change(RAISED, 5, rule="new-upstream", asn=65099))
    store.save()
    assert sorted(os.listdir(tmp_path)) == ["alerts.json"]  # no temporary file left
    restarted = AlertStore(path, throttle=60)
    assert [a.to_dict() for a in restarted.alerts()] == [a.to_dict() for a in store.alerts()]
    # the detector, started afresh, raises the hijack again: a repeat, throttled from its last notification
    assert notified(restarted, change(RAISED, 30), change(UPDATED, 61)) == [None, (UPDATED, 3, 0)]
    # once the feeds' tables are in, what the detector no longer holds is cleared
    assert [(n.event, n.alert.rule) for n in restarted.sweep([("hijack", "192.0.2.0/24", HIJACKER)], 90)] == [
        (CLEARED, "new-upstream")
    ]


def test_a_restarted_monitor_sees_the_same_hijack_again_without_raising_it_anew(tmp_path):
    path = tmp_path / "alerts.json"

    def run(store, *events):
        detector = Detector(WATCH)
        notes = []
        for at, vantage in events:
            event = RouteEvent(at, vantage, ipaddress.ip_network("192.0.2.0/24"), (TRANSIT, HIJACKER))
            notes += [store.apply(c) for c in detector.observe(event)]
        return [(n.event, n.alert.count, n.alert.vantages) if n else None for n in notes]

    store = AlertStore(path, throttle=300)
    assert run(store, (0, "v1"), (10, "v2")) == [(RAISED, 1, ["v1"]), None]
    store.save()
    restarted = AlertStore(path, throttle=300)
    assert run(restarted, (100, "v1"), (400, "v3")) == [None, (UPDATED, 4, ["v1", "v2", "v3"])]
    [alert] = restarted.alerts()
    assert (alert.first_seen, alert.last_seen, alert.active) == (0, 400, True)


def test_cleared_alerts_past_their_retention_are_left_out_when_saving(tmp_path):
    store = AlertStore(tmp_path / "alerts.json", retention=100)
    store.apply(change(RAISED, 0))
    store.apply(change(CLEARED, 10))
    store.apply(change(RAISED, 200, rule="new-upstream", asn=65099))
    store.save()
    assert [a.rule for a in AlertStore(tmp_path / "alerts.json").alerts()] == ["new-upstream"]


def test_a_failed_save_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "alerts.json"
    store = AlertStore(path)
    store.apply(change(RAISED, 0))
    store.save()
    before = path.read_text()
    store.apply(change(RAISED, 5, rule="new-upstream", asn=65099))

    def fail(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        store.save()
    assert path.read_text() == before
    assert sorted(os.listdir(tmp_path)) == ["alerts.json"]


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ("not json", None),
        ({"format": 2, "alerts": []}, "format"),
        ({"format": 1, "alerts": {}}, "alerts"),
        ({"format": 1, "alerts": [{"rule": "hijack"}]}, "alerts[0]"),
        ("rule=nonsense", "alerts[0].rule"),
        ("count=0", "alerts[0].count"),
        ("vantages=v1", "alerts[0].vantages"),
        ("active=1", "alerts[0].active"),
        ("asn=AS666", "alerts[0].asn"),
        ("notified=yesterday", "alerts[0].notified"),
    ],
)
def test_a_malformed_state_file_is_refused_naming_the_field(tmp_path, document, field):
    path = tmp_path / "alerts.json"
    if isinstance(document, str) and "=" in document:
        good = AlertStore(path)
        good.apply(change(RAISED, 0))
        good.save()
        name, value = document.split("=")
        data = json.loads(path.read_text())
        data["alerts"][0][name] = {"count": 0, "active": 1}.get(name, value)
        document = data
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    with pytest.raises(DataError) as refused:
        AlertStore(path)
    assert str(path) in str(refused.value)
    assert refused.value.field == field
