# -*- coding: utf-8 -*-
"""The FRR vtysh driver against a real bgpd, locally and over SSH: check-mode diff, apply by the minimal
delta (sequence numbers kept), idempotent re-run, a refused candidate leaves the lists alone, a commit
left unconfirmed (the connection dropped) is sent back by the driver's timer on the router, a failed
post-change check rolls back, rollback, the lock, and a renumbered list replaced as a whole."""

from __future__ import annotations

import subprocess
import time

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers import DriverError, commit_confirmed
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.frr import FrrDriver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.runner import LocalRunner
from ansible_collections.routesec.bgp.plugins.module_utils.plan.deploy import DeployOptions, deploy
from frr_daemon import standalone_bgpd

BASE = [
    "ip prefix-list CUST seq 5 permit 192.0.2.0/24",
    "ip prefix-list CUST seq 10 permit 198.51.100.0/24 le 26",
    "ipv6 prefix-list CUST6 seq 5 permit 2001:db8::/32 le 48",
]
# 198.51.100.0/24 leaves, 203.0.113.0/24 comes: as the renderer writes it (renumbered from 5)
WANTED = """no ip prefix-list CUST
ip prefix-list CUST seq 5 permit 192.0.2.0/24
ip prefix-list CUST seq 10 permit 203.0.113.0/24
no ipv6 prefix-list CUST6
ipv6 prefix-list CUST6 seq 5 permit 2001:db8::/32 le 48
"""
AFTER = [
    "ip prefix-list CUST seq 5 permit 192.0.2.0/24",
    "ip prefix-list CUST seq 15 permit 203.0.113.0/24",
    "ipv6 prefix-list CUST6 seq 5 permit 2001:db8::/32 le 48",
]


@pytest.fixture
def bgpd():
    with standalone_bgpd("hostname test\n" + "\n".join(BASE) + "\n") as daemon:
        yield daemon


def driver_for(bgpd, runner, **options):
    return FrrDriver(runner, bgpd["state"], vtysh=bgpd["vtysh"], name="frr-test", **options)


def lists(bgpd):
    out = subprocess.run(bgpd["vtysh"] + ["-c", "show running-config"], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if "prefix-list" in line]


def test_compare_then_apply_by_delta_then_nothing_to_do(bgpd, runner):
    with driver_for(bgpd, runner) as driver:
        driver.load_candidate(WANTED)
        diff = driver.compare()
        assert "-ip prefix-list CUST seq 10 permit 198.51.100.0/24 le 26" in diff
        assert "+ip prefix-list CUST seq 15 permit 203.0.113.0/24" in diff
        assert not [line for line in diff.splitlines() if line.startswith(("-ipv6", "+ipv6"))]
        assert lists(bgpd) == BASE  # comparing changes nothing
        assert deploy(driver, WANTED, DeployOptions(confirm_timeout=30)).diff == diff
        # only the two entries that changed were sent; the entries that stay kept their numbers
        assert driver.sent == [
            "ip prefix-list CUST seq 15 permit 203.0.113.0/24",
            "no ip prefix-list CUST seq 10 permit 198.51.100.0/24 le 26",
        ]
    assert lists(bgpd) == AFTER
    assert "203.0.113.0/24" in bgpd["conf"].read_text()  # saved once confirmed
    assert LocalRunner().read(str(bgpd["state"] / "routesec-pending")) is None
    with driver_for(bgpd, runner) as driver:
        assert deploy(driver, WANTED, DeployOptions(confirm_timeout=30)).diff == ""
        assert driver.sent == []


def test_refused_candidate_changes_nothing(bgpd, runner):
    with driver_for(bgpd, runner) as driver:
        with pytest.raises(DriverError, match="refused the candidate"):
            driver.load_candidate(WANTED + "ip prefix-list CUST seq 20 permit 10.0.0.0/33\n")
        with pytest.raises(DriverError, match="line 6 is not a prefix-list entry"):
            driver.load_candidate(WANTED + "router bgp 64500\n")
    assert lists(bgpd) == BASE


def test_unconfirmed_commit_is_sent_back_by_the_timer(bgpd, runner):
    driver = driver_for(bgpd, runner)
    with driver:
        driver.load_candidate(WANTED)
        driver.commit(confirm=6)  # long enough for the push and its read-back on a loaded machine
        assert lists(bgpd) == AFTER
    runner.close()  # the run goes away without confirming
    deadline = time.monotonic() + 25
    while lists(bgpd) != BASE and time.monotonic() < deadline:
        time.sleep(0.2)
    assert lists(bgpd) == BASE
    assert "203.0.113.0/24" not in bgpd["conf"].read_text()  # never saved


def test_failed_check_rolls_back(bgpd, runner):
    def session_down(driver):
        raise DriverError("session down", driver.where)

    with driver_for(bgpd, runner) as driver, pytest.raises(DriverError, match="session down"):
        deploy(driver, WANTED, DeployOptions(confirm_timeout=30), check=session_down)
    assert lists(bgpd) == BASE
    time.sleep(0.5)
    assert LocalRunner().read(str(bgpd["state"] / "routesec-pending")) is None  # the timer was stopped


def test_rollback_after_confirmed_commit(bgpd, runner):
    with driver_for(bgpd, runner) as driver:
        deploy(driver, WANTED, DeployOptions(confirm_timeout=30))
        assert lists(bgpd) == AFTER
        driver.rollback()
    assert lists(bgpd) == BASE
    assert "198.51.100.0/24" in bgpd["conf"].read_text()


def test_lock_keeps_a_second_run_out(bgpd):
    with (
        driver_for(bgpd, LocalRunner()),
        pytest.raises(DriverError, match="another run holds the lock"),
        driver_for(bgpd, LocalRunner()),
    ):
        pass
    with driver_for(bgpd, LocalRunner()):
        pass  # released


def test_renumbered_list_is_replaced_as_a_whole(bgpd):
    wanted = "ip prefix-list CUST seq 5 permit 10.0.0.0/8\nip prefix-list CUST seq 10 permit 192.0.2.0/24 le 25\n"
    with driver_for(bgpd, LocalRunner()) as driver:
        driver.load_candidate(wanted)
        driver.commit()
        assert driver.sent[0] == "no ip prefix-list CUST"
    assert lists(bgpd)[:2] == [
        "ip prefix-list CUST seq 15 permit 10.0.0.0/8",
        "ip prefix-list CUST seq 20 permit 192.0.2.0/24 le 25",
    ]


def test_commit_without_timer_is_final_but_a_failed_check_still_rolls_back(bgpd):
    def session_down(driver):
        raise DriverError("session down", driver.where)

    with driver_for(bgpd, LocalRunner()) as driver:
        driver.load_candidate(WANTED)
        commit_confirmed(driver, 0, check=lambda d: None)
        assert lists(bgpd) == AFTER and "203.0.113.0/24" in bgpd["conf"].read_text()
        driver.load_candidate("\n".join(BASE) + "\n")
        with pytest.raises(DriverError, match="session down"):
            commit_confirmed(driver, 0, check=session_down)
    assert lists(bgpd) == AFTER
