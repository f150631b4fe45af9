# -*- coding: utf-8 -*-
"""Own-prefix announcement filters, end to end: NetBox -> playbook -> FRR -> what transit receives."""

from __future__ import annotations

import pytest
from lab_helpers import MANAGED, lab_api, running_configs

pytestmark = pytest.mark.lab(changes=("netbox", "routers"))

OURS = {4: {"185.230.76.0/22", "185.230.76.0/23", "185.230.79.0/24"}, 6: {"2a0f:b300::/32", "2a0f:b300:100::/48"}}
NOT_OURS = {
    4: {"185.230.78.0/24", "185.230.76.0/25", "198.51.100.0/24"},
    6: {"2a0f:b300:200::/48", "2001:db8:1::/48"},
}
EXPECTED_V4_LIST = [
    "ip prefix-list ROUTESEC-OWN-V4 seq 5 permit 185.230.76.0/22 le 23",
    "ip prefix-list ROUTESEC-OWN-V4 seq 10 permit 185.230.79.0/24",
]


def announce_everything():
    for afi in (4, 6):
        for prefix in sorted(OURS[afi] | NOT_OURS[afi]):
            lab_api.exabgp("announce route %s next-hop self" % prefix)
    lab_api.wait_for(lambda: OURS[4] | NOT_OURS[4] <= lab_api.received_prefixes("r1", 4), timeout=30)
    lab_api.wait_for(lambda: OURS[6] | NOT_OURS[6] <= lab_api.received_prefixes("r2", 6), timeout=30)


def transit_sees():
    return {afi: lab_api.received_prefixes("transit", afi) for afi in (4, 6)}


@pytest.fixture(scope="module", autouse=True)
def lab_at_base():
    lab_api.reset()
    announce_everything()
    yield
    lab_api.reset()


def test_before_any_push_transit_receives_nothing():
    assert transit_sees() == {4: set(), 6: set()}


def test_check_mode_shows_the_diff_and_changes_nothing(playbook):
    before = running_configs()
    run = playbook("own_prefix_filters.yml", "--check", "--diff")
    assert run.rc == 0, run.output
    results = run.by_host("prefix_filter")
    assert sorted(results) == list(MANAGED)
    for host in MANAGED:
        assert results[host]["changed"] is True
        diff = results[host]["diff"]["prepared"]
        for line in EXPECTED_V4_LIST:
            assert "+" + line + "\n" in diff
        assert "+ipv6 prefix-list ROUTESEC-OWN-V6 seq 10 permit 2a0f:b300:100::/48\n" in diff
        assert results[host]["commands"][0] == EXPECTED_V4_LIST[0]
    assert "+ip prefix-list ROUTESEC-OWN-V4 seq 5 permit 185.230.76.0/22 le 23" in run.output
    assert running_configs() == before
    assert transit_sees() == {4: set(), 6: set()}


def test_apply_lets_exactly_our_prefixes_through(playbook):
    run = playbook("own_prefix_filters.yml", "--diff")
    assert run.rc == 0, run.output
    assert all(r["changed"] for r in run.by_host("prefix_filter").values())
    for node in MANAGED:
        config = lab_api.running_config(node)
        for line in EXPECTED_V4_LIST:
            assert line in config
    seen = lab_api.wait_for(lambda: (s := transit_sees())[4] == OURS[4] and s[6] == OURS[6] and s, timeout=30)
    assert not (seen[4] & NOT_OURS[4]) and not (seen[6] & NOT_OURS[6])
    # each border's outbound policy is re-applied on its own timer: wait for both, not just the first
    borders = ("198.18.0.1", "198.18.0.2")
    lab_api.wait_for(lambda: all(lab_api.received_from("transit", a, 4) == OURS[4] for a in borders), timeout=30)


def test_rerun_is_idempotent(playbook):
    before = running_configs()
    run = playbook("own_prefix_filters.yml", "--diff")
    assert run.rc == 0, run.output
    for host, result in run.by_host("prefix_filter").items():
        assert result["changed"] is False, host
        assert result["commands"] == []
    assert running_configs() == before


def test_a_new_prefix_in_netbox_is_pushed_as_a_one_line_delta(playbook, netbox):
    asn = netbox.ipam.asns.get(asn=64500)
    prefix = netbox.ipam.prefixes.get(prefix="185.230.78.0/24")
    prefix.update({"tags": [{"slug": "routesec-announce"}], "custom_fields": {"routesec_origin_asn": asn.id}})
    try:
        checked = playbook("own_prefix_filters.yml", "--check", "--diff")
        assert checked.rc == 0, checked.output
        for result in checked.by_host("prefix_filter").values():
            assert result["commands"] == ["ip prefix-list ROUTESEC-OWN-V4 seq 15 permit 185.230.78.0/24"]
        run = playbook("own_prefix_filters.yml")
        assert run.rc == 0, run.output
        lab_api.wait_for(lambda: "185.230.78.0/24" in lab_api.received_prefixes("transit", 4), timeout=30)
    finally:
        prefix.update({"tags": [], "custom_fields": {"routesec_origin_asn": None}})
    # 3 -> 2 entries is a 33 % shrink, over the default limit: this removal needs the override
    run = playbook("own_prefix_filters.yml", "-e", "routesec_allow_shrink=true")
    assert run.rc == 0, run.output
    assert all(
        r["commands"] == ["no ip prefix-list ROUTESEC-OWN-V4 seq 15 permit 185.230.78.0/24"]
        for r in run.by_host("prefix_filter").values()
    )
    lab_api.wait_for(lambda: transit_sees()[4] == OURS[4], timeout=30)


def test_sharp_shrink_is_refused_and_nothing_changes(playbook, netbox):
    assert playbook("own_prefix_filters.yml").rc == 0
    before = running_configs()
    prefix = netbox.ipam.prefixes.get(prefix="185.230.79.0/24")
    tags = [{"slug": t.slug} for t in prefix.tags]
    prefix.update({"tags": []})
    try:
        run = playbook("own_prefix_filters.yml")
        assert run.rc != 0
        failures = run.for_action("prefix_filter", "failed")
        assert {f["host"] for f in failures} == set(MANAGED)
        message = failures[0]["result"]["msg"]
        assert (
            "prefix-list ROUTESEC-OWN-V4 (routesec: prefixes AS64500 originates): the list would shrink from 2 to 1 entries (-50%, limit 25"
            in message
        )
        assert "allow_shrink=true" in message
        assert running_configs() == before
        forced = playbook("own_prefix_filters.yml", "--check", "-e", "routesec_allow_shrink=true")
        assert forced.rc == 0, forced.output
        assert running_configs() == before
    finally:
        prefix.update({"tags": tags})


def test_an_option_the_transport_cannot_honour_is_refused(playbook):
    """FRR over netmiko has no confirm timer: asking for one fails on every router before anything is sent."""
    before = running_configs()
    run = playbook("own_prefix_filters.yml", "-e", "routesec_confirm_timeout=60")
    assert run.rc != 0
    failures = run.for_action("prefix_filter", "failed")
    assert {f["host"] for f in failures} == set(MANAGED)
    message = failures[0]["result"]["msg"]
    assert message.startswith("field 'confirm_timeout': device ") and "has no confirm timer" in message, message
    assert running_configs() == before


def test_over_ssh_every_line_is_typed_and_each_refusal_reported():
    """FRR over netmiko types a change in one write and reads up to vtysh's prompt after ``end``: a line FRR
    refuses is reported, and every line after it is still applied."""
    from ansible_collections.routesec.bgp.plugins.module_utils.drivers.frr_netmiko import FrrNetmikoDriver

    host, port = lab_api.SSH["r1"]
    refused = "ip prefix-list ROUTESEC-TYPED seq 10 permit 192.0.2.0/33"
    valid = ["ip prefix-list ROUTESEC-TYPED seq %d permit 198.51.%d.0/24" % (5 * n, n) for n in range(3, 40)]
    lines = ["ip prefix-list ROUTESEC-TYPED seq 5 permit 192.0.2.0/25", refused, *valid]
    login = {"port": port, "known_hosts": str(lab_api.known_hosts())}
    with FrrNetmikoDriver(host, lab_api.SSH_USERNAME, lab_api.SSH_PASSWORD, **login) as frr:
        answer = frr.send(lines)
        typed = [line for line in frr.get_running().splitlines() if "ROUTESEC-TYPED" in line]
        assert frr.send(["no ip prefix-list ROUTESEC-TYPED"]) == ""
    assert answer == "% Unknown command: " + refused
    assert typed == [lines[0], *valid]
