# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance checks: NetBox (what should be) against the RPKI, the IRR and each router's running
configuration (what is). Each check is a pure function over data already read, returning findings.

| check | severity | finding |
|---|---|---|
| ``rpki-invalid`` | critical | our announcement is RPKI-invalid: networks that validate drop it |
| ``roa-missing`` | high | no ROA covers our announcement (not-found) |
| ``route-object-wrong-origin`` | high | a route object for our prefix names an origin NetBox does not |
| ``route-object-missing`` | medium | no route object for our prefix and origin |
| ``filter-drift`` | high | a router's managed prefix-list differs from NetBox |
| ``rtr-missing`` | high | a router has no RTR session to any of NetBox's caches |
| ``rtr-cache-missing`` | medium | a router lacks the session to one of them |
| ``rov-policy-missing`` | high | a router with RTR sessions rejects no RPKI-invalid route: no neighbour's inbound policy does |
| ``router-unreachable`` | critical | the router's state could not be read |
| ``rtr-cache-unknown`` | medium | NetBox names no RTR cache, so RTR sessions cannot be checked |
| ``roa-wide-max-length`` | medium | NetBox asks for a ROA longer than its prefix (unless allowed) |
"""

from __future__ import annotations

from ..render.common import entry_text
from ..rpki.rov import INVALID, VALID, RovIndex
from .findings import Finding, RouterState

ROUTE_CLASSES = ("route", "route6")


def rpki_findings(roas, vrps):
    """(findings, how many announcements are valid) for our announcements (``roas``: the ROAs NetBox asks
    for, one per prefix and origin) against the VRPs the RPKI holds."""
    index = RovIndex(vrps)
    findings, valid = [], 0
    for roa in sorted(roas, key=lambda r: (r.prefix.version, r.prefix, r.asn)):
        state = index.validate_network(roa.prefix, roa.asn)
        subject = "%s AS%d" % (roa.prefix, roa.asn)
        if state == VALID:
            valid += 1
        elif state == INVALID:
            message = "the announcement is RPKI-invalid: the ROAs for this space name other origins or shorter lengths"
            findings.append(Finding("critical", "rpki-invalid", subject, message, ("netbox", "rpki")))
        else:
            message = "no ROA covers the announcement (not-found); NetBox asks for max length %d" % roa.max_length
            findings.append(Finding("high", "roa-missing", subject, message, ("netbox", "rpki")))
    return findings, valid


def wide_max_length_findings(roas):
    """A finding for each ROA NetBox asks for with a max length longer than its prefix (RFC 9319)."""
    return [
        Finding(
            "medium",
            "roa-wide-max-length",
            "%s AS%d" % (roa.prefix, roa.asn),
            "NetBox asks for max length %d on a /%d: anyone could originate its more-specifics as AS%d (RFC 9319)"
            % (roa.max_length, roa.prefix.prefixlen, roa.asn),
            ("netbox",),
        )
        for roa in roas
        if roa.max_length > roa.prefix.prefixlen
    ]


def irr_findings(desired, existing):
    """(findings, how many of our prefixes have their route object) for the route objects NetBox asks for
    (``desired``) against those the registry holds for our prefixes and maintainers (``existing``)."""
    wanted = [o for o in desired if o.object_class in ROUTE_CLASSES]
    origins = {}
    for obj in wanted:
        origins.setdefault(obj.key[1], set()).add(obj.key[2])
    held = {o.key for o in existing if o.object_class in ROUTE_CLASSES}
    findings, covered = [], 0
    for obj in sorted(wanted, key=lambda o: o.key):
        if obj.key in held:
            covered += 1
        else:
            message = "no %s object for origin %s in the registry" % (obj.object_class, obj.key[2])
            findings.append(Finding("medium", "route-object-missing", obj.key[1], message, ("netbox", "irr")))
    for obj in sorted(existing, key=lambda o: o.key):
        prefix = obj.key[1] if obj.object_class in ROUTE_CLASSES else None
        if prefix in origins and obj.key[2] not in origins[prefix]:
            message = "route object with origin %s (maintained by %s); NetBox originates it from %s" % (
                obj.key[2],
                ", ".join(obj.values("mnt-by")) or "nobody",
                ", ".join(sorted(origins[prefix])),
            )
            findings.append(Finding("high", "route-object-wrong-origin", prefix, message, ("netbox", "irr")))
    return findings, covered


def router_findings(name, platform, intended, running, caches, running_caches):
    """(findings, RouterState) for one router: its managed prefix-lists (``intended``: PrefixList tuple;
    ``running``: {list name: set of entry texts} read from it) and its RTR sessions (``caches``: NetBox's
    RtrCache list; ``running_caches``: "address port" texts read from it)."""
    findings, drift = [], 0
    for plist in intended:
        want = {entry_text(e) for e in plist.entries}
        have = set(running.get(plist.name, ()))
        extra, missing = sorted(have - want), sorted(want - have)
        drift += len(extra) + len(missing)
        if extra or missing:
            parts = ["%d entries NetBox does not have (%s)" % (len(extra), ", ".join(extra[:5]))] if extra else []
            parts += ["%d NetBox entries missing (%s)" % (len(missing), ", ".join(missing[:5]))] if missing else []
            message = "%s differs from NetBox: %s" % (plist.name, "; ".join(parts))
            findings.append(
                Finding("high", "filter-drift", "%s %s" % (name, plist.name), message, ("netbox", "router"), name)
            )
    wanted = ["%s %d" % (c.address, c.port) for c in caches]
    present = [c for c in wanted if c in set(running_caches)]
    if wanted and not present:
        message = "no RTR session to NetBox's caches (%s): the router does not validate origins" % ", ".join(wanted)
        findings.append(Finding("high", "rtr-missing", name, message, ("netbox", "router"), name))
    else:
        for cache in wanted:
            if cache not in present:
                message = "no RTR session to the cache %s" % cache
                findings.append(Finding("medium", "rtr-cache-missing", name, message, ("netbox", "router"), name))
    return findings, RouterState(name, platform, drift, len(present))


def rov_policy_findings(name, running_caches, policy):
    """Findings for a router's origin-validation policy: ``policy`` as the router's parser reads it
    (``{"rejecting", "validated"}``, see render.frr_rov_policy), or None where it is not read for the platform.
    A router with no RTR session gets none here (``rtr-missing`` says it)."""
    if policy is None or not running_caches or policy["validated"]:
        return []
    maps = ", ".join(policy["rejecting"]) or "none"
    message = (
        "RTR sessions but no neighbour's inbound route-map rejects RPKI-invalid routes (route-maps that would: %s)"
        % maps
    )
    return [Finding("high", "rov-policy-missing", name, message, ("router",), name)]


def no_rtr_cache():
    """The finding for a NetBox that names no RTR cache: no router's origin validation can be checked."""
    message = "NetBox names no RTR cache (a service named rtr), so no router's RTR sessions are checked"
    return Finding("medium", "rtr-cache-unknown", "NetBox", message, ("netbox",))


def unreachable(name, platform, reason):
    """The finding and RouterState for a router whose state could not be read."""
    finding = Finding("critical", "router-unreachable", name, reason, ("router",), name)
    return [finding], RouterState(name, platform, 0, 0, reachable=False)
