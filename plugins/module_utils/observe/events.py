# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route events: what every feed (MRT files, BMP, BGP sessions through ExaBGP) produces and the monitor reads.

A ``RouteEvent`` is one prefix announced (with its AS path) or withdrawn at one vantage point, at a time. A
vantage point is where a route is seen: a route collector's peer, a router sending BMP, a BGP session; its
``vantage`` text names the feed and the peer (``ris rrc00 195.66.224.175``, ``bmp r1 198.18.0.10``,
``bgp transit 198.18.0.1``). ``path`` is None for a withdrawal; else a tuple, neighbour first, origin last, an
AS_SET a frozenset, confederation segments left out. ``path_text`` writes a path as routers show it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RouteEvent:
    time: float
    vantage: str
    prefix: ipaddress.IPv4Network | ipaddress.IPv6Network
    path: tuple | None  # None: withdrawn

    @property
    def withdrawn(self) -> bool:
        return self.path is None

    @property
    def origin(self) -> int | None:
        """The origin AS, None for a withdrawal, an empty path or one ending in an AS_SET."""
        if not self.path or not isinstance(self.path[-1], int):
            return None
        return self.path[-1]


def path_text(path: tuple | None) -> str:
    """``path`` as routers write it: ``3356 1299 64500``, an AS_SET as ``{64500,64501}``; empty for None."""
    return " ".join(_element_text(element) for element in path or ())


def _element_text(element) -> str:
    if isinstance(element, int):
        return str(element)
    return "{%s}" % ",".join(str(asn) for asn in sorted(element))
