# -*- coding: utf-8 -*-
"""IrrdSubmitter against a small in-process HTTP server that answers like IRRd 4.5's /v1/submit/."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SourceError
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import as_set_object, route_object
from ansible_collections.routesec.bgp.plugins.module_utils.irr.submit import IrrdSubmitter, SubmitError
from ports import free_port

SECRET = "s3cret-Lab-pw"
ROUTE = route_object("192.0.2.128/25", 64510, "MAINT-X", "LAB", descr=["test"])
ASSET = as_set_object("AS64510:AS-TEST", ["AS64510"], "MAINT-X", "LAB")


def entry(obj, kind, ok=True, errors=(), infos=()):
    """One object of IRRd's report (ChangeRequest.submitter_report_json)."""
    return {
        "successful": ok,
        "type": kind,
        "object_class": obj.object_class,
        "rpsl_pk": "".join(obj.key[1:]).upper(),
        "info_messages": list(infos),
        "error_messages": list(errors),
        "new_object_text": obj.text() if ok else None,
        "submitted_object_text": obj.text(),
    }


def report(*entries):
    """IRRd's answer (ChangeSubmissionHandler.submitter_report_json)."""
    ok = [e for e in entries if e["successful"]]
    return {
        "request_meta": {"HTTP-client-IP": "127.0.0.1"},
        "summary": {"objects_found": len(entries), "successful": len(ok), "failed": len(entries) - len(ok)},
        "objects": list(entries),
    }


class FakeIrrd:
    def __init__(self):
        self.answers = []  # (status, body bytes or dict, delay) per call, in order
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _any(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append((self.command, self.path, body))
                status, answer, delay = fake.answers.pop(0)
                time.sleep(delay)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            do_POST = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def answer(self, body, status=200, delay=0):
        self.answers.append((status, body, delay))


@pytest.fixture
def irrd():
    fake = FakeIrrd()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def submitter(irrd, **options):
    return IrrdSubmitter(irrd.url, password=SECRET, **options)


def test_one_post_then_one_delete_and_each_result(irrd):
    other = route_object("198.51.100.0/24", 64511, "MAINT-X", "LAB")
    irrd.answer(report(entry(ROUTE, "create"), entry(ASSET, "modify")))
    irrd.answer(report(entry(other, "delete")))
    results = submitter(irrd).submit([("delete", other), ("create", ROUTE), ("modify", ASSET)])
    assert [(r["key"], r["action"], r["result"]) for r in results] == [
        (other.key, "delete", "deleted"),
        (ROUTE.key, "create", "created"),
        (ASSET.key, "modify", "modified"),
    ]
    (post, path, body), (delete, _path, delete_body) = irrd.requests
    assert (post, delete, path) == ("POST", "DELETE", "/v1/submit/")
    assert body == {"objects": [{"object_text": ROUTE.text()}, {"object_text": ASSET.text()}], "passwords": [SECRET]}
    assert delete_body["objects"] == [{"object_text": other.text()}] and delete_body["delete_reason"]


def test_no_deletion_is_sent_once_a_creation_failed(irrd):
    old = route_object("192.0.2.128/25", 64511, "MAINT-X", "LAB")  # the object the new origin replaces
    irrd.answer(report(entry(ROUTE, "create", ok=False, errors=["Authorisation for route ... failed"])))
    failed, held_back = submitter(irrd).submit([("create", ROUTE), ("delete", old)])
    assert (failed["result"], held_back["result"]) == ("failed", "not sent")
    assert "earlier change of this submission failed" in held_back["messages"][0]
    assert [method for method, _path, _body in irrd.requests] == ["POST"]


def test_failures_keep_irrds_messages_and_identical_is_no_change(irrd):
    irrd.answer(
        report(
            entry(ROUTE, "create", ok=False, errors=["Authorisation for route 192.0.2.128/25AS64510 failed: ..."]),
            entry(ASSET, "modify", infos=["Submitted object was identical to current object, no change recorded."]),
        )
    )
    failed, same = submitter(irrd, api_key="key-1").submit([("create", ROUTE), ("modify", ASSET)])
    assert failed["result"] == "failed" and "Authorisation for route" in failed["messages"][0]
    assert same["result"] == "no change"
    assert irrd.requests[0][2]["api_keys"] == ["key-1"]


def test_a_create_that_irrd_made_a_modify_says_so(irrd):
    irrd.answer(report(entry(ROUTE, "modify")))
    (result,) = submitter(irrd).submit([("create", ROUTE)])
    assert result["result"] == "modified" and "asked to create, IRRd did a modify" in result["messages"]


def test_nothing_to_do_sends_nothing(irrd):
    assert submitter(irrd).submit([]) == [] and irrd.requests == []


@pytest.mark.parametrize(
    "answer, status, words",
    [
        (b"<html>proxy error</html>", 200, "not JSON"),
        ({"objects": []}, 200, "no summary"),
        (report(), 200, "0 results for 2 objects"),
        ({"summary": {}, "objects": [{"successful": True, "type": "rename"}] * 2}, 200, "type 'rename'"),
        (b"Internal Server Error", 500, "HTTP 500"),
    ],
)
def test_an_answer_that_is_not_a_report_may_have_applied_and_stops_the_rest(irrd, answer, status, words):
    irrd.answer(answer, status)
    other = route_object("198.51.100.0/24", 64511, "MAINT-X", "LAB")
    with pytest.raises(SubmitError) as raised:
        submitter(irrd).submit([("create", ROUTE), ("modify", ASSET), ("delete", other)])
    message = str(raised.value)
    assert isinstance(raised.value, SourceError) and irrd.url in message and words in message
    assert "may or may not have been applied" in message and "not sent: route 198.51.100.0/24 AS64511" in message
    assert raised.value.unknown == [ROUTE.key, ASSET.key] and raised.value.not_applied == [other.key]
    assert len(irrd.requests) == 1  # the DELETE was not sent


def test_a_refused_request_was_not_applied_and_the_secret_is_not_echoed(irrd):
    irrd.answer(
        ("1 validation error for RPSLChangeSubmission input_value={'passwords': ['%s']}" % SECRET).encode(), 400
    )
    with pytest.raises(SubmitError) as raised:
        submitter(irrd).submit([("create", ROUTE)])
    assert "HTTP 400" in str(raised.value) and "were not applied" in str(raised.value)
    assert raised.value.not_applied == [ROUTE.key] and raised.value.unknown == []
    assert SECRET not in str(raised.value) and SECRET not in repr(raised.value)


def test_a_failed_delete_after_a_good_post_lists_what_was_applied(irrd):
    irrd.answer(report(entry(ROUTE, "create")))
    irrd.answer(b"", 502)
    with pytest.raises(SubmitError) as raised:
        submitter(irrd).submit([("create", ROUTE), ("delete", ASSET)])
    assert raised.value.applied[0]["result"] == "created" and raised.value.unknown == [ASSET.key]
    assert "already applied by an earlier call: route 192.0.2.128/25 AS64510 (created)" in str(raised.value)


def test_a_timeout_may_have_applied(irrd):
    irrd.answer(report(entry(ROUTE, "create")), delay=1.5)
    with pytest.raises(SubmitError, match="did not answer within 0.5 s.*may or may not have been applied"):
        submitter(irrd, timeout=0.5).submit([("create", ROUTE)])


def test_a_closed_port_was_not_applied():
    port = free_port()  # nothing listens on it
    with pytest.raises(SubmitError, match=r"could not be reached .*were not applied") as raised:
        IrrdSubmitter("http://127.0.0.1:%d/" % port, password=SECRET, timeout=5).submit([("create", ROUTE)])
    assert "http://127.0.0.1:%d/v1/submit/" % port in str(raised.value) and SECRET not in str(raised.value)


def test_the_secrets_never_show(irrd):
    irrd.answer(report(entry(ROUTE, "create", ok=False, errors=["wrong password %s" % SECRET])))
    sub = IrrdSubmitter(irrd.url, password=SECRET, api_key="KEY-" + SECRET)
    assert SECRET not in repr(sub) and SECRET not in str(sub) and SECRET not in str(vars(sub).get("url"))
    (result,) = sub.submit([("create", ROUTE)])
    assert SECRET not in json.dumps(result)


@pytest.mark.parametrize(
    "changes, words",
    [
        ([("rename", ROUTE)], "'rename' is not one of"),
        ([("create", ROUTE.text())], "is not an RPSL object"),
        ([("create", ROUTE), ("delete", ROUTE)], "changed twice"),
        (["create"], "is not an (action, RPSL object) pair"),
    ],
)
def test_bad_changes_are_refused_before_anything_is_sent(irrd, changes, words):
    with pytest.raises(DataError) as raised:
        submitter(irrd).submit(changes)
    assert words in str(raised.value) and irrd.requests == []


def test_needs_credentials_and_an_http_url():
    with pytest.raises(DataError, match="needs a password or an API key"):
        IrrdSubmitter("http://127.0.0.1:8080")
    with pytest.raises(DataError, match="not an http"):
        IrrdSubmitter("ftp://127.0.0.1/", password=SECRET)
    sub = IrrdSubmitter("http://user:%s@127.0.0.1:8080/" % SECRET, password=SECRET)
    assert sub.url == "http://127.0.0.1:8080/v1/submit/" and SECRET not in repr(sub)
