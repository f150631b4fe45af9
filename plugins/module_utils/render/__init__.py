# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Renderers: one template set per platform, turning intent into device config text.

Each platform module exposes, with the same signature on every platform:
``render_prefix_lists(prefix_lists) -> str``, the configuration which replaces
the named lists as a whole (the form bgpq4 prints); ``parse_prefix_lists(text)``,
the lists of a running configuration; ``render_as_path_lists(as_path_lists)``
for AS-path filters (the form of bgpq4 ``-f PEER``); and ``render_rov(caches,
policy, asn=None)`` for origin validation (RTR caches and an import policy;
``asn`` is used where the platform configures RPKI under ``router bgp``).
``openconfig`` renders the same lists for NETCONF. The FRR driver plans its
delta from these lists itself.

``frr_session_policy`` writes FRR's session policy (``policy``'s options).

Layer 3. Imports from: base, intent, policy.
"""

from __future__ import annotations

from ..errors import DataError
from ..platforms import PLATFORMS

# Imported by name (not looked up at run time) so that Ansible ships them with the modules.
from . import arista_eos, bird2, cisco_ios, cisco_iosxr, frr, juniper_junos, nokia_sros, openbgpd, openconfig

RENDERERS = {
    "frr": frr,
    "bird2": bird2,
    "openbgpd": openbgpd,
    "cisco_ios": cisco_ios,
    "cisco_iosxr": cisco_iosxr,
    "juniper_junos": juniper_junos,
    "arista_eos": arista_eos,
    "nokia_sros": nokia_sros,
}


def renderer(platform: str):
    """Return the renderer module for ``platform`` or raise DataError naming it."""
    if platform not in RENDERERS:
        raise DataError(
            "platform %r has no renderer (supported: %s)" % (platform, ", ".join(PLATFORMS)),
            field="platform",
        )
    return RENDERERS[platform]


def render_prefix_lists(platform: str, prefix_lists) -> str:
    """Render ``prefix_lists`` (PrefixList objects) for ``platform``."""
    return renderer(platform).render_prefix_lists(list(prefix_lists))


def replacement(syntax: str, prefix_lists, running: str) -> tuple:
    """``(current, candidate, commands)``: the lists of the ``running`` configuration that a candidate replacing
    ``prefix_lists`` whole replaces (``{(afi, name): {n: PrefixEntry}}``, for the guards), that candidate (None
    when nothing is to change), and the lines describing it when they are not the candidate's own (else None).

    ``syntax`` is a platform, or ``openconfig`` (NETCONF: one edit adding and deleting only the prefixes that
    differ). On most platforms a list is redefined in place. Where a list can change the kind of object that
    holds it (Junos: prefix-list or route-filter-list), the platform's ``replacement`` also deletes the old
    object in the same candidate, so nothing of the old kind is left behind.
    """
    module = openconfig if syntax == "openconfig" else renderer(syntax)
    if hasattr(module, "replacement"):
        return module.replacement(list(prefix_lists), running)
    return module.parse_prefix_lists(running), module.render_prefix_lists(list(prefix_lists)), None


def render_as_path_lists(platform: str, as_path_lists) -> str:
    """Render ``as_path_lists`` (AsPathList objects) for ``platform``, in bgpq4 ``-f``'s form."""
    return renderer(platform).render_as_path_lists(list(as_path_lists))


def render_rov(platform: str, caches, policy, asn: int | None = None):
    """RTR ``caches`` and the origin-validation import policy of ``policy`` for ``platform``.

    OpenBGPD's is a pair (sessions, filter rules): they go in different sections of bgpd.conf.
    """
    module = renderer(platform)
    if not hasattr(module, "render_rov"):
        raise DataError("platform %r has no origin-validation renderer" % platform, field="platform")
    return module.render_rov(list(caches), policy, asn)
