# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS / IOS-XE: every eBGP session's import and export policy as route-maps (``render.route_map_policy``
writes them, the table of the terms is in ``render.frr_session_policy``), merged into the running
configuration line by line through the IOS driver.

Objects (IOS-XE 16.12 or later for named AS-path lists, 17.x for large communities):

* the helper prefix lists by ``render.cisco_ios`` (the neighbours' IRR lists and our own space are
  ``routesec.bgp.prefix_filter``'s), the neighbours' origin lists by its ``render_as_path_lists``;
* ``ip as-path access-list NAME permit|deny EXPRESSION`` (the lines of a list are alternatives);
* ``ip community-list standard NAME permit 65535:0`` (graceful shutdown, RFC 8326) and ``65535:666``
  (blackhole, RFC 7999);
* ``ip large-community-list standard|expanded NAME permit ...`` (Cisco's "BGP Large Community" guide),
  ``match large-community NAME``, ``set large-community L:F:C additive``, ``set large-comm-list NAME delete``.

Route-map lines: ``match ip|ipv6 address prefix-list``, ``match as-path``, ``match community``,
``match rpki invalid`` (BGP RPKI-based origin validation; the servers are ``render.cisco_ios.render_rov``'s),
``continue N`` (the BGP Route-Map Continue feature), ``set local-preference``, ``set community no-export
additive``, ``set ip next-hop peer-address`` and ``set ipv6 next-hop peer-address`` (inbound: the
neighbour's address), in the order match, continue, set.

Quirks:

* IOS regular expressions have no bounded repetition (``{n}``): the digits of a number range are written
  out (``[0-9][0-9]`` for ``[0-9]{2}``), and a path longer than ``max_path_length`` is not an expression
  but IOS's ``bgp maxas-limit N`` under ``router bgp``, which discards such routes from every neighbour as
  they arrive (iBGP ones too); the route-map terms that test the length are left out (every route sent
  was received, and so checked, or is our own).
* ``ip bgp-community new-format`` makes IOS read and print communities as ``AA:NN`` (without it the
  community lists would print as 32-bit numbers, and a second run would differ).
* IOS has no candidate: each object is redefined whole with its ``no`` line first, so between those lines
  a route-map has fewer entries than before (prefix lists have the same window, see ``render.cisco_ios``);
  the IOS driver applies the whole text under its revert timer.
* Under ``router bgp LOCAL``, per ``address-family ipv4|ipv6`` (printed without ``unicast``, closed by
  ``exit-address-family``), each session gets ``neighbor X route-map NAME in|out`` (a new name replaces the
  old), ``neighbor X maximum-prefix N`` with ``warning-only`` or ``restart MINUTES`` (nothing: torn down
  until cleared) and, for a customer that gets only a default route, ``neighbor X default-originate``; when
  the router's neighbour (``parse_neighbors``) has ``default-originate`` and the customer now gets the full
  table, ``no neighbor X default-originate`` takes it away (without ``neighbors`` it is left).
* The session itself (``remote-as``, its activation in the family) is the operator's; the planner refuses a
  session the router lacks.
* The text is indented as ``show running-config`` prints it (one space a level), so that the IOS driver's
  prediction of a second run finds nothing to change. Not checked against a device (none runs here):
  where the guides give no printed form (the order IOS prints a route-map entry's lines in, how a release
  that knows the ``gshut`` keyword prints 65535:0) the form typed is the one written; the driver tolerates
  a different order of the lines within an entry.
"""

from __future__ import annotations

import re

from ..policy.terms import no_roles
from . import cisco_ios
from . import route_map_policy as route_maps

GAPS = {
    "roles": no_roles(
        "the IOS and IOS-XE BGP configuration guides and command references document no BGP role capability"
    ),
}

INDENT = " "


def written_out(text):
    """``text`` without bounded repetition: ``[0-9]{3}`` becomes ``[0-9][0-9][0-9]``."""
    return re.sub(r"\[0-9\]\{(\d+)\}", lambda found: "[0-9]" * int(found.group(1)), text)


DIALECT = route_maps.Dialect(
    indent=INDENT,
    heads={
        "community": "ip community-list standard %s",
        "large": "ip large-community-list standard %s",
        "large_regex": "ip large-community-list expanded %s",
        "as_path": "ip as-path access-list %s",
    },
    expression=written_out,
    preamble=("ip bgp-community new-format",),
)


def render_session_policy(intent, options, neighbors=None) -> str:
    """The IOS configuration of every eBGP session of ``intent`` (a DeviceIntent) under ``options``;
    ``neighbors`` (``parse_neighbors`` of the running configuration, or None) says which neighbours have a
    ``default-originate`` to take away."""

    def bindings(policy):
        return binding_lines(intent.device.local_asn, policy.sessions, options, neighbors or {})

    return route_maps.render(intent, options, DIALECT, cisco_ios, bindings)


parse_neighbors = route_maps.parse_neighbors


def binding_lines(local, sessions, options, neighbors):
    """``router bgp LOCAL``: the path length limit, and per family each session's route-maps, max-prefix and
    default route."""
    body = ["bgp maxas-limit %d" % options.max_path_length]
    for afi, members in route_maps.by_family(sessions).items():
        lines = [line for session in members for line in session_lines(session, options, neighbors)]
        body += ["!", *route_maps.block("address-family ipv%d" % afi, lines, INDENT, "exit-address-family")]
    return route_maps.block("router bgp %d" % local, body, INDENT)


def session_lines(session, options, neighbors):
    lines = route_maps.policy_lines(session, options, neighbors)
    if session.max_prefix:
        limit = "neighbor %s maximum-prefix %d %s" % (session.address, session.max_prefix, over_limit(session, options))
        lines.append(limit.rstrip())
    return lines


def over_limit(session, options):
    """What IOS does when the session goes over its max-prefix: log, or tear down and come back (or not)."""
    if session.max_prefix_action == "warning":
        return "warning-only"
    return "restart %d" % options.max_prefix_restart if options.max_prefix_restart else ""
