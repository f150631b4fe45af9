# -*- coding: utf-8 -*-
"""Route-object planning: create, modify ours, delete only ours, leave others' alone, guard deletions."""

from __future__ import annotations

import ipaddress

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.build import Origination
from ansible_collections.routesec.bgp.plugins.module_utils.irr.route_objects import (
    check_deletions,
    desired_route_objects,
    plan_route_objects,
)
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import as_set_object, route_object

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


def test_attributes_routesec_does_not_write_are_kept_and_lists_compare_by_value():
    from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import RpslObject

    (wanted,) = desired("185.230.76.0/22")
    held = RpslObject(
        (("route", "185.230.76.0/22"), ("descr", "old"), ("origin", "AS64500"), ("remarks", "by hand"))
        + (("notify", "noc@example.net"), ("mnt-by", "MAINT-US"), ("last-modified", "2026-01-01T00:00:00Z"))
        + (("source", "RIPE"),)
    )
    plan = plan_route_objects([wanted], [held], ["MAINT-US"], {64500}, HELD)
    ((_old, new),) = plan.modify
    assert [n for n, _v in new.attributes] == ["route", "descr", "origin", "remarks", "notify", "mnt-by", "source"]
    assert new.first("descr") == "us" and new.first("remarks") == "by hand"
    again = plan_route_objects([wanted], [new], ["MAINT-US"], {64500}, HELD)
    assert not again.changed and len(again.keep) == 1

    as_set = as_set_object("AS64500:AS-US", ["AS64500", "AS65000:AS-CUSTOMERS"], "MAINT-US", "RIPE")
    comma = RpslObject(tuple((n, v) for n, v in as_set.attributes if n != "members"))
    comma = RpslObject(comma.attributes[:1] + (("members", "as64500, AS65000:as-customers"),) + comma.attributes[1:])
    assert not plan_route_objects([as_set], [comma], ["MAINT-US"], set(), HELD).changed


ASNS = [
    {
        "id": 1,
        "asn": 64500,
        "tags": [{"slug": "routesec-own"}],
        "rir": {"slug": "ripe-ncc"},
        "description": "",
        "custom_fields": {"routesec_as_set": "AS64500:AS-US"},
    },
    {
        "id": 2,
        "asn": 65000,
        "tags": [{"slug": "routesec-customer"}],
        "custom_fields": {"routesec_as_set": "AS65000:AS-CUSTOMERS"},
    },
    {"id": 3, "asn": 65010, "tags": [{"slug": "routesec-customer"}], "custom_fields": {}},
    {"id": 4, "asn": 64496, "tags": [], "custom_fields": {"routesec_as_set": "AS-TRANSIT"}},  # a transit: not listed
]


def test_our_as_set_lists_our_asn_and_customers_by_their_sets():
    from ansible_collections.routesec.bgp.plugins.module_utils.intent.build import Problems
    from ansible_collections.routesec.bgp.plugins.module_utils.irr.our_as_set import desired_as_set

    problems = Problems()
    registries = {"ripe-ncc": dict(REGISTRIES["ripe-ncc"], **{"admin-c": "US1-RIPE", "tech-c": ["US2-RIPE"]})}
    obj = desired_as_set(ASNS, {64500}, registries, "Example", problems)
    assert problems.items == []
    assert obj.values("members") == ["AS64500", "AS65010", "AS65000:AS-CUSTOMERS"]
    assert (obj.first("admin-c"), obj.first("tech-c"), obj.first("descr")) == ("US1-RIPE", "US2-RIPE", "Example")

    looping = [dict(ASNS[1], custom_fields={"routesec_as_set": "AS64500:AS-US"})] + ASNS[:1]
    assert desired_as_set(looping, {64500}, registries, None, problems) is None
    assert "names our own AS-SET AS64500:AS-US: a loop" in problems.items[0]
    problems = Problems()
    assert desired_as_set(ASNS, {64500}, {}, None, problems) is None
    assert "NetBox ASN 64500 (id 1), field 'rir'" in problems.items[0]


def test_removing_most_members_of_our_as_set_is_refused():
    old = as_set_object("AS64500:AS-US", ["AS64500", "AS65000", "AS65010", "AS65020"], "MAINT-US", "RIPE")
    new = as_set_object("AS64500:AS-US", ["AS64500", "AS65000"], "MAINT-US", "RIPE")
    plan = plan_route_objects([new], [old], ["MAINT-US"], {64500}, HELD)
    with pytest.raises(SafetyError, match=r"removes 2 of our 4 members of AS64500:AS-US"):
        check_deletions(plan)
    check_deletions(plan, allow_deletions=True)
    assert plan.changes()[0][0] == "modify" and plan.delete == ()  # an AS-SET is never deleted


def test_a_prefix_description_in_netbox_is_its_route_objects_descr():
    from ansible_collections.routesec.bgp.plugins.module_utils.irr.route_objects import descriptions

    records = {"prefixes": [{"prefix": "185.230.76.0/22", "description": "Amsterdam PoP"}, {"prefix": "bad"}]}
    originations = [Origination(NET(p), 64500, NET(p).prefixlen) for p in ("185.230.76.0/22", "2a0f:b300::/32")]
    objs = desired_route_objects(originations, AGGREGATES, REGISTRIES, "Example", descriptions=descriptions(records))
    assert [o.first("descr") for o in objs] == ["Amsterdam PoP", "Example"]
    with pytest.raises(DataError, match="descr"):
        desired_route_objects(originations, AGGREGATES, REGISTRIES, descriptions={NET("2a0f:b300::/32"): "Zürich"})
