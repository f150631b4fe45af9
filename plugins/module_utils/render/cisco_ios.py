# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS / IOS-XE prefix-lists and AS-path access-lists.

The form is bgpq4's (``-4``/``-6`` default output): ``no ip prefix-list NAME``,
then one ``ip prefix-list NAME permit PREFIX [ge N] [le M]`` line per entry,
without sequence numbers. IPv6 lists use the separate ``ipv6 prefix-list``
keyword, so an IPv4 and an IPv6 list may share a name.

Quirks:

* IOS numbers entries given without ``seq`` 5, 10, 15, ... and shows ``seq N``
  in its running configuration. ``parse_prefix_lists`` keys entries by that
  number and, for a line without one, counts on by 5 from the list's last
  number as IOS does, so a rendered list parses to the keys the router shows.
* IOS refuses ``ge`` not longer than the prefix; entries are rendered in the
  canonical form (``le M`` alone, or ``ge N le M`` with both), see ``common``.
* Lists are first-match, so ``deny`` entries are rendered as given.
* An empty list is rendered as bgpq4 does: a comment and ``deny 0.0.0.0/0``
  (``::/0``), so that nothing passes. The product refuses empty lists earlier.
* ``description`` is kept to one line of at most 80 characters (IOS's limit).
"""

from __future__ import annotations

from . import common, jinja

SEQ_STEP = 5

TEMPLATE = """\
{% for plist in prefix_lists %}
no {{ keyword(plist.afi) }} {{ plist.name }}
{% if description(plist) %}
{{ keyword(plist.afi) }} {{ plist.name }} description {{ description(plist) }}
{% endif %}
{% for entry in plist.entries %}
{{ keyword(plist.afi) }} {{ plist.name }} {{ entry.action }} {{ entry.prefix }}{{ bounds(entry) }}
{% else %}
! generated prefix-list {{ plist.name }} is empty
{{ keyword(plist.afi) }} {{ plist.name }} deny {{ "0.0.0.0/0" if plist.afi == 4 else "::/0" }}
{% endfor %}
{% endfor %}
"""


def description(plist):
    return common.one_line(plist.description)[:80]


def render_prefix_lists(prefix_lists):
    return jinja.render(
        TEMPLATE,
        prefix_lists=common.check_unique(prefix_lists),
        keyword=common.cisco_keyword,
        description=description,
        bounds=common.cisco_bounds,
    )


def parse_prefix_lists(text):
    """Entries of every prefix-list in IOS ``text``: ``{(afi, name): {seq: PrefixEntry}}``."""
    found, last = {}, {}
    for raw in text.splitlines():
        match = common.CISCO_LINE.match(raw.strip())
        if not match:
            continue
        afi = 4 if match["kw"] == "ip" else 6
        key = (afi, match["name"])
        seq = int(match["seq"]) if match["seq"] else last.get(key, 0) + SEQ_STEP
        last[key] = max(seq, last.get(key, 0))
        where = f"prefix-list {match['name']}"
        found.setdefault(key, {})[seq] = common.from_cisco(
            match["prefix"], match["ge"], match["le"], match["action"], where
        )
    return found


AS_PATH_WIDTH = 4  # origins per regex, as bgpq4 prints them

AS_PATH_TEMPLATE = """\
{% for aspl in as_path_lists %}
no ip as-path access-list {{ aspl.name }}
{% for action, regex in rules(aspl, width) %}
ip as-path access-list {{ aspl.name }} {{ action }} {{ regex }}
{% endfor %}
{% endfor %}
"""


def render_as_path_lists(as_path_lists):
    """AS-path access-lists (model.AsPathList) as bgpq4 ``-f PEER`` prints them.

    ``ip as-path access-list NAME permit ^PEER(_PEER)*$`` for the peer's own
    routes, ``^PEER(_[0-9]+)*_(A|B|C|D)$`` for four origins at a time, ``deny .*``
    when there are none. Named AS-path lists need IOS-XE 16.12 or later; older
    IOS takes numbers (1-500) only, so name such lists with a number.
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
 bgp rpki server tcp {{ cache.address }} port {{ cache.port }} refresh 900
{% endfor %}
!
{% set seq = namespace(n=10) %}
{% if policy.reject_invalid %}
route-map ROUTESEC-ROV deny {{ seq.n }}
 match rpki invalid
!
{% set seq.n = seq.n + 10 %}
{% endif %}
{% if policy.not_found_local_pref is not none %}
route-map ROUTESEC-ROV permit {{ seq.n }}
 match rpki not-found
 set local-preference {{ policy.not_found_local_pref }}
!
{% set seq.n = seq.n + 10 %}
{% endif %}
route-map ROUTESEC-ROV permit {{ seq.n }}
"""


def render_rov(caches, policy, asn):
    """IOS-XE RPKI servers under ``router bgp`` and the route-map ``ROUTESEC-ROV`` (use it inbound).

    IOS-XE has no cache preference: every server is used. Not checked against a device (none runs here): the syntax
    follows the vendor's documentation.
    """
    return jinja.render(ROV_TEMPLATE, caches=common.rtr_caches(caches, "IOS"), policy=policy, asn=asn)
