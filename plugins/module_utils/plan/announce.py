# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Announcing our prefixes: which a router should originate, and the plan to get it there.

What a router originates are the prefixes of its announcement prefix-lists (the
NetBox prefixes we originate, see ``intent``), optionally only inside some
blocks. A plan only adds: withdrawing a prefix is a decision left to people.
It is refused, and nothing is sent, when the router's running announcement
filter would not let a prefix out (deploy the filters first): a route that
leaves through no filter, or through one not yet updated, is not announced as
planned.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SafetyError
from ..intent.scope import inside
from ..render import frr
from ..render.common import length_range
from ..render.frr_origination import origination_lines, parse_originations
from .deploy import Plan


@dataclass(frozen=True)
class AnnouncementPlan:
    device: str
    asn: int
    wanted: tuple
    present: tuple
    add: tuple

    @property
    def changed(self):
        return bool(self.add)

    def commands(self):
        return origination_lines(self.asn, self.add)

    def diff(self):
        before = "".join("network %s\n" % p for p in self.present)
        after = "".join("network %s\n" % p for p in sorted(set(self.present) | set(self.add), key=_order))
        return {
            "before": before,
            "after": after,
            "before_header": "%s (running)" % self.device,
            "after_header": "%s (candidate)" % self.device,
        }

    def to_dict(self):
        return {key: [str(p) for p in getattr(self, key)] for key in ("wanted", "present", "add")}


def _order(prefix):
    return (prefix.version, prefix)


def wanted_prefixes(intent, blocks=None):
    """The prefixes ``intent`` (a DeviceIntent) permits in its announcement lists, inside ``blocks`` if given."""
    found = {e.prefix for plist in intent.prefix_lists for e in plist.entries if e.action == "permit"}
    return tuple(sorted((p for p in found if not blocks or inside(p, blocks)), key=_order))


def matches(entry, prefix):
    """Whether prefix-list ``entry`` matches ``prefix`` (whatever its action)."""
    low, high = length_range(entry)
    return prefix.version == entry.prefix.version and prefix.subnet_of(entry.prefix) and low <= prefix.prefixlen <= high


def list_permits(entries, prefix):
    """A prefix-list's verdict on ``prefix`` (``{seq: entry}``): its first matching entry's; none matching denies."""
    for _seq, entry in sorted(entries.items()):
        if matches(entry, prefix):
            return entry.action == "permit"
    return False


def plan_announcements(intent, running, blocks=None, filters="running"):
    """The AnnouncementPlan for ``intent`` against FRR running-config text ``running``.

    SafetyError when a prefix to originate is not let out by the router's
    announcement list of its address family: the running one, or with
    ``filters="intent"`` the one ``intent`` holds (what deploying the filters
    first would put there, for a check-mode plan of both).
    """
    device = intent.device
    wanted = wanted_prefixes(intent, blocks)
    lists = frr.parse_prefix_lists(running) if filters == "running" else intended_lists(intent)
    for prefix in wanted:
        name = next(p.name for p in intent.prefix_lists if p.afi == prefix.version)
        if not list_permits(lists.get((prefix.version, name), {}), prefix):
            raise SafetyError(
                "the %s prefix-list %s does not permit %s: deploy the announcement filters first; "
                "nothing was announced" % (filters, name, prefix),
                "device %s" % device.name,
            )
    networks, blackholes = parse_originations(running, device.local_asn)
    present = tuple(sorted(networks, key=_order))
    add = tuple(p for p in wanted if p not in networks or p not in blackholes)
    return AnnouncementPlan(device.name, device.local_asn, wanted, present, add)


def intended_lists(intent):
    """``intent``'s prefix-lists as parse_prefix_lists reads them: {(afi, name): {seq: entry}}."""
    return {(p.afi, p.name): dict(enumerate(p.entries)) for p in intent.prefix_lists}


class AnnouncementPlanner:
    """The planner ``deploy.deploy`` calls with the running configuration: the origination of what ``intent``
    announces inside ``blocks`` (checked against the running filters, or with ``check_mode`` the intent's),
    read back after the change. ``plan`` is the AnnouncementPlan once planned."""

    def __init__(self, intent, blocks=None, check_mode=False):
        self.intent = intent
        self.blocks = blocks
        self.filters = "intent" if check_mode else "running"
        self.plan = None

    def __call__(self, running):
        self.plan = plan_announcements(self.intent, running, self.blocks, self.filters)
        commands = self.plan.commands()
        candidate = "".join(line + "\n" for line in commands) if self.plan.changed else None
        return Plan(candidate, commands=commands, read_back=self.read_back)

    def read_back(self, driver):
        """Raise (so that the change is sent back) when the router does not originate every planned prefix."""
        left = plan_announcements(self.intent, driver.get_running(), self.blocks)
        if left.changed:
            raise SafetyError(
                "after the change %s still does not originate %s: the change was sent back"
                % (self.intent.device.name, ", ".join(map(str, left.add))),
                "device %s" % self.intent.device.name,
            )
