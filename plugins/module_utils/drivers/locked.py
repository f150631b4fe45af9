# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every driver working through a runner shares: the device lock and running a command.

The lock is a directory made atomically with ``mkdir`` on the device: entering
the driver makes it (a second run finds it and stops), leaving removes it.
"""

from __future__ import annotations

from . import DriverError


class RunnerDriver:
    def __init__(self, runner, lock_path, where):
        self.runner = runner
        self.lock_path = lock_path
        self.where = where
        self.locked = False

    def __enter__(self):
        if not self.runner.mkdir_lock(self.lock_path):
            raise DriverError(
                "another run holds the lock %s; wait for it (or remove the directory if no run is left)"
                % self.lock_path,
                self.where,
            )
        self.locked = True
        return self

    def __exit__(self, *exc_info):
        if self.locked:
            self.runner.release_lock(self.lock_path)
            self.locked = False

    def command(self, argv, what):
        """Run ``argv`` on the device; DriverError with its output when it fails."""
        status, output = self.runner.run(argv)
        if status != 0:
            raise DriverError("%s failed: %s" % (what, short(output)), self.where)
        return output


def short(output, count=5):
    """The last ``count`` lines of a command's output, on one line, for an error message."""
    lines = [line.strip() for line in str(output).splitlines() if line.strip()]
    return "; ".join(lines[-count:]) if lines else "no output"
