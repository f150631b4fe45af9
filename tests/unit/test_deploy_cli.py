# -*- coding: utf-8 -*-
"""prefix_filter's deploy flow for the CLI platforms (``deploy.deploy`` with ``deploy.prefix_list_plan``) against the emulated
IOS, IOS-XR, EOS and Junos routers of ``fakenos_devices``: check mode plans and changes nothing, apply
commits under the device's confirm timer and confirms, a re-run changes nothing, and a change that
would sharply shrink a list is refused before anything is sent. (Emulated routers, not real ones: see
test_driver_cli.)"""

from __future__ import annotations

import ipaddress

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.registry import DRIVERS as REGISTERED
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import (
    Device,
    DeviceIntent,
    PrefixEntry,
    PrefixList,
)
from ansible_collections.routesec.bgp.plugins.module_utils.plan import deploy as deployment
from ansible_collections.routesec.bgp.plugins.module_utils.render import juniper_junos, renderer
from ansible_collections.routesec.bgp.plugins.module_utils.render.common import entry_text
from fakenos_devices import PASSWORD, ROUTERS, USERNAME, serve

# the CLI platforms' drivers, by platform
DRIVERS = {p: d for (p, transport), d in REGISTERED.items() if transport == "netmiko" and p != "frr"}

PREFIXES = ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "100.64.0.0/10")


def entry(prefix):
    """An entry for ``prefix``, or for ``(prefix, le)``."""
    prefix, le = prefix if isinstance(prefix, tuple) else (prefix, None)
    return PrefixEntry(ipaddress.ip_network(prefix), le=le)


def intent(platform, prefixes):
    entries = tuple(entry(p) for p in prefixes)
    return DeviceIntent(Device("edge1", platform), (PrefixList("ROUTESEC-OWN-V4", 4, entries),))


@pytest.fixture(params=sorted(DRIVERS))
def router(request):
    with serve(ROUTERS[request.param](clock_rate=10)) as served:
        yield request.param, served


def login(served):
    """The driver's SSH options for ``served`` (its host key pinned)."""
    return {"port": served.port, "timeout": 10, "hostkey": served.hostkey, "fast_cli": True}


def deploy(router, prefixes, **options):
    platform, served = router
    lists = intent(platform, prefixes).prefix_lists
    options = deployment.DeployOptions(confirm_timeout=30, **options)
    with DRIVERS[platform]("127.0.0.1", USERNAME, PASSWORD, name="edge1", **login(served)) as driver:
        return deployment.list_result(deployment.deploy(driver, deployment.prefix_list_plan(lists, platform), options))


def running_entries(router):
    platform, served = router
    with DRIVERS[platform]("127.0.0.1", USERNAME, PASSWORD, **login(served)) as driver:
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


def running_lists(router):
    platform, served = router
    with DRIVERS[platform]("127.0.0.1", USERNAME, PASSWORD, **login(served)) as driver:
        return driver.get_running()


def entries_of(router):
    lists = renderer(router[0]).parse_prefix_lists(running_lists(router))
    return sorted(entry_text(e) for e in lists.get((4, "ROUTESEC-OWN-V4"), {}).values())


# 203.0.113.0/24 is withdrawn and 185.230.76.0/22 comes with its more-specifics: on Junos the list
# becomes a route-filter-list, and back
RANGED = (PREFIXES[0], PREFIXES[1], PREFIXES[3], ("185.230.76.0/22", 24))


def test_a_list_changing_kind_leaves_nothing_of_the_old_object(router):
    deploy(router, PREFIXES)
    changed = deploy(router, RANGED)
    assert changed["changed"]
    wanted = sorted(entry_text(e) for e in intent(router[0], RANGED).prefix_lists[0].entries)
    assert entries_of(router) == wanted  # every object of that name together holds exactly the new list
    assert not deploy(router, RANGED)["changed"]  # and the next run neither changes nor refuses anything

    deploy(router, PREFIXES[:3] + ("185.230.76.0/22",))
    assert entries_of(router) == sorted(
        entry_text(e) for e in intent(router[0], PREFIXES[:3] + ("185.230.76.0/22",)).prefix_lists[0].entries
    )
    if router[0] == "juniper_junos":
        by_kind = juniper_junos.parse_by_kind(running_lists(router))
        assert (4, "ROUTESEC-OWN-V4") in by_kind["prefix-list"]
        assert (4, "ROUTESEC-OWN-V4") not in by_kind["route-filter-list"]


JUNOS_POLICY = """policy-options {
    policy-statement EXPORT-OWN {
        term own {
            from prefix-list ROUTESEC-OWN-V4;
            then accept;
        }
    }
}
"""


@pytest.fixture
def junos():
    with serve(ROUTERS["juniper_junos"](clock_rate=10)) as served:
        yield "juniper_junos", served


def configure(router, text):
    """Commit ``text`` on the router by hand, as an operator would."""
    with DRIVERS[router[0]]("127.0.0.1", USERNAME, PASSWORD, **login(router[1])) as driver:
        driver.load_candidate(text)
        driver.commit()


def test_junos_refuses_to_change_the_kind_of_a_list_a_policy_still_names(junos):
    deploy(junos, PREFIXES)
    configure(junos, JUNOS_POLICY)
    before = running_lists(junos)
    with pytest.raises(DataError, match="policy-statement EXPORT-OWN matches prefix-list ROUTESEC-OWN-V4"):
        deploy(junos, RANGED)
    assert running_lists(junos) == before


def test_junos_deletes_a_stale_object_of_the_other_kind_left_from_before(junos):
    """Both objects on the router (as an earlier release left them): the stale prefix-list still holds the
    withdrawn 203.0.113.0/24. The next run replaces the route-filter-list's entries, not the sum of both, so
    no guard refuses it, and it deletes the prefix-list."""
    deploy(junos, PREFIXES)
    stale = juniper_junos.render_prefix_lists(intent("juniper_junos", RANGED).prefix_lists)
    configure(junos, stale)
    assert (4, "ROUTESEC-OWN-V4") in juniper_junos.parse_by_kind(running_lists(junos))["prefix-list"]
    result = deploy(junos, RANGED)
    assert result["changed"] and "delete:" in "\n".join(result["commands"])
    by_kind = juniper_junos.parse_by_kind(running_lists(junos))
    assert (4, "ROUTESEC-OWN-V4") not in by_kind["prefix-list"]
    assert sorted(entry_text(e) for e in by_kind["route-filter-list"][(4, "ROUTESEC-OWN-V4")].values()) == sorted(
        entry_text(e) for e in intent("juniper_junos", RANGED).prefix_lists[0].entries
    )
