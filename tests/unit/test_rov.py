# -*- coding: utf-8 -*-
"""Route origin validation against a plain per-length reference, on made-up and real VRPs."""

from __future__ import annotations

import gzip
import ipaddress
import json
import random

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.rov import INVALID, NOT_FOUND, VALID, RovIndex
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import (
    Vrp,
    make_vrp,
    read_vrps,
    vrps_from_csv,
    vrps_from_json,
)
from test_renderers import SHARED

pytestmark = pytest.mark.cpu_bound  # real data for minutes: the idle scheduling class (conftest.py)

VRP_DIR = SHARED / "data" / "vrp"


def reference(vrps, network, origin):
    """RFC 6811 as written: look at every prefix that contains the route, shortest first."""
    by_prefix = {}
    for vrp in vrps:
        by_prefix.setdefault(vrp.prefix, []).append(vrp)
    covered = False
    for length in range(network.prefixlen + 1):
        for vrp in by_prefix.get(network.supernet(new_prefix=length), ()):
            covered = True
            if origin and vrp.asn == origin and network.prefixlen <= vrp.max_length:
                return VALID
    return INVALID if covered else NOT_FOUND


VRPS = [
    make_vrp("192.0.2.0/24", 24, 64500),
    make_vrp("198.51.100.0/22", 24, 64501),
    make_vrp("198.51.100.0/22", 22, 64502),
    make_vrp("198.51.101.0/24", 25, 64503),  # nested inside the /22
    make_vrp("203.0.113.0/24", 24, 0),  # AS0: nobody may originate it
    make_vrp("2001:db8::/32", 48, 64500),
    make_vrp("2001:db8:1::/48", 48, 64510),
]


@pytest.mark.parametrize(
    "route, origin, state",
    [
        ("192.0.2.0/24", 64500, VALID),
        ("192.0.2.0/25", 64500, INVALID),  # longer than max length
        ("192.0.2.0/24", 64999, INVALID),  # wrong origin
        ("192.0.0.0/16", 64500, NOT_FOUND),  # less specific than every VRP
        ("198.51.101.0/24", 64501, VALID),  # the /22's max length 24
        ("198.51.101.0/25", 64503, VALID),  # the nested /24 with max length 25
        ("198.51.101.0/25", 64501, INVALID),
        ("198.51.100.0/22", 64502, VALID),
        ("198.51.100.0/23", 64502, INVALID),
        ("203.0.113.0/24", 0, INVALID),
        ("203.0.113.0/24", None, INVALID),  # an AS_SET origin never matches
        ("203.0.113.0/24", 64500, INVALID),
        ("10.0.0.0/8", 64500, NOT_FOUND),
        ("2001:db8:1::/48", 64510, VALID),
        ("2001:db8:1::/48", 64500, VALID),  # the /32 allows /48 for AS64500 too
        ("2001:db8:2::/49", 64500, INVALID),
        ("2001:db9::/32", 64500, NOT_FOUND),
    ],
)
def test_states(route, origin, state):
    index = RovIndex(VRPS)
    network = ipaddress.ip_network(route)
    assert index.validate_network(route, origin) == state == reference(VRPS, network, origin)


@pytest.mark.parametrize("family, width", [(4, 32), (6, 128)])
def test_random_vrps_and_routes_agree_with_the_reference(family, width):
    generator = random.Random(width)
    top = 16 if family == 4 else 32
    base = ipaddress.ip_network("10.0.0.0/8" if family == 4 else "2001:db8::/32")

    def random_prefix(shortest, longest):
        length = generator.randint(shortest, longest)
        offset = generator.getrandbits(length - base.prefixlen) << (width - length)
        return ipaddress.ip_network((int(base.network_address) + offset, length))

    vrps = []
    for _count in range(400):
        prefix = random_prefix(base.prefixlen + 1, base.prefixlen + top - 2)
        vrps.append(
            Vrp(prefix, generator.randint(prefix.prefixlen, base.prefixlen + top), generator.choice((0, 1, 2, 3)))
        )
    index = RovIndex(vrps)
    routes = [
        (random_prefix(base.prefixlen, base.prefixlen + top), generator.choice((1, 2, 3, None)))
        for _count in range(3000)
    ]
    states = index.validate_many([(int(n.network_address), n.prefixlen, o) for n, o in routes], family)
    assert states == [reference(vrps, n, o) for n, o in routes]
    assert {VALID, INVALID, NOT_FOUND} <= set(states)


def test_real_vrps_agree_with_the_reference_on_real_routes():
    vrps = read_vrps(VRP_DIR / "rpki-client_ripe-prepdev_2023-05-04.json.gz")
    assert len(vrps) == 424223
    index = RovIndex(vrps)
    by_prefix = {}
    for vrp in vrps:
        by_prefix.setdefault(vrp.prefix, []).append(vrp)
    routes = []
    with gzip.open(SHARED / "data" / "bgp" / "routeviews-rv2-20240406.pfx2as.gz", "rt") as handle:
        for number, line in enumerate(handle):
            if number % 50 == 0:  # every 50th route: about 20,000
                address, length, origins = line.split()
                network = ipaddress.ip_network("%s/%s" % (address, length))
                routes.extend((network, int(o)) for o in origins.split("_") if o.isdigit())
    got = index.validate_many([(int(n.network_address), n.prefixlen, o) for n, o in routes])
    expected = [reference(by_prefix_list(by_prefix, n), n, o) for n, o in routes]
    assert got == expected and expected.count(VALID) > 100 and expected.count(INVALID) > 100


def by_prefix_list(by_prefix, network):
    return [
        v for length in range(network.prefixlen + 1) for v in by_prefix.get(network.supernet(new_prefix=length), ())
    ]


def test_readers_take_validator_json_and_csv():
    fixture = read_vrps(VRP_DIR / "stayrtr_test.rpki.json")
    raw = json.loads((VRP_DIR / "stayrtr_test.rpki.json").read_text())["roas"]
    assert len(fixture) == len(raw) == 19
    assert {v.to_dict()["prefix"] for v in fixture} == {str(ipaddress.ip_network(r["prefix"])) for r in raw}
    csv_vrps = read_vrps(VRP_DIR / "ripe-irr-bgp-stats_roas.csv")
    assert csv_vrps and all(isinstance(v, Vrp) for v in csv_vrps)
    assert vrps_from_json('{"roas": [{"prefix": "192.0.2.0/24", "maxLength": 24, "asn": "AS64500"}]}') == [
        Vrp(ipaddress.ip_network("192.0.2.0/24"), 24, 64500)
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '{"roas": [{"prefix": "192.0.2.0/24", "maxLength": 23, "asn": 1}]}',
            r"roas\[0\] 192.0.2.0/24, field 'maxLength'.*23",
        ),
        ('{"roas": [{"prefix": "192.0.2.0/24", "maxLength": 33, "asn": 1}]}', "max length 33 is outside 24..32"),
        ('{"roas": [{"prefix": "192.0.2.1/24", "maxLength": 24, "asn": 1}]}', "field 'prefix'.*host bits"),
        ('{"roas": [{"prefix": "192.0.2.0/24", "maxLength": 24, "asn": 4294967296}]}', "field 'asn'"),
        ('{"roas": [{"prefix": "192.0.2.0/24", "maxLength": "x", "asn": 1}]}', "field 'maxLength'.*not a JSON integer"),
        # JSON's own types: true is not 1, 8.0 is not 8, "24" is text (a JSON reader maps the first two silently)
        ('{"roas": [{"prefix": "10.0.0.0/8", "maxLength": true, "asn": 1}]}', "maxLength'.*True is not a JSON integer"),
        ('{"roas": [{"prefix": "10.0.0.0/8", "maxLength": 8.0, "asn": 1}]}', "maxLength'.*8.0 is not a JSON integer"),
        ('{"roas": [{"prefix": "10.0.0.0/8", "maxLength": "8", "asn": 1}]}', "maxLength'.*'8' is not a JSON integer"),
        ('{"roas": [{"prefix": " 10.0.0.0/8", "maxLength": 8, "asn": 1}]}', "field 'prefix'.*holds spaces"),
        ('{"roas": [{"prefix": "10.0.0.0/08", "maxLength": 8, "asn": 1}]}', "field 'prefix'.*not an address/length"),
        ('{"nothing": []}', 'no "roas" list'),
        ("{broken", "not JSON"),
    ],
)
def test_bad_vrps_are_errors_naming_the_entry_and_field(text, message):
    with pytest.raises(DataError, match=message):
        vrps_from_json(text, "vrps.json")


def test_csv_fields_may_be_padded_but_a_length_has_no_leading_zero():
    assert vrps_from_csv("ASN,IP Prefix,Max Length\nAS64500, 192.0.2.0/24 , 24\n") == [
        Vrp(ipaddress.ip_network("192.0.2.0/24"), 24, 64500)
    ]
    with pytest.raises(DataError, match="line 2.*field 'prefix'.*not an address/length"):
        vrps_from_csv("ASN,IP Prefix,Max Length\nAS64500,192.0.2.0/024,24\n")


def test_csv_without_the_columns_is_an_error():
    with pytest.raises(DataError, match="expected the columns ASN, IP Prefix, Max Length"):
        vrps_from_csv("prefix,asn\n192.0.2.0/24,1\n")
