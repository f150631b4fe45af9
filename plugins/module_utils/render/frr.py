# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR (vtysh) prefix-lists, AS-path access-lists and RPKI origin validation.

FRR numbers entries itself (``seq 5, 10, ...``) and prints the number in its
running configuration, so the renderer writes explicit sequence numbers and
``entry_line``/``parse_prefix_lists`` use the very same line format. List
descriptions are not written: the list's name carries its meaning and a
description line would be one more thing to drift.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from ..errors import DataError
from ..intent.model import PrefixEntry, parse_prefix
from . import common, jinja

SEQ_STEP = 5

TEMPLATE = """\
{% for plist in prefix_lists %}
no {{ keyword(plist.afi) }} {{ plist.name }}
{% for entry in plist.entries %}
{{ entry_line(plist.name, plist.afi, loop.index * step, entry) }}
{% endfor %}
{% endfor %}
"""


def entry_line(name, afi, seq, entry):
    """One running-config line, exactly as FRR prints it."""
    return "%s %s seq %d %s %s%s" % (
        common.cisco_keyword(afi),
        name,
        seq,
        entry.action,
        entry.prefix,
        common.cisco_bounds(entry),
    )


def change_lines(change):
    """The lines that carry out ``change`` (a plan.ListChange) entry by entry. New entries go in
    before old ones leave, so a route that stays permitted is never withdrawn in between; only
    when a sequence number is reused (a renumbered list) must removals come first."""
    removals = ["no " + entry_line(change.name, change.afi, s, e) for s, e in change.removed]
    additions = [entry_line(change.name, change.afi, s, e) for s, e in change.added]
    reused = {seq for seq, entry in change.removed} & {seq for seq, entry in change.added}
    return removals + additions if reused else additions + removals


def replace_lines(change):
    """The lines that replace the list of ``change`` as a whole: drop it, write every entry."""
    lines = ["no %s %s" % (common.cisco_keyword(change.afi), change.name)] if change.before else []
    return lines + [entry_line(change.name, change.afi, s, e) for s, e in sorted(change.after.items())]


RTR_CACHE = re.compile(r"^\s*rpki cache (?:tcp )?(\S+) (\d+)\b", re.MULTILINE)


def render_prefix_lists(prefix_lists):
    return jinja.render(
        TEMPLATE, prefix_lists=prefix_lists, keyword=common.cisco_keyword, entry_line=entry_line, step=SEQ_STEP
    )


def parse_rtr_caches(text):
    """The RTR caches (``"address port"``) of the ``rpki`` section of FRR running-config ``text``."""
    return sorted({" ".join(m.groups()) for m in RTR_CACHE.finditer(text)})


def parse_prefix_lists(text):
    """Entries of every prefix-list in FRR running-config ``text``.

    Returns ``{(afi, name): {seq: PrefixEntry}}``. The 0.0.0.0/0 'any' form FRR
    prints for ``any`` is read as a prefix with le 32/128.
    """
    found = {}
    for raw in text.splitlines():
        match = common.CISCO_LINE.match(raw.strip())
        if not match or match["seq"] is None:
            continue
        afi = 4 if match["kw"] == "ip" else 6
        ge = None if match["ge"] is None else int(match["ge"])
        le = None if match["le"] is None else int(match["le"])
        prefix_text = match["prefix"]
        if prefix_text == "any":
            prefix_text, le = ("0.0.0.0/0", 32) if afi == 4 else ("::/0", 128)
        prefix = parse_prefix(prefix_text, "running config", "prefix-list %s" % match["name"])
        entry = PrefixEntry(prefix, ge, le, match["action"])
        found.setdefault((afi, match["name"]), {})[int(match["seq"])] = entry
    return found


AS_PATH_WIDTH = 4  # origins per regex: bgpq4's width for IOS, whose regexes FRR shares

AS_PATH_TEMPLATE = """\
{% for aspl in as_path_lists %}
no bgp as-path access-list {{ aspl.name }}
{% for action, regex in rules(aspl, width) %}
bgp as-path access-list {{ aspl.name }} seq {{ loop.index * step }} {{ action }} {{ regex }}
{% endfor %}
{% endfor %}
"""


def render_as_path_lists(as_path_lists):
    """AS-path access-lists (model.AsPathList) in bgpq4's IOS layout, as FRR 8.4 prints them.

    ``bgp as-path access-list NAME seq N permit REGEX``, numbered 5, 10, ... as FRR
    numbers them itself; a list without origins denies everything (``deny .*``).
    FRR answers "doesn't exist" to the leading ``no`` line when the list is new.
    """
    return jinja.render(
        AS_PATH_TEMPLATE,
        as_path_lists=common.check_unique_as_paths(list(as_path_lists)),
        rules=common.cisco_as_path_rules,
        width=AS_PATH_WIDTH,
        step=SEQ_STEP,
    )


# ---------------------------------------------------------------------- RPKI

RPKI_NOT_FOUND_SEQ_OFFSET = 1  # the not-found entry follows the invalid one
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_ROUTE_MAP_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,63}$")


def _integer(value, low, high, where, field):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise DataError("expected a number from %d to %d, got %r" % (low, high, value), where, field)
    try:
        number = int(value)
    except ValueError:
        raise DataError("expected a number from %d to %d, got %r" % (low, high, value), where, field) from None
    if not low <= number <= high:
        raise DataError("%d is outside %d..%d" % (number, low, high), where, field)
    return number


def rpki_cache(cache, where="RPKI cache"):
    """``(address, port, preference)`` of one RTR cache given as a mapping; DataError if it is wrong.

    ``address`` is an IPv4 or IPv6 address or a host name (FRR resolves it when
    it connects); ``port`` 1..65535 (plain TCP, the RTR transport FRR needs no
    keys for); ``preference`` 1..255, lower is tried first.
    """
    if not isinstance(cache, Mapping):
        raise DataError("expected a mapping with address, port and preference, got %r" % (cache,), where)
    unknown = sorted(set(cache) - {"address", "port", "preference"})
    if unknown:
        raise DataError("unknown keys %s (expected address, port, preference)" % ", ".join(unknown), where)
    address = str(cache.get("address") or "").strip()
    where = "%s %s" % (where, address or "(no address)")
    try:
        address = str(ipaddress.ip_address(address))
    except ValueError:
        if not _HOSTNAME.match(address) or address.replace(".", "").isdigit():
            raise DataError("%r is neither an IP address nor a host name" % address, where, "address") from None
    port = _integer(cache.get("port"), 1, 65535, where, "port")
    preference = _integer(cache.get("preference"), 1, 255, where, "preference")
    return address, port, preference


def rpki_policy(policy):
    """The checked policy: ``{"route_map", "seq", "invalid", "not_found_local_preference"}``.

    * ``route_map`` (required): the inbound route-map the RPKI entries go into,
      in front of its own entries, e.g. the one a neighbour already uses;
    * ``seq`` (default 1): the invalid entry's number, the not-found one is
      ``seq + 1``; both must come before the route-map's other entries;
    * ``invalid``: ``"reject"`` (the only choice, and the default);
    * ``not_found_local_preference``: None (default) accepts not-found routes as
      they are; a number sets that local preference on them, and must be lower
      than ``default_local_preference`` (default 100, FRR's), else not-found
      routes would win over valid ones.
    """
    if not isinstance(policy, Mapping):
        raise DataError("expected a mapping, got %r" % (policy,), "RPKI policy")
    known = {"route_map", "seq", "invalid", "not_found_local_preference", "default_local_preference"}
    unknown = sorted(set(policy) - known)
    if unknown:
        raise DataError("unknown keys %s (expected %s)" % (", ".join(unknown), ", ".join(sorted(known))), "RPKI policy")
    name = policy.get("route_map")
    if not isinstance(name, str) or not _ROUTE_MAP_NAME.match(name):
        raise DataError("%r is not a route-map name (letters, digits, _ . : -)" % (name,), "RPKI policy", "route_map")
    seq = _integer(policy.get("seq", 1), 1, 65535 - RPKI_NOT_FOUND_SEQ_OFFSET, "RPKI policy", "seq")
    invalid = policy.get("invalid", "reject")
    if invalid != "reject":
        raise DataError("only 'reject' is supported, got %r" % (invalid,), "RPKI policy", "invalid")
    default_pref = _integer(
        policy.get("default_local_preference", 100), 0, 2**32 - 1, "RPKI policy", "default_local_preference"
    )
    pref = policy.get("not_found_local_preference")
    if pref is not None:
        pref = _integer(pref, 0, 2**32 - 1, "RPKI policy", "not_found_local_preference")
        if pref >= default_pref:
            raise DataError(
                "%d is not lower than the default local preference %d: not-found routes would be preferred"
                " over valid ones" % (pref, default_pref),
                "RPKI policy",
                "not_found_local_preference",
            )
    return {"route_map": name, "seq": seq, "invalid": invalid, "not_found_local_preference": pref}


def render_rpki(caches, policy):
    """FRR 8.4 vtysh configuration for origin validation: RTR caches and an inbound policy.

    ``caches``: mappings ``{"address", "port", "preference"}`` (see ``rpki_cache``),
    at least one, no two with the same preference (FRR refuses the second with
    "Cache with preference N is already configured" yet vtysh exits 0) or the
    same address and port. ``policy``: see ``rpki_policy``. The text, in FRR's
    running-config order, is for ``configure terminal`` (bgpd must run with
    ``-M rpki``)::

        rpki
         rpki cache 198.18.0.20 3323 preference 1
        exit
        route-map RS-IN deny 1
         match rpki invalid
        exit
        route-map RS-IN permit 2
         match rpki notfound
         on-match next
         set local-preference 50
        exit

    Invalid routes are denied; not-found routes get the lower local preference
    and go on (``on-match next``) to the route-map's next entries, as valid
    routes do: those entries still decide what is accepted. With
    ``not_found_local_preference`` None the not-found entry is removed
    (``no route-map RS-IN permit 2``, which FRR accepts silently when absent).
    Caches configured on the router but not listed here are left alone.
    """
    checked = []
    seen_pref, seen_addr = {}, {}
    for index, cache in enumerate([caches] if isinstance(caches, Mapping) else list(caches)):
        address, port, pref = rpki_cache(cache, "RPKI cache %d" % (index + 1))
        if pref in seen_pref:
            raise DataError(
                "preference %d is also %s's" % (pref, seen_pref[pref]), "RPKI cache %s" % address, "preference"
            )
        if (address, port) in seen_addr:
            raise DataError("listed twice (port %d)" % port, "RPKI cache %s" % address)
        seen_pref[pref] = address
        seen_addr[(address, port)] = pref
        checked.append((pref, address, port))
    if not checked:
        raise DataError("no RTR cache: without one every route would be not-found", "RPKI caches")
    policy = rpki_policy(policy)
    name, seq, pref = policy["route_map"], policy["seq"], policy["not_found_local_preference"]
    lines = ["rpki"]
    lines += [" rpki cache %s %d preference %d" % (address, port, p) for p, address, port in sorted(checked)]
    lines += ["exit", "route-map %s deny %d" % (name, seq), " match rpki invalid", "exit"]
    not_found_seq = seq + RPKI_NOT_FOUND_SEQ_OFFSET
    if pref is None:
        lines.append("no route-map %s permit %d" % (name, not_found_seq))
    else:
        lines += [
            "route-map %s permit %d" % (name, not_found_seq),
            " match rpki notfound",
            " on-match next",
            " set local-preference %d" % pref,
            "exit",
        ]
    return "\n".join(lines) + "\n"


def render_rov(caches, policy, asn=None):  # pylint: disable=unused-argument
    """``render_rpki`` for the model (rpki.router_policy): the caches and a route-map ``ROUTESEC-ROV`` of its own.

    FRR takes each preference once, so the caches are numbered 1, 2, ... in
    preference order. The route-map ends with a permit, as on the other
    platforms; FRR rejects invalid routes only (``reject_invalid`` must hold).
    """
    if not policy.reject_invalid:
        raise DataError("FRR's RPKI policy here always rejects invalid routes", "FRR RPKI", "reject_invalid")
    numbered = [
        {"address": cache.address, "port": cache.port, "preference": index}
        for index, cache in enumerate(common.rtr_caches(caches, "FRR"), start=1)
    ]
    rules = {"route_map": "ROUTESEC-ROV", "not_found_local_preference": policy.not_found_local_pref}
    return render_rpki(numbered, rules) + "route-map ROUTESEC-ROV permit 65535\nexit\n"
