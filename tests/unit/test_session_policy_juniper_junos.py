# -*- coding: utf-8 -*-
"""The session policy on Junos, deployed through the Junos CLI driver to the emulated router of
``fakenos_devices`` (which merges ``load replace`` curly text as the Junos documentation describes; not a real
Junos): check mode changes nothing, a deployment binds every neighbour in the group it is in, replacing the
neighbour's own import policy, a second run changes nothing, a session the router lacks is refused with
nothing changed; and the rendering itself: terms in first-match order, every object a policy names defined,
the options' translations and refusals."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.cli.juniper_junos import JuniperJunosDriver
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.plan.deploy import DeployOptions, deploy
from ansible_collections.routesec.bgp.plugins.module_utils.plan.session_policy import (
    VENDOR_RENDERERS,
    session_policy_plan,
)
from ansible_collections.routesec.bgp.plugins.module_utils.policy.objects import (
    default_only,
    empty_lists,
    export_name,
    import_name,
)
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import PolicyOptions
from ansible_collections.routesec.bgp.plugins.module_utils.policy.terms import live_terms, policy_set
from ansible_collections.routesec.bgp.plugins.module_utils.render import juniper_junos
from ansible_collections.routesec.bgp.plugins.module_utils.render.juniper_junos_session_policy import (
    DEFAULT_GROUP,
    parse_neighbors,
    render_session_policy,
)
from fakenos_devices import PASSWORD, ROUTERS, USERNAME, CurlyLoad, merge_tree, render_tree, serve
from session_policy_sample import IRR_LISTS, ORIGIN_LISTS, OWN_LISTS, SESSIONS, sample_intent

OPTIONS = PolicyOptions()
# the neighbours as an operator configured them: each in a group of its own kind, the transit's AS on its group
# and an import policy of the operator's own on the transit
GROUPS = {"198.51.100.1": "customers", "198.51.100.2": "transit", "2001:db8::3": "peers6", "198.51.100.4": "ixp"}
PROTOCOLS = """protocols {
    bgp {
        group customers {
            type external;
            neighbor 198.51.100.1 {
                peer-as 65000;
            }
        }
        group transit {
            type external;
            peer-as 64496;
            neighbor 198.51.100.2 {
                import HAND-WRITTEN;
            }
        }
        group peers6 {
            type external;
            neighbor 2001:db8::3 {
                peer-as 65001;
            }
        }
        group ixp {
            type external;
            neighbor 198.51.100.4 {
                peer-as 65002;
            }
        }
    }
}
"""
# what prefix_filter deploys before: the neighbours' IRR lists, our own prefixes, the origin lists
LISTS = (
    juniper_junos.render_prefix_lists([*IRR_LISTS, *OWN_LISTS]),
    juniper_junos.render_as_path_lists(ORIGIN_LISTS),
)


def junos_router(protocols=PROTOCOLS):
    router = ROUTERS["juniper_junos"](clock_rate=10)
    for text in (*LISTS, protocols):
        merge_tree(router.running, CurlyLoad(text.splitlines()).parse(), True)
    router.candidate = copy.deepcopy(router.running)
    return router


@pytest.fixture
def served():
    with serve(junos_router()) as served:
        yield served


def run(served, intent=None, check_mode=False):
    intent = intent or sample_intent("juniper_junos")
    login = {"port": served.port, "timeout": 10, "hostkey": served.hostkey, "fast_cli": True}
    with JuniperJunosDriver("127.0.0.1", USERNAME, PASSWORD, name="edge1", **login) as driver:
        planner = session_policy_plan(intent, OPTIONS, check_mode=check_mode)
        return deploy(driver, planner, DeployOptions(check_mode=check_mode, confirm_timeout=30))


def neighbor(running, session):
    return running["protocols"]["bgp"]["group %s" % GROUPS[session.address]]["neighbor %s" % session.address]


def test_junos_is_a_vendor_platform_of_the_planner():
    assert VENDOR_RENDERERS["juniper_junos"].render_session_policy is render_session_policy


def test_check_mode_then_every_neighbour_bound_in_its_group_and_a_rerun_changes_nothing(served):
    before = copy.deepcopy(served.router.running)
    planned = run(served, check_mode=True)
    assert planned.changed and not planned.committed
    assert served.router.running == before

    applied = run(served)
    assert applied.changed and applied.committed
    running = served.router.running
    assert sorted(running["protocols"]["bgp"]) == sorted("group %s" % g for g in GROUPS.values())  # no new group
    policies = running["policy-options"]
    for session in SESSIONS:
        bound = neighbor(running, session)
        # exactly our import and export: the transit's own import policy is replaced, not chained before ours
        assert [k for k in bound if k.startswith("import ")] == ["import %s" % import_name(session)]
        assert [k for k in bound if k.startswith("export ")] == ["export %s" % export_name(session, OPTIONS)]
        for name in (import_name(session), export_name(session, OPTIONS)):
            assert "policy-statement %s" % name in policies
    family = "family inet"
    customer, transit, peer, route_server = SESSIONS
    # teardown, back after the options' 15 minutes; a transit only logs; the peer has no limit set in NetBox
    assert neighbor(running, customer)[family]["unicast"]["accepted-prefix-limit"] == {
        "maximum 10": None,
        "teardown idle-timeout 15": None,
    }
    assert neighbor(running, transit)[family]["unicast"]["accepted-prefix-limit"] == {"maximum 900000": None}
    assert "teardown idle-timeout 15" in neighbor(running, route_server)[family]["unicast"]["accepted-prefix-limit"]
    assert not any(k.startswith("family") for k in neighbor(running, peer))
    assert neighbor(running, customer)["peer-as 65000"] is None  # what the operator had stays

    again = run(served)
    assert not again.changed and again.commands == [] and not again.committed


def test_a_session_the_router_lacks_is_refused_and_nothing_changes():
    without_rs = PROTOCOLS.replace("neighbor 198.51.100.4 {", "neighbor 198.51.100.5 {")
    with serve(junos_router(without_rs)) as served:
        before = copy.deepcopy(served.router.running)
        with pytest.raises(SafetyError, match="no neighbour 198.51.100.4"):
            run(served)
        assert served.router.running == before and served.router.candidate == before


def test_a_neighbour_under_another_as_is_refused_and_nothing_changes():
    with serve(junos_router(PROTOCOLS.replace("peer-as 64496;", "peer-as 64497;"))) as served:
        before = copy.deepcopy(served.router.running)
        with pytest.raises(SafetyError, match="remote AS 64497, NetBox says AS64496"):
            run(served)
        assert served.router.running == before


def test_parse_neighbors_reads_the_groups_and_a_groups_peer_as():
    shown = "\n".join(render_tree(junos_router().running))
    assert parse_neighbors(shown) == {
        "198.51.100.1": {"remote_as": "65000", "group": "customers"},
        "198.51.100.2": {"remote_as": "64496", "group": "transit"},
        "2001:db8::3": {"remote_as": "65001", "group": "peers6"},
        "198.51.100.4": {"remote_as": "65002", "group": "ixp"},
    }
    # a routing instance's BGP is not the router's
    instance = (
        "routing-instances {\n  VRF {\n    protocols { bgp { group x { neighbor 192.0.2.9 { peer-as 1; } } } }\n  }\n}"
    )
    assert "192.0.2.9" not in parse_neighbors(shown + "\n" + instance)


# -- the rendering ---------------------------------------------------------------------------------------------


def loaded(text):
    """The candidate as the emulator's parser reads it: {statement: (tag, subtree or None)}."""
    parser = CurlyLoad(text.splitlines())
    tree = parser.parse()
    assert parser.errors == []
    return tree


def plain(tree):
    return {key: None if child is None else plain(child) for key, (_tag, child) in tree.items()}


def test_each_policy_keeps_the_terms_in_order_and_rejects_what_none_takes():
    intent = sample_intent("juniper_junos")
    policies = plain(loaded(render_session_policy(intent, OPTIONS))["policy-options"][1])
    wanted = policy_set(intent, OPTIONS)
    empty = empty_lists(intent, OPTIONS)
    for name, policy in wanted.policies.items():
        statement = policies["policy-statement %s" % name]
        assert [k for k in statement if k.startswith("term ")] == ["term %d" % t.seq for t in live_terms(policy, empty)]
        assert list(statement)[-1] == "then reject"  # after every term
    # graceful shutdown: local preference 0 and on to the next term (no accept or reject)
    first = policies["policy-statement %s" % import_name(SESSIONS[0])]["term 5"]
    assert first == {"from community ROUTESEC-GSHUT": None, "then local-preference 0": None}
    # the tag is added after our informational communities are deleted (Junos applies them in order)
    actions = list(policies["policy-statement %s" % import_name(SESSIONS[0])]["term 100"]["then"])
    assert actions.index("community delete ROUTESEC-INFO") < actions.index("community add ROUTESEC-LARGE-64500-1-1")
    assert actions[-1] == "accept"


def test_every_object_a_policy_names_is_defined():
    intent = sample_intent("juniper_junos")
    options = plain(loaded(render_session_policy(intent, OPTIONS))["policy-options"][1])
    defined = {" ".join(key.split()[:2]) for key in options}
    held = {
        ("prefix-list" if not juniper_junos.ranged(p) else "route-filter-list", p.name) for p in intent.prefix_lists
    }
    defined |= {"%s %s" % pair for pair in held} | {"as-path-group %s" % a.name for a in intent.as_path_lists}
    named = set()
    for key, statement in options.items():
        if key.startswith("policy-statement "):
            for term in (child for name, child in statement.items() if name.startswith("term ")):
                conditions = term.get("from") or {k[len("from ") :]: None for k in term if k.startswith("from ")}
                then = term.get("then") or {k[len("then ") :]: None for k in term if k.startswith("then ")}
                named |= {" ".join(c.split()[:2]) for c in conditions if not c.startswith("validation-database")}
                named |= {"community %s" % a.split()[2] for a in then if a.startswith("community ")}
    assert named and named <= defined
    # the IRR list of the customer is an exact list, matched as a prefix-list; a helper with lengths is not
    assert "prefix-list ROUTESEC-AS65000-IN-V4" in named and "route-filter-list ROUTESEC-BOGONS-V4" in named


def test_without_a_router_the_neighbours_go_to_the_default_group_and_with_one_to_theirs():
    intent = sample_intent("juniper_junos")
    alone = plain(loaded(render_session_policy(intent, OPTIONS))["protocols"][1])
    assert sorted(alone["bgp"]) == ["group %s" % DEFAULT_GROUP]
    known = {address: {"remote_as": None, "group": group} for address, group in GROUPS.items()}
    placed = plain(loaded(render_session_policy(intent, OPTIONS, known))["protocols"][1])
    for session in SESSIONS:
        assert "neighbor %s" % session.address in placed["bgp"]["group %s" % GROUPS[session.address]]


def test_import_export_and_limit_are_tagged_to_replace_what_the_neighbour_has():
    tree = loaded(render_session_policy(sample_intent("juniper_junos"), OPTIONS))
    customer = tree["protocols"][1]["bgp"][1]["group %s" % DEFAULT_GROUP][1]["neighbor 198.51.100.1"][1]
    assert customer["import %s" % import_name(SESSIONS[0])] == (True, None)
    assert customer["export %s" % export_name(SESSIONS[0], OPTIONS)] == (True, None)
    assert customer["family inet"][1]["unicast"][1]["accepted-prefix-limit"][0] is True


def test_no_restart_is_forever_and_a_restart_junos_cannot_wait_is_refused():
    intent = sample_intent("juniper_junos", SESSIONS[:1])
    never = render_session_policy(intent, dataclasses.replace(OPTIONS, max_prefix_restart=0))
    assert "teardown idle-timeout forever;" in never
    with pytest.raises(DataError) as refused:
        render_session_policy(intent, dataclasses.replace(OPTIONS, max_prefix_restart=3000))
    assert refused.value.field == "max_prefix_restart"


def test_a_default_only_customer_gets_the_default_route_then_nothing():
    options = dataclasses.replace(OPTIONS, customer_export="default")
    intent = sample_intent("juniper_junos", SESSIONS[:1])
    assert default_only(SESSIONS[0], options)
    policies = plain(loaded(render_session_policy(intent, options))["policy-options"][1])
    export = policies["policy-statement %s" % export_name(SESSIONS[0], options)]
    assert list(export) == ["term default-route", "term 10", "then reject"]
    assert export["term default-route"] == {"from route-filter 0.0.0.0/0 exact": None, "then accept": None}
    assert export["term 10"] == {"then reject": None}


def test_as_path_rules_use_ranges_and_leave_out_as_zero():
    text = render_session_policy(sample_intent("juniper_junos"), OPTIONS)
    assert 'as-path ROUTESEC-NOT-FIRST-AS65000 "(1-64999|65001-4294967295) .*";' in text
    assert 'as-path ROUTESEC-PATH-TOO-LONG ".{101,}";' in text
    bogons = next(line for line in text.splitlines() if "as-path ROUTESEC-BOGON-ASNS" in line)
    assert "(23456|64496-131071|4200000000-4294967295)" in bogons  # 0 is not an AS Junos takes


def test_no_ebgp_session_renders_nothing():
    assert render_session_policy(sample_intent("juniper_junos", ()), OPTIONS) == ""
