# -*- coding: utf-8 -*-
"""The session policy in SR OS MD-CLI (rendered only: SR OS is reached over NETCONF, no CLI driver): each
policy's entries keep the terms' first-match order, every object a policy names is defined, the bindings
follow the options, and ``parse_neighbors`` reads MD-CLI ``info`` output."""

from __future__ import annotations

import dataclasses

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.plan.session_policy import VENDOR_RENDERERS, feature_gaps
from ansible_collections.routesec.bgp.plugins.module_utils.policy.objects import empty_lists, export_name, import_name
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import PolicyOptions
from ansible_collections.routesec.bgp.plugins.module_utils.policy.terms import live_terms, policy_set
from ansible_collections.routesec.bgp.plugins.module_utils.render.common import blocks, tokens, unquote
from ansible_collections.routesec.bgp.plugins.module_utils.render.nokia_sros_session_policy import (
    parse_neighbors,
    render_session_policy,
)
from session_policy_sample import SESSIONS, sample_intent

OPTIONS = PolicyOptions()
ACTION = {"permit": "accept", "deny": "reject"}


def rendered(options=OPTIONS, sessions=SESSIONS):
    return tokens(render_session_policy(sample_intent("nokia_sros", sessions), options))


def value_after(toks, word):
    return next(unquote(toks[i + 1]) for i, token in enumerate(toks) if token == word)


def listed(toks, start):
    """The names of the ``[...]`` list opening at ``toks[start]``."""
    end = toks.index("]", start)
    return [unquote(t) for t in toks[start + 1 : end]]


def test_sros_is_a_vendor_platform_whose_only_gap_is_roles():
    module = VENDOR_RENDERERS["nokia_sros"]
    assert module.render_session_policy is render_session_policy
    assert [gap.split(":")[0] for gap in feature_gaps(sample_intent("nokia_sros"), "nokia_sros")] == ["roles"]


def test_each_policy_keeps_the_terms_in_first_match_order():
    intent = sample_intent("nokia_sros")
    statements = dict(blocks(rendered(), "policy-statement"))
    empty = empty_lists(intent, OPTIONS)
    for name, policy in policy_set(intent, OPTIONS).policies.items():
        entries = [(int(number), body) for number, body in blocks(statements[name], "entry")]
        numbers = [number for number, _body in entries]
        assert numbers == sorted(numbers)  # SR OS evaluates numbered entries in ascending order
        terms = live_terms(policy, empty)
        deciding = {number: body for number, body in entries if number % 10 == 0}
        assert sorted(deciding) == [t.seq * 10 for t in terms]
        for term in terms:
            action = value_after(deciding[term.seq * 10], "action-type")
            assert action == ("next-entry" if term.then_next else ACTION[term.action])
        # the removal of our informational communities comes just before the entry that tags and accepts
        for number, body in entries:
            if number % 10:
                assert value_after(body, "action-type") == "next-entry" and number + 5 in deciding
                assert listed(body, body.index("remove") + 1) == ["ROUTESEC-INFO"]
        assert value_after(statements[name][statements[name].index("default-action") :], "action-type") == "reject"


def references(toks):
    """(kind, name) of every object the policies' entries name."""
    named = set()
    for _name, statement in blocks(toks, "policy-statement"):
        for i, token in enumerate(statement[:-3]):
            if token in ("as-path", "community") and statement[i + 1] == "{" and statement[i + 2] in ("name", "group"):
                kind = "as-path-group" if statement[i + 2] == "group" else token
                named.add((kind, unquote(statement[i + 3])))
            elif token == "prefix-list" and statement[i + 1] == "[":
                named |= {("prefix-list", name) for name in listed(statement, i + 1)}
            elif token in ("add", "remove") and statement[i + 1] == "[":
                named |= {("community", name) for name in listed(statement, i + 1)}
    return named


def test_every_object_a_policy_names_is_defined():
    intent = sample_intent("nokia_sros")
    toks = rendered()
    defined = {
        (kind, name)
        for kind in ("as-path", "as-path-group", "community", "prefix-list")
        for name, _body in blocks(toks, kind)
    }
    defined |= {("prefix-list", p.name) for p in intent.prefix_lists}  # held by the router (prefix_filter)
    named = references(toks)
    assert ("as-path-group", "ROUTESEC-AS65000-IN") in named and ("community", "ROUTESEC-INFO") in named
    assert named <= defined


def test_large_communities_and_the_info_pattern():
    communities = dict(blocks(rendered(), "community"))
    assert value_after(communities["ROUTESEC-FROM-CUSTOMER"], "member") == "64500:1:1"
    # SR OS matches a large community with one expression per part: 64500, 1, anything
    assert value_after(communities["ROUTESEC-INFO"], "member") == "^64500$&^1$&^.*$"


def neighbors(toks):
    return dict(blocks(toks, "neighbor"))


def opening(toks, word):
    """The index of ``word`` opening a container (``word {``)."""
    return next(i for i in range(len(toks) - 1) if toks[i] == word and toks[i + 1] == "{")


def policies_of(body, container):
    """The policies of ``import { policy [...] }`` (or export)."""
    start = opening(body, container)
    assert body[start + 2] == "policy"
    return listed(body, start + 3)


def test_each_neighbour_gets_its_policies_and_limit():
    bound = neighbors(rendered())
    customer, transit, peer, route_server = SESSIONS
    for session in SESSIONS:
        body = bound[session.address]
        assert policies_of(body, "import") == [import_name(session)]
        assert policies_of(body, "export") == [export_name(session, OPTIONS)]
        # the neighbour's own policies go first (SR OS would chain them with ours)
        assert body[opening(body, "import") - 2 : opening(body, "import")] == ["delete", "import"]
        assert body[opening(body, "export") - 2 : opening(body, "export")] == ["delete", "export"]
    limit = dict(blocks(bound[customer.address], "prefix-limit"))["ipv4"]
    assert (value_after(limit, "maximum"), value_after(limit, "idle-timeout")) == ("10", "15")
    assert value_after(dict(blocks(bound[transit.address], "prefix-limit"))["ipv4"], "log-only") == "true"
    assert "prefix-limit" not in bound[peer.address] and value_after(bound[peer.address], "ipv6") == "true"
    assert "idle-timeout" in dict(blocks(bound[route_server.address], "prefix-limit"))["ipv4"]


def test_never_restart_leaves_the_session_down_and_too_long_a_wait_is_refused():
    never = neighbors(rendered(dataclasses.replace(OPTIONS, max_prefix_restart=0), SESSIONS[:1]))
    assert "idle-timeout" not in dict(blocks(never[SESSIONS[0].address], "prefix-limit"))["ipv4"]
    with pytest.raises(DataError) as refused:
        rendered(dataclasses.replace(OPTIONS, max_prefix_restart=2000), SESSIONS[:1])
    assert refused.value.field == "max_prefix_restart"


def test_a_default_only_customer_is_sent_a_default_route_and_nothing_else():
    options = dataclasses.replace(OPTIONS, customer_export="default")
    toks = rendered(options, SESSIONS[:1])
    body = neighbors(toks)[SESSIONS[0].address]
    assert "send-default" in body
    export = dict(blocks(toks, "policy-statement"))[export_name(SESSIONS[0], options)]
    assert [value_after(entry, "action-type") for _n, entry in blocks(export, "entry")] == ["reject"]


INFO = """
    router "Base" {
        autonomous-system 64500
        bgp {
            group "customers" {
                peer-as 65000
            }
            group "transit" {
                peer-as 64496
            }
            group "peers" {
            }
            neighbor "198.51.100.1" {
                group "customers"
            }
            neighbor "198.51.100.2" {
                group "transit"
                import {
                    policy ["HAND-WRITTEN"]
                }
            }
            neighbor "2001:db8:0::3" {
                group "peers"
                peer-as 65001
            }
        }
    }
    service {
        vprn "cust-a" {
            bgp {
                neighbor "192.0.2.9" {
                    group "ce"
                    peer-as 64999
                }
            }
        }
    }
"""


def test_parse_neighbors_reads_md_cli_info_of_the_base_router():
    assert parse_neighbors(INFO) == {
        "198.51.100.1": {"remote_as": "65000", "group": "customers"},  # the group's AS
        "198.51.100.2": {"remote_as": "64496", "group": "transit"},
        "2001:db8::3": {"remote_as": "65001", "group": "peers"},
    }  # not the VPRN's neighbour


def test_parse_neighbors_reads_info_of_the_bgp_context():
    bgp_only = 'neighbor "198.51.100.4" {\n    group "ixp"\n    peer-as 65002\n}\n'
    assert parse_neighbors(bgp_only) == {"198.51.100.4": {"remote_as": "65002", "group": "ixp"}}


def test_no_ebgp_session_renders_nothing():
    assert render_session_policy(sample_intent("nokia_sros", ()), OPTIONS) == ""
