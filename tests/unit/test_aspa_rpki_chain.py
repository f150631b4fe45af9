# -*- coding: utf-8 -*-
"""ASPAs through real RPKI software: objects the test signs (rpki_repository.py) validated offline by rpki-client
9.5 and FORT 1.7, each configured as routesec renders it (rpki_validation.py).

The repository holds the ROAs and ASPAs of test_aspa_routers.DATA, and three more ASPAs: one signed as the profile
says (AS64520), one whose signature is spoilt (AS64521), and one whose EE certificate holds another AS than its
customer (AS64522, certified for AS64523). Each validator's output holds exactly the signed ROAs and the ASPAs
signed as they should be; each names the two spoilt files in its messages and leaves them out.

The routers' side of the chain is in test_aspa_routers.py: BIRD 2.17 and OpenBGPD 8.8 fed by FORT 1.7, which
validates the repository of DATA and serves it over RTR version 2.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa import aspas_from_json
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import vrps_from_json
from rpki_repository import Aspa, signed_json
from rpki_validation import fort_argv, fort_configuration, fort_output, rpki_client_validation, validator_folder
from test_aspa_routers import DATA

SIGNED = Aspa(64520, (64500, 64510))
SPOILT = (Aspa(64521, (64500,), bad_signature=True), Aspa(64522, (64500,), signed_for=64523))


@pytest.fixture(scope="module")
def repository():
    return signed_json(json.dumps(DATA), SIGNED, *SPOILT)


def expected_aspas():
    return {**aspas_from_json(json.dumps(DATA)), SIGNED.customer: frozenset(SIGNED.providers)}


def rejected_files(messages):
    """The files of the three extra ASPAs that a validator's messages name: those it rejected."""
    return {aspa.file_name for aspa in (SIGNED, *SPOILT) if aspa.file_name in messages}


def test_rpki_client_9_5_validates_exactly_the_signed_roas_and_aspas_and_rejects_the_spoilt_ones(repository):
    with validator_folder() as folder:
        output, messages = rpki_client_validation(repository, folder)
    assert set(vrps_from_json(json.dumps(output))) == set(vrps_from_json(json.dumps(DATA)))
    assert aspas_from_json(json.dumps(output)) == expected_aspas()
    # the spoilt signature fails parsing (CMS verification), the AS outside the EE certificate fails validation
    assert (output["metadata"]["failedaspas"], output["metadata"]["invalidaspas"]) == (1, 1)
    assert rejected_files(messages) == {aspa.file_name for aspa in SPOILT}, messages


def test_fort_1_7_validates_exactly_the_signed_roas_and_aspas_and_rejects_the_spoilt_ones(repository):
    with validator_folder() as folder:
        config = fort_configuration(repository, folder)
        done = subprocess.run(fort_argv(config), capture_output=True, text=True, timeout=120, check=False)
        mode = json.loads(config.read_text())["mode"]  # no RTR listener: validate once, write, end
        vrps, aspas = fort_output(folder)
    messages = done.stdout + done.stderr
    assert done.returncode == 0 and mode == "standalone", messages
    assert vrps == set(vrps_from_json(json.dumps(DATA)))
    assert aspas == expected_aspas()
    assert rejected_files(messages) == {aspa.file_name for aspa in SPOILT}, messages
