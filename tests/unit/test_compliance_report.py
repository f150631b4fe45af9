# -*- coding: utf-8 -*-
"""The compliance report renderers: JSON, JUnit XML and the self-contained HTML page (checked in Chromium too)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET

import lxml.html
import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.compliance.findings import Finding, Report, RouterState
from ansible_collections.routesec.bgp.plugins.module_utils.compliance.report import to_html, to_json, to_junit
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError

SCRIPT = "<script>alert(1)</script>"


def sample():
    return Report(
        generated="2024-05-01T12:00:00Z",
        findings=[
            Finding("low", "route-object-stale", "192.0.2.0/24", "descr differs & 'quoted'", ("irr",), "r1"),
            Finding("critical", "rov-invalid", "198.51.100.0/24", "origin AS64500 <> ROA " + SCRIPT, ("rpki",), "r1"),
            Finding("medium", "roa-missing", "203.0.113.0/24", 'no ROA for "customer"', ("netbox", "rpki")),
            Finding("info", "note", "2001:db8::/32", "informational"),
            Finding("high", "filter-drift", "r3", "12 entries differ", ("netbox", "router"), "r3"),
        ],
        prefixes=40,
        with_roa=37,
        with_route_object=30,
        routers=[
            RouterState("r1", "frr", drift_entries=5, rtr_sessions=2),
            RouterState("r2", "bird2", drift_entries=0, rtr_sessions=0),
            RouterState("r3", "junos", drift_entries=12, rtr_sessions=1, reachable=False),
        ],
    )


def clean():
    return Report("2024-05-01T12:00:00Z", [], 10, 10, 10, [RouterState("r1", "frr", 0, 1), RouterState("r2", "bird2")])


# JSON


def test_json_round_trip():
    text = to_json(sample())
    assert text.endswith("}\n")
    data = json.loads(text)
    assert data["generated"] == "2024-05-01T12:00:00Z"
    assert data["summary"] == {
        "prefixes": 40,
        "with_roa": 37,
        "with_route_object": 30,
        "routers": 3,
        "findings": {"info": 1, "low": 1, "medium": 1, "high": 1, "critical": 1},
    }
    assert [f["severity"] for f in data["findings"]] == ["critical", "high", "medium", "low", "info"]
    assert data["findings"][0]["message"].endswith(SCRIPT)
    assert data["findings"][0]["sources"] == ["rpki"]
    assert [r["name"] for r in data["routers"]] == ["r1", "r2", "r3"]
    assert to_json(sample()) == text  # stable


# JUnit


def junit(report, **kwargs):
    root = ET.fromstring(to_junit(report, **kwargs).encode())
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "routesec compliance"
    return root, suite


def test_junit_counts_and_failure_types():
    root, suite = junit(sample())
    cases = suite.findall("testcase")
    # five findings, and r2: the one router without findings
    assert len(cases) == 6
    assert suite.get("tests") == root.get("tests") == "6"
    assert suite.get("failures") == root.get("failures") == "3"
    failures = {c.get("classname"): c.find("failure") for c in cases if c.find("failure") is not None}
    assert {k: f.get("type") for k, f in failures.items()} == {
        "rov-invalid": "critical",
        "filter-drift": "high",
        "roa-missing": "medium",
    }
    outs = {c.get("classname"): c.findtext("system-out") for c in cases if c.find("system-out") is not None}
    assert set(outs) == {"route-object-stale", "note"}
    assert outs["note"].startswith("info: informational")
    passing = [c for c in cases if not len(c)]
    assert [(c.get("classname"), c.get("name")) for c in passing] == [("router", "r2")]
    drift = next(c for c in cases if c.get("classname") == "filter-drift")
    assert drift.get("name") == "r3"
    assert "router: r3" in drift.find("failure").text


def test_junit_threshold():
    suite = junit(sample(), fail_at="critical")[1]
    assert suite.get("failures") == "1"
    suite = junit(sample(), fail_at="info")[1]
    assert suite.get("failures") == "5"
    assert not suite.findall("testcase/system-out")
    with pytest.raises(DataError, match="fail_at"):
        to_junit(sample(), fail_at="severe")


def test_junit_clean_report_passes():
    root, suite = junit(clean())
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["r1", "r2"]
    assert all(not len(c) for c in cases)
    assert suite.get("tests") == "2"
    assert suite.get("failures") == root.get("failures") == "0"


def test_junit_escapes_messages():
    message = "a <b> & \"c\" 'd' ]]> " + SCRIPT + " bell\x07 end"
    report = Report("now", [Finding("high", "odd", "<subject & co>", message)])
    text = to_junit(report)
    assert SCRIPT not in text
    suite = junit(report)[1]
    case = suite.find("testcase")
    assert case.get("name") == "<subject & co>"
    failure = case.find("failure")
    # the control character XML cannot hold is replaced, everything else survives the round trip
    assert failure.get("message") == message.replace("\x07", "\ufffd")
    assert SCRIPT in failure.text


# HTML


def page(report, **kwargs):
    text = to_html(report, **kwargs)
    return text, lxml.html.document_fromstring(text)


def test_html_sections_and_coverage():
    text, doc = page(sample())
    assert text.startswith("<!DOCTYPE html>")
    for section in ("coverage", "drift", "findings"):
        assert doc.get_element_by_id(section) is not None
    coverage = doc.get_element_by_id("coverage").text_content()
    assert "ROA 37/40 (92.5%)" in coverage
    assert "Route object 30/40 (75.0%)" in coverage
    header = doc.find(".//header").text_content()
    assert "2024-05-01T12:00:00Z" in header
    for severity in ("critical: 1", "high: 1", "medium: 1", "low: 1", "info: 1"):
        assert severity in header


def test_html_drift_bars():
    doc = page(sample())[1]
    bars = doc.get_element_by_id("drift").xpath(".//svg//g[contains(@class, 'drift-bar')]")
    assert [b.get("data-router") for b in bars] == ["r1", "r2", "r3"]
    assert [len(b.xpath(".//rect")) for b in bars] == [1, 1, 1]
    widths = [float(b.xpath(".//rect")[0].get("width")) for b in bars]
    assert widths[2] == max(widths) and widths[1] == 0 and 0 < widths[0] < widths[2]
    no_rtr = [b.get("data-router") for b in bars if "no-rtr" in b.get("class").split()]
    assert no_rtr == ["r2"]
    assert "no RTR" in bars[1].text_content()
    assert "unreachable" in bars[2].text_content()


def test_html_findings_table_escaped_and_sorted():
    text, doc = page(sample(), title="<b>ours</b>")
    rows = doc.xpath("//section[@id='findings']//tr[contains(@class, 'finding')]")
    assert [r.get("class") for r in rows] == [
        "finding severity-critical",
        "finding severity-high",
        "finding severity-medium",
        "finding severity-low",
        "finding severity-info",
    ]
    assert [td.text_content() for td in rows[0].xpath("td")] == [
        "critical",
        "rov-invalid",
        "198.51.100.0/24",
        "r1",
        "origin AS64500 <> ROA " + SCRIPT,
    ]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script" not in text.lower()
    assert not doc.xpath("//script")
    assert "&lt;b&gt;ours&lt;/b&gt;" in text and not doc.xpath("//b")
    assert "&#x27;quoted&#x27;" in text and "&amp;" in text


def test_html_self_contained():
    text, doc = page(sample())
    assert "http://" not in text and "https://" not in text
    assert not doc.xpath("//link | //img | //iframe | //object | //embed | //script | //*[@src]")
    assert doc.xpath("//head/style")


def test_html_empty_states():
    doc = page(clean())[1]
    assert doc.get_element_by_id("findings").text_content().strip().endswith("No findings")
    assert not doc.xpath("//tr[contains(@class, 'finding')]")
    assert "ROA 10/10 (100.0%)" in doc.get_element_by_id("coverage").text_content()
    doc = page(Report("now"))[1]
    assert "ROA 0/0 (n/a)" in doc.get_element_by_id("coverage").text_content()
    assert "No routers" in doc.get_element_by_id("drift").text_content()


# Headless Chromium


def chromium(tmp_path, *args):
    """Run headless Chromium (as root it needs --no-sandbox) with its own profile; stop all it started."""
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("chromium is not installed: scripts/setup.sh installs it (Debian package 'chromium')")
    command = [
        binary,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--user-data-dir=%s" % (tmp_path / "profile"),
        *args,
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail("chromium did not finish in 60 s: %s\n%s" % (" ".join(command), err[-2000:]))
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # renderer, zygote and other helpers left behind
        except ProcessLookupError:
            pass
    assert process.returncode == 0, "%s exited %d:\n%s" % (" ".join(command), process.returncode, err[-2000:])
    return out


def test_html_in_chromium(tmp_path):
    started = time.monotonic()
    report = tmp_path / "report.html"
    report.write_text(to_html(sample()), encoding="utf-8")
    url = report.as_uri()

    dom = chromium(tmp_path, "--dump-dom", url)
    doc = lxml.html.document_fromstring(dom)
    rows = doc.xpath("//section[@id='findings']//tr[contains(@class, 'finding')]")
    assert len(rows) == 5
    assert dom.count('class="finding severity-') == 5
    assert len(doc.xpath("//svg")) == 2
    assert len(doc.xpath("//section[@id='coverage']//svg//rect[@class='bar']")) == 2
    assert len(doc.xpath("//section[@id='drift']//svg//g[contains(@class, 'drift-bar')]")) == 3
    assert "ROA 37/40 (92.5%)" in doc.get_element_by_id("coverage").text_content()
    assert not doc.xpath("//script")  # the escaped script stayed text
    assert SCRIPT in rows[0].text_content()

    screenshot = tmp_path / "report.png"
    chromium(tmp_path, "--screenshot=%s" % screenshot, "--window-size=1200,1600", url)
    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png[16:24] == (1200).to_bytes(4, "big") + (1600).to_bytes(4, "big")  # IHDR width, height
    assert len(png) > 20000, "a %d byte screenshot is too small to hold the page" % len(png)
    print("chromium: %.1f s" % (time.monotonic() - started))
