# -*- coding: utf-8 -*-
"""netconf_config through ansible-playbook against a real NETCONF server (yuma123 netconfd on loopback):
check mode shows the diff and commits nothing, apply commits confirmed, a re-run changes nothing, replace
makes the managed part the candidate, a candidate that would empty it is refused, and one the server
refuses changes nothing. Also prefix_filter with transport=netconf, against netconfd serving the
published openconfig-routing-policy model."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from netconfd import missing_programs, netconf_server  # the unit tests' NETCONF server

pytestmark = pytest.mark.lab()

PLAYBOOK = "tests/integration/playbooks/netconf_config.yml"
TEST_MODEL = "urn:routesec:test:prefix-lists"


def config(*lists):
    """A ``<config>`` document with prefix-lists ((name, prefix)...), one entry each."""
    body = "".join(
        "<prefix-list><name>%s</name><entry><seq>10</seq><action>permit</action><prefix>%s</prefix></entry>"
        "</prefix-list>" % pair
        for pair in lists
    )
    root = '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">%s</config>'
    return root % ('<prefix-lists xmlns="%s">%s</prefix-lists>' % (TEST_MODEL, body))


A = ("CUSTOMER-A", "192.0.2.0/24")
B = ("CUSTOMER-B", "198.51.100.0/24")


@pytest.fixture
def server(tmp_path):
    missing = missing_programs()
    if missing:
        pytest.fail("no NETCONF server to test against (missing %s; Debian package netconfd)" % ", ".join(missing))
    with netconf_server(tmp_path / "server", config(A)) as running_server:
        yield running_server


def deploy(playbook, server, tmp_path, text, *args, operation="merge"):
    wanted = tmp_path / "wanted.xml"
    wanted.write_text(text)
    variables = {
        "netconf_port": server.port,
        "netconf_user": server.username,
        "netconf_key": str(server.client_key),
        "netconf_hostkey": server.host_key.strip(),
        "netconf_config_file": str(wanted),
        "netconf_operation": operation,
    }
    run = playbook(PLAYBOOK, "-e", json.dumps(variables), *args)
    results = run.for_action("netconf_config")
    return run, (results[0]["result"] if results else {})


def commits(server):
    return server.log.read_text().count("agt_rpc: <commit>")


def test_check_mode_then_apply_then_nothing_to_do(playbook, server, tmp_path):
    run, result = deploy(playbook, server, tmp_path, config(B), "--check", "--diff")
    assert run.rc == 0 and result["changed"] and "+      <name>CUSTOMER-B</name>" in run.output, run.output
    assert commits(server) == 0

    run, result = deploy(playbook, server, tmp_path, config(B))
    assert run.rc == 0 and result["changed"] and result["confirmed"], run.output
    assert commits(server) == 2  # the confirmed commit and the confirming one

    run, result = deploy(playbook, server, tmp_path, config(A, B))
    assert run.rc == 0 and not result["changed"] and commits(server) == 2, run.output


def test_replace_and_the_empty_guard(playbook, server, tmp_path):
    run, result = deploy(playbook, server, tmp_path, config(B), operation="replace")
    assert run.rc == 0 and result["changed"], run.output
    assert "-      <name>CUSTOMER-A</name>" in result["config_diff"]

    run, result = deploy(playbook, server, tmp_path, config(), operation="replace")
    assert run.rc != 0 and "would empty the managed part" in result["msg"], run.output
    assert commits(server) == 2
    run, result = deploy(playbook, server, tmp_path, config(B), "--check", operation="replace")
    assert run.rc == 0 and not result["changed"], run.output  # still CUSTOMER-B alone


def test_a_candidate_the_server_refuses_changes_nothing(playbook, server, tmp_path):
    bad = config(("CUSTOMER-A", "not-a-prefix"))
    run, result = deploy(playbook, server, tmp_path, bad)
    assert run.rc != 0 and "refused the candidate, nothing was changed" in result["msg"], run.output
    assert commits(server) == 0


def test_a_host_key_other_than_the_pinned_one_is_refused(playbook, server, tmp_path):
    variables_key = server.client_key.with_suffix(".pub").read_text().strip()
    server.host_key = variables_key  # pose the client's key as the device's: the real one does not match
    run, result = deploy(playbook, server, tmp_path, config(B))
    assert run.rc != 0 and "does not match the pinned hostkey" in result["msg"], run.output
    assert commits(server) == 0


OPENCONFIG = Path(os.environ.get("ROUTESEC_CACHE", "/var/cache/routesec")) / "openconfig-yang"
OC_EMPTY = '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>\n'


def own_intent(*prefixes):
    entries = [{"prefix": p} for p in prefixes]
    lists = [{"name": "ROUTESEC-OWN-V4", "afi": 4, "entries": entries}]
    return {"name": "edge1", "platform": "juniper_junos", "prefix_lists": lists}


def test_prefix_filter_over_netconf_as_openconfig_prefix_sets(playbook, tmp_path):
    """prefix_filter with transport=netconf against netconfd serving openconfig-routing-policy: check mode
    changes nothing, apply commits confirmed, a re-run changes nothing."""
    modules = ["openconfig-routing-policy"]
    with netconf_server(tmp_path / "server", OC_EMPTY, modules, OPENCONFIG) as server:
        variables = {
            "netconf_port": server.port,
            "netconf_user": server.username,
            "netconf_key": str(server.client_key),
            "netconf_hostkey": server.host_key.strip(),
            "intent": own_intent("185.230.76.0/24", "185.230.77.0/24"),
        }

        def deploy(*args):
            run = playbook("tests/integration/playbooks/prefix_filter_netconf.yml", "-e", json.dumps(variables), *args)
            results = run.for_action("prefix_filter")
            return run, (results[0]["result"] if results else {})

        run, result = deploy("--check", "--diff")
        assert run.rc == 0 and result["changed"] and "<ip-prefix>185.230.77.0/24</ip-prefix>" in run.output, run.output
        assert commits(server) == 0
        run, result = deploy()
        assert run.rc == 0 and result["changed"], run.output
        assert result["after"]["ROUTESEC-OWN-V4"] == ["permit 185.230.76.0/24", "permit 185.230.77.0/24"]
        assert commits(server) == 2
        run, result = deploy()
        assert run.rc == 0 and not result["changed"] and commits(server) == 2, run.output
