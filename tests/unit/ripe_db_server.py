# -*- coding: utf-8 -*-
"""Contract test server: the RIPE Database RESTful API, in process, as RIPE's documentation describes it.

Written from docs.db.ripe.net ("RIPE Database RESTful API", "RESTful API
Queries", "REST API Data model", "Update Operations"), nothing more:

* ``POST /{source}/{type}`` creates (409 when the object exists: a POST is a
  create and nothing else), ``PUT /{source}/{type}/{key}`` modifies (404 when
  absent; 200 with an "identical" message when nothing changes),
  ``DELETE /{source}/{type}/{key}?reason=`` deletes (404 when absent, 400
  without a reason). A route(6) key is prefix and origin together.
* A missing mandatory attribute (route: route, origin, mnt-by, source; as-set:
  as-set, admin-c, tech-c, mnt-by, source) or a source other than the path's is
  400 with an error naming it.
* A change must be authorised by a ``password`` query parameter or an HTTP
  Basic API key (``key-id:secret``) of one of the ``mnt-by`` maintainers (the
  stored object's for a modify or delete), else 401 with RIPE's
  "Authorisation for [type] key failed" message.
* ``GET /search`` with ``query-string``, ``inverse-attribute``, ``type-filter``,
  ``flags`` (``r`` no referenced contacts, ``x`` exact match only, ``B`` no
  filtering: without it ``source`` reads "RIPE # Filtered" and e-mail/notify
  go) and ``source``; 404 with "ERROR:101: no entries found" when nothing matches.

Answers are whois-resources JSON (``objects.object[]`` with ``type``, ``link``,
``source.id``, ``primary-key``, ``attributes.attribute[]``;
``errormessages.errormessage[]`` with ``severity``, ``text``, ``args``).
Every request is recorded in ``server.received`` (method, path, query, raw
query, headers, body). ``server.fail(kind, value, after=0)`` makes the request
``after`` calls from now fail: ``status`` (answer that status, nothing done),
``slow`` (do the work, answer after ``value`` seconds), ``drop`` (close the
connection without answering, nothing done), ``garbage`` (a 200 with a body
that is not JSON, nothing done), ``redirect`` (a 302 elsewhere). With
``echo_query`` set, every error text carries the raw query string, as a
careless server might.
"""

from __future__ import annotations

import base64
import http.server
import ipaddress
import json
import threading
import time
import urllib.parse

from ca_servers import read_body

MANDATORY = {
    "route": ("route", "origin", "mnt-by", "source"),
    "route6": ("route6", "origin", "mnt-by", "source"),
    "as-set": ("as-set", "admin-c", "tech-c", "mnt-by", "source"),
}
GENERATED = ("created", "last-modified")
STAMP = "2026-01-01T00:00:00Z"
AUTH_FAILED = 'Authorisation for [%s] %s failed\nusing "%s:"\nnot authenticated by: %s'
EXISTS = "Enforced new keyword specified, but the object already exists in the database"
IDENTICAL = "Submitted object identical to database object"
NOT_FOUND = "ERROR:101: no entries found\n\nNo entries found in source %s.\n"


def error(text, *args, severity="Error"):
    return {"severity": severity, "text": text, "args": [{"value": str(a)} for a in args]}


def primary_key(attributes):
    """The key of an object as its URI shows it: route(6) prefix + origin, else the class attribute."""
    kind, value = attributes[0]
    if kind in ("route", "route6"):
        origin = next((v for n, v in attributes if n == "origin"), "")
        return value + origin
    return value


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_DELETE = do_GET

    def _serve(self):
        server = self.server
        split = urllib.parse.urlsplit(self.path)
        body = read_body(self)
        query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        request = {
            "method": self.command,
            "path": urllib.parse.unquote(split.path),
            "query": query,
            "raw_query": split.query,
            "headers": dict(self.headers),
            "body": body,
        }
        with server.lock:
            failure = server.failures.pop(len(server.received), None)
            server.received.append(request)
        if failure and failure[0] == "drop":
            self.close_connection = True
            return
        if failure and failure[0] == "status":
            return self._answer(failure[1], failure[2] if failure[2] is not None else b"")
        if failure and failure[0] == "garbage":
            return self._answer(200, failure[1])
        if failure and failure[0] == "redirect":
            return self._answer(302, b"", {"Location": "%s/elsewhere" % server.url})
        with server.lock:
            status, data = server.route(request)
        if failure and failure[0] == "slow":
            time.sleep(failure[1])
        if status >= 400 and server.echo_query:
            data.setdefault("errormessages", {"errormessage": []})["errormessage"].append(
                error("request %s", split.query)
            )
        self._answer(status, json.dumps(data).encode())

    def _answer(self, status, payload, headers=None):
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (timeout)
            pass


class RipeDbServer(http.server.ThreadingHTTPServer):
    """The RIPE Database REST API over ``objects``: {(type, KEY): [(name, value), ...]}."""

    daemon_threads = True

    def __init__(self, source="TEST"):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.source = source
        self.lock = threading.Lock()
        self.objects = {}
        self.maintainers = {}  # name -> {"passwords": set, "api_keys": set of "key-id:secret"}
        self.received = []
        self.failures = {}  # request number -> failure
        self.echo_query = False
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)

    # -- test set-up and inspection -------------------------------------------------------------

    def add_mntner(self, name, password=None, api_key=None):
        entry = self.maintainers.setdefault(name, {"passwords": set(), "api_keys": set()})
        if password:
            entry["passwords"].add(password)
        if api_key:
            entry["api_keys"].add(api_key)

    def add(self, obj):
        """Hold an RpslObject (or a list of (name, value)) as if created earlier."""
        attributes = list(getattr(obj, "attributes", obj))
        self.objects[(attributes[0][0], primary_key(attributes).upper())] = attributes + [
            (name, STAMP) for name in GENERATED
        ]

    def held(self, kind, key):
        """The attributes held under (type, URI key), generated ones left out; None when absent."""
        found = self.objects.get((kind, key.upper()))
        return None if found is None else [(n, v) for n, v in found if n not in GENERATED]

    def fail(self, kind, value=None, body=None, after=0):
        self.failures[len(self.received) + after] = (kind, value, body)

    # -- the API -----------------------------------------------------------------------------------

    def route(self, request):
        method, parts = request["method"], request["path"].strip("/").split("/", 2)
        if method == "GET" and parts == ["search"]:
            return self.search(request["query"])
        if len(parts) < 2 or parts[0].upper() != self.source.upper():
            return 400, self.resource(errors=[error("Invalid source specified: %s", parts[0])])
        if method == "POST" and len(parts) == 2:
            return self.create(parts[1], request)
        if method in ("PUT", "DELETE") and len(parts) == 3:
            handler = self.modify if method == "PUT" else self.delete
            return handler(parts[1], parts[2], request)
        return 405, self.resource(errors=[error("Method not allowed")])

    def create(self, kind, request):
        attributes, status, data = self.submitted(kind, request["body"])
        if attributes is None:
            return status, data
        key = primary_key(attributes)
        if (kind, key.upper()) in self.objects:
            return 409, self.resource([attributes], [error(EXISTS)])
        refused = self.unauthorised(kind, key, attributes, request)
        if refused:
            return refused
        self.objects[(kind, key.upper())] = attributes + [(name, STAMP) for name in GENERATED]
        return 200, self.resource([self.objects[(kind, key.upper())]])

    def modify(self, kind, key, request):
        attributes, status, data = self.submitted(kind, request["body"])
        if attributes is None:
            return status, data
        if primary_key(attributes).upper() != key.upper():
            return 400, self.resource([attributes], [error("Primary key of the object does not match the URI")])
        stored = self.objects.get((kind, key.upper()))
        if stored is None:
            return 404, self.resource(errors=[error(NOT_FOUND, self.source)])
        refused = self.unauthorised(kind, key, stored, request)
        if refused:
            return refused
        if _plain(stored) == _plain(attributes):
            return 200, self.resource([stored], [error(IDENTICAL, severity="Info")])
        created = [(n, v) for n, v in stored if n == "created"]
        self.objects[(kind, key.upper())] = (
            attributes + created + [("last-modified", time.strftime("%Y-%m-%dT%H:%M:%SZ"))]
        )
        return 200, self.resource([self.objects[(kind, key.upper())]])

    def delete(self, kind, key, request):
        stored = self.objects.get((kind, key.upper()))
        if stored is None:
            return 404, self.resource(errors=[error(NOT_FOUND, self.source)])
        if not "".join(request["query"].get("reason", [])).strip():
            return 400, self.resource([stored], [error("Reason for deletion is mandatory")])
        refused = self.unauthorised(kind, key, stored, request)
        if refused:
            return refused
        del self.objects[(kind, key.upper())]
        return 200, self.resource([stored])

    def submitted(self, kind, body):
        """(attributes, None, None) of the one object of a whois-resources body, or (None, status, answer)."""
        try:
            (entry,) = body["objects"]["object"]
            attributes = [(a["name"].strip().lower(), a["value"].strip()) for a in entry["attributes"]["attribute"]]
        except (KeyError, TypeError, ValueError, AttributeError):
            return None, 400, self.resource(errors=[error("Invalid request body: one object in whois-resources")])
        if not attributes or attributes[0][0] != kind:
            return None, 400, self.resource(errors=[error("Object type specified in URI (%s) does not match", kind)])
        for name in MANDATORY.get(kind, (kind, "mnt-by", "source")):
            if not any(n == name for n, _v in attributes):
                return None, 400, self.resource([attributes], [error('Mandatory attribute "%s" is missing', name)])
        source = next(v for n, v in attributes if n == "source")
        if source.upper() != self.source.upper():
            return None, 400, self.resource([attributes], [error("Unrecognized source: %s", source)])
        return attributes, None, None

    def unauthorised(self, kind, key, attributes, request):
        """None when a password or API key of one of the object's mnt-by authorises the change, else 401."""
        mntners = [v.upper() for n, v in attributes if n == "mnt-by"]
        passwords = set(request["query"].get("password", []))
        api_key = _basic(request["headers"].get("Authorization", ""))
        for name in mntners:
            entry = self.maintainers.get(name, {"passwords": set(), "api_keys": set()})
            if passwords & entry["passwords"] or api_key in entry["api_keys"]:
                return None
        text = error(AUTH_FAILED, kind, key, "mnt-by", ", ".join(mntners))
        return 401, self.resource([attributes], [text])

    def search(self, query):
        term = "".join(query.get("query-string", [])).strip()
        if not term:
            return 400, self.resource(errors=[error("query-string is empty")])
        flags = set("".join(query.get("flags", [])))
        sources = [s.upper() for s in query.get("source", [])] or [self.source.upper()]
        types = set(query.get("type-filter", []))
        inverse = set(query.get("inverse-attribute", []))
        found = []
        if self.source.upper() in sources:
            for (kind, _key), attributes in sorted(self.objects.items()):
                if types and kind not in types:
                    continue
                if _matches(attributes, term, inverse, "x" in flags):
                    found.append(attributes)
            if "r" not in flags:
                found += self.contacts(found)
        if not found:
            return 404, self.resource(errors=[error(NOT_FOUND, ",".join(sources))])
        if "B" not in flags:
            found = [_filtered(a) for a in found]
        return 200, self.resource(found)

    def contacts(self, found):
        handles = {v.upper() for attributes in found for n, v in attributes if n in ("admin-c", "tech-c")}
        return [a for (kind, key), a in sorted(self.objects.items()) if kind in ("person", "role") and key in handles]

    def resource(self, objects=(), errors=()):
        data = {"objects": {"object": [self.shown(a) for a in objects]}}
        if errors:
            data["errormessages"] = {"errormessage": list(errors)}
        data["terms-and-conditions"] = {
            "type": "locator",
            "href": "http://www.ripe.net/db/support/db-terms-conditions.pdf",
        }
        return data

    def shown(self, attributes):
        kind, key = attributes[0][0], primary_key(attributes)
        keys = [attributes[0]] + (
            [a for a in attributes if a[0] == "origin"][:1] if kind in ("route", "route6") else []
        )
        return {
            "type": kind,
            "link": {"type": "locator", "href": "%s/%s/%s/%s" % (self.url, self.source.lower(), kind, key)},
            "source": {"id": self.source.lower()},
            "primary-key": {"attribute": [{"name": n, "value": v} for n, v in keys]},
            "attributes": {"attribute": [{"name": n, "value": v} for n, v in attributes]},
        }


def _plain(attributes):
    return [(n, " ".join(v.split())) for n, v in attributes if n not in GENERATED]


def _basic(header):
    if not header.startswith("Basic "):
        return None
    try:
        return base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except ValueError:
        return None


def _matches(attributes, term, inverse, exact):
    if inverse:
        return any(n in inverse and v.upper() == term.upper() for n, v in attributes)
    kind, value = attributes[0]
    if kind not in ("route", "route6"):
        return value.upper() == term.upper()
    try:
        asked, held = ipaddress.ip_network(term, strict=False), ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    if asked.version != held.version:
        return False
    return held == asked if exact else held == asked or asked.subnet_of(held)


def _filtered(attributes):
    return [
        (n, v + " # Filtered" if n == "source" else v) for n, v in attributes if n not in ("e-mail", "notify", "auth")
    ]
