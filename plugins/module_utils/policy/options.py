# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The operator's settings of the session policy, checked where they enter, with the sources of the defaults.

* Bogon AS numbers (IANA's special-purpose AS numbers registry, RFC 7607, RFC 6793, RFC 5398, RFC 6996,
  RFC 7300): a route with one anywhere in its path is rejected. ``bogon_asn_exceptions`` takes ranges back
  out (a lab numbered in documentation or private ASNs).
* Transit-free networks (the NLNOG BGP filter guide's "no transit leaks"): a customer or peer route whose
  path contains one is a leak.
* Path length: more than ``max_path_length`` ASNs is rejected (the guide's safe number is 100).
* Prefix lengths per family: longer than /24 and /48, shorter than /8 and /16 (the guide's "too specific"
  and the default route's ``0.0.0.0/0``, ``::/0``).
* Where a route was learned: the large community ``LOCAL:FUNCTION:CODE`` (RFC 8092), ``CODE`` 1 customer,
  2 peer, 3 transit, 4 route server; what a neighbour sends under ``LOCAL:FUNCTION:*`` is deleted first.
* ASPA path verification (draft-ietf-sidrops-aspa-verification-28, ``aspa``): off by default, as the
  procedure is an Internet-Draft that only some routers implement (BIRD 2.16 and later, OpenBGPD 8) and that
  needs ASPAs from an RPKI-to-router cache speaking RTR version 2. When on, an ASPA-invalid path is always
  rejected; routes from customers, peers and route servers are verified upstream, routes from transits
  downstream (the draft's Sections 5.5 and 5.6). ``aspa_unknown`` says what becomes of an ASPA-unknown
  path (one through an AS that publishes no ASPA): accepted by default, as during the incremental deployment
  the draft is written for most paths hold such an AS, so rejecting them would reject most routes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import DataError
from ..intent.model import check_number, parse_asn

# (first, last, why) of IANA's special-purpose AS numbers
BOGON_ASNS = (
    (0, 0, "reserved (RFC 7607)"),
    (23456, 23456, "AS_TRANS (RFC 6793)"),
    (64496, 64511, "documentation (RFC 5398)"),
    (64512, 65534, "private use (RFC 6996)"),
    (65535, 65535, "reserved (RFC 7300)"),
    (65536, 65551, "documentation (RFC 5398)"),
    (65552, 131071, "reserved by IANA"),
    (4200000000, 4294967294, "private use (RFC 6996)"),
    (4294967295, 4294967295, "reserved (RFC 7300)"),
)

# The NLNOG BGP filter guide's transit-free networks ("no transit leaks")
TRANSIT_FREE = (174, 701, 1299, 2914, 3257, 3320, 3356, 3491, 5511, 6453, 6461, 6762, 6830, 7018, 12956)

LEARNED_FROM = {"customer": 1, "peer": 2, "transit": 3, "route_server": 4}
CUSTOMER_EXPORT = ("full", "default")
ASPA_UNKNOWN = ("accept", "reject")
# how a route from each kind of neighbour is verified with ASPA (draft-ietf-sidrops-aspa-verification-28)
ASPA_DIRECTION = {"customer": "upstream", "peer": "upstream", "route_server": "upstream", "transit": "downstream"}
RANGE = re.compile(r"^\s*(?:AS)?(\d+)\s*(?:-\s*(?:AS)?(\d+))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class PolicyOptions:
    """Settings shared by every session of a run; ``from_params`` checks what an operator gave."""

    max_path_length: int = 100
    transit_free: tuple = TRANSIT_FREE
    bogon_asn_exceptions: tuple = ()  # (first, last) ranges taken out of BOGON_ASNS
    bogon_exceptions: tuple = ()  # prefixes taken out of the bogon prefixes (intent.bogons)
    min_length: tuple = (8, 16)  # shortest IPv4, IPv6 prefix accepted
    max_length: tuple = (24, 48)  # longest IPv4, IPv6 prefix accepted
    community_function: int = 1
    customer_export: str = "full"  # full table, or only a default route
    reject_invalid: bool = True  # RPKI origin validation
    max_prefix_restart: int = 15  # minutes before a session torn down over its max-prefix comes back (0: never)
    role_strict: bool = False  # RFC 9234 strict mode: no session with a neighbour that announces no role
    aspa: bool = False  # ASPA path verification: ASPA-invalid paths rejected
    aspa_unknown: str = "accept"  # what becomes of an ASPA-unknown path while aspa is on

    def __post_init__(self):
        where = "session policy"
        check_number(self.max_path_length, 1, 255, where, "max_path_length")
        check_number(self.community_function, 0, 2**32 - 1, where, "community_function")
        check_number(self.max_prefix_restart, 0, 65535, where, "max_prefix_restart")
        for afi, low, high in zip((4, 6), self.min_length, self.max_length):
            top = 32 if afi == 4 else 128
            check_number(low, 0, top, where, "min_length")
            check_number(high, low, top, where, "max_length")
        if self.customer_export not in CUSTOMER_EXPORT:
            raise DataError("%r is not full or default" % (self.customer_export,), where, "customer_export")
        self._check_aspa(where)

    def _check_aspa(self, where):
        if not isinstance(self.aspa, bool):
            raise DataError("%r is not true or false" % (self.aspa,), where, "aspa")
        if self.aspa_unknown not in ASPA_UNKNOWN:
            raise DataError("%r is not accept or reject" % (self.aspa_unknown,), where, "aspa_unknown")
        if self.aspa_unknown == "reject" and not self.aspa:
            raise DataError("rejecting ASPA-unknown paths needs aspa: true (ASPA is off)", where, "aspa_unknown")

    @classmethod
    def from_params(cls, params: dict):
        """Options from a module's parameters (names as the fields; missing or None: the default)."""
        given = {k: v for k, v in params.items() if k in cls.__dataclass_fields__ and v is not None}
        for name in ("min_length", "max_length"):
            if name in given:
                given[name] = _pair(given[name], name)
        if "transit_free" in given:
            given["transit_free"] = tuple(parse_asn(v, "session policy", "transit_free") for v in given["transit_free"])
        if "bogon_asn_exceptions" in given:
            given["bogon_asn_exceptions"] = tuple(asn_range(v) for v in given["bogon_asn_exceptions"])
        if "bogon_exceptions" in given:
            given["bogon_exceptions"] = tuple(str(v) for v in given["bogon_exceptions"])
        return cls(**given)

    @classmethod
    def from_settings(cls, settings: dict, field_name: str = "session_policy"):
        """Options from a dict of them (``field_name`` names it in errors); an unknown name is refused."""
        unknown = sorted(set(settings) - set(cls.__dataclass_fields__))
        if unknown:
            raise DataError(
                "unknown option(s) %s (known: %s)" % (", ".join(unknown), ", ".join(cls.__dataclass_fields__)),
                "session policy",
                field_name,
            )
        return cls.from_params(settings)

    def restart_within(self, most: int, platform: str) -> int:
        """``max_prefix_restart``, or DataError naming it when ``platform`` keeps a session down for at most
        ``most`` minutes."""
        if self.max_prefix_restart > most:
            raise DataError(
                "%s keeps a session down for at most %d minutes, not %d" % (platform, most, self.max_prefix_restart),
                "session policy",
                "max_prefix_restart",
            )
        return self.max_prefix_restart

    def bogon_asns(self) -> list:
        """The (first, last) ranges of bogon AS numbers, less the exceptions."""
        return subtract_ranges([(a, b) for a, b, _why in BOGON_ASNS], self.bogon_asn_exceptions)

    def aspa_rejected(self) -> tuple:
        """The ASPA states whose paths are rejected: none while ASPA is off, else invalid (and unknown)."""
        if not self.aspa:
            return ()
        return ("invalid", "unknown") if self.aspa_unknown == "reject" else ("invalid",)

    def community(self, relationship: str, local_asn: int) -> str:
        """The large community that marks a route learned from a ``relationship`` neighbour."""
        return "%d:%d:%d" % (local_asn, self.community_function, LEARNED_FROM[relationship])


def asn_range(value, field_name="bogon_asn_exceptions"):
    """``(first, last)`` of ``64496``, ``AS64496`` or ``64496-64511``; DataError naming the field."""
    found = RANGE.match(str(value))
    first, last = (int(found.group(1)), int(found.group(2) or found.group(1))) if found else (None, None)
    if first is None or not 0 <= first <= last < 2**32:
        raise DataError(
            "%r is not an AS number or a range of them (64496-64511)" % (value,), "session policy", field_name
        )
    return first, last


def subtract_ranges(ranges, holes):
    """``ranges`` of integers less ``holes``, both (first, last) inclusive; sorted, merged."""
    result = []
    for first, last in sorted(ranges):
        pieces = [(first, last)]
        for hole_first, hole_last in holes:
            pieces = [
                piece
                for a, b in pieces
                for piece in ((a, min(b, hole_first - 1)), (max(a, hole_last + 1), b))
                if piece[0] <= piece[1]
            ]
        result.extend(pieces)
    merged = []
    for first, last in sorted(result):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return merged


def _pair(value, name):
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise DataError("expected [IPv4 length, IPv6 length], got %r" % (value,), "session policy", name)
    return tuple(value)
