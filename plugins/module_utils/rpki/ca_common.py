# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the RPKI CA clients share: HTTP/JSON calls with timeouts, secrets that never show, clear errors.

Every call has a timeout. An HTTP error status, a timeout, a broken
connection, an answer that is not JSON or not of the shape the CA's API
document allows becomes an error naming the CA and the call:

* ``CaError`` (a SourceError) when reading from the CA failed, or a change was
  refused before anything was applied;
* ``SubmitError`` (``errors``) when a change was sent and its outcome is
  not known, or only part of it was applied (``submit_error``). It lists, ROA by
  ROA, what was applied, what was not, and what is unknown, so that an operator
  reads the CA back before trying again.

The API key or token is held in a ``Secret`` (``http_common``): it is sent in a
request header only, never in a URL, and is scrubbed from every message.
Redirects are not followed (``http_common.NoRedirect``).

Only the Python standard library is used (``urllib``).
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from ..errors import DataError, SourceError, SubmitError
from ..http_common import MAX_ANSWER, NoRedirect, Secret
from .vrp import make_vrp

DEFAULT_TIMEOUT = 30


class CaError(SourceError):
    """The CA could not be read, or refused a change before anything was applied."""


def submit_error(message, obj=None, applied=(), not_applied=(), unknown=()):
    """The SubmitError of a CA change, listing ROA by ROA what was applied, not applied and unknown."""
    parts = []
    for label, roas in (("applied", applied), ("not applied", not_applied), ("unknown", unknown)):
        if roas:
            parts.append("%s: %s" % (label, ", ".join(roas)))
    listed = "" if not parts else " [%s]" % "; ".join(parts)
    return SubmitError(message, obj, tuple(applied), tuple(not_applied), tuple(unknown), listed)


def roa_text(roa):
    """One ROA as operators write it: ``192.0.2.0/24-24 => AS64500``."""
    return "%s-%d => AS%d" % (roa.prefix, roa.max_length, roa.asn)


@dataclass(frozen=True)
class Answer:
    status: int
    data: object  # parsed JSON, or None for an empty body


class _Unsent(Exception):
    """The request never left this machine (connection refused, bad address)."""


class _NoAnswer(Exception):
    """The request may have arrived, but no usable answer came back."""


class _Refused(Exception):
    """The CA answered with an HTTP error status."""

    def __init__(self, status, detail):
        super().__init__(status, detail)
        self.status = status
        self.detail = detail


class JsonApi:
    """JSON over HTTP(S) to one CA: ``name`` for messages, ``base_url``, auth ``header`` carrying ``secret``."""

    def __init__(self, name, base_url, header, secret, timeout=DEFAULT_TIMEOUT, header_format="%s"):
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise CaError("%r is not an http(s) URL" % (base_url,), name)
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
            raise CaError("timeout %r is not a positive number of seconds" % (timeout,), name)
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._header = header
        self._format = header_format
        if isinstance(secret, str) and not secret.strip():
            raise CaError("the API key/token is empty", name)
        self._secret = Secret(secret, name)
        self._opener = urllib.request.build_opener(NoRedirect)

    def __repr__(self):
        return "JsonApi(%r, %r, %s=%r)" % (self.name, self.base_url, self._header, self._secret)

    def where(self, method, path):
        return "%s (%s %s)" % (self.name, method, path)

    def scrub(self, text):
        return self._secret.scrub(text)

    def read(self, path):
        """GET ``path``: the parsed JSON answer; CaError for anything else."""
        where = self.where("GET", path)
        answer, failure = self._attempt("GET", path, None)
        if isinstance(failure, _Refused):
            raise CaError(self.scrub(_refusal(failure)), where)
        if failure is not None:
            raise CaError(self.scrub(str(failure)), where)
        if answer.data is None:
            raise CaError("answered with an empty body where the API document shows JSON", where)
        return answer.data

    def send(self, method, path, body, added=(), removed=(), objects="ROAs"):
        """Send one change; ``added``/``removed`` (ROA texts, or texts of the CA's ``objects``) name what it
        carries, for the error."""
        where = self.where(method, path)
        everything = tuple(added) + tuple(removed)
        answer, failure = self._attempt(method, path, body)
        if failure is None:
            return answer
        if isinstance(failure, _Unsent):
            raise CaError(self.scrub("%s; nothing was applied" % failure), where)
        if isinstance(failure, _Refused) and failure.status < 500:
            raise CaError(
                self.scrub("%s; the change was refused as a whole, nothing was applied" % _refusal(failure)), where
            )
        if isinstance(failure, _Refused):
            reason = "%s; the CA failed while handling the change, so whether it was applied is unknown" % (
                _refusal(failure)
            )
        else:
            reason = "%s; the change was sent, whether it was applied is unknown" % failure
        raise submit_error(
            self.scrub(reason + ": read the CA's %s back before trying again" % objects), where, unknown=everything
        )

    def _attempt(self, method, path, body):
        """(answer, None) or (None, the failure): errors are raised by the caller outside any ``except``,
        so that no exception chain carries an unscrubbed answer."""
        try:
            return self._call(method, path, body), None
        except (_Unsent, _NoAnswer, _Refused) as exc:
            return None, exc

    def _call(self, method, path, body):
        url = self.base_url + path
        headers = {"Accept": "application/json", self._header: self._format % self._secret.reveal()}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=payload, headers=headers, method=method)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read(MAX_ANSWER + 1)
        except urllib.error.HTTPError as exc:
            try:
                detail = exc.read(4096).decode("utf-8", "replace")
            except (OSError, http.client.HTTPException):
                detail = ""
            finally:
                exc.close()
            if 300 <= exc.code < 400:
                raise _NoAnswer("answered HTTP %d (a redirect), which is not followed" % exc.code) from None
            raise _Refused(exc.code, detail) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise _NoAnswer("no answer within %s s (timeout)" % self.timeout) from None
            if isinstance(reason, (ConnectionRefusedError, socket.gaierror)):
                raise _Unsent("cannot connect: %s" % (getattr(reason, "strerror", None) or reason)) from None
            raise _NoAnswer("connection failed: %s" % (getattr(reason, "strerror", None) or reason)) from None
        except TimeoutError:
            raise _NoAnswer("no complete answer within %s s (timeout)" % self.timeout) from None
        except (OSError, http.client.HTTPException) as exc:
            raise _NoAnswer("connection failed: %s" % (exc.__class__.__name__,)) from None
        if len(raw) > MAX_ANSWER:
            raise _NoAnswer("answered with more than %d bytes" % MAX_ANSWER)
        if not raw.strip():
            return Answer(status, None)
        try:
            return Answer(status, json.loads(raw.decode("utf-8")))
        except (UnicodeDecodeError, ValueError):
            raise _NoAnswer("answered HTTP %d with a body that is not JSON: %r" % (status, raw[:80])) from None


def _refusal(exc):
    detail = " ".join(exc.detail.split())
    if exc.status in (401, 403):
        what = "refused the API key/token (HTTP %d)" % exc.status
    else:
        what = "answered HTTP %d" % exc.status
    return what + (": %s" % detail[:300] if detail else "")


def run_steps(where, steps):
    """Apply ``steps`` in order, each ``(added, removed, call)`` with ROA texts; stop at the first failure.

    A CA whose API takes a change in one call has one step. Where several calls
    are needed, callers order them additions first, removals last (a ROA is
    published before the one it replaces is withdrawn). A failure raises
    SubmitError listing what the earlier steps applied, what the failed step
    left unknown (or not applied, if it was refused) and what was never sent.
    """
    applied = []
    for index, (added, removed, call) in enumerate(steps):
        later = [roa for a, r, _c in steps[index + 1 :] for roa in tuple(a) + tuple(r)]
        this = list(added) + list(removed)
        failure = None
        try:
            call()
        except (SubmitError, CaError) as exc:
            failure = exc
        # raised outside the except block: no exception chain behind the report
        if isinstance(failure, SubmitError):
            raise submit_error(failure.summary, failure.obj or where, applied=applied, not_applied=later, unknown=this)
        if failure is not None and not applied:
            raise failure
        if failure is not None:
            raise submit_error(failure.reason, failure.obj or where, applied=applied, not_applied=this + later)
        applied.extend(this)
    return applied


def to_vrp(api, prefix, max_length, asn, label, where):
    """A Vrp from one entry of a CA's answer; CaError naming the call and the entry otherwise."""
    problem = None
    try:
        return make_vrp(prefix, max_length, asn, label)
    except DataError as exc:
        problem = str(exc)
    raise CaError(api.scrub(problem), where)


def expect_list(data, where, key=None, objects="ROAs"):
    """``data`` (or ``data[key]``) as a list of objects (``objects`` for the error); CaError naming the call
    otherwise."""
    if key is not None:
        data = data.get(key) if isinstance(data, dict) else None
    if not isinstance(data, list):
        raise CaError("answered with %s where the API document shows a list of %s" % (_kind(data), objects), where)
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise CaError("entry %d is %s, not an object" % (index, _kind(item)), where)
    return data


def _kind(value):
    return {dict: "an object", list: "a list", str: "a string", type(None): "nothing"}.get(type(value), "a number")
