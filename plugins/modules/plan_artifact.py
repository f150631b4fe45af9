#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: plan_artifact
short_description: Write a CI plan artifact from check-mode results, or check that a plan is still fresh
version_added: 0.1.0
description:
  - With O(state=written), writes O(parts) (registered check-mode results of routesec modules, by name) to O(path)
    as JSON with a SHA-256 digest, and a Markdown summary for a merge-request comment beside it (O(path) with
    C(.md)). Refuses to write a plan from a part that failed. Writes in check mode too - the plan is what check
    mode is run for.
  - With O(state=verified), reads the plan at O(path) and compares it with O(parts) from a fresh check-mode run;
    fails, naming the parts, when anything differs (NetBox, the IRR, the RPKI or a router changed, so the change
    would not be the one reviewed). Changes nothing.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
options:
  path:
    description: The plan file (JSON).
    type: path
    required: true
  state:
    description: Write the plan, or verify a fresh run against it.
    type: str
    choices: [written, verified]
    default: written
  parts:
    description: The registered results, by a name per part (for example C(router r1), C(route objects)).
    type: dict
    required: true
attributes:
  check_mode:
    support: full
    description:
      - O(state=written) writes the plan files in check mode too, and only them - the plan is what a check-mode run
        produces (C(playbooks/plan.yml) runs in check mode). O(state=verified) reads only.
  diff_mode:
    support: none
    description: The plan files are the result.
"""

EXAMPLES = r"""
- name: Write the plan
  routesec.bgp.plan_artifact:
    path: plan.json
    parts:
      route objects: "{{ routesec_route_objects }}"
"""

RETURN = r"""
digest:
  description: The plan's SHA-256 digest.
  returned: success
  type: str
summary:
  description: The Markdown summary (O(state=written)).
  returned: when written
  type: str
summary_path:
  description: Where the Markdown summary was written.
  returned: when written
  type: str
"""

import json
from datetime import UTC, datetime

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import run
from ..module_utils.plan.artifact import build, check_fresh, markdown


def write(path, text):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def read_plan(module, path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        module.fail_json(msg="path: cannot read the plan %s: %s" % (path, exc))
    return None


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["written", "verified"], "default": "written"},
            "parts": {"type": "dict", "required": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "verified":
        plan = read_plan(module, p["path"])
        run(module, check_fresh, plan, p["parts"])
        module.exit_json(changed=False, digest=plan["digest"])
    plan = run(module, build, p["parts"], datetime.now(UTC).isoformat(timespec="seconds"))
    summary = markdown(plan)
    summary_path = p["path"][: -len(".json")] + ".md" if p["path"].endswith(".json") else p["path"] + ".md"
    write(p["path"], json.dumps(plan, indent=2, sort_keys=True) + "\n")
    write(summary_path, summary)
    module.exit_json(changed=False, digest=plan["digest"], summary=summary, summary_path=summary_path)


if __name__ == "__main__":
    main()
