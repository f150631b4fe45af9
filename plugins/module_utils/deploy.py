# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deploying prefix-lists to one device: read, plan, guard, push, verify, roll back.

The result always carries ``commands`` and a unified ``diff`` of the managed
lists; ``changed`` is decided by reading the device back after the push, never
by having sent something. Check mode stops after planning and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from .drivers import commit_confirmed
from .drivers.cli.base import config_lines
from .errors import TransportError
from .plan import ListChange, plan_list, unified_diff
from .render import openconfig, replacement
from .render.common import entry_text
from .safety import DEFAULT_MAX_SHRINK_PERCENT, check_list_change


@dataclass
class DeployOptions:
    check_mode: bool = False
    save: bool = True
    max_shrink_percent: float = DEFAULT_MAX_SHRINK_PERCENT
    allow_empty: bool = False
    allow_shrink: bool = False


def plan_device(intent, transport, running, options):
    """Plan every prefix-list of ``intent`` against ``running``; guards raise before any push."""
    current = transport.parse_lists(running)
    changes = [plan_list(plist, current.get((plist.afi, plist.name))) for plist in intent.prefix_lists]
    check_changes(intent.device.name, changes, options)
    return changes


def check_changes(device, changes, options):
    for change in changes:
        check_list_change(device, change, options.max_shrink_percent, options.allow_empty, options.allow_shrink)


def result_of(changes, commands, line_of, device):
    return {
        "changed": bool(commands),
        "commands": commands,
        "diff": {"prepared": unified_diff(changes, line_of, device)},
        "before": {c.name: [line_of(c.name, c.afi, s, e) for s, e in sorted(c.before.items())] for c in changes},
        "after": {c.name: [line_of(c.name, c.afi, s, e) for s, e in sorted(c.after.items())] for c in changes},
    }


def deploy_prefix_lists(intent, transport, options):
    """Bring the device's prefix-lists to ``intent``; returns an Ansible-style result dict."""
    with transport:
        changes = plan_device(intent, transport, transport.get_running(), options)
        commands = [line for change in changes if change.changed for line in transport.commands(change)]
        result = result_of(changes, commands, transport.line_of, intent.device.name)
        if options.check_mode or not commands:
            return result
        try:
            transport.apply(commands)
            _verify(transport, changes)
        except TransportError as exc:
            _roll_back(transport, changes)
            raise TransportError("%s; the previous lists were restored" % exc) from None
        if options.save:
            transport.save()
        return result


def deploy_through_driver(intent, driver, candidate, options, confirm_seconds, check=None):
    """The same through a deployment driver (``drivers``): the driver plans the delta, the guards
    run on its plan, and the change is committed with a confirm timer and confirmed only once
    ``check`` passes (see ``drivers.commit_confirmed``)."""
    with driver:
        driver.load_candidate(candidate)
        changes = driver.changes
        check_changes(intent.device.name, changes, options)
        commands = driver.lines_for([c for c in changes if c.changed])
        result = result_of(changes, commands, driver.line_of, intent.device.name)
        if options.check_mode or not commands:
            driver.discard()
            return result
        commit_confirmed(driver, confirm_seconds, check)
        return result


def deploy_whole_lists(intent, driver, options, confirm_seconds, check=None):
    """Through a CLI driver (``drivers.cli``): the lists are redefined whole, as the platform's renderer
    writes them (``render.replacement``: an object of another kind left from before goes in the same
    commit); the guards compare the lists the candidate replaces with the intent first, and the device
    itself decides what changes (``compare`` is its diff)."""
    with driver:
        current, candidate = replacement(intent.device.platform, intent.prefix_lists, driver.get_running())
        changes = guarded_changes(intent, current, options)
        return commit_candidate(driver, candidate, changes, config_lines(candidate), options, confirm_seconds, check)


def deploy_prefix_sets(intent, driver, options, confirm_seconds, check=None):
    """Through the NETCONF driver as OpenConfig prefix-sets (``render.openconfig``): the guards compare the
    sets parsed from running with the intent first, then one edit of the candidate adds and deletes only
    the prefixes that differ, committed under the device's confirm timer."""
    with driver:
        running = openconfig.parse_prefix_lists(driver.get_running())
        changes = guarded_changes(intent, running, options)
        candidate, commands = openconfig.edit_config(intent.prefix_lists, running)
        if not commands:
            return whole_lists_result(changes, "", [])
        return commit_candidate(driver, candidate, changes, commands, options, confirm_seconds, check)


def guarded_changes(intent, running, options):
    """The whole-list changes from ``running`` ({(afi, name): {n: entry}}) to the intent, past the guards."""
    changes = [
        ListChange(p.afi, p.name, running.get((p.afi, p.name), {}), dict(enumerate(p.entries, 1)), p.description)
        for p in intent.prefix_lists
    ]
    check_changes(intent.device.name, changes, options)
    return changes


def commit_candidate(driver, candidate, changes, commands, options, confirm_seconds, check):
    """Load ``candidate``; unless it changes nothing or this is check mode, commit it confirmed."""
    driver.load_candidate(candidate)
    diff = driver.compare()
    result = whole_lists_result(changes, diff, commands if diff else [])
    if options.check_mode or not diff:
        driver.discard()
        return result
    commit_confirmed(driver, confirm_seconds, check)
    return result


def whole_lists_result(changes, diff, commands):
    return {
        "changed": bool(diff),
        "commands": commands,
        "diff": {"prepared": diff},
        "before": {c.name: [entry_text(e) for s, e in sorted(c.before.items())] for c in changes},
        "after": {c.name: [entry_text(e) for s, e in sorted(c.after.items())] for c in changes},
    }


def _verify(transport, changes):
    running = transport.parse_lists(transport.get_running())
    for change in changes:
        now = running.get((change.afi, change.name), {})
        if now != change.after:
            raise TransportError(
                "after the push the device holds %d entries in %s, %d were planned"
                % (len(now), change.name, len(change.after)),
                transport.where,
            )


def _roll_back(transport, changes):
    """Put every list back to what it was before, from whatever state the push left."""
    running = transport.parse_lists(transport.get_running())
    lines = []
    for change in changes:
        back = ListChange(change.afi, change.name, running.get((change.afi, change.name), {}), change.before)
        if back.changed:
            lines += transport.commands(back)
    transport.apply(lines)
