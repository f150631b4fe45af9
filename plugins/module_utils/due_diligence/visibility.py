# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""BGP visibility of a block in a routing-table snapshot: the routes that cover it, equal it or lie inside it,
with their origins.

The snapshot is CAIDA's prefix-to-AS format (RouteViews ``pfx2as``, optionally gzipped): one route per line,
``address<TAB>length<TAB>origins``, where ``_`` separates the origins of a multi-origin prefix and ``,`` the
members of an AS_SET.
"""

from __future__ import annotations

import gzip
import ipaddress
from dataclasses import dataclass

from ..errors import DataError, SourceError


@dataclass(frozen=True, order=True)
class SeenRoute:
    prefix: str
    origins: tuple  # of ints
    relation: str  # covering, exact or more-specific


def relation_to(block, network):
    """How ``network`` relates to ``block``: ``covering``, ``exact``, ``more-specific`` or None."""
    if network.version != block.version:
        return None
    if network == block:
        return "exact"
    if network.prefixlen < block.prefixlen and block.subnet_of(network):
        return "covering"
    if network.prefixlen > block.prefixlen and network.subnet_of(block):
        return "more-specific"
    return None


def _cheap_skip(block):
    """A test on a line's fields that is true for routes that cannot overlap ``block``, without parsing them:
    the other address family, or (IPv4) a /8 or longer outside the block's first octets."""
    if block.version == 6:
        return lambda fields: ":" not in fields[0]
    first = int(block.network_address) >> 24
    last = int(block.broadcast_address) >> 24

    def skip(fields):
        if ":" in fields[0]:
            return True
        octet, length = fields[0].split(".", 1)[0], fields[1] if len(fields) > 1 else ""
        if not (octet.isdigit() and length.isdigit()):
            return False  # left to the parser, which names the line
        return int(length) >= 8 and not first <= int(octet) <= last

    return skip


def seen_routes(block, path):
    """The routes of the snapshot at ``path`` that overlap ``block`` (an ip_network), sorted."""
    try:
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            return sorted(_overlapping(block, handle, path))
    except (OSError, EOFError) as exc:
        raise SourceError("cannot read the routing table: %s" % exc, str(path), "routing_table") from None


def _overlapping(block, lines, path):
    skip = _cheap_skip(block)
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if not fields or fields[0].startswith("#") or skip(fields):
            continue
        try:
            network = ipaddress.ip_network("%s/%s" % (fields[0], fields[1]))
            origins = tuple(sorted({int(asn) for part in fields[2].split("_") for asn in part.split(",")}))
        except (IndexError, ValueError):
            raise DataError("line %d is not 'address length origins': %r" % (number, line[:80]), str(path)) from None
        relation = relation_to(block, network)
        if relation:
            yield SeenRoute(str(network), origins, relation)
