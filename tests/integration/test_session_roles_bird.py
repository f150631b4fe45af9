# -*- coding: utf-8 -*-
"""RFC 9234 between FRR and BIRD: r2's session with the lab's BIRD router (a customer router of AS65000) gets
its relationship in NetBox, and ``playbooks/session_policy.yml`` deploys r2's policy (our role: provider). The
customer's BIRD, configured here as its operator would, announces two of AS65000's registered routes, one of
them carrying an Only-to-Customer attribute (OTC, as if learned from one of the customer's peers: a leak).
What happens is read from r2's BGP table, from what r2 received (``soft-reconfiguration inbound`` keeps every
route the neighbour sent, accepted or not) and from BIRD's table:

* with roles that agree, r2 sends its routes to the customer marked Only-to-Customer (so the customer's
  routers keep them from their other providers and peers), and rejects the customer's leaked route;
* with roles that disagree (BIRD: peer), r2 refuses the session: nothing is learned;
* with ``role_strict``, r2 refuses a customer whose router announces no role.
"""

from __future__ import annotations

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.netbox import schema
from lab_helpers import create_session, lab_api

pytestmark = pytest.mark.lab(reads=("irrd",), changes=("netbox", "routers"))

BIRD = "198.18.0.102"
LEAKED, OWN = "203.0.113.0/24", "198.51.100.0/24"  # both registered for AS65000 in the lab IRRd
CONFIG = """log "{log}/bird.log" all;
router id 198.18.0.102;

protocol device {{
}}

protocol static customer_routes {{
    ipv4 {{
        import filter {{
            # learned from one of the customer's peers: Only-to-Customer, that peer's AS (RFC 9234)
            if net = {leaked} then bgp_otc = 65099;
            accept;
        }};
    }};
    route {leaked} blackhole;
    route {own} blackhole;
}}

protocol bgp r2 {{
    local 198.18.0.102 as 65000;
    neighbor 198.18.0.2 as 64500;
    {role}
    connect delay time 1;
    connect retry time 1;
    error wait time 1, 5;
    ipv4 {{
        import all;
        export where source = RTS_STATIC;
    }};
}}
"""


@pytest.fixture(scope="module")
def r2_with_policy(netbox, module_playbook):
    """r2's session with BIRD classified in NetBox (a customer) and r2's policy deployed; afterwards NetBox and
    the routers as they were."""
    lab_api.reset()
    fields = {schema.CF_RELATIONSHIP: "customer", schema.CF_MAX_PREFIX_V4: 100}
    undo = create_session(netbox, "bird-v4", "198.18.0.2/24", BIRD + "/24", 65000, fields)
    try:
        # r2's other sessions with AS65000 (cust) have no relationship in NetBox: they keep their hand-written policy
        run = module_playbook(
            "session_policy.yml", "-e", "routesec_targets=r2", "-e", "routesec_unclassified_sessions=keep"
        )
        assert run.rc == 0, run.output
        (deployed,) = run.for_action("session_policy")
        assert deployed["result"]["unclassified"] == ["198.18.0.101", "fdff:5e5::101"]
        assert "neighbor %s local-role provider" % BIRD in lab_api.running_config("r2")
        yield
    finally:
        for action in reversed(undo):
            action()
        lab_api.reset()


def configure_bird(role):
    log = lab_api.state_dir() / "log"
    text = CONFIG.format(log=log, leaked=LEAKED, own=OWN, role="local role %s;" % role if role else "")
    lab_api.bird_configure(text)


def received(prefix):
    """Whether r2 received ``prefix`` from BIRD, accepted or not."""
    command = "show bgp ipv4 unicast neighbors %s received-routes json" % BIRD
    return prefix in lab_api.vtysh_json("r2", command, daemon="bgpd").get("receivedRoutes", {})


def neighbor():
    return lab_api.vtysh_json("r2", "show bgp neighbors %s json" % BIRD, daemon="bgpd")[BIRD]


def accepted(prefix):
    return prefix in lab_api.received_from("r2", BIRD, 4)


def notifications_sent():
    return neighbor()["messageStats"]["notificationsSent"]


def refused_after(sent_before):
    """Wait until r2 has sent BIRD a Role Mismatch notification since ``sent_before`` were sent; r2's view."""

    def refused():
        state = neighbor()
        if state["messageStats"]["notificationsSent"] > sent_before and "Role Mismatch" in str(
            state.get("lastNotificationReason")
        ):
            return state
        return None

    return lab_api.wait_for(refused, timeout=30, message="r2 refusing BIRD's session over its role")


def test_with_roles_that_agree_the_customers_leak_is_rejected_and_our_routes_reach_it_marked(r2_with_policy):
    configure_bird("customer")
    lab_api.wait_for(lambda: accepted(OWN) or None, timeout=30, message="the customer's route on r2")
    assert (neighbor()["localRole"], neighbor()["remoteRole"]) == ("provider", "customer")
    lab_api.wait_for(lambda: received(LEAKED) or None, timeout=30, message="the leaked route sent to r2")
    assert not accepted(LEAKED)  # from a customer, with OTC: a leak (RFC 9234 section 5)
    ours = "185.230.76.0/22"  # r2 originates one of our prefixes; the customer gets it marked OTC = 64500
    lab_api.vtysh(
        "r2",
        "configure terminal\nip route %s blackhole\nrouter bgp 64500\n address-family ipv4 unicast\n"
        "  network %s\n exit-address-family\nexit\nend\n" % (ours, ours),
    )
    route = lab_api.wait_for(
        lambda: (ours in (text := lab_api.birdc("show", "route", ours, "all"))) and text or None,
        timeout=30,
        message="our route at BIRD",
    )
    assert "BGP.otc: 64500" in route and "BGP.as_path: 64500" in route


def test_with_roles_that_disagree_r2_refuses_the_session(r2_with_policy):
    sent = notifications_sent()
    configure_bird("peer")
    state = refused_after(sent)
    assert state["bgpState"] != "Established" and state["remoteRole"] == "undefined"
    assert not lab_api.received_from("r2", BIRD, 4)


def test_in_strict_mode_r2_refuses_a_customer_announcing_no_role(r2_with_policy, module_playbook):
    configure_bird(None)
    lab_api.wait_for(lambda: neighbor()["bgpState"] == "Established" or None, timeout=30, message="session up")
    sent = notifications_sent()
    run = module_playbook(
        "session_policy.yml",
        "-e",
        "routesec_targets=r2",
        "-e",
        "routesec_unclassified_sessions=keep",
        "-e",
        "routesec_role_strict=true",
    )
    assert run.rc == 0, run.output
    assert "neighbor %s local-role provider strict-mode" % BIRD in lab_api.running_config("r2")
    refused_after(sent)
    assert not lab_api.received_from("r2", BIRD, 4)
