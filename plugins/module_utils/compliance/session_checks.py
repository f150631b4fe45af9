# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compliance of a router's BGP sessions with the session policy NetBox implies (FRR, BIRD 2, OpenBGPD).

The router's session-policy state comes as ``router_state`` reads it (``session_state``): on FRR the
objects of ``drivers.frr_policy`` (``to_data``, a list), on BIRD and OpenBGPD a dict naming its platform
with every BGP session of the configuration (the renderer's ``parse_sessions``) and a digest of each block
the session-policy file writes (its ``session_blocks``; digests, so that no password leaves the module).
Each platform's state becomes one view - the bindings ``{address: {"remote_as", "import", "export",
"max_prefix", "role"}}`` and the names of what drifted - and the checks are the same on all three.
Findings:

* ``session-policy-missing`` (high): an eBGP session without an import or an export policy (FRR's
  route-map; BIRD's filter; OpenBGPD's filter rules deciding its routes one by one, see
  ``render.openbgpd_session_policy``), whether NetBox knows it or not (checked in the family of its
  address);
* ``session-policy-drift`` (high): what ``session_policy`` would deploy from NetBox now differs from the
  router's - FRR's route-maps, AS-path and community lists and neighbour lines; BIRD's filters, ``protocol
  bgp`` blocks and AS number sets; OpenBGPD's neighbours with their rules and its AS sets (whitespace
  aside) - each named (missing ones, and on BIRD routesec's protocols and filters NetBox no longer has);
* ``max-prefix-missing`` (medium): an eBGP session of NetBox without a maximum-prefix on the router;
* ``role-missing`` (medium): an eBGP session of NetBox without an RFC 9234 role on the router, where NetBox
  implies one.

A router none of whose eBGP sessions has a relationship in NetBox is not checked: it does not use the
session policy yet.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections import namedtuple

from ..drivers import frr_policy
from ..render import bird2_session_policy, frr_session_policy, openbgpd_session_policy
from .findings import Finding

SOURCES = ("netbox", "router")
MAX_NAMED = 8  # drifted objects a finding names
DAEMONS = {"bird2": bird2_session_policy, "openbgpd": openbgpd_session_policy}
NO_BINDING = {"remote_as": None, "import": False, "export": False, "max_prefix": False, "role": None}

# How a platform names its policy and its maximum-prefix, and whether it has a warning-only one.
Words = namedtuple("Words", "platform policy limit warns")
WORDS = {
    "frr": Words("FRR", "route-map", "maximum-prefix", True),
    "bird2": Words("BIRD", "filter", "import limit", True),
    "openbgpd": Words("OpenBGPD", "filter rules", "max-prefix", False),
}
# A router's sessions as the checks see them: bindings by address, the labels of what drifted, its Words.
View = namedtuple("View", "bindings drift words")


def session_state(platform: str, text: str):
    """What ``router_state`` returns as ``session_policy`` for a router of ``platform`` whose configuration is
    ``text`` (includes in place): see the module's description; None for the other platforms."""
    if platform == "frr":
        return frr_policy.to_data(frr_policy.parse(text))
    module = DAEMONS.get(platform)
    if module is None:
        return None
    return {"platform": platform, "sessions": module.parse_sessions(text), "blocks": _digests(module, text)}


def session_findings(name: str, intent, running_data, options) -> list:
    """The findings of router ``name`` (its DeviceIntent ``intent``, its ``session_state`` ``running_data``)
    under ``options`` (policy.PolicyOptions); none for a router none of whose eBGP sessions NetBox classifies
    (it does not use the session policy yet)."""
    sessions = [s for s in intent.sessions if s.ebgp]
    if not sessions:
        return []
    view = (_frr_view if isinstance(running_data, list) else _daemon_view)(intent, running_data, options)
    findings = [f for s in sessions for f in _session(name, s, view)]
    known = {s.address for s in sessions} | set(intent.unclassified)
    findings += _unknown_neighbors(name, intent.device.local_asn, view, known)
    if view.drift:
        labels = sorted(view.drift)
        message = "the session policy differs from what NetBox implies: %s" % ", ".join(labels[:MAX_NAMED])
        message += " (and %d more)" % (len(labels) - MAX_NAMED) if len(labels) > MAX_NAMED else ""
        findings.append(Finding("high", "session-policy-drift", name, message, SOURCES, name))
    return findings


# -- the views --------------------------------------------------------------------------------------------


def _frr_view(intent, data, options):
    running = frr_policy.from_data(data)
    wanted = frr_policy.parse(frr_session_policy.render_session_policy(intent, options))
    expected = {key: value for key, value in wanted.items() if key[0] != "neighbor"}
    drift = frr_policy.PolicyChange(running, frr_policy.target(running, expected))
    labels = {frr_policy.label(key) for key in drift.keys} if drift else set()
    return View(_frr_bindings(running, intent.device.local_asn), labels, WORDS["frr"])


def _frr_bindings(running, local):
    """The bindings of FRR's neighbours under ``router bgp LOCAL`` (addresses, not peer-groups)."""
    addresses = {key[-1] for key in running if key[0] in ("neighbor", "bind") and key[1] == local}
    bindings = {}
    for address in addresses:
        try:
            afi = ipaddress.ip_address(address).version
        except ValueError:
            continue  # a peer-group or an interface
        bound = running.get(("bind", local, afi, address), {})
        role = running.get(("bind", local, None, address), {}).get("local-role")
        bindings[address] = {
            "remote_as": running.get(("neighbor", local, address), {}).get("remote-as"),
            "import": "route-map in" in bound,
            "export": "route-map out" in bound,
            "max_prefix": "maximum-prefix" in bound,
            "role": role.split()[1] if role else None,
        }
    return bindings


def _daemon_view(intent, data, options):
    """BIRD's or OpenBGPD's view: the blocks the file would hold now against the router's (digests)."""
    module = DAEMONS[data["platform"]]
    wanted = _digests(module, module.render_session_policy(intent, options))
    running = data.get("blocks") or {}
    drift = {
        label + ("" if label in running else " (missing)") for label in wanted if running.get(label) != wanted[label]
    }
    drift |= {
        label + " (not from NetBox)" for label in running if label not in wanted and label.startswith(module.OWNED)
    }
    return View(data.get("sessions") or {}, drift, WORDS[data["platform"]])


def _digests(module, text):
    return {
        label: hashlib.sha256(block.encode()).hexdigest()[:16] for label, block in module.session_blocks(text).items()
    }


# -- the checks -------------------------------------------------------------------------------------------


def _session(name, session, view):
    label = "BGP session %s (%s, AS%d)" % (session.name or session.address, session.relationship, session.remote_asn)
    subject = "%s %s" % (name, session.address)
    bound = view.bindings.get(session.address, NO_BINDING)
    found = _missing_policy(name, subject, label, bound, view.words)
    if not bound["max_prefix"]:
        message = "%s has no %s on the router (%s)" % (label, view.words.limit, _netbox_limit(session, view.words))
        found.append(Finding("medium", "max-prefix-missing", subject, message, SOURCES, name))
    if session.role and not bound["role"]:
        message = "%s has no BGP role on the router (NetBox implies %s)" % (label, session.role)
        found.append(Finding("medium", "role-missing", subject, message, SOURCES, name))
    return found


def _netbox_limit(session, words):
    if not session.max_prefix:
        return "NetBox sets none either"
    if session.max_prefix_action == "warning" and not words.warns:
        return "NetBox's is %d as a warning, which %s cannot express: make it a teardown in NetBox" % (
            session.max_prefix,
            words.platform,
        )
    return "NetBox's is %d" % session.max_prefix


def _missing_policy(name, subject, label, bound, words):
    missing = [kind for kind in ("import", "export") if not bound[kind]]
    if not missing:
        return []
    message = "%s has no %s %s" % (label, " and no ".join(missing), words.policy)
    return [Finding("high", "session-policy-missing", subject, message, SOURCES, name)]


def _unknown_neighbors(name, local, view, known):
    """``session-policy-missing`` for the router's eBGP neighbours NetBox does not know."""
    found = []
    for address, bound in sorted(view.bindings.items()):
        if address in known or bound["remote_as"] in (None, str(local), "internal"):
            continue
        remote = bound["remote_as"]
        label = "BGP neighbour %s (%s%s, not in NetBox)" % (address, "AS" if remote.isdigit() else "", remote)
        found += _missing_policy(name, "%s %s" % (name, address), label, bound, view.words)
    return found
