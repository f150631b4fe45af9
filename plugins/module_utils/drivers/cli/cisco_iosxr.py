# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS-XR over its CLI: ``configure exclusive``, ``commit confirmed``."""

from __future__ import annotations

import math
import re

from .. import DriverError
from ..locked import short
from .base import CISCO_REFUSALS, PROMPT_TAIL, NetmikoCliDriver


class CiscoXrDriver(NetmikoCliDriver):
    """IOS-XR: ``configure exclusive`` holds the lock and a target configuration (the candidate, a change
    set: it starts empty) that refuses a bad line as it is typed; ``show configuration merge`` is what a
    commit would give. ``commit confirmed S`` takes 30 to 65535 seconds (timers outside are moved to the
    nearest end); ``commit`` from the same session confirms (``% Confirming commit for trial session.``;
    other sessions cannot). IOS-XR releases the exclusive lock once a trial commit is in (the driver takes
    it again after the confirmation), and a lost connection does not undo the trial early: its timer
    does. Leaving configuration mode with ``end`` and answering ``yes`` undoes an unconfirmed trial at
    once, which is what ``rollback()`` does before confirmation."""

    platform = "cisco_iosxr"
    device_type = "cisco_xr"
    refusal_markers = (*CISCO_REFUSALS, "% Failed", "% Cannot commit", "% Error")
    volatile = re.compile(
        r"^(\w{3} \w{3} +\d+ \d+:\d+:\d+\.\d+ \w+|(!! )?Building configuration\.\.\.|!! IOS XR Configuration.*"
        r"|!! Last configuration change.*)$"
    )
    confirm_seconds = (30, 65535)
    exit_question = r"(Do you wish to exit\? \[no\]:\s*$|" + PROMPT_TAIL + ")"

    def lock(self):
        self.enter_config("configure exclusive")

    def unlock(self):
        if self.in_config():
            self.send("abort")  # drops the target configuration and leaves configuration mode

    def drop_candidate(self):
        self.send("clear")

    def stage(self, lines):
        return self.type_lines(lines)

    def candidate_config(self, running):
        return self.clean(self.send("show configuration merge"))

    def activate(self, confirm):
        low, high = self.confirm_seconds
        seconds = min(high, max(low, math.ceil(confirm))) if confirm else None
        output = self.send("commit confirmed %d" % seconds if seconds else "commit")
        if self.refusals(output):
            failed = self.send("show configuration failed")
            self.drop_candidate()
            raise DriverError("the router refused the commit, nothing was changed: %s" % short(failed), self.where)
        if not seconds:
            self.relock()

    def keep(self):
        output = self.send("commit")
        if "Confirming commit for trial session" not in output:
            raise DriverError(
                "the router had no trial commit of this session to confirm: %s" % short(output), self.where
            )
        self.relock()

    def relock(self):
        """Leave and enter exclusive configuration mode again (IOS-XR drops the lock with a trial commit)."""
        self.unlock()
        self.lock()

    def revert_pending(self):
        self.send("end", expect=self.exit_question)
        if "Do you wish to exit" in self.prompt:
            self.send("yes")
        self.enter_config("configure exclusive")

    def revert_last(self):
        self.unlock()
        output = self.send("rollback configuration last 1")
        self.enter_config("configure exclusive")
        self.check_accepted(output, "'rollback configuration last 1'")
