# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deployment drivers: one interface for every way configuration reaches a router.

Every driver offers the same verbs, after NAPALM's:

* ``get_running()``: the configuration the device runs now (text);
* ``load_candidate(text)``: stage a candidate and have the device check it
  (a refused candidate raises DriverError and changes nothing);
* ``compare()``: a unified diff from running to candidate ("" when equal);
* ``commit(confirm=None)``: make the candidate running; with ``confirm``
  seconds, the device (or the driver's own timer on it) goes back to the
  previous configuration unless ``confirm()`` comes in time, so a change
  that cuts the management path undoes itself;
* ``confirm()``: keep a commit made with ``confirm``;
* ``discard()``: drop the candidate;
* ``rollback()``: go back to the configuration before the last commit.

A driver is a context manager: entering it opens the session and takes the
device's lock (two runs never interleave on one device), leaving it releases
both. What a driver can do beyond the verbs it says by what it has:
``confirm_timer`` (False when ``commit`` takes no ``confirm``), ``commands()``
(the lines a commit of the loaded candidate sends), and ``established(names)``
and ``prefix_counts(names)`` for the post-change checks below. ``registry``
chooses the driver for a device; ``plan.deploy.deploy`` is the one sequence built
from the verbs.

Layer 4. Imports from: base, intent, render.
"""

from __future__ import annotations

import difflib
import time

from ..errors import TransportError


class DriverError(TransportError):
    """The device refused a verb, or could not be reached; nothing more was changed by the driver."""


def unified(running, candidate, name):
    """The unified diff between two configuration texts."""
    return "".join(
        difflib.unified_diff(
            running.splitlines(True),
            candidate.splitlines(True),
            fromfile="%s (running)" % name,
            tofile="%s (candidate)" % name,
        )
    )


def commit_confirmed(driver, confirm_seconds: int | None, check=None) -> None:
    """Commit the loaded candidate with a confirm timer, run ``check(driver)`` (raise to refuse) and
    confirm only when the check passes, else roll back. Any failure before the confirmation leaves the
    device on its previous configuration: the driver rolls back itself, and if the connection is lost
    the timer on the device does. Without ``confirm_seconds`` the commit is final at once, and a
    failed check still rolls it back."""
    driver.commit(confirm=confirm_seconds or None)
    try:
        if check is not None:
            check(driver)
    except Exception:
        driver.rollback()
        raise
    if confirm_seconds:
        driver.confirm()


def sessions_established(names, timeout):
    """A post-change check for ``commit_confirmed``: every session in ``names`` Established within
    ``timeout`` seconds (asked through the driver's ``established``), else DriverError naming the others."""

    def missing(driver):
        return ["%s not Established" % name for name in sorted(set(names) - driver.established(names))]

    return polled(missing, timeout)


def prefix_counts_within(bounds, timeout):
    """A post-change check: for each bound ``{"neighbor", "direction" (accepted|sent), "min", "max"}`` the
    neighbor's count of prefixes in that direction within [min, max] (either may be None) within
    ``timeout`` seconds, asked through the driver's ``prefix_counts``."""

    def missing(driver):
        counts = driver.prefix_counts(sorted({b["neighbor"] for b in bounds}))
        return [
            _outside(b, counts.get(b["neighbor"], {}).get(b["direction"])) for b in bounds if not _within(b, counts)
        ]

    return polled(missing, timeout)


def all_of(*checks):
    """One post-change check that runs ``checks`` in order (None ones left out)."""
    present = [check for check in checks if check is not None]
    if not present:
        return None

    def check(driver):
        for each in present:
            each(driver)

    return check


def polled(missing, timeout):
    """A check that asks ``missing(driver)`` (a list of what is not right yet) until it is empty, at most
    ``timeout`` seconds, else DriverError listing what is still not right."""

    def check(driver):
        deadline = time.monotonic() + timeout
        while True:
            wrong = missing(driver)
            if not wrong:
                return
            if time.monotonic() >= deadline:
                raise DriverError(
                    "%s s after the change: %s; rolled back" % (timeout, ", ".join(wrong)),
                    driver.where,
                )
            time.sleep(1)

    return check


def _within(bound, counts):
    count = counts.get(bound["neighbor"], {}).get(bound["direction"])
    if count is None:
        return False
    return (bound.get("min") is None or count >= bound["min"]) and (bound.get("max") is None or count <= bound["max"])


def _outside(bound, count):
    return "%s prefixes %s %s: %s, wanted %s to %s" % (
        bound["direction"],
        "from" if bound["direction"] == "accepted" else "to",
        bound["neighbor"],
        "unknown" if count is None else count,
        "0" if bound.get("min") is None else bound["min"],
        "any" if bound.get("max") is None else bound["max"],
    )
