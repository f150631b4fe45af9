# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bogons routesec refuses in customer and peer filters, shipped as data.

Bogon space is what no neighbour may route to us:

* IPv4: the special-purpose blocks of IANA's registry (RFC 6890) that are not
  globally reachable, the deprecated 6to4 relay anycast block, and the /8s IANA
  holds back (``RESERVED`` in its IPv4 address space registry: 0/8, 10/8,
  127/8, multicast 224/4 and the future-use 240/4). Every other /8 is allocated.
* IPv6: everything IANA has not allocated to an RIR (``IPV6_RIR_ALLOCATIONS``,
  its IPv6 global unicast registry as of 2019-11-06, unchanged since): all of
  the space outside 2000::/3, IANA's own 2001::/23, 6to4's 2002::/16, and the
  reserve; plus the documentation block 2001:db8::/32 inside APNIC's /23.
* Not bogons: the special-purpose blocks IANA marks globally reachable
  (``NOT_BOGONS``: AS112-v6, AMT, ORCHIDv2, DRIP) although they sit inside
  IANA's 2001::/23.

A prefix is a bogon when it *overlaps* bogon space: when it is inside a bogon
block, equal to one, or covers one (0.0.0.0/0, ::/0, 192.0.0.0/16, ...). A
covering prefix would draw traffic for the bogon too, and nobody legitimately
originates one. A prefix inside a ``NOT_BOGONS`` block (2001:4:112::/48) is
fine; one that covers such a block and bogon space besides (2001:4::/32) is not.

Compared with arouteserver's curated list (``config.d/bogons.yml``): every
prefix it lists is refused here too except AMT's 2001:3::/32 and ORCHIDv2's
2001:20::/28, which IANA marks globally reachable. Besides, this list refuses
192.0.0.0/24, fe00::/9 (which arouteserver's list misses) and the IPv6 space
IANA has not allocated to an RIR. The tests check both relations, and the list
against IANA's registries, at run time.

``is_bogon(network, allowed=())`` takes extra ranges the caller accepts (a lab
that routes the documentation ranges on purpose). Lookups bisect merged
integer ranges, so checking 100,000 prefixes takes well under a second.
"""

from __future__ import annotations

import bisect
import functools
import ipaddress

from ..errors import DataError
from .model import parse_prefix

# (prefix, why) in address order; the first block a prefix overlaps gives the reason.
IPV4_BOGONS = (
    ("0.0.0.0/8", "'this network' (RFC 791), reserved by IANA"),
    ("10.0.0.0/8", "private use (RFC 1918)"),
    ("100.64.0.0/10", "shared address space for carrier-grade NAT (RFC 6598)"),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link local (RFC 3927)"),
    ("172.16.0.0/12", "private use (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.0.2.0/24", "documentation, TEST-NET-1 (RFC 5737)"),
    ("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"),
    ("192.168.0.0/16", "private use (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation, TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", "documentation, TEST-NET-3 (RFC 5737)"),
    ("224.0.0.0/4", "multicast (RFC 5771)"),
    ("240.0.0.0/4", "reserved for future use, with the broadcast address (RFC 1112, RFC 919)"),
)

IPV6_BOGONS = (
    ("::/8", "loopback, unspecified, IPv4-mapped and NAT64 (RFC 4291, RFC 6052)"),
    ("100::/64", "discard only (RFC 6666)"),
    ("2001::/32", "Teredo (RFC 4380)"),
    ("2001:2::/48", "benchmarking (RFC 5180)"),
    ("2001:10::/28", "deprecated ORCHID (RFC 4843)"),
    ("2001::/23", "IETF protocol assignments (RFC 2928)"),
    ("2001:db8::/32", "documentation (RFC 3849)"),
    ("2002::/16", "6to4, deprecated relay anycast (RFC 3056, RFC 7526)"),
    ("3ffe::/16", "6bone, returned (RFC 3701)"),
    ("3fff::/20", "documentation (RFC 9637)"),
    ("fc00::/7", "unique local (RFC 4193)"),
    ("fe80::/10", "link local (RFC 4291)"),
    ("fec0::/10", "deprecated site local (RFC 3879)"),
    ("ff00::/8", "multicast (RFC 4291)"),
)
IPV6_UNALLOCATED = "not allocated by IANA to an RIR (IANA IPv6 global unicast registry)"

# IANA's IPv6 global unicast registry: the blocks allocated to the five RIRs.
IPV6_RIR_ALLOCATIONS = (
    ("2001:200::/23", "APNIC"),
    ("2001:400::/23", "ARIN"),
    ("2001:600::/23", "RIPE NCC"),
    ("2001:800::/22", "RIPE NCC"),
    ("2001:c00::/23", "APNIC"),
    ("2001:e00::/23", "APNIC"),
    ("2001:1200::/23", "LACNIC"),
    ("2001:1400::/22", "RIPE NCC"),
    ("2001:1800::/23", "ARIN"),
    ("2001:1a00::/23", "RIPE NCC"),
    ("2001:1c00::/22", "RIPE NCC"),
    ("2001:2000::/19", "RIPE NCC"),
    ("2001:4000::/23", "RIPE NCC"),
    ("2001:4200::/23", "AFRINIC"),
    ("2001:4400::/23", "APNIC"),
    ("2001:4600::/23", "RIPE NCC"),
    ("2001:4800::/23", "ARIN"),
    ("2001:4a00::/23", "RIPE NCC"),
    ("2001:4c00::/23", "RIPE NCC"),
    ("2001:5000::/20", "RIPE NCC"),
    ("2001:8000::/19", "APNIC"),
    ("2001:a000::/20", "APNIC"),
    ("2001:b000::/20", "APNIC"),
    ("2003::/18", "RIPE NCC"),
    ("2400::/12", "APNIC"),
    ("2600::/12", "ARIN"),
    ("2610::/23", "ARIN"),
    ("2620::/23", "ARIN"),
    ("2630::/12", "ARIN"),
    ("2800::/12", "LACNIC"),
    ("2a00::/12", "RIPE NCC"),
    ("2a10::/12", "RIPE NCC"),
    ("2c00::/12", "AFRINIC"),
)

# Special-purpose blocks IANA marks globally reachable, inside a bogon block. The single
# anycast addresses it marks so (PCP 192.0.0.9 and 2001:1::1, TURN 192.0.0.10 and 2001:1::2)
# stay in bogon space: a /32 or /128 is never accepted from a neighbour anyway.
NOT_BOGONS = (
    ("2001:3::/32", "AMT relay anycast (RFC 7450)"),
    ("2001:4:112::/48", "AS112-v6 (RFC 7535)"),
    ("2001:20::/28", "ORCHIDv2 (RFC 7343)"),
    ("2001:30::/28", "Drone Remote ID entity tags (RFC 9374)"),
)


def _span(network):
    """The first and last address of ``network`` as integers."""
    first = int(network.network_address)
    return first, first | ((1 << (network.max_prefixlen - network.prefixlen)) - 1)


def _merge(spans):
    """Sorted, merged ``(first, last)`` ranges covering ``spans``."""
    merged = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _subtract(spans, holes):
    """``spans`` (merged) without the addresses in ``holes`` (merged)."""
    result = []
    for first, last in spans:
        for hole_first, hole_last in holes:
            if hole_last < first or hole_first > last:
                continue
            if hole_first > first:
                result.append((first, hole_first - 1))
            first = hole_last + 1
            if first > last:
                break
        if first <= last:
            result.append((first, last))
    return result


def _networks(afi, spans):
    make = ipaddress.IPv4Address if afi == 4 else ipaddress.IPv6Address
    return tuple(net for first, last in spans for net in ipaddress.summarize_address_range(make(first), make(last)))


def _family(afi):
    if afi not in (4, 6):
        raise DataError("afi must be 4 or 6, not %r" % (afi,), "bogons", "afi")
    return afi


def _listed(table, afi):
    networks = [ipaddress.ip_network(row[0]) for row in table]
    return [_span(network) for network in networks if network.version == afi]


@functools.cache
def _base(afi):
    """Bogon space of family ``afi`` as merged integer ranges."""
    spans = _listed(IPV4_BOGONS if afi == 4 else IPV6_BOGONS, afi)
    if afi == 6:
        spans += _subtract([(0, 2**128 - 1)], _merge(_listed(IPV6_RIR_ALLOCATIONS, 6)))
    return tuple(_subtract(_merge(spans), _merge(_listed(NOT_BOGONS, afi))))


@functools.lru_cache(maxsize=32)
def _space(afi, allowed):
    spans = _base(afi)
    if allowed:
        spans = tuple(_subtract(list(spans), _merge(_span(net) for net in allowed if net.version == afi)))
    return spans, [span[0] for span in spans]


def _allowed(allowed):
    return frozenset(parse_prefix(net, "allowed ranges", "allowed") for net in allowed or ())


def bogon_space(afi, allowed=()):
    """Bogon space of family ``afi`` (minus ``allowed``) as the fewest CIDR networks, in order."""
    return _networks(_family(afi), _space(afi, _allowed(allowed))[0])


class BogonCheck:
    """``check(network)`` is True for a bogon; built once per family and allowed set."""

    def __init__(self, afi, allowed=()):
        self.afi = _family(afi)
        self.spans, self.starts = _space(afi, _allowed(allowed))

    def __call__(self, network):
        first, last = _span(network)
        i = bisect.bisect_right(self.starts, last) - 1
        return i >= 0 and self.spans[i][1] >= first


def is_bogon(network, allowed=()):
    """True if ``network`` (a network or CIDR text) overlaps bogon space not in ``allowed``."""
    network = parse_prefix(network, "bogon check")
    return BogonCheck(network.version, allowed)(network)


def reason(network, allowed=()):
    """Why ``network`` is a bogon (the first listed block whose bogon part it overlaps), or None."""
    network = parse_prefix(network, "bogon check")
    check = BogonCheck(network.version, allowed)
    if not check(network):
        return None
    for prefix, why in IPV4_BOGONS + IPV6_BOGONS:
        block = ipaddress.ip_network(prefix)
        if block.version != network.version or not block.overlaps(network):
            continue
        inner = max(block, network, key=lambda net: net.prefixlen)
        if check(inner):
            return "%s %s %s: %s" % (network, "is in" if inner == network else "covers", block, why)
    return "%s: %s" % (network, IPV6_UNALLOCATED)
