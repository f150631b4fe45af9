# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RPKI: validated ROA payloads, route origin validation (RFC 6811) and ASPA.

``vrp``, ``rov``, ``aspa`` (path verification) and ``slurm`` are the data;
``router_policy`` and ``validators`` render router and validator configuration;
``roa_plan``, ``aspa_intent``, ``aspa_plan``, ``rov_intent`` and
``validator_intent`` build that intent from NetBox; the CA clients (``ca_*``,
``arin``) submit ROAs, chosen by name in ``cas``, and ASPAs, chosen in ``aspa_cas``.

A domain beside the flow. Imports from: base, netbox, intent, render, drivers, plan.
"""
