# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The watch list: what the monitor watches, from NetBox, and the JSON document the monitor service reads.

``watch_list(records)`` builds it from NetBox records (``asns``, ``aggregates``, ``prefixes``, ``devices``,
optionally ``bgp_sessions``), with the checks of ``intent.build.holdings`` and ``rpki.aspa_intent``:

* each prefix we originate is watched with the origins NetBox gives it and its longest max length (one entry
  per prefix, however many ASes of ours originate it);
* each aggregate we hold that is not itself originated is watched as held, not announced (``announced`` false,
  no origin): whatever falls in it and outside what we announce is squatting;
* our ASes; each one's providers as its ASPA intent says (an AS NetBox says nothing of has none, and its
  upstreams are not judged); each one's other neighbours: the remote ASes of the customer, peer and route
  server sessions of the routers that speak it (any status).

``to_document`` and ``from_document`` (``read_watch_list`` for a file) are the monitor service's configuration,
which a role writes from NetBox::

    {"own_asns": [64500],
     "prefixes": [{"prefix": "185.230.76.0/22", "origins": [64500], "max_length": 23, "announced": true}],
     "providers": {"64500": [64496]}, "neighbors": {"64500": [65020]},
     "visibility": {"threshold": 2, "share": 0.5}}

It is read strictly: an unknown or missing field, a value of the wrong type, a prefix with host bits, a max
length outside the prefix's, a prefix listed twice, an announced prefix without origin, providers or neighbours
of an AS that is not ours are DataErrors naming the document and the field (``prefixes[3].max_length``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from ..errors import DataError
from ..intent.build import Problems, holdings, nested, object_name
from ..intent.model import check_number, parse_asn, parse_prefix
from ..intent.sessions import CF_RELATIONSHIP  # NetBox's field, as the intent layer reads it
from ..rpki.aspa_intent import aspa_intent, router_asns
from ..rpki.vrp import json_object, read_text
from .model import Watched, WatchList

NEIGHBOR_RELATIONSHIPS = ("customer", "peer", "route_server")
DOCUMENT_FIELDS = ("own_asns", "prefixes", "providers", "neighbors", "visibility")
PREFIX_FIELDS = ("prefix", "origins", "max_length", "announced")
VISIBILITY_FIELDS = ("threshold", "share")
_LAST_ASN = 2**32 - 1


def watch_list(records: Mapping, visibility_threshold: int = 2, visibility_share: float = 0.5) -> WatchList:
    """The WatchList of NetBox ``records``; DataError listing every problem of the records."""
    ours = holdings(records)
    providers = aspa_intent(records).aspas
    problems = Problems()
    routers = router_asns(records["devices"], ours.own, problems)
    neighbors = neighbor_asns(records.get("bgp_sessions") or (), routers, problems)
    problems.raise_if_any()
    return WatchList(
        prefixes=watched_prefixes(ours.originations, ours.held),
        own_asns=ours.own,
        providers=dict(providers),
        visibility_threshold=visibility_threshold,
        visibility_share=visibility_share,
        neighbors=neighbors,
    )


def watched_prefixes(originations, held) -> tuple:
    """One Watched per originated prefix (its origins, its longest max length), then per held aggregate that
    is not originated itself (not announced)."""
    by_prefix = {}
    for origination in originations:
        origins, longest = by_prefix.get(origination.prefix, (frozenset(), 0))
        by_prefix[origination.prefix] = (origins | {origination.origin_asn}, max(longest, origination.max_length))
    found = [Watched(prefix, origins, longest) for prefix, (origins, longest) in by_prefix.items()]
    found += [Watched(block, frozenset(), block.prefixlen, False) for block in held if block not in by_prefix]
    return tuple(sorted(found, key=lambda entry: (entry.prefix.version, entry.prefix)))


def neighbor_asns(records, routers, problems) -> dict:
    """Our AS -> the remote ASes of the customer, peer and route server sessions on the routers that speak it
    (``routers``: device id -> our AS)."""
    found = {}
    for record in records:
        relationship = (record.get("custom_fields") or {}).get(CF_RELATIONSHIP)
        device = record.get("device")
        ours = routers.get(device.get("id")) if isinstance(device, dict) else None
        if relationship not in NEIGHBOR_RELATIONSHIPS or ours is None:
            continue
        obj = object_name("BGP session", record, "display")
        remote = problems.collect(parse_asn, nested(record.get("remote_as"), "asn"), obj, "remote_as")
        if remote is not None:
            found.setdefault(ours, set()).add(remote)
    return {asn: frozenset(remotes) for asn, remotes in found.items()}


def to_document(watch: WatchList) -> dict:
    """The watch list as the JSON document the monitor service reads."""
    return {
        "own_asns": sorted(watch.own_asns),
        "prefixes": [
            {
                "prefix": str(entry.prefix),
                "origins": sorted(entry.origins),
                "max_length": entry.max_length,
                "announced": entry.announced,
            }
            for entry in watch.prefixes
        ],
        "providers": _by_as_text(watch.providers),
        "neighbors": _by_as_text(watch.neighbors),
        "visibility": {"threshold": watch.visibility_threshold, "share": watch.visibility_share},
    }


def to_json(watch: WatchList) -> str:
    return json.dumps(to_document(watch), indent=2, sort_keys=True) + "\n"


def read_watch_list(path) -> WatchList:
    """The watch list in the JSON file ``path``; DataError naming the file and the field."""
    where = "watch list %s" % path
    return from_document(json_object(read_text(Path(path), "watch list"), where), where)


def from_document(data, where: str = "watch list") -> WatchList:
    """The WatchList of a document (see the module's description), read strictly."""
    fields_of(data, DOCUMENT_FIELDS, ("own_asns", "prefixes"), where, "")
    own = frozenset(_asn_list(data["own_asns"], where, "own_asns", empty=False))
    prefixes = _prefix_list(data["prefixes"], where)
    visibility = data.get("visibility", {})
    fields_of(visibility, VISIBILITY_FIELDS, (), where, "visibility")
    return WatchList(
        prefixes=prefixes,
        own_asns=own,
        providers=_by_our_as(data.get("providers", {}), own, where, "providers"),
        visibility_threshold=check_number(visibility.get("threshold", 2), 1, 1_000_000, where, "visibility.threshold"),
        visibility_share=_share(visibility.get("share", 0.5), where),
        neighbors=_by_our_as(data.get("neighbors", {}), own, where, "neighbors"),
    )


def fields_of(data, known, required, where, name):
    """Refuse ``data`` unless it is an object with every ``required`` field and no other than ``known``."""
    label = name or "the document"
    if not isinstance(data, dict):
        raise DataError("%s must be an object, not %s" % (label, type(data).__name__), where, name or None)
    for field in required:
        if field not in data:
            raise DataError("missing", where, _join(name, field))
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise DataError("unknown field(s) %s; known: %s" % (", ".join(unknown), ", ".join(known)), where, name or None)


def _prefix_list(entries, where):
    if not isinstance(entries, list):
        raise DataError("must be a list of prefixes", where, "prefixes")
    found, seen = [], set()
    for index, entry in enumerate(entries):
        watched = _watched(entry, where, "prefixes[%d]" % index)
        if watched.prefix in seen:
            raise DataError("%s is listed twice" % watched.prefix, where, "prefixes[%d].prefix" % index)
        seen.add(watched.prefix)
        found.append(watched)
    return tuple(found)


def _watched(entry, where, name):
    fields_of(entry, PREFIX_FIELDS, ("prefix", "origins"), where, name)
    network = parse_prefix(entry["prefix"], where, name + ".prefix")
    if not isinstance(entry["prefix"], str) or entry["prefix"] != str(network):
        raise DataError("%r is not written as %s" % (entry["prefix"], network), where, name + ".prefix")
    announced = entry.get("announced", True)
    if not isinstance(announced, bool):
        raise DataError("%r is not true or false" % (announced,), where, name + ".announced")
    origins = frozenset(_asn_list(entry["origins"], where, name + ".origins", empty=not announced))
    length = entry.get("max_length", network.prefixlen)
    check_number(length, network.prefixlen, network.max_prefixlen, where, name + ".max_length")
    return Watched(network, origins, length, announced)


def _asn_list(values, where, name, empty=True):
    if not isinstance(values, list) or not (values or empty):
        raise DataError("must be a list of AS numbers%s" % ("" if empty else ", not empty"), where, name)
    return [check_number(value, 1, _LAST_ASN, where, "%s[%d]" % (name, index)) for index, value in enumerate(values)]


def _by_our_as(mapping, own, where, name):
    """{our AS: frozenset of ASes} from ``{"64500": [64496, ...]}``."""
    if not isinstance(mapping, dict):
        raise DataError("must be an object of our AS numbers to lists of AS numbers", where, name)
    found = {}
    for key, values in mapping.items():
        field = "%s.%s" % (name, key)
        asn = parse_asn(key, where, field) if isinstance(key, str) and key.isdigit() else None
        if asn not in own:
            raise DataError("%r is not one of our AS numbers (own_asns)" % key, where, field)
        found[asn] = frozenset(_asn_list(values, where, field))
    return found


def _share(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise DataError("%r is not a share above 0, at most 1" % (value,), where, "visibility.share")
    return float(value)


def _by_as_text(mapping):
    return {str(asn): sorted(asns) for asn, asns in sorted(mapping.items())}


def _join(name, field):
    return "%s.%s" % (name, field) if name else field
