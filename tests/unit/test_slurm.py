# -*- coding: utf-8 -*-
"""SLURM (RFC 8416): documents from plain data, refusals naming the field, and ``apply_slurm`` checked
against StayRTR applying the same file to the same VRPs on loopback. ASPA filters and assertions
(draft-ietf-sidrops-aspa-slurm-04, SLURM version 2): read, written and applied to ASPA sets here; against StayRTR
0.5 serving them over RTR in test_validator_aspa.py."""

from __future__ import annotations

import base64
import gzip
import ipaddress
import json
import shutil
import subprocess
import time
import urllib.request

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.slurm import (
    apply_slurm,
    apply_slurm_aspas,
    build_slurm,
    make_slurm,
    parse_slurm,
    read_slurm,
)
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.validators import stayrtr_argv
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import make_vrp, read_vrps
from ports import free_port
from test_renderers import SHARED

FIXTURE = SHARED / "data" / "vrp" / "stayrtr_test.rpki.json"
STAYRTR = shutil.which("stayrtr")

FILTERS = [
    {"prefix": "1.0.4.0/22", "comment": "covers 1.0.4.0/22, 1.0.4.0/24 and 1.0.5.0/24"},
    {"asn": 1103, "comment": "every VRP of AS1103"},
    {"prefix": "2800:40::/32", "asn": 16814},
    {"prefix": "10.0.0.0/8", "comment": "matches nothing here"},
]
ASSERTIONS = [
    {"prefix": "198.51.100.0/24", "asn": 64500, "comment": "our space"},
    {"prefix": "2001:db8::/32", "asn": "AS64500", "maxPrefixLength": 48},
    {"prefix": "1.0.0.0/24", "asn": 13335, "maxPrefixLength": 24, "comment": "already a VRP"},
]


def triples(vrps):
    return sorted((str(v.prefix), v.max_length, v.asn) for v in vrps)


def test_document_shape_follows_rfc_8416():
    document = build_slurm(FILTERS, ASSERTIONS)
    assert document["slurmVersion"] == 1
    assert document["validationOutputFilters"]["bgpsecFilters"] == []
    assert document["locallyAddedAssertions"]["bgpsecAssertions"] == []
    assert document["validationOutputFilters"]["prefixFilters"][2] == {"prefix": "2800:40::/32", "asn": 16814}
    assert document["locallyAddedAssertions"]["prefixAssertions"][:2] == [
        {"prefix": "198.51.100.0/24", "asn": 64500, "comment": "our space"},
        {"prefix": "2001:db8::/32", "asn": 64500, "maxPrefixLength": 48},
    ]
    # a document read back is the same document
    assert parse_slurm(json.dumps(document)).to_dict() == document


def test_apply_removes_what_filters_match_and_adds_assertions():
    vrps = read_vrps(FIXTURE)
    result = apply_slurm(build_slurm(FILTERS, ASSERTIONS), vrps)
    removed = set(triples(vrps)) - set(triples(result))
    assert removed == {
        ("1.0.4.0/22", 22, 38803),
        ("1.0.4.0/24", 24, 38803),
        ("1.0.5.0/24", 24, 38803),
        ("2001:610::/32", 48, 1103),
        ("2001:610::/29", 29, 1103),
        ("2800:40::/32", 48, 16814),
        ("2800:40::/32", 32, 16814),
    }
    added = set(triples(result)) - set(triples(vrps))
    assert added == {("198.51.100.0/24", 24, 64500), ("2001:db8::/32", 48, 64500)}
    assert len(result) == len(vrps) - 7 + 2  # the assertion of an existing VRP adds no copy


def test_filter_prefix_matches_equal_or_more_specific_only():
    slurm = make_slurm([{"prefix": "192.0.2.0/25"}, {"prefix": "2001:db8::/32", "asn": 64501}])
    vrps = [
        make_vrp("192.0.2.0/24", 24, 1),  # less specific: kept
        make_vrp("192.0.2.0/25", 25, 1),  # equal: removed
        make_vrp("192.0.2.64/26", 26, 1),  # more specific: removed
        make_vrp("2001:db8::/48", 48, 64500),  # other AS: kept
        make_vrp("2001:db8::/48", 48, 64501),  # removed
    ]
    assert triples(apply_slurm(slurm, vrps)) == [("192.0.2.0/24", 24, 1), ("2001:db8::/48", 48, 64500)]


@pytest.mark.parametrize(
    "filters, assertions, where, field, message",
    [
        ([{"prefix": "192.0.2.1/24"}], [], "prefixFilters[0] 192.0.2.1/24", "prefix", "host bits"),
        ([{"prefix": "300.0.0.0/8"}], [], "prefixFilters[0] 300.0.0.0/8", "prefix", "not a valid IP address"),
        ([{"comment": "nothing"}], [], "prefixFilters[0]", "prefix", "needs a prefix, an asn or both"),
        ([{"asn": 4294967296}], [], "prefixFilters[0] 4294967296", "asn", "outside"),
        ([{"asn": "ASX"}], [], "prefixFilters[0] ASX", "asn", "not an AS number"),
        ([{"asn": True}], [], "prefixFilters[0] True", "asn", "not an AS number"),
        ([{"prefix": "10.0.0.0/8", "origin": 1}], [], "prefixFilters[0] 10.0.0.0/8", "origin", "unknown key"),
        ([{"asn": 1}, {"asn": "AS1"}], [], "prefixFilters[1] AS1", "prefix", "duplicate of prefixFilters[0]"),
        ([{"prefix": "10.0.0.0/8", "comment": 5}], [], "prefixFilters[0] 10.0.0.0/8", "comment", "expected text"),
        ([], [{"prefix": "192.0.2.0/24"}], "prefixAssertions[0] 192.0.2.0/24", "asn", "needs a asn"),
        ([], [{"asn": 64500}], "prefixAssertions[0] 64500", "prefix", "needs a prefix"),
        (
            [],
            [{"prefix": "192.0.2.0/24", "asn": 64500, "maxPrefixLength": 33}],
            "prefixAssertions[0] 192.0.2.0/24 64500",
            "maxPrefixLength",
            "outside 24..32",
        ),
        (
            [],
            [{"prefix": "2001:db8::/32", "asn": 64500, "maxPrefixLength": 16}],
            "prefixAssertions[0] 2001:db8::/32 64500",
            "maxPrefixLength",
            "outside 32..128",
        ),
        (
            [],
            [{"prefix": "192.0.2.0/24", "asn": 64500, "maxPrefixLength": "24"}],
            "prefixAssertions[0] 192.0.2.0/24 64500",
            "maxPrefixLength",
            "not a whole number",
        ),
        ([], [{"prefix": "192.0.2.0/24", "asn": -1}], "prefixAssertions[0] 192.0.2.0/24 -1", "asn", "not an AS"),
        (
            [],
            [{"prefix": "192.0.2.0/24", "asn": 64500}, {"prefix": "192.0.2.0/24", "asn": "AS64500"}],
            "prefixAssertions[1] 192.0.2.0/24 AS64500",
            "prefix",
            "duplicate of prefixAssertions[0]",
        ),
        ([], "192.0.2.0/24", "SLURM prefixAssertions", None, "expected a list"),
    ],
)
def test_bad_entries_are_refused_naming_entry_and_field(filters, assertions, where, field, message):
    with pytest.raises(DataError) as caught:
        build_slurm(filters, assertions)
    assert where in str(caught.value.obj)
    assert caught.value.field == field
    assert message in caught.value.reason


def test_an_assertion_a_filter_matches_stands_and_is_reported():
    slurm = make_slurm(
        [{"prefix": "192.0.2.0/23"}, {"asn": 64500}],
        [{"prefix": "192.0.2.0/24", "asn": 64500}, {"prefix": "203.0.113.0/24", "asn": 64501}],
    )
    assert slurm.overlaps == tuple(
        "SLURM prefixAssertions[0] 192.0.2.0/24 64500: prefixFilters[%s matches it too; filters apply first, so the "
        "assertion stands (RFC 8416 section 4)" % which
        for which in ("0] 192.0.2.0/23", "1] 64500")
    )
    vrps = [make_vrp("192.0.2.0/24", 24, 64500), make_vrp("192.0.2.0/24", 24, 64502)]
    assert triples(apply_slurm(slurm, vrps)) == [("192.0.2.0/24", 24, 64500), ("203.0.113.0/24", 24, 64501)]


def test_identical_prefix_with_other_max_length_or_non_contradicting_filter_is_accepted():
    document = build_slurm(
        [{"prefix": "192.0.2.0/24", "asn": 64501}, {"prefix": "203.0.113.0/24"}],
        [
            {"prefix": "192.0.2.0/24", "asn": 64500},
            {"prefix": "192.0.2.0/24", "asn": 64500, "maxPrefixLength": 25},
            {"prefix": "203.0.112.0/23", "asn": 64500},  # the filter covers a more specific only
        ],
    )
    assert len(document["locallyAddedAssertions"]["prefixAssertions"]) == 3


@pytest.mark.parametrize(
    "document, field, message",
    [
        ("{", None, "not JSON"),
        ([], None, "expected a JSON object"),
        ({"slurmVersion": 3}, "slurmVersion", "is not 1 or 2"),
        ({"slurmVersion": 1, "validationOutputFilters": []}, "validationOutputFilters", "expected an object"),
        ({"slurmVersion": 1, "validationOutputFilters": {}}, "prefixFilters", "expected a list"),
        (
            {
                "slurmVersion": 1,
                "validationOutputFilters": {"prefixFilters": [], "bgpsecFilters": [{"asn": 1, "SKI": "x"}]},
                "locallyAddedAssertions": {"prefixAssertions": [], "bgpsecAssertions": []},
            },
            "SKI",
            "not base64url text",
        ),
        (
            {
                "slurmVersion": 1,
                "validationOutputFilters": {"prefixFilters": [], "bgpsecFilters": []},
                "locallyAddedAssertions": {"prefixAssertions": {}, "bgpsecAssertions": []},
            },
            "prefixAssertions",
            "expected a list",
        ),
        ({"slurmVersion": 1, "extra": 1}, "extra", "unknown key"),
    ],
)
def test_bad_documents_are_refused(document, field, message):
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(DataError) as caught:
        parse_slurm(text)
    assert caught.value.field == field
    assert message in caught.value.reason


def test_unreadable_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot be read"):
        read_slurm(tmp_path / "missing.json")


def stayrtr_export(argv, url, timeout=20):
    """Run StayRTR, wait for its JSON export at ``url`` to hold VRPs, return it and stop StayRTR."""
    daemon = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if daemon.poll() is not None:
                pytest.fail("stayrtr exited: %s" % daemon.stdout.read().decode(errors="replace"))
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    data = json.load(answer)
                if data.get("roas"):
                    return data
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        pytest.fail("stayrtr exported no VRPs at %s within %ds" % (url, timeout))
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=5)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        daemon.stdout.close()


@pytest.mark.skipif(STAYRTR is None, reason="stayrtr is not installed (scripts/setup.sh installs it)")
@pytest.mark.parametrize("with_slurm", [True, False])
def test_stayrtr_applies_the_slurm_exactly_as_apply_slurm(tmp_path, with_slurm):
    slurm_file = tmp_path / "local.slurm.json"
    document = build_slurm(FILTERS, ASSERTIONS)
    slurm_file.write_text(json.dumps(document))
    http = free_port()
    settings = {
        "tals": ["ripe"],
        "vrp_cache": str(FIXTURE),
        "rtr": {"address": "127.0.0.1", "port": free_port()},
        "http": {"address": "127.0.0.1", "port": http},
        "check_time": False,  # the fixture was built in 2023
    }
    if with_slurm:
        settings["slurm"] = str(slurm_file)
    argv = stayrtr_argv(settings, program=STAYRTR)
    assert argv[argv.index("-cache") + 1] == str(FIXTURE)
    export = stayrtr_export(argv, "http://127.0.0.1:%d/rpki.json" % http)
    served = sorted(
        (r["prefix"], r["maxLength"], int(str(r["asn"]).upper().removeprefix("AS"))) for r in export["roas"]
    )
    vrps = read_vrps(FIXTURE)
    expected = apply_slurm(read_slurm(slurm_file), vrps) if with_slurm else vrps
    # StayRTR exports an assertion that repeats a kept VRP twice: the same VRP, so compare as sets
    assert sorted(set(served)) == sorted(set(triples(expected)))
    if with_slurm:
        assert len(served) == len(apply_slurm(make_slurm(FILTERS), vrps)) + len(ASSERTIONS)
    assert (served != sorted(set(triples(vrps)))) is with_slurm


@pytest.mark.skipif(STAYRTR is None, reason="stayrtr is not installed (scripts/setup.sh installs it)")
def test_stayrtr_agrees_with_apply_slurm_on_424k_real_vrps(tmp_path):
    source = SHARED / "data" / "vrp" / "rpki-client_ripe-prepdev_2023-05-04.json.gz"
    cache = tmp_path / "vrps.json"
    with gzip.open(source, "rb") as packed, open(cache, "wb") as plain:
        shutil.copyfileobj(packed, plain)  # StayRTR reads plain JSON
    vrps = read_vrps(source)
    first_v6 = next(v for v in vrps if v.prefix.version == 6)
    filters = [
        {"asn": vrps[0].asn},
        {"prefix": str(vrps[1000].prefix.supernet(new_prefix=max(vrps[1000].prefix.prefixlen - 4, 8)))},
        {"prefix": str(first_v6.prefix.supernet(new_prefix=max(first_v6.prefix.prefixlen - 8, 16)))},
        {"prefix": str(vrps[5000].prefix), "asn": vrps[5000].asn},
    ]
    assertions = [
        {"prefix": "192.0.2.0/24", "asn": 64500, "maxPrefixLength": 26},
        {"prefix": "2001:db8::/32", "asn": 64500},
    ]
    slurm = make_slurm(filters, assertions)
    expected = apply_slurm(slurm, vrps)
    assert len(vrps) - len(expected) > 50  # the filters do remove something
    slurm_file = tmp_path / "local.slurm.json"
    slurm_file.write_text(slurm.to_json())
    assert served_with_slurm(cache, slurm_file, timeout=60) == set(triples(expected))


def served_with_slurm(cache, slurm_file, timeout=20):
    """The VRPs (triples, prefixes as ``ipaddress`` writes them) a StayRTR serves from ``cache`` with ``slurm_file``."""
    http = free_port()
    argv = stayrtr_argv(
        {
            "tals": ["ripe"],
            "vrp_cache": str(cache),
            "slurm": str(slurm_file),
            "rtr": {"address": "127.0.0.1", "port": free_port()},
            "http": {"address": "127.0.0.1", "port": http},
            "check_time": False,
        },
        program=STAYRTR,
    )
    export = stayrtr_export(argv, "http://127.0.0.1:%d/rpki.json" % http, timeout=timeout)
    return {
        (str(ipaddress.ip_network(r["prefix"])), r["maxLength"], int(str(r["asn"]).upper().removeprefix("AS")))
        for r in export["roas"]
    }


def document_with(filters=(), assertions=(), version=1, bgpsec_filters=(), bgpsec_assertions=()):
    return json.dumps(
        {
            "slurmVersion": version,
            "validationOutputFilters": {"prefixFilters": list(filters), "bgpsecFilters": list(bgpsec_filters)},
            "locallyAddedAssertions": {
                "prefixAssertions": list(assertions),
                "bgpsecAssertions": list(bgpsec_assertions),
            },
        }
    )


# RFC 8416 section 3.5's example, its placeholders for keys replaced by well-formed values
def base64url(octets):
    return base64.urlsafe_b64encode(octets).decode().rstrip("=")


SKI = base64url(bytes(range(20)))  # a key identifier: 20 octets
ROUTER_KEY = base64url(bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + bytes(range(65)))
RFC_8416_EXAMPLE = {
    "slurmVersion": 1,
    "validationOutputFilters": {
        "prefixFilters": [
            {"prefix": "192.0.2.0/24", "comment": "All VRPs encompassed by prefix"},
            {"asn": 64496, "comment": "All VRPs matching ASN"},
            {"prefix": "198.51.100.0/24", "asn": 64497, "comment": "All VRPs encompassed by prefix, matching ASN"},
        ],
        "bgpsecFilters": [
            {"asn": 64496, "comment": "All keys for ASN"},
            {"SKI": SKI, "comment": "Key matching Router SKI"},
            {"asn": 64497, "SKI": SKI, "comment": "Key for ASN 64497 matching Router SKI"},
        ],
    },
    "locallyAddedAssertions": {
        "prefixAssertions": [
            {"asn": 64496, "prefix": "198.51.100.0/24", "comment": "My other important route"},
            {
                "asn": 64496,
                "prefix": "2001:DB8::/32",
                "maxPrefixLength": 48,
                "comment": "My other important de-aggregated routes",
            },
        ],
        "bgpsecAssertions": [
            {"asn": 64496, "comment": "My known key for my important ASN", "SKI": SKI, "routerPublicKey": ROUTER_KEY}
        ],
    },
}
RFC_VRPS = [
    make_vrp("192.0.2.0/24", 24, 64511),  # inside the first filter's prefix
    make_vrp("192.0.2.128/25", 25, 64512),  # inside it too
    make_vrp("203.0.113.0/24", 24, 64496),  # AS64496: the second filter
    make_vrp("198.51.100.0/24", 24, 64497),  # the third filter: prefix and AS
    make_vrp("198.51.100.0/24", 24, 64498),  # another AS: kept
    make_vrp("192.0.0.0/16", 16, 64511),  # covers the first filter's prefix, not inside it: kept
]


def test_the_rfc_8416_example_is_read_and_applied_filters_first():
    slurm = parse_slurm(json.dumps(RFC_8416_EXAMPLE))
    # both assertions are of AS64496, which the second filter matches: reported, and kept
    assert [o.partition(": prefixFilters[1] 64496 matches it too")[0] for o in slurm.overlaps] == [
        "SLURM prefixAssertions[0] 198.51.100.0/24 64496",
        "SLURM prefixAssertions[1] 2001:DB8::/32 64496",
    ]
    assert triples(apply_slurm(slurm, RFC_VRPS)) == [
        ("192.0.0.0/16", 16, 64511),
        ("198.51.100.0/24", 24, 64496),  # asserted, though the AS64496 filter matches it
        ("198.51.100.0/24", 24, 64498),
        ("2001:db8::/32", 48, 64496),
    ]
    # the BGPsec entries are kept as the document gives them
    assert slurm.to_dict()["validationOutputFilters"] == RFC_8416_EXAMPLE["validationOutputFilters"]
    assert (
        slurm.to_dict()["locallyAddedAssertions"]["bgpsecAssertions"]
        == (RFC_8416_EXAMPLE["locallyAddedAssertions"]["bgpsecAssertions"])
    )


@pytest.mark.parametrize(
    "text, field, message",
    [
        # a JSON object repeating a key: Python's reader would keep the last value and say nothing
        (
            document_with([{"prefix": "10.0.0.0/8", "asn": 1}]).replace('"asn": 1', '"prefix": "192.0.2.0/24"'),
            "prefix",
            "one JSON object gives 'prefix' twice",
        ),
        ('{"slurmVersion": 1, "slurmVersion": 1}', "slurmVersion", "gives 'slurmVersion' twice"),
        ('{"slurmVersion": NaN}', None, "NaN is not a JSON number"),
    ],
)
def test_a_document_json_cannot_resolve_is_refused(text, field, message):
    with pytest.raises(DataError) as caught:
        parse_slurm(text)
    assert caught.value.field == field
    assert message in caught.value.reason


@pytest.mark.parametrize(
    "document, field, message",
    [
        (document_with(version=1.0), "slurmVersion", "1.0 is not 1"),
        (document_with(version=True), "slurmVersion", "True is not 1"),
        (document_with([{"asn": "AS64496"}]), "asn", "'AS64496' is not a JSON integer"),
        (document_with([], [{"prefix": "192.0.2.0/24", "asn": "64496"}]), "asn", "'64496' is not a JSON integer"),
        (
            document_with([], [{"prefix": "192.0.2.0/24", "asn": 64496, "maxPrefixLength": True}]),
            "maxPrefixLength",
            "True is not a whole number",
        ),
        (
            document_with([], [{"prefix": "192.0.2.0/24", "asn": 64496, "maxPrefixLength": 24.0}]),
            "maxPrefixLength",
            "24.0 is not a whole number",
        ),
        (document_with([{"prefix": "192.0.2.0/24 "}]), "prefix", "holds spaces"),
        (document_with([{"prefix": "192.0.2.0 /24"}]), "prefix", "holds spaces"),
        (document_with([{"prefix": "192.0.2.0/024"}]), "prefix", "not an address/length prefix"),
        (document_with([{"prefix": 3221225984}]), "prefix", "not a prefix in text"),
        (document_with(bgpsec_filters=[{"comment": "nothing"}]), "asn", "needs an asn, an SKI or both"),
        (document_with(bgpsec_filters=[{"SKI": base64url(bytes(range(21)))}]), "SKI", "decodes to 21 octets, not 20"),
        (document_with(bgpsec_filters=[{"SKI": SKI + "="}]), "SKI", "without padding"),
        (document_with(bgpsec_filters=[{"asn": "AS1"}]), "asn", "not a JSON integer"),
        (document_with(bgpsec_assertions=[{"asn": 1, "SKI": SKI}]), "routerPublicKey", "needs routerPublicKey"),
        (
            document_with(bgpsec_assertions=[{"asn": 1, "SKI": SKI, "routerPublicKey": "a+b/"}]),
            "routerPublicKey",
            "not base64url",
        ),
    ],
)
def test_a_document_gives_the_json_types_rfc_8416_names(document, field, message):
    with pytest.raises(DataError) as caught:
        parse_slurm(document)
    assert caught.value.field == field
    assert message in caught.value.reason


def test_plain_data_may_still_write_an_as_number_as_text():
    """What an operator writes in YAML (``build_slurm``) is not a SLURM document: "AS64500" is an AS number."""
    assert build_slurm([{"asn": "AS64500"}])["validationOutputFilters"]["prefixFilters"] == [{"asn": 64500}]


@pytest.mark.skipif(STAYRTR is None, reason="stayrtr is not installed (scripts/setup.sh installs it)")
def test_stayrtr_serves_the_rfc_8416_example_as_apply_slurm_does(tmp_path):
    """StayRTR, given the example's prefix filters and assertions, keeps the assertion a filter matches too."""
    cache = tmp_path / "vrps.json"
    cache.write_text(json.dumps({"roas": [{**v.to_dict(), "asn": "AS%d" % v.asn} for v in RFC_VRPS]}))
    slurm_file = tmp_path / "example.slurm.json"
    slurm_file.write_text(
        document_with(
            RFC_8416_EXAMPLE["validationOutputFilters"]["prefixFilters"],
            RFC_8416_EXAMPLE["locallyAddedAssertions"]["prefixAssertions"],
        )
    )
    served = served_with_slurm(cache, slurm_file)
    assert ("198.51.100.0/24", 24, 64496) in served
    assert served == set(triples(apply_slurm(read_slurm(slurm_file), RFC_VRPS)))


# draft-ietf-sidrops-aspa-slurm-04 section 3.5's shape: RFC 8416's example with an ASPA filter and assertion
ASPA_EXAMPLE = {
    "slurmVersion": 2,
    "validationOutputFilters": {
        **RFC_8416_EXAMPLE["validationOutputFilters"],
        "aspaFilters": [{"customerAsn": 64496, "comment": "ASPAs of customer AS64496"}],
    },
    "locallyAddedAssertions": {
        **RFC_8416_EXAMPLE["locallyAddedAssertions"],
        "aspaAssertions": [{"customerAsn": 64496, "providerAsns": [64497, 64498], "comment": "our providers"}],
    },
}


def test_an_aspa_slurm_document_is_read_written_back_and_applied_filters_first():
    slurm = parse_slurm(json.dumps(ASPA_EXAMPLE))
    written = slurm.to_dict()  # written back as read (RFC 8416's example prefix 2001:DB8::/32 in lower case)
    assert written["slurmVersion"] == 2
    assert written["validationOutputFilters"] == ASPA_EXAMPLE["validationOutputFilters"]
    assert written["locallyAddedAssertions"]["aspaAssertions"] == [
        {"customerAsn": 64496, "providerAsns": [64497, 64498], "comment": "our providers"}
    ]
    assert slurm.overlaps[-1] == (
        "SLURM aspaAssertions[0] 64496: aspaFilters[0] 64496 matches it too; filters apply first, so the assertion "
        "stands (draft-ietf-sidrops-aspa-slurm-04 and RFC 8416 section 4)"
    )
    aspas = {64496: frozenset({64510}), 64499: frozenset({64511})}
    # the filter removes AS64496's ASPA, the assertion gives it its providers back: a replacement
    assert apply_slurm_aspas(slurm, aspas) == {64496: frozenset({64497, 64498}), 64499: frozenset({64511})}
    assert aspas == {64496: frozenset({64510}), 64499: frozenset({64511})}  # left as it was
    # the prefix part applies to VRPs as before
    assert triples(apply_slurm(slurm, RFC_VRPS)) == triples(apply_slurm(parse_slurm(RFC_8416_EXAMPLE), RFC_VRPS))


def test_an_aspa_assertion_adds_providers_and_is_no_implicit_filter():
    slurm = make_slurm(
        aspa_filters=[{"customerAsn": "AS64501"}],
        aspa_assertions=[
            {"customerAsn": 64500, "providerAsns": [64512, "AS64511"]},  # plain data: any order, "AS" text
            {"customerAsn": 64502, "providerAsns": [0]},  # an AS0 ASPA: no provider
        ],
    )
    aspas = {64500: frozenset({64510}), 64501: frozenset({64510}), 64502: frozenset({64513})}
    assert apply_slurm_aspas(slurm.to_dict(), aspas) == {
        64500: frozenset({64510, 64511, 64512}),
        64502: frozenset({64513}),
    }
    assert slurm.to_dict()["locallyAddedAssertions"]["aspaAssertions"][0] == {
        "customerAsn": 64500,
        "providerAsns": [64511, 64512],
    }


def test_a_document_is_slurm_version_2_only_when_it_holds_an_aspa_entry():
    assert build_slurm(FILTERS, ASSERTIONS)["slurmVersion"] == 1
    assert "aspaFilters" not in build_slurm(FILTERS, ASSERTIONS)["validationOutputFilters"]
    document = build_slurm(aspa_filters=[{"customerAsn": 64500}])
    assert document["slurmVersion"] == 2
    assert document["locallyAddedAssertions"] == {"prefixAssertions": [], "bgpsecAssertions": [], "aspaAssertions": []}
    empty_version_2 = dict(ASPA_EXAMPLE, validationOutputFilters=dict(ASPA_EXAMPLE["validationOutputFilters"]))
    empty_version_2["validationOutputFilters"]["aspaFilters"] = []
    assert parse_slurm(empty_version_2).to_dict()["slurmVersion"] == 2


def aspa_document(filters=(), assertions=(), version=2):
    document = json.loads(document_with())
    document["slurmVersion"] = version
    document["validationOutputFilters"]["aspaFilters"] = list(filters)
    document["locallyAddedAssertions"]["aspaAssertions"] = list(assertions)
    return json.dumps(document)


@pytest.mark.parametrize(
    "document, where, field, message",
    [
        (aspa_document([{"comment": "x"}]), "aspaFilters[0]", "customerAsn", "needs a customerAsn"),
        (aspa_document([{"customerAsn": 0}]), "aspaFilters[0] 0", "customerAsn", "AS0 is no ASPA's customer"),
        (aspa_document([{"customerAsn": "AS1"}]), "aspaFilters[0] AS1", "customerAsn", "not a JSON integer"),
        (aspa_document([{"customerAsn": 1, "afi": "ipv4"}]), "aspaFilters[0] 1", "afi", "unknown key"),
        (aspa_document([{"customerAsn": 1}, {"customerAsn": 1}]), "aspaFilters[1] 1", "customerAsn", "duplicate of"),
        (aspa_document([], [{"customerAsn": 1}]), "aspaAssertions[0] 1", "providerAsns", "non-empty list"),
        (aspa_document([], [{"customerAsn": 1, "providerAsns": []}]), "aspaAssertions[0] 1", "providerAsns", "[0]"),
        (
            aspa_document([], [{"customerAsn": 1, "providerAsns": [3, 2]}]),
            "aspaAssertions[0] 1",
            "providerAsns",
            "not in ascending order",
        ),
        (
            aspa_document([], [{"customerAsn": 1, "providerAsns": [1, 2]}]),
            "aspaAssertions[0] 1",
            "providerAsns",
            "holds the customer AS1",
        ),
        (
            aspa_document([], [{"customerAsn": 1, "providerAsns": [2, 2]}]),
            "aspaAssertions[0] 1",
            "providerAsns",
            "lists AS2 more than once",
        ),
        (
            aspa_document([], [{"customerAsn": 1, "providerAsns": [2.0]}]),
            "aspaAssertions[0] 1",
            "providerAsns",
            "not an AS number",
        ),
        (
            aspa_document([], [{"customerAsn": 1, "providerAsns": [2]}, {"customerAsn": 1, "providerAsns": [3]}]),
            "aspaAssertions[1] 1",
            "customerAsn",
            "duplicate of aspaAssertions[0]",
        ),
        (aspa_document(version=1), "validationOutputFilters", "aspaFilters", "unknown key"),
        (document_with(version=2), "validationOutputFilters", "aspaFilters", "expected a list (slurmVersion 2 holds"),
    ],
)
def test_bad_aspa_entries_are_refused_naming_entry_and_field(document, where, field, message):
    with pytest.raises(DataError) as caught:
        parse_slurm(document)
    assert where in str(caught.value.obj)
    assert caught.value.field == field
    assert message in caught.value.reason
