#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: irr_filters
short_description: Add customer and peer filters from the IRR to routesec intent
version_added: 0.1.0
description:
  - Takes the devices returned by R(routesec.bgp.netbox_intent,ansible_collections.routesec.bgp.netbox_intent_module)
    and, for every neighbour in their C(neighbors), expands the neighbour's AS-SET in an IRR over
    pipelined whois connections (each distinct AS-SET once), collects the route and route6 objects of
    its origins, and adds to the device an IPv4 and an IPv6 prefix-list named C(ROUTESEC-AS<asn>-IN-V4)
    / C(-V6) and an AS-path list C(ROUTESEC-AS<asn>-IN) (paths from the neighbour's AS ending in one
    of the set's origins).
  - Bogons and prefixes longer than O(max_length_ipv4) / O(max_length_ipv6) are removed; O(aggregate)
    and O(le) work like bgpq4's C(-A) and C(-R).
  - Fails closed, changing nothing, when a member set of an AS-SET is missing from the IRR, a set
    nests deeper than O(max_depth), a set's origins have no routes at all, or the IRR cannot be
    reached or answers late; the message names
    the AS-SET and the sets at fault. Run it once per play (C(run_once)) and deploy the result with
    R(routesec.bgp.prefix_filter,ansible_collections.routesec.bgp.prefix_filter_module), whose guards
    refuse a list that would become empty or shrink sharply.
  - Reads only; never changes the IRR.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.irr_whois
  - routesec.bgp.read_only
options:
  devices:
    description: The RV(routesec.bgp.netbox_intent#module:devices) result.
    type: dict
    required: true
  irr_host:
    description: IRR whois server (IRRd or RADb style).
    type: str
    required: true
  timeout:
    description: Seconds to wait for each answer from the IRR.
    type: float
    default: 30
  connections:
    description:
      - Whois connections a large AS-SET walk is spread over at once (IRRd serves each in its own worker).
      - Use 1 for servers that limit connections per client.
    type: int
    default: 4
  cache_dir:
    description:
      - Directory where IRR answers and expansions are kept between runs (created with mode 0700).
      - They are reused only while the IRR reports its sources unchanged (the time of the last data change
        and the serials in IRRd 4's C(!J) status), so a second run on unchanged data, such as the real run after
        C(--check), asks the server almost nothing. Any change to a queried source discards them all.
      - Nothing is saved from a run during which the data changed, or when a source changed less than
        O(cache_settle) seconds before the run. Servers without C(!J) are queried in full every time.
      - Default, no cache.
    type: path
  cache_settle:
    description:
      - Seconds a source must have been unchanged before answers from it are saved in O(cache_dir).
      - IRRd answers set expansions from an in-memory copy it refreshes shortly after each change; the default
        leaves it ample time. Lower it only for an IRR whose refresh you know to be quicker.
    type: float
    default: 60
  max_depth:
    description: Deepest AS-SET nesting followed; a deeper set is refused unless O(allow_too_deep).
    type: int
    default: 20
  aggregate:
    description: Aggregate prefixes into ranges, as bgpq4 C(-A).
    type: bool
    default: false
  le:
    description: Also accept more-specifics of each prefix up to this length, as bgpq4 C(-R).
    type: int
  max_length_ipv4:
    description: Drop IPv4 prefixes longer than this, as bgpq4 C(-m).
    type: int
    default: 24
  max_length_ipv6:
    description: Drop IPv6 prefixes longer than this.
    type: int
    default: 48
  drop_bogons:
    description: Remove bogon prefixes (special-purpose and unallocated space).
    type: bool
    default: true
  bogon_exceptions:
    description: Prefixes inside bogon space to accept all the same (for example a lab's documentation ranges).
    type: list
    elements: str
    default: []
  allow_missing_sets:
    description:
      - Build filters even if member sets of an AS-SET are missing from the IRR (or members are neither AS numbers
        nor AS-SET names, or are the reserved words AS0 and AS-ANY). The run warns with the count and the first names of what was left out, and RV(report)
        counts them per neighbour.
    type: bool
    default: false
  allow_too_deep:
    description: Build filters even if an AS-SET nests deeper than O(max_depth) (the deeper sets are left out).
    type: bool
    default: false
  allow_empty:
    description: Build filters even for an AS-SET whose origins have no route or route6 object at all.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Customer filters from the IRR
  routesec.bgp.irr_filters:
    devices: "{{ routesec_intent.devices }}"
    irr_host: whois.radb.net
    sources: [RADB, RIPE]
  run_once: true
  delegate_to: localhost
  register: routesec_irr
"""

RETURN = r"""
devices:
  description: The devices given, each with its neighbours' prefix-lists and AS-path lists added.
  returned: success
  type: dict
report:
  description:
    - Per neighbour AS, what its AS-SET gave and what was dropped; C(missing_sets), C(invalid_members),
      C(reserved_members) (AS0, AS-ANY) and C(too_deep_sets) count what O(allow_missing_sets) and
      O(allow_too_deep) let the expansion leave out.
  returned: success
  type: dict
  sample:
    AS65000:
      as_set: AS65000:AS-CUSTOMERS
      origins: 2
      depth: 1
      method: "!a"
      missing_sets: 0
      invalid_members: 0
      reserved_members: 0
      too_deep_sets: 0
      ipv4: {"prefixes": 2, "entries": 2, "bogons_dropped": 0, "too_specific_dropped": 0}
      ipv6: {"prefixes": 1, "entries": 1, "bogons_dropped": 0, "too_specific_dropped": 0}
irr_queries:
  description: Whois queries sent.
  returned: success
  type: int
irr_cache:
  description: How the answer cache was used, when O(cache_dir) is set.
  returned: when O(cache_dir) is set
  type: dict
  sample:
    path: /var/cache/routesec/irr/irr-4f3b636b9ab1fedf.json
    used: true
    results_loaded: 3
    answers_loaded: 0
    hits: 3
    saved: false
    reason: null
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import run
from ..module_utils.intent.model import DeviceIntent
from ..module_utils.irr.filters import IrrFilterOptions, irr_filters_from


def main():
    module = AnsibleModule(
        argument_spec={
            "devices": {"type": "dict", "required": True},
            "irr_host": {"type": "str", "required": True},
            "irr_port": {"type": "int", "default": 43},
            "sources": {"type": "list", "elements": "str"},
            "timeout": {"type": "float", "default": 30},
            "connections": {"type": "int", "default": 4},
            "cache_dir": {"type": "path"},
            "cache_settle": {"type": "float", "default": 60},
            "max_depth": {"type": "int", "default": 20},
            "aggregate": {"type": "bool", "default": False},
            "le": {"type": "int"},
            "max_length_ipv4": {"type": "int", "default": 24},
            "max_length_ipv6": {"type": "int", "default": 48},
            "drop_bogons": {"type": "bool", "default": True},
            "bogon_exceptions": {"type": "list", "elements": "str", "default": []},
            "allow_missing_sets": {"type": "bool", "default": False},
            "allow_too_deep": {"type": "bool", "default": False},
            "allow_empty": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    p = module.params
    intents = {name: run(module, DeviceIntent.from_dict, data) for name, data in p["devices"].items()}
    options = IrrFilterOptions(
        max_depth=p["max_depth"],
        aggregate=p["aggregate"],
        le=p["le"],
        max_length=(p["max_length_ipv4"], p["max_length_ipv6"]),
        drop_bogons=p["drop_bogons"],
        bogon_exceptions=tuple(p["bogon_exceptions"]),
        allow_missing=p["allow_missing_sets"],
        allow_too_deep=p["allow_too_deep"],
        allow_empty=p["allow_empty"],
    )
    built, report, warnings, queries, cache = run(
        module,
        irr_filters_from,
        p["irr_host"],
        p["irr_port"],
        intents,
        options,
        p["sources"],
        p["timeout"],
        p["connections"],
        p["cache_dir"],
        p["cache_settle"],
    )
    result = {"devices": {name: i.to_dict() for name, i in built.items()}, "report": report, "irr_queries": queries}
    if cache is not None:
        result["irr_cache"] = cache
    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
