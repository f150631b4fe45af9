# -*- coding: utf-8 -*-
"""The role routesec.bgp.monitor (and its module monitor_config) run by ansible-playbook on localhost against a
fake NetBox on loopback, the service not managed (no systemd here): check mode shows the configuration in the
diff and writes nothing; a run writes the code, the configuration (mode 0600, the watch list from NetBox) and
the unit; a second run changes nothing; the webhook URL shows nowhere in the output.

The service as its unit starts it (ExecStart, with the unit's environment, from the code the role installed),
fed over BMP on loopback: after a change in NetBox the role writes the new configuration, and the unit's
ExecReload (what the role's handler has systemd run) swaps in the new watch list: the alert raised before stays
active and is not raised again, and a hijack of the prefix added in NetBox is raised."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shlex
import socket
import stat
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.config import read_config
from ansible_collections.routesec.bgp.plugins.module_utils.observe import bmp
from feed_lab import wait_until
from ports import free_port
from test_bgp_sessions import SESSIONS_PATH, FakeNetBox
from test_bmp_feed import initiation, message, peer_header, peer_up, update
from test_intent import prefix
from test_monitor_watch import RECORDS

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = Path(__file__).parent / "playbooks" / "monitor_role.yml"
WEBHOOK = "http://127.0.0.1:9/services/T0KEN-monitor-0123456789"  # loopback: the service tries it
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


def play(netbox, root, *args, **extra) -> str:
    settings = {"netbox_url": netbox.url, "root": str(root), "webhook_url": WEBHOOK, **extra}
    command = ["ansible-playbook", str(PLAYBOOK), "-e", json.dumps(settings), *args]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0 and WEBHOOK not in output and "T0KEN" not in output, output
    return output


def test_check_mode_shows_the_configuration_then_a_run_writes_it_then_nothing_changes_then_a_reload(netbox, tmp_path):
    bmp_port, status_port = free_port(), free_port()
    options = {"python": sys.executable, "bmp_listen": "127.0.0.1:%d" % bmp_port}
    options["status_listen"] = "127.0.0.1:%d" % status_port
    output = play(netbox, tmp_path, "--check", "--diff", **options)
    assert '"185.230.76.0/23"' in output and '"********"' in output  # the diff, its secret hidden
    assert not (tmp_path / "etc" / "monitor.json").exists()

    output = play(netbox, tmp_path, "--diff", **options)
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

    output = play(netbox, tmp_path, **options)
    assert "changed=0" in output
    reloaded_without_losing_the_alerts(netbox, tmp_path, options, bmp_port, status_port)


def unit_lines(root, key: str) -> list:
    return [
        line.split("=", 1)[1]
        for line in (root / "routesec-monitor.service").read_text().splitlines()
        if line.startswith(key + "=")
    ]


def hijack(prefix: str, origin: int) -> bytes:
    network = ipaddress.ip_network(prefix)
    nlri = bytes([network.prefixlen]) + network.network_address.packed[: (network.prefixlen + 7) // 8]
    as_path = b"\x02\x02" + (64999).to_bytes(4, "big") + origin.to_bytes(4, "big")
    return message(bmp.ROUTE_MONITORING, peer_header() + update(as_path, nlri))


def reloaded_without_losing_the_alerts(netbox, tmp_path, options: dict, bmp_port: int, status_port: int) -> None:
    """The service started as its unit says, a hijack raised; NetBox changed, the role run, the unit's
    ExecReload: the hijack still active and not raised again, the new prefix watched."""
    environment = dict(line.split("=", 1) for line in unit_lines(tmp_path, "Environment"))
    log = tmp_path / "service.log"
    with open(log, "wb") as stream:
        service = subprocess.Popen(
            shlex.split(unit_lines(tmp_path, "ExecStart")[0]), stderr=stream, env={**os.environ, **environment}
        )
    try:
        wait_until(lambda: "BMP listener on" in log.read_text() or service.poll() is not None, "the service")
        with socket.create_connection(("127.0.0.1", bmp_port)) as router:
            router.sendall(initiation("edge") + peer_up() + hijack("185.230.76.0/23", 64666))
            wait_until(lambda: metric(status_port, "alerts_active", "hijack") == 1, "the hijack")
            netbox.data["ipam/prefixes"] = [*netbox.data["ipam/prefixes"], prefix(13, "185.230.78.0/24", 64500)]
            assert "changed=1" in play(netbox, tmp_path, **options)
            reload = unit_lines(tmp_path, "ExecReload")[0].replace("$MAINPID", str(service.pid))
            subprocess.run(shlex.split(reload), check=True)
            wait_until(lambda: "reloaded the watch list" in log.read_text(), "the reload")
            router.sendall(hijack("185.230.78.0/24", 64667))
            wait_until(lambda: metric(status_port, "alerts_active", "hijack") == 2, "the new prefix's hijack")
            assert metric(status_port, "alerts_raised_total", "hijack") == 2  # the first one not raised again
    finally:
        service.terminate()
        assert service.wait(timeout=30) == 0, log.read_text()


def metric(port: int, name: str, rule: str) -> float | None:
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as answer:
            text = answer.read().decode()
    except OSError:
        return None
    found = re.search(r'^routesec_monitor_%s\{rule="%s"\} (\S+)$' % (name, rule), text, re.MULTILINE)
    return float(found.group(1)) if found else None
