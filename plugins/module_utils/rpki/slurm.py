# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local exceptions to RPKI validation: SLURM (RFC 8416) documents built from plain data and applied to VRPs.

``build_slurm`` turns prefix filters (``prefix`` and/or ``asn``, ``comment``) and
prefix assertions (``prefix``, ``asn``, ``maxPrefixLength``, ``comment``) into
a SLURM JSON document, refusing anything RFC 8416 does not allow, duplicates and
an assertion that a filter of the same document would remove. ``parse_slurm``
reads such a document back with the same checks and ``apply_slurm`` applies it
to a list of VRPs as RFC 8416 section 4 says: the filters remove every VRP they
match, then the assertions are added. BGPsec filters and assertions are not
supported here: a document carrying any is refused rather than half applied.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..errors import DataError
from ..intent.model import parse_asn
from .vrp import make_vrp

SLURM_VERSION = 1


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

    def to_dict(self):
        return {
            "slurmVersion": SLURM_VERSION,
            "validationOutputFilters": {"prefixFilters": [f.to_dict() for f in self.filters], "bgpsecFilters": []},
            "locallyAddedAssertions": {
                "prefixAssertions": [a.to_dict() for a in self.assertions],
                "bgpsecAssertions": [],
            },
        }

    def to_json(self):
        return json.dumps(self.to_dict(), indent=2) + "\n"


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


def _asn(value, where):
    """An AS number 0..4294967295 (SLURM allows AS 0); booleans and fractions are refused."""
    if isinstance(value, (bool, float)):
        raise DataError("%r is not an AS number" % (value,), where, "asn")
    if str(value).strip().upper() in ("0", "AS0"):
        return 0
    return parse_asn(value, where, "asn")


def _prefix_filter(entry, where):
    _keys(entry, ("prefix", "asn", "comment"), where)
    if entry.get("prefix") is None and entry.get("asn") is None:
        raise DataError("a prefix filter needs a prefix, an asn or both", where, "prefix")
    prefix = None
    if entry.get("prefix") is not None:
        prefix = make_vrp(entry["prefix"], None, 0, where).prefix
    asn = None if entry.get("asn") is None else _asn(entry["asn"], where)
    return PrefixFilter(prefix, asn, _comment(entry, where))


def _prefix_assertion(entry, where):
    _keys(entry, ("prefix", "asn", "maxPrefixLength", "comment"), where)
    for field in ("prefix", "asn"):
        if entry.get(field) is None:
            raise DataError("a prefix assertion needs a %s" % field, where, field)
    length = entry.get("maxPrefixLength")
    if isinstance(length, bool) or (length is not None and not isinstance(length, int)):
        raise DataError("max prefix length %r is not a whole number" % (length,), where, "maxPrefixLength")
    asn = _asn(entry["asn"], where)
    try:
        vrp = make_vrp(entry["prefix"], length, asn, where)
    except DataError as exc:
        if exc.field != "maxLength":
            raise
        raise DataError(exc.reason, exc.obj, "maxPrefixLength") from None
    return PrefixAssertion(vrp, length, _comment(entry, where))


def _describe(entry):
    if isinstance(entry, dict):
        return " ".join(str(entry[k]) for k in ("prefix", "asn") if entry.get(k) is not None)
    return ""


def make_slurm(filters=(), assertions=(), where="SLURM"):
    """A checked Slurm from plain lists of filter and assertion dicts."""
    checked_filters, seen_filters = [], {}
    for index, entry in enumerate(_entries(filters, "%s prefixFilters" % where)):
        name = ("%s prefixFilters[%d] %s" % (where, index, _describe(entry))).rstrip()
        item = _prefix_filter(entry, name)
        key = (item.prefix, item.asn)
        if key in seen_filters:
            raise DataError("duplicate of prefixFilters[%d]" % seen_filters[key], name, "prefix")
        seen_filters[key] = index
        checked_filters.append(item)
    checked, seen = [], {}
    for index, entry in enumerate(_entries(assertions, "%s prefixAssertions" % where)):
        name = ("%s prefixAssertions[%d] %s" % (where, index, _describe(entry))).rstrip()
        item = _prefix_assertion(entry, name)
        if item.vrp in seen:
            raise DataError("duplicate of prefixAssertions[%d]" % seen[item.vrp], name, "prefix")
        seen[item.vrp] = index
        for number, prefix_filter in enumerate(checked_filters):
            if prefix_filter.matches(item.vrp):
                raise DataError(
                    "contradicts prefixFilters[%d] %s, which removes what this asserts"
                    % (number, _describe(prefix_filter.to_dict())),
                    name,
                    "prefix" if prefix_filter.prefix is not None else "asn",
                )
        checked.append(item)
    return Slurm(tuple(checked_filters), tuple(checked))


def build_slurm(filters=(), assertions=(), where="SLURM"):
    """The SLURM document (a dict ready for ``json.dumps``) for plain filter and assertion lists."""
    return make_slurm(filters, assertions, where).to_dict()


def parse_slurm(document, where="SLURM"):
    """A checked Slurm from a SLURM document: a dict, or its JSON text."""
    if isinstance(document, (str, bytes)):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise DataError("not JSON: %s" % exc, where) from None
    if not isinstance(document, dict):
        raise DataError("expected a JSON object", where)
    _keys(document, ("slurmVersion", "validationOutputFilters", "locallyAddedAssertions"), where)
    version = document.get("slurmVersion")
    if isinstance(version, bool) or version != SLURM_VERSION:
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
        if body[members[1]]:
            raise DataError("BGPsec entries are not supported here", "%s %s" % (where, section), members[1])
        sections[members[0]] = body[members[0]]
    return make_slurm(sections["prefixFilters"], sections["prefixAssertions"], where)


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
