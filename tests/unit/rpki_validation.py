# -*- coding: utf-8 -*-
"""A repository the test signed (rpki_repository.py) validated by real validators, offline, configured as routesec
renders them (validators.py): rpki-client 9.5 of Debian trixie (``-n``) and FORT 1.7 of Debian sid
(``fort_version: "1.7"``, ``work-offline``), both run from the trixie root (trixie.py).

A validator works in one folder: ``tals/`` (the repository's TAL, as ``ripe.tal``: routesec chooses TALs by
registry name), ``cache/`` (the repository, laid out as the validator keeps it) and ``out/`` (what it writes).
``validator_folder`` makes one that rpki-client's unprivileged user may write in.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa import aspas_from_records
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.validators import fort_config, rpki_client_argv
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import vrps_from_json
from trixie import trixie_argv, trixie_sid_argv

TAL_NAME = "ripe"
FOLDERS = ("tals", "cache", "out")
FIRST_VALIDATION = "First validation cycle successfully ended"  # FORT's message once it serves what it validated


@contextmanager
def validator_folder(prefix: str = "routesec-rpki-"):
    """A new folder with ``tals/``, ``cache/`` and ``out/``, each writable by every user (pytest's tmp_path is
    private to root); removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        for folder in (path, *(path / sub for sub in FOLDERS)):
            folder.mkdir(exist_ok=True)
            folder.chmod(0o777)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def settings_in(folder: Path, **extra) -> dict:
    """Validator settings for ``folder``: its TAL, cache and output, offline."""
    data = {"tals": [TAL_NAME], "offline": True}
    data.update(
        {key: str(folder / sub) for key, sub in (("tal_dir", "tals"), ("cache_dir", "cache"), ("output_dir", "out"))}
    )
    data.update(extra)
    return data


def prepared(repository, folder: Path) -> None:
    """The repository's TAL in ``folder``/tals, every folder there."""
    for sub in FOLDERS:
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "tals" / (TAL_NAME + ".tal")).write_text(repository.tal)


def rpki_client_validation(repository, folder: Path):
    """rpki-client 9.5's run over ``repository`` in ``folder`` (``validator_folder``): (its JSON output, its
    messages)."""
    prepared(repository, folder)
    repository.rpki_client_cache(folder / "cache", TAL_NAME)
    subprocess.run(["chmod", "-R", "a+rwX", str(folder / "cache")], check=True)  # it reads as its own user
    argv = rpki_client_argv(settings_in(folder))
    done = subprocess.run(
        trixie_argv("rpki-client") + argv[1:], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads((folder / "out" / "json").read_text()), done.stderr


@functools.cache
def fort_version() -> str:
    """The version FORT 1.7 names itself with ("1.7.0.experimental"), which it expects in its cache's metadata."""
    done = subprocess.run(trixie_sid_argv("fort") + ["--version"], capture_output=True, text=True, check=True)
    return done.stdout.split()[-1]


def fort_configuration(repository, folder: Path, **extra) -> Path:
    """``repository`` in FORT's cache in ``folder`` and the configuration routesec renders for FORT 1.7 there
    (``extra`` settings added, e.g. ``rtr``): its path."""
    prepared(repository, folder)
    repository.fort_cache(folder / "cache", TAL_NAME + ".tal", fort_version())
    config = folder / "fort.json"
    config.write_text(fort_config(settings_in(folder, fort_version="1.7", **extra)))
    return config


def fort_argv(config: Path, *options: str) -> list[str]:
    """FORT 1.7 on ``config``, logging every object it rejects, with ``options`` after."""
    return trixie_sid_argv("fort") + ["--configuration-file", str(config), "--validation-log.enabled=true", *options]


def fort_output(folder: Path):
    """What FORT wrote in ``folder``/out: (its VRPs as a set, its ASPAs as {customer: providers})."""
    vrps = vrps_from_json((folder / "out" / "vrps.json").read_text())
    written = json.loads((folder / "out" / "aspas.json").read_text())["aspa"]
    records = [{"customer_asid": int(customer), "providers": providers} for customer, providers in written.items()]
    return set(vrps), aspas_from_records(records)
