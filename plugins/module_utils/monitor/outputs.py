# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitor's outputs: where alert changes go (each behind its own queue, see ``notify``).

* ``jsonl``: a file, one change per line, appended (the document a generic webhook gets);
* ``syslog``: RFC 5424 messages over UDP (``host``, ``port``) or to a local datagram socket (``socket``), the
  severity the rule's (``notice`` for a cleared alert), the alert's fields as structured data;
* ``webhook``: the change POSTed as JSON to ``url``;
* ``slack``: a Slack incoming-webhook message (``text``, and ``blocks`` with the alert's fields);
* ``alertmanager``: Prometheus Alertmanager's API v2 (``POST /api/v2/alerts``): active alerts are sent again
  every ``resend_interval`` seconds with ``endsAt`` four intervals ahead (Alertmanager resolves an alert that
  is not sent again), a cleared alert with ``endsAt`` at the time it cleared.

Every URL and header value of an HTTP output is a secret (a Slack webhook URL is its token): outputs show
``scheme://host:port`` only and scrub them from every message. Redirects are not followed. A receiver's
HTTP 400, 413 or 422 rejects the change itself (it is set aside); anything else is tried again.

``build_outputs`` makes the outputs from their configuration (a list of mappings with a ``type``), refusing
unknown types and options and bad values with an error naming the field.
"""

from __future__ import annotations

import http.client
import inspect
import json
import logging
import os
import re
import socket
import time
import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import DataError
from ..http_common import NoRedirect, Secret
from .model import CLEARED
from .notify import DeliveryError, Notification, Output, rfc3339, write_atomically

LOG = logging.getLogger("routesec.monitor")

REJECTED = (400, 413, 422)  # the receiver refuses the change itself: set aside, not tried again
BUSY = (429, 503)  # too many requests, unavailable: their Retry-After is heeded
LONGEST_RETRY_AFTER = 3600.0  # seconds: a longer Retry-After is taken as this
MOST_VANTAGES = 10  # vantage points named in a message; the others are counted


# What every output says about a change


def vantage_text(alert, most: int = MOST_VANTAGES) -> str:
    named = ", ".join(alert.vantages[:most])
    more = len(alert.vantages) - most
    return named + (" and %d more" % more if more > 0 else "")


def summary(change: Notification) -> str:
    """One line: rule, event, prefix, AS, path, where and how often it was seen, why the rule holds."""
    alert = change.alert
    text = "%s %s: %s" % (alert.rule, change.event, alert.prefix)
    if alert.asn is not None:
        text += " from AS%s" % alert.asn
    if alert.path:
        text += ", path %s" % alert.path
    count = len(alert.vantages)
    text += ", seen at %d vantage point%s" % (count, "" if count == 1 else "s")
    if alert.vantages:
        text += " (%s)" % vantage_text(alert)
    if alert.count > 1:
        text += ", %d times" % alert.count
    if alert.detail:
        text += "; " + alert.detail
    return text


def change_document(output: Output, change: Notification) -> dict:
    """The change as JSON lines and generic webhooks carry it."""
    return {**change.to_dict(), "severity": output.severity(change), "summary": summary(change)}


# Checks of the configuration


def checked_text(value, where: str, name: str) -> str:
    """``value``, a non-empty string; DataError naming ``name`` else."""
    if not isinstance(value, str) or not value.strip():
        raise DataError("must be a non-empty string", where, name)
    return value


def checked_seconds(value, where: str, name: str, zero: bool = False) -> float:
    """``value``, a positive number of seconds (or 0 with ``zero``); DataError naming ``name`` else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (value == 0 and not zero):
        kind = "number of seconds" if zero else "positive number of seconds"
        raise DataError("%r is not a %s" % (value, kind), where, name)
    return float(value)


def _port(value, where: str, name: str = "port") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise DataError("%r is not a port (1-65535)" % (value,), where, name)
    return value


def _strings(value, where: str, name: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise DataError("must be a mapping of strings to strings", where, name)
    return dict(value)


# Files


class JsonLinesOutput(Output):
    kind = "jsonl"

    def __init__(self, name: str, path: str, **common):
        super().__init__(name, **common)
        self.path = Path(checked_text(path, self.where, "path"))

    @property
    def target(self) -> str:
        return str(self.path)

    def send(self, change: Notification) -> None:
        line = json.dumps(change_document(self, change), sort_keys=True) + "\n"
        try:
            with self.path.open("a", encoding="utf-8") as stream:
                stream.write(line)
        except OSError as exc:
            raise DeliveryError("cannot append to %s: %s" % (self.path, exc.strerror or exc), self.name) from None


# Syslog (RFC 5424)

FACILITIES = {"user": 1, "daemon": 3, "auth": 4, "syslog": 5, **{"local%d" % n: 16 + n for n in range(8)}}
SYSLOG_LEVELS = {"critical": 2, "error": 3, "warning": 4, "notice": 5, "info": 6}
# 32473: the private enterprise number RFC 5612 sets aside for examples; set ``sd_id`` to one of your own.
SD_ID = "routesec@32473"
BOM = b"\xef\xbb\xbf"


def _header_field(text: str, most: int) -> str:
    """An RFC 5424 header field: printable US-ASCII without spaces, ``-`` when empty."""
    kept = "".join(c for c in text if 33 <= ord(c) <= 126)[:most]
    return kept or "-"


def _sd_value(value) -> str:
    return re.sub(r'(["\\\]])', r"\\\1", str(value))


class SyslogOutput(Output):
    kind = "syslog"

    def __init__(
        self,
        name: str,
        host: str | None = None,
        port: int = 514,
        socket: str | None = None,
        facility: str = "daemon",
        app_name: str = "routesec",
        hostname: str | None = None,
        sd_id: str = SD_ID,
        max_size: int = 2048,
        **common,
    ):
        super().__init__(name, **common)
        if (host is None) == (socket is None):
            raise DataError("set either host (UDP) or socket (a local socket's path)", self.where, "host")
        self.address = (checked_text(host, self.where, "host"), _port(port, self.where)) if host is not None else None
        self.socket_path = checked_text(socket, self.where, "socket") if socket is not None else None
        if facility not in FACILITIES:
            raise DataError("%r is not one of %s" % (facility, ", ".join(FACILITIES)), self.where, "facility")
        self.facility = FACILITIES[facility]
        self.app_name = _header_field(checked_text(app_name, self.where, "app_name"), 48)
        self.hostname = _header_field(
            checked_text(hostname, self.where, "hostname") if hostname else _local_hostname(), 255
        )
        if not isinstance(sd_id, str) or not re.fullmatch(r"[!-~]{1,32}", sd_id) or re.search(r'[= \]"]', sd_id):
            raise DataError("%r is not an SD-ID (name@number)" % (sd_id,), self.where, "sd_id")
        self.sd_id = sd_id
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 480:
            raise DataError("%r is not a size in bytes of 480 or more" % (max_size,), self.where, "max_size")
        self.max_size = max_size

    @property
    def target(self) -> str:
        return self.socket_path or "udp://%s:%d" % self.address

    def message(self, change: Notification) -> bytes:
        """The RFC 5424 message: header, the alert as structured data, the summary (UTF-8, cut to fit)."""
        alert = change.alert
        priority = self.facility * 8 + SYSLOG_LEVELS[self.severity(change)]
        params = (
            ("id", change.id),
            ("rule", alert.rule),
            ("prefix", alert.prefix),
            ("asn", alert.asn),
            ("watched", alert.watched or None),
            ("count", alert.count),
            ("vantages", len(alert.vantages)),
        )
        data = " ".join('%s="%s"' % (k, _sd_value(v)) for k, v in params if v is not None)
        head = "<%d>1 %s %s %s %d %s [%s %s] " % (
            priority,
            rfc3339(change.at),
            self.hostname,
            self.app_name,
            os.getpid(),
            change.event,
            self.sd_id,
            data,
        )
        head_bytes = head.encode("utf-8") + BOM
        room = max(0, self.max_size - len(head_bytes))
        text = summary(change).encode("utf-8")[:room].decode("utf-8", "ignore")
        return head_bytes + text.encode("utf-8")

    def send(self, change: Notification) -> None:
        try:
            self._transmit(self.message(change))
        except OSError as exc:
            raise DeliveryError("cannot send to %s: %s" % (self.target, exc.strerror or exc), self.name) from None

    def _transmit(self, datagram: bytes) -> None:
        if self.socket_path:
            family, address = socket.AF_UNIX, self.socket_path
        else:
            found = socket.getaddrinfo(*self.address, type=socket.SOCK_DGRAM)
            family, address = found[0][0], found[0][4]
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.sendto(datagram, address)


# HTTP


class HttpTarget:
    """POSTs JSON to one URL. The URL and every header value are secrets: ``public`` shows scheme, host and
    port only, and ``scrub`` takes them (and the URL's path and query on their own) out of any text."""

    def __init__(self, url, where: str, headers=None, timeout=10.0):
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise DataError("is not an http(s) URL", where, "url")  # the value is not shown: it is a secret
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 - raises for a port that is not a number
        except ValueError:
            raise DataError("has a port that is not a number", where, "url") from None
        if not parts.hostname:
            raise DataError("names no host", where, "url")
        self.where = where
        self.public = "%s://%s" % (parts.scheme, parts.netloc.rpartition("@")[2])
        self.timeout = checked_seconds(timeout, where, "timeout")
        self._url = Secret(url, where)
        self._headers = {name: Secret(value, where) for name, value in _strings(headers, where, "headers").items()}
        pieces = [url, parts.path + ("?" + parts.query if parts.query else ""), parts.password or ""]
        pieces += [secret.reveal() for secret in self._headers.values()]
        self._secrets = [Secret(p, where) for p in sorted(set(pieces), key=len, reverse=True) if len(p) > 1]
        self._opener = urllib.request.build_opener(NoRedirect)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = secret.scrub(text)
        return text

    def post(self, body, output: str) -> None:
        """POST ``body`` as JSON; DeliveryError (scrubbed) unless the answer is 2xx."""
        headers = {"Content-Type": "application/json", "User-Agent": "routesec-monitor"}
        headers.update({name: secret.reveal() for name, secret in self._headers.items()})
        data = json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self._url.reveal(), data=data, headers=headers, method="POST")
        problem, rejected, wait = self._attempt(request)
        if problem:
            raise DeliveryError(self.scrub(problem), output, rejected, wait)

    def _attempt(self, request) -> tuple[str, bool, float | None]:
        """("", False, None) when delivered, else (what went wrong, whether the change itself was refused, the
        seconds the receiver asked to wait before the next try, if it did)."""
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                answer.read(65536)
            return "", False, None
        except urllib.error.HTTPError as exc:
            wait = retry_after(exc.headers.get("Retry-After")) if exc.code in BUSY else None
            problem = _refusal(exc) + ("; retry after %g s" % wait if wait is not None else "")
            return problem, exc.code in REJECTED, wait
        except urllib.error.URLError as exc:
            return "cannot connect to %s: %s" % (self.public, _reason(exc.reason)), False, None
        except (OSError, http.client.HTTPException) as exc:
            return "no complete answer from %s: %s" % (self.public, _reason(exc)), False, None


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """The seconds a Retry-After header asks for (RFC 9110 10.2.3: delay-seconds or an HTTP-date), at most
    LONGEST_RETRY_AFTER; None when there is none or it is neither."""
    if not value:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return min(float(text), LONGEST_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), LONGEST_RETRY_AFTER)


def _reason(error) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time (timeout)"
    return str(getattr(error, "strerror", None) or error or type(error).__name__)


def _refusal(exc: urllib.error.HTTPError) -> str:
    try:
        detail = " ".join(exc.read(300).decode("utf-8", "replace").split())
    except (OSError, http.client.HTTPException):
        detail = ""
    finally:
        exc.close()
    if 300 <= exc.code < 400:
        return "answered HTTP %d (a redirect, not followed)" % exc.code
    return "answered HTTP %d%s" % (exc.code, ": " + detail[:200] if detail else "")


class HttpOutput(Output):
    """An output that POSTs ``body(change)`` to ``url``, at most one every ``min_interval`` seconds (default:
    the type's own)."""

    def __init__(
        self,
        name: str,
        url: str,
        headers: dict | None = None,
        timeout: float = 10.0,
        min_interval: float | None = None,
        **common,
    ):
        super().__init__(name, **common)
        self.http = HttpTarget(url, self.where, headers, timeout)
        if min_interval is not None:
            self.min_interval = checked_seconds(min_interval, self.where, "min_interval", zero=True)

    @property
    def target(self) -> str:
        return self.http.public

    def scrub(self, text: str) -> str:
        return self.http.scrub(text)

    def body(self, change: Notification):
        raise NotImplementedError

    def send(self, change: Notification) -> None:
        self.http.post(self.body(change), self.name)

    def __repr__(self) -> str:
        return "%s(%r, %r)" % (type(self).__name__, self.name, self.target)


class WebhookOutput(HttpOutput):
    kind = "webhook"

    def body(self, change: Notification) -> dict:
        return change_document(self, change)


# Slack


def slack_escape(text: str) -> str:
    """Slack's three control characters escaped (so that ``<!channel>`` in a path is text, not a mention)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackOutput(HttpOutput):
    """A Slack incoming webhook. Default events: raised and cleared (an update of a count is not a message). One
    message a second at most, as Slack allows a webhook (``min_interval``)."""

    kind = "slack"
    min_interval = 1.0

    def __init__(self, name: str, url: str, events=("raised", "cleared"), **options):
        super().__init__(name, url, events=events, **options)

    def body(self, change: Notification) -> dict:
        alert = change.alert
        severity = self.severity(change)
        title = "[%s] %s %s: %s" % (severity.upper(), alert.rule, change.event, alert.prefix)
        fields = (
            ("Severity", severity),
            ("Prefix", alert.prefix),
            ("AS", "AS%s" % alert.asn if alert.asn is not None else "-"),
            ("Count", str(alert.count)),
            ("First seen", rfc3339(alert.first_seen)),
            ("Last seen", rfc3339(alert.last_seen)),
            ("Vantage points", "%d: %s" % (len(alert.vantages), vantage_text(alert))),
            ("Our prefix", alert.watched),
            ("Detail", alert.detail),
        )
        blocks = [
            {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "*Path*\n" + slack_escape(alert.path or "-")[:2900]},
            },
            {"type": "section", "fields": [_slack_field(label, value) for label, value in fields if value]},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "routesec monitor, change %s" % change.id}]},
        ]
        return {"text": slack_escape(summary(change))[:3000], "blocks": blocks}


def _slack_field(label: str, value: str) -> dict:
    return {"type": "mrkdwn", "text": "*%s*\n%s" % (label, slack_escape(value)[:1900])}


# Prometheus Alertmanager (API v2)

ALERTMANAGER_PATH = "/api/v2/alerts"
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
OWN_LABELS = ("alertname", "rule", "prefix", "asn", "severity")


class AlertmanagerOutput(HttpOutput):
    """Alerts for Alertmanager: labels alertname (``bgp_<rule>``), rule, prefix, asn, severity (and ``labels``),
    annotations summary, path, vantages, count, last_seen (watched, description: the alert's ``watched`` and
    ``detail``, when set); startsAt the first time seen; ``generator_url``
    as generatorURL. The active alerts are kept (in the state directory too) to be sent again."""

    kind = "alertmanager"

    def __init__(
        self,
        name: str,
        url: str,
        generator_url: str | None = None,
        resend_interval: float = 60.0,
        labels: dict | None = None,
        **options,
    ):
        url = checked_text(url, "monitor output %s" % name, "url")
        url = url if urlsplit(url).path.rstrip("/").endswith(ALERTMANAGER_PATH) else url.rstrip("/") + ALERTMANAGER_PATH
        super().__init__(name, url, **options)
        if generator_url is not None and not str(generator_url).startswith(("http://", "https://")):
            raise DataError("%r is not an http(s) URL" % (generator_url,), self.where, "generator_url")
        self.generator_url = generator_url
        self.idle_interval = checked_seconds(resend_interval, self.where, "resend_interval")
        self.labels = _strings(labels, self.where, "labels")
        bad = sorted(k for k in self.labels if not _LABEL.match(k) or k in OWN_LABELS)
        if bad:
            raise DataError("%s: not label names of their own" % ", ".join(bad), self.where, "labels")
        self._active: dict[str, dict] = {}
        self._file: Path | None = None

    def alert(self, change: Notification) -> dict:
        alert = change.alert
        labels = {"alertname": "bgp_" + alert.rule.replace("-", "_"), "rule": alert.rule, "prefix": alert.prefix}
        if alert.asn is not None:
            labels["asn"] = str(alert.asn)
        labels["severity"] = self.rule_severity(alert.rule)  # the rule's, cleared or not: labels name the alert
        document = {
            "labels": {**self.labels, **labels},
            "annotations": {
                "summary": summary(change),
                "path": alert.path,
                "vantages": ", ".join(alert.vantages),
                "count": str(alert.count),
                "last_seen": rfc3339(alert.last_seen),
                **({"watched": alert.watched} if alert.watched else {}),
                **({"description": alert.detail} if alert.detail else {}),
            },
            "startsAt": rfc3339(alert.first_seen),
            "endsAt": rfc3339(change.at if change.event == CLEARED else self._ahead()),
        }
        if self.generator_url:
            document["generatorURL"] = self.generator_url
        return document

    def _ahead(self) -> float:
        return time.time() + 4 * self.idle_interval

    def body(self, change: Notification) -> list:
        return [self.alert(change)]

    def send(self, change: Notification) -> None:
        super().send(change)
        key = " ".join(str(part) for part in change.alert.key)
        if change.event == CLEARED:
            self._active.pop(key, None)
        else:
            self._active[key] = self.alert(change)
        self._save()

    def idle(self) -> None:
        """Send the active alerts again, ``endsAt`` moved ahead."""
        if self._active:
            ends = rfc3339(self._ahead())
            self.http.post([{**document, "endsAt": ends} for document in self._active.values()], self.name)

    def attach(self, directory: Path | None) -> None:
        if directory is None:
            return
        self._file = directory / (self.name + ".active.json")
        try:
            self._active = json.loads(self._file.read_text(encoding="utf-8")) if self._file.is_file() else {}
        except (OSError, ValueError) as exc:
            LOG.warning("%s: cannot read the active alerts in %s (%s): starting without", self.where, self._file, exc)

    def _save(self) -> None:
        if self._file is None:
            return
        try:
            write_atomically(self._file, json.dumps(self._active, sort_keys=True))
        except OSError as exc:
            LOG.warning("%s: cannot keep the active alerts in %s: %s", self.where, self._file, exc.strerror or exc)


# Configuration

TYPES = {
    "jsonl": JsonLinesOutput,
    "syslog": SyslogOutput,
    "webhook": WebhookOutput,
    "slack": SlackOutput,
    "alertmanager": AlertmanagerOutput,
}
COMMON_OPTIONS = {"name", "events", "rules", "severities"}


def _options_of(kind: type) -> tuple[set, set]:
    """The options a type takes and the ones it requires (its constructors' keyword parameters)."""
    taken, required = set(COMMON_OPTIONS), None
    for klass in kind.__mro__[: kind.__mro__.index(Output)]:
        if "__init__" not in vars(klass):
            continue
        parameters = [
            p for p in inspect.signature(klass.__init__).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD
        ]
        taken.update(p.name for p in parameters)
        if required is None:  # the constructor that is called
            required = {p.name for p in parameters if p.default is p.empty}
    return taken - {"self"}, (required or set()) - {"self", "name"}


def build_output(config: dict) -> Output:
    """One output from its configuration: ``type`` (jsonl, syslog, webhook, slack, alertmanager), ``name``
    (default: the type) and the type's options."""
    if not isinstance(config, dict):
        raise DataError("must be a mapping with a type", "monitor outputs", "outputs")
    kind = config.get("type")
    if kind not in TYPES:
        raise DataError("%r is not one of %s" % (kind, ", ".join(TYPES)), "monitor output", "type")
    options = {k: v for k, v in config.items() if k != "type"}
    options.setdefault("name", kind)
    where = "monitor output %s" % options["name"]
    taken, required = _options_of(TYPES[kind])
    unknown, missing = sorted(set(options) - taken), sorted(required - set(options))
    if unknown:
        raise DataError("is not an option of a %s output (%s)" % (kind, ", ".join(sorted(taken))), where, unknown[0])
    if missing:
        raise DataError("is required for a %s output" % kind, where, missing[0])
    return TYPES[kind](**options)


def build_outputs(configs: list) -> list[Output]:
    if not isinstance(configs, list):
        raise DataError("must be a list of outputs", "monitor", "outputs")
    return [build_output(config) for config in configs]


def _local_hostname() -> str:
    return socket.gethostname()
