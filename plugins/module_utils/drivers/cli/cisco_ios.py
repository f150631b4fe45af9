# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS / IOS-XE over its CLI: no candidate, so the result is predicted, applied under a revert timer and checked."""

from __future__ import annotations

import contextlib
import math
import re

from .. import DriverError
from .base import CISCO_REFUSALS, NetmikoCliDriver, config_lines


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
    * ``compare`` predicts the result (``IosPrediction``): a ``no X`` line removes the running statements
      that start with ``X``, the statements that follow take its place, other statements not yet present
      are added, lines indented under a statement land under the running one (an address family's under
      that address family of ``router bgp``), a line setting what IOS holds once replaces the old one, and
      prefix-list entries without ``seq`` are numbered as IOS does (5 after the list's last). Lines IOS
      rewrites otherwise (abbreviations, defaults it hides) make the prediction, and so the check below,
      differ: write candidates in the form ``show running-config`` prints (the check takes a statement's
      lines in any order, as IOS orders them its own way);
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
    # besides the parser's: a neighbour setting for an unknown neighbour, a second BGP AS
    refusal_markers = (*CISCO_REFUSALS, "% Specify remote-as or peer-group", "% BGP is already running")
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
        """The prediction; the running text itself when the candidate leaves every statement as it is (a
        statement removed and typed again may come back elsewhere among the ``!`` lines)."""
        predicted = IosPrediction(running).apply(self.candidate)
        return running if statement_difference(predicted, running) == ([], []) else predicted

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

    The text is a list of items: a statement (``Node``: its line, the lines indented under it, nested) or
    a line between statements (``!``, ``end``), kept so that the prediction prints like the running text.
    A candidate's statement merges into the running one with the same line, level by level (a line under
    ``address-family`` under ``router bgp`` lands in that address family); a line that sets what IOS holds
    once (a neighbour's route-map in one direction, its maximum-prefix, ``bgp maxas-limit``) replaces the
    one before; ``no X`` removes the statements at its level that start with ``X``. A statement removed by
    a ``no`` line and typed again with the same lines keeps the form IOS printed (IOS prints a statement's
    lines in an order of its own, whatever order they were typed in).
    """

    unnumbered = re.compile(r"^(?P<kw>ip|ipv6) prefix-list (?P<name>\S+) (?P<entry>(permit|deny) .*)$")
    numbered = re.compile(r"^(ip|ipv6) prefix-list (\S+) seq (\d+) (.*)$")
    step = 5

    def __init__(self, running):
        self.items = statements(running)
        self.anchor = None  # where the statements removed by the last top-level ``no`` line were
        self.removed = []  # those statements, as IOS printed them

    def apply(self, candidate):
        for item in statements(candidate):
            if isinstance(item, Node):
                self.add(item)
        return "\n".join(line for item in self.items for line in _lines(item)) + "\n"

    def add(self, node):
        if node.line.startswith("no "):
            self.remove(node.line[3:])
            return
        node = self.number(node)
        if self.entry_present(node.line):
            return
        existing = find(self.items, node.line)
        if existing is not None:
            merge(existing, node)
            return
        if replace_setting(self.items, node):
            return
        self.insert(next((old for old in self.removed if old.key() == node.key()), node))

    def remove(self, prefix):
        kept, self.anchor = [], None
        for item in self.items:
            if isinstance(item, Node) and starts(item.line, prefix):
                self.anchor = len(kept) if self.anchor is None else self.anchor
                self.removed.append(item)
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

    def entries(self):
        """(keyword, list, seq, entry) of every numbered prefix-list entry."""
        for item in self.items:
            found = isinstance(item, Node) and self.numbered.match(item.line)
            if found:
                yield found[1], found[2], int(found[3]), found[4]

    def number(self, node):
        """``ip prefix-list N permit P`` as IOS stores it: ``seq`` 5 after the list's highest."""
        match = self.unnumbered.match(node.line)
        if not match:
            return node
        listed = match.group("kw", "name")
        last = max((seq for keyword, name, seq, entry in self.entries() if (keyword, name) == listed), default=0)
        return Node("%s prefix-list %s seq %d %s" % (*listed, last + self.step, match["entry"]))

    def entry_present(self, line):
        """IOS adds no second prefix-list entry equal to one the list has (whatever its number)."""
        match = self.numbered.match(line)
        if not match:
            return False
        same = (match[1], match[2], match[4])
        return any((keyword, name, entry) == same for keyword, name, seq, entry in self.entries())


class Node:
    """A statement of IOS configuration text: its line as printed, the items indented under it (Node, or a
    ``!`` line), and the line that closes it (IOS ends an address family with ``exit-address-family``)."""

    closing = ("exit-address-family",)

    def __init__(self, text):
        self.text = text.rstrip()
        self.children = []
        self.footer = None

    @property
    def line(self):
        return self.text.strip()

    def lines(self):
        yield self.text
        for child in self.children:
            yield from _lines(child)
        if self.footer is not None:
            yield self.footer

    def key(self):
        """The statement and what it holds, whatever order IOS prints its lines in."""
        inner = sorted(child.key() for child in self.children if isinstance(child, Node))
        return self.line + (" {%s}" % "; ".join(inner) if inner else "")


# Lines IOS holds once (by what the groups say): typing another replaces the one before
SETTINGS = tuple(
    re.compile(pattern)
    for pattern in (
        r"^(neighbor \S+ route-map) \S+ (in|out)$",
        r"^(neighbor \S+ (?:remote-as|peer-group|description|maximum-prefix)) .+$",
        r"^(bgp maxas-limit) \d+$",
        r"^(hostname) \S+$",
    )
)


def setting(line):
    for pattern in SETTINGS:
        found = pattern.match(line)
        if found:
            return pattern.pattern, found.groups()
    return None


def starts(line, prefix):
    return line == prefix or line.startswith(prefix + " ")


def find(items, line):
    return next((item for item in items if isinstance(item, Node) and item.line == line), None)


def replace_setting(items, node):
    """Put ``node`` in the place of the line among ``items`` that sets the same thing; False if none does."""
    wanted = setting(node.line)
    for index, item in enumerate(items):
        if wanted is not None and isinstance(item, Node) and setting(item.line) == wanted:
            items[index] = node
            return True
    return False


def merge(target, node):
    """The lines under the candidate's ``node`` typed into the running statement ``target``."""
    for child in node.children:
        if isinstance(child, Node):
            merge_child(target.children, child)


def merge_child(siblings, node):
    if node.line.startswith("no "):
        siblings[:] = [item for item in siblings if not (isinstance(item, Node) and starts(item.line, node.line[3:]))]
        return
    existing = find(siblings, node.line)
    if existing is not None:
        merge(existing, node)
    elif not replace_setting(siblings, node):
        siblings.insert(insert_position(siblings, node), node)


def insert_position(siblings, node):
    """A new line goes before the first nested block (and the ``!`` before it), where IOS prints its kind; a
    new block goes last."""
    if node.children:
        return len(siblings)
    first = next((i for i, item in enumerate(siblings) if isinstance(item, Node) and item.children), len(siblings))
    while first > 0 and not isinstance(siblings[first - 1], Node):
        first -= 1
    return first


def statements(text):
    """IOS configuration text as items: a statement is a Node (the lines indented under it its children),
    anything else (``!``, ``end``) a string."""
    items, open_nodes = [], []  # open_nodes: (indentation, Node) of the statements lines may fall under
    for raw in text.splitlines():
        raw = raw.rstrip()
        if not raw:
            continue
        indent, line = len(raw) - len(raw.lstrip()), raw.strip()
        while open_nodes and open_nodes[-1][0] >= indent:
            open_nodes.pop()
        level = open_nodes[-1][1].children if open_nodes else items
        if line.startswith("!") or line == "end":
            level.append(raw)
        elif line in Node.closing and level and isinstance(level[-1], Node) and level[-1].footer is None:
            level[-1].footer = raw
        else:
            node = Node(raw)
            level.append(node)
            open_nodes.append((indent, node))
    return items


def _lines(item):
    return item.lines() if isinstance(item, Node) else [item]


def statement_difference(expected, actual):
    """The statements (with what they hold, in any order) only in ``expected``, and only in ``actual``."""

    def keyed(text):
        return {item.key() for item in statements(text) if isinstance(item, Node)}

    want, have = keyed(expected), keyed(actual)
    return sorted(want - have), sorted(have - want)
