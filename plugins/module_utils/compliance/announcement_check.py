# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verifying an announcement from outside: does an observer (an upstream, a route collector or
looking glass running FRR) hold the prefix from our origin, is that origin RPKI-valid, and is the path
it sees ASPA-valid?"""

from __future__ import annotations

import json

from ..errors import TransportError
from ..observe.events import path_text
from ..rpki.aspa import UPSTREAM, verify
from ..rpki.aspa import VALID as ASPA_VALID
from ..rpki.rov import VALID


def observed_paths(answer, prefix, where):
    """The AS paths of FRR's ``show bgp <afi> unicast <prefix> json`` ``answer``, best first: neighbour first,
    origin last, an AS_SET as a frozenset, confederation segments left out (as ASPA verification wants them)."""
    try:
        data = json.loads(answer or "{}")
    except ValueError:
        raise TransportError("the answer about %s is not JSON: %s" % (prefix, answer[:200]), where) from None
    if data.get("prefix") != str(prefix):  # FRR answers {} (or the covering route) when it has no exact route
        return []
    paths = sorted(data.get("paths") or [], key=lambda p: not (p.get("bestpath") or {}).get("overall"))
    return [_path(path.get("aspath") or {}, prefix, where) for path in paths]


def _path(aspath, prefix, where):
    segments = aspath.get("segments")
    if segments is None:  # older answers carry the text only
        return [_element(token, prefix, where) for token in str(aspath.get("string") or "").split()]
    hops = []
    for segment in segments:
        kind, numbers = segment.get("type"), segment.get("list") or []
        if kind == "as-sequence":
            hops.extend(_asn(value, prefix, where) for value in numbers)
        elif kind == "as-set":
            hops.append(frozenset(_asn(value, prefix, where) for value in numbers))
    return hops


def _element(token, prefix, where):
    if token.startswith("{"):
        return frozenset(_asn(value, prefix, where) for value in token.strip("{}").split(",") if value)
    return _asn(token, prefix, where)


def _asn(value, prefix, where):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TransportError("the AS path of %s holds %r, not an AS number" % (prefix, value), where) from None


def origin_of(path):
    """The origin AS of ``path``, None when there is none (an empty path, or one ending in an AS_SET)."""
    return path[-1] if path and isinstance(path[-1], int) else None


def check_announcement(prefix, origin, paths, rov, aspas=None, direction=UPSTREAM):
    """One prefix's verdict: ``{"prefix", "origin", "seen", "origins", "rpki", "problems"}``, plus ``"path"``
    and ``"aspa"`` (its state, verified in ``direction``) of the best path when the ASPA set ``aspas`` is given."""
    origins = [origin_of(path) for path in paths]
    state = rov.validate_network(prefix, origin)
    problems = []
    if not origins:
        problems.append("%s is not in the observer's BGP table" % prefix)
    elif origins[0] != origin:
        problems.append("%s is seen from AS%s, not AS%d" % (prefix, origins[0], origin))
    if state != VALID:
        problems.append("%s from AS%d is RPKI %s" % (prefix, origin, state))
    verdict = {
        "prefix": str(prefix),
        "origin": origin,
        "seen": bool(origins) and origins[0] == origin,
        "origins": origins,
        "rpki": state,
        "problems": problems,
    }
    if aspas is not None and paths:
        verdict["path"] = path_text(paths[0])
        verdict["aspa"] = verify(paths[0], aspas, direction)
        if verdict["aspa"] != ASPA_VALID:
            problems.append(
                "%s through %s is ASPA %s (%s verification)" % (prefix, verdict["path"], verdict["aspa"], direction)
            )
    return verdict


def show_command(prefix):
    return "show bgp %s unicast %s json" % ("ipv4" if prefix.version == 4 else "ipv6", prefix)
