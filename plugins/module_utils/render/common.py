# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers the platform renderers share: length ranges, list checks, config tokens.

Every platform spells "which prefix lengths match" differently (Cisco ``ge``/``le``,
Junos ``upto``/``prefix-length-range``, BIRD ``{lo,hi}``, ...), so renderers
work from one *length range* ``(low, high)`` and parsers build entries back from
one. Entries are kept in a canonical form, the one bgpq4 prints:

* exact match -> ``ge None, le None``;
* low equals the prefix length -> ``ge None, le high`` (``le 24``);
* otherwise -> ``ge low, le high`` (both printed, never a bare ``ge``).

``model.PrefixEntry`` holds every entry in that form (Cisco reads a bare
``ge 16`` as 16..32 and ``ge 8 le 24`` on a /8 as ``le 24``), so intent
compares equal to what any platform's parser returns.
"""

from __future__ import annotations

import re
from collections import namedtuple

from ..errors import DataError
from ..intent.model import PrefixEntry, parse_prefix

NamedSet = namedtuple("NamedSet", "name entries description")


def length_range(entry):
    """The ``(low, high)`` prefix lengths ``entry`` matches, read the Cisco way."""
    own = entry.prefix.prefixlen
    low = own if entry.ge is None else entry.ge
    if entry.le is not None:
        high = entry.le
    else:
        high = own if entry.ge is None else entry.prefix.max_prefixlen
    return low, high


def shape(entry):
    """``(kind, low, high)``: kind is ``exact``, ``upto`` (from the prefix's own
    length to ``high``) or ``range`` (``low`` longer than the prefix), the three
    cases every platform spells differently."""
    low, high = length_range(entry)
    own = entry.prefix.prefixlen
    if low == high == own:
        return "exact", low, high
    return ("upto" if low == own else "range"), low, high


def from_range(prefix, low, high, action="permit", where="running config"):
    """A canonical entry for ``prefix`` matching lengths ``low..high``.

    ``prefix`` may be text; ranges no entry can hold (low shorter than the
    prefix, high past the family's maximum, low above high) raise DataError.
    """
    prefix = parse_prefix(prefix, where)
    own = prefix.prefixlen
    if low == own and high == own:
        return PrefixEntry(prefix, None, None, action)
    if low < own:
        raise DataError(f"length {low} is shorter than {prefix}", where, "ge")
    return PrefixEntry(prefix, None if low == own else low, high, action)


# One prefix-list line as IOS, IOS-XE and FRR print it (``seq`` is optional on IOS input).
CISCO_LINE = re.compile(
    r"^(?P<kw>ip|ipv6) prefix-list (?P<name>\S+)(?: seq (?P<seq>\d+))? (?P<action>permit|deny) "
    r"(?P<prefix>\S+)(?: ge (?P<ge>\d+))?(?: le (?P<le>\d+))?\s*$"
)


def cisco_keyword(afi):
    """``ip prefix-list`` or ``ipv6 prefix-list``: IOS, EOS and FRR keep the families apart."""
    return "ip prefix-list" if afi == 4 else "ipv6 prefix-list"


def cisco_bounds(entry):
    """`` ge 16 le 24``, `` le 24`` or ``""``: the IOS/EOS/IOS-XR suffix, as bgpq4 prints it."""
    kind, low, high = shape(entry)
    return {"exact": "", "upto": f" le {high}", "range": f" ge {low} le {high}"}[kind]


def entry_text(entry):
    """``permit 192.0.2.0/24 ge 25 le 26``: an entry as results and reports show it."""
    return "%s %s%s" % (entry.action, entry.prefix, cisco_bounds(entry))


def from_cisco(prefix, ge, le, action="permit", where="running config"):
    """A canonical entry from Cisco-style text (``ge``/``le`` as text or None)."""
    prefix = parse_prefix(prefix, where)
    return PrefixEntry(prefix, None if ge is None else int(ge), None if le is None else int(le), action)


def one_line(text):
    """``text`` on one line without control characters, safe to put in config."""
    return " ".join("".join(c if c.isprintable() else " " for c in text or "").split())


def check_unique(prefix_lists):
    """Refuse two lists with the same family and name: one would silently win."""
    seen = set()
    for plist in prefix_lists:
        key = (plist.afi, plist.name)
        if key in seen:
            raise DataError(f"IPv{plist.afi} list given twice", f"prefix-list {plist.name}")
        seen.add(key)
    return prefix_lists


def by_name(prefix_lists, platform):
    """Merge same-named IPv4 and IPv6 lists for platforms with one set per name.

    IOS-XR prefix-sets, Junos lists, SR OS prefix-lists and OpenBGPD
    prefix-sets hold both families, so an IPv4 and an IPv6 list sharing a name
    become one set (IPv4 entries first) rather than replacing each other. Those
    sets have no per-entry action, so a deny entry is refused.
    """
    groups = {}
    for plist in check_unique(prefix_lists):
        refuse_deny(plist, platform)
        groups.setdefault(plist.name, []).append(plist)
    return [
        NamedSet(
            name,
            tuple(entry for plist in sorted(group, key=lambda p: p.afi) for entry in plist.entries),
            next((plist.description for plist in group if plist.description), ""),
        )
        for name, group in groups.items()
    ]


def refuse_deny(plist, platform):
    """Sets (everything but IOS and EOS lists) match or not: there is no deny."""
    for entry in plist.entries:
        if entry.action != "permit":
            raise DataError(
                f"{platform} prefix sets have no deny entries (entry {entry.prefix})",
                f"prefix-list {plist.name}",
                "entries",
            )


def add_entry(found, name, entry, key=None):
    """Store ``entry`` under ``(afi, name)`` at ``key`` (default: next 1-based position)."""
    entries = found.setdefault((entry.afi, name), {})
    entries[len(entries) + 1 if key is None else key] = entry


# Brace-structured configuration (Junos, SR OS MD-CLI): comments are dropped,
# quoted strings stay one token, braces and semicolons are tokens of their own.
_TOKEN = re.compile(r'/\*.*?\*/|#[^\n]*|"(?:[^"\\]|\\.)*"|[{};]|[^\s{};"#]+', re.DOTALL)


def tokens(text):
    return [t for t in _TOKEN.findall(text) if not t.startswith(("/*", "#"))]


def unquote(token):
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        return token[1:-1]
    return token


def statements(toks, separator=";", closes=True):
    """The statements of tokenized brace-structured configuration, each the list of its tokens (its blocks
    included, the separator left out): a statement ends at ``separator`` outside braces (unless a ``{``
    follows) and, with ``closes``, where a block it opened closes (BIRD's ``protocol bgp x { }`` needs no
    ``;``; OpenBGPD's filter rules hold ``{ }`` lists in mid-statement)."""
    found, current, depth = [], [], 0
    for i, tok in enumerate(toks):
        if tok == separator and depth == 0:
            if current and toks[i + 1 : i + 2] != ["{"]:
                found.append(current)
                current = []
            continue
        current.append(tok)
        if tok == "{":
            depth += 1
        elif tok == "}" and depth:
            depth -= 1
            if depth == 0 and closes:
                found.append(current)
                current = []
    return found + ([current] if current else [])


def split_block(statement):
    """(the tokens of ``statement`` before its first ``{``, the tokens inside that block, or None without one)."""
    if "{" not in statement:
        return statement, None
    start, depth = statement.index("{"), 0
    for i in range(start, len(statement)):
        depth += {"{": 1, "}": -1}.get(statement[i], 0)
        if depth == 0:
            return statement[:start], statement[start + 1 : i]
    raise DataError("unbalanced braces", "running config", " ".join(statement[:start]))


def blocks(toks, keyword):
    """Yield ``(name, body_tokens)`` for every ``keyword NAME { ... }`` or ``keyword NAME;``."""
    i, count = 0, len(toks)
    while i < count - 2:
        if toks[i] != keyword or toks[i + 2] not in ("{", ";") or toks[i + 1] in ("{", "}", ";"):
            i += 1
            continue
        name = unquote(toks[i + 1])
        if toks[i + 2] == ";":
            yield name, []
            i += 3
            continue
        depth, j = 1, i + 3
        while depth and j < count:
            depth += {"{": 1, "}": -1}.get(toks[j], 0)
            j += 1
        if depth:
            raise DataError("unbalanced braces", "running config", f"{keyword} {name}")
        yield name, toks[i + 3 : j - 1]
        i = j


# AS-path lists (model.AsPathList), in the layout of bgpq4 -f PEER_AS.


def check_unique_as_paths(as_path_lists):
    """Refuse two AS-path lists with the same name: one would silently replace the other."""
    seen = set()
    for aspl in as_path_lists:
        if aspl.name in seen:
            raise DataError("AS-path list given twice", f"as-path list {aspl.name}")
        seen.add(aspl.name)
    return as_path_lists


def as_path_groups(aspl, width):
    """``(own, groups)`` as bgpq4 ``-f`` lays a list out: ``own`` is True when the peer's
    own AS is among the origins (bgpq4 gives it a line of its own, prepends included);
    ``groups`` are the other origins, ascending, cut into groups of at most ``width``."""
    others = [asn for asn in aspl.origins if asn != aspl.peer_asn]
    return aspl.peer_asn in aspl.origins, [others[i : i + width] for i in range(0, len(others), width)]


def cisco_as_path_rules(aspl, width):
    """``[(action, regex)]`` for IOS-style AS-path access-lists, as bgpq4 prints them:
    ``^PEER(_PEER)*$`` for the peer's own routes, ``^PEER(_[0-9]+)*_(A|B|C|D)$`` for
    routes the peer passes on from origins A..D, and ``deny .*`` when there are none."""
    own, groups = as_path_groups(aspl, width)
    peer = aspl.peer_asn
    rules = [("permit", f"^{peer}(_{peer})*$")] if own else []
    rules += [("permit", f"^{peer}(_[0-9]+)*_({'|'.join(map(str, group))})$") for group in groups]
    return rules or [("deny", ".*")]


def rtr_caches(caches, platform):
    """``caches`` in preference order (lower first); DataError if there are none."""
    if not caches:
        raise DataError("origin validation needs at least one RTR cache", "%s RPKI" % platform, "caches")
    return sorted(caches, key=lambda cache: cache.preference)


# Included files, put in place as the daemon reads them (BIRD, OpenBGPD).
# ``statement`` finds an include (the file's name its first group), ``comment`` the comments dropped first,
# ``resolve(name, path, where)`` the path of the file ``name`` that the file at ``path`` includes.
Includes = namedtuple("Includes", "daemon statement comment resolve")
INCLUDE_DEPTH = 8  # BIRD's limit on nested includes; a guard against loops elsewhere


def expand_includes(text, path, read, includes, depth=1):
    """``text`` (of the file at ``path``) with comments dropped and each include replaced by its file's text, read
    by ``read(path)`` (None when absent), nested at most 8 deep; DataError naming ``include`` for a file named by a
    wildcard (its files are not known) or missing."""

    def included(match):
        name = match[1]
        where = "%s configuration %s" % (includes.daemon, path)
        if any(c in name for c in "*?["):
            raise DataError("include %r: files named by a wildcard are not read" % name, where, "include")
        if depth >= INCLUDE_DEPTH:
            raise DataError("includes nested deeper than %d" % INCLUDE_DEPTH, where, "include")
        target = includes.resolve(name, path, where)
        content = read(target)
        if content is None:
            raise DataError("the included file %s does not exist" % target, where, "include")
        return expand_includes(content, target, read, includes, depth + 1)

    return includes.statement.sub(included, includes.comment.sub(" ", text))
