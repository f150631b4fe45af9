# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  username:
    description: The user to log in as over SSH (on FRR, vtysh is its login shell).
    type: str
    required: true
  password:
    description: Its password. Never logged.
    type: str
    required: true
  port:
    description: The SSH port.
    type: int
    default: 22
  connect_timeout:
    description: Seconds to wait for the SSH connection and each answer.
    type: int
    default: 30
requirements:
  - netmiko
"""
