# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Arista EOS over its CLI: a named configuration session, ``commit timer``."""

from __future__ import annotations

import math
import re
import secrets

from .. import DriverError
from .base import CISCO_REFUSALS, NetmikoCliDriver


class AristaEosDriver(NetmikoCliDriver):
    """Arista EOS: the candidate is a configuration session (a copy of the running configuration when the
    session is made, plus the candidate's lines, each checked as it is typed); ``show session-config named
    N diffs`` is EOS's own unified diff. Committing a session overwrites the running configuration with the
    session's copy, including changes other sessions made meanwhile, and EOS sessions do not exclude each
    other: the lock is cooperative. Entering, the driver opens its own session and then refuses to go on
    while any other session is pending or waits for its commit timer (two runs starting at once both
    refuse: neither proceeds). A session outlives a lost connection (EOS discards an uncommitted one after
    24 hours), so a run that died leaves one behind; the refusal names it (``configure session NAME abort``
    removes it). The lock is held until the commit; a session committed with ``commit timer`` stays listed
    as pending its timer until confirmed. ``rollback()`` after confirmation replaces the running
    configuration with the copy taken just before the commit (``flash:routesec-rollback.cfg``)."""

    platform = "arista_eos"
    device_type = "arista_eos"
    refusal_markers = (*CISCO_REFUSALS, "% Error", "% Session", "% Cannot")
    volatile = re.compile(r"^! (Command|Time): .*$")
    rollback_file = "flash:routesec-rollback.cfg"
    session_row = re.compile(r"^[*\s]\s*(\S+)\s+(pending|pendingCommitTimer)\b")
    timer_line = re.compile(r"^Session with pending commit timer: (\S+)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = None
        self.staged = False  # the session holds typed lines

    def lock(self):
        self.open_session()
        others = self.other_sessions()
        if others:
            self.close_session()
            raise DriverError(
                "another configuration session is pending or waits for its commit timer: %s (if no run uses "
                "it any more, remove it with 'configure session NAME abort')" % ", ".join(others),
                self.where,
            )

    def unlock(self):
        if self.session is not None:
            self.close_session()

    def open_session(self):
        self.session = "routesec-%s" % secrets.token_hex(4)
        self.staged = False
        self.enter_config("configure session %s" % self.session)
        self.send("end")  # the session stays, pending

    def close_session(self):
        self.send("configure session %s abort" % self.session)
        self.session = None

    def other_sessions(self):
        names = set()
        for line in self.send("show configuration sessions detail").splitlines():
            match = self.session_row.match(line) or self.timer_line.match(line)
            if match:
                names.add(match.group(1))
        return sorted(names - {self.session})

    def drop_candidate(self):
        """A fresh session (a new copy of the running configuration), and the lock checked again."""
        if self.session is not None and not self.staged:
            return
        if self.session is not None:
            self.close_session()
        self.lock()

    def stage(self, lines):
        self.enter_config("configure session %s" % self.session)
        self.staged = True
        refused = self.type_lines(lines)
        self.send("end")
        return refused

    def compare(self) -> str:
        self._need_candidate()
        diff = self.send("show session-config named %s diffs" % self.session)
        return diff.strip("\n") + "\n" if re.search(r"^@@ ", diff, re.MULTILINE) else ""

    def activate(self, confirm):
        self.check_accepted(self.send("copy running-config %s" % self.rollback_file), "saving the running copy")
        command = "configure session %s commit" % self.session
        if confirm:
            hours, rest = divmod(max(1, math.ceil(confirm)), 3600)
            command += " timer %02d:%02d:%02d" % (hours, *divmod(rest, 60))
        self.check_accepted(self.send(command), "'%s'" % command)
        if not confirm:
            self.session = None

    def keep(self):
        command = "configure session %s commit" % self.session
        self.check_accepted(self.send(command), "'%s'" % command)
        self.session = None

    def revert_pending(self):
        self.close_session()

    def revert_last(self):
        command = "configure replace %s" % self.rollback_file
        self.check_accepted(self.send(command), "'%s'" % command)
