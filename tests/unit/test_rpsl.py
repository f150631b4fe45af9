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
        # reserved words and prefixes (RFC 2622 section 2), refused before anything is sent, as IRRd's strict mode
        (lambda: as_set_object("AS-ANY", [], "M-X", "RIPE"), "field 'as-set'.*AS-ANY is a reserved word"),
        (lambda: as_set_object("AS-X", ["AS-ANY"], "M-X", "RIPE"), "field 'members'.*AS-ANY is a reserved word"),
        (lambda: as_set_object("AS-X", ["AS1:AS-ANY"], "M-X", "RIPE"), "field 'members'.*AS-ANY is a reserved"),
        (lambda: as_set_object("AS-X", ["AS0"], "M-X", "RIPE"), r"field 'members'.*AS0 is reserved \(RFC 7607\)"),
        (lambda: as_set_object("AS-X", ["RS-FOO"], "M-X", "RIPE"), "field 'members'.*'RS-FOO' is neither an AS"),
        (lambda: as_set_object("AS-X", ["AS1:AS2"], "M-X", "RIPE"), "field 'members'.*no component begins AS-"),
        (lambda: as_set_object("AS-X", [], "AS-MAINT", "RIPE"), "field 'mnt-by'.*begins AS-, which RPSL keeps"),
        (lambda: as_set_object("AS-X", [], "RS-MAINT", "RIPE"), "field 'mnt-by'.*begins RS-"),
        (lambda: route_object("185.230.76.0/22", 64500, "FLTR-M", "RIPE"), "field 'mnt-by'.*begins FLTR-"),
        (lambda: route_object("185.230.76.0/22", 64500, "ANY", "RIPE"), "field 'mnt-by'.*ANY is a reserved word"),
        (lambda: route_object("185.230.76.0/22", 64500, "M-X", "PEERAS"), "field 'source'.*reserved word"),
        (lambda: route_object("185.230.76.0/22", 64500, "M-X", "RIPE", member_of=["AS-FOO"]), "field 'member-of'"),
        (
            lambda: route_object("185.230.76.0/22", 64500, "M-X", "RIPE", member_of=["AS1:AS2:AS3:AS4:AS5:RS-X"]),
            "field 'member-of'.*more than 5 components",
        ),
        (lambda: route_object("185.230.76.0/22", 64500, "M-X", "RIPE", member_of=["RS-ANY"]), "reserved word"),
        (lambda: as_set_object("AS-X", ["AS-Y\nsource: RADB"], "M-X", "RIPE"), "field 'members'"),
    ],
)
def test_bad_values_are_refused_naming_the_field(make, message):
    with pytest.raises(DataError, match=message):
        make()


def test_hierarchical_set_names_are_written():
    """RFC 2622 section 5: a set's name may be components joined by ':', AS numbers and names of its class."""
    route = route_object(
        "185.230.76.0/22", 64500, "M-X", "RIPE", member_of=["as702:rs-de", "RS-FOO", "AS1:RS-A:AS2", "RS-A:RS-B"]
    )
    assert route.values("member-of") == ["AS702:RS-DE", "RS-FOO", "AS1:RS-A:AS2", "RS-A:RS-B"]
    as_set = as_set_object("AS64500:AS-CUSTOMERS", ["AS-A:AS-B", "AS1:AS-C:AS2"], "M-X", "RIPE")
    assert as_set.values("members") == ["AS-A:AS-B", "AS1:AS-C:AS2"]


def test_a_refused_route_object_is_named_once():
    with pytest.raises(DataError) as caught:
        route_object("185.230.76.0/22", "AS64500", "M X", "RIPE")
    assert str(caught.value.obj) == "route 185.230.76.0/22 AS64500"


def test_a_line_of_spaces_continues_the_value_and_does_not_end_the_object():
    text = "route: 192.0.2.0/24\ndescr: x\n   \norigin: AS65537\nsource: RIPE\n\nroute: 198.51.100.0/24\n"
    first, second = parse_objects(text)
    assert first.attributes == (
        ("route", "192.0.2.0/24"),
        ("descr", "x"),
        ("origin", "AS65537"),
        ("source", "RIPE"),
    )
    assert first.key == ("route", "192.0.2.0/24", "AS65537") and second.first("route") == "198.51.100.0/24"


def test_a_multi_line_descr_is_joined_as_irrd_joins_it():
    text = "route: 192.0.2.0/24\ndescr: Example, # c\n+ Inc.\n\tsecond line,\n+\n  # only a comment\norigin: AS1\n"
    (obj,) = parse_objects(text)
    assert obj.first("descr") == "Example,Inc.,second line"
    assert parse_objects("route: 192.0.2.0/24\ndescr: one line, # kept as written\n")[0].first("descr") == ("one line,")


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
    # a continued value is its lines without comments, joined by "," (as IRRd reads it)
    assert route.values("descr") == ["first,second"] and route.key == ("route", "185.230.76.0/22", "AS64500")
    assert as_set.first("members") == "AS1, AS2,AS3"
    built = route_object("185.230.76.0/22", 64500, "MAINT-X", "RIPE", descr=["first", "second"])
    assert parse_objects(built.text()) == [built]
    with pytest.raises(DataError, match="not an RPSL attribute line"):
        parse_objects("no colon here\n")
