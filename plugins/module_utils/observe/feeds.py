# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the live feeds (``bmp``: routers over BMP, ``exabgp``: BGP sessions through ExaBGP) share.

* ``FeedStatus``: what a feed reports beside its route events: a router or speaker connected or gone, a peer
  (a vantage point) up or down, a message refused. ``feed`` names the feed (``bmp r1``, ``bgp transit``),
  ``vantage`` the vantage point it is about, if one.
* ``RouteTable``: the prefixes each vantage point announces now, so that a vantage point that goes down (BMP
  Peer Down, a BGP session down) withdraws every one of them: the feeds emit those withdrawals as route
  events, and the detector needs to know nothing of peers. With their paths (``keep_paths``), it tells which
  events change nothing (the same path announced again, a prefix not held withdrawn), which BMP does not pass
  on: a route a router sends twice (Route Monitoring and Route Mirroring, a table sent anew) is one event.
  A feed that follows a source again after losing it can mark what it held ``stale`` (``mark_stale``): a
  route the source sends again is no longer stale, and ``withdraw_stale`` withdraws those it did not send
  again once it has sent them all (BMP: the peer's End-of-RIB).
* ``merge_as4_path``: an AS path learned over a 2-octet session, rebuilt from AS_PATH and AS4_PATH as RFC 6793
  section 4.2.3 says.

A feed that is lost (a BMP connection closed, ExaBGP gone) is not a route that is lost: it withdraws nothing,
and its ``disconnected`` status names the vantage points whose routes are no longer followed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..fastnet import network_builder
from .events import RouteEvent

AS_TRANS = 23456
PATHS_AT_LEAST = 4096  # the table of shared paths is made anew from the routes no sooner than at this size

STATES = (
    "connected",  # a router's BMP connection, an ExaBGP speaker's session came up (TCP)
    "disconnected",  # that connection or speaker is gone: the vantage points in ``detail`` are not followed
    "peer-up",  # a vantage point is up: its routes follow
    "peer-down",  # a vantage point is down: its routes were withdrawn
    "error",  # a message was refused (``detail`` says what is wrong); the feed goes on or reconnects
)


@dataclass(frozen=True)
class FeedStatus:
    time: float
    feed: str
    state: str
    vantage: str | None = None
    detail: str = ""

    def __post_init__(self):
        if self.state not in STATES:
            raise ValueError("unknown feed state %r" % self.state)


EventSink = Callable[[RouteEvent], None]
StatusSink = Callable[[FeedStatus], None]


class RouteTable:
    """The prefixes each vantage point announces, as the route events say (with their paths, ``keep_paths``);
    of those, the stale ones (held from before the feed lost its source, not announced since). A prefix is
    kept as one integer (``prefix_key``), a path as one tuple however many routes carry it: a full table of a
    million routes is a dictionary of a million integers."""

    def __init__(self, keep_paths: bool = False):
        self.keep_paths = keep_paths
        self._held: dict[str, dict] = {}  # vantage -> {prefix key: its path, or None where paths are not kept}
        self._stale: dict[str, set] = {}  # vantage -> prefix keys
        self._paths: dict = {}  # path -> the one tuple of it the table holds
        self._paths_limit = PATHS_AT_LEAST

    def record(self, event: RouteEvent) -> bool:
        """Note ``event``; whether it changes what its vantage point announces: a withdrawal of a prefix not
        held does not, nor, where paths are kept, an announcement of the path the prefix has."""
        key = prefix_key(event.prefix)
        held = self._held.setdefault(event.vantage, {})
        stale = self._stale.get(event.vantage)
        if stale:
            stale.discard(key)
        if event.withdrawn:
            return held.pop(key, False) is not False
        if not self.keep_paths:
            held[key] = None
            return True
        if key in held and held[key] == event.path:
            return False
        held[key] = self._shared(event.path)
        return True

    def _shared(self, path: tuple) -> tuple:
        """The table's one tuple of ``path``. The paths no route holds any more are let go whenever the table
        of them has doubled since it was last made anew."""
        shared = self._paths.get(path)
        if shared is None:
            if len(self._paths) >= self._paths_limit:
                self._paths = {p: p for held in self._held.values() for p in held.values()}
                self._paths_limit = max(PATHS_AT_LEAST, 2 * len(self._paths))
            shared = self._paths[path] = path
        return shared

    def vantages(self) -> list[str]:
        return sorted(self._held)

    def held(self, vantage: str) -> bool:
        return bool(self._held.get(vantage))

    def forget(self, vantage: str) -> None:
        """No longer follow ``vantage`` (its feed is gone): nothing is withdrawn."""
        self._held.pop(vantage, None)
        self._stale.pop(vantage, None)

    def mark_stale(self) -> int:
        """Every prefix held becomes stale (the source is followed again and sends its routes anew); how many."""
        self._stale = {vantage: set(held) for vantage, held in self._held.items() if held}
        return sum(len(stale) for stale in self._stale.values())

    def stale(self, vantage: str) -> list:
        return _networks(self._stale.get(vantage, ()))

    def has_stale(self, vantage: str) -> bool:
        return bool(self._stale.get(vantage))

    def withdraw_stale(self, vantage: str, version: int, time: float) -> list[RouteEvent]:
        """A withdrawal of each stale prefix of IP ``version`` of ``vantage`` (it was not announced again), in
        prefix order; those prefixes are no longer held."""
        stale = self._stale.get(vantage, set())
        gone = [key for key in stale if (key & 1) == (version == 6)]
        stale.difference_update(gone)
        held = self._held.get(vantage, {})
        for key in gone:
            held.pop(key, None)
        return [RouteEvent(time, vantage, prefix, None) for prefix in _networks(gone)]

    def withdraw_all(self, vantage: str, time: float) -> list[RouteEvent]:
        """A withdrawal of every prefix ``vantage`` announces, in prefix order; the vantage point is forgotten."""
        held = self._held.pop(vantage, {})
        self._stale.pop(vantage, None)
        return [RouteEvent(time, vantage, prefix, None) for prefix in _networks(held)]


def prefix_key(prefix) -> int:
    """``prefix`` (an IPv4Network or IPv6Network) as one integer: its address, length and version."""
    return (int(prefix.network_address) << 9) | (prefix.prefixlen << 1) | (prefix.version == 6)


def _networks(keys) -> list:
    """The networks of prefix ``keys``, IPv4 first, each family in address then length order."""
    ordered = sorted(keys, key=lambda key: (key & 1, key >> 9, key >> 1 & 0xFF))
    return [_BUILD[key & 1]((key >> 9).to_bytes(_SIZE[key & 1], "big"), key >> 1 & 0xFF) for key in ordered]


_BUILD = (network_builder(4), network_builder(6))
_SIZE = (4, 16)


def merge_as4_path(as_path: tuple, as4_path: tuple | None) -> tuple:
    """``as_path`` (2-octet ASes, AS_TRANS where a 4-octet AS stood) with ``as4_path``'s ASes in place of its
    trailing ones: the leading ASes of AS_PATH that AS4_PATH lacks, then AS4_PATH. AS4_PATH is ignored when
    there is none, when AS_PATH holds no AS_TRANS, or when it is the longer of the two (RFC 6793 4.2.3). An
    AS_SET counts as one AS; both paths are flat tuples (an AS_SET a frozenset, no confederation segment)."""
    if not as4_path or len(as4_path) > len(as_path) or AS_TRANS not in _members(as_path):
        return as_path
    return as_path[: len(as_path) - len(as4_path)] + as4_path


def _members(path: tuple) -> set:
    return {asn for element in path for asn in (element if isinstance(element, frozenset) else (element,))}
