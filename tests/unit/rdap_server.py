# -*- coding: utf-8 -*-
"""Test server: an RDAP service (RFC 9082 queries, RFC 9083 answers) for IP networks, in process, on loopback.

``GET /ip/<address>[/<length>]`` answers the most specific network the test
registered (``server.register(document)``) that covers the queried prefix,
as ``application/rdap+json``; 404 with an RFC 9083 error object when none
does, 400 when the path is not a prefix. Besides:

* ``server.redirect_to = "http://..."``: every request is answered 302 to that
  base URL plus the request path, as a bootstrap service sends a client to the
  right RIR (two servers redirecting to each other make a loop);
* ``GET /hops/<n>/ip/...`` redirects (relative Location) to
  ``/hops/<n-1>/ip/...``; ``/hops/0/ip/...`` is answered as ``/ip/...``;
* ``server.fail(kind, value=None)`` spoils the next request: ``status``
  (answer that HTTP status), ``slow`` (answer after ``value`` seconds),
  ``garbage`` (a 200 that is not JSON), ``drop`` (close without answering).

Every request path is recorded in ``server.received``.
"""

from __future__ import annotations

import http.server
import ipaddress
import json
import re
import threading
import time
from contextlib import contextmanager

RDAP_JSON = "application/rdap+json"
_HOPS = re.compile(r"^/hops/(\d+)(/.*)$")


def ip_network_document(handle, cidr, holder, status=("active",), cidr0=True, holder_handle="ORG-TEST1-TEST"):
    """An RFC 9083 IP network object with one registrant entity whose jCard ``fn`` is ``holder``."""
    network = ipaddress.ip_network(cidr)
    document = {
        "rdapConformance": ["rdap_level_0", "cidr0"] if cidr0 else ["rdap_level_0"],
        "objectClassName": "ip network",
        "handle": handle,
        "startAddress": str(network[0]),
        "endAddress": str(network[-1]),
        "ipVersion": "v%d" % network.version,
        "name": handle.lower() + "-net",
        "type": "ALLOCATED PA",
        "country": "NL",
        "status": list(status),
        "port43": "whois.test",
        "entities": [
            {
                "objectClassName": "entity",
                "handle": holder_handle,
                "roles": ["registrant"],
                "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", holder]]],
            },
            {
                "objectClassName": "entity",
                "handle": "ABUSE1-TEST",
                "roles": ["abuse"],
                "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Abuse desk"]]],
            },
        ],
    }
    if cidr0:
        key = "v4prefix" if network.version == 4 else "v6prefix"
        document["cidr0_cidrs"] = [{key: str(network.network_address), "length": network.prefixlen}]
    return document


class RdapHandler(http.server.BaseHTTPRequestHandler):
    """The request handler: see the module docstring."""

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.server.received.append(self.path)
        failure, self.server.failure = self.server.failure, None
        if failure and not self._fail(*failure):
            return
        if self.server.redirect_to:
            return self._redirect(self.server.redirect_to.rstrip("/") + self.path)
        hops = _HOPS.match(self.path)
        if hops and int(hops.group(1)) > 0:
            return self._redirect("/hops/%d%s" % (int(hops.group(1)) - 1, hops.group(2)))
        self._answer_ip(hops.group(2) if hops else self.path)

    def _fail(self, kind, value):
        """Spoil this request; True when it should then be answered as usual (``slow``)."""
        if kind == "slow":
            time.sleep(value)
            return True
        if kind == "status":
            self._send(value, {"errorCode": value, "title": "Failure", "description": ["as the test asked"]})
        elif kind == "garbage":
            self._send(200, b"<html>maintenance</html>")
        elif kind == "drop":
            self.close_connection = True
        return False

    def _answer_ip(self, path):
        if not path.startswith("/ip/"):
            return self._send(404, {"errorCode": 404, "title": "Not Found", "description": ["unknown path"]})
        try:
            queried = ipaddress.ip_network(path[len("/ip/") :])
        except ValueError:
            return self._send(400, {"errorCode": 400, "title": "Bad Request", "description": ["not a prefix"]})
        document = self.server.most_specific(queried)
        if document is None:
            return self._send(404, {"errorCode": 404, "title": "Not Found", "description": ["no registration"]})
        self._send(200, document)

    def _redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", RDAP_JSON if not isinstance(body, bytes) else "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class RdapServer(http.server.ThreadingHTTPServer):
    """The RDAP service; ``url`` is its base URL."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RdapHandler)
        self.networks = []
        self.received = []
        self.redirect_to = None
        self.failure = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def register(self, document):
        """Serve ``document`` (an ip network object) for every prefix inside its start..end range."""
        self.networks.append(document)

    def fail(self, kind, value=None):
        self.failure = (kind, value)

    def most_specific(self, queried):
        covering = []
        for document in self.networks:
            start, end = (ipaddress.ip_address(document[key]) for key in ("startAddress", "endAddress"))
            if start.version == queried.version and start <= queried[0] and queried[-1] <= end:
                covering.append((int(end) - int(start), document))
        return min(covering, key=lambda pair: pair[0])[1] if covering else None


@contextmanager
def rdap_server():
    """An RdapServer running in a thread, shut down afterwards."""
    server = RdapServer()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
