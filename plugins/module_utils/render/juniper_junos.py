# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Juniper Junos prefix-lists, route-filter-lists and AS-path groups (curly-brace form for ``load replace``).

A Junos ``prefix-list`` holds exact prefixes only. A list whose entries are
all exact is rendered as bgpq4's ``-J`` output::

    policy-options {
    replace:
     prefix-list NAME {
        192.0.2.0/24;
     }
    }

A list with any ge/le entry is rendered as bgpq4's ``-J -z`` route-filter-list,
each entry with its match type: ``PREFIX exact;``, ``PREFIX upto /M;``
(lengths from the prefix's own to M) or ``PREFIX prefix-length-range /N-/M;``.

Quirks:

* Policies match the two with different words (``from prefix-list NAME`` vs
  ``from route-filter-list NAME``). A list that gains or loses ge/le entries
  changes kind: ``replacement`` deletes the object of the old kind in the same
  candidate (``delete:``), so no stale object keeps matching what was
  withdrawn, and refuses while a policy-statement still names the old object
  (it would match nothing, or the commit would fail).
* One list holds both families, so an IPv4 and an IPv6 list with the same name
  become one (IPv4 first); ``parse_prefix_lists`` splits them back by family,
  keyed by 1-based position within each family.
* Neither kind is rendered with per-entry actions: a ``deny`` entry raises
  DataError. When parsing, a route-filter-list entry with ``reject`` reads as
  ``deny``, ``orlonger``/``longer`` are read too, ``inactive:`` entries are
  skipped and ``through`` (not a length range) raises DataError.
* Lists have no description statement; ``description`` is not rendered.
* An empty list renders as an empty prefix-list. The product refuses empty
  lists earlier.
"""

from __future__ import annotations

from ..errors import DataError
from ..intent.model import parse_prefix
from . import common, jinja

_ACTIONS = ("accept", "reject", "next")

TEMPLATE = """\
policy-options {
{% for kind, name in stale %}
delete:
 {{ kind }} {{ name }};
{% endfor %}
{% for set in sets %}
replace:
{% if ranged(set) %}
  route-filter-list {{ set.name }} {
{% for entry in set.entries %}
    {{ entry.prefix }} {{ match_type(entry) }};
{% endfor %}
  }
{% else %}
 prefix-list {{ set.name }} {
{% for entry in set.entries %}
    {{ entry.prefix }};
{% endfor %}
 }
{% endif %}
{% endfor %}
}
"""


def ranged(named_set):
    """True when any entry has ge/le, so the list must be a route-filter-list."""
    return any(common.shape(entry)[0] != "exact" for entry in named_set.entries)


def match_type(entry):
    """The route-filter match type for ``entry``, as bgpq4 prints it."""
    kind, low, high = common.shape(entry)
    return {
        "exact": "exact",
        "upto": f"upto /{high}",
        "range": f"prefix-length-range /{low}-/{high}",
    }[kind]


def kind(named_set):
    """The Junos object that holds ``named_set``: ``route-filter-list`` or ``prefix-list``."""
    return "route-filter-list" if ranged(named_set) else "prefix-list"


def render_prefix_lists(prefix_lists, stale=()):
    """The lists as Junos objects; ``stale`` names ``(kind, name)`` objects the candidate deletes."""
    sets = common.by_name(prefix_lists, "Junos")
    return jinja.render(TEMPLATE, sets=sets, stale=stale, ranged=ranged, match_type=match_type)


def replacement(prefix_lists, running):
    """``(current, candidate, None)`` for replacing ``prefix_lists`` whole in the ``running`` configuration.

    ``current`` holds, per list, the entries of the object the candidate replaces: the one of the kind the
    list now needs, else the one of the other kind that it takes over from. The candidate deletes every
    object of the other kind with a list's name; DataError when a policy-statement still names one.
    """
    objects = parse_by_kind(running)
    references = policy_references(running)
    current, stale = {}, []
    for named in common.by_name(prefix_lists, "Junos"):
        new = kind(named)
        old = OTHER_KIND[new]
        for afi in (4, 6):
            held = objects[new].get((afi, named.name)) or objects[old].get((afi, named.name))
            if held:
                current[(afi, named.name)] = held
        if any((afi, named.name) in objects[old] for afi in (4, 6)):
            users = references.get((old, named.name))
            if users:
                raise DataError(
                    f"policy-statement {', '.join(users)} matches {old} {named.name}, which becomes a {new} "
                    f"(from {old} {named.name}); change the policy to 'from {new} {named.name}' first",
                    f"prefix-list {named.name}",
                    "entries",
                )
            stale.append((old, named.name))
    return current, render_prefix_lists(prefix_lists, stale), None


def _range(prefix, words, where):
    """Lengths matched by a route-filter ``prefix`` followed by match-type ``words``."""
    own, top = prefix.prefixlen, prefix.max_prefixlen
    kind = words[0] if words and words[0] not in _ACTIONS else "exact"
    if kind == "exact":
        return own, own
    if kind == "orlonger":
        return own, top
    if kind == "longer":
        return own + 1, top
    if kind == "upto" and len(words) > 1:
        return own, int(words[1].lstrip("/"))
    if kind == "prefix-length-range" and len(words) > 1 and "-" in words[1]:
        low, high = words[1].split("-", 1)
        return int(low.lstrip("/")), int(high.lstrip("/"))
    raise DataError(f"match type {' '.join(words)!r} is not supported", where, "entries")


def _statements(body):
    statement = []
    for token in body:
        if token == ";":
            if statement:
                yield statement
            statement = []
        elif token not in ("{", "}"):
            statement.append(token)


KINDS = ("prefix-list", "route-filter-list")
OTHER_KIND = {"prefix-list": "route-filter-list", "route-filter-list": "prefix-list"}
# the words of a policy term that name a list object, and the kind of object each names
REFERENCES = {
    "prefix-list": "prefix-list",
    "prefix-list-filter": "prefix-list",
    "route-filter-list": "route-filter-list",
}


def parse_prefix_lists(text):
    """Entries of every prefix-list and route-filter-list in Junos curly ``text``.

    Returns ``{(afi, name): {position: PrefixEntry}}``: what a policy naming
    ``name`` may match, so a name used by both kinds gets the entries of both,
    prefix-list first (``parse_by_kind`` keeps them apart).
    """
    found = {}
    for lists in parse_by_kind(text).values():
        for key, entries in lists.items():
            for entry in entries.values():
                common.add_entry(found, key[1], entry)
    return found


def policy_references(text):
    """``{(kind, name): [policy-statement, ...]}``: the policies whose terms name each list object."""
    found = {}
    for policy, body in common.blocks(common.tokens(text), "policy-statement"):
        for i, token in enumerate(body[:-1]):
            if token in REFERENCES and body[i + 1] not in ("{", "}", ";"):
                users = found.setdefault((REFERENCES[token], common.unquote(body[i + 1])), [])
                if policy not in users:
                    users.append(policy)
    return found


def parse_by_kind(text):
    """``{kind: {(afi, name): {position: PrefixEntry}}}`` for both kinds of list in Junos curly ``text``."""
    by_kind = {}
    toks = common.tokens(text)
    for keyword in KINDS:
        found = by_kind[keyword] = {}
        for name, body in common.blocks(toks, keyword):
            where = f"{keyword} {name}"
            for words in _statements(body):
                if words[0] in ("inactive:", "apply-path") or "/" not in words[0]:
                    continue
                prefix = parse_prefix(words[0], where)
                if keyword == "prefix-list":
                    low = high = prefix.prefixlen
                    action = "permit"
                else:
                    low, high = _range(prefix, words[1:], where)
                    action = "deny" if "reject" in words else "permit"
                common.add_entry(found, name, common.from_range(prefix, low, high, action, where))
    return by_kind


AS_PATH_WIDTH = 8  # origins per regex, as bgpq4 prints them for Junos

AS_PATH_TEMPLATE = """\
policy-options {
{% for aspl in as_path_lists %}
replace:
 as-path-group {{ aspl.name }} {
{% for regex in regexes(aspl) %}
  as-path a{{ loop.index0 }} "{{ regex }}";
{% else %}
  as-path aNone "!.*";
{% endfor %}
 }
{% endfor %}
}
"""


def as_path_regexes(aspl):
    """Junos AS-path regexes (each AS number one term, ``.`` any one AS), as bgpq4 prints them."""
    own, groups = common.as_path_groups(aspl, AS_PATH_WIDTH)
    peer = aspl.peer_asn
    regexes = [f"^{peer}({peer})*$"] if own else []
    return regexes + [f"^{peer}(.)*({'|'.join(map(str, group))})$" for group in groups]


def render_as_path_lists(as_path_lists):
    """AS-path groups (model.AsPathList) as bgpq4 ``-J -f PEER`` prints them.

    ``as-path aN "REGEX";`` lines numbered from a0, eight origins per regex; a
    group without origins gets bgpq4's ``as-path aNone "!.*";``.
    """
    lists = common.check_unique_as_paths(list(as_path_lists))
    return jinja.render(AS_PATH_TEMPLATE, as_path_lists=lists, regexes=as_path_regexes)


ROV_TEMPLATE = """\
routing-options {
    validation {
        group routesec {
{% for cache in caches %}
            session {{ cache.address }} {
                port {{ cache.port }};
            }
{% endfor %}
        }
    }
}
policy-options {
    policy-statement ROUTESEC-ROV {
        term invalid {
            from validation-database invalid;
            then {
                validation-state invalid;
{% if policy.reject_invalid %}
                reject;
{% else %}
                next policy;
{% endif %}
            }
        }
        term not-found {
            from validation-database unknown;
            then {
                validation-state unknown;
{% if policy.not_found_local_pref is not none %}
                local-preference {{ policy.not_found_local_pref }};
{% endif %}
                next policy;
            }
        }
        term valid {
            from validation-database valid;
            then {
                validation-state valid;
                next policy;
            }
        }
    }
}
"""


def render_rov(caches, policy, asn=None):  # pylint: disable=unused-argument
    """Junos RTR sessions (group ``routesec``) and the import policy ``ROUTESEC-ROV``, which marks
    each route's validation state and hands it on (``next policy``) unless it rejects it.

    Sessions are listed in preference order. Not checked against a device (none runs here): the syntax
    follows the vendor's documentation.
    """
    return jinja.render(ROV_TEMPLATE, caches=common.rtr_caches(caches, "Junos"), policy=policy)
