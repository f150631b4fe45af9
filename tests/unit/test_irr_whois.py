# -*- coding: utf-8 -*-
"""The IRR whois client and AS-SET expansion against an in-process fake IRRd on 127.0.0.1."""

from __future__ import annotations

import ipaddress
import socket
import time

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SafetyError, SourceError
from ansible_collections.routesec.bgp.plugins.module_utils.irr.expand import (
    IncompleteSetError,
    check_complete,
    collect_prefixes,
    collect_prefixes_for_set,
    expand_as_set,
    left_out,
    prefixes_for_set,
)
from ansible_collections.routesec.bgp.plugins.module_utils.irr.whois import IrrError, WhoisClient
from fake_irr import Raw, client_for

# -- the protocol -------------------------------------------------------------------------


def test_answers_in_order_with_every_kind(irr):
    irr.answers.update({"!iAS-A": "AS1 AS2", "!iAS-EMPTY": "", "!gAS1": "192.0.2.0/24"})
    with client_for(irr) as client:
        answers = client.query_many(["!iAS-A", "!iAS-NOPE", "!iAS-EMPTY", "!gAS1"])
        assert answers == [b"AS1 AS2", None, b"", b"192.0.2.0/24"]
        assert client.version == "IRRd -- version 4.4.3"
        assert client.irrd_version == (4, 4) and client.supports_a
    assert irr.connections[0][:3] == ["!!", "!v", "!sRIPE,RIPE-NONAUTH"]


def test_failure_answer_names_server_query_and_subject_and_connection_stays_usable(irr):
    irr.answers.update({"!iAS-A": "AS1", "!iAS-B": Raw("F Invalid set name\n"), "!iAS-C": Raw("E\n")})
    client = client_for(irr)
    with pytest.raises(IrrError) as caught:
        client.query_many(["!iAS-A", "!iAS-B", "!iAS-C"], subject="AS-SET AS-TOP")
    message = str(caught.value)
    assert "IRR 127.0.0.1:%d (AS-SET AS-TOP)" % irr.port in message
    assert "query '!iAS-B': the server answered: Invalid set name (and 1 more failed" in message
    assert isinstance(caught.value, SourceError)
    assert client.query("!iAS-A") == b"AS1"
    assert len(irr.connections) == 1
    client.close()


def test_pipelines_within_the_window(irr):
    irr.answers.update({"!gAS%d" % n: "10.%d.%d.0/24" % (n // 256, n % 256) for n in range(1, 3001)})
    client = client_for(irr, window=64)
    answers = client.query_many(["!gAS%d" % n for n in range(1, 3001)])
    assert answers == [b"10.%d.%d.0/24" % (n // 256, n % 256) for n in range(1, 3001)]
    assert len(irr.connections) == 1
    # the server had many commands waiting at once (pipelined), never more than the window
    assert max(irr.backlog) > 8
    assert max(irr.backlog) <= 64
    client.close()


def test_large_batches_are_spread_over_connections_in_order(irr):
    irr.answers.update({"!gAS%d" % n: "10.%d.%d.0/24" % (n // 256, n % 256) for n in range(1, 1001)})
    irr.delay = 0.001
    with client_for(irr, connections=3) as client:
        small = client.query_many(["!gAS%d" % n for n in range(1, 101)])  # under SPLIT_MIN per connection
        assert len(irr.connections) == 1
        answers = client.query_many(["!gAS%d" % n for n in range(1, 1001)])
        assert client.connects == 3 and client.queries == 1100 + 3 * 2  # and !v, !s on each connection
    assert answers == [b"10.%d.%d.0/24" % (n // 256, n % 256) for n in range(1, 1001)]
    assert answers[:100] == small
    parts = [[c for c in conn if c.startswith("!g")] for conn in irr.connections]
    assert parts[0][100:] == ["!gAS%d" % n for n in range(1, 335)]  # contiguous thirds, one per connection
    others = sorted(parts[1:], key=lambda part: int(part[0][4:]))  # the other connections open in any order
    assert others == [["!gAS%d" % n for n in range(335, 669)], ["!gAS%d" % n for n in range(669, 1001)]]
    assert all(conn[1] == "!v" and conn[2] == "!sRIPE,RIPE-NONAUTH" for conn in irr.connections)


def test_a_failure_on_one_connection_fails_the_batch_after_every_part_is_read(irr):
    irr.answers.update({"!gAS%d" % n: "10.0.0.0/24" for n in range(1, 601)})
    irr.answers["!gAS500"] = Raw("F database locked\n")
    with client_for(irr, connections=2) as client:
        with pytest.raises(IrrError, match=r"query '!gAS500': the server answered: database locked"):
            client.query_many(["!gAS%d" % n for n in range(1, 601)], "AS-SET AS-BIG")
        assert client.query("!gAS1") == b"10.0.0.0/24"  # every connection is still in step
    assert sum(1 for conn in irr.connections for c in conn if c.startswith("!g")) == 601


def test_connections_out_of_range_is_a_data_error():
    with pytest.raises(DataError, match="connections must be 1 to 32"):
        WhoisClient("127.0.0.1", 43, connections=0)


def test_sources_are_chosen_once_per_connection_and_refused_sources_fail(irr):
    client = client_for(irr)
    client.query_many(["!iAS-A"])
    client.query_many(["!iAS-B", "!iAS-C"])
    assert [c for c in irr.connections[0] if c.startswith("!s")] == ["!sRIPE,RIPE-NONAUTH"]
    client.close()
    bad = WhoisClient("127.0.0.1", irr.port, sources="RIPE,NOSUCH", timeout=5)
    with pytest.raises(IrrError, match=r"sources RIPE,NOSUCH refused: the server answered: Unknown source"):
        bad.query("!iAS-A")


def test_answers_split_across_reads_and_lengths_in_characters(irr):
    obj = "as-set: AS-ZURICH\ndescr: Zürich – Genève\nmembers: AS1"
    irr.answers.update({"!mas-set,AS-ZURICH": obj, "!iAS-ZURICH": "AS1"})
    irr.chunk = 3
    with client_for(irr) as client:
        assert client.query_many(["!mas-set,AS-ZURICH", "!iAS-ZURICH"]) == [obj.encode(), b"AS1"]


def test_server_that_answers_bang_bang_with_c(irr):
    irr.bang_answer = b"C\n"
    irr.answers["!iAS-A"] = "AS1"
    with client_for(irr) as client:
        assert client.query_many(["!iAS-NOPE", "!iAS-A"]) == [None, b"AS1"]
        assert client.supports_a


def test_garbled_answer_is_an_error(irr):
    irr.answers["!iAS-A"] = Raw("HTTP/1.0 400 Bad request\n")
    with pytest.raises(IrrError, match=r"query '!iAS-A': answer is not in IRRd's format: 'HTTP/1.0 400"):
        client_for(irr).query("!iAS-A")


def test_reconnects_and_resends_only_the_unanswered(irr):
    irr.answers.update({"!gAS%d" % n: "10.0.%d.0/24" % n for n in range(1, 21)})
    irr.close_after = 5
    client = client_for(irr, retries=2)
    answers = client.query_many(["!gAS%d" % n for n in range(1, 21)])
    assert answers == [b"10.0.%d.0/24" % n for n in range(1, 21)]
    assert client.connects == 2
    second = [c for c in irr.connections[1] if c.startswith("!g")]
    assert second == ["!gAS%d" % n for n in range(6, 21)]
    client.close()


def test_gives_up_after_the_retries(irr):
    irr.close_after = 0
    irr.close_connections = 99
    client = client_for(irr, retries=2)
    started = time.monotonic()
    with pytest.raises(IrrError) as caught:
        client.query_many(["!gAS1", "!gAS2"], subject="AS-SET AS-TOP")
    assert "closed the connection after 0 of 2 answers (3 attempts)" in str(caught.value)
    assert "127.0.0.1:%d" % irr.port in str(caught.value)
    assert len(irr.connections) == 3
    assert time.monotonic() - started < 3


def test_unreachable_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: connection refused
        client = WhoisClient("127.0.0.1", port, timeout=2, retries=1)
        with pytest.raises(IrrError, match=r"IRR 127.0.0.1:%d \(AS-SET AS-X\).*cannot connect" % port):
            client.query("!iAS-X", subject="AS-SET AS-X")


def test_server_slower_than_the_timeout_fails_in_bounded_time(irr):
    irr.delay = 3
    client = client_for(irr, timeout=0.3, retries=2)
    started = time.monotonic()
    with pytest.raises(IrrError, match=r"no answer within 0.3 s \(timeout\), after 0 of 1 answers"):
        client.query("!iAS-SLOW", subject="AS-SET AS-SLOW")
    assert time.monotonic() - started < 2.5  # the server would answer after 3 s
    assert len(irr.connections) == 1  # a slow server is not retried


def test_deadline_bounds_a_whole_batch(irr):
    irr.delay = 0.05
    client = client_for(irr, timeout=2, deadline=0.5)
    started = time.monotonic()
    with pytest.raises(IrrError, match=r"not done within 0.5 s \(deadline\)"):
        client.query_many(["!gAS%d" % n for n in range(100)])
    assert time.monotonic() - started < 3  # the 100 answers would take 5 s


def test_queries_cannot_smuggle_commands(irr):
    with pytest.raises(DataError, match="line break"):
        client_for(irr).query_many(["!iAS-A\n!iAS-B"])


# -- expansion ------------------------------------------------------------------------------


def test_expands_nested_sets_breadth_first_once_each(irr):
    irr.answers.update(
        {
            "!iAS-TOP": "AS1 AS-A AS-B as-b",
            "!iAS-A": "AS2 AS-C",
            "!iAS-B": "AS3 AS-C AS2",
            "!iAS-C": "AS4 AS4200000000",
        }
    )
    with client_for(irr) as client:
        result = expand_as_set(client, "as-top")
    assert result.name == "AS-TOP"
    assert result.asns == {1, 2, 3, 4, 4200000000}
    assert result.sets == {"AS-TOP", "AS-A", "AS-B", "AS-C"}
    assert result.depth == 3 and result.complete
    assert result.loops == () and result.missing == frozenset() and result.too_deep == ()
    assert sorted(irr.queries) == ["!iAS-A", "!iAS-B", "!iAS-C", "!iAS-TOP"]
    assert check_complete(result) is result


def test_loops_stop_recursion_and_are_reported(irr):
    irr.answers.update(
        {
            "!iAS-TOP": "AS1 AS-A AS-SELF AS-D",
            "!iAS-A": "AS2 AS-B",
            "!iAS-B": "AS3 AS-A",
            "!iAS-SELF": "AS4 AS-SELF",
            "!iAS-D": "AS5 AS-B",  # reaches the loop, is not on it
        }
    )
    with client_for(irr) as client:
        assert expand_as_set(client, "AS-B").loops == ("AS-A", "AS-B")
    irr.answers["!iAS-B"] = "AS3 AS-A AS-TOP"
    with client_for(irr) as client:
        assert expand_as_set(client, "AS-TOP").loops == ("AS-A", "AS-B", "AS-D", "AS-SELF", "AS-TOP")
    irr.answers["!iAS-B"] = "AS3 AS-A"
    irr.connections.clear()
    with client_for(irr) as client:
        result = expand_as_set(client, "AS-TOP")
    assert result.asns == {1, 2, 3, 4, 5}
    assert result.loops == ("AS-A", "AS-B", "AS-SELF")
    assert result.complete
    assert sorted(irr.queries) == ["!iAS-A", "!iAS-B", "!iAS-D", "!iAS-SELF", "!iAS-TOP"]


def test_depth_limit_cuts_and_reports(irr):
    irr.answers.update({"!iAS-L%d" % n: "AS%d AS-L%d" % (n, n + 1) for n in range(1, 31)})
    with client_for(irr) as client:
        result = expand_as_set(client, "AS-L1", max_depth=5)
        assert result.asns == {1, 2, 3, 4, 5}
        assert result.depth == 5 and result.too_deep == ("AS-L6",)
        assert "!iAS-L6" not in irr.queries
        with pytest.raises(IncompleteSetError) as caught:
            check_complete(result)
        assert isinstance(caught.value, SafetyError)
        assert str(caught.value) == (
            "AS-SET AS-L1: cannot be expanded completely; member sets deeper than max_depth 5, not expanded: "
            "AS-L6. A filter built from it would silently leave out their routes: fix the set in the IRR, or set "
            "a larger max_depth (now 5) or allow_too_deep: true"
        )
        check_complete(result, allow_too_deep=True)
        assert expand_as_set(client, "AS-L1", max_depth=30).too_deep == ("AS-L31",)
        deep = expand_as_set(client, "AS-L1", max_depth=31)  # AS-L31 (level 31) is asked, and not found
        assert deep.depth == 31 and deep.too_deep == () and len(deep.asns) == 30
        assert deep.missing == {"AS-L31"}


def test_missing_members_are_refused_and_empty_sets_are_not_missing(irr):
    irr.answers.update(
        {
            "!iAS-TOP": "AS1 AS-GONE AS-EMPTY AS-SUB",
            "!iAS-SUB": "AS2 AS-GONE2",
            "!mas-set,AS-EMPTY": "as-set: AS-EMPTY\nsource: RIPE",
        }
    )
    with client_for(irr) as client:
        result = expand_as_set(client, "AS-TOP")
        assert result.asns == {1, 2}
        assert result.missing == {"AS-GONE", "AS-GONE2"}
        assert result.empty == {"AS-EMPTY"}
        assert not result.complete
        with pytest.raises(IncompleteSetError, match=r"member sets not in the IRR: AS-GONE, AS-GONE2.*allow_missing"):
            check_complete(result)
        assert check_complete(result, allow_missing=True) is result
        unverified = expand_as_set(client, "AS-TOP", verify_missing=False)  # D: not found, or empty
        assert unverified.missing == {"AS-GONE", "AS-GONE2", "AS-EMPTY"} and unverified.empty == frozenset()
        assert sum(q.startswith("!m") for q in irr.queries) == 3  # the first walk's, none for this one
        gone = expand_as_set(client, "AS-NOWHERE")
        with pytest.raises(IncompleteSetError, match=r"AS-SET AS-NOWHERE: is not in the IRR"):
            check_complete(gone, allow_missing=True)


def test_invalid_members_are_reported(irr):
    irr.answers["!iAS-TOP"] = "AS1 RS-FOO 192.0.2.0/24 AS4294967296 AS1.5"
    with client_for(irr) as client:
        result = expand_as_set(client, "AS-TOP")
    assert result.asns == {1, 65541}
    assert result.invalid == {"RS-FOO", "192.0.2.0/24", "AS4294967296"}
    with pytest.raises(
        IncompleteSetError, match=r"neither AS numbers nor AS-SET names: 192.0.2.0/24, AS4294967296, RS-FOO"
    ):
        check_complete(result)


def test_reserved_members_are_named_for_what_they_are_and_left_to_the_options(irr):
    irr.answers["!iAS-TOP"] = "AS1 AS0 as-any AS-SUB"
    irr.answers["!iAS-SUB"] = "AS2"
    with client_for(irr) as client:
        result = expand_as_set(client, "AS-TOP")
    assert result.asns == {1, 2} and result.reserved == {"AS0", "AS-ANY"}
    assert result.invalid == frozenset() and result.missing == frozenset()
    assert "!iAS-ANY" not in irr.queries  # not a set to look up
    with pytest.raises(
        IncompleteSetError, match=r"reserved words, not AS numbers or sets: AS-ANY \(RFC 2622\), AS0 \(RFC 7607\)"
    ):
        check_complete(result)
    assert check_complete(result, allow_missing=True) is result
    assert left_out(result) == [
        "AS-SET AS-TOP: 2 reserved words, not AS numbers or sets, left out of the filter: AS-ANY, AS0"
    ]
    with client_for(irr) as client:
        for name, what in (("AS0", r"AS0 \(RFC 7607\) is reserved"), ("as-any", r"AS-ANY \(RFC 2622\) is reserved")):
            with pytest.raises(DataError, match=what):
                expand_as_set(client, name)


def test_names(irr):
    with client_for(irr) as client:
        single = expand_as_set(client, "as65000")
        assert single.asns == {65000} and single.sets == frozenset() and single.depth == 0
        for bad in ("AS-FOO\n!gAS1", "foo", "AS0", "", None):
            with pytest.raises(DataError):
                expand_as_set(client, bad)
    assert irr.queries == []


# -- prefixes -------------------------------------------------------------------------------


def test_collect_prefixes_per_asn(irr):
    irr.answers.update(
        {
            "!gAS1": "192.0.2.0/24  198.51.100.0/24\n203.0.113.0/25",
            "!gAS2": "198.51.100.0/24",
            "!6AS1": "2001:db8::/32 2001:db8:1::/48",
        }
    )
    with client_for(irr) as client:
        v4 = collect_prefixes(client, {2, 1, 3}, 4)
        v6 = collect_prefixes(client, {1, 2}, 6)
    assert v4 == {ipaddress.ip_network(p) for p in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/25")}
    assert v6 == {ipaddress.ip_network("2001:db8::/32"), ipaddress.ip_network("2001:db8:1::/48")}


def test_a_prefix_that_is_not_one_is_an_error_naming_its_origin(irr):
    irr.answers.update({"!gAS1": "192.0.2.0/24", "!gAS2": "198.51.100.0/24 192.0.2.1/24"})
    with client_for(irr) as client, pytest.raises(IrrError, match=r"query '!gAS2': answer holds '192.0.2.1/24'"):
        collect_prefixes(client, {1, 2}, 4)


def test_prefixes_for_set_by_a_or_by_g_agree(irr):
    irr.answers.update(
        {
            "!iAS-TOP": "AS1 AS-SUB",
            "!iAS-SUB": "AS2",
            "!gAS1": "192.0.2.0/24",
            "!gAS2": "198.51.100.0/24",
            "!6AS2": "2001:db8::/32",
            "!a4AS-TOP": "192.0.2.0/24 198.51.100.0/24",
            "!a6AS-TOP": "2001:db8::/32",
        }
    )
    with client_for(irr) as client:
        by_a = prefixes_for_set(client, "AS-TOP")
        by_g = prefixes_for_set(client, "AS-TOP", method="g")
        assert collect_prefixes_for_set(client, "AS-TOP", 6) == by_a[6]
    assert by_a.method == "!a" and by_g.method == "!g"
    assert by_a[4] == by_g[4] == {ipaddress.ip_network("192.0.2.0/24"), ipaddress.ip_network("198.51.100.0/24")}
    assert by_a[6] == by_g[6] == {ipaddress.ip_network("2001:db8::/32")}


def test_prefixes_for_set_uses_g_on_old_servers_and_when_cut(irr):
    irr.version = "IRRd -- version 3.0.8"
    irr.answers.update({"!iAS-L%d" % n: "AS%d AS-L%d" % (n, n + 1) for n in range(1, 5)})
    irr.answers.update({"!gAS%d" % n: "10.0.%d.0/24" % n for n in range(1, 5)})
    with client_for(irr) as client:
        old = prefixes_for_set(client, "AS-L1", afis=(4,), allow_missing=True)
        assert old.method == "!g" and len(old[4]) == 4
        with pytest.raises(IrrError, match="does not answer !a"):
            collect_prefixes_for_set(client, "AS-L1", 4)
    irr.version = "IRRd -- version 4.4.3"
    with client_for(irr) as client:
        cut = prefixes_for_set(client, "AS-L1", afis=(4,), max_depth=2, allow_too_deep=True)
        assert cut.method == "!g" and cut[4] == {
            ipaddress.ip_network("10.0.1.0/24"),
            ipaddress.ip_network("10.0.2.0/24"),
        }
        with pytest.raises(IncompleteSetError):
            prefixes_for_set(client, "AS-L1", afis=(4,), max_depth=2)
    assert not [q for q in irr.queries if q.startswith("!a")]
