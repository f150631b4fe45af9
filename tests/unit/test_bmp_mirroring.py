# -*- coding: utf-8 -*-
"""Route Mirroring (RFC 7854 section 4.7) in the BMP feed (observe/bmp.py), beside pre-policy Route Monitoring.

Against a real router (feed_lab.py: FRR 8.4's bgpd with ``bmp mirror`` in its target): r1 rejects routes of
its neighbour 10.0.0.2 that its import route-map denies and routes whose path holds its own AS (65001), each
once where r1 holds no other path of the prefix and once where it holds the path of 10.0.0.4. Mirrored, each
arrives as the neighbour sent it: announced, then withdrawn. Without mirroring, FRR 8.4's pre-policy Route
Monitoring gets them wrong (the reason for mirroring): a withdrawal for the announcement where r1 holds no other
path (so the route is never seen), an announcement whose withdrawal never comes where it holds one.

Without a router: the TLVs of a Route Mirroring message, a loss of mirrored messages (reported, and Route
Monitoring heeded again), and malformed TLVs refused naming what is wrong.
"""

from __future__ import annotations

import contextlib
import struct

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.observe import bmp
from feed_lab import FROM_OLD, FROM_V4, lab, router_config, wait_until
from test_bmp_feed import BMP_TARGET, OLD, V4, bgp, initiation, listen, message, peer_header, peer_up, update

ROUTE_MAP = """ip prefix-list DENIED seq 5 permit 100.64.9.0/24
ip prefix-list DENIED seq 10 permit 100.64.10.0/24
route-map FROM-65002 deny 10
 match ip address prefix-list DENIED
route-map FROM-65002 permit 20
"""
DENIED = "[ 65002 64900 ]", (65002, 64900)
LOOP = "[ 65002 65001 64900 ]", (65002, 65001, 64900)  # r1's own AS in the path
# prefix -> (path as ExaBGP writes it, as the event must carry it), of the routes r1 rejects
REJECTED = {"100.64.9.0/24": DENIED, "100.64.10.0/24": DENIED, "100.64.11.0/24": LOOP, "100.64.12.0/24": LOOP}
HELD = ("100.64.10.0/24", "100.64.12.0/24")  # r1 holds 10.0.0.4's path of these
OTHER_PATH = (65004, 64901)
MARKER = "100.64.13.0/24"  # accepted: once it arrives, what was sent before it has arrived


@pytest.fixture(scope="module")
def router():
    config = router_config(
        BMP_TARGET.replace("exit", " bmp mirror\nexit"), {"ipv4": "neighbor 10.0.0.2 route-map FROM-65002 in"}
    )
    with lab(config.replace("!\nrouter bgp", ROUTE_MAP + "!\nrouter bgp", 1)) as running:
        yield running


@contextlib.contextmanager
def mirroring(router, on: bool):
    """r1's target ``monitor`` with mirroring ``on``, for the block; mirroring on afterwards."""
    target = ("router bgp 65001", "bmp targets monitor")
    router.vty("configure terminal", *target, "%sbmp mirror" % ("" if on else "no "), "end")
    try:
        yield
    finally:
        router.vty("configure terminal", *target, "bmp mirror", "end")


@contextlib.contextmanager
def other_paths(router, inbox):
    for prefix in HELD:
        router.announce(FROM_OLD, prefix, "[ 65004 64901 ]")
    inbox.wait(lambda box: all(box.history(OLD, p) == [OTHER_PATH] for p in HELD), "10.0.0.4's paths")
    try:
        yield
    finally:
        for prefix in HELD:
            router.withdraw(FROM_OLD, prefix)


def send(router, inbox, announce: bool) -> None:
    """The rejected routes announced (or withdrawn) by 10.0.0.2, then the marker, which arrives after them."""
    for prefix, (path, _expected) in REJECTED.items():
        (router.announce(FROM_V4, prefix, path) if announce else router.withdraw(FROM_V4, prefix))
    marker = [(65002, 64902)] if announce else [(65002, 64902), None]
    (router.announce(FROM_V4, MARKER, "[ 65002 64902 ]") if announce else router.withdraw(FROM_V4, MARKER))
    inbox.wait(lambda box: box.history(V4, MARKER)[-len(marker) :] == marker, "the marker")


def test_mirrored_the_routes_r1_rejects_arrive_announced_then_withdrawn_as_the_neighbour_sent_them(router):
    listener, inbox = listen(router)
    try:
        with other_paths(router, inbox):
            send(router, inbox, announce=True)
            assert {p: inbox.history(V4, p) for p in REJECTED} == {p: [e] for p, (_t, e) in REJECTED.items()}
            send(router, inbox, announce=False)
            assert {p: inbox.history(V4, p) for p in REJECTED} == {p: [e, None] for p, (_t, e) in REJECTED.items()}
    finally:
        listener.close()


def test_without_mirroring_frr_reports_the_routes_it_rejects_wrongly_in_pre_policy_route_monitoring(router):
    listener, inbox = listen(router)
    try:
        with mirroring(router, False), other_paths(router, inbox):
            send(router, inbox, announce=True)
            wrong = {p: [] for p in REJECTED if p not in HELD}  # FRR sends a withdrawal: the route is not seen
            wrong.update({p: [REJECTED[p][1]] for p in HELD})
            wait_until(lambda: {p: inbox.history(V4, p) for p in REJECTED} == wrong, "FRR's pre-policy view")
            send(router, inbox, announce=False)
            assert {p: inbox.history(V4, p) for p in REJECTED} == wrong  # the withdrawals never come
    finally:
        listener.close()


# Without a router: messages as RFC 7854 section 4.7 lays them out.

KEEPALIVE = bgp(4, b"")
WITHDRAWAL = bgp(2, struct.pack("!H", 3) + b"\x0f\xc6\x12" + struct.pack("!H", 0))  # 198.18.0.0/15
ANNOUNCEMENT = update(b"\x02\x01" + (64999).to_bytes(4, "big"))  # 198.18.0.0/15, path 64999


def tlv(kind: int, value: bytes) -> bytes:
    return struct.pack("!HH", kind, len(value)) + value


def mirrored(*tlvs: bytes) -> bytes:
    return message(bmp.ROUTE_MIRRORING, peer_header() + b"".join(tlvs))


def route_monitoring(update_message: bytes) -> bytes:
    return message(bmp.ROUTE_MONITORING, peer_header() + update_message)


@pytest.fixture
def session():
    events, statuses = [], []
    running = bmp.BmpSession("edge", events.append, statuses.append, named=True)
    running.receive(initiation("edge"))
    running.receive(peer_up())
    return running, events, statuses


def test_a_mirrored_update_is_a_route_event_and_route_monitoring_of_its_prefix_is_no_longer_heeded(session):
    running, events, statuses = session
    running.receive(mirrored(tlv(0, KEEPALIVE), tlv(0, ANNOUNCEMENT)))
    assert [(e.vantage, str(e.prefix), e.path) for e in events] == [("bmp edge 192.0.2.99", "198.18.0.0/15", (64999,))]
    running.receive(route_monitoring(WITHDRAWAL))  # FRR's pre-policy view of a route it rejected
    assert len(events) == 1
    running.receive(mirrored(tlv(0, WITHDRAWAL)))
    assert [e.path for e in events] == [(64999,), None]
    assert [s.state for s in statuses] == ["connected", "peer-up"]


def test_lost_mirrored_messages_are_reported_and_route_monitoring_is_heeded_again(session):
    running, events, statuses = session
    running.receive(mirrored(tlv(0, ANNOUNCEMENT)))
    running.receive(mirrored(tlv(1, b"\x00\x01")))
    assert statuses[-1].state == "error" and statuses[-1].vantage == "bmp edge 192.0.2.99"
    assert "Route Mirroring lost messages" in statuses[-1].detail
    running.receive(route_monitoring(WITHDRAWAL))
    assert [e.path for e in events] == [(64999,), None]


@pytest.mark.parametrize(
    ("tlvs", "error"),
    [
        (tlv(1, b"\x00\x07"), "Route Mirroring TLV 1: unknown information code 7"),
        (tlv(1, b"\x00\x01\x00"), "Route Mirroring TLV 1: 1 bytes are left over"),
        (tlv(2, b""), "Route Mirroring message: unknown TLV type 2"),
        (struct.pack("!HH", 0, 40) + KEEPALIVE, "Route Mirroring TLV 0 needs 40 bytes, 19 are left"),
        (tlv(0, b"\x00" * 16 + KEEPALIVE[16:]), "the marker is not all ones"),
        (tlv(0, KEEPALIVE + b"\x00"), "Route Mirroring TLV 0: 1 bytes are left over"),
    ],
    ids=["code", "code-length", "type", "short", "marker", "message-length"],
)
def test_a_malformed_route_mirroring_message_is_reported_naming_what_is_wrong_and_passed_over(session, tlvs, error):
    running, events, statuses = session
    running.receive(mirrored(tlvs))
    assert statuses[-1].state == "error" and error in statuses[-1].detail, statuses[-1]
    running.receive(mirrored(tlv(0, ANNOUNCEMENT)))
    assert [e.path for e in events] == [(64999,)]
