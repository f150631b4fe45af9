# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Session policy: the planner that brings a router's BGP sessions to the policy NetBox implies, and its guards.

Before anything is planned, an eBGP session without a relationship is refused (``unclassified="keep"`` leaves
such sessions as they are instead). Once the driver has the candidate loaded, the change is refused, and
nothing is sent, when it would:

* bind a policy to a neighbour the router does not have, or whose AS is not the one NetBox says;
* leave a session of NetBox without an import or an export route-map on the router;
* take a route-map a neighbour uses away (a filter detached), or a neighbour's import or export away;
* write a route-map that names a list the router would not hold (an IRR list not deployed yet, say), which
  would make its entry match nothing or everything.

The helper prefix-lists (bogons, lengths, our own space) go through the prefix-list guards like any other.

On the vendor platforms (IOS/IOS-XE, IOS-XR, Junos, EOS over their CLI; any platform over NETCONF as
OpenConfig) the candidate holds the policies, their AS-path and community objects, the helper prefix lists and
each session's bindings, merged into the running configuration; the planner first reads the router's
neighbours (the renderer's ``parse_neighbors``) and refuses a session the router lacks or has under another AS,
and a policy naming a prefix list neither the candidate nor the router holds (on these platforms a match on a
missing list may match everything). What a platform cannot express is in its renderer's ``GAPS`` (feature:
the documented fallback): ``feature_gaps`` lists those a run meets, and with ``strict_features`` they are
refused instead.

On BIRD and OpenBGPD routesec writes each session (``protocol bgp``, ``neighbor``) with its filters into one
included file (``render.bird2_session_policy``, ``render.openbgpd_session_policy``), replaced whole: every
session of NetBox has both filters by construction, and a session the file would lose (gone from NetBox) is
refused unless ``remove_sessions``.

ASPA path verification (the option ``aspa``) is written only for BIRD and OpenBGPD, the platforms whose
documentation has it (``ASPA_PLATFORMS``); on any other the run is refused before anything is rendered or
sent (``check_aspa``, whatever ``strict_features`` says): a security check the router would not apply has no
fallback. Which daemon version a router runs is not known here: a BIRD before 2.16 or an OpenBGPD before 8
refuses the file in its own check (``bird -p``, ``bgpd -n``), and nothing is changed.
"""

from __future__ import annotations

import re

from ..drivers import frr_policy
from ..errors import SafetyError
from ..policy.objects import default_only, empty_lists, export_name, import_name
from ..policy.options import PolicyOptions
from ..policy.terms import named_prefix_lists, policy_set
from ..render import (
    arista_eos_session_policy,
    bird2,
    bird2_session_policy,
    cisco_ios_session_policy,
    cisco_iosxr_session_policy,
    frr,
    frr_session_policy,
    juniper_junos_session_policy,
    nokia_sros_session_policy,
    openbgpd,
    openbgpd_session_policy,
    openconfig_session_policy,
)
from ..render import renderer as list_renderer
from ..render.list_delta import ListChange
from .deploy import Plan

UNCLASSIFIED = ("fail", "keep")


class _Syntax:
    """A platform's session-policy renderer, the parser of its prefix lists and, where routesec writes the
    sessions themselves, how a session begins (its name the first group)."""

    def __init__(self, render, parse, session=None):
        self.render_session_policy, self.parse_prefix_lists = render, parse
        self.session = re.compile(session, re.MULTILINE) if session else None


RENDERERS = {
    "frr": _Syntax(frr_session_policy.render_session_policy, frr.parse_prefix_lists),
    "bird2": _Syntax(bird2_session_policy.render_session_policy, bird2.parse_prefix_lists, r"^protocol bgp (\S+)"),
    "openbgpd": _Syntax(
        openbgpd_session_policy.render_session_policy, openbgpd.parse_prefix_lists, r"^neighbor (\S+) \{"
    ),
}


# the platforms that verify AS paths with ASPA (bgpd.conf(5) of OpenBGPD 8, BIRD 2.16's user's guide)
ASPA_PLATFORMS = ("bird2", "openbgpd")

# why the others cannot: what their documentation, as their renderers follow it, has instead
NO_ASPA = {
    "frr": "FRR 10 has no ASPA verification; its RPKI support carries ROAs only",
    "cisco_ios": "the IOS and IOS-XE BGP configuration guides document origin validation (match rpki) only",
    "cisco_iosxr": "the IOS XR BGP configuration guides and command references document origin validation "
    "(validation-state) only",
    "juniper_junos": "the Junos documentation has origin validation (validation-database) only",
    "arista_eos": "the EOS user manual documents origin validation (origin-as validity) only",
    "nokia_sros": "the SR OS documentation the renderer follows has origin validation (origin-validation-state) only",
    "openconfig": "the OpenConfig BGP model has no validation state",
}

# the daemons whose file routesec writes whole, by what they cannot express
DAEMON_GAPS = {"bird2": bird2_session_policy, "openbgpd": openbgpd_session_policy}

# the vendor platforms' session-policy renderers (render.<platform>_session_policy), by syntax
VENDOR_RENDERERS = {
    "cisco_ios": cisco_ios_session_policy,
    "cisco_iosxr": cisco_iosxr_session_policy,
    "juniper_junos": juniper_junos_session_policy,
    "arista_eos": arista_eos_session_policy,
    "nokia_sros": nokia_sros_session_policy,
    "openconfig": openconfig_session_policy,
}


def session_policy_plan(
    intent,
    options,
    unclassified: str = "fail",
    check_mode: bool = False,
    remove_sessions=False,
    syntax: str | None = None,
    strict_features: bool = False,
):
    """The planner of ``intent``'s (a DeviceIntent) session policy under ``options`` (policy.PolicyOptions),
    for ``plan.deploy.deploy``; SafetyError naming the sessions when some have no relationship. In
    ``check_mode`` the intent's prefix-lists count as on FRR (a run deploys them first, with
    ``prefix_filter``; its check mode has not). On BIRD and OpenBGPD, where routesec writes the sessions
    themselves, a session the router has and NetBox no longer has is removed only with ``remove_sessions``.
    ``syntax`` is the platform's (None) or ``openconfig`` (over NETCONF)."""
    device = intent.device
    syntax = syntax or device.platform
    check_aspa(intent, syntax, options)
    feature_gaps(intent, syntax, strict_features, options)
    if syntax in VENDOR_RENDERERS:
        check_classified(intent, unclassified)
        return vendor_plan(intent, options, VENDOR_RENDERERS[syntax], syntax, check_mode)
    if device.platform not in RENDERERS:
        raise SafetyError(
            "session policy is deployed to %s, not %s; nothing was changed"
            % (" and ".join(RENDERERS), device.platform),
            "device %s" % device.name,
        )
    check_classified(intent, unclassified)
    renderer = RENDERERS[device.platform]
    candidate = renderer.render_session_policy(intent, options)
    known = empty_lists(intent, options)
    if check_mode:
        known |= {(p.afi, p.name) for p in intent.prefix_lists}
    wanted = renderer.parse_prefix_lists(candidate)

    def plan(running):
        if not candidate:
            return Plan(None)
        changes = list_changes(renderer.parse_prefix_lists(running), wanted)
        if renderer.session is not None:
            check_removed_sessions(device.name, renderer.session, running, candidate, remove_sessions)
            checked = aspa_source_check(intent, options)
            return Plan(candidate, changes, check_loaded=checked, read_back=aspa_refresh(intent, options))
        return Plan(candidate, changes, check_loaded=lambda driver: check_policy(intent, driver, known))

    return plan


def vendor_plan(intent, options, module, syntax, check_mode):
    """The planner for a vendor platform's renderer ``module`` (see the module's description)."""
    where = "device %s" % intent.device.name
    lists = list_renderer(intent.device.platform) if syntax != "openconfig" else module
    empty = empty_lists(intent, options)
    named = named_prefix_lists(policy_set(intent, options), empty)
    known = {(p.afi, p.name) for p in intent.prefix_lists} if check_mode else set()

    def plan(running):
        neighbors = module.parse_neighbors(running)
        for session in (s for s in intent.sessions if s.ebgp):
            check_neighbor(neighbors.get(session.address), session, where)
        candidate = module.render_session_policy(intent, options, neighbors)
        current, wanted = lists.parse_prefix_lists(running), lists.parse_prefix_lists(candidate)
        missing = sorted(name for afi, name in named - set(current) - set(wanted) - known)
        if missing:
            raise SafetyError(
                "the policy names the prefix lists %s, which the router does not hold; nothing was changed. Deploy "
                "the neighbours' IRR filters (routesec.bgp.prefix_filter) first" % ", ".join(missing),
                where,
            )
        return Plan(candidate, list_changes(current, wanted))

    return plan


def list_changes(current, wanted) -> list:
    """The changes of the prefix lists a candidate holds (``wanted``) from the router's (``current``), both
    ``{(afi, name): {n: PrefixEntry}}``, for the guards."""
    return [ListChange(afi, name, current.get((afi, name), {}), entries) for (afi, name), entries in wanted.items()]


def check_neighbor(neighbor, session, where):
    """SafetyError unless the router has ``session``'s neighbour ({"remote_as", "group"} or None) with its AS."""
    label = "BGP session %s" % (session.name or session.address)
    if neighbor is None:
        raise SafetyError(
            "%s: the router has no neighbour %s; nothing was changed. Configure the session first"
            % (label, session.address),
            where,
        )
    remote = neighbor.get("remote_as")
    if remote is not None and str(remote) not in (str(session.remote_asn), "external"):
        raise SafetyError(
            "%s: the router's neighbour %s has remote AS %s, NetBox says AS%d; nothing was changed"
            % (label, session.address, remote, session.remote_asn),
            where,
        )


# when a gap matters: the sessions (eBGP) and options that need the feature
NEEDED = {
    "roles": lambda sessions, options: any(s.role for s in sessions),
    "rpki": lambda sessions, options: options.reject_invalid,
    "max_prefix_restart": lambda sessions, options: (
        options.max_prefix_restart > 0 and any(s.max_prefix and s.max_prefix_action == "teardown" for s in sessions)
    ),
    "max_prefix_warning": lambda sessions, options: any(
        s.max_prefix and s.max_prefix_action == "warning" for s in sessions
    ),
    "default_originate": lambda sessions, options: any(default_only(s, options) for s in sessions),
    "next_hop_peer": lambda sessions, options: any(s.relationship != "route_server" for s in sessions),
}


def feature_gaps(intent, syntax, strict=False, options=None) -> list:
    """What the session policy of ``intent`` under ``options`` needs and ``syntax`` cannot express, each with
    its documented fallback ("feature: fallback"; the renderer's ``GAPS``, those the sessions and options need);
    SafetyError naming them when ``strict``."""
    options = options or PolicyOptions()
    sessions = [s for s in intent.sessions if s.ebgp]
    module = VENDOR_RENDERERS.get(syntax) or DAEMON_GAPS.get(syntax)
    gaps = getattr(module, "GAPS", {})
    found = [
        "%s: %s" % (feature, fallback)
        for feature, fallback in sorted(gaps.items())
        if NEEDED.get(feature, lambda *_: True)(sessions, options)
    ]
    if found and strict:
        raise SafetyError(
            "the session policy needs what %s cannot express (%s); nothing was changed. Set strict_features=false "
            "to deploy with the documented fallbacks" % (syntax, "; ".join(found)),
            "device %s" % intent.device.name,
        )
    return found


def check_aspa(intent, syntax: str, options) -> None:
    """SafetyError naming the field ``aspa`` when ``options`` turn ASPA path verification on and ``syntax`` has
    none (``NO_ASPA``): the policy is never deployed without it."""
    if options.aspa and syntax not in ASPA_PLATFORMS:
        raise SafetyError(
            "ASPA path verification is on, and %s has none (%s); nothing was rendered or changed. It is written for "
            "%s; set aspa to false for this router"
            % (syntax, NO_ASPA.get(syntax, "routesec writes none for it"), " and ".join(ASPA_PLATFORMS)),
            "device %s" % intent.device.name,
            "aspa",
        )


def aspa_on_openbgpd(intent, options) -> bool:
    return options.aspa and intent.device.platform == "openbgpd"


def aspa_source_check(intent, options):
    """On OpenBGPD with ASPA, the check of a loaded candidate that bgpd's configuration gives it ASPAs (an ``rtr``
    session with ``min-version 2``, or an ``aspa-set``; without, every path would be ASPA-unknown and the check
    would let leaks through); None elsewhere (BIRD's ``bird -p`` refuses a filter whose ASPA function the
    configuration lacks)."""
    if not aspa_on_openbgpd(intent, options):
        return None

    def check(driver):
        main = driver.main_path or driver.path
        text = openbgpd.expand_includes(driver.runner.read(main) or "", main, driver.runner.read)
        if not openbgpd.gives_aspas(text):
            raise SafetyError(
                "ASPA path verification is on, and %s gives bgpd no ASPAs (no rtr session with min-version 2, no "
                "aspa-set): every path would be ASPA-unknown; nothing was changed. Write its rtr sessions with "
                "routesec.bgp.rov_config aspa=true" % main,
                "device %s" % intent.device.name,
                "aspa",
            )

    return check


def aspa_refresh(intent, options):
    """On OpenBGPD with ASPA, what follows the reload: every session asked for its routes again (route refresh).
    OpenBGPD 8.8 evaluates its routes again after a reload that changes the filters, and then finds every ASPA state
    unknown until the neighbour sends the route again: a leak would pass as unknown (or, with ``aspa_unknown``
    reject, every route be rejected). None elsewhere."""
    if not aspa_on_openbgpd(intent, options):
        return None
    addresses = [s.address for s in sorted(intent.sessions) if s.ebgp]
    return lambda driver: driver.refresh(addresses)


def check_removed_sessions(name, session, running, candidate, allowed):
    """SafetyError naming the sessions (``session`` finds them) the candidate would remove, unless ``allowed``."""
    gone = sorted(set(session.findall(running)) - set(session.findall(candidate)))
    if gone and not allowed:
        raise SafetyError(
            "the change would remove the BGP sessions %s, which NetBox no longer has (or no longer classifies); "
            "nothing was changed. Set remove_sessions=true to remove them" % ", ".join(gone),
            "device %s" % name,
        )


def subtree_filter(syntax):
    """What a NETCONF driver reads of the running configuration for ``syntax`` (None: not NETCONF)."""
    module = VENDOR_RENDERERS.get(syntax)
    return getattr(module, "FILTER", None) if syntax == "openconfig" else None


def render_session_policy(intent, options, syntax: str | None = None) -> str:
    """The session policy of ``intent`` in ``syntax`` (the platform's, or ``openconfig``), without a router:
    on platforms whose bindings depend on the running configuration (Junos' groups) with their defaults."""
    syntax = syntax or intent.device.platform
    check_aspa(intent, syntax, options)
    if syntax in VENDOR_RENDERERS:
        return VENDOR_RENDERERS[syntax].render_session_policy(intent, options)
    if syntax not in RENDERERS:
        raise SafetyError(
            "the session policy is written for %s, not %s" % (", ".join([*RENDERERS, *VENDOR_RENDERERS]), syntax),
            "device %s" % intent.device.name,
        )
    return RENDERERS[syntax].render_session_policy(intent, options)


def session_summary(intent, options) -> list:
    """Each eBGP session of ``intent``: its neighbour, relationship, route-maps, max-prefix and role."""
    return [
        {
            "neighbor": s.address,
            "relationship": s.relationship,
            "import": import_name(s),
            "export": export_name(s, options),
            "max_prefix": s.max_prefix,
            "role": s.role,
        }
        for s in sorted(intent.sessions)
        if s.ebgp
    ]


def check_classified(intent, unclassified="fail"):
    if unclassified not in UNCLASSIFIED:
        raise SafetyError("must be one of %s, not %r" % (", ".join(UNCLASSIFIED), unclassified), "unclassified")
    if intent.unclassified and unclassified == "fail":
        raise SafetyError(
            "the eBGP sessions with %s have no relationship, so their policy cannot be derived; nothing was "
            "changed. Set custom_fields.routesec_relationship on each in NetBox, or set unclassified=keep to "
            "leave them as they are" % ", ".join(intent.unclassified),
            "device %s" % intent.device.name,
        )


def check_policy(intent, driver, known=frozenset()):
    """The guards of the module's description, on what the loaded candidate would leave on the router;
    ``known`` names prefix-lists ({(afi, name)}) that count as there though the router lacks them (those the
    intent has without entries, which FRR does not hold)."""
    state, change = driver.policy_state, driver.policy
    where = "device %s" % intent.device.name
    local = intent.device.local_asn
    for session in (s for s in intent.sessions if s.ebgp):
        _check_neighbor(state, local, session, where)
        bound = state.get(("bind", local, session.afi, session.address), {})
        for direction, kind in (("in", "import"), ("out", "export")):
            line = bound.get("route-map %s" % direction)
            if line is None or ("map", line.split()[1]) not in state:
                raise SafetyError(
                    "BGP session %s would be left without an %s route-map; nothing was changed"
                    % (session.name or session.address, kind),
                    where,
                )
    for key in change.keys:
        _check_kept(key, change, state, where)
    for key in (k for k in change.keys if k[0] == "map" and k in state):
        missing = frr_policy.missing_lists(state, key[1], driver.prefix_list_names | set(known))
        if missing:
            raise SafetyError(
                "route-map %s names %s, which the router would not hold; nothing was changed. Deploy the "
                "neighbours' IRR filters (routesec.bgp.prefix_filter) first" % (key[1], ", ".join(missing)),
                where,
            )


def _check_neighbor(state, local, session, where):
    neighbor = state.get(("neighbor", local, session.address))
    if neighbor is not None:
        remote = neighbor.get("remote-as")
        if remote is None and "peer-group" in neighbor:
            remote = state.get(("neighbor", local, neighbor["peer-group"]), {}).get("remote-as")
        neighbor = {"remote_as": remote or "unset"}
    check_neighbor(neighbor, session, where)


def _check_kept(key, change, state, where):
    """A change takes no neighbour's import or export away, and no route-map a neighbour uses."""
    if key[0] == "map" and key not in state and key[1] in frr_policy.used_maps(state):
        raise SafetyError("route-map %s is used by a neighbour and would be removed" % key[1], where)
    if key[0] == "bind":
        for direction in ("in", "out"):
            wanted = "route-map %s" % direction
            if wanted in change.before.get(key, {}) and wanted not in state.get(key, {}):
                raise SafetyError(
                    "neighbour %s would lose its route-map %s; nothing was changed" % (key[3], direction), where
                )
