# -*- coding: utf-8 -*-
"""Bad input and unreachable parts: a clear failure naming what is wrong, and no change anywhere."""

from __future__ import annotations

import json

import pytest
from lab_helpers import MANAGED, running_configs

pytestmark = pytest.mark.lab(reads=("routers",), changes=("netbox",))


def assert_refused_by_intent(run, *fragments):
    assert run.rc != 0
    failures = run.for_action("netbox_intent", "failed")
    assert failures, run.output
    message = failures[0]["result"]["msg"]
    for fragment in fragments:
        assert fragment in message
    assert "nothing was changed" in message or "NetBox" in message
    assert not run.for_action("prefix_filter"), "no router task may run after a refusal"
    return message


def tag_prefix(netbox, undo, cidr, origin_asn=None, create=False):
    prefix = netbox.ipam.prefixes.get(prefix=cidr)
    if prefix is None and create:
        prefix = netbox.ipam.prefixes.create(prefix=cidr, status="active")
        undo(prefix.delete)
    else:
        undo(lambda: prefix.update({"tags": [], "custom_fields": {"routesec_origin_asn": None}}))
    fields = {"tags": [{"slug": "routesec-announce"}]}
    if origin_asn is not None:
        fields["custom_fields"] = {"routesec_origin_asn": netbox.ipam.asns.get(asn=origin_asn).id}
    prefix.update(fields)
    return prefix


def test_prefix_without_origin_asn(playbook, netbox, undo):
    before = running_configs()
    prefix = tag_prefix(netbox, undo, "185.230.78.0/24")
    run = playbook("own_prefix_filters.yml")
    assert_refused_by_intent(
        run, "NetBox prefix 185.230.78.0/24 (id %d), field 'custom_fields.routesec_origin_asn': is empty" % prefix.id
    )
    assert running_configs() == before


def test_origin_asn_not_ours(playbook, netbox, undo):
    before = running_configs()
    tag_prefix(netbox, undo, "185.230.78.0/24", origin_asn=64496)
    run = playbook("own_prefix_filters.yml")
    assert_refused_by_intent(run, "field 'custom_fields.routesec_origin_asn': AS64496 is not one of our ASNs")
    assert running_configs() == before


def test_prefix_outside_every_aggregate(playbook, netbox, undo):
    before = running_configs()
    tag_prefix(netbox, undo, "198.51.100.0/24", origin_asn=64500, create=True)
    run = playbook("own_prefix_filters.yml")
    assert_refused_by_intent(run, "NetBox prefix 198.51.100.0/24", "field 'prefix': is outside every NetBox aggregate")
    assert running_configs() == before


def test_unsupported_platform(playbook, netbox, undo):
    before = running_configs()
    device = netbox.dcim.devices.get(name="r2")
    original = device.platform.id
    platform = netbox.dcim.platforms.create(name="Huawei VRP", slug="huawei-vrp")
    undo(platform.delete)
    device.update({"platform": platform.id})
    undo(lambda: device.update({"platform": original}))
    run = playbook("own_prefix_filters.yml")
    assert_refused_by_intent(
        run, "NetBox device r2 (id %d), field 'platform': 'huawei_vrp' is not supported" % device.id
    )
    assert running_configs() == before


def test_netbox_unreachable(playbook):
    before = running_configs()
    run = playbook("own_prefix_filters.yml", env={"NETBOX_URL": "http://127.0.0.1:9"})
    assert_refused_by_intent(run, "NetBox at http://127.0.0.1:9 is unreachable: [Errno 111] Connection refused")
    assert running_configs() == before


def test_netbox_error_answer(playbook):
    before = running_configs()
    run = playbook("own_prefix_filters.yml", env={"NETBOX_TOKEN": "0" * 40})
    assert_refused_by_intent(run, "NetBox answered HTTP 403")
    assert running_configs() == before


def test_router_unreachable(playbook):
    before = running_configs()
    run = playbook("own_prefix_filters.yml", "-e", "routesec_ssh_port=2299")
    assert run.rc != 0
    failures = run.for_action("prefix_filter", "failed")
    assert {f["host"] for f in failures} == set(MANAGED)
    assert "device r1 (127.0.10.1:2299): cannot connect over SSH" in run.by_host("prefix_filter")["r1"]["msg"]
    assert running_configs() == before


def test_wrong_router_password(playbook):
    run = playbook("own_prefix_filters.yml", "-e", "routesec_ssh_password=wrong-password-xyz")
    assert run.rc != 0
    message = run.by_host("prefix_filter")["r1"]["msg"]
    assert "SSH authentication failed for user routesec" in message
    assert "wrong-password-xyz" not in run.output


@pytest.mark.parametrize(
    "entry,fragment",
    [
        ({"prefix": "185.230.77.1/24"}, "'185.230.77.1/24' is not a valid prefix"),
        ({"prefix": "185.230.77.0"}, "'185.230.77.0' is not a prefix in CIDR notation"),
        ({"prefix": "185.230.77.0/24", "le": 33}, "le 33 is outside 24..32"),
    ],
)
def test_malformed_intent_is_refused_before_connecting(playbook, entry, fragment):
    intent = {
        "name": "r1",
        "platform": "frr",
        "mgmt_host": "127.0.10.1",
        "local_asn": 64500,
        "prefix_lists": [{"name": "ROUTESEC-OWN-V4", "afi": 4, "entries": [entry]}],
    }
    run = playbook("tests/integration/playbooks/prefix_filter_intent.yml", "-e", json.dumps({"intent": intent}))
    assert run.rc != 0
    message = run.by_host("prefix_filter")["r1"]["msg"]
    assert message.startswith("prefix-list ROUTESEC-OWN-V4") and fragment in message
