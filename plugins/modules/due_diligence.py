#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: due_diligence
short_description: Check a newly acquired block before it is announced, and report what was found
version_added: 0.1.0
description:
  - Checks O(block) against every source configured, each a section of the report - C(netbox) (an aggregate
    holds it), C(rdap) (the RIR's registration covers it, is active and names O(holder)), C(dnsbl) (no address
    listed in O(dnsbl_zones)), C(reverse_dns) (its in-addr.arpa or ip6.arpa zones are delegated), C(rpki) (no
    ROA for another origin), C(irr) (no route object for another origin) and C(bgp) (nobody else announces it
    or a part of it in O(routing_table)).
  - A section whose source is not configured is C(skipped). Fails when any section has a problem, unless
    O(fail_on_problem=false); a source that cannot be asked fails the task (a check that did not run is not clean).
  - Reads only.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.irr_whois
  - routesec.bgp.netbox
options:
  block:
    description: The address block, for example C(185.230.76.0/22).
    type: str
    required: true
  holder:
    description: The holder the RIR's registration must name (its registrant's name, organisation or handle).
    type: str
  rdap_url:
    description: The RDAP service (a RIR's, or a bootstrap service) to ask, for example C(https://rdap.db.ripe.net).
    type: str
  dns_server:
    description: The resolver (IP address) the DNSBL and reverse-DNS queries go to; without it both are skipped.
    type: str
  dns_port:
    description: Its port.
    type: int
    default: 53
  dnsbl_zones:
    description: The blocklist zones to check every address of the block in.
    type: list
    elements: str
    default: []
  current_vrps:
    description: The VRPs the RPKI holds now (a validator's JSON or CSV export).
    type: path
  irr_host:
    description: The IRR whois server (IRRd) to look for route objects in.
    type: str
  routing_table:
    description: A routing-table snapshot in CAIDA prefix-to-AS format (RouteViews pfx2as, optionally gzipped).
    type: path
  fail_on_problem:
    description: Fail when a section has a problem.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Asks its sources only, so it behaves the same in check mode.
  diff_mode:
    support: none
    description: Reads only; there is nothing to diff.
"""

EXAMPLES = r"""
- name: Due diligence on the new block
  routesec.bgp.due_diligence:
    block: 185.230.76.0/22
    holder: Example Networks Ltd
    rdap_url: https://rdap.db.ripe.net
    dns_server: 192.0.2.53
    dnsbl_zones: [zen.spamhaus.org]
    current_vrps: /var/lib/rpki-client/json
    irr_host: whois.radb.net
    routing_table: routeviews.pfx2as.gz
"""

RETURN = r"""
checks:
  description: Per section (netbox, rdap, dnsbl, reverse_dns, rpki, irr, bgp) its C(status) (ok, problem, skipped),
    C(problems) and C(details).
  returned: always
  type: dict
problems:
  description: Every problem, prefixed with its section.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, netbox_records, run
from ..module_utils.due_diligence import checks
from ..module_utils.intent.build import Problems, own_asns
from ..module_utils.intent.model import parse_prefix
from ..module_utils.irr.whois import WhoisClient


def sections(module, block, records, own):
    p = module.params
    timeout = p["timeout"]
    found = {"netbox": checks.netbox_check(block, records["aggregates"])}
    found["rdap"] = (
        checks.rdap_check(block, p["rdap_url"], p["holder"], timeout)
        if p["rdap_url"]
        else checks.skipped("no rdap_url")
    )
    if p["dns_server"] and p["dnsbl_zones"]:
        found["dnsbl"] = checks.dnsbl_check(block, p["dnsbl_zones"], p["dns_server"], p["dns_port"], timeout)
    else:
        found["dnsbl"] = checks.skipped("no dns_server or dnsbl_zones")
    if p["dns_server"]:
        found["reverse_dns"] = checks.reverse_dns_check(block, p["dns_server"], p["dns_port"], timeout)
    else:
        found["reverse_dns"] = checks.skipped("no dns_server")
    found["rpki"] = (
        checks.rpki_check(block, p["current_vrps"], own) if p["current_vrps"] else checks.skipped("no current_vrps")
    )
    if p["irr_host"]:
        with WhoisClient(p["irr_host"], p["irr_port"], sources=p["sources"], timeout=timeout) as client:
            found["irr"] = checks.irr_check(block, client, own)
    else:
        found["irr"] = checks.skipped("no irr_host")
    found["bgp"] = (
        checks.bgp_check(block, p["routing_table"], own) if p["routing_table"] else checks.skipped("no routing_table")
    )
    return found


def main():
    argument_spec = dict(
        NETBOX_ARGSPEC,
        block={"type": "str", "required": True},
        holder={"type": "str"},
        rdap_url={"type": "str"},
        dns_server={"type": "str"},
        dns_port={"type": "int", "default": 53},
        dnsbl_zones={"type": "list", "elements": "str", "default": []},
        current_vrps={"type": "path"},
        irr_host={"type": "str"},
        irr_port={"type": "int", "default": 43},
        sources={"type": "list", "elements": "str"},
        routing_table={"type": "path"},
        fail_on_problem={"type": "bool", "default": True},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    block = run(module, parse_prefix, module.params["block"], "due diligence", "block")
    records = netbox_records(module, ["aggregates", "asns"])
    problems = Problems()
    own = own_asns(records["asns"], problems)
    run(module, problems.raise_if_any)
    found = run(module, sections, module, block, records, own)
    listed = ["%s: %s" % (name, text) for name, check in found.items() for text in check.problems]
    result = {"changed": False, "checks": {name: check.to_dict() for name, check in found.items()}, "problems": listed}
    if listed and module.params["fail_on_problem"]:
        module.fail_json(
            msg="due diligence on %s found %d problem(s): %s" % (block, len(listed), "; ".join(listed)), **result
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
