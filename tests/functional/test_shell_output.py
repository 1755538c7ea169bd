"""``-f shell`` output is safe to eval: a real sh runs what cliff writes.

It runs sh, so it lives in the functional suite: unit tests start no
programs.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess

import fixtures
from cliff.formatters import shell

from keypairs_osc.v1 import common
from tests import base

HOSTILE = ['$(touch pwned)', '`touch pwned`', 'ends in \\', 'a "quote"',
           '${HOME}', 'plain']


def cliff_shell_line(value: str) -> str:
    """What cliff's shell formatter writes for ``value``, after shell_safe."""
    out = io.StringIO()
    shell.ShellFormatter().emit_one(
        ['v'], [common.shell_safe(value)], out,
        argparse.Namespace(variables=[], prefix=''))
    return out.getvalue()


class ShellSafeEvalTest(base.TestCase):

    def test_each_hostile_value_evaluates_to_itself(self):
        where = self.useFixture(fixtures.TempDir()).path
        for value in HOSTILE:
            script = cliff_shell_line(value) + '\nprintf %s "$v"'
            out = subprocess.run(['sh', '-c', script], capture_output=True,
                                 text=True, check=True, cwd=where,
                                 timeout=10).stdout
            self.assertEqual(value, out)
            self.assertEqual([], os.listdir(where), 'code ran')
