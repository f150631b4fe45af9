# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validated ROA payloads (VRPs): (prefix, max length, origin AS), and readers for the usual files.

``read_vrps`` takes the JSON that rpki-client, Routinator, FORT and StayRTR write
(``{"roas": [{"prefix": ..., "maxLength": ..., "asn": ...}]}``, ``asn`` as a
number or ``"AS64500"``) and the CSV that Routinator and the RIPE NCC write
(``ASN,IP Prefix,Max Length``). Every VRP is checked: a max length shorter than
the prefix or longer than the family allows, host bits, an AS number out of
range are errors naming the entry, never a traceback.
"""

from __future__ import annotations

import csv
import gzip
import io
import ipaddress
import json
import socket
from dataclasses import dataclass

from ..errors import DataError
from ..fastnet import network_builder
from ..intent.model import parse_asn


@dataclass(frozen=True)
class Vrp:
    """One validated ROA payload. AS 0 (RFC 7607) makes the prefix match no origin."""

    prefix: ipaddress.IPv4Network | ipaddress.IPv6Network
    max_length: int
    asn: int

    def __post_init__(self):
        check_max_length(self.prefix, self.max_length, "VRP")

    def to_dict(self):
        return {"prefix": str(self.prefix), "maxLength": self.max_length, "asn": self.asn}


def check_max_length(network, length, where):
    """DataError naming "``where`` ``network``" unless ``length`` fits the prefix."""
    low, high = network.prefixlen, network.max_prefixlen
    if not low <= length <= high:
        raise DataError(
            "max length %d is outside %d..%d" % (length, low, high), "%s %s" % (where, network), "maxLength"
        )


def make_vrp(prefix, max_length, asn, where="VRP", strict=False):
    """A Vrp from text or numbers; DataError naming ``where`` and the field for anything wrong.

    ``strict`` is for JSON documents: the prefix is exact "address/length" text (no spaces) and a max
    length a JSON integer (not ``true``, ``8.0`` or ``"8"``); else the text may be padded (CSV) and a
    max length may be a number in text."""
    network = _network(prefix, where, strict)
    if isinstance(asn, int) and not isinstance(asn, bool) and 0 <= asn < 2**32:
        number = asn  # the common case in validator JSON, checked without parsing text
    else:
        number = 0 if str(asn).strip().upper() in ("0", "AS0") else parse_asn(asn, "%s %s" % (where, network), "asn")
    if max_length is None or (max_length == "" and not strict):
        length = network.prefixlen
    elif isinstance(max_length, int) and not isinstance(max_length, bool):
        length = max_length
    elif strict:
        raise DataError("max length %r is not a JSON integer" % (max_length,), "%s %s" % (where, network), "maxLength")
    else:
        try:
            length = int(max_length)
        except (TypeError, ValueError):
            raise DataError(
                "max length %r is not a number" % (max_length,), "%s %s" % (where, network), "maxLength"
            ) from None
    check_max_length(network, length, where)
    return Vrp(network, length, number)


def _network(prefix, where, strict=False):
    """A strict network from "address/length" text: inet_pton and ``fastnet`` (validator files hold 100,000s).

    The length is decimal without leading zeros (``/024`` is refused); ``strict`` refuses surrounding
    spaces too, and anything but text."""
    if strict and not isinstance(prefix, str):
        raise DataError("%r is not a prefix in text" % (prefix,), where, "prefix")
    text = prefix if strict else str(prefix).strip()
    address, slash, length = text.partition("/")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        if strict and (text != text.strip() or " " in text):
            raise ValueError("%r holds spaces" % text)
        if not (slash and length.isdigit() and length.isascii() and (length == "0" or length[0] != "0")):
            raise ValueError("%r is not an address/length prefix" % text)
        return network_builder(6 if family == socket.AF_INET6 else 4)(socket.inet_pton(family, address), int(length))
    except (OSError, ValueError) as exc:
        reason = "%r is not a valid IP address" % address if isinstance(exc, OSError) else str(exc)
        raise DataError(reason, where, "prefix") from None


def read_text(path, what="VRP file"):
    """The text of a validator's output file ``path``, optionally gzipped; DataError naming ``what`` and it."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(
            "cannot be read: %s" % (getattr(exc, "strerror", None) or exc), "%s %s" % (what, path)
        ) from None


def json_object(text, where):
    """The JSON object in ``text``; DataError naming ``where`` when it is not one."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DataError("not JSON: %s" % exc, where) from None
    if not isinstance(data, dict):
        raise DataError("expected a JSON object", where)
    return data


def read_vrps(path):
    """The VRPs in ``path``: validator JSON or CSV, optionally gzipped."""
    text = read_text(path)
    if text.lstrip().startswith("{"):
        return vrps_from_json(text, str(path))
    return vrps_from_csv(text, str(path))


def vrps_from_json(text, where="VRP JSON"):
    roas = json_object(text, where).get("roas")
    if not isinstance(roas, list):
        raise DataError('no "roas" list', where, "roas")
    result = []
    for index, roa in enumerate(roas):
        entry = "%s roas[%d]" % (where, index)
        if not isinstance(roa, dict):
            raise DataError("expected an object, got %r" % (roa,), entry)
        result.append(make_vrp(roa.get("prefix"), roa.get("maxLength"), roa.get("asn"), entry, strict=True))
    return result


def vrps_from_csv(text, where="VRP CSV"):
    rows = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(rows, [])]
    try:
        columns = [header.index(name) for name in ("asn", "ip prefix", "max length")]
    except ValueError:
        raise DataError("expected the columns ASN, IP Prefix, Max Length; got %s" % header, where) from None
    result = []
    for number, row in enumerate(rows, start=2):
        if not row:
            continue
        asn, prefix, length = (row[c] if c < len(row) else "" for c in columns)
        result.append(make_vrp(prefix, length, asn, "%s line %d" % (where, number)))
    return result
