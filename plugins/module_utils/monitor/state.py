# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The alert store: every alert the detector changed, grouped by key, with what was notified, kept on disk.

``AlertStore.apply(change)`` records a detector's ``AlertChange`` and returns the change to notify, or None:

* a group is one key (rule, prefix, asn) over its whole life: ``first_seen`` its first raise, ``count`` the
  changes that showed its cause (raised and updated), ``vantages`` every vantage point that showed it,
  ``last_seen``, ``path`` and ``detail`` the latest;
* a change of state always notifies: ``raised`` for a new group or one raised again after it cleared,
  ``cleared`` when an active group clears; an update notifies at most once per ``throttle`` seconds after the
  group's last notification (times are the events', so a replay throttles as the live service would);
* with a ``path``, ``save()`` writes the groups to that JSON file atomically (a temporary file in the same
  directory, flushed to disk, renamed over the old one), and a store made on the same path restores them. A
  group restored active is not new: the detector raising it again after a restart is an update (throttled from
  the restored notification time). ``sweep(active_keys, at)`` clears the restored groups the detector no longer
  holds, once it has seen the feeds' tables again. Cleared groups older than ``retention`` seconds are
  dropped when saving.

A state file that cannot be read or holds anything malformed is a DataError naming the file and the field: the
store does not start from state it could only partly understand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import DataError
from ..local_files import write_atomically
from .model import CLEARED, RAISED, RULES, UPDATED, Alert, AlertChange

FORMAT = 1
ALERT_FIELDS = ("rule", "prefix", "asn", "path", "vantages", "first_seen", "last_seen", "count", "active")
TEXT_FIELDS = ("path", "watched", "detail")
GROUP_FIELDS = (*ALERT_FIELDS, "watched", "detail", "notified", "cleared")


@dataclass
class _Group:
    alert: Alert
    notified: float | None = None  # when a change of it was last notified
    cleared: float | None = None  # when it last cleared


class AlertStore:
    """See the module's description."""

    def __init__(self, path=None, throttle: float = 300.0, retention: float = 7 * 86400.0):
        for name, value in (("throttle", throttle), ("retention", retention)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise DataError("%r is not a number of seconds" % (value,), "alert store", name)
        self.path = Path(path) if path is not None else None
        self.throttle = throttle
        self.retention = retention
        self._groups: dict[tuple, _Group] = {}
        self._clock = 0.0  # the latest time a change carried
        if self.path is not None and self.path.exists():
            self._load()

    def apply(self, change: AlertChange) -> AlertChange | None:
        """Record ``change``; the change to notify, or None (throttled, or nothing to clear)."""
        self._clock = max(self._clock, change.at)
        group = self._groups.get(change.alert.key)
        if change.event == CLEARED:
            return self._clear(group, change.at)
        if group is None:
            group = self._groups[change.alert.key] = _Group(replace(change.alert, count=0, vantages=[]))
        was_active = group.alert.active and group.alert.count > 0
        _merge(group.alert, change.alert)
        if not was_active:
            group.cleared = None
            return self._notify(group, RAISED, change.at)
        if group.notified is None or change.at - group.notified >= self.throttle:
            return self._notify(group, UPDATED, change.at)
        return None

    def sweep(self, active_keys: Iterable[tuple], at: float) -> list[AlertChange]:
        """Clear the active groups whose key is not in ``active_keys``; the changes to notify."""
        keep = set(active_keys)
        stale = [group for key, group in self._groups.items() if group.alert.active and key not in keep]
        return [self._clear(group, at) for group in stale]

    def alerts(self, active_only: bool = False) -> list[Alert]:
        """The groups' alerts, the first raised first."""
        found = [replace(g.alert, vantages=list(g.alert.vantages)) for g in self._groups.values()]
        found = [alert for alert in found if alert.active or not active_only]
        return sorted(found, key=lambda alert: (alert.first_seen, alert.rule, alert.prefix, alert.asn or 0))

    def save(self) -> None:
        """Write the groups to ``path`` atomically (cleared ones past ``retention`` left out)."""
        if self.path is None:
            return
        horizon = self._clock - self.retention
        self._groups = {
            key: group for key, group in self._groups.items() if group.cleared is None or group.cleared > horizon
        }
        document = {"format": FORMAT, "alerts": [_group_record(group) for group in self._groups.values()]}
        write_atomically(self.path, json.dumps(document, indent=1, sort_keys=True) + "\n")

    def _clear(self, group, at):
        if group is None or not group.alert.active:
            return None
        group.alert.active = False
        group.cleared = at
        return self._notify(group, CLEARED, at)

    def _notify(self, group, event, at):
        group.notified = at
        return AlertChange(event, replace(group.alert, vantages=list(group.alert.vantages)), at)

    def _load(self):
        where = "alert state %s" % self.path
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise DataError("cannot be read: %s" % (getattr(exc, "strerror", None) or exc), where) from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise DataError("not an alert state of format %d" % FORMAT, where, "format")
        records = document.get("alerts")
        if not isinstance(records, list):
            raise DataError("must be a list of alerts", where, "alerts")
        for index, record in enumerate(records):
            group = _group_of(record, where, "alerts[%d]" % index)
            self._groups[group.alert.key] = group
            self._clock = max(self._clock, group.alert.last_seen, group.cleared or 0.0)


def _merge(alert, seen):
    """``alert`` (a group's) with the cause shown again by ``seen`` (the detector's alert)."""
    alert.vantages = sorted(set(alert.vantages) | set(seen.vantages))
    alert.path, alert.detail, alert.watched = seen.path, seen.detail, seen.watched
    alert.last_seen = max(alert.last_seen, seen.last_seen)
    alert.count += 1
    alert.active = True


def _group_record(group):
    return {**group.alert.to_dict(), "notified": group.notified, "cleared": group.cleared}


def _group_of(record, where, name):
    """A _Group from a saved record, every field checked."""
    if not isinstance(record, dict):
        raise DataError("must be an object", where, name)
    unknown = sorted(set(record) - set(GROUP_FIELDS))
    missing = [field for field in ALERT_FIELDS if field not in record]
    if unknown or missing:
        problem = "unknown field(s) %s" % ", ".join(unknown) if unknown else "missing %s" % ", ".join(missing)
        raise DataError(problem, where, name)
    checks = [
        (record["rule"] in RULES, "rule", "one of %s" % ", ".join(RULES)),
        (isinstance(record["prefix"], str), "prefix", "a prefix's text"),
        (record["asn"] is None or _whole(record["asn"]), "asn", "an AS number or null"),
        (all(isinstance(record.get(f, ""), str) for f in TEXT_FIELDS), "path", "text (path, watched, detail)"),
        (_texts(record["vantages"]), "vantages", "a list of vantage points"),
        (_number(record["first_seen"]) and _number(record["last_seen"]), "first_seen", "times (first, last seen)"),
        (_whole(record["count"]) and record["count"] >= 1, "count", "a count from 1"),
        (isinstance(record["active"], bool), "active", "true or false"),
        (_number_or_none(record.get("notified")), "notified", "a time or null"),
        (_number_or_none(record.get("cleared")), "cleared", "a time or null"),
    ]
    for valid, field, expected in checks:
        if not valid:
            raise DataError("must be %s" % expected, where, "%s.%s" % (name, field))
    fields = {key: record[key] for key in (*ALERT_FIELDS, "watched", "detail") if key in record}
    return _Group(Alert(**fields), record.get("notified"), record.get("cleared"))


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number_or_none(value):
    return value is None or _number(value)


def _texts(values):
    return isinstance(values, list) and all(isinstance(value, str) for value in values)
