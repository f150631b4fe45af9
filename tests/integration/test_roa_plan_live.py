# -*- coding: utf-8 -*-
"""roa_plan against the lab NetBox: ROA intent, its refusals, and the plan against a validator's VRPs."""

from __future__ import annotations

import json

PLAYBOOK = "tests/integration/playbooks/roa_plan.yml"
ROA = "ROA %s max-length %d AS%d"


def test_a_wide_max_length_in_netbox_is_refused_by_default(playbook):
    run = playbook(PLAYBOOK, "--check")
    assert run.rc != 0
    (failed,) = run.for_action("roa_plan")
    assert "prefix 185.230.76.0/22 (AS64500): max length 23 is longer than the prefix" in failed["result"]["msg"]
    assert "RFC 9319" in failed["result"]["msg"] and "wide_max_length" in failed["result"]["msg"]


def test_plan_against_the_vrps_a_validator_reports(playbook, tmp_path):
    vrps = tmp_path / "vrps.json"
    roas = [
        {"prefix": "185.230.76.0/22", "maxLength": 23, "asn": 64500},  # as NetBox says: stays
        {"prefix": "185.230.78.0/24", "maxLength": 24, "asn": "AS64500"},  # not announced any more: removed
        {"prefix": "185.230.77.0/24", "maxLength": 24, "asn": 65010},  # another AS in our space: left alone
        {"prefix": "192.0.2.0/24", "maxLength": 24, "asn": 64500},  # not our space: not ours to touch
    ]
    vrps.write_text(json.dumps({"roas": roas}))
    run = playbook(
        PLAYBOOK, "--check", "--diff", "-e", "routesec_wide_max_length=true", "-e", "routesec_current_vrps=%s" % vrps
    )
    assert run.rc == 0, run.output
    (result,) = [r["result"] for r in run.for_action("roa_plan")]
    assert result["changed"] is True
    assert result["lines"] == [
        "+ " + ROA % ("185.230.79.0/24", 24, 64500),
        "+ " + ROA % ("2a0f:b300::/32", 32, 64500),
        "+ " + ROA % ("2a0f:b300:100::/48", 48, 64500),
        "- " + ROA % ("185.230.78.0/24", 24, 64500),
    ]
    assert result["plan"]["unchanged"] == 1 and [r["asn"] for r in result["plan"]["foreign"]] == [65010]
    assert "185.230.78.0/24" in result["diff"]["before"] and "185.230.78.0/24" not in result["diff"]["after"]
    # 185.230.79.0/24 lies in our space where the validator has only AS65010's 185.230.77.0/24 and our /22:
    # covered by the /22 ROA (max 23) it is invalid now; its own ROA makes it valid.
    assert result["origin_validation"]["185.230.79.0/24"] == {"now": "invalid", "after": "valid"}
    assert result["origin_validation"]["185.230.76.0/22"] == {"now": "valid", "after": "valid"}
    assert result["origin_validation"]["2a0f:b300::/32"] == {"now": "not-found", "after": "valid"}


def test_an_unreadable_vrp_file_is_a_clear_error(playbook, tmp_path):
    missing = tmp_path / "absent.json"
    run = playbook(PLAYBOOK, "-e", "routesec_wide_max_length=true", "-e", "routesec_current_vrps=%s" % missing)
    (failed,) = run.for_action("roa_plan")
    assert run.rc != 0 and "VRP file %s: cannot be read: No such file or directory" % missing in failed["result"]["msg"]
