# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitor's plain data.

* ``RouteEvent``: one prefix announced (with its AS path) or withdrawn at one vantage point, at a time.
  A vantage point is where a route is seen: a route collector's peer, a router sending BMP, a BGP session; its
  ``vantage`` text names the feed and the peer (``ris rrc00 195.66.224.175``, ``bmp r1 198.18.0.10``,
  ``bgp transit 198.18.0.1``). ``path`` is None for a withdrawal; else a tuple, neighbour first, origin last,
  an AS_SET a frozenset.
* ``Watched``: one prefix of ours: the ASes that may originate it and the longest length we announce in it
  (more-specifics up to that length are ours; longer ones are not announced by us).
* ``WatchList``: our prefixes, our ASes, each AS's providers (the ASPA intent: who may sit next to us in a
  path), whether a prefix of ours is announced at all (space we hold but do not announce is watched for
  squatting), and the monitor's thresholds.
* ``Alert``: what a rule found: the rule, the prefix, the offending path and AS, the vantage points that see
  it, when it was first and last seen, how often, and whether it is still active.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

RULES = (
    "hijack",  # our exact prefix from an origin that is not ours
    "subprefix-hijack",  # a more-specific of ours from an origin that is not ours
    "squatting",  # space we hold but do not announce, announced by someone
    "rpki-invalid",  # our route, RPKI-invalid against the VRPs
    "aspa-invalid",  # our route, ASPA-invalid against the ASPAs
    "visibility-loss",  # our prefix withdrawn at N of M vantage points
    "new-upstream",  # the AS before ours is not one of our providers
    "route-leak",  # our route passed from a peer or customer to a provider
    "new-more-specific",  # a more-specific of ours, from our origin, that we do not announce
)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Watched:
    prefix: ipaddress.IPv4Network | ipaddress.IPv6Network
    origins: frozenset  # ASes that may originate it
    max_length: int  # longest prefix we announce within it
    announced: bool = True  # False: held, not announced (squatting is watched)


@dataclass(frozen=True)
class WatchList:
    prefixes: tuple  # of Watched
    own_asns: frozenset
    providers: dict = field(default_factory=dict)  # our AS -> frozenset of provider ASes
    visibility_threshold: int = 2  # withdrawn at this many vantage points ...
    visibility_share: float = 0.5  # ... or at this share of those that saw it: visibility lost


@dataclass
class Alert:
    rule: str
    prefix: str
    asn: int | None  # the offending AS (the foreign origin, the unknown upstream, the leaker), if any
    path: str  # the path as routers write it
    vantages: list
    first_seen: float
    last_seen: float
    count: int = 1
    active: bool = True

    @property
    def key(self) -> tuple:
        """Repeats of one alert share its key: grouped, not raised again."""
        return (self.rule, self.prefix, self.asn)

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "prefix": self.prefix,
            "asn": self.asn,
            "path": self.path,
            "vantages": list(self.vantages),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "count": self.count,
            "active": self.active,
        }
