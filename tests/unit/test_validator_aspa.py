# -*- coding: utf-8 -*-
"""ASPA in the validators' configurations and SLURM files, checked against the real tools on loopback.

What the tools here do with ASPA, and so what routesec renders or refuses (``validators.py`` documents it):

* rpki-client 9.5 (Debian trixie) writes the ASPAs it validated as ``aspas`` into its JSON, and ``-A`` leaves them
  out: routesec renders ``-A`` for ``aspa: false`` only.
* FORT 1.6.8 (trixie) has no ASPA option at all: ``aspa: true`` is refused.
* FORT 1.7.0.experimental (sid, unpacked beside trixie's) validates ASPA and serves it over RTR version 2 up to its
  ``server.max-rtr-version``: with ``fort_version: "1.7"`` routesec renders 2 (1 for ``aspa: false``) and writes
  its ASPAs beside the VRPs, and FORT 1.7 reads that configuration.
* StayRTR 0.6.2 (trixie) never speaks RTR version 2, the version that carries ASPA: with ``-protocol 2`` it answers
  version 0 to everyone. ``aspa: true`` is refused and ``-protocol 2`` never rendered.
* StayRTR 0.5.1 (Debian 12, the host's) serves ASPA over its RTR version 2, that of draft-ietf-sidrops-8210bis-10,
  from rpki-client's 2023 ``provider_authorizations``. Its own rtrdump reads them: the 6,647 real ASPAs of the shared
  file arrive as ``aspa.py`` reads the file, with SLURM filters and assertions applied as ``apply_slurm_aspas``
  applies them, when the SLURM is written in the 2023 form StayRTR 0.5 reads (``customer_asid``, ``provider_set``,
  ``afi``). Given the draft's form (draft-ietf-sidrops-aspa-slurm-04), it turns an assertion into an ASPA of AS0
  with no provider and ignores the filter. BIRD 2.17 reads none of its ASPA PDUs (it takes each for a withdrawal
  of another customer AS); ``aspa: false`` (``-protocol 1``) gives BIRD a version 1 session with the ROAs.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import tomllib
from contextlib import contextmanager
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa import aspas_from_json, read_aspas
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.slurm import apply_slurm_aspas, make_slurm
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.validator_intent import (
    TOOLS,
    slurm_document,
    validator_files,
)
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.validators import (
    fort_config,
    routinator_config,
    rpki_client_argv,
    stayrtr_argv,
)
from netconfd import port_open, wait_for
from ports import free_port
from rpki_validation import validator_folder
from test_renderers import SHARED
from trixie import trixie_argv, trixie_sid_argv

REAL_ASPAS = SHARED / "data" / "vrp" / "rpki-client_ripe-prepdev_2023-05-04.json.gz"  # 6,647 ASPAs, 424,223 VRPs
TAL_DIR = Path("/etc/tals")
HOST_STAYRTR, HOST_RTRDUMP = shutil.which("stayrtr"), shutil.which("rtrdump")
READY_WITHIN = 60  # seconds for a daemon to listen, or for BIRD to finish its RTR session
SMALL_ROAS = [{"prefix": "192.0.2.0/24", "maxLength": 24, "asn": 64500}]
# RTR PDU types (RFC 8210 section 5)
CACHE_RESPONSE, ERROR_REPORT = 3, 10


def run(argv, timeout=60):
    """A program's completed run, its output as text."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def settings(**extra):
    data = {"tals": ["ripe"], "cache_dir": "/var/cache/rpki", "output_dir": "/var/lib/rpki"}
    data.update(extra)
    return data


def fort_1_7_settings(**extra):
    return settings(**dict({"fort_version": "1.7", "rtr": {"address": "127.0.0.1", "port": 3323}}, **extra))


def stayrtr_settings(cache, **extra):
    return settings(vrp_cache=str(cache), rtr={"address": "127.0.0.1", "port": free_port()}, check_time=False, **extra)


def stayrtr_serves_aspa(program):
    """Is ``program`` the StayRTR 0.5 that serves ASPA (its help offers ``-disable.aspa``)?"""
    done = run([program, "-help"])
    return "-disable.aspa" in done.stdout + done.stderr


needs_stayrtr_0_5 = pytest.mark.skipif(
    not (HOST_STAYRTR and HOST_RTRDUMP and stayrtr_serves_aspa(HOST_STAYRTR)),
    reason="no StayRTR 0.5 with rtrdump (Debian 12's stayrtr package; scripts/setup.sh installs it)",
)


# --- what routesec renders ---------------------------------------------------------------------------------------


def test_aspa_is_on_by_default_where_the_tool_serves_it():
    assert rpki_client_argv(settings()) == rpki_client_argv(settings(aspa=True))
    assert "-A" not in rpki_client_argv(settings())
    assert tomllib.loads(routinator_config(settings()))["enable-aspa"] is True
    assert tomllib.loads(routinator_config(settings(aspa=True)))["enable-aspa"] is True
    # FORT 1.6 and StayRTR serve no ASPA: left out, their configuration is what it was before the setting existed
    assert fort_config(settings()) == fort_config(settings(aspa=False))
    assert fort_config(settings()) == fort_config(settings(fort_version="1.6.8"))
    fort_1_7 = json.loads(fort_config(fort_1_7_settings()))
    assert fort_1_7 == json.loads(fort_config(fort_1_7_settings(aspa=True)))
    assert fort_1_7["server"]["max-rtr-version"] == 2
    assert fort_1_7["output"] == {
        "roa": "/var/lib/rpki/vrps.json",
        "aspa": "/var/lib/rpki/aspas.json",
        "format": "json",
    }
    assert "-protocol" not in stayrtr_argv(stayrtr_settings("/var/lib/rpki/json"))


def test_aspa_false_renders_each_tools_switch():
    assert rpki_client_argv(settings(aspa=False, offline=True))[:6] == [
        "rpki-client",
        "-j",
        "-d",
        "/var/cache/rpki",
        "-n",
        "-A",
    ]
    assert tomllib.loads(routinator_config(settings(aspa=False)))["enable-aspa"] is False
    assert stayrtr_argv(stayrtr_settings("/var/lib/rpki/json", aspa=False))[-2:] == ["-protocol", "1"]
    fort_1_7 = json.loads(fort_config(fort_1_7_settings(aspa=False)))
    assert fort_1_7["server"]["max-rtr-version"] == 1  # versions 0 and 1, as FORT 1.6 serves
    assert "aspa" not in fort_1_7["output"]


@pytest.mark.parametrize("version", ["1.7", "1.7.0", "1.7.0.experimental", 1.7, "2.0"])
def test_fort_1_7_and_later_are_given_aspa(version):
    assert json.loads(fort_config(fort_1_7_settings(fort_version=version)))["server"]["max-rtr-version"] == 2


@pytest.mark.parametrize(
    "render, data, message",
    [
        (fort_config, settings(aspa=True), "FORT 1.6 validates no ASPA"),
        (fort_config, settings(aspa=True, fort_version="1.6.8"), "FORT 1.6 validates no ASPA"),
        (stayrtr_argv, stayrtr_settings("/var/lib/rpki/json", aspa=True), "StayRTR serves no ASPA that routers read"),
        (rpki_client_argv, settings(aspa="yes"), "expected true or false"),
    ],
)
def test_aspa_a_tool_cannot_serve_is_refused_naming_tool_and_field(render, data, message):
    with pytest.raises(DataError) as caught:
        render(data)
    assert caught.value.field == "aspa"
    assert message in caught.value.reason


@pytest.mark.parametrize("version", ["1", "seven", "v1.7", True, [1, 7]])
def test_a_fort_version_that_is_not_one_is_refused(version):
    with pytest.raises(DataError) as caught:
        fort_config(fort_1_7_settings(fort_version=version))
    assert caught.value.field == "fort_version"
    assert "is not a version such as 1.7" in caught.value.reason


@pytest.mark.parametrize("tool", TOOLS)
def test_no_validator_is_given_aspa_assertions_in_its_slurm_file(tool):
    data = settings(slurm="/etc/rpki/slurm.json", rtr={"address": "127.0.0.1", "port": 3323})
    if tool == "rpki-client":
        data.pop("rtr")
    with pytest.raises(DataError) as caught:
        validator_files(tool, data, (), config_path="/etc/validator.conf", aspas={64500: {64510}})
    assert caught.value.field == "aspas"
    assert caught.value.reason.startswith("cannot carry ASPA assertions: ")
    named = {
        "rpki-client": "rpki-client",
        "fort": "FORT 1.6",
        "routinator": "Routinator 0.15",
        "stayrtr": "StayRTR 0.6",
    }
    assert named[tool] in caught.value.reason
    # without them the files are rendered as before, SLURM version 1
    if tool != "rpki-client":
        files, _argv, _warnings = validator_files(tool, data, (), config_path="/etc/validator.conf", aspas={})
        assert json.loads(files["/etc/rpki/slurm.json"])["slurmVersion"] == 1


def test_the_slurm_document_asserts_the_intents_aspas_in_slurm_version_2():
    slurm = slurm_document((), [{"asn": 64666}], {"AS64501": {64511, 64510}, 64500: frozenset({0})})
    document = slurm.to_dict()
    assert document["slurmVersion"] == 2
    assert document["locallyAddedAssertions"]["aspaAssertions"] == [
        {"customerAsn": 64500, "providerAsns": [0], "comment": "routesec: providers of AS64500 per NetBox"},
        {"customerAsn": 64501, "providerAsns": [64510, 64511], "comment": "routesec: providers of AS64501 per NetBox"},
    ]
    assert document["validationOutputFilters"]["aspaFilters"] == []
    assert apply_slurm_aspas(slurm, {64500: frozenset({64520}), 64502: frozenset({64520})}) == {
        64500: frozenset({64520}),  # an AS0 assertion adds no provider
        64501: frozenset({64510, 64511}),
        64502: frozenset({64520}),
    }


# --- rpki-client 9.5 and FORT 1.6.8 ------------------------------------------------------------------------------


@pytest.fixture
def workdir():
    """A directory the validators' unprivileged users can write in (pytest's tmp_path is private to root), with
    ``cache/`` and ``out/``."""
    with validator_folder("routesec-aspa-") as path:
        yield path


@pytest.mark.skipif(not (TAL_DIR / "ripe.tal").exists(), reason="no ripe.tal in /etc/tals")
@pytest.mark.parametrize("aspa", [None, False])
def test_rpki_client_9_5_writes_aspas_into_its_json_unless_aspa_is_false(workdir, aspa):
    data = settings(tal_dir=str(TAL_DIR), cache_dir=str(workdir / "cache"), output_dir=str(workdir / "out"))
    data.update(offline=True, aspa=aspa)  # offline: rpki-client validates its empty cache, and writes its output
    argv = rpki_client_argv(data, program="rpki-client")
    done = run(trixie_argv("rpki-client") + argv[1:], timeout=120)
    assert done.returncode == 0, done.stderr
    output = json.loads((workdir / "out" / "json").read_text())
    assert output["roas"] == []
    assert ("aspas" in output) is (aspa is None)
    if aspa is None:
        assert output["aspas"] == [] and aspas_from_json(json.dumps(output)) == {}


def test_fort_1_6_knows_no_aspa_and_reads_the_configuration_rendered_without_it(workdir):
    help_text = run(trixie_argv("fort") + ["--help"]).stdout
    assert "--server.port" in help_text  # the option list is there
    assert "aspa" not in help_text.lower() and "rtr-version" not in help_text
    config = workdir / "fort.json"
    config.write_text(
        fort_config(
            settings(
                tal_dir=str(TAL_DIR), cache_dir=str(workdir / "cache"), output_dir=str(workdir / "out"), offline=True
            )
        )
    )
    done = run(trixie_argv("fort") + ["--configuration-file", str(config)])
    output = done.stdout + done.stderr
    assert json.loads(config.read_text())["work-offline"] is True  # never touch the network
    assert "--usage" not in output and "ripe.tal" in output, output  # options accepted, the TAL read


@pytest.mark.parametrize("aspa", [None, False])
def test_fort_1_7_offers_aspa_and_reads_the_configuration_rendered_for_it(workdir, aspa):
    help_text = run(trixie_sid_argv("fort") + ["--help"]).stdout
    assert "--output.aspa" in help_text and "--server.max-rtr-version" in help_text
    data = fort_1_7_settings(
        tal_dir=str(TAL_DIR), cache_dir=str(workdir / "cache"), output_dir=str(workdir / "out"), offline=True, aspa=aspa
    )
    config = workdir / "fort.json"
    config.write_text(fort_config(data))
    # standalone: FORT reads every setting, the RTR server's too, validates once and ends
    done = run(trixie_sid_argv("fort") + ["--configuration-file", str(config), "--mode=standalone"])
    output = done.stdout + done.stderr
    assert json.loads(config.read_text())["server"]["max-rtr-version"] == (1 if aspa is False else 2)
    assert "--usage" not in output and "ripe.tal" in output, output  # options accepted, the TAL read


# --- StayRTR 0.6.2 -----------------------------------------------------------------------------------------------


@contextmanager
def serving(argv, port, log):
    """The RTR cache ``argv`` running until the block ends, once it accepts connections on ``port``."""
    with open(log, "wb") as messages:
        daemon = subprocess.Popen(argv, stdout=messages, stderr=messages)
    try:
        wait_for(lambda: port_open(port), daemon, "the RTR cache", READY_WITHIN)
        yield
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def first_answer(port, version):
    """(version, PDU type, session or error code) of the first PDU answering a Reset Query of ``version``; None
    when the cache closes the connection without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(struct.pack("!BBHI", version, 2, 0, 8))
        header = b""
        while len(header) < 8:
            chunk = connection.recv(8 - len(header))
            if not chunk:
                return None
            header += chunk
    return struct.unpack("!BBHI", header)[:3]


def small_cache(folder):
    """rpki-client 9.5's JSON with one VRP and two ASPAs."""
    path = Path(folder) / "rpki.json"
    aspas = [{"customer_asid": 64500, "providers": [64510, 64511]}, {"customer_asid": 64501, "providers": [0]}]
    path.write_text(json.dumps({"metadata": {"buildtime": "2026-01-01T00:00:00Z"}, "roas": SMALL_ROAS, "aspas": aspas}))
    return path


@pytest.mark.parametrize("extra", [{}, {"aspa": False}, "-protocol 2"])
def test_stayrtr_0_6_never_speaks_rtr_version_2(tmp_path, extra):
    """A version 2 Reset Query gets no version 2 answer; with -protocol 2 even version 1 clients get version 0."""
    data = stayrtr_settings(small_cache(tmp_path), **(extra if isinstance(extra, dict) else {}))
    argv = trixie_argv("stayrtr") + stayrtr_argv(data)[1:] + (extra.split() if isinstance(extra, str) else [])
    with serving(argv, data["rtr"]["port"], tmp_path / "stayrtr.log"):
        to_version_2 = first_answer(data["rtr"]["port"], 2)
        to_version_1 = first_answer(data["rtr"]["port"], 1)
    assert to_version_2 is None or (to_version_2[0] < 2 and to_version_2[1] == ERROR_REPORT)
    assert to_version_1[:2] == ((0 if isinstance(extra, str) else 1), CACHE_RESPONSE)


# --- StayRTR 0.5.1, its rtrdump, and BIRD 2.17 -------------------------------------------------------------------


def provider_authorizations(aspas):
    """rpki-client's 2023 JSON member for ``aspas`` ({customer: providers}): the same list for both families."""
    records = [{"customer_asid": customer, "providers": sorted(aspas[customer])} for customer in sorted(aspas)]
    return {"ipv4": records, "ipv6": records}


def real_cache(folder):
    """The shared file, unpacked and without expiry times: its VRPs and ASPAs expired in 2023, and StayRTR serves no
    expired one over RTR, whatever -checktime says."""
    with gzip.open(REAL_ASPAS, "rt") as packed:
        data = json.load(packed)
    for record in data["roas"] + data["provider_authorizations"]["ipv4"] + data["provider_authorizations"]["ipv6"]:
        record.pop("expires", None)
    path = Path(folder) / "rpki.json"
    path.write_text(json.dumps(data))
    return path


def stayrtr_0_5_slurm(slurm):
    """``slurm`` in the form StayRTR 0.5 reads: ASPA entries of the 2023 draft (draft-spaghetti-sidrops-aspa-slurm-00:
    ``customer_asid``, ``provider_set``, ``afi``). A filter without ``afi`` applies to both families; an assertion
    applies to one, so each is written once per family."""
    document = slurm.to_dict()
    document["validationOutputFilters"]["aspaFilters"] = [{"customer_asid": f.customer} for f in slurm.aspa_filters]
    document["locallyAddedAssertions"]["aspaAssertions"] = [
        {"afi": family, "customer_asid": a.customer, "provider_set": list(a.providers)}
        for a in slurm.aspa_assertions
        for family in ("ipv4", "ipv6")
    ]
    return json.dumps(document)


def rtrdump_version_2(port, folder):
    """What StayRTR 0.5's rtrdump fetches over RTR version 2: its JSON (``roas``, ``provider_authorizations``)."""
    output = Path(folder) / "rtrdump.json"
    argv = [HOST_RTRDUMP, "-connect", "127.0.0.1:%d" % port, "-rtr.version", "2", "-file", str(output)]
    done = run(argv, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(output.read_text())


@needs_stayrtr_0_5
def test_stayrtr_0_5_serves_the_6647_real_aspas_with_slurm_as_routesec_reads_and_applies_them(tmp_path):
    aspas = read_aspas(REAL_ASPAS)
    assert len(aspas) == 6647
    customers = sorted(aspas)
    newcomer = max(customers) + 1
    slurm = make_slurm(
        aspa_filters=[{"customerAsn": customers[0]}, {"customerAsn": customers[100]}],
        aspa_assertions=[
            {"customerAsn": customers[100], "providerAsns": [64496, 64497]},  # filtered and asserted: replaced
            {"customerAsn": newcomer, "providerAsns": [0]},  # an AS0 ASPA: no provider
        ],
    )
    expected = apply_slurm_aspas(slurm, aspas)
    assert customers[0] not in expected and expected[customers[100]] == {64496, 64497} and expected[newcomer] == set()
    slurm_file = tmp_path / "slurm.json"
    slurm_file.write_text(stayrtr_0_5_slurm(slurm))
    data = stayrtr_settings(real_cache(tmp_path), slurm=str(slurm_file))
    with serving(stayrtr_argv(data, program=HOST_STAYRTR), data["rtr"]["port"], tmp_path / "stayrtr.log"):
        served = rtrdump_version_2(data["rtr"]["port"], tmp_path)
    assert aspas_from_json(json.dumps(served)) == expected
    assert len(served["roas"]) == 424223


@needs_stayrtr_0_5
def test_stayrtr_0_5_misreads_the_drafts_aspa_slurm(tmp_path):
    """Why validator_files refuses ASPA entries for StayRTR: the draft's filter is ignored and its assertion becomes
    an ASPA of AS0 with no provider."""
    cache = tmp_path / "rpki.json"
    cache.write_text(
        json.dumps({"roas": SMALL_ROAS, "provider_authorizations": provider_authorizations({64500: {64510}})})
    )
    slurm_file = tmp_path / "slurm.json"
    slurm = make_slurm(
        aspa_filters=[{"customerAsn": 64500}], aspa_assertions=[{"customerAsn": 64496, "providerAsns": [64497]}]
    )
    slurm_file.write_text(slurm.to_json())
    data = stayrtr_settings(cache, slurm=str(slurm_file))
    with serving(stayrtr_argv(data, program=HOST_STAYRTR), data["rtr"]["port"], tmp_path / "stayrtr.log"):
        served = rtrdump_version_2(data["rtr"]["port"], tmp_path)
    assert apply_slurm_aspas(slurm, {64500: frozenset({64510})}) == {64496: frozenset({64497})}
    assert served["provider_authorizations"]["ipv4"] == [
        {"customer_asid": 64500, "providers": [64510]},
        {"customer_asid": 0, "providers": []},
    ]


def bird_rpki_config(port, folder, max_version=2):
    """BIRD 2.17 with one RTR session to 127.0.0.1:``port`` filling ``roa4 table r4`` and ``aspa table aspas``."""
    return """log "%s/bird.log" all;
router id 192.0.2.1;
roa4 table r4;
roa6 table r6;
aspa table aspas;
protocol rpki cache {
  roa4 { table r4; };
  roa6 { table r6; };
  aspa { table aspas; };
  remote 127.0.0.1 port %d;
  max version %d;
  retry keep 1;
}
""" % (folder, port, max_version)


@contextmanager
def bird_synchronized(conf, folder):
    """Trixie's BIRD 2.17 on ``conf``; yields ``birdc(*words)`` once its RTR session is Established (the cache's
    End of Data received)."""
    folder = Path(folder)
    (folder / "bird.conf").write_text(conf)
    sock = folder / "bird.ctl"

    def birdc(*words):
        return run(trixie_argv("birdc") + ["-s", str(sock), *words]).stdout

    daemon = subprocess.Popen(
        trixie_argv("bird") + ["-f", "-c", str(folder / "bird.conf"), "-s", str(sock)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        established = re.compile(r"Status:\s+Established")
        wait_for(
            lambda: established.search(birdc("show", "protocols", "all")), daemon, "BIRD's RTR session", READY_WITHIN
        )
        yield birdc
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def aspa_channel_counts(protocol_text):
    """(imported routes, received withdrawals) of the aspa channel in ``show protocols all``."""
    channel = protocol_text.split("Channel aspa", 1)[1]
    imported = int(re.search(r"Routes:\s+(\d+) imported", channel)[1])
    withdrawals = int(re.search(r"Import withdraws:\s+(\d+)", channel)[1])
    return imported, withdrawals


@needs_stayrtr_0_5
@pytest.mark.parametrize("aspa, version", [(None, 2), (False, 1)])
def test_bird_2_17_reads_no_aspa_from_stayrtr_0_5_and_aspa_false_gives_it_version_1(tmp_path, aspa, version):
    folder = Path(tempfile.mkdtemp(prefix="routesec-bird-"))  # BIRD's control socket path must be short
    try:
        cache = tmp_path / "rpki.json"
        cache.write_text(
            json.dumps({"roas": SMALL_ROAS, "provider_authorizations": provider_authorizations({64500: {64510}})})
        )
        data = stayrtr_settings(cache, aspa=aspa)
        port = data["rtr"]["port"]
        with (
            serving(stayrtr_argv(data, program=HOST_STAYRTR), port, tmp_path / "stayrtr.log"),
            bird_synchronized(bird_rpki_config(port, folder), folder) as birdc,
        ):
            protocol = birdc("show", "protocols", "all", "cache")
            roas = birdc("show", "route", "table", "r4")
        assert re.search(r"Protocol version:\s+(\d)", protocol)[1] == str(version)
        assert "192.0.2.0/24-24 AS64500" in roas
        # version 2: each of StayRTR 0.5's ASPA PDUs (one per family) reads as a withdrawal, nothing is imported
        assert aspa_channel_counts(protocol) == (0, 2 if version == 2 else 0)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
