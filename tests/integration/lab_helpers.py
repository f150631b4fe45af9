# -*- coding: utf-8 -*-
"""What the integration tests share beside their fixtures: the lab's API, its environment, playbook runs.

Imported by name (``from lab_helpers import ...``): a module called ``conftest`` would be ambiguous
between the test folders, above all on xdist workers."""

from __future__ import annotations

import json
import socket
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "lab"))

import lab_api

MANAGED = ("r1", "r2")


def lab_env():
    try:
        return lab_api.lab_env()
    except RuntimeError as error:
        pytest.fail(str(error))


def irr_settled(seconds):
    """Wait until no source of the lab IRRd has changed for ``seconds`` (the IRR cache's settle time)."""
    env = lab_env()
    with socket.create_connection((env["IRRD_HOST"], int(env["IRRD_WHOIS_PORT"])), timeout=30) as sock:
        sock.sendall(b"!J-*\n")
        answer = b""
        while not answer.endswith(b"\nC\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status = json.loads(answer.split(b"\n", 1)[1].rsplit(b"\nC\n", 1)[0])
    newest = max(datetime.fromisoformat(s["rpsl_data_updated"]).timestamp() for s in status.values())
    time.sleep(max(0.0, newest + seconds - time.time()))


@dataclass
class PlaybookRun:
    rc: int
    output: str
    results: list

    def for_action(self, action, status=None):
        return [r for r in self.results if r["action"].endswith(action) and (status is None or r["status"] == status)]

    def by_host(self, action):
        return {r["host"]: r["result"] for r in self.for_action(action)}


def running_configs():
    return {node: lab_api.running_config(node) for node in MANAGED}


def create_session(netbox, name, local, remote, remote_asn, custom_fields, device="r2", local_asn=64500):
    """A plugin BGP session of ``device`` in NetBox, its remote address created with it; the undo actions that
    remove both (last first)."""
    remote_ip = netbox.ipam.ip_addresses.create(address=remote, status="active", description="routesec test")
    asns = {a.asn: a for a in netbox.ipam.asns.filter(asn=[local_asn, remote_asn])}
    created = netbox.plugins.bgp.bgpsession.create(
        name=name,
        device=netbox.dcim.devices.get(name=device).id,
        local_address=netbox.ipam.ip_addresses.get(address=local).id,
        remote_address=remote_ip.id,
        local_as=asns[local_asn].id,
        remote_as=asns[remote_asn].id,
        status="active",
        custom_fields=custom_fields,
    )
    return [remote_ip.delete, created.delete]
