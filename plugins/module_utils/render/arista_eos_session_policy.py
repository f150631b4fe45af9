# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Arista EOS: every eBGP session's import and export policy as route-maps (``render.route_map_policy``
writes them, the table of the terms is in ``render.frr_session_policy``), typed into an EOS configuration
session and committed by the EOS driver.

Objects:

* the helper prefix lists by ``render.arista_eos`` (the neighbours' IRR lists and our own space are
  ``routesec.bgp.prefix_filter``'s), the neighbours' origin lists by its ``render_as_path_lists``;
* ``ip as-path access-list NAME permit|deny EXPRESSION any`` (EOS shows the origin, ``any``, so it is
  written);
* ``ip community-list NAME permit 65535:0`` (graceful shutdown, RFC 8326) and ``65535:666`` (blackhole,
  RFC 7999);
* ``ip large-community-list NAME permit L:F:C``, ``ip large-community-list regexp NAME permit ...``,
  ``match large-community NAME``, ``set large-community L:F:C additive``, ``set large-community
  large-community-list NAME delete``.

Route-map lines: ``match ip|ipv6 address prefix-list``, ``match as-path``, ``match community``, ``match
origin-as validity invalid`` (as ``render.arista_eos.render_rov``; the router's RPKI configuration makes the
states), ``continue N``, ``set local-preference``, ``set community no-export additive``, ``set ip|ipv6
next-hop peer-address``.

Quirks:

* ``ip as-path regex-mode string``: the expressions (these and bgpq4's origin lists) read the path as text,
  ``_`` between numbers, as on IOS. EOS's other mode reads each number as a token, in which the
  expressions would not mean what they say; the mode is global, so an operator's own lists written for it
  read differently too. A path longer than ``max_path_length`` is ``^([0-9]+_){N}[0-9]+``.
* EOS limits every neighbour to 12000 routes unless told otherwise, so a session without a max-prefix gets
  ``maximum-routes 0`` (no limit) rather than EOS's; one with a max-prefix ``neighbor X maximum-routes N``,
  with ``warning-only`` or, torn down, ``neighbor X idle-restart-timer SECONDS`` (the restart minutes) to
  come back; with ``max_prefix_restart`` 0 the session stays down until cleared, and an idle-restart-timer
  the router has (``parse_neighbors``) is taken away. These are under ``router bgp LOCAL`` itself.
* Per ``address-family ipv4|ipv6`` (6 spaces in, no closing line): ``neighbor X route-map NAME in|out`` and,
  for a customer that gets only a default route, ``neighbor X default-originate`` (taken away with
  ``no`` when the router has it and the customer now gets the full table).
* The configuration session makes the change whole at commit (no window with half a route-map), and EOS's
  own comparison of the session with the running configuration is the diff: a second run with the same
  policy shows none, whatever order EOS prints lines in. The text is indented as EOS prints it (3 spaces
  a level). Not checked against a device (none runs here): the forms follow the EOS manual.
"""

from __future__ import annotations

from ..policy.terms import no_roles
from . import arista_eos
from . import route_map_policy as route_maps

GAPS = {
    "roles": no_roles("the EOS user manual documents no BGP role capability"),
}

INDENT = "   "
UNLIMITED = 0  # EOS's maximum-routes without a limit


def path_longer(count):
    return "^([0-9]+_){%d}[0-9]+" % count


DIALECT = route_maps.Dialect(
    indent=INDENT,
    heads={
        "community": "ip community-list %s",
        "large": "ip large-community-list %s",
        "large_regex": "ip large-community-list regexp %s",
        "as_path": "ip as-path access-list %s",
    },
    as_path_tail=" any",
    match={"rpki_invalid": "match origin-as validity invalid"},
    set={"delete_large": "set large-community large-community-list %s delete"},
    path_longer=path_longer,
    preamble=("ip as-path regex-mode string",),
)


def render_session_policy(intent, options, neighbors=None) -> str:
    """The EOS configuration of every eBGP session of ``intent`` (a DeviceIntent) under ``options``;
    ``neighbors`` (``parse_neighbors`` of the running configuration, or None) says which neighbours have a
    ``default-originate`` or an ``idle-restart-timer`` to take away."""

    def bindings(policy):
        return binding_lines(intent.device.local_asn, policy.sessions, options, neighbors or {})

    return route_maps.render(intent, options, DIALECT, arista_eos, bindings)


parse_neighbors = route_maps.parse_neighbors


def binding_lines(local, sessions, options, neighbors):
    """``router bgp LOCAL``: each session's route limit, and per family its route-maps and default route."""
    body = [line for session in sorted(sessions) for line in limit_lines(session, options, neighbors)]
    for afi, members in route_maps.by_family(sessions).items():
        lines = [line for session in members for line in route_maps.policy_lines(session, options, neighbors)]
        body += ["!", *route_maps.block("address-family ipv%d" % afi, lines, INDENT)]
    return route_maps.block("router bgp %d" % local, body, INDENT)


def limit_lines(session, options, neighbors):
    peer = "neighbor %s" % session.address
    if not session.max_prefix:
        return ["%s maximum-routes %d" % (peer, UNLIMITED)]
    if session.max_prefix_action == "warning":
        return ["%s maximum-routes %d warning-only" % (peer, session.max_prefix)]
    lines = ["%s maximum-routes %d" % (peer, session.max_prefix)]
    if options.max_prefix_restart:
        return lines + ["%s idle-restart-timer %d" % (peer, options.max_prefix_restart * 60)]
    if any(line.startswith("idle-restart-timer ") for line in route_maps.neighbor_settings(neighbors, session)):
        lines.append("no %s idle-restart-timer" % peer)
    return lines
