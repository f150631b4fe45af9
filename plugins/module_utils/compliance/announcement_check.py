# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verifying an announcement from outside: does an observer (an upstream, a route collector or
looking glass running FRR) hold the prefix from our origin, and is that origin RPKI-valid?"""

from __future__ import annotations

import json

from ..errors import TransportError
from ..rpki.rov import VALID


def observed_origins(answer, prefix, where):
    """The origin ASes of the paths in FRR's ``show bgp <afi> unicast <prefix> json`` ``answer`` (best first)."""
    try:
        data = json.loads(answer or "{}")
    except ValueError:
        raise TransportError("the answer about %s is not JSON: %s" % (prefix, answer[:200]), where) from None
    if data.get("prefix") != str(prefix):  # FRR answers {} (or the covering route) when it has no exact route
        return []
    paths = sorted(data.get("paths") or [], key=lambda p: not (p.get("bestpath") or {}).get("overall"))
    origins = []
    for path in paths:
        hops = str((path.get("aspath") or {}).get("string") or "").split()
        origins.append(int(hops[-1]) if hops and hops[-1].isdigit() else None)
    return origins


def check_announcement(prefix, origin, origins, rov):
    """One prefix's verdict: ``{"prefix", "origin", "seen", "origins", "rpki", "problems"}``."""
    state = rov.validate_network(prefix, origin)
    problems = []
    if not origins:
        problems.append("%s is not in the observer's BGP table" % prefix)
    elif origins[0] != origin:
        problems.append("%s is seen from AS%s, not AS%d" % (prefix, origins[0], origin))
    if state != VALID:
        problems.append("%s from AS%d is RPKI %s" % (prefix, origin, state))
    return {
        "prefix": str(prefix),
        "origin": origin,
        "seen": bool(origins) and origins[0] == origin,
        "origins": origins,
        "rpki": state,
        "problems": problems,
    }


def show_command(prefix):
    return "show bgp %s unicast %s json" % ("ipv4" if prefix.version == 4 else "ipv6", prefix)
