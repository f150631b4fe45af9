# -*- coding: utf-8 -*-
"""Route-object planning against the lab's real IRRd: what the maintainer holds is read over whois."""

from __future__ import annotations

import ipaddress

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.intent.build import Origination
from ansible_collections.routesec.bgp.plugins.module_utils.irr.route_objects import (
    desired_route_objects,
    existing_route_objects,
    plan_route_objects,
)
from ansible_collections.routesec.bgp.plugins.module_utils.irr.whois import WhoisClient
from lab_helpers import lab_env

pytestmark = pytest.mark.lab(reads=("irrd",))

NET = ipaddress.ip_network
AGGREGATES = [(NET("185.230.76.0/22"), "ripe-ncc"), (NET("2a0f:b300::/32"), "ripe-ncc")]
PREFIXES = ("185.230.76.0/22", "185.230.79.0/24", "2a0f:b300::/32", "2a0f:b300:100::/48")  # the lab NetBox's


def test_plan_against_the_lab_irr_creates_ours_and_never_touches_the_customers_objects():
    env = lab_env()
    mntner = env["IRRD_LAB_MNTNER"]
    registries = {"ripe-ncc": {"mntner": mntner, "source": "ROUTESEC-LAB"}}
    originations = [Origination(NET(p), 64500, NET(p).prefixlen) for p in PREFIXES]
    wanted = desired_route_objects(originations, AGGREGATES, registries, "routesec lab")
    with WhoisClient(env["IRRD_HOST"], int(env["IRRD_WHOIS_PORT"]), sources="ROUTESEC-LAB", timeout=30) as client:
        existing = existing_route_objects(client, [mntner], PREFIXES)
    held_by_lab = {o.key for o in existing if o.object_class == "route"}
    assert ("route", "203.0.113.0/24", "AS65000") in held_by_lab  # the customer's object, under the same mntner
    plan = plan_route_objects(wanted, existing, [mntner], {64500}, [n for n, _rir in AGGREGATES])
    assert sorted(o.key[1] for o in plan.create) == sorted(PREFIXES)
    assert plan.delete == () and plan.modify == () and plan.foreign == ()
