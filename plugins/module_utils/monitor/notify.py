# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alert changes to the monitor's outputs, off the detection path.

The monitor publishes each change of an alert (``raised``, ``updated``, ``cleared``) to a ``Notifier``, which hands
it to the queue of every output that wants it and returns at once. Each ``OutputQueue`` has a worker thread that
delivers its changes one at a time, in order, each starting no sooner than the output's ``min_interval`` after the
one before was answered (so that the receiver sees them at least that far apart). A change that fails is tried
again after a backoff (``Retry``: doubling up to a ceiling; longer where the receiver asked for it, HTTP 429 or 503
with Retry-After) and the changes behind it wait, so a receiver that was down or rate-limits gets every change, in
order, once it takes them. Failures show in the output's status (``OutputStatus``) and in a log line (logger
``routesec.monitor``), with secrets scrubbed by the output.

With a state directory, each queue keeps its undelivered changes in ``outputs/<name>.jsonl`` (appended as they
are published) and the sequence number of its last delivered change in ``outputs/<name>.delivered``, so that a
restart delivers what was left, in order. A change a receiver refuses as malformed (``DeliveryError`` with
``rejected``: HTTP 400, 413, 422) is set aside (counted, logged, appended to ``outputs/<name>.rejected.jsonl``)
so that it does not hold back the changes behind it; every other failure is retried.

Delivery is at least once: a change delivered just before the process stops, whose delivery was not recorded
yet, is sent again after the restart; every change carries a unique ``id`` for receivers to deduplicate.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from ..errors import DataError, TransportError
from ..local_files import write_atomically
from .model import CHANGES, CLEARED, RULES, Alert, AlertChange

LOG = logging.getLogger("routesec.monitor")

# How serious each rule is; SEVERITIES most serious first (syslog's levels, named as Alertmanager labels name them).
SEVERITIES = ("critical", "error", "warning", "notice", "info")
RULE_SEVERITY = {
    "hijack": "critical",
    "subprefix-hijack": "critical",
    "squatting": "error",
    "rpki-invalid": "error",
    "aspa-invalid": "warning",
    "visibility-loss": "error",
    "new-upstream": "warning",
    "route-leak": "error",
    "new-more-specific": "warning",
}
CLEARED_SEVERITY = "notice"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")


def rfc3339(timestamp: float) -> str:
    """``timestamp`` (seconds since the epoch) as RFC 3339 in UTC, to the millisecond."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class DeliveryError(TransportError):
    """An output could not deliver a change. ``rejected``: the receiver refused this change itself, so trying
    it again would not help. ``wait``: the seconds the receiver asked to wait before trying again (HTTP
    Retry-After), if it did."""

    def __init__(self, message: str, output: str, rejected: bool = False, wait: float | None = None):
        self.rejected, self.wait = rejected, wait
        super().__init__(message, "monitor output %s" % output)


@dataclass(frozen=True)
class Notification:
    """One change of an alert (``AlertChange``: the event, the alert as it was then, when) as the outputs get it,
    with its place in the sequence and a unique id."""

    event: str
    alert: Alert
    at: float
    seq: int
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def to_dict(self) -> dict:
        """The change for receivers: id, event, time (RFC 3339) and the alert (``Alert.to_dict``)."""
        return {"id": self.id, "event": self.event, "time": rfc3339(self.at), "alert": self.alert.to_dict()}

    def to_record(self) -> dict:
        return {"id": self.id, "event": self.event, "at": self.at, "seq": self.seq, "alert": self.alert.to_dict()}

    @classmethod
    def from_record(cls, record: dict) -> Notification:
        return cls(record["event"], Alert(**record["alert"]), record["at"], record["seq"], record["id"])


def _known(values, allowed, where: str, name: str) -> None:
    unknown = sorted(str(v) for v in values if v not in allowed)
    if unknown:
        raise DataError("unknown %s; known: %s" % (", ".join(unknown), ", ".join(allowed)), where, name)


def _choices(values, allowed, where: str, name: str) -> frozenset:
    if not isinstance(values, (list, tuple, set, frozenset)) or not values:
        raise DataError("must be a non-empty list of: %s" % ", ".join(allowed), where, name)
    _known(values, allowed, where, name)
    return frozenset(values)


def _severities(overrides, where: str) -> dict:
    if not isinstance(overrides, dict):
        raise DataError("must be a mapping of rule to severity", where, "severities")
    _known(overrides.keys(), RULES, where, "severities")
    _known(overrides.values(), SEVERITIES, where, "severities")
    return {**RULE_SEVERITY, **overrides}


class Output:
    """Where alert changes go. ``send`` delivers one change or raises DeliveryError; it runs in the output's
    worker thread only. ``events`` and ``rules`` choose the changes it gets (default: all), ``severities``
    overrides ``RULE_SEVERITY`` per rule. ``target`` says where it sends, without secrets."""

    kind = "output"
    idle_interval: float | None = None  # seconds: ``idle`` is called this often
    min_interval: float = 0.0  # seconds from the answer to a delivery to the start of the next, at least

    def __init__(self, name: str, events=CHANGES, rules=RULES, severities=None):
        if not isinstance(name, str) or not _NAME.match(name):
            raise DataError(
                "%r is not a name of letters, digits, '_', '.', '-' (64 at most)" % (name,), "monitor output", "name"
            )
        self.name = name
        self.where = "monitor output %s" % name
        self.events = _choices(events, CHANGES, self.where, "events")
        self.rules = _choices(rules, RULES, self.where, "rules")
        self._severities = _severities(severities or {}, self.where)

    @property
    def target(self) -> str:
        return ""

    def wants(self, change: Notification) -> bool:
        return change.event in self.events and change.alert.rule in self.rules

    def severity(self, change: Notification) -> str:
        """The change's severity: the rule's, or ``notice`` for a cleared alert."""
        if change.event == CLEARED:
            return CLEARED_SEVERITY
        return self.rule_severity(change.alert.rule)

    def rule_severity(self, rule: str) -> str:
        return self._severities.get(rule, "warning")

    def send(self, change: Notification) -> None:
        raise NotImplementedError

    def idle(self) -> None:
        """Called in the worker thread every ``idle_interval`` seconds (between deliveries, not during a
        backoff)."""

    def attach(self, directory: Path | None) -> None:
        """The directory the output may keep its own state in (None: no state directory)."""

    def scrub(self, text: str) -> str:
        """``text`` without the output's secrets."""
        return text

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self.name)


@dataclass(frozen=True)
class Retry:
    """The wait before the n-th try again: ``first`` seconds, doubling, at most ``most``."""

    first: float = 1.0
    most: float = 300.0

    def __post_init__(self):
        for name in ("first", "most"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise DataError("%r is not a positive number of seconds" % (value,), "monitor retry", name)

    def delay(self, attempt: int) -> float:
        return min(self.most, self.first * 2 ** min(attempt - 1, 64))


@dataclass(frozen=True)
class OutputStatus:
    name: str
    kind: str
    target: str
    state: str  # "ok" or "failing"
    backlog: int  # changes waiting
    delivered: int
    failures: int  # failed tries (and failed idle calls)
    rejected: int  # changes set aside
    last_error: str
    last_delivery: float | None
    persisted: bool  # False while a change could not be written to the state directory


COMPACT_EVERY = 1000  # settled changes after which the spool is rewritten without them (at the latest)


class Spool:
    """One output's undelivered changes on disk: appended as they come, the last delivered seq beside them;
    rewritten without the settled ones whenever none is waiting, or every COMPACT_EVERY settled changes."""

    def __init__(self, directory: Path, name: str):
        self.path = directory / (name + ".jsonl")
        self.mark = directory / (name + ".delivered")
        self.rejected = directory / (name + ".rejected.jsonl")
        self._settled = 0

    def load(self) -> tuple[list[Notification], int]:
        """The changes not yet delivered, and the highest seq seen; the file is rewritten without the rest."""
        delivered = int(self.mark.read_text().strip() or 0) if self.mark.is_file() else 0
        pending = [c for c in self._read() if c.seq > delivered]
        self._rewrite(pending)
        return pending, max([delivered] + [c.seq for c in pending])

    def _read(self) -> list[Notification]:
        if not self.path.is_file():
            return []
        changes = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                changes.append(Notification.from_record(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                LOG.warning("%s line %d is not a change (an interrupted write?): left out", self.path, number)
        return changes

    def _rewrite(self, changes: list[Notification]) -> None:
        text = "".join(json.dumps(c.to_record(), sort_keys=True) + "\n" for c in changes)
        write_atomically(self.path, text)

    def append(self, change: Notification) -> None:
        _append(self.path, change.to_record())

    def delivered(self, change: Notification, pending: Iterable[Notification]) -> None:
        """``change`` is settled; ``pending``: the changes still waiting."""
        write_atomically(self.mark, "%d\n" % change.seq)
        self._settled += 1
        pending = list(pending)
        if not pending or self._settled >= COMPACT_EVERY:
            self._rewrite(pending)
            self._settled = 0

    def set_aside(self, change: Notification, reason: str) -> None:
        _append(self.rejected, {**change.to_record(), "reason": reason})


def _append(path: Path, record: dict) -> None:
    with path.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(record, sort_keys=True) + "\n")


class OutputQueue:
    """One output's changes, delivered in order by a worker thread; see the module's description."""

    def __init__(self, output: Output, retry: Retry, directory: Path | None, on_change: Callable[[], None]):
        self.output = output
        self.retry = retry
        self._on_change = on_change
        self._cond = threading.Condition()
        self._pending: deque[Notification] = deque()
        self._closing = False
        self._counts = {"delivered": 0, "failures": 0, "rejected": 0}
        self._last_error = ""
        self._last_delivery: float | None = None
        self._failing = False
        self._persisted = True
        self._spool = Spool(directory, output.name) if directory else None
        self.last_seq = self._load()
        self._last_idle = time.monotonic()
        self._last_send, self._asked_wait = float("-inf"), 0.0
        output.attach(directory)
        self._thread = threading.Thread(target=self._run, name="monitor output %s" % output.name, daemon=True)

    def _load(self) -> int:
        if self._spool is None:
            return 0
        try:
            pending, last = self._spool.load()
        except (OSError, ValueError) as exc:
            message = "cannot read the undelivered changes in %s: %s" % (self._spool.path, exc)
            raise DataError(message, self.output.where, "state_dir") from None
        self._pending.extend(pending)
        if pending:
            LOG.info("%s: %d undelivered change(s) from before the restart", self.output.where, len(pending))
        return last

    def start(self) -> None:
        self._thread.start()

    def put(self, change: Notification) -> None:
        """Queue ``change`` (in the caller's thread: never blocks on the receiver)."""
        with self._cond:
            self._pending.append(change)
            self._persist(change)
            self._cond.notify_all()

    def _persist(self, change: Notification) -> None:
        if self._spool is None:
            return
        try:
            self._spool.append(change)
        except OSError as exc:
            self._persisted = False
            self._log_io_error("keep", change, exc)
            return
        self._persisted = True

    def _log_io_error(self, action: str, change: Notification, exc: OSError) -> None:
        where = self._spool.path.parent if self._spool else ""
        LOG.error("%s: cannot %s change %s in %s: %s", self.output.where, action, change.id, where, exc.strerror or exc)

    def status(self) -> OutputStatus:
        with self._cond:
            return OutputStatus(
                name=self.output.name,
                kind=self.output.kind,
                target=self.output.target,
                state="failing" if self._failing else "ok",
                backlog=len(self._pending),
                last_error=self._last_error,
                last_delivery=self._last_delivery,
                persisted=self._persisted,
                **self._counts,
            )

    def close(self, timeout: float) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)

    # The worker thread

    def _run(self) -> None:
        attempt = 0
        while True:
            change = self._next_change()
            if self._closing:
                return
            if change is None:
                self._call_idle()
            elif self._deliver(change):
                attempt = 0
            else:
                attempt += 1
                self._pause(max(self.retry.delay(attempt), self._asked_wait))

    def _next_change(self) -> Notification | None:
        """The oldest change, or None when the output's periodic call is due (or the queue is closing)."""
        with self._cond:
            while not self._pending and not self._closing and not self._idle_due():
                self._cond.wait(self._idle_wait())
            if self._closing or self._idle_due():
                return None
            return self._pending[0]

    def _idle_wait(self) -> float | None:
        if self.output.idle_interval is None:
            return None
        return max(0.0, self._last_idle + self.output.idle_interval - time.monotonic())

    def _idle_due(self) -> bool:
        return self._idle_wait() == 0.0

    def _call_idle(self) -> None:
        self._last_idle = time.monotonic()
        try:
            self.output.idle()
        except Exception as exc:  # noqa: BLE001 - an output's failure must not stop its worker
            self._failed(self._reason(exc), "its periodic call")
        else:
            self._recovered()

    def _deliver(self, change: Notification) -> bool:
        """True when the change is settled (delivered or set aside), False to try it again (not before
        ``_asked_wait`` seconds, where the receiver asked for that)."""
        self._pause(self._last_send + self.output.min_interval - time.monotonic())
        self._asked_wait = 0.0
        try:
            self.output.send(change)
        except DeliveryError as exc:
            self._asked_wait = exc.wait or 0.0
            if not exc.rejected:
                self._failed(self._reason(exc), "change %s" % change.id)
                return False
            self._settle(change, "rejected", self._reason(exc))
            return True
        except Exception as exc:  # noqa: BLE001 - an output's bug must not stop its worker
            self._failed(self._reason(exc), "change %s" % change.id)
            return False
        finally:
            # paced from the answer, not the start: a delivery that reached the receiver late (a slow network, a
            # busy sender) must not bring the next one closer to it than min_interval
            self._last_send = time.monotonic()
        self._settle(change, "delivered")
        return True

    def _reason(self, exc: Exception) -> str:
        if isinstance(exc, DeliveryError):
            return self.output.scrub(exc.reason)
        return self.output.scrub("%s: %s" % (type(exc).__name__, exc))

    def _settle(self, change: Notification, outcome: str, reason: str = "") -> None:
        with self._cond:
            self._pending.popleft()
            self._counts[outcome] += 1
            self._record(change, reason)
            if outcome == "delivered":
                self._last_delivery = time.time()
            self._cond.notify_all()
        if reason:
            LOG.error("%s refused change %s (%s): set aside, not tried again", self.output.where, change.id, reason)
        self._recovered()

    def _record(self, change: Notification, reason: str) -> None:
        if self._spool is None:
            return
        try:
            if reason:
                self._spool.set_aside(change, reason)
            self._spool.delivered(change, self._pending)
        except OSError as exc:
            self._log_io_error("record", change, exc)

    def _failed(self, reason: str, what: str) -> None:
        with self._cond:
            self._counts["failures"] += 1
            self._failing = True
            self._last_error = reason
            backlog = len(self._pending)
        LOG.warning("%s failed on %s: %s (%d change(s) waiting)", self.output.where, what, reason, backlog)
        self._on_change()

    def _recovered(self) -> None:
        with self._cond:
            was_failing, self._failing = self._failing, False
        if was_failing:
            LOG.info("%s delivers again", self.output.where)
        self._on_change()

    def _pause(self, seconds: float) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._closing, seconds)


class Notifier:
    """The monitor's side of the outputs: ``publish`` a change, read the outputs' status, close them.

    ``listeners`` are called with every change, in the publishing thread (keep them quick: the metrics are
    one). ``state_dir``: where undelivered changes are kept across a restart (None: in memory only).
    """

    def __init__(
        self,
        outputs: Iterable[Output],
        state_dir: str | Path | None = None,
        retry: Retry | None = None,
        listeners: Iterable[Callable[[Notification], None]] = (),
    ):
        outputs = list(outputs)
        _unique_names(outputs)
        directory = _outputs_directory(state_dir)
        self._changed = threading.Condition()
        self._queues = [OutputQueue(o, retry or Retry(), directory, self._notify_change) for o in outputs]
        self._seq = max([q.last_seq for q in self._queues], default=0)
        self._listeners = list(listeners)
        self._lock = threading.Lock()
        for queue in self._queues:
            queue.start()

    def listen(self, listener: Callable[[Notification], None]) -> None:
        self._listeners.append(listener)

    def publish(self, change: AlertChange) -> Notification:
        """Hand ``change`` to every output that wants it; returns at once."""
        if change.event not in CHANGES:
            raise DataError("%r is not one of %s" % (change.event, ", ".join(CHANGES)), "alert change", "event")
        alert = replace(change.alert, vantages=list(change.alert.vantages))
        with self._lock:
            self._seq += 1
            change = Notification(change.event, alert, change.at, self._seq)
            for queue in self._queues:
                if queue.output.wants(change):
                    queue.put(change)
        for listener in self._listeners:
            try:
                listener(change)
            except Exception:  # a listener's failure must not reach the detection
                LOG.exception("a listener of the monitor's alert changes failed")
        self._notify_change()
        return change

    def statuses(self) -> list[OutputStatus]:
        return [queue.status() for queue in self._queues]

    def wait_for(self, predicate: Callable[[list[OutputStatus]], bool], timeout: float) -> bool:
        """Wait (``timeout`` seconds at most) until ``predicate(statuses)`` holds; whether it does."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self.statuses()), timeout)

    def drain(self, timeout: float) -> bool:
        """Wait until no output has a change waiting; whether none has."""
        return self.wait_for(lambda statuses: not any(s.backlog for s in statuses), timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the workers. What is undelivered (and what is published afterwards) stays in the state
        directory for the next start."""
        for queue in self._queues:
            queue.close(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _notify_change(self) -> None:
        with self._changed:
            self._changed.notify_all()


def _unique_names(outputs: list[Output]) -> None:
    names = [o.name for o in outputs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise DataError("output names must be unique: %s used twice" % ", ".join(twice), "monitor outputs", "name")


def _outputs_directory(state_dir) -> Path | None:
    if state_dir is None:
        return None
    directory = Path(state_dir) / "outputs"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError("cannot create %s: %s" % (directory, exc.strerror or exc), "monitor", "state_dir") from None
    return directory
