# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Arista EOS prefix-lists and AS-path access-lists.

The form is bgpq4's ``-e`` output: ``no ip prefix-list NAME``, the list's own
mode ``ip prefix-list NAME``, then ``   seq N permit PREFIX [ge N] [le M]``
lines numbered 1, 2, 3, ... IPv6 lists use the separate ``ipv6 prefix-list``
keyword, so an IPv4 and an IPv6 list may share a name.

Quirks:

* Sequence numbers are explicit, so ``parse_prefix_lists`` keys by them. It
  also reads the older one-line form ``ip prefix-list NAME seq N permit ...``.
* ge/le use the canonical form (``le M`` alone, or ``ge N le M``), see ``common``.
* Lists are first-match, so ``deny`` entries are rendered as given.
* An empty list is rendered as bgpq4 does: a comment and ``seq 1 deny
  0.0.0.0/0`` (``::/0``). The product refuses empty lists earlier.
* EOS prefix-lists have no description; ``description`` is not rendered.
"""

from __future__ import annotations

import re

from . import common, jinja

TEMPLATE = """\
{% for plist in prefix_lists %}
no {{ keyword(plist.afi) }} {{ plist.name }}
{% if not plist.entries %}
! generated prefix-list {{ plist.name }} is empty
{% endif %}
{{ keyword(plist.afi) }} {{ plist.name }}
{% for entry in plist.entries %}
   seq {{ loop.index }} {{ entry.action }} {{ entry.prefix }}{{ bounds(entry) }}
{% else %}
   seq 1 deny {{ "0.0.0.0/0" if plist.afi == 4 else "::/0" }}
{% endfor %}
{% endfor %}
"""

_HEADER = re.compile(r"^(?P<kw>ip|ipv6) prefix-list (?P<name>\S+)(?P<rest> .*)?$")
_ENTRY = re.compile(
    r"^seq (?P<seq>\d+) (?P<action>permit|deny) (?P<prefix>\S+)"
    r"(?: ge (?P<ge>\d+))?(?: le (?P<le>\d+))?$"
)


def render_prefix_lists(prefix_lists):
    return jinja.render(
        TEMPLATE,
        prefix_lists=common.check_unique(prefix_lists),
        keyword=common.cisco_keyword,
        bounds=common.cisco_bounds,
    )


def parse_prefix_lists(text):
    """Entries of every prefix-list in EOS ``text``: ``{(afi, name): {seq: PrefixEntry}}``."""
    found = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        header = _HEADER.match(line)
        if header:
            current = (4 if header["kw"] == "ip" else 6, header["name"])
            line = (header["rest"] or "").strip()
        elif raw[:1] not in (" ", "\t"):
            current = None
        match = _ENTRY.match(line)
        if current and match:
            where = f"prefix-list {current[1]}"
            entry = common.from_cisco(match["prefix"], match["ge"], match["le"], match["action"], where)
            found.setdefault(current, {})[int(match["seq"])] = entry
    return found


AS_PATH_WIDTH = 4  # origins per regex: bgpq4's width for EOS (1.9 refuses -e with -f)

AS_PATH_TEMPLATE = """\
{% for aspl in as_path_lists %}
no ip as-path access-list {{ aspl.name }}
{% for action, regex in rules(aspl, width) %}
ip as-path access-list {{ aspl.name }} {{ action }} {{ regex }} any
{% endfor %}
{% endfor %}
"""


def render_as_path_lists(as_path_lists):
    """AS-path access-lists (model.AsPathList): bgpq4's IOS regexes in EOS's form.

    ``ip as-path access-list NAME permit REGEX any``: EOS takes an origin match
    after the regex and shows ``any`` (the default) in its running configuration,
    so it is written out. A list without origins denies everything (``deny .* any``).
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
   rpki cache routesec-rtr{{ loop.index }}
      host {{ cache.address }} port {{ cache.port }}
      preference {{ cache.preference }}
{% endfor %}
   rpki origin-validation
      ebgp local
!
{% set seq = namespace(n=10) %}
{% if policy.reject_invalid %}
route-map ROUTESEC-ROV deny {{ seq.n }}
   match origin-as validity invalid
!
{% set seq.n = seq.n + 10 %}
{% endif %}
{% if policy.not_found_local_pref is not none %}
route-map ROUTESEC-ROV permit {{ seq.n }}
   match origin-as validity not-found
   set local-preference {{ policy.not_found_local_pref }}
!
{% set seq.n = seq.n + 10 %}
{% endif %}
route-map ROUTESEC-ROV permit {{ seq.n }}
"""


def render_rov(caches, policy, asn):
    """EOS RPKI caches (multi-agent routing model), validation of eBGP routes, route-map ``ROUTESEC-ROV``.

    Not checked against a device (none runs here): the syntax
    follows the vendor's documentation.
    """
    return jinja.render(ROV_TEMPLATE, caches=common.rtr_caches(caches, "EOS"), policy=policy, asn=asn)
