# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session policy as route-maps, what Cisco IOS/IOS-XE and Arista EOS share (their own files,
``render.cisco_ios_session_policy`` and ``render.arista_eos_session_policy``, hold their spellings as a
``Dialect`` and write the bindings under ``router bgp``).

The terms of ``policy.terms`` (the table is in ``render.frr_session_policy``) become one route-map per policy,
one entry per live term (``policy.terms.live_terms``: a term naming an empty prefix list is left out, as a
match on a missing list may match everything), numbered as the term: its ``match`` lines, a ``continue`` to
the next written entry for a term that changes the route and goes on (graceful shutdown), its ``set`` lines.
After a ``continue`` whether a route that no later entry matches is dropped is not spelled out alike by the
vendors, so a route-map with one ends in an entry ``deny 65535`` without conditions: a route no term matches
is denied on every platform.

The objects the terms name are redefined whole on each run (``no`` the object, then its lines), the way the
platforms' prefix-list renderers redefine a list, so that a second run leaves nothing to change:

* AS-path rules are regular expressions over the path as text (``_`` between numbers, as bgpq4's lists):
  an AS of the ranges anywhere is ``_(A|B|...)_``, cut into lines of at most ``RANGES_PER_LINE`` numbers
  (the lines of a list are alternatives); a first AS other than the neighbour's is a ``deny ^ASN_`` line
  and a ``permit .*``; a path longer than N is the dialect's (None: the platform checks the length
  elsewhere and the terms matching that rule are left out);
* the standard communities (graceful shutdown 65535:0, blackhole 65535:666) are standard community lists;
  the large community that says a route came from a customer is a standard large-community list, the
  pattern of all our informational ones (``LOCAL:FUNCTION:*``) a regular-expression list used to delete
  them; its expression is not anchored at the start, so nothing a neighbour sends under our prefix escapes
  the deletion (at worst a community of another namespace that ends in ours is deleted too).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from ..policy import terms as policy_terms
from ..policy.as_path_regex import ranges_pattern
from ..policy.objects import default_only, empty_lists, export_name, import_name
from ..policy.terms import BLACKHOLE, COMMUNITIES, FROM_CUSTOMER, GSHUT, INFO

FALLBACK_DENY_SEQ = 65535  # the last entry of a route-map with a continue (IOS's highest sequence number)
RANGES_PER_LINE = 8  # numbers of an AS-path alternation per list line

MATCH = {
    "as_path": "match as-path %s",
    "as_path_list": "match as-path %s",
    "community": "match community %s",
    "large_community": "match large-community %s",
    "rpki_invalid": "match rpki invalid",
}
SET = {
    "local_pref": "set local-preference %d",
    "delete_large": "set large-comm-list %s delete",
    "add_large": "set large-community %s additive",
    "add_community": "set community %s additive",
}


@dataclass(frozen=True)
class Dialect:
    """How a platform spells the route-map policy.

    ``indent``: a route-map entry's lines and ``router bgp``'s, as the platform prints them (the lines of an
    address family under ``router bgp`` twice that). ``match``/``set``: the spellings that differ from the
    IOS ones of ``MATCH``/``SET``. ``heads``: the first words of each list kind (``community``, ``large``,
    ``large_regex``, ``as_path``), its name as ``%s``; ``as_path_tail`` what follows an AS-path line's
    expression. ``path_longer(count)``: the expression of a path of more than ``count`` ASNs (None: not an
    expression on this platform). ``expression(text)``: an expression as the platform takes it. ``preamble``:
    lines the policy needs before the objects."""

    indent: str
    heads: dict
    as_path_tail: str = ""
    match: dict = field(default_factory=dict)
    set: dict = field(default_factory=dict)
    path_longer: object = None
    expression: object = None
    preamble: tuple = ()

    def match_line(self, condition):
        if condition[0] == "prefix_list":
            return "match %s address prefix-list %s" % (ip_word(condition[1]), condition[2])
        return {**MATCH, **self.match}[condition[0]] % condition[1:]

    def set_line(self, action, afi):
        if action[0] == "next_hop_peer":
            return "set %s next-hop peer-address" % ip_word(afi)
        return {**SET, **self.set}[action[0]] % action[1:]

    def object_lines(self, kind, name, entries):
        """The object redefined whole: ``no`` its head, then one line per ``(action, value)``."""
        head = self.heads[kind] % name
        tail = self.as_path_tail if kind == "as_path" else ""
        return ["no " + head, *("%s %s %s%s" % (head, action, value, tail) for action, value in entries)]

    def regex(self, text):
        return self.expression(text) if self.expression else text


def ip_word(afi):
    return "ip" if afi == 4 else "ipv6"


def render(intent, options, dialect, platform, bindings) -> str:
    """The candidate of ``intent``'s session policy: ``platform`` (the platform's ``render`` module) writes the
    prefix lists and the neighbours' origin lists, ``bindings(policy_set)`` the lines under ``router bgp``."""
    policy = policy_terms.policy_set(intent, options)
    if not policy.sessions:
        return ""
    lines = list(dialect.preamble)
    lines += platform.render_prefix_lists([plist for plist in policy.helpers if plist.entries]).splitlines()
    lines += as_path_lines(policy.as_paths, dialect)
    lines += platform.render_as_path_lists(intent.as_path_lists).splitlines()
    lines += community_lines(policy.large, dialect)
    empty = empty_lists(intent, options)
    for each in policy.policies.values():
        lines += route_map_lines(each, written_terms(each, empty, policy.as_paths, dialect), dialect)
    lines += bindings(policy)
    return "\n".join(line for line in lines if line.strip()) + "\n"


# -- objects -------------------------------------------------------------------------------------------


def as_path_lines(rules, dialect):
    """The AS-path access-lists of the rules the dialect writes as expressions."""
    lines = []
    for rule in rules.values():
        entries = as_path_entries(rule, dialect)
        if entries:
            lines += dialect.object_lines("as_path", rule.name, entries)
    return lines


def as_path_entries(rule, dialect):
    if rule.kind == "contains":
        pieces = ranges_pattern(rule.ranges).split("|")
        groups = [pieces[i : i + RANGES_PER_LINE] for i in range(0, len(pieces), RANGES_PER_LINE)]
        return [("permit", dialect.regex("_(%s)_" % "|".join(group))) for group in groups]
    if rule.kind == "longer":
        longer = dialect.path_longer(rule.count) if dialect.path_longer else None
        return [("permit", longer)] if longer else []
    return [("deny", "^%d_" % rule.asn), ("permit", ".*")]  # first_not


def unwritten_rules(rules, dialect):
    """The names of the AS-path rules the dialect does not write as an expression."""
    return {name for name, rule in rules.items() if not as_path_entries(rule, dialect)}


def community_lines(large, dialect):
    lines = []
    for name in (GSHUT, BLACKHOLE):
        lines += dialect.object_lines("community", name, [("permit", COMMUNITIES[name])])
    lines += dialect.object_lines("large_regex", INFO, [("permit", dialect.regex(large[INFO] + "[0-9]+"))])
    lines += dialect.object_lines("large", FROM_CUSTOMER, [("permit", large[FROM_CUSTOMER])])
    return lines


# -- route-maps ----------------------------------------------------------------------------------------


def written_terms(policy, empty, rules, dialect):
    """The live terms of ``policy`` less those matching an AS-path rule the dialect checks elsewhere."""
    skipped = unwritten_rules(rules, dialect)
    return [
        term
        for term in policy_terms.live_terms(policy, empty)
        if not any(c[0] == "as_path" and c[1] in skipped for c in term.match)
    ]


def route_map_lines(policy, terms, dialect):
    """``no route-map NAME`` and one entry per term; a final ``deny`` after a ``continue``."""
    lines = ["no route-map %s" % policy.name]
    for index, term in enumerate(terms):
        following = terms[index + 1].seq if index + 1 < len(terms) else None
        lines += entry_lines(policy, term, following if term.then_next else None, dialect)
    if any(term.then_next for term in terms):
        lines += ["route-map %s deny %d" % (policy.name, FALLBACK_DENY_SEQ), "!"]
    return lines


def entry_lines(policy, term, continue_to, dialect):
    body = [dialect.match_line(condition) for condition in term.match]
    body += ["continue %d" % continue_to] if continue_to is not None else []
    body += [dialect.set_line(action, policy.afi) for action in term.set]
    head = "route-map %s %s %d" % (policy.name, term.action, term.seq)
    return [head, *(dialect.indent + line for line in body), "!"]


# -- bindings ------------------------------------------------------------------------------------------


def by_family(sessions):
    """``{4: [session, ...], 6: [...]}`` of the families that have sessions, each sorted."""
    families = {}
    for session in sorted(sessions):
        families.setdefault(session.afi, []).append(session)
    return dict(sorted(families.items()))


def block(head, body, indent, closing=None):
    """``head``, its ``body`` lines indented one level (``indent``), and ``closing`` at the head's level."""
    return [head, *(indent + line for line in body), *([closing] if closing else [])]


def neighbor_settings(neighbors, session):
    """What the router's neighbour of ``session`` has besides its AS (``parse_neighbors``; none if unknown)."""
    return neighbors.get(session.address, {}).get("settings", ())


def policy_lines(session, options, neighbors):
    """A session's route-maps in and out, and ``default-originate`` for a customer that gets only a default
    route (``no`` it when the router's neighbour has one and the customer now gets the full table)."""
    peer = "neighbor %s" % session.address
    lines = []
    if default_only(session, options):
        lines.append("%s default-originate" % peer)
    elif "default-originate" in neighbor_settings(neighbors, session):
        lines.append("no %s default-originate" % peer)
    return lines + [
        "%s route-map %s in" % (peer, import_name(session)),
        "%s route-map %s out" % (peer, export_name(session, options)),
    ]


# -- the router's neighbours ---------------------------------------------------------------------------

_ROUTER_BGP = re.compile(r"^router bgp (\S+)\s*$")
_NEIGHBOR = re.compile(r"^neighbor (?P<peer>\S+) (?P<rest>.+)$")
_GROUP = re.compile(r"^peer[ -]group(?: (?P<name>\S+))?$")


def parse_neighbors(running) -> dict:
    """``{address: {"remote_as", "group", "settings"}}`` of the neighbours under ``router bgp`` (outside any
    VRF) in IOS or EOS running text: the remote AS their own or their peer group's, ``settings`` what else
    their ``neighbor`` lines say there and in its address families (``default-originate``, ...)."""
    lines, peers = router_bgp_lines(running), {}
    for line in lines:
        found = _NEIGHBOR.match(line)
        if found:
            peers.setdefault(found["peer"], []).append(found["rest"])
    result = {}
    for peer, settings in peers.items():
        address = normalised(peer)
        if address is not None:
            group = next((g["name"] for g in map(_GROUP.match, settings) if g and g["name"]), None)
            remote = remote_as(settings) or remote_as(peers.get(group, []))
            result[address] = {"remote_as": remote, "group": group, "settings": frozenset(settings)}
    return result


def router_bgp_lines(running):
    """The lines (stripped) of the ``router bgp`` block and of its address families (not of its VRFs)."""
    found, inside, vrf_indent = [], False, None
    for raw in running.splitlines():
        line = raw.strip()
        indent = len(raw) - len(raw.lstrip())
        if indent == 0 and line:
            inside = bool(_ROUTER_BGP.match(line))
            continue
        if not inside or not line or line.startswith("!"):
            continue
        if vrf_indent is not None and indent > vrf_indent:
            continue
        vrf_indent = indent if line.startswith("vrf ") or re.match(r"^address-family \S+ vrf ", line) else None
        if vrf_indent is None:
            found.append(line)
    return found


def remote_as(settings):
    return next((rest.split()[1] for rest in settings if rest.startswith("remote-as ")), None)


def normalised(peer):
    try:
        return str(ipaddress.ip_address(peer))
    except ValueError:
        return None
