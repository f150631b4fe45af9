# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Changes to the RIPE Database through its RESTful API, and the reads that planning needs.

Follows RIPE's documentation (docs.db.ripe.net): "RIPE Database RESTful API"
(Update Methods), "RESTful API Queries", "REST API Data model" (whois-resources)
and "Update Operations". Every object has the URI ``{base}/{source}/{type}/{key}``,
the key of a route(6) object being its prefix and origin written together
(``193.0.0.0/21AS3333``). The API takes one object a call: create is a POST to
``/{source}/{type}``, modify a PUT and delete a DELETE (with ``reason``) to the
object's URI; reads use ``GET /search``. Bodies and answers are whois-resources
JSON: ``objects.object[].attributes.attribute[]`` (name, value) and
``errormessages.errormessage[]`` (severity, text with ``%s`` filled from ``args``).

Authentication: a maintainer password goes, as RIPE documents, in a ``password``
query parameter, so it sits in the URL: no URL is ever put in a message, an
exception or a repr. An API key (``key-id:secret``, or the combined value RIPE
shows, already base64) goes in an HTTP Basic ``Authorization`` header, never in
the URL. Both are scrubbed (as sent and URL-encoded) from every text that leaves
this module, since an error body may echo them. Searches carry no credential.
Redirects are never followed and every call has the timeout.

Failures: ``existing`` raises SourceError naming the registry and the query
for anything but a whois-resources answer (a 404 "no entries found" is an empty
result). ``submit`` sends the changes one by one in the order given and returns
one result per change in IrrdSubmitter's format; a 4xx answer is that change's
``failed`` result and the next changes are still sent, except deletions once a
creation or modification failed (``not sent``). A registry that cannot be
reached, times out, breaks off, answers 5xx, redirects or answers anything but
whois-resources JSON stops the submission with SubmitError listing what was
applied, what may or may not have been and what was not sent.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import urllib.error
import urllib.parse
import urllib.request

from ..errors import DataError, SourceError, SubmitError
from ..http_common import MAX_ANSWER, NoRedirect, Secret
from .rpsl import RpslObject, clean_name
from .submit import base_url_of, checked_changes, key_text, not_sent, reason_text

IDENTICAL = "identical"  # RIPE's message when a PUT changes nothing: "Submitted object identical to database object"
NOTHING_FOUND = "no entries found"  # RIPE's 404 of a search without results: "ERROR:101: no entries found"
_RESULTS = {"create": "created", "modify": "modified", "delete": "deleted"}
_METHODS = {"create": "POST", "modify": "PUT", "delete": "DELETE"}
_APPLIED = ("created", "modified", "deleted", "no change")


class _Failure:
    """Why a call got no usable answer; ``arrived`` False when the request certainly never reached RIPE."""

    def __init__(self, text, arrived=True):
        self.text = text
        self.arrived = arrived


class RipeDatabase:
    """One source of the RIPE Database (or a server with its REST API): ``existing`` reads, ``submit`` writes."""

    def __init__(
        self,
        base_url="https://rest.db.ripe.net",
        source="RIPE",
        password=None,
        api_key=None,
        timeout=30,
        delete_reason="routesec: not wanted",
    ):
        base, problem = _checked_base(base_url)
        if problem:
            raise DataError(problem, "RIPE Database", "base_url")
        self.source = clean_name(source, "RIPE Database %s" % base, "source")
        self.base_url = base
        self.registry = "%s/%s" % (base, self.source)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise DataError("%r is not a positive number of seconds" % (timeout,), self.registry, "timeout")
        self._password = Secret(str(password), "RIPE Database %s" % self.registry) if password else None
        self._api_key = Secret(str(api_key), "RIPE Database %s" % self.registry) if api_key else None
        self.timeout = timeout
        self.delete_reason = str(delete_reason)
        self._opener = urllib.request.build_opener(NoRedirect)

    def __repr__(self):
        auth = "+".join(name for name, s in (("password", self._password), ("api_key", self._api_key)) if s)
        return "RipeDatabase(%r, auth=%s, timeout=%r)" % (self.registry, auth, self.timeout)

    # -- texts that leave this class -------------------------------------------------------------

    def _scrub(self, text):
        text = str(text)
        for secret in (self._password, self._api_key):
            if secret is None:
                continue
            value = secret.reveal()
            forms = {value, urllib.parse.quote_plus(value), urllib.parse.quote(value, safe=""), _basic(value)}
            for form in sorted(forms, key=len, reverse=True):
                text = text.replace(form, "<redacted>")
        return text

    def _messages(self, data):
        return [self._scrub(m) for m in _error_messages(data)]

    # -- HTTP ------------------------------------------------------------------------------------

    def _http(self, method, path, query=(), body=None, auth=False):
        """(status, raw answer, None) or (None, None, _Failure); nothing is raised inside an ``except``,
        so that no exception chain carries the URL (and the password in it)."""
        params = list(query)
        headers = {"Accept": "application/json"}
        if auth and self._password:
            params.append(("password", self._password.reveal()))
        if auth and self._api_key:
            headers["Authorization"] = "Basic " + _basic(self._api_key.reveal())
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        url = self.base_url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                return answer.status, answer.read(MAX_ANSWER + 1), None
        except urllib.error.HTTPError as error:
            return _error_answer(error)
        except urllib.error.URLError as error:
            return None, None, self._unreachable(error.reason)
        except TimeoutError:
            return None, None, _Failure("did not answer within %s s" % self.timeout)
        except (OSError, http.client.HTTPException) as error:
            return None, None, _Failure("broke off the connection (%s)" % reason_text(error))

    def _unreachable(self, reason):
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return _Failure("did not answer within %s s" % self.timeout)
        refused = isinstance(reason, (ConnectionRefusedError, socket.gaierror))
        return _Failure("could not be reached (%s)" % reason_text(reason), arrived=not refused)

    # -- reading -----------------------------------------------------------------------------------

    def existing(self, mntners, prefixes, set_names=()):
        """RpslObjects of every route/route6/as-set maintained by one of ``mntners``, every route/route6
        object of exactly each of ``prefixes`` and the as-sets named ``set_names``, whoever holds them;
        one per key. Searches need no credential."""
        found = {}
        for name in set_names or ():
            for obj in self._search(str(name), _types("as-set") + [("flags", "r"), ("flags", "B")]):
                found.setdefault(obj.key, obj)
        for mntner in mntners or ():
            query = [("inverse-attribute", "mnt-by")] + _types("route", "route6", "as-set")
            for obj in self._search(str(mntner), query + [("flags", "r"), ("flags", "B")]):
                found.setdefault(obj.key, obj)
        for prefix in prefixes or ():
            query = _types("route", "route6") + [("flags", "r"), ("flags", "x"), ("flags", "B")]
            for obj in self._search(str(prefix), query):
                found.setdefault(obj.key, obj)
        return list(found.values())

    def _search(self, term, query):
        where = "RIPE Database %s (search %s)" % (self.registry, " ".join([term] + ["%s=%s" % p for p in query]))
        params = [("query-string", term)] + query + [("source", self.source)]
        status, raw, failure = self._http("GET", "/search", params)
        problem, data = None, None
        if failure is not None:
            problem = failure.text
        else:
            data = _json(raw)
            if status == 404 and any(NOTHING_FOUND in m.lower() for m in _error_messages(data)):
                return []
            if status != 200:
                problem = "answered HTTP %d%s" % (status, _detail(self._messages(data) or [_head(raw)]))
        if problem is None:
            objects, problem = _objects(data)
            if problem is None:
                return objects
        raise SourceError(self._scrub(problem), self._scrub(where))

    # -- writing -----------------------------------------------------------------------------------

    def submit(self, changes):
        """Apply ``changes`` (a list of (action, RpslObject)), one call each; results in the order given."""
        checked = checked_changes(changes)
        if checked and not (self._password or self._api_key):
            raise DataError("needs a password or an API key to submit", "RIPE Database %s" % self.registry)
        results = []
        for index, (action, obj) in enumerate(checked):
            refused = any(r["result"] == "failed" and r["action"] != "delete" for r in results)
            if action == "delete" and refused:  # never delete what a refused change was meant to replace
                results.append(not_sent(obj, action))
                continue
            later = [o.key for _a, o in checked[index + 1 :]]
            results.append(self._change(action, obj, results, later))
        return results

    def _call_of(self, action, obj):
        """(path, query, body) of the one call that applies ``action`` to ``obj``."""
        path = "/%s/%s" % (self.source, urllib.parse.quote(obj.object_class, safe=""))
        if action == "create":
            return path, [], _resource(obj, self.source)
        path += "/" + urllib.parse.quote(_url_key(obj), safe="/:")
        if action == "delete":
            return path, [("reason", self.delete_reason)], None
        return path, [], _resource(obj, self.source)

    def _change(self, action, obj, done, later):
        method = _METHODS[action]
        path, query, body = self._call_of(action, obj)
        status, raw, failure = self._http(method, path, query, body, auth=True)
        if failure is not None:
            self._stop(method, obj, failure.text, failure.arrived, done, later)
        if 400 <= status < 500:
            data = _json(raw)
            messages = self._messages(data) or ["answered HTTP %d%s" % (status, _detail([_head(raw)]))]
            return {"key": obj.key, "action": action, "result": "failed", "messages": messages}
        data = _json(raw)
        if not 200 <= status < 300:
            what = "answered HTTP %d%s" % (status, _detail(self._messages(data) or [_head(raw)]))
            self._stop(method, obj, what, True, done, later)
        problem = _objects(data)[1] if data is not None else "not JSON: %r" % (raw[:80],)
        if problem:
            self._stop(method, obj, "answered something that is not whois-resources (%s)" % problem, True, done, later)
        return self._result(action, obj, data)

    def _result(self, action, obj, data):
        messages = self._messages(data)
        result = _RESULTS[action]
        if action == "modify" and any(IDENTICAL in m.lower() for m in messages):
            result = "no change"
        return {"key": obj.key, "action": action, "result": result, "messages": messages}

    def _stop(self, method, obj, what, arrived, done, later):
        """Raise SubmitError: ``obj``'s call got no report; ``done`` are the results so far."""
        state = "may or may not have been applied" if arrived else "was not applied"
        message = "%s %s: the change of this call (%s) %s" % (method, what, key_text(obj.key), state)
        if later:
            message += "; not sent: %s" % "; ".join(key_text(k) for k in later)
        applied = [r for r in done if r["result"] in _APPLIED]
        others = [r for r in done if r["result"] not in _APPLIED]
        for label, group in (("already applied by an earlier call", applied), ("not applied", others)):
            if group:
                message += "; %s: %s" % (label, "; ".join("%s (%s)" % (key_text(r["key"]), r["result"]) for r in group))
        raise SubmitError(
            self._scrub(message),
            "IRR registry %s" % self.registry,
            applied=done,
            unknown=[obj.key] if arrived else [],
            not_applied=later + ([] if arrived else [obj.key]),
        )


def _checked_base(url):
    """(base URL, None) or (None, why not); no exception escapes with the URL's user info in its chain."""
    try:
        return base_url_of(url), None
    except DataError as error:
        return None, error.reason


def _basic(api_key):
    """The base64 part of the Basic header: ``key-id:secret`` encoded, or RIPE's combined value as it is."""
    if ":" in api_key:
        return base64.b64encode(api_key.encode("utf-8")).decode("ascii")
    return api_key


def _error_answer(error):
    try:
        raw = error.read(MAX_ANSWER + 1)
    except (OSError, http.client.HTTPException):
        raw = b""
    finally:
        error.close()
    if 300 <= error.code < 400:
        return None, None, _Failure("answered HTTP %d (a redirect, which is not followed)" % error.code)
    return error.code, raw, None


def _types(*names):
    return [("type-filter", name) for name in names]


def _url_key(obj):
    """The primary key in the object's URI: route(6) prefix and origin together, else the class value."""
    return "".join(str(part) for part in obj.key[1:])


def _resource(obj, source):
    """The whois-resources request body holding ``obj``."""
    attributes = [{"name": name, "value": value} for name, value in obj.attributes]
    return {
        "objects": {
            "object": [{"type": obj.object_class, "source": {"id": source}, "attributes": {"attribute": attributes}}]
        }
    }


def _json(raw):
    try:
        return json.loads((raw or b"").decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _head(raw):
    return " ".join((raw or b"")[:300].decode("utf-8", "replace").split())


def _detail(texts):
    texts = [t for t in texts if t]
    return (": " + " / ".join(texts)) if texts else ""


def _error_messages(data):
    """RIPE's ``errormessages.errormessage[]`` as ``Severity: text`` with the ``%s`` filled from ``args``."""
    if not isinstance(data, dict) or not isinstance(data.get("errormessages"), dict):
        return []
    entries = data["errormessages"].get("errormessage")
    return [_message_text(e) for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _message_text(entry):
    args = [str(a.get("value", "")) if isinstance(a, dict) else str(a) for a in entry.get("args") or ()]
    pieces = str(entry.get("text", "")).split("%s")
    text = pieces[0]
    for number, piece in enumerate(pieces[1:]):
        text += (args[number] if number < len(args) else "%s") + piece
    severity = str(entry.get("severity") or "").strip()
    text = " ".join(text.split())
    return "%s: %s" % (severity, text) if severity else text


def _objects(data):
    """(RpslObjects of a whois-resources answer, None) or (None, what is wrong with it)."""
    objects = data.get("objects") if isinstance(data, dict) else None
    listed = objects.get("object") if isinstance(objects, dict) else None
    if not isinstance(listed, list):
        return None, "no list objects.object" if isinstance(data, dict) else "not a JSON object"
    found = []
    for number, entry in enumerate(listed):
        attributes = entry.get("attributes") if isinstance(entry, dict) else None
        pairs = attributes.get("attribute") if isinstance(attributes, dict) else None
        if not isinstance(pairs, list) or not pairs:
            return None, "object %d has no attributes.attribute list" % (number + 1)
        if not all(
            isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("value"), str) for p in pairs
        ):
            return None, "object %d has an attribute without a name or value" % (number + 1)
        found.append(RpslObject(tuple((p["name"].strip().lower(), p["value"].strip()) for p in pairs)))
    return found, None
