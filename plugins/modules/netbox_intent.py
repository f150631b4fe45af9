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
    Nothing is built from data with problems. With O(devices), a problem of another device's record is a
    warning and that device is left out.
  - Each device's C(neighbors) are its C(routesec_neighbor_asns) and, when NetBox has the netbox-bgp
    plugin, the remote ASes of the device's plugin BGP sessions whose status is C(active), merged by AS,
    each with its AS-SET (the ASN's C(routesec_as_set), or the AS itself) and the sessions' remote
    addresses. Sessions to one of our ASNs (iBGP) are not neighbours; a session without a remote AS or
    with a malformed address is refused like any other bad record.
  - Reads only; never changes NetBox.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.netbox
  - routesec.bgp.read_only
options:
  page_size:
    description:
      - Objects per API page. Larger pages mean fewer requests; NetBox caps it at its E(MAX_PAGE_SIZE)
        setting (1000 by default) and routesec then follows NetBox's next-page links.
    type: int
    default: 5000
  bgp_sessions:
    description:
      - Read the netbox-bgp plugin's BGP sessions when NetBox has the plugin installed. Finding out
        costs one request (C(/api/status/)); reading them one list query more.
      - With V(false), only the four list queries are made and the plugin is ignored.
    type: bool
    default: true
  devices_only:
    description:
      - Read only the ASNs and the devices (two list queries) and return each device's C(name), C(platform),
        C(mgmt_host) and C(local_asn), without prefix-lists or neighbours - what a play needs to reach the routers,
        as R(routesec.bgp.compliance,ansible_collections.routesec.bgp.compliance_module) reads the rest itself.
        The intent of many routers with large lists is large to pass around.
    type: bool
    default: false
  devices:
    description:
      - The devices the run is for (NetBox device names; the roles pass the play's hosts). Only these are returned,
        and the problems of other devices' records (no primary IP, an unsupported platform, ...) are warnings
        instead of refusals, so that one bad record does not block the routers it does not concern. The problems of these
        devices, and of the records every router shares (ASNs, aggregates, prefixes), still refuse; so does a name
        that is not a NetBox device tagged C(routesec-managed).
      - Without it, every managed device is returned and any problem refuses.
    type: list
    elements: str
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
  description: Intent per managed device, keyed by NetBox device name (with O(devices_only), only its C(name),
    C(platform), C(mgmt_host) and C(local_asn)).
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
          addresses: [198.18.0.101, "fdff:5e5::101"]
      sessions:
        - address: 198.18.0.101
          remote_asn: 65000
          relationship: customer
          name: "r2: cust-v4"
          role: provider
          max_prefix: 20
          max_prefix_action: teardown
          blackhole: true
          as_set: AS65000:AS-CUSTOMERS
      unclassified: []
api_calls:
  description: HTTP requests made to NetBox.
  returned: success
  type: int
  sample: 6
seconds:
  description: Time spent reading NetBox.
  returned: success
  type: float
  sample: 0.21
counts:
  description: Objects read, by kind (C(bgp_sessions) only when the netbox-bgp plugin's sessions were read).
  returned: success
  type: dict
  sample: {"aggregates": 2, "asns": 3, "prefixes": 6, "devices": 2, "bgp_sessions": 2}
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, run
from ..module_utils.intent.build import Problems, build_intent, managed_devices
from ..module_utils.netbox.reader import DEFAULT_PAGE_SIZE, QUERIES, read_snapshot


def main():
    argument_spec = dict(
        NETBOX_ARGSPEC,
        page_size={"type": "int", "default": DEFAULT_PAGE_SIZE},
        bgp_sessions={"type": "bool", "default": True},
        devices_only={"type": "bool", "default": False},
        devices={"type": "list", "elements": "str"},
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
    kinds = None if p["bgp_sessions"] else list(QUERIES)  # None: all kinds, the plugin's included
    kinds = ["asns", "devices"] if p["devices_only"] else kinds
    args = (p["netbox_url"], p["netbox_token"], p["page_size"], p["timeout"], p["validate_certs"], kinds)
    snapshot = run(module, read_snapshot, *args)
    problems = Problems(p["devices"])
    if p["devices_only"]:
        devices = run(module, managed_devices, snapshot.records, p["platform_map"], problems)
    else:
        names = p["list_names"] or {}
        list_names = {4: names.get("ipv4") or "ROUTESEC-OWN-V4", 6: names.get("ipv6") or "ROUTESEC-OWN-V6"}
        intent = run(module, build_intent, snapshot.records, p["platform_map"], list_names, problems)
        devices = {name: device.to_dict() for name, device in intent.items()}
    for warning in problems.warnings:
        module.warn("left out, not in devices: %s" % warning)
    module.exit_json(
        changed=False,
        devices=devices,
        api_calls=snapshot.api_calls,
        seconds=round(snapshot.seconds, 3),
        counts={kind: len(records) for kind, records in snapshot.records.items()},
    )


if __name__ == "__main__":
    main()
