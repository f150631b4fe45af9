# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our address space: which watched prefixes cover a route's prefix, fast.

The watched prefixes of each family are grouped by length, each group a dict keyed by the network address
shifted right to that length. The prefixes that cover a route are those of a length not longer than the
route's whose key is the route's address shifted the same way: one dict look-up per length in use (a handful
for a network's own space), widest first. A route outside our space, most of what a full feed carries, costs
those look-ups and nothing else.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from .model import Watched

_WIDTH = {4: 32, 6: 128}


class Space:
    """The ``Watched`` prefixes of a watch list, indexed for ``covering``."""

    def __init__(self, watched: Iterable[Watched]):
        tables = {4: {}, 6: {}}  # family -> {length: {address >> (width - length): Watched}}
        for entry in watched:
            network = entry.prefix
            shift = _WIDTH[network.version] - network.prefixlen
            tables[network.version].setdefault(network.prefixlen, {})[int(network.network_address) >> shift] = entry
        self._levels = {
            family: tuple((length, _WIDTH[family] - length, by_length[length]) for length in sorted(by_length))
            for family, by_length in tables.items()
        }

    def covering(self, prefix: ipaddress.IPv4Network | ipaddress.IPv6Network) -> list:
        """The watched prefixes that contain ``prefix`` (or equal it), the widest first."""
        address, length = int(prefix.network_address), prefix.prefixlen
        found = []
        for level, shift, table in self._levels[prefix.version]:
            if level > length:
                break
            entry = table.get(address >> shift)
            if entry is not None:
                found.append(entry)
        return found
