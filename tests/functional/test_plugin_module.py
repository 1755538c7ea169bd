"""OpenStackClient imports our plugin module for every command, ours or
not: it must stay light.

A fresh interpreter shows what importing it costs, so this lives in the
functional suite: unit tests start no programs.
"""

from __future__ import annotations

import subprocess
import sys

from tests import base

HEAVY = ('cryptography', 'openstack', 'keypairs_osc.v1', 'keypairs_osc.keys',
         'osc_lib')


def modules_imported_by(module: str) -> set[str]:
    """Every module a fresh interpreter imports for ``import module``."""
    err = subprocess.run(
        [sys.executable, '-X', 'importtime', '-c', f'import {module}'],
        check=True, capture_output=True, text=True).stderr
    return {line.rsplit('|', 1)[1].strip() for line in err.splitlines()
            if line.startswith('import time:') and '|' in line}


class PluginModuleTest(base.TestCase):

    def test_plugin_module_imports_nothing_heavy(self):
        imported = modules_imported_by('keypairs_osc.plugin')
        self.assertIn('keypairs_osc.plugin', imported)
        heavy = [name for name in sorted(imported)
                 if name in HEAVY or name.startswith(
                     tuple(h + '.' for h in HEAVY))]
        self.assertEqual([], heavy)
