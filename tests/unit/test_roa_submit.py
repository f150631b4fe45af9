# -*- coding: utf-8 -*-
"""Contract tests for ROA submission: the RIPE NCC and Krill clients against servers written from their API documents.

The servers (``ca_servers``) accept only what the published documents show;
these tests check that a plan's additions and removals arrive in one call, in
the documented fields; that current ROAs are parsed; that a wrong key, an
error status, a timeout and a garbage answer each give a clear error naming
the CA and the call, after which nothing more is sent; and that the API key
or token appears in no message, repr or exception. ARIN's ROA request text is
checked against the format on ARIN's ROA page.
"""

from __future__ import annotations

import datetime
import ipaddress
import pickle
import traceback

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SafetyError, SourceError
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.arin import ArinRoaRequests, request_text, roa_name
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.ca_common import (
    CaError,
    Secret,
    SubmitError,
    run_steps,
)
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.ca_krill import KrillCa
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.ca_ripe import RipeNccCa
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.roa_plan import RoaPlan, plan_roas
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import make_vrp
from ca_servers import KrillServer, RipeServer, serving

KEY = "s3cr3t-Key-0123456789abcdef"
NET = ipaddress.ip_network
HELD = (NET("185.230.76.0/22"), NET("2a0f:b300::/32"))
OURS = {64500}
TIMEOUT = 0.5

KEEP = make_vrp("185.230.76.0/22", 22, 64500)
OLD = make_vrp("185.230.78.0/24", 24, 64500)
NEW_V4 = make_vrp("185.230.77.0/24", 24, 64500)
NEW_V6 = make_vrp("2a0f:b300::/48", 48, 64500)
PLAN = RoaPlan(add=(NEW_V4, NEW_V6), remove=(OLD,), keep=(KEEP,))


@pytest.fixture(params=["ripe", "krill"])
def ca(request):
    """(server, client) for each CA, the server holding KEEP and OLD."""
    server = RipeServer(KEY) if request.param == "ripe" else KrillServer(KEY)

    def client(key=KEY):
        if request.param == "ripe":
            return RipeNccCa(key, server.api_url, timeout=TIMEOUT)
        return KrillCa(server.url, "routesec", key, timeout=TIMEOUT)

    server.roas = {("185.230.76.0/22", 22, 64500), ("185.230.78.0/24", 24, 64500)}
    with serving(server):
        yield server, client


def _never_leaks(exc, *objects):
    assert exc.__cause__ is None and exc.__context__ is None  # no chained answer to leak from
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc)), repr(vars(exc))]
    texts += [repr(o) for o in objects] + [str(o) for o in objects]
    for text in texts:
        assert KEY not in text


def test_ripe_a_plan_arrives_as_one_publish_call_with_added_and_deleted():
    server = RipeServer(KEY)
    server.roas = {("185.230.76.0/22", 22, 64500), ("185.230.78.0/24", 24, 64500)}
    with serving(server):
        applied = RipeNccCa(KEY, server.api_url, timeout=TIMEOUT).submit(PLAN)
    [post] = server.posts()
    assert post["path"] == "/api/rpki/roas/publish"
    assert post["authorized"] and post["headers"]["Content-Type"] == "application/json"
    assert post["body"] == {
        "added": [
            {"asn": "AS64500", "prefix": "185.230.77.0/24", "maximalLength": 24},
            {"asn": "AS64500", "prefix": "2a0f:b300::/48", "maximalLength": 48},
        ],
        "deleted": [{"asn": "AS64500", "prefix": "185.230.78.0/24", "maximalLength": 24}],
    }
    assert KEY not in post["path"]  # header only, never the deprecated ?key=
    assert server.roas == {
        ("185.230.76.0/22", 22, 64500),
        ("185.230.77.0/24", 24, 64500),
        ("2a0f:b300::/48", 48, 64500),
    }
    assert applied == ["185.230.77.0/24-24 => AS64500", "2a0f:b300::/48-48 => AS64500", "185.230.78.0/24-24 => AS64500"]


def test_krill_a_plan_arrives_as_one_delta_with_added_and_removed():
    server = KrillServer(KEY)
    server.roas = {("185.230.76.0/22", 22, 64500), ("185.230.78.0/24", 24, 64500)}
    with serving(server):
        KrillCa(server.url, "routesec", KEY, timeout=TIMEOUT, comment="routesec").submit(PLAN)
    [post] = server.posts()
    assert post["path"] == "/api/v1/cas/routesec/routes"
    assert post["headers"]["Authorization"] == "Bearer " + KEY
    assert post["body"] == {
        "added": [
            {"asn": 64500, "prefix": "185.230.77.0/24", "max_length": 24, "comment": "routesec"},
            {"asn": 64500, "prefix": "2a0f:b300::/48", "max_length": 48, "comment": "routesec"},
        ],
        "removed": [{"asn": 64500, "prefix": "185.230.78.0/24", "max_length": 24}],
    }
    assert ("185.230.78.0/24", 24, 64500) not in server.roas and len(server.roas) == 3


def test_current_roas_are_parsed_into_vrps_and_plan_to_nothing_after_submitting(ca):
    _server, client = ca
    assert sorted(client().current_roas(), key=str) == sorted([KEEP, OLD], key=str)
    client().submit(PLAN)
    now = client().current_roas()
    assert set(now) == {KEEP, NEW_V4, NEW_V6}
    assert not plan_roas({KEEP, NEW_V4, NEW_V6}, now, OURS, HELD).changed


def test_an_empty_plan_sends_nothing(ca):
    server, client = ca
    assert client().submit(RoaPlan(keep=(KEEP,))) == []
    assert server.received == []


def test_a_wrong_key_is_a_clear_error_that_does_not_show_either_key(ca):
    server, client = ca
    wrong = client("wrong-" + KEY)
    with pytest.raises(CaError, match=r"\(GET /\S+\): refused the API key/token \(HTTP 401\)") as info:
        wrong.current_roas()
    assert isinstance(info.value, SourceError)
    _never_leaks(info.value, wrong, wrong.api)
    assert "wrong-" not in str(info.value)
    with pytest.raises(CaError, match="refused the API key/token.*nothing was applied"):
        wrong.submit(PLAN)
    assert not [r for r in server.received if r["authorized"]]
    assert len(server.roas) == 2


@pytest.mark.parametrize(
    "fail, message",
    [
        (("status", 500, b'{"error": "internal"}'), r"answered HTTP 500"),
        (("slow", 2.0), r"no (complete )?answer within 0.5 s \(timeout\)"),
        (("garbage", b"<html>maintenance</html>"), r"not JSON"),
        (("json", {"roas": "none"}), r"answered with an object where the API document shows a list"),
        (("json", [{"prefix": "185.230.76.0/22"}]), r"has no (asn|maximalLength)"),
        (("json", [{"asn": 64500, "prefix": "185.230.76.1/22", "maximalLength": 22, "max_length": 22}]), r"prefix"),
    ],
)
def test_a_failed_read_is_a_clear_error_and_nothing_is_submitted_after_it(ca, fail, message):
    server, client = ca
    server.fail = fail
    ours = client()
    with pytest.raises(CaError, match=message) as info:
        current = ours.current_roas()
        ours.submit(plan_roas({KEEP, NEW_V4}, current, OURS, HELD))
    assert ours.name in str(info.value) and "GET" in str(info.value)
    _never_leaks(info.value, ours)
    assert server.posts() == []


def test_a_refused_change_applies_nothing_and_says_so(ca):
    server, client = ca
    server.roas.discard(("185.230.78.0/24", 24, 64500))  # the removal is now unknown to the CA
    with pytest.raises(CaError, match=r"\(POST /.*\): answered HTTP 400.*nothing was applied") as info:
        client().submit(PLAN)
    assert not isinstance(info.value, SubmitError)
    assert server.roas == {("185.230.76.0/22", 22, 64500)}
    assert len(server.posts()) == 1  # no retry


@pytest.mark.parametrize(
    "fail, message",
    [
        (("status", 503, b""), r"answered HTTP 503.*unknown"),
        (("slow", 2.0), r"timeout.*whether it was applied is unknown"),
        (("garbage", b"\x00\xffnot json"), r"not JSON.*unknown"),
    ],
)
def test_a_change_without_a_clear_answer_reports_every_roa_as_unknown_and_is_sent_once(ca, fail, message):
    server, client = ca
    server.fail = fail
    ours = client()
    with pytest.raises(SubmitError, match=message) as info:
        ours.submit(PLAN)
    error = info.value
    assert isinstance(error, SafetyError) and "POST" in str(error)
    assert error.applied == () and error.not_applied == ()
    assert error.unknown == (
        "185.230.77.0/24-24 => AS64500",
        "2a0f:b300::/48-48 => AS64500",
        "185.230.78.0/24-24 => AS64500",
    )
    assert "read" in str(error) and "back" in str(error)
    _never_leaks(error, ours)
    assert len(server.posts()) == 1


def test_a_ca_that_echoes_the_key_in_its_error_does_not_leak_it(ca):
    server, client = ca
    server.fail = ("status", 400, ('{"error": "bad key %s"}' % KEY).encode())
    with pytest.raises(CaError, match="bad key <redacted>") as info:
        client().submit(PLAN)
    _never_leaks(info.value)


def test_a_redirect_is_not_followed_so_the_key_goes_nowhere_else(ca):
    server, client = ca
    server.fail = ("status", 302, b"")
    with pytest.raises(CaError, match=r"HTTP 302 \(a redirect\), which is not followed"):
        client().current_roas()
    assert [r["path"] for r in server.received if "elsewhere" in r["path"]] == []
    assert len(server.received) == 1


def test_an_unreachable_ca_is_a_clear_error_and_nothing_was_applied():
    server = RipeServer(KEY)
    url = server.api_url
    server.server_close()  # the port is closed: connection refused
    with pytest.raises(CaError, match=r"RIPE NCC RPKI API \(POST /roas/publish\): cannot connect.*nothing was applied"):
        RipeNccCa(KEY, url, timeout=TIMEOUT).submit(PLAN)


def test_the_secret_never_shows():
    secret = Secret(KEY)
    assert KEY not in repr(secret) and KEY not in str(secret) and "%s" % secret == "Secret('<redacted>')"
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    for client in (RipeNccCa(KEY), KrillCa("https://krill.example", "routesec", KEY)):
        assert KEY not in repr(client) and KEY not in repr(client.api)
    with pytest.raises(CaError, match="empty"):
        RipeNccCa("  ")
    with pytest.raises(CaError, match="not an http"):
        KrillCa("krill.example:3000", "routesec", KEY)
    with pytest.raises(CaError, match="CA handle"):
        KrillCa("https://krill.example", "../admin", KEY)


def test_several_calls_go_additions_first_and_a_failure_mid_way_says_what_was_and_was_not_applied():
    calls = []

    def ok(label):
        return lambda: calls.append(label)

    def fails():
        calls.append("remove")
        raise CaError("answered HTTP 400; nothing was applied", "CA (POST /remove)")

    steps = [(["A"], [], ok("add")), ([], ["R1"], fails), ([], ["R2"], ok("never"))]
    with pytest.raises(SubmitError) as info:
        run_steps("CA", steps)
    assert calls == ["add", "remove"]
    assert (info.value.applied, info.value.not_applied, info.value.unknown) == (("A",), ("R1", "R2"), ())
    assert "applied: A; not applied: R1, R2" in str(info.value)

    def times_out():
        raise SubmitError("timeout", "CA (POST /remove)", unknown=["R1"])

    steps[1] = ([], ["R1"], times_out)
    with pytest.raises(SubmitError) as info:
        run_steps("CA", steps)
    assert (info.value.applied, info.value.not_applied, info.value.unknown) == (("A",), ("R2",), ("R1",))


# ARIN: the signed ROA request text format


def test_arin_request_text_follows_the_documented_field_order():
    roa = make_vrp("185.230.76.0/22", 24, 64500)
    text = request_text(roa, "routesec AS64500", 1340135296, datetime.date(2026, 11, 23), datetime.date(2027, 11, 23))
    assert text == "1|1340135296|routesec AS64500|64500|11-23-2026|11-23-2027|185.230.76.0|22|24|"


def test_arin_renders_one_request_per_addition_and_removals_for_the_portal():
    now = datetime.datetime(2026, 11, 23, 20, 0, tzinfo=datetime.UTC)
    rendered = ArinRoaRequests(valid_days=365, now=lambda: now).render(PLAN)
    assert [r["text"] for r in rendered["requests"]] == [
        "1|%d|routesec AS64500 185-230-77-0-24|64500|11-23-2026|11-23-2027|185.230.77.0|24|24|" % now.timestamp(),
        "1|%d|routesec AS64500 2a0f-b300-48|64500|11-23-2026|11-23-2027|2a0f:b300::|48|48|" % now.timestamp(),
    ]
    assert rendered["removals"] == [
        {"roa": OLD.to_dict(), "action": rendered["removals"][0]["action"]},
    ]
    assert "ARIN Online" in rendered["removals"][0]["action"]


@pytest.mark.parametrize(
    "name, start, end, message",
    [
        ("routesec/AS64500", datetime.date(2026, 1, 1), datetime.date(2027, 1, 1), "letters, digits"),
        ("x" * 257, datetime.date(2026, 1, 1), datetime.date(2027, 1, 1), "letters, digits"),
        ("ok", datetime.date(2027, 1, 1), datetime.date(2026, 1, 1), "ends"),
    ],
)
def test_arin_refuses_names_and_dates_arin_would_refuse(name, start, end, message):
    with pytest.raises(DataError, match=message):
        request_text(NEW_V4, name, 0, start, end)
    assert roa_name(NEW_V6) == "routesec AS64500 2a0f-b300-48"
