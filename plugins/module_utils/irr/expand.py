# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AS-SET expansion and route collection from an IRR, fail closed.

``expand_as_set`` walks a set on the client, breadth first: one pipelined batch
of non-recursive ``!i`` queries per level. So it knows exactly which member
sets the IRR does not hold (``missing``), which sets lie deeper than
``max_depth`` (``too_deep``, not expanded) and which sets are reached again
through their own members (``loops``: not an error, a set is expanded once;
IRRd leaves a set's own name out of its ``!i`` answer, so a set that lists
itself is not reported).
``check_complete`` turns an incomplete expansion into a refusal.

``collect_prefixes`` asks for the routes of each AS number (``!g``/``!6``,
pipelined); ``collect_prefixes_for_set`` lets IRRd 4 resolve the set itself
(``!a4``/``!a6``, one query). ``prefixes_for_set`` does all of it: the walk (the
fail-closed information always comes from it), the check, then the prefixes,
by ``!a`` when the server has it and the walk reached the bottom of the set
(``!a`` has no depth limit), by ``!g`` otherwise.

Depth counts set levels: the named set is level 1; with ``max_depth=N`` sets at
levels 1..N are expanded, as with ``bgpq4 -L N``. Private and reserved AS
numbers are kept (bgpq4 drops them on its client-side path unless ``-p``).
"""

from __future__ import annotations

import dataclasses
import re
import socket
from dataclasses import dataclass

from ..errors import DataError, SafetyError
from ..fastnet import network_builder
from .whois import IrrError

DEFAULT_MAX_DEPTH = 20
SHOWN = 10  # names listed in a message before "and N more"

# An as-set name (RFC 2622 5.1, 5.6): AS-FOO, or hierarchical AS65000:AS-FOO:AS65001.
_SET_NAME = re.compile(rb"^(?:AS\d+:)*AS-[A-Z0-9_-]+(?::(?:AS\d+|AS-[A-Z0-9_-]+))*$")
_ASDOT = re.compile(rb"^AS(\d+)\.(\d+)$")
RESERVED_MEMBERS = {b"AS0": "AS0 (RFC 7607)", b"AS-ANY": "AS-ANY (RFC 2622)"}  # what they are, for messages


class IncompleteSetError(SafetyError):
    """An AS-SET could not be expanded completely: a filter from it would silently lack routes."""


@dataclass(frozen=True)
class Expansion:
    """What an AS-SET holds, as far as the walk got.

    ``sets`` is every set name met (expanded, missing or too deep), the named
    set included; ``missing`` the member sets the IRR does not know; ``empty``
    sets that exist with no members; ``reserved`` members that RPSL reserves
    rather than names (AS0, RFC 7607, originates nothing; AS-ANY, RFC 2622,
    stands for every AS), which no filter can be built from; ``invalid``
    members that are neither an AS number nor an as-set name; ``depth`` the
    number of levels expanded.
    """

    name: str
    asns: frozenset = frozenset()
    sets: frozenset = frozenset()
    missing: frozenset = frozenset()
    empty: frozenset = frozenset()
    invalid: frozenset = frozenset()
    reserved: frozenset = frozenset()
    loops: tuple = ()
    too_deep: tuple = ()
    depth: int = 0
    max_depth: int = DEFAULT_MAX_DEPTH
    queries: int = 0

    @property
    def complete(self):
        return not (self.missing or self.invalid or self.reserved or self.too_deep)


@dataclass(frozen=True)
class SetPrefixes:
    """The prefixes of an AS-SET per address family, with the expansion they come from."""

    expansion: Expansion
    prefixes: dict
    method: str  # "!a" (resolved by the server) or "!g" (per AS number)

    def __getitem__(self, afi):
        return self.prefixes[afi]


def normalise_name(name):
    """Upper-case ``name``; return ("asn", int) or ("set", bytes); DataError for anything else."""
    text = str(name).strip().upper() if name is not None else ""
    raw = text.encode("ascii", "replace")
    if raw in RESERVED_MEMBERS:
        raise DataError(
            "%s is reserved: it names no AS and no set, so no filter can be built from it" % RESERVED_MEMBERS[raw],
            "IRR",
            "as_set",
        )
    if raw[:2] == b"AS" and raw[2:].isdigit():
        asn = int(raw[2:])
        if 0 < asn < 2**32:
            return "asn", asn
    elif _SET_NAME.match(raw):
        return "set", raw
    raise DataError("%r is not an AS-SET name or an AS number" % (name,), "IRR", "as_set")


def expand_as_set(client, name, max_depth=DEFAULT_MAX_DEPTH, verify_missing=True):
    """Expand AS-SET ``name`` (or a single ``ASnnn``) breadth first; an ``Expansion``.

    IRRd answers ``!i`` with "not found" (D) both for a set it does not hold and
    for one without members. ``verify_missing`` tells them apart with one ``!m``
    per such set (one batch at the end), so that an empty set is not reported
    missing; without it, both count as missing (still fail closed).
    """
    if int(max_depth) < 1:
        raise DataError("max_depth must be at least 1, not %r" % (max_depth,), "IRR", "max_depth")
    max_depth = int(max_depth)
    kind, value = normalise_name(name)
    if kind == "asn":
        return Expansion(name="AS%d" % value, asns=frozenset((value,)), max_depth=max_depth)
    key = "expand %s max_depth=%d verify_missing=%d" % (value.decode(), max_depth, int(bool(verify_missing)))
    return _remembered(client, key, lambda: _walk(client, value, max_depth, verify_missing), _to_json, _from_json)


def _remembered(client, key, compute, encode, decode):
    """``compute()``; through a CachedClient, reused while the IRR's data is unchanged."""
    remember = getattr(client, "remember", None)
    return compute() if remember is None else remember(key, compute, encode, decode)


def _walk(client, top, max_depth, verify_missing):
    subject = "AS-SET %s" % top.decode()
    asn_tokens = set()
    invalid = set()
    reserved = set()
    unfound = []
    edges = {}
    too_deep = []
    seen = {top}
    level = [top]
    depth = 0
    queries = 0
    while level:
        depth += 1
        answers = client.query_many([b"!i%s\n" % s for s in level], subject)
        queries += len(level)
        found = []
        for set_name, answer in zip(level, answers):
            if answer is None:
                unfound.append(set_name)
                continue
            children = []
            for token in answer.upper().split():
                if token in RESERVED_MEMBERS:
                    reserved.add(token)
                elif token[:2] == b"AS" and token[2:].isdigit():
                    asn_tokens.add(token)
                elif token in seen or _SET_NAME.match(token):  # each name is matched once
                    children.append(token)
                else:
                    invalid.add(token)
            edges[set_name] = children
            found.extend(children)
        level = []
        for child in found:
            if child not in seen:
                seen.add(child)
                if depth < max_depth:
                    level.append(child)
                else:
                    too_deep.append(child)
    asns = set()
    for token in asn_tokens:
        asn = int(token[2:])
        if 0 < asn < 2**32:
            asns.add(asn)
        else:
            invalid.add(token)
    for token in list(invalid):  # AS1.5 (asdot) is AS65541
        dotted = _ASDOT.match(token)
        if dotted and int(dotted.group(1)) < 2**16 and int(dotted.group(2)) < 2**16:
            asns.add((int(dotted.group(1)) << 16) + int(dotted.group(2)))
            invalid.discard(token)
    empty = set()
    if unfound and verify_missing:
        answers = client.query_many([b"!mas-set,%s\n" % s for s in unfound], subject)
        queries += len(unfound)
        empty = {s for s, answer in zip(unfound, answers) if answer}
    return Expansion(
        name=top.decode(),
        asns=frozenset(asns),
        sets=frozenset(_text(seen)),
        missing=frozenset(_text(s for s in unfound if s not in empty)),
        empty=frozenset(_text(empty)),
        invalid=frozenset(_text(invalid)),
        reserved=frozenset(_text(reserved)),
        loops=tuple(sorted(_text(_in_cycles(edges)))),
        too_deep=tuple(sorted(_text(too_deep))),
        depth=depth,
        max_depth=max_depth,
        queries=queries,
    )


def _to_json(expansion):
    return {
        f.name: sorted(v) if isinstance(v, (frozenset, tuple)) else v
        for f, v in ((f, getattr(expansion, f.name)) for f in dataclasses.fields(Expansion))
    }


def _from_json(data):
    values = {}
    for f in dataclasses.fields(Expansion):
        value = data.get(f.name, [])  # a field newer than the cached walk: none of it
        if isinstance(value, list):
            value = tuple(value) if f.name in ("loops", "too_deep") else frozenset(value)
        values[f.name] = value
    return Expansion(**values)


def check_complete(expansion, allow_missing=False, allow_too_deep=False):
    """Refuse (IncompleteSetError) an expansion that lacks part of the set; return it otherwise.

    Missing member sets and invalid members are accepted with ``allow_missing`` (the module option
    ``allow_missing_sets``),
    sets beyond ``max_depth`` with ``allow_too_deep`` (or a larger ``max_depth``).
    The named set itself must exist whatever the options.
    """
    where = "AS-SET %s" % expansion.name
    if expansion.name in expansion.missing:
        raise IncompleteSetError("is not in the IRR (none of the queried sources holds it)", where)
    problems, overrides = [], []
    if expansion.missing and not allow_missing:
        problems.append("member sets not in the IRR: %s" % _names(expansion.missing))
    if expansion.reserved and not allow_missing:
        problems.append("reserved words, not AS numbers or sets: %s" % _reserved(expansion.reserved))
    if expansion.invalid and not allow_missing:
        problems.append("members that are neither AS numbers nor AS-SET names: %s" % _names(expansion.invalid))
    if problems:
        overrides.append("allow_missing_sets: true to build the filter without them")
    if expansion.too_deep and not allow_too_deep:
        problems.append(
            "member sets deeper than max_depth %d, not expanded: %s" % (expansion.max_depth, _names(expansion.too_deep))
        )
        overrides.append("a larger max_depth (now %d) or allow_too_deep: true" % expansion.max_depth)
    if problems:
        raise IncompleteSetError(
            "cannot be expanded completely; %s. A filter built from it would silently leave out their routes: "
            "fix the set in the IRR, or set %s" % ("; ".join(problems), ", or ".join(overrides)),
            where,
        )
    return expansion


def collect_prefixes(client, asns, afi, subject=None):
    """The prefixes of the route (afi 4) or route6 (afi 6) objects originated by ``asns``."""
    command = _afi_command(afi, b"!g", b"!6")
    order = sorted(asns)
    subject = subject or "routes of %d AS numbers" % len(order)
    answers = client.query_many([b"%sAS%d\n" % (command, asn) for asn in order], subject)
    tokens = set()
    for answer in answers:
        if answer:
            tokens.update(answer.split())
    return _networks(client, tokens, afi, subject, lambda bad: _asn_of(bad, order, answers, command))


def collect_prefixes_for_set(client, name, afi):
    """The prefixes of AS-SET ``name``, resolved by the server (IRRd 4 ``!a4``/``!a6``), in one query.

    No depth limit and no report of missing sets: use it after ``expand_as_set``.
    """
    kind, value = normalise_name(name)
    command = _afi_command(afi, b"!a4", b"!a6")
    if kind == "asn":
        return collect_prefixes(client, (value,), afi)
    subject = "AS-SET %s" % value.decode()
    client.connect(subject)
    if not client.supports_a:
        raise IrrError(
            "the server (%s) does not answer !a queries" % (client.version or "version unknown"), client.server, subject
        )
    query = b"%s%s\n" % (command, value)
    answer = _remembered(
        client,
        "answer %s" % query.decode().strip(),
        lambda: client.query(query, subject),
        lambda data: None if data is None else data.decode("latin-1"),
        lambda text: None if text is None else text.encode("latin-1"),
    )
    tokens = set(answer.split()) if answer else set()
    return _networks(client, tokens, afi, subject, lambda bad: query)


def prefixes_for_set(
    client,
    name,
    afis=(4, 6),
    max_depth=DEFAULT_MAX_DEPTH,
    strict=True,
    allow_missing=False,
    allow_too_deep=False,
    method="auto",
):
    """Expand ``name``, refuse it if incomplete (``strict``), then collect its prefixes.

    ``method``: "a" (server-side ``!a``), "g" (``!g``/``!6`` per AS number) or
    "auto": ``!a`` when the server is IRRd 4 and nothing was cut at ``max_depth``.
    """
    if method not in ("auto", "a", "g"):
        raise DataError("method must be auto, a or g, not %r" % (method,), "IRR", "method")
    expansion = expand_as_set(client, name, max_depth)
    if strict:
        check_complete(expansion, allow_missing, allow_too_deep)
    if method == "a" and expansion.too_deep:
        raise DataError("method 'a' would expand beyond max_depth %d" % expansion.max_depth, "IRR", "method")
    by_set = bool(expansion.sets) and (
        method == "a" or (method == "auto" and client.supports_a and not expansion.too_deep)
    )
    prefixes = {}
    for afi in afis:
        if by_set:
            prefixes[afi] = collect_prefixes_for_set(client, expansion.name, afi)
        else:
            prefixes[afi] = collect_prefixes(client, expansion.asns, afi, "AS-SET %s" % expansion.name)
    return SetPrefixes(expansion, prefixes, "!a" if by_set else "!g")


def _afi_command(afi, four, six):
    if afi == 4:
        return four
    if afi == 6:
        return six
    raise DataError("afi must be 4 or 6, not %r" % (afi,), "IRR", "afi")


def _networks(client, tokens, afi, subject, origin_of):
    """``ipaddress`` networks from prefix tokens; IrrError for a token that is not one of the family.

    Parsed with inet_pton and built from (packed address, length) by ``fastnet``:
    strict, and several times faster than parsing the text in ``ipaddress``.
    """
    build = network_builder(afi)
    family = socket.AF_INET if afi == 4 else socket.AF_INET6
    pton = socket.inet_pton
    networks = set()
    add = networks.add
    for token in tokens:
        address, slash, length = token.partition(b"/")
        try:
            if not (slash and length.isdigit()):
                raise ValueError("no /length")
            add(build(pton(family, address.decode("ascii")), int(length)))
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            raise IrrError(
                "answer holds %r, not an IPv%d prefix (%s)" % (token.decode("ascii", "replace"), afi, exc),
                client.server,
                subject,
                origin_of(token),
            ) from None
    return frozenset(networks)


def _asn_of(token, order, answers, command):
    for asn, answer in zip(order, answers):
        if answer and token in answer.split():
            return b"%sAS%d" % (command, asn)
    return None


def _in_cycles(edges):
    """Nodes on a cycle of ``edges`` (name -> member set names): Tarjan's SCC, iterative."""
    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in edges:
                    continue  # not expanded (missing, too deep): no way back from it
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    result.extend(component)
    return result


def _text(names):
    return [n.decode("ascii", "replace") for n in names]


def left_out(expansion):
    """What an accepted incomplete ``expansion`` left out (allow_missing_sets, allow_too_deep), as warnings:
    each with the count and the first names."""
    parts = (
        (expansion.missing, "member sets not in the IRR"),
        (expansion.reserved, "reserved words, not AS numbers or sets,"),
        (expansion.invalid, "members that are neither AS numbers nor AS-SET names"),
        (expansion.too_deep, "member sets deeper than max_depth %d" % expansion.max_depth),
    )
    return [
        "AS-SET %s: %d %s left out of the filter: %s" % (expansion.name, len(names), what, _names(names))
        for names, what in parts
        if names
    ]


def _reserved(names):
    return ", ".join(RESERVED_MEMBERS[n.encode()] for n in sorted(names))


def _names(names, shown=SHOWN):
    ordered = sorted(names)
    text = ", ".join(ordered[:shown])
    return text + (" and %d more" % (len(ordered) - shown) if len(ordered) > shown else "")
