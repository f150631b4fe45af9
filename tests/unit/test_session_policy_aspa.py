# -*- coding: utf-8 -*-
"""ASPA path verification in the session policy, checked by the daemons' own parsers: with ``aspa`` on, every
combination of the options that changes the ASPA part gives a configuration BIRD 2.17's ``bird -p`` and OpenBGPD
8.8's ``bgpd -n`` take (Debian trixie's, trixie.py), beside the origin-validation part rendered with ``aspa``, and
that the host's BIRD 2.0.12 and OpenBGPD 7.7 refuse in their own words; each session is verified in the direction
its relationship gives. Every other platform is refused before anything is rendered, and an OpenBGPD whose
configuration gives bgpd no ASPAs is refused before anything is changed."""

from __future__ import annotations

import dataclasses
import itertools
import subprocess

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.openbgpd import OpenbgpdDriver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.runner import LocalRunner
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import (
    AsPathList,
    PrefixEntry,
    PrefixList,
    parse_prefix,
)
from ansible_collections.routesec.bgp.plugins.module_utils.intent.sessions import ROLE_OF, Session
from ansible_collections.routesec.bgp.plugins.module_utils.plan.deploy import deploy
from ansible_collections.routesec.bgp.plugins.module_utils.plan.session_policy import (
    NO_ASPA,
    VENDOR_RENDERERS,
    render_session_policy,
    session_policy_plan,
)
from ansible_collections.routesec.bgp.plugins.module_utils.policy.objects import import_name
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import PolicyOptions
from ansible_collections.routesec.bgp.plugins.module_utils.render import bird2, openbgpd, openbgpd_session_policy
from ansible_collections.routesec.bgp.plugins.module_utils.render.bird2_session_policy import symbol
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.router_policy import RovPolicy, RtrCache
from test_session_policy_daemons import every_kind_of_session
from trixie import trixie_argv, trixie_script

CACHE = RtrCache("192.0.2.20", 3323)
ASPA_ROV = RovPolicy(aspa=True)
# a peer whose role NetBox turns off: OpenBGPD still needs its role for the ASPA direction
ROLELESS_PEER = Session("198.51.100.8", 65008, "peer", name="roleless", role=None, as_set="AS-EIGHT")
ASPA_OPTIONS = [
    PolicyOptions(aspa=True, aspa_unknown=unknown, role_strict=strict, reject_invalid=rov)
    for unknown, strict, rov in itertools.product(("accept", "reject"), (False, True), (True, False))
]
UPSTREAM = {"customer": True, "peer": True, "route_server": True, "transit": False}


def sessions_intent():
    """Every kind of session of the daemon tests, and a peer without a role (with its IRR lists)."""
    found = every_kind_of_session()
    irr = PrefixList("ROUTESEC-AS65008-IN-V4", 4, (PrefixEntry(parse_prefix("193.0.8.0/24")),))
    origins = AsPathList("ROUTESEC-AS65008-IN", 65008, (65008,))
    return dataclasses.replace(
        found,
        sessions=(*found.sessions, ROLELESS_PEER),
        prefix_lists=(*found.prefix_lists, irr),
        as_path_lists=(*found.as_path_lists, origins),
    )


def bird_main(tmp_path, sessions_text, rov=ASPA_ROV):
    """BIRD's main configuration with the origin-validation part of ``rov`` and the session file included."""
    (tmp_path / "sessions.conf").write_text(sessions_text)
    rov_part = bird2.render_rov([CACHE], rov)
    main = 'router id 192.0.2.1;\nprotocol device {}\n%s\ninclude "%s";\n' % (rov_part, tmp_path / "sessions.conf")
    (tmp_path / "bird.conf").write_text(main)
    return tmp_path / "bird.conf"


def bgpd_main(tmp_path, sessions_text, rov=ASPA_ROV):
    """bgpd.conf with its global settings, the rtr sessions of ``rov`` and the session file included."""
    (tmp_path / "sessions.conf").write_text(sessions_text)
    rtr, _rules = openbgpd.render_rov([CACHE], rov)
    main = 'AS 64500\nrouter-id 192.0.2.1\n%sinclude "%s"\n' % (rtr, tmp_path / "sessions.conf")
    (tmp_path / "bgpd.conf").write_text(main)
    return tmp_path / "bgpd.conf"


def parsed(argv):
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def bird_filter(text, name):
    return text[text.index("filter %s" % name) :].split("\n}")[0]


def bgpd_neighbor(text, address):
    return text[text.index("neighbor %s {" % address) :].split("}")[0]


def taken_by_the_new_daemon(tmp_path, options, syntax):
    """``(intent, text)``: the policy of ``sessions_intent`` in ``syntax`` (bird2, openbgpd), once the trixie daemon's
    own check (``bird -p``, ``bgpd -n``) has taken it."""
    intent = sessions_intent()
    text = render_session_policy(intent, options, syntax)
    if syntax == "bird2":
        argv = [*trixie_argv("bird"), "-p", "-c", str(bird_main(tmp_path, text))]
    else:
        argv = [*trixie_argv("bgpd"), "-n", "-f", str(bgpd_main(tmp_path, text))]
    check = parsed(argv)
    assert check.returncode == 0, check.stderr + text
    return intent, text


@pytest.mark.parametrize("options", ASPA_OPTIONS, ids=str)
def test_bird_217_takes_the_aspa_policy_and_checks_each_session_in_its_direction(tmp_path, options):
    intent, text = taken_by_the_new_daemon(tmp_path, options, "bird2")
    compare = "!= ASPA_VALID" if options.aspa_unknown == "reject" else "= ASPA_INVALID"
    for session in intent.sessions:
        body = bird_filter(text, symbol(import_name(session)))
        direction = "true" if UPSTREAM[session.relationship] else "false"
        assert body.count("routesec_aspa_state(") == 1
        assert "if routesec_aspa_state(%s) %s then reject;" % (direction, compare) in body


def test_the_host_bird_2012_refuses_the_aspa_table_and_217_refuses_a_filter_without_it(tmp_path):
    text = render_session_policy(sessions_intent(), PolicyOptions(aspa=True), "bird2")
    old = parsed(["bird", "-p", "-c", str(bird_main(tmp_path, text))])
    table_line = bird_main(tmp_path, text).read_text().splitlines().index("aspa table routesec_aspa;") + 1
    assert old.returncode != 0 and "bird.conf:%d:" % table_line in old.stderr and "syntax error" in old.stderr
    without = parsed([*trixie_argv("bird"), "-p", "-c", str(bird_main(tmp_path, text, RovPolicy()))])
    first_call = next(n for n, line in enumerate(text.splitlines(), 1) if "routesec_aspa_state(" in line)
    assert without.returncode != 0 and "sessions.conf:%d:" % first_call in without.stderr, without.stderr


def test_without_aspa_the_bird_policy_is_unchanged_and_the_old_bird_takes_it(tmp_path):
    text = render_session_policy(sessions_intent(), PolicyOptions(), "bird2")
    assert "aspa" not in text.lower()
    assert "aspa" not in bird2.render_rov([CACHE], RovPolicy()).lower()
    assert parsed(["bird", "-p", "-c", str(bird_main(tmp_path, text, RovPolicy()))]).returncode == 0


@pytest.mark.parametrize("options", ASPA_OPTIONS, ids=str)
def test_openbgpd_88_takes_the_aspa_policy_with_a_role_on_every_session(tmp_path, options):
    intent, text = taken_by_the_new_daemon(tmp_path, options, "openbgpd")
    announce = "enforce" if options.role_strict else "yes"
    for session in intent.sessions:
        block = bgpd_neighbor(text, session.address)
        assert "\trole %s\n" % ROLE_OF[session.relationship] in block
        assert ("\tannounce policy %s\n" % announce in block) == (session.role is not None), block
        rejected = [line for line in text.splitlines() if line.startswith("deny quick from %s avs" % session.address)]
        assert rejected == ["deny quick from %s avs %s" % (session.address, state) for state in options.aspa_rejected()]


def test_openbgpd_rtr_sessions_require_version_2_with_aspa(tmp_path):
    sessions, _rules = openbgpd.render_rov([CACHE], RovPolicy(aspa=True))
    assert "\tmin-version 2\n" in sessions and openbgpd.gives_aspas(sessions)
    older, _rules = openbgpd.render_rov([CACHE], RovPolicy())
    assert "min-version" not in older and not openbgpd.gives_aspas(older)
    assert openbgpd.gives_aspas("aspa-set {\n\tcustomer-as 64511 provider-as { 64496 }\n}\n")
    assert not openbgpd.gives_aspas("rtr 192.0.2.1 {\n#\tmin-version 2\n}\n")


def test_the_host_openbgpd_77_refuses_role_and_avs(tmp_path):
    text = render_session_policy(sessions_intent(), PolicyOptions(aspa=True), "openbgpd")
    main = bgpd_main(tmp_path, text, RovPolicy())  # 7.7 also lacks min-version: its refusals of the file only
    old = parsed(["bgpd", "-n", "-f", str(main)])
    lines = (tmp_path / "sessions.conf").read_text().splitlines()
    role_line = next(n for n, line in enumerate(lines, 1) if line.startswith("\trole "))
    avs_line = next(n for n, line in enumerate(lines, 1) if " avs invalid" in line)
    assert old.returncode != 0
    assert "sessions.conf:%d: syntax error" % role_line in old.stderr
    assert "sessions.conf:%d: syntax error" % avs_line in old.stderr


@pytest.mark.parametrize("syntax", ["frr", *VENDOR_RENDERERS])
def test_every_other_platform_is_refused_naming_the_field_whatever_strict_features_says(syntax):
    intent = every_kind_of_session()
    platform = "juniper_junos" if syntax == "openconfig" else syntax  # OpenConfig is any platform over NETCONF
    intent = dataclasses.replace(intent, device=dataclasses.replace(intent.device, platform=platform))
    options = PolicyOptions(aspa=True)
    for attempt in (
        lambda: render_session_policy(intent, options, syntax),
        lambda: session_policy_plan(intent, options, syntax=syntax, strict_features=False),
    ):
        with pytest.raises(
            SafetyError, match="field 'aspa': ASPA path verification is on, and %s has none" % syntax
        ) as refused:
            attempt()
        assert NO_ASPA[syntax] in str(refused.value)


@pytest.mark.parametrize(
    "settings, field",
    [({"aspa": True, "aspa_unknown": "drop"}, "aspa_unknown"), ({"aspa_unknown": "reject"}, "aspa_unknown")],
)
def test_aspa_options_are_checked_naming_the_field(settings, field):
    with pytest.raises(DataError, match="field '%s'" % field):
        PolicyOptions.from_settings(settings)


def test_an_openbgpd_whose_configuration_gives_no_aspas_is_refused_and_left_alone(tmp_path):
    """The check runs on the loaded candidate (``bgpd -n`` of OpenBGPD 8.8 took it), before anything changes."""
    intent = sessions_intent()
    intent = dataclasses.replace(intent, device=dataclasses.replace(intent.device, platform="openbgpd"))
    main = bgpd_main(tmp_path, "", RovPolicy())  # rtr sessions at RTR version 1: no ASPAs
    driver = OpenbgpdDriver(
        LocalRunner(),
        str(tmp_path / "sessions.conf"),
        socket=str(tmp_path / "bgpd.sock"),
        bgpd=trixie_script("bgpd", tmp_path),
        main_path=str(main),
    )
    planner = session_policy_plan(intent, PolicyOptions(aspa=True))
    with driver, pytest.raises(SafetyError, match="field 'aspa': .*gives bgpd no ASPAs"):
        deploy(driver, planner)
    assert (tmp_path / "sessions.conf").read_text() == ""


def test_compliance_reads_openbgpd_8s_roles_back():
    """A role counts where bgpd announces it (``announce policy yes`` or ``enforce``), not where ``role`` only gives
    ASPA its direction."""
    intent = sessions_intent()
    for strict in (False, True):
        text = render_session_policy(intent, PolicyOptions(aspa=True, role_strict=strict), "openbgpd")
        found = openbgpd_session_policy.parse_sessions(text)
        assert {s.address: found[s.address]["role"] for s in intent.sessions} == {
            s.address: s.role for s in intent.sessions
        }
