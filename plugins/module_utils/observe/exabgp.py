# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ExaBGP 4.2 as the monitor's BGP speaker: sessions to route collectors or upstreams that send us their routes;
the speaker announces nothing.

Configuration (``render_config``): a ``process`` that receives ExaBGP's messages as JSON (``encoder json``) and
one ``neighbor`` block a ``Session``, whose ``api`` hands that process the session's changes and the updates
it receives, parsed (``processes [...]; neighbor-changes; receive { parsed; update; }``). A passive session
waits for the peer to connect (``passive true``; ExaBGP listens on the addresses of ``exabgp.tcp.bind``).

The process (``RELAY``) copies ExaBGP's messages to ExaBGP's own standard error, where ``ExabgpSpeaker`` reads
them line by line: a shell that runs ``cat``, so that the process's standard output (ExaBGP's command channel,
on which ExaBGP ends a process that closes it) stays open. Another reader of the messages (the monitor run as
ExaBGP's process, reading its standard input) hands each line to an ``ExabgpReader`` alike.

Messages (``ExabgpReader``): one JSON object a line, ExaBGP's JSON version 4. ``update``: each announced and
withdrawn prefix of ``ipv4 unicast`` and ``ipv6 unicast`` is a ``RouteEvent`` at the vantage point ``bgp <feed>
<peer address>``, at ExaBGP's ``time``; the path is ``as-path``, then ``as-set`` as one frozenset where there is
one (ExaBGP 4.2 keeps every AS_SET member in one set after the sequence; it has rebuilt a 2-octet session's
path from AS4_PATH already; confederation segments are left out). End-of-RIB and other families are passed
over. ``state``: ``connected``, ``up`` (peer-up) and ``down``; a session that goes down withdraws every prefix
it announced (a withdrawal event each, then a peer-down status), unless ExaBGP itself is stopping or the
session was removed from its configuration: that is the feed going away, whose routes are no longer followed
but not withdrawn (a ``disconnected`` status for the vantage point). A line that is not such a message is
reported as an ``error`` status and passed over; ExaBGP exiting is the feed's ``disconnected`` status.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from ..errors import DataError
from .feeds import FeedStatus, RouteEvent, RouteTable

EXABGP = "/usr/sbin/exabgp"  # Debian's; /usr/bin/exabgp elsewhere (see ``exabgp_program``)
PROCESS = "routesec-monitor"
RELAY = "/bin/sh -c 'cat >&2'"
FAMILIES = ("ipv4 unicast", "ipv6 unicast")
OWN_STOPS = ("stop, message (shutting down)", "stop, message (removed)")  # ExaBGP's reasons, not the peer's
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Session:
    peer_address: str
    local_address: str
    local_as: int
    peer_as: int
    router_id: str
    families: tuple = FAMILIES
    passive: bool = False  # wait for the peer to connect
    hold_time: int = 90


def render_config(sessions: Sequence[Session], process: str = RELAY) -> str:
    """ExaBGP 4.2's configuration for ``sessions`` (see the module's description); DataError naming the session
    and the field that is wrong."""
    if not sessions:
        raise DataError("no session to configure", "ExaBGP configuration")
    blocks = ["process %s {\n\trun %s;\n\tencoder json;\n}\n" % (PROCESS, process)]
    blocks += [_neighbor_block(_checked(session)) for session in sessions]
    return "\n".join(blocks)


def _checked(session: Session) -> Session:
    what = "ExaBGP session to %s" % session.peer_address
    for name in ("peer_address", "local_address", "router_id"):
        try:
            address = ipaddress.ip_address(getattr(session, name))
        except ValueError:
            raise DataError("not an IP address: %r" % getattr(session, name), what, name) from None
        if name == "router_id" and address.version != 4:
            raise DataError("a BGP identifier is an IPv4 address", what, name)
    for name in ("local_as", "peer_as"):
        if not isinstance(getattr(session, name), int) or not 1 <= getattr(session, name) <= 4294967295:
            raise DataError("not an AS number: %r" % getattr(session, name), what, name)
    if not (session.hold_time == 0 or 3 <= session.hold_time <= 65535):
        raise DataError("a hold time is 0 or 3 to 65535 seconds, not %r" % session.hold_time, what, "hold_time")
    unknown = set(session.families) - set(FAMILIES)
    if unknown or not session.families:
        raise DataError("families are some of %s, not %s" % (FAMILIES, sorted(unknown)), what, "families")
    return session


def _neighbor_block(session: Session) -> str:
    lines = [
        "neighbor %s {" % session.peer_address,
        "\trouter-id %s;" % session.router_id,
        "\tlocal-address %s;" % session.local_address,
        "\tlocal-as %d;" % session.local_as,
        "\tpeer-as %d;" % session.peer_as,
        "\thold-time %d;" % session.hold_time,
    ]
    if session.passive:
        lines.append("\tpassive true;")
    lines += ["\tfamily {"] + ["\t\t%s;" % family for family in session.families] + ["\t}"]
    lines += [
        "\tapi {",
        "\t\tprocesses [ %s ];" % PROCESS,
        "\t\tneighbor-changes;",
        "\t\treceive {",
        "\t\t\tparsed;",
        "\t\t\tupdate;",
        "\t\t}",
        "\t}",
        "}",
    ]
    return "\n".join(lines) + "\n"


def speaker_settings(sessions: Sequence[Session], log: Path) -> dict:
    """ExaBGP's settings (environment) for the speaker: in the foreground, no control pipes, its log to ``log``,
    listening on the local addresses of the passive sessions only."""
    passive = sorted({session.local_address for session in sessions if session.passive})
    return {
        "exabgp.daemon.daemonize": "false",
        "exabgp.api.cli": "false",
        "exabgp.log.destination": str(log),
        "exabgp.tcp.bind": " ".join(passive),
    }


class ExabgpReader:
    """The JSON messages of one ExaBGP speaker, a line at a time: route events and feed status (see the
    module's description). ``feed``: the name in the vantage points (``bgp <feed> <peer address>``)."""

    def __init__(
        self,
        feed: str,
        on_event: Callable[[RouteEvent], None],
        on_status: Callable[[FeedStatus], None],
        clock: Callable[[], float] = time.time,
    ):
        if not _NAME.match(feed):
            raise DataError("a feed name is letters, digits, '.', '_' and '-', not %r" % feed, "ExaBGP feed")
        self.feed = "bgp %s" % feed
        self.on_event, self.on_status, self.clock = on_event, on_status, clock
        self.table = RouteTable()

    def status(self, state: str, detail: str = "", vantage: str | None = None, when: float | None = None) -> None:
        self.on_status(FeedStatus(when or self.clock(), self.feed, state, vantage, detail))

    def line(self, text: str) -> None:
        """Act on one line of ExaBGP's output; a line that is not one of its JSON messages is reported."""
        text = text.strip()
        if not text:
            return
        try:
            self._message(_json_object(text))
        except DataError as exc:
            self.status("error", "line passed over: %s" % exc)

    def close(self, reason: str) -> None:
        """The speaker is gone: report it with the vantage points no longer followed (nothing withdrawn)."""
        lost = self.table.vantages()
        self.status("disconnected", reason + ("; not followed any more: %s" % ", ".join(lost) if lost else ""))

    def _message(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "update":
            self._update(message)
        elif kind == "state":
            self._state(message)
        elif kind == "notification" and message.get("notification") == "shutdown":
            self.status("disconnected", "ExaBGP is shutting down", when=_time(message))

    def _vantage(self, message: dict) -> str:
        peer = _field(message, "neighbor", "address", "peer")
        try:
            return "%s %s" % (self.feed, ipaddress.ip_address(peer))
        except ValueError:
            raise DataError("the peer address %r is not an IP address" % peer, "ExaBGP message") from None

    def _state(self, message: dict) -> None:
        vantage, when = self._vantage(message), _time(message)
        state = _field(message, "neighbor", "state")
        if state == "connected":
            self.status("connected", "TCP session up", vantage, when)
        elif state == "up":
            self.status("peer-up", "BGP session established", vantage, when)
        elif state == "down":
            self._down(vantage, str(message["neighbor"].get("reason", "")), when)

    def _down(self, vantage: str, reason: str, when: float) -> None:
        if reason in OWN_STOPS:
            self.table.forget(vantage)
            self.status(
                "disconnected", "ExaBGP stopped the session (%s): not followed any more" % reason, vantage, when
            )
            return
        for event in self.table.withdraw_all(vantage, when):
            self.on_event(event)
        self.status("peer-down", reason, vantage, when)

    def _update(self, message: dict) -> None:
        vantage, when = self._vantage(message), _time(message)
        update = _field(message, "neighbor", "message", "update")
        path = _path(update.get("attribute", {}))
        events = [
            RouteEvent(when, vantage, prefix, None)
            for family, entries in _mapping(update.get("withdraw", {}), "withdraw").items()
            if family in FAMILIES
            for prefix in _prefixes(entries)
        ]
        events += [
            RouteEvent(when, vantage, prefix, path)
            for family, by_next_hop in _mapping(update.get("announce", {}), "announce").items()
            if family in FAMILIES
            for entries in _mapping(by_next_hop, family).values()
            for prefix in _prefixes(entries)
        ]
        for event in events:
            self.table.record(event)
            self.on_event(event)


def _json_object(text: str) -> dict:
    try:
        message = json.loads(text)
    except ValueError:
        raise DataError("not JSON: %.120s" % text, "ExaBGP output") from None
    if not isinstance(message, dict) or not str(message.get("exabgp", "")).startswith("4."):
        raise DataError("not a message of ExaBGP's JSON version 4: %.120s" % text, "ExaBGP output")
    return message


def _field(message: dict, *keys: str):
    found = message
    for depth, key in enumerate(keys):
        if not isinstance(found, dict) or key not in found:
            raise DataError("no %s" % ".".join(keys[: depth + 1]), "ExaBGP %s message" % message.get("type"))
        found = found[key]
    return found


def _mapping(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise DataError("%s is not an object" % what, "ExaBGP update")
    return value


def _time(message: dict) -> float:
    stamp = message.get("time")
    if not isinstance(stamp, (int, float)):
        raise DataError("no time", "ExaBGP %s message" % message.get("type"))
    return float(stamp)


def _prefixes(entries) -> list:
    """The prefixes of a family's list: ``{"nlri": PREFIX, ...}`` objects, or the prefixes (compact output)."""
    if not isinstance(entries, list):
        raise DataError("a family's routes are not a list", "ExaBGP update")
    found = []
    for entry in entries:
        text = entry.get("nlri") if isinstance(entry, dict) else entry
        try:
            found.append(ipaddress.ip_network(text, strict=False))
        except (TypeError, ValueError):
            raise DataError("not a prefix: %r" % (entry,), "ExaBGP update") from None
    return found


def _path(attribute: dict) -> tuple:
    sequence, members = attribute.get("as-path", []), attribute.get("as-set", [])
    for value in (*sequence, *members):
        if not isinstance(value, int) or not 0 <= value <= 4294967295:
            raise DataError("not an AS number in the path: %r" % (value,), "ExaBGP update")
    return tuple(sequence) + ((frozenset(members),) if members else ())


def exabgp_program() -> str:
    """ExaBGP's program: Debian's, else the one on PATH; DataError when there is none."""
    for candidate in (EXABGP, shutil.which("exabgp")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise DataError("ExaBGP 4.2 is not installed (no %s, none on PATH)" % EXABGP, "ExaBGP speaker")


class ExabgpSpeaker:
    """ExaBGP run on ``sessions`` in ``folder`` (its configuration and log; ExaBGP writes its log only in a
    folder of the user it runs as), its messages read by an ``ExabgpReader`` on a thread of its own; the reader
    calls ``on_event`` and ``on_status`` on that thread. ``wrapper``: words before ExaBGP's command line (e.g.
    ``ip netns exec NAME``); ``settings``: ExaBGP settings over ``speaker_settings``'s (``exabgp.daemon.user``
    and ``exabgp.daemon.drop``, who ExaBGP runs as)."""

    def __init__(
        self,
        feed: str,
        sessions: Sequence[Session],
        on_event: Callable[[RouteEvent], None],
        on_status: Callable[[FeedStatus], None],
        folder: Path,
        wrapper: Sequence[str] = (),
        settings: Mapping[str, str] | None = None,
        program: str | None = None,
    ):
        self.reader = ExabgpReader(feed, on_event, on_status)
        self.folder = Path(folder)
        self.config = self.folder / "exabgp.conf"
        self.config.write_text(render_config(sessions))
        self.environment = dict(os.environ, **speaker_settings(sessions, self.folder / "exabgp.log"))
        self.environment.update(settings or {})
        self.argv = [*wrapper, program or exabgp_program(), str(self.config)]
        self.process = None
        self._thread = None

    def start(self) -> Self:
        with open(self.folder / "exabgp.out", "ab") as output:
            self.process = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.PIPE, env=self.environment
            )
        self._thread = threading.Thread(target=self._follow, name="exabgp-%s" % self.reader.feed, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        """End ExaBGP (by its process id) and wait for the last of its messages."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        self._thread.join(timeout=timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _follow(self) -> None:
        read_lines((raw.decode("utf-8", errors="replace") for raw in self.process.stderr), self.reader)
        self.reader.close("ExaBGP exited with status %s" % self.process.wait())


def read_lines(lines: Iterable[str], reader: ExabgpReader) -> None:
    """Hand each line to ``reader`` until the lines end (a process's standard input, a pipe)."""
    for line in lines:
        reader.line(line)
