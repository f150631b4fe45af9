# -*- coding: utf-8 -*-
"""One bad NetBox record does not block everyone: a managed device with no primary IP, which the run does not
change, is a warning naming it while r1 and r2 get their filters planned; a run that targets that device
still refuses, naming it and the field."""

from __future__ import annotations

import pytest
from lab_helpers import running_configs

pytestmark = pytest.mark.lab(reads=("routers",), changes=("netbox",))


@pytest.fixture
def broken_device(netbox, undo):
    """A device tagged routesec-managed with no primary IP anywhere in NetBox, like r1 otherwise."""
    r1 = netbox.dcim.devices.get(name="r1")
    device = netbox.dcim.devices.create(
        name="edge-noip",
        site=r1.site.id,
        device_type=r1.device_type.id,
        role=r1.role.id,
        platform=r1.platform.id,
        status="active",
        tags=[{"slug": t.slug} for t in r1.tags],
        custom_fields={"routesec_local_asn": r1.custom_fields["routesec_local_asn"]["id"]},
    )
    undo(device.delete)
    return device


def test_a_bad_record_of_another_router_only_warns(playbook, broken_device):
    before = running_configs()
    run = playbook("own_prefix_filters.yml", "--check", "--diff")
    assert run.rc == 0, run.output
    assert sorted(run.by_host("prefix_filter")) == ["r1", "r2"]
    intent = run.by_host("netbox_intent")
    (result,) = intent.values()
    assert sorted(result["devices"]) == ["r1", "r2"]
    assert any("edge-noip" in w and "primary_ip4" in w for w in result["warnings"]), result.get("warnings")
    assert running_configs() == before


def test_a_bad_record_of_a_router_being_changed_still_refuses(playbook, broken_device, tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  children:\n    routers:\n      hosts:\n        r1:\n        edge-noip:\n"
        "  vars:\n    ansible_connection: local\n    ansible_python_interpreter: '{{ ansible_playbook_python }}'\n"
    )
    before = running_configs()
    run = playbook(
        "own_prefix_filters.yml", "--check", "-e", "@inventories/lab/group_vars/routers.yml", inventory=str(inventory)
    )
    assert run.rc != 0
    (failed,) = run.for_action("netbox_intent", "failed")
    assert "NetBox device edge-noip" in failed["result"]["msg"] and "primary_ip4" in failed["result"]["msg"]
    assert not run.for_action("prefix_filter")
    assert running_configs() == before
