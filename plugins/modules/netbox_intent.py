#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: netbox_intent
short_description: Build routesec's per-router intent from NetBox in one bulk read
version_added: 0.1.0
description:
  - Reads aggregates, ASNs, the prefixes tagged C(routesec-announce) and the devices tagged
    C(routesec-managed) from NetBox with a fixed number of list queries (one per kind, paginated),
    however many devices and prefixes there are. Run it once per play (C(run_once)) and hand each
    router its part with R(routesec.bgp.prefix_filter,ansible_collections.routesec.bgp.prefix_filter_module).
  - Checks every record first and fails, naming each NetBox object and field at fault, when a prefix
    has no origin ASN, its origin is not one of our ASNs (tagged C(routesec-own)), it lies outside
    every aggregate, its max length is out of range, or a device has an unsupported platform, no
    local ASN or no primary IP, or an ASN's AS-SET (C(routesec_as_set)) is not a valid name.
    Nothing is built from data with problems.
  - Each device's C(routesec_neighbor_asns) come back in each device's C(neighbors), with the AS-SET
    of each (the ASN's C(routesec_as_set), or the AS itself).
  - Reads only; never changes NetBox.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.netbox
  - routesec.bgp.read_only
options:
  page_size:
    description:
      - Objects per API page. Larger pages mean fewer requests; NetBox caps it at its E(MAX_PAGE_SIZE)
        setting (1000 by default) and routesec then follows NetBox's next-page links.
    type: int
    default: 5000
  platform_map:
    description:
      - Maps NetBox platform slugs to routesec platforms when they differ. Without an entry, a slug
        is used with C(-) read as C(_), so C(cisco-ios) means C(cisco_ios).
      - 'routesec platforms: C(frr), C(bird2), C(openbgpd), C(cisco_ios), C(cisco_iosxr),
        C(juniper_junos), C(arista_eos), C(nokia_sros).'
    type: dict
    default: {}
  list_names:
    description: Names of the announcement prefix-lists, by address family.
    type: dict
    default: {}
    suboptions:
      ipv4:
        description: Name of the IPv4 list.
        type: str
        default: ROUTESEC-OWN-V4
      ipv6:
        description: Name of the IPv6 list.
        type: str
        default: ROUTESEC-OWN-V6
"""

EXAMPLES = r"""
- name: Read intent from NetBox once for the whole play
  routesec.bgp.netbox_intent:
    netbox_url: "{{ netbox_url }}"
    netbox_token: "{{ netbox_token }}"
    platform_map:
      ios-xe: cisco_ios
  run_once: true
  delegate_to: localhost
  register: routesec_intent
"""

RETURN = r"""
devices:
  description: Intent per managed device, keyed by NetBox device name.
  returned: success
  type: dict
  sample:
    r1:
      name: r1
      platform: frr
      mgmt_host: 127.0.10.1
      local_asn: 64500
      prefix_lists:
        - name: ROUTESEC-OWN-V4
          afi: 4
          description: "routesec: prefixes AS64500 originates"
          entries: [{"prefix": "185.230.76.0/22", "ge": null, "le": 24, "action": "permit"}]
      neighbors:
        - asn: 65000
          as_set: AS65000:AS-CUSTOMERS
api_calls:
  description: HTTP requests made to NetBox.
  returned: success
  type: int
  sample: 4
seconds:
  description: Time spent reading NetBox.
  returned: success
  type: float
  sample: 0.21
counts:
  description: Objects read, by kind.
  returned: success
  type: dict
  sample: {"aggregates": 2, "asns": 3, "prefixes": 6, "devices": 2}
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, run
from ..module_utils.intent import build_intent
from ..module_utils.netbox_reader import DEFAULT_PAGE_SIZE, read_snapshot


def main():
    argument_spec = dict(
        NETBOX_ARGSPEC,
        page_size={"type": "int", "default": DEFAULT_PAGE_SIZE},
        platform_map={"type": "dict", "default": {}},
        list_names={
            "type": "dict",
            "default": {},
            "options": {
                "ipv4": {"type": "str", "default": "ROUTESEC-OWN-V4"},
                "ipv6": {"type": "str", "default": "ROUTESEC-OWN-V6"},
            },
        },
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    snapshot = run(
        module, read_snapshot, p["netbox_url"], p["netbox_token"], p["page_size"], p["timeout"], p["validate_certs"]
    )
    names = p["list_names"] or {}
    list_names = {4: names.get("ipv4") or "ROUTESEC-OWN-V4", 6: names.get("ipv6") or "ROUTESEC-OWN-V6"}
    intent = run(module, build_intent, snapshot.records, p["platform_map"], list_names)
    module.exit_json(
        changed=False,
        devices={name: device.to_dict() for name, device in intent.items()},
        api_calls=snapshot.api_calls,
        seconds=round(snapshot.seconds, 3),
        counts={kind: len(records) for kind, records in snapshot.records.items()},
    )


if __name__ == "__main__":
    main()
