# -*- coding: utf-8 -*-
"""The routers' SSH host keys through the playbook (prefix_filter in check mode, netmiko to the lab's FRR):
with r2's keys listed for r1 in the known_hosts file the run names r1's address and the mismatch, plans and
shows nothing for r1 and still plans r2, whose key is right; a router missing from the file is refused the
same way; and hostkey_verify=false, the explicit opt-out, logs in whatever the file says."""

from __future__ import annotations

import json

import pytest
from lab_helpers import lab_api, running_configs

pytestmark = pytest.mark.lab(reads=("netbox", "routers"))

R1, R2 = "[%s]:%d" % lab_api.SSH["r1"], "[%s]:%d" % lab_api.SSH["r2"]


def lab_lines(name):
    """The lab's known_hosts lines of the router listed as ``name``, without the name."""
    lines = lab_api.known_hosts().read_text().splitlines()
    return [line.split(" ", 1)[1] for line in lines if line.split(" ", 1)[0] == name]


def known_hosts(tmp_path, entries):
    """A known_hosts file listing, for each name, the lab's keys of another router."""
    path = tmp_path / "known_hosts"
    path.write_text("".join("%s %s\n" % (name, key) for name, source in entries for key in lab_lines(source)))
    return str(path)


def check_mode_run(playbook, **variables):
    return playbook("own_prefix_filters.yml", "--check", "--diff", "-e", json.dumps(variables))


def test_a_wrong_host_key_fails_before_logging_in_and_shows_no_diff(playbook, tmp_path):
    before = running_configs()
    path = known_hosts(tmp_path, [(R1, R2), (R2, R2)])  # r1 listed with r2's keys: what a man in the middle offers
    run = check_mode_run(playbook, routesec_known_hosts=path)
    assert run.rc != 0
    (failed,) = run.for_action("prefix_filter", "failed")
    assert failed["host"] == "r1"
    result = failed["result"]
    assert result["msg"].startswith("device r1 (127.0.10.1:2222): the SSH host key offered for %s" % R1)
    assert "does not match the known_hosts file %s" % path in result["msg"], result["msg"]
    assert "man-in-the-middle" in result["msg"] and "Nothing was sent" in result["msg"]
    assert "diff" not in result and "commands" not in result and not result.get("changed")
    assert run.by_host("prefix_filter")["r2"].get("failed") is not True  # the same file, r2's right key
    assert lab_api.SSH_PASSWORD not in run.output and "Traceback" not in run.output
    assert running_configs() == before


def test_a_router_missing_from_known_hosts_is_refused(playbook, tmp_path):
    run = check_mode_run(playbook, routesec_known_hosts=known_hosts(tmp_path, [(R2, R2)]))
    assert run.rc != 0
    message = run.by_host("prefix_filter")["r1"]["msg"]
    assert "no SSH host key for %s is in the known_hosts file" % R1 in message, message
    assert "hostkey_verify: false" in message and "diff" not in run.by_host("prefix_filter")["r1"]


def test_hostkey_verify_false_is_the_explicit_opt_out(playbook, tmp_path):
    path = known_hosts(tmp_path, [(R1, R2), (R2, R1)])  # both wrong
    run = check_mode_run(playbook, routesec_known_hosts=path, routesec_hostkey_verify=False)
    assert run.rc == 0, run.output
    assert sorted(run.by_host("prefix_filter")) == ["r1", "r2"]
