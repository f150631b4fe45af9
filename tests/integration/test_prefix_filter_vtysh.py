# -*- coding: utf-8 -*-
"""Own-prefix filters through the FRR driver (transport=vtysh_local) on the lab's real routers: check mode
changes nothing, the change goes as one file under a confirm timer and is confirmed once the transit
session is Established, transit then receives exactly our prefixes, a re-run sends nothing, and a change
whose post-change check fails (a neighbor that never comes up) is sent back."""

from __future__ import annotations

import json

import pytest
from lab_helpers import MANAGED, lab_api, running_configs
from test_own_prefix_filters import EXPECTED_V4_LIST, OURS, announce_everything, transit_sees

pytestmark = pytest.mark.lab(reads=("netbox",), changes=("routers",))

TRANSIT, TRANSIT6 = "198.18.0.10", "fdff:5e5::10"


def vtysh_vars(**extra):
    """Extra vars: each router's vtysh (its own vty socket and configuration folder), its state folder."""
    state = lab_api.state_dir()
    variables = {
        "routesec_transport": "vtysh_local",
        "routesec_vtysh": [lab_api.VTYSH, "--vty_socket", "%s/{{ inventory_hostname }}/run" % state]
        + ["--config_dir", "%s/{{ inventory_hostname }}/etc" % state],
        "routesec_state_dir": "%s/{{ inventory_hostname }}/routesec" % state,
        "routesec_confirm_timeout": 60,
    }
    variables.update(extra)
    return ["-e", json.dumps(variables)]


@pytest.fixture(scope="module", autouse=True)
def lab_at_base():
    lab_api.reset()
    announce_everything()
    yield
    lab_api.reset()


def test_check_mode_changes_nothing(playbook):
    before = running_configs()
    run = playbook("own_prefix_filters.yml", "--check", "--diff", *vtysh_vars())
    assert run.rc == 0, run.output
    for host, result in run.by_host("prefix_filter").items():
        assert result["changed"] is True, host
        assert "+" + EXPECTED_V4_LIST[0] + "\n" in result["diff"]["prepared"]
    assert running_configs() == before
    assert transit_sees() == {4: set(), 6: set()}


def test_a_change_whose_check_fails_is_sent_back(playbook):
    before = running_configs()
    run = playbook(
        "own_prefix_filters.yml",
        *vtysh_vars(routesec_wait_established=["192.0.2.99"], routesec_established_timeout=5),
        "-e",
        "routesec_batch=1",
    )
    assert run.rc != 0
    assert "not Established" in run.output and "192.0.2.99" in run.output, run.output
    assert running_configs() == before
    # our prefixes went out while the change ran unconfirmed; once sent back, transit loses them again
    lab_api.wait_for(lambda: transit_sees() == {4: set(), 6: set()}, timeout=30)


def test_apply_confirmed_once_transit_is_up(playbook):
    # confirmed once transit is Established and each border sends it all our prefixes (IPv4 and IPv6 sessions)
    bounds = [
        {"neighbor": TRANSIT, "direction": "sent", "min": len(OURS[4])},
        {"neighbor": TRANSIT6, "direction": "sent", "min": len(OURS[6])},
    ]
    run = playbook(
        "own_prefix_filters.yml",
        "--diff",
        *vtysh_vars(routesec_wait_established=[TRANSIT], routesec_prefix_bounds=bounds),
    )
    assert run.rc == 0, run.output
    results = run.by_host("prefix_filter")
    assert sorted(results) == list(MANAGED) and all(r["changed"] for r in results.values())
    for node in MANAGED:
        config = lab_api.running_config(node)
        assert all(line in config for line in EXPECTED_V4_LIST)
        assert not list((lab_api.state_dir() / node / "routesec").glob("routesec-pending*"))  # confirmed
    lab_api.wait_for(lambda: (s := transit_sees())[4] == OURS[4] and s[6] == OURS[6], timeout=30)


def test_rerun_sends_nothing(playbook):
    before = running_configs()
    run = playbook("own_prefix_filters.yml", *vtysh_vars())
    assert run.rc == 0, run.output
    assert all(not r["changed"] and r["commands"] == [] for r in run.by_host("prefix_filter").values())
    assert running_configs() == before
