# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Layer 5, planning and deploying: the guards, the one deployment sequence and the CI plan.

``guards`` refuses a change that would empty or sharply shrink a filter;
``deploy`` runs read, plan, guards, load, compare, commit confirmed, check and
confirm through any driver; ``announce`` plans what a router originates;
``session_policy`` plans a router's session policy and guards it;
``artifact`` writes a check-mode plan for review and checks that ``apply``
finds the same plan.

Imports from: base, netbox, intent, policy, render, drivers.
"""
