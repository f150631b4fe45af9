# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  ca_url:
    description:
      - The CA API's base URL. For V(krill) it is required (for example C(https://krill.example.net:3000)).
    type: str
  ca_handle:
    description: The Krill CA's handle.
    type: str
  ca_api_key:
    description: The CA's API key or token (Krill's token). Never logged, never shown in a message.
    type: str
  ca_timeout:
    description: Seconds to wait for each CA API call.
    type: int
    default: 30
"""
