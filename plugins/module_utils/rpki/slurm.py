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

ASPA filters and assertions follow draft-ietf-sidrops-aspa-slurm-04, which
makes a document "slurmVersion": 2 with a third member in each section:
``aspaFilters`` (``customerAsn``, ``comment``) and ``aspaAssertions``
(``customerAsn``, ``providerAsns``, ``comment``). A filter removes every ASPA
of its customer AS; an assertion adds its providers to its customer's set and
is no implicit filter (to replace a customer's providers, filter it and assert
them). The providers are distinct, in ascending order, and never the customer.
``make_slurm`` writes version 2 only when it holds an ASPA entry, so a document
without one stays RFC 8416's version 1. ``apply_slurm_aspas`` applies a
document to an ASPA set ({customer AS: frozenset of provider ASes}, as
``aspa.py`` reads them).
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
ASPA_SLURM_VERSION = 2  # draft-ietf-sidrops-aspa-slurm-04 section 2
ASPA_SLURM = "draft-ietf-sidrops-aspa-slurm-04"
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")  # RFC 4648 section 5, without trailing "="
# the members of each section, by slurmVersion
SECTIONS = {
    SLURM_VERSION: {
        "validationOutputFilters": ("prefixFilters", "bgpsecFilters"),
        "locallyAddedAssertions": ("prefixAssertions", "bgpsecAssertions"),
    },
    ASPA_SLURM_VERSION: {
        "validationOutputFilters": ("prefixFilters", "bgpsecFilters", "aspaFilters"),
        "locallyAddedAssertions": ("prefixAssertions", "bgpsecAssertions", "aspaAssertions"),
    },
}


def _with_comment(entry, comment):
    if comment is not None:
        entry["comment"] = comment
    return entry


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
        return _with_comment(entry, self.comment)


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
        return _with_comment(entry, self.comment)


@dataclass(frozen=True)
class AspaFilter:
    """Removes every ASPA whose customer AS is ``customer``."""

    customer: int
    comment: str | None = None

    def matches(self, customer: int) -> bool:
        return customer == self.customer

    def to_dict(self):
        return _with_comment({"customerAsn": self.customer}, self.comment)


@dataclass(frozen=True)
class AspaAssertion:
    """Provider ASes of ``customer`` added by the operator: ``providers`` distinct, ascending, without the customer.

    A provider list [0] (an AS0 ASPA) declares no provider."""

    customer: int
    providers: tuple
    comment: str | None = None

    def provider_set(self) -> frozenset:
        """The providers as ``aspa.py`` holds them: AS 0, which has no influence on verification, left out."""
        return frozenset(self.providers) - {0}

    def to_dict(self):
        return _with_comment({"customerAsn": self.customer, "providerAsns": list(self.providers)}, self.comment)


@dataclass(frozen=True)
class Slurm:
    filters: tuple
    assertions: tuple
    overlaps: tuple = ()  # warnings: an assertion that a filter matches (kept: filters apply first)
    bgpsec_filters: tuple = ()  # checked dicts, as the document gives them
    bgpsec_assertions: tuple = ()
    aspa_filters: tuple = ()
    aspa_assertions: tuple = ()
    version: int = SLURM_VERSION  # ASPA_SLURM_VERSION whenever it holds an ASPA entry

    def to_dict(self):
        filters = {
            "prefixFilters": [f.to_dict() for f in self.filters],
            "bgpsecFilters": [dict(f) for f in self.bgpsec_filters],
        }
        assertions = {
            "prefixAssertions": [a.to_dict() for a in self.assertions],
            "bgpsecAssertions": [dict(a) for a in self.bgpsec_assertions],
        }
        if self.version == ASPA_SLURM_VERSION:
            filters["aspaFilters"] = [f.to_dict() for f in self.aspa_filters]
            assertions["aspaAssertions"] = [a.to_dict() for a in self.aspa_assertions]
        return {"slurmVersion": self.version, "validationOutputFilters": filters, "locallyAddedAssertions": assertions}

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


def _asn(value, where, strict=False, field="asn"):
    """An AS number 0..4294967295 (SLURM allows AS 0); booleans and fractions are refused, and in a
    document (``strict``) anything but a JSON integer (RFC 8416 3.3.1: ``"asn"`` is a number)."""
    if isinstance(value, (bool, float)):
        raise DataError("%r is not an AS number" % (value,), where, field)
    if strict and not isinstance(value, int):
        raise DataError("%r is not a JSON integer (RFC 8416 writes an AS number as one)" % (value,), where, field)
    if str(value).strip().upper() in ("0", "AS0"):
        return 0
    return parse_asn(value, where, field)


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


def _customer(entry, where, strict):
    """The ``customerAsn`` of an ASPA filter or assertion: an AS number 1..4294967295 (AS 0 issues no ASPA)."""
    if entry.get("customerAsn") is None:
        raise DataError("an ASPA filter or assertion needs a customerAsn", where, "customerAsn")
    customer = _asn(entry["customerAsn"], where, strict, "customerAsn")
    if customer == 0:
        raise DataError("AS0 is no ASPA's customer (RFC 7607)", where, "customerAsn")
    return customer


def _aspa_filter(entry, where, strict):
    _keys(entry, ("customerAsn", "comment"), where)
    return AspaFilter(_customer(entry, where, strict), _comment(entry, where))


def _provider_list(entry, customer, where, strict):
    """``providerAsns``: a non-empty list of distinct AS numbers without the customer, ascending in a document
    (plain data is sorted); [0] is an AS0 ASPA, a customer declaring no provider."""
    listed = entry.get("providerAsns")
    if not isinstance(listed, (list, tuple)) or not listed:
        raise DataError(
            "expected a non-empty list of AS numbers ([0]: no provider), got %r" % (listed,), where, "providerAsns"
        )
    numbers = [_asn(value, where, strict, "providerAsns") for value in listed]
    if customer in numbers:
        raise DataError("holds the customer AS%d: an AS is not its own provider" % customer, where, "providerAsns")
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise DataError("lists AS%d more than once" % repeated[0], where, "providerAsns")
    if strict and numbers != sorted(numbers):
        raise DataError("%r is not in ascending order (%s)" % (listed, ASPA_SLURM), where, "providerAsns")
    return tuple(sorted(numbers))


def _aspa_assertion(entry, where, strict):
    _keys(entry, ("customerAsn", "providerAsns", "comment"), where)
    customer = _customer(entry, where, strict)
    return AspaAssertion(customer, _provider_list(entry, customer, where, strict), _comment(entry, where))


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
        return " ".join(str(entry[k]) for k in ("prefix", "asn", "customerAsn") if entry.get(k) is not None)
    return ""


# each kind of filter or assertion: how an entry is checked, what makes two of them duplicates, and the field a
# duplicate is reported on
_KINDS = {
    "prefixFilters": (_prefix_filter, lambda item: (item.prefix, item.asn), "prefix"),
    "prefixAssertions": (_prefix_assertion, lambda item: item.vrp, "prefix"),
    "aspaFilters": (_aspa_filter, lambda item: item.customer, "customerAsn"),
    "aspaAssertions": (_aspa_assertion, lambda item: item.customer, "customerAsn"),
}


def _checked(entries, kind, where, strict):
    """[(entry's name, checked item)] of the filters or assertions ``entries`` of ``kind``; a duplicate is refused
    (for ASPA assertions: one provider list per customer, as an RTR cache sends one ASPA per customer AS)."""
    check, key_of, field = _KINDS[kind]
    checked, seen = [], {}
    for index, entry in enumerate(_entries(entries, "%s %s" % (where, kind))):
        name = ("%s %s[%d] %s" % (where, kind, index, _describe(entry))).rstrip()
        item = check(entry, name, strict)
        key = key_of(item)
        if key in seen:
            raise DataError("duplicate of %s[%d]" % (kind, seen[key]), name, field)
        seen[key] = index
        checked.append((name, item))
    return checked


def _overlaps(assertions, filters, kind, matched, rule):
    """A warning for each (assertion, filter of ``kind``) pair where the filter matches what the assertion adds."""
    return [
        "%s: %s[%d] %s matches it too; filters apply first, so the assertion stands (%s)"
        % (name, kind, number, _describe(item_filter.to_dict()), rule)
        for name, assertion in assertions
        for number, item_filter in enumerate(filters)
        if item_filter.matches(matched(assertion))
    ]


def make_slurm(
    filters=(), assertions=(), where: str = "SLURM", strict: bool = False, aspa_filters=(), aspa_assertions=()
) -> Slurm:
    """A checked Slurm from plain lists of filter and assertion dicts; ``strict``: with the JSON types of a
    SLURM document (``parse_slurm``), else an AS number may also be written ``"AS64500"`` and an ASPA
    assertion's providers in any order. With an ASPA filter or assertion, the Slurm is version 2."""
    prefix_filters = [item for _name, item in _checked(filters, "prefixFilters", where, strict)]
    prefix_assertions = _checked(assertions, "prefixAssertions", where, strict)
    customer_filters = [item for _name, item in _checked(aspa_filters, "aspaFilters", where, strict)]
    customer_assertions = _checked(aspa_assertions, "aspaAssertions", where, strict)
    overlaps = _overlaps(
        prefix_assertions, prefix_filters, "prefixFilters", lambda a: a.vrp, "RFC 8416 section 4"
    ) + _overlaps(
        customer_assertions,
        customer_filters,
        "aspaFilters",
        lambda a: a.customer,
        ASPA_SLURM + " and RFC 8416 section 4",
    )
    return Slurm(
        tuple(prefix_filters),
        tuple(item for _name, item in prefix_assertions),
        tuple(overlaps),
        aspa_filters=tuple(customer_filters),
        aspa_assertions=tuple(item for _name, item in customer_assertions),
        version=ASPA_SLURM_VERSION if customer_filters or customer_assertions else SLURM_VERSION,
    )


def build_slurm(filters=(), assertions=(), where: str = "SLURM", aspa_filters=(), aspa_assertions=()) -> dict:
    """The SLURM document (a dict ready for ``json.dumps``) for plain filter and assertion lists."""
    return make_slurm(filters, assertions, where, aspa_filters=aspa_filters, aspa_assertions=aspa_assertions).to_dict()


def _version(document, where):
    version = document.get("slurmVersion")
    if isinstance(version, bool) or not isinstance(version, int) or version not in SECTIONS:
        raise DataError(
            "slurmVersion %r is not 1 or 2 (2: with ASPA, %s)" % (version, ASPA_SLURM), where, "slurmVersion"
        )
    return version


def _sections(document, version, where):
    """{member: its list} of the document's two sections, each holding exactly the members of ``version``."""
    lists = {}
    for section, members in SECTIONS[version].items():
        body = document.get(section)
        if not isinstance(body, dict):
            raise DataError("expected an object with %s" % " and ".join(members), where, section)
        _keys(body, members, "%s %s" % (where, section))
        for member in members:
            if not isinstance(body.get(member), list):
                raise DataError(
                    "expected a list (slurmVersion %d holds %s here)" % (version, ", ".join(members)),
                    "%s %s" % (where, section),
                    member,
                )
            lists[member] = body[member]
    return lists


def parse_slurm(document, where: str = "SLURM") -> Slurm:
    """A checked Slurm from a SLURM document (version 1, or 2 with ASPA entries): a dict, or its JSON text."""
    if isinstance(document, (str, bytes)):
        document = strict_json(document, where)
    if not isinstance(document, dict):
        raise DataError("expected a JSON object", where)
    _keys(document, ("slurmVersion", "validationOutputFilters", "locallyAddedAssertions"), where)
    version = _version(document, where)
    lists = _sections(document, version, where)
    bgpsec = {kind: _bgpsec_entries(lists[kind], kind, where) for kind in ("bgpsecFilters", "bgpsecAssertions")}
    slurm = make_slurm(
        lists["prefixFilters"],
        lists["prefixAssertions"],
        where,
        strict=True,
        aspa_filters=lists.get("aspaFilters", ()),
        aspa_assertions=lists.get("aspaAssertions", ()),
    )
    return dataclasses.replace(
        slurm, bgpsec_filters=bgpsec["bgpsecFilters"], bgpsec_assertions=bgpsec["bgpsecAssertions"], version=version
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


def _as_slurm(slurm):
    return slurm if isinstance(slurm, Slurm) else parse_slurm(slurm)


def apply_slurm(slurm, vrps):
    """RFC 8416 section 4: the VRPs no filter matches, in their order, then the asserted VRPs not already there.

    ``slurm`` is a Slurm or a SLURM document (dict or JSON text).
    """
    slurm = _as_slurm(slurm)
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


def apply_slurm_aspas(slurm, aspas: dict) -> dict:
    """draft-ietf-sidrops-aspa-slurm-04 on an ASPA set ({customer AS: frozenset of provider ASes}): the customers
    an ASPA filter names lose their ASPAs, then each assertion's providers join its customer's set.

    ``slurm`` is a Slurm or a SLURM document (dict or JSON text); ``aspas`` is left as it is."""
    slurm = _as_slurm(slurm)
    filtered = {item.customer for item in slurm.aspa_filters}
    result = {customer: providers for customer, providers in aspas.items() if customer not in filtered}
    for assertion in slurm.aspa_assertions:
        result[assertion.customer] = result.get(assertion.customer, frozenset()) | assertion.provider_set()
    return result
