# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A validator's files from its settings and NetBox: its configuration and a SLURM file for our space.

The SLURM file asserts every ROA NetBox asks for (``roa_plan.roa_intent``), so
that our own announcements validate on our routers even before the RPKI
publishes the ROAs, and carries the operator's local filters. The files are
returned as {path: content}; writing them (with check mode and diff) and
reloading the validator is the playbook's job (role ``rpki_validator``).

``slurm_document`` also asserts ASPAs ({customer AS: provider ASes}, our
providers as NetBox gives them), which makes the document SLURM version 2
(draft-ietf-sidrops-aspa-slurm-04). ``validator_files`` refuses them: no tool
here applies the draft's ASPA entries (``ASPA_SLURM_REFUSED`` says why, tool by
tool), and a validator that cannot would drop or misread them silently.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from collections.abc import Set as AbstractSet

from ..errors import DataError
from . import validators
from .slurm import Slurm, make_slurm

TOOLS = ("rpki-client", "fort", "routinator", "stayrtr")
ASPA_SLURM_REFUSED = {
    "rpki-client": "rpki-client reads no SLURM file",
    "fort": "FORT 1.6 and 1.7 read SLURM version 1 only ('slurmVersion' must be 1)",
    "routinator": (
        "Routinator 0.15 reads SLURM version 2 but applies no ASPA filter or assertion, and reads an ASPA"
        " filter's customer as customerAsid where the draft writes customerAsn"
    ),
    "stayrtr": (
        "StayRTR 0.6 ignores the ASPA entries, and StayRTR 0.5 reads those of the 2023 draft"
        " (customer_asid, provider_set): it turns the draft's assertions into an ASPA of AS0 with no provider"
    ),
}


def slurm_document(roas, filters=(), aspas: Mapping | None = None) -> Slurm:
    """The checked Slurm: ``filters`` (plain dicts), one assertion per ROA of ``roas`` and one ASPA assertion
    per customer AS of ``aspas`` ({customer AS: provider ASes}); an assertion a filter matches stands
    (filters apply first) and is reported in its ``overlaps``."""
    return make_slurm(list(filters or ()), _roa_assertions(roas), aspa_assertions=_aspa_assertions(aspas or {}))


def _roa_assertions(roas):
    return [
        {
            "prefix": str(roa.prefix),
            "asn": roa.asn,
            "maxPrefixLength": roa.max_length,
            "comment": "routesec: originated by AS%d per NetBox" % roa.asn,
        }
        for roa in roas
    ]


def _aspa_assertions(aspas):
    """One plain ASPA assertion per customer of ``aspas``, in AS number order (make_slurm checks them)."""
    if not isinstance(aspas, Mapping):
        raise DataError("expected {customer AS: provider ASes}, got %r" % (aspas,), "ASPA intent")
    return [
        {
            "customerAsn": customer,
            "providerAsns": sorted(providers, key=_as_number_order)
            if isinstance(providers, AbstractSet)
            else providers,
            "comment": "routesec: providers of AS%s per NetBox" % _digits(customer),
        }
        for customer, providers in sorted(aspas.items(), key=lambda item: _as_number_order(item[0]))
    ]


def _digits(asn):
    """An AS number written 64500 or "AS64500", without its "AS"."""
    return str(asn).strip().upper().removeprefix("AS")


def _as_number_order(asn):
    """Sort key of an AS number: by number, anything that is none after the numbers, by its text."""
    digits = _digits(asn)
    return (0, int(digits), "") if digits.isdigit() else (1, 0, str(asn))


def validator_files(
    tool: str, settings, roas, filters=(), config_path: str | None = None, aspas: Mapping | None = None
) -> tuple[dict, list | None, list]:
    """({path: content}, command line or None, warnings) for ``tool``; DataError naming what is wrong.

    The warnings name each of our ROAs that a filter of ``filters`` matches: the SLURM still asserts it.
    ``aspas`` ({customer AS: provider ASes}) to assert in the settings' SLURM file are refused, naming the tool
    (``ASPA_SLURM_REFUSED``); without a SLURM file nothing is asserted, as for the ROAs."""
    if tool not in TOOLS:
        raise DataError("%r is not one of %s" % (tool, ", ".join(TOOLS)), "validator", "tool")
    checked = validators.validator_settings(settings)
    files, warnings = {}, []
    if aspas and checked.slurm:
        raise DataError("cannot carry ASPA assertions: %s" % ASPA_SLURM_REFUSED[tool], "validator", "aspas")
    if checked.slurm:
        slurm = slurm_document(roas, filters)
        files[checked.slurm] = json.dumps(slurm.to_dict(), indent=2, sort_keys=True) + "\n"
        warnings = list(slurm.overlaps)
    argv = None
    if tool == "rpki-client":
        argv = validators.rpki_client_argv(settings)
    elif tool == "stayrtr":
        argv = validators.stayrtr_argv(settings)
    else:
        if not config_path:
            raise DataError("%s reads a configuration file: set its path" % tool, "validator", "config_path")
        render = validators.fort_config if tool == "fort" else validators.routinator_config
        files[config_path] = render(settings)
    return files, argv, warnings
