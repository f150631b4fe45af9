# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the monitor counts: the current alerts, alerts raised per rule, route events and state per feed, and
its outputs' status; as a ``Snapshot`` (for the status page) and as Prometheus metrics (prometheus_client,
a registry of the monitor's own, read at each scrape):

* ``routesec_monitor_alerts_active{rule}``: alerts active now (every rule listed, 0 included);
* ``routesec_monitor_alerts_raised_total{rule}``: alerts raised since the start;
* ``routesec_monitor_route_events_total{feed}``: route events read from each feed;
* ``routesec_monitor_feed_up{feed}``: 1 while the feed is up, 0 when it is down;
* ``routesec_monitor_output_backlog{output}``: changes waiting to be delivered;
* ``routesec_monitor_output_failures_total{output}``, ``..._delivered_total``, ``..._rejected_total``.

``MonitorMetrics.alert_changed`` is a ``Notifier`` listener; the feeds report ``route_events``, ``feed_up``
and ``feed_down``. Every method is safe to call from any thread.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..errors import DataError
from .model import CLEARED, RAISED, RULES, Alert
from .notify import Notification, OutputStatus

try:
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
    from prometheus_client.exposition import choose_encoder
except ImportError:  # the monitor runs without metrics; MonitorMetrics says what is missing
    CollectorRegistry = None

PREFIX = "routesec_monitor_"


@dataclass(frozen=True)
class FeedState:
    name: str
    up: bool
    events: int  # route events read
    since: float  # when it last went up or down
    reason: str  # why it is down


@dataclass(frozen=True)
class Snapshot:
    """The monitor at one moment: active alerts (most recent first), feeds, outputs, alerts raised per rule."""

    taken: float
    alerts: list[Alert]
    feeds: list[FeedState]
    outputs: list[OutputStatus]
    raised: dict


class MonitorMetrics:
    """The monitor's counts; ``outputs`` returns the outputs' status (``Notifier.statuses``)."""

    def __init__(self, outputs: Callable[[], list[OutputStatus]] = list):
        if CollectorRegistry is None:
            raise DataError("the Python library prometheus_client is required for the metrics", "monitor", "metrics")
        self._outputs = outputs
        self._lock = threading.Lock()
        self._alerts: dict[tuple, Alert] = {}
        self._raised: Counter = Counter()
        self._feeds: dict[str, FeedState] = {}
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_Collector(self))

    def alert_changed(self, change: Notification) -> None:
        alert = change.alert
        with self._lock:
            if change.event == RAISED:
                self._raised[alert.rule] += 1
            if change.event == CLEARED:
                self._alerts.pop(alert.key, None)
            else:
                self._alerts[alert.key] = alert

    def route_events(self, feed: str, count: int = 1) -> None:
        """``count`` route events read from ``feed`` (a feed not reported down yet counts as up)."""
        with self._lock:
            state = self._feeds.get(feed) or FeedState(feed, True, 0, time.time(), "")
            self._feeds[feed] = replace(state, events=state.events + count)

    def feed_up(self, feed: str) -> None:
        self._set_feed(feed, True, "")

    def feed_down(self, feed: str, reason: str) -> None:
        self._set_feed(feed, False, reason)

    def _set_feed(self, feed: str, up: bool, reason: str) -> None:
        with self._lock:
            state = self._feeds.get(feed) or FeedState(feed, up, 0, time.time(), reason)
            since = state.since if state.up == up else time.time()
            self._feeds[feed] = replace(state, up=up, since=since, reason=reason)

    def snapshot(self) -> Snapshot:
        outputs = self._outputs()
        with self._lock:
            alerts = sorted(self._alerts.values(), key=lambda a: (-a.last_seen, a.rule, a.prefix))
            feeds = sorted(self._feeds.values(), key=lambda f: f.name)
            raised = dict(self._raised)
        return Snapshot(time.time(), alerts, feeds, outputs, raised)

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The metrics in the format ``accept`` (an HTTP Accept header) asks for: (body, content type)."""
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type


class _Collector:
    """Reads a snapshot at each scrape: one source for the page and the metrics, nothing counted twice."""

    def __init__(self, metrics: MonitorMetrics):
        self._metrics = metrics

    def collect(self):
        snapshot = self._metrics.snapshot()
        active = Counter(alert.rule for alert in snapshot.alerts)
        yield _family(GaugeMetricFamily, "alerts_active", "Alerts active now", "rule", {r: active[r] for r in RULES})
        raised = {rule: snapshot.raised.get(rule, 0) for rule in RULES}
        yield _family(CounterMetricFamily, "alerts_raised", "Alerts raised since the start", "rule", raised)
        events = {feed.name: feed.events for feed in snapshot.feeds}
        yield _family(CounterMetricFamily, "route_events", "Route events read from a feed", "feed", events)
        up = {feed.name: int(feed.up) for feed in snapshot.feeds}
        yield _family(GaugeMetricFamily, "feed_up", "1 while the feed is up, 0 while it is down", "feed", up)
        yield from _output_families(snapshot.outputs)


def _output_families(outputs: list[OutputStatus]):
    backlog = {o.name: o.backlog for o in outputs}
    yield _family(GaugeMetricFamily, "output_backlog", "Changes waiting to be delivered", "output", backlog)
    for field, text in (
        ("failures", "Failed tries to deliver"),
        ("delivered", "Changes delivered"),
        ("rejected", "Changes the receiver refused, set aside"),
    ):
        values = {o.name: getattr(o, field) for o in outputs}
        yield _family(CounterMetricFamily, "output_" + field, text, "output", values)


def _family(kind, name: str, text: str, label: str, values: dict):
    family = kind(PREFIX + name, text, labels=[label])
    for value_of_label, value in sorted(values.items()):
        family.add_metric([value_of_label], value)
    return family
