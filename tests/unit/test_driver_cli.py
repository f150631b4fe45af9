# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The netmiko CLI drivers (IOS, IOS-XR, EOS, Junos) over SSH against emulated routers.

Each test runs a driver through netmiko against a router of ``fakenos_devices``
served by fakenos on loopback: check-mode diff, apply with a confirm timer,
idempotent re-run, a refused line, a commit left unconfirmed (the connection
dropped) undone by the device's timer, a confirmation that comes too late, a
failed post-change check, rollback, and one run at a time. The candidates are
what the renderers produce. The routers are models written from vendor
documentation and published transcripts, not real devices: these tests show
that the drivers keep their promises on devices that behave as modelled; a
real device may differ where the sources were silent or wrong.
"""

from __future__ import annotations

import ipaddress
import time

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers import DriverError
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.registry import DRIVERS as REGISTERED
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import PrefixEntry, PrefixList
from ansible_collections.routesec.bgp.plugins.module_utils.plan.deploy import DeployOptions, deploy
from ansible_collections.routesec.bgp.plugins.module_utils.render import renderer
from fakenos_devices import PASSWORD, ROUTERS, USERNAME, serve

# the CLI platforms' drivers, by platform
DRIVERS = {p: d for (p, transport), d in REGISTERED.items() if transport == "netmiko" and p != "frr"}

CLOCK_RATE = 10  # the emulated routers' timers run ten times faster than real time
CONFIRM = 30  # seconds asked for; IOS and Junos round up to a minute (6 s here), IOS-XR and EOS keep 30 (3 s)
BASE = [PrefixList("P1", 4, (PrefixEntry(ipaddress.ip_network("192.0.2.0/24")),), description="customer A")]
MORE = BASE + [PrefixList("P2", 4, (PrefixEntry(ipaddress.ip_network("198.51.100.0/24"), le=32),))]

# per platform: a line the router refuses, its refusal, and the refusal of a second run while one holds the lock
PLATFORMS = {
    "cisco_ios": ("ip prefx-list P3 permit 203.0.113.0/24", "Invalid input detected", "locked exclusively"),
    "cisco_iosxr": ("prefx-set P3", "Invalid input detected", "Cannot enter exclusive mode"),
    "arista_eos": ("ip prefx-list P3", "Invalid input", "another configuration session"),
    "juniper_junos": ("bogus-statement;", "syntax error", "configuration database locked"),
}


class Bench:
    """One emulated router served over SSH, and the driver and candidates for its platform."""

    def __init__(self, platform, router, port, hostkey):
        self.platform = platform
        self.router = router
        self.port = port
        self.hostkey = hostkey  # the router's SSH host key, checked before every login
        self.render = renderer(platform)
        self.base = self.render.render_prefix_lists(BASE)
        self.more = self.render.render_prefix_lists(MORE)
        bad_line, self.refusal, self.locked = PLATFORMS[platform]
        self.broken = self.more + bad_line + "\n"

    def driver(self):
        driver_class = DRIVERS[self.platform]
        options = {"timeout": 30, "fast_cli": True, "hostkey": self.hostkey}
        return driver_class("127.0.0.1", USERNAME, PASSWORD, port=self.port, name=self.platform, **options)

    def lists(self, text=None):
        """The prefix-lists in ``text`` (default: the running configuration, read by a new session)."""
        if text is None:
            with self.driver() as driver:
                text = driver.get_running()
        return {name for afi, name in self.render.parse_prefix_lists(text)}

    def wait_for_timer(self, limit=30):
        deadline = time.monotonic() + limit
        while self.router.pending:
            assert time.monotonic() < deadline, "the router's confirm timer did not run out"
            time.sleep(0.2)


@pytest.fixture(scope="module", params=sorted(PLATFORMS))
def served(request):
    with serve(ROUTERS[request.param](clock_rate=CLOCK_RATE)) as served:
        yield request.param, served


@pytest.fixture
def bench(served):
    """A fresh router with prefix-list P1, committed through the driver."""
    platform, server = served
    server.router = ROUTERS[platform](clock_rate=CLOCK_RATE)
    bench = Bench(platform, server.router, server.port, server.hostkey)
    with bench.driver() as driver:
        driver.load_candidate(bench.base)
        driver.commit()
    return bench


def added(diff, text):
    return any(line.startswith("+") and text in line for line in diff.splitlines())


def test_check_mode_shows_the_change_and_changes_nothing(bench):
    with bench.driver() as driver:
        before = driver.get_running()
        driver.load_candidate(bench.more)
        diff = driver.compare()
        driver.discard()
        assert driver.get_running() == before
    assert added(diff, "198.51.100.0/24"), diff
    assert bench.lists() == {"P1"}


def test_apply_confirms_and_a_rerun_has_nothing_to_do(bench):
    with bench.driver() as driver:
        diff = deploy(driver, bench.more, DeployOptions(confirm_timeout=CONFIRM)).diff
    assert added(diff, "198.51.100.0/24"), diff
    assert not bench.router.pending  # confirmed: no timer left on the device
    assert bench.lists() == {"P1", "P2"}
    with bench.driver() as driver:
        assert deploy(driver, bench.more, DeployOptions(confirm_timeout=CONFIRM)).diff == ""


def test_a_refused_line_leaves_the_old_configuration(bench):
    with bench.driver() as driver:
        before = driver.get_running()
        with pytest.raises(DriverError, match=bench.refusal):
            deploy(driver, bench.broken, DeployOptions(confirm_timeout=CONFIRM))
        assert driver.get_running() == before
    assert not bench.router.pending
    assert bench.lists() == {"P1"}


def test_an_unconfirmed_commit_is_undone_by_the_device_timer(bench):
    with bench.driver() as driver:
        driver.load_candidate(bench.more)
        driver.commit(confirm=CONFIRM)
        assert bench.lists(driver.get_running()) == {"P1", "P2"}
        driver.conn.remote_conn_pre.close()  # the connection drops: nobody confirms
    bench.wait_for_timer()
    assert bench.lists() == {"P1"}


def test_a_confirmation_after_the_timer_ran_out_is_refused(bench):
    with bench.driver() as driver:
        driver.load_candidate(bench.more)
        driver.commit(confirm=CONFIRM)
        bench.wait_for_timer()
        with pytest.raises(DriverError, match="no longer the one committed"):
            driver.confirm()
        assert bench.lists(driver.get_running()) == {"P1"}


def test_a_timer_shorter_than_the_device_allows_is_lengthened(bench):
    """5 s: IOS and Junos count whole minutes, IOS-XR takes 30 s at least; EOS takes 00:00:05."""
    bench.router.clock_rate = 1  # real time: 5 s leave the driver time to confirm
    with bench.driver() as driver:
        driver.load_candidate(bench.more)
        driver.commit(confirm=5)
        assert bench.router.pending
        driver.confirm()
    assert not bench.router.pending
    assert bench.lists() == {"P1", "P2"}


def test_a_failed_post_change_check_rolls_back(bench):
    def check(driver):
        raise DriverError("session to 192.0.2.2 is not established", driver.where)

    with bench.driver() as driver, pytest.raises(DriverError, match="not established"):
        deploy(driver, bench.more, DeployOptions(confirm_timeout=CONFIRM), check=check)
    assert not bench.router.pending
    assert bench.lists() == {"P1"}


def test_rollback_returns_to_the_configuration_before_the_commit(bench):
    with bench.driver() as driver:
        driver.load_candidate(bench.more)
        driver.commit()
        assert bench.lists(driver.get_running()) == {"P1", "P2"}
        driver.rollback()
        assert bench.lists(driver.get_running()) == {"P1"}


def test_one_run_at_a_time(bench):
    with bench.driver(), pytest.raises(DriverError, match=bench.locked), bench.driver():
        pass
    with bench.driver():
        pass  # released when the first run left


def test_a_prompt_left_in_the_channel_is_not_read_as_the_next_answer(bench):
    """netmiko, looking for the prompt of a device slow to answer, sends another return, and the device answers
    both: that second prompt, already in the channel, must not be taken for the answer to the next command."""
    with bench.driver() as driver:
        driver.conn.write_channel(driver.conn.RETURN)
        waiting = driver.conn.remote_conn.in_buffer  # what paramiko holds, not yet read
        deadline = time.monotonic() + 10
        while not bytes(waiting._buffer).rstrip().endswith(driver.prompt.encode()):
            assert time.monotonic() < deadline, "the router did not answer the return"
            time.sleep(0.01)
        assert "P1" in bench.lists(driver.get_running())


def test_a_lost_connection_before_the_commit(bench):
    """What was staged goes with the session (IOS stages nothing on the device); an EOS session stays
    behind, pending, and the next run refuses to start until it is removed."""
    with bench.driver() as driver:
        driver.load_candidate(bench.more)
        driver.conn.remote_conn_pre.close()
    time.sleep(1.5)  # fakenos notices a closed connection within a second
    if bench.platform == "arista_eos":
        with pytest.raises(DriverError, match=r"another configuration session .*routesec-"):
            bench.driver().__enter__()
        return
    with bench.driver() as driver:
        driver.load_candidate(bench.base)
        assert driver.compare() == ""


def test_junos_loads_set_commands():
    with serve(ROUTERS["juniper_junos"](clock_rate=CLOCK_RATE)) as server:
        bench = Bench("juniper_junos", server.router, server.port, server.hostkey)
        with bench.driver() as driver:
            diff = deploy(
                driver, "set policy-options prefix-list P9 203.0.113.0/24\n", DeployOptions(confirm_timeout=CONFIRM)
            ).diff
            assert added(diff, "203.0.113.0/24;"), diff
            assert bench.lists(driver.get_running()) == {"P9"}
            assert (
                deploy(
                    driver, "set policy-options prefix-list P9 203.0.113.0/24\n", DeployOptions(confirm_timeout=CONFIRM)
                ).diff
                == ""
            )
