#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: validator_config
short_description: Render an RPKI validator's configuration and a SLURM file for our space from NetBox
version_added: 0.1.0
description:
  - Renders the configuration of rpki-client, FORT, Routinator or StayRTR from O(settings) (trust anchors
    chosen by name, directories, RTR and HTTP listeners) and, when O(settings) names a C(slurm) file, a
    SLURM file (RFC 8416) that asserts every ROA NetBox asks for (as P(routesec.bgp.roa_plan#module)
    derives them) and carries O(slurm_filters).
  - Returns the files as RV(files) (path and content) and, for rpki-client and StayRTR, the command line
    (RV(argv)); the role C(routesec.bgp.rpki_validator) writes them with check mode and diff, and reloads
    the validator only when a file changed.
  - Refuses, naming the setting or NetBox object, unknown TALs or settings, relative paths, and everything
    P(routesec.bgp.roa_plan#module) refuses.
  - A filter of O(slurm_filters) that matches one of our ROAs is a warning, not an error; the ROA is still
    asserted, since a validator applies the filters first and then adds the assertions (RFC 8416 section 4).
  - "ASPA (the C(aspa) setting of O(settings)): left out, ASPA is validated and served where the tool serves
    ASPA that routers read: rpki-client writes it into its output, Routinator gets C(enable-aspa = true).
    C(aspa=false) renders rpki-client's C(-A) (rpki-client 8.3 and later), Routinator's
    C(enable-aspa = false) and StayRTR's C(-protocol 1). C(aspa=true) is refused for FORT 1.6 (it validates no
    ASPA and serves RTR versions 0 and 1 only) and for StayRTR (0.6 serves no ASPA and no RTR version 2; 0.5 sends
    a pre-standard ASPA PDU, draft-ietf-sidrops-8210bis-10, that BIRD 2.16 and later misread)."
  - "FORT 1.7 (1.7.0.experimental; C(fort_version=1.7) in O(settings)) validates ASPA objects and serves them over
    RTR version 2 only up to its C(server.max-rtr-version), which defaults to 0: routesec renders 2, and writes
    FORT's ASPAs to C(output_dir/aspas.json) beside its VRPs; C(aspa=false) renders 1 (RTR versions 0 and 1, as
    FORT 1.6 serves) and no ASPA file."
  - The SLURM file is RFC 8416's version 1. No validator here applies the ASPA filters and assertions of
    draft-ietf-sidrops-aspa-slurm (SLURM version 2), so none are written.
  - Reads only.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.netbox
  - routesec.bgp.read_only
options:
  tool:
    description: The validator.
    type: str
    required: true
    choices: [rpki-client, fort, routinator, stayrtr]
  settings:
    description:
      - "C(tals) (names from afrinic, apnic, arin, lacnic, ripe), C(tal_dir), C(cache_dir), C(output_dir),
        C(slurm), C(rtr) and C(http) (each C(address) and C(port)), C(offline), C(vrp_cache),
        C(selected_tal_dir), C(check_time), C(aspa) (true or false; left out: on where the tool serves ASPA),
        C(fort_version) (the FORT version the configuration is for, such as C('1.7'); default 1.6; other tools
        ignore it); paths absolute."
    type: dict
    required: true
  config_path:
    description: Where FORT's or Routinator's configuration file goes.
    type: path
  slurm_filters:
    description: SLURM prefix filters (C(prefix) and/or C(asn), C(comment)) for VRPs to ignore.
    type: list
    elements: dict
    default: []
  wide_max_length:
    description: As in P(routesec.bgp.roa_plan#module).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: StayRTR serving rpki-client's VRPs, with our ROAs asserted
  routesec.bgp.validator_config:
    tool: stayrtr
    settings:
      tals: [ripe]
      output_dir: /var/lib/rpki-client
      slurm: /etc/stayrtr/slurm.json
      rtr: {address: 192.0.2.10, port: 3323}
  register: validator

- name: Routinator serving ROAs and ASPAs (RTR version 2) to the routers
  routesec.bgp.validator_config:
    tool: routinator
    config_path: /etc/routinator/routinator.conf
    settings:
      tals: [ripe, arin]
      cache_dir: /var/lib/routinator/rpki-cache
      rtr: {address: 192.0.2.10, port: 3323}
      aspa: true

- name: FORT 1.7 validating ASPAs and serving them over RTR version 2
  routesec.bgp.validator_config:
    tool: fort
    config_path: /etc/fort/config.json
    settings:
      tals: [ripe]
      cache_dir: /var/lib/fort
      rtr: {address: 192.0.2.10, port: 323}
      fort_version: "1.7"
"""

RETURN = r"""
files:
  description: Path and content of each file the validator needs.
  returned: success
  type: dict
  sample: {"/etc/stayrtr/slurm.json": "{\n  \"slurmVersion\": 1, ...}\n"}
argv:
  description: The command line, for rpki-client and StayRTR (their settings are options, not a file).
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, netbox_records, run
from ..module_utils.rpki.roa_plan import RoaPolicy, roa_intent
from ..module_utils.rpki.validator_intent import TOOLS, validator_files

KINDS = ("aggregates", "asns", "prefixes")  # the ROAs to assert come from NetBox


def main():
    argument_spec = dict(
        NETBOX_ARGSPEC,
        tool={"type": "str", "required": True, "choices": list(TOOLS)},
        settings={"type": "dict", "required": True},
        config_path={"type": "path"},
        slurm_filters={"type": "list", "elements": "dict", "default": []},
        wide_max_length={"type": "bool", "default": False},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    roas = ()
    if (p["settings"] or {}).get("slurm"):
        records = netbox_records(module, KINDS)
        roas = run(module, roa_intent, records, RoaPolicy(wide_max_length=p["wide_max_length"])).roas
    files, argv, warnings = run(
        module, validator_files, p["tool"], p["settings"], roas, p["slurm_filters"], p["config_path"]
    )
    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=False, files=files, argv=argv)


if __name__ == "__main__":
    main()
