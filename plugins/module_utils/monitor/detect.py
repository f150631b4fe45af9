# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The detector: route events in, alert changes out.

A ``Detector`` holds a watch list, optionally VRPs (``rpki.rov.RovIndex``) and an ASPA set (``rpki.aspa``:
customer AS -> providers), and, for every vantage point, the current path of each route in our space (a prefix
one of our watched prefixes contains or equals; routes outside it cost a look-up in ``space.Space`` and leave
nothing behind). ``observe(event)`` returns the changes the event makes: an ``AlertChange`` per alert raised,
updated (its cause seen again) or cleared. The rules a route shows are ``rules.Rules``'s; visibility is here:

* ``visibility-loss``: for an expected route of ours (see ``rules``), the vantage points that *had* it
  (announced with our origin) and, of those, the ones where it is now *gone* (withdrawn; one that has another
  origin's route instead is hijacked, not gone). The visibility is lost when gone >= min(threshold, had) and
  gone >= share * had (``WatchList.visibility_threshold`` and ``visibility_share``): a count, so that one
  flapping peer among hundreds raises nothing; a share, so that the loss is a real part of those that saw the
  route; the count capped at ``had``, so that a feed of a single vantage point still raises it. The alert's
  ``path`` is the path last withdrawn, its vantage points those where the route is gone. A vantage point
  whose session goes down withdraws its routes (the feeds send those withdrawals): its loss counts like any.

**Alerts** are keyed (rule, prefix, asn). An alert is raised by the first route showing its cause; every
further route showing it updates it (``count``, ``last_seen``, ``path``, ``detail``; ``vantages`` gathers
every vantage point that showed it while active); a route that stops showing it (withdrawn, or a path that
shows it no more) leaves it, and it clears when no vantage point shows it any more. A visibility loss is
raised or updated by a withdrawal that leaves the loss standing, and clears when the loss no longer stands.

**A new watch list** (``rewatched``): a detector of the new list, VRPs and ASPAs that takes over this one's
routes, judged again (a route outside the new space is dropped), and its vantage points' reach of each prefix
(the visibility losses of prefixes still watched stay raised); the changes are those the routes show under the
new list (raised for a new cause, updated for one shown again), and cleared for every alert of this detector
the new one does not hold. Routes outside the old space were not held: a prefix newly watched is judged from
the next route the feeds send of it.

Per event the work is the look-up in our space; for a route in it, a few dict and set operations per rule.
The vantage points that had and lost a route are bits of one int each (a vantage point is given a bit when
first seen), so a full table held from one vantage point costs a few hundred bytes a route.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..observe.events import RouteEvent, path_text
from ..rpki.aspa import DOWNSTREAM
from ..rpki.rov import RovIndex
from .model import CLEARED, RAISED, UPDATED, Alert, AlertChange, WatchList
from .rules import VISIBILITY, Finding, Rules, watched_text
from .space import Space


class Detector:
    """See the module's description."""

    def __init__(
        self,
        watch: WatchList,
        vrps: RovIndex | None = None,
        aspas: Mapping | None = None,
        aspa_direction: str = DOWNSTREAM,
    ):
        self.rules = Rules(watch, vrps, aspas, aspa_direction)
        self._space = Space(watch.prefixes)
        self._routes: dict[str, dict[int, tuple]] = {}  # vantage -> prefix key -> path
        self._flagged: dict[tuple, tuple] = {}  # (vantage, prefix key) -> the alert keys its route shows
        self._alerts = _Alerts()
        self._reach = _Reach(watch.visibility_threshold, watch.visibility_share)

    def observe(self, event: RouteEvent) -> list[AlertChange]:
        """The alert changes ``event`` makes (none for a route outside our space)."""
        covering = self._space.covering(event.prefix)
        if not covering:
            return []
        key = prefix_key(event.prefix)
        routes = self._routes.setdefault(event.vantage, {})
        if event.path is None:
            old_path, findings, expected = routes.pop(key, None), (), False
        else:
            old_path, routes[key] = routes.get(key), event.path
            findings, expected = self.rules.route(event, covering)
        changes = []
        self._follow(event, key, findings, changes)
        verdict = self._reach.follow(event, key, expected, old_path)
        if verdict is not None:
            self._report_reach(event, covering, verdict, changes)
        return changes

    def rewatched(
        self, watch: WatchList, vrps: RovIndex | None = None, aspas: Mapping | None = None, at: float = 0.0
    ) -> tuple[Detector, list[AlertChange]]:
        """A detector of ``watch`` holding this one's routes and reach, and the changes it makes (see the
        module's description); ``at``: the time of the changes."""
        fresh = Detector(watch, vrps, aspas, self.rules.aspa_direction)
        fresh._reach = self._reach.rewatched(watch)
        fresh._alerts.adopt(
            self._alerts, lambda key: key[0] == VISIBILITY and fresh._space.covering(ipaddress.ip_network(key[1]))
        )
        changes = []
        for vantage, routes in self._routes.items():
            for key, path in routes.items():
                changes += fresh.observe(RouteEvent(at, vantage, prefix_of_key(key), path))
        held = {alert.key for alert in fresh.active()}
        for alert in self.active():
            if alert.key not in held:
                alert.active = False
                changes.append(AlertChange(CLEARED, alert, at))
        return fresh, changes

    def active(self) -> list[Alert]:
        """The active alerts, as last shown."""
        return self._alerts.active()

    def routes_held(self) -> int:
        """How many routes (vantage point, prefix in our space) are held."""
        return sum(len(routes) for routes in self._routes.values())

    def _follow(self, event, key, findings, changes):
        """The alerts of the route of ``event``: those it showed and shows no more left, those it shows shown."""
        flag = (event.vantage, key)
        old = self._flagged.pop(flag, ())
        if not old and not findings:
            return
        prefix = str(event.prefix)
        now = tuple((finding.rule, prefix, finding.asn) for finding in findings)
        for alert_key in old:
            if alert_key not in now:
                self._alerts.leave(alert_key, event.vantage, event.time, changes)
        if now:
            self._flagged[flag] = now
            path = path_text(event.path)
            for alert_key, finding in zip(now, findings):
                self._alerts.show(alert_key, finding, path, {event.vantage}, event.time, changes)

    def _report_reach(self, event, covering, verdict, changes):
        lost, gone, had, vantages, path = verdict
        key = (VISIBILITY, str(event.prefix), None)
        if not lost:
            self._alerts.close(key, event.time, changes)
            return
        why = "withdrawn at %d of the %d vantage points that had it" % (gone, had)
        finding = Finding(VISIBILITY, None, watched_text(covering), why)
        self._alerts.show(key, finding, path, set(vantages), event.time, changes)


def prefix_key(prefix) -> int:
    """One int for a prefix of either family: its address, its length and its family packed together."""
    return (int(prefix.network_address) << 8 | prefix.prefixlen) << 1 | (prefix.version == 6)


def prefix_of_key(key: int) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """The prefix ``prefix_key`` packed into ``key``."""
    version, rest = (6 if key & 1 else 4), key >> 1
    length, address = rest & 0xFF, rest >> 8
    return ipaddress.ip_network(
        (ipaddress.ip_address(address) if version == 4 else ipaddress.IPv6Address(address), length)
    )


@dataclass
class _Episode:
    """An active alert: as last shown, the vantage points that show its cause now, and all that showed it."""

    alert: Alert
    current: set = field(default_factory=set)
    seen: set = field(default_factory=set)


class _Alerts:
    """The active alerts by key, and the changes made to them."""

    def __init__(self):
        self._open: dict[tuple, _Episode] = {}

    def show(self, key, finding, path, vantages, at, changes):
        """The cause of alert ``key`` shown at ``vantages``: raised, or updated."""
        episode = self._open.get(key)
        if episode is None:
            rule, prefix, asn = key
            alert = Alert(rule, prefix, asn, path, [], at, at, count=0, watched=finding.watched)
            episode = self._open[key] = _Episode(alert)
        alert = episode.alert
        alert.path, alert.detail, alert.last_seen, alert.count = path, finding.detail, at, alert.count + 1
        episode.current |= vantages
        episode.seen |= vantages
        changes.append(AlertChange(RAISED if alert.count == 1 else UPDATED, _snapshot(episode), at))

    def leave(self, key, vantage, at, changes):
        """``vantage`` shows the cause of alert ``key`` no more: cleared when no vantage point does."""
        episode = self._open[key]
        episode.current.discard(vantage)
        if not episode.current:
            self.close(key, at, changes)

    def close(self, key, at, changes):
        episode = self._open.pop(key)
        alert = _snapshot(episode)
        alert.active = False
        changes.append(AlertChange(CLEARED, alert, at))

    def active(self):
        return [_snapshot(episode) for episode in self._open.values()]

    def adopt(self, other: _Alerts, wanted: Callable[[tuple], object]) -> None:
        """Take over the active alerts of ``other`` whose key is ``wanted``."""
        self._open.update({key: episode for key, episode in other._open.items() if wanted(key)})


def _snapshot(episode):
    alert = copy.copy(episode.alert)
    alert.vantages = sorted(episode.seen)
    return alert


class _Reach:
    """Per expected prefix of ours (by key): the vantage points that had it and those that lost it, as bits."""

    def __init__(self, threshold: int, share: float):
        self.threshold = threshold
        self.share = share
        self._bits: dict[str, int] = {}  # vantage point -> its bit
        self._names: list[str] = []  # bit number -> vantage point
        self._had: dict[int, int] = {}  # prefix key -> the vantage points that had it
        self._gone: dict[int, int] = {}  # prefix key -> those of them that lost it (only when some did)
        self._withdrawn: dict[int, str] = {}  # prefix key -> the path last withdrawn (while some lost it)
        self._lost: set[int] = set()  # prefix keys whose loss is alerted

    def follow(self, event: RouteEvent, key: int, expected: bool, old_path: tuple | None) -> tuple | None:
        """After ``event``, None when nothing changes for its prefix's visibility, else (lost, how many lost
        it, how many had it, those that lost it, the path last withdrawn): to raise or update when lost (the
        event a withdrawal, or the loss not yet alerted), to clear when not."""
        bit = self._bit(event.vantage)
        had = self._had.get(key, 0)
        gone = self._gone.get(key, 0)
        if expected:
            self._had[key] = had = had | bit
            gone &= ~bit
        elif not had & bit:
            return None
        elif event.path is None:
            gone |= bit
            if old_path is not None:
                self._withdrawn[key] = path_text(old_path)
        else:
            gone &= ~bit
        self._keep(key, gone)
        return self._verdict(key, bit, had, gone)

    def rewatched(self, watch: WatchList) -> _Reach:
        """This reach under ``watch``'s thresholds."""
        copied = copy.copy(self)
        copied.threshold, copied.share = watch.visibility_threshold, watch.visibility_share
        return copied

    def _verdict(self, key, bit, had, gone):
        count, seen = gone.bit_count(), had.bit_count()
        lost = count > 0 and count >= min(self.threshold, seen) and count >= self.share * seen
        alerted = key in self._lost
        if lost and (gone & bit or not alerted):
            self._lost.add(key)
            return True, count, seen, self._vantages(gone), self._withdrawn.get(key, "")
        if not lost and alerted:
            self._lost.discard(key)
            return False, count, seen, [], ""
        return None

    def _keep(self, key, gone):
        if gone:
            self._gone[key] = gone
        else:
            self._gone.pop(key, None)
            self._withdrawn.pop(key, None)

    def _bit(self, vantage):
        bit = self._bits.get(vantage)
        if bit is None:
            bit = self._bits[vantage] = 1 << len(self._names)
            self._names.append(vantage)
        return bit

    def _vantages(self, mask):
        return [name for number, name in enumerate(self._names) if mask >> number & 1]
