# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR over SSH with vtysh as the login shell: netmiko drives vtysh as it would an IOS-like CLI.

The SSH account on the router runs vtysh as its shell (or ForceCommand), so
netmiko's ``cisco_ios`` driver talks to vtysh directly. The planning, the
read-back after a push and the rollback are every FRR driver's (``frr``). Such
a shell cannot run a dry run nor leave a timer behind: the candidate is checked
by parsing it, a line FRR refuses fails the push (and the lists are put back),
and there is no confirm timer, so ``commit(confirm=...)`` is refused; a
post-change check that fails still rolls the change back. FRR has no
configuration lock, so neither has this driver. The router's host key is
checked before logging in (``hostkeys``).
"""

from __future__ import annotations

import re

from . import DriverError
from .cli.base import netmiko_params
from .frr import FrrBase, refusals
from .hostkeys import HostKeys
from .locked import short

try:
    from netmiko import ConnectHandler
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoBaseException
    from paramiko.ssh_exception import SSHException

    # netmiko's timeout errors derive from paramiko's, not from its own base class
    SESSION_ERRORS = (NetmikoBaseException, SSHException, OSError, EOFError)
except ImportError:  # pragma: no cover - reported by the module's missing_required_lib
    ConnectHandler = None


class FrrNetmikoDriver(FrrBase):
    def __init__(
        self,
        host: str,
        username: str,
        password: str,
        port: int = 22,
        timeout: int = 30,
        name: str | None = None,
        save: bool = True,
        method: str = "auto",
        device_type: str = "cisco_ios",
        known_hosts: str | None = None,
        hostkey: str | None = None,
        hostkey_verify: bool = True,
        **netmiko_options,
    ):
        name = name or host
        super().__init__(name, "device %s (%s:%s)" % (name, host, port), save, method)
        # vtysh answers at once: netmiko's short pauses (its own default) suit it
        login = netmiko_params(device_type, host, port, username, password, timeout)
        self.params = {**login, "fast_cli": True, **netmiko_options}
        self.host_keys = HostKeys(known_hosts, hostkey, hostkey_verify)
        self.conn = None

    def __enter__(self):
        if ConnectHandler is None:
            raise DriverError("the Python library netmiko is required", self.where)
        try:
            with self.host_keys.netmiko_checked(self.params["host"], self.params["port"], self.where) as checking:
                self.conn = ConnectHandler(**self.params, **checking)
        except NetmikoAuthenticationException:
            raise DriverError("SSH authentication failed for user %s" % self.params["username"], self.where) from None
        except SESSION_ERRORS as exc:
            raise DriverError("cannot connect over SSH: %s" % short(exc, 1), self.where) from None
        return self

    def __exit__(self, *exc_info):
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.disconnect()
            except SESSION_ERRORS:
                pass

    def show(self, command):
        try:
            return self.conn.send_command(command, read_timeout=120)
        except SESSION_ERRORS as exc:
            raise DriverError("'%s' failed: %s" % (command, short(exc, 1)), self.where) from None

    def send(self, lines):
        """Type ``lines`` in configuration mode, then ``end``; FRR's refusals among what it printed.

        The lines go in one write and the output is read until vtysh's prompt after ``end``: that prompt comes
        once every line before it is done, so no fixed pause per line nor an idle wait at the end is needed."""
        conn = self.conn
        try:
            output = conn.config_mode()
            conn.write_channel("".join(conn.normalize_cmd(line) for line in [*lines, "end"]))
            output += conn.read_until_pattern(re.escape(conn.base_prompt) + r"#\s*$", read_timeout=300)
        except SESSION_ERRORS as exc:
            raise DriverError("pushing configuration failed: %s" % short(exc, 1), self.where) from None
        return refusals(output)
