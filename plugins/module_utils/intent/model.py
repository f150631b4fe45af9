# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The intent model: plain data that every renderer, transport and planner shares.

Prefixes are held as ``ipaddress`` networks, so two spellings of one prefix
compare equal and a host-bit prefix is refused where it enters the model.
Every object converts to and from plain dicts (``to_dict``/``from_dict``) so it
can travel between Ansible tasks as JSON.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from ..errors import DataError
from ..platforms import PLATFORMS


def parse_prefix(value, obj=None, field_name: str = "prefix") -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """Return an ``ipaddress`` network for ``value`` or raise DataError naming the field."""
    if isinstance(value, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return value
    if not isinstance(value, str) or "/" not in value:
        raise DataError("'%s' is not a prefix in CIDR notation" % (value,), obj, field_name)
    try:
        return ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise DataError("'%s' is not a valid prefix (%s)" % (value, exc), obj, field_name) from None


def parse_asn(value, obj=None, field_name: str = "asn") -> int:
    """Return an AS number as int (accepts 64500 and 'AS64500'); refuses AS0 and out of range."""
    text = str(value).strip()
    if text.upper().startswith("AS"):
        text = text[2:]
    if not text.isdigit():
        raise DataError("'%s' is not an AS number" % (value,), obj, field_name)
    asn = int(text)
    if asn == 0:
        raise DataError("AS0 is reserved (RFC 7607): it originates nothing", obj, field_name)
    if not 0 < asn < 2**32:
        raise DataError("AS%d is outside 1..4294967295" % asn, obj, field_name)
    return asn


# RFC 2622 section 2: words that are no object's name, and the prefixes that make a name a set's
RPSL_RESERVED_WORDS = frozenset(
    [
        "ANY",
        "AS-ANY",
        "RS-ANY",
        "PEERAS",
        "AND",
        "OR",
        "NOT",
        "ATOMIC",
        "FROM",
        "TO",
        "AT",
        "ACTION",
        "ACCEPT",
        "ANNOUNCE",
        "EXCEPT",
        "REFINE",
        "NETWORKS",
        "INTO",
        "INBOUND",
        "OUTBOUND",
    ]
)
# A customer's or peer's filters from the IRR: its prefix-lists (with -V4, -V6) and its origin AS-path list
NEIGHBOR_LIST_NAME = "ROUTESEC-AS%d-IN"
RPSL_SET_PREFIXES = ("AS-", "RS-", "RTRS-", "FLTR-", "PRNG-")
RPSL_NAME = re.compile(r"^[A-Z][A-Z0-9_-]*[A-Z0-9]$")  # an object name, upper-cased (RFC 2622 section 2)
MAX_SET_COMPONENTS = 5  # IRRd refuses longer hierarchical names


def set_name_problem(text: str, prefix: str) -> str | None:
    """Why upper-cased ``text`` is not a set name of the class ``prefix`` names ("AS-", "RS-", ...), or
    None. Hierarchical names (RFC 2622 section 5: ``AS702:RS-DE``) are components joined by ":", each
    an AS number or a name of that class, at least one of them a name; reserved words are refused,
    and so are more than five components, as IRRd's strict mode does."""
    components = text.split(":")
    if len(components) > MAX_SET_COMPONENTS:
        return "more than %d components" % MAX_SET_COMPONENTS
    named = False
    for component in components:
        if component in RPSL_RESERVED_WORDS:
            return "%s is a reserved word of RPSL (RFC 2622)" % component
        if component.startswith(prefix) and RPSL_NAME.match(component):
            named = True
        elif not (component[:2] == "AS" and component[2:].isdigit() and 0 < int(component[2:]) < 2**32):
            return "component %r is neither an AS number nor a name beginning %s" % (component, prefix)
    return None if named else "no component begins %s" % prefix


def parse_set_name(value, prefix: str, obj=None, field_name: str = "as_set") -> str:
    """An RPSL set name of the class ``prefix`` names, upper-cased; DataError naming the field and why not."""
    text = str(value or "").strip().upper()
    problem = set_name_problem(text, prefix)
    if problem:
        raise DataError("%r is not a %s set name: %s" % (value, prefix.rstrip("-"), problem), obj, field_name)
    return text


def parse_as_set(value, obj=None, field_name: str = "as_set") -> str:
    """An RPSL as-set name (``AS-FOO``, ``AS65000:AS-CUSTOMERS``) or AS number, upper-cased."""
    text = str(value or "").strip().upper()
    if text.startswith("AS") and text[2:].isdigit():
        return "AS%d" % parse_asn(text, obj, field_name)
    problem = set_name_problem(text, "AS-")
    if problem:
        raise DataError("%r is not an AS-SET name or AS number: %s" % (value, problem), obj, field_name)
    return text


def check_number(value, low: int, high: int, obj=None, field_name: str = "value") -> int:
    """``value`` when it is an integer from ``low`` to ``high`` (not a bool), else DataError naming the field."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DataError("%r is not a number from %d to %d" % (value, low, high), obj, field_name)
    return value


def parse_address(value, obj=None, field_name: str = "address") -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An IP address, from ``192.0.2.1`` or NetBox's ``192.0.2.1/24`` form."""
    try:
        return ipaddress.ip_interface(str(value).strip()).ip
    except ValueError:
        raise DataError("%r is not an IP address" % (value,), obj, field_name) from None


@dataclass(frozen=True, order=True)
class Neighbor:
    """A customer or peer whose announcements are filtered by what ``as_set`` holds in the IRR;
    ``addresses``: its session addresses where the source of truth has them (IPv4 first, sorted)."""

    asn: int
    as_set: str
    addresses: tuple = ()

    def __post_init__(self) -> None:
        where = "neighbor AS%s" % self.asn
        found = {parse_address(a, where, "addresses") for a in self.addresses}
        object.__setattr__(self, "addresses", tuple(str(a) for a in sorted(found, key=lambda a: (a.version, a))))

    def to_dict(self) -> dict:
        return {"asn": self.asn, "as_set": self.as_set, "addresses": list(self.addresses)}

    @classmethod
    def from_dict(cls, data: dict, where="neighbor"):
        if not isinstance(data, dict):
            raise DataError("expected a mapping, got %r" % (data,), where)
        addresses = data.get("addresses") or []
        if not isinstance(addresses, list):
            raise DataError("expected a list of IP addresses", where, "addresses")
        return cls(
            parse_asn(data.get("asn"), where, "asn"),
            parse_as_set(data.get("as_set"), where, "as_set"),
            tuple(parse_address(a, where, "addresses") for a in addresses),
        )


@dataclass(frozen=True, order=True)
class PrefixEntry:
    """One prefix-list entry: a prefix with optional ge/le bounds."""

    prefix: ipaddress.IPv4Network | ipaddress.IPv6Network
    ge: int | None = None
    le: int | None = None
    action: str = "permit"

    def __post_init__(self) -> None:
        where = "prefix-list entry %s" % self.prefix
        if self.action not in ("permit", "deny"):
            raise DataError("action must be permit or deny, not %r" % self.action, where, "action")
        top = self.prefix.max_prefixlen
        low = self.prefix.prefixlen
        for name in ("ge", "le"):
            value = getattr(self, name)
            if value is not None and not low <= value <= top:
                raise DataError("%s %s is outside %d..%d" % (name, value, low, top), where, name)
        if self.ge is not None and self.le is not None and self.ge > self.le:
            raise DataError("ge %d is greater than le %d" % (self.ge, self.le), where, "ge")
        self._canonicalise(low, top)

    def _canonicalise(self, own, top):
        """Hold one spelling per match (the one bgpq4 prints), so equal filters compare equal:
        exact is ge=le=None; from the prefix's own length up to L is le=L alone; a bare ge G
        means G..max, as on Cisco."""
        low = own if self.ge is None else self.ge
        high = self.le if self.le is not None else (own if self.ge is None else top)
        object.__setattr__(self, "ge", None if low == own else low)
        object.__setattr__(self, "le", None if low == high == own else high)

    @property
    def afi(self):
        return self.prefix.version

    @property
    def exact(self):
        return self.ge is None and self.le is None

    def to_dict(self) -> dict:
        return {"prefix": str(self.prefix), "ge": self.ge, "le": self.le, "action": self.action}

    @classmethod
    def from_dict(cls, data: dict, where="prefix-list entry"):
        if not isinstance(data, dict):
            raise DataError("expected a mapping, got %r" % (data,), where)
        prefix = parse_prefix(data.get("prefix"), where, "prefix")
        bounds = {}
        for name in ("ge", "le"):
            value = data.get(name)
            if value is not None and not (isinstance(value, int) or str(value).isdigit()):
                raise DataError("%r is not a prefix length" % (value,), where, name)
            bounds[name] = None if value is None else int(value)
        try:
            return cls(prefix, bounds["ge"], bounds["le"], data.get("action") or "permit")
        except DataError as exc:
            raise DataError(exc.reason, "%s entry %s" % (where, prefix), exc.field) from None


@dataclass(frozen=True)
class PrefixList:
    """A named list of entries for one address family (4 or 6)."""

    name: str
    afi: int
    entries: tuple = ()
    description: str = ""

    def __post_init__(self) -> None:
        where = "prefix-list %s" % self.name
        if not self.name or not all(c.isalnum() or c in "-_." for c in self.name):
            raise DataError("name %r must be letters, digits, '-', '_' or '.'" % self.name, where, "name")
        if self.afi not in (4, 6):
            raise DataError("afi must be 4 or 6, not %r" % (self.afi,), where, "afi")
        for entry in self.entries:
            if entry.afi != self.afi:
                raise DataError("entry %s is not IPv%d" % (entry.prefix, self.afi), where, "entries")

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "afi": self.afi,
            "description": self.description,
            "entries": [e.to_dict() for e in self.entries],
        }

    @classmethod
    def from_dict(cls, data: dict):
        if not isinstance(data, dict):
            raise DataError("expected a mapping, got %r" % (data,), "prefix-list")
        name = data.get("name")
        where = "prefix-list %s" % name
        entries = data.get("entries")
        if not isinstance(entries, list):
            raise DataError("expected a list of entries", where, "entries")
        afi = data.get("afi")
        return cls(
            name=name,
            afi=int(afi) if str(afi).isdigit() else afi,
            entries=tuple(PrefixEntry.from_dict(e, where) for e in entries),
            description=data.get("description") or "",
        )


@dataclass(frozen=True)
class Device:
    """A router routesec manages, as the source of truth describes it."""

    name: str
    platform: str
    mgmt_host: str | None = None
    local_asn: int | None = None

    def __post_init__(self) -> None:
        if self.platform not in PLATFORMS:
            raise DataError(
                "platform %r is not supported (supported: %s)" % (self.platform, ", ".join(PLATFORMS)),
                "device %s" % self.name,
                "platform",
            )


@dataclass(frozen=True)
class DeviceIntent:
    """Everything routesec wants on one device."""

    device: Device
    prefix_lists: tuple = field(default_factory=tuple)
    neighbors: tuple = field(default_factory=tuple)
    as_path_lists: tuple = field(default_factory=tuple)
    # BGP sessions (intent.sessions.Session) and the addresses of eBGP sessions whose relationship NetBox lacks
    sessions: tuple = field(default_factory=tuple)
    unclassified: tuple = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {
            "name": self.device.name,
            "platform": self.device.platform,
            "mgmt_host": self.device.mgmt_host,
            "local_asn": self.device.local_asn,
            "prefix_lists": [p.to_dict() for p in self.prefix_lists],
            "neighbors": [n.to_dict() for n in self.neighbors],
            "as_path_lists": [a.to_dict() for a in self.as_path_lists],
            "sessions": [s.to_dict() for s in self.sessions],
            "unclassified": list(self.unclassified),
        }

    @classmethod
    def from_dict(cls, data: dict):
        if not isinstance(data, dict) or not data.get("name"):
            raise DataError("expected a device intent with a name, got %r" % (data,), "intent")
        where = "device %s" % data["name"]
        lists = data.get("prefix_lists")
        if not isinstance(lists, list):
            raise DataError("expected a list", where, "prefix_lists")
        asn = data.get("local_asn")
        device = Device(
            name=data["name"],
            platform=data.get("platform"),
            mgmt_host=data.get("mgmt_host"),
            local_asn=None if asn is None else parse_asn(asn, where, "local_asn"),
        )
        neighbors = data.get("neighbors") or []
        if not isinstance(neighbors, list):
            raise DataError("expected a list", where, "neighbors")
        as_paths = data.get("as_path_lists") or []
        if not isinstance(as_paths, list):
            raise DataError("expected a list", where, "as_path_lists")
        sessions = data.get("sessions") or []
        if not isinstance(sessions, list):
            raise DataError("expected a list", where, "sessions")
        # here, not at the top: intent.sessions imports this module
        from .sessions import Session  # pylint: disable=import-outside-toplevel

        return cls(
            device,
            tuple(PrefixList.from_dict(p) for p in lists),
            tuple(Neighbor.from_dict(n, "%s neighbor" % where) for n in neighbors),
            tuple(AsPathList.from_dict(a) for a in as_paths),
            tuple(Session.from_dict(s, "%s session" % where) for s in sessions),
            tuple(str(a) for a in data.get("unclassified") or ()),
        )


@dataclass(frozen=True)
class AsPathList:
    """Which AS paths a neighbour may send: paths learned from ``peer_asn`` whose origin is in
    ``origins`` (the expansion of its AS-SET), as bgpq4 ``-f PEER_AS`` builds them."""

    name: str
    peer_asn: int
    origins: tuple = ()

    def __post_init__(self) -> None:
        where = "as-path list %s" % self.name
        if not self.name or not all(c.isalnum() or c in "-_." for c in self.name):
            raise DataError("name %r must be letters, digits, '-', '_' or '.'" % self.name, where, "name")
        parse_asn(self.peer_asn, where, "peer_asn")
        for origin in self.origins:
            parse_asn(origin, where, "origins")
        object.__setattr__(self, "origins", tuple(sorted({int(o) for o in self.origins})))

    def to_dict(self) -> dict:
        return {"name": self.name, "peer_asn": self.peer_asn, "origins": list(self.origins)}

    @classmethod
    def from_dict(cls, data: dict):
        if not isinstance(data, dict):
            raise DataError("expected a mapping, got %r" % (data,), "as-path list")
        where = "as-path list %s" % data.get("name")
        origins = data.get("origins")
        if not isinstance(origins, list):
            raise DataError("expected a list of AS numbers", where, "origins")
        return cls(
            data.get("name"),
            parse_asn(data.get("peer_asn"), where, "peer_asn"),
            tuple(parse_asn(o, where, "origins") for o in origins),
        )
