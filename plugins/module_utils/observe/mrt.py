# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Announcements in MRT files (RFC 6396), as RIPE RIS and RouteViews publish them, read with the mrtparse
library: BGP4MP updates (``updates.*``) and TABLE_DUMP_V2 RIB entries (``bview.*``, ``rib.*``), gzip or bzip2
compressed or not.

Each announcement is an ``Announcement``: when, the vantage point (the collector's peer: its AS and address),
the prefixes announced (IPv4 NLRI and MP_REACH_NLRI; withdrawals are not announcements) and the AS path as the
peer sent it, its first element the peer's AS, its last the origin; an AS_SET is a frozenset, confederation
segments are left out (RFC 5065: they never leave the confederation). A path learned over a 2-octet session
carries AS_TRANS (23456) where a 4-octet AS stood; with an AS4_PATH it is rebuilt as RFC 6793 section 4.2.3
says: the leading ASes of AS_PATH that AS4_PATH lacks, then AS4_PATH (an AS4_PATH longer than AS_PATH is
ignored). An announcement without AS_PATH (none reaches a collector from an eBGP peer) has the empty path.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass

from ..errors import DataError

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

AS_TRANS = 23456


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
    if mrtparse is None:
        raise DataError("the Python library mrtparse is required to read MRT files", "MRT file %s" % path)
    try:
        reader = mrtparse.Reader(str(path))
        for entry in reader:
            yield from _announcements(entry.data)
    except OSError as exc:
        raise DataError("cannot be read: %s" % (exc.strerror or exc), "MRT file %s" % path) from None


def _announcements(record):
    kind = _name(record.get("type"))
    if kind.startswith("BGP4MP"):
        message = record.get("bgp_message") or {}
        if _name(message.get("type")) != "UPDATE":
            return
        attributes = message.get("path_attributes", [])
        prefixes = _prefixes(message.get("nlri", [])) + _reached(attributes)
        if prefixes:
            peer = (int(record["peer_as"]), record["peer_ip"])
            yield Announcement(_time(record), *peer, prefixes, as_path(attributes))
    elif kind == "TABLE_DUMP_V2" and "rib_entries" in record:
        prefix = ("%s/%s" % (record["prefix"], record["length"]),)
        for rib in record["rib_entries"]:
            attributes = rib.get("path_attributes", [])
            yield Announcement(int(rib["originated_time"]), 0, str(rib["peer_index"]), prefix, as_path(attributes))


def as_path(attributes) -> tuple:
    """The AS path of an UPDATE's or RIB entry's attributes (see the module's description)."""
    segments = {_name(a["type"]): a["value"] for a in attributes if _name(a["type"]) in ("AS_PATH", "AS4_PATH")}
    path = _flatten(segments.get("AS_PATH", []))
    if "AS4_PATH" in segments and AS_TRANS in _members(path):
        four = _flatten(segments["AS4_PATH"])
        if len(four) <= len(path):
            path = path[: len(path) - len(four)] + four
    return path


def _flatten(segments):
    path = []
    for segment in segments:
        kind, members = _name(segment["type"]), tuple(int(asn) for asn in segment["value"])
        if kind == "AS_SEQUENCE":
            path.extend(members)
        elif kind == "AS_SET":
            path.append(frozenset(members))
    return tuple(path)


def _members(path):
    return {asn for element in path for asn in (element if isinstance(element, frozenset) else (element,))}


def _prefixes(nlri):
    return tuple("%s/%s" % (n["prefix"], n["length"]) for n in nlri)


def _reached(attributes):
    found = ()
    for attribute in attributes:
        if _name(attribute["type"]) == "MP_REACH_NLRI":
            found += _prefixes(attribute["value"].get("nlri", []))
    return found


def _time(record):
    stamp = record.get("timestamp")
    return int(next(iter(stamp)) if isinstance(stamp, dict) else stamp)


def _name(field):
    """mrtparse's ``{code: name}`` fields: the name."""
    if isinstance(field, dict):
        return str(next(iter(field.values()), ""))
    return str(field or "")
