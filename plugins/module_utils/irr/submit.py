# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Changes to an IRRd registry through its HTTP submission API (``/v1/submit/``).

Creations and modifications go in one POST, deletions in one DELETE sent only when
every change of the POST succeeded (otherwise each deletion's result is ``not sent``:
an object is never deleted when the one meant to replace it was refused). IRRd answers ``{"summary": {...}, "objects": [...]}`` with one entry per
submitted object, in the order sent, each with ``successful``, ``type``
(create/modify/delete), ``rpsl_pk``, ``error_messages`` and ``info_messages``; each
change gets a result from its entry. A registry that cannot be reached, times out or
answers anything else raises ``SubmitError`` saying which changes were applied, which
may or may not have been, and which were not sent. The password and API key never
appear in a message, a repr or an exception.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request

from ..errors import DataError, SubmitError
from .rpsl import RpslObject

ACTIONS = ("create", "modify", "delete")
IDENTICAL = "identical to current object"  # IRRd's info message when a modification changes nothing
_RESULTS = {"create": "created", "modify": "modified", "delete": "deleted"}


def key_text(key):
    return " ".join(str(part) for part in key)


def base_url_of(url):
    """``url`` as scheme://host[:port]/path without user info, query or a trailing slash; DataError if
    it is not an http(s) URL."""
    parsed = urllib.parse.urlsplit(str(url))
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise DataError("%r is not an http(s) URL" % (parsed._replace(netloc=parsed.hostname or "").geturl(),))
    host = "[%s]" % parsed.hostname if ":" in parsed.hostname else parsed.hostname
    netloc = host if parsed.port is None else "%s:%d" % (host, parsed.port)
    return urllib.parse.urlunsplit((parsed.scheme, netloc, parsed.path.rstrip("/"), "", ""))


def not_sent(obj, action):
    """The result of a change held back because an earlier change of the same submission failed."""
    return {
        "key": obj.key,
        "action": action,
        "result": "not sent",
        "messages": ["not sent: an earlier change of this submission failed, so nothing is deleted"],
    }


class IrrdSubmitter:
    """Submits RpslObjects to one IRRd; ``submit([(action, obj), ...])`` returns one result per change."""

    def __init__(self, base_url, password=None, api_key=None, timeout=30, delete_reason="routesec: not wanted"):
        base = base_url_of(base_url)
        self.url = base + ("/" if base.endswith("/v1/submit") else "/v1/submit/")
        self.registry = self.url
        self._secrets = [s for s in (password, api_key) if s]
        if not self._secrets:
            raise DataError("needs a password or an API key", "IRR registry %s" % self.registry)
        self._auth = {}
        if password:
            self._auth["passwords"] = [str(password)]
        if api_key:
            self._auth["api_keys"] = [str(api_key)]
        self.timeout = timeout
        self.delete_reason = delete_reason

    def __repr__(self):
        return "IrrdSubmitter(%r, auth=%s, timeout=%r)" % (
            self.registry,
            "+".join(name for name in ("passwords", "api_keys") if name in self._auth),
            self.timeout,
        )

    def _scrub(self, text):
        text = str(text)
        for secret in self._secrets:
            text = text.replace(str(secret), "********")
        return text

    def submit(self, changes):
        """Apply ``changes`` (a list of (action, RpslObject)); results in the order given."""
        checked = checked_changes(changes)
        upserts = [(i, a, o) for i, (a, o) in enumerate(checked) if a != "delete"]
        deletes = [(i, a, o) for i, (a, o) in enumerate(checked) if a == "delete"]
        results = [None] * len(checked)
        calls = [("POST", upserts), ("DELETE", deletes)]
        for number, (method, batch) in enumerate(calls):
            if not batch:
                continue
            if any(r is not None and r["result"] == "failed" for r in results):
                for index, action, obj in batch:  # never delete what a failed change was meant to replace
                    results[index] = not_sent(obj, action)
                continue
            later = [o.key for _m, b in calls[number + 1 :] for _i, _a, o in b]
            done = [r for r in results if r is not None]
            for (index, action, obj), result in zip(batch, self._call(method, batch, done, later)):
                results[index] = result
        return results

    def _call(self, method, batch, done, later):
        body = {"objects": [{"object_text": obj.text()} for _i, _a, obj in batch]}
        body.update(self._auth)
        if method == "DELETE":
            body["delete_reason"] = self.delete_reason
        request = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method=method,
        )
        keys = [obj.key for _i, _a, obj in batch]

        def fail(what, applied):
            state = "were not applied" if applied is False else "may or may not have been applied"
            message = "%s %s: the changes of this call (%s) %s" % (
                method,
                what,
                "; ".join(key_text(k) for k in keys),
                state,
            )
            if later:
                message += "; not sent: %s" % "; ".join(key_text(k) for k in later)
            if done:
                message += "; already applied by an earlier call: %s" % "; ".join(
                    "%s (%s)" % (key_text(r["key"]), r["result"]) for r in done
                )
            raise SubmitError(
                self._scrub(message),
                "IRR registry %s" % self.registry,
                applied=done,
                unknown=[] if applied is False else keys,
                not_applied=later + (keys if applied is False else []),
            ) from None

        try:
            with urllib.request.build_opener().open(request, timeout=self.timeout) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as error:
            text = error.read(2000).decode("utf-8", "replace").strip()
            fail(
                "answered HTTP %d%s" % (error.code, (": " + text[:300]) if text else ""),
                False if 400 <= error.code < 500 else None,
            )
        except urllib.error.URLError as error:
            reason = error.reason
            refused = isinstance(reason, (ConnectionRefusedError, socket.gaierror))
            fail("could not be reached (%s)" % reason_text(reason), False if refused else None)
        except TimeoutError as error:
            fail("did not answer within %s s (%s)" % (self.timeout, reason_text(error)), None)
        except OSError as error:
            fail("broke off the connection (%s)" % reason_text(error), None)
        try:
            report = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            fail("answered something that is not JSON: %r" % raw[:200], None)
        problem = _report_problem(report, len(batch))
        if problem:
            fail("answered something that is not an IRRd submission report (%s)" % problem, None)
        return [self._result(action, obj, entry) for (_i, action, obj), entry in zip(batch, report["objects"])]

    def _result(self, action, obj, entry):
        errors = [self._scrub(m) for m in entry["error_messages"]]
        infos = [self._scrub(m) for m in entry["info_messages"]]
        if not entry["successful"]:
            result = "failed"
        elif entry["type"] == "modify" and any(IDENTICAL in m for m in infos):
            result = "no change"
        else:
            result = _RESULTS[entry["type"]]
        if entry["successful"] and entry["type"] != action and result != "no change":
            infos.append("asked to %s, IRRd did a %s" % (action, entry["type"]))
        return {"key": obj.key, "action": action, "result": result, "messages": errors + infos}


def checked_changes(changes):
    checked, seen = [], set()
    for number, change in enumerate(changes or ()):
        where = "change %d" % (number + 1)
        if not isinstance(change, (tuple, list)) or len(change) != 2:
            raise DataError("is not an (action, RPSL object) pair", where)
        action, obj = change
        if action not in ACTIONS:
            raise DataError("%r is not one of %s" % (action, ", ".join(ACTIONS)), where, "action")
        if not isinstance(obj, RpslObject):
            raise DataError("is not an RPSL object", where, "object")
        if obj.key in seen:
            raise DataError("%s is changed twice in one submission" % key_text(obj.key), where, "object")
        seen.add(obj.key)
        checked.append((action, obj))
    return checked


def _report_problem(report, count):
    if not isinstance(report, dict) or not isinstance(report.get("summary"), dict):
        return "no summary"
    objects = report.get("objects")
    if not isinstance(objects, list):
        return "no list of objects"
    if len(objects) != count:
        return "%d results for %d objects" % (len(objects), count)
    for entry in objects:
        if not isinstance(entry, dict) or not isinstance(entry.get("successful"), bool):
            return "an object without 'successful'"
        if entry["successful"] and entry.get("type") not in _RESULTS:
            return "a successful object of type %r" % (entry.get("type"),)
        for name in ("error_messages", "info_messages"):
            if not isinstance(entry.get(name), list) or not all(isinstance(m, str) for m in entry[name]):
                return "an object without a list of %s" % name
    return None


def reason_text(reason):
    return getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
