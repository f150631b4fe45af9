# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenBGPD prefix-sets and AS-path filter rules (bgpd.conf(5), OpenBGPD 6.4 and later).

bgpq4's ``-B`` output is a filter-rule fragment (``prefix { ... }``); its ``-B
-E`` output is a ``prefix-set``. ``render_prefix_lists`` writes prefix-sets,
usable as ``allow from any prefix-set NAME`` or ``match ... prefix-set NAME``,
with bgpq4's entry lines byte for byte (each a tab, then the entry)::

    prefix-set "NAME" {
        192.0.2.0/24
        10.0.0.0/8 prefixlen 16 - 24
    }

Entries: exact ``PREFIX``; lengths N..M ``PREFIX prefixlen N - M`` (N is the
prefix's own length when only ``le`` is set); a single length N
``PREFIX prefixlen = N``, as bgpq4 prints them.

Quirks (checked with OpenBGPD 7.7 ``bgpd -n``):

* Names are always quoted, so a name that is a bgpd.conf keyword is safe.
* One prefix-set holds both families, so an IPv4 and an IPv6 list with the
  same name become one set (IPv4 first); ``parse_prefix_lists`` splits it back
  by family, keyed by 1-based position within each family.
* Sets have no actions: a ``deny`` entry raises DataError.
* ``parse_prefix_lists`` also reads what ``bgpd -nv`` prints back: entries
  separated by commas, ``maxlen M``, ``or-longer``, and ``prefixlen`` with
  ``>= > <= <``. ``!=`` and ``><`` (not a range) raise DataError.
* An empty list renders as ``prefix-set "NAME" {`` / ``}``, which bgpd accepts
  and which matches nothing. The product refuses empty lists earlier.
* ``description`` becomes a ``#`` comment line above the set.
* ``expand_includes`` puts each ``include "FILE"`` in place, as bgpd reads them. bgpd opens a relative
  path from its working directory (``bgpd -n`` run elsewhere fails to find it), which a reader cannot
  know, so only absolute paths are read.
"""

from __future__ import annotations

import re

from ..errors import DataError
from ..intent.model import parse_prefix
from . import common, jinja

TEMPLATE = """\
{% for set in sets %}
{% if set.description %}
# {{ one_line(set.description) }}
{% endif %}
prefix-set "{{ set.name }}" {
{% for entry in set.entries %}
{{ TAB }}{{ entry.prefix }}{{ lengths(entry) }}
{% endfor %}
}
{% endfor %}
"""

_COMMENT = re.compile(r"#[^\n]*")
_SET = re.compile(r'\bprefix-set\s+("[^"]*"|[^\s{]+)\s*\{([^}]*)\}')
_ENTRY = re.compile(r"([0-9A-Fa-f:.]+/\d+)((?:(?![0-9A-Fa-f:.]+/\d)[^,\n])*)")
_RANGE = re.compile(r"^prefixlen (\d+) ?- ?(\d+)$")
_OPERATOR = re.compile(r"^(?:prefixlen (=|>=|>|<=|<)|maxlen()) ?(\d+)$")


def lengths(entry):
    kind, low, high = common.shape(entry)
    if kind == "exact":
        return ""
    if low == high:
        return f" prefixlen = {high}"
    return f" prefixlen {low} - {high}"


def render_prefix_lists(prefix_lists):
    sets = common.by_name(prefix_lists, "OpenBGPD")
    return jinja.render(TEMPLATE, sets=sets, lengths=lengths, one_line=common.one_line, TAB="\t")


def _range(prefix, words, where):
    own, top = prefix.prefixlen, prefix.max_prefixlen
    if not words:
        return own, own
    if words == "or-longer":
        return own, top
    match = _RANGE.match(words)
    if match:
        return int(match[1]), int(match[2])
    match = _OPERATOR.match(words)
    if not match:
        raise DataError(f"cannot read {words!r} after {prefix}", where, "entries")
    op, value = match[1] or "<=", int(match[3])
    return {
        "=": (value, value),
        ">=": (value, top),
        ">": (value + 1, top),
        "<=": (own, value),
        "<": (own, value - 1),
    }[op]


def parse_prefix_lists(text):
    """Entries of every prefix-set in bgpd.conf ``text``: ``{(afi, name): {position: PrefixEntry}}``."""
    found = {}
    for quoted, body in _SET.findall(_COMMENT.sub(" ", text)):
        name = common.unquote(quoted)
        where = f'prefix-set "{name}"'
        for prefix_text, words in _ENTRY.findall(body):
            prefix = parse_prefix(prefix_text, where)
            low, high = _range(prefix, " ".join(words.split()), where)
            common.add_entry(
                found,
                name,
                common.from_range(prefix, max(low, prefix.prefixlen), high, where=where),
            )
    return found


AS_PATH_TEMPLATE = """\
{% for aspl in as_path_lists %}
# as-path list {{ aspl.name }}
{% for origin in aspl.origins %}
allow from AS {{ aspl.peer_asn }} AS {{ origin }}
{% else %}
deny from AS {{ aspl.peer_asn }}
{% endfor %}
{% endfor %}
"""


def render_as_path_lists(as_path_lists):
    """Filter rules for each AS-path list (model.AsPathList), as bgpq4 ``-B -f PEER`` prints them.

    One ``allow from AS PEER AS ORIGIN`` per origin: routes from neighbours in
    AS PEER whose AS path contains ORIGIN (OpenBGPD's ``AS`` matches anywhere in
    the path; bgpq4's choice, looser than the Cisco regexes, which want it last).
    A list without origins is ``deny from AS PEER``. bgpd.conf has no named
    AS-path lists, so a ``#`` comment line names each block.
    """
    lists = common.check_unique_as_paths(list(as_path_lists))
    return jinja.render(AS_PATH_TEMPLATE, as_path_lists=lists)


ROV_TEMPLATE = """\
{% for cache in caches %}
rtr {{ cache.address }} {
{{ TAB }}descr "routesec-rtr{{ loop.index }}"
{{ TAB }}port {{ cache.port }}
{% if policy.aspa %}
{{ TAB }}min-version 2
{% endif %}
}
{% endfor %}
"""

ROV_FILTER_TEMPLATE = """\
{% if policy.reject_invalid %}
deny quick from ebgp ovs invalid
{% endif %}
{% if policy.not_found_local_pref is not none %}
match from ebgp ovs not-found set localpref {{ policy.not_found_local_pref }}
{% endif %}
"""


def render_rov(caches, policy, asn=None):  # pylint: disable=unused-argument
    """(RTR sessions, filter rules) for bgpd.conf: the ``rtr`` blocks go before the neighbors,
    the rules into the filter section (they act on routes from eBGP neighbors).

    bgpd keeps one ROA table from every RTR session (``preference`` has no counterpart).

    With ``policy.aspa`` each session requires RTR version 2 (``min-version 2``, OpenBGPD 8): bgpd starts at
    version 1 and takes ASPAs only over version 2, for the session policy's ``avs`` rules. A cache that cannot
    speak it is refused by bgpd, and gives neither ROAs nor ASPAs.
    """
    ordered = common.rtr_caches(caches, "OpenBGPD")
    sessions = jinja.render(ROV_TEMPLATE, caches=ordered, policy=policy, TAB="\t")
    return sessions, jinja.render(ROV_FILTER_TEMPLATE, policy=policy)


_RTR_BLOCK = re.compile(r"(?m)^[ \t]*rtr[ \t]+\S+[ \t]*\{([^}]*)\}")
_MIN_VERSION = re.compile(r"(?m)^[ \t]*min-version[ \t]+(\d+)[ \t]*$")
_ASPA_SET = re.compile(r"(?m)^[ \t]*aspa-set\b")


def gives_aspas(text: str) -> bool:
    """Whether bgpd.conf ``text`` (its includes expanded) gives bgpd ASPAs: an ``aspa-set``, or an ``rtr`` session
    that requires RTR version 2 or later (``min-version``; without it OpenBGPD 8 speaks version 1)."""
    text = _COMMENT.sub(" ", text)
    versions = [int(v) for block in _RTR_BLOCK.findall(text) for v in _MIN_VERSION.findall(block)]
    return bool(_ASPA_SET.search(text)) or any(version >= 2 for version in versions)


def _absolute(name, _path, where):
    if not name.startswith("/"):
        raise DataError(
            "include %r: bgpd reads a relative path from its working directory; give an absolute path" % name,
            where,
            "include",
        )
    return name


_INCLUDES = common.Includes("OpenBGPD", re.compile(r'(?m)^[ \t]*include[ \t]+"([^"]*)"[ \t]*$'), _COMMENT, _absolute)


def expand_includes(text, path, read):
    """bgpd.conf ``text`` (of the file at ``path``) with comments dropped and each ``include "FILE"`` replaced by
    that file's text, read by ``read(path)`` (None when absent), nested at most 8 deep. An include with a wildcard
    or a relative path is refused (see the module's description)."""
    return common.expand_includes(text, path, read, _INCLUDES)
