# -*- coding: utf-8 -*-
"""The OpenBGPD file+reload driver against a real bgpd, locally and over SSH: check-mode diff, apply,
idempotent re-run, a refused candidate leaves the old configuration, a commit left unconfirmed (the
connection dropped) is undone by the driver's own timer on the router, a failed post-change check rolls
back, rollback."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers import DriverError
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.openbgpd import OpenbgpdDriver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.runner import LocalRunner
from ansible_collections.routesec.bgp.plugins.module_utils.plan.deploy import DeployOptions, deploy
from ports import free_port

CONF = """AS 64500
router-id 127.0.0.1
socket "%s"
listen on 127.0.0.1 port %d
network 192.0.2.0/24
"""
EXTRA = "network 198.51.100.0/24\n"


@pytest.fixture
def bgpd(tmp_path, runner):
    Path("/run/openbgpd").mkdir(exist_ok=True)  # bgpd's chroot (home of Debian's _openbgpd)
    sock = tmp_path / "bgpd.sock"
    base = CONF % (sock, free_port())  # a port of its own: other workers run bgpd too
    conf = tmp_path / "bgpd.conf"
    conf.write_text(base)
    daemon = subprocess.Popen(["bgpd", "-d", "-f", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not sock.exists():
        assert daemon.poll() is None and time.monotonic() < deadline, "bgpd did not start"
        time.sleep(0.05)
    driver = OpenbgpdDriver(runner, str(conf), socket=str(sock), name="bgpd-test")
    driver.base = base
    yield driver
    daemon.terminate()
    daemon.wait(timeout=10)


def shown(driver):
    output = subprocess.run(
        ["bgpctl", "-s", driver.socket, "show", "network"], capture_output=True, text=True, check=False
    )
    return sorted(line.split()[2] for line in output.stdout.splitlines() if line.startswith("S "))


def networks(driver, count=1):
    """The networks bgpd announces, once it announces ``count`` of them (its RDE applies a reload a moment
    after bgpctl returns); what it announces after 10 s otherwise."""
    deadline = time.monotonic() + 10
    while len(shown(driver)) != count and time.monotonic() < deadline:
        time.sleep(0.1)
    return shown(driver)


def test_compare_then_apply_then_nothing_to_do(bgpd):
    with bgpd:
        bgpd.load_candidate(bgpd.base + EXTRA)
        assert "+network 198.51.100.0/24" in bgpd.compare()
        bgpd.discard()
    assert networks(bgpd) == ["192.0.2.0/24"]
    with bgpd:
        diff = deploy(
            bgpd,
            bgpd.base + EXTRA,
            DeployOptions(confirm_timeout=30),
            check=lambda d: len(networks(d, 2)) == 2 or 1 / 0,
        ).diff
    assert "+network" in diff and networks(bgpd, 2) == ["192.0.2.0/24", "198.51.100.0/24"]
    with bgpd:
        assert deploy(bgpd, bgpd.base + EXTRA, DeployOptions(confirm_timeout=30)).diff == ""
    assert LocalRunner().read(bgpd.watchdog.marker) is None


def test_a_candidate_bgpd_refuses_leaves_the_old_configuration(bgpd):
    with bgpd, pytest.raises(DriverError, match="refused the candidate"):
        bgpd.load_candidate(bgpd.base + "bogus line\n")
    assert bgpd.get_running() == bgpd.base and networks(bgpd) == ["192.0.2.0/24"]


def test_an_unconfirmed_commit_is_undone_by_the_drivers_timer(bgpd):
    with bgpd:
        bgpd.load_candidate(bgpd.base + EXTRA)
        bgpd.commit(confirm=2)
        assert len(networks(bgpd, 2)) == 2
    bgpd.runner.close()  # the run is gone (over SSH: its connection dropped): nobody confirms
    time.sleep(4)
    assert networks(bgpd) == ["192.0.2.0/24"] and LocalRunner().read(bgpd.path) == bgpd.base
    late = OpenbgpdDriver(LocalRunner(), bgpd.path, socket=bgpd.socket)
    late.pending = True
    with late, pytest.raises(DriverError, match="timer already put the previous configuration back"):
        late.confirm()


def test_a_failed_post_change_check_rolls_back_and_stops_the_timer(bgpd):
    def check(driver):
        raise DriverError("prefix count out of bounds", driver.where)

    with bgpd, pytest.raises(DriverError, match="out of bounds"):
        deploy(bgpd, bgpd.base + EXTRA, DeployOptions(confirm_timeout=30), check=check)
    assert networks(bgpd) == ["192.0.2.0/24"] and bgpd.get_running() == bgpd.base
    assert LocalRunner().read(bgpd.watchdog.marker) is None


def test_rollback_returns_to_the_previous_file(bgpd):
    with bgpd:
        bgpd.load_candidate(bgpd.base + EXTRA)
        bgpd.commit()
        assert len(networks(bgpd, 2)) == 2
        bgpd.rollback()
    assert networks(bgpd) == ["192.0.2.0/24"] and bgpd.get_running() == bgpd.base
