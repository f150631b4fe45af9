# -*- coding: utf-8 -*-
"""irr_route_objects against the lab: NetBox's prefixes become route objects in the real IRRd through its
submission API; check mode sends nothing, a second run nothing either, an RPKI conflict stops the run."""

from __future__ import annotations

import json
import time

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import parse_objects
from ansible_collections.routesec.bgp.plugins.module_utils.irr.submit import IrrdSubmitter
from ansible_collections.routesec.bgp.plugins.module_utils.irr.whois import WhoisClient
from conftest import lab_env

PLAYBOOK = "tests/integration/playbooks/irr_route_objects.yml"
PREFIXES = ("185.230.76.0/22", "185.230.79.0/24", "2a0f:b300::/32", "2a0f:b300:100::/48")  # the lab NetBox's


@pytest.fixture
def irrd():
    env = lab_env()
    keys = ("IRRD_HOST", "IRRD_WHOIS_PORT", "IRRD_HTTP_PORT", "IRRD_LAB_MNTNER", "IRRD_LAB_PASSWORD")
    yield {key: env[key] for key in keys}
    held = served(env)  # leave the lab IRRd as it was: delete what the test created
    if held:
        url = "http://%s:%s" % (env["IRRD_HOST"], env["IRRD_HTTP_PORT"])
        IrrdSubmitter(url, password=env["IRRD_LAB_PASSWORD"]).submit([("delete", obj) for obj in held])
        wait_served(env, set())


def served(env):
    """The route objects the lab IRRd holds for the lab NetBox's prefixes."""
    with WhoisClient(env["IRRD_HOST"], int(env["IRRD_WHOIS_PORT"]), sources="ROUTESEC-LAB") as client:
        answers = client.query_many(["!r%s" % p for p in PREFIXES])
    return [obj for answer in answers if answer for obj in parse_objects(answer.decode())]


def wait_served(env, prefixes, seconds=60):
    deadline = time.monotonic() + seconds
    agreeing = 0
    while agreeing < 10:  # every IRRd whois worker refreshes on its own
        got = {o.key[1].lower() for o in served(env)}
        agreeing = agreeing + 1 if got == prefixes else 0
        assert time.monotonic() < deadline, "IRRd serves %s, not %s" % (sorted(got), sorted(prefixes))
        time.sleep(0 if agreeing else 0.5)


def test_check_mode_then_submit_then_nothing_to_do(playbook, irrd):
    checked = playbook(PLAYBOOK, "--check", "-e", "routesec_submit=true", env=irrd)
    assert checked.rc == 0, checked.output
    (result,) = [r["result"] for r in checked.for_action("irr_route_objects")]
    assert result["changed"] and not result["submitted"] and len(result["plan"]["create"]) == 4
    assert served(irrd) == [] and irrd["IRRD_LAB_PASSWORD"] not in checked.output

    applied = playbook(PLAYBOOK, "-e", "routesec_submit=true", env=irrd)
    assert applied.rc == 0, applied.output
    (result,) = [r["result"] for r in applied.for_action("irr_route_objects")]
    assert result["submitted"] and sorted(r["result"] for r in result["results"]) == ["created"] * 4
    wait_served(irrd, set(PREFIXES))

    again = playbook(PLAYBOOK, "-e", "routesec_submit=true", env=irrd)
    (result,) = [r["result"] for r in again.for_action("irr_route_objects")]
    assert again.rc == 0 and not result["changed"] and not result["submitted"], again.output


def test_an_rpki_invalid_object_stops_the_run_before_anything_is_sent(playbook, irrd, tmp_path):
    vrps = tmp_path / "vrps.json"
    vrps.write_text(json.dumps({"roas": [{"prefix": "185.230.79.0/24", "maxLength": 24, "asn": 65010}]}))
    run = playbook(PLAYBOOK, "-e", "routesec_submit=true", "-e", "routesec_current_vrps=%s" % vrps, env=irrd)
    (failed,) = run.for_action("irr_route_objects")
    assert run.rc != 0 and "RPKI-invalid route objects" in failed["result"]["msg"]
    assert "185.230.79.0/24 AS64500" in failed["result"]["msg"] and served(irrd) == []
