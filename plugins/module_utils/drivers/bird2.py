# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""BIRD 2: the candidate file checked by ``bird -p``, activated through ``birdc``.

Commit-confirmed is BIRD's own: ``configure "candidate" timeout N`` runs the
candidate and has BIRD itself go back to the configuration it ran before unless
``configure confirm`` comes within N seconds, so a run that loses its connection
is undone by the daemon. The configuration file on disk is replaced only once
the change is confirmed (or at once, without a timer), so a restarted BIRD
never starts on an unconfirmed file.

With ``main_path`` the driver manages one file that BIRD's configuration
includes (``file_reload``): the candidate is checked and run through a copy of
the main file, and the confirmed candidate replaces the included file.
"""

from __future__ import annotations

import re

from . import DriverError
from .file_reload import FileReloadDriver

CONFIRMED = "Reconfiguration confirmed"
ROUTES = re.compile(r"Routes:\s+(\d+) imported,.*?(\d+) exported")


class Bird2Driver(FileReloadDriver):
    platform = "bird2"

    def __init__(
        self,
        runner,
        config_path="/etc/bird/bird.conf",
        socket="/run/bird/bird.ctl",
        name=None,
        bird="bird",
        birdc="birdc",
        main_path=None,
    ):
        super().__init__(runner, config_path, name, main_path)
        self.socket = socket
        self.bird = bird
        self.birdc = birdc

    def birdc_command(self, *words):
        return self.command([self.birdc, "-s", self.socket, *words], "birdc %s" % " ".join(words))

    def check(self, path):
        return self.runner.run([self.bird, "-p", "-c", self.through_main(path)])

    def activate(self, path, confirm):
        words = ["configure", '"%s"' % self.through_main(path)] + (["timeout", str(int(confirm))] if confirm else [])
        output = self.birdc_command(*words)
        if "Reconfigured" not in output and "Reconfiguration in progress" not in output:
            raise DriverError("BIRD did not reconfigure: %s" % output.splitlines()[-1:], self.where)

    def keep(self):
        output = self.birdc_command("configure", "confirm")
        if CONFIRMED not in output:
            raise DriverError(
                "BIRD had nothing to confirm: its timer already went back to the previous configuration",
                self.where,
            )

    def protocols(self):
        """{name: (protocol, state, info)} from ``show protocols``."""
        found = {}
        for line in self.birdc_command("show", "protocols").splitlines()[2:]:
            fields = line.split()
            if len(fields) >= 4:
                found[fields[0]] = (fields[1], fields[3], " ".join(fields[5:]))
        return found

    def established(self, names) -> set:
        """The BGP protocols among ``names`` that are up and Established."""
        running = self.protocols()
        return {n for n in names if n in running and running[n][1] == "up" and "Established" in running[n][2]}

    def prefix_counts(self, names) -> dict:
        """{protocol: {"accepted": imported, "sent": exported}} over its channels, for the known ``names``."""
        counts = {}
        for name in names:
            status, output = self.runner.run([self.birdc, "-s", self.socket, "show", "protocols", "all", name])
            found = ROUTES.findall(output) if status == 0 else []
            if found:
                counts[name] = {"accepted": sum(int(i) for i, e in found), "sent": sum(int(e) for i, e in found)}
        return counts
