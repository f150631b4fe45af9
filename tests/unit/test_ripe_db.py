# -*- coding: utf-8 -*-
"""RipeDatabase against the contract test server of the RIPE Database RESTful API (ripe_db_server)."""

from __future__ import annotations

import base64
import json
import traceback

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SourceError
from ansible_collections.routesec.bgp.plugins.module_utils.irr.ripe_db import RipeDatabase
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import as_set_object, route_object
from ansible_collections.routesec.bgp.plugins.module_utils.irr.submit import SubmitError
from ports import free_port
from ripe_db_server import RipeDbServer

SECRET = "s3cret&Lab pw"  # needs URL-encoding: scrubbed in both forms
API_KEY = "KEYID42:ap1-Secret-Value"
OURS, OTHER = "MAINT-OURS", "MAINT-OTHER"
ROUTE = route_object("192.0.2.0/24", 64500, OURS, "TEST", descr=["ours"])
ROUTE6 = route_object("2001:db8::/32", 64500, OURS, "TEST")
ASSET = as_set_object(
    "AS64500:AS-CUSTOMERS", ["AS64500"], OURS, "TEST", contacts=[("admin-c", "AA1-TEST"), ("tech-c", "AA1-TEST")]
)
THEIRS = route_object("198.51.100.0/24", 64511, OTHER, "TEST")
TIMEOUT = 1.0


@pytest.fixture
def ripe():
    server = RipeDbServer("TEST").start()
    server.add_mntner(OURS, password=SECRET, api_key=API_KEY)
    server.add_mntner(OTHER, password="other-password")
    server.add(THEIRS)
    yield server
    server.stop()


def client(server, **options):
    options.setdefault("password", SECRET)
    return RipeDatabase(server.url, source="TEST", timeout=options.pop("timeout", TIMEOUT), **options)


def outcomes(results):
    return [(r["key"], r["action"], r["result"]) for r in results]


def changes_sent(server):
    return [(r["method"], r["path"]) for r in server.received if r["method"] != "GET"]


def test_create_modify_identical_and_delete_change_what_is_held(ripe):
    db = client(ripe)
    assert outcomes(db.submit([("create", ROUTE), ("create", ASSET)])) == [
        (ROUTE.key, "create", "created"),
        (ASSET.key, "create", "created"),
    ]
    assert ripe.held("route", "192.0.2.0/24AS64500") == list(ROUTE.attributes)
    post = ripe.received[0]
    assert (post["method"], post["path"], post["query"]) == ("POST", "/TEST/route", {"password": [SECRET]})
    (sent,) = post["body"]["objects"]["object"]
    assert sent["source"] == {"id": "TEST"}
    assert [(a["name"], a["value"]) for a in sent["attributes"]["attribute"]] == list(ROUTE.attributes)

    (same,) = db.submit([("modify", ROUTE)])
    assert same["result"] == "no change" and any("identical" in m for m in same["messages"])
    assert ripe.held("route", "192.0.2.0/24AS64500") == list(ROUTE.attributes)

    changed = route_object("192.0.2.0/24", 64500, OURS, "TEST", descr=["ours, changed"])
    assert outcomes(db.submit([("modify", changed)])) == [(ROUTE.key, "modify", "modified")]
    assert ripe.held("route", "192.0.2.0/24AS64500") == list(changed.attributes)
    assert ripe.received[-1]["path"] == "/TEST/route/192.0.2.0/24AS64500"

    assert outcomes(db.submit([("delete", changed), ("delete", ASSET)]))[1] == (ASSET.key, "delete", "deleted")
    assert ripe.held("route", "192.0.2.0/24AS64500") is None and ripe.held("as-set", "AS64500:AS-CUSTOMERS") is None
    delete = ripe.received[-1]
    assert delete["path"] == "/TEST/as-set/AS64500:AS-CUSTOMERS" and delete["query"]["reason"] == [
        "routesec: not wanted"
    ]
    assert delete["body"] is None


def test_existing_finds_ours_by_maintainer_and_others_by_prefix(ripe):
    ripe.add(ROUTE)
    ripe.add(ROUTE6)
    ripe.add(ASSET)
    ripe.add(route_object("203.0.113.0/24", 64512, OTHER, "TEST"))  # neither ours nor asked for
    ripe.add(route_object("198.51.0.0/16", 64513, OTHER, "TEST"))  # less specific: not an exact match
    found = client(ripe).existing([OURS], ["198.51.100.0/24", "192.0.2.0/24"])
    assert sorted(o.key for o in found) == sorted([ROUTE.key, ROUTE6.key, ASSET.key, THEIRS.key])
    theirs = next(o for o in found if o.key == THEIRS.key)
    assert theirs.first("source") == "TEST" and theirs.first("mnt-by") == OTHER  # not "# Filtered"
    assert theirs.first("created")  # RIPE's generated attributes are kept
    by_mntner, by_prefix = ripe.received[0]["query"], ripe.received[1]["query"]
    assert by_mntner["inverse-attribute"] == ["mnt-by"] and by_mntner["query-string"] == [OURS]
    assert by_mntner["type-filter"] == ["route", "route6", "as-set"] and set(by_mntner["flags"]) == {"r", "B"}
    assert by_prefix["type-filter"] == ["route", "route6"] and set(by_prefix["flags"]) == {"r", "x", "B"}
    assert all("password" not in r["query"] and "Authorization" not in r["headers"] for r in ripe.received)


def test_an_empty_search_is_an_empty_list(ripe):
    assert client(ripe).existing(["MAINT-NOBODY"], ["203.0.113.0/24"]) == []
    assert [r["method"] for r in ripe.received] == ["GET", "GET"]


def test_a_failed_search_names_the_registry_and_the_query(ripe):
    ripe.echo_query = True
    ripe.fail("status", 500, b"internal error")
    with pytest.raises(SourceError) as raised:
        client(ripe).existing([OURS], [])
    text = str(raised.value)
    assert "HTTP 500" in text and ripe.url + "/TEST" in text and "search MAINT-OURS" in text
    ripe.fail("garbage", b"<html>maintenance</html>")
    with pytest.raises(SourceError, match="not a JSON object"):
        client(ripe).existing([], ["192.0.2.0/24"])


def test_a_wrong_password_fails_each_object_and_changes_nothing(ripe):
    db = client(ripe, password="wrong")
    results = db.submit([("create", ROUTE), ("modify", THEIRS)])
    assert [r["result"] for r in results] == ["failed", "failed"]
    assert results[0]["messages"] == [
        'Error: Authorisation for [route] 192.0.2.0/24AS64500 failed using "mnt-by:" not authenticated by: MAINT-OURS'
    ]
    assert ripe.held("route", "192.0.2.0/24AS64500") is None
    assert ripe.held("route", "198.51.100.0/24AS64511") == list(THEIRS.attributes)
    assert len(changes_sent(ripe)) == 2  # the next object is still sent


def test_creating_an_object_held_under_another_maintainer_is_a_conflict(ripe):
    ours = route_object("198.51.100.0/24", 64511, OURS, "TEST")
    (result,) = client(ripe).submit([("create", ours)])
    assert result["result"] == "failed" and "already exists" in result["messages"][0]
    assert ripe.held("route", "198.51.100.0/24AS64511") == list(THEIRS.attributes)


def test_a_missing_mandatory_attribute_or_another_source_is_named(ripe):
    bare = as_set_object("AS64500:AS-BARE", ["AS64500"], OURS, "TEST")  # no admin-c / tech-c
    elsewhere = route_object("192.0.2.0/24", 64500, OURS, "RIPE")
    missing, wrong_source = client(ripe).submit([("create", bare), ("create", elsewhere)])
    assert missing["result"] == "failed" and 'Mandatory attribute "admin-c" is missing' in missing["messages"][0]
    assert wrong_source["result"] == "failed" and "Unrecognized source: RIPE" in wrong_source["messages"][0]
    assert ripe.held("as-set", "AS64500:AS-BARE") is None


def test_no_deletion_is_sent_once_a_creation_failed(ripe):
    replacement = route_object("198.51.100.0/24", 64511, OURS, "TEST")  # held by MAINT-OTHER: 409
    mine = route_object("192.0.2.0/24", 64500, OURS, "TEST")
    ripe.add(mine)
    refused, kept = client(ripe).submit([("create", replacement), ("delete", mine)])
    assert refused["result"] == "failed" and "already exists" in refused["messages"][0]
    assert kept["result"] == "not sent" and "earlier change of this submission failed" in kept["messages"][0]
    assert ripe.held("route", "192.0.2.0/24AS64500") is not None
    assert [m for m, _p in changes_sent(ripe)] == ["POST"]


def test_modify_and_delete_of_an_absent_object_fail(ripe):
    (deleted,) = client(ripe).submit([("delete", ROUTE6)])
    (modified,) = client(ripe).submit([("modify", ROUTE)])
    assert (modified["result"], deleted["result"]) == ("failed", "failed")
    assert "no entries found" in modified["messages"][0] and "no entries found" in deleted["messages"][0]


def test_a_closed_port_was_not_applied():
    port = free_port()  # nothing listens on it
    db = RipeDatabase("http://127.0.0.1:%d/" % port, source="TEST", password=SECRET, timeout=5)
    with pytest.raises(SubmitError) as raised:
        db.submit([("create", ROUTE), ("delete", THEIRS)])
    text = str(raised.value)
    assert "could not be reached" in text and "was not applied" in text and "not sent: route 198.51.100.0/24" in text
    assert raised.value.unknown == [] and raised.value.not_applied == [THEIRS.key, ROUTE.key]
    assert raised.value.applied == [] and SECRET not in text and "password" not in text


@pytest.mark.parametrize(
    "kind, value, words",
    [
        ("status", 500, "answered HTTP 500"),
        ("slow", 2 * TIMEOUT, "did not answer within"),
        ("drop", None, "broke off the connection"),
        ("garbage", b"<html>proxy</html>", "not JSON"),
        ("redirect", None, "redirect, which is not followed"),
    ],
)
def test_a_failure_mid_plan_stops_and_says_what_was_applied(ripe, kind, value, words):
    ripe.fail(kind, value, after=1)
    plan = [("create", ROUTE), ("create", ROUTE6), ("create", ASSET), ("delete", THEIRS)]
    with pytest.raises(SubmitError) as raised:
        client(ripe).submit(plan)
    error = raised.value
    assert [r["result"] for r in error.applied] == ["created"]
    assert error.unknown == [ROUTE6.key] and error.not_applied == [ASSET.key, THEIRS.key]
    text = str(error)
    assert words in text and "may or may not have been applied" in text
    assert "already applied by an earlier call: route 192.0.2.0/24 AS64500 (created)" in text
    assert "not sent: as-set AS64500:AS-CUSTOMERS; route 198.51.100.0/24 AS64511" in text
    assert len(changes_sent(ripe)) == 2  # nothing after the failed call
    assert ripe.held("route", "198.51.100.0/24AS64511") is not None


def test_a_redirect_is_not_followed(ripe):
    ripe.fail("redirect")
    with pytest.raises(SubmitError, match="not followed"):
        client(ripe).submit([("create", ROUTE)])
    assert [r["path"] for r in ripe.received] == ["/TEST/route"]


def test_the_password_never_shows(ripe):
    ripe.echo_query = True  # every error body carries the query string, password included
    db = client(ripe)
    not_ours = route_object("203.0.113.0/24", 64511, OTHER, "TEST")  # SECRET does not authorise MAINT-OTHER
    failed, refused = db.submit([("create", not_ours), ("modify", THEIRS)])
    assert (failed["result"], refused["result"]) == ("failed", "failed")
    assert all(any("request password=<redacted>" in m for m in r["messages"]) for r in (failed, refused))
    assert ripe.received[0]["raw_query"] == "password=s3cret%26Lab+pw"  # what the server echoed
    body = {"errormessages": {"errormessage": [{"text": "for %s", "args": [{"value": ripe.received[0]["raw_query"]}]}]}}
    ripe.fail("status", 503, json.dumps(body).encode())
    with pytest.raises(SubmitError, match="HTTP 503: for password=<redacted>") as raised:
        db.submit([("create", ROUTE)])
    ripe.fail("status", 500)
    with pytest.raises(SourceError) as searched:
        db.existing([SECRET], [])
    shown = [
        json.dumps([failed, refused]),
        str(raised.value),
        repr(raised.value),
        json.dumps(raised.value.applied),
        str(searched.value),
        repr(db),
        str(vars(db)),
        "".join(traceback.format_exception(raised.value)),
    ]
    for text in shown:
        for form in (SECRET, "s3cret%26Lab+pw", "s3cret%26Lab%20pw", "s3cret"):
            assert form not in text


def test_the_api_key_goes_in_the_authorization_header_only(ripe):
    db = RipeDatabase(ripe.url, source="TEST", api_key=API_KEY, timeout=TIMEOUT)
    assert outcomes(db.submit([("create", ROUTE)])) == [(ROUTE.key, "create", "created")]
    request = ripe.received[0]
    expected = "Basic " + base64.b64encode(API_KEY.encode()).decode()
    assert request["headers"]["Authorization"] == expected and request["query"] == {}
    assert "ap1-Secret" not in repr(db) and "ap1-Secret" not in str(vars(db))
    combined = RipeDatabase(ripe.url, source="TEST", api_key=expected[6:], timeout=TIMEOUT)  # RIPE's combined value
    assert combined.submit([("delete", ROUTE)])[0]["result"] == "deleted"
    assert ripe.received[-1]["headers"]["Authorization"] == expected and "password" not in ripe.received[-1]["query"]


def test_a_wrong_api_key_is_refused(ripe):
    db = RipeDatabase(ripe.url, source="TEST", api_key="KEYID42:wrong", timeout=TIMEOUT)
    (result,) = db.submit([("create", ROUTE)])
    assert result["result"] == "failed" and "not authenticated by: MAINT-OURS" in result["messages"][0]


def test_the_registry_is_base_url_and_source(ripe):
    db = RipeDatabase("http://user:%s@127.0.0.1:8080/" % SECRET, source="test", password=SECRET)
    assert db.registry == "http://127.0.0.1:8080/TEST" and SECRET not in repr(db)


@pytest.mark.parametrize(
    "changes, words",
    [
        ([("rename", ROUTE)], "'rename' is not one of"),
        ([("create", ROUTE.text())], "field 'object': is not an RPSL object"),
        ([("create", ROUTE), ("delete", ROUTE)], "changed twice"),
        (["create"], "is not an (action, RPSL object) pair"),
    ],
)
def test_bad_changes_are_refused_before_anything_is_sent(ripe, changes, words):
    with pytest.raises(DataError) as raised:
        client(ripe).submit(changes)
    assert words in str(raised.value) and ripe.received == []


@pytest.mark.parametrize(
    "options, words",
    [
        ({"base_url": "ftp://127.0.0.1/"}, "field 'base_url'"),
        ({"base_url": "not a url"}, "field 'base_url'"),
        ({"source": "no source!"}, "field 'source'"),
        ({"timeout": 0}, "field 'timeout'"),
    ],
)
def test_bad_settings_are_refused(options, words):
    settings = {"base_url": "http://127.0.0.1:8080", "source": "TEST", "password": SECRET}
    settings.update(options)
    with pytest.raises(DataError) as raised:
        RipeDatabase(**settings)
    assert words in str(raised.value) and SECRET not in str(raised.value)


def test_reading_needs_no_credential_but_submitting_does(ripe):
    ripe.add(ROUTE)
    anonymous = RipeDatabase(ripe.url, source="TEST", timeout=10)
    assert [o.key for o in anonymous.existing([OURS], [])] == [ROUTE.key]
    with pytest.raises(DataError, match="needs a password or an API key to submit"):
        anonymous.submit([("create", ROUTE6)])
    assert [r["method"] for r in ripe.received] == ["GET"]


def test_our_as_set_is_found_by_name_whoever_holds_it(ripe):
    theirs = as_set_object("AS64500:AS-US", ["AS64500"], OTHER, "TEST", contacts=ASSET.attributes[2:4])
    ripe.add(theirs)
    found = client(ripe).existing([OURS], [], ["AS64500:AS-US"])
    assert [(o.key, o.first("mnt-by")) for o in found] == [(theirs.key, OTHER)]


def test_a_4xx_without_whois_resources_fails_that_object_only(ripe):
    ripe.fail("status", 403, b"<html>Forbidden</html>")
    refused, created = client(ripe).submit([("create", ROUTE), ("create", ROUTE6)])
    assert refused == {
        "key": ROUTE.key,
        "action": "create",
        "result": "failed",
        "messages": ["answered HTTP 403: <html>Forbidden</html>"],
    }
    assert created["result"] == "created" and ripe.held("route", "192.0.2.0/24AS64500") is None
