# -*- coding: utf-8 -*-
"""playbooks/netbox_bootstrap.yml against the lab NetBox: check mode, repair, idempotence."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.lab(changes=("netbox",))


def bootstrap_changes(run):
    assert run.rc == 0, run.output
    (result,) = run.for_action("netbox_bootstrap")
    return result["result"]["changed"], result["result"]["changes"]


def test_bootstrap_repairs_drift_and_is_idempotent(playbook, netbox):
    assert bootstrap_changes(playbook("netbox_bootstrap.yml")) == (False, [])
    field = netbox.extras.custom_fields.get(name="routesec_max_length")
    field.update({"description": "edited by hand", "validation_maximum": 64})
    try:
        changed, changes = bootstrap_changes(playbook("netbox_bootstrap.yml", "--check"))
        assert changed is True
        assert changes == [
            {"action": "update", "name": "routesec_max_length", "fields": ["description", "validation_maximum"]}
        ]
        assert netbox.extras.custom_fields.get(name="routesec_max_length").description == "edited by hand"
        changed, changes = bootstrap_changes(playbook("netbox_bootstrap.yml"))
        assert changed is True and len(changes) == 1
        repaired = netbox.extras.custom_fields.get(name="routesec_max_length")
        assert repaired.validation_maximum == 128 and repaired.description.startswith("routesec:")
        assert bootstrap_changes(playbook("netbox_bootstrap.yml")) == (False, [])
    finally:
        playbook("netbox_bootstrap.yml")
