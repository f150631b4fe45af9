# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reporting: the scheduled compliance run and its findings.

``run`` reads NetBox, the routers, the IRR and the RPKI and compares them with
the intent; ``checks`` turns each comparison into ``findings``; ``report``
prints them; ``session_checks`` compares a router's BGP sessions with the
session policy; ``announcement_check`` asks an observer whether our prefixes are
seen from our origin.

Imports from: base, netbox, intent, policy, render, drivers, plan, rpki, irr, observe.
"""
