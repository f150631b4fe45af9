# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route origin validation (RFC 6811) of routes against a set of VRPs, fast.

A route is *valid* if a VRP covers it (the VRP's prefix contains the route's)
with the route's origin AS and a max length at least the route's length;
*invalid* if VRPs cover it but none matches; *not-found* if none covers it.
A VRP with AS 0 covers but never matches (RFC 7607). A route whose origin is an
AS_SET has no single origin (pass ``None``): valid is impossible.

The index is a prefix trie flattened into address intervals. VRP prefixes are
nested or disjoint, so their boundaries cut the address space into intervals in
each of which the same prefixes apply: the chain of prefixes from the widest to
the narrowest, each with its (length, AS, max length) entries. Every prefix that
covers a route contains the route's first address, so validating a route is one
binary search (``bisect``, in C) for that address and a walk along a short
chain, stopping at the first prefix longer than the route.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_right

NOT_FOUND, VALID, INVALID = "not-found", "valid", "invalid"
STATES = (VALID, INVALID, NOT_FOUND)
_WIDTH = {4: 32, 6: 128}


class RovIndex:
    """The VRPs of ``vrps`` (``Vrp`` objects), indexed for ``validate``."""

    def __init__(self, vrps):
        by_family = {4: {}, 6: {}}
        count = 0
        for vrp in vrps:
            network = vrp.prefix
            key = (int(network.network_address), network.prefixlen)
            by_family[network.version].setdefault(key, set()).add((network.prefixlen, vrp.asn, vrp.max_length))
            count += 1
        self.vrps = count
        self._index = {family: _flatten(prefixes, _WIDTH[family]) for family, prefixes in by_family.items()}

    def validate(self, address, length, origin, family=4):
        """The state of the route ``address``/``length`` (address as an int) originated by ``origin``."""
        return self.validate_many(((address, length, origin),), family)[0]

    def validate_network(self, network, origin):
        """``validate`` for an ``ipaddress`` network (or its text)."""
        network = ipaddress.ip_network(network)
        return self.validate(int(network.network_address), network.prefixlen, origin, network.version)

    def validate_many(self, routes, family=4):
        """States of ``routes``, an iterable of (address int, length, origin AS or None), in order."""
        starts, chains = self._index[family]
        states = []
        append = states.append
        for address, length, origin in routes:
            chain = chains[bisect_right(starts, address) - 1]
            if not chain or chain[0][0] > length:
                append(NOT_FOUND)
                continue
            state = INVALID
            origin = origin or -1  # AS 0 or an AS_SET: no VRP can match it
            for vrp_length, asn, max_length in chain:
                if vrp_length > length:
                    break
                if asn == origin and length <= max_length:
                    state = VALID
                    break
            append(state)
        return states


def _flatten(prefixes, width):
    """(interval starts, chains): chains[i] holds the entries of every prefix containing starts[i]..

    ``prefixes``: {(start, length): {(length, asn, max_length), ...}}. Each chain is a
    tuple of entries ordered from the widest prefix to the narrowest.
    """
    ordered = sorted(prefixes)
    points = {0}
    for start, length in ordered:
        points.add(start)
        end = start + (1 << (width - length))
        if end < (1 << width):
            points.add(end)
    starts, chains = [], []
    stack = []  # (end, entries of one prefix), the widest first
    position = 0
    for point in sorted(points):
        while stack and stack[-1][0] <= point:
            stack.pop()
        while position < len(ordered) and ordered[position][0] == point:
            start, length = ordered[position]
            stack.append((start + (1 << (width - length)), tuple(sorted(prefixes[ordered[position]]))))
            position += 1
        starts.append(point)
        chains.append(tuple(entry for _end, entries in stack for entry in entries))
    return starts, chains
