# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compliance of a router's BGP sessions with the session policy NetBox implies (FRR).

The router's session-policy objects come as ``router_state`` reads them (``drivers.frr_policy.to_data``).
Findings:

* ``session-policy-missing`` (high): an eBGP session without an import or an export route-map, whether
  NetBox knows it or not (a neighbour of ``router bgp`` with another AS, checked in the family of its
  address);
* ``session-policy-drift`` (high): the route-maps, AS-path and community lists and neighbour lines differ
  from what ``session_policy`` would deploy from NetBox now (each named);
* ``max-prefix-missing`` (medium): an eBGP session of NetBox without a maximum-prefix on the router;
* ``role-missing`` (medium): an eBGP session of NetBox without an RFC 9234 role on the router, where NetBox
  implies one.

A router none of whose eBGP sessions has a relationship in NetBox is not checked: it does not use the
session policy yet.
"""

from __future__ import annotations

import ipaddress

from ..drivers import frr_policy
from ..render.frr_session_policy import render_session_policy
from .findings import Finding

SOURCES = ("netbox", "router")


def session_findings(name: str, intent, running_data: list, options) -> list:
    """The findings of router ``name`` (its DeviceIntent ``intent``, its objects ``running_data``) under
    ``options`` (policy.PolicyOptions); none for a router none of whose eBGP sessions NetBox classifies (it
    does not use the session policy yet)."""
    running = frr_policy.from_data(running_data)
    local = intent.device.local_asn
    sessions = [s for s in intent.sessions if s.ebgp]
    if not sessions:
        return []
    findings = [f for s in sessions for f in _session(name, local, s, running)]
    known = {s.address for s in sessions} | set(intent.unclassified)
    findings += _unknown_neighbors(name, local, running, known)
    wanted = frr_policy.parse(render_session_policy(intent, options))
    expected = {key: value for key, value in wanted.items() if key[0] != "neighbor"}
    drift = frr_policy.PolicyChange(running, frr_policy.target(running, expected))
    if drift:
        labels = sorted({frr_policy.label(key) for key in drift.keys})
        message = "the session policy differs from what NetBox implies: %s" % ", ".join(labels[:8])
        message += " (and %d more)" % (len(labels) - 8) if len(labels) > 8 else ""
        findings.append(Finding("high", "session-policy-drift", name, message, SOURCES, name))
    return findings


def _session(name, local, session, running):
    label = "BGP session %s (%s, AS%d)" % (session.name or session.address, session.relationship, session.remote_asn)
    subject = "%s %s" % (name, session.address)
    bound = running.get(("bind", local, session.afi, session.address), {})
    found = _missing_policy(name, subject, label, bound)
    if "maximum-prefix" not in bound:
        netbox = "NetBox's is %d" % session.max_prefix if session.max_prefix else "NetBox sets none either"
        message = "%s has no maximum-prefix on the router (%s)" % (label, netbox)
        found.append(Finding("medium", "max-prefix-missing", subject, message, SOURCES, name))
    if session.role and "local-role" not in running.get(("bind", local, None, session.address), {}):
        message = "%s has no BGP role on the router (NetBox implies %s)" % (label, session.role)
        found.append(Finding("medium", "role-missing", subject, message, SOURCES, name))
    return found


def _missing_policy(name, subject, label, bound):
    missing = [
        kind for kind, direction in (("import", "in"), ("export", "out")) if "route-map %s" % direction not in bound
    ]
    if not missing:
        return []
    message = "%s has no %s route-map" % (label, " and no ".join(missing))
    return [Finding("high", "session-policy-missing", subject, message, SOURCES, name)]


def _unknown_neighbors(name, local, running, known):
    """``session-policy-missing`` for the router's eBGP neighbours NetBox does not know."""
    found = []
    for key, neighbor in sorted(running.items(), key=lambda item: repr(item[0])):
        if key[0] != "neighbor" or key[1] != local or key[2] in known:
            continue
        try:
            afi = ipaddress.ip_address(key[2]).version
        except ValueError:
            continue  # a peer-group or an interface
        if neighbor.get("remote-as") in (None, str(local), "internal"):
            continue
        label = "BGP neighbour %s (AS%s, not in NetBox)" % (key[2], neighbor["remote-as"])
        bound = running.get(("bind", local, afi, key[2]), {})
        found += _missing_policy(name, "%s %s" % (name, key[2]), label, bound)
    return found
