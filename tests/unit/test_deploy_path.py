# -*- coding: utf-8 -*-
"""The one deploy path: an option a driver cannot honour is refused before anything is sent (FRR over
netmiko has no confirm timer; the CLI, NETCONF and OpenBGPD drivers cannot answer every post-change
check), the checks FRR over netmiko can answer are honoured (a failed one sends the change back), and
originations go through the FRR driver against a real bgpd and staticd: added once, rolled back whole."""

from __future__ import annotations

import ipaddress
import json
import subprocess

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers import DriverError
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.frr import FrrDriver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.registry import driver_for
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.runner import LocalRunner
from ansible_collections.routesec.bgp.plugins.module_utils.errors import TransportError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import (
    Device,
    DeviceIntent,
    PrefixEntry,
    PrefixList,
)
from ansible_collections.routesec.bgp.plugins.module_utils.plan.announce import AnnouncementPlanner
from ansible_collections.routesec.bgp.plugins.module_utils.plan.deploy import DeployOptions, deploy, prefix_list_plan
from frr_daemon import standalone_bgpd
from test_plan_deploy import MemoryFrr

NET = ipaddress.ip_network
OWN = PrefixList("ROUTESEC-OWN-V4", 4, (PrefixEntry(NET("185.230.72.0/22")), PrefixEntry(NET("185.230.76.0/22"))))
LISTED = "ip prefix-list ROUTESEC-OWN-V4 seq 5 permit 185.230.72.0/22"


class BgpFrr(MemoryFrr):
    """The in-memory FRR, answering ``show bgp neighbors json`` with one neighbor in ``state``."""

    def __init__(self, state, sent=0):
        super().__init__(LISTED)
        self.state, self.sent_count = state, sent

    def show(self, command):
        if command == "show bgp neighbors json":
            family = {"ipv4Unicast": {"acceptedPrefixCounter": 0, "sentPrefixCounter": self.sent_count}}
            return json.dumps({"198.18.0.100": {"bgpState": self.state, "addressFamilyInfo": family}})
        return super().show(command)


def through(device, **options):
    with device:
        return deploy(device, prefix_list_plan((OWN,), "frr"), DeployOptions(**options))


def test_frr_over_netmiko_refuses_a_confirm_timer_and_sends_nothing():
    device = BgpFrr("Established")
    with pytest.raises(
        TransportError, match="field 'confirm_timeout': device r1 .* has no confirm timer.*transport=vtysh"
    ):
        through(device, confirm_timeout=120)
    assert device.pushed == [] and device.lines == [LISTED]
    assert through(device).committed and device.saved == 1  # no timer asked for: committed without one


def test_frr_over_netmiko_honours_wait_established():
    up = BgpFrr("Established")
    assert through(up, wait_established=["198.18.0.100"], established_timeout=0).committed
    assert "ip prefix-list ROUTESEC-OWN-V4 seq 10 permit 185.230.76.0/22" in up.lines
    down = BgpFrr("Idle")
    with pytest.raises(DriverError, match="198.18.0.100 not Established; rolled back"):
        through(down, wait_established=["198.18.0.100"], established_timeout=0)
    assert down.lines == [LISTED] and down.pushed[-1].startswith("no ip prefix-list")  # sent back


def test_frr_over_netmiko_honours_prefix_bounds():
    bounds = [{"neighbor": "198.18.0.100", "direction": "sent", "min": 2, "max": None}]
    assert through(BgpFrr("Established", sent=2), prefix_bounds=bounds, established_timeout=0).committed
    short = BgpFrr("Established", sent=1)
    with pytest.raises(DriverError, match="sent prefixes to 198.18.0.100: 1, wanted 2 to any; rolled back"):
        through(short, prefix_bounds=bounds, established_timeout=0)
    assert short.lines == [LISTED]


@pytest.mark.parametrize(
    "platform, transport, option, value",
    [
        ("cisco_ios", "netmiko", "wait_established", ["198.18.0.100"]),
        ("juniper_junos", "netmiko", "prefix_bounds", [{"neighbor": "198.18.0.100", "direction": "sent"}]),
        ("nokia_sros", "netconf", "wait_established", ["198.18.0.100"]),
    ],
)
def test_checks_a_driver_cannot_answer_are_refused_before_it_is_used(platform, transport, option, value):
    # never connected: the refusal comes before the first verb
    driver = driver_for(platform, transport, host="127.0.0.1", username="u", password="p")
    with pytest.raises(TransportError, match="field '%s': device .* cannot .* nothing was changed" % option) as refused:
        deploy(driver, "candidate", DeployOptions(**{option: value}))
    assert refused.value.field == option


def test_openbgpd_cannot_count_prefixes(tmp_path):
    driver = driver_for("openbgpd", "file", runner=LocalRunner(), config_path=str(tmp_path / "bgpd.conf"))
    bounds = [{"neighbor": "198.18.0.100", "direction": "accepted", "min": 1}]
    with pytest.raises(TransportError, match="field 'prefix_bounds': .* cannot count the prefixes of a BGP session"):
        deploy(driver, "candidate", DeployOptions(prefix_bounds=bounds))
    assert not (tmp_path / "bgpd.conf.routesec-candidate").exists()


@pytest.fixture
def frr():
    base = "hostname r1\nip prefix-list ROUTESEC-OWN-V4 seq 5 permit 185.230.72.0/22\n"
    base += "ip prefix-list ROUTESEC-OWN-V4 seq 10 permit 185.230.76.0/22\nrouter bgp 64500\n"
    with standalone_bgpd(base, staticd=True) as daemon:
        yield daemon


def running(frr):
    return subprocess.run(
        frr["vtysh"] + ["-c", "show running-config"], capture_output=True, text=True, check=True
    ).stdout


def test_originations_through_the_frr_driver(frr):
    intent = DeviceIntent(Device("r1", "frr", None, 64500), (OWN,))
    driver = FrrDriver(LocalRunner(), frr["state"], vtysh=frr["vtysh"], name="r1", save=False)
    planner = AnnouncementPlanner(intent)
    with driver:
        outcome = deploy(driver, planner, DeployOptions(confirm_timeout=30))
    assert outcome.committed and planner.plan.add == (NET("185.230.72.0/22"), NET("185.230.76.0/22"))
    assert "ip route 185.230.72.0/22 blackhole" in running(frr) and "  network 185.230.76.0/22" in running(frr)
    with driver:
        again = deploy(driver, AnnouncementPlanner(intent), DeployOptions(confirm_timeout=30))
    assert not again.changed and not again.committed


def test_a_failed_check_takes_the_originations_back(frr):
    intent = DeviceIntent(Device("r1", "frr", None, 64500), (OWN,))
    driver = FrrDriver(LocalRunner(), frr["state"], vtysh=frr["vtysh"], name="r1", save=False)

    def refused(_driver):
        raise DriverError("transit session down", "device r1")

    with driver, pytest.raises(DriverError, match="transit session down"):
        deploy(driver, AnnouncementPlanner(intent), DeployOptions(confirm_timeout=30), check=refused)
    now = running(frr)
    assert "blackhole" not in now and "network" not in now and "seq 10 permit 185.230.76.0/22" in now
