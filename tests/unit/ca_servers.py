# -*- coding: utf-8 -*-
"""Contract test servers: the RIPE NCC RPKI Management API and Krill's CA routes API, in process.

Each server listens on 127.0.0.1 (port 0) and behaves as the published API
document describes, nothing more:

* ``RipeServer`` (RIPE NCC "RPKI Management API"): key in the
  ``ncc-api-authorization`` header; ``GET /api/rpki/roas`` answers a list of
  ``{"asn": "AS…", "prefix", "maximalLength"}``; ``POST /api/rpki/roas/publish``
  takes ``{"added": [...], "deleted": [...]}`` and applies it as a whole or not
  at all. A wrong key gets 401 with an empty body; a refused change 400 with
  ``{"error": ...}``.
* ``KrillServer`` (Krill "Using the CLI or API"): ``Authorization: Bearer``;
  ``GET /api/v1/cas/<ca>/routes`` answers a list of ``{"asn": n, "prefix",
  "max_length", "comment", "roa_objects"}``; ``POST`` to the same path takes
  ``{"added": [...], "removed": [...]}`` as one delta, answers an empty 200, or
  400 with label ``ca-roa-delta-error`` and the duplicates/unknowns.

Every request is recorded (``server.received``: method, path, whether it was
authenticated, the JSON body). ``server.fail`` makes the next answers fail:
``("status", code, body)``, ``("slow", seconds)`` (answers after the client's
timeout), ``("garbage", bytes)`` (a 200 with a body that is not JSON), or
``("json", value)`` (a 200 with JSON the document does not allow). A 3xx
status redirects to ``/elsewhere`` on the same server.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from contextlib import contextmanager


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method):
        server = self.server
        body = read_body(self)
        authorized = server.authorized(self.headers)
        with server.lock:
            server.received.append(
                {
                    "method": method,
                    "path": self.path,
                    "authorized": authorized,
                    "body": body,
                    "headers": dict(self.headers),
                }
            )
            fail = server.fail
        if fail and fail[0] == "slow":
            time.sleep(fail[1])
            return self._answer(200, b"")
        if fail and fail[0] == "status":
            return self._answer(fail[1], fail[2])
        if fail and fail[0] == "garbage":
            return self._answer(200, fail[1])
        if fail and fail[0] == "json":
            return self._answer(200, json.dumps(fail[1]).encode())
        if not authorized:
            return self._answer(*server.unauthorized())
        with server.lock:
            status, data = server.route(method, self.path, body)
        return self._answer(status, b"" if data is None else json.dumps(data).encode())

    def _answer(self, status, payload):
        self.send_response(status)
        if 300 <= status < 400:  # a redirect to another path of the same server, to see whether it is followed
            self.send_header("Location", "%s/elsewhere" % self.server.url)
        if payload:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _CaServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, secret):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.secret = secret
        self.lock = threading.Lock()
        self.received = []
        self.fail = None
        self.roas = set()  # (prefix, max length, asn)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def posts(self):
        return [r for r in self.received if r["method"] == "POST"]

    def authorized(self, headers):
        raise NotImplementedError

    def unauthorized(self):
        raise NotImplementedError

    def route(self, method, path, body):
        raise NotImplementedError


class RipeServer(_CaServer):
    """The RIPE NCC RPKI Management API's ROA calls, under ``/api/rpki``."""

    base = "/api/rpki"

    @property
    def api_url(self):
        return self.url + self.base

    def authorized(self, headers):
        return headers.get("ncc-api-authorization") == self.secret

    def unauthorized(self):
        return 401, b""

    def route(self, method, path, body):
        if method == "GET" and path == self.base + "/roas":
            return 200, [{"asn": "AS%d" % a, "prefix": p, "maximalLength": m} for p, m, a in sorted(self.roas)]
        if method == "POST" and path == self.base + "/roas/publish":
            if not isinstance(body, dict) or set(body) - {"added", "deleted"}:
                return 400, {"error": "Bad request for '%s' with error 'Invalid Json'" % path}
            try:
                added = {self._entry(e) for e in body.get("added", [])}
                deleted = {self._entry(e) for e in body.get("deleted", [])}
            except (KeyError, TypeError, ValueError):
                return 400, {"error": "Bad request for '%s' with error 'Invalid Json'" % path}
            unknown = deleted - self.roas
            if unknown:
                return 400, {"error": "ROA %s does not exist" % min(unknown)[0]}
            self.roas = (self.roas - deleted) | added
            return 204, None
        return 404, {"error": "not found"}

    @staticmethod
    def _entry(entry):
        asn = entry["asn"]
        if not (isinstance(asn, str) and asn.startswith("AS")):
            raise ValueError(asn)
        return (entry["prefix"], int(entry["maximalLength"]), int(asn[2:]))


class KrillServer(_CaServer):
    """Krill's CA route authorizations for one CA handle."""

    def __init__(self, secret, handle="routesec"):
        super().__init__(secret)
        self.path = "/api/v1/cas/%s/routes" % handle

    def authorized(self, headers):
        return headers.get("Authorization") == "Bearer %s" % self.secret

    def unauthorized(self):
        return 401, json.dumps({"label": "auth-insufficient-rights", "msg": "Insufficient rights", "args": {}}).encode()

    def route(self, method, path, body):
        if path != self.path:
            return 404, {"label": "ca-unknown", "msg": "CA unknown", "args": {}}
        if method == "GET":
            return 200, [
                {"asn": a, "prefix": p, "max_length": m, "comment": None, "roa_objects": []}
                for p, m, a in sorted(self.roas)
            ]
        try:
            added = [self._entry(e) for e in body["added"]]
            removed = [self._entry(e) for e in body["removed"]]
        except (KeyError, TypeError, ValueError):
            return 400, {"label": "general-error", "msg": "Invalid JSON", "args": {}}
        duplicates = [e for e in added if e in self.roas]
        unknowns = [e for e in removed if e not in self.roas]
        if duplicates or unknowns:
            show = [{"asn": a, "prefix": p, "max_length": m} for p, m, a in duplicates + unknowns]
            return 400, {
                "label": "ca-roa-delta-error",
                "msg": "Delta rejected, see included json",
                "args": {},
                "delta_error": {"duplicates": show[: len(duplicates)], "unknowns": show[len(duplicates) :]},
            }
        self.roas = (self.roas - set(removed)) | set(added)
        return 200, None

    @staticmethod
    def _entry(entry):
        if not isinstance(entry["asn"], int):
            raise TypeError(entry["asn"])
        prefix = entry["prefix"]
        return (prefix, int(entry.get("max_length") or prefix.split("/")[1]), entry["asn"])


def read_body(handler):
    """The request body of ``handler`` as parsed JSON, the raw bytes when it is not JSON, or None."""
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


@contextmanager
def serving(server):
    """Run ``server`` in a thread for the ``with`` block."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
