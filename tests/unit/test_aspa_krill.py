# -*- coding: utf-8 -*-
"""Contract tests for ASPA submission: the Krill client against a server written from Krill's published API
documentation and API types (``krill_aspa_server``).

A plan arrives as one update in Krill's JSON, current definitions are read in each notation Krill has
written, a second plan changes nothing, an empty plan sends nothing; a wrong token, a refused update, an
answer that never comes and a malformed answer are clear errors naming the CA and the call, after which
nothing more is sent; an update without a clear answer lists every ASPA it carried as unknown; the token
appears in no message, repr or exception."""

from __future__ import annotations

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import SafetyError, SourceError
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa_intent import AspaIntent
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa_plan import AspaPlan, Published, plan_aspas
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.ca_common import CaError, SubmitError
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.ca_krill import KrillCa
from ca_servers import serving
from krill_aspa_server import KrillAspaServer
from test_roa_submit import KEY as TOKEN
from test_roa_submit import _never_leaks as never_leaks

TIMEOUT = 0.5
F = frozenset
PATH = "/api/v1/cas/routesec/aspas"
WANTED = {64500: F({64496, 65010}), 64501: F()}  # 64501: AS0


def intent(aspas=None):
    aspas = WANTED if aspas is None else aspas
    return AspaIntent(aspas=aspas, own=F({64500, 64501}), undescribed=tuple(sorted({64500, 64501} - set(aspas))))


@pytest.fixture
def krill():
    """(server, client) with the CA holding AS64500 => AS64496, AS65020 and AS64999's ASPA (not ours)."""
    server = KrillAspaServer(TOKEN, held=(64500, 64501, 64999))
    server.aspas = {64500: (64496, 65020), 64999: (64496,)}
    with serving(server):
        yield server, lambda token=TOKEN: KrillCa(server.url, "routesec", token, timeout=TIMEOUT)


def test_a_plan_arrives_as_one_update_in_krills_json_and_a_second_plan_changes_nothing(krill):
    server, client = krill
    plan = plan_aspas(intent(), client().current_aspas())
    applied = client().submit_aspas(plan)
    [post] = server.posts()
    assert post["path"] == PATH and post["headers"]["Authorization"] == "Bearer " + TOKEN
    assert post["headers"]["Content-Type"] == "application/json"
    assert post["body"] == {
        "add_or_replace": [{"customer": 64500, "providers": [64496, 65010]}, {"customer": 64501, "providers": [0]}],
        "remove": [],
    }
    assert applied == ["AS64500 => AS64496, AS65010", "AS64501 => AS0"]
    assert server.aspas == {64500: (64496, 65010), 64501: (0,), 64999: (64496,)}
    again = client().current_aspas()
    assert again == Published({64500: F({64496, 65010}), 64501: F(), 64999: F({64496})})
    assert not plan_aspas(intent(), again).changed


def test_removals_go_by_customer_in_the_same_update(krill):
    server, client = krill
    plan = plan_aspas(intent(), client().current_aspas(), remove_unknown=True)
    client().submit_aspas(plan)
    assert server.posts()[0]["body"]["remove"] == [64999]
    assert 64999 not in server.aspas


def test_an_empty_plan_sends_nothing(krill):
    server, client = krill
    assert client().submit_aspas(AspaPlan()) == []
    assert server.received == []


@pytest.mark.parametrize(
    "notation, families, irregular",
    [
        ("numbers", {}, {}),
        ("text", {}, {}),
        (
            "per-family",
            {(64500, 64496): "v4", (64500, 65020): "v6"},
            {64500: "providers limited to one address family"},
        ),
        ("per-family", {}, {}),
    ],
)
def test_every_notation_krill_has_written_is_read(krill, notation, families, irregular):
    server, client = krill
    server.notation, server.families = notation, families
    published = client().current_aspas()
    assert published.aspas == {64500: F({64496, 65020}), 64999: F({64496})}
    assert {c: note.split(" at the CA")[0] for c, note in published.irregular.items()} == irregular


def test_a_definition_in_another_form_is_rewritten_in_the_plain_one(krill):
    server, client = krill
    server.aspas = {64500: (0, 64496, 65010)}
    published = client().current_aspas()
    assert published.aspas == {64500: F({64496, 65010})}
    plan = plan_aspas(intent({64500: F({64496, 65010})}), published)
    assert plan.lines() == ["~ ASPA AS64500 => AS64496, AS65010 (AS0 beside other providers at the CA)"]
    client().submit_aspas(plan)
    assert server.aspas == {64500: (64496, 65010)}
    assert not plan_aspas(intent({64500: F({64496, 65010})}), client().current_aspas()).changed


@pytest.mark.parametrize(
    "answer, message",
    [
        ({"aspas": []}, r"answered with an object where the API document shows a list of ASPA definitions"),
        ([["AS64500"]], r"entry 0 is a list, not an object"),
        ([{"providers": [64496]}], r"ASPA definition 0 has no customer"),
        (
            [{"customer": 64500, "providers": []}],
            r"ASPA definitions\[0\] AS64500, field 'providers': lists no provider",
        ),
        ([{"customer": 64500, "providers": ["AS-TRANSIT"]}], r"field 'providers': 'AS-TRANSIT' is not an AS number"),
        ([{"customer": 64500, "providers": "AS64496"}], r"field 'providers': expected a list of AS numbers"),
        ([{"customer": 0, "providers": [64496]}], r"AS0 cannot issue an ASPA"),
    ],
)
def test_a_malformed_answer_is_a_clear_error_naming_the_call_and_nothing_is_sent(krill, answer, message):
    server, client = krill
    server.fail = ("json", answer)
    ours = client()
    with pytest.raises(CaError, match=message) as caught:
        ours.submit_aspas(plan_aspas(intent(), ours.current_aspas()))
    assert "Krill CA 'routesec' (GET %s)" % PATH in str(caught.value)
    never_leaks(caught.value, ours, ours.api)
    assert server.posts() == []


def test_a_wrong_token_is_a_clear_error_that_shows_neither_token(krill):
    server, client = krill
    wrong = client("wrong-" + TOKEN)
    with pytest.raises(CaError, match=r"\(GET /\S+\): refused the API key/token \(HTTP 401\)") as caught:
        wrong.current_aspas()
    assert isinstance(caught.value, SourceError) and "wrong-" not in str(caught.value)
    never_leaks(caught.value, wrong, wrong.api)
    with pytest.raises(CaError, match="refused the API key/token.*nothing was applied"):
        wrong.submit_aspas(plan_aspas(intent(), Published({})))
    assert server.aspas == {64500: (64496, 65020), 64999: (64496,)}


def test_a_refused_update_applies_nothing_and_says_so(krill):
    server, client = krill
    plan = plan_aspas(intent({64500: F({64496}), 64502: F({64496})}), Published({}))  # AS64502 is not held
    with pytest.raises(
        CaError, match=r"\(POST %s\): answered HTTP 400: .*ca-aspa-not-entitled.*nothing was applied" % PATH
    ):
        client().submit_aspas(plan)
    assert server.aspas == {64500: (64496, 65020), 64999: (64496,)}
    assert len(server.posts()) == 1  # no retry
    server.fail = ("status", 400, ('{"label": "api-json", "msg": "bad token %s"}' % TOKEN).encode())
    with pytest.raises(CaError, match="bad token <redacted>") as caught:  # a CA echoing the token
        client().submit_aspas(plan)
    never_leaks(caught.value)


UNCLEAR = {"failing": ("status", 502, b""), "late": ("slow", 2.0), "garbled": ("garbage", b"<html>proxy</html>")}


@pytest.mark.parametrize("answer", sorted(UNCLEAR))
def test_an_update_without_a_clear_answer_lists_every_aspa_as_unknown_and_is_sent_once(krill, answer):
    server, client = krill
    ours = client()
    plan = plan_aspas(intent(), ours.current_aspas(), remove_unknown=True)
    server.fail = UNCLEAR[answer]
    with pytest.raises(SubmitError, match=r"(HTTP 502|timeout|not JSON).*unknown") as caught:
        ours.submit_aspas(plan)
    error = caught.value
    assert isinstance(error, SafetyError) and "read the CA's ASPA definitions back" in str(error)
    assert (error.applied, error.not_applied) == ((), ())
    assert error.unknown == ("AS64500 => AS64496, AS65010", "AS64501 => AS0", "AS64999 => AS64496")
    never_leaks(error, ours)
    assert len(server.posts()) == 1
