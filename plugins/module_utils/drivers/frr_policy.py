# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR: the session policy's objects, read from a configuration and planned object by object.

A configuration text (running, or a candidate as ``render.frr_session_policy`` writes it) is read into
objects, each a dict under its key:

* ``("list", HEAD)``: an AS-path or (large) community list, ``{seq: "permit|deny VALUE"}``; HEAD is its
  line up to ``seq`` (``bgp as-path access-list NAME``, ``bgp community-list standard NAME``, ...);
* ``("map", NAME)``: a route-map, ``{seq: (action, frozenset(lines of the entry))}`` (FRR reorders the
  lines of an entry, so they are compared as a set);
* ``("bind", ASN, AFI, NEIGHBOR)``: what ``router bgp ASN`` says of a neighbour, per address family
  (AFI 4 or 6; ``None`` for the lines outside one), for the keywords the policy manages
  (``route-map ... in|out``, ``maximum-prefix``, ``default-originate``, ``local-role``):
  ``{keyword: line}``;
* ``("neighbor", ASN, NEIGHBOR)``: its ``remote-as`` and ``peer-group``, read for the guards, never changed.

``target`` is what the router should hold after a candidate: its objects replace the running ones, its
neighbours' managed keywords replace theirs (the keywords it leaves out are removed), and the objects
the policy owns (route-maps ``ROUTESEC-IN-*``/``ROUTESEC-OUT-*``, lists ``ROUTESEC-*``) that the
candidate no longer has are removed once nothing uses them. Neighbours the candidate does not name are
left as they are: a session removed from NetBox loses its policy only when it is removed from the router.

``change_lines`` turns a before and an after into the lines that make one the other, in an order FRR
accepts (new lists and route-maps before the neighbours that use them, removals last), and serves the
undo as well as the change.
"""

from __future__ import annotations

import re

OWNED_MAPS = ("ROUTESEC-IN-", "ROUTESEC-OUT-")
OWNED_LISTS = "ROUTESEC-"
LIST_LINE = re.compile(
    r"^(?P<head>bgp (?:as-path access-list|(?:large-)?community-list (?:standard|expanded)) (?P<name>\S+)) "
    r"seq (?P<seq>\d+) (?P<rule>(?:permit|deny) .+)$"
)
MAP_HEADER = re.compile(r"^route-map (\S+) (permit|deny) (\d+)$")
ROUTER = re.compile(r"^router bgp (\d+)$")
FAMILY = re.compile(r"^address-family ipv([46]) unicast$")
NEIGHBOR = re.compile(r"^(?:no )?neighbor (\S+) (.+)$")
SESSION_KEYS = ("local-role",)
FAMILY_KEYS = ("route-map in", "route-map out", "maximum-prefix", "default-originate")
REPLACED_IN_PLACE = ("route-map in", "route-map out", "maximum-prefix")  # a new line replaces the old one
# the lists a route-map line names, by the line's words before the name
LIST_REFERENCES = {
    ("match", "as-path"): "bgp as-path access-list",
    ("match", "community"): "bgp community-list",
    ("match", "large-community"): "bgp large-community-list",
    ("set", "large-comm-list"): "bgp large-community-list",
    ("set", "comm-list"): "bgp community-list",
}
PREFIX_LIST_MATCH = re.compile(r"^match (ip|ipv6) address prefix-list (\S+)$")


def parse(text: str) -> dict:
    """The policy objects of FRR configuration ``text`` (see the module's description)."""
    objects, entry, asn, afi = {}, None, None, None
    for raw in text.splitlines():
        line = raw.strip()
        indented = raw[:1] == " "
        if entry is not None and indented and line and not line.startswith("!"):
            entry.add(line)
            continue
        entry = None
        if not indented:
            asn = afi = None
        if not line or line.startswith("!") or line in ("exit", "exit-address-family", "end"):
            afi = None if line == "exit-address-family" else afi
            continue
        listed, header, router = LIST_LINE.match(line), MAP_HEADER.match(line), ROUTER.match(line)
        if listed:
            objects.setdefault(("list", listed["head"]), {})[int(listed["seq"])] = listed["rule"]
        elif header:
            entry = set()
            objects.setdefault(("map", header[1]), {})[int(header[3])] = (header[2], entry)
        elif router:
            asn = int(router[1])
        elif asn is not None and FAMILY.match(line):
            afi = int(FAMILY.match(line)[1])
        elif asn is not None and NEIGHBOR.match(line):
            _neighbor_line(objects, asn, afi, *NEIGHBOR.match(line).groups())
    for key, value in objects.items():
        if key[0] == "map":
            objects[key] = {seq: (action, frozenset(body)) for seq, (action, body) in value.items()}
    return objects


def _neighbor_line(objects, asn, afi, neighbor, rest):
    words = rest.split()
    if afi is None and words[0] in ("remote-as", "peer-group") and len(words) == 2:
        objects.setdefault(("neighbor", asn, neighbor), {})[words[0]] = words[1]
        return
    key = keyword(words, afi)
    if key is not None:
        objects.setdefault(("bind", asn, afi, neighbor), {})[key] = rest


def keyword(words, afi):
    """The managed keyword a neighbour line's words (after the address) set, or None."""
    key = "route-map %s" % words[-1] if words[0] == "route-map" and len(words) == 3 else words[0]
    return key if key in (SESSION_KEYS if afi is None else FAMILY_KEYS) else None


# -- what the router should hold --------------------------------------------------------------------


def target(running: dict, candidate: dict) -> dict:
    """The objects of ``running`` once ``candidate`` is applied (see the module's description)."""
    spoken = _spoken_for(candidate)
    after = {key: value for key, value in running.items() if key[0] != "bind" or not spoken(key)}
    after.update((key, value) for key, value in candidate.items() if key[0] != "neighbor")
    used = used_maps(after)
    for key in [k for k in after if k[0] == "map" and k[1].startswith(OWNED_MAPS) and k not in candidate]:
        if key[1] not in used:
            del after[key]
    named = {ref for name in _maps(after) for ref in referenced_lists(after, name)}
    for key in [k for k in after if k[0] == "list" and k not in candidate]:
        if list_of(key)[1].startswith(OWNED_LISTS) and list_of(key) not in named:
            del after[key]
    return after


def _spoken_for(candidate):
    """Whether the candidate speaks for a binding: the same neighbour in the same family, or, for a line
    outside a family, the neighbour anywhere."""
    in_family = {(k[1], k[2], k[3]) for k in candidate if k[0] == "bind"}
    anywhere = {(asn, neighbor) for asn, _afi, neighbor in in_family}

    def spoken(bind_key):
        _kind, asn, afi, neighbor = bind_key
        return (asn, neighbor) in anywhere if afi is None else (asn, afi, neighbor) in in_family

    return spoken


def changed_keys(before: dict, after: dict) -> list:
    return sorted((k for k in set(before) | set(after) if before.get(k, {}) != after.get(k, {})), key=repr)


def _maps(objects):
    return [k[1] for k in objects if k[0] == "map"]


def used_maps(objects) -> set:
    """The route-maps some neighbour uses (``route-map X in|out``, ``default-originate route-map X``)."""
    used = set()
    for key, lines in objects.items():
        if key[0] == "bind":
            for line in lines.values():
                words = line.split()
                if "route-map" in words[:-1]:
                    used.add(words[words.index("route-map") + 1])
    return used


def list_of(key) -> tuple:
    """(kind, name) of a list key: its head without the style, ("bgp community-list", "X")."""
    words = key[1].split()
    return " ".join(w for w in words[:-1] if w not in ("standard", "expanded")), words[-1]


def referenced_lists(objects, name) -> set:
    """(kind, name) of each AS-path and community list route-map ``name`` names."""
    found = set()
    for _action, body in objects.get(("map", name), {}).values():
        for line in body:
            words = line.split()
            kind = LIST_REFERENCES.get(tuple(words[:2]))
            if kind is not None and len(words) >= 3:
                found.add((kind, words[2]))
    return found


def missing_lists(objects, name, prefix_lists) -> list:
    """The lists route-map ``name`` names that ``objects`` (and ``prefix_lists``, {(afi, name)}) lack."""
    missing = set()
    for _action, body in objects.get(("map", name), {}).values():
        for line in body:
            match = PREFIX_LIST_MATCH.match(line)
            if match and (4 if match[1] == "ip" else 6, match[2]) not in prefix_lists:
                missing.add("%s prefix-list %s" % (match[1], match[2]))
    present = {list_of(k) for k in objects if k[0] == "list"}
    missing |= {"%s %s" % (kind[4:], list_name) for kind, list_name in referenced_lists(objects, name) - present}
    return sorted(missing)


# -- lines ------------------------------------------------------------------------------------------


def change_lines(before: dict, after: dict, keys) -> list:
    """The lines that bring the objects ``keys`` from ``before`` to ``after``: lists and route-maps that stay
    or come first, then the neighbours, then the lists and route-maps that go."""
    keys = sorted(keys, key=repr)
    staying = [k for k in keys if after.get(k)]
    going = [k for k in keys if not after.get(k)]
    lines = []
    for key in (k for k in staying if k[0] == "list"):
        lines += _list_lines(key[1], before.get(key, {}), after[key])
    for key in (k for k in staying if k[0] == "map"):
        lines += _map_lines(key[1], before.get(key, {}), after[key])
    lines += _binding_lines(before, after, [k for k in keys if k[0] == "bind"])
    lines += ["no route-map %s" % k[1] for k in going if k[0] == "map"]
    return lines + ["no %s" % k[1] for k in going if k[0] == "list"]


def _list_lines(head, old, new):
    lines = ["no %s seq %d %s" % (head, seq, rule) for seq, rule in sorted(old.items()) if new.get(seq) != rule]
    return lines + ["%s seq %d %s" % (head, seq, rule) for seq, rule in sorted(new.items()) if old.get(seq) != rule]


def _map_lines(name, old, new):
    lines = []
    for seq, (action, body) in sorted(old.items()):
        if seq not in new or new[seq][0] != action:
            lines.append("no route-map %s %s %d" % (name, action, seq))
    for seq, (action, body) in sorted(new.items()):
        was = old.get(seq)
        have = was[1] if was and was[0] == action else frozenset()
        if was == (action, body):
            continue
        lines.append("route-map %s %s %d" % (name, action, seq))
        lines += [" no %s" % line for line in sorted(have - body)]
        lines += [" %s" % line for line in _entry_order(body - have)]
        lines.append("exit")
    return lines


def _entry_order(lines):
    """An entry's lines in the order FRR reads them back (description, match, call, on-match, set)."""
    order = ("description", "match", "call", "on-match", "continue", "set")
    return sorted(lines, key=lambda line: (next((i for i, w in enumerate(order) if line.startswith(w)), 9), line))


def _binding_lines(before, after, keys):
    lines = []
    for asn in sorted({k[1] for k in keys}):
        mine = [k for k in keys if k[1] == asn]
        body = []
        for afi in (None, 4, 6):
            section = []
            for key in sorted((k for k in mine if k[2] == afi), key=lambda k: k[3]):
                section += _neighbor_lines(key[3], before.get(key, {}), after.get(key, {}))
            if section and afi is not None:
                section = [" address-family ipv%d unicast" % afi, *(" " + s for s in section), " exit-address-family"]
            body += section
        if body:
            lines += ["router bgp %d" % asn, *body, "exit"]
    return lines


def _neighbor_lines(neighbor, old, new):
    lines = []
    for key, line in sorted(old.items()):
        if new.get(key) != line and not (key in REPLACED_IN_PLACE and key in new):
            lines.append(" no neighbor %s %s" % (neighbor, line))
    return lines + [" neighbor %s %s" % (neighbor, line) for key, line in sorted(new.items()) if old.get(key) != line]


# -- as JSON data, for router_state and compliance ------------------------------------------------------


def to_data(objects: dict) -> list:
    """``objects`` as JSON data: ``[key as a list, value]`` pairs, a route-map entry as ``[action, lines]``."""
    data = []
    for key, value in sorted(objects.items(), key=lambda item: repr(item[0])):
        if key[0] == "map":
            value = {str(seq): [action, sorted(body)] for seq, (action, body) in value.items()}
        elif key[0] == "list":
            value = {str(seq): rule for seq, rule in value.items()}
        data.append([list(key), dict(value)])
    return data


def from_data(data: list) -> dict:
    """The objects ``to_data`` wrote."""
    objects = {}
    for key, value in data:
        key = tuple(key)
        if key[0] == "map":
            value = {int(seq): (action, frozenset(body)) for seq, (action, body) in value.items()}
        elif key[0] == "list":
            value = {int(seq): rule for seq, rule in value.items()}
        objects[key] = value
    return objects


# -- text, for the diff -------------------------------------------------------------------------------


def text(objects: dict, keys) -> str:
    """The objects ``keys`` of ``objects`` as configuration text, one canonical block each."""
    lines = []
    for key in sorted(keys, key=repr):
        value = objects.get(key, {})
        if key[0] == "list":
            lines += ["%s seq %d %s" % (key[1], seq, rule) for seq, rule in sorted(value.items())]
        elif key[0] == "map":
            for seq, (action, body) in sorted(value.items()):
                lines += ["route-map %s %s %d" % (key[1], action, seq), *(" " + b for b in _entry_order(body))]
        elif key[0] == "bind" and value:
            where = "router bgp %d" % key[1] + (" address-family ipv%d unicast" % key[2] if key[2] else "")
            lines += ["%s: neighbor %s %s" % (where, key[3], line) for _k, line in sorted(value.items())]
    return "".join(line + "\n" for line in lines)


class PolicyChange:
    """The session-policy objects a candidate changes: each as it is (``before``) and as it will be
    (``after``), only those that differ."""

    def __init__(self, before: dict, after: dict):
        self.keys = changed_keys(before, after)
        self.before = {k: before[k] for k in self.keys if k in before}
        self.after = {k: after[k] for k in self.keys if k in after}

    def __bool__(self):
        return bool(self.keys)

    def lines(self) -> list:
        return change_lines(self.before, self.after, self.keys)

    def reverse(self) -> PolicyChange:
        return PolicyChange(self.after, self.before)

    def diff_texts(self) -> tuple:
        return text(self.before, self.keys), text(self.after, self.keys)

    def wrong(self, running: dict) -> list:
        """The objects ``running`` (parsed) does not hold as planned, by name."""
        return [label(k) for k in self.keys if running.get(k, {}) != self.after.get(k, {})]

    def back_from(self, running: dict) -> PolicyChange:
        """From what ``running`` (parsed) holds now back to ``before``, for these objects."""
        return PolicyChange({k: running[k] for k in self.keys if k in running}, self.before)


def label(key) -> str:
    """How a finding or an error names the object of ``key``."""
    if key[0] == "bind":
        return "neighbor %s%s" % (key[3], " (IPv%d)" % key[2] if key[2] else "")
    return "route-map %s" % key[1] if key[0] == "map" else key[1][len("bgp ") :]
