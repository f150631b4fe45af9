# -*- coding: utf-8 -*-
"""rov_config end to end: an ``rtr`` service in the lab NetBox becomes r2's RTR session to the lab's StayRTR."""

from __future__ import annotations

import pytest
from lab_helpers import lab_api

pytestmark = pytest.mark.lab(reads=("netbox",), changes=("routers",))

PLAYBOOK = "tests/integration/playbooks/rov_config.yml"


@pytest.fixture
def routers_at_base():
    lab_api.reset()
    yield
    lab_api.reset()


def test_without_an_rtr_service_nothing_is_rendered(playbook):
    run = playbook(PLAYBOOK)
    (failed,) = run.for_action("rov_config")
    assert run.rc != 0 and "no service is named 'rtr'" in failed["result"]["msg"]


def test_the_rendered_config_brings_up_r2s_rtr_session(playbook, rtr_service, routers_at_base):
    address, port = rtr_service
    run = playbook(PLAYBOOK, "-e", "routesec_not_found_local_pref=50")
    assert run.rc == 0, run.output
    (result,) = [r["result"] for r in run.for_action("rov_config")]
    assert result["caches"] == [{"address": address, "port": port, "preference": 1}]
    assert set(result["devices"]) == {"r1", "r2"} and result["devices"]["r2"]["platform"] == "frr"
    config = result["devices"]["r2"]["config"]
    assert " rpki cache %s %d preference 1" % (address, port) in config.splitlines()
    output = lab_api.vtysh("r2", "configure terminal\n" + config)
    assert "%" not in output, output

    def connected():
        return [c for c in lab_api.rpki_connections("r2") if c.get("state") == "connected"] or None

    (session,) = lab_api.wait_for(connected, timeout=30, message="r2's RTR session to the lab StayRTR")
    assert session["host"] == address and int(session["port"]) == port
    assert lab_api.wait_for(lambda: lab_api.rpki_prefix_table("r2") or None, timeout=30, message="VRPs on r2")
