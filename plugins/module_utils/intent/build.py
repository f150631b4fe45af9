# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The intent builder: NetBox records in, per-device intent out. Pure, no I/O.

It checks every record before it builds anything and reports all problems at
once, each naming the NetBox object and field, so that one run tells the
operator everything to fix. Any problem means no intent at all: routesec never
pushes from data it could only partly understand. A run may name the devices it
changes (a scope): a bad record of another device then only warns.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import DataError
from ..netbox.schema import (
    CF_AS_SET,
    CF_LOCAL_ASN,
    CF_MAX_LENGTH,
    CF_NEIGHBOR_ASNS,
    CF_ORIGIN_ASN,
    CF_RELATIONSHIP,
    TAG_OWN_ASN,
)
from .model import (
    PLATFORMS,
    Device,
    DeviceIntent,
    Neighbor,
    PrefixEntry,
    PrefixList,
    parse_address,
    parse_as_set,
    parse_asn,
    parse_prefix,
)
from .sessions import FILTERED, session_of

DEFAULT_LIST_NAMES = {4: "ROUTESEC-OWN-V4", 6: "ROUTESEC-OWN-V6"}
# The netbox-bgp plugin's session statuses whose sessions are neighbours; planned, offline and
# failed sessions are not (yet, or any more) configured on the router.
SESSION_STATUSES = ("active",)


@dataclass(frozen=True)
class Origination:
    """A prefix we originate, from which AS, with which longest more-specific."""

    prefix: ipaddress.IPv4Network | ipaddress.IPv6Network
    origin_asn: int
    max_length: int

    def filter_entry(self):
        le = self.max_length if self.max_length > self.prefix.prefixlen else None
        return PrefixEntry(self.prefix, le=le)


class Problems:
    """Collects data problems; raises them together.

    With a ``scope`` (device names), the problems of a device outside it do not stop the run: that device is
    left out, and its problems become ``warnings``. A bad record of a router the run does not change must not
    block the routers it does change; the problems of those still refuse.
    """

    def __init__(self, scope=None):
        self.items = []
        self.warnings = []
        self.scope = None if scope is None else frozenset(scope)

    def for_device(self, name):
        """Where the problems of device ``name`` go: here when it is in scope, else to the warnings."""
        if self.scope is None or name in self.scope:
            return self
        return _Warnings(self.warnings)

    def add(self, obj, field, message):
        self.items.append(str(DataError(message, obj, field)))

    def collect(self, func, *args):
        """Call ``func``; a DataError becomes a recorded problem and None."""
        try:
            return func(*args)
        except DataError as exc:
            self.items.append(str(exc))
            return None

    def raise_if_any(self):
        if self.items:
            count = len(self.items)
            raise DataError(
                "%d problem%s in the source of truth, nothing was changed:\n- %s"
                % (count, "" if count == 1 else "s", "\n- ".join(self.items))
            )


class _Warnings(Problems):
    """The problems of a device outside the scope: recorded as warnings of the run."""

    def __init__(self, warnings):
        super().__init__()
        self.items = warnings

    def raise_if_any(self):
        pass


def object_name(kind, record, label_key):
    """How problems name a NetBox record: ``NetBox <kind> <record[label_key]> (id <id>)``."""
    return "NetBox %s %s (id %s)" % (kind, record.get(label_key), record.get("id"))


def tag_slugs(record):
    """The slugs of a NetBox record's tags."""
    return {t.get("slug") for t in record.get("tags") or () if isinstance(t, dict)}


def nested(value, key):
    """``value[key]`` of a nested NetBox object, or ``value`` itself when it is not one."""
    return value.get(key) if isinstance(value, dict) else value


def nested_asn(value, obj, field, problems):
    """The AS number inside a NetBox object-type custom field, or None (recorded)."""
    if value is None:
        problems.add(obj, field, "is empty; set it to one of our ASNs (tagged %s)" % TAG_OWN_ASN)
        return None
    return problems.collect(parse_asn, nested(value, "asn"), obj, field)


def as_sets(records, problems):
    """AS number -> the AS-SET that says what it may announce (custom field, default: the AS)."""
    result = {}
    for record in records:
        obj = object_name("ASN", record, "asn")
        asn = problems.collect(parse_asn, record.get("asn"), obj, "asn")
        value = (record.get("custom_fields") or {}).get(CF_AS_SET)
        if asn is None:
            continue
        if value:
            as_set = problems.collect(parse_as_set, value, obj, "custom_fields.%s" % CF_AS_SET)
            if as_set is not None:
                result[asn] = as_set
        else:
            result[asn] = "AS%d" % asn
    return result


def neighbors(record, obj, sets, problems, sessions=()):
    """The neighbours a device filters from the IRR, each with its AS-SET: the ASNs of its custom
    field and the remote ASes of its ``sessions`` ((AS, address or None, Session or None)) that are customers
    or peers or say nothing of their relationship, merged by AS."""
    field = "custom_fields.%s" % CF_NEIGHBOR_ASNS
    addresses = {}
    for value in (record.get("custom_fields") or {}).get(CF_NEIGHBOR_ASNS) or ():
        asn = problems.collect(parse_asn, nested(value, "asn"), obj, field)
        if asn is not None:
            addresses.setdefault(asn, set())
    for asn, address, session in sessions:
        if session is None or session.relationship in FILTERED:
            addresses.setdefault(asn, set()).update([address] if address else [])
    found = (Neighbor(asn, sets.get(asn, "AS%d" % asn), tuple(addrs)) for asn, addrs in addresses.items())
    return tuple(sorted(found))


def bgp_sessions(records, device_ids, own, problems, asn_records=None):
    """Device id -> [(remote AS, remote address or None, Session or None)] of the netbox-bgp plugin's eBGP
    sessions on one of ``device_ids`` with a status in SESSION_STATUSES (a session to one of our ASNs is
    iBGP: routesec neither filters it from the IRR nor gives it a policy). The Session when the record
    says what the neighbour is to us (its relationship), built with the ASN's defaults from
    ``asn_records`` ({AS: record})."""
    result = {}
    for record in records:
        device = record.get("device")
        if not isinstance(device, dict) or device.get("id") not in device_ids:
            continue
        mine = problems.for_device(device.get("name"))
        neighbor = _session(record, own, mine)
        if neighbor is None:
            continue
        asn, address, obj = neighbor
        session = None
        if (record.get("custom_fields") or {}).get(CF_RELATIONSHIP) is not None:
            if address is None:
                mine.add(obj, "remote_address", "is empty: a session's policy is bound to the neighbour's address")
                continue
            session = session_of(record, asn, address, asn_records or {}, mine, obj)
        result.setdefault(device["id"], []).append((asn, address, session))
    return result


def _session(record, own, problems):
    """``(remote AS, remote address or None, object name)`` of one session record when it is an active eBGP
    neighbour, else None (its problems recorded)."""
    obj = object_name("BGP session", record, "display")
    status = nested(record.get("status"), "value")
    if not status:
        problems.add(obj, "status", "is empty")
        return None
    if status not in SESSION_STATUSES:
        return None
    remote = record.get("remote_as")
    if remote is None:
        problems.add(obj, "remote_as", "is empty: the session has no remote AS")
        return None
    asn = problems.collect(parse_asn, nested(remote, "asn"), obj, "remote_as")
    address = record.get("remote_address")
    if address is not None:
        address = problems.collect(parse_address, nested(address, "address"), obj, "remote_address")
    if asn is None or asn in own:
        return None
    return asn, address, obj


def own_asns(records, problems):
    own = set()
    for record in records:
        if TAG_OWN_ASN in tag_slugs(record):
            asn = problems.collect(parse_asn, record.get("asn"), object_name("ASN", record, "asn"), "asn")
            if asn is not None:
                own.add(asn)
    if not own:
        problems.add("NetBox ASNs", "tags", "no ASN is tagged %s, so no origin can be ours" % TAG_OWN_ASN)
    return own


def aggregates(records, problems):
    held = []
    for record in records:
        obj = object_name("aggregate", record, "prefix")
        network = problems.collect(parse_prefix, record.get("prefix"), obj, "prefix")
        if network is not None:
            held.append(network)
    if not held:
        problems.add("NetBox aggregates", "prefix", "there are none, so no prefix can be ours")
    return held


def originations(records, own, held, problems):
    result = []
    for record in records:
        obj = object_name("prefix", record, "prefix")
        network = problems.collect(parse_prefix, record.get("prefix"), obj, "prefix")
        custom = record.get("custom_fields") or {}
        origin = nested_asn(custom.get(CF_ORIGIN_ASN), obj, "custom_fields.%s" % CF_ORIGIN_ASN, problems)
        if network is None or origin is None:
            continue
        if origin not in own:
            problems.add(
                obj,
                "custom_fields.%s" % CF_ORIGIN_ASN,
                "AS%d is not one of our ASNs (tag the ASN %s if it is)" % (origin, TAG_OWN_ASN),
            )
            continue
        if not any(network.version == agg.version and network.subnet_of(agg) for agg in held):
            problems.add(obj, "prefix", "is outside every NetBox aggregate: we do not hold it")
            continue
        max_length = _max_length(custom.get(CF_MAX_LENGTH), network, obj, problems)
        if max_length is not None:
            result.append(Origination(network, origin, max_length))
    return result


@dataclass(frozen=True)
class Holdings:
    """What NetBox says is ours, derived once per run and shared by every domain: our ASNs, the aggregates we
    hold and the originations (our prefixes, each with its origin and max length)."""

    own: frozenset
    held: tuple
    originations: tuple


def holdings(records: Mapping, problems: Problems | None = None) -> Holdings:
    """The Holdings of NetBox ``records`` (asns, aggregates, prefixes). Their problems go to ``problems``;
    without it DataError lists every one."""
    collector = Problems() if problems is None else problems
    own = own_asns(records["asns"], collector)
    held = aggregates(records["aggregates"], collector)
    found = originations(records["prefixes"], own, held, collector)
    if problems is None:
        collector.raise_if_any()
    return Holdings(frozenset(own), tuple(held), tuple(found))


def _max_length(value, network, obj, problems):
    field = "custom_fields.%s" % CF_MAX_LENGTH
    if value is None:
        return network.prefixlen
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(obj, field, "%r is not a prefix length" % (value,))
        return None
    if not network.prefixlen <= value <= network.max_prefixlen:
        problems.add(
            obj, field, "%d is outside %d..%d for this prefix" % (value, network.prefixlen, network.max_prefixlen)
        )
        return None
    return value


def devices(records, own, problems, platform_map=None, sets=None, sessions=None):
    """``[(Device, neighbours)]`` of the device ``records`` without problems. With a scope (see Problems),
    a device outside it whose record has a problem is left out, its problems warned about, and a scope
    naming a device that NetBox does not manage is a problem."""
    result = []
    for record in records:
        mine = problems.for_device(record.get("name"))
        found = len(mine.items)
        device = _device(record, own, mine, platform_map, sets, sessions)
        if device is not None and len(mine.items) == found:
            result.append(device)
    unknown = sorted((problems.scope or set()) - {record.get("name") for record in records})
    if unknown:
        problems.add("NetBox devices", "tags", "no device tagged routesec-managed is named %s" % ", ".join(unknown))
    return result


def _device(record, own, problems, platform_map, sets, sessions):
    """``(Device, neighbours)`` of one device record, or None (its problems recorded)."""
    obj = object_name("device", record, "name")
    platform = _platform(record.get("platform"), platform_map or {})
    if platform not in PLATFORMS:
        problems.add(obj, "platform", "%r is not supported (supported: %s)" % (platform, ", ".join(PLATFORMS)))
        return None
    custom = record.get("custom_fields") or {}
    field = "custom_fields.%s" % CF_LOCAL_ASN
    asn = nested_asn(custom.get(CF_LOCAL_ASN), obj, field, problems)
    if asn is not None and asn not in own:
        problems.add(obj, field, "AS%d is not one of our ASNs" % asn)
        return None
    address = _primary_address(record)
    if address is None:
        problems.add(obj, "primary_ip4", "the device has no primary IP to manage it by")
        return None
    peers = neighbors(record, obj, sets or {}, problems, (sessions or {}).get(record.get("id"), ()))
    if asn is None:
        return None
    return Device(record.get("name"), platform, address, asn), peers


def _platform(value, platform_map):
    slug = nested(value, "slug")
    if slug in platform_map:
        return platform_map[slug]
    return slug.replace("-", "_") if isinstance(slug, str) else slug


def _primary_address(record):
    for key in ("primary_ip4", "primary_ip6"):
        value = record.get(key)
        if isinstance(value, dict) and value.get("address"):
            return value["address"].split("/")[0]
    return None


def own_prefix_lists(origins, asn, list_names=None):
    """The announcement prefix-lists for a router speaking as ``asn``, IPv4 then IPv6."""
    names = {**DEFAULT_LIST_NAMES, **(list_names or {})}
    lists = []
    for afi in (4, 6):
        entries = sorted({o.filter_entry() for o in origins if o.origin_asn == asn and o.prefix.version == afi})
        description = "routesec: prefixes AS%d originates" % asn
        lists.append(PrefixList(names[afi], afi, tuple(entries), description))
    return tuple(lists)


def build_intent(
    records: Mapping,
    platform_map: dict | None = None,
    list_names: dict | None = None,
    problems: Problems | None = None,
    ours: Holdings | None = None,
) -> dict:
    """Per-device intent from NetBox ``records`` (a mapping kind -> list of dicts; ``bgp_sessions``,
    the netbox-bgp plugin's sessions, is optional).

    Returns ``{device name: DeviceIntent}``; raises DataError listing every problem. With ``problems`` a
    Problems with a scope, only the devices in the scope, and the other devices' problems in its warnings.
    ``ours``: the run's Holdings when already derived.
    """
    problems = Problems() if problems is None else problems
    ours = holdings(records, problems) if ours is None else ours
    own, origins = ours.own, ours.originations
    managed = {record.get("id") for record in records["devices"]}
    asn_records = {record.get("asn"): record for record in records["asns"]}
    sessions = bgp_sessions(records.get("bgp_sessions") or (), managed, own, problems, asn_records)
    sets = as_sets(records["asns"], problems)
    routers = devices(records["devices"], own, problems, platform_map, sets, sessions)
    problems.raise_if_any()
    lists_by_asn = {}  # routers of one AS share the same (immutable) lists
    for device, _peers in routers:
        if device.local_asn not in lists_by_asn:
            lists_by_asn[device.local_asn] = own_prefix_lists(origins, device.local_asn, list_names)
    ids = {record.get("name"): record.get("id") for record in records["devices"]}
    return {
        device.name: DeviceIntent(
            device, lists_by_asn[device.local_asn], peers, **session_fields(sessions.get(ids[device.name], ()))
        )
        for device, peers in in_scope(routers, problems)
    }


def session_fields(found):
    """DeviceIntent's ``sessions`` (those that say their relationship, by address) and ``unclassified`` (the
    addresses of the eBGP sessions that do not) of a device's ``found`` sessions."""
    return {
        "sessions": tuple(sorted({s for _asn, _address, s in found if s is not None})),
        "unclassified": tuple(sorted({str(a) for _asn, a, s in found if s is None and a is not None})),
    }


def in_scope(routers, problems):
    return [(device, peers) for device, peers in routers if problems.scope is None or device.name in problems.scope]


def managed_devices(records, platform_map=None, problems=None):
    """``{name: {"name", "platform", "mgmt_host", "local_asn"}}`` of the managed devices, from the ``asns`` and
    ``devices`` records alone: what a play needs to reach the routers. DataError listing every problem; a
    scope as for build_intent."""
    problems = Problems() if problems is None else problems
    own = own_asns(records["asns"], problems)
    routers = devices(records["devices"], own, problems, platform_map, as_sets(records["asns"], problems))
    problems.raise_if_any()
    return {
        device.name: {
            "name": device.name,
            "platform": device.platform,
            "mgmt_host": device.mgmt_host,
            "local_asn": device.local_asn,
        }
        for device, _peers in in_scope(routers, problems)
    }
