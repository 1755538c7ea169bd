"""What the commands print: ``-f shell`` output is escaped for sh.

That sh evaluates it to the values themselves is the functional suite's
``test_shell_output``: unit tests start no programs.
"""

from __future__ import annotations

from osc_lib.cli import format_columns

from keypairs_osc.v1 import common
from tests.unit import base


class ShellSafeTest(base.TestCase):

    def test_special_characters_are_escaped(self):
        self.assertEqual('\\$(x) \\`y\\` \\\\', common.shell_safe(
            '$(x) `y` \\'))

    def test_list_columns_are_escaped_as_text(self):
        column = format_columns.ListColumn(['srv $(id)'])
        self.assertEqual("['srv \\$(id)']", common.shell_safe(column))

    def test_other_values_pass_through(self):
        for value in (None, 256, True):
            self.assertIs(value, common.shell_safe(value))
