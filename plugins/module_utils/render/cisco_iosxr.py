# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS-XR prefix-sets and AS-path sets (RPL).

The form is bgpq4's ``-X`` output: ``no prefix-set NAME``, ``prefix-set NAME``,
one ``PREFIX [ge N] [le M]`` per line separated by commas, ``end-set``.
Redefining a set replaces it whole; bgpq4's leading ``no prefix-set`` is kept
for parity and, in the same commit, nets out to a change of the set.

Quirks:

* One prefix-set holds both families, so an IPv4 and an IPv6 list with the
  same name are rendered as one set (IPv4 first); ``parse_prefix_lists``
  splits a set back by family, keyed by 1-based position within each family.
* A prefix-set has no actions: a ``deny`` entry raises DataError.
* ge/le use the canonical form (``le M`` alone, or ``ge N le M``); the parser
  also reads ``eq N`` and a bare ``ge N`` (up to the family's maximum).
* ``description`` becomes a ``#`` remark line inside the set, which IOS-XR keeps.
* An empty list renders as an empty set. The product refuses empty lists earlier.
"""

from __future__ import annotations

import re

from ..errors import DataError
from . import common, jinja

TEMPLATE = """\
{% for set in sets %}
no prefix-set {{ set.name }}
prefix-set {{ set.name }}
{% if set.description %}
 # {{ one_line(set.description) }}
{% endif %}
{% for entry in set.entries %}
 {{ entry.prefix }}{{ bounds(entry) }}{{ "," if not loop.last }}
{% endfor %}
end-set
{% endfor %}
"""

_SET = re.compile(r"^\s*prefix-set (\S+)\s*$(.*?)^\s*end-set\s*$", re.MULTILINE | re.DOTALL)
_ENTRY = re.compile(r"^(\S+)(?: ge (\d+))?(?: le (\d+))?(?: eq (\d+))?$")


def render_prefix_lists(prefix_lists):
    return jinja.render(
        TEMPLATE,
        sets=common.by_name(prefix_lists, "IOS-XR"),
        bounds=common.cisco_bounds,
        one_line=common.one_line,
    )


def parse_prefix_lists(text):
    """Entries of every prefix-set in IOS-XR ``text``: ``{(afi, name): {position: PrefixEntry}}``."""
    found = {}
    for name, body in _SET.findall(text):
        where = f"prefix-set {name}"
        lines = [line for line in body.splitlines() if not line.strip().startswith(("#", "!"))]
        for item in " ".join(lines).split(","):
            item = " ".join(item.split())
            if not item:
                continue
            match = _ENTRY.match(item)
            if not match:
                raise DataError(f"cannot read entry {item!r}", where, "entries")
            prefix, ge, le, eq = match.groups()
            entry = common.from_cisco(prefix, eq or ge, eq or le, "permit", where)
            common.add_entry(found, name, entry)
    return found


AS_PATH_WIDTH = 6  # origins per regex, as bgpq4 prints them for IOS-XR

AS_PATH_TEMPLATE = """\
{% for aspl in as_path_lists %}
as-path-set {{ aspl.name }}
{% for action, regex in rules(aspl, width) if action == "permit" %}
  ios-regex '{{ regex }}'{{ "," if not loop.last }}
{% endfor %}
end-set
{% endfor %}
"""


def render_as_path_lists(as_path_lists):
    """AS-path sets (model.AsPathList) as bgpq4 ``-X -f PEER`` prints them.

    One ``ios-regex '...'`` per line, comma-separated, six origins per regex. A
    list without origins is an empty set, which matches nothing. bgpq4 1.9 puts
    a stray comma after the set's name when the peer is not among the origins
    (fixed in bgpq4 0a83c75, 2024); this renderer writes the fixed form.
    """
    return jinja.render(
        AS_PATH_TEMPLATE,
        as_path_lists=common.check_unique_as_paths(list(as_path_lists)),
        rules=common.cisco_as_path_rules,
        width=AS_PATH_WIDTH,
    )


ROV_TEMPLATE = """\
router bgp {{ asn }}
{% for cache in caches %}
 rpki server {{ cache.address }}
  transport tcp port {{ cache.port }}
  preference {{ cache.preference }}
 !
{% endfor %}
!
route-policy ROUTESEC-ROV
{% if policy.reject_invalid %}
  if validation-state is invalid then
    drop
  endif
{% endif %}
{% if policy.not_found_local_pref is not none %}
  if validation-state is not-found then
    set local-preference {{ policy.not_found_local_pref }}
  endif
{% endif %}
  pass
end-policy
"""


def render_rov(caches, policy, asn):
    """IOS-XR RPKI servers under ``router bgp`` and the route-policy ``ROUTESEC-ROV``.

    Not checked against a device (none runs here): the syntax
    follows the vendor's documentation.
    """
    return jinja.render(ROV_TEMPLATE, caches=common.rtr_caches(caches, "IOS-XR"), policy=policy, asn=asn)
