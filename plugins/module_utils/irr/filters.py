# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Customer and peer filters from the IRR, added to each router's intent.

Every distinct AS-SET among all routers' neighbours is expanded once, over
pipelined whois connections, and refused if the expansion is incomplete (a
member set the IRR does not hold, a set deeper than ``max_depth``). Each
neighbour then gets an IPv4 and an IPv6 prefix-list (bogons and too-specific
prefixes removed, optional aggregation and ``le`` like bgpq4 ``-A``/``-R``) and
an AS-path list of the set's origins behind the neighbour's AS (bgpq4 ``-f``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..errors import DataError, SafetyError
from ..intent.model import NEIGHBOR_LIST_NAME as LIST_NAME
from ..intent.model import AsPathList, PrefixList
from ..intent.prefix_ops import build_prefix_entries
from .cache import DEFAULT_SETTLE, CachedClient
from .expand import DEFAULT_MAX_DEPTH, left_out, prefixes_for_set
from .whois import WhoisClient


@dataclass(frozen=True)
class IrrFilterOptions:
    max_depth: int = DEFAULT_MAX_DEPTH
    aggregate: bool = False
    le: int | None = None
    max_length: tuple = (24, 48)  # longest IPv4, IPv6 prefix accepted (bgpq4 -m)
    drop_bogons: bool = True
    bogon_exceptions: tuple = ()
    allow_missing: bool = False
    allow_too_deep: bool = False
    allow_empty: bool = False


@dataclass(frozen=True)
class NeighborFilters:
    prefix_lists: tuple
    as_path: AsPathList
    report: dict


def neighbor_filters(neighbor, found, options):
    """The prefix-lists and AS-path list for ``neighbor`` from its set's ``found`` prefixes."""
    lists, report = [], {"as_set": neighbor.as_set, "origins": len(found.expansion.asns)}
    for afi, too_specific in zip((4, 6), options.max_length):
        entries, dropped = build_prefix_entries(
            found[afi],
            afi,
            aggregate=options.aggregate,
            le=options.le,
            drop_bogons=options.drop_bogons,
            too_specific=too_specific,
            allowed=options.bogon_exceptions,
        )
        name = "%s-V%d" % (LIST_NAME % neighbor.asn, afi)
        lists.append(PrefixList(name, afi, tuple(entries), "routesec: AS%d via %s" % (neighbor.asn, neighbor.as_set)))
        report["ipv%d" % afi] = {
            "prefixes": len(found[afi]),
            "entries": len(entries),
            "bogons_dropped": len(dropped.bogons),
            "too_specific_dropped": len(dropped.too_specific),
        }
    expansion = found.expansion
    report.update(
        depth=expansion.depth,
        method=found.method,
        missing_sets=len(expansion.missing),
        invalid_members=len(expansion.invalid),
        reserved_members=len(expansion.reserved),
        too_deep_sets=len(expansion.too_deep),
    )
    as_path = AsPathList(LIST_NAME % neighbor.asn, neighbor.asn, tuple(found.expansion.asns))
    return NeighborFilters(tuple(lists), as_path, report)


def refuse_empty(found):
    """An AS-SET with no route in either family would make its neighbour's filters deny everything."""
    empty = sorted(name for name, prefixes in found.items() if not any(prefixes[afi] for afi in (4, 6)))
    if empty:
        raise SafetyError(
            "the IRR holds no route or route6 object for any origin of %s; filters from it would reject "
            "everything the neighbour announces. Nothing was changed. Fix the set in the IRR, or set "
            "allow_empty: true" % ", ".join(empty),
            "AS-SET %s" % empty[0],
        )


def add_irr_filters(intents, client, options=IrrFilterOptions()):
    """``intents`` ({name: DeviceIntent}) with every neighbour's filters added; a report per neighbour; and
    warnings naming what ``allow_missing``/``allow_too_deep`` let an expansion leave out.

    Raises before returning anything if any set cannot be expanded completely, so
    that no router gets a filter built from partial data.
    """
    names = sorted({n.as_set for intent in intents.values() for n in intent.neighbors})
    found = {
        name: prefixes_for_set(
            client,
            name,
            max_depth=options.max_depth,
            allow_missing=options.allow_missing,
            allow_too_deep=options.allow_too_deep,
        )
        for name in names
    }
    if not options.allow_empty:
        refuse_empty(found)
    built = {}
    for intent in intents.values():
        for neighbor in intent.neighbors:
            if neighbor not in built:
                built[neighbor] = neighbor_filters(neighbor, found[neighbor.as_set], options)
    result = {}
    for name, intent in intents.items():
        mine = [built[n] for n in intent.neighbors]
        result[name] = dataclasses.replace(
            intent,
            prefix_lists=intent.prefix_lists + tuple(pl for f in mine for pl in f.prefix_lists),
            as_path_lists=intent.as_path_lists + tuple(f.as_path for f in mine),
        )
    report = {"AS%d" % n.asn: f.report for n, f in built.items()}
    return result, report, [warning for name in names for warning in left_out(found[name].expansion)]


def irr_filters_from(
    host,
    port,
    intents,
    options=IrrFilterOptions(),
    sources=None,
    timeout=30,
    connections=1,
    cache_dir=None,
    cache_settle=DEFAULT_SETTLE,
):
    """``add_irr_filters`` over fresh connections to ``host:port``; also how it went.

    Returns (intents, report, warnings, whois queries sent, cache report or None). With
    ``cache_dir``, answers are kept there while the IRR's data is unchanged, and saved only from
    sources unchanged for ``cache_settle`` seconds (``irr.cache``).
    """
    if cache_settle < 0:
        raise DataError("must be 0 seconds or more, not %g" % cache_settle, field="cache_settle")
    client = WhoisClient(host, port, sources=sources, timeout=timeout, connections=connections)
    if cache_dir:
        client = CachedClient(client, cache_dir, settle=cache_settle)
    with client:
        built, report, warnings = add_irr_filters(intents, client, options)
    return built, report, warnings, client.queries, (client.report() if cache_dir else None)
