# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR over SSH: netmiko drives vtysh as it would an IOS-like CLI.

The SSH account on the router runs vtysh as its shell (or ForceCommand), so
netmiko's ``cisco_ios`` driver talks to vtysh directly. FRR answers a line it
refuses with a ``%`` message; any such answer fails the push. The router's host
key is checked before logging in, as the drivers check it (``drivers.hostkeys``).
"""

from __future__ import annotations

from ..drivers.cli.base import netmiko_params
from ..drivers.hostkeys import HostKeys
from ..errors import TransportError
from ..render import frr

try:
    from netmiko import ConnectHandler
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoBaseException
    from paramiko.ssh_exception import SSHException

    # netmiko's timeout errors derive from paramiko's, not from its own base class
    SESSION_ERRORS = (NetmikoBaseException, SSHException, OSError, EOFError)
except ImportError:  # pragma: no cover - reported by the module's missing_required_lib
    ConnectHandler = None

ERROR_MARKERS = (
    "% Unknown command",
    "% Invalid",
    "% Malformed",
    "% Ambiguous",
    "% Incomplete",
    "% Command incomplete",
    "% There is no matched command",
    "% Configuration failed",
)


class Transport:
    platform = "frr"

    def __init__(
        self,
        host,
        username,
        password,
        port=22,
        timeout=30,
        name=None,
        device_type="cisco_ios",
        known_hosts=None,
        hostkey=None,
        hostkey_verify=True,
    ):
        self.params = netmiko_params(device_type, host, port, username, password, timeout)
        self.host_keys = HostKeys(known_hosts, hostkey, hostkey_verify)
        self.name = name or host
        self.where = "device %s (%s:%s)" % (self.name, host, port)
        self.conn = None

    def __enter__(self):
        if ConnectHandler is None:
            raise TransportError("the Python library netmiko is required", self.where)
        try:
            with self.host_keys.netmiko_checked(self.params["host"], self.params["port"], self.where) as checking:
                self.conn = ConnectHandler(**self.params, **checking)
        except NetmikoAuthenticationException:
            raise TransportError(
                "SSH authentication failed for user %s" % self.params["username"], self.where
            ) from None
        except SESSION_ERRORS as exc:
            raise TransportError("cannot connect over SSH: %s" % _first_line(exc), self.where) from None
        return self

    def __exit__(self, *exc_info):
        if self.conn is not None:
            try:
                self.conn.disconnect()
            except SESSION_ERRORS:
                pass
            self.conn = None

    def _send(self, command, read_timeout=120):
        try:
            return self.conn.send_command(command, read_timeout=read_timeout)
        except SESSION_ERRORS as exc:
            raise TransportError("'%s' failed: %s" % (command, _first_line(exc)), self.where) from None

    def get_running(self):
        return self._send("show running-config")

    def show(self, command):
        """The answer to a ``show`` command."""
        return self._send(command)

    parse_lists = staticmethod(frr.parse_prefix_lists)
    line_of = staticmethod(frr.entry_line)

    commands = staticmethod(frr.change_lines)

    def apply(self, lines):
        if not lines:
            return ""
        try:
            output = self.conn.send_config_set(lines, cmd_verify=False, read_timeout=300)
        except SESSION_ERRORS as exc:
            raise TransportError("pushing configuration failed: %s" % _first_line(exc), self.where) from None
        refused = [ln.strip() for ln in output.splitlines() if ln.strip().startswith(ERROR_MARKERS)]
        if refused:
            raise TransportError("the router refused the change: %s" % "; ".join(refused[:5]), self.where)
        return output

    def save(self):
        output = self._send("write memory")
        if "[OK]" not in output and "Configuration saved" not in output:
            raise TransportError("'write memory' did not confirm: %s" % _first_line(output), self.where)
        return output


def _first_line(value):
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__
