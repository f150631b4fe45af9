# -*- coding: utf-8 -*-
"""Prefix operations against the installed bgpq4, and the shipped bogons against public lists.

bgpq4 1.9 gets the same prefixes as the routes of AS1 from a fake IRRd on
loopback (``irr``, also used by test_as_path_render); its Cisco output is read
with our IOS parser and compared entry for entry, order included. The bogon list is
checked against arouteserver's curated list and IANA's registries, read at run
time from ``shared/data/bogons`` beside the repository.
"""

from __future__ import annotations

import ipaddress
import random
import xml.etree.ElementTree as ET

import pytest
import yaml
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.intent import bogons, prefix_ops
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import PrefixEntry
from ansible_collections.routesec.bgp.plugins.module_utils.render import renderer
from daemons import address, fake_irrd
from test_renderers import SHARED, run

BOGONS = SHARED / "data" / "bogons"
IANA = "{http://www.iana.org/assignments}"
net = ipaddress.ip_network


def subnets(prefix, length):
    return [str(s) for s in net(prefix).subnets(new_prefix=length)]


def entry(prefix, ge=None, le=None):
    return PrefixEntry(net(prefix), ge, le)


@pytest.fixture(scope="module")
def irr():
    """A fake IRRd on loopback: set ``irr.answers``, pass ``address(irr)`` to bgpq4 -h."""
    with fake_irrd() as server:
        yield server


def bgpq4(irr, afi, networks, *options):
    """bgpq4's entries for ``networks`` (CIDR text) as AS1's routes, read back with our IOS parser."""
    irr.answers = {f"!{'g' if afi == 4 else '6'}as1": " ".join(networks)}
    result = run("bgpq4", "-h", address(irr), "-S", "RIPE", f"-{afi}", *options, "AS1")
    assert result.returncode == 0, result.stderr
    return list(renderer("cisco_ios").parse_prefix_lists(result.stdout).get((afi, "NN"), {}).values())


def ours(afi, networks, options):
    """Our entries for bgpq4's ``options`` (-m, -R, -A): build_prefix_entries, and for a
    single option the one function doing it, which must agree."""
    aggregate = "-A" in options
    pairs = [o for o in options if o != "-A"]
    opts = {k: int(v) for k, v in zip(pairs[::2], pairs[1::2])}
    built = prefix_ops.build_prefix_entries(
        networks,
        afi,
        aggregate=aggregate,
        max_length=opts.get("-m"),
        le=opts.get("-R"),
        drop_bogons=False,
        too_specific=prefix_ops.WIDTH[afi],
    )[0]
    single = {
        (True, ()): lambda: prefix_ops.aggregate(networks),
        (False, ("-R",)): lambda: prefix_ops.with_max_length(networks, opts["-R"]),
        (False, ("-m",)): lambda: prefix_ops.with_max_length(
            prefix_ops.drop_longer_than(networks, opts["-m"])[0], None
        ),
    }.get((aggregate, tuple(opts)))
    if single:
        assert single() == list(built)  # in bgpq4's order before any sorting
    return list(built)


# Hand-made trees for every merge rule of bgpq4's aggregation (sx_radix_node_aggregate).
CASES = {
    "siblings": (4, ["10.0.0.0/24", "10.0.1.0/24", "192.0.2.0/25", "192.0.2.128/25"]),
    "siblings-and-parent": (4, ["10.0.0.0/23", "10.0.0.0/24", "10.0.1.0/24"]),
    "lone-half": (4, ["10.0.0.0/23", "10.0.0.0/24", "10.0.2.0/24"]),
    "whole-/22-of-/24s": (4, subnets("10.0.0.0/22", 24)),
    "second-range-glue": (4, ["10.0.0.0/23", *subnets("10.0.0.0/22", 25)]),
    "second-range-real": (4, ["10.0.0.0/22", "10.0.0.0/23", *subnets("10.0.0.0/22", 25)]),
    "third-range": (4, ["10.0.0.0/22", *subnets("10.0.0.0/22", 24), *subnets("10.0.0.0/22", 26)]),
    "two-ranges": (4, [*subnets("10.0.0.0/23", 24), *subnets("10.0.0.0/23", 26)]),
    "nested": (4, ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.128/25", "11.0.0.0/8"]),
    "v6-siblings": (6, ["2001:db8::/33", "2001:db8:8000::/33", "2001:4:112::/48"]),
    "v6-ranges": (6, ["2001:db8::/32", *subnets("2001:db8::/46", 48), *subnets("2001:db8::/46", 50)]),
}
OPTIONS = {
    "plain": [],
    "aggregate": ["-A"],
    "refine": ["-R", "{long}"],
    "aggregate-refine": ["-A", "-R", "{long}"],
    "maxlen": ["-m", "{short}"],
    "maxlen-refine-aggregate": ["-A", "-m", "{short}", "-R", "{long}"],
}
LENGTHS = {4: {"long": 26, "short": 24}, 6: {"long": 52, "short": 48}}
RANDOM_LENGTHS = {4: {"long": 25, "short": 24}, 6: {"long": 49, "short": 48}}  # inside random_networks' span


def options_for(name, afi, lengths=None):
    return [o.format(**(lengths or LENGTHS)[afi]) for o in OPTIONS[name]]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("case", CASES)
def test_matches_bgpq4(irr, case, options):
    afi, networks = CASES[case]
    opts = options_for(options, afi)
    shuffled = random.Random(case).sample(networks, len(networks))  # input order does not matter
    assert ours(afi, shuffled, opts) == bgpq4(irr, afi, networks, *opts)


def random_networks(rng, afi, count):
    """``count`` prefixes packed into a /20 (IPv4) or /44 (IPv6), 0-7 bits longer."""
    base = net("10.16.0.0/20" if afi == 4 else "2001:db8:1230::/44")
    found = set()
    for _count in range(count):
        extra = rng.randint(0, 7)
        addr = int(base.network_address) + (rng.getrandbits(extra) << (base.max_prefixlen - base.prefixlen - extra))
        found.add(net((addr, base.prefixlen + extra)))
    return [str(n) for n in found]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("afi", [4, 6])
def test_matches_bgpq4_on_random_sets(irr, afi, options):
    rng = random.Random(f"{afi}{options}")
    opts = options_for(options, afi, RANDOM_LENGTHS)
    for _round in range(15):
        networks = random_networks(rng, afi, rng.randint(1, 120))
        assert ours(afi, networks, opts) == bgpq4(irr, afi, networks, *opts), networks


def test_two_adjacent_24s():
    """Two adjacent /24s: bgpq4 -A gives their /23 ``ge 24 le 24`` (``le 24`` would match the /23 too)."""
    assert prefix_ops.aggregate(["10.0.0.0/24", "10.0.1.0/24"]) == [entry("10.0.0.0/23", 24, 24)]
    assert prefix_ops.aggregate(["10.0.0.0/23", "10.0.0.0/24", "10.0.1.0/24"]) == [entry("10.0.0.0/23", le=24)]
    assert prefix_ops.with_max_length(["10.0.0.0/22", "10.0.1.0/24", "10.0.1.128/25"], 24) == [
        entry("10.0.0.0/22", le=24),
        entry("10.0.1.128/25"),
    ]


def test_build_reports_too_specific():
    networks = [n for family, nets in CASES.values() if family == 4 for n in nets]
    entries, report = prefix_ops.build_prefix_entries(networks, 4, max_length=23, aggregate=True, drop_bogons=False)
    assert report.max_length == 23 and report.bogons == ()
    assert set(report.too_specific) == {net(n) for n in networks if net(n).prefixlen > 23}
    assert entries == tuple(prefix_ops.aggregate(n for n in networks if net(n).prefixlen <= 23))


LAB = {
    4: ["185.230.76.0/22", "185.230.78.0/24", "203.0.113.0/24", "198.51.100.0/24", "198.51.100.0/25"],
    6: ["2a0f:b300::/32", "2a0f:b300:100::/48", "2001:db8::/32", "2001:db8:1::/56"],
}


@pytest.mark.parametrize("afi", [4, 6])
def test_build_drops_bogons_and_too_specific(afi):
    entries, report = prefix_ops.build_prefix_entries(LAB[afi] + LAB[10 - afi], afi)
    assert [str(e.prefix) for e in entries] == LAB[afi][:2]
    bogon = sorted((n for n in LAB[afi][2:] if bogons.is_bogon(n)), key=net)
    assert [str(n) for n in report.bogons] == bogon  # a bogon that is also too specific counts as bogon
    assert report.too_specific == ()
    assert report.max_length == prefix_ops.TOO_SPECIFIC[afi] == {4: 24, 6: 48}[afi]
    assert report.to_dict()["bogons"] == bogon and report.dropped == len(bogon)


@pytest.mark.parametrize("afi", [4, 6])
def test_build_keeps_documentation_ranges_when_asked(afi):
    """The lab routes the documentation ranges on purpose: allow them, or turn the check off."""
    allowed = ["203.0.113.0/24", "198.51.100.0/24"] if afi == 4 else ["2001:db8::/32"]
    longest = prefix_ops.WIDTH[afi]
    with_allowed, report = prefix_ops.build_prefix_entries(LAB[afi], afi, allowed=allowed, too_specific=longest)
    unchecked = prefix_ops.build_prefix_entries(LAB[afi], afi, drop_bogons=False, too_specific=longest)[0]
    assert report.bogons == ()
    assert with_allowed == unchecked == tuple(sorted(map(entry, LAB[afi]), key=prefix_ops.sort_key))
    assert bogons.is_bogon(allowed[0]) and not bogons.is_bogon(allowed[0], allowed=allowed)


def test_build_too_specific_defaults_and_overrides():
    nets = ["192.31.196.0/24", "192.31.196.0/25", "2620:4f:8000::/48", "2620:4f:8000::/49"]
    for afi, kept, dropped in (
        (4, "192.31.196.0/24", "192.31.196.0/25"),
        (6, "2620:4f:8000::/48", "2620:4f:8000::/49"),
    ):
        entries, report = prefix_ops.build_prefix_entries(nets, afi)
        assert entries == (entry(kept),) and report.too_specific == (net(dropped),)
        entries, report = prefix_ops.build_prefix_entries(nets, afi, too_specific=net(dropped).max_prefixlen)
        assert len(entries) == 2 and report.too_specific == ()
        entries, report = prefix_ops.build_prefix_entries(nets, afi, max_length=net(kept).prefixlen - 1)
        assert entries == () and len(report.too_specific) == 2


def test_duplicates_merge_and_text_is_read():
    entries = prefix_ops.build_prefix_entries(["192.31.196.0/24", net("192.31.196.0/24")], 4)[0]
    assert entries == (entry("192.31.196.0/24"),)


@pytest.mark.parametrize(
    "call",
    [
        lambda: prefix_ops.build_prefix_entries([], 5),
        lambda: prefix_ops.build_prefix_entries(["10.0.0.1/24"], 4),
        lambda: prefix_ops.build_prefix_entries(["192.31.196.0/24"], 4, le=33),
        lambda: prefix_ops.build_prefix_entries(["192.31.196.0/24"], 4, max_length=0),
        lambda: prefix_ops.build_prefix_entries(["2620:4f:8000::/48"], 6, too_specific=129),
        lambda: prefix_ops.build_prefix_entries(["2620:4f:8000::/48"], 6, le=True),
        lambda: prefix_ops.with_max_length(["192.31.196.0/24"], 40),
        lambda: prefix_ops.drop_longer_than(["192.31.196.0/24"], "24"),
        lambda: prefix_ops.remove_bogons(["192.31.196.0/24"], 4, allowed=["203.0.113.0"]),
    ],
    ids=["afi", "host-bits", "le", "max_length", "too_specific", "le-bool", "refine", "maxlen-text", "allowed"],
)
def test_bad_input_is_refused(call):
    with pytest.raises(DataError):
        call()


def test_remove_bogons_keeps_one_family():
    kept, removed = prefix_ops.remove_bogons(["10.0.0.0/8", "192.31.196.0/24", "2001:db8::/32", "::/0"], 6)
    assert (kept, removed) == ([], [net("2001:db8::/32"), net("::/0")])


# The bogon list against the public references.


def reference(name):
    path = BOGONS / name
    if not path.is_file():
        pytest.fail(f"{path} is not there: shared/ must sit beside the repository")
    return path


def wholly_bogon(network):
    return any(block.supernet_of(network) for block in bogons.bogon_space(network.version))


def iana_records(name):
    return ET.parse(reference(name)).getroot().iter(f"{IANA}record")


def text(record, tag):
    return (record.findtext(f"{IANA}{tag}") or "").strip()


def test_every_arouteserver_bogon_is_ours_but_two():
    """arouteserver's curated list is inside ours, except two blocks IANA marks globally reachable."""
    listed = yaml.safe_load(reference("arouteserver_bogons.yml").read_text())["bogons"]
    theirs = [net(f"{item['prefix']}/{item['length']}") for item in listed]
    assert {str(n) for n in theirs if n.prefixlen and not wholly_bogon(n)} == {"2001:3::/32", "2001:20::/28"}
    assert {str(n) for n in theirs if not bogons.is_bogon(n)} == {"2001:3::/32", "2001:20::/28"}
    # ... and what we refuse besides: 192.0.0.0/24, fe00::/9, IPv6 no RIR holds.
    rirs = [net(row[0]) for row in bogons.IPV6_RIR_ALLOCATIONS]
    for afi in (4, 6):
        for block in bogons.bogon_space(afi):
            if any(block.overlaps(n) for n in theirs if n.prefixlen):
                continue
            if afi == 4:
                assert net("192.0.0.0/24").supernet_of(block), block
            else:
                assert net("fe00::/9").supernet_of(block) or (
                    net("2000::/3").supernet_of(block) and not any(block.overlaps(r) for r in rirs)
                ), block
    assert wholly_bogon(net("fe00::/9")) and wholly_bogon(net("192.0.0.0/24"))


def test_iana_ipv4_space():
    """Every /8 IANA holds back is bogon; of the allocated ones, none wholly, and six in part."""
    partly = set()
    for record in iana_records("ipv4-address-space.xml"):
        first = int(text(record, "prefix").split("/")[0])
        block = net(f"{first}.0.0.0/8")
        if text(record, "status") == "RESERVED":
            assert wholly_bogon(block), block
        else:
            assert not wholly_bogon(block), block
            if bogons.is_bogon(block):
                partly.add(first)
    assert partly == {100, 169, 172, 192, 198, 203}


def test_iana_ipv6_space():
    """Only IANA's global unicast block holds non-bogons; inside it, what the RIRs hold."""
    for record in iana_records("ipv6-address-space.xml"):
        block = net(text(record, "prefix"))
        assert wholly_bogon(block) == (text(record, "description") != "Global Unicast"), block
    rirs = {}
    for record in iana_records("ipv6-unicast-address-assignments.xml"):
        block, holder = net(text(record, "prefix")), text(record, "description")
        if holder in ("AFRINIC", "APNIC", "ARIN", "LACNIC", "RIPE NCC"):
            rirs[block] = holder
            documentation = net("2001:db8::/32")
            parts = block.address_exclude(documentation) if block.supernet_of(documentation) else [block]
            assert not any(map(bogons.is_bogon, parts)), block
        elif block != net("2001::/23"):  # 6to4 and the IANA reserve
            assert wholly_bogon(block), block
    assert rirs == {net(p): holder for p, holder in bogons.IPV6_RIR_ALLOCATIONS}


@pytest.mark.parametrize(
    "prefix, bogon",
    [
        ("0.0.0.0/0", True),  # covers bogons
        ("::/0", True),
        ("192.0.0.0/16", True),
        ("2001:4::/32", True),  # AS112-v6 and IETF space besides
        ("2001:4:112::/48", False),  # AS112-v6 itself
        ("2001:3::/32", False),  # AMT
        ("2001:4:113::/48", True),
        ("192.31.196.0/24", False),  # AS112
        ("192.175.48.0/24", False),
        ("2620:4f:8000::/48", False),
        ("185.230.76.0/22", False),  # the lab's own
        ("2a0f:b300::/32", False),
        ("2002::/16", True),
        ("2002:c000:200::/48", True),
        ("3fff::/24", True),
        ("3ffe:831f::/32", True),
        ("2001:c00::/23", True),  # APNIC's block, but it covers 2001:db8::/32
        ("2001:c00::/24", False),
        ("100.64.0.0/10", True),
        ("100.128.0.0/9", False),
        ("255.255.255.255/32", True),
    ],
)
def test_bogon_edges(prefix, bogon):
    assert bogons.is_bogon(prefix) is bogon
    assert (bogons.reason(prefix) is None) is not bogon


def test_reasons_name_the_block():
    assert bogons.reason("10.1.0.0/16") == "10.1.0.0/16 is in 10.0.0.0/8: private use (RFC 1918)"
    assert bogons.reason("0.0.0.0/0").startswith("0.0.0.0/0 covers 0.0.0.0/8: ")
    assert bogons.reason("2001:4::/32").endswith("IETF protocol assignments (RFC 2928)")
    assert bogons.reason("2d00::/8") == "2d00::/8: " + bogons.IPV6_UNALLOCATED
    assert bogons.reason("192.0.0.0/22", allowed=["192.0.0.0/24"]).startswith("192.0.0.0/22 covers 192.0.2.0/24")
