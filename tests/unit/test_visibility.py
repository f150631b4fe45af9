# -*- coding: utf-8 -*-
"""BGP visibility of a block in a prefix-to-AS snapshot: covering, equal and more-specific routes with their
origins (multi-origin and AS_SET members too), nothing else; on the real RouteViews table as well."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.due_diligence.visibility import SeenRoute, seen_routes
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SourceError

ROUTEVIEWS = Path(__file__).resolve().parents[3] / "shared" / "data" / "bgp" / "routeviews-rv2-20240406.pfx2as.gz"
TABLE = "185.0.0.0\t8\t3333\n185.230.76.0\t22\t64500_64501\n185.230.77.0\t24\t64502,64503\n185.231.0.0\t16\t1\n2a0f:b300::\t32\t64500\n"


def test_covering_exact_and_more_specific(tmp_path):
    table = tmp_path / "pfx2as"
    table.write_text(TABLE)
    assert seen_routes(ipaddress.ip_network("185.230.76.0/22"), table) == [
        SeenRoute("185.0.0.0/8", (3333,), "covering"),
        SeenRoute("185.230.76.0/22", (64500, 64501), "exact"),
        SeenRoute("185.230.77.0/24", (64502, 64503), "more-specific"),
    ]
    assert seen_routes(ipaddress.ip_network("2a0f:b300::/32"), table) == [
        SeenRoute("2a0f:b300::/32", (64500,), "exact")
    ]
    assert seen_routes(ipaddress.ip_network("192.0.2.0/24"), table) == []


def test_a_broken_table_is_named(tmp_path):
    table = tmp_path / "pfx2as"
    table.write_text("185.230.76.0\t22\tAS-X\n")
    with pytest.raises(DataError, match="line 1 is not 'address length origins'"):
        seen_routes(ipaddress.ip_network("185.230.76.0/22"), table)
    with pytest.raises(SourceError, match="cannot read the routing table"):
        seen_routes(ipaddress.ip_network("185.230.76.0/22"), tmp_path / "missing")


def test_the_real_routeviews_table():
    routes = seen_routes(ipaddress.ip_network("1.0.0.0/22"), ROUTEVIEWS)
    assert SeenRoute("1.0.0.0/24", (13335,), "more-specific") in routes
    assert all(route.relation == "more-specific" for route in routes)
