# -*- coding: utf-8 -*-
"""The monitor's status page: rendered from a snapshot (escaped, self-contained, empty states), served over
HTTP beside the metrics, and opened in headless Chromium, where an alert whose path holds HTML stays text."""

from __future__ import annotations

import urllib.error
import urllib.request

import lxml.html
import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.metrics import MonitorMetrics, Snapshot
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.model import Alert
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.notify import Notification, OutputStatus
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.status_page import (
    StatusServer,
    parse_listen,
    to_html,
)
from test_compliance_report import chromium

SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src="http://tracker.example/x.png" onerror="alert(2)">'
FIRST = 1714564800.0  # 2024-05-01T12:00:00Z
HEADERS = ["Severity", "Rule", "Prefix", "AS", "Path", "Vantage points", "First seen", "Last seen", "Count"]


def failing_output():
    return OutputStatus(
        "slack", "slack", "https://hooks.slack.example", "failing", 3, 7, 4, 0, "answered HTTP 500 & <b>", None, True
    )


def sample_metrics():
    metrics = MonitorMetrics(lambda: [failing_output()])
    alerts = [
        Alert("hijack", "192.0.2.0/24", 64511, "64500 64511", ["ris rrc00 195.66.224.175"], FIRST, FIRST + 60, 3),
        Alert(
            "route-leak",
            "198.51.100.0/24",
            64502,
            "64500 " + SCRIPT + " " + IMAGE,
            ["bmp r1", "bgp t1"],
            FIRST,
            FIRST + 120,
        ),
        Alert("squatting", "203.0.113.0/24", None, "", [], FIRST, FIRST + 10),
    ]
    for seq, alert in enumerate(alerts, 1):
        metrics.alert_changed(Notification("raised", alert, FIRST, seq))
    metrics.alert_changed(Notification("cleared", alerts[2], FIRST + 20, 4))
    metrics.route_events("ris rrc00", 1200)
    metrics.feed_down("bmp r1", "connection reset by <peer>")
    return metrics


def rows(doc, table):
    return [[td.text_content() for td in tr.xpath("td")] for tr in doc.xpath("//table[@id='%s']/tbody/tr" % table)]


def check_page(doc):
    """What the page of sample_metrics() shows, as lxml or Chromium read it."""
    assert [th.text_content() for th in doc.xpath("//table[@id='alert-table']//th")] == HEADERS
    alerts = rows(doc, "alert-table")
    assert [r[1] for r in alerts] == ["route-leak", "hijack"]  # most recently seen first; the cleared one gone
    assert alerts[0] == [
        "error",
        "route-leak",
        "198.51.100.0/24",
        "AS64502",
        "64500 " + SCRIPT + " " + IMAGE,
        "bmp r1\nbgp t1",
        "2024-05-01T12:00:00.000Z",
        "2024-05-01T12:02:00.000Z",
        "1",
    ]
    assert alerts[1][0] == "critical" and alerts[1][8] == "3"
    assert not doc.xpath("//script | //img | //*[@onerror] | //link | //iframe | //*[@src]")
    feeds = rows(doc, "feed-table")  # name, state, route events, since (now), reason
    assert [r[:3] + r[4:] for r in feeds] == [
        ["bmp r1", "down", "0", "connection reset by <peer>"],
        ["ris rrc00", "up", "1200", ""],
    ]
    assert rows(doc, "output-table") == [
        ["slack", "slack", "https://hooks.slack.example", "failing", "3", "7", "4", "0", "answered HTTP 500 & <b>"]
    ]
    assert "2 active alerts; 2 feeds, 1 down; 1 outputs, 1 failing." in doc.get_element_by_id("totals").text_content()


def test_the_page_shows_alerts_feeds_and_outputs_escaped():
    text = to_html(sample_metrics().snapshot(), title="<i>ours</i>")
    doc = lxml.html.document_fromstring(text)
    check_page(doc)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script" not in text.lower()
    assert "&lt;i&gt;ours&lt;/i&gt;" in text and not doc.xpath("//i")
    assert [tr.get("class") for tr in doc.xpath("//table[@id='alert-table']/tbody/tr")] == [
        "alert severity-error",
        "alert severity-critical",
    ]


def test_the_page_is_self_contained():
    text = to_html(sample_metrics().snapshot())
    doc = lxml.html.document_fromstring(text)
    assert doc.xpath("//head/style") and not doc.xpath("//link | //script | //*[@src] | //*[@href]")
    assert doc.xpath("//meta[@http-equiv='refresh']/@content") == ["30"]


def test_the_page_without_alerts_feeds_or_outputs():
    doc = lxml.html.document_fromstring(to_html(Snapshot(FIRST, [], [], [], {})))
    for section, empty in (("alerts", "No active alerts"), ("feeds", "No feeds"), ("outputs", "No outputs")):
        assert doc.get_element_by_id(section).text_content().strip().endswith(empty)
    assert not doc.xpath("//table")


def fetch(url, method="GET"):
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers, exc.read()


@pytest.fixture
def server():
    status = StatusServer(sample_metrics(), "127.0.0.1:0").start()
    yield status
    status.close()


def test_the_server_answers_the_page_and_the_metrics_only(server):
    status, headers, body = fetch(server.url)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    check_page(lxml.html.document_fromstring(body.decode()))
    status, headers, body = fetch(server.url + "metrics")
    assert status == 200 and b'routesec_monitor_alerts_active{rule="hijack"} 1.0' in body
    assert fetch(server.url, "HEAD")[2] == b""
    assert fetch(server.url + "alerts")[0] == 404
    assert fetch(server.url, "POST")[0] == 501


def test_the_page_in_chromium(server, tmp_path):
    dom = chromium(tmp_path, "--dump-dom", server.url)
    doc = lxml.html.document_fromstring(dom)
    check_page(doc)
    leak = doc.xpath("//table[@id='alert-table']/tbody/tr")[0]
    assert leak.xpath("td")[4].text_content() == "64500 " + SCRIPT + " " + IMAGE  # shown as text, not run


@pytest.mark.parametrize(
    ("listen", "expected"),
    [("127.0.0.1:9474", ("127.0.0.1", 9474)), ("[::1]:0", ("::1", 0)), ("0.0.0.0:80", ("0.0.0.0", 80))],
)
def test_listen_addresses(listen, expected):
    assert parse_listen(listen) == expected


@pytest.mark.parametrize("listen", ["localhost:9474", "127.0.0.1", "127.0.0.1:port", "127.0.0.1:70000", 9474])
def test_bad_listen_addresses_are_refused(listen):
    with pytest.raises(DataError, match="field 'listen'"):
        parse_listen(listen)


def test_a_port_in_use_is_refused(server):
    with pytest.raises(DataError, match="cannot listen on 127.0.0.1:%d" % int(server.url.rsplit(":", 1)[1][:-1])):
        StatusServer(sample_metrics(), server.url[7:-1])
