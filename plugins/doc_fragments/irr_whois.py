# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  irr_port:
    description: The IRR whois server's port.
    type: int
    default: 43
  sources:
    description: IRR sources to query, in order of preference (like bgpq4 C(-S)). Default, the server's.
    type: list
    elements: str
"""
