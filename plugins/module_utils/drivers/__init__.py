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
both. ``apply_confirmed`` is the safe sequence built from the verbs.
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


def apply_confirmed(driver, candidate, confirm_seconds, check=None):
    """Load ``candidate``; when it differs, ``commit_confirmed`` it. Returns the diff that was
    applied ("" when nothing was to do)."""
    driver.load_candidate(candidate)
    diff = driver.compare()
    if not diff:
        driver.discard()
        return ""
    commit_confirmed(driver, confirm_seconds, check)
    return diff


def commit_confirmed(driver, confirm_seconds, check=None):
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

    def check(driver):
        deadline = time.monotonic() + timeout
        while True:
            missing = sorted(set(names) - driver.established(names))
            if not missing:
                return
            if time.monotonic() >= deadline:
                raise DriverError(
                    "not Established %s s after the change: %s; rolled back" % (timeout, ", ".join(missing)),
                    driver.where,
                )
            time.sleep(1)

    return check
