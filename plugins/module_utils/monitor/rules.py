# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules one announced route in our space shows, each a ``Finding`` (rule, offending AS, our prefix it
concerns, why). ``detect`` keeps the routes and turns findings into alerts; visibility, which needs every
vantage point's routes, is there too.

**Our space, our origins.** The watched prefixes covering a route are given (``space.Space``). An origin is
ours when it is one of our ASes or one the covering prefixes allow; an AS_SET origin is not ours; an empty
path (a route originated inside the vantage point's own AS: a BMP or iBGP feed of ours) is ours. A route is
*expected* when one of the covering prefixes we announce allows its length (``max_length``).

* ``hijack``: an origin not ours, for a prefix we announce; ``asn`` the origin (None for an AS_SET).
* ``subprefix-hijack``: an origin not ours, for a more-specific of a prefix we announce.
* ``squatting``: an origin not ours, inside space we hold and announce no covering prefix of.
* ``new-more-specific``: our origin, a route that is not expected (longer than we announce, or inside space
  we do not announce).
* For a route with our origin (and a path), also the path rules:

  * ``rpki-invalid``: the VRPs say invalid (RFC 6811).
  * ``aspa-invalid``: ASPA verification says invalid, in ``aspa_direction``, ``downstream`` unless told. A
    vantage point is a route collector's peer sending its full table, or a router of ours: it passes on the
    routes it learned from its providers and peers as well as from its customers, as a provider does. The
    downstream procedure is the one that admits every valley-free path, so its invalid is a path that no
    relationship between the vantage point and its neighbour makes valid; the upstream procedure (for routes
    from a customer or a peer) would call invalid every route the neighbour learned from its own provider or
    peer. ``detail`` names the hops whose ASPA ends the up-ramp from our origin and the down-ramp to the
    vantage point.
  * ``new-upstream``: the upstream, the AS next to our ASes at the end of the path (prepending collapsed), is
    none of the providers NetBox gives the AS of ours it touches, nor one of that AS's known peers and
    customers (``WatchList.neighbors``); ``asn`` the upstream. Not judged for an AS of ours whose providers
    NetBox does not describe, for a path of our ASes only, for a path with an AS_SET, nor for an origin that
    is not one of our ASes (one a watched prefix allows).
  * ``route-leak``: the upstream is none of our providers, so our route went sideways or down to it (a peer
    or customer of ours, or an unknown neighbour). Valley-free, every later hop must then go down: each AS a
    provider of the next one towards the vantage point. A hop from AS S to AS R is proved not to go down when
    R's ASPA exists and does not list S, or R has no ASPA and S's ASPA lists R as its provider (the route
    went up again after going down: an up-ramp after the first hop). ``asn`` is S of the first such hop from
    our end, the AS that leaked. Needs the ASPA set; without proof there is no alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import DataError
from ..observe.events import RouteEvent, path_text
from ..rpki.aspa import DIRECTIONS, DOWNSTREAM, INVALID, NOT_PROVIDER_PLUS, authorized, compressed, verify
from ..rpki.rov import INVALID as ROV_INVALID
from ..rpki.rov import RovIndex
from .model import WatchList

HIJACK = "hijack"
SUBPREFIX = "subprefix-hijack"
SQUATTING = "squatting"
RPKI = "rpki-invalid"
ASPA = "aspa-invalid"
VISIBILITY = "visibility-loss"
NEW_UPSTREAM = "new-upstream"
LEAK = "route-leak"
MORE_SPECIFIC = "new-more-specific"


@dataclass(frozen=True)
class Finding:
    """A rule a route shows: the rule, the offending AS (or None), our prefix it concerns and why."""

    rule: str
    asn: int | None
    watched: str
    detail: str


@dataclass(frozen=True)
class Rules:
    """The rules of one watch list, with VRPs and an ASPA set when given."""

    watch: WatchList
    vrps: RovIndex | None = None
    aspas: Mapping | None = None
    aspa_direction: str = DOWNSTREAM

    def __post_init__(self):
        if self.aspa_direction not in DIRECTIONS:
            choices = " nor ".join(DIRECTIONS)
            raise DataError("%r is neither %s" % (self.aspa_direction, choices), "rules", "aspa_direction")

    def route(self, event: RouteEvent, covering: list) -> tuple[list, bool]:
        """(the findings of the announced route ``event``, whether it is an expected route of ours), given the
        watched prefixes ``covering`` it (the widest first, at least one)."""
        origin = event.origin
        announced = [entry for entry in covering if entry.announced]
        if event.path and not self._ours(origin, covering):
            return [_foreign(event, origin, covering, announced)], False
        length = event.prefix.prefixlen
        expected = any(length <= entry.max_length for entry in announced)
        found = [] if expected else [_unexpected(event, origin, covering)]
        if event.path:
            found += self._path_findings(event, origin, covering)
        return found, expected

    def _ours(self, origin, covering):
        if origin is None:
            return False
        return origin in self.watch.own_asns or any(origin in entry.origins for entry in covering)

    def _path_findings(self, event, origin, covering):
        found = []
        if self.vrps is not None and self._rov_invalid(event.prefix, origin):
            why = "VRPs cover %s and none of them lets AS%d originate a /%d" % (
                event.prefix,
                origin,
                event.prefix.prefixlen,
            )
            found.append(Finding(RPKI, origin, watched_text(covering), why))
        if self.aspas is not None and verify(event.path, self.aspas, self.aspa_direction) == INVALID:
            why = aspa_reason(event.path, self.aspas, self.aspa_direction)
            found.append(Finding(ASPA, None, watched_text(covering), why))
        hops = compressed(event.path)
        if hops:
            found += self._neighbour_findings(hops, covering)
        return found

    def _rov_invalid(self, prefix, origin):
        address = int(prefix.network_address)
        return self.vrps.validate(address, prefix.prefixlen, origin, prefix.version) == ROV_INVALID

    def _neighbour_findings(self, hops, covering):
        """new-upstream and route-leak, from the upstream next to our ASes at the end of ``hops``."""
        at = len(hops) - 1
        while at >= 0 and hops[at] in self.watch.own_asns:
            at -= 1
        if at < 0 or at == len(hops) - 1:
            return []  # a path of our ASes only, or an origin that is not one of our ASes
        upstream, ours = hops[at], hops[at + 1]
        providers = self.watch.providers.get(ours)
        if providers is None or upstream in providers:
            return []
        found = []
        if upstream not in self.watch.neighbors.get(ours, ()):
            why = "AS%d is not a provider of AS%d (%s)" % (upstream, ours, as_list(providers) or "none")
            found.append(Finding(NEW_UPSTREAM, upstream, watched_text(covering), why))
        if self.aspas is not None:
            found += leak_findings(hops, at, self.aspas, watched_text(covering))
        return found


def leak_findings(hops: list, at: int, aspas: Mapping, watched: str) -> list:
    """[the route-leak finding] of ``hops`` whose upstream ``hops[at]`` is none of our providers, or []."""
    ours, upstream = hops[at + 1], hops[at]
    for sender_at in range(at, 0, -1):
        why = _not_down(aspas, hops[sender_at], hops[sender_at - 1])
        if why:
            went = "AS%d, not a provider of AS%d, got our route: only its customers may carry it on" % (upstream, ours)
            return [Finding(LEAK, hops[sender_at], watched, "%s; %s" % (went, why))]
    return []


def _not_down(aspas, sender, receiver):
    """Why the hop from ``sender`` to ``receiver`` provably does not go down (provider to customer), or ''."""
    spas = aspas.get(receiver)
    if spas is not None:
        if sender in spas:
            return ""
        return "AS%d passed it to AS%d, whose ASPA does not list AS%d as a provider" % (sender, receiver, sender)
    if receiver in aspas.get(sender, ()):
        return "AS%d passed it to AS%d, its own provider by its ASPA" % (sender, receiver)
    return ""


def aspa_reason(path: tuple, aspas: Mapping, direction: str = DOWNSTREAM) -> str:
    """Why ``path`` is ASPA-invalid: an AS_SET, or the hops (a customer's ASPA without the next AS) that end the
    up-ramp from the origin and, downstream, the down-ramp to the vantage point."""
    hops = compressed(path)
    if hops is None:
        return "the path holds an AS_SET"
    ups = ((hops[k], hops[k - 1]) for k in range(len(hops) - 1, 0, -1))
    reasons = ["up from the origin, " + _first_break(aspas, ups)]
    if direction == DOWNSTREAM:
        downs = ((hops[m], hops[m + 1]) for m in range(len(hops) - 1))
        reasons.append("down to the vantage point, " + _first_break(aspas, downs))
    return "; ".join(reasons)


def _first_break(aspas, hops):
    for customer, provider in hops:
        if authorized(aspas, customer, provider) == NOT_PROVIDER_PLUS:
            return "AS%d's ASPA does not list AS%d" % (customer, provider)
    return "no ASPA breaks it"


def _foreign(event, origin, covering, announced):
    """The hijack, sub-prefix hijack or squatting finding of a route whose origin is not ours."""
    by = "AS%d" % origin if origin is not None else "an AS_SET (%s)" % path_text(event.path[-1:])
    if announced:
        ours = announced[-1]
        rule = HIJACK if ours.prefix == event.prefix else SUBPREFIX
        why = "originated by %s; %s is ours, originated by %s" % (by, ours.prefix, as_list(ours.origins) or "us")
        return Finding(rule, origin, str(ours.prefix), why)
    held = covering[-1]
    why = "originated by %s, inside %s, which we hold and do not announce" % (by, held.prefix)
    return Finding(SQUATTING, origin, str(held.prefix), why)


def _unexpected(event, origin, covering):
    """The new-more-specific finding of a route of ours that we do not announce."""
    narrowest = covering[-1]
    by = "AS%d" % origin if origin is not None else "our AS"
    if narrowest.announced:
        length, limit = event.prefix.prefixlen, narrowest.max_length
        why = "%s announces a /%d inside %s, which we announce up to /%d" % (by, length, narrowest.prefix, limit)
    else:
        why = "%s announces it inside %s, which we hold and do not announce" % (by, narrowest.prefix)
    return Finding(MORE_SPECIFIC, origin, str(narrowest.prefix), why)


def watched_text(covering: list) -> str:
    """Our prefix a route concerns: the narrowest announced one covering it, else the narrowest held one."""
    announced = [entry for entry in covering if entry.announced]
    return str((announced or covering)[-1].prefix)


def as_list(asns) -> str:
    return ", ".join("AS%d" % asn for asn in sorted(asns))
