# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SSH session (the device's host key checked before logging in, see ``hostkeys``), prompt handling and
driver verbs every CLI platform shares (see ``cli``)."""

from __future__ import annotations

import contextlib
import re

from .. import DriverError, unified
from ..hostkeys import HostKeys
from ..locked import short

try:
    from netmiko import ConnectHandler
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoBaseException
    from paramiko.ssh_exception import SSHException

    AUTH_ERRORS = (NetmikoAuthenticationException,)
    # netmiko's timeout errors derive from paramiko's, not from its own base class
    SESSION_ERRORS = (NetmikoBaseException, SSHException, OSError, EOFError)
except ImportError:  # pragma: no cover - reported by the module's missing_required_lib
    ConnectHandler = None
    AUTH_ERRORS = SESSION_ERRORS = ()

PROMPT_TAIL = r"[^\r\n]*[>#]\s*$"
CISCO_REFUSALS = ("% Invalid input", "% Incomplete command", "% Ambiguous command", "% Unknown command", "%Error")
CTRL_D = "\x04"


def config_lines(text):
    """The lines of a candidate that are sent: without comments, blank lines and surrounding blanks."""
    stripped = (line.strip() for line in text.splitlines())
    return [line for line in stripped if line and not line.startswith("!")]


def netmiko_params(device_type, host, port, username, password, timeout):
    """netmiko's connection parameters, every wait bounded by ``timeout`` seconds."""
    return {
        "device_type": device_type,
        "host": host,
        "port": port,
        "username": username,
        "password": password,
        "conn_timeout": timeout,
        "auth_timeout": timeout,
        "banner_timeout": timeout,
        "timeout": timeout,
        "fast_cli": False,
    }


class NetmikoCliDriver:
    platform = None
    device_type = None
    running_command = "show running-config"
    refusal_markers = CISCO_REFUSALS
    volatile = None  # compiled regex of lines that change on every print of the configuration

    def __init__(
        self,
        host,
        username,
        password,
        port=22,
        timeout=30,
        name=None,
        command_timeout=120,
        known_hosts=None,
        hostkey=None,
        hostkey_verify=True,
        **netmiko_options,
    ):
        self.params = {**netmiko_params(self.device_type, host, port, username, password, timeout), **netmiko_options}
        self.command_timeout = command_timeout
        self.host_keys = HostKeys(known_hosts, hostkey, hostkey_verify)
        self.name = name or host
        self.where = "device %s (%s:%s)" % (self.name, host, port)
        self.conn = None
        self.prompt = ""
        self.prompt_pattern = None
        self.candidate = None
        self.pending = False  # committed with a confirm timer, not yet confirmed
        self.committed = None  # the running configuration right after this session's last commit

    # -- session and lock ---------------------------------------------------------------------------

    def __enter__(self):
        self.connect()
        try:
            self.lock()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info):
        if self.conn is None:
            return
        try:
            if not self.pending:
                self.unlock()
        except DriverError:
            pass
        finally:
            self.close()

    def connect(self):
        if ConnectHandler is None:
            raise DriverError("the Python library netmiko is required", self.where)
        checked = self.host_keys.netmiko_checked(self.params["host"], self.params["port"], self.where)
        with self.session_errors("connecting over SSH"), checked as checking:
            self.conn = ConnectHandler(**self.params, **checking)
        try:
            with self.session_errors("reaching the CLI"):
                if not self.conn.check_enable_mode():
                    self.conn.enable()
                self.prompt_pattern = re.escape(self.conn.base_prompt) + PROMPT_TAIL
                self.prompt = self.conn.find_prompt()
        except DriverError:
            self.close()
            raise

    def close(self):
        """Close the connection; with a commit waiting for confirmation, without leaving configuration mode."""
        conn, self.conn = self.conn, None
        if conn is None:
            return
        with contextlib.suppress(*SESSION_ERRORS):
            if self.pending:
                conn.paramiko_cleanup()  # drop the connection; disconnect() then only closes netmiko's log
            conn.disconnect()

    @contextlib.contextmanager
    def session_errors(self, what):
        """netmiko's and paramiko's errors as DriverError naming ``what`` was being done."""
        try:
            yield
        except AUTH_ERRORS:
            raise DriverError("SSH authentication failed for user %s" % self.params["username"], self.where) from None
        except SESSION_ERRORS as exc:
            raise DriverError("%s failed: %s" % (what, short(exc, 1)), self.where) from None

    # -- the CLI ------------------------------------------------------------------------------------

    def send(self, command, expect=None, timeout=None):
        """Run ``command``; its output without the echo and the prompt (which is kept in ``self.prompt``).

        Typed and read as netmiko's ``send_command`` does, but reading until the prompt at once: its fixed
        pause of 25 ms a command would be most of the time a candidate of a few hundred lines takes."""
        if self.conn is None:
            raise DriverError("not connected (use the driver as a context manager)", self.where)
        with self.session_errors("'%s'" % command):
            # what came after the last prompt is not the answer to this command: netmiko, looking for the prompt
            # of a device slow to answer, sends another return, and the device answers both
            self.conn.read_channel()
            self.conn.write_channel(self.conn.normalize_cmd(command))
            output = self.conn.read_until_pattern(
                expect or self.prompt_pattern, read_timeout=timeout or self.command_timeout
            )
        output = self.conn.normalize_linefeeds(output)
        return self.split_prompt(self.conn.strip_command(command, output))

    def read_to_prompt(self, what):
        """What the device prints until its next prompt (after input sent with ``write_channel``)."""
        with self.session_errors(what):
            output = self.conn.read_until_pattern(self.prompt_pattern, read_timeout=self.command_timeout)
        return self.split_prompt(output.replace("\r\n", "\n"))

    def split_prompt(self, output):
        lines = output.rstrip().splitlines()
        self.prompt = lines[-1].strip() if lines else ""
        body = lines[:-1]
        if body and body[-1].strip() == "[edit]":  # Junos prints its configuration context above the prompt
            body = body[:-1]
        return "\n".join(body)

    def type_lines(self, lines):
        """Type ``lines``; the device's refusals, each after the line it refused."""
        refused = []
        for line in lines:
            answers = self.refusals(self.send(line))
            if answers:
                refused.append("%s: %s" % (line, " ".join(answers)))
        return refused

    def in_config(self):
        return "(config" in self.prompt

    def enter_config(self, command):
        output = self.send(command)
        if not self.in_config():
            raise DriverError("'%s' did not enter configuration mode: %s" % (command, short(output)), self.where)
        return output

    def show(self, command):
        return self.send(command)

    def refusals(self, output):
        """The lines of ``output`` in which the device refuses something."""
        lines = (line.strip() for line in output.splitlines())
        return [line for line in lines if line.startswith(self.refusal_markers)]

    def check_accepted(self, output, what):
        refused = self.refusals(output)
        if refused:
            raise DriverError("%s was refused: %s" % (what, "; ".join(refused[:5])), self.where)
        return output

    def clean(self, text):
        """Configuration text without the lines that change on every print (time stamps, sizes)."""
        lines = [line.rstrip() for line in text.splitlines()]
        if self.volatile is not None:
            lines = [line for line in lines if not self.volatile.match(line)]
        return "\n".join(lines).strip("\n") + "\n"

    # -- the verbs ----------------------------------------------------------------------------------

    def get_running(self) -> str:
        return self.clean(self.show(self.running_command))

    def load_candidate(self, text: str) -> None:
        if self.pending:
            raise DriverError("a commit waits for confirmation; confirm or roll it back first", self.where)
        self.discard()
        refused = self.stage(config_lines(text))
        if refused:
            self.discard()
            raise DriverError(
                "the device refused the candidate, nothing was changed: %s" % "; ".join(refused[:5]), self.where
            )
        self.candidate = text

    def compare(self) -> str:
        self._need_candidate()
        running = self.get_running()
        return unified(running, self.candidate_config(running), self.name)

    def commands(self) -> list:
        """The lines of the loaded candidate, as they are sent."""
        self._need_candidate()
        return config_lines(self.candidate)

    def discard(self) -> None:
        self.drop_candidate()
        self.candidate = None

    def commit(self, confirm: int | None = None) -> None:
        """Make the candidate running; with ``confirm`` seconds, only until ``confirm()`` (else back)."""
        self._need_candidate()
        self.activate(confirm)
        self.candidate = None
        self.pending = bool(confirm)
        self.committed = self.get_running()

    def confirm(self) -> None:
        if not self.pending:
            raise DriverError("there is no commit waiting for confirmation", self.where)
        if self.get_running() != self.committed:
            raise DriverError(
                "not confirmed: the running configuration is no longer the one committed (the device's timer "
                "went back to the previous configuration, or another session changed it)",
                self.where,
            )
        self.keep()
        self.pending = False

    def rollback(self) -> None:
        """Back to the configuration before this session's last commit (before confirmation: at once)."""
        if self.pending:
            self.revert_pending()
            self.pending = False
            return
        if self.committed is None:
            raise DriverError("this session made no commit to roll back", self.where)
        self.revert_last()
        self.committed = None

    def _need_candidate(self):
        if self.candidate is None:
            raise DriverError("no candidate is loaded", self.where)

    # -- per platform -------------------------------------------------------------------------------

    def lock(self):  # pragma: no cover - each platform's
        """Take the device's configuration lock (DriverError when another session holds it)."""
        raise NotImplementedError

    def unlock(self):  # pragma: no cover - each platform's
        """Drop any uncommitted candidate and release the lock."""
        raise NotImplementedError

    def drop_candidate(self):  # pragma: no cover - each platform's
        raise NotImplementedError

    def stage(self, lines):  # pragma: no cover - each platform's
        """Put ``lines`` into the device's candidate and have it check them; what the device refused."""
        raise NotImplementedError

    def candidate_config(self, running):  # pragma: no cover - each platform's
        """The whole configuration the device would run with the candidate committed (``running`` now)."""
        raise NotImplementedError

    def activate(self, confirm):  # pragma: no cover - each platform's
        """Commit the candidate; with ``confirm`` seconds, under the device's own confirm timer."""
        raise NotImplementedError

    def keep(self):  # pragma: no cover - each platform's
        """Confirm the commit made with a timer."""
        raise NotImplementedError

    def revert_pending(self):  # pragma: no cover - each platform's
        """Go back at once from a commit that waits for confirmation."""
        raise NotImplementedError

    def revert_last(self):  # pragma: no cover - each platform's
        """Go back from this session's last (confirmed) commit."""
        raise NotImplementedError
