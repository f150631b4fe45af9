# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NETCONF driver against a real NETCONF server (yuma123 netconfd on loopback, reached over SSH): running
as indented XML, check-mode diff, apply, idempotent re-run, replace, a candidate the server refuses leaves
running as it was, a confirmed commit whose session drops is reverted by the server, a failed post-change
check rolls back, a commit the server does not carry out is caught, one session at a time, host keys."""

from __future__ import annotations

import socket
import time

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers import DriverError
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.hostkeys import HostKeyError
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.netconf import NetconfDriver
from ansible_collections.routesec.bgp.plugins.module_utils.plan.deploy import DeployOptions, deploy
from netconfd import missing_programs, netconf_server

FILTER = '<prefix-lists xmlns="urn:routesec:test:prefix-lists"/>'


def config(*prefix_lists):
    """A ``<config>`` text as the driver indents it, holding ``prefix_lists`` ((name, [entry XML])...)."""
    lines = ['<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">']
    lines.append('  <prefix-lists xmlns="urn:routesec:test:prefix-lists">')
    for name, entries in prefix_lists:
        lines += ["    <prefix-list>", "      <name>%s</name>" % name]
        lines += ["      <entry>%s</entry>" % entry for entry in entries]
        lines.append("    </prefix-list>")
    lines += ["  </prefix-lists>", "</config>", ""]
    return "\n".join(lines)


def entry(seq, prefix, action="permit", extra=""):
    return "<seq>%d</seq><action>%s</action><prefix>%s</prefix>%s" % (seq, action, prefix, extra)


CUSTOMER_A = ("CUSTOMER-A", [entry(10, "192.0.2.0/24")])
CUSTOMER_B = ("CUSTOMER-B", [entry(10, "198.51.100.0/24", extra="<le>26</le>")])
BASE = config(CUSTOMER_A)
ADD_B = config(CUSTOMER_B)


@pytest.fixture
def server(tmp_path):
    missing = missing_programs()
    if missing:
        pytest.skip("no NETCONF server to test against (missing %s; Debian package netconfd)" % ", ".join(missing))
    with netconf_server(tmp_path, BASE) as running_server:
        yield running_server


@pytest.fixture
def driver(server):
    return new_driver(server)


def new_driver(server, **options):
    options.setdefault("validate", False)  # netconfd 2.13 drops the candidate's edits when committing after <validate>
    return NetconfDriver(subtree_filter=FILTER, name="netconfd-test", **server.driver_params(), **options)


def running(server):
    with new_driver(server) as session:
        return session.get_running()


def commits(server):
    return server.log.read_text().count("agt_rpc: <commit>")


def prefix_list_names(text):
    return [line.strip()[6:-7] for line in text.splitlines() if line.strip().startswith("<name>")]


def test_running_is_indented_xml(driver):
    with driver:
        text = driver.get_running()
    assert prefix_list_names(text) == ["CUSTOMER-A"]
    assert text.startswith('<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">\n  <prefix-lists')
    assert "\n        <prefix>192.0.2.0/24</prefix>\n" in text


def test_compare_shows_the_change_and_changes_nothing(driver, server):
    with driver:
        before = driver.get_running()
        driver.load_candidate(ADD_B)
        diff = driver.compare()
        driver.discard()
        assert driver.get_running() == before
    assert "+      <name>CUSTOMER-B</name>" in diff and "+        <le>26</le>" in diff
    assert not [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert prefix_list_names(running(server)) == ["CUSTOMER-A"] and commits(server) == 0


def test_apply_then_nothing_to_do(driver, server):
    def both_lists(session):
        assert prefix_list_names(session.get_running()) == ["CUSTOMER-A", "CUSTOMER-B"]

    with driver:
        diff = deploy(driver, ADD_B, DeployOptions(confirm_timeout=30), check=both_lists).diff
    assert "+      <name>CUSTOMER-B</name>" in diff
    assert prefix_list_names(running(server)) == ["CUSTOMER-A", "CUSTOMER-B"]
    done = commits(server)
    assert done == 2  # the confirmed commit and the confirming one
    with new_driver(server) as again:
        assert deploy(again, ADD_B, DeployOptions(confirm_timeout=30)).diff == ""
    assert commits(server) == done


def test_replace_makes_the_managed_part_the_candidate_and_rollback_restores_it(server):
    with new_driver(server, operation="replace") as driver:
        before = driver.get_running()
        driver.load_candidate(ADD_B)
        assert "-      <name>CUSTOMER-A</name>" in driver.compare()
        driver.commit()
        assert prefix_list_names(driver.get_running()) == ["CUSTOMER-B"]
        driver.rollback()
        assert driver.get_running() == before


def test_replace_with_an_empty_candidate_removes_the_managed_part(server):
    with new_driver(server, operation="replace") as driver:
        assert deploy(
            driver, '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>', DeployOptions(confirm_timeout=30)
        ).diff
    assert prefix_list_names(running(server)) == []


@pytest.mark.parametrize(
    "bad_entry, message",
    [
        (entry(20, "203.0.113.0/24", extra="<le>200</le>"), "value not in range"),
        (entry(20, "203.0.113.0/24", extra="<ge>25</ge><le>24</le>"), "ge must not exceed le"),
        (entry(20, "not-a-prefix"), "wrong node type"),
    ],
)
def test_a_candidate_the_server_refuses_changes_nothing(driver, server, bad_entry, message):
    with driver:
        with pytest.raises(DriverError, match="refused the candidate, nothing was changed: .*%s" % message):
            driver.load_candidate(config(("CUSTOMER-A", [bad_entry])))
        assert not driver.loaded
    with new_driver(server) as session:
        assert prefix_list_names(session.get_running()) == ["CUSTOMER-A"]
        session.load_candidate(BASE)
        assert session.compare() == ""  # the refused edit is not left in the candidate either
    assert commits(server) == 0


def test_validate_catches_what_the_server_refuses(server):
    with new_driver(server, validate=True) as driver, pytest.raises(DriverError, match="ge must not exceed le"):
        driver.load_candidate(config(("CUSTOMER-A", [entry(20, "203.0.113.0/24", extra="<ge>25</ge><le>24</le>")])))
    assert prefix_list_names(running(server)) == ["CUSTOMER-A"]


def test_a_commit_the_server_does_not_carry_out_is_caught(server):
    """netconfd 2.13 answers <ok/> to a commit after <validate> yet leaves running as it was: the driver reads
    running back, finds it is not the candidate, and says so."""
    refused = "accepted the commit, yet running is not the candidate; rolled back"
    with new_driver(server, validate=True) as driver, pytest.raises(DriverError, match=refused):
        deploy(driver, ADD_B, DeployOptions(confirm_timeout=30))
    assert prefix_list_names(running(server)) == ["CUSTOMER-A"]


def test_a_candidate_outside_the_managed_part_is_refused(driver):
    outside = '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><system xmlns="urn:example:system"/></config>'
    with driver:
        with pytest.raises(DriverError, match="outside the managed part: /system"):
            driver.load_candidate(outside)
        with pytest.raises(DriverError, match="not well-formed XML"):
            driver.load_candidate("<config>")


def test_a_commit_left_unconfirmed_is_reverted_by_the_server_when_the_session_drops(driver, server):
    with driver:
        driver.load_candidate(ADD_B)
        driver.commit(confirm=3)
        assert prefix_list_names(driver.get_running()) == ["CUSTOMER-A", "CUSTOMER-B"]
        unconfirmed = driver.committed
        driver.manager._session._transport.sock.shutdown(socket.SHUT_RDWR)  # the connection is lost: nobody confirms
    deadline = time.monotonic() + 10
    while prefix_list_names(running(server)) != ["CUSTOMER-A"]:
        assert time.monotonic() < deadline, "the server kept the unconfirmed commit"
        time.sleep(0.5)
    late = new_driver(server)
    with late:
        late.pending, late.committed = True, unconfirmed
        with pytest.raises(DriverError, match="timer had already gone back"):
            late.confirm()
    assert prefix_list_names(running(server)) == ["CUSTOMER-A"]


def test_a_commit_left_unconfirmed_is_reverted_by_the_server_after_its_timeout(driver, server):
    with driver:
        driver.load_candidate(ADD_B)
        driver.commit(confirm=2)
        time.sleep(3.5)
        assert prefix_list_names(driver.get_running()) == ["CUSTOMER-A"]
        with pytest.raises(DriverError, match="timer had already gone back"):
            driver.confirm()
    assert prefix_list_names(running(server)) == ["CUSTOMER-A"]


def test_a_failed_post_change_check_rolls_back(driver, server):
    def check(session):
        raise DriverError("session to 192.0.2.2 is not established", session.where)

    with driver, pytest.raises(DriverError, match="not established"):
        deploy(driver, ADD_B, DeployOptions(confirm_timeout=30), check=check)
    assert prefix_list_names(running(server)) == ["CUSTOMER-A"]


def test_one_session_at_a_time(driver, server):
    with driver:
        other = new_driver(server)
        with pytest.raises(DriverError, match=r"candidate datastore is locked by session \d+"):
            other.__enter__()
        assert other.manager is None
    with new_driver(server):
        pass  # released when the first session left


def test_a_host_key_other_than_the_pinned_one_is_refused(server):
    stranger = server.client_key.with_suffix(".pub").read_text()
    with pytest.raises(HostKeyError, match=r"\[127.0.0.1\]:%d does not match the pinned hostkey" % server.port):
        NetconfDriver(**{**server.driver_params(), "hostkey": stranger}).__enter__()


def test_the_host_key_is_checked_against_a_known_hosts_file(server, tmp_path):
    known_hosts = tmp_path / "known_hosts"
    params = {**server.driver_params(), "hostkey": None, "known_hosts": str(known_hosts)}
    with pytest.raises(HostKeyError, match=r"no SSH host key for \[127.0.0.1\]:%d is in" % server.port):
        NetconfDriver(**params).__enter__()
    stranger = server.client_key.with_suffix(".pub").read_text().split()
    known_hosts.write_text("[127.0.0.1]:%d %s %s\n" % (server.port, *stranger[:2]))
    with pytest.raises(HostKeyError, match="does not match the known_hosts file"):
        NetconfDriver(**params).__enter__()
    known_hosts.write_text("[127.0.0.1]:%d %s\n" % (server.port, server.host_key))
    with NetconfDriver(**params) as session:
        assert prefix_list_names(session.get_running()) == ["CUSTOMER-A"]
