# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan artifacts for CI: what a check-mode run found (each part's state before and its planned change),
written as JSON with a digest and as a Markdown summary for a merge-request comment; and the check that a
fresh check-mode run still finds exactly that, so ``apply`` carries out the reviewed plan or nothing.

A part is one registered module result (a router's ``prefix_filter``, ``roa_plan``, ``irr_route_objects``,
``netbox_intent``). Keys that change on every run without saying anything about the network (timings, API
call counts, Ansible's own bookkeeping) are left out; everything else must be equal.
"""

from __future__ import annotations

import hashlib
import json

from ..errors import DataError, SafetyError

VOLATILE = frozenset(("invocation", "seconds", "api_calls", "warnings", "deprecations", "diff", "changed", "failed"))
FORMAT = 1


def canonical(value):
    """``value`` without volatile keys, at any depth."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in sorted(value.items()) if k not in VOLATILE and not k.startswith("_ansible")}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return value


def digest(parts):
    text = json.dumps(canonical(parts), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build(parts, created):
    """The plan document for ``parts`` ({name: registered result})."""
    for name, result in parts.items():
        if not isinstance(result, dict):
            raise DataError("expected a registered module result, got %r" % (result,), "plan part %s" % name, "parts")
        if result.get("failed") or result.get("unreachable"):
            message = result.get("msg") or "failed"
            raise SafetyError("part %s did not plan (%s): no plan is written from incomplete data" % (name, message))
    return {"format": FORMAT, "created": created, "digest": digest(parts), "parts": canonical(parts)}


def stale_parts(plan, parts):
    """The names of the parts whose fresh state differs from ``plan`` (added and missing parts included)."""
    if not isinstance(plan, dict) or plan.get("format") != FORMAT or not isinstance(plan.get("parts"), dict):
        raise DataError("not a routesec plan (format %s)" % FORMAT, "plan", "path")
    fresh = canonical(parts)
    names = set(plan["parts"]) | set(fresh)
    return sorted(name for name in names if plan["parts"].get(name) != fresh.get(name))


def check_fresh(plan, parts):
    """SafetyError naming what changed when ``parts`` no longer match ``plan``."""
    stale = stale_parts(plan, parts)
    if stale:
        raise SafetyError(
            "the plan of %s is stale: %s changed since (or no longer plans the same change); nothing was applied. "
            "Make a new plan and review it" % (plan.get("created"), ", ".join(stale))
        )


def changes_of(result):
    """The lines a part would change: router commands, ROA plan lines, route objects to create/modify/delete."""
    lines = list(result.get("commands") or []) + list(result.get("lines") or [])
    plan = result.get("plan") if isinstance(result.get("plan"), dict) else {}
    for action in ("create", "delete"):
        lines += ["%s %s" % (action, first_line(text)) for text in plan.get(action) or () if isinstance(text, str)]
    lines += ["modify %s" % first_line(m.get("after", "")) for m in plan.get("modify") or () if isinstance(m, dict)]
    return lines


def first_line(text):
    return text.strip().splitlines()[0] if text.strip() else ""


def markdown(plan):
    """A Markdown summary of ``plan`` for a merge-request comment."""
    out = ["### routesec plan `%s`" % plan["digest"][:12], "", "Made %s." % plan["created"], ""]
    changing = {name: changes_of(part) for name, part in sorted(plan["parts"].items())}
    out += ["| part | changes |", "|---|---|"]
    out += ["| %s | %d |" % (name, len(lines)) for name, lines in changing.items()]
    for name, lines in changing.items():
        if lines:
            out += ["", "<details><summary>%s: %d changes</summary>" % (name, len(lines)), "", "```"]
            out += lines + ["```", "", "</details>"]
    if not any(changing.values()):
        out += ["", "Nothing to change."]
    apply = "ansible-playbook playbooks/apply.yml -e routesec_plan=<plan.json>"
    out += [
        "",
        "Apply exactly this plan with `%s`; it refuses if NetBox, the IRR, the RPKI or a router changed since." % apply,
    ]
    return "\n".join(out) + "\n"
