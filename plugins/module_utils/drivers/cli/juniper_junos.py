# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Juniper Junos over its CLI: ``configure exclusive``, ``commit confirmed`` (minutes)."""

from __future__ import annotations

import math
import re

from .. import DriverError
from ..locked import short
from .base import CTRL_D, PROMPT_TAIL, NetmikoCliDriver


class JuniperJunosDriver(NetmikoCliDriver):
    """Junos: ``configure exclusive`` holds the lock (``configure private`` would not exclude other private
    sessions, and Junos refuses ``commit confirmed`` in it); uncommitted changes of an exclusive session
    are discarded when it ends, also when the connection is lost. A curly candidate is loaded with ``load
    replace terminal`` (statements tagged ``replace:`` replace, the rest merges), set/delete commands with
    ``load set terminal``; input ends with Ctrl-D, then ``commit check`` checks the whole candidate. Junos
    loads what it can of a text with errors, so any error discards the whole candidate (``rollback 0``).
    The confirm timer counts minutes: seconds are rounded up to whole minutes (at least one). ``commit
    check`` confirms (Junos documents that it ends the confirm window; unlike ``commit`` it makes no new
    commit, so ``rollback 1`` still names the configuration before the change). ``rollback 1`` +
    ``commit`` is the rollback, before and after confirmation."""

    platform = "juniper_junos"
    device_type = "juniper_junos"
    running_command = "show configuration"
    volatile = re.compile(r"^## Last (commit|changed): .*$")
    set_words = ("set", "delete", "activate", "deactivate", "insert", "rename")
    load_errors = re.compile(r"(^error:|syntax error|^load complete \(\d+ errors?\))")
    exit_question = r"(Exit with uncommitted changes\?.*$|" + PROMPT_TAIL + ")"

    def in_config(self):
        return self.prompt.endswith("#")

    def show(self, command):
        return self.send(("run " if self.in_config() else "") + command)

    def refusals(self, output):
        lines = (line.strip() for line in output.splitlines())
        return [line for line in lines if self.load_errors.search(line)]

    def lock(self):
        self.enter_config("configure exclusive")

    def unlock(self):
        if self.in_config():
            self.drop_candidate()
            self.send("exit configuration-mode", expect=self.exit_question)
            if "Exit with uncommitted changes" in self.prompt:
                self.send("yes")

    def drop_candidate(self):
        self.send("rollback 0")

    def stage(self, lines):
        form = "set" if all(line.split()[0] in self.set_words for line in lines) else "replace"
        self.send("load %s terminal" % form, expect=r"\[Type \^D at a new line to end input\]")
        with self.session_errors("sending the candidate"):
            for line in lines:
                self.conn.write_channel(line + self.conn.RETURN)
            self.conn.write_channel(CTRL_D)
        refused = self.refusals(self.read_to_prompt("loading the candidate"))
        return refused or self.refusals(self.send("commit check"))

    def candidate_config(self, running):
        return self.clean(self.send("show"))

    def activate(self, confirm):
        if confirm:
            command = "commit confirmed %d" % max(1, math.ceil(confirm / 60))
            marker = "commit confirmed will be automatically rolled back in"
        else:
            command, marker = "commit", "commit complete"
        output = self.send(command)
        if marker not in output:
            self.drop_candidate()
            raise DriverError("'%s' failed, nothing was changed: %s" % (command, short(output)), self.where)

    def keep(self):
        output = self.send("commit check")  # confirms the pending commit without committing anything new
        if "configuration check succeeds" not in output:
            raise DriverError("the confirming 'commit check' failed: %s" % short(output), self.where)

    def revert_pending(self):
        self.revert_last()

    def revert_last(self):
        self.send("rollback 1")
        output = self.send("commit")
        if "commit complete" not in output:
            self.drop_candidate()
            raise DriverError("committing rollback 1 failed: %s" % short(output), self.where)
