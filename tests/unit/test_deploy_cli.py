# -*- coding: utf-8 -*-
"""prefix_filter's deploy flow for the CLI platforms (``deploy.deploy_whole_lists``) against the emulated
IOS, IOS-XR, EOS and Junos routers of ``fakenos_devices``: check mode plans and changes nothing, apply
commits under the device's confirm timer and confirms, a re-run changes nothing, and a change that
would sharply shrink a list is refused before anything is sent. (Emulated routers, not real ones: see
test_driver_cli.)"""

from __future__ import annotations

import ipaddress

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.deploy import DeployOptions, deploy_whole_lists
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.cli import DRIVERS
from ansible_collections.routesec.bgp.plugins.module_utils.errors import SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.model import Device, DeviceIntent, PrefixEntry, PrefixList
from ansible_collections.routesec.bgp.plugins.module_utils.render import renderer
from fakenos_devices import PASSWORD, ROUTERS, USERNAME, serve

PREFIXES = ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "100.64.0.0/10")


def intent(platform, prefixes):
    entries = tuple(PrefixEntry(ipaddress.ip_network(p)) for p in prefixes)
    return DeviceIntent(Device("edge1", platform), (PrefixList("ROUTESEC-OWN-V4", 4, entries),))


@pytest.fixture(params=sorted(DRIVERS))
def router(request):
    with serve(ROUTERS[request.param](clock_rate=10)) as served:
        yield request.param, served


def deploy(router, prefixes, **options):
    platform, served = router
    driver = DRIVERS[platform]("127.0.0.1", USERNAME, PASSWORD, port=served.port, timeout=10, name="edge1")
    return deploy_whole_lists(intent(platform, prefixes), driver, renderer(platform), DeployOptions(**options), 30)


def running_entries(router):
    platform, served = router
    with DRIVERS[platform]("127.0.0.1", USERNAME, PASSWORD, port=served.port, timeout=10) as driver:
        lists = renderer(platform).parse_prefix_lists(driver.get_running())
    return sorted(str(e.prefix) for e in lists.get((4, "ROUTESEC-OWN-V4"), {}).values())


def test_check_mode_apply_and_nothing_to_do(router):
    planned = deploy(router, PREFIXES, check_mode=True)
    assert planned["changed"] and "192.0.2.0/24" in planned["diff"]["prepared"]
    assert running_entries(router) == []

    applied = deploy(router, PREFIXES)
    assert applied["changed"] and applied["after"]["ROUTESEC-OWN-V4"][0] == "permit 192.0.2.0/24"
    assert running_entries(router) == sorted(PREFIXES)
    assert not router[1].router.pending  # confirmed, no timer left running

    again = deploy(router, PREFIXES)
    assert not again["changed"] and again["commands"] == []


def test_sharp_shrink_is_refused_before_anything_is_sent(router):
    deploy(router, PREFIXES)
    with pytest.raises(SafetyError, match="shrink from 4 to 1 entries"):
        deploy(router, PREFIXES[:1])
    assert running_entries(router) == sorted(PREFIXES)
