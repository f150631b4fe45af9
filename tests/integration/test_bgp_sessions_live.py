# -*- coding: utf-8 -*-
"""The netbox-bgp plugin's sessions as neighbours, read by netbox_intent from the lab NetBox."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.lab(changes=("netbox",))

INTENT = "tests/integration/playbooks/netbox_intent.yml"
CUSTOMER = {"asn": 65000, "as_set": "AS65000:AS-CUSTOMERS"}


def read_intent(playbook, *args):
    run = playbook(INTENT, *args)
    assert run.rc == 0, run.output
    (result,) = run.for_action("netbox_intent")
    return result["result"]


def neighbors(result):
    return {name: device["neighbors"] for name, device in result["devices"].items()}


@pytest.fixture
def add_session(netbox, undo):
    """Create a plugin BGP session on a device (and the addresses it needs); all removed afterwards,
    unless the test has already deleted them."""
    own = netbox.ipam.asns.get(asn=64500)
    sessions = netbox.plugins.bgp.bgpsession

    def remove(endpoint, record):
        undo(lambda: [r.delete() for r in endpoint.filter(id=record.id)])

    def address(cidr):
        found = netbox.ipam.ip_addresses.get(address=cidr)
        if found is None:
            found = netbox.ipam.ip_addresses.create(address=cidr, status="active")
            remove(netbox.ipam.ip_addresses, found)
        return found

    def add(device, local, remote, remote_asn, status="active"):
        created = sessions.create(
            device=netbox.dcim.devices.get(name=device).id,
            local_address=address(local).id,
            remote_address=address(remote).id,
            local_as=own.id,
            remote_as=netbox.ipam.asns.get(asn=remote_asn).id,
            status=status,
        )
        remove(sessions, created)
        return created

    return add


def test_the_seeded_sessions_are_r2s_customer(playbook):
    result = read_intent(playbook)
    assert neighbors(result) == {"r1": [], "r2": [dict(CUSTOMER, addresses=["198.18.0.101", "fdff:5e5::101"])]}
    assert result["counts"]["bgp_sessions"] == 2
    assert result["api_calls"] == 6  # /api/status/, the four kinds, the sessions


def test_a_session_appears_while_it_is_active_and_ebgp(playbook, add_session):
    session = add_session("r1", "198.18.0.1/24", "198.18.0.100/24", 65000)
    add_session("r1", "198.18.0.1/24", "198.18.0.10/24", 64496, status="planned")
    add_session("r1", "198.18.0.1/24", "198.18.0.2/24", 64500)  # iBGP to r2
    assert neighbors(read_intent(playbook))["r1"] == [dict(CUSTOMER, addresses=["198.18.0.100"])]

    session.update({"status": "offline"})
    assert neighbors(read_intent(playbook))["r1"] == []
    session.update({"status": "active"})
    assert neighbors(read_intent(playbook))["r1"] == [dict(CUSTOMER, addresses=["198.18.0.100"])]
    session.delete()
    assert neighbors(read_intent(playbook))["r1"] == []


def test_without_reading_the_plugin_the_custom_field_alone_counts(playbook):
    result = read_intent(playbook, "-e", "routesec_bgp_sessions=false")
    assert neighbors(result) == {"r1": [], "r2": [dict(CUSTOMER, addresses=[])]}
    assert "bgp_sessions" not in result["counts"]
    assert result["api_calls"] == 4
