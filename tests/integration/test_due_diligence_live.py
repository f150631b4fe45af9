# -*- coding: utf-8 -*-
"""due_diligence through ansible-playbook on the lab NetBox's block 185.230.76.0/22, with an RDAP server and
a real DNS server (NSD: a blocklist zone and the reverse zones) the test starts on loopback, a VRP file, the
lab IRRd and a routing-table snapshot: a clean block passes every check; a block with a blocklisted address,
an undelegated reverse zone, another origin's ROA, route object and route fails, naming each problem."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import route_object
from irr_lab import SOURCE, submitter, wait_served

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from dns_server import nsd_server  # the unit tests' NSD and RDAP servers
from rdap_server import ip_network_document, rdap_server

pytestmark = pytest.mark.lab(reads=("netbox",), changes=("irrd",))

PLAYBOOK = "tests/integration/playbooks/due_diligence.yml"
BLOCK, HOLDER = "185.230.76.0/22", "routesec lab"
SOA = "@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n@ NS ns.test.\n"
REVERSE = {"%d.230.185.in-addr.arpa" % n: SOA for n in range(76, 80)}


def deploy(playbook, rdap, port, vrps, table):
    variables = {"dd_block": BLOCK, "dd_holder": HOLDER, "dd_rdap_url": rdap.url, "dd_dns_port": port}
    variables.update(dd_vrps=str(vrps), dd_routing_table=str(table))
    run = playbook(PLAYBOOK, "-e", json.dumps(variables))
    (task,) = run.for_action("due_diligence")
    return run, task["result"]


@pytest.fixture
def rdap():
    with rdap_server() as server:
        server.register(ip_network_document("NET-185-230-76-0-1", BLOCK, HOLDER))
        yield server


def test_a_clean_block_then_one_with_problems(playbook, rdap, irrd, tmp_path):
    vrps, table = tmp_path / "vrps.json", tmp_path / "pfx2as"
    vrps.write_text(json.dumps({"roas": [{"prefix": BLOCK, "maxLength": 24, "asn": "AS64500"}]}))
    table.write_text("185.0.0.0\t8\t3333\n192.0.2.0\t24\t64496\n")
    with nsd_server(tmp_path, {"bl.test": SOA, **REVERSE}) as port:
        run, result = deploy(playbook, rdap, port, vrps, table)
    assert run.rc == 0 and result["problems"] == [], run.output
    assert {name: check["status"] for name, check in result["checks"].items()} == dict.fromkeys(
        ("netbox", "rdap", "dnsbl", "reverse_dns", "rpki", "irr", "bgp"), "ok"
    )
    assert result["checks"]["netbox"]["details"]["aggregate"] == BLOCK

    listed = SOA + '9.77.230.185 A 127.0.0.2\n9.77.230.185 TXT "test listing"\n'
    undelegated = dict(REVERSE, **{"78.230.185.in-addr.arpa": "@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n"})
    vrps.write_text(json.dumps({"roas": [{"prefix": "185.230.77.0/24", "maxLength": 24, "asn": "AS64999"}]}))
    table.write_text("185.230.78.0\t24\t64999\n")
    wrong = route_object("185.230.79.0/24", 64999, irrd["IRRD_LAB_MNTNER"], SOURCE, ["previous holder"])
    assert submitter(irrd).submit([("create", wrong)])[0]["result"] == "created"
    wait_served(irrd, lambda got: "185.230.79.0/24 AS64999" in got)
    (tmp_path / "problems").mkdir()
    with nsd_server(tmp_path / "problems", {"bl.test": listed, **undelegated}) as port:
        run, result = deploy(playbook, rdap, port, vrps, table)
    assert run.rc != 0 and "found 5 problem(s)" in result["msg"], run.output
    assert sorted(p.split(":")[0] for p in result["problems"]) == ["bgp", "dnsbl", "irr", "reverse_dns", "rpki"]
    assert "185.230.77.9 is listed in bl.test (test listing)" in result["msg"]
    assert "reverse zone 78.230.185.in-addr.arpa is not delegated" in result["msg"]
    assert "ROA 185.230.77.0/24-24 AS64999" in result["msg"] and "185.230.79.0/24 AS64999" in result["msg"]
    assert "185.230.78.0/24 is announced (more-specific 185.230.78.0/24 from AS64999)" in result["msg"]
