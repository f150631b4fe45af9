# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitor's HTTP endpoint: ``/`` the status page, ``/metrics`` the Prometheus metrics (``metrics``).

The status page is one self-contained HTML page (inline CSS, no scripts, nothing fetched from elsewhere) of the
active alerts (rule, prefix, AS, path, vantage points, first and last seen, count), the feeds and the outputs;
it reloads itself every ``refresh`` seconds. Every value is escaped: prefixes, paths and vantage names come
from the network. It is served with a Content-Security-Policy that allows nothing but its inline style.

The server binds to ``listen`` (``address:port``, ``[v6 address]:port``; loopback unless said otherwise: the
page shows where our routes are attacked) and answers GET and HEAD only.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..errors import DataError
from .metrics import MonitorMetrics, Snapshot
from .notify import RULE_SEVERITY, rfc3339

LOG = logging.getLogger("routesec.monitor")

HTML_TYPE = "text/html; charset=utf-8"
POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _when(timestamp: float | None) -> str:
    return rfc3339(timestamp) if timestamp else "-"


def _table(table_id: str, headers: tuple, rows: list[tuple[str, tuple]], empty: str) -> str:
    """A table of escaped cells; ``rows``: (row class, cells)."""
    if not rows:
        return '<p class="empty" id="%s">%s</p>' % (table_id, escape(empty))
    head = "".join("<th>%s</th>" % escape(h) for h in headers)
    body = "\n".join(
        '<tr class="%s">%s</tr>' % (escape(kind), "".join("<td>%s</td>" % escape(str(c)) for c in cells))
        for kind, cells in rows
    )
    return '<table id="%s"><thead><tr>%s</tr></thead><tbody>\n%s\n</tbody></table>' % (table_id, head, body)


def _alert_rows(snapshot: Snapshot) -> list:
    return [
        (
            "alert severity-%s" % RULE_SEVERITY.get(a.rule, "warning"),
            (
                RULE_SEVERITY.get(a.rule, "warning"),
                a.rule,
                a.prefix,
                "AS%s" % a.asn if a.asn is not None else "-",
                a.path or "-",
                "\n".join(a.vantages),
                _when(a.first_seen),
                _when(a.last_seen),
                a.count,
            ),
        )
        for a in snapshot.alerts
    ]


def _feed_rows(snapshot: Snapshot) -> list:
    return [
        ("feed " + ("up" if f.up else "down"), (f.name, "up" if f.up else "down", f.events, _when(f.since), f.reason))
        for f in snapshot.feeds
    ]


def _output_rows(snapshot: Snapshot) -> list:
    return [
        (
            "output " + o.state,
            (o.name, o.kind, o.target, o.state, o.backlog, o.delivered, o.failures, o.rejected, o.last_error or "-"),
        )
        for o in snapshot.outputs
    ]


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #111827; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; }
th, td { text-align: left; padding: 0.3em 0.6em; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
td { white-space: pre-wrap; overflow-wrap: anywhere; }
.empty { color: #16a34a; font-weight: bold; }
tr.down td:nth-child(2), tr.failing td:nth-child(4) { color: #fff; background: #dc2626; }
tr.severity-critical td:first-child { color: #fff; background: #7f1d1d; }
tr.severity-error td:first-child { color: #fff; background: #dc2626; }
tr.severity-warning td:first-child { color: #fff; background: #d97706; }
"""


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="%(refresh)d">
<title>%(title)s</title>
<style>%(css)s</style>
</head>
<body>
<header><h1>%(title)s</h1><p id="totals">At <time>%(taken)s</time>: %(totals)s.</p></header>
%(sections)s
</body>
</html>
"""
ALERT_HEADERS = ("Severity", "Rule", "Prefix", "AS", "Path", "Vantage points", "First seen", "Last seen", "Count")
FEED_HEADERS = ("Feed", "State", "Route events", "Since", "Reason")
OUTPUT_HEADERS = ("Output", "Type", "Target", "State", "Backlog", "Delivered", "Failures", "Rejected", "Last error")


def _totals(snapshot: Snapshot) -> str:
    down = sum(not f.up for f in snapshot.feeds)
    failing = sum(o.state != "ok" for o in snapshot.outputs)
    return "%d active alerts; %d feeds, %d down; %d outputs, %d failing" % (
        len(snapshot.alerts),
        len(snapshot.feeds),
        down,
        len(snapshot.outputs),
        failing,
    )


def to_html(snapshot: Snapshot, title: str = "routesec monitor", refresh: int = 30) -> str:
    """The status page of ``snapshot``."""
    sections = (
        ("alerts", "Active alerts", _table("alert-table", ALERT_HEADERS, _alert_rows(snapshot), "No active alerts")),
        ("feeds", "Feeds", _table("feed-table", FEED_HEADERS, _feed_rows(snapshot), "No feeds")),
        ("outputs", "Outputs", _table("output-table", OUTPUT_HEADERS, _output_rows(snapshot), "No outputs")),
    )
    return _PAGE % {
        "refresh": int(refresh),
        "title": escape(title),
        "css": _CSS,
        "taken": escape(rfc3339(snapshot.taken)),
        "totals": escape(_totals(snapshot)),
        "sections": "\n".join('<section id="%s">\n<h2>%s</h2>\n%s\n</section>' % part for part in sections),
    }


def parse_listen(listen: str, where: str = "monitor") -> tuple[str, int]:
    """``address:port`` or ``[v6 address]:port`` (port 0: any free port) as (address, port)."""
    if not isinstance(listen, str):
        raise DataError("%r is not address:port" % (listen,), where, "listen")
    address, _colon, port = listen.rpartition(":")
    address = address[1:-1] if address.startswith("[") and address.endswith("]") else address
    try:
        ipaddress.ip_address(address)
        number = int(port)
    except ValueError:
        raise DataError("%r is not address:port (an IP address, a port)" % listen, where, "listen") from None
    if not 0 <= number < 65536:
        raise DataError("%r: the port is not 0-65535" % listen, where, "listen")
    return address, number


class StatusServer:
    """``/`` (the status page) and ``/metrics`` over HTTP, served by a thread of its own."""

    def __init__(self, metrics: MonitorMetrics, listen: str = "127.0.0.1:0", title: str = "routesec monitor"):
        address, port = parse_listen(listen)
        server_class = _V6Server if ":" in address else ThreadingHTTPServer
        handler = type("Handler", (_Handler,), {"metrics": metrics, "title": title})
        try:
            self._server = server_class((address, port), handler)
        except OSError as exc:
            raise DataError("cannot listen on %s: %s" % (listen, exc.strerror or exc), "monitor", "listen") from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="monitor status", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return "http://%s:%d/" % ("[%s]" % host if ":" in host else host, port)

    def start(self) -> StatusServer:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()


class _V6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    metrics: MonitorMetrics
    title: str
    server_version = "routesec-monitor"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            body, content_type = to_html(self.metrics.snapshot(), self.title).encode("utf-8"), HTML_TYPE
        elif path == "/metrics":
            body, content_type = self.metrics.exposition(self.headers.get("Accept", ""))
        else:
            self.send_error(HTTPStatus.NOT_FOUND, "only / and /metrics are here")
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if content_type == HTML_TYPE:
            self.send_header("Content-Security-Policy", POLICY)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format, *args) -> None:
        LOG.debug("status endpoint: %s", format % args)
