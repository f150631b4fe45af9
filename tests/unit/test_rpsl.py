# -*- coding: utf-8 -*-
"""RPSL objects: every value checked before it is written, the serializer's output read back."""

from __future__ import annotations

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import as_set_object, parse_objects, route_object

SOURCES = ("ROUTESEC-LAB", "RIPE")


def test_route_and_route6_objects_in_attribute_order():
    route = route_object(
        "185.230.76.0/22", 64500, "MAINT-ROUTESEC-LAB", "routesec-lab", descr="Example Net", sources=SOURCES
    )
    assert route.text() == (
        "route:          185.230.76.0/22\n"
        "descr:          Example Net\n"
        "origin:         AS64500\n"
        "mnt-by:         MAINT-ROUTESEC-LAB\n"
        "source:         ROUTESEC-LAB\n"
    )
    assert route.key == ("route", "185.230.76.0/22", "AS64500")
    assert route_object("2a0f:b300::/32", "AS64500", ["M-A", "M-B"], "RIPE").key == (
        "route6",
        "2a0f:b300::/32",
        "AS64500",
    )


def test_as_set_members_are_checked_sorted_and_deduplicated():
    obj = as_set_object("AS64500:AS-CUSTOMERS", ["AS65001", "as65000", "AS65000:AS-SUB", "AS65000"], "MAINT-X", "RIPE")
    assert obj.values("members") == ["AS65000", "AS65001", "AS65000:AS-SUB"]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: route_object("185.230.76.0/22", 64500, "M-X", "RIPE", descr="ok\nsource: RADB"), "field 'descr'"),
        (lambda: route_object("185.230.76.0/22", 64500, "M-X", "RIPE", descr="ok\r+evil"), "field 'descr'"),
        (lambda: route_object("185.230.76.0/22", 64500, "M-X", "RIPE", remarks="a # hidden"), "field 'remarks'"),
        (lambda: route_object("185.230.76.0/22", 64500, "M-X", "RIPE", descr="caf\u00e9"), "printable ASCII"),
        (lambda: route_object("185.230.76.1/22", 64500, "M-X", "RIPE"), "field 'prefix'"),
        (lambda: route_object("185.230.76.0/22", "AS0", "M-X", "RIPE"), "field 'origin'"),
        (lambda: route_object("185.230.76.0/22", 64500, "M X", "RIPE"), "field 'mnt-by'"),
        (lambda: route_object("185.230.76.0/22", 64500, [], "RIPE"), "needs at least one maintainer"),
        (
            lambda: route_object("185.230.76.0/22", 64500, "M-X", "RADB", sources=SOURCES),
            "not one of the known sources",
        ),
        (lambda: as_set_object("CUSTOMERS", [], "M-X", "RIPE"), "field 'as-set'"),
        (lambda: as_set_object("AS-X", ["AS-Y\nsource: RADB"], "M-X", "RIPE"), "field 'members'"),
    ],
)
def test_bad_values_are_refused_naming_the_field(make, message):
    with pytest.raises(DataError, match=message):
        make()


def test_whois_output_is_read_back():
    text = (
        "% comment line\n"
        "route:          185.230.76.0/22\n"
        "descr:          first\n"
        "                second   # an end-of-line comment\n"
        "origin:         AS64500\n"
        "mnt-by:         MAINT-X\n"
        "source:         RIPE\n"
        "\n"
        "as-set:         AS-X\n"
        "members:        AS1, AS2\n"
        "+                AS3\n"
        "source:         RIPE\n"
    )
    route, as_set = parse_objects(text)
    assert route.values("descr") == ["first second"] and route.key == ("route", "185.230.76.0/22", "AS64500")
    assert as_set.first("members") == "AS1, AS2 AS3"
    built = route_object("185.230.76.0/22", 64500, "MAINT-X", "RIPE", descr=["first", "second"])
    assert parse_objects(built.text()) == [built]
    with pytest.raises(DataError, match="not an RPSL attribute line"):
        parse_objects("no colon here\n")
