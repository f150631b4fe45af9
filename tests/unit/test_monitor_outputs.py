# -*- coding: utf-8 -*-
"""The monitor's outputs, against receivers on loopback run here: the payloads of the generic webhook, Slack and
Alertmanager for a raised then a cleared alert; delivery while the receiver is down, failing or hanging (the
monitor goes on, the failure is reported, every change arrives once and in order, across a restart too); syslog
(RFC 5424) to a UDP and a local socket; the JSON lines file; the metrics endpoint scraped and parsed; the
configuration refused field by field; secrets never shown."""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import socket
import threading
import time
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.monitor import notify
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.metrics import MonitorMetrics
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.model import Alert, AlertChange
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.notify import Notifier, Retry, rfc3339
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.outputs import (
    AlertmanagerOutput,
    JsonLinesOutput,
    SlackOutput,
    SyslogOutput,
    WebhookOutput,
    build_output,
    build_outputs,
    retry_after,
)
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.status_page import StatusServer
from ports import free_port
from prometheus_client.parser import text_string_to_metric_families

FAST = Retry(first=0.01, most=0.05)
WAIT = 15  # seconds: the deadline of every wait
TOKEN = "XyZsEcReT0kEn42"
FIRST = 1714564800.0  # 2024-05-01T12:00:00Z


def alert(rule="hijack", prefix="192.0.2.0/24", asn=64511, path="64500 64511", vantages=None, **fields):
    vantages = ["ris rrc00 195.66.224.175", "bmp r1 198.18.0.10"] if vantages is None else vantages
    return Alert(rule, prefix, asn, path, list(vantages), FIRST, FIRST + 60, **fields)


def publish(notifier, event, alert, at=None):
    """Hand the notifier a change as the alert state makes them (detected at ``at``, default now)."""
    return notifier.publish(AlertChange(event, alert, time.time() if at is None else at))


def cleared(raised):
    return Alert(**{**raised.to_dict(), "active": False, "last_seen": raised.last_seen + 30})


class Receiver:
    """An HTTP receiver on 127.0.0.1: records every POST (path, headers, JSON body, the status it answered) and
    when it came (``times``, monotonic). It answers the statuses in ``answers`` in turn (a status, or a status
    and the headers to answer with), then 200; an error's body echoes the request's path."""

    def __init__(self, port=0, answers=()):
        self.posts, self.times = [], []
        self.answers = list(answers)
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.cond:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    status, headers = status if isinstance(status, tuple) else (status, {})
                    receiver.posts.append((self.path, dict(self.headers), body, status))
                    receiver.times.append(time.monotonic())
                    receiver.cond.notify_all()
                answer = b"ok" if status == 200 else ("failed at %s" % self.path).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def delivered(self, path=None):
        with self.cond:
            return [body for p, _headers, body, status in self.posts if status == 200 and path in (None, p)]

    def wait(self, count, path=None):
        """The first ``count`` bodies answered 200 (at ``path``), once there are that many."""
        return self.wait_until(lambda bodies: len(bodies) >= count, path)[:count]

    def wait_until(self, predicate, path=None):
        """The bodies answered 200 (at ``path``), once ``predicate`` holds for them."""
        with self.cond:
            arrived = self.cond.wait_for(lambda: predicate(self.delivered(path)), WAIT)
        assert arrived, "the deliveries did not arrive: %s" % self.posts
        return self.delivered(path)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def wait_status(notifier, predicate, what):
    assert notifier.wait_for(lambda statuses: predicate(statuses[0]), WAIT), "%s: %s" % (what, notifier.statuses())
    return notifier.statuses()[0]


def parse_time(text):
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", text), text
    return datetime.fromisoformat(text).timestamp()


# The payloads


def test_webhook_slack_and_alertmanager_payloads_of_a_raised_then_cleared_alert(receiver):
    outputs = [
        WebhookOutput("hook", receiver.url("/hook")),
        SlackOutput("slack", receiver.url("/services/T01/B02/" + TOKEN)),
        AlertmanagerOutput("am", receiver.url(""), generator_url="http://monitor.example/", labels={"team": "noc"}),
    ]
    hijack = alert(path="64500 <b>64511</b> & co", watched="192.0.2.0/23", detail="origin AS64511 is not ours")
    with Notifier(outputs, retry=FAST) as notifier:
        raised = publish(notifier, "raised", hijack)
        gone = publish(notifier, "cleared", cleared(hijack))
        hooks = receiver.wait(2, "/hook")
        slacks = receiver.wait(2, "/services/T01/B02/" + TOKEN)
        alerts = receiver.wait(2, "/api/v2/alerts")
    assert all(headers["Content-Type"] == "application/json" for _path, headers, _body, _status in receiver.posts)

    # generic: the change, its severity and summary
    assert [h["event"] for h in hooks] == ["raised", "cleared"]
    assert [h["id"] for h in hooks] == [raised.id, gone.id] and raised.id != gone.id
    assert hooks[0]["alert"] == hijack.to_dict()
    assert hooks[1]["alert"]["active"] is False
    assert (hooks[0]["severity"], hooks[1]["severity"]) == ("critical", "notice")
    assert hooks[0]["summary"].startswith("hijack raised: 192.0.2.0/24 from AS64511, path 64500 <b>64511</b> & co")
    assert abs(parse_time(hooks[0]["time"]) - raised.at) < 0.001

    # Slack: text, then blocks; the three control characters escaped
    assert set(slacks[0]) == {"text", "blocks"}
    assert slacks[0]["text"].startswith("hijack raised: 192.0.2.0/24 from AS64511, path 64500 &lt;b&gt;64511&lt;/b&gt;")
    assert "&amp; co" in slacks[0]["text"] and "<" not in slacks[0]["text"]
    blocks = slacks[0]["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "context"]
    assert blocks[0]["text"] == {"type": "plain_text", "text": "[CRITICAL] hijack raised: 192.0.2.0/24"}
    assert blocks[1]["text"]["text"] == "*Path*\n64500 &lt;b&gt;64511&lt;/b&gt; &amp; co"
    fields = {f["text"].split("\n")[0]: f["text"].split("\n", 1)[1] for f in blocks[2]["fields"]}
    assert fields == {
        "*Severity*": "critical",
        "*Prefix*": "192.0.2.0/24",
        "*AS*": "AS64511",
        "*Count*": "1",
        "*First seen*": "2024-05-01T12:00:00.000Z",
        "*Last seen*": "2024-05-01T12:01:00.000Z",
        "*Vantage points*": "2: ris rrc00 195.66.224.175, bmp r1 198.18.0.10",
        "*Our prefix*": "192.0.2.0/23",
        "*Detail*": "origin AS64511 is not ours",
    }
    assert slacks[1]["blocks"][0]["text"]["text"] == "[NOTICE] hijack cleared: 192.0.2.0/24"

    # Alertmanager: a list of one alert each time; the same labels, endsAt ahead then at the clearing
    assert all(len(body) == 1 for body in alerts)
    first, last = alerts[0][0], alerts[1][0]
    labels = {
        "alertname": "bgp_hijack",
        "rule": "hijack",
        "prefix": "192.0.2.0/24",
        "asn": "64511",
        "severity": "critical",
        "team": "noc",
    }
    assert first["labels"] == last["labels"] == labels
    assert first["annotations"]["path"] == "64500 <b>64511</b> & co"
    assert first["annotations"]["vantages"] == "ris rrc00 195.66.224.175, bmp r1 198.18.0.10"
    assert first["annotations"]["summary"] == hooks[0]["summary"]
    assert hooks[0]["summary"].endswith("; origin AS64511 is not ours")
    assert (first["annotations"]["watched"], first["annotations"]["description"]) == (
        "192.0.2.0/23",
        "origin AS64511 is not ours",
    )
    assert first["startsAt"] == last["startsAt"] == "2024-05-01T12:00:00.000Z"
    assert parse_time(first["endsAt"]) > time.time() + 60  # four resend intervals ahead
    assert abs(parse_time(last["endsAt"]) - gone.at) < 0.001
    assert first["generatorURL"] == "http://monitor.example/"


def test_alertmanager_sends_active_alerts_again_and_keeps_them_across_a_restart(receiver, tmp_path):
    def output():
        return AlertmanagerOutput("am", receiver.url("/api/v2/alerts"), resend_interval=0.05)

    def after_clearing(posts):
        ends = [n for n, post in enumerate(posts) if post[0]["endsAt"] == rfc3339(gone.at)]
        return posts[ends[0] + 1 :] if ends else []

    first, second = alert(), alert("route-leak", "198.51.100.0/24", 64502)
    with Notifier([output()], state_dir=tmp_path, retry=FAST) as notifier:
        publish(notifier, "raised", first)
        gone = publish(notifier, "cleared", cleared(first))
        publish(notifier, "raised", second)
        later = after_clearing(receiver.wait_until(lambda posts: len(after_clearing(posts)) >= 3))
    # after the clearing only the second alert is sent (raised, then again and again, its endsAt moved ahead)
    assert all([a["labels"]["rule"] for a in post] == ["route-leak"] for post in later)
    assert parse_time(later[-1][0]["endsAt"]) > parse_time(later[0][0]["endsAt"])

    before = len(receiver.delivered())
    with Notifier([output()], state_dir=tmp_path, retry=FAST):
        again = receiver.wait(before + 1)[before]
    assert [a["labels"]["prefix"] for a in again] == ["198.51.100.0/24"]


# Delivery while the receiver is down


def test_a_receiver_down_then_failing_then_up_gets_every_change_once_in_order(caplog):
    caplog.set_level(logging.INFO, "routesec.monitor")
    port = free_port()
    a, b = alert(), alert("squatting", "203.0.113.0/24", 64666)
    with Notifier([WebhookOutput("hook", "http://127.0.0.1:%d/hook" % port, timeout=5)], retry=FAST) as notifier:
        changes = [
            publish(notifier, "raised", a),
            publish(notifier, "raised", b),
            publish(notifier, "updated", Alert(**{**a.to_dict(), "count": 2})),
            publish(notifier, "cleared", cleared(a)),
            publish(notifier, "cleared", cleared(b)),
        ]
        down = wait_status(notifier, lambda s: s.failures >= 2, "the refused connections are reported")
        assert (down.state, down.backlog, down.delivered) == ("failing", 5, 0)
        assert down.last_error.startswith("cannot connect to http://127.0.0.1:%d: " % port)
        assert "refused" in down.last_error.lower()
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any("monitor output hook failed on change %s" % changes[0].id in w for w in warnings)

        receiver = Receiver(port, answers=[500, 500, 500])
        try:
            got = receiver.wait(5)
            up = wait_status(notifier, lambda s: s.backlog == 0 and s.state == "ok", "delivered")
            posts = list(receiver.posts)
        finally:
            receiver.close()
    assert [body["id"] for body in got] == [c.id for c in changes]
    assert [body["event"] for body in got] == ["raised", "raised", "updated", "cleared", "cleared"]
    # the first change was refused three times (HTTP 500), then each change arrived exactly once
    assert [(body["id"], status) for _path, _headers, body, status in posts] == [(changes[0].id, 500)] * 3 + [
        (c.id, 200) for c in changes
    ]
    assert (up.delivered, up.rejected) == (5, 0) and up.failures >= down.failures + 3
    assert any("monitor output hook delivers again" in r.getMessage() for r in caplog.records)


def test_a_receiver_that_asks_to_wait_with_retry_after_is_tried_again_no_sooner(receiver):
    receiver.answers = [(429, {"Retry-After": "1"}), (503, {"Retry-After": "0"})]
    with Notifier([WebhookOutput("hook", receiver.url("/hook"), timeout=5)], retry=FAST) as notifier:
        change = publish(notifier, "raised", alert())
        assert [body["id"] for body in receiver.wait(1)] == [change.id]
        status = wait_status(notifier, lambda s: s.delivered == 1, "delivered")
    assert [post[3] for post in receiver.posts] == [429, 503, 200]
    assert receiver.times[1] - receiver.times[0] >= 1.0  # FAST alone would try again after 0.01 s
    assert status.failures == 2 and "HTTP 503" in status.last_error and "retry after 0 s" in status.last_error


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("86400", 3600.0),
        ("Mon, 07 Dec 2026 00:01:30 GMT", 90.0),
        ("Sun, 06 Dec 2026 23:00:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date_and_bounded(value, seconds):
    now = datetime(2026, 12, 7, tzinfo=UTC).timestamp()
    assert retry_after(value, now) == seconds


def test_slack_gets_one_message_a_second_and_min_interval_sets_the_pace(receiver):
    outputs = [
        SlackOutput("slack", receiver.url("/slack")),
        WebhookOutput("hook", receiver.url("/hook"), min_interval=0.3),
    ]
    with Notifier(outputs, retry=FAST) as notifier:
        for number in range(3):
            publish(notifier, "raised", alert(prefix="192.0.2.%d/32" % number))
        receiver.wait(3, "/slack")
        receiver.wait(3, "/hook")
    for path, gap in (("/slack", 1.0), ("/hook", 0.3)):
        times = [t for (p, *_rest), t in zip(receiver.posts, receiver.times) if p == path]
        # paced from each answer, which the receiver gives after noting the arrival: however late one arrives,
        # the next arrives at least the interval after it
        assert all(later - earlier >= gap for earlier, later in itertools.pairwise(times)), (path, times)


def test_a_hanging_receiver_does_not_hold_the_monitor():
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = "http://127.0.0.1:%d/hook" % silent.getsockname()[1]
        seen = []
        with Notifier([WebhookOutput("hook", url, timeout=0.3)], retry=FAST, listeners=[seen.append]) as notifier:
            started = time.monotonic()
            for n in range(200):
                publish(notifier, "raised", alert(prefix="10.%d.0.0/16" % n))
            elapsed = time.monotonic() - started
            assert len(seen) == 200  # the listeners (the metrics) got every change at once
            status = wait_status(notifier, lambda s: s.failures >= 1, "the timeout is reported")
    assert elapsed < 20, "publishing 200 changes took %.2f s, as if each waited on the receiver (0.3 s)" % elapsed
    assert status.backlog == 200 and "timeout" in status.last_error


def test_undelivered_changes_survive_a_restart_and_none_is_sent_twice(receiver, tmp_path):
    def notifier():
        return Notifier([WebhookOutput("hook", receiver.url("/hook"))], state_dir=tmp_path, retry=FAST)

    with notifier() as first:
        sent = [publish(first, "raised", alert()), publish(first, "raised", alert(prefix="192.0.2.128/25"))]
        receiver.wait(2)
        wait_status(first, lambda s: s.backlog == 0, "the first two delivered")
        receiver.answers = [500] * 1000  # from now on the receiver fails
        kept = [publish(first, "updated", alert(count=2)), publish(first, "cleared", cleared(alert()))]
        wait_status(first, lambda s: s.failures >= 1, "the failure is reported")
    spool = tmp_path / "outputs" / "hook.jsonl"
    assert [json.loads(line)["id"] for line in spool.read_text().splitlines()] == [c.id for c in kept]

    receiver.answers = []
    with notifier() as second:
        got = receiver.wait(4)
        wait_status(second, lambda s: s.backlog == 0, "the kept changes delivered")
        later = publish(second, "cleared", cleared(alert(prefix="192.0.2.128/25")))
        got = receiver.wait(5)
    assert [body["id"] for body in got] == [c.id for c in sent + kept + [later]]
    assert later.seq > kept[-1].seq
    assert spool.read_text() == ""
    assert (tmp_path / "outputs" / "hook.delivered").read_text() == "%d\n" % later.seq


def test_the_spool_is_rewritten_without_the_settled_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(notify, "COMPACT_EVERY", 2)
    spool = notify.Spool(tmp_path, "hook")
    changes = [notify.Notification("raised", alert(count=n), FIRST + n, n) for n in range(1, 6)]
    for change in changes:
        spool.append(change)

    def kept():
        return [json.loads(line)["seq"] for line in spool.path.read_text().splitlines()]

    spool.delivered(changes[0], changes[1:])
    assert kept() == [1, 2, 3, 4, 5]
    spool.delivered(changes[1], changes[2:])
    assert kept() == [3, 4, 5]
    spool.path.write_text(spool.path.read_text() + '{"seq": 6, "cut sho')  # a write the process did not finish
    loaded, last = notify.Spool(tmp_path, "hook").load()
    assert ([c.seq for c in loaded], last) == ([3, 4, 5], 5) and kept() == [3, 4, 5]
    assert [c.alert for c in loaded] == [c.alert for c in changes[2:]]
    spool.delivered(changes[2], changes[3:])
    assert kept() == [3, 4, 5]  # the mark says 3 is delivered: a restart would leave it out
    assert notify.Spool(tmp_path, "hook").load()[0] == changes[3:]
    spool.delivered(changes[3], changes[4:])
    assert kept() == [5] and spool.mark.read_text() == "4\n"
    spool.delivered(changes[4], [])
    assert kept() == [] and spool.mark.read_text() == "5\n"


def test_a_change_the_receiver_refuses_is_set_aside(receiver, tmp_path, caplog):
    with Notifier([WebhookOutput("hook", receiver.url("/hook"))], state_dir=tmp_path, retry=FAST) as notifier:
        receiver.answers = [400]
        refused = publish(notifier, "raised", alert())
        taken = publish(notifier, "cleared", cleared(alert()))
        assert [body["id"] for body in receiver.wait(1)] == [taken.id]
        status = wait_status(notifier, lambda s: s.backlog == 0, "settled")
    assert (status.rejected, status.delivered, status.state) == (1, 1, "ok")
    aside = [json.loads(line) for line in (tmp_path / "outputs" / "hook.rejected.jsonl").read_text().splitlines()]
    assert [(r["id"], r["reason"]) for r in aside] == [(refused.id, "answered HTTP 400: failed at <redacted>")]
    assert any("refused change %s" % refused.id in r.getMessage() for r in caplog.records if r.levelname == "ERROR")


def test_the_slack_url_is_never_shown(caplog):
    caplog.set_level(logging.DEBUG)
    port = free_port()
    url = "http://127.0.0.1:%d/services/T01/B02/%s" % (port, TOKEN)
    slack = build_output({"type": "slack", "url": url})
    with Notifier([slack], retry=FAST) as notifier:
        publish(notifier, "raised", alert())
        refused = wait_status(notifier, lambda s: s.failures >= 1, "refused")
        receiver = Receiver(port, answers=[500])
        try:
            failed = wait_status(notifier, lambda s: "HTTP 500" in s.last_error, "the 500 is reported")
            receiver.wait(1)
        finally:
            receiver.close()
    assert failed.last_error == "answered HTTP 500: failed at <redacted>"
    assert slack.target == "http://127.0.0.1:%d" % port
    shown = [repr(slack), str(slack), repr(refused), repr(failed), repr(notifier.statuses()), caplog.text]
    assert caplog.text and not [text for text in shown if TOKEN in text]
    for bad in ({"timeout": -1}, {"url": url.replace("http", "ftp")}, {"colour": "red"}):
        with pytest.raises(DataError) as refusal:
            build_output({"type": "slack", "url": url, **bad})
        assert TOKEN not in str(refusal.value)


# Syslog


SYSLOG = re.compile(
    rb"<(?P<pri>\d+)>1 (?P<time>\S+) (?P<host>\S+) (?P<app>\S+) (?P<proc>\S+) (?P<msgid>\S+) "
    rb"\[(?P<sdid>\S+) (?P<params>(?:[^\]\\]|\\.)*)\] \xef\xbb\xbf(?P<msg>.*)\Z",
    re.DOTALL,
)


def syslog_message(datagram):
    match = SYSLOG.match(datagram)
    assert match, datagram
    fields = {k: v.decode("utf-8") for k, v in match.groupdict().items()}
    fields["params"] = {
        k: re.sub(r"\\(.)", r"\1", v) for k, v in re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', fields["params"])
    }
    return fields


def test_syslog_over_udp_is_rfc_5424():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.settimeout(WAIT)
        output = SyslogOutput("syslog", host="127.0.0.1", port=listener.getsockname()[1], hostname="mon 1.example")
        odd = alert("route-leak", 'x"]\\y', None, vantages=["v%d" % n for n in range(12)], count=3)
        with Notifier([output], retry=FAST) as notifier:
            raised = publish(notifier, "raised", alert())
            gone = publish(notifier, "cleared", cleared(alert()))
            leak = publish(notifier, "raised", odd)
            messages = [syslog_message(listener.recv(65536)) for _index in range(3)]
    first = messages[0]
    assert first["pri"] == str(3 * 8 + 2)  # daemon, critical
    assert messages[1]["pri"] == str(3 * 8 + 5)  # cleared: notice
    assert messages[2]["pri"] == str(3 * 8 + 3)  # route-leak: error
    assert abs(parse_time(first["time"]) - raised.at) < 0.001
    assert (first["host"], first["app"], first["proc"]) == ("mon1.example", "routesec", str(os.getpid()))
    assert [m["msgid"] for m in messages] == ["raised", "cleared", "raised"]
    assert first["sdid"] == "routesec@32473"
    assert first["params"] == {
        "id": raised.id,
        "rule": "hijack",
        "prefix": "192.0.2.0/24",
        "asn": "64511",
        "count": "1",
        "vantages": "2",
    }
    assert messages[1]["params"]["id"] == gone.id
    assert first["msg"].startswith("hijack raised: 192.0.2.0/24 from AS64511, path 64500 64511, seen at 2 vantage")
    assert messages[2]["params"]["prefix"] == 'x"]\\y' and "asn" not in messages[2]["params"]
    assert messages[2]["params"]["id"] == leak.id
    assert "v9 and 2 more), 3 times" in messages[2]["msg"]


def test_syslog_to_a_local_socket_with_its_own_facility_and_severities(tmp_path):
    path = tmp_path / "log"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(str(path))
        listener.settimeout(WAIT)
        config = {"type": "syslog", "socket": str(path), "facility": "local3", "severities": {"hijack": "warning"}}
        with Notifier(build_outputs([config]), retry=FAST) as notifier:
            publish(notifier, "raised", alert(path="64500 " + "64511 " * 2000))
            datagram = listener.recv(65536)
    message = syslog_message(datagram)
    assert message["pri"] == str(19 * 8 + 4)
    assert len(datagram) == 2048  # cut to max_size
    assert message["msg"].startswith("hijack raised: 192.0.2.0/24 from AS64511, path 64500 64511 64511")


# JSON lines


def test_json_lines_are_appended_one_change_a_line(tmp_path):
    path = tmp_path / "alerts.jsonl"
    path.write_text('{"earlier": true}\n')
    with Notifier([JsonLinesOutput("file", str(path))], retry=FAST) as notifier:
        changes = [publish(notifier, "raised", alert(), FIRST + 90), publish(notifier, "cleared", cleared(alert()))]
        assert notifier.drain(WAIT)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == {"earlier": True}
    assert lines[1] == {
        "id": changes[0].id,
        "event": "raised",
        "time": "2024-05-01T12:01:30.000Z",  # when the change was detected
        "severity": "critical",
        "summary": "hijack raised: 192.0.2.0/24 from AS64511, path 64500 64511, seen at 2 vantage points "
        "(ris rrc00 195.66.224.175, bmp r1 198.18.0.10)",
        "alert": alert().to_dict(),
    }
    assert (lines[2]["id"], lines[2]["event"], lines[2]["alert"]["active"]) == (changes[1].id, "cleared", False)


def test_outputs_get_the_events_and_rules_they_ask_for(tmp_path):
    config = {"type": "jsonl", "path": str(tmp_path / "a.jsonl"), "events": ["raised"], "rules": ["route-leak"]}
    with Notifier(build_outputs([config]), retry=FAST) as notifier:
        publish(notifier, "raised", alert())
        wanted = publish(notifier, "raised", alert("route-leak"))
        publish(notifier, "cleared", cleared(alert("route-leak")))
        assert notifier.drain(WAIT)
    assert [json.loads(line)["id"] for line in (tmp_path / "a.jsonl").read_text().splitlines()] == [wanted.id]


# Metrics


def scrape(server):
    with urllib.request.urlopen(server.url + "metrics", timeout=WAIT) as answer:
        content_type = answer.headers["Content-Type"]
        text = answer.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return content_type, samples


def test_the_metrics_endpoint(receiver):
    down = "http://127.0.0.1:%d/hook" % free_port()
    outputs = [WebhookOutput("up", receiver.url("/hook")), WebhookOutput("down", down)]
    with Notifier(outputs, retry=FAST) as notifier:
        metrics = MonitorMetrics(notifier.statuses)
        notifier.listen(metrics.alert_changed)
        server = StatusServer(metrics, "127.0.0.1:0").start()
        try:
            publish(notifier, "raised", alert())
            publish(notifier, "raised", alert("squatting", "203.0.113.0/24", 64666))
            publish(notifier, "cleared", cleared(alert("squatting", "203.0.113.0/24", 64666)))
            publish(notifier, "raised", alert(prefix="192.0.2.0/25"))
            metrics.route_events("ris rrc00", 10)
            metrics.route_events("bmp r1", 3)
            metrics.route_events("ris rrc00", 5)
            metrics.feed_down("bmp r1", "connection reset")
            receiver.wait(4)
            assert notifier.wait_for(lambda s: s[0].delivered == 4 and s[1].failures >= 1, WAIT)
            content_type, samples = scrape(server)
        finally:
            server.close()

    def value(name, **labels):
        return samples[("routesec_monitor_" + name, tuple(sorted(labels.items())))]

    assert content_type.startswith("text/plain; version=0.0.4")
    assert value("alerts_active", rule="hijack") == 2
    assert value("alerts_active", rule="squatting") == 0 and value("alerts_active", rule="route-leak") == 0
    assert value("alerts_raised_total", rule="hijack") == 2 and value("alerts_raised_total", rule="squatting") == 1
    assert value("route_events_total", feed="ris rrc00") == 15 and value("route_events_total", feed="bmp r1") == 3
    assert value("feed_up", feed="ris rrc00") == 1 and value("feed_up", feed="bmp r1") == 0
    assert value("output_backlog", output="up") == 0 and value("output_backlog", output="down") == 4
    assert value("output_delivered_total", output="up") == 4 and value("output_delivered_total", output="down") == 0
    assert value("output_failures_total", output="down") >= 1 and value("output_failures_total", output="up") == 0


# The configuration


@pytest.mark.parametrize(
    ("config", "field", "text"),
    [
        ({"type": "pager"}, "type", "'pager' is not one of jsonl, syslog, webhook, slack, alertmanager"),
        ({"type": "webhook"}, "url", "is required for a webhook output"),
        ({"type": "webhook", "url": "hook.example"}, "url", "is not an http(s) URL"),
        ({"type": "webhook", "url": "http://h:x/"}, "url", "has a port that is not a number"),
        ({"type": "webhook", "url": "http://h/", "retries": 3}, "retries", "is not an option of a webhook output"),
        ({"type": "webhook", "url": "http://h/", "timeout": 0}, "timeout", "is not a positive number"),
        ({"type": "webhook", "url": "http://h/", "headers": {"X": 1}}, "headers", "mapping of strings"),
        ({"type": "webhook", "url": "http://h/", "events": ["fired"]}, "events", "unknown fired"),
        ({"type": "webhook", "url": "http://h/", "rules": []}, "rules", "must be a non-empty list"),
        ({"type": "webhook", "url": "http://h/", "severities": {"hijack": "dire"}}, "severities", "unknown dire"),
        ({"type": "webhook", "url": "http://h/", "severities": {"leak": "info"}}, "severities", "unknown leak"),
        ({"type": "webhook", "url": "http://h/", "name": "a/b"}, "name", "is not a name"),
        ({"type": "jsonl"}, "path", "is required"),
        ({"type": "syslog"}, "host", "set either host"),
        ({"type": "syslog", "host": "h", "socket": "/dev/log"}, "host", "set either host"),
        ({"type": "syslog", "host": "h", "port": 70000}, "port", "is not a port"),
        ({"type": "syslog", "host": ""}, "host", "must be a non-empty string"),
        ({"type": "syslog", "host": "h", "hostname": 7}, "hostname", "must be a non-empty string"),
        ({"type": "syslog", "host": "h", "facility": "local9"}, "facility", "'local9' is not one of"),
        ({"type": "syslog", "host": "h", "sd_id": "a b"}, "sd_id", "is not an SD-ID"),
        ({"type": "syslog", "host": "h", "max_size": 100}, "max_size", "480 or more"),
        ({"type": "alertmanager", "url": "http://am/", "resend_interval": "1m"}, "resend_interval", "positive"),
        ({"type": "alertmanager", "url": "http://am/", "generator_url": "monitor"}, "generator_url", "http(s)"),
        ({"type": "alertmanager", "url": "http://am/", "labels": {"rule": "x"}}, "labels", "not label names"),
    ],
)
def test_bad_configuration_is_refused_naming_the_field(config, field, text):
    with pytest.raises(DataError) as refusal:
        build_output(config)
    assert refusal.value.field == field
    assert text in str(refusal.value)


def test_output_names_are_unique_and_events_known(tmp_path):
    twice = [{"type": "jsonl", "path": str(tmp_path / "a")}, {"type": "jsonl", "path": str(tmp_path / "b")}]
    with pytest.raises(DataError, match="jsonl used twice") as refusal:
        Notifier(build_outputs(twice))
    assert refusal.value.field == "name"
    with pytest.raises(DataError, match="field 'outputs'"):
        build_outputs({"type": "jsonl"})
    with Notifier([]) as notifier, pytest.raises(DataError, match="field 'event'"):
        publish(notifier, "fired", alert())
