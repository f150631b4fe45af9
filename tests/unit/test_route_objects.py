# -*- coding: utf-8 -*-
"""Route-object planning: create, modify ours, delete only ours, leave others' alone, guard deletions."""

from __future__ import annotations

import ipaddress

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.intent import Origination
from ansible_collections.routesec.bgp.plugins.module_utils.irr.route_objects import (
    check_deletions,
    desired_route_objects,
    plan_route_objects,
)
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import route_object

NET = ipaddress.ip_network
AGGREGATES = [(NET("185.230.76.0/22"), "ripe-ncc"), (NET("2a0f:b300::/32"), "ripe-ncc")]
REGISTRIES = {"ripe-ncc": {"mntner": "MAINT-US", "source": "RIPE"}}
HELD = [network for network, _rir in AGGREGATES]


def desired(*prefixes, descr="us"):
    originations = [Origination(NET(p), 64500, NET(p).prefixlen) for p in prefixes]
    return desired_route_objects(originations, AGGREGATES, REGISTRIES, descr)


def test_plan_creates_modifies_and_deletes_only_what_is_ours():
    wanted = desired("185.230.76.0/22", "185.230.78.0/24", "2a0f:b300::/32")
    existing = [
        route_object("185.230.76.0/22", 64500, "MAINT-US", "RIPE", "us"),  # as wanted
        route_object("185.230.78.0/24", 64500, "MAINT-US", "RIPE", "old text"),  # ours, to modify
        route_object("185.230.77.0/24", 64500, "MAINT-US", "RIPE", "us"),  # ours, no longer in NetBox
        route_object("185.230.79.0/24", 65010, "MAINT-US", "RIPE", "a customer's"),  # our mntner, not our origin
        route_object("2a0f:b300::/32", 64500, "MAINT-OTHER", "RIPE", "theirs"),  # someone else's
    ]
    plan = plan_route_objects(wanted, existing, ["MAINT-US"], {64500}, HELD)
    assert [o.key[1] for o in plan.keep] == ["185.230.76.0/22"]
    assert [(old.first("descr"), new.first("descr")) for old, new in plan.modify] == [("old text", "us")]
    assert [o.key[1] for o in plan.delete] == ["185.230.77.0/24"]
    assert [o.first("mnt-by") for o in plan.foreign] == ["MAINT-OTHER"] and plan.create == ()
    assert [action for action, _obj in plan.changes()] == ["modify", "delete"]


def test_deleting_most_of_our_objects_is_refused():
    existing = [route_object("185.230.7%d.0/24" % n, 64500, "MAINT-US", "RIPE", "us") for n in (6, 7, 8)]
    plan = plan_route_objects(desired("185.230.76.0/24"), existing, ["MAINT-US"], {64500}, HELD)
    with pytest.raises(SafetyError, match=r"removes 2 of our 3 route objects \(67%, limit 25%\)"):
        check_deletions(plan)
    check_deletions(plan, allow_deletions=True)


def test_a_prefix_without_a_registry_is_an_error_naming_it():
    with pytest.raises(DataError, match="prefix 185.230.76.0/24, field 'registries'"):
        desired_route_objects([Origination(NET("185.230.76.0/24"), 64500, 24)], AGGREGATES, {}, "us")


def test_route_objects_that_the_rpki_makes_invalid_are_found():
    from ansible_collections.routesec.bgp.plugins.module_utils.irr.route_objects import rpki_conflicts
    from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import make_vrp

    objects = desired("185.230.76.0/22", "185.230.78.0/24", "2a0f:b300::/32")
    vrps = [make_vrp("185.230.76.0/22", 22, 64500), make_vrp("185.230.78.0/24", 24, 65010)]
    assert [o.key[1] for o in rpki_conflicts(objects, vrps)] == ["185.230.78.0/24"]  # covered by another AS's ROA
