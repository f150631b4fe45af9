# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenBGPD: every eBGP session of NetBox as a ``neighbor`` with its import and export filter rules.

The same policy as FRR's (``frr_session_policy``; NLNOG BGP filter guide, MANRS), as ``quick`` filter rules per
neighbour, in the order FRR's route-map entries have: graceful shutdown lowers the preference; bogon AS
numbers, long paths, transit-free networks (customers and peers), blackhole requests except a customer's
allowed ones (accepted with NO_EXPORT), bogon prefixes, the default route, prefixes too long or too short, our
own space and RPKI-invalid routes (``ovs invalid``: the origin-validation part, ``rtr`` blocks, gives the
states) are rejected; customers and peers are limited to their IRR prefix set and origins (``source-as``);
what is accepted loses our ``LOCAL:FUNCTION:*`` large communities and gets the one saying where it was
learned. bgpd itself rejects a first AS that is not the neighbour's (``enforce neighbor-as``, off for route
servers).

Where OpenBGPD differs (bgpd.conf(5), 7.7): RFC 9234 roles are ``announce policy`` (with ``enforce`` in strict
mode); a customer that gets only a default route gets ``export default-route``; the next hop is left as
received (bgpd has no "neighbour's address" next hop; it uses only next hops it can reach); OpenBGPD has no
warning-only max-prefix, so a session whose max-prefix is a warning gets none (a comment in the file says so)
and one over its limit is torn down and back after ``max_prefix_restart`` minutes.

ASPA path verification (``aspa``; bgpd.conf(5) of OpenBGPD 8.8) needs OpenBGPD 8: bgpd gives each route from an
eBGP neighbour its ASPA validation state from the ASPAs of its ``rtr`` sessions (RTR version 2), upstream or
downstream by the session's local ``role`` (a local role customer, that is a transit, downstream; any other
upstream; no role, always unknown), and the import rules reject ``avs invalid`` (and, with ``aspa_unknown``
reject, ``avs unknown``). So with ``aspa`` every session gets OpenBGPD 8's ``role`` - the one its relationship
implies, also where NetBox turns the role off - and RFC 9234's capability with ``announce policy yes`` (or
``enforce`` in strict mode) only where NetBox has the role; with a role bgpd also applies RFC 9234's
Only-to-Customer rules. OpenBGPD 7 refuses ``role`` and ``avs``: the target's own ``bgpd -n`` refuses the file
rather than running without the check.

The file is meant to be included at the end of the router's bgpd.conf (``include "FILE"``), after its global
settings and ``rtr`` blocks; routesec owns the neighbours it writes.

Reading a configuration back (compliance; the text as ``openbgpd.expand_includes`` leaves it):
``parse_sessions`` gives every neighbour of the router, routesec's or not, as plain data (those in a
``group`` with the group's settings, their own winning), and ``session_blocks`` what this file writes per
neighbour (its block and the rules naming its address alone, in order) and its ``as-set``s as
whitespace-normalised text. By bgpd.conf(5) the last matching ``allow`` or ``deny`` rule decides, a
``quick`` one at once, and an UPDATE no rule decides is denied; the rules that apply to a neighbour are
those naming ``any``, its address, its group, its AS, or ``ebgp``/``ibgp`` as it is. A neighbour has an
import (export) policy when those rules decide its routes one by one: some rule with a condition (a prefix,
an AS path, a community, ...) changes the outcome a route matching no condition gets. With none, every
route is accepted (``allow from any`` alone) or none is (no rule allows any) - as on FRR, a session
without a route-map. ``export default-route`` counts as an export policy (only the default route is
sent), ``export none`` as none. A maximum-prefix is an inbound ``max-prefix`` (not ``max-prefix N out``);
the role is ``announce policy ROLE`` (OpenBGPD 7) or ``role`` with ``announce policy yes`` or ``enforce``
(OpenBGPD 8). Macros are not expanded. Neighbours are addresses, so routesec's cannot
be told from the router's own once the includes are in place: a neighbour this file would not write is
not drift (``OWNED`` is empty); one NetBox does not know is still checked for its policy.
"""

from __future__ import annotations

import ipaddress
import re
from collections import namedtuple

from ..intent.sessions import ROLE_OF
from ..policy import objects
from . import common, openbgpd

GSHUT, BLACKHOLE, NO_EXPORT = "GRACEFUL_SHUTDOWN", "BLACKHOLE", "NO_EXPORT"
ROLES = {"provider": "provider", "customer": "customer", "peer": "peer", "rs-client": "rs-client"}


GAPS = {  # what OpenBGPD cannot express, and what it does instead
    "max_prefix_warning": "OpenBGPD has no warning-only max-prefix: such a session gets none (a comment in the "
    "file says so)",
    "next_hop_peer": "the next hop is left as received (bgpd only uses next hops it can reach)",
}


def render_session_policy(intent, options) -> str:
    """OpenBGPD configuration for every eBGP session of ``intent`` (a DeviceIntent) under ``options``."""
    sessions, helpers = objects.whole_file(intent, options)
    if not sessions:
        return ""
    local = intent.device.local_asn
    lines = ["# %s" % objects.file_header(intent)]
    lines += openbgpd.render_prefix_lists([*intent.prefix_lists, *helpers]).splitlines()
    for aspl in intent.as_path_lists:
        lines.append('as-set "%s" { %s }' % (aspl.name, " ".join(str(a) for a in aspl.origins) or "0"))
    if options.transit_free:
        lines.append(
            'as-set "ROUTESEC-TRANSIT-FREE" { %s }' % " ".join(str(a) for a in sorted(set(options.transit_free)))
        )
    for session in sessions:
        lines += neighbor(session, options)
    for session in sessions:
        lines += import_rules(session, options, local) + export_rules(session, options, local)
    return "\n".join(lines) + "\n"


def neighbor(session, options):
    lines = ["neighbor %s {" % session.address, "\tremote-as %d" % session.remote_asn]
    lines.append('\tdescr "%s"' % (session.name or session.address))
    lines += role_lines(session, options)
    if session.relationship == "route_server":
        lines.append("\tenforce neighbor-as no")
    if session.max_prefix and session.max_prefix_action == "warning":
        lines.append("\t# max-prefix %d (warning): OpenBGPD only tears a session down; not set" % session.max_prefix)
    elif session.max_prefix:
        restart = " restart %d" % options.max_prefix_restart if options.max_prefix_restart else ""
        lines.append("\tmax-prefix %d%s" % (session.max_prefix, restart))
    if objects.default_only(session, options):
        lines.append("\texport default-route")
    return [*lines, "}"]


def role_lines(session, options):
    """The session's RFC 9234 role: OpenBGPD 7's ``announce policy ROLE``, or with ``aspa`` OpenBGPD 8's ``role``
    (always: ASPA verification reads it) and ``announce policy`` where NetBox has the role."""
    strict = options.role_strict
    if not options.aspa:
        return ["\tannounce policy %s%s" % (ROLES[session.role], " enforce" if strict else "")] if session.role else []
    lines = ["\trole %s" % ROLES[session.role or ROLE_OF[session.relationship]]]
    return lines + (["\tannounce policy %s" % ("enforce" if strict else "yes")] if session.role else [])


def path_checks(direction, options):
    """What no route may have in either direction, by its path: a bogon AS number, too many AS numbers."""
    rules = ["deny quick %s AS %s" % (direction, asn_range(first, last)) for first, last in options.bogon_asns()]
    return rules + ["deny quick %s max-as-len %d" % (direction, options.max_path_length)]


def prefix_checks(direction, afi):
    names = ("BOGONS", "DEFAULT", "LENGTH")
    return ['deny quick %s prefix-set "%s"' % (direction, objects.helper_list_name(what, afi)) for what in names]


def asn_range(first, last):
    return str(first) if first == last else "%d - %d" % (first, last)


def tag(session, options, local):
    code = options.community(session.relationship, local)
    return "large-community delete %d:%d:* large-community %s" % (local, options.community_function, code)


def import_rules(session, options, local):
    rel, afi, asn = session.relationship, session.afi, session.remote_asn
    source = "from %s" % session.address
    rules = ["match %s community %s set localpref 0" % (source, GSHUT), *path_checks(source, options)]
    if rel in ("customer", "peer") and options.transit_free:
        rules.append('deny quick %s AS as-set "ROUTESEC-TRANSIT-FREE"' % source)
    if session.blackhole:
        allowed = objects.blackhole_list(asn, afi)
        rules.append(
            'allow quick %s community %s prefix-set "%s" set { community %s %s }'
            % (source, BLACKHOLE, allowed, NO_EXPORT, tag(session, options, local))
        )
    rules.append("deny quick %s community %s" % (source, BLACKHOLE))
    rules += prefix_checks(source, afi)
    rules.append('deny quick %s prefix-set "%s"' % (source, objects.helper_list_name("OWN-SPACE", afi)))
    if options.reject_invalid:
        rules.append("deny quick %s ovs invalid" % source)
    rules += ["deny quick %s avs %s" % (source, state) for state in options.aspa_rejected()]
    match = ""
    if rel in ("customer", "peer"):
        match = ' prefix-set "%s" source-as as-set "%s"' % (objects.irr_list(asn, afi), objects.origin_list(asn))
    rules.append("allow quick %s%s set { %s }" % (source, match, tag(session, options, local)))
    return ["# %s: import" % objects.import_name(session), *rules, "deny quick %s" % source]


def export_rules(session, options, local):
    target = "to %s" % session.address
    rules = ["# %s: export" % objects.export_name(session, options)]
    if objects.default_only(session, options):
        return [*rules, "deny quick %s" % target]  # the default route is export default-route's
    rules += path_checks(target, options) + prefix_checks(target, session.afi)
    if session.relationship == "customer":
        return [*rules, "allow quick %s" % target]
    customers = options.community("customer", local)
    rules += ['allow quick %s prefix-set "%s"' % (target, objects.own_list(session.afi))]
    return [*rules, "allow quick %s large-community %s" % (target, customers), "deny quick %s" % target]


# -- a running configuration read back (compliance) -----------------------------------------------------

OWNED = ()  # see the module's description
ACTIONS = ("allow", "deny", "match")
# comments, a backslash joining lines, quoted strings, braces, line ends and commas as tokens of their own
_TOKEN = re.compile(r'#[^\n]*|\\\n|"(?:[^"\\]|\\.)*"|[{}\n,]|[^\s{},"#]+')
Rule = namedtuple("Rule", "action quick direction peers conditional text")


def _statements(tokens):
    return common.statements(tokens, "\n", closes=False)


def _tokens(text):
    return [t for t in _TOKEN.findall(text) if not t.startswith("#") and t not in ("\\\n", ",")]


def parse_sessions(text: str) -> dict:
    """The BGP neighbours of bgpd.conf ``text``: ``{address: {"remote_as", "import", "export", "max_prefix",
    "role"}}`` (see the module's description)."""
    neighbors, rules, local_as = {}, [], None
    for statement in _statements(_tokens(text)):
        if statement[:1] == ["AS"] and len(statement) > 1:
            local_as = statement[1]
        elif statement[0] in ("neighbor", "group"):
            _neighbors(neighbors, statement, {})
        elif statement[0] in ACTIONS:
            rules.append(_rule(statement))
    return {address: _session(address, settings, rules, local_as) for address, settings in neighbors.items()}


def session_blocks(text: str) -> dict:
    """``{label: text}`` of what this file writes, as found in bgpd.conf ``text``: ``neighbor ADDRESS`` (the block,
    then the rules naming the address alone, in order) and ``as-set NAME``, whitespace-normalised."""
    found, rules = {}, []
    for statement in _statements(_tokens(text)):
        head, _body = common.split_block(statement)
        if head[:1] == ["neighbor"] and len(head) > 1:
            found["neighbor %s" % _address(head[1])] = _normal(statement)
        elif head[:1] == ["as-set"] and len(head) > 1:
            found["as-set %s" % common.unquote(head[1])] = _normal(statement)
        elif statement[0] in ACTIONS:
            rules.append(_rule(statement))
    for rule in rules:
        label = "neighbor %s" % rule.peers[0][1] if rule.peers[:1] and rule.peers[0][0] == "address" else None
        if len(rule.peers) == 1 and label in found:
            found[label] += " ; " + rule.text
    return found


def _normal(statement):
    """The statement's tokens joined by one space, its line ends as ``;`` (none doubled, none after ``{``)."""
    words = []
    for tok in statement:
        if tok != "\n":
            words.append(tok)
        elif words and words[-1] not in ("{", ";"):
            words.append(";")
    return " ".join(words)


def _neighbors(found, statement, inherited):
    """Add the neighbour of a ``neighbor`` statement, or those of a ``group`` with its settings, to ``found``."""
    head, body = common.split_block(statement)
    inner = _statements(body or [])
    if head[0] == "neighbor" and len(head) > 1:
        found[_address(head[1])] = _settings(inner, inherited)
    elif head[0] == "group" and len(head) > 1:
        shared = _settings([s for s in inner if s[0] != "neighbor"], {"group": common.unquote(head[1])})
        for nested in (s for s in inner if s[0] == "neighbor"):
            _neighbors(found, nested, shared)


def _settings(statements, inherited):
    """What a neighbour's (or group's) statements say of its session, over the ``inherited`` settings."""
    settings = dict(inherited)
    for words in ([t for t in s if t != "\n"] for s in statements):
        key, args = words[0], words[1:]
        if key in ("remote-as", "local-as", "export") and args:
            settings[key] = args[0]
        elif key == "max-prefix" and args and "out" not in args:
            settings["max-prefix"] = True
        elif key == "announce" and args[:1] == ["policy"] and len(args) > 1:
            settings["announce policy"] = args[1]
        elif key == "role" and args:
            settings["local role"] = args[0]
    return settings


def _role(settings):
    """The RFC 9234 role a neighbour announces: OpenBGPD 7's ``announce policy ROLE``, or OpenBGPD 8's ``role
    ROLE`` with ``announce policy yes`` or ``enforce`` (without, bgpd announces no role); None when none."""
    announced = settings.get("announce policy")
    if announced in ("yes", "enforce"):
        role = settings.get("local role")
        return None if role == "none" else role
    return None if announced in (None, "no") else announced


def _rule(statement):
    """A filter rule: ``ACTION [quick] [rib NAME] (from|to) PEER [parameters] [set ...]``; ``conditional`` when it
    has parameters (or a ``rib``), which only some UPDATEs match."""
    words = [t for t in statement if t != "\n"]
    quick = words[1:2] == ["quick"]
    i = 2 if quick else 1
    rib = words[i : i + 1] == ["rib"]
    i += 2 if rib else 0
    direction = words[i] if i < len(words) else None
    peers, i = _peers(words, i + 1)
    parameters = words[i : words.index("set")] if "set" in words[i:] else words[i:]
    return Rule(words[0], quick, direction, peers, rib or bool(parameters), " ".join(words))


def _peers(words, i):
    """(the peers of the rule ``words`` from ``i``, each ``(kind, value)``, the index after them)."""
    if words[i : i + 1] == ["{"]:
        end = words.index("}", i) if "}" in words[i:] else len(words)
        items, after = words[i + 1 : end], end + 1
    else:
        width = 2 if words[i : i + 1] in (["group"], ["AS"]) else 1
        items, after = words[i : i + width], i + width
    peers, j = [], 0
    while j < len(items):
        if items[j] in ("group", "AS") and j + 1 < len(items):
            peers.append((items[j], common.unquote(items[j + 1])))
            j += 2
            continue
        peers.append((items[j], None) if items[j] in ("any", "ebgp", "ibgp") else ("address", _address(items[j])))
        j += 1
    return tuple(peers), after


def _session(address, settings, rules, local_as):
    own_as = settings.get("local-as") or local_as
    remote = settings.get("remote-as")
    ebgp = remote is None or own_as is None or remote != own_as
    facts = (address, settings, ebgp)

    def policy(direction):
        return _decides([r for r in rules if r.direction == direction and _applies(r, facts)])

    export = settings.get("export")
    return {
        "remote_as": remote if ebgp or remote is None else "internal",
        "import": policy("from"),
        "export": export == "default-route" or (export != "none" and policy("to")),
        "max_prefix": bool(settings.get("max-prefix")),
        "role": _role(settings),
    }


def _applies(rule, facts):
    """Whether ``rule`` applies to the neighbour of ``facts`` (its address, settings and whether it is eBGP)."""
    address, settings, ebgp = facts
    checks = {
        "any": lambda _value: True,
        "ebgp": lambda _value: ebgp,
        "ibgp": lambda _value: not ebgp,
        "address": lambda value: value == address,
        "group": lambda value: value == settings.get("group"),
        "AS": lambda value: value == settings.get("remote-as"),
    }
    return any(checks[kind](value) for kind, value in rule.peers)


def _decides(rules):
    """Whether ``rules`` (those applying to one neighbour in one direction, in order) decide its routes one by
    one: a route matching one conditional rule gets another outcome than a route matching none."""

    def outcome(matching):
        decision = "deny"  # bgpd's default
        for i, rule in enumerate(rules):
            if rule.conditional and i != matching:
                continue
            decision = rule.action if rule.action != "match" else decision
            if rule.quick:
                break
        return decision

    plain = outcome(None)
    return any(outcome(i) != plain for i, rule in enumerate(rules) if rule.conditional)


def _address(word):
    """A neighbour's address (or ``address/len`` of a neighbour template), normalised; a macro as it is."""
    word = common.unquote(word)
    try:
        return str(ipaddress.ip_network(word, strict=False)) if "/" in word else str(ipaddress.ip_address(word))
    except ValueError:
        return word
