# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Announcements and route events in MRT files (RFC 6396), as RIPE RIS and RouteViews publish them, read with
the mrtparse library: BGP4MP updates (``updates.*``) and TABLE_DUMP_V2 RIB entries (``bview.*``, ``rib.*``), gzip
or bzip2 compressed or not. A record mrtparse cannot read (a truncated file, a type it does not know, a
malformed message, one mrtparse itself fails on) is a DataError naming the file and the record's number: a file
read in part is not read. Unless the caller reads on past faults (``on_error``, which gets each DataError): the
record is passed over and the next one read, and where the file cannot be followed any more (a record's header
malformed, the file ending inside a record, the file itself unreadable) the reading of that file ends.

``announcements(path)``: each announcement is an ``Announcement``: when, the vantage point (the collector's
peer: its AS and address), the prefixes announced (IPv4 NLRI and MP_REACH_NLRI; withdrawals are not
announcements) and the AS path as the peer sent it. A RIB entry is an announcement at the time it was learned,
its peer taken from the file's PEER_INDEX_TABLE.

``route_events(path, collector, sessions)``: the ``observe.events.RouteEvent`` of every prefix announced or
withdrawn, in the file's order: an update's withdrawals (IPv4 withdrawn routes and MP_UNREACH_NLRI) before its
announcements, and each RIB entry as an announcement at the time of the dump (a full table: routes as they were
then). The vantage point is ``"<collector> <peer address>"``, the collector being the file's name unless
named. A peer's session that leaves Established withdraws its routes: with ``sessions`` (a
``feeds.RouteTable``, kept by the caller across files) the prefixes the updates announced for that peer and did
not withdraw are withdrawn at that time. RIB entries are not recorded there (a full table per peer is too
much to hold). Messages the collector sent itself (``*_LOCAL``) are no peer's routes and are left out; so are
add-path identifiers (a prefix with two paths from one peer is one route, the last one read).

The AS path, in both: its first element the peer's AS, its last the origin; an AS_SET is a frozenset,
confederation segments are left out (RFC 5065: they never leave the confederation). A path learned over a
2-octet session carries AS_TRANS (23456) where a 4-octet AS stood; with an AS4_PATH it is rebuilt as RFC 6793
section 4.2.3 says: the leading ASes of AS_PATH that AS4_PATH lacks, then AS4_PATH (an AS4_PATH longer than
AS_PATH is ignored). An announcement without AS_PATH (none reaches a collector from an eBGP peer) has the empty
path.
"""

from __future__ import annotations

import ipaddress
import itertools
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from .events import RouteEvent
from .feeds import RouteTable, merge_as4_path

# mrtparse, a command-line tool's library too, sets SIGPIPE to its default action when imported: a process that
# then writes to a closed pipe or socket dies without an error. The handler the process had is put back.
_SIGPIPE = signal.getsignal(signal.SIGPIPE)
try:
    import mrtparse
except ImportError:  # pragma: no cover - reported when a file is read
    mrtparse = None
finally:
    if _SIGPIPE is not None and signal.getsignal(signal.SIGPIPE) != _SIGPIPE:
        signal.signal(signal.SIGPIPE, _SIGPIPE)

ESTABLISHED = "Established"


@dataclass(frozen=True)
class Announcement:
    timestamp: int
    peer_asn: int
    peer_address: str
    prefixes: tuple
    path: tuple


def announcements(path):
    """Every announcement in the MRT file ``path``, in the file's order; DataError naming the file when it
    cannot be read, or mrtparse is missing."""
    peers = ()
    for record, where in _records(path):
        peers = _peer_table(record, peers)
        yield from _announcements(record, peers, where)


def _announcements(record, peers, where):
    kind = _name(record.get("type"))
    if kind.startswith("BGP4MP"):
        message = record.get("bgp_message") or {}
        if _name(message.get("type")) != "UPDATE":
            return
        attributes = message.get("path_attributes", [])
        prefixes = _prefixes(message.get("nlri", [])) + _reached(attributes)
        if prefixes:
            peer = (int(record["peer_as"]), record["peer_ip"])
            yield Announcement(_stamp(record.get("timestamp")), *peer, prefixes, as_path(attributes))
    elif kind == "TABLE_DUMP_V2" and "rib_entries" in record:
        prefix = ("%s/%s" % (record["prefix"], record["length"]),)
        for rib in record["rib_entries"]:
            address, asn = _peer(peers, rib["peer_index"], where)
            attributes = rib.get("path_attributes", [])
            yield Announcement(_stamp(rib["originated_time"]), asn, address, prefix, as_path(attributes))


def route_events(
    path, collector: str | None = None, sessions: RouteTable | None = None, on_error=None
) -> Iterator[RouteEvent]:
    """The route events of the MRT file ``path`` (see the module's description); DataError naming the file
    (and the record) when it cannot be read, or, with ``on_error``, that DataError handed to it and the file
    read on past the record."""
    reading = _Events(collector or Path(path).name, sessions)
    for record, where in _records(path, on_error):
        try:
            yield from reading.events(record, where)
        except DataError as exc:
            _fault(exc, on_error)


class _Events:
    """Route events from one file's records: its collector's name, its peer table, the prefixes and paths
    already made (one object for every route that shares one) and the caller's record of the routes each peer
    holds."""

    def __init__(self, collector: str, sessions: RouteTable | None):
        self.collector = collector
        self.sessions = sessions
        self.peers = ()
        self.paths = {}
        self.networks = {}

    def events(self, record: dict, where: str) -> Iterator[RouteEvent]:
        kind, subtype = _name(record.get("type")), _name(record.get("subtype"))
        if kind.startswith("BGP4MP") and "LOCAL" not in subtype:
            if "STATE_CHANGE" in subtype:
                yield from self._session_change(record)
            else:
                yield from self._update(record, where)
        elif kind == "TABLE_DUMP_V2":
            self.peers = _peer_table(record, self.peers)
            if "rib_entries" in record:
                yield from self._rib(record, where)

    def _update(self, record, where):
        message = record.get("bgp_message") or {}
        if _name(message.get("type")) != "UPDATE":
            return
        at, vantage = _time(record), self._vantage(record["peer_ip"])
        attributes = message.get("path_attributes", [])
        for prefix in _prefixes(message.get("withdrawn_routes", [])) + _unreached(attributes):
            yield self._recorded(RouteEvent(at, vantage, self._network(prefix, where), None))
        announced = _prefixes(message.get("nlri", [])) + _reached(attributes)
        if announced:
            path = self._shared(as_path(attributes))
            for prefix in announced:
                yield self._recorded(RouteEvent(at, vantage, self._network(prefix, where), path))

    def _session_change(self, record):
        left = _name(record.get("old_state")) == ESTABLISHED and _name(record.get("new_state")) != ESTABLISHED
        if left and self.sessions is not None:
            yield from self.sessions.withdraw_all(self._vantage(record["peer_ip"]), _time(record))

    def _rib(self, record, where):
        at = _time(record)
        network = self._network("%s/%s" % (record["prefix"], record["length"]), where)
        for rib in record["rib_entries"]:
            address, _asn = _peer(self.peers, rib["peer_index"], where)
            path = self._shared(as_path(rib.get("path_attributes", [])))
            yield RouteEvent(at, self._vantage(address), network, path)

    def _vantage(self, address):
        return "%s %s" % (self.collector, address)

    def _shared(self, path):
        return self.paths.setdefault(path, path)

    def _network(self, text, where):
        network = self.networks.get(text)
        if network is None:
            network = self.networks[text] = _network(text, where)
        return network

    def _recorded(self, event):
        if self.sessions is not None:
            self.sessions.record(event)
        return event


def _records(path, on_error=None):
    """(mrtparse's record, where) for each record of the MRT file ``path``; DataError as the module says."""
    if mrtparse is None:
        raise DataError("the Python library mrtparse is required to read MRT files", "MRT file %s" % path)
    try:
        reader = mrtparse.Reader(str(path))
        for number in itertools.count(1):
            where = "MRT file %s, record %d" % (path, number)
            reader.err, reader.err_msg = None, ""  # mrtparse leaves a record's error on the next ones
            try:
                entry = next(reader)
            except StopIteration:
                return
            except (OSError, EOFError):
                raise
            except Exception as exc:  # noqa: BLE001 - mrtparse's own failure on a malformed record
                _fault(
                    DataError("cannot be read: mrtparse failed (%s: %s)" % (type(exc).__name__, exc), where), on_error
                )
                continue
            if entry.err:
                fault = DataError("cannot be read: %s" % entry.err_msg, where)
                _fault(fault, on_error)
                if entry.err == _HEADER_ERROR or entry.err_msg.startswith(_CUT_SHORT):
                    _fault(DataError("the rest of the file cannot be followed", where), on_error)
                    return
                continue
            yield entry.data, where
    except (OSError, EOFError) as exc:
        problem = DataError("cannot be read: %s" % (getattr(exc, "strerror", None) or exc), "MRT file %s" % path)
        _fault(problem, on_error)


_HEADER_ERROR = 1  # mrtparse's MRT_ERR_C: a record's header is malformed
_CUT_SHORT = "Invalid MRT data length"  # mrtparse: the file ends inside the record


def _fault(problem: DataError, on_error) -> None:
    """Raise ``problem``, or hand it to ``on_error`` where the caller reads on past faults."""
    if on_error is None:
        raise problem
    on_error(problem)


def _peer_table(record, peers):
    """The (address, AS) of each peer of a PEER_INDEX_TABLE record, else ``peers`` unchanged."""
    if "peer_entries" not in record:
        return peers
    return tuple((entry["peer_ip"], int(entry["peer_as"])) for entry in record["peer_entries"])


def _peer(peers, index, where):
    """(address, AS) of the RIB entry's peer ``index`` in the file's PEER_INDEX_TABLE."""
    if index >= len(peers):
        raise DataError("peer %d is not in the file's PEER_INDEX_TABLE" % index, where, "peer_index")
    return peers[index]


def _network(text, where):
    try:
        return ipaddress.ip_network(text)
    except ValueError:
        raise DataError("%r is not a prefix" % text, where, "prefix") from None


def as_path(attributes) -> tuple:
    """The AS path of an UPDATE's or RIB entry's attributes (see the module's description)."""
    segments = {_name(a["type"]): a["value"] for a in attributes if _name(a["type"]) in ("AS_PATH", "AS4_PATH")}
    four = _flatten(segments["AS4_PATH"]) if "AS4_PATH" in segments else None
    return merge_as4_path(_flatten(segments.get("AS_PATH", [])), four)


def _flatten(segments):
    path = []
    for segment in segments:
        kind, members = _name(segment["type"]), tuple(int(asn) for asn in segment["value"])
        if kind == "AS_SEQUENCE":
            path.extend(members)
        elif kind == "AS_SET":
            path.append(frozenset(members))
    return tuple(path)


def _prefixes(nlri):
    return tuple("%s/%s" % (n["prefix"], n["length"]) for n in nlri)


def _reached(attributes):
    return _multiprotocol(attributes, "MP_REACH_NLRI", "nlri")


def _unreached(attributes):
    return _multiprotocol(attributes, "MP_UNREACH_NLRI", "withdrawn_routes")


def _multiprotocol(attributes, kind, key):
    found = ()
    for attribute in attributes:
        if _name(attribute["type"]) == kind:
            found += _prefixes(attribute["value"].get(key, []))
    return found


def _time(record):
    """The record's time: seconds, with the microseconds of an extended-timestamp (``BGP4MP_ET``) record."""
    stamp = _stamp(record.get("timestamp"))
    micro = record.get("microsecond_timestamp")
    return stamp + micro / 1e6 if micro else stamp


def _stamp(value):
    """mrtparse's ``{seconds: text}`` times: the seconds."""
    return int(next(iter(value)) if isinstance(value, dict) else value)


def _name(field):
    """mrtparse's ``{code: name}`` fields: the name."""
    if isinstance(field, dict):
        return str(next(iter(field.values()), ""))
    return str(field or "")
