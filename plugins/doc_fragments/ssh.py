# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  port:
    description: SSH port.
    type: int
    default: 22
  username:
    description: SSH user.
    type: str
  password:
    description: SSH password. Never logged.
    type: str
  ssh_key:
    description: SSH private key file (for the modules that run commands on the router over SSH).
    type: path
"""
