# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  platform:
    description:
      - Runs on the Ansible controller (or an execution environment), not on the router, and reaches routers, NetBox,
        the IRR and the RPKI over the network itself. Router hosts in the inventory need C(ansible_connection=local).
    support: full
    platforms: posix
"""
