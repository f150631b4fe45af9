# -*- coding: utf-8 -*-
"""The aspa_plan module run by ansible-playbook against a NetBox with the netbox-bgp plugin (the fake of
``test_bgp_sessions``) and a Krill CA (``krill_aspa_server``), both on loopback: check mode with --diff shows the
change and sends nothing; the run submits it; a second run has nothing to do; a provider removed in NetBox is
refused until allow_removals; the RIPE NCC is refused for ASPAs; the CA token shows nowhere in the output."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest
from ca_servers import serving
from krill_aspa_server import KrillAspaServer
from test_aspa_intent import asn, device, session
from test_bgp_sessions import SESSIONS_PATH, FakeNetBox

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = Path(__file__).parent / "playbooks" / "aspa_plan_module.yml"
TOKEN = "krill-module-T0ken-0123456789"


@pytest.fixture
def netbox():
    data = {
        "ipam/asns": [asn(1, 64500, providers="AS65010"), asn(2, 64501), asn(3, 64496, own=False)],
        "dcim/devices": [device(1, "r1", 64500)],
        SESSIONS_PATH: [session(7, 1, 64496), session(8, 1, 65020, status="planned", name="new")],
    }
    server = FakeNetBox(data, {"netbox_bgp": "0.20.2"})
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def krill():
    server = KrillAspaServer(TOKEN, held=(64500, 64501, 64999))
    server.aspas = {64500: (64496,), 64999: (64496,)}
    with serving(server):
        yield server


def run_module(netbox, krill, tmp_path, *args, ca="krill", submit=True, allow_removals=False):
    """The module's result and the playbook's whole output, in which the CA token never shows."""
    result = tmp_path / ("result-%d.json" % len(list(tmp_path.glob("result-*"))))
    settings = {"netbox_url": netbox.url, "ca": ca, "ca_url": krill.url, "ca_api_key": TOKEN}
    settings.update(submit=submit, allow_removals=allow_removals, result_path=str(result))
    command = ["ansible-playbook", str(PLAYBOOK), "-e", json.dumps(settings), *args]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0 and TOKEN not in output, output
    return json.loads(result.read_text()), output


def test_check_mode_shows_and_sends_nothing_then_submits_then_nothing_to_do(netbox, krill, tmp_path):
    checked, output = run_module(netbox, krill, tmp_path, "--check", "--diff")
    assert checked["changed"] and not checked["submitted"]
    assert checked["lines"] == ["~ ASPA AS64500 => AS64496, AS65010, AS65020 (+AS65010, +AS65020)"]
    assert checked["diff"] == {"before": "AS64500 => AS64496\n", "after": "AS64500 => AS64496, AS65010, AS65020\n"}
    assert checked["plan"]["unknown"] == [{"customer": 64999, "providers": [64496]}]
    assert checked["plan"]["undescribed"] == [{"customer": 64501, "published": None}]
    assert "+AS64500 => AS64496, AS65010, AS65020" in output  # --diff
    assert "which NetBox does not call ours, are left alone" in output  # the warning about AS64999
    assert krill.posts() == [] and krill.aspas == {64500: (64496,), 64999: (64496,)}
    applied, _output = run_module(netbox, krill, tmp_path)
    assert applied["changed"] and applied["submitted"]
    assert krill.aspas == {64500: (64496, 65010, 65020), 64999: (64496,)}
    assert applied["aspas"][0]["sources"]["AS65020"] == ["NetBox BGP session r1:new (id 8)"]
    again, _output = run_module(netbox, krill, tmp_path)
    assert not again["changed"] and not again["submitted"] and len(krill.posts()) == 1


def test_a_provider_removed_in_netbox_is_refused_until_allowed(netbox, krill, tmp_path):
    krill.aspas[64500] = (64496, 65010, 65020)
    netbox.data[SESSIONS_PATH] = [session(7, 1, 64496)]  # the planned session to AS65020 is gone
    refused, _output = run_module(netbox, krill, tmp_path, "--check")
    assert refused["failed"] and refused["error_type"] == "SafetyError"
    assert "AS65020 from AS64500" in refused["msg"] and "allow_removals=true" in refused["msg"]
    refused, _output = run_module(netbox, krill, tmp_path)
    assert refused["failed"] and krill.posts() == []
    applied, _output = run_module(netbox, krill, tmp_path, allow_removals=True)
    assert applied["submitted"] and krill.aspas[64500] == (64496, 65010)


def test_the_ripe_ncc_is_refused_for_aspas_and_nothing_is_read(netbox, krill, tmp_path):
    refused, _output = run_module(netbox, krill, tmp_path, ca="ripe")
    assert refused["failed"] and "none for ASPAs" in refused["msg"] and "field 'ca'" in refused["msg"]
    assert netbox.requests == [] and krill.received == []
