# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way a change reaches a device: read, plan, guard, load, compare, commit confirmed, check, confirm.

``deploy`` runs the same sequence through every driver (``drivers``) for every
module: it reads the running configuration, has the caller's planner turn it
into a ``Plan`` (the candidate, and the lists it changes for the guards), runs
the guards, loads the candidate (the device checks it), compares, and unless
this is check mode or nothing differs, commits under the device's confirm timer,
runs the post-change checks and confirms, or rolls back when a check fails. What
a commit sends (the minimal delta or a whole replacement) is decided by the
driver (FRR) or the renderer (``render.replacement``), never here. An option the
driver cannot honour is refused before anything is planned, never ignored.

The driver must be open (``with driver:``); ``changed`` is decided by the
device's own comparison, never by having sent something.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..drivers import all_of, commit_confirmed, prefix_counts_within, sessions_established
from ..errors import TransportError
from ..render import replacement
from ..render.common import entry_text
from ..render.list_delta import ListChange
from .guards import DEFAULT_MAX_SHRINK_PERCENT, check_list_change

DEFAULT_CONFIRM_SECONDS = 120


@dataclass
class DeployOptions:
    check_mode: bool = False
    max_shrink_percent: float = DEFAULT_MAX_SHRINK_PERCENT
    allow_empty: bool = False
    allow_shrink: bool = False
    # None: the driver's confirm timer at DEFAULT_CONFIRM_SECONDS where it has one; 0: no timer
    confirm_timeout: int | None = None
    wait_established: list = field(default_factory=list)
    established_timeout: int = 60
    prefix_bounds: list = field(default_factory=list)


@dataclass
class Plan:
    """What to load, planned from the running configuration.

    ``changes`` are the prefix-lists the candidate changes (plan.ListChange), for the guards and the
    result; ``commands`` the lines to report (else the driver's ``commands()``); ``check_loaded(driver)``
    refuses a loaded candidate (raise) before anything is committed; ``read_back(driver)`` is a
    post-change check of what the device holds after the commit (raise to roll back). A ``candidate``
    of None means there is nothing to change.
    """

    candidate: str | None
    changes: list = field(default_factory=list)
    commands: list | None = None
    check_loaded: Callable | None = None
    read_back: Callable | None = None


@dataclass
class Outcome:
    diff: str
    commands: list
    changes: list
    committed: bool

    @property
    def changed(self) -> bool:
        return bool(self.diff)


def deploy(
    driver,
    planner: str | Plan | Callable[[str], Plan],
    options: DeployOptions | None = None,
    check: Callable | None = None,
) -> Outcome:
    """Bring the open ``driver``'s device to what ``planner`` plans: a whole candidate text, a Plan, or a
    function of the running configuration returning one. ``check(driver)`` is a further post-change check."""
    options = options or DeployOptions()
    confirm = confirm_seconds(driver, options)
    post_change = all_of(post_change_check(driver, options), check)
    plan = planned(planner, driver)
    for change in plan.changes:
        check_list_change(
            device_name(driver), change, options.max_shrink_percent, options.allow_empty, options.allow_shrink
        )
    if plan.candidate is None:
        return Outcome("", [], plan.changes, False)
    driver.load_candidate(plan.candidate)
    diff = driver.compare()
    if diff and plan.check_loaded is not None:
        try:
            plan.check_loaded(driver)
        except Exception:
            driver.discard()
            raise
    commands = (plan.commands if plan.commands is not None else driver_commands(driver)) if diff else []
    if options.check_mode or not diff:
        driver.discard()
        return Outcome(diff, commands, plan.changes, False)
    commit_confirmed(driver, confirm, all_of(plan.read_back, post_change))
    return Outcome(diff, commands, plan.changes, True)


def planned(planner, driver):
    if isinstance(planner, Plan):
        return planner
    if isinstance(planner, str):
        return Plan(planner)
    return planner(driver.get_running())


def confirm_seconds(driver, options):
    """The confirm timer to commit with (None: none); TransportError naming the option when the driver has no
    timer and one was asked for."""
    timer = getattr(driver, "confirm_timer", True)
    if options.confirm_timeout is None:
        return DEFAULT_CONFIRM_SECONDS if timer else None
    if options.confirm_timeout and not timer:
        raise TransportError(
            "%s has no confirm timer (set confirm_timeout to 0 to commit without one%s); "
            "nothing was changed" % (driver.where, ", or use transport=vtysh" if driver.platform == "frr" else ""),
            field="confirm_timeout",
        )
    return options.confirm_timeout or None


def post_change_check(driver, options):
    """The check the options ask for (None when none); TransportError naming the option the driver cannot
    answer."""
    for option, verb, what in (
        ("wait_established", "established", "tell which BGP sessions are Established"),
        ("prefix_bounds", "prefix_counts", "count the prefixes of a BGP session"),
    ):
        if getattr(options, option) and not hasattr(driver, verb):
            raise TransportError(
                "%s cannot %s for a post-change check; nothing was changed" % (driver.where, what),
                field=option,
            )
    timeout = options.established_timeout
    sessions = sessions_established(options.wait_established, timeout) if options.wait_established else None
    counts = prefix_counts_within(options.prefix_bounds, timeout) if options.prefix_bounds else None
    return all_of(sessions, counts)


def driver_commands(driver):
    return driver.commands() if hasattr(driver, "commands") else []


def device_name(driver):
    return getattr(driver, "name", None) or driver.where


# -- prefix-lists -----------------------------------------------------------------------------------


def prefix_list_plan(prefix_lists, syntax: str) -> Callable[[str], Plan]:
    """The planner that replaces ``prefix_lists`` whole in the configuration syntax of ``syntax`` (a platform,
    or ``openconfig`` for NETCONF): the guards compare the lists the candidate replaces with the intent."""

    def plan(running):
        current, candidate, commands = replacement(syntax, prefix_lists, running)
        changes = [
            ListChange(p.afi, p.name, current.get((p.afi, p.name), {}), dict(enumerate(p.entries, 1)), p.description)
            for p in prefix_lists
        ]
        return Plan(candidate, changes, commands)

    return plan


def list_result(outcome: Outcome) -> dict:
    """A prefix-list deployment as an Ansible result: changed, commands, diff, each list before and after."""
    return {
        "changed": outcome.changed,
        "commands": outcome.commands,
        "diff": {"prepared": outcome.diff},
        "before": {c.name: [entry_text(e) for _s, e in sorted(c.before.items())] for c in outcome.changes},
        "after": {c.name: [entry_text(e) for _s, e in sorted(c.after.items())] for c in outcome.changes},
    }
