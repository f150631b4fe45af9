# -*- coding: utf-8 -*-
"""The session policy deployed to a real bgpd through the FRR driver and the one deploy path: check mode shows
the diff per object and changes nothing, a deployment writes every route-map and binding, a second run
changes nothing, a change sends only the entries and lines that differ (and removes what nothing uses any
more), a session gone from NetBox keeps its policy on the router, every guard refuses with the router left
as it was, a push FRR does not apply as planned is put back, and an unconfirmed commit is sent back by the
timer on the router."""

from __future__ import annotations

import dataclasses
import subprocess
import time

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.frr import FrrDriver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.runner import LocalRunner
from ansible_collections.routesec.bgp.plugins.module_utils.errors import SafetyError, TransportError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import (
    AsPathList,
    PrefixEntry,
    PrefixList,
    parse_prefix,
)
from ansible_collections.routesec.bgp.plugins.module_utils.plan.deploy import DeployOptions, deploy
from ansible_collections.routesec.bgp.plugins.module_utils.plan.session_policy import session_policy_plan
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import PolicyOptions
from frr_daemon import standalone_bgpd
from test_bgp_sessions import session
from test_session_policy import classified, intent_of

CUSTOMER_IN = "ROUTESEC-IN-CUSTOMER-AS65000-V4"
IRR_LIST = "ip prefix-list ROUTESEC-AS65000-IN-V4 seq 5 permit 203.0.113.0/24"
BASE = f"""hostname policy-test
ip prefix-list ROUTESEC-OWN-V4 seq 5 permit 185.230.76.0/22
{IRR_LIST}
route-map HAND-WRITTEN permit 10
exit
router bgp 64500
 bgp router-id 192.0.2.1
 neighbor 198.51.100.1 remote-as 65000
 neighbor 198.51.100.2 remote-as 64496
 neighbor 198.51.100.3 remote-as 65001
 address-family ipv4 unicast
  neighbor 198.51.100.3 route-map HAND-WRITTEN in
 exit-address-family
exit
"""
NO_TIMER = DeployOptions(confirm_timeout=0)


def intent(*extra, customer=True, transit=True):
    sessions = [
        classified(1, 65000, "198.51.100.1/24", relationship="customer", max_prefix_v4=10),
        classified(2, 64496, "198.51.100.2/24", relationship="transit", max_prefix_action="warning"),
    ][0 if customer else 1 : 2 if transit else 1]
    found = intent_of(*sessions, *extra)
    irr = PrefixList("ROUTESEC-AS65000-IN-V4", 4, (PrefixEntry(parse_prefix("203.0.113.0/24")),))
    return dataclasses.replace(
        found,
        prefix_lists=found.prefix_lists + (irr,),
        as_path_lists=(AsPathList("ROUTESEC-AS65000-IN", 65000, (65000, 64511)),),
    )


@pytest.fixture
def bgpd():
    with standalone_bgpd(BASE, modules=["rpki"]) as daemon:
        yield daemon


def driver_of(bgpd, runner=None):
    return FrrDriver(runner or LocalRunner(), bgpd["state"], vtysh=bgpd["vtysh"], name="edge", save=False)


def running(bgpd):
    out = subprocess.run(bgpd["vtysh"] + ["-c", "show running-config"], capture_output=True, text=True, check=True)
    return out.stdout


def policy_lines(text):
    """The lines of the running configuration the session policy may touch."""
    return [
        line.strip()
        for line in text.splitlines()
        if line.startswith(("bgp as-path", "bgp community", "bgp large", "route-map", "ip prefix-list ROUTESEC-B"))
        or line.strip().startswith(("neighbor", "match", "set", "on-match"))
    ]


def deploy_policy(bgpd, device_intent, options=NO_TIMER, policy=None, runner=None):
    with driver_of(bgpd, runner) as driver:
        outcome = deploy(driver, session_policy_plan(device_intent, policy or PolicyOptions()), options)
        return outcome, driver.sent


def test_check_mode_diff_then_deploy_then_nothing_to_do(bgpd):
    before = running(bgpd)
    outcome, sent = deploy_policy(bgpd, intent(), DeployOptions(check_mode=True))
    assert not outcome.committed and sent == [] and running(bgpd) == before
    diff = outcome.diff
    assert f"+route-map {CUSTOMER_IN} permit 100\n" in diff
    assert f"+router bgp 64500 address-family ipv4 unicast: neighbor 198.51.100.1 route-map {CUSTOMER_IN} in" in diff
    assert "+router bgp 64500: neighbor 198.51.100.2 local-role customer" in diff
    assert "+bgp as-path access-list ROUTESEC-AS65000-IN seq 10 permit ^65000(_[0-9]+)*_(64511)$" in diff
    assert "+ip prefix-list ROUTESEC-BOGONS-V4 seq 5 permit 0.0.0.0/8 le 32" in diff

    outcome, sent = deploy_policy(bgpd, intent())
    assert outcome.committed and outcome.diff == diff
    after = running(bgpd)
    for line in (
        f"neighbor 198.51.100.1 route-map {CUSTOMER_IN} in",
        "neighbor 198.51.100.1 route-map ROUTESEC-OUT-CUSTOMER-V4 out",
        "neighbor 198.51.100.1 maximum-prefix 10 restart 15",
        "neighbor 198.51.100.1 local-role provider",
        "neighbor 198.51.100.2 maximum-prefix 900000 warning-only",
        "neighbor 198.51.100.3 route-map HAND-WRITTEN in",  # a neighbour NetBox does not classify: untouched
        "match ip address prefix-list ROUTESEC-AS65000-IN-V4",
        "set large-community 64500:1:1 additive",
    ):
        assert line in after, line
    outcome, sent = deploy_policy(bgpd, intent())
    assert (outcome.diff, sent, outcome.committed) == ("", [], False)


def test_a_change_sends_only_what_differs_and_removes_what_nothing_uses(bgpd):
    deploy_policy(bgpd, intent())
    smaller = dataclasses.replace(
        intent(),
        sessions=tuple(
            dataclasses.replace(s, max_prefix=20) if s.relationship == "customer" else s for s in intent().sessions
        ),
    )
    outcome, sent = deploy_policy(bgpd, smaller, policy=PolicyOptions(customer_export="default", max_path_length=50))
    assert outcome.committed
    assert sorted(sent) == sorted(
        [
            "bgp as-path access-list ROUTESEC-PATH-TOO-LONG seq 5 permit ^([0-9]+ ){50}[0-9]+",
            "no bgp as-path access-list ROUTESEC-PATH-TOO-LONG seq 5 permit ^([0-9]+ ){100}[0-9]+",
            "route-map ROUTESEC-OUT-CUSTOMER-DEFAULT-V4 deny 10",
            "exit",
            "router bgp 64500",
            " address-family ipv4 unicast",
            "  neighbor 198.51.100.1 default-originate",
            "  neighbor 198.51.100.1 maximum-prefix 20 restart 15",
            "  neighbor 198.51.100.1 route-map ROUTESEC-OUT-CUSTOMER-DEFAULT-V4 out",
            " exit-address-family",
            "exit",
            "no route-map ROUTESEC-OUT-CUSTOMER-V4",
        ]
    )
    after = running(bgpd)
    assert "route-map ROUTESEC-OUT-CUSTOMER-V4" not in after
    assert "neighbor 198.51.100.1 route-map ROUTESEC-OUT-CUSTOMER-DEFAULT-V4 out" in after


def test_a_session_gone_from_netbox_keeps_its_policy(bgpd):
    deploy_policy(bgpd, intent())
    before = policy_lines(running(bgpd))
    outcome, sent = deploy_policy(bgpd, intent(transit=False))
    assert (outcome.diff, sent) == ("", [])
    assert policy_lines(running(bgpd)) == before  # the transit's route-maps and lists stay while it uses them


@pytest.mark.parametrize(
    "change, refusal",
    [
        ("irr", r"route-map ROUTESEC-IN-CUSTOMER-AS65000-V4 names ip prefix-list ROUTESEC-AS65000-IN-V4, which"),
        ("neighbor", r"BGP session r2:s9: the router has no neighbour 198.51.100.9; nothing was changed"),
        ("remote-as", r"neighbour 198.51.100.3 has remote AS 65001, NetBox says AS65000"),
        ("unclassified", r"eBGP sessions with 198.51.100.4 have no relationship.*routesec_relationship"),
    ],
)
def test_guards_refuse_and_leave_the_router_as_it_was(bgpd, change, refusal):
    device_intent = intent()
    if change == "irr":
        subprocess.run(bgpd["vtysh"] + ["-c", "conf t", "-c", "no " + IRR_LIST], check=True)
    elif change == "neighbor":
        device_intent = intent(classified(9, 65000, "198.51.100.9/24", relationship="customer"))
    elif change == "remote-as":
        device_intent = intent(classified(9, 65000, "198.51.100.3/24", relationship="customer"))
    else:
        device_intent = intent(session(4, 2, 65000, "198.51.100.4/24", name="unclassified"))
    before = running(bgpd)
    for check_mode in (True, False):
        with pytest.raises(SafetyError, match=refusal):
            deploy_policy(bgpd, device_intent, DeployOptions(check_mode=check_mode, confirm_timeout=0))
    assert running(bgpd) == before


class LosingDriver(FrrDriver):
    """An FRR driver whose pushes lose the line that tags a customer's routes (an entry that then accepts them
    untagged): what a vtysh that ignores a line would do."""

    def send(self, lines):
        return super().send([line for line in lines if "64500:1:1 additive" not in line])


def test_a_push_not_applied_as_planned_is_put_back(bgpd):
    before = running(bgpd)
    losing = LosingDriver(LocalRunner(), bgpd["state"], vtysh=bgpd["vtysh"], name="edge", save=False)
    with losing, pytest.raises(TransportError, match="not as planned: route-map ROUTESEC-IN-CUSTOMER-AS65000-V4"):
        deploy(losing, session_policy_plan(intent(), PolicyOptions()), NO_TIMER)
    assert policy_lines(running(bgpd)) == policy_lines(before)


def test_an_unconfirmed_commit_is_sent_back_by_the_timer(bgpd):
    before = policy_lines(running(bgpd))
    runner = LocalRunner()
    driver = driver_of(bgpd, runner)
    with driver:
        driver.load_candidate(session_policy_plan(intent(), PolicyOptions())(driver.get_running()).candidate)
        driver.commit(confirm=6)  # long enough for the push and its read-back on a loaded machine
        assert f"route-map {CUSTOMER_IN} permit 100" in running(bgpd)
    runner.close()  # the run goes away without confirming
    deadline = time.monotonic() + 25
    while policy_lines(running(bgpd)) != before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert policy_lines(running(bgpd)) == before
