# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Transports: how configuration reaches a device.

Every transport offers the same verbs: ``get_running`` (text), ``parse_lists``
(running text -> {(afi, name): {seq: entry}}), ``line_of`` (one entry as the
running config prints it), ``commands`` (a plan.ListChange -> the lines that
carry it out), ``apply`` (push lines), ``save`` (persist), and is a context
manager that opens and closes the session.
"""

from __future__ import annotations

from ..errors import TransportError

# Imported by name (not looked up at run time) so that Ansible ships them with the modules.
from . import frr_cli

# platform -> the module holding its ``Transport`` class
TRANSPORTS = {
    "frr": frr_cli,
}


def transport_for(platform, **connection):
    """A transport instance for ``platform``, not yet connected."""
    module = TRANSPORTS.get(platform)
    if module is None:
        raise TransportError(
            "no transport can deploy to platform %r yet (deployable: %s); "
            "use state=rendered to get its configuration" % (platform, ", ".join(sorted(TRANSPORTS))),
            field="platform",
        )
    return module.Transport(**connection)
