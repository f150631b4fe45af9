# -*- coding: utf-8 -*-
"""Fixtures of the unit tests."""

from __future__ import annotations

import getpass
import threading

import pytest
from fake_irr import FakeIrr
from sshd import ssh_server


@pytest.fixture
def irr():
    server = FakeIrr()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def sshd(tmp_path_factory):
    with ssh_server(tmp_path_factory.mktemp("sshd")) as server:
        yield server


@pytest.fixture(params=["local", "ssh"])
def runner(request):
    """Commands and files on this host, or over SSH to it (an sshd on loopback)."""
    from ansible_collections.routesec.bgp.plugins.module_utils.drivers.runner import LocalRunner, SshRunner

    if request.param == "local":
        yield LocalRunner()
        return
    server = request.getfixturevalue("sshd")
    login = {"key_filename": str(server.client_key), "port": server.port, "known_hosts": str(server.known_hosts)}
    ssh = SshRunner("127.0.0.1", getpass.getuser(), timeout=30, **login)
    yield ssh
    ssh.close()
