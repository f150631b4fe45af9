# -*- coding: utf-8 -*-
"""The one list of platforms: the intent model, the renderers and the drivers agree with it, and a device's
driver is chosen in one place (a platform or transport without one is refused naming the field)."""

from __future__ import annotations

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils import platforms, render
from ansible_collections.routesec.bgp.plugins.module_utils.drivers import registry
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, TransportError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import Device

VERBS = ("get_running", "load_candidate", "compare", "commit", "confirm", "discard", "rollback", "__enter__")


def test_every_platform_has_one_renderer_with_the_shared_entry_points():
    assert set(render.RENDERERS) == set(platforms.PLATFORMS)
    for platform, module in render.RENDERERS.items():
        for entry in ("render_prefix_lists", "parse_prefix_lists", "render_as_path_lists", "render_rov"):
            assert callable(getattr(module, entry, None)), (platform, entry)


def test_every_driver_is_for_a_known_platform_and_offers_the_verbs():
    for (platform, transport), driver in registry.DRIVERS.items():
        assert platform in platforms.PLATFORMS and driver.platform == platform, (platform, transport)
        assert all(callable(getattr(driver, verb, None)) for verb in VERBS), driver
    assert set(registry.DEFAULT_TRANSPORT) <= set(platforms.PLATFORMS)


def test_the_model_takes_the_same_names():
    for platform in platforms.PLATFORMS:
        Device("r1", platform)
    with pytest.raises(DataError, match="platform 'vyos' is not supported"):
        Device("r1", "vyos")


@pytest.mark.parametrize(
    "platform, transport, field",
    [("vyos", None, "platform"), ("nokia_sros", None, "platform"), ("cisco_ios", "vtysh", "transport")],
)
def test_no_driver_is_refused_by_name(platform, transport, field):
    with pytest.raises(TransportError) as refused:
        registry.driver_for(platform, transport, host="h", username="u", password="p")
    assert refused.value.field == field and repr(platform) in str(refused.value)


def test_netconf_reaches_every_platform():
    for platform in platforms.PLATFORMS:
        driver = registry.driver_for(platform, "netconf", host="192.0.2.1", username="u")
        assert driver.where.startswith("device 192.0.2.1 (NETCONF")
