# -*- coding: utf-8 -*-
"""The role routesec.bgp.monitor (and its module monitor_config) run by ansible-playbook on localhost against a
fake NetBox on loopback, the service not managed (no systemd here): check mode shows the configuration in the
diff and writes nothing; a run writes the code, the configuration (mode 0600, the watch list from NetBox) and
the unit; a second run changes nothing; the webhook URL shows nowhere in the output."""

from __future__ import annotations

import json
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.config import read_config
from test_bgp_sessions import SESSIONS_PATH, FakeNetBox
from test_monitor_watch import RECORDS

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = Path(__file__).parent / "playbooks" / "monitor_role.yml"
WEBHOOK = "https://hooks.example.net/services/T0KEN-monitor-0123456789"
PATHS = {"asns": "ipam/asns", "aggregates": "ipam/aggregates", "prefixes": "ipam/prefixes", "devices": "dcim/devices"}


@pytest.fixture
def netbox():
    data = {path: RECORDS[kind] for kind, path in PATHS.items()}
    data[SESSIONS_PATH] = RECORDS["bgp_sessions"]
    server = FakeNetBox(data, {"netbox_bgp": "0.20.2"})
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def play(netbox, root, *args) -> str:
    settings = {"netbox_url": netbox.url, "root": str(root), "webhook_url": WEBHOOK}
    command = ["ansible-playbook", str(PLAYBOOK), "-e", json.dumps(settings), *args]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0 and WEBHOOK not in output and "T0KEN" not in output, output
    return output


def test_check_mode_shows_the_configuration_then_a_run_writes_it_then_nothing_changes(netbox, tmp_path):
    output = play(netbox, tmp_path, "--check", "--diff")
    assert '"185.230.76.0/23"' in output and '"********"' in output  # the diff, its secret hidden
    assert not (tmp_path / "etc" / "monitor.json").exists()

    output = play(netbox, tmp_path, "--diff")
    config_file = tmp_path / "etc" / "monitor.json"
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    config = read_config(config_file)
    assert [str(w.prefix) for w in config.watch.prefixes if w.announced] == ["185.230.76.0/23", "2a0f:b300::/32"]
    assert config.watch.providers[64500] == {64496}
    assert json.loads(config_file.read_text())["outputs"][0]["url"] == WEBHOOK
    assert config.bmp.routers == {"192.0.2.1": "r1"}
    unit = (tmp_path / "routesec-monitor.service").read_text()
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit and "Restart=on-failure" in unit
    assert "--config %s" % config_file in unit
    assert (tmp_path / "opt/ansible_collections/routesec/bgp/plugins/module_utils/monitor/service.py").is_file()

    output = play(netbox, tmp_path)
    assert "changed=0" in output
