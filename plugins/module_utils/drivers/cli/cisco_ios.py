# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS / IOS-XE over its CLI: no candidate, so the result is predicted, applied under a revert timer and checked."""

from __future__ import annotations

import contextlib
import math
import re

from .. import DriverError
from .base import NetmikoCliDriver, config_lines


class CiscoIosDriver(NetmikoCliDriver):
    """Cisco IOS / IOS-XE have no candidate configuration: a line takes effect as it is typed. Emulating one
    with ``configure replace`` would need the whole configuration as a file on the router's flash (a file
    transfer), and undoing line by line with inverse commands cannot undo every command. The driver uses
    IOS's own safety net instead, the Configuration Rollback Confirmed Change feature:

    * the device must have ``archive`` with a ``path`` (the revert timer needs the archive) and
      ``configuration mode exclusive auto`` (so that entering configuration mode, with the timer too,
      takes the Exclusive Configuration Change Access lock);
    * the lock: ``configure terminal lock``; the driver stays in configuration mode (showing through
      ``do``), except from a commit until it is confirmed or reverted (the revert window), when it holds
      no lock;
    * ``load_candidate`` keeps the text (IOS cannot check lines without applying them);
    * ``compare`` predicts the result: a ``no X`` line removes the running statements that start with
      ``X``, the statements that follow take its place, other statements not yet present are added, and
      prefix-list entries without ``seq`` are numbered as IOS does (5 after the list's last). Lines IOS
      rewrites otherwise (abbreviations, defaults it hides) make the prediction, and so the check below,
      differ: write candidates in the form ``show running-config`` prints;
    * ``commit``: ``archive config`` (the copy ``rollback()`` returns to), then ``configure terminal revert
      timer M`` (minutes, rounded up, 1-120; also for a commit without confirm, confirmed at once), the
      lines, ``end``; a refused line, or a running configuration that then differs from the prediction,
      makes the driver run ``configure revert now`` (the device replaces its configuration with the one
      archived by the timer) and raise DriverError;
    * ``confirm``: ``configure confirm``; ``rollback()``: ``configure revert now`` before confirmation,
      ``configure replace ARCHIVE force`` after it. The timer runs on the device, so a lost connection
      leaves the revert to it."""

    platform = "cisco_ios"
    device_type = "cisco_ios"
    volatile = re.compile(
        r"^(Building configuration\.\.\.|Current configuration : \d+ bytes|! Last configuration change .*"
        r"|! NVRAM config last updated .*|! No configuration change since .*)$"
    )
    revert_minutes = (1, 120)
    archive_line = re.compile(r"^\s*\d+\s+(\S+)\s+<- Most Recent", re.MULTILINE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.previous_archive = None

    def show(self, command):
        return self.send(("do " if self.in_config() else "") + command)

    def lock(self):
        self.enter_config("configure terminal lock")

    def unlock(self):
        if self.in_config():
            self.send("end")

    def drop_candidate(self):
        """Nothing is staged on the device."""

    def stage(self, lines):
        return []

    def candidate_config(self, running):
        return IosPrediction(running).apply(self.candidate)

    def activate(self, confirm):
        expected = self.candidate_config(self.get_running())
        self.unlock()
        self.previous_archive = self.archive()
        self.enter_config("configure terminal revert timer %d" % self.minutes(confirm))
        refused = self.type_lines(config_lines(self.candidate))
        self.send("end")
        if refused:
            self.revert_now()
            raise DriverError(
                "the router refused %s; it went back to its previous configuration" % "; ".join(refused[:5]),
                self.where,
            )
        self.verify(expected)
        if not confirm:
            self.keep()

    def minutes(self, confirm):
        low, high = self.revert_minutes
        return min(high, max(low, math.ceil((confirm or 0) / 60)))

    def archive(self):
        """Archive the running configuration; the name of the archive file."""
        self.check_accepted(self.send("archive config"), "'archive config'")
        found = self.archive_line.search(self.send("show archive"))
        if not found:
            raise DriverError("the configuration archive is not set up ('archive' with a 'path')", self.where)
        return found.group(1)

    def verify(self, expected):
        missing, unexpected = statement_difference(expected, self.get_running())
        if missing or unexpected:
            self.revert_now()
            raise DriverError(
                "after the change the running configuration is not the predicted one (missing: %s; unexpected: "
                "%s); the router went back to its previous configuration"
                % ("; ".join(missing[:5]) or "-", "; ".join(unexpected[:5]) or "-"),
                self.where,
            )

    def keep(self):
        self.check_accepted(self.send("configure confirm"), "'configure confirm'")
        self.relock()

    def revert_now(self):
        self.check_accepted(self.send("configure revert now"), "'configure revert now'")
        self.relock()

    def revert_pending(self):
        self.revert_now()

    def revert_last(self):
        self.unlock()
        command = "configure replace %s force" % self.previous_archive
        output = self.send(command)
        self.relock()
        self.check_accepted(output, "'%s'" % command)

    def relock(self):
        """The lock again after the revert window; if another session took it meanwhile, the next commit
        (which needs it) refuses, so the driver goes on without it."""
        with contextlib.suppress(DriverError):
            self.lock()


class IosPrediction:
    """IOS's running configuration after typing a candidate, predicted from the running text.

    The text is a list of items: a statement (its line and the indented lines under it) or a line
    between statements (``!``, ``end``), kept so that the prediction prints like the running text.
    """

    unnumbered = re.compile(r"^(?P<kw>ip|ipv6) prefix-list (?P<name>\S+) (?P<entry>(permit|deny) .*)$")
    numbered = re.compile(r"^(ip|ipv6) prefix-list (\S+) seq (\d+) (.*)$")
    step = 5

    def __init__(self, running):
        self.items = statements(running)
        self.anchor = None  # where the statements removed by the last ``no`` line were

    def apply(self, candidate):
        for item in statements(candidate):
            if isinstance(item, list):
                self.add(item)
        return "\n".join(line for item in self.items for line in _lines(item)) + "\n"

    def add(self, statement):
        head = statement[0]
        if head.startswith("no "):
            self.remove(head[3:])
            return
        head = self.number(head)
        if self.entry_present(head):
            return
        existing = self.find(head)
        if existing is not None:
            existing.extend(line for line in statement[1:] if line not in existing)
            return
        self.insert([head, *statement[1:]])

    def remove(self, prefix):
        kept, self.anchor = [], None
        for item in self.items:
            if isinstance(item, list) and (item[0] == prefix or item[0].startswith(prefix + " ")):
                self.anchor = len(kept) if self.anchor is None else self.anchor
                continue
            kept.append(item)
        self.items = kept

    def insert(self, statement):
        if self.anchor is not None:
            self.items.insert(self.anchor, statement)
            self.anchor += 1
            return
        position = len(self.items)
        if self.items and self.items[-1] == "end":
            position -= 1
        self.items.insert(position, statement)

    def find(self, head):
        return next((item for item in self.items if isinstance(item, list) and item[0] == head), None)

    def entries(self):
        """(keyword, list, seq, entry) of every numbered prefix-list entry."""
        for item in self.items:
            found = isinstance(item, list) and self.numbered.match(item[0])
            if found:
                yield found[1], found[2], int(found[3]), found[4]

    def number(self, head):
        """``ip prefix-list N permit P`` as IOS stores it: ``seq`` 5 after the list's highest."""
        match = self.unnumbered.match(head)
        if not match:
            return head
        listed = match.group("kw", "name")
        last = max((seq for keyword, name, seq, entry in self.entries() if (keyword, name) == listed), default=0)
        return "%s prefix-list %s seq %d %s" % (*listed, last + self.step, match["entry"])

    def entry_present(self, head):
        """IOS adds no second prefix-list entry equal to one the list has (whatever its number)."""
        match = self.numbered.match(head)
        if not match:
            return False
        same = (match[1], match[2], match[4])
        return any((keyword, name, entry) == same for keyword, name, seq, entry in self.entries())


def statements(text):
    """IOS configuration text as items: a statement is a list of its lines, anything else a string."""
    items = []
    for line in text.splitlines():
        line = line.rstrip()
        if line.startswith(" ") and items and isinstance(items[-1], list):
            items[-1].append(line)
        elif line and not line.startswith("!") and line != "end":
            items.append([line.strip()])
        elif line:
            items.append(line)
    return items


def _lines(item):
    return item if isinstance(item, list) else [item]


def statement_difference(expected, actual):
    """The statements (with their indented lines) only in ``expected``, and only in ``actual``."""

    def keyed(text):
        return {" / ".join(line.strip() for line in item) for item in statements(text) if isinstance(item, list)}

    want, have = keyed(expected), keyed(actual)
    return sorted(want - have), sorted(have - want)
