# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS-XR: every eBGP session's import and export policy in the Routing Policy Language (RPL).

The terms of ``policy.terms`` (the table is in ``render.frr_session_policy``) become one ``route-policy NAME``
per policy: the terms that decide are one ``if``/``elseif`` chain, first match wins, each branch ending with
``drop`` (deny) or ``done`` (permit: accept, stop); a term that changes the route and goes on (graceful
shutdown) is an ``if ... then set local-preference 0 endif`` of its own before the chain. Conditions:

* prefix lists: ``destination in NAME``, the prefix-sets ``render.cisco_iosxr`` writes (the helper lists
  here, the neighbours' IRR lists and our own space by ``routesec.bgp.prefix_filter``);
* AS-path rules: a bogon or transit-free AS anywhere is an ``as-path-set`` of ``ios-regex '_(...)_'`` lines,
  one per range (``policy.as_path_regex``); a path too long is RPL's ``as-path length ge N``; a first AS that
  is not the neighbour's is ``not as-path neighbor-is 'ASN'``; a neighbour's origin list is the
  ``as-path-set`` of ``render_as_path_lists``;
* communities: ``community matches-any`` a ``community-set`` (65535:0, 65535:666),
  ``large-community matches-any`` a ``large-community-set`` (``L:F:*`` matches any third part);
* origin validation: ``validation-state is invalid`` (the router's RPKI configuration, ``render_rov``, makes
  the states).

Actions: ``set local-preference N``, ``delete large-community in SET``, ``set large-community (L:F:C)
additive``, ``set community (no-export) additive``, ``set next-hop peer-address``.

Quirks:

* RPL passes a route that a ``set`` changed unless something drops it, so the chain always ends in a
  decision: a final ``drop`` when the last term has conditions (the graceful-shutdown ``set`` alone would
  otherwise accept a route no term matched).
* A route-policy, prefix-set, as-path-set or community set typed again replaces the old one whole, so the
  candidate redefines every object without deleting it first; the IOS-XR prefix-list renderer's leading
  ``no prefix-set`` lines are left out (the set is never absent, not even within the commit).
* IOS-XR refuses at commit a policy naming a set it does not hold and a neighbour bound to an undefined
  policy; the candidate defines the sets, then the policies, then the bindings. A term naming an empty
  prefix list is left out (``policy.terms.live_terms``).
* IOS-XR accepts and sends no route on an eBGP session without a policy in each direction: every session
  gets both, under ``router bgp LOCAL`` / ``neighbor X`` / ``address-family ipv4|ipv6 unicast``, with
  ``maximum-prefix N 75`` and ``warning-only`` or ``restart MINUTES`` (nothing: torn down until cleared);
  the threshold, IOS-XR's default of 75%, is written out as published running configurations show it.
* A customer that gets only a default route has ``default-originate`` and an export policy that drops
  everything. When the router's neighbour (``parse_neighbors``) has a ``default-originate`` or a
  ``maximum-prefix`` the session no longer wants (the customer now gets the full table, NetBox dropped the
  limit), ``no default-originate`` / ``no maximum-prefix`` takes it away; without ``neighbors`` it is left.
* The text is in the form ``show running-config`` prints (RPL bodies indented two spaces a level, ``!``
  closing blocks), so that the router's comparison of a second run finds nothing to change.

Written from the IOS-XR RPL and BGP command references and published configurations, not checked against a
real router (the unit tests deploy it to an emulated one).
"""

from __future__ import annotations

import ipaddress
import re

from ..policy import terms as policy_terms
from ..policy.as_path_regex import number_pattern
from ..policy.objects import default_only, empty_lists, export_name, import_name
from ..policy.terms import COMMUNITIES, no_roles
from . import cisco_iosxr

GAPS = {
    "roles": no_roles("the IOS-XR BGP configuration guides and command references document no BGP role capability"),
}

MAX_PREFIX_THRESHOLD = 75  # percent: IOS-XR's default warning threshold, written out
INDENT = "  "  # one level of an RPL body or set as IOS-XR prints it
_SET_HEAD = re.compile(r"^[a-z-]+-set \S+$")


def render_session_policy(intent, options, neighbors=None) -> str:
    """The IOS-XR configuration of every eBGP session of ``intent`` (a DeviceIntent) under ``options``;
    ``neighbors`` is what ``parse_neighbors`` read from the router (None: no router read)."""
    policy = policy_terms.policy_set(intent, options)
    if not policy.sessions:
        return ""
    empty = empty_lists(intent, options)
    live = {name: policy_terms.live_terms(each, empty) for name, each in policy.policies.items()}
    named = named_objects(live.values())
    lines = as_printed(cisco_iosxr.render_prefix_lists([p for p in policy.helpers if p.entries]))
    lines += as_printed(cisco_iosxr.render_as_path_lists(intent.as_path_lists))
    lines += as_path_sets([rule for rule in policy.as_paths.values() if ("as_path", rule.name) in named])
    lines += community_sets(sorted(name for kind, name in named if kind == "community"))
    lines += large_community_sets({n: v for n, v in policy.large.items() if ("large_community", n) in named})
    for name, terms in live.items():
        lines += route_policy(name, terms, policy.as_paths)
    lines += binding_lines(intent.device.local_asn, policy.sessions, options, neighbors or {})
    return "\n".join(line for line in lines if line.strip()) + "\n"


def as_printed(text):
    """The sets of the IOS-XR list renderers as IOS-XR prints them (entries two spaces in, ``!`` after each
    ``end-set``), without their ``no`` lines: typing a set again replaces it whole."""
    lines = []
    for line in (line.strip() for line in text.splitlines()):
        if line.startswith("no "):
            continue
        if line == "end-set":
            lines += [line, "!"]
        else:
            lines.append(line if _SET_HEAD.match(line) else INDENT + line)
    return lines


def named_objects(term_lists) -> set:
    """``(kind, name)`` of every AS-path rule, community and large community the terms match or act on."""
    named = set()
    for terms in term_lists:
        for term in terms:
            named |= {(c[0], c[1]) for c in term.match if c[0] in ("as_path", "community", "large_community")}
            named |= {("large_community", a[1]) for a in term.set if a[0] == "delete_large"}
    return named


# -- sets ------------------------------------------------------------------------------------------


def named_set(keyword, name, entries):
    """``keyword NAME``, the entries separated by commas, ``end-set``, as IOS-XR prints a set."""
    body = [INDENT + entry + ("," if index < len(entries) - 1 else "") for index, entry in enumerate(entries)]
    return ["%s %s" % (keyword, name), *body, "end-set", "!"]


def as_path_sets(rules):
    """The rules that test for an AS anywhere in the path; the others are RPL conditions of their own."""
    lines = []
    for rule in (r for r in rules if r.kind == "contains"):
        regexes = ["ios-regex '_(%s)_'" % number_pattern(first, last) for first, last in rule.ranges]
        lines += named_set("as-path-set", rule.name, regexes)
    return lines


def community_sets(names):
    return [line for name in names for line in named_set("community-set", name, [COMMUNITIES[name]])]


def large_community_sets(large):
    """A value ending in ``:`` is a pattern: any third part (``*``)."""
    return [
        line
        for name, value in large.items()
        for line in named_set("large-community-set", name, [value + "*" if value.endswith(":") else value])
    ]


# -- route-policies --------------------------------------------------------------------------------


def condition(match, rules):
    kind = match[0]
    if kind == "prefix_list":
        return "destination in %s" % match[2]
    if kind == "as_path_list":
        return "as-path in %s" % match[1]
    if kind == "community":
        return "community matches-any %s" % match[1]
    if kind == "large_community":
        return "large-community matches-any %s" % match[1]
    if kind == "rpki_invalid":
        return "validation-state is invalid"
    rule = rules[match[1]]
    if rule.kind == "longer":
        return "as-path length ge %d" % (rule.count + 1)
    if rule.kind == "first_not":
        return "not as-path neighbor-is '%d'" % rule.asn
    return "as-path in %s" % rule.name


def action(act):
    kind = act[0]
    if kind == "local_pref":
        return "set local-preference %d" % act[1]
    if kind == "delete_large":
        return "delete large-community in %s" % act[1]
    if kind == "add_large":
        return "set large-community (%s) additive" % act[1]
    if kind == "add_community":
        return "set community (%s) additive" % act[1]
    return "set next-hop peer-address"  # next_hop_peer


def conditions(term, rules):
    return " and ".join(condition(match, rules) for match in term.match)


def outcome(term):
    """A deciding term's statements: its actions, then ``done`` (accept, stop) or ``drop``."""
    return [action(act) for act in term.set] + ["done" if term.action == "permit" else "drop"]


def chain(terms, rules):
    """Deciding ``terms`` as one if/elseif chain, first match wins; an unconditional term closes it."""
    lines = []
    for index, term in enumerate(terms):
        if not term.match:
            lines += (["else"] if index else []) + outcome(term)
            break
        lines += ["%s %s then" % ("elseif" if index else "if", conditions(term, rules)), *outcome(term)]
    return lines + (["endif"] if terms and terms[0].match else [])


def policy_statements(terms, rules):
    """The body of a route-policy: chains of deciding terms, a then-next term its own ``if`` between them,
    and ``drop`` when no unconditional term decided."""
    lines, pending = [], []
    for term in terms:
        if term.then_next:
            lines += chain(pending, rules)
            pending = []
            body = [action(act) for act in term.set]
            lines += ["if %s then" % conditions(term, rules), *body, "endif"] if term.match else body
            continue
        pending.append(term)
        if not term.match:
            break
    lines += chain(pending, rules)
    decided = pending and not pending[-1].match
    return lines + ([] if decided else ["drop"])


def indented(statements):
    """RPL statements indented as IOS-XR prints them: two spaces a level, ``elseif``/``else`` at their ``if``."""
    lines, depth = [], 1
    for statement in statements:
        word = statement.split()[0]
        if word in ("endif", "elseif", "else"):
            depth -= 1
        lines.append(INDENT * depth + statement)
        if word in ("if", "elseif", "else"):
            depth += 1
    return lines


def route_policy(name, terms, rules):
    return ["route-policy %s" % name, *indented(policy_statements(terms, rules)), "end-policy", "!"]


# -- bindings --------------------------------------------------------------------------------------


def binding_lines(local, sessions, options, neighbors):
    """``router bgp LOCAL``: per session and family its route-policies, maximum-prefix and default route."""
    lines = ["router bgp %d" % local]
    for session in sorted(sessions):
        kept = neighbors.get(session.address, {})
        lines += [" neighbor %s" % session.address, "  address-family ipv%d unicast" % session.afi]
        lines.append("   route-policy %s in" % import_name(session))
        lines += setting(session, maximum_prefix(session, options), kept.get("maximum_prefix", ()), "maximum-prefix")
        lines.append("   route-policy %s out" % export_name(session, options))
        wanted = "default-originate" if default_only(session, options) else None
        lines += setting(session, wanted, kept.get("default_originate", ()), "default-originate")
        lines += ["  !", " !"]
    return lines + ["!"]


def setting(session, wanted, families, keyword):
    """The line of a setting of the session's family, or its removal (``no KEYWORD``) when the router's
    neighbour has it in that family (``families``) and the session no longer wants it."""
    if wanted:
        return ["   " + wanted]
    return ["   no " + keyword] if session.afi in families else []


def maximum_prefix(session, options):
    """``maximum-prefix N 75`` and what IOS-XR does over it: log, or tear down and come back after
    ``max_prefix_restart`` minutes (or stay down until cleared); None without a limit."""
    if not session.max_prefix:
        return None
    if session.max_prefix_action == "warning":
        over = " warning-only"
    else:
        over = " restart %d" % options.max_prefix_restart if options.max_prefix_restart else ""
    return "maximum-prefix %d %d%s" % (session.max_prefix, MAX_PREFIX_THRESHOLD, over)


# -- the router's neighbours -----------------------------------------------------------------------

_ROUTER_BGP = re.compile(r"^router bgp (\d+)$")


def blocks(text):
    """``[(line, children)]`` of IOS-XR configuration ``text``, nested by indentation (``!`` lines skipped)."""
    root = []
    stack = [(-1, root)]
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.strip().startswith("!"):
            continue
        depth = len(line) - len(line.lstrip())
        while stack[-1][0] >= depth:
            stack.pop()
        children = []
        stack[-1][1].append((line.strip(), children))
        stack.append((depth, children))
    return root


def _child_values(children, prefix):
    return [line[len(prefix) :].strip() for line, _children in children if line.startswith(prefix)]


def parse_neighbors(running: str) -> dict:
    """The neighbours of ``router bgp`` (outside VRFs) in IOS-XR ``running``: ``{address: {"remote_as",
    "group", "maximum_prefix", "default_originate"}}``, the AS from the neighbour or its neighbor-group (None:
    neither has one), the families (4, 6) in which the neighbour has a maximum-prefix and a default route."""
    found = {}
    for line, body in blocks(running):
        if not _ROUTER_BGP.match(line):
            continue
        groups = {
            head.split()[1]: (_child_values(children, "remote-as ") or [None])[0]
            for head, children in body
            if head.startswith("neighbor-group ")
        }
        for head, children in body:
            if not head.startswith("neighbor "):
                continue
            try:
                address = str(ipaddress.ip_address(head.split()[1]))
            except ValueError:
                continue  # a range of dynamic neighbours
            group = (_child_values(children, "use neighbor-group ") or [None])[0]
            found[address] = {
                "remote_as": (_child_values(children, "remote-as ") or [groups.get(group)])[0],
                "group": group,
                "maximum_prefix": families_with(children, "maximum-prefix"),
                "default_originate": families_with(children, "default-originate"),
            }
    return found


def families_with(children, keyword):
    """The families (4, 6) of a neighbour's ``address-family ipvN unicast`` blocks that hold ``keyword``."""
    return tuple(
        int(head[len("address-family ipv")])
        for head, body in children
        if re.match(r"^address-family ipv[46] unicast$", head)
        and any(line.split()[0] == keyword for line, _sub in body)
    )
