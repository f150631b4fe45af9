# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""File + reload: daemons configured by one file, checked by the daemon and reloaded (BIRD 2, OpenBGPD).

Beside the daemon's configuration file ``F`` the driver keeps ``F.routesec-candidate``
(written by ``load_candidate`` and checked by the daemon's own parser before
anything else happens), ``F.routesec-previous`` (the file before the last commit,
for ``rollback``) and the lock directory ``F.routesec-lock`` (see ``locked``). How a
daemon checks, activates with or without a confirm timer, confirms and
reloads is each subclass's.
"""

from __future__ import annotations

from . import DriverError, unified
from .locked import RunnerDriver, short


class FileReloadDriver(RunnerDriver):
    platform = None
    activation_swaps_file = False  # True when activating moves the candidate over the configuration file

    def __init__(self, runner, config_path, name=None, main_path=None):
        self.path = str(config_path)
        self.main_path = str(main_path) if main_path else None
        self.name = name or self.path
        super().__init__(
            runner, self.path + ".routesec-lock", "device %s (%s, %s)" % (self.name, self.path, runner.where)
        )
        self.candidate_path = self.path + ".routesec-candidate"
        self.previous_path = self.path + ".routesec-previous"
        self.candidate = None
        self.pending = False  # committed with a confirm timer, not yet confirmed

    # -- the verbs ----------------------------------------------------------------------------------

    def get_running(self) -> str:
        text = self.runner.read(self.path)
        if text is None:
            raise DriverError("the configuration file does not exist", self.where)
        return text

    def load_candidate(self, text: str) -> None:
        self.runner.write(self.candidate_path, text)
        status, output = self.check(self.candidate_path)
        if status != 0:
            self.runner.remove(self.candidate_path)
            raise DriverError("the daemon refused the candidate, nothing was changed: %s" % short(output), self.where)
        self.candidate = text

    def compare(self) -> str:
        self._need_candidate()
        return unified(self.get_running(), self.candidate, self.name)

    def discard(self) -> None:
        self.runner.remove(self.candidate_path)
        self.candidate = None

    def commit(self, confirm: int | None = None) -> None:
        """Activate the candidate; with ``confirm`` seconds, only until ``confirm()`` (else back)."""
        self._need_candidate()
        self.runner.write(self.previous_path, self.get_running())
        if confirm:
            self.activate(self.candidate_path, confirm)
            self.pending = True
            return
        self.activate(self.candidate_path, None)
        self._promote()

    def confirm(self) -> None:
        if not self.pending:
            raise DriverError("there is no commit waiting for confirmation", self.where)
        self.keep()
        self.pending = False
        self._promote()

    def rollback(self) -> None:
        """Back to the file before the last commit (or, before confirmation, the running file)."""
        if self.pending:
            self.activate(self.path, None)
            self.pending = False
            self.runner.remove(self.candidate_path)
            return
        previous = self.runner.read(self.previous_path)
        if previous is None:
            raise DriverError("there is no previous configuration to roll back to", self.where)
        self.runner.write(self.path, previous)
        self.activate(self.path, None)

    # -- helpers --------------------------------------------------------------------------------------

    def through_main(self, path):
        """The file the daemon reads to check or run ``path``: itself, or with ``main_path`` a copy of the main
        file that includes ``path`` where it includes the managed file (DriverError when it does not)."""
        if not self.main_path:
            return path
        if path == self.path:
            return self.main_path
        main = self.runner.read(self.main_path)
        include = 'include "%s"' % self.path
        if main is None or include not in main:
            raise DriverError("%s does not say %s; nothing was changed" % (self.main_path, include), self.where)
        copy = self.main_path + ".routesec-candidate"
        self.runner.write(copy, main.replace(include, 'include "%s"' % path))
        return copy

    def _promote(self):
        """The confirmed candidate becomes the configuration file (unless activating put it there)."""
        if not self.activation_swaps_file:
            self.runner.rename(self.candidate_path, self.path)
        self.candidate = None

    def _need_candidate(self):
        if self.candidate is None:
            raise DriverError("no candidate is loaded", self.where)

    # -- per daemon -----------------------------------------------------------------------------------

    def check(self, path):  # pragma: no cover - each daemon's
        """(status, output) of the daemon's own check of the file at ``path``."""
        raise NotImplementedError

    def activate(self, path, confirm):  # pragma: no cover - each daemon's
        """Make the daemon run the file at ``path``; with ``confirm`` seconds, only until ``keep()``."""
        raise NotImplementedError

    def keep(self):  # pragma: no cover - each daemon's
        """Confirm an activation made with a timer; DriverError when the timer already undid it."""
        raise NotImplementedError
