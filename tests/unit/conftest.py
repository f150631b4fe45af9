# -*- coding: utf-8 -*-
"""Fixtures of the unit tests."""

from __future__ import annotations

import getpass
import os
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


@pytest.fixture(scope="module", autouse=True)
def cpu_bound(request):
    """A module marked ``cpu_bound`` (real routing data crunched in Python for minutes, with no daemon to wait for
    and no deadline) runs in the kernel's idle scheduling class: it takes only the CPU that nothing else wants, so
    that neither the routers' lane of the lab tests nor the emulated devices of the other unit tests wait behind it.
    Not for a test that waits on a daemon it starts within a deadline: the daemon would be starved as well."""
    if request.node.get_closest_marker("cpu_bound") is None or not hasattr(os, "SCHED_IDLE"):
        yield
        return
    policy, niceness = os.sched_getscheduler(0), os.getpriority(os.PRIO_PROCESS, 0)
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    try:
        yield
    finally:
        os.sched_setscheduler(0, policy, os.sched_param(0))
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
