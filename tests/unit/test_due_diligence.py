# -*- coding: utf-8 -*-
"""Due diligence of an acquired block: RDAP registration and DNS checks, against servers on loopback.

RDAP: the in-process server of rdap_server.py. DNS: a real NSD (dns_server.py)
serving a blocklist zone and reverse zones; they fail when NSD is missing (scripts/setup.sh installs it).
"""

from __future__ import annotations

import os
import socket

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.due_diligence.dns_checks import (
    Listing,
    dnsbl_addresses,
    dnsbl_listings,
    reverse_delegation,
    reverse_zones,
)
from ansible_collections.routesec.bgp.plugins.module_utils.due_diligence.rdap import (
    RdapNetwork,
    check_rdap,
    rdap_ip,
)
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SourceError
from dns_server import NSD, nsd_server
from rdap_server import ip_network_document, rdap_server

HOLDER = "Example Networks B.V."

# ---------------------------------------------------------------------------------------------- RDAP


@pytest.fixture
def rdap():
    with rdap_server() as server:
        server.register(ip_network_document("NET-192-0-0-0-1", "192.0.0.0/16", HOLDER))
        server.register(ip_network_document("NET-2001-DB8-1", "2001:db8::/32", HOLDER))
        yield server


def test_covered_block_of_the_expected_holder_has_no_problems(rdap):
    network = rdap_ip(rdap.url, "192.0.4.0/22")
    assert network.handle == "NET-192-0-0-0-1"
    assert network.cidrs == ["192.0.0.0/16"]
    assert (network.start_address, network.end_address) == ("192.0.0.0", "192.0.255.255")
    assert network.registrant_names == [HOLDER]
    assert network.registrant_handles == ["ORG-TEST1-TEST"]
    assert (network.country, network.status, network.port43) == ("NL", ["active"], "whois.test")
    assert rdap.received == ["/ip/192.0.4.0/22"]
    assert check_rdap(network, "192.0.4.0/22", expected_holder="example networks b.v.") == []
    assert check_rdap(network, "192.0.4.0/22", expected_holder="org-test1-test") == []


def test_ipv6_registration_from_cidr0(rdap):
    network = rdap_ip(rdap.url, "2001:db8:1::/48")
    assert network.cidrs == ["2001:db8::/32"]
    assert check_rdap(network, "2001:db8:1::/48", HOLDER) == []


def test_block_outside_the_registered_network():
    network = RdapNetwork(handle="NET-1", cidrs=["192.0.2.0/24"], status=["active"])
    problems = check_rdap(network, "198.51.100.0/24")
    assert len(problems) == 1 and "not inside 192.0.2.0/24" in problems[0]
    assert check_rdap(network, "192.0.2.0/23") != []
    assert "not inside" in check_rdap(network, "2001:db8::/32")[0]


def test_different_holder_is_a_problem(rdap):
    network = rdap_ip(rdap.url, "192.0.4.0/22")
    problems = check_rdap(network, "192.0.4.0/22", expected_holder="Acquirer Ltd")
    assert problems == [
        "192.0.4.0/22 (registered network NET-192-0-0-0-1): registrant is %s, ORG-TEST1-TEST, not Acquirer Ltd" % HOLDER
    ]


def test_a_partial_name_is_not_the_holder(rdap):
    network = rdap_ip(rdap.url, "192.0.4.0/22")
    assert "registrant is" in check_rdap(network, "192.0.4.0/22", expected_holder="Example Networks")[0]


def test_the_abuse_contact_is_not_the_holder(rdap):
    network = rdap_ip(rdap.url, "192.0.4.0/22")
    assert "registrant is" in check_rdap(network, "192.0.4.0/22", expected_holder="Abuse desk")[0]


@pytest.mark.parametrize("status", [["inactive"], [], ["active", "pending delete"], ["reserved"]])
def test_status_not_active_or_allocated_is_a_problem(rdap, status):
    rdap.register(ip_network_document("NET-RETURNED", "192.0.2.0/24", HOLDER, status=status))
    problems = check_rdap(rdap_ip(rdap.url, "192.0.2.0/24"), "192.0.2.0/24", HOLDER)
    assert len(problems) == 1 and "not active/allocated/assigned" in problems[0]


@pytest.mark.parametrize("status", [["allocated"], ["Assigned"], ["active", "locked"]])
def test_status_allocated_or_assigned_is_fine(status):
    network = RdapNetwork(cidrs=["192.0.2.0/24"], status=status)
    assert check_rdap(network, "192.0.2.0/24") == []


def test_unregistered_block_is_none(rdap):
    assert rdap_ip(rdap.url, "198.51.100.0/24") is None
    assert check_rdap(None, "198.51.100.0/24") == ["198.51.100.0/24: no RDAP registration found"]


def test_cidrs_computed_from_the_range_without_cidr0(rdap):
    document = ip_network_document("NET-RANGE", "198.51.100.0/24", HOLDER, cidr0=False)
    document["endAddress"] = "198.51.101.127"
    rdap.register(document)
    network = rdap_ip(rdap.url, "198.51.100.0/24")
    assert network.cidrs == ["198.51.100.0/24", "198.51.101.0/25"]
    assert check_rdap(network, "198.51.101.0/25", HOLDER) == []
    assert "not inside" in check_rdap(network, "198.51.101.0/24", HOLDER)[0]


def test_cidr0_prefixes_are_taken_as_given(rdap):
    document = ip_network_document("NET-TWO", "192.0.2.0/23", HOLDER)
    document["cidr0_cidrs"] = [{"v4prefix": "192.0.2.0", "length": 24}, {"v4prefix": "192.0.3.0", "length": 24}]
    rdap.register(document)
    assert rdap_ip(rdap.url, "192.0.3.0/24").cidrs == ["192.0.2.0/24", "192.0.3.0/24"]


def test_parsing_tolerates_missing_and_malformed_members(rdap):
    rdap.register(
        {
            "objectClassName": "ip network",
            "startAddress": "203.0.113.0",
            "endAddress": "203.0.113.255",
            "status": "active",
            "cidr0_cidrs": [{"v4prefix": "nonsense", "length": 99}, "x"],
            "entities": [
                {"roles": ["registrant"], "vcardArray": ["vcard"]},
                {"roles": ["registrant"], "handle": 7, "vcardArray": ["vcard", [["fn"], ["org", {}, "text", ["Org"]]]]},
                "not an entity",
            ],
        }
    )
    network = rdap_ip(rdap.url, "203.0.113.0/24")
    assert network == RdapNetwork(
        start_address="203.0.113.0",
        end_address="203.0.113.255",
        cidrs=["203.0.113.0/24"],
        registrant_names=["Org"],
        source_url=rdap.url + "/ip/203.0.113.0/24",
    )
    assert check_rdap(network, "203.0.113.0/24", expected_holder="org") == [
        "203.0.113.0/24 (registered network without a handle): status is empty, not active/allocated/assigned"
    ]


def test_bootstrap_redirect_is_followed():
    with rdap_server() as bootstrap, rdap_server() as rir:
        rir.register(ip_network_document("NET-RIR", "192.0.0.0/16", HOLDER))
        bootstrap.redirect_to = rir.url
        network = rdap_ip(bootstrap.url + "/", "192.0.2.0/24")
        assert (bootstrap.received, rir.received) == (["/ip/192.0.2.0/24"], ["/ip/192.0.2.0/24"])
        assert network.handle == "NET-RIR"
        assert network.source_url == rir.url + "/ip/192.0.2.0/24"


def test_three_redirects_are_followed_and_a_fourth_is_refused(rdap):
    assert rdap_ip(rdap.url + "/hops/3", "192.0.2.0/24").handle == "NET-192-0-0-0-1"
    rdap.received.clear()
    with pytest.raises(SourceError, match="more than 3 redirects") as error:
        rdap_ip(rdap.url + "/hops/4", "192.0.2.0/24")
    assert rdap.url + "/hops/4/ip/192.0.2.0/24" in str(error.value)
    assert rdap.received == ["/hops/%d/ip/192.0.2.0/24" % n for n in (4, 3, 2, 1)]


def test_redirect_loop_is_refused():
    with rdap_server() as one, rdap_server() as other:
        one.redirect_to, other.redirect_to = other.url, one.url
        with pytest.raises(SourceError, match="more than 3 redirects"):
            rdap_ip(one.url, "192.0.2.0/24")
        assert len(one.received) + len(other.received) == 4


def test_redirect_away_from_http_is_refused(rdap):
    rdap.redirect_to = "file:///etc"
    with pytest.raises(SourceError, match="redirected to a URL that is not http"):
        rdap_ip(rdap.url, "192.0.2.0/24")


@pytest.mark.parametrize(
    "kind, value, message",
    [
        ("status", 500, "HTTP 500"),
        ("status", 429, "HTTP 429"),
        ("slow", 2, "did not answer"),
        ("garbage", None, "not JSON"),
        ("drop", None, "did not answer"),
    ],
)
def test_failures_are_source_errors_naming_the_url(rdap, kind, value, message):
    rdap.fail(kind, value)
    with pytest.raises(SourceError, match=message) as error:
        rdap_ip(rdap.url, "192.0.2.0/24", timeout=0.5)
    assert str(error.value).startswith(rdap.url + "/ip/192.0.2.0/24: ")


def test_an_answer_that_is_not_an_ip_network_is_a_source_error(rdap):
    rdap.register({"objectClassName": "entity", "startAddress": "203.0.113.0", "endAddress": "203.0.113.255"})
    with pytest.raises(SourceError, match="not an 'ip network'"):
        rdap_ip(rdap.url, "203.0.113.0/24")


def test_service_down_is_a_source_error():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = "http://127.0.0.1:%d" % unused.getsockname()[1]
        with pytest.raises(SourceError, match="did not answer") as error:
            rdap_ip(url, "192.0.2.0/24", timeout=1)
    assert url + "/ip/192.0.2.0/24" in str(error.value)


@pytest.mark.parametrize(
    "args, field",
    [
        (("file:///etc", "192.0.2.0/24"), "base_url"),
        ((None, "192.0.2.0/24"), "base_url"),
        (("http://127.0.0.1:1", "192.0.2.1/24"), "prefix"),
        (("http://127.0.0.1:1", "not a prefix"), "prefix"),
        (("http://127.0.0.1:1", "192.0.2.0/24", 0), "timeout"),
    ],
)
def test_bad_rdap_input_is_a_data_error(args, field):
    with pytest.raises(DataError) as error:
        rdap_ip(*args)
    assert error.value.field == field


def test_bad_check_input_is_a_data_error():
    with pytest.raises(DataError) as error:
        check_rdap(None, "192.0.2.0/33")
    assert error.value.field == "block"
    with pytest.raises(DataError) as error:
        check_rdap(None, "192.0.2.0/24", expected_holder=" ")
    assert error.value.field == "expected_holder"


# ----------------------------------------------------------------------------------------------- DNS

SOA = "@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n@ NS ns.test.\n"
V6_LISTED = ".".join(reversed("20010db8000100000000000000000000"))  # 2001:db8:1::, nibbles reversed
BLOCKLIST = (
    SOA
    + '2.2.0.192 A 127.0.0.2\n2.2.0.192 TXT "spam source" " since 2026-01-01"\n2.2.0.192 TXT "see bl.test"\n'
    + '%s A 127.0.0.4\n%s TXT "ipv6 test listing"\n' % (V6_LISTED, V6_LISTED)
    + "1.5.20.10 A 127.0.0.3\n7.5.20.10 A 127.0.0.3\n"
    + "1.100.51.198 A 127.255.255.254\n2.100.51.198 A 203.0.113.1\n3.100.51.198 A 127.0.0.1\n"
)
ZONES = {
    "bl.test": BLOCKLIST,
    "bl2.test": SOA + "2.2.0.192 A 127.0.0.10\n",
    "broken.test": "this is not a zone file\n",
    "0.192.in-addr.arpa": SOA + "0 NS ns2.example.net.\n0 NS ns1.example.net.\n5.3 PTR host.example.net.\n",
    "2.0.192.in-addr.arpa": "@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n"
    + "@ NS b.ns.example.org.\n@ NS a.ns.example.org.\n",
    "8.b.d.0.1.0.0.2.ip6.arpa": SOA + "1 NS ns6.example.net.\n",
}


@pytest.fixture(scope="module")
def nsd(tmp_path_factory):
    if not os.access(NSD, os.X_OK):
        pytest.fail("nsd is not installed (Debian package nsd; scripts/setup.sh installs it)")
    with nsd_server(tmp_path_factory.mktemp("nsd"), ZONES) as port:
        yield port


def test_listed_address_with_its_reason(nsd):
    listings = dnsbl_listings("192.0.2.0/24", ["bl.test"], "127.0.0.1", port=nsd)
    assert listings == [Listing("192.0.2.2", "bl.test", ["127.0.0.2"], "see bl.test spam source since 2026-01-01")]


def test_every_list_is_asked(nsd):
    listings = dnsbl_listings("192.0.2.2/32", ["bl.test", "bl2.test."], "127.0.0.1", port=nsd)
    assert [(x.zone, x.answer, x.reason) for x in listings] == [
        ("bl.test", ["127.0.0.2"], "see bl.test spam source since 2026-01-01"),
        ("bl2.test", ["127.0.0.10"], ""),
    ]


def test_clean_block_is_empty(nsd):
    assert dnsbl_listings("198.18.0.0/22", ["bl.test", "bl2.test"], "127.0.0.1", port=nsd) == []


def test_a_22_is_checked_address_by_address_and_a_16_sampled(nsd):
    full = dnsbl_listings("10.20.4.0/22", ["bl.test"], "127.0.0.1", port=nsd)
    assert [x.address for x in full] == ["10.20.5.1", "10.20.5.7"]
    sampled = dnsbl_listings("10.20.0.0/16", ["bl.test"], "127.0.0.1", port=nsd)
    assert [x.address for x in sampled] == ["10.20.5.1"]


def test_sampling_rule():
    assert len(dnsbl_addresses("10.0.0.0/22")) == 1024
    sample = dnsbl_addresses("10.0.0.0/21")
    assert len(sample) == 24 and [str(a) for a in sample[:3]] == ["10.0.0.0", "10.0.0.1", "10.0.0.254"]
    assert len(dnsbl_addresses("10.0.0.0/16")) == 768
    with pytest.raises(DataError) as error:
        dnsbl_addresses("10.0.0.0/15")
    assert error.value.field == "block"
    assert len(dnsbl_addresses("10.0.0.0/15", max_addresses=2048)) == 1536
    assert [str(a) for a in dnsbl_addresses("2001:db8:1::/48")] == ["2001:db8:1::"]


def test_ipv6_nibble_query(nsd):
    listings = dnsbl_listings("2001:db8:1::/48", ["bl.test"], "127.0.0.1", port=nsd)
    assert listings == [Listing("2001:db8:1::", "bl.test", ["127.0.0.4"], "ipv6 test listing")]
    assert dnsbl_listings("2001:db8:2::/48", ["bl.test"], "127.0.0.1", port=nsd) == []


@pytest.mark.parametrize("zone, rcode", [("other.test", "REFUSED"), ("broken.test", "SERVFAIL")])
def test_zone_that_does_not_answer_is_a_source_error_not_clean(nsd, zone, rcode):
    with pytest.raises(SourceError, match=rcode) as error:
        dnsbl_listings("192.0.2.0/30", ["bl.test", zone], "127.0.0.1", port=nsd)
    assert error.value.obj == "DNS zone %s" % zone


def test_silent_server_is_a_source_error():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        with pytest.raises(SourceError, match="no answer .* within 0.2s") as error:
            dnsbl_listings("192.0.2.2/32", ["bl.test"], "127.0.0.1", port=silent.getsockname()[1], timeout=0.2)
    assert error.value.obj == "DNS zone bl.test"


@pytest.mark.parametrize(
    "block, code", [("198.51.100.1", "127.255.255.254"), ("198.51.100.2", "203.0.113.1"), ("198.51.100.3", "127.0.0.1")]
)
def test_error_codes_and_answers_outside_127_are_source_errors(nsd, block, code):
    with pytest.raises(SourceError, match="answered %s .*not a listing code" % code):
        dnsbl_listings(block, ["bl.test"], "127.0.0.1", port=nsd)


def test_reverse_delegation_of_a_22(nsd):
    assert reverse_delegation("192.0.0.0/22", "127.0.0.1", port=nsd) == {
        "0.0.192.in-addr.arpa": ["ns1.example.net", "ns2.example.net"],  # a referral from the parent
        "1.0.192.in-addr.arpa": [],  # NXDOMAIN
        "2.0.192.in-addr.arpa": ["a.ns.example.org", "b.ns.example.org"],  # the zone's own answer
        "3.0.192.in-addr.arpa": [],  # an empty non-terminal: no NS
    }


def test_reverse_delegation_of_ipv6_on_nibbles(nsd):
    assert reverse_delegation("2001:db8::/32", "127.0.0.1", port=nsd) == {"8.b.d.0.1.0.0.2.ip6.arpa": ["ns.test"]}
    assert reverse_delegation("2001:db8::/34", "127.0.0.1", port=nsd) == {
        "0.8.b.d.0.1.0.0.2.ip6.arpa": [],
        "1.8.b.d.0.1.0.0.2.ip6.arpa": ["ns6.example.net"],
        "2.8.b.d.0.1.0.0.2.ip6.arpa": [],
        "3.8.b.d.0.1.0.0.2.ip6.arpa": [],
    }


def test_reverse_zone_the_server_does_not_serve_is_a_source_error(nsd):
    with pytest.raises(SourceError, match="REFUSED") as error:
        reverse_delegation("198.51.100.0/24", "127.0.0.1", port=nsd)
    assert error.value.obj == "DNS zone 100.51.198.in-addr.arpa"


@pytest.mark.parametrize(
    "block, zones",
    [
        (
            "185.230.76.0/22",
            [
                "76.230.185.in-addr.arpa",
                "77.230.185.in-addr.arpa",
                "78.230.185.in-addr.arpa",
                "79.230.185.in-addr.arpa",
            ],
        ),
        ("185.230.0.0/16", ["230.185.in-addr.arpa"]),
        ("185.230.76.64/26", ["76.230.185.in-addr.arpa"]),
        ("185.230.76.7", ["76.230.185.in-addr.arpa"]),
        ("10.0.0.0/8", ["10.in-addr.arpa"]),
        (
            "2001:db8::/29",
            [
                "8.b.d.0.1.0.0.2.ip6.arpa",
                "9.b.d.0.1.0.0.2.ip6.arpa",
                "a.b.d.0.1.0.0.2.ip6.arpa",
                "b.b.d.0.1.0.0.2.ip6.arpa",
                "c.b.d.0.1.0.0.2.ip6.arpa",
                "d.b.d.0.1.0.0.2.ip6.arpa",
                "e.b.d.0.1.0.0.2.ip6.arpa",
                "f.b.d.0.1.0.0.2.ip6.arpa",
            ],
        ),
        ("2001:db8:1::/48", ["1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"]),
    ],
)
def test_reverse_zones(block, zones):
    assert reverse_zones(block) == zones


@pytest.mark.parametrize(
    "call, field",
    [
        (lambda: dnsbl_listings("192.0.2.0/33", ["bl.test"], "127.0.0.1"), "block"),
        (lambda: dnsbl_listings("192.0.2.0/24", "bl.test", "127.0.0.1"), "zones"),
        (lambda: dnsbl_listings("192.0.2.0/24", [], "127.0.0.1"), "zones"),
        (lambda: dnsbl_listings("192.0.2.0/24", ["a..b"], "127.0.0.1"), "zones"),
        (lambda: dnsbl_listings("192.0.2.0/24", [".".join(["x" * 60] * 4)], "127.0.0.1"), "zones"),
        (lambda: dnsbl_listings("192.0.2.0/24", ["bl.test"], "resolver.example"), "server"),
        (lambda: dnsbl_listings("192.0.2.0/24", ["bl.test"], "127.0.0.1", port=0), "port"),
        (lambda: dnsbl_listings("192.0.2.0/24", ["bl.test"], "127.0.0.1", timeout="3"), "timeout"),
        (lambda: dnsbl_listings("192.0.2.0/24", ["bl.test"], "127.0.0.1", max_addresses=16), "max_addresses"),
        (lambda: reverse_delegation("nonsense", "127.0.0.1"), "block"),
        (lambda: reverse_delegation("192.0.2.0/24", None), "server"),
    ],
)
def test_bad_dns_input_is_a_data_error(call, field):
    with pytest.raises(DataError) as error:
        call()
    assert error.value.field == field
