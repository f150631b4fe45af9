# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""BMP (RFC 7854): our routers report their BGP peers and the routes those peers send; the monitor listens.

Messages (``parse_message``): the common header (version 3), the per-peer header (peer type 0, 1 or 2; flags V
for an IPv6 peer address, L for post-policy, A for the legacy 2-octet AS_PATH, O for Adj-RIB-Out as RFC 8671
adds; the peer's address, AS and BGP ID; the timestamp), Initiation and Termination (their information TLVs),
Peer Up (local address and ports, the OPEN the router sent and the one it received: their 4-octet AS
capability says how wide the ASes of that peer's AS_PATH are), Peer Down (the reason), Route Monitoring (the
BGP UPDATE: withdrawn routes, AS_PATH and AS4_PATH, IPv4 NLRI, MP_REACH_NLRI and MP_UNREACH_NLRI of IPv4 and
IPv6 unicast; other address families are passed over), Route Mirroring (its TLVs: the BGP messages the peer
sent, as it sent them, and the information codes: errored PDU, messages lost). Statistics Reports are read past.
Parsing is strict: a message that is not as the RFC says raises ``BmpError`` naming the message and the field.

Route events (``BmpSession``): each announced or withdrawn prefix of a Route Monitoring message is a
``RouteEvent`` at the vantage point ``bmp <router> <peer address>`` (``<router>``: the name the listener was
given for the router's address, else the sysName of its Initiation, else its address), followed by ``rd
<distinguisher>`` for a peer of a VRF instance, ``post-policy`` for post-policy routes and ``adj-rib-out``
for RFC 8671's, so that each view of a peer is a vantage point of its own. The time is the per-peer header's
timestamp (when the router received the route), or when the message arrived where the router sent none. An AS
path learned over a 2-octet session is rebuilt from AS4_PATH (``feeds.merge_as4_path``). FRR 8.4 writes the
route of an eBGP peer as it would send it back to that peer, its own AS first; the router's own AS (from the
OPEN it sent) is taken off the front of such a path, so that the path starts at the neighbour as received.

Route Mirroring (FRR: ``bmp mirror`` in the target) gives the UPDATEs a peer sent, whatever the router made of
them; their routes are events at the peer's pre-policy vantage point, and for a prefix mirroring has given on
this connection, pre-policy Route Monitoring of that peer is no longer heeded. FRR 8.4 reports a route its
import policy or AS-path loop check rejects wrongly in pre-policy Route Monitoring: as a withdrawal when it
holds no other path of the prefix, else as an announcement whose withdrawal never comes; mirroring reports it
as sent. Mirroring that lost messages (information code 1) is reported as an ``error`` of the peer's vantage
point, and Route Monitoring is heeded again for its prefixes.

Peer Down withdraws everything that peer announced: a withdrawal ``RouteEvent`` for each prefix each of its
vantage points held, then a ``peer-down`` ``FeedStatus``; the detector needs no notion of peers (a Peer Down
of a peer with no Peer Up on the connection, a session that never came up, is passed over). A BMP
connection that closes withdraws nothing (the routes did not go away, the monitor stopped seeing them): its
``disconnected`` status names the vantage points no longer followed, and the router's next connection sends
them anew (Peer Up and its whole table). The listener keeps each router's routes across its connections: when
the router (the same name) connects again, the routes its vantage points held become stale; a route sent
again is no longer stale (and is no event where its path is the one held: an event is a change), and the
End-of-RIB of a peer and family (RFC 4724 section 2: an UPDATE with nothing in it for IPv4, an MP_UNREACH_NLRI
of the family with no prefix for IPv6), which FRR 8.4 sends in Route
Monitoring after the table of each peer established when the connection came up, withdraws that vantage
point's routes of the family still stale (the peer dropped them while the monitor was not connected). A
router sends a Peer Up for each peer that is up before anything else (FRR does): once a message that is not a
Peer Up comes, the routes of a vantage point of the previous connection whose peer had none are withdrawn (its
session went down while the monitor was away), with a ``peer-down`` status.

Faults: a message whose content is wrong (its framing sound) is reported as an ``error`` status and passed
over: the next message starts where its length says. A common header that is wrong (not version 3, a length
out of bounds), a first message that is not an Initiation, a message cut short by the connection closing or
not complete within the deadline: the stream cannot be followed, the connection is reported and dropped, and
the router reconnects (FRR: ``bmp connect ... min-retry``). Nothing a router sends stops the listener.

The listener (``BmpListener``): BMP sessions are opened by the routers (FRR: ``bmp targets NAME`` / ``bmp
connect ADDRESS port PORT``); the listener accepts any number at once on an asyncio loop in a thread of its
own, and calls ``on_event`` and ``on_status`` on that thread, one call at a time. FRR 8.4 (bgpd started with
``-M bmp``) reports pre-policy routes only of neighbours whose received routes it keeps (``neighbor X
soft-reconfiguration inbound``); of the others it sends withdrawals only.
"""

from __future__ import annotations

import asyncio
import ipaddress
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import ClassVar, Self

from ..errors import DataError
from .feeds import FeedStatus, RouteEvent, RouteTable, merge_as4_path, prefix_key

VERSION = 3
MAX_LENGTH = 1 << 20  # a Peer Up holds two OPENs, a Route Monitoring one UPDATE (65535 at most, RFC 8654)
READ_SIZE = 1 << 16  # bytes read from a connection at once
COMMON = struct.Struct("!BIB")
PEER = struct.Struct("!BB8s16sI4sII")
BGP_MARKER = b"\xff" * 16
BGP_HEADER = 19

ROUTE_MONITORING, STATISTICS_REPORT, PEER_DOWN, PEER_UP, INITIATION, TERMINATION, ROUTE_MIRRORING = range(7)
MESSAGE_NAMES = {
    ROUTE_MONITORING: "Route Monitoring",
    STATISTICS_REPORT: "Statistics Report",
    PEER_DOWN: "Peer Down",
    PEER_UP: "Peer Up",
    INITIATION: "Initiation",
    TERMINATION: "Termination",
    ROUTE_MIRRORING: "Route Mirroring",
}
FLAG_V, FLAG_L, FLAG_A, FLAG_O = 0x80, 0x40, 0x20, 0x10
VIEW_FLAGS = (0, FLAG_L, FLAG_O, FLAG_L | FLAG_O)
PEER_TYPES = (0, 1, 2)  # global instance, RD instance, local instance
PEER_DOWN_REASONS = {
    1: "the router closed the session with a NOTIFICATION",
    2: "the router closed the session (FSM event)",
    3: "the peer sent a NOTIFICATION",
    4: "the peer closed the session",
    5: "the peer was de-configured",
}
SYS_NAME = 2
MIRRORED_MESSAGE, MIRROR_INFORMATION = 0, 1  # Route Mirroring TLV types
MIRROR_CODES = {0: "errored PDU", 1: "messages lost"}
MESSAGES_LOST = 1
BGP_UPDATE = 2
CAPABILITY_AS4 = 65
UNICAST = {(1, 1): 4, (2, 1): 6}  # (AFI, SAFI): IP version
AS_SET, AS_SEQUENCE, AS_CONFED_SEQUENCE, AS_CONFED_SET = 1, 2, 3, 4
ATTRIBUTE_AS_PATH, ATTRIBUTE_MP_REACH, ATTRIBUTE_MP_UNREACH, ATTRIBUTE_AS4_PATH = 2, 14, 15, 17


class BmpError(DataError):
    """A BMP message that is not as RFC 7854 says: the message is passed over."""


class FramingError(BmpError):
    """The stream cannot be followed past this point: the connection is dropped."""


class _Cursor:
    """Reads the fields of one part of a message in order; BmpError naming the part and the field when the
    part ends too soon."""

    def __init__(self, data: bytes, what: str):
        self.data, self.what, self.at = data, what, 0

    @property
    def left(self) -> int:
        return len(self.data) - self.at

    def take(self, size: int, name: str) -> bytes:
        if size > self.left:
            raise BmpError("%s needs %d bytes, %d are left" % (name, size, self.left), self.what)
        self.at += size
        return self.data[self.at - size : self.at]

    def number(self, size: int, name: str) -> int:
        return int.from_bytes(self.take(size, name), "big")

    def rest(self) -> bytes:
        return self.take(self.left, "rest")

    def part(self, size: int, what: str) -> _Cursor:
        return _Cursor(self.take(size, what), "%s, %s" % (self.what, what))

    def finish(self) -> None:
        if self.left:
            raise BmpError("%d bytes are left over" % self.left, self.what)


@dataclass(frozen=True)
class PeerHeader:
    peer_type: int
    flags: int
    distinguisher: bytes
    address: ipaddress.IPv4Address | ipaddress.IPv6Address
    asn: int
    bgp_id: ipaddress.IPv4Address
    timestamp: float  # 0: the router gave none

    @property
    def post_policy(self) -> bool:
        return bool(self.flags & FLAG_L)

    @property
    def legacy_as_path(self) -> bool:
        return bool(self.flags & FLAG_A)

    @property
    def adj_rib_out(self) -> bool:
        return bool(self.flags & FLAG_O)

    @property
    def key(self) -> tuple:
        """One peer of the router: its instance and address (its views share the key)."""
        return (self.distinguisher, self.address)


@dataclass(frozen=True)
class Open:
    asn: int  # the 4-octet AS capability's AS where there is one, else My Autonomous System
    hold_time: int
    bgp_id: ipaddress.IPv4Address
    four_octet: bool  # the 4-octet AS capability was offered


@dataclass(frozen=True)
class Initiation:
    info: tuple  # (type, text) pairs

    @property
    def sys_name(self) -> str | None:
        return next((text for kind, text in self.info if kind == SYS_NAME and text), None)


@dataclass(frozen=True)
class Termination:
    info: tuple  # (type, text) pairs; the reason (type 1) as its code's text


@dataclass(frozen=True)
class PeerUp:
    peer: PeerHeader
    local_address: ipaddress.IPv4Address | ipaddress.IPv6Address
    local_port: int
    remote_port: int
    sent: Open | None  # None: the router did not have it (FRR writes an empty OPEN then)
    received: Open | None
    info: tuple

    @property
    def four_octet(self) -> bool | None:
        """Whether the session carries 4-octet ASes (both sides offered them); None when an OPEN is missing."""
        if self.sent is None or self.received is None:
            return None
        return self.sent.four_octet and self.received.four_octet


@dataclass(frozen=True)
class PeerDown:
    peer: PeerHeader
    reason: int
    data: bytes

    @property
    def reason_text(self) -> str:
        return PEER_DOWN_REASONS.get(self.reason, "reason %d" % self.reason)


@dataclass(frozen=True)
class RouteMonitoring:
    peer: PeerHeader
    update: bytes  # the BGP UPDATE message; its AS_PATH width is the session's (see ``parse_update``)


@dataclass(frozen=True)
class RouteMirroring:
    peer: PeerHeader
    messages: tuple  # the mirrored BGP messages (header included), in order
    information: tuple  # the codes of its Information TLVs (MIRROR_CODES)


@dataclass(frozen=True)
class PassedOver:
    kind: int  # Statistics Report, Route Mirroring
    peer: PeerHeader


@dataclass(frozen=True)
class Update:
    withdrawn: tuple  # IPv4 and IPv6 networks
    announced: tuple
    path: tuple  # of the announced prefixes: neighbour first, an AS_SET a frozenset
    end_of_rib: int | None = None  # an End-of-RIB marker (RFC 4724 section 2): the IP version of its family


def message_length(header: bytes) -> int:
    """The length of the message whose 6-byte common header this is; FramingError when it is not version 3 or
    its length is out of bounds (the stream cannot be followed then)."""
    version, length, _kind = COMMON.unpack(header)
    if version != VERSION:
        raise FramingError("version %d, not %d" % (version, VERSION), "BMP common header")
    if not COMMON.size <= length <= MAX_LENGTH:
        raise FramingError("length %d is not within %d..%d" % (length, COMMON.size, MAX_LENGTH), "BMP common header")
    return length


def parse_message(
    data: bytes,
) -> Initiation | Termination | PeerUp | PeerDown | RouteMonitoring | RouteMirroring | PassedOver:
    """One whole BMP message (common header included); BmpError naming what is wrong."""
    if len(data) < COMMON.size or message_length(data[: COMMON.size]) != len(data):
        raise FramingError("the message is not as long as its common header says", "BMP message")
    kind = data[5]
    if kind not in _PARSERS:
        raise BmpError("unknown message type %d" % kind, "BMP message")
    body = _Cursor(data[COMMON.size :], "BMP %s message" % MESSAGE_NAMES[kind])
    message = _PARSERS[kind](body)
    body.finish()
    return message


def _initiation(body: _Cursor) -> Initiation:
    return Initiation(tuple((kind, _text(value)) for kind, value in _information(body)))


def _termination(body: _Cursor) -> Termination:
    info = _information(body)
    return Termination(
        tuple((kind, "reason %d" % int.from_bytes(value, "big") if kind == 1 else _text(value)) for kind, value in info)
    )


def _information(body: _Cursor) -> tuple:
    """The information TLVs up to the end of ``body``: (type, value) pairs."""
    found = []
    while body.left:
        kind = body.number(2, "information type")
        found.append((kind, body.take(body.number(2, "information length"), "information value")))
    return tuple(found)


def _text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


def _peer_header(body: _Cursor) -> PeerHeader:
    peer_type, flags, distinguisher, address, asn, bgp_id, seconds, micros = PEER.unpack(
        body.take(PEER.size, "per-peer header")
    )
    if peer_type not in PEER_TYPES:
        raise BmpError("peer type %d is none of RFC 7854's (0, 1, 2)" % peer_type, body.what)
    if micros >= 1000000:
        raise BmpError("timestamp microseconds %d are not below a second" % micros, body.what)
    return PeerHeader(
        peer_type,
        flags,
        distinguisher,
        _address(address, bool(flags & FLAG_V), "peer address", body.what),
        asn,
        ipaddress.IPv4Address(bgp_id),
        seconds + micros / 1e6,
    )


def _address(raw: bytes, ipv6: bool, name: str, what: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """A 16-byte address field: IPv6, or IPv4 in its last 4 bytes after 12 zero bytes."""
    if ipv6:
        return ipaddress.IPv6Address(raw)
    if any(raw[:12]):
        raise BmpError("%s is IPv4 (no V flag) but its first 12 bytes are not zero" % name, what)
    return ipaddress.IPv4Address(raw[12:])


def _peer_up(body: _Cursor) -> PeerUp:
    peer = _peer_header(body)
    local_address = _address(body.take(16, "local address"), bool(peer.flags & FLAG_V), "local address", body.what)
    local_port, remote_port = body.number(2, "local port"), body.number(2, "remote port")
    sent, received = _open(body, "sent OPEN"), _open(body, "received OPEN")
    info = tuple((kind, _text(value)) for kind, value in _information(body))
    return PeerUp(peer, local_address, local_port, remote_port, sent, received, info)


def _peer_down(body: _Cursor) -> PeerDown:
    peer = _peer_header(body)
    return PeerDown(peer, body.number(1, "reason"), body.rest())


def _route_monitoring(body: _Cursor) -> RouteMonitoring:
    peer = _peer_header(body)
    start = body.at
    _bgp_message(body, 2, "BGP UPDATE")
    return RouteMonitoring(peer, body.data[start : body.at])


def _route_mirroring(body: _Cursor) -> RouteMirroring:
    peer = _peer_header(body)
    messages, information = [], []
    while body.left:
        kind = body.number(2, "TLV type")
        value = body.part(body.number(2, "TLV length"), "Route Mirroring TLV %d" % kind)
        if kind == MIRRORED_MESSAGE:
            start = value.at
            _bgp_message(value, None, "mirrored BGP message")
            messages.append(value.data[start : value.at])
        elif kind == MIRROR_INFORMATION:
            code = value.number(2, "information code")
            if code not in MIRROR_CODES:
                raise BmpError("unknown information code %d" % code, value.what)
            information.append(code)
        else:
            raise BmpError("unknown TLV type %d" % kind, body.what)
        value.finish()
    return RouteMirroring(peer, tuple(messages), tuple(information))


def _passed_over(kind: int) -> Callable[[_Cursor], PassedOver]:
    def parse(body: _Cursor) -> PassedOver:
        peer = _peer_header(body)
        body.rest()
        return PassedOver(kind, peer)

    return parse


def _bgp_message(body: _Cursor, kind: int | None, what: str) -> bytes:
    """The body of the BGP message of type ``kind`` (None: any type) that starts at ``body``'s position."""
    if body.take(16, "%s marker" % what) != BGP_MARKER:
        raise BmpError("the marker is not all ones", "%s, %s" % (body.what, what))
    length = body.number(2, "%s length" % what)
    found = body.number(1, "%s type" % what)
    if kind is not None and found != kind:
        raise BmpError("BGP message type %d, not %d" % (found, kind), "%s, %s" % (body.what, what))
    if length < BGP_HEADER:
        raise BmpError("BGP length %d is shorter than its header" % length, "%s, %s" % (body.what, what))
    return body.take(length - BGP_HEADER, what)


def _open(body: _Cursor, what: str) -> Open | None:
    message = _Cursor(_bgp_message(body, 1, what), "%s, %s" % (body.what, what))
    if not message.left:
        return None
    message.number(1, "version")
    my_as, hold_time = message.number(2, "My Autonomous System"), message.number(2, "Hold Time")
    bgp_id = ipaddress.IPv4Address(message.take(4, "BGP Identifier"))
    four = _capabilities(_optional_parameters(message)).get(CAPABILITY_AS4)
    if four is not None and len(four) != 4:
        raise BmpError("the 4-octet AS capability is %d bytes long, not 4" % len(four), message.what)
    return Open(int.from_bytes(four, "big") if four else my_as, hold_time, bgp_id, four is not None)


def _optional_parameters(message: _Cursor) -> list:
    """(type, value) of an OPEN's optional parameters, in RFC 4271's form or RFC 9072's extended one."""
    length, width = message.number(1, "Optional Parameters Length"), 1
    if length == 255 and message.left and message.data[message.at] == 255:
        message.take(1, "extended parameters type")
        length, width = message.number(2, "extended parameters length"), 2
    parameters = message.part(length, "optional parameters")
    message.finish()
    found = []
    while parameters.left:
        kind = parameters.number(1, "parameter type")
        found.append((kind, parameters.take(parameters.number(width, "parameter length"), "parameter value")))
    return found


def _capabilities(parameters: list) -> dict:
    """Capability code -> value, from the capabilities parameters (type 2)."""
    found = {}
    for kind, value in parameters:
        if kind != 2:
            continue
        capabilities = _Cursor(value, "capabilities")
        while capabilities.left:
            code = capabilities.number(1, "capability code")
            found[code] = capabilities.take(capabilities.number(1, "capability length"), "capability value")
    return found


_PARSERS = {
    ROUTE_MONITORING: _route_monitoring,
    STATISTICS_REPORT: _passed_over(STATISTICS_REPORT),
    PEER_DOWN: _peer_down,
    PEER_UP: _peer_up,
    INITIATION: _initiation,
    TERMINATION: _termination,
    ROUTE_MIRRORING: _route_mirroring,
}


def parse_update(message: bytes, four_octet: bool) -> Update:
    """The routes of a BGP UPDATE message (header included); ``four_octet``: its AS_PATH holds 4-octet ASes (the
    session negotiated them), else 2-octet ones and AS4_PATH the 4-octet path. BmpError naming what is wrong."""
    body = _Cursor(_bgp_message(_Cursor(message, "BGP UPDATE"), 2, "BGP UPDATE"), "BGP UPDATE")
    withdrawn = list(_prefixes(body.part(body.number(2, "Withdrawn Routes Length"), "withdrawn routes"), 4))
    attributes = _attributes(body.part(body.number(2, "Total Path Attribute Length"), "path attributes"))
    announced = list(_prefixes(body.part(body.left, "NLRI"), 4))
    if ATTRIBUTE_MP_UNREACH in attributes:
        withdrawn += _multiprotocol(_Cursor(attributes[ATTRIBUTE_MP_UNREACH], "MP_UNREACH_NLRI"), reach=False)
    if ATTRIBUTE_MP_REACH in attributes:
        announced += _multiprotocol(_Cursor(attributes[ATTRIBUTE_MP_REACH], "MP_REACH_NLRI"), reach=True)
    end_of_rib = None if withdrawn or announced else _end_of_rib(attributes)
    return Update(tuple(withdrawn), tuple(announced), _path(attributes, four_octet), end_of_rib)


def _end_of_rib(attributes: dict) -> int | None:
    """Of an UPDATE with neither withdrawn routes nor NLRI: the IP version of the unicast family whose
    End-of-RIB it is (RFC 4724 section 2: IPv4, no attributes at all; another family, an MP_UNREACH_NLRI of
    that family with no prefix and no other attribute), else None."""
    if not attributes:
        return 4
    unreach = attributes.get(ATTRIBUTE_MP_UNREACH)
    if len(attributes) != 1 or unreach is None or len(unreach) != 3:
        return None
    return UNICAST.get((int.from_bytes(unreach[:2], "big"), unreach[2]))


def _attributes(attributes: _Cursor) -> dict:
    """Attribute type -> value; an attribute that comes twice is an error."""
    found = {}
    while attributes.left:
        flags, kind = attributes.number(1, "attribute flags"), attributes.number(1, "attribute type")
        length = attributes.number(2 if flags & 0x10 else 1, "attribute length")
        if kind in found:
            raise BmpError("attribute type %d comes twice" % kind, attributes.what)
        found[kind] = attributes.take(length, "attribute %d" % kind)
    return found


def _multiprotocol(attribute: _Cursor, reach: bool) -> list:
    """The unicast prefixes of an MP_REACH_NLRI or MP_UNREACH_NLRI; none for other address families."""
    family = (attribute.number(2, "AFI"), attribute.number(1, "SAFI"))
    if reach:
        attribute.take(attribute.number(1, "next hop length"), "next hop")
        attribute.take(1, "reserved")
    if family not in UNICAST:
        attribute.rest()
        return []
    return list(_prefixes(attribute, UNICAST[family]))


def _prefixes(nlri: _Cursor, version: int):
    """The prefixes (length, then as many bytes as the length needs) up to the end of ``nlri``."""
    network = ipaddress.IPv4Network if version == 4 else ipaddress.IPv6Network
    width = 32 if version == 4 else 128
    while nlri.left:
        length = nlri.number(1, "prefix length")
        if length > width:
            raise BmpError("prefix length %d is longer than %d" % (length, width), nlri.what)
        raw = nlri.take((length + 7) // 8, "prefix")
        yield network((int.from_bytes(raw.ljust(width // 8, b"\0"), "big"), length), strict=False)


def _path(attributes: dict, four_octet: bool) -> tuple:
    path = _segments(attributes.get(ATTRIBUTE_AS_PATH, b""), 4 if four_octet else 2, "AS_PATH")
    if four_octet or ATTRIBUTE_AS4_PATH not in attributes:
        return path
    return merge_as4_path(path, _segments(attributes[ATTRIBUTE_AS4_PATH], 4, "AS4_PATH"))


def _segments(value: bytes, width: int, what: str) -> tuple:
    """A flat AS path: AS_SEQUENCE members, an AS_SET as a frozenset, confederation segments left out."""
    segments, path = _Cursor(value, what), []
    while segments.left:
        kind, count = segments.number(1, "segment type"), segments.number(1, "segment length")
        raw = segments.take(count * width, "segment of %d %d-octet ASes" % (count, width))
        members = struct.unpack("!%d%s" % (count, "I" if width == 4 else "H"), raw)
        if kind == AS_SEQUENCE:
            path.extend(members)
        elif kind == AS_SET:
            path.append(frozenset(members))
        elif kind not in (AS_CONFED_SEQUENCE, AS_CONFED_SET):
            raise BmpError("segment type %d is none of 1 to 4" % kind, what)
    return tuple(path)


@dataclass
class _Peer:
    up: PeerUp | None
    vantages: set = field(default_factory=set)
    mirrored: set = field(default_factory=set)  # the prefixes Route Mirroring gave on this connection (keys)


class BmpSession:
    """One BMP connection of one router: its messages, in order, become route events and feed status."""

    def __init__(
        self,
        router: str,
        on_event: Callable[[RouteEvent], None],
        on_status: Callable[[FeedStatus], None],
        named: bool = False,
        clock: Callable[[], float] = time.time,
        tables: dict | None = None,
    ):
        self.router, self.named = router, named
        self.on_event, self.on_status, self.clock = on_event, on_status, clock
        self.tables = {} if tables is None else tables  # router -> RouteTable, kept across its connections
        self.table = RouteTable(keep_paths=True)
        self.peers: dict = {}
        self.initiated = False
        self.reporting_peers = False  # after the Initiation, until the first message that is not a Peer Up
        self.termination = ""

    @property
    def feed(self) -> str:
        return "bmp %s" % self.router

    def status(self, state: str, detail: str = "", vantage: str | None = None) -> None:
        self.on_status(FeedStatus(self.clock(), self.feed, state, vantage, detail))

    def connected(self, address: str) -> None:
        self.status("connected", "from %s" % address)

    def receive(self, data: bytes) -> None:
        """Act on one whole message. A wrong message is reported and passed over; FramingError (the stream
        cannot be followed) is raised."""
        try:
            message = parse_message(data)
            if not self.initiated and not isinstance(message, Initiation):
                raise FramingError("the first message is not an Initiation", "BMP session")
            if self.reporting_peers and not isinstance(message, (Initiation, PeerUp)):
                self._peers_reported()
            self._handlers[type(message)](self, message)
        except FramingError:
            raise
        except BmpError as exc:
            self.status("error", "message passed over: %s" % exc)

    def close(self, reason: str) -> None:
        """The connection is gone: report it with the vantage points no longer followed (nothing withdrawn)."""
        lost = self.table.vantages()
        detail = "; ".join(part for part in (reason, self.termination) if part)
        if lost:
            detail += "; not followed any more: %s" % ", ".join(lost)
        self.status("disconnected", detail)

    def _initiation(self, message: Initiation) -> None:
        self.initiated = self.reporting_peers = True
        if not self.named and message.sys_name:
            self.router = message.sys_name
        self.table = self.tables.setdefault(self.router, RouteTable(keep_paths=True))
        detail = "initiated: %s" % ", ".join(text for _kind, text in message.info)
        stale = self.table.mark_stale()
        if stale:
            detail += "; %d routes of the previous connection stale until their peer's End-of-RIB" % stale
        self.status("connected", detail)

    def _peers_reported(self) -> None:
        """The router has sent a Peer Up for each peer that is up: the routes of the previous connection's vantage
        points whose peer is not among them went while the monitor was away (the session is down)."""
        self.reporting_peers = False
        up = {view for peer in self.peers.values() if peer.up for view in self._views(peer.up.peer)}
        when = self.clock()
        for vantage in self.table.vantages():
            if vantage in up or not self.table.has_stale(vantage):
                continue
            events = self.table.withdraw_all(vantage, when)
            for event in events:
                self.on_event(event)
            detail = "no Peer Up since the router connected again: its %d routes withdrawn" % len(events)
            self.status("peer-down", detail, vantage)

    def _termination(self, message: Termination) -> None:
        self.termination = "terminated by the router: %s" % ", ".join(text for _kind, text in message.info)

    def _peer_up(self, message: PeerUp) -> None:
        known = self.peers.get(message.peer.key)  # up again without a Peer Down: its routes stay followed
        vantages = {vantage for vantage in self._views(message.peer) if self.table.held(vantage)}
        self.peers[message.peer.key] = _Peer(message, vantages | (known.vantages if known else set()))
        width = {True: "4-octet", False: "2-octet", None: "unknown"}[message.four_octet]
        detail = "AS%d, %s AS path" % (message.peer.asn, width)
        self.status("peer-up", detail, self._vantage(message.peer))

    def _peer_down(self, message: PeerDown) -> None:
        peer = self.peers.pop(message.peer.key, None)
        if peer is None:  # a session that did not come up (FRR reports each attempt that fails)
            return
        when = message.peer.timestamp or self.clock()
        for vantage in sorted(peer.vantages):
            for event in self.table.withdraw_all(vantage, when):
                self.on_event(event)
        self.status("peer-down", message.reason_text, self._vantage(message.peer))

    def _route_monitoring(self, message: RouteMonitoring) -> None:
        peer = self.peers.setdefault(message.peer.key, _Peer(None))
        update = parse_update(message.update, _four_octet(message.peer, peer.up))
        path = _as_received(update.path, message.peer, peer.up)
        mirrored = frozenset() if message.peer.flags & (FLAG_L | FLAG_O) else peer.mirrored
        self._routes(peer, message.peer, update, path, mirrored)

    def _route_mirroring(self, message: RouteMirroring) -> None:
        peer = self.peers.setdefault(message.peer.key, _Peer(None))
        if MESSAGES_LOST in message.information:
            peer.mirrored.clear()
            detail = "Route Mirroring lost messages: Route Monitoring is heeded again for this peer's routes"
            self.status("error", detail, self._vantage(message.peer))
        for raw in message.messages:
            if raw[BGP_HEADER - 1] == BGP_UPDATE:
                update = parse_update(raw, _four_octet(message.peer, peer.up))
                peer.mirrored.update(map(prefix_key, update.withdrawn + update.announced))
                self._routes(peer, message.peer, update, update.path)

    def _routes(self, peer: _Peer, header: PeerHeader, update: Update, path: tuple, skipped=frozenset()) -> None:
        """The route events of ``update`` from ``peer`` as its ``header`` says, but for the prefixes whose
        ``prefix_key`` is in ``skipped``."""
        vantage = self._vantage(header)
        when = header.timestamp or self.clock()
        events = [RouteEvent(when, vantage, prefix, None) for prefix in update.withdrawn]
        events += [RouteEvent(when, vantage, prefix, path) for prefix in update.announced]
        if skipped:
            events = [event for event in events if prefix_key(event.prefix) not in skipped]
        if events:
            peer.vantages.add(vantage)
        for event in events:
            if self.table.record(event):
                self.on_event(event)
        if update.end_of_rib is not None:  # the peer's table of that family is sent whole: the rest is gone
            for event in self.table.withdraw_stale(vantage, update.end_of_rib, when):
                self.on_event(event)

    def _passed_over(self, message: PassedOver) -> None:
        pass

    _handlers: ClassVar[dict] = {
        Initiation: _initiation,
        Termination: _termination,
        PeerUp: _peer_up,
        PeerDown: _peer_down,
        RouteMonitoring: _route_monitoring,
        RouteMirroring: _route_mirroring,
        PassedOver: _passed_over,
    }

    def _vantage(self, peer: PeerHeader) -> str:
        words = ["bmp", self.router, str(peer.address)]
        if any(peer.distinguisher):
            words += ["rd", peer.distinguisher.hex()]
        if peer.post_policy:
            words.append("post-policy")
        if peer.adj_rib_out:
            words.append("adj-rib-out")
        return " ".join(words)

    def _views(self, peer: PeerHeader) -> list:
        """The vantage points of every view of ``peer`` (pre- and post-policy, Adj-RIB-In and -Out)."""
        return [self._vantage(replace(peer, flags=peer.flags & ~(FLAG_L | FLAG_O) | f)) for f in VIEW_FLAGS]


def _four_octet(peer: PeerHeader, up: PeerUp | None) -> bool:
    """Whether a Route Monitoring message's AS_PATH holds 4-octet ASes: not where its A flag says legacy, nor
    where the peer's session did not negotiate them (FRR leaves the A flag unset then)."""
    if peer.legacy_as_path:
        return False
    return up is None or up.four_octet is not False


def _as_received(path: tuple, peer: PeerHeader, up: PeerUp | None) -> tuple:
    """The path as the eBGP peer sent it: without the router's own AS in front (FRR 8.4 puts it there)."""
    local = up.sent.asn if up is not None and up.sent is not None else None
    if local is not None and peer.asn != local and path and path[0] == local:
        return path[1:]
    return path


class BmpListener:
    """Accepts routers' BMP connections on ``host``:``port`` (or on ``sock``, a bound socket) and turns their
    messages into route events and feed status (see the module's description). ``names`` maps a router's
    address to its name. ``deadline``: seconds within which a message that has begun must be complete."""

    def __init__(
        self,
        on_event: Callable[[RouteEvent], None],
        on_status: Callable[[FeedStatus], None],
        host: str = "127.0.0.1",
        port: int = 0,
        names: Mapping[str, str] | None = None,
        sock=None,
        deadline: float = 30.0,
    ):
        self.on_event, self.on_status = on_event, on_status
        self.host, self.requested_port, self.sock, self.deadline = host, port, sock, deadline
        self.names = {str(_plain(address)): name for address, name in (names or {}).items()}
        self._loop = None
        self._thread = None
        self._server = None
        self._connections: set = set()
        self._tables: dict = {}  # router -> RouteTable: what its vantage points hold, across its connections

    def start(self, sock=None) -> BmpListener:
        """Listen (again, after ``close``: on ``sock`` if given, a bound socket, as the one before is closed);
        the error of a socket that cannot listen is raised here."""
        if sock is not None:
            self.sock = sock
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="bmp-listener", daemon=True)
        self._thread.start()
        try:
            self._server = asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=30)
        except BaseException:
            self._stop_loop()
            raise
        return self

    @property
    def port(self) -> int:
        return self._server.sockets[0].getsockname()[1]

    def close(self) -> None:
        """Stop listening and close every connection (each reported as disconnected)."""
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=30)
        self._stop_loop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()
        self._loop = None

    async def _listen(self):
        if self.sock is not None:
            return await asyncio.start_server(self._serve, sock=self.sock)
        return await asyncio.start_server(self._serve, self.host, self.requested_port)

    async def _shutdown(self) -> None:
        self._server.close()
        while self._connections:  # cancelled again until done: wait_for can lose a cancellation (Python 3.11)
            for task in list(self._connections):
                task.cancel()
            await asyncio.wait(list(self._connections), timeout=0.1)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = str(_plain(writer.get_extra_info("peername")[0]))
        session = BmpSession(
            self.names.get(address, address),
            self.on_event,
            self.on_status,
            named=address in self.names,
            tables=self._tables,
        )
        self._connections.add(asyncio.current_task())
        session.connected(address)
        reason = "closed by the router"
        try:
            reason = await self._follow(reader, session)
        except asyncio.CancelledError:
            reason = "the listener closed"
        except Exception as exc:  # noqa: BLE001 - a fault of the monitor's own ends this connection, not the others
            reason = "internal error: %r" % exc
            session.status("error", reason)
        finally:
            self._connections.discard(asyncio.current_task())
            writer.close()
            session.close(reason)

    async def _follow(self, reader: asyncio.StreamReader, session: BmpSession) -> str:
        """Hand each message to ``session`` until the connection ends; the reason it ended."""
        try:
            async for message in self._messages(reader):
                session.receive(message)
            return "closed by the router"
        except (FramingError, _Cut, TimeoutError, OSError) as exc:
            problem = self._why_dropped(exc)
            session.status("error", problem)
            return problem

    def _why_dropped(self, exc: Exception) -> str:
        if isinstance(exc, FramingError):
            return "connection dropped: %s" % exc
        if isinstance(exc, _Cut):
            return "connection lost in the middle of a message: %s" % exc
        if isinstance(exc, TimeoutError):
            return "connection dropped: a message was not complete within %g s" % self.deadline
        return "connection lost: %s" % (exc.strerror or exc)

    async def _messages(self, reader: asyncio.StreamReader):
        """The whole messages of the connection, read in blocks; ends when the connection ends between messages.
        A message begun must be complete within ``deadline`` seconds (TimeoutError)."""
        buffer, at = b"", 0
        while True:
            while len(buffer) - at >= COMMON.size:
                end = at + message_length(buffer[at : at + COMMON.size])
                if end > len(buffer):
                    break
                yield buffer[at:end]
                at = end
            buffer, at = buffer[at:], 0
            block = await (
                asyncio.wait_for(reader.read(READ_SIZE), self.deadline) if buffer else reader.read(READ_SIZE)
            )
            if not block:
                if buffer:
                    raise _Cut(_cut_text(buffer))
                return
            buffer += block


def _cut_text(buffer: bytes) -> str:
    """What came of a message the connection closed inside of."""
    if len(buffer) < COMMON.size:
        return "%d bytes of its common header came" % len(buffer)
    return "%d of its %d bytes came" % (len(buffer), message_length(buffer[: COMMON.size]))


class _Cut(Exception):
    """The connection closed inside a message."""


def _plain(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address, an IPv4-mapped IPv6 one (a dual-stack socket's) as IPv4."""
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        return parsed.ipv4_mapped
    return parsed
