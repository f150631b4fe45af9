# -*- coding: utf-8 -*-
"""A throw-away OpenSSH server on loopback for the drivers' SSH tests: its own host key, one authorized
client key for the current user, no PAM; ``ssh_server(tmp_path)`` yields an ``SshServer`` (its port, the client
key, its public host key line and a known_hosts file naming it, its log). Its parts (``key_login``,
``start_sshd``, ``known_hosts_line``) also give bench/compliance_scale.py's routers their SSH logins.

The server logs at level VERBOSE to ``sshd.log`` in its folder: every connection, and every authentication
(``Accepted key ...``, ``Accepted publickey ...``, ``Failed ...``) a client attempts."""

from __future__ import annotations

import getpass
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ports import free_port

SSHD = Path("/usr/sbin/sshd")


def write_sshd_config(workdir, port, host_key, authorized, subsystem, address="127.0.0.1"):
    """An sshd_config in ``workdir``: ``address`` (loopback), ``port``, key login for the current user, one
    ``subsystem``."""
    config = workdir / "sshd_config"
    lines = [
        "ListenAddress %s" % address,
        "Port %d" % port,
        "HostKey %s" % host_key,
        "AuthorizedKeysFile %s" % authorized,
        "AllowUsers %s" % getpass.getuser(),
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "PidFile %s" % (workdir / "sshd.pid"),
        "LogLevel VERBOSE",
        "Subsystem %s" % subsystem,
    ]
    config.write_text("\n".join(lines) + "\n")
    return config


def key_login(workdir):
    """A host key and a client key in ``workdir``, the client's authorized: (host key, client key, authorized_keys)."""
    host_key, client_key = workdir / "host_ed25519", workdir / "client_ed25519"
    for key in (host_key, client_key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    authorized = workdir / "authorized_keys"
    authorized.write_text((workdir / "client_ed25519.pub").read_text())
    return host_key, client_key, authorized


def start_sshd(workdir, port, host_key, authorized, address="127.0.0.1"):
    """sshd with SFTP on ``address``:``port`` (its files in ``workdir``), returned once it accepts connections."""
    config = write_sshd_config(workdir, port, host_key, authorized, "sftp internal-sftp", address)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    daemon = subprocess.Popen([SSHD, "-D", "-E", workdir / "sshd.log", "-f", config], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection((address, port), timeout=1).close()
            return daemon
        except OSError:
            assert daemon.poll() is None and time.monotonic() < deadline, "sshd did not start"
            time.sleep(0.05)


def known_hosts_line(address, port, host_key):
    """The known_hosts line of the server at ``address``:``port`` whose private host key is ``host_key``."""
    key_type, key = Path("%s.pub" % host_key).read_text().split()[:2]
    return "[%s]:%d %s %s\n" % (address, port, key_type, key)


@dataclass
class SshServer:
    port: int
    client_key: Path
    host_key: str  # its public host key line
    known_hosts: Path  # a known_hosts file with its host key
    log: Path


@contextmanager
def ssh_server(workdir):
    workdir = Path(workdir)
    host_key, client_key, authorized = key_login(workdir)
    port = free_port()
    known_hosts = workdir / "known_hosts"
    known_hosts.write_text(known_hosts_line("127.0.0.1", port, host_key))
    daemon = start_sshd(workdir, port, host_key, authorized)
    public = Path("%s.pub" % host_key).read_text()
    try:
        yield SshServer(port, client_key, public, known_hosts, workdir / "sshd.log")
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
