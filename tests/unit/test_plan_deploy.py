# -*- coding: utf-8 -*-
"""Planning deltas, fail-closed guards, and the deploy flow over an in-memory FRR config."""

from __future__ import annotations

import ipaddress

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.frr_netmiko import FrrNetmikoDriver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.registry import driver_for
from ansible_collections.routesec.bgp.plugins.module_utils.errors import SafetyError, TransportError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import (
    Device,
    DeviceIntent,
    PrefixEntry,
    PrefixList,
)
from ansible_collections.routesec.bgp.plugins.module_utils.plan.deploy import (
    DeployOptions,
    deploy,
    list_result,
    prefix_list_plan,
)
from ansible_collections.routesec.bgp.plugins.module_utils.render import frr
from ansible_collections.routesec.bgp.plugins.module_utils.render.list_delta import plan_list


def plist(*prefixes, name="OWN4"):
    return PrefixList(name, 4, tuple(PrefixEntry(ipaddress.ip_network(p)) for p in prefixes))


def seqs(change):
    return {seq: str(entry.prefix) for seq, entry in change.after.items()}


def test_plan_keeps_sequence_numbers_and_appends():
    running = frr.parse_prefix_lists(
        "ip prefix-list OWN4 seq 5 permit 10.0.0.0/24\n"
        "ip prefix-list OWN4 seq 10 permit 10.0.1.0/24\n"
        "ip prefix-list OWN4 seq 15 permit 10.0.2.0/24\n"
    )[(4, "OWN4")]
    change = plan_list(plist("10.0.0.0/24", "10.0.2.0/24", "10.0.3.0/24"), running)
    assert seqs(change) == {5: "10.0.0.0/24", 15: "10.0.2.0/24", 20: "10.0.3.0/24"}
    assert [(s, str(e.prefix)) for s, e in change.removed] == [(10, "10.0.1.0/24")]
    assert [(s, str(e.prefix)) for s, e in change.added] == [(20, "10.0.3.0/24")]
    lines = frr.change_lines(change)
    assert lines == [
        "ip prefix-list OWN4 seq 20 permit 10.0.3.0/24",
        "no ip prefix-list OWN4 seq 10 permit 10.0.1.0/24",
    ]
    again = plan_list(plist("10.0.0.0/24", "10.0.2.0/24", "10.0.3.0/24"), change.after)
    assert not again.changed


def test_plan_of_a_new_list_numbers_from_five():
    change = plan_list(plist("10.0.0.0/24", "10.0.1.0/24"), None)
    assert seqs(change) == {5: "10.0.0.0/24", 10: "10.0.1.0/24"}


def test_duplicate_running_entries_are_removed():
    running = {
        5: PrefixEntry(ipaddress.ip_network("10.0.0.0/24")),
        10: PrefixEntry(ipaddress.ip_network("10.0.0.0/24")),
    }
    change = plan_list(plist("10.0.0.0/24"), running)
    assert seqs(change) == {5: "10.0.0.0/24"}


def test_mixed_permit_deny_list_is_renumbered_removals_first():
    running = {5: PrefixEntry(ipaddress.ip_network("10.0.0.0/24"), action="deny")}
    change = plan_list(plist("10.0.1.0/24"), running)
    assert seqs(change) == {5: "10.0.1.0/24"}
    assert frr.change_lines(change)[0].startswith("no ")


def change_for(before_count, after_count):
    before = {5 * (i + 1): PrefixEntry(ipaddress.ip_network("10.0.%d.0/24" % i)) for i in range(before_count)}
    return plan_list(plist(*["10.0.%d.0/24" % i for i in range(after_count)]), before)


def test_guard_refuses_an_empty_list():
    from ansible_collections.routesec.bgp.plugins.module_utils.plan.guards import check_list_change

    with pytest.raises(SafetyError, match="device r1 prefix-list OWN4: the new list would be empty .*allow_empty"):
        check_list_change("r1", change_for(3, 0))
    check_list_change("r1", change_for(3, 0), allow_empty=True)


def test_guard_lets_an_empty_list_stay_empty():
    """A family without routes (an AS-SET with IPv4 routes only) matched nothing and still matches nothing."""
    from ansible_collections.routesec.bgp.plugins.module_utils.plan.guards import check_list_change

    change = change_for(0, 0)
    check_list_change("r1", change)
    assert not frr.change_lines(change)


def test_guard_refuses_a_sharp_shrink_and_names_counts():
    from ansible_collections.routesec.bgp.plugins.module_utils.plan.guards import check_list_change

    with pytest.raises(SafetyError, match=r"shrink from 10 to 5 entries \(-50%, limit 25%\).*allow_shrink"):
        check_list_change("r1", change_for(10, 5))
    check_list_change("r1", change_for(10, 8))
    check_list_change("r1", change_for(10, 5), max_shrink_percent=60)
    check_list_change("r1", change_for(10, 5), allow_shrink=True)


class MemoryFrr(FrrNetmikoDriver):
    """FRR's running config held in memory, applying config lines as vtysh would."""

    def __init__(self, running="", drop=None):
        super().__init__(host="memory", username="u", password="p", name="r1")
        self.lines = running.splitlines()
        self.drop = drop
        self.pushed = []
        self.saved = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def show(self, command):
        if command == "write memory":
            self.saved += 1
            return "[OK]"
        assert command == "show running-config"
        return "\n".join(self.lines) + "\n"

    def send(self, lines):
        self.pushed += lines
        for line in lines:
            if line == self.drop:
                continue
            if line.startswith("no "):
                self.lines.remove(line[3:])
            else:
                self.lines.append(line)
        return ""


def deploy_prefix_lists(intent, device, options):
    """prefix_filter's deployment of ``intent``'s lists through ``device``."""
    with device:
        return list_result(deploy(device, prefix_list_plan(intent.prefix_lists, "frr"), options))


def intent(*prefixes):
    return DeviceIntent(Device("r1", "frr", "127.0.10.1", 64500), (plist(*prefixes),))


def test_check_mode_sends_nothing_and_shows_the_diff():
    device = MemoryFrr("ip prefix-list OWN4 seq 5 permit 10.0.0.0/24")
    result = deploy_prefix_lists(intent("10.0.0.0/24", "10.0.1.0/24"), device, DeployOptions(check_mode=True))
    assert result["changed"] is True
    assert device.pushed == [] and device.saved == 0
    assert "+ip prefix-list OWN4 seq 10 permit 10.0.1.0/24" in result["diff"]["prepared"]
    assert result["commands"] == ["ip prefix-list OWN4 seq 10 permit 10.0.1.0/24"]


def test_apply_then_rerun_is_idempotent():
    device = MemoryFrr("ip prefix-list OTHER seq 5 permit 192.0.2.0/24")
    result = deploy_prefix_lists(intent("10.0.0.0/24"), device, DeployOptions())
    assert result["changed"] and device.saved == 1
    again = deploy_prefix_lists(intent("10.0.0.0/24"), device, DeployOptions())
    assert again["changed"] is False and again["commands"] == [] and again["diff"]["prepared"] == ""
    assert "ip prefix-list OTHER seq 5 permit 192.0.2.0/24" in device.lines


def test_a_push_the_router_did_not_take_is_rolled_back():
    before = "ip prefix-list OWN4 seq 5 permit 10.0.0.0/24\nip prefix-list OWN4 seq 10 permit 10.0.9.0/24"
    device = MemoryFrr(before, drop="ip prefix-list OWN4 seq 15 permit 10.0.1.0/24")
    with pytest.raises(TransportError, match="not as planned: OWN4.*previous configuration was put back"):
        deploy_prefix_lists(intent("10.0.0.0/24", "10.0.1.0/24"), device, DeployOptions(allow_shrink=True))
    assert sorted(device.lines) == sorted(before.splitlines())
    assert device.saved == 0


def test_guard_failure_sends_nothing():
    device = MemoryFrr("\n".join("ip prefix-list OWN4 seq %d permit 10.0.%d.0/24" % (5 * (i + 1), i) for i in range(8)))
    with pytest.raises(SafetyError):
        deploy_prefix_lists(intent("10.0.0.0/24"), device, DeployOptions())
    assert device.pushed == []


def test_platforms_without_a_driver_are_refused_by_name():
    with pytest.raises(TransportError, match="no driver deploys to platform 'nokia_sros' over .*state=rendered"):
        driver_for("nokia_sros", host="h", username="u", password="p")
    assert isinstance(driver_for("frr", host="h", username="u", password="p"), FrrNetmikoDriver)
