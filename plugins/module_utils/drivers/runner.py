# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a file+reload driver runs its commands and keeps its files.

``LocalRunner`` runs them on this machine (a daemon the controller hosts, and
the tests' daemons); ``SshRunner`` on a router over SSH (paramiko: one exec
channel per command, SFTP for files; the router's host key is checked before
logging in, see ``hostkeys``). Both offer ``run(argv)`` -> (exit status,
output), ``read(path)`` (None when absent), ``write(path, text)`` (a temporary
file renamed into place, so a reader never sees half a file), ``rename``,
``remove`` and ``mkdir_lock``/``release_lock`` (an atomic ``mkdir``).
"""

from __future__ import annotations

import os
import shlex
import subprocess

from ..errors import TransportError
from .hostkeys import HostKeys

try:
    import paramiko
except ImportError:  # pragma: no cover - reported by the module's missing_required_lib
    paramiko = None


class LocalRunner:
    where = "this host"

    def __init__(self, timeout=60):
        self.timeout = timeout

    def run(self, argv):
        try:
            done = subprocess.run(
                [str(a) for a in argv], capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TransportError("'%s' failed: %s" % (shlex.join(map(str, argv)), exc), self.where) from None
        return done.returncode, (done.stdout + done.stderr).strip()

    @staticmethod
    def read(path):
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    @staticmethod
    def write(path, text):
        temporary = "%s.routesec-tmp" % path
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)

    @staticmethod
    def rename(source, target):
        os.replace(source, target)

    @staticmethod
    def remove(path):
        try:
            os.remove(path)
        except FileNotFoundError:
            pass

    @staticmethod
    def mkdir_lock(path):
        """True when the lock directory was made (the lock is ours), False when it exists."""
        try:
            os.mkdir(path)
            return True
        except FileExistsError:
            return False

    @staticmethod
    def release_lock(path):
        try:
            os.rmdir(path)
        except FileNotFoundError:
            pass

    def close(self):
        pass


class SshRunner:
    """Commands and files on a router over SSH."""

    def __init__(
        self,
        host,
        username,
        password=None,
        key_filename=None,
        port=22,
        timeout=60,
        known_hosts=None,
        hostkey=None,
        hostkey_verify=True,
    ):
        if paramiko is None:
            raise TransportError("the Python library paramiko is required", "device %s" % host)
        self.where = "device %s:%s" % (host, port)
        self.timeout = timeout
        self.client = paramiko.SSHClient()
        login = {"username": username, "password": password, "key_filename": key_filename}
        try:
            self._connect(host, port, login, HostKeys(known_hosts, hostkey, hostkey_verify))
        except BaseException:
            self.client.close()  # also ends the transport thread a failed connect leaves running
            raise

    def _connect(self, host, port, login, host_keys):
        try:
            with host_keys.paramiko_checked(self.client, host, port, self.where):
                self.client.connect(
                    host, port=port, timeout=self.timeout, allow_agent=False, look_for_keys=False, **login
                )
            self.sftp = self.client.open_sftp()
        except paramiko.AuthenticationException:
            raise TransportError("SSH authentication failed for user %s" % login["username"], self.where) from None
        except (paramiko.SSHException, OSError) as exc:
            raise TransportError("cannot connect over SSH: %s" % exc, self.where) from None

    def run(self, argv):
        command = shlex.join(str(a) for a in argv)
        try:
            _stdin, stdout, stderr = self.client.exec_command(command, timeout=self.timeout)
            output = stdout.read().decode("utf-8", "replace") + stderr.read().decode("utf-8", "replace")
            return stdout.channel.recv_exit_status(), output.strip()
        except (paramiko.SSHException, OSError) as exc:
            raise TransportError("'%s' failed: %s" % (command, exc), self.where) from None

    def read(self, path):
        try:
            with self.sftp.open(path, "r") as handle:
                return handle.read().decode("utf-8")
        except FileNotFoundError:
            return None

    def write(self, path, text):
        temporary = "%s.routesec-tmp" % path
        with self.sftp.open(temporary, "w") as handle:
            handle.write(text.encode("utf-8"))
        self.sftp.posix_rename(temporary, path)

    def rename(self, source, target):
        self.sftp.posix_rename(source, target)

    def remove(self, path):
        try:
            self.sftp.remove(path)
        except FileNotFoundError:
            pass

    def mkdir_lock(self, path):
        try:
            self.sftp.mkdir(path)
            return True
        except OSError:
            return False

    def release_lock(self, path):
        try:
            self.sftp.rmdir(path)
        except OSError:
            pass

    def close(self):
        self.client.close()
