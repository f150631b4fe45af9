# -*- coding: utf-8 -*-
"""The rpki_validator role: StayRTR's SLURM file from the lab NetBox, written with check mode and diff,
then served by a real StayRTR whose VRP export must hold NetBox's ROAs as assertions."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request

import pytest
from ports import free_port

pytestmark = pytest.mark.lab(reads=("netbox",))

PLAYBOOK = "tests/integration/playbooks/rpki_validator.yml"


def test_check_mode_writes_nothing_then_the_file_is_written_once_and_served(playbook, tmp_path):
    slurm = tmp_path / "slurm.json"
    vrps = tmp_path / "vrps.json"
    vrps.write_text(json.dumps({"roas": [{"prefix": "192.0.2.0/24", "maxLength": 24, "asn": 64511}]}))
    rtr, http = free_port(), free_port()
    settings = {
        "tals": ["ripe"],
        "vrp_cache": str(vrps),
        "slurm": str(slurm),
        "rtr": {"address": "127.0.0.1", "port": rtr},
        "http": {"address": "127.0.0.1", "port": http},
        "check_time": False,
    }
    extra = ["-e", json.dumps({"routesec_validator_settings": settings, "routesec_wide_max_length": True})]

    checked = playbook(PLAYBOOK, "--check", "--diff", *extra)
    assert checked.rc == 0, checked.output
    assert not slurm.exists() and "185.230.79.0/24" in checked.output  # the diff shows the file to come
    applied = playbook(PLAYBOOK, *extra)
    assert applied.rc == 0 and slurm.exists(), applied.output
    assert any(r["result"].get("changed") for r in applied.for_action("copy"))
    document = json.loads(slurm.read_text())
    asserted = {
        (a["prefix"], a["asn"], a["maxPrefixLength"]) for a in document["locallyAddedAssertions"]["prefixAssertions"]
    }
    assert ("185.230.76.0/22", 64500, 23) in asserted and ("2a0f:b300:100::/48", 64500, 48) in asserted
    again = playbook(PLAYBOOK, *extra)
    assert again.rc == 0 and not any(r["result"].get("changed") for r in again.for_action("copy")), again.output

    (render,) = [r["result"] for r in applied.for_action("validator_config")]
    cache = subprocess.Popen(render["argv"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/rpki.json" % http, timeout=2) as answer:
                    served = json.load(answer)["roas"]
                break
            except OSError:
                assert time.monotonic() < deadline, "StayRTR did not export its VRPs"
                time.sleep(0.2)
    finally:
        cache.terminate()
        cache.wait(timeout=10)
    exported = {(r["prefix"], int(str(r["asn"]).removeprefix("AS")), r["maxLength"]) for r in served}
    assert asserted <= exported and ("192.0.2.0/24", 64511, 24) in exported
