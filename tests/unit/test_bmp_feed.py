# -*- coding: utf-8 -*-
"""The BMP feed (observe/bmp.py) against a real router: FRR 8.4's bgpd with its BMP module (``-M bmp``),
``bmp connect`` to the listener, pre-policy route monitoring of IPv4 and IPv6 unicast (feed_lab.py: the router
and its ExaBGP neighbours in a network namespace, the listener in the monitor's).

The neighbours announce and withdraw routes with known paths (prepended, with an AS_SET, with 4-octet ASes,
over a 2-octet session whose path FRR sends as AS_PATH and AS4_PATH): the listener receives exactly those, as
route events at ``bmp r1 <neighbour>``, announced then withdrawn. A neighbour shut down withdraws all its
routes (Peer Down). A malformed message from another connection is reported and passed over, a connection
that breaks off in a message is reported, and the router is served all along; a router whose listener
restarts connects again and sends its table anew (under the name the monitor gives its address), the
routes a neighbour withdrew while the listener was closed are withdrawn at that neighbour's End-of-RIB, and
those of a neighbour whose session went down meanwhile once the router has sent its Peer Ups.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import time

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.observe import bmp
from ansible_collections.routesec.bgp.plugins.module_utils.observe.feeds import merge_as4_path
from feed_lab import (
    FROM_OLD,
    FROM_V4,
    FROM_V6,
    MONITOR_LINK,
    OLD_NEIGHBOR,
    ROUTER_LINK,
    Inbox,
    announce_then_withdraw,
    lab,
    router_config,
    socket_in,
    wait_until,
)

PORT = 11019
BMP_TARGET = """
bmp targets monitor
 bmp connect %s port %d min-retry 100 max-retry 500
 bmp monitor ipv4 unicast pre-policy
 bmp monitor ipv6 unicast pre-policy
exit
""" % (MONITOR_LINK[0], PORT)
V4, V6, OLD = "bmp r1 10.0.0.2", "bmp r1 fd00::2", "bmp r1 %s" % OLD_NEIGHBOR

# (neighbour, prefix, AS path as ExaBGP writes it, vantage point, the path the event must carry)
ROUTES = (
    (FROM_V4, "192.0.2.0/24", "[ 65002 65002 65003 ]", V4, (65002, 65002, 65003)),
    (FROM_V4, "198.51.100.0/24", "[ 65002 65010 ( 65011 65012 ) ]", V4, (65002, 65010, frozenset({65011, 65012}))),
    (FROM_V6, "2001:db8:1::/48", "[ 65002 4200000001 ]", V6, (65002, 4200000001)),
    (FROM_V6, "2001:db8:2::/48", "[ 65002 65002 65002 64999 ]", V6, (65002, 65002, 65002, 64999)),
    (FROM_OLD, "203.0.113.0/24", "[ 65004 4200000002 64998 ]", OLD, (65004, 4200000002, 64998)),
)


@pytest.fixture(scope="module")
def router():
    with lab(router_config(BMP_TARGET)) as running:
        yield running


def listen(router, names: dict | None = None, vantages: tuple = (V4, V6, OLD)) -> tuple:
    """A listener in the monitor's namespace, on the port r1 connects to; (listener, inbox) once the Peer Up of
    the three neighbours (``vantages``) came."""
    inbox = Inbox()
    sock = socket_in(router.monitor_ns, (MONITOR_LINK[0], PORT))
    listener = bmp.BmpListener(inbox.event, inbox.status, names=names, sock=sock).start()
    try:
        inbox.wait(lambda box: set(vantages) <= {s.vantage for s in box.with_state("peer-up")}, "r1's Peer Up")
    except AssertionError:
        listener.close()
        raise
    return listener, inbox


@pytest.fixture
def feed(router):
    listener, inbox = listen(router)
    yield inbox
    listener.close()


def test_announcements_and_withdrawals_arrive_as_route_events_with_the_paths_the_neighbours_sent(router, feed):
    announce_then_withdraw(router, feed, ROUTES)
    old_session = next(s for s in feed.with_state("peer-up") if s.vantage == OLD)
    assert "2-octet AS path" in old_session.detail and "AS65004" in old_session.detail
    assert all(event.time > time.time() - 600 for event in feed.events)  # the router's timestamps


def test_peer_down_withdraws_every_route_of_the_peer(router, feed):
    prefixes = ("100.64.1.0/24", "100.64.2.0/24")
    for prefix in prefixes:
        router.announce(FROM_V4, prefix, "[ 65002 64900 ]")
    feed.wait(lambda box: all(box.history(V4, p) == [(65002, 64900)] for p in prefixes), "the announcements")
    router.configure("neighbor 10.0.0.2 shutdown")
    try:
        feed.wait(lambda box: box.with_state("peer-down", V4), "Peer Down of 10.0.0.2")
        assert all(feed.history(V4, p) == [(65002, 64900), None] for p in prefixes)
        down = feed.with_state("peer-down", V4)[0]
        assert "NOTIFICATION" in down.detail or "FSM" in down.detail
        assert not [e for e in feed.events if e.withdrawn and e.vantage != V4]
    finally:
        for prefix in prefixes:
            router.withdraw(FROM_V4, prefix)
        router.configure("no neighbor 10.0.0.2 shutdown")
    feed.wait(lambda box: len(box.with_state("peer-up", V4)) == 2, "Peer Up of 10.0.0.2 again")


def test_a_malformed_message_is_reported_and_passed_over_and_the_router_is_served_all_along(router, feed):
    fake = socket_in(router.monitor_ns)
    fake.connect((MONITOR_LINK[0], PORT))
    with fake:
        fake.sendall(initiation("fake") + peer_up() + route_monitoring(b"\x09\x01" + (64999).to_bytes(4, "big")))
        fake.sendall(route_monitoring(b"\x02\x01" + (64999).to_bytes(4, "big")))  # sound: read past the bad one
        feed.wait(lambda box: box.history("bmp fake 192.0.2.99", "198.18.0.0/15") == [(64999,)], "the sound message")
        error = next(s for s in feed.with_state("error") if s.feed == "bmp fake")
        assert "AS_PATH: segment type 9 is none of 1 to 4" in error.detail
        fake.sendall(b"\x09" + bytes(5))  # BMP version 9: the stream cannot be followed
        feed.wait(lambda box: [s for s in box.with_state("disconnected") if s.feed == "bmp fake"], "the drop")
    errors = [s.detail for s in feed.with_state("error") if s.feed == "bmp fake"]
    assert errors[-1] == "connection dropped: BMP common header: version 9, not 3"
    assert_router_served(router, feed, "100.64.3.0/24")


def test_a_connection_that_breaks_off_in_a_message_is_reported_and_the_router_is_served_all_along(router, feed):
    cut = socket_in(router.monitor_ns)
    cut.connect((MONITOR_LINK[0], PORT))
    with cut:
        cut.sendall(initiation("cut") + peer_up()[:20])
    feed.wait(lambda box: [s for s in box.with_state("disconnected") if s.feed == "bmp cut"], "the broken connection")
    error = next(s for s in feed.with_state("error") if s.feed == "bmp cut")
    assert error.detail == "connection lost in the middle of a message: 20 of its %d bytes came" % len(peer_up())
    assert_router_served(router, feed, "100.64.4.0/24")


def test_the_router_connects_again_when_the_listener_restarts_and_sends_its_table_anew(router):
    prefix, path = "100.64.5.0/24", (65002, 64901)
    listener, before = listen(router)
    try:
        announced(router, before, prefix, path)
    finally:
        listener.close()
    gone = before.with_state("disconnected")[-1]
    assert gone.feed == "bmp r1" and V4 in gone.detail and "the listener closed" in gone.detail
    assert before.history(V4, prefix) == [path]  # a lost feed withdraws nothing
    renamed = tuple(vantage.replace("bmp r1 ", "bmp edge1 ") for vantage in (V4, V6, OLD))
    listener, after = listen(router, {ROUTER_LINK[0]: "edge1"}, renamed)  # a name of the monitor's for r1
    try:
        after.wait(lambda box: box.history(renamed[0], prefix) == [path], "the table sent anew")
        router.withdraw(FROM_V4, prefix)
        after.wait(lambda box: box.history(renamed[0], prefix) == [path, None], "the withdrawal")
    finally:
        listener.close()


def test_routes_a_peer_dropped_while_the_listener_was_closed_are_withdrawn_at_its_end_of_rib_after_the_reconnect(
    router,
):
    kept = ((FROM_V4, "100.64.6.0/24", V4), (FROM_V6, "2001:db8:6::/48", V6))
    dropped = ((FROM_V4, "100.64.7.0/24", V4), (FROM_V6, "2001:db8:7::/48", V6))
    path = (65002, 64903)
    listener, inbox = listen(router)
    try:
        for source, prefix, _vantage in kept + dropped:
            router.announce(source, prefix, "[ 65002 64903 ]")
        inbox.wait(lambda box: all(box.history(v, p) == [path] for _s, p, v in kept + dropped), "the announcements")
        listener.close()
        for source, prefix, _vantage in dropped:
            router.withdraw(source, prefix)
        wait_until(lambda: not any(prefix in router.vty("show bgp all") for _s, prefix, _v in dropped), "r1 to drop")
        assert all(inbox.history(v, p) == [path] for _s, p, v in dropped)  # nothing followed them meanwhile
        listener.start(socket_in(router.monitor_ns, (MONITOR_LINK[0], PORT)))
        inbox.wait(lambda box: all(box.history(v, p) == [path, None] for _s, p, v in dropped), "the stale withdrawn")
        assert all(inbox.history(v, p) == [path] for _s, p, v in kept)  # sent anew unchanged: no event
        reconnect = [s for s in inbox.with_state("connected") if "stale" in s.detail]
        assert len(reconnect) == 1 and "4 routes of the previous connection" in reconnect[0].detail
    finally:
        listener.close()
        for source, prefix, _vantage in kept:
            router.withdraw(source, prefix)


def test_routes_of_a_neighbour_down_at_the_reconnect_are_withdrawn_once_the_router_has_reported_its_peers(router):
    prefix, path = "100.64.8.0/24", (65002, 64904)
    listener, inbox = listen(router)
    try:
        announced(router, inbox, prefix, path)
        listener.close()
        router.configure("neighbor 10.0.0.2 shutdown")
        wait_until(lambda: prefix not in router.vty("show bgp ipv4 unicast"), "r1 to drop 10.0.0.2's route")
        listener.start(socket_in(router.monitor_ns, (MONITOR_LINK[0], PORT)))
        inbox.wait(lambda box: box.history(V4, prefix) == [path, None], "the route withdrawn at the reconnect")
        down = inbox.with_state("peer-down", V4)
        assert len(down) == 1 and "no Peer Up since the router connected again" in down[0].detail
        assert [s.vantage for s in inbox.with_state("peer-up")][-2:] == [OLD, V6]  # the others reported up
        router.configure("no neighbor 10.0.0.2 shutdown")
        inbox.wait(lambda box: box.history(V4, prefix) == [path, None, path], "the route once the session is up")
    finally:
        listener.close()
        router.configure("no neighbor 10.0.0.2 shutdown")
        router.withdraw(FROM_V4, prefix)


def announced(router, inbox, prefix: str, path: tuple) -> None:
    """``prefix`` announced by 10.0.0.2 with ``path``, once ``inbox`` has it."""
    router.announce(FROM_V4, prefix, "[ %s ]" % " ".join(map(str, path)))
    inbox.wait(lambda box: box.history(V4, prefix) == [path], "the announcement of %s" % prefix)


def assert_router_served(router, feed, prefix: str) -> None:
    router.announce(FROM_V4, prefix, "[ 65002 64902 ]")
    feed.wait(lambda box: box.history(V4, prefix) == [(65002, 64902)], "r1's announcement after the fault")
    router.withdraw(FROM_V4, prefix)
    feed.wait(lambda box: box.history(V4, prefix) == [(65002, 64902), None], "r1's withdrawal after the fault")


@pytest.mark.parametrize(
    ("message", "error"),
    [
        (b"\x03\x00\x00\x00\x07\x04\x00", "Initiation message: information type needs 2 bytes, 1 are left"),
        (b"\x03\x00\x00\x00\x0a\x00\x00\x00\x00\x00", "Route Monitoring message: per-peer header needs 42 bytes"),
        (b"\x03\x00\x00\x00\x06\x09", "BMP message: unknown message type 9"),
    ],
)
def test_a_message_that_is_not_as_rfc_7854_says_is_refused_naming_what_is_wrong(message, error):
    with pytest.raises(bmp.BmpError, match=error):
        bmp.parse_message(message)


def test_an_update_whose_prefix_is_longer_than_its_family_allows_is_refused():
    with pytest.raises(bmp.BmpError, match="prefix length 33 is longer than 32"):
        bmp.parse_update(update(b"\x02\x01" + (64999).to_bytes(4, "big"), b"\x21" + bytes(5)), four_octet=True)


def test_an_end_of_rib_is_an_empty_update_for_ipv4_and_an_empty_mp_unreach_nlri_for_ipv6():
    assert bmp.parse_update(bgp(2, bytes(4)), four_octet=True).end_of_rib == 4
    assert bmp.parse_update(bgp(2, bytes.fromhex("00000006800f03000201")), four_octet=True).end_of_rib == 6
    assert bmp.parse_update(update(b"\x02\x01" + (64999).to_bytes(4, "big")), four_octet=True).end_of_rib is None
    assert bmp.parse_update(update(b"", nlri=b""), four_octet=True).end_of_rib is None  # attributes, no NLRI


def test_as4_path_replaces_the_trailing_ases_of_a_2_octet_path_as_rfc_6793_says():
    assert merge_as4_path((64500, 23456, 23456), (4200000001, 4200000002)) == (64500, 4200000001, 4200000002)
    assert merge_as4_path((64500, 23456), (64501, 4200000001, 64502)) == (64500, 23456)  # longer: ignored
    assert merge_as4_path((64500, 64501), (4200000001,)) == (64500, 64501)  # no AS_TRANS: ignored


# Messages of a fake router, as RFC 7854 and RFC 4271 lay them out.


def message(kind: int, body: bytes) -> bytes:
    return struct.pack("!BIB", 3, 6 + len(body), kind) + body


def initiation(name: str) -> bytes:
    return message(bmp.INITIATION, struct.pack("!HH", 2, len(name)) + name.encode())


def peer_header() -> bytes:
    address = ipaddress.IPv4Address("192.0.2.99").packed
    return struct.pack("!BB8s16sI4sII", 0, 0, bytes(8), bytes(12) + address, 64999, address, int(time.time()), 0)


def bgp(kind: int, body: bytes) -> bytes:
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), kind) + body


def open_message(asn: int) -> bytes:
    capability = b"\x02\x06\x41\x04" + asn.to_bytes(4, "big")
    return bgp(1, struct.pack("!BHH4sB", 4, asn, 90, socket.inet_aton("192.0.2.1"), len(capability)) + capability)


def peer_up() -> bytes:
    local = bytes(12) + socket.inet_aton("192.0.2.1")
    return message(
        bmp.PEER_UP, peer_header() + local + struct.pack("!HH", 179, 40000) + open_message(65001) + open_message(64999)
    )


def update(as_path: bytes, nlri: bytes = b"\x0f\xc6\x12") -> bytes:
    attributes = b"\x40\x01\x01\x00" + b"\x40\x02" + bytes([len(as_path)]) + as_path
    attributes += b"\x40\x03\x04" + socket.inet_aton("192.0.2.99")
    return bgp(2, struct.pack("!HH", 0, len(attributes)) + attributes + nlri)


def route_monitoring(as_path: bytes) -> bytes:
    return message(bmp.ROUTE_MONITORING, peer_header() + update(as_path))
