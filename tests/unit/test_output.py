"""What the commands print: ``-f shell`` output is safe to eval."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import tempfile

from cliff.formatters import shell
from osc_lib.cli import format_columns

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


class ShellSafeTest(base.TestCase):

    def test_each_hostile_value_evaluates_to_itself(self):
        where = tempfile.mkdtemp()
        self.addCleanup(os.rmdir, where)
        for value in HOSTILE:
            script = cliff_shell_line(value) + '\nprintf %s "$v"'
            out = subprocess.run(['sh', '-c', script], capture_output=True,
                                 text=True, check=True, cwd=where,
                                 timeout=10).stdout
            self.assertEqual(value, out)
            self.assertEqual([], os.listdir(where), 'code ran')

    def test_special_characters_are_escaped(self):
        self.assertEqual('\\$(x) \\`y\\` \\\\', common.shell_safe(
            '$(x) `y` \\'))

    def test_list_columns_are_escaped_as_text(self):
        column = format_columns.ListColumn(['srv $(id)'])
        self.assertEqual("['srv \\$(id)']", common.shell_safe(column))

    def test_other_values_pass_through(self):
        for value in (None, 256, True):
            self.assertIs(value, common.shell_safe(value))
