# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  netbox_url:
    description:
      - URL of the NetBox instance, for example C(https://netbox.example.net).
      - Taken from the E(NETBOX_API) environment variable when not set (the name netbox.netbox's inventory reads), or
        else from E(NETBOX_URL).
    type: str
    required: true
  netbox_token:
    description:
      - NetBox API token. Never logged.
      - Taken from the E(NETBOX_TOKEN) environment variable when not set.
    type: str
    required: true
  validate_certs:
    description: Whether to verify NetBox's TLS certificate.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each NetBox API request.
    type: int
    default: 30
requirements:
  - pynetbox
"""
