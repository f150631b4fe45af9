#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: session_policy
short_description: Deploy every eBGP session's import and export policy, derived from its relationship in NetBox
version_added: 0.1.0
description:
  - Takes one router's intent, as R(routesec.bgp.irr_filters,ansible_collections.routesec.bgp.irr_filters_module)
    returns it (the sessions with their relationships from NetBox, the customers' and peers' IRR lists), and brings
    the router's session policy to it, or renders it.
  - The policy follows the NLNOG BGP filter guide and MANRS action 1 (README "Session policy"). Import, first
    match wins - graceful shutdown (RFC 8326) lowers the preference; bogon AS numbers, paths longer than
    O(max_path_length), a first AS that is not the neighbour's (not from route servers), transit-free networks
    from customers and peers, blackhole requests (RFC 7999) except from a customer allowed to for its own
    prefixes, bogon prefixes, the default route, prefixes too long or too short, our own space and RPKI-invalid
    routes are rejected; customers and peers are limited to their IRR prefix-list and origin AS-path list; what
    is accepted is tagged with a large community saying where it was learned. Export - to transits, peers and
    route servers our own prefixes and routes learned from customers; to customers everything, or only a default
    route (O(customer_export)). Per session its max-prefix (warning, or teardown with O(max_prefix_restart)) and
    our RFC 9234 role (FRR then sets and checks Only-to-Customer).
  - Deploys to C(frr) (O(transport=netmiko), O(transport=vtysh) or O(transport=vtysh_local)), C(bird2) and
    C(openbgpd) (O(transport=file) over SSH or O(transport=file_local)) through the one deployment path. On FRR the driver
    plans object by object against the running configuration - each route-map entry, list entry and neighbour
    line that differs is changed, the session policy's route-maps and lists nothing
    uses any more are removed, other configuration is left alone - reads the router back after the push and puts
    it back when it is not as planned, under a confirm timer with O(transport=vtysh).
  - Refused before anything is sent, naming what is wrong - an eBGP session without a relationship
    (O(unclassified)); a session the router has no neighbour for, or whose remote AS differs from NetBox's; a
    change that would leave a session of NetBox without an import or an export route-map, take a route-map away
    that a neighbour uses, or take a neighbour's route-map away; a route-map naming a list the router would not
    hold (deploy the IRR prefix-lists with R(routesec.bgp.prefix_filter,ansible_collections.routesec.bgp.prefix_filter_module)
    first; in check mode the intent's prefix-lists count as deployed, as the run would deploy them first).
  - A session removed from NetBox keeps its policy on an FRR router until the session itself is removed there.
  - On BIRD, routesec writes every session of NetBox as a C(protocol bgp) with its import and export filter into
    one file, O(config_path), which BIRD's configuration O(main_config_path) includes (C(include "FILE";)) beside
    the router's own settings and the origin-validation part (R(routesec.bgp.rov_config,ansible_collections.routesec.bgp.rov_config_module),
    which defines C(routesec_rov_state()), used when O(reject_invalid)). The file is replaced whole, checked by
    C(bird -p) through a copy of the main file, and run with BIRD's own C(configure ... timeout); a session the
    file has and NetBox no longer has is removed only with O(remove_sessions). BIRD has no restart timer for a
    session over its max-prefix (it restarts at once, or with O(max_prefix_restart=0) stays down) and no
    C(default-originate) (with O(customer_export=default) a customer gets the default route of BIRD's table).
  - On OpenBGPD likewise, every session of NetBox as a C(neighbor) with its C(quick) filter rules in one file that
    bgpd.conf includes (C(include "FILE"), after its C(rtr) blocks, which give C(ovs invalid) its meaning), checked
    by C(bgpd -n) through a copy of bgpd.conf, swapped in and reloaded under the driver's confirm timer. RFC 9234
    roles are C(announce policy) (C(enforce) in strict mode); a customer that gets only a default route gets
    C(export default-route); the next hop is left as received; OpenBGPD has no warning-only max-prefix, so such a
    session gets none (a comment in the file says so).
  - On C(cisco_ios), C(cisco_iosxr), C(juniper_junos) and C(arista_eos) (O(transport=netmiko), their CLI drivers)
    and on any platform over O(transport=netconf) (OpenConfig C(routing-policy) and the BGP neighbours'
    C(apply-policy)), routesec writes the same policy as each platform's route-maps, route-policies or policy
    statements, their AS-path and community objects and the helper prefix lists, each replaced whole, and binds
    them to the sessions of NetBox, merged into the running configuration and committed with the platform's own
    confirmed commit. It first reads the router's neighbours and refuses a session the router lacks or has under
    another AS, and a policy naming a prefix list the router does not hold (on these platforms a match on a
    missing list may match everything). C(nokia_sros) is rendered (O(state=rendered), MD-CLI) and deployed over
    NETCONF. Policies a session no longer uses are left on the router.
  - What a platform cannot express (RFC 9234 roles on the vendor platforms; large communities, RPKI state or the
    neighbour's address as next hop in OpenConfig; a restart timer or default-originate on BIRD; a warning-only
    max-prefix or the neighbour's address as next hop on OpenBGPD) has a documented fallback, listed in
    RV(feature_gaps) and as a warning when the run's sessions and options need it; O(strict_features=true)
    refuses the run instead (README "Session policy", per platform).
  - In check mode it connects, reads and plans, and sends nothing; with C(--diff) it shows each route-map, list and
    neighbour line that would change.
  - O(state=rendered) returns the configuration without connecting.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.confirm
  - routesec.bgp.router_access
  - routesec.bgp.host_keys
  - routesec.bgp.ssh
options:
  intent:
    description: One device's intent, an item of RV(routesec.bgp.irr_filters#module:devices).
    type: dict
    required: true
  state:
    description: C(deployed) pushes to the router; C(rendered) returns the configuration without connecting.
    type: str
    choices: [deployed, rendered]
    default: deployed
  unclassified:
    description:
      - What to do when the router has eBGP sessions without C(custom_fields.routesec_relationship) in NetBox.
        C(fail) refuses the run naming them; C(keep) deploys the others and leaves those as they are.
    type: str
    choices: [fail, keep]
    default: fail
  max_path_length:
    description: Reject routes whose AS path has more ASNs than this.
    type: int
    default: 100
  transit_free:
    description: Transit-free networks; a customer's or peer's route through one is a leak. Default, the NLNOG BGP
      filter guide's list.
    type: list
    elements: int
  bogon_asn_exceptions:
    description: AS numbers or ranges (C(64496-64511)) taken out of the bogon AS numbers.
    type: list
    elements: str
    default: []
  bogon_exceptions:
    description: Prefixes taken out of the bogon prefixes.
    type: list
    elements: str
    default: []
  min_length:
    description: The shortest IPv4 and IPv6 prefix lengths accepted.
    type: list
    elements: int
    default: [8, 16]
  max_length:
    description: The longest IPv4 and IPv6 prefix lengths accepted.
    type: list
    elements: int
    default: [24, 48]
  community_function:
    description: The middle part of the large communities C(LOCAL:FUNCTION:CODE) that say where a route was learned.
    type: int
    default: 1
  customer_export:
    description: What customers get from us - C(full), every route; C(default), only a default route.
    type: str
    choices: [full, default]
    default: full
  reject_invalid:
    description: Reject RPKI-invalid routes (the router's RTR sessions come from R(routesec.bgp.rov_config,ansible_collections.routesec.bgp.rov_config_module)).
    type: bool
    default: true
  max_prefix_restart:
    description: Minutes before a session torn down over its max-prefix comes back; 0, never.
    type: int
    default: 15
  role_strict:
    description: RFC 9234 strict mode - no session with a neighbour that announces no role.
    type: bool
    default: false
  aspa:
    description:
      - ASPA path verification (draft-ietf-sidrops-aspa-verification-28) - an ASPA-invalid path is rejected; routes
        from customers, peers and route servers are verified upstream, routes from transits downstream. Off by
        default, as the procedure is an Internet-Draft that needs a router implementing it and RTR caches that
        carry ASPAs (RTR version 2).
      - Written for C(bird2), BIRD 2.16 or later, whose ASPA table and C(routesec_aspa_state()) come from
        R(routesec.bgp.rov_config,ansible_collections.routesec.bgp.rov_config_module) with C(aspa=true), and for
        C(openbgpd), OpenBGPD 8, where every session then gets OpenBGPD 8's C(role) (the one its relationship
        implies; bgpd takes the direction from it) and C(announce policy yes) (C(enforce) with O(role_strict)) where
        NetBox has the role. An older daemon refuses the file in its own check, and nothing is changed.
      - Refused on every other platform, before anything is rendered or sent, whatever O(strict_features) says -
        none of them documents ASPA verification.
    type: bool
    default: false
  aspa_unknown:
    description: With O(aspa=true), what becomes of an ASPA-unknown path (through an AS that publishes no ASPA) -
      C(accept) (most paths, while ASPA is being deployed) or C(reject).
    type: str
    choices: [accept, reject]
    default: accept
  remove_sessions:
    description: BIRD and OpenBGPD - remove the sessions the router has that NetBox no longer has (or no longer classifies).
    type: bool
    default: false
  strict_features:
    description: Refuse the run when the platform cannot express part of the policy (RV(feature_gaps)), instead of
      deploying with the documented fallback.
    type: bool
    default: false
  allow_shrink:
    description: Push a change even if it shrinks one of the policy's prefix-lists (bogons, our space, a customer's
      blackhole list) by more than a quarter.
    type: bool
    default: false
requirements:
  - netmiko (for O(transport=netmiko)), paramiko (for O(transport=vtysh) and O(transport=file)), ncclient and lxml
    (for O(transport=netconf))
attributes:
  check_mode:
    support: full
    description: Connects, reads the running configuration and plans; the guards run; nothing is sent.
  diff_mode:
    support: full
    description: Returns the unified diff of the route-maps, lists and neighbour lines that would change.
"""

EXAMPLES = r"""
- name: Each router's session policy, confirmed once its transit sessions are back up
  routesec.bgp.session_policy:
    intent: "{{ hostvars['localhost'].routesec_irr.devices[inventory_hostname] }}"
    transport: vtysh
    username: routesec
    ssh_key: ~/.ssh/routesec
    confirm_timeout: 120
    wait_established: [198.18.0.10]
    bogon_asn_exceptions: ["64496-64511", "65000-65010"]

- name: What edge1's customers would get with only a default route from us, rendered without connecting
  routesec.bgp.session_policy:
    intent: "{{ routesec_irr.devices['edge1'] }}"
    customer_export: default
    state: rendered
  register: policy
"""

RETURN = r"""
commands:
  description: The vtysh lines of the change, in the order they are sent (in check mode, not sent).
  returned: state=deployed
  type: list
  elements: str
  sample: ["route-map ROUTESEC-OUT-CUSTOMER-DEFAULT-V4 deny 10", "exit", "router bgp 64500"]
sessions:
  description: Each eBGP session's relationship and the route-maps, max-prefix and role it gets.
  returned: always
  type: list
  elements: dict
  sample:
    - neighbor: 198.18.0.101
      relationship: customer
      import: ROUTESEC-IN-CUSTOMER-AS65010-V4
      export: ROUTESEC-OUT-CUSTOMER-V4
      max_prefix: 100
      role: provider
feature_gaps:
  description: What the platform cannot express of the policy, each as the feature, a colon and the fallback
    deployed instead; empty when nothing is missing.
  returned: always
  type: list
  elements: str
  sample: ["roles: RFC 9234 roles are not configured ..."]
unclassified:
  description: The eBGP sessions without a relationship, left as they are (O(unclassified=keep)).
  returned: always
  type: list
  elements: str
rendered:
  description: The configuration in the router's syntax.
  returned: state=rendered
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import deploy_options, run
from ..module_utils.intent.model import DeviceIntent
from ..module_utils.plan.deploy import deploy
from ..module_utils.plan.session_policy import (
    UNCLASSIFIED,
    feature_gaps,
    render_session_policy,
    session_policy_plan,
    session_summary,
    subtree_filter,
)
from ..module_utils.policy.options import PolicyOptions
from ..module_utils.router_access import ROUTER_ACCESS_OPTIONS, router_driver

POLICY_OPTIONS = {
    "max_path_length": {"type": "int", "default": 100},
    "transit_free": {"type": "list", "elements": "int"},
    "bogon_asn_exceptions": {"type": "list", "elements": "str", "default": []},
    "bogon_exceptions": {"type": "list", "elements": "str", "default": []},
    "min_length": {"type": "list", "elements": "int", "default": [8, 16]},
    "max_length": {"type": "list", "elements": "int", "default": [24, 48]},
    "community_function": {"type": "int", "default": 1},
    "customer_export": {"type": "str", "choices": ["full", "default"], "default": "full"},
    "reject_invalid": {"type": "bool", "default": True},
    "max_prefix_restart": {"type": "int", "default": 15},
    "role_strict": {"type": "bool", "default": False},
    "aspa": {"type": "bool", "default": False},
    "aspa_unknown": {"type": "str", "choices": ["accept", "reject"], "default": "accept"},
}


def main():
    module = AnsibleModule(
        argument_spec={
            "intent": {"type": "dict", "required": True},
            "state": {"type": "str", "choices": ["deployed", "rendered"], "default": "deployed"},
            "unclassified": {"type": "str", "choices": list(UNCLASSIFIED), "default": "fail"},
            "allow_shrink": {"type": "bool", "default": False},
            "remove_sessions": {"type": "bool", "default": False},
            "strict_features": {"type": "bool", "default": False},
            **POLICY_OPTIONS,
            **ROUTER_ACCESS_OPTIONS,
        },
        supports_check_mode=True,
    )
    p = module.params
    intent = run(module, DeviceIntent.from_dict, p["intent"])
    options = run(module, PolicyOptions.from_params, p)
    syntax = "openconfig" if p["transport"] == "netconf" else intent.device.platform
    gaps = run(module, feature_gaps, intent, syntax, p["strict_features"], options)
    for gap in gaps:
        module.warn("device %s, %s" % (intent.device.name, gap))
    summary = {
        "sessions": session_summary(intent, options),
        "unclassified": list(intent.unclassified),
        "feature_gaps": gaps,
    }
    if p["state"] == "rendered":
        module.exit_json(changed=False, rendered=run(module, render_session_policy, intent, options, syntax), **summary)
    planner = run(
        module,
        session_policy_plan,
        intent,
        options,
        p["unclassified"],
        module.check_mode,
        p["remove_sessions"],
        syntax,
        p["strict_features"],
    )
    driver, runner = router_driver(module, intent.device, subtree_filter(syntax))

    def deployed():
        with driver:
            return deploy(driver, planner, deploy_options(module, allow_shrink=p["allow_shrink"]))

    try:
        outcome = run(module, deployed)
    finally:
        if runner is not None:
            runner.close()
    result = {"changed": outcome.changed, "commands": outcome.commands, **summary}
    if module._diff and outcome.diff:
        result["diff"] = {"prepared": outcome.diff}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
