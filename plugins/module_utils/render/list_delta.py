# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning a prefix-list change: running entries vs intent, as a minimal delta.

For permit-only lists the order of entries does not change what they match, so
entries that stay keep their sequence numbers, removed ones are deleted by
number and new ones are appended after the highest number in use. A list that
mixes permit and deny is renumbered as a whole, because there order matters.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

SEQ_STEP = 5


@dataclass
class ListChange:
    """The change to one prefix-list: entries by sequence number, before and after."""

    afi: int
    name: str
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    description: str = ""

    @property
    def removed(self):
        return sorted((s, e) for s, e in self.before.items() if self.after.get(s) != e)

    @property
    def added(self):
        return sorted((s, e) for s, e in self.after.items() if self.before.get(s) != e)

    @property
    def changed(self):
        return self.before != self.after

    def reverse(self):
        """The change that undoes this one (for rollback)."""
        return ListChange(self.afi, self.name, dict(self.after), dict(self.before), self.description)


def plan_list(plist, running):
    """Plan ``plist`` (a PrefixList) against ``running`` ({seq: PrefixEntry} or None)."""
    running = dict(running or {})
    wanted = list(dict.fromkeys(plist.entries))
    permit_only = all(e.action == "permit" for e in list(running.values()) + wanted)
    if not permit_only:
        return ListChange(plist.afi, plist.name, running, _numbered(wanted, 0), plist.description)
    wanted_set = set(wanted)
    keep = {}
    seen = set()
    for seq, entry in sorted(running.items()):
        if entry in wanted_set and entry not in seen:
            keep[seq] = entry
            seen.add(entry)
    start = max(running, default=0)
    fresh = [e for e in wanted if e not in seen]
    keep.update(_numbered(fresh, start))
    return ListChange(plist.afi, plist.name, running, keep, plist.description)


def _numbered(entries, start):
    return {start + SEQ_STEP * (i + 1): entry for i, entry in enumerate(entries)}


def unified_diff(changes, line_of, device):
    """A unified diff of the lists' running lines against the planned lines."""
    before, after = [], []
    for change in changes:
        before += [line_of(change.name, change.afi, s, e) + "\n" for s, e in sorted(change.before.items())]
        after += [line_of(change.name, change.afi, s, e) + "\n" for s, e in sorted(change.after.items())]
    return "".join(difflib.unified_diff(before, after, "%s (running)" % device, "%s (candidate)" % device))
