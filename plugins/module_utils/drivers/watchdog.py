# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A confirm timer left on the router, for daemons without a commit-confirmed of their own.

``arm`` writes a marker file and starts a detached shell (``setsid``, so it
outlives the SSH connection) that sleeps, then runs the restore command unless
the change was confirmed. Confirming (``disarm``) and the timer race for the
marker, renamed atomically: whoever renames it first wins, so a confirmation
that comes too late is refused, never half applied.
"""

from __future__ import annotations

import shlex

from . import DriverError
from .locked import short


class Watchdog:
    def __init__(self, runner, marker, where):
        self.runner = runner
        self.marker = marker
        self.where = where

    def arm(self, seconds, restore):
        """Run the shell command ``restore`` after ``seconds`` unless ``disarm`` comes first."""
        q = shlex.quote
        fired = self.marker + ".fired"
        self.runner.write(self.marker, "routesec commit waiting for confirmation\n")
        script = "sleep %d; if mv %s %s 2>/dev/null; then %s; rm -f %s; fi" % (
            int(seconds),
            q(self.marker),
            q(fired),
            restore,
            q(fired),
        )
        status, output = self.runner.run(["sh", "-c", "setsid sh -c %s </dev/null >/dev/null 2>&1 &" % q(script)])
        if status != 0:
            raise DriverError("starting the confirm timer failed: %s" % short(output), self.where)

    def disarm(self):
        """True when the timer was stopped before it fired, False when it already ran."""
        status, _output = self.runner.run(["mv", self.marker, self.marker + ".confirmed"])
        self.runner.remove(self.marker + ".confirmed")
        return status == 0
