# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  within:
    description:
      - Plan only inside these blocks (each inside a NetBox aggregate), as when onboarding one block; what lies
        outside them is neither added nor removed.
    type: list
    elements: str
"""
