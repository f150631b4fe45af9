# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenBGPD: the candidate checked by ``bgpd -n``, swapped in and reloaded with ``bgpctl reload``.

``bgpctl reload`` rereads the file bgpd was started with, so activating means
putting the candidate in its place (the previous file is kept). OpenBGPD has no
commit-confirmed of its own: with a confirm timer the driver leaves a watchdog
on the router (a detached shell, so it outlives the SSH connection) that puts
the previous file back and reloads unless the change is confirmed in time.
(see ``watchdog``). With ``main_path`` (``file_reload``) the managed file is
one the configuration includes: it is checked through a copy of the main file,
and swapped in before the reload like a whole configuration.
"""

from __future__ import annotations

import shlex
import time

from . import DriverError
from .file_reload import FileReloadDriver
from .watchdog import Watchdog

PROCESSED = "request processed"
BUSY = "previous reload still running"
RELOAD_BUSY_WAIT = 30  # seconds


class OpenbgpdDriver(FileReloadDriver):
    platform = "openbgpd"
    activation_swaps_file = True  # bgpctl reload rereads the file bgpd was started with

    def __init__(
        self,
        runner,
        config_path="/etc/bgpd.conf",
        socket="/run/openbgpd/bgpd.sock",
        name=None,
        bgpd="bgpd",
        bgpctl="bgpctl",
        main_path=None,
    ):
        super().__init__(runner, config_path, name, main_path)
        self.socket = socket
        self.bgpd = bgpd
        self.bgpctl = bgpctl
        self.watchdog = Watchdog(runner, self.path + ".routesec-pending", self.where)

    def check(self, path):
        return self.runner.run([self.bgpd, "-n", "-f", self.through_main(path)])

    def reload(self):
        """``bgpctl reload``; asked again while bgpd is still busy with an earlier one (or with its start), for
        up to ``RELOAD_BUSY_WAIT`` seconds."""
        deadline = time.monotonic() + RELOAD_BUSY_WAIT
        while True:
            output = self.command([self.bgpctl, "-s", self.socket, "reload"], "bgpctl reload")
            if PROCESSED in output:
                return
            if BUSY not in output or time.monotonic() >= deadline:
                raise DriverError("bgpd did not reload: %s" % " ".join(output.split())[-300:], self.where)
            time.sleep(0.2)

    def established(self, names) -> set:
        """The neighbors (addresses or descriptions) among ``names`` whose session is Established."""
        found = set()
        for name in names:
            status, output = self.runner.run([self.bgpctl, "-s", self.socket, "show", "neighbor", name])
            if status == 0 and "BGP state = Established" in output:
                found.add(name)
        return found

    def refresh(self, names) -> None:
        """Ask each Established neighbour among ``names`` (addresses or descriptions) to send its routes again (route
        refresh, RFC 2918), so that bgpd evaluates them afresh (one not Established sends them when it comes up);
        DriverError naming the first bgpd does not take."""
        for name in sorted(self.established(names)):
            output = self.command([self.bgpctl, "-s", self.socket, "neighbor", name, "refresh"], "bgpctl refresh")
            if PROCESSED not in output:
                raise DriverError("bgpd did not refresh %s: %s" % (name, " ".join(output.split())[-300:]), self.where)

    def activate(self, path, confirm):
        if path != self.path:
            self.runner.rename(path, self.path)
        if confirm:
            self._arm(confirm)
        try:
            self.reload()
        except DriverError:
            self._restore()
            raise

    def keep(self):
        if not self.watchdog.disarm():
            raise DriverError(
                "nothing to confirm: the driver's timer already put the previous configuration back", self.where
            )

    def rollback(self) -> None:
        if self.pending:
            self.watchdog.disarm()
            self.pending = False
            self._restore()
            return
        super().rollback()

    def _restore(self):
        previous = self.runner.read(self.previous_path)
        if previous is not None:
            self.runner.write(self.path, previous)
            self.reload()

    def _arm(self, seconds):
        q = shlex.quote
        restore = "cp %s %s && %s -s %s reload" % (q(self.previous_path), q(self.path), q(self.bgpctl), q(self.socket))
        self.watchdog.arm(seconds, restore)
