# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session_policy module on a vendor platform, run by ansible-playbook against the emulated Junos router of
``fakenos_devices`` (its base configuration: ``test_session_policy_juniper_junos``): check mode with --diff shows
the change, warns of what Junos cannot express (RFC 9234 roles) and changes nothing; the run deploys and a second
run changes nothing; with strict_features the run is refused and nothing changes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from fakenos_devices import render_tree, serve
from session_policy_sample import sample_intent
from test_session_policy_juniper_junos import junos_router

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = Path(__file__).parent / "playbooks" / "session_policy_module.yml"


@pytest.fixture(scope="module")
def served():
    with serve(junos_router()) as served:
        yield served


def run_module(served, tmp_path, *args, strict=False):
    """The module's result (and the playbook's output) for the sample intent on the served router."""
    result_path = tmp_path / ("result-%d.json" % len(list(tmp_path.glob("result-*"))))
    settings = {
        "intent": sample_intent("juniper_junos").to_dict(),
        "port": served.port,
        "hostkey": served.hostkey,
        "strict_features": strict,
        "result_path": str(result_path),
    }
    (tmp_path / "vars.json").write_text(json.dumps(settings))
    proc = subprocess.run(
        ["ansible-playbook", str(PLAYBOOK), "-e", "@%s" % (tmp_path / "vars.json"), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(result_path.read_text()), proc.stdout + proc.stderr


def running(served):
    return "\n".join(render_tree(served.router.running))


def test_check_mode_warns_of_the_fallbacks_then_deploys_then_nothing_to_do(served, tmp_path):
    before = running(served)
    checked, output = run_module(served, tmp_path, "--check", "--diff")
    assert checked["changed"] and "ROUTESEC-IN-CUSTOMER-AS65000-V4" in checked["diff"]["prepared"]
    assert [gap.split(":")[0] for gap in checked["feature_gaps"]] == ["roles"]
    assert "RFC 9234 roles are not configured" in output  # the warning
    assert running(served) == before
    applied, _output = run_module(served, tmp_path)
    assert applied["changed"] and "import ROUTESEC-IN-CUSTOMER-AS65000-V4;" in running(served)
    again, _output = run_module(served, tmp_path)
    assert not again["changed"] and again["commands"] == []


def test_strict_features_refuses_and_changes_nothing(served, tmp_path):
    before = running(served)
    refused, _output = run_module(served, tmp_path, strict=True)
    assert refused["failed"] and "cannot express" in refused["msg"] and "strict_features=false" in refused["msg"]
    assert running(served) == before
