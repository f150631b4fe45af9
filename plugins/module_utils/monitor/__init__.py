# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Watching our prefixes as the world's routers see them, and raising alerts: hijacks, leaks, RPKI- and
ASPA-invalid routes of ours, lost visibility.

``model`` holds the plain data every part shares: the route events the feeds produce (``observe``: MRT files,
BMP, BGP sessions through ExaBGP), the watch list built from NetBox's intent (``watch``), and the alerts.
``detect`` (with ``rules`` and ``space``) turns route events into alert changes; ``state`` groups, throttles
and keeps them across restarts; ``notify`` delivers them to the ``outputs`` (JSON lines, syslog, webhooks,
Slack, Alertmanager) through a persistent queue each; ``metrics`` and ``status_page`` show them; ``replay``
runs MRT files through it all at once.

A domain beside the flow. Imports from: base, observe, intent, rpki.
"""
