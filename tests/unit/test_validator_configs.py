# -*- coding: utf-8 -*-
"""Validator configurations from plain data, checked by the real tools where they are installed.

rpki-client and FORT run on local files only: rpki-client with ``-n`` (no network), FORT with
``work-offline`` and an empty cache, so both read their configuration and TALs and then find nothing
to validate. Routinator is not installed here: its TOML is parsed with tomllib and its option names
are checked against the documented ones.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.validators import (
    KNOWN_TALS,
    fort_config,
    routinator_config,
    rpki_client_argv,
    stayrtr_argv,
    validator_settings,
)
from ports import free_port

TAL_DIR = Path("/etc/tals")  # Debian's rpki-client and fort-validator install the TALs there
RPKI_CLIENT = shutil.which("rpki-client") or (os.path.exists("/usr/sbin/rpki-client") and "/usr/sbin/rpki-client")
FORT = shutil.which("fort")
# Routinator's documented configuration file names (etc/routinator.conf.example of Routinator 0.12+ and
# the Config struct on docs.rs); routinator itself is not installed here.
ROUTINATOR_OPTIONS = {
    "repository-dir",
    "no-rir-tals",
    "tals",
    "extra-tals-dir",
    "exceptions",
    "strict",
    "stale",
    "disable-rsync",
    "disable-rrdp",
    "enable-aspa",
    "refresh",
    "retry",
    "expire",
    "history-size",
    "rtr-listen",
    "http-listen",
    "log-level",
    "log",
}
ROUTINATOR_BUNDLED_TALS = {"afrinic", "apnic", "arin", "lacnic", "ripe"}


def settings(**extra):
    data = {
        "tals": ["ripe", "apnic"],
        "cache_dir": "/var/cache/rpki",
        "output_dir": "/var/lib/rpki",
    }
    data.update(extra)
    return data


def test_rpki_client_argv():
    assert rpki_client_argv(settings(offline=True)) == [
        "rpki-client",
        "-j",
        "-d",
        "/var/cache/rpki",
        "-n",
        "-t",
        "/etc/tals/ripe.tal",
        "-t",
        "/etc/tals/apnic.tal",
        "/var/lib/rpki",
    ]


def test_fort_config():
    one = json.loads(fort_config(settings(tals=["lacnic"], slurm="/etc/rpki/local.json")))
    assert one == {
        "tal": "/etc/tals/lacnic.tal",
        "local-repository": "/var/cache/rpki",
        "mode": "standalone",
        "work-offline": False,
        "slurm": "/etc/rpki/local.json",
        "output": {"roa": "/var/lib/rpki/vrps.json", "format": "json"},
    }
    server = json.loads(fort_config(settings(selected_tal_dir="/etc/fort/tals", rtr={"address": "::1", "port": 3323})))
    assert server["tal"] == "/etc/fort/tals"
    assert server["mode"] == "server"
    assert server["server"] == {"address": ["::1"], "port": "3323"}


def test_routinator_config_is_toml_with_documented_names():
    text = routinator_config(
        settings(
            tals=list(KNOWN_TALS),
            slurm='/etc/rpki/we "quote".json',
            rtr={"address": "::1", "port": 3323},
            http={"address": "127.0.0.1", "port": 8323},
            offline=True,
        )
    )
    config = tomllib.loads(text)
    assert set(config) <= ROUTINATOR_OPTIONS, set(config) - ROUTINATOR_OPTIONS
    assert set(config["tals"]) <= ROUTINATOR_BUNDLED_TALS
    assert config == {
        "repository-dir": "/var/cache/rpki",
        "no-rir-tals": True,
        "tals": list(KNOWN_TALS),
        "enable-aspa": True,  # on unless aspa: false (test_validator_aspa.py)
        "exceptions": ['/etc/rpki/we "quote".json'],
        "rtr-listen": ["[::1]:3323"],
        "http-listen": ["127.0.0.1:8323"],
        "disable-rsync": True,
        "disable-rrdp": True,
    }
    assert set(tomllib.loads(routinator_config(settings()))) == {"repository-dir", "no-rir-tals", "tals", "enable-aspa"}


def test_stayrtr_argv():
    assert stayrtr_argv(
        settings(slurm="/etc/rpki/local.json", rtr={"address": "127.0.0.1", "port": "8282"}, check_time=False)
    ) == [
        "stayrtr",
        "-bind",
        "127.0.0.1:8282",
        "-cache",
        "/var/lib/rpki/json",
        "-slurm",
        "/etc/rpki/local.json",
        "-metrics.addr",
        "",
        "-checktime=false",
    ]


@pytest.mark.parametrize(
    "render, data, field, message",
    [
        (validator_settings, settings(tals=[]), "tals", "choose one or more"),
        (validator_settings, settings(tals=["ripe", "RIPE"]), "tals", "chosen twice"),
        (validator_settings, settings(tals=["ripe-ncc"]), "tals", "not a known TAL"),
        (validator_settings, settings(cache_dir="var/cache"), "cache_dir", "not an absolute path"),
        (validator_settings, settings(slurm="/etc/../x"), "slurm", "'..'"),
        (validator_settings, settings(output_dir="/a\nb"), "output_dir", "control characters"),
        (validator_settings, settings(rtr={"address": "localhost", "port": 1}), "rtr.address", "not an IP"),
        (validator_settings, settings(rtr={"address": "127.0.0.1", "port": 0}), "rtr.port", "not a port"),
        (validator_settings, settings(rtr={"address": "127.0.0.1", "port": True}), "rtr.port", "not a port"),
        (validator_settings, settings(rtr={"address": "::1", "port": 1, "tls": 1}), "rtr", "unknown key"),
        (validator_settings, settings(rtr="127.0.0.1:3323"), "rtr", "expected {address"),
        (validator_settings, settings(offline="yes"), "offline", "true or false"),
        (validator_settings, settings(cachedir="/x"), "cachedir", "unknown setting"),
        (validator_settings, "ripe", None, "expected a mapping"),
        (rpki_client_argv, settings(slurm="/etc/s.json"), "slurm", "reads no SLURM"),
        (rpki_client_argv, settings(rtr={"address": "::1", "port": 3323}), "rtr", "no RTR server"),
        (rpki_client_argv, settings(cache_dir=None), "cache_dir", "needs it"),
        (rpki_client_argv, settings(output_dir=None), "output_dir", "needs it"),
        (fort_config, settings(), "selected_tal_dir", "one TAL file or one directory"),
        (fort_config, settings(tals=["ripe"], output_dir=None), "output_dir", "somewhere to write"),
        (fort_config, settings(http={"address": "::1", "port": 80}), "http", "no HTTP server"),
        (routinator_config, settings(cache_dir=None), "cache_dir", "needs it"),
        (stayrtr_argv, settings(), "rtr", "needs it"),
        (stayrtr_argv, settings(output_dir=None, rtr={"address": "::1", "port": 1}), "vrp_cache", "needs vrp_cache"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(render, data, field, message):
    with pytest.raises(DataError) as caught:
        render(data)
    assert caught.value.field == field
    assert message in caught.value.reason


@pytest.fixture
def workdir():
    """A directory rpki-client's unprivileged user can write in (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="routesec-validators-"))
    for sub in ("", "cache", "out", "tals"):
        (path / sub).mkdir(exist_ok=True)
        (path / sub).chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def needs_tals(*names):
    missing = [n for n in names if not (TAL_DIR / ("%s.tal" % n)).exists()]
    return pytest.mark.skipif(bool(missing), reason="no %s in %s" % (missing, TAL_DIR))


@pytest.mark.skipif(not RPKI_CLIENT, reason="rpki-client is not installed (scripts/setup.sh installs it)")
@needs_tals("ripe", "apnic", "lacnic")
def test_rpki_client_runs_the_argv_offline_with_the_chosen_tals(workdir):
    data = settings(
        tals=["lacnic", "ripe", "apnic"],
        tal_dir=str(TAL_DIR),
        cache_dir=str(workdir / "cache"),
        output_dir=str(workdir / "out"),
        offline=True,
    )
    argv = rpki_client_argv(data, program=RPKI_CLIENT)
    assert "-n" in argv  # never touch the network
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    metadata = json.loads((workdir / "out" / "json").read_text())["metadata"]
    assert metadata["tals"] == 3
    assert metadata["talfiles"] == [str(TAL_DIR / ("%s.tal" % n)) for n in ("lacnic", "ripe", "apnic")]


def run_fort(config_text, workdir):
    """FORT on a configuration file, offline on an empty cache: (accepted, output)."""
    path = workdir / "fort.json"
    path.write_text(config_text)
    done = subprocess.run(
        [FORT, "--configuration-file", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    output = done.stdout + done.stderr
    refused = "Try 'fort --usage'" in output or "has begun" not in output
    return not refused, output


def fort_options():
    done = subprocess.run([FORT, "--help"], capture_output=True, text=True, timeout=30, check=False)
    return {word.split("=")[0] for word in (done.stdout + done.stderr).split() if word.startswith("[--")}


def dotted(config, stem=""):
    for key, value in config.items():
        if isinstance(value, dict):
            yield from dotted(value, stem + key + ".")
        else:
            yield stem + key


@pytest.mark.skipif(not FORT, reason="fort is not installed (scripts/setup.sh installs it)")
@needs_tals("ripe", "apnic")
@pytest.mark.parametrize("tals", [["ripe"], ["ripe", "apnic"]])
@pytest.mark.parametrize("server", [False, True])
def test_fort_accepts_the_configuration(workdir, tals, server):
    extra = {"slurm": str(workdir / "local.slurm.json")}
    (workdir / "local.slurm.json").write_text(
        '{"slurmVersion": 1, "validationOutputFilters": {"prefixFilters": [], "bgpsecFilters": []},'
        ' "locallyAddedAssertions": {"prefixAssertions": [], "bgpsecAssertions": []}}'
    )
    if server:
        extra["rtr"] = {"address": "127.0.0.1", "port": free_port()}  # its own: the test runs in parallel
    data = settings(
        tals=tals,
        tal_dir=str(TAL_DIR),
        cache_dir=str(workdir / "cache"),
        output_dir=str(workdir / "out"),
        selected_tal_dir=str(workdir / "tals"),
        offline=True,
        **extra,
    )
    for source, link in validator_settings(data).tal_links():
        os.symlink(source, link)
    text = fort_config(data)
    config = json.loads(text)
    assert config["work-offline"] is True  # never touch the network
    # FORT ignores names it does not know: every name must be one of its options
    known = fort_options()
    assert {"[--tal", "[--server.port", "[--output.roa"} <= known
    assert {"[--" + name for name in dotted(config)} <= known
    accepted, output = run_fort(text, workdir)
    assert accepted, output
    for name in tals:  # FORT read every chosen TAL (and found nothing behind them, being offline)
        assert "%s.tal" % name in output


@pytest.mark.skipif(not FORT, reason="fort is not installed (scripts/setup.sh installs it)")
@needs_tals("ripe")
@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.update(mode="nonsense"),
        lambda c: c.update(server={"address": ["127.0.0.1"], "port": 3323}),
        lambda c: c.update(tal="/nonexistent/tals"),
    ],
)
def test_the_fort_check_can_fail(workdir, change):
    data = settings(tals=["ripe"], cache_dir=str(workdir / "cache"), output_dir=str(workdir / "out"), offline=True)
    config = json.loads(fort_config(data))
    assert run_fort(json.dumps(config), workdir)[0]
    change(config)
    accepted, output = run_fort(json.dumps(config), workdir)
    assert not accepted, output
