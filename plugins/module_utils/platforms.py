# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platforms routesec knows, by the name NetBox's platform slug gives them: the one list.

Every layer takes its platforms from here: the intent model accepts these names,
``render.RENDERERS`` has one renderer per name, and ``drivers.registry`` says
which transports reach each one. A new platform is a line here, a renderer file
and a driver file (``tests/unit/test_platforms.py`` checks that they agree).
"""

from __future__ import annotations

PLATFORMS = (
    "frr",
    "bird2",
    "openbgpd",
    "cisco_ios",
    "cisco_iosxr",
    "juniper_junos",
    "arista_eos",
    "nokia_sros",
)
