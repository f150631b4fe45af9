#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: irr_route_objects
short_description: Plan (and submit) the route objects of our NetBox prefixes and our AS-SET in an IRR registry
version_added: 0.1.0
description:
  - Derives one C(route)/C(route6) object per prefix we originate (NetBox prefixes tagged C(routesec-announce)
    with C(routesec_origin_asn)), with the maintainer and source configured for the RIR of the aggregate it lies
    in (O(registries)) and the prefix's NetBox description as C(descr) (else O(descr)); every value is checked
    and the objects are written by routesec's RPSL serializer.
  - With O(as_set), also our AS-SET, named in the C(routesec_as_set) custom field of our ASN (tagged
    C(routesec-own)); its members are our ASN and every ASN tagged C(routesec-customer), by the AS-SET that ASN
    names (or its number). It is registered in the registry of our ASN's RIR, with that registry's C(admin-c) and
    C(tech-c). An AS-SET is never deleted; a plan removing all or most of its members is refused unless
    O(allow_deletions).
  - Reads what the registry holds (an IRRd over whois with O(registry_api=irrd), C(!o) for our maintainers,
    C(!r) for our prefixes and C(!m) for our AS-SET; the RIPE Database's REST search with O(registry_api=ripe))
    and plans creations, modifications of our objects, and deletions of our own route objects (our ASNs, inside
    our aggregates) that NetBox no longer asks for. Objects held by other maintainers, and customers' objects
    our maintainer holds, are never changed (a warning names them); a plan deleting all or most of our objects
    is refused unless O(allow_deletions). Attributes routesec does not write (remarks, notify, member-of added
    by hand) are kept on modification.
  - With O(current_vrps), objects whose origin the RPKI makes invalid (which IRRd-based registries refuse)
    are warned about or refused (O(rpki_conflict)).
  - Check mode and O(submit=false) send nothing; the plan's RPSL is returned. With O(submit), the changes are
    sent (IRRd, C(/v1/submit/)) creations and modifications in one call, then deletions; RIPE's REST API, one call
    per object) and each object's answer is reported. Deletions are never sent once a creation or modification
    failed. When the registry fails mid-way, the result says which changes were applied, which are unknown
    and which were not sent.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.within
  - routesec.bgp.irr_whois
  - routesec.bgp.netbox
options:
  registry_api:
    description:
      - How the registry is read and written. C(irrd) reads over whois (O(irr_host)) and submits to IRRd's HTTP
        submission API; C(ripe) reads and writes through the RIPE Database REST API (O(submit_url)).
    type: str
    choices: [irrd, ripe]
    default: irrd
  irr_host:
    description: The registry's whois server (IRRd). Required with O(registry_api=irrd).
    type: str
  registries:
    description:
      - "RIR slug (of the NetBox aggregate or ASN) to C(mntner), C(source) and, for our AS-SET, C(admin-c) and
        C(tech-c) (NIC handles), for example
        C({ripe-ncc: {mntner: MAINT-EXAMPLE, source: RIPE, admin-c: EX1-RIPE, tech-c: EX1-RIPE}})."
    type: dict
    required: true
  descr:
    description: The C(descr) line of objects whose NetBox prefix or ASN has no description.
    type: str
  as_set:
    description: Keep our AS-SET (named on our ASN in NetBox) in sync too.
    type: bool
    default: true
  current_vrps:
    description: VRPs (validator JSON or CSV) to check each route object's origin against.
    type: path
  rpki_conflict:
    description: What an RPKI-invalid route object does to the run.
    type: str
    choices: [warn, refuse]
    default: refuse
  submit:
    description: Send the plan to the registry. Check mode never sends.
    type: bool
    default: false
  submit_url:
    description:
      - The registry's HTTP base URL. IRRd takes submissions at C(/v1/submit/) below it (required to submit with
        O(registry_api=irrd)); the RIPE Database REST API defaults to C(https://rest.db.ripe.net).
    type: str
  irr_password:
    description: The maintainer's password. Never logged.
    type: str
  irr_api_key:
    description: An API key instead of the password (IRRd API key, or a RIPE Database API key). Never logged.
    type: str
  timeout:
    description: Seconds to wait for each answer of NetBox and of the registry.
    type: int
    default: 30
  max_delete_percent:
    description: Most of our route objects (or of our AS-SET's members) one plan may remove without O(allow_deletions).
    type: int
    default: 25
  allow_deletions:
    description: Submit a plan that removes more than O(max_delete_percent), or all, of our route objects or AS-SET members.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reads the registry and plans; submits nothing.
  diff_mode:
    support: full
    description: The RPSL of every object the plan creates, modifies or deletes, before and after.
"""

EXAMPLES = r"""
- name: Route objects and our AS-SET, checked against the RPKI, in an IRRd-based registry
  routesec.bgp.irr_route_objects:
    irr_host: whois.radb.net
    registries: {arin: {mntner: MAINT-AS64500, source: RADB, admin-c: EX1-ARIN, tech-c: EX1-ARIN}}
    descr: Example Networks
    current_vrps: /var/lib/rpki-client/json
    submit: true
    submit_url: https://irrd.example.net
    irr_password: "{{ vault_irr_password }}"
  delegate_to: localhost
  run_once: true

- name: The same in the RIPE Database
  routesec.bgp.irr_route_objects:
    registry_api: ripe
    registries: {ripe-ncc: {mntner: EXAMPLE-MNT, source: RIPE, admin-c: EX1-RIPE, tech-c: EX1-RIPE}}
    submit: true
    irr_api_key: "{{ vault_ripe_api_key }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
diff:
  description: With C(--diff), the RPSL of the objects the plan changes, as the registry holds them and after.
  returned: when the plan changes something and diff mode is on
  type: dict
plan:
  description: The objects to create, modify (before and after) and delete as RPSL, how many stay, and others' objects.
  returned: success
  type: dict
rpki_conflicts:
  description: Route objects whose origin the RPKI makes invalid (RPSL).
  returned: when O(current_vrps) is set
  type: list
  elements: str
results:
  description:
    - The registry's answer per object, in the order sent, each with C(key), C(action), C(result) (created,
      modified, deleted, no change, failed, not sent) and the registry's C(messages).
  returned: when submitted
  type: list
  elements: dict
applied:
  description: When the registry failed mid-way, the results of the changes it did apply.
  returned: on a registry failure during submission
  type: list
  elements: dict
unknown:
  description: When the registry failed mid-way, the changes that may or may not have been applied.
  returned: on a registry failure during submission
  type: list
  elements: str
not_applied:
  description: When the registry failed mid-way, the changes that were not applied (refused or never sent).
  returned: on a registry failure during submission
  type: list
  elements: str
submitted:
  description: Whether anything was sent.
  returned: success
  type: bool
"""


from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, WITHIN_OPTION, run, scoped_netbox_records
from ..module_utils.irr.registries import REGISTRY_APIS, RegistryAccess, registry_for
from ..module_utils.irr.route_objects import check_deletions, rpki_conflicts
from ..module_utils.irr.submit import SubmitError, key_text
from ..module_utils.rpki.vrp import read_vrps

KINDS = ("aggregates", "asns", "prefixes")


def registry_of(module):
    p = module.params
    access = RegistryAccess(
        p["irr_host"], p["irr_port"], p["sources"], p["submit_url"], p["irr_password"], p["irr_api_key"], p["timeout"]
    )
    return run(module, registry_for, p["registry_api"], access, p["registries"])


def check_rpki(module, desired, result):
    conflicts = rpki_conflicts(
        [o for o in desired if o.object_class != "as-set"], run(module, read_vrps, module.params["current_vrps"])
    )
    result["rpki_conflicts"] = [o.text() for o in conflicts]
    if conflicts and module.params["rpki_conflict"] == "refuse":
        keys = ", ".join("%s %s" % (o.key[1], o.key[2]) for o in conflicts)
        module.fail_json(
            msg="RPKI-invalid route objects (registries refuse them): %s; nothing was submitted" % keys, **result
        )
    for obj in conflicts:
        module.warn("route object %s %s is RPKI-invalid: the registry may refuse it" % obj.key[1:])


def submit(module, submitter, planned, result):
    try:
        result["results"] = submitter.submit(planned.changes())
    except SubmitError as exc:
        module.fail_json(
            msg=str(exc),
            applied=exc.applied,
            unknown=[key_text(k) for k in exc.unknown],
            not_applied=[key_text(k) for k in exc.not_applied],
            **dict(result, submitted=True),
        )
    result["submitted"] = True
    failed = [r for r in result["results"] if r["result"] in ("failed", "not sent")]
    if failed:
        module.fail_json(
            msg="the registry refused %s; see results"
            % "; ".join("%s (%s)" % (key_text(r["key"]), " ".join(r["messages"])[:300]) for r in failed),
            **result,
        )


def main():
    argument_spec = dict(
        NETBOX_ARGSPEC,
        **WITHIN_OPTION,
        registry_api={"type": "str", "choices": list(REGISTRY_APIS), "default": "irrd"},
        irr_host={"type": "str"},
        irr_port={"type": "int", "default": 43},
        sources={"type": "list", "elements": "str"},
        registries={"type": "dict", "required": True},
        descr={"type": "str"},
        as_set={"type": "bool", "default": True},
        current_vrps={"type": "path"},
        rpki_conflict={"type": "str", "choices": ["warn", "refuse"], "default": "refuse"},
        submit={"type": "bool", "default": False},
        submit_url={"type": "str"},
        irr_password={"type": "str", "no_log": True},
        irr_api_key={"type": "str", "no_log": True},
        max_delete_percent={"type": "int", "default": 25},
        allow_deletions={"type": "bool", "default": False},
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("registry_api", "irrd", ("irr_host",))],
    )
    p = module.params
    if p["submit"] and p["registry_api"] == "irrd" and not p["submit_url"]:
        module.fail_json(msg="submit_url is required to submit to an IRRd registry")
    registry = registry_of(module)
    records = scoped_netbox_records(module, KINDS)
    desired, planned = run(module, registry.plan, records, p["registries"], p["descr"], p["as_set"])
    result = {"changed": planned.changed, "plan": planned.to_dict(), "submitted": False}
    if module._diff and planned.changed:
        result["diff"] = planned.diff(registry.where)
    for obj in planned.foreign:
        module.warn(
            "%s is held by another maintainer (%s): left alone" % (key_text(obj.key), ", ".join(obj.values("mnt-by")))
        )
    if p["current_vrps"]:
        check_rpki(module, desired, result)
    if p["submit"]:
        run(module, check_deletions, planned, p["max_delete_percent"], p["allow_deletions"])
    if p["submit"] and planned.changed and not module.check_mode:
        submit(module, run(module, registry.submitter), planned, result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
