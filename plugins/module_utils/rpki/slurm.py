# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local exceptions to RPKI validation: SLURM (RFC 8416) documents built from plain data and applied to VRPs.

``build_slurm`` turns prefix filters (``prefix`` and/or ``asn``, ``comment``) and
prefix assertions (``prefix``, ``asn``, ``maxPrefixLength``, ``comment``) into
a SLURM JSON document, refusing anything RFC 8416 does not allow and duplicates.
``parse_slurm`` reads a document with the JSON types the RFC gives (``asn``,
``slurmVersion`` and ``maxPrefixLength`` JSON integers, a prefix in plain
"address/length" text) and refuses a JSON object that repeats a key, which
a JSON reader would otherwise resolve silently to its last value.
``apply_slurm`` applies it to a list of VRPs as RFC 8416 section 4 says: the
filters remove every VRP they match, then the assertions are added. An
assertion that a filter of the same document matches is therefore kept, and
reported in ``Slurm.overlaps``. BGPsec filters and assertions (router keys)
are checked as RFC 8416 3.3.2 and 3.4.2 say and written back unchanged; they
do not touch VRPs, so ``apply_slurm`` leaves them to the validator.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
from dataclasses import dataclass

from ..errors import DataError
from ..intent.model import parse_asn
from .vrp import make_vrp

SLURM_VERSION = 1
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")  # RFC 4648 section 5, without trailing "="


@dataclass(frozen=True)
class PrefixFilter:
    """Removes the VRPs whose prefix is ``prefix`` or inside it and/or whose origin is ``asn``."""

    prefix: object = None
    asn: int | None = None
    comment: str | None = None

    def matches(self, vrp):
        if self.prefix is not None and (
            vrp.prefix.version != self.prefix.version or not vrp.prefix.subnet_of(self.prefix)
        ):
            return False
        return self.asn is None or vrp.asn == self.asn

    def to_dict(self):
        entry = {}
        if self.prefix is not None:
            entry["prefix"] = str(self.prefix)
        if self.asn is not None:
            entry["asn"] = self.asn
        if self.comment is not None:
            entry["comment"] = self.comment
        return entry


@dataclass(frozen=True)
class PrefixAssertion:
    """A VRP added by the operator; ``max_length`` None means the prefix length (RFC 8416 section 3.4.2)."""

    vrp: object
    max_length: int | None = None
    comment: str | None = None

    def to_dict(self):
        entry = {"prefix": str(self.vrp.prefix), "asn": self.vrp.asn}
        if self.max_length is not None:
            entry["maxPrefixLength"] = self.max_length
        if self.comment is not None:
            entry["comment"] = self.comment
        return entry


@dataclass(frozen=True)
class Slurm:
    filters: tuple
    assertions: tuple
    overlaps: tuple = ()  # warnings: an assertion that a filter matches (kept: filters apply first)
    bgpsec_filters: tuple = ()  # checked dicts, as the document gives them
    bgpsec_assertions: tuple = ()

    def to_dict(self):
        return {
            "slurmVersion": SLURM_VERSION,
            "validationOutputFilters": {
                "prefixFilters": [f.to_dict() for f in self.filters],
                "bgpsecFilters": [dict(f) for f in self.bgpsec_filters],
            },
            "locallyAddedAssertions": {
                "prefixAssertions": [a.to_dict() for a in self.assertions],
                "bgpsecAssertions": [dict(a) for a in self.bgpsec_assertions],
            },
        }

    def to_json(self):
        return json.dumps(self.to_dict(), indent=2) + "\n"


def strict_json(text, where):
    """JSON text as Python data, refusing what RFC 8259 leaves open or forbids: an object repeating a
    key (Python's reader keeps the last value silently) and NaN or Infinity."""

    def unique(pairs):
        seen = {}
        for key, value in pairs:
            if key in seen:
                shown = ", ".join("%s: %s" % (json.dumps(k), json.dumps(v)[:40]) for k, v in pairs)
                raise DataError("one JSON object gives %r twice: {%s}" % (key, shown), where, key)
            seen[key] = value
        return seen

    def constant(name):
        raise DataError("%s is not a JSON number" % name, where)

    try:
        return json.loads(text, object_pairs_hook=unique, parse_constant=constant)
    except ValueError as exc:
        raise DataError("not JSON: %s" % exc, where) from None


def _entries(value, where):
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise DataError("expected a list, got %r" % (value,), where)
    return list(value)


def _keys(entry, allowed, where):
    if not isinstance(entry, dict):
        raise DataError("expected an object, got %r" % (entry,), where)
    unknown = sorted(str(k) for k in entry if k not in allowed)
    if unknown:
        raise DataError("unknown key(s) %s; allowed: %s" % (", ".join(unknown), ", ".join(allowed)), where, unknown[0])


def _comment(entry, where):
    comment = entry.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise DataError("expected text, got %r" % (comment,), where, "comment")
    return comment


def _asn(value, where, strict=False):
    """An AS number 0..4294967295 (SLURM allows AS 0); booleans and fractions are refused, and in a
    document (``strict``) anything but a JSON integer (RFC 8416 3.3.1: ``"asn"`` is a number)."""
    if isinstance(value, (bool, float)):
        raise DataError("%r is not an AS number" % (value,), where, "asn")
    if strict and not isinstance(value, int):
        raise DataError("%r is not a JSON integer (RFC 8416 writes an AS number as one)" % (value,), where, "asn")
    if str(value).strip().upper() in ("0", "AS0"):
        return 0
    return parse_asn(value, where, "asn")


def _prefix_filter(entry, where, strict):
    _keys(entry, ("prefix", "asn", "comment"), where)
    if entry.get("prefix") is None and entry.get("asn") is None:
        raise DataError("a prefix filter needs a prefix, an asn or both", where, "prefix")
    prefix = None
    if entry.get("prefix") is not None:
        prefix = make_vrp(entry["prefix"], None, 0, where, strict).prefix
    asn = None if entry.get("asn") is None else _asn(entry["asn"], where, strict)
    return PrefixFilter(prefix, asn, _comment(entry, where))


def _prefix_assertion(entry, where, strict):
    _keys(entry, ("prefix", "asn", "maxPrefixLength", "comment"), where)
    for field in ("prefix", "asn"):
        if entry.get(field) is None:
            raise DataError("a prefix assertion needs a %s" % field, where, field)
    length = entry.get("maxPrefixLength")
    if isinstance(length, bool) or (length is not None and not isinstance(length, int)):
        raise DataError("max prefix length %r is not a whole number" % (length,), where, "maxPrefixLength")
    asn = _asn(entry["asn"], where, strict)
    try:
        vrp = make_vrp(entry["prefix"], length, asn, where, strict)
    except DataError as exc:
        if exc.field != "maxLength":
            raise
        raise DataError(exc.reason, exc.obj, "maxPrefixLength") from None
    return PrefixAssertion(vrp, length, _comment(entry, where))


def _base64url(entry, field, where, octets=None):
    """RFC 8416's encoding of a key or key identifier: base64url without trailing "=" (RFC 4648 section 5)."""
    value = entry.get(field)
    decoded = None
    if isinstance(value, str) and _BASE64URL.match(value) and len(value) % 4 != 1:
        try:
            decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            decoded = None
    if decoded is None:
        raise DataError("%r is not base64url text without padding (RFC 4648 section 5)" % (value,), where, field)
    if octets is not None and len(decoded) != octets:
        raise DataError("decodes to %d octets, not %d" % (len(decoded), octets), where, field)


# RFC 8416 3.3.2 and 3.4.2: the members of each kind of BGPsec entry, and those it must have
BGPSEC_MEMBERS = {
    "bgpsecFilters": (("asn", "SKI", "comment"), ()),
    "bgpsecAssertions": (("asn", "SKI", "routerPublicKey", "comment"), ("asn", "SKI", "routerPublicKey")),
}


def _bgpsec_entries(entries, kind, where):
    """BGPsec filters (``asn`` and/or ``SKI``) or assertions (``asn``, ``SKI``, ``routerPublicKey``), checked."""
    fields, required = BGPSEC_MEMBERS[kind]
    checked = []
    for index, entry in enumerate(entries):
        name = "%s %s[%d]" % (where, kind, index)
        _keys(entry, fields, name)
        for field in required:
            if field not in entry:
                raise DataError("a BGPsec assertion needs %s" % field, name, field)
        if not required and "asn" not in entry and "SKI" not in entry:
            raise DataError("a BGPsec filter needs an asn, an SKI or both", name, "asn")
        if "asn" in entry:
            _asn(entry["asn"], name, strict=True)
        if "SKI" in entry:
            _base64url(entry, "SKI", name, octets=20)
        if "routerPublicKey" in entry:
            _base64url(entry, "routerPublicKey", name)
        _comment(entry, name)
        checked.append(tuple(entry.items()))
    return tuple(checked)


def _describe(entry):
    if isinstance(entry, dict):
        return " ".join(str(entry[k]) for k in ("prefix", "asn") if entry.get(k) is not None)
    return ""


def make_slurm(filters=(), assertions=(), where="SLURM", strict=False):
    """A checked Slurm from plain lists of filter and assertion dicts; ``strict``: with the JSON types of a
    SLURM document (``parse_slurm``), else an AS number may also be written ``"AS64500"``."""
    checked_filters, seen_filters = [], {}
    for index, entry in enumerate(_entries(filters, "%s prefixFilters" % where)):
        name = ("%s prefixFilters[%d] %s" % (where, index, _describe(entry))).rstrip()
        item = _prefix_filter(entry, name, strict)
        key = (item.prefix, item.asn)
        if key in seen_filters:
            raise DataError("duplicate of prefixFilters[%d]" % seen_filters[key], name, "prefix")
        seen_filters[key] = index
        checked_filters.append(item)
    checked, seen, overlaps = [], {}, []
    for index, entry in enumerate(_entries(assertions, "%s prefixAssertions" % where)):
        name = ("%s prefixAssertions[%d] %s" % (where, index, _describe(entry))).rstrip()
        item = _prefix_assertion(entry, name, strict)
        if item.vrp in seen:
            raise DataError("duplicate of prefixAssertions[%d]" % seen[item.vrp], name, "prefix")
        seen[item.vrp] = index
        overlaps += [
            "%s: prefixFilters[%d] %s matches it too; filters apply first, so the assertion stands"
            " (RFC 8416 section 4)" % (name, number, _describe(prefix_filter.to_dict()))
            for number, prefix_filter in enumerate(checked_filters)
            if prefix_filter.matches(item.vrp)
        ]
        checked.append(item)
    return Slurm(tuple(checked_filters), tuple(checked), tuple(overlaps))


def build_slurm(filters=(), assertions=(), where="SLURM"):
    """The SLURM document (a dict ready for ``json.dumps``) for plain filter and assertion lists."""
    return make_slurm(filters, assertions, where).to_dict()


def parse_slurm(document, where="SLURM"):
    """A checked Slurm from a SLURM document: a dict, or its JSON text."""
    if isinstance(document, (str, bytes)):
        document = strict_json(document, where)
    if not isinstance(document, dict):
        raise DataError("expected a JSON object", where)
    _keys(document, ("slurmVersion", "validationOutputFilters", "locallyAddedAssertions"), where)
    version = document.get("slurmVersion")
    if isinstance(version, bool) or not isinstance(version, int) or version != SLURM_VERSION:
        raise DataError("slurmVersion %r is not 1" % (version,), where, "slurmVersion")
    sections = {}
    for section, members in (
        ("validationOutputFilters", ("prefixFilters", "bgpsecFilters")),
        ("locallyAddedAssertions", ("prefixAssertions", "bgpsecAssertions")),
    ):
        body = document.get(section)
        if not isinstance(body, dict):
            raise DataError("expected an object with %s" % " and ".join(members), where, section)
        _keys(body, members, "%s %s" % (where, section))
        for member in members:
            if not isinstance(body.get(member), list):
                raise DataError("expected a list", "%s %s" % (where, section), member)
        sections[members[0]] = body[members[0]]
        sections[members[1]] = _bgpsec_entries(body[members[1]], members[1], where)
    slurm = make_slurm(sections["prefixFilters"], sections["prefixAssertions"], where, strict=True)
    return dataclasses.replace(
        slurm, bgpsec_filters=sections["bgpsecFilters"], bgpsec_assertions=sections["bgpsecAssertions"]
    )


def read_slurm(path):
    """The checked Slurm in the file ``path``."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(
            "cannot be read: %s" % (getattr(exc, "strerror", None) or exc), "SLURM file %s" % path
        ) from None
    return parse_slurm(text, "SLURM file %s" % path)


def apply_slurm(slurm, vrps):
    """RFC 8416 section 4: the VRPs no filter matches, in their order, then the asserted VRPs not already there.

    ``slurm`` is a Slurm or a SLURM document (dict or JSON text).
    """
    if not isinstance(slurm, Slurm):
        slurm = parse_slurm(slurm)
    # each filter as (version, length, network bits, asn): a shift and a compare per VRP, not subnet_of
    tests = []
    for item in slurm.filters:
        if item.prefix is None:
            tests.append((None, 0, 0, 0, item.asn))
        else:
            shift = item.prefix.max_prefixlen - item.prefix.prefixlen
            tests.append(
                (item.prefix.version, item.prefix.prefixlen, shift, int(item.prefix.network_address) >> shift, item.asn)
            )

    def removed(vrp):
        prefix = vrp.prefix
        for version, length, shift, bits, asn in tests:
            if asn is not None and vrp.asn != asn:
                continue
            if version is None or (
                prefix.version == version
                and prefix.prefixlen >= length
                and int(prefix.network_address) >> shift == bits
            ):
                return True
        return False

    result = [vrp for vrp in vrps if not removed(vrp)] if tests else list(vrps)
    present = set(result)
    for assertion in slurm.assertions:
        if assertion.vrp not in present:
            present.add(assertion.vrp)
            result.append(assertion.vrp)
    return result
