#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: netbox_bootstrap
short_description: Create the tags and custom fields routesec reads from NetBox
version_added: 0.1.0
description:
  - Creates, or brings up to date, the NetBox tags C(routesec-own) (on ASNs), C(routesec-announce)
    (on prefixes) and C(routesec-managed) (on devices), and the custom fields
    C(routesec_origin_asn) and C(routesec_max_length) (on prefixes), C(routesec_local_asn) and
    C(routesec_neighbor_asns) (on devices) and C(routesec_as_set) (on ASNs).
  - Works the same with or without the netbox-bgp plugin; it creates none of the plugin's objects.
  - Idempotent; in check mode it reports what it would create or update and writes nothing.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.netbox
attributes:
  check_mode:
    support: full
    description: Reports the changes it would make and makes none.
  diff_mode:
    support: none
    description: The changes are listed in RV(changes).
"""

EXAMPLES = r"""
- name: Prepare NetBox for routesec
  routesec.bgp.netbox_bootstrap:
    netbox_url: https://netbox.example.net
    netbox_token: "{{ vault_netbox_token }}"
"""

RETURN = r"""
changes:
  description: One item per tag or custom field created or updated.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "create", "slug": "routesec-own"}]
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, run
from ..module_utils.netbox.bootstrap import ensure_schema


def main():
    module = AnsibleModule(argument_spec=dict(NETBOX_ARGSPEC), supports_check_mode=True)
    p = module.params
    changes = run(
        module, ensure_schema, p["netbox_url"], p["netbox_token"], module.check_mode, p["timeout"], p["validate_certs"]
    )
    module.exit_json(changed=bool(changes), changes=changes)


if __name__ == "__main__":
    main()
