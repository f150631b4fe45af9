# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action every routesec.bgp module runs with (``plugins/action/MODULE.py``): the module, as the ``normal``
action runs it, without the ``module_defaults`` of the ``routesec`` group that the module does not take.

Ansible gives a group's defaults to every module of the group, and a module refuses an option it does not
know. The ``routesec`` group shares options that only some of its modules take (NetBox, router login,
IRR), so each module keeps those it documents and the rest of the group's defaults are left out. An
option written on the task itself is never left out: a module that does not take it still refuses it.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring
from ansible.utils.vars import merge_hash

GROUP_KEYS = ("group/routesec.bgp.routesec", "group/routesec")


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        wrap_async = self._task.async_val and not self._connection.has_native_async
        shared = self.group_defaults() - self.task_options()
        left_out = shared - self.module_options() if shared else set()
        args = {key: value for key, value in self._task.args.items() if key not in left_out}
        result = merge_hash(result, self._execute_module(module_args=args, task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def group_defaults(self):
        """The option names the task's ``module_defaults`` give the routesec group."""
        layers = self._task.module_defaults or []
        layers = layers if isinstance(layers, list) else [layers]
        return {name for layer in layers for key in GROUP_KEYS for name in (layer.get(key) or {})}

    def task_options(self):
        """The option names written on the task itself."""
        written = self._task._ds.get(self._task.action, {}) if isinstance(self._task._ds, dict) else {}
        return set(written) if isinstance(written, dict) else set()

    def module_options(self):
        """The option names (and aliases) the module documents."""
        found = self._shared_loader_obj.module_loader.find_plugin_with_context(self._task.resolved_action)
        doc = get_docstring(found.plugin_resolved_path, fragment_loader, is_module=True)[0] or {}
        names = set()
        for name, spec in (doc.get("options") or {}).items():
            names.update([name, *spec.get("aliases", [])])
        return names
