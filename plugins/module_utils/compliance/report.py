# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Renderers of a compliance Report: JSON for machines, JUnit XML for CI, one self-contained HTML page for people.

The HTML page has no external references and no scripts: inline CSS, SVG charts drawn here, every value
escaped with html.escape.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html import escape

from ..errors import DataError
from .findings import SEVERITIES

# Characters XML 1.0 does not allow (control characters other than tab, newline, carriage return).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

COLOURS = {"info": "#6c757d", "low": "#0d6efd", "medium": "#d97706", "high": "#dc2626", "critical": "#7f1d1d"}


def _ordered(findings):
    """Most severe first, then by check and subject (the order of Report.to_dict)."""
    return sorted(findings, key=lambda f: (-f.rank, f.check, f.subject))


def _routers_without_findings(report):
    concerned = {f.router for f in report.findings}
    return [r for r in report.routers if r.name not in concerned]


def to_json(report):
    """The report as stable, sorted JSON (for CI systems), with a trailing newline."""
    return json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n"


def _xml_text(value):
    return _NOT_XML.sub("\ufffd", str(value))


def to_junit(report, fail_at="medium"):
    """JUnit XML: one test case per finding (failed at or above ``fail_at``), one passing per clean router."""
    if fail_at not in SEVERITIES:
        raise DataError("must be one of %s" % ", ".join(SEVERITIES), "junit report", "fail_at")
    threshold = SEVERITIES.index(fail_at)
    suites = ET.Element("testsuites", name="routesec")
    suite = ET.SubElement(suites, "testsuite", name="routesec compliance", timestamp=_xml_text(report.generated))
    tests = failures = 0
    for finding in _ordered(report.findings):
        case = ET.SubElement(suite, "testcase", classname=_xml_text(finding.check), name=_xml_text(finding.subject))
        details = "%s: %s" % (finding.severity, finding.message)
        if finding.router:
            details += "\nrouter: %s" % finding.router
        if finding.sources:
            details += "\nsources: %s" % ", ".join(finding.sources)
        if finding.rank >= threshold:
            failure = ET.SubElement(case, "failure", type=finding.severity, message=_xml_text(finding.message))
            failure.text = _xml_text(details)
            failures += 1
        else:
            ET.SubElement(case, "system-out").text = _xml_text(details)
        tests += 1
    for router in _routers_without_findings(report):
        ET.SubElement(suite, "testcase", classname="router", name=_xml_text(router.name))
        tests += 1
    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", "0")
    suite.set("skipped", "0")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _share(count, total):
    if not total:
        return 0.0, "%d/%d (n/a)" % (count, total)
    percent = 100.0 * count / total
    return percent, "%d/%d (%.1f%%)" % (count, total, percent)


def _coverage_svg(report):
    rows = []
    for index, (label, key, count) in enumerate(
        (("ROA", "roa", report.with_roa), ("Route object", "route-object", report.with_route_object))
    ):
        percent, text = _share(count, report.prefixes)
        y = 10 + index * 44
        rows.append(
            '<g class="coverage-bar" id="coverage-%s"><text x="0" y="%d">%s</text>'
            '<rect x="130" y="%d" width="400" height="24" fill="#e5e7eb"/>'
            '<rect class="bar" x="130" y="%d" width="%.1f" height="24" fill="#16a34a"><title>%s</title></rect>'
            '<text class="value" x="540" y="%d">%s %s</text></g>'
            % (
                key,
                y + 17,
                escape(label),
                y,
                y,
                4.0 * min(percent, 100.0),
                escape(text),
                y + 17,
                escape(label),
                escape(text),
            )
        )
    return (
        '<svg class="chart" role="img" aria-label="coverage" viewBox="0 0 760 100" width="760" height="100">%s</svg>'
        % ("".join(rows))
    )


def _drift_svg(report):
    if not report.routers:
        return '<p class="empty">No routers</p>'
    largest = max(max(r.drift_entries for r in report.routers), 1)
    rows = []
    for index, router in enumerate(report.routers):
        y = 10 + index * 30
        marks = []
        if not router.rtr_sessions:
            marks.append("no RTR")
        if not router.reachable:
            marks.append("unreachable")
        note = " (%s)" % ", ".join(marks) if marks else ""
        classes = "drift-bar" + (" no-rtr" if not router.rtr_sessions else "")
        rows.append(
            '<g class="%s" data-router="%s"><text x="0" y="%d">%s</text>'
            '<rect class="bar" x="180" y="%d" width="%.1f" height="20" fill="%s"><title>%s: %d</title></rect>'
            '<text class="value" x="%.1f" y="%d">%d%s</text></g>'
            % (
                classes,
                escape(router.name),
                y + 15,
                escape(router.name),
                y,
                400.0 * router.drift_entries / largest,
                "#9ca3af" if not router.rtr_sessions else "#2563eb",
                escape(router.name),
                router.drift_entries,
                186 + 400.0 * router.drift_entries / largest,
                y + 15,
                router.drift_entries,
                escape(note),
            )
        )
    height = 20 + 30 * len(report.routers)
    return (
        '<svg class="chart" role="img" aria-label="drift per router" viewBox="0 0 760 %d" width="760" height="%d">%s</svg>'
        % (
            height,
            height,
            "".join(rows),
        )
    )


def _findings_table(report):
    if not report.findings:
        return '<p class="empty">No findings</p>'
    rows = []
    for finding in _ordered(report.findings):
        cells = (finding.severity, finding.check, finding.subject, finding.router, finding.message)
        rows.append(
            '<tr class="finding severity-%s">%s</tr>'
            % (escape(finding.severity), "".join("<td>%s</td>" % escape(str(cell)) for cell in cells))
        )
    return (
        "<table><thead><tr><th>Severity</th><th>Check</th><th>Subject</th><th>Router</th><th>Message</th></tr>"
        "</thead><tbody>\n%s\n</tbody></table>" % "\n".join(rows)
    )


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #111827; }
h1 { margin-bottom: 0.2em; }
.totals span { display: inline-block; margin: 0.2em 0.4em 0.2em 0; padding: 0.2em 0.6em; border-radius: 4px; color: #fff; }
.chart text { font-size: 13px; fill: #111827; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.3em 0.6em; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
td:last-child { white-space: pre-wrap; }
.empty { color: #16a34a; font-weight: bold; }
"""
_CSS += "".join(
    ".totals .severity-%s, tr.severity-%s td:first-child { background: %s; color: #fff; }\n" % (s, s, c)
    for s, c in COLOURS.items()
)


def to_html(report, title="routesec compliance"):
    """One self-contained HTML5 page: totals, coverage and drift charts (inline SVG), the findings table."""
    totals = report.by_severity()
    badges = "".join('<span class="severity-%s">%s: %d</span>' % (s, s, totals[s]) for s in reversed(SEVERITIES))
    return """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>Generated <time>{generated}</time>: {prefixes} prefixes, {routers} routers, {count} findings.</p>
<p class="totals">{badges}</p>
</header>
<section id="coverage">
<h2>Coverage</h2>
{coverage}
</section>
<section id="drift">
<h2>Drift per router</h2>
{drift}
</section>
<section id="findings">
<h2>Findings</h2>
{findings}
</section>
</body>
</html>
""".format(
        title=escape(title),
        css=_CSS,
        generated=escape(report.generated),
        prefixes=report.prefixes,
        routers=len(report.routers),
        count=len(report.findings),
        badges=badges,
        coverage=_coverage_svg(report),
        drift=_drift_svg(report),
        findings=_findings_table(report),
    )
