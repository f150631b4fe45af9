# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitor's plain data.

* ``RouteEvent``: one prefix announced (with its AS path) or withdrawn at one vantage point, at a time
  (``observe.events``, where the feeds make them; here for the monitor's readers).
* ``Watched``: one prefix of ours: the ASes that may originate it and the longest length we announce in it
  (more-specifics up to that length are ours; longer ones are not announced by us).
* ``WatchList``: our prefixes, our ASes, each AS's providers (the ASPA intent: who may sit next to us in a
  path) and other neighbours (peers and customers: seen next to us, no new upstream, but our routes must go no
  further than their customers), whether a prefix of ours is announced at all (space we hold but do not
  announce is watched for squatting), and the monitor's thresholds.
* ``Alert``: what a rule found: the rule, the prefix, the offending path and AS, the vantage points that saw
  it, when it was first and last seen, how often, whether it is still active, our prefix it concerns
  (``watched``) and why the rule holds (``detail``).
* ``AlertChange``: an alert ``raised``, ``updated`` (seen again) or ``cleared``, and when.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ..observe import events

RouteEvent = events.RouteEvent  # the monitor's readers find it here

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
    visibility_threshold: int = 2  # withdrawn at this many vantage points (all of them if fewer saw it) ...
    visibility_share: float = 0.5  # ... and at this share of those that saw it: visibility lost
    neighbors: dict = field(default_factory=dict)  # our AS -> frozenset of its peers and customers (no upstream)


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
    watched: str = ""  # our prefix the alert concerns (the covering one, for a more-specific)
    detail: str = ""  # why the rule holds

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
            "watched": self.watched,
            "detail": self.detail,
        }


RAISED, UPDATED, CLEARED = "raised", "updated", "cleared"
CHANGES = (RAISED, UPDATED, CLEARED)


@dataclass(frozen=True)
class AlertChange:
    """An alert raised, updated (its cause seen again) or cleared (its cause gone everywhere), at ``at``."""

    event: str
    alert: Alert
    at: float
