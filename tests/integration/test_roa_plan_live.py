# -*- coding: utf-8 -*-
"""roa_plan against the lab NetBox: ROA intent, its refusals, and the plan against a validator's VRPs."""

from __future__ import annotations

import json
import sys

import pytest
from lab_helpers import REPO

sys.path.insert(0, str(REPO / "tests" / "unit"))
from ca_servers import KrillServer, serving  # the contract-test servers of the unit tests

pytestmark = pytest.mark.lab(reads=("netbox",))

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


KRILL_TOKEN = "krill-secret-token-0123"


@pytest.fixture
def krill():
    """A Krill contract-test server (tests/unit/ca_servers.py) holding one ROA that NetBox keeps."""
    server = KrillServer(KRILL_TOKEN)
    server.roas = {("185.230.76.0/22", 23, 64500)}
    with serving(server):
        yield server


def krill_args(server, *extra):
    base = ["routesec_wide_max_length=true", "routesec_ca=krill", "routesec_ca_url=%s" % server.url]
    base += ["routesec_ca_handle=routesec", "routesec_ca_api_key=%s" % KRILL_TOKEN, *extra]
    return [arg for pair in (("-e", item) for item in base) for arg in pair]


def test_check_mode_asks_the_ca_and_sends_nothing_then_submit_applies_the_plan(playbook, krill):
    checked = playbook(PLAYBOOK, "--check", *krill_args(krill, "routesec_submit=true"))
    assert checked.rc == 0, checked.output
    (result,) = [r["result"] for r in checked.for_action("roa_plan")]
    assert result["changed"] and not result["submitted"] and len(result["plan"]["add"]) == 3
    assert [r["method"] for r in krill.received] == ["GET"] and KRILL_TOKEN not in checked.output

    applied = playbook(PLAYBOOK, *krill_args(krill, "routesec_submit=true"))
    assert applied.rc == 0, applied.output
    (result,) = [r["result"] for r in applied.for_action("roa_plan")]
    assert result["submitted"] and [r["method"] for r in krill.received] == ["GET", "GET", "POST"]
    assert sorted(a["prefix"] for a in krill.received[-1]["body"]["added"]) == [
        "185.230.79.0/24",
        "2a0f:b300:100::/48",
        "2a0f:b300::/32",
    ]
    assert krill.received[-1]["body"]["removed"] == [] and KRILL_TOKEN not in applied.output

    again = playbook(PLAYBOOK, *krill_args(krill, "routesec_submit=true"))
    (result,) = [r["result"] for r in again.for_action("roa_plan")]
    assert again.rc == 0 and not result["changed"] and not result["submitted"]
    assert [r["method"] for r in krill.received].count("POST") == 1


def test_a_plan_removing_most_of_our_roas_is_refused_before_anything_is_sent(playbook, krill):
    krill.roas |= {("185.230.77.0/24", 24, 64500), ("185.230.78.0/25", 25, 64500), ("185.230.78.128/25", 25, 64500)}
    run = playbook(PLAYBOOK, *krill_args(krill, "routesec_submit=true"))
    (failed,) = run.for_action("roa_plan")
    assert run.rc != 0 and "the plan removes 3 of our 4 ROAs (75%, limit 25%)" in failed["result"]["msg"]
    assert "allow_removals=true" in failed["result"]["msg"] and "POST" not in [r["method"] for r in krill.received]
