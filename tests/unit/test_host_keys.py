# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SSH host keys are checked before logging in, on every SSH path.

Against a real OpenSSH server on loopback (``sshd.py``, paramiko's ``SshRunner``): the right key (in a
known_hosts file, hashed or not, or pinned) logs in; a wrong key, an unknown host or a key listed under the
wrong name fails with an error naming the device and saying what to do, and the server's log shows that no
authentication was attempted (it logs every one it is offered: the successful logins show that it does);
``hostkey_verify=False`` logs in whatever the key. Against an emulated router (fakenos, netmiko's paths: the
CLI drivers and the FRR transport): the right key logs in, a wrong or unknown one fails before the router is
asked to check a password.
"""

from __future__ import annotations

import getpass
import re
import subprocess
import time
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.frr_netmiko import FrrNetmikoDriver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.hostkeys import HostKeyError, lookup_name
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.registry import DRIVERS as REGISTERED
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.runner import SshRunner
from fakenos.plugins.servers import ssh_server_paramiko
from fakenos_devices import PASSWORD, ROUTERS, USERNAME, serve
from sshd import ssh_server

# the CLI platforms' drivers, by platform
DRIVERS = {p: d for (p, transport), d in REGISTERED.items() if transport == "netmiko" and p != "frr"}

AUTHENTICATION = re.compile(r"^(Accepted|Failed|Postponed|Invalid user)\b|publickey|password", re.MULTILINE)
ENDED_BEFORE_AUTHENTICATION = re.compile(r"\[preauth\]$", re.MULTILINE)
# fakenos's server thread fails (channel None) when a client leaves before opening a channel, as a refusing one does
CLIENT_LEFT_EARLY = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


# -- a real sshd, paramiko (SshRunner) ----------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """An sshd of this module's own, so that its log holds only these tests' connections."""
    with ssh_server(tmp_path_factory.mktemp("sshd-hostkeys")) as running:
        yield running


@pytest.fixture(scope="module")
def stranger(tmp_path_factory):
    """Another host key's public line: what a man in the middle would offer."""
    key = tmp_path_factory.mktemp("stranger") / "ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    return key.with_suffix(".pub").read_text()


def known_hosts(tmp_path, *lines):
    path = tmp_path / "known_hosts"
    path.write_text("".join(lines))
    return str(path)


def entry(server, key_line, name=None):
    """A known_hosts line listing ``key_line`` for ``server`` (under ``name``, default ``[127.0.0.1]:port``)."""
    key_type, key = key_line.split()[:2]
    return "%s %s %s\n" % (name or lookup_name("127.0.0.1", server.port), key_type, key)


def log_in(server, **host_keys):
    """Log in with SshRunner, run a command and log out; what the server logged meanwhile (sshd logs a login
    before it lets the client in)."""
    offset = server.log.stat().st_size
    login = {"key_filename": str(server.client_key), "port": server.port, "timeout": 10}
    runner = SshRunner("127.0.0.1", getpass.getuser(), **login, **host_keys)
    try:
        assert runner.run(["echo", "logged in"]) == (0, "logged in")
    finally:
        runner.close()
    return read_log(server, offset)


def read_log(server, offset):
    with server.log.open() as log:
        log.seek(offset)
        return log.read()


def ended_before_authentication(server, offset, limit=10):
    """What the server logged from ``offset`` on, once it logged that a connection ended before authentication."""
    deadline = time.monotonic() + limit
    while True:
        text = read_log(server, offset)
        if ENDED_BEFORE_AUTHENTICATION.search(text):
            return text
        assert time.monotonic() < deadline, "sshd logged no connection ending before authentication:\n" + text
        time.sleep(0.02)


def refused(server, **host_keys):
    """The HostKeyError of a login with ``host_keys``; the server logged the connection and no authentication."""
    offset = server.log.stat().st_size
    with pytest.raises(HostKeyError) as caught:
        log_in(server, **host_keys)
    log = ended_before_authentication(server, offset)
    assert "Connection from 127.0.0.1" in log and not AUTHENTICATION.search(log), log
    return str(caught.value)


def test_the_right_key_in_known_hosts_logs_in(server, tmp_path):
    log = log_in(server, known_hosts=known_hosts(tmp_path, entry(server, server.host_key)))
    assert "Accepted publickey for %s" % getpass.getuser() in log  # the log shows an authentication


def test_a_wrong_key_in_known_hosts_is_refused_before_logging_in(server, tmp_path, stranger):
    path = known_hosts(tmp_path, entry(server, stranger))
    message = refused(server, known_hosts=path)
    assert message.startswith("device 127.0.0.1:%d: the SSH host key offered for [127.0.0.1]:%d" % ((server.port,) * 2))
    assert "ssh-ed25519 SHA256:" in message and "does not match the known_hosts file %s" % path in message
    assert "man-in-the-middle" in message and "Nothing was sent" in message


def test_an_unknown_host_is_refused_before_logging_in(server, tmp_path):
    message = refused(server, known_hosts=str(tmp_path / "absent"))
    assert (
        "no SSH host key for [127.0.0.1]:%d is in the known_hosts file %s" % (server.port, tmp_path / "absent")
        in message
    )
    assert "ssh-keyscan -p %d 127.0.0.1" % server.port in message
    assert "pin it with hostkey" in message and "hostkey_verify: false" in message


def test_on_another_port_than_22_the_key_listed_for_the_bare_address_is_not_used(server, tmp_path):
    path = known_hosts(tmp_path, entry(server, server.host_key, name="127.0.0.1"))
    assert "no SSH host key for [127.0.0.1]:%d" % server.port in refused(server, known_hosts=path)
    assert lookup_name("r1.example.net", 22) == "r1.example.net"


def test_hashed_known_hosts_entries_are_read(server, tmp_path):
    path = known_hosts(tmp_path, entry(server, server.host_key))
    subprocess.run(["ssh-keygen", "-q", "-H", "-f", path], check=True, capture_output=True)
    assert "[127.0.0.1]" not in Path(path).read_text()
    assert "Accepted publickey" in log_in(server, known_hosts=path)


def test_a_pinned_hostkey_is_checked_instead_of_known_hosts(server, tmp_path, stranger):
    wrong_file = known_hosts(tmp_path, entry(server, stranger))
    assert "Accepted publickey" in log_in(server, known_hosts=wrong_file, hostkey=server.host_key)
    bare = server.host_key.split()[1]  # the base64 part alone
    assert "Accepted publickey" in log_in(server, hostkey=bare)
    message = refused(server, known_hosts=known_hosts(tmp_path, entry(server, server.host_key)), hostkey=stranger)
    assert "does not match the pinned hostkey" in message


def test_a_hostkey_that_is_no_key_is_refused_before_connecting(server):
    offset = server.log.stat().st_size
    with pytest.raises(HostKeyError, match="field 'hostkey': hostkey is not an SSH public key"):
        log_in(server, hostkey="not-a-key")
    assert server.log.stat().st_size == offset  # sshd logs every connection as it accepts it


def test_checking_is_the_default_against_the_users_known_hosts(server, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert "in the known_hosts file %s/.ssh/known_hosts" % tmp_path in refused(server)
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "known_hosts").write_text(entry(server, server.host_key))
    assert "Accepted publickey" in log_in(server)


def test_hostkey_verify_false_is_the_explicit_opt_out(server, tmp_path, stranger):
    log = log_in(server, known_hosts=known_hosts(tmp_path, entry(server, stranger)), hostkey_verify=False)
    assert "Accepted publickey" in log


# -- an emulated router, netmiko (CLI drivers, FRR transport) ---------------------------------------------


@pytest.fixture(scope="module")
def router():
    with serve(ROUTERS["cisco_ios"](clock_rate=10)) as served:
        yield served


@pytest.fixture
def password_checks(monkeypatch):
    """The users whose password the emulated routers were asked to check."""
    checks = []
    check = ssh_server_paramiko.ParamikoSshServerInterface.check_auth_password

    def recorded(interface, username, password):
        checks.append(username)
        return check(interface, username, password)

    monkeypatch.setattr(ssh_server_paramiko.ParamikoSshServerInterface, "check_auth_password", recorded)
    return checks


def cli_driver(router, **host_keys):
    return DRIVERS["cisco_ios"](
        "127.0.0.1", USERNAME, PASSWORD, port=router.port, timeout=10, name="edge1", fast_cli=True, **host_keys
    )


def frr_netmiko(router, **host_keys):
    login = {"port": router.port, "timeout": 10, "name": "edge1", "fast_cli": True}
    return FrrNetmikoDriver("127.0.0.1", USERNAME, PASSWORD, **login, **host_keys)


@pytest.mark.parametrize("session", [cli_driver, frr_netmiko])
def test_netmiko_logs_in_to_a_router_whose_key_is_known(router, tmp_path, password_checks, session):
    with session(router, known_hosts=known_hosts(tmp_path, router.known_hosts_line)) as connected:
        assert "hostname r1" in connected.get_running()
    with session(router, hostkey=router.hostkey) as connected:
        assert "hostname r1" in connected.get_running()
    assert password_checks == [USERNAME, USERNAME]


@CLIENT_LEFT_EARLY
@pytest.mark.parametrize("session", [cli_driver, frr_netmiko])
def test_netmiko_refuses_a_wrong_key_before_sending_the_password(router, tmp_path, stranger, password_checks, session):
    path = known_hosts(tmp_path, "[127.0.0.1]:%d %s" % (router.port, stranger))
    with pytest.raises(HostKeyError) as caught:
        session(router, known_hosts=path).__enter__()
    message = str(caught.value)
    offered = "device edge1 (127.0.0.1:%d): the SSH host key offered for [127.0.0.1]:%d (ssh-rsa SHA256:"
    assert message.startswith(offered % (router.port, router.port))
    assert "does not match the known_hosts file %s" % path in message and PASSWORD not in message
    with pytest.raises(HostKeyError, match="does not match the pinned hostkey"):
        session(router, hostkey=stranger).__enter__()
    assert password_checks == []


@CLIENT_LEFT_EARLY
@pytest.mark.parametrize("session", [cli_driver, frr_netmiko])
def test_netmiko_refuses_an_unknown_router_and_can_be_told_not_to(router, tmp_path, password_checks, session):
    path = known_hosts(tmp_path)
    with pytest.raises(HostKeyError, match=r"no SSH host key for \[127.0.0.1\]:%d is in" % router.port):
        session(router, known_hosts=path).__enter__()
    assert password_checks == []
    with session(router, known_hosts=path, hostkey_verify=False) as connected:
        assert "hostname r1" in connected.get_running()
    assert password_checks == [USERNAME]
