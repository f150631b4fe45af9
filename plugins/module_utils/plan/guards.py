# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fail-closed guards that run before anything is pushed.

A filter that would become empty, or lose more than ``max_shrink_percent`` of
its entries in one change, is refused (a list that is empty and stays empty loses
nothing, for example the IPv6 list of a neighbour whose AS-SET has IPv4 routes
only: it is not refused, and matches nothing as before): such a change is far more often a broken
source of truth than an intended one. The operator overrides with an explicit
option, named in the message.
"""

from __future__ import annotations

from ..errors import SafetyError

DEFAULT_MAX_SHRINK_PERCENT = 25


def check_list_change(
    device, change, max_shrink_percent=DEFAULT_MAX_SHRINK_PERCENT, allow_empty=False, allow_shrink=False
):
    """Raise SafetyError if ``change`` (a plan.ListChange) empties or sharply shrinks a list."""
    old, new = len(change.before), len(change.after)
    where = "device %s prefix-list %s" % (device, change.name)
    if change.description:
        where += " (%s)" % change.description
    if new == 0:
        if allow_empty or old == 0:
            return
        raise SafetyError(
            "the new list would be empty (%d entries now, 0 planned), which would %s; "
            "nothing was changed. Fix the source of truth, or set allow_empty=true to push it anyway"
            % (old, "withdraw everything it matches" if old else "match nothing"),
            where,
        )
    if old and new < old and not allow_shrink:
        shrink = 100.0 * (old - new) / old
        if shrink > max_shrink_percent:
            raise SafetyError(
                "the list would shrink from %d to %d entries (-%.0f%%, limit %s%%); nothing was changed. "
                "Check the source of truth, or set allow_shrink=true (or raise max_shrink_percent) "
                "to push it anyway" % (old, new, shrink, max_shrink_percent),
                where,
            )


def check_share_removed(removed, total, max_percent, what, override, where, consequence=""):
    """SafetyError when a plan removes all ``total`` of ``what`` or more than ``max_percent`` of them.

    Used for registry objects (ROAs, route objects): a source of truth that lost
    its data must not empty the registry. ``override`` names the option that allows it.
    """
    if not removed:
        return
    share = 100.0 * removed / total
    if removed == total or share > max_percent:
        raise SafetyError(
            "the plan removes %d of our %d %s (%.0f%%, limit %s%%)%s. Nothing was submitted. "
            "Check NetBox, or set %s=true to submit it"
            % (removed, total, what, share, max_percent, consequence, override),
            where,
        )
