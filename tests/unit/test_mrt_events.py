# -*- coding: utf-8 -*-
"""Route events from MRT files (``observe.mrt.route_events``): the real RIS updates file of ../shared/data/bgp
(every announcement ``announcements`` reads and every withdrawal mrtparse decodes, IPv4 withdrawn routes and
MP_UNREACH_NLRI), and small files written here byte by byte as RFC 6396 and RFC 4271 lay them out: a
TABLE_DUMP_V2 full table whose peers come from its PEER_INDEX_TABLE, updates whose withdrawals come before
their announcements, a session that leaves Established withdrawing its routes, a truncated file refused."""

from __future__ import annotations

import collections
import ipaddress
import struct

import mrtparse
import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.observe.feeds import RouteTable
from ansible_collections.routesec.bgp.plugins.module_utils.observe.mrt import announcements, route_events
from test_mrt import RIS_UPDATES

pytestmark = pytest.mark.cpu_bound  # real data for minutes: the idle scheduling class (conftest.py)

AT = 1_700_000_000
TABLE_DUMP_V2, PEER_INDEX_TABLE, RIB_IPV4_UNICAST, RIB_IPV6_UNICAST = 13, 1, 2, 4
BGP4MP, STATE_CHANGE_AS4, MESSAGE_AS4 = 16, 5, 4
ESTABLISHED, IDLE = 6, 1


def record(kind, subtype, body, at=AT):
    return struct.pack("!IHHI", at, kind, subtype, len(body)) + body


def nlri(*prefixes):
    packed = b""
    for text in prefixes:
        network = ipaddress.ip_network(text)
        packed += bytes([network.prefixlen]) + network.network_address.packed[: (network.prefixlen + 7) // 8]
    return packed


def attribute(code, value, flags=0x40):
    return struct.pack("!BBB", flags, code, len(value)) + value


def path_attributes(*asns):
    """ORIGIN IGP and an AS_PATH of one AS_SEQUENCE of 4-octet ASes."""
    segment = struct.pack("!BB", 2, len(asns)) + b"".join(struct.pack("!I", asn) for asn in asns)
    return attribute(1, b"\x00") + attribute(2, segment)


def mp_reach(*prefixes):
    return attribute(14, struct.pack("!HBB", 2, 1, 16) + bytes(16) + b"\x00" + nlri(*prefixes), flags=0x80)


def mp_unreach(*prefixes):
    return attribute(15, struct.pack("!HB", 2, 1) + nlri(*prefixes), flags=0x80)


def bgp4mp(subtype, peer, tail, at=AT):
    address = ipaddress.ip_address(peer)
    header = struct.pack("!IIHH", 64496, 65000, 0, 2 if address.version == 6 else 1)
    return record(BGP4MP, subtype, header + address.packed + address.packed + tail, at)


def update(peer, withdrawn=(), attributes=b"", announced=(), at=AT):
    gone = nlri(*withdrawn)
    body = struct.pack("!H", len(gone)) + gone + struct.pack("!H", len(attributes)) + attributes + nlri(*announced)
    message = b"\xff" * 16 + struct.pack("!HB", 19 + len(body), 2) + body
    return bgp4mp(MESSAGE_AS4, peer, message, at)


def session_down(peer, at=AT):
    return bgp4mp(STATE_CHANGE_AS4, peer, struct.pack("!HH", ESTABLISHED, IDLE), at)


def peer_table(*peers):
    entries = b""
    for address, asn in peers:
        packed = ipaddress.ip_address(address).packed
        entries += bytes([2 | (len(packed) == 16)]) + bytes(4) + packed + struct.pack("!I", asn)
    body = bytes(4) + struct.pack("!HH", 0, len(peers)) + entries
    return record(TABLE_DUMP_V2, PEER_INDEX_TABLE, body)


def rib(prefix, *entries, sequence=0):
    """One RIB record: ``entries`` are (peer index, AS path)."""
    body = struct.pack("!I", sequence) + nlri(prefix) + struct.pack("!H", len(entries))
    for index, path in entries:
        attributes = path_attributes(*path)
        body += struct.pack("!HIH", index, AT - 3600, len(attributes)) + attributes
    subtype = RIB_IPV6_UNICAST if ":" in prefix else RIB_IPV4_UNICAST
    return record(TABLE_DUMP_V2, subtype, body)


def events(path, **options):
    return [(e.time, e.vantage, str(e.prefix), e.path) for e in route_events(path, **options)]


def test_a_full_table_names_each_route_s_peer_from_the_peer_index_table(tmp_path):
    dump = tmp_path / "bview.20231114.2213"
    dump.write_bytes(
        peer_table(("192.0.2.1", 3356), ("2001:db8::1", 4200000000))
        + rib("198.51.100.0/24", (0, (3356, 64500)), (1, (4200000000, 1299, 64500)))
        + rib("2001:db8:100::/48", (1, (4200000000, 64501)), sequence=1)
    )
    assert events(dump, collector="rrc00") == [
        (AT, "rrc00 192.0.2.1", "198.51.100.0/24", (3356, 64500)),
        (AT, "rrc00 2001:db8::1", "198.51.100.0/24", (4200000000, 1299, 64500)),
        (AT, "rrc00 2001:db8::1", "2001:db8:100::/48", (4200000000, 64501)),
    ]
    assert [(a.peer_asn, a.peer_address, a.timestamp) for a in announcements(dump)] == [
        (3356, "192.0.2.1", AT - 3600),
        (4200000000, "2001:db8::1", AT - 3600),
        (4200000000, "2001:db8::1", AT - 3600),
    ]
    assert events(dump)[0][1] == "bview.20231114.2213 192.0.2.1"  # the file's name without a collector's


def test_a_rib_entry_of_a_peer_the_table_does_not_list_is_refused(tmp_path):
    dump = tmp_path / "rib"
    dump.write_bytes(peer_table(("192.0.2.1", 3356)) + rib("198.51.100.0/24", (1, (3356, 64500))))
    with pytest.raises(DataError, match=r"MRT file .*rib, record 2, field 'peer_index': peer 1 is not"):
        events(dump)


UPDATES = [
    update("192.0.2.1", attributes=path_attributes(3356, 64500), announced=("198.51.100.0/24", "203.0.113.0/24")),
    update("2001:db8::1", attributes=path_attributes(1299, 64501) + mp_reach("2001:db8:100::/48"), at=AT + 1),
    update("192.0.2.1", ("198.51.100.0/24",), path_attributes(3356, 64502), ("192.0.2.128/25",), at=AT + 2),
    update("2001:db8::1", attributes=mp_unreach("2001:db8:100::/48"), at=AT + 3),
    session_down("192.0.2.1", at=AT + 4),
]


def test_updates_withdraw_before_they_announce_and_a_session_down_withdraws_what_it_announced(tmp_path):
    updates = tmp_path / "updates"
    updates.write_bytes(b"".join(UPDATES))
    ours = [
        (AT, "rrc00 192.0.2.1", "198.51.100.0/24", (3356, 64500)),
        (AT, "rrc00 192.0.2.1", "203.0.113.0/24", (3356, 64500)),
        (AT + 1, "rrc00 2001:db8::1", "2001:db8:100::/48", (1299, 64501)),
        (AT + 2, "rrc00 192.0.2.1", "198.51.100.0/24", None),
        (AT + 2, "rrc00 192.0.2.1", "192.0.2.128/25", (3356, 64502)),
        (AT + 3, "rrc00 2001:db8::1", "2001:db8:100::/48", None),
    ]
    assert events(updates, collector="rrc00") == ours
    withdrawn_at_the_session_down = [
        (AT + 4, "rrc00 192.0.2.1", "192.0.2.128/25", None),
        (AT + 4, "rrc00 192.0.2.1", "203.0.113.0/24", None),
    ]
    assert events(updates, collector="rrc00", sessions=RouteTable()) == ours + withdrawn_at_the_session_down


def test_a_truncated_file_is_refused_naming_the_record(tmp_path):
    broken = tmp_path / "updates.truncated"
    broken.write_bytes(UPDATES[0] + UPDATES[1][:-3])
    with pytest.raises(DataError, match=r"MRT file .*updates.truncated, record 2: cannot be read: Invalid MRT data"):
        events(broken)


def notification_for_update(update_record: bytes) -> bytes:
    """``update_record`` (an IPv4 peer's) with its BGP message's type turned to NOTIFICATION: mrtparse fails on
    it with a KeyError of its own."""
    broken = bytearray(update_record)
    broken[12 + 20 + 18] = 3  # MRT header, BGP4MP_MESSAGE_AS4's peer and local part, BGP marker and length
    return bytes(broken)


def test_a_record_mrtparse_itself_fails_on_is_refused_naming_the_record(tmp_path):
    broken = tmp_path / "updates"
    broken.write_bytes(UPDATES[0] + notification_for_update(UPDATES[0]) + UPDATES[1])
    with pytest.raises(DataError, match=r"updates, record 2: cannot be read: mrtparse failed \(KeyError"):
        events(broken)


def test_read_on_past_faults_a_malformed_record_is_reported_and_every_other_one_read(tmp_path):
    broken = tmp_path / "updates"
    broken.write_bytes(UPDATES[0] + notification_for_update(UPDATES[0]) + b"".join(UPDATES[1:]))
    faults = []
    whole = tmp_path / "whole"
    whole.write_bytes(b"".join(UPDATES))
    expected = events(whole, collector="rrc00", sessions=RouteTable())
    assert events(broken, collector="rrc00", sessions=RouteTable(), on_error=faults.append) == expected
    assert [(type(f), f.obj) for f in faults] == [(DataError, "MRT file %s, record 2" % broken)]


def test_read_on_past_faults_a_file_cut_short_ends_there_and_keeps_what_came_before(tmp_path):
    broken = tmp_path / "updates.truncated"
    broken.write_bytes(UPDATES[0] + UPDATES[1][:-3])
    faults = []
    got = events(broken, collector="rrc00", on_error=faults.append)
    assert [str(prefix) for _at, _vantage, prefix, _path in got] == ["198.51.100.0/24", "203.0.113.0/24"]
    assert [f.obj for f in faults] == ["MRT file %s, record 2" % broken] * 2
    assert "Invalid MRT data length" in str(faults[0]) and "cannot be followed" in str(faults[1])


@pytest.fixture(scope="module")
def ris():
    return list(route_events(RIS_UPDATES, "rrc00"))


def decoded_withdrawals():
    """(peer address, prefix) of every withdrawal in the RIS file, as mrtparse decodes it."""
    found = []
    for entry in mrtparse.Reader(str(RIS_UPDATES)):
        message = entry.data.get("bgp_message") or {}
        withdrawn = list(message.get("withdrawn_routes", []))
        for attribute_ in message.get("path_attributes", []):
            if 15 in attribute_["type"]:
                withdrawn += attribute_["value"]["withdrawn_routes"]
        found += [(entry.data["peer_ip"], "%s/%s" % (w["prefix"], w["length"])) for w in withdrawn]
    return found


def test_every_route_of_the_ris_file_is_an_event(ris):
    announced = [
        ("rrc00 %s" % a.peer_address, prefix, a.path) for a in announcements(RIS_UPDATES) for prefix in a.prefixes
    ]
    assert [(e.vantage, str(e.prefix), e.path) for e in ris if e.path is not None] == announced
    withdrawals = [(e.vantage, str(e.prefix)) for e in ris if e.path is None]
    assert withdrawals == [("rrc00 %s" % peer, prefix) for peer, prefix in decoded_withdrawals()]
    assert {e.prefix.version for e in ris if e.path is None} == {4, 6}  # withdrawn routes and MP_UNREACH_NLRI
    assert len(withdrawals) > 1000


def test_routes_share_their_path_and_prefix_objects(ris):
    by_value = collections.defaultdict(set)
    for event in ris:
        by_value[event.path].add(id(event.path))
        by_value[event.prefix].add(id(event.prefix))
    assert all(len(ids) == 1 for ids in by_value.values())
